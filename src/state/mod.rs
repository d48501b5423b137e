//! The SQLite store that makes the engine safe: trigger cursors, dedup keys, the action ledger
//! (intent → done) and run history, in one file per tenant.
//!
//! The store owns the transactions the guarantees rest on: [`Store::commit_plan`] writes a run's
//! ledger entries, its dedup keys and its cursor advance all at once or not at all, so a dedup key
//! exists exactly when its actions are recorded, and a cursor never moves past an item whose actions
//! are not. One engine per database: [`Store::open`] takes an exclusive lock on `<state>.lock` and
//! the database records its tenant. The store must not be bypassed by actions, and it decides
//! nothing: whether to act, retry or cancel is the engine's call; the store records it.
//!
//! Every method is synchronous and short; call it from `spawn_blocking` or directly.

mod approvals;
mod cursor;
mod dedup;
mod error;
mod ledger;
mod lock;
mod resume;
mod runs;
mod schema;
mod transitions;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

pub use approvals::{ApprovalRecord, ApprovalState, Decision, REASON_EXPIRED};
pub use cursor::{Cursor, CursorAdvance};
pub use dedup::DedupKey;
pub use error::StateError;
pub use ledger::{ActionKind, ActionState, Hold, ItemKind, LedgerEntry, NewEntry, PlanCommit};
pub use lock::{LockProbe, lock_path, probe as probe_lock};
pub use resume::{REASON_PLAYBOOK_CHANGED, REASON_PLAYBOOK_GONE};
pub use runs::{FailureStreak, HistoryFilter, Pruned, RunId, RunMode, RunOutcome, RunRecord, RunStatus};
pub use transitions::{Marked, REASON_EARLIER_FAILED, Transition};

use lock::StateLock;

/// How long a statement waits for a lock held by another connection (a `history` reader
/// checkpointing, a sqlite3 shell) before failing with "database is busy".
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The state database of one engine and one tenant.
///
/// `Send + Sync`: one connection behind a mutex; each method holds it for one short statement
/// or transaction.
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
    tenant: Option<String>,
    instance_id: Option<String>,
    /// Held for the store's life; dropping the store releases it.
    _lock: Option<StateLock>,
}

impl Store {
    /// Opens (creating if missing) the state of the engine for `tenant`: takes the engine lock,
    /// applies schema migrations, and records the tenant on first open or checks it.
    pub fn open(path: &Path, tenant: &str) -> Result<Store, StateError> {
        let lock = StateLock::acquire(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let sql = |context: &'static str| sql_error(path, context);
        let mut conn = Connection::open_with_flags(path, flags).map_err(sql("opening the database"))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(sql("setting the busy timeout"))?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(sql("switching to WAL mode"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %path.display(), journal_mode = %mode, "The state database is not in WAL mode.");
        }
        // FULL: a committed plan must survive a power cut, or the engine could act twice.
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sql("setting synchronous"))?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(sql("enabling foreign keys"))?;
        schema::migrate(&mut conn, path, schema::MIGRATIONS)?;
        let instance_id = schema::check_tenant(&mut conn, path, tenant)?;
        tracing::debug!(path = %path.display(), tenant, "State database opened.");
        Ok(Store {
            conn: Mutex::new(conn),
            path: path.to_owned(),
            tenant: Some(tenant.to_owned()),
            instance_id: Some(instance_id),
            _lock: Some(lock),
        })
    }

    /// Opens an existing state read-only, for `graphsoar history`: no lock (a running engine may
    /// hold it), no migrations, no writes.
    pub fn open_read_only(path: &Path) -> Result<Store, StateError> {
        if !path.exists() {
            return Err(StateError::Missing { path: path.to_owned() });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let sql = |context: &'static str| sql_error(path, context);
        let conn = Connection::open_with_flags(path, flags).map_err(sql("opening the database read-only"))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(sql("setting the busy timeout"))?;
        check_version(&conn, path)?;
        let meta = |key: &str| {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .map_err(sql("reading the recorded tenant"))
        };
        let (tenant, instance_id) = (meta("tenant")?, meta("instance_id")?);
        Ok(Store {
            conn: Mutex::new(conn),
            path: path.to_owned(),
            tenant,
            instance_id,
            _lock: None,
        })
    }

    /// Opens an existing state to record a person's decision (`graphsoar approve` / `deny`)
    /// while an engine may be running: read-write but without the engine lock, no migrations
    /// (the engine applies them), and only a state of this version. Each decision is one
    /// immediate transaction, so it and the engine's writes never interleave.
    pub fn open_for_decisions(path: &Path) -> Result<Store, StateError> {
        if !path.exists() {
            return Err(StateError::Missing { path: path.to_owned() });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let sql = |context: &'static str| sql_error(path, context);
        let conn = Connection::open_with_flags(path, flags).map_err(sql("opening the database"))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(sql("setting the busy timeout"))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sql("setting synchronous"))?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(sql("enabling foreign keys"))?;
        let (found, known) = check_version(&conn, path)?;
        if found < known {
            return Err(StateError::TooOld {
                path: path.to_owned(),
                found,
                known,
            });
        }
        Ok(Store {
            conn: Mutex::new(conn),
            path: path.to_owned(),
            tenant: None,
            instance_id: None,
            _lock: None,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The tenant the database belongs to (`None` only for a read-only open of a database that
    /// never finished its first open).
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// A UUID created with the database: combined with a ledger id it names an action uniquely
    /// even across state files (for `Message-ID`s and idempotency keys).
    pub fn instance_id(&self) -> Option<&str> {
        self.instance_id.as_deref()
    }

    /// The connection; a panic in another thread cannot leave a transaction open (rusqlite rolls
    /// back on drop), so a poisoned lock is safe to take over.
    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Maps a SQLite error to [`StateError::Sqlite`] with what the store was doing.
    fn sql<'a>(&'a self, context: &'a str) -> impl Fn(rusqlite::Error) -> StateError + 'a {
        sql_error(&self.path, context)
    }
}

/// Refuses a database graphsoar did not create or a newer one wrote; else `(found, known)`:
/// its schema version and the one this graphsoar brings databases to.
fn check_version(conn: &Connection, path: &Path) -> Result<(u32, u32), StateError> {
    let version = schema::user_version(conn).map_err(sql_error(path, "reading the schema version"))?;
    let known = schema::known_version(schema::MIGRATIONS);
    if version == 0 {
        return Err(StateError::NotStateFile { path: path.to_owned() });
    }
    if version > known {
        return Err(StateError::TooNew {
            path: path.to_owned(),
            found: version,
            known,
        });
    }
    Ok((version, known))
}

fn sql_error<'a>(path: &'a Path, context: &'a str) -> impl Fn(rusqlite::Error) -> StateError + 'a {
    move |source| StateError::Sqlite {
        path: path.to_owned(),
        context: context.to_owned(),
        source,
    }
}

/// A timestamp as stored: RFC 3339 UTC with nine fractional digits, so that text order is time
/// order and Graph's 100 ns precision survives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Ts(pub DateTime<Utc>);

impl ToSql for Ts {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.to_rfc3339_opts(SecondsFormat::Nanos, true)))
    }
}

impl FromSql for Ts {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        DateTime::parse_from_rfc3339(text)
            .map(|t| Ts(t.with_timezone(&Utc)))
            .map_err(|e| FromSqlError::Other(format!("bad timestamp {text:?}: {e}").into()))
    }
}

/// Reads an optional stored timestamp.
pub(crate) fn opt_ts(t: Option<Ts>) -> Option<DateTime<Utc>> {
    t.map(|t| t.0)
}

pub(crate) use crate::text_enum::text_enum;

#[cfg(test)]
pub(crate) mod test_support {
    //! Fixtures for the state tests: a store on disk (SQLite in a fresh folder, never in
    //! memory), plans of pending actions, their parameters, and times.

    use chrono::{DateTime, TimeZone, Utc};

    use super::{Hold, Store};
    pub(crate) use crate::testutil::TempDir;

    pub(crate) const TENANT: &str = "72f988bf-0000-0000-0000-000000000000";

    /// A fresh store in a fresh folder; keep the folder alive as long as the store.
    pub(crate) fn store() -> (TempDir, Store) {
        let dir = TempDir::new("state");
        let store = Store::open(&dir.db(), TENANT).expect("open store");
        (dir, store)
    }

    /// Starts a run of `playbook` (hash `ph`) and commits `actions` pending actions for each
    /// item (alerts), with the item ids as forever dedup keys. Returns the run and the ids.
    pub(crate) fn plan(
        store: &Store,
        playbook: &str,
        items: &[&str],
        actions: u32,
        now: DateTime<Utc>,
    ) -> (super::RunId, Vec<i64>) {
        use super::{DedupKey, ItemKind, NewEntry, PlanCommit, RunMode};
        let run = store.start_run(playbook, "ph", now, RunMode::Live).unwrap();
        let mut plan = PlanCommit::new(run, playbook, "ph", now);
        for item in items {
            for action_index in 0..actions {
                plan.entries.push(NewEntry {
                    item_id: item.to_string(),
                    item_kind: ItemKind::Alert,
                    action_index,
                    params: if action_index == 0 {
                        update_params(item)
                    } else {
                        email_params()
                    },
                    hold: Hold::None,
                });
            }
            plan.dedup_keys.push(DedupKey::new(*item, None));
        }
        let ids = store.commit_plan(plan).unwrap();
        (run, ids)
    }

    /// `update_alert` of `target` to resolved, only if new.
    pub(crate) fn update_params(target: &str) -> crate::action::Params {
        use crate::graph::models::enums::AlertStatus;
        crate::action::Params::UpdateAlert(crate::action::update::UpdateParams {
            status: Some(AlertStatus::Resolved),
            only_if_status: Some(vec![AlertStatus::New]),
            comment: Some("Closed by graphsoar.".into()),
            ..crate::action::update::UpdateParams::new(target)
        })
    }

    /// An email to the SOC.
    pub(crate) fn email_params() -> crate::action::Params {
        crate::action::Params::Email(crate::action::email::EmailParams {
            from: "soar@example.com".into(),
            to: vec!["soc@example.com".into()],
            cc: vec![],
            reply_to: None,
            subject: "s".into(),
            body: Some("b".into()),
            html: None,
        })
    }

    /// 2024-06-01 at `h`:`m` UTC.
    pub(crate) fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 6, 1, h, m, 0).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn store_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Store>();
    }

    #[test]
    fn timestamps_sort_as_text_and_keep_nanoseconds() {
        let a = DateTime::parse_from_rfc3339("2024-06-01T10:00:00.1234567Z")
            .unwrap()
            .with_timezone(&Utc);
        let b = DateTime::parse_from_rfc3339("2024-06-01T10:00:00.9Z")
            .unwrap()
            .with_timezone(&Utc);
        let text = |t| match Ts(t).to_sql().unwrap() {
            ToSqlOutput::Owned(rusqlite::types::Value::Text(s)) => s,
            other => panic!("{other:?}"),
        };
        assert_eq!(text(a), "2024-06-01T10:00:00.123456700Z");
        assert!(text(a) < text(b));
        let back = Ts::column_result(ValueRef::Text(text(a).as_bytes())).unwrap();
        assert_eq!(back.0, a);
    }

    #[test]
    fn read_only_open_reads_history_while_engine_runs_and_after() {
        let dir = TempDir::new("state-read-only");
        let store = Store::open(&dir.db(), TENANT).unwrap();
        let run = store.start_run("p", "h1", at(10, 0), RunMode::Live).unwrap();
        let ro = Store::open_read_only(&dir.db()).unwrap();
        assert_eq!(ro.tenant(), Some(TENANT));
        assert_eq!(ro.instance_id(), store.instance_id());
        assert_eq!(ro.recent_runs(&HistoryFilter::default()).unwrap()[0].id, run);
        let err = ro.start_run("p", "h1", at(10, 0), RunMode::Live).unwrap_err();
        assert!(err.to_string().contains("read-only"), "{err}");
        drop((ro, store));
        let ro = Store::open_read_only(&dir.db()).unwrap();
        assert_eq!(ro.recent_runs(&HistoryFilter::default()).unwrap().len(), 1);
    }

    #[test]
    fn read_only_open_of_missing_or_foreign_file_says_so() {
        let dir = TempDir::new("state-foreign");
        let err = Store::open_read_only(&dir.db()).err().unwrap();
        assert!(matches!(err, StateError::Missing { .. }), "{err}");
        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        let err = Store::open_read_only(&other).err().unwrap();
        assert!(matches!(err, StateError::NotStateFile { .. }), "{err}");
        let err = Store::open(&other, TENANT).err().unwrap();
        assert!(matches!(err, StateError::NotStateFile { .. }), "{err}");
    }
}
