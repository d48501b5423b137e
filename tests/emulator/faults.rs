//! Faults (429 with and without Retry-After, hunting quota bodies, 5xx, latency, dropped and cut
//! connections), their reproducibility, and scripted changes.

use std::time::{Duration, Instant};

use graphsoar::emulator::EmulatorOptions;
use serde_json::json;

use super::support::{Tenant, small, small_dataset, start};

async fn set(tenant: &Tenant, spec: &str) {
    let answer = tenant.admin_post("/_emulator/faults", &json!({"spec": spec})).await;
    assert_eq!(answer.status.as_u16(), 200, "{:#}", answer.body);
}

#[tokio::test]
async fn throttling_with_and_without_retry_after() {
    let tenant = small(2).await;
    let token = tenant.admin().await;
    set(&tenant, "alerts=429:1").await;
    let throttled = tenant.get(&token, "/v1.0/security/alerts_v2").await;
    throttled.assert_error(429, "TooManyRequests");
    assert_eq!(throttled.header("retry-after"), Some("1"));
    set(&tenant, "alerts=429@0:1").await;
    assert_eq!(
        tenant
            .get(&token, "/v1.0/security/alerts_v2")
            .await
            .header("retry-after"),
        Some("0")
    );
    set(&tenant, "alerts=429n:1").await;
    let bare = tenant.get(&token, "/v1.0/security/alerts_v2").await;
    bare.assert_error(429, "TooManyRequests");
    assert_eq!(bare.header("retry-after"), None);
    // Other routes are untouched.
    assert_eq!(
        tenant.get(&token, "/v1.0/security/alerts_v2/a00").await.status.as_u16(),
        200
    );
    let state = tenant.admin_post("/_emulator/faults", &json!({"spec": ""})).await;
    assert_eq!(state.body["spec"], "");
    assert_eq!(
        tenant.get(&token, "/v1.0/security/alerts_v2").await.status.as_u16(),
        200
    );
}

#[tokio::test]
async fn hunting_quota_bodies_tell_cpu_from_call_rate() {
    let tenant = small(1).await;
    let token = tenant.admin().await;
    let query = json!({"query": "AlertInfo | take 1"});
    set(&tenant, "hunting=429q:1").await;
    let cpu = tenant.post(&token, "/v1.0/security/runHuntingQuery", &query).await;
    cpu.assert_error(429, "TooManyRequests");
    assert!(cpu.message().contains("CPU quota"), "{}", cpu.message());
    assert_eq!(cpu.header("retry-after"), None);
    set(&tenant, "hunting=429r:1").await;
    let rate = tenant.post(&token, "/v1.0/security/runHuntingQuery", &query).await;
    assert!(rate.message().contains("call rate"), "{}", rate.message());
    assert_eq!(rate.header("retry-after"), None);
}

#[tokio::test]
async fn server_errors_and_token_faults() {
    let tenant = small(1).await;
    let token = tenant.admin().await;
    for (spec, status, code) in [
        ("incidents=500:1", 500, "UnknownError"),
        ("incidents=503:1", 503, "ServiceUnavailable"),
        ("incidents=504:1", 504, "GatewayTimeout"),
    ] {
        set(&tenant, spec).await;
        tenant
            .get(&token, "/beta/security/incidents")
            .await
            .assert_error(status, code);
    }
    set(&tenant, "incidents=503@7:1").await;
    let unavailable = tenant.get(&token, "/beta/security/incidents").await;
    unavailable.assert_error(503, "ServiceUnavailable");
    assert_eq!(unavailable.header("retry-after"), Some("7"));
    // The token endpoint answers its faults in Entra's shape, not Graph's.
    for (spec, status, retry_after) in [("token=503:1", 503, None), ("token=429@3:1", 429, Some("3"))] {
        set(&tenant, spec).await;
        let answer = tenant
            .token_form(&[("grant_type", "client_credentials"), ("client_id", "graphsoar-local")])
            .await;
        assert_eq!(answer.status.as_u16(), status);
        assert_eq!(answer.body["error"], "temporarily_unavailable", "{:#}", answer.body);
        assert!(answer.body["error_codes"].is_array(), "{:#}", answer.body);
        assert_eq!(answer.header("retry-after"), retry_after);
    }
}

#[tokio::test]
async fn latency_is_added() {
    let tenant = small(1).await;
    let token = tenant.admin().await;
    set(&tenant, "*=latency:300").await;
    let started = Instant::now();
    assert_eq!(
        tenant.get(&token, "/v1.0/security/alerts_v2/a00").await.status.as_u16(),
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn dropped_connection_is_a_client_error_and_counted() {
    let tenant = small(1).await;
    let token = tenant.admin().await;
    set(&tenant, "alert=drop:1").await;
    let result = tenant
        .http
        .get(tenant.url("/v1.0/security/alerts_v2/a00"))
        .bearer_auth(&token)
        .send()
        .await;
    let error = result.expect_err("the connection is closed without a response");
    assert!(!error.is_status() && !error.is_timeout(), "{error:?}");
    let stats = crate::support::emulator_stats(&tenant.running.base_url).await;
    assert_eq!(stats["byStatus"]["dropped"], 1, "{stats:#}");
    set(&tenant, "").await;
    assert_eq!(
        tenant.get(&token, "/v1.0/security/alerts_v2/a00").await.status.as_u16(),
        200
    );
}

#[tokio::test]
async fn a_cut_answer_is_carried_out_but_its_body_breaks_off() {
    let tenant = small(1).await;
    let token = tenant.admin().await;
    set(&tenant, "alert=cut:1").await;
    let response = tenant
        .http
        .patch(tenant.url("/v1.0/security/alerts_v2/a00"))
        .bearer_auth(&token)
        .json(&json!({"status": "inProgress"}))
        .send()
        .await
        .expect("the status line and headers arrive");
    assert_eq!(response.status().as_u16(), 200);
    let length: usize = response.headers()["content-length"].to_str().unwrap().parse().unwrap();
    assert!(length > 100, "the whole length is announced: {length}");
    let error = response.bytes().await.expect_err("the body breaks off");
    assert!(error.is_body() || error.is_decode(), "{error:?}");
    let stats = crate::support::emulator_stats(&tenant.running.base_url).await;
    assert_eq!(stats["byStatus"]["cut"], 1, "{stats:#}");
    set(&tenant, "").await;
    let alert = tenant.get(&token, "/v1.0/security/alerts_v2/a00").await;
    assert_eq!(alert.body["status"], "inProgress", "the PATCH was carried out");
}

#[tokio::test]
async fn faults_from_the_config_are_reproducible_by_seed() {
    async fn statuses(seed: u64) -> Vec<u16> {
        let mut config = EmulatorOptions::new(small_dataset(1));
        config.faults = "alerts=429:0.3,503:0.2".parse().unwrap();
        config.seed = seed;
        let tenant = start(config).await;
        let token = tenant.admin().await;
        let mut out = Vec::new();
        for _ in 0..30 {
            out.push(tenant.get(&token, "/v1.0/security/alerts_v2").await.status.as_u16());
        }
        out
    }
    let first = statuses(42).await;
    assert_eq!(first, statuses(42).await);
    assert!(
        first.contains(&429) && first.contains(&503) && first.contains(&200),
        "{first:?}"
    );
    assert_ne!(first, statuses(43).await);
}

#[tokio::test]
async fn bad_fault_requests_are_400() {
    let tenant = small(1).await;
    for body in [
        json!({"spec": "alerts=418:1"}),
        json!({"spec": "nowhere=500:1"}),
        json!({"scripted": [{"route": "alerts", "after": 0, "alert": "a00", "patch": {}}]}),
        json!({"scripted": [{"route": "alerts", "after": 1, "patch": {}}]}),
        json!({"unknown": true}),
    ] {
        let answer = tenant.admin_post("/_emulator/faults", &body).await;
        answer.assert_error(400, "BadRequest");
    }
}

#[tokio::test]
async fn scripted_change_patches_as_an_analyst_after_the_nth_call() {
    let tenant = small(3).await;
    let token = tenant.admin().await;
    let answer = tenant
        .admin_post(
            "/_emulator/faults",
            &json!({"scripted": [{"route": "alerts", "after": 2, "alert": "a00",
                                  "patch": {"status": "inProgress", "assignedTo": "analyst@contoso.com"},
                                  "comment": "Looking into it."}]}),
        )
        .await;
    assert_eq!(answer.body["scripted"][0]["fired"], false, "{:#}", answer.body);
    for _ in 0..2 {
        let list = tenant
            .get(&token, "/v1.0/security/alerts_v2?$filter=status eq 'new'")
            .await;
        assert!(list.ids().contains(&"a00".to_owned()));
    }
    let alert = tenant.get(&token, "/v1.0/security/alerts_v2/a00").await;
    assert_eq!(alert.body["status"], "inProgress");
    assert_eq!(alert.body["assignedTo"], "analyst@contoso.com");
    assert_eq!(alert.body["comments"][0]["createdByDisplayName"], "analyst@contoso.com");
    let state = tenant.http.get(tenant.url("/_emulator/faults")).send().await.unwrap();
    let state: serde_json::Value = state.json().await.unwrap();
    assert_eq!(state["scripted"][0]["fired"], true);
}
