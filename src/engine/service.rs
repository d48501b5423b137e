//! The engine as a service: what `graphsoar run` does once the settings are loaded and the tenant
//! connected. [`Service::resume`] completes what a crash left pending, [`Service::run_all_once`]
//! runs every playbook once (`--once`, `--dry-run`), [`Service::serve_until`] runs the schedules
//! until told to stop. The command line only loads, connects and prints; tests drive this in
//! process.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::health::Health;
use super::runner::{Engine, RunReport, playbook_hash};
use super::scheduler;
use crate::playbook::Playbook;
use crate::state::{LedgerEntry, StateError};

/// The engine and the playbooks it runs.
pub struct Service {
    pub engine: Arc<Engine>,
    /// The enabled playbooks.
    pub playbooks: Vec<Arc<Playbook>>,
    /// Names of loaded but disabled playbooks: their pending actions are cancelled.
    pub disabled: HashSet<String>,
    /// Every playbook file loaded: a pending action whose playbook is not loaded was removed,
    /// not merely broken, and is cancelled.
    pub complete: bool,
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
        let live: HashMap<String, String> = self
            .playbooks
            .iter()
            .map(|p| (p.name.clone(), playbook_hash(p)))
            .collect();
        let pending = store.reconcile_pending(&live, &self.disabled, self.complete, now)?;
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        tracing::info!(
            actions = pending.len(),
            "Resuming actions left pending by an earlier run."
        );
        let mut by_playbook: HashMap<String, Vec<LedgerEntry>> = HashMap::new();
        for e in pending {
            by_playbook.entry(e.playbook.clone()).or_default().push(e);
        }
        let mut failures = Vec::new();
        for (name, entries) in by_playbook {
            let Some(p) = self.playbooks.iter().find(|p| p.name == name) else {
                continue;
            };
            let mut report = RunReport {
                playbook: name,
                ..RunReport::default()
            };
            engine.execute_entries(p, store, entries, true, now, &mut report).await;
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
        Ok(failures)
    }

    /// Every playbook once, at most `limits.concurrency` at a time; the reports in playbook order.
    pub async fn run_all_once(&self) -> Vec<RunReport> {
        let permits = Arc::new(tokio::sync::Semaphore::new(
            self.engine.settings.limits.concurrency as usize,
        ));
        let mut tasks = tokio::task::JoinSet::new();
        for (i, p) in self.playbooks.iter().enumerate() {
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
    /// ready while the schedules run.
    pub async fn serve_until(
        &self,
        stop: impl Future<Output = ()>,
        stop_now: impl Future<Output = ()>,
        grace: Duration,
        health: &Arc<Health>,
    ) {
        let engine = &self.engine;
        let cancel = CancellationToken::new();
        let (engine_for_runs, health_for_runs) = (engine.clone(), health.clone());
        let schedules = tokio::spawn(scheduler::run_schedules(
            self.playbooks.clone(),
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
        ));
        health.set_ready(true);
        tracing::info!(
            playbooks = self.playbooks.len(),
            "Scheduler started; Ctrl-C or SIGTERM stops it."
        );
        stop.await;
        health.set_ready(false);
        tracing::info!(
            grace_secs = grace.as_secs(),
            "Stopping: no new runs; running actions may finish."
        );
        cancel.cancel();
        tokio::select! {
            _ = schedules => tracing::info!("Stopped."),
            () = engine.clock.sleep(grace) => tracing::warn!("The grace period is over: stopping with runs still in flight; their pending actions resume on the next start."),
            () = stop_now => tracing::warn!("Second signal: stopping now; pending actions resume on the next start."),
        }
    }
}
