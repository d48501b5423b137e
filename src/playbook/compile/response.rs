//! Compiling response actions (device actions, `submit_indicator`) and every action's
//! controls (`approval`, `max_per_run`).

use super::Compiler;
use crate::action::ActionKind;
use crate::action::account::AccountVerb;
use crate::action::device::{IsolationType, ScanType};
use crate::action::remediate::MailAction;
use crate::config;
use crate::duration::Duration;
use crate::graph::models::defender::{IndicatorAction as IndicatorVerb, IndicatorType};
use crate::playbook::schema::{
    AccountActionConfig, ActionConfig, ApprovalConfig, DeviceActionConfig, Group, IndicatorConfig, NotifyConfig,
    RemediateEmailConfig,
};
use crate::playbook::{
    AccountAction, Approval, Controls, DeviceAction, IndicatorAction, RemediateEmail, Trigger, WebhookFormat,
    WebhookTarget,
};
use crate::suggest::did_you_mean;
use crate::template::TemplateKind;
use crate::yaml;

/// Whether the trigger's items carry evidence to take devices and accounts from: alerts, and
/// incidents listed with their alerts.
fn has_evidence(trigger: &Trigger) -> bool {
    match trigger {
        Trigger::Alerts(_) => true,
        Trigger::Incidents(t) => t.expand_alerts,
        Trigger::Hunting(_) => false,
    }
}

/// The longest an approval may wait.
const MAX_APPROVAL: Duration = Duration::from_days(30);
/// An approval's default wait.
const DEFAULT_APPROVAL: Duration = Duration::from_hours(4);

/// The indicator actions a playbook may ask for (`Alert` and `AlertAndBlock` are retired,
/// response-actions-api.md §4.3).
const INDICATOR_ACTIONS: &[IndicatorVerb] = &[
    IndicatorVerb::Block,
    IndicatorVerb::Audit,
    IndicatorVerb::Warn,
    IndicatorVerb::Allowed,
    IndicatorVerb::BlockAndRemediate,
];

impl Compiler<'_> {
    /// A case-insensitive choice among `options` (by their text), with a hint when wrong.
    fn choice<T: Copy + std::fmt::Display>(&mut self, field: &str, value: &str, options: &[T]) -> Option<T> {
        let found = options
            .iter()
            .copied()
            .find(|o| o.to_string().eq_ignore_ascii_case(value));
        if found.is_none() {
            let names: Vec<String> = options.iter().map(ToString::to_string).collect();
            let hint = did_you_mean(value, names.iter().map(String::as_str));
            self.report
                .error(field, format!("`{value}` is not one of {}{hint}", names.join(", ")));
        }
        found
    }

    /// A device action of `kind`.
    pub(super) fn device_action(
        &mut self,
        kind: ActionKind,
        raw: &DeviceActionConfig,
        path: &str,
        trigger: &Trigger,
        group: Group,
        names: &[&str],
    ) -> Option<DeviceAction> {
        if group == Group::All {
            self.report.error(
                path,
                format!(
                    "`{kind}` acts on each item's devices, so it cannot run with `group: all`; use `group: per_item`"
                ),
            );
        }
        let device = match (&raw.device, trigger) {
            (Some(d), _) => self.template(&yaml::field(path, "device"), d, TemplateKind::Header, names),
            (None, t) if has_evidence(t) => None,
            (None, _) => {
                self.report.error(
                    path,
                    format!("`{kind}` needs `device:` with a {} trigger, such as `device: \"{{{{ row.DeviceId }}}}\"` (alerts, and incidents with `expand_alerts: true`, default to their device evidence)", trigger.name()),
                );
                None
            }
        };
        let only = |field: &str, wanted: ActionKind, this: &mut Self, given: bool| {
            if given && kind != wanted {
                this.report
                    .error(&yaml::field(path, field), format!("`{field}` is only for `{wanted}`"));
            }
        };
        only(
            "isolation_type",
            ActionKind::IsolateDevice,
            self,
            raw.isolation_type.is_some(),
        );
        only("scan_type", ActionKind::RunAntivirusScan, self, raw.scan_type.is_some());
        only("sha1", ActionKind::StopAndQuarantineFile, self, raw.sha1.is_some());
        let isolation_type = match (kind, raw.isolation_type.as_deref()) {
            (ActionKind::IsolateDevice, Some(t)) => {
                self.choice(&yaml::field(path, "isolation_type"), t, IsolationType::ALL)
            }
            (ActionKind::IsolateDevice, None) => Some(IsolationType::Full),
            _ => None,
        };
        let scan_type = match (kind, raw.scan_type.as_deref()) {
            (ActionKind::RunAntivirusScan, Some(t)) => self.choice(&yaml::field(path, "scan_type"), t, ScanType::ALL),
            (ActionKind::RunAntivirusScan, None) => Some(ScanType::Quick),
            _ => None,
        };
        let sha1 = match (kind, raw.sha1.as_deref()) {
            (ActionKind::StopAndQuarantineFile, Some(s)) => {
                self.template(&yaml::field(path, "sha1"), s, TemplateKind::Header, names)
            }
            (ActionKind::StopAndQuarantineFile, None) => {
                self.report.error(
                    path,
                    "`stop_and_quarantine_file` needs `sha1:`, such as `sha1: \"{{ row.SHA1 }}\"`",
                );
                None
            }
            _ => None,
        };
        if raw.comment.trim().is_empty() {
            self.report.error(
                &yaml::field(path, "comment"),
                "the API requires a comment: say why, such as `Credential dumping on {{ alert.title }}`",
            );
        }
        let comment = self.template(&yaml::field(path, "comment"), &raw.comment, TemplateKind::Header, names)?;
        Some(DeviceAction {
            device,
            comment,
            isolation_type,
            scan_type,
            sha1,
        })
    }

    /// `submit_indicator`.
    pub(super) fn indicator_action(
        &mut self,
        raw: &IndicatorConfig,
        path: &str,
        group: Group,
        names: &[&str],
    ) -> Option<IndicatorAction> {
        if group == Group::All {
            self.report.error(
                path,
                "`submit_indicator` submits each item's value, so it cannot run with `group: all`; use `group: per_item`",
            );
        }
        let value = self.template(&yaml::field(path, "value"), &raw.value, TemplateKind::Header, names);
        let indicator_type = raw
            .indicator_type
            .as_deref()
            .and_then(|t| self.choice(&yaml::field(path, "type"), t, IndicatorType::ALL));
        let action = match raw.action.as_deref() {
            Some(a) => self.choice(&yaml::field(path, "action"), a, INDICATOR_ACTIONS),
            None => Some(IndicatorVerb::Block),
        };
        if action == Some(IndicatorVerb::Audit) && raw.generate_alert != Some(true) {
            self.report.error(
                &yaml::field(path, "action"),
                "an `Audit` indicator only raises alerts: add `generate_alert: true`",
            );
        }
        let severity = raw.severity.as_deref().and_then(|s| {
            self.choice(
                &yaml::field(path, "severity"),
                s,
                &["Informational", "Low", "Medium", "High"],
            )
            .map(str::to_owned)
        });
        let expiration = raw
            .expiration
            .as_deref()
            .map(|e| self.duration(&yaml::field(path, "expiration"), Some(e), Duration::from_days(30), None));
        let title = self.template(&yaml::field(path, "title"), &raw.title, TemplateKind::Header, names);
        let description = self.template(
            &yaml::field(path, "description"),
            &raw.description,
            TemplateKind::Text,
            names,
        );
        let recommended_actions = raw
            .recommended_actions
            .as_deref()
            .and_then(|r| self.template(&yaml::field(path, "recommended_actions"), r, TemplateKind::Text, names));
        Some(IndicatorAction {
            value: value?,
            indicator_type,
            action: action?,
            title: title?,
            description: description?,
            severity,
            expiration,
            recommended_actions,
            generate_alert: raw.generate_alert,
        })
    }

    /// The controls of action `i`: its approval, and for a response action its cap.
    pub(super) fn controls(&mut self, raw: &ActionConfig, path: &str, kind: ActionKind) -> Controls {
        let max_per_run = match raw.max_per_run() {
            Some(0) => {
                self.report.error(
                    &yaml::field(path, "max_per_run"),
                    "must be 1 or more (to stop the action, remove it or set `enabled: false` on the playbook)",
                );
                None
            }
            Some(n) => Some(n),
            None if kind.is_response() => Some(self.settings.limits.max_response_actions_per_run),
            None => None,
        };
        let approval = raw.approval().map(|a| self.approval(a, &yaml::field(path, "approval")));
        Controls { approval, max_per_run }
    }

    fn approval(&mut self, raw: &ApprovalConfig, path: &str) -> Approval {
        let field = yaml::field(path, "timeout");
        let mut timeout = self.duration(&field, raw.timeout.as_deref(), DEFAULT_APPROVAL, None);
        if timeout > MAX_APPROVAL {
            self.report.error(
                &field,
                format!(
                    "an approval waits at most 30d (then its action is dropped as expired); got {}",
                    raw.timeout.as_deref().unwrap_or_default()
                ),
            );
            timeout = MAX_APPROVAL;
        }
        let mut approval = Approval {
            timeout,
            email: Vec::new(),
            webhooks: Vec::new(),
        };
        if raw.notify.is_empty() {
            self.report.warn(
                path,
                "nobody is told that an approval waits (no `notify`): only `graphsoar approvals` shows it",
            );
        }
        for (j, n) in raw.notify.iter().enumerate() {
            let field = format!("{path}.notify[{j}]");
            match n {
                NotifyConfig::Email(addr) => {
                    self.address(&field, addr);
                    approval.email.push(addr.clone());
                }
                NotifyConfig::Webhook(w) => {
                    let format = w.format.unwrap_or(WebhookFormat::Json);
                    match (&w.webhook, &w.webhook_env) {
                        (Some(url), None) => match config::endpoint_url(url) {
                            Ok(url) => approval.webhooks.push((WebhookTarget::Url(url), format)),
                            Err(e) => self.report.error(&yaml::field(&field, "webhook"), e),
                        },
                        (None, Some(env)) => {
                            self.env_name(&yaml::field(&field, "webhook_env"), env);
                            approval.webhooks.push((WebhookTarget::Env(env.clone()), format));
                        }
                        _ => self.report.error(
                            &field,
                            "give an email address, or `{ webhook: URL }` or `{ webhook_env: NAME }`",
                        ),
                    }
                }
            }
        }
        approval
    }
}

impl Compiler<'_> {
    /// `account_action`.
    pub(super) fn account_action(
        &mut self,
        raw: &AccountActionConfig,
        path: &str,
        trigger: &Trigger,
        group: Group,
        names: &[&str],
    ) -> Option<AccountAction> {
        if group == Group::All {
            self.report.error(
                path,
                "`account_action` acts on each item's accounts, so it cannot run with `group: all`; use `group: per_item`",
            );
        }
        let action = self.choice(&yaml::field(path, "action"), &raw.action, AccountVerb::ALL);
        let account = match (&raw.account, trigger) {
            (Some(a), _) => self.template(&yaml::field(path, "account"), a, TemplateKind::Header, names),
            (None, t) if has_evidence(t) => None,
            (None, _) => {
                self.report.error(
                    path,
                    format!(
                        "`account_action` needs `account:` with a {} trigger (an on-premises SID, an Entra object id or a UPN, such as `account: \"{{{{ row.AccountSid }}}}\"`); alerts, and incidents with `expand_alerts: true`, default to their user evidence",
                        trigger.name()
                    ),
                );
                None
            }
        };
        Some(AccountAction {
            action: action?,
            account,
        })
    }

    /// `remediate_email`.
    pub(super) fn remediate_email(
        &mut self,
        raw: &RemediateEmailConfig,
        path: &str,
        trigger: &Trigger,
        group: Group,
        names: &[&str],
    ) -> Option<RemediateEmail> {
        if group == Group::All {
            self.report.error(
                path,
                "`remediate_email` acts on each item's messages, so it cannot run with `group: all`; use `group: per_item`",
            );
        }
        let action = self.choice(&yaml::field(path, "action"), &raw.action, MailAction::ALL);
        if matches!(trigger, Trigger::Incidents(_)) && raw.network_message_id.is_none() {
            self.report.error(
                path,
                "with an incidents trigger `remediate_email` needs `network_message_id:` and `recipient:` templates (alerts and hunting rows have defaults)",
            );
        }
        if raw.network_message_id.is_some() != raw.recipient.is_some() {
            self.report.error(
                path,
                "give both `network_message_id` and `recipient`, or neither (then the item's messages are taken)",
            );
        }
        let template = |key: &str, text: &Option<String>, this: &mut Self| {
            text.as_deref()
                .and_then(|t| this.template(&yaml::field(path, key), t, TemplateKind::Header, names))
        };
        let network_message_id = template("network_message_id", &raw.network_message_id, self);
        let recipient = template("recipient", &raw.recipient, self);
        let display_name = template("display_name", &raw.display_name, self);
        let severity = match raw.severity.as_deref() {
            Some(s) => self.choice(&yaml::field(path, "severity"), s, &["low", "medium", "high"])?,
            None => "medium",
        };
        let description = self.template(
            &yaml::field(path, "description"),
            &raw.description,
            TemplateKind::Text,
            names,
        );
        Some(RemediateEmail {
            action: action?,
            network_message_id,
            recipient,
            severity: severity.to_owned(),
            display_name,
            description: description?,
            remediate_senders_copy: raw.remediate_senders_copy.unwrap_or(false),
        })
    }
}
