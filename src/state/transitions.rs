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
#[path = "transitions_tests.rs"]
mod tests;
