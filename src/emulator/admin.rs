//! The `/_emulator` routes, for tests and benchmarks; they need no token and see no faults.
//!
//! - `POST /_emulator/load`: add or replace alerts, incidents, table rows and recorded hunting
//!   answers: `{"alerts": [...], "incidents": [...], "tables": {"Name": [rows]}, "hunting":
//!   [{"query", "schema", "results"}]}`. Items load as Microsoft sends them (PascalCase enums
//!   normalised, unknown properties kept, alerts embedded in an incident loaded as its alerts);
//!   their times are taken as given. Answers what the store then holds.
//! - `POST /_emulator/reset`: back to the dataset as started, Defender for Endpoint state
//!   (machine actions, indicators, rate-limit windows) and identity state (account changes,
//!   revocations, compromise, remediations) cleared (faults and stats are kept).
//! - `GET /_emulator/defender`: the Defender for Endpoint state, for tests: each device's
//!   isolation and app restriction, every machine action and indicator ([`super::defender::inspect`]).
//! - `GET /_emulator/identity`: what the identity and email response actions did, for tests:
//!   each identity's `isEnabled`, password resets, session revocations and compromise, and every
//!   email remediation with each message's outcome ([`super::identity::inspect`]).
//! - `GET /_emulator/stats`, `POST /_emulator/stats/reset`: request counters ([`super::stats`]).
//! - `GET /_emulator/faults`, `POST /_emulator/faults`: the faults in force and scripted changes
//!   ([`super::faults`]); the POST body is `{"spec"?: "SPEC" ("" clears), "seed"?: n,
//!   "scripted"?: [Scripted], "clear"?: bool}`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Emulator;
use super::error::{ApiError, ApiResult, GraphJson};
use super::faults::{FaultSpec, ROUTES, Scripted};
use super::stats::Stats;
use super::store::LoadRequest;
use axum::response::IntoResponse;

/// `POST /_emulator/load`.
pub async fn emulator_load(State(emu): State<Emulator>, GraphJson(request): GraphJson<LoadRequest>) -> ApiResult {
    let counts = emu.write().load(request)?;
    // Loaded alerts may bring users, loaded tables messages.
    super::identity::invalidate(&emu);
    Ok(Json(counts).into_response())
}

/// `POST /_emulator/reset`.
pub async fn emulator_reset(State(emu): State<Emulator>) -> ApiResult {
    let store = emu.inner.initial.clone();
    let counts = store.counts();
    *emu.write() = store;
    super::lock(&emu.inner.snapshots).clear();
    super::defender::reset(&emu);
    super::identity::reset(&emu);
    Ok(Json(counts).into_response())
}

/// `GET /_emulator/defender`.
pub async fn emulator_defender(State(emu): State<Emulator>) -> Json<Value> {
    Json(super::defender::inspect(&emu))
}

/// `GET /_emulator/identity`.
pub async fn emulator_identity(State(emu): State<Emulator>) -> Json<Value> {
    Json(super::identity::inspect(&emu))
}

/// `GET /_emulator/stats`.
pub async fn emulator_stats(State(emu): State<Emulator>) -> Json<Value> {
    Json(emu.stats())
}

/// `POST /_emulator/stats/reset`.
pub async fn emulator_stats_reset(State(emu): State<Emulator>) -> Json<Value> {
    *super::lock(&emu.inner.stats) = Stats::new(emu.now());
    Json(emu.stats())
}

/// The body of `POST /_emulator/faults`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsRequest {
    /// A SPEC replacing the faults in force (`""` clears them).
    #[serde(default)]
    spec: Option<String>,
    /// Reseeds the draws.
    #[serde(default)]
    seed: Option<u64>,
    /// Scripted changes to add.
    #[serde(default)]
    scripted: Vec<Scripted>,
    /// Drop the faults and scripted changes in force first.
    #[serde(default)]
    clear: bool,
}

/// `GET /_emulator/faults`.
pub async fn emulator_faults_get(State(emu): State<Emulator>) -> Json<Value> {
    Json(faults_json(&emu))
}

/// `POST /_emulator/faults`.
pub async fn emulator_faults_post(
    State(emu): State<Emulator>,
    GraphJson(request): GraphJson<FaultsRequest>,
) -> ApiResult {
    let config = match &request.spec {
        Some(spec) => Some(
            spec.parse::<FaultSpec>()
                .map_err(|e| ApiError::bad_request(e.to_string()))?,
        ),
        None => None,
    };
    for (i, change) in request.scripted.iter().enumerate() {
        let bad = |why: &str| ApiError::bad_request(format!("scripted[{i}]: {why}"));
        if !ROUTES.contains(&change.route.as_str()) {
            return Err(bad(&format!(
                "unknown route `{}`; expected one of {}",
                change.route,
                ROUTES.join(", ")
            )));
        }
        if change.after == 0 {
            return Err(bad("`after` counts calls and starts at 1"));
        }
        if change.alert.is_some() == change.incident.is_some() {
            return Err(bad("name exactly one of `alert` and `incident`"));
        }
        if !change.patch.is_object() && !change.patch.is_null() {
            return Err(bad("`patch` must be a JSON object (a PATCH body)"));
        }
    }
    {
        let mut faults = super::lock(&emu.inner.faults);
        if request.clear {
            faults.config = FaultSpec::default();
            faults.scripted.clear();
        }
        if let Some(config) = config {
            faults.config = config;
        }
        if let Some(seed) = request.seed {
            faults.reseed(seed);
        }
        for change in request.scripted {
            faults.script(change);
        }
    }
    Ok(Json(faults_json(&emu)).into_response())
}

fn faults_json(emu: &Emulator) -> Value {
    let faults = super::lock(&emu.inner.faults);
    json!({"spec": faults.config.to_string(), "scripted": faults.scripted})
}

/// Applies a scripted change that fires now, as an analyst would.
pub fn apply_scripted(emu: &Emulator, change: &Scripted) {
    use super::store::Kind;
    let (kind, id) = match (&change.alert, &change.incident) {
        (Some(id), _) => (Kind::Alert, id),
        (None, Some(id)) => (Kind::Incident, id),
        (None, None) => return,
    };
    let now = emu.now();
    let mut store = emu.write();
    if change.patch.is_object()
        && let Err(error) = super::update::patch(&mut store, kind, id, &change.patch, &change.by, now)
    {
        tracing::warn!(item = %id, error = %error, "Scripted change failed.");
        return;
    }
    if let Some(comment) = &change.comment
        && let Err(error) = super::update::add_comments(&mut store, kind, id, vec![comment.clone()], &change.by, now)
    {
        tracing::warn!(item = %id, error = %error, "Scripted comment failed.");
        return;
    }
    tracing::info!(route = %change.route, after = change.after, item = %id, "Scripted change applied.");
}
