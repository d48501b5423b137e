//! The Defender for Endpoint API on the emulator's listener (response-actions-api.md §1–§4, §10):
//! Defender tokens and their roles, machines from DeviceInfo and alert evidence, the per-API
//! rate limits and faults in the MDE envelope. Machine actions: `defender_actions.rs`;
//! indicators: `defender_indicators.rs`.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use graphsoar::emulator::EmulatorOptions;
use graphsoar::graph::models::defender::{DEFENDER_RESOURCE, DEFENDER_RESOURCES};
use serde_json::{Value, json};

use super::support::{Answer, Tenant, start};

/// A token of `client` for the resource `resource` (`{resource}/.default`).
pub async fn token_for(tenant: &Tenant, client: (&str, &str), resource: &str) -> String {
    let scope = format!("{resource}/.default");
    let answer = tenant
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client.0),
            ("client_secret", client.1),
            ("scope", &scope),
        ])
        .await;
    assert_eq!(answer.status.as_u16(), 200, "{:#}", answer.body);
    answer.body["access_token"].as_str().unwrap().to_owned()
}

/// A Defender token of the built-in client with every role.
pub async fn defender(tenant: &Tenant) -> String {
    token_for(tenant, ("graphsoar-local", "local-secret"), DEFENDER_RESOURCE).await
}

/// A Defender token of the built-in reader (Machine.Read.All only).
pub async fn defender_reader(tenant: &Tenant) -> String {
    token_for(tenant, ("graphsoar-reader", "reader-secret"), DEFENDER_RESOURCE).await
}

/// Asserts an MDE error (§1.5): status, code, a fresh GUID `target`, no Graph `innerError`, and a
/// message containing `needle`.
pub fn assert_mde(answer: &Answer, status: u16, code: &str, needle: &str) {
    assert_eq!(answer.status.as_u16(), status, "{:#}", answer.body);
    let error = &answer.body["error"];
    assert_eq!(error["code"], code, "{:#}", answer.body);
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains(needle), "{needle:?} not in {message:?}");
    let target = error["target"].as_str().unwrap_or_default();
    assert!(uuid::Uuid::parse_str(target).is_ok(), "target {target:?}");
    assert!(error.get("innerError").is_none(), "{:#}", answer.body);
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// An emulator on the bundled dataset with machine actions taking `delay` per step.
pub async fn bundled(delay: Duration) -> Tenant {
    let mut config = EmulatorOptions::bundled().unwrap();
    config.machine_action_delay = delay;
    start(config).await
}

pub async fn inspect(tenant: &Tenant) -> Value {
    reqwest::get(tenant.url("/_emulator/defender"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The first machine of `filter`.
pub async fn machine(tenant: &Tenant, token: &str, filter: &str) -> Value {
    let page = tenant
        .get(token, &format!("/api/machines?$filter={filter}&$top=1"))
        .await;
    assert_eq!(page.status.as_u16(), 200, "{:#}", page.body);
    page.body["value"][0].clone()
}

#[tokio::test]
async fn defender_tokens_carry_defender_roles_and_each_api_refuses_the_others() {
    let tenant = bundled(Duration::from_secs(2)).await;
    let token = defender(&tenant).await;
    let claims_of = claims(&token);
    assert_eq!(claims_of["aud"], DEFENDER_RESOURCE);
    let roles: HashSet<&str> = claims_of["roles"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for role in [
        "Machine.ReadWrite.All",
        "Machine.Isolate",
        "Machine.StopAndQuarantine",
        "Ti.ReadWrite.All",
    ] {
        assert!(roles.contains(role), "{role}: {roles:?}");
    }
    assert!(!roles.contains("SecurityAlert.ReadWrite.All"), "{roles:?}");
    let graph = tenant.admin().await;
    let graph_roles = claims(&graph)["roles"].clone();
    assert!(!graph_roles.to_string().contains("Machine."), "{graph_roles}");
    assert!(
        graph_roles
            .to_string()
            .contains("SecurityIdentitiesActions.ReadWrite.All"),
        "{graph_roles}"
    );
    assert_eq!(
        claims(&defender_reader(&tenant).await)["roles"],
        json!(["Machine.Read.All"])
    );
    // Every Defender resource gives a Defender token that works.
    for resource in DEFENDER_RESOURCES {
        let token = token_for(&tenant, ("graphsoar-local", "local-secret"), resource).await;
        assert_eq!(claims(&token)["aud"], *resource);
        assert_eq!(
            tenant.get(&token, "/api/machines?$top=1").await.status.as_u16(),
            200,
            "{resource}"
        );
    }
    // A Defender token on Graph, a Graph token on the Defender API: 401, saying why.
    let refused = tenant.get(&token, "/v1.0/security/alerts_v2").await;
    refused.assert_error(401, "InvalidAuthenticationToken");
    assert!(refused.message().contains("Invalid audience"), "{}", refused.message());
    let refused = tenant.get(&graph, "/api/machines").await;
    assert_mde(&refused, 401, "Unauthorized", "audience is https://graph.microsoft.com");
    assert_mde(
        &tenant.get("not-a-token", "/api/machines").await,
        401,
        "Unauthorized",
        "",
    );
    // The versioned prefix serves the same API.
    let plain = tenant.get(&token, "/api/machines").await;
    let versioned = tenant.get(&token, "/api/v1.0/machines").await;
    assert_eq!(versioned.status.as_u16(), 200);
    assert_eq!(plain.body["value"], versioned.body["value"]);
    assert!(
        plain
            .header("content-type")
            .unwrap()
            .starts_with("application/json; odata.metadata=minimal")
    );
    assert_eq!(plain.header("odata-version"), Some("4.0"));
    assert!(
        plain.body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/api/$metadata#Machines")
    );
    assert!(plain.header("request-id").is_some());
    assert_mde(
        &tenant.get(&token, "/api/nothing").await,
        404,
        "NotFound",
        "GET /api/nothing",
    );
}

#[tokio::test]
async fn machines_are_the_devices_of_device_info_and_of_alert_evidence() {
    let tenant = bundled(Duration::from_secs(2)).await;
    let token = defender(&tenant).await;
    let machines = tenant.get(&token, "/api/machines").await.body["value"]
        .as_array()
        .unwrap()
        .clone();
    let device_ids: HashSet<String> = include_str!("../../src/emulator/dataset/tables/DeviceInfo.jsonl")
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["DeviceId"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let by_id: HashMap<&str, &Value> = machines.iter().map(|m| (m["id"].as_str().unwrap(), m)).collect();
    assert_eq!(by_id.keys().map(|k| k.to_string()).collect::<HashSet<_>>(), device_ids);
    // Every device of alert evidence is a machine, under the same name.
    let alerts = crate::support::list_all(
        &tenant.running.base_url,
        &tenant.admin().await,
        "/v1.0/security/alerts_v2",
    )
    .await;
    let mut evidence_devices = 0;
    for evidence in alerts
        .iter()
        .flat_map(|a| a["evidence"].as_array().cloned().unwrap_or_default())
    {
        if let Some(id) = evidence["mdeDeviceId"].as_str() {
            let machine = by_id
                .get(id)
                .unwrap_or_else(|| panic!("evidence device {id} is no machine"));
            if let Some(name) = evidence["deviceDnsName"].as_str() {
                assert_eq!(machine["computerDnsName"], name);
            }
            evidence_devices += 1;
        }
    }
    assert!(evidence_devices > 100, "{evidence_devices}");
    // lastSeen is DeviceInfo's Timestamp, moved to the emulator's start (the dataset ends at it).
    let now = chrono::Utc::now();
    for m in &machines {
        let seen = chrono::DateTime::parse_from_rfc3339(m["lastSeen"].as_str().unwrap()).unwrap();
        assert!(seen <= now && seen > now - chrono::TimeDelta::days(3), "{m:#}");
    }
    // By id or computer name; unknown: 404 naming it.
    let first = &machines[0];
    let id = first["id"].as_str().unwrap();
    let name = first["computerDnsName"].as_str().unwrap();
    assert_eq!(
        tenant.get(&token, &format!("/api/machines/{id}")).await.body["computerDnsName"],
        name
    );
    assert_eq!(
        tenant.get(&token, &format!("/api/machines/{name}")).await.body["id"],
        id
    );
    assert_mde(
        &tenant.get(&token, "/api/machines/nope").await,
        404,
        "ResourceNotFound",
        "Machine nope was not found",
    );
    // $filter on the documented properties, combined; what cannot be evaluated is refused.
    let windows = tenant
        .get(
            &token,
            "/api/machines?$filter=healthStatus eq 'Active' and osPlatform eq 'Windows11'",
        )
        .await;
    let windows = windows.body["value"].as_array().unwrap();
    assert!(!windows.is_empty() && windows.len() < machines.len());
    assert!(
        windows
            .iter()
            .all(|m| m["osPlatform"] == "Windows11" && m["healthStatus"] == "Active")
    );
    let named = tenant
        .get(&token, &format!("/api/machines?$filter=computerDnsName eq '{name}'"))
        .await;
    assert_eq!(named.body["value"].as_array().unwrap().len(), 1);
    assert_mde(
        &tenant.get(&token, "/api/machines?$filter=colour eq 'red'").await,
        400,
        "ODataError",
        "named 'colour' on type 'Machine'",
    );
    assert_mde(
        &tenant.get(&token, "/api/machines?$top=10001").await,
        400,
        "ODataError",
        "Top query",
    );
    // The reader may read machines.
    assert_eq!(
        tenant
            .get(&defender_reader(&tenant).await, "/api/machines")
            .await
            .status
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn each_api_allows_its_calls_per_minute_then_answers_429_with_retry_after() {
    let mut config = EmulatorOptions::bundled().unwrap();
    config.defender_calls_per_minute = 3;
    let tenant = start(config).await;
    let token = defender(&tenant).await;
    for _ in 0..3 {
        assert_eq!(tenant.get(&token, "/api/machines?$top=1").await.status.as_u16(), 200);
    }
    let throttled = tenant.get(&token, "/api/v1.0/machines/nope").await;
    assert_mde(&throttled, 429, "TooManyRequests", "machines takes 3 calls per minute");
    let seconds: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&seconds), "{seconds}");
    // Other APIs, and other clients, have their own windows.
    assert_eq!(tenant.get(&token, "/api/machineactions").await.status.as_u16(), 200);
    assert_eq!(tenant.get(&token, "/api/indicators").await.status.as_u16(), 200);
    assert_eq!(
        tenant
            .get(&defender_reader(&tenant).await, "/api/machines")
            .await
            .status
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn faults_on_defender_routes_answer_in_the_mde_envelope() {
    let tenant = bundled(Duration::from_secs(2)).await;
    let token = defender(&tenant).await;
    let set = |spec: &str| {
        let (tenant, spec) = (&tenant, spec.to_owned());
        async move {
            let answer = tenant.admin_post("/_emulator/faults", &json!({"spec": spec})).await;
            assert_eq!(answer.status.as_u16(), 200, "{:#}", answer.body);
        }
    };
    set("machines=503@7:1;machine_action=429@2:1;machineactions=500:1;indicators=504:1").await;
    let unavailable = tenant.get(&token, "/api/machines").await;
    assert_mde(&unavailable, 503, "ServiceUnavailable", "temporarily unavailable");
    assert_eq!(unavailable.header("retry-after"), Some("7"));
    let throttled = tenant
        .post(&token, "/api/machines/x/isolate", &json!({"Comment": "c"}))
        .await;
    assert_mde(&throttled, 429, "TooManyRequests", "");
    assert_eq!(throttled.header("retry-after"), Some("2"));
    assert_mde(
        &tenant.get(&token, "/api/machineactions").await,
        500,
        "InternalServerError",
        "",
    );
    assert_mde(
        &tenant.get(&token, "/api/indicators").await,
        504,
        "GatewayTimeout",
        "timed out",
    );
    // Graph routes are untouched by these faults.
    assert_eq!(
        tenant
            .get(&tenant.admin().await, "/v1.0/security/alerts_v2?$top=1")
            .await
            .status
            .as_u16(),
        200
    );
    let stats = crate::support::emulator_stats(&tenant.running.base_url).await;
    assert_eq!(stats["byRoute"]["GET /api/machines"], 1, "{stats:#}");
    set("").await;
    assert_eq!(tenant.get(&token, "/api/machines?$top=1").await.status.as_u16(), 200);
}
