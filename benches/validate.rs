//! Benchmark: validating 1,000 playbooks (copies of the shipped ones, with their templates and
//! fixtures), in process, as `graphsoar validate DIR` does; then 1,000 hunting playbooks (copies
//! of the shipped hunting ones, each query parsed and checked by the KQL checker). Target: under
//! 1 s each in a release build.
//!
//! Run: `cargo bench --bench validate` (prints the folders it made, so the CLI can be timed too:
//! `time target/release/graphsoar validate <folder>`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use graphsoar::config::Settings;
use graphsoar::playbook;

const COUNT: usize = 1000;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

fn main() {
    measure("graphsoar-bench-validate", "playbooks", |_| true);
    measure("graphsoar-bench-validate-hunting", "hunting playbooks", |text| {
        text.contains("\n  hunting:")
    });
}

/// Writes COUNT renamed copies of the shipped playbooks that `keep` selects, and times loading them.
fn measure(folder: &str, what: &str, keep: fn(&str) -> bool) {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks");
    let dir = std::env::temp_dir().join(folder);
    let _ = std::fs::remove_dir_all(&dir);
    // Templates and fixtures once; the playbooks themselves renamed COUNT times.
    copy_dir(&shipped.join("templates"), &dir.join("templates"));
    copy_dir(&shipped.join("tests"), &dir.join("tests"));
    let sources: Vec<(String, String)> = std::fs::read_dir(&shipped)
        .expect("playbooks folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read playbook");
            let name = p.file_stem().expect("stem").to_string_lossy().into_owned();
            (name, text)
        })
        .filter(|(_, text)| keep(text))
        .collect();
    assert!(!sources.is_empty(), "no shipped {what}");
    let mut bytes = 0;
    for i in 0..COUNT {
        let (name, text) = &sources[i % sources.len()];
        let renamed = text.replacen(&format!("name: {name}"), &format!("name: {name}-{i}"), 1);
        bytes += renamed.len();
        std::fs::write(dir.join(format!("{name}-{i}.yaml")), renamed).expect("write playbook");
    }
    let settings = Settings::embedded();
    let paths: Vec<PathBuf> = vec![dir.clone()];
    let mut times = Vec::new();
    for _ in 0..7 {
        let start = Instant::now();
        let (playbooks, diagnostics) = playbook::load_paths(&paths, &settings);
        times.push(start.elapsed());
        assert_eq!(playbooks.len(), COUNT, "every copy compiles: {:?}", diagnostics.first());
        assert!(diagnostics.iter().all(|d| !d.is_error()));
    }
    times.sort();
    println!(
        "validate {COUNT} {what} (copies of {} shipped, {} KiB, {} cores): min {:.0} ms, median {:.0} ms, max {:.0} ms",
        sources.len(),
        bytes / 1024,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        times[0].as_secs_f64() * 1e3,
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
    );
    println!("folder: {}", dir.display());
}
