//! `$batch`: 20 requests, 21, duplicate ids, dependsOn and 424, order, per-request faults.

use serde_json::{Value, json};

use super::support::small;

fn get(id: usize, url: &str) -> Value {
    json!({"id": id.to_string(), "method": "GET", "url": url})
}

#[tokio::test]
async fn twenty_requests_run_and_come_back_by_id_in_another_order() {
    let tenant = small(20).await;
    let token = tenant.admin().await;
    let requests: Vec<Value> = (0..20)
        .map(|i| get(i, &format!("/security/alerts_v2/a{i:02}")))
        .collect();
    let answer = tenant
        .post(&token, "/v1.0/$batch", &json!({"requests": requests}))
        .await;
    assert_eq!(answer.status.as_u16(), 200, "{:#}", answer.body);
    let responses = answer.body["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 20);
    let ids: Vec<usize> = responses
        .iter()
        .map(|r| r["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_ne!(
        ids,
        (0..20).collect::<Vec<_>>(),
        "Graph may reorder responses; the emulator does"
    );
    for response in responses {
        let i: usize = response["id"].as_str().unwrap().parse().unwrap();
        assert_eq!(response["status"], 200);
        assert_eq!(response["body"]["id"], format!("a{i:02}"));
        assert!(
            response["headers"]["Content-Type"]
                .as_str()
                .unwrap()
                .starts_with("application/json")
        );
    }
    let stats = crate::support::emulator_stats(&tenant.running.base_url).await;
    assert_eq!(stats["byRoute"]["GET /v1.0/security/alerts_v2/{id}"], 20, "{stats:#}");
    assert_eq!(stats["byRoute"]["POST /v1.0/$batch"], 1, "{stats:#}");
}

#[tokio::test]
async fn malformed_batches_are_400() {
    let tenant = small(1).await;
    let token = tenant.admin().await;
    let too_many: Vec<Value> = (0..21).map(|i| get(i, "/security/alerts_v2")).collect();
    let cases = [
        json!({"requests": too_many}),
        json!({"requests": [get(1, "/security/alerts_v2"), {"id": "1", "method": "GET", "url": "/security/incidents"}]}),
        json!({"requests": [{"id": "a", "method": "GET", "url": "/x"}, {"id": "A", "method": "GET", "url": "/y"}]}),
        json!({"requests": [{"id": "1", "method": "GET", "url": "/security/alerts_v2", "dependsOn": ["9"]}]}),
        json!({"requests": [{"id": "1", "method": "GET", "url": "/a", "dependsOn": ["2"]},
                            {"id": "2", "method": "GET", "url": "/b", "dependsOn": ["1"]}]}),
        json!({"requests": [{"id": "1", "method": "PATCH", "url": "/security/alerts_v2/a00", "body": {"status": "resolved"}}]}),
        json!({"requests": [{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/me"}]}),
        json!({"requests": []}),
        json!({"nope": []}),
    ];
    for body in cases {
        let answer = tenant.post(&token, "/v1.0/$batch", &body).await;
        answer.assert_error(400, "BadRequest");
    }
}

#[tokio::test]
async fn depends_on_runs_in_order_and_failed_dependencies_are_424() {
    let tenant = small(2).await;
    let token = tenant.admin().await;
    let json_headers = json!({"Content-Type": "application/json"});
    let body = json!({"requests": [
        {"id": "1", "method": "PATCH", "url": "/security/alerts_v2/a00", "headers": json_headers,
         "body": {"status": "resolved"}},
        {"id": "2", "method": "POST", "url": "/security/alerts_v2/a00/comments", "headers": json_headers,
         "body": {"comment": "closed"}, "dependsOn": ["1"]},
        {"id": "3", "method": "PATCH", "url": "/security/alerts_v2/missing", "headers": json_headers,
         "body": {"status": "resolved"}},
        {"id": "4", "method": "POST", "url": "/security/alerts_v2/missing/comments", "headers": json_headers,
         "body": {"comment": "never"}, "dependsOn": ["3"]},
        {"id": "5", "method": "GET", "url": "security/incidents/1", "dependsOn": ["4"]},
    ]});
    let answer = tenant.post(&token, "/beta/$batch", &body).await;
    assert_eq!(answer.status.as_u16(), 200, "{:#}", answer.body);
    let by_id = |id: &str| {
        answer.body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_id("1")["status"], 200);
    assert_eq!(by_id("1")["body"]["status"], "resolved");
    assert_eq!(by_id("2")["status"], 200);
    assert_eq!(by_id("2")["body"]["value"][0]["comment"], "closed");
    assert_eq!(by_id("3")["status"], 404);
    assert_eq!(by_id("3")["body"]["error"]["code"], "NotFound");
    assert_eq!(by_id("4")["status"], 424);
    assert_eq!(by_id("5")["status"], 424);
    let inner = &by_id("4")["body"]["error"]["innerError"];
    assert!(inner["request-id"].is_string() && inner["date"].is_string(), "{inner}");
    assert!(
        by_id("1")["body"]["@odata.context"]
            .as_str()
            .unwrap()
            .starts_with(&tenant.url("/beta/$metadata"))
    );
}

#[tokio::test]
async fn sub_requests_are_throttled_on_their_own() {
    let tenant = small(3).await;
    let token = tenant.admin().await;
    tenant
        .admin_post("/_emulator/faults", &json!({"spec": "alert=429@7:1"}))
        .await;
    let body = json!({"requests": [get(1, "/security/alerts_v2/a00"), get(2, "/security/incidents/1")]});
    let answer = tenant.post(&token, "/v1.0/$batch", &body).await;
    assert_eq!(answer.status.as_u16(), 200);
    for response in answer.body["responses"].as_array().unwrap() {
        match response["id"].as_str().unwrap() {
            "1" => {
                assert_eq!(response["status"], 429);
                assert_eq!(response["headers"]["Retry-After"], "7");
                assert_eq!(response["body"]["error"]["code"], "TooManyRequests");
            }
            _ => assert_eq!(response["status"], 200),
        }
    }
    // The reader's batch writes are refused one by one.
    tenant.admin_post("/_emulator/faults", &json!({"spec": ""})).await;
    let reader = tenant.reader().await;
    let write = json!({"requests": [{"id": "w", "method": "PATCH", "url": "/security/alerts_v2/a01",
                                      "headers": {"Content-Type": "application/json"}, "body": {"status": "resolved"}}]});
    let answer = tenant.post(&reader, "/v1.0/$batch", &write).await;
    assert_eq!(answer.body["responses"][0]["status"], 403);
}
