//! `/_emulator/load`, `/_emulator/reset`, `/_emulator/stats`, runHuntingQuery, and the bundled
//! dataset.

use graphsoar::emulator::EmulatorOptions;
use serde_json::{Value, json};

use super::support::{ids, small, start};

fn sample(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[tokio::test]
async fn the_docs_samples_load_as_microsoft_sends_them() {
    let tenant = small(1).await;
    let token = tenant.admin().await;
    let pascal = sample(include_str!(
        "../../src/graph/models/testdata/incidents_list_pascal.json"
    ));
    let expand = sample(include_str!(
        "../../src/graph/models/testdata/incidents_expand_2026.json"
    ));
    let mut incidents = pascal["value"].as_array().unwrap().clone();
    incidents.extend(expand["value"].as_array().unwrap().iter().cloned());
    let alerts = vec![
        sample(include_str!("../../src/graph/models/testdata/alert_get.json")),
        sample(include_str!("../../src/graph/models/testdata/alert_evidence_zoo.json")),
        sample(include_str!(
            "../../src/graph/models/testdata/alert_mdo_empty_strings.json"
        )),
        sample(include_str!(
            "../../src/graph/models/testdata/alert_identity_placeholders.json"
        )),
    ];
    let loaded = tenant
        .admin_post(
            "/_emulator/load",
            &json!({"alerts": alerts, "incidents": incidents,
                                               "tables": {"AlertInfo": [{"AlertId": "zoo-0001"}]}}),
        )
        .await;
    assert_eq!(loaded.status.as_u16(), 200, "{:#}", loaded.body);
    assert_eq!(
        loaded.body["alerts"],
        1 + 4 + 1,
        "the expand sample's alert is loaded too"
    );
    assert_eq!(loaded.body["incidents"], 2 + 2);
    assert_eq!(
        loaded.body["tables"]["AlertInfo"],
        1 + 1,
        "appended to the small dataset's row"
    );

    let zoo = tenant.get(&token, "/v1.0/security/alerts_v2/zoo-0001").await;
    assert_eq!(zoo.body["status"], "new", "PascalCase enums are normalised");
    assert_eq!(
        zoo.body["someFutureProperty"], alerts[1]["someFutureProperty"],
        "unknown properties kept"
    );
    let incident = tenant.get(&token, "/v1.0/security/incidents/2972395").await;
    assert_eq!(incident.body["status"], "active");
    assert_eq!(incident.body["@odata.type"], "#microsoft.graph.security.incident");
    let expanded = tenant.get(&token, "/v1.0/security/incidents/29?$expand=alerts").await;
    assert_eq!(expanded.body["alerts"].as_array().unwrap().len(), 1);
    let filtered = tenant
        .get(&token, "/v1.0/security/alerts_v2?$filter=status eq 'inProgress'")
        .await;
    assert!(
        filtered
            .ids()
            .contains(&"fa410e4342-4bfc-80a3-9600-08dd53ec811c".to_owned())
    );

    for bad in [
        json!({"alerts": [{"title": "no id"}]}),
        json!({"tables": {"T": [1]}}),
        json!({"extra": 1}),
    ] {
        tenant
            .admin_post("/_emulator/load", &bad)
            .await
            .assert_error(400, "BadRequest");
    }
}

#[tokio::test]
async fn reset_goes_back_to_the_dataset_as_started() {
    let tenant = small(3).await;
    let token = tenant.admin().await;
    tenant
        .patch(&token, "/v1.0/security/alerts_v2/a00", &json!({"status": "resolved"}))
        .await;
    tenant
        .admin_post("/_emulator/load", &json!({"alerts": [{"id": "extra"}]}))
        .await;
    assert_eq!(tenant.get(&token, "/v1.0/security/alerts_v2").await.ids().len(), 4);
    let reset = tenant.admin_post("/_emulator/reset", &json!({})).await;
    assert_eq!(reset.body["alerts"], 3);
    assert_eq!(
        tenant.get(&token, "/v1.0/security/alerts_v2/a00").await.body["status"],
        "new"
    );
    tenant
        .get(&token, "/v1.0/security/alerts_v2/extra")
        .await
        .assert_error(404, "NotFound");
}

#[tokio::test]
async fn stats_count_by_method_route_and_status() {
    let tenant = small(2).await;
    let token = tenant.admin().await;
    tenant.get(&token, "/v1.0/security/alerts_v2").await;
    tenant.get(&token, "/beta/security/alerts_v2").await;
    tenant.get(&token, "/v1.0/security/alerts_v2/zzz").await;
    tenant.get("bad", "/v1.0/security/incidents").await;
    let stats = crate::support::emulator_stats(&tenant.running.base_url).await;
    assert_eq!(stats["byRoute"]["GET /v1.0/security/alerts_v2"], 1, "{stats:#}");
    assert_eq!(stats["byRoute"]["GET /beta/security/alerts_v2"], 1);
    assert_eq!(stats["byRoute"]["POST /{tenant}/oauth2/v2.0/token"], 1);
    assert_eq!(stats["byStatus"]["404"], 1);
    assert_eq!(stats["byStatus"]["401"], 1);
    assert!(stats["total"].as_u64().unwrap() >= 5);
    let entry = stats["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["route"] == "/v1.0/security/alerts_v2/{id}")
        .unwrap();
    assert_eq!(
        (entry["method"].as_str(), entry["status"].as_str()),
        (Some("GET"), Some("404"))
    );
    let reset: Value = tenant
        .http
        .post(tenant.url("/_emulator/stats/reset"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reset["total"], 0);
}

#[tokio::test]
async fn hunting_is_answered_by_the_engine_and_recordings_override_it() {
    let tenant = small(1).await;
    let reader = tenant.reader().await;
    for body in [
        json!({"query": "AlertInfo | take 1"}),
        json!({"Query": "  AlertInfo | take 1\r\n", "Timespan": "P1D"}),
    ] {
        let answer = tenant.post(&reader, "/v1.0/security/runHuntingQuery", &body).await;
        assert_eq!(answer.status.as_u16(), 200, "{body}: {:#}", answer.body);
        assert_eq!(
            answer.body["@odata.context"],
            tenant.url("/v1.0/$metadata#microsoft.graph.security.huntingQueryResults")
        );
        assert!(
            answer.body["schema"]
                .as_array()
                .unwrap()
                .contains(&json!({"name": "AlertId", "type": "String"})),
            "{:#}",
            answer.body["schema"]
        );
        assert_eq!(answer.body["results"][0]["AlertId"], "a00");
        let shifted = answer.body["results"][0]["Timestamp"].as_str().unwrap();
        assert!(!shifted.starts_with("2029"), "row times are shifted: {shifted}");
    }
    // The timespan restricts every table's Timestamp.
    let old = tenant
        .post(
            &reader,
            "/v1.0/security/runHuntingQuery",
            &json!({"query": "AlertInfo | count", "timespan": "2024-01-01T00:00:00Z/2024-01-02T00:00:00Z"}),
        )
        .await;
    assert_eq!(old.body["results"], json!([{"Count": 0}]), "{:#}", old.body);
    assert_eq!(old.body["schema"], json!([{"name": "Count", "type": "Int64"}]));
    tenant
        .post(
            &reader,
            "/v1.0/security/runHuntingQuery",
            &json!({"query": "AlertInfo", "timespan": "yesterday"}),
        )
        .await
        .assert_error(400, "BadRequest");
    // A table the tenant has no rows of exists, empty.
    let empty = tenant
        .post(
            &reader,
            "/v1.0/security/runHuntingQuery",
            &json!({"query": "EmailEvents | take 5"}),
        )
        .await;
    assert_eq!(empty.status.as_u16(), 200, "{:#}", empty.body);
    assert_eq!(empty.body["results"], json!([]));
    let unsupported = tenant
        .post(
            &reader,
            "/beta/security/runHuntingQuery",
            &json!({"query": "print x = series_fir(dynamic([1, 2]), dynamic([1]))"}),
        )
        .await;
    unsupported.assert_error(501, "NotImplemented");
    assert!(
        unsupported.message().contains("series_fir() is not supported"),
        "{}",
        unsupported.message()
    );
    for bad in [
        json!({}),
        json!({"query": ""}),
        json!({"query": 5}),
        json!({"query": "x", "limit": 3}),
        json!([1]),
    ] {
        tenant
            .post(&reader, "/v1.0/security/runHuntingQuery", &bad)
            .await
            .assert_error(400, "BadRequest");
    }
    // A recorded answer (a test's explicit override) wins over the engine.
    let recorded = json!({"hunting": [{"query": "DeviceEvents | take 5", "schema": [{"name": "A", "type": "String"}],
                                       "results": [{"A": "x"}]}]});
    tenant.admin_post("/_emulator/load", &recorded).await;
    let found = tenant
        .post(
            &reader,
            "/beta/security/runHuntingQuery",
            &json!({"query": "DeviceEvents | take 5"}),
        )
        .await;
    assert_eq!(found.body["results"], json!([{"A": "x"}]));
}

/// A query that does not parse or bind is Graph's 400, with the KQL checker's diagnostic and its
/// place, whether or not an answer is recorded for it.
#[tokio::test]
async fn hunting_refuses_a_query_that_does_not_check_with_the_diagnostic() {
    let tenant = small(1).await;
    let reader = tenant.reader().await;
    let cases = [
        (
            "DeviceProcessEvents | where FileNmae == 'x'",
            "line 1, column 29: unknown column 'FileNmae' in DeviceProcessEvents, did you mean 'FileName'?",
        ),
        (
            "DeviceProcessEvents\n| where (FileName == 'x'",
            "line 2, column 25: expected ')' to close the '(' at 2:9",
        ),
        (
            "DeviceInfo | where DeviceName !has_any ('a')",
            "`!has_any` is not an operator",
        ),
    ];
    for (query, expected) in cases {
        let recorded = json!({"hunting": [{"query": query, "schema": [], "results": []}]});
        tenant.admin_post("/_emulator/load", &recorded).await;
        let answer = tenant
            .post(&reader, "/v1.0/security/runHuntingQuery", &json!({ "query": query }))
            .await;
        answer.assert_error(400, "BadRequest");
        assert!(answer.message().contains(expected), "{query}: {}", answer.message());
    }
}

#[tokio::test]
async fn the_bundled_dataset_serves_with_times_near_now() {
    let tenant = start(EmulatorOptions::bundled().unwrap()).await;
    let token = tenant.admin().await;
    let pages = tenant
        .pages(&token, "/v1.0/security/alerts_v2?$top=50&$count=true")
        .await;
    let total = pages[0]["@odata.count"].as_u64().unwrap() as usize;
    assert_eq!(pages.iter().map(|p| ids(p).len()).sum::<usize>(), total);
    assert!(total > 100, "{total}");
    let newest = pages[0]["value"][0]["createdDateTime"].as_str().unwrap();
    let newest = chrono::DateTime::parse_from_rfc3339(newest).unwrap();
    let age = chrono::Utc::now().signed_duration_since(newest);
    assert!(
        age >= chrono::TimeDelta::zero() && age < chrono::TimeDelta::days(1),
        "{age}"
    );
    let recent = tenant
        .get(
            &token,
            &format!(
                "/v1.0/security/incidents?$expand=alerts&$filter=lastUpdateDateTime ge {}",
                (chrono::Utc::now() - chrono::TimeDelta::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        )
        .await;
    assert_eq!(recent.status.as_u16(), 200, "{:#}", recent.body);
    assert!(!recent.ids().is_empty(), "the dataset has stories in the last hour");
    let incidents = tenant.pages(&token, "/v1.0/security/incidents?$expand=alerts").await;
    assert!(
        incidents.iter().all(|p| ids(p).len() <= 50),
        "incident pages hold at most 50"
    );
}
