use super::super::test_support::*;
use super::*;
use crate::state::ActionState;

fn live(playbooks: &[(&str, &str)]) -> HashMap<String, String> {
    playbooks.iter().map(|(p, h)| (p.to_string(), h.to_string())).collect()
}

#[test]
fn pending_entries_come_in_run_item_action_order() {
    let (_dir, store) = store();
    let (_, first) = plan(&store, "p", &["b", "a"], 2, at(10, 0));
    let (_, second) = plan(&store, "q", &["c"], 1, at(11, 0));
    store.mark_done(first[2], at(10, 1)).unwrap();
    let pending: Vec<(String, u32)> = store
        .pending_entries()
        .unwrap()
        .into_iter()
        .map(|e| (e.item_id, e.action_index))
        .collect();
    // Within the first run items sort by id: "a" before "b".
    let expected = [("a", 1), ("b", 0), ("b", 1), ("c", 0)].map(|(i, a)| (i.to_string(), a));
    assert_eq!(pending, expected);
    assert_eq!(second.len(), 1);
}

#[test]
fn reconcile_cancels_removed_disabled_and_changed_playbooks() {
    let (_dir, store) = store();
    let (_, kept) = plan(&store, "kept", &["a1"], 2, at(10, 0));
    let (_, removed) = plan(&store, "removed", &["a2"], 1, at(10, 0));
    let (_, changed) = plan(&store, "changed", &["a3"], 1, at(10, 0));
    let (_, done) = plan(&store, "changed", &["a4"], 1, at(10, 0));
    store.mark_done(done[0], at(10, 1)).unwrap();
    // `plan` records hash "ph"; "changed" is now at "ph2"; "removed" is absent (or disabled).
    // A start where some playbook file did not load: nothing unknown is cancelled.
    let resumed = store
        .reconcile_pending(&live(&[("kept", "ph")]), &HashSet::new(), false, at(11, 0))
        .unwrap();
    assert_eq!(resumed.iter().map(|e| e.id).collect::<Vec<_>>(), kept);
    assert_eq!(
        store.pending_entries().unwrap().len(),
        4,
        "removed and changed stay pending"
    );
    let resumed = store
        .reconcile_pending(
            &live(&[("kept", "ph"), ("changed", "ph2")]),
            &HashSet::new(),
            true,
            at(12, 0),
        )
        .unwrap();
    assert_eq!(resumed.iter().map(|e| e.id).collect::<Vec<_>>(), kept);
    let gone = store.entry(removed[0]).unwrap();
    assert_eq!(
        (gone.state, gone.reason.as_deref()),
        (ActionState::Cancelled, Some(REASON_PLAYBOOK_GONE))
    );
    assert_eq!(gone.updated, at(12, 0));
    let edited = store.entry(changed[0]).unwrap();
    assert_eq!(
        (edited.state, edited.reason.as_deref()),
        (ActionState::Cancelled, Some(REASON_PLAYBOOK_CHANGED))
    );
    assert_eq!(
        store.entry(done[0]).unwrap().state,
        ActionState::Done,
        "finished entries stay"
    );
    assert_eq!(store.pending_entries().unwrap().len(), 2);
    // Dedup keys stay: a cancelled action is not planned again.
    assert_eq!(store.seen_keys("removed", &["a2".into()], at(12, 0)).unwrap().len(), 1);
}

#[test]
fn a_disabled_playbook_is_cancelled_even_when_another_did_not_load() {
    let (_dir, store) = store();
    let (_, stopped) = plan(&store, "stopped", &["a1"], 1, at(10, 0));
    let disabled: HashSet<String> = ["stopped".to_string()].into();
    let resumed = store
        .reconcile_pending(&live(&[]), &disabled, false, at(11, 0))
        .unwrap();
    assert!(resumed.is_empty());
    assert_eq!(store.entry(stopped[0]).unwrap().state, ActionState::Cancelled);
}

#[test]
fn cancel_pending_of_one_playbook() {
    let (_dir, store) = store();
    plan(&store, "a", &["x1", "x2"], 1, at(10, 0));
    plan(&store, "b", &["x1"], 1, at(10, 0));
    assert_eq!(store.cancel_pending_of("a", "emergency stop", at(10, 5)).unwrap(), 2);
    let pending = store.pending_entries().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].playbook, "b");
    assert_eq!(store.cancel_pending_of("a", "again", at(10, 6)).unwrap(), 0);
}
