//! Benchmark: the KQL checker over the whole query corpus (`tests/kql/corpus`): parsing alone,
//! and parsing plus binding and lints (what `graphsoar validate` does per query), in process;
//! and the largest machine-generated detection of the corpus alone.
//!
//! Run: `cargo bench --bench kql`.

use std::path::Path;
use std::time::{Duration, Instant};

use graphsoar::kql::{self, Schema};

const ROUNDS: usize = 15;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn time(rounds: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    (*times.iter().min().expect("rounds"), median(times))
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kql/corpus");
    let mut files = Vec::new();
    graphsoar::playbook::load::walk(&root, &["kql"], &mut files, &mut Vec::new());
    let queries: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("read query"))
        .collect();
    let bytes: usize = queries.iter().map(String::len).sum();
    let schema = Schema::advanced_hunting();
    let mut errors = 0;
    let (pmin, pmed) = time(ROUNDS, || {
        for q in &queries {
            std::hint::black_box(kql::parse::parse(q));
        }
    });
    let (cmin, cmed) = time(ROUNDS, || {
        errors = queries
            .iter()
            .filter(|q| kql::check(q, schema).iter().any(kql::Diagnostic::is_error))
            .count();
    });
    let per = |d: Duration| d.as_secs_f64() * 1e6 / queries.len() as f64;
    let mbps = |d: Duration| bytes as f64 / d.as_secs_f64() / 1e6;
    println!(
        "corpus: {} queries, {} KiB, {errors} with errors (one core)",
        queries.len(),
        bytes / 1024
    );
    println!(
        "  parse:         min {:.1} ms, median {:.1} ms ({:.1} us a query, {:.0} MB/s)",
        pmin.as_secs_f64() * 1e3,
        pmed.as_secs_f64() * 1e3,
        per(pmed),
        mbps(pmed)
    );
    println!(
        "  parse + check: min {:.1} ms, median {:.1} ms ({:.1} us a query, {:.0} MB/s)",
        cmin.as_secs_f64() * 1e3,
        cmed.as_secs_f64() * 1e3,
        per(cmed),
        mbps(cmed)
    );
    let largest = queries.iter().max_by_key(|q| q.len()).expect("a query");
    let (lmin, lmed) = time(ROUNDS, || {
        std::hint::black_box(kql::check(largest, schema));
    });
    println!(
        "  largest query ({} KiB) parse + check: min {:.2} ms, median {:.2} ms",
        largest.len() / 1024,
        lmin.as_secs_f64() * 1e3,
        lmed.as_secs_f64() * 1e3
    );
    let terms: Vec<String> = (0..5_000).map(|i| format!("DeviceName == \"host{i}\"")).collect();
    let chain = format!("DeviceInfo | where Timestamp > ago(1d) and ({})", terms.join(" or "));
    let (omin, omed) = time(ROUNDS, || {
        std::hint::black_box(kql::check(&chain, schema));
    });
    println!(
        "  5,000-term `or` chain ({} KiB) parse + check: min {:.2} ms, median {:.2} ms",
        chain.len() / 1024,
        omin.as_secs_f64() * 1e3,
        omed.as_secs_f64() * 1e3
    );
}
