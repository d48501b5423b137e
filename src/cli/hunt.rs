//! `graphsoar hunt`: one advanced-hunting query, printed as a table, JSON or CSV.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use serde_json::Value;

use super::rows::RowFormat;
use super::{EXIT_ERROR, EXIT_FAILED, EXIT_OK};
use crate::clock::Clock;
use crate::kql;

/// `graphsoar hunt`.
#[derive(Debug, Args)]
pub struct HuntArgs {
    /// Settings file (default: graphsoar.yaml, else the embedded local tenant).
    #[arg(long, env = "GRAPHSOAR_CONFIG")]
    pub config: Option<PathBuf>,
    /// The KQL query.
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    pub query: Option<String>,
    /// Read the query from a file (such as a `.kql` file).
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: RowFormat,
    /// ISO-8601 timespan sent to Graph, such as `P1D` or `start/end` (default: Graph's 30 days).
    #[arg(long)]
    pub timespan: Option<String>,
}

pub fn run(args: &HuntArgs) -> anyhow::Result<u8> {
    let query = match (&args.query, &args.file) {
        (Some(q), _) => q.clone(),
        (None, Some(f)) => std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?,
        (None, None) => unreachable!("clap requires a query or --file"),
    };
    let settings = match super::load_settings(args.config.as_deref(), "hunt") {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    // Checked before it is sent: a query Kusto would refuse costs no hunting quota.
    let origin = args
        .file
        .as_ref()
        .map_or_else(|| "query".to_string(), |f| f.display().to_string());
    let diagnostics = kql::check(&query, &settings.hunting_schema);
    for d in &diagnostics {
        let (line, column) = d.line_col(&query);
        let label = if d.is_error() { "" } else { "warning: " };
        eprintln!("{origin}:{line}:{column}: {label}{}", d.message);
    }
    if diagnostics.iter().any(kql::Diagnostic::is_error) {
        eprintln!("graphsoar hunt: the query has errors; nothing was sent");
        return Ok(EXIT_FAILED);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(async {
        let connection = super::tenant::connect(&settings, Clock::system()).await?;
        match connection
            .client
            .run_hunting_query(&query, args.timespan.as_deref())
            .await
        {
            Ok(results) => {
                let columns: Vec<String> = results.schema.iter().map(|c| c.name.clone()).collect();
                let rows: Vec<Value> = results.results.into_iter().map(Value::Object).collect();
                // Many rows take a moment to lay out: a bar on a terminal.
                let progress = crate::progress::Progress::start_above(rows.len() as u64, 10_000, "formatting rows");
                let text = super::rows::render(&columns, &rows, args.format, &progress);
                progress.finish();
                print!("{text}");
                if rows.len() >= crate::graph::models::HuntingQueryResults::MAX_ROWS {
                    eprintln!(
                        "graphsoar hunt: the result hit Graph's 100,000-row cap and is truncated: narrow the query"
                    );
                }
                Ok(EXIT_OK)
            }
            Err(e) => {
                eprintln!("graphsoar hunt: {e}");
                // A query Graph rejects (400) is the user's to fix: exit 1; anything else is 2.
                Ok(if e.status() == Some(400) {
                    EXIT_FAILED
                } else {
                    EXIT_ERROR
                })
            }
        }
    })
}
