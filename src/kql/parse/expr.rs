//! Expressions, one function per precedence level: pipe, `or`, `and`, comparison and string
//! operators, `+ -`, `* / %`, unary, postfix, primary.

use super::*;

impl Parser<'_> {
    /// An expression that may be followed by `| operator ...`.
    pub(super) fn pipe_expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let source = self.or_expr()?;
        let result = if self.is_punct("|") {
            let start = source.span;
            let mut ops = Vec::new();
            while self.is_punct("|") {
                let bar = self.bump().span;
                ops.push(self.operator(bar)?);
            }
            let span = start.to(self.prev_end());
            Ok(Expr {
                kind: ExprKind::Pipe {
                    source: Box::new(source),
                    ops,
                },
                span,
            })
        } else {
            Ok(source)
        };
        self.leave();
        result
    }

    pub(super) fn or_expr(&mut self) -> PResult<Expr> {
        self.logical(LogicOp::Or)
    }

    pub(super) fn logical(&mut self, op: LogicOp) -> PResult<Expr> {
        let word = if op == LogicOp::Or { "or" } else { "and" };
        let first = if op == LogicOp::Or {
            self.logical(LogicOp::And)?
        } else {
            self.comparison()?
        };
        if !self.is_word(word) {
            return Ok(first);
        }
        let start = first.span;
        let mut terms = vec![first];
        while self.eat_word(word) {
            terms.push(if op == LogicOp::Or {
                self.logical(LogicOp::And)?
            } else {
                self.comparison()?
            });
        }
        Ok(Expr {
            kind: ExprKind::Logical { op, terms },
            span: start.to(self.prev_end()),
        })
    }

    /// Comparison, string, list and `between` operators (one level, left to right).
    pub(super) fn comparison(&mut self) -> PResult<Expr> {
        let mut lhs = self.additive()?;
        let mut chain = 0;
        loop {
            let start = lhs.span;
            // Punctuation operators.
            let bin = match self.tok() {
                Tok::Punct("==") => Some(BinOp::Eq),
                Tok::Punct("!=" | "<>") => Some(BinOp::Ne),
                Tok::Punct("<") => Some(BinOp::Lt),
                Tok::Punct("<=") => Some(BinOp::Le),
                Tok::Punct(">") => Some(BinOp::Gt),
                Tok::Punct(">=") => Some(BinOp::Ge),
                Tok::Punct("=~") => Some(BinOp::EqCi),
                Tok::Punct("!~") => Some(BinOp::NeCi),
                _ => None,
            };
            if let Some(op) = bin {
                self.chain_guard(&mut chain)?;
                self.bump();
                let rhs = self.additive()?;
                lhs = binary(op, lhs, rhs, start, self.prev_end());
                continue;
            }
            // Word operators, possibly negated with an adjacent `!`.
            let negated = self.is_punct("!") && matches!(self.nth(1).tok, Tok::Ident(_)) && !self.nth(1).spaced;
            let word_tok = if negated { self.nth(1) } else { self.token() };
            let Tok::Ident(word) = word_tok.tok.clone() else { break };
            let word_span = if negated {
                self.span().to(word_tok.span.end as usize)
            } else {
                word_tok.span
            };
            let tilde = matches!(&self.nth(if negated { 2 } else { 1 }).tok, Tok::Punct("~"))
                && !self.nth(if negated { 2 } else { 1 }).spaced;
            if word == "in" {
                self.chain_guard(&mut chain)?;
                self.pos += if negated { 2 } else { 1 };
                if tilde {
                    self.bump();
                }
                let items = self.list_operand(if tilde { "in~" } else { "in" })?;
                lhs = Expr {
                    kind: ExprKind::List {
                        op: ListOp::In { ci: tilde, negated },
                        value: Box::new(lhs),
                        items,
                    },
                    span: start.to(self.prev_end()),
                };
                continue;
            }
            if word == "between" {
                self.chain_guard(&mut chain)?;
                self.pos += if negated { 2 } else { 1 };
                let open = self.expect_punct("(", "after `between`, as in between (ago(2d) .. ago(1d))")?;
                let low = self.additive()?;
                if !self.eat_punct("..") {
                    return self.unexpected("'..' between the bounds, as in between (1 .. 5)");
                }
                let high = self.additive()?;
                self.close(")", open)?;
                lhs = Expr {
                    kind: ExprKind::Between {
                        negated,
                        value: Box::new(lhs),
                        low: Box::new(low),
                        high: Box::new(high),
                    },
                    span: start.to(self.prev_end()),
                };
                continue;
            }
            if word == "has_any" || word == "has_all" {
                if negated {
                    return self.error_at(
                        word_span,
                        format!("`!{word}` is not an operator: write `not(X {word} (...))`"),
                    );
                }
                self.chain_guard(&mut chain)?;
                self.bump();
                let items = self.list_operand(&word)?;
                lhs = Expr {
                    kind: ExprKind::List {
                        op: if word == "has_any" {
                            ListOp::HasAny
                        } else {
                            ListOp::HasAll
                        },
                        value: Box::new(lhs),
                        items,
                    },
                    span: start.to(self.prev_end()),
                };
                continue;
            }
            if word == "matches" && self.nth_is_word(if negated { 2 } else { 1 }, "regex") {
                if negated {
                    return self.error_at(
                        word_span,
                        "`!matches regex` is not an operator: write `not(X matches regex \"...\")`",
                    );
                }
                self.chain_guard(&mut chain)?;
                self.pos += 2;
                let rhs = self.additive()?;
                let op = BinOp::Str(StrOp {
                    kind: StrKind::MatchesRegex,
                    cs: true,
                    negated: false,
                });
                lhs = binary(op, lhs, rhs, start, self.prev_end());
                continue;
            }
            let Some(op) = string_op(&word, negated) else {
                if negated {
                    // `!word` that is not an operator.
                    return self.error_at(word_span, format!("`!{word}` is not an operator"));
                }
                break;
            };
            self.chain_guard(&mut chain)?;
            self.pos += if negated { 2 } else { 1 };
            let rhs = self.additive()?;
            lhs = binary(BinOp::Str(op), lhs, rhs, start, self.prev_end());
        }
        Ok(lhs)
    }

    /// `( item, ... )` after `in`, `has_any` ...
    pub(super) fn list_operand(&mut self, op: &str) -> PResult<Vec<Expr>> {
        if !self.is_punct("(") {
            return self.unexpected(&format!(
                "'(' after `{op}`: write the values in parentheses, as in {op} (\"a\", \"b\")"
            ));
        }
        let open = self.bump().span;
        self.enter()?;
        let items = self.separated(")", Self::pipe_expr)?;
        if items.is_empty() {
            return self.unexpected(&format!("a value in the parentheses after `{op}`"));
        }
        self.close(")", open)?;
        self.leave();
        Ok(items)
    }

    /// A run of three dashes is a pasted Markdown separator, not arithmetic: say so.
    fn no_dash_line(&mut self) -> PResult<()> {
        if self.is_punct("-")
            && self.nth_is_punct(1, "-")
            && self.nth_is_punct(2, "-")
            && !self.nth(1).spaced
            && !self.nth(2).spaced
        {
            let span = self.span().to(self.nth(2).span.end as usize);
            return self.error_at(
                span,
                "a line of dashes (`---`, a Markdown separator?) is not KQL: remove it, or comment it out with //",
            );
        }
        Ok(())
    }

    pub(super) fn additive(&mut self) -> PResult<Expr> {
        let mut lhs = self.multiplicative()?;
        let mut chain = 0;
        loop {
            let op = match self.tok() {
                Tok::Punct("+") => BinOp::Add,
                Tok::Punct("-") => BinOp::Sub,
                _ => break,
            };
            self.no_dash_line()?;
            self.chain_guard(&mut chain)?;
            self.bump();
            let rhs = self.multiplicative()?;
            let start = lhs.span;
            lhs = binary(op, lhs, rhs, start, self.prev_end());
        }
        Ok(lhs)
    }

    pub(super) fn multiplicative(&mut self) -> PResult<Expr> {
        let mut lhs = self.unary()?;
        let mut chain = 0;
        loop {
            let op = match self.tok() {
                Tok::Punct("*") => BinOp::Mul,
                Tok::Punct("/") => BinOp::Div,
                Tok::Punct("%") => BinOp::Mod,
                _ => break,
            };
            // `*` directly after an argument list's comma is a star argument, not a product.
            self.chain_guard(&mut chain)?;
            self.bump();
            let rhs = self.unary()?;
            let start = lhs.span;
            lhs = binary(op, lhs, rhs, start, self.prev_end());
        }
        Ok(lhs)
    }

    pub(super) fn unary(&mut self) -> PResult<Expr> {
        let op = match self.tok() {
            Tok::Punct("-") => UnaryOp::Neg,
            Tok::Punct("+") => UnaryOp::Plus,
            _ => return self.postfix(),
        };
        self.no_dash_line()?;
        let start = self.bump().span;
        self.enter()?;
        let operand = self.unary()?;
        self.leave();
        // Fold signs into numeric literals, so `-1` is a literal (datatable rows need that).
        if op == UnaryOp::Neg
            && let ExprKind::Literal(lit) = &operand.kind
        {
            let folded = match lit {
                Literal::Long(Some(v)) => Some(Literal::Long(Some(v.wrapping_neg()))),
                Literal::Real(Some(v)) => Some(Literal::Real(Some(-v))),
                Literal::TimeSpan(Some(v)) => Some(Literal::TimeSpan(Some(v.wrapping_neg()))),
                _ => None,
            };
            if let Some(lit) = folded {
                return Ok(Expr {
                    kind: ExprKind::Literal(lit),
                    span: start.to(operand.span.end as usize),
                });
            }
        }
        Ok(Expr {
            span: start.to(operand.span.end as usize),
            kind: ExprKind::Unary {
                op,
                operand: Box::new(operand),
            },
        })
    }

    pub(super) fn postfix(&mut self) -> PResult<Expr> {
        let mut e = self.primary()?;
        let mut chain = 0;
        loop {
            if self.is_punct(".") && !matches!(e.kind, ExprKind::Literal(_)) {
                self.chain_guard(&mut chain)?;
                self.bump();
                let name = if self.is_punct("[") {
                    // x.['key']
                    let open = self.bump().span;
                    let key = match self.tok().clone() {
                        Tok::Str(s) => {
                            let span = self.bump().span;
                            Ident { name: s, span }
                        }
                        _ => return self.unexpected("a quoted key after '.['"),
                    };
                    self.close("]", open)?;
                    key
                } else {
                    self.ident("a property name after '.'")?
                };
                let start = e.span;
                e = Expr {
                    kind: ExprKind::Member {
                        target: Box::new(e),
                        name,
                    },
                    span: start.to(self.prev_end()),
                };
            } else if self.is_punct("[") {
                self.chain_guard(&mut chain)?;
                let open = self.bump().span;
                self.enter()?;
                let index = self.pipe_expr()?;
                self.close("]", open)?;
                self.leave();
                let start = e.span;
                e = Expr {
                    kind: ExprKind::Index {
                        target: Box::new(e),
                        index: Box::new(index),
                    },
                    span: start.to(self.prev_end()),
                };
            } else {
                break;
            }
        }
        Ok(e)
    }

    pub(super) fn primary(&mut self) -> PResult<Expr> {
        let start = self.span();
        let lit = |kind, end: usize| Expr {
            kind: ExprKind::Literal(kind),
            span: start.to(end),
        };
        match self.tok().clone() {
            Tok::Int(v) => {
                self.bump();
                Ok(lit(Literal::Long(Some(v)), self.prev_end()))
            }
            Tok::Real(v) => {
                self.bump();
                Ok(lit(Literal::Real(Some(v)), self.prev_end()))
            }
            Tok::TimeSpan(v) => {
                self.bump();
                Ok(lit(Literal::TimeSpan(Some(v)), self.prev_end()))
            }
            Tok::Str(_) => {
                let value = self.string_literal();
                Ok(lit(Literal::Str(value), self.prev_end()))
            }
            Tok::RawLiteral { keyword, body } => {
                self.bump();
                // A body Kusto cannot read (`datetime(2024-02-30)`) is an unknown value, not an error:
                // Kusto.Language does not check it.
                let value = raw_literal(&keyword, &body).unwrap_or_else(|| null_of(raw_literal_type(&keyword)));
                Ok(lit(value, self.prev_end()))
            }
            Tok::Punct("(") => {
                let open = self.bump().span;
                self.enter()?;
                let inner = self.pipe_expr()?;
                self.close(")", open)?;
                self.leave();
                Ok(Expr {
                    kind: ExprKind::Paren(Box::new(inner)),
                    span: start.to(self.prev_end()),
                })
            }
            Tok::Punct("[") if matches!(self.nth(1).tok, Tok::Str(_)) && self.nth_is_punct(2, "]") => {
                let name = self.name("a name")?;
                self.after_name(name)
            }
            Tok::Punct("$") if matches!(&self.nth(1).tok, Tok::Ident(_)) && !self.nth(1).spaced => {
                self.bump();
                let Tok::Ident(side) = self.bump().tok else {
                    unreachable!()
                };
                Ok(Expr {
                    kind: ExprKind::Name(Ident {
                        name: format!("${side}"),
                        span: start.to(self.prev_end()),
                    }),
                    span: start.to(self.prev_end()),
                })
            }
            Tok::Punct("*") => {
                self.bump();
                Ok(Expr {
                    kind: ExprKind::Star,
                    span: start,
                })
            }
            Tok::Ident(word) => {
                let next_paren = self.nth_is_punct(1, "(");
                match word.as_str() {
                    "true" | "false" => {
                        self.bump();
                        return Ok(lit(Literal::Bool(Some(word == "true")), self.prev_end()));
                    }
                    "dynamic" if next_paren => return self.dynamic_literal(),
                    "typeof" if next_paren => {
                        self.bump();
                        let open = self.bump().span;
                        let t = self.type_name()?;
                        self.close(")", open)?;
                        return Ok(lit(Literal::Type(t), self.prev_end()));
                    }
                    "datatable" if next_paren => return self.datatable(),
                    "externaldata" if next_paren => return self.externaldata(),
                    "union" if self.union_follows() => {
                        self.bump();
                        let (params, tables) = self.union_body()?;
                        return Ok(source(Source::Union { params, tables }, start, self.prev_end()));
                    }
                    "search" if self.search_follows() => {
                        self.bump();
                        let (tables, predicate) = self.search_body()?;
                        return Ok(source(Source::Search { tables, predicate }, start, self.prev_end()));
                    }
                    "find" if self.find_follows() => return self.find(),
                    "print" if !next_paren && !self.nth_is_punct(1, "|") => {
                        self.bump();
                        let cols = self.named_list()?;
                        return Ok(source(Source::Print(cols), start, self.prev_end()));
                    }
                    "range" if matches!(self.nth(1).tok, Tok::Ident(_)) && self.nth_is_word(2, "from") => {
                        return self.range();
                    }
                    _ => {}
                }
                if next_paren && let Some(ty) = scalar_literal_type(&word) {
                    return self.typed_literal(ty);
                }
                let name = self.ident("a name")?;
                self.after_name(name)
            }
            _ => self.unexpected("an expression"),
        }
    }

    /// A name, or a call when `(` follows.
    pub(super) fn after_name(&mut self, name: Ident) -> PResult<Expr> {
        if !self.is_punct("(") || self.token().spaced && name.name == "on" {
            let span = name.span;
            return Ok(Expr {
                kind: ExprKind::Name(name),
                span,
            });
        }
        let open = self.bump().span;
        self.enter()?;
        let args = self.separated(")", Self::argument)?;
        self.close(")", open)?;
        self.leave();
        let span = name.span.to(self.prev_end());
        Ok(Expr {
            kind: ExprKind::Call { func: name, args },
            span,
        })
    }

    pub(super) fn argument(&mut self) -> PResult<Expr> {
        if self.is_punct("*") && (self.nth_is_punct(1, ",") || self.nth_is_punct(1, ")")) {
            let span = self.bump().span;
            return Ok(Expr {
                kind: ExprKind::Star,
                span,
            });
        }
        if matches!(self.tok(), Tok::Ident(_)) && self.nth_is_punct(1, "=") {
            let name = self.ident("a name")?;
            self.bump();
            let value = self.pipe_expr()?;
            let span = name.span.to(value.span.end as usize);
            return Ok(Expr {
                kind: ExprKind::Named {
                    name,
                    value: Box::new(value),
                },
                span,
            });
        }
        self.pipe_expr()
    }
}
