//! Response actions end to end, as a user runs them: the real binary against a separately
//! spawned emulator (port 0) serving Graph and the Defender for Endpoint API, state in SQLite on
//! disk, approval requests in the outbox. What happened is read back from the emulator
//! (`/_emulator/defender`) and the state.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use graphsoar::emulator::{self, EmulatorOptions, Running};
use graphsoar::state::{ActionState, HistoryFilter, LedgerEntry, Store};
use serde_json::{Value, json};

use crate::support::{LOCAL_CLIENT, TempDir, emulator_post, stderr, stdout};

/// The device of the bundled dataset's new LSASS alert, and its name.
const DEVICE: &str = "90be13af5af7575f9b86425b7dc85f171829bb30";
const DEVICE_NAME: &str = "ws-fin-0142.corp.contoso.com";
const READER: (&str, &str) = ("graphsoar-reader", "reader-secret");

/// A playbook isolating the devices of new high-severity LSASS alerts, with `extra` lines
/// added to its action (indented under it).
fn isolate_playbook(name: &str, extra: &str) -> String {
    format!(
        "name: {name}\nschedule: \"*/5 * * * *\"\ntrigger:\n  alerts:\n    filter: \"status eq 'new' and severity eq 'high'\"\n    since: 1h\ncondition: '(alert.title ?? \"\").contains(\"LSASS\")'\nactions:\n  - isolate_device:\n      comment: \"isolating for {{{{ alert.id }}}}\"\n{extra}"
    )
}

/// An emulator whose machine actions finish quickly.
async fn emulator() -> Running {
    let mut options = EmulatorOptions::bundled().unwrap();
    options.machine_action_delay = Duration::from_millis(300);
    emulator::spawn(options).await.unwrap()
}

/// A tenant folder with settings pointing at the emulator (plus `settings`), and `playbooks`.
fn tenant(
    name: &str,
    running: &Running,
    client: (&str, &str),
    settings: &str,
    playbooks: &[(&str, String)],
) -> TempDir {
    let dir = TempDir::new(name);
    for (file, yaml) in playbooks {
        dir.write(&format!("playbooks/{file}.yaml"), yaml.as_bytes());
    }
    dir.write(
        "graphsoar.yaml",
        format!(
            "tenant_id: local\nclient_id: {}\ngraph_url: {url}\nlogin_url: {url}\nstate: state.db\noutbox: outbox\nplaybooks: playbooks\nlimits: {{ writes_per_minute: 0, hunting_per_minute: 0 }}\n{settings}",
            client.0,
            url = running.base_url
        ),
    );
    dir.write(".secret", client.1);
    dir
}

/// `graphsoar ARGS` in the tenant folder, with its secret.
async fn graphsoar(dir: &Path, args: &[&str]) -> Output {
    let secret = std::fs::read_to_string(dir.join(".secret")).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_graphsoar"));
    c.args(args)
        .current_dir(dir)
        .env("GRAPHSOAR_CLIENT_SECRET", secret)
        .env_remove("GRAPHSOAR_CONFIG");
    tokio::task::spawn_blocking(move || c.output().unwrap()).await.unwrap()
}

async fn run_once(dir: &Path) -> Output {
    graphsoar(dir, &["run", "--once"]).await
}

/// `graphsoar run --once` in the background, to be killed.
fn spawn_run_once(dir: &Path) -> std::process::Child {
    let secret = std::fs::read_to_string(dir.join(".secret")).unwrap();
    Command::new(env!("CARGO_BIN_EXE_graphsoar"))
        .args(["run", "--once"])
        .current_dir(dir)
        .env("GRAPHSOAR_CLIENT_SECRET", secret)
        .env_remove("GRAPHSOAR_CONFIG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

fn ledger(dir: &Path) -> Vec<LedgerEntry> {
    let store = Store::open_read_only(&dir.join("state.db")).unwrap();
    store.ledger_for(&HistoryFilter::default()).unwrap()
}

async fn defender(running: &Running) -> Value {
    reqwest::get(format!("{}/_emulator/defender", running.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The machine actions of `type` on the test device.
async fn actions_on_device(running: &Running, kind: &str) -> Vec<Value> {
    defender(running).await["machineActions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["machineId"] == DEVICE && a["type"] == kind)
        .cloned()
        .collect()
}

async fn device_state(running: &Running) -> Value {
    defender(running).await["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == DEVICE)
        .cloned()
        .unwrap()
}

fn ok(out: &Output) {
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(out), stderr(out));
}

/// Isolation happens once per device: a second run, a second playbook isolating the same
/// device while the first is pending and after it succeeded, all change nothing; the machine
/// action's id and status are in the ledger and followed to Succeeded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_is_isolated_once_and_pending_or_applied_isolations_are_no_ops() {
    let running = emulator().await;
    let dir = tenant(
        "response-once",
        &running,
        LOCAL_CLIENT,
        "",
        &[("isolate", isolate_playbook("isolate", ""))],
    );
    ok(&run_once(dir.path()).await);
    let isolations = actions_on_device(&running, "Isolate").await;
    assert_eq!(isolations.len(), 1, "{isolations:?}");
    let entry = ledger(dir.path())
        .into_iter()
        .find(|e| e.playbook == "isolate")
        .unwrap();
    assert_eq!(entry.state, ActionState::Done);
    let comment = isolations[0]["requestorComment"].as_str().unwrap();
    assert!(comment.ends_with(&format!("[graphsoar {}]", entry.id)), "{comment}");
    let result = entry.result.clone().unwrap();
    assert_eq!(result["devices"][0]["machine_action_id"], isolations[0]["id"]);
    assert_eq!(result["devices"][0]["computer_dns_name"], DEVICE_NAME);

    // Another playbook on the same device while the isolation is pending: a recorded no-op.
    std::fs::write(dir.path().join("playbooks/again.yaml"), isolate_playbook("again", "")).unwrap();
    ok(&run_once(dir.path()).await);
    assert_eq!(actions_on_device(&running, "Isolate").await.len(), 1);
    let again = ledger(dir.path()).into_iter().find(|e| e.playbook == "again").unwrap();
    assert_eq!(again.state, ActionState::Done);
    let note = again.result.unwrap()["devices"][0]["note"].as_str().unwrap().to_owned();
    assert!(note.contains("already"), "{note}");

    // Once it succeeded: isolated, followed in the ledger, and a third playbook is a no-op.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(device_state(&running).await["isolated"], true);
    std::fs::write(dir.path().join("playbooks/third.yaml"), isolate_playbook("third", "")).unwrap();
    ok(&run_once(dir.path()).await);
    assert_eq!(actions_on_device(&running, "Isolate").await.len(), 1);
    let third = ledger(dir.path()).into_iter().find(|e| e.playbook == "third").unwrap();
    let note = third.result.unwrap()["devices"][0]["note"].as_str().unwrap().to_owned();
    assert!(note.contains("already done by graphsoar"), "{note}");
    let first = Store::open_read_only(&dir.path().join("state.db"))
        .unwrap()
        .entry(entry.id)
        .unwrap();
    assert_eq!(
        first.result.unwrap()["devices"][0]["status"],
        "Succeeded",
        "followed on a later run"
    );
    let history = graphsoar(dir.path(), &["history", "--playbook", "isolate"]).await;
    ok(&history);
    assert!(stdout(&history).contains("machine action"), "{}", stdout(&history));
}

/// An answer lost after the API carried the request out (the connection cut halfway), and 429s
/// on every Defender route: the retry finds its marker and asks nothing twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_and_throttling_request_nothing_twice() {
    let running = emulator().await;
    emulator_post(
        &running.base_url,
        "/_emulator/faults",
        json!({ "clear": true, "spec": "machine_action=cut:1" }),
    )
    .await;
    let dir = tenant(
        "response-cut",
        &running,
        LOCAL_CLIENT,
        "",
        &[("isolate", isolate_playbook("isolate", ""))],
    );
    let out = run_once(dir.path()).await;
    assert_eq!(out.status.code(), Some(2), "the outcome is unknown: a failure this run");
    assert_eq!(
        actions_on_device(&running, "Isolate").await.len(),
        1,
        "carried out once"
    );
    emulator_post(
        &running.base_url,
        "/_emulator/faults",
        json!({ "clear": true, "spec": "machine_action=429@0:0.5;machineactions=429@0:0.5;machines=429n:0.3" }),
    )
    .await;
    ok(&run_once(dir.path()).await);
    assert_eq!(
        actions_on_device(&running, "Isolate").await.len(),
        1,
        "the marker was found"
    );
    let entry = ledger(dir.path())
        .into_iter()
        .find(|e| e.playbook == "isolate")
        .unwrap();
    assert_eq!(entry.state, ActionState::Done);
    assert_eq!(entry.attempts, 1);
}

/// A protected device is refused (at plan time, by name), a run over the cap does nothing, and
/// a client without Machine.Isolate fails with the permission named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caps_protected_devices_and_missing_permissions_refuse_what_they_must() {
    let running = emulator().await;
    let protected = tenant(
        "response-protected",
        &running,
        LOCAL_CLIENT,
        "protected: { devices: [WS-FIN-0142] }\n",
        &[("isolate", isolate_playbook("isolate", ""))],
    );
    ok(&run_once(protected.path()).await);
    let entry = ledger(protected.path())
        .into_iter()
        .find(|e| e.playbook == "isolate")
        .unwrap();
    assert_eq!(entry.state, ActionState::Refused, "{entry:?}");
    assert!(
        entry.reason.as_deref().unwrap().contains("protected"),
        "{:?}",
        entry.reason
    );
    assert!(actions_on_device(&running, "Isolate").await.is_empty());

    // Two devices planned, one allowed: capped, nothing requested.
    let two = format!("      max_per_run: 1\n      device: \"{DEVICE}, f0f5c51186c7dcbbac6c0b8912e2ffc932257a4c\"\n");
    let capped = tenant(
        "response-capped",
        &running,
        LOCAL_CLIENT,
        "",
        &[("isolate", isolate_playbook("isolate", &two))],
    );
    let out = run_once(capped.path()).await;
    assert!(stderr(&out).contains("max_per_run"), "{}", stderr(&out));
    assert!(ledger(capped.path()).is_empty(), "a capped run records no action");
    assert!(
        defender(&running).await["machineActions"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let reader = tenant(
        "response-reader",
        &running,
        READER,
        "",
        &[("isolate", isolate_playbook("isolate", ""))],
    );
    let out = run_once(reader.path()).await;
    assert_eq!(out.status.code(), Some(2));
    let entry = ledger(reader.path())
        .into_iter()
        .find(|e| e.playbook == "isolate")
        .unwrap();
    assert_eq!(entry.state, ActionState::Failed, "a 403 is not retried");
    assert!(
        entry.error.as_deref().unwrap().contains("Machine.Isolate"),
        "{:?}",
        entry.error
    );
}

/// Approve, deny and time out, with the decider in history; only the approved one runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approvals_run_only_what_a_person_approved() {
    let running = emulator().await;
    let approval = "      approval: { timeout: 4h, notify: [soc@contoso.com] }\n";
    let dir = tenant(
        "response-approve",
        &running,
        LOCAL_CLIENT,
        "",
        &[("isolate", isolate_playbook("isolate", approval))],
    );
    ok(&run_once(dir.path()).await);
    assert!(
        actions_on_device(&running, "Isolate").await.is_empty(),
        "nothing before approval"
    );
    let list = graphsoar(dir.path(), &["approvals", "--format", "json"]).await;
    ok(&list);
    let waiting: Vec<Value> = serde_json::from_str(&stdout(&list)).unwrap();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    let id = waiting[0]["approval"]["id"].as_str().unwrap().to_owned();
    assert_eq!(waiting[0]["params"]["devices"][0], DEVICE);
    let mail: String = std::fs::read_dir(dir.path().join("outbox"))
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect::<String>()
        // Quoted-printable soft line breaks.
        .replace("=\r\n", "")
        .replace("=\n", "");
    assert!(
        mail.contains(&id) && mail.contains(DEVICE),
        "the request says what and how: {mail}"
    );

    let approve = graphsoar(dir.path(), &["approve", &id, "--by", "alice"]).await;
    ok(&approve);
    let twice = graphsoar(dir.path(), &["approve", &id, "--by", "mallory"]).await;
    assert_eq!(twice.status.code(), Some(2));
    assert!(
        stderr(&twice).contains("already approved (by alice)"),
        "{}",
        stderr(&twice)
    );
    ok(&run_once(dir.path()).await);
    assert_eq!(
        actions_on_device(&running, "Isolate").await.len(),
        1,
        "ran once approved"
    );
    let history = graphsoar(dir.path(), &["history", "--format", "json"]).await;
    let history: Value = serde_json::from_str(&stdout(&history)).unwrap();
    assert_eq!(history["approvals"][0]["decided_by"], "alice");
    assert_eq!(history["approvals"][0]["state"], "approved");

    // Denied: never runs, and says who and why.
    let running = emulator().await;
    let dir = tenant(
        "response-deny",
        &running,
        LOCAL_CLIENT,
        "",
        &[("isolate", isolate_playbook("isolate", approval))],
    );
    ok(&run_once(dir.path()).await);
    let list: Vec<Value> = serde_json::from_str(&stdout(
        &graphsoar(dir.path(), &["approvals", "--format", "json"]).await,
    ))
    .unwrap();
    let id = list[0]["approval"]["id"].as_str().unwrap().to_owned();
    ok(&graphsoar(dir.path(), &["deny", &id, "--by", "bob", "--reason", "lab machine"]).await);
    ok(&run_once(dir.path()).await);
    assert!(actions_on_device(&running, "Isolate").await.is_empty());
    let entry = ledger(dir.path())
        .into_iter()
        .find(|e| e.action.as_str() == "isolate_device")
        .unwrap();
    assert_eq!(entry.state, ActionState::Denied);
    assert_eq!(entry.reason.as_deref(), Some("denied by bob: lab machine"));

    // Timed out: expired at the next run, and approving it then is refused.
    let running = emulator().await;
    let dir = tenant(
        "response-expire",
        &running,
        LOCAL_CLIENT,
        "",
        &[(
            "isolate",
            isolate_playbook("isolate", "      approval: { timeout: 1s }\n"),
        )],
    );
    ok(&run_once(dir.path()).await);
    let list: Vec<Value> = serde_json::from_str(&stdout(
        &graphsoar(dir.path(), &["approvals", "--format", "json"]).await,
    ))
    .unwrap();
    let id = list[0]["approval"]["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let late = graphsoar(dir.path(), &["approve", &id, "--by", "alice"]).await;
    assert_eq!(late.status.code(), Some(2));
    assert!(stderr(&late).contains("expired"), "{}", stderr(&late));
    ok(&run_once(dir.path()).await);
    assert!(actions_on_device(&running, "Isolate").await.is_empty());
    let entry = ledger(dir.path())
        .into_iter()
        .find(|e| e.action.as_str() == "isolate_device")
        .unwrap();
    assert_eq!(entry.state, ActionState::Expired);
}

/// The same indicator submitted by two runs and two playbooks is one indicator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_indicator_is_submitted_once_per_value() {
    let running = emulator().await;
    let playbook = |name: &str| {
        format!(
            "name: {name}\nschedule: \"*/5 * * * *\"\ntrigger:\n  alerts:\n    filter: \"status eq 'new' and severity eq 'high'\"\n    since: 1h\ncondition: '(alert.title ?? \"\").contains(\"LSASS\")'\nactions:\n  - submit_indicator:\n      value: \"evil.example.com\"\n      title: \"graphsoar test\"\n      description: \"from {{{{ alert.id }}}}\"\n      max_per_run: 10\n"
        )
    };
    let dir = tenant(
        "response-indicator",
        &running,
        LOCAL_CLIENT,
        "",
        &[("block", playbook("block"))],
    );
    emulator_post(
        &running.base_url,
        "/_emulator/faults",
        json!({ "clear": true, "spec": "indicators=429@0:0.5,503@0:0.2" }),
    )
    .await;
    ok(&run_once(dir.path()).await);
    std::fs::write(dir.path().join("playbooks/block2.yaml"), playbook("block2")).unwrap();
    ok(&run_once(dir.path()).await);
    emulator_post(&running.base_url, "/_emulator/faults", json!({ "clear": true })).await;
    let indicators: Vec<Value> = defender(&running).await["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["indicatorValue"] == "evil.example.com")
        .cloned()
        .collect();
    assert_eq!(indicators.len(), 1, "{indicators:?}");
    assert_eq!(indicators[0]["indicatorType"], "DomainName");
    assert_eq!(indicators[0]["action"], "Block");
    assert!(ledger(dir.path()).iter().all(|e| e.state == ActionState::Done));

    // Without a Ti permission: refused, the permission named.
    let reader = tenant(
        "response-indicator-reader",
        &running,
        READER,
        "",
        &[("block", playbook("block"))],
    );
    assert_eq!(run_once(reader.path()).await.status.code(), Some(2));
    let entry = ledger(reader.path()).pop().unwrap();
    assert_eq!(entry.state, ActionState::Failed);
    assert!(
        entry.error.as_deref().unwrap().contains("Ti.ReadWrite"),
        "{:?}",
        entry.error
    );
}

/// SIGKILL after the API carried out one device's isolation and before the ledger recorded
/// it: the next run adopts that isolation by its marker and asks only for the other device.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_engine_neither_loses_nor_repeats_a_device_action() {
    let running = emulator().await;
    let other = "f0f5c51186c7dcbbac6c0b8912e2ffc932257a4c";
    let two = format!("      device: \"{DEVICE}, {other}\"\n");
    let dir = tenant(
        "response-kill",
        &running,
        LOCAL_CLIENT,
        "",
        &[("isolate", isolate_playbook("isolate", &two))],
    );
    // Reading a device's machine actions takes 3 s: the engine is killed while it reads the
    // second device's, after it asked for the first device's isolation.
    emulator_post(
        &running.base_url,
        "/_emulator/faults",
        json!({ "clear": true, "spec": "machineactions=latency:3000" }),
    )
    .await;
    let mut child = spawn_run_once(dir.path());
    let start = std::time::Instant::now();
    while defender(&running).await["machineActions"]
        .as_array()
        .unwrap()
        .is_empty()
    {
        assert!(start.elapsed() < Duration::from_secs(30), "the engine never asked");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let entry = ledger(dir.path())
        .into_iter()
        .find(|e| e.playbook == "isolate")
        .unwrap();
    assert_eq!(
        entry.state,
        ActionState::Pending,
        "killed before the outcome was recorded"
    );

    emulator_post(&running.base_url, "/_emulator/faults", json!({ "clear": true })).await;
    ok(&run_once(dir.path()).await);
    let actions = defender(&running).await["machineActions"].as_array().unwrap().clone();
    for device in [DEVICE, other] {
        let n = actions
            .iter()
            .filter(|a| a["machineId"] == device && a["type"] == "Isolate")
            .count();
        assert_eq!(n, 1, "{device}: {actions:?}");
    }
    let entry = ledger(dir.path())
        .into_iter()
        .find(|e| e.playbook == "isolate")
        .unwrap();
    assert_eq!(entry.state, ActionState::Done);
    assert_eq!(entry.result.unwrap()["devices"].as_array().unwrap().len(), 2);
}

/// Every device action kind, in one playbook on one device, is requested once with its own
/// body, each after the previous one succeeded as a request; a second run asks nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_device_action_is_requested_once() {
    let running = emulator().await;
    let sha1 = "220e7d15b011d7fac48f2bd61114db1022197f7f";
    let playbook = format!(
        "name: all-kinds\nschedule: \"*/5 * * * *\"\ntrigger:\n  alerts:\n    filter: \"status eq 'new' and severity eq 'high'\"\n    since: 1h\ncondition: '(alert.title ?? \"\").contains(\"LSASS\")'\nactions:\n\
         \x20 - run_antivirus_scan: {{ comment: scan, scan_type: Full }}\n\
         \x20 - collect_investigation_package: {{ comment: collect }}\n\
         \x20 - stop_and_quarantine_file: {{ comment: quarantine, sha1: \"{sha1}\" }}\n\
         \x20 - restrict_app_execution: {{ comment: restrict }}\n\
         \x20 - unrestrict_app_execution: {{ comment: unrestrict }}\n\
         \x20 - isolate_device: {{ comment: isolate, isolation_type: Selective }}\n\
         \x20 - release_device: {{ comment: release }}\n"
    );
    let dir = tenant("response-kinds", &running, LOCAL_CLIENT, "", &[("all", playbook)]);
    ok(&run_once(dir.path()).await);
    let actions = defender(&running).await["machineActions"].as_array().unwrap().clone();
    let kinds: Vec<&str> = actions.iter().map(|a| a["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "RunAntiVirusScan",
            "CollectInvestigationPackage",
            "StopAndQuarantineFile",
            "RestrictCodeExecution",
            "UnrestrictCodeExecution",
            "Isolate",
            "Unisolate"
        ],
        "{actions:?}"
    );
    assert_eq!(actions[0]["scope"], "Full");
    assert_eq!(actions[2]["relatedFileInfo"]["fileIdentifier"], sha1);
    assert_eq!(actions[5]["scope"], "Selective");
    assert!(
        actions
            .iter()
            .all(|a| a["requestorComment"].as_str().unwrap().contains("[graphsoar "))
    );
    ok(&run_once(dir.path()).await);
    assert_eq!(defender(&running).await["machineActions"].as_array().unwrap().len(), 7);
}

/// A bundled user (identity, SID, UPN, Entra object id) and a delivered message.
const JOHN_SID: &str = "S-1-5-21-1004336348-1177238915-682003330-1106";
const JOHN_UPN: &str = "john.doe@contoso.com";
const MESSAGE: (&str, &str) = ("0188e0ae-42e1-49da-9baa-a92fd0a8df41", "isabella.hendriks@contoso.com");

/// A playbook on the LSASS alert with one action (`action`, indented as an entry).
fn lsass_playbook(name: &str, action: &str) -> String {
    format!(
        "name: {name}\nschedule: \"*/5 * * * *\"\ntrigger:\n  alerts:\n    filter: \"status eq 'new' and severity eq 'high'\"\n    since: 1h\ncondition: '(alert.title ?? \"\").contains(\"LSASS\")'\nactions:\n{action}"
    )
}

async fn identity(running: &Running) -> Value {
    reqwest::get(format!("{}/_emulator/identity", running.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn john(running: &Running) -> Value {
    identity(running).await["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["onPremisesSecurityIdentifier"] == JOHN_SID)
        .cloned()
        .unwrap()
}

/// Disable happens once (repeated runs; a second playbook finds it disabled and sends
/// nothing), even under throttling; sessions are revoked once per run's item; a password reset
/// whose answer was lost is not sent again; a protected account is refused; the reader's 403
/// names the permission.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_actions_happen_once_and_unknowable_ones_are_never_resent() {
    let running = emulator().await;
    let action =
        |verb: &str, account: &str| format!("  - account_action: {{ action: {verb}, account: \"{account}\" }}\n");
    emulator_post(
        &running.base_url,
        "/_emulator/faults",
        json!({ "clear": true, "spec": "identities=429@0:0.4;identity_action=429@0:0.4;revoke_sessions=503@0:0.3" }),
    )
    .await;
    let dir = tenant(
        "response-accounts",
        &running,
        LOCAL_CLIENT,
        "",
        &[
            ("disable", lsass_playbook("disable", &action("disable", JOHN_SID))),
            ("revoke", lsass_playbook("revoke", &action("revoke_sessions", JOHN_UPN))),
        ],
    );
    ok(&run_once(dir.path()).await);
    ok(&run_once(dir.path()).await);
    let j = john(&running).await;
    assert_eq!(j["isEnabled"], false);
    assert_eq!(j["sessionsRevoked"], 1, "{j}");
    std::fs::write(
        dir.path().join("playbooks/again.yaml"),
        lsass_playbook("again", &action("disable", JOHN_SID)),
    )
    .unwrap();
    ok(&run_once(dir.path()).await);
    let again = ledger(dir.path()).into_iter().find(|e| e.playbook == "again").unwrap();
    assert_eq!(again.result.unwrap()["accounts"][0]["note"], "already disabled");

    // The answer of a forced password reset is lost: failed as unknown, never sent again.
    emulator_post(
        &running.base_url,
        "/_emulator/faults",
        json!({ "clear": true, "spec": "identity_action=cut:1" }),
    )
    .await;
    std::fs::write(
        dir.path().join("playbooks/reset.yaml"),
        lsass_playbook("reset", &action("force_password_reset", JOHN_SID)),
    )
    .unwrap();
    assert_eq!(run_once(dir.path()).await.status.code(), Some(2));
    emulator_post(&running.base_url, "/_emulator/faults", json!({ "clear": true })).await;
    ok(&run_once(dir.path()).await);
    assert_eq!(john(&running).await["passwordResets"], 1);
    let reset = ledger(dir.path()).into_iter().find(|e| e.playbook == "reset").unwrap();
    assert_eq!(reset.state, ActionState::Failed);
    assert!(
        reset.error.as_deref().unwrap().contains("outcome unknown"),
        "{:?}",
        reset.error
    );

    let protected = tenant(
        "response-accounts-protected",
        &running,
        LOCAL_CLIENT,
        "protected: { accounts: [John.Doe@contoso.com] }\n",
        &[("revoke", lsass_playbook("revoke", &action("revoke_sessions", JOHN_UPN)))],
    );
    ok(&run_once(protected.path()).await);
    assert_eq!(ledger(protected.path())[0].state, ActionState::Refused);
    assert_eq!(john(&running).await["sessionsRevoked"], 1);

    let reader = tenant(
        "response-accounts-reader",
        &running,
        READER,
        "",
        &[("enable", lsass_playbook("enable", &action("enable", JOHN_SID)))],
    );
    assert_eq!(run_once(reader.path()).await.status.code(), Some(2));
    let entry = ledger(reader.path()).pop().unwrap();
    assert_eq!(entry.state, ActionState::Failed);
    assert!(
        entry
            .error
            .as_deref()
            .unwrap()
            .contains("SecurityIdentitiesActions.ReadWrite.All"),
        "{:?}",
        entry.error
    );
    assert_eq!(john(&running).await["isEnabled"], false);
}

/// A message is remediated once with its tracking link recorded; a request of unknown outcome
/// is reported and not sent again; the reader's 403 names the permission.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_remediation_is_sent_once() {
    let running = emulator().await;
    let action = format!(
        "  - remediate_email: {{ action: soft_delete, network_message_id: \"{}\", recipient: \"{}\", description: \"phish in {{{{ alert.id }}}}\" }}\n",
        MESSAGE.0, MESSAGE.1
    );
    let dir = tenant(
        "response-mail",
        &running,
        LOCAL_CLIENT,
        "",
        &[("purge", lsass_playbook("purge", &action))],
    );
    ok(&run_once(dir.path()).await);
    ok(&run_once(dir.path()).await);
    let remediations = identity(&running).await["remediations"].as_array().unwrap().clone();
    assert_eq!(remediations.len(), 1, "{remediations:?}");
    assert_eq!(remediations[0]["action"], "softDelete");
    assert_eq!(remediations[0]["messages"][0]["status"], "success");
    let entry = ledger(dir.path()).pop().unwrap();
    let tracking = entry.result.unwrap()["tracking"].as_str().unwrap().to_owned();
    assert!(tracking.contains("action-center"), "{tracking}");

    emulator_post(
        &running.base_url,
        "/_emulator/faults",
        json!({ "clear": true, "spec": "remediate=drop:1" }),
    )
    .await;
    // The connection drops after the request went out: whether it was carried out is unknown.
    std::fs::write(
        dir.path().join("playbooks/again.yaml"),
        lsass_playbook("again", &action),
    )
    .unwrap();
    assert_eq!(run_once(dir.path()).await.status.code(), Some(2));
    emulator_post(&running.base_url, "/_emulator/faults", json!({ "clear": true })).await;
    ok(&run_once(dir.path()).await);
    assert_eq!(
        identity(&running).await["remediations"].as_array().unwrap().len(),
        1,
        "not sent again"
    );
    let again = ledger(dir.path()).into_iter().find(|e| e.playbook == "again").unwrap();
    assert!(
        again.error.as_deref().unwrap().contains("outcome unknown"),
        "{:?}",
        again.error
    );

    let reader = tenant(
        "response-mail-reader",
        &running,
        READER,
        "",
        &[("purge", lsass_playbook("purge", &action))],
    );
    assert_eq!(run_once(reader.path()).await.status.code(), Some(2));
    let entry = ledger(reader.path()).pop().unwrap();
    assert!(
        entry
            .error
            .as_deref()
            .unwrap()
            .contains("SecurityAnalyzedMessage.ReadWrite.All"),
        "{:?}",
        entry.error
    );
}

/// SIGKILL while an email remediation is being sent: no API tells whether it happened, so the
/// resumed action is recorded as of unknown outcome and not sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remediation_the_engine_was_sending_when_killed_is_reported_not_resent() {
    let running = emulator().await;
    let action = format!(
        "  - remediate_email: {{ action: move_to_junk, network_message_id: \"{}\", recipient: \"{}\", description: d }}\n",
        MESSAGE.0, MESSAGE.1
    );
    let dir = tenant(
        "response-mail-kill",
        &running,
        LOCAL_CLIENT,
        "",
        &[("purge", lsass_playbook("purge", &action))],
    );
    emulator_post(
        &running.base_url,
        "/_emulator/faults",
        json!({ "clear": true, "spec": "remediate=latency:5000" }),
    )
    .await;
    let mut child = spawn_run_once(dir.path());
    let start = std::time::Instant::now();
    loop {
        let sending = dir.path().join("state.db").exists()
            && ledger(dir.path())
                .iter()
                .any(|e| e.result.as_ref().is_some_and(|r| r.get("sending").is_some()));
        if sending {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "the engine never sent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    emulator_post(&running.base_url, "/_emulator/faults", json!({ "clear": true })).await;
    assert_eq!(
        run_once(dir.path()).await.status.code(),
        Some(2),
        "reported as a failure"
    );
    let entry = ledger(dir.path()).pop().unwrap();
    assert_eq!(entry.state, ActionState::Failed);
    assert!(
        entry
            .error
            .as_deref()
            .unwrap()
            .contains("engine stopped while this was being sent"),
        "{:?}",
        entry.error
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        identity(&running).await["remediations"].as_array().unwrap().len() <= 1,
        "never sent twice"
    );
}
