//! Tabular operators and sources: the operator dispatch, `project`/`extend`, `sort` and
//! `search` here; sources and `union` in [`source`], `mv-expand`/`mv-apply`/`parse` in
//! [`expand`], `make-series`/`top-nested` in [`series`], `evaluate`/`invoke` in [`invoke`].

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value as Json};

use super::aggregate::group_rows;
use super::*;
use crate::kql::bind::{result_name, wildcard};
use crate::kql::data::{ColumnBuilder, Data, TableBuilder};
use crate::kql::schema::FunctionKind;

mod expand;
mod invoke;
mod series;
mod source;

pub(super) use source::{builtin_source, union_tables, window_rows};

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
