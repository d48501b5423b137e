use super::super::test_support::*;
use super::*;
use crate::state::ActionState;

fn outcome(status: RunStatus, error: Option<&str>, finished: DateTime<Utc>) -> RunOutcome {
    RunOutcome {
        status,
        fetched: 10,
        matched: 2,
        planned: 2,
        done: 1,
        skipped: 0,
        failed: 1,
        error: error.map(String::from),
        finished,
    }
}

fn run(store: &Store, playbook: &str, h: u32, status: RunStatus, error: Option<&str>) -> RunId {
    let id = store.start_run(playbook, "ph", at(h, 0), RunMode::Live).unwrap();
    store.finish_run(id, &outcome(status, error, at(h, 1))).unwrap();
    id
}

#[test]
fn start_and_finish_record_a_run() {
    let (_dir, store) = store();
    let id = store.start_run("p", "ph", at(10, 0), RunMode::Audit).unwrap();
    let running = &store.recent_runs(&HistoryFilter::default()).unwrap()[0];
    assert_eq!(
        (running.status, running.finished, running.mode),
        (RunStatus::Running, None, RunMode::Audit)
    );
    store
        .finish_run(
            id,
            &outcome(RunStatus::PartiallyFailed, Some("1 action failed"), at(10, 1)),
        )
        .unwrap();
    let r = &store.recent_runs(&HistoryFilter::default()).unwrap()[0];
    assert_eq!(
        (r.id, r.status, r.finished),
        (id, RunStatus::PartiallyFailed, Some(at(10, 1)))
    );
    assert_eq!((r.fetched, r.matched, r.planned, r.done, r.failed), (10, 2, 2, 1, 1));
    assert_eq!(r.error.as_deref(), Some("1 action failed"));
    let json = serde_json::to_value(r).unwrap();
    assert_eq!(
        (json["status"].as_str(), json["id"].as_i64()),
        (Some("partially_failed"), Some(id.0))
    );
    let err = store
        .finish_run(RunId(999), &outcome(RunStatus::Ok, None, at(11, 0)))
        .unwrap_err();
    assert!(matches!(err, StateError::UnknownRun { id: 999 }), "{err}");
}

#[test]
fn failure_streaks_count_back_to_the_last_ok_run() {
    let (_dir, store) = store();
    assert_eq!(store.consecutive_failures("p").unwrap(), FailureStreak::default());
    run(&store, "p", 1, RunStatus::Failed, Some("old"));
    run(&store, "p", 2, RunStatus::Ok, None);
    run(
        &store,
        "p",
        3,
        RunStatus::Failed,
        Some("HTTP 403: SecurityAlert.ReadWrite.All missing"),
    );
    run(&store, "q", 4, RunStatus::Ok, None);
    run(
        &store,
        "p",
        5,
        RunStatus::Capped,
        Some("planned 250 actions, more than 100"),
    );
    run(&store, "p", 6, RunStatus::PartiallyFailed, None);
    store.start_run("p", "ph", at(7, 0), RunMode::Live).unwrap(); // still running: ignored
    let streak = store.consecutive_failures("p").unwrap();
    assert_eq!(streak.count, 3);
    assert_eq!(streak.since, Some(at(3, 0)));
    assert_eq!(streak.last_error.as_deref(), Some("planned 250 actions, more than 100"));
    assert_eq!(store.consecutive_failures("q").unwrap().count, 0);
    run(&store, "p", 8, RunStatus::Ok, None);
    assert_eq!(store.consecutive_failures("p").unwrap().count, 0);
}

#[test]
fn interrupted_runs_are_closed_as_failures() {
    let (_dir, store) = store();
    store.start_run("p", "ph", at(10, 0), RunMode::Live).unwrap();
    assert_eq!(store.finish_interrupted_runs(at(11, 0)).unwrap(), 1);
    let r = &store.recent_runs(&HistoryFilter::default()).unwrap()[0];
    assert_eq!((r.status, r.finished), (RunStatus::Failed, Some(at(11, 0))));
    assert!(r.error.as_deref().unwrap().contains("engine stopped"));
    assert_eq!(store.consecutive_failures("p").unwrap().count, 1);
}

#[test]
fn history_filters_runs_by_playbook_item_and_time() {
    let (_dir, store) = store();
    let (r1, _) = plan(&store, "a", &["alert-1"], 1, at(10, 0));
    let (r2, _) = plan(&store, "b", &["alert-1", "alert-2"], 1, at(11, 0));
    let (r3, _) = plan(&store, "a", &["alert-3"], 1, at(12, 0));
    let ids = |f: HistoryFilter| {
        store
            .recent_runs(&f)
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(HistoryFilter::default()), vec![r3, r2, r1]);
    assert_eq!(
        ids(HistoryFilter {
            playbook: Some("a".into()),
            ..Default::default()
        }),
        vec![r3, r1]
    );
    assert_eq!(
        ids(HistoryFilter {
            item: Some("alert-1".into()),
            ..Default::default()
        }),
        vec![r2, r1]
    );
    assert_eq!(
        ids(HistoryFilter {
            since: Some(at(11, 0)),
            ..Default::default()
        }),
        vec![r3, r2]
    );
    let narrow = HistoryFilter {
        playbook: Some("b".into()),
        item: Some("alert-2".into()),
        since: Some(at(11, 0)),
        limit: Some(5),
    };
    assert_eq!(ids(narrow), vec![r2]);
    assert_eq!(
        ids(HistoryFilter {
            limit: Some(1),
            ..Default::default()
        }),
        vec![r3]
    );
}

#[test]
fn pruning_keeps_pending_work_dedup_keys_and_recent_runs() {
    let (_dir, store) = store();
    let (old_done, done_ids) = plan(&store, "p", &["a1"], 1, at(1, 0));
    store.mark_done(done_ids[0], at(1, 1)).unwrap();
    store
        .finish_run(old_done, &outcome(RunStatus::Ok, None, at(1, 2)))
        .unwrap();
    let (old_pending, pending_ids) = plan(&store, "p", &["a2"], 1, at(2, 0));
    store
        .finish_run(old_pending, &outcome(RunStatus::Failed, Some("x"), at(2, 1)))
        .unwrap();
    let recent = run(&store, "p", 9, RunStatus::Ok, None);
    let pruned = store.prune_history(at(5, 0)).unwrap();
    assert_eq!(pruned, Pruned { runs: 1, entries: 1 });
    let left: Vec<RunId> = store
        .recent_runs(&HistoryFilter::default())
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(left, vec![recent, old_pending]);
    assert_eq!(store.entry(pending_ids[0]).unwrap().state, ActionState::Pending);
    assert_eq!(
        store
            .seen_keys("p", &["a1".into(), "a2".into()], at(9, 0))
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn failure_notices_are_remembered_per_playbook() {
    let (_dir, store) = store();
    assert_eq!(store.last_failure_notice("p").unwrap(), None);
    store.record_failure_notice("p", at(10, 0)).unwrap();
    store.record_failure_notice("p", at(11, 30)).unwrap();
    assert_eq!(store.last_failure_notice("p").unwrap(), Some(at(11, 30)));
    assert_eq!(store.last_failure_notice("q").unwrap(), None);
}
