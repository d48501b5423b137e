//! `webhook`: sends the frozen, planned request (URL or `url_env`, method, headers, the rendered
//! JSON body) and reports how it ended. At-least-once: every attempt, and every later retry
//! from the ledger, carries the same `Idempotency-Key: graphsoar-<state instance>-<playbook>-
//! <ledger id>` ([`idempotency_key`]), so a receiver can drop repeats, and keys of different
//! playbooks or engines never meet.
//!
//! - The URL is the playbook's (validated when loaded) or read from `url_env` now; https, or
//!   http only to loopback. Header values are the playbook's or read from the environment
//!   (`{ env: NAME }`); nothing from an item reaches a URL or a header. Errors name the variable
//!   and the host, never the URL itself (Teams and Slack webhook URLs are secrets).
//! - 429, 5xx and lost connections or timeouts are retried with jittered exponential backoff,
//!   honouring `Retry-After` (capped), up to `limits.request_attempts` (the policy of
//!   [`crate::http`]), every wait through the [`Clock`];
//!   after that the failure is retryable from the ledger. Other 4xx and redirects are not
//!   retried. A failure says the status and the start of the server's answer.
//!
//! The shipped Teams and Slack bodies are built at plan time by [`card::shipped_body`].

pub mod card;
mod slack;
mod teams;

use std::sync::LazyLock;
use std::time::Duration;

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::Outcome;
use crate::clock::Clock;
use crate::config;
use crate::http::{RetryPolicy, parse_retry_after};
use crate::playbook::{self, WebhookFormat};

/// The frozen parameters of a `webhook` action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookParams {
    /// `url` or `url_env`.
    #[serde(flatten)]
    pub target: Target,
    /// The HTTP method; POST when absent, as version 1 read it.
    #[serde(default = "post")]
    pub method: String,
    #[serde(default)]
    pub format: WebhookFormat,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, playbook::HeaderValue>,
    /// The rendered body (for teams/slack without a body: the shipped card, frozen at plan time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

fn post() -> String {
    "POST".into()
}

impl WebhookParams {
    /// The JSON POST telling `url` about `notice`.
    pub fn notice(notice: &super::Notice, url: &str) -> WebhookParams {
        WebhookParams {
            target: Target::Url(url.to_string()),
            method: "POST".into(),
            format: WebhookFormat::Json,
            headers: BTreeMap::new(),
            body: Some(serde_json::json!({
                "text": notice.subject(),
                "playbook": notice.playbook,
                "failedRuns": notice.failed_runs,
                "since": notice.since,
                "error": notice.last_error,
            })),
        }
    }
}

impl WebhookParams {
    /// The request asking for a decision on `request`, to `target` in `format`.
    pub fn approval(request: &super::ApprovalRequest, target: Target, format: WebhookFormat) -> WebhookParams {
        WebhookParams {
            target,
            method: "POST".into(),
            format,
            headers: BTreeMap::new(),
            body: Some(card::approval_body(format, request)),
        }
    }
}

/// Where a webhook goes: the playbook's URL, or the one in an environment variable now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Url(String),
    UrlEnv(String),
}

/// How long one attempt may take, connection to last byte.
pub const TIMEOUT: Duration = Duration::from_secs(30);
/// Characters of the server's answer kept in a failure.
const ANSWER_CHARS: usize = 300;
/// Bytes of the server's answer read at most.
const ANSWER_BYTES: usize = 8 * 1024;

/// The HTTP client webhooks use: no redirects (a redirect would carry the headers to a host the
/// playbook never named), graphsoar's user agent, bounded connects.
pub fn client() -> Result<reqwest::Client, String> {
    crate::http::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("cannot build the HTTP client for webhooks: {e}"))
}

/// The engine's one webhook client, built on first use.
static SHARED: LazyLock<Result<reqwest::Client, String>> = LazyLock::new(client);

/// [`execute`] with the engine's shared client.
pub async fn execute_shared(
    clock: &Clock,
    params: &WebhookParams,
    key: &str,
    playbook: &str,
    request_attempts: u32,
) -> Outcome {
    match &*SHARED {
        Ok(http) => execute(http, clock, params, key, playbook, request_attempts).await,
        Err(e) => Outcome::failed(e.clone(), true),
    }
}

/// Sends one planned webhook (`params` as `engine::plan` froze them) with the idempotency `key`
/// (see [`idempotency_key`]), trying it up to `request_attempts` times in this run, and reports
/// the outcome.
pub async fn execute(
    http: &reqwest::Client,
    clock: &Clock,
    params: &WebhookParams,
    key: &str,
    playbook: &str,
    request_attempts: u32,
) -> Outcome {
    let request = match Prepared::from_params(params, key, playbook) {
        Ok(r) => r,
        Err(e) => return Outcome::failed(e, false),
    };
    request
        .send(http, clock, RetryPolicy::webhook(request_attempts), playbook, key)
        .await
}

/// A request ready to send: everything resolved and checked.
struct Prepared {
    method: Method,
    url: Url,
    /// `host[:port]`, for messages and logs (the URL may hold a secret).
    target: String,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
}

impl Prepared {
    fn from_params(params: &WebhookParams, key: &str, playbook: &str) -> Result<Prepared, String> {
        let (text, source) = match &params.target {
            Target::Url(u) => (u.clone(), None),
            Target::UrlEnv(var) => match std::env::var(var) {
                Ok(v) if !v.trim().is_empty() => (v.trim().to_string(), Some(var)),
                Ok(_) => {
                    return Err(format!(
                        "the environment variable {var}, which holds the webhook URL, is empty: set it for the graphsoar service"
                    ));
                }
                Err(_) => {
                    return Err(format!(
                        "the environment variable {var}, which holds the webhook URL, is not set: set it for the graphsoar service"
                    ));
                }
            },
        };
        let from = source.map(|v| format!(" (from {v})")).unwrap_or_default();
        let url = Url::parse(&text).map_err(|e| format!("the webhook URL{from} is not a URL ({e})"))?;
        let target = describe(&url);
        if config::endpoint_url(url.as_str()).is_err() {
            return Err(format!(
                "the webhook URL{from} to {target} uses {}://: use https:// (plain http is allowed only to loopback)",
                url.scheme()
            ));
        }
        let method_name = &params.method;
        let method = Method::from_bytes(method_name.to_ascii_uppercase().as_bytes())
            .map_err(|_| format!("`{method_name}` is not an HTTP method"))?;
        let mut headers = HeaderMap::new();
        for (name, value) in &params.headers {
            let value = match value {
                playbook::HeaderValue::Literal(s) => s.clone(),
                playbook::HeaderValue::Env { env: var } => match std::env::var(var) {
                    Ok(v) if !v.trim().is_empty() => v,
                    _ => {
                        return Err(format!(
                            "the environment variable {var}, which holds the webhook header {name}, is not set or empty: set it for the graphsoar service"
                        ));
                    }
                },
            };
            let header =
                HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("`{name}` is not a valid header name"))?;
            // The value may be a secret: say which header, not what it holds.
            let value = HeaderValue::from_str(value.trim()).map_err(|_| {
                format!(
                    "the value of the webhook header {name} is not a valid header value (one line of visible ASCII)"
                )
            })?;
            headers.insert(header, value);
        }
        // Ours come last: a playbook cannot replace the idempotency key.
        headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            HeaderName::from_static("idempotency-key"),
            HeaderValue::from_str(key).map_err(|e| e.to_string())?,
        );
        if let Ok(v) = HeaderValue::from_str(playbook) {
            headers.insert(HeaderName::from_static("x-graphsoar-playbook"), v);
        }
        let body = match &params.body {
            Some(b) => Some(serde_json::to_vec(b).map_err(|e| format!("cannot encode the webhook body: {e}"))?),
            None if method == Method::GET || method == Method::DELETE => None,
            None => {
                return Err(
                    "the planned webhook has no body (planned by an earlier graphsoar version?): nothing was sent"
                        .into(),
                );
            }
        };
        Ok(Prepared {
            method,
            url,
            target,
            headers,
            body,
        })
    }

    async fn send(
        &self,
        http: &reqwest::Client,
        clock: &Clock,
        policy: RetryPolicy,
        playbook: &str,
        key: &str,
    ) -> Outcome {
        let mut retries = policy.start();
        let mut attempt = 0;
        loop {
            retries.begin();
            attempt += 1;
            let (error, retry_after) = match self.attempt(http).await {
                Attempt::Done => return Outcome::Done,
                Attempt::Fatal(error) => return Outcome::failed(error, false),
                Attempt::Retry { error, retry_after } => (error, retry_after),
            };
            // A 429 or 503 that says when to come back does not use up an attempt.
            if retry_after.is_some() {
                retries.throttled();
            }
            if !retries.can_retry() {
                let tries = if attempt == 1 {
                    "1 attempt".to_string()
                } else {
                    format!("{attempt} attempts")
                };
                return Outcome::failed(format!("{error} (after {tries})"), true);
            }
            let delay = retries.delay(retry_after);
            tracing::warn!(
                playbook,
                idempotency_key = key,
                target = %self.target,
                attempt,
                delay_ms = delay.as_millis() as u64,
                error = %error,
                "Webhook failed; retrying."
            );
            clock.sleep(delay).await;
        }
    }

    async fn attempt(&self, http: &reqwest::Client) -> Attempt {
        let mut req = http
            .request(self.method.clone(), self.url.clone())
            .headers(self.headers.clone())
            .timeout(TIMEOUT);
        if let Some(body) = &self.body {
            req = req.body(body.clone());
        }
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                let what = if e.is_timeout() {
                    "timed out"
                } else if e.is_connect() {
                    "could not connect"
                } else {
                    "failed"
                };
                return Attempt::Retry {
                    error: format!("webhook to {} {what}: {}", self.target, error_chain(&e.without_url())),
                    retry_after: None,
                };
            }
        };
        let status = resp.status();
        if status.is_success() {
            return Attempt::Done;
        }
        let retry_after = parse_retry_after(resp.headers());
        let answer = read_answer(&mut resp).await;
        let error = format!(
            "webhook to {} answered HTTP {}{answer}",
            self.target,
            status_text(status)
        );
        if status == StatusCode::TOO_MANY_REQUESTS
            || (status.is_server_error()
                && status != StatusCode::NOT_IMPLEMENTED
                && status != StatusCode::HTTP_VERSION_NOT_SUPPORTED)
        {
            Attempt::Retry { error, retry_after }
        } else if status.is_redirection() {
            Attempt::Fatal(format!(
                "{error}: graphsoar does not follow webhook redirects, put the final URL in the playbook"
            ))
        } else {
            Attempt::Fatal(error)
        }
    }
}

enum Attempt {
    Done,
    Retry {
        error: String,
        retry_after: Option<Duration>,
    },
    Fatal(String),
}

/// The idempotency key of ledger entry `id` of `playbook` in the state database `instance`:
/// the same for every attempt and every retry, and unique across playbooks and state files.
pub fn idempotency_key(id: i64, instance: Option<&str>, playbook: &str) -> String {
    match instance {
        Some(instance) => format!("graphsoar-{instance}-{playbook}-{id}"),
        None => format!("graphsoar-{playbook}-{id}"),
    }
}

/// `host[:port]` of a URL, for messages: never the path or query, which may hold a secret.
fn describe(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => "(no host)".into(),
    }
}

fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(r) => format!("{} {r}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// `: <the start of the answer>` on one line, or nothing when the answer is empty.
async fn read_answer(resp: &mut reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < ANSWER_BYTES {
        match resp.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(ANSWER_BYTES)]);
    let line = card::clean(&text, ANSWER_CHARS);
    if line.is_empty() {
        String::new()
    } else {
        format!(": {line}")
    }
}

/// An error and its sources on one line.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    card::clean(&out, ANSWER_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn prepare(params: Value) -> Result<Prepared, String> {
        let mut params = params;
        params["method"] = json!("POST");
        params["format"] = json!("json");
        let params: WebhookParams = serde_json::from_value(params).map_err(|e| e.to_string())?;
        Prepared::from_params(&params, &idempotency_key(7, None, "p"), "p")
    }

    #[test]
    fn messages_name_the_host_not_the_url() {
        let e = prepare(json!({"url": "http://hooks.example.com/services/T0/B0/secret", "body": {}}))
            .err()
            .unwrap();
        assert!(e.contains("hooks.example.com") && e.contains("https://"), "{e}");
        assert!(!e.contains("secret"), "{e}");
    }

    #[test]
    fn our_headers_win() {
        let r = prepare(json!({
            "url": "https://example.com/h",
            "headers": {"Idempotency-Key": "mine", "X-Team": "soc"},
            "body": {"a": 1}
        }))
        .ok()
        .unwrap();
        assert_eq!(r.headers["idempotency-key"], "graphsoar-p-7");
        assert_eq!(idempotency_key(7, Some("i1"), "p"), "graphsoar-i1-p-7");
        assert_eq!(r.headers["x-team"], "soc");
        assert_eq!(r.headers["content-type"], "application/json");
        assert_eq!(r.method, Method::POST);
    }
}
