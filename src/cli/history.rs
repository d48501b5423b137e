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
    let approvals: Vec<_> = store
        .approvals(false)?
        .into_iter()
        .filter(|(_, e)| entries.iter().any(|x| x.id == e.id))
        .map(|(a, _)| a)
        .collect();
    match args.format {
        HistoryFormat::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({ "runs": runs, "actions": entries, "approvals": approvals })
                )?
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
                let result = e.result.as_ref().map(result_summary).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  [{}] {} {:<36} {:<16} {:<10} {}{why}{result}",
                    e.id,
                    e.updated.format("%Y-%m-%d %H:%M:%S"),
                    e.playbook,
                    e.action,
                    e.state.as_str(),
                    e.item_id
                );
            }
            if !approvals.is_empty() {
                let _ = writeln!(out, "approvals:");
            }
            for a in &approvals {
                let decided = match (&a.decided_by, &a.decided_at) {
                    (Some(by), Some(at)) => format!(" by {by} at {}", at.format("%Y-%m-%d %H:%M:%S")),
                    (None, Some(at)) => format!(" at {}", at.format("%Y-%m-%d %H:%M:%S")),
                    _ => String::new(),
                };
                let why = a.reason.as_deref().map(|r| format!("  ({r})")).unwrap_or_default();
                let _ = writeln!(out, "  {} entry [{}] {}{decided}{why}", a.id, a.ledger_id, a.state);
            }
            print!("{out}");
        }
    }
    Ok(EXIT_OK)
}

/// What an action got back, in a few words: each device's machine action and its status, an
/// indicator's id, a remediation's tracking link.
fn result_summary(result: &serde_json::Value) -> String {
    let mut parts = Vec::new();
    for d in result.get("devices").and_then(|d| d.as_array()).into_iter().flatten() {
        let text = |k: &str| d.get(k).and_then(|v| v.as_str()).unwrap_or("-").to_owned();
        let note = d
            .get("note")
            .and_then(|v| v.as_str())
            .map(|n| format!(", {n}"))
            .unwrap_or_default();
        parts.push(format!(
            "{}: machine action {} {}{note}",
            text("device"),
            text("machine_action_id"),
            text("status")
        ));
    }
    for a in result.get("accounts").and_then(|d| d.as_array()).into_iter().flatten() {
        let account = a.get("account").and_then(|v| v.as_str()).unwrap_or("-");
        let note = a.get("note").and_then(|v| v.as_str()).unwrap_or("done");
        parts.push(format!("{account}: {note}"));
    }
    if let Some(id) = result.get("indicator_id").and_then(|v| v.as_str()) {
        parts.push(format!("indicator {id}"));
    }
    if let Some(link) = result.get("tracking").and_then(|v| v.as_str()) {
        parts.push(format!("tracking {link}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("  [{}]", parts.join("; "))
    }
}
