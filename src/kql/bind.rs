//! The binder: resolves a parsed query against the schema and reports what Kusto would refuse.
//!
//! It follows every operator's output columns (project, extend, summarize with Kusto's
//! auto-names `count_`, `dcount_X`, `max_X`, join collision names `DeviceName1`, let-bound tables
//! and functions, union, mv-expand, parse, invoke), resolves function names and arity from
//! [`functions`](super::functions) and the schema's built-in functions, and checks types where
//! Kusto is certain (comparisons of numbers with strings, `ago()` of a non-timespan, a non-bool
//! predicate). What it cannot know (a column created by `bag_unpack`, a type only the data
//! decides) is `Unknown` and never an error. Then the lints: warnings for what runs but is
//! probably wrong or slow.

use std::collections::HashMap;

use super::ast::*;
use super::functions::{self, Kind as FnKind, Param};
use super::schema::{FunctionKind, Schema};
use super::types::Type;
use super::{Diagnostic, MAX_QUERY_BYTES, Span, parse};
use crate::duration::Duration;

/// What the caller knows beyond the query text.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The window a scheduled run asks Graph for (`timespan`): a time filter narrower than it
    /// is a warning.
    pub window: Option<Duration>,
    /// What to call the window in that warning (`the window each run asks for`, `timespan`).
    pub window_name: Option<String>,
}

/// A query's result of checking: diagnostics in order of position, and facts the callers use.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub diagnostics: Vec<Diagnostic>,
    /// Whether the query filters on time itself (`Timestamp > ago(1h)`, `between`, ...).
    pub has_time_filter: bool,
    /// The narrowest `ago(...)` lookback among its time filters.
    pub narrowest_ago: Option<Duration>,
}

/// Parses and checks; diagnostics sorted by position.
pub fn check_with(text: &str, schema: &Schema, options: &CheckOptions) -> Vec<Diagnostic> {
    analyze(text, schema, options).diagnostics
}

/// Parses, binds and lints a query.
pub fn analyze(text: &str, schema: &Schema, options: &CheckOptions) -> Analysis {
    if text.len() > MAX_QUERY_BYTES {
        return Analysis {
            diagnostics: vec![Diagnostic::error(
                Span::new(0, 0),
                format!(
                    "the query is {} bytes, more than the {MAX_QUERY_BYTES} bytes (1 MiB) graphsoar checks: split it",
                    text.len()
                ),
            )],
            ..Analysis::default()
        };
    }
    let (query, mut diagnostics) = parse::parse(text);
    let mut facts = Facts::default();
    if diagnostics.is_empty() {
        let mut b = Binder {
            schema,
            scopes: vec![HashMap::new()],
            diags: Vec::new(),
            facts: Facts::default(),
            depth: 0,
        };
        b.query(&query);
        diagnostics.extend(b.diags);
        facts = b.facts;
        lint(&mut diagnostics, &facts, options);
    }
    diagnostics.sort_by_key(|d| (d.span.start, d.severity));
    diagnostics.dedup();
    Analysis {
        diagnostics,
        has_time_filter: facts.time_filter,
        narrowest_ago: facts.narrowest_ago,
    }
}

/// What the binder noticed for the lints.
#[derive(Debug, Default)]
struct Facts {
    time_filter: bool,
    narrowest_ago: Option<Duration>,
    /// The first tabular source's span, for whole-query warnings.
    first_source: Option<Span>,
    contains_terms: Vec<(Span, String)>,
    search_star: Vec<Span>,
    unbounded_joins: Vec<(Span, String)>,
}

fn lint(diags: &mut Vec<Diagnostic>, facts: &Facts, options: &CheckOptions) {
    let at = facts.first_source.unwrap_or_default();
    if !facts.time_filter {
        diags.push(Diagnostic::warning(
            at,
            "the query has no time filter of its own (such as `| where Timestamp > ago(1h)`): without the engine's window it scans all 30 days",
        ));
    }
    if let (Some(window), Some(ago)) = (options.window, facts.narrowest_ago)
        && ago < window
    {
        let name = options.window_name.as_deref().unwrap_or("the window each run asks for");
        diags.push(Diagnostic::warning(
            at,
            format!(
                "the query's own time filter (ago({ago})) is narrower than {name} ({window}): rows older than {ago} are never seen"
            ),
        ));
    }
    for (span, needle) in &facts.contains_terms {
        diags.push(Diagnostic::warning(
            *span,
            format!(
                "`contains \"{needle}\"` scans every character; if you mean the whole term, `has \"{needle}\"` uses the term index and is much faster"
            ),
        ));
    }
    for span in &facts.search_star {
        diags.push(Diagnostic::warning(
            *span,
            "`search *` scans every column of every table: name the tables (`search in (DeviceProcessEvents)`) or filter a column",
        ));
    }
    for (span, table) in &facts.unbounded_joins {
        diags.push(Diagnostic::warning(
            *span,
            format!(
                "the join's right side reads {table} without a time filter: add `| where Timestamp > ago(...)` inside it, or the join scans the whole table"
            ),
        ));
    }
}

/// A tabular value's columns. `open` means more columns may exist than are known (after
/// `bag_unpack`, `pivot`, an unmodelled operator): unknown names then resolve to `Unknown`.
#[derive(Debug, Clone, Default)]
struct Columns {
    cols: Vec<(String, Type)>,
    open: bool,
    /// Names that may exist (Kusto's naming of an expression is not always certain): they
    /// resolve without being listed.
    maybe: Vec<String>,
    /// The table it comes from, for messages.
    source: Option<String>,
    /// Whether it reads a large event table without a time filter yet (for the join lint).
    unbounded: Option<String>,
}

impl Columns {
    fn get(&self, name: &str) -> Option<Type> {
        if let Some((_, t)) = self.cols.iter().find(|(n, _)| n == name) {
            return Some(*t);
        }
        if self.open || self.maybe.iter().any(|m| m == name) {
            return Some(Type::Unknown);
        }
        None
    }

    fn set(&mut self, name: &str, ty: Type) {
        match self.cols.iter_mut().find(|(n, _)| n == name) {
            Some(c) => c.1 = ty,
            None => self.cols.push((name.to_string(), ty)),
        }
    }

    fn remove(&mut self, name: &str) {
        self.cols.retain(|(n, _)| n != name);
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.cols.iter().map(|(n, _)| n.as_str())
    }

    fn derived(&self) -> Columns {
        Columns {
            cols: Vec::new(),
            open: self.open,
            maybe: Vec::new(),
            source: self.source.clone(),
            unbounded: self.unbounded.clone(),
        }
    }

    fn open() -> Columns {
        Columns {
            open: true,
            ..Columns::default()
        }
    }
}

/// What an expression is.
#[derive(Debug, Clone)]
enum Ty {
    Scalar(Type),
    Table(Columns),
}

/// A `let` binding.
#[derive(Debug, Clone)]
enum Binding {
    Scalar(Type),
    Table(Columns),
    Function(Lambda),
}

/// Where an expression is bound.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    row: Option<&'a Columns>,
    left: Option<&'a Columns>,
    right: Option<&'a Columns>,
    /// Inside summarize's aggregate list (aggregate functions allowed).
    aggregate: bool,
    /// Inside a time predicate position (a `where`), for the time-filter facts.
    filter: bool,
}

impl<'a> Ctx<'a> {
    fn none() -> Ctx<'a> {
        Ctx {
            row: None,
            left: None,
            right: None,
            aggregate: false,
            filter: false,
        }
    }

    fn row(row: &'a Columns) -> Ctx<'a> {
        Ctx {
            row: Some(row),
            ..Ctx::none()
        }
    }
}

/// Event tables large enough that an unfiltered join side is worth a warning.
fn is_large_table(name: &str) -> bool {
    (name.starts_with("Device") && name.ends_with("Events"))
        || matches!(
            name,
            "CloudAppEvents"
                | "EmailEvents"
                | "IdentityLogonEvents"
                | "IdentityQueryEvents"
                | "IdentityDirectoryEvents"
                | "AADSignInEventsBeta"
                | "EntraIdSignInEvents"
                | "UrlClickEvents"
        )
}

struct Binder<'s> {
    schema: &'s Schema,
    scopes: Vec<HashMap<String, Binding>>,
    diags: Vec<Diagnostic>,
    facts: Facts,
    depth: usize,
}

const MAX_BIND_DEPTH: usize = 48;

impl Binder<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(span, message));
    }

    fn lookup_let(&self, name: &str) -> Option<&Binding> {
        self.scopes.iter().rev().find_map(|s| s.get(name))
    }

    fn define(&mut self, name: &str, b: Binding) {
        if let Some(s) = self.scopes.last_mut() {
            s.insert(name.to_string(), b);
        }
    }

    fn query(&mut self, q: &Query) {
        for s in &q.statements {
            match s {
                Statement::Let(l) => self.let_statement(l),
                Statement::Set { .. } => {}
                // A scalar statement is accepted, as Kusto.Language does (it returns one value).
                Statement::Expr(e) => {
                    self.expr(e, Ctx::none());
                }
            }
        }
    }

    fn let_statement(&mut self, l: &Let) {
        let b = match &l.value {
            LetValue::Function(f) => Binding::Function(f.clone()),
            LetValue::Expr(e) => match self.expr(e, Ctx::none()) {
                Ty::Scalar(t) => Binding::Scalar(t),
                Ty::Table(c) => Binding::Table(c),
            },
        };
        if let LetValue::Function(f) = &l.value {
            self.check_lambda_defaults(f);
        }
        self.define(&l.name.name, b);
    }

    fn check_lambda_defaults(&mut self, f: &Lambda) {
        for p in &f.params {
            if let Some(d) = &p.default {
                self.expr(d, Ctx::none());
            }
        }
    }

    // ---- tabular ------------------------------------------------------------------------

    fn tabular(&mut self, e: &Expr, ctx: Ctx<'_>) -> Option<Columns> {
        match self.expr(e, ctx) {
            Ty::Table(c) => Some(c),
            Ty::Scalar(Type::Unknown) => None,
            Ty::Scalar(t) => {
                self.error(e.span, format!("expected a table here, found a {t} value"));
                None
            }
        }
    }

    fn table_name(&mut self, id: &Ident, ctx: Ctx<'_>) -> Ty {
        if let Some(b) = self.lookup_let(&id.name).cloned() {
            return match b {
                Binding::Table(c) => Ty::Table(c),
                Binding::Scalar(t) => Ty::Scalar(t),
                Binding::Function(f) => {
                    if f.params.iter().all(|p| p.default.is_some()) {
                        self.call_lambda(&f, &[], id.span, None, Ctx::none())
                    } else {
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
            };
        }
        if let Some(t) = self.schema.table(&id.name) {
            self.facts.first_source.get_or_insert(id.span);
            return Ty::Table(Columns {
                cols: t.columns.clone(),
                open: false,
                maybe: Vec::new(),
                source: Some(t.name.clone()),
                unbounded: is_large_table(&t.name).then(|| t.name.clone()),
            });
        }
        let _ = ctx;
        let names: Vec<String> = self
            .schema
            .tables()
            .map(|t| t.name.clone())
            .chain(self.scopes.iter().flat_map(|s| s.keys().cloned()))
            .collect();
        let hint = crate::suggest::did_you_mean(&id.name, names.iter().map(String::as_str));
        self.error(
            id.span,
            format!("unknown table '{}'{}", id.name, hint.replace('`', "'")),
        );
        Ty::Scalar(Type::Unknown)
    }

    fn pipe(&mut self, source: &Expr, ops: &[Operator], ctx: Ctx<'_>) -> Ty {
        let Some(mut cols) = self.tabular(source, ctx) else {
            // Still bind the operators against an open input, so their own errors show.
            let mut cols = Columns::open();
            for op in ops {
                cols = self.operator(cols, op, ctx);
            }
            return Ty::Scalar(Type::Unknown);
        };
        for op in ops {
            cols = self.operator(cols, op, ctx);
        }
        Ty::Table(cols)
    }

    fn operator(&mut self, input: Columns, op: &Operator, outer: Ctx<'_>) -> Columns {
        let row = Ctx {
            aggregate: false,
            ..Ctx::row(&input)
        };
        let _ = outer;
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
            OpKind::Project(items) => {
                let mut out = input.derived();
                for (i, item) in items.iter().enumerate() {
                    let t = self.scalar(&item.expr, row);
                    self.assign(&mut out, item, t, i);
                }
                out
            }
            OpKind::Extend(items) => {
                let mut out = input.clone();
                for (i, item) in items.iter().enumerate() {
                    let t = {
                        let ctx = Ctx::row(&out);
                        self.scalar(&item.expr, ctx)
                    };
                    self.assign(&mut out, item, t, i);
                }
                out
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
            OpKind::Summarize { aggregates, by, .. } => self.summarize(&input, aggregates, by),
            OpKind::Sort(keys) => {
                for k in keys {
                    self.scalar(&k.expr, row);
                }
                input
            }
            OpKind::Top { count, by } => {
                self.scalar(count, Ctx::none());
                self.scalar(&by.expr, row);
                input
            }
            OpKind::Take(n) | OpKind::Sample(n) => {
                let t = self.scalar(n, Ctx::none());
                if !t.is_numeric() && t != Type::Unknown {
                    self.error(n.span, format!("`{}` takes a number of rows, not a {t}", op.name.name));
                }
                input
            }
            OpKind::SampleDistinct { count, of } => {
                self.scalar(count, Ctx::none());
                let t = self.scalar(of, row);
                let mut out = input.derived();
                out.set(&expr_name(of).unwrap_or_else(|| "Column1".into()), t);
                out
            }
            OpKind::Distinct(items) => {
                if items.len() == 1 && matches!(items[0].expr.kind, ExprKind::Star) {
                    return input;
                }
                let mut out = input.derived();
                for (i, item) in items.iter().enumerate() {
                    let t = self.scalar(&item.expr, row);
                    self.assign(&mut out, item, t, i);
                }
                out
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
                        out.maybe.extend(r.maybe);
                    }
                    None => out.open = true,
                }
                out
            }
            OpKind::Parse {
                source,
                pattern,
                params,
                ..
            } => {
                self.scalar(source, row);
                let regex = params
                    .iter()
                    .any(|p| p.name.name == "kind" && matches!(&p.value.kind, ExprKind::Name(n) if n.name == "regex"));
                let _ = regex;
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
                for (i, item) in by.iter().enumerate() {
                    let t = self.scalar(&item.expr, row);
                    self.assign(&mut out, item, t, i);
                }
                let axis = self.scalar(on, row);
                for e in [from.as_ref(), to.as_ref(), Some(step)].into_iter().flatten() {
                    self.scalar(e, Ctx::none());
                }
                let _ = axis;
                for (i, (item, default)) in aggregates.iter().enumerate() {
                    if let Some(d) = default {
                        self.scalar(d, Ctx::none());
                    }
                    self.aggregate_item(&input, &mut out, item, i);
                }
                // Every aggregate becomes a series (dynamic), and so does the axis.
                for c in &mut out.cols {
                    if !by.iter().any(|b| {
                        b.names.first().map(|n| &n.name) == Some(&c.0) || expr_name(&b.expr).as_ref() == Some(&c.0)
                    }) {
                        c.1 = Type::Dynamic;
                    }
                }
                if let Some(axis_name) = expr_name(on) {
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
                        .or_else(|| expr_name(&level.of.expr))
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
            OpKind::Render { .. } => input,
            OpKind::As { name, .. } => {
                self.define(&name.name, Binding::Table(input.clone()));
                input
            }
            OpKind::Serialize(items) => {
                let mut out = input.clone();
                for (i, item) in items.iter().enumerate() {
                    let t = {
                        let ctx = Ctx::row(&out);
                        self.scalar(&item.expr, ctx)
                    };
                    self.assign(&mut out, item, t, i);
                }
                out
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
                if input.get(&by.name).is_none() {
                    self.unknown_column(by, &input);
                }
                self.subquery(body, &input).unwrap_or_else(Columns::open)
            }
            OpKind::Other => Columns::open(),
        }
    }

    fn subquery(&mut self, body: &Expr, input: &Columns) -> Option<Columns> {
        let ExprKind::Pipe { ops, .. } = &body.kind else {
            return None;
        };
        let mut cols = input.clone();
        for op in ops {
            cols = self.operator(cols, op, Ctx::none());
        }
        Some(cols)
    }

    fn mv_items(&mut self, input: &Columns, out: &mut Columns, items: &[MvItem], params: &[OpParam]) {
        for (i, item) in items.iter().enumerate() {
            let t = self.scalar(&item.column.expr, Ctx::row(input));
            if !matches!(t, Type::Dynamic | Type::Unknown) {
                self.error(
                    item.column.expr.span,
                    format!("mv-expand and mv-apply expand dynamic arrays or bags, but this is a {t}: parse it first with parse_json(...)"),
                );
            }
            let ty = item.to.unwrap_or(Type::Dynamic);
            self.assign(out, &item.column, ty, i);
        }
        for p in params {
            if p.name.name == "with_itemindex"
                && let ExprKind::Name(n) = &p.value.kind
            {
                out.set(&n.name, Type::Long);
            }
        }
    }

    fn union_into(&mut self, out: &mut Columns, params: &[OpParam], tables: &[Expr]) {
        for t in tables {
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

    fn join(
        &mut self,
        left: &Columns,
        params: &[OpParam],
        right: &Expr,
        on: &[Expr],
        op: &Operator,
        lookup: bool,
    ) -> Columns {
        let kind = params
            .iter()
            .find(|p| p.name.name == "kind")
            .and_then(|p| match &p.value.kind {
                ExprKind::Name(n) => Some((n.name.clone(), n.span)),
                _ => None,
            });
        let kinds: &[&str] = if lookup {
            &["leftouter", "inner"]
        } else {
            &[
                "innerunique",
                "inner",
                "leftouter",
                "rightouter",
                "fullouter",
                "leftanti",
                "rightanti",
                "leftsemi",
                "rightsemi",
                "anti",
                "leftantisemi",
                "rightantisemi",
                "semi",
            ]
        };
        let kind_name = match &kind {
            Some((k, span)) if !kinds.contains(&k.as_str()) => {
                let hint = crate::suggest::did_you_mean(k, kinds.iter().copied());
                self.error(
                    *span,
                    format!(
                        "`{k}` is not a {} kind (one of {}){hint}",
                        op.name.name,
                        kinds.join(", ")
                    ),
                );
                "inner".to_string()
            }
            Some((k, _)) => k.clone(),
            None => (if lookup { "leftouter" } else { "innerunique" }).to_string(),
        };
        let right_cols = self.tabular(right, Ctx::none());
        if let Some(rc) = &right_cols
            && let Some(table) = &rc.unbounded
            && !lookup
        {
            self.facts.unbounded_joins.push((right.span, table.clone()));
        }
        let right_cols = right_cols.unwrap_or_else(Columns::open);
        let mut keys = Vec::new();
        for cond in on {
            self.join_condition(cond, left, &right_cols, &mut keys);
        }
        let mut out = match kind_name.as_str() {
            "leftanti" | "anti" | "leftantisemi" | "leftsemi" | "semi" => left.clone(),
            "rightanti" | "rightantisemi" | "rightsemi" => right_cols.clone(),
            _ => {
                let mut out = left.clone();
                for (n, t) in &right_cols.cols {
                    if lookup && keys.contains(n) {
                        continue;
                    }
                    if out.cols.iter().any(|(x, _)| x == n) {
                        let mut i = 1;
                        while out.cols.iter().any(|(x, _)| *x == format!("{n}{i}")) {
                            i += 1;
                        }
                        out.cols.push((format!("{n}{i}"), *t));
                    } else {
                        out.cols.push((n.clone(), *t));
                    }
                }
                out.open |= right_cols.open;
                out.maybe.extend(right_cols.maybe.iter().cloned());
                out
            }
        };
        out.source = None;
        if !matches!(kind_name.as_str(), "rightanti" | "rightantisemi" | "rightsemi") {
            out.unbounded = left.unbounded.clone();
        }
        out
    }

    /// `Col`, `$left.A == $right.B`, and `and` of those.
    fn join_condition(&mut self, cond: &Expr, left: &Columns, right: &Columns, keys: &mut Vec<String>) {
        match &cond.kind {
            ExprKind::Name(n) => {
                if left.get(&n.name).is_none() {
                    self.side_error(n, left, "left");
                } else if right.get(&n.name).is_none() {
                    self.side_error(n, right, "right");
                }
                keys.push(n.name.clone());
            }
            ExprKind::Logical {
                op: LogicOp::And,
                terms,
            } => {
                for t in terms {
                    self.join_condition(t, left, right, keys);
                }
            }
            ExprKind::Binary {
                op: BinOp::Eq,
                lhs,
                rhs,
            } => {
                // Key types are not compared: Kusto.Language accepts any two scalars here.
                self.side_column(lhs, left, right);
                self.side_column(rhs, left, right);
                if let ExprKind::Member { name, .. } = &rhs.kind {
                    keys.push(name.name.clone());
                }
            }
            _ => {
                let ctx = Ctx {
                    left: Some(left),
                    right: Some(right),
                    ..Ctx::none()
                };
                self.scalar(cond, ctx);
            }
        }
    }

    fn side_column(&mut self, e: &Expr, left: &Columns, right: &Columns) -> Option<Type> {
        if let ExprKind::Member { target, name } = &e.kind
            && let ExprKind::Name(side) = &target.kind
        {
            let (cols, label) = match side.name.as_str() {
                "$left" => (left, "left"),
                "$right" => (right, "right"),
                _ => return Some(self.scalar(e, Ctx::row(left))),
            };
            return match cols.get(&name.name) {
                Some(t) => Some(t),
                None => {
                    self.side_error(name, cols, label);
                    None
                }
            };
        }
        let ctx = Ctx {
            left: Some(left),
            right: Some(right),
            ..Ctx::none()
        };
        Some(self.scalar(e, ctx))
    }

    fn side_error(&mut self, n: &Ident, cols: &Columns, side: &str) {
        let hint = crate::suggest::did_you_mean(&n.name, cols.names());
        self.error(
            n.span,
            format!(
                "unknown column '{}' on the {side} side of the join{}",
                n.name,
                hint.replace('`', "'")
            ),
        );
    }

    fn summarize(&mut self, input: &Columns, aggregates: &[NamedExpr], by: &[NamedExpr]) -> Columns {
        let mut out = input.derived();
        let row = Ctx::row(input);
        for (i, item) in by.iter().enumerate() {
            let t = self.scalar(&item.expr, row);
            self.assign(&mut out, item, t, i);
            if let Some(name) = expr_name(&item.expr)
                && item.names.is_empty()
                && out.get(&name).is_none()
            {
                out.maybe.push(name);
            }
        }
        let by_count = out.cols.len();
        for (i, item) in aggregates.iter().enumerate() {
            self.aggregate_item(input, &mut out, item, by_count + i);
        }
        out
    }

    /// One summarize aggregate: `Name = agg(...)`, `agg(...)` (auto-named), `arg_max(X, *)`.
    fn aggregate_item(&mut self, input: &Columns, out: &mut Columns, item: &NamedExpr, index: usize) {
        let ctx = Ctx {
            aggregate: true,
            ..Ctx::row(input)
        };
        if !contains_aggregate(&item.expr) {
            self.error(
                item.expr.span,
                "summarize needs an aggregate function here (count(), dcount(X), max(X), make_set(X), ...); put grouping expressions after `by`",
            );
            self.scalar(&item.expr, ctx);
            return;
        }
        // arg_max / arg_min with several outputs.
        if let ExprKind::Call { func, args } = &item.expr.kind
            && matches!(canonical(&func.name), "arg_max" | "arg_min")
        {
            let t = self.scalar(&item.expr, ctx);
            let _ = t;
            let star = args.iter().skip(1).any(|a| matches!(a.kind, ExprKind::Star));
            let mut outputs: Vec<(String, Type)> = Vec::new();
            for (j, a) in args.iter().enumerate() {
                if matches!(a.kind, ExprKind::Star) {
                    continue;
                }
                let ty = self.scalar(a, Ctx::row(input));
                let name = match &a.kind {
                    ExprKind::Named { name, .. } => name.name.clone(),
                    _ => expr_name(a).unwrap_or_else(|| format!("{}_arg{j}", canonical(&func.name))),
                };
                outputs.push((name, ty));
            }
            if let Some(first) = item.names.first() {
                if let Some(o) = outputs.first_mut() {
                    o.0 = first.name.clone();
                }
                for (o, n) in outputs.iter_mut().zip(item.names.iter()).skip(1) {
                    o.0 = n.name.clone();
                }
            } else if let Some(o) = outputs.first_mut()
                && !matches!(args[0].kind, ExprKind::Name(_))
            {
                out.maybe.push(o.0.clone());
                o.0 = format!("{}_{}", canonical(&func.name), o.0);
            }
            for (n, t) in outputs {
                add_unique(out, &n, t);
            }
            if star {
                for (n, t) in &input.cols {
                    add_unique(out, n, *t);
                }
                out.open |= input.open;
            }
            return;
        }
        let t = self.scalar(&item.expr, ctx);
        if item.names.is_empty() {
            let name = aggregate_name(&item.expr).unwrap_or_else(|| format!("Column{}", index + 1));
            add_unique(out, &name, t);
            // Kusto's naming of an aggregate over an expression varies; accept its other names.
            out.maybe.push(format!("Column{}", index + 1));
        } else {
            self.assign(out, item, t, index);
        }
    }

    fn evaluate(&mut self, input: &Columns, call: &Expr) -> Columns {
        let ExprKind::Call { func, args } = &call.kind else {
            return Columns::open();
        };
        // Plugin arguments may be aggregates (`pivot(Col, sum(X))`).
        let ctx = Ctx {
            aggregate: true,
            ..Ctx::row(input)
        };
        for a in args {
            if !matches!(a.kind, ExprKind::Star) {
                self.expr(a, ctx);
            }
        }
        match func.name.as_str() {
            "bag_unpack" => {
                let mut out = input.clone();
                if let Some(ExprKind::Name(n)) = args.first().map(|a| &a.kind) {
                    out.remove(&n.name);
                }
                out.open = true;
                out
            }
            "pivot"
            | "narrow"
            | "autocluster"
            | "basket"
            | "diffpatterns"
            | "ipv4_lookup"
            | "ipv6_lookup"
            | "sliding_window_counts"
            | "activity_counts_metrics"
            | "activity_engagement"
            | "session_count"
            | "funnel_sequence"
            | "funnel_sequence_completion"
            | "preview"
            | "schema_merge"
            | "sequence_detect"
            | "rolling_percentile"
            | "active_users_count"
            | "dcount_intersect"
            | "new_activity_metrics"
            | "activity_metrics"
            | "market_basket"
            | "percentiles_array"
            | "geo_point_to_h3cell" => {
                let mut out = input.clone();
                out.open = true;
                out
            }
            other => {
                self.error(func.span, format!("`{other}` is not an evaluate plugin advanced hunting offers (bag_unpack, pivot, ipv4_lookup, ...)"));
                Columns::open()
            }
        }
    }

    fn invoke(&mut self, input: &Columns, call: &Expr) -> Columns {
        let ExprKind::Call { func, args } = &call.kind else {
            return Columns::open();
        };
        if let Some(Binding::Function(f)) = self.lookup_let(&func.name).cloned() {
            return match self.call_lambda(&f, args, call.span, Some(input), Ctx::row(input)) {
                Ty::Table(c) => c,
                _ => Columns::open(),
            };
        }
        if let Some(f) = self.schema.function(&func.name).cloned() {
            if f.kind != FunctionKind::Invoke {
                self.error(func.span, format!("`{}` is a tabular source, not a function to invoke: use it as `{}(...)` at the start of a query", f.name, f.name));
                return Columns::open();
            }
            self.builtin_args(&f, args, func.span, input);
            let mut out = input.clone();
            for (n, t) in &f.columns {
                out.set(n, *t);
            }
            return out;
        }
        let hint = crate::suggest::did_you_mean(&func.name, self.schema.functions().map(|f| f.name.as_str()));
        self.error(
            func.span,
            format!("unknown function '{}' to invoke{}", func.name, hint.replace('`', "'")),
        );
        Columns::open()
    }

    /// Arguments of a Defender built-in function: count, and each bound in the input's row.
    fn builtin_args(&mut self, f: &super::schema::Function, args: &[Expr], span: Span, input: &Columns) {
        if args.len() < f.required() || args.len() > f.params.len() {
            self.error(
                span,
                format!(
                    "{} takes {} to {} arguments, not {}",
                    f.name,
                    f.required(),
                    f.params.len(),
                    args.len()
                ),
            );
        }
        for a in args {
            // FileProfile's first argument names a column; a string names it too.
            self.expr(a, Ctx::row(input));
        }
    }

    fn call_lambda(&mut self, f: &Lambda, args: &[Expr], span: Span, input: Option<&Columns>, ctx: Ctx<'_>) -> Ty {
        self.depth += 1;
        if self.depth > MAX_BIND_DEPTH {
            self.depth -= 1;
            self.error(
                span,
                format!("functions call each other more than {MAX_BIND_DEPTH} levels deep"),
            );
            return Ty::Scalar(Type::Unknown);
        }
        let mut params = f.params.iter();
        let mut scope = HashMap::new();
        // `T | invoke f(x)`: the input is the first (tabular) parameter.
        if let Some(input) = input {
            match params.next() {
                Some(p) if matches!(p.ty, ParamType::Tabular(_)) => {
                    scope.insert(p.name.name.clone(), Binding::Table(input.clone()));
                }
                _ => self.error(span, "the invoked function's first parameter must be a table (T: (*))"),
            }
        }
        let rest: Vec<&LambdaParam> = params.collect();
        let required = rest.iter().filter(|p| p.default.is_none()).count();
        let positional: Vec<&Expr> = args
            .iter()
            .filter(|a| !matches!(a.kind, ExprKind::Named { .. }))
            .collect();
        if args.len() < required || args.len() > rest.len() {
            self.error(
                span,
                format!(
                    "the function takes {} argument{}, not {}",
                    if required == rest.len() {
                        required.to_string()
                    } else {
                        format!("{required} to {}", rest.len())
                    },
                    if rest.len() == 1 { "" } else { "s" },
                    args.len()
                ),
            );
        }
        for (i, p) in rest.iter().enumerate() {
            let arg = args
                .iter()
                .find(|a| matches!(&a.kind, ExprKind::Named { name, .. } if name.name == p.name.name))
                .map(|a| match &a.kind {
                    ExprKind::Named { value, .. } => value.as_ref(),
                    _ => a,
                })
                .or_else(|| positional.get(i).copied());
            let b = match (&p.ty, arg) {
                (ParamType::Tabular(decl), Some(a)) => {
                    let c = self.tabular(a, ctx).unwrap_or_else(Columns::open);
                    let _ = decl;
                    Binding::Table(c)
                }
                (ParamType::Tabular(decl), None) => Binding::Table(declared_columns(decl.as_deref())),
                (ParamType::Scalar(t), Some(a)) => {
                    let at = self.scalar(a, ctx);
                    let _ = at;
                    Binding::Scalar(*t)
                }
                (ParamType::Scalar(t), None) => Binding::Scalar(*t),
            };
            scope.insert(p.name.name.clone(), b);
        }
        self.scopes.push(scope);
        for l in &f.lets {
            self.let_statement(l);
        }
        let result = match &f.result {
            Some(r) => self.expr(r, Ctx::none()),
            None => Ty::Scalar(Type::Unknown),
        };
        self.scopes.pop();
        self.depth -= 1;
        result
    }

    /// Names matched by a `project-away`/`project-keep` item; a plain name must exist.
    fn match_pattern(&mut self, input: &Columns, item: &Expr) -> Vec<String> {
        match &item.kind {
            ExprKind::Name(n) => {
                if input.get(&n.name).is_none() {
                    self.unknown_column(n, input);
                }
                vec![n.name.clone()]
            }
            ExprKind::Pattern(p) => input
                .names()
                .filter(|c| wildcard(&p.name, c))
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Adds an output column for `item` (named by the user, or by Kusto's rules).
    fn assign(&mut self, out: &mut Columns, item: &NamedExpr, ty: Type, index: usize) {
        if item.names.len() > 1 {
            for n in &item.names {
                out.set(&n.name, Type::Unknown);
            }
            return;
        }
        if let Some(n) = item.names.first() {
            out.set(&n.name, ty);
            return;
        }
        match expr_name(&item.expr) {
            Some(name) => out.set(&name, ty),
            None => {
                let name = format!("Column{}", index + 1);
                out.set(&name, ty);
                if let Some(alt) = fallback_name(&item.expr) {
                    out.maybe.push(alt);
                }
            }
        }
    }

    fn unknown_column(&mut self, n: &Ident, cols: &Columns) {
        let hint = crate::suggest::did_you_mean(&n.name, cols.names());
        let place = cols.source.as_deref().map(|s| format!(" in {s}")).unwrap_or_default();
        self.error(
            n.span,
            format!("unknown column '{}'{place}{}", n.name, hint.replace('`', "'")),
        );
    }

    // ---- scalar -------------------------------------------------------------------------

    fn scalar(&mut self, e: &Expr, ctx: Ctx<'_>) -> Type {
        match self.expr(e, ctx) {
            Ty::Scalar(t) => t,
            Ty::Table(c) => {
                // A single-column table used as a scalar (toscalar is implicit in some places).
                if c.cols.len() == 1 {
                    c.cols[0].1
                } else {
                    self.error(
                        e.span,
                        "expected a scalar value here, found a table: use toscalar(...) for one value",
                    );
                    Type::Unknown
                }
            }
        }
    }

    fn expect_bool(&mut self, e: &Expr, t: &Ty, what: &str) {
        if let Ty::Scalar(t) = t
            && !matches!(t, Type::Bool | Type::Unknown | Type::Dynamic)
        {
            self.error(
                e.span,
                format!("{what} must be a bool, but this is a {t}: compare it with something (==, >, has ...)"),
            );
        }
    }

    fn expr(&mut self, e: &Expr, ctx: Ctx<'_>) -> Ty {
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
                self.scalar(index, ctx);
                if !matches!(t, Type::Dynamic | Type::Unknown) {
                    self.error(target.span, format!("only dynamic values can be indexed with [...], but this is a {t}: parse it first with parse_json(...)"));
                }
                Ty::Scalar(Type::Dynamic)
            }
            ExprKind::Unary { operand, op } => {
                let t = self.scalar(operand, ctx);
                if *op != UnaryOp::Not
                    && !matches!(t, Type::Unknown | Type::Dynamic | Type::TimeSpan)
                    && !t.is_numeric()
                {
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
                for item in items {
                    if let Ty::Table(c) = self.expr(item, ctx)
                        && c.cols.len() > 1
                        && !c.open
                    {
                        self.error(item.span, format!("`{}` needs a single-column table here; this one has {} columns: add `| project Column`", list_op_text(*op), c.cols.len()));
                    }
                }
                Ty::Scalar(Type::Bool)
            }
            ExprKind::Paren(inner) => self.expr(inner, ctx),
            ExprKind::Pipe { source, ops } => self.pipe(source, ops, ctx),
            ExprKind::Source(s) => self.source(s, ctx),
            ExprKind::Input => Ty::Table(ctx.row.cloned().unwrap_or_else(Columns::open)),
            ExprKind::Error => Ty::Scalar(Type::Unknown),
        }
    }

    fn note_time_filter(&mut self, bound: &Expr) {
        self.facts.time_filter = true;
        if let Some(d) = ago_of(bound) {
            self.facts.narrowest_ago = Some(self.facts.narrowest_ago.map_or(d, |n| n.min(d)));
        }
    }

    fn mentions_time(&self, pred: &Expr) -> bool {
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

    fn source(&mut self, s: &Source, ctx: Ctx<'_>) -> Ty {
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
                    let t = self.expr(
                        predicate,
                        Ctx {
                            filter: true,
                            ..Ctx::row(&row)
                        },
                    );
                    let _ = t;
                }
                Ty::Table(cols)
            }
            Source::Find {
                tables,
                predicate,
                project,
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
                let mut out = Columns::default();
                for (i, item) in items.iter().enumerate() {
                    let t = self.scalar(&item.expr, Ctx::none());
                    self.assign(&mut out, item, t, i);
                    if item.names.is_empty() {
                        out.maybe.push(format!("print_{i}"));
                    }
                }
                self.facts.time_filter = true;
                let _ = ctx;
                Ty::Table(out)
            }
            Source::Range { name, from, to, step } => {
                let t = self.scalar(from, Ctx::none());
                self.scalar(to, Ctx::none());
                self.scalar(step, Ctx::none());
                self.facts.time_filter = true;
                Ty::Table(Columns {
                    cols: vec![(name.name.clone(), t)],
                    ..Columns::default()
                })
            }
        }
    }

    fn name(&mut self, id: &Ident, ctx: Ctx<'_>) -> Ty {
        if let Some(row) = ctx.row
            && let Some(t) = row.get(&id.name)
        {
            return Ty::Scalar(t);
        }
        if let Some(b) = self.lookup_let(&id.name) {
            return match b.clone() {
                Binding::Scalar(t) => Ty::Scalar(t),
                Binding::Table(c) => Ty::Table(c),
                Binding::Function(f) => {
                    if f.params.iter().all(|p| p.default.is_some()) {
                        self.call_lambda(&f, &[], id.span, None, Ctx::none())
                    } else {
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
            };
        }
        if self.schema.table(&id.name).is_some() || ctx.row.is_none() && ctx.left.is_none() {
            return self.table_name(id, ctx);
        }
        if let Some(row) = ctx.row {
            let row = row.clone();
            self.unknown_column(id, &row);
        } else {
            self.error(id.span, format!("unknown name '{}'", id.name));
        }
        Ty::Scalar(Type::Unknown)
    }

    fn binary(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr, span: Span, ctx: Ctx<'_>) -> Type {
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

    fn call(&mut self, func: &Ident, args: &[Expr], span: Span, ctx: Ctx<'_>) -> Ty {
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
                let hint = crate::suggest::did_you_mean(name, functions::names());
                self.error(
                    func.span,
                    format!("unknown function '{name}'{}", hint.replace('`', "'")),
                );
            }
            return Ty::Scalar(Type::Unknown);
        };
        // Arguments of an aggregate are row expressions, not aggregates themselves.
        let arg_ctx = Ctx {
            aggregate: false,
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
        Ty::Scalar(self.check_call(def, args, &types, &stars, span))
    }

    /// Checks a built-in call the way Kusto.Language does (`Binder_FunctionCalls.cs`): the
    /// overload, the argument count, each argument's type and kind; returns the result type.
    fn check_call(
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
            // Several overloads fit equally (or none is closer): the type is not certain.
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

fn arithmetic(b: &mut Binder<'_>, op: BinOp, l: Type, r: Type, span: Span) -> Type {
    use Type::*;
    if l == Unknown || r == Unknown {
        return match (l, r) {
            (DateTime, _) | (_, DateTime) if op == BinOp::Add => DateTime,
            (TimeSpan, Unknown) | (Unknown, TimeSpan) => Unknown,
            _ => Unknown,
        };
    }
    if l == Dynamic || r == Dynamic {
        return Dynamic;
    }
    let t = match (op, l, r) {
        (_, a, b) if a.is_numeric() && b.is_numeric() => Some(a.widen(b)),
        (BinOp::Sub, DateTime, DateTime) => Some(TimeSpan),
        (BinOp::Add | BinOp::Sub, DateTime, TimeSpan) => Some(DateTime),
        (BinOp::Add, TimeSpan, DateTime) => Some(DateTime),
        (BinOp::Add | BinOp::Sub, TimeSpan, TimeSpan) => Some(TimeSpan),
        (BinOp::Mul, TimeSpan, a) | (BinOp::Mul, a, TimeSpan) if a.is_numeric() => Some(TimeSpan),
        (BinOp::Div, TimeSpan, a) if a.is_numeric() => Some(TimeSpan),
        (BinOp::Div, TimeSpan, TimeSpan) => Some(Real),
        (BinOp::Mod, TimeSpan, TimeSpan) => Some(TimeSpan),
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
    matches!(l, Unknown | Dynamic)
        || matches!(r, Unknown | Dynamic)
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

/// The column name Kusto gives an unnamed expression when it is certain: a column keeps its
/// name, `bin(X, ...)` and conversions of a column name it after the column, `a.b` becomes `a_b`.
fn expr_name(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(n) => Some(n.name.clone()),
        ExprKind::Member { target, name } => expr_name(target).map(|t| format!("{t}_{}", name.name)),
        ExprKind::Index { target, index } => match &index.kind {
            ExprKind::Literal(Literal::Str(k)) => expr_name(target).map(|t| format!("{t}_{k}")),
            _ => None,
        },
        ExprKind::Call { func, args } if matches!(func.name.as_str(), "bin" | "floor" | "bin_at") => {
            args.first().and_then(expr_name)
        }
        ExprKind::Paren(inner) => expr_name(inner),
        _ => None,
    }
}

/// Another name an unnamed expression may get (Kusto names `tostring(X)` after `X` in some
/// places).
fn fallback_name(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Call { args, .. } => args.first().and_then(|a| expr_name(a).or_else(|| fallback_name(a))),
        _ => None,
    }
}

/// Kusto's names for unnamed aggregates: `count_`, `dcount_X`, `max_X`, `set_X` ...
fn aggregate_name(e: &Expr) -> Option<String> {
    let ExprKind::Call { func, args } = &e.kind else {
        return expr_name(e);
    };
    let canon = canonical(&func.name);
    let prefix = match canon {
        "make_set" | "make_set_if" => "set",
        "make_list" | "make_list_if" => "list",
        "make_bag" | "make_bag_if" => "bag",
        "take_any" => "any",
        other => other,
    };
    let arg = args.first().and_then(expr_name);
    Some(match (canon, arg) {
        ("count" | "countif", _) => format!("{prefix}_"),
        ("percentile" | "percentiles", Some(a)) => {
            let p = args.get(1).map(|p| match &p.kind {
                ExprKind::Literal(Literal::Long(Some(v))) => v.to_string(),
                ExprKind::Literal(Literal::Real(Some(v))) => v.to_string().replace('.', "_"),
                _ => String::new(),
            });
            format!("{prefix}_{a}_{}", p.unwrap_or_default())
        }
        (_, Some(a)) => format!("{prefix}_{a}"),
        (_, None) => format!("{prefix}_"),
    })
}

/// The function a legacy alias stands for.
fn canonical(name: &str) -> &str {
    match name {
        "makeset" => "make_set",
        "makelist" => "make_list",
        "makebag" => "make_bag",
        "any" => "take_any",
        "anyif" => "take_anyif",
        "argmax" => "arg_max",
        "argmin" => "arg_min",
        other => other,
    }
}

fn contains_aggregate(e: &Expr) -> bool {
    let mut found = false;
    visit(e, &mut |x| {
        if let ExprKind::Call { func, .. } = &x.kind
            && functions::lookup(&func.name).is_some_and(|f| f.kind == FnKind::Aggregate)
        {
            found = true;
        }
    });
    found
}

fn add_unique(out: &mut Columns, name: &str, t: Type) {
    if out.cols.iter().any(|(n, _)| n == name) {
        let mut i = 1;
        while out.cols.iter().any(|(n, _)| *n == format!("{name}{i}")) {
            i += 1;
        }
        out.cols.push((format!("{name}{i}"), t));
    } else {
        out.cols.push((name.to_string(), t));
    }
}

fn merge_column(out: &mut Columns, name: &str, t: Type) {
    match out.cols.iter_mut().find(|(n, _)| n == name) {
        Some(c) if c.1 != t => c.1 = Type::Unknown,
        Some(_) => {}
        None => out.cols.push((name.to_string(), t)),
    }
}

fn declared_columns(decl: Option<&[ColumnDecl]>) -> Columns {
    match decl {
        Some(cols) => Columns {
            cols: cols.iter().map(|c| (c.name.name.clone(), c.ty)).collect(),
            ..Columns::default()
        },
        None => Columns::open(),
    }
}

/// `Device*Events` matches `DeviceProcessEvents`.
fn wildcard(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(j) => rest = &rest[j + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// Calls `f` on `e` and every sub-expression (not into sub-queries' operators). Iterative, so
/// long `and`/`or` chains need no deep recursion.
fn visit(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        f(e);
        match &e.kind {
            ExprKind::Call { args, .. } => stack.extend(args.iter()),
            ExprKind::Named { value, .. } => stack.push(value),
            ExprKind::Member { target, .. } => stack.push(target),
            ExprKind::Index { target, index } => {
                stack.push(target);
                stack.push(index);
            }
            ExprKind::Unary { operand, .. } => stack.push(operand),
            ExprKind::Binary { lhs, rhs, .. } => {
                stack.push(lhs);
                stack.push(rhs);
            }
            ExprKind::Logical { terms, .. } => stack.extend(terms.iter()),
            ExprKind::Between { value, low, high, .. } => {
                stack.push(value);
                stack.push(low);
                stack.push(high);
            }
            ExprKind::List { value, items, .. } => {
                stack.push(value);
                stack.extend(items.iter());
            }
            ExprKind::Paren(inner) => stack.push(inner),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(q: &str) -> Vec<String> {
        check_with(q, Schema::advanced_hunting(), &CheckOptions::default())
            .into_iter()
            .filter(|d| d.is_error())
            .map(|d| d.message)
            .collect()
    }

    fn clean(q: &str) {
        let e = errors(q);
        assert!(e.is_empty(), "{q}: {e:?}");
    }

    #[test]
    fn resolves_columns_through_operators() {
        clean(
            "DeviceProcessEvents | where Timestamp > ago(1h) | summarize count(), dcount(DeviceId), max(Timestamp) by DeviceName | where count_ > 1 and dcount_DeviceId > 1 and max_Timestamp > ago(1h)",
        );
        clean(
            "DeviceProcessEvents | join kind=inner (DeviceNetworkEvents | where Timestamp > ago(1h)) on DeviceId | project DeviceName1, Timestamp1, RemoteIP",
        );
        clean(
            "let T = DeviceInfo | project DeviceId, DeviceName; T | extend x = 1 | project-rename Name = DeviceName | project Name, x",
        );
        clean("DeviceProcessEvents | summarize arg_max(Timestamp, *) by DeviceId | project FileName, Timestamp");
        clean("DeviceProcessEvents | parse ProcessCommandLine with * \"-p \" Port:long \" \" * | where Port > 10");
        clean(
            "DeviceProcessEvents | mv-expand x = split(ProcessCommandLine, \" \") to typeof(string) | where x has \"a\"",
        );
        clean("DeviceProcessEvents | invoke FileProfile(SHA1, 1000) | where GlobalPrevalence < 5");
    }

    #[test]
    fn reports_what_kusto_refuses() {
        let e = errors("DeviceProcessEvents | where FileNmae == \"x\"");
        assert_eq!(
            e,
            ["unknown column 'FileNmae' in DeviceProcessEvents, did you mean 'FileName'?"]
        );
        assert!(errors("DeviceProcessEvent | take 1")[0].starts_with("unknown table 'DeviceProcessEvent'"));
        assert!(errors("DeviceNetworkEvents | where RemotePort == \"443\"").is_empty());
        assert!(
            errors("DeviceNetworkEvents | where RemotePort in~ (\"80\")")[0]
                .contains("`in~` works on strings, but this is a int")
        );
        assert!(
            errors("DeviceInfo | where Timestamp > \"2024-01-01\"")[0]
                .contains("cannot compare a datetime with a string by order")
        );
        assert!(
            errors("DeviceInfo | where tolowercase(DeviceName) == \"x\"")[0].contains("unknown function 'tolowercase'")
        );
        assert!(errors("DeviceInfo | where Timestamp > ago(\"7d\")")[0].starts_with("ago(): argument 1"));
        assert!(errors("DeviceInfo | extend m = max(Timestamp)")[0].contains("aggregate function"));
        assert!(
            errors("DeviceInfo | summarize by DeviceId | project DeviceName")[0]
                .contains("unknown column 'DeviceName'")
        );
    }

    #[test]
    fn time_filter_facts() {
        let a = analyze(
            "DeviceInfo | where Timestamp > ago(1h) | where Timestamp > ago(7d)",
            Schema::advanced_hunting(),
            &CheckOptions::default(),
        );
        assert!(a.has_time_filter);
        assert_eq!(a.narrowest_ago, Some(Duration::from_hours(1)));
        let a = analyze(
            "DeviceInfo | take 1",
            Schema::advanced_hunting(),
            &CheckOptions::default(),
        );
        assert!(!a.has_time_filter);
        assert!(a.diagnostics.iter().any(|d| d.message.contains("no time filter")));
        let a = analyze(
            "DeviceInfo | where Timestamp between (ago(2h) .. now())",
            Schema::advanced_hunting(),
            &CheckOptions {
                window: Some(Duration::from_hours(3)),
                window_name: None,
            },
        );
        assert!(
            a.diagnostics.iter().any(|d| d.message.contains("narrower than")),
            "{:?}",
            a.diagnostics
        );
    }
}
