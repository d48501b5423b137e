//! `summarize` (and make-series' aggregates): Kusto's output names and `arg_max(X, *)`.

use super::*;

impl Binder<'_> {
    pub(super) fn summarize(&mut self, input: &Columns, aggregates: &[NamedExpr], by: &[NamedExpr]) -> Columns {
        let mut out = input.derived();
        let row = Ctx::row(input);
        let mut namer = Namer::default();
        for item in by {
            let t = self.scalar(&item.expr, row);
            self.not_dynamic_key(&item.expr, t);
            self.assign(&mut out, item, t, input, &mut namer);
        }
        for item in aggregates {
            self.aggregate_item(input, &mut out, item, &mut namer);
        }
        out
    }

    /// One summarize aggregate: `Name = agg(...)`, `agg(...)` named by its function's rule
    /// (`count_`, `dcount_X`, `set_X`), the functions with several outputs (`arg_max(X, *)`,
    /// `take_any(A, B)`, `percentiles(X, 50, 95)`), or an expression (`Column1`).
    pub(super) fn aggregate_item(&mut self, input: &Columns, out: &mut Columns, item: &NamedExpr, namer: &mut Namer) {
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
        // The aggregates with several outputs need their arguments' types: bind those once.
        let several = |name: &str| {
            matches!(
                canonical(name),
                "arg_max"
                    | "arg_min"
                    | "take_any"
                    | "take_anyif"
                    | "percentiles"
                    | "percentile"
                    | "percentilew"
                    | "percentilesw"
            )
        };
        let (t, arg_types) = match &item.expr.kind {
            ExprKind::Call { func, args } if several(&func.name) && self.lookup_let(&func.name).is_none() => {
                match functions::lookup_for(&func.name, true) {
                    Some(def) => self.builtin_call(def, args, item.expr.span, ctx),
                    None => (self.scalar(&item.expr, ctx), Vec::new()),
                }
            }
            _ => (self.scalar(&item.expr, ctx), Vec::new()),
        };
        let arg_type = |j: usize| arg_types.get(j).copied().unwrap_or(Type::Unknown);
        let ExprKind::Call { func, args } = &item.expr.kind else {
            self.assign(out, item, t, input, namer);
            return;
        };
        match canonical(&func.name) {
            "arg_max" | "arg_min" => {
                let prefix = if func.name.starts_with("argm") {
                    &func.name[3..]
                } else {
                    &func.name[4..]
                };
                let mut outputs: Vec<(String, Type)> = Vec::new();
                for (j, a) in args.iter().enumerate() {
                    if matches!(a.kind, ExprKind::Star) {
                        continue;
                    }
                    let ty = arg_type(j);
                    let name = match &a.kind {
                        ExprKind::Named { name, .. } => name.name.clone(),
                        ExprKind::Name(n) => n.name.clone(),
                        _ => format!("{prefix}_{}", result_name(a).unwrap_or_else(|| format!("arg{j}"))),
                    };
                    outputs.push((name, ty));
                }
                for (o, n) in outputs.iter_mut().zip(item.names.iter()) {
                    o.0 = n.name.clone();
                }
                for (n, t) in outputs {
                    add_unique(out, &n, t);
                }
                if args.iter().skip(1).any(|a| matches!(a.kind, ExprKind::Star)) {
                    for (n, t) in &input.cols {
                        add_unique(out, n, *t);
                    }
                    out.open |= input.open;
                }
            }
            // `any(*)` (legacy): one `any_X` per column.
            "take_any" if func.name == "any" && args.iter().any(|a| matches!(a.kind, ExprKind::Star)) => {
                for (n, t) in &input.cols {
                    add_unique(out, &format!("any_{n}"), *t);
                }
                out.open |= input.open;
            }
            // take_any keeps its columns' names (the legacy `any(X)` is `any_X`, by its rule).
            _ if matches!(func.name.as_str(), "take_any" | "take_anyif")
                && (item.names.len() != 1 || args.len() > 1) =>
            {
                let values = if func.name.ends_with("if") {
                    &args[..1]
                } else {
                    &args[..]
                };
                for (j, a) in values.iter().enumerate() {
                    if matches!(a.kind, ExprKind::Star) {
                        for (n, t) in &input.cols {
                            add_unique(out, n, *t);
                        }
                        out.open |= input.open;
                        continue;
                    }
                    let ty = arg_type(j);
                    let name = match item.names.get(j) {
                        Some(n) => n.name.clone(),
                        None => match &a.kind {
                            ExprKind::Name(n) => n.name.clone(),
                            _ => format!("any_{}", result_name(a).unwrap_or_default()),
                        },
                    };
                    add_unique(out, &name, ty);
                }
            }
            "percentiles" | "percentile" | "percentilew" | "percentilesw" if item.names.len() != 1 => {
                let weighted = func.name.ends_with('w');
                let value = args.first().and_then(result_name).unwrap_or_default();
                let ty = arg_type(0);
                let skip = if weighted { 2 } else { 1 };
                for (j, p) in args.iter().skip(skip).enumerate() {
                    let label = match &p.kind {
                        ExprKind::Literal(Literal::Long(Some(v))) => v.to_string(),
                        ExprKind::Literal(Literal::Real(Some(v))) => v.to_string().replace('.', "_"),
                        _ => String::new(),
                    };
                    let name = match item.names.get(j) {
                        Some(n) => n.name.clone(),
                        None => format!("percentile{}_{value}_{label}", if weighted { "w" } else { "" }),
                    };
                    add_unique(out, &name, ty);
                }
            }
            _ => {
                self.assign(out, item, t, input, namer);
            }
        }
    }
}
