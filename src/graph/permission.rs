//! The Microsoft Graph application permissions graphsoar uses (graph-security-api.md §0 and §9):
//! their names as the app registration, the token's `roles` claim and Graph's 403 spell them,
//! and which role grants which (a ReadWrite permission includes its Read one). What each trigger
//! and action kind needs is said next to the kind: [`crate::playbook::Trigger::permissions`] and
//! [`crate::action::ActionKind::permission`].

use std::fmt;

/// An application permission of the Graph security API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// List and get alerts (`alerts_v2`).
    SecurityAlertRead,
    /// The same, plus PATCH and comments on alerts.
    SecurityAlertReadWrite,
    /// List and get incidents (with `$expand=alerts`).
    SecurityIncidentRead,
    /// The same, plus PATCH (tags included) and comments on incidents.
    SecurityIncidentReadWrite,
    /// `runHuntingQuery` (the least and only permission for it).
    ThreatHuntingRead,
    /// Defender for Endpoint: list and get machines and machine actions.
    MachineRead,
    /// Defender for Endpoint: the same, plus machine tags.
    MachineReadWrite,
    /// Defender for Endpoint: isolate and release (unisolate).
    MachineIsolate,
    /// Defender for Endpoint: run an antivirus scan.
    MachineScan,
    /// Defender for Endpoint: restrict and unrestrict app execution.
    MachineRestrictExecution,
    /// Defender for Endpoint: collect an investigation package.
    MachineCollectForensics,
    /// Defender for Endpoint: stop and quarantine a file.
    MachineStopAndQuarantine,
    /// Defender for Endpoint: indicators the app created.
    TiReadWrite,
    /// Defender for Endpoint: all indicators.
    TiReadWriteAll,
    /// Graph: `identityAccounts/{id}/invokeAction` (response-actions-api.md §5.2).
    SecurityIdentitiesActionsReadWrite,
    /// Graph: `analyzedEmails/remediate` (§6.1).
    SecurityAnalyzedMessageReadWrite,
    /// Graph: list and get `identityAccounts` (§5.1).
    SecurityIdentitiesAccountRead,
    /// Graph (Entra): `users/{id}/revokeSignInSessions` (§5.3).
    UserRevokeSessions,
    /// Graph (Entra): `riskyUsers/confirmCompromised` (§5.3).
    IdentityRiskyUserReadWrite,
}

/// Which API a permission belongs to: its token is requested for that API's resource, and the
/// API checks only its own roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    Graph,
    /// The Defender for Endpoint API (WindowsDefenderATP).
    Defender,
}

impl Permission {
    /// Every permission, reads before writes.
    pub const ALL: [Permission; 19] = [
        Permission::SecurityAlertRead,
        Permission::SecurityAlertReadWrite,
        Permission::SecurityIncidentRead,
        Permission::SecurityIncidentReadWrite,
        Permission::ThreatHuntingRead,
        Permission::MachineRead,
        Permission::MachineReadWrite,
        Permission::MachineIsolate,
        Permission::MachineScan,
        Permission::MachineRestrictExecution,
        Permission::MachineCollectForensics,
        Permission::MachineStopAndQuarantine,
        Permission::TiReadWrite,
        Permission::TiReadWriteAll,
        Permission::SecurityIdentitiesActionsReadWrite,
        Permission::SecurityAnalyzedMessageReadWrite,
        Permission::SecurityIdentitiesAccountRead,
        Permission::UserRevokeSessions,
        Permission::IdentityRiskyUserReadWrite,
    ];

    /// The name, as in the app registration and the token's `roles` claim.
    pub fn name(self) -> &'static str {
        match self {
            Permission::SecurityAlertRead => "SecurityAlert.Read.All",
            Permission::SecurityAlertReadWrite => "SecurityAlert.ReadWrite.All",
            Permission::SecurityIncidentRead => "SecurityIncident.Read.All",
            Permission::SecurityIncidentReadWrite => "SecurityIncident.ReadWrite.All",
            Permission::ThreatHuntingRead => "ThreatHunting.Read.All",
            Permission::MachineRead => "Machine.Read.All",
            Permission::MachineReadWrite => "Machine.ReadWrite.All",
            Permission::MachineIsolate => "Machine.Isolate",
            Permission::MachineScan => "Machine.Scan",
            Permission::MachineRestrictExecution => "Machine.RestrictExecution",
            Permission::MachineCollectForensics => "Machine.CollectForensics",
            Permission::MachineStopAndQuarantine => "Machine.StopAndQuarantine",
            Permission::TiReadWrite => "Ti.ReadWrite",
            Permission::TiReadWriteAll => "Ti.ReadWrite.All",
            Permission::SecurityIdentitiesActionsReadWrite => "SecurityIdentitiesActions.ReadWrite.All",
            Permission::SecurityAnalyzedMessageReadWrite => "SecurityAnalyzedMessage.ReadWrite.All",
            Permission::SecurityIdentitiesAccountRead => "SecurityIdentitiesAccount.Read.All",
            Permission::UserRevokeSessions => "User.RevokeSessions.All",
            Permission::IdentityRiskyUserReadWrite => "IdentityRiskyUser.ReadWrite.All",
        }
    }

    /// The API the permission belongs to.
    pub fn resource(self) -> Resource {
        match self {
            Permission::MachineRead
            | Permission::MachineReadWrite
            | Permission::MachineIsolate
            | Permission::MachineScan
            | Permission::MachineRestrictExecution
            | Permission::MachineCollectForensics
            | Permission::MachineStopAndQuarantine
            | Permission::TiReadWrite
            | Permission::TiReadWriteAll => Resource::Defender,
            _ => Resource::Graph,
        }
    }

    /// The permission named `name` (exactly as Graph spells it).
    pub fn from_name(name: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The permissions whose role grants this one: itself, and for a Read its ReadWrite
    /// (reference §9: "the same plus PATCH and comments").
    pub fn granted_by(self) -> &'static [Permission] {
        match self {
            Permission::SecurityAlertRead => &[Permission::SecurityAlertRead, Permission::SecurityAlertReadWrite],
            Permission::SecurityIncidentRead => {
                &[Permission::SecurityIncidentRead, Permission::SecurityIncidentReadWrite]
            }
            Permission::SecurityAlertReadWrite => &[Permission::SecurityAlertReadWrite],
            Permission::SecurityIncidentReadWrite => &[Permission::SecurityIncidentReadWrite],
            Permission::ThreatHuntingRead => &[Permission::ThreatHuntingRead],
            Permission::MachineRead => &[Permission::MachineRead, Permission::MachineReadWrite],
            Permission::MachineReadWrite => &[Permission::MachineReadWrite],
            Permission::MachineIsolate => &[Permission::MachineIsolate],
            Permission::MachineScan => &[Permission::MachineScan],
            Permission::MachineRestrictExecution => &[Permission::MachineRestrictExecution],
            Permission::MachineCollectForensics => &[Permission::MachineCollectForensics],
            // The page also lists Machine.ReadWrite.All (probably a doc error, §3.2): only the
            // action's own permission is taken as granting it.
            Permission::MachineStopAndQuarantine => &[Permission::MachineStopAndQuarantine],
            Permission::TiReadWrite => &[Permission::TiReadWrite, Permission::TiReadWriteAll],
            Permission::TiReadWriteAll => &[Permission::TiReadWriteAll],
            Permission::SecurityIdentitiesActionsReadWrite => &[Permission::SecurityIdentitiesActionsReadWrite],
            Permission::SecurityAnalyzedMessageReadWrite => &[Permission::SecurityAnalyzedMessageReadWrite],
            Permission::SecurityIdentitiesAccountRead => &[Permission::SecurityIdentitiesAccountRead],
            Permission::UserRevokeSessions => &[Permission::UserRevokeSessions],
            Permission::IdentityRiskyUserReadWrite => &[Permission::IdentityRiskyUserReadWrite],
        }
    }

    /// Whether a token with these `roles` holds this permission.
    pub fn is_granted<S: AsRef<str>>(self, roles: &[S]) -> bool {
        roles
            .iter()
            .filter_map(|role| Permission::from_name(role.as_ref()))
            .any(|role| self.granted_by().contains(&role))
    }

    /// The permission that includes this one, when there is one (`SecurityAlert.ReadWrite.All`
    /// for `SecurityAlert.Read.All`).
    pub fn write_of(self) -> Option<Permission> {
        match self {
            Permission::SecurityAlertRead => Some(Permission::SecurityAlertReadWrite),
            Permission::SecurityIncidentRead => Some(Permission::SecurityIncidentReadWrite),
            Permission::MachineRead => Some(Permission::MachineReadWrite),
            Permission::TiReadWrite => Some(Permission::TiReadWriteAll),
            _ => None,
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_readwrite_grants_read() {
        for p in Permission::ALL {
            assert_eq!(Permission::from_name(p.name()), Some(p));
            assert!(p.is_granted(&[p.name()]), "{p} grants itself");
        }
        assert_eq!(Permission::from_name("SecurityAlert.ReadWrite.all"), None);
        let write = ["SecurityAlert.ReadWrite.All"];
        assert!(Permission::SecurityAlertRead.is_granted(&write));
        assert!(!Permission::SecurityAlertReadWrite.is_granted(&["SecurityAlert.Read.All"]));
        assert!(!Permission::SecurityIncidentRead.is_granted(&write));
        assert!(Permission::SecurityIncidentRead.is_granted(&["SecurityIncident.ReadWrite.All"]));
        assert!(!Permission::ThreatHuntingRead.is_granted(&["SecurityAlert.ReadWrite.All", "Other.Read.All"]));
        assert!(!Permission::ThreatHuntingRead.is_granted::<&str>(&[]));
    }
}
