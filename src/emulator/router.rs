//! The routes and the middleware every request goes through.
//!
//! Outer to inner: request ids (`request-id`, `client-request-id` echoed or set to the request
//! id, and `innerError` filled into Graph error bodies), stats, the request timeout (504), faults
//! and scripted changes, then the bearer token: a Graph token on the Graph routes, a Defender
//! token (and the rate limit) on the Defender for Endpoint routes under `/api` ([`super::defender`],
//! whose errors, timeouts and faults included, have the MDE envelope). The identity and email
//! response actions ([`super::identity`]) are Graph routes like the others. `$batch` sub-requests go
//! through the same stack, built by [`dispatch_router`]; they reach Graph routes only.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Path, Request, State};
use axum::http::header::CONTENT_LENGTH;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use futures_util::StreamExt as _;

use super::Emulator;
use super::admin;
use super::auth::{self, TokenContext};
use super::defender::{self, error::MdeError};
use super::error::{ApiError, ErrorMarker, inner_error};
use super::faults::FaultKind;
use super::handlers::{self as h, ApiVersion};
use super::identity;
use super::server::Connection;
use super::stats::{CUT, DROPPED};

/// Marks a `$batch` sub-request (no `drop` or `cut` faults).
#[derive(Debug, Clone, Copy)]
pub struct SubRequest;

/// Marks a response whose connection was dropped or cut: the status stats record for it
/// ([`DROPPED`] or [`CUT`]).
#[derive(Debug, Clone, Copy)]
struct Broken(u16);

/// The whole emulator: Graph routes, token endpoint and `/_emulator` routes.
pub fn router(emu: Emulator) -> Router {
    let token = Router::new().route("/{tenant}/oauth2/v2.0/token", post(token_post));
    let admin = Router::new()
        .route("/_emulator/load", post(admin::emulator_load))
        .route("/_emulator/reset", post(admin::emulator_reset))
        .route("/_emulator/stats", get(admin::emulator_stats))
        .route("/_emulator/stats/reset", post(admin::emulator_stats_reset))
        .route("/_emulator/defender", get(admin::emulator_defender))
        .route("/_emulator/identity", get(admin::emulator_identity))
        .route(
            "/_emulator/faults",
            get(admin::emulator_faults_get).post(admin::emulator_faults_post),
        )
        .layer(DefaultBodyLimit::max(1 << 30));
    let app = versioned(&emu)
        .merge(defender::routes(&emu))
        .merge(token)
        .merge(admin)
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed);
    with_common_layers(&emu, app).with_state(emu)
}

/// The router `$batch` dispatches sub-requests through: the Graph routes and the same middleware.
pub fn dispatch_router(emu: &Emulator) -> Router {
    let app = versioned(emu)
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed);
    with_common_layers(emu, app).with_state(emu.clone())
}

fn versioned(emu: &Emulator) -> Router<Emulator> {
    Router::new()
        .nest("/v1.0", graph_routes(emu).layer(axum::Extension(ApiVersion::V1)))
        .nest("/beta", graph_routes(emu).layer(axum::Extension(ApiVersion::Beta)))
}

fn graph_routes(emu: &Emulator) -> Router<Emulator> {
    Router::new()
        .route("/security/alerts_v2", get(h::alerts_list))
        .route("/security/alerts_v2/{id}", get(h::alert_get).patch(h::alert_patch))
        .route("/security/alerts_v2/{id}/comments", post(h::alert_comments_post))
        .route("/security/incidents", get(h::incidents_list))
        .route(
            "/security/incidents/{id}",
            get(h::incident_get).patch(h::incident_patch),
        )
        .route("/security/incidents/{id}/comments", post(h::incident_comments_post))
        .route("/security/runHuntingQuery", post(h::hunting_run))
        // The namespace-qualified name of the same bound action, which Graph also answers and
        // Microsoft's SDKs call (msgraph-sdk: `security.microsoft_graph_security_run_hunting_query`).
        .route(
            "/security/microsoft.graph.security.runHuntingQuery",
            post(h::hunting_run),
        )
        .route("/$batch", post(super::batch::batch_post))
        .route(
            "/security/identities/identityAccounts",
            get(identity::accounts::identity_accounts_list),
        )
        .route(
            "/security/identities/identityAccounts/{id}",
            get(identity::accounts::identity_account_get),
        )
        .route(
            "/security/identities/identityAccounts/{id}/invokeAction",
            post(identity::accounts::identity_account_invoke),
        )
        .route(
            "/security/identities/identityAccounts/{id}/microsoft.graph.security.invokeAction",
            post(identity::accounts::identity_account_invoke),
        )
        .route(
            "/users/{id}/revokeSignInSessions",
            post(identity::entra::user_revoke_sessions),
        )
        .route(
            "/identityProtection/riskyUsers/confirmCompromised",
            post(identity::entra::risky_users_confirm),
        )
        .route(
            "/security/collaboration/analyzedEmails/remediate",
            post(identity::remediate::analyzed_emails_remediate),
        )
        .route(
            "/security/collaboration/analyzedEmails/microsoft.graph.security.remediate",
            post(identity::remediate::analyzed_emails_remediate),
        )
        .route_layer(middleware::from_fn(evolvable_members))
        .route_layer(middleware::from_fn_with_state(emu.clone(), require_token))
}

/// Whether the request asks for evolvable enum members (`Prefer: include-unknown-enum-members`);
/// also what lets a request body use them (`moveToQuarantine`, [`super::identity::remediate`]).
pub(crate) fn wants_evolvable_members(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("include-unknown-enum-members"))
}

/// Without `Prefer: include-unknown-enum-members`, Graph answers the enum members declared after
/// `unknownFutureValue` as `unknownFutureValue` (reference §2); so does the emulator, for alerts
/// and incidents (with embedded alerts). Requests that send the header, as graphsoar's client
/// does, are served the stored bytes untouched.
async fn evolvable_members(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let hide: Option<fn(&mut serde_json::Value)> = if path.contains("/security/alerts_v2") {
        Some(crate::graph::models::hide_evolvable_alert)
    } else if path.contains("/security/incidents") {
        Some(crate::graph::models::hide_evolvable_incident)
    } else {
        None
    };
    let hide = hide.filter(|_| !wants_evolvable_members(request.headers()));
    let response = next.run(request).await;
    let Some(hide) = hide.filter(|_| response.status().is_success()) else {
        return response;
    };
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    match json.get_mut("value") {
        Some(serde_json::Value::Array(items)) => items.iter_mut().for_each(hide),
        _ => hide(&mut json),
    }
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(serde_json::to_vec(&json).unwrap_or_default()))
}

fn with_common_layers(emu: &Emulator, app: Router<Emulator>) -> Router<Emulator> {
    app.layer(middleware::from_fn_with_state(emu.clone(), faults))
        .layer(middleware::from_fn_with_state(emu.clone(), timeout))
        .layer(middleware::from_fn_with_state(emu.clone(), stats))
        .layer(middleware::from_fn(request_ids))
}

/// The fault route name of a matched path (see [`super::faults`]).
pub fn route_name(path: &str) -> Option<&'static str> {
    if path == "/{tenant}/oauth2/v2.0/token" {
        return Some("token");
    }
    if defender::is_api_path(path) {
        return defender::route_name(path);
    }
    let rest = path.strip_prefix("/v1.0").or_else(|| path.strip_prefix("/beta"))?;
    Some(match rest {
        "/security/alerts_v2" => "alerts",
        "/security/alerts_v2/{id}" => "alert",
        "/security/alerts_v2/{id}/comments" | "/security/incidents/{id}/comments" => "comments",
        "/security/incidents" => "incidents",
        "/security/incidents/{id}" => "incident",
        "/security/runHuntingQuery" | "/security/microsoft.graph.security.runHuntingQuery" => "hunting",
        "/$batch" => "batch",
        other => return identity::route_name(other),
    })
}

async fn token_post(
    State(emu): State<Emulator>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let context = TokenContext {
        clients: &emu.inner.clients,
        tokens: &emu.inner.tokens,
        lifetime: emu.inner.token_lifetime,
        origin: h::origin(&headers),
    };
    auth::token(&context, &tenant, &headers, &body)
}

async fn unknown_route(method: Method, uri: axum::http::Uri) -> Response {
    let path = uri.path();
    if defender::is_api_path(path) {
        return MdeError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("No Defender for Endpoint API route answers {method} {path}."),
        )
        .into_response();
    }
    let under_graph = ["/v1.0/", "/beta/"].iter().any(|p| path.starts_with(p));
    if under_graph {
        let segment = path.rsplit('/').find(|s| !s.is_empty()).unwrap_or_default();
        ApiError::bad_request(format!("Resource not found for the segment '{segment}'."))
    } else {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("No emulator route answers {method} {path}."),
        )
    }
    .into_response()
}

/// A method the route does not take: Graph's 400-style body, or on the Defender routes an empty
/// 405 (§1.5, observed); axum adds `Allow` either way.
async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> Response {
    if defender::is_api_path(uri.path()) {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "BadRequest",
        format!("The HTTP method '{method}' is not supported by this resource."),
    )
    .into_response()
}

/// The caller of a Graph route: a valid Graph token (a Defender for Endpoint token is refused
/// as Graph refuses a token for another audience).
async fn require_token(State(emu): State<Emulator>, mut request: Request, next: Next) -> Response {
    let authorization = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let checked = super::lock(&emu.inner.tokens).check(authorization);
    match checked {
        Ok(caller) if caller.api == crate::graph::Resource::Defender => {
            return ApiError::unauthorized(format!(
                "Invalid audience: the access token is for {}, the Defender for Endpoint API, not Microsoft Graph. \
                 Request a Graph token, with scope https://graph.microsoft.com/.default.",
                caller.audience
            ))
            .into_response();
        }
        Ok(caller) => {
            request.extensions_mut().insert(caller);
        }
        Err(error) => return error.into_response(),
    }
    next.run(request).await
}

async fn request_ids(request: Request, next: Next) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let client_request_id = request
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| request_id.clone());
    let mut response = next.run(request).await;
    if let Some(ErrorMarker(mut body)) = response.extensions_mut().remove::<ErrorMarker>() {
        body.error.inner_error = Some(inner_error(&request_id, &client_request_id));
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        response.headers_mut().remove(axum::http::header::CONTENT_LENGTH);
        *response.body_mut() = Body::from(bytes);
    }
    let headers = response.headers_mut();
    for (name, value) in [("request-id", &request_id), ("client-request-id", &client_request_id)] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    response
}

async fn stats(State(emu): State<Emulator>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(unmatched)", MatchedPath::as_str)
        .to_owned();
    let response = next.run(request).await;
    let status = response
        .extensions()
        .get::<Broken>()
        .map_or_else(|| response.status().as_u16(), |broken| broken.0);
    super::lock(&emu.inner.stats).record(&method, &route, status);
    response
}

async fn timeout(State(emu): State<Emulator>, request: Request, next: Next) -> Response {
    let mde = defender::is_api_path(request.uri().path());
    match tokio::time::timeout(emu.inner.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let error = ApiError::new(StatusCode::GATEWAY_TIMEOUT, "GatewayTimeout", "The request timed out.");
            if mde {
                MdeError::from(error).into_response()
            } else {
                error.into_response()
            }
        }
    }
}

async fn faults(State(emu): State<Emulator>, request: Request, next: Next) -> Response {
    let Some(route) = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|p| route_name(p.as_str()))
    else {
        return next.run(request).await;
    };
    // The incidents list with `$expand=alerts` draws as its own route, `expand`, so a test can
    // make only the expansion fail (as it does on big real tenants).
    let route = if route == "incidents" && request.uri().query().is_some_and(|q| q.contains("expand")) {
        "expand"
    } else {
        route
    };
    let sub_request = request.extensions().get::<SubRequest>().is_some();
    let connection = request.extensions().get::<ConnectInfo<Connection>>().cloned();
    let decision = super::lock(&emu.inner.faults).decide(route, sub_request || connection.is_none());
    if decision.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(decision.latency_ms)).await;
    }
    let response = match decision.fault {
        None => next.run(request).await,
        Some(FaultKind::Drop) => {
            if let Some(ConnectInfo(connection)) = connection {
                connection.kill();
            }
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.extensions_mut().insert(Broken(DROPPED));
            response
        }
        Some(FaultKind::Cut) => cut(next.run(request).await).await,
        Some(kind) if route == "token" => token_fault(kind),
        Some(kind) if defender::ROUTE_NAMES.contains(&route) => MdeError::from(fault_error(kind)).into_response(),
        Some(kind) => fault_error(kind).into_response(),
    };
    let firing = super::lock(&emu.inner.faults).count(route);
    for change in &firing {
        admin::apply_scripted(&emu, change);
    }
    response
}

/// `response` sent with its whole `Content-Length` but only half of its body, then the
/// connection closed (the `cut` fault): the client has to treat the request as possibly done.
async fn cut(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    parts.headers.insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    let half = bytes.slice(..bytes.len() / 2);
    // The break comes after a pause, so that hyper sends the head and the half it has first.
    let body = futures_util::stream::once(async move { Ok::<_, std::io::Error>(half) }).chain(
        futures_util::stream::once(async {
            tokio::task::yield_now().await;
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "response cut by an emulator fault",
            ))
        }),
    );
    let mut response = Response::from_parts(parts, Body::from_stream(body));
    response.extensions_mut().insert(Broken(CUT));
    response
}

/// A fault on the token endpoint, in Entra's shape (`error`, `error_description`,
/// `error_codes`, ...), not Graph's. The AADSTS codes are the emulator's choice: 90055 for
/// throttling, 90033 ("a transient error") otherwise.
fn token_fault(kind: FaultKind) -> Response {
    let (status, code, description, retry_after) = match kind {
        FaultKind::Throttle(retry_after) | FaultKind::QuotaCpu(retry_after) => (
            StatusCode::TOO_MANY_REQUESTS,
            90055,
            "Too many requests for this tenant. Retry later.",
            retry_after,
        ),
        FaultKind::QuotaRate => (
            StatusCode::TOO_MANY_REQUESTS,
            90055,
            "Too many requests for this tenant. Retry later.",
            None,
        ),
        FaultKind::Unavailable(retry_after) => (
            StatusCode::SERVICE_UNAVAILABLE,
            90033,
            "A transient error has occurred. Please try again.",
            retry_after,
        ),
        FaultKind::Status(status) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            90033,
            "A transient error has occurred. Please try again.",
            None,
        ),
        FaultKind::Drop | FaultKind::Cut | FaultKind::Latency(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            90033,
            "A transient error has occurred. Please try again.",
            None,
        ),
    };
    let mut response = auth::entra_error(status, "temporarily_unavailable", code, description);
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

fn fault_error(kind: FaultKind) -> ApiError {
    let throttled = |message: &str| ApiError::new(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", message);
    match kind {
        FaultKind::Throttle(retry_after) => {
            throttled("Too many requests: the application is being throttled. Retry later.")
                .with_retry_after(retry_after)
        }
        FaultKind::QuotaCpu(retry_after) => throttled(
            "Query execution has exceeded the allowed limits: the tenant's CPU quota for advanced hunting is \
             exhausted. Queries are blocked until the next 15-minute cycle.",
        )
        .with_retry_after(retry_after),
        FaultKind::QuotaRate => throttled(
            "Too many requests: the tenant exceeded the allowed advanced hunting call rate (45 calls per minute). \
             Retry after the next minute.",
        ),
        FaultKind::Unavailable(retry_after) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The service is temporarily unavailable. Retry later.",
        )
        .with_retry_after(retry_after),
        FaultKind::Status(504) => {
            ApiError::new(StatusCode::GATEWAY_TIMEOUT, "GatewayTimeout", "The request timed out.")
        }
        FaultKind::Status(_) | FaultKind::Drop | FaultKind::Cut | FaultKind::Latency(_) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UnknownError",
            "An internal server error occurred.",
        ),
    }
}
