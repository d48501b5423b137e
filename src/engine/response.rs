//! What a run does about actions that outlive it: approvals (announced once, expired when their
//! time is up, cancelled when their playbook changed) and the machine actions device actions
//! started (their status read until it is final). The engine builds each approval request as a
//! value; the email and webhook actions render and send it.

use super::links::Signer;
use super::runner::Engine;
use crate::action::email::EmailParams;
use crate::action::webhook::{Target, WebhookParams};
use crate::action::{ApprovalRequest, Outcome, device};
use crate::playbook::{Playbook, WebhookTarget};
use crate::state::Store;
use crate::time::format_rfc3339;

/// Device actions followed per run at most (each is one read per open machine action; the API
/// allows 100 reads a minute).
const FOLLOWED_PER_RUN: usize = 50;

/// The bare address of a recipient written `Name <address>` or `address`, lower-cased: who a
/// link names (and who is recorded as deciding).
fn recipient_address(to: &str) -> String {
    to.parse::<lettre::message::Mailbox>()
        .map(|m| m.email.to_string())
        .unwrap_or_else(|_| to.to_owned())
        .to_lowercase()
}

impl Engine {
    /// Expires the approvals whose time is up and cancels those of an earlier version of this
    /// playbook. Failures are logged: they are tried again next run.
    pub(super) fn settle_approvals(&self, playbook: &Playbook, store: &Store, hash: &str) {
        let now = self.clock.now();
        if let Err(e) = store.expire_approvals(now) {
            tracing::error!(playbook = %playbook.name, error = %e, "Cannot expire approvals.");
        }
        match store.cancel_stale(&playbook.name, hash, now) {
            Ok(0) => {}
            Ok(n) => {
                tracing::warn!(playbook = %playbook.name, cancelled = n, "Approvals and approved actions cancelled: the playbook changed since they were planned.");
            }
            Err(e) => tracing::error!(playbook = %playbook.name, error = %e, "Cannot cancel stale approvals."),
        }
    }

    /// Sends the requests of this playbook's approvals that have not gone out, to every
    /// recipient of the action's `approval.notify`; one that reached at least one recipient is
    /// not sent again (the rest is logged).
    pub(super) async fn announce_approvals(&self, playbook: &Playbook, store: &Store) {
        let waiting = match store.unnotified_approvals(&playbook.name) {
            Ok(w) => w,
            Err(e) => {
                tracing::error!(playbook = %playbook.name, error = %e, "Cannot read the approvals to announce.");
                return;
            }
        };
        let signer = self.settings.approvals.as_ref().map(Signer::from_settings);
        for (approval, entry) in waiting {
            let Some(controls) = playbook
                .controls
                .get(entry.action_index as usize)
                .and_then(|c| c.approval.as_ref())
            else {
                continue;
            };
            let request = ApprovalRequest {
                id: approval.id.clone(),
                playbook: playbook.name.clone(),
                action: entry.action,
                item_id: entry.item_id.clone(),
                params: entry.params.to_json(),
                expires: format_rfc3339(&approval.expires),
                links: None,
            };
            tracing::warn!(playbook = %playbook.name, approval = %approval.id, action = %entry.action, item_id = %entry.item_id, expires = %request.expires, "Action awaits approval: `graphsoar approve {}`.", approval.id);
            let mut told = controls.email.is_empty() && controls.webhooks.is_empty();
            // With links, each recipient gets a message of their own: the links name them.
            let messages: Vec<(ApprovalRequest, Vec<String>)> = match &signer {
                Some(signer) => controls
                    .email
                    .iter()
                    .map(|to| {
                        let address = recipient_address(to);
                        let links = Some(signer.pair(&approval.id, &address, approval.expires));
                        (
                            ApprovalRequest {
                                links,
                                ..request.clone()
                            },
                            vec![to.clone()],
                        )
                    })
                    .collect(),
                None if controls.email.is_empty() => Vec::new(),
                None => vec![(request.clone(), controls.email.clone())],
            };
            for (request, to) in messages {
                let params = EmailParams::approval(&request, self.settings.default_from(), &to);
                match self.send_email(playbook, entry.id, &params).await {
                    Outcome::Done => told = true,
                    other => {
                        tracing::error!(playbook = %playbook.name, approval = %approval.id, outcome = ?other, "Cannot email the approval request.")
                    }
                }
            }
            for (target, format) in &controls.webhooks {
                let target = match target {
                    WebhookTarget::Url(url) => Target::Url(url.to_string()),
                    WebhookTarget::Env(name) => Target::UrlEnv(name.clone()),
                };
                let params = WebhookParams::approval(&request, target, *format);
                match self.send_webhook(playbook, entry.id, &params).await {
                    Outcome::Done => told = true,
                    other => {
                        tracing::error!(playbook = %playbook.name, approval = %approval.id, outcome = ?other, "Cannot post the approval request.")
                    }
                }
            }
            if told && let Err(e) = store.mark_notified(&approval.id) {
                tracing::error!(approval = %approval.id, error = %e, "Cannot record that the approval was announced.");
            }
        }
    }

    /// Reads the status of the machine actions this playbook's device actions started and that
    /// were not final yet, and records what changed.
    pub(super) async fn follow_machine_actions(&self, playbook: &Playbook, store: &Store) {
        let open = match store.open_results(&playbook.name, self.clock.now()) {
            Ok(open) => open,
            Err(e) => {
                tracing::error!(playbook = %playbook.name, error = %e, "Cannot read the machine actions to follow.");
                return;
            }
        };
        for entry in open
            .into_iter()
            .filter(|e| e.action.machine_action().is_some())
            .take(FOLLOWED_PER_RUN)
        {
            let Some(result) = entry.result.as_ref().filter(|r| device::is_open(r)) else {
                continue;
            };
            if let Some(updated) = device::follow(&self.defender, result).await
                && let Err(e) = store.set_result(entry.id, &updated, self.clock.now())
            {
                tracing::error!(ledger_id = entry.id, error = %e, "Cannot record a machine action's status.");
            }
        }
    }
}
