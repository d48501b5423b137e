//! How Kusto names unnamed columns, and small helpers over columns and expressions.

use super::*;
use crate::kql::functions::ResultName;

/// The name an unnamed expression takes in a projection, as Kusto.Language infers it
/// (`GetExpressionResultName`): a column keeps its name, `a.b` and `a['b']` become `a_b`, a call
/// follows its function's result-name rule; `None`: the projection's default (`Column1` ...).
pub(crate) fn result_name(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Paren(inner) => result_name(inner),
        ExprKind::Name(n) => Some(n.name.clone()),
        ExprKind::Member { target, name } => Some(joined(result_name(target), name.name.clone())),
        ExprKind::Index { target, index } => {
            let right = match &index.kind {
                ExprKind::Literal(Literal::Str(k)) => k.clone(),
                ExprKind::Literal(Literal::Long(Some(v))) => v.to_string(),
                _ => String::new(),
            };
            Some(joined(result_name(target), right))
        }
        ExprKind::Call { func, args } => call_result_name(&func.name, args, None),
        _ => None,
    }
}

fn joined(left: Option<String>, right: String) -> String {
    match left {
        Some(l) if !l.trim().is_empty() => format!("{l}_{right}"),
        _ => right,
    }
}

/// A call's name by its function's rule (`GetFunctionResultName`); `row` answers
/// `column_ifexists`' rule.
/// A call's name by its function's rule, outside any row (the evaluator's summarize).
pub(crate) fn unnamed_call_name(name: &str, args: &[Expr]) -> Option<String> {
    call_result_name(name, args, None)
}

pub(super) fn call_result_name(name: &str, args: &[Expr], row: Option<&Columns>) -> Option<String> {
    let arg_name = || args.first().and_then(result_name).unwrap_or_default();
    let prefixed = |prefix: Option<&str>| match prefix {
        Some(p) => Some(format!("{p}_{}", arg_name())),
        None => args.first().and_then(result_name),
    };
    match functions::result_name(name)? {
        ResultName::PrefixAndFirst(p) => {
            if args.is_empty() {
                p.map(|p| format!("{p}_"))
            } else {
                prefixed(p)
            }
        }
        ResultName::PrefixAndOnly(p) if args.len() == 1 => prefixed(p),
        ResultName::First => args.first().and_then(result_name),
        ResultName::Only if args.len() == 1 => args.first().and_then(result_name),
        ResultName::PrefixOnly(p) => Some(p.to_string()),
        ResultName::FirstValueIfColumn => match args.first().map(|a| &a.kind) {
            Some(ExprKind::Literal(Literal::Str(c))) if row.is_some_and(|r| r.get(c).is_some()) => Some(c.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The column an expression of type `ty` refers to, which a projection declares under its name:
/// a column, or a no-op conversion of one (`tostring(StringColumn)`: Kusto.Language's
/// `GetResultColumn`).
pub(super) fn column_reference(e: &Expr, ty: Type, row: &Columns) -> Option<String> {
    match &e.kind {
        ExprKind::Paren(inner) => column_reference(inner, ty, row),
        ExprKind::Name(n) if row.get(&n.name).is_some() => Some(n.name.clone()),
        ExprKind::Call { func, args } if functions::CONVERSIONS.contains(&func.name.as_str()) => {
            match args.as_slice() {
                [arg] => match &arg.kind {
                    ExprKind::Name(n) if row.get(&n.name) == Some(ty) => Some(n.name.clone()),
                    _ => None,
                },
                _ => None,
            }
        }
        _ => None,
    }
}

/// The name a computed expression takes: [`result_name`], with `column_ifexists`' rule seeing
/// the row.
pub(super) fn projected_name(e: &Expr, row: &Columns) -> Option<String> {
    match &e.kind {
        ExprKind::Paren(inner) => projected_name(inner, row),
        ExprKind::Call { func, args } => call_result_name(&func.name, args, Some(row)),
        _ => result_name(e),
    }
}

/// Default names of one projection: `Column1`, `Column2` ..., skipping names in use; and
/// whether the projection extends its input (its columns replace) or builds a new row.
#[derive(Default)]
pub(super) struct Namer {
    next: usize,
    pub(super) extend: bool,
    /// The names this projection declared (an `extend` may not declare one twice).
    pub(super) declared: Vec<String>,
    /// Whether its expressions are keys (`distinct`), which cannot be dynamic.
    pub(super) keys: bool,
}

impl Namer {
    pub(super) fn extending() -> Namer {
        Namer {
            extend: true,
            ..Namer::default()
        }
    }

    pub(super) fn keys() -> Namer {
        Namer {
            keys: true,
            ..Namer::default()
        }
    }

    pub(super) fn default_name(&mut self, input: &Columns, out: &Columns) -> String {
        loop {
            self.next += 1;
            let name = format!("Column{}", self.next);
            // Listed columns only: an open row would claim every name.
            let taken = |c: &Columns| c.cols.iter().any(|(n, _)| *n == name);
            if !taken(input) && !taken(out) {
                return name;
            }
        }
    }
}

/// The function a legacy alias stands for.
pub(crate) fn canonical(name: &str) -> &str {
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

pub(super) fn contains_aggregate(e: &Expr) -> bool {
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

/// Adds a column, suffixing its name (`Name1`, `Name2` ...) when the name is taken; returns the
/// name it got.
pub(super) fn add_unique(out: &mut Columns, name: &str, t: Type) -> String {
    let mut unique = name.to_string();
    let mut i = 0;
    while out.cols.iter().any(|(n, _)| *n == unique) {
        i += 1;
        unique = format!("{name}{i}");
    }
    out.cols.push((unique.clone(), t));
    unique
}

/// Adds a union leg's column: a name the legs give different types becomes one column per type,
/// `Name_string`, `Name_dynamic` (Kusto's union).
pub(super) fn merge_column(out: &mut Columns, name: &str, t: Type) {
    let typed = |ty: Type| format!("{name}_{}", ty.name());
    match out.cols.iter().position(|(n, _)| n == name) {
        Some(i) if out.cols[i].1 == t || t == Type::Unknown => {}
        Some(i) => {
            let old = out.cols[i].1;
            out.cols[i].0 = typed(old);
            out.cols.push((typed(t), t));
        }
        None if out.cols.iter().any(|(n, _)| {
            n.strip_prefix(name)
                .is_some_and(|r| r.starts_with('_') && Type::parse(&r[1..]).is_some())
        }) =>
        {
            if out.get(&typed(t)).is_none() {
                out.cols.push((typed(t), t));
            }
        }
        None => out.cols.push((name.to_string(), t)),
    }
}

pub(super) fn declared_columns(decl: Option<&[ColumnDecl]>) -> Columns {
    match decl {
        Some(cols) => Columns {
            cols: cols.iter().map(|c| (c.name.name.clone(), c.ty)).collect(),
            ..Columns::default()
        },
        None => Columns::open(),
    }
}

/// `Device*Events` matches `DeviceProcessEvents`.
pub(crate) fn wildcard(pattern: &str, name: &str) -> bool {
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
pub(crate) fn visit(e: &Expr, f: &mut dyn FnMut(&Expr)) {
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

/// ", did you mean 'X'?" for a near name, else `otherwise` (what to do).
pub(super) fn hint<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>, otherwise: &str) -> String {
    match crate::suggest::closest(word, candidates) {
        Some(c) => format!(", did you mean '{c}'?"),
        None => otherwise.to_string(),
    }
}

/// Functions whose result is several columns (Kusto.Language's tuple results): their column
/// suffixes; unnamed, the columns are `{function}_{argument}_{suffix}`.
pub(super) fn tuple_outputs(function: &str) -> Option<&'static [&'static str]> {
    Some(match function {
        "series_fit_line" => &["rsquare", "slope", "variance", "rvariance", "interception", "line_fit"],
        "series_fit_2lines" => &[
            "rsquare",
            "split_idx",
            "variance",
            "rvariance",
            "line_fit",
            "right_rsquare",
            "right_slope",
            "right_interception",
            "right_variance",
            "right_rvariance",
            "left_rsquare",
            "left_slope",
            "left_interception",
            "left_variance",
            "left_rvariance",
        ],
        "series_fit_poly" => &["rsquare", "coefficients", "variance", "rvariance", "poly_fit"],
        "series_stats" => &["min", "min_idx", "max", "max_idx", "avg", "stdev", "variance"],
        "series_decompose" => &["baseline", "seasonal", "trend", "residual"],
        "series_decompose_anomalies" => &["ad_flag", "ad_score", "baseline"],
        "series_periods_detect" | "series_periods_validate" => &["periods", "scores"],
        _ => return None,
    })
}
