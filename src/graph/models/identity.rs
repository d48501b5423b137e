//! The wire types of Graph's identity and email response actions (response-actions-api.md §5,
//! §6): Defender for Identity accounts and `invokeAction`, Entra's session revocation and
//! risky-user confirmation, and Defender for Office 365's email remediation.

use serde::{Deserialize, Serialize};

/// An `identityAccounts` entry (§5.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityAccount {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub is_enabled: Option<bool>,
    #[serde(default)]
    pub on_premises_security_identifier: Option<String>,
    #[serde(default)]
    pub cloud_security_identifier: Option<String>,
    #[serde(default)]
    pub accounts: Vec<ProviderAccount>,
    /// The user principal name: `security.user`, the derived type the list serves for
    /// people, adds it (§5.1, from the CSDL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
}

/// One provider's account of an identity (`security.account`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderAccount {
    /// The account id in that provider: what `invokeAction` takes as `accountId`.
    pub identifier: String,
    /// `activeDirectory`, `entraID`, `okta`. The list example of the docs calls it `provider`
    /// and writes `ActiveDirectory` (§5.1): both are read.
    #[serde(alias = "provider")]
    pub identity_provider: String,
    #[serde(default)]
    pub actions: Vec<String>,
}

/// The body of `invokeAction` (§5.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvokeActionRequest {
    pub account_id: String,
    /// `disable`, `enable`, `forcePasswordReset`, ...
    pub action: String,
    pub identity_provider: String,
}

/// The answer of `invokeAction` (§5.2): the CSDL's `invokeActionResult`, unwrapped, with the
/// key `identityProvider`. The docs' example wraps it in `value` and calls the key `provider`;
/// which one the service sends is unverified (§11 question 8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvokeActionResult {
    pub account_id: String,
    pub action: String,
    /// "For tracking the request"; no API takes it (§5.2).
    #[serde(default)]
    pub correlation_id: Option<String>,
    #[serde(alias = "provider")]
    pub identity_provider: String,
}

/// The body of `riskyUsers/confirmCompromised` (§5.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmCompromisedRequest {
    pub user_ids: Vec<String>,
}

/// A message to remediate: the v1.0 pair (§6.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyzedEmailRef {
    pub network_message_id: String,
    pub recipient_email_address: String,
}

/// The body of `analyzedEmails/remediate` (§6.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemediateRequest {
    pub display_name: String,
    #[serde(default)]
    pub description: String,
    /// `low`, `medium`, `high`.
    pub severity: String,
    /// `softDelete`, `hardDelete`, `moveToJunk`, `moveToDeletedItems`, ...
    pub action: String,
    /// Read from a boolean or from the text `"true"`/`"false"`, which the docs' example sends
    /// (§6.1); absent is false.
    #[serde(default, deserialize_with = "bool_or_text")]
    pub remediate_senders_copy: bool,
    pub analyzed_emails: Vec<AnalyzedEmailRef>,
}

/// A boolean, or its text (`"true"`, `"false"`, any case).
fn bool_or_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum BoolOrText {
        Bool(bool),
        Text(String),
    }
    match BoolOrText::deserialize(deserializer)? {
        BoolOrText::Bool(b) => Ok(b),
        BoolOrText::Text(text) if text.eq_ignore_ascii_case("true") => Ok(true),
        BoolOrText::Text(text) if text.eq_ignore_ascii_case("false") => Ok(false),
        BoolOrText::Text(text) => Err(serde::de::Error::custom(format!(
            "remediateSendersCopy must be true or false, not '{text}'"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_documented_spellings_of_an_accounts_provider_read() {
        let doc: IdentityAccount = serde_json::from_value(json!({
            "id": "00104216-0539-4838-88b1-55baafdc296b", "displayName": "Jane", "isEnabled": true,
            "accounts": [{"identifier": "256db173", "provider": "ActiveDirectory", "actions": ["disable"]}],
        }))
        .unwrap();
        assert_eq!(doc.accounts[0].identity_provider, "ActiveDirectory");
        let csdl: ProviderAccount =
            serde_json::from_value(json!({"identifier": "x", "identityProvider": "activeDirectory", "actions": []}))
                .unwrap();
        assert_eq!(csdl.identity_provider, "activeDirectory");
        let body = RemediateRequest {
            display_name: "d".into(),
            description: "x".into(),
            severity: "medium".into(),
            action: "softDelete".into(),
            remediate_senders_copy: false,
            analyzed_emails: vec![AnalyzedEmailRef {
                network_message_id: "n".into(),
                recipient_email_address: "r@contoso.com".into(),
            }],
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap()["analyzedEmails"][0],
            json!({"networkMessageId": "n", "recipientEmailAddress": "r@contoso.com"})
        );
    }

    #[test]
    fn the_docs_text_boolean_of_remediate_senders_copy_reads() {
        let read = |copy: serde_json::Value| {
            serde_json::from_value::<RemediateRequest>(json!({
                "displayName": "d", "severity": "low", "action": "softDelete", "remediateSendersCopy": copy,
                "analyzedEmails": [],
            }))
        };
        assert!(!read(json!("false")).unwrap().remediate_senders_copy);
        assert!(read(json!("True")).unwrap().remediate_senders_copy);
        assert!(read(json!(true)).unwrap().remediate_senders_copy);
        assert!(read(json!("maybe")).unwrap_err().to_string().contains("true or false"));
        let absent: RemediateRequest = serde_json::from_value(
            json!({"displayName": "d", "severity": "low", "action": "softDelete", "analyzedEmails": []}),
        )
        .unwrap();
        assert!(!absent.remediate_senders_copy && absent.description.is_empty());
    }
}
