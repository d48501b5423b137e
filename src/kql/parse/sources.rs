//! Tabular sources: `datatable`, `externaldata`, `union`, `search`, `find`, `range`.

use super::*;

impl Parser<'_> {
    pub(super) fn datatable(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        let open = self.bump().span;
        let columns = self.column_decls_until(")")?;
        self.close(")", open)?;
        let open = self.expect_punct("[", "with the rows' values after datatable's columns")?;
        let mut values = Vec::new();
        while !self.is_punct("]") {
            values.push(self.unary()?);
            if !self.eat_punct(",") {
                break;
            }
        }
        self.close("]", open)?;
        Ok(source(Source::Datatable { columns, values }, start, self.prev_end()))
    }

    pub(super) fn externaldata(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        let open = self.bump().span;
        let columns = self.column_decls_until(")")?;
        self.close(")", open)?;
        let open = self.expect_punct("[", "with the storage URLs after externaldata's columns")?;
        let mut urls = Vec::new();
        while !self.is_punct("]") {
            urls.push(self.primary()?);
            if !self.eat_punct(",") {
                break;
            }
        }
        self.close("]", open)?;
        let with = self.with_options()?;
        Ok(source(
            Source::ExternalData { columns, urls, with },
            start,
            self.prev_end(),
        ))
    }

    pub(super) fn union_follows(&self) -> bool {
        let next = &self.nth(1).tok;
        matches!(next, Tok::Ident(_) | Tok::Punct("(" | "*" | "["))
    }

    pub(super) fn union_body(&mut self) -> PResult<(Vec<OpParam>, Vec<Expr>)> {
        let params = self.op_params(&["kind", "withsource", "isfuzzy"])?;
        let mut tables = Vec::new();
        loop {
            if self.is_punct("(") {
                tables.push(self.primary()?);
            } else if self.at_name() && self.nth_is_punct(1, "(") && !self.nth(1).spaced {
                tables.push(self.postfix()?);
            } else {
                tables.push(self.pattern("a table name")?);
            }
            if !self.eat_punct(",") {
                break;
            }
        }
        Ok((params, tables))
    }

    pub(super) fn search_follows(&self) -> bool {
        matches!(self.nth(1).tok, Tok::Str(_) | Tok::Ident(_) | Tok::Punct("*" | "("))
    }

    pub(super) fn search_body(&mut self) -> PResult<(Vec<Expr>, Expr)> {
        self.op_params(&["kind"])?;
        let mut tables = Vec::new();
        if self.is_word("in") && self.nth_is_punct(1, "(") {
            self.bump();
            let open = self.bump().span;
            while !self.is_punct(")") {
                tables.push(self.pattern("a table name")?);
                if !self.eat_punct(",") {
                    break;
                }
            }
            self.close(")", open)?;
        }
        let predicate = if self.is_punct("*") && !self.nth_is_punct(1, ")") && self.nth(1).spaced {
            // `search * has "x"` / `search *`.
            let star = self.bump().span;
            let star = Expr {
                kind: ExprKind::Star,
                span: star,
            };
            self.search_rest(star)?
        } else {
            self.or_expr()?
        };
        Ok((tables, predicate))
    }

    /// After `search *`: optional `has "x"` / `== "x"`.
    pub(super) fn search_rest(&mut self, star: Expr) -> PResult<Expr> {
        if matches!(self.tok(), Tok::Punct("|" | ";" | ")") | Tok::Eof) {
            return Ok(star);
        }
        if let Tok::Ident(w) = self.tok().clone()
            && let Some(op) = string_op(&w, false)
        {
            self.bump();
            let rhs = self.additive()?;
            let start = star.span;
            return Ok(binary(BinOp::Str(op), star, rhs, start, self.prev_end()));
        }
        if self.eat_punct("==") {
            let rhs = self.additive()?;
            let start = star.span;
            return Ok(binary(BinOp::Eq, star, rhs, start, self.prev_end()));
        }
        self.unexpected("`has`, `contains` or '==' after `search *`")
    }

    pub(super) fn find_follows(&self) -> bool {
        self.nth_is_word(1, "in") || self.nth_is_word(1, "where") || self.nth_is_word(1, "withsource")
    }

    pub(super) fn find(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        let params = self.op_params(&["withsource", "kind", "isfuzzy"])?;
        let mut tables = Vec::new();
        if self.is_word("in") {
            self.bump();
            let open = self.expect_punct("(", "after `find in`")?;
            while !self.is_punct(")") {
                tables.push(self.pattern("a table name")?);
                if !self.eat_punct(",") {
                    break;
                }
            }
            self.close(")", open)?;
        }
        if !self.eat_word("where") {
            return self.unexpected("`where` and a predicate in `find`");
        }
        let predicate = self.or_expr()?;
        // `project-smart` (three tokens): every matching column, as a bag.
        if self.is_word("project") && self.nth_is_punct(1, "-") && self.nth_is_word(2, "smart") {
            self.pos += 3;
        }
        let project = if self.eat_word("project") {
            let mut cols = Vec::new();
            loop {
                cols.push(self.pattern("a column name")?);
                if !self.eat_punct(",") {
                    break;
                }
            }
            Some(cols)
        } else {
            None
        };
        Ok(source(
            Source::Find {
                params,
                tables,
                predicate,
                project,
            },
            start,
            self.prev_end(),
        ))
    }

    pub(super) fn range(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        let name = self.ident("a column name after `range`")?;
        self.bump(); // from
        let from = self.additive()?;
        if !self.eat_word("to") {
            return self.unexpected("`to` in `range x from A to B step C`");
        }
        let to = self.additive()?;
        if !self.eat_word("step") {
            return self.unexpected("`step` in `range x from A to B step C`");
        }
        let step = self.additive()?;
        Ok(source(Source::Range { name, from, to, step }, start, self.prev_end()))
    }
}
