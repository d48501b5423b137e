//! `mv-expand`, `mv-apply` and `parse`: operators that turn one row into several, or one
//! string into columns.

use super::*;

impl Ctx<'_> {
    pub(super) fn mv_expand(
        &mut self,
        t: &Table,
        params: &[OpParam],
        items: &[MvItem],
        limit: Option<&Expr>,
    ) -> R<Table> {
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

    pub(super) fn mv_apply(
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

    pub(super) fn parse_op(
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
}

/// The elements a value expands into: an array's, a bag's entries (as one-key bags, or
/// `[key, value]` pairs with kind=array), one null for null, the value itself otherwise.
pub(super) fn expand_value(v: Value, as_array: bool) -> Vec<Value> {
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
pub(super) fn cast_element(v: Value, ty: Type) -> Value {
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
