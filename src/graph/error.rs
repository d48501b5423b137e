//! The Graph client's one error type: it says what failed (method, path), what Graph answered
//! (HTTP status, Graph `code`, message, `request-id`), whether to retry, and for a 403 which
//! permission the call needs.

use std::time::Duration;

use thiserror::Error;

/// The operation a request belongs to, for permission hints and retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    ReadAlerts,
    WriteAlerts,
    ReadIncidents,
    WriteIncidents,
    Hunting,
    Batch,
    Token,
    /// A call (Defender for Endpoint, identity, email remediation) needing this permission.
    Needs(super::Permission),
}

impl Operation {
    /// The application permission the operation needs (graph-security-api.md §0 and §9).
    pub fn permission(self) -> Option<&'static str> {
        use super::Permission;
        Some(
            match self {
                Operation::ReadAlerts => Permission::SecurityAlertRead,
                Operation::WriteAlerts => Permission::SecurityAlertReadWrite,
                Operation::ReadIncidents => Permission::SecurityIncidentRead,
                Operation::WriteIncidents => Permission::SecurityIncidentReadWrite,
                Operation::Hunting => Permission::ThreatHuntingRead,
                Operation::Needs(permission) => permission,
                Operation::Batch | Operation::Token => return None,
            }
            .name(),
        )
    }
}

/// Everything that can go wrong talking to Graph.
#[derive(Debug, Error)]
pub enum Error {
    /// Graph answered with an error status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The request did not complete: connection refused or dropped, timeout.
    #[error("{method} {path}: {kind}: {message}")]
    Transport {
        method: String,
        path: String,
        kind: TransportKind,
        message: String,
    },
    /// The token endpoint refused the credentials.
    #[error(
        "authentication failed for client {client_id}: {error}: {description} (check tenant_id, client_id and the secret or certificate; the secret comes from GRAPHSOAR_CLIENT_SECRET or client_secret_file)"
    )]
    Auth {
        client_id: String,
        error: String,
        description: String,
    },
    /// Graph answered 200 with a body graphsoar cannot read.
    #[error("{method} {path}: unreadable response: {message}")]
    Decode {
        method: String,
        path: String,
        message: String,
    },
    /// `@odata.nextLink` pointed at another host: the token would follow it, so it is refused.
    #[error("refused @odata.nextLink to {link_host}: the token is only sent to {graph_host}")]
    ForeignNextLink { link_host: String, graph_host: String },
    /// A hunting query timed out twice.
    #[error(
        "hunting query timed out twice (the service stops queries after 3 minutes): narrow the query's time range, filter earlier, or project fewer columns"
    )]
    HuntingTimeout,
    /// The client was set up wrongly (credentials file unreadable, bad URL).
    #[error("{0}")]
    Config(String),
    /// A request this client will not send, or a batch item that got no answer.
    #[error("{0}")]
    Refused(String),
}

/// An error status from Graph, with what was asked and what came back.
#[derive(Debug, Clone, Error)]
#[error("{method} {path}: HTTP {status} {code}: {message}{}{}", hint(.status, .permission), ids_suffix(.request_id, .client_request_id))]
pub struct ApiError {
    pub method: String,
    pub path: String,
    pub status: u16,
    /// Graph's error `code`, such as `BadRequest` or `Forbidden`.
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    /// The `client-request-id` of the call (graphsoar sends one with every request).
    pub client_request_id: Option<String>,
    /// From `Retry-After`, when sent.
    pub retry_after: Option<Duration>,
    /// For a 403: the application permission this call needs.
    pub permission: Option<&'static str>,
}

/// Why a transport error happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// Nothing was sent: safe to retry any request.
    Connect,
    /// The request may have been processed: only idempotent requests are safe to retry.
    Interrupted,
    Timeout,
}

impl std::fmt::Display for TransportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "cannot connect",
            TransportKind::Interrupted => "connection lost",
            TransportKind::Timeout => "timed out",
        })
    }
}

fn hint(status: &u16, permission: &Option<&'static str>) -> String {
    match (status, permission) {
        (403, Some(p)) => format!(" (the app registration needs the application permission {p}, with admin consent)"),
        (401, _) => " (the token was refused: check the tenant and the app registration)".into(),
        _ => String::new(),
    }
}

/// The ids Microsoft support asks for: ` [request-id R, client-request-id C]`.
fn ids_suffix(request_id: &Option<String>, client_request_id: &Option<String>) -> String {
    let ids: Vec<String> = [("request-id", request_id), ("client-request-id", client_request_id)]
        .into_iter()
        .filter_map(|(name, id)| id.as_ref().map(|id| format!("{name} {id}")))
        .collect();
    if ids.is_empty() {
        String::new()
    } else {
        format!(" [{}]", ids.join(", "))
    }
}

impl Error {
    /// The HTTP status, for API errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            _ => None,
        }
    }

    /// Whether trying again later can succeed: throttling (429), unavailable (503), gateway
    /// errors (500, 502, 504), and transport failures. 400, 401, 403, 404 and the like are final.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => matches!(e.status, 429 | 500 | 502 | 503 | 504),
            Error::Transport { .. } | Error::HuntingTimeout => true,
            _ => false,
        }
    }

    /// Whether the request certainly was not acted on (so even a non-idempotent POST may be
    /// repeated): throttled, unavailable, or never sent.
    pub fn was_not_processed(&self) -> bool {
        match self {
            Error::Api(e) => matches!(e.status, 429 | 503),
            Error::Transport { kind, .. } => *kind == TransportKind::Connect,
            _ => false,
        }
    }

    /// A 429 or 503 that said how long to wait: the server asks to come back, not to give up.
    pub fn is_throttle(&self) -> bool {
        matches!(self, Error::Api(e) if matches!(e.status, 429 | 503) && e.retry_after.is_some())
    }

    /// The server's `Retry-After`, if it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(e) => e.retry_after,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_names_the_permission() {
        let e = Error::Api(Box::new(ApiError {
            method: "PATCH".into(),
            path: "/security/alerts_v2/x".into(),
            status: 403,
            code: "Forbidden".into(),
            message: "Missing role".into(),
            request_id: Some("r1".into()),
            client_request_id: Some("c1".into()),
            retry_after: None,
            permission: Operation::WriteAlerts.permission(),
        }));
        let text = e.to_string();
        assert!(
            text.contains("SecurityAlert.ReadWrite.All") && text.contains("[request-id r1, client-request-id c1]"),
            "{text}"
        );
        assert!(!e.is_retryable());
    }

    #[test]
    fn retry_classes() {
        let api = |status| {
            Error::Api(Box::new(ApiError {
                method: "GET".into(),
                path: "/".into(),
                status,
                code: String::new(),
                message: String::new(),
                request_id: None,
                client_request_id: None,
                retry_after: None,
                permission: None,
            }))
        };
        for s in [429, 500, 502, 503, 504] {
            assert!(api(s).is_retryable(), "{s}");
        }
        for s in [400, 401, 403, 404, 409] {
            assert!(!api(s).is_retryable(), "{s}");
        }
        assert!(api(429).was_not_processed() && !api(500).was_not_processed());
    }
}
