//! The command line: one clap struct per subcommand, next to the code it drives, and the exit
//! codes. Holds no logic other modules need; nothing imports it.
//!
//! Exit codes: 0 ok; 1 validation or test failed (or a `hunt` query error, a failed `doctor`
//! check, or `health` without a 200); 2 usage or runtime error (and `run --once` when a
//! playbook run or action failed).

mod approvals;
mod backtest;
mod doctor;
mod emulator;
mod health;
mod history;
mod hunt;
mod rows;
mod run;
mod schema;
mod tenant;
mod test;
mod validate;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code: everything is fine.
pub const EXIT_OK: u8 = 0;
/// Exit code: validation or a test failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: usage or runtime error.
pub const EXIT_ERROR: u8 = 2;

/// graphsoar: automation for Microsoft Defender XDR.
///
/// Runs YAML playbooks on schedules against the Microsoft Graph security API: scheduled
/// hunting-query detections, auto-closing benign alerts, and notifications about high-severity
/// incidents. With no settings it uses the embedded local tenant.
#[derive(Debug, Parser)]
#[command(name = "graphsoar", version, propagate_version = true, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

const AFTER_HELP: &str = "\
Examples:
  graphsoar validate playbooks/              check every playbook, with file:line:col errors
  graphsoar validate --format json p.yaml    the same as JSON, for editors and CI
  graphsoar schema > playbook.schema.json    JSON Schema for editor completion
  graphsoar run --once                       run every playbook once on the embedded local tenant
  graphsoar doctor --config graphsoar.yaml   check token, permissions, SMTP and state before a first run

Exit codes: 0 ok, 1 validation or test failed, 2 usage or runtime error.";

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the playbooks on their schedules (or once).
    Run(run::RunArgs),
    /// Check playbooks (files, folders, .kql files) and report every problem.
    Validate(validate::ValidateArgs),
    /// Run the playbooks' own `tests:` offline.
    Test(test::TestArgs),
    /// Run one advanced-hunting query and print the rows.
    Hunt(hunt::HuntArgs),
    /// Show what the engine did: runs and actions from the state database.
    History(history::HistoryArgs),
    /// Check, changing nothing, what a first run needs: token, permissions, Graph, email, state.
    Doctor(doctor::DoctorArgs),
    /// Serve the local Graph-compatible Defender tenant.
    Emulator(emulator::EmulatorArgs),
    /// Print the JSON Schema (draft 2020-12) of the playbook format.
    Schema(schema::SchemaArgs),
    /// What playbooks would have done over a past window (reads only).
    Backtest(backtest::BacktestArgs),
    /// Ask a running engine's /healthz (the settings' `listen`): exit 0 when it answers 200.
    Health(health::HealthArgs),
    /// List the actions waiting for a person's approval.
    Approvals(approvals::ApprovalsArgs),
    /// Approve a waiting action: it runs at its playbook's next run.
    Approve(approvals::ApproveArgs),
    /// Deny a waiting action: it never runs.
    Deny(approvals::DenyArgs),
}

/// Parses the arguments and runs the subcommand.
pub fn run<I, T>(args: I) -> anyhow::Result<ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return Ok(ExitCode::from(code));
        }
    };
    let code = match cli.command {
        Command::Validate(args) => validate::run(&args)?,
        Command::Schema(args) => schema::run(&args)?,
        Command::Run(args) => run::run(&args)?,
        Command::Test(args) => test::run(&args)?,
        Command::Hunt(args) => hunt::run(&args)?,
        Command::History(args) => history::run(&args)?,
        Command::Emulator(args) => emulator::run(&args)?,
        Command::Backtest(args) => backtest::run(&args)?,
        Command::Health(args) => health::run(&args)?,
        Command::Approvals(args) => approvals::list(&args)?,
        Command::Approve(args) => approvals::approve(&args)?,
        Command::Deny(args) => approvals::deny(&args)?,
        Command::Doctor(args) => doctor::run(&args)?,
    };
    Ok(ExitCode::from(code))
}

/// The settings for a subcommand: `--config FILE`, else `graphsoar.yaml`, else the embedded
/// ones. Invalid settings are printed (with warnings) and become exit code 2.
fn load_settings(config: Option<&std::path::Path>, command: &str) -> Result<crate::config::Settings, u8> {
    match crate::config::Settings::discover(config) {
        Ok((settings, warnings)) => {
            for w in warnings {
                eprintln!("{w}");
            }
            Ok(settings)
        }
        Err(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            eprintln!(
                "graphsoar {command}: the settings are invalid: fix them (graphsoar validate --config FILE shows them)"
            );
            Err(EXIT_ERROR)
        }
    }
}
