//! The state store's one error type. Every variant says which file and what to do; SQLite errors
//! carry what the store was doing when they happened.

use std::io;
use std::path::PathBuf;

use rusqlite::ErrorCode;
use thiserror::Error;

use super::ledger::ActionState;

/// Everything that can go wrong with the state database.
#[derive(Debug, Error)]
pub enum StateError {
    /// Another engine (another process, or another `Store` in this one) holds the state lock.
    #[error(
        "another graphsoar engine{} is using this state (the lock {} is held): stop that engine, \
         or give this one its own `state:` file",
        holder_suffix(*.holder),
        .path.display()
    )]
    Locked {
        /// The lock file, `<state>.lock`.
        path: PathBuf,
        /// The process id the holder wrote into the lock file, when readable.
        holder: Option<u32>,
    },
    /// The database was created for another tenant.
    #[error(
        "state file {} belongs to tenant {recorded}, not {requested}: use a separate state file per \
         tenant (`state:` in the settings)",
        .path.display()
    )]
    WrongTenant {
        path: PathBuf,
        recorded: String,
        requested: String,
    },
    /// The database was written by a newer graphsoar.
    #[error(
        "state file {} has schema version {found}, but this graphsoar knows versions up to {known}: \
         it was written by a newer graphsoar; upgrade graphsoar, or point `state:` at another file",
        .path.display()
    )]
    TooNew { path: PathBuf, found: u32, known: u32 },
    /// A state an older graphsoar wrote, opened by a command that does not migrate.
    #[error(
        "state file {} has schema version {found}, older than this graphsoar's {known}: start the engine          (`graphsoar run`) of this version once to migrate it",
        .path.display()
    )]
    TooOld { path: PathBuf, found: u32, known: u32 },
    /// A SQLite database that graphsoar did not create.
    #[error(
        "{} is a SQLite database but not a graphsoar state file: point `state:` at a new file or at one \
         graphsoar created",
        .path.display()
    )]
    NotStateFile { path: PathBuf },
    /// Read-only open of a file that does not exist.
    #[error(
        "no state file at {}: no engine has run with this `state:` yet (check --config and `state:`)",
        .path.display()
    )]
    Missing { path: PathBuf },
    /// A ledger id the database does not hold.
    #[error("ledger entry {id} does not exist in the state database")]
    UnknownEntry { id: i64 },
    /// An approval id the database does not hold.
    #[error("no approval {id}: `graphsoar approvals` lists the ones waiting")]
    UnknownApproval { id: String },
    /// A decision on an approval that was already decided (or cancelled).
    #[error("approval {id} is already {state}{}: nothing changed", .by.as_ref().map(|b| format!(" (by {b})")).unwrap_or_default())]
    ApprovalDecided {
        id: String,
        state: super::approvals::ApprovalState,
        by: Option<String>,
    },
    /// A decision that came after the approval's time was up.
    #[error(
        "approval {id} expired at {expired}: the action will not run (it is recorded as expired); plan it again if it is still needed"
    )]
    ApprovalExpired {
        id: String,
        expired: chrono::DateTime<chrono::Utc>,
    },
    /// A run id the database does not hold.
    #[error("run {id} does not exist in the state database")]
    UnknownRun { id: i64 },
    /// A state change asked of an entry that already reached a final state.
    #[error("ledger entry {id} is already {state}, so it cannot change state again (this is a graphsoar bug)")]
    NotPending { id: i64, state: ActionState },
    /// SQLite failed while the store was doing `context`.
    #[error("state database {}: {context}: {source}{}", .path.display(), sqlite_hint(.source))]
    Sqlite {
        path: PathBuf,
        /// What the store was doing, e.g. "committing the plan of run 12".
        context: String,
        #[source]
        source: rusqlite::Error,
    },
    /// A file operation on the state or its lock file failed.
    #[error("{context} {}: {source}", .path.display())]
    Io {
        context: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn holder_suffix(pid: Option<u32>) -> String {
    pid.map(|pid| format!(" (pid {pid})")).unwrap_or_default()
}

/// What to do about the SQLite failures a user can fix.
fn sqlite_hint(e: &rusqlite::Error) -> &'static str {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            " (another process keeps the database busy; is a `graphsoar history` or sqlite3 shell holding it open?)"
        }
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            " (the file is damaged or not a database: restore it from a backup or point `state:` at a new file)"
        }
        Some(ErrorCode::ReadOnly) => " (the database is read-only: check the permissions of the file and its folder)",
        Some(ErrorCode::DiskFull) => " (the disk is full)",
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            " (check that the folder exists and that graphsoar may write to it)"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_and_say_what_to_do() {
        let e = StateError::Locked {
            path: "/var/lib/gs.db.lock".into(),
            holder: Some(42),
        };
        let s = e.to_string();
        assert!(
            s.contains("another graphsoar engine (pid 42) is using this state"),
            "{s}"
        );
        assert!(s.contains("/var/lib/gs.db.lock"), "{s}");
        let e = StateError::WrongTenant {
            path: "gs.db".into(),
            recorded: "a".into(),
            requested: "b".into(),
        };
        assert!(e.to_string().contains("use a separate state file per tenant"));
        let e = StateError::TooNew {
            path: "gs.db".into(),
            found: 9,
            known: 1,
        };
        assert!(e.to_string().contains("upgrade graphsoar"));
    }
}
