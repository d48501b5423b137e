//! The serde wire types of the Microsoft Graph security API: alerts, incidents, evidence,
//! comments, PATCH bodies, advanced hunting, paging, `$batch`, error envelopes and tokens.
//!
//! These types are shared by graphsoar's HTTP client and by its local Graph emulator: both
//! extend them here and never copy them. They are lenient where Graph is sloppy (any number of
//! fractional seconds, `""` for null, PascalCase enum names, unknown properties and evidence
//! types kept for round trips) and write what Graph writes (camelCase enum names, `@odata.type`
//! with a leading `#`, 100-nanosecond datetimes). Playbook items are the Graph JSON itself,
//! normalised by [`normalize`]. `graph` never imports `emulator`.

#[macro_use]
mod macros;

pub mod alert;
pub mod auth;
pub mod batch;
pub mod defender;
pub mod enums;
pub mod error;
pub mod evidence;
pub mod evidence_cloud;
pub mod evidence_parts;
pub mod evidence_types;
pub mod hunting;
pub mod identity;
pub mod incident;
pub mod normalize;
pub mod update;
pub mod wire;

pub use alert::{Alert, AlertComment, CommentList};
pub use auth::{TokenErrorResponse, TokenResponse};
pub use batch::{BatchRequest, BatchRequestItem, BatchResponse, BatchResponseItem};
pub use enums::{
    AlertClassification, AlertDetermination, AlertSeverity, AlertStatus, DetectionSource, EvidenceRemediationStatus,
    EvidenceRole, EvidenceVerdict, IncidentStatus, InvestigationState, ServiceSource,
};
pub use error::{GraphError, GraphErrorBody, InnerError};
pub use evidence::{Evidence, EvidenceCommon};
pub use evidence_cloud::*;
pub use evidence_parts::*;
pub use evidence_types::*;
pub use hunting::{HuntingColumn, HuntingQueryRequest, HuntingQueryResults};
pub use incident::{Incident, RecommendedHuntingQuery};
pub use normalize::{hide_evolvable_alert, hide_evolvable_incident, normalize_alert, normalize_incident};
pub use update::{AlertUpdate, CommentRequest, IncidentUpdate};

use serde::{Deserialize, Serialize};

/// One page of a Graph collection: `{"@odata.context", "@odata.count", "@odata.nextLink", "value"}`.
///
/// Follow `next_link` unchanged until it is absent; `count` is only on the first page of a
/// `$count=true` request. A page may hold zero items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// `@odata.context`: the metadata URL describing the collection, if sent.
    #[serde(rename = "@odata.context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// `@odata.count`: the total number of items matching the query (first page of `$count=true`).
    #[serde(rename = "@odata.count", default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// `@odata.nextLink`: the absolute URL of the next page; absent on the last page.
    #[serde(rename = "@odata.nextLink", default, skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
    /// The items of this page.
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
}

impl<T> Page<T> {
    /// A page holding `value`, with no context, count or next link.
    pub fn new(value: Vec<T>) -> Self {
        Page {
            context: None,
            count: None,
            next_link: None,
            value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn page_reads_odata_keys_and_omits_absent_ones() {
        let page: Page<serde_json::Value> = serde_json::from_value(json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#security/alerts_v2",
            "@odata.count": 1234,
            "@odata.nextLink": "https://graph.microsoft.com/v1.0/security/alerts_v2?$skiptoken=abc",
            "value": [{"id": "a"}]
        }))
        .unwrap();
        assert_eq!(page.count, Some(1234));
        assert_eq!(
            page.next_link.as_deref(),
            Some("https://graph.microsoft.com/v1.0/security/alerts_v2?$skiptoken=abc")
        );
        assert_eq!(page.value.len(), 1);

        let empty: Page<Alert> = serde_json::from_str(r#"{"value": []}"#).unwrap();
        assert!(empty.value.is_empty() && empty.next_link.is_none() && empty.count.is_none());
        assert_eq!(serde_json::to_value(&empty).unwrap(), json!({"value": []}));
        assert_eq!(
            serde_json::to_value(Page::new(vec![1, 2])).unwrap(),
            json!({"value": [1, 2]})
        );
    }

    #[test]
    fn page_of_alerts_from_the_incident_expand_sample() {
        let page: Page<Incident> = serde_json::from_str(include_str!("testdata/incidents_expand_2026.json")).unwrap();
        assert_eq!(
            page.context.as_deref(),
            Some("https://graph.microsoft.com/v1.0/$metadata#security/incidents(alerts())")
        );
        assert_eq!(page.value[0].alerts.as_ref().map(Vec::len), Some(1));
    }
}
