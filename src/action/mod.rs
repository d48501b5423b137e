//! Actions: one file per action `type`. Each executes planned, frozen parameters and reports an
//! [`Outcome`]; none decides whether to act (the engine did) or bypasses the state ledger.

pub mod email;
pub mod log;
pub mod update;
pub mod webhook;

/// How one action ended for one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Not done, on purpose (the guard, nothing to change): the reason is recorded.
    Skipped(String),
    /// Failed: retried from the ledger on a later run when `retryable`, else abandoned.
    Failed {
        error: String,
        retryable: bool,
    },
}

impl Outcome {
    pub fn failed(error: impl Into<String>, retryable: bool) -> Outcome {
        Outcome::Failed {
            error: error.into(),
            retryable,
        }
    }
}

/// The marker every comment graphsoar posts ends with, so an uncertain post is never repeated.
pub fn comment_marker(ledger_id: i64) -> String {
    format!("[graphsoar {ledger_id}]")
}
