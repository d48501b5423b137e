//! `make-series` and `top-nested`.

use super::*;

impl Ctx<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn make_series(
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
            crate::kql::eval::scalar::bin(&Value::Long(lo), &Value::Long(step))
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

    pub(super) fn top_nested(&mut self, t: &Table, levels: &[TopNestedLevel], span: Span) -> R<Table> {
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
                .map(|vals| Arc::new(crate::kql::eval::scalar::column_of(Type::Unknown, vals)))
                .collect(),
            len,
        ))
    }
}
