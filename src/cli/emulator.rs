//! `graphsoar emulator`: the local, Graph-compatible Defender tenant as a server.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use super::{EXIT_ERROR, EXIT_OK};
use crate::duration::Duration;
use crate::emulator::{self, Emulator, EmulatorError, EmulatorOptions, TENANT_ID};

/// `graphsoar emulator`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address to listen on (loopback by default; it accepts the built-in credentials).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Load this dataset folder instead of the bundled one (layout: src/emulator/dataset/README.md).
    #[arg(long)]
    pub dataset: Option<PathBuf>,
    /// Generate a tenant of N alerts instead of the bundled dataset.
    #[arg(long, conflicts_with = "dataset")]
    pub generate: Option<usize>,
    /// Seed of the generator and of fault draws: same seed, same data and faults.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Faults per route, such as `alerts=429:0.3,500:0.05,cut:0.1;hunting=429q:0.5;*=latency:200`
    /// (429, 429@SECS, 429n, 429q, 429q@SECS, 429r, 500, 503, 503@SECS, 504, drop, cut, latency).
    #[arg(long)]
    pub faults: Option<String>,
    /// Lifetime of issued tokens.
    #[arg(long, default_value = "3600s", value_parser = Duration::parse)]
    pub token_lifetime: Duration,
    /// Time limit of one advanced-hunting query (Graph's is 3 minutes); a query that runs
    /// longer gets the service's timeout error.
    #[arg(long, default_value = "180s", value_parser = Duration::parse)]
    pub hunting_timeout: Duration,
    /// How long a Defender for Endpoint machine action stays Pending, then InProgress, before it
    /// Succeeded (on an offline device: Pending, then TimeOut after 10 times it).
    #[arg(long, default_value = "2s", value_parser = Duration::parse)]
    pub machine_action_delay: Duration,
}

pub fn run(args: &EmulatorArgs) -> anyhow::Result<u8> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GRAPHSOAR_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    match runtime.block_on(serve(args)) {
        Ok(()) => Ok(EXIT_OK),
        Err(e) => {
            eprintln!("graphsoar emulator: {e}");
            Ok(EXIT_ERROR)
        }
    }
}

/// The tenant the arguments describe.
fn config(args: &EmulatorArgs) -> Result<EmulatorOptions, EmulatorError> {
    let mut config = match (&args.dataset, args.generate) {
        (Some(_), Some(_)) => {
            return Err(EmulatorError::Config(
                "--dataset and --generate exclude each other: use one".into(),
            ));
        }
        (Some(dir), None) => EmulatorOptions::new(emulator::dataset::load_dir(dir)?),
        (None, Some(n)) => EmulatorOptions::generated(n, args.seed),
        (None, None) => EmulatorOptions::bundled()?,
    };
    config.seed = args.seed;
    config.token_lifetime = args.token_lifetime.to_std();
    config.hunting_timeout = args.hunting_timeout.to_std();
    config.machine_action_delay = args.machine_action_delay.to_std();
    if let Some(dir) = &args.dataset {
        config.external_dir = Some(dir.join("external"));
    }
    if let Some(spec) = &args.faults {
        config.faults = spec.parse()?;
    }
    Ok(config)
}

/// Prints where it listens and the credentials it accepts, then serves until Ctrl-C or SIGTERM.
async fn serve(args: &EmulatorArgs) -> Result<(), EmulatorError> {
    let config = config(args)?;
    let clients = config.clients.clone();
    let emulator = Emulator::new(config)?;
    let (listener, addr) = emulator::bind(args.listen).await?;
    let counts = emulator.read().counts();
    println!("graphsoar emulator listening on http://{addr} (tenant `{TENANT_ID}`)");
    println!("  graph_url, defender_url and login_url: http://{addr}");
    println!("  token endpoint: http://{addr}/{TENANT_ID}/oauth2/v2.0/token");
    println!(
        "  data: {} alerts, {} incidents, {} recorded hunting answers",
        counts["alerts"], counts["incidents"], counts["hunting"]
    );
    for client in &clients {
        let secret = client.secret.as_deref().unwrap_or("(certificate only)");
        println!(
            "  client_id {}  client_secret {secret}  roles {}",
            client.client_id,
            client.roles.join(", ")
        );
    }
    if let Some(spec) = &args.faults {
        println!("  faults: {spec}");
    }
    emulator::serve(listener, emulator, emulator::shutdown_signal())
        .await
        .map_err(|source| EmulatorError::Io {
            what: "the server stopped".into(),
            source,
        })
}
