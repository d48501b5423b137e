//! The Graph client: every request graphsoar makes to a tenant goes through [`Client`], which
//! adds the token, the `Prefer: include-unknown-enum-members` header and a `client-request-id`,
//! applies the per-tenant rate limits, and retries what can be retried:
//!
//! - 429/503 with `Retry-After`: wait that long (throttled requests still count, so never at once);
//! - hunting 429 without it: a CPU-quota answer pauses all hunting for the tenant until the next
//!   15-minute boundary, a call-rate answer waits for the next minute, then exponential backoff;
//! - hunting 504 or timeout: retried once, then [`Error::HuntingTimeout`];
//! - 500/502/504 and lost connections: fully jittered exponential backoff, capped, for idempotent
//!   requests (GET, PATCH, hunting); a comment POST is repeated only when it certainly was not
//!   processed (429, 503, connection refused), so a comment is never posted twice by a retry;
//! - 401: the token is renewed once, then the error says the credentials are wrong;
//! - other 4xx: not retried.
//!
//! Every wait goes through the injectable [`Clock`]. `graph` never imports `emulator`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;
use url::Url;

use super::auth::{AssertionAlgorithm, Certificate, Credentials, TokenProvider, without_url};
use super::batch::BatchOp;
use super::error::{ApiError, Error, Operation, TransportKind};
use super::limiter::RateLimiter;
use super::models::{
    Alert, AlertComment, AlertUpdate, CommentRequest, GraphErrorBody, HuntingQueryRequest, HuntingQueryResults,
    Incident, IncidentUpdate, Page,
};
use crate::clock::{self, Clock};
use crate::config::{self, Credential, RemoteTenant, Settings};
use crate::http::{RetryPolicy, parse_retry_after};

/// The header that makes Graph return enum members added after `unknownFutureValue`.
const PREFER: &str = "include-unknown-enum-members";
/// Warn at start when the client certificate expires within this many days.
pub const CERTIFICATE_WARNING_DAYS: i64 = 14;

/// What the client needs to know about the tenant.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub graph_url: Url,
    pub login_url: Url,
    pub tenant_id: String,
    pub client_id: String,
    pub credentials: Credentials,
    pub api_version: config::ApiVersion,
    pub request_timeout: Duration,
    /// Just above the service's 3 minutes.
    pub hunting_timeout: Duration,
    pub hunting_per_minute: u32,
    pub writes_per_minute: u32,
    /// Attempts per request for retryable failures (including the first):
    /// `limits.request_attempts`.
    pub request_attempts: u32,
    /// `$batch` calls in flight at once: `limits.batches_in_flight`.
    pub batches_in_flight: u32,
    /// The Defender for Endpoint API (response actions): `defender_url`.
    pub defender_url: Url,
    /// The resource its tokens are for (by cloud).
    pub defender_resource: String,
}

impl ClientOptions {
    /// A config for `tenant` with the settings' limits; reads the secret (environment or file)
    /// or the certificate now, so a missing credential is reported at start.
    pub fn from_settings(settings: &Settings, tenant: &RemoteTenant) -> Result<ClientOptions, Error> {
        let credentials = match &tenant.credential {
            Credential::SecretEnv => match std::env::var(config::CLIENT_SECRET_ENV) {
                Ok(s) if !s.trim().is_empty() => Credentials::Secret(s.trim().to_string()),
                _ => {
                    return Err(Error::Config(format!(
                        "no client secret: set {} in the environment, or `client_secret_file` or `client_certificate` in the settings",
                        config::CLIENT_SECRET_ENV
                    )));
                }
            },
            Credential::SecretFile(path) => {
                let secret = std::fs::read_to_string(path)
                    .map_err(|e| Error::Config(format!("cannot read client_secret_file {}: {e}", path.display())))?;
                Credentials::Secret(secret.trim().to_string())
            }
            Credential::Certificate(path) => {
                Credentials::Certificate(Box::new(Certificate::from_file(path, AssertionAlgorithm::default())?))
            }
        };
        let mut options = ClientOptions::new(
            tenant.graph_url.clone(),
            tenant.login_url.clone(),
            &tenant.tenant_id,
            &tenant.client_id,
            credentials,
        )
        .with_limits(settings);
        options.defender_url = tenant.defender_url.clone();
        options.defender_resource = tenant.defender_resource.clone();
        Ok(options)
    }

    /// A config with default limits; the Defender API on the same host as Graph (the emulator
    /// serves both), with tokens for the commercial Defender resource.
    pub fn new(graph_url: Url, login_url: Url, tenant_id: &str, client_id: &str, credentials: Credentials) -> Self {
        ClientOptions {
            defender_url: graph_url.clone(),
            defender_resource: super::models::defender::DEFENDER_RESOURCE.to_owned(),
            graph_url,
            login_url,
            tenant_id: tenant_id.to_string(),
            client_id: client_id.to_string(),
            credentials,
            api_version: config::ApiVersion::V1,
            request_timeout: Duration::from_secs(30),
            hunting_timeout: Duration::from_secs(190),
            hunting_per_minute: 40,
            writes_per_minute: 120,
            request_attempts: crate::http::DEFAULT_REQUEST_ATTEMPTS,
            batches_in_flight: super::batch::DEFAULT_BATCHES_IN_FLIGHT,
        }
    }

    /// Applies the settings' limits and API version.
    pub fn with_limits(mut self, settings: &Settings) -> Self {
        let l = &settings.limits;
        self.api_version = settings.api_version;
        self.request_timeout = l.request_timeout.to_std();
        self.hunting_timeout = l.hunting_timeout.to_std();
        self.hunting_per_minute = l.hunting_per_minute;
        self.writes_per_minute = l.writes_per_minute;
        self.request_attempts = l.request_attempts;
        self.batches_in_flight = l.batches_in_flight;
        self
    }
}

/// What [`Client::probe`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// Items in the answer (0 or 1).
    pub items: usize,
    /// The answer's `Date` header, when it had a valid one.
    pub date: Option<DateTime<Utc>>,
}

/// Options of a list request.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// `$filter`, sent as given.
    pub filter: Option<String>,
    /// `$top`: page size.
    pub top: Option<u32>,
    /// `$expand=alerts` (incidents).
    pub expand_alerts: bool,
    /// `$count=true`.
    pub count: bool,
    /// `$select`: only these properties (undocumented for the security collections, though the
    /// CSDL marks them selectable). A tenant that answers it with a 400 is remembered
    /// ([`Client::refuse_select`]) and asked without it from then on.
    pub select: Option<Vec<String>>,
}

/// The collections the client lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Collection {
    Alerts,
    Incidents,
}

impl Collection {
    /// The collection's path under the version root, such as `security/alerts_v2`.
    pub fn path(self) -> &'static str {
        match self {
            Collection::Alerts => "security/alerts_v2",
            Collection::Incidents => "security/incidents",
        }
    }

    /// Normalises an item of this collection as playbooks see it (enum values in camelCase).
    pub fn normalize(self, item: &mut serde_json::Value) {
        match self {
            Collection::Alerts => super::models::normalize_alert(item),
            Collection::Incidents => super::models::normalize_incident(item),
        }
    }

    /// An item of this collection as playbooks see it, from its JSON: normalised.
    pub fn parse(self, json: &str) -> serde_json::Result<serde_json::Value> {
        let mut item = serde_json::from_str(json)?;
        self.normalize(&mut item);
        Ok(item)
    }

    pub(crate) fn read(self) -> Operation {
        match self {
            Collection::Alerts => Operation::ReadAlerts,
            Collection::Incidents => Operation::ReadIncidents,
        }
    }

    fn write(self) -> Operation {
        match self {
            Collection::Alerts => Operation::WriteAlerts,
            Collection::Incidents => Operation::WriteIncidents,
        }
    }
}

/// A Graph client for one tenant; cheap to clone, shared by every playbook.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    /// `{graph_url}/{version}/`.
    base: Url,
    loopback: bool,
    token: TokenProvider,
    clock: Clock,
    hunting: RateLimiter,
    writes: RateLimiter,
    /// Hunting is paused for the whole tenant until then (CPU quota spent).
    hunting_paused_until: Mutex<Option<DateTime<Utc>>>,
    request_timeout: Duration,
    hunting_timeout: Duration,
    retry: RetryPolicy,
    /// `$batch` calls in flight at once.
    batches_in_flight: usize,
    /// The tenant answered `$select` with a 400.
    select_refused: std::sync::atomic::AtomicBool,
}

/// One request, as the retry loop sees it.
struct Request<'a> {
    method: Method,
    url: Url,
    body: Option<&'a [u8]>,
    op: Operation,
    /// Safe to repeat after an uncertain outcome.
    idempotent: bool,
    timeout: Duration,
    /// Held while each attempt is sent and answered (not while it waits to retry).
    slots: Option<&'a tokio::sync::Semaphore>,
}

impl Client {
    /// A client for the tenant in `config`, waiting on `clock`.
    pub fn new(config: ClientOptions, clock: Clock) -> Result<Client, Error> {
        let mut base = config.graph_url.clone();
        let path = format!("{}/{}/", base.path().trim_end_matches('/'), config.api_version.as_str());
        base.set_path(&path);
        let scope = format!("{}/.default", config.graph_url.as_str().trim_end_matches('/'));
        Client::for_api(config, clock, base, scope)
    }

    /// A client sending its requests relative to `base` with tokens for `scope`: Graph's, or
    /// another API of the same tenant (Defender for Endpoint) with the same credentials,
    /// limits and retry policy.
    pub(crate) fn for_api(config: ClientOptions, clock: Clock, base: Url, scope: String) -> Result<Client, Error> {
        let loopback = config::is_loopback(&base);
        if base.scheme() != "https" && !loopback {
            return Err(Error::Config(format!(
                "{base} is not https:// (plain http is for loopback only)"
            )));
        }
        if config.writes_per_minute == 0 && !loopback {
            return Err(Error::Config(
                "writes_per_minute 0 (unlimited) is allowed only against a loopback Graph".into(),
            ));
        }
        let http = crate::http::client_builder()
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        if let Credentials::Certificate(cert) = &config.credentials
            && expires_soon(cert.not_after, clock.now())
        {
            tracing::warn!(
                not_after = %cert.not_after,
                days_left = (cert.not_after - clock.now()).num_days(),
                "The client certificate expires within {CERTIFICATE_WARNING_DAYS} days: upload a new one to the app registration and point client_certificate at it."
            );
        }
        let token = TokenProvider::new(
            http.clone(),
            &config.login_url,
            &config.tenant_id,
            scope,
            &config.client_id,
            config.credentials,
            clock.clone(),
        )?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                loopback,
                token,
                hunting: RateLimiter::new(config.hunting_per_minute, clock.clone()),
                writes: RateLimiter::new(config.writes_per_minute, clock.clone()),
                clock,
                hunting_paused_until: Mutex::new(None),
                request_timeout: config.request_timeout,
                hunting_timeout: config.hunting_timeout,
                retry: RetryPolicy::graph(config.request_attempts),
                batches_in_flight: config.batches_in_flight.max(1) as usize,
                select_refused: std::sync::atomic::AtomicBool::new(false),
            }),
        })
    }

    /// `$batch` calls to keep in flight at once.
    pub(crate) fn batches_in_flight(&self) -> usize {
        self.inner.batches_in_flight
    }

    /// Whether this tenant refused `$select` (lists then ask for whole items).
    pub fn select_refused(&self) -> bool {
        self.inner.select_refused.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Remembers that this tenant answers `$select` with a 400; true the first time (say so
    /// once in the log).
    pub fn refuse_select(&self) -> bool {
        !self
            .inner
            .select_refused
            .swap(true, std::sync::atomic::Ordering::Relaxed)
    }

    /// The clock every wait goes through.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Whether Graph is on a loopback address (the emulator).
    pub fn is_loopback(&self) -> bool {
        self.inner.loopback
    }

    /// The base URL requests are relative to (`…/v1.0/`).
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    fn url(&self, path: &str) -> Result<Url, Error> {
        self.inner
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| Error::Config(format!("bad path {path}: {e}")))
    }

    /// Lists alerts or incidents page by page, following `@odata.nextLink` unchanged.
    pub fn list<T: DeserializeOwned>(&self, collection: Collection, query: &ListQuery) -> Result<Pager<T>, Error> {
        let mut url = self.url(collection.path())?;
        {
            let mut pairs = url.query_pairs_mut();
            if let Some(f) = &query.filter {
                pairs.append_pair("$filter", f);
            }
            if let Some(top) = query.top {
                pairs.append_pair("$top", &top.to_string());
            }
            if query.expand_alerts && collection == Collection::Incidents {
                pairs.append_pair("$expand", "alerts");
            }
            if query.count {
                pairs.append_pair("$count", "true");
            }
            if let Some(select) = query.select.as_ref().filter(|_| !self.select_refused()) {
                pairs.append_pair("$select", &select.join(","));
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        Ok(Pager {
            client: self.clone(),
            next: Some(url),
            op: collection.read(),
            _item: std::marker::PhantomData,
        })
    }

    /// `GET /security/alerts_v2/{id}`.
    pub async fn get_alert(&self, id: &str) -> Result<Alert, Error> {
        self.get_json(&format!("security/alerts_v2/{}", encode(id)), Operation::ReadAlerts)
            .await
    }

    /// `GET /security/incidents/{id}`, with its alerts when `expand_alerts`.
    pub async fn get_incident(&self, id: &str, expand_alerts: bool) -> Result<Incident, Error> {
        let path = format!(
            "security/incidents/{}{}",
            encode(id),
            if expand_alerts { "?$expand=alerts" } else { "" }
        );
        self.get_json(&path, Operation::ReadIncidents).await
    }

    /// `GET` one alert or incident as Graph's JSON, normalised as playbooks see it.
    pub async fn get_item(&self, collection: Collection, id: &str) -> Result<serde_json::Value, Error> {
        let mut item: serde_json::Value = self
            .get_json(&format!("{}/{}", collection.path(), encode(id)), collection.read())
            .await?;
        collection.normalize(&mut item);
        Ok(item)
    }

    /// Several items by GET, normalised as playbooks see them: one GET for a single item, else
    /// GETs inside `$batch` calls (20 a call), so 2,000 reads are 100 requests, not 2,000 (Graph
    /// budgets about 150 alert calls a minute, reference §11). Each key gets its own result.
    pub async fn get_items(
        &self,
        items: impl IntoIterator<Item = (Collection, String)>,
    ) -> HashMap<(Collection, String), Result<serde_json::Value, Error>> {
        let mut keys: Vec<(Collection, String)> = items.into_iter().collect();
        keys.sort_by(|a, b| (a.0 as u8, &a.1).cmp(&(b.0 as u8, &b.1)));
        keys.dedup();
        if let [(collection, id)] = keys.as_slice() {
            let result = self.get_item(*collection, id).await;
            return HashMap::from([((*collection, id.clone()), result)]);
        }
        let ops = keys.iter().map(|(c, id)| BatchOp::get(*c, id)).collect();
        let results = self.batch(ops).await;
        keys.into_iter()
            .zip(results)
            .map(|((collection, id), result)| {
                let result = result.map(|mut item| {
                    collection.normalize(&mut item);
                    item
                });
                ((collection, id), result)
            })
            .collect()
    }

    /// A GET of any relative path, as JSON.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str, op: Operation) -> Result<T, Error> {
        let url = self.url(path)?;
        let bytes = self
            .execute(Request::idempotent(
                Method::GET,
                url,
                None,
                op,
                self.inner.request_timeout,
            ))
            .await?;
        decode("GET", path, &bytes)
    }

    /// A request to `path` (relative to the base) with `query` pairs and an optional JSON
    /// body, its answer read as JSON (`T = ()` reads nothing). `idempotent`: may be sent again
    /// after an uncertain outcome.
    pub(crate) async fn request_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&[u8]>,
        op: Operation,
        idempotent: bool,
    ) -> Result<T, Error> {
        let mut url = self.url(path)?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let req = Request {
            method: method.clone(),
            url,
            body,
            op,
            idempotent,
            timeout: self.inner.request_timeout,
            slots: None,
        };
        let (bytes, _) = self.execute_with_headers(req).await?;
        let bytes: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        decode(method.as_str(), path, bytes)
    }

    /// [`Client::request_json`] for an answer whose body says nothing (202, 204): its
    /// `Location` header, if any.
    pub(crate) async fn request_location(
        &self,
        method: Method,
        path: &str,
        body: Option<&[u8]>,
        op: Operation,
        idempotent: bool,
    ) -> Result<Option<String>, Error> {
        let req = Request {
            method,
            url: self.url(path)?,
            body,
            op,
            idempotent,
            timeout: self.inner.request_timeout,
            slots: None,
        };
        let (_, headers) = self.execute_with_headers(req).await?;
        Ok(headers
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned))
    }

    /// `PATCH /security/alerts_v2/{id}`: only writable fields; returns the updated alert.
    pub async fn update_alert(&self, id: &str, update: &AlertUpdate) -> Result<Alert, Error> {
        self.patch(Collection::Alerts, id, update).await
    }

    /// `PATCH /security/incidents/{id}`: only writable fields; returns the updated incident.
    pub async fn update_incident(&self, id: &str, update: &IncidentUpdate) -> Result<Incident, Error> {
        self.patch(Collection::Incidents, id, update).await
    }

    async fn patch<B: Serialize, T: DeserializeOwned>(&self, c: Collection, id: &str, body: &B) -> Result<T, Error> {
        let path = format!("{}/{}", c.path(), encode(id));
        let body = serde_json::to_vec(body).map_err(|e| Error::Config(e.to_string()))?;
        let req = Request::idempotent(
            Method::PATCH,
            self.url(&path)?,
            Some(&body),
            c.write(),
            self.inner.request_timeout,
        );
        let bytes = self.execute(req).await?;
        decode("PATCH", &path, &bytes)
    }

    /// `POST …/{id}/comments` with the documented object form; returns all comments. Retried only
    /// when it certainly was not processed: after any other failure the caller must read the
    /// comments before posting again.
    pub async fn add_comment(&self, c: Collection, id: &str, comment: &str) -> Result<Vec<AlertComment>, Error> {
        let path = format!("{}/{}/comments", c.path(), encode(id));
        let body = serde_json::to_vec(&CommentRequest::new(comment)).map_err(|e| Error::Config(e.to_string()))?;
        let req = Request {
            method: Method::POST,
            url: self.url(&path)?,
            body: Some(&body),
            op: c.write(),
            idempotent: false,
            timeout: self.inner.request_timeout,
            slots: None,
        };
        let bytes = self.execute(req).await?;
        let page: Page<AlertComment> = decode("POST", &path, &bytes)?;
        Ok(page.value)
    }

    /// `POST /security/runHuntingQuery` with `query` and an ISO-8601 `timespan`.
    pub async fn run_hunting_query(&self, query: &str, timespan: Option<&str>) -> Result<HuntingQueryResults, Error> {
        let path = "security/runHuntingQuery";
        let mut request = HuntingQueryRequest::new(query);
        request.timespan = timespan.map(str::to_string);
        let body = serde_json::to_vec(&request).map_err(|e| Error::Config(e.to_string()))?;
        let req = Request::idempotent(
            Method::POST,
            self.url(path)?,
            Some(&body),
            Operation::Hunting,
            self.inner.hunting_timeout,
        );
        let bytes = self.execute(req).await?;
        decode("POST", path, &bytes)
    }

    /// The access token requests carry now (the cached one, or a fresh one): for `doctor`, which
    /// reads its `roles`. Never log or print it.
    pub async fn access_token(&self) -> Result<String, Error> {
        self.inner.token.token().await
    }

    /// One item of `collection` (`$top=1`), with the `Date` header Graph answered with: whether
    /// Graph lets this client list the collection, and what time Graph thinks it is.
    pub async fn probe(&self, collection: Collection) -> Result<Probe, Error> {
        let mut url = self.url(collection.path())?;
        url.query_pairs_mut().append_pair("$top", "1");
        let path = url.path().to_string();
        let req = Request::idempotent(Method::GET, url, None, collection.read(), self.inner.request_timeout);
        let (bytes, headers) = self.execute_with_headers(req).await?;
        let page: Page<serde_json::Value> = decode("GET", &path, &bytes)?;
        let date = headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
            .map(|d| d.with_timezone(&Utc));
        Ok(Probe {
            items: page.value.len(),
            date,
        })
    }

    /// Sends `request` until it succeeds or fails for good (see the module doc).
    async fn execute(&self, req: Request<'_>) -> Result<bytes::Bytes, Error> {
        Ok(self.execute_with_headers(req).await?.0)
    }

    /// [`Client::execute`], with the response headers of the answer.
    async fn execute_with_headers(
        &self,
        req: Request<'_>,
    ) -> Result<(bytes::Bytes, reqwest::header::HeaderMap), Error> {
        let inner = &self.inner;
        let mut retries = inner.retry.start();
        let mut renewed_token = false;
        let mut hunting_timeouts = 0;
        loop {
            let attempt = retries.begin();
            // The token first: a failure to get one must not spend a rate-limit permit.
            let token = match inner.token.token().await {
                Ok(token) => token,
                // Entra's own passing failures (throttling, 5xx, no connection): the Graph request
                // was not sent, so any request may wait and try again.
                Err(e) if e.is_retryable() && retries.can_retry() => {
                    let delay = retries.delay(e.retry_after());
                    tracing::warn!(attempt, delay_ms = delay.as_millis() as u64, error = %e, "Cannot get a token; retrying.");
                    inner.clock.sleep(delay).await;
                    continue;
                }
                Err(e) => return Err(e),
            };
            if req.op == Operation::Hunting {
                let paused = *inner.hunting_paused_until.lock().await;
                if let Some(until) = paused {
                    inner.clock.sleep_until(until).await;
                }
                inner.hunting.acquire(1).await;
            }
            // `$batch` counts its sub-requests itself (see `post_batch`).
            if req.method != Method::GET && !matches!(req.op, Operation::Hunting | Operation::Batch) {
                inner.writes.acquire(1).await;
            }
            let slot = match req.slots {
                // Never closed.
                Some(slots) => slots.acquire().await.ok(),
                None => None,
            };
            let sent = self.send_once(&req, &token).await;
            drop(slot);
            let err = match sent {
                Ok(answer) => return Ok(answer),
                Err(e) => e,
            };
            if err.status() == Some(401) && !renewed_token {
                renewed_token = true;
                inner.token.invalidate(&token).await;
                continue;
            }
            let timed_out = err.status() == Some(504)
                || matches!(
                    &err,
                    Error::Transport {
                        kind: TransportKind::Timeout,
                        ..
                    }
                );
            if req.op == Operation::Hunting && timed_out {
                hunting_timeouts += 1;
                if hunting_timeouts >= 2 {
                    return Err(Error::HuntingTimeout);
                }
                continue;
            }
            let retry = err.is_retryable() && (req.idempotent || err.was_not_processed());
            if err.is_throttle() {
                retries.throttled();
            }
            if !retry || !retries.can_retry() {
                return Err(err);
            }
            let hunting_429 = req.op == Operation::Hunting && err.status() == Some(429);
            let delay = match err.retry_after() {
                // A spent CPU quota pauses all hunting of the tenant, whatever Retry-After says.
                Some(after) if hunting_429 && is_cpu_quota(&err) => {
                    self.hunting_quota_wait(&err).await.max(retries.delay(Some(after)))
                }
                None if hunting_429 => self.hunting_quota_wait(&err).await,
                after => retries.delay(after),
            };
            tracing::warn!(
                method = %req.method,
                path = req.url.path(),
                attempt,
                delay_ms = delay.as_millis() as u64,
                error = %err,
                "Graph request failed; retrying."
            );
            inner.clock.sleep(delay).await;
        }
    }

    /// The retry policy of every request (and of each `$batch` item).
    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry
    }

    /// One `POST /$batch` carrying `writes` write sub-requests (each counted against the write
    /// limit; its GETs are reads and are not).
    pub(crate) async fn post_batch(
        &self,
        request: &super::models::BatchRequest,
        writes: usize,
        idempotent: bool,
        slots: &tokio::sync::Semaphore,
    ) -> Result<super::models::BatchResponse, Error> {
        if writes > 0 {
            self.inner
                .writes
                .acquire(u32::try_from(writes).unwrap_or(u32::MAX))
                .await;
        }
        let body = serde_json::to_vec(request).map_err(|e| Error::Config(e.to_string()))?;
        let req = Request {
            method: Method::POST,
            url: self.url("$batch")?,
            body: Some(&body),
            op: Operation::Batch,
            idempotent,
            timeout: self.inner.request_timeout,
            slots: Some(slots),
        };
        let bytes = self.execute(req).await?;
        decode("POST", "/$batch", &bytes)
    }

    /// A hunting 429 without Retry-After: the CPU quota pauses all hunting until the next
    /// 15-minute boundary; the call rate waits for the next minute.
    async fn hunting_quota_wait(&self, err: &Error) -> Duration {
        let now = self.inner.clock.now();
        if is_cpu_quota(err) {
            let until = clock::next_boundary(now, Duration::from_secs(900));
            *self.inner.hunting_paused_until.lock().await = Some(until);
            tracing::warn!(until = %until, "Advanced hunting CPU quota is spent; hunting paused for the tenant.");
            Duration::ZERO
        } else {
            (clock::next_boundary(now, Duration::from_secs(60)) - now)
                .to_std()
                .unwrap_or(Duration::from_secs(60))
        }
    }

    async fn send_once(
        &self,
        req: &Request<'_>,
        token: &str,
    ) -> Result<(bytes::Bytes, reqwest::header::HeaderMap), Error> {
        let request_id = uuid::Uuid::new_v4().to_string();
        let mut builder = self
            .inner
            .http
            .request(req.method.clone(), req.url.clone())
            .bearer_auth(token)
            .header("Prefer", PREFER)
            .header("client-request-id", &request_id)
            .header("Accept", "application/json")
            .timeout(req.timeout);
        if let Some(body) = req.body {
            builder = builder
                .header("Content-Type", "application/json; charset=utf-8")
                .body(body.to_vec());
        }
        let path = req.url.path().to_string();
        let transport = |e: reqwest::Error, started: bool| Error::Transport {
            method: req.method.to_string(),
            path: path.clone(),
            kind: if e.is_timeout() {
                TransportKind::Timeout
            } else if e.is_connect() && !started {
                TransportKind::Connect
            } else {
                TransportKind::Interrupted
            },
            message: without_url(&e),
        };
        let sent = std::time::Instant::now();
        let response = builder.send().await.map_err(|e| transport(e, false))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(|e| transport(e, true))?;
        tracing::trace!(
            method = %req.method,
            path = %path,
            status = status.as_u16(),
            bytes = bytes.len(),
            elapsed_ms = sent.elapsed().as_secs_f64() * 1000.0,
            "Graph answered."
        );
        if status.is_success() {
            return Ok((bytes, headers));
        }
        Err(api_error(&req.method, &path, status, &headers, &bytes, req.op))
    }
}

/// Whether a hunting 429 says the tenant's CPU quota is spent (else it is the call rate).
fn is_cpu_quota(err: &Error) -> bool {
    match err {
        Error::Api(e) => format!("{} {}", e.code, e.message).to_lowercase().contains("cpu"),
        _ => false,
    }
}

/// Whether a certificate valid until `not_after` expires within [`CERTIFICATE_WARNING_DAYS`].
pub fn expires_soon(not_after: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    not_after - now < chrono::TimeDelta::days(CERTIFICATE_WARNING_DAYS)
}

/// Builds the error for a non-success answer.
pub(crate) fn api_error(
    method: &Method,
    path: &str,
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    op: Operation,
) -> Error {
    let (code, message, inner) = match serde_json::from_slice::<GraphErrorBody>(body) {
        Ok(b) => (b.error.code, b.error.message, b.error.inner_error),
        Err(_) => (
            status.canonical_reason().unwrap_or("Error").replace(' ', ""),
            String::from_utf8_lossy(body).chars().take(300).collect(),
            None,
        ),
    };
    // From the body's innerError, else the response headers (Graph echoes client-request-id).
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let inner = inner.unwrap_or_default();
    let request_id = inner.request_id.or_else(|| header("request-id"));
    let client_request_id = inner.client_request_id.or_else(|| header("client-request-id"));
    Error::Api(Box::new(ApiError {
        method: method.to_string(),
        path: path.to_string(),
        status: status.as_u16(),
        code,
        message,
        request_id,
        client_request_id,
        retry_after: parse_retry_after(headers),
        permission: if status == StatusCode::FORBIDDEN {
            op.permission()
        } else {
            None
        },
    }))
}

fn decode<T: DeserializeOwned>(method: &str, path: &str, bytes: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::Decode {
        method: method.into(),
        path: path.into(),
        message: e.to_string(),
    })
}

/// A request body as JSON (plain structs: serialising cannot fail, but says so if it did).
pub(crate) fn json_body<B: Serialize + ?Sized>(body: &B) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(body).map_err(|e| Error::Config(e.to_string()))
}

/// Percent-encodes an id for a path segment (ids contain `_`, `-` and digits, but never trust data).
pub(crate) fn encode(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

impl<'a> Request<'a> {
    fn idempotent(method: Method, url: Url, body: Option<&'a [u8]>, op: Operation, timeout: Duration) -> Self {
        Request {
            method,
            url,
            body,
            op,
            idempotent: true,
            timeout,
            slots: None,
        }
    }
}

/// Pages of a collection; memory is bounded by one page.
#[derive(Debug)]
pub struct Pager<T> {
    client: Client,
    next: Option<Url>,
    op: Operation,
    _item: std::marker::PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Pager<T> {
    /// The next page, or None after the last. A `@odata.nextLink` to another host than Graph's
    /// is refused (the token would follow it).
    pub async fn next_page(&mut self) -> Result<Option<Page<T>>, Error> {
        let Some(url) = self.next.take() else { return Ok(None) };
        let path = url.path().to_string();
        let req = Request::idempotent(Method::GET, url, None, self.op, self.client.inner.request_timeout);
        let bytes = self.client.execute(req).await?;
        let page: Page<T> = decode("GET", &path, &bytes)?;
        if let Some(link) = &page.next_link {
            let next = Url::parse(link).map_err(|e| Error::Decode {
                method: "GET".into(),
                path: path.clone(),
                message: format!("@odata.nextLink is not a URL: {e}"),
            })?;
            let base = &self.client.inner.base;
            if next.scheme() != base.scheme()
                || next.host_str() != base.host_str()
                || next.port_or_known_default() != base.port_or_known_default()
            {
                return Err(Error::ForeignNextLink {
                    link_host: next.host_str().unwrap_or("?").to_string(),
                    graph_host: base.host_str().unwrap_or("?").to_string(),
                });
            }
            self.next = Some(next);
        }
        Ok(Some(page))
    }

    /// Every item of every page (for small collections and tests).
    pub async fn collect_all(mut self) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        while let Some(page) = self.next_page().await? {
            out.extend(page.value);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_expiring_within_two_weeks_are_flagged() {
        let now = Utc::now();
        assert!(expires_soon(now + chrono::TimeDelta::days(13), now));
        assert!(expires_soon(now - chrono::TimeDelta::days(1), now), "already expired");
        assert!(!expires_soon(now + chrono::TimeDelta::days(15), now));
    }

    #[test]
    fn ids_are_encoded() {
        assert_eq!(
            encode("da637551227677560813_-961444813"),
            "da637551227677560813_-961444813"
        );
        assert_eq!(encode("a/b?c"), "a%2Fb%3Fc");
    }

    fn config(url: &str) -> ClientOptions {
        let u = Url::parse(url).unwrap();
        ClientOptions::new(u.clone(), u, "t", "c", Credentials::Secret("s".into()))
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(Client::new(config("http://graph.example.com"), Clock::system()).is_err());
        let c = Client::new(config("http://127.0.0.1:9"), Clock::system()).unwrap();
        assert_eq!(c.base_url().as_str(), "http://127.0.0.1:9/v1.0/");
    }

    /// The production client sends only the documented query options: `$orderby` and `$skip`
    /// (undocumented on the security collections) are the emulator's, tested by raw HTTP.
    #[test]
    fn lists_send_only_documented_options() {
        let c = Client::new(config("https://graph.microsoft.com"), Clock::system()).unwrap();
        let q = ListQuery {
            filter: Some("status eq 'new'".into()),
            top: Some(50),
            expand_alerts: true,
            count: true,
            select: None,
        };
        let pager = c.list::<serde_json::Value>(Collection::Incidents, &q).unwrap();
        let url = pager.next.as_ref().unwrap();
        let keys: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
        assert_eq!(keys, ["$filter", "$top", "$expand", "$count"]);
    }
}
