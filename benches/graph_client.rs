//! Benchmark (issue 4): the Graph client against an emulator running as a separate process.
//!
//! 1. Listing 100,000 alerts in pages of 1000 (`Client::list::<serde_json::Value>` +
//!    `next_page()`, each page dropped): wall time, and this process's peak RSS (VmHWM) after the
//!    first page and after the last, to show memory is bounded by about one page.
//! 2. 10,000 PATCHes through `$batch` (`Client::batch` with `BatchOp::update_alert`): HTTP
//!    requests as counted by `GET /_emulator/stats` (reset first), target at most 505; wall time.
//!
//! Run (release build of the binary first; one cargo at a time):
//!
//! ```sh
//! cargo build --release
//! cargo bench --bench graph_client
//! ```
//!
//! The bench starts `target/release/graphsoar emulator --generate N --listen 127.0.0.1:PORT`
//! (`GRAPHSOAR_BIN`, `GRAPHSOAR_BENCH_ALERTS` default 100000, `GRAPHSOAR_BENCH_PORT` default 18471),
//! waits until it prints that it listens, and stops it (SIGKILL of that child) at the end.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use graphsoar::clock::Clock;
use graphsoar::graph::models::{AlertStatus, AlertUpdate};
use graphsoar::graph::{BatchOp, Client, ClientOptions, Collection, Credentials, ListQuery};
use serde_json::Value;

mod support;

use support::{loadavg, vm};

fn main() {
    let n: usize = std::env::var("GRAPHSOAR_BENCH_ALERTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let port: u16 = std::env::var("GRAPHSOAR_BENCH_PORT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(18471);
    let bin = std::env::var("GRAPHSOAR_BIN")
        .unwrap_or_else(|_| format!("{}/target/release/graphsoar", env!("CARGO_MANIFEST_DIR")));
    let t = Instant::now();
    let mut child = Command::new(&bin)
        .args([
            "emulator",
            "--generate",
            &n.to_string(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("GRAPHSOAR_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{bin}: {e} (run `cargo build --release` first)"));
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    loop {
        line.clear();
        if out.read_line(&mut line).expect("emulator stdout") == 0 {
            panic!("the emulator exited before listening");
        }
        if line.contains("listening on") {
            break;
        }
    }
    println!(
        "emulator (pid {}) listening after {:.1} s with {n} generated alerts; load average {}",
        child.id(),
        t.elapsed().as_secs_f64(),
        loadavg()
    );
    // Drain the rest of its output in the background.
    std::thread::spawn(move || for _ in out.lines() {});

    let url = url::Url::parse(&format!("http://127.0.0.1:{port}")).expect("url");
    let mut config = ClientOptions::new(
        url.clone(),
        url.clone(),
        "local",
        "graphsoar-local",
        Credentials::Secret("local-secret".into()),
    );
    config.writes_per_minute = 0;
    config.hunting_per_minute = 0;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = Client::new(config, Clock::system()).expect("client");
        let http = reqwest::Client::new();
        let stats = |path: &'static str, post: bool| {
            let http = http.clone();
            let url = format!("http://127.0.0.1:{port}/_emulator/stats{path}");
            async move {
                let req = if post { http.post(&url) } else { http.get(&url) };
                req.send().await.expect("stats").json::<Value>().await.expect("stats json")
            }
        };

        // ---- 1. listing
        println!("VmHWM before listing: {}", vm("VmHWM:"));
        let query = ListQuery {
            top: Some(1000),
            ..Default::default()
        };
        stats("/reset", true).await;
        let t = Instant::now();
        let mut pager = client.list::<Value>(Collection::Alerts, &query).expect("list");
        let (mut pages, mut items) = (0usize, 0usize);
        let mut after_first = String::new();
        while let Some(page) = pager.next_page().await.expect("page") {
            pages += 1;
            items += page.value.len();
            drop(page);
            if pages == 1 {
                after_first = vm("VmHWM:");
            }
        }
        let wall = t.elapsed();
        let s = stats("", false).await;
        println!(
            "listing: {items} alerts in {pages} pages in {:.2} s ({:.0} pages/s, {:.0} alerts/s); {} requests; VmHWM after page 1: {after_first}, after page {pages}: {}; load average {}",
            wall.as_secs_f64(),
            pages as f64 / wall.as_secs_f64(),
            items as f64 / wall.as_secs_f64(),
            s["total"],
            vm("VmHWM:"),
            loadavg()
        );
        assert_eq!(items, n);

        // ---- 2. 10,000 PATCHes through $batch
        let want = 10_000.min(n);
        let mut ids = Vec::with_capacity(want);
        let mut pager = client.list::<Value>(Collection::Alerts, &query).expect("list");
        while ids.len() < want {
            let Some(page) = pager.next_page().await.expect("page") else { break };
            ids.extend(page.value.iter().filter_map(|a| a["id"].as_str().map(str::to_string)));
        }
        ids.truncate(want);
        let update = AlertUpdate {
            status: Some(AlertStatus::InProgress),
            ..Default::default()
        };
        let ops: Vec<BatchOp> = ids.iter().map(|id| BatchOp::update_alert(id, &update)).collect();
        stats("/reset", true).await;
        let t = Instant::now();
        let results = client.batch(ops).await;
        let wall = t.elapsed();
        let failed = results.iter().filter(|r| r.is_err()).count();
        let s = stats("", false).await;
        // `$batch` sub-requests are counted on their own routes too: they are not HTTP requests.
        let sub: u64 = s["byRoute"]
            .as_object()
            .map(|m| m.iter().filter(|(k, _)| k.starts_with("PATCH ")).filter_map(|(_, v)| v.as_u64()).sum())
            .unwrap_or(0);
        println!(
            "batch: {} PATCHes ({failed} failed) in {:.2} s ({:.0} PATCHes/s); {} HTTP requests (target at most 505; stats total {} minus {sub} sub-requests), by route: {}; load average {}",
            results.len(),
            wall.as_secs_f64(),
            results.len() as f64 / wall.as_secs_f64(),
            s["total"].as_u64().unwrap_or(0) - sub,
            s["total"],
            s["byRoute"],
            loadavg()
        );
    });
    let _ = child.kill();
    let _ = child.wait();
}
