//! `join` and `lookup`: kinds, the `on` clause, and the collision names of the result.

use super::*;

impl Binder<'_> {
    pub(super) fn join(
        &mut self,
        left: &Columns,
        params: &[OpParam],
        right: &Expr,
        on: &[Expr],
        op: &Operator,
        lookup: bool,
    ) -> Columns {
        let kind = params
            .iter()
            .find(|p| p.name.name == "kind")
            .and_then(|p| match &p.value.kind {
                ExprKind::Name(n) => Some((n.name.clone(), n.span)),
                _ => None,
            });
        let kinds: &[&str] = if lookup {
            &["leftouter", "inner"]
        } else {
            &[
                "innerunique",
                "inner",
                "leftouter",
                "rightouter",
                "fullouter",
                "leftanti",
                "rightanti",
                "leftsemi",
                "rightsemi",
                "anti",
                "leftantisemi",
                "rightantisemi",
                "semi",
            ]
        };
        let kind_name = match &kind {
            Some((k, span)) if !kinds.contains(&k.as_str()) => {
                let hint = crate::suggest::did_you_mean(k, kinds.iter().copied());
                self.error(
                    *span,
                    format!(
                        "`{k}` is not a {} kind (one of {}){hint}",
                        op.name.name,
                        kinds.join(", ")
                    ),
                );
                "inner".to_string()
            }
            Some((k, _)) => k.clone(),
            None => (if lookup { "leftouter" } else { "innerunique" }).to_string(),
        };
        let right_cols = self.tabular(right, Ctx::none());
        if let Some(rc) = &right_cols
            && let Some(table) = &rc.unbounded
            && !lookup
        {
            self.facts.unbounded_joins.push((right.span, table.clone()));
        }
        let right_cols = right_cols.unwrap_or_else(Columns::open);
        self.join_hints(params, left, &right_cols);
        let mut keys = Vec::new();
        for cond in on {
            self.join_condition(cond, left, &right_cols, &mut keys);
        }
        let mut out = match kind_name.as_str() {
            "leftanti" | "anti" | "leftantisemi" | "leftsemi" | "semi" => left.clone(),
            "rightanti" | "rightantisemi" | "rightsemi" => right_cols.clone(),
            _ => {
                let mut out = left.clone();
                for (n, t) in &right_cols.cols {
                    if lookup && keys.contains(n) {
                        continue;
                    }
                    if out.cols.iter().any(|(x, _)| x == n) {
                        let mut i = 1;
                        while out.cols.iter().any(|(x, _)| *x == format!("{n}{i}")) {
                            i += 1;
                        }
                        out.cols.push((format!("{n}{i}"), *t));
                    } else {
                        out.cols.push((n.clone(), *t));
                    }
                }
                out.open |= right_cols.open;
                out
            }
        };
        out.source = None;
        if !matches!(kind_name.as_str(), "rightanti" | "rightantisemi" | "rightsemi") {
            out.unbounded = left.unbounded.clone();
        }
        out
    }

    /// `Col`, `$left.A == $right.B`, and `and` of those.
    /// `Col`, `$left.A == $right.B`, and `and` of those; anything else is refused, as
    /// Kusto.Language does (KS182), and so are keys of different types (KS242).
    pub(super) fn join_condition(&mut self, cond: &Expr, left: &Columns, right: &Columns, keys: &mut Vec<String>) {
        match &cond.kind {
            ExprKind::Name(n) => {
                let l = left.get(&n.name);
                let r = right.get(&n.name);
                match (l, r) {
                    (None, _) => self.side_error(n, left, "left"),
                    (_, None) => self.side_error(n, right, "right"),
                    (Some(l), Some(r)) => self.key_types(cond.span, l, r),
                }
                keys.push(n.name.clone());
            }
            ExprKind::Logical {
                op: LogicOp::And,
                terms,
            } => {
                for t in terms {
                    self.join_condition(t, left, right, keys);
                }
            }
            ExprKind::Binary {
                op: BinOp::Eq,
                lhs,
                rhs,
            } if matches!((side_of(lhs), side_of(rhs)), (Some("$left"), Some("$right")) | (Some("$right"), Some("$left"))) => {
                let l = self.side_column(lhs, left, right);
                let r = self.side_column(rhs, left, right);
                if let (Some(l), Some(r)) = (l, r) {
                    self.key_types(cond.span, l, r);
                }
                for side in [lhs, rhs] {
                    if let ExprKind::Member { target, name } = &side.kind
                        && matches!(&target.kind, ExprKind::Name(s) if s.name == "$right")
                    {
                        keys.push(name.name.clone());
                    }
                }
            }
            _ => self.error(
                cond.span,
                "a join condition is a column both sides have (`on DeviceId`) or `$left.Column == $right.Column`, joined by `and` or commas: filter with `where` before or after the join",
            ),
        }
    }

    /// Join keys must have one type (int and long count as one).
    fn key_types(&mut self, span: Span, l: Type, r: Type) {
        let known = |t: Type| !matches!(t, Type::Unknown);
        let same = l == r || (matches!(l, Type::Int | Type::Long) && matches!(r, Type::Int | Type::Long));
        if known(l) && known(r) && !same {
            self.error(
                span,
                format!("the join's keys have different types ({l} on the left, {r} on the right): convert one side first, such as with tostring(...)"),
            );
        }
    }

    fn side_column(&mut self, e: &Expr, left: &Columns, right: &Columns) -> Option<Type> {
        let ExprKind::Member { name, .. } = &e.kind else {
            return None;
        };
        let (cols, label) = match side_of(e)? {
            "$left" => (left, "left"),
            _ => (right, "right"),
        };
        match cols.get(&name.name) {
            Some(t) => Some(t),
            None => {
                self.side_error(name, cols, label);
                None
            }
        }
    }

    pub(super) fn side_error(&mut self, n: &Ident, cols: &Columns, side: &str) {
        let hint = crate::suggest::did_you_mean(&n.name, cols.names());
        self.error(
            n.span,
            format!(
                "unknown column '{}' on the {side} side of the join{}",
                n.name,
                hint.replace('`', "'")
            ),
        );
    }
}

/// `$left` or `$right` for `$left.X` / `$right.X`.
fn side_of(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Member { target, .. } => match &target.kind {
            ExprKind::Name(s) if s.name == "$left" || s.name == "$right" => Some(s.name.as_str()),
            _ => None,
        },
        _ => None,
    }
}
