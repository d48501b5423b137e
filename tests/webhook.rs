//! Webhooks (issue 6): the request graphsoar sends, checked by a real HTTP receiver on
//! 127.0.0.1:0 that records every request and answers from a script (a test peer, not a mock of
//! our code). Bodies are planned through `engine::plan` from real playbooks, as `run` does.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::IntoResponse;
use chrono::Utc;
use graphsoar::action::webhook::{self, WebhookParams};
use graphsoar::action::{ActionKind, Outcome, Params};
use graphsoar::clock::Clock;
use graphsoar::config::Settings;
use graphsoar::engine::plan::{self, PlannedAction, RunContext};
use graphsoar::playbook::{self, Playbook};
use serde_json::{Value, json};

use crate::support::{TempDir, root, stderr, stdout};

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

impl Seen {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("the body is JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// One scripted answer: status, headers, body. When the script runs out: 200 `ok`.
type Reply = (u16, Vec<(&'static str, &'static str)>, &'static str);

#[derive(Clone)]
struct Peer {
    script: Arc<Mutex<VecDeque<Reply>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// A webhook receiver on 127.0.0.1:0; it lives as long as the test's runtime.
struct Receiver {
    base: String,
    peer: Peer,
}

impl Receiver {
    async fn start(script: Vec<Reply>) -> Receiver {
        let peer = Peer {
            script: Arc::new(Mutex::new(script.into())),
            seen: Arc::default(),
        };
        let app = axum::Router::new().fallback(receive).with_state(peer.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver {
            base: format!("http://{addr}"),
            peer,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn seen(&self) -> Vec<Seen> {
        self.peer.seen.lock().unwrap().clone()
    }
}

async fn receive(
    axum::extract::State(peer): axum::extract::State<Peer>,
    method: Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    peer.seen.lock().unwrap().push(Seen {
        method: method.to_string(),
        path: uri.path().to_string(),
        headers,
        body,
    });
    let (status, headers, body) = peer.script.lock().unwrap().pop_front().unwrap_or((200, vec![], "ok"));
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        map.insert(k, v.parse().unwrap());
    }
    (StatusCode::from_u16(status).unwrap(), map, body)
}

/// Backoff and Retry-After waits take a thousandth of their time.
fn fast() -> Clock {
    Clock::scaled(1000.0)
}

/// Sends `params` as ledger entry `id` of `playbook` (its idempotency key without an instance).
async fn send(params: &WebhookParams, id: i64, playbook: &str, attempts: u32) -> Outcome {
    let key = webhook::idempotency_key(id, None, playbook);
    webhook::execute(&http(), &fast(), params, &key, playbook, attempts).await
}

/// The webhook parameters of a planned webhook.
fn webhook_params(planned: &PlannedAction) -> &WebhookParams {
    match &planned.params {
        Params::Webhook(webhook) => webhook,
        other => panic!("a webhook, not {:?}", other.kind()),
    }
}

/// Webhook parameters written as the ledger's JSON.
fn typed(params: &Value) -> WebhookParams {
    serde_json::from_value(params.clone()).expect("webhook params")
}

fn http() -> reqwest::Client {
    webhook::client().unwrap()
}

fn compile(yaml: &str) -> Playbook {
    let dir = root().join("playbooks");
    let loaded = playbook::parse_str(yaml, &dir.join("webhook-test.yaml"), &dir, &Settings::embedded());
    loaded
        .playbook
        .unwrap_or_else(|| panic!("the test playbook compiles: {:#?}", loaded.diagnostics))
}

fn run_context() -> RunContext {
    RunContext {
        run_id: "run-1".into(),
        started: Utc::now(),
        now: Utc::now(),
        lists: Arc::new(BTreeMap::new()),
    }
}

/// The planned webhook (the first action) for one item.
fn plan_one(playbook: &Playbook, item: &Value) -> PlannedAction {
    let ctx = run_context();
    let key = plan::dedup_key(playbook, item, &ctx).unwrap();
    let actions = plan::plan_item(playbook, item, &key, &ctx).unwrap();
    actions
        .into_iter()
        .find(|a| a.kind() == ActionKind::Webhook)
        .expect("a webhook is planned")
}

fn fixture(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join("playbooks/tests").join(path)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every string leaf of a JSON value, with its JSON pointer.
fn strings(v: &Value, at: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => out.push((at, s.clone())),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| strings(x, format!("{at}/{i}"), out)),
        Value::Object(m) => m.iter().for_each(|(k, x)| strings(x, format!("{at}/{k}"), out)),
        _ => {}
    }
}

fn incident_playbook(url: &str, format: &str) -> Playbook {
    compile(&format!(
        "name: webhook-incidents\nschedule: '@hourly'\ntrigger: {{ incidents: {{ filter: \"severity eq 'high'\" }} }}\nactions:\n  - webhook: {{ url: \"{url}\", format: {format} }}\n"
    ))
}

/// The shipped Teams card for an incident: the Workflows envelope, an Adaptive Card 1.5 with the
/// name, the facts, the alert list and an OpenUrl action to the incident; it reaches the
/// receiver as sent, with the idempotency key and playbook headers.
#[tokio::test]
async fn teams_card_for_an_incident() {
    let rx = Receiver::start(vec![]).await;
    let pb = incident_playbook(&rx.url("/teams"), "teams");
    let incident = fixture("incidents/high-severity.json");
    let planned = plan_one(&pb, &incident);
    let outcome = send(webhook_params(&planned), 41, &pb.name, 5).await;
    assert_eq!(outcome, Outcome::Done);

    let seen = rx.seen();
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    assert_eq!((req.method.as_str(), req.path.as_str()), ("POST", "/teams"));
    assert_eq!(req.header("idempotency-key"), "graphsoar-webhook-incidents-41");
    assert_eq!(req.header("x-graphsoar-playbook"), "webhook-incidents");
    assert_eq!(req.header("content-type"), "application/json");
    let body = req.json();
    assert_eq!(
        body,
        planned.params.to_json()["body"],
        "the frozen body is what is sent"
    );
    assert_eq!(body["type"], "message");
    let attachment = &body["attachments"][0];
    assert_eq!(attachment["contentType"], "application/vnd.microsoft.card.adaptive");
    let card = &attachment["content"];
    assert_eq!(card["$schema"], "http://adaptivecards.io/schemas/adaptive-card.json");
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.5");
    assert_eq!(card["body"][0]["type"], "TextBlock");
    assert_eq!(card["body"][0]["text"], incident["displayName"]);
    let facts: BTreeMap<String, String> = card["body"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "FactSet")
        .expect("a FactSet")["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["title"].as_str().unwrap().into(), f["value"].as_str().unwrap().into()))
        .collect();
    assert_eq!(facts["Severity"], "high");
    assert_eq!(facts["Status"], "active");
    assert_eq!(facts["Assigned to"], "unassigned");
    assert_eq!(
        facts["Alerts"],
        incident["alerts"].as_array().unwrap().len().to_string()
    );
    assert_eq!(facts["Created"], "2026-05-12 14:45 UTC");
    let texts: Vec<&str> = card["body"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["text"].as_str())
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("Suspicious access to LSASS service")),
        "the alert list: {texts:?}"
    );
    assert_eq!(
        card["actions"],
        json!([{ "type": "Action.OpenUrl", "title": "Open in Defender", "url": incident["incidentWebUrl"] }])
    );
}

/// A digest of 500 rows with very long values: Slack blocks stay within Slack's limits (50
/// blocks, header 150, section text 3000, 10 fields of 2000, button URL 3000) and say how many
/// were left out; the Teams card lists 20 and says "and 480 more".
#[tokio::test]
async fn digests_of_500_long_rows_stay_within_limits() {
    let rows: Vec<Value> = (0..500)
        .map(|i| {
            json!({
                "Timestamp": "2026-05-12T14:45:17Z",
                "DeviceName": format!("ws-{i:04} & <b> {}", "x".repeat(400)),
                "ProcessCommandLine": format!("powershell -enc {}", "A".repeat(5000)),
            })
        })
        .collect();
    let ctx = run_context();
    let hunting = |format: &str| {
        compile(&format!(
            "name: encoded-powershell-{format}\ndescription: {}\nschedule: '@hourly'\ntrigger: {{ hunting: {{ query: \"DeviceProcessEvents | where Timestamp > ago(1h)\" }} }}\ngroup: all\nactions:\n  - webhook: {{ url: \"https://hooks.example.com/x\", format: {format} }}\n",
            "d".repeat(300)
        ))
    };

    let slack = hunting("slack");
    let planned = plan::plan_digest(&slack, &rows, &ctx).unwrap();
    let body = &planned[0].params.to_json()["body"];
    let blocks = body["blocks"].as_array().unwrap();
    assert!(!blocks.is_empty() && blocks.len() <= 50, "{} blocks", blocks.len());
    assert!(body["text"].as_str().unwrap().chars().count() <= 3000);
    let count = |v: &Value| v.as_str().unwrap().chars().count();
    for b in blocks {
        match b["type"].as_str().unwrap() {
            "header" => assert!(count(&b["text"]["text"]) <= 150),
            "section" => {
                if let Some(t) = b.get("text") {
                    assert!(count(&t["text"]) <= 3000, "section text {}", count(&t["text"]));
                }
                if let Some(fields) = b.get("fields").and_then(Value::as_array) {
                    assert!(fields.len() <= 10);
                    assert!(fields.iter().all(|f| count(&f["text"]) <= 2000));
                }
            }
            "context" => {
                let elements = b["elements"].as_array().unwrap();
                assert!(elements.len() <= 10);
                assert!(elements.iter().all(|e| count(&e["text"]) <= 3000));
            }
            "actions" => {
                for e in b["elements"].as_array().unwrap() {
                    assert!(count(&e["url"]) <= 3000);
                }
            }
            other => panic!("unexpected block {other}"),
        }
    }
    let all = body.to_string();
    assert!(all.contains("and 480 more"), "the rest is counted");
    assert!(all.contains("&amp;") && all.contains("&lt;b&gt;"), "mrkdwn is escaped");
    assert!(!all.contains("<b>"));
    assert!(all.contains('…'), "long values are cut with …");

    let teams = hunting("teams");
    let planned = plan::plan_digest(&teams, &rows, &ctx).unwrap();
    let card = &planned[0].params.to_json()["body"]["attachments"][0]["content"];
    assert_eq!(card["body"][0]["text"], "encoded-powershell-teams");
    let texts: Vec<&str> = card["body"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["text"].as_str())
        .collect();
    assert_eq!(
        texts.iter().filter(|t| t.starts_with("Timestamp: ")).count(),
        20,
        "{texts:?}"
    );
    assert!(texts.contains(&"and 480 more"));
    assert!(texts.iter().all(|t| t.chars().count() <= 300));
    assert!(card.get("actions").is_none(), "rows have no Defender link");
}

/// 429 with `Retry-After: 0` twice, then 200: three requests with one idempotency key, done.
#[tokio::test]
async fn retries_429_honouring_retry_after() {
    let rx = Receiver::start(vec![
        (429, vec![("Retry-After", "0")], "slow down"),
        (429, vec![("Retry-After", "0")], "slow down"),
    ])
    .await;
    let params = json!({ "url": rx.url("/hook"), "method": "POST", "format": "json", "body": { "a": 1 } });
    let outcome = send(&typed(&params), 7, "p", 5).await;
    assert_eq!(outcome, Outcome::Done);
    let seen = rx.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| s.header("idempotency-key") == "graphsoar-p-7"));
    assert!(seen.iter().all(|s| s.json() == json!({ "a": 1 })));
}

/// 503 then 200 (backoff through the scaled clock): done on the second request, same key.
#[tokio::test]
async fn retries_503_with_backoff() {
    let rx = Receiver::start(vec![(503, vec![], "busy")]).await;
    let params = json!({ "url": rx.url("/hook"), "body": { "a": 1 } });
    let outcome = send(&typed(&params), 8, "p", 5).await;
    assert_eq!(outcome, Outcome::Done);
    let keys: Vec<String> = rx
        .seen()
        .iter()
        .map(|s| s.header("idempotency-key").to_string())
        .collect();
    assert_eq!(keys, ["graphsoar-p-8", "graphsoar-p-8"]);
}

/// A receiver that keeps failing: `max_attempts` requests, then a failure the ledger retries,
/// which says the status, the answer and how often it was tried.
#[tokio::test]
async fn gives_up_after_max_attempts_retryably() {
    let rx = Receiver::start(vec![(502, vec![], "bad gateway"); 10]).await;
    let params = json!({ "url": rx.url("/hook"), "body": {} });
    let outcome = send(&typed(&params), 9, "p", 3).await;
    let Outcome::Failed { error, retryable } = outcome else {
        panic!("fails: {outcome:?}")
    };
    assert!(retryable);
    assert!(
        error.contains("502") && error.contains("bad gateway") && error.contains("3 attempts"),
        "{error}"
    );
    assert_eq!(rx.seen().len(), 3);
}

/// 400: one request only, a permanent failure with the status and the start of the answer on
/// one line, and the URL's path (a secret for Teams and Slack) is not in it.
#[tokio::test]
async fn no_retry_on_400() {
    let rx = Receiver::start(vec![(400, vec![], "invalid_blocks\nblock 3: text too long")]).await;
    let params = json!({ "url": rx.url("/services/T0/B0/s3cr3t"), "body": {} });
    let outcome = send(&typed(&params), 10, "p", 5).await;
    let Outcome::Failed { error, retryable } = outcome else {
        panic!("fails: {outcome:?}")
    };
    assert!(!retryable);
    assert!(error.contains("400 Bad Request"), "{error}");
    assert!(error.contains("invalid_blocks block 3: text too long"), "{error}");
    assert!(!error.contains('\n') && !error.contains("s3cr3t"), "{error}");
    assert_eq!(rx.seen().len(), 1);
}

/// Nothing listens: connection errors are retried, then a retryable failure naming the host.
#[tokio::test]
async fn connection_refused_is_retried() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let params = json!({ "url": format!("http://127.0.0.1:{port}/hook"), "body": {} });
    let outcome = send(&typed(&params), 11, "p", 2).await;
    let Outcome::Failed { error, retryable } = outcome else {
        panic!("fails: {outcome:?}")
    };
    assert!(retryable);
    assert!(
        error.contains(&format!("127.0.0.1:{port}")) && error.contains("2 attempts"),
        "{error}"
    );
}

const HOSTILE: &str = "Bad \"quote\"\n</script> <!channel> @here {{ 7*7 }} [click](https://evil.example)";

/// An alert title full of syntax cannot break the JSON of a Teams card, Slack blocks or a
/// `json` body; the receiver finds the title, neutralised, in the field meant for it and
/// nowhere else (not in the URL, not in a header).
#[tokio::test]
async fn hostile_alert_title_stays_in_its_field() {
    let rx = Receiver::start(vec![]).await;
    let mut alert = fixture("alerts/lsass-high.json");
    alert["title"] = json!(HOSTILE);
    let playbook = |format: &str, body: &str| {
        compile(&format!(
            "name: webhook-alerts-{format}\nschedule: '@hourly'\ntrigger: {{ alerts: {{}} }}\nactions:\n  - webhook:\n      url: \"{}\"\n      format: {format}\n{body}",
            rx.url(&format!("/{format}"))
        ))
    };
    let cases = [
        playbook("teams", ""),
        playbook("slack", ""),
        playbook(
            "json",
            "      body: { text: \"{{ alert.title }}\", severity: \"{{ alert.severity }}\", n: 1 }\n",
        ),
    ];
    for (i, pb) in cases.iter().enumerate() {
        let planned = plan_one(pb, &alert);
        let outcome = send(webhook_params(&planned), 100 + i as i64, &pb.name, 5).await;
        assert_eq!(outcome, Outcome::Done, "{}", pb.name);
    }
    let seen = rx.seen();
    assert_eq!(seen.len(), 3);
    for req in &seen {
        let body = req.json();
        let mut leaves = Vec::new();
        strings(&body, String::new(), &mut leaves);
        let with_title: Vec<&(String, String)> = leaves.iter().filter(|(_, s)| s.contains("7*7")).collect();
        for (_, s) in &with_title {
            assert!(
                !s.contains("<!channel>") && !s.contains("@here"),
                "mentions neutralised: {s:?}"
            );
            assert!(!s.contains("49"), "item data is not a template: {s:?}");
        }
        for (name, value) in &req.headers {
            assert!(!value.to_str().unwrap_or("").contains("7*7"), "header {name}");
        }
        assert!(!req.path.contains("7*7"));
        let paths: Vec<&str> = with_title.iter().map(|(p, _)| p.as_str()).collect();
        match req.path.as_str() {
            "/teams" => {
                assert_eq!(paths, ["/attachments/0/content/body/0/text"]);
                let t = with_title[0].1.as_str();
                assert!(t.starts_with("Bad \"quote\" </script>"), "one line, quotes kept: {t:?}");
                assert!(!t.contains("](https"), "no Markdown link: {t:?}");
                assert_eq!(
                    body["attachments"][0]["content"]["actions"][0]["url"],
                    alert["alertWebUrl"]
                );
            }
            "/slack" => {
                assert_eq!(paths, ["/text", "/blocks/0/text/text"], "fallback text and header");
                assert!(!with_title[0].1.contains('<'), "mrkdwn escaped: {:?}", with_title[0].1);
                assert!(with_title[0].1.contains("&lt;/script&gt;"));
                assert!(
                    with_title[1].1.starts_with("Bad \"quote\" </script>"),
                    "plain_text header"
                );
            }
            "/json" => {
                assert_eq!(paths, ["/text"]);
                assert_eq!(body["severity"], "high");
                assert_eq!(body["n"], 1);
                assert!(
                    with_title[0].1.contains("Bad \"quote\"\n</script>"),
                    "json keeps the text as is"
                );
            }
            other => panic!("unexpected path {other}"),
        }
    }
}

/// `url_env` that is not set or empty, and a header from an unset variable: permanent failures
/// naming the variable, nothing sent.
#[tokio::test]
async fn missing_environment_variables_are_named() {
    let missing = "GRAPHSOAR_TEST_WEBHOOK_URL_THAT_IS_NOT_SET";
    let params = json!({ "url_env": missing, "format": "teams", "body": {} });
    let outcome = send(&typed(&params), 1, "p", 5).await;
    let Outcome::Failed { error, retryable } = outcome else {
        panic!("fails: {outcome:?}")
    };
    assert!(!retryable);
    assert!(error.contains(missing) && error.contains("not set"), "{error}");

    let rx = Receiver::start(vec![]).await;
    let params = json!({
        "url": rx.url("/hook"),
        "headers": { "X-Api-Key": { "env": "GRAPHSOAR_TEST_WEBHOOK_KEY_THAT_IS_NOT_SET" } },
        "body": {}
    });
    let outcome = send(&typed(&params), 2, "p", 5).await;
    let Outcome::Failed { error, retryable } = outcome else {
        panic!("fails: {outcome:?}")
    };
    assert!(!retryable);
    assert!(
        error.contains("GRAPHSOAR_TEST_WEBHOOK_KEY_THAT_IS_NOT_SET") && error.contains("X-Api-Key"),
        "{error}"
    );
    assert!(rx.seen().is_empty());
}

/// http:// to a host that is not loopback is refused before anything is sent.
#[tokio::test]
async fn https_required_except_loopback() {
    let params = json!({ "url": "http://hooks.example.com/services/secret", "body": {} });
    let outcome = send(&typed(&params), 1, "p", 5).await;
    let Outcome::Failed { error, retryable } = outcome else {
        panic!("fails: {outcome:?}")
    };
    assert!(!retryable);
    assert!(
        error.contains("hooks.example.com") && error.contains("https://"),
        "{error}"
    );
    assert!(!error.contains("secret"), "{error}");
}

/// The shipped Teams playbook, enabled, run by the real binary on the embedded tenant with its
/// URL in GRAPHSOAR_TEAMS_WEBHOOK, and a Slack digest with a header from the environment: each
/// incident is posted once with its own idempotency key, and a second run posts nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipped_teams_playbook_posts_through_url_env() {
    let rx = Receiver::start(vec![]).await;
    let dir = TempDir::new("webhook-e2e");
    let shipped = root().join("playbooks");
    let teams = std::fs::read_to_string(shipped.join("teams-high-severity-incidents.yaml"))
        .unwrap()
        .replace("enabled: false", "enabled: true");
    dir.write("playbooks/teams-high-severity-incidents.yaml", teams);
    for f in ["high-severity.json", "medium-severity.json"] {
        dir.write(
            &format!("playbooks/tests/incidents/{f}"),
            std::fs::read(shipped.join("tests/incidents").join(f)).unwrap(),
        );
    }
    dir.write(
        "playbooks/slack-digest.yaml",
        "name: slack-digest\nschedule: '@hourly'\ntrigger: { alerts: { filter: \"severity eq 'high'\", since: 1h } }\ngroup: all\nactions:\n  - webhook:\n      url_env: WEBHOOK_TEST_SLACK_URL\n      format: slack\n      headers: { X-Api-Key: { env: WEBHOOK_TEST_KEY } }\n",
    );
    let run = |dir: &Path| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_graphsoar"));
        c.args(["run", "--once"])
            .current_dir(dir)
            .env_remove("GRAPHSOAR_CONFIG")
            .env("GRAPHSOAR_TEAMS_WEBHOOK", rx.url("/teams"))
            .env("WEBHOOK_TEST_SLACK_URL", rx.url("/slack"))
            .env("WEBHOOK_TEST_KEY", "k-123");
        c
    };
    let mut first = run(dir.path());
    let out = tokio::task::spawn_blocking(move || first.output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    let seen = rx.seen();
    let teams: Vec<&Seen> = seen.iter().filter(|s| s.path == "/teams").collect();
    let slack: Vec<&Seen> = seen.iter().filter(|s| s.path == "/slack").collect();
    assert!(!teams.is_empty(), "incidents posted: {}", stdout(&out));
    let mut keys: Vec<&str> = teams.iter().map(|s| s.header("idempotency-key")).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), teams.len(), "one key per incident: {keys:?}");
    for t in &teams {
        assert!(t.header("idempotency-key").starts_with("graphsoar-"));
        assert_eq!(t.header("x-graphsoar-playbook"), "teams-high-severity-incidents");
        let body = t.json();
        assert_eq!(body["attachments"][0]["content"]["version"], "1.5");
        assert_eq!(
            body["attachments"][0]["content"]["actions"][0]["type"],
            "Action.OpenUrl"
        );
    }
    assert_eq!(slack.len(), 1, "one digest");
    assert_eq!(slack[0].header("x-api-key"), "k-123");
    assert!(slack[0].json()["blocks"].as_array().is_some_and(|b| !b.is_empty()));

    let mut again = run(dir.path());
    let out = tokio::task::spawn_blocking(move || again.output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(rx.seen().len(), seen.len(), "nothing posted twice");
}
