//! `graphsoar history`: what the engine did, from the state database (read-only; works while an
//! engine runs).

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{EXIT_ERROR, EXIT_OK};
use crate::duration::Duration;
use crate::state::{HistoryFilter, Store};

/// Output formats of `history`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Table,
    Json,
}

/// `graphsoar history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Settings file (for the state path).
    #[arg(long, env = "GRAPHSOAR_CONFIG")]
    pub config: Option<PathBuf>,
    /// Only this playbook.
    #[arg(long)]
    pub playbook: Option<String>,
    /// Only this alert or incident id (or a digest's or row's key).
    #[arg(long)]
    pub item: Option<String>,
    /// How far back.
    #[arg(long, default_value = "24h", value_parser = Duration::parse)]
    pub since: Duration,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: HistoryFormat,
}

pub fn run(args: &HistoryArgs) -> anyhow::Result<u8> {
    let settings = match super::load_settings(args.config.as_deref(), "history") {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    if !settings.state.exists() {
        eprintln!(
            "graphsoar history: no state at {}: the engine has not run with these settings yet",
            settings.state.display()
        );
        return Ok(EXIT_ERROR);
    }
    let store = Store::open_read_only(&settings.state)?;
    let filter = HistoryFilter {
        playbook: args.playbook.clone(),
        item: args.item.clone(),
        // A `--since` longer than representable time: everything.
        since: chrono::Utc::now().checked_sub_signed(args.since.to_chrono()),
        limit: Some(1000),
    };
    let runs = store.recent_runs(&filter)?;
    let entries = store.ledger_for(&filter)?;
    match args.format {
        HistoryFormat::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "runs": runs, "actions": entries }))?
            );
        }
        HistoryFormat::Table => {
            let mut out = String::new();
            let _ = writeln!(out, "runs since {}:", args.since);
            for r in &runs {
                let _ = writeln!(
                    out,
                    "  #{:<5} {} {:<36} {:<16} fetched {:>5} matched {:>5} done {:>4} skipped {:>4} failed {:>4}{}",
                    r.id.0,
                    r.started.format("%Y-%m-%d %H:%M:%S"),
                    r.playbook,
                    r.status.as_str(),
                    r.fetched,
                    r.matched,
                    r.done,
                    r.skipped,
                    r.failed,
                    r.error.as_deref().map(|e| format!("  error: {e}")).unwrap_or_default()
                );
            }
            let _ = writeln!(out, "actions:");
            for e in &entries {
                let why = e
                    .reason
                    .as_deref()
                    .or(e.error.as_deref())
                    .map(|w| format!("  ({w})"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  [{}] {} {:<36} {:<16} {:<10} {}{why}",
                    e.id,
                    e.updated.format("%Y-%m-%d %H:%M:%S"),
                    e.playbook,
                    e.action,
                    e.state.as_str(),
                    e.item_id
                );
            }
            print!("{out}");
        }
    }
    Ok(EXIT_OK)
}
