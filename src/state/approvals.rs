//! Approvals: an action planned with `approval:` is recorded as `awaiting_approval` with one
//! approval row, in the plan's transaction. A person approves it (the entry becomes `pending`
//! and the playbook's next run executes it), denies it (`denied`), or lets it time out
//! (`expired`); an edited, disabled or removed playbook cancels it. Every decision is one
//! transaction that checks the approval still waits and has not expired, so a decision counts
//! once, and who decided is kept for `history`.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, Transaction, TransactionBehavior, params};

use super::ledger::entry;
use super::transitions::follow;
use super::{ActionState, LedgerEntry, StateError, Store, Ts, text_enum};

text_enum! {
    /// Where an approval is.
    pub enum ApprovalState {
        Waiting = "waiting",
        Approved = "approved",
        Denied = "denied",
        Expired = "expired",
        Cancelled = "cancelled",
    }
}

/// One approval, with the action it holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ApprovalRecord {
    /// Short and unguessable, such as `ap-3f9c1e27b0`: what `approve` and `deny` take.
    pub id: String,
    pub ledger_id: i64,
    pub playbook: String,
    pub created: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    pub state: ApprovalState,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    /// The request went out to its recipients.
    pub notified: bool,
}

/// A person's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve { by: String },
    Deny { by: String, reason: Option<String> },
}

const COLUMNS: &str = "id, ledger_id, playbook, created, expires, state, decided_by, decided_at, reason, notified";

fn record(r: &Row<'_>) -> rusqlite::Result<ApprovalRecord> {
    Ok(ApprovalRecord {
        id: r.get(0)?,
        ledger_id: r.get(1)?,
        playbook: r.get(2)?,
        created: r.get::<_, Ts>(3)?.0,
        expires: r.get::<_, Ts>(4)?.0,
        state: r.get(5)?,
        decided_by: r.get(6)?,
        decided_at: r.get::<_, Option<Ts>>(7)?.map(|t| t.0),
        reason: r.get(8)?,
        notified: r.get::<_, i64>(9)? != 0,
    })
}

/// A new approval id: `ap-` and 10 hex digits of a v4 UUID (40 random bits).
pub(crate) fn new_id() -> String {
    format!("ap-{}", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

/// Inserts the approval of a new awaiting entry (inside the plan's transaction).
pub(crate) fn insert(
    tx: &Transaction<'_>,
    ledger_id: i64,
    playbook: &str,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> rusqlite::Result<String> {
    let id = new_id();
    tx.prepare_cached(
        "INSERT INTO approvals (id, ledger_id, playbook, created, expires, state) VALUES (?1, ?2, ?3, ?4, ?5, 'waiting')",
    )?
    .execute(params![id, ledger_id, playbook, Ts(now), Ts(expires)])?;
    Ok(id)
}

/// Ends a waiting approval and its entry as `state` (`expired` or `cancelled`) with `reason`.
fn close(
    tx: &Transaction<'_>,
    approval: &ApprovalRecord,
    state: ApprovalState,
    entry_state: ActionState,
    reason: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.prepare_cached("UPDATE approvals SET state = ?2, decided_at = ?3, reason = ?4 WHERE id = ?1")?
        .execute(params![approval.id, state, Ts(now), reason])?;
    tx.prepare_cached(
        "UPDATE ledger SET state = ?2, reason = ?3, updated = ?4 WHERE id = ?1 AND state = 'awaiting_approval'",
    )?
    .execute(params![approval.ledger_id, entry_state, reason, Ts(now)])?;
    if let Some(current) = entry(tx, approval.ledger_id)? {
        let later = format!("an earlier action did not run: {reason}");
        follow(tx, &current, ActionState::Skipped, &later, now)?;
    }
    Ok(())
}

/// After an approval: the item's later actions that waited only for it become pending, up to
/// the next one that has an approval of its own.
fn release_later(tx: &Transaction<'_>, current: &LedgerEntry, now: DateTime<Utc>) -> rusqlite::Result<()> {
    let later: Vec<(i64, bool)> = tx
        .prepare_cached(
            "SELECT l.id, EXISTS (SELECT 1 FROM approvals a WHERE a.ledger_id = l.id AND a.state = 'waiting')
               FROM ledger l
              WHERE l.run_id = ?1 AND l.item_kind = ?2 AND l.item_id = ?3 AND l.action_index > ?4
                AND l.state = 'awaiting_approval'
              ORDER BY l.action_index",
        )?
        .query_map(
            params![current.run_id, current.item_kind, current.item_id, current.action_index],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<rusqlite::Result<_>>()?;
    let mut release = tx.prepare_cached("UPDATE ledger SET state = 'pending', updated = ?2 WHERE id = ?1")?;
    for (id, own_approval) in later {
        if own_approval {
            break;
        }
        release.execute(params![id, Ts(now)])?;
    }
    Ok(())
}

/// Cancels the waiting approval of entry `ledger_id`, if any (inside a transaction).
pub(crate) fn cancel_of_entry(tx: &Transaction<'_>, ledger_id: i64, reason: &str, now: DateTime<Utc>) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE approvals SET state = 'cancelled', decided_at = ?2, reason = ?3 WHERE ledger_id = ?1 AND state = 'waiting'",
    )?
    .execute(params![ledger_id, Ts(now), reason])?;
    Ok(())
}

impl Store {
    /// Approvals with their entries, newest first: the waiting ones, or all of them.
    pub fn approvals(&self, waiting_only: bool) -> Result<Vec<(ApprovalRecord, LedgerEntry)>, StateError> {
        let conn = self.conn();
        let query = || -> rusqlite::Result<Vec<(ApprovalRecord, LedgerEntry)>> {
            let sql = format!(
                "SELECT {COLUMNS} FROM approvals WHERE (?1 = 0 OR state = 'waiting') ORDER BY created DESC, id"
            );
            let records: Vec<ApprovalRecord> = conn
                .prepare_cached(&sql)?
                .query_map([i64::from(waiting_only)], record)?
                .collect::<rusqlite::Result<_>>()?;
            let mut out = Vec::with_capacity(records.len());
            for r in records {
                if let Some(e) = entry(&conn, r.ledger_id)? {
                    out.push((r, e));
                }
            }
            Ok(out)
        };
        query().map_err(self.sql("reading approvals"))
    }

    /// One approval and its entry.
    pub fn approval(&self, id: &str) -> Result<(ApprovalRecord, LedgerEntry), StateError> {
        let conn = self.conn();
        let query = || -> rusqlite::Result<Option<(ApprovalRecord, LedgerEntry)>> {
            let Some(r) = conn
                .prepare_cached(&format!("SELECT {COLUMNS} FROM approvals WHERE id = ?1"))?
                .query_row([id], record)
                .optional()?
            else {
                return Ok(None);
            };
            Ok(entry(&conn, r.ledger_id)?.map(|e| (r, e)))
        };
        query()
            .map_err(self.sql("reading an approval"))?
            .ok_or_else(|| StateError::UnknownApproval { id: id.to_owned() })
    }

    /// Records a person's decision on a waiting approval, in one transaction: approved, its
    /// entry becomes pending; denied, `denied` with who and why. An approval that is no longer
    /// waiting, or whose time is up (it is then recorded as expired), is refused.
    pub fn decide(&self, id: &str, decision: &Decision, now: DateTime<Utc>) -> Result<ApprovalRecord, StateError> {
        let mut conn = self.conn();
        let mut apply = || -> rusqlite::Result<Result<ApprovalRecord, StateError>> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let Some(current) = tx
                .prepare_cached(&format!("SELECT {COLUMNS} FROM approvals WHERE id = ?1"))?
                .query_row([id], record)
                .optional()?
            else {
                return Ok(Err(StateError::UnknownApproval { id: id.to_owned() }));
            };
            if current.state != ApprovalState::Waiting {
                return Ok(Err(StateError::ApprovalDecided {
                    id: id.to_owned(),
                    state: current.state,
                    by: current.decided_by,
                }));
            }
            if current.expires <= now {
                close(&tx, &current, ApprovalState::Expired, ActionState::Expired, REASON_EXPIRED, now)?;
                tx.commit()?;
                return Ok(Err(StateError::ApprovalExpired {
                    id: id.to_owned(),
                    expired: current.expires,
                }));
            }
            let (state, by, reason) = match decision {
                Decision::Approve { by } => (ApprovalState::Approved, by, None),
                Decision::Deny { by, reason } => (ApprovalState::Denied, by, reason.clone()),
            };
            tx.prepare_cached("UPDATE approvals SET state = ?2, decided_by = ?3, decided_at = ?4, reason = ?5 WHERE id = ?1")?
                .execute(params![id, state, by, Ts(now), reason])?;
            match decision {
                Decision::Approve { by } => {
                    tx.prepare_cached(
                        "UPDATE ledger SET state = 'pending', reason = ?2, updated = ?3
                         WHERE id = ?1 AND state = 'awaiting_approval'",
                    )?
                    .execute(params![current.ledger_id, format!("approved by {by}"), Ts(now)])?;
                    if let Some(e) = entry(&tx, current.ledger_id)? {
                        release_later(&tx, &e, now)?;
                    }
                }
                Decision::Deny { by, reason } => {
                    let why = match reason {
                        Some(r) => format!("denied by {by}: {r}"),
                        None => format!("denied by {by}"),
                    };
                    tx.prepare_cached(
                        "UPDATE ledger SET state = 'denied', reason = ?2, updated = ?3
                         WHERE id = ?1 AND state = 'awaiting_approval'",
                    )?
                    .execute(params![current.ledger_id, why, Ts(now)])?;
                    if let Some(e) = entry(&tx, current.ledger_id)? {
                        let later = format!("an earlier action did not run: {why}");
                        follow(&tx, &e, ActionState::Skipped, &later, now)?;
                    }
                }
            }
            let updated = tx
                .prepare_cached(&format!("SELECT {COLUMNS} FROM approvals WHERE id = ?1"))?
                .query_row([id], record)?;
            tx.commit()?;
            Ok(Ok(updated))
        };
        apply().map_err(self.sql("recording an approval decision"))?
    }

    /// Expires every waiting approval whose time is up; returns them.
    pub fn expire_approvals(&self, now: DateTime<Utc>) -> Result<Vec<ApprovalRecord>, StateError> {
        let mut conn = self.conn();
        let mut apply = || -> rusqlite::Result<Vec<ApprovalRecord>> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let due: Vec<ApprovalRecord> = tx
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM approvals WHERE state = 'waiting' AND expires <= ?1"
                ))?
                .query_map([Ts(now)], record)?
                .collect::<rusqlite::Result<_>>()?;
            for a in &due {
                close(&tx, a, ApprovalState::Expired, ActionState::Expired, REASON_EXPIRED, now)?;
            }
            tx.commit()?;
            Ok(due)
        };
        let due = apply().map_err(self.sql("expiring approvals"))?;
        for a in &due {
            tracing::warn!(approval = %a.id, playbook = %a.playbook, ledger_id = a.ledger_id, "Approval expired: the action will not run.");
        }
        Ok(due)
    }

    /// Cancels the waiting approvals of `playbook` planned by another version of it (edited).
    pub fn cancel_stale_approvals(&self, playbook: &str, hash: &str, now: DateTime<Utc>) -> Result<usize, StateError> {
        let mut conn = self.conn();
        let mut apply = || -> rusqlite::Result<usize> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let stale: Vec<ApprovalRecord> = tx
                .prepare_cached(&format!(
                    "SELECT a.{} FROM approvals a JOIN ledger l ON l.id = a.ledger_id
                     WHERE a.state = 'waiting' AND a.playbook = ?1 AND l.playbook_hash != ?2",
                    COLUMNS.replace(", ", ", a.")
                ))?
                .query_map(params![playbook, hash], record)?
                .collect::<rusqlite::Result<_>>()?;
            for a in &stale {
                close(
                    &tx,
                    a,
                    ApprovalState::Cancelled,
                    ActionState::Cancelled,
                    super::REASON_PLAYBOOK_CHANGED,
                    now,
                )?;
            }
            tx.commit()?;
            Ok(stale.len())
        };
        apply().map_err(self.sql("cancelling approvals of an edited playbook"))
    }

    /// The waiting approvals of `playbook` whose request has not gone out yet, with their entries.
    pub fn unnotified_approvals(&self, playbook: &str) -> Result<Vec<(ApprovalRecord, LedgerEntry)>, StateError> {
        let conn = self.conn();
        let query = || -> rusqlite::Result<Vec<(ApprovalRecord, LedgerEntry)>> {
            let sql = format!(
                "SELECT {COLUMNS} FROM approvals WHERE state = 'waiting' AND notified = 0 AND playbook = ?1 ORDER BY created"
            );
            let records: Vec<ApprovalRecord> = conn
                .prepare_cached(&sql)?
                .query_map([playbook], record)?
                .collect::<rusqlite::Result<_>>()?;
            let mut out = Vec::with_capacity(records.len());
            for r in records {
                if let Some(e) = entry(&conn, r.ledger_id)? {
                    out.push((r, e));
                }
            }
            Ok(out)
        };
        query().map_err(self.sql("reading approvals to announce"))
    }

    /// The approval's request went out.
    pub fn mark_notified(&self, id: &str) -> Result<(), StateError> {
        let conn = self.conn();
        conn.execute("UPDATE approvals SET notified = 1 WHERE id = ?1", [id])
            .map(drop)
            .map_err(self.sql("recording that an approval was announced"))
    }
}

/// Why an entry did not run: its approval timed out.
pub const REASON_EXPIRED: &str = "the approval timed out";
