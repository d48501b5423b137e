//! The Defender for Endpoint (MDE) API on the emulator's one listener, as the real API serves it
//! beside Graph (response-actions-api.md §1–§4, checklist §10), under both `/api/...` and
//! `/api/v1.0/...` (§1.1):
//!
//! - `GET /api/machines`, `GET /api/machines/{id}` (id or computer name): [`machines`], one
//!   machine per `DeviceId` of the advanced-hunting `DeviceInfo` table (§2.3: machine.id ==
//!   deviceEvidence.mdeDeviceId == DeviceInfo.DeviceId).
//! - `POST /api/machines/{id}/{isolate|unisolate|runAntiVirusScan|restrictCodeExecution|
//!   unrestrictCodeExecution|collectInvestigationPackage|StopAndQuarantineFile}`,
//!   `GET /api/machineactions`, `GET /api/machineactions/{id}`,
//!   `POST /api/machineactions/{id}/cancel`: [`actions`].
//! - `POST /api/indicators`, `GET /api/indicators`, `DELETE /api/indicators/{id}`:
//!   [`indicators`].
//!
//! Every route takes only a Defender token (an `aud` of [`DEFENDER_RESOURCES`], §1.2; else 401),
//! checks its own permission (§1.3; 403 naming it), counts against a per-client, per-API limit of
//! [`Settings::calls_per_minute`] (§1.4; 429 with `Retry-After`), and answers errors in the MDE
//! envelope ([`error::MdeError`], §1.5), faults included. Fault route names: `machines`,
//! `machine_action` (the action POSTs), `machineactions` (list, get and cancel) and `indicators`.
//!
//! State (machine actions, indicators, call windows) lives in [`State`], beside the Graph store;
//! `/_emulator/reset` clears it and `GET /_emulator/defender` shows it ([`inspect`]). Nothing here
//! touches the Graph store except to read the `DeviceInfo` and `DeviceNetworkEvents` tables.

mod action_body;
pub mod actions;
pub mod error;
mod indicator_body;
pub mod indicators;
pub mod machines;
mod query;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Value, json};

use self::error::{MdeError, MdeResult};
use super::Emulator;
use super::auth::Caller;
use crate::graph::models::defender::DEFENDER_RESOURCE;
#[cfg(doc)]
use crate::graph::models::defender::DEFENDER_RESOURCES;
use crate::graph::{Permission, Resource};

/// The content type of the API's success answers (§1.5, observed).
pub const MDE_JSON: &str = "application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8";

/// The fault route names of the Defender routes (see [`super::faults`]).
pub const ROUTE_NAMES: &[&str] = &["machines", "machine_action", "machineactions", "indicators"];

/// The Defender side's settings (from [`super::EmulatorOptions`]).
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// A machine action is `Pending` this long, then `InProgress` as long again, then
    /// `Succeeded`; on an offline device it stays `Pending` and is `TimeOut` after 10 times it.
    pub machine_action_delay: Duration,
    /// Calls per minute per client and per API (§1.4: 100); 0 = no limit.
    pub calls_per_minute: u32,
    /// Active indicators per tenant (§4.3: 15,000).
    pub max_indicators: usize,
}

/// The Defender side's state.
#[derive(Debug, Default)]
pub struct State {
    /// Every machine action, oldest first.
    pub actions: Vec<actions::ActionRecord>,
    /// Indicators by their numeric id.
    pub indicators: BTreeMap<u64, indicators::IndicatorRecord>,
    /// The last indicator id given out.
    pub last_indicator_id: u64,
    calls: CallWindows,
    machines: Option<machines::Cache>,
}

/// The calls of the last minute, per client and API (§1.4).
#[derive(Debug, Default)]
pub struct CallWindows(HashMap<(String, &'static str), VecDeque<Instant>>);

impl CallWindows {
    /// Counts a call of `client` to `api` at `now`, or refuses it with the whole seconds until
    /// the oldest call of the window leaves it, when `limit` calls were made in the last minute.
    pub fn admit(&mut self, client: &str, api: &'static str, limit: u32, now: Instant) -> Result<(), u64> {
        if limit == 0 {
            return Ok(());
        }
        let window = Duration::from_secs(60);
        let calls = self.0.entry((client.to_owned(), api)).or_default();
        while calls.front().is_some_and(|t| now.duration_since(*t) >= window) {
            calls.pop_front();
        }
        if calls.len() >= limit as usize {
            let frees = calls
                .front()
                .map_or(window, |oldest| window - now.duration_since(*oldest));
            return Err(frees.as_secs() + u64::from(frees.subsec_nanos() > 0));
        }
        calls.push_back(now);
        Ok(())
    }
}

impl Emulator {
    /// The Defender side's state, locked.
    pub(crate) fn defender(&self) -> std::sync::MutexGuard<'_, State> {
        super::lock(&self.inner.defender)
    }
}

/// Whether `path` is one of the Defender API's (under `/api`).
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// The fault route name of a matched Defender path (with or without `/api` or `/api/v1.0`).
pub fn route_name(path: &str) -> Option<&'static str> {
    let rest = path
        .strip_prefix("/api/v1.0")
        .or_else(|| path.strip_prefix("/api"))
        .unwrap_or(path);
    Some(match rest {
        "/machines" | "/machines/{id}" => "machines",
        "/machines/{id}/{action}" => "machine_action",
        "/machineactions" | "/machineactions/{id}" | "/machineactions/{id}/cancel" => "machineactions",
        "/indicators" | "/indicators/{id}" => "indicators",
        _ => return None,
    })
}

/// The Defender routes, under `/api` and `/api/v1.0`, each behind the Defender token check and
/// the rate limit.
pub fn routes(emu: &Emulator) -> Router<Emulator> {
    let api = Router::new()
        .route("/machines", get(machines::machines_list))
        .route("/machines/{id}", get(machines::machine_get))
        .route("/machines/{id}/{action}", post(actions::action_post))
        .route("/machineactions", get(actions::actions_list))
        .route("/machineactions/{id}", get(actions::action_get))
        .route("/machineactions/{id}/cancel", post(actions::action_cancel))
        .route(
            "/indicators",
            get(indicators::indicators_list).post(indicators::indicator_post),
        )
        .route("/indicators/{id}", delete(indicators::indicator_delete))
        .route_layer(middleware::from_fn_with_state(emu.clone(), rate_limit))
        .route_layer(middleware::from_fn_with_state(emu.clone(), require_defender_token));
    Router::new().nest("/api/v1.0", api.clone()).nest("/api", api)
}

/// The caller of a Defender route: a valid token (else 401 `Unauthorized`) whose audience is a
/// Defender resource (a Graph token is refused with a message saying so).
async fn require_defender_token(AxumState(emu): AxumState<Emulator>, mut request: Request, next: Next) -> Response {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let checked = super::lock(&emu.inner.tokens).check(authorization);
    match checked {
        Ok(caller) if caller.api == Resource::Defender => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Ok(caller) => MdeError::unauthorized(format!(
            "The access token's audience is {}, not the Defender for Endpoint API: request the token with scope \
             {DEFENDER_RESOURCE}/.default.",
            caller.audience
        ))
        .into_response(),
        Err(error) => MdeError::from(error).into_response(),
    }
}

/// Which API of §1.4 a request counts against: each action, `cancel`, the machines reads, the
/// machine-action reads, and each indicators method on its own.
fn api_name(method: &Method, route: &str, path: &str) -> Option<&'static str> {
    let name = match (route_name(route)?, method.as_str()) {
        ("machines", _) => "machines",
        ("machineactions", "POST") => "cancel",
        ("machineactions", _) => "machineactions",
        ("indicators", "POST") => "indicators.post",
        ("indicators", "DELETE") => "indicators.delete",
        ("indicators", _) => "indicators.get",
        ("machine_action", _) => {
            let segment = path.rsplit('/').next().unwrap_or_default();
            crate::graph::models::defender::MachineActionType::from_path(segment)
                .and_then(|kind| kind.path())
                .unwrap_or("machine_action")
        }
        _ => return None,
    };
    Some(name)
}

/// 429 `TooManyRequests` with `Retry-After` once a client made [`Settings::calls_per_minute`]
/// calls to one API within a minute (§1.4).
async fn rate_limit(AxumState(emu): AxumState<Emulator>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let client = request.extensions().get::<Caller>().map(|c| c.client_id.clone());
    let api = route
        .as_deref()
        .and_then(|route| api_name(request.method(), route, request.uri().path()));
    if let (Some(api), Some(client)) = (api, client) {
        let limit = emu.inner.defender_settings.calls_per_minute;
        let admitted = emu.defender().calls.admit(&client, api, limit, Instant::now());
        if let Err(seconds) = admitted {
            return MdeError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                format!(
                    "Rate limit is exceeded: {api} takes {limit} calls per minute per application. Try again in \
                     {seconds} seconds."
                ),
            )
            .with_retry_after(Some(seconds))
            .into_response();
        }
    }
    next.run(request).await
}

/// Ok when the caller holds a role granting `permission`; else 403 naming it and what it is for.
pub(crate) fn require(caller: &Caller, permission: Permission, what: &str) -> MdeResult<()> {
    if permission.is_granted(&caller.roles) {
        Ok(())
    } else {
        Err(MdeError::forbidden(permission, what, &caller.roles))
    }
}

/// `{origin}/api/$metadata#{fragment}`, the `@odata.context` of an answer.
pub(crate) fn context(headers: &HeaderMap, fragment: &str) -> String {
    format!("{}/api/$metadata#{fragment}", super::handlers::origin(headers))
}

/// A success answer: `body` with `@odata.context` first, the API's content type and
/// `OData-Version: 4.0`.
pub(crate) fn answer(status: StatusCode, headers: &HeaderMap, fragment: &str, body: Value) -> Response {
    let mut object = serde_json::Map::new();
    object.insert("@odata.context".into(), Value::String(context(headers, fragment)));
    match body {
        Value::Object(fields) => object.extend(fields),
        other => {
            object.insert("value".into(), other);
        }
    }
    let mut response = (status, serde_json::to_vec(&object).unwrap_or_default()).into_response();
    let response_headers = response.headers_mut();
    response_headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(MDE_JSON));
    response_headers.insert("odata-version", HeaderValue::from_static("4.0"));
    response
}

/// The state as `GET /_emulator/defender` shows it: `{"devices": [{"id", "computerDnsName",
/// "isolated", "isolationType", "appExecutionRestricted"}], "machineActions": [MachineAction, as
/// GET answers it now, oldest first], "indicators": [Indicator, expired ones too]}`.
pub fn inspect(emu: &Emulator) -> Value {
    let machines = machines::current(emu);
    let now = emu.now();
    let delay = emu.inner.defender_settings.machine_action_delay;
    let state = emu.defender();
    let devices: Vec<Value> = machines
        .iter()
        .map(|device| {
            let at = actions::device_state(&state.actions, device.id(), now, delay);
            json!({
                "id": device.id(),
                "computerDnsName": device.machine.computer_dns_name,
                "isolated": at.isolated,
                "isolationType": at.isolation_type,
                "appExecutionRestricted": at.app_execution_restricted,
            })
        })
        .collect();
    let actions: Vec<Value> = state.actions.iter().map(|a| a.json(now, delay)).collect();
    let indicators: Vec<Value> = state.indicators.values().map(|i| i.json()).collect();
    json!({"devices": devices, "machineActions": actions, "indicators": indicators})
}

/// Forgets every machine action, indicator and call window (`/_emulator/reset`).
pub fn reset(emu: &Emulator) {
    *emu.defender() = State::default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_limit_per_api_per_minute() {
        let mut windows = CallWindows::default();
        let start = Instant::now();
        for i in 0..3 {
            assert_eq!(windows.admit("a", "isolate", 3, start + Duration::from_secs(i)), Ok(()));
        }
        // The fourth within the minute waits until the first call is a minute old.
        assert_eq!(
            windows.admit("a", "isolate", 3, start + Duration::from_secs(10)),
            Err(50)
        );
        assert_eq!(
            windows.admit("a", "isolate", 3, start + Duration::from_millis(10_500)),
            Err(50)
        );
        // Another API, another client: their own windows.
        assert_eq!(windows.admit("a", "unisolate", 3, start), Ok(()));
        assert_eq!(windows.admit("b", "isolate", 3, start), Ok(()));
        assert_eq!(
            windows.admit("a", "isolate", 3, start + Duration::from_secs(60)),
            Ok(())
        );
        assert_eq!(windows.admit("a", "isolate", 0, start), Ok(()), "0 is no limit");
    }

    #[test]
    fn routes_have_fault_names_and_apis() {
        for (route, name) in [
            ("/api/machines", "machines"),
            ("/api/v1.0/machines/{id}", "machines"),
            ("/api/machines/{id}/{action}", "machine_action"),
            ("/api/v1.0/machineactions/{id}/cancel", "machineactions"),
            ("/api/indicators/{id}", "indicators"),
        ] {
            assert_eq!(route_name(route), Some(name), "{route}");
            assert!(ROUTE_NAMES.contains(&name));
        }
        assert_eq!(route_name("/api/alerts"), None);
        let api = |method: Method, route: &str, path: &str| api_name(&method, route, path);
        assert_eq!(
            api(Method::POST, "/api/machines/{id}/{action}", "/api/machines/m/isolate"),
            Some("isolate")
        );
        assert_eq!(
            api(
                Method::POST,
                "/api/v1.0/machines/{id}/{action}",
                "/api/v1.0/machines/m/StopAndQuarantineFile"
            ),
            Some("StopAndQuarantineFile")
        );
        assert_eq!(
            api(Method::GET, "/api/machineactions/{id}", "/api/machineactions/x"),
            Some("machineactions")
        );
        assert_eq!(
            api(Method::POST, "/api/machineactions/{id}/cancel", "/x"),
            Some("cancel")
        );
        assert_eq!(
            api(Method::POST, "/api/indicators", "/api/indicators"),
            Some("indicators.post")
        );
        assert_eq!(
            api(Method::GET, "/api/indicators", "/api/indicators"),
            Some("indicators.get")
        );
        assert!(is_api_path("/api/machines") && !is_api_path("/apis") && !is_api_path("/v1.0/api/x"));
    }
}
