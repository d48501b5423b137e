//! `graphsoar backtest`: what playbooks would have done over a past window, on the configured
//! tenant (the embedded local one by default). It only reads: no state is opened, nothing is
//! written to the tenant or the outbox.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::{Value, json};

use super::rows::{RowFormat, render};
use super::{EXIT_ERROR, EXIT_OK};
use crate::action::email::Mailer;
use crate::clock::Clock;
use crate::duration::Duration;
use crate::engine::backtest::{self, AS_THEY_ARE_NOW, PlaybookBacktest, Window};
use crate::engine::runner::Engine;
use crate::playbook::Playbook;
use crate::progress::Progress;

/// Above this many hunting queries a backtest waits for `--yes` (or a yes at the prompt).
pub const QUERIES_WITHOUT_YES: usize = 100;

/// `graphsoar backtest`.
#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// Settings file (default: graphsoar.yaml in the working directory, else the embedded local tenant).
    #[arg(long, env = "GRAPHSOAR_CONFIG")]
    pub config: Option<PathBuf>,
    /// Playbooks folder (default: the settings' `playbooks`).
    #[arg(long)]
    pub playbooks: Option<PathBuf>,
    /// How far back from now (default 30d).
    #[arg(long, value_parser = Duration::parse, conflicts_with_all = ["from", "to"])]
    pub since: Option<Duration>,
    /// Start of the window (RFC 3339, e.g. 2026-11-01T00:00:00Z).
    #[arg(long)]
    pub from: Option<String>,
    /// End of the window (RFC 3339; default now).
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// Output: a summary table, or every planned action as JSON or CSV.
    #[arg(long, value_enum, default_value = "table")]
    pub format: RowFormat,
    /// Go ahead when the backtest sends many hunting queries.
    #[arg(long)]
    pub yes: bool,
    /// Only these playbooks (disabled ones too); default: every enabled playbook.
    pub names: Vec<String>,
}

pub fn run(args: &BacktestArgs) -> anyhow::Result<u8> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(run_async(args))
}

fn window(args: &BacktestArgs, now: DateTime<Utc>) -> Result<Window, String> {
    let parse = |flag: &str, text: &str| {
        crate::time::parse_utc(text).ok_or_else(|| {
            format!("--{flag} {text}: not a date and time: write it as RFC 3339, e.g. 2026-11-01T00:00:00Z")
        })
    };
    let window = match &args.from {
        Some(from) => Window {
            from: parse("from", from)?,
            to: args.to.as_deref().map_or(Ok(now), |t| parse("to", t))?,
        },
        None => {
            let since = args.since.unwrap_or(Duration::from_secs(30 * 86_400));
            Window {
                from: now
                    .checked_sub_signed(since.to_chrono())
                    .unwrap_or(DateTime::<Utc>::MIN_UTC),
                to: now,
            }
        }
    };
    if window.from > window.to {
        return Err("--from is after --to: the window must start before it ends".into());
    }
    Ok(window)
}

/// The playbooks to replay: the named ones (in the given order), else every enabled one.
fn select(all: Vec<Playbook>, names: &[String]) -> Result<Vec<Arc<Playbook>>, String> {
    if names.is_empty() {
        return Ok(all.into_iter().filter(|p| p.enabled).map(Arc::new).collect());
    }
    let mut by_name: BTreeMap<String, Playbook> = all.into_iter().map(|p| (p.name.clone(), p)).collect();
    let known: Vec<String> = by_name.keys().cloned().collect();
    names
        .iter()
        .map(|n| {
            by_name.remove(n).map(Arc::new).ok_or_else(|| {
                let hint = crate::suggest::did_you_mean(n, known.iter().map(String::as_str));
                format!("no playbook named `{n}` in the playbooks folder{hint}")
            })
        })
        .collect()
}

async fn run_async(args: &BacktestArgs) -> anyhow::Result<u8> {
    let settings = match super::load_settings(args.config.as_deref(), "backtest") {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let now = Utc::now();
    let window = match window(args, now) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("graphsoar backtest: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let folder = args.playbooks.clone().unwrap_or_else(|| settings.playbooks.clone());
    let (playbooks, diagnostics) =
        crate::playbook::load_paths_with(std::slice::from_ref(&folder), &settings, crate::playbook::Tests::Skip);
    for d in diagnostics.iter().filter(|d| d.is_error()) {
        eprintln!("{d}");
    }
    if diagnostics.iter().any(|d| d.is_error()) {
        eprintln!("graphsoar backtest: the playbooks have problems: fix them first (graphsoar validate shows them)");
        return Ok(EXIT_ERROR);
    }
    let playbooks = match select(playbooks, &args.names) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("graphsoar backtest: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let queries: usize = playbooks.iter().map(|p| backtest::hunting_queries(p, window)).sum();
    let runs: usize = playbooks.iter().map(|p| backtest::fires(p, window).len()).sum();
    eprintln!(
        "graphsoar backtest: {} playbook(s), {runs} scheduled run(s) from {} to {}, {queries} hunting quer{}",
        playbooks.len(),
        crate::time::format_rfc3339(&window.from),
        crate::time::format_rfc3339(&window.to),
        if queries == 1 { "y" } else { "ies" }
    );
    if queries > QUERIES_WITHOUT_YES && !args.yes && !confirmed(queries, settings.limits.hunting_per_minute) {
        eprintln!(
            "graphsoar backtest: {queries} hunting queries is more than {QUERIES_WITHOUT_YES}: pass --yes to send them, or narrow the window or the playbooks"
        );
        return Ok(EXIT_ERROR);
    }
    let clock = Clock::system();
    let connection = super::tenant::connect(&settings, clock.clone()).await?;
    let engine = Engine {
        // Never used: a backtest sends nothing; an outbox mailer touches no file until it sends.
        mailer: Mailer::Outbox(settings.outbox.clone()),
        settings,
        client: connection.client.clone(),
        defender: connection.defender.clone(),
        store: None,
        clock,
        dry_run: true,
    };
    let progress = Progress::start(runs as u64, "replaying runs");
    let step = || progress.step();
    let mut results = Vec::new();
    for p in &playbooks {
        results.push(engine.backtest(p, window, &step).await);
    }
    progress.finish();
    let failed = results.iter().any(|r| r.error.is_some());
    match args.format {
        RowFormat::Table => print!("{}", summary(&results)),
        format => {
            let columns: Vec<String> = ["playbook", "fire_time", "item_id", "action", "params"]
                .map(String::from)
                .to_vec();
            let rows: Vec<Value> = results
                .iter()
                .flat_map(|r| &r.actions)
                .map(|a| serde_json::to_value(a).unwrap_or_else(|e| json!({ "error": e.to_string() })))
                .collect();
            print!("{}", render(&columns, &rows, format, &Progress::hidden()));
        }
    }
    for r in &results {
        if let Some(e) = &r.error {
            eprintln!("error: {}: the backtest stopped: {e}", r.playbook);
        }
        if r.truncated {
            eprintln!(
                "warning: {}: a hunting result hit Graph's 100,000-row cap and is truncated: narrow the query",
                r.playbook
            );
        }
    }
    eprintln!("note: {AS_THEY_ARE_NOW}");
    if let Some(local) = connection.local {
        let _ = local.shutdown().await;
    }
    Ok(if failed { EXIT_ERROR } else { EXIT_OK })
}

/// Asks on the terminal whether to send `queries` hunting queries; false when not a terminal.
fn confirmed(queries: usize, per_minute: u32) -> bool {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return false;
    }
    let minutes = if per_minute == 0 {
        0
    } else {
        queries.div_ceil(per_minute as usize)
    };
    eprint!("This sends {queries} hunting queries (about {minutes} min at {per_minute} per minute). Go ahead? [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes")
}

/// Per playbook: runs, items matched, actions; then actions by day and kind.
pub fn summary(results: &[PlaybookBacktest]) -> String {
    let mut out = String::new();
    let width = results.iter().map(|r| r.playbook.len()).max().unwrap_or(8).max(8);
    let _ = writeln!(
        out,
        "{:<width$}  {:>6}  {:>7}  {:>7}  {:>7}  {:>6}  {:>7}",
        "playbook", "runs", "fetched", "matched", "actions", "capped", "queries"
    );
    for r in results {
        let _ = writeln!(
            out,
            "{:<width$}  {:>6}  {:>7}  {:>7}  {:>7}  {:>6}  {:>7}{}",
            r.playbook,
            r.runs,
            r.fetched,
            r.matched,
            r.actions.len(),
            r.capped,
            r.queries,
            if r.error.is_some() {
                "  (stopped: see below)"
            } else {
                ""
            }
        );
    }
    let mut by_day: BTreeMap<(&str, String, String), usize> = BTreeMap::new();
    for r in results {
        for a in &r.actions {
            let day = a.fire_time.format("%Y-%m-%d").to_string();
            *by_day
                .entry((r.playbook.as_str(), day, a.action.to_string()))
                .or_default() += 1;
        }
    }
    if !by_day.is_empty() {
        let _ = writeln!(out, "\nactions by day (UTC) and kind:");
        for ((playbook, day, kind), n) in by_day {
            let _ = writeln!(out, "{playbook:<width$}  {day}  {kind:<16}  {n:>6}");
        }
    }
    out
}
