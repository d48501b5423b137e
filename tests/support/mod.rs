//! Helpers shared by the integration tests: running the real binary, temporary folders (the
//! library's [`TempDir`], which the unit tests use too), and talking to an emulator: one way to
//! get a token and one way to follow `@odata.nextLink` pages. Tests that check the token endpoint
//! or paging themselves make their own requests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use graphsoar::emulator::TENANT_ID;
use serde_json::Value;

pub use graphsoar::testutil::TempDir;

/// The crate root: tests run the binary from here so paths in its output are stable.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `graphsoar ARGS` in the crate root, without any GRAPHSOAR_ environment.
pub fn graphsoar(args: &[&str]) -> Output {
    graphsoar_in(root(), args)
}

/// Runs `graphsoar ARGS` in `dir`.
pub fn graphsoar_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_graphsoar"))
        .args(args)
        .current_dir(dir)
        .env_remove("GRAPHSOAR_CONFIG")
        .output()
        .expect("the graphsoar binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every `.yaml` file under `dir`, sorted.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Copies a folder tree (playbooks with their templates and fixtures into a test's folder).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let path = entry.expect("dir entry").path();
        let target = to.join(path.file_name().expect("file name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy file");
        }
    }
}

/// `GET /_emulator/stats` of an emulator.
pub async fn emulator_stats(base_url: &str) -> serde_json::Value {
    reqwest::get(format!("{base_url}/_emulator/stats"))
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats JSON")
}

/// `POST` a JSON body to one of the emulator's `/_emulator` routes, asserting success.
pub async fn emulator_post(base_url: &str, path: &str, body: serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{base_url}{path}"))
        .json(&body)
        .send()
        .await
        .expect("POST");
    assert!(r.status().is_success(), "{}", r.text().await.unwrap_or_default());
}

/// The emulator's built-in client with every security role: (client id, secret).
pub const LOCAL_CLIENT: (&str, &str) = ("graphsoar-local", "local-secret");

/// The client-credentials form a client with a secret sends to the token endpoint.
pub fn token_form<'a>(client_id: &'a str, secret: &'a str) -> [(&'static str, &'a str); 4] {
    [
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_secret", secret),
        ("scope", "https://graph.microsoft.com/.default"),
    ]
}

/// A token from the emulator at `base_url` for [`LOCAL_CLIENT`] (every role).
pub async fn token(base_url: &str) -> String {
    token_for(base_url, LOCAL_CLIENT.0, LOCAL_CLIENT.1).await
}

/// A token from the emulator at `base_url` for a client with a secret, asserting a 200.
pub async fn token_for(base_url: &str, client_id: &str, secret: &str) -> String {
    let response = reqwest::Client::new()
        .post(format!("{base_url}/{TENANT_ID}/oauth2/v2.0/token"))
        .form(&token_form(client_id, secret))
        .send()
        .await
        .expect("token request");
    let (status, body) = (response.status(), json_or_text(response).await);
    assert_eq!(status, reqwest::StatusCode::OK, "{body:#}");
    body["access_token"].as_str().expect("an access_token").to_owned()
}

/// `GET path` (under `base_url`, or an absolute URL such as a next link) with a bearer token,
/// asserting a 200; the JSON body.
pub async fn get(base_url: &str, token: &str, path: &str) -> Value {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        format!("{base_url}{path}")
    };
    let response = reqwest::Client::new()
        .get(&url)
        .bearer_auth(token)
        .send()
        .await
        .expect("GET");
    let (status, body) = (response.status(), json_or_text(response).await);
    assert_eq!(status, reqwest::StatusCode::OK, "GET {url}: {body:#}");
    body
}

/// Every page of the collection at `path`, following `@odata.nextLink`: the pages' bodies, in
/// order, each asserted a 200.
pub async fn pages(base_url: &str, token: &str, path: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut next = Some(path.to_owned());
    while let Some(url) = next {
        let page = get(base_url, token, &url).await;
        next = page["@odata.nextLink"].as_str().map(str::to_owned);
        pages.push(page);
    }
    pages
}

/// Every item of the collection at `path` (its pages' `value`s, in order).
pub async fn list_all(base_url: &str, token: &str, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    for page in pages(base_url, token, path).await {
        match page {
            Value::Object(mut page) => match page.remove("value") {
                Some(Value::Array(values)) => items.extend(values),
                other => panic!("{path}: a page without a value array: {other:?}"),
            },
            other => panic!("{path}: a page that is not an object: {other:#}"),
        }
    }
    items
}

/// A response's body as JSON, or as a JSON string when it is not JSON.
async fn json_or_text(response: reqwest::Response) -> Value {
    let text = response.text().await.expect("a response body");
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

/// A Graph client for an in-process emulator, with `settings`' limits but no write or hunting
/// rate limit (loopback has no quota to protect).
pub fn local_client(
    running: &graphsoar::emulator::Running,
    settings: &graphsoar::config::Settings,
    clock: graphsoar::clock::Clock,
) -> graphsoar::graph::Client {
    graphsoar::graph::Client::new(local_options(running, settings), clock).unwrap()
}

/// A Defender for Endpoint client of the same local tenant.
pub fn local_defender(
    running: &graphsoar::emulator::Running,
    settings: &graphsoar::config::Settings,
    clock: graphsoar::clock::Clock,
) -> graphsoar::graph::defender::Defender {
    graphsoar::graph::defender::Defender::new(local_options(running, settings), clock).unwrap()
}

/// The client options of the local tenant, unlimited (loopback).
pub fn local_options(
    running: &graphsoar::emulator::Running,
    settings: &graphsoar::config::Settings,
) -> graphsoar::graph::ClientOptions {
    use graphsoar::graph::{ClientOptions, Credentials};
    let url = url::Url::parse(&running.base_url).unwrap();
    let mut options = ClientOptions::new(
        url.clone(),
        url,
        &running.tenant_id,
        &running.client_id,
        Credentials::Secret(running.client_secret.clone()),
    )
    .with_limits(settings);
    options.writes_per_minute = 0;
    options.hunting_per_minute = 0;
    options
}
