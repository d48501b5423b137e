//! `graphsoar test`: the playbooks' own tests, offline.

use std::path::PathBuf;

use clap::Args;

use super::{EXIT_FAILED, EXIT_OK};
use crate::engine::testing;
use crate::playbook;

/// `graphsoar test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Settings file (for lists). Default: graphsoar.yaml if present, else the embedded settings.
    #[arg(long, env = "GRAPHSOAR_CONFIG")]
    pub config: Option<PathBuf>,
    /// Playbook files or folders. Default: the settings' playbooks folder.
    pub paths: Vec<PathBuf>,
}

pub fn run(args: &TestArgs) -> anyhow::Result<u8> {
    let settings = match super::load_settings(args.config.as_deref(), "test") {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let paths = if args.paths.is_empty() {
        vec![settings.playbooks.clone()]
    } else {
        args.paths.clone()
    };
    let (playbooks, diagnostics) = playbook::load_paths(&paths, &settings);
    let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
    if !errors.is_empty() {
        for e in &errors {
            println!("{e}");
        }
        eprintln!(
            "{} error(s): fix them (graphsoar validate shows them all) before the tests can run",
            errors.len()
        );
        return Ok(EXIT_FAILED);
    }
    let outcomes = testing::run_tests(&playbooks, &settings.lists);
    let mut failed = 0;
    for o in &outcomes {
        match &o.failure {
            None => println!("ok    {}: {}", o.playbook, o.test),
            Some(why) => {
                failed += 1;
                println!(
                    "FAIL  {}: {} ({}:{})\n      {why}",
                    o.playbook,
                    o.test,
                    o.file.display(),
                    o.line
                );
            }
        }
    }
    let untested: Vec<&str> = playbooks
        .iter()
        .filter(|p| p.tests.is_empty())
        .map(|p| p.name.as_str())
        .collect();
    if !untested.is_empty() {
        eprintln!("playbooks without tests: {}", untested.join(", "));
    }
    println!("{} passed, {failed} failed", outcomes.len() - failed);
    Ok(if failed > 0 { EXIT_FAILED } else { EXIT_OK })
}
