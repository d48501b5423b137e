//! Graph's identity and email response actions (response-actions-api.md §5, §6): Defender for
//! Identity's `invokeAction`, Entra's session revocation and risky-user confirmation, and
//! Defender for Office 365's email remediation. Each call names the permission its 403 lacks.

use reqwest::Method;

use super::Permission;
use super::client::{Client, encode, json_body};
use super::error::{Error, Operation};
use super::models::Page;
use super::models::identity::{ConfirmCompromisedRequest, IdentityAccount, InvokeActionRequest, RemediateRequest};

impl Client {
    /// The identities whose on-premises SID is `sid` (`identityAccounts?$filter=...`, §5.1).
    pub async fn identity_accounts_by_sid(&self, sid: &str) -> Result<Vec<IdentityAccount>, Error> {
        let filter = format!("onPremisesSecurityIdentifier eq '{}'", sid.replace('\'', "''"));
        let page: Page<IdentityAccount> = self
            .request_json(
                Method::GET,
                "security/identities/identityAccounts",
                &[("$filter", &filter)],
                None,
                Operation::Needs(Permission::SecurityIdentitiesAccountRead),
                true,
            )
            .await?;
        Ok(page.value)
    }

    /// `POST identityAccounts/{id}/invokeAction` (§5.2). Never repeated after an uncertain
    /// outcome: no API tells whether it happened.
    pub async fn invoke_identity_action(&self, identity: &str, request: &InvokeActionRequest) -> Result<(), Error> {
        let path = format!("security/identities/identityAccounts/{}/invokeAction", encode(identity));
        let body = json_body(request)?;
        let op = Operation::Needs(Permission::SecurityIdentitiesActionsReadWrite);
        let _: serde_json::Value = self
            .request_json(Method::POST, &path, &[], Some(&body), op, false)
            .await?;
        Ok(())
    }

    /// `POST users/{id}/revokeSignInSessions` (§5.3): each call resets the sessions' start, so
    /// it is safe to repeat.
    pub async fn revoke_sign_in_sessions(&self, user: &str) -> Result<(), Error> {
        let path = format!("users/{}/revokeSignInSessions", encode(user));
        let op = Operation::Needs(Permission::UserRevokeSessions);
        let _: serde_json::Value = self
            .request_json(Method::POST, &path, &[], Some(b"{}"), op, true)
            .await?;
        Ok(())
    }

    /// `POST identityProtection/riskyUsers/confirmCompromised` (§5.3): sets the users' risk to
    /// high (204), which a repeat leaves as it is.
    pub async fn confirm_compromised(&self, users: &[String]) -> Result<(), Error> {
        let body = json_body(&ConfirmCompromisedRequest {
            user_ids: users.to_vec(),
        })?;
        let op = Operation::Needs(Permission::IdentityRiskyUserReadWrite);
        self.request_location(
            Method::POST,
            "identityProtection/riskyUsers/confirmCompromised",
            Some(&body),
            op,
            true,
        )
        .await
        .map(drop)
    }

    /// `POST security/collaboration/analyzedEmails/remediate` (§6.1): 202 and the Action
    /// center link (`Location`). Never repeated after an uncertain outcome.
    pub async fn remediate_emails(&self, request: &RemediateRequest) -> Result<Option<String>, Error> {
        let body = json_body(request)?;
        let op = Operation::Needs(Permission::SecurityAnalyzedMessageReadWrite);
        self.request_location(
            Method::POST,
            "security/collaboration/analyzedEmails/remediate",
            Some(&body),
            op,
            false,
        )
        .await
    }
}
