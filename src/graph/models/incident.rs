//! `microsoft.graph.security.incident` (`/security/incidents`), with the alerts embedded by
//! `$expand=alerts` and the beta-only properties.

use crate::graph::models::enums::{AlertClassification, AlertDetermination, AlertSeverity, IncidentStatus};
use crate::graph::models::{Alert, AlertComment, wire};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An incident as `/security/incidents` returns it. Only `id` is required. The doc samples'
/// `tags` (instead of `customTags`) and wrong `@odata.type` land in `extra` unchanged.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    /// The incident id, a numeric string such as `2972395`.
    pub id: String,
    /// The owner (writable); `None` when unassigned.
    #[serde(default)]
    pub assigned_to: Option<String>,
    /// The classification (writable).
    #[serde(default, deserialize_with = "wire::lenient")]
    pub classification: Option<AlertClassification>,
    /// The comments, oldest first.
    #[serde(default, deserialize_with = "wire::null_as_default")]
    pub comments: Vec<AlertComment>,
    /// When the incident was created.
    #[serde(default, with = "wire::datetime")]
    pub created_date_time: Option<DateTime<Utc>>,
    /// Analysts' tags (writable: PATCH replaces the whole array).
    #[serde(default, deserialize_with = "wire::null_as_default")]
    pub custom_tags: Vec<String>,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// The determination (writable).
    #[serde(default, deserialize_with = "wire::lenient")]
    pub determination: Option<AlertDetermination>,
    /// The display name (title).
    #[serde(default)]
    pub display_name: Option<String>,
    /// The deep link to the incident in the Defender portal.
    #[serde(default)]
    pub incident_web_url: Option<String>,
    /// Who last changed the incident, e.g. `API-App:admin@contoso.com`.
    #[serde(default)]
    pub last_modified_by: Option<String>,
    /// When the incident last changed: the polling cursor.
    #[serde(default, with = "wire::datetime")]
    pub last_update_date_time: Option<DateTime<Utc>>,
    /// The priority score (0-100).
    #[serde(default)]
    pub priority_score: Option<i64>,
    /// The surviving incident when this one was merged (`status` = `redirected`).
    #[serde(default)]
    pub redirect_incident_id: Option<String>,
    /// The comment given on resolution.
    #[serde(default)]
    pub resolving_comment: Option<String>,
    /// The severity.
    #[serde(default, deserialize_with = "wire::lenient")]
    pub severity: Option<AlertSeverity>,
    /// The status (writable).
    #[serde(default, deserialize_with = "wire::lenient")]
    pub status: Option<IncidentStatus>,
    /// A summary, e.g. by Defender Experts.
    #[serde(default)]
    pub summary: Option<String>,
    /// System tags (never written by graphsoar).
    #[serde(default, deserialize_with = "wire::null_as_default")]
    pub system_tags: Vec<String>,
    /// The tenant id.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// The alerts, present only with `$expand=alerts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts: Option<Vec<Alert>>,
    /// Recommended response actions (beta only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommended_actions: Option<String>,
    /// Recommended hunting queries (beta only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommended_hunting_queries: Option<Vec<RecommendedHuntingQuery>>,
    /// Properties this version does not model, kept as received so they survive a round trip.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Incident {
    /// An incident with this id and nothing else.
    pub fn new(id: impl Into<String>) -> Self {
        Incident {
            id: id.into(),
            ..Incident::default()
        }
    }
}

/// `recommendedHuntingQuery` (beta): a KQL query suggested for an incident.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecommendedHuntingQuery {
    /// The KQL text.
    #[serde(default)]
    pub kql_text: Option<String>,
    /// Properties this version does not model, kept as received so they survive a round trip.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::models::{Evidence, Page, enums::InvestigationState};
    use serde_json::json;

    #[test]
    fn pascal_case_docs_sample() {
        let page: Page<Incident> = serde_json::from_str(include_str!("testdata/incidents_list_pascal.json")).unwrap();
        let incident = &page.value[0];
        assert_eq!(incident.id, "2972395");
        assert_eq!(incident.status, Some(IncidentStatus::Active));
        assert_eq!(incident.severity, Some(AlertSeverity::Medium));
        assert_eq!(incident.classification, Some(AlertClassification::TruePositive));
        assert_eq!(incident.determination, Some(AlertDetermination::MultiStagedAttack));
        assert_eq!(incident.custom_tags, ["Demo"]);
        assert!(incident.alerts.is_none());
        // The sample's non-schema comment keys are kept, not invented into schema fields.
        let comment = &incident.comments[0];
        assert_eq!(comment.comment.as_deref(), Some("Demo incident"));
        assert!(comment.created_date_time.is_none());
        assert_eq!(comment.extra["createdBy"], "DavidS@contoso.onmicrosoft.com");
        let back = serde_json::to_value(incident).unwrap();
        assert_eq!(back["status"], "active");
        assert_eq!(back["classification"], "truePositive");
        assert!(back.get("alerts").is_none() && back.get("recommendedActions").is_none());
    }

    #[test]
    fn expand_sample_with_trailing_commas_fixed() {
        let page: Page<Incident> =
            serde_json::from_str(include_str!("testdata/incidents_expand_2021_fixed.json")).unwrap();
        let incident = &page.value[0];
        assert!(incident.custom_tags.is_empty());
        assert_eq!(incident.extra["tags"], json!(["Demo"]));
        let alerts = incident.alerts.as_ref().unwrap();
        assert_eq!(alerts[0].id, "da637551227677560813_-961444813");
        assert_eq!(alerts[0].evidence.len(), 4);
        assert!(alerts[0].evidence.iter().all(Evidence::is_known));
    }

    #[test]
    fn current_expand_sample() {
        let page: Page<Incident> = serde_json::from_str(include_str!("testdata/incidents_expand_2026.json")).unwrap();
        let incident = &page.value[0];
        assert_eq!(incident.priority_score, Some(100));
        assert_eq!(incident.last_modified_by.as_deref(), Some("API-App:admin@contoso.com"));
        assert!(incident.resolving_comment.is_none());
        let alert = &incident.alerts.as_ref().unwrap()[0];
        assert_eq!(
            alert.investigation_state,
            Some(InvestigationState::UnsupportedAlertType)
        );
        let Evidence::Device(device) = &alert.evidence[0] else {
            panic!("not a device")
        };
        assert!(device.vm_metadata.is_none());
        assert_eq!(device.ip_interfaces.len(), 4);
        let Evidence::Process(process) = &alert.evidence[3] else {
            panic!("not a process")
        };
        assert!(process.parent_process_image_file.is_none());
        assert_eq!(
            process.image_file.as_ref().and_then(|f| f.file_name.as_deref()),
            Some("powershell.exe")
        );

        let round: Page<Incident> = serde_json::from_value(serde_json::to_value(&page).unwrap()).unwrap();
        assert_eq!(round, page);
    }

    #[test]
    fn beta_properties_and_unknown_status() {
        let incident: Incident = serde_json::from_value(json!({
            "id": "7",
            "status": "awaitingAction",
            "createdDateTime": "",
            "recommendedActions": "Isolate the device.",
            "recommendedHuntingQueries": [{"kqlText": "DeviceProcessEvents | take 10"}],
            "customTags": null
        }))
        .unwrap();
        assert_eq!(incident.status, Some(IncidentStatus::AwaitingAction));
        assert!(incident.created_date_time.is_none() && incident.custom_tags.is_empty());
        assert_eq!(
            incident.recommended_hunting_queries.as_ref().unwrap()[0]
                .kql_text
                .as_deref(),
            Some("DeviceProcessEvents | take 10")
        );
        assert_eq!(Incident::new("7").id, "7");
    }
}
