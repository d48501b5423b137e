//! The approve and deny links of emailed approval requests, end to end: the binary plans an
//! isolation that needs approval and emails each recipient their own links; a serving engine
//! (`listen`, `approvals`) answers them; a real headless Chromium (through chromedriver's
//! WebDriver API) opens the page and presses the button. GETs change nothing; forged, used and
//! expired links are refused; the recipient is recorded as who decided.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use graphsoar::emulator::{self, EmulatorOptions, Running};
use graphsoar::state::{ApprovalState, Store};
use serde_json::{Value, json};

use crate::support::{LOCAL_CLIENT, TempDir, stderr, stdout};

const DEVICE: &str = "90be13af5af7575f9b86425b7dc85f171829bb30";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Kills the child when dropped (a failed assertion must not leave a server running).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_graphsoar"));
    c.args(args)
        .current_dir(dir)
        .env("GRAPHSOAR_CLIENT_SECRET", LOCAL_CLIENT.1)
        .env_remove("GRAPHSOAR_CONFIG");
    c
}

async fn run(dir: &Path, args: &[&str]) -> Output {
    let mut c = command(dir, args);
    tokio::task::spawn_blocking(move || c.output().unwrap()).await.unwrap()
}

/// Waits until `url` answers 200.
async fn until_up(url: &str) {
    let start = Instant::now();
    loop {
        if let Ok(r) = reqwest::get(url).await
            && r.status().is_success()
        {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{url} never answered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The approve and deny links of `recipient` in the outbox (quoted-printable undone).
fn links_of(dir: &Path, recipient: &str, approval: &str) -> (String, String) {
    for file in std::fs::read_dir(dir.join("outbox")).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        let text = text.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
        if !text.contains(&format!("To: {recipient}")) || !text.contains(approval) {
            continue;
        }
        let link = |decision: &str| {
            text.split_whitespace()
                .find(|w| w.contains(&format!("/approvals/{approval}/{decision}?")))
                .unwrap_or_else(|| panic!("no {decision} link for {recipient} in {text}"))
                .to_owned()
        };
        return (link("approve"), link("deny"));
    }
    panic!("no approval request to {recipient} in the outbox");
}

fn approval_state(dir: &Path, id: &str) -> (ApprovalState, Option<String>) {
    let store = Store::open_read_only(&dir.join("state.db")).unwrap();
    let (a, _) = store.approval(id).unwrap();
    (a.state, a.decided_by)
}

/// A WebDriver session of headless Chromium.
struct Browser {
    http: reqwest::Client,
    base: String,
    session: String,
    _driver: Killed,
}

impl Browser {
    async fn start() -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian's chromium-driver; .ci/run installs it)");
        let base = format!("http://127.0.0.1:{port}");
        until_up(&format!("{base}/status")).await;
        let http = reqwest::Client::new();
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        }}}});
        let created: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {created}"))
            .to_owned();
        Browser {
            http,
            base,
            session,
            _driver: Killed(driver),
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let request = match method {
            reqwest::Method::GET => self.http.get(url),
            other => self.http.request(other, url).json(&body),
        };
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        answer["value"].clone()
    }

    async fn open(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({ "url": url })).await;
    }

    async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn click(&self, css: &str) {
        let element = self
            .call(
                reqwest::Method::POST,
                "/element",
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        let id = element
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {element}"))
            .to_owned();
        self.call(reqwest::Method::POST, &format!("/element/{id}/click"), json!({}))
            .await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let http = self.http.clone();
        // Best effort: the driver is killed right after.
        std::thread::spawn(move || {
            let _ = tokio::runtime::Runtime::new().map(|rt| rt.block_on(http.delete(url).send()));
        })
        .join()
        .ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emailed_links_decide_only_through_their_confirmation_page() {
    let mut options = EmulatorOptions::bundled().unwrap();
    options.machine_action_delay = Duration::from_millis(200);
    let running: Running = emulator::spawn(options).await.unwrap();
    let port = free_port();
    let dir = TempDir::new("approval-links");
    dir.write("approval.key", "k".repeat(40));
    dir.write(
        "graphsoar.yaml",
        format!(
            "tenant_id: local\nclient_id: {}\ngraph_url: {url}\nlogin_url: {url}\nstate: state.db\noutbox: outbox\nplaybooks: playbooks\nlimits: {{ writes_per_minute: 0, hunting_per_minute: 0 }}\nlisten: 127.0.0.1:{port}\napprovals: {{ public_url: http://127.0.0.1:{port}, signing_key_file: approval.key }}\n",
            LOCAL_CLIENT.0,
            url = running.base_url
        ),
    );
    let playbook = |name: &str, timeout: &str| {
        format!(
            "name: {name}\nschedule: \"0 0 1 1 *\"\ntrigger:\n  alerts:\n    filter: \"status eq 'new' and severity eq 'high'\"\n    since: 1h\ncondition: '(alert.title ?? \"\").contains(\"LSASS\")'\nactions:\n  - isolate_device:\n      comment: \"<b>isolating</b> {{{{ alert.id }}}}\"\n      approval: {{ timeout: {timeout}, notify: [alice@contoso.com, \"Bob <Bob@Contoso.com>\"] }}\n"
        )
    };
    dir.write("playbooks/isolate.yaml", playbook("isolate", "4h"));
    dir.write("playbooks/short.yaml", playbook("short", "2s"));
    let out = run(dir.path(), &["run", "--once"]).await;
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    let store = Store::open_read_only(&dir.path().join("state.db")).unwrap();
    let approvals = store.approvals(true).unwrap();
    let id_of = |playbook: &str| {
        approvals
            .iter()
            .find(|(a, _)| a.playbook == playbook)
            .map(|(a, _)| a.id.clone())
            .unwrap()
    };
    let (id, short) = (id_of("isolate"), id_of("short"));
    drop(store);
    let (approve, _) = links_of(dir.path(), "alice@contoso.com", &id);
    let (_, bob_deny) = links_of(dir.path(), "Bob <Bob@Contoso.com>", &id);
    assert!(approve.contains("r=alice%40contoso.com"), "{approve}");
    assert!(
        bob_deny.contains("r=bob%40contoso.com"),
        "the bare address, lower-cased: {bob_deny}"
    );

    let _server = Killed(
        command(dir.path(), &["run"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    until_up(&format!("http://127.0.0.1:{port}/healthz")).await;
    until_up(&format!("http://127.0.0.1:{port}/readyz")).await;

    // A GET (a mail scanner) shows the page and changes nothing.
    let page = reqwest::get(&approve).await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains(DEVICE) && html.contains("Approve this action?"), "{html}");
    assert!(
        html.contains("&lt;b&gt;isolating&lt;/b&gt;") && !html.contains("<b>isolating"),
        "escaped: {html}"
    );
    assert_eq!(approval_state(dir.path(), &id).0, ApprovalState::Waiting);

    // Forged links: another signature, another recipient, another decision.
    let forged = [
        approve.replace("&s=", "&s=A"),
        approve.replace("r=alice%40contoso.com", "r=mallory%40contoso.com"),
        approve.replace("/approve?", "/deny?"),
    ];
    for link in forged {
        let answer = reqwest::get(&link).await.unwrap();
        assert_eq!(answer.status(), 403, "{link}");
    }
    // A POST without the page's cookie and token (a cross-site form) is refused.
    let cross = reqwest::Client::new()
        .post(&approve)
        .form(&[("token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    assert_eq!(approval_state(dir.path(), &id).0, ApprovalState::Waiting);

    // The browser: open, press the button.
    let browser = Browser::start().await;
    browser.open(&approve).await;
    let shown = browser.source().await;
    assert!(shown.contains("Approve this action?"), "{shown}");
    browser.click("#decide").await;
    let done = browser.source().await;
    assert!(done.contains("Approved by alice@contoso.com"), "{done}");
    assert_eq!(
        approval_state(dir.path(), &id),
        (ApprovalState::Approved, Some("alice@contoso.com".into()))
    );
    // Used: the same link, and Bob's deny, are refused.
    for link in [&approve, &bob_deny] {
        let answer = reqwest::get(link).await.unwrap();
        assert_eq!(answer.status(), 409, "{link}");
        assert!(
            answer
                .text()
                .await
                .unwrap()
                .contains("already approved by alice@contoso.com")
        );
    }
    // Expired: the short approval's link, once its 2 seconds are over.
    let (short_approve, _) = links_of(dir.path(), "alice@contoso.com", &short);
    let wait = Instant::now();
    while wait.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    browser.open(&short_approve).await;
    assert!(browser.source().await.contains("expired"), "{}", browser.source().await);
    drop(browser);
    drop(_server);

    // The approved isolation runs at the next run, once.
    let out = run(dir.path(), &["run", "--once"]).await;
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    let defender: Value = reqwest::get(format!("{}/_emulator/defender", running.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let isolations = defender["machineActions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["type"] == "Isolate" && a["machineId"] == DEVICE)
        .count();
    assert_eq!(isolations, 1);
    let history = run(dir.path(), &["history", "--playbook", "isolate"]).await;
    assert!(
        stdout(&history).contains("approved by alice@contoso.com"),
        "{}",
        stdout(&history)
    );
}
