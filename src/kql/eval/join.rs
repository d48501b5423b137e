//! `join` and `lookup`: hash joins on key ids shared by both sides.
//!
//! Kusto's default kind is `innerunique`: the left side is deduplicated on the join key (one
//! arbitrary row per key; graphsoar keeps the first) before an inner join. A right column whose
//! name the left already has is suffixed (`DeviceId1`, then `DeviceId2` ...), key columns
//! included. Null keys match nothing.

use std::collections::HashMap;
use std::sync::Arc;

use super::aggregate::{Key, value_key};
use super::*;
use crate::kql::data::Data;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    InnerUnique,
    Inner,
    LeftOuter,
    RightOuter,
    FullOuter,
    LeftSemi,
    LeftAnti,
    RightSemi,
    RightAnti,
}

fn kind_of(params: &[OpParam], default: Kind, span: Span) -> R<Kind> {
    let Some(p) = params.iter().find(|p| p.name.name == "kind") else {
        return Ok(default);
    };
    let word = match &p.value.kind {
        ExprKind::Name(n) => n.name.as_str(),
        _ => "",
    };
    Ok(match word {
        "innerunique" => Kind::InnerUnique,
        "inner" => Kind::Inner,
        "leftouter" => Kind::LeftOuter,
        "rightouter" => Kind::RightOuter,
        "fullouter" | "outer" => Kind::FullOuter,
        "leftsemi" | "semi" => Kind::LeftSemi,
        "leftanti" | "anti" | "leftantisemi" => Kind::LeftAnti,
        "rightsemi" => Kind::RightSemi,
        "rightanti" | "rightantisemi" => Kind::RightAnti,
        other => return Err(EvalError::new(span, format!("'{other}' is not a join kind"))),
    })
}

/// The `on` clause as pairs of (left expression, right expression).
fn key_pairs(on: &[Expr], span: Span) -> R<Vec<(Expr, Expr)>> {
    fn side(e: &Expr) -> Option<(&str, Expr)> {
        match &e.kind {
            ExprKind::Member { target, name } => match &target.kind {
                ExprKind::Name(s) if s.name == "$left" || s.name == "$right" => Some((
                    s.name.as_str(),
                    Expr {
                        kind: ExprKind::Name(name.clone()),
                        span: e.span,
                    },
                )),
                _ => None,
            },
            ExprKind::Paren(inner) => side(inner),
            _ => None,
        }
    }
    let mut out = Vec::new();
    let mut stack: Vec<&Expr> = on.iter().rev().collect();
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Name(_) => out.push((e.clone(), e.clone())),
            ExprKind::Paren(inner) => stack.push(inner),
            ExprKind::Logical {
                op: LogicOp::And,
                terms,
            } => stack.extend(terms.iter().rev()),
            ExprKind::Binary {
                op: BinOp::Eq,
                lhs,
                rhs,
            } => match (side(lhs), side(rhs)) {
                (Some(("$left", l)), Some(("$right", r))) | (Some(("$right", r)), Some(("$left", l))) => {
                    out.push((l, r))
                }
                _ => {
                    return Err(EvalError::new(
                        e.span,
                        "a join condition compares $left.Column with $right.Column",
                    ));
                }
            },
            _ => {
                return Err(EvalError::new(
                    e.span,
                    "a join condition is a column or $left.A == $right.B",
                ));
            }
        }
    }
    if out.is_empty() {
        return Err(EvalError::new(span, "the join needs `on` columns"));
    }
    Ok(out)
}

/// Ids of each row's key, shared by both sides (`u32::MAX`: a null key), and how many ids.
fn key_ids(left: &[Vector], llen: usize, right: &[Vector], rlen: usize) -> (Vec<u32>, Vec<u32>, usize) {
    // One string key: map each side's dictionary entries to shared ids once.
    if let ([Vector::Col(a)], [Vector::Col(b)]) = (left, right)
        && let (Data::Str(sa), Data::Str(sb)) = (&a.data, &b.data)
    {
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut la = Vec::with_capacity(sa.dict.len());
        for c in 0..sa.dict.len() as u32 {
            let next = ids.len() as u32;
            la.push(*ids.entry(sa.dict.get(c)).or_insert(next));
        }
        let mut lb = Vec::with_capacity(sb.dict.len());
        for c in 0..sb.dict.len() as u32 {
            let next = ids.len() as u32;
            lb.push(*ids.entry(sb.dict.get(c)).or_insert(next));
        }
        let n = ids.len();
        return (
            sa.codes.iter().map(|&c| la[c as usize]).collect(),
            sb.codes.iter().map(|&c| lb[c as usize]).collect(),
            n,
        );
    }
    let mut ids: HashMap<Vec<Key>, u32> = HashMap::new();
    let mut side = |keys: &[Vector], len: usize| -> Vec<u32> {
        (0..len)
            .map(|r| {
                let k: Vec<Key> = keys.iter().map(|v| value_key(&v.get(r))).collect();
                if k.contains(&Key::Null) {
                    return u32::MAX;
                }
                let next = ids.len() as u32;
                *ids.entry(k).or_insert(next)
            })
            .collect()
    };
    let l = side(left, llen);
    let r = side(right, rlen);
    let n = ids.len();
    (l, r, n)
}

/// The right side's rows by key id: the rows of id `i` are `rows[starts[i]..starts[i + 1]]`.
struct Buckets {
    starts: Vec<u32>,
    rows: Vec<u32>,
}

impl Buckets {
    fn new(ids: &[u32], n: usize) -> Buckets {
        let mut starts = vec![0u32; n + 1];
        for &id in ids {
            if id != u32::MAX {
                starts[id as usize + 1] += 1;
            }
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let mut fill = starts.clone();
        let mut rows = vec![0u32; starts[n] as usize];
        for (r, &id) in ids.iter().enumerate() {
            if id != u32::MAX {
                rows[fill[id as usize] as usize] = r as u32;
                fill[id as usize] += 1;
            }
        }
        Buckets { starts, rows }
    }

    /// The right rows of key id `id` (none for a null key).
    fn get(&self, id: u32) -> &[u32] {
        if id == u32::MAX {
            &[]
        } else {
            &self.rows[self.starts[id as usize] as usize..self.starts[id as usize + 1] as usize]
        }
    }
}

/// Both sides of a join or lookup, keyed: the right table, the `on` pairs, each side's key ids
/// and how many ids there are.
struct Keyed {
    right: Arc<Table>,
    pairs: Vec<(Expr, Expr)>,
    lid: Vec<u32>,
    rid: Vec<u32>,
    n: usize,
}

impl Ctx<'_> {
    fn keyed(&mut self, left: &Arc<Table>, right: &Expr, on: &[Expr], span: Span) -> R<Keyed> {
        let right = self.with_input(left.clone(), |ctx| ctx.tabular(right))?;
        let pairs = key_pairs(on, span)?;
        let lk = pairs.iter().map(|(l, _)| self.eval(l, left)).collect::<R<Vec<_>>>()?;
        let rk = pairs.iter().map(|(_, r)| self.eval(r, &right)).collect::<R<Vec<_>>>()?;
        let (lid, rid, n) = key_ids(&lk, left.len, &rk, right.len);
        Ok(Keyed {
            right,
            pairs,
            lid,
            rid,
            n,
        })
    }

    /// `left | join ... (right) on ...`; `count_only`: the `| count` after it, without making
    /// the joined rows.
    pub(super) fn join(
        &mut self,
        left: &Arc<Table>,
        params: &[OpParam],
        right: &Expr,
        on: &[Expr],
        span: Span,
        count_only: bool,
    ) -> R<Table> {
        let kind = kind_of(params, Kind::InnerUnique, span)?;
        let Keyed { right, lid, rid, n, .. } = self.keyed(left, right, on, span)?;
        let buckets = Buckets::new(&rid, n);
        let bucket = |id: u32| buckets.get(id);
        // innerunique: the first left row of each key only.
        let left_rows: Vec<u32> = if kind == Kind::InnerUnique {
            let mut seen = vec![false; n];
            (0..left.len as u32)
                .filter(|&r| {
                    let id = lid[r as usize];
                    id != u32::MAX && !std::mem::replace(&mut seen[id as usize], true)
                })
                .collect()
        } else {
            (0..left.len as u32).collect()
        };
        if count_only && matches!(kind, Kind::InnerUnique | Kind::Inner) {
            let total: u64 = left_rows.iter().map(|&l| bucket(lid[l as usize]).len() as u64).sum();
            return Ok(super::ops::count_table(total as usize));
        }
        let mut lidx: Vec<Option<u32>> = Vec::new();
        let mut ridx: Vec<Option<u32>> = Vec::new();
        let mut right_matched = vec![false; right.len];
        match kind {
            Kind::LeftSemi | Kind::LeftAnti => {
                let want = kind == Kind::LeftSemi;
                let keep: Vec<u32> = left_rows
                    .iter()
                    .copied()
                    .filter(|&l| bucket(lid[l as usize]).is_empty() != want)
                    .collect();
                return self.finish_count(left.gather(&keep), count_only);
            }
            Kind::RightSemi | Kind::RightAnti => {
                let mut hit = vec![false; n];
                for &l in &left_rows {
                    if lid[l as usize] != u32::MAX {
                        hit[lid[l as usize] as usize] = true;
                    }
                }
                let want = kind == Kind::RightSemi;
                let keep: Vec<u32> = (0..right.len as u32)
                    .filter(|&r| (rid[r as usize] != u32::MAX && hit[rid[r as usize] as usize]) == want)
                    .collect();
                return self.finish_count(right.gather(&keep), count_only);
            }
            _ => {}
        }
        for (i, &l) in left_rows.iter().enumerate() {
            if i % 4096 == 0 {
                self.check_time(span)?;
                self.check_rows(lidx.len(), span)?;
            }
            let matches = bucket(lid[l as usize]);
            if matches.is_empty() {
                if matches!(kind, Kind::LeftOuter | Kind::FullOuter) {
                    lidx.push(Some(l));
                    ridx.push(None);
                }
                continue;
            }
            for &r in matches {
                lidx.push(Some(l));
                ridx.push(Some(r));
                right_matched[r as usize] = true;
            }
        }
        if matches!(kind, Kind::RightOuter | Kind::FullOuter) {
            for (r, m) in right_matched.iter().enumerate() {
                if !m {
                    lidx.push(None);
                    ridx.push(Some(r as u32));
                }
            }
        }
        self.check_rows(lidx.len(), span)?;
        let out = combine(left, &lidx, &right, &ridx, &[]);
        self.finish_count(out, count_only)
    }

    fn finish_count(&self, t: Table, count_only: bool) -> R<Table> {
        Ok(if count_only { super::ops::count_table(t.len) } else { t })
    }

    /// `lookup`: a left-outer (or inner) join on a dimension table; the right side's key
    /// columns are not repeated.
    pub(super) fn lookup_op(
        &mut self,
        left: &Arc<Table>,
        params: &[OpParam],
        right: &Expr,
        on: &[Expr],
        span: Span,
    ) -> R<Table> {
        let kind = kind_of(params, Kind::LeftOuter, span)?;
        let Keyed {
            right,
            pairs,
            lid,
            rid,
            n,
        } = self.keyed(left, right, on, span)?;
        // Every matching right row, as join kind=leftouter (or inner) does.
        let buckets = Buckets::new(&rid, n);
        let mut lidx = Vec::new();
        let mut ridx = Vec::new();
        for (l, &id) in lid.iter().enumerate() {
            let matches = buckets.get(id);
            if matches.is_empty() {
                if kind != Kind::Inner {
                    lidx.push(Some(l as u32));
                    ridx.push(None);
                }
                continue;
            }
            for &m in matches {
                lidx.push(Some(l as u32));
                ridx.push(Some(m));
            }
        }
        self.check_rows(lidx.len(), span)?;
        let skip: Vec<String> = pairs
            .iter()
            .filter_map(|(_, r)| match &r.kind {
                ExprKind::Name(n) => Some(n.name.clone()),
                _ => None,
            })
            .collect();
        Ok(combine(left, &lidx, &right, &ridx, &skip))
    }
}

/// The left rows' columns, then the right rows' (a name the left has gets a number suffix);
/// right columns named in `skip` are left out.
fn combine(left: &Table, lidx: &[Option<u32>], right: &Table, ridx: &[Option<u32>], skip: &[String]) -> Table {
    let mut out = Table {
        len: lidx.len(),
        ..Table::default()
    };
    for (n, c) in left.names.iter().zip(&left.columns) {
        out.names.push(n.clone());
        out.columns.push(Arc::new(c.gather_opt(lidx)));
    }
    for (n, c) in right.names.iter().zip(&right.columns) {
        if skip.contains(n) {
            continue;
        }
        let mut name = n.clone();
        let mut i = 0;
        while out.index(&name).is_some() {
            i += 1;
            name = format!("{n}{i}");
        }
        out.names.push(name);
        out.columns.push(Arc::new(c.gather_opt(ridx)));
    }
    out
}
