//! Scalar expressions: names, operators with Kusto.Language's signatures, and built-in calls.

use super::*;

impl Binder<'_> {
    pub(super) fn scalar(&mut self, e: &Expr, ctx: Ctx<'_>) -> Type {
        match self.expr(e, ctx) {
            Ty::Scalar(t) => t,
            Ty::Table(_) => {
                self.error(
                    e.span,
                    "expected a scalar value here, found a table: use toscalar(...) for one value",
                );
                Type::Unknown
            }
        }
    }

    pub(super) fn expect_bool(&mut self, e: &Expr, t: &Ty, what: &str) {
        // A predicate is a bool; dynamic is not (Kusto.Language's KS141), though `and`/`or`
        // take dynamic operands.
        let dynamic_ok = what.starts_with("each side");
        if let Ty::Scalar(t) = t
            && !matches!(t, Type::Bool | Type::Unknown)
            && !(dynamic_ok && *t == Type::Dynamic)
        {
            self.error(
                e.span,
                format!("{what} must be a bool, but this is a {t}: compare it with something (==, >, has ...)"),
            );
        }
    }

    pub(super) fn expr(&mut self, e: &Expr, ctx: Ctx<'_>) -> Ty {
        match &e.kind {
            ExprKind::Literal(l) => Ty::Scalar(l.ty()),
            ExprKind::Name(id) => self.name(id, ctx),
            ExprKind::Pattern(p) => {
                self.error(p.span, format!("a wildcard name (`{}`) is not allowed here", p.name));
                Ty::Scalar(Type::Unknown)
            }
            ExprKind::Star => Ty::Scalar(Type::Unknown),
            ExprKind::Named { value, .. } => self.expr(value, ctx),
            ExprKind::Call { func, args } => self.call(func, args, e.span, ctx),
            ExprKind::Member { target, name } => {
                if let ExprKind::Name(side) = &target.kind
                    && (side.name == "$left" || side.name == "$right")
                {
                    let cols = if side.name == "$left" { ctx.left } else { ctx.right };
                    return match cols {
                        Some(c) => match c.get(&name.name) {
                            Some(t) => Ty::Scalar(t),
                            None => {
                                let label = side.name.trim_start_matches('$').to_string();
                                let c = c.clone();
                                self.side_error(name, &c, &label);
                                Ty::Scalar(Type::Unknown)
                            }
                        },
                        None => {
                            self.error(
                                side.span,
                                format!("`{}` is only valid in a join's `on` clause", side.name),
                            );
                            Ty::Scalar(Type::Unknown)
                        }
                    };
                }
                let t = self.scalar(target, ctx);
                if !matches!(t, Type::Dynamic | Type::Unknown) {
                    self.error(
                        name.span,
                        format!("'.{}' reads a property of a dynamic value, but this is a {t}: parse it first with parse_json(...)", name.name),
                    );
                }
                Ty::Scalar(Type::Dynamic)
            }
            ExprKind::Index { target, index } => {
                let t = self.scalar(target, ctx);
                let i = self.scalar(index, ctx);
                // An array (what these functions return) takes an integer index (KS141).
                let array = matches!(&target.kind, ExprKind::Call { func, .. } if returns_array(&func.name));
                if array && !matches!(i, Type::Int | Type::Long | Type::Unknown) {
                    self.error(index.span, format!("an array's index is an int or long, not a {i}"));
                }
                if !matches!(t, Type::Dynamic | Type::Unknown) {
                    self.error(target.span, format!("only dynamic values can be indexed with [...], but this is a {t}: parse it first with parse_json(...)"));
                }
                Ty::Scalar(Type::Dynamic)
            }
            ExprKind::Unary { operand, .. } => {
                let t = self.scalar(operand, ctx);
                if !matches!(t, Type::Unknown | Type::Dynamic | Type::TimeSpan) && !t.is_numeric() {
                    self.error(e.span, format!("a sign applies to numbers and timespans, not to a {t}"));
                }
                Ty::Scalar(t)
            }
            ExprKind::Binary { op, lhs, rhs } => Ty::Scalar(self.binary(*op, lhs, rhs, e.span, ctx)),
            ExprKind::Logical { terms, .. } => {
                for t in terms {
                    let ty = self.expr(t, ctx);
                    self.expect_bool(t, &ty, "each side of `and`/`or`");
                }
                Ty::Scalar(Type::Bool)
            }
            ExprKind::Between { value, low, high, .. } => {
                let v = self.scalar(value, ctx);
                let l = self.scalar(low, ctx);
                let h = self.scalar(high, ctx);
                if !between_fits(v, l, h) {
                    self.error(value.span.to(high.span.end as usize), format!("`between` compares a {v} with bounds of type {l} and {h}: the bounds must have the value's type"));
                }
                if ctx.filter && is_time_column(value, v) {
                    self.note_time_filter(low);
                }
                Ty::Scalar(Type::Bool)
            }
            ExprKind::List { op, value, items } => {
                let v = self.scalar(value, ctx);
                // Kusto.Language: `in`/`!in` take any value; `in~`, `!in~`, `has_any` and
                // `has_all` a string or dynamic one. The items may be any scalars, or one table.
                let ci = matches!(op, ListOp::In { ci: true, .. } | ListOp::HasAny | ListOp::HasAll);
                if ci && !matches!(v, Type::String | Type::Dynamic | Type::Unknown) {
                    self.error(
                        value.span,
                        format!("`{}` works on strings, but this is a {v}: use `in` for numbers, or convert with tostring(...)", list_op_text(*op)),
                    );
                }
                // A table item is a sub-query whose first column is used (Kusto.Language accepts
                // more columns).
                for item in items {
                    self.expr(item, ctx);
                }
                Ty::Scalar(Type::Bool)
            }
            ExprKind::Paren(inner) => self.expr(inner, ctx),
            ExprKind::Pipe { source, ops } => self.pipe(source, ops, ctx),
            ExprKind::Source(s) => self.source(s),
            ExprKind::Input => Ty::Table(ctx.row.cloned().unwrap_or_else(Columns::open)),
            ExprKind::Error => Ty::Scalar(Type::Unknown),
        }
    }

    pub(super) fn note_time_filter(&mut self, bound: &Expr) {
        self.facts.time_filter = true;
        if let Some(d) = ago_of(bound) {
            self.facts.narrowest_ago = Some(self.facts.narrowest_ago.map_or(d, |n| n.min(d)));
        }
    }

    pub(super) fn mentions_time(&self, pred: &Expr) -> bool {
        let mut found = false;
        visit(pred, &mut |e| {
            if let ExprKind::Name(n) = &e.kind
                && (n.name == "Timestamp"
                    || n.name.ends_with("Time")
                    || n.name.ends_with("DateTime")
                    || n.name == "TimeGenerated")
            {
                found = true;
            }
            if let ExprKind::Call { func, .. } = &e.kind
                && func.name == "ago"
            {
                found = true;
            }
        });
        found
    }

    pub(super) fn source(&mut self, s: &Source) -> Ty {
        match s {
            Source::Datatable { columns, values } => {
                for v in values {
                    self.scalar(v, Ctx::none());
                }
                if !columns.is_empty() && values.len() % columns.len() != 0 {
                    let span = values.last().map(|v| v.span).unwrap_or_default();
                    self.error(
                        span,
                        format!(
                            "datatable declares {} columns but has {} values: the number of values must be a multiple of the columns",
                            columns.len(),
                            values.len()
                        ),
                    );
                }
                self.facts.time_filter = true;
                Ty::Table(declared_columns(Some(columns)))
            }
            Source::ExternalData { columns, urls, .. } => {
                for u in urls {
                    self.scalar(u, Ctx::none());
                }
                self.facts.time_filter = true;
                Ty::Table(declared_columns(Some(columns)))
            }
            Source::Union { params, tables } => {
                let mut out = Columns::default();
                self.union_into(&mut out, params, tables);
                Ty::Table(out)
            }
            Source::Search { tables, predicate } => {
                let mut cols = Columns::default();
                if tables.is_empty() {
                    cols.open = true;
                    if matches!(predicate.kind, ExprKind::Star)
                        || matches!(&predicate.kind, ExprKind::Binary { lhs, .. } if matches!(lhs.kind, ExprKind::Star))
                    {
                        self.facts.search_star.push(predicate.span);
                    }
                } else {
                    self.union_into(&mut cols, &[], tables);
                }
                cols.set("$table", Type::String);
                let row = cols.clone();
                if !matches!(predicate.kind, ExprKind::Star) {
                    self.expr(
                        predicate,
                        Ctx {
                            filter: true,
                            ..Ctx::row(&row)
                        },
                    );
                }
                Ty::Table(cols)
            }
            Source::Find {
                tables,
                predicate,
                project,
                ..
            } => {
                let mut cols = Columns::default();
                if tables.is_empty() {
                    cols.open = true;
                } else {
                    self.union_into(&mut cols, &[], tables);
                }
                let row = cols.clone();
                self.expr(
                    predicate,
                    Ctx {
                        filter: true,
                        ..Ctx::row(&row)
                    },
                );
                let mut out = Columns {
                    cols: vec![("source_".into(), Type::String)],
                    ..Columns::default()
                };
                match project {
                    Some(p) => {
                        for item in p {
                            if let ExprKind::Name(n) = &item.kind {
                                out.set(&n.name, row.get(&n.name).unwrap_or(Type::Unknown));
                            }
                        }
                    }
                    None => {
                        out.set("pack_", Type::Dynamic);
                        out.open = true;
                    }
                }
                Ty::Table(out)
            }
            Source::Print(items) => {
                // Unnamed print columns are print_0, print_1 ... (Kusto.Language).
                let mut out = Columns::default();
                for (i, item) in items.iter().enumerate() {
                    let t = self.scalar(&item.expr, Ctx::none());
                    match item.names.first() {
                        Some(n) => out.set(&n.name, t),
                        None => out.set(&format!("print_{i}"), t),
                    }
                }
                self.facts.time_filter = true;
                Ty::Table(out)
            }
            Source::Range { name, from, to, step } => {
                let t = self.scalar(from, Ctx::none());
                let end = self.scalar(to, Ctx::none());
                let by = self.scalar(step, Ctx::none());
                // The bounds are summable, and `from + step` must be defined (KS138, KS106).
                for (ty, e) in [(t, from), (end, to)] {
                    if !matches!(ty, Type::Unknown | Type::DateTime | Type::TimeSpan) && !ty.is_numeric() {
                        self.error(
                            e.span,
                            format!("range's bounds are numbers, datetimes or timespans, not a {ty}"),
                        );
                    }
                }
                let steps = match t {
                    Type::DateTime | Type::TimeSpan => matches!(by, Type::TimeSpan | Type::Unknown),
                    x if x.is_numeric() => by.is_numeric() || by == Type::Unknown,
                    _ => true,
                };
                if !steps {
                    self.error(
                        step.span,
                        format!(
                            "range cannot step a {t} by a {by}: step datetimes by a timespan (1h), numbers by a number"
                        ),
                    );
                }
                self.facts.time_filter = true;
                Ty::Table(Columns {
                    cols: vec![(name.name.clone(), t)],
                    ..Columns::default()
                })
            }
        }
    }

    pub(super) fn name(&mut self, id: &Ident, ctx: Ctx<'_>) -> Ty {
        if let Some(row) = ctx.row
            && let Some(t) = row.get(&id.name)
        {
            if ctx.aggregate {
                // Kusto.Language's KS236: around aggregates, a column has no single value.
                self.error(
                    id.span,
                    format!(
                        "'{}' is a column outside an aggregate: in summarize, use it inside one (take_any({}), max({}) ...) or group by it and compute after",
                        id.name, id.name, id.name
                    ),
                );
            }
            return Ty::Scalar(t);
        }
        if let Some(b) = self.lookup_let(&id.name).cloned() {
            return self.binding_value(b, id);
        }
        if self.schema.table(&id.name).is_some() || ctx.row.is_none() && ctx.left.is_none() {
            return self.table_name(id);
        }
        if let Some(row) = ctx.row {
            let row = row.clone();
            self.unknown_column(id, &row);
        } else {
            self.error(id.span, format!("unknown name '{}'", id.name));
        }
        Ty::Scalar(Type::Unknown)
    }

    /// What a `let` name stands for; a function without required parameters is called.
    pub(super) fn binding_value(&mut self, b: Binding, id: &Ident) -> Ty {
        match b {
            Binding::Scalar(t) => Ty::Scalar(t),
            Binding::Table(c) => Ty::Table(c),
            Binding::Function(f) if f.lambda.params.iter().all(|p| p.default.is_some()) => {
                self.call_lambda(&f, &[], id.span, None, Ctx::none())
            }
            Binding::Function(_) => {
                self.error(
                    id.span,
                    format!(
                        "`{}` is a function: call it with its arguments, as in {}(...)",
                        id.name, id.name
                    ),
                );
                Ty::Scalar(Type::Unknown)
            }
        }
    }

    pub(super) fn binary(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr, span: Span, ctx: Ctx<'_>) -> Type {
        let l = self.scalar(lhs, ctx);
        let r = self.scalar(rhs, ctx);
        match op {
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                // Kusto.Language (`Operators.cs`): `==`/`!=` take any two scalars; the ordering
                // operators take numbers (or bools), two timespans, two datetimes, or dynamic.
                if !matches!(op, BinOp::Eq | BinOp::Ne) && !orderable_pair(l, r) {
                    self.error(
                        span,
                        format!(
                            "cannot compare a {l} with a {r} by order: convert one side (todatetime(), tolong(), totimespan() ...){}",
                            if matches!(l, Type::DateTime) && r == Type::String || matches!(r, Type::DateTime) && l == Type::String {
                                ", or write the date as datetime(2024-01-01)"
                            } else {
                                ""
                            }
                        ),
                    );
                }
                if ctx.filter && matches!(op, BinOp::Gt | BinOp::Ge) && is_time_column(lhs, l) {
                    self.note_time_filter(rhs);
                } else if ctx.filter && matches!(op, BinOp::Lt | BinOp::Le) && is_time_column(rhs, r) {
                    self.note_time_filter(lhs);
                } else if ctx.filter && (is_time_column(lhs, l) || is_time_column(rhs, r)) {
                    self.facts.time_filter = true;
                }
                Type::Bool
            }
            BinOp::EqCi | BinOp::NeCi | BinOp::Str(_) => {
                // String operators take a string or dynamic on both sides (has-family: a string on
                // the right).
                let text = match op {
                    BinOp::EqCi => "=~".to_string(),
                    BinOp::NeCi => "!~".to_string(),
                    BinOp::Str(s) => s.text(),
                    _ => String::new(),
                };
                for (t, e) in [(l, lhs), (r, rhs)] {
                    if !matches!(t, Type::String | Type::Unknown | Type::Dynamic) && !matches!(e.kind, ExprKind::Star) {
                        self.error(
                            e.span,
                            format!("`{text}` works on strings, but this is a {t}: convert it with tostring(...)"),
                        );
                    }
                }
                if let BinOp::Str(s) = op
                    && s.kind == StrKind::Contains
                    && !s.negated
                    && let ExprKind::Literal(Literal::Str(needle)) = &rhs.kind
                    && needle.len() >= 3
                    && needle.chars().all(char::is_alphanumeric)
                {
                    self.facts.contains_terms.push((span, needle.clone()));
                }
                Type::Bool
            }
            BinOp::Add | BinOp::Sub => arithmetic(self, op, l, r, span),
            BinOp::Mul | BinOp::Div | BinOp::Mod => arithmetic(self, op, l, r, span),
        }
    }

    pub(super) fn call(&mut self, func: &Ident, args: &[Expr], span: Span, ctx: Ctx<'_>) -> Ty {
        let name = func.name.as_str();
        // Tabular calls: let-bound functions, Defender's source functions, materialize.
        if let Some(Binding::Function(f)) = self.lookup_let(name).cloned() {
            return self.call_lambda(&f, args, span, None, ctx);
        }
        if let Some(f) = self.schema.function(name).cloned() {
            if f.kind == FunctionKind::Invoke {
                self.error(
                    func.span,
                    format!("`{name}` adds columns to a table: call it as `| invoke {name}(...)`"),
                );
                return Ty::Scalar(Type::Unknown);
            }
            self.builtin_args(&f, args, func.span, &Columns::default());
            self.facts.time_filter = true;
            return Ty::Table(Columns {
                cols: f.columns.clone(),
                source: Some(f.name.clone()),
                ..Columns::default()
            });
        }
        match name {
            "materialize" | "view" => {
                if args.len() != 1 {
                    self.error(span, format!("{name}() takes one tabular argument"));
                }
                return match args.first() {
                    Some(a) => self.expr(a, Ctx::none()),
                    None => Ty::Scalar(Type::Unknown),
                };
            }
            "toscalar" => {
                if args.len() != 1 {
                    self.error(span, "toscalar() takes one argument");
                }
                return Ty::Scalar(match args.first().map(|a| self.expr(a, ctx)) {
                    Some(Ty::Table(c)) => c.cols.first().map_or(Type::Unknown, |c| c.1),
                    Some(Ty::Scalar(t)) => t,
                    None => Type::Unknown,
                });
            }
            "table" => {
                for a in args {
                    self.scalar(a, Ctx::none());
                }
                return Ty::Table(Columns::open());
            }
            "column_ifexists" => {
                let t = args.get(1).map_or(Type::Unknown, |a| self.scalar(a, ctx));
                if args.len() != 2 {
                    self.error(
                        span,
                        "column_ifexists() takes 2 arguments: the column's name and a default",
                    );
                }
                return Ty::Scalar(
                    if let (Some(ExprKind::Literal(Literal::Str(c))), Some(row)) =
                        (args.first().map(|a| &a.kind), ctx.row)
                    {
                        row.get(c).unwrap_or(t)
                    } else {
                        t
                    },
                );
            }
            _ => {}
        }
        let Some(def) = functions::lookup_for(name, ctx.aggregate) else {
            for a in args {
                self.expr(a, ctx);
            }
            if functions::lookup(name).is_some_and(|f| f.kind == FnKind::Aggregate) {
                self.error(
                    func.span,
                    format!("{name}() is an aggregate function: use it in `summarize` (or make-series), not here"),
                );
            } else {
                let hint = hint(
                    name,
                    functions::names(),
                    ": it is neither a Kusto function nor a `let` function of this query",
                );
                self.error(func.span, format!("unknown function '{name}'{hint}"));
            }
            return Ty::Scalar(Type::Unknown);
        };
        Ty::Scalar(self.builtin_call(def, args, span, ctx).0)
    }

    /// Binds a built-in call's arguments and checks the call: its result type, and each
    /// argument's type (`*` is `Unknown`).
    pub(super) fn builtin_call(
        &mut self,
        def: &functions::Function,
        args: &[Expr],
        span: Span,
        ctx: Ctx<'_>,
    ) -> (Type, Vec<Type>) {
        // Arguments of an aggregate are row expressions (aggregates do not nest); a scalar
        // function around aggregates (`round(avg(X), 1)`) keeps the aggregate context.
        let arg_ctx = Ctx {
            aggregate: ctx.aggregate && def.kind != FnKind::Aggregate,
            ..ctx
        };
        let mut types = Vec::with_capacity(args.len());
        for a in args {
            types.push(match &a.kind {
                ExprKind::Star => Type::Unknown,
                _ => self.scalar(a, arg_ctx),
            });
        }
        let stars: Vec<bool> = args.iter().map(|a| matches!(a.kind, ExprKind::Star)).collect();
        let t = self.check_call(def, args, &types, &stars, span);
        (t, types)
    }

    /// Checks a built-in call the way Kusto.Language does (`Binder_FunctionCalls.cs`): the
    /// overload, the argument count, each argument's type and kind; returns the result type.
    pub(super) fn check_call(
        &mut self,
        def: &functions::Function,
        args: &[Expr],
        types: &[Type],
        stars: &[bool],
        span: Span,
    ) -> Type {
        let name = def.name;
        let candidates = def.best_signatures(types, stars);
        let [sig] = candidates.as_slice() else {
            // Several overloads are as close: fine if one takes every argument (the type is then
            // not certain), else Kusto.Language's KS127.
            let fits = |sig: &functions::Signature| {
                sig.accepts_count(args.len())
                    && args.iter().enumerate().all(|(i, _)| {
                        stars[i]
                            || sig
                                .param_for(i, types)
                                .is_none_or(|p| p.check(types[i], sig.common_type(types, false)).is_none())
                    })
            };
            if !candidates.iter().any(|s| fits(s)) {
                let list: Vec<&str> = types.iter().map(|t| t.name()).collect();
                self.error(
                    span,
                    format!("{name}() does not take arguments of types ({})", list.join(", ")),
                );
            }
            return Type::Unknown;
        };
        if let Some((_, message)) = sig.arity_error(name, args.len()) {
            self.error(span, message);
            return Type::Unknown;
        }
        let common = sig.common_type(types, false);
        let mut ok = true;
        for (i, (arg, t)) in args.iter().zip(types).enumerate() {
            let Some(param) = sig.param_for(i, types) else { continue };
            if stars[i] {
                if !matches!(param.base(), Param::Star | Param::StarOrScalar) {
                    self.error(arg.span, format!("{name}(): argument {} cannot be `*`", i + 1));
                    ok = false;
                }
                continue;
            }
            if matches!(param.base(), Param::Star) {
                self.error(arg.span, format!("{name}(): argument {} must be `*`", i + 1));
                ok = false;
                continue;
            }
            if let Some((_, message)) = param.check(*t, common) {
                self.error(arg.span, format!("{name}(): argument {}: {message}", i + 1));
                ok = false;
                continue;
            }
            if let Some(message) = argument_kind_error(param, arg) {
                self.error(arg.span, format!("{name}(): argument {}: {message}", i + 1));
                ok = false;
            }
        }
        if ok && sig.has_common_args(types) && common.is_none() {
            self.error(
                span,
                format!("{name}(): the arguments have no common type: convert them to one type"),
            );
        }
        // A type literal argument (`extract(..., typeof(long))`) gives the result its type.
        if matches!(name, "extract" | "extract_json" | "extractjson")
            && let Some(ExprKind::Literal(Literal::Type(t))) = args.last().map(|a| &a.kind)
        {
            return *t;
        }
        functions::result_type(def, sig, types)
    }
}

/// The argument-kind half of Kusto.Language's `CheckArgument`: a literal, one of fixed values, a
/// column. (Constants are not checked: a `let` constant or a folded call is one too.)
fn argument_kind_error(param: Param, arg: &Expr) -> Option<String> {
    let literal = |e: &Expr| matches!(e.kind, ExprKind::Literal(_));
    match param {
        Param::Literal(_) if !literal(arg) => Some("The expression must be a literal.".into()),
        Param::LiteralNotEmpty(_) => match &arg.kind {
            ExprKind::Literal(Literal::Str(s)) if s.is_empty() => {
                Some("The expression value must not be empty.".into())
            }
            ExprKind::Literal(_) => None,
            _ => Some("The expression must be a literal.".into()),
        },
        Param::LiteralOneOf {
            values, case_sensitive, ..
        } => match &arg.kind {
            ExprKind::Literal(Literal::Str(s)) => {
                let known = values.iter().any(|v| {
                    if case_sensitive {
                        v == s
                    } else {
                        v.eq_ignore_ascii_case(s)
                    }
                });
                (!known).then(|| format!("`{s}` is not one of the values {}", values.join(", ")))
            }
            ExprKind::Literal(_) => None,
            _ => Some("The expression must be a literal.".into()),
        },
        Param::Column(_) if !matches!(arg.kind, ExprKind::Name(_)) => Some("Column name expected.".into()),
        _ => None,
    }
}

/// `+ - * / %` with Kusto.Language's signatures (`Operators.cs`): numbers (the wider type),
/// datetime and timespan arithmetic, and dynamic operands.
fn arithmetic(b: &mut Binder<'_>, op: BinOp, l: Type, r: Type, span: Span) -> Type {
    use Type::*;
    if l == Unknown || r == Unknown {
        return Unknown;
    }
    let num = |t: Type| t.is_numeric();
    let addable = |t: Type| num(t) || matches!(t, TimeSpan | DateTime);
    let widest = || {
        let w = l.widen(r);
        if w == Int { Long } else { w }
    };
    let t = match (op, l, r) {
        (_, a, b) if num(a) && num(b) => Some(widest()),
        (_, Dynamic, Dynamic) => Some(Dynamic),
        (_, Dynamic, Int) | (_, Int, Dynamic) => Some(Long),
        (BinOp::Add, TimeSpan, TimeSpan) => Some(TimeSpan),
        (BinOp::Add, DateTime | TimeSpan, DateTime | TimeSpan) => Some(DateTime),
        (BinOp::Add | BinOp::Sub, Dynamic, x) if addable(x) => Some(x),
        (BinOp::Add | BinOp::Sub, x, Dynamic) if addable(x) => Some(x),
        (BinOp::Sub, TimeSpan, TimeSpan) | (BinOp::Sub, DateTime, DateTime) => Some(TimeSpan),
        (BinOp::Sub, DateTime, Dynamic) | (BinOp::Sub, Dynamic, DateTime) => Some(TimeSpan),
        (BinOp::Sub, DateTime, TimeSpan) | (BinOp::Sub, TimeSpan, DateTime) => Some(DateTime),
        (BinOp::Mul | BinOp::Div | BinOp::Mod, Dynamic, x) if num(x) => Some(x),
        (BinOp::Mul | BinOp::Div | BinOp::Mod, x, Dynamic) if num(x) => Some(x),
        (BinOp::Mul, TimeSpan, TimeSpan) => Some(TimeSpan),
        (BinOp::Mul, TimeSpan, x) | (BinOp::Mul, x, TimeSpan) if num(x) => Some(TimeSpan),
        (BinOp::Mul, DateTime, x) | (BinOp::Mul, x, DateTime) if num(x) => Some(DateTime),
        (BinOp::Div, TimeSpan, TimeSpan) | (BinOp::Div, DateTime, DateTime | TimeSpan) => Some(Real),
        (BinOp::Div | BinOp::Mod, TimeSpan, x) if num(x) => Some(TimeSpan),
        (BinOp::Div | BinOp::Mod, DateTime, x) if num(x) => Some(DateTime),
        (BinOp::Mod, TimeSpan, TimeSpan) | (BinOp::Mod, DateTime, DateTime | TimeSpan) => Some(TimeSpan),
        _ => None,
    };
    match t {
        Some(t) => t,
        None => {
            let sym = match op {
                BinOp::Add => "+",
                BinOp::Sub => "-",
                BinOp::Mul => "*",
                BinOp::Div => "/",
                _ => "%",
            };
            let hint = if op == BinOp::Add && (l == String || r == String) {
                ": join strings with strcat(a, b)"
            } else {
                ""
            };
            b.error(span, format!("cannot apply '{sym}' to a {l} and a {r}{hint}"));
            Unknown
        }
    }
}

/// The ordering operators' signatures in Kusto.Language (`Operators.cs`).
fn orderable_pair(l: Type, r: Type) -> bool {
    use Type::*;
    let number_or_bool = |t: Type| t.is_numeric() || t == Bool;
    matches!(l, Unknown)
        || matches!(r, Unknown)
        || (l == Dynamic && (r == Dynamic || r.is_numeric()))
        || (r == Dynamic && l.is_numeric())
        || (number_or_bool(l) && number_or_bool(r))
        || (l == TimeSpan && r == TimeSpan)
        || (l == DateTime && r == DateTime)
}

/// `between`'s signatures: numbers; a summable value with bounds of its type; a datetime from a
/// datetime for a timespan; dynamic with numbers.
fn between_fits(v: Type, low: Type, high: Type) -> bool {
    use Type::*;
    let known = |t: Type| !matches!(t, Unknown);
    if !known(v) || !known(low) || !known(high) {
        return true;
    }
    let num = |t: Type| t.is_numeric();
    (num(v) && num(low) && num(high))
        || (matches!(v, DateTime | TimeSpan) && low == v && high == v)
        || (v == DateTime && low == DateTime && high == TimeSpan)
        || (num(v) && low == Dynamic)
        || (v == Dynamic && num(low))
        || (v == Dynamic && low == Dynamic)
}

fn is_time_column(e: &Expr, t: Type) -> bool {
    t == Type::DateTime && !matches!(e.kind, ExprKind::Literal(_)) && !is_ago_call(e)
}

fn is_ago_call(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Call { func, .. } if func.name == "ago" || func.name == "now")
}

/// `ago(1h)` (or `now() - 1h`, `ago(1h) .. now()` bounds) as a duration.
fn ago_of(e: &Expr) -> Option<Duration> {
    match &e.kind {
        ExprKind::Call { func, args } if func.name == "ago" && args.len() == 1 => match &args[0].kind {
            ExprKind::Literal(Literal::TimeSpan(Some(t))) if *t >= 0 => {
                Some(Duration::from_secs(*t as u64 / 10_000_000))
            }
            _ => None,
        },
        ExprKind::Binary {
            op: BinOp::Sub,
            lhs,
            rhs,
        } if is_ago_call(lhs) => {
            if let ExprKind::Literal(Literal::TimeSpan(Some(t))) = &rhs.kind
                && *t >= 0
            {
                let base = ago_of(lhs).unwrap_or_default();
                return Some(Duration::from_secs(base.as_secs() + *t as u64 / 10_000_000));
            }
            None
        }
        ExprKind::Paren(inner) => ago_of(inner),
        _ => None,
    }
}

fn list_op_text(op: ListOp) -> &'static str {
    match op {
        ListOp::In {
            ci: false,
            negated: false,
        } => "in",
        ListOp::In {
            ci: false,
            negated: true,
        } => "!in",
        ListOp::In {
            ci: true,
            negated: false,
        } => "in~",
        ListOp::In {
            ci: true,
            negated: true,
        } => "!in~",
        ListOp::HasAny => "has_any",
        ListOp::HasAll => "has_all",
    }
}

/// Functions that return a dynamic array (not a bag).
fn returns_array(name: &str) -> bool {
    matches!(
        name,
        "split" | "pack_array" | "extract_all" | "bag_keys" | "make_list" | "make_set" | "makelist" | "makeset"
    ) || name.starts_with("array_")
        || name.starts_with("set_")
}
