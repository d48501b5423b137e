//! `POST /security/collaboration/analyzedEmails/remediate` (response-actions-api.md §6.1, §6.3).
//!
//! The body is graphsoar's [`RemediateRequest`]: `displayName` (required), `description`,
//! `severity` (`low`, `medium`, `high`), `action` (`softDelete`, `hardDelete`, `moveToJunk`,
//! `moveToDeletedItems`, `moveToInbox`; `moveToQuarantine`, declared after `unknownFutureValue`,
//! only with `Prefer: include-unknown-enum-members`, and never under `/beta`, whose enum lacks
//! it), `remediateSendersCopy` (a boolean, or the text `"true"`/`"false"` the docs' example
//! sends) and `analyzedEmails` (the v1.0 pairs `{networkMessageId, recipientEmailAddress}`, at
//! least one; `/beta` also takes `approverUpn`, but not its `{"id"}` form of messages). Any other
//! parameter is a 400 naming it.
//!
//! The answer is 202 with an empty body and `Location:
//! https://security.microsoft.com/action-center/history?filters={"bulkId":["<bulk id>"]}&tid=<tenant>`,
//! the filter percent-encoded so the link is a valid URL. Each remediation is recorded with its
//! messages and, per message, what became of it (§6.3): `success`; `alreadyInDestination` when
//! its last remediation had the same action; `failure` when it was hard-deleted before (no longer
//! actionable); `notFound` when the tenant has no such message ([`super::directory`]). The 50
//! concurrent remediations limit and the recipient rules are not emulated.

use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::directory::message_key;
use super::{current, invalid, member, parameters, required_text};
use crate::emulator::Emulator;
use crate::emulator::TENANT_ID;
use crate::emulator::auth::Caller;
use crate::emulator::error::{ApiError, ApiResult, GraphJson};
use crate::emulator::handlers::ApiVersion;
use crate::emulator::router::wants_evolvable_members;
use crate::graph::Permission;
use crate::graph::models::identity::RemediateRequest;

/// `security.remediationAction` members before `unknownFutureValue` (§6.1).
pub const ACTIONS: &[&str] = &[
    "moveToJunk",
    "moveToInbox",
    "hardDelete",
    "softDelete",
    "moveToDeletedItems",
];

/// The evolvable member, declared after `unknownFutureValue` (v1.0 only).
pub const MOVE_TO_QUARANTINE: &str = "moveToQuarantine";

/// `security.remediationSeverity` members before `unknownFutureValue` (§6.1).
pub const SEVERITIES: &[&str] = &["low", "medium", "high"];

const PARAMETERS: &[&str] = &[
    "displayName",
    "description",
    "severity",
    "action",
    "remediateSendersCopy",
    "analyzedEmails",
];

/// What became of one message (§6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageStatus {
    /// Moved or deleted.
    Success,
    /// Its last remediation had the same action.
    AlreadyInDestination,
    /// Hard-deleted before: no longer actionable.
    Failure,
    /// The tenant has no such message.
    NotFound,
}

impl MessageStatus {
    /// The name `/_emulator/identity` shows.
    pub fn name(self) -> &'static str {
        match self {
            MessageStatus::Success => "success",
            MessageStatus::AlreadyInDestination => "alreadyInDestination",
            MessageStatus::Failure => "failure",
            MessageStatus::NotFound => "notFound",
        }
    }
}

/// One remediated message.
#[derive(Debug, Clone)]
pub struct RemediatedMessage {
    /// `networkMessageId` as sent.
    pub network_message_id: String,
    /// `recipientEmailAddress` as sent.
    pub recipient_email_address: String,
    /// What became of it.
    pub status: MessageStatus,
}

/// One remediation, as submitted.
#[derive(Debug, Clone)]
pub struct Remediation {
    /// The id in the `Location` link.
    pub bulk_id: String,
    /// The request.
    pub request: RemediateRequest,
    /// When it was submitted.
    pub created: DateTime<Utc>,
    /// The client that submitted it.
    pub created_by: String,
    /// Its messages, in request order.
    pub messages: Vec<RemediatedMessage>,
}

impl Remediation {
    /// `completed` when any message was remediated or already in place, else `failed` (§6.3).
    pub fn status(&self) -> &'static str {
        let done = self
            .messages
            .iter()
            .any(|m| matches!(m.status, MessageStatus::Success | MessageStatus::AlreadyInDestination));
        if done { "completed" } else { "failed" }
    }

    /// As `/_emulator/identity` shows it.
    pub fn json(&self) -> Value {
        let messages: Vec<Value> = self
            .messages
            .iter()
            .map(|m| {
                json!({"networkMessageId": m.network_message_id, "recipientEmailAddress": m.recipient_email_address,
                       "status": m.status.name()})
            })
            .collect();
        json!({
            "bulkId": self.bulk_id,
            "action": self.request.action,
            "displayName": self.request.display_name,
            "severity": self.request.severity,
            "remediateSendersCopy": self.request.remediate_senders_copy,
            "createdDateTime": crate::time::format_rfc3339(&self.created),
            "createdBy": self.created_by,
            "status": self.status(),
            "messages": messages,
        })
    }
}

/// The checked body: the typed request.
fn check(body: &Value, version: ApiVersion, evolvable: bool) -> Result<RemediateRequest, ApiError> {
    let beta = version == ApiVersion::Beta;
    let allowed: Vec<&str> = PARAMETERS
        .iter()
        .copied()
        .chain(beta.then_some("approverUpn"))
        .collect();
    let params = parameters(body, "remediate", &allowed)?;
    required_text(params, "displayName", "the name the Action center shows")?;
    for optional in ["description", "approverUpn"] {
        if let Some(value) = params.get(optional).filter(|v| !v.is_null() && !v.is_string()) {
            return Err(invalid(format!(
                "The parameter '{optional}' must be a string, not {value}."
            )));
        }
    }
    let severity = required_text(params, "severity", "low, medium or high")?;
    member("severity", severity, "security.remediationSeverity", SEVERITIES)?;
    let action = required_text(params, "action", "what to do with the messages, e.g. softDelete")?;
    match (action == MOVE_TO_QUARANTINE, beta, evolvable) {
        (true, true, _) => {
            return Err(invalid(format!(
                "The parameter 'action': {MOVE_TO_QUARANTINE} is not a member of security.remediationAction under \
                 /beta; use /v1.0, or one of {}.",
                ACTIONS.join(", ")
            )));
        }
        (true, false, false) => {
            return Err(invalid(format!(
                "The parameter 'action': {MOVE_TO_QUARANTINE} is an evolvable member of security.remediationAction \
                 (declared after unknownFutureValue): send the header `Prefer: include-unknown-enum-members` to use it."
            )));
        }
        (true, false, true) => {}
        (false, ..) => {
            member("action", action, "security.remediationAction", ACTIONS)?;
        }
    }
    match params.get("remediateSendersCopy") {
        None | Some(Value::Null | Value::Bool(_)) => {}
        Some(Value::String(text)) if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false") => {}
        Some(other) => {
            return Err(invalid(format!(
                "The parameter 'remediateSendersCopy' must be true or false, not {other}."
            )));
        }
    }
    check_emails(params.get("analyzedEmails"))?;
    let mut typed: Map<String, Value> = params
        .iter()
        .filter(|(k, v)| *k != "approverUpn" && !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    typed
        .entry("description")
        .or_insert_with(|| Value::String(String::new()));
    serde_json::from_value(Value::Object(typed)).map_err(|e| invalid(format!("Invalid request body: {e}")))
}

fn check_emails(emails: Option<&Value>) -> Result<(), ApiError> {
    let emails = match emails {
        None | Some(Value::Null) => {
            return Err(invalid(
                "The parameter 'analyzedEmails' is required: the messages to remediate, as \
                 [{\"networkMessageId\", \"recipientEmailAddress\"}].",
            ));
        }
        Some(Value::Array(items)) if items.is_empty() => {
            return Err(invalid(
                "The parameter 'analyzedEmails' must not be empty: name at least one message.",
            ));
        }
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(invalid(format!(
                "The parameter 'analyzedEmails' must be an array of {{\"networkMessageId\", \"recipientEmailAddress\"}} \
                 objects, not {other}."
            )));
        }
    };
    for (i, email) in emails.iter().enumerate() {
        let Value::Object(fields) = email else {
            return Err(invalid(format!(
                "analyzedEmails[{i}] must be an object {{\"networkMessageId\", \"recipientEmailAddress\"}}, not {email}."
            )));
        };
        if fields.contains_key("id") {
            return Err(invalid(format!(
                "analyzedEmails[{i}]: the emulator takes the v1.0 form {{\"networkMessageId\", \
                 \"recipientEmailAddress\"}}, not the beta form {{\"id\"}}."
            )));
        }
        if let Some(key) = fields
            .keys()
            .find(|k| !["networkMessageId", "recipientEmailAddress"].contains(&k.as_str()))
        {
            return Err(invalid(format!(
                "analyzedEmails[{i}]: '{key}' is not a property of an analyzed email reference; it takes \
                 networkMessageId and recipientEmailAddress."
            )));
        }
        for name in ["networkMessageId", "recipientEmailAddress"] {
            match fields.get(name) {
                Some(Value::String(text)) if !text.trim().is_empty() => {}
                _ => {
                    return Err(invalid(format!(
                        "analyzedEmails[{i}].{name} is required and must be a non-empty string."
                    )));
                }
            }
        }
    }
    Ok(())
}

/// The Action center link of a remediation (§6.1), its filter percent-encoded.
pub fn location(bulk_id: &str) -> String {
    let filters = format!("{{\"bulkId\":[\"{bulk_id}\"]}}");
    let encoded: String = url::form_urlencoded::byte_serialize(filters.as_bytes()).collect();
    format!("https://security.microsoft.com/action-center/history?filters={encoded}&tid={TENANT_ID}")
}

/// `POST /security/collaboration/analyzedEmails/remediate` (§6.1).
pub async fn analyzed_emails_remediate(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    Extension(version): Extension<ApiVersion>,
    headers: HeaderMap,
    GraphJson(body): GraphJson<Value>,
) -> ApiResult {
    caller.require(Permission::SecurityAnalyzedMessageReadWrite)?;
    let request = check(&body, version, wants_evolvable_members(&headers))?;
    let directory = current(&emu);
    let bulk_id = uuid::Uuid::new_v4().to_string();
    let created = emu.now();
    let mut state = emu.identity();
    let messages = request
        .analyzed_emails
        .iter()
        .map(|email| {
            let key = message_key(&email.network_message_id, &email.recipient_email_address);
            let status = if !directory.has_message(&key.0, &key.1) {
                MessageStatus::NotFound
            } else {
                match state.destinations.get(&key).map(String::as_str) {
                    Some(last) if last == request.action => MessageStatus::AlreadyInDestination,
                    Some("hardDelete") => MessageStatus::Failure,
                    _ => {
                        state.destinations.insert(key, request.action.clone());
                        MessageStatus::Success
                    }
                }
            };
            RemediatedMessage {
                network_message_id: email.network_message_id.clone(),
                recipient_email_address: email.recipient_email_address.clone(),
                status,
            }
        })
        .collect();
    let remediation = Remediation {
        bulk_id: bulk_id.clone(),
        request,
        created,
        created_by: caller.client_id.clone(),
        messages,
    };
    tracing::info!(
        bulk_id = %bulk_id, action = %remediation.request.action, messages = remediation.messages.len(),
        status = remediation.status(), client = %caller.client_id, "Email remediation submitted."
    );
    state.remediations.push(remediation);
    drop(state);
    let location = HeaderValue::from_str(&location(&bulk_id)).map_err(ApiError::internal)?;
    Ok((StatusCode::ACCEPTED, [(header::LOCATION, location)]).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> Value {
        json!({"displayName": "Clean up Phish email", "description": "Delete email", "severity": "medium",
               "action": "softDelete", "remediateSendersCopy": "false",
               "analyzedEmails": [{"networkMessageId": "73ca4154-58d8-43d0-a890-08dc18c52e6d",
                                   "recipientEmailAddress": "hannah.jarvis@contoso.com"}]})
    }

    #[test]
    fn the_docs_example_is_accepted_and_bad_fields_are_named() {
        let request = check(&body(), ApiVersion::V1, false).unwrap();
        assert_eq!(request.action, "softDelete");
        assert!(!request.remediate_senders_copy);
        let with = |key: &str, value: Value| {
            let mut b = body();
            if value.is_null() {
                b.as_object_mut().unwrap().shift_remove(key);
            } else {
                b[key] = value;
            }
            b
        };
        for (bad, needle) in [
            (with("displayName", Value::Null), "'displayName' is required"),
            (
                with("severity", json!("urgent")),
                "'urgent' is not a member of security.remediationSeverity",
            ),
            (
                with("action", json!("delete")),
                "'delete' is not a member of security.remediationAction",
            ),
            (
                with("action", json!("moveToQuarantine")),
                "Prefer: include-unknown-enum-members",
            ),
            (with("remediateSendersCopy", json!("no")), "true or false"),
            (with("analyzedEmails", json!([])), "'analyzedEmails' must not be empty"),
            (
                with("analyzedEmails", json!([{"networkMessageId": "x"}])),
                "analyzedEmails[0].recipientEmailAddress",
            ),
            (
                with("approverUpn", json!("a@contoso.com")),
                "'approverUpn' in the request payload",
            ),
        ] {
            let error = check(&bad, ApiVersion::V1, false).unwrap_err();
            assert_eq!((error.status.as_u16(), error.code.as_str()), (400, "invalidRequest"));
            assert!(error.message.contains(needle), "{needle}: {}", error.message);
        }
        let quarantine = with("action", json!("moveToQuarantine"));
        assert!(check(&quarantine, ApiVersion::V1, true).is_ok());
        assert!(
            check(&quarantine, ApiVersion::Beta, true)
                .unwrap_err()
                .message
                .contains("under /beta")
        );
        assert!(check(&with("approverUpn", json!("a@contoso.com")), ApiVersion::Beta, false).is_ok());
    }

    #[test]
    fn the_location_is_a_valid_url_carrying_the_bulk_id() {
        let link = location("3f1c");
        assert_eq!(
            link,
            "https://security.microsoft.com/action-center/history?filters=%7B%22bulkId%22%3A%5B%223f1c%22%5D%7D&tid=local"
        );
        let url = url::Url::parse(&link).unwrap();
        let filters = url.query_pairs().find(|(k, _)| k == "filters").unwrap().1.into_owned();
        assert_eq!(
            serde_json::from_str::<Value>(&filters).unwrap(),
            json!({"bulkId": ["3f1c"]})
        );
    }
}
