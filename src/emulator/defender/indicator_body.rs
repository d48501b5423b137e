//! The body of `POST /api/indicators` (response-actions-api.md §4.2, §4.3), checked:
//! camelCase and case-sensitive. A key that is neither a documented field nor one of the
//! undocumented ones the API accepts is 400 `InvalidRequestBody`, naming the right case when only
//! the case is wrong; response fields sent back are ignored. A missing or empty `indicatorValue`,
//! `indicatorType`, `action`, `title` or `description` is 400 `MissingRequiredParameter`. The
//! value is checked by type: hashes by length and hex digits (`InvalidHashValue`; a certificate
//! thumbprint is a SHA-1), IPs as single external addresses (`InvalidIpAddress`: no CIDR, ranges,
//! private, loopback or link-local addresses), domains (`InvalidDomainName`), URLs (`InvalidUrl`,
//! http or https). `Audit` needs `generateAlert: true`; a bad enum value or date is `InvalidInput`.

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::error::{MdeError, MdeResult};
use crate::graph::models::defender::{Indicator, IndicatorAction, IndicatorType};
use crate::time::parse_utc;

/// The documented request fields (§4.2).
const FIELDS: &[&str] = &[
    "indicatorValue",
    "indicatorType",
    "action",
    "title",
    "description",
    "application",
    "expirationTime",
    "severity",
    "recommendedActions",
    "rbacGroupNames",
    "educateUrl",
    "generateAlert",
];

/// Fields the API accepts without documenting them (§4.2), kept and answered back.
const UNDOCUMENTED: &[&str] = &[
    "category",
    "bypassDurationHours",
    "notificationId",
    "notificationBody",
    "version",
    "mitreTechniques",
    "historicalDetection",
    "lookBackPeriod",
    "additionalInfo",
    "externalId",
    "certificateInfo",
];

/// Response-only fields a client may send back; ignored.
const RESPONSE_ONLY: &[&str] = &[
    "@odata.context",
    "id",
    "createdBy",
    "createdByDisplayName",
    "createdBySource",
    "creationTimeDateTimeUtc",
    "lastUpdateTime",
    "lastUpdatedBy",
    "sourceType",
    "source",
    "rbacGroupIds",
    "externalID",
];

/// A submitted indicator, checked: the entity's request fields and the extra ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    /// The request fields (no id or response fields).
    pub indicator: Indicator,
    /// `educateUrl` and undocumented fields.
    pub extra: Map<String, Value>,
}

fn invalid_input(name: &str, value: &str, expected: &str) -> MdeError {
    MdeError::bad_request("InvalidInput", format!("Invalid input {name} '{value}': {expected}."))
}

/// Reads and checks a `POST /api/indicators` body; see the module documentation for the errors.
pub fn parse_submission(bytes: &[u8]) -> MdeResult<Submitted> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| MdeError::invalid_body(format!("the body is not JSON ({e}); send one indicator object.")))?;
    let Value::Object(object) = value else {
        return Err(MdeError::invalid_body("the body must be one indicator, a JSON object."));
    };
    for key in object.keys() {
        let known = [FIELDS, UNDOCUMENTED, RESPONSE_ONLY]
            .iter()
            .any(|list| list.contains(&key.as_str()));
        if !known {
            let hint = match FIELDS.iter().chain(UNDOCUMENTED).find(|f| f.eq_ignore_ascii_case(key)) {
                Some(right) => format!("parameter names are case-sensitive: write '{right}'"),
                None => format!("an indicator takes {}", FIELDS.join(", ")),
            };
            return Err(MdeError::invalid_body(format!("unknown parameter '{key}' ({hint}).")));
        }
    }
    let text = |name: &str| -> MdeResult<Option<String>> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(MdeError::invalid_body(format!(
                "the parameter {name} must be a string, not {other}."
            ))),
        }
    };
    let required = |name: &str| text(name)?.ok_or_else(|| MdeError::missing(name));
    let value = required("indicatorValue")?;
    let kind_text = required("indicatorType")?;
    let indicator_type: IndicatorType = kind_text.parse().map_err(|_| {
        let names: Vec<&str> = IndicatorType::ALL.iter().map(|t| t.as_str()).collect();
        invalid_input(
            "indicatorType",
            &kind_text,
            &format!("expected one of {}", names.join(", ")),
        )
    })?;
    let action_text = required("action")?;
    let action: IndicatorAction = action_text.parse().map_err(|_| {
        let names: Vec<&str> = IndicatorAction::ALL.iter().map(|a| a.as_str()).collect();
        invalid_input("action", &action_text, &format!("expected one of {}", names.join(", ")))
    })?;
    let title = required("title")?;
    let description = required("description")?;
    check_value(indicator_type, &value)?;
    let severity = text("severity")?;
    if let Some(severity) = &severity
        && !["Informational", "Low", "Medium", "High"].contains(&severity.as_str())
    {
        return Err(invalid_input(
            "severity",
            severity,
            "expected Informational, Low, Medium or High",
        ));
    }
    let expiration_time = text("expirationTime")?;
    if let Some(expires) = &expiration_time
        && parse_utc(expires).is_none()
    {
        return Err(invalid_input(
            "expirationTime",
            expires,
            "expected an ISO 8601 date-time such as 2030-01-01T00:00:00Z",
        ));
    }
    let generate_alert = match object.get("generateAlert") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => {
            return Err(MdeError::invalid_body(format!(
                "the parameter generateAlert must be true or false, not {other}."
            )));
        }
    };
    if action == IndicatorAction::Audit && generate_alert != Some(true) {
        return Err(invalid_input(
            "action",
            "Audit",
            "an Audit indicator needs \"generateAlert\": true",
        ));
    }
    let rbac_group_names = match object.get("rbacGroupNames") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(names)) => names
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            items.iter().filter_map(Value::as_str).map(str::to_owned).collect()
        }
        Some(other) => {
            return Err(MdeError::invalid_body(format!(
                "the parameter rbacGroupNames must be an array of device group names, not {other}."
            )));
        }
    };
    let mut extra = Map::new();
    for key in UNDOCUMENTED.iter().chain(&["educateUrl"]) {
        if let Some(value) = object.get(*key) {
            extra.insert((*key).to_owned(), value.clone());
        }
    }
    let indicator = Indicator {
        id: None,
        indicator_value: value,
        indicator_type,
        action,
        title,
        description,
        application: text("application")?,
        expiration_time,
        severity,
        recommended_actions: text("recommendedActions")?,
        generate_alert,
        rbac_group_names,
        created_by: None,
        created_by_display_name: None,
        creation_time_date_time_utc: None,
        last_update_time: None,
        last_updated_by: None,
    };
    Ok(Submitted { indicator, extra })
}

/// Checks an indicator's value against its type (§4.2, §4.3).
pub fn check_value(kind: IndicatorType, value: &str) -> MdeResult<()> {
    let hash = |digits: usize, what: &str| {
        if value.len() == digits && value.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(())
        } else {
            Err(MdeError::bad_request(
                "InvalidHashValue",
                format!("Hash value {value} is invalid: a {what} indicator takes {digits} hexadecimal characters."),
            ))
        }
    };
    match kind {
        IndicatorType::FileSha1 => hash(40, "FileSha1"),
        IndicatorType::FileSha256 => hash(64, "FileSha256"),
        IndicatorType::FileMd5 => hash(32, "FileMd5"),
        IndicatorType::CertificateThumbprint => hash(40, "CertificateThumbprint (SHA-1)"),
        IndicatorType::IpAddress => check_ip(value),
        IndicatorType::DomainName => check_domain(value).map_err(|why| {
            MdeError::bad_request("InvalidDomainName", format!("Domain name {value} is invalid: {why}."))
        }),
        IndicatorType::Url => check_url(value)
            .map_err(|why| MdeError::bad_request("InvalidUrl", format!("Url {value} is invalid: {why}."))),
    }
}

fn check_ip(value: &str) -> MdeResult<()> {
    let bad = |why: &str| MdeError::bad_request("InvalidIpAddress", format!("IP address {value} is invalid: {why}."));
    let range = value
        .split_once('-')
        .is_some_and(|(from, to)| from.trim().parse::<IpAddr>().is_ok() && to.trim().parse::<IpAddr>().is_ok());
    if value.contains('/') || range {
        return Err(bad(
            "only single addresses can be indicators, not CIDR blocks or ranges",
        ));
    }
    let ip: IpAddr = value.parse().map_err(|_| bad("it is not an IPv4 or IPv6 address"))?;
    let internal = match ip {
        IpAddr::V4(v4) => {
            v4.is_private() || v4.is_loopback() || v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast()
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback() || v6.is_unspecified() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    };
    if internal {
        return Err(bad("only external (public) IP addresses can be indicators"));
    }
    Ok(())
}

fn check_domain(value: &str) -> Result<(), String> {
    if value.contains("://") || value.contains('/') {
        return Err("give the domain alone, without a scheme or path (use a Url indicator for those)".into());
    }
    let labels: Vec<&str> = value.trim_end_matches('.').split('.').collect();
    if value.len() > 253 || labels.len() < 2 {
        return Err("a domain has two or more labels separated by dots, at most 253 characters".into());
    }
    let valid = |label: &&str| {
        (1..=63).contains(&label.len())
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    match labels.iter().find(|label| !valid(label)) {
        Some(label) => Err(format!(
            "the label '{label}' is not 1 to 63 letters, digits or hyphens (not at its ends)"
        )),
        None => Ok(()),
    }
}

fn check_url(value: &str) -> Result<(), String> {
    let absolute = if value.contains("://") {
        value.to_owned()
    } else {
        format!("http://{value}")
    };
    let url = url::Url::parse(&absolute).map_err(|e| format!("it does not parse as a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("the scheme {} is not http or https", url.scheme()));
    }
    match url.host_str() {
        Some(host) if host.contains('.') || url.host().is_some_and(|h| !matches!(h, url::Host::Domain(_))) => Ok(()),
        _ => Err("it has no host name".into()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(fields: Value) -> Vec<u8> {
        let mut base = json!({"indicatorValue": "220e7d15b011d7fac48f2bd61114db1022197f7f", "indicatorType": "FileSha1",
                              "action": "Block", "title": "t", "description": "d"});
        if let (Value::Object(base), Value::Object(fields)) = (&mut base, fields) {
            for (key, value) in fields {
                if value.is_null() {
                    base.remove(&key);
                } else {
                    base.insert(key, value);
                }
            }
        }
        serde_json::to_vec(&base).unwrap()
    }

    #[test]
    fn a_documented_indicator_is_accepted() {
        let submitted = parse_submission(&body(json!({
            "application": "demo-test", "expirationTime": "2030-12-12T00:00:00Z", "severity": "Informational",
            "recommendedActions": "nothing", "rbacGroupNames": ["group1", "group2"], "category": 1
        })))
        .unwrap();
        assert_eq!(submitted.indicator.rbac_group_names, ["group1", "group2"]);
        assert_eq!(submitted.extra["category"], 1);
        let comma = parse_submission(&body(json!({"rbacGroupNames": "a, b"}))).unwrap();
        assert_eq!(comma.indicator.rbac_group_names, ["a", "b"]);
        for (kind, value) in [
            ("IpAddress", "203.0.113.45"),
            ("IpAddress", "2001:4860::8888"),
            ("DomainName", "evil.example.com"),
            ("Url", "https://evil.example.com/path?q=1"),
            ("Url", "evil.example.com/x"),
            (
                "FileSha256",
                "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
            ),
            ("FileMd5", "44d88612fea8a8f36de82e1278abb02f"),
        ] {
            let submitted = parse_submission(&body(json!({"indicatorType": kind, "indicatorValue": value})));
            assert!(submitted.is_ok(), "{kind} {value}: {:?}", submitted.err());
        }
    }

    #[test]
    fn every_bad_indicator_says_what_is_wrong() {
        for (fields, code, needle) in [
            (
                json!({"indicatorValue": null}),
                "MissingRequiredParameter",
                "Parameter indicatorValue is missing.",
            ),
            (
                json!({"title": ""}),
                "MissingRequiredParameter",
                "Parameter title is missing.",
            ),
            (
                json!({"description": null}),
                "MissingRequiredParameter",
                "Parameter description is missing.",
            ),
            (
                json!({"action": null}),
                "MissingRequiredParameter",
                "Parameter action is missing.",
            ),
            (
                json!({"indicatorType": null}),
                "MissingRequiredParameter",
                "Parameter indicatorType is missing.",
            ),
            (
                json!({"IndicatorValue": "x"}),
                "InvalidRequestBody",
                "write 'indicatorValue'",
            ),
            (
                json!({"colour": "red"}),
                "InvalidRequestBody",
                "unknown parameter 'colour'",
            ),
            (json!({"indicatorType": "Sha1"}), "InvalidInput", "indicatorType 'Sha1'"),
            (json!({"action": "Destroy"}), "InvalidInput", "action 'Destroy'"),
            (json!({"severity": "Critical"}), "InvalidInput", "severity 'Critical'"),
            (
                json!({"expirationTime": "tomorrow"}),
                "InvalidInput",
                "expirationTime 'tomorrow'",
            ),
            (json!({"action": "Audit"}), "InvalidInput", "generateAlert"),
            (
                json!({"generateAlert": "yes"}),
                "InvalidRequestBody",
                "generateAlert must be true or false",
            ),
            (
                json!({"indicatorValue": "abc"}),
                "InvalidHashValue",
                "Hash value abc is invalid: a FileSha1 indicator takes 40",
            ),
            (
                json!({"indicatorType": "FileSha256", "indicatorValue": "220e7d15b011d7fac48f2bd61114db1022197f7f"}),
                "InvalidHashValue",
                "64 hexadecimal",
            ),
            (
                json!({"indicatorType": "FileMd5", "indicatorValue": "zz"}),
                "InvalidHashValue",
                "32 hexadecimal",
            ),
            (
                json!({"indicatorType": "IpAddress", "indicatorValue": "203.0.113.0/24"}),
                "InvalidIpAddress",
                "not CIDR",
            ),
            (
                json!({"indicatorType": "IpAddress", "indicatorValue": "10.1.2.3"}),
                "InvalidIpAddress",
                "external (public)",
            ),
            (
                json!({"indicatorType": "IpAddress", "indicatorValue": "fe80::1"}),
                "InvalidIpAddress",
                "external (public)",
            ),
            (
                json!({"indicatorType": "IpAddress", "indicatorValue": "203.0.113.1-203.0.113.9"}),
                "InvalidIpAddress",
                "ranges",
            ),
            (
                json!({"indicatorType": "IpAddress", "indicatorValue": "not-an-ip"}),
                "InvalidIpAddress",
                "not an IPv4",
            ),
            (
                json!({"indicatorType": "IpAddress", "indicatorValue": "999.1.1.1"}),
                "InvalidIpAddress",
                "not an IPv4 or IPv6",
            ),
            (
                json!({"indicatorType": "DomainName", "indicatorValue": "https://evil.example.com"}),
                "InvalidDomainName",
                "without a scheme",
            ),
            (
                json!({"indicatorType": "DomainName", "indicatorValue": "localhost"}),
                "InvalidDomainName",
                "two or more labels",
            ),
            (
                json!({"indicatorType": "DomainName", "indicatorValue": "bad_label.example.com"}),
                "InvalidDomainName",
                "'bad_label'",
            ),
            (
                json!({"indicatorType": "Url", "indicatorValue": "ftp://evil.example.com/x"}),
                "InvalidUrl",
                "not http or https",
            ),
            (
                json!({"indicatorType": "Url", "indicatorValue": "http://"}),
                "InvalidUrl",
                "Url http:// is invalid",
            ),
        ] {
            let error = parse_submission(&body(fields.clone())).unwrap_err();
            assert_eq!(error.code, code, "{fields}: {error}");
            assert!(error.message.contains(needle), "{fields}: {error}");
        }
        assert_eq!(parse_submission(b"{").unwrap_err().code, "InvalidRequestBody");
    }
}
