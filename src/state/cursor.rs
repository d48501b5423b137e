//! Trigger cursors, keyed by playbook name and a hash of trigger + condition, so an edited
//! playbook starts again from `since` (dedup stops repeats). For `alerts`/`incidents` triggers
//! the position is the largest server `lastUpdateDateTime` seen; for `hunting` the end of the last
//! successful window. Cursors only move inside [`Store::commit_plan`](super::Store::commit_plan),
//! together with the ledger entries of the items they pass, and never move back.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{StateError, Store, Ts};

/// Where a trigger resumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Cursor {
    pub position: DateTime<Utc>,
}

/// A cursor advance, committed with a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorAdvance {
    /// Hash of the playbook's trigger and condition.
    pub trigger_hash: String,
    pub position: DateTime<Utc>,
}

impl Store {
    /// The cursor of `playbook`'s trigger with hash `trigger_hash`, if a run has committed one.
    pub fn cursor(&self, playbook: &str, trigger_hash: &str) -> Result<Option<Cursor>, StateError> {
        let conn = self.conn();
        conn.prepare_cached("SELECT position FROM cursors WHERE playbook = ?1 AND trigger_hash = ?2")
            .and_then(|mut stmt| {
                stmt.query_row([playbook, trigger_hash], |r| r.get::<_, Ts>(0))
                    .optional()
            })
            .map(|t| t.map(|Ts(position)| Cursor { position }))
            .map_err(self.sql("reading a trigger cursor"))
    }
}

/// Writes the cursor inside the plan's transaction: never backwards, and the cursors of the
/// playbook's earlier trigger hashes are dropped (an edited trigger starts again; reverting the
/// edit must not resume from a stale position).
pub(crate) fn advance(
    tx: &Transaction<'_>,
    playbook: &str,
    advance: &CursorAdvance,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO cursors (playbook, trigger_hash, position, updated) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (playbook, trigger_hash) DO UPDATE
         SET position = max(position, excluded.position), updated = excluded.updated",
    )?
    .execute(params![playbook, advance.trigger_hash, Ts(advance.position), Ts(now)])?;
    tx.prepare_cached("DELETE FROM cursors WHERE playbook = ?1 AND trigger_hash <> ?2")?
        .execute([playbook, advance.trigger_hash.as_str()])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{PlanCommit, RunMode};
    use super::*;

    fn commit_cursor(store: &Store, playbook: &str, hash: &str, position: DateTime<Utc>) {
        let run = store.start_run(playbook, "ph", at(9, 0), RunMode::Live).unwrap();
        let mut plan = PlanCommit::new(run, playbook, "ph", at(9, 0));
        plan.cursor = Some(CursorAdvance {
            trigger_hash: hash.into(),
            position,
        });
        store.commit_plan(plan).unwrap();
    }

    #[test]
    fn cursors_are_per_playbook_and_trigger_hash() {
        let (_dir, store) = store();
        assert_eq!(store.cursor("a", "h1").unwrap(), None);
        commit_cursor(&store, "a", "h1", at(10, 0));
        commit_cursor(&store, "b", "h1", at(11, 0));
        assert_eq!(store.cursor("a", "h1").unwrap(), Some(Cursor { position: at(10, 0) }));
        assert_eq!(store.cursor("b", "h1").unwrap(), Some(Cursor { position: at(11, 0) }));
        assert_eq!(store.cursor("a", "h2").unwrap(), None, "an edited trigger starts again");
    }

    #[test]
    fn cursor_never_moves_back_and_edits_drop_old_hashes() {
        let (_dir, store) = store();
        commit_cursor(&store, "a", "h1", at(10, 0));
        commit_cursor(&store, "a", "h1", at(9, 0));
        assert_eq!(store.cursor("a", "h1").unwrap().unwrap().position, at(10, 0));
        commit_cursor(&store, "a", "h1", at(10, 5));
        assert_eq!(store.cursor("a", "h1").unwrap().unwrap().position, at(10, 5));
        commit_cursor(&store, "a", "h2", at(8, 0));
        assert_eq!(store.cursor("a", "h2").unwrap().unwrap().position, at(8, 0));
        assert_eq!(
            store.cursor("a", "h1").unwrap(),
            None,
            "reverting the edit starts again too"
        );
    }
}
