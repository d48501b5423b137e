//! `microsoft.graph.security.alert` (`/security/alerts_v2`), its comments, its PATCH body and
//! the comment POST body.

use crate::graph::models::enums::{
    AlertClassification, AlertDetermination, AlertSeverity, AlertStatus, DetectionSource, InvestigationState,
    ServiceSource,
};
use crate::graph::models::{Evidence, Page, wire};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An alert as `/security/alerts_v2` returns it. Only `id` is required; everything else may be
/// absent, `null` or (for datetimes, enums and objects) `""`. Unmodelled properties, including
/// `@odata.type` and `@odata.context`, are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// The alert id, e.g. `da637551227677560813_-961444813`.
    pub id: String,
    /// The adversary or activity group associated with the alert.
    #[serde(default)]
    pub actor_display_name: Option<String>,
    /// Arbitrary key/values from the detecting product (open type).
    #[serde(default, deserialize_with = "wire::null_as_default")]
    pub additional_data: Map<String, Value>,
    /// The id of the policy that raised the alert.
    #[serde(default)]
    pub alert_policy_id: Option<String>,
    /// The deep link to the alert in the Defender portal.
    #[serde(default)]
    pub alert_web_url: Option<String>,
    /// The owner of the alert (writable); `None` when unassigned.
    #[serde(default)]
    pub assigned_to: Option<String>,
    /// The attack categories (MITRE tactics), replacing `category`.
    #[serde(default, deserialize_with = "wire::null_as_default")]
    pub categories: Vec<String>,
    /// The attack category, e.g. `DefenseEvasion` (deprecated: read [`Alert::all_categories`]).
    #[serde(default)]
    pub category: Option<String>,
    /// The classification (writable).
    #[serde(default, deserialize_with = "wire::lenient")]
    pub classification: Option<AlertClassification>,
    /// The comments on the alert, oldest first.
    #[serde(default, deserialize_with = "wire::null_as_default")]
    pub comments: Vec<AlertComment>,
    /// When the alert was created.
    #[serde(default, with = "wire::datetime")]
    pub created_date_time: Option<DateTime<Utc>>,
    /// Custom detection fields (open type).
    #[serde(default, deserialize_with = "wire::null_as_default")]
    pub custom_details: Map<String, Value>,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// The detection technology that raised the alert.
    #[serde(default, deserialize_with = "wire::lenient")]
    pub detection_source: Option<DetectionSource>,
    /// The id of the detector (rule) that raised the alert.
    #[serde(default)]
    pub detector_id: Option<String>,
    /// The determination (writable).
    #[serde(default, deserialize_with = "wire::lenient")]
    pub determination: Option<AlertDetermination>,
    /// The evidence, by type; see [`Evidence`].
    #[serde(default, deserialize_with = "wire::null_as_default")]
    pub evidence: Vec<Evidence>,
    /// The earliest activity covered by the alert.
    #[serde(default, with = "wire::datetime")]
    pub first_activity_date_time: Option<DateTime<Utc>>,
    /// The id of the incident the alert belongs to, e.g. `28282`.
    #[serde(default)]
    pub incident_id: Option<String>,
    /// The deep link to the incident in the Defender portal.
    #[serde(default)]
    pub incident_web_url: Option<String>,
    /// The state of the automated investigation.
    #[serde(default, deserialize_with = "wire::lenient")]
    pub investigation_state: Option<InvestigationState>,
    /// The latest activity covered by the alert.
    #[serde(default, with = "wire::datetime")]
    pub last_activity_date_time: Option<DateTime<Utc>>,
    /// When the alert last changed: the polling cursor.
    #[serde(default, with = "wire::datetime")]
    pub last_update_date_time: Option<DateTime<Utc>>,
    /// MITRE ATT&CK technique ids, e.g. `T1564.001`.
    #[serde(default, deserialize_with = "wire::null_as_default")]
    pub mitre_techniques: Vec<String>,
    /// The product name, e.g. `Microsoft Defender for Endpoint`.
    #[serde(default)]
    pub product_name: Option<String>,
    /// The id of the alert in the originating product.
    #[serde(default)]
    pub provider_alert_id: Option<String>,
    /// Recommended response actions (free text).
    #[serde(default)]
    pub recommended_actions: Option<String>,
    /// When the alert was resolved.
    #[serde(default, with = "wire::datetime")]
    pub resolved_date_time: Option<DateTime<Utc>>,
    /// The Defender product that raised the alert.
    #[serde(default, deserialize_with = "wire::lenient")]
    pub service_source: Option<ServiceSource>,
    /// The severity.
    #[serde(default, deserialize_with = "wire::lenient")]
    pub severity: Option<AlertSeverity>,
    /// The status (writable).
    #[serde(default, deserialize_with = "wire::lenient")]
    pub status: Option<AlertStatus>,
    /// System tags, e.g. `Defender Experts` (never written by graphsoar).
    #[serde(default, deserialize_with = "wire::null_as_default")]
    pub system_tags: Vec<String>,
    /// The tenant id.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// The threat name.
    #[serde(default)]
    pub threat_display_name: Option<String>,
    /// The threat family name.
    #[serde(default)]
    pub threat_family_name: Option<String>,
    /// The title (attacker-influenced text).
    #[serde(default)]
    pub title: Option<String>,
    /// Properties this version does not model, kept as received so they survive a round trip.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Alert {
    /// An alert with this id and nothing else.
    pub fn new(id: impl Into<String>) -> Self {
        Alert {
            id: id.into(),
            ..Alert::default()
        }
    }

    /// `categories`, or the deprecated `category` when `categories` is empty.
    pub fn all_categories(&self) -> Vec<&str> {
        if self.categories.is_empty() {
            self.category
                .iter()
                .map(String::as_str)
                .filter(|c| !c.is_empty())
                .collect()
        } else {
            self.categories.iter().map(String::as_str).collect()
        }
    }
}

/// `alertComment`: a comment on an alert or incident. The incident doc samples' `createdBy` /
/// `createdTime` keys are not in the schema; they (and `@odata.type`) land in `extra`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertComment {
    /// The comment text.
    #[serde(default)]
    pub comment: Option<String>,
    /// Who wrote it (display name, or the app name for app-only writes).
    #[serde(default)]
    pub created_by_display_name: Option<String>,
    /// When it was written.
    #[serde(default, with = "wire::datetime")]
    pub created_date_time: Option<DateTime<Utc>>,
    /// Properties this version does not model, kept as received so they survive a round trip.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The response of `POST …/comments`: every comment of the item, `{"@odata.context", "value"}`.
pub type CommentList = Page<AlertComment>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::models::enums::{EvidenceRemediationStatus, EvidenceRole, EvidenceVerdict};
    use crate::time::format_utc as format_datetime;
    use serde_json::json;

    fn alert(text: &str) -> Alert {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn docs_get_sample_parses_fully() {
        let alert = alert(include_str!("testdata/alert_get.json"));
        assert_eq!(alert.id, "da637578995287051192_756343937");
        assert_eq!(alert.status, Some(AlertStatus::New));
        assert_eq!(alert.severity, Some(AlertSeverity::Low));
        assert_eq!(alert.service_source, Some(ServiceSource::MicrosoftDefenderForEndpoint));
        assert_eq!(alert.detection_source, Some(DetectionSource::Antivirus));
        assert_eq!(alert.all_categories(), ["DefenseEvasion"]);
        assert_eq!(alert.system_tags, ["Defender Experts"]);
        assert!(alert.assigned_to.is_none() && alert.resolved_date_time.is_none());
        // Seven fractional digits survive exactly.
        let created = alert.created_date_time.unwrap();
        assert_eq!(format_datetime(&created), "2021-04-27T12:19:27.7211305Z");
        assert_eq!(alert.extra["@odata.type"], "#microsoft.graph.security.alert");

        assert_eq!(alert.evidence.len(), 4);
        assert!(alert.evidence.iter().all(Evidence::is_known));
        let Evidence::Device(device) = &alert.evidence[0] else {
            panic!("{:?}", alert.evidence[0])
        };
        assert_eq!(
            device.mde_device_id.as_deref(),
            Some("73e7e2de709dff64ef64b1d0c30e67fab63279db")
        );
        assert_eq!(device.os_build, Some(22424));
        assert_eq!(device.common.roles, [EvidenceRole::Compromised]);
        assert_eq!(device.common.detailed_roles, ["Main device"]);
        assert_eq!(
            device.vm_metadata.as_ref().and_then(|vm| vm.cloud_provider.as_deref()),
            Some("azure")
        );
        let Evidence::File(file) = &alert.evidence[1] else {
            panic!("not a file")
        };
        let details = file.file_details.as_ref().unwrap();
        assert_eq!(
            details.sha256.as_deref(),
            Some("8963a19fb992ad9a76576c5638fd68292cffb9aaac29eb8285f9abf6196a7dec")
        );
        assert_eq!(details.file_path.as_deref(), Some(r"C:\Program Files\temp"));
        let Evidence::Process(process) = &alert.evidence[2] else {
            panic!("not a process")
        };
        assert_eq!(process.process_id, Some(4780));
        assert_eq!(
            process.user_account.as_ref().and_then(|u| u.user_sid.as_deref()),
            Some("S-1-5-18")
        );
        let Evidence::RegistryKey(key) = &alert.evidence[3] else {
            panic!("not a registry key")
        };
        assert_eq!(key.registry_hive.as_deref(), Some("HKEY_LOCAL_MACHINE"));
    }

    #[test]
    fn real_payload_with_empty_strings_for_nulls() {
        let alert = alert(include_str!("testdata/alert_mdo_empty_strings.json"));
        assert_eq!(alert.status, Some(AlertStatus::InProgress));
        assert!(alert.classification.is_none() && alert.determination.is_none());
        assert!(alert.resolved_date_time.is_none());
        assert_eq!(alert.assigned_to.as_deref(), Some(""));
        assert_eq!(alert.additional_data["InvestigationState"], 32);
        assert_eq!(alert.evidence.len(), 3);
        assert!(alert.evidence.iter().all(Evidence::is_known), "{:?}", alert.evidence);
        let Evidence::AnalyzedMessage(message) = &alert.evidence[1] else {
            panic!("not a message")
        };
        assert_eq!(
            message.network_message_id.as_deref(),
            Some("42220a17-4fae-42b7-e485-08dd51827298")
        );
        assert_eq!(
            message.p2_sender.as_ref().and_then(|s| s.email_address.as_deref()),
            Some("consumer_friend@moic.gov.bh")
        );
        let Evidence::User(user) = &alert.evidence[2] else {
            panic!("not a user")
        };
        assert!(user.stream.is_none(), "\"stream\": \"\" reads as absent");
        let Evidence::Mailbox(mailbox) = &alert.evidence[0] else {
            panic!("not a mailbox")
        };
        assert_eq!(mailbox.primary_address.as_deref(), Some("jeevan.sasi@btc.com.bh"));
    }

    #[test]
    fn patch_response_with_oauth_app_evidence() {
        let alert = alert(include_str!("testdata/alert_patch_response.json"));
        assert_eq!(alert.classification, Some(AlertClassification::TruePositive));
        assert!(alert.determination.is_none());
        assert_eq!(alert.service_source, Some(ServiceSource::MicrosoftAppGovernance));
        assert_eq!(alert.detection_source, Some(DetectionSource::AppGovernanceDetection));
        assert_eq!(alert.assigned_to.as_deref(), Some("XSOAR"));
        let Evidence::OauthApplication(app) = &alert.evidence[0] else {
            panic!("not an OAuth app")
        };
        assert_eq!(app.app_id.as_deref(), Some("29c9ea20-6466-4ddd-8f23-bcd0b9e74bbd"));
        assert_eq!(
            format_datetime(&alert.last_update_date_time.unwrap()),
            "2025-05-23T10:41:12.25Z"
        );
    }

    #[test]
    fn one_malformed_evidence_item_does_not_lose_the_alert() {
        let alert = alert(include_str!("testdata/alert_identity_placeholders.json"));
        assert_eq!(
            alert.determination,
            Some(AlertDetermination::Other("compromisedUser".into()))
        );
        assert_eq!(alert.comments[0].comment.as_deref(), Some("Not valid"));
        assert_eq!(alert.comments[0].created_by_display_name.as_deref(), Some("John"));
        assert_eq!(alert.evidence.len(), 4);
        let Evidence::Ip(ip) = &alert.evidence[2] else {
            panic!("not an ip")
        };
        assert_eq!(ip.common.verdict, Some(EvidenceVerdict::Malicious));
        assert_eq!(ip.country_letter_code.as_deref(), Some("US"));
        let Evidence::Other(device) = &alert.evidence[3] else {
            panic!("placeholder device must be Other")
        };
        assert_eq!(device["osBuild"], "Integer");
        let back = serde_json::to_value(&alert).unwrap();
        assert_eq!(back["evidence"][3]["rbacGroupId"], "Integer");
        assert_eq!(back["determination"], "compromisedUser");
    }

    #[test]
    fn pascal_case_enums_unknown_types_and_properties_round_trip() {
        let original: Value = serde_json::from_str(include_str!("testdata/alert_evidence_zoo.json")).unwrap();
        let alert: Alert = serde_json::from_value(original.clone()).unwrap();
        assert_eq!(alert.status, Some(AlertStatus::New));
        assert_eq!(alert.classification, Some(AlertClassification::TruePositive));
        assert_eq!(alert.determination, Some(AlertDetermination::Phishing));
        assert_eq!(alert.investigation_state, Some(InvestigationState::PendingApproval));
        assert_eq!(alert.all_categories(), ["InitialAccess", "Exfiltration"]);
        let kinds: Vec<&str> = alert.evidence.iter().map(Evidence::type_name).collect();
        assert_eq!(
            kinds,
            [
                "urlEvidence",
                "mailClusterEvidence",
                "cloudApplicationEvidence",
                "cloudLogonSessionEvidence",
                "registryValueEvidence",
                "amazonResourceEvidence",
                "azureResourceEvidence",
                "googleCloudResourceEvidence",
                "someFutureEvidence",
                "ipEvidence",
            ]
        );
        assert_eq!(alert.evidence.iter().filter(|e| e.is_known()).count(), 9);
        let Evidence::Url(url) = &alert.evidence[0] else {
            panic!("not a url")
        };
        assert_eq!(
            url.common.roles,
            [EvidenceRole::CommandAndControl, EvidenceRole::Destination]
        );
        assert_eq!(url.common.remediation_status, Some(EvidenceRemediationStatus::Blocked));
        let Evidence::MailCluster(cluster) = &alert.evidence[1] else {
            panic!("not a mail cluster")
        };
        assert_eq!(cluster.email_count, Some(42));
        let Evidence::CloudLogonSession(session) = &alert.evidence[3] else {
            panic!("not a session")
        };
        let account = session.account.as_ref().and_then(|a| a.user_account.as_ref()).unwrap();
        assert_eq!(account.user_principal_name.as_deref(), Some("alice@contoso.com"));
        assert!(session.previous_logon_date_time.is_none());
        let Evidence::GoogleCloudResource(gcp) = &alert.evidence[7] else {
            panic!("not gcp")
        };
        assert_eq!(gcp.project_number, Some(861_234_567_890));
        let Evidence::Ip(ip) = &alert.evidence[9] else {
            panic!("not an ip")
        };
        assert_eq!(ip.location.as_ref().and_then(|l| l.latitude), Some(52.37));

        let back = serde_json::to_value(&alert).unwrap();
        assert_eq!(back["someFutureProperty"], original["someFutureProperty"]);
        assert_eq!(
            back["evidence"][8], original["evidence"][8],
            "unknown evidence is kept verbatim"
        );
        assert_eq!(
            back["evidence"][1]["@odata.type"],
            "#microsoft.graph.security.mailClusterEvidence"
        );
        assert_eq!(
            back["evidence"][3]["account"]["@odata.type"],
            "#microsoft.graph.security.userEvidence"
        );
        assert_eq!(back["status"], "new");
        assert_eq!(back["serviceSource"], "microsoftDefenderForOffice365");
        assert_eq!(back["createdDateTime"], "2026-03-01T08:00:00.1234567Z");
        assert_eq!(back["resolvedDateTime"], Value::Null);
        // And the written form reads back to the same model.
        assert_eq!(serde_json::from_value::<Alert>(back).unwrap(), alert);
    }

    /// Drops `null`, `[]` and `{}` recursively: the model writes absent properties as `null`
    /// and absent collections as empty, which carry no value.
    fn prune(value: Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (k, prune(v)))
                    .filter(|(_, v)| !(v.is_null() || v == &json!([]) || v == &json!({})))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.into_iter().map(prune).collect()),
            other => other,
        }
    }

    #[test]
    fn round_trips_keep_every_value() {
        for text in [
            include_str!("testdata/alert_get.json"),
            include_str!("testdata/alert_patch_response.json"),
            include_str!("testdata/alert_identity_placeholders.json"),
        ] {
            let original: Value = serde_json::from_str(text).unwrap();
            let alert: Alert = serde_json::from_value(original.clone()).unwrap();
            assert_eq!(prune(serde_json::to_value(&alert).unwrap()), prune(original));
        }
    }

    #[test]
    fn id_is_required_and_errors_name_the_field() {
        let err = serde_json::from_value::<Alert>(json!({"title": "x"})).unwrap_err();
        assert!(err.to_string().contains("missing field `id`"), "{err}");
        let err = serde_json::from_value::<Alert>(json!({"id": "a", "lastUpdateDateTime": "soon"})).unwrap_err();
        assert!(err.to_string().contains("invalid datetime \"soon\""), "{err}");
        let minimal: Alert = serde_json::from_value(json!({"id": "a", "evidence": null, "comments": null})).unwrap();
        assert_eq!(minimal, Alert::new("a"));
    }

    #[test]
    fn comment_list_response() {
        let list: CommentList = serde_json::from_str(include_str!("testdata/comments_response.json")).unwrap();
        assert_eq!(list.value.len(), 2);
        assert_eq!(list.value[0].created_by_display_name.as_deref(), Some("Jon Doe"));
        assert!(
            list.value[1]
                .comment
                .as_deref()
                .unwrap()
                .ends_with("[graphsoar 01890a5d-ac96-774b-bcce-b302099a8057]")
        );
        assert_eq!(
            format_datetime(&list.value[0].created_date_time.unwrap()),
            "2022-10-17T06:11:07.8838033Z"
        );
    }
}
