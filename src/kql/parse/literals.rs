//! Literals: typed ones (`int(5)`, `datetime(...)`, `real(nan)`), `dynamic(...)` values, and
//! the texts of datetimes, timespans and guids.

use super::*;

impl Parser<'_> {
    /// `int(5)`, `long(null)`, `real(nan)`, `bool(true)`, `timespan(1d)`, `datetime("...")`,
    /// `guid(null)`, `decimal(1.5)`: the keyword is at `pos`.
    pub(super) fn typed_literal(&mut self, ty: Type) -> PResult<Expr> {
        let start = self.bump().span;
        let open = self.bump().span;
        let negative = self.eat_punct("-");
        let value = match (self.tok().clone(), ty) {
            (Tok::Ident(n), _) if n == "null" => Some(null_of(ty)),
            (Tok::Int(v), Type::Int) => i32::try_from(if negative { -v } else { v })
                .ok()
                .map(|v| Literal::Int(Some(v))),
            (Tok::Int(v), Type::Long) => Some(Literal::Long(Some(if negative { -v } else { v }))),
            (Tok::Int(v), Type::Real) => Some(Literal::Real(Some(if negative { -(v as f64) } else { v as f64 }))),
            (Tok::Real(v), Type::Real) => Some(Literal::Real(Some(if negative { -v } else { v }))),
            (Tok::Int(v), Type::Decimal) => Some(Literal::Decimal(Some(format!(
                "{}{v}",
                if negative { "-" } else { "" }
            )))),
            (Tok::Real(v), Type::Decimal) => Some(Literal::Decimal(Some(format!(
                "{}{v}",
                if negative { "-" } else { "" }
            )))),
            (Tok::Ident(n), Type::Real) if matches!(n.as_str(), "nan" | "inf") => {
                Some(Literal::Real(Some(if n == "nan" {
                    f64::NAN
                } else if negative {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                })))
            }
            (Tok::Punct("+"), Type::Real) if self.nth_is_word(1, "inf") => {
                self.bump();
                Some(Literal::Real(Some(f64::INFINITY)))
            }
            (Tok::Ident(n), Type::Bool) if n == "true" || n == "false" => Some(Literal::Bool(Some(n == "true"))),
            (Tok::Int(v), Type::Bool) if v == 0 || v == 1 => Some(Literal::Bool(Some(v == 1))),
            (Tok::TimeSpan(v), Type::TimeSpan) => Some(Literal::TimeSpan(Some(if negative { -v } else { v }))),
            (Tok::Int(v), Type::TimeSpan) => Some(Literal::TimeSpan(Some(v * 864_000_000_000))),
            (Tok::Str(s), Type::DateTime) => parse_datetime(&s).map(|d| Literal::DateTime(Some(d))),
            (Tok::Str(s), Type::TimeSpan) => parse_timespan_text(&s).map(|t| Literal::TimeSpan(Some(t))),
            (Tok::Str(s), Type::Guid) => parse_guid(&s).map(|g| Literal::Guid(Some(g))),
            (Tok::Int(v), Type::DateTime) => parse_datetime(&v.to_string()).map(|d| Literal::DateTime(Some(d))),
            _ => None,
        };
        let value = match value {
            Some(v) => {
                self.bump();
                v
            }
            None => {
                // Kusto.Language does not check what a typed literal holds (`datetime(YYYY-MM-DD)`,
                // `int(<port>)`): take anything up to the closing parenthesis, as an unknown value.
                let mut depth = 0usize;
                loop {
                    match self.tok() {
                        Tok::Eof => break,
                        Tok::Punct("(") => depth += 1,
                        Tok::Punct(")") if depth == 0 => break,
                        Tok::Punct(")") => depth -= 1,
                        _ => {}
                    }
                    self.bump();
                }
                null_of(ty)
            }
        };
        self.close(")", open)?;
        Ok(Expr {
            kind: ExprKind::Literal(value),
            span: start.to(self.prev_end()),
        })
    }

    /// A string literal at `pos`, joined with the literals right after it (Kusto joins adjacent
    /// strings, in `dynamic(...)` too).
    pub(super) fn string_literal(&mut self) -> String {
        let mut value = String::new();
        while let Tok::Str(more) = self.tok().clone() {
            self.bump();
            value.push_str(&more);
        }
        value
    }

    pub(super) fn dynamic_literal(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        let open = self.bump().span;
        let value = self.json_value()?;
        self.close(")", open)?;
        Ok(Expr {
            kind: ExprKind::Literal(Literal::Dynamic(value)),
            span: start.to(self.prev_end()),
        })
    }

    /// A value inside `dynamic(...)`: JSON, plus Kusto scalar literals.
    pub(super) fn json_value(&mut self) -> PResult<serde_json::Value> {
        use serde_json::Value;
        self.enter()?;
        let negative = self.eat_punct("-");
        let v = match self.tok().clone() {
            Tok::Punct("[") => {
                let open = self.bump().span;
                // Strict JSON, as Kusto.Language reads it: no trailing comma, quoted keys.
                let items = self.separated("]", Self::json_value)?;
                self.close("]", open)?;
                Value::Array(items)
            }
            Tok::Punct("{") => {
                let open = self.bump().span;
                let pairs = self.separated("}", |p| {
                    let key = match p.tok().clone() {
                        Tok::Str(s) => {
                            p.bump();
                            s
                        }
                        _ => return p.unexpected("a quoted key (\"key\": value) in the dynamic bag"),
                    };
                    p.expect_punct(":", "after the key")?;
                    Ok((key, p.json_value()?))
                })?;
                self.close("}", open)?;
                let map: serde_json::Map<String, Value> = pairs.into_iter().collect();
                Value::Object(map)
            }
            Tok::Str(_) => Value::String(self.string_literal()),
            Tok::Int(i) => {
                self.bump();
                Value::from(if negative { -i } else { i })
            }
            Tok::Real(r) => {
                self.bump();
                serde_json::Number::from_f64(if negative { -r } else { r }).map_or(Value::Null, Value::Number)
            }
            Tok::TimeSpan(t) => {
                self.bump();
                Value::String(crate::kql::format_timespan(if negative { -t } else { t }))
            }
            Tok::Ident(w) if w == "null" => {
                self.bump();
                Value::Null
            }
            Tok::Ident(w) if w == "true" || w == "false" => {
                self.bump();
                Value::Bool(w == "true")
            }
            Tok::RawLiteral { keyword, body } => {
                self.bump();
                match raw_literal(&keyword, &body) {
                    Some(Literal::DateTime(Some((s, n)))) => Value::String(crate::kql::format_datetime(s, n)),
                    Some(Literal::Guid(Some(g))) => Value::String(g),
                    Some(Literal::TimeSpan(Some(t))) => Value::String(crate::kql::format_timespan(t)),
                    _ => return self.unexpected("a valid literal"),
                }
            }
            Tok::Ident(w) if self.nth_is_punct(1, "(") && scalar_literal_type(&w).is_some() => {
                let ty = scalar_literal_type(&w).unwrap_or(Type::Unknown);
                let e = self.typed_literal(ty)?;
                match e.kind {
                    ExprKind::Literal(Literal::Long(Some(v))) => Value::from(v),
                    ExprKind::Literal(Literal::Int(Some(v))) => Value::from(v),
                    ExprKind::Literal(Literal::Bool(Some(b))) => Value::Bool(b),
                    ExprKind::Literal(Literal::Str(s)) => Value::String(s),
                    ExprKind::Literal(Literal::DateTime(Some((s, n)))) => {
                        Value::String(crate::kql::format_datetime(s, n))
                    }
                    ExprKind::Literal(Literal::TimeSpan(Some(t))) => Value::String(crate::kql::format_timespan(t)),
                    _ => Value::Null,
                }
            }
            _ => return self.unexpected("a value (a string, number, bool, null, [array] or {object}) in dynamic(...)"),
        };
        self.leave();
        Ok(v)
    }
}

/// The type a `name(...)` literal has: `int(5)`, `datetime(...)`, `real(nan)` ...
pub(super) fn scalar_literal_type(word: &str) -> Option<Type> {
    Some(match word {
        "int" => Type::Int,
        "long" => Type::Long,
        "real" | "double" => Type::Real,
        "decimal" => Type::Decimal,
        "bool" | "boolean" => Type::Bool,
        "datetime" | "date" => Type::DateTime,
        "timespan" | "time" => Type::TimeSpan,
        "guid" | "uniqueid" => Type::Guid,
        _ => return None,
    })
}

pub(super) fn null_of(ty: Type) -> Literal {
    match ty {
        Type::Bool => Literal::Bool(None),
        Type::Int => Literal::Int(None),
        Type::Long => Literal::Long(None),
        Type::Real => Literal::Real(None),
        Type::Decimal => Literal::Decimal(None),
        Type::DateTime => Literal::DateTime(None),
        Type::TimeSpan => Literal::TimeSpan(None),
        Type::Guid => Literal::Guid(None),
        _ => Literal::Null,
    }
}

/// The type of a raw literal's keyword (`datetime`, `guid`, `timespan` ...).
pub(super) fn raw_literal_type(keyword: &str) -> Type {
    match keyword {
        "datetime" | "date" => Type::DateTime,
        "guid" | "uniqueid" => Type::Guid,
        _ => Type::TimeSpan,
    }
}

/// The body of `datetime(2024-01-01 10:00)`, `guid(...)`, `timespan(1.02:03:04)`.
pub(super) fn raw_literal(keyword: &str, body: &str) -> Option<Literal> {
    match keyword {
        "datetime" | "date" => parse_datetime(body).map(|d| Literal::DateTime(Some(d))),
        "guid" | "uniqueid" => parse_guid(body).map(|g| Literal::Guid(Some(g))),
        _ => parse_timespan_text(body).map(|t| Literal::TimeSpan(Some(t))),
    }
}

/// Datetime text as Kusto reads it: ISO 8601 (`2024-01-01`, `2024-01-01T10:00:00.123Z`,
/// `2024-01-01 10:00`), with an optional zone.
pub fn parse_datetime(text: &str) -> Option<(i64, u32)> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some((d.timestamp(), d.timestamp_subsec_nanos()));
    }
    let t = t.trim_end_matches('Z').trim_end_matches('z');
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H",
        "%Y-%m-%d %H",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, fmt) {
            let d = d.and_utc();
            return Some((d.timestamp(), d.timestamp_subsec_nanos()));
        }
    }
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, fmt) {
            let d = d.and_hms_opt(0, 0, 0)?.and_utc();
            return Some((d.timestamp(), 0));
        }
    }
    None
}

/// `1.02:03:04.5`, `02:03`, or a timespan literal such as `1d`.
pub(crate) fn parse_timespan_text(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Some(Token {
        tok: Tok::TimeSpan(v), ..
    }) = lex(t).first()
        && lex(t).len() == 2
    {
        return Some(*v);
    }
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let (days, clock) = match t.split_once('.') {
        Some((d, rest)) if rest.contains(':') && !d.contains(':') => (d.parse::<i64>().ok()?, rest),
        _ => (0, t),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return None;
    }
    let h: i64 = parts[0].parse().ok()?;
    let m: i64 = parts[1].parse().ok()?;
    let s: f64 = parts.get(2).map_or(Some(0.0), |s| s.parse().ok())?;
    let ticks = ((days * 24 + h) * 60 + m) * 600_000_000 + (s * 10_000_000.0).round() as i64;
    Some(if neg { -ticks } else { ticks })
}

pub(crate) fn parse_guid(text: &str) -> Option<String> {
    // .NET's forms: bare, or in braces (as the registry writes CLSIDs).
    let t = text.trim();
    let t = t
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(t)
        .trim();
    let hex: String = t.chars().filter(|c| *c != '-').collect();
    (hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())).then(|| t.to_ascii_lowercase())
}
