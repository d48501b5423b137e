//! `update_alert` / `update_incident`: the safe write.
//!
//! For each planned update: find the item's current state (the engine's re-read of what changed
//! since the fetch, or a GET for actions resumed from an earlier run or targets never fetched),
//! skip the write when an analyst changed status, assignedTo, classification or determination
//! since the match, or when `only_if_status` does not allow the current status; PATCH the
//! fields that differ (tags applied to the fresh `customTags`) in parallel `$batch` calls; then
//! post comments, also batched, only for items whose PATCH returned 200 (or that needed none),
//! each ending with the ledger-id marker, and never again when the marker is already there.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::{Outcome, comment_marker};
use crate::graph::{BatchOp, Client, Collection, Error};

/// The fields the guard watches: an analyst's change to any of them stops the write.
const GUARDED: &[(&str, &str)] = &[
    ("status", "status"),
    ("assignedTo", "assigned_to"),
    ("classification", "classification"),
    ("determination", "determination"),
];

/// One planned update to execute.
#[derive(Debug, Clone)]
pub struct UpdateJob {
    pub ledger_id: i64,
    pub collection: Collection,
    /// The frozen parameters (see `engine::plan`): target, fields, comment, tags, matched, only_if_status.
    pub params: Value,
    /// Resumed from an earlier run or attempt: its outcome then is unknown, so the item is read
    /// fresh and its comments are checked for the marker.
    pub resumed: bool,
}

impl UpdateJob {
    fn target(&self) -> &str {
        self.params.get("target").and_then(Value::as_str).unwrap_or_default()
    }

    fn needs_fresh_read(&self) -> bool {
        self.resumed || self.params.get("matched").is_none()
    }
}

/// Executes updates; `changed` holds the items the engine's re-read found changed since the
/// fetch (normalised Graph JSON by id). Returns an outcome per ledger id.
pub async fn execute(client: &Client, jobs: Vec<UpdateJob>, changed: &HashMap<String, Value>) -> Vec<(i64, Outcome)> {
    let mut outcomes = Vec::new();
    let fresh = read_fresh(client, &jobs, changed).await;
    // Phase 1: guard, and the PATCH bodies.
    let mut to_patch = Vec::new();
    let mut after_patch = Vec::new();
    for job in jobs {
        let current = match fresh.get(&(job.collection, job.target().to_string())) {
            Some(Ok(v)) => Some(v.clone()),
            Some(Err(e)) => {
                outcomes.push((job.ledger_id, Outcome::failed(e.to_string(), e.is_retryable())));
                continue;
            }
            None => None,
        };
        // Unchanged since the fetch: the state it matched in is the current state.
        let current = current.unwrap_or_else(|| job.params.get("matched").cloned().unwrap_or(Value::Null));
        if let Some(reason) = guard(&job.params, &current) {
            outcomes.push((job.ledger_id, Outcome::Skipped(reason)));
            continue;
        }
        let body = patch_body(&job.params, &current);
        if body.as_object().is_some_and(|o| !o.is_empty()) {
            let op = match job.collection {
                Collection::Alerts => {
                    BatchOp::update_alert(job.target(), &serde_json::from_value(body).unwrap_or_default())
                }
                Collection::Incidents => {
                    BatchOp::update_incident(job.target(), &serde_json::from_value(body).unwrap_or_default())
                }
            };
            to_patch.push((job, op, current));
        } else {
            after_patch.push((job, current));
        }
    }
    let (jobs, ops): (Vec<_>, Vec<_>) = to_patch.into_iter().map(|(j, op, c)| ((j, c), op)).unzip();
    for ((job, current), result) in jobs.into_iter().zip(client.batch_outcomes(ops).await) {
        match result {
            Ok(_) => after_patch.push((job, current)),
            Err(e) => outcomes.push((job.ledger_id, Outcome::failed(e.to_string(), e.is_retryable()))),
        }
    }
    // Phase 2: comments, only for items whose update went through (or needed none).
    let mut comment_jobs = Vec::new();
    let mut comment_ops = Vec::new();
    for (job, current) in after_patch {
        let Some(comment) = job.params.get("comment").and_then(Value::as_str) else {
            outcomes.push((job.ledger_id, Outcome::Done));
            continue;
        };
        let marker = comment_marker(job.ledger_id);
        if job.resumed && has_marker(&current, &marker) {
            outcomes.push((job.ledger_id, Outcome::Done));
            continue;
        }
        comment_ops.push(BatchOp::comment(
            job.collection,
            job.target(),
            &format!("{comment}\n\n{marker}"),
        ));
        comment_jobs.push(job);
    }
    for (job, result) in comment_jobs.into_iter().zip(client.batch_outcomes(comment_ops).await) {
        outcomes.push(match result {
            Ok(_) => (job.ledger_id, Outcome::Done),
            // Retryable either way: the retry reads the comments and posts only if the marker
            // is missing.
            Err(e) => (
                job.ledger_id,
                Outcome::failed(
                    format!("the update was applied but the comment failed: {e}"),
                    e.is_retryable(),
                ),
            ),
        });
    }
    outcomes
}

/// The current state of every target that needs one read: from the re-read, else a GET.
async fn read_fresh(
    client: &Client,
    jobs: &[UpdateJob],
    changed: &HashMap<String, Value>,
) -> HashMap<(Collection, String), Result<Value, Error>> {
    let mut out = HashMap::new();
    let mut gets = Vec::new();
    for job in jobs {
        let key = (job.collection, job.target().to_string());
        if job.needs_fresh_read() {
            gets.push(key);
        } else if let Some(v) = changed.get(job.target()) {
            out.insert(key, Ok(v.clone()));
        }
    }
    // A GET (for a resumed job) wins over the re-read of the same target.
    out.extend(client.get_items(gets).await);
    out
}

/// Why the write must not happen, if it must not: an analyst changed a guarded field since the
/// match (to something graphsoar did not plan to set itself), or `only_if_status` does not allow
/// the current status.
pub fn guard(params: &Value, current: &Value) -> Option<String> {
    if let Some(matched) = params.get("matched") {
        for (graph, param) in GUARDED {
            let then = matched.get(*graph).unwrap_or(&Value::Null);
            let now = current.get(*graph).unwrap_or(&Value::Null);
            let ours = params.get(*param);
            if now != then && Some(now) != ours {
                return Some(format!(
                    "{graph} changed since the match ({} → {}): left to the analyst",
                    show(then),
                    show(now)
                ));
            }
        }
    }
    if let Some(allowed) = params.get("only_if_status").and_then(Value::as_array) {
        let status = current.get("status").unwrap_or(&Value::Null);
        let ours = params.get("status");
        if !allowed.contains(status) && Some(status) != ours {
            return Some(format!(
                "status is {}, and only_if_status allows {}",
                show(status),
                Value::Array(allowed.clone())
            ));
        }
    }
    None
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "none".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The PATCH body: the planned fields whose value differs from the current state; tags applied
/// to the current `customTags` (case-insensitive, order and analysts' tags kept), sent whole and
/// only when they change.
pub fn patch_body(params: &Value, current: &Value) -> Value {
    let mut body = serde_json::Map::new();
    for (graph, param) in GUARDED {
        if let Some(want) = params.get(*param)
            && current.get(*graph) != Some(want)
        {
            body.insert((*graph).to_string(), want.clone());
        }
    }
    if let Some(tags) = params.get("tags") {
        let have: Vec<String> = current
            .get("customTags")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        let strings = |k: &str| -> Vec<String> {
            tags.get(k)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default()
        };
        let next = match tags.get("set") {
            Some(_) => strings("set"),
            None => {
                let remove: Vec<String> = strings("remove").iter().map(|t| t.to_lowercase()).collect();
                let mut next: Vec<String> = have
                    .iter()
                    .filter(|t| !remove.contains(&t.to_lowercase()))
                    .cloned()
                    .collect();
                for t in strings("add") {
                    if !next.iter().any(|n| n.eq_ignore_ascii_case(&t)) {
                        next.push(t);
                    }
                }
                next
            }
        };
        if next != have {
            body.insert("customTags".into(), json!(next));
        }
    }
    Value::Object(body)
}

/// Whether the item's comments already hold `marker` (a post whose outcome was unknown).
fn has_marker(item: &Value, marker: &str) -> bool {
    item.get("comments").and_then(Value::as_array).is_some_and(|cs| {
        cs.iter().any(|c| {
            c.get("comment")
                .and_then(Value::as_str)
                .is_some_and(|t| t.contains(marker))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Value {
        json!({
            "target": "a1", "status": "resolved", "classification": "informationalExpectedActivity",
            "matched": { "status": "new", "assignedTo": null, "classification": null, "determination": null },
            "only_if_status": ["new"]
        })
    }

    #[test]
    fn unchanged_items_pass_the_guard() {
        let current = json!({ "status": "new", "assignedTo": null });
        assert_eq!(guard(&params(), &current), None);
    }

    #[test]
    fn an_analysts_change_stops_the_write() {
        let current = json!({ "status": "inProgress", "assignedTo": null });
        let why = guard(&params(), &current).unwrap();
        assert!(
            why.contains("status changed since the match (new → inProgress)"),
            "{why}"
        );
        let current = json!({ "status": "new", "assignedTo": "analyst@contoso.com" });
        assert!(guard(&params(), &current).unwrap().contains("assignedTo"));
    }

    #[test]
    fn our_own_earlier_write_is_not_an_analysts_change() {
        let current = json!({ "status": "resolved", "classification": "informationalExpectedActivity" });
        assert_eq!(guard(&params(), &current), None);
        assert_eq!(patch_body(&params(), &current), json!({}));
    }

    #[test]
    fn only_if_status_narrows() {
        let p = json!({ "target": "i1", "status": "resolved", "only_if_status": ["active"] });
        assert!(
            guard(&p, &json!({ "status": "inProgress" }))
                .unwrap()
                .contains("only_if_status")
        );
        assert_eq!(guard(&p, &json!({ "status": "active" })), None);
    }

    #[test]
    fn tags_keep_analysts_tags_and_ignore_case() {
        let p = json!({ "target": "i1", "tags": { "add": ["notified", "VIP"], "remove": ["stale"] } });
        let current = json!({ "customTags": ["vip", "Stale", "finance"] });
        assert_eq!(
            patch_body(&p, &current),
            json!({ "customTags": ["vip", "finance", "notified"] })
        );
        let done = json!({ "customTags": ["vip", "finance", "notified"] });
        assert_eq!(patch_body(&p, &done), json!({}), "no PATCH when nothing changes");
    }
}
