//! The member names of the Graph security enums, in CSDL order, as they travel on the wire.
//!
//! The CSDL (`reference/graph-security-v1.0.csdl.xml`) is the authority: the determination names
//! in the docs' prose (`clean`, `compromisedUser`, `insufficientData`, `confirmedUserActivity`)
//! do not exist. Members after `unknownFutureValue` are only sent when the request carries
//! `Prefer: include-unknown-enum-members`. Graph sometimes answers in PascalCase, so compare with
//! [`canonical`], and always send the camelCase names listed here.

/// `alertStatus`: the status of an alert (`alert.status`).
pub const ALERT_STATUS: &[&str] = &["unknown", "new", "inProgress", "resolved", "unknownFutureValue"];

/// `incidentStatus`: the status of an incident (`incident.status`); `awaitingAction` is hidden
/// behind `Prefer: include-unknown-enum-members`.
pub const INCIDENT_STATUS: &[&str] = &[
    "active",
    "resolved",
    "inProgress",
    "redirected",
    "unknownFutureValue",
    "awaitingAction",
];

/// `alertSeverity`: the severity of an alert or incident, lowest first.
pub const ALERT_SEVERITY: &[&str] = &[
    "unknown",
    "informational",
    "low",
    "medium",
    "high",
    "unknownFutureValue",
];

/// `alertClassification`: the classification of an alert or incident (`benignPositive` is now
/// `informationalExpectedActivity`).
pub const ALERT_CLASSIFICATION: &[&str] = &[
    "unknown",
    "falsePositive",
    "truePositive",
    "informationalExpectedActivity",
    "unknownFutureValue",
];

/// `alertDetermination`: the determination of an alert or incident, with the CSDL names.
pub const ALERT_DETERMINATION: &[&str] = &[
    "unknown",
    "apt",
    "malware",
    "securityPersonnel",
    "securityTesting",
    "unwantedSoftware",
    "other",
    "multiStagedAttack",
    "compromisedAccount",
    "phishing",
    "maliciousUserActivity",
    "notMalicious",
    "notEnoughDataToValidate",
    "confirmedActivity",
    "lineOfBusinessApplication",
    "unknownFutureValue",
];

/// `serviceSource`: the Defender product that raised an alert (`alert.serviceSource`).
pub const SERVICE_SOURCE: &[&str] = &[
    "unknown",
    "microsoftDefenderForEndpoint",
    "microsoftDefenderForIdentity",
    "microsoftDefenderForCloudApps",
    "microsoftDefenderForOffice365",
    "microsoft365Defender",
    "azureAdIdentityProtection",
    "microsoftAppGovernance",
    "dataLossPrevention",
    "unknownFutureValue",
    "microsoftDefenderForCloud",
    "microsoftSentinel",
    "microsoftInsiderRiskManagement",
    "microsoftThreatIntelligence",
    "microsoftSecurityForAI",
];

/// `detectionSource`: the detection technology that raised an alert (`alert.detectionSource`).
pub const DETECTION_SOURCE: &[&str] = &[
    "unknown",
    "microsoftDefenderForEndpoint",
    "antivirus",
    "smartScreen",
    "customTi",
    "microsoftDefenderForOffice365",
    "automatedInvestigation",
    "microsoftThreatExperts",
    "customDetection",
    "microsoftDefenderForIdentity",
    "cloudAppSecurity",
    "microsoft365Defender",
    "azureAdIdentityProtection",
    "manual",
    "microsoftDataLossPrevention",
    "appGovernancePolicy",
    "appGovernanceDetection",
    "unknownFutureValue",
    "microsoftDefenderForCloud",
    "microsoftDefenderForIoT",
    "microsoftDefenderForServers",
    "microsoftDefenderForStorage",
    "microsoftDefenderForDNS",
    "microsoftDefenderForDatabases",
    "microsoftDefenderForContainers",
    "microsoftDefenderForNetwork",
    "microsoftDefenderForAppService",
    "microsoftDefenderForKeyVault",
    "microsoftDefenderForResourceManager",
    "microsoftDefenderForApiManagement",
    "nrtAlerts",
    "scheduledAlerts",
    "microsoftDefenderThreatIntelligenceAnalytics",
    "builtInMl",
    "microsoftInsiderRiskManagement",
    "microsoftThreatIntelligence",
    "microsoftDefenderForAIServices",
    "securityCopilot",
    "microsoftSentinel",
];

/// `investigationState`: the state of the automated investigation of an alert.
pub const INVESTIGATION_STATE: &[&str] = &[
    "unknown",
    "terminated",
    "successfullyRemediated",
    "benign",
    "failed",
    "partiallyRemediated",
    "running",
    "pendingApproval",
    "pendingResource",
    "queued",
    "innerFailure",
    "preexistingAlert",
    "unsupportedOs",
    "unsupportedAlertType",
    "suppressedAlert",
    "partiallyInvestigated",
    "terminatedByUser",
    "terminatedBySystem",
    "unknownFutureValue",
];

/// `evidenceRole`: the roles of a piece of evidence (`alertEvidence.roles`).
pub const EVIDENCE_ROLE: &[&str] = &[
    "unknown",
    "contextual",
    "scanned",
    "source",
    "destination",
    "created",
    "added",
    "compromised",
    "edited",
    "attacked",
    "attacker",
    "commandAndControl",
    "loaded",
    "suspicious",
    "policyViolator",
    "unknownFutureValue",
];

/// `evidenceVerdict`: the verdict on a piece of evidence (`alertEvidence.verdict`).
pub const EVIDENCE_VERDICT: &[&str] = &[
    "unknown",
    "suspicious",
    "malicious",
    "noThreatsFound",
    "unknownFutureValue",
];

/// `evidenceRemediationStatus`: what was done about a piece of evidence
/// (`alertEvidence.remediationStatus`).
pub const EVIDENCE_REMEDIATION_STATUS: &[&str] = &[
    "none",
    "remediated",
    "prevented",
    "blocked",
    "notFound",
    "unknownFutureValue",
    "active",
    "pendingApproval",
    "declined",
    "unremediated",
    "running",
    "partiallyRemediated",
];

/// Values a client may never write into status, classification or determination: set only by
/// the service (`redirected` on merge, `awaitingAction` by Defender Experts) or placeholders.
pub const NOT_SETTABLE: &[&str] = &["redirected", "awaitingAction", "unknown", "unknownFutureValue"];

/// The camelCase member of `table` that `value` names, compared case-insensitively (Graph
/// sometimes sends `"InProgress"` or `"TruePositive"`), or `None` if it names none.
pub fn canonical(table: &[&'static str], value: &str) -> Option<&'static str> {
    table.iter().copied().find(|member| member.eq_ignore_ascii_case(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &[&[&str]] = &[
        ALERT_STATUS,
        INCIDENT_STATUS,
        ALERT_SEVERITY,
        ALERT_CLASSIFICATION,
        ALERT_DETERMINATION,
        SERVICE_SOURCE,
        DETECTION_SOURCE,
        INVESTIGATION_STATE,
        EVIDENCE_ROLE,
        EVIDENCE_VERDICT,
        EVIDENCE_REMEDIATION_STATUS,
    ];

    #[test]
    fn canonical_matches_any_case_and_returns_camel_case() {
        assert_eq!(canonical(ALERT_STATUS, "InProgress"), Some("inProgress"));
        assert_eq!(canonical(ALERT_STATUS, "inprogress"), Some("inProgress"));
        assert_eq!(canonical(ALERT_STATUS, "new"), Some("new"));
        assert_eq!(canonical(ALERT_CLASSIFICATION, "TruePositive"), Some("truePositive"));
        assert_eq!(
            canonical(ALERT_DETERMINATION, "MultiStagedAttack"),
            Some("multiStagedAttack")
        );
        assert_eq!(canonical(INCIDENT_STATUS, "Active"), Some("active"));
        assert_eq!(canonical(ALERT_SEVERITY, "Medium"), Some("medium"));
    }

    #[test]
    fn canonical_rejects_strangers_and_doc_prose_names() {
        assert_eq!(canonical(ALERT_STATUS, "active"), None);
        assert_eq!(canonical(ALERT_STATUS, ""), None);
        assert_eq!(canonical(ALERT_STATUS, "new "), None);
        for wrong in ["clean", "compromisedUser", "insufficientData", "confirmedUserActivity"] {
            assert_eq!(canonical(ALERT_DETERMINATION, wrong), None, "{wrong}");
        }
        assert_eq!(canonical(ALERT_CLASSIFICATION, "benignPositive"), None);
    }

    #[test]
    fn tables_are_camel_case_unique_and_evolvable() {
        for table in ALL {
            assert!(table.contains(&"unknownFutureValue"));
            for (i, member) in table.iter().enumerate() {
                assert!(member.starts_with(|c: char| c.is_ascii_lowercase()), "{member}");
                assert!(member.chars().all(|c| c.is_ascii_alphanumeric()), "{member}");
                assert!(
                    !table[i + 1..].iter().any(|m| m.eq_ignore_ascii_case(member)),
                    "{member} appears twice"
                );
            }
        }
    }

    #[test]
    fn csdl_order_and_hidden_members() {
        assert_eq!(ALERT_STATUS[1], "new");
        assert_eq!(INCIDENT_STATUS.last(), Some(&"awaitingAction"));
        assert_eq!(ALERT_SEVERITY[1..5], ["informational", "low", "medium", "high"]);
        assert_eq!(ALERT_DETERMINATION.len(), 16);
        assert_eq!(DETECTION_SOURCE.len(), 39);
        assert_eq!(SERVICE_SOURCE.len(), 15);
        for value in NOT_SETTABLE {
            assert!(ALL.iter().any(|table| table.contains(value)), "{value} is in no table");
        }
    }
}
