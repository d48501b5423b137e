//! The engine as a service: what `graphsoar run` does once the settings are loaded and the tenant
//! connected. [`Service::resume`] completes what a crash left pending, [`Service::run_all_once`]
//! runs every playbook once (`--once`, `--dry-run`), [`Service::serve_until`] runs the schedules
//! until told to stop, reloading the playbooks when they change (`reload`). The command line
//! only loads, connects and prints; tests drive this in process.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::health::Health;
use super::reload::{Outcome, PlaybookSet, Reloader};
use super::runner::{Engine, RunReport, playbook_hash};
use super::scheduler::Schedules;
use crate::state::{LedgerEntry, StateError};

/// The engine and the playbooks it runs.
pub struct Service {
    pub engine: Arc<Engine>,
    /// The playbooks at start (`serve_until` replaces them as they reload).
    pub set: PlaybookSet,
}

/// Name → ledger hash of a set's enabled playbooks.
fn live(set: &PlaybookSet) -> HashMap<String, String> {
    set.playbooks
        .iter()
        .map(|p| (p.name.clone(), playbook_hash(p)))
        .collect()
}

impl Service {
    /// At start: actions left pending by a crash are completed if their playbook still exists,
    /// is enabled and unchanged; the others are cancelled with the reason (but not those of a
    /// playbook that may only have failed to load). Returns the failures of resumed actions,
    /// one line each, to report like any run's.
    pub async fn resume(&self) -> Result<Vec<String>, StateError> {
        let engine = &self.engine;
        let Some(store) = engine.store.as_ref().filter(|_| !engine.dry_run) else {
            return Ok(Vec::new());
        };
        let now = engine.clock.now();
        store.finish_interrupted_runs(now)?;
        let set = &self.set;
        let pending = store.reconcile_pending(&live(set), &set.disabled, set.complete, now)?;
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        tracing::info!(
            actions = pending.len(),
            "Resuming actions left pending by an earlier run."
        );
        let progress = crate::progress::Progress::start_above(pending.len() as u64, 100, "resuming pending actions");
        let mut by_playbook: HashMap<String, Vec<LedgerEntry>> = HashMap::new();
        for e in pending {
            by_playbook.entry(e.playbook.clone()).or_default().push(e);
        }
        let mut failures = Vec::new();
        for (name, entries) in by_playbook {
            let Some(p) = set.get(&name) else {
                continue;
            };
            let mut report = RunReport {
                playbook: name,
                ..RunReport::default()
            };
            let count = entries.len() as u64;
            engine.execute_entries(p, store, entries, true, now, &mut report).await;
            progress.advance(count);
            failures.extend(
                report
                    .action_errors
                    .iter()
                    .map(|e| format!("{}: resumed action failed: {e}", report.playbook)),
            );
            if report.failed as usize > report.action_errors.len() {
                failures.push(format!(
                    "{}: {} resumed action(s) failed in all",
                    report.playbook, report.failed
                ));
            }
        }
        progress.finish();
        Ok(failures)
    }

    /// Every playbook once, at most `limits.concurrency` at a time; the reports in playbook order.
    pub async fn run_all_once(&self) -> Vec<RunReport> {
        let permits = Arc::new(tokio::sync::Semaphore::new(
            self.engine.settings.limits.concurrency as usize,
        ));
        let mut tasks = tokio::task::JoinSet::new();
        for (i, p) in self.set.playbooks.iter().enumerate() {
            let (engine, p, permits) = (self.engine.clone(), p.clone(), permits.clone());
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                (i, engine.run_playbook_isolated(p).await)
            });
        }
        let mut reports: Vec<(usize, RunReport)> = Vec::new();
        while let Some(done) = tasks.join_next().await {
            if let Ok(r) = done {
                reports.push(r);
            }
        }
        reports.sort_by_key(|(i, _)| *i);
        reports.into_iter().map(|(_, r)| r).collect()
    }

    /// The schedules until `stop` completes; then running actions get `grace` to finish, and
    /// `stop_now` (a second signal) ends the wait at once. Runs are counted in `health`, which is
    /// ready while the schedules run. With a `reloader`, changed playbooks are loaded and
    /// scheduled as they change (see [`reload`](super::reload)).
    pub async fn serve_until(
        &self,
        stop: impl Future<Output = ()>,
        stop_now: impl Future<Output = ()>,
        grace: Duration,
        health: &Arc<Health>,
        mut reloader: Option<Reloader>,
    ) {
        let engine = &self.engine;
        let cancel = CancellationToken::new();
        let (engine_for_runs, health_for_runs) = (engine.clone(), health.clone());
        let mut schedules = Schedules::new(
            engine.clock.clone(),
            engine.settings.limits.concurrency as usize,
            cancel.clone(),
            move |p| {
                let (engine, health) = (engine_for_runs.clone(), health_for_runs.clone());
                async move {
                    let report = engine.run_playbook_isolated(p).await;
                    health.record(&report, engine.clock.now());
                    tracing::info!(
                        playbook = %report.playbook, fetched = report.fetched, matched = report.matched,
                        condition_errors = report.condition_errors, done = report.done, skipped = report.skipped,
                        failed = report.failed, capped = report.capped, duration_ms = report.duration.as_millis() as u64,
                        "Run finished."
                    );
                }
            },
        );
        schedules.apply(&self.set.playbooks);
        let mut current = self.set.clone();
        health.set_ready(true);
        tracing::info!(
            playbooks = current.playbooks.len(),
            "Scheduler started; Ctrl-C or SIGTERM stops it."
        );
        tokio::pin!(stop);
        loop {
            let cause = async {
                match reloader.as_mut() {
                    Some(r) => r.changed().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = &mut stop => break,
                cause = cause => {
                    let Some(r) = reloader.as_mut() else { continue };
                    tracing::debug!(?cause, "Reloading the playbooks.");
                    match r.load(&current) {
                        Outcome::Unchanged => tracing::debug!("The playbooks did not change."),
                        Outcome::Rejected(errors) => {
                            for e in &errors {
                                tracing::error!("{e}");
                            }
                            health.record_reload_failure();
                            tracing::error!(
                                problems = errors.len(),
                                "The playbooks did not reload: fix the problems above; the last good playbooks keep running."
                            );
                        }
                        Outcome::Changed(set) => {
                            let stopped = self.apply_reload(&mut schedules, &current, &set, &mut stop).await;
                            health.record_reload(set.playbooks.len());
                            current = set;
                            if stopped {
                                break;
                            }
                        }
                    }
                }
            }
        }
        health.set_ready(false);
        tracing::info!(
            grace_secs = grace.as_secs(),
            "Stopping: no new runs; running actions may finish."
        );
        cancel.cancel();
        tokio::select! {
            () = schedules.join() => tracing::info!("Stopped."),
            () = engine.clock.sleep(grace) => tracing::warn!("The grace period is over: stopping with runs still in flight; their pending actions resume on the next start."),
            () = stop_now => tracing::warn!("Second signal: stopping now; pending actions resume on the next start."),
        }
    }

    /// Schedules `set` in place of `current`, then, once the earlier version's run of each
    /// removed, disabled or edited playbook has ended, cancels their pending actions as a
    /// restart would (DESIGN: cancelled when gone or changed). A stop signal meanwhile ends the
    /// wait (true: stop), and the next start reconciles them.
    async fn apply_reload<F, Fut>(
        &self,
        schedules: &mut Schedules<F>,
        current: &PlaybookSet,
        set: &PlaybookSet,
        stop: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
    ) -> bool
    where
        F: Fn(Arc<crate::playbook::Playbook>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let old = live(current);
        let new = live(set);
        // The running locks of the playbooks whose actions may need cancelling, taken before
        // `apply` (a removed playbook's task, and so its lock holder, goes away).
        let affected: Vec<(String, Arc<tokio::sync::Mutex<()>>)> = old
            .iter()
            .filter(|(name, hash)| new.get(*name) != Some(hash))
            .filter_map(|(name, _)| Some((name.clone(), schedules.running_lock(name)?)))
            .collect();
        let changes = schedules.apply(&set.playbooks);
        tracing::info!(
            playbooks = set.playbooks.len(),
            added = ?changes.added, changed = ?changes.changed, removed = ?changes.removed,
            "Playbooks reloaded."
        );
        let Some(store) = self.engine.store.as_ref().filter(|_| !self.engine.dry_run) else {
            return false;
        };
        // The first set that loads completely: the pending actions of playbooks that exist in
        // no file (left pending while some file did not load) are reconciled now too.
        if set.complete && !current.complete {
            let unknown: HashSet<String> = match store.pending_by_playbook() {
                Ok(pending) => pending
                    .into_keys()
                    .filter(|name| !new.contains_key(name) && !old.contains_key(name))
                    .collect(),
                Err(e) => {
                    tracing::error!(error = %e, "Cannot read pending actions after a reload.");
                    HashSet::new()
                }
            };
            if !unknown.is_empty()
                && let Err(e) = store.reconcile_pending_of(&unknown, &new, &set.disabled, true, self.engine.clock.now())
            {
                tracing::error!(error = %e, "Cannot reconcile pending actions after a reload.");
            }
        }
        let wait = async {
            for (name, lock) in affected {
                let _idle = lock.lock().await;
                let only: HashSet<String> = [name].into();
                if let Err(e) =
                    store.reconcile_pending_of(&only, &new, &set.disabled, set.complete, self.engine.clock.now())
                {
                    tracing::error!(error = %e, "Cannot reconcile pending actions after a reload.");
                }
            }
        };
        tokio::select! {
            () = wait => false,
            () = stop.as_mut() => true,
        }
    }
}
