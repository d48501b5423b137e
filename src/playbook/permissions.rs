//! Which Graph application permissions a compiled playbook needs, and why: its trigger's
//! ([`Trigger::permissions`](super::Trigger::permissions)) and its actions'
//! ([`ActionKind::permission`](crate::action::ActionKind::permission)), summed up for `validate`
//! (which lists them) and `doctor` (which checks the token's `roles` against them).

use std::fmt;

use super::Playbook;
use crate::graph::Permission;

/// One permission a playbook needs, with every part of it that needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredPermission {
    pub permission: Permission,
    /// What needs it, such as `alerts trigger` or `update_alert action #2` (actions counted
    /// from 1), in playbook order.
    pub needed_by: Vec<String>,
}

impl fmt::Display for RequiredPermission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.permission, self.needed_by.join(", "))
    }
}

/// The permissions `playbook` needs, each once: a Read need is folded into the ReadWrite
/// permission of the same resource when the playbook needs that too (the ReadWrite role grants
/// both, so it is the one to add). Sorted as [`Permission`] is (alerts, incidents, hunting).
pub fn required_permissions(playbook: &Playbook) -> Vec<RequiredPermission> {
    let mut needs: Vec<(Permission, String)> = playbook
        .trigger
        .permissions()
        .into_iter()
        .map(|(p, why)| (p, why.to_owned()))
        .collect();
    for (i, action) in playbook.actions.iter().enumerate() {
        if let Some(p) = action.permission() {
            needs.push((p, format!("{} action #{}", action.name(), i + 1)));
        }
    }
    let wanted: Vec<Permission> = needs.iter().map(|(p, _)| *p).collect();
    let mut out: Vec<RequiredPermission> = Vec::new();
    for (permission, why) in needs {
        let permission = permission
            .write_of()
            .filter(|w| wanted.contains(w))
            .unwrap_or(permission);
        match out.iter_mut().find(|r| r.permission == permission) {
            Some(r) => r.needed_by.push(why),
            None => out.push(RequiredPermission {
                permission,
                needed_by: vec![why],
            }),
        }
    }
    out.sort_by_key(|r| r.permission);
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Settings;

    fn playbook(trigger: &str, actions: &str) -> Playbook {
        let text =
            format!("name: p\nschedule: '@hourly'\ntrigger: {trigger}\ndedup: {{ key: k }}\nactions:\n{actions}");
        let settings = Settings::embedded();
        let loaded = super::super::parse_str(&text, Path::new("/p/p.yaml"), Path::new("/p"), &settings);
        loaded.playbook.unwrap_or_else(|| panic!("{:#?}", loaded.diagnostics))
    }

    fn names(required: &[RequiredPermission]) -> Vec<String> {
        required.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn each_trigger_and_action_kind_needs_its_permission() {
        let log = "  - log: { message: m }\n";
        assert_eq!(
            names(&required_permissions(&playbook("{ alerts: {} }", log))),
            ["SecurityAlert.Read.All (alerts trigger)"]
        );
        assert_eq!(
            names(&required_permissions(&playbook("{ incidents: {} }", log))),
            ["SecurityIncident.Read.All (incidents trigger)"]
        );
        assert_eq!(
            names(&required_permissions(&playbook(
                "{ incidents: { expand_alerts: true } }",
                log
            ))),
            [
                "SecurityAlert.Read.All (incidents trigger's expand_alerts fallback)",
                "SecurityIncident.Read.All (incidents trigger)"
            ]
        );
        let hunting = "{ hunting: { query: \"DeviceInfo | where Timestamp > ago(2h)\" } }";
        let email = "  - email: { to: [soc@example.com], subject: s, body: b }\n  - webhook: { url: 'https://example.com/h', format: slack }\n";
        assert_eq!(
            names(&required_permissions(&playbook(hunting, email))),
            ["ThreatHunting.Read.All (hunting trigger)"]
        );
    }

    #[test]
    fn readwrite_absorbs_read_and_every_user_is_named() {
        let actions = "  - log: { message: m }\n  - update_alert: { status: resolved }\n  - update_incident: { tags: { add: [x] } }\n  - update_alert: { comment: c }\n";
        let required = required_permissions(&playbook("{ alerts: {} }", actions));
        assert_eq!(
            names(&required),
            [
                "SecurityAlert.ReadWrite.All (alerts trigger, update_alert action #2, update_alert action #4)",
                "SecurityIncident.ReadWrite.All (update_incident action #3)"
            ]
        );
        // An incidents trigger with an update of the incident: one permission, the write.
        let required = required_permissions(&playbook(
            "{ incidents: {} }",
            "  - update_incident: { status: resolved }\n",
        ));
        assert_eq!(required.len(), 1);
        assert_eq!(required[0].permission, Permission::SecurityIncidentReadWrite);
        assert_eq!(
            required[0].needed_by,
            ["incidents trigger", "update_incident action #1"]
        );
    }
}
