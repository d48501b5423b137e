//! Helpers for the emulator contract tests: a running emulator on 127.0.0.1:0, tokens and pages
//! (through `tests/support`), and JSON calls that return status, headers and body.

use graphsoar::emulator::dataset::Dataset;
use graphsoar::emulator::{EmulatorOptions, Running, spawn};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

/// A running emulator and an HTTP client.
pub struct Tenant {
    pub running: Running,
    pub http: reqwest::Client,
}

/// The answer of one call.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The Graph error code, or "".
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }

    /// The Graph error message, or "".
    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or_default()
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The ids in `value`.
    pub fn ids(&self) -> Vec<String> {
        ids(&self.body)
    }

    /// Asserts a Graph error with this status and code, with the innerError ids.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{:#}", self.body);
        assert_eq!(self.code(), code, "{:#}", self.body);
        assert!(!self.message().is_empty(), "{:#}", self.body);
        let inner = &self.body["error"]["innerError"];
        assert_eq!(
            inner["request-id"].as_str(),
            self.header("request-id"),
            "{:#}",
            self.body
        );
        assert!(inner["date"].is_string(), "{:#}", self.body);
    }
}

/// The ids in a page's `value`.
pub fn ids(page: &Value) -> Vec<String> {
    page["value"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["id"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// `n` alerts `a00`…, one per minute before the anchor (`a00` newest), alternating between two
/// incidents `1` and `2`, with statuses new/inProgress/resolved in turn.
pub fn small_dataset(n: usize) -> Dataset {
    let statuses = ["new", "inProgress", "resolved"];
    let alerts = (0..n)
        .map(|i| {
            let minute = 1 + i;
            let at = format!("2029-12-31T{:02}:{:02}:00.1234567Z", 23 - minute / 60, 59 - minute % 60);
            json!({
                "@odata.type": "#microsoft.graph.security.alert",
                "id": format!("a{i:02}"),
                "incidentId": if i % 2 == 0 { "1" } else { "2" },
                "status": statuses[i % 3],
                "severity": if i % 4 == 0 { "high" } else { "low" },
                "serviceSource": "microsoftDefenderForEndpoint",
                "title": format!("Alert {i}"),
                "assignedTo": null,
                "classification": null,
                "determination": null,
                "createdDateTime": at,
                "lastUpdateDateTime": at,
                "comments": [],
                "evidence": [{"@odata.type": "#microsoft.graph.security.ipEvidence", "ipAddress": "10.0.0.1",
                              "verdict": "suspicious", "remediationStatus": "none", "roles": [],
                              "createdDateTime": at}],
            })
        })
        .collect();
    let incidents = ["1", "2"]
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let at = format!("2029-12-31T22:0{i}:00Z");
            json!({"id": id, "displayName": format!("Incident {id}"), "status": "active",
                   "severity": if i == 0 { "high" } else { "medium" }, "customTags": ["seed"],
                   "createdDateTime": at, "lastUpdateDateTime": at, "comments": []})
        })
        .collect();
    Dataset {
        alerts,
        incidents,
        // One AlertInfo row per alert, for hunting queries (answered by the KQL engine).
        tables: [(
            "AlertInfo".to_string(),
            (0..n)
                .map(|i| {
                    let minute = 1 + i;
                    let at = format!("2029-12-31T{:02}:{:02}:00.1234567Z", 23 - minute / 60, 59 - minute % 60);
                    json!({"Timestamp": at, "AlertId": format!("a{i:02}"), "Title": format!("Alert {i}"),
                           "Severity": if i % 4 == 0 { "High" } else { "Low" }})
                })
                .collect(),
        )]
        .into_iter()
        .collect(),
        columnar: Default::default(),
        hunting: Vec::new(),
        clients: Vec::new(),
    }
}

/// An emulator on the small dataset.
pub async fn small(n: usize) -> Tenant {
    start(EmulatorOptions::new(small_dataset(n))).await
}

/// An emulator with `config`.
pub async fn start(config: EmulatorOptions) -> Tenant {
    let running = spawn(config).await.expect("the emulator starts");
    Tenant {
        running,
        http: reqwest::Client::new(),
    }
}

impl Tenant {
    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.base_url)
    }

    /// Asks the token endpoint with a form.
    pub async fn token_form(&self, form: &[(&str, &str)]) -> Answer {
        let response = self
            .http
            .post(self.running.token_url())
            .form(form)
            .send()
            .await
            .unwrap();
        answer(response).await
    }

    /// A token for a client with a secret.
    pub async fn token(&self, client_id: &str, secret: &str) -> String {
        crate::support::token_for(&self.running.base_url, client_id, secret).await
    }

    /// A token with every role.
    pub async fn admin(&self) -> String {
        crate::support::token(&self.running.base_url).await
    }

    /// A token with read roles only.
    pub async fn reader(&self) -> String {
        self.token("graphsoar-reader", "reader-secret").await
    }

    /// `GET path` with a bearer token.
    pub async fn get(&self, token: &str, path: &str) -> Answer {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            self.url(path)
        };
        answer(self.http.get(url).bearer_auth(token).send().await.unwrap()).await
    }

    /// `method path` with a JSON body.
    pub async fn send(&self, token: &str, method: reqwest::Method, path: &str, body: &Value) -> Answer {
        let response = self
            .http
            .request(method, self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        answer(response).await
    }

    /// `PATCH path`.
    pub async fn patch(&self, token: &str, path: &str, body: &Value) -> Answer {
        self.send(token, reqwest::Method::PATCH, path, body).await
    }

    /// `POST path`.
    pub async fn post(&self, token: &str, path: &str, body: &Value) -> Answer {
        self.send(token, reqwest::Method::POST, path, body).await
    }

    /// `POST /_emulator/...` without a token.
    pub async fn admin_post(&self, path: &str, body: &Value) -> Answer {
        answer(self.http.post(self.url(path)).json(body).send().await.unwrap()).await
    }

    /// Follows next links from `path`; returns every page's body.
    pub async fn pages(&self, token: &str, path: &str) -> Vec<Value> {
        crate::support::pages(&self.running.base_url, token, path).await
    }
}

/// Reads a response as an [`Answer`] (a non-JSON body becomes a string).
pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer { status, headers, body }
}
