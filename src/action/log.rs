//! `log`: writes the rendered message to graphsoar's own log.

use serde_json::Value;

use super::Outcome;

/// Logs the planned message at its level.
pub fn execute(playbook: &str, item_id: &str, params: &Value) -> Outcome {
    let message = params.get("message").and_then(Value::as_str).unwrap_or_default();
    match params.get("level").and_then(Value::as_str).unwrap_or("info") {
        "error" => tracing::error!(playbook, item_id, action = "log", "{message}"),
        "warn" => tracing::warn!(playbook, item_id, action = "log", "{message}"),
        "debug" => tracing::debug!(playbook, item_id, action = "log", "{message}"),
        _ => tracing::info!(playbook, item_id, action = "log", "{message}"),
    }
    Outcome::Done
}
