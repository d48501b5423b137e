//! Bulk operations through JSON batching (`POST /$batch`, at most 20 requests each): batches go
//! out in parallel, responses (possibly out of order) are matched by id, and each item's 429 or
//! 5xx is retried on its own; every item gets its own result.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::task::JoinSet;

use super::client::{Client, Collection};
use super::error::{ApiError, Error, Operation};
use super::models::{AlertUpdate, BatchRequest, BatchRequestItem, CommentRequest, IncidentUpdate};

/// Batches in flight at once unless `limits.batches_in_flight` says otherwise. Graph publishes no
/// concurrency limit for alerts and incidents (only 4 for secure scores); throttling counts each
/// sub-request, so the count of writes, not this, is what `limits.writes_per_minute` paces.
pub const DEFAULT_BATCHES_IN_FLIGHT: u32 = 4;

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
        self.batch_inner(ops, true).await
    }

    /// [`Client::batch`] keeping only whether each item succeeded: PATCH answers carry the whole
    /// updated item, and 10,000 of them would hold hundreds of megabytes for nothing.
    pub async fn batch_outcomes(&self, ops: Vec<BatchOp>) -> Vec<Result<(), Error>> {
        self.batch_inner(ops, false)
            .await
            .into_iter()
            .map(|r| r.map(|_| ()))
            .collect()
    }

    async fn batch_inner(&self, ops: Vec<BatchOp>, keep_bodies: bool) -> Vec<Result<Value, Error>> {
        let total = ops.len();
        let mut results: Vec<Option<Result<Value, Error>>> = (0..total).map(|_| None).collect();
        let mut chunks = ops.into_iter().enumerate().collect::<Vec<_>>().into_iter().peekable();
        let mut running = JoinSet::new();
        loop {
            while running.len() < self.batches_in_flight() && chunks.peek().is_some() {
                let chunk: Vec<(usize, BatchOp)> = chunks.by_ref().take(BatchRequest::MAX_REQUESTS).collect();
                let client = self.clone();
                running.spawn(async move { client.run_chunk(chunk, keep_bodies).await });
            }
            match running.join_next().await {
                Some(Ok(done)) => {
                    for (i, r) in done {
                        results[i] = Some(r);
                    }
                }
                Some(Err(e)) => tracing::error!(error = %e, "A $batch task failed."),
                None => break,
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::Refused("the batch task ended without a result".into()))))
            .collect()
    }

    /// One chunk of at most 20 operations, retrying throttled and failed items in new batches.
    async fn run_chunk(&self, chunk: Vec<(usize, BatchOp)>, keep_bodies: bool) -> Vec<(usize, Result<Value, Error>)> {
        let mut pending = chunk;
        let mut done = Vec::new();
        let mut retries = self.retry_policy().start();
        loop {
            let round = retries.begin();
            let request = BatchRequest {
                requests: pending
                    .iter()
                    .map(|(i, op)| {
                        let mut item = match &op.body {
                            Some(body) => {
                                BatchRequestItem::json(i.to_string(), op.method.as_str(), &op.url, body.clone())
                            }
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
            let all_idempotent = pending.iter().all(|(_, op)| op.idempotent);
            let writes = pending.iter().filter(|(_, op)| op.method != Method::GET).count();
            let response = match self.post_batch(&request, writes, all_idempotent).await {
                Ok(r) => r,
                Err(e) => {
                    // The whole call failed (after the client's own retries): every item gets it.
                    let message = e.to_string();
                    done.extend(
                        pending
                            .into_iter()
                            .map(|(i, op)| (i, Err(copy_error(&e, &op, &message)))),
                    );
                    return done;
                }
            };
            let mut retry = Vec::new();
            // The longest wait any item's answer asked for; none asked: the backoff.
            let mut asked: Option<Duration> = None;
            // Every item to retry was only throttled: the round does not use up an attempt.
            let mut only_throttled = true;
            for (i, op) in pending {
                let Some(item) = response.get(&i.to_string()) else {
                    done.push((
                        i,
                        Err(Error::Decode {
                            method: "POST".into(),
                            path: op.url.clone(),
                            message: "no response for this item in the $batch answer".into(),
                        }),
                    ));
                    continue;
                };
                if item.is_success() {
                    let body = if keep_bodies {
                        item.body_json().unwrap_or(Value::Null)
                    } else {
                        Value::Null
                    };
                    done.push((i, Ok(body)));
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
                let err = super::client::api_error(&op.method, &op.url, status, &headers, body, op.op);
                if err.is_retryable() && (op.idempotent || err.was_not_processed()) && retries.can_retry() {
                    only_throttled &= err.is_throttle();
                    if let Some(after) = err.retry_after() {
                        asked = Some(asked.map_or(after, |a| a.max(after)));
                    }
                    retry.push((i, op));
                } else {
                    done.push((i, Err(err)));
                }
            }
            if retry.is_empty() {
                return done;
            }
            // `Retry-After: 0` means at once: waiting a backoff step instead is what made
            // rounds under throttling far slower than the answers asked.
            let delay = retries.delay(asked);
            if only_throttled {
                retries.throttled();
            }
            tracing::warn!(
                items = retry.len(),
                round,
                delay_ms = delay.as_millis() as u64,
                "Retrying throttled or failed $batch items."
            );
            self.clock().sleep(delay).await;
            pending = retry;
        }
    }
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
}
