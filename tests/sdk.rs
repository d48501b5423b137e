//! Microsoft's own Python SDK (`msgraph-sdk`, pinned in `tests/sdk/requirements.txt`) against the
//! emulator, unchanged: `tests/sdk/test_msgraph_sdk.py` lists alerts with paging, incidents with
//! `$expand=alerts`, PATCHes an alert, posts a comment (the SDK's JSON array) and runs a recorded
//! hunting query, and fails if any property lands in the SDK models' `additional_data`, any
//! evidence comes back untyped, or any value of the emulator's JSON is lost in the SDK's models.
//!
//! The SDK lives in a virtual environment, `target/sdk-venv` (`.ci/run` creates it), or the
//! python named by `GRAPHSOAR_SDK_PYTHON`. Without it the test is skipped with a note, unless
//! `CI=true`, where a missing SDK is a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use graphsoar::emulator::{EmulatorOptions, spawn};

const SETUP: &str = "python3 -m venv target/sdk-venv && target/sdk-venv/bin/pip install -r tests/sdk/requirements.txt";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The python that has the SDK: `GRAPHSOAR_SDK_PYTHON`, else the crate's `target/sdk-venv`.
fn sdk_python() -> PathBuf {
    match std::env::var_os("GRAPHSOAR_SDK_PYTHON") {
        Some(python) if !python.is_empty() => PathBuf::from(python),
        _ => root().join("target/sdk-venv/bin/python"),
    }
}

/// Why the SDK cannot be used, if it cannot.
fn sdk_missing(python: &Path) -> Option<String> {
    match Command::new(python)
        .args(["-c", "import msgraph, msgraph_core"])
        .output()
    {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(format!(
            "`{} -c 'import msgraph'` failed: {}",
            python.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Some(format!("cannot run {}: {e}", python.display())),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn msgraph_python_sdk_works_against_the_emulator_unchanged() {
    let python = sdk_python();
    if let Some(why) = sdk_missing(&python) {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "the msgraph-sdk virtual environment is missing ({why}); `.ci/run` installs it \
                 (`{SETUP}`), or set GRAPHSOAR_SDK_PYTHON to a python that has msgraph-sdk"
            );
        }
        eprintln!("skipped: msgraph-sdk is not installed ({why}); run `{SETUP}`");
        return;
    }

    let running = spawn(EmulatorOptions::bundled().expect("the bundled dataset loads"))
        .await
        .expect("the emulator starts");
    let base_url = running.base_url.clone();
    let script = root().join("tests/sdk/test_msgraph_sdk.py");
    let started = Instant::now();
    let output: Output = tokio::task::spawn_blocking(move || {
        Command::new(&python)
            .arg(&script)
            .arg(&base_url)
            .current_dir(root())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .expect("the SDK script runs")
    })
    .await
    .expect("the SDK script's task completes");
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "msgraph-sdk against the emulator failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    println!("{} ({elapsed:.1?} in all)", stdout.trim());
    running.shutdown().await.expect("the emulator shuts down");
}
