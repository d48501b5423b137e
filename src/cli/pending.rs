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
