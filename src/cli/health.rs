//! `graphsoar health`: asks a running engine's `/healthz` whether it serves, for container
//! health checks and service monitors on hosts without curl (the container image has none).
//!
//! Exit 0 when the endpoint answers 200, 1 when it answers anything else or nothing within the
//! timeout, 2 when there is nothing to ask: the settings name no `listen` address and no
//! `--url` was given. It only reads; it never opens the state.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use super::{EXIT_ERROR, EXIT_FAILED, EXIT_OK};
use crate::duration::Duration;

/// `graphsoar health`.
#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Settings file, for its `listen` address (default: graphsoar.yaml in the working directory).
    #[arg(long, env = "GRAPHSOAR_CONFIG")]
    pub config: Option<PathBuf>,
    /// The URL to ask instead of `http://<listen>/healthz`, e.g. `http://127.0.0.1:9464/readyz`.
    #[arg(long)]
    pub url: Option<String>,
    /// How long to wait for the answer.
    #[arg(long, default_value = "5s", value_parser = Duration::parse)]
    pub timeout: Duration,
}

pub fn run(args: &HealthArgs) -> anyhow::Result<u8> {
    let url = match &args.url {
        Some(url) => url.clone(),
        None => {
            let settings = match super::load_settings(args.config.as_deref(), "health") {
                Ok(s) => s,
                Err(code) => return Ok(code),
            };
            let Some(listen) = settings.listen else {
                let origin = settings.origin.as_deref().map_or_else(
                    || "no settings file (the embedded defaults)".to_owned(),
                    |p| p.display().to_string(),
                );
                eprintln!(
                    "graphsoar health: {origin} has no `listen` address, so the engine serves no /healthz: set \
                     `listen: 127.0.0.1:9464` in the settings (0.0.0.0:9464 in a container), or pass --url"
                );
                return Ok(EXIT_ERROR);
            };
            healthz_url(listen)
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    let answer = runtime.block_on(get(&url, args.timeout));
    match answer {
        Ok(200) => {
            println!("{url}: 200 OK");
            Ok(EXIT_OK)
        }
        Ok(status) => {
            eprintln!("graphsoar health: {url} answered HTTP {status}");
            Ok(EXIT_FAILED)
        }
        Err(e) => {
            eprintln!("graphsoar health: {url}: {e:#}");
            Ok(EXIT_FAILED)
        }
    }
}

/// `http://<listen>/healthz`, asking loopback when the engine listens on every address
/// (`0.0.0.0` or `[::]`, as in a container).
fn healthz_url(listen: SocketAddr) -> String {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}/healthz", SocketAddr::new(ip, listen.port()))
}

/// One GET without retries; the status code it answered with.
async fn get(url: &str, timeout: Duration) -> anyhow::Result<u16> {
    let client = crate::http::client_builder()
        .timeout(timeout.to_std())
        .connect_timeout(timeout.to_std())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .context("cannot build the HTTP client")?;
    let response = client.get(url).send().await.map_err(|e| {
        let what = if e.is_timeout() {
            format!("no answer within {timeout}")
        } else {
            "no answer (is the engine running, with this `listen` address?)".to_owned()
        };
        anyhow::Error::new(e).context(what)
    })?;
    Ok(response.status().as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspecified_listen_addresses_are_asked_on_loopback() {
        let url = |s: &str| healthz_url(s.parse().unwrap());
        assert_eq!(url("0.0.0.0:9464"), "http://127.0.0.1:9464/healthz");
        assert_eq!(url("[::]:9464"), "http://[::1]:9464/healthz");
        assert_eq!(url("10.1.2.3:80"), "http://10.1.2.3:80/healthz");
    }
}
