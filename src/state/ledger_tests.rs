use std::collections::HashSet;
use std::sync::Arc;

use super::super::test_support::*;
use super::super::{RunMode, Store};
use super::*;

fn alert_entry(item: &str, action_index: u32) -> NewEntry {
    NewEntry {
        item_id: item.into(),
        item_kind: ItemKind::Alert,
        action_index,
        params: update_params(item),
    }
}

/// Nothing of a failed plan may be visible: no entry, no key, no cursor.
fn assert_nothing_written(store: &Store, run: RunId) {
    assert!(
        store.entries_of_run(run).unwrap().is_empty(),
        "ledger entries were written"
    );
    assert!(
        store
            .seen_keys("p", &["a1".into(), "a2".into()], at(10, 0))
            .unwrap()
            .is_empty(),
        "keys were written"
    );
    assert_eq!(store.cursor("p", "th").unwrap(), None, "the cursor moved");
}

#[test]
fn commit_plan_writes_entries_keys_and_cursor_together() {
    let (_dir, store) = store();
    let run = store.start_run("p", "ph", at(10, 0), RunMode::Live).unwrap();
    let mut plan = PlanCommit::new(run, "p", "ph", at(10, 0));
    plan.entries = vec![alert_entry("a1", 0), alert_entry("a1", 1), alert_entry("a2", 0)];
    plan.dedup_keys = vec![DedupKey::new("a1", None), DedupKey::new("a2", None)];
    plan.cursor = Some(CursorAdvance {
        trigger_hash: "th".into(),
        position: at(9, 59),
    });
    let ids = store.commit_plan(plan).unwrap();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 3);
    let entries = store.entries_of_run(run).unwrap();
    assert_eq!(entries.iter().map(|e| e.id).collect::<Vec<_>>(), ids);
    let first = &entries[0];
    assert_eq!(
        (first.state, first.attempts, first.action_index),
        (ActionState::Pending, 0, 0)
    );
    assert_eq!(first.params.to_json()["comment"], "Closed by graphsoar.");
    assert_eq!(
        (first.created, first.item_kind, first.run_id),
        (at(10, 0), ItemKind::Alert, run)
    );
    assert_eq!(store.entry(ids[2]).unwrap().item_id, "a2");
    assert_eq!(
        store
            .seen_keys("p", &["a1".into(), "a2".into()], at(10, 0))
            .unwrap()
            .len(),
        2
    );
    assert_eq!(store.cursor("p", "th").unwrap().unwrap().position, at(9, 59));
}

/// `mode: audit`: the plan is recorded as skipped in its own transaction, so nothing of it is
/// ever pending, resumed or executed.
#[test]
fn an_audit_plan_is_never_pending() {
    let (_dir, store) = store();
    let run = store.start_run("p", "ph", at(10, 0), RunMode::Audit).unwrap();
    let mut plan = PlanCommit::new(run, "p", "ph", at(10, 0));
    plan.entries = vec![alert_entry("a1", 0), alert_entry("a1", 1)];
    plan.skip_all = Some("audit mode: planned, not executed".into());
    store.commit_plan(plan).unwrap();
    let entries = store.entries_of_run(run).unwrap();
    assert!(
        entries.iter().all(
            |e| e.state == ActionState::Skipped && e.reason.as_deref() == Some("audit mode: planned, not executed")
        ),
        "{entries:?}"
    );
    assert!(store.pending_entries().unwrap().is_empty());
}

#[test]
fn commit_plan_failing_midway_writes_nothing() {
    let (_dir, store) = store();
    let run = store.start_run("p", "ph", at(10, 0), RunMode::Live).unwrap();
    let mut plan = PlanCommit::new(run, "p", "ph", at(10, 0));
    // The third entry repeats the first: the UNIQUE constraint fails after two inserts.
    plan.entries = vec![alert_entry("a1", 0), alert_entry("a2", 0), alert_entry("a1", 0)];
    plan.dedup_keys = vec![DedupKey::new("a1", None), DedupKey::new("a2", None)];
    plan.cursor = Some(CursorAdvance {
        trigger_hash: "th".into(),
        position: at(9, 59),
    });
    let err = store.commit_plan(plan).unwrap_err();
    assert!(err.to_string().contains("committing the plan of run"), "{err}");
    assert_nothing_written(&store, run);
}

#[test]
fn commit_plan_failing_at_the_cursor_step_writes_nothing() {
    let (_dir, store) = store();
    let run = store.start_run("p", "ph", at(10, 0), RunMode::Live).unwrap();
    // A real failure at the very last write of the transaction.
    store
        .conn()
        .execute_batch(
            "CREATE TEMP TRIGGER fail_cursor BEFORE INSERT ON main.cursors
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .unwrap();
    let mut plan = PlanCommit::new(run, "p", "ph", at(10, 0));
    plan.entries = vec![alert_entry("a1", 0), alert_entry("a2", 0)];
    plan.dedup_keys = vec![DedupKey::new("a1", None), DedupKey::new("a2", None)];
    plan.cursor = Some(CursorAdvance {
        trigger_hash: "th".into(),
        position: at(9, 59),
    });
    let err = store.commit_plan(plan.clone()).unwrap_err();
    assert!(err.to_string().contains("injected failure"), "{err}");
    assert_nothing_written(&store, run);
    // And the store still works after the rollback.
    store.conn().execute_batch("DROP TRIGGER temp.fail_cursor").unwrap();
    assert_eq!(store.commit_plan(plan).unwrap().len(), 2);
}

#[test]
fn commit_plan_for_an_unknown_run_is_refused() {
    let (_dir, store) = store();
    let mut plan = PlanCommit::new(RunId(999), "p", "ph", at(10, 0));
    plan.entries = vec![alert_entry("a1", 0)];
    plan.dedup_keys = vec![DedupKey::new("a1", None)];
    assert!(store.commit_plan(plan).is_err());
    assert!(store.seen_keys("p", &["a1".into()], at(10, 0)).unwrap().is_empty());
}

#[test]
fn cursor_only_commit_works() {
    let (_dir, store) = store();
    let run = store.start_run("p", "ph", at(10, 0), RunMode::Live).unwrap();
    let mut plan = PlanCommit::new(run, "p", "ph", at(10, 0));
    plan.cursor = Some(CursorAdvance {
        trigger_hash: "th".into(),
        position: at(9, 55),
    });
    assert!(store.commit_plan(plan).unwrap().is_empty());
    assert_eq!(store.cursor("p", "th").unwrap().unwrap().position, at(9, 55));
}

#[test]
fn ledger_ids_are_never_reused() {
    let (_dir, store) = store();
    let (_, first) = plan(&store, "p", &["a1"], 1, at(1, 0));
    store.mark_done(first[0], at(1, 1)).unwrap();
    store
        .finish_run(
            store.recent_runs(&HistoryFilter::default()).unwrap()[0].id,
            &ok_outcome(at(1, 2)),
        )
        .unwrap();
    assert_eq!(store.prune_history(at(2, 0)).unwrap().entries, 1);
    let (_, second) = plan(&store, "p", &["a2"], 1, at(3, 0));
    assert!(second[0] > first[0], "{second:?} reuses {first:?}");
}

fn ok_outcome(finished: DateTime<Utc>) -> crate::state::RunOutcome {
    crate::state::RunOutcome {
        status: crate::state::RunStatus::Ok,
        fetched: 1,
        matched: 1,
        planned: 1,
        done: 1,
        skipped: 0,
        failed: 0,
        error: None,
        finished,
    }
}

#[test]
fn ledger_history_filters_by_playbook_item_and_time() {
    let (_dir, store) = store();
    plan(&store, "a", &["x1", "x2"], 2, at(10, 0));
    plan(&store, "b", &["x1"], 1, at(11, 0));
    plan(&store, "a", &["x3"], 1, at(12, 0));
    let all = store.ledger_for(&HistoryFilter::default()).unwrap();
    assert_eq!(all.len(), 6);
    assert!(all.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let f = |playbook: Option<&str>, item: Option<&str>, since, limit| HistoryFilter {
        playbook: playbook.map(String::from),
        item: item.map(String::from),
        since,
        limit,
    };
    assert_eq!(store.ledger_for(&f(Some("a"), None, None, None)).unwrap().len(), 5);
    assert_eq!(store.ledger_for(&f(None, Some("x1"), None, None)).unwrap().len(), 3);
    assert_eq!(
        store.ledger_for(&f(Some("a"), Some("x1"), None, None)).unwrap().len(),
        2
    );
    assert_eq!(
        store.ledger_for(&f(None, None, Some(at(11, 0)), None)).unwrap().len(),
        2
    );
    let limited = store.ledger_for(&f(None, None, None, Some(1))).unwrap();
    assert_eq!(limited[0].item_id, "x3");
}

#[test]
fn entries_serialize_for_history_json() {
    let (_dir, store) = store();
    let (_, ids) = plan(&store, "p", &["a1"], 1, at(10, 0));
    let value = serde_json::to_value(store.entry(ids[0]).unwrap()).unwrap();
    assert_eq!(value["state"], "pending");
    assert_eq!(value["item_kind"], "alert");
    assert_eq!(value["params"]["status"], "resolved");
    assert!(matches!(
        store.entry(12345),
        Err(StateError::UnknownEntry { id: 12345 })
    ));
}

#[test]
fn every_state_and_kind_name_passes_the_schema_checks() {
    let (_dir, store) = store();
    let (_, ids) = plan(&store, "p", &["a1"], 1, at(10, 0));
    let conn = store.conn();
    for state in ActionState::ALL {
        conn.execute("UPDATE ledger SET state = ?2 WHERE id = ?1", params![ids[0], state])
            .unwrap();
        assert_eq!(entry(&conn, ids[0]).unwrap().unwrap().state, *state);
    }
    for kind in ItemKind::ALL {
        conn.execute("UPDATE ledger SET item_kind = ?2 WHERE id = ?1", params![ids[0], kind])
            .unwrap();
        assert_eq!(entry(&conn, ids[0]).unwrap().unwrap().item_kind, *kind);
    }
}

#[test]
fn many_threads_share_one_store() {
    let (_dir, store) = store();
    let store = Arc::new(store);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let playbook = format!("p{}", t % 3);
                let mut ids = Vec::new();
                for i in 0..20 {
                    let item = format!("t{t}-i{i}");
                    let (_, new) = plan(&store, &playbook, &[item.as_str()], 2, at(10, 0));
                    store.mark_done(new[0], at(10, 1)).unwrap();
                    assert!(!store.seen_keys(&playbook, &[item], at(10, 1)).unwrap().is_empty());
                    ids.extend(new);
                }
                ids
            })
        })
        .collect();
    let ids: Vec<i64> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    assert_eq!(ids.len(), 8 * 20 * 2);
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        ids.len(),
        "ledger ids collided"
    );
    assert_eq!(store.pending_entries().unwrap().len(), 8 * 20);
    assert_eq!(store.recent_runs(&HistoryFilter::default()).unwrap().len(), 8 * 20);
}
