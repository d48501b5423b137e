//! `graphsoar approvals`, `approve ID` and `deny ID`: the actions waiting for a person, and the
//! person's decision. They work while an engine runs (the decision is one state transaction);
//! an approved action runs at its playbook's next run.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{EXIT_ERROR, EXIT_OK};
use crate::state::{Decision, StateError, Store};

/// Output formats of `approvals`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApprovalsFormat {
    Table,
    Json,
}

/// `graphsoar approvals`.
#[derive(Debug, Args)]
pub struct ApprovalsArgs {
    /// Settings file (for the state path).
    #[arg(long, env = "GRAPHSOAR_CONFIG")]
    pub config: Option<PathBuf>,
    /// Also the decided, expired and cancelled ones.
    #[arg(long)]
    pub all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ApprovalsFormat,
}

/// `graphsoar approve`.
#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// Settings file (for the state path).
    #[arg(long, env = "GRAPHSOAR_CONFIG")]
    pub config: Option<PathBuf>,
    /// The approval id (`graphsoar approvals` lists them).
    pub id: String,
    /// Who decides, recorded in `history`. Default: the user running the command.
    #[arg(long)]
    pub by: Option<String>,
}

/// `graphsoar deny`.
#[derive(Debug, Args)]
pub struct DenyArgs {
    /// Settings file (for the state path).
    #[arg(long, env = "GRAPHSOAR_CONFIG")]
    pub config: Option<PathBuf>,
    /// The approval id.
    pub id: String,
    /// Who decides. Default: the user running the command.
    #[arg(long)]
    pub by: Option<String>,
    /// Why, recorded in `history`.
    #[arg(long)]
    pub reason: Option<String>,
}

/// The state of the settings at `config`, opened for `command`.
fn open(config: Option<&std::path::Path>, command: &str, decide: bool) -> Result<Store, u8> {
    let settings = super::load_settings(config, command)?;
    let opened = if decide {
        Store::open_for_decisions(&settings.state)
    } else {
        Store::open_read_only(&settings.state)
    };
    opened.map_err(|e| {
        eprintln!("graphsoar {command}: {e}");
        EXIT_ERROR
    })
}

/// Who decides: `--by`, else the user running the command.
fn decider(by: Option<&str>) -> Result<String, u8> {
    let name = by
        .map(str::to_owned)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .map(|n| n.trim().to_owned())
        .unwrap_or_default();
    if name.is_empty() || name.chars().any(char::is_control) || name.chars().count() > 200 {
        eprintln!(
            "graphsoar: say who decides with `--by NAME` (one line, at most 200 characters): it is recorded in history"
        );
        return Err(EXIT_ERROR);
    }
    Ok(name)
}

pub fn list(args: &ApprovalsArgs) -> anyhow::Result<u8> {
    let store = match open(args.config.as_deref(), "approvals", false) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let now = chrono::Utc::now();
    let approvals = store.approvals(!args.all)?;
    match args.format {
        ApprovalsFormat::Json => {
            let items: Vec<serde_json::Value> = approvals
                .iter()
                .map(|(a, e)| {
                    serde_json::json!({
                        "approval": a,
                        "expired": a.expires <= now,
                        "action": e.action,
                        "item_id": e.item_id,
                        "ledger_id": e.id,
                        "params": e.params.to_json(),
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&items)?);
        }
        ApprovalsFormat::Table => {
            let mut out = String::new();
            if approvals.is_empty() {
                let _ = writeln!(out, "no approval waits");
            }
            for (a, e) in &approvals {
                let state = if a.state == crate::state::ApprovalState::Waiting && a.expires <= now {
                    "expired (not yet recorded)".to_owned()
                } else {
                    a.state.to_string()
                };
                let decided = a
                    .decided_by
                    .as_deref()
                    .map(|by| format!(" by {by}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "{}  {:<10}{decided}  expires {}  {}  {} {}  {}",
                    a.id,
                    state,
                    a.expires.format("%Y-%m-%d %H:%M:%S"),
                    a.playbook,
                    e.action,
                    e.item_id,
                    e.params.to_json()
                );
            }
            print!("{out}");
        }
    }
    Ok(EXIT_OK)
}

fn decide(config: Option<&std::path::Path>, command: &str, id: &str, decision: Decision) -> anyhow::Result<u8> {
    let store = match open(config, command, true) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    match store.decide(id, &decision, chrono::Utc::now()) {
        Ok(a) => {
            let (_, entry) = store.approval(&a.id)?;
            match decision {
                Decision::Approve { by } => println!(
                    "approval {id}: approved by {by}; {} for {} runs at the next run of playbook {}",
                    entry.action, entry.item_id, a.playbook
                ),
                Decision::Deny { by, .. } => println!(
                    "approval {id}: denied by {by}; {} for {} will not run",
                    entry.action, entry.item_id
                ),
            }
            Ok(EXIT_OK)
        }
        Err(
            e @ (StateError::UnknownApproval { .. }
            | StateError::ApprovalDecided { .. }
            | StateError::ApprovalExpired { .. }),
        ) => {
            eprintln!("graphsoar {command}: {e}");
            Ok(EXIT_ERROR)
        }
        Err(e) => Err(e.into()),
    }
}

pub fn approve(args: &ApproveArgs) -> anyhow::Result<u8> {
    let by = match decider(args.by.as_deref()) {
        Ok(by) => by,
        Err(code) => return Ok(code),
    };
    decide(args.config.as_deref(), "approve", &args.id, Decision::Approve { by })
}

pub fn deny(args: &DenyArgs) -> anyhow::Result<u8> {
    let by = match decider(args.by.as_deref()) {
        Ok(by) => by,
        Err(code) => return Ok(code),
    };
    let reason = args
        .reason
        .as_ref()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    decide(args.config.as_deref(), "deny", &args.id, Decision::Deny { by, reason })
}
