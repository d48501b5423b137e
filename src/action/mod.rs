//! Actions: one file per action kind, each executing its own typed, frozen parameters and
//! reporting an [`Outcome`]; none decides whether to act (the engine did) or bypasses the state
//! ledger.
//!
//! A planned action is a [`Params`] value from the planner through the ledger to its executor:
//! one parameter struct per kind ([`update::UpdateParams`], [`email::EmailParams`],
//! [`webhook::WebhookParams`], [`log::LogParams`]). Strings name kinds only at the edges: the
//! playbook's YAML, JSON output and the ledger's `action` column ([`ActionKind`]).

pub mod account;
pub mod device;
pub mod email;
pub mod indicator;
pub mod log;
pub mod remediate;
pub mod update;
pub mod webhook;

use serde::{Deserialize, Serialize};

use crate::graph::Permission;
use crate::graph::models::defender::MachineActionType;
use crate::graph::models::enums::{AlertStatus, IncidentStatus};
use crate::text_enum::text_enum;

text_enum! {
    /// The kind of an action: its name in playbooks, in the ledger and in output.
    pub enum ActionKind {
        UpdateAlert = "update_alert",
        UpdateIncident = "update_incident",
        Email = "email",
        Webhook = "webhook",
        Log = "log",
        IsolateDevice = "isolate_device",
        ReleaseDevice = "release_device",
        RunAntivirusScan = "run_antivirus_scan",
        RestrictAppExecution = "restrict_app_execution",
        UnrestrictAppExecution = "unrestrict_app_execution",
        CollectInvestigationPackage = "collect_investigation_package",
        StopAndQuarantineFile = "stop_and_quarantine_file",
        SubmitIndicator = "submit_indicator",
        AccountAction = "account_action",
        RemediateEmail = "remediate_email",
    }
}

impl ActionKind {
    /// The Graph application permission an action of this kind needs, for `validate` and
    /// `doctor` (reference §0 and §9): an update PATCHes, comments, and re-reads its target
    /// before writing (the guard), all of which the ReadWrite permission covers; tags are part
    /// of the incident PATCH. Email, webhook and log need nothing from Graph.
    pub fn permission(self) -> Option<Permission> {
        match self {
            ActionKind::UpdateAlert => Some(Permission::SecurityAlertReadWrite),
            ActionKind::UpdateIncident => Some(Permission::SecurityIncidentReadWrite),
            ActionKind::Email | ActionKind::Webhook | ActionKind::Log => None,
            ActionKind::SubmitIndicator => Some(Permission::TiReadWriteAll),
            // Depends on the verb: see `playbook::Action::permission`.
            ActionKind::AccountAction => Some(Permission::SecurityIdentitiesActionsReadWrite),
            ActionKind::RemediateEmail => Some(Permission::SecurityAnalyzedMessageReadWrite),
            device => device.machine_action().map(crate::graph::defender::action_permission),
        }
    }

    /// The machine action a device action requests (response-actions-api.md §3.2).
    pub fn machine_action(self) -> Option<MachineActionType> {
        Some(match self {
            ActionKind::IsolateDevice => MachineActionType::Isolate,
            ActionKind::ReleaseDevice => MachineActionType::Unisolate,
            ActionKind::RunAntivirusScan => MachineActionType::RunAntiVirusScan,
            ActionKind::RestrictAppExecution => MachineActionType::RestrictCodeExecution,
            ActionKind::UnrestrictAppExecution => MachineActionType::UnrestrictCodeExecution,
            ActionKind::CollectInvestigationPackage => MachineActionType::CollectInvestigationPackage,
            ActionKind::StopAndQuarantineFile => MachineActionType::StopAndQuarantineFile,
            _ => return None,
        })
    }

    /// Whether this is a response action (containment, indicators): capped per run by
    /// `max_per_run` and refused on protected devices and accounts.
    pub fn is_response(self) -> bool {
        self.machine_action().is_some()
            || matches!(
                self,
                ActionKind::SubmitIndicator | ActionKind::AccountAction | ActionKind::RemediateEmail
            )
    }
}

/// The frozen parameters of one planned action, rendered once at plan time: retries and
/// resumptions use these, never a new rendering. Stored in the ledger as the kind (`action`
/// column) and the inner struct as JSON (`params` column); see [`Params::to_json`] and
/// [`Params::from_json`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", content = "params", rename_all = "snake_case")]
pub enum Params {
    UpdateAlert(update::UpdateParams<AlertStatus>),
    UpdateIncident(update::UpdateParams<IncidentStatus>),
    Email(email::EmailParams),
    Webhook(webhook::WebhookParams),
    Log(log::LogParams),
    IsolateDevice(device::DeviceParams),
    ReleaseDevice(device::DeviceParams),
    RunAntivirusScan(device::DeviceParams),
    RestrictAppExecution(device::DeviceParams),
    UnrestrictAppExecution(device::DeviceParams),
    CollectInvestigationPackage(device::DeviceParams),
    StopAndQuarantineFile(device::DeviceParams),
    SubmitIndicator(indicator::IndicatorParams),
    AccountAction(account::AccountParams),
    RemediateEmail(remediate::RemediateParams),
}

impl Params {
    /// The kind.
    pub fn kind(&self) -> ActionKind {
        match self {
            Params::UpdateAlert(_) => ActionKind::UpdateAlert,
            Params::UpdateIncident(_) => ActionKind::UpdateIncident,
            Params::Email(_) => ActionKind::Email,
            Params::Webhook(_) => ActionKind::Webhook,
            Params::Log(_) => ActionKind::Log,
            Params::IsolateDevice(_) => ActionKind::IsolateDevice,
            Params::ReleaseDevice(_) => ActionKind::ReleaseDevice,
            Params::RunAntivirusScan(_) => ActionKind::RunAntivirusScan,
            Params::RestrictAppExecution(_) => ActionKind::RestrictAppExecution,
            Params::UnrestrictAppExecution(_) => ActionKind::UnrestrictAppExecution,
            Params::CollectInvestigationPackage(_) => ActionKind::CollectInvestigationPackage,
            Params::StopAndQuarantineFile(_) => ActionKind::StopAndQuarantineFile,
            Params::SubmitIndicator(_) => ActionKind::SubmitIndicator,
            Params::AccountAction(_) => ActionKind::AccountAction,
            Params::RemediateEmail(_) => ActionKind::RemediateEmail,
        }
    }

    /// A device action's parameters.
    pub fn device(&self) -> Option<&device::DeviceParams> {
        match self {
            Params::IsolateDevice(p)
            | Params::ReleaseDevice(p)
            | Params::RunAntivirusScan(p)
            | Params::RestrictAppExecution(p)
            | Params::UnrestrictAppExecution(p)
            | Params::CollectInvestigationPackage(p)
            | Params::StopAndQuarantineFile(p) => Some(p),
            _ => None,
        }
    }

    /// The parameters of a device action of `kind` (the inverse of [`Params::device`]);
    /// `None` when `kind` is not a device action.
    pub fn of_device(kind: ActionKind, p: device::DeviceParams) -> Option<Params> {
        Some(match kind {
            ActionKind::IsolateDevice => Params::IsolateDevice(p),
            ActionKind::ReleaseDevice => Params::ReleaseDevice(p),
            ActionKind::RunAntivirusScan => Params::RunAntivirusScan(p),
            ActionKind::RestrictAppExecution => Params::RestrictAppExecution(p),
            ActionKind::UnrestrictAppExecution => Params::UnrestrictAppExecution(p),
            ActionKind::CollectInvestigationPackage => Params::CollectInvestigationPackage(p),
            ActionKind::StopAndQuarantineFile => Params::StopAndQuarantineFile(p),
            _ => return None,
        })
    }

    /// How many targets a response action acts on (devices; one indicator), for `max_per_run`.
    pub fn response_targets(&self) -> usize {
        match self {
            Params::SubmitIndicator(_) => 1,
            Params::AccountAction(p) => p.accounts.len(),
            Params::RemediateEmail(p) => p.messages.len(),
            other => other.device().map_or(0, |p| p.devices.len()),
        }
    }

    /// The inner struct as JSON, keyed like the playbook's fields (`status`, `comment`,
    /// `subject`, ...): what the ledger stores, `history` and `--dry-run` show, and playbook
    /// tests compare with.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Params::UpdateAlert(p) => serde_json::to_value(p),
            Params::UpdateIncident(p) => serde_json::to_value(p),
            Params::Email(p) => serde_json::to_value(p),
            Params::Webhook(p) => serde_json::to_value(p),
            Params::Log(p) => serde_json::to_value(p),
            Params::SubmitIndicator(p) => serde_json::to_value(p),
            Params::AccountAction(p) => serde_json::to_value(p),
            Params::RemediateEmail(p) => serde_json::to_value(p),
            other => match other.device() {
                Some(p) => serde_json::to_value(p),
                None => Ok(serde_json::Value::Null),
            },
        }
        // Plain structs of strings, lists and maps: serialising them cannot fail.
        .unwrap_or(serde_json::Value::Null)
    }

    /// Reads the parameters of a `kind` action as the ledger stores them.
    pub fn from_json(kind: ActionKind, params: serde_json::Value) -> Result<Params, serde_json::Error> {
        serde_json::from_value(serde_json::json!({ "action": kind, "params": params }))
    }

    /// Whether this is an update that still needs the state of its target at the match (a
    /// target other than the matched item: the engine reads it before recording the plan).
    pub fn needs_matched(&self) -> bool {
        match self {
            Params::UpdateAlert(p) => p.matched.is_none(),
            Params::UpdateIncident(p) => p.matched.is_none(),
            _ => false,
        }
    }

    /// Records the state `item` (the update's target, Graph JSON) was in at the match; nothing
    /// for actions other than updates.
    pub fn record_matched(&mut self, item: &serde_json::Value) {
        match self {
            Params::UpdateAlert(p) => p.record_matched(item),
            Params::UpdateIncident(p) => p.record_matched(item),
            _ => {}
        }
    }

    /// The id an update changes (its `target`), if this is an update.
    pub fn update_target(&self) -> Option<&str> {
        match self {
            Params::UpdateAlert(p) => Some(&p.target),
            Params::UpdateIncident(p) => Some(&p.target),
            _ => None,
        }
    }
}

/// A message graphsoar sends about itself (a playbook that keeps failing): built as a value by
/// the engine, rendered by the email action ([`email::EmailParams::notice`]) and the webhook
/// action ([`webhook::WebhookParams::notice`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub playbook: String,
    /// The playbook's file, as the engine loaded it.
    pub source: String,
    pub failed_runs: u32,
    /// When the streak began (RFC 3339), or "an unknown time".
    pub since: String,
    pub last_error: String,
}

impl Notice {
    /// The one-line summary: an email's subject, a webhook's `text`.
    pub fn subject(&self) -> String {
        format!(
            "[graphsoar] playbook {} keeps failing ({} runs in a row)",
            self.playbook, self.failed_runs
        )
    }
}

/// A request for a person's decision on an action planned with `approval:`: built by the
/// engine, rendered by the email action ([`email::EmailParams::approval`]) and the webhook action
/// ([`webhook::WebhookParams::approval`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalRequest {
    /// What `graphsoar approve` and `deny` take.
    pub id: String,
    pub playbook: String,
    pub action: ActionKind,
    /// The item the action is for.
    pub item_id: String,
    /// The frozen parameters: exactly what will be done.
    pub params: serde_json::Value,
    /// When it expires (RFC 3339).
    pub expires: String,
    /// This recipient's own approve and deny links (with `approvals.public_url`).
    pub links: Option<(String, String)>,
}

impl ApprovalRequest {
    /// The one-line summary: an email's subject, a webhook's `text`.
    pub fn subject(&self) -> String {
        format!(
            "[graphsoar] approval needed: {} for {} (playbook {})",
            self.action, self.item_id, self.playbook
        )
    }

    /// What will be done, in one line: the devices or value it acts on first, then the rest.
    pub fn what(&self) -> String {
        let params = serde_json::to_string(&self.params).unwrap_or_default();
        let mut what = format!("{} {params}", self.action);
        if what.chars().count() > 600 {
            what = what.chars().take(600).collect::<String>() + "…";
        }
        what
    }

    /// How to decide, for people reading the request.
    pub fn how(&self) -> String {
        format!(
            "graphsoar approve {id} --by YOUR-NAME   (or: graphsoar deny {id} --by YOUR-NAME --reason TEXT)",
            id = self.id
        )
    }
}

/// How one action ended for one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Done, and it started something that goes on (machine actions): what to follow, kept in
    /// the ledger's `result`.
    Started(serde_json::Value),
    /// Not done because a safety limit forbids it (a protected device): the reason is recorded.
    Refused(String),
    /// Not done, on purpose (the guard, nothing to change): the reason is recorded.
    Skipped(String),
    /// Failed: retried from the ledger on a later run when `retryable`, else abandoned.
    Failed {
        error: String,
        retryable: bool,
    },
}

impl Outcome {
    pub fn failed(error: impl Into<String>, retryable: bool) -> Outcome {
        Outcome::Failed {
            error: error.into(),
            retryable,
        }
    }

    /// A failed call (`what` failed with `e`): retried on a later run when it may pass.
    pub fn of_error(what: &str, e: &crate::graph::Error) -> Outcome {
        Outcome::failed(format!("{what}: {e}"), e.is_retryable())
    }

    /// A failed call of an action no API can check afterwards and that is not safe to send
    /// twice: when the call may have been carried out (anything but a refusal or a request
    /// certainly not processed), its outcome is unknown, so it fails for good, saying what to
    /// `check`, instead of being sent again.
    pub fn of_unrepeatable_error(what: &str, e: &crate::graph::Error, check: &str) -> Outcome {
        let refused = matches!(e.status(), Some(400..=499)) && e.status() != Some(429);
        if refused || e.was_not_processed() {
            Outcome::of_error(what, e)
        } else {
            Outcome::failed(
                format!("{what}: outcome unknown ({e}): graphsoar does not send it again; {check}"),
                false,
            )
        }
    }
}

/// The marker every comment graphsoar posts ends with, so an uncertain post is never repeated.
pub fn comment_marker(ledger_id: i64) -> String {
    format!("[graphsoar {ledger_id}]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn params_round_trip_through_the_ledgers_json() {
        let email = Params::Email(email::EmailParams {
            from: "soar@example.com".into(),
            to: vec!["soc@example.com".into()],
            cc: vec![],
            reply_to: None,
            subject: "s".into(),
            body: Some("b".into()),
            html: None,
        });
        let stored = email.to_json();
        assert_eq!(
            stored,
            json!({ "from": "soar@example.com", "to": ["soc@example.com"], "subject": "s", "body": "b" })
        );
        assert_eq!(Params::from_json(ActionKind::Email, stored).unwrap(), email);
        let err = Params::from_json(ActionKind::Log, json!({ "level": "info" })).unwrap_err();
        assert!(err.to_string().contains("message"), "{err}");
    }
}
