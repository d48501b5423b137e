//! Connecting to the tenant the settings name: the embedded local tenant (the emulator
//! in-process on a loopback port, the only production use of `emulator`) or a configured one.

use anyhow::Context as _;

use crate::clock::Clock;
use crate::config::{Settings, Tenant};
use crate::emulator::{self, Running};
use crate::graph::defender::Defender;
use crate::graph::{Client, ClientOptions, Credentials};

/// A client for the tenant, and the local tenant's server when it is the embedded one (it stops
/// when this is dropped).
pub struct Connection {
    pub client: Client,
    /// The same tenant's Defender for Endpoint API.
    pub defender: Defender,
    pub tenant_id: String,
    pub local: Option<Running>,
}

/// Connects as the settings say; with no tenant configured, starts the embedded local tenant and
/// says so in one line on stderr.
pub async fn connect(settings: &Settings, clock: Clock) -> anyhow::Result<Connection> {
    match &settings.tenant {
        Tenant::Local => {
            let config = emulator::EmulatorOptions::bundled().context("cannot load the bundled dataset")?;
            let running = emulator::spawn(config)
                .await
                .context("cannot start the embedded local tenant")?;
            let url = url::Url::parse(&running.base_url).context("emulator URL")?;
            let credentials = Credentials::Secret(running.client_secret.clone());
            let mut cfg = ClientOptions::new(url.clone(), url, &running.tenant_id, &running.client_id, credentials)
                .with_limits(settings);
            // Loopback: no tenant quota to protect.
            cfg.writes_per_minute = 0;
            cfg.hunting_per_minute = 0;
            eprintln!(
                "graphsoar: no tenant configured (no `tenant_id`): using the embedded local tenant at {} (state {}, email to {}/)",
                running.base_url,
                settings.state.display(),
                settings.outbox.display()
            );
            Ok(Connection {
                defender: Defender::new(cfg.clone(), clock.clone())?,
                client: Client::new(cfg, clock)?,
                tenant_id: running.tenant_id.clone(),
                local: Some(running),
            })
        }
        Tenant::Remote(remote) => {
            let options = ClientOptions::from_settings(settings, remote)?;
            Ok(Connection {
                defender: Defender::new(options.clone(), clock.clone())?,
                client: Client::new(options, clock)?,
                tenant_id: remote.tenant_id.clone(),
                local: None,
            })
        }
    }
}
