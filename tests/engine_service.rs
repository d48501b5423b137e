//! The engine's state across versions: a state file written by version 1 of the state schema
//! (before the typed ledger; `tests/state_v1/make.sh` made it) opens with the current code,
//! reads back as typed parameters, and its pending actions resume and complete.

use std::process::Command;

use graphsoar::action::webhook::Target;
use graphsoar::action::{ActionKind, Params};
use graphsoar::emulator::{self, EmulatorConfig};
use graphsoar::graph::models::enums::{AlertClassification, AlertStatus, IncidentStatus};
use graphsoar::playbook::TagChange;
use graphsoar::state::{ActionState, HistoryFilter, ItemKind, LedgerEntry, Store};

use crate::support::{TempDir, copy_dir, root, stderr, stdout};

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
    let state = dir.path().join("state.db");
    std::fs::copy(fixture.join("state.db"), &state).unwrap();

    let before = {
        let store = Store::open(&state, "local").unwrap();
        entries(&store)
    };
    let version: u32 = rusqlite::Connection::open(&state)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2, "the state schema is migrated to version 2");
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
    let running = emulator::spawn(EmulatorConfig::bundled().unwrap()).await.unwrap();
    dir.write(
        "graphsoar.yaml",
        format!(
            "tenant_id: local\nclient_id: graphsoar-local\ngraph_url: {url}\nlogin_url: {url}\nstate: state.db\noutbox: outbox\nplaybooks: playbooks\nlimits: {{ writes_per_minute: 0, hunting_per_minute: 0, max_attempts: 2 }}\n",
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
