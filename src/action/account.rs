//! `account_action`: disable, enable or force a password reset of an on-premises account
//! through Defender for Identity (`identityAccounts/{id}/invokeAction`, response-actions-api.md
//! §5.2), or, for Entra ID, revoke its sessions or confirm it compromised (the Entra APIs the
//! reference prefers, §5.3).
//!
//! Repeats: revoking sessions and confirming compromise are safe to repeat (each sets the same
//! state again); disable and enable read the account's `isEnabled` first, so one that is already
//! so is a recorded no-op and an uncertain earlier attempt is settled by reading again. A forced
//! password reset has no state to read: after an uncertain outcome (a timeout, a dropped
//! connection) it is recorded as failed with "outcome unknown", never sent again blindly.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Outcome;
use crate::config::Protected;
use crate::graph::models::identity::InvokeActionRequest;
use crate::graph::{Client, Error, Permission};
use crate::text_enum::text_enum;

text_enum! {
    /// What `account_action` does.
    pub enum AccountVerb {
        Disable = "disable",
        Enable = "enable",
        ForcePasswordReset = "force_password_reset",
        RevokeSessions = "revoke_sessions",
        MarkCompromised = "mark_compromised",
    }
}

impl AccountVerb {
    /// The permission it needs.
    pub fn permission(self) -> Permission {
        match self {
            AccountVerb::Disable | AccountVerb::Enable | AccountVerb::ForcePasswordReset => {
                Permission::SecurityIdentitiesActionsReadWrite
            }
            AccountVerb::RevokeSessions => Permission::UserRevokeSessions,
            AccountVerb::MarkCompromised => Permission::IdentityRiskyUserReadWrite,
        }
    }

    /// Whether its outcome can be read back or repeating it is harmless: all but the forced
    /// password reset (disable and enable read `isEnabled` first; revoking sessions and confirming
    /// compromise set the same state again).
    pub fn is_checkable(self) -> bool {
        self != AccountVerb::ForcePasswordReset
    }

    /// Which identifier of an account it needs.
    pub fn needs(self) -> &'static str {
        match self {
            AccountVerb::Disable | AccountVerb::Enable | AccountVerb::ForcePasswordReset => "the on-premises SID",
            AccountVerb::RevokeSessions => "the Entra object id or user principal name",
            AccountVerb::MarkCompromised => "the Entra object id",
        }
    }

    /// The `invokeAction` member, for the Defender for Identity verbs.
    fn invoke_action(self) -> Option<&'static str> {
        match self {
            AccountVerb::Disable => Some("disable"),
            AccountVerb::Enable => Some("enable"),
            AccountVerb::ForcePasswordReset => Some("forcePasswordReset"),
            _ => None,
        }
    }
}

/// One account, by whatever identifiers are known.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AccountRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    /// The SAM account name, for people and the protected list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl AccountRef {
    /// An account named by one identifier, classified by its shape: a SID (`S-1-…`), a GUID
    /// (an Entra object id), a user principal name (`@`), else a SAM account name.
    pub fn parse(text: &str) -> AccountRef {
        let text = text.trim().to_owned();
        if text.len() > 4 && text[..4].eq_ignore_ascii_case("S-1-") {
            AccountRef {
                sid: Some(text),
                ..AccountRef::default()
            }
        } else if uuid::Uuid::parse_str(&text).is_ok() {
            AccountRef {
                object_id: Some(text),
                ..AccountRef::default()
            }
        } else if text.contains('@') {
            AccountRef {
                upn: Some(text),
                ..AccountRef::default()
            }
        } else {
            AccountRef {
                name: Some(text),
                ..AccountRef::default()
            }
        }
    }

    /// Every identifier, for matching against the protected list and for messages.
    pub fn names(&self) -> Vec<&str> {
        [&self.upn, &self.sid, &self.object_id, &self.name]
            .into_iter()
            .filter_map(|v| v.as_deref())
            .collect()
    }

    fn label(&self) -> String {
        self.names()
            .first()
            .map_or_else(|| "(no identifier)".to_owned(), |n| (*n).to_owned())
    }
}

/// The frozen parameters of `account_action`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountParams {
    pub action: AccountVerb,
    pub accounts: Vec<AccountRef>,
}

/// How a failed call ends: retried when repeating it is safe, else as
/// [`Outcome::of_unrepeatable_error`].
fn failed(what: &str, e: &Error, safe_to_repeat: bool) -> Outcome {
    if safe_to_repeat {
        Outcome::of_error(what, e)
    } else {
        Outcome::of_unrepeatable_error(
            what,
            e,
            "no API tells whether it happened: check the account, and act by hand if needed",
        )
    }
}

/// Executes `account_action`.
pub async fn execute(client: &Client, params: &AccountParams, protected: &Protected) -> Outcome {
    for account in &params.accounts {
        if let Some(entry) = protected.account(&account.names()) {
            return Outcome::Refused(format!(
                "account {} is protected (settings `protected.accounts`: {entry}); nothing was requested",
                account.label()
            ));
        }
    }
    let verb = params.action;
    let mut results = Vec::with_capacity(params.accounts.len());
    match verb {
        AccountVerb::MarkCompromised => {
            let ids: Vec<String> = params.accounts.iter().filter_map(|a| a.object_id.clone()).collect();
            if ids.len() != params.accounts.len() {
                return Outcome::failed(format!("{verb} needs {} of every account", verb.needs()), false);
            }
            if let Err(e) = client.confirm_compromised(&ids).await {
                return failed(&format!("{verb} of {}", ids.join(", ")), &e, true);
            }
            results.extend(ids.iter().map(|id| json!({ "account": id, "done": true })));
        }
        AccountVerb::RevokeSessions => {
            for account in &params.accounts {
                let Some(user) = account.object_id.as_ref().or(account.upn.as_ref()) else {
                    return Outcome::failed(format!("{verb} of {} needs {}", account.label(), verb.needs()), false);
                };
                if let Err(e) = client.revoke_sign_in_sessions(user).await {
                    return failed(&format!("{verb} of {user}"), &e, true);
                }
                results.push(json!({ "account": user, "done": true }));
            }
        }
        AccountVerb::Disable | AccountVerb::Enable | AccountVerb::ForcePasswordReset => {
            for account in &params.accounts {
                match invoke(client, verb, account).await {
                    Ok(result) => results.push(result),
                    Err(outcome) => return outcome,
                }
            }
        }
    }
    Outcome::Started(json!({ "accounts": results }))
}

/// One Defender for Identity action on one account.
async fn invoke(client: &Client, verb: AccountVerb, account: &AccountRef) -> Result<serde_json::Value, Outcome> {
    let Some(sid) = &account.sid else {
        return Err(Outcome::failed(
            format!(
                "{verb} of {} needs {} (userSid of the user evidence)",
                account.label(),
                verb.needs()
            ),
            false,
        ));
    };
    let identities = client
        .identity_accounts_by_sid(sid)
        .await
        .map_err(|e| failed(&format!("cannot read the identity of {sid}"), &e, true))?;
    let Some(identity) = identities.first() else {
        return Err(Outcome::failed(
            format!("no Defender for Identity account has the SID {sid} (is the domain covered by a sensor?)"),
            false,
        ));
    };
    let already = match (verb, identity.is_enabled) {
        (AccountVerb::Disable, Some(false)) => Some("already disabled"),
        (AccountVerb::Enable, Some(true)) => Some("already enabled"),
        _ => None,
    };
    if let Some(note) = already {
        return Ok(json!({ "account": sid, "identity": identity.id, "note": note }));
    }
    let Some(provider) = identity
        .accounts
        .iter()
        .find(|a| a.identity_provider.eq_ignore_ascii_case("activeDirectory"))
    else {
        return Err(Outcome::failed(
            format!("the identity of {sid} has no Active Directory account to {verb}"),
            false,
        ));
    };
    let request = InvokeActionRequest {
        account_id: provider.identifier.clone(),
        action: verb.invoke_action().unwrap_or_default().to_owned(),
        identity_provider: "activeDirectory".to_owned(),
    };
    // Disable and enable can be settled by reading `isEnabled` again: safe to retry.
    let repeatable = verb.is_checkable();
    client
        .invoke_identity_action(&identity.id, &request)
        .await
        .map_err(|e| failed(&format!("{verb} of {sid}"), &e, repeatable))?;
    Ok(json!({ "account": sid, "identity": identity.id, "done": true }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_classified_by_the_shape_of_their_identifier() {
        assert_eq!(
            AccountRef::parse("S-1-5-21-1-2-3-1001").sid.as_deref(),
            Some("S-1-5-21-1-2-3-1001")
        );
        assert!(
            AccountRef::parse("0a1b2c3d-0000-4000-8000-000000000001")
                .object_id
                .is_some()
        );
        assert!(AccountRef::parse(" jane@contoso.com ").upn.as_deref() == Some("jane@contoso.com"));
        assert_eq!(AccountRef::parse("jdoe").name.as_deref(), Some("jdoe"));
        assert_eq!(AccountVerb::RevokeSessions.permission(), Permission::UserRevokeSessions);
        assert_eq!(
            AccountVerb::ForcePasswordReset.invoke_action(),
            Some("forcePasswordReset")
        );
    }
}
