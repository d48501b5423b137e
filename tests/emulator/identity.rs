//! Graph's identity and email response actions on the emulator (response-actions-api.md §5, §6):
//! identityAccounts list/get/invokeAction, revokeSignInSessions, confirmCompromised and
//! analyzedEmails/remediate, with every documented bad input, the reader's 403s, a fault, `$batch`,
//! the state at `/_emulator/identity`, and graphsoar's own client against them.

use std::collections::HashSet;

use graphsoar::emulator::EmulatorOptions;
use graphsoar::graph::models::identity::{AnalyzedEmailRef, InvokeActionRequest, RemediateRequest};
use serde_json::{Value, json};

use super::support::{Answer, Tenant, answer, start};

/// A user of the bundled dataset (its user evidence).
const SID: &str = "S-1-5-21-1004336348-1177238915-682003330-1106";
const UPN: &str = "john.doe@contoso.com";
const OBJECT_ID: &str = "54b22512-d71d-4fac-9466-8f6b56f96c08";
/// The AD object GUID of that user's evidence: its activeDirectory account.
const AD_ACCOUNT: &str = "9ba1b051-553d-4ad9-a868-31f8b6e168a0";
/// A message of the bundled dataset (analyzedMessageEvidence and EmailEvents).
const MESSAGE: (&str, &str) = ("0188e0ae-42e1-49da-9baa-a92fd0a8df41", "isabella.hendriks@contoso.com");

const ACCOUNTS: &str = "/v1.0/security/identities/identityAccounts";
const REMEDIATE: &str = "/v1.0/security/collaboration/analyzedEmails/remediate";
const CONFIRM: &str = "/v1.0/identityProtection/riskyUsers/confirmCompromised";

async fn bundled() -> Tenant {
    start(EmulatorOptions::bundled().unwrap()).await
}

/// John Doe's identity, found by SID.
async fn john(tenant: &Tenant, token: &str) -> Value {
    let found = tenant
        .get(
            token,
            &format!("{ACCOUNTS}?$filter=onPremisesSecurityIdentifier eq '{SID}'"),
        )
        .await;
    assert_eq!(found.status.as_u16(), 200, "{:#}", found.body);
    let value = found.body["value"].as_array().unwrap();
    assert_eq!(value.len(), 1, "{:#}", found.body);
    value[0].clone()
}

/// `GET /_emulator/identity`.
async fn state(tenant: &Tenant) -> Value {
    answer(tenant.http.get(tenant.url("/_emulator/identity")).send().await.unwrap())
        .await
        .body
}

/// John Doe in `/_emulator/identity`.
async fn john_state(tenant: &Tenant) -> Value {
    let state = state(tenant).await;
    state["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["onPremisesSecurityIdentifier"] == SID)
        .cloned()
        .unwrap()
}

/// Asserts a 400 `invalidRequest` whose message says `needle`.
fn assert_invalid(answer: &Answer, needle: &str) {
    answer.assert_error(400, "invalidRequest");
    assert!(answer.message().contains(needle), "{needle}: {:#}", answer.body);
}

fn remediation(action: &str, emails: Value) -> Value {
    json!({"displayName": "Clean up phish", "description": "Delete email", "severity": "medium",
           "action": action, "remediateSendersCopy": "false", "analyzedEmails": emails})
}

fn message(id: &str, recipient: &str) -> Value {
    json!({"networkMessageId": id, "recipientEmailAddress": recipient})
}

/// The bulk id in a remediation's `Location` (the decoded `filters` parameter).
fn bulk_id(answer: &Answer) -> String {
    let location = answer.header("location").expect("a Location header");
    let url = url::Url::parse(location).expect("a valid URL");
    assert_eq!(
        (url.host_str(), url.path()),
        (Some("security.microsoft.com"), "/action-center/history")
    );
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert!(pairs.contains(&("tid".to_owned(), "local".to_owned())), "{location}");
    let filters = &pairs.iter().find(|(k, _)| k == "filters").expect("filters").1;
    let filters: Value = serde_json::from_str(filters).unwrap();
    filters["bulkId"][0].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn identities_are_the_users_of_alert_evidence_listed_filtered_and_paged() {
    let tenant = bundled().await;
    let token = tenant.admin().await;
    let pages = tenant.pages(&token, &format!("{ACCOUNTS}?$top=10")).await;
    assert_eq!(pages.len(), 5, "42 identities in pages of 10");
    let ids: Vec<String> = pages.iter().flat_map(super::support::ids).collect();
    assert_eq!(ids.len(), 42);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 42, "each identity once");
    assert!(
        pages[0]["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/v1.0/$metadata#security/identities/identityAccounts")
    );
    let counted = tenant.get(&token, &format!("{ACCOUNTS}?$count=true&$top=1")).await;
    assert_eq!(counted.body["@odata.count"], 42, "{:#}", counted.body);
    // The machine's own accounts are nobody's identity.
    let system = tenant
        .get(
            &token,
            &format!("{ACCOUNTS}?$filter=onPremisesSecurityIdentifier eq 'S-1-5-18'"),
        )
        .await;
    assert_eq!(system.body["value"], json!([]));

    let john = john(&tenant, &token).await;
    assert_eq!(john["@odata.type"], "#microsoft.graph.security.user");
    assert_eq!(john["displayName"], "John Doe");
    assert_eq!(john["domain"], "CONTOSO");
    assert_eq!(john["isEnabled"], true);
    assert_eq!(john["userPrincipalName"], UPN);
    assert!(
        john["cloudSecurityIdentifier"]
            .as_str()
            .unwrap()
            .starts_with("S-1-12-1-")
    );
    assert_eq!(
        john["accounts"],
        json!([
            {"identifier": AD_ACCOUNT, "identityProvider": "activeDirectory",
             "actions": ["disable", "enable", "forcePasswordReset"]},
            {"identifier": OBJECT_ID, "identityProvider": "entraID",
             "actions": ["disable", "enable", "revokeAllSessions", "requireUserToSignInAgain", "markUserAsCompromised"]},
        ])
    );
    let id = john["id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    // The same id on every start: it comes from the SID.
    let again = bundled().await;
    let again_token = again.admin().await;
    assert_eq!(self::john(&again, &again_token).await["id"], id);

    let got = tenant.get(&token, &format!("{ACCOUNTS}/{id}")).await;
    assert_eq!(got.status.as_u16(), 200, "{:#}", got.body);
    assert!(
        got.body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("#security/identities/identityAccounts/$entity")
    );
    assert_eq!(got.body["onPremisesSecurityIdentifier"], SID);
    let beta = tenant
        .get(
            &token,
            &format!("/beta/security/identities/identityAccounts/{id}?$select=displayName"),
        )
        .await;
    assert_eq!(
        beta.body,
        json!({"@odata.context": format!("{}/beta/$metadata#security/identities/identityAccounts(displayName)/$entity",
                                         tenant.running.base_url),
               "@odata.type": "#microsoft.graph.security.user", "displayName": "John Doe"})
    );
    let starting = tenant
        .get(
            &token,
            &format!("{ACCOUNTS}?$filter=startswith(displayName,'John') and domain eq 'CONTOSO'"),
        )
        .await;
    assert_eq!(
        starting.ids().len(),
        2,
        "John Doe and John Doe (admin): {:#}",
        starting.body
    );

    let missing = tenant
        .get(&token, &format!("{ACCOUNTS}/00000000-0000-0000-0000-000000000000"))
        .await;
    missing.assert_error(404, "itemNotFound");
    assert!(missing.message().contains("00000000-0000-0000-0000-000000000000"));
    for (query, needle) in [
        ("$filter=riskLevel eq 'high'", "'riskLevel' cannot be filtered"),
        ("$filter=displayName eq", "Invalid filter clause"),
        ("$top=5000", "too large"),
        ("$orderby=displayName", "not supported"),
        ("$skiptoken=garbage", "$skiptoken is not valid"),
    ] {
        let refused = tenant.get(&token, &format!("{ACCOUNTS}?{query}")).await;
        refused.assert_error(400, "BadRequest");
        assert!(refused.message().contains(needle), "{query}: {:#}", refused.body);
    }
}

#[tokio::test]
async fn invoke_action_disables_enables_and_resets_passwords() {
    let tenant = bundled().await;
    let token = tenant.admin().await;
    let john = john(&tenant, &token).await;
    let path = format!("{ACCOUNTS}/{}/invokeAction", john["id"].as_str().unwrap());
    let invoke = |action: &str, provider: &str, account: &str| json!({"accountId": account, "action": action, "identityProvider": provider});
    let disabled = tenant
        .post(&token, &path, &invoke("disable", "activeDirectory", AD_ACCOUNT))
        .await;
    assert_eq!(disabled.status.as_u16(), 200, "{:#}", disabled.body);
    assert_eq!(disabled.body["accountId"], AD_ACCOUNT);
    assert_eq!(disabled.body["action"], "disable");
    assert_eq!(disabled.body["identityProvider"], "activeDirectory");
    assert!(uuid::Uuid::parse_str(disabled.body["correlationId"].as_str().unwrap()).is_ok());
    assert!(
        disabled.body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#microsoft.graph.security.invokeActionResult")
    );
    assert_eq!(self::john(&tenant, &token).await["isEnabled"], false);
    let off = tenant
        .get(&token, &format!("{ACCOUNTS}?$filter=isEnabled eq false"))
        .await;
    assert_eq!(off.ids(), [john["id"].as_str().unwrap()], "{:#}", off.body);
    let enabled = tenant
        .post(&token, &path, &invoke("enable", "activeDirectory", AD_ACCOUNT))
        .await;
    assert_eq!(enabled.status.as_u16(), 200, "{:#}", enabled.body);
    assert_eq!(self::john(&tenant, &token).await["isEnabled"], true);
    for _ in 0..2 {
        let reset = tenant
            .post(
                &token,
                &path,
                &invoke("forcePasswordReset", "activeDirectory", AD_ACCOUNT),
            )
            .await;
        assert_eq!(reset.status.as_u16(), 200, "{:#}", reset.body);
    }
    // The qualified name of the bound action works too, and Entra ID actions count where they belong.
    let qualified = format!(
        "{ACCOUNTS}/{}/microsoft.graph.security.invokeAction",
        john["id"].as_str().unwrap()
    );
    let revoked = tenant
        .post(&token, &qualified, &invoke("revokeAllSessions", "entraID", OBJECT_ID))
        .await;
    assert_eq!(revoked.status.as_u16(), 200, "{:#}", revoked.body);
    let john_state = john_state(&tenant).await;
    assert_eq!(john_state["isEnabled"], true);
    assert_eq!(john_state["passwordResets"], 2);
    assert_eq!(john_state["sessionsRevoked"], 1);
    assert_eq!(john_state["compromised"], false);
    let stats = crate::support::emulator_stats(&tenant.running.base_url).await;
    assert_eq!(
        stats["byRoute"]["POST /v1.0/security/identities/identityAccounts/{id}/invokeAction"], 4,
        "{stats:#}"
    );
}

#[tokio::test]
async fn invoke_action_refuses_what_the_identity_does_not_have() {
    let tenant = bundled().await;
    let token = tenant.admin().await;
    let john = john(&tenant, &token).await;
    let path = format!("{ACCOUNTS}/{}/invokeAction", john["id"].as_str().unwrap());
    let cases = [
        (
            json!({"accountId": AD_ACCOUNT, "action": "lock", "identityProvider": "activeDirectory"}),
            "'lock' is not a member of security.action",
        ),
        (
            json!({"accountId": AD_ACCOUNT, "action": "disable", "identityProvider": "ActiveDirectory"}),
            "did you mean 'activeDirectory'",
        ),
        (
            json!({"accountId": AD_ACCOUNT, "action": "disable", "identityProvider": "okta"}),
            "has no okta account; its accounts are activeDirectory, entraID",
        ),
        (
            json!({"accountId": OBJECT_ID, "action": "disable", "identityProvider": "activeDirectory"}),
            &format!("'accountId': '{OBJECT_ID}' is not the activeDirectory account"),
        ),
        (
            json!({"accountId": OBJECT_ID, "action": "forcePasswordReset", "identityProvider": "entraID"}),
            "forcePasswordReset is not available for the entraID account",
        ),
        (
            json!({"action": "disable", "identityProvider": "activeDirectory"}),
            "'accountId' is required",
        ),
        (
            json!({"accountId": "", "action": "disable", "identityProvider": "activeDirectory"}),
            "'accountId' must not be empty",
        ),
        (
            json!({"accountId": AD_ACCOUNT, "action": "disable", "identityProvider": "activeDirectory", "force": true}),
            "'force' in the request payload is not a valid parameter",
        ),
        (json!(["disable"]), "must be a JSON object"),
    ];
    for (body, needle) in &cases {
        assert_invalid(&tenant.post(&token, &path, body).await, needle);
    }
    assert_eq!(john_state(&tenant).await["isEnabled"], true, "nothing was applied");
    let unknown = tenant
        .post(
            &token,
            &format!("{ACCOUNTS}/not-an-identity/invokeAction"),
            &json!({"accountId": AD_ACCOUNT, "action": "disable", "identityProvider": "activeDirectory"}),
        )
        .await;
    unknown.assert_error(404, "itemNotFound");
    let not_json = answer(
        tenant
            .http
            .post(tenant.url(&path))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body("{accountId")
            .send()
            .await
            .unwrap(),
    )
    .await;
    not_json.assert_error(400, "BadRequest");
}

#[tokio::test]
async fn sessions_are_revoked_by_object_id_or_upn() {
    let tenant = bundled().await;
    let token = tenant.admin().await;
    let by_id = tenant
        .post(
            &token,
            &format!("/v1.0/users/{OBJECT_ID}/revokeSignInSessions"),
            &json!({}),
        )
        .await;
    assert_eq!(by_id.status.as_u16(), 200, "{:#}", by_id.body);
    assert_eq!(
        by_id.body,
        json!({"@odata.context": format!("{}/v1.0/$metadata#Edm.Boolean", tenant.running.base_url), "value": true})
    );
    // By UPN in another case, on /beta, and with no body at all.
    let by_upn = answer(
        tenant
            .http
            .post(tenant.url("/beta/users/JOHN.DOE%40contoso.com/revokeSignInSessions"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(by_upn.status.as_u16(), 200, "{:#}", by_upn.body);
    assert_eq!(by_upn.body["value"], true);
    let state = john_state(&tenant).await;
    assert_eq!(state["sessionsRevoked"], 2, "{state:#}");
    assert!(state["sessionsRevokedDateTime"].is_string(), "{state:#}");

    let unknown = tenant
        .post(
            &token,
            "/v1.0/users/nobody@contoso.com/revokeSignInSessions",
            &json!({}),
        )
        .await;
    unknown.assert_error(404, "Request_ResourceNotFound");
    assert!(
        unknown.message().contains("'nobody@contoso.com' does not exist"),
        "{:#}",
        unknown.body
    );
    let with_parameter = tenant
        .post(
            &token,
            &format!("/v1.0/users/{OBJECT_ID}/revokeSignInSessions"),
            &json!({"all": true}),
        )
        .await;
    assert_invalid(&with_parameter, "'all' in the request payload is not a valid parameter");
    assert_eq!(john_state(&tenant).await["sessionsRevoked"], 2);
}

#[tokio::test]
async fn confirm_compromised_sets_risk_high_and_names_unknown_ids() {
    let tenant = bundled().await;
    let token = tenant.admin().await;
    let confirmed = tenant.post(&token, CONFIRM, &json!({"userIds": [OBJECT_ID]})).await;
    assert_eq!(confirmed.status.as_u16(), 204, "{:#}", confirmed.body);
    assert_eq!(confirmed.body, json!(""), "no body");
    let john = john_state(&tenant).await;
    assert_eq!(
        (&john["compromised"], &john["riskLevel"]),
        (&json!(true), &json!("high"))
    );

    let unknown = "11111111-2222-3333-4444-555555555555";
    // Ana Nelson is known, the second id is not: 400, and nobody is confirmed.
    let ava = "73a39aba-6117-46c2-aaa4-402253f6c87a";
    for (body, needle) in [
        (json!({}), "'userIds' is required"),
        (json!({"userIds": []}), "'userIds' must not be empty"),
        (json!({"userIds": "x"}), "must be an array of user object ids"),
        (
            json!({"userIds": [ava, unknown]}),
            &format!("userIds[1]: no user has the object id '{unknown}'"),
        ),
        (json!({"userIds": [UPN]}), "takes object ids, not user principal names"),
        (json!({"userIds": [7]}), "userIds[0] must be a user's object id"),
        (
            json!({"userIds": [ava], "reason": "x"}),
            "'reason' in the request payload",
        ),
    ] {
        assert_invalid(&tenant.post(&token, CONFIRM, &body).await, needle);
    }
    let state = state(&tenant).await;
    let compromised: Vec<&Value> = state["identities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["compromised"] == true)
        .collect();
    assert_eq!(compromised.len(), 1, "only John Doe: {compromised:#?}");
}

#[tokio::test]
async fn remediation_is_accepted_with_a_link_and_recorded_per_message() {
    let tenant = bundled().await;
    let token = tenant.admin().await;
    let (id, recipient) = MESSAGE;
    let emails = json!([
        message(id, recipient),
        message("ffffffff-0000-0000-0000-000000000000", recipient)
    ]);
    let accepted = tenant.post(&token, REMEDIATE, &remediation("softDelete", emails)).await;
    assert_eq!(accepted.status.as_u16(), 202, "{:#}", accepted.body);
    assert_eq!(accepted.body, json!(""), "an empty body");
    assert_eq!(accepted.header("content-length"), Some("0"));
    let first = bulk_id(&accepted);
    // The same message again, to the same place (in another case): already there.
    let again = tenant
        .post(
            &token,
            REMEDIATE,
            &remediation(
                "softDelete",
                json!([message(&id.to_uppercase(), "Isabella.Hendriks@contoso.com")]),
            ),
        )
        .await;
    assert_eq!(again.status.as_u16(), 202, "{:#}", again.body);
    let second = bulk_id(&again);
    assert_ne!(first, second);
    // moveToQuarantine is an evolvable member: only with the Prefer header.
    let quarantine = remediation("moveToQuarantine", json!([message(id, recipient)]));
    assert_invalid(
        &tenant.post(&token, REMEDIATE, &quarantine).await,
        "Prefer: include-unknown-enum-members",
    );
    let preferred = answer(
        tenant
            .http
            .post(tenant.url(REMEDIATE))
            .bearer_auth(&token)
            .header("prefer", "include-unknown-enum-members")
            .json(&quarantine)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(preferred.status.as_u16(), 202, "{:#}", preferred.body);

    let state = state(&tenant).await;
    let remediations = state["remediations"].as_array().unwrap();
    assert_eq!(remediations.len(), 3, "{state:#}");
    assert_eq!(remediations[0]["bulkId"], first.as_str());
    assert_eq!(remediations[0]["action"], "softDelete");
    assert_eq!(remediations[0]["remediateSendersCopy"], false);
    assert_eq!(remediations[0]["createdBy"], "graphsoar-local");
    assert_eq!(
        remediations[0]["messages"],
        json!([
            {"networkMessageId": id, "recipientEmailAddress": recipient, "status": "success"},
            {"networkMessageId": "ffffffff-0000-0000-0000-000000000000", "recipientEmailAddress": recipient,
             "status": "notFound"},
        ])
    );
    assert_eq!(remediations[1]["bulkId"], second.as_str());
    assert_eq!(remediations[1]["messages"][0]["status"], "alreadyInDestination");
    assert_eq!(remediations[2]["action"], "moveToQuarantine");
    assert_eq!(remediations[2]["messages"][0]["status"], "success");
    // A message of the EmailEvents table only (no alert evidence) is known too.
    let table_only = tenant
        .post(
            &token,
            REMEDIATE,
            &remediation(
                "moveToJunk",
                json!([message(
                    "439b9394-ea77-4fbc-8f79-2c6910816ced",
                    "yuki.keller@contoso.com"
                )]),
            ),
        )
        .await;
    assert_eq!(table_only.status.as_u16(), 202);
    assert_eq!(state_of_last(&tenant).await["messages"][0]["status"], "success");
}

async fn state_of_last(tenant: &Tenant) -> Value {
    state(tenant).await["remediations"]
        .as_array()
        .unwrap()
        .last()
        .cloned()
        .unwrap()
}

#[tokio::test]
async fn remediation_names_every_bad_field() {
    let tenant = bundled().await;
    let token = tenant.admin().await;
    let good = || remediation("softDelete", json!([message(MESSAGE.0, MESSAGE.1)]));
    let with = |key: &str, value: Value| {
        let mut body = good();
        match value {
            Value::Null => {
                body.as_object_mut().unwrap().remove(key);
            }
            value => body[key] = value,
        }
        body
    };
    let cases = [
        (with("displayName", Value::Null), "'displayName' is required"),
        (with("displayName", json!(" ")), "'displayName' must not be empty"),
        (
            with("severity", json!("critical")),
            "'critical' is not a member of security.remediationSeverity",
        ),
        (
            with("action", json!("delete")),
            "'delete' is not a member of security.remediationAction",
        ),
        (with("action", json!("SoftDelete")), "did you mean 'softDelete'"),
        (
            with("action", json!("unknownFutureValue")),
            "not a member of security.remediationAction",
        ),
        (
            with("remediateSendersCopy", json!("nope")),
            "'remediateSendersCopy' must be true or false",
        ),
        (with("analyzedEmails", Value::Null), "'analyzedEmails' is required"),
        (with("analyzedEmails", json!([])), "'analyzedEmails' must not be empty"),
        (
            with("analyzedEmails", json!([{"networkMessageId": MESSAGE.0}])),
            "analyzedEmails[0].recipientEmailAddress is required",
        ),
        (
            with(
                "analyzedEmails",
                json!([message(MESSAGE.0, MESSAGE.1), {"recipientEmailAddress": "a@b.c"}]),
            ),
            "analyzedEmails[1].networkMessageId is required",
        ),
        (
            with(
                "analyzedEmails",
                json!([{"id": "73ca4154-58d8-43d0-a890-08dc18c52e6d-1311265001240363512-1"}]),
            ),
            "not the beta form",
        ),
        (
            with("approverUpn", json!("boss@contoso.com")),
            "'approverUpn' in the request payload",
        ),
    ];
    for (body, needle) in &cases {
        assert_invalid(&tenant.post(&token, REMEDIATE, body).await, needle);
    }
    assert_eq!(state(&tenant).await["remediations"], json!([]), "nothing was recorded");
    // The beta body takes approverUpn, and its enum has no moveToQuarantine.
    let beta = "/beta/security/collaboration/analyzedEmails/remediate";
    let approved = tenant
        .post(&token, beta, &with("approverUpn", json!("boss@contoso.com")))
        .await;
    assert_eq!(approved.status.as_u16(), 202, "{:#}", approved.body);
    let response = answer(
        tenant
            .http
            .post(tenant.url(beta))
            .bearer_auth(&token)
            .header("prefer", "include-unknown-enum-members")
            .json(&with("action", json!("moveToQuarantine")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_invalid(&response, "under /beta");
}

#[tokio::test]
async fn the_reader_lists_identities_but_is_refused_every_action() {
    let tenant = bundled().await;
    let reader = tenant.reader().await;
    let john = john(&tenant, &reader).await;
    let invoke = format!("{ACCOUNTS}/{}/invokeAction", john["id"].as_str().unwrap());
    let cases = [
        (
            invoke.as_str(),
            json!({"accountId": AD_ACCOUNT, "action": "disable", "identityProvider": "activeDirectory"}),
            "SecurityIdentitiesActions.ReadWrite.All",
        ),
        (
            &format!("/v1.0/users/{OBJECT_ID}/revokeSignInSessions"),
            json!({}),
            "User.RevokeSessions.All",
        ),
        (
            CONFIRM,
            json!({"userIds": [OBJECT_ID]}),
            "IdentityRiskyUser.ReadWrite.All",
        ),
        (
            REMEDIATE,
            remediation("softDelete", json!([message(MESSAGE.0, MESSAGE.1)])),
            "SecurityAnalyzedMessage.ReadWrite.All",
        ),
    ];
    for (path, body, permission) in &cases {
        let refused = tenant.post(&reader, path, body).await;
        refused.assert_error(403, "Forbidden");
        assert!(
            refused
                .message()
                .contains(&format!("API required roles: {permission}.")),
            "{path}: {:#}",
            refused.body
        );
    }
    let state = john_state(&tenant).await;
    assert_eq!(
        (&state["isEnabled"], &state["sessionsRevoked"]),
        (&json!(true), &json!(0))
    );
    // A client without SecurityIdentitiesAccount.Read.All cannot list them.
    let mut config = EmulatorOptions::bundled().unwrap();
    config.clients.push(graphsoar::emulator::Client {
        client_id: "alerts-only".into(),
        display_name: String::new(),
        secret: Some("s".into()),
        certificates: Vec::new(),
        assertion_algorithms: Vec::new(),
        roles: vec!["SecurityAlert.Read.All".into()],
    });
    let other = start(config).await;
    let alerts_only = other.token("alerts-only", "s").await;
    let refused = other.get(&alerts_only, ACCOUNTS).await;
    refused.assert_error(403, "Forbidden");
    assert!(
        refused.message().contains("SecurityIdentitiesAccount.Read.All"),
        "{:#}",
        refused.body
    );
}

#[tokio::test]
async fn a_fault_on_remediate_leaves_nothing_recorded_and_other_routes_alone() {
    let tenant = bundled().await;
    let token = tenant.admin().await;
    let set = tenant
        .admin_post("/_emulator/faults", &json!({"spec": "remediate=503@7:1"}))
        .await;
    assert_eq!(set.status.as_u16(), 200, "{:#}", set.body);
    let body = remediation("softDelete", json!([message(MESSAGE.0, MESSAGE.1)]));
    let unavailable = tenant.post(&token, REMEDIATE, &body).await;
    unavailable.assert_error(503, "ServiceUnavailable");
    assert_eq!(unavailable.header("retry-after"), Some("7"));
    assert!(unavailable.header("request-id").is_some());
    assert_eq!(state(&tenant).await["remediations"], json!([]));
    assert_eq!(tenant.get(&token, ACCOUNTS).await.status.as_u16(), 200);
    let bad = tenant
        .admin_post("/_emulator/faults", &json!({"spec": "identity=500:1"}))
        .await;
    assert_eq!(bad.status.as_u16(), 400);
    assert!(
        bad.message()
            .contains("identities, identity_action, revoke_sessions, confirm_compromised, remediate")
    );
    tenant
        .admin_post("/_emulator/faults", &json!({"spec": "identities=429:1"}))
        .await;
    tenant.get(&token, ACCOUNTS).await.assert_error(429, "TooManyRequests");
    tenant.admin_post("/_emulator/faults", &json!({"spec": ""})).await;
    let accepted = tenant.post(&token, REMEDIATE, &body).await;
    assert_eq!(accepted.status.as_u16(), 202);
}

#[tokio::test]
async fn the_actions_run_inside_a_batch() {
    let tenant = bundled().await;
    let token = tenant.admin().await;
    let json_header = json!({"Content-Type": "application/json"});
    let batch = json!({"requests": [
        {"id": "1", "method": "GET",
         "url": format!("/security/identities/identityAccounts?$filter=userPrincipalName%20eq%20%27{UPN}%27")},
        {"id": "2", "method": "POST", "url": format!("/users/{OBJECT_ID}/revokeSignInSessions"), "headers": json_header,
         "body": {}},
        {"id": "3", "method": "POST", "url": "/identityProtection/riskyUsers/confirmCompromised", "headers": json_header,
         "body": {"userIds": [OBJECT_ID]}},
        {"id": "4", "method": "POST", "url": "/security/collaboration/analyzedEmails/remediate", "headers": json_header,
         "body": remediation("moveToJunk", json!([message(MESSAGE.0, MESSAGE.1)]))},
    ]});
    let answer = tenant.post(&token, "/v1.0/$batch", &batch).await;
    assert_eq!(answer.status.as_u16(), 200, "{:#}", answer.body);
    let responses = answer.body["responses"].as_array().unwrap();
    let of = |id: &str| responses.iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(of("1")["status"], 200);
    assert_eq!(of("1")["body"]["value"][0]["onPremisesSecurityIdentifier"], SID);
    assert_eq!(of("2")["body"]["value"], true);
    assert_eq!(of("3")["status"], 204);
    assert_eq!(of("4")["status"], 202);
    assert!(of("4")["headers"]["Location"].as_str().unwrap().contains("bulkId"));
    let state = john_state(&tenant).await;
    assert_eq!(
        (&state["sessionsRevoked"], &state["compromised"]),
        (&json!(1), &json!(true))
    );
}

#[tokio::test]
async fn reset_forgets_the_actions_and_load_brings_new_users() {
    let tenant = bundled().await;
    let token = tenant.admin().await;
    let john = john(&tenant, &token).await;
    let path = format!("{ACCOUNTS}/{}/invokeAction", john["id"].as_str().unwrap());
    let disable = json!({"accountId": AD_ACCOUNT, "action": "disable", "identityProvider": "activeDirectory"});
    assert_eq!(tenant.post(&token, &path, &disable).await.status.as_u16(), 200);
    let remediate = remediation("hardDelete", json!([message(MESSAGE.0, MESSAGE.1)]));
    assert_eq!(tenant.post(&token, REMEDIATE, &remediate).await.status.as_u16(), 202);
    // A hard-deleted message cannot be moved any more.
    let back = remediation("moveToInbox", json!([message(MESSAGE.0, MESSAGE.1)]));
    assert_eq!(tenant.post(&token, REMEDIATE, &back).await.status.as_u16(), 202);
    let last = state_of_last(&tenant).await;
    assert_eq!(
        (&last["status"], &last["messages"][0]["status"]),
        (&json!("failed"), &json!("failure"))
    );

    // A loaded alert's user is an identity at once; the disabled account stays disabled.
    let alert = json!({"id": "loaded-1", "createdDateTime": "2030-01-01T00:00:00Z", "evidence": [
        {"@odata.type": "#microsoft.graph.security.userEvidence",
         "userAccount": {"accountName": "newhire", "domainName": "CONTOSO", "userSid": "S-1-5-21-9-9-9-4242",
                         "userPrincipalName": "new.hire@contoso.com", "displayName": "New Hire"}}]});
    let loaded = tenant.admin_post("/_emulator/load", &json!({"alerts": [alert]})).await;
    assert_eq!(loaded.status.as_u16(), 200, "{:#}", loaded.body);
    let new = tenant
        .get(
            &token,
            &format!("{ACCOUNTS}?$filter=onPremisesSecurityIdentifier eq 'S-1-5-21-9-9-9-4242'"),
        )
        .await;
    assert_eq!(new.body["value"][0]["displayName"], "New Hire", "{:#}", new.body);
    assert_eq!(
        new.body["value"][0]["accounts"].as_array().unwrap().len(),
        1,
        "no Entra account without an object id"
    );
    assert_eq!(john_state(&tenant).await["isEnabled"], false);

    let reset = tenant.admin_post("/_emulator/reset", &json!({})).await;
    assert_eq!(reset.status.as_u16(), 200);
    let state = state(&tenant).await;
    assert_eq!(state["remediations"], json!([]));
    assert_eq!(
        state["identities"].as_array().unwrap().len(),
        42,
        "the loaded user is gone"
    );
    assert_eq!(john_state(&tenant).await["isEnabled"], true);
}

#[tokio::test]
async fn a_generated_tenant_has_identities_too() {
    let tenant = start(EmulatorOptions::generated(60, 7)).await;
    let token = tenant.admin().await;
    let all = crate::support::list_all(&tenant.running.base_url, &token, ACCOUNTS).await;
    assert!(!all.is_empty());
    for identity in &all {
        let sid = identity["onPremisesSecurityIdentifier"].as_str().unwrap_or_default();
        assert!(!["S-1-5-18", "S-1-5-19", "S-1-5-20"].contains(&sid), "{identity:#}");
        assert!(!identity["accounts"].as_array().unwrap().is_empty(), "{identity:#}");
    }
}

/// graphsoar's own client and the emulator agree on every path, body and answer.
#[tokio::test]
async fn graphsoars_client_drives_every_action() {
    let tenant = bundled().await;
    let client = crate::support::local_client(
        &tenant.running,
        &graphsoar::config::Settings::embedded(),
        graphsoar::clock::Clock::system(),
    );
    let identities = client.identity_accounts_by_sid(SID).await.unwrap();
    assert_eq!(identities.len(), 1);
    let identity = &identities[0];
    assert_eq!(identity.is_enabled, Some(true));
    let ad = identity
        .accounts
        .iter()
        .find(|a| a.identity_provider == "activeDirectory")
        .unwrap();
    let request = InvokeActionRequest {
        account_id: ad.identifier.clone(),
        action: "disable".into(),
        identity_provider: "activeDirectory".into(),
    };
    client.invoke_identity_action(&identity.id, &request).await.unwrap();
    assert_eq!(
        client.identity_accounts_by_sid(SID).await.unwrap()[0].is_enabled,
        Some(false)
    );
    client.revoke_sign_in_sessions(UPN).await.unwrap();
    client.confirm_compromised(&[OBJECT_ID.to_owned()]).await.unwrap();
    let link = client
        .remediate_emails(&RemediateRequest {
            display_name: "graphsoar".into(),
            description: "phish".into(),
            severity: "high".into(),
            action: "moveToQuarantine".into(),
            remediate_senders_copy: false,
            analyzed_emails: vec![AnalyzedEmailRef {
                network_message_id: MESSAGE.0.into(),
                recipient_email_address: MESSAGE.1.into(),
            }],
        })
        .await
        .unwrap()
        .expect("a tracking link");
    assert!(
        link.starts_with("https://security.microsoft.com/action-center/history?filters="),
        "{link}"
    );
    let state = john_state(&tenant).await;
    assert_eq!(
        (&state["isEnabled"], &state["sessionsRevoked"], &state["compromised"]),
        (&json!(false), &json!(1), &json!(true))
    );
    assert_eq!(state_of_last(&tenant).await["messages"][0]["status"], "success");
    // A missing permission comes back as the client's permission error, naming it.
    let reader = graphsoar::graph::Client::new(
        {
            let mut options = crate::support::local_options(&tenant.running, &graphsoar::config::Settings::embedded());
            options.client_id = "graphsoar-reader".into();
            options.credentials = graphsoar::graph::Credentials::Secret("reader-secret".into());
            options
        },
        graphsoar::clock::Clock::system(),
    )
    .unwrap();
    let error = reader.revoke_sign_in_sessions(UPN).await.unwrap_err().to_string();
    assert!(error.contains("User.RevokeSessions.All"), "{error}");
}
