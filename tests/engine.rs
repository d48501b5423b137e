//! `graphsoar run` end to end: the real binary, on the embedded local tenant (the emulator
//! in-process on a loopback port), with state in SQLite on disk and email in the outbox.

use crate::support::{TempDir, copy_dir, graphsoar_in, root, stderr, stdout};

/// The quick start: `graphsoar run --once` with no settings works, prints the summary, acts,
/// and a second run acts on nothing already acted on.
#[test]
fn run_once_on_the_embedded_tenant_acts_once() {
    let dir = TempDir::new("run-once");
    copy_dir(&root().join("playbooks"), &dir.path().join("playbooks"));
    let out = graphsoar_in(dir.path(), &["run", "--once", "--log-format", "json"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}\n{}", stderr(&out));
    // Logs are JSON, one object a line; every action logs its playbook, item and result.
    let logs: Vec<serde_json::Value> = stderr(&out)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let done: Vec<&serde_json::Value> = logs
        .iter()
        .filter(|l| l["fields"]["message"] == "Action done.")
        .collect();
    assert!(!done.is_empty(), "action logs");
    for l in done {
        for field in ["playbook", "item_id", "action", "ledger_id"] {
            assert!(l["fields"].get(field).is_some(), "{field} missing in {l}");
        }
    }
    assert!(
        stderr(&out).contains("using the embedded local tenant at http://127.0.0.1:"),
        "{}",
        stderr(&out)
    );
    let row = |name: &str| -> Vec<String> {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no row for {name} in\n{text}"))
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    assert!(text.starts_with("playbook"), "{text}");
    let eicar = row("close-eicar-test-alerts");
    assert!(eicar[2].parse::<u32>().unwrap() > 0, "EICAR alerts match: {eicar:?}");
    assert_eq!(eicar[2], eicar[3], "every matched EICAR alert is closed: {eicar:?}");
    let notify = row("notify-high-severity-incidents");
    assert!(
        notify[3].parse::<u32>().unwrap() >= 2,
        "incidents emailed and tagged: {notify:?}"
    );
    let scanner = row("close-vulnerability-scanner-alerts");
    assert_eq!(scanner[3], "0", "audit mode acts on nothing: {scanner:?}");
    assert!(dir.path().join("graphsoar-local.db").exists());
    let emails = std::fs::read_dir(dir.path().join("outbox")).unwrap().count();
    assert!(emails >= 2, "emails in the outbox: {emails}");

    // The second run: the embedded tenant starts again from its dataset, but the state
    // remembers: nothing is acted on twice.
    let again = graphsoar_in(dir.path(), &["run", "--once"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let text = stdout(&again);
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols[3], "0", "nothing done twice: {line}");
    }
    assert_eq!(
        std::fs::read_dir(dir.path().join("outbox")).unwrap().count(),
        emails,
        "no email sent twice"
    );
}

/// A second engine on the same state refuses to start.
#[test]
fn a_second_engine_on_the_same_state_refuses() {
    let dir = TempDir::new("lock");
    copy_dir(&root().join("playbooks"), &dir.path().join("playbooks"));
    let db = dir.path().join("graphsoar-local.db");
    let _held = graphsoar::state::Store::open(&db, "local").expect("first engine");
    let out = graphsoar_in(dir.path(), &["run", "--once"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("another graphsoar engine"), "{}", stderr(&out));
}

/// On a terminal, `run --once` prints its summary and no INFO line per action; piped, the
/// INFO lines are there (a log file or CI keeps them). The terminal is a real pseudo-terminal
/// (`script` from util-linux).
#[test]
fn run_once_on_a_terminal_shows_the_summary_without_info_lines() {
    if std::process::Command::new("script").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "CI has util-linux's script");
        eprintln!("skipped: no `script` command for a pseudo-terminal");
        return;
    }
    let dir = TempDir::new("terminal");
    copy_dir(&root().join("playbooks"), &dir.path().join("playbooks"));
    let command = format!("{} run --once", env!("CARGO_BIN_EXE_graphsoar"));
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir.path())
        .env_remove("GRAPHSOAR_LOG")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("close-eicar-test-alerts"), "the summary: {text}");
    assert!(!text.contains(" INFO "), "no INFO lines on a terminal: {text}");

    let fresh = TempDir::new("terminal-piped");
    copy_dir(&root().join("playbooks"), &fresh.path().join("playbooks"));
    let piped = graphsoar_in(fresh.path(), &["run", "--once"]);
    assert!(stderr(&piped).contains(" INFO "), "{}", stderr(&piped));
}

/// `--dry-run` prints the plan and writes nothing: no state, no email.
#[test]
fn dry_run_writes_nothing() {
    let dir = TempDir::new("dry-run");
    copy_dir(&root().join("playbooks"), &dir.path().join("playbooks"));
    let out = graphsoar_in(dir.path(), &["run", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("playbook close-eicar-test-alerts:") && text.contains("update_alert alert"),
        "{text}"
    );
    assert!(text.contains("\"status\":\"resolved\""), "{text}");
    assert!(!dir.path().join("graphsoar-local.db").exists(), "no state written");
    assert!(!dir.path().join("outbox").exists(), "no email written");
}

/// `graphsoar hunt` on the embedded tenant: a query as a table and as CSV, answered by the KQL
/// engine; a construct the engine does not run is an error naming it.
#[test]
fn hunt_prints_rows() {
    let dir = TempDir::new("hunt");
    let out = graphsoar_in(dir.path(), &["hunt", "DeviceInfo | take 10"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.lines().next().unwrap().contains("DeviceName"), "{text}");
    assert!(text.ends_with("(10 rows)\n"), "{text}");
    let csv = stdout(&graphsoar_in(
        dir.path(),
        &["hunt", "--format", "csv", "DeviceInfo | take 10"],
    ));
    assert_eq!(csv.lines().count(), 11, "{csv}");
    let out = graphsoar_in(
        dir.path(),
        &[
            "hunt",
            "DeviceProcessEvents | where FileName =~ 'powershell.exe' | take 3",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).ends_with("(3 rows)\n"), "{}", stdout(&out));
    let out = graphsoar_in(
        dir.path(),
        &["hunt", "print x = series_fir(dynamic([1, 2]), dynamic([1]))"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("501") && stderr(&out).contains("series_fir() is not supported"),
        "{}",
        stderr(&out)
    );
}

/// `graphsoar history` reads what a run recorded.
#[test]
fn history_shows_runs_and_actions() {
    let dir = TempDir::new("history");
    copy_dir(&root().join("playbooks"), &dir.path().join("playbooks"));
    let out = graphsoar_in(dir.path(), &["history"]);
    assert_eq!(out.status.code(), Some(2), "no state yet");
    assert_eq!(graphsoar_in(dir.path(), &["run", "--once"]).status.code(), Some(0));
    let out = graphsoar_in(dir.path(), &["history", "--playbook", "close-eicar-test-alerts"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("close-eicar-test-alerts")
            && text.contains(" ok ")
            && text.contains("update_alert")
            && text.contains("done"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&graphsoar_in(dir.path(), &["history", "--format", "json"]).stdout).unwrap();
    assert!(json["runs"].as_array().unwrap().len() >= 9);
    assert!(json["actions"].as_array().unwrap().iter().any(|a| a["state"] == "done"));
}

/// `graphsoar emulator` prints where it listens and the credentials it accepts, serves, and
/// stops cleanly on SIGTERM.
#[test]
fn the_emulator_command_serves_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_graphsoar"))
        .args(["emulator", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if line.contains("graphsoar-reader") {
            break;
        }
    }
    assert!(
        banner.contains(&format!("listening on http://127.0.0.1:{port}")),
        "{banner}"
    );
    assert!(
        banner.contains("graphsoar-local") && banner.contains("local-secret"),
        "{banner}"
    );
    // It serves: the credentials of the banner get a token.
    let token = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(crate::support::token(&format!("http://127.0.0.1:{port}")));
    assert!(!token.is_empty());
    stops_on_sigterm(child, 10);
}

/// Sends SIGTERM to `child` and checks it exits successfully within `secs` seconds.
fn stops_on_sigterm(mut child: std::process::Child, secs: u64) {
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(secs),
            "did not stop on SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// One HTTP/1.0 GET on loopback: the status code and the whole answer.
fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let status = answer.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, answer))
}

/// Settings `listen`: `graphsoar run` serves /healthz, /readyz and /metrics while its scheduler
/// runs, and stops on SIGTERM; an address in use stops it at start with exit 2, naming the key.
#[test]
fn run_serves_health_endpoints_when_listen_is_set() {
    let dir = TempDir::new("run-listen");
    copy_dir(&root().join("playbooks"), &dir.path().join("playbooks"));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    dir.write("graphsoar.yaml", format!("listen: 127.0.0.1:{port}\n"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_graphsoar"))
        .arg("run")
        .current_dir(dir.path())
        .env_remove("GRAPHSOAR_CONFIG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let ready = loop {
        match http_get(port, "/readyz") {
            Some((200, answer)) => break answer,
            _ if start.elapsed() > std::time::Duration::from_secs(60) => {
                let _ = child.kill();
                panic!("/readyz never answered 200");
            }
            _ => std::thread::sleep(std::time::Duration::from_millis(100)),
        }
    };
    assert!(ready.ends_with("ready\n"), "{ready}");
    let (status, health) = http_get(port, "/healthz").unwrap();
    assert_eq!((status, health.ends_with("ok\n")), (200, true), "{health}");
    let (status, metrics) = http_get(port, "/metrics").unwrap();
    assert_eq!(status, 200);
    assert!(metrics.contains("text/plain; version=0.0.4"), "{metrics}");
    for line in ["graphsoar_up 1", "graphsoar_ready 1"] {
        assert!(metrics.lines().any(|l| l == line), "{line} in\n{metrics}");
    }
    let enabled: usize = metrics
        .lines()
        .find_map(|l| l.strip_prefix("graphsoar_playbooks "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("graphsoar_playbooks in\n{metrics}"));
    assert!(enabled > 0, "{metrics}");

    // Another engine with the same address cannot start (the state lock aside: its own folder).
    let other = TempDir::new("run-listen-busy");
    other.write("graphsoar.yaml", format!("listen: 127.0.0.1:{port}\nstate: other.db\n"));
    std::fs::create_dir_all(other.path().join("playbooks")).unwrap();
    let out = graphsoar_in(other.path(), &["run"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("cannot listen on 127.0.0.1:{port} (settings `listen`)")),
        "{}",
        stderr(&out)
    );

    stops_on_sigterm(child, 20);
}

/// A dedup window longer than the calendar can hold is forever, not a crash (it used to overflow
/// the date arithmetic and end the run).
#[test]
fn an_enormous_dedup_window_means_forever() {
    let dir = TempDir::new("run-window");
    copy_dir(&root().join("playbooks"), &dir.path().join("playbooks"));
    for entry in std::fs::read_dir(dir.path().join("playbooks")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") && !path.ends_with("close-eicar-test-alerts.yaml") {
            std::fs::remove_file(path).unwrap();
        }
    }
    let playbook = dir.path().join("playbooks/close-eicar-test-alerts.yaml");
    let text = std::fs::read_to_string(&playbook).unwrap();
    std::fs::write(&playbook, format!("{text}\ndedup: {{ window: 99999999999w }}\n")).unwrap();
    let out = graphsoar_in(dir.path(), &["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    let row = stdout(&out)
        .lines()
        .find(|l| l.starts_with("close-eicar-test-alerts"))
        .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .unwrap_or_default();
    assert!(row.len() > 3 && row[3] != "0", "acted: {row:?}\n{}", stdout(&out));
}
