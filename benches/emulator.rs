//! Benchmark (issue 3): the emulator with a generated tenant.
//!
//! 1. Load: `Emulator::new(EmulatorOptions::generated(N, 0))`, what `graphsoar emulator
//!    --generate N` does before it listens (with the binary's allocator, mimalloc). Target for
//!    N = 100,000: under 5 s. Peak RSS (VmHWM) after loading.
//! 2. Listing: pages of 1000 alerts over real HTTP on 127.0.0.1 (the emulator served in this
//!    process on its own runtime; the client reads each body with reqwest `.bytes()` without parsing
//!    it and follows `@odata.nextLink`, found by a byte search in the head of the body; it sends
//!    `Prefer: include-unknown-enum-members` as graphsoar's client does). Target:
//!    at least 100 pages/s. Alert size is stated (bytes per alert, evidence items per alert).
//!
//! Run: `cargo bench --bench emulator` (N from `GRAPHSOAR_BENCH_ALERTS`, default 100000).

use std::time::{Duration, Instant};

use graphsoar::emulator::{Emulator, EmulatorOptions, serve};

mod support;

use support::{loadavg, vm};

// As the `graphsoar` binary does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The `@odata.nextLink` of a page body, found without parsing (it precedes `value`).
fn next_link(body: &[u8]) -> Option<String> {
    const KEY: &[u8] = br#""@odata.nextLink":""#;
    let head = &body[..body.len().min(4096)];
    let at = head.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let end = head[at..].iter().position(|&b| b == b'"')? + at;
    Some(String::from_utf8_lossy(&head[at..end]).into_owned())
}

/// A page of alerts, read only for its size.
#[derive(serde::Deserialize)]
struct Page {
    value: Vec<Listed>,
    #[serde(rename = "@odata.nextLink")]
    next: Option<String>,
}

#[derive(serde::Deserialize)]
struct Listed {
    evidence: Vec<serde::de::IgnoredAny>,
}

fn main() {
    let n: usize = std::env::var("GRAPHSOAR_BENCH_ALERTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    println!(
        "emulator benchmark, {n} generated alerts, load average before: {}",
        loadavg()
    );

    // ---- 1. load
    let t = Instant::now();
    let emulator = Emulator::new(EmulatorOptions::generated(n, 0)).expect("emulator");
    println!(
        "load: Emulator::new(EmulatorOptions::generated({n}, 0)) {:.2} s; VmHWM {} (load average {})",
        t.elapsed().as_secs_f64(),
        vm("VmHWM:"),
        loadavg()
    );

    // ---- 2. listing over HTTP
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("server runtime");
    let listener = server
        .block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let serving = server.spawn(serve(listener, emulator, async move {
        let _ = stop_rx.await;
    }));
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let base = format!("http://{addr}");
    client_rt.block_on(async {
        let http = reqwest::Client::new();
        let token: serde_json::Value = http
            .post(format!("{base}/local/oauth2/v2.0/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "graphsoar-local"),
                ("client_secret", "local-secret"),
                ("scope", "https://graph.microsoft.com/.default"),
            ])
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("token json");
        let token = token["access_token"].as_str().expect("access_token").to_string();
        // the size of what is listed, in a pass of its own (parsing is not what is timed)
        let (mut url, mut evidence, mut bytes) = (Some(format!("{base}/v1.0/security/alerts_v2?$top=1000")), 0, 0);
        while let Some(u) = url.take() {
            let body = http.get(&u).bearer_auth(&token).header("Prefer", "include-unknown-enum-members").send().await.expect("page").bytes().await.expect("body");
            let page: Page = serde_json::from_slice(&body).expect("a page of alerts");
            evidence += page.value.iter().map(|alert| alert.evidence.len()).sum::<usize>();
            bytes += body.len();
            url = page.next;
        }
        println!(
            "alert size: {:.0} bytes per alert as served, {:.2} evidence items per alert",
            bytes as f64 / n as f64,
            evidence as f64 / n as f64
        );
        for round in 0..3 {
            let mut url = Some(format!("{base}/v1.0/security/alerts_v2?$top=1000"));
            let (mut pages, mut bytes) = (0usize, 0usize);
            let mut first = Duration::ZERO;
            let t = Instant::now();
            while let Some(u) = url.take() {
                let response = http.get(&u).bearer_auth(&token).header("Prefer", "include-unknown-enum-members").send().await.expect("page");
                assert!(response.status().is_success(), "{}", response.status());
                let body = response.bytes().await.expect("body");
                if pages == 0 {
                    first = t.elapsed();
                }
                pages += 1;
                bytes += body.len();
                url = next_link(&body);
            }
            let wall = t.elapsed();
            println!(
                "listing round {round}: {pages} pages of 1000 in {:.2} s = {:.0} pages/s ({:.1} MB/s, {:.0} bytes per alert on the wire, first page {:.1} ms); load average {}",
                wall.as_secs_f64(),
                pages as f64 / wall.as_secs_f64(),
                bytes as f64 / wall.as_secs_f64() / 1e6,
                bytes as f64 / n as f64,
                first.as_secs_f64() * 1e3,
                loadavg()
            );
        }
    });
    println!("VmHWM at the end: {}", vm("VmHWM:"));
    let _ = stop_tx.send(());
    let _ = server.block_on(serving);
}
