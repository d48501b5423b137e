//! The operators after `|`, and their pieces (options, named expressions, sort keys, patterns).

use super::*;

impl Parser<'_> {
    // ---- operator pieces -----------------------------------------------------------------

    /// `name=value` options at the start of an operator, for the given names (and any `hint.*`).
    pub(super) fn op_params(&mut self, names: &[&str]) -> PResult<Vec<OpParam>> {
        let mut params = Vec::new();
        while let Tok::Ident(word) = self.tok().clone() {
            let dotted = word == "hint" && self.nth_is_punct(1, ".") && matches!(self.nth(2).tok, Tok::Ident(_));
            let eq_at = if dotted { 3 } else { 1 };
            if !self.nth_is_punct(eq_at, "=") || !(dotted || names.contains(&word.as_str())) {
                break;
            }
            params.push(self.op_param_any()?);
        }
        Ok(params)
    }

    /// `with (name=value, ...)`, or nothing.
    pub(super) fn with_options(&mut self) -> PResult<Vec<OpParam>> {
        if !self.eat_word("with") {
            return Ok(Vec::new());
        }
        let open = self.expect_punct("(", "after `with`")?;
        let with = self.separated(")", Self::op_param_any)?;
        self.close(")", open)?;
        Ok(with)
    }

    /// `name[.name]=value` where the value is a name, a literal or a simple expression.
    pub(super) fn op_param_any(&mut self) -> PResult<OpParam> {
        let mut name = self.ident("an option name")?;
        while self.is_punct(".") && matches!(self.nth(1).tok, Tok::Ident(_)) {
            self.bump();
            let part = self.ident("an option name")?;
            name.name.push('.');
            name.name.push_str(&part.name);
            name.span = name.span.to(part.span.end as usize);
        }
        self.expect_punct("=", "after the option name")?;
        // A name value is just the name: in `kind=inner (T)` the parenthesis is the right side.
        let value = if matches!(self.tok(), Tok::Ident(_))
            && !matches!(self.tok(), Tok::Ident(w) if w == "true" || w == "false")
        {
            let id = self.ident("an option value")?;
            Expr {
                span: id.span,
                kind: ExprKind::Name(id),
            }
        } else {
            self.unary()?
        };
        Ok(OpParam { name, value })
    }

    /// `Name = expr`, `(A, B) = expr` or `expr`.
    pub(super) fn named_expr(&mut self) -> PResult<NamedExpr> {
        if self.at_name() {
            let name_len = if self.is_punct("[") { 3 } else { 1 };
            if self.nth_is_punct(name_len, "=") {
                let name = self.name("a name")?;
                self.bump();
                let expr = self.or_expr()?;
                return Ok(NamedExpr {
                    names: vec![name],
                    expr,
                });
            }
        }
        if self.is_punct("(") && self.tuple_assignment_follows() {
            self.bump();
            let mut names = Vec::new();
            loop {
                names.push(self.name("a name")?);
                if !self.eat_punct(",") {
                    break;
                }
            }
            self.bump(); // )
            self.bump(); // =
            let expr = self.or_expr()?;
            return Ok(NamedExpr { names, expr });
        }
        Ok(NamedExpr {
            names: Vec::new(),
            expr: self.or_expr()?,
        })
    }

    pub(super) fn tuple_assignment_follows(&self) -> bool {
        let mut i = 1;
        loop {
            if !matches!(self.nth(i).tok, Tok::Ident(_)) {
                return false;
            }
            i += 1;
            if self.nth_is_punct(i, ",") {
                i += 1;
                continue;
            }
            return self.nth_is_punct(i, ")") && self.nth_is_punct(i + 1, "=");
        }
    }

    pub(super) fn named_list(&mut self) -> PResult<Vec<NamedExpr>> {
        let mut items = vec![self.named_expr()?];
        while self.eat_punct(",") {
            items.push(self.named_expr()?);
        }
        Ok(items)
    }

    pub(super) fn sort_key(&mut self) -> PResult<SortKey> {
        let expr = self.or_expr()?;
        let mut descending = true;
        if self.eat_word("asc") {
            descending = false;
        } else {
            self.eat_word("desc");
        }
        let mut nulls_first = None;
        if self.is_word("nulls") && (self.nth_is_word(1, "first") || self.nth_is_word(1, "last")) {
            self.bump();
            nulls_first = Some(self.bump().tok == Tok::Ident("first".into()));
        }
        Ok(SortKey {
            expr,
            descending,
            nulls_first,
        })
    }

    pub(super) fn mv_items(&mut self) -> PResult<Vec<MvItem>> {
        let mut items = Vec::new();
        loop {
            let column = self.named_expr()?;
            let to = if self.is_word("to") && self.nth_is_word(1, "typeof") {
                self.bump();
                self.bump();
                let open = self.expect_punct("(", "after typeof")?;
                let t = self.type_name()?;
                self.close(")", open)?;
                Some(t)
            } else {
                None
            };
            items.push(MvItem { column, to });
            if !self.eat_punct(",") {
                break;
            }
        }
        Ok(items)
    }

    /// A sub-query of operators on an implicit input: `(where x | summarize ...)`.
    pub(super) fn subquery(&mut self, what: &str) -> PResult<Expr> {
        let open_tok = if self.is_punct("{") { "}" } else { ")" };
        let open = if self.is_punct("{") {
            self.bump().span
        } else {
            self.expect_punct("(", what)?
        };
        self.enter()?;
        let mut ops = Vec::new();
        let input = Expr {
            kind: ExprKind::Input,
            span: open,
        };
        loop {
            let at = self.span();
            ops.push(self.operator(at)?);
            if !self.eat_punct("|") {
                break;
            }
        }
        self.close(open_tok, open)?;
        self.leave();
        Ok(Expr {
            kind: ExprKind::Pipe {
                source: Box::new(input),
                ops,
            },
            span: open.to(self.prev_end()),
        })
    }

    // ---- operators -----------------------------------------------------------------------

    /// One stage after `|` (or inside a sub-query).
    pub(super) fn operator(&mut self, bar: Span) -> PResult<Operator> {
        if !matches!(self.tok(), Tok::Ident(_)) {
            return match self.tok() {
                Tok::Eof => {
                    let span = bar;
                    self.error_at(span, "the query ends with '|': add an operator after it, or remove it")
                }
                Tok::Punct("|") => {
                    let span = self.span();
                    self.error_at(
                        span,
                        "expected an operator after '|', found '|': for a logical or, write `or`",
                    )
                }
                _ => self.unexpected("an operator name after '|' (where, project, extend, summarize, ...)"),
            };
        }
        // Hyphenated names: project-away, mv-expand, make-series, top-nested, parse-where ...
        let mut name = self.ident("an operator")?;
        while self.is_punct("-")
            && !self.token().spaced
            && matches!(self.nth(1).tok, Tok::Ident(_))
            && !self.nth(1).spaced
        {
            self.bump();
            let part = self.ident("an operator")?;
            name.name.push('-');
            name.name.push_str(&part.name);
            name.span = name.span.to(part.span.end as usize);
        }
        let start = name.span;
        let kind = match name.name.as_str() {
            "where" | "filter" => {
                if matches!(self.tok(), Tok::Punct("|" | ";" | ")") | Tok::Eof) {
                    return self.error_at(
                        name.span,
                        format!("`{}` needs a predicate, as in | where Timestamp > ago(1h)", name.name),
                    );
                }
                OpKind::Where(self.or_expr()?)
            }
            "project" => OpKind::Project(self.named_list()?),
            "extend" => OpKind::Extend(self.named_list()?),
            "project-away" | "project-keep" | "project-reorder" => {
                let mut items = Vec::new();
                loop {
                    items.push(self.pattern("a column name")?);
                    if name.name == "project-reorder" {
                        if self.is_word("granny")
                            && self.nth_is_punct(1, "-")
                            && (self.nth_is_word(2, "asc") || self.nth_is_word(2, "desc"))
                        {
                            self.pos += 3;
                        } else {
                            let _ = self.eat_word("asc") || self.eat_word("desc");
                        }
                    }
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                match name.name.as_str() {
                    "project-away" => OpKind::ProjectAway(items),
                    "project-keep" => OpKind::ProjectKeep(items),
                    _ => OpKind::ProjectReorder(items),
                }
            }
            "project-rename" => {
                let mut pairs = Vec::new();
                loop {
                    let new = self.name("the new column name")?;
                    self.expect_punct("=", "in project-rename New = Old")?;
                    let old = self.name("the column to rename")?;
                    pairs.push((new, old));
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                OpKind::ProjectRename(pairs)
            }
            "summarize" => {
                let params = self.op_params(&[])?;
                let aggregates = if self.is_word("by") {
                    Vec::new()
                } else {
                    self.named_list()?
                };
                let by = if self.eat_word("by") {
                    self.named_list()?
                } else {
                    Vec::new()
                };
                if aggregates.is_empty() && by.is_empty() {
                    return self.error_at(name.span, "summarize needs an aggregate or a `by` clause");
                }
                OpKind::Summarize { params, aggregates, by }
            }
            "order" | "sort" => {
                self.op_params(&[])?;
                if !self.eat_word("by") {
                    return self.unexpected(&format!("`by` after `{}`", name.name));
                }
                let mut keys = vec![self.sort_key()?];
                while self.eat_punct(",") {
                    keys.push(self.sort_key()?);
                }
                OpKind::Sort(keys)
            }
            "top" => {
                let count = self.additive()?;
                if !self.eat_word("by") {
                    return self.unexpected("`by` in `top N by Column`");
                }
                OpKind::Top {
                    count,
                    by: self.sort_key()?,
                }
            }
            "take" | "limit" => OpKind::Take(self.additive()?),
            "distinct" => {
                if self.is_punct("*") {
                    let span = self.bump().span;
                    OpKind::Distinct(vec![NamedExpr {
                        names: Vec::new(),
                        expr: Expr {
                            kind: ExprKind::Star,
                            span,
                        },
                    }])
                } else {
                    OpKind::Distinct(self.named_list()?)
                }
            }
            "count" => OpKind::Count,
            "join" | "lookup" => {
                let params = self.op_params(&["kind"])?;
                let right = self.unary()?;
                if !self.eat_word("on") {
                    if self.eat_word("where") {
                        let cond = self.or_expr()?;
                        return Ok(self.finish(
                            name,
                            start,
                            OpKind::Join {
                                params,
                                right,
                                on: vec![cond],
                            },
                        ));
                    }
                    return self.unexpected(&format!(
                        "`on` and the columns to match after the right side of `{}`",
                        name.name
                    ));
                }
                let mut on = vec![self.or_expr()?];
                while self.eat_punct(",") {
                    on.push(self.or_expr()?);
                }
                if name.name == "join" {
                    OpKind::Join { params, right, on }
                } else {
                    OpKind::Lookup { params, right, on }
                }
            }
            "mv-expand" | "mvexpand" => {
                let params = self.op_params(&["bagexpansion", "with_itemindex", "kind"])?;
                let items = self.mv_items()?;
                let limit = if self.eat_word("limit") {
                    Some(self.additive()?)
                } else {
                    None
                };
                OpKind::MvExpand { params, items, limit }
            }
            "mv-apply" | "mvapply" => {
                let params = self.op_params(&["with_itemindex"])?;
                let items = self.mv_items()?;
                let limit = if self.eat_word("limit") {
                    Some(self.additive()?)
                } else {
                    None
                };
                if !self.eat_word("on") {
                    return self.unexpected("`on` and a sub-query in parentheses after mv-apply's columns");
                }
                let body = self.subquery("to open mv-apply's sub-query")?;
                OpKind::MvApply {
                    params,
                    items,
                    limit,
                    body,
                }
            }
            "parse" | "parse-where" => {
                let params = self.op_params(&["kind", "flags"])?;
                let source = self.additive()?;
                if !self.eat_word("with") {
                    return self.unexpected(
                        "`with` and a pattern after parse's column, as in parse Col with \"x=\" Value:string",
                    );
                }
                let pattern = self.parse_pattern()?;
                OpKind::Parse {
                    filter: name.name == "parse-where",
                    params,
                    source,
                    pattern,
                }
            }
            "make-series" => self.make_series()?,
            "top-nested" => self.top_nested()?,
            "evaluate" => {
                let params = self.op_params(&[])?;
                let call = self.postfix()?;
                if !matches!(call.kind, ExprKind::Call { .. }) {
                    return self.error_at(
                        call.span,
                        "evaluate needs a plugin call, as in evaluate bag_unpack(Column)",
                    );
                }
                OpKind::Evaluate { params, call }
            }
            "invoke" => {
                let call = self.postfix()?;
                if !matches!(call.kind, ExprKind::Call { .. }) {
                    return self.error_at(
                        call.span,
                        "invoke needs a function call, as in invoke FileProfile(SHA1, 1000)",
                    );
                }
                OpKind::Invoke(call)
            }
            "render" => {
                let chart = self.ident("a visualization after `render` (timechart, columnchart, ...)")?;
                if !CHARTS.contains(&chart.name.as_str()) {
                    let hint = crate::suggest::did_you_mean(&chart.name, CHARTS.iter().copied());
                    return self.error_at(
                        chart.span,
                        format!(
                            "`{}` is not a visualization (one of {}){hint}",
                            chart.name,
                            CHARTS.join(", ")
                        ),
                    );
                }
                let mut with = self.with_options()?;
                if with.is_empty() {
                    while matches!(self.tok(), Tok::Ident(_)) && self.nth_is_punct(1, "=") {
                        with.push(self.op_param_any()?);
                    }
                }
                OpKind::Render { chart, with }
            }
            "as" => {
                let params = self.op_params(&[])?;
                OpKind::As {
                    params,
                    name: self.name("a name after `as`")?,
                }
            }
            "serialize" => {
                if matches!(self.tok(), Tok::Punct("|" | ";" | ")") | Tok::Eof) {
                    OpKind::Serialize(Vec::new())
                } else {
                    OpKind::Serialize(self.named_list()?)
                }
            }
            "getschema" => OpKind::GetSchema,
            "sample" => OpKind::Sample(self.additive()?),
            "sample-distinct" => {
                let count = self.additive()?;
                if !self.eat_word("of") {
                    return self.unexpected("`of` in sample-distinct N of Column");
                }
                OpKind::SampleDistinct {
                    count,
                    of: self.additive()?,
                }
            }
            "union" => {
                let (params, tables) = self.union_body()?;
                OpKind::Union { params, tables }
            }
            "search" => {
                let (_, predicate) = self.search_body()?;
                OpKind::Search(predicate)
            }
            "partition" => {
                let params = self.op_params(&[])?;
                if !self.eat_word("by") {
                    return self.unexpected("`by` after partition");
                }
                let by = self.name("a column")?;
                let body = self.subquery("to open partition's sub-query")?;
                OpKind::Partition { params, by, body }
            }
            other if OPAQUE_OPERATORS.contains(&other) => {
                self.skip_stage();
                OpKind::Other
            }
            other => {
                let hint = crate::suggest::did_you_mean(other, OPERATOR_NAMES.iter().copied());
                return self.error_at(name.span, format!("`{other}` is not a query operator{hint}"));
            }
        };
        Ok(self.finish(name, start, kind))
    }

    pub(super) fn finish(&self, name: Ident, start: Span, kind: OpKind) -> Operator {
        Operator {
            kind,
            name,
            span: start.to(self.prev_end()),
        }
    }

    /// Skips an unmodelled operator's arguments: to the next `|`, `;` or closing bracket.
    pub(super) fn skip_stage(&mut self) {
        let mut depth = 0usize;
        loop {
            match self.tok() {
                Tok::Eof => return,
                Tok::Punct("(" | "[" | "{") => depth += 1,
                Tok::Punct(")" | "]" | "}") => {
                    if depth == 0 {
                        return;
                    }
                    depth -= 1;
                }
                Tok::Punct("|" | ";") if depth == 0 => return,
                _ => {}
            }
            self.bump();
        }
    }

    pub(super) fn parse_pattern(&mut self) -> PResult<Vec<ParseItem>> {
        let mut items = Vec::new();
        loop {
            match self.tok().clone() {
                Tok::Str(s) => {
                    self.bump();
                    items.push(ParseItem::Text(s));
                }
                Tok::Punct("*") => {
                    self.bump();
                    items.push(ParseItem::Star);
                }
                Tok::Ident(_) | Tok::Punct("[") if self.at_name() => {
                    let name = self.name("a column name")?;
                    let ty = if self.eat_punct(":") {
                        Some(self.type_name()?)
                    } else {
                        None
                    };
                    items.push(ParseItem::Column { name, ty });
                }
                Tok::Error(_) => return self.unexpected("a pattern"),
                _ => break,
            }
        }
        if items.is_empty() {
            return self.unexpected("a pattern after `with`: strings, `*` and Column:type names");
        }
        Ok(items)
    }

    pub(super) fn make_series(&mut self) -> PResult<OpKind> {
        let params = self.op_params(&["kind"])?;
        let mut aggregates = Vec::new();
        loop {
            let agg = self.named_expr()?;
            let default = if self.eat_word("default") {
                self.expect_punct("=", "after `default`")?;
                Some(self.unary()?)
            } else {
                None
            };
            aggregates.push((agg, default));
            if !self.eat_punct(",") {
                break;
            }
        }
        if !self.eat_word("on") {
            return self.unexpected("`on` and the axis column in make-series");
        }
        let on = self.additive()?;
        let (mut from, mut to) = (None, None);
        let step;
        if self.eat_word("in") {
            // in range(from, to, step)
            let call = self.postfix()?;
            let ExprKind::Call { func, mut args } = call.kind else {
                return self.error_at(call.span, "expected range(from, to, step) after `in`");
            };
            if func.name != "range" || args.len() != 3 {
                return self.error_at(call.span, "expected range(from, to, step) after `in`");
            }
            step = args.pop().unwrap_or(Expr {
                kind: ExprKind::Error,
                span: call.span,
            });
            to = args.pop();
            from = args.pop();
        } else {
            if self.eat_word("from") {
                from = Some(self.additive()?);
            }
            if self.eat_word("to") {
                to = Some(self.additive()?);
            }
            if !self.eat_word("step") {
                return self.unexpected("`step` in make-series ... on Axis from A to B step S");
            }
            step = self.additive()?;
        }
        let by = if self.eat_word("by") {
            self.named_list()?
        } else {
            Vec::new()
        };
        Ok(OpKind::MakeSeries {
            params,
            aggregates,
            on,
            from,
            to,
            step,
            by,
        })
    }

    pub(super) fn top_nested(&mut self) -> PResult<OpKind> {
        let mut levels = Vec::new();
        loop {
            let count = if self.is_word("of") {
                None
            } else {
                Some(self.additive()?)
            };
            if !self.eat_word("of") {
                return self.unexpected("`of` in top-nested N of Column by Aggregate");
            }
            let of = self.named_expr()?;
            let others = if self.is_word("with") && self.nth_is_word(1, "others") {
                self.bump();
                self.bump();
                self.expect_punct("=", "after `with others`")?;
                Some(self.unary()?)
            } else {
                None
            };
            if !self.eat_word("by") {
                return self.unexpected("`by` and an aggregate in top-nested");
            }
            let by = self.named_expr()?;
            let _ = self.eat_word("asc") || self.eat_word("desc");
            levels.push(TopNestedLevel { count, of, others, by });
            if !self.eat_punct(",") {
                break;
            }
            if !self.eat_word("top-nested") {
                // `top-nested` is lexed as `top`, `-`, `nested`.
                if self.is_word("top") && self.nth_is_punct(1, "-") && self.nth_is_word(2, "nested") {
                    self.pos += 3;
                } else {
                    return self.unexpected("`top-nested` after ',' in top-nested");
                }
            }
        }
        Ok(OpKind::TopNested(levels))
    }
}
