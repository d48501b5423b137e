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
     params, state, attempts, error, reason, created, updated";

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
    let state = if plan.skip_all.is_some() {
        ActionState::Skipped
    } else {
        ActionState::Pending
    };
    let mut ids = Vec::with_capacity(plan.entries.len());
    for e in &plan.entries {
        ids.push(stmt.insert(params![
            plan.run,
            plan.playbook,
            plan.playbook_hash,
            e.item_id,
            e.item_kind,
            e.action_index,
            e.params.kind(),
            e.params.to_json(),
            state,
            plan.skip_all,
            Ts(plan.now)
        ])?);
    }
    Ok(ids)
}

#[cfg(test)]
#[path = "ledger_tests.rs"]
mod tests;
