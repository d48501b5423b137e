//! `graphsoar run`: the engine, on the configured tenant or the embedded local one.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use tokio_util::sync::CancellationToken;

use super::{EXIT_ERROR, EXIT_OK};
use crate::clock::Clock;
use crate::engine::health::{self, Health};
use crate::engine::links::Signer;
use crate::engine::reload::{Cause, PlaybookSet, Reloader};
use crate::engine::runner::{Engine, RunReport};
use crate::engine::service::Service;
use crate::state::Store;

mod summary;
pub use summary::summary;

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
    use std::io::IsTerminal as _;
    let once = args.once || args.dry_run;
    init_logging(
        args.log_format,
        default_level(once, args.log_format, std::io::stderr().is_terminal()),
    );
    let grace = crate::duration::Duration::parse(&args.shutdown_grace)
        .map_err(|e| anyhow::anyhow!("--shutdown-grace: {e}"))?
        .to_std();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(run_async(args, grace))
}

/// The log level when `GRAPHSOAR_LOG` does not say: a one-off run on a terminal shows
/// warnings, errors and its summary; the line per action (INFO) stays in JSON logs, in service
/// mode, under `GRAPHSOAR_LOG`, and wherever stderr is not a terminal (a log file, a CI job).
pub fn default_level(once: bool, format: LogFormat, terminal: bool) -> &'static str {
    if once && terminal && format == LogFormat::Text {
        "warn"
    } else {
        "info"
    }
}

fn init_logging(format: LogFormat, level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("GRAPHSOAR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
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
    let (set, diagnostics) = PlaybookSet::load(&folder, &settings);
    let bad_playbooks = diagnostics.iter().filter(|d| d.is_error()).count();
    for d in diagnostics.iter().filter(|d| d.is_error()) {
        eprintln!("{d}");
    }
    if bad_playbooks > 0 {
        eprintln!("graphsoar run: {bad_playbooks} problem(s) in playbooks: those playbooks do not run; the others do");
    }
    let clock = Clock::system();
    // The health endpoints answer from the start (`/readyz` says 503 until the scheduler runs).
    let health = Health::new(set.playbooks.len());
    let endpoints = CancellationToken::new();
    if let (false, Some(addr)) = (args.once || args.dry_run, settings.listen) {
        let signer = settings.approvals.as_ref().map(Signer::from_settings);
        let bound = health::serve(addr, health.clone(), signer, endpoints.clone())
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
    let service = Service {
        engine: Arc::new(Engine {
            mailer,
            settings,
            client,
            defender: connection.defender.clone(),
            store,
            clock: clock.clone(),
            dry_run: args.dry_run,
        }),
        set,
    };
    // Actions resumed at start that fail are reported, and fail `--once` like any other.
    let resumed_failures = service.resume().await?;
    let code = if args.once || args.dry_run {
        let reports = service.run_all_once().await;
        print!("{}", summary(&reports, args.dry_run));
        for failure in &resumed_failures {
            println!("error: {failure}");
        }
        let failed = reports.iter().any(RunReport::is_failure) || bad_playbooks > 0 || !resumed_failures.is_empty();
        if failed { EXIT_ERROR } else { EXIT_OK }
    } else {
        let signal = crate::shutdown::signal;
        let reloader = Reloader::watch(&folder, &service.engine.settings);
        let reload = reloader.trigger();
        crate::shutdown::on_hangup(move || {
            tracing::info!("SIGHUP: reloading the playbooks.");
            let _ = reload.send(Cause::Forced);
        });
        // The second signal: `signal()` listens from when the wait after the first begins.
        service
            .serve_until(signal(), signal(), grace, &health, Some(reloader))
            .await;
        EXIT_OK
    };
    endpoints.cancel();
    if let Some(local) = connection.local {
        let _ = local.shutdown().await;
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_off_run_on_a_terminal_logs_warnings_only() {
        assert_eq!(default_level(true, LogFormat::Text, true), "warn");
        assert_eq!(
            default_level(true, LogFormat::Text, false),
            "info",
            "a pipe or a log file"
        );
        assert_eq!(default_level(true, LogFormat::Json, true), "info");
        assert_eq!(default_level(false, LogFormat::Text, true), "info", "service mode");
    }
}
