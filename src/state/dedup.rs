//! Dedup keys, namespaced by playbook. A key is written only by
//! [`Store::commit_plan`](super::Store::commit_plan), in the same transaction as the ledger
//! entries of its actions, and never removed because an action failed; only its window ends it.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};

use super::{RunId, StateError, Store, Ts};

/// A dedup key to record with a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DedupKey {
    /// The rendered key, e.g. the alert id or `{{ incident.id }}:{{ incident.severity }}`.
    pub key: String,
    /// End of the dedup window; `None` = forever.
    pub expires: Option<DateTime<Utc>>,
}

impl DedupKey {
    pub fn new(key: impl Into<String>, expires: Option<DateTime<Utc>>) -> DedupKey {
        DedupKey {
            key: key.into(),
            expires,
        }
    }
}

impl Store {
    /// Which of `keys` `playbook` has already acted on: recorded and not expired at `now`.
    pub fn seen_keys(
        &self,
        playbook: &str,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<HashSet<String>, StateError> {
        if keys.is_empty() {
            return Ok(HashSet::new());
        }
        // One statement for any number of keys: the keys travel as one JSON array.
        let keys = serde_json::Value::from(keys);
        let conn = self.conn();
        let query = || -> rusqlite::Result<HashSet<String>> {
            let mut stmt = conn.prepare_cached(
                "SELECT key FROM dedup_keys
                 WHERE playbook = ?1 AND key IN (SELECT value FROM json_each(?2))
                   AND (expires_at IS NULL OR expires_at > ?3)",
            )?;
            let rows = stmt.query_map(params![playbook, keys, Ts(now)], |r| r.get::<_, String>(0))?;
            rows.collect()
        };
        query().map_err(self.sql("looking up dedup keys"))
    }

    /// Deletes the keys whose window ended at or before `now`; returns how many. Also done by
    /// every [`commit_plan`](Store::commit_plan), so calling it is optional.
    pub fn purge_expired(&self, now: DateTime<Utc>) -> Result<usize, StateError> {
        let conn = self.conn();
        purge(&conn, now).map_err(self.sql("purging expired dedup keys"))
    }
}

pub(crate) fn purge(conn: &rusqlite::Connection, now: DateTime<Utc>) -> rusqlite::Result<usize> {
    conn.prepare_cached("DELETE FROM dedup_keys WHERE expires_at IS NOT NULL AND expires_at <= ?1")?
        .execute([Ts(now)])
}

/// Records `key` inside the plan's transaction, replacing the window of a key seen before (an
/// expired key written again starts a new window).
pub(crate) fn record(
    tx: &Transaction<'_>,
    playbook: &str,
    run: RunId,
    key: &DedupKey,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO dedup_keys (playbook, key, expires_at, created, run_id) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (playbook, key) DO UPDATE
         SET expires_at = excluded.expires_at, created = excluded.created, run_id = excluded.run_id",
    )?
    .execute(params![playbook, key.key, key.expires.map(Ts), Ts(now), run])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{PlanCommit, RunMode};
    use super::*;

    fn commit_keys(store: &Store, playbook: &str, keys: Vec<DedupKey>, now: DateTime<Utc>) {
        let run = store.start_run(playbook, "ph", now, RunMode::Live).unwrap();
        let mut plan = PlanCommit::new(run, playbook, "ph", now);
        plan.dedup_keys = keys;
        store.commit_plan(plan).unwrap();
    }

    fn strings(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn windows_end_and_forever_keys_stay() {
        let (_dir, store) = store();
        let keys = vec![DedupKey::new("forever", None), DedupKey::new("hour", Some(at(11, 0)))];
        commit_keys(&store, "p", keys, at(10, 0));
        let all = strings(&["forever", "hour", "never-seen"]);
        let seen = store.seen_keys("p", &all, at(10, 30)).unwrap();
        assert_eq!(seen, HashSet::from(["forever".to_string(), "hour".to_string()]));
        let seen = store.seen_keys("p", &all, at(11, 0)).unwrap();
        assert_eq!(
            seen,
            HashSet::from(["forever".to_string()]),
            "a window ends at its expiry"
        );
        assert_eq!(store.purge_expired(at(12, 0)).unwrap(), 1);
        assert_eq!(
            store.seen_keys("p", &all, at(9, 0)).unwrap().len(),
            1,
            "purged for good"
        );
    }

    #[test]
    fn keys_are_namespaced_by_playbook() {
        let (_dir, store) = store();
        commit_keys(&store, "a", vec![DedupKey::new("alert-1", None)], at(10, 0));
        assert!(
            store
                .seen_keys("b", &strings(&["alert-1"]), at(10, 0))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store.seen_keys("a", &strings(&["alert-1"]), at(10, 0)).unwrap().len(),
            1
        );
        assert!(store.seen_keys("a", &[], at(10, 0)).unwrap().is_empty());
    }

    #[test]
    fn rewriting_a_key_replaces_its_window() {
        let (_dir, store) = store();
        commit_keys(&store, "p", vec![DedupKey::new("k", Some(at(11, 0)))], at(10, 0));
        commit_keys(&store, "p", vec![DedupKey::new("k", Some(at(13, 0)))], at(12, 0));
        assert_eq!(store.seen_keys("p", &strings(&["k"]), at(12, 30)).unwrap().len(), 1);
        commit_keys(&store, "p", vec![DedupKey::new("k", None)], at(12, 45));
        assert_eq!(store.seen_keys("p", &strings(&["k"]), at(23, 0)).unwrap().len(), 1);
    }

    #[test]
    fn many_keys_and_odd_characters_in_one_lookup() {
        let (_dir, store) = store();
        let keys: Vec<DedupKey> = (0..2000)
            .map(|i| DedupKey::new(format!("key-{i}-'\"\\ü,"), None))
            .collect();
        commit_keys(&store, "p", keys.clone(), at(10, 0));
        let all: Vec<String> = keys.iter().map(|k| k.key.clone()).chain(["other".into()]).collect();
        assert_eq!(store.seen_keys("p", &all, at(10, 0)).unwrap().len(), 2000);
    }
}
