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

/// The item's actions that wait for an approval, after (`later`) or before `current`, in
/// order, each with whether its own approval still waits.
fn waiting_of_item(tx: &Transaction<'_>, current: &LedgerEntry, later: bool) -> rusqlite::Result<Vec<(i64, bool)>> {
    let sql = format!(
        "SELECT l.id, EXISTS (SELECT 1 FROM approvals a WHERE a.ledger_id = l.id AND a.state = 'waiting')
           FROM ledger l
          WHERE l.run_id = ?1 AND l.item_kind = ?2 AND l.item_id = ?3 AND l.action_index {} ?4
            AND l.state = 'awaiting_approval'
          ORDER BY l.action_index",
        if later { ">" } else { "<" }
    );
    tx.prepare_cached(&sql)?
        .query_map(
            params![current.run_id, current.item_kind, current.item_id, current.action_index],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect()
}

/// After an approval: the entry and the item's later actions that waited only for it (or were
/// approved already) become pending, up to the next one whose own approval still waits. While
/// an earlier action of the item still waits, nothing is released yet: actions run in order.
fn release(tx: &Transaction<'_>, current: &LedgerEntry, now: DateTime<Utc>) -> rusqlite::Result<()> {
    if !waiting_of_item(tx, current, false)?.is_empty() {
        return Ok(());
    }
    tx.prepare_cached("UPDATE ledger SET state = 'pending', updated = ?2 WHERE id = ?1")?
        .execute(params![current.id, Ts(now)])?;
    // A later action approved already keeps its "approved by" reason; one that only waited says
    // what released it.
    let mut later = tx.prepare_cached(
        "UPDATE ledger SET state = 'pending', updated = ?3,
                reason = CASE WHEN reason LIKE 'approved by %' THEN reason ELSE ?2 END
          WHERE id = ?1",
    )?;
    let why = format!("released by the approval of entry {}", current.id);
    for (id, own_approval_waits) in waiting_of_item(tx, current, true)? {
        if own_approval_waits {
            break;
        }
        later.execute(params![id, why, Ts(now)])?;
    }
    Ok(())
}

/// Cancels the waiting approval of entry `ledger_id`, if any (inside a transaction).
pub(crate) fn cancel_of_entry(
    tx: &Transaction<'_>,
    ledger_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE approvals SET state = 'cancelled', decided_at = ?2, reason = ?3 WHERE ledger_id = ?1 AND state = 'waiting'",
    )?
    .execute(params![ledger_id, Ts(now), reason])?;
    Ok(())
}

impl Store {
    /// Approvals with their entries, newest first: the waiting ones, or all of them.
    pub fn approvals(&self, waiting_only: bool) -> Result<Vec<(ApprovalRecord, LedgerEntry)>, StateError> {
        let sql =
            format!("SELECT {COLUMNS} FROM approvals WHERE (?1 = 0 OR state = 'waiting') ORDER BY created DESC, id");
        self.approvals_where(&sql, [i64::from(waiting_only)], "reading approvals")
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
                close(
                    &tx,
                    &current,
                    ApprovalState::Expired,
                    ActionState::Expired,
                    REASON_EXPIRED,
                    now,
                )?;
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
            tx.prepare_cached(
                "UPDATE approvals SET state = ?2, decided_by = ?3, decided_at = ?4, reason = ?5 WHERE id = ?1",
            )?
            .execute(params![id, state, by, Ts(now), reason])?;
            match decision {
                Decision::Approve { by } => {
                    tx.prepare_cached("UPDATE ledger SET reason = ?2, updated = ?3 WHERE id = ?1")?
                        .execute(params![current.ledger_id, format!("approved by {by}"), Ts(now)])?;
                    if let Some(e) = entry(&tx, current.ledger_id)? {
                        release(&tx, &e, now)?;
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
                close(
                    &tx,
                    a,
                    ApprovalState::Expired,
                    ActionState::Expired,
                    REASON_EXPIRED,
                    now,
                )?;
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

    /// Cancels the waiting approvals of `playbook` planned by another version of it (edited), and
    /// that version's pending actions (approved since the edit), which no run will execute.
    pub fn cancel_stale(&self, playbook: &str, hash: &str, now: DateTime<Utc>) -> Result<usize, StateError> {
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
            // Actions approved after their playbook was edited are pending under the old version
            // (with the ones they released): they do not run either, as DESIGN says of an edited
            // playbook's pending actions. (Other pending actions of older versions are the
            // reconciliation's at start and reload.)
            let approved = tx
                .prepare_cached(
                    "UPDATE ledger SET state = 'cancelled', reason = ?3, updated = ?4
                      WHERE playbook = ?1 AND playbook_hash != ?2 AND state = 'pending'
                        AND EXISTS (SELECT 1 FROM ledger l JOIN approvals a ON a.ledger_id = l.id
                                     WHERE a.state = 'approved' AND l.run_id = ledger.run_id
                                       AND l.item_kind = ledger.item_kind AND l.item_id = ledger.item_id
                                       AND l.action_index <= ledger.action_index)",
                )?
                .execute(params![playbook, hash, super::REASON_PLAYBOOK_CHANGED, Ts(now)])?;
            tx.commit()?;
            Ok(stale.len() + approved)
        };
        apply().map_err(self.sql("cancelling approvals of an edited playbook"))
    }

    /// The waiting approvals of `playbook` whose request has not gone out yet, with their entries.
    pub fn unnotified_approvals(&self, playbook: &str) -> Result<Vec<(ApprovalRecord, LedgerEntry)>, StateError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM approvals WHERE state = 'waiting' AND notified = 0 AND playbook = ?1 ORDER BY created"
        );
        self.approvals_where(&sql, [playbook], "reading approvals to announce")
    }

    /// The approvals `sql` selects (their [`COLUMNS`]), each with its ledger entry.
    fn approvals_where<P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        context: &str,
    ) -> Result<Vec<(ApprovalRecord, LedgerEntry)>, StateError> {
        let conn = self.conn();
        let query = || -> rusqlite::Result<Vec<(ApprovalRecord, LedgerEntry)>> {
            let records: Vec<ApprovalRecord> = conn
                .prepare_cached(sql)?
                .query_map(params, record)?
                .collect::<rusqlite::Result<_>>()?;
            let mut out = Vec::with_capacity(records.len());
            for r in records {
                if let Some(e) = entry(&conn, r.ledger_id)? {
                    out.push((r, e));
                }
            }
            Ok(out)
        };
        query().map_err(self.sql(context))
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

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{Hold, ItemKind, NewEntry, PlanCommit, RunMode};
    use super::*;

    /// One item with three actions: an update that asks for approval (expiring at 10:00), an
    /// email waiting with it, and a third action with an approval of its own.
    fn plan_with_approvals(store: &Store) -> (Vec<i64>, Vec<ApprovalRecord>) {
        let run = store.start_run("p", "ph", at(8, 0), RunMode::Live).unwrap();
        let mut plan = PlanCommit::new(run, "p", "ph", at(8, 0));
        let holds = [
            Hold::Approval { expires: at(10, 0) },
            Hold::AfterApproval,
            Hold::Approval { expires: at(10, 0) },
        ];
        for (i, hold) in holds.into_iter().enumerate() {
            plan.entries.push(NewEntry {
                item_id: "a1".into(),
                item_kind: ItemKind::Alert,
                action_index: i as u32,
                params: if i == 0 { update_params("a1") } else { email_params() },
                hold,
            });
        }
        let ids = store.commit_plan(plan).unwrap();
        let approvals = store.approvals(true).unwrap().into_iter().map(|(a, _)| a).collect();
        (ids, approvals)
    }

    fn state(store: &Store, id: i64) -> ActionState {
        store.entry(id).unwrap().state
    }

    #[test]
    fn an_approval_releases_its_action_and_the_ones_waiting_with_it_once() {
        let (_dir, store) = store();
        let (ids, approvals) = plan_with_approvals(&store);
        assert_eq!(approvals.len(), 2, "one approval per action that asks");
        assert!(ids.iter().all(|id| state(&store, *id) == ActionState::AwaitingApproval));
        let first = approvals.iter().find(|a| a.ledger_id == ids[0]).unwrap();
        assert!(first.id.starts_with("ap-") && first.id.len() == 13, "{}", first.id);
        let approve = Decision::Approve { by: "alice".into() };
        let decided = store.decide(&first.id, &approve, at(9, 0)).unwrap();
        assert_eq!(decided.state, ApprovalState::Approved);
        assert_eq!(decided.decided_by.as_deref(), Some("alice"));
        assert_eq!(state(&store, ids[0]), ActionState::Pending);
        assert_eq!(
            store.entry(ids[0]).unwrap().reason.as_deref(),
            Some("approved by alice")
        );
        assert_eq!(state(&store, ids[1]), ActionState::Pending, "waited only for the first");
        assert_eq!(
            state(&store, ids[2]),
            ActionState::AwaitingApproval,
            "has its own approval"
        );
        // A decision counts once.
        let again = store.decide(
            &first.id,
            &Decision::Deny {
                by: "bob".into(),
                reason: None,
            },
            at(9, 1),
        );
        assert!(
            matches!(&again, Err(StateError::ApprovalDecided { state: ApprovalState::Approved, by: Some(b), .. }) if b == "alice"),
            "{again:?}"
        );
        assert!(again.unwrap_err().to_string().contains("already approved (by alice)"));
        assert!(matches!(
            store.decide("ap-0000000000", &approve, at(9, 0)),
            Err(StateError::UnknownApproval { .. })
        ));
    }

    #[test]
    fn a_later_action_approved_first_waits_for_the_earlier_ones_approval() {
        let (_dir, store) = store();
        let (ids, approvals) = plan_with_approvals(&store);
        let id_of = |ledger: i64| approvals.iter().find(|a| a.ledger_id == ledger).unwrap().id.clone();
        let approve = Decision::Approve { by: "alice".into() };
        store.decide(&id_of(ids[2]), &approve, at(9, 0)).unwrap();
        assert_eq!(
            state(&store, ids[2]),
            ActionState::AwaitingApproval,
            "actions run in order"
        );
        store.decide(&id_of(ids[0]), &approve, at(9, 1)).unwrap();
        for id in &ids {
            assert_eq!(state(&store, *id), ActionState::Pending, "entry {id}");
        }
        assert_eq!(
            store.entry(ids[1]).unwrap().reason.unwrap(),
            format!("released by the approval of entry {}", ids[0])
        );
        assert_eq!(
            store.entry(ids[2]).unwrap().reason.as_deref(),
            Some("approved by alice")
        );
    }

    #[test]
    fn a_denial_or_a_timeout_drops_the_action_and_skips_the_items_later_ones() {
        let (_dir, store) = store();
        let (ids, approvals) = plan_with_approvals(&store);
        let first = approvals.iter().find(|a| a.ledger_id == ids[0]).unwrap();
        let deny = Decision::Deny {
            by: "bob".into(),
            reason: Some("not this device".into()),
        };
        store.decide(&first.id, &deny, at(9, 0)).unwrap();
        let denied = store.entry(ids[0]).unwrap();
        assert_eq!(denied.state, ActionState::Denied);
        assert_eq!(denied.reason.as_deref(), Some("denied by bob: not this device"));
        assert_eq!(state(&store, ids[1]), ActionState::Skipped);
        assert_eq!(state(&store, ids[2]), ActionState::Skipped);
        let (third, _) = store
            .approval(&approvals.iter().find(|a| a.ledger_id == ids[2]).unwrap().id)
            .unwrap();
        assert_eq!(
            third.state,
            ApprovalState::Cancelled,
            "a later action's approval goes with it"
        );

        // Timeout: a decision after it is refused and recorded as expired; the sweep expires the rest.
        let (_dir, store) = self::store();
        let (ids, approvals) = plan_with_approvals(&store);
        let first = approvals.iter().find(|a| a.ledger_id == ids[0]).unwrap();
        let late = store.decide(&first.id, &Decision::Approve { by: "alice".into() }, at(10, 0));
        assert!(matches!(late, Err(StateError::ApprovalExpired { .. })), "{late:?}");
        assert_eq!(state(&store, ids[0]), ActionState::Expired);
        assert_eq!(state(&store, ids[1]), ActionState::Skipped);
        assert!(
            store.expire_approvals(at(10, 0)).unwrap().is_empty(),
            "the third went with the first"
        );
        assert!(store.approvals(true).unwrap().is_empty());
    }

    #[test]
    fn edited_playbooks_cancel_their_approvals_and_announcements_are_remembered() {
        let (_dir, store) = store();
        let (ids, approvals) = plan_with_approvals(&store);
        assert_eq!(store.unnotified_approvals("p").unwrap().len(), 2);
        store.mark_notified(&approvals[0].id).unwrap();
        assert_eq!(store.unnotified_approvals("p").unwrap().len(), 1);
        assert_eq!(store.cancel_stale("p", "ph", at(9, 0)).unwrap(), 0, "same version");
        // Approved, then the playbook is edited before it ran: it does not run either.
        let first = approvals.iter().find(|a| a.ledger_id == ids[0]).unwrap();
        store
            .decide(&first.id, &Decision::Approve { by: "alice".into() }, at(9, 0))
            .unwrap();
        assert_eq!(state(&store, ids[0]), ActionState::Pending);
        // ids[2]'s waiting approval, and ids[0] and ids[1] (approved and released: pending).
        assert_eq!(store.cancel_stale("p", "edited", at(9, 0)).unwrap(), 3);
        assert_eq!(state(&store, ids[1]), ActionState::Cancelled);
        assert_eq!(state(&store, ids[0]), ActionState::Cancelled);
        assert_eq!(
            store.entry(ids[0]).unwrap().reason.as_deref(),
            Some(super::super::REASON_PLAYBOOK_CHANGED)
        );
        assert!(store.approvals(true).unwrap().is_empty());
        assert_eq!(store.approvals(false).unwrap().len(), 2, "kept for history");
    }
}
