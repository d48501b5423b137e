//! The action ledger: one entry per planned action per item (or per digest), written as
//! `pending` before the action runs and moved to a final state after. Its id is the action's
//! identity outside the database: comments end with `[graphsoar <id>]` and Message-IDs and
//! idempotency keys derive from it, so ids are unique and never reused.
//!
//! [`Store::commit_plan`] is the transaction the engine's guarantees rest on.

use chrono::{DateTime, Utc};
use rusqlite::{Row, Transaction, params};

pub use crate::action::ActionKind;
use crate::action::Params;

use super::cursor::{self, CursorAdvance};
use super::dedup::{self, DedupKey};
use super::{HistoryFilter, RunId, StateError, Store, Ts, text_enum};

text_enum! {
    /// Where an action is in its life. Only `pending` ever changes.
    pub enum ActionState {
        /// Planned, not yet done: runs now, is retried, or resumes after a restart.
        Pending = "pending",
        Done = "done",
        /// Failed for good (permanent error, or attempts exhausted).
        Failed = "failed",
        /// Not done on purpose, e.g. the guard saw an analyst change the item; `reason` says why.
        Skipped = "skipped",
        /// Not done because an earlier action of the same item failed.
        Abandoned = "abandoned",
        /// Not done because its playbook was removed, disabled or changed; `reason` says which.
        Cancelled = "cancelled",
        /// Planned with `approval:`: waits for `graphsoar approve` (then pending) or `deny`.
        AwaitingApproval = "awaiting_approval",
        /// Not done because a safety limit forbids it (a protected device or account); `reason`
        /// says which.
        Refused = "refused",
        /// Its approval was denied; `reason` says by whom and why.
        Denied = "denied",
        /// Its approval timed out.
        Expired = "expired",
    }
}

pub use crate::item::ItemKind;

/// One planned action as the ledger holds it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LedgerEntry {
    /// Unique in the database and never reused: the comment marker and Message-ID source.
    pub id: i64,
    pub playbook: String,
    pub playbook_hash: String,
    /// The run that planned it (a retry or resumption keeps it).
    pub run_id: RunId,
    pub item_id: String,
    pub item_kind: ItemKind,
    /// Position of the action in the playbook's `actions`.
    pub action_index: u32,
    /// The action's kind, e.g. `update_alert`.
    pub action: ActionKind,
    /// The frozen rendered parameters (including the matched state for the guard and the
    /// comment text): retries and resumptions use these, never a new rendering. Shown (in
    /// `history --format json`) as the inner struct, as stored.
    #[serde(serialize_with = "params_as_stored")]
    pub params: Params,
    pub state: ActionState,
    /// Failed attempts so far.
    pub attempts: u32,
    /// The last failure, if any.
    pub error: Option<String>,
    /// Why it was skipped, abandoned or cancelled.
    pub reason: Option<String>,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// What the action got back, for actions whose effect outlives the request (the machine
    /// actions a device action started, with their last known status).
    pub result: Option<serde_json::Value>,
}

fn params_as_stored<S: serde::Serializer>(params: &Params, serializer: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&params.to_json(), serializer)
}

/// An action to record as pending.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub item_id: String,
    pub item_kind: ItemKind,
    pub action_index: u32,
    /// The frozen parameters; their kind is the entry's `action`.
    pub params: Params,
    /// Recorded as something other than pending.
    pub hold: Hold,
}

/// Why an entry waits without an approval of its own.
pub const REASON_AFTER_APPROVAL: &str = "waits for the approval of an earlier action of its item";

/// How a new entry starts when it is not simply pending.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Hold {
    #[default]
    None,
    /// `refused`, with the reason (a safety limit).
    Refused(String),
    /// `skipped`, with the reason (an earlier action of its item was refused).
    Skipped(String),
    /// `awaiting_approval`, with an approval that expires then.
    Approval { expires: DateTime<Utc> },
    /// `awaiting_approval` without an approval of its own: it waits for an earlier action of
    /// its item to be approved.
    AfterApproval,
}

/// Everything a run decided, committed at once by [`Store::commit_plan`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlanCommit {
    pub run: RunId,
    pub playbook: String,
    pub playbook_hash: String,
    pub entries: Vec<NewEntry>,
    /// The dedup keys of the items (or of a digest's items) the entries act on.
    pub dedup_keys: Vec<DedupKey>,
    /// The trigger's new position; `None` leaves it (e.g. a capped run).
    pub cursor: Option<CursorAdvance>,
    pub now: DateTime<Utc>,
    /// Record the entries as `skipped` with this reason instead of `pending` (`mode: audit`):
    /// in the same transaction, so no crash can leave an audit plan to be executed.
    pub skip_all: Option<String>,
}

impl PlanCommit {
    /// An empty plan: fill in `entries`, `dedup_keys` and `cursor`.
    pub fn new(run: RunId, playbook: &str, playbook_hash: &str, now: DateTime<Utc>) -> PlanCommit {
        PlanCommit {
            run,
            playbook: playbook.to_owned(),
            playbook_hash: playbook_hash.to_owned(),
            entries: Vec::new(),
            dedup_keys: Vec::new(),
            cursor: None,
            now,
            skip_all: None,
        }
    }
}

pub(crate) const ENTRY_COLUMNS: &str = "id, playbook, playbook_hash, run_id, item_id, item_kind, action_index, action, \
     params, state, attempts, error, reason, created, updated, result";

pub(crate) fn ledger_entry(r: &Row<'_>) -> rusqlite::Result<LedgerEntry> {
    let id: i64 = r.get(0)?;
    let action: ActionKind = r.get(7)?;
    let stored: serde_json::Value = r.get(8)?;
    // A row this version cannot read (hand-edited, or written by a newer graphsoar that kept the
    // schema version) names itself rather than failing anonymously.
    let params = Params::from_json(action, stored).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(
            8,
            rusqlite::types::Type::Text,
            format!("ledger entry {id}: the parameters of its {action} action do not read: {e}").into(),
        )
    })?;
    Ok(LedgerEntry {
        id,
        playbook: r.get(1)?,
        playbook_hash: r.get(2)?,
        run_id: RunId(r.get(3)?),
        item_id: r.get(4)?,
        item_kind: r.get(5)?,
        action_index: r.get(6)?,
        action,
        params,
        state: r.get(9)?,
        attempts: r.get(10)?,
        error: r.get(11)?,
        reason: r.get(12)?,
        created: r.get::<_, Ts>(13)?.0,
        updated: r.get::<_, Ts>(14)?.0,
        result: r.get(15)?,
    })
}

/// One entry by id, inside a transaction or not.
pub(crate) fn entry(conn: &rusqlite::Connection, id: i64) -> rusqlite::Result<Option<LedgerEntry>> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached(&format!("SELECT {ENTRY_COLUMNS} FROM ledger WHERE id = ?1"))?
        .query_row([id], ledger_entry)
        .optional()
}

impl Store {
    /// Writes a run's plan in one transaction: every entry as pending, every dedup key (inserted,
    /// or its window replaced), and the cursor advance. All of it or none of it: a dedup key
    /// exists exactly when its actions are in the ledger, and the cursor never passes an item
    /// whose actions are not. Returns the new ledger ids, in the order of `plan.entries`.
    /// A plan with no entries and only a cursor is fine (a run with no matches).
    pub fn commit_plan(&self, plan: PlanCommit) -> Result<Vec<i64>, StateError> {
        let context = format!("committing the plan of run {} of playbook {}", plan.run, plan.playbook);
        let mut conn = self.conn();
        let mut commit = || -> rusqlite::Result<Vec<i64>> {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let ids = insert_entries(&tx, &plan)?;
            for key in &plan.dedup_keys {
                dedup::record(&tx, &plan.playbook, plan.run, key, plan.now)?;
            }
            if let Some(advance) = &plan.cursor {
                cursor::advance(&tx, &plan.playbook, advance, plan.now)?;
            }
            // Opportunistic: keeps the key table to live windows.
            dedup::purge(&tx, plan.now)?;
            tx.commit()?;
            Ok(ids)
        };
        let ids = commit().map_err(self.sql(&context))?;
        tracing::debug!(
            playbook = %plan.playbook,
            run = %plan.run,
            entries = ids.len(),
            dedup_keys = plan.dedup_keys.len(),
            cursor = ?plan.cursor.as_ref().map(|c| c.position),
            "Plan committed."
        );
        Ok(ids)
    }

    /// One ledger entry.
    pub fn entry(&self, id: i64) -> Result<LedgerEntry, StateError> {
        let conn = self.conn();
        entry(&conn, id)
            .map_err(self.sql("reading a ledger entry"))?
            .ok_or(StateError::UnknownEntry { id })
    }

    /// Ledger entries matching `filter` (playbook, item id, created since), newest first. The
    /// item id matches the matched item and the target of an update (a hunting row's `id:`).
    pub fn ledger_for(&self, filter: &HistoryFilter) -> Result<Vec<LedgerEntry>, StateError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger
             WHERE (?1 IS NULL OR playbook = ?1)
               AND (?2 IS NULL OR item_id = ?2 OR json_extract(params, '$.target') = ?2)
               AND (?3 IS NULL OR created >= ?3)
             ORDER BY id DESC LIMIT ?4"
        );
        let query = || -> rusqlite::Result<Vec<LedgerEntry>> {
            let mut stmt = conn.prepare_cached(&sql)?;
            let args = params![filter.playbook, filter.item, filter.since.map(Ts), filter.sql_limit()];
            stmt.query_map(args, ledger_entry)?.collect()
        };
        query().map_err(self.sql("reading the action ledger"))
    }

    /// The done entries of `playbook` with a result that may still change (device actions
    /// whose machine actions were not final when last read), oldest first. Only the last 7 days:
    /// a machine action is retried by Defender for 3 days at most.
    pub fn open_results(&self, playbook: &str, now: DateTime<Utc>) -> Result<Vec<LedgerEntry>, StateError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger
             WHERE playbook = ?1 AND state = 'done' AND result IS NOT NULL
               AND (result LIKE '%\"Pending\"%' OR result LIKE '%\"InProgress\"%')
               AND updated >= ?2
             ORDER BY id"
        );
        let since = now - chrono::TimeDelta::days(7);
        let query = || -> rusqlite::Result<Vec<LedgerEntry>> {
            conn.prepare_cached(&sql)?
                .query_map(params![playbook, Ts(since)], ledger_entry)?
                .collect()
        };
        query().map_err(self.sql("reading the actions to follow"))
    }

    /// Replaces a done entry's result (a machine action's new status).
    pub fn set_result(&self, id: i64, result: &serde_json::Value, now: DateTime<Utc>) -> Result<(), StateError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE ledger SET result = ?2, updated = ?3 WHERE id = ?1",
            params![id, result, Ts(now)],
        )
        .map(drop)
        .map_err(self.sql("recording an action's result"))
    }

    /// Entries of run `run`, in plan order (item, then action index).
    pub fn entries_of_run(&self, run: RunId) -> Result<Vec<LedgerEntry>, StateError> {
        let conn = self.conn();
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM ledger WHERE run_id = ?1 ORDER BY id");
        let query = || -> rusqlite::Result<Vec<LedgerEntry>> {
            conn.prepare_cached(&sql)?.query_map([run], ledger_entry)?.collect()
        };
        query().map_err(self.sql("reading the entries of a run"))
    }
}

fn insert_entries(tx: &Transaction<'_>, plan: &PlanCommit) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO ledger (run_id, playbook, playbook_hash, item_id, item_kind, action_index, action, params,
                             state, reason, attempts, created, updated)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11, ?11)",
    )?;
    let mut ids = Vec::with_capacity(plan.entries.len());
    for e in &plan.entries {
        let (state, reason) = match (&plan.skip_all, &e.hold) {
            (Some(reason), _) => (ActionState::Skipped, Some(reason.as_str())),
            (None, Hold::None) => (ActionState::Pending, None),
            (None, Hold::Refused(reason)) => (ActionState::Refused, Some(reason.as_str())),
            (None, Hold::Skipped(reason)) => (ActionState::Skipped, Some(reason.as_str())),
            (None, Hold::Approval { .. }) => (ActionState::AwaitingApproval, None),
            (None, Hold::AfterApproval) => (ActionState::AwaitingApproval, Some(REASON_AFTER_APPROVAL)),
        };
        let id = stmt.insert(params![
            plan.run,
            plan.playbook,
            plan.playbook_hash,
            e.item_id,
            e.item_kind,
            e.action_index,
            e.params.kind(),
            e.params.to_json(),
            state,
            reason,
            Ts(plan.now)
        ])?;
        if let (ActionState::AwaitingApproval, Hold::Approval { expires }) = (state, &e.hold) {
            super::approvals::insert(tx, id, &plan.playbook, plan.now, *expires)?;
        }
        ids.push(id);
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;

    use super::super::test_support::*;
    use super::super::{RunMode, Store};
    use super::*;

    fn alert_entry(item: &str, action_index: u32) -> NewEntry {
        NewEntry {
            item_id: item.into(),
            item_kind: ItemKind::Alert,
            action_index,
            params: update_params(item),
            hold: Hold::None,
        }
    }

    /// Nothing of a failed plan may be visible: no entry, no key, no cursor.
    fn assert_nothing_written(store: &Store, run: RunId) {
        assert!(
            store.entries_of_run(run).unwrap().is_empty(),
            "ledger entries were written"
        );
        assert!(
            store
                .seen_keys("p", &["a1".into(), "a2".into()], at(10, 0))
                .unwrap()
                .is_empty(),
            "keys were written"
        );
        assert_eq!(store.cursor("p", "th").unwrap(), None, "the cursor moved");
    }

    #[test]
    fn commit_plan_writes_entries_keys_and_cursor_together() {
        let (_dir, store) = store();
        let run = store.start_run("p", "ph", at(10, 0), RunMode::Live).unwrap();
        let mut plan = PlanCommit::new(run, "p", "ph", at(10, 0));
        plan.entries = vec![alert_entry("a1", 0), alert_entry("a1", 1), alert_entry("a2", 0)];
        plan.dedup_keys = vec![DedupKey::new("a1", None), DedupKey::new("a2", None)];
        plan.cursor = Some(CursorAdvance {
            trigger_hash: "th".into(),
            position: at(9, 59),
        });
        let ids = store.commit_plan(plan).unwrap();
        assert_eq!(ids.len(), 3);
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 3);
        let entries = store.entries_of_run(run).unwrap();
        assert_eq!(entries.iter().map(|e| e.id).collect::<Vec<_>>(), ids);
        let first = &entries[0];
        assert_eq!(
            (first.state, first.attempts, first.action_index),
            (ActionState::Pending, 0, 0)
        );
        assert_eq!(first.params.to_json()["comment"], "Closed by graphsoar.");
        assert_eq!(
            (first.created, first.item_kind, first.run_id),
            (at(10, 0), ItemKind::Alert, run)
        );
        assert_eq!(store.entry(ids[2]).unwrap().item_id, "a2");
        assert_eq!(
            store
                .seen_keys("p", &["a1".into(), "a2".into()], at(10, 0))
                .unwrap()
                .len(),
            2
        );
        assert_eq!(store.cursor("p", "th").unwrap().unwrap().position, at(9, 59));
    }

    /// `mode: audit`: the plan is recorded as skipped in its own transaction, so nothing of it is
    /// ever pending, resumed or executed.
    #[test]
    fn an_audit_plan_is_never_pending() {
        let (_dir, store) = store();
        let run = store.start_run("p", "ph", at(10, 0), RunMode::Audit).unwrap();
        let mut plan = PlanCommit::new(run, "p", "ph", at(10, 0));
        plan.entries = vec![alert_entry("a1", 0), alert_entry("a1", 1)];
        plan.skip_all = Some("audit mode: planned, not executed".into());
        store.commit_plan(plan).unwrap();
        let entries = store.entries_of_run(run).unwrap();
        assert!(
            entries
                .iter()
                .all(|e| e.state == ActionState::Skipped
                    && e.reason.as_deref() == Some("audit mode: planned, not executed")),
            "{entries:?}"
        );
        assert!(store.pending_entries().unwrap().is_empty());
    }

    #[test]
    fn commit_plan_failing_midway_writes_nothing() {
        let (_dir, store) = store();
        let run = store.start_run("p", "ph", at(10, 0), RunMode::Live).unwrap();
        let mut plan = PlanCommit::new(run, "p", "ph", at(10, 0));
        // The third entry repeats the first: the UNIQUE constraint fails after two inserts.
        plan.entries = vec![alert_entry("a1", 0), alert_entry("a2", 0), alert_entry("a1", 0)];
        plan.dedup_keys = vec![DedupKey::new("a1", None), DedupKey::new("a2", None)];
        plan.cursor = Some(CursorAdvance {
            trigger_hash: "th".into(),
            position: at(9, 59),
        });
        let err = store.commit_plan(plan).unwrap_err();
        assert!(err.to_string().contains("committing the plan of run"), "{err}");
        assert_nothing_written(&store, run);
    }

    #[test]
    fn commit_plan_failing_at_the_cursor_step_writes_nothing() {
        let (_dir, store) = store();
        let run = store.start_run("p", "ph", at(10, 0), RunMode::Live).unwrap();
        // A real failure at the very last write of the transaction.
        store
            .conn()
            .execute_batch(
                "CREATE TEMP TRIGGER fail_cursor BEFORE INSERT ON main.cursors
                 BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
            )
            .unwrap();
        let mut plan = PlanCommit::new(run, "p", "ph", at(10, 0));
        plan.entries = vec![alert_entry("a1", 0), alert_entry("a2", 0)];
        plan.dedup_keys = vec![DedupKey::new("a1", None), DedupKey::new("a2", None)];
        plan.cursor = Some(CursorAdvance {
            trigger_hash: "th".into(),
            position: at(9, 59),
        });
        let err = store.commit_plan(plan.clone()).unwrap_err();
        assert!(err.to_string().contains("injected failure"), "{err}");
        assert_nothing_written(&store, run);
        // And the store still works after the rollback.
        store.conn().execute_batch("DROP TRIGGER temp.fail_cursor").unwrap();
        assert_eq!(store.commit_plan(plan).unwrap().len(), 2);
    }

    #[test]
    fn commit_plan_for_an_unknown_run_is_refused() {
        let (_dir, store) = store();
        let mut plan = PlanCommit::new(RunId(999), "p", "ph", at(10, 0));
        plan.entries = vec![alert_entry("a1", 0)];
        plan.dedup_keys = vec![DedupKey::new("a1", None)];
        assert!(store.commit_plan(plan).is_err());
        assert!(store.seen_keys("p", &["a1".into()], at(10, 0)).unwrap().is_empty());
    }

    #[test]
    fn cursor_only_commit_works() {
        let (_dir, store) = store();
        let run = store.start_run("p", "ph", at(10, 0), RunMode::Live).unwrap();
        let mut plan = PlanCommit::new(run, "p", "ph", at(10, 0));
        plan.cursor = Some(CursorAdvance {
            trigger_hash: "th".into(),
            position: at(9, 55),
        });
        assert!(store.commit_plan(plan).unwrap().is_empty());
        assert_eq!(store.cursor("p", "th").unwrap().unwrap().position, at(9, 55));
    }

    #[test]
    fn ledger_ids_are_never_reused() {
        let (_dir, store) = store();
        let (_, first) = plan(&store, "p", &["a1"], 1, at(1, 0));
        store.mark_done(first[0], at(1, 1)).unwrap();
        store
            .finish_run(
                store.recent_runs(&HistoryFilter::default()).unwrap()[0].id,
                &ok_outcome(at(1, 2)),
            )
            .unwrap();
        assert_eq!(store.prune_history(at(2, 0)).unwrap().entries, 1);
        let (_, second) = plan(&store, "p", &["a2"], 1, at(3, 0));
        assert!(second[0] > first[0], "{second:?} reuses {first:?}");
    }

    fn ok_outcome(finished: DateTime<Utc>) -> crate::state::RunOutcome {
        crate::state::RunOutcome {
            status: crate::state::RunStatus::Ok,
            fetched: 1,
            matched: 1,
            planned: 1,
            done: 1,
            skipped: 0,
            failed: 0,
            error: None,
            finished,
        }
    }

    #[test]
    fn ledger_history_filters_by_playbook_item_and_time() {
        let (_dir, store) = store();
        plan(&store, "a", &["x1", "x2"], 2, at(10, 0));
        plan(&store, "b", &["x1"], 1, at(11, 0));
        plan(&store, "a", &["x3"], 1, at(12, 0));
        let all = store.ledger_for(&HistoryFilter::default()).unwrap();
        assert_eq!(all.len(), 6);
        assert!(all.windows(2).all(|w| w[0].id > w[1].id), "newest first");
        let f = |playbook: Option<&str>, item: Option<&str>, since, limit| HistoryFilter {
            playbook: playbook.map(String::from),
            item: item.map(String::from),
            since,
            limit,
        };
        assert_eq!(store.ledger_for(&f(Some("a"), None, None, None)).unwrap().len(), 5);
        assert_eq!(store.ledger_for(&f(None, Some("x1"), None, None)).unwrap().len(), 3);
        assert_eq!(
            store.ledger_for(&f(Some("a"), Some("x1"), None, None)).unwrap().len(),
            2
        );
        assert_eq!(
            store.ledger_for(&f(None, None, Some(at(11, 0)), None)).unwrap().len(),
            2
        );
        let limited = store.ledger_for(&f(None, None, None, Some(1))).unwrap();
        assert_eq!(limited[0].item_id, "x3");
    }

    #[test]
    fn entries_serialize_for_history_json() {
        let (_dir, store) = store();
        let (_, ids) = plan(&store, "p", &["a1"], 1, at(10, 0));
        let value = serde_json::to_value(store.entry(ids[0]).unwrap()).unwrap();
        assert_eq!(value["state"], "pending");
        assert_eq!(value["item_kind"], "alert");
        assert_eq!(value["params"]["status"], "resolved");
        assert!(matches!(
            store.entry(12345),
            Err(StateError::UnknownEntry { id: 12345 })
        ));
    }

    #[test]
    fn every_state_and_kind_name_passes_the_schema_checks() {
        let (_dir, store) = store();
        let (_, ids) = plan(&store, "p", &["a1"], 1, at(10, 0));
        let conn = store.conn();
        for state in ActionState::ALL {
            conn.execute("UPDATE ledger SET state = ?2 WHERE id = ?1", params![ids[0], state])
                .unwrap();
            assert_eq!(entry(&conn, ids[0]).unwrap().unwrap().state, *state);
        }
        for kind in ItemKind::ALL {
            conn.execute("UPDATE ledger SET item_kind = ?2 WHERE id = ?1", params![ids[0], kind])
                .unwrap();
            assert_eq!(entry(&conn, ids[0]).unwrap().unwrap().item_kind, *kind);
        }
    }

    #[test]
    fn many_threads_share_one_store() {
        let (_dir, store) = store();
        let store = Arc::new(store);
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || {
                    let playbook = format!("p{}", t % 3);
                    let mut ids = Vec::new();
                    for i in 0..20 {
                        let item = format!("t{t}-i{i}");
                        let (_, new) = plan(&store, &playbook, &[item.as_str()], 2, at(10, 0));
                        store.mark_done(new[0], at(10, 1)).unwrap();
                        assert!(!store.seen_keys(&playbook, &[item], at(10, 1)).unwrap().is_empty());
                        ids.extend(new);
                    }
                    ids
                })
            })
            .collect();
        let ids: Vec<i64> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
        assert_eq!(ids.len(), 8 * 20 * 2);
        assert_eq!(
            ids.iter().collect::<HashSet<_>>().len(),
            ids.len(),
            "ledger ids collided"
        );
        assert_eq!(store.pending_entries().unwrap().len(), 8 * 20);
        assert_eq!(store.recent_runs(&HistoryFilter::default()).unwrap().len(), 8 * 20);
    }
}
