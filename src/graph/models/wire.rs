//! Lenient serde helpers for Graph's wire quirks: datetimes with any number of fractional
//! digits, `""` sent for null, and `null` sent for empty collections.
//!
//! Used through `#[serde(with = ...)]` / `deserialize_with` by the model types.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serializer};
use serde_json::Value;

/// Parses a Graph datetime: RFC 3339 with any number of fractional digits (Graph sends 0 to 7),
/// or the same without an offset (read as UTC). Returns `None` for anything else.
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
        return Some(parsed.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
}

/// Formats a datetime the way Graph does: UTC, `Z`, 100-nanosecond precision with trailing zeros
/// trimmed (`2021-04-27T12:19:27.7211305Z`, `2025-05-23T10:41:12.25Z`, `2025-02-23T09:28:24Z`).
pub fn format_datetime(value: &DateTime<Utc>) -> String {
    let seconds = value.format("%Y-%m-%dT%H:%M:%S");
    // A leap second shows as nanos >= 1e9; clamp it rather than print an eighth digit.
    let ticks = (value.timestamp_subsec_nanos() / 100).min(9_999_999);
    if ticks == 0 {
        return format!("{seconds}Z");
    }
    let fraction = format!("{ticks:07}");
    format!("{seconds}.{}Z", fraction.trim_end_matches('0'))
}

/// `#[serde(with = "wire::datetime")]` for `Option<DateTime<Utc>>`: `null`, `""` and an absent
/// key read as `None`; an unparseable string is an error naming the value.
pub mod datetime {
    use super::*;

    /// Reads an optional Graph datetime (see [`parse_datetime`]).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) if text.trim().is_empty() => Ok(None),
            Some(text) => parse_datetime(&text)
                .map(Some)
                .ok_or_else(|| D::Error::custom(format!("invalid datetime {text:?}, expected ISO 8601"))),
        }
    }

    /// Writes an optional datetime as Graph does (see [`format_datetime`]), `None` as `null`.
    pub fn serialize<S: Serializer>(value: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => serializer.serialize_str(&format_datetime(value)),
            None => serializer.serialize_none(),
        }
    }
}

/// `deserialize_with` for optional enums and complex types: `null` and `""` (which real
/// payloads send for "no value", even for objects such as `stream`) read as `None`.
pub fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(text) if text.is_empty() => Ok(None),
        value => T::deserialize(value).map(Some).map_err(D::Error::custom),
    }
}

/// `deserialize_with` for collections and maps: `null` reads as the empty value.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Timelike};

    #[test]
    fn parses_any_fraction_length_and_no_offset() {
        let seven = parse_datetime("2021-04-27T12:19:27.7211305Z").unwrap();
        assert_eq!(seven.nanosecond(), 721_130_500);
        assert_eq!(parse_datetime("2025-02-23T09:28:24Z").unwrap().nanosecond(), 0);
        assert_eq!(
            parse_datetime("2021-04-26T07:45:50.116Z").unwrap().nanosecond(),
            116_000_000
        );
        assert_eq!(
            parse_datetime("2024-10-25T02:53:43.273+00:00").unwrap().nanosecond(),
            273_000_000
        );
        assert_eq!(
            parse_datetime("2026-03-01T08:00:07").unwrap(),
            Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 7).unwrap()
        );
        assert_eq!(
            parse_datetime("2026-03-01T10:00:00+02:00").unwrap(),
            Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap()
        );
        assert!(parse_datetime("").is_none());
        assert!(parse_datetime("yesterday").is_none());
    }

    #[test]
    fn formats_like_graph() {
        for text in [
            "2021-04-27T12:19:27.7211305Z",
            "2025-05-23T10:41:12.25Z",
            "2025-02-23T09:28:24Z",
            "2021-04-26T07:45:50.116Z",
        ] {
            assert_eq!(format_datetime(&parse_datetime(text).unwrap()), text);
        }
        // Precision beyond Graph's 100 ns ticks is truncated.
        let nanos = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .unwrap()
            .with_nanosecond(123_456_789)
            .unwrap();
        assert_eq!(format_datetime(&nanos), "2026-01-01T00:00:00.1234567Z");
    }

    #[derive(Debug, Deserialize)]
    struct Probe {
        #[serde(default, with = "datetime")]
        at: Option<DateTime<Utc>>,
        #[serde(default, deserialize_with = "lenient")]
        inner: Option<std::collections::BTreeMap<String, String>>,
        #[serde(default, deserialize_with = "null_as_default")]
        list: Vec<String>,
    }

    #[test]
    fn empty_strings_and_nulls_are_none() {
        let probe: Probe = serde_json::from_str(r#"{"at": "", "inner": "", "list": null}"#).unwrap();
        assert!(probe.at.is_none() && probe.inner.is_none() && probe.list.is_empty());
        let probe: Probe = serde_json::from_str(r#"{"at": null, "inner": null}"#).unwrap();
        assert!(probe.at.is_none() && probe.inner.is_none());
        let probe: Probe = serde_json::from_str("{}").unwrap();
        assert!(probe.at.is_none());
        let err = serde_json::from_str::<Probe>(r#"{"at": "not a date"}"#).unwrap_err();
        assert!(err.to_string().contains("invalid datetime \"not a date\""), "{err}");
        let err = serde_json::from_str::<Probe>(r#"{"inner": 5}"#).unwrap_err();
        assert!(err.to_string().contains("invalid type"), "{err}");
    }
}
