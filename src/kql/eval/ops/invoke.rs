//! `evaluate` (pivot, bag_unpack, ...) and `invoke`, with Defender's built-in invoked functions
//! (`FileProfile()`, `DeviceFromIP()`, `SeenBy()`).

use super::*;

impl Ctx<'_> {
    pub(super) fn evaluate(&mut self, t: &Table, call: &Expr, span: Span) -> R<Table> {
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
                    let mut index: HashMap<Vec<crate::kql::eval::aggregate::Key>, usize> = HashMap::new();
                    let skeys: Vec<Vector> = s.columns[..by.len()].iter().map(|c| Vector::Col(c.clone())).collect();
                    for r in 0..s.len {
                        index.insert(
                            skeys
                                .iter()
                                .map(|k| crate::kql::eval::aggregate::value_key(&k.get(r)))
                                .collect(),
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
                            let k: Vec<_> = bkeys
                                .iter()
                                .map(|k| crate::kql::eval::aggregate::value_key(&k.get(r)))
                                .collect();
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

    /// `| invoke F(...)`: a built-in function that adds columns, or a let-bound function whose
    /// first parameter is the input table.
    pub(super) fn invoke(&mut self, t: Arc<Table>, call: &Expr, span: Span) -> R<Table> {
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

pub(super) fn expr_mentions(e: &Expr, name: &str) -> bool {
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

/// `| invoke FileProfile()`, `DeviceFromIP()`, `SeenBy()`: the input with the function's
/// columns added (null where the tenant has no data for a row).
pub(super) fn builtin_invoke(ctx: &mut Ctx, t: &Arc<Table>, name: &str, args: &[Expr], span: Span) -> R<Table> {
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
                    if let Value::Dynamic(j) = crate::kql::eval::scalar::parse_json(&ips.get(r))
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

pub(super) fn unique_name(t: &Table, name: &str) -> String {
    let mut n = name.to_string();
    let mut i = 0;
    while t.index(&n).is_some() {
        i += 1;
        n = format!("{name}{i}");
    }
    n
}
