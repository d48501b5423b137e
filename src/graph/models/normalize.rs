//! The items playbooks see: the Graph JSON of an alert or incident, unchanged except that the
//! enum-valued properties carry the schema's camelCase member names (`"Active"` → `"active"`).
//!
//! This works on `serde_json::Value` so unmodelled properties pass through untouched. Values
//! that name no member (a newer member, `""`, a doc-only name) are left as they are.

use crate::graph::enums::{
    ALERT_CLASSIFICATION, ALERT_DETERMINATION, ALERT_SEVERITY, ALERT_STATUS, DETECTION_SOURCE,
    EVIDENCE_REMEDIATION_STATUS, EVIDENCE_ROLE, EVIDENCE_VERDICT, INCIDENT_STATUS, INVESTIGATION_STATE, SERVICE_SOURCE,
    canonical,
};
use std::borrow::Cow;
use std::fmt;

use serde::Deserializer as _;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The enum-valued properties of an alert and their member tables.
const ALERT_ENUMS: &[(&str, &[&str])] = &[
    ("status", ALERT_STATUS),
    ("severity", ALERT_SEVERITY),
    ("classification", ALERT_CLASSIFICATION),
    ("determination", ALERT_DETERMINATION),
    ("serviceSource", SERVICE_SOURCE),
    ("detectionSource", DETECTION_SOURCE),
    ("investigationState", INVESTIGATION_STATE),
];

/// The enum-valued properties of an incident and their member tables.
const INCIDENT_ENUMS: &[(&str, &[&str])] = &[
    ("status", INCIDENT_STATUS),
    ("severity", ALERT_SEVERITY),
    ("classification", ALERT_CLASSIFICATION),
    ("determination", ALERT_DETERMINATION),
];

/// The enum-valued single properties of an evidence item.
const EVIDENCE_ENUMS: &[(&str, &[&str])] = &[
    ("verdict", EVIDENCE_VERDICT),
    ("remediationStatus", EVIDENCE_REMEDIATION_STATUS),
];

/// Normalises an alert's enum properties and those of its `evidence` items in place.
pub fn normalize_alert(value: &mut Value) {
    visit_alert(value, &mut normalize_value);
}

/// Normalises an incident's enum properties and every embedded alert (`$expand=alerts`).
pub fn normalize_incident(value: &mut Value) {
    visit_incident(value, &mut normalize_value);
}

/// The JSON object `json` with only the properties `keys` names (of a repeated name the last,
/// as a whole parse keeps), less those whose JSON is longer than `large` bytes, which are named
/// instead: the others are scanned, not built. A condition that reads the title of a 6 KB alert
/// so leaves its evidence unparsed. Anything but an object is parsed whole.
pub fn parse_properties(json: &str, keys: &[&str], large: usize) -> serde_json::Result<(Value, Vec<String>)> {
    let mut de = serde_json::Deserializer::from_str(json);
    match de
        .deserialize_map(Only { keys, large })
        .and_then(|value| de.end().map(|()| value))
    {
        Ok(value) => Ok(value),
        // Not an object, or not JSON: the whole parse says which.
        Err(_) => Ok((serde_json::from_str(json)?, Vec::new())),
    }
}

/// [`parse_properties`]' visitor.
struct Only<'k> {
    keys: &'k [&'k str],
    large: usize,
}

impl<'de> Visitor<'de> for Only<'_> {
    type Value = (Value, Vec<String>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Map::new();
        let mut large = Vec::new();
        while let Some(key) = map.next_key_seed(Key)? {
            if !self.keys.contains(&&*key) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let raw: &RawValue = map.next_value()?;
            if raw.get().len() > self.large {
                if !large.iter().any(|k| k == &*key) {
                    large.push(key.into_owned());
                }
            } else {
                let value = serde_json::from_str(raw.get()).map_err(serde::de::Error::custom)?;
                out.insert(key.into_owned(), value);
            }
        }
        Ok((Value::Object(out), large))
    }
}

/// A property name, borrowed from the JSON when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        de.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a property name")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

/// Replaces the members declared after `unknownFutureValue` (evolvable members, reference §2)
/// by `unknownFutureValue` in an alert (evidence included): what Graph answers a request
/// without `Prefer: include-unknown-enum-members`.
pub fn hide_evolvable_alert(value: &mut Value) {
    visit_alert(value, &mut hide_evolvable);
}

/// [`hide_evolvable_alert`] for an incident and its embedded alerts.
pub fn hide_evolvable_incident(value: &mut Value) {
    visit_incident(value, &mut hide_evolvable);
}

/// Calls `visit` with each enum-valued property of an alert and of its `evidence` items.
fn visit_alert(value: &mut Value, visit: &mut impl FnMut(&mut Value, &[&'static str])) {
    let Some(alert) = value.as_object_mut() else { return };
    visit_fields(alert, ALERT_ENUMS, visit);
    if let Some(Value::Array(evidence)) = alert.get_mut("evidence") {
        for item in evidence.iter_mut().filter_map(Value::as_object_mut) {
            // `verdict`, `remediationStatus` and each of `roles`.
            visit_fields(item, EVIDENCE_ENUMS, visit);
            if let Some(Value::Array(roles)) = item.get_mut("roles") {
                roles.iter_mut().for_each(|role| visit(role, EVIDENCE_ROLE));
            }
        }
    }
}

/// Calls `visit` with each enum-valued property of an incident and of its embedded alerts.
fn visit_incident(value: &mut Value, visit: &mut impl FnMut(&mut Value, &[&'static str])) {
    let Some(incident) = value.as_object_mut() else { return };
    visit_fields(incident, INCIDENT_ENUMS, visit);
    if let Some(Value::Array(alerts)) = incident.get_mut("alerts") {
        alerts.iter_mut().for_each(|alert| visit_alert(alert, visit));
    }
}

fn visit_fields(
    object: &mut Map<String, Value>,
    fields: &[(&str, &[&'static str])],
    visit: &mut impl FnMut(&mut Value, &[&'static str]),
) {
    for (key, table) in fields {
        if let Some(value) = object.get_mut(*key) {
            visit(value, table);
        }
    }
}

fn normalize_value(value: &mut Value, table: &[&'static str]) {
    if let Value::String(text) = value
        && let Some(member) = canonical(table, text)
        && member != text
    {
        *text = member.to_owned();
    }
}

fn hide_evolvable(value: &mut Value, table: &[&'static str]) {
    const SENTINEL: &str = "unknownFutureValue";
    if let Value::String(text) = value
        && let (Some(at), Some(sentinel)) = (
            table.iter().position(|m| m == text),
            table.iter().position(|m| *m == SENTINEL),
        )
        && at > sentinel
    {
        *text = SENTINEL.to_owned();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn alert_enums_and_evidence_are_camel_cased_and_nothing_else_changes() {
        let mut alert: Value = serde_json::from_str(include_str!("testdata/alert_evidence_zoo.json")).unwrap();
        let original = alert.clone();
        normalize_alert(&mut alert);
        assert_eq!(alert["status"], "new");
        assert_eq!(alert["severity"], "high");
        assert_eq!(alert["classification"], "truePositive");
        assert_eq!(alert["determination"], "phishing");
        assert_eq!(alert["serviceSource"], "microsoftDefenderForOffice365");
        assert_eq!(alert["investigationState"], "pendingApproval");
        let url = &alert["evidence"][0];
        assert_eq!(url["verdict"], "malicious");
        assert_eq!(url["remediationStatus"], "blocked");
        assert_eq!(url["roles"], json!(["commandAndControl", "destination"]));
        let future = &alert["evidence"][8];
        assert_eq!(future["verdict"], "suspicious");
        assert_eq!(future["roles"], json!(["attacker"]));
        assert_eq!(future["quantumFlux"], original["evidence"][8]["quantumFlux"]);
        assert_eq!(alert["someFutureProperty"], original["someFutureProperty"]);
        assert_eq!(alert["resolvedDateTime"], "");
        assert_eq!(alert["createdDateTime"], original["createdDateTime"]);
        // The nested evidence is not an evidence item of the alert: left alone.
        assert_eq!(alert["evidence"][3]["account"], original["evidence"][3]["account"]);
    }

    #[test]
    fn a_part_of_an_object_is_that_part_of_the_whole() {
        let json = r#"{"id":"a","t\u0069tle":"x","evidence":[{"deep":[[[1]]]}],"n":1.5,"id":"b","s":"\"q\""}"#;
        let whole: Value = serde_json::from_str(json).unwrap();
        let (part, large) = parse_properties(json, &["id", "title", "s", "absent"], 100).unwrap();
        assert_eq!(part, json!({"id": "b", "title": "x", "s": "\"q\""}));
        assert!(large.is_empty());
        for (key, value) in part.as_object().unwrap() {
            assert_eq!(&whole[key], value, "{key}");
        }
        assert_eq!(parse_properties(json, &[], 100).unwrap(), (json!({}), vec![]));
        // Values longer than the limit are named, not parsed (a repeated one once).
        let (part, large) = parse_properties(json, &["id", "evidence", "n"], 10).unwrap();
        assert_eq!(
            (part, large),
            (json!({"id": "b", "n": 1.5}), vec!["evidence".to_string()])
        );
        let twice = r#"{"e": [1, 2, 3, 4, 5, 6], "e": [7, 8, 9, 10, 11, 12]}"#;
        assert_eq!(parse_properties(twice, &["e"], 5).unwrap().1, vec!["e".to_string()]);
        // Not an object: parsed whole; not JSON: the whole parse's error.
        assert_eq!(parse_properties("[1, 2]", &["id"], 100).unwrap().0, json!([1, 2]));
        assert!(parse_properties(r#"{"id": "a", "x": [}"#, &["id"], 100).is_err());
        assert!(parse_properties(r#"{"id": "a"} x"#, &["id"], 100).is_err());
    }

    #[test]
    fn unknown_and_empty_values_stay() {
        let mut alert = json!({"id": "a", "status": "active", "classification": "", "determination": "compromisedUser",
                                "severity": 3, "evidence": [{"verdict": null, "roles": "Attacker"}, "junk"]});
        let original = alert.clone();
        normalize_alert(&mut alert);
        assert_eq!(alert, original);
        let mut not_an_object = json!(["Active"]);
        normalize_alert(&mut not_an_object);
        normalize_incident(&mut not_an_object);
        assert_eq!(not_an_object, json!(["Active"]));
    }

    #[test]
    fn evolvable_members_are_hidden_as_graph_does_without_the_prefer_header() {
        let mut incident = json!({"status": "awaitingAction", "severity": "high", "alerts": [
            {"status": "new", "serviceSource": "microsoftSentinel", "detectionSource": "antivirus",
             "evidence": [{"verdict": "malicious", "roles": ["attacker"]}]}]});
        hide_evolvable_incident(&mut incident);
        assert_eq!(incident["status"], "unknownFutureValue");
        assert_eq!(incident["severity"], "high");
        let alert = &incident["alerts"][0];
        assert_eq!(alert["serviceSource"], "unknownFutureValue");
        assert_eq!(
            (alert["status"].as_str(), alert["detectionSource"].as_str()),
            (Some("new"), Some("antivirus"))
        );
        assert_eq!(alert["evidence"][0]["verdict"], "malicious");
    }

    #[test]
    fn incident_and_embedded_alerts() {
        let mut page: Value = serde_json::from_str(include_str!("testdata/incidents_list_pascal.json")).unwrap();
        let incident = &mut page["value"][0];
        incident["alerts"] = json!([{"id": "a", "status": "InProgress", "evidence": [{"verdict": "NoThreatsFound"}]}]);
        normalize_incident(incident);
        assert_eq!(incident["status"], "active");
        assert_eq!(incident["severity"], "medium");
        assert_eq!(incident["classification"], "truePositive");
        assert_eq!(incident["determination"], "multiStagedAttack");
        assert_eq!(incident["alerts"][0]["status"], "inProgress");
        assert_eq!(incident["alerts"][0]["evidence"][0]["verdict"], "noThreatsFound");
        assert_eq!(incident["comments"][0]["createdBy"], "DavidS@contoso.onmicrosoft.com");
        // An incident status is read with the incident table, an alert status with the alert's.
        let mut redirected = json!({"status": "Redirected"});
        normalize_incident(&mut redirected);
        assert_eq!(redirected["status"], "redirected");
        let mut alert = json!({"status": "Redirected"});
        normalize_alert(&mut alert);
        assert_eq!(alert["status"], "Redirected");
    }
}
