//! Benchmark (issue 5b): evaluating DESIGN.md's EICAR condition
//! `alert.title.contains("EICAR") && alert.evidence.some(|e| e.fileDetails?.sha256 in lists.eicar_sha256)`
//! on one generated alert of about 5 KB with 6 evidence items (an EICAR one, so both halves run and
//! the result is true), single-threaded (= per core):
//!
//! - evaluation alone: the alert converted once (`Context::new`), `Condition::eval` repeated;
//! - parse + convert + evaluate: `serde_json::from_slice` of the alert's bytes,
//!   `Context::with_item`, `Condition::eval`, per alert.
//!
//! - the shipped conditions as a run evaluates a listed page: each shipped alert or incident
//!   playbook over the generated tenant's items as raw JSON, through the engine's own
//!   `evaluate_page_here` (what the condition reads parsed and normalised, the condition, a
//!   match parsed whole), and the same with every item parsed whole first.
//!
//! With the binary's allocator (mimalloc), as the engine runs. Run: `cargo bench --bench condition`.

use std::time::{Duration, Instant};

use std::path::PathBuf;

use graphsoar::config::Settings;
use graphsoar::emulator::generate::generate;
use graphsoar::engine::collect::evaluate_page_here;
use graphsoar::engine::plan::RunContext;
use graphsoar::graph::Collection;
use graphsoar::graph::models::normalize::parse_properties;
use graphsoar::playbook::{self, Playbook, Trigger};
use graphsoar::script::{Context, ItemKind, compile_condition};
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use serde_json::{Value, json};

#[expect(dead_code, reason = "the condition bench reports no memory figures")]
mod support;

use support::loadavg;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CONDITION: &str =
    "alert.title.contains(\"EICAR\") && alert.evidence.some(|e| e.fileDetails?.sha256 in lists.eicar_sha256)";

/// Runs `f` repeatedly for about `for_` and returns calls per second (best of 3 rounds).
fn rate(for_: Duration, mut f: impl FnMut()) -> f64 {
    let mut best = 0.0f64;
    for _ in 0..3 {
        let t = Instant::now();
        let mut n = 0u64;
        while t.elapsed() < for_ {
            for _ in 0..100 {
                f();
            }
            n += 100;
        }
        best = best.max(n as f64 / t.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    let lists_text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/lists/eicar_sha256.txt")).expect("list");
    let eicar: Vec<&str> = lists_text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let lists = json!({ "eicar_sha256": eicar });
    // A generated EICAR alert, its evidence brought to 6 items: the generator's alerts have 1 to 5
    // (3.2 on average), so other generated alerts' non-file evidence items go first and the EICAR
    // file evidence last (`some` has to look at all six before it finds the match).
    let ds = generate(5000, 0);
    let eicar_alert = ds
        .alerts
        .iter()
        .filter(|a| a["title"].as_str().is_some_and(|t| t.contains("EICAR")))
        .filter(|a| {
            a["evidence"].as_array().is_some_and(|e| {
                e.iter()
                    .any(|x| x["fileDetails"]["sha256"].as_str().is_some_and(|h| eicar.contains(&h)))
            })
        })
        .max_by_key(|a| a["evidence"].as_array().map_or(0, Vec::len))
        .expect("an EICAR alert");
    let mut alert = eicar_alert.clone();
    let evidence = alert["evidence"].as_array().cloned().unwrap_or_default();
    let (file, mut others): (Vec<Value>, Vec<Value>) = evidence
        .into_iter()
        .partition(|e| e["fileDetails"]["sha256"].as_str().is_some_and(|h| eicar.contains(&h)));
    let file = file.into_iter().next().expect("EICAR file evidence");
    others.truncate(5);
    // Fill up to 5 others with items sized so that the alert comes to about 5 KB.
    let size = |v: &Value| serde_json::to_vec(v).map_or(0, |b| b.len());
    let mut candidates: Vec<Value> = ds
        .alerts
        .iter()
        .flat_map(|a| a["evidence"].as_array().into_iter().flatten())
        .filter(|e| e.get("fileDetails").is_none())
        .take(2000)
        .cloned()
        .collect();
    while others.len() < 5 && !candidates.is_empty() {
        alert["evidence"] = Value::Array(others.iter().cloned().chain([file.clone()]).collect());
        let budget = 5000usize.saturating_sub(size(&alert)) / (5 - others.len());
        let best = (0..candidates.len())
            .min_by_key(|&i| size(&candidates[i]).abs_diff(budget))
            .expect("a candidate");
        others.push(candidates.swap_remove(best));
    }
    others.push(file);
    alert["evidence"] = Value::Array(others);
    let bytes = serde_json::to_vec(&alert).expect("bytes");
    let condition = compile_condition(CONDITION, ItemKind::Alert).expect("compiles");
    let now = chrono::Utc::now();
    let playbook = json!({"name": "close-eicar-test-alerts", "description": ""});
    let run = json!({"id": 1, "started": now.to_rfc3339()});
    let ctx = Context::new(&alert, &playbook, &lists, now, &run).expect("context");
    let matched = condition.eval(&ctx).expect("evaluates");
    println!(
        "alert {}: {} bytes, {} evidence items, title {:?}, condition result {matched}; {} list entries; load average {}",
        alert["id"],
        bytes.len(),
        alert["evidence"].as_array().map_or(0, Vec::len),
        alert["title"],
        eicar.len(),
        loadavg()
    );
    let eval = rate(Duration::from_secs(2), || {
        assert!(condition.eval(&ctx).expect("eval") == matched);
    });
    println!(
        "evaluation alone: {eval:.0} evaluations/s per core ({:.2} µs each)",
        1e6 / eval
    );
    let full = rate(Duration::from_secs(2), || {
        let item: Value = serde_json::from_slice(&bytes).expect("parse");
        let c = ctx.with_item(&item).expect("convert");
        assert!(condition.eval(&c).expect("eval") == matched);
    });
    println!(
        "parse + convert + evaluate: {full:.0} alerts/s per core ({:.2} µs each); load average {}",
        1e6 / full,
        loadavg()
    );
    let convert = rate(Duration::from_secs(1), || {
        let c = ctx.with_item(&alert).expect("convert");
        std::hint::black_box(c);
    });
    let parse = rate(Duration::from_secs(1), || {
        let item: Value = serde_json::from_slice(&bytes).expect("parse");
        std::hint::black_box(item);
    });
    println!(
        "  of which parse alone {:.2} µs, convert alone {:.2} µs",
        1e6 / parse,
        1e6 / convert
    );
    shipped_conditions();
}

/// Items per second per core for each shipped alert and incident playbook over the generated
/// tenant, the page evaluated as `run` does; then, for comparison, parsing every item whole
/// before the condition (what a run did before).
fn shipped_conditions() {
    let settings = Settings::embedded();
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/playbooks"));
    let (playbooks, diagnostics) = playbook::load_paths_with(&[dir], &settings, playbook::Tests::Skip);
    assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:#?}");
    let ds = generate(10_000, 1);
    let raw = |items: &[Value]| -> Vec<Box<RawValue>> {
        items
            .iter()
            .map(|i| serde_json::value::to_raw_value(i).expect("raw"))
            .collect()
    };
    let (alerts, incidents) = (raw(&ds.alerts), raw(&ds.incidents));
    let bytes = |items: &[Box<RawValue>]| items.iter().map(|i| i.get().len()).sum::<usize>() / items.len().max(1);
    println!(
        "shipped conditions over the generated tenant: {} alerts ({} bytes on average), {} incidents ({} bytes); load average {}",
        alerts.len(),
        bytes(&alerts),
        incidents.len(),
        bytes(&incidents),
        loadavg()
    );
    // What reading four properties of each alert costs, against skipping it all and a whole parse.
    let per_alert = |f: &dyn Fn(&str)| {
        let t = Instant::now();
        let mut rounds = 0;
        while rounds < 3 || t.elapsed() < Duration::from_secs(1) {
            alerts.iter().for_each(|a| f(a.get()));
            rounds += 1;
        }
        t.elapsed().as_secs_f64() * 1e6 / (rounds * alerts.len()) as f64
    };
    let keys = ["id", "lastUpdateDateTime", "severity", "status"];
    let some = per_alert(&|json| drop(std::hint::black_box(parse_properties(json, &keys, usize::MAX))));
    let skip = per_alert(&|json| drop(std::hint::black_box(serde_json::from_str::<IgnoredAny>(json))));
    let whole = per_alert(&|json| drop(std::hint::black_box(serde_json::from_str::<Value>(json))));
    println!(
        "  an alert's {} properties parsed: {some:.2} µs; skipped whole (IgnoredAny): {skip:.2} µs; parsed whole: {whole:.2} µs",
        keys.len()
    );
    let now = chrono::Utc::now();
    for playbook in &playbooks {
        let (collection, items) = match playbook.trigger {
            Trigger::Alerts(_) => (Collection::Alerts, &alerts),
            Trigger::Incidents(_) => (Collection::Incidents, &incidents),
            _ => continue,
        };
        let ctx = RunContext {
            run_id: "bench".into(),
            started: now,
            now,
            lists: playbook.lists.clone(),
        };
        let page = |p: &Playbook| evaluate_page_here(p, &ctx, collection, items.clone()).expect("evaluates");
        let matched = page(playbook).items.len();
        let per_second = |f: &dyn Fn()| {
            let t = Instant::now();
            let mut rounds = 0;
            while rounds < 3 || t.elapsed() < Duration::from_secs(2) {
                f();
                rounds += 1;
            }
            (rounds * items.len()) as f64 / t.elapsed().as_secs_f64()
        };
        // The copy of the raw items is not the engine's: measured and taken out.
        let copy = per_second(&|| drop(std::hint::black_box(items.clone())));
        let lazy = per_second(&|| drop(std::hint::black_box(page(playbook))));
        // A playbook whose condition reads the item whole: every item parsed whole, as before.
        let mut whole = playbook.clone();
        if let Some(c) = &playbook.condition {
            let text = format!("{} != () && {{\n{}\n}}", c.kind().var_name(), c.source());
            whole.condition = Some(compile_condition(&text, c.kind()).expect("compiles"));
        }
        assert_eq!(page(&whole).items.len(), matched);
        let eager = per_second(&|| drop(std::hint::black_box(page(&whole))));
        let net = |rate: f64| 1.0 / (1.0 / rate - 1.0 / copy);
        println!(
            "  {:<40} {matched:>5} of {:>5} match: {:>9.0} items/s per core (parsed whole first: {:>7.0}/s)",
            playbook.name,
            items.len(),
            net(lazy),
            net(eager)
        );
    }
}
