//! One run of one playbook: ledger retries of its earlier actions, then the fetch and the plan
//! (`trigger`, `collect`), the cap, then, in one state transaction, ledger entries, dedup keys
//! and the cursor, and only then execution (`execute`). Dry runs stop after planning and write
//! nothing; audit runs record the plan as skipped and act on nothing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::collect::{Collector, SeenKeys};
use super::error::RunError;
use super::plan::{PlannedAction, RunContext};
use crate::action::{self, ActionKind};
use crate::clock::Clock;
use crate::config::{Protected, Settings};
use crate::graph::defender::Defender;
use crate::graph::{Client, Collection};
use crate::item::ItemKind;
use crate::playbook::{Mode, Playbook, Trigger, stable_hash};
use crate::state::{
    self, CursorAdvance, Hold, LedgerEntry, NewEntry, PlanCommit, RunMode, RunOutcome, RunStatus, Store,
};

/// What a run did, for the summary table and `run --once`'s exit code.
#[derive(Debug, Default)]
pub struct RunReport {
    pub playbook: String,
    pub fetched: u32,
    pub matched: u32,
    pub planned: u32,
    pub done: u32,
    pub skipped: u32,
    pub failed: u32,
    /// Set when the run planned more than `max_actions_per_run` and did nothing.
    pub capped: bool,
    /// Condition errors (counted as no match).
    pub condition_errors: u32,
    pub duration: Duration,
    /// Why the run failed, if it did.
    pub error: Option<RunError>,
    /// What a dry run would do, each with how it would start (refused, awaiting approval).
    pub plan: Vec<PlannedAction>,
    pub plan_holds: Vec<Hold>,
    /// A hunting result hit Graph's 100,000-row cap.
    pub truncated: bool,
    /// The first few action failures, for the summary.
    pub action_errors: Vec<String>,
}

/// How many action failures a report keeps for the summary.
pub(super) const REPORTED_ERRORS: usize = 5;

impl RunReport {
    /// A run or action failed (a guarded skip is not a failure).
    pub fn is_failure(&self) -> bool {
        self.status(false).is_failure()
    }

    /// The status of the finished run; `run_failed`: the run itself failed (before its error
    /// is in the report).
    pub fn status(&self, run_failed: bool) -> RunStatus {
        match (run_failed || self.error.is_some(), self.capped) {
            (true, _) => RunStatus::Failed,
            (false, true) => RunStatus::Capped,
            (false, false) if self.failed > 0 => RunStatus::PartiallyFailed,
            (false, false) => RunStatus::Ok,
        }
    }
}

/// Everything a run needs; shared by every playbook's runs.
pub struct Engine {
    pub settings: Settings,
    pub client: Client,
    /// The Defender for Endpoint API of the same tenant (response actions).
    pub defender: Defender,
    /// None in a dry run without a state file.
    pub store: Option<Arc<Store>>,
    pub clock: Clock,
    pub dry_run: bool,
    /// Where email actions go: the SMTP server of the settings, else the outbox folder.
    pub mailer: action::email::Mailer,
}

/// The hash keying a playbook's cursor: trigger and condition, so an edited one starts again.
pub fn trigger_hash(p: &Playbook) -> String {
    let trigger = match &p.trigger {
        Trigger::Alerts(t) | Trigger::Incidents(t) => format!(
            "{}|{}|{}|{}",
            p.trigger.name(),
            t.filter.as_ref().map(ToString::to_string).unwrap_or_default(),
            t.since.as_secs(),
            t.expand_alerts
        ),
        Trigger::Hunting(h) => format!(
            "hunting|{}|{}|{:?}",
            h.query,
            h.lag.as_secs(),
            h.timespan.map(|t| t.as_secs())
        ),
    };
    let condition = p.condition.as_ref().map(|c| c.source().to_string()).unwrap_or_default();
    format!("{:016x}", stable_hash(format!("{trigger}\u{0}{condition}").as_bytes()))
}

/// The hash the ledger keys a playbook version by: any edit to the file changes it.
pub fn playbook_hash(p: &Playbook) -> String {
    format!("{:016x}", p.source_hash)
}

impl Engine {
    /// Runs `playbook` once and reports. Never panics on data; failures are in the report.
    pub async fn run_playbook(&self, playbook: Arc<Playbook>) -> RunReport {
        let start = Instant::now();
        let mut report = RunReport {
            playbook: playbook.name.clone(),
            ..RunReport::default()
        };
        let result = self.run_inner(&playbook, &mut report).await;
        if let Err(e) = result {
            tracing::error!(playbook = %playbook.name, error = %e, "Playbook run failed.");
            report.error = Some(e);
        }
        report.duration = start.elapsed();
        report
    }

    /// [`Engine::run_playbook`] in a task of its own: a panic (a bug, never input) becomes a
    /// failed report instead of silently ending the playbook's schedule or dropping it from the
    /// summary. Its run stays `running` in the state until the next start closes it as failed.
    pub async fn run_playbook_isolated(self: &Arc<Self>, playbook: Arc<Playbook>) -> RunReport {
        let (engine, name) = (self.clone(), playbook.name.clone());
        match tokio::spawn(async move { engine.run_playbook(playbook).await }).await {
            Ok(report) => report,
            Err(e) => {
                tracing::error!(playbook = %name, error = %e, "A playbook run panicked; the playbook stays scheduled.");
                RunReport {
                    playbook: name,
                    error: Some(RunError::Panicked(e.to_string())),
                    ..RunReport::default()
                }
            }
        }
    }

    async fn run_inner(&self, playbook: &Arc<Playbook>, report: &mut RunReport) -> Result<(), RunError> {
        let started = self.clock.now();
        let store = self.store.as_ref().filter(|_| !self.dry_run);
        let mode = match (self.dry_run, playbook.mode) {
            (true, _) => RunMode::DryRun,
            (false, Mode::Audit) => RunMode::Audit,
            (false, Mode::Active) => RunMode::Live,
        };
        let phash = playbook_hash(playbook);
        let run = match store {
            Some(s) => Some(s.start_run(&playbook.name, &phash, started, mode)?),
            None => None,
        };
        // Approvals that timed out or whose playbook changed end before anything runs, and
        // machine actions started earlier report how they went.
        if let Some(s) = store {
            self.settle_approvals(playbook, s, &phash);
            self.follow_machine_actions(playbook, s).await;
        }
        // Ledger-driven retries of this playbook's earlier actions come first.
        if let Some(s) = store {
            let earlier: Vec<LedgerEntry> = s
                .pending_entries()?
                .into_iter()
                .filter(|e| e.playbook == playbook.name && e.playbook_hash == phash)
                .collect();
            if !earlier.is_empty() {
                tracing::info!(playbook = %playbook.name, actions = earlier.len(), "Retrying actions pending from earlier runs.");
                self.execute_entries(playbook, s, earlier, true, started, report).await;
            }
        }
        let outcome = self.plan_and_execute(playbook, store, run, started, report).await;
        if let (Some(s), Some(run)) = (store, run) {
            let finished = RunOutcome {
                status: report.status(outcome.is_err()),
                fetched: report.fetched,
                matched: report.matched,
                planned: report.planned,
                done: report.done,
                skipped: report.skipped,
                failed: report.failed,
                error: outcome.as_ref().err().map(ToString::to_string),
                finished: self.clock.now(),
            };
            if let Err(e) = s.finish_run(run, &finished) {
                tracing::error!(playbook = %playbook.name, error = %e, "Cannot record the end of the run.");
            }
            self.check_failure_streak(playbook, s).await;
        }
        outcome
    }

    async fn plan_and_execute(
        &self,
        playbook: &Arc<Playbook>,
        store: Option<&Arc<Store>>,
        run: Option<state::RunId>,
        started: DateTime<Utc>,
        report: &mut RunReport,
    ) -> Result<(), RunError> {
        let thash = trigger_hash(playbook);
        let cursor = match self.store.as_ref() {
            Some(s) => s.cursor(&playbook.name, &thash)?.map(|c| c.position),
            None => None,
        };
        let ctx = RunContext {
            run_id: run.map_or_else(|| "dry-run".to_string(), |r| r.0.to_string()),
            started,
            now: started,
            lists: playbook.lists.clone(),
        };
        let mut collector = Collector::new(playbook, &ctx, self.store.as_deref().map(|s| s as &dyn SeenKeys));
        let fetched = self.fetch(playbook, cursor, &ctx, &mut collector).await?;
        report.fetched = fetched.fetched;
        report.condition_errors = fetched.condition_errors;
        report.truncated = fetched.truncated;
        report.matched = collector.matched;
        report.failed += u32::try_from(collector.failures.len()).unwrap_or(u32::MAX);
        let collected = collector.finish().map_err(RunError::Digest)?;
        let (mut planned, keys) = (collected.planned, collected.keys);
        report.planned = u32::try_from(planned.len()).unwrap_or(u32::MAX);
        if planned.len() > playbook.max_actions_per_run as usize {
            report.capped = true;
            tracing::error!(
                playbook = %playbook.name,
                planned = planned.len(),
                max_actions_per_run = playbook.max_actions_per_run,
                "Run capped: it planned more actions than max_actions_per_run, so it does none. Check the playbook, or raise max_actions_per_run."
            );
            return Ok(());
        }
        if let Some(over) = over_response_cap(playbook, &planned) {
            report.capped = true;
            tracing::error!(
                playbook = %playbook.name,
                action = %over.kind,
                action_index = over.index,
                planned = over.planned,
                max_per_run = over.max,
                "Run capped: a response action would act on more targets than its max_per_run, so the run does nothing. Check the playbook, or raise the action's max_per_run."
            );
            return Ok(());
        }
        if self.dry_run {
            report.plan_holds = holds(playbook, &planned, &self.settings.protected, started);
            report.plan = planned;
            return Ok(());
        }
        let (Some(store), Some(run)) = (store, run) else {
            return Ok(());
        };
        self.record_targets_at_match(&mut planned).await?;
        let mut commit = PlanCommit::new(run, &playbook.name, &playbook_hash(playbook), started);
        commit.cursor = fetched.cursor.map(|position| CursorAdvance {
            trigger_hash: thash,
            position,
        });
        let holds = holds(playbook, &planned, &self.settings.protected, started);
        commit.entries = planned
            .into_iter()
            .zip(holds)
            .map(|(p, hold)| NewEntry {
                item_id: p.item_id,
                item_kind: p.item_kind,
                action_index: u32::try_from(p.action_index).unwrap_or(u32::MAX),
                params: p.params,
                hold,
            })
            .collect();
        // Audit mode records what it would do, as skipped in the same transaction (nothing of
        // it can ever be executed), and keeps no dedup keys: turning the playbook on later acts
        // on what it finds then.
        let audit = playbook.mode == Mode::Audit;
        if audit {
            commit.skip_all = Some("audit mode: planned, not executed".into());
        } else {
            commit.dedup_keys = keys;
        }
        store.commit_plan(commit)?;
        let entries = store.entries_of_run(run)?;
        if audit {
            for e in &entries {
                tracing::info!(playbook = %playbook.name, item_id = %e.item_id, action = %e.action, params = %e.params.to_json(), "Audit mode: would act.");
            }
            report.skipped += u32::try_from(entries.len()).unwrap_or(u32::MAX);
            return Ok(());
        }
        for e in entries.iter().filter(|e| e.state == state::ActionState::Refused) {
            report.skipped += 1;
            tracing::warn!(playbook = %playbook.name, item_id = %e.item_id, action = %e.action, ledger_id = e.id, reason = e.reason.as_deref().unwrap_or_default(), "Action refused.");
        }
        self.announce_approvals(playbook, store).await;
        let pending: Vec<LedgerEntry> = entries
            .into_iter()
            .filter(|e| e.state == state::ActionState::Pending)
            .collect();
        self.execute_entries(playbook, store, pending, false, started, report)
            .await;
        Ok(())
    }

    /// Reads the targets of planned updates that are not the matched item itself (an incident
    /// updated from an alert, an alert or incident named by a hunting row's `id:`) and records
    /// the state they are in as the state at the match, so the guard protects them too (DESIGN
    /// mentions the per-item GET for resumed actions only; these need one as well).
    async fn record_targets_at_match(&self, planned: &mut [PlannedAction]) -> Result<(), RunError> {
        let target = |p: &PlannedAction| Some((update_collection(p.kind())?, p.params.update_target()?.to_string()));
        let targets: Vec<(Collection, String)> = planned
            .iter()
            .filter(|p| p.params.needs_matched())
            .filter_map(target)
            .collect();
        let mut states = self.client.get_items(targets).await;
        // A passing failure fails the run (the next one plans again); a target Graph refuses
        // for good (404, a malformed id) is left to fail when written, abandoning the item's
        // later actions, so one bad row never stalls its playbook.
        let failed = states
            .iter()
            .find_map(|(key, result)| matches!(result, Err(e) if e.is_retryable()).then(|| key.clone()));
        if let Some(key) = failed
            && let Some(Err(source)) = states.remove(&key)
        {
            return Err(RunError::ReadTarget { target: key.1, source });
        }
        for p in planned.iter_mut().filter(|p| p.params.needs_matched()) {
            if let Some(Ok(state)) = target(p).and_then(|key| states.get(&key)) {
                p.params.record_matched(state);
            }
        }
        Ok(())
    }
}

/// A response action that planned more targets than its `max_per_run`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OverCap {
    index: usize,
    kind: ActionKind,
    planned: usize,
    max: u32,
}

/// The first response action of the plan over its cap, if any.
fn over_response_cap(playbook: &Playbook, planned: &[PlannedAction]) -> Option<OverCap> {
    playbook.controls.iter().enumerate().find_map(|(index, controls)| {
        let max = controls.max_per_run?;
        let planned: usize = planned
            .iter()
            .filter(|p| p.action_index == index)
            .map(|p| p.params.response_targets())
            .sum();
        (planned > max as usize).then(|| OverCap {
            index,
            kind: playbook.actions[index].kind(),
            planned,
            max,
        })
    })
}

/// How each planned action starts (in plan order: by item, then action index): refused when it
/// would contain a protected device (as named in the plan; the executor checks the resolved
/// device again), awaiting approval when its action asks for one, and waiting with it when an
/// earlier action of its item waits; the later actions of a refused one are skipped.
fn holds(playbook: &Playbook, planned: &[PlannedAction], protected: &Protected, now: DateTime<Utc>) -> Vec<Hold> {
    let mut held: HashMap<(ItemKind, &str), Hold> = HashMap::new();
    planned
        .iter()
        .map(|p| {
            let key = (p.item_kind, p.item_id.as_str());
            let earlier = held.get(&key);
            if let Some(Hold::Refused(reason)) = earlier {
                return Hold::Skipped(format!("an earlier action was refused: {reason}"));
            }
            let refused = protected_target(&p.params, protected);
            let approval = playbook.controls.get(p.action_index).and_then(|c| c.approval.as_ref());
            let hold = match (refused, approval, earlier) {
                (Some(reason), _, _) => Hold::Refused(reason),
                (None, Some(approval), _) => Hold::Approval {
                    expires: now + approval.timeout.to_chrono(),
                },
                (None, None, Some(_)) => Hold::AfterApproval,
                (None, None, None) => Hold::None,
            };
            if hold != Hold::None {
                held.insert(key, hold.clone());
            }
            hold
        })
        .collect()
}

/// Why a planned action is refused as planned: a device or account it names is protected.
fn protected_target(params: &action::Params, protected: &Protected) -> Option<String> {
    if let Some(d) = params.device() {
        return d.devices.iter().find_map(|device| {
            protected.device(&[device]).map(|entry| {
                format!("device {device} is protected (settings `protected.devices`: {entry}); nothing was requested")
            })
        });
    }
    if let action::Params::AccountAction(a) = params {
        return a.accounts.iter().find_map(|account| {
            protected.account(&account.names()).map(|entry| {
                format!("account {entry} is protected (settings `protected.accounts`); nothing was requested")
            })
        });
    }
    None
}

/// The collection an update action writes to.
fn update_collection(action: ActionKind) -> Option<Collection> {
    match action {
        ActionKind::UpdateAlert => Some(Collection::Alerts),
        ActionKind::UpdateIncident => Some(Collection::Incidents),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_hash_changes_with_the_trigger_and_condition_only() {
        let settings = Settings::embedded();
        let load = |text: &str| {
            crate::playbook::parse_str(
                text,
                std::path::Path::new("p.yaml"),
                std::path::Path::new("."),
                &settings,
            )
            .playbook
            .unwrap()
        };
        let base = "name: p\nschedule: '@hourly'\ntrigger: { alerts: { filter: \"status eq 'new'\" } }\ncondition: alert.id != \"\"\nactions: [ { log: { message: x } } ]\n";
        let a = load(base);
        let b = load(&base.replace("message: x", "message: y"));
        let c = load(&base.replace("'new'", "'inProgress'"));
        let d = load(&base.replace("alert.id != \"\"", "alert.id == \"x\""));
        assert_eq!(trigger_hash(&a), trigger_hash(&b), "an action edit keeps the cursor");
        assert_ne!(
            playbook_hash(&a),
            playbook_hash(&b),
            "but is another playbook version for the ledger"
        );
        assert_ne!(trigger_hash(&a), trigger_hash(&c));
        assert_ne!(trigger_hash(&a), trigger_hash(&d));
    }
}
