//! The emulator's Entra side: clients and their roles, `POST /{tenant}/oauth2/v2.0/token`
//! (client credentials with a secret, HTTP Basic, or a JWT client assertion signed with a
//! registered certificate), and the bearer tokens the Graph and Defender for Endpoint routes
//! accept.
//!
//! A token is for one API, the resource of its scope: `{r}/.default` for a Graph resource (or the
//! emulator's own URL, which graphsoar's client sends for an overridden `graph_url`) gives a Graph
//! token, for one of [`DEFENDER_RESOURCES`] a Defender for Endpoint token whose `aud` is that
//! resource (response-actions-api.md §1.2, §10 item 8). Its `roles` carry only the client's roles
//! of that API ([`Permission::resource`]): Defender roles in Defender tokens, Graph roles and names
//! graphsoar does not know in Graph tokens. Each API refuses the other's tokens (401).
//!
//! Access tokens are JWTs with the claims of an Entra v1.0 app-only token ([`AccessClaims`]:
//! `aud`, `iss`, `tid`, `appid`/`azp`, `roles`, `iat`/`nbf`/`exp`, `oid`, `idtyp: app`,
//! `ver: 1.0`), so a client can read its roles from the token as it would from Entra's. Entra
//! signs with RS256 and publishes its keys at its JWKS endpoint; the emulator signs with HS256
//! and a random key of its own, drawn when it starts and never shown (`jsonwebtoken` verifies RSA
//! but cannot generate an RSA key, and nobody but the emulator has to verify its tokens). The
//! Graph routes verify the signature, then look the token's `uti` up in the table of tokens
//! issued, which holds the exact expiry (lifetimes may be shorter than `exp`'s whole seconds in
//! tests). The tenant id is [`TENANT_ID`]. Token errors have Entra's shape (`error`, `error_description`
//! starting with an AADSTS code, `error_codes`, `timestamp`, `trace_id`, `correlation_id`), not
//! Graph's. An assertion (RS256 with `x5t`, or PS256 with `x5t#S256`) must be signed by one of the
//! client's certificates, name the client in `iss` and `sub`, carry as `aud` the token URL as the
//! client called it (`http://{host}/{tenant}/oauth2/v2.0/token`), and be within its `nbf`/`exp`
//! (60 s leeway).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use sha2::Digest as _;

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::assertion::{self, CertKey};
use super::error::ApiError;
use crate::graph::models::defender::DEFENDER_RESOURCES;
use crate::graph::models::{TokenErrorResponse, TokenResponse};
use crate::graph::{Permission, Resource};

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
    /// `graphsoar-local` / `local-secret`: every security role, Graph's (alerts, incidents,
    /// hunting, identity accounts and actions, session revocation, risky users, email
    /// remediation; response-actions-api.md §5, §6) and Defender for Endpoint's (machines and
    /// every machine action, all indicators).
    pub fn local() -> Client {
        Client {
            client_id: "graphsoar-local".into(),
            display_name: "graphsoar (local)".into(),
            secret: Some("local-secret".into()),
            certificates: Vec::new(),
            assertion_algorithms: Vec::new(),
            roles: [
                Permission::SecurityAlertReadWrite,
                Permission::SecurityIncidentReadWrite,
                Permission::ThreatHuntingRead,
                Permission::SecurityIdentitiesActionsReadWrite,
                Permission::SecurityAnalyzedMessageReadWrite,
                Permission::SecurityIdentitiesAccountRead,
                Permission::UserRevokeSessions,
                Permission::IdentityRiskyUserReadWrite,
                Permission::MachineReadWrite,
                Permission::MachineIsolate,
                Permission::MachineScan,
                Permission::MachineRestrictExecution,
                Permission::MachineCollectForensics,
                Permission::MachineStopAndQuarantine,
                Permission::TiReadWriteAll,
            ]
            .iter()
            .map(|p| p.name().to_owned())
            .collect(),
        }
    }

    /// `graphsoar-reader` / `reader-secret`: read roles only (alerts, incidents, hunting,
    /// identity accounts (§5.1), and Defender for Endpoint's machines and machine actions).
    pub fn reader() -> Client {
        Client {
            client_id: "graphsoar-reader".into(),
            display_name: "graphsoar reader".into(),
            secret: Some("reader-secret".into()),
            certificates: Vec::new(),
            assertion_algorithms: Vec::new(),
            roles: [
                Permission::SecurityAlertRead,
                Permission::SecurityIncidentRead,
                Permission::ThreatHuntingRead,
                Permission::SecurityIdentitiesAccountRead,
                Permission::MachineRead,
            ]
            .iter()
            .map(|p| p.name().to_owned())
            .collect(),
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
    /// The application roles (those of the token's API only).
    pub roles: Arc<Vec<String>>,
    /// The token's `aud`: the resource it was requested for.
    pub audience: String,
    /// The API the token is for (from its audience).
    pub api: Resource,
}

impl Caller {
    /// Ok when the caller holds a role that grants `permission`; else Graph's 403.
    /// The roles that grant a permission are graphsoar's own table ([`Permission::granted_by`]),
    /// so `doctor` and the emulator agree on it.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if permission.is_granted(&self.roles) {
            Ok(())
        } else {
            let accepted: Vec<&str> = permission.granted_by().iter().map(|p| p.name()).collect();
            Err(ApiError::forbidden(&accepted.join(","), &self.roles))
        }
    }
}

/// The claims of an access token the emulator issues: those of an Entra v1.0 app-only token
/// for a client-credentials grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The resource of the requested scope, such as `https://graph.microsoft.com` (or the
    /// emulator's own URL).
    pub aud: String,
    /// `https://sts.windows.net/{tid}/`, as in Entra's v1.0 tokens.
    pub iss: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expires (rounded up to the second: the emulator's table holds the exact instant).
    pub exp: i64,
    /// The client (application) id.
    pub appid: String,
    /// The client id again, under the name v2.0 tokens use.
    pub azp: String,
    /// The client's display name.
    pub app_displayname: String,
    /// `app`: an app-only token.
    pub idtyp: String,
    /// The object id of the client's service principal (stable per client id).
    pub oid: String,
    /// The application roles granted (and admin-consented) to the client.
    pub roles: Vec<String>,
    /// The service principal again, as Entra sets `sub` for app-only tokens.
    pub sub: String,
    /// The tenant id.
    pub tid: String,
    /// A unique token id.
    pub uti: String,
    /// `1.0`.
    pub ver: String,
}

impl AccessClaims {
    /// The claims of a token for `client`, for the resource `audience`, issued `now` and living
    /// `lifetime`.
    fn new(client: &Registered, audience: &str, now: chrono::DateTime<chrono::Utc>, lifetime: Duration) -> Self {
        let iat = now.timestamp();
        let end = now + chrono::TimeDelta::from_std(lifetime).unwrap_or(chrono::TimeDelta::hours(1));
        let exp = end.timestamp() + i64::from(end.timestamp_subsec_nanos() > 0);
        let oid = service_principal_id(&client.client.client_id);
        AccessClaims {
            aud: audience.to_owned(),
            iss: format!("https://sts.windows.net/{TENANT_ID}/"),
            iat,
            nbf: iat,
            exp,
            appid: client.client.client_id.clone(),
            azp: client.client.client_id.clone(),
            app_displayname: client.display_name().to_owned(),
            idtyp: "app".to_owned(),
            oid: oid.clone(),
            roles: roles_for(&client.client.roles, api_of(audience)),
            sub: oid,
            tid: TENANT_ID.to_owned(),
            uti: uuid::Uuid::new_v4().simple().to_string(),
            ver: "1.0".to_owned(),
        }
    }
}

/// The API a token for the resource `audience` is for: Defender for Endpoint for one of
/// [`DEFENDER_RESOURCES`], Graph for any other (a Graph resource or the emulator's own URL).
pub fn api_of(audience: &str) -> Resource {
    if DEFENDER_RESOURCES.iter().any(|r| r.eq_ignore_ascii_case(audience)) {
        Resource::Defender
    } else {
        Resource::Graph
    }
}

/// The roles of `roles` a token for `api` carries: those of the API's permissions; names
/// graphsoar does not know go with Graph (as a Graph app registration would hold them).
fn roles_for(roles: &[String], api: Resource) -> Vec<String> {
    roles
        .iter()
        .filter(|role| Permission::from_name(role).map_or(Resource::Graph, Permission::resource) == api)
        .cloned()
        .collect()
}

/// A stable object id for the service principal of `client_id` (the first 16 bytes of a
/// SHA-256 of it, as a UUID).
fn service_principal_id(client_id: &str) -> String {
    let digest = sha2::Sha256::digest(format!("graphsoar-emulator-service-principal:{client_id}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Uuid::from_bytes(bytes).to_string()
}

/// The signing key and the tokens issued and not yet expired (by `uti`).
#[derive(Debug)]
pub struct Tokens {
    key: SigningKey,
    issued: HashMap<String, Instant>,
}

/// The emulator's HS256 key: 256 random bits, never printed.
struct SigningKey(Vec<u8>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

impl Default for Tokens {
    /// A new random key (from two v4 UUIDs: the operating system's CSPRNG) and no tokens.
    fn default() -> Self {
        let key = [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()]
            .iter()
            .flat_map(|u| u.as_bytes().to_vec())
            .collect();
        Tokens {
            key: SigningKey(key),
            issued: HashMap::new(),
        }
    }
}

impl Tokens {
    /// A signed access token for `client` and the resource `audience`.
    fn issue(&mut self, client: &Registered, audience: &str, lifetime: Duration) -> Result<String, String> {
        let now = Instant::now();
        self.issued.retain(|_, expires| *expires > now);
        let claims = AccessClaims::new(client, audience, chrono::Utc::now(), lifetime);
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some("JWT".to_owned());
        let token = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&self.key.0))
            .map_err(|e| format!("cannot sign the access token: {e}"))?;
        self.issued.insert(claims.uti, now + lifetime);
        Ok(token)
    }

    /// The caller of `Authorization: Bearer <token>`, or Graph's 401: the signature must be
    /// the emulator's, and the token issued and not expired.
    pub fn check(&self, authorization: Option<&str>) -> Result<Caller, ApiError> {
        let token = authorization
            .and_then(|value| {
                let (scheme, token) = value.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|token| !token.is_empty())
            .ok_or_else(|| ApiError::unauthorized("Access token is empty."))?;
        let expired = || ApiError::unauthorized("Lifetime validation failed, the token is expired.");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_aud = false;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "nbf", "aud"]);
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &DecodingKey::from_secret(&self.key.0), &validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => expired(),
                _ => {
                    ApiError::unauthorized("Access token validation failure: the token was not issued by this tenant.")
                }
            })?
            .claims;
        // Signed here, so issued here: a token missing from the table expired and was dropped.
        match self.issued.get(&claims.uti) {
            Some(expires) if *expires > Instant::now() => Ok(Caller {
                client_id: claims.appid,
                display_name: claims.app_displayname,
                roles: Arc::new(claims.roles),
                api: api_of(&claims.aud),
                audience: claims.aud,
            }),
            _ => Err(expired()),
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
    let Some(audience) = scope_resource(scope, &context.origin) else {
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
    };
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
    let issued = super::lock(context.tokens).issue(client, &audience, context.lifetime);
    let token = match issued {
        Ok(token) => token,
        Err(message) => {
            tracing::error!(error = %message, "Cannot issue an access token.");
            return entra_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                90033,
                "The token could not be issued; try again.",
            );
        }
    };
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

/// The resource of a client-credentials scope (`{resource}/.default`, one resource only): a
/// Graph resource, the emulator's own origin (a Graph token), or a Defender for Endpoint
/// resource (§1.2); None for any other scope.
fn scope_resource(scope: &str, origin: &str) -> Option<String> {
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    let [only] = scopes.as_slice() else { return None };
    let resource = only.strip_suffix("/.default")?.trim_end_matches('/');
    let known = GRAPH_RESOURCES.contains(&resource)
        || DEFENDER_RESOURCES.contains(&resource)
        || resource.eq_ignore_ascii_case(origin);
    known.then(|| resource.to_owned())
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::Value;

    use super::*;

    /// The JSON of a JWT's header or payload (`part` 0 or 1), read without verifying.
    fn part(token: &str, part: usize) -> Value {
        let segment = token.split('.').nth(part).expect("three segments");
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).expect("base64url")).expect("JSON")
    }

    fn reader() -> Registered {
        Registered::new(Client::reader()).unwrap()
    }

    #[test]
    fn tokens_are_jwts_with_entras_app_only_claims() {
        let mut tokens = Tokens::default();
        let before = chrono::Utc::now().timestamp();
        let token = tokens
            .issue(&reader(), "https://graph.microsoft.com", Duration::from_secs(600))
            .unwrap();
        let header = part(&token, 0);
        assert_eq!(
            (header["typ"].as_str(), header["alg"].as_str()),
            (Some("JWT"), Some("HS256"))
        );
        let claims = part(&token, 1);
        assert_eq!(claims["aud"], "https://graph.microsoft.com");
        assert_eq!(claims["iss"], "https://sts.windows.net/local/");
        assert_eq!(claims["tid"], TENANT_ID);
        assert_eq!(claims["appid"], "graphsoar-reader");
        assert_eq!(claims["azp"], "graphsoar-reader");
        assert_eq!(claims["idtyp"], "app");
        assert_eq!(claims["ver"], "1.0");
        assert_eq!(
            claims["roles"],
            serde_json::json!([
                "SecurityAlert.Read.All",
                "SecurityIncident.Read.All",
                "ThreatHunting.Read.All",
                "SecurityIdentitiesAccount.Read.All"
            ])
        );
        let (iat, nbf, exp) = (
            claims["iat"].as_i64().unwrap(),
            claims["nbf"].as_i64().unwrap(),
            claims["exp"].as_i64().unwrap(),
        );
        assert!(iat >= before && nbf == iat, "{claims:#}");
        assert!((600..=601).contains(&(exp - iat)), "{claims:#}");
        // The same client is the same service principal; another is another.
        let again = part(
            &tokens
                .issue(&reader(), "https://graph.microsoft.com", Duration::from_secs(1))
                .unwrap(),
            1,
        );
        assert_eq!(again["oid"], claims["oid"]);
        assert_ne!(again["uti"], claims["uti"]);
        let local = Registered::new(Client::local()).unwrap();
        let other = part(
            &tokens
                .issue(&local, "http://127.0.0.1:1", Duration::from_secs(1))
                .unwrap(),
            1,
        );
        assert_ne!(other["oid"], claims["oid"]);
        assert_eq!(other["aud"], "http://127.0.0.1:1");
        // The routes see the client and roles the token carries.
        let caller = tokens.check(Some(&format!("Bearer {token}"))).unwrap();
        assert_eq!(caller.client_id, "graphsoar-reader");
        assert_eq!(caller.display_name, "graphsoar reader");
        assert_eq!(caller.roles.len(), 4);
    }

    #[test]
    fn forged_foreign_and_expired_tokens_are_refused() {
        let mut tokens = Tokens::default();
        let token = tokens
            .issue(&reader(), "https://graph.microsoft.com", Duration::from_secs(600))
            .unwrap();
        // More roles, same signature: refused.
        let mut claims = part(&token, 1);
        claims["roles"] = serde_json::json!(["SecurityAlert.ReadWrite.All"]);
        let segments: Vec<&str> = token.split('.').collect();
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        let forged = format!("{}.{payload}.{}", segments[0], segments[2]);
        let refused = |tokens: &Tokens, t: &str| tokens.check(Some(&format!("Bearer {t}"))).unwrap_err().to_string();
        assert!(
            refused(&tokens, &forged).contains("not issued by this tenant"),
            "{}",
            refused(&tokens, &forged)
        );
        // Signed by another emulator: refused.
        let foreign = Tokens::default()
            .issue(&reader(), "https://graph.microsoft.com", Duration::from_secs(600))
            .unwrap();
        assert!(refused(&tokens, &foreign).contains("not issued by this tenant"));
        assert!(refused(&tokens, "gse.not-a-jwt").contains("not issued by this tenant"));
        // Expired (the table's instant, finer than `exp`): refused as expired.
        let short = tokens
            .issue(&reader(), "https://graph.microsoft.com", Duration::from_millis(20))
            .unwrap();
        assert!(tokens.check(Some(&format!("Bearer {short}"))).is_ok());
        std::thread::sleep(Duration::from_millis(40));
        assert!(
            refused(&tokens, &short).contains("expired"),
            "{}",
            refused(&tokens, &short)
        );
    }

    #[test]
    fn the_audience_is_the_resource_of_the_scope() {
        let origin = "http://127.0.0.1:8080";
        let resource = |scope: &str| scope_resource(scope, origin);
        assert_eq!(
            resource("https://graph.microsoft.com/.default").as_deref(),
            Some("https://graph.microsoft.com")
        );
        assert_eq!(
            resource("http://127.0.0.1:8080//.default").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        for defender in DEFENDER_RESOURCES {
            assert_eq!(resource(&format!("{defender}/.default")).as_deref(), Some(*defender));
        }
        assert_eq!(
            resource("https://api.securitycenter.microsoft.com/Machine.Isolate"),
            None
        );
        assert_eq!(resource("https://graph.microsoft.com/SecurityAlert.Read.All"), None);
        assert_eq!(resource("https://example.com/.default"), None);
        assert_eq!(
            resource("https://graph.microsoft.com/.default https://graph.microsoft.us/.default"),
            None
        );
    }

    #[test]
    fn a_token_carries_only_the_roles_of_its_api() {
        let mut tokens = Tokens::default();
        let mut client = Client::local();
        client.roles.push("Custom.Unknown.Role".into());
        let local = Registered::new(client).unwrap();
        let defender = part(
            &tokens
                .issue(&local, DEFENDER_RESOURCES[0], Duration::from_secs(60))
                .unwrap(),
            1,
        );
        assert_eq!(defender["aud"], DEFENDER_RESOURCES[0]);
        let roles: Vec<&str> = defender["roles"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            roles,
            [
                "Machine.ReadWrite.All",
                "Machine.Isolate",
                "Machine.Scan",
                "Machine.RestrictExecution",
                "Machine.CollectForensics",
                "Machine.StopAndQuarantine",
                "Ti.ReadWrite.All"
            ]
        );
        let graph = tokens
            .issue(&local, "https://graph.microsoft.com", Duration::from_secs(60))
            .unwrap();
        let claims = part(&graph, 1);
        let roles: Vec<&str> = claims["roles"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            roles,
            [
                "SecurityAlert.ReadWrite.All",
                "SecurityIncident.ReadWrite.All",
                "ThreatHunting.Read.All",
                "SecurityIdentitiesActions.ReadWrite.All",
                "SecurityAnalyzedMessage.ReadWrite.All",
                "SecurityIdentitiesAccount.Read.All",
                "User.RevokeSessions.All",
                "IdentityRiskyUser.ReadWrite.All",
                "Custom.Unknown.Role"
            ]
        );
        let caller = tokens.check(Some(&format!("Bearer {graph}"))).unwrap();
        assert_eq!(
            (caller.api, caller.audience.as_str()),
            (Resource::Graph, "https://graph.microsoft.com")
        );
        // The reader's Defender token holds its one Defender role.
        let reader = tokens
            .issue(&reader(), "https://api.security.microsoft.com", Duration::from_secs(60))
            .unwrap();
        let caller = tokens.check(Some(&format!("Bearer {reader}"))).unwrap();
        assert_eq!(caller.api, Resource::Defender);
        assert_eq!(caller.roles.as_slice(), ["Machine.Read.All"]);
    }
}
