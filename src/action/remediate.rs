//! `remediate_email`: delete or move delivered messages through Defender for Office 365
//! (`analyzedEmails/remediate`, response-actions-api.md §6). The service answers 202 with a
//! link to its Action center, which graphsoar records; it tracks the remediation there, not
//! through an API (none is documented, §11 question 10). A repeat of the same messages finds
//! them "Already in destination", but the API has no idempotency key: after an uncertain
//! outcome graphsoar does not send it again and says so.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Outcome;
use crate::graph::Client;
use crate::graph::models::identity::{AnalyzedEmailRef, RemediateRequest};
use crate::text_enum::text_enum;

text_enum! {
    /// What `remediate_email` does with the messages.
    pub enum MailAction {
        SoftDelete = "soft_delete",
        HardDelete = "hard_delete",
        MoveToJunk = "move_to_junk",
        MoveToDeletedItems = "move_to_deleted_items",
    }
}

impl MailAction {
    /// The API's `remediationAction` member.
    fn api(self) -> &'static str {
        match self {
            MailAction::SoftDelete => "softDelete",
            MailAction::HardDelete => "hardDelete",
            MailAction::MoveToJunk => "moveToJunk",
            MailAction::MoveToDeletedItems => "moveToDeletedItems",
        }
    }
}

/// One message to remediate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRef {
    pub network_message_id: String,
    pub recipient: String,
}

/// The frozen parameters of `remediate_email`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemediateParams {
    pub action: MailAction,
    pub messages: Vec<MessageRef>,
    /// `low`, `medium` or `high`.
    pub severity: String,
    pub display_name: String,
    pub description: String,
    #[serde(default)]
    pub remediate_senders_copy: bool,
}

/// Executes `remediate_email`.
pub async fn execute(client: &Client, params: &RemediateParams) -> Outcome {
    let request = RemediateRequest {
        display_name: params.display_name.clone(),
        description: params.description.clone(),
        severity: params.severity.clone(),
        action: params.action.api().to_owned(),
        remediate_senders_copy: params.remediate_senders_copy,
        analyzed_emails: params
            .messages
            .iter()
            .map(|m| AnalyzedEmailRef {
                network_message_id: m.network_message_id.clone(),
                recipient_email_address: m.recipient.clone(),
            })
            .collect(),
    };
    match client.remediate_emails(&request).await {
        Ok(tracking) => Outcome::Started(json!({ "messages": params.messages.len(), "tracking": tracking })),
        Err(e) => Outcome::of_unrepeatable_error(
            &format!("remediating {} message(s)", params.messages.len()),
            &e,
            "check the Action center (History) of the Defender portal",
        ),
    }
}
