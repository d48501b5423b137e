//! `graphsoar doctor` (issue 13's preflight): the real binary against the emulator on
//! 127.0.0.1:0, whose tokens are JWTs carrying the client's roles; a real SMTP server
//! (mailin-embedded); a state file locked by an engine this test holds open.

use std::path::Path;
use std::process::{Command, Output};

use graphsoar::action::email::{Mailer, SmtpMailer};
use graphsoar::config::SmtpTls;
use graphsoar::emulator::{self, EmulatorOptions, Running};

use crate::email::{TestPki, smtp_settings, start_server};
use crate::support::{TempDir, stderr, stdout};

/// A playbook that closes alerts: it needs SecurityAlert.ReadWrite.All.
const CLOSE: &str = "name: close-tests\nschedule: '*/5 * * * *'\ntrigger: { alerts: { filter: \"status eq 'new'\" } }\nactions:\n  - log: { message: 'closing {{ alert.id }}' }\n  - update_alert: { status: resolved, classification: informationalExpectedActivity, determination: securityTesting }\n";

/// A folder with settings for the emulator at `running` as `client_id`, the playbook `CLOSE`
/// and `extra` settings lines.
fn setup(name: &str, running: &Running, client_id: &str, extra: &str) -> TempDir {
    let dir = TempDir::new(name);
    dir.write("playbooks/close.yaml", CLOSE);
    dir.write(
        "graphsoar.yaml",
        format!(
            "tenant_id: local\nclient_id: {client_id}\ngraph_url: {url}\nlogin_url: {url}\nstate: state.db\noutbox: outbox\nplaybooks: playbooks\n{extra}",
            url = running.base_url
        ),
    );
    dir
}

/// `graphsoar doctor --config graphsoar.yaml` in `dir` with the client secret and `env`.
async fn doctor(dir: &Path, secret: &str, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_graphsoar"));
    command
        .args(["doctor", "--config", "graphsoar.yaml"])
        .current_dir(dir)
        .env("GRAPHSOAR_CLIENT_SECRET", secret)
        .env_remove("GRAPHSOAR_CONFIG")
        .env_remove("GRAPHSOAR_SMTP_PASSWORD");
    for (k, v) in env {
        command.env(k, v);
    }
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// The lines of the report whose check is `name`: its line and, when not ok, the fix under it.
fn line(out: &str, name: &str) -> String {
    let lines: Vec<&str> = out.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no `{name}` line in:\n{out}"));
    let fixes = lines[start + 1..]
        .iter()
        .take_while(|l| l.trim_start().starts_with("-> "))
        .count();
    lines[start..=start + fixes].join("\n")
}

/// The verdict of the check `name`.
fn verdict(out: &str, name: &str) -> String {
    line(out, name)[name.len()..]
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

async fn emulator() -> Running {
    emulator::spawn(EmulatorOptions::bundled().unwrap()).await.unwrap()
}

/// The read-only client lacks the write permission `update_alert` needs: named, with the
/// playbook and action that need it, and what to do; exit 1. Nothing was created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_client_is_told_the_missing_write_permission() {
    let running = emulator().await;
    let dir = setup("doctor-reader", &running, "graphsoar-reader", "");
    let out = doctor(dir.path(), "reader-secret", &[]).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    let permissions = line(&text, "permissions: close-tests");
    assert_eq!(verdict(&text, "permissions: close-tests"), "FAIL", "{text}");
    assert!(
        permissions.contains("missing SecurityAlert.ReadWrite.All (needed by alerts trigger, update_alert action #2)"),
        "{permissions}"
    );
    assert!(permissions.contains("playbooks/close.yaml"), "{permissions}");
    assert!(
        permissions.contains("to the app registration graphsoar-reader") && permissions.contains("admin consent"),
        "{permissions}"
    );
    // The token itself is fine, and says which roles it carries.
    assert_eq!(verdict(&text, "token"), "ok", "{text}");
    assert!(line(&text, "token").contains("SecurityAlert.Read.All"), "{text}");
    assert_eq!(verdict(&text, "graph: alerts_v2"), "ok", "{text}");
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["graphsoar.yaml", "playbooks"], "doctor created nothing");
}

/// A playbook with a device action needs Machine.Isolate, which is a Defender for Endpoint
/// role: doctor gets a Defender token, reads its roles, and names what the reader lacks; the
/// full client has it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_actions_are_checked_against_the_defender_token() {
    let running = emulator().await;
    let isolate = "name: isolate-tests\nschedule: '*/5 * * * *'\ntrigger: { alerts: { filter: \"status eq 'new'\" } }\nactions:\n  - isolate_device: { comment: 'isolating {{ alert.id }}' }\n";
    let dir = setup("doctor-defender", &running, "graphsoar-reader", "");
    dir.write("playbooks/isolate.yaml", isolate);
    let out = doctor(dir.path(), "reader-secret", &[]).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert_eq!(verdict(&text, "token: defender"), "ok", "{text}");
    assert!(line(&text, "token: defender").contains("Machine.Read.All"), "{text}");
    let permissions = line(&text, "permissions: isolate-tests");
    assert!(
        permissions.contains("missing Machine.Isolate (needed by isolate_device action #1)"),
        "{permissions}"
    );
    assert!(permissions.contains("WindowsDefenderATP"), "{permissions}");

    let dir = setup("doctor-defender-full", &running, "graphsoar-local", "");
    dir.write("playbooks/isolate.yaml", isolate);
    let out = doctor(dir.path(), "local-secret", &[]).await;
    let text = stdout(&out);
    assert_eq!(verdict(&text, "permissions: isolate-tests"), "ok", "{text}");
    assert!(
        line(&text, "permissions: isolate-tests").contains("Machine.Isolate"),
        "{text}"
    );
}

/// The full client passes every check: exit 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_client_passes() {
    let running = emulator().await;
    let dir = setup("doctor-full", &running, "graphsoar-local", "");
    let out = doctor(dir.path(), "local-secret", &[]).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    for name in [
        "settings",
        "playbooks",
        "token",
        "permissions: close-tests",
        "graph: alerts_v2",
        "clock",
        "email: outbox",
        "state",
    ] {
        assert_eq!(verdict(&text, name), "ok", "{name}:\n{text}");
    }
    assert!(!text.contains("FAIL"), "{text}");
    // A wrong secret: the token line fails and says what to check.
    let out = doctor(dir.path(), "wrong-secret", &[]).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(verdict(&text, "token"), "FAIL", "{text}");
    assert!(line(&text, "token").contains("client secret"), "{text}");
    assert_eq!(verdict(&text, "permissions: close-tests"), "skip", "{text}");
}

/// An SMTP server that offers no AUTH, with `smtp.username` set: the email line fails and says
/// what to check; nothing is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_server_refusing_auth_fails_the_email_line() {
    let running = emulator().await;
    let server = start_server(None, None);
    let smtp = format!(
        "smtp: {{ host: 127.0.0.1, port: {}, tls: none, username: graphsoar, from: soar@example.com }}\n",
        server.port
    );
    let dir = setup("doctor-smtp", &running, "graphsoar-local", &smtp);
    let out = doctor(dir.path(), "local-secret", &[("GRAPHSOAR_SMTP_PASSWORD", "pw")]).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert_eq!(verdict(&text, "email: smtp"), "FAIL", "{text}");
    let email = line(&text, "email: smtp");
    assert!(email.contains(&format!("127.0.0.1:{}", server.port)), "{email}");
    assert!(
        email.contains("offers AUTH for smtp.username") && email.contains("GRAPHSOAR_SMTP_PASSWORD"),
        "{email}"
    );
    assert!(server.received().is_empty(), "nothing sent");
}

/// Over STARTTLS, the mailer's check authenticates without sending: a wrong password is the
/// server's 535 with what to check; the right one passes, and still nothing is sent.
#[tokio::test]
async fn smtp_check_authenticates_without_sending() {
    if std::env::var_os("GRAPHSOAR_SMTP_PASSWORD").is_some() {
        eprintln!("skipped: GRAPHSOAR_SMTP_PASSWORD is set in the environment");
        return;
    }
    let pki = TestPki::new("doctor-auth");
    let server = start_server(Some(&pki), Some(("graphsoar", "correct horse")));
    let dir = TempDir::new("doctor-smtp-auth");
    let smtp = |password: &str| -> Box<SmtpMailer> {
        let file = dir.write("smtp-password", format!("{password}\n"));
        let settings = smtp_settings(server.port, SmtpTls::Starttls, Some("graphsoar"), Some(file));
        match Mailer::smtp_with_root(&settings, pki.ca_pem.as_bytes()).unwrap() {
            Mailer::Smtp(smtp) => smtp,
            Mailer::Outbox(_) => unreachable!("smtp settings"),
        }
    };
    let error = smtp("wrong horse").check_connection().await.unwrap_err();
    assert!(
        error.contains("SMTP authentication failed for user graphsoar") && error.contains("535"),
        "{error}"
    );
    let ok = smtp("correct horse").check_connection().await.unwrap();
    assert!(
        ok.contains("STARTTLS, authenticated as graphsoar, nothing sent"),
        "{ok}"
    );
    assert!(server.received().is_empty(), "nothing sent");
}

/// A webhook `url_env` that is not set fails its playbook's webhook line, naming the variable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unset_webhook_url_env_fails() {
    let running = emulator().await;
    let dir = setup("doctor-webhook", &running, "graphsoar-local", "");
    dir.write(
        "playbooks/hook.yaml",
        "name: hook\nschedule: '@hourly'\ntrigger: { incidents: {} }\nactions:\n  - webhook: { url_env: DOCTOR_TEST_HOOK_URL, format: slack, headers: { Authorization: { env: DOCTOR_TEST_HOOK_TOKEN } } }\n",
    );
    let out = doctor(dir.path(), "local-secret", &[("DOCTOR_TEST_HOOK_TOKEN", "t")]).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert_eq!(verdict(&text, "webhooks: hook"), "FAIL", "{text}");
    let hook = line(&text, "webhooks: hook");
    assert!(
        hook.contains("DOCTOR_TEST_HOOK_URL (webhook action #1's url_env) is not set"),
        "{hook}"
    );
    assert!(
        !hook.contains("DOCTOR_TEST_HOOK_TOKEN"),
        "the header variable is set: {hook}"
    );
    assert!(hook.contains("environment of the graphsoar service"), "{hook}");
    let out = doctor(
        dir.path(),
        "local-secret",
        &[
            ("DOCTOR_TEST_HOOK_TOKEN", "t"),
            ("DOCTOR_TEST_HOOK_URL", "https://hooks.example.com/x"),
        ],
    )
    .await;
    assert_eq!(verdict(&stdout(&out), "webhooks: hook"), "ok", "{}", stdout(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

/// A state file another engine holds (this test, through the state store) fails the state line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_locked_by_another_engine_fails() {
    let running = emulator().await;
    let dir = setup("doctor-locked", &running, "graphsoar-local", "");
    let engine = graphsoar::state::Store::open(&dir.path().join("state.db"), "local").unwrap();
    let out = doctor(dir.path(), "local-secret", &[]).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert_eq!(verdict(&text, "state"), "FAIL", "{text}");
    let state = line(&text, "state");
    assert!(
        state.contains(&format!("another graphsoar engine (pid {})", std::process::id())),
        "{state}"
    );
    assert!(state.contains("stop that engine"), "{state}");
    drop(engine);
    let out = doctor(dir.path(), "local-secret", &[]).await;
    assert_eq!(verdict(&stdout(&out), "state"), "ok", "{}", stdout(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}
