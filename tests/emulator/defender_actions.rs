//! Defender for Endpoint machine actions (response-actions-api.md §3, §8): progress over time
//! and the device state it leaves, offline devices, the documented errors of bad bodies, machines
//! and callers, the machine-action list and its filters, reads by GUID, and cancel.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::defender::{assert_mde, bundled, defender, defender_reader, inspect, machine};
use super::support::Tenant;

/// Polls the action until it is final, recording every status seen; every 100 ms, which keeps
/// within the 100 calls a minute the API allows (§3.5).
async fn follow(tenant: &Tenant, token: &str, id: &str) -> (Vec<String>, Value) {
    let mut seen: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let action = tenant.get(token, &format!("/api/machineactions/{id}")).await;
        assert_eq!(action.status.as_u16(), 200, "{:#}", action.body);
        let status = action.body["status"].as_str().unwrap().to_owned();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if !["Pending", "InProgress"].contains(&status.as_str()) || Instant::now() > deadline {
            return (seen, action.body);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn device<'v>(state: &'v Value, id: &str) -> &'v Value {
    state["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .unwrap()
}

#[tokio::test]
async fn isolate_progresses_over_time_and_unisolate_releases() {
    let tenant = bundled(Duration::from_secs(1)).await;
    let token = defender(&tenant).await;
    let target = machine(
        &tenant,
        &token,
        "osPlatform eq 'Windows11' and healthStatus eq 'Active'",
    )
    .await;
    let id = target["id"].as_str().unwrap();
    let isolate = format!("/api/machines/{id}/isolate");
    let created = tenant
        .post(
            &token,
            &isolate,
            &json!({"Comment": "Contain the ransomware", "IsolationType": "Selective"}),
        )
        .await;
    assert_eq!(created.status.as_u16(), 201, "{:#}", created.body);
    let action = &created.body;
    assert_eq!(action["status"], "Pending");
    assert_eq!(action["type"], "Isolate");
    assert_eq!(action["scope"], "Selective");
    assert_eq!(action["machineId"], id);
    assert_eq!(action["computerDnsName"], target["computerDnsName"]);
    assert_eq!(action["requestor"], "graphsoar (local)");
    assert_eq!(action["requestorComment"], "Contain the ransomware");
    assert_eq!(action["creationDateTimeUtc"], action["lastUpdateDateTimeUtc"]);
    assert!(
        action["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("#MachineActions/$entity")
    );
    let action_id = action["id"].as_str().unwrap().to_owned();
    assert_eq!(uuid::Uuid::parse_str(&action_id).unwrap().get_version_num(), 4);
    // A second isolate while the first is open: refused (§8, the 400 mode).
    let again = tenant.post(&token, &isolate, &json!({"Comment": "again"})).await;
    assert_mde(
        &again,
        400,
        "ActiveRequestAlreadyExists",
        "Action is already in progress",
    );
    assert!(!device(&inspect(&tenant).await, id)["isolated"].as_bool().unwrap());
    let (seen, done) = follow(&tenant, &token, &action_id).await;
    assert_eq!(seen, ["Pending", "InProgress", "Succeeded"]);
    assert_ne!(done["lastUpdateDateTimeUtc"], done["creationDateTimeUtc"]);
    let state = inspect(&tenant).await;
    assert_eq!(device(&state, id)["isolated"], true);
    assert_eq!(device(&state, id)["isolationType"], "Selective");
    assert_eq!(device(&state, id)["appExecutionRestricted"], false);
    assert_eq!(state["machineActions"][0]["status"], "Succeeded");
    // Release: the device is no longer isolated once the Unisolate succeeded.
    let release = tenant
        .post(
            &token,
            &format!("/api/v1.0/machines/{id}/unisolate"),
            &json!({"Comment": "Clean"}),
        )
        .await;
    assert_eq!(release.status.as_u16(), 201, "{:#}", release.body);
    assert_eq!(release.body["scope"], Value::Null);
    let (seen, _) = follow(&tenant, &token, release.body["id"].as_str().unwrap()).await;
    assert_eq!(seen.last().map(String::as_str), Some("Succeeded"));
    let state = inspect(&tenant).await;
    assert_eq!(device(&state, id)["isolated"], false);
    assert_eq!(device(&state, id)["isolationType"], Value::Null);
    // Reset forgets the actions.
    tenant.admin_post("/_emulator/reset", &json!({})).await;
    assert_eq!(inspect(&tenant).await["machineActions"], json!([]));
}

#[tokio::test]
async fn an_offline_device_keeps_its_action_pending_until_it_times_out() {
    let tenant = bundled(Duration::from_millis(50)).await;
    let token = defender(&tenant).await;
    let row = json!({"Timestamp": chrono::Utc::now().to_rfc3339(), "DeviceId": "0ff11e0000000000000000000000000000000001",
                     "DeviceName": "laptop-away.corp.contoso.com", "OSPlatform": "Windows11",
                     "SensorHealthState": "Inactive", "OnboardingStatus": "Onboarded"});
    let loaded = tenant
        .admin_post("/_emulator/load", &json!({"tables": {"DeviceInfo": [row]}}))
        .await;
    assert_eq!(loaded.status.as_u16(), 200, "{:#}", loaded.body);
    let away = tenant.get(&token, "/api/machines/laptop-away").await;
    assert_eq!(away.body["healthStatus"], "Inactive", "{:#}", away.body);
    let path = "/api/machines/0ff11e0000000000000000000000000000000001/isolate";
    let created = tenant.post(&token, path, &json!({"Comment": "c"})).await;
    assert_eq!(created.body["status"], "Pending", "{:#}", created.body);
    let (seen, _) = follow(&tenant, &token, created.body["id"].as_str().unwrap()).await;
    assert_eq!(seen, ["Pending", "TimeOut"]);
    assert_eq!(
        device(&inspect(&tenant).await, "0ff11e0000000000000000000000000000000001")["isolated"],
        false
    );
}

#[tokio::test]
async fn bad_action_requests_get_the_documented_codes() {
    let tenant = bundled(Duration::from_secs(60)).await;
    let token = defender(&tenant).await;
    let windows = machine(&tenant, &token, "osPlatform eq 'Windows11'").await;
    let mac = machine(&tenant, &token, "osPlatform eq 'macOS'").await;
    let (win, mac) = (windows["id"].as_str().unwrap(), mac["id"].as_str().unwrap());
    let post = |path: String, body: Value| {
        let (tenant, token) = (&tenant, &token);
        async move { tenant.post(token, &path, &body).await }
    };
    let on = |action: &str| format!("/api/machines/{win}/{action}");
    for (path, body, status, code, needle) in [
        (
            on("isolate"),
            json!({}),
            400,
            "MissingRequiredParameter",
            "Parameter Comment is missing.",
        ),
        (
            on("unisolate"),
            json!({"Comment": ""}),
            400,
            "MissingRequiredParameter",
            "Parameter Comment is missing.",
        ),
        (
            on("isolate"),
            json!({"comment": "lower case"}),
            400,
            "InvalidRequestBody",
            "write 'Comment'",
        ),
        (
            on("isolate"),
            json!({"Comment": "c", "isolationType": "Full"}),
            400,
            "InvalidRequestBody",
            "write 'IsolationType'",
        ),
        (
            on("isolate"),
            json!({"Comment": "c", "IsolationType": "Partial"}),
            400,
            "InvalidInput",
            "IsolationType 'Partial'",
        ),
        (
            on("runAntiVirusScan"),
            json!({"Comment": "c"}),
            400,
            "MissingRequiredParameter",
            "Parameter ScanType is missing.",
        ),
        (
            on("runAntiVirusScan"),
            json!({"Comment": "c", "ScanType": "quick"}),
            400,
            "InvalidInput",
            "Quick or Full",
        ),
        (
            on("StopAndQuarantineFile"),
            json!({"Comment": "c"}),
            400,
            "MissingRequiredParameter",
            "Parameter Sha1 is missing.",
        ),
        (
            on("StopAndQuarantineFile"),
            json!({"Comment": "c", "Sha1": "xyz"}),
            400,
            "InvalidHashValue",
            "Hash value xyz is invalid",
        ),
        (
            on("stopAndQuarantineFile"),
            json!({"Comment": "c"}),
            404,
            "NotFound",
            "'stopAndQuarantineFile' is not a machine action",
        ),
        (
            on("offboard"),
            json!({"Comment": "c"}),
            404,
            "NotFound",
            "isolate, unisolate",
        ),
        (
            "/api/machines/nope/isolate".into(),
            json!({"Comment": "c"}),
            404,
            "ResourceNotFound",
            "Machine nope was not found",
        ),
        (
            format!("/api/machines/{mac}/restrictCodeExecution"),
            json!({"Comment": "c"}),
            400,
            "OsPlatformNotSupported",
            "OS Platform macOS",
        ),
    ] {
        assert_mde(&post(path.clone(), body.clone()).await, status, code, needle);
    }
    let not_json = tenant
        .http
        .post(tenant.url(&on("isolate")))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"Comment\": ")
        .send()
        .await
        .unwrap();
    assert_mde(
        &super::support::answer(not_json).await,
        400,
        "InvalidRequestBody",
        "not JSON",
    );
    // The reader holds Machine.Read.All only: 403 naming the permission the action needs.
    let reader = defender_reader(&tenant).await;
    let forbidden = tenant.post(&reader, &on("isolate"), &json!({"Comment": "c"})).await;
    assert_mde(&forbidden, 403, "Forbidden", "required permission Machine.Isolate");
    let forbidden = tenant
        .post(
            &reader,
            &on("runAntiVirusScan"),
            &json!({"Comment": "c", "ScanType": "Quick"}),
        )
        .await;
    assert_mde(&forbidden, 403, "Forbidden", "Machine.Scan");
    // GET on an action path: 405 with Allow: POST and no body.
    let get = tenant.get(&token, &on("isolate")).await;
    assert_eq!(get.status.as_u16(), 405);
    assert_eq!(get.header("allow"), Some("POST"));
    assert_eq!(get.body, json!(""));
    // Nothing was created by any of these.
    assert_eq!(inspect(&tenant).await["machineActions"], json!([]));
    // A good quarantine names its file.
    let sha1 = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3";
    let quarantine = post(on("StopAndQuarantineFile"), json!({"Comment": "c", "Sha1": sha1})).await;
    assert_eq!(quarantine.status.as_u16(), 201, "{:#}", quarantine.body);
    assert_eq!(
        quarantine.body["relatedFileInfo"],
        json!({"fileIdentifier": sha1, "fileIdentifierType": "Sha1"})
    );
}

#[tokio::test]
async fn machine_actions_list_filters_reads_by_guid_and_cancels() {
    let tenant = bundled(Duration::from_secs(60)).await;
    let token = defender(&tenant).await;
    let page = tenant
        .get(&token, "/api/machines?$filter=osPlatform eq 'Windows11'&$top=2")
        .await;
    let ids: Vec<String> = page.ids();
    let (a, b) = (&ids[0], &ids[1]);
    let mut created = Vec::new();
    for (machine, action, body) in [
        (a, "runAntiVirusScan", json!({"Comment": "scan", "ScanType": "Full"})),
        (b, "isolate", json!({"Comment": "isolate"})),
        (a, "restrictCodeExecution", json!({"Comment": "restrict"})),
    ] {
        let answer = tenant
            .post(&token, &format!("/api/machines/{machine}/{action}"), &body)
            .await;
        assert_eq!(answer.status.as_u16(), 201, "{:#}", answer.body);
        created.push(answer.body["id"].as_str().unwrap().to_owned());
    }
    let list = |query: String| {
        let (tenant, token) = (&tenant, &token);
        async move { tenant.get(token, &format!("/api/machineactions{query}")).await.ids() }
    };
    assert_eq!(
        list(String::new()).await,
        [created[2].as_str(), created[1].as_str(), created[0].as_str()],
        "newest first"
    );
    assert_eq!(
        list(format!("?$filter=machineId eq '{a}'")).await,
        [created[2].as_str(), created[0].as_str()]
    );
    assert_eq!(
        list(format!("?$filter=machineId eq '{a}' and type eq 'RunAntiVirusScan'")).await,
        [created[0].as_str()]
    );
    assert_eq!(
        list("?$filter=requestor eq 'graphsoar (local)' and status eq 'Pending'&$top=1".into()).await,
        [created[2].as_str()]
    );
    assert_eq!(
        list(format!("?$filter=id eq '{}'", created[1])).await,
        [created[1].as_str()]
    );
    let since = chrono::Utc::now() - chrono::TimeDelta::minutes(5);
    assert_eq!(
        list(format!(
            "?$filter=creationDateTimeUtc ge {}",
            since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ))
        .await
        .len(),
        3
    );
    assert_mde(
        &tenant.get(&token, "/api/machineactions?$filter=scope eq 'Full'").await,
        400,
        "ODataError",
        "'scope'",
    );
    // One action by its GUID; a key that is not a GUID, or an unknown one.
    let one = tenant.get(&token, &format!("/api/machineactions/{}", created[0])).await;
    assert_eq!(
        (one.body["type"].as_str(), one.body["scope"].as_str()),
        (Some("RunAntiVirusScan"), Some("Full"))
    );
    assert_mde(
        &tenant.get(&token, "/api/machineactions/556b").await,
        400,
        "BadRequest",
        "The key value (556b) from request is not valid. The key value should be format of type 'Edm.Guid'.",
    );
    let unknown = uuid::Uuid::new_v4();
    assert_mde(
        &tenant.get(&token, &format!("/api/machineactions/{unknown}")).await,
        404,
        "ResourceNotFound",
        &unknown.to_string(),
    );
    // Cancel an open action: 200 Cancelled; again: 400, it is final.
    let cancel = format!("/api/machineactions/{}/cancel", created[1]);
    assert_mde(
        &tenant.post(&token, &cancel, &json!({})).await,
        400,
        "MissingRequiredParameter",
        "Parameter Comment is missing.",
    );
    let cancelled = tenant
        .post(&token, &cancel, &json!({"Comment": "false positive"}))
        .await;
    assert_eq!(cancelled.status.as_u16(), 200, "{:#}", cancelled.body);
    assert_eq!(cancelled.body["status"], "Cancelled");
    assert_eq!(cancelled.body["cancellationComment"], "false positive");
    assert_eq!(cancelled.body["cancellationRequestor"], "graphsoar (local)");
    assert_mde(
        &tenant.post(&token, &cancel, &json!({"Comment": "again"})).await,
        400,
        "BadRequest",
        "final state",
    );
    // The isolate that was cancelled never isolates; a new one may be requested.
    assert_eq!(device(&inspect(&tenant).await, b)["isolated"], false);
    let again = tenant
        .post(
            &token,
            &format!("/api/machines/{b}/isolate"),
            &json!({"Comment": "again"}),
        )
        .await;
    assert_eq!(again.status.as_u16(), 201, "{:#}", again.body);
    // The reader may read but not cancel.
    let reader = defender_reader(&tenant).await;
    assert_eq!(tenant.get(&reader, "/api/machineactions").await.ids().len(), 4);
    let refused = tenant
        .post(
            &reader,
            &format!("/api/machineactions/{}/cancel", created[0]),
            &json!({"Comment": "c"}),
        )
        .await;
    assert_mde(&refused, 403, "Forbidden", "Machine.Isolate");
}
