//! OAuth2 client credentials (app-only) against Entra ID: a client secret or a certificate
//! (a signed JWT client assertion, RS256 with `x5t` or PS256 with `x5t#S256`). The token is
//! cached, renewed ahead of expiry, refreshed by one task at a time, and renewed once after a
//! 401. Secrets never appear in `Debug`, logs or errors.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use sha1::Digest as _;
use tokio::sync::Mutex;
use url::Url;

use super::error::{ApiError, Error, TransportKind};
use super::models::{TokenErrorResponse, TokenResponse};
use crate::clock::Clock;

/// Renew this long before the token expires (at most; a fifth of a shorter lifetime).
const RENEW_AHEAD: Duration = Duration::from_secs(300);

/// The JWT algorithm of a client assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AssertionAlgorithm {
    /// PS256 with the SHA-256 thumbprint (`x5t#S256`): what Entra recommends.
    #[default]
    Ps256,
    /// RS256 with the SHA-1 thumbprint (`x5t`): the older form every SDK supports.
    Rs256,
}

/// How the client proves who it is.
#[derive(Clone)]
pub enum Credentials {
    Secret(String),
    Certificate(Box<Certificate>),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Secret(_) => f.write_str("Secret(<redacted>)"),
            Credentials::Certificate(c) => f.debug_tuple("Certificate").field(c).finish(),
        }
    }
}

/// A client certificate with its private key.
#[derive(Clone)]
pub struct Certificate {
    key: EncodingKey,
    pub sha1_thumbprint: [u8; 20],
    pub sha256_thumbprint: [u8; 32],
    pub not_after: DateTime<Utc>,
    pub algorithm: AssertionAlgorithm,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("sha1_thumbprint", &hex(&self.sha1_thumbprint))
            .field("not_after", &self.not_after)
            .field("algorithm", &self.algorithm)
            .field("key", &"<redacted>")
            .finish()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

impl Certificate {
    /// Reads a PEM holding the certificate and its RSA private key (PKCS#8 or PKCS#1).
    pub fn from_pem(pem: &str, algorithm: AssertionAlgorithm) -> Result<Certificate, Error> {
        let mut cert_der = None;
        let mut key_pem = None;
        for block in pem_blocks(pem) {
            match block.0.as_str() {
                "CERTIFICATE" if cert_der.is_none() => cert_der = Some(block.1),
                "PRIVATE KEY" | "RSA PRIVATE KEY" => key_pem = Some(block.2),
                _ => {}
            }
        }
        let der = cert_der.ok_or_else(|| Error::Config("the certificate file has no CERTIFICATE block".into()))?;
        let key_pem = key_pem.ok_or_else(|| {
            Error::Config(
                "the certificate file has no PRIVATE KEY block: put the certificate and its key in one PEM".into(),
            )
        })?;
        let key = EncodingKey::from_rsa_pem(key_pem.as_bytes()).map_err(|e| {
            Error::Config(format!(
                "the certificate's private key is not an RSA key Entra accepts: {e}"
            ))
        })?;
        let (_, cert) = x509_parser::parse_x509_certificate(&der)
            .map_err(|e| Error::Config(format!("the certificate cannot be read: {e}")))?;
        let not_after = DateTime::from_timestamp(cert.validity().not_after.timestamp(), 0).unwrap_or_default();
        Ok(Certificate {
            key,
            sha1_thumbprint: sha1::Sha1::digest(&der).into(),
            sha256_thumbprint: sha2::Sha256::digest(&der).into(),
            not_after,
            algorithm,
        })
    }

    /// Reads the PEM file at `path`.
    pub fn from_file(path: &Path, algorithm: AssertionAlgorithm) -> Result<Certificate, Error> {
        let pem = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("cannot read client certificate {}: {e}", path.display())))?;
        Certificate::from_pem(&pem, algorithm)
    }

    /// A signed client assertion for `audience` (the token endpoint URL).
    fn assertion(
        &self,
        client_id: &str,
        audience: &str,
        now: DateTime<Utc>,
        algorithm: AssertionAlgorithm,
    ) -> Result<String, Error> {
        #[derive(Serialize)]
        struct Claims<'a> {
            aud: &'a str,
            iss: &'a str,
            sub: &'a str,
            jti: String,
            nbf: i64,
            iat: i64,
            exp: i64,
        }
        let mut header = match algorithm {
            AssertionAlgorithm::Ps256 => Header::new(Algorithm::PS256),
            AssertionAlgorithm::Rs256 => Header::new(Algorithm::RS256),
        };
        match algorithm {
            AssertionAlgorithm::Ps256 => header.x5t_s256 = Some(URL_SAFE_NO_PAD.encode(self.sha256_thumbprint)),
            AssertionAlgorithm::Rs256 => header.x5t = Some(URL_SAFE_NO_PAD.encode(self.sha1_thumbprint)),
        }
        // A minute of clock skew before now; `exp` 10 minutes after `nbf` (reference §10: 5–10).
        let nbf = now - TimeDelta::minutes(1);
        let claims = Claims {
            aud: audience,
            iss: client_id,
            sub: client_id,
            jti: uuid::Uuid::new_v4().to_string(),
            nbf: nbf.timestamp(),
            iat: now.timestamp(),
            exp: (nbf + TimeDelta::minutes(10)).timestamp(),
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|e| Error::Config(format!("cannot sign the client assertion: {e}")))
    }
}

/// PEM blocks as (label, DER, whole block text).
fn pem_blocks(text: &str) -> Vec<(String, Vec<u8>, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(label_end) = after.find("-----") else { break };
        let label = after[..label_end].to_string();
        let end_marker = format!("-----END {label}-----");
        let Some(end) = after.find(&end_marker) else { break };
        let body: String = after[label_end + 5..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let whole = format!("-----BEGIN {label}-----{}{end_marker}", &after[label_end + 5..end]);
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(body) {
            out.push((label, der, whole));
        }
        rest = &after[end + end_marker.len()..];
    }
    out
}

/// Caches and renews the access token.
#[derive(Clone)]
pub struct TokenProvider {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    token_url: Url,
    scope: String,
    client_id: String,
    credentials: Credentials,
    clock: Clock,
    cached: Mutex<Option<Cached>>,
    /// Entra refused a PS256 assertion and took an RS256 one: sign with RS256 from then on.
    rs256: AtomicBool,
    /// Entra refused the RS256 assertion too: no more fallback attempts.
    fallback_refused: AtomicBool,
}

#[derive(Clone)]
struct Cached {
    token: String,
    expires: DateTime<Utc>,
    /// Renew this long before `expires`: five minutes, or a fifth of a short lifetime.
    renew_ahead: TimeDelta,
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenProvider")
            .field("token_url", &self.inner.token_url.as_str())
            .field("client_id", &self.inner.client_id)
            .field("credentials", &self.inner.credentials)
            .finish_non_exhaustive()
    }
}

impl TokenProvider {
    /// `login_url` + `/{tenant}/oauth2/v2.0/token`, for `scope` (such as
    /// `https://graph.microsoft.com/.default`).
    pub fn new(
        http: reqwest::Client,
        login_url: &Url,
        tenant_id: &str,
        scope: String,
        client_id: &str,
        credentials: Credentials,
        clock: Clock,
    ) -> Result<TokenProvider, Error> {
        let token_url = login_url
            .join(&format!("{tenant_id}/oauth2/v2.0/token"))
            .map_err(|e| Error::Config(format!("bad login URL: {e}")))?;
        Ok(TokenProvider {
            inner: Arc::new(Inner {
                http,
                token_url,
                scope,
                client_id: client_id.to_string(),
                credentials,
                clock,
                cached: Mutex::new(None),
                rs256: AtomicBool::new(false),
                fallback_refused: AtomicBool::new(false),
            }),
        })
    }

    /// A valid token: the cached one, or a new one (one refresh at a time; callers waiting on
    /// the lock get the fresh token).
    pub async fn token(&self) -> Result<String, Error> {
        let mut cached = self.inner.cached.lock().await;
        let now = self.inner.clock.now();
        if let Some(c) = cached.as_ref()
            && c.expires - c.renew_ahead > now
        {
            return Ok(c.token.clone());
        }
        let fresh = match self.fetch_with_fallback().await {
            Ok(fresh) => fresh,
            // A renewal that fails for a passing reason keeps a token that is still valid.
            Err(e) if e.is_retryable() => match cached.as_ref() {
                Some(c) if c.expires > now + TimeDelta::seconds(30) => {
                    tracing::warn!(error = %e, "Cannot renew the token yet; using the current one until it expires.");
                    return Ok(c.token.clone());
                }
                _ => return Err(e),
            },
            Err(e) => return Err(e),
        };
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    /// [`TokenProvider::fetch`], and for a certificate refused with PS256, once, with RS256:
    /// which algorithm a tenant takes is unverified (reference §10; Entra recommends PS256 with
    /// `x5t#S256`, older guidance RS256 with `x5t`). A tenant that takes RS256 keeps it; when
    /// RS256 is refused as well, the PS256 refusal is the answer and the fallback is not tried
    /// again (a wrong certificate does not send two assertions per renewal).
    async fn fetch_with_fallback(&self) -> Result<Cached, Error> {
        let refused = match self.fetch().await {
            Err(refused @ Error::Auth { .. }) if self.may_fall_back(&refused) => refused,
            other => return other,
        };
        self.inner.rs256.store(true, Ordering::SeqCst);
        match self.fetch().await {
            Ok(fresh) => {
                tracing::warn!(
                    client_id = %self.inner.client_id,
                    "Entra refused the PS256 client assertion and accepted RS256: signing with RS256 from now on."
                );
                Ok(fresh)
            }
            // A passing failure says nothing about the algorithm: try again later, with PS256.
            Err(e) if e.is_retryable() => {
                self.inner.rs256.store(false, Ordering::SeqCst);
                Err(e)
            }
            Err(_) => {
                self.inner.rs256.store(false, Ordering::SeqCst);
                self.inner.fallback_refused.store(true, Ordering::SeqCst);
                Err(refused)
            }
        }
    }

    /// Whether `refused` (the token endpoint's answer to a PS256 assertion) may be retried with
    /// RS256: a certificate set to PS256, not switched yet and not refused with RS256 before,
    /// refused as `invalid_client`.
    fn may_fall_back(&self, refused: &Error) -> bool {
        matches!(&self.inner.credentials, Credentials::Certificate(c) if c.algorithm == AssertionAlgorithm::Ps256)
            && !self.inner.rs256.load(Ordering::SeqCst)
            && !self.inner.fallback_refused.load(Ordering::SeqCst)
            && matches!(refused, Error::Auth { error, .. } if error == "invalid_client")
    }

    /// Forgets `token` after Graph refused it (401), unless another task already replaced it.
    pub async fn invalidate(&self, token: &str) {
        let mut cached = self.inner.cached.lock().await;
        if cached.as_ref().is_some_and(|c| c.token == token) {
            *cached = None;
        }
    }

    async fn fetch(&self) -> Result<Cached, Error> {
        let inner = &self.inner;
        let mut form: Vec<(&str, String)> = vec![
            ("grant_type", "client_credentials".into()),
            ("client_id", inner.client_id.clone()),
            ("scope", inner.scope.clone()),
        ];
        match &inner.credentials {
            Credentials::Secret(secret) => form.push(("client_secret", secret.clone())),
            Credentials::Certificate(cert) => {
                let algorithm = if inner.rs256.load(Ordering::SeqCst) {
                    AssertionAlgorithm::Rs256
                } else {
                    cert.algorithm
                };
                let assertion =
                    cert.assertion(&inner.client_id, inner.token_url.as_str(), inner.clock.now(), algorithm)?;
                form.push((
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
                ));
                form.push(("client_assertion", assertion));
            }
        }
        let path = inner.token_url.path().to_string();
        let transport = |e: reqwest::Error| Error::Transport {
            method: "POST".into(),
            path: path.clone(),
            kind: if e.is_connect() {
                TransportKind::Connect
            } else if e.is_timeout() {
                TransportKind::Timeout
            } else {
                TransportKind::Interrupted
            },
            message: without_url(&e),
        };
        let response = inner
            .http
            .post(inner.token_url.clone())
            .form(&form)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(transport)?;
        if status.is_success() {
            let token: TokenResponse = serde_json::from_slice(&body).map_err(|e| Error::Decode {
                method: "POST".into(),
                path: path.clone(),
                message: e.to_string(),
            })?;
            let lifetime = TimeDelta::seconds(i64::try_from(token.expires_in).unwrap_or(3600));
            let renew_ahead = TimeDelta::from_std(RENEW_AHEAD).unwrap_or_default().min(lifetime / 5);
            return Ok(Cached {
                token: token.access_token,
                expires: inner.clock.now() + lifetime,
                renew_ahead,
            });
        }
        let parsed = serde_json::from_slice::<TokenErrorResponse>(&body).ok();
        match parsed {
            // Refused credentials or request: retrying does not help.
            Some(e) if status.is_client_error() && status != reqwest::StatusCode::TOO_MANY_REQUESTS => {
                Err(Error::Auth {
                    client_id: inner.client_id.clone(),
                    error: e.error,
                    description: e.error_description.unwrap_or_default(),
                })
            }
            // Throttling and server errors (retryable), in Entra's shape or not.
            parsed => {
                let (code, message) = match parsed {
                    Some(e) => (e.error, e.error_description.unwrap_or_default()),
                    None => (
                        "TokenEndpointError".into(),
                        String::from_utf8_lossy(&body).chars().take(300).collect(),
                    ),
                };
                Err(Error::Api(Box::new(ApiError {
                    method: "POST".into(),
                    path,
                    status: status.as_u16(),
                    code,
                    message,
                    request_id: None,
                    client_request_id: None,
                    retry_after: crate::http::parse_retry_after(&headers),
                    permission: None,
                })))
            }
        }
    }
}

/// A reqwest error's text without the URL (which could carry query secrets in other APIs).
pub(crate) fn without_url(e: &reqwest::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "");
    }
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_in_debug() {
        let c = Credentials::Secret("hunter2-very-secret".into());
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn pem_blocks_are_found() {
        let text = "junk\n-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nAwQ=\n-----END PRIVATE KEY-----\n";
        let blocks = pem_blocks(text);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].0, "CERTIFICATE");
        assert_eq!(blocks[0].1, vec![0, 1, 2]);
        assert_eq!(blocks[1].0, "PRIVATE KEY");
    }
}
