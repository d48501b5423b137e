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
#[path = "runs_tests.rs"]
mod tests;
