//! Tabular operators and sources.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value as Json};

use super::aggregate::group_rows;
use super::*;
use crate::kql::bind::{result_name, wildcard};
use crate::kql::data::{ColumnBuilder, Data, TableBuilder};
use crate::kql::schema::FunctionKind;

/// The rows whose datetime is within `[start, end]`.
pub(super) fn window_rows(ts: &Column, start: i64, end: i64) -> Vec<u32> {
    match &ts.data {
        Data::Long(v) => v
            .iter()
            .enumerate()
            .filter(|(_, t)| t.is_some_and(|t| t >= start && t <= end))
            .map(|(i, _)| i as u32)
            .collect(),
        _ => Vec::new(),
    }
}

/// `union`: columns by name (a name the legs type differently becomes `Name_type` per type),
/// rows one leg after the other; `withsource` adds the leg's table name first.
pub(super) fn union_tables(legs: &[(String, Arc<Table>)], withsource: Option<&str>, inner: bool) -> Table {
    let mut columns: Vec<(String, Type)> = Vec::new();
    for (_, t) in legs {
        for (n, ty) in t.schema() {
            match columns.iter().position(|(c, _)| *c == n) {
                Some(i) if columns[i].1 == ty => {}
                Some(i) => {
                    let old = columns[i].1;
                    columns[i].0 = format!("{n}_{}", old.name());
                    let typed = format!("{n}_{}", ty.name());
                    if !columns.iter().any(|(c, _)| *c == typed) {
                        columns.push((typed, ty));
                    }
                }
                None => {
                    let typed = format!("{n}_{}", ty.name());
                    if !columns.iter().any(|(c, _)| *c == typed) {
                        columns.push((n, ty));
                    }
                }
            }
        }
    }
    if inner {
        columns.retain(|(n, ty)| legs.iter().all(|(_, t)| t.column(n).is_some_and(|c| c.ty == *ty)));
    }
    let len = legs.iter().map(|(_, t)| t.len).sum();
    let mut out = Table {
        len,
        ..Table::default()
    };
    if let Some(name) = withsource {
        let mut b = ColumnBuilder::new(Type::String, len);
        for (leg, t) in legs {
            for _ in 0..t.len {
                b.push_str(leg);
            }
        }
        out.names.push(name.to_string());
        out.columns.push(Arc::new(b.finish()));
    }
    for (n, ty) in &columns {
        let parts: Vec<Column> = legs
            .iter()
            .map(|(_, t)| {
                let found = t.column(n).filter(|c| c.ty == *ty).or_else(|| {
                    n.strip_suffix(&format!("_{}", ty.name()))
                        .and_then(|base| t.column(base))
                        .filter(|c| c.ty == *ty)
                });
                match found {
                    Some(c) => (**c).clone(),
                    None => Column::nulls(*ty, t.len),
                }
            })
            .collect();
        let refs: Vec<&Column> = parts.iter().collect();
        out.names.push(n.clone());
        out.columns.push(Arc::new(Column::concat(*ty, &refs)));
    }
    out
}

fn param<'p>(params: &'p [OpParam], name: &str) -> Option<&'p Expr> {
    params
        .iter()
        .find(|p| p.name.name.eq_ignore_ascii_case(name))
        .map(|p| &p.value)
}

/// A parameter's value as a word (`kind=leftouter`, `withsource=T`).
fn param_word(params: &[OpParam], name: &str) -> Option<String> {
    param(params, name).map(|e| match &e.kind {
        ExprKind::Name(n) => n.name.clone(),
        ExprKind::Literal(Literal::Str(s)) => s.clone(),
        ExprKind::Literal(Literal::Bool(Some(b))) => b.to_string(),
        ExprKind::Literal(Literal::Long(Some(v))) => v.to_string(),
        _ => String::new(),
    })
}

fn name_of(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Name(n) | ExprKind::Pattern(n) => Some(&n.name),
        ExprKind::Paren(inner) => name_of(inner),
        _ => None,
    }
}

impl Ctx<'_> {
    pub(super) fn operator(&mut self, t: Arc<Table>, op: &Operator) -> R<Arc<Table>> {
        let span = op.span;
        Ok(Arc::new(match &op.kind {
            OpKind::Where(e) => {
                let rows = self.predicate_rows(e, &t)?;
                if rows.len() == t.len {
                    return Ok(t);
                }
                t.gather(&rows)
            }
            OpKind::Project(items) => self.project(&t, items, false)?,
            OpKind::Extend(items) | OpKind::Serialize(items) => self.project(&t, items, true)?,
            OpKind::ProjectAway(items) => {
                let drop = |n: &str| items.iter().any(|e| name_of(e).is_some_and(|p| wildcard(p, n)));
                select_columns(&t, |n| !drop(n))
            }
            OpKind::ProjectKeep(items) => {
                let keep = |n: &str| items.iter().any(|e| name_of(e).is_some_and(|p| wildcard(p, n)));
                select_columns(&t, keep)
            }
            OpKind::ProjectRename(pairs) => {
                let mut out = (*t).clone();
                for (new, old) in pairs {
                    if let Some(i) = out.index(&old.name) {
                        out.names[i] = new.name.clone();
                    }
                }
                out
            }
            OpKind::ProjectReorder(items) => {
                let mut order: Vec<usize> = Vec::new();
                for e in items {
                    if let Some(p) = name_of(e) {
                        for (i, n) in t.names.iter().enumerate() {
                            if wildcard(p, n) && !order.contains(&i) {
                                order.push(i);
                            }
                        }
                    }
                }
                for i in 0..t.names.len() {
                    if !order.contains(&i) {
                        order.push(i);
                    }
                }
                Table {
                    names: order.iter().map(|&i| t.names[i].clone()).collect(),
                    columns: order.iter().map(|&i| t.columns[i].clone()).collect(),
                    len: t.len,
                }
            }
            OpKind::Summarize { aggregates, by, .. } => self.summarize(&t, aggregates, by, span)?,
            OpKind::Sort(keys) => {
                let rows = self.sorted_rows(&t, keys)?;
                t.gather(&rows)
            }
            OpKind::Top { count, by } => {
                let n = self.count_arg(count)?;
                let mut rows = self.sorted_rows(&t, std::slice::from_ref(by))?;
                rows.truncate(n);
                t.gather(&rows)
            }
            OpKind::Take(n) | OpKind::Sample(n) => {
                let n = self.count_arg(n)?;
                t.head(n)
            }
            OpKind::Distinct(items) => {
                if items.iter().any(|i| matches!(i.expr.kind, ExprKind::Star)) {
                    let keys: Vec<Vector> = t.columns.iter().map(|c| Vector::Col(c.clone())).collect();
                    let (_, first) = group_rows(&keys, t.len);
                    t.gather(&first)
                } else {
                    let projected = self.project(&t, items, false)?;
                    let keys: Vec<Vector> = projected.columns.iter().map(|c| Vector::Col(c.clone())).collect();
                    let (_, first) = group_rows(&keys, projected.len);
                    projected.gather(&first)
                }
            }
            OpKind::SampleDistinct { count, of } => {
                let n = self.count_arg(count)?;
                let v = self.eval(of, &t)?;
                let (_, mut first) = group_rows(std::slice::from_ref(&v), t.len);
                first.truncate(n);
                let name = result_name(of).unwrap_or_else(|| "Column1".into());
                Table::new(vec![name], vec![Arc::new(v.column(t.len).gather(&first))], first.len())
            }
            OpKind::Count => count_table(t.len),
            OpKind::Join { params, right, on } => self.join(&t, params, right, on, span, false)?,
            OpKind::Lookup { params, right, on } => self.lookup_op(&t, params, right, on, span)?,
            OpKind::MvExpand { params, items, limit } => self.mv_expand(&t, params, items, limit.as_ref())?,
            OpKind::MvApply {
                params,
                items,
                limit,
                body,
            } => self.mv_apply(&t, params, items, limit.as_ref(), body, span)?,
            OpKind::Parse {
                filter,
                params,
                source,
                pattern,
            } => self.parse_op(&t, *filter, params, source, pattern, span)?,
            OpKind::MakeSeries {
                aggregates,
                on,
                from,
                to,
                step,
                by,
                ..
            } => self.make_series(&t, aggregates, on, from.as_ref(), to.as_ref(), step, by, span)?,
            OpKind::TopNested(levels) => self.top_nested(&t, levels, span)?,
            OpKind::Evaluate { call, .. } => self.evaluate(&t, call, span)?,
            OpKind::Invoke(call) => self.invoke(t.clone(), call, span)?,
            OpKind::Render { .. } => return Ok(t),
            OpKind::As { name, .. } => {
                self.bind(
                    &name.name,
                    Binding::Table(Rc::new(Lazy {
                        expr: Expr {
                            kind: ExprKind::Error,
                            span,
                        },
                        value: OnceCell::from(t.clone()),
                    })),
                );
                return Ok(t);
            }
            OpKind::GetSchema => {
                let columns = [
                    ("ColumnName".to_string(), Type::String),
                    ("ColumnOrdinal".to_string(), Type::Int),
                    ("DataType".to_string(), Type::String),
                    ("ColumnType".to_string(), Type::String),
                ];
                let mut b = TableBuilder::new(&columns);
                for (i, (n, ty)) in t.schema().into_iter().enumerate() {
                    b.push_fields([
                        ("ColumnName", Json::String(n)),
                        ("ColumnOrdinal", Json::from(i)),
                        ("DataType", Json::String(dotnet_type(ty).into())),
                        ("ColumnType", Json::String(ty.name().into())),
                    ]);
                }
                b.finish()
            }
            OpKind::Union { params, tables } => {
                let mut legs = vec![(String::new(), t.clone())];
                for e in tables {
                    legs.push((leg_name(e), self.tabular(e)?));
                }
                let inner = param_word(params, "kind").as_deref() == Some("inner");
                union_tables(&legs, param_word(params, "withsource").as_deref(), inner)
            }
            OpKind::Search(pred) => self.search(&t, pred)?,
            OpKind::Partition { by, body, .. } => {
                let Some(col) = t.column(&by.name).cloned() else {
                    return Err(EvalError::new(
                        by.span,
                        format!("the column '{}' does not exist here", by.name),
                    ));
                };
                let v = Vector::Col(col);
                let (ids, first) = group_rows(std::slice::from_ref(&v), t.len);
                let mut legs = Vec::new();
                for g in 0..first.len() {
                    let rows: Vec<u32> = (0..t.len as u32).filter(|&r| ids[r as usize] == g as u32).collect();
                    let part = Arc::new(t.gather(&rows));
                    legs.push((String::new(), self.with_input(part, |ctx| ctx.tabular(body))?));
                }
                if legs.is_empty() {
                    // No partitions: the body on no rows gives the columns.
                    let none = Arc::new(t.head(0));
                    return self.with_input(none, |ctx| ctx.tabular(body));
                }
                union_tables(&legs, None, false)
            }
            OpKind::Other => {
                return Err(EvalError::unsupported(
                    op.name.span,
                    format!("the operator `{}`", op.name.name),
                ));
            }
        }))
    }

    /// Runs `f` with `input` as the implicit input of sub-queries (`(where ... )`).
    pub(super) fn with_input<T>(&mut self, input: Arc<Table>, f: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        self.inputs.push(input);
        let out = f(self);
        self.inputs.pop();
        out
    }

    fn count_arg(&mut self, e: &Expr) -> R<usize> {
        let v = self.scalar_const(e)?;
        match v.as_const().and_then(Value::as_long) {
            Some(n) => Ok(n.max(0) as usize),
            None => Err(EvalError::new(e.span, "a row count must be a number")),
        }
    }

    /// `project` (a new row of these columns) or `extend` (the input's, replaced or added).
    fn project(&mut self, t: &Table, items: &[NamedExpr], extend: bool) -> R<Table> {
        let mut out = if extend {
            t.clone()
        } else {
            Table {
                len: t.len,
                ..Table::default()
            }
        };
        let mut next = 0;
        for item in items {
            // `project Device*`: every matching column.
            if !extend
                && item.names.is_empty()
                && let ExprKind::Pattern(p) = &item.expr.kind
            {
                for (n, c) in t.names.iter().zip(&t.columns) {
                    if wildcard(&p.name, n) && out.index(n).is_none() {
                        out.names.push(n.clone());
                        out.columns.push(c.clone());
                    }
                }
                continue;
            }
            let v = if extend {
                self.eval(&item.expr, &out)?
            } else {
                self.eval(&item.expr, t)?
            };
            let col = v.column(t.len);
            if item.names.len() > 1 {
                return Err(EvalError::unsupported(
                    item.expr.span,
                    "a tuple of names in project/extend",
                ));
            }
            let name = match item.names.first() {
                Some(n) => n.name.clone(),
                None => match result_name(&item.expr) {
                    Some(n) => n,
                    None => loop {
                        next += 1;
                        let n = format!("Column{next}");
                        if out.index(&n).is_none() && t.index(&n).is_none() {
                            break n;
                        }
                    },
                },
            };
            out.set(&name, col);
        }
        Ok(out)
    }

    /// The rows in `sort` order (stable; nulls first ascending and last descending, unless
    /// `nulls first|last`).
    pub(super) fn sorted_rows(&mut self, t: &Table, keys: &[SortKey]) -> R<Vec<u32>> {
        let vs = keys.iter().map(|k| self.eval(&k.expr, t)).collect::<R<Vec<_>>>()?;
        let values: Vec<Vec<Value>> = vs.iter().map(|v| (0..t.len).map(|r| v.get(r)).collect()).collect();
        let mut rows: Vec<u32> = (0..t.len as u32).collect();
        rows.sort_by(|&a, &b| {
            for (k, col) in keys.iter().zip(&values) {
                let (x, y) = (&col[a as usize], &col[b as usize]);
                let nulls_first = k.nulls_first.unwrap_or(!k.descending);
                let o = match (x.is_null(), y.is_null()) {
                    (true, true) => std::cmp::Ordering::Equal,
                    (true, false) => {
                        if nulls_first {
                            std::cmp::Ordering::Less
                        } else {
                            std::cmp::Ordering::Greater
                        }
                    }
                    (false, true) => {
                        if nulls_first {
                            std::cmp::Ordering::Greater
                        } else {
                            std::cmp::Ordering::Less
                        }
                    }
                    _ => {
                        let o = x.sort_cmp(y);
                        if k.descending { o.reverse() } else { o }
                    }
                };
                if o.is_ne() {
                    return o;
                }
            }
            std::cmp::Ordering::Equal
        });
        Ok(rows)
    }

    fn mv_expand(&mut self, t: &Table, params: &[OpParam], items: &[MvItem], limit: Option<&Expr>) -> R<Table> {
        let limit = match limit {
            Some(e) => self.count_arg(e)?,
            None => usize::MAX,
        };
        let as_array = param_word(params, "kind")
            .or_else(|| param_word(params, "bagexpansion"))
            .as_deref()
            == Some("array");
        let index_name = param_word(params, "with_itemindex");
        let mut expanded: Vec<(String, Vec<Vec<Value>>, Type)> = Vec::new();
        for item in items {
            let v = self.eval(&item.column.expr, t)?;
            let name = match item.column.names.first() {
                Some(n) => n.name.clone(),
                None => result_name(&item.column.expr).unwrap_or_else(|| format!("Column{}", expanded.len() + 1)),
            };
            let per_row: Vec<Vec<Value>> = (0..t.len).map(|r| expand_value(v.get(r), as_array)).collect();
            expanded.push((name, per_row, item.to.unwrap_or(Type::Dynamic)));
        }
        let mut source_rows: Vec<u32> = Vec::new();
        let mut positions: Vec<usize> = Vec::new();
        for r in 0..t.len {
            let n = expanded
                .iter()
                .map(|(_, rows, _)| rows[r].len())
                .max()
                .unwrap_or(0)
                .min(limit);
            for i in 0..n {
                source_rows.push(r as u32);
                positions.push(i);
            }
        }
        self.check_rows(source_rows.len(), Span::default())?;
        let mut out = t.gather(&source_rows);
        for (name, per_row, ty) in &expanded {
            let mut b = ColumnBuilder::new(*ty, source_rows.len());
            for (&r, &i) in source_rows.iter().zip(&positions) {
                let v = per_row[r as usize].get(i).cloned().unwrap_or(Value::Null);
                // `to typeof(T)` casts, it does not parse: a value of another kind is null.
                b.push(if *ty == Type::Dynamic { v } else { cast_element(v, *ty) });
            }
            out.set(name, Arc::new(b.finish()));
        }
        if let Some(index) = index_name {
            let col = Column::from_values(Type::Long, positions.iter().map(|&i| Value::Long(i as i64)));
            out.set(&index, Arc::new(col));
        }
        Ok(out)
    }

    fn mv_apply(
        &mut self,
        t: &Table,
        params: &[OpParam],
        items: &[MvItem],
        limit: Option<&Expr>,
        body: &Expr,
        span: Span,
    ) -> R<Table> {
        let mut legs = Vec::new();
        for r in 0..t.len {
            if r % 1024 == 0 {
                self.check_time(span)?;
            }
            let one = Arc::new(t.gather(&[r as u32]));
            let expanded = self.mv_expand(&one, params, items, limit)?;
            let expanded_names: Vec<String> = expanded.names.clone();
            let result = self.with_input(Arc::new(expanded), |ctx| ctx.tabular(body))?;
            // The row's other columns join the sub-query's result.
            let mut out = Table {
                len: result.len,
                ..Table::default()
            };
            for (n, c) in one.names.iter().zip(&one.columns) {
                if result.index(n).is_none() && !expanded_names.iter().any(|e| e == n && result.index(e).is_some()) {
                    out.names.push(n.clone());
                    out.columns.push(Arc::new(c.gather(&vec![0; result.len])));
                }
            }
            for (n, c) in result.names.iter().zip(&result.columns) {
                out.names.push(n.clone());
                out.columns.push(c.clone());
            }
            legs.push((String::new(), Arc::new(out)));
        }
        if legs.is_empty() {
            return Ok(t.head(0));
        }
        Ok(union_tables(&legs, None, false))
    }

    fn parse_op(
        &mut self,
        t: &Table,
        filter: bool,
        params: &[OpParam],
        source: &Expr,
        pattern: &[ParseItem],
        span: Span,
    ) -> R<Table> {
        let kind = param_word(params, "kind").unwrap_or_else(|| "simple".into());
        let flags = param_word(params, "flags").unwrap_or_default();
        let v = self.eval(source, t)?;
        // The pattern as one regex: text literally (regex text for kind=regex), each column a
        // group; `*` skips. Simple is greedy to the next literal, relaxed lets a mismatch be null.
        let mut re = String::new();
        if flags.contains('i') || kind == "regex" && flags.contains('i') {
            re.push_str("(?i)");
        }
        if flags.contains('s') {
            re.push_str("(?s)");
        }
        let mut columns: Vec<(String, Type)> = Vec::new();
        let regex_kind = kind == "regex";
        for (i, item) in pattern.iter().enumerate() {
            match item {
                ParseItem::Text(s) => re.push_str(&if regex_kind { s.clone() } else { regex::escape(s) }),
                ParseItem::Star => re.push_str(".*?"),
                ParseItem::Column { name, ty } => {
                    let ty = ty.unwrap_or(Type::String);
                    let last = i + 1 == pattern.len();
                    let group = if regex_kind {
                        if last { "(.*)" } else { "(.*?)" }
                    } else {
                        match ty {
                            Type::Int | Type::Long => r"(-?\d+)",
                            Type::Real | Type::Decimal => r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)",
                            _ => {
                                if last {
                                    "(.*)"
                                } else {
                                    "(.*?)"
                                }
                            }
                        }
                    };
                    re.push_str(group);
                    columns.push((name.name.clone(), ty));
                }
            }
        }
        // Simple and relaxed parse match from the start of the text; regex anywhere (a regex
        // that does not compile matches nothing).
        let regex = if regex_kind {
            regex::Regex::new(&re).ok()
        } else {
            Some(
                regex::Regex::new(&format!("^{}", re.trim_start_matches("^")))
                    .or_else(|_| regex::Regex::new(&re))
                    .map_err(|e| {
                        EvalError::new(span, format!("parse's pattern is not a valid regular expression: {e}"))
                    })?,
            )
        };
        let mut builders: Vec<ColumnBuilder> = columns.iter().map(|(_, ty)| ColumnBuilder::new(*ty, t.len)).collect();
        let mut keep = Vec::new();
        for r in 0..t.len {
            let text = v.get(r).to_text();
            let caps = regex.as_ref().and_then(|x| {
                x.captures(&text)
                    .map(|c| c.iter().map(|m| m.map(|m| m.as_str().to_string())).collect::<Vec<_>>())
            });
            match caps {
                Some(groups) => {
                    keep.push(r as u32);
                    for (j, b) in builders.iter_mut().enumerate() {
                        let s = groups.get(j + 1).cloned().flatten().unwrap_or_default();
                        b.push(Value::str(s));
                    }
                }
                None => {
                    if !filter {
                        keep.push(r as u32);
                    }
                    for b in &mut builders {
                        b.push(Value::Null);
                    }
                }
            }
        }
        let mut out = t.clone();
        for ((name, _), b) in columns.iter().zip(builders) {
            out.set(name, Arc::new(b.finish()));
        }
        Ok(if filter { out.gather(&keep) } else { out })
    }

    #[allow(clippy::too_many_arguments)]
    fn make_series(
        &mut self,
        t: &Table,
        aggregates: &[(NamedExpr, Option<Expr>)],
        on: &Expr,
        from: Option<&Expr>,
        to: Option<&Expr>,
        step: &Expr,
        by: &[NamedExpr],
        span: Span,
    ) -> R<Table> {
        let axis = self.eval(on, t)?;
        let step_v = self.scalar_const(step)?.as_const().cloned().unwrap_or(Value::Null);
        let step = step_v.as_timespan().or_else(|| step_v.as_long()).filter(|s| *s > 0);
        let Some(step) = step else {
            return Err(EvalError::new(span, "make-series needs a positive step"));
        };
        let axis_values: Vec<Option<i64>> = (0..t.len).map(|r| axis.get(r).as_long()).collect();
        let lo = match from {
            Some(e) => self.scalar_const(e)?.as_const().and_then(Value::as_long),
            None => axis_values.iter().flatten().min().copied(),
        };
        let hi = match to {
            Some(e) => self.scalar_const(e)?.as_const().and_then(Value::as_long),
            None => axis_values.iter().flatten().max().map(|m| m + 1),
        };
        let (Some(lo), Some(hi)) = (lo, hi) else {
            return Ok(Table::default());
        };
        let lo = if from.is_some() {
            lo
        } else {
            super::scalar::bin(&Value::Long(lo), &Value::Long(step))
                .as_long()
                .unwrap_or(lo)
        };
        let buckets = (((hi - lo) as f64 / step as f64).ceil().max(0.0)) as usize;
        if buckets > 100_000 {
            return Err(EvalError::new(
                span,
                format!("make-series would make {buckets} points per series: use a larger step"),
            ));
        }
        // Group by keys, then by bucket inside each group: summarize over (keys, bucket).
        let mut keyed = t.clone();
        let bucket_col = Column::from_values(
            Type::Long,
            axis_values.iter().map(|a| match a {
                Some(a) if *a >= lo && *a < hi => Value::Long((a - lo) / step),
                _ => Value::Null,
            }),
        );
        keyed.set("__bucket", Arc::new(bucket_col));
        let rows: Vec<u32> = (0..keyed.len as u32)
            .filter(|&r| !keyed.columns.last().is_some_and(|c| c.get(r as usize).is_null()))
            .collect();
        let keyed = keyed.gather(&rows);
        let mut by_bucket: Vec<NamedExpr> = by.to_vec();
        by_bucket.push(NamedExpr {
            names: vec![],
            expr: Expr {
                kind: ExprKind::Name(Ident {
                    name: "__bucket".into(),
                    span,
                }),
                span,
            },
        });
        let aggs: Vec<NamedExpr> = aggregates.iter().map(|(a, _)| a.clone()).collect();
        let per_bucket = self.summarize(&keyed, &aggs, &by_bucket, span)?;
        // Now the series: one row per key, arrays per aggregate.
        let key_count = by.len();
        let key_vs: Vec<Vector> = per_bucket.columns[..key_count]
            .iter()
            .map(|c| Vector::Col(c.clone()))
            .collect();
        let (ids, first) = group_rows(&key_vs, per_bucket.len);
        let groups = if key_count == 0 {
            usize::from(per_bucket.len > 0 || t.len > 0).max(1)
        } else {
            first.len()
        };
        let bucket_idx = &per_bucket.columns[key_count];
        let mut out = Table {
            len: groups,
            ..Table::default()
        };
        for i in 0..key_count {
            out.names.push(per_bucket.names[i].clone());
            out.columns.push(Arc::new(per_bucket.columns[i].gather(&first)));
        }
        for (j, (_, default)) in aggregates.iter().enumerate() {
            let col = &per_bucket.columns[key_count + 1 + j];
            let default = match default {
                Some(d) => self.scalar_const(d)?.as_const().cloned().unwrap_or(Value::Null),
                None => Value::Long(0),
            };
            let mut series: Vec<Vec<Json>> = vec![vec![default.to_json(); buckets]; groups];
            for (r, &id) in ids.iter().enumerate() {
                let g = if key_count == 0 { 0 } else { id as usize };
                if let Some(b) = bucket_idx.get(r).as_long()
                    && (b as usize) < buckets
                {
                    series[g][b as usize] = col.get(r).to_json();
                }
            }
            out.names.push(per_bucket.names[key_count + 1 + j].clone());
            out.columns.push(Arc::new(Column::from_values(
                Type::Dynamic,
                series.into_iter().map(|s| Value::dynamic(Json::Array(s))),
            )));
        }
        let on_name = result_name(on).unwrap_or_else(|| "Column1".into());
        let axis_ty = axis.ty();
        let points: Vec<Json> = (0..buckets)
            .map(|b| {
                let x = lo + b as i64 * step;
                if axis_ty == Type::DateTime {
                    Value::DateTime(x).to_json()
                } else {
                    Json::from(x)
                }
            })
            .collect();
        out.names.push(on_name);
        out.columns.push(Arc::new(Column::repeat(
            Type::Dynamic,
            &Value::dynamic(Json::Array(points)),
            groups,
        )));
        Ok(out)
    }

    fn top_nested(&mut self, t: &Table, levels: &[TopNestedLevel], span: Span) -> R<Table> {
        // Level by level: group by this level's value within the previous levels' groups,
        // aggregate, keep the top N per parent.
        let mut current = vec![(Vec::<(String, Value)>::new(), (0..t.len as u32).collect::<Vec<u32>>())];
        let mut names: Vec<String> = Vec::new();
        for (li, level) in levels.iter().enumerate() {
            let n = match &level.count {
                Some(c) => self.count_arg(c)?,
                None => usize::MAX,
            };
            let value_name = level
                .of
                .names
                .first()
                .map(|n| n.name.clone())
                .or_else(|| result_name(&level.of.expr))
                .unwrap_or_else(|| format!("Column{}", li + 1));
            let agg_name = level
                .by
                .names
                .first()
                .map(|n| n.name.clone())
                .unwrap_or_else(|| format!("aggregated_{value_name}"));
            names.push(value_name.clone());
            names.push(agg_name.clone());
            let mut next = Vec::new();
            for (prefix, rows) in &current {
                let part = t.gather(rows);
                let v = self.eval(&level.of.expr, &part)?;
                let (ids, first) = group_rows(std::slice::from_ref(&v), part.len);
                let agg = self.summarize(
                    &part,
                    std::slice::from_ref(&level.by),
                    &[NamedExpr {
                        names: vec![Ident {
                            name: "__key".into(),
                            span,
                        }],
                        expr: level.of.expr.clone(),
                    }],
                    span,
                )?;
                let mut order: Vec<usize> = (0..agg.len).collect();
                let aggv = &agg.columns[1];
                order.sort_by(|&a, &b| aggv.get(b).sort_cmp(&aggv.get(a)));
                for &g in order.iter().take(n) {
                    let key = v.get(first[g] as usize);
                    let members: Vec<u32> = (0..part.len)
                        .filter(|&r| ids[r] as usize == g)
                        .map(|r| rows[r])
                        .collect();
                    let mut p = prefix.clone();
                    p.push((value_name.clone(), key));
                    p.push((agg_name.clone(), aggv.get(g)));
                    next.push((p, members));
                }
            }
            current = next;
        }
        let mut builders: Vec<Vec<Value>> = vec![Vec::new(); names.len()];
        for (prefix, _) in &current {
            for (i, (_, v)) in prefix.iter().enumerate() {
                builders[i].push(v.clone());
            }
        }
        let len = current.len();
        Ok(Table::new(
            names,
            builders
                .into_iter()
                .map(|vals| Arc::new(super::scalar::column_of(Type::Unknown, vals)))
                .collect(),
            len,
        ))
    }

    fn evaluate(&mut self, t: &Table, call: &Expr, span: Span) -> R<Table> {
        let ExprKind::Call { func, args } = &call.kind else {
            return Err(EvalError::new(span, "evaluate needs a plugin call"));
        };
        match func.name.as_str() {
            "bag_unpack" => {
                let Some(col) = args.first() else {
                    return Err(EvalError::new(span, "bag_unpack() needs a dynamic column"));
                };
                let prefix = match args.get(1) {
                    Some(p) => self.scalar_const(p)?.as_const().map(Value::to_text).unwrap_or_default(),
                    None => String::new(),
                };
                let v = self.eval(col, t)?;
                let mut keys: Vec<String> = Vec::new();
                let bags: Vec<Option<Map<String, Json>>> = (0..t.len)
                    .map(|r| match v.get(r) {
                        Value::Dynamic(j) => j.as_object().cloned(),
                        _ => None,
                    })
                    .collect();
                for b in bags.iter().flatten() {
                    for k in b.keys() {
                        if !keys.contains(k) {
                            keys.push(k.clone());
                        }
                    }
                }
                let mut out = t.clone();
                if let Some(name) = name_of(col)
                    && let Some(i) = out.index(name)
                {
                    out.names.remove(i);
                    out.columns.remove(i);
                }
                for k in keys {
                    let values: Vec<Value> = bags
                        .iter()
                        .map(|b| {
                            b.as_ref()
                                .and_then(|b| b.get(&k))
                                .cloned()
                                .map_or(Value::Null, Value::dynamic)
                        })
                        .collect();
                    let name = format!("{prefix}{k}");
                    if out.index(&name).is_none() {
                        out.set(&name, Arc::new(Column::from_values(Type::Dynamic, values)));
                    }
                }
                Ok(out)
            }
            "pivot" => {
                let Some(pivot) = args.first() else {
                    return Err(EvalError::new(span, "pivot() needs a column"));
                };
                let pv = self.eval(pivot, t)?;
                let (_, first) = group_rows(std::slice::from_ref(&pv), t.len);
                let pivot_values: Vec<Value> = first.iter().map(|&r| pv.get(r as usize)).collect();
                let agg = args.get(1).cloned().unwrap_or_else(|| Expr {
                    kind: ExprKind::Call {
                        func: Ident {
                            name: "count".into(),
                            span,
                        },
                        args: vec![],
                    },
                    span,
                });
                let pivot_name = name_of(pivot).unwrap_or_default().to_string();
                let by: Vec<NamedExpr> = if args.len() > 2 {
                    args[2..]
                        .iter()
                        .map(|e| NamedExpr {
                            names: vec![],
                            expr: e.clone(),
                        })
                        .collect()
                } else {
                    t.names
                        .iter()
                        .filter(|n| **n != pivot_name && !expr_mentions(&agg, n))
                        .map(|n| NamedExpr {
                            names: vec![],
                            expr: Expr {
                                kind: ExprKind::Name(Ident { name: n.clone(), span }),
                                span,
                            },
                        })
                        .collect()
                };
                let base = self.summarize(t, &[], &by, span)?;
                let mut out = base.clone();
                for pvalue in &pivot_values {
                    let rows: Vec<u32> = (0..t.len as u32)
                        .filter(|&r| pv.get(r as usize).equals(pvalue) == Some(true))
                        .collect();
                    let part = t.gather(&rows);
                    let s = self.summarize(
                        &part,
                        &[NamedExpr {
                            names: vec![],
                            expr: agg.clone(),
                        }],
                        &by,
                        span,
                    )?;
                    // Align to the base groups by key.
                    let mut index: HashMap<Vec<super::aggregate::Key>, usize> = HashMap::new();
                    let skeys: Vec<Vector> = s.columns[..by.len()].iter().map(|c| Vector::Col(c.clone())).collect();
                    for r in 0..s.len {
                        index.insert(
                            skeys.iter().map(|k| super::aggregate::value_key(&k.get(r))).collect(),
                            r,
                        );
                    }
                    let bkeys: Vec<Vector> = base.columns[..by.len()]
                        .iter()
                        .map(|c| Vector::Col(c.clone()))
                        .collect();
                    let agg_col = &s.columns[by.len()];
                    let values: Vec<Value> = (0..base.len)
                        .map(|r| {
                            let k: Vec<_> = bkeys.iter().map(|k| super::aggregate::value_key(&k.get(r))).collect();
                            index.get(&k).map_or(Value::Null, |&i| agg_col.get(i))
                        })
                        .collect();
                    out.set(&pvalue.to_text(), Arc::new(Column::from_values(agg_col.ty, values)));
                }
                Ok(out)
            }
            other => Err(EvalError::unsupported(
                func.span,
                format!("the plugin evaluate {other}()"),
            )),
        }
    }

    fn search(&mut self, t: &Table, pred: &Expr) -> R<Table> {
        // `search "term"`: a bare string is a `has` on every string column.
        if let ExprKind::Literal(Literal::Str(s)) = &pred.kind {
            let needle = s.clone();
            let mut hit = vec![false; t.len];
            for c in &t.columns {
                if let Data::Str(strs) = &c.data {
                    for (r, h) in hit.iter_mut().enumerate() {
                        if !*h && super::strings::has_term(strs.get(r), &needle) {
                            *h = true;
                        }
                    }
                } else if c.ty == Type::Dynamic {
                    for (r, h) in hit.iter_mut().enumerate() {
                        if !*h && super::strings::has_term(&c.get(r).to_text(), &needle) {
                            *h = true;
                        }
                    }
                }
            }
            let rows: Vec<u32> = (0..t.len as u32).filter(|&r| hit[r as usize]).collect();
            return Ok(t.gather(&rows));
        }
        let rows = self.predicate_rows(pred, t)?;
        Ok(t.gather(&rows))
    }

    /// `| invoke F(...)`: a built-in function that adds columns, or a let-bound function whose
    /// first parameter is the input table.
    fn invoke(&mut self, t: Arc<Table>, call: &Expr, span: Span) -> R<Table> {
        let ExprKind::Call { func, args } = &call.kind else {
            return Err(EvalError::new(span, "invoke needs a function call"));
        };
        if let Some(Binding::Function(f)) = self.lookup(&func.name).cloned() {
            let Some(first) = f.params.first() else {
                return Err(EvalError::new(
                    span,
                    format!("{}() takes no table to invoke on", func.name),
                ));
            };
            let mut scope = vec![(
                first.name.name.clone(),
                Binding::Table(Rc::new(Lazy {
                    expr: Expr {
                        kind: ExprKind::Error,
                        span,
                    },
                    value: OnceCell::from(t.clone()),
                })),
            )];
            let rest = Lambda {
                params: f.params[1..].to_vec(),
                lets: f.lets.clone(),
                result: f.result.clone(),
                span: f.span,
            };
            self.scopes.push(std::mem::take(&mut scope));
            let out = self.call_function(&rest, args, &t, span);
            self.scopes.pop();
            return match out? {
                Called::Table(x) => Ok(Arc::unwrap_or_clone(x)),
                Called::Scalar(_) => Err(EvalError::new(span, "an invoked function must return a table")),
            };
        }
        builtin_invoke(self, &t, &func.name, args, span)
    }
}

fn expr_mentions(e: &Expr, name: &str) -> bool {
    let mut found = false;
    crate::kql::bind::visit(e, &mut |x| {
        if let ExprKind::Name(n) = &x.kind
            && n.name == name
        {
            found = true;
        }
    });
    found
}

fn leg_name(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Name(n) => n.name.clone(),
        ExprKind::Paren(inner) => leg_name(inner),
        ExprKind::Pipe { source, .. } => leg_name(source),
        _ => String::new(),
    }
}

fn select_columns(t: &Table, keep: impl Fn(&str) -> bool) -> Table {
    let idx: Vec<usize> = (0..t.names.len()).filter(|&i| keep(&t.names[i])).collect();
    Table {
        names: idx.iter().map(|&i| t.names[i].clone()).collect(),
        columns: idx.iter().map(|&i| t.columns[i].clone()).collect(),
        len: t.len,
    }
}

pub(super) fn count_table(n: usize) -> Table {
    Table::new(
        vec!["Count".into()],
        vec![Arc::new(Column::from_values(Type::Long, [Value::Long(n as i64)]))],
        1,
    )
}

fn dotnet_type(ty: Type) -> &'static str {
    match ty {
        Type::Bool => "System.Boolean",
        Type::Int => "System.Int32",
        Type::Long => "System.Int64",
        Type::Real => "System.Double",
        Type::Decimal => "System.Data.SqlTypes.SqlDecimal",
        Type::String => "System.String",
        Type::DateTime => "System.DateTime",
        Type::TimeSpan => "System.TimeSpan",
        Type::Guid => "System.Guid",
        Type::Dynamic | Type::Unknown => "System.Object",
    }
}

/// The elements a value expands into: an array's, a bag's entries (as one-key bags, or
/// `[key, value]` pairs with kind=array), one null for null, the value itself otherwise.
fn expand_value(v: Value, as_array: bool) -> Vec<Value> {
    match &v {
        Value::Null => vec![Value::Null],
        Value::Dynamic(j) => match &**j {
            Json::Array(a) => a.iter().cloned().map(Value::dynamic).collect(),
            Json::Object(m) => m
                .iter()
                .map(|(k, x)| {
                    if as_array {
                        Value::dynamic(Json::Array(vec![Json::String(k.clone()), x.clone()]))
                    } else {
                        let mut one = Map::new();
                        one.insert(k.clone(), x.clone());
                        Value::dynamic(Json::Object(one))
                    }
                })
                .collect(),
            _ => vec![v.clone()],
        },
        _ => vec![v],
    }
}

/// `mv-expand ... to typeof(T)`: a cast of the element, null when its kind does not fit.
fn cast_element(v: Value, ty: Type) -> Value {
    let Value::Dynamic(j) = &v else { return v.cast(ty) };
    let fits = matches!(
        (&**j, ty),
        (
            Json::String(_),
            Type::String | Type::Guid | Type::DateTime | Type::TimeSpan
        ) | (Json::Number(_), Type::Int | Type::Long | Type::Real | Type::Decimal)
            | (Json::Bool(_), Type::Bool)
    );
    if fits { v.cast(ty) } else { Value::Null }
}

/// Builds a table from a datatable's values or externaldata's rows.
fn typed_rows(columns: &[ColumnDecl], values: impl Iterator<Item = Value>) -> Table {
    let schema: Vec<(String, Type)> = columns.iter().map(|c| (c.name.name.clone(), c.ty)).collect();
    let mut builders: Vec<ColumnBuilder> = schema.iter().map(|(_, t)| ColumnBuilder::new(*t, 0)).collect();
    let mut len = 0;
    let width = builders.len().max(1);
    for (i, v) in values.enumerate() {
        let c = i % width;
        if let Some(b) = builders.get_mut(c) {
            let ty = b.ty();
            b.push(v.cast(ty));
        }
        if c == width - 1 {
            len += 1;
        }
    }
    // A partial last row is padded with nulls.
    for b in &mut builders {
        while b.len() < len.max(b.len()) {
            b.push(Value::Null);
        }
    }
    let len = builders.iter().map(ColumnBuilder::len).max().unwrap_or(0);
    for b in &mut builders {
        while b.len() < len {
            b.push(Value::Null);
        }
    }
    Table::new(
        schema.into_iter().map(|(n, _)| n).collect(),
        builders.into_iter().map(|b| Arc::new(b.finish())).collect(),
        len,
    )
}

impl Ctx<'_> {
    pub(super) fn source(&mut self, s: &Source, span: Span) -> R<Arc<Table>> {
        Ok(Arc::new(match s {
            Source::Datatable { columns, values } => {
                let mut vals = Vec::with_capacity(values.len());
                for v in values {
                    vals.push(self.scalar_const(v)?.as_const().cloned().unwrap_or(Value::Null));
                }
                typed_rows(columns, vals.into_iter())
            }
            Source::ExternalData { columns, urls, with } => self.external_data(columns, urls, with, span)?,
            Source::Union { params, tables } => {
                let fuzzy = param_word(params, "isfuzzy").as_deref() == Some("true");
                let mut legs = Vec::new();
                for e in tables {
                    let t = match self.tabular(e) {
                        Ok(t) => t,
                        // isfuzzy=true: a leg that cannot run is left out (with a warning).
                        Err(err) if fuzzy && err.kind == ErrorKind::Semantic => {
                            self.warn(format!("union isfuzzy=true left out a leg: {}", err.message));
                            continue;
                        }
                        Err(err) => return Err(err),
                    };
                    // A wildcard leg counts as its tables (withsource names each).
                    legs.push((leg_name(e), t));
                }
                let inner = param_word(params, "kind").as_deref() == Some("inner");
                union_tables(&legs, param_word(params, "withsource").as_deref(), inner)
            }
            Source::Search { tables, predicate } | Source::Find { tables, predicate, .. } => {
                let names: Vec<String> = if tables.is_empty() {
                    self.tenant
                        .tables
                        .iter()
                        .filter(|(_, t)| t.len > 0)
                        .map(|(n, _)| n.clone())
                        .collect()
                } else {
                    tables.iter().map(leg_name).collect()
                };
                let mut legs = Vec::new();
                for n in names {
                    let t = self.named_table(&n, span)?;
                    let hit = match self.search(&t, predicate) {
                        Ok(h) => h,
                        // A leg without a column the predicate names has no match.
                        Err(e) if e.kind == ErrorKind::Semantic => continue,
                        Err(e) => return Err(e),
                    };
                    legs.push((n, Arc::new(hit)));
                }
                let source_name = match s {
                    Source::Find { params, .. } => param_word(params, "withsource").unwrap_or_else(|| "source_".into()),
                    _ => "$table".into(),
                };
                let source_name = source_name.as_str();
                let mut out = union_tables(&legs, Some(source_name), false);
                if let Source::Find {
                    project: Some(cols), ..
                } = s
                {
                    let keep: Vec<String> = cols.iter().filter_map(|c| name_of(c).map(str::to_string)).collect();
                    out = select_columns(&out, |n| n == source_name || keep.iter().any(|k| k == n));
                }
                out
            }
            Source::Print(items) => {
                let one = Table {
                    len: 1,
                    ..Table::default()
                };
                let mut out = self.project(&one, items, false)?;
                // Unnamed, print's columns are print_0, print_1 ... (by position).
                for (i, (n, item)) in out.names.iter_mut().zip(items).enumerate() {
                    if item.names.is_empty() && !matches!(item.expr.kind, ExprKind::Name(_)) {
                        *n = format!("print_{i}");
                    }
                }
                out
            }
            Source::Range { name, from, to, step } => {
                let f = self.scalar_const(from)?.as_const().cloned().unwrap_or(Value::Null);
                let t = self.scalar_const(to)?.as_const().cloned().unwrap_or(Value::Null);
                let s = self.scalar_const(step)?.as_const().cloned().unwrap_or(Value::Null);
                let ty = f.ty();
                let mut values = Vec::new();
                let mut cur = f.clone();
                loop {
                    if cur.compare(&t).is_none_or(|o| o.is_gt()) {
                        break;
                    }
                    values.push(cur.clone());
                    self.check_rows(values.len(), span)?;
                    let next = super::expr::binary_value(BinOp::Add, &cur, &s).map_err(|m| EvalError::new(span, m))?;
                    if next.compare(&cur).is_none_or(|o| !o.is_gt()) {
                        break;
                    }
                    cur = next;
                }
                let n = values.len();
                Table::new(
                    vec![name.name.clone()],
                    vec![Arc::new(Column::from_values(ty, values))],
                    n,
                )
            }
        }))
    }

    fn external_data(&mut self, columns: &[ColumnDecl], urls: &[Expr], with: &[OpParam], span: Span) -> R<Table> {
        let empty = || typed_rows(columns, std::iter::empty());
        let mut texts = Vec::new();
        for u in urls {
            let url = self.scalar_const(u)?.as_const().map(Value::to_text).unwrap_or_default();
            let file = url
                .split(['?', '#'])
                .next()
                .unwrap_or("")
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string();
            let path = self.tenant.external_dir.as_ref().map(|d| d.join(&file));
            match path.filter(|p| !file.is_empty() && !file.contains("..") && p.is_file()) {
                Some(p) => match std::fs::read_to_string(&p) {
                    Ok(t) => texts.push((file, t)),
                    Err(e) => self.warn(format!("externaldata: {} could not be read ({e}): it returned no rows", p.display())),
                },
                None => self.warn(format!(
                    "externaldata: {url} is not in the dataset's external/ folder (the local tenant never reads the network): it returned no rows"
                )),
            }
        }
        if texts.is_empty() {
            return Ok(empty());
        }
        let format = param_word(with, "format")
            .unwrap_or_else(|| "csv".into())
            .to_lowercase();
        let skip = param(with, "ignoreFirstRecord")
            .map(|e| matches!(e.kind, ExprKind::Literal(Literal::Bool(Some(true)))))
            .unwrap_or(false);
        let mut values = Vec::new();
        for (_, text) in texts {
            for (i, line) in text.lines().enumerate() {
                if (skip && i == 0) || line.trim().is_empty() {
                    continue;
                }
                let cells: Vec<Value> = match format.as_str() {
                    "json" | "multijson" => match serde_json::from_str::<Json>(line) {
                        Ok(Json::Object(m)) => columns
                            .iter()
                            .map(|c| m.get(&c.name.name).map_or(Value::Null, |j| Value::from_json(j, c.ty)))
                            .collect(),
                        _ => continue,
                    },
                    "tsv" | "tsve" => line.split('\t').map(Value::str).collect(),
                    "txt" => vec![Value::str(line)],
                    _ => split_csv(line).into_iter().map(Value::str).collect(),
                };
                for j in 0..columns.len() {
                    values.push(cells.get(j).cloned().unwrap_or(Value::Null));
                }
            }
        }
        let _ = span;
        Ok(typed_rows(columns, values.into_iter()))
    }
}

fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Defender's built-in source functions (`AssignedIPAddresses(...)`).
pub(super) fn builtin_source(ctx: &mut Ctx, name: &str, args: &[Expr], span: Span) -> R<Arc<Table>> {
    let Some(f) = crate::kql::Schema::advanced_hunting().function(name) else {
        return Err(EvalError::new(span, format!("'{name}' is not a table or a function")));
    };
    if f.kind != FunctionKind::Source {
        return Err(EvalError::new(
            span,
            format!("{name}() is used with `| invoke`, not as a table"),
        ));
    }
    let columns = f.columns.clone();
    let arg = |ctx: &mut Ctx, i: usize| -> R<Value> {
        match args.get(i) {
            Some(a) => Ok(ctx.scalar_const(a)?.as_const().cloned().unwrap_or(Value::Null)),
            None => Ok(Value::Null),
        }
    };
    match name {
        "AssignedIPAddresses" => {
            let device = arg(ctx, 0)?.to_text();
            let at = arg(ctx, 1)?.as_datetime().unwrap_or(ctx.options.now);
            let info = ctx.source_table("DeviceNetworkInfo", span)?;
            let mut b = TableBuilder::new(&columns);
            // The latest report of each adapter of the device up to `at`.
            let (Some(ts), Some(dn), Some(ips)) = (
                info.column("Timestamp"),
                info.column("DeviceName"),
                info.column("IPAddresses"),
            ) else {
                return Ok(Arc::new(b.finish()));
            };
            let did = info.column("DeviceId");
            let mut latest: Option<i64> = None;
            for r in 0..info.len {
                let matches = dn.get(r).to_text().eq_ignore_ascii_case(&device)
                    || did.is_some_and(|d| d.get(r).to_text() == device);
                if let Some(t) = ts.get(r).as_datetime()
                    && matches
                    && t <= at
                {
                    latest = Some(latest.map_or(t, |l| l.max(t)));
                }
            }
            for r in 0..info.len {
                let matches = dn.get(r).to_text().eq_ignore_ascii_case(&device)
                    || did.is_some_and(|d| d.get(r).to_text() == device);
                if !matches || ts.get(r).as_datetime() != latest || latest.is_none() {
                    continue;
                }
                if let Value::Dynamic(j) = super::scalar::parse_json(&ips.get(r))
                    && let Json::Array(a) = &*j
                {
                    for ip in a {
                        b.push_fields([
                            ("Timestamp", ts.get(r).to_json()),
                            ("IPAddress", ip.get("IPAddress").cloned().unwrap_or(Json::Null)),
                            (
                                "IPType",
                                Json::String(
                                    if ip
                                        .get("IPAddress")
                                        .and_then(Json::as_str)
                                        .is_some_and(|s| s.contains(':'))
                                    {
                                        "IPv6".into()
                                    } else {
                                        "IPv4".into()
                                    },
                                ),
                            ),
                            ("NetworkAdapterType", Json::Null),
                            ("ConnectedNetworks", Json::Null),
                        ]);
                    }
                }
            }
            Ok(Arc::new(b.finish()))
        }
        other => {
            ctx.warn(format!(
                "{other}() has no data in the local tenant: it returned no rows"
            ));
            Ok(Arc::new(Table::empty(&columns)))
        }
    }
}

/// `| invoke FileProfile()`, `DeviceFromIP()`, `SeenBy()`: the input with the function's
/// columns added (null where the tenant has no data for a row).
fn builtin_invoke(ctx: &mut Ctx, t: &Arc<Table>, name: &str, args: &[Expr], span: Span) -> R<Table> {
    let Some(f) = crate::kql::Schema::advanced_hunting().function(name) else {
        return Err(EvalError::new(
            span,
            format!("'{name}' is not a function that can be invoked"),
        ));
    };
    if f.kind != FunctionKind::Invoke {
        // `| invoke AssignedIPAddresses(...)`: a source function ignores its input.
        return Ok(Arc::unwrap_or_clone(builtin_source(ctx, name, args, span)?));
    }
    let columns = f.columns.clone();
    let params = f.params.clone();
    // The key column: the first argument (a column name) or the parameter's default.
    let key_name = match args.first().map(|a| &a.kind) {
        Some(ExprKind::Name(n)) => n.name.clone(),
        Some(ExprKind::Literal(Literal::Str(s))) => s.clone(),
        _ => params.first().and_then(|p| p.default.clone()).unwrap_or_default(),
    };
    let key = t.column(&key_name).cloned();
    let mut out = (**t).clone();
    match name {
        "FileProfile" => {
            // Profiles come from the dataset's FileProfile rows, by SHA1 or SHA256.
            let profiles = ctx.tenant.tables.get("FileProfile").cloned();
            let mut index: HashMap<String, usize> = HashMap::new();
            if let Some(p) = &profiles {
                for col in ["SHA1", "SHA256"] {
                    if let Some(c) = p.column(col) {
                        for r in 0..p.len {
                            let k = c.get(r).to_text().to_lowercase();
                            if !k.is_empty() {
                                index.entry(k).or_insert(r);
                            }
                        }
                    }
                }
            }
            if profiles.is_none() {
                ctx.warn("FileProfile(): the dataset has no file profiles, so its columns are null".into());
            }
            let rows: Vec<Option<u32>> = (0..t.len)
                .map(|r| {
                    key.as_ref()
                        .and_then(|k| index.get(&k.get(r).to_text().to_lowercase()))
                        .map(|&i| i as u32)
                })
                .collect();
            for (cname, ty) in &columns {
                if out.index(cname).is_some() && (cname == "SHA1" || cname == "SHA256") {
                    continue;
                }
                let col = match profiles.as_ref().and_then(|p| p.column(cname)) {
                    Some(c) => {
                        let g = c.gather_opt(&rows);
                        Column::concat(*ty, &[&g])
                    }
                    None => Column::nulls(*ty, t.len),
                };
                let n = unique_name(&out, cname);
                out.set(&n, Arc::new(col));
            }
        }
        "DeviceFromIP" => {
            let info = ctx.source_table("DeviceNetworkInfo", span)?;
            let mut by_ip: HashMap<String, String> = HashMap::new();
            if let (Some(ips), Some(ids)) = (info.column("IPAddresses"), info.column("DeviceId")) {
                for r in 0..info.len {
                    if let Value::Dynamic(j) = super::scalar::parse_json(&ips.get(r))
                        && let Json::Array(a) = &*j
                    {
                        for ip in a {
                            if let Some(s) = ip.get("IPAddress").and_then(Json::as_str) {
                                by_ip.insert(s.to_string(), ids.get(r).to_text());
                            }
                        }
                    }
                }
            }
            let ips: Vec<Value> = (0..t.len)
                .map(|r| key.as_ref().map_or(Value::Null, |k| k.get(r)))
                .collect();
            let devices: Vec<Value> = ips
                .iter()
                .map(|ip| {
                    by_ip
                        .get(&ip.to_text())
                        .map_or(Value::str(""), |d| Value::str(d.as_str()))
                })
                .collect();
            let n = unique_name(&out, "IP");
            if key_name != "IP" {
                out.set(&n, Arc::new(Column::from_values(Type::String, ips)));
            }
            let n = unique_name(&out, "DeviceId");
            out.set(&n, Arc::new(Column::from_values(Type::String, devices)));
        }
        _ => {
            ctx.warn(format!(
                "{name}() has no data in the local tenant: its columns are null"
            ));
            for (cname, ty) in &columns {
                let n = unique_name(&out, cname);
                out.set(&n, Arc::new(Column::nulls(*ty, t.len)));
            }
        }
    }
    Ok(out)
}

fn unique_name(t: &Table, name: &str) -> String {
    let mut n = name.to_string();
    let mut i = 0;
    while t.index(&n).is_some() {
        i += 1;
        n = format!("{name}{i}");
    }
    n
}
