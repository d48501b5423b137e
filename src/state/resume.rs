//! Resumption after a restart: pending entries are actions that were recorded and not finished.
//! They resume only if their playbook still exists, is enabled and is unchanged; otherwise they
//! are cancelled, which is what makes disabling a playbook the emergency stop.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{TransactionBehavior, params};

use super::ledger::{ENTRY_COLUMNS, ledger_entry};
use super::{ActionState, LedgerEntry, StateError, Store, Ts};

/// Reason recorded on actions whose playbook is no longer loaded or enabled.
pub const REASON_PLAYBOOK_GONE: &str = "playbook removed or disabled since the action was planned";
/// Reason recorded on actions whose playbook was edited.
pub const REASON_PLAYBOOK_CHANGED: &str = "playbook changed since the action was planned";

/// A cancelled entry's playbook and reason, for the log.
type Cancelled = (String, &'static str);

const PENDING: &str = "WHERE state = 'pending' ORDER BY run_id, item_kind, item_id, action_index";
/// Pending, or waiting for an approval: what a disabled, edited or removed playbook cancels.
const OPEN: &str = "WHERE state IN ('pending', 'awaiting_approval') ORDER BY run_id, item_kind, item_id, action_index";

impl Store {
    /// Every pending entry, ordered by run, item and action index.
    pub fn pending_entries(&self) -> Result<Vec<LedgerEntry>, StateError> {
        let conn = self.conn();
        let query = || -> rusqlite::Result<Vec<LedgerEntry>> {
            let mut stmt = conn.prepare_cached(&format!("SELECT {ENTRY_COLUMNS} FROM ledger {PENDING}"))?;
            stmt.query_map([], ledger_entry)?.collect()
        };
        query().map_err(self.sql("reading pending actions"))
    }

    /// How many entries are pending, by playbook (for `/metrics`).
    pub fn pending_by_playbook(&self) -> Result<BTreeMap<String, u64>, StateError> {
        let conn = self.conn();
        let query = || -> rusqlite::Result<BTreeMap<String, u64>> {
            let mut stmt =
                conn.prepare_cached("SELECT playbook, count(*) FROM ledger WHERE state = 'pending' GROUP BY playbook")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.unsigned_abs())))?
                .collect()
        };
        query().map_err(self.sql("counting pending actions"))
    }

    /// Cancels every pending entry of `playbook` with `reason`; returns how many.
    pub fn cancel_pending_of(&self, playbook: &str, reason: &str, now: DateTime<Utc>) -> Result<usize, StateError> {
        let conn = self.conn();
        let n = conn
            .execute(
                "UPDATE ledger SET state = 'cancelled', reason = ?2, updated = ?3
                 WHERE state = 'pending' AND playbook = ?1",
                params![playbook, reason, Ts(now)],
            )
            .map_err(self.sql("cancelling pending actions"))?;
        if n > 0 {
            tracing::warn!(playbook, cancelled = n, reason, "Pending actions cancelled.");
        }
        Ok(n)
    }

    /// At engine start: given the enabled playbooks (name → hash) and the disabled ones, cancels
    /// the pending entries of playbooks that are disabled, changed or gone, and returns the
    /// others, to resume, in [`pending_entries`](Store::pending_entries) order. A playbook is
    /// gone only when every playbook file `complete`ly loaded: the entries of one that may just
    /// have failed to load (a broken file, a folder not mounted yet) stay pending, neither
    /// cancelled (its dedup keys would stop it forever) nor resumed.
    pub fn reconcile_pending(
        &self,
        live: &HashMap<String, String>,
        disabled: &HashSet<String>,
        complete: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<LedgerEntry>, StateError> {
        let keep = self.reconcile_pending_where(|_| true, live, disabled, complete, now)?;
        if !keep.is_empty() {
            tracing::info!(pending = keep.len(), "Resuming pending actions.");
        }
        Ok(keep)
    }

    /// After a hot reload, once the earlier version's run of each of `playbooks` has ended:
    /// [`reconcile_pending`](Store::reconcile_pending) for just those playbooks (removed,
    /// disabled or edited ones lose their pending actions; a playbook whose file only failed to
    /// load keeps them). The entries kept are not returned: the playbook's next run retries them.
    pub fn reconcile_pending_of(
        &self,
        playbooks: &HashSet<String>,
        live: &HashMap<String, String>,
        disabled: &HashSet<String>,
        complete: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StateError> {
        self.reconcile_pending_where(|p| playbooks.contains(p), live, disabled, complete, now)
            .map(drop)
    }

    fn reconcile_pending_where(
        &self,
        only: impl Fn(&str) -> bool,
        live: &HashMap<String, String>,
        disabled: &HashSet<String>,
        complete: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<LedgerEntry>, StateError> {
        let mut conn = self.conn();
        let mut unknown: HashSet<String> = HashSet::new();
        let mut reconcile = || -> rusqlite::Result<(Vec<LedgerEntry>, Vec<Cancelled>)> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let pending: Vec<LedgerEntry> = {
                let mut stmt = tx.prepare_cached(&format!("SELECT {ENTRY_COLUMNS} FROM ledger {OPEN}"))?;
                stmt.query_map([], ledger_entry)?.collect::<rusqlite::Result<_>>()?
            };
            let (mut keep, mut gone) = (Vec::new(), Vec::new());
            {
                let mut cancel = tx
                    .prepare_cached("UPDATE ledger SET state = 'cancelled', reason = ?2, updated = ?3 WHERE id = ?1")?;
                for e in pending.into_iter().filter(|e| only(&e.playbook)) {
                    let reason = match live.get(&e.playbook) {
                        Some(hash) if *hash == e.playbook_hash => {
                            if e.state == ActionState::Pending {
                                keep.push(e);
                            }
                            continue;
                        }
                        Some(_) => REASON_PLAYBOOK_CHANGED,
                        None if complete || disabled.contains(&e.playbook) => REASON_PLAYBOOK_GONE,
                        None => {
                            unknown.insert(e.playbook);
                            continue;
                        }
                    };
                    cancel.execute(params![e.id, reason, Ts(now)])?;
                    super::approvals::cancel_of_entry(&tx, e.id, reason, now)?;
                    gone.push((e.playbook, reason));
                }
            }
            tx.commit()?;
            Ok((keep, gone))
        };
        let (keep, gone) = reconcile().map_err(self.sql("reconciling pending actions with the loaded playbooks"))?;
        let mut cancelled: HashMap<(&str, &str), usize> = HashMap::new();
        for (playbook, reason) in &gone {
            *cancelled.entry((playbook.as_str(), reason)).or_default() += 1;
        }
        for ((playbook, reason), n) in cancelled {
            tracing::warn!(playbook, cancelled = n, reason, "Pending actions cancelled.");
        }
        for playbook in &unknown {
            tracing::warn!(
                playbook = %playbook,
                "Pending actions of a playbook that did not load are left pending: fix the playbooks so they resume."
            );
        }
        Ok(keep)
    }
}

#[cfg(test)]
mod tests {
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
    fn reconcile_of_some_playbooks_leaves_the_others_alone() {
        let (_dir, store) = store();
        let (_, edited) = plan(&store, "edited", &["a1"], 1, at(10, 0));
        let (_, running) = plan(&store, "running", &["a2"], 1, at(10, 0));
        let (_, broken) = plan(&store, "broken", &["a3"], 1, at(10, 0));
        // After a reload: "edited" is at "ph2", "broken" did not load, "running" is not in
        // `live` at all (as if gone), but it is not one of the playbooks reconciled.
        let only: HashSet<String> = ["edited".to_string(), "broken".to_string()].into();
        store
            .reconcile_pending_of(&only, &live(&[("edited", "ph2")]), &HashSet::new(), false, at(11, 0))
            .unwrap();
        assert_eq!(store.entry(edited[0]).unwrap().state, ActionState::Cancelled);
        assert_eq!(store.entry(running[0]).unwrap().state, ActionState::Pending);
        assert_eq!(
            store.entry(broken[0]).unwrap().state,
            ActionState::Pending,
            "a playbook that only failed to load keeps its actions"
        );
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
}
