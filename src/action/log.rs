//! `log`: writes the rendered message to graphsoar's own log.

use serde::{Deserialize, Serialize};

use super::Outcome;
use crate::playbook::LogLevel;

/// The frozen parameters of a `log` action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogParams {
    pub level: LogLevel,
    /// The rendered message.
    pub message: String,
}

/// Logs the planned message at its level.
pub fn execute(playbook: &str, item_id: &str, params: &LogParams) -> Outcome {
    let message = &params.message;
    match params.level {
        LogLevel::Error => tracing::error!(playbook, item_id, action = "log", "{message}"),
        LogLevel::Warn => tracing::warn!(playbook, item_id, action = "log", "{message}"),
        LogLevel::Debug => tracing::debug!(playbook, item_id, action = "log", "{message}"),
        LogLevel::Info => tracing::info!(playbook, item_id, action = "log", "{message}"),
    }
    Outcome::Done
}
