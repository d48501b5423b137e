//! `summarize`: hash grouping (on dictionary codes for a string key) and the aggregates.
//!
//! Nulls: a null key is a group of its own; aggregates skip null values (`count()` counts
//! rows); `dcount` is exact here (Kusto's is an estimate within about 1% at its default
//! accuracy); `percentile` is the nearest rank (Kusto's is a T-Digest estimate: identical on
//! small groups, within its error on large ones).

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::Arc;

use serde_json::{Map, Value as Json};

use super::*;
use crate::kql::bind::{canonical, result_name};
use crate::kql::data::Data;
use crate::kql::functions;

/// A hashable key: a value, or a dictionary code of the one string column it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Key {
    Null,
    Bool(bool),
    Int(i64),
    Real(u64),
    Code(u32),
    Text(Arc<str>),
    Json(String),
}

pub(super) fn value_key(v: &Value) -> Key {
    match v {
        Value::Null => Key::Null,
        Value::Bool(b) => Key::Bool(*b),
        Value::Long(x) | Value::DateTime(x) | Value::TimeSpan(x) => Key::Int(*x),
        Value::Real(r) => Key::Real(if *r == 0.0 { 0 } else { r.to_bits() }),
        Value::Str(s) => Key::Text(s.clone()),
        Value::Dynamic(j) => Key::Json(j.to_string()),
    }
}

/// The key of row `r` of a vector (codes for a string column).
pub(super) fn row_key(v: &Vector, r: usize) -> Key {
    match v {
        Vector::Col(c) => match &c.data {
            Data::Str(s) => Key::Code(s.codes[r]),
            Data::Long(x) => x[r].map_or(Key::Null, Key::Int),
            _ => value_key(&c.get(r)),
        },
        Vector::Const(x, _) => value_key(x),
    }
}

/// Group ids of each row, and each group's first row, for key vectors over `len` rows.
pub(super) fn group_rows(keys: &[Vector], len: usize) -> (Vec<u32>, Vec<u32>) {
    let mut first = Vec::new();
    let mut ids = Vec::with_capacity(len);
    match keys {
        [] => {
            ids.resize(len, 0);
            first.push(0);
        }
        [Vector::Col(c)] if matches!(c.data, Data::Str(_)) => {
            let Data::Str(s) = &c.data else { unreachable!() };
            let mut group_of_code = vec![u32::MAX; s.dict.len()];
            for (r, &code) in s.codes.iter().enumerate() {
                let g = &mut group_of_code[code as usize];
                if *g == u32::MAX {
                    *g = first.len() as u32;
                    first.push(r as u32);
                }
                ids.push(*g);
            }
        }
        [single] => hash_groups(len, &mut ids, &mut first, |r| row_key(single, r)),
        many => hash_groups(len, &mut ids, &mut first, |r| {
            many.iter().map(|k| row_key(k, r)).collect::<Vec<_>>()
        }),
    }
    (ids, first)
}

fn hash_groups<K: Hash + Eq>(len: usize, ids: &mut Vec<u32>, first: &mut Vec<u32>, key: impl Fn(usize) -> K) {
    let mut map: HashMap<K, u32> = HashMap::new();
    for r in 0..len {
        let next = first.len() as u32;
        let g = *map.entry(key(r)).or_insert(next);
        if g == next {
            first.push(r as u32);
        }
        ids.push(g);
    }
}

impl Ctx<'_> {
    pub(super) fn summarize(
        &mut self,
        input: &Table,
        aggregates: &[NamedExpr],
        by: &[NamedExpr],
        span: Span,
    ) -> R<Table> {
        let mut out = Table::default();
        let mut key_vectors = Vec::new();
        let mut taken: Vec<String> = Vec::new();
        let mut next_default = 0;
        let mut default_name = |taken: &[String]| loop {
            next_default += 1;
            let n = format!("Column{next_default}");
            if !taken.contains(&n) && input.index(&n).is_none() {
                return n;
            }
        };
        for b in by {
            let v = self.eval(&b.expr, input)?;
            let name = match b.names.first() {
                Some(n) => n.name.clone(),
                None => result_name(&b.expr).unwrap_or_else(|| default_name(&taken)),
            };
            taken.push(name.clone());
            key_vectors.push((name, v));
        }
        let vectors: Vec<Vector> = key_vectors.iter().map(|(_, v)| v.clone()).collect();
        let (ids, first) = group_rows(&vectors, input.len);
        // With keys, no rows make no groups; without, one group (count() of nothing is 0).
        let groups = if by.is_empty() { 1 } else { first.len() };
        let first = if by.is_empty() { vec![0] } else { first };
        for (name, v) in &key_vectors {
            let col = match v {
                Vector::Col(c) => c.gather(&first),
                Vector::Const(x, t) => Column::repeat(if *t == Type::Unknown { x.ty() } else { *t }, x, groups),
            };
            add_unique(&mut out, name, Arc::new(col));
        }
        out.len = groups;
        let grouping = Grouping { ids: &ids, groups };
        for item in aggregates {
            self.check_time(span)?;
            self.aggregate_item(input, &grouping, item, &mut out, &mut default_name, &taken)?;
        }
        Ok(out)
    }

    fn aggregate_item(
        &mut self,
        input: &Table,
        g: &Grouping,
        item: &NamedExpr,
        out: &mut Table,
        default_name: &mut dyn FnMut(&[String]) -> String,
        taken: &[String],
    ) -> R<()> {
        let e = &item.expr;
        if let ExprKind::Call { func, args } = &e.kind
            && functions::lookup_for(&func.name, true).is_some_and(|f| f.kind == functions::Kind::Aggregate)
        {
            let name = canonical(&func.name);
            let outputs = self.aggregate_call(name, &func.name, args, input, g, e.span)?;
            let several = outputs.len() > 1 || matches!(name, "arg_max" | "arg_min");
            for (j, (default, col)) in outputs.into_iter().enumerate() {
                let named = item.names.get(j).map(|n| n.name.clone());
                let n = match (named, several) {
                    (Some(n), _) => n,
                    (None, _) => default.unwrap_or_else(|| default_name(taken)),
                };
                add_unique(out, &n, Arc::new(col));
            }
            return Ok(());
        }
        // An expression over aggregates: each aggregate call becomes a column of the groups,
        // then the expression runs over those.
        let mut temps = Table {
            len: g.groups,
            ..Table::default()
        };
        let rewritten = self.lift_aggregates(e, input, g, &mut temps)?;
        let v = self.eval(&rewritten, &temps)?;
        let name = match item.names.first() {
            Some(n) => n.name.clone(),
            None => result_name(e).unwrap_or_else(|| default_name(taken)),
        };
        add_unique(out, &name, v.column(g.groups));
        Ok(())
    }

    fn lift_aggregates(&mut self, e: &Expr, input: &Table, g: &Grouping, temps: &mut Table) -> R<Expr> {
        let mut e = e.clone();
        let mut err = None;
        rewrite_calls(&mut e, &mut |call| {
            let ExprKind::Call { func, args } = &call.kind else {
                return None;
            };
            if !functions::lookup_for(&func.name, true).is_some_and(|f| f.kind == functions::Kind::Aggregate) {
                return None;
            }
            match self.aggregate_call(canonical(&func.name), &func.name, args, input, g, call.span) {
                Ok(mut cols) if !cols.is_empty() => {
                    let name = format!("__aggregate{}", temps.names.len());
                    temps.set(&name, Arc::new(cols.swap_remove(0).1));
                    Some(ExprKind::Name(Ident { name, span: call.span }))
                }
                Ok(_) => None,
                Err(x) => {
                    err = Some(x);
                    None
                }
            }
        });
        match err {
            Some(x) => Err(x),
            None => Ok(e),
        }
    }

    /// One aggregate call: its output columns, each with the name Kusto gives it unnamed.
    fn aggregate_call(
        &mut self,
        name: &str,
        written: &str,
        args: &[Expr],
        input: &Table,
        g: &Grouping,
        span: Span,
    ) -> R<Vec<(Option<String>, Column)>> {
        let default = crate::kql::bind::unnamed_call_name(written, args);
        let mut vs = Vec::new();
        for a in args {
            vs.push(match &a.kind {
                ExprKind::Star => Vector::Const(Value::Null, Type::Unknown),
                _ => self.eval(a, input)?,
            });
        }
        let arg = |i: usize| vs.get(i).cloned().unwrap_or(Vector::Const(Value::Null, Type::Unknown));
        let n = input.len;
        let one = |col: Column| Ok(vec![(default.clone(), col)]);
        match name {
            "count" => one(longs(g.count(n, |_| true))),
            "countif" => {
                let p = arg(0);
                one(longs(g.count(n, |r| p.get(r).as_bool() == Some(true))))
            }
            "dcount" | "count_distinct" | "dcountif" | "count_distinctif" => {
                let x = arg(0);
                let p = if name.ends_with("if") { Some(arg(1)) } else { None };
                let mut sets: Vec<HashSet<Key>> = vec![HashSet::new(); g.groups];
                for r in 0..n {
                    if p.as_ref().is_some_and(|p| p.get(r).as_bool() != Some(true)) {
                        continue;
                    }
                    let k = row_key(&x, r);
                    if k != Key::Null && !is_empty_key(&x, r) {
                        sets[g.ids[r] as usize].insert(k);
                    }
                }
                one(longs(sets.iter().map(|s| s.len() as i64).collect()))
            }
            "sum" | "sumif" | "avg" | "avgif" => {
                let x = arg(0);
                let p = if name.ends_with("if") { Some(arg(1)) } else { None };
                let ty = x.ty();
                let mut sums = vec![Value::Null; g.groups];
                let mut counts = vec![0i64; g.groups];
                let mut reals = vec![0f64; g.groups];
                for r in 0..n {
                    if p.as_ref().is_some_and(|p| p.get(r).as_bool() != Some(true)) {
                        continue;
                    }
                    let v = x.get(r);
                    if v.is_null() {
                        continue;
                    }
                    let gi = g.ids[r] as usize;
                    counts[gi] += 1;
                    reals[gi] += v.as_real().unwrap_or(0.0);
                    sums[gi] = if sums[gi].is_null() {
                        numeric_value(v)
                    } else {
                        super::expr::binary_value(BinOp::Add, &sums[gi], &numeric_value(v)).unwrap_or(Value::Null)
                    };
                }
                if name.starts_with("avg") {
                    let values = (0..g.groups)
                        .map(|i| {
                            if counts[i] == 0 {
                                Value::Null
                            } else {
                                Value::Real(reals[i] / counts[i] as f64)
                            }
                        })
                        .collect::<Vec<_>>();
                    one(Column::from_values(Type::Real, values))
                } else {
                    let ty = match ty {
                        Type::Int | Type::Long | Type::Bool => Type::Long,
                        Type::TimeSpan => Type::TimeSpan,
                        Type::Real | Type::Decimal => Type::Real,
                        _ => sums.iter().find(|v| !v.is_null()).map_or(Type::Long, Value::ty),
                    };
                    let values = sums
                        .into_iter()
                        .map(|v| if v.is_null() { Value::Long(0) } else { v })
                        .collect::<Vec<_>>();
                    one(Column::from_values(ty, values))
                }
            }
            "min" | "max" | "minif" | "maxif" => {
                let x = arg(0);
                let p = if name.ends_with("if") { Some(arg(1)) } else { None };
                let want_max = name.starts_with("max");
                let mut best: Vec<Value> = vec![Value::Null; g.groups];
                for r in 0..n {
                    if p.as_ref().is_some_and(|p| p.get(r).as_bool() != Some(true)) {
                        continue;
                    }
                    let v = x.get(r);
                    if v.is_null() || matches!(&v, Value::Str(s) if s.is_empty()) {
                        continue;
                    }
                    let b = &mut best[g.ids[r] as usize];
                    if b.is_null() || (v.sort_cmp(b).is_gt() == want_max && v.sort_cmp(b).is_ne()) {
                        *b = v;
                    }
                }
                one(Column::from_values(concrete(x.ty(), &best), best))
            }
            "make_set" | "make_set_if" | "make_list" | "make_list_if" | "make_list_with_nulls" => {
                let x = arg(0);
                let conditional = name.ends_with("_if");
                let p = if conditional { Some(arg(1)) } else { None };
                let limit_arg = if conditional { 2 } else { 1 };
                let limit = vs
                    .get(limit_arg)
                    .and_then(|v| v.get(0).as_long())
                    .map_or(1_048_576, |l| l.max(0) as usize);
                let set = name.starts_with("make_set");
                let keep_nulls = name == "make_list_with_nulls";
                let mut lists: Vec<Vec<Json>> = vec![Vec::new(); g.groups];
                let mut seen: Vec<HashSet<Key>> = vec![HashSet::new(); if set { g.groups } else { 0 }];
                for r in 0..n {
                    if p.as_ref().is_some_and(|p| p.get(r).as_bool() != Some(true)) {
                        continue;
                    }
                    let gi = g.ids[r] as usize;
                    if lists[gi].len() >= limit {
                        continue;
                    }
                    let v = x.get(r);
                    if v.is_null() && !keep_nulls {
                        continue;
                    }
                    if set && !seen[gi].insert(row_key(&x, r)) {
                        continue;
                    }
                    // A dynamic array's elements are added one by one (Kusto flattens them).
                    match (&v, set) {
                        (Value::Dynamic(j), _) if j.is_array() => {
                            for e in j.as_array().into_iter().flatten() {
                                if !set || !lists[gi].contains(e) {
                                    lists[gi].push(e.clone());
                                }
                            }
                        }
                        _ => lists[gi].push(v.to_json()),
                    }
                }
                one(Column::from_values(
                    Type::Dynamic,
                    lists.into_iter().map(|l| Value::dynamic(Json::Array(l))),
                ))
            }
            "make_bag" | "make_bag_if" => {
                let x = arg(0);
                let p = if name.ends_with("_if") { Some(arg(1)) } else { None };
                let mut bags: Vec<Map<String, Json>> = vec![Map::new(); g.groups];
                for r in 0..n {
                    if p.as_ref().is_some_and(|p| p.get(r).as_bool() != Some(true)) {
                        continue;
                    }
                    if let Value::Dynamic(j) = x.get(r)
                        && let Json::Object(m) = &*j
                    {
                        let bag = &mut bags[g.ids[r] as usize];
                        for (k, v) in m {
                            bag.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                    }
                }
                one(Column::from_values(
                    Type::Dynamic,
                    bags.into_iter().map(|b| Value::dynamic(Json::Object(b))),
                ))
            }
            "arg_max" | "arg_min" => {
                let by = arg(0);
                let want_max = name == "arg_max";
                let mut best: Vec<Option<u32>> = vec![None; g.groups];
                let mut best_v: Vec<Value> = vec![Value::Null; g.groups];
                for r in 0..n {
                    let v = by.get(r);
                    if v.is_null() {
                        continue;
                    }
                    let gi = g.ids[r] as usize;
                    let better = best[gi].is_none() || {
                        let o = v.sort_cmp(&best_v[gi]);
                        if want_max { o.is_gt() } else { o.is_lt() }
                    };
                    if better {
                        best[gi] = Some(r as u32);
                        best_v[gi] = v;
                    }
                }
                let prefix = if want_max { "max" } else { "min" };
                let mut outs = Vec::new();
                let mut star = false;
                for (j, a) in args.iter().enumerate() {
                    if matches!(a.kind, ExprKind::Star) {
                        star = true;
                        continue;
                    }
                    let name = match &a.kind {
                        ExprKind::Named { name, .. } => name.name.clone(),
                        ExprKind::Name(n) => n.name.clone(),
                        _ => format!("{prefix}_{}", result_name(a).unwrap_or_else(|| format!("arg{j}"))),
                    };
                    outs.push((Some(name), vs[j].column(n).gather_opt(&best)));
                }
                if star {
                    for (cname, c) in input.names.iter().zip(&input.columns) {
                        if outs.iter().any(|(n, _)| n.as_deref() == Some(cname)) {
                            continue;
                        }
                        outs.push((Some(format!("{STAR}{cname}")), c.gather_opt(&best)));
                    }
                }
                Ok(outs)
            }
            "take_any" | "take_anyif" => {
                let conditional = name.ends_with("if");
                let p = if conditional { Some(arg(1)) } else { None };
                let values: &[Expr] = if conditional { &args[..1.min(args.len())] } else { args };
                let mut pick: Vec<Option<u32>> = vec![None; g.groups];
                for r in 0..n {
                    let gi = g.ids[r] as usize;
                    if pick[gi].is_some() || p.as_ref().is_some_and(|p| p.get(r).as_bool() != Some(true)) {
                        continue;
                    }
                    // take_any of one value prefers a non-null one.
                    if values.len() == 1 && !matches!(values[0].kind, ExprKind::Star) && vs[0].get(r).is_empty() {
                        continue;
                    }
                    pick[gi] = Some(r as u32);
                }
                let legacy = written == "any";
                let mut outs = Vec::new();
                for (j, a) in values.iter().enumerate() {
                    if matches!(a.kind, ExprKind::Star) {
                        for (cname, c) in input.names.iter().zip(&input.columns) {
                            let n = if legacy {
                                format!("any_{cname}")
                            } else {
                                format!("{STAR}{cname}")
                            };
                            outs.push((Some(n), c.gather_opt(&pick)));
                        }
                        continue;
                    }
                    let name = if values.len() == 1 && !legacy {
                        default.clone().or_else(|| result_name(a))
                    } else {
                        match &a.kind {
                            ExprKind::Name(n) if !legacy => Some(n.name.clone()),
                            _ => Some(format!("any_{}", result_name(a).unwrap_or_default())),
                        }
                    };
                    outs.push((name, vs[j].column(n).gather_opt(&pick)));
                }
                Ok(outs)
            }
            "percentile" | "percentiles" | "percentile_array" => {
                let x = arg(0);
                let mut values: Vec<Vec<Value>> = vec![Vec::new(); g.groups];
                for r in 0..n {
                    let v = x.get(r);
                    if !v.is_null() {
                        values[g.ids[r] as usize].push(v);
                    }
                }
                for v in &mut values {
                    v.sort_by(Value::sort_cmp);
                }
                let base = result_name(&args[0]).unwrap_or_default();
                let mut outs = Vec::new();
                let ps: Vec<(f64, String)> = args[1..]
                    .iter()
                    .zip(&vs[1..])
                    .map(|(e, v)| {
                        let p = v.get(0).as_real().unwrap_or(50.0);
                        let label = match &e.kind {
                            ExprKind::Literal(Literal::Real(Some(r))) => r.to_string().replace('.', "_"),
                            _ => format!("{p}").replace('.', "_"),
                        };
                        (p, label)
                    })
                    .collect();
                if name == "percentile_array" {
                    let arrays = values.iter().map(|v| {
                        Value::dynamic(Json::Array(
                            ps.iter().map(|(p, _)| nearest_rank(v, *p).to_json()).collect(),
                        ))
                    });
                    return one(Column::from_values(Type::Dynamic, arrays));
                }
                for (p, label) in &ps {
                    let col = values.iter().map(|v| nearest_rank(v, *p)).collect::<Vec<_>>();
                    let default_name = Some(format!("percentile_{base}_{label}"));
                    outs.push((default_name, Column::from_values(concrete(x.ty(), &col), col)));
                }
                Ok(outs)
            }
            "stdev" | "stdevif" | "stdevp" | "variance" | "varianceif" | "variancep" => {
                let x = arg(0);
                let p = if name.ends_with("if") { Some(arg(1)) } else { None };
                let mut acc = vec![(0f64, 0f64, 0f64); g.groups];
                for r in 0..n {
                    if p.as_ref().is_some_and(|p| p.get(r).as_bool() != Some(true)) {
                        continue;
                    }
                    if let Some(v) = x.get(r).as_real() {
                        let a = &mut acc[g.ids[r] as usize];
                        a.0 += 1.0;
                        a.1 += v;
                        a.2 += v * v;
                    }
                }
                let population = name.ends_with('p');
                let values = acc.iter().map(|(c, s, q)| {
                    let denom = if population { *c } else { c - 1.0 };
                    if *c == 0.0 || denom <= 0.0 {
                        return Value::Real(0.0);
                    }
                    let var = ((q - s * s / c) / denom).max(0.0);
                    Value::Real(if name.starts_with("stdev") { var.sqrt() } else { var })
                });
                one(Column::from_values(Type::Real, values))
            }
            other => Err(EvalError::unsupported(span, format!("the aggregate {other}()"))),
        }
    }
}

/// The marker of a column added by `*` (dropped when a column of its name already exists).
const STAR: &str = "\u{1}*";

/// Adds a column, suffixing a taken name (`Name1`, ...); a `*` column whose name is taken is
/// left out (`arg_max(Timestamp, *) by DeviceId` has one DeviceId and one Timestamp).
fn add_unique(out: &mut Table, name: &str, col: Arc<Column>) {
    if let Some(star) = name.strip_prefix(STAR) {
        if out.index(star).is_none() {
            out.names.push(star.to_string());
            out.columns.push(col);
        }
        return;
    }
    let mut unique = name.to_string();
    let mut i = 0;
    while out.index(&unique).is_some() {
        i += 1;
        unique = format!("{name}{i}");
    }
    out.names.push(unique);
    out.columns.push(col);
}

pub(super) struct Grouping<'a> {
    pub ids: &'a [u32],
    pub groups: usize,
}

impl Grouping<'_> {
    fn count(&self, n: usize, keep: impl Fn(usize) -> bool) -> Vec<i64> {
        let mut counts = vec![0i64; self.groups];
        for r in 0..n {
            if keep(r) {
                counts[self.ids[r] as usize] += 1;
            }
        }
        counts
    }
}

fn longs(v: Vec<i64>) -> Column {
    Column {
        ty: Type::Long,
        data: Data::Long(v.into_iter().map(Some).collect()),
    }
}

fn is_empty_key(v: &Vector, r: usize) -> bool {
    matches!(v, Vector::Col(c) if matches!(&c.data, Data::Str(s) if s.codes[r] == 0))
}

fn numeric_value(v: Value) -> Value {
    match v {
        Value::Dynamic(_) | Value::Str(_) => match v.as_long() {
            Some(i) if v.as_real() == Some(i as f64) => Value::Long(i),
            _ => v.as_real().map_or(Value::Null, Value::Real),
        },
        Value::Bool(b) => Value::Long(i64::from(b)),
        other => other,
    }
}

fn concrete(ty: Type, values: &[Value]) -> Type {
    if ty == Type::Unknown {
        values.iter().find(|v| !v.is_null()).map_or(Type::Dynamic, Value::ty)
    } else {
        ty
    }
}

fn nearest_rank(sorted: &[Value], p: f64) -> Value {
    if sorted.is_empty() {
        return Value::Null;
    }
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    sorted[rank.clamp(1, n) - 1].clone()
}

/// Replaces, outermost first, every call `f` maps to a new expression.
fn rewrite_calls(e: &mut Expr, f: &mut dyn FnMut(&Expr) -> Option<ExprKind>) {
    if let Some(k) = f(e) {
        e.kind = k;
        return;
    }
    match &mut e.kind {
        ExprKind::Call { args, .. } => args.iter_mut().for_each(|a| rewrite_calls(a, f)),
        ExprKind::Named { value, .. } | ExprKind::Paren(value) => rewrite_calls(value, f),
        ExprKind::Member { target, .. } => rewrite_calls(target, f),
        ExprKind::Index { target, index } => {
            rewrite_calls(target, f);
            rewrite_calls(index, f);
        }
        ExprKind::Unary { operand, .. } => rewrite_calls(operand, f),
        ExprKind::Binary { lhs, rhs, .. } => {
            rewrite_calls(lhs, f);
            rewrite_calls(rhs, f);
        }
        ExprKind::Logical { terms, .. } => terms.iter_mut().for_each(|t| rewrite_calls(t, f)),
        ExprKind::Between { value, low, high, .. } => {
            rewrite_calls(value, f);
            rewrite_calls(low, f);
            rewrite_calls(high, f);
        }
        ExprKind::List { value, items, .. } => {
            rewrite_calls(value, f);
            items.iter_mut().for_each(|t| rewrite_calls(t, f));
        }
        _ => {}
    }
}
