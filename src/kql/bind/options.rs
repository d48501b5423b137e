//! Operator options checked as Kusto.Language checks them: `hint.*` of summarize and join, and
//! `render`'s `with (...)` properties.

use super::*;

/// What an option's value must be.
#[derive(Clone, Copy)]
enum Value {
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// A column of the input (the right side's too, for a join).
    Column,
    /// One or more columns, in parentheses or alone.
    Columns,
    /// A string literal.
    Text,
    /// A whole number.
    Number,
    /// A number, datetime or timespan literal.
    Summable,
    Bool,
}

const SUMMARIZE_HINTS: &[(&str, Value)] = &[
    ("hint.shufflekey", Value::Column),
    ("hint.strategy", Value::OneOf(&["shuffle"])),
    ("hint.num_partitions", Value::Number),
];

const JOIN_HINTS: &[(&str, Value)] = &[
    (
        "hint.strategy",
        Value::OneOf(&["auto", "broadcast", "centralized", "shuffle"]),
    ),
    (
        "hint.remote",
        Value::OneOf(&["auto", "left", "local", "right", "unresolved"]),
    ),
    ("hint.shufflekey", Value::Column),
    ("hint.num_partitions", Value::Number),
    ("hint.concurrency", Value::Number),
    ("hint.spread", Value::Number),
];

const RENDER_PROPERTIES: &[(&str, Value)] = &[
    ("title", Value::Text),
    ("xtitle", Value::Text),
    ("ytitle", Value::Text),
    ("xcolumn", Value::Column),
    ("ycolumns", Value::Columns),
    ("series", Value::Columns),
    ("anomalycolumns", Value::Columns),
    (
        "kind",
        Value::OneOf(&["default", "unstacked", "stacked", "stacked100", "map"]),
    ),
    ("xaxis", Value::OneOf(&["linear", "log"])),
    ("yaxis", Value::OneOf(&["linear", "log"])),
    ("legend", Value::OneOf(&["visible", "hidden"])),
    ("ysplit", Value::OneOf(&["none", "axes", "panels"])),
    ("accumulate", Value::Bool),
    ("ymin", Value::Summable),
    ("ymax", Value::Summable),
    ("xmin", Value::Summable),
    ("xmax", Value::Summable),
];

impl Binder<'_> {
    /// `summarize`'s `hint.*` options.
    pub(super) fn summarize_hints(&mut self, params: &[OpParam], input: &Columns) {
        self.options(params, SUMMARIZE_HINTS, "summarize hint", &[input]);
    }

    /// `join`'s and `lookup`'s `hint.*` options (`kind` is checked with the join).
    pub(super) fn join_hints(&mut self, params: &[OpParam], left: &Columns, right: &Columns) {
        let hints: Vec<OpParam> = params.iter().filter(|p| p.name.name != "kind").cloned().collect();
        self.options(&hints, JOIN_HINTS, "join hint", &[left, right]);
    }

    /// `render`'s properties, `with (title = "...", kind = stacked, ...)`.
    pub(super) fn render_properties(&mut self, with: &[OpParam], input: &Columns) {
        self.options(with, RENDER_PROPERTIES, "render property", &[input]);
    }

    fn options(&mut self, params: &[OpParam], known: &[(&str, Value)], what: &str, rows: &[&Columns]) {
        for p in params {
            let Some((_, value)) = known.iter().find(|(n, _)| n.eq_ignore_ascii_case(&p.name.name)) else {
                let names: Vec<&str> = known.iter().map(|(n, _)| *n).collect();
                let hint = hint(&p.name.name, names.iter().copied(), "");
                self.error(
                    p.name.span,
                    format!("`{}` is not a {what} (one of {}){hint}", p.name.name, names.join(", ")),
                );
                continue;
            };
            self.option_value(p, *value, rows);
        }
    }

    fn option_value(&mut self, p: &OpParam, value: Value, rows: &[&Columns]) {
        let name = &p.name.name;
        let v = &p.value;
        match value {
            Value::OneOf(words) => {
                let ok = matches!(&v.kind, ExprKind::Name(n) if words.iter().any(|w| w.eq_ignore_ascii_case(&n.name)));
                if !ok {
                    self.error(v.span, format!("`{name}` takes one of: {}", words.join(", ")));
                }
            }
            Value::Column | Value::Columns => {
                let items: Vec<&Expr> = match &v.kind {
                    ExprKind::Paren(inner) => vec![inner.as_ref()],
                    _ => vec![v],
                };
                for item in items {
                    if let ExprKind::Name(n) = &item.kind
                        && !rows.iter().any(|r| r.get(&n.name).is_some())
                    {
                        self.unknown_column(n, rows[0]);
                    }
                }
            }
            Value::Text => {
                if !matches!(v.kind, ExprKind::Literal(Literal::Str(_))) {
                    self.error(v.span, format!("`{name}` takes a string, such as {name}=\"...\""));
                }
            }
            Value::Number => {
                if !matches!(v.kind, ExprKind::Literal(Literal::Long(_) | Literal::Int(_))) {
                    self.error(v.span, format!("`{name}` takes a whole number"));
                }
            }
            Value::Summable => {
                let ok = matches!(
                    &v.kind,
                    ExprKind::Literal(
                        Literal::Long(_)
                            | Literal::Int(_)
                            | Literal::Real(_)
                            | Literal::DateTime(_)
                            | Literal::TimeSpan(_)
                    )
                );
                if !ok {
                    self.error(v.span, format!("`{name}` takes a number, datetime or timespan literal"));
                }
            }
            Value::Bool => {
                if !matches!(v.kind, ExprKind::Literal(Literal::Bool(_))) {
                    self.error(v.span, format!("`{name}` takes true or false"));
                }
            }
        }
    }
}
