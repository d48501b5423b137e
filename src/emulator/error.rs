//! The emulator's one error type, [`ApiError`], which always answers with Graph's
//! `{"error":{"code","message","innerError"}}` envelope, and [`GraphJson`], the JSON body extractor
//! whose rejections come back in the same shape.
//!
//! `innerError` (`date`, `request-id`, `client-request-id`) is filled in by the request-id
//! middleware ([`super::router`]), which is the only place that knows the ids: `into_response`
//! leaves the body in a response extension for it. Internal details are logged, never returned.

use axum::Json;
use axum::extract::FromRequest;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::graph::models::{GraphErrorBody, InnerError};

/// The `innerError` of an answer: now, and the request's ids.
pub fn inner_error(request_id: &str, client_request_id: &str) -> InnerError {
    InnerError {
        request_id: Some(request_id.to_owned()),
        date: Some(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string()),
        client_request_id: Some(client_request_id.to_owned()),
        extra: Default::default(),
    }
}

/// A Graph error: HTTP status, Graph `code` and `message`, and an optional `Retry-After`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// Graph's error code, e.g. `BadRequest`, `NotFound`, `Forbidden`.
    pub code: String,
    /// The human-readable message.
    pub message: String,
    /// Seconds for a `Retry-After` header.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// Any status, code and message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.to_owned(),
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 `BadRequest`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    /// 404 `NotFound` naming the missing item.
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("The {what} with id '{id}' was not found."),
        )
    }

    /// 401 `InvalidAuthenticationToken`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", message)
    }

    /// 403 `Forbidden`, naming the role the API needs and the roles the caller has.
    pub fn forbidden(required: &str, roles: &[String]) -> Self {
        let have = if roles.is_empty() {
            "(none)".to_owned()
        } else {
            roles.join(",")
        };
        Self::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            format!("Missing application roles. API required roles: {required}. Application roles: {have}."),
        )
    }

    /// 500 for a bug or an impossible state: `detail` is logged, a generic message returned.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "Emulator internal error.");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UnknownError",
            "An internal server error occurred.",
        )
    }

    /// Adds a `Retry-After` header.
    pub fn with_retry_after(mut self, seconds: Option<u64>) -> Self {
        self.retry_after = seconds;
        self
    }

    /// The Graph body, without `innerError`.
    pub fn body(&self) -> GraphErrorBody {
        GraphErrorBody::new(self.code.clone(), self.message.clone())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)
    }
}

/// The response extension through which an error body reaches the request-id middleware.
#[derive(Debug, Clone)]
pub struct ErrorMarker(pub GraphErrorBody);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body();
        let mut response = (self.status, Json(&body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(ErrorMarker(body));
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UnsupportedMediaType",
                "The request body must be JSON: send `Content-Type: application/json`.",
            ),
            JsonRejection::JsonSyntaxError(e) => {
                tracing::debug!(error = %e, "Malformed JSON body.");
                ApiError::bad_request(
                    "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of \
                     valid JSON format.",
                )
            }
            JsonRejection::JsonDataError(e) => {
                ApiError::bad_request(format!("Invalid request body: {}", e.body_text()))
            }
            JsonRejection::BytesRejection(e) => ApiError::new(e.status(), "BadRequest", e.body_text()),
            other => ApiError::bad_request(other.body_text()),
        }
    }
}

/// `axum::Json` whose rejections are Graph-shaped [`ApiError`]s.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct GraphJson<T>(pub T);

/// The result type of every handler.
pub type ApiResult<T = Response> = Result<T, ApiError>;
