//! `graphsoar validate`: every problem in playbooks, settings and `.kql` files, compiler-style.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::{EXIT_ERROR, EXIT_FAILED, EXIT_OK};
use crate::config::Settings;
use crate::diag::{self, Diagnostic, Pos, Severity};
use crate::kql;
use crate::playbook;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `path:line:col: playbook "x": field: message`, one per line.
    Text,
    /// A JSON array of objects with path, line, column, playbook, field, message, severity.
    Json,
}

/// `graphsoar validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Settings file (lists, defaults). Default: graphsoar.yaml if present, else the embedded settings.
    #[arg(long, env = "GRAPHSOAR_CONFIG")]
    pub config: Option<PathBuf>,
    /// Playbook files, folders (searched recursively for .yaml, .yml and .kql) and .kql files.
    /// Default: the settings' playbooks folder.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Also print, per valid playbook, the Graph application permissions it needs (as
    /// `…: permissions: info: …` lines; `--format json` always has them, as `severity: "info"`).
    #[arg(long)]
    pub permissions: bool,
}

/// Validates and prints; returns the exit code.
pub fn run(args: &ValidateArgs) -> anyhow::Result<u8> {
    if let Some(config) = args.config.as_ref().filter(|c| !c.is_file()) {
        eprintln!("graphsoar validate: settings file {} does not exist", config.display());
        return Ok(EXIT_ERROR);
    }
    let (report, count, queries) = validate(args.config.as_deref(), &args.paths);
    match args.format {
        Format::Text => {
            for d in report
                .iter()
                .filter(|d| args.permissions || d.severity != Severity::Info)
            {
                println!("{d}");
            }
        }
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
    }
    let errors = report.iter().filter(|d| d.severity == Severity::Error).count();
    // Infos are not problems: they never count, with or without --deny-warnings.
    let warnings = report.iter().filter(|d| d.severity == Severity::Warning).count();
    let checked = if queries > 0 {
        format!(", {queries} .kql file{} checked", if queries == 1 { "" } else { "s" })
    } else {
        String::new()
    };
    eprintln!(
        "{count} playbook{} valid{checked}; {errors} error{}, {warnings} warning{}",
        if count == 1 { "" } else { "s" },
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
    );
    Ok(if errors > 0 || (args.deny_warnings && warnings > 0) {
        EXIT_FAILED
    } else {
        EXIT_OK
    })
}

/// All diagnostics for the settings and the given paths, sorted, with an info per compiled
/// playbook listing the Graph permissions it needs (field `permissions`); how many playbooks
/// compiled and how many `.kql` files were checked.
pub fn validate(config: Option<&Path>, paths: &[PathBuf]) -> (Vec<Diagnostic>, usize, usize) {
    let (settings, mut report) = match Settings::discover(config) {
        Ok((s, warnings)) => (s, warnings),
        Err(errors) => (Settings::embedded(), errors),
    };
    let paths = if paths.is_empty() {
        vec![settings.playbooks.clone()]
    } else {
        paths.to_vec()
    };
    let (mut kql, yaml): (Vec<PathBuf>, Vec<PathBuf>) = paths
        .into_iter()
        .partition(|p| p.extension().is_some_and(|e| e == "kql"));
    for dir in yaml.iter().filter(|p| p.is_dir()) {
        // Folders hold .kql files too; an unreadable folder is reported by the playbook loader.
        playbook::load::walk(dir, &["kql"], &mut kql, &mut Vec::new());
    }
    let (playbooks, diagnostics) = playbook::load_paths(&yaml, &settings);
    report.extend(diagnostics);
    report.extend(playbooks.iter().map(permissions_info));
    for file in &kql {
        report.extend(check_kql(file, &settings.hunting_schema));
    }
    diag::sort(&mut report);
    (report, playbooks.len(), kql.len())
}

/// `path:1:1: playbook "x": permissions: info: SecurityAlert.ReadWrite.All (alerts trigger,
/// update_alert action #1), …`: what the app registration needs for this playbook.
fn permissions_info(playbook: &playbook::Playbook) -> Diagnostic {
    let needed: Vec<String> = playbook::required_permissions(playbook)
        .iter()
        .map(ToString::to_string)
        .collect();
    let message = if needed.is_empty() {
        "no Graph permission".to_owned()
    } else {
        needed.join(", ")
    };
    let mut info = Diagnostic::info(&playbook.source, Pos::START, "permissions", message);
    info.playbook = Some(playbook.name.clone());
    info
}

/// A `.kql` file: readable, UTF-8, not empty, and a query the KQL checker accepts; every
/// diagnostic at its line and column.
fn check_kql(path: &Path, schema: &kql::Schema) -> Vec<Diagnostic> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return vec![Diagnostic::error(
                path,
                Pos::START,
                "",
                format!("cannot read file: {e}"),
            )];
        }
    };
    let text = match crate::yaml::text_of(&bytes) {
        Ok(t) => t,
        Err((pos, msg)) => return vec![Diagnostic::error(path, pos, "", msg)],
    };
    if text.trim().is_empty() {
        return vec![Diagnostic::error(path, Pos::START, "", "the query file is empty")];
    }
    kql::check(text, schema)
        .into_iter()
        .map(|d| {
            let (line, column) = d.line_col(text);
            let pos = Pos::new(line, column);
            match d.severity {
                kql::Severity::Error => Diagnostic::error(path, pos, "", d.message),
                kql::Severity::Warning => Diagnostic::warning(path, pos, "", d.message),
            }
        })
        .collect()
}
