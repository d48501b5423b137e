//! The Graph routes: alerts, incidents, comments and runHuntingQuery, the same handlers under
//! `/v1.0` and `/beta` (the version comes in as an [`ApiVersion`] extension).
//!
//! Collections and entities carry `@odata.context` (built from the `Host` the client called),
//! entities their `@odata.type`. PATCH answers 200 with the whole updated item, a comment POST
//! 200 with every comment of the item. A `runHuntingQuery` whose query does not parse or bind is
//! Graph's 400 with the KQL checker's diagnostic; a query that checks is answered from the recorded
//! answers (matched after [`normalize_query`]), and any other is a 501 until the KQL evaluator
//! lands.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

use super::Emulator;
use super::auth::Caller;
use super::dataset::normalize_query;
use super::error::{ApiError, ApiResult, GraphJson};
use super::list::{self, entity_body, page_body, with_alerts};
use super::store::Kind;
use super::update;
use crate::graph::Permission;
use crate::kql;

/// The content type Graph answers JSON with.
pub const GRAPH_JSON: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// `/v1.0` or `/beta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    /// `/v1.0`.
    V1,
    /// `/beta`.
    Beta,
}

impl ApiVersion {
    /// The path segment.
    pub fn segment(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1.0",
            ApiVersion::Beta => "beta",
        }
    }
}

/// `http://{Host}`: the origin the client called (`http://localhost` without a `Host`).
pub fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or("localhost");
    format!("http://{host}")
}

fn metadata(headers: &HeaderMap, version: ApiVersion, fragment: &str) -> String {
    format!("{}/{}/$metadata#{fragment}", origin(headers), version.segment())
}

/// A 200 (or other) Graph JSON response from serialised bytes.
pub fn json_bytes(status: StatusCode, body: Bytes) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(GRAPH_JSON));
    response
}

fn read_permission(kind: Kind) -> Permission {
    match kind {
        Kind::Alert => Permission::SecurityAlertRead,
        Kind::Incident => Permission::SecurityIncidentRead,
    }
}

fn write_permission(kind: Kind) -> Permission {
    match kind {
        Kind::Alert => Permission::SecurityAlertReadWrite,
        Kind::Incident => Permission::SecurityIncidentReadWrite,
    }
}

fn list_items(emu: &Emulator, kind: Kind, version: ApiVersion, headers: &HeaderMap, query: Option<&str>) -> ApiResult {
    let options = list::parse_options(kind, query, false, version == ApiVersion::Beta)?;
    let page = {
        let store = emu.read();
        list::list(&store, &emu.inner.snapshots, kind, options)?
    };
    let next_link = page.next.as_ref().map(|token| {
        format!(
            "{}/{}/security/{}?$skiptoken={token}",
            origin(headers),
            version.segment(),
            kind.segment()
        )
    });
    let body = page_body(
        &metadata(headers, version, &page.fragment),
        page.count,
        next_link.as_deref(),
        &page.items,
    );
    Ok(json_bytes(StatusCode::OK, body))
}

fn get_item(
    emu: &Emulator,
    kind: Kind,
    version: ApiVersion,
    headers: &HeaderMap,
    id: &str,
    query: Option<&str>,
) -> ApiResult {
    let beta = version == ApiVersion::Beta;
    let options = list::parse_options(kind, query, true, beta)?;
    let store = emu.read();
    let entity = store
        .collection(kind)
        .get(id)
        .ok_or_else(|| ApiError::not_found(kind.noun(), id))?;
    let expand = options.expand_alerts;
    let select = options.select.as_deref();
    let fragment = list::context_fragment(kind, select, expand, true);
    let json = if expand {
        with_alerts(&store, entity, beta)
    } else {
        entity.json_for(beta).clone()
    };
    let json = list::project(&json, select, expand);
    Ok(json_bytes(
        StatusCode::OK,
        entity_body(&metadata(headers, version, &fragment), &json),
    ))
}

fn patch_item(
    emu: &Emulator,
    caller: &Caller,
    kind: Kind,
    version: ApiVersion,
    headers: &HeaderMap,
    id: &str,
    body: &Value,
) -> ApiResult {
    caller.require(write_permission(kind))?;
    let now = emu.now();
    let mut store = emu.write();
    let entity = update::patch(&mut store, kind, id, body, &caller.display_name, now)?;
    let fragment = format!("security/{}/$entity", kind.segment());
    // An alert's PATCH answer has `evidence: []`, as in Graph's documented response (reference
    // §7): nobody may rely on evidence coming back from a PATCH.
    let json = match kind {
        Kind::Alert => entity.json_without_evidence(),
        Kind::Incident => entity.json_for(version == ApiVersion::Beta).clone(),
    };
    Ok(json_bytes(
        StatusCode::OK,
        entity_body(&metadata(headers, version, &fragment), &json),
    ))
}

fn comment_item(
    emu: &Emulator,
    caller: &Caller,
    kind: Kind,
    version: ApiVersion,
    headers: &HeaderMap,
    id: &str,
    body: &Value,
) -> ApiResult {
    caller.require(write_permission(kind))?;
    let texts = update::comment_texts(body)?;
    let now = emu.now();
    let comments = {
        let mut store = emu.write();
        update::add_comments(&mut store, kind, id, texts, &caller.display_name, now)?
    };
    let context = metadata(headers, version, "Collection(microsoft.graph.security.alertComment)");
    let body = json!({"@odata.context": context, "value": comments});
    Ok(json_bytes(StatusCode::OK, Bytes::from(body.to_string())))
}

/// `GET /security/alerts_v2`.
pub async fn alerts_list(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    Extension(version): Extension<ApiVersion>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require(read_permission(Kind::Alert))?;
    list_items(&emu, Kind::Alert, version, &headers, query.as_deref())
}

/// `GET /security/alerts_v2/{id}`.
pub async fn alert_get(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    Extension(version): Extension<ApiVersion>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require(read_permission(Kind::Alert))?;
    get_item(&emu, Kind::Alert, version, &headers, &id, query.as_deref())
}

/// `PATCH /security/alerts_v2/{id}`.
pub async fn alert_patch(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    Extension(version): Extension<ApiVersion>,
    headers: HeaderMap,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<Value>,
) -> ApiResult {
    patch_item(&emu, &caller, Kind::Alert, version, &headers, &id, &body)
}

/// `POST /security/alerts_v2/{id}/comments`.
pub async fn alert_comments_post(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    Extension(version): Extension<ApiVersion>,
    headers: HeaderMap,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<Value>,
) -> ApiResult {
    comment_item(&emu, &caller, Kind::Alert, version, &headers, &id, &body)
}

/// `GET /security/incidents`.
pub async fn incidents_list(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    Extension(version): Extension<ApiVersion>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require(read_permission(Kind::Incident))?;
    list_items(&emu, Kind::Incident, version, &headers, query.as_deref())
}

/// `GET /security/incidents/{id}`.
pub async fn incident_get(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    Extension(version): Extension<ApiVersion>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require(read_permission(Kind::Incident))?;
    get_item(&emu, Kind::Incident, version, &headers, &id, query.as_deref())
}

/// `PATCH /security/incidents/{id}`.
pub async fn incident_patch(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    Extension(version): Extension<ApiVersion>,
    headers: HeaderMap,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<Value>,
) -> ApiResult {
    patch_item(&emu, &caller, Kind::Incident, version, &headers, &id, &body)
}

/// `POST /security/incidents/{id}/comments`.
pub async fn incident_comments_post(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    Extension(version): Extension<ApiVersion>,
    headers: HeaderMap,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<Value>,
) -> ApiResult {
    comment_item(&emu, &caller, Kind::Incident, version, &headers, &id, &body)
}

/// `POST /security/runHuntingQuery`: `query`/`Query` and optional `timespan`/`Timespan`.
pub async fn hunting_run(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    Extension(version): Extension<ApiVersion>,
    headers: HeaderMap,
    GraphJson(body): GraphJson<Value>,
) -> ApiResult {
    caller.require(Permission::ThreatHuntingRead)?;
    let Value::Object(params) = &body else {
        return Err(ApiError::bad_request(
            "The request body must be a JSON object: {\"query\": \"...\"}.",
        ));
    };
    let mut query = None;
    let mut timespan = None;
    for (key, value) in params {
        match (key.as_str(), value) {
            ("query" | "Query", Value::String(text)) => query = Some(text.clone()),
            ("timespan" | "Timespan", Value::String(t)) => timespan = Some(t.clone()),
            ("timespan" | "Timespan", Value::Null) => {}
            ("query" | "Query" | "timespan" | "Timespan", _) => {
                return Err(ApiError::bad_request(format!(
                    "The parameter '{key}' must be a string."
                )));
            }
            _ => {
                return Err(ApiError::bad_request(format!(
                    "The parameter '{key}' in the request payload is not a valid parameter for the operation \
                     'runHuntingQuery'."
                )));
            }
        }
    }
    let query = query
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("The parameter 'query' is required and must not be empty."))?;
    // A query that does not parse or bind is Graph's 400, with the KQL diagnostic.
    if let Some(d) = kql::check(&query, kql::Schema::advanced_hunting())
        .into_iter()
        .find(kql::Diagnostic::is_error)
    {
        let (line, column) = d.line_col(&query);
        return Err(ApiError::bad_request(format!(
            "Query could not be parsed or checked at line {line}, column {column}: {}",
            d.message
        )));
    }
    let context = metadata(&headers, version, "microsoft.graph.security.huntingQueryResults");
    // A recorded answer (loaded by a test with POST /_emulator/load) overrides the engine.
    let (recorded, tenant) = {
        let store = emu.read();
        let wanted = normalize_query(&query);
        let recorded = store
            .hunting
            .iter()
            .find(|a| normalize_query(&a.query) == wanted)
            .map(|a| (a.schema.clone(), a.results.clone()));
        (
            recorded,
            super::hunting::tenant(&store.tables, emu.inner.external_dir.clone()),
        )
    };
    if let Some((schema, results)) = recorded {
        let body = json!({"@odata.context": context, "schema": schema, "results": results});
        return Ok(json_bytes(StatusCode::OK, Bytes::from(body.to_string())));
    }
    let now = emu.now();
    let limit = emu.inner.hunting_timeout.min(emu.inner.request_timeout);
    let answer =
        tokio::task::spawn_blocking(move || super::hunting::answer(&query, &tenant, now, timespan.as_deref(), limit))
            .await
            .map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "UnknownError",
                    format!("the query failed: {e}"),
                )
            })?;
    match answer {
        super::hunting::Answer::Ok(results) => match results.write(Some(&context)) {
            Ok(body) => Ok(json_bytes(StatusCode::OK, Bytes::from(body))),
            Err(message) => Err(ApiError::bad_request(message)),
        },
        super::hunting::Answer::Err(status, code, message) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            Err(ApiError::new(status, code, message))
        }
    }
}
