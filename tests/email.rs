//! Email delivery against a real SMTP server (`mailin-embedded` on 127.0.0.1, port 0): envelope,
//! headers and parts as they arrive, STARTTLS with a test CA, AUTH PLAIN, failures and whether
//! they are retried, hostile item values end to end through the planning code, `graphsoar run`
//! with `smtp` settings, and golden renderings of the shipped playbooks' messages.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use chrono::{DateTime, Utc};
use graphsoar::action::email::{self, EmailParams, Mailer};
use graphsoar::action::{Outcome, Params};
use graphsoar::config::{Settings, Smtp, SmtpTls};
use graphsoar::engine::plan::{Evaluator, PlannedAction, RunContext, plan_digest, plan_item};
use graphsoar::graph::models::normalize_incident;
use graphsoar::playbook::{self, Playbook, Trigger};
use mailin_embedded::{AuthMechanism, Handler, Response, Server, SslConfig, response};
use serde_json::{Value, json};

use crate::support::{TempDir, copy_dir, graphsoar_in, root, stderr, stdout};

// ---------------------------------------------------------------------------------------------
// The test SMTP server

/// One message as the server received it.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    from: String,
    to: Vec<String>,
    /// The user that authenticated on the connection, if any.
    user: Option<String>,
    data: String,
}

/// mailin clones the handler per connection: the per-connection fields live in the clone, the
/// finished messages in the shared list.
#[derive(Clone)]
struct Recorder {
    received: Arc<Mutex<Vec<Received>>>,
    credentials: Option<(String, String)>,
    user: Option<String>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Recorder {
    fn rcpt(&mut self, to: &str) -> Response {
        if to.starts_with("busy@") {
            return Response::custom(451, "4.3.0 Mailbox busy, try again later".into());
        }
        if to.starts_with("nobody@") {
            return response::NO_MAILBOX;
        }
        response::OK
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.from = from.to_string();
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.received.lock().unwrap().push(Received {
            from: self.from.clone(),
            to: self.to.clone(),
            user: self.user.clone(),
            data: String::from_utf8_lossy(&self.data).into_owned(),
        });
        response::OK
    }

    fn auth_plain(&mut self, _authorization_id: &str, authentication_id: &str, password: &str) -> Response {
        match &self.credentials {
            Some((user, pass)) if user == authentication_id && pass == password => {
                self.user = Some(user.clone());
                response::AUTH_OK
            }
            _ => response::INVALID_CREDENTIALS,
        }
    }
}

/// A running test server. Its thread serves until the test binary exits.
pub(crate) struct SmtpServer {
    pub(crate) port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

/// A certificate chain for STARTTLS: a test CA and a leaf for 127.0.0.1 and localhost.
pub(crate) struct TestPki {
    pub(crate) ca_pem: String,
    cert_path: PathBuf,
    key_path: PathBuf,
    _dir: TempDir,
}

impl TestPki {
    pub(crate) fn new(name: &str) -> TestPki {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "graphsoar test CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &ca)
            .unwrap();
        let dir = TempDir::new(&format!("smtp-pki-{name}"));
        let cert_path = dir.write("cert.pem", leaf.pem());
        let key_path = dir.write("key.pem", leaf_key.serialize_pem());
        TestPki {
            ca_pem: ca.pem(),
            cert_path,
            key_path,
            _dir: dir,
        }
    }
}

/// Starts a server on 127.0.0.1 port 0: STARTTLS when `pki` is given, AUTH PLAIN (which mailin
/// offers only after STARTTLS) when `credentials` are.
pub(crate) fn start_server(pki: Option<&TestPki>, credentials: Option<(&str, &str)>) -> SmtpServer {
    let received = Arc::new(Mutex::new(Vec::new()));
    let handler = Recorder {
        received: Arc::clone(&received),
        credentials: credentials.map(|(u, p)| (u.to_string(), p.to_string())),
        user: None,
        from: String::new(),
        to: Vec::new(),
        data: Vec::new(),
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut server = Server::new(handler);
    server.with_name("mail.test").with_tcp_listener(listener);
    if let Some(pki) = pki {
        server
            .with_ssl(SslConfig::SelfSigned {
                cert_path: pki.cert_path.display().to_string(),
                key_path: pki.key_path.display().to_string(),
            })
            .unwrap();
    }
    if credentials.is_some() {
        server.with_auth(AuthMechanism::Plain);
    }
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    SmtpServer { port, received }
}

impl SmtpServer {
    pub(crate) fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

pub(crate) fn smtp_settings(port: u16, tls: SmtpTls, username: Option<&str>, password_file: Option<PathBuf>) -> Smtp {
    Smtp {
        host: "127.0.0.1".into(),
        port,
        tls,
        username: username.map(str::to_string),
        password_file,
        from: "soar@example.com".into(),
    }
}

/// A port nothing listens on: bound, read, released.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

// ---------------------------------------------------------------------------------------------
// Reading messages back: headers, RFC 2047 words, MIME parts

/// The header section, unfolded, as (name, value) pairs in order.
fn headers(section: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in section.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.to_string(), value.trim_start().to_string()));
        }
    }
    out
}

fn split_message(raw: &str) -> (&str, &str) {
    raw.split_once("\r\n\r\n").expect("a header section and a body")
}

fn header<'a>(hs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    hs.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?...?=`, `=?utf-8?q?...?=`); whitespace between
/// adjacent encoded words is dropped, as the RFC says.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        // charset ? encoding ? text ?=
        let inner = &rest[start + 2..];
        let mut fields = inner.splitn(3, '?');
        let (Some(charset), Some(enc), Some(tail)) = (fields.next(), fields.next(), fields.next()) else {
            break;
        };
        let Some(text_len) = tail.find("?=") else { break };
        let between = &rest[..start];
        if !(after_word && between.trim().is_empty()) {
            out.push_str(between);
        }
        let text = &tail[..text_len];
        let bytes = if enc.eq_ignore_ascii_case("b") {
            base64::engine::general_purpose::STANDARD.decode(text).unwrap()
        } else {
            decode_qp(&text.replace('_', " "))
        };
        out.push_str(&String::from_utf8(bytes).unwrap());
        rest = &rest[start + 2 + charset.len() + 1 + enc.len() + 1 + text_len + 2..];
        after_word = true;
    }
    out.push_str(rest);
    out
}

fn decode_qp(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            if bytes.get(i + 1..i + 3) == Some(b"\r\n") {
                i += 3;
                continue;
            }
            if bytes.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// A decoded body part: its content type and its text with LF line ends.
#[derive(Debug)]
struct Part {
    content_type: String,
    text: String,
}

fn decode_body(hs: &[(String, String)], body: &str) -> String {
    let bytes = match header(hs, "Content-Transfer-Encoding")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("base64") => base64::engine::general_purpose::STANDARD
            .decode(body.replace("\r\n", "").trim())
            .unwrap(),
        Some("quoted-printable") => decode_qp(body),
        _ => body.as_bytes().to_vec(),
    };
    String::from_utf8(bytes).unwrap().replace("\r\n", "\n")
}

/// The text parts of a message: the parts of a multipart body, or the single body.
fn parts(raw: &str) -> Vec<Part> {
    let (head, body) = split_message(raw);
    let hs = headers(head);
    let content_type = header(&hs, "Content-Type").unwrap_or("text/plain").to_string();
    if !content_type.starts_with("multipart/") {
        // The end of DATA adds a line break the body did not have.
        return vec![Part {
            text: decode_body(&hs, body.trim_end_matches("\r\n")),
            content_type,
        }];
    }
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .expect("a boundary")
        .trim_matches('"')
        .to_string();
    let delimiter = format!("--{boundary}");
    body.split(delimiter.as_str())
        .skip(1)
        .filter(|p| !p.starts_with("--"))
        .map(|p| {
            let p = p.strip_prefix("\r\n").unwrap_or(p);
            let p = p.strip_suffix("\r\n").unwrap_or(p);
            let (head, body) = split_message(p);
            let hs = headers(head);
            Part {
                content_type: header(&hs, "Content-Type").unwrap_or("text/plain").to_string(),
                text: decode_body(&hs, body),
            }
        })
        .collect()
}

fn part<'a>(parts: &'a [Part], content_type: &str) -> &'a Part {
    parts
        .iter()
        .find(|p| p.content_type.starts_with(content_type))
        .unwrap_or_else(|| panic!("no {content_type} part in {parts:?}"))
}

fn failed(outcome: &Outcome) -> (&str, bool) {
    match outcome {
        Outcome::Failed { error, retryable } => (error.as_str(), *retryable),
        other => panic!("expected a failure, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Delivery

/// Envelope (MAIL FROM, RCPT TO for to + cc), encoded non-ASCII subject and display name,
/// Message-ID from the ledger id, the playbook headers, Date, and both parts.
#[tokio::test]
async fn message_arrives_with_envelope_headers_and_both_parts() {
    let server = start_server(None, None);
    let mailer = Mailer::smtp(&smtp_settings(server.port, SmtpTls::None, None, None)).unwrap();
    let subject = "[HIGH] Überweisung an Jürgen – 東京 incident 41301";
    let params = json!({
        "from": "Graphsoar Überwachung <soar@example.com>",
        "to": ["soc@example.com"],
        "cc": ["lead@example.com"],
        "reply_to": "soc-replies@example.com",
        "subject": subject,
        "body": "Grüße: the text part.\nSecond line.\n",
        "html": "<p>Grüße: the <b>HTML</b> part.</p>\n",
    });
    let message = email::build(&typed(&params), 41, None, "notify-high-severity-incidents").unwrap();
    assert_eq!(mailer.send(&message).await, Outcome::Done);

    let got = server.received();
    assert_eq!(got.len(), 1, "{got:?}");
    let m = &got[0];
    assert_eq!(m.from, "soar@example.com");
    assert_eq!(m.to, ["soc@example.com", "lead@example.com"]);
    let (head, _) = split_message(&m.data);
    assert!(head.is_ascii(), "headers are 7-bit: {head}");
    let hs = headers(head);
    let subject_raw = header(&hs, "Subject").unwrap();
    assert!(
        subject_raw.contains("=?utf-8?"),
        "non-ASCII subject is RFC 2047 encoded: {subject_raw}"
    );
    assert_eq!(decode_words(subject_raw), subject);
    let from_raw = header(&hs, "From").unwrap();
    assert!(from_raw.contains("=?utf-8?"), "{from_raw}");
    assert_eq!(decode_words(from_raw), "Graphsoar Überwachung <soar@example.com>");
    assert_eq!(header(&hs, "To"), Some("soc@example.com"));
    assert_eq!(header(&hs, "Cc"), Some("lead@example.com"));
    assert_eq!(header(&hs, "Reply-To"), Some("soc-replies@example.com"));
    assert_eq!(
        header(&hs, "Message-ID"),
        Some("<graphsoar.41.notify-high-severity-incidents@graphsoar.invalid>")
    );
    assert_eq!(
        header(&hs, "X-Graphsoar-Playbook"),
        Some("notify-high-severity-incidents")
    );
    assert_eq!(header(&hs, "X-Graphsoar-Ledger-Id"), Some("41"));
    let date = header(&hs, "Date").expect("a Date header");
    DateTime::parse_from_rfc2822(date).unwrap_or_else(|e| panic!("Date `{date}`: {e}"));
    assert!(
        header(&hs, "Content-Type")
            .unwrap()
            .starts_with("multipart/alternative")
    );
    let ps = parts(&m.data);
    assert_eq!(ps.len(), 2, "{ps:?}");
    assert!(
        ps[0].content_type.starts_with("text/plain; charset=utf-8"),
        "text first: {ps:?}"
    );
    assert_eq!(ps[0].text, "Grüße: the text part.\nSecond line.\n");
    assert!(ps[1].content_type.starts_with("text/html; charset=utf-8"), "{ps:?}");
    assert_eq!(ps[1].text, "<p>Grüße: the <b>HTML</b> part.</p>\n");
}

/// A pooled connection carries the next message too; a text-only message is one text part.
#[tokio::test]
async fn several_messages_share_the_mailer() {
    let server = start_server(None, None);
    let mailer = Mailer::smtp(&smtp_settings(server.port, SmtpTls::None, None, None)).unwrap();
    for i in 0..3 {
        let params = json!({"from": "soar@example.com", "to": ["soc@example.com"], "subject": format!("n{i}"), "body": "only text"});
        let message = email::build(&typed(&params), i, None, "p").unwrap();
        assert_eq!(mailer.send(&message).await, Outcome::Done);
    }
    let got = server.received();
    assert_eq!(got.len(), 3);
    let ps = parts(&got[2].data);
    assert_eq!(ps.len(), 1);
    assert!(ps[0].content_type.starts_with("text/plain"), "{ps:?}");
    assert_eq!(ps[0].text, "only text");
}

/// STARTTLS against a server whose certificate chains to a test CA, then AUTH PLAIN with the
/// password from `smtp.password_file`.
#[tokio::test]
async fn starttls_and_auth_plain_deliver() {
    if std::env::var_os("GRAPHSOAR_SMTP_PASSWORD").is_some() {
        eprintln!("skipped: GRAPHSOAR_SMTP_PASSWORD is set in the environment");
        return;
    }
    let pki = TestPki::new("auth-ok");
    let server = start_server(Some(&pki), Some(("graphsoar", "correct horse")));
    let dir = TempDir::new("smtp-auth-ok");
    let password_file = dir.write("smtp-password", "correct horse\n");
    let settings = smtp_settings(server.port, SmtpTls::Starttls, Some("graphsoar"), Some(password_file));
    let mailer = Mailer::smtp_with_root(&settings, pki.ca_pem.as_bytes()).unwrap();
    let shown = format!("{mailer:?}");
    assert!(!shown.contains("correct horse"), "{shown}");
    let params = json!({"from": "soar@example.com", "to": ["soc@example.com"], "subject": "over TLS", "body": "b"});
    let outcome = mailer.send(&email::build(&typed(&params), 5, None, "p").unwrap()).await;
    assert_eq!(outcome, Outcome::Done);
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].user.as_deref(),
        Some("graphsoar"),
        "authenticated before sending"
    );
}

/// A wrong password is a permanent failure that says what to check, with the server's answer.
#[tokio::test]
async fn auth_failure_is_permanent_and_says_what_to_check() {
    if std::env::var_os("GRAPHSOAR_SMTP_PASSWORD").is_some() {
        eprintln!("skipped: GRAPHSOAR_SMTP_PASSWORD is set in the environment");
        return;
    }
    let pki = TestPki::new("auth-bad");
    let server = start_server(Some(&pki), Some(("graphsoar", "correct horse")));
    let dir = TempDir::new("smtp-auth-bad");
    let password_file = dir.write("smtp-password", "wrong horse\n");
    let settings = smtp_settings(server.port, SmtpTls::Starttls, Some("graphsoar"), Some(password_file));
    let mailer = Mailer::smtp_with_root(&settings, pki.ca_pem.as_bytes()).unwrap();
    let params = json!({"from": "soar@example.com", "to": ["soc@example.com"], "subject": "s", "body": "b"});
    let outcome = mailer.send(&email::build(&typed(&params), 6, None, "p").unwrap()).await;
    let (error, retryable) = failed(&outcome);
    assert!(!retryable, "{error}");
    let expected = format!(
        "SMTP authentication failed for user graphsoar at 127.0.0.1:{}: check smtp.username and GRAPHSOAR_SMTP_PASSWORD / smtp.password_file",
        server.port
    );
    assert!(error.starts_with(&expected), "{error}");
    assert!(
        error.contains("535") && error.contains("Invalid credentials"),
        "the server's answer: {error}"
    );
    assert!(!error.contains("wrong horse"), "{error}");
    assert!(server.received().is_empty());
}

/// A certificate that does not chain to the trusted root fails (retryable: a renewed
/// certificate fixes it) and names TLS; nothing is sent in clear.
#[tokio::test]
async fn untrusted_certificate_is_refused() {
    let pki = TestPki::new("untrusted");
    let other = TestPki::new("other-ca");
    let server = start_server(Some(&pki), None);
    let settings = smtp_settings(server.port, SmtpTls::Starttls, None, None);
    let mailer = Mailer::smtp_with_root(&settings, other.ca_pem.as_bytes()).unwrap();
    let params = json!({"from": "soar@example.com", "to": ["soc@example.com"], "subject": "s", "body": "b"});
    let outcome = mailer.send(&email::build(&typed(&params), 7, None, "p").unwrap()).await;
    let (error, retryable) = failed(&outcome);
    assert!(retryable, "{error}");
    assert!(
        error.starts_with(&format!("TLS with the SMTP server 127.0.0.1:{}", server.port)),
        "{error}"
    );
    assert!(error.contains("certificate"), "{error}");
    assert!(server.received().is_empty());
}

/// `tls: starttls` against a server that offers no STARTTLS: refused before any mail command.
#[tokio::test]
async fn starttls_is_required_not_optional() {
    let pki = TestPki::new("no-starttls");
    let server = start_server(None, None);
    let settings = smtp_settings(server.port, SmtpTls::Starttls, None, None);
    let mailer = Mailer::smtp_with_root(&settings, pki.ca_pem.as_bytes()).unwrap();
    let params = json!({"from": "soar@example.com", "to": ["soc@example.com"], "subject": "s", "body": "b"});
    let outcome = mailer.send(&email::build(&typed(&params), 8, None, "p").unwrap()).await;
    let (error, retryable) = failed(&outcome);
    assert!(!retryable, "{error}");
    assert!(error.contains("STARTTLS"), "{error}");
    assert!(server.received().is_empty());
}

/// Nothing listening: retryable, and the error names the server.
#[tokio::test]
async fn server_down_is_retryable() {
    let port = closed_port();
    let mailer = Mailer::smtp(&smtp_settings(port, SmtpTls::None, None, None)).unwrap();
    let params = json!({"from": "soar@example.com", "to": ["soc@example.com"], "subject": "s", "body": "b"});
    let outcome = mailer.send(&email::build(&typed(&params), 9, None, "p").unwrap()).await;
    let (error, retryable) = failed(&outcome);
    assert!(retryable, "{error}");
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
}

/// A 4xx reply is retried later, a 5xx reply is not; both carry the server's answer.
#[tokio::test]
async fn transient_and_permanent_replies() {
    let server = start_server(None, None);
    let mailer = Mailer::smtp(&smtp_settings(server.port, SmtpTls::None, None, None)).unwrap();
    let busy = json!({"from": "soar@example.com", "to": ["busy@example.com"], "subject": "s", "body": "b"});
    let outcome = mailer.send(&email::build(&typed(&busy), 10, None, "p").unwrap()).await;
    let (error, retryable) = failed(&outcome);
    assert!(retryable, "{error}");
    assert!(error.contains("451") && error.contains("Mailbox busy"), "{error}");

    let nobody = json!({"from": "soar@example.com", "to": ["nobody@example.com"], "subject": "s", "body": "b"});
    let outcome = mailer
        .send(&email::build(&typed(&nobody), 11, None, "p").unwrap())
        .await;
    let (error, retryable) = failed(&outcome);
    assert!(!retryable, "{error}");
    assert!(
        error.contains("550") && error.contains("Mailbox unavailable"),
        "{error}"
    );
    assert!(server.received().is_empty());

    // The pool recovers: the next good message goes through.
    let ok = json!({"from": "soar@example.com", "to": ["soc@example.com"], "subject": "s", "body": "b"});
    assert_eq!(
        mailer.send(&email::build(&typed(&ok), 12, None, "p").unwrap()).await,
        Outcome::Done
    );
    assert_eq!(server.received().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Hostile values, through the real planning code

fn run_context(now: &str) -> RunContext {
    let now: DateTime<Utc> = now.parse().unwrap();
    RunContext {
        run_id: "run-golden".into(),
        started: now,
        now,
        lists: Settings::embedded().lists,
    }
}

fn email_params(planned: &[PlannedAction]) -> &EmailParams {
    planned
        .iter()
        .find_map(|p| match &p.params {
            Params::Email(email) => Some(email),
            _ => None,
        })
        .expect("an email action")
}

/// Email parameters written as the ledger's JSON.
fn typed(params: &Value) -> EmailParams {
    serde_json::from_value(params.clone()).expect("email params")
}

/// An alert title with CRLF + `Bcc:` and `<script>` adds no header and no recipient, and is
/// escaped in the HTML part.
#[tokio::test]
async fn hostile_alert_title_adds_no_header_and_is_escaped_in_html() {
    let yaml = r#"
name: hostile-title
schedule: "*/5 * * * *"
trigger:
  alerts: { filter: "severity eq 'high'" }
actions:
  - email:
      from: "SOC Bot <soar@example.com>"
      to: [soc@example.com]
      subject: "[graphsoar] {{ alert.title }}"
      body: "Alert: {{ alert.title }}"
      html: "<p>Alert: {{ alert.title }}</p>"
"#;
    let settings = Settings::embedded();
    let loaded = playbook::parse_str(yaml, Path::new("hostile-title.yaml"), Path::new("."), &settings);
    let pb = loaded.playbook.unwrap_or_else(|| panic!("{:?}", loaded.diagnostics));
    let title = "Phish\r\nBcc: evil@example.com\r\n\r\n<script>alert(1)</script>\nX-Injected: yes";
    let alert = json!({"id": "da637", "title": title, "severity": "high", "status": "new"});
    let planned = plan_item(&pb, &alert, "da637", &run_context("2030-01-01T00:00:00Z")).unwrap();
    let params = email_params(&planned);
    let subject = &params.subject;
    assert!(!subject.contains(['\r', '\n']), "{subject:?}");

    let server = start_server(None, None);
    let mailer = Mailer::smtp(&smtp_settings(server.port, SmtpTls::None, None, None)).unwrap();
    let message = email::build(params, 77, None, &pb.name).unwrap();
    assert_eq!(mailer.send(&message).await, Outcome::Done);
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, ["soc@example.com"], "no recipient added");
    let (head, _) = split_message(&got[0].data);
    let hs = headers(head);
    for (name, _) in &hs {
        assert!(
            !name.eq_ignore_ascii_case("Bcc") && !name.eq_ignore_ascii_case("X-Injected"),
            "injected header {name} in\n{head}"
        );
    }
    let subject_got = decode_words(header(&hs, "Subject").unwrap());
    assert!(
        subject_got.contains("Bcc: evil@example.com"),
        "kept as text: {subject_got}"
    );
    assert!(!subject_got.contains(['\r', '\n']));
    let ps = parts(&got[0].data);
    let html = &part(&ps, "text/html").text;
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"), "{html}");
    assert!(
        part(&ps, "text/plain").text.contains("<script>"),
        "plain text stays literal"
    );
}

// ---------------------------------------------------------------------------------------------
// `graphsoar run` with `smtp` settings

/// `graphsoar run --once` on the embedded tenant with `smtp` settings: the shipped playbooks'
/// messages reach the SMTP server (the mailer is wired into the engine), nothing in the outbox.
#[test]
fn run_once_sends_through_smtp_settings() {
    let server = start_server(None, None);
    let dir = TempDir::new("run-smtp");
    copy_dir(&root().join("playbooks"), &dir.path().join("playbooks"));
    dir.write(
        "graphsoar.yaml",
        format!(
            "playbooks: playbooks\nstate: state.db\nsmtp: {{ host: 127.0.0.1, port: {}, tls: none, from: \"graphsoar <soar@example.com>\" }}\n",
            server.port
        ),
    );
    let out = graphsoar_in(dir.path(), &["run", "--once", "--config", "graphsoar.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.received().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let got = server.received();
    assert!(!got.is_empty(), "{}", stdout(&out));
    let playbooks: Vec<String> = got
        .iter()
        .map(|m| {
            let (head, _) = split_message(&m.data);
            header(&headers(head), "X-Graphsoar-Playbook").unwrap().to_string()
        })
        .collect();
    assert!(
        playbooks.iter().any(|p| p == "notify-high-severity-incidents"),
        "{playbooks:?}"
    );
    assert!(
        got.iter().all(|m| m.from == "soar@example.com"),
        "MAIL FROM is smtp.from"
    );
    assert!(!dir.path().join("outbox").exists(), "nothing written to the outbox");
}

// ---------------------------------------------------------------------------------------------
// Golden renderings of the shipped playbooks' messages

const GOLDEN_DIR: &str = "tests/golden/messages";

fn shipped(name: &str) -> Playbook {
    let settings = Settings::embedded();
    let folder = root().join("playbooks");
    let loaded = playbook::load_file(&folder.join(format!("{name}.yaml")), &folder, &settings);
    loaded
        .playbook
        .unwrap_or_else(|| panic!("{name}: {:?}", loaded.diagnostics))
}

/// Compares subject, text and HTML with `tests/golden/messages/NAME.{subject,txt,html}`
/// (`UPDATE_GOLDEN=1` rewrites them; review the diff), after checking that the built message
/// carries exactly those texts.
fn check_golden(name: &str, params: &EmailParams, ledger_id: i64) {
    let message = email::build(params, ledger_id, None, name).unwrap();
    let raw = String::from_utf8(message.formatted()).unwrap();
    let (head, _) = split_message(&raw);
    let subject = params.subject.as_str();
    assert_eq!(decode_words(header(&headers(head), "Subject").unwrap()), subject);
    let ps = parts(&raw);
    let text = params.body.as_deref().unwrap();
    let html = params.html.as_deref().unwrap();
    assert_eq!(part(&ps, "text/plain").text, text);
    assert_eq!(part(&ps, "text/html").text, html);

    let dir = root().join(GOLDEN_DIR);
    let files = [
        ("subject", format!("{subject}\n")),
        ("txt", text.to_string()),
        ("html", html.to_string()),
    ];
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (ext, content) in &files {
            std::fs::write(dir.join(format!("{name}.{ext}")), content).unwrap();
        }
    }
    for (ext, actual) in &files {
        let path = dir.join(format!("{name}.{ext}"));
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
        for (i, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
            assert_eq!(a, e, "line {} of {} differs", i + 1, path.display());
        }
        assert_eq!(actual.lines().count(), expected.lines().count(), "{}", path.display());
    }
}

/// The incident notification for a high-severity incident of the bundled dataset, with its
/// alerts joined as `$expand=alerts` returns them.
#[test]
fn incident_notification_matches_golden() {
    let pb = shipped("notify-high-severity-incidents");
    let ds = graphsoar::emulator::dataset::bundled().unwrap();
    let ctx = run_context(graphsoar::emulator::dataset::ANCHOR);
    let evaluator = Evaluator::new(&pb, &ctx).unwrap();
    let mut incident = ds
        .incidents
        .iter()
        .find(|i| i["id"] == "41301")
        .expect("incident 41301 in the bundled dataset")
        .clone();
    let mut alerts: Vec<Value> = ds
        .alerts
        .iter()
        .filter(|a| a["incidentId"] == incident["id"])
        .cloned()
        .collect();
    alerts.sort_by(|a, b| {
        (a["createdDateTime"].as_str(), a["id"].as_str()).cmp(&(b["createdDateTime"].as_str(), b["id"].as_str()))
    });
    assert!(!alerts.is_empty());
    incident["alerts"] = Value::Array(alerts);
    normalize_incident(&mut incident);
    assert!(
        evaluator.matches(&incident).unwrap(),
        "the playbook's condition matches"
    );
    let planned = plan_item(&pb, &incident, "41301:high", &ctx).unwrap();
    let params = email_params(&planned);
    assert_eq!(params.to, ["soc@contoso.com"]);
    check_golden(&pb.name, params, 1001);
}

/// The hunting digest of `encoded-powershell` over the dataset's recorded answer for its query.
#[test]
fn hunting_digest_matches_golden() {
    let pb = shipped("encoded-powershell");
    let Trigger::Hunting(hunting) = &pb.trigger else {
        panic!("a hunting playbook")
    };
    use graphsoar::emulator::{dataset, hunting as hunting_service, store::Store};
    let store = Store::from_dataset(dataset::bundled().unwrap()).unwrap();
    let tenant = hunting_service::tenant(&store.tables, None);
    let anchor = chrono::DateTime::parse_from_rfc3339(dataset::ANCHOR).unwrap().to_utc();
    let hunting_service::Answer::Ok(body) = hunting_service::answer(
        &hunting.query,
        &tenant,
        anchor,
        None,
        std::time::Duration::from_secs(60),
    ) else {
        panic!("the engine answers the playbook's query")
    };
    let results: Vec<Value> = body.to_value()["results"].as_array().cloned().unwrap_or_default();
    let ctx = run_context(graphsoar::emulator::dataset::ANCHOR);
    let evaluator = Evaluator::new(&pb, &ctx).unwrap();
    let rows: Vec<Value> = results
        .iter()
        .filter(|r| evaluator.matches(r).unwrap())
        .cloned()
        .collect();
    assert!(!rows.is_empty());
    let planned = plan_digest(&pb, &rows, &ctx).unwrap();
    check_golden(&pb.name, email_params(&planned), 1002);
}

/// The goldens are not stale: every file in the folder belongs to a test above.
#[test]
fn golden_messages_folder_has_no_strays() {
    let names = ["notify-high-severity-incidents", "encoded-powershell"];
    for entry in std::fs::read_dir(root().join(GOLDEN_DIR)).unwrap() {
        let file = entry.unwrap().file_name().to_string_lossy().into_owned();
        let stem = file.rsplit_once('.').map_or(file.as_str(), |(s, _)| s);
        assert!(names.contains(&stem), "stray golden file {file}");
    }
}
