//! Executing a run's pending ledger entries in phases: action k for every item before action
//! k+1, and only for items whose earlier actions succeeded. Updates of one collection go
//! together, after the guard's one re-read of what changed since the fetch; emails one at a
//! time over the mailer's connection; webhooks a few at once. A phase's outcomes are recorded
//! together, in one transaction, once the phase has run.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use serde_json::Value;

use super::runner::{Engine, REPORTED_ERRORS, RunReport};
use super::trigger::page_size;
use crate::action::email::EmailParams;
use crate::action::update::{Status, UpdateJob};
use crate::action::webhook::WebhookParams;
use crate::action::{self, Outcome, Params};
use crate::graph::{Collection, Error as GraphError, ListQuery};
use crate::odata;
use crate::playbook::Playbook;
use crate::state::{LedgerEntry, Store, Transition};

impl Engine {
    /// Executes pending ledger entries in phases by action index; `resumed` marks entries whose
    /// earlier outcome is unknown (they read fresh state and check comment markers).
    pub(super) async fn execute_entries(
        &self,
        playbook: &Playbook,
        store: &Store,
        entries: Vec<LedgerEntry>,
        resumed: bool,
        fetch_start: DateTime<Utc>,
        report: &mut RunReport,
    ) {
        let mut blocked: HashSet<(i64, String)> = HashSet::new();
        let mut indexes: Vec<u32> = entries.iter().map(|e| e.action_index).collect();
        indexes.sort_unstable();
        indexes.dedup();
        let max_attempts = self.settings.limits.max_attempts;
        for index in indexes {
            let phase: Vec<&LedgerEntry> = entries
                .iter()
                .filter(|e| e.action_index == index && !blocked.contains(&(e.run_id.0, e.item_id.clone())))
                .collect();
            let outcomes = self
                .execute_phase(
                    playbook,
                    store,
                    &phase,
                    resumed || phase.iter().any(|e| e.attempts > 0),
                    fetch_start,
                )
                .await;
            // Every outcome of the phase is logged, then recorded in one transaction: the
            // phase's actions all ran before any is recorded, so one commit loses nothing a
            // commit per action would keep, and costs one sync to disk instead of thousands.
            let mut changes = Vec::with_capacity(outcomes.len());
            let by_id: HashMap<i64, &LedgerEntry> = phase.iter().map(|e| (e.id, *e)).collect();
            for (id, outcome) in &outcomes {
                let Some(entry) = by_id.get(id) else {
                    continue;
                };
                let logged = (playbook.name.as_str(), entry.item_id.as_str(), entry.action.as_str());
                let change = match outcome {
                    Outcome::Done => {
                        report.done += 1;
                        tracing::info!(
                            playbook = logged.0,
                            item_id = logged.1,
                            action = logged.2,
                            ledger_id = id,
                            "Action done."
                        );
                        Transition::Done
                    }
                    Outcome::Started(result) => {
                        report.done += 1;
                        tracing::info!(playbook = logged.0, item_id = logged.1, action = logged.2, ledger_id = id, result = %result, "Action done; it goes on in Defender.");
                        Transition::Started { result }
                    }
                    Outcome::Refused(reason) => {
                        report.skipped += 1;
                        blocked.insert((entry.run_id.0, entry.item_id.clone()));
                        tracing::warn!(playbook = logged.0, item_id = logged.1, action = logged.2, ledger_id = id, reason = %reason, "Action refused.");
                        Transition::Refused { reason }
                    }
                    Outcome::Skipped(reason) => {
                        report.skipped += 1;
                        blocked.insert((entry.run_id.0, entry.item_id.clone()));
                        tracing::info!(playbook = logged.0, item_id = logged.1, action = logged.2, ledger_id = id, reason = %reason, "Action skipped.");
                        Transition::Skipped { reason }
                    }
                    Outcome::Failed { error, retryable } => {
                        report.failed += 1;
                        if report.action_errors.len() < REPORTED_ERRORS {
                            report
                                .action_errors
                                .push(format!("{} {}: {error}", entry.action, entry.item_id));
                        }
                        blocked.insert((entry.run_id.0, entry.item_id.clone()));
                        tracing::error!(playbook = logged.0, item_id = logged.1, action = logged.2, ledger_id = id, retryable, error = %error, "Action failed.");
                        Transition::Failed {
                            error,
                            retryable: *retryable,
                            max_attempts,
                        }
                    }
                };
                changes.push((*id, change));
            }
            match store.record(&changes, self.clock.now()) {
                Ok(results) => {
                    for ((id, _), result) in changes.iter().zip(results) {
                        if let Err(e) = result {
                            tracing::error!(playbook = playbook.name.as_str(), ledger_id = id, error = %e, "Cannot record the action's outcome.");
                        }
                    }
                }
                Err(e) => {
                    tracing::error!(playbook = playbook.name.as_str(), actions = changes.len(), error = %e, "Cannot record the actions' outcomes.");
                }
            }
        }
    }

    async fn execute_phase(
        &self,
        playbook: &Playbook,
        store: &Store,
        phase: &[&LedgerEntry],
        resumed: bool,
        fetch_start: DateTime<Utc>,
    ) -> Vec<(i64, Outcome)> {
        let mut outcomes = Vec::new();
        let mut alert_updates = Vec::new();
        let mut incident_updates = Vec::new();
        let mut webhooks: Vec<futures_util::future::BoxFuture<'_, (i64, Outcome)>> = Vec::new();
        for e in phase {
            let resumed = resumed || e.attempts > 0;
            match &e.params {
                Params::UpdateAlert(p) => alert_updates.push(UpdateJob {
                    ledger_id: e.id,
                    params: p.clone(),
                    resumed,
                }),
                Params::UpdateIncident(p) => incident_updates.push(UpdateJob {
                    ledger_id: e.id,
                    params: p.clone(),
                    resumed,
                }),
                // One at a time: the mailer keeps one SMTP connection.
                Params::Email(p) => outcomes.push((e.id, self.send_email(playbook, e.id, p).await)),
                Params::Webhook(p) => {
                    webhooks.push(Box::pin(
                        async move { (e.id, self.send_webhook(playbook, e.id, p).await) },
                    ));
                }
                Params::Log(p) => outcomes.push((e.id, action::log::execute(&playbook.name, &e.item_id, p))),
                // One at a time: each is a few reads and one request, and the API allows 100
                // calls a minute (response-actions-api.md §1.4).
                Params::SubmitIndicator(p) => {
                    outcomes.push((e.id, action::indicator::execute(&self.defender, p).await))
                }
                Params::AccountAction(p) => {
                    let outcome = match self.unrepeatable(store, e, p.action.is_checkable()) {
                        Some(uncertain) => uncertain,
                        None => action::account::execute(&self.client, p, &self.settings.protected).await,
                    };
                    outcomes.push((e.id, outcome));
                }
                Params::RemediateEmail(p) => {
                    let outcome = match self.unrepeatable(store, e, false) {
                        Some(uncertain) => uncertain,
                        None => action::remediate::execute(&self.client, p).await,
                    };
                    outcomes.push((e.id, outcome));
                }
                other => {
                    let outcome = match (other.kind().machine_action(), other.device()) {
                        (Some(kind), Some(p)) => {
                            action::device::execute(&self.defender, kind, p, e.id, &self.settings.protected).await
                        }
                        _ => Outcome::failed(format!("{} has no executor", other.kind()), false),
                    };
                    outcomes.push((e.id, outcome));
                }
            }
        }
        // Webhooks go out a few at a time: one slow or dead receiver (each webhook retries with
        // backoff) does not hold up the others.
        const WEBHOOKS_AT_ONCE: usize = 4;
        outcomes.extend(
            futures_util::stream::iter(webhooks)
                .buffer_unordered(WEBHOOKS_AT_ONCE)
                .collect::<Vec<_>>()
                .await,
        );
        if !alert_updates.is_empty() {
            outcomes.extend(self.execute_updates(alert_updates, fetch_start).await);
        }
        if !incident_updates.is_empty() {
            outcomes.extend(self.execute_updates(incident_updates, fetch_start).await);
        }
        outcomes
    }

    /// For an action no API can tell the outcome of (`checkable` false): when an earlier attempt
    /// was being sent as the engine stopped (its `sending` mark is in the ledger), the outcome
    /// is unknown, and the action fails without being sent again. Otherwise it marks the entry
    /// as being sent, in its own transaction, before the request goes out; `None`: send it.
    fn unrepeatable(&self, store: &Store, entry: &LedgerEntry, checkable: bool) -> Option<Outcome> {
        if checkable {
            return None;
        }
        if entry.result.as_ref().is_some_and(|r| r.get("sending").is_some()) {
            return Some(Outcome::failed(
                "outcome unknown: the engine stopped while this was being sent, and no API tells whether it \
                 happened; graphsoar does not send it again: check it, and act by hand if needed",
                false,
            ));
        }
        let mark = serde_json::json!({ "sending": crate::time::format_rfc3339(&self.clock.now()) });
        match store.set_result(entry.id, &mark, self.clock.now()) {
            Ok(()) => None,
            Err(e) => Some(Outcome::failed(
                format!("cannot record that it is being sent: {e}"),
                true,
            )),
        }
    }

    /// Updates of one collection: the guard's re-read, then the writes.
    async fn execute_updates<S: Status>(
        &self,
        jobs: Vec<UpdateJob<S>>,
        fetch_start: DateTime<Utc>,
    ) -> Vec<(i64, Outcome)> {
        match self.changed_since(S::COLLECTION, fetch_start).await {
            Ok(changed) => action::update::execute(&self.client, jobs, &changed).await,
            Err(e) => jobs
                .into_iter()
                .map(|j| {
                    (
                        j.ledger_id,
                        Outcome::failed(format!("cannot re-read before writing: {e}"), e.is_retryable()),
                    )
                })
                .collect(),
        }
    }

    /// The guard's re-read: one paged list of what changed since this run's fetch started.
    async fn changed_since(
        &self,
        collection: Collection,
        since: DateTime<Utc>,
    ) -> Result<HashMap<String, Value>, GraphError> {
        let query = ListQuery {
            filter: Some(odata::with_cursor(None, "lastUpdateDateTime", since)),
            top: Some(page_size(collection)),
            ..ListQuery::default()
        };
        let mut out = HashMap::new();
        let mut pager = self.client.list::<Value>(collection, &query)?;
        while let Some(page) = pager.next_page().await? {
            for mut item in page.value {
                collection.normalize(&mut item);
                if let Some(id) = item.get("id").and_then(Value::as_str).map(str::to_string) {
                    out.insert(id, item);
                }
            }
        }
        Ok(out)
    }

    /// The state database's instance id (part of Message-IDs and idempotency keys).
    fn instance(&self) -> Option<&str> {
        self.store.as_ref().and_then(|s| s.instance_id())
    }

    /// Sends an email as ledger entry `id` (or notice `id`: its Message-ID derives from it).
    pub(super) async fn send_email(&self, playbook: &Playbook, id: i64, params: &EmailParams) -> Outcome {
        match action::email::build(params, id, self.instance(), &playbook.name) {
            Ok(message) => self.mailer.send(&message).await,
            Err(err) => Outcome::failed(err, false),
        }
    }

    /// Posts a webhook as ledger entry `id` (or notice `id`: its idempotency key derives from it),
    /// with the request attempts of the settings.
    pub(super) async fn send_webhook(&self, playbook: &Playbook, id: i64, params: &WebhookParams) -> Outcome {
        let key = action::webhook::idempotency_key(id, self.instance(), &playbook.name);
        let attempts = self.settings.limits.request_attempts;
        action::webhook::execute_shared(&self.clock, params, &key, &playbook.name, attempts).await
    }
}
