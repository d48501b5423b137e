//! PATCH and comments on alerts and incidents, as Graph checks and applies them.
//!
//! Writable: `status`, `classification`, `determination`, `assignedTo` (and `customTags` on
//! incidents, replaced whole). Enum values are read case-insensitively and stored camelCase;
//! `redirected`, `awaitingAction` and `unknownFutureValue` are refused. Any other property is a 400
//! naming it. A successful PATCH bumps `lastUpdateDateTime` (and, on alerts, sets or clears
//! `resolvedDateTime` as the status moves to or from `resolved`); an incident also records
//! `lastModifiedBy`. Resolving an incident leaves its alerts alone, as Defender does for a
//! PATCH. A comment bumps `lastUpdateDateTime` too.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::error::ApiError;
use super::store::{Entity, Kind, Store};
use crate::graph::enums::{NOT_SETTABLE, canonical};
use crate::odata;
use crate::time::format_utc;

/// The comment `@odata.type`, as the docs send it (without `#`).
const COMMENT_TYPE: &str = "microsoft.graph.security.alertComment";

/// Checks a PATCH body against `kind` and applies it to item `id`; returns the updated entity.
pub fn patch<'s>(
    store: &'s mut Store,
    kind: Kind,
    id: &str,
    body: &Value,
    by: &str,
    now: DateTime<Utc>,
) -> Result<&'s Entity, ApiError> {
    let Value::Object(changes) = body else {
        return Err(ApiError::bad_request(format!(
            "The request body must be a JSON object with the {} properties to change.",
            kind.noun()
        )));
    };
    let checked = check(kind, changes)?;
    let entity = store
        .collection_mut(kind)
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found(kind.noun(), id))?;
    if checked.is_empty() {
        return Ok(entity);
    }
    let now_text = format_utc(&now);
    entity.update(&["status"], |object| {
        for (key, value) in checked {
            if kind == Kind::Alert && key == "status" {
                let resolved = value.as_str() == Some("resolved");
                let was_resolved = object.get("status").and_then(Value::as_str) == Some("resolved");
                if resolved && !was_resolved {
                    object.insert("resolvedDateTime".into(), Value::String(now_text.clone()));
                } else if !resolved {
                    object.insert("resolvedDateTime".into(), Value::Null);
                }
            }
            object.insert(key, value);
        }
        if kind == Kind::Incident {
            object.insert("lastModifiedBy".into(), Value::String(by.to_owned()));
        }
        object.insert("lastUpdateDateTime".into(), Value::String(now_text));
    });
    Ok(entity)
}

/// The checked changes of a PATCH body, values canonical.
fn check(kind: Kind, changes: &Map<String, Value>) -> Result<Vec<(String, Value)>, ApiError> {
    let type_name = &kind.odata_type()[1..];
    let mut checked = Vec::with_capacity(changes.len());
    for (key, value) in changes {
        let writable = match (kind, key.as_str()) {
            (_, "@odata.type") => {
                let named = value.as_str().unwrap_or_default().trim_start_matches('#');
                if !named.eq_ignore_ascii_case(type_name) {
                    return Err(ApiError::bad_request(format!(
                        "The @odata.type '{named}' does not match the type of the {}, '{type_name}'.",
                        kind.noun()
                    )));
                }
                continue;
            }
            (_, "status" | "classification" | "determination" | "assignedTo") => true,
            (Kind::Incident, "customTags") => true,
            _ => false,
        };
        if !writable {
            let message = if kind.resource().property(key).is_some() {
                format!("The property '{key}' of type '{type_name}' is read-only and cannot be updated.")
            } else {
                format!(
                    "The property '{key}' does not exist on type '{type_name}'. Make sure to only use property names \
                     that are defined by the type or mark the type as open type."
                )
            };
            return Err(ApiError::bad_request(message));
        }
        checked.push((key.clone(), check_value(kind, key, value)?));
    }
    Ok(checked)
}

fn check_value(kind: Kind, key: &str, value: &Value) -> Result<Value, ApiError> {
    match key {
        "assignedTo" => match value {
            Value::String(_) | Value::Null => Ok(value.clone()),
            _ => Err(ApiError::bad_request(
                "Cannot convert the value of property 'assignedTo' to the expected type 'Edm.String'.",
            )),
        },
        "customTags" => match value {
            Value::Array(tags) if tags.iter().all(Value::is_string) => Ok(value.clone()),
            Value::Null => Ok(Value::Array(Vec::new())),
            _ => Err(ApiError::bad_request(
                "Cannot convert the value of property 'customTags' to the expected type 'Collection(Edm.String)'.",
            )),
        },
        _ => {
            let Some(odata::Property {
                kind: odata::Kind::Enum { type_name, members },
                ..
            }) = kind.resource().property(key)
            else {
                return Err(ApiError::internal(format!("no enum table for {key}")));
            };
            let text = match value {
                Value::Null if key != "status" => return Ok(Value::Null),
                Value::String(text) => text,
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "Cannot convert the value of property '{key}' to the expected type \
                         'microsoft.graph.security.{type_name}'."
                    )));
                }
            };
            match canonical(members, text) {
                Some(member) if NOT_SETTABLE.contains(&member) => Err(ApiError::bad_request(format!(
                    "The value '{member}' of property '{key}' is set by the service and cannot be written."
                ))),
                Some(member) => Ok(Value::String(member.to_owned())),
                None => Err(ApiError::bad_request(format!(
                    "Cannot convert the literal '{text}' to the expected type 'microsoft.graph.security.{type_name}'."
                ))),
            }
        }
    }
}

/// The comment texts of a comment POST body: the documented object
/// `{"@odata.type": "microsoft.graph.security.alertComment", "comment": "…"}`, or the Python
/// SDK's JSON array of such objects (usually without `@odata.type`).
pub fn comment_texts(body: &Value) -> Result<Vec<String>, ApiError> {
    let items: Vec<&Value> = match body {
        Value::Array(items) if !items.is_empty() => items.iter().collect(),
        Value::Object(_) => vec![body],
        _ => {
            return Err(ApiError::bad_request(
                "The request body must be an alertComment object, {\"comment\": \"...\"}, or an array of them.",
            ));
        }
    };
    items
        .into_iter()
        .map(|item| {
            let Value::Object(object) = item else {
                return Err(ApiError::bad_request("Each comment must be an alertComment object."));
            };
            if let Some(odata_type) = object.get("@odata.type") {
                let named = odata_type.as_str().unwrap_or_default().trim_start_matches('#');
                if !named.eq_ignore_ascii_case(COMMENT_TYPE) {
                    return Err(ApiError::bad_request(format!(
                        "The @odata.type '{named}' is not '{COMMENT_TYPE}'."
                    )));
                }
            }
            if let Some(key) = object.keys().find(|k| {
                !matches!(
                    k.as_str(),
                    "@odata.type" | "comment" | "createdByDisplayName" | "createdDateTime"
                )
            }) {
                return Err(ApiError::bad_request(format!(
                    "The property '{key}' does not exist on type '{COMMENT_TYPE}'."
                )));
            }
            match object.get("comment") {
                Some(Value::String(text)) if !text.trim().is_empty() => Ok(text.clone()),
                _ => Err(ApiError::bad_request("The comment text ('comment') is required.")),
            }
        })
        .collect()
}

/// Appends comments to item `id` and returns all its comments, each with `@odata.type`.
pub fn add_comments(
    store: &mut Store,
    kind: Kind,
    id: &str,
    texts: Vec<String>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Value>, ApiError> {
    let entity = store
        .collection_mut(kind)
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found(kind.noun(), id))?;
    let now_text = format_utc(&now);
    let all = entity.update(&["comments"], |object| {
        let comments = object.entry("comments").or_insert_with(|| Value::Array(Vec::new()));
        if !comments.is_array() {
            *comments = Value::Array(Vec::new());
        }
        if let Value::Array(list) = comments {
            for text in texts {
                list.push(serde_json::json!({
                    "comment": text,
                    "createdByDisplayName": by,
                    "createdDateTime": now_text,
                }));
            }
        }
        let all = comments_with_type(comments);
        object.insert("lastUpdateDateTime".into(), Value::String(now_text));
        all
    });
    Ok(all)
}

fn comments_with_type(comments: &Value) -> Vec<Value> {
    let Value::Array(list) = comments else {
        return Vec::new();
    };
    list.iter()
        .map(|comment| {
            let mut typed = Map::new();
            typed.insert("@odata.type".into(), Value::String(format!("#{COMMENT_TYPE}")));
            if let Value::Object(fields) = comment {
                typed.extend(
                    fields
                        .iter()
                        .filter(|(k, _)| *k != "@odata.type")
                        .map(|(k, v)| (k.clone(), v.clone())),
                );
            }
            Value::Object(typed)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store() -> Store {
        let mut store = Store::default();
        let alert = json!({"id": "a", "status": "new", "createdDateTime": "2024-01-01T00:00:00Z"});
        store.put_alert(Entity::new(Kind::Alert, alert).unwrap());
        store
            .put_incident(json!({"id": "1", "status": "active", "customTags": ["x"]}))
            .unwrap();
        store
    }

    #[test]
    fn patch_canonicalises_and_bumps() {
        let mut store = store();
        let now = Utc::now();
        let body = json!({"status": "Resolved", "classification": "TRUEPOSITIVE", "assignedTo": "me",
                          "@odata.type": "#microsoft.graph.security.alert"});
        let alert = patch(&mut store, Kind::Alert, "a", &body, "app", now).unwrap();
        assert_eq!(alert.value()["status"], "resolved");
        assert_eq!(alert.value()["classification"], "truePositive");
        assert_eq!(alert.value()["lastUpdateDateTime"], format_utc(&now));
        assert_eq!(alert.value()["resolvedDateTime"], format_utc(&now));
        assert_eq!(alert.updated, now.with_nanosecond_trunc());
        let incident = patch(
            &mut store,
            Kind::Incident,
            "1",
            &json!({"customTags": ["y"]}),
            "app",
            now,
        )
        .unwrap();
        assert_eq!(incident.value()["customTags"], json!(["y"]));
        assert_eq!(incident.value()["lastModifiedBy"], "app");
    }

    trait Trunc {
        fn with_nanosecond_trunc(self) -> Self;
    }
    impl Trunc for DateTime<Utc> {
        fn with_nanosecond_trunc(self) -> Self {
            crate::time::parse_utc(&format_utc(&self)).unwrap()
        }
    }

    #[test]
    fn patch_refusals_name_the_property() {
        let mut store = store();
        let now = Utc::now();
        let cases = [
            (Kind::Alert, json!({"severity": "high"}), "'severity'"),
            (Kind::Alert, json!({"customTags": ["x"]}), "does not exist"),
            (Kind::Alert, json!({"status": "active"}), "'active'"),
            (Kind::Incident, json!({"status": "redirected"}), "'redirected'"),
            (Kind::Incident, json!({"status": "awaitingAction"}), "'awaitingAction'"),
            (Kind::Alert, json!({"determination": "clean"}), "alertDetermination"),
            (Kind::Alert, json!({"status": null}), "alertStatus"),
            (Kind::Alert, json!([1]), "JSON object"),
        ];
        for (kind, body, needle) in cases {
            let error = patch(
                &mut store,
                kind,
                if kind == Kind::Alert { "a" } else { "1" },
                &body,
                "x",
                now,
            )
            .unwrap_err();
            assert_eq!(error.status.as_u16(), 400, "{body}");
            assert!(error.message.contains(needle), "{body}: {}", error.message);
        }
        let missing = patch(&mut store, Kind::Alert, "nope", &json!({}), "x", now).unwrap_err();
        assert_eq!((missing.status.as_u16(), missing.code.as_str()), (404, "NotFound"));
        assert!(missing.message.contains("'nope'"));
    }

    #[test]
    fn comments_accept_the_object_and_the_sdk_array() {
        assert_eq!(
            comment_texts(&json!({"@odata.type": "microsoft.graph.security.alertComment", "comment": "a"})).unwrap(),
            ["a"]
        );
        assert_eq!(
            comment_texts(&json!([{"comment": "a"}, {"comment": "b"}])).unwrap(),
            ["a", "b"]
        );
        assert!(comment_texts(&json!({"comment": ""})).is_err());
        assert!(comment_texts(&json!([])).is_err());
        assert!(comment_texts(&json!({"comment": "a", "extra": 1})).is_err());
        let mut store = store();
        let all = add_comments(&mut store, Kind::Alert, "a", vec!["hi".into()], "Bot", Utc::now()).unwrap();
        assert_eq!(all[0]["@odata.type"], "#microsoft.graph.security.alertComment");
        assert_eq!(all[0]["createdByDisplayName"], "Bot");
    }
}
