//! `webhook`: planned and shown by dry runs; sending lands with the notifications work (SMTP,
//! Teams and Slack), so executing one fails, permanently and clearly, until then.

use super::Outcome;

/// Fails with "not available yet" (not retried: it would fail the same way).
pub fn execute() -> Outcome {
    Outcome::failed(
        "webhook actions are not available yet in this version of graphsoar: the action was planned and recorded, nothing was sent",
        false,
    )
}
