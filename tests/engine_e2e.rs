//! The engine end to end against a separately spawned emulator (port 0), as a user runs it: the
//! real binary with a settings file pointing `graph_url` at the emulator, state in SQLite on
//! disk, email in the outbox. The emulator is inspected over its own HTTP API afterwards.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use graphsoar::action::ActionKind;
use graphsoar::emulator::{self, EmulatorOptions, Running};
use graphsoar::state::{ActionState, HistoryFilter, Store};
use serde_json::{Value, json};

use crate::support::{self, LOCAL_CLIENT, TempDir, copy_dir, emulator_post, emulator_stats, root, stderr, stdout};

const EICAR: &str = "close-eicar-test-alerts";

/// A tenant folder: settings pointing at the emulator, and the given shipped playbooks (with
/// their templates and fixtures).
fn tenant(name: &str, running: &Running, playbooks: &[&str], client: (&str, &str)) -> TempDir {
    let dir = TempDir::new(name);
    let shipped = root().join("playbooks");
    for p in playbooks {
        let yaml = std::fs::read(shipped.join(format!("{p}.yaml"))).unwrap();
        dir.write(&format!("playbooks/{p}.yaml"), yaml);
    }
    copy_dir(&shipped.join("templates"), &dir.path().join("playbooks/templates"));
    copy_dir(&shipped.join("tests"), &dir.path().join("playbooks/tests"));
    dir.write(
        "graphsoar.yaml",
        format!(
            "tenant_id: local\nclient_id: {}\ngraph_url: {url}\nlogin_url: {url}\nstate: state.db\noutbox: outbox\nplaybooks: playbooks\nlimits: {{ writes_per_minute: 0, hunting_per_minute: 0 }}\n",
            client.0,
            url = running.base_url
        ),
    );
    dir.write(".secret", client.1);
    dir
}

fn engine_command(dir: &Path) -> Command {
    let secret = std::fs::read_to_string(dir.join(".secret")).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_graphsoar"));
    c.args(["run", "--once"])
        .current_dir(dir)
        .env("GRAPHSOAR_CLIENT_SECRET", secret)
        .env_remove("GRAPHSOAR_CONFIG");
    c
}

async fn run_once(dir: &Path) -> Output {
    let mut c = engine_command(dir);
    tokio::task::spawn_blocking(move || c.output().unwrap()).await.unwrap()
}

/// Every item of a collection of the emulator (`security/alerts_v2`, `security/incidents`).
async fn list(running: &Running, collection: &str) -> Vec<Value> {
    let token = support::token(&running.base_url).await;
    support::list_all(&running.base_url, &token, &format!("/v1.0/{collection}")).await
}

/// One item of the emulator (`security/alerts_v2/{id}`).
async fn item(running: &Running, path: &str) -> Value {
    let token = support::token(&running.base_url).await;
    support::get(&running.base_url, &token, &format!("/v1.0/{path}")).await
}

async fn stats(running: &Running) -> Value {
    emulator_stats(&running.base_url).await
}

async fn post(running: &Running, path: &str, body: Value) {
    emulator_post(&running.base_url, path, body).await;
}

fn markers(alert: &Value) -> usize {
    alert["comments"].as_array().map_or(0, |cs| {
        cs.iter()
            .filter(|c| c["comment"].as_str().unwrap_or("").contains("[graphsoar "))
            .count()
    })
}

fn by_id(items: &[Value]) -> BTreeMap<String, Value> {
    items
        .iter()
        .map(|i| (i["id"].as_str().unwrap().to_string(), i.clone()))
        .collect()
}

fn ledger(dir: &Path, playbook: &str) -> Vec<graphsoar::state::LedgerEntry> {
    let store = Store::open_read_only(&dir.join("state.db")).unwrap();
    store
        .ledger_for(&HistoryFilter {
            playbook: Some(playbook.into()),
            ..HistoryFilter::default()
        })
        .unwrap()
}

/// The shipped playbooks do what they say on the bundled dataset: benign alerts resolved and
/// classified with one marker comment, true positives untouched, each high-severity incident
/// emailed once and tagged without losing its tags; a second run acts on nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipped_playbooks_do_what_they_say() {
    let running = emulator::spawn(EmulatorOptions::bundled().unwrap()).await.unwrap();
    let before_alerts = by_id(&list(&running, "security/alerts_v2").await);
    let before_incidents = by_id(&list(&running, "security/incidents").await);
    let dir = tenant(
        "e2e-shipped",
        &running,
        &[
            EICAR,
            "close-approved-admin-tool-alerts",
            "close-vulnerability-scanner-alerts",
            "notify-high-severity-incidents",
            "encoded-powershell",
        ],
        LOCAL_CLIENT,
    );
    let out = run_once(dir.path()).await;
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));

    let after = by_id(&list(&running, "security/alerts_v2").await);
    let closed: HashSet<String> = [EICAR, "close-approved-admin-tool-alerts"]
        .iter()
        .flat_map(|p| ledger(dir.path(), p))
        .filter(|e| e.action == ActionKind::UpdateAlert && e.state == ActionState::Done)
        .map(|e| e.item_id)
        .collect();
    assert!(closed.len() >= 5, "benign alerts were closed: {closed:?}");
    for (id, alert) in &after {
        let was = &before_alerts[id];
        if closed.contains(id) {
            assert_eq!(alert["status"], "resolved", "{id}");
            assert_eq!(alert["classification"], "informationalExpectedActivity", "{id}");
            assert_eq!(markers(alert), 1, "{id}: exactly one marker comment");
        } else {
            // True positives and everything else: untouched (the audit-mode scanner playbook too).
            for field in ["status", "classification", "determination", "assignedTo"] {
                assert_eq!(alert[field], was[field], "{id}.{field} changed");
            }
            assert_eq!(markers(alert), 0, "{id} got a comment");
        }
    }

    let notified: Vec<String> = ledger(dir.path(), "notify-high-severity-incidents")
        .into_iter()
        .filter(|e| e.action == ActionKind::Email && e.state == ActionState::Done)
        .map(|e| e.item_id)
        .collect();
    assert!(!notified.is_empty());
    let incidents = by_id(&list(&running, "security/incidents").await);
    for id in &notified {
        let tags: Vec<&str> = incidents[id]["customTags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(tags.contains(&"notified"), "{id}: {tags:?}");
        for old in before_incidents[id]["customTags"].as_array().unwrap() {
            assert!(
                tags.contains(&old.as_str().unwrap()),
                "{id} lost the analyst's tag {old}"
            );
        }
    }
    let emails: Vec<String> = std::fs::read_dir(dir.path().join("outbox"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    let incident_mails = emails
        .iter()
        .filter(|m| m.contains("X-Graphsoar-Playbook: notify-high-severity-incidents"))
        .count();
    assert_eq!(incident_mails, notified.len(), "one email per incident");
    // Message-IDs carry the state database's instance: unique across engines and state files.
    let instance = Store::open_read_only(&dir.db())
        .unwrap()
        .instance_id()
        .unwrap()
        .to_string();
    assert!(
        emails
            .iter()
            .all(|m| m.contains("Message-ID: <graphsoar.") && m.contains(&instance)),
        "{instance}"
    );

    // Running again acts once: no new writes, no new email.
    let writes_before = stats(&running).await["byRoute"].clone();
    let again = run_once(dir.path()).await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let writes_after = stats(&running).await["byRoute"].clone();
    for (route, count) in writes_before.as_object().unwrap() {
        if route.starts_with("PATCH") || route.contains("comments") || route.contains("$batch") {
            assert_eq!(&writes_after[route], count, "{route}: the second run wrote");
        }
    }
    assert_eq!(
        std::fs::read_dir(dir.path().join("outbox")).unwrap().count(),
        emails.len()
    );
}

/// The guard: an analyst takes an EICAR alert after the engine listed it as `new`; no PATCH and
/// no comment reach it, and the skip is recorded with its reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analysts_change_after_the_match_stops_the_write() {
    let running = emulator::spawn(EmulatorOptions::bundled().unwrap()).await.unwrap();
    let alerts = list(&running, "security/alerts_v2").await;
    let target = alerts
        .iter()
        .find(|a| a["title"].as_str().unwrap_or("").contains("EICAR") && a["status"] == "new")
        .and_then(|a| a["id"].as_str())
        .unwrap()
        .to_string();
    // Right after the engine's first list of alerts (its fetch), the analyst acts.
    post(
        &running,
        "/_emulator/faults",
        json!({ "clear": true, "scripted": [{ "route": "alerts", "after": 1, "alert": target, "patch": { "status": "inProgress", "assignedTo": "analyst@contoso.com" } }] }),
    )
    .await;
    let dir = tenant("e2e-guard", &running, &[EICAR], LOCAL_CLIENT);
    let out = run_once(dir.path()).await;
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    let alert = item(&running, &format!("security/alerts_v2/{target}")).await;
    assert_eq!(alert["status"], "inProgress");
    assert_eq!(alert["assignedTo"], "analyst@contoso.com");
    assert_eq!(markers(&alert), 0, "no comment reached the analyst's alert");
    let entries = ledger(dir.path(), EICAR);
    let skipped = entries
        .iter()
        .find(|e| e.item_id == target)
        .expect("the alert was planned");
    assert_eq!(skipped.state, ActionState::Skipped);
    assert!(
        skipped
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("changed since the match"),
        "{skipped:?}"
    );
    // The other EICAR alerts were closed.
    assert!(
        entries
            .iter()
            .any(|e| e.item_id != target && e.state == ActionState::Done)
    );
}

/// Updates named by a hunting row's `id:`: the engine reads each target before it records the
/// plan, so an analyst's later change stops the write as it does for a matched alert; and a
/// failed update (the alert does not exist) stops the row's later actions (here an email),
/// which belong to the row, not to the alert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hunting_updates_are_guarded_and_a_failed_one_stops_the_rows_later_actions() {
    let running = emulator::spawn(EmulatorOptions::bundled().unwrap()).await.unwrap();
    let alerts = list(&running, "security/alerts_v2").await;
    let new: Vec<String> = alerts
        .iter()
        .filter(|a| a["status"] == "new")
        .filter_map(|a| a["id"].as_str().map(str::to_string))
        .take(2)
        .collect();
    let (taken, closed, missing) = (&new[0], &new[1], "da-not-there");
    let query = "AlertInfo | where Timestamp > ago(1h) | project AlertId";
    post(
        &running,
        "/_emulator/load",
        json!({ "hunting": [{ "query": query, "schema": [{ "name": "AlertId", "type": "String" }],
                "results": [{ "AlertId": taken }, { "AlertId": closed }, { "AlertId": missing }] }] }),
    )
    .await;
    // Once the engine has read the three targets, an analyst takes one of them.
    post(
        &running,
        "/_emulator/faults",
        json!({ "clear": true, "scripted": [{ "route": "alert", "after": 3, "alert": taken,
                "patch": { "status": "inProgress", "assignedTo": "analyst@contoso.com" } }] }),
    )
    .await;
    let dir = tenant("e2e-hunt-update", &running, &[], LOCAL_CLIENT);
    dir.write(
        "playbooks/hunt-close.yaml",
        format!(
            "name: hunt-close\nschedule: '@hourly'\ntrigger: {{ hunting: {{ query: \"{query}\" }} }}\n\
             dedup: {{ key: \"row-{{{{ row.AlertId }}}}\" }}\nactions:\n\
             \x20 - update_alert: {{ id: \"{{{{ row.AlertId }}}}\", status: resolved, classification: falsePositive, determination: other, comment: closed }}\n\
             \x20 - email: {{ to: [soc@contoso.com], subject: \"closed {{{{ row.AlertId }}}}\", body: x }}\n"
        ),
    );
    let out = run_once(dir.path()).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "the missing alert fails the run\n{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let state = |row: &str| -> Vec<(ActionKind, ActionState, String)> {
        let mut entries: Vec<_> = ledger(dir.path(), "hunt-close")
            .into_iter()
            .filter(|e| e.item_id == format!("row-{row}"))
            .map(|e| (e.action, e.state, e.reason.or(e.error).unwrap_or_default()))
            .collect();
        entries.sort_by_key(|e| e.0.as_str());
        entries
    };
    let taken_state = state(taken);
    assert_eq!(
        taken_state.iter().map(|e| e.1).collect::<Vec<_>>(),
        [ActionState::Skipped, ActionState::Skipped],
        "{taken_state:?}"
    );
    assert!(taken_state[1].2.contains("changed since the match"), "{taken_state:?}");
    let missing_state = state(missing);
    assert_eq!(
        missing_state.iter().map(|e| e.1).collect::<Vec<_>>(),
        [ActionState::Abandoned, ActionState::Failed],
        "email abandoned, update failed: {missing_state:?}"
    );
    let closed_state = state(closed);
    assert!(
        closed_state.iter().all(|e| e.1 == ActionState::Done),
        "{closed_state:?}"
    );
    let analysts = item(&running, &format!("security/alerts_v2/{taken}")).await;
    assert_eq!(
        (analysts["status"].as_str(), markers(&analysts)),
        (Some("inProgress"), 0)
    );
    let ours = item(&running, &format!("security/alerts_v2/{closed}")).await;
    assert_eq!((ours["status"].as_str(), markers(&ours)), (Some("resolved"), 1));
    let emails: Vec<String> = std::fs::read_dir(dir.path().join("outbox"))
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect();
    assert_eq!(emails.len(), 1, "only the closed alert's row is emailed");
    assert!(emails[0].contains(&format!("closed {closed}")));
    // `history --item` finds the alert an update targeted, not only the row.
    let store = Store::open_read_only(&dir.db()).unwrap();
    let by_alert = store
        .ledger_for(&HistoryFilter {
            item: Some(closed.clone()),
            ..HistoryFilter::default()
        })
        .unwrap();
    assert_eq!(by_alert.len(), 1, "{by_alert:?}");
}

/// Crash: the engine is killed (SIGKILL) once writes reached Graph while ledger entries are
/// still pending (the comment batch is slow), then restarted: every benign alert ends with
/// exactly one PATCH effect and one marker comment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_engine_resumes_without_losing_or_repeating() {
    let running = emulator::spawn(EmulatorOptions::bundled().unwrap()).await.unwrap();
    post(
        &running,
        "/_emulator/faults",
        json!({ "clear": true, "spec": "batch=latency:1500" }),
    )
    .await;
    let dir = tenant("e2e-crash", &running, &[EICAR], LOCAL_CLIENT);
    let mut child = engine_command(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        let s = stats(&running).await;
        let batches = s["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["route"].as_str().unwrap_or("").contains("$batch") && r["method"] == "POST")
            .map(|r| r["count"].as_u64().unwrap())
            .sum::<u64>();
        if batches >= 1 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "the engine never wrote");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let pending: Vec<_> = ledger(dir.path(), EICAR)
        .into_iter()
        .filter(|e| e.state == ActionState::Pending)
        .collect();
    assert!(!pending.is_empty(), "killed while actions were pending");
    let patched_before_restart: HashSet<String> = list(&running, "security/alerts_v2")
        .await
        .iter()
        .filter(|a| a["status"] == "resolved" && a["title"].as_str().unwrap_or("").contains("EICAR"))
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();

    post(&running, "/_emulator/faults", json!({ "clear": true })).await;
    let out = run_once(dir.path()).await;
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    let entries = ledger(dir.path(), EICAR);
    assert!(entries.iter().all(|e| e.state == ActionState::Done), "{entries:?}");
    let after = by_id(&list(&running, "security/alerts_v2").await);
    for e in &entries {
        let alert = &after[&e.item_id];
        assert_eq!(alert["status"], "resolved", "{}", e.item_id);
        assert_eq!(markers(alert), 1, "{}: exactly one marker comment", e.item_id);
    }
    assert!(!patched_before_restart.is_empty() || !entries.is_empty());
}

/// 30% 429 (Retry-After 0 and none), 5% 5xx on every route, dropped connections, and answers
/// cut halfway after the request was carried out (lists, PATCHes, `$batch`, comments) lose and
/// repeat nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_lose_and_repeat_nothing() {
    let mut config = EmulatorOptions::bundled().unwrap();
    // The first run: every `$batch` (PATCHes, comments) is carried out but its answer cut off.
    config.faults = "batch=cut:1".parse().unwrap();
    config.seed = 11;
    let running = emulator::spawn(config).await.unwrap();
    let dir = tenant(
        "e2e-faults",
        &running,
        &[EICAR, "notify-high-severity-incidents"],
        LOCAL_CLIENT,
    );
    run_once(dir.path()).await;
    let stats = crate::support::emulator_stats(&running.base_url).await;
    assert!(
        stats["byStatus"]["cut"].as_u64().unwrap_or(0) > 0,
        "answers were cut: {stats}"
    );
    post(
        &running,
        "/_emulator/faults",
        json!({ "clear": true, "spec": "alerts=429@0:0.3,500:0.05,cut:0.1;alert=429@0:0.3,503:0.05,cut:0.1;incidents=429n:0.3,504:0.05,drop:0.05;incident=429@0:0.3,500:0.05;batch=429@0:0.3,503:0.05,cut:0.15;comments=429@0:0.3,500:0.05,cut:0.15" }),
    )
    .await;
    // Failed actions stay pending and are retried by the next runs, from the ledger (a cut
    // `$batch` with comments is not repeated within a run: it may have been carried out).
    for _ in 0..8 {
        run_once(dir.path()).await;
        let pending = [EICAR, "notify-high-severity-incidents"]
            .iter()
            .flat_map(|p| ledger(dir.path(), p))
            .filter(|e| e.state == ActionState::Pending)
            .count();
        if pending == 0 {
            break;
        }
    }
    post(&running, "/_emulator/faults", json!({ "clear": true })).await;
    let entries = ledger(dir.path(), EICAR);
    assert!(!entries.is_empty());
    let after = by_id(&list(&running, "security/alerts_v2").await);
    for e in &entries {
        assert_eq!(e.state, ActionState::Done, "{e:?}");
        assert_eq!(after[&e.item_id]["status"], "resolved");
        assert_eq!(
            markers(&after[&e.item_id]),
            1,
            "{}: one comment, not zero or two",
            e.item_id
        );
    }
    let mails = std::fs::read_dir(dir.path().join("outbox")).unwrap().count();
    let notified = ledger(dir.path(), "notify-high-severity-incidents")
        .into_iter()
        .filter(|e| e.action == ActionKind::Email && e.state == ActionState::Done)
        .count();
    assert_eq!(mails, notified, "each incident emailed once");
}

/// A playbook whose query fails does not stop the others; a read-only client gets a clear
/// permission error in the run summary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_isolated_and_permission_errors_are_clear() {
    let running = emulator::spawn(EmulatorOptions::bundled().unwrap()).await.unwrap();
    let dir = tenant(
        "e2e-isolation",
        &running,
        &[EICAR, "notify-high-severity-incidents"],
        LOCAL_CLIENT,
    );
    dir.write(
        "playbooks/broken-hunt.yaml",
        "name: broken-hunt\nschedule: '@hourly'\ntrigger:\n  hunting:\n    query: DeviceEvents | where Timestamp > ago(1h) | extend Filtered = series_fir(dynamic([1, 2]), dynamic([1]))\ndedup: { key: '{{ row.ReportId }}' }\nactions: [ { log: { message: x } } ]\n",
    );
    let settings = std::fs::read_to_string(dir.path().join("graphsoar.yaml")).unwrap();
    dir.write(
        "graphsoar.yaml",
        format!("{settings}on_failure: {{ after_runs: 1, email: [soc-tooling@example.com] }}\n"),
    );
    let out = run_once(dir.path()).await;
    assert_eq!(out.status.code(), Some(2), "a failed run makes --once exit 2");
    let log = stderr(&out);
    assert!(
        log.contains("Playbook keeps failing.") && log.contains("broken-hunt"),
        "on_failure is logged at error: {log}"
    );
    let text = stdout(&out);
    assert!(text.contains("error: broken-hunt:"), "{text}");
    let eicar: Vec<&str> = text
        .lines()
        .find(|l| l.starts_with(EICAR))
        .unwrap()
        .split_whitespace()
        .collect();
    assert!(eicar[3].parse::<u32>().unwrap() > 0, "the other playbooks ran: {text}");

    // A fresh tenant (the first run closed its EICAR alerts), with the read-only client.
    let running = emulator::spawn(EmulatorOptions::bundled().unwrap()).await.unwrap();
    let reader = tenant("e2e-reader", &running, &[EICAR], ("graphsoar-reader", "reader-secret"));
    let out = run_once(reader.path()).await;
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out);
    assert!(
        text.contains("error: close-eicar-test-alerts:")
            && text.contains("HTTP 403")
            && text.contains("SecurityAlert.ReadWrite.All"),
        "{text}"
    );
}

/// `on_failure`: after `after_runs` failed runs in a row, people are told once per hour per
/// failing playbook, on the injectable clock (one clock hour per real second here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_failure_tells_people_once_an_hour() {
    use graphsoar::clock::Clock;
    use graphsoar::engine::runner::Engine;
    use graphsoar::graph::{Client, ClientOptions, Credentials};
    use std::sync::Arc;

    let running = emulator::spawn(EmulatorOptions::bundled().unwrap()).await.unwrap();
    let dir = TempDir::new("on-failure");
    let text = format!(
        "tenant_id: local\nclient_id: graphsoar-local\ngraph_url: {url}\nlogin_url: {url}\nstate: state.db\noutbox: outbox\nlimits: {{ writes_per_minute: 0, hunting_per_minute: 0 }}\non_failure: {{ after_runs: 2, email: [soc-tooling@example.com] }}\n",
        url = running.base_url
    );
    let (settings, _) = graphsoar::config::Settings::parse_str(&text, &dir.path().join("graphsoar.yaml")).unwrap();
    let broken = "name: broken-hunt\nschedule: '@hourly'\ntrigger:\n  hunting:\n    query: DeviceEvents | where Timestamp > ago(1h) | extend Filtered = series_fir(dynamic([1, 2]), dynamic([1]))\ndedup: { key: '{{ row.ReportId }}' }\nactions: [ { log: { message: x } } ]\n";
    let playbook = Arc::new(
        graphsoar::playbook::parse_str(broken, &dir.path().join("b.yaml"), dir.path(), &settings)
            .playbook
            .unwrap(),
    );
    let clock = Clock::scaled(3600.0);
    let url = url::Url::parse(&running.base_url).unwrap();
    let mut cfg = ClientOptions::new(
        url.clone(),
        url,
        "local",
        "graphsoar-local",
        Credentials::Secret("local-secret".into()),
    );
    cfg.writes_per_minute = 0;
    cfg.hunting_per_minute = 0;
    let store = Arc::new(Store::open(&settings.state, "local").unwrap());
    let engine = Engine {
        mailer: graphsoar::action::email::Mailer::from_settings(&settings).unwrap(),
        defender: graphsoar::graph::defender::Defender::new(cfg.clone(), clock.clone()).unwrap(),
        client: Client::new(cfg, clock.clone()).unwrap(),
        store: Some(store),
        clock: clock.clone(),
        dry_run: false,
        settings,
    };
    let notices = || -> Vec<String> {
        std::fs::read_dir(dir.path().join("outbox"))
            .map(|d| {
                d.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                    .filter(|m| m.contains("keeps failing"))
                    .collect()
            })
            .unwrap_or_default()
    };
    engine.run_playbook(playbook.clone()).await;
    assert!(notices().is_empty(), "one failure is below after_runs");
    engine.run_playbook(playbook.clone()).await;
    let first = notices();
    assert_eq!(first.len(), 1, "told after the second failure");
    assert!(
        first[0].contains("To: soc-tooling@example.com")
            && first[0].contains("broken-hunt")
            && first[0].contains("501"),
        "{}",
        first[0]
    );
    engine.run_playbook(playbook.clone()).await;
    engine.run_playbook(playbook.clone()).await;
    assert_eq!(notices().len(), 1, "not again within the hour");
    clock.sleep(Duration::from_secs(3700)).await;
    engine.run_playbook(playbook.clone()).await;
    assert_eq!(notices().len(), 2, "once more an hour later");
}

/// When `$expand=alerts` keeps failing with 5xx, the run lists incidents without it, fetches
/// their alerts by incidentId, logs the fallback, and still acts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_expand_falls_back_to_alerts_by_incident() {
    let mut config = EmulatorOptions::bundled().unwrap();
    config.faults = "expand=500:1".parse().unwrap();
    let running = emulator::spawn(config).await.unwrap();
    let dir = tenant(
        "e2e-expand",
        &running,
        &["notify-high-severity-incidents"],
        LOCAL_CLIENT,
    );
    let out = run_once(dir.path()).await;
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    assert!(
        stderr(&out).contains("$expand=alerts keeps failing"),
        "{}",
        stderr(&out)
    );
    let mails: Vec<String> = std::fs::read_dir(dir.path().join("outbox"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(!mails.is_empty(), "incidents were still notified");
    let done = ledger(dir.path(), "notify-high-severity-incidents")
        .into_iter()
        .filter(|e| e.state == ActionState::Done)
        .count();
    assert!(done >= 2);
}

/// A first run whose filter matches nothing still records where its window began, so the next
/// runs continue from there (not `since` back from their own time, which leaves gaps for a
/// playbook that runs less often than `since`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_first_run_keeps_its_window_start() {
    let running = emulator::spawn(EmulatorOptions::bundled().unwrap()).await.unwrap();
    let dir = tenant("e2e-quiet", &running, &[], LOCAL_CLIENT);
    let text = "name: quiet\nschedule: '0 8 * * *'\ntrigger: { alerts: { filter: \"severity eq 'unknown'\", since: 1h } }\nactions: [ { log: { message: x } } ]\n";
    dir.write("playbooks/quiet.yaml", text);
    let before = chrono::Utc::now();
    let out = run_once(dir.path()).await;
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    let settings = graphsoar::config::Settings::embedded();
    let playbook = graphsoar::playbook::parse_str(text, Path::new("quiet.yaml"), Path::new("."), &settings)
        .playbook
        .unwrap();
    let store = Store::open_read_only(&dir.db()).unwrap();
    let cursor = store
        .cursor("quiet", &graphsoar::engine::runner::trigger_hash(&playbook))
        .unwrap()
        .expect("a cursor after an empty run")
        .position;
    let hour = chrono::TimeDelta::hours(1);
    assert!(
        cursor >= before - hour - chrono::TimeDelta::minutes(1) && cursor <= chrono::Utc::now() - hour,
        "{cursor} is where the window began"
    );
}

/// Actions resumed at start that fail are reported in the `--once` summary and fail the run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumed_actions_that_fail_are_reported() {
    let mut config = EmulatorOptions::bundled().unwrap();
    // Every `$batch` answer is cut off: the writes stay pending, their outcome unknown.
    config.faults = "batch=cut:1".parse().unwrap();
    let running = emulator::spawn(config).await.unwrap();
    let dir = tenant("e2e-resume-fail", &running, &[EICAR], LOCAL_CLIENT);
    let settings = std::fs::read_to_string(dir.path().join("graphsoar.yaml")).unwrap();
    dir.write(
        "graphsoar.yaml",
        settings.replace("limits: {", "limits: { max_attempts: 2,"),
    );
    let first = run_once(dir.path()).await;
    assert_eq!(first.status.code(), Some(2), "{}", stdout(&first));
    assert!(
        ledger(dir.path(), EICAR)
            .iter()
            .any(|e| e.state == ActionState::Pending)
    );
    // The next start resumes them first; they fail for good now, and the summary says so.
    let second = run_once(dir.path()).await;
    assert_eq!(second.status.code(), Some(2), "{}", stdout(&second));
    assert!(
        stdout(&second).contains(&format!("error: {EICAR}: resumed action failed")),
        "{}",
        stdout(&second)
    );
}
