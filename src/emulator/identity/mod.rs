//! Graph's identity and email response actions on the emulator (response-actions-api.md §5, §6,
//! checklist §10 item 7), under `/v1.0` and `/beta` like the other Graph routes (so also inside
//! `$batch`), with Graph's error envelope, permissions checked by [`Caller::require`]:
//!
//! - `GET /security/identities/identityAccounts` (`$filter`, `$select`, `$top`, `$count`, paging)
//!   and `GET …/identityAccounts/{id}`: SecurityIdentitiesAccount.Read.All ([`accounts`], §5.1).
//! - `POST …/identityAccounts/{id}/invokeAction`: SecurityIdentitiesActions.ReadWrite.All
//!   ([`accounts`], §5.2).
//! - `POST /users/{id or UPN}/revokeSignInSessions`: User.RevokeSessions.All, and
//!   `POST /identityProtection/riskyUsers/confirmCompromised`: IdentityRiskyUser.ReadWrite.All
//!   ([`entra`], §5.3).
//! - `POST /security/collaboration/analyzedEmails/remediate`: SecurityAnalyzedMessage.ReadWrite.All
//!   ([`remediate`], §6.1).
//!
//! Fault route names ([`ROUTE_NAMES`]): `identities` (list and get), `identity_action`,
//! `revoke_sessions`, `confirm_compromised`, `remediate`.
//!
//! The identities and the known messages are derived from the store ([`directory`]): one identity
//! per user of the alerts' user evidence, the messages of `analyzedMessageEvidence` and of the
//! `EmailEvents` table. What the actions change (enabled, password resets, session revocations,
//! compromise, remediations) lives in [`State`], keyed by the identities' stable ids, beside the
//! store; `/_emulator/reset` clears it and `GET /_emulator/identity` shows it ([`inspect`]).
//! Nothing here changes the Graph store.

pub mod accounts;
pub mod directory;
pub mod entra;
pub mod remediate;

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use self::directory::Directory;
use self::remediate::Remediation;
use super::Emulator;
#[cfg(doc)]
use super::auth::Caller;
use super::error::ApiError;
use super::handlers::{ApiVersion, json_bytes};

/// The fault route names of these routes (see [`super::faults`]).
pub const ROUTE_NAMES: &[&str] = &[
    "identities",
    "identity_action",
    "revoke_sessions",
    "confirm_compromised",
    "remediate",
];

/// The fault route name of a Graph path (after `/v1.0` or `/beta`).
pub fn route_name(rest: &str) -> Option<&'static str> {
    Some(match rest {
        "/security/identities/identityAccounts" | "/security/identities/identityAccounts/{id}" => "identities",
        "/security/identities/identityAccounts/{id}/invokeAction"
        | "/security/identities/identityAccounts/{id}/microsoft.graph.security.invokeAction" => "identity_action",
        "/users/{id}/revokeSignInSessions" => "revoke_sessions",
        "/identityProtection/riskyUsers/confirmCompromised" => "confirm_compromised",
        "/security/collaboration/analyzedEmails/remediate"
        | "/security/collaboration/analyzedEmails/microsoft.graph.security.remediate" => "remediate",
        _ => return None,
    })
}

/// What the actions did to one identity.
#[derive(Debug, Clone, Default)]
pub struct IdentityState {
    /// Set by `disable` / `enable`; none: enabled, as every identity starts.
    pub enabled: Option<bool>,
    /// `forcePasswordReset` calls.
    pub password_resets: u32,
    /// `revokeSignInSessions` calls (and `revokeAllSessions` / `requireUserToSignInAgain`).
    pub sessions_revoked: u32,
    /// When sessions were last revoked (`signInSessionsValidFromDateTime`, §5.3).
    pub sessions_revoked_at: Option<DateTime<Utc>>,
    /// When the user was confirmed compromised (risk level high, §5.3).
    pub compromised_at: Option<DateTime<Utc>>,
}

impl IdentityState {
    /// `isEnabled` now.
    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }
}

/// The identity side's state.
#[derive(Debug, Default)]
pub struct State {
    /// By identity id.
    pub identities: HashMap<String, IdentityState>,
    /// Every remediation, oldest first.
    pub remediations: Vec<Remediation>,
    /// The destination each message (lowercased `(networkMessageId, recipient)`) was last
    /// remediated to (an action name).
    pub destinations: HashMap<(String, String), String>,
    directory: Option<Arc<Directory>>,
    /// Bumped by [`invalidate`]: a directory derived before it is not kept.
    generation: u64,
}

impl State {
    /// The state of identity `id` (all defaults until an action changes it).
    pub fn of(&self, id: &str) -> IdentityState {
        self.identities.get(id).cloned().unwrap_or_default()
    }
}

impl Emulator {
    /// The identity side's state, locked (never while waiting for the store's lock).
    pub(crate) fn identity(&self) -> std::sync::MutexGuard<'_, State> {
        super::lock(&self.inner.identity)
    }
}

/// The identities and messages of the tenant now, derived again after a load or a reset.
pub fn current(emu: &Emulator) -> Arc<Directory> {
    let generation = {
        let state = emu.identity();
        if let Some(directory) = &state.directory {
            return directory.clone();
        }
        state.generation
    };
    let directory = Arc::new(Directory::from_store(&emu.read()));
    let mut state = emu.identity();
    if state.generation == generation {
        state.directory = Some(directory.clone());
    }
    directory
}

/// Forgets the derived directory (after `/_emulator/load`); the actions' state is kept.
pub fn invalidate(emu: &Emulator) {
    let mut state = emu.identity();
    state.directory = None;
    state.generation += 1;
}

/// Forgets every action's effect and every remediation (`/_emulator/reset`).
pub fn reset(emu: &Emulator) {
    let mut state = emu.identity();
    let generation = state.generation + 1;
    *state = State {
        generation,
        ..State::default()
    };
}

/// The state as `GET /_emulator/identity` shows it: `{"identities": [{"id", "displayName",
/// "onPremisesSecurityIdentifier", "userPrincipalName", "azureAdUserId", "isEnabled",
/// "passwordResets", "sessionsRevoked", "sessionsRevokedDateTime", "compromised", "riskLevel"}],
/// "remediations": [{"bulkId", "action", "displayName", "severity", "remediateSendersCopy",
/// "createdDateTime", "createdBy", "status", "messages": [{"networkMessageId",
/// "recipientEmailAddress", "status"}]}]}`, identities by id, remediations oldest first.
pub fn inspect(emu: &Emulator) -> Value {
    let directory = current(emu);
    let state = emu.identity();
    let identities: Vec<Value> = directory
        .iter()
        .map(|identity| {
            let at = state.of(&identity.id);
            json!({
                "id": identity.id,
                "displayName": identity.display_name,
                "onPremisesSecurityIdentifier": identity.sid,
                "userPrincipalName": identity.upn,
                "azureAdUserId": identity.object_id,
                "isEnabled": at.is_enabled(),
                "passwordResets": at.password_resets,
                "sessionsRevoked": at.sessions_revoked,
                "sessionsRevokedDateTime": at.sessions_revoked_at.map(|t| crate::time::format_rfc3339(&t)),
                "compromised": at.compromised_at.is_some(),
                "riskLevel": if at.compromised_at.is_some() { "high" } else { "none" },
            })
        })
        .collect();
    let remediations: Vec<Value> = state.remediations.iter().map(Remediation::json).collect();
    json!({"identities": identities, "remediations": remediations})
}

/// 400 `invalidRequest`: a body the action refuses, the message naming the field and what is
/// wrong. (Which code Graph uses for these actions is not documented.)
pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalidRequest", message)
}

/// `{origin}/{version}/$metadata#{fragment}`.
pub(crate) fn context(headers: &HeaderMap, version: ApiVersion, fragment: &str) -> String {
    format!(
        "{}/{}/$metadata#{fragment}",
        super::handlers::origin(headers),
        version.segment()
    )
}

/// A Graph JSON answer: `body` (an object) with `@odata.context` first.
pub(crate) fn answer(status: StatusCode, context: &str, body: Value) -> Response {
    let mut object = Map::new();
    object.insert("@odata.context".into(), Value::String(context.to_owned()));
    if let Value::Object(fields) = body {
        object.extend(fields);
    }
    json_bytes(
        status,
        Bytes::from(serde_json::to_vec(&Value::Object(object)).unwrap_or_default()),
    )
}

/// The body as a JSON object, each key one of `allowed` (else Graph's 400 for an unknown
/// parameter of `operation`).
pub(crate) fn parameters<'b>(
    body: &'b Value,
    operation: &str,
    allowed: &[&str],
) -> Result<&'b Map<String, Value>, ApiError> {
    let listed = if allowed.is_empty() {
        "it takes none".to_owned()
    } else {
        format!("its parameters are {}", allowed.join(", "))
    };
    let Value::Object(params) = body else {
        return Err(invalid(format!(
            "The request body of '{operation}' must be a JSON object of its parameters ({listed})."
        )));
    };
    if let Some(key) = params.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(invalid(format!(
            "The parameter '{key}' in the request payload is not a valid parameter for the operation '{operation}'; \
             {listed}."
        )));
    }
    Ok(params)
}

/// The string parameter `name`: present, a string and not blank.
pub(crate) fn required_text<'p>(params: &'p Map<String, Value>, name: &str, what: &str) -> Result<&'p str, ApiError> {
    match params.get(name) {
        Some(Value::String(text)) if !text.trim().is_empty() => Ok(text),
        Some(Value::String(_)) => Err(invalid(format!("The parameter '{name}' must not be empty: {what}."))),
        None | Some(Value::Null) => Err(invalid(format!("The parameter '{name}' is required: {what}."))),
        Some(other) => Err(invalid(format!(
            "The parameter '{name}' must be a string ({what}), not {other}."
        ))),
    }
}

/// `value`, a member of the enum `type_name`, or a 400 naming `field`, the members, and the
/// right spelling when only the case is wrong (enum members are case-sensitive).
pub(crate) fn member<'m>(field: &str, value: &str, type_name: &str, members: &[&'m str]) -> Result<&'m str, ApiError> {
    if let Some(found) = members.iter().find(|m| **m == value) {
        return Ok(found);
    }
    let hint = members
        .iter()
        .find(|m| m.eq_ignore_ascii_case(value))
        .map(|m| format!(" (members are case-sensitive: did you mean '{m}'?)"))
        .unwrap_or_default();
    Err(invalid(format!(
        "The parameter '{field}': '{value}' is not a member of {type_name}{hint}; expected one of {}.",
        members.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_a_fault_name_the_spec_accepts() {
        for route in [
            "/security/identities/identityAccounts",
            "/security/identities/identityAccounts/{id}",
            "/security/identities/identityAccounts/{id}/invokeAction",
            "/users/{id}/revokeSignInSessions",
            "/identityProtection/riskyUsers/confirmCompromised",
            "/security/collaboration/analyzedEmails/remediate",
        ] {
            let name = route_name(route).unwrap_or_else(|| panic!("{route}"));
            assert!(ROUTE_NAMES.contains(&name), "{route}");
            assert!(super::super::faults::ROUTES.contains(&name), "{name}");
        }
        assert_eq!(route_name("/security/alerts_v2"), None);
    }

    #[test]
    fn enum_members_are_exact_with_a_hint_for_the_case() {
        let members = ["activeDirectory", "entraID"];
        assert_eq!(member("identityProvider", "entraID", "x", &members), Ok("entraID"));
        let wrong = member(
            "identityProvider",
            "ActiveDirectory",
            "security.identityProvider",
            &members,
        )
        .unwrap_err()
        .message;
        assert!(wrong.contains("did you mean 'activeDirectory'"), "{wrong}");
        let unknown = member("identityProvider", "ldap", "security.identityProvider", &members)
            .unwrap_err()
            .message;
        assert!(
            unknown.contains("'ldap' is not a member") && unknown.contains("activeDirectory, entraID"),
            "{unknown}"
        );
    }
}
