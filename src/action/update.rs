//! `update_alert` / `update_incident`: the safe write.
//!
//! For each planned update: find the item's current state (the engine's re-read of what changed
//! since the fetch, or a GET for actions resumed from an earlier run or targets never fetched),
//! skip the write when an analyst changed status, assignedTo, classification or determination
//! since the match, or when `only_if_status` does not allow the current status; PATCH the
//! fields that differ (tags applied to the fresh `customTags`); then post the comment, only once
//! the PATCH returned 200 (or when none was needed), ending with the ledger-id marker, and never
//! again when the marker is already there. Every step of every update goes through one queue of
//! parallel `$batch` calls, so an item waits only for its own earlier steps.

use std::collections::HashMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Outcome, comment_marker};
use crate::graph::models::enums::{AlertClassification, AlertDetermination, AlertStatus, IncidentStatus};
use crate::graph::models::{AlertUpdate, IncidentUpdate};
use crate::graph::{Answer, BatchOp, Client, Collection, Error};
use crate::http::{Retries, RetryPolicy};
use crate::playbook::TagChange;

/// The status type of what an update changes: [`AlertStatus`] for `update_alert`,
/// [`IncidentStatus`] for `update_incident`; it also decides the collection and the PATCH body.
pub trait Status:
    Clone + PartialEq + fmt::Display + fmt::Debug + Serialize + DeserializeOwned + for<'a> From<&'a str> + Send + Sync
{
    /// Where items with this status live.
    const COLLECTION: Collection;

    /// The `$batch` PATCH of `target` with `patch`.
    fn patch_op(target: &str, patch: Patch<Self>) -> BatchOp;
}

impl Status for AlertStatus {
    const COLLECTION: Collection = Collection::Alerts;

    fn patch_op(target: &str, p: Patch<Self>) -> BatchOp {
        // Alerts have no writable tags (validation refuses `tags` on update_alert).
        let update = AlertUpdate {
            status: p.status,
            classification: p.classification,
            determination: p.determination,
            assigned_to: p.assigned_to.map(Some),
            ..AlertUpdate::default()
        };
        BatchOp::update_alert(target, &update)
    }
}

impl Status for IncidentStatus {
    const COLLECTION: Collection = Collection::Incidents;

    fn patch_op(target: &str, p: Patch<Self>) -> BatchOp {
        let update = IncidentUpdate {
            status: p.status,
            classification: p.classification,
            determination: p.determination,
            assigned_to: p.assigned_to.map(Some),
            custom_tags: p.custom_tags,
            ..IncidentUpdate::default()
        };
        BatchOp::update_incident(target, &update)
    }
}

/// The frozen parameters of an `update_alert` / `update_incident` action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "S: Status")]
pub struct UpdateParams<S> {
    /// The id of the alert or incident to change.
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<S>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<AlertClassification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub determination: Option<AlertDetermination>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    /// The rendered comment, posted after the write with the ledger-id marker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<TagChange>,
    /// The statuses the target may be in for the write to happen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_if_status: Option<Vec<S>>,
    /// The target's state when it matched (the guard compares the fresh state with it); None
    /// until the engine has read a target other than the matched item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<Snapshot<S>>,
}

impl<S: Status> UpdateParams<S> {
    /// An update of `target` that changes nothing yet.
    pub fn new(target: impl Into<String>) -> Self {
        UpdateParams {
            target: target.into(),
            status: None,
            classification: None,
            determination: None,
            assigned_to: None,
            comment: None,
            tags: None,
            only_if_status: None,
            matched: None,
        }
    }

    /// Records the state `item` (the target, as Graph JSON) was in at the match. Without an
    /// explicit `only_if_status`, the matched status is the only one allowed.
    pub fn record_matched(&mut self, item: &Value) {
        let snapshot = Snapshot::<S>::of(item);
        if self.only_if_status.is_none()
            && let Some(status) = &snapshot.status
        {
            self.only_if_status = Some(vec![status.clone()]);
        }
        self.matched = Some(snapshot);
    }
}

/// What the guard watches of an alert or incident, read from its Graph JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "S: Status")]
pub struct Snapshot<S> {
    #[serde(default)]
    pub status: Option<S>,
    #[serde(default)]
    pub assigned_to: Option<String>,
    #[serde(default)]
    pub classification: Option<AlertClassification>,
    #[serde(default)]
    pub determination: Option<AlertDetermination>,
    #[serde(default)]
    pub last_update_date_time: Option<String>,
    #[serde(default)]
    pub custom_tags: Option<Vec<String>>,
}

impl<S: Status> Snapshot<S> {
    /// The guarded fields of `item` (normalised Graph JSON); a missing or null field is None.
    pub fn of(item: &Value) -> Self {
        let text = |k: &str| item.get(k).and_then(Value::as_str);
        Snapshot {
            status: text("status").map(S::from),
            assigned_to: text("assignedTo").map(str::to_string),
            classification: text("classification").map(AlertClassification::parse),
            determination: text("determination").map(AlertDetermination::parse),
            last_update_date_time: text("lastUpdateDateTime").map(str::to_string),
            custom_tags: item
                .get("customTags")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()),
        }
    }
}

/// The fields a PATCH changes: the planned ones whose value differs from the current state.
#[derive(Debug, Clone, PartialEq)]
pub struct Patch<S> {
    pub status: Option<S>,
    pub classification: Option<AlertClassification>,
    pub determination: Option<AlertDetermination>,
    pub assigned_to: Option<String>,
    pub custom_tags: Option<Vec<String>>,
}

impl<S> Patch<S> {
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.classification.is_none()
            && self.determination.is_none()
            && self.assigned_to.is_none()
            && self.custom_tags.is_none()
    }
}

/// One planned update to execute.
#[derive(Debug, Clone)]
pub struct UpdateJob<S> {
    pub ledger_id: i64,
    pub params: UpdateParams<S>,
    /// Resumed from an earlier run or attempt: its outcome then is unknown, so the item is read
    /// fresh and its comments are checked for the marker.
    pub resumed: bool,
}

impl<S> UpdateJob<S> {
    fn needs_fresh_read(&self) -> bool {
        self.resumed || self.params.matched.is_none()
    }
}

/// Executes updates; `changed` holds the items the engine's re-read found changed since the
/// fetch (normalised Graph JSON by id). Returns an outcome per ledger id.
///
/// Each update goes its own way through one shared `$batch` queue ([`Client::bulk`]): the read
/// of its target when it needs one (one GET per target, shared by its updates), the guard, the
/// PATCH, then the comment once the PATCH returned 200. One item's retried PATCH so holds up
/// neither the other items' comments nor the end of the phase beyond its own retries.
pub async fn execute<S: Status>(
    client: &Client,
    jobs: Vec<UpdateJob<S>>,
    changed: &HashMap<String, Value>,
) -> Vec<(i64, Outcome)> {
    let mut updates = Updates {
        flows: jobs
            .into_iter()
            .map(|job| Flow {
                job,
                posted: false,
                step: Step::Read,
            })
            .collect(),
        readers: HashMap::new(),
        policy: client.retry_policy(),
        settled: 0,
        outcomes: Vec::new(),
    };
    let mut ops = Vec::new();
    for i in 0..updates.flows.len() {
        let job = &updates.flows[i].job;
        if job.needs_fresh_read() {
            let target = job.params.target.clone();
            let readers = updates.readers.entry(target).or_default();
            if readers.is_empty() {
                ops.push((i, BatchOp::get(S::COLLECTION, &job.params.target)));
            }
            readers.push(i);
        } else {
            let item = changed.get(&job.params.target).cloned();
            updates.checked(i, item, &mut ops);
        }
    }
    client
        .bulk(ops, |i, answer, next| updates.answered(i, answer, next))
        .await;
    updates.finish()
}

/// The updates of one [`execute`], each at its step.
struct Updates<S> {
    flows: Vec<Flow<S>>,
    /// The updates waiting for each target's read.
    readers: HashMap<String, Vec<usize>>,
    /// The client's: a comment's posts and the reads of its marker spend its attempts, as a
    /// request's tries do (a failure of the whole call a post went in is the call's, and spends
    /// none, as a throttle does not: [`Retries::call_failed`]).
    policy: RetryPolicy,
    /// Comment posts of unknown outcome settled by reading the item's comments.
    settled: u32,
    outcomes: Vec<(i64, Outcome)>,
}

/// One update on its way.
struct Flow<S> {
    job: UpdateJob<S>,
    /// Resumed, and its comment's marker is already on the item.
    posted: bool,
    step: Step,
}

/// What an update waits for.
enum Step {
    /// Its target's fresh state.
    Read,
    /// The answer to its PATCH.
    Patch,
    /// The answer to a post of its comment; the attempts its posts have spent.
    Comment(Retries),
    /// The item's comments, after a post's outcome was unknown (a 500 or a lost connection
    /// after sending): posted if the marker is there, else posted again.
    Settle { retries: Retries, error: Error },
    /// Nothing: its outcome is recorded.
    Done,
}

impl<S: Status> Updates<S> {
    /// Takes the answer to update `i`'s operation and queues its next one.
    fn answered(&mut self, i: usize, answer: Answer, next: &mut Vec<(usize, BatchOp)>) {
        let collection = S::COLLECTION;
        let result = answer.result;
        match std::mem::replace(&mut self.flows[i].step, Step::Done) {
            Step::Read => {
                let target = &self.flows[i].job.params.target;
                let readers = self.readers.remove(target).unwrap_or_else(|| vec![i]);
                match result {
                    Ok(mut item) => {
                        collection.normalize(&mut item);
                        for j in readers {
                            self.checked(j, Some(item.clone()), next);
                        }
                    }
                    Err(e) => {
                        for j in readers {
                            self.end(j, Outcome::failed(e.to_string(), e.is_retryable()));
                        }
                    }
                }
            }
            Step::Patch => match result {
                Ok(_) => self.patched(i, next),
                Err(e) => self.end(i, Outcome::failed(e.to_string(), e.is_retryable())),
            },
            Step::Comment(mut retries) => match result {
                Ok(_) => self.end(i, Outcome::Done),
                Err(error) if error.is_retryable() => {
                    let attempt = retries.begin();
                    if answer.call_failed {
                        retries.call_failed();
                    }
                    if !retries.can_retry() {
                        return self.comment_failed(i, &error);
                    }
                    let flow = &mut self.flows[i];
                    tracing::debug!(ledger_id = flow.job.ledger_id, attempt, error = %error, "A comment post failed; checking its marker before posting again.");
                    self.settled += 1;
                    next.push((i, BatchOp::get(collection, &flow.job.params.target)));
                    flow.step = Step::Settle { retries, error };
                }
                Err(error) => self.comment_failed(i, &error),
            },
            Step::Settle { mut retries, error } => {
                let flow = &mut self.flows[i];
                match result {
                    Ok(item) if has_marker(&item, &comment_marker(flow.job.ledger_id)) => self.end(i, Outcome::Done),
                    Ok(_) => {
                        next.push((i, comment_op(&flow.job)));
                        flow.step = Step::Comment(retries);
                    }
                    // Not readable now: read again, as a failed attempt of its own.
                    Err(_) => {
                        retries.begin();
                        if retries.can_retry() {
                            next.push((i, BatchOp::get(collection, &flow.job.params.target)));
                            flow.step = Step::Settle { retries, error };
                        } else {
                            self.comment_failed(i, &error);
                        }
                    }
                }
            }
            Step::Done => {}
        }
    }

    /// Update `i` with its target's current state (None: unchanged since the match): the
    /// guard, then the PATCH of what differs.
    fn checked(&mut self, i: usize, item: Option<Value>, next: &mut Vec<(usize, BatchOp)>) {
        let flow = &mut self.flows[i];
        let params = &flow.job.params;
        // Unchanged since the fetch: the state it matched in is the current state.
        let current = match (&item, &params.matched) {
            (Some(v), _) => Snapshot::of(v),
            (None, Some(matched)) => matched.clone(),
            (None, None) => Snapshot::of(&Value::Null),
        };
        if let Some(reason) = guard(params, &current) {
            return self.end(i, Outcome::Skipped(reason));
        }
        flow.posted = flow.job.resumed
            && item
                .as_ref()
                .is_some_and(|item| has_marker(item, &comment_marker(flow.job.ledger_id)));
        let patch = patch_body(params, &current);
        if patch.is_empty() {
            self.patched(i, next);
        } else {
            next.push((i, S::patch_op(&params.target, patch)));
            flow.step = Step::Patch;
        }
    }

    /// Update `i`'s write went through (or needed none): its comment, unless it has none or it
    /// is already there.
    fn patched(&mut self, i: usize, next: &mut Vec<(usize, BatchOp)>) {
        let flow = &mut self.flows[i];
        if flow.job.params.comment.is_none() || flow.posted {
            self.end(i, Outcome::Done);
        } else {
            next.push((i, comment_op(&flow.job)));
            flow.step = Step::Comment(self.policy.start());
        }
    }

    /// Records update `i`'s outcome (whatever it is: done, skipped or failed).
    fn end(&mut self, i: usize, outcome: Outcome) {
        self.flows[i].step = Step::Done;
        self.outcomes.push((self.flows[i].job.ledger_id, outcome));
    }

    fn comment_failed(&mut self, i: usize, error: &Error) {
        let message = format!("the update was applied but the comment failed: {error}");
        self.end(i, Outcome::failed(message, error.is_retryable()));
    }

    /// Every outcome; an update whose call never answered (its task failed) is retryable from
    /// the ledger, whose next run reads the item and checks the marker.
    fn finish(mut self) -> Vec<(i64, Outcome)> {
        if self.settled > 0 {
            tracing::warn!(
                comments = self.settled,
                "Comment posts of unknown outcome were settled by checking their markers."
            );
        }
        for i in 0..self.flows.len() {
            if !matches!(self.flows[i].step, Step::Done) {
                self.end(i, Outcome::failed("the batch call ended without an answer", true));
            }
        }
        self.outcomes
    }
}

/// The comment POST of `job`, ending with its ledger-id marker.
fn comment_op<S: Status>(job: &UpdateJob<S>) -> BatchOp {
    let comment = job.params.comment.as_deref().unwrap_or_default();
    let marker = comment_marker(job.ledger_id);
    BatchOp::comment(S::COLLECTION, &job.params.target, &format!("{comment}\n\n{marker}"))
}

/// Why the write must not happen, if it must not: an analyst changed a guarded field since the
/// match (to something graphsoar did not plan to set itself), or `only_if_status` does not allow
/// the current status.
pub fn guard<S: Status>(params: &UpdateParams<S>, current: &Snapshot<S>) -> Option<String> {
    /// Changed since the match, and not to the value graphsoar itself writes.
    fn moved<T: PartialEq>(then: &Option<T>, now: &Option<T>, ours: &Option<T>) -> bool {
        now != then && (ours.is_none() || now != ours)
    }
    fn show<T: fmt::Display>(v: &Option<T>) -> String {
        v.as_ref().map_or_else(|| "none".to_string(), ToString::to_string)
    }
    if let Some(m) = &params.matched {
        let changes = [
            (
                "status",
                moved(&m.status, &current.status, &params.status),
                show(&m.status),
                show(&current.status),
            ),
            (
                "assignedTo",
                moved(&m.assigned_to, &current.assigned_to, &params.assigned_to),
                show(&m.assigned_to),
                show(&current.assigned_to),
            ),
            (
                "classification",
                moved(&m.classification, &current.classification, &params.classification),
                show(&m.classification),
                show(&current.classification),
            ),
            (
                "determination",
                moved(&m.determination, &current.determination, &params.determination),
                show(&m.determination),
                show(&current.determination),
            ),
        ];
        if let Some((field, _, then, now)) = changes.into_iter().find(|c| c.1) {
            return Some(format!(
                "{field} changed since the match ({then} → {now}): left to the analyst"
            ));
        }
    }
    if let Some(allowed) = &params.only_if_status {
        let status = &current.status;
        let allowed_now = status.as_ref().is_some_and(|s| allowed.contains(s));
        let ours = params.status.is_some() && status == &params.status;
        if !allowed_now && !ours {
            let list: Vec<String> = allowed.iter().map(ToString::to_string).collect();
            return Some(format!(
                "status is {}, and only_if_status allows {}",
                show(status),
                serde_json::to_string(&list).unwrap_or_default()
            ));
        }
    }
    None
}

/// The PATCH: the planned fields whose value differs from the current state; tags applied to the
/// current `customTags` (case-insensitive, order and analysts' tags kept), sent whole and only
/// when they change.
pub fn patch_body<S: Status>(params: &UpdateParams<S>, current: &Snapshot<S>) -> Patch<S> {
    fn differs<T: PartialEq + Clone>(want: &Option<T>, have: &Option<T>) -> Option<T> {
        want.as_ref().filter(|w| have.as_ref() != Some(*w)).cloned()
    }
    let custom_tags = params.tags.as_ref().and_then(|tags| {
        let have = current.custom_tags.clone().unwrap_or_default();
        let next = match tags {
            TagChange::Set { set } => set.clone(),
            TagChange::Edit { add, remove } => {
                let remove: Vec<String> = remove.iter().map(|t| t.to_lowercase()).collect();
                let mut next: Vec<String> = have
                    .iter()
                    .filter(|t| !remove.contains(&t.to_lowercase()))
                    .cloned()
                    .collect();
                for t in add {
                    if !next.iter().any(|n| n.eq_ignore_ascii_case(t)) {
                        next.push(t.clone());
                    }
                }
                next
            }
        };
        (next != have).then_some(next)
    });
    Patch {
        status: differs(&params.status, &current.status),
        classification: differs(&params.classification, &current.classification),
        determination: differs(&params.determination, &current.determination),
        assigned_to: differs(&params.assigned_to, &current.assigned_to),
        custom_tags,
    }
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
    use serde_json::json;

    fn params() -> UpdateParams<AlertStatus> {
        UpdateParams {
            status: Some(AlertStatus::Resolved),
            classification: Some(AlertClassification::InformationalExpectedActivity),
            only_if_status: Some(vec![AlertStatus::New]),
            matched: Some(Snapshot::of(&json!({ "status": "new" }))),
            ..UpdateParams::new("a1")
        }
    }

    fn snapshot<S: Status>(item: Value) -> Snapshot<S> {
        Snapshot::of(&item)
    }

    #[test]
    fn unchanged_items_pass_the_guard() {
        let current = snapshot(json!({ "status": "new", "assignedTo": null }));
        assert_eq!(guard(&params(), &current), None);
    }

    #[test]
    fn an_analysts_change_stops_the_write() {
        let current = snapshot(json!({ "status": "inProgress", "assignedTo": null }));
        let why = guard(&params(), &current).unwrap();
        assert!(
            why.contains("status changed since the match (new → inProgress)"),
            "{why}"
        );
        let current = snapshot(json!({ "status": "new", "assignedTo": "analyst@contoso.com" }));
        assert!(guard(&params(), &current).unwrap().contains("assignedTo"));
    }

    #[test]
    fn our_own_earlier_write_is_not_an_analysts_change() {
        let current = snapshot(json!({ "status": "resolved", "classification": "informationalExpectedActivity" }));
        assert_eq!(guard(&params(), &current), None);
        assert!(patch_body(&params(), &current).is_empty());
    }

    #[test]
    fn only_if_status_narrows() {
        let p = UpdateParams {
            status: Some(IncidentStatus::Resolved),
            only_if_status: Some(vec![IncidentStatus::Active]),
            ..UpdateParams::new("i1")
        };
        let why = guard(&p, &snapshot(json!({ "status": "inProgress" }))).unwrap();
        assert_eq!(why, r#"status is inProgress, and only_if_status allows ["active"]"#);
        assert_eq!(guard(&p, &snapshot(json!({ "status": "active" }))), None);
    }

    #[test]
    fn tags_keep_analysts_tags_and_ignore_case() {
        let p: UpdateParams<IncidentStatus> = UpdateParams {
            tags: Some(TagChange::Edit {
                add: vec!["notified".into(), "VIP".into()],
                remove: vec!["stale".into()],
            }),
            ..UpdateParams::new("i1")
        };
        let current = snapshot(json!({ "customTags": ["vip", "Stale", "finance"] }));
        assert_eq!(
            patch_body(&p, &current).custom_tags,
            Some(vec!["vip".into(), "finance".into(), "notified".into()])
        );
        let done = snapshot(json!({ "customTags": ["vip", "finance", "notified"] }));
        assert!(patch_body(&p, &done).is_empty(), "no PATCH when nothing changes");
    }

    /// One update driven answer by answer, as [`Client::bulk`] would: each step follows the
    /// answer to the last; a comment post of unknown outcome is settled by its marker; a whole
    /// call's failure spends none of the post's attempts, the post's own failures do.
    #[test]
    fn an_update_goes_step_by_step_and_only_its_own_failures_count() {
        use crate::graph::Operation;
        use reqwest::{Method, StatusCode};
        let job = UpdateJob {
            ledger_id: 7,
            params: UpdateParams {
                comment: Some("closed".into()),
                ..params()
            },
            resumed: false,
        };
        let mut updates = Updates {
            flows: vec![Flow {
                job,
                posted: false,
                step: Step::Read,
            }],
            readers: HashMap::new(),
            policy: RetryPolicy::graph(2),
            settled: 0,
            outcomes: Vec::new(),
        };
        let server_error = || {
            let body = br#"{"error":{"code":"UnknownError","message":"boom"}}"#;
            crate::graph::client::api_error(
                &Method::POST,
                "/x",
                StatusCode::INTERNAL_SERVER_ERROR,
                &Default::default(),
                body,
                Operation::WriteAlerts,
            )
        };
        let answer = |result, call_failed| Answer { result, call_failed };
        let step = |updates: &mut Updates<AlertStatus>, result, call_failed| {
            let mut next = Vec::new();
            updates.answered(0, answer(result, call_failed), &mut next);
            next.into_iter()
                .map(|(_, op)| format!("{} {}", op.method, op.url))
                .collect::<Vec<_>>()
        };
        // Unchanged since the match: straight to the PATCH, then the comment.
        let mut first = Vec::new();
        updates.checked(0, None, &mut first);
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].1.method, Method::PATCH);
        assert_eq!(
            step(&mut updates, Ok(Value::Null), false),
            ["POST /security/alerts_v2/a1/comments"]
        );
        // Three whole-call failures: each settled by reading the marker, none counted.
        for _ in 0..3 {
            assert_eq!(
                step(&mut updates, Err(server_error()), true),
                ["GET /security/alerts_v2/a1"]
            );
            let unposted = json!({"id": "a1", "comments": [{"comment": "earlier"}]});
            assert_eq!(
                step(&mut updates, Ok(unposted), false),
                ["POST /security/alerts_v2/a1/comments"]
            );
        }
        // The post's own failure counts (the three calls' did not); once found posted, it is done.
        assert_eq!(
            step(&mut updates, Err(server_error()), false),
            ["GET /security/alerts_v2/a1"]
        );
        assert!(matches!(&updates.flows[0].step, Step::Settle { retries, .. } if retries.attempts() == 1));
        let posted = json!({"id": "a1", "comments": [{"comment": format!("closed\n\n{}", comment_marker(7))}]});
        assert!(step(&mut updates, Ok(posted), false).is_empty());
        assert_eq!(updates.outcomes, [(7, Outcome::Done)]);
        // With two own failures of two attempts, the action fails, retryable from the ledger.
        let mut retries = RetryPolicy::graph(2).start();
        retries.begin();
        updates.flows[0].step = Step::Comment(retries);
        updates.outcomes.clear();
        assert!(step(&mut updates, Err(server_error()), false).is_empty());
        assert!(
            matches!(&updates.outcomes[..], [(7, Outcome::Failed { retryable: true, error })] if error.contains("the comment failed"))
        );
    }

    #[test]
    fn the_stored_form_is_snake_case_and_round_trips() {
        let mut p = params();
        p.record_matched(&json!({ "status": "new", "assignedTo": null, "lastUpdateDateTime": "2030-01-01T00:00:00Z", "customTags": [] }));
        let stored = serde_json::to_value(&p).unwrap();
        assert_eq!(stored["matched"]["last_update_date_time"], "2030-01-01T00:00:00Z");
        assert_eq!(stored["status"], "resolved");
        assert_eq!(serde_json::from_value::<UpdateParams<AlertStatus>>(stored).unwrap(), p);
    }
}
