//! The engine's state across versions: a state file written by version 1 of the state schema
//! (before the typed ledger; `tests/state_v1/make.sh` made it) opens with the current code,
//! reads back as typed parameters, and its pending actions resume and complete. And the engine
//! service in process: every playbook once, and the schedules until told to stop.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use graphsoar::action::email::Mailer;
use graphsoar::action::webhook::Target;
use graphsoar::action::{ActionKind, Params};
use graphsoar::clock::Clock;
use graphsoar::config::Settings;
use graphsoar::emulator::{self, EmulatorOptions};
use graphsoar::engine::health::Health;
use graphsoar::engine::reload::PlaybookSet;
use graphsoar::engine::runner::Engine;
use graphsoar::engine::service::Service;
use graphsoar::graph::models::enums::{AlertClassification, AlertStatus, IncidentStatus};
use graphsoar::playbook::TagChange;
use graphsoar::state::{ActionState, HistoryFilter, ItemKind, LedgerEntry, Store};

use crate::support::{TempDir, copy_dir, local_client, local_defender, root, stderr, stdout};

fn entries(store: &Store) -> Vec<LedgerEntry> {
    let mut all = store.ledger_for(&HistoryFilter::default()).unwrap();
    all.sort_by_key(|e| e.id);
    all
}

fn entry(all: &[LedgerEntry], id: i64) -> &LedgerEntry {
    all.iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("ledger entry {id}"))
}

/// Version 1 wrote `params` as one untyped object per action (the guard's `matched` keys in
/// Graph's camelCase): the migration keeps every row, and each reads back as its kind's struct.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_1_state_migrates_and_its_pending_actions_resume() {
    let fixture = root().join("tests/state_v1");
    let dir = TempDir::new("state-v1");
    copy_dir(&fixture.join("playbooks"), &dir.path().join("playbooks"));
    let state = dir.db();
    std::fs::copy(fixture.join("state.db"), &state).unwrap();

    let before = {
        let store = Store::open(&state, "local").unwrap();
        entries(&store)
    };
    let version: u32 = rusqlite::Connection::open(&state)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 3, "the state schema is migrated to the current version");
    assert_eq!(before.len(), 101, "every version-1 row is kept");
    for e in &before {
        assert_eq!(e.params.kind(), e.action, "entry {} reads back as its own kind", e.id);
    }
    let count =
        |kind: ActionKind, state: ActionState| before.iter().filter(|e| e.action == kind && e.state == state).count();
    assert_eq!(count(ActionKind::Email, ActionState::Pending), 10);
    assert_eq!(count(ActionKind::Log, ActionState::Done), 12);
    assert_eq!(count(ActionKind::UpdateAlert, ActionState::Pending), 10);
    assert_eq!(count(ActionKind::UpdateAlert, ActionState::Skipped), 5);
    assert_eq!(count(ActionKind::UpdateIncident, ActionState::Pending), 6);
    assert_eq!(count(ActionKind::Webhook, ActionState::Pending), 29);

    let eicar = entry(&before, 2);
    assert_eq!(eicar.item_kind, ItemKind::Alert);
    let Params::UpdateAlert(update) = &eicar.params else {
        panic!("entry 2 is an alert update: {:?}", eicar.params)
    };
    assert_eq!(update.target, eicar.item_id);
    assert_eq!(update.status, Some(AlertStatus::Resolved));
    assert_eq!(
        update.classification,
        Some(AlertClassification::InformationalExpectedActivity)
    );
    assert!(update.comment.as_deref().is_some_and(|c| !c.is_empty()), "{update:?}");

    let tagged = entry(&before, 9);
    let Params::UpdateIncident(update) = &tagged.params else {
        panic!("entry 9 is an incident update: {:?}", tagged.params)
    };
    assert_eq!(
        update.tags,
        Some(TagChange::Edit {
            add: vec!["notified".into()],
            remove: vec![]
        })
    );
    let matched = update.matched.as_ref().expect("the matched state is kept");
    assert_eq!(matched.status, Some(IncidentStatus::Active));
    assert!(
        matched.last_update_date_time.is_some(),
        "camelCase `lastUpdateDateTime` is read as the snake_case field: {matched:?}"
    );

    let digest = entry(&before, 1);
    assert_eq!(digest.item_kind, ItemKind::Digest);
    let Params::Email(email) = &digest.params else {
        panic!("entry 1 is an email: {:?}", digest.params)
    };
    assert_eq!(email.to, ["soc@contoso.com"]);

    let hook = entry(&before, 44);
    let Params::Webhook(webhook) = &hook.params else {
        panic!("entry 44 is a webhook: {:?}", hook.params)
    };
    assert_eq!(webhook.target, Target::Url("http://127.0.0.1:1/hook".into()));
    assert_eq!(webhook.method, "POST");
    assert!(webhook.headers.contains_key("X-Team"));

    // The same playbooks (so the same hashes) against a tenant that answers: what version 1 left
    // pending completes, from the frozen parameters.
    let running = emulator::spawn(EmulatorOptions::bundled().unwrap()).await.unwrap();
    dir.write(
        "graphsoar.yaml",
        format!(
            "tenant_id: local\nclient_id: graphsoar-local\ngraph_url: {url}\nlogin_url: {url}\nstate: state.db\noutbox: outbox\nplaybooks: playbooks\nlimits: {{ writes_per_minute: 0, hunting_per_minute: 0, max_attempts: 2, request_attempts: 2 }}\n",
            url = running.base_url
        ),
    );
    let mut run = Command::new(env!("CARGO_BIN_EXE_graphsoar"));
    run.args(["run", "--once"])
        .current_dir(dir.path())
        .env("GRAPHSOAR_CLIENT_SECRET", "local-secret")
        .env("GRAPHSOAR_TEAMS_WEBHOOK", "http://127.0.0.1:1/teams")
        .env_remove("GRAPHSOAR_CONFIG");
    let out = tokio::task::spawn_blocking(move || run.output().unwrap())
        .await
        .unwrap();
    let after = entries(&Store::open_read_only(&state).unwrap());
    let log = format!("{}\n{}", stdout(&out), stderr(&out));
    for old in &before {
        let now = entry(&after, old.id);
        assert_eq!(now.params, old.params, "entry {} keeps its frozen parameters", old.id);
        let want = match (old.action, old.state) {
            (_, ActionState::Done | ActionState::Skipped) => old.state,
            (ActionKind::UpdateAlert | ActionKind::UpdateIncident | ActionKind::Email, _) => ActionState::Done,
            (ActionKind::Webhook, _) => {
                assert_ne!(
                    now.state,
                    ActionState::Done,
                    "entry {}: port 1 takes no webhook",
                    old.id
                );
                continue;
            }
            _ => continue,
        };
        assert_eq!(
            now.state, want,
            "entry {} ({}): {:?}\n{log}",
            old.id, old.action, now.error
        );
    }
    let emails = std::fs::read_dir(dir.path().join("outbox")).map_or(0, |d| d.count());
    assert!(emails >= 10, "the ten pending emails are written: {emails}\n{log}");
    running.shutdown().await.unwrap();
}

/// A service over the bundled tenant, in process: the shipped auto-close playbooks, state and
/// outbox in `dir`, time running `scale` times faster.
async fn service(dir: &TempDir, running: &emulator::Running, scale: f64) -> Service {
    let shipped = root().join("playbooks");
    for name in ["close-eicar-test-alerts", "close-approved-admin-tool-alerts"] {
        dir.write(
            &format!("playbooks/{name}.yaml"),
            std::fs::read(shipped.join(format!("{name}.yaml"))).unwrap(),
        );
    }
    service_over(dir, running, scale).await
}

/// A service over the playbooks in `dir/playbooks`, state and outbox in `dir`, time running
/// `scale` times faster.
pub async fn service_over(dir: &TempDir, running: &emulator::Running, scale: f64) -> Service {
    let mut settings = Settings::embedded();
    settings.playbooks = dir.path().join("playbooks");
    settings.state = dir.db();
    settings.outbox = dir.path().join("outbox");
    let (set, diagnostics) = PlaybookSet::load(&settings.playbooks, &settings);
    assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:?}");
    let clock = Clock::scaled(scale);
    let engine = Engine {
        mailer: Mailer::from_settings(&settings).unwrap(),
        store: Some(Arc::new(Store::open(&settings.state, &running.tenant_id).unwrap())),
        client: local_client(running, &settings, clock.clone()),
        defender: local_defender(running, &settings, clock.clone()),
        settings,
        clock,
        dry_run: false,
    };
    Service {
        engine: Arc::new(engine),
        set,
    }
}

/// `run_all_once` runs each playbook once, in order; a second pass acts on nothing; `resume`
/// finds nothing pending after a clean pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_runs_every_playbook_once_and_resumes_nothing_after_a_clean_pass() {
    let running = emulator::spawn(EmulatorOptions::bundled().unwrap()).await.unwrap();
    let dir = TempDir::new("service-once");
    let service = service(&dir, &running, 1.0).await;
    assert!(
        service.resume().await.unwrap().is_empty(),
        "a new state has nothing to resume"
    );
    let first = service.run_all_once().await;
    let names: Vec<&str> = first.iter().map(|r| r.playbook.as_str()).collect();
    let loaded: Vec<&str> = service.set.playbooks.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, loaded, "one report per playbook, in playbook order");
    for r in &first {
        assert!(!r.is_failure(), "{r:?}");
        assert!(
            r.done > 0 && r.failed == 0,
            "{}: {} done, {} failed",
            r.playbook,
            r.done,
            r.failed
        );
    }
    let second = service.run_all_once().await;
    assert!(second.iter().all(|r| r.done == 0 && r.planned == 0), "{second:?}");
    assert!(service.resume().await.unwrap().is_empty());
    running.shutdown().await.unwrap();
}

/// `serve_until` runs the schedules (on a clock 600 times faster, a `*/5` playbook fires about
/// twice a second) and counts every run in the health counters until told to stop; then it is
/// no longer ready and returns; what it did is in the ledger once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_serves_its_schedules_until_told_to_stop() {
    let running = emulator::spawn(EmulatorOptions::bundled().unwrap()).await.unwrap();
    let dir = TempDir::new("service-serve");
    let service = service(&dir, &running, 600.0).await;
    let health = Health::new(service.set.playbooks.len());
    let runs = |health: &Health| -> u64 {
        health
            .metrics()
            .lines()
            .filter(|l| l.starts_with("graphsoar_runs_total{") && l.contains("close-eicar-test-alerts"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum()
    };
    let watched = health.clone();
    let stop = async move {
        let deadline = Instant::now() + Duration::from_secs(60);
        while runs(&watched) < 3 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let served = tokio::time::timeout(
        Duration::from_secs(90),
        service.serve_until(stop, std::future::pending(), Duration::from_secs(600), &health, None),
    )
    .await;
    assert!(served.is_ok(), "serve_until returns once told to stop");
    assert!(runs(&health) >= 3, "{}", health.metrics());
    assert!(health.metrics().contains("graphsoar_ready 0"), "{}", health.metrics());
    let store = service.engine.store.as_ref().unwrap();
    let done = store.ledger_for(&HistoryFilter::default()).unwrap();
    let mut keys: Vec<(String, String)> = done.iter().map(|e| (e.playbook.clone(), e.item_id.clone())).collect();
    let all = keys.len();
    keys.sort();
    keys.dedup();
    assert!(all > 0, "the first run acted");
    assert_eq!(keys.len(), all, "each item acted on once across all the runs");
    assert!(done.iter().all(|e| e.state == ActionState::Done), "{done:?}");
    running.shutdown().await.unwrap();
}
