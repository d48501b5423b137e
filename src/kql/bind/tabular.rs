//! Tabular expressions and operators: each operator's output columns from its input.

use super::*;

impl Binder<'_> {
    pub(super) fn tabular(&mut self, e: &Expr, ctx: Ctx<'_>) -> Option<Columns> {
        match self.expr(e, ctx) {
            Ty::Table(c) => Some(c),
            Ty::Scalar(Type::Unknown) => None,
            // A scalar used as a table is a one-column table (Kusto.Language: a scalar `let`
            // as a source is a table of one column named after it).
            Ty::Scalar(t) => Some(Columns {
                cols: vec![(result_name(e).unwrap_or_else(|| "print_0".into()), t)],
                ..Columns::default()
            }),
        }
    }

    pub(super) fn table_name(&mut self, id: &Ident) -> Ty {
        if let Some(b) = self.lookup_let(&id.name).cloned() {
            return self.binding_value(b, id);
        }
        if let Some(t) = self.schema.table(&id.name) {
            self.facts.first_source.get_or_insert(id.span);
            return Ty::Table(Columns {
                cols: t.columns.clone(),
                open: false,
                source: Some(t.name.clone()),
                unbounded: is_large_table(&t.name).then(|| t.name.clone()),
            });
        }
        let names: Vec<String> = self
            .schema
            .tables()
            .map(|t| t.name.clone())
            .chain(self.scopes.iter().flat_map(|s| s.keys().cloned()))
            .collect();
        let hint = hint(
            &id.name,
            names.iter().map(String::as_str),
            ": it is neither an advanced-hunting table nor a `let` of this query (`graphsoar schema --kql` lists the tables; the settings key hunting_schema adds custom ones)",
        );
        self.error(id.span, format!("unknown table '{}'{hint}", id.name));
        Ty::Scalar(Type::Unknown)
    }

    pub(super) fn pipe(&mut self, source: &Expr, ops: &[Operator], ctx: Ctx<'_>) -> Ty {
        let Some(mut cols) = self.tabular(source, ctx) else {
            // Still bind the operators against an open input, so their own errors show.
            let mut cols = Columns::open();
            for op in ops {
                cols = self.operator(cols, op);
            }
            return Ty::Scalar(Type::Unknown);
        };
        for op in ops {
            cols = self.operator(cols, op);
        }
        Ty::Table(cols)
    }

    pub(super) fn operator(&mut self, input: Columns, op: &Operator) -> Columns {
        let row = Ctx {
            aggregate: false,
            ..Ctx::row(&input)
        };
        match &op.kind {
            OpKind::Where(pred) => {
                let t = self.expr(pred, Ctx { filter: true, ..row });
                self.expect_bool(pred, &t, "the `where` predicate");
                let mut out = input.clone();
                if self.mentions_time(pred) {
                    out.unbounded = None;
                }
                out
            }
            OpKind::Project(items) => self.project(&input, items, input.derived(), Namer::default()),
            // Each item sees the input, not the columns earlier items of the same extend add.
            OpKind::Extend(items) | OpKind::Serialize(items) => {
                self.project(&input, items, input.clone(), Namer::extending())
            }
            OpKind::ProjectAway(items) | OpKind::ProjectKeep(items) => {
                let keep = matches!(op.kind, OpKind::ProjectKeep(_));
                let mut matched: Vec<String> = Vec::new();
                for item in items {
                    let names = self.match_pattern(&input, item);
                    matched.extend(names);
                }
                let mut out = input.clone();
                out.cols.retain(|(n, _)| matched.contains(n) == keep);
                out
            }
            OpKind::ProjectReorder(items) => {
                for item in items {
                    if let ExprKind::Name(_) = item.kind {
                        self.match_pattern(&input, item);
                    }
                }
                input
            }
            OpKind::ProjectRename(pairs) => {
                let mut out = input.clone();
                for (new, old) in pairs {
                    match input.get(&old.name) {
                        Some(t) => {
                            let pos = out.cols.iter().position(|(n, _)| *n == old.name);
                            match pos {
                                Some(i) => out.cols[i] = (new.name.clone(), t),
                                None => out.set(&new.name, t),
                            }
                        }
                        None => self.unknown_column(old, &input),
                    }
                }
                out
            }
            OpKind::Summarize { params, aggregates, by } => {
                self.summarize_hints(params, &input);
                self.summarize(&input, aggregates, by)
            }
            OpKind::Sort(keys) => {
                for k in keys {
                    let t = self.scalar(&k.expr, row);
                    self.not_dynamic_key(&k.expr, t);
                }
                input
            }
            // `top` may order by a dynamic value (Kusto.Language accepts it, unlike `sort`).
            OpKind::Top { count, by } => {
                self.row_count(count, &op.name.name, &input);
                self.scalar(&by.expr, row);
                input
            }
            OpKind::Take(n) | OpKind::Sample(n) => {
                self.row_count(n, &op.name.name, &input);
                input
            }
            OpKind::SampleDistinct { count, of } => {
                self.row_count(count, &op.name.name, &input);
                let t = self.scalar(of, row);
                self.not_dynamic_key(of, t);
                if !matches!(of.kind, ExprKind::Name(_)) {
                    // Kusto.Language's KS109.
                    self.error(of.span, "sample-distinct takes a column name after `of`");
                }
                let mut out = input.derived();
                out.set(&projected_name(of, &input).unwrap_or_else(|| "Column1".into()), t);
                out
            }
            OpKind::Distinct(items) => {
                if items.len() == 1 && matches!(items[0].expr.kind, ExprKind::Star) {
                    return input;
                }
                self.project(&input, items, input.derived(), Namer::keys())
            }
            OpKind::Count => Columns {
                cols: vec![("Count".into(), Type::Long)],
                ..Columns::default()
            },
            OpKind::Join { params, right, on } => self.join(&input, params, right, on, op, false),
            OpKind::Lookup { params, right, on } => self.join(&input, params, right, on, op, true),
            OpKind::MvExpand { params, items, limit } => {
                if let Some(l) = limit {
                    self.scalar(l, Ctx::none());
                }
                let mut out = input.clone();
                self.mv_items(&input, &mut out, items, params);
                out
            }
            OpKind::MvApply {
                params,
                items,
                limit,
                body,
            } => {
                if let Some(l) = limit {
                    self.scalar(l, Ctx::none());
                }
                let mut expanded = input.clone();
                self.mv_items(&input, &mut expanded, items, params);
                let result = self.subquery(body, &expanded);
                let mut out = input.clone();
                match result {
                    Some(r) => {
                        for (n, t) in r.cols {
                            out.set(&n, t);
                        }
                        out.open |= r.open;
                    }
                    None => out.open = true,
                }
                out
            }
            OpKind::Parse { source, pattern, .. } => {
                self.scalar(source, row);
                self.parse_pattern_rules(pattern);
                let mut out = input.clone();
                for item in pattern {
                    if let ParseItem::Column { name, ty } = item {
                        out.set(&name.name, ty.unwrap_or(Type::String));
                    }
                }
                out
            }
            OpKind::MakeSeries {
                aggregates,
                on,
                from,
                to,
                step,
                by,
                ..
            } => {
                let mut out = input.derived();
                let mut namer = Namer::default();
                let mut by_names = Vec::new();
                for item in by {
                    let t = self.scalar(&item.expr, row);
                    by_names.push(self.assign(&mut out, item, t, &input, &mut namer));
                }
                let axis = self.scalar(on, row);
                self.series_axis(axis, on, from.as_ref(), to.as_ref(), step);
                for (item, default) in aggregates {
                    if let Some(d) = default {
                        self.scalar(d, Ctx::none());
                    }
                    self.aggregate_item(&input, &mut out, item, &mut namer);
                }
                // Every aggregate becomes a series (dynamic), and so does the axis.
                for c in &mut out.cols {
                    if !by_names.contains(&c.0) {
                        c.1 = Type::Dynamic;
                    }
                }
                if let Some(axis_name) = result_name(on) {
                    out.set(&axis_name, Type::Dynamic);
                }
                out
            }
            OpKind::TopNested(levels) => {
                let mut out = input.derived();
                for (i, level) in levels.iter().enumerate() {
                    if let Some(c) = &level.count {
                        self.scalar(c, Ctx::none());
                    }
                    if let Some(o) = &level.others {
                        self.scalar(o, Ctx::none());
                    }
                    let t = self.scalar(&level.of.expr, row);
                    let name = level
                        .of
                        .names
                        .first()
                        .map(|n| n.name.clone())
                        .or_else(|| projected_name(&level.of.expr, &input))
                        .unwrap_or_else(|| format!("Column{}", i + 1));
                    out.set(&name, t);
                    let agg_ctx = Ctx { aggregate: true, ..row };
                    let at = self.scalar(&level.by.expr, agg_ctx);
                    let agg_name = level
                        .by
                        .names
                        .first()
                        .map(|n| n.name.clone())
                        .unwrap_or_else(|| format!("aggregated_{name}"));
                    out.set(&agg_name, at);
                }
                out
            }
            OpKind::Evaluate { call, .. } => self.evaluate(&input, call),
            OpKind::Invoke(call) => self.invoke(&input, call),
            OpKind::Render { with, .. } => {
                self.render_properties(with, &input);
                input
            }
            OpKind::As { name, .. } => {
                self.define(&name.name, Binding::Table(input.clone()));
                input
            }
            OpKind::GetSchema => Columns {
                cols: vec![
                    ("ColumnName".into(), Type::String),
                    ("ColumnOrdinal".into(), Type::Int),
                    ("DataType".into(), Type::String),
                    ("ColumnType".into(), Type::String),
                ],
                ..Columns::default()
            },
            OpKind::Union { params, tables } => {
                let mut out = input.clone();
                self.union_into(&mut out, params, tables);
                out
            }
            OpKind::Search(predicate) => {
                self.scalar(predicate, row);
                input
            }
            OpKind::Partition { by, body, .. } => {
                match input.get(&by.name) {
                    None => self.unknown_column(by, &input),
                    Some(Type::Dynamic) => self.error(
                        by.span,
                        "a dynamic value cannot be a partition key: convert it first, such as with tostring(...)",
                    ),
                    Some(_) => {}
                }
                self.subquery(body, &input).unwrap_or_else(Columns::open)
            }
            OpKind::Other => Columns::open(),
        }
    }

    pub(super) fn subquery(&mut self, body: &Expr, input: &Columns) -> Option<Columns> {
        let ExprKind::Pipe { ops, .. } = &body.kind else {
            return None;
        };
        let mut cols = input.clone();
        for op in ops {
            cols = self.operator(cols, op);
        }
        Some(cols)
    }

    pub(super) fn mv_items(&mut self, input: &Columns, out: &mut Columns, items: &[MvItem], params: &[OpParam]) {
        let mut namer = Namer::extending();
        for item in items {
            let t = self.scalar(&item.column.expr, Ctx::row(input));
            if !matches!(t, Type::Dynamic | Type::Unknown) {
                self.error(
                    item.column.expr.span,
                    format!("mv-expand and mv-apply expand dynamic arrays or bags, but this is a {t}: parse it first with parse_json(...)"),
                );
            }
            let ty = item.to.unwrap_or(Type::Dynamic);
            let name = self.assign(out, &item.column, t, input, &mut namer);
            out.set(&name, ty);
        }
        for p in params {
            if p.name.name == "with_itemindex"
                && let ExprKind::Name(n) = &p.value.kind
            {
                out.set(&n.name, Type::Long);
            }
        }
    }

    pub(super) fn union_into(&mut self, out: &mut Columns, params: &[OpParam], tables: &[Expr]) {
        let fuzzy = params
            .iter()
            .any(|p| p.name.name == "isfuzzy" && matches!(p.value.kind, ExprKind::Literal(Literal::Bool(Some(true)))));
        for t in tables {
            // `isfuzzy=true` skips tables that do not exist (Kusto.Language only warns).
            if fuzzy
                && let ExprKind::Name(n) = &t.kind
                && self.lookup_let(&n.name).is_none()
                && self.schema.table(&n.name).is_none()
            {
                continue;
            }
            let cols = match &t.kind {
                ExprKind::Pattern(p) => {
                    let matched: Vec<_> = self
                        .schema
                        .tables()
                        .filter(|tb| wildcard(&p.name, &tb.name))
                        .cloned()
                        .collect();
                    let mut c = Columns::default();
                    for tb in matched {
                        for (n, ty) in tb.columns {
                            merge_column(&mut c, &n, ty);
                        }
                    }
                    self.facts.first_source.get_or_insert(p.span);
                    Some(c)
                }
                _ => self.tabular(t, Ctx::none()),
            };
            match cols {
                Some(c) => {
                    for (n, ty) in c.cols {
                        merge_column(out, &n, ty);
                    }
                    out.open |= c.open;
                }
                None => out.open = true,
            }
        }
        for p in params {
            if p.name.name == "withsource"
                && let ExprKind::Name(n) = &p.value.kind
            {
                out.set(&n.name, Type::String);
            }
        }
        out.source = None;
    }

    /// Names matched by a `project-away`/`project-keep` item; a plain name must exist.
    pub(super) fn match_pattern(&mut self, input: &Columns, item: &Expr) -> Vec<String> {
        match &item.kind {
            ExprKind::Name(n) => {
                if input.get(&n.name).is_none() {
                    self.unknown_column(n, input);
                }
                vec![n.name.clone()]
            }
            ExprKind::Pattern(p) => {
                let names: Vec<String> = input
                    .names()
                    .filter(|c| wildcard(&p.name, c))
                    .map(str::to_string)
                    .collect();
                // Kusto.Language (KS109): a wildcard must match a column.
                if names.is_empty() && !input.open {
                    self.error(p.span, format!("no column matches `{}`", p.name));
                }
                names
            }
            _ => Vec::new(),
        }
    }

    /// make-series' axis and its bounds: a datetime axis steps by a timespan between datetimes,
    /// a long or real one by a number of its kind (Kusto.Language's KS178 and KS141).
    fn series_axis(&mut self, axis: Type, on: &Expr, from: Option<&Expr>, to: Option<&Expr>, step: &Expr) {
        let step_type = self.scalar(step, Ctx::none());
        let bounds: Vec<(Type, Span)> = [from, to]
            .into_iter()
            .flatten()
            .map(|e| (self.scalar(e, Ctx::none()), e.span))
            .collect();
        let known = |t: Type| t != Type::Unknown;
        if !known(axis) || !known(step_type) {
            return;
        }
        let fits = match axis {
            Type::DateTime => step_type == Type::TimeSpan,
            Type::Long => step_type == Type::Long,
            Type::Real | Type::Decimal => step_type.is_numeric(),
            _ => false,
        };
        if !fits {
            self.error(
                on.span.to(step.span.end as usize),
                format!(
                    "make-series cannot step a {axis} axis by a {step_type}: step a datetime axis by a timespan (step 1h), a long one by a long"
                ),
            );
        }
        for (t, span) in bounds {
            let ok = !known(t)
                || if axis == Type::DateTime {
                    t == Type::DateTime
                } else {
                    t.is_numeric()
                };
            if !ok {
                self.error(
                    span,
                    format!("make-series' bounds must have the axis' type ({axis}), not {t}"),
                );
            }
        }
    }

    /// A parse pattern's order (Kusto.Language's KS101-KS103): a string follows every `*`, a
    /// column follows a string (or starts the pattern), and `*` does not follow a string column.
    fn parse_pattern_rules(&mut self, pattern: &[ParseItem]) {
        let mut previous: Option<&ParseItem> = None;
        for item in pattern {
            let message = match (previous, item) {
                (Some(ParseItem::Star), ParseItem::Star | ParseItem::Column { .. }) => {
                    Some("in a parse pattern a string must follow a `*`")
                }
                (Some(ParseItem::Column { .. }), ParseItem::Column { .. }) => {
                    Some("in a parse pattern a column must follow a string: put the text between the two columns")
                }
                (
                    Some(ParseItem::Column {
                        ty: None | Some(Type::String),
                        ..
                    }),
                    ParseItem::Star,
                ) => Some("`*` after a string column is ambiguous: put text between them, or give the column a type"),
                _ => None,
            };
            if let Some(message) = message {
                let span = match item {
                    ParseItem::Column { name, .. } => name.span,
                    _ => previous
                        .and_then(|p| match p {
                            ParseItem::Column { name, .. } => Some(name.span),
                            _ => None,
                        })
                        .unwrap_or_default(),
                };
                self.error(span, message);
            }
            previous = Some(item);
        }
    }

    /// A number of rows (`take`, `top`, `sample`): an integer (Kusto.Language's KS134).
    fn row_count(&mut self, n: &Expr, op: &str, input: &Columns) {
        let t = self.scalar(n, Ctx::row(input));
        if !matches!(t, Type::Int | Type::Long | Type::Unknown) {
            self.error(n.span, format!("`{op}` takes a whole number of rows, not a {t}"));
        }
    }

    /// Sort and group keys cannot be dynamic (Kusto.Language's KS116).
    pub(super) fn not_dynamic_key(&mut self, e: &Expr, t: Type) {
        if t == Type::Dynamic {
            self.error(
                e.span,
                "a dynamic value cannot be a sort or group key here: convert it first, such as with tostring(...)",
            );
        }
    }

    /// Binds each item against `input` and adds its column to `out`.
    fn project(&mut self, input: &Columns, items: &[NamedExpr], mut out: Columns, mut namer: Namer) -> Columns {
        for item in items {
            let t = self.scalar(&item.expr, Ctx::row(input));
            if namer.keys {
                self.not_dynamic_key(&item.expr, t);
            }
            self.assign(&mut out, item, t, input, &mut namer);
        }
        out
    }

    /// Adds the output column of `item` as Kusto.Language's projection builder does: a given
    /// name or a column reference is declared (a second declaration in one `project` or
    /// `summarize` is KS171; `extend` replaces), a computed column gets the name Kusto infers
    /// ([`projected_name`]) or the projection's next default, made unique with a suffix
    /// (`max_Timestamp1`), or replaces in `extend`. Returns the name.
    pub(super) fn assign(
        &mut self,
        out: &mut Columns,
        item: &NamedExpr,
        ty: Type,
        input: &Columns,
        namer: &mut Namer,
    ) -> String {
        // A function with several result columns: named by the tuple `(a, b) = f(...)`, or
        // `f_arg_suffix`.
        let tuple = match &item.expr.kind {
            ExprKind::Call { func, args } => tuple_outputs(&func.name).map(|o| (func, args, o)),
            _ => None,
        };
        if let Some((func, args, outputs)) = tuple
            && item.names.len() != 1
        {
            if item.names.len() > outputs.len() {
                self.error(
                    item.names[outputs.len()].span,
                    format!(
                        "{}() has {} results: this name has no value to take",
                        func.name,
                        outputs.len()
                    ),
                );
            }
            let arg = args.first().and_then(result_name).unwrap_or_default();
            for (i, suffix) in outputs.iter().enumerate() {
                let name = item
                    .names
                    .get(i)
                    .map_or_else(|| format!("{}_{arg}_{suffix}", func.name), |n| n.name.clone());
                out.set(&name, Type::Unknown);
            }
            return item
                .names
                .first()
                .map_or_else(|| format!("{}_{arg}", func.name), |n| n.name.clone());
        }
        if item.names.len() > 1 {
            self.error(
                item.expr.span,
                "this expression has one value: `(a, b) = ...` takes a function with several results (series_stats, series_fit_line ...)",
            );
            for n in &item.names {
                out.set(&n.name, Type::Unknown);
            }
            return item.names[0].name.clone();
        }
        let extend = namer.extend;
        let declared = match item.names.first() {
            Some(n) => Some(n.name.clone()),
            None => column_reference(&item.expr, ty, input),
        };
        if let Some(name) = declared {
            let twice = namer.declared.contains(&name) || !extend && out.cols.iter().any(|(c, _)| *c == name);
            namer.declared.push(name.clone());
            if twice {
                self.error(
                    item.expr.span,
                    format!(
                        "a column named '{name}' is already declared here: give one of them another name (New = ...)"
                    ),
                );
            } else {
                out.set(&name, ty);
            }
            return name;
        }
        let name = projected_name(&item.expr, input).unwrap_or_else(|| namer.default_name(input, out));
        if extend {
            out.set(&name, ty);
            name
        } else {
            add_unique(out, &name, ty)
        }
    }

    pub(super) fn unknown_column(&mut self, n: &Ident, cols: &Columns) {
        let hint = hint(
            &n.name,
            cols.names(),
            ": check the name, and the operators before this one (project, summarize, join ...) that decide which columns remain",
        );
        let place = cols.source.as_deref().map(|s| format!(" in {s}")).unwrap_or_default();
        self.error(n.span, format!("unknown column '{}'{place}{hint}", n.name));
    }
}
