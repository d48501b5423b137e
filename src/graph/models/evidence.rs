//! `alertEvidence`: the polymorphic evidence of an alert, dispatched on `@odata.type`.
//!
//! Reading never fails: an item whose type graphsoar does not model, whose `@odata.type` is
//! missing, or whose known type is malformed (a wrong field type, as in doc samples with
//! `"osBuild": "Integer"`) becomes [`Evidence::Other`] holding the JSON as received, so one bad
//! evidence item never loses its alert. The type is matched with or without the leading `#` and
//! case-insensitively; writing always produces `#microsoft.graph.security.<typeName>`.

use crate::graph::models::enums::{EvidenceRemediationStatus, EvidenceRole, EvidenceVerdict};
use crate::graph::models::evidence_cloud::*;
use crate::graph::models::evidence_types::*;
use crate::graph::models::wire;
use chrono::{DateTime, Utc};
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The namespace prefix of every evidence `@odata.type`, after the optional `#`.
pub const ODATA_TYPE_PREFIX: &str = "microsoft.graph.security.";

/// The base `alertEvidence` properties every evidence item carries.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceCommon {
    /// When the evidence was created.
    #[serde(default, with = "wire::datetime")]
    pub created_date_time: Option<DateTime<Utc>>,
    /// Free-text roles, e.g. `Main device`, `Referred in command line`.
    #[serde(default, deserialize_with = "wire::null_as_default")]
    pub detailed_roles: Vec<String>,
    /// What was done about the evidence.
    #[serde(default, deserialize_with = "wire::lenient")]
    pub remediation_status: Option<EvidenceRemediationStatus>,
    /// Details of the remediation status.
    #[serde(default)]
    pub remediation_status_details: Option<String>,
    /// The roles the evidence plays in the alert.
    #[serde(default, deserialize_with = "wire::null_as_default")]
    pub roles: Vec<EvidenceRole>,
    /// Tags on the evidence, e.g. device tags.
    #[serde(default, deserialize_with = "wire::null_as_default")]
    pub tags: Vec<String>,
    /// The verdict on the evidence.
    #[serde(default, deserialize_with = "wire::lenient")]
    pub verdict: Option<EvidenceVerdict>,
}

/// Generates [`Evidence`] with one variant per modelled subtype and the dispatch on its name.
macro_rules! evidence_enum {
    ($($variant:ident($ty:ident) = $type_name:literal),+ $(,)?) => {
        /// One evidence item of an alert, by `@odata.type` (modelled subtypes are boxed: they are large).
        #[derive(Debug, Clone, PartialEq)]
        pub enum Evidence {
            $(
                #[doc = concat!("`", $type_name, "`.")]
                $variant(Box<$ty>),
            )+
            /// Any other evidence: an unmodelled or future type, or a malformed known one, kept as
            /// received (including its `@odata.type`).
            Other(Value),
        }

        impl Evidence {
            /// The `@odata.type` names (without prefix) of the modelled subtypes.
            pub const KNOWN_TYPES: &'static [&'static str] = &[$($type_name),+];

            /// Reads a known subtype from `value`, or `None` when the name is unknown or the
            /// item does not fit the type.
            fn known(type_name: &str, value: &Value) -> Option<Evidence> {
                $(
                    if type_name.eq_ignore_ascii_case($type_name) {
                        let mut inner = $ty::deserialize(value).ok()?;
                        inner.extra.remove("@odata.type");
                        return Some(Evidence::$variant(Box::new(inner)));
                    }
                )+
                None
            }

            /// The subtype name, e.g. `fileEvidence`; for `Other`, the name from its
            /// `@odata.type` as sent (or `""` when it has none).
            pub fn type_name(&self) -> &str {
                match self {
                    $(Evidence::$variant(_) => $type_name,)+
                    Evidence::Other(value) => odata_type(value).map(strip_prefix).unwrap_or_default(),
                }
            }

            /// The base properties of a modelled subtype; `None` for `Other`.
            pub fn common(&self) -> Option<&EvidenceCommon> {
                match self {
                    $(Evidence::$variant(inner) => Some(&inner.common),)+
                    Evidence::Other(_) => None,
                }
            }

            /// The base properties of a modelled subtype, mutably; `None` for `Other`.
            pub fn common_mut(&mut self) -> Option<&mut EvidenceCommon> {
                match self {
                    $(Evidence::$variant(inner) => Some(&mut inner.common),)+
                    Evidence::Other(_) => None,
                }
            }

            /// The item as JSON, `@odata.type` included.
            pub fn to_value(&self) -> Result<Value, serde_json::Error> {
                let (mut value, type_name) = match self {
                    $(Evidence::$variant(inner) => (serde_json::to_value(&**inner)?, $type_name),)+
                    Evidence::Other(value) => return Ok(value.clone()),
                };
                if let Value::Object(map) = &mut value {
                    map.insert("@odata.type".into(), Value::String(format!("#{ODATA_TYPE_PREFIX}{type_name}")));
                }
                Ok(value)
            }
        }
    };
}

evidence_enum! {
    Device(DeviceEvidence) = "deviceEvidence",
    File(FileEvidence) = "fileEvidence",
    Process(ProcessEvidence) = "processEvidence",
    User(UserEvidence) = "userEvidence",
    Ip(IpEvidence) = "ipEvidence",
    Url(UrlEvidence) = "urlEvidence",
    AnalyzedMessage(AnalyzedMessageEvidence) = "analyzedMessageEvidence",
    Mailbox(MailboxEvidence) = "mailboxEvidence",
    MailCluster(MailClusterEvidence) = "mailClusterEvidence",
    CloudApplication(CloudApplicationEvidence) = "cloudApplicationEvidence",
    CloudLogonSession(CloudLogonSessionEvidence) = "cloudLogonSessionEvidence",
    RegistryKey(RegistryKeyEvidence) = "registryKeyEvidence",
    RegistryValue(RegistryValueEvidence) = "registryValueEvidence",
    OauthApplication(OauthApplicationEvidence) = "oauthApplicationEvidence",
    AmazonResource(AmazonResourceEvidence) = "amazonResourceEvidence",
    AzureResource(AzureResourceEvidence) = "azureResourceEvidence",
    GoogleCloudResource(GoogleCloudResourceEvidence) = "googleCloudResourceEvidence",
    FileHash(FileHashEvidence) = "fileHashEvidence",
    NetworkConnection(NetworkConnectionEvidence) = "networkConnectionEvidence",
    SecurityGroup(SecurityGroupEvidence) = "securityGroupEvidence",
    ServicePrincipal(ServicePrincipalEvidence) = "servicePrincipalEvidence",
    SubmissionMail(SubmissionMailEvidence) = "submissionMailEvidence",
}

impl Evidence {
    /// Whether this is a modelled subtype (not `Other`).
    pub fn is_known(&self) -> bool {
        !matches!(self, Evidence::Other(_))
    }

    /// Reads one evidence item from JSON; never fails (see the module docs).
    pub fn from_value(value: Value) -> Evidence {
        match odata_type(&value).and_then(|odata_type| parse_type_name(odata_type)) {
            Some(type_name) => Evidence::known(type_name, &value).unwrap_or(Evidence::Other(value)),
            None => Evidence::Other(value),
        }
    }
}

/// The `@odata.type` string of an evidence object, if it has one.
fn odata_type(value: &Value) -> Option<&str> {
    value.get("@odata.type").and_then(Value::as_str)
}

/// `#microsoft.graph.security.fileEvidence` (any case, `#` optional) → `fileEvidence`.
fn parse_type_name(odata_type: &str) -> Option<&str> {
    let name = odata_type.strip_prefix('#').unwrap_or(odata_type);
    let prefix = name.get(..ODATA_TYPE_PREFIX.len())?;
    prefix
        .eq_ignore_ascii_case(ODATA_TYPE_PREFIX)
        .then(|| &name[ODATA_TYPE_PREFIX.len()..])
}

/// The name after the prefix when there is one, else the whole `@odata.type`.
fn strip_prefix(odata_type: &str) -> &str {
    parse_type_name(odata_type).unwrap_or(odata_type)
}

impl<'de> Deserialize<'de> for Evidence {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(Evidence::from_value)
    }
}

impl Serialize for Evidence {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().map_err(S::Error::custom)?.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dispatches_on_odata_type_with_or_without_hash_in_any_case() {
        for odata_type in [
            "#microsoft.graph.security.urlEvidence",
            "microsoft.graph.security.urlEvidence",
            "#Microsoft.Graph.Security.URLEVIDENCE",
        ] {
            let evidence: Evidence =
                serde_json::from_value(json!({"@odata.type": odata_type, "url": "http://x.example/"})).unwrap();
            let Evidence::Url(url) = &evidence else {
                panic!("{odata_type}: {evidence:?}")
            };
            assert_eq!(url.url.as_deref(), Some("http://x.example/"));
            assert!(url.extra.is_empty(), "@odata.type must not land in extra");
            let back = serde_json::to_value(&evidence).unwrap();
            assert_eq!(back["@odata.type"], "#microsoft.graph.security.urlEvidence");
        }
    }

    #[test]
    fn unknown_missing_or_foreign_types_are_other() {
        for value in [
            json!({"@odata.type": "#microsoft.graph.security.someFutureEvidence", "x": 1}),
            json!({"url": "http://no-type.example/"}),
            json!({"@odata.type": "#microsoft.graph.fileEvidence"}),
            json!({"@odata.type": "#microsoft.graph.security."}),
            json!({"@odata.type": 7}),
            json!("not an object"),
        ] {
            let evidence = Evidence::from_value(value.clone());
            assert_eq!(evidence, Evidence::Other(value.clone()));
            assert!(!evidence.is_known() && evidence.common().is_none());
            assert_eq!(serde_json::to_value(&evidence).unwrap(), value);
        }
        let future = Evidence::from_value(json!({"@odata.type": "#microsoft.graph.security.someFutureEvidence"}));
        assert_eq!(future.type_name(), "someFutureEvidence");
    }

    #[test]
    fn malformed_known_type_falls_back_to_other() {
        let value = json!({
            "@odata.type": "#microsoft.graph.security.deviceEvidence",
            "osBuild": "Integer",
            "verdict": "String"
        });
        let evidence = Evidence::from_value(value.clone());
        assert_eq!(evidence, Evidence::Other(value));
        assert_eq!(evidence.type_name(), "deviceEvidence");
    }

    #[test]
    fn common_fields_parse_case_insensitively_and_unknown_values_survive() {
        let evidence = Evidence::from_value(json!({
            "@odata.type": "#microsoft.graph.security.ipEvidence",
            "createdDateTime": "2026-01-22T12:09:22.9566667Z",
            "verdict": "Malicious",
            "remediationStatus": "quarantined",
            "remediationStatusDetails": "",
            "roles": ["Attacker", "futureRole"],
            "detailedRoles": null,
            "tags": [],
            "ipAddress": "203.0.113.9"
        }));
        let common = evidence.common().unwrap();
        assert_eq!(common.verdict, Some(EvidenceVerdict::Malicious));
        assert_eq!(
            common.remediation_status,
            Some(EvidenceRemediationStatus::Other("quarantined".into()))
        );
        assert_eq!(
            common.roles,
            [EvidenceRole::Attacker, EvidenceRole::Other("futureRole".into())]
        );
        assert!(common.detailed_roles.is_empty());
        let back = evidence.to_value().unwrap();
        assert_eq!(back["verdict"], "malicious");
        assert_eq!(back["roles"], json!(["attacker", "futureRole"]));
        assert_eq!(back["createdDateTime"], "2026-01-22T12:09:22.9566667Z");
        assert_eq!(back["remediationStatusDetails"], "");
    }

    #[test]
    fn every_known_type_dispatches_to_itself() {
        for type_name in Evidence::KNOWN_TYPES {
            let evidence = Evidence::from_value(json!({"@odata.type": format!("#{ODATA_TYPE_PREFIX}{type_name}")}));
            assert!(evidence.is_known(), "{type_name}");
            assert_eq!(evidence.type_name(), *type_name);
        }
    }

    #[test]
    fn nested_evidence_is_typed() {
        let evidence = Evidence::from_value(json!({
            "@odata.type": "#microsoft.graph.security.networkConnectionEvidence",
            "destinationPort": 443,
            "protocol": "tcp",
            "destinationAddress": {"@odata.type": "#microsoft.graph.security.ipEvidence", "ipAddress": "198.51.100.1"},
            "sourceAddress": ""
        }));
        let Evidence::NetworkConnection(connection) = evidence else {
            panic!("not a network connection")
        };
        let destination = connection.destination_address.unwrap();
        assert_eq!(destination.ip_address.as_deref(), Some("198.51.100.1"));
        assert!(connection.source_address.is_none());
    }
}
