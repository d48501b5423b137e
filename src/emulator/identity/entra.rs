//! Entra's own response actions (response-actions-api.md §5.3): `revokeSignInSessions` and
//! `riskyUsers/confirmCompromised`, on the identities of [`super::directory`] that have an Entra
//! object id or a UPN.
//!
//! - `POST /users/{id or UPN}/revokeSignInSessions` (no body, or `{}`): 200
//!   `{"@odata.context": "…/$metadata#Edm.Boolean", "value": true}` (the documented answer; a
//!   "known issue" note says the code may differ, §11 question 12); an unknown user is Entra's
//!   404 `Request_ResourceNotFound`. Each call counts a revocation and resets its time (§8: a
//!   repeat is harmless).
//! - `POST /identityProtection/riskyUsers/confirmCompromised` `{"userIds": [object id, …]}`: 204,
//!   the users' risk level high. A missing or empty `userIds` is a 400. What Graph answers for an
//!   unknown id is not documented: the emulator answers 400 naming it, and changes nothing.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

use super::{answer, context, current, invalid, parameters};
use crate::emulator::Emulator;
use crate::emulator::auth::Caller;
use crate::emulator::error::{ApiError, ApiResult, GraphJson};
use crate::emulator::handlers::ApiVersion;
use crate::graph::Permission;
use crate::graph::models::identity::ConfirmCompromisedRequest;

/// `POST /users/{id}/revokeSignInSessions` (§5.3).
pub async fn user_revoke_sessions(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    Extension(version): Extension<ApiVersion>,
    headers: HeaderMap,
    Path(user): Path<String>,
    body: Bytes,
) -> ApiResult {
    caller.require(Permission::UserRevokeSessions)?;
    if !body.iter().all(u8::is_ascii_whitespace) {
        let value: Value = serde_json::from_slice(&body).map_err(|_| {
            ApiError::bad_request(
                "Unable to read JSON request payload. revokeSignInSessions takes no body, or an empty JSON object {}.",
            )
        })?;
        parameters(&value, "revokeSignInSessions", &[])?;
    }
    let directory = current(&emu);
    let Some(identity) = directory.user(&user) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            format!(
                "Resource '{user}' does not exist or one of its queried reference-property objects are not present."
            ),
        ));
    };
    let now = emu.now();
    {
        let mut state = emu.identity();
        let at = state.identities.entry(identity.id.clone()).or_default();
        at.sessions_revoked += 1;
        at.sessions_revoked_at = Some(now);
    }
    tracing::info!(user = %user, identity = %identity.id, client = %caller.client_id, "Sign-in sessions revoked.");
    let context = context(&headers, version, "Edm.Boolean");
    Ok(answer(StatusCode::OK, &context, json!({"value": true})))
}

/// The user ids of a `confirmCompromised` body, each a known user's object id.
fn check_confirm(emu: &Emulator, body: &Value) -> Result<ConfirmCompromisedRequest, ApiError> {
    let params = parameters(body, "confirmCompromised", &["userIds"])?;
    let ids = match params.get("userIds") {
        None | Some(Value::Null) => {
            return Err(invalid(
                "The parameter 'userIds' is required: the object ids of the users to confirm compromised.",
            ));
        }
        Some(Value::Array(ids)) if ids.is_empty() => {
            return Err(invalid(
                "The parameter 'userIds' must not be empty: name at least one user's object id.",
            ));
        }
        Some(Value::Array(ids)) => ids,
        Some(other) => {
            return Err(invalid(format!(
                "The parameter 'userIds' must be an array of user object ids, not {other}."
            )));
        }
    };
    let directory = current(emu);
    for (i, id) in ids.iter().enumerate() {
        let Some(id) = id.as_str().filter(|s| !s.trim().is_empty()) else {
            return Err(invalid(format!(
                "userIds[{i}] must be a user's object id (a non-empty string), not {id}."
            )));
        };
        if directory.by_object_id(id).is_none() {
            let hint = if directory.user(id).is_some() {
                " userIds takes object ids, not user principal names."
            } else {
                ""
            };
            return Err(invalid(format!(
                "userIds[{i}]: no user has the object id '{id}'; nothing was confirmed.{hint}"
            )));
        }
    }
    serde_json::from_value(body.clone()).map_err(|e| invalid(format!("Invalid request body: {e}")))
}

/// `POST /identityProtection/riskyUsers/confirmCompromised` (§5.3).
pub async fn risky_users_confirm(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    GraphJson(body): GraphJson<Value>,
) -> ApiResult {
    caller.require(Permission::IdentityRiskyUserReadWrite)?;
    let request = check_confirm(&emu, &body)?;
    let directory = current(&emu);
    let now = emu.now();
    let mut state = emu.identity();
    for id in &request.user_ids {
        if let Some(identity) = directory.by_object_id(id) {
            state.identities.entry(identity.id.clone()).or_default().compromised_at = Some(now);
        }
    }
    drop(state);
    tracing::info!(users = request.user_ids.len(), client = %caller.client_id, "Users confirmed compromised.");
    Ok(no_content())
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
