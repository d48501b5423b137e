//! The Defender for Endpoint routes' error type, [`MdeError`], the counterpart of the Graph
//! routes' [`ApiError`]: it answers with the MDE envelope
//! `{"error":{"code","message","target"}}`, where `target` is a fresh per-error tracking id
//! (response-actions-api.md §1.5), not Graph's `innerError`. The codes are those of §1.5
//! (`InvalidRequestBody`, `MissingRequiredParameter`, `ResourceNotFound`, ...).
//!
//! Graph-shaped errors raised by shared code (faults, the request timeout, token checks) become
//! MDE errors through `From<ApiError>`, with Graph's codes mapped to MDE's.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::super::error::ApiError;
use crate::graph::models::defender::{DefenderError, DefenderErrorBody};

/// The content type the MDE API answers errors with (§1.5, observed).
const ERROR_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// An MDE error: HTTP status, MDE `code` and `message`, and an optional `Retry-After`.
#[derive(Debug, Clone, PartialEq)]
pub struct MdeError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The MDE error code (§1.5), e.g. `ResourceNotFound`.
    pub code: String,
    /// What is wrong, and what to send instead.
    pub message: String,
    /// Seconds for a `Retry-After` header.
    pub retry_after: Option<u64>,
}

/// The result type of the Defender handlers.
pub type MdeResult<T = Response> = Result<T, MdeError>;

impl MdeError {
    /// Any status, code and message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        MdeError {
            status,
            code: code.to_owned(),
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 with an MDE code (`InvalidRequestBody`, `InvalidHashValue`, ...).
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 400 `MissingRequiredParameter`: "Parameter {name} is missing." (§1.5).
    pub fn missing(name: &str) -> Self {
        Self::bad_request("MissingRequiredParameter", format!("Parameter {name} is missing."))
    }

    /// 400 `InvalidRequestBody` with the reason.
    pub fn invalid_body(why: impl std::fmt::Display) -> Self {
        Self::bad_request("InvalidRequestBody", format!("Invalid request body: {why}"))
    }

    /// 400 `ODataError`: an OData query option the API (or the emulator) does not take.
    pub fn odata(message: impl Into<String>) -> Self {
        Self::bad_request("ODataError", message)
    }

    /// 404 `ResourceNotFound`: "{what} {id} was not found" (the §1.5 example).
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!("{what} {id} was not found"),
        )
    }

    /// 401 `Unauthorized`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthorized", message)
    }

    /// 403 `Forbidden`, naming the permission the call needs, what for, and the roles the
    /// caller's token carries.
    pub fn forbidden(permission: impl std::fmt::Display, what: &str, roles: &[String]) -> Self {
        let have = if roles.is_empty() {
            "(none)".to_owned()
        } else {
            roles.join(", ")
        };
        Self::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            format!(
                "The application does not have the required permission {permission} to {what}. Grant the \
                 WindowsDefenderATP application permission {permission} and admin consent. Roles in the token: {have}."
            ),
        )
    }

    /// 500 for a bug: `detail` is logged, a generic message returned.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "Emulator internal error (Defender for Endpoint).");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError", "")
    }

    /// Adds a `Retry-After` header.
    pub fn with_retry_after(mut self, seconds: Option<u64>) -> Self {
        self.retry_after = seconds;
        self
    }
}

impl std::fmt::Display for MdeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)
    }
}

impl From<ApiError> for MdeError {
    /// The same error in MDE terms: Graph's codes that MDE spells differently are mapped
    /// (`InvalidAuthenticationToken` → `Unauthorized`, `UnknownError` → `InternalServerError`,
    /// a 404 → `NotFound`); the others (`TooManyRequests`, `ServiceUnavailable`,
    /// `GatewayTimeout`, `BadRequest`, `Forbidden`) are the same word.
    fn from(error: ApiError) -> Self {
        let code = match (error.status, error.code.as_str()) {
            (_, "InvalidAuthenticationToken") => "Unauthorized",
            (StatusCode::INTERNAL_SERVER_ERROR, _) => "InternalServerError",
            (StatusCode::NOT_FOUND, _) => "NotFound",
            (_, code) => code,
        };
        MdeError {
            status: error.status,
            code: code.to_owned(),
            message: error.message,
            retry_after: error.retry_after,
        }
    }
}

impl IntoResponse for MdeError {
    fn into_response(self) -> Response {
        let body = DefenderError {
            error: DefenderErrorBody {
                code: self.code,
                message: self.message,
                target: Some(uuid::Uuid::new_v4().to_string()),
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(ERROR_CONTENT_TYPE));
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Permission;

    #[tokio::test]
    async fn errors_have_the_mde_envelope_with_a_fresh_target() {
        let body = |e: MdeError| async move {
            let response = e.into_response();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
            serde_json::from_slice::<DefenderError>(&bytes).unwrap()
        };
        let first = body(MdeError::not_found("Machine", "123")).await;
        assert_eq!(first.error.code, "ResourceNotFound");
        assert_eq!(first.error.message, "Machine 123 was not found");
        let second = body(MdeError::not_found("Machine", "123")).await;
        let (a, b) = (first.error.target.unwrap(), second.error.target.unwrap());
        assert!(uuid::Uuid::parse_str(&a).is_ok(), "{a}");
        assert_ne!(a, b);
        assert_eq!(MdeError::missing("Comment").message, "Parameter Comment is missing.");
        let throttled = MdeError::from(
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", "slow down").with_retry_after(Some(3)),
        );
        assert_eq!(
            (throttled.code.as_str(), throttled.retry_after),
            ("TooManyRequests", Some(3))
        );
        let response = throttled.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "3");
        assert_eq!(MdeError::from(ApiError::unauthorized("expired")).code, "Unauthorized");
        assert_eq!(MdeError::from(ApiError::internal("bug")).code, "InternalServerError");
        let forbidden = MdeError::forbidden(Permission::MachineIsolate, "isolate a machine", &[]);
        assert!(
            forbidden.message.contains("permission Machine.Isolate to isolate"),
            "{forbidden}"
        );
    }
}
