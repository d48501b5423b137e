//! The schema and its migrations. The schema version is SQLite's `PRAGMA user_version`; each
//! migration is one SQL batch, applied in its own transaction together with the version bump, so
//! a failed migration leaves the previous version intact. Append new migrations; never edit one
//! that has shipped.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::{StateError, Ts, sql_error};

/// Migration `i` brings the schema from version `i` to `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the first schema. Timestamps are RFC 3339 UTC text with nine fractional digits, so text
    // comparison is time comparison.
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) STRICT;

    CREATE TABLE runs (
        id            INTEGER PRIMARY KEY,
        playbook      TEXT NOT NULL,
        playbook_hash TEXT NOT NULL,
        mode          TEXT NOT NULL CHECK (mode IN ('live', 'audit', 'dry_run')),
        started       TEXT NOT NULL,
        finished      TEXT,
        status        TEXT NOT NULL DEFAULT 'running'
                      CHECK (status IN ('running', 'ok', 'failed', 'capped', 'partially_failed')),
        fetched       INTEGER NOT NULL DEFAULT 0,
        matched       INTEGER NOT NULL DEFAULT 0,
        planned       INTEGER NOT NULL DEFAULT 0,
        done          INTEGER NOT NULL DEFAULT 0,
        skipped       INTEGER NOT NULL DEFAULT 0,
        failed        INTEGER NOT NULL DEFAULT 0,
        error         TEXT
    ) STRICT;
    CREATE INDEX runs_by_playbook ON runs (playbook, started);
    CREATE INDEX runs_by_started ON runs (started);

    -- Keyed by playbook and trigger hash: an edited trigger or condition starts again.
    CREATE TABLE cursors (
        playbook     TEXT NOT NULL,
        trigger_hash TEXT NOT NULL,
        position     TEXT NOT NULL,
        updated      TEXT NOT NULL,
        PRIMARY KEY (playbook, trigger_hash)
    ) STRICT, WITHOUT ROWID;

    -- No foreign key to runs: pruning history must never forget a key.
    CREATE TABLE dedup_keys (
        playbook   TEXT NOT NULL,
        key        TEXT NOT NULL,
        expires_at TEXT,
        created    TEXT NOT NULL,
        run_id     INTEGER NOT NULL,
        PRIMARY KEY (playbook, key)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX dedup_by_expiry ON dedup_keys (expires_at) WHERE expires_at IS NOT NULL;

    -- AUTOINCREMENT: ids are never reused, even after pruning, because comment markers
    -- `[graphsoar <id>]` and Message-IDs are made from them.
    CREATE TABLE ledger (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id        INTEGER NOT NULL REFERENCES runs (id),
        playbook      TEXT NOT NULL,
        playbook_hash TEXT NOT NULL,
        item_id       TEXT NOT NULL,
        item_kind     TEXT NOT NULL CHECK (item_kind IN ('alert', 'incident', 'row', 'digest')),
        action_index  INTEGER NOT NULL CHECK (action_index >= 0),
        action        TEXT NOT NULL,
        params        TEXT NOT NULL CHECK (json_valid(params)),
        state         TEXT NOT NULL
                      CHECK (state IN ('pending', 'done', 'failed', 'skipped', 'abandoned', 'cancelled')),
        attempts      INTEGER NOT NULL DEFAULT 0,
        error         TEXT,
        reason        TEXT,
        created       TEXT NOT NULL,
        updated       TEXT NOT NULL,
        UNIQUE (run_id, item_kind, item_id, action_index)
    ) STRICT;
    CREATE INDEX ledger_pending ON ledger (state) WHERE state = 'pending';
    CREATE INDEX ledger_by_playbook ON ledger (playbook, created);
    CREATE INDEX ledger_by_item ON ledger (item_id, created);
    "#,
    // 2: typed action parameters (issue 12). Version 1 wrote an update's state at the match with
    // Graph's camelCase keys beside the snake_case keys of everything else; the typed
    // `Snapshot` is snake_case throughout. Every other key of version 1 is already the typed
    // parameters' (`action::Params`), so only `matched` is rewritten.
    r#"
    UPDATE ledger SET params = json_set(params, '$.matched', json_object(
            'status', json_extract(params, '$.matched.status'),
            'assigned_to', json_extract(params, '$.matched.assignedTo'),
            'classification', json_extract(params, '$.matched.classification'),
            'determination', json_extract(params, '$.matched.determination'),
            'last_update_date_time', json_extract(params, '$.matched.lastUpdateDateTime'),
            'custom_tags', json(json_extract(params, '$.matched.customTags'))))
     WHERE action IN ('update_alert', 'update_incident')
       AND json_type(params, '$.matched') = 'object';
    "#,
    // 3: response actions and approvals (issue 15). New states (awaiting approval; refused by a
    // safety limit; denied or expired approvals), a `result` column for what an action got back
    // (machine-action ids and their status), and the approvals. SQLite cannot change a CHECK,
    // so the ledger is copied into a new table; its AUTOINCREMENT position is carried over, so
    // ids are still never reused.
    r#"
    CREATE TABLE ledger_v3 (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id        INTEGER NOT NULL REFERENCES runs (id),
        playbook      TEXT NOT NULL,
        playbook_hash TEXT NOT NULL,
        item_id       TEXT NOT NULL,
        item_kind     TEXT NOT NULL CHECK (item_kind IN ('alert', 'incident', 'row', 'digest')),
        action_index  INTEGER NOT NULL CHECK (action_index >= 0),
        action        TEXT NOT NULL,
        params        TEXT NOT NULL CHECK (json_valid(params)),
        state         TEXT NOT NULL
                      CHECK (state IN ('pending', 'done', 'failed', 'skipped', 'abandoned', 'cancelled',
                                       'awaiting_approval', 'refused', 'denied', 'expired')),
        attempts      INTEGER NOT NULL DEFAULT 0,
        error         TEXT,
        reason        TEXT,
        created       TEXT NOT NULL,
        updated       TEXT NOT NULL,
        result        TEXT CHECK (result IS NULL OR json_valid(result)),
        UNIQUE (run_id, item_kind, item_id, action_index)
    ) STRICT;
    INSERT INTO ledger_v3 (id, run_id, playbook, playbook_hash, item_id, item_kind, action_index, action, params,
                           state, attempts, error, reason, created, updated)
         SELECT id, run_id, playbook, playbook_hash, item_id, item_kind, action_index, action, params,
                state, attempts, error, reason, created, updated FROM ledger;
    INSERT INTO sqlite_sequence (name, seq)
         SELECT 'ledger_v3', seq FROM sqlite_sequence
          WHERE name = 'ledger' AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'ledger_v3');
    UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'ledger'), 0))
     WHERE name = 'ledger_v3';
    DROP TABLE ledger;
    ALTER TABLE ledger_v3 RENAME TO ledger;
    CREATE INDEX ledger_pending ON ledger (state) WHERE state IN ('pending', 'awaiting_approval');
    CREATE INDEX ledger_by_playbook ON ledger (playbook, created);
    CREATE INDEX ledger_by_item ON ledger (item_id, created);
    CREATE INDEX ledger_following ON ledger (action) WHERE result IS NOT NULL AND state = 'done';

    CREATE TABLE approvals (
        id          TEXT PRIMARY KEY,
        ledger_id   INTEGER NOT NULL UNIQUE REFERENCES ledger (id),
        playbook    TEXT NOT NULL,
        created     TEXT NOT NULL,
        expires     TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('waiting', 'approved', 'denied', 'expired', 'cancelled')),
        decided_by  TEXT,
        decided_at  TEXT,
        reason      TEXT,
        notified    INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX approvals_waiting ON approvals (expires) WHERE state = 'waiting';
    "#,
];

/// The version the code brings a database to.
pub(crate) fn known_version(migrations: &[&str]) -> u32 {
    migrations.len() as u32
}

pub(crate) fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Brings the database to the newest version in `migrations`, refusing one newer than that.
pub(crate) fn migrate(conn: &mut Connection, path: &Path, migrations: &[&str]) -> Result<(), StateError> {
    let known = known_version(migrations);
    let found = user_version(conn).map_err(sql_error(path, "reading the schema version"))?;
    if found > known {
        return Err(StateError::TooNew {
            path: path.to_owned(),
            found,
            known,
        });
    }
    if found == 0 {
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
                [],
                |r| r.get(0),
            )
            .map_err(sql_error(path, "inspecting the database"))?;
        if tables > 0 {
            return Err(StateError::NotStateFile { path: path.to_owned() });
        }
    }
    for (i, batch) in migrations.iter().enumerate().skip(found as usize) {
        let version = i as u32 + 1;
        let context = format!("migrating the schema to version {version}");
        let mut apply = || -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(batch)?;
            tx.pragma_update(None, "user_version", version)?;
            tx.commit()
        };
        apply().map_err(sql_error(path, &context))?;
        tracing::info!(path = %path.display(), version, "State schema migrated.");
    }
    Ok(())
}

/// Records `tenant` and an instance id on first open; refuses another tenant later. Returns the
/// instance id.
pub(crate) fn check_tenant(conn: &mut Connection, path: &Path, tenant: &str) -> Result<String, StateError> {
    let sql = |context| sql_error(path, context);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql("checking the tenant"))?;
    let get = |key: &str| {
        tx.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| {
            r.get::<_, String>(0)
        })
        .optional()
        .map_err(sql("reading the recorded tenant"))
    };
    if let Some(recorded) = get("tenant")?
        && !recorded.eq_ignore_ascii_case(tenant)
    {
        return Err(StateError::WrongTenant {
            path: path.to_owned(),
            recorded,
            requested: tenant.to_owned(),
        });
    }
    let instance = match get("instance_id")? {
        Some(id) => id,
        None => uuid::Uuid::now_v7().to_string(),
    };
    let set = "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING";
    let now = Ts(chrono::Utc::now());
    let record = || -> rusqlite::Result<()> {
        tx.execute(set, ["tenant", tenant])?;
        tx.execute(set, ["instance_id", instance.as_str()])?;
        tx.execute(set, rusqlite::params!["created", now])?;
        Ok(())
    };
    record().map_err(sql("recording the tenant"))?;
    tx.commit().map_err(sql("recording the tenant"))?;
    Ok(instance)
}

#[cfg(test)]
mod tests {
    use super::super::Store;
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn migration_3_keeps_every_entry_and_never_reuses_an_id() {
        let dir = TempDir::new("state-schema");
        let mut conn = Connection::open(dir.db()).unwrap();
        migrate(&mut conn, &dir.db(), &MIGRATIONS[..2]).unwrap();
        conn.execute_batch(
            "INSERT INTO runs (id, playbook, playbook_hash, started, status, mode) VALUES (1, 'p', 'h', '2024-06-01T00:00:00Z', 'ok', 'live');
             INSERT INTO ledger (id, run_id, playbook, playbook_hash, item_id, item_kind, action_index, action, params, state, created, updated)
                  VALUES (41, 1, 'p', 'h', 'a', 'alert', 0, 'log', '{\"level\":\"info\",\"message\":\"m\"}', 'done', 'x', 'x'),
                         (42, 1, 'p', 'h', 'b', 'alert', 0, 'log', '{\"level\":\"info\",\"message\":\"m\"}', 'done', 'x', 'x');
             DELETE FROM ledger WHERE id = 42;",
        )
        .unwrap();
        migrate(&mut conn, &dir.db(), MIGRATIONS).unwrap();
        let kept: i64 = conn
            .query_row("SELECT count(*) FROM ledger WHERE id = 41", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 1);
        conn.execute(
            "INSERT INTO ledger (run_id, playbook, playbook_hash, item_id, item_kind, action_index, action, params, state, created, updated)
             VALUES (1, 'p', 'h', 'c', 'alert', 0, 'log', '{}', 'awaiting_approval', 'x', 'x')",
            [],
        )
        .unwrap();
        assert_eq!(
            conn.last_insert_rowid(),
            43,
            "42 was used once: it is never given again"
        );
    }

    #[test]
    fn migrates_from_empty_and_reopens_idempotently() {
        let dir = TempDir::new("state-schema");
        let store = Store::open(&dir.db(), TENANT).unwrap();
        let first_instance = store.instance_id().unwrap().to_owned();
        drop(store);
        let store = Store::open(&dir.db(), TENANT).unwrap();
        assert_eq!(store.instance_id(), Some(first_instance.as_str()));
        let conn = store.conn();
        assert_eq!(user_version(&conn).unwrap(), known_version(MIGRATIONS));
        let journal: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(journal, "wal");
        let fk: i64 = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).unwrap();
        assert_eq!(fk, 1);
    }

    #[test]
    fn applies_only_missing_migrations_and_rolls_back_a_failed_one() {
        let dir = TempDir::new("state-schema");
        let mut conn = Connection::open(dir.db()).unwrap();
        migrate(&mut conn, &dir.db(), &["CREATE TABLE a (x)"]).unwrap();
        assert_eq!(user_version(&conn).unwrap(), 1);
        // Re-running migration 1 would fail ("table a already exists"): it must be skipped.
        migrate(&mut conn, &dir.db(), &["CREATE TABLE a (x)", "CREATE TABLE b (x)"]).unwrap();
        assert_eq!(user_version(&conn).unwrap(), 2);
        let broken = [
            "CREATE TABLE a (x)",
            "CREATE TABLE b (x)",
            "CREATE TABLE c (x); CREATE TABLE c (y)",
        ];
        let err = migrate(&mut conn, &dir.db(), &broken).unwrap_err();
        assert!(err.to_string().contains("migrating the schema to version 3"), "{err}");
        assert_eq!(user_version(&conn).unwrap(), 2);
        let c: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'c'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(c, 0, "the failed migration left a table behind");
    }

    #[test]
    fn newer_schema_version_is_refused() {
        let dir = TempDir::new("state-schema");
        drop(Store::open(&dir.db(), TENANT).unwrap());
        let conn = Connection::open(dir.db()).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = Store::open(&dir.db(), TENANT).err().unwrap();
        assert!(matches!(err, StateError::TooNew { found: 99, .. }), "{err}");
        assert!(err.to_string().contains("upgrade graphsoar"), "{err}");
        let err = Store::open_read_only(&dir.db()).err().unwrap();
        assert!(matches!(err, StateError::TooNew { found: 99, .. }), "{err}");
    }

    #[test]
    fn another_tenant_is_refused() {
        let dir = TempDir::new("state-schema");
        drop(Store::open(&dir.db(), TENANT).unwrap());
        let err = Store::open(&dir.db(), "11111111-2222-3333-4444-555555555555")
            .err()
            .unwrap();
        let StateError::WrongTenant {
            recorded, requested, ..
        } = &err
        else {
            panic!("{err}")
        };
        assert_eq!(recorded, TENANT);
        assert_eq!(requested, "11111111-2222-3333-4444-555555555555");
        assert!(err.to_string().contains("separate state file per tenant"), "{err}");
        // Tenant ids are GUIDs: case does not make another tenant.
        Store::open(&dir.db(), &TENANT.to_uppercase()).unwrap();
    }
}
