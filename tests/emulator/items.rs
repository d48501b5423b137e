//! Alerts and incidents: list, get, PATCH, comments, `$expand=alerts`, under /v1.0 and /beta.

use reqwest::header::CONTENT_TYPE;
use serde_json::json;

use super::support::{answer, small};

#[tokio::test]
async fn alert_list_and_get_have_the_graph_shape_under_both_versions() {
    let tenant = small(5).await;
    let token = tenant.admin().await;
    for version in ["v1.0", "beta"] {
        let list = tenant.get(&token, &format!("/{version}/security/alerts_v2")).await;
        assert_eq!(list.status.as_u16(), 200);
        assert!(list.header("content-type").unwrap().starts_with("application/json"));
        assert_eq!(
            list.body["@odata.context"],
            tenant.url(&format!("/{version}/$metadata#security/alerts_v2"))
        );
        assert_eq!(list.ids(), ["a00", "a01", "a02", "a03", "a04"], "most recent first");
        let first = &list.body["value"][0];
        assert_eq!(first["@odata.type"], "#microsoft.graph.security.alert");
        assert_eq!(
            first["evidence"][0]["@odata.type"],
            "#microsoft.graph.security.ipEvidence"
        );
        assert!(list.body.get("@odata.nextLink").is_none() && list.body.get("@odata.count").is_none());

        let one = tenant.get(&token, &format!("/{version}/security/alerts_v2/a01")).await;
        assert_eq!(one.status.as_u16(), 200);
        assert_eq!(
            one.body["@odata.context"],
            tenant.url(&format!("/{version}/$metadata#security/alerts_v2/$entity"))
        );
        assert_eq!(one.body["@odata.type"], "#microsoft.graph.security.alert");
        assert_eq!(
            (one.body["id"].as_str(), one.body["status"].as_str()),
            (Some("a01"), Some("inProgress"))
        );
    }
    let missing = tenant.get(&token, "/v1.0/security/alerts_v2/no-such-alert").await;
    missing.assert_error(404, "NotFound");
    assert!(missing.message().contains("'no-such-alert'"), "{}", missing.message());
}

#[tokio::test]
async fn request_ids_are_set_and_client_request_id_echoed() {
    let tenant = small(1).await;
    let token = tenant.admin().await;
    let response = tenant
        .http
        .get(tenant.url("/v1.0/security/alerts_v2"))
        .bearer_auth(&token)
        .header("client-request-id", "my-id-1")
        .send()
        .await
        .unwrap();
    let answer = answer(response).await;
    assert_eq!(answer.header("client-request-id"), Some("my-id-1"));
    assert_eq!(answer.header("request-id").map(str::len), Some(36));
    let error = tenant.get(&token, "/v1.0/security/incidents/404").await;
    assert_eq!(error.header("client-request-id"), error.header("request-id"));
    assert_eq!(
        error.body["error"]["innerError"]["client-request-id"],
        error.header("request-id").unwrap()
    );
}

#[tokio::test]
async fn alert_patch_returns_the_whole_alert_and_bumps_last_update() {
    let tenant = small(3).await;
    let token = tenant.admin().await;
    let before = tenant.get(&token, "/v1.0/security/alerts_v2/a00").await.body;
    let patched = tenant
        .patch(
            &token,
            "/v1.0/security/alerts_v2/a00",
            &json!({"status": "Resolved", "classification": "informationalExpectedActivity",
                    "determination": "SecurityTesting", "assignedTo": "soc@contoso.com"}),
        )
        .await;
    assert_eq!(patched.status.as_u16(), 200, "{:#}", patched.body);
    let alert = &patched.body;
    assert_eq!(alert["@odata.type"], "#microsoft.graph.security.alert");
    assert!(
        alert["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#security/alerts_v2/$entity")
    );
    assert_eq!(alert["status"], "resolved");
    assert_eq!(alert["determination"], "securityTesting");
    assert_eq!(alert["assignedTo"], "soc@contoso.com");
    assert_eq!(alert["title"], before["title"]);
    // As Graph's documented answer: no evidence in a PATCH answer; the alert keeps it.
    assert_eq!(alert["evidence"], json!([]));
    assert_ne!(before["evidence"], json!([]));
    let (old, new) = (
        before["lastUpdateDateTime"].as_str().unwrap(),
        alert["lastUpdateDateTime"].as_str().unwrap(),
    );
    assert!(chrono::DateTime::parse_from_rfc3339(new).unwrap() > chrono::DateTime::parse_from_rfc3339(old).unwrap());
    assert_eq!(alert["resolvedDateTime"], alert["lastUpdateDateTime"]);
    let again = tenant.get(&token, "/beta/security/alerts_v2/a00").await;
    assert_eq!(again.body["status"], "resolved");
    assert_eq!(again.body["evidence"], before["evidence"]);
    let unassign = tenant
        .patch(&token, "/v1.0/security/alerts_v2/a00", &json!({"assignedTo": null}))
        .await;
    assert_eq!(unassign.body["assignedTo"], serde_json::Value::Null);
}

#[tokio::test]
async fn patch_bad_input_gets_graph_errors() {
    let tenant = small(2).await;
    let token = tenant.admin().await;
    let cases = [
        ("/v1.0/security/alerts_v2/a00", json!({"severity": "high"}), "read-only"),
        (
            "/v1.0/security/alerts_v2/a00",
            json!({"frobnicate": 1}),
            "does not exist",
        ),
        (
            "/v1.0/security/alerts_v2/a00",
            json!({"status": "closed"}),
            "alertStatus",
        ),
        (
            "/v1.0/security/alerts_v2/a00",
            json!({"customTags": ["x"]}),
            "customTags",
        ),
        (
            "/v1.0/security/incidents/1",
            json!({"status": "redirected"}),
            "redirected",
        ),
        (
            "/v1.0/security/incidents/1",
            json!({"status": "awaitingAction"}),
            "awaitingAction",
        ),
        (
            "/v1.0/security/incidents/1",
            json!({"status": "unknownFutureValue"}),
            "unknownFutureValue",
        ),
        ("/v1.0/security/alerts_v2/a00", json!({"status": "unknown"}), "unknown"),
        ("/v1.0/security/incidents/1", json!({"customTags": "x"}), "customTags"),
        (
            "/v1.0/security/incidents/1",
            json!({"determination": "clean"}),
            "alertDetermination",
        ),
    ];
    for (path, body, needle) in cases {
        let answer = tenant.patch(&token, path, &body).await;
        answer.assert_error(400, "BadRequest");
        assert!(answer.message().contains(needle), "{body}: {}", answer.message());
    }
    tenant
        .patch(&token, "/v1.0/security/alerts_v2/nope", &json!({"status": "resolved"}))
        .await
        .assert_error(404, "NotFound");
    let malformed = tenant
        .http
        .patch(tenant.url("/v1.0/security/alerts_v2/a00"))
        .bearer_auth(&token)
        .header(CONTENT_TYPE, "application/json")
        .body("{\"status\": ")
        .send()
        .await
        .unwrap();
    answer(malformed).await.assert_error(400, "BadRequest");
    let wrong_type = tenant
        .http
        .patch(tenant.url("/v1.0/security/alerts_v2/a00"))
        .bearer_auth(&token)
        .header(CONTENT_TYPE, "text/plain")
        .body("{\"status\": \"resolved\"}")
        .send()
        .await
        .unwrap();
    answer(wrong_type).await.assert_error(415, "UnsupportedMediaType");
    // Nothing was changed by any of these.
    assert_eq!(
        tenant.get(&token, "/v1.0/security/alerts_v2/a00").await.body["status"],
        "new"
    );
}

#[tokio::test]
async fn comments_accept_the_documented_object_and_the_sdk_array() {
    let tenant = small(2).await;
    let token = tenant.admin().await;
    let first = tenant
        .post(
            &token,
            "/v1.0/security/alerts_v2/a01/comments",
            &json!({"@odata.type": "microsoft.graph.security.alertComment", "comment": "first"}),
        )
        .await;
    assert_eq!(first.status.as_u16(), 200, "{:#}", first.body);
    assert_eq!(
        first.body["@odata.context"],
        tenant.url("/v1.0/$metadata#Collection(microsoft.graph.security.alertComment)")
    );
    let second = tenant
        .post(
            &token,
            "/beta/security/alerts_v2/a01/comments",
            &json!([{"comment": "second"}]),
        )
        .await;
    let comments = second.body["value"].as_array().unwrap();
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[1]["comment"], "second");
    assert_eq!(comments[1]["@odata.type"], "#microsoft.graph.security.alertComment");
    assert_eq!(comments[1]["createdByDisplayName"], "graphsoar (local)");
    assert!(comments[1]["createdDateTime"].is_string());
    let alert = tenant.get(&token, "/v1.0/security/alerts_v2/a01").await;
    assert_eq!(alert.body["comments"].as_array().unwrap().len(), 2);
    let incident = tenant
        .post(
            &token,
            "/v1.0/security/incidents/2/comments",
            &json!({"comment": "on the incident"}),
        )
        .await;
    assert_eq!(incident.body["value"][0]["comment"], "on the incident");
    for bad in [json!({"comment": ""}), json!({}), json!("text"), json!([])] {
        tenant
            .post(&token, "/v1.0/security/alerts_v2/a01/comments", &bad)
            .await
            .assert_error(400, "BadRequest");
    }
    tenant
        .post(&token, "/v1.0/security/incidents/77/comments", &json!({"comment": "x"}))
        .await
        .assert_error(404, "NotFound");
}

#[tokio::test]
async fn incidents_list_get_expand_and_patch() {
    let tenant = small(6).await;
    let token = tenant.admin().await;
    let list = tenant.get(&token, "/v1.0/security/incidents").await;
    assert_eq!(list.ids(), ["2", "1"]);
    assert_eq!(
        list.body["value"][0]["@odata.type"],
        "#microsoft.graph.security.incident"
    );
    assert!(list.body["value"][0].get("alerts").is_none());
    let expanded = tenant.get(&token, "/beta/security/incidents?$expand=alerts").await;
    assert_eq!(
        expanded.body["@odata.context"],
        tenant.url("/beta/$metadata#security/incidents(alerts())")
    );
    let one = &expanded.body["value"][1];
    assert_eq!(one["id"], "1");
    let alert_ids: Vec<&str> = one["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(alert_ids, ["a04", "a02", "a00"], "joined by incidentId, oldest first");
    assert_eq!(one["alerts"][0]["@odata.type"], "#microsoft.graph.security.alert");
    let get = tenant.get(&token, "/v1.0/security/incidents/2?$expand=alerts").await;
    assert_eq!(get.body["alerts"].as_array().unwrap().len(), 3);
    tenant
        .get(&token, "/v1.0/security/alerts_v2?$expand=evidence")
        .await
        .assert_error(400, "BadRequest");

    let patched = tenant
        .patch(
            &token,
            "/v1.0/security/incidents/1",
            &json!({"status": "Resolved", "classification": "TruePositive", "determination": "MultiStagedAttack",
                    "customTags": ["Demo"]}),
        )
        .await;
    assert_eq!(patched.status.as_u16(), 200, "{:#}", patched.body);
    assert_eq!(patched.body["status"], "resolved");
    assert_eq!(patched.body["classification"], "truePositive");
    assert_eq!(patched.body["determination"], "multiStagedAttack");
    assert_eq!(patched.body["customTags"], json!(["Demo"]));
    assert_eq!(patched.body["lastModifiedBy"], "graphsoar (local)");
    assert!(patched.body.get("alerts").is_none());
    // Resolving the incident leaves its alerts alone.
    let alert = tenant.get(&token, "/v1.0/security/alerts_v2/a00").await;
    assert_eq!(alert.body["status"], "new");
    // Incident PATCH shows in the filtered list at once.
    let resolved = tenant
        .get(&token, "/v1.0/security/incidents?$filter=status eq 'resolved'")
        .await;
    assert_eq!(resolved.ids(), ["1"]);
}

/// Evolvable enum members (after `unknownFutureValue`) come back as `unknownFutureValue` unless
/// the request (or its `$batch`) sends `Prefer: include-unknown-enum-members`, as in Graph.
#[tokio::test]
async fn evolvable_members_need_the_prefer_header() {
    let mut dataset = super::support::small_dataset(2);
    dataset.alerts[0]["serviceSource"] = json!("microsoftSentinel");
    dataset.incidents[0]["status"] = json!("awaitingAction");
    let tenant = super::support::start(graphsoar::emulator::EmulatorOptions::new(dataset)).await;
    let token = tenant.admin().await;
    const PREFER: (&str, &str) = ("Prefer", "include-unknown-enum-members");
    let get = |path: &'static str, prefer: bool| {
        let mut request = tenant.http.get(tenant.url(path)).bearer_auth(&token);
        if prefer {
            request = request.header(PREFER.0, PREFER.1);
        }
        async move { answer(request.send().await.unwrap()).await.body }
    };
    let hidden = get("/v1.0/security/alerts_v2/a00", false).await;
    assert_eq!(hidden["serviceSource"], "unknownFutureValue");
    assert_eq!(hidden["status"], "new", "ordinary members stay");
    let shown = get("/v1.0/security/alerts_v2/a00", true).await;
    assert_eq!(shown["serviceSource"], "microsoftSentinel");
    let list = get("/v1.0/security/incidents?$expand=alerts", false).await;
    let incident = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "1")
        .unwrap();
    assert_eq!(incident["status"], "unknownFutureValue");
    assert!(
        incident["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["serviceSource"] == "unknownFutureValue")
    );
    let list = get("/v1.0/security/incidents?$expand=alerts", true).await;
    assert!(
        list["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["status"] == "awaitingAction")
    );
    // A `$batch` with the header passes it to its requests.
    let batch = json!({"requests": [{"id": "1", "method": "GET", "url": "/security/alerts_v2/a00"}]});
    let answer_of = |prefer: bool| {
        let mut request = tenant
            .http
            .post(tenant.url("/v1.0/$batch"))
            .bearer_auth(&token)
            .json(&batch);
        if prefer {
            request = request.header(PREFER.0, PREFER.1);
        }
        async move { answer(request.send().await.unwrap()).await.body["responses"][0]["body"]["serviceSource"].clone() }
    };
    assert_eq!(answer_of(true).await, "microsoftSentinel");
    assert_eq!(answer_of(false).await, "unknownFutureValue");
}

/// `recommendedActions` and `recommendedHuntingQueries` are beta-only incident properties:
/// `/beta` serves them, `/v1.0` leaves them out, in every answer.
#[tokio::test]
async fn beta_only_incident_properties_stay_out_of_v1() {
    let mut dataset = super::support::small_dataset(2);
    dataset.incidents[0]["recommendedActions"] = json!("Isolate the device.");
    dataset.incidents[0]["recommendedHuntingQueries"] = json!([{"kqlText": "DeviceInfo | take 1"}]);
    let tenant = super::support::start(graphsoar::emulator::EmulatorOptions::new(dataset)).await;
    let token = tenant.admin().await;
    let beta = tenant.get(&token, "/beta/security/incidents/1").await.body;
    assert_eq!(beta["recommendedActions"], "Isolate the device.");
    assert_eq!(beta["recommendedHuntingQueries"][0]["kqlText"], "DeviceInfo | take 1");
    for path in [
        "/v1.0/security/incidents/1",
        "/v1.0/security/incidents/1?$expand=alerts",
    ] {
        let v1 = tenant.get(&token, path).await.body;
        assert_eq!(v1["id"], "1", "{path}");
        assert!(
            v1.get("recommendedActions").is_none() && v1.get("recommendedHuntingQueries").is_none(),
            "{path}: {v1}"
        );
    }
    let list = tenant.get(&token, "/v1.0/security/incidents?$expand=alerts").await.body;
    assert!(
        list["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i.get("recommendedActions").is_none())
    );
    let beta_list = tenant.get(&token, "/beta/security/incidents").await.body;
    assert!(
        beta_list["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i.get("recommendedActions").is_some())
    );
    let patched = tenant
        .patch(
            &token,
            "/v1.0/security/incidents/1",
            &json!({"assignedTo": "soc@contoso.com"}),
        )
        .await
        .body;
    assert_eq!(patched["assignedTo"], "soc@contoso.com");
    assert!(patched.get("recommendedActions").is_none(), "{patched}");
    // Selecting one: a property `/v1.0` does not know.
    let selected = tenant
        .get(&token, "/beta/security/incidents/1?$select=recommendedActions")
        .await
        .body;
    assert_eq!(selected["recommendedActions"], "Isolate the device.");
    tenant
        .get(&token, "/v1.0/security/incidents/1?$select=recommendedActions")
        .await
        .assert_error(400, "BadRequest");
}
