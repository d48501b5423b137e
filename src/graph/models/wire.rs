//! Lenient serde helpers for Graph's wire quirks: datetimes with any number of fractional
//! digits, `""` sent for null, and `null` sent for empty collections.
//!
//! Used through `#[serde(with = ...)]` / `deserialize_with` by the model types.

use chrono::{DateTime, Utc};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serializer};
use serde_json::Value;

use crate::time::{format_utc, parse_utc};

/// `#[serde(with = "wire::datetime")]` for `Option<DateTime<Utc>>`: `null`, `""` and an absent
/// key read as `None`; an unparseable string is an error naming the value.
pub mod datetime {
    use super::*;

    /// Reads an optional Graph datetime (see [`parse_utc`]).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) if text.trim().is_empty() => Ok(None),
            Some(text) => parse_utc(&text)
                .map(Some)
                .ok_or_else(|| D::Error::custom(format!("invalid datetime {text:?}, expected ISO 8601"))),
        }
    }

    /// Writes an optional datetime as Graph does (see [`format_datetime`]), `None` as `null`.
    pub fn serialize<S: Serializer>(value: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => serializer.serialize_str(&format_utc(value)),
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
