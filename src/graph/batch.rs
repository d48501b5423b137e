//! Bulk operations through JSON batching (`POST /$batch`, at most 20 requests each): calls go
//! out `limits.batches_in_flight` at a time, responses (possibly out of order) are matched by id,
//! and each item's 429 or 5xx is retried on its own, with its own attempts: it waits its delay in
//! one queue shared by every item and joins the next call. Every item gets its own result.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::client::{Client, Collection};
use super::error::{ApiError, Error, Operation};
use super::models::{AlertUpdate, BatchRequest, BatchRequestItem, CommentRequest, IncidentUpdate};
use crate::http::Retries;

/// Batches in flight at once unless `limits.batches_in_flight` says otherwise. Graph publishes no
/// concurrency limit for alerts and incidents (only 4 for secure scores, reference §11), and
/// throttles by requests over time, counting each sub-request: what a tenant is asked over a
/// minute is the count of writes, which `limits.writes_per_minute` paces, not this. This only
/// says how soon a burst is done when requests take long: at 40 ms a request, 600 updates (60
/// calls of 20) take 8 rounds with 8 in flight, 15 with 4.
pub const DEFAULT_BATCHES_IN_FLIGHT: u32 = 8;

/// One operation of a bulk call.
#[derive(Debug, Clone)]
pub struct BatchOp {
    pub method: Method,
    /// Relative to the version root, such as `/security/alerts_v2/{id}`.
    pub url: String,
    pub body: Option<Value>,
    pub op: Operation,
    /// Safe to repeat after an uncertain outcome (PATCH is; a comment POST is not).
    pub idempotent: bool,
}

impl BatchOp {
    /// `PATCH /security/alerts_v2/{id}`.
    pub fn update_alert(id: &str, update: &AlertUpdate) -> BatchOp {
        BatchOp::patch(
            Collection::Alerts,
            id,
            serde_json::to_value(update).unwrap_or(Value::Null),
        )
    }

    /// `PATCH /security/incidents/{id}`.
    pub fn update_incident(id: &str, update: &IncidentUpdate) -> BatchOp {
        BatchOp::patch(
            Collection::Incidents,
            id,
            serde_json::to_value(update).unwrap_or(Value::Null),
        )
    }

    fn patch(c: Collection, id: &str, body: Value) -> BatchOp {
        BatchOp {
            method: Method::PATCH,
            url: item_url(c, id, ""),
            body: Some(body),
            op: write_op(c),
            idempotent: true,
        }
    }

    /// `GET /security/alerts_v2/{id}` or `/security/incidents/{id}`.
    pub fn get(c: Collection, id: &str) -> BatchOp {
        BatchOp {
            method: Method::GET,
            url: item_url(c, id, ""),
            body: None,
            op: c.read(),
            idempotent: true,
        }
    }

    /// `POST …/{id}/comments`.
    pub fn comment(c: Collection, id: &str, text: &str) -> BatchOp {
        BatchOp {
            method: Method::POST,
            url: item_url(c, id, "/comments"),
            body: serde_json::to_value(CommentRequest::new(text)).ok(),
            op: write_op(c),
            idempotent: false,
        }
    }
}

fn write_op(c: Collection) -> Operation {
    match c {
        Collection::Alerts => Operation::WriteAlerts,
        Collection::Incidents => Operation::WriteIncidents,
    }
}

fn item_url(c: Collection, id: &str, suffix: &str) -> String {
    let base = match c {
        Collection::Alerts => "/security/alerts_v2/",
        Collection::Incidents => "/security/incidents/",
    };
    let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    format!("{base}{}{suffix}", id.replace('+', "%20"))
}

impl Client {
    /// Runs `ops` through `$batch`, 20 per call, up to `limits.batches_in_flight` calls at a time. Results come back in
    /// the order of `ops`: each the response body, or the error that item ended with.
    pub async fn batch(&self, ops: Vec<BatchOp>) -> Vec<Result<Value, Error>> {
        let mut results: Vec<Option<Result<Value, Error>>> = (0..ops.len()).map(|_| None).collect();
        self.bulk_keeping(ops.into_iter().enumerate().collect(), true, |index, answer, _| {
            results[index] = Some(answer.result);
        })
        .await;
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::Refused("the batch task ended without a result".into()))))
            .collect()
    }

    /// Work of many steps through `$batch`: each operation's result goes to `next` with its key
    /// as soon as its call is answered, and `next` may queue the operations that follow from it
    /// (a comment once its PATCH returned 200), which join the same queue as everything else.
    /// One item's retried step so never holds up the next step of the others, and calls stay
    /// full. Bodies are kept for GETs only (a PATCH answer is the whole updated item, and
    /// thousands of them would hold hundreds of megabytes for nothing); other results are
    /// `Value::Null` on success.
    pub async fn bulk<K: Send + 'static>(
        &self,
        ops: Vec<(K, BatchOp)>,
        next: impl FnMut(K, Answer, &mut Vec<(K, BatchOp)>),
    ) {
        self.bulk_keeping(ops, false, next).await;
    }

    async fn bulk_keeping<K: Send + 'static>(
        &self,
        ops: Vec<(K, BatchOp)>,
        keep_bodies: bool,
        mut next: impl FnMut(K, Answer, &mut Vec<(K, BatchOp)>),
    ) {
        let policy = self.retry_policy();
        let clock = self.clock().clone();
        // Each queued operation's id in the calls it goes in: unique within any one call.
        let mut ids = 0..;
        let mut queued = |(key, op): (K, BatchOp)| Queued {
            id: ids.next().unwrap_or_default(),
            keep_body: keep_bodies || op.method == Method::GET,
            key,
            op,
            retries: policy.start(),
            ready: None,
        };
        // One queue for every item: a call takes up to 20 that are ready, and an item to retry
        // goes back to wait its own delay, then joins whatever call goes next. Throttled items
        // of many calls so share full calls again instead of each call retrying its few.
        let mut queue: VecDeque<Queued<K>> = ops.into_iter().map(&mut queued).collect();
        let mut follow = Vec::new();
        // Only `batches_in_flight` calls are sent at once; a call holds its slot while it is
        // sent and answered, never while the client waits to send it again (after a 500 of the
        // whole call), so twice as many calls may be under way.
        let in_flight = self.batches_in_flight();
        let slots = Arc::new(Semaphore::new(in_flight));
        let mut running = JoinSet::new();
        loop {
            while running.len() < 2 * in_flight {
                let items = take_ready(&mut queue, clock.now());
                if items.is_empty() {
                    break;
                }
                let (client, slots) = (self.clone(), slots.clone());
                running.spawn(async move { client.send_items(items, &slots).await });
            }
            if running.is_empty() && queue.is_empty() {
                break;
            }
            let wait = queue
                .iter()
                .filter_map(|q| q.ready)
                .min()
                .map(|at| (at - clock.now()).to_std().unwrap_or_default())
                .unwrap_or_default();
            tokio::select! {
                Some(joined) = running.join_next() => match joined {
                    Ok(sent) => {
                        for (key, answer) in sent.done {
                            next(key, answer, &mut follow);
                        }
                        queue.extend(sent.retry);
                        queue.extend(follow.drain(..).map(&mut queued));
                    }
                    Err(e) => tracing::error!(error = %e, "A $batch task failed."),
                },
                () = clock.sleep(wait), if !queue.is_empty() && running.len() < 2 * in_flight => {}
            }
        }
    }

    /// One `$batch` call of at most 20 items: each item's result, or the item back for the queue
    /// with the time it may go again (its answer's `Retry-After`, else its own backoff step).
    async fn send_items<K>(&self, items: Vec<Queued<K>>, slots: &Semaphore) -> Sent<K> {
        let request = BatchRequest {
            requests: items
                .iter()
                .map(|q| {
                    let (i, op) = (q.id, &q.op);
                    let mut item = match &op.body {
                        Some(body) => BatchRequestItem::json(i.to_string(), op.method.as_str(), &op.url, body.clone()),
                        None => BatchRequestItem::json(i.to_string(), op.method.as_str(), &op.url, Value::Null),
                    };
                    if op.body.is_none() {
                        item.body = None;
                        item.headers = None;
                    }
                    item
                })
                .collect(),
        };
        let all_idempotent = items.iter().all(|q| q.op.idempotent);
        let writes = items.iter().filter(|q| q.op.method != Method::GET).count();
        let mut sent = Sent {
            done: Vec::new(),
            retry: Vec::new(),
        };
        let response = match self.post_batch(&request, writes, all_idempotent, slots).await {
            Ok(r) => r,
            Err(e) => {
                // The whole call failed, after the client's own retries. A call with a comment
                // POST in it is not sent again after an uncertain failure (a 500, a lost
                // answer): its idempotent items go back to the queue (the call's failure is not
                // theirs: it spends none of their attempts, within a bound), and the others end
                // with the error, for their callers to settle.
                let message = e.to_string();
                let now = self.clock().now();
                for mut q in items {
                    let err = copy_error(&e, &q.op, &message);
                    if !all_idempotent && q.op.idempotent && err.is_retryable() {
                        q.retries.begin();
                        q.retries.call_failed();
                        if q.retries.can_retry() {
                            q.again(&err, now);
                            sent.retry.push(q);
                            continue;
                        }
                    }
                    sent.done.push((q.key, Answer::of_failed_call(err)));
                }
                return sent;
            }
        };
        let now = self.clock().now();
        let mut longest = Duration::ZERO;
        for mut q in items {
            q.retries.begin();
            let Some(item) = response.get(&q.id.to_string()) else {
                let err = Error::Decode {
                    method: "POST".into(),
                    path: q.op.url.clone(),
                    message: "no response for this item in the $batch answer".into(),
                };
                sent.done.push((q.key, Answer::of(Err(err))));
                continue;
            };
            if item.is_success() {
                let body = if q.keep_body {
                    item.body_json().unwrap_or(Value::Null)
                } else {
                    Value::Null
                };
                sent.done.push((q.key, Answer::of(Ok(body))));
                continue;
            }
            let status = StatusCode::from_u16(item.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut headers = reqwest::header::HeaderMap::new();
            for (k, v) in item.headers.iter().flatten() {
                if let (Ok(k), Ok(v)) = (reqwest::header::HeaderName::from_bytes(k.as_bytes()), v.parse()) {
                    headers.insert(k, v);
                }
            }
            let body = item.body.as_ref().map(|b| b.get().as_bytes()).unwrap_or_default();
            let err = super::client::api_error(&q.op.method, &q.op.url, status, &headers, body, q.op.op);
            if err.is_retryable() && (q.op.idempotent || err.was_not_processed()) && q.retries.can_retry() {
                if err.is_throttle() {
                    // Asked to wait, not to give up: no attempt spent (within a bound).
                    q.retries.throttled();
                }
                longest = longest.max(q.again(&err, now));
                sent.retry.push(q);
            } else {
                sent.done.push((q.key, Answer::of(Err(err))));
            }
        }
        if !sent.retry.is_empty() {
            tracing::warn!(
                items = sent.retry.len(),
                delay_ms = longest.as_millis() as u64,
                "Retrying throttled or failed $batch items."
            );
        }
        sent
    }
}

/// The answer to one operation of [`Client::bulk`].
#[derive(Debug)]
pub struct Answer {
    pub result: Result<Value, Error>,
    /// The whole `$batch` call failed (after the client's retries): the operation got no
    /// answer of its own.
    pub call_failed: bool,
}

impl Answer {
    fn of(result: Result<Value, Error>) -> Answer {
        Answer {
            result,
            call_failed: false,
        }
    }

    fn of_failed_call(error: Error) -> Answer {
        Answer {
            result: Err(error),
            call_failed: true,
        }
    }
}

/// An operation waiting in [`Client::bulk`]'s queue.
struct Queued<K> {
    /// Its id in the calls it goes in.
    id: usize,
    /// The caller's name for it.
    key: K,
    op: BatchOp,
    /// Whether its caller wants the answer's body.
    keep_body: bool,
    /// Its own attempts.
    retries: Retries,
    /// Not before then (None: at once).
    ready: Option<DateTime<Utc>>,
}

impl<K> Queued<K> {
    /// Sets when the item may go again after `err` at `now`: its answer's `Retry-After`, else
    /// its own next backoff step; returns the wait. (`Retry-After: 0` means at once: waiting a
    /// backoff step instead is what made retries under throttling far slower than asked.)
    fn again(&mut self, err: &Error, now: DateTime<Utc>) -> Duration {
        let delay = self.retries.delay(err.retry_after());
        self.ready = Some(now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX));
        delay
    }
}

/// What one call settled, and what goes back to the queue.
struct Sent<K> {
    done: Vec<(K, Answer)>,
    retry: Vec<Queued<K>>,
}

/// Up to 20 operations that may go at `now`, the earliest queued first.
fn take_ready<K>(queue: &mut VecDeque<Queued<K>>, now: DateTime<Utc>) -> Vec<Queued<K>> {
    let ready = |q: &Queued<K>| q.ready.is_none_or(|at| at <= now);
    let mut taken = Vec::new();
    // Mostly the front is ready (first attempts, then retries in the order they came back).
    while taken.len() < BatchRequest::MAX_REQUESTS && queue.front().is_some_and(ready) {
        taken.extend(queue.pop_front());
    }
    if taken.len() < BatchRequest::MAX_REQUESTS && !queue.is_empty() {
        let mut waiting = VecDeque::with_capacity(queue.len());
        for q in queue.drain(..) {
            if taken.len() < BatchRequest::MAX_REQUESTS && ready(&q) {
                taken.push(q);
            } else {
                waiting.push_back(q);
            }
        }
        *queue = waiting;
    }
    taken
}

/// A batch-wide failure, restated for one item.
fn copy_error(e: &Error, op: &BatchOp, message: &str) -> Error {
    match e {
        Error::Api(api) => Error::Api(Box::new(ApiError {
            method: op.method.to_string(),
            path: op.url.clone(),
            message: message.to_string(),
            permission: None,
            ..(**api).clone()
        })),
        Error::Transport { kind, message, .. } => Error::Transport {
            method: op.method.to_string(),
            path: op.url.clone(),
            kind: *kind,
            message: message.clone(),
        },
        _ => Error::Refused(message.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_relative_and_encoded() {
        let op = BatchOp::comment(Collection::Incidents, "42", "hi");
        assert_eq!(op.url, "/security/incidents/42/comments");
        assert!(!op.idempotent);
        let op = BatchOp::update_alert("a b", &AlertUpdate::default());
        assert_eq!(op.url, "/security/alerts_v2/a%20b");
        assert!(op.idempotent);
    }

    #[test]
    fn a_call_takes_the_first_twenty_ready_items_and_leaves_the_waiting_in_order() {
        let now = "2026-12-01T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let later = now + chrono::Duration::seconds(1);
        let policy = crate::http::RetryPolicy::graph(6);
        let queued = |id: usize, ready: Option<DateTime<Utc>>| Queued {
            id,
            key: id,
            keep_body: true,
            op: BatchOp::get(Collection::Alerts, &id.to_string()),
            retries: policy.start(),
            ready,
        };
        // 0..5 waiting, 5..30 ready, 30 due now.
        let mut queue: VecDeque<Queued<usize>> = (0..30)
            .map(|i| queued(i, (i < 5).then_some(later)))
            .chain([queued(30, Some(now))])
            .collect();
        let first: Vec<usize> = take_ready(&mut queue, now).iter().map(|q| q.key).collect();
        assert_eq!(first, (5..25).collect::<Vec<_>>());
        let second: Vec<usize> = take_ready(&mut queue, now).iter().map(|q| q.key).collect();
        assert_eq!(second, vec![25, 26, 27, 28, 29, 30]);
        assert!(take_ready(&mut queue, now).is_empty());
        let left: Vec<usize> = queue.iter().map(|q| q.key).collect();
        assert_eq!(left, vec![0, 1, 2, 3, 4]);
        assert_eq!(take_ready(&mut queue, later).len(), 5);
        assert!(queue.is_empty());
    }
}
