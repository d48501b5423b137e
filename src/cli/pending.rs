//! Subcommands whose work lands with later parts of graphsoar. Their flags are final; running
//! them says so and exits 2, with no pretend output.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::EXIT_ERROR;

/// Says a subcommand is not built yet; exit code 2.
pub fn not_available(command: &str, needs: &str) -> u8 {
    eprintln!(
        "graphsoar {command}: not available yet: it needs {needs}, which is not built in this version. `graphsoar validate` and `graphsoar schema` work now."
    );
    EXIT_ERROR
}

/// Output formats of `hunt`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum HuntFormat {
    Table,
    Json,
    Csv,
}

/// `graphsoar hunt`.
#[derive(Debug, Args)]
pub struct HuntArgs {
    /// Settings file.
    #[arg(long, env = "GRAPHSOAR_CONFIG")]
    pub config: Option<PathBuf>,
    /// The KQL query.
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    pub query: Option<String>,
    /// Read the query from a file.
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: HuntFormat,
}

/// Output formats of `history`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum HistoryFormat {
    Table,
    Json,
}

/// `graphsoar history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Settings file.
    #[arg(long, env = "GRAPHSOAR_CONFIG")]
    pub config: Option<PathBuf>,
    /// Only this playbook.
    #[arg(long)]
    pub playbook: Option<String>,
    /// Only this alert or incident id.
    #[arg(long)]
    pub item: Option<String>,
    /// How far back.
    #[arg(long, default_value = "24h")]
    pub since: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: HistoryFormat,
}

/// `graphsoar emulator`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Load this dataset folder instead of the bundled one.
    #[arg(long)]
    pub dataset: Option<PathBuf>,
    /// Generate a tenant of N alerts instead.
    #[arg(long)]
    pub generate: Option<u64>,
    /// Seed for --generate and for faults.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Fault injection, such as `alerts_v2:429=0.3,500=0.05`.
    #[arg(long)]
    pub faults: Option<String>,
    /// Lifetime of issued tokens.
    #[arg(long, default_value = "3600s")]
    pub token_lifetime: String,
}
