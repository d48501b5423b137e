//! Why a run failed: what failed, and whether the next run can do better (in the manner of
//! `graph::Error`). An action's failure is not a run's failure: it is an outcome in the ledger.

use rusqlite::ErrorCode;
use thiserror::Error;

use super::plan::PlanError;
use crate::graph::Error as GraphError;
use crate::state::StateError;

/// Everything that makes a whole run fail (it commits nothing and the next run starts again).
#[derive(Debug, Error)]
pub enum RunError {
    /// The state database failed; its message names the file and what to do.
    #[error(transparent)]
    State(#[from] StateError),
    /// Listing the trigger's items or running its hunting query failed.
    #[error("cannot fetch the trigger's items: {0}")]
    Fetch(#[source] GraphError),
    /// An update's target other than the matched item could not be read before planning.
    #[error("cannot read {target} before planning its update: {source}")]
    ReadTarget {
        target: String,
        #[source]
        source: GraphError,
    },
    /// A `group: all` digest could not be rendered.
    #[error("cannot plan the digest: {0}")]
    Digest(#[source] PlanError),
    /// The run's task panicked (a graphsoar bug, never input).
    #[error("the run stopped unexpectedly: {0}")]
    Panicked(String),
}

impl RunError {
    /// Whether running again unchanged can succeed: a passing Graph or database failure can;
    /// a refused request, a digest that cannot render or a wrong state file cannot.
    pub fn is_retryable(&self) -> bool {
        match self {
            RunError::Fetch(e) | RunError::ReadTarget { source: e, .. } => e.is_retryable(),
            RunError::State(StateError::Locked { .. } | StateError::Io { .. }) => true,
            RunError::State(StateError::Sqlite { source, .. }) => matches!(
                source.sqlite_error_code(),
                Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::DiskFull)
            ),
            RunError::State(_) | RunError::Digest(_) | RunError::Panicked(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_what_failed_and_whether_to_retry() {
        let throttled = GraphError::Transport {
            method: "GET".into(),
            path: "/security/alerts_v2".into(),
            kind: crate::graph::error::TransportKind::Timeout,
            message: "slow".into(),
        };
        let e = RunError::Fetch(throttled);
        assert!(
            e.to_string()
                .starts_with("cannot fetch the trigger's items: GET /security/alerts_v2")
        );
        assert!(e.is_retryable());
        let e = RunError::Digest(PlanError {
            field: "actions[0].email.body".into(),
            message: "unknown variable".into(),
        });
        assert_eq!(
            e.to_string(),
            "cannot plan the digest: actions[0].email.body: unknown variable"
        );
        assert!(!e.is_retryable());
        let e = RunError::State(StateError::TooNew {
            path: "gs.db".into(),
            found: 9,
            known: 2,
        });
        assert!(!e.is_retryable());
    }
}
