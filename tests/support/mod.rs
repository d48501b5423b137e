//! Helpers shared by the integration tests: running the real binary, temporary folders (the
//! library's [`TempDir`], which the unit tests use too).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use graphsoar::testutil::TempDir;

/// The crate root: tests run the binary from here so paths in its output are stable.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `graphsoar ARGS` in the crate root, without any GRAPHSOAR_ environment.
pub fn graphsoar(args: &[&str]) -> Output {
    graphsoar_in(root(), args)
}

/// Runs `graphsoar ARGS` in `dir`.
pub fn graphsoar_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_graphsoar"))
        .args(args)
        .current_dir(dir)
        .env_remove("GRAPHSOAR_CONFIG")
        .output()
        .expect("the graphsoar binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every `.yaml` file under `dir`, sorted.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Copies a folder tree (playbooks with their templates and fixtures into a test's folder).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let path = entry.expect("dir entry").path();
        let target = to.join(path.file_name().expect("file name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy file");
        }
    }
}

/// `GET /_emulator/stats` of an emulator.
pub async fn emulator_stats(base_url: &str) -> serde_json::Value {
    reqwest::get(format!("{base_url}/_emulator/stats"))
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats JSON")
}

/// `POST` a JSON body to one of the emulator's `/_emulator` routes, asserting success.
pub async fn emulator_post(base_url: &str, path: &str, body: serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{base_url}{path}"))
        .json(&body)
        .send()
        .await
        .expect("POST");
    assert!(r.status().is_success(), "{}", r.text().await.unwrap_or_default());
}
