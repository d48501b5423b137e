//! Defender for Endpoint indicators (response-actions-api.md §4, §8): submit or update, the
//! documented bad values, visibility by permission, delete, the tenant cap.

use graphsoar::emulator::{Client, EmulatorOptions};
use graphsoar::graph::models::defender::DEFENDER_RESOURCE;
use serde_json::{Value, json};

use super::defender::{assert_mde, defender, defender_reader, token_for};
use super::support::{Tenant, small_dataset, start};

fn indicator(value: &str, kind: &str, action: &str) -> Value {
    json!({"indicatorValue": value, "indicatorType": kind, "action": action, "title": "Known bad",
           "description": "Seen in incident 42", "severity": "High", "application": "graphsoar"})
}

const SHA1: &str = "220e7d15b011d7fac48f2bd61114db1022197f7f";

/// An emulator with a third client that holds Ti.ReadWrite only (its own indicators).
async fn tenant(max_indicators: usize) -> Tenant {
    let mut config = EmulatorOptions::new(small_dataset(1));
    config.max_indicators = max_indicators;
    config.clients.push(Client {
        client_id: "ti-bot".into(),
        display_name: "TI bot".into(),
        secret: Some("ti-secret".into()),
        certificates: Vec::new(),
        assertion_algorithms: Vec::new(),
        roles: vec!["Ti.ReadWrite".into()],
    });
    start(config).await
}

#[tokio::test]
async fn submitting_the_same_indicator_again_updates_it() {
    let tenant = tenant(15_000).await;
    let token = defender(&tenant).await;
    let first = tenant
        .post(&token, "/api/indicators", &indicator(SHA1, "FileSha1", "Block"))
        .await;
    assert_eq!(first.status.as_u16(), 200, "{:#}", first.body);
    let id = first.body["id"].as_str().unwrap().to_owned();
    assert!(id.parse::<u64>().is_ok(), "a numeric id: {id}");
    assert_eq!(first.body["createdBy"], "graphsoar-local");
    assert_eq!(first.body["createdByDisplayName"], "graphsoar (local)");
    assert!(
        first.body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("#Indicators/$entity")
    );
    // Same value (another case), type and action: the same indicator, updated; `application` kept.
    let mut again = indicator(&SHA1.to_uppercase(), "FileSha1", "Block");
    again["title"] = json!("Known bad, confirmed");
    again["application"] = json!("another app");
    let updated = tenant.post(&token, "/api/indicators", &again).await;
    assert_eq!(updated.status.as_u16(), 200, "{:#}", updated.body);
    assert_eq!(updated.body["id"], id.as_str());
    assert_eq!(updated.body["title"], "Known bad, confirmed");
    assert_eq!(updated.body["application"], "graphsoar");
    let (created, bumped) = (
        first.body["lastUpdateTime"].as_str().unwrap(),
        updated.body["lastUpdateTime"].as_str().unwrap(),
    );
    assert!(
        chrono::DateTime::parse_from_rfc3339(bumped).unwrap() > chrono::DateTime::parse_from_rfc3339(created).unwrap()
    );
    let list = tenant.get(&token, "/api/indicators").await;
    assert_eq!(list.ids(), [id.as_str()], "{:#}", list.body);
    // Another action on the same value is another indicator.
    let allowed = tenant
        .post(&token, "/api/indicators", &indicator(SHA1, "FileSha1", "Allowed"))
        .await;
    assert_ne!(allowed.body["id"], id.as_str());
    let ip = tenant
        .post(
            &token,
            "/api/indicators",
            &indicator("203.0.113.45", "IpAddress", "Block"),
        )
        .await;
    assert_eq!(ip.status.as_u16(), 200, "{:#}", ip.body);
    assert_eq!(tenant.get(&token, "/api/indicators").await.ids().len(), 3);
    // An expired indicator is not active: not listed.
    let mut expired = indicator("evil.example.org", "DomainName", "Block");
    expired["expirationTime"] = json!("2020-01-01T00:00:00Z");
    assert_eq!(
        tenant.post(&token, "/api/indicators", &expired).await.status.as_u16(),
        200
    );
    let filtered = tenant
        .get(
            &token,
            &format!("/api/indicators?$filter=indicatorValue eq '{SHA1}' and action eq 'Block'"),
        )
        .await;
    assert_eq!(filtered.ids(), [id.as_str()]);
    let by_type = tenant
        .get(&token, "/api/indicators?$filter=indicatorType eq 'IpAddress'")
        .await;
    assert_eq!(by_type.ids(), [ip.body["id"].as_str().unwrap()]);
    assert_eq!(tenant.get(&token, "/api/indicators?$top=1").await.ids(), [id.as_str()]);
    // Delete: 204, then 404; the list forgets it.
    let delete = |id: String| {
        let (tenant, token) = (&tenant, &token);
        async move {
            let response = tenant
                .http
                .delete(tenant.url(&format!("/api/indicators/{id}")))
                .bearer_auth(token)
                .send()
                .await;
            super::support::answer(response.unwrap()).await
        }
    };
    let deleted = delete(id.clone()).await;
    assert_eq!(deleted.status.as_u16(), 204, "{:#}", deleted.body);
    assert_mde(
        &delete(id.clone()).await,
        404,
        "ResourceNotFound",
        &format!("Indicator {id} was not found"),
    );
    assert_eq!(tenant.get(&token, "/api/indicators").await.ids().len(), 2);
    let state: Value = tenant
        .http
        .get(tenant.url("/_emulator/defender"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["indicators"].as_array().unwrap().len(), 3, "the expired one too");
}

#[tokio::test]
async fn invalid_indicators_are_refused_saying_what_is_wrong() {
    let tenant = tenant(15_000).await;
    let token = defender(&tenant).await;
    let with = |change: Value| {
        let mut body = indicator(SHA1, "FileSha1", "Block");
        for (key, value) in change.as_object().unwrap() {
            if value.is_null() {
                body.as_object_mut().unwrap().remove(key);
            } else {
                body[key] = value.clone();
            }
        }
        body
    };
    for (change, code, needle) in [
        (
            json!({"indicatorValue": null}),
            "MissingRequiredParameter",
            "Parameter indicatorValue is missing.",
        ),
        (
            json!({"indicatorType": null}),
            "MissingRequiredParameter",
            "Parameter indicatorType is missing.",
        ),
        (
            json!({"action": null}),
            "MissingRequiredParameter",
            "Parameter action is missing.",
        ),
        (
            json!({"title": ""}),
            "MissingRequiredParameter",
            "Parameter title is missing.",
        ),
        (
            json!({"description": null}),
            "MissingRequiredParameter",
            "Parameter description is missing.",
        ),
        (
            json!({"IndicatorValue": SHA1}),
            "InvalidRequestBody",
            "write 'indicatorValue'",
        ),
        (json!({"indicatorType": "Sha1"}), "InvalidInput", "indicatorType 'Sha1'"),
        (json!({"action": "Audit"}), "InvalidInput", "generateAlert"),
        (
            json!({"indicatorValue": "1234"}),
            "InvalidHashValue",
            "Hash value 1234 is invalid",
        ),
        (
            json!({"indicatorType": "FileSha256"}),
            "InvalidHashValue",
            "64 hexadecimal characters",
        ),
        (
            json!({"indicatorType": "FileMd5"}),
            "InvalidHashValue",
            "32 hexadecimal characters",
        ),
        (
            json!({"indicatorType": "IpAddress", "indicatorValue": "198.51.100.0/24"}),
            "InvalidIpAddress",
            "not CIDR",
        ),
        (
            json!({"indicatorType": "IpAddress", "indicatorValue": "192.168.1.10"}),
            "InvalidIpAddress",
            "external (public)",
        ),
        (
            json!({"indicatorType": "IpAddress", "indicatorValue": "not-an-ip"}),
            "InvalidIpAddress",
            "not an IPv4 or IPv6",
        ),
        (
            json!({"indicatorType": "DomainName", "indicatorValue": "http://evil.example.com"}),
            "InvalidDomainName",
            "without a scheme",
        ),
        (
            json!({"indicatorType": "Url", "indicatorValue": "ftp://evil.example.com/a"}),
            "InvalidUrl",
            "not http or https",
        ),
    ] {
        let answer = tenant.post(&token, "/api/indicators", &with(change.clone())).await;
        assert_mde(&answer, 400, code, needle);
    }
    assert_eq!(tenant.get(&token, "/api/indicators").await.ids(), Vec::<String>::new());
}

#[tokio::test]
async fn ti_readwrite_sees_only_its_own_and_the_tenant_cap_holds() {
    let tenant = tenant(2).await;
    let all = defender(&tenant).await;
    let own = token_for(&tenant, ("ti-bot", "ti-secret"), DEFENDER_RESOURCE).await;
    let mine = tenant
        .post(
            &own,
            "/api/indicators",
            &indicator("evil.example.com", "DomainName", "Block"),
        )
        .await;
    assert_eq!(mine.status.as_u16(), 200, "{:#}", mine.body);
    let theirs = tenant
        .post(
            &all,
            "/api/indicators",
            &indicator("https://evil.example.net/x", "Url", "Warn"),
        )
        .await;
    assert_eq!(theirs.status.as_u16(), 200, "{:#}", theirs.body);
    assert_eq!(
        tenant.get(&own, "/api/indicators").await.ids(),
        [mine.body["id"].as_str().unwrap()]
    );
    assert_eq!(tenant.get(&all, "/api/indicators").await.ids().len(), 2);
    let id = theirs.body["id"].as_str().unwrap();
    let response = tenant
        .http
        .delete(tenant.url(&format!("/api/indicators/{id}")))
        .bearer_auth(&own)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        404,
        "another app's indicator is not the bot's to delete"
    );
    // The cap (2 here): a third new indicator is refused, an update of one is not.
    let third = tenant
        .post(&all, "/api/indicators", &indicator(SHA1, "FileSha1", "Block"))
        .await;
    assert_mde(&third, 400, "BadRequest", "the limit of 2 per tenant");
    let update = tenant
        .post(
            &own,
            "/api/indicators",
            &indicator("evil.example.com", "DomainName", "Block"),
        )
        .await;
    assert_eq!(update.status.as_u16(), 200, "{:#}", update.body);
    // The reader has no Ti permission.
    let reader = defender_reader(&tenant).await;
    assert_mde(
        &tenant.get(&reader, "/api/indicators").await,
        403,
        "Forbidden",
        "required permission Ti.ReadWrite",
    );
}
