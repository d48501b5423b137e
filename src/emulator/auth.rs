//! The emulator's Entra side: clients and their roles, `POST /{tenant}/oauth2/v2.0/token`
//! (client credentials with a secret, HTTP Basic, or a JWT client assertion signed with a
//! registered certificate), and the bearer tokens the Graph routes accept.
//!
//! Tokens are opaque random strings kept server-side with their client, roles and expiry. The
//! tenant id is [`TENANT_ID`]. Token errors have Entra's shape (`error`, `error_description`
//! starting with an AADSTS code, `error_codes`, `timestamp`, `trace_id`, `correlation_id`), not
//! Graph's. An assertion (RS256 with `x5t`, or PS256 with `x5t#S256`) must be signed by one of the
//! client's certificates, name the client in `iss` and `sub`, carry as `aud` the token URL as the
//! client called it (`http://{host}/{tenant}/oauth2/v2.0/token`), and be within its `nbf`/`exp`
//! (60 s leeway).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::assertion::{self, CertKey};
use super::error::ApiError;
use crate::graph::models::{TokenErrorResponse, TokenResponse};

/// The emulator's tenant id.
pub const TENANT_ID: &str = "local";

/// The assertion type of the certificate form.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The Graph resources whose `/.default` scope is accepted besides the emulator's own URL.
const GRAPH_RESOURCES: &[&str] = &[
    "https://graph.microsoft.com",
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
];

/// A client application: how it authenticates and which application roles it holds. Built in,
/// or read from JSON (`{"clientId", "displayName", "secret", "certificates": [PEM],
/// "assertionAlgorithms"?: ["RS256"], "roles"}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Client {
    /// The application (client) id.
    pub client_id: String,
    /// The name comments are posted under; the client id when empty.
    #[serde(default)]
    pub display_name: String,
    /// The client secret, if it may use one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// PEM certificates whose keys may sign client assertions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<String>,
    /// The assertion algorithms accepted (`RS256`, `PS256`); empty: both. For tenants that
    /// take only one of them (reference §10: which one is unverified).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assertion_algorithms: Vec<String>,
    /// Application roles, e.g. `SecurityAlert.ReadWrite.All`.
    pub roles: Vec<String>,
}

impl Client {
    /// `graphsoar-local` / `local-secret`: every security role.
    pub fn local() -> Client {
        Client {
            client_id: "graphsoar-local".into(),
            display_name: "graphsoar (local)".into(),
            secret: Some("local-secret".into()),
            certificates: Vec::new(),
            assertion_algorithms: Vec::new(),
            roles: vec![
                "SecurityAlert.ReadWrite.All".into(),
                "SecurityIncident.ReadWrite.All".into(),
                "ThreatHunting.Read.All".into(),
            ],
        }
    }

    /// `graphsoar-reader` / `reader-secret`: read roles only.
    pub fn reader() -> Client {
        Client {
            client_id: "graphsoar-reader".into(),
            display_name: "graphsoar reader".into(),
            secret: Some("reader-secret".into()),
            certificates: Vec::new(),
            assertion_algorithms: Vec::new(),
            roles: vec![
                "SecurityAlert.Read.All".into(),
                "SecurityIncident.Read.All".into(),
                "ThreatHunting.Read.All".into(),
            ],
        }
    }

    /// The built-in clients.
    pub fn builtin() -> Vec<Client> {
        vec![Client::local(), Client::reader()]
    }
}

/// A client with its certificates parsed.
pub struct Registered {
    /// The client as configured.
    pub client: Client,
    certs: Vec<CertKey>,
}

impl std::fmt::Debug for Registered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registered")
            .field("client_id", &self.client.client_id)
            .field("certificates", &self.certs.len())
            .finish_non_exhaustive()
    }
}

impl Registered {
    /// Parses the client's certificates (RSA keys only, as Entra).
    pub fn new(client: Client) -> Result<Registered, String> {
        let certs = assertion::parse_certificates(&client)?;
        Ok(Registered { client, certs })
    }

    fn display_name(&self) -> &str {
        if self.client.display_name.is_empty() {
            &self.client.client_id
        } else {
            &self.client.display_name
        }
    }
}

/// Who is calling, from the bearer token.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The client id.
    pub client_id: String,
    /// The name comments and PATCHes are recorded under.
    pub display_name: String,
    /// The application roles.
    pub roles: Arc<Vec<String>>,
    expires: Instant,
}

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// List/get alerts.
    AlertRead,
    /// PATCH or comment on alerts.
    AlertWrite,
    /// List/get incidents.
    IncidentRead,
    /// PATCH or comment on incidents.
    IncidentWrite,
    /// runHuntingQuery.
    Hunting,
}

impl Caller {
    /// Ok when the caller holds a role that grants `permission`; else Graph's 403.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        let accepted: &[&str] = match permission {
            Permission::AlertRead => &["SecurityAlert.Read.All", "SecurityAlert.ReadWrite.All"],
            Permission::AlertWrite => &["SecurityAlert.ReadWrite.All"],
            Permission::IncidentRead => &["SecurityIncident.Read.All", "SecurityIncident.ReadWrite.All"],
            Permission::IncidentWrite => &["SecurityIncident.ReadWrite.All"],
            Permission::Hunting => &["ThreatHunting.Read.All"],
        };
        if self.roles.iter().any(|role| accepted.contains(&role.as_str())) {
            Ok(())
        } else {
            Err(ApiError::forbidden(&accepted.join(","), &self.roles))
        }
    }
}

/// The tokens issued and not yet expired.
#[derive(Debug, Default)]
pub struct Tokens {
    map: HashMap<String, Caller>,
}

impl Tokens {
    fn issue(&mut self, client: &Registered, lifetime: Duration) -> String {
        let now = Instant::now();
        self.map.retain(|_, caller| caller.expires > now);
        let token = format!("gse.{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        let caller = Caller {
            client_id: client.client.client_id.clone(),
            display_name: client.display_name().to_owned(),
            roles: Arc::new(client.client.roles.clone()),
            expires: now + lifetime,
        };
        self.map.insert(token.clone(), caller);
        token
    }

    /// The caller of `Authorization: Bearer <token>`, or Graph's 401.
    pub fn check(&self, authorization: Option<&str>) -> Result<Caller, ApiError> {
        let token = authorization
            .and_then(|value| {
                let (scheme, token) = value.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|token| !token.is_empty())
            .ok_or_else(|| ApiError::unauthorized("Access token is empty."))?;
        match self.map.get(token) {
            Some(caller) if caller.expires > Instant::now() => Ok(caller.clone()),
            Some(_) => Err(ApiError::unauthorized(
                "Lifetime validation failed, the token is expired.",
            )),
            None => Err(ApiError::unauthorized(
                "Access token validation failure: the token was not issued by this tenant.",
            )),
        }
    }
}

/// An Entra error response.
pub fn entra_error(status: StatusCode, error: &str, code: u32, description: &str) -> Response {
    let trace_id = uuid::Uuid::new_v4().to_string();
    let correlation_id = uuid::Uuid::new_v4().to_string();
    let timestamp = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
    let body = TokenErrorResponse {
        error: error.to_owned(),
        error_description: Some(format!(
            "AADSTS{code}: {description} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}"
        )),
        error_codes: vec![code],
        timestamp: Some(timestamp),
        trace_id: Some(trace_id),
        correlation_id: Some(correlation_id),
        error_uri: Some(format!("https://login.microsoftonline.com/error?code={code}")),
    };
    (status, Json(body)).into_response()
}

fn invalid_client(code: u32, description: &str) -> Response {
    entra_error(StatusCode::UNAUTHORIZED, "invalid_client", code, description)
}

fn invalid_request(code: u32, description: &str) -> Response {
    entra_error(StatusCode::BAD_REQUEST, "invalid_request", code, description)
}

/// What the token endpoint needs to answer.
pub struct TokenContext<'a> {
    /// The registered clients.
    pub clients: &'a [Registered],
    /// The issued tokens.
    pub tokens: &'a std::sync::Mutex<Tokens>,
    /// Token lifetime.
    pub lifetime: Duration,
    /// `http://{host}` as the client called it.
    pub origin: String,
}

/// `POST /{tenant}/oauth2/v2.0/token`.
pub fn token(context: &TokenContext<'_>, tenant: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    if tenant != TENANT_ID {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "invalid_tenant",
            90002,
            &format!("Tenant '{tenant}' not found. This emulator's tenant is '{TENANT_ID}'."),
        );
    }
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return invalid_request(
            900144,
            "The request body must contain the following parameter: 'grant_type'. Send the parameters as \
             application/x-www-form-urlencoded.",
        );
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let param = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let Some(grant) = param("grant_type") else {
        return invalid_request(
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
        );
    };
    if grant != "client_credentials" {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{grant}'."),
        );
    }
    let basic = basic_credentials(headers);
    let Some(client_id) = param("client_id").or(basic.as_ref().map(|(id, _)| id.as_str())) else {
        return invalid_request(
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    let Some(scope) = param("scope") else {
        return invalid_request(
            900144,
            "The request body must contain the following parameter: 'scope'.",
        );
    };
    if !scope_ok(scope, &context.origin) {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            70011,
            &format!(
                "The provided value for scope {scope} is not valid. Client credential flows must have a scope value \
                 with /.default suffixed to the resource identifier (application ID URI), e.g. \
                 https://graph.microsoft.com/.default."
            ),
        );
    }
    let Some(client) = context.clients.iter().find(|c| c.client.client_id == client_id) else {
        return invalid_client(
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory '{TENANT_ID}'."),
        );
    };
    let secret = param("client_secret").or(basic.as_ref().map(|(_, secret)| secret.as_str()));
    let outcome = match (secret, param("client_assertion_type"), param("client_assertion")) {
        (Some(secret), None, None) => match &client.client.secret {
            Some(expected) if expected == secret => Ok(()),
            _ => Err((
                7000215,
                format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret \
                     value, not the client secret ID, for a secret added to app '{client_id}'."
                ),
            )),
        },
        (None, Some(JWT_BEARER), Some(assertion)) => {
            let audience = format!("{}/{tenant}/oauth2/v2.0/token", context.origin);
            assertion::verify(&client.client, &client.certs, assertion, &audience)
        }
        (None, Some(other), _) => Err((
            50027,
            format!("The client_assertion_type '{other}' is not supported; use {JWT_BEARER}."),
        )),
        (Some(_), _, _) => Err((
            50027,
            "Send either a client_secret or a client_assertion, not both.".to_owned(),
        )),
        _ => Err((
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.".to_owned(),
        )),
    };
    if let Err((code, description)) = outcome {
        return invalid_client(code, &description);
    }
    let token = super::lock(context.tokens).issue(client, context.lifetime);
    let seconds = context.lifetime.as_secs();
    Json(TokenResponse::bearer(token, seconds)).into_response()
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some((unescape(id), unescape(secret)))
}

fn scope_ok(scope: &str, origin: &str) -> bool {
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    let [only] = scopes.as_slice() else { return false };
    let Some(resource) = only.strip_suffix("/.default") else {
        return false;
    };
    let resource = resource.trim_end_matches('/');
    GRAPH_RESOURCES.contains(&resource) || resource.eq_ignore_ascii_case(origin)
}
