use super::super::test_support::*;
use super::*;

#[test]
fn mark_done_finishes_a_pending_entry_once() {
    let (_dir, store) = store();
    let (_, ids) = plan(&store, "p", &["a1"], 1, at(10, 0));
    let done = store.mark_done(ids[0], at(10, 1)).unwrap();
    assert_eq!(
        (done.state, done.updated, done.created),
        (ActionState::Done, at(10, 1), at(10, 0))
    );
    let err = store.mark_done(ids[0], at(10, 2)).unwrap_err();
    assert!(
        matches!(
            err,
            StateError::NotPending {
                state: ActionState::Done,
                ..
            }
        ),
        "{err}"
    );
    assert!(matches!(
        store.mark_done(999, at(10, 2)),
        Err(StateError::UnknownEntry { id: 999 })
    ));
}

#[test]
fn retryable_failures_count_attempts_until_the_limit() {
    let (_dir, store) = store();
    let (_, ids) = plan(&store, "p", &["a1"], 3, at(10, 0));
    for attempt in 1..3 {
        let m = store.mark_failed(ids[0], "HTTP 503", true, 3, at(10, attempt)).unwrap();
        assert!(m.will_retry());
        assert_eq!(
            (m.entry.attempts, m.entry.error.as_deref()),
            (attempt, Some("HTTP 503"))
        );
        assert!(m.later.is_empty());
        assert_eq!(store.entry(ids[1]).unwrap().state, ActionState::Pending);
    }
    let m = store.mark_failed(ids[0], "HTTP 504", true, 3, at(10, 3)).unwrap();
    assert!(!m.will_retry(), "attempts exhausted");
    assert_eq!((m.entry.state, m.entry.attempts), (ActionState::Failed, 3));
    assert_eq!(m.later, vec![ids[1], ids[2]]);
    for id in &ids[1..] {
        let e = store.entry(*id).unwrap();
        assert_eq!(
            (e.state, e.reason.as_deref()),
            (ActionState::Abandoned, Some(REASON_EARLIER_FAILED))
        );
    }
}

#[test]
fn permanent_failure_abandons_only_later_actions_of_the_same_item_and_run() {
    let (_dir, store) = store();
    let (_, ids) = plan(&store, "p", &["a1", "a2"], 3, at(10, 0));
    let (_, other_run) = plan(&store, "p", &["a1"], 3, at(11, 0));
    // a1: [0] done, [1] fails with 403 → [2] abandoned; a2 and the other run untouched.
    store.mark_done(ids[0], at(10, 1)).unwrap();
    let m = store
        .mark_failed(ids[1], "HTTP 403 Forbidden", false, 5, at(10, 2))
        .unwrap();
    assert_eq!((m.entry.state, m.entry.attempts), (ActionState::Failed, 1));
    assert_eq!(m.later, vec![ids[2]]);
    assert_eq!(store.entry(ids[0]).unwrap().state, ActionState::Done);
    for id in ids[3..].iter().chain(&other_run) {
        assert_eq!(store.entry(*id).unwrap().state, ActionState::Pending);
    }
    // Failures never remove dedup keys.
    assert_eq!(store.seen_keys("p", &["a1".into()], at(12, 0)).unwrap().len(), 1);
}

#[test]
fn zero_max_attempts_means_one_attempt() {
    let (_dir, store) = store();
    let (_, ids) = plan(&store, "p", &["a1"], 1, at(10, 0));
    assert!(
        !store
            .mark_failed(ids[0], "timeout", true, 0, at(10, 1))
            .unwrap()
            .will_retry()
    );
}

#[test]
fn skipping_an_action_skips_the_items_later_actions() {
    let (_dir, store) = store();
    let (_, ids) = plan(&store, "p", &["a1"], 2, at(10, 0));
    let m = store
        .mark_skipped(
            ids[0],
            "status changed from new to inProgress since the match",
            at(10, 1),
        )
        .unwrap();
    assert_eq!(m.entry.state, ActionState::Skipped);
    assert_eq!(
        m.entry.reason.as_deref(),
        Some("status changed from new to inProgress since the match")
    );
    assert_eq!(m.later, vec![ids[1]]);
    let later = store.entry(ids[1]).unwrap();
    assert_eq!(later.state, ActionState::Skipped);
    assert!(
        later
            .reason
            .unwrap()
            .starts_with("an earlier action was skipped: status changed")
    );
}

#[test]
fn cancelling_an_action_cancels_the_items_later_actions() {
    let (_dir, store) = store();
    let (_, ids) = plan(&store, "p", &["a1"], 2, at(10, 0));
    let m = store.cancel(ids[0], "shutting down", at(10, 1)).unwrap();
    assert_eq!(m.entry.state, ActionState::Cancelled);
    assert_eq!(m.later, vec![ids[1]]);
    assert!(matches!(
        store.cancel(ids[1], "again", at(10, 2)),
        Err(StateError::NotPending { .. })
    ));
}
