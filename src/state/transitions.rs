//! Ledger state changes after an action ran (or did not). Only a `pending` entry changes; a
//! final state is final. When an entry fails for good, is skipped or is cancelled, the later
//! actions of the same item in the same run follow it, because an action runs only for items
//! whose earlier actions all succeeded.

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, TransactionBehavior, params};

use super::ledger::entry;
use super::{ActionState, LedgerEntry, StateError, Store, Ts};

/// The reason recorded on the later actions of an item whose action failed for good.
pub const REASON_EARLIER_FAILED: &str = "an earlier action failed";

/// An entry after a state change, and the later entries of its item that changed with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Marked {
    pub entry: LedgerEntry,
    /// Ids of the later actions of the same item and run that were abandoned, skipped or
    /// cancelled along with it.
    pub later: Vec<i64>,
}

impl Marked {
    /// Whether a failed entry stays pending for another attempt.
    pub fn will_retry(&self) -> bool {
        self.entry.state == ActionState::Pending
    }
}

impl Store {
    /// The action succeeded.
    pub fn mark_done(&self, id: i64, now: DateTime<Utc>) -> Result<LedgerEntry, StateError> {
        self.transition(id, "marking an action done", |tx, _| {
            tx.execute(
                "UPDATE ledger SET state = 'done', updated = ?2 WHERE id = ?1",
                params![id, Ts(now)],
            )?;
            Ok(Vec::new())
        })
        .map(|m| m.entry)
    }

    /// The action failed with `error`. Counts the attempt; a `retryable` failure with attempts
    /// left stays pending (retried later with the same frozen parameters); otherwise the entry
    /// becomes `failed` and the item's later actions in the run `abandoned`. Dedup keys stay.
    pub fn mark_failed(
        &self,
        id: i64,
        error: &str,
        retryable: bool,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<Marked, StateError> {
        self.transition(id, "recording a failed action", |tx, current| {
            let attempts = current.attempts + 1;
            let give_up = !retryable || attempts >= max_attempts.max(1);
            let state = if give_up {
                ActionState::Failed
            } else {
                ActionState::Pending
            };
            tx.execute(
                "UPDATE ledger SET state = ?2, attempts = ?3, error = ?4, updated = ?5 WHERE id = ?1",
                params![id, state, attempts, error, Ts(now)],
            )?;
            if !give_up {
                return Ok(Vec::new());
            }
            follow(tx, current, ActionState::Abandoned, REASON_EARLIER_FAILED, now)
        })
    }

    /// The action was not done on purpose (e.g. the guard saw an analyst change the item);
    /// the item's later actions in the run are skipped with it.
    pub fn mark_skipped(&self, id: i64, reason: &str, now: DateTime<Utc>) -> Result<Marked, StateError> {
        self.transition(id, "recording a skipped action", |tx, current| {
            tx.execute(
                "UPDATE ledger SET state = 'skipped', reason = ?2, updated = ?3 WHERE id = ?1",
                params![id, reason, Ts(now)],
            )?;
            let later = format!("an earlier action was skipped: {reason}");
            follow(tx, current, ActionState::Skipped, &later, now)
        })
    }

    /// The action will not run (its playbook was disabled, removed or changed); the item's
    /// later actions in the run are cancelled with it.
    pub fn cancel(&self, id: i64, reason: &str, now: DateTime<Utc>) -> Result<Marked, StateError> {
        self.transition(id, "cancelling an action", |tx, current| {
            tx.execute(
                "UPDATE ledger SET state = 'cancelled', reason = ?2, updated = ?3 WHERE id = ?1",
                params![id, reason, Ts(now)],
            )?;
            follow(tx, current, ActionState::Cancelled, reason, now)
        })
    }

    /// Runs `change` on pending entry `id` in one transaction and returns the entry after it.
    fn transition(
        &self,
        id: i64,
        context: &str,
        change: impl FnOnce(&Transaction<'_>, &LedgerEntry) -> rusqlite::Result<Vec<i64>>,
    ) -> Result<Marked, StateError> {
        let mut conn = self.conn();
        let sql = self.sql(context);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&sql)?;
        let current = entry(&tx, id).map_err(&sql)?.ok_or(StateError::UnknownEntry { id })?;
        if current.state != ActionState::Pending {
            return Err(StateError::NotPending {
                id,
                state: current.state,
            });
        }
        let later = change(&tx, &current).map_err(&sql)?;
        let updated = entry(&tx, id).map_err(&sql)?.ok_or(StateError::UnknownEntry { id })?;
        tx.commit().map_err(&sql)?;
        Ok(Marked { entry: updated, later })
    }
}

/// Moves the pending later actions of `current`'s item in its run to `state`.
fn follow(
    tx: &Transaction<'_>,
    current: &LedgerEntry,
    state: ActionState,
    reason: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = tx.prepare_cached(
        "UPDATE ledger SET state = ?1, reason = ?2, updated = ?3
         WHERE run_id = ?4 AND item_kind = ?5 AND item_id = ?6 AND action_index > ?7 AND state = 'pending'
         RETURNING id",
    )?;
    let args = params![
        state,
        reason,
        Ts(now),
        current.run_id,
        current.item_kind,
        current.item_id,
        current.action_index
    ];
    let mut ids: Vec<i64> = stmt.query_map(args, |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    ids.sort_unstable();
    Ok(ids)
}

#[cfg(test)]
mod tests {
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
}
