//! `graphsoar doctor`: the preflight. Builds what a run would (settings, the tenant's client,
//! the mailer), hands them to [`crate::engine::doctor`], which does the checks, and prints one
//! line per check. Exit 0 when nothing failed (warnings allowed), 1 when a check failed.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;

use super::{EXIT_ERROR, EXIT_FAILED, EXIT_OK};
use crate::action::email::Mailer;
use crate::clock::Clock;
use crate::config::{self, Settings};
use crate::engine::doctor::{self, Check, Tenant, Verdict};

/// `graphsoar doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Settings file (default: graphsoar.yaml in the working directory, else the embedded local tenant).
    #[arg(long, env = "GRAPHSOAR_CONFIG")]
    pub config: Option<PathBuf>,
}

pub fn run(args: &DoctorArgs) -> anyhow::Result<u8> {
    if let Some(config) = args.config.as_ref().filter(|c| !c.is_file()) {
        eprintln!("graphsoar doctor: settings file {} does not exist", config.display());
        return Ok(EXIT_ERROR);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    let checks = runtime.block_on(checks(args.config.as_deref()))?;
    print!("{}", table(&checks));
    Ok(if doctor::failed(&checks) { EXIT_FAILED } else { EXIT_OK })
}

async fn checks(config: Option<&Path>) -> anyhow::Result<Vec<Check>> {
    let source = match config {
        Some(path) => path.display().to_string(),
        None if Path::new(config::DEFAULT_FILE).is_file() => config::DEFAULT_FILE.to_owned(),
        None => "embedded settings (the local tenant)".to_owned(),
    };
    let discovered = Settings::discover(config);
    let mut checks = vec![doctor::settings_check(&discovered, &source)];
    let Ok((settings, _)) = discovered else {
        return Ok(checks);
    };
    let (client_id, graph_url) = match &settings.tenant {
        config::Tenant::Local => (String::new(), String::new()),
        config::Tenant::Remote(remote) => (remote.client_id.clone(), remote.graph_url.to_string()),
    };
    let connection = super::tenant::connect(&settings, Clock::system()).await;
    let (tenant, local) = match connection {
        Ok(connection) => {
            let (client_id, graph_url) = match &connection.local {
                Some(running) => (running.client_id.clone(), running.base_url.clone()),
                None => (client_id, graph_url),
            };
            let tenant = Tenant {
                client: Ok(connection.client),
                defender: Some(connection.defender),
                client_id,
                graph_url,
            };
            (tenant, connection.local)
        }
        Err(e) => (
            Tenant {
                client: Err(format!("{e:#}")),
                defender: None,
                client_id,
                graph_url,
            },
            None,
        ),
    };
    let mailer = Mailer::from_settings(&settings);
    checks.extend(doctor::check(&settings, tenant, mailer).await);
    if let Some(local) = local {
        let _ = local.shutdown().await;
    }
    Ok(checks)
}

/// `CHECK  RESULT  DETAIL`, one line per check, and under a check that is not ok what to do.
fn table(checks: &[Check]) -> String {
    let width = checks
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0)
        .max("CHECK".len());
    let mut out = format!("{:width$}  {:6}  DETAIL\n", "CHECK", "RESULT");
    for check in checks {
        out.push_str(&format!(
            "{:width$}  {:6}  {}\n",
            check.name,
            check.verdict.as_str(),
            check.detail
        ));
        if let (Some(fix), false) = (&check.fix, check.verdict == Verdict::Ok) {
            out.push_str(&format!("{:width$}  {:6}  -> {fix}\n", "", ""));
        }
    }
    let failed = checks.iter().filter(|c| c.verdict == Verdict::Fail).count();
    let warned = checks.iter().filter(|c| c.verdict == Verdict::Warn).count();
    out.push_str(&if failed == 0 {
        format!(
            "\nready for a first run ({warned} warning{})\n",
            if warned == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "\n{failed} check{} failed: a first run would fail there\n",
            if failed == 1 { "" } else { "s" }
        )
    });
    out
}
