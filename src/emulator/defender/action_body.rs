//! The bodies of the machine-action POSTs and of cancel (response-actions-api.md §1.5, §3.2):
//! PascalCase and case-sensitive. A body that is not a JSON object, or a key the action does not
//! take (a wrong case included, whose message names the right one), is 400 `InvalidRequestBody`;
//! a missing or empty `Comment`, `ScanType` or `Sha1` is 400 `MissingRequiredParameter`
//! "Parameter X is missing."; a `Sha1` that is not 40 hex digits is `InvalidHashValue`; an
//! `IsolationType` other than `Full`/`Selective` or a `ScanType` other than `Quick`/`Full` is
//! `InvalidInput`. An absent `IsolationType` is `Full`.

use serde_json::{Map, Value};

use super::error::{MdeError, MdeResult};
use crate::graph::models::defender::{MachineActionRequest, MachineActionType};

/// The body of a POST that takes `allowed` keys (exact case): a JSON object whose keys are all
/// allowed, and its `Comment`.
pub(super) fn body_object(bytes: &[u8], allowed: &[&str], what: &str) -> MdeResult<(Map<String, Value>, String)> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        MdeError::invalid_body(format!(
            "the body is not JSON ({e}); send a JSON object such as {{\"Comment\": \"...\"}}."
        ))
    })?;
    let Value::Object(object) = value else {
        return Err(MdeError::invalid_body(
            "the body must be a JSON object such as {\"Comment\": \"...\"}.",
        ));
    };
    if let Some(key) = object.keys().find(|k| !allowed.contains(&k.as_str())) {
        let hint = match allowed.iter().find(|a| a.eq_ignore_ascii_case(key)) {
            Some(right) => format!("parameter names are case-sensitive: write '{right}'"),
            None => format!("{what} takes {}", allowed.join(", ")),
        };
        return Err(MdeError::invalid_body(format!("unknown parameter '{key}' ({hint}).")));
    }
    let comment = string(&object, "Comment")?.ok_or_else(|| MdeError::missing("Comment"))?;
    Ok((object, comment))
}

/// The string parameter `name`: absent, null or blank is `None`; another type is refused.
fn string(object: &Map<String, Value>, name: &str) -> MdeResult<Option<String>> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(MdeError::invalid_body(format!(
            "the parameter {name} must be a string, not {other}."
        ))),
    }
}

/// Reads the body of a `kind` POST (§3.2); see the module documentation for the errors.
pub fn parse_body(kind: MachineActionType, bytes: &[u8]) -> MdeResult<MachineActionRequest> {
    let allowed: &[&str] = match kind {
        MachineActionType::Isolate => &["Comment", "IsolationType"],
        MachineActionType::RunAntiVirusScan => &["Comment", "ScanType"],
        MachineActionType::StopAndQuarantineFile => &["Comment", "Sha1"],
        _ => &["Comment"],
    };
    let (object, comment) = body_object(bytes, allowed, kind.path().unwrap_or(kind.as_str()))?;
    let one_of = |name: &str, value: String, values: &[&str]| {
        if values.contains(&value.as_str()) {
            Ok(value)
        } else {
            Err(MdeError::bad_request(
                "InvalidInput",
                format!(
                    "Invalid input {name} '{value}': expected {} (case-sensitive).",
                    values.join(" or ")
                ),
            ))
        }
    };
    let mut request = MachineActionRequest {
        comment,
        isolation_type: None,
        scan_type: None,
        sha1: None,
    };
    match kind {
        MachineActionType::Isolate => {
            let given = string(&object, "IsolationType")?.unwrap_or_else(|| "Full".to_owned());
            request.isolation_type = Some(one_of("IsolationType", given, &["Full", "Selective"])?);
        }
        MachineActionType::RunAntiVirusScan => {
            let given = string(&object, "ScanType")?.ok_or_else(|| MdeError::missing("ScanType"))?;
            request.scan_type = Some(one_of("ScanType", given, &["Quick", "Full"])?);
        }
        MachineActionType::StopAndQuarantineFile => {
            let sha1 = string(&object, "Sha1")?.ok_or_else(|| MdeError::missing("Sha1"))?;
            if sha1.len() != 40 || !sha1.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(MdeError::bad_request(
                    "InvalidHashValue",
                    format!("Hash value {sha1} is invalid: Sha1 takes a SHA-1 hash of 40 hexadecimal characters."),
                ));
            }
            request.sha1 = Some(sha1);
        }
        _ => {}
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_case_sensitive_and_say_what_is_wrong() {
        let parse = |kind, body: &str| parse_body(kind, body.as_bytes());
        let isolate = parse(MachineActionType::Isolate, r#"{"Comment": "c"}"#).unwrap();
        assert_eq!(isolate.isolation_type.as_deref(), Some("Full"));
        let scan = parse(
            MachineActionType::RunAntiVirusScan,
            r#"{"Comment": "c", "ScanType": "Quick"}"#,
        )
        .unwrap();
        assert_eq!(scan.scan_type.as_deref(), Some("Quick"));
        for (kind, body, code, needle) in [
            (
                MachineActionType::Isolate,
                r#"{"comment": "c"}"#,
                "InvalidRequestBody",
                "write 'Comment'",
            ),
            (
                MachineActionType::Isolate,
                r#"{"Comment": "c", "Foo": 1}"#,
                "InvalidRequestBody",
                "'Foo'",
            ),
            (
                MachineActionType::Unisolate,
                r#"{"Comment": "c", "IsolationType": "Full"}"#,
                "InvalidRequestBody",
                "'IsolationType'",
            ),
            (MachineActionType::Isolate, "not json", "InvalidRequestBody", "not JSON"),
            (MachineActionType::Isolate, "[]", "InvalidRequestBody", "JSON object"),
            (
                MachineActionType::Isolate,
                r#"{"Comment": 5}"#,
                "InvalidRequestBody",
                "must be a string",
            ),
            (
                MachineActionType::Isolate,
                "{}",
                "MissingRequiredParameter",
                "Parameter Comment is missing.",
            ),
            (
                MachineActionType::Isolate,
                r#"{"Comment": "  "}"#,
                "MissingRequiredParameter",
                "Parameter Comment is missing.",
            ),
            (
                MachineActionType::Isolate,
                r#"{"Comment": "c", "IsolationType": "full"}"#,
                "InvalidInput",
                "IsolationType 'full'",
            ),
            (
                MachineActionType::RunAntiVirusScan,
                r#"{"Comment": "c"}"#,
                "MissingRequiredParameter",
                "Parameter ScanType is missing.",
            ),
            (
                MachineActionType::RunAntiVirusScan,
                r#"{"Comment": "c", "ScanType": "Deep"}"#,
                "InvalidInput",
                "Quick or Full",
            ),
            (
                MachineActionType::StopAndQuarantineFile,
                r#"{"Comment": "c"}"#,
                "MissingRequiredParameter",
                "Parameter Sha1 is missing.",
            ),
            (
                MachineActionType::StopAndQuarantineFile,
                r#"{"Comment": "c", "Sha1": "abc"}"#,
                "InvalidHashValue",
                "Hash value abc is invalid",
            ),
        ] {
            let error = parse(kind, body).unwrap_err();
            assert_eq!(error.code, code, "{body}: {error}");
            assert!(error.message.contains(needle), "{body}: {error}");
        }
    }
}
