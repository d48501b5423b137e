//! OAuth2 client-credentials answers from Entra (`POST /{tenant}/oauth2/v2.0/token`): the token
//! and the error body. The token's `Debug` never prints the token itself.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// A successful token response. There is no refresh token: ask again when it expires.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime in seconds (read from a number or a numeric string).
    #[serde(deserialize_with = "seconds")]
    pub expires_in: u64,
    /// Extended lifetime in seconds, used during Entra outages; 0 when absent.
    #[serde(default, deserialize_with = "seconds")]
    pub ext_expires_in: u64,
    /// The bearer token for `Authorization: Bearer …`.
    pub access_token: String,
    /// Other properties (`expires_on`, `resource` from the v1 endpoint), kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TokenResponse {
    /// A bearer token response with the given lifetime.
    pub fn bearer(access_token: impl Into<String>, expires_in: u64) -> Self {
        TokenResponse {
            token_type: "Bearer".to_owned(),
            expires_in,
            ext_expires_in: expires_in,
            access_token: access_token.into(),
            extra: Map::new(),
        }
    }
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("ext_expires_in", &self.ext_expires_in)
            .field("access_token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Reads a number of seconds sent as a JSON number or as a numeric string.
fn seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Number(number) => number
            .as_u64()
            .ok_or_else(|| D::Error::custom(format!("invalid number of seconds {number}"))),
        Value::String(text) => text
            .trim()
            .parse()
            .map_err(|_| D::Error::custom(format!("invalid number of seconds {text:?}"))),
        other => Err(D::Error::custom(format!("invalid number of seconds {other}"))),
    }
}

/// An Entra error response (HTTP 400/401), e.g. `invalid_client` or `invalid_scope`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TokenErrorResponse {
    /// The OAuth error code, e.g. `invalid_scope`.
    #[serde(default)]
    pub error: String,
    /// The description, starting with the `AADSTSnnnnn` code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// The AADSTS numbers, e.g. `[70011]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_codes: Vec<u32>,
    /// When it happened, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Entra's trace id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// The correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// A link to the error's documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_uri: Option<String>,
}

impl fmt::Display for TokenErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error_description {
            Some(description) => write!(f, "{}: {description}", self.error),
            None => f.write_str(&self.error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_with_numbers() {
        let token: TokenResponse = serde_json::from_str(include_str!("testdata/token.json")).unwrap();
        assert_eq!(token.token_type, "Bearer");
        assert_eq!((token.expires_in, token.ext_expires_in), (3599, 3599));
        assert!(token.access_token.starts_with("eyJ0eXAi"));
        let debug = format!("{token:?}");
        assert!(debug.contains("<redacted>") && !debug.contains("eyJ0eXAi"), "{debug}");
    }

    #[test]
    fn token_with_numeric_strings_and_extra_keys() {
        let token: TokenResponse = serde_json::from_str(include_str!("testdata/token_v1_strings.json")).unwrap();
        assert_eq!((token.expires_in, token.ext_expires_in), (3599, 3599));
        assert_eq!(token.extra["resource"], "https://graph.microsoft.com");
        let err =
            serde_json::from_str::<TokenResponse>(r#"{"token_type":"Bearer","expires_in":"soon","access_token":"x"}"#)
                .unwrap_err();
        assert!(err.to_string().contains("invalid number of seconds \"soon\""), "{err}");
        let short: TokenResponse =
            serde_json::from_str(r#"{"token_type":"Bearer","expires_in":60,"access_token":"x"}"#).unwrap();
        assert_eq!(short.ext_expires_in, 0);
        assert_eq!(
            serde_json::to_value(TokenResponse::bearer("t", 3600)).unwrap()["expires_in"],
            3600
        );
    }

    #[test]
    fn entra_error() {
        let error: TokenErrorResponse = serde_json::from_str(include_str!("testdata/token_error.json")).unwrap();
        assert_eq!(error.error, "invalid_scope");
        assert_eq!(error.error_codes, [70011]);
        assert_eq!(error.trace_id.as_deref(), Some("255d1aef-8c98-452f-ac51-23d051240864"));
        assert_eq!(
            error.correlation_id.as_deref(),
            Some("fb3d2015-bc17-4bb9-bb85-30c5cf1aaaa7")
        );
        assert!(error.to_string().starts_with("invalid_scope: AADSTS70011:"));
    }
}
