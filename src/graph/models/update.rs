//! Request bodies that change things: the alert and incident PATCH bodies and the comment POST
//! body. Only writable properties exist here; each is sent only when set.

use crate::graph::models::enums::{AlertClassification, AlertDetermination, AlertStatus, IncidentStatus};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// The body of `POST /security/alerts_v2/{id}/comments` and `/security/incidents/{id}/comments`:
/// `{"@odata.type": "microsoft.graph.security.alertComment", "comment": "…"}` (no leading `#`,
/// as the docs send it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentRequest {
    /// Always `microsoft.graph.security.alertComment` when sent; optional when read.
    #[serde(rename = "@odata.type", default = "CommentRequest::odata_type")]
    pub odata_type: String,
    /// The comment text.
    pub comment: String,
}

impl CommentRequest {
    /// The `@odata.type` the docs send with a comment.
    pub const ODATA_TYPE: &'static str = "microsoft.graph.security.alertComment";

    /// A comment body with the documented `@odata.type`.
    pub fn new(comment: impl Into<String>) -> Self {
        CommentRequest {
            odata_type: Self::ODATA_TYPE.to_owned(),
            comment: comment.into(),
        }
    }

    fn odata_type() -> String {
        Self::ODATA_TYPE.to_owned()
    }
}

/// The body of `PATCH /security/alerts_v2/{id}`: only the writable properties, each sent only
/// when set. `assigned_to: Some(None)` sends `"assignedTo": null` (unassign; undocumented but
/// standard PATCH semantics); `None` leaves the owner alone.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertUpdate {
    /// The new status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AlertStatus>,
    /// The new classification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<AlertClassification>,
    /// The new determination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub determination: Option<AlertDetermination>,
    /// The new owner: `Some(Some(upn))` assigns, `Some(None)` unassigns, `None` leaves it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "explicit_null")]
    pub assigned_to: Option<Option<String>>,
    /// Any other property in a received body: the client never sets it; the emulator rejects a
    /// body where it is not empty (those properties are read-only).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AlertUpdate {
    /// Whether the body changes nothing.
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.classification.is_none()
            && self.determination.is_none()
            && self.assigned_to.is_none()
            && self.extra.is_empty()
    }
}

/// `Option<Option<T>>` for PATCH bodies: absent ⇔ `None`, `null` ⇔ `Some(None)`.
/// Use with `#[serde(default, skip_serializing_if = "Option::is_none", with = "explicit_null")]`.
pub mod explicit_null {
    use super::*;

    /// Reads a present value (possibly `null`) as `Some(..)`; absence is the field's default.
    pub fn deserialize<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }

    /// Writes `Some(None)` as `null` and `Some(Some(v))` as `v` (skip `None` on the field).
    pub fn serialize<S, T>(value: &Option<Option<T>>, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
        T: Serialize,
    {
        match value {
            Some(Some(inner)) => inner.serialize(serializer),
            _ => serializer.serialize_none(),
        }
    }
}

/// The body of `PATCH /security/incidents/{id}`: the alert's writable set plus `customTags`
/// (which replaces the whole array). `assigned_to` works as in [`AlertUpdate`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncidentUpdate {
    /// The new status (`redirected` and `awaitingAction` are set only by the service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<IncidentStatus>,
    /// The new classification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<AlertClassification>,
    /// The new determination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub determination: Option<AlertDetermination>,
    /// The new owner: `Some(Some(upn))` assigns, `Some(None)` unassigns, `None` leaves it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "explicit_null")]
    pub assigned_to: Option<Option<String>>,
    /// The complete new tag array (analysts' tags included: PATCH replaces the array).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_tags: Option<Vec<String>>,
    /// Any other property in a received body: the client never sets it; the emulator rejects a
    /// body where it is not empty (those properties are read-only).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl IncidentUpdate {
    /// Whether the body changes nothing.
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.classification.is_none()
            && self.determination.is_none()
            && self.assigned_to.is_none()
            && self.custom_tags.is_none()
            && self.extra.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn alert_update_sends_only_what_is_set() {
        assert_eq!(serde_json::to_value(AlertUpdate::default()).unwrap(), json!({}));
        assert!(AlertUpdate::default().is_empty());
        let update = AlertUpdate {
            status: Some(AlertStatus::Resolved),
            classification: Some(AlertClassification::InformationalExpectedActivity),
            determination: Some(AlertDetermination::SecurityTesting),
            ..AlertUpdate::default()
        };
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"status": "resolved", "classification": "informationalExpectedActivity", "determination": "securityTesting"})
        );
        assert!(!update.is_empty());
    }

    #[test]
    fn assigned_to_distinguishes_absent_null_and_value() {
        let unassign = AlertUpdate {
            assigned_to: Some(None),
            ..AlertUpdate::default()
        };
        assert_eq!(serde_json::to_value(&unassign).unwrap(), json!({"assignedTo": null}));
        let assign = AlertUpdate {
            assigned_to: Some(Some("secAdmin@contoso.com".into())),
            ..AlertUpdate::default()
        };
        assert_eq!(
            serde_json::to_value(&assign).unwrap(),
            json!({"assignedTo": "secAdmin@contoso.com"})
        );

        let read: AlertUpdate = serde_json::from_value(json!({"assignedTo": null})).unwrap();
        assert_eq!(read.assigned_to, Some(None));
        let read: AlertUpdate = serde_json::from_value(json!({"status": "Resolved"})).unwrap();
        assert_eq!(read.assigned_to, None);
        assert_eq!(read.status, Some(AlertStatus::Resolved));
    }

    #[test]
    fn docs_patch_bodies_parse_and_read_only_properties_are_visible() {
        // The body of the incident PATCH doc sample (PascalCase enums).
        let update: IncidentUpdate = serde_json::from_value(json!({
            "classification": "TruePositive",
            "determination": "MultiStagedAttack",
            "customTags": ["Demo"]
        }))
        .unwrap();
        assert_eq!(update.classification, Some(AlertClassification::TruePositive));
        assert_eq!(update.custom_tags.as_deref(), Some(&["Demo".to_string()][..]));
        assert!(update.extra.is_empty());
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"classification": "truePositive", "determination": "multiStagedAttack", "customTags": ["Demo"]})
        );

        let sneaky: AlertUpdate = serde_json::from_value(json!({"status": "new", "severity": "low"})).unwrap();
        assert_eq!(sneaky.extra.keys().collect::<Vec<_>>(), ["severity"]);
        let tags_on_alert: AlertUpdate = serde_json::from_value(json!({"customTags": ["x"]})).unwrap();
        assert!(!tags_on_alert.extra.is_empty());
    }

    #[test]
    fn comment_request_matches_the_docs() {
        let body = CommentRequest::new("Closed by graphsoar [graphsoar 42]");
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"@odata.type": "microsoft.graph.security.alertComment", "comment": "Closed by graphsoar [graphsoar 42]"})
        );
        let read: CommentRequest = serde_json::from_value(json!({"comment": "no type"})).unwrap();
        assert_eq!(read, CommentRequest::new("no type"));
        assert!(serde_json::from_value::<CommentRequest>(json!({"@odata.type": "x"})).is_err());
    }
}
