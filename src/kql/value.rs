//! One Kusto value, as the evaluator computes with it, and its conversions to and from JSON.
//!
//! Datetimes and timespans are ticks (100 ns) since the Unix epoch and of duration; `int` and
//! `long` are both `Long` here (the column keeps the declared type); `decimal` is computed as
//! `real`; a `guid` is its text. Kusto has no null string: a string is at worst empty.

use std::cmp::Ordering;
use std::sync::Arc;

use serde_json::Value as Json;

use super::types::Type;

pub const TICKS_PER_SECOND: i64 = 10_000_000;
pub const TICKS_PER_DAY: i64 = 86_400 * TICKS_PER_SECOND;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Long(i64),
    Real(f64),
    DateTime(i64),
    TimeSpan(i64),
    Str(Arc<str>),
    Dynamic(Arc<Json>),
}

impl Value {
    pub fn str(s: impl Into<Arc<str>>) -> Value {
        Value::Str(s.into())
    }

    pub fn dynamic(j: Json) -> Value {
        if j.is_null() {
            Value::Null
        } else {
            Value::Dynamic(Arc::new(j))
        }
    }

    /// The type a value of this kind has when nothing declared one.
    pub fn ty(&self) -> Type {
        match self {
            Value::Null => Type::Unknown,
            Value::Bool(_) => Type::Bool,
            Value::Long(_) => Type::Long,
            Value::Real(_) => Type::Real,
            Value::DateTime(_) => Type::DateTime,
            Value::TimeSpan(_) => Type::TimeSpan,
            Value::Str(_) => Type::String,
            Value::Dynamic(_) => Type::Dynamic,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Kusto's `isempty`: null or the empty string (or an empty dynamic string).
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Str(s) => s.is_empty(),
            Value::Dynamic(j) => j.as_str() == Some(""),
            _ => false,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Long(v) => Some(*v != 0),
            Value::Dynamic(j) => j.as_bool(),
            Value::Str(s) => parse_bool(s),
            _ => None,
        }
    }

    pub fn as_long(&self) -> Option<i64> {
        match self {
            Value::Long(v) | Value::DateTime(v) | Value::TimeSpan(v) => Some(*v),
            Value::Real(r) if r.is_finite() => Some(*r as i64),
            Value::Bool(b) => Some(i64::from(*b)),
            Value::Str(s) => parse_long(s),
            Value::Dynamic(j) => match &**j {
                Json::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
                Json::String(s) => parse_long(s),
                Json::Bool(b) => Some(i64::from(*b)),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn as_real(&self) -> Option<f64> {
        match self {
            Value::Long(v) => Some(*v as f64),
            Value::Real(r) => Some(*r),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            Value::Str(s) => parse_real(s),
            Value::Dynamic(j) => match &**j {
                Json::Number(n) => n.as_f64(),
                Json::String(s) => parse_real(s),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn as_datetime(&self) -> Option<i64> {
        match self {
            Value::DateTime(t) => Some(*t),
            Value::Str(s) => parse_datetime_ticks(s),
            Value::Dynamic(j) => j.as_str().and_then(parse_datetime_ticks),
            _ => None,
        }
    }

    pub fn as_timespan(&self) -> Option<i64> {
        match self {
            Value::TimeSpan(t) => Some(*t),
            Value::Long(v) => Some(*v),
            Value::Str(s) => super::parse::parse_timespan_text(s),
            Value::Dynamic(j) => j.as_str().and_then(super::parse::parse_timespan_text),
            _ => None,
        }
    }

    /// The value as JSON (a dynamic value's content, `todynamic`'s view of a scalar).
    pub fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Long(v) => Json::from(*v),
            Value::Real(r) => real_json(*r),
            Value::DateTime(t) => Json::String(format_datetime(*t)),
            Value::TimeSpan(t) => Json::String(super::format_timespan(*t)),
            Value::Str(s) => Json::String(s.to_string()),
            Value::Dynamic(j) => (**j).clone(),
        }
    }

    /// `tostring(...)`: the empty string for null, a dynamic string without its quotes.
    pub fn to_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Long(v) => v.to_string(),
            Value::Real(r) => format_real(*r),
            Value::DateTime(t) => format_datetime(*t),
            Value::TimeSpan(t) => super::format_timespan(*t),
            Value::Str(s) => s.to_string(),
            Value::Dynamic(j) => match &**j {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            },
        }
    }

    /// Converts to a column of type `ty` (`Unknown` keeps the value): what a typed column, a
    /// `to` conversion of mv-expand or a parse column stores. Null where it does not convert.
    pub fn cast(self, ty: Type) -> Value {
        match ty {
            Type::Unknown => self,
            Type::Bool => self.as_bool().map_or(Value::Null, Value::Bool),
            Type::Int | Type::Long => self.as_long().map_or(Value::Null, Value::Long),
            Type::Real | Type::Decimal => self.as_real().map_or(Value::Null, Value::Real),
            Type::DateTime => self.as_datetime().map_or(Value::Null, Value::DateTime),
            Type::TimeSpan => self.as_timespan().map_or(Value::Null, Value::TimeSpan),
            Type::String | Type::Guid => match self {
                Value::Str(_) => self,
                other => Value::str(other.to_text()),
            },
            Type::Dynamic => match self {
                Value::Dynamic(_) | Value::Null => self,
                other => Value::dynamic(other.to_json()),
            },
        }
    }

    /// Reads a JSON value (a dataset row's cell, a datatable's or externaldata's) as type `ty`.
    pub fn from_json(j: &Json, ty: Type) -> Value {
        match (j, ty) {
            (Json::Null, _) => Value::Null,
            (_, Type::Dynamic) => Value::dynamic(j.clone()),
            (Json::String(s), Type::String | Type::Guid) => Value::str(s.as_str()),
            (Json::String(s), _) => Value::Str(Arc::from(s.as_str())).cast(ty),
            (Json::Bool(b), _) => Value::Bool(*b).cast(ty),
            (Json::Number(n), _) => match n.as_i64() {
                Some(v) => Value::Long(v).cast(ty),
                None => Value::Real(n.as_f64().unwrap_or(f64::NAN)).cast(ty),
            },
            (other, Type::String | Type::Guid) => Value::str(other.to_string()),
            _ => Value::Null,
        }
    }

    /// Orders two values of one type (numbers across int, long and real); `None` when they do
    /// not compare (null, or different kinds).
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        use Value::*;
        match (self, other) {
            (Null, _) | (_, Null) => None,
            (Long(a), Long(b)) => Some(a.cmp(b)),
            (Real(a), Real(b)) => a.partial_cmp(b),
            (Long(a), Real(b)) => (*a as f64).partial_cmp(b),
            (Real(a), Long(b)) => a.partial_cmp(&(*b as f64)),
            (DateTime(a), DateTime(b)) | (TimeSpan(a), TimeSpan(b)) => Some(a.cmp(b)),
            (Str(a), Str(b)) => Some(a.cmp(b)),
            (Bool(a), Bool(b)) => Some(a.cmp(b)),
            (Dynamic(a), b) => dynamic_scalar(a, b.ty()).and_then(|a| a.compare(b)),
            (a, Dynamic(b)) => dynamic_scalar(b, a.ty()).and_then(|b| a.compare(&b)),
            (DateTime(a), Str(s)) => parse_datetime_ticks(s).map(|b| a.cmp(&b)),
            (Str(s), DateTime(b)) => parse_datetime_ticks(s).map(|a| a.cmp(b)),
            _ => None,
        }
    }

    /// `==`: `None` when either side is null.
    pub fn equals(&self, other: &Value) -> Option<bool> {
        match (self, other) {
            (Value::Null, _) | (_, Value::Null) => None,
            (Value::Dynamic(a), Value::Dynamic(b)) => Some(a == b),
            _ => Some(self.compare(other) == Some(Ordering::Equal)),
        }
    }

    /// The total order of `sort` and of keys: nulls first, then by kind, then by value.
    pub fn sort_cmp(&self, other: &Value) -> Ordering {
        match (self.is_null(), other.is_null()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        match self.compare(other) {
            Some(o) => o,
            None => match (self, other) {
                (Value::Real(a), Value::Real(b)) => a.total_cmp(b),
                _ => self.to_text().cmp(&other.to_text()),
            },
        }
    }
}

/// A dynamic value seen as a scalar of type `ty` (for comparing it with one).
fn dynamic_scalar(j: &Json, ty: Type) -> Option<Value> {
    Some(match (j, ty) {
        (Json::Number(n), _) => match n.as_i64() {
            Some(v) if ty != Type::Real => Value::Long(v),
            _ => Value::Real(n.as_f64()?),
        },
        (Json::String(s), Type::DateTime) => Value::DateTime(parse_datetime_ticks(s)?),
        (Json::String(s), Type::Long | Type::Int) => Value::Long(parse_long(s)?),
        (Json::String(s), Type::Real) => Value::Real(parse_real(s)?),
        (Json::String(s), _) => Value::str(s.as_str()),
        (Json::Bool(b), _) => Value::Bool(*b),
        (other, Type::String) => Value::str(other.to_string()),
        _ => return None,
    })
}

pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

pub fn parse_long(s: &str) -> Option<i64> {
    let t = s.trim();
    t.parse::<i64>()
        .ok()
        .or_else(|| t.parse::<f64>().ok().filter(|f| f.is_finite()).map(|f| f as i64))
}

pub fn parse_real(s: &str) -> Option<f64> {
    let t = s.trim();
    match t.to_ascii_lowercase().as_str() {
        "nan" => Some(f64::NAN),
        "inf" | "+inf" | "infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        _ => t.parse::<f64>().ok(),
    }
}

/// An ISO 8601 (or RFC 1123) datetime as ticks since the epoch.
pub fn parse_datetime_ticks(s: &str) -> Option<i64> {
    super::parse::parse_datetime(s.trim()).map(|(secs, nanos)| ticks(secs, nanos))
}

pub fn ticks(secs: i64, nanos: u32) -> i64 {
    secs.saturating_mul(TICKS_PER_SECOND)
        .saturating_add(i64::from(nanos / 100))
}

/// `2029-12-31T22:29:59.0622297Z`: seven fractional digits always, as Kusto writes datetimes.
pub fn format_datetime(ticks: i64) -> String {
    let secs = ticks.div_euclid(TICKS_PER_SECOND);
    let nanos = (ticks.rem_euclid(TICKS_PER_SECOND) * 100) as u32;
    match chrono::DateTime::from_timestamp(secs, nanos) {
        Some(d) => format!(
            "{}.{:07}Z",
            d.format("%Y-%m-%dT%H:%M:%S"),
            ticks.rem_euclid(TICKS_PER_SECOND)
        ),
        None => String::new(),
    }
}

/// A real as Kusto prints it: `1`, `1.5`, `NaN`, `Infinity`.
pub fn format_real(r: f64) -> String {
    if r.is_nan() {
        "NaN".into()
    } else if r.is_infinite() {
        if r > 0.0 { "Infinity".into() } else { "-Infinity".into() }
    } else {
        r.to_string()
    }
}

fn real_json(r: f64) -> Json {
    serde_json::Number::from_f64(r).map_or_else(|| Json::String(format_real(r)), Json::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn datetimes_read_and_write_with_seven_digits() {
        let t = parse_datetime_ticks("2029-12-31T22:29:59.0622297Z").unwrap();
        assert_eq!(format_datetime(t), "2029-12-31T22:29:59.0622297Z");
        let t = parse_datetime_ticks("2030-01-01T00:00:00Z").unwrap();
        assert_eq!(format_datetime(t), "2030-01-01T00:00:00.0000000Z");
        assert_eq!(Value::from_json(&json!("x"), Type::DateTime), Value::Null);
    }

    #[test]
    fn comparisons_follow_kusto() {
        assert_eq!(Value::Long(1).equals(&Value::Real(1.0)), Some(true));
        assert_eq!(Value::Null.equals(&Value::Long(1)), None);
        let d = Value::dynamic(json!("abc"));
        assert_eq!(d.equals(&Value::str("abc")), Some(true));
        assert_eq!(
            Value::dynamic(json!(5)).compare(&Value::Long(4)),
            Some(Ordering::Greater)
        );
        assert_eq!(Value::Null.sort_cmp(&Value::Long(0)), Ordering::Less);
        assert_eq!(Value::Real(1.0).to_text(), "1");
        assert_eq!(Value::Real(1.5).to_text(), "1.5");
        assert_eq!(Value::dynamic(json!("s")).to_text(), "s");
        assert_eq!(Value::dynamic(json!({"a": 1})).to_text(), r#"{"a":1}"#);
    }
}
