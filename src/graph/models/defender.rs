//! The wire types of the Microsoft Defender for Endpoint API (response-actions-api.md §2–§4):
//! machines, machine actions and their request bodies, indicators, and the API's error envelope.
//! Shared, like the Graph models, by graphsoar's client and the emulator.
//!
//! Request bodies are case-sensitive on the wire: machine-action bodies are PascalCase
//! (`Comment`, `IsolationType`, `ScanType`, `Sha1`), indicator bodies camelCase (§1.5).

use serde::{Deserialize, Serialize};

use crate::text_enum::text_enum;

/// The resource (token audience) of the Defender for Endpoint API in the commercial cloud
/// (§1.2: the scope is `{this}/.default`; the `aud` claim observed is this value).
pub const DEFENDER_RESOURCE: &str = "https://api.securitycenter.microsoft.com";

/// Every resource whose `/.default` scope yields a Defender for Endpoint token: the
/// commercial one, the alternative of the same page, the newer host, and the US Government
/// ones 3P scripts use (§1.2, §11: the gov scopes are unverified).
pub const DEFENDER_RESOURCES: &[&str] = &[
    DEFENDER_RESOURCE,
    "https://securitycenter.onmicrosoft.com/windowsatpservice",
    "https://api.security.microsoft.com",
    "https://api-gcc.securitycenter.microsoft.us",
    "https://api-gov.securitycenter.microsoft.us",
];

text_enum! {
    /// The type of a machine action (`MachineAction.type`, §3.3).
    pub enum MachineActionType {
        Isolate = "Isolate",
        Unisolate = "Unisolate",
        RunAntiVirusScan = "RunAntiVirusScan",
        RestrictCodeExecution = "RestrictCodeExecution",
        UnrestrictCodeExecution = "UnrestrictCodeExecution",
        CollectInvestigationPackage = "CollectInvestigationPackage",
        StopAndQuarantineFile = "StopAndQuarantineFile",
        Offboard = "Offboard",
        LiveResponse = "LiveResponse",
    }
}

impl MachineActionType {
    /// The path segment after `/api/machines/{id}/` that requests it (§3.2; note the capital S
    /// of `StopAndQuarantineFile`), for the action kinds graphsoar requests.
    pub fn path(self) -> Option<&'static str> {
        Some(match self {
            MachineActionType::Isolate => "isolate",
            MachineActionType::Unisolate => "unisolate",
            MachineActionType::RunAntiVirusScan => "runAntiVirusScan",
            MachineActionType::RestrictCodeExecution => "restrictCodeExecution",
            MachineActionType::UnrestrictCodeExecution => "unrestrictCodeExecution",
            MachineActionType::CollectInvestigationPackage => "collectInvestigationPackage",
            MachineActionType::StopAndQuarantineFile => "StopAndQuarantineFile",
            MachineActionType::Offboard | MachineActionType::LiveResponse => return None,
        })
    }

    /// The type requested by the path segment `path` (exact case, as the API).
    pub fn from_path(path: &str) -> Option<MachineActionType> {
        MachineActionType::ALL.iter().copied().find(|t| t.path() == Some(path))
    }
}

text_enum! {
    /// Where a machine action is (§3.3, §3.5).
    pub enum MachineActionStatus {
        Pending = "Pending",
        InProgress = "InProgress",
        Succeeded = "Succeeded",
        Failed = "Failed",
        TimeOut = "TimeOut",
        Cancelled = "Cancelled",
    }
}

impl MachineActionStatus {
    /// Pending or InProgress: the action may still happen.
    pub fn is_open(self) -> bool {
        matches!(self, MachineActionStatus::Pending | MachineActionStatus::InProgress)
    }
}

/// A machine action (§3.3). `lastUpdateDateTimeUtc` is read under either of the two names the
/// docs use (`lastUpdateTimeUtc` in the list examples).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineAction {
    pub id: String,
    #[serde(rename = "type")]
    pub action_type: MachineActionType,
    /// `Full`/`Selective` for isolation, `Quick`/`Full` for a scan, else null.
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub requestor: Option<String>,
    #[serde(default)]
    pub requestor_comment: Option<String>,
    pub status: MachineActionStatus,
    pub machine_id: String,
    #[serde(default)]
    pub computer_dns_name: Option<String>,
    #[serde(default)]
    pub creation_date_time_utc: Option<String>,
    #[serde(default, alias = "lastUpdateTimeUtc")]
    pub last_update_date_time_utc: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub related_file_info: Option<RelatedFileInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_requestor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_date_time_utc: Option<String>,
}

/// The file a StopAndQuarantineFile action is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedFileInfo {
    pub file_identifier: String,
    /// `Sha1`, `Sha256` or `Md5`.
    pub file_identifier_type: String,
}

/// The body of a machine-action POST (§3.2): PascalCase, `Comment` always required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MachineActionRequest {
    pub comment: String,
    /// Isolate: `Full`, `Selective` (or `UnManagedDevice`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolation_type: Option<String>,
    /// runAntiVirusScan: `Quick` or `Full`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_type: Option<String>,
    /// StopAndQuarantineFile: the file's SHA-1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
}

/// A machine (§2.2), the documented properties graphsoar and the emulator use; others are kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Machine {
    pub id: String,
    #[serde(default)]
    pub computer_dns_name: Option<String>,
    #[serde(default)]
    pub first_seen: Option<String>,
    #[serde(default)]
    pub last_seen: Option<String>,
    #[serde(default)]
    pub os_platform: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub os_build: Option<i64>,
    #[serde(default)]
    pub last_ip_address: Option<String>,
    #[serde(default)]
    pub last_external_ip_address: Option<String>,
    #[serde(default)]
    pub health_status: Option<String>,
    #[serde(default)]
    pub onboarding_status: Option<String>,
    #[serde(default)]
    pub rbac_group_name: Option<String>,
    #[serde(default)]
    pub risk_score: Option<String>,
    #[serde(default)]
    pub exposure_level: Option<String>,
    #[serde(default)]
    pub aad_device_id: Option<String>,
    #[serde(default)]
    pub is_aad_joined: Option<bool>,
    #[serde(default)]
    pub machine_tags: Vec<String>,
    #[serde(default)]
    pub os_architecture: Option<String>,
}

text_enum! {
    /// The type of an indicator's value (§4.2).
    pub enum IndicatorType {
        FileSha1 = "FileSha1",
        FileSha256 = "FileSha256",
        FileMd5 = "FileMd5",
        CertificateThumbprint = "CertificateThumbprint",
        IpAddress = "IpAddress",
        DomainName = "DomainName",
        Url = "Url",
    }
}

text_enum! {
    /// What an indicator does (§4.2, §4.3). `Alert` and `AlertAndBlock` are retired names the
    /// POST page still lists; graphsoar does not send them.
    pub enum IndicatorAction {
        Allowed = "Allowed",
        Audit = "Audit",
        Warn = "Warn",
        Block = "Block",
        BlockAndRemediate = "BlockAndRemediate",
        Alert = "Alert",
        AlertAndBlock = "AlertAndBlock",
    }
}

/// An indicator (§4.2): the request body of `POST /api/indicators` (camelCase) and the entity
/// it answers with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Indicator {
    /// The numeric string id (responses only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub indicator_value: String,
    pub indicator_type: IndicatorType,
    pub action: IndicatorAction,
    pub title: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_time: Option<String>,
    /// `Informational`, `Low`, `Medium` or `High`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommended_actions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate_alert: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rbac_group_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by_display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_time_date_time_utc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated_by: Option<String>,
}

/// A collection answer: `{"@odata.context": ..., "value": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefenderList<T> {
    #[serde(rename = "@odata.context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    pub value: Vec<T>,
    #[serde(rename = "@odata.nextLink", default, skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

/// The API's error envelope (§1.5): `{"error": {"code", "message", "target"}}`, where `target`
/// is a per-error tracking id, not a field path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefenderError {
    pub error: DefenderErrorBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefenderErrorBody {
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub target: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_documented_machine_action_and_bodies_read_and_write_as_the_api_spells_them() {
        // The GET example of get-machineaction-object.md, and the list examples' other name.
        let doc = json!({"@odata.context":"https://api.securitycenter.microsoft.com/api/$metadata#MachineActions/$entity","id":"5382f7ea-7557-4ab7-9782-d50480024a4e","type":"Isolate","scope":"Selective","requestor":"Analyst@TestPrd.onmicrosoft.com","requestorComment":"test for docs","status":"Succeeded","machineId":"7b1f4967d9728e5aa3c06a9e617a22a4a5a17378","computerDnsName":"desktop-test","creationDateTimeUtc":"2019-01-02T14:39:38.2262283Z","lastUpdateDateTimeUtc":"2019-01-02T14:40:44.6596267Z","relatedFileInfo":null});
        let action: MachineAction = serde_json::from_value(doc).unwrap();
        assert_eq!(action.action_type, MachineActionType::Isolate);
        assert_eq!(action.status, MachineActionStatus::Succeeded);
        assert!(!action.status.is_open());
        let listed: MachineAction = serde_json::from_value(json!({"id":"a","type":"RunAntiVirusScan","status":"Pending","machineId":"m","lastUpdateTimeUtc":"2019-01-02T14:40:44Z"})).unwrap();
        assert_eq!(
            listed.last_update_date_time_utc.as_deref(),
            Some("2019-01-02T14:40:44Z")
        );
        let body = MachineActionRequest {
            comment: "c".into(),
            isolation_type: Some("Full".into()),
            scan_type: None,
            sha1: None,
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"Comment": "c", "IsolationType": "Full"})
        );
        assert_eq!(
            MachineActionType::from_path("StopAndQuarantineFile"),
            Some(MachineActionType::StopAndQuarantineFile)
        );
        assert_eq!(MachineActionType::from_path("stopAndQuarantineFile"), None);
        let indicator: Indicator = serde_json::from_value(json!({"indicatorValue":"220e7d15b011d7fac48f2bd61114db1022197f7f","indicatorType":"FileSha1","title":"test","application":"demo-test","expirationTime":"2020-12-12T00:00:00Z","action":"AlertAndBlock","severity":"Informational","description":"test","recommendedActions":"nothing","rbacGroupNames":["group1","group2"]})).unwrap();
        assert_eq!(indicator.action, IndicatorAction::AlertAndBlock);
        assert_eq!(indicator.rbac_group_names.len(), 2);
    }
}
