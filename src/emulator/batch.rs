//! `POST /$batch`: JSON batching as Graph does it.
//!
//! The whole batch is a 400 when it is malformed: not `{"requests": [...]}`, more than 20
//! requests (or none), a duplicate id (ids compare case-insensitively), a `dependsOn` naming an
//! unknown id or making a cycle, a method other than GET/POST/PATCH/PUT/DELETE, an absolute or
//! nested `$batch` URL, or a body without a `Content-Type` header. Otherwise it is a 200 whose
//! `responses` hold one `{id, status, headers, body}` per request, in a shuffled order (seeded),
//! as Graph may reorder them.
//!
//! Each sub-request runs through the same router and middleware as a request of its own (token,
//! faults, stats, scripted changes), with the batch's `Authorization` and `Host`. Requests whose
//! dependencies are done run concurrently; a request whose dependency did not succeed (2xx) is
//! answered 424 without running.

use std::collections::{HashMap, HashSet};

use axum::Extension;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Map, Value, json};
use tower::ServiceExt as _;

use super::Emulator;
use super::error::{ApiError, ApiResult, GraphJson, inner_error};
use super::handlers::{ApiVersion, json_bytes};
use super::router::{SubRequest, dispatch_router};

/// At most this many requests per batch.
pub const MAX_REQUESTS: usize = 20;

/// A checked batch item.
#[derive(Debug, Clone)]
struct Item {
    id: String,
    method: Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Value>,
    depends_on: Vec<String>,
}

/// `POST /$batch`.
pub async fn batch_post(
    State(emu): State<Emulator>,
    Extension(version): Extension<ApiVersion>,
    headers: HeaderMap,
    GraphJson(body): GraphJson<Value>,
) -> ApiResult {
    let items = parse(&body)?;
    let router = dispatch_router(&emu);
    let mut status: HashMap<String, u16> = HashMap::new();
    let mut responses: Vec<Value> = Vec::with_capacity(items.len());
    let mut pending = items;
    while !pending.is_empty() {
        let (ready, rest): (Vec<Item>, Vec<Item>) = pending
            .into_iter()
            .partition(|item| item.depends_on.iter().all(|d| status.contains_key(d)));
        pending = rest;
        let mut runs = Vec::new();
        for item in ready {
            let failed = item.depends_on.iter().find(|d| !(200..300).contains(&status[*d]));
            if let Some(failed) = failed {
                status.insert(item.id.to_ascii_lowercase(), 424);
                let error = ApiError::new(
                    StatusCode::FAILED_DEPENDENCY,
                    "FailedDependency",
                    format!(
                        "Request '{}' was not run: the request '{failed}' it depends on failed.",
                        item.id
                    ),
                );
                // Not run, so no middleware fills `innerError`: its ids are made here.
                let mut body = error.body();
                let request_id = uuid::Uuid::new_v4().to_string();
                let client_request_id = headers
                    .get("client-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or(&request_id);
                body.error.inner_error = Some(inner_error(&request_id, client_request_id));
                responses.push(json!({"id": item.id, "status": 424, "body": body}));
            } else {
                runs.push(run(router.clone(), version, &headers, item));
            }
        }
        for (id, response) in futures_util::future::join_all(runs).await {
            let code = response["status"].as_u64().unwrap_or(500) as u16;
            status.insert(id.to_ascii_lowercase(), code);
            responses.push(response);
        }
    }
    emu.shuffle(&mut responses);
    let body = json!({"responses": responses});
    Ok(json_bytes(StatusCode::OK, Bytes::from(body.to_string())))
}

/// Runs one sub-request; returns its id and its `{id, status, headers, body}`.
async fn run(router: axum::Router, version: ApiVersion, outer: &HeaderMap, item: Item) -> (String, Value) {
    let url = item.url.trim_start_matches('/');
    let mut builder = Request::builder()
        .method(item.method.clone())
        .uri(format!("/{}/{url}", version.segment()));
    // The batch's `Prefer` (include-unknown-enum-members) holds for its requests too.
    for name in [
        header::AUTHORIZATION,
        header::HOST,
        header::HeaderName::from_static("prefer"),
    ] {
        if let Some(value) = outer.get(&name) {
            builder = builder.header(name, value);
        }
    }
    for (name, value) in &item.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let body = match &item.body {
        None => Body::empty(),
        Some(Value::String(text)) if !is_json(&item.headers) => Body::from(text.clone()),
        Some(value) => Body::from(value.to_string()),
    };
    let response = match builder.extension(SubRequest).body(body) {
        Ok(request) => match router.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        Err(e) => {
            ApiError::bad_request(format!("Request '{}' is not a valid HTTP request: {e}", item.id)).into_response()
        }
    };
    (item.id.clone(), to_json(&item.id, response).await)
}

fn is_json(headers: &[(String, String)]) -> bool {
    headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("content-type") && v.to_ascii_lowercase().contains("json"))
}

async fn to_json(id: &str, response: Response) -> Value {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let mut headers = Map::new();
    for name in [header::CONTENT_TYPE, header::RETRY_AFTER, header::LOCATION] {
        if let Some(value) = parts.headers.get(&name).and_then(|v| v.to_str().ok()) {
            let display = match name {
                header::CONTENT_TYPE => "Content-Type",
                header::RETRY_AFTER => "Retry-After",
                _ => "Location",
            };
            headers.insert(display.to_owned(), Value::String(value.to_owned()));
        }
    }
    let mut out = json!({"id": id, "status": parts.status.as_u16(), "headers": headers});
    if !bytes.is_empty() {
        out["body"] = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    }
    out
}

fn parse(body: &Value) -> Result<Vec<Item>, ApiError> {
    let Some(Value::Array(requests)) = body.get("requests") else {
        return Err(ApiError::bad_request(
            "Invalid batch payload format: expected {\"requests\": [...]}.",
        ));
    };
    if requests.is_empty() {
        return Err(ApiError::bad_request(
            "Invalid batch payload format: the batch holds no request.",
        ));
    }
    if requests.len() > MAX_REQUESTS {
        return Err(ApiError::bad_request(format!(
            "The batch holds {} requests; the limit is {MAX_REQUESTS}.",
            requests.len()
        )));
    }
    let mut items = Vec::with_capacity(requests.len());
    let mut ids = HashSet::new();
    for (i, request) in requests.iter().enumerate() {
        let bad = |why: String| ApiError::bad_request(format!("Invalid batch payload format: requests[{i}]: {why}"));
        let field = |name: &str| request.get(name).and_then(Value::as_str);
        let id = field("id")
            .filter(|id| !id.is_empty())
            .ok_or_else(|| bad("`id` is required".into()))?;
        if !ids.insert(id.to_ascii_lowercase()) {
            return Err(ApiError::bad_request(format!(
                "Batch request ids must be unique: the id '{id}' appears more than once."
            )));
        }
        let method = field("method").ok_or_else(|| bad("`method` is required".into()))?;
        let method = match method.to_ascii_uppercase().as_str() {
            "GET" => Method::GET,
            "POST" => Method::POST,
            "PATCH" => Method::PATCH,
            "PUT" => Method::PUT,
            "DELETE" => Method::DELETE,
            _ => return Err(bad(format!("the method '{method}' is not supported"))),
        };
        let url = field("url").ok_or_else(|| bad("`url` is required".into()))?;
        if url.contains("://") || url.trim_start_matches('/').starts_with("$batch") {
            return Err(bad(format!(
                "the url '{url}' must be relative, e.g. /security/alerts_v2, and not a batch"
            )));
        }
        let headers: Vec<(String, String)> = match request.get("headers") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(map)) => map
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                .collect(),
            Some(_) => return Err(bad("`headers` must be an object".into())),
        };
        let body = request.get("body").filter(|b| !b.is_null()).cloned();
        if body.is_some() && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
            return Err(bad("a request with a body needs a Content-Type header".into()));
        }
        let depends_on = match request.get("dependsOn") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) => list
                .iter()
                .map(|d| {
                    d.as_str()
                        .map(str::to_ascii_lowercase)
                        .ok_or_else(|| bad("`dependsOn` lists ids".into()))
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(bad("`dependsOn` must be an array of ids".into())),
        };
        items.push(Item {
            id: id.to_owned(),
            method,
            url: url.to_owned(),
            headers,
            body,
            depends_on,
        });
    }
    for item in &items {
        if let Some(unknown) = item.depends_on.iter().find(|d| !ids.contains(*d)) {
            return Err(ApiError::bad_request(format!(
                "Request '{}' depends on '{unknown}', which is not in the batch.",
                item.id
            )));
        }
    }
    check_acyclic(&items)?;
    Ok(items)
}

fn check_acyclic(items: &[Item]) -> Result<(), ApiError> {
    let mut done: HashSet<String> = HashSet::new();
    let mut left: Vec<&Item> = items.iter().collect();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|item| {
            let ready = item.depends_on.iter().all(|d| done.contains(d));
            if ready {
                done.insert(item.id.to_ascii_lowercase());
            }
            !ready
        });
        if left.len() == before {
            return Err(ApiError::bad_request(format!(
                "The dependsOn of request '{}' forms a cycle.",
                left[0].id
            )));
        }
    }
    Ok(())
}
