//! Run history: one row per playbook run, for `graphsoar history`, for `on_failure` (how many
//! runs in a row failed) and for pruning.

use std::fmt;

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension as _;
use rusqlite::{Row, ToSql, params};

use super::{StateError, Store, Ts, opt_ts, text_enum};

/// A run's id in the state database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct RunId(pub i64);

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl ToSql for RunId {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

text_enum! {
    /// How a run ended.
    pub enum RunStatus {
        /// Started and not finished: in progress, or the engine stopped during it (see
        /// [`Store::finish_interrupted_runs`]).
        Running = "running",
        Ok = "ok",
        /// The run itself failed (fetch, query, state).
        Failed = "failed",
        /// It planned more than `max_actions_per_run`, so it executed nothing.
        Capped = "capped",
        /// Some actions failed.
        PartiallyFailed = "partially_failed",
    }
}

impl RunStatus {
    /// Whether the run counts towards a failure streak (`on_failure`).
    pub fn is_failure(self) -> bool {
        matches!(self, RunStatus::Failed | RunStatus::Capped | RunStatus::PartiallyFailed)
    }
}

text_enum! {
    /// Whether a run's actions were meant to act.
    pub enum RunMode {
        Live = "live",
        /// `mode: audit`: plans and records, never writes or sends.
        Audit = "audit",
        /// `--dry-run`; normally not recorded at all, since a dry run changes no state.
        DryRun = "dry_run",
    }
}

/// What [`Store::finish_run`] records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutcome {
    pub status: RunStatus,
    pub fetched: u32,
    pub matched: u32,
    pub planned: u32,
    pub done: u32,
    pub skipped: u32,
    pub failed: u32,
    pub error: Option<String>,
    pub finished: DateTime<Utc>,
}

/// A run as `graphsoar history` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunRecord {
    pub id: RunId,
    pub playbook: String,
    pub playbook_hash: String,
    pub mode: RunMode,
    pub started: DateTime<Utc>,
    pub finished: Option<DateTime<Utc>>,
    pub status: RunStatus,
    pub fetched: u32,
    pub matched: u32,
    pub planned: u32,
    pub done: u32,
    pub skipped: u32,
    pub failed: u32,
    pub error: Option<String>,
}

/// Selects runs or ledger entries for `graphsoar history`; every field narrows, `None` does not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    pub playbook: Option<String>,
    /// An alert or incident id, or a digest's or row's key: runs that planned actions for it.
    pub item: Option<String>,
    /// Runs started, or entries created, at or after this.
    pub since: Option<DateTime<Utc>>,
    /// At most this many, newest first.
    pub limit: Option<u32>,
}

impl HistoryFilter {
    pub(crate) fn sql_limit(&self) -> i64 {
        self.limit.map(i64::from).unwrap_or(-1)
    }
}

/// How many failed runs in a row a playbook has, newest last.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureStreak {
    /// Finished runs since the last `ok` one that failed, were capped or partially failed.
    pub count: u32,
    /// When the first run of the streak started.
    pub since: Option<DateTime<Utc>>,
    /// The error of the streak's latest run that recorded one.
    pub last_error: Option<String>,
}

/// What [`Store::prune_history`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub runs: usize,
    pub entries: usize,
}

const RUN_COLUMNS: &str = "id, playbook, playbook_hash, mode, started, finished, status, fetched, matched, planned, done, skipped, failed, error";

fn run_record(r: &Row<'_>) -> rusqlite::Result<RunRecord> {
    Ok(RunRecord {
        id: RunId(r.get(0)?),
        playbook: r.get(1)?,
        playbook_hash: r.get(2)?,
        mode: r.get(3)?,
        started: r.get::<_, Ts>(4)?.0,
        finished: opt_ts(r.get(5)?),
        status: r.get(6)?,
        fetched: r.get(7)?,
        matched: r.get(8)?,
        planned: r.get(9)?,
        done: r.get(10)?,
        skipped: r.get(11)?,
        failed: r.get(12)?,
        error: r.get(13)?,
    })
}

impl Store {
    /// Records the start of a run of `playbook` (at the version `playbook_hash`).
    pub fn start_run(
        &self,
        playbook: &str,
        playbook_hash: &str,
        started: DateTime<Utc>,
        mode: RunMode,
    ) -> Result<RunId, StateError> {
        let conn = self.conn();
        conn.prepare_cached("INSERT INTO runs (playbook, playbook_hash, mode, started) VALUES (?1, ?2, ?3, ?4)")
            .and_then(|mut stmt| stmt.insert(params![playbook, playbook_hash, mode, Ts(started)]))
            .map(RunId)
            .map_err(self.sql("recording the start of a run"))
    }

    /// Records how `run` ended.
    pub fn finish_run(&self, run: RunId, outcome: &RunOutcome) -> Result<(), StateError> {
        let conn = self.conn();
        let o = outcome;
        let changed = conn
            .prepare_cached(
                "UPDATE runs SET status = ?2, fetched = ?3, matched = ?4, planned = ?5, done = ?6, skipped = ?7,
                 failed = ?8, error = ?9, finished = ?10 WHERE id = ?1",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    run,
                    o.status,
                    o.fetched,
                    o.matched,
                    o.planned,
                    o.done,
                    o.skipped,
                    o.failed,
                    o.error,
                    Ts(o.finished)
                ])
            })
            .map_err(self.sql("recording the end of a run"))?;
        if changed == 0 {
            return Err(StateError::UnknownRun { id: run.0 });
        }
        Ok(())
    }

    /// Marks runs an earlier engine left unfinished (it stopped or crashed during them) as
    /// failed. Call once at engine start, before any run; returns how many.
    pub fn finish_interrupted_runs(&self, now: DateTime<Utc>) -> Result<usize, StateError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE runs SET status = 'failed', finished = ?1,
             error = 'the engine stopped before the run finished; its pending actions resume at the next start'
             WHERE status = 'running'",
            [Ts(now)],
        )
        .map_err(self.sql("closing interrupted runs"))
    }

    /// The current failure streak of `playbook`, for `on_failure`. Runs still running are ignored.
    pub fn consecutive_failures(&self, playbook: &str) -> Result<FailureStreak, StateError> {
        let conn = self.conn();
        let query = || -> rusqlite::Result<FailureStreak> {
            let mut stmt = conn.prepare_cached(
                "SELECT status, started, error FROM runs
                 WHERE playbook = ?1 AND status <> 'running'
                   AND id > coalesce((SELECT max(id) FROM runs WHERE playbook = ?1 AND status = 'ok'), 0)
                 ORDER BY id DESC",
            )?;
            let mut rows = stmt.query([playbook])?;
            let mut streak = FailureStreak::default();
            while let Some(row) = rows.next()? {
                let status: RunStatus = row.get(0)?;
                if !status.is_failure() {
                    break;
                }
                streak.count += 1;
                streak.since = Some(row.get::<_, Ts>(1)?.0);
                if streak.last_error.is_none() {
                    streak.last_error = row.get(2)?;
                }
            }
            Ok(streak)
        };
        query().map_err(self.sql("counting failed runs"))
    }

    /// When people were last told that `playbook` keeps failing (`on_failure`), if ever. Kept in
    /// the database so restarts and `run --once` from cron do not repeat the notice.
    pub fn last_failure_notice(&self, playbook: &str) -> Result<Option<DateTime<Utc>>, StateError> {
        let conn = self.conn();
        conn.query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [format!("failure_notice:{playbook}")],
            |r| r.get::<_, Ts>(0),
        )
        .optional()
        .map(opt_ts)
        .map_err(self.sql("reading the last failure notice"))
    }

    /// Records that people were told at `at` that `playbook` keeps failing.
    pub fn record_failure_notice(&self, playbook: &str, at: DateTime<Utc>) -> Result<(), StateError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            rusqlite::params![format!("failure_notice:{playbook}"), Ts(at)],
        )
        .map(|_| ())
        .map_err(self.sql("recording a failure notice"))
    }

    /// Runs matching `filter`, newest first.
    pub fn recent_runs(&self, filter: &HistoryFilter) -> Result<Vec<RunRecord>, StateError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs
             WHERE (?1 IS NULL OR playbook = ?1) AND (?2 IS NULL OR started >= ?2)
               AND (?3 IS NULL OR EXISTS (SELECT 1 FROM ledger WHERE ledger.run_id = runs.id AND ledger.item_id = ?3))
             ORDER BY started DESC, id DESC LIMIT ?4"
        );
        let query = || -> rusqlite::Result<Vec<RunRecord>> {
            let mut stmt = conn.prepare_cached(&sql)?;
            let args = params![filter.playbook, filter.since.map(Ts), filter.item, filter.sql_limit()];
            stmt.query_map(args, run_record)?.collect()
        };
        query().map_err(self.sql("reading run history"))
    }

    /// Deletes history older than `before`: finished runs that started before it, with their
    /// ledger entries, unless one of them is still pending. Dedup keys and cursors stay, and
    /// ledger ids are never reused.
    pub fn prune_history(&self, before: DateTime<Utc>) -> Result<Pruned, StateError> {
        let mut conn = self.conn();
        let mut prune = || -> rusqlite::Result<Pruned> {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let entries = tx.execute(
                "DELETE FROM ledger WHERE run_id IN (
                   SELECT id FROM runs r WHERE r.status <> 'running' AND r.started < ?1
                   AND NOT EXISTS (SELECT 1 FROM ledger p WHERE p.run_id = r.id AND p.state = 'pending'))",
                [Ts(before)],
            )?;
            // Runs whose entries are all gone now; a run with a pending entry kept all of them.
            let runs = tx.execute(
                "DELETE FROM runs WHERE status <> 'running' AND started < ?1
                 AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.run_id = runs.id)",
                [Ts(before)],
            )?;
            tx.commit()?;
            Ok(Pruned { runs, entries })
        };
        prune().map_err(self.sql("pruning old history"))
    }
}

#[cfg(test)]
mod tests {
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
}
