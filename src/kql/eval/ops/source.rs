//! Sources: table references (with the request's time window), `union`, `datatable`,
//! `externaldata` (read from the dataset's `external/` folder), `find`, and Defender's built-in
//! source functions.

use super::*;

impl Ctx<'_> {
    pub(in crate::kql::eval) fn source(&mut self, s: &Source, span: Span) -> R<Arc<Table>> {
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
                    let next = crate::kql::eval::expr::binary_value(BinOp::Add, &cur, &s)
                        .map_err(|m| EvalError::new(span, m))?;
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

    pub(super) fn external_data(
        &mut self,
        columns: &[ColumnDecl],
        urls: &[Expr],
        with: &[OpParam],
        span: Span,
    ) -> R<Table> {
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

/// The rows whose datetime is within `[start, end]`.
pub(in crate::kql::eval) fn window_rows(ts: &Column, start: i64, end: i64) -> Vec<u32> {
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
pub(in crate::kql::eval) fn union_tables(
    legs: &[(String, Arc<Table>)],
    withsource: Option<&str>,
    inner: bool,
) -> Table {
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

/// Builds a table from a datatable's values or externaldata's rows.
pub(super) fn typed_rows(columns: &[ColumnDecl], values: impl Iterator<Item = Value>) -> Table {
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

pub(super) fn split_csv(line: &str) -> Vec<String> {
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
pub(in crate::kql::eval) fn builtin_source(ctx: &mut Ctx, name: &str, args: &[Expr], span: Span) -> R<Arc<Table>> {
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
                if let Value::Dynamic(j) = crate::kql::eval::scalar::parse_json(&ips.get(r))
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
