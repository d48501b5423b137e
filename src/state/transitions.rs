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

/// What happened to a pending entry, for [`Store::record`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Transition<'a> {
    /// The action succeeded.
    Done,
    /// The action succeeded and started something that goes on (machine actions): `result`
    /// is what to follow.
    Started { result: &'a serde_json::Value },
    /// Not done because a safety limit forbids it; the item's later actions are skipped.
    Refused { reason: &'a str },
    /// Not done on purpose; the item's later actions in the run are skipped with it.
    Skipped { reason: &'a str },
    /// Failed: a `retryable` failure with attempts left (of `max_attempts`) stays pending,
    /// otherwise the entry fails and the item's later actions in the run are abandoned.
    Failed {
        error: &'a str,
        retryable: bool,
        max_attempts: u32,
    },
    /// Will not run; the item's later actions in the run are cancelled with it.
    Cancelled { reason: &'a str },
}

impl Transition<'_> {
    fn context(&self) -> &'static str {
        match self {
            Transition::Done | Transition::Started { .. } => "marking an action done",
            Transition::Refused { .. } => "recording a refused action",
            Transition::Skipped { .. } => "recording a skipped action",
            Transition::Failed { .. } => "recording a failed action",
            Transition::Cancelled { .. } => "cancelling an action",
        }
    }

    /// Applies the change to `current` (pending) inside `tx`; the ids of later entries that
    /// followed it.
    fn apply(&self, tx: &Transaction<'_>, current: &LedgerEntry, now: DateTime<Utc>) -> rusqlite::Result<Vec<i64>> {
        let id = current.id;
        match *self {
            Transition::Done => {
                tx.prepare_cached("UPDATE ledger SET state = 'done', updated = ?2 WHERE id = ?1")?
                    .execute(params![id, Ts(now)])?;
                Ok(Vec::new())
            }
            Transition::Started { result } => {
                tx.prepare_cached("UPDATE ledger SET state = 'done', result = ?2, updated = ?3 WHERE id = ?1")?
                    .execute(params![id, result, Ts(now)])?;
                Ok(Vec::new())
            }
            Transition::Refused { reason } => {
                // Refused before anything was sent: a `sending` mark goes with it.
                tx.prepare_cached(
                    "UPDATE ledger SET state = 'refused', reason = ?2, updated = ?3,
                            result = CASE WHEN json_extract(result, '$.sending') IS NOT NULL THEN NULL ELSE result END
                     WHERE id = ?1",
                )?
                .execute(params![id, reason, Ts(now)])?;
                let later = format!("an earlier action was refused: {reason}");
                follow(tx, current, ActionState::Skipped, &later, now)
            }
            Transition::Skipped { reason } => {
                tx.prepare_cached("UPDATE ledger SET state = 'skipped', reason = ?2, updated = ?3 WHERE id = ?1")?
                    .execute(params![id, reason, Ts(now)])?;
                let later = format!("an earlier action was skipped: {reason}");
                follow(tx, current, ActionState::Skipped, &later, now)
            }
            Transition::Failed {
                error,
                retryable,
                max_attempts,
            } => {
                let attempts = current.attempts + 1;
                let give_up = !retryable || attempts >= max_attempts.max(1);
                let state = if give_up {
                    ActionState::Failed
                } else {
                    ActionState::Pending
                };
                // A `sending` mark is the attempt's: the failure settled it.
                tx.prepare_cached(
                    "UPDATE ledger SET state = ?2, attempts = ?3, error = ?4, updated = ?5,
                            result = CASE WHEN json_extract(result, '$.sending') IS NOT NULL THEN NULL ELSE result END
                     WHERE id = ?1",
                )?
                .execute(params![id, state, attempts, error, Ts(now)])?;
                if !give_up {
                    return Ok(Vec::new());
                }
                follow(tx, current, ActionState::Abandoned, REASON_EARLIER_FAILED, now)
            }
            Transition::Cancelled { reason } => {
                tx.prepare_cached("UPDATE ledger SET state = 'cancelled', reason = ?2, updated = ?3 WHERE id = ?1")?
                    .execute(params![id, reason, Ts(now)])?;
                follow(tx, current, ActionState::Cancelled, reason, now)
            }
        }
    }
}

impl Store {
    /// The action succeeded.
    pub fn mark_done(&self, id: i64, now: DateTime<Utc>) -> Result<LedgerEntry, StateError> {
        self.transition(id, Transition::Done, now).map(|m| m.entry)
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
        let failed = Transition::Failed {
            error,
            retryable,
            max_attempts,
        };
        self.transition(id, failed, now)
    }

    /// The action was not done on purpose (e.g. the guard saw an analyst change the item);
    /// the item's later actions in the run are skipped with it.
    pub fn mark_skipped(&self, id: i64, reason: &str, now: DateTime<Utc>) -> Result<Marked, StateError> {
        self.transition(id, Transition::Skipped { reason }, now)
    }

    /// The action will not run (its playbook was disabled, removed or changed); the item's
    /// later actions in the run are cancelled with it.
    pub fn cancel(&self, id: i64, reason: &str, now: DateTime<Utc>) -> Result<Marked, StateError> {
        self.transition(id, Transition::Cancelled { reason }, now)
    }

    /// One transition on pending entry `id`, in its own transaction.
    fn transition(&self, id: i64, change: Transition<'_>, now: DateTime<Utc>) -> Result<Marked, StateError> {
        let mut results = self.record(&[(id, change)], now)?;
        results.pop().unwrap_or(Err(StateError::UnknownEntry { id }))
    }

    /// Many transitions in one transaction (one commit, one sync to disk), each as its own
    /// method would make it, in order. An entry that is unknown or no longer pending gets its
    /// error and changes nothing; the others are still recorded. A database error records none.
    pub fn record(
        &self,
        changes: &[(i64, Transition<'_>)],
        now: DateTime<Utc>,
    ) -> Result<Vec<Result<Marked, StateError>>, StateError> {
        let context = match changes {
            [(_, one)] => one.context(),
            _ => "recording action outcomes",
        };
        let mut conn = self.conn();
        let sql = self.sql(context);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&sql)?;
        let mut results = Vec::with_capacity(changes.len());
        for (id, change) in changes {
            let Some(current) = entry(&tx, *id).map_err(&sql)? else {
                results.push(Err(StateError::UnknownEntry { id: *id }));
                continue;
            };
            if current.state != ActionState::Pending {
                results.push(Err(StateError::NotPending {
                    id: *id,
                    state: current.state,
                }));
                continue;
            }
            let later = change.apply(&tx, &current, now).map_err(&sql)?;
            let updated = entry(&tx, *id)
                .map_err(&sql)?
                .ok_or(StateError::UnknownEntry { id: *id })?;
            results.push(Ok(Marked { entry: updated, later }));
        }
        tx.commit().map_err(&sql)?;
        Ok(results)
    }
}

/// Moves the pending (or waiting) later actions of `current`'s item in its run to `state`; the
/// approvals of those that waited are cancelled.
pub(crate) fn follow(
    tx: &Transaction<'_>,
    current: &LedgerEntry,
    state: ActionState,
    reason: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = tx.prepare_cached(
        "UPDATE ledger SET state = ?1, reason = ?2, updated = ?3
         WHERE run_id = ?4 AND item_kind = ?5 AND item_id = ?6 AND action_index > ?7
           AND state IN ('pending', 'awaiting_approval')
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
    for id in &ids {
        super::approvals::cancel_of_entry(tx, *id, reason, now)?;
    }
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

    #[test]
    fn record_applies_many_transitions_at_once_and_reports_each() {
        let (_dir, store) = store();
        // Items a1 and a2 with two actions each: ids a1 = [0, 1], a2 = [2, 3].
        let (_, ids) = plan(&store, "p", &["a1", "a2"], 2, at(10, 0));
        let results = store
            .record(
                &[
                    (ids[0], Transition::Done),
                    (
                        ids[2],
                        Transition::Skipped {
                            reason: "analyst changed it",
                        },
                    ),
                    (ids[3], Transition::Done),
                    (999_999, Transition::Done),
                    (
                        ids[1],
                        Transition::Failed {
                            error: "HTTP 503",
                            retryable: true,
                            max_attempts: 3,
                        },
                    ),
                ],
                at(10, 1),
            )
            .unwrap();
        assert_eq!(results.len(), 5);
        assert_eq!(results[0].as_ref().unwrap().entry.state, ActionState::Done);
        // The skip took a2's later action with it, so marking that one is refused, alone.
        assert_eq!(results[1].as_ref().unwrap().later, vec![ids[3]]);
        assert!(matches!(
            results[2],
            Err(StateError::NotPending {
                state: ActionState::Skipped,
                ..
            })
        ));
        assert!(matches!(results[3], Err(StateError::UnknownEntry { id: 999_999 })));
        let failed = results[4].as_ref().unwrap();
        assert_eq!((failed.entry.state, failed.entry.attempts), (ActionState::Pending, 1));
        assert_eq!(store.entry(ids[0]).unwrap().updated, at(10, 1));
        assert_eq!(
            store.entry(ids[2]).unwrap().reason.as_deref(),
            Some("analyst changed it")
        );
    }
}
