//! `graphsoar run`: the engine, on the configured tenant or the embedded local one.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use tokio_util::sync::CancellationToken;

use super::{EXIT_ERROR, EXIT_OK};
use crate::clock::Clock;
use crate::engine::health::{self, Health};
use crate::engine::runner::{Engine, RunReport, playbook_hash};
use crate::engine::scheduler;
use crate::playbook::{self, Playbook};
use crate::state::{LedgerEntry, Store};

/// Log output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// `graphsoar run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Settings file (default: graphsoar.yaml in the working directory, else the embedded local tenant).
    #[arg(long, env = "GRAPHSOAR_CONFIG")]
    pub config: Option<PathBuf>,
    /// Playbooks folder (default: the settings' `playbooks`).
    #[arg(long)]
    pub playbooks: Option<PathBuf>,
    /// Run every enabled playbook once, print a summary, and exit (2 when a run or action failed).
    #[arg(long)]
    pub once: bool,
    /// Only read: print what would be done; no writes, messages, or state changes.
    #[arg(long)]
    pub dry_run: bool,
    /// Log format (logs go to stderr).
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// How long running actions may take to finish after a stop signal.
    #[arg(long, default_value = "30s")]
    pub shutdown_grace: String,
}

pub fn run(args: &RunArgs) -> anyhow::Result<u8> {
    init_logging(args.log_format);
    let grace = crate::duration::Duration::parse(&args.shutdown_grace)
        .map_err(|e| anyhow::anyhow!("--shutdown-grace: {e}"))?
        .to_std();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(run_async(args, grace))
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("GRAPHSOAR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    use std::io::IsTerminal as _;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

async fn run_async(args: &RunArgs, grace: Duration) -> anyhow::Result<u8> {
    let settings = match super::load_settings(args.config.as_deref(), "run") {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let folder = args.playbooks.clone().unwrap_or_else(|| settings.playbooks.clone());
    let (playbooks, diagnostics) =
        playbook::load_paths_with(std::slice::from_ref(&folder), &settings, playbook::Tests::Skip);
    let bad_playbooks = diagnostics.iter().filter(|d| d.is_error()).count();
    for d in diagnostics.iter().filter(|d| d.is_error()) {
        eprintln!("{d}");
    }
    if bad_playbooks > 0 {
        eprintln!("graphsoar run: {bad_playbooks} problem(s) in playbooks: those playbooks do not run; the others do");
    }
    let disabled: HashSet<String> = playbooks
        .iter()
        .filter(|p| !p.enabled)
        .map(|p| p.name.clone())
        .collect();
    let playbooks: Vec<Arc<Playbook>> = playbooks.into_iter().filter(|p| p.enabled).map(Arc::new).collect();
    let clock = Clock::system();
    // The health endpoints answer from the start (`/readyz` says 503 until the scheduler runs).
    let health = Health::new(playbooks.len());
    let endpoints = CancellationToken::new();
    if let (false, Some(addr)) = (args.once || args.dry_run, settings.listen) {
        let bound = health::serve(addr, health.clone(), endpoints.clone())
            .await
            .with_context(|| format!("cannot listen on {addr} (settings `listen`)"))?;
        tracing::info!(addr = %bound, "Health endpoints: /healthz, /readyz, /metrics.");
    }

    // The tenant: the embedded local one (the emulator in-process on a loopback port), or the
    // configured one.
    let connection = super::tenant::connect(&settings, clock.clone()).await?;
    let (client, tenant_id) = (connection.client.clone(), connection.tenant_id.clone());
    let store = if args.dry_run {
        settings
            .state
            .exists()
            .then(|| Store::open_read_only(&settings.state))
            .transpose()?
            .map(Arc::new)
    } else {
        Some(Arc::new(Store::open(&settings.state, &tenant_id)?))
    };
    if let Some(store) = &store {
        health.attach_store(store.clone());
    }
    let mailer = crate::action::email::Mailer::from_settings(&settings).context("cannot set up email delivery")?;
    let engine = Arc::new(Engine {
        mailer,
        settings,
        client,
        store,
        clock: clock.clone(),
        dry_run: args.dry_run,
    });
    // Actions resumed at start that fail are reported, and fail `--once` like any other.
    let resumed_failures = if args.dry_run {
        Vec::new()
    } else {
        resume(&engine, &playbooks, &disabled, bad_playbooks == 0).await?
    };
    let code = if args.once || args.dry_run {
        let reports = run_once(&engine, &playbooks).await;
        print!("{}", summary(&reports, args.dry_run));
        for failure in &resumed_failures {
            println!("error: {failure}");
        }
        let failed = reports.iter().any(RunReport::is_failure) || bad_playbooks > 0 || !resumed_failures.is_empty();
        if failed { EXIT_ERROR } else { EXIT_OK }
    } else {
        serve(&engine, playbooks, grace, &health).await;
        EXIT_OK
    };
    endpoints.cancel();
    if let Some(local) = connection.local {
        let _ = local.shutdown().await;
    }
    Ok(code)
}

/// At start: actions left pending by a crash are completed if their playbook still exists, is
/// enabled and unchanged; the others are cancelled with the reason (but not those of a playbook
/// that may only have failed to load: `complete` says every file loaded).
async fn resume(
    engine: &Engine,
    playbooks: &[Arc<Playbook>],
    disabled: &HashSet<String>,
    complete: bool,
) -> anyhow::Result<Vec<String>> {
    let Some(store) = &engine.store else {
        return Ok(Vec::new());
    };
    let now = engine.clock.now();
    store.finish_interrupted_runs(now)?;
    let live: HashMap<String, String> = playbooks.iter().map(|p| (p.name.clone(), playbook_hash(p))).collect();
    let pending = store.reconcile_pending(&live, disabled, complete, now)?;
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
        if let Some(p) = playbooks.iter().find(|p| p.name == name) {
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
    }
    Ok(failures)
}

/// Every playbook once, with the tenant's concurrency limit.
async fn run_once(engine: &Arc<Engine>, playbooks: &[Arc<Playbook>]) -> Vec<RunReport> {
    let permits = Arc::new(tokio::sync::Semaphore::new(engine.settings.limits.concurrency as usize));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, p) in playbooks.iter().enumerate() {
        let (engine, p, permits) = (engine.clone(), p.clone(), permits.clone());
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

/// The scheduler until Ctrl-C/SIGTERM; then running actions get `grace` to finish; a second
/// signal exits at once. Runs are counted in `health`, which is ready while the scheduler runs.
async fn serve(engine: &Arc<Engine>, playbooks: Vec<Arc<Playbook>>, grace: Duration, health: &Arc<Health>) {
    let cancel = CancellationToken::new();
    let (engine_for_runs, health_for_runs) = (engine.clone(), health.clone());
    let schedules = tokio::spawn(scheduler::run_schedules(
        playbooks.clone(),
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
        playbooks = playbooks.len(),
        "Scheduler started; Ctrl-C or SIGTERM stops it."
    );
    crate::shutdown::signal().await;
    health.set_ready(false);
    tracing::info!(
        grace_secs = grace.as_secs(),
        "Stopping: no new runs; running actions may finish."
    );
    cancel.cancel();
    tokio::select! {
        _ = schedules => tracing::info!("Stopped."),
        () = engine.clock.sleep(grace) => tracing::warn!("The grace period is over: stopping with runs still in flight; their pending actions resume on the next start."),
        _ = crate::shutdown::signal() => tracing::warn!("Second signal: stopping now; pending actions resume on the next start."),
    }
}

/// The `--once` summary table (and, for dry runs, the plan).
pub fn summary(reports: &[RunReport], dry_run: bool) -> String {
    let mut out = String::new();
    if dry_run {
        for r in reports {
            let _ = writeln!(
                out,
                "playbook {}: {} fetched, {} matched, {} action(s) would run",
                r.playbook,
                r.fetched,
                r.matched,
                r.plan.len()
            );
            for p in &r.plan {
                let _ = writeln!(
                    out,
                    "  {} {} {}: {}",
                    p.kind(),
                    p.item_kind,
                    p.item_id,
                    p.params.to_json()
                );
            }
            if let Some(e) = &r.error {
                let _ = writeln!(out, "  error: {e}");
            }
        }
        out.push('\n');
    }
    let width = reports.iter().map(|r| r.playbook.len()).max().unwrap_or(8).max(8);
    let _ = writeln!(
        out,
        "{:<width$}  {:>7}  {:>7}  {:>5}  {:>7}  {:>6}  {:>6}  {:>8}",
        "playbook", "fetched", "matched", "done", "skipped", "failed", "capped", "duration"
    );
    for r in reports {
        let _ = writeln!(
            out,
            "{:<width$}  {:>7}  {:>7}  {:>5}  {:>7}  {:>6}  {:>6}  {:>7.1}s",
            r.playbook,
            r.fetched,
            r.matched,
            r.done,
            r.skipped,
            r.failed,
            if r.capped { r.planned.to_string() } else { "-".into() },
            r.duration.as_secs_f64()
        );
    }
    for r in reports {
        if let Some(e) = &r.error {
            let _ = writeln!(out, "error: {}: {e}", r.playbook);
        }
        for e in &r.action_errors {
            let _ = writeln!(out, "error: {}: {e}", r.playbook);
        }
        if r.capped {
            let _ = writeln!(
                out,
                "error: {}: capped: {} actions planned, more than max_actions_per_run; none done",
                r.playbook, r.planned
            );
        }
        if r.condition_errors > 0 {
            let _ = writeln!(
                out,
                "warning: {}: the condition failed on {} item(s), counted as no match (the log names them)",
                r.playbook, r.condition_errors
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_failures_caps_and_condition_errors() {
        let reports = [
            RunReport {
                playbook: "close-eicar".into(),
                fetched: 12,
                matched: 3,
                done: 2,
                failed: 1,
                condition_errors: 4,
                action_errors: vec!["update_alert da1: 404 NotFound".into()],
                ..RunReport::default()
            },
            RunReport {
                playbook: "digest".into(),
                planned: 150,
                capped: true,
                ..RunReport::default()
            },
        ];
        let text = summary(&reports, false);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("playbook"), "{text}");
        assert_eq!(
            lines[1].split_whitespace().collect::<Vec<_>>()[..7],
            ["close-eicar", "12", "3", "2", "0", "1", "-"]
        );
        for line in [
            "error: close-eicar: update_alert da1: 404 NotFound",
            "warning: close-eicar: the condition failed on 4 item(s), counted as no match (the log names them)",
            "error: digest: capped: 150 actions planned, more than max_actions_per_run; none done",
        ] {
            assert!(lines.contains(&line), "{line:?} in\n{text}");
        }
    }
}
