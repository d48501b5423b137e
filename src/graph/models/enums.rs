//! Typed Graph security enums, generated from the member tables in [`crate::graph::enums`].
//!
//! Each enum has one variant per CSDL member (in CSDL order) and `Other(String)` for anything
//! else, so a member added to Graph tomorrow still parses. Reading is case-insensitive (Graph's
//! samples send `"Active"`, `"TruePositive"`); writing always produces the camelCase member name.
//! `alertDetermination` has a member called `other`: its variant is `OtherDetermination`.

use crate::graph::enums as table;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Generates an evolvable enum from a member-name table; variants must follow the table's order.
macro_rules! graph_enum {
    ($(#[$meta:meta])* $name:ident = $table:path { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                #[doc = concat!("The CSDL member `", stringify!($variant), "` (written in camelCase).")]
                $variant,
            )+
            /// A value that is not a member of the table (a newer member, or a doc-only name), kept
            /// as sent.
            Other(String),
        }

        impl $name {
            /// The camelCase member names, in CSDL order.
            pub const MEMBERS: &'static [&'static str] = $table;
            /// The known variants, in the same order as [`Self::MEMBERS`].
            const KNOWN: &'static [$name] = &[$($name::$variant),+];
            #[cfg(test)]
            const IDENTS: &'static [&'static str] = &[$(stringify!($variant)),+];

            /// Reads a member name case-insensitively; anything else becomes `Other`.
            pub fn parse(value: &str) -> Self {
                Self::MEMBERS
                    .iter()
                    .position(|member| member.eq_ignore_ascii_case(value))
                    .and_then(|index| Self::KNOWN.get(index))
                    .cloned()
                    .unwrap_or_else(|| $name::Other(value.to_owned()))
            }

            /// The wire name: the camelCase member, or the `Other` text as received.
            pub fn as_str(&self) -> &str {
                match self {
                    $name::Other(text) => text,
                    known => Self::KNOWN
                        .iter()
                        .position(|candidate| candidate == known)
                        .and_then(|index| Self::MEMBERS.get(index))
                        .copied()
                        .unwrap_or_default(),
                }
            }

            /// Whether this is a member of the table (not `Other`).
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        const _: () = assert!($name::KNOWN.len() == $table.len(), "variants and member table differ in length");

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::parse(value)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::parse(value))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Ok(Self::parse(&text))
            }
        }
    };
}

graph_enum! {
    /// `alertStatus`: the status of an alert (`alert.status`, writable).
    AlertStatus = table::ALERT_STATUS { Unknown, New, InProgress, Resolved, UnknownFutureValue }
}

graph_enum! {
    /// `incidentStatus`: the status of an incident (`incident.status`, writable).
    IncidentStatus = table::INCIDENT_STATUS {
        Active, Resolved, InProgress, Redirected, UnknownFutureValue, AwaitingAction,
    }
}

graph_enum! {
    /// `alertSeverity`: the severity of an alert or incident.
    AlertSeverity = table::ALERT_SEVERITY { Unknown, Informational, Low, Medium, High, UnknownFutureValue }
}

graph_enum! {
    /// `alertClassification`: the classification of an alert or incident (writable).
    AlertClassification = table::ALERT_CLASSIFICATION {
        Unknown, FalsePositive, TruePositive, InformationalExpectedActivity, UnknownFutureValue,
    }
}

graph_enum! {
    /// `alertDetermination`: the determination of an alert or incident (writable), CSDL names.
    AlertDetermination = table::ALERT_DETERMINATION {
        Unknown, Apt, Malware, SecurityPersonnel, SecurityTesting, UnwantedSoftware, OtherDetermination,
        MultiStagedAttack, CompromisedAccount, Phishing, MaliciousUserActivity, NotMalicious,
        NotEnoughDataToValidate, ConfirmedActivity, LineOfBusinessApplication, UnknownFutureValue,
    }
}

graph_enum! {
    /// `serviceSource`: the Defender product that raised an alert.
    ServiceSource = table::SERVICE_SOURCE {
        Unknown, MicrosoftDefenderForEndpoint, MicrosoftDefenderForIdentity, MicrosoftDefenderForCloudApps,
        MicrosoftDefenderForOffice365, Microsoft365Defender, AzureAdIdentityProtection, MicrosoftAppGovernance,
        DataLossPrevention, UnknownFutureValue, MicrosoftDefenderForCloud, MicrosoftSentinel,
        MicrosoftInsiderRiskManagement, MicrosoftThreatIntelligence, MicrosoftSecurityForAI,
    }
}

graph_enum! {
    /// `detectionSource`: the detection technology that raised an alert.
    DetectionSource = table::DETECTION_SOURCE {
        Unknown, MicrosoftDefenderForEndpoint, Antivirus, SmartScreen, CustomTi, MicrosoftDefenderForOffice365,
        AutomatedInvestigation, MicrosoftThreatExperts, CustomDetection, MicrosoftDefenderForIdentity,
        CloudAppSecurity, Microsoft365Defender, AzureAdIdentityProtection, Manual, MicrosoftDataLossPrevention,
        AppGovernancePolicy, AppGovernanceDetection, UnknownFutureValue, MicrosoftDefenderForCloud,
        MicrosoftDefenderForIoT, MicrosoftDefenderForServers, MicrosoftDefenderForStorage, MicrosoftDefenderForDNS,
        MicrosoftDefenderForDatabases, MicrosoftDefenderForContainers, MicrosoftDefenderForNetwork,
        MicrosoftDefenderForAppService, MicrosoftDefenderForKeyVault, MicrosoftDefenderForResourceManager,
        MicrosoftDefenderForApiManagement, NrtAlerts, ScheduledAlerts, MicrosoftDefenderThreatIntelligenceAnalytics,
        BuiltInMl, MicrosoftInsiderRiskManagement, MicrosoftThreatIntelligence, MicrosoftDefenderForAIServices,
        SecurityCopilot, MicrosoftSentinel,
    }
}

graph_enum! {
    /// `investigationState`: the state of the automated investigation of an alert (not filterable).
    InvestigationState = table::INVESTIGATION_STATE {
        Unknown, Terminated, SuccessfullyRemediated, Benign, Failed, PartiallyRemediated, Running,
        PendingApproval, PendingResource, Queued, InnerFailure, PreexistingAlert, UnsupportedOs,
        UnsupportedAlertType, SuppressedAlert, PartiallyInvestigated, TerminatedByUser, TerminatedBySystem,
        UnknownFutureValue,
    }
}

graph_enum! {
    /// `evidenceRole`: a role of a piece of evidence (`alertEvidence.roles`).
    EvidenceRole = table::EVIDENCE_ROLE {
        Unknown, Contextual, Scanned, Source, Destination, Created, Added, Compromised, Edited, Attacked,
        Attacker, CommandAndControl, Loaded, Suspicious, PolicyViolator, UnknownFutureValue,
    }
}

graph_enum! {
    /// `evidenceVerdict`: the verdict on a piece of evidence (`alertEvidence.verdict`).
    EvidenceVerdict = table::EVIDENCE_VERDICT { Unknown, Suspicious, Malicious, NoThreatsFound, UnknownFutureValue }
}

graph_enum! {
    /// `evidenceRemediationStatus`: what was done about a piece of evidence.
    EvidenceRemediationStatus = table::EVIDENCE_REMEDIATION_STATUS {
        None, Remediated, Prevented, Blocked, NotFound, UnknownFutureValue, Active, PendingApproval, Declined,
        Unremediated, Running, PartiallyRemediated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The variant identifiers spell the members (first letter upper-cased), so a variant can
    /// never silently map to the wrong wire name.
    fn check_idents(idents: &[&str], members: &[&str]) {
        assert_eq!(idents.len(), members.len());
        for (ident, member) in idents.iter().zip(members) {
            if *ident == "OtherDetermination" {
                assert_eq!(*member, "other");
                continue;
            }
            let mut expected = member.to_string();
            expected[..1].make_ascii_uppercase();
            assert_eq!(*ident, expected);
        }
    }

    #[test]
    fn variants_follow_the_member_tables() {
        check_idents(AlertStatus::IDENTS, AlertStatus::MEMBERS);
        check_idents(IncidentStatus::IDENTS, IncidentStatus::MEMBERS);
        check_idents(AlertSeverity::IDENTS, AlertSeverity::MEMBERS);
        check_idents(AlertClassification::IDENTS, AlertClassification::MEMBERS);
        check_idents(AlertDetermination::IDENTS, AlertDetermination::MEMBERS);
        check_idents(ServiceSource::IDENTS, ServiceSource::MEMBERS);
        check_idents(DetectionSource::IDENTS, DetectionSource::MEMBERS);
        check_idents(InvestigationState::IDENTS, InvestigationState::MEMBERS);
        check_idents(EvidenceRole::IDENTS, EvidenceRole::MEMBERS);
        check_idents(EvidenceVerdict::IDENTS, EvidenceVerdict::MEMBERS);
        check_idents(EvidenceRemediationStatus::IDENTS, EvidenceRemediationStatus::MEMBERS);
    }

    #[test]
    fn every_member_round_trips() {
        for member in DetectionSource::MEMBERS {
            let parsed = DetectionSource::parse(member);
            assert!(parsed.is_known(), "{member}");
            assert_eq!(parsed.as_str(), *member);
            assert_eq!(serde_json::to_string(&parsed).unwrap(), format!("\"{member}\""));
        }
        for member in AlertDetermination::MEMBERS {
            assert_eq!(AlertDetermination::parse(member).as_str(), *member);
        }
    }

    #[test]
    fn parses_case_insensitively_and_writes_camel_case() {
        let status: IncidentStatus = serde_json::from_str("\"Active\"").unwrap();
        assert_eq!(status, IncidentStatus::Active);
        let class: AlertClassification = serde_json::from_str("\"TruePositive\"").unwrap();
        assert_eq!(serde_json::to_string(&class).unwrap(), "\"truePositive\"");
        let determination: AlertDetermination = serde_json::from_str("\"MultiStagedAttack\"").unwrap();
        assert_eq!(determination, AlertDetermination::MultiStagedAttack);
        assert_eq!(
            AlertDetermination::parse("OTHER"),
            AlertDetermination::OtherDetermination
        );
        assert_eq!(AlertDetermination::OtherDetermination.to_string(), "other");
        assert_eq!(
            ServiceSource::parse("microsoftsecurityforai"),
            ServiceSource::MicrosoftSecurityForAI
        );
        assert_eq!(
            EvidenceRemediationStatus::parse("None"),
            EvidenceRemediationStatus::None
        );
    }

    #[test]
    fn unknown_values_are_kept_verbatim() {
        let doc_name: AlertDetermination = serde_json::from_str("\"compromisedUser\"").unwrap();
        assert_eq!(doc_name, AlertDetermination::Other("compromisedUser".into()));
        assert!(!doc_name.is_known());
        assert_eq!(serde_json::to_string(&doc_name).unwrap(), "\"compromisedUser\"");
        assert_eq!(AlertStatus::parse("active"), AlertStatus::Other("active".into()));
        assert_eq!("".parse::<AlertStatus>().unwrap(), AlertStatus::Other(String::new()));
        assert!(serde_json::from_str::<AlertStatus>("3").is_err());
    }
}
