//! Graph's error envelope, `{"error": {"code", "message", "innerError": {…}}}`: what the client
//! reads from every non-2xx answer and what the emulator writes.
//!
//! Branch on `code`, never on `message`; keep `request-id` and `client-request-id` for support.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// The body of a Graph error response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GraphErrorBody {
    /// The error.
    pub error: GraphError,
}

impl GraphErrorBody {
    /// An error body with this code and message and no inner error.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        GraphErrorBody {
            error: GraphError {
                code: code.into(),
                message: message.into(),
                inner_error: None,
                extra: Map::new(),
            },
        }
    }
}

/// The `error` object: a service code (`Forbidden`, `Authorization_RequestDenied`, possibly
/// empty), a human message, and the request ids.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GraphError {
    /// The error code; may be empty.
    #[serde(default)]
    pub code: String,
    /// The human-readable message; may be empty.
    #[serde(default)]
    pub message: String,
    /// Request ids and nested details; read from `innerError` or `innererror`.
    #[serde(
        rename = "innerError",
        alias = "innererror",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub inner_error: Option<InnerError>,
    /// Other properties (`details`, `target`, …), kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl GraphError {
    /// The `request-id` for support cases, if Graph sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.inner_error.as_ref()?.request_id.as_deref()
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = if self.code.is_empty() { "(no code)" } else { &self.code };
        if self.message.is_empty() {
            write!(f, "{code}")
        } else {
            write!(f, "{code}: {}", self.message)
        }
    }
}

/// `innerError`: when and under which ids the failing request ran.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InnerError {
    /// Graph's id for the request.
    #[serde(rename = "request-id", default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// When the error happened, as sent (often without offset or fraction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The `client-request-id` the caller sent (or Graph made up).
    #[serde(rename = "client-request-id", default, skip_serializing_if = "Option::is_none")]
    pub client_request_id: Option<String>,
    /// Other properties, including nested `innererror` objects, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn forbidden_with_request_ids() {
        let body: GraphErrorBody = serde_json::from_str(include_str!("testdata/error_forbidden.json")).unwrap();
        assert_eq!(body.error.code, "Forbidden");
        assert_eq!(body.error.request_id(), Some("b1d2c3e4-0000-4000-8000-0000000000aa"));
        let inner = body.error.inner_error.as_ref().unwrap();
        assert_eq!(
            inner.client_request_id.as_deref(),
            Some("b1d2c3e4-0000-4000-8000-0000000000bb")
        );
        assert_eq!(inner.date.as_deref(), Some("2026-03-01T08:00:00"));
        assert!(
            body.error
                .to_string()
                .starts_with("Forbidden: Missing application roles.")
        );
        let original: Value = serde_json::from_str(include_str!("testdata/error_forbidden.json")).unwrap();
        assert_eq!(serde_json::to_value(&body).unwrap(), original);
    }

    #[test]
    fn empty_code_lowercase_inner_error_and_nesting() {
        let body: GraphErrorBody = serde_json::from_str(include_str!("testdata/error_nested_lowercase.json")).unwrap();
        assert_eq!(body.error.code, "");
        assert_eq!(body.error.to_string(), "(no code)");
        let inner = body.error.inner_error.as_ref().unwrap();
        assert_eq!(
            inner.request_id.as_deref(),
            Some("c1d2c3e4-0000-4000-8000-0000000000cc")
        );
        assert_eq!(inner.extra["code"], "UnknownError");
        assert_eq!(inner.extra["innererror"]["code"], "QueryTimeout");
    }

    #[test]
    fn emulator_shape() {
        let body = GraphErrorBody::new("BadRequest", "Invalid filter clause");
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"error": {"code": "BadRequest", "message": "Invalid filter clause"}})
        );
        let bare: GraphErrorBody = serde_json::from_value(json!({"error": {}})).unwrap();
        assert_eq!(bare, GraphErrorBody::default());
    }
}
