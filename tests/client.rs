//! The Graph client against the emulator over real HTTP on 127.0.0.1:0: authentication,
//! paging, filters, permissions, throttling and faults through the injectable clock, hunting
//! quotas, batching, dropped connections and hostile `@odata.nextLink`s.

use std::collections::HashSet;
use std::time::Duration;

use graphsoar::clock::Clock;
use graphsoar::emulator::{self, EmulatorOptions, Running};
use graphsoar::graph::models::{AlertStatus, AlertUpdate, IncidentUpdate};
use graphsoar::graph::{
    AssertionAlgorithm, BatchOp, Certificate, Client, ClientOptions, Collection, Credentials, Error, ListQuery,
};
use serde_json::Value;
use url::Url;

async fn start(config: EmulatorOptions) -> Running {
    emulator::spawn(config).await.expect("the emulator starts")
}

fn client_with(running: &Running, client_id: &str, credentials: Credentials, clock: Clock) -> Client {
    let url = Url::parse(&running.base_url).unwrap();
    let mut cfg = ClientOptions::new(url.clone(), url, &running.tenant_id, client_id, credentials);
    cfg.writes_per_minute = 0;
    cfg.hunting_per_minute = 0;
    cfg.request_attempts = 12;
    Client::new(cfg, clock).expect("a client")
}

/// Every item of a collection, in pages of `top`.
async fn all_items(client: &Client, collection: Collection, top: u32) -> Vec<Value> {
    let query = ListQuery {
        top: Some(top),
        ..Default::default()
    };
    client.list(collection, &query).unwrap().collect_all().await.unwrap()
}

/// The first page of a collection, `top` items at most.
async fn first_page(client: &Client, collection: Collection, top: u32) -> Vec<Value> {
    let query = ListQuery {
        top: Some(top),
        ..Default::default()
    };
    client
        .list(collection, &query)
        .unwrap()
        .next_page()
        .await
        .unwrap()
        .unwrap()
        .value
}

fn local(running: &Running, clock: Clock) -> Client {
    client_with(
        running,
        "graphsoar-local",
        Credentials::Secret("local-secret".into()),
        clock,
    )
}

async fn stats(running: &Running) -> Value {
    crate::support::emulator_stats(&running.base_url).await
}

async fn set_faults(running: &Running, body: Value) {
    crate::support::emulator_post(&running.base_url, "/_emulator/faults", body).await;
}

fn route_count(stats: &Value, needle: &str) -> u64 {
    stats["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["route"].as_str().unwrap_or("").contains(needle))
        .map(|r| r["count"].as_u64().unwrap())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_gets_patches_and_comments() {
    let running = start(EmulatorOptions::bundled().unwrap()).await;
    let client = local(&running, Clock::system());
    let alerts: Vec<Value> = all_items(&client, Collection::Alerts, 50).await;
    assert!(alerts.len() >= 200, "{} alerts", alerts.len());
    let ids: HashSet<&str> = alerts.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), alerts.len(), "no alert twice across pages");

    let new: Vec<graphsoar::graph::models::Alert> = client
        .list(
            Collection::Alerts,
            &ListQuery {
                filter: Some("status eq 'new'".into()),
                ..Default::default()
            },
        )
        .unwrap()
        .collect_all()
        .await
        .unwrap();
    assert!(!new.is_empty() && new.iter().all(|a| a.status == Some(AlertStatus::New)));

    let id = &new[0].id;
    let update = AlertUpdate {
        status: Some(AlertStatus::InProgress),
        ..Default::default()
    };
    let updated = client.update_alert(id, &update).await.unwrap();
    assert_eq!(updated.status, Some(AlertStatus::InProgress));
    let comments = client
        .add_comment(Collection::Alerts, id, "looked at by graphsoar tests")
        .await
        .unwrap();
    assert!(
        comments
            .iter()
            .any(|c| c.comment.as_deref() == Some("looked at by graphsoar tests"))
    );
    assert_eq!(
        client.get_alert(id).await.unwrap().status,
        Some(AlertStatus::InProgress)
    );

    let incidents: Vec<graphsoar::graph::models::Incident> = client
        .list(
            Collection::Incidents,
            &ListQuery {
                expand_alerts: true,
                ..Default::default()
            },
        )
        .unwrap()
        .collect_all()
        .await
        .unwrap();
    assert!(incidents.len() >= 40);
    assert!(
        incidents
            .iter()
            .any(|i| i.alerts.as_ref().is_some_and(|a| !a.is_empty())),
        "$expand=alerts"
    );
    let tagged = client
        .update_incident(
            &incidents[0].id,
            &IncidentUpdate {
                custom_tags: Some(vec!["graphsoar-test".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(tagged.custom_tags, vec!["graphsoar-test".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_through_ten_thousand_alerts() {
    let mut config = EmulatorOptions::new(emulator::generate::generate(10_000, 7));
    config.seed = 7;
    let running = start(config).await;
    let client = local(&running, Clock::system());
    let mut pager = client
        .list::<Value>(
            Collection::Alerts,
            &ListQuery {
                top: Some(1000),
                ..Default::default()
            },
        )
        .unwrap();
    let mut seen = HashSet::new();
    let mut pages = 0;
    while let Some(page) = pager.next_page().await.unwrap() {
        pages += 1;
        assert!(page.value.len() <= 1000);
        for a in page.value {
            assert!(
                seen.insert(a["id"].as_str().unwrap().to_string()),
                "an alert came twice"
            );
        }
    }
    assert_eq!(seen.len(), 10_000);
    assert!((10..=11).contains(&pages), "{pages} pages");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_gets_a_permission_error_naming_the_permission() {
    let running = start(EmulatorOptions::bundled().unwrap()).await;
    let reader = client_with(
        &running,
        "graphsoar-reader",
        Credentials::Secret("reader-secret".into()),
        Clock::system(),
    );
    let alerts: Vec<Value> = first_page(&reader, Collection::Alerts, 5).await;
    let id = alerts[0]["id"].as_str().unwrap();
    let err = reader
        .update_alert(
            id,
            &AlertUpdate {
                status: Some(AlertStatus::Resolved),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(text.contains("SecurityAlert.ReadWrite.All"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_say_so_and_secrets_never_show() {
    let running = start(EmulatorOptions::bundled().unwrap()).await;
    let secret = "wrong-secret-s3cr3t-value";
    let client = client_with(
        &running,
        "graphsoar-local",
        Credentials::Secret(secret.into()),
        Clock::system(),
    );
    let err = client.get_alert("x").await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("authentication failed") && text.contains("invalid_client"),
        "{text}"
    );
    for shown in [text, format!("{err:?}"), format!("{client:?}")] {
        assert!(!shown.contains(secret), "the secret leaked: {shown}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_renewed_ahead_of_expiry_and_after_a_401() {
    let mut config = EmulatorOptions::bundled().unwrap();
    config.token_lifetime = Duration::from_secs(2);
    let running = start(config).await;
    // Real time: the 2 s token is renewed ahead of expiry, before the emulator would refuse it.
    let client = local(&running, Clock::system());
    for _ in 0..5 {
        client
            .get_json::<Value>("security/alerts_v2?$top=1", graphsoar::graph::Operation::ReadAlerts)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    let s = stats(&running).await;
    assert!(route_count(&s, "token") >= 2, "renewed: {s}");
    // A clock running 100× slower believes the token is still fresh; the emulator says 401; the
    // client renews once and the call succeeds.
    let slow = local(&running, Clock::scaled(0.01));
    slow.get_json::<Value>("security/alerts_v2?$top=1", graphsoar::graph::Operation::ReadAlerts)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    slow.get_json::<Value>("security/alerts_v2?$top=1", graphsoar::graph::Operation::ReadAlerts)
        .await
        .unwrap();
    let statuses = stats(&running).await;
    assert!(statuses["byStatus"]["401"].as_u64().unwrap_or(0) >= 1, "{statuses}");
}

fn rsa_certificate() -> (String, String) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("RSA key");
    let params = rcgen::CertificateParams::new(vec!["graphsoar-test".into()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), key.serialize_pem())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_authentication_with_ps256_and_rs256() {
    let (cert, key) = rsa_certificate();
    let mut config = EmulatorOptions::bundled().unwrap();
    let mut app = emulator::Client::local();
    app.client_id = "graphsoar-cert".into();
    app.secret = None;
    app.certificates = vec![cert.clone()];
    config.clients.push(app);
    let running = start(config).await;
    let pem = format!("{cert}\n{key}");
    for alg in [AssertionAlgorithm::Ps256, AssertionAlgorithm::Rs256] {
        let certificate = Certificate::from_pem(&pem, alg).unwrap();
        assert!(!format!("{certificate:?}").contains("PRIVATE"), "no key in Debug");
        let client = client_with(
            &running,
            "graphsoar-cert",
            Credentials::Certificate(Box::new(certificate)),
            Clock::system(),
        );
        let page = client
            .list::<Value>(Collection::Incidents, &ListQuery::default())
            .unwrap()
            .next_page()
            .await
            .unwrap()
            .unwrap();
        assert!(!page.value.is_empty(), "{alg:?}");
    }
    // A tenant that takes only RS256: refused with PS256, the client switches to RS256 once.
    let (old_cert, old_key) = rsa_certificate();
    let mut config = EmulatorOptions::bundled().unwrap();
    let mut app = emulator::Client::local();
    app.client_id = "graphsoar-rs256".into();
    app.secret = None;
    app.certificates = vec![old_cert.clone()];
    app.assertion_algorithms = vec!["RS256".into()];
    config.clients.push(app);
    config.token_lifetime = Duration::from_secs(2);
    let rs256_only = start(config).await;
    let certificate = Certificate::from_pem(&format!("{old_cert}\n{old_key}"), AssertionAlgorithm::Ps256).unwrap();
    let client = client_with(
        &rs256_only,
        "graphsoar-rs256",
        Credentials::Certificate(Box::new(certificate)),
        Clock::system(),
    );
    assert!(!first_page(&client, Collection::Incidents, 2).await.is_empty());
    // Tokens renewed later (these live 2 s) are signed with RS256 straight away.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(!first_page(&client, Collection::Incidents, 2).await.is_empty());
    let tokens: Vec<(String, u64)> = stats(&rs256_only).await["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["route"].as_str().unwrap_or("").contains("token"))
        .map(|r| (r["status"].as_str().unwrap().to_string(), r["count"].as_u64().unwrap()))
        .collect();
    let count = |status: &str| tokens.iter().filter(|t| t.0 == status).map(|t| t.1).sum::<u64>();
    assert_eq!(count("401"), 1, "one refusal, then RS256 only: {tokens:?}");
    assert!(count("200") >= 2, "{tokens:?}");

    // Another key with the same subject: refused.
    let (_, other_key) = rsa_certificate();
    let forged = Certificate::from_pem(&format!("{cert}\n{other_key}"), AssertionAlgorithm::Ps256).unwrap();
    let client = client_with(
        &running,
        "graphsoar-cert",
        Credentials::Certificate(Box::new(forged)),
        Clock::system(),
    );
    assert!(matches!(client.get_alert("x").await.unwrap_err(), Error::Auth { .. }));
}

/// 30% 429 and 5% 5xx on every route (comments: 429 only, since a comment is not repeated after
/// an uncertain outcome), and every operation still succeeds, in seconds, through the clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_server_errors_are_retried_through_the_clock() {
    let mut config = EmulatorOptions::bundled().unwrap();
    config.faults = "alerts=429@30:0.3,503:0.05;alert=429@30:0.3,500:0.05;incidents=429n:0.3,504:0.05;hunting=429@30:0.3,503:0.05;batch=429@30:0.3,500:0.05;comments=429@30:0.3".parse().unwrap();
    config.seed = 42;
    let running = start(config).await;
    let clock = Clock::scaled(1000.0);
    let client = local(&running, clock.clone());
    let started = std::time::Instant::now();
    let virtual_start = clock.now();
    let alerts: Vec<Value> = all_items(&client, Collection::Alerts, 10).await;
    assert!(alerts.len() >= 200);
    let incidents: Vec<Value> = all_items(&client, Collection::Incidents, 10).await;
    assert!(incidents.len() >= 40);
    for a in alerts.iter().take(20) {
        let id = a["id"].as_str().unwrap();
        client.get_alert(id).await.unwrap();
        client
            .update_alert(
                id,
                &AlertUpdate {
                    assigned_to: Some(Some("soc@contoso.com".into())),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        client.add_comment(Collection::Alerts, id, "retry test").await.unwrap();
    }
    let ops: Vec<BatchOp> = alerts
        .iter()
        .take(60)
        .map(|a| {
            BatchOp::update_alert(
                a["id"].as_str().unwrap(),
                &AlertUpdate {
                    status: Some(AlertStatus::InProgress),
                    ..Default::default()
                },
            )
        })
        .collect();
    for r in client.batch(ops).await {
        r.unwrap();
    }
    let s = stats(&running).await;
    assert!(
        s["byStatus"]["429"].as_u64().unwrap_or(0) > 10,
        "faults were injected: {s}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "through the clock, not real waits"
    );
    assert!(
        clock.now() - virtual_start > chrono::TimeDelta::seconds(60),
        "Retry-After was honoured in clock time"
    );
}

/// Entra's own throttling and server errors are waited out like Graph's, honouring Retry-After;
/// the request goes through once the token endpoint recovers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_or_failing_token_endpoint_is_retried() {
    let running = start(EmulatorOptions::bundled().unwrap()).await;
    for (spec, at_least) in [("token=429@30:1", 30), ("token=503:1", 1)] {
        set_faults(&running, serde_json::json!({ "clear": true, "spec": spec })).await;
        // Slow enough that twelve attempts outlast the 100 ms before the faults are cleared,
        // even on a loaded machine.
        let clock = Clock::scaled(100.0);
        let client = local(&running, clock.clone());
        let before = clock.now();
        let task = tokio::spawn(async move {
            let query = ListQuery {
                top: Some(5),
                ..Default::default()
            };
            client.list::<Value>(Collection::Alerts, &query)?.next_page().await
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        set_faults(&running, serde_json::json!({ "clear": true })).await;
        let page = task.await.unwrap().expect("the list succeeds once Entra recovers");
        assert_eq!(page.map(|p| p.value.len()), Some(5), "{spec}");
        assert!(
            clock.now() - before >= chrono::TimeDelta::seconds(at_least),
            "{spec}: waited in clock time"
        );
    }
    let s = stats(&running).await;
    assert!(
        s["byStatus"]["429"].as_u64().unwrap_or(0) > 0 && s["byStatus"]["503"].as_u64().unwrap_or(0) > 0,
        "{s}"
    );
}

/// A renewal that fails for a passing reason keeps the token that is still valid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_renewal_keeps_the_valid_token() {
    let running = start(EmulatorOptions::bundled().unwrap()).await;
    let clock = Clock::scaled(1_000.0);
    let client = local(&running, clock.clone());
    assert_eq!(first_page(&client, Collection::Alerts, 1).await.len(), 1);
    // 55.5 minutes on (3.3 s here): inside the last 5 minutes of the one-hour token, when it
    // is renewed, with room for a slow machine (0.1 s here is 100 s of the clock).
    set_faults(&running, serde_json::json!({ "clear": true, "spec": "token=503:1" })).await;
    clock.sleep(Duration::from_secs(55 * 60 + 30)).await;
    assert_eq!(first_page(&client, Collection::Alerts, 1).await.len(), 1);
    let s = stats(&running).await;
    assert!(
        s["byStatus"]["503"].as_u64().unwrap_or(0) >= 1,
        "the renewal was tried: {s}"
    );
}

/// A hunting 429 for the CPU quota pauses hunting until the next 15-minute boundary; one for the
/// call rate waits for the next minute.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hunting_quota_answers_pause_until_the_next_window() {
    let running = start(EmulatorOptions::bundled().unwrap()).await;
    let query = "DeviceInfo | take 10";
    // A CPU-quota answer pauses until the 15-minute boundary even when it says Retry-After: 0.
    for (fault, period) in [("429q", 900), ("429q@0", 900), ("429r", 60)] {
        let clock = Clock::scaled(2000.0);
        let client = local(&running, clock.clone());
        set_faults(
            &running,
            serde_json::json!({ "clear": true, "spec": format!("hunting={fault}:1") }),
        )
        .await;
        let before = clock.now();
        let boundary = graphsoar::clock::next_boundary(before, Duration::from_secs(period));
        let task = tokio::spawn({
            let client = client.clone();
            async move { client.run_hunting_query(query, None).await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        set_faults(&running, serde_json::json!({ "clear": true })).await;
        let result = task.await.unwrap().expect("the query succeeds once the quota is back");
        assert!(!result.results.is_empty());
        assert!(
            clock.now() >= boundary,
            "{fault}: waited until {boundary}, now {}",
            clock.now()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_reports_each_items_result() {
    let running = start(EmulatorOptions::bundled().unwrap()).await;
    let client = local(&running, Clock::system());
    let alerts: Vec<Value> = first_page(&client, Collection::Alerts, 30).await;
    let mut ops: Vec<BatchOp> = alerts
        .iter()
        .take(25)
        .map(|a| {
            BatchOp::update_alert(
                a["id"].as_str().unwrap(),
                &AlertUpdate {
                    status: Some(AlertStatus::InProgress),
                    ..Default::default()
                },
            )
        })
        .collect();
    ops.insert(
        3,
        BatchOp::update_alert(
            "no-such-alert",
            &AlertUpdate {
                status: Some(AlertStatus::Resolved),
                ..Default::default()
            },
        ),
    );
    let mut bad = BatchOp::update_alert(alerts[0]["id"].as_str().unwrap(), &AlertUpdate::default());
    bad.body = Some(serde_json::json!({ "status": "closed" }));
    ops.push(bad);
    let results = client.batch(ops).await;
    assert_eq!(results.len(), 27);
    assert_eq!(results[3].as_ref().unwrap_err().status(), Some(404));
    assert_eq!(results[26].as_ref().unwrap_err().status(), Some(400));
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 25);
    let s = stats(&running).await;
    assert_eq!(route_count(&s, "$batch"), 2, "27 operations in two $batch calls: {s}");
}

/// `Client::bulk`: a step queued from an answer goes out in a later call; when a call with a
/// comment POST in it fails whole with a 500, its GETs and PATCHes are sent again on their own
/// attempts, while the comment ends with the error (it may have been posted: its caller checks).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_steps_follow_answers_and_a_failed_mixed_call_sends_its_safe_items_again() {
    for seed in 1..=30 {
        let mut config = EmulatorOptions::bundled().unwrap();
        config.faults = "batch=500:0.5".parse().unwrap();
        config.seed = seed;
        let running = start(config).await;
        let client = local(&running, Clock::scaled(1000.0));
        let alerts = first_page(&client, Collection::Alerts, 2).await;
        let (a, b) = (alerts[0]["id"].as_str().unwrap(), alerts[1]["id"].as_str().unwrap());
        let (mut results, mut call_failed) = (Vec::new(), Vec::new());
        let ops = vec![
            (0, BatchOp::get(Collection::Alerts, a)),
            (1, BatchOp::comment(Collection::Alerts, b, "bulk")),
        ];
        client
            .bulk(ops, |key, answer, next| {
                if key == 0 && answer.result.is_ok() {
                    next.push((2, BatchOp::get(Collection::Alerts, b)));
                }
                if answer.call_failed {
                    call_failed.push(key);
                }
                results.push((key, answer.result));
            })
            .await;
        let result = |key| &results.iter().find(|r| r.0 == key).unwrap().1;
        // Only a seed whose first call failed tests the retry.
        if !matches!(result(1), Err(e) if e.status() == Some(500)) {
            continue;
        }
        assert_eq!(
            result(0).as_ref().unwrap()["id"],
            a,
            "the GET was sent again: {results:?}"
        );
        assert_eq!(
            result(2).as_ref().unwrap()["id"],
            b,
            "the step queued from its answer ran"
        );
        assert_eq!(results.len(), 3);
        assert_eq!(call_failed, [1], "the comment got no answer of its own");
        return;
    }
    panic!("no seed failed the first call");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_and_cut_connections_are_retried_only_when_safe() {
    let mut config = EmulatorOptions::bundled().unwrap();
    config.faults = "alerts=drop:0.3,cut:0.3;alert=drop:0.3,cut:0.3".parse().unwrap();
    config.seed = 3;
    let running = start(config).await;
    let client = local(&running, Clock::scaled(1000.0));
    let alerts: Vec<Value> = all_items(&client, Collection::Alerts, 25).await;
    assert!(alerts.len() >= 200);
    let update = AlertUpdate {
        assigned_to: Some(Some("analyst@contoso.com".into())),
        ..AlertUpdate::default()
    };
    for a in alerts.iter().take(10) {
        let id = a["id"].as_str().unwrap();
        client.get_alert(id).await.unwrap();
        // a PATCH cut after it was carried out is repeated: it is idempotent
        client.update_alert(id, &update).await.unwrap();
    }
    let s = stats(&running).await;
    for broken in ["dropped", "cut"] {
        assert!(s["byStatus"][broken].as_u64().unwrap_or(0) > 0, "{broken}: {s}");
    }

    // A comment whose answer is cut may have been posted: it is not posted again.
    let id = alerts[0]["id"].as_str().unwrap();
    let before = alerts[0]["comments"].as_array().map_or(0, Vec::len);
    set_faults(&running, serde_json::json!({"spec": "comments=cut:1"})).await;
    let error = client
        .add_comment(Collection::Alerts, id, "cut")
        .await
        .expect_err("the answer was cut");
    assert!(
        matches!(error, graphsoar::graph::Error::Transport { .. }) && !error.was_not_processed(),
        "{error:?}"
    );
    set_faults(&running, serde_json::json!({"spec": ""})).await;
    let alert = client.get_alert(id).await.unwrap();
    assert_eq!(alert.comments.len(), before + 1, "posted once: {:?}", alert.comments);
}

/// A Graph that answers with a nextLink to another host: the client refuses to follow it (the
/// token would go along). A minimal hostile server: the one place a fake stands in for Graph.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_next_link_to_another_host_is_refused() {
    use axum::routing::{get, post};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(|| async { axum::Json(serde_json::json!({"token_type": "Bearer", "expires_in": 3600, "access_token": "t"})) }))
        .route(
            "/v1.0/security/alerts_v2",
            get(|| async { axum::Json(serde_json::json!({"value": [], "@odata.nextLink": "http://evil.example.com/v1.0/security/alerts_v2?$skiptoken=x"})) }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let url = Url::parse(&format!("http://{addr}")).unwrap();
    let client = Client::new(
        ClientOptions::new(url.clone(), url, "t", "c", Credentials::Secret("s".into())),
        Clock::system(),
    )
    .unwrap();
    let mut pager = client.list::<Value>(Collection::Alerts, &ListQuery::default()).unwrap();
    let err = pager.next_page().await.unwrap_err();
    assert!(matches!(err, Error::ForeignNextLink { .. }), "{err:?}");
    assert!(err.to_string().contains("evil.example.com"));
}

/// A hunting 504 is retried once, then fails with a hint to narrow the query.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hunting_timeout_is_retried_once_then_explained() {
    let mut config = EmulatorOptions::bundled().unwrap();
    config.faults = "hunting=504:1".parse().unwrap();
    let running = start(config).await;
    let client = local(&running, Clock::scaled(1000.0));
    let err = client
        .run_hunting_query("DeviceInfo | take 10", None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::HuntingTimeout), "{err:?}");
    assert!(err.to_string().contains("narrow the query"));
    assert_eq!(
        route_count(&stats(&running).await, "runHuntingQuery"),
        2,
        "one retry, no more"
    );
}
