use std::path::Path;

use super::*;
use crate::testutil::TempDir;

fn parse(text: &str) -> Result<(Settings, Vec<Diagnostic>), Vec<Diagnostic>> {
    Settings::parse_str(text, Path::new("/etc/graphsoar/graphsoar.yaml"))
}

fn errors(text: &str) -> Vec<String> {
    parse(text).unwrap_err().iter().map(ToString::to_string).collect()
}

#[test]
fn embedded_defaults_are_the_local_tenant() {
    let s = Settings::embedded();
    assert_eq!(s.tenant, Tenant::Local);
    assert_eq!(s.state, Path::new("graphsoar-local.db"));
    assert!(s.lists.contains_key("eicar_sha256"));
    assert_eq!(s.limits.max_actions_per_run, 100);
}

#[test]
fn an_empty_file_is_the_local_tenant_with_defaults() {
    let (s, warnings) = parse("").unwrap();
    assert!(warnings.is_empty());
    assert_eq!(s.tenant, Tenant::Local);
    assert_eq!(s.playbooks, Path::new("/etc/graphsoar/playbooks"));
    assert_eq!(s.cursor_overlap, Duration::from_mins(5));
}

#[test]
fn every_documented_key_is_accepted() {
    let text = "\
tenant_id: 72f988bf-0000-0000-0000-000000000000
client_id: 11111111-2222-3333-4444-555555555555
client_secret_file: /run/secrets/graphsoar
cloud: usgov
api_version: beta
playbooks: pb/
state: graphsoar.db
outbox: outbox/
smtp: { host: smtp.example.com, port: 587, tls: starttls, username: graphsoar, password_file: /run/secrets/smtp, from: soar@example.com }
limits: { concurrency: 4, hunting_per_minute: 40, writes_per_minute: 120, max_actions_per_run: 100,
          max_attempts: 5, request_attempts: 6, request_timeout: 30s, hunting_timeout: 190s }
cursor_overlap: 5m
on_failure: { after_runs: 3, email: [soc-tooling@example.com] }
listen: 127.0.0.1:9464
";
    let (s, _) = parse(text).unwrap();
    let Tenant::Remote(t) = &s.tenant else {
        panic!("expected a remote tenant")
    };
    assert_eq!(t.graph_url.as_str(), "https://graph.microsoft.us/");
    assert_eq!(t.credential, Credential::SecretFile("/run/secrets/graphsoar".into()));
    assert_eq!(s.api_version, ApiVersion::Beta);
    assert_eq!(s.playbooks, Path::new("/etc/graphsoar/pb/"));
    assert_eq!(s.smtp.as_ref().map(|m| m.port), Some(587));
    assert_eq!(s.limits.hunting_timeout, Duration::from_secs(190));
    assert_eq!(s.on_failure.as_ref().map(|o| o.after_runs), Some(3));
    assert_eq!(s.listen, Some("127.0.0.1:9464".parse().unwrap()));
}

/// DESIGN's "settings file with every key", verbatim: valid, with a warning that of its two
/// credentials the certificate is used.
#[test]
fn the_design_example_with_every_key_is_valid() {
    let text = r#"
tenant_id: 72f988bf-0000-0000-0000-000000000000   # absent: the embedded local tenant
client_id: 11111111-2222-3333-4444-555555555555
client_certificate: /etc/graphsoar/app.pem          # PEM with key; or client_secret_file,
client_secret_file: /run/secrets/graphsoar          #   or GRAPHSOAR_CLIENT_SECRET in the environment
cloud: global                                       # global | usgov | usgovdod
graph_url: https://graph.microsoft.com              # override, e.g. http://127.0.0.1:8080
login_url: https://login.microsoftonline.com        # override
api_version: v1.0                                   # v1.0 | beta
playbooks: playbooks/
state: graphsoar.db
outbox: outbox/                                     # used when smtp is absent
smtp: { host: smtp.example.com, port: 587, tls: starttls, username: graphsoar, password_file: /run/secrets/smtp, from: soar@example.com }
lists: { eicar_sha256: lists/eicar.txt }
limits: { concurrency: 4, hunting_per_minute: 40, writes_per_minute: 120, max_actions_per_run: 100,
          max_attempts: 5, request_timeout: 30s, hunting_timeout: 190s }   # writes count $batch sub-requests; 0 = unlimited (loopback only)
cursor_overlap: 5m
on_failure: { after_runs: 3, email: [soc-tooling@example.com] }   # tell people when a playbook keeps failing
listen: 127.0.0.1:9464                              # /healthz, /readyz, /metrics; absent: off
"#;
    let dir = TempDir::new("design-settings");
    dir.write(
        "lists/eicar.txt",
        "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f\n",
    );
    let parsed = Settings::parse_str(text, &dir.path().join("graphsoar.yaml"));
    drop(dir);
    let (s, warnings) = parsed.unwrap_or_else(|e| panic!("{e:?}"));
    let Tenant::Remote(t) = &s.tenant else {
        panic!("expected a remote tenant")
    };
    assert_eq!(t.credential, Credential::Certificate("/etc/graphsoar/app.pem".into()));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = warnings[0].to_string();
    assert!(
        warning.contains(":5:")
            && warning.contains("client_secret_file")
            && warning.contains("the certificate is used"),
        "{warning}"
    );
}

#[test]
fn inline_secrets_are_refused_with_the_way_to_do_it() {
    let e = errors("tenant_id: t\nclient_id: c\nclient_secret: hunter2\n");
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with("/etc/graphsoar/graphsoar.yaml:3:1: client_secret: secrets are never written"),
        "{}",
        e[0]
    );
    assert!(e[0].contains("GRAPHSOAR_CLIENT_SECRET"));
    assert!(!e[0].contains("hunter2"));
    let e = errors("smtp:\n  host: x\n  from: a@b.c\n  password: hunter2\n");
    assert!(
        e[0].contains(":4:3: smtp.password:") && e[0].contains("GRAPHSOAR_SMTP_PASSWORD"),
        "{}",
        e[0]
    );
}

#[test]
fn unknown_keys_get_a_hint_and_a_place() {
    let e = errors("tenant_id: t\nclient_id: c\nlimits:\n  concurrency: 2\n  max_attemps: 3\n");
    assert!(e[0].starts_with("/etc/graphsoar/graphsoar.yaml:5:3: limits.max_attemps: unknown key `max_attemps`, did you mean `max_attempts`?"), "{}", e[0]);
}

#[test]
fn plain_http_only_to_loopback_and_unlimited_writes_only_there() {
    let e =
        errors("tenant_id: t\nclient_id: c\ngraph_url: http://graph.example.com\nlimits: { writes_per_minute: 0 }\n");
    assert!(
        e.iter()
            .any(|m| m.contains(":3:12: graph_url:") && m.contains("use https://")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|m| m.contains("limits.writes_per_minute") && m.contains("loopback")),
        "{e:?}"
    );
    let (s, _) = parse("tenant_id: local\nclient_id: graphsoar-local\ngraph_url: http://127.0.0.1:8080\nlogin_url: http://127.0.0.1:8080\nlimits: { writes_per_minute: 0 }\n").unwrap();
    assert_eq!(s.limits.writes_per_minute, 0);
}

#[test]
fn endpoints_without_a_tenant_are_an_error() {
    let e = errors("graph_url: http://127.0.0.1:8080\n");
    assert!(e[0].contains("graph_url: `graph_url` needs `tenant_id`"), "{}", e[0]);
}

#[test]
fn bad_values_are_each_reported() {
    let e = errors(
        "cursor_overlap: 5 minutes\nlisten: everywhere\nsmtp: { host: mail.example.com, tls: none, from: nobody }\nlists: { missing: nope.txt }\n",
    );
    assert_eq!(e.len(), 5, "{e:?}");
    assert!(e.iter().any(|m| m.contains(":1:17: cursor_overlap:")));
    assert!(e.iter().any(|m| m.contains(":2:9: listen:")));
    assert!(e.iter().any(|m| m.contains("smtp.tls:") && m.contains("loopback")));
    assert!(e.iter().any(|m| m.contains("smtp.from:")));
    assert!(
        e.iter()
            .any(|m| m.contains(":4:19: lists.missing: cannot read list file"))
    );
}

/// The Graph client's options under settings `s`.
fn client_options(s: &Settings) -> crate::graph::ClientOptions {
    crate::graph::ClientOptions::new(
        "http://127.0.0.1:1".parse().unwrap(),
        "http://127.0.0.1:1".parse().unwrap(),
        "t",
        "c",
        crate::graph::Credentials::Secret("s".into()),
    )
    .with_limits(s)
}

/// `limits.max_attempts` is per action across runs; `limits.request_attempts` per HTTP request
/// within a run, for the Graph client and webhooks alike.
#[test]
fn request_attempts_are_their_own_setting() {
    let (s, _) = parse("limits: { max_attempts: 2 }\n").unwrap();
    assert_eq!((s.limits.max_attempts, s.limits.request_attempts), (2, 6));
    let (s, _) = parse("limits: { request_attempts: 3 }\n").unwrap();
    assert_eq!((s.limits.max_attempts, s.limits.request_attempts), (5, 3));
    let client = client_options(&s);
    assert_eq!(
        client.request_attempts, 3,
        "the client's per-request attempts come from the setting"
    );
    let e = errors("limits: { request_attempts: 0 }\n");
    assert!(
        e.iter()
            .any(|m| m.contains(":1:29: limits.request_attempts: must be 1 or more")),
        "{e:?}"
    );
}

#[test]
fn batches_in_flight_default_to_eight_and_stay_within_one_to_twenty() {
    let (s, _) = parse("tenant_id: t\nclient_id: c\n").unwrap();
    assert_eq!(s.limits.batches_in_flight, 8);
    let (s, _) = parse("limits: { batches_in_flight: 3 }\n").unwrap();
    let client = client_options(&s);
    assert_eq!(client.batches_in_flight, 3);
    for (text, message) in [
        (
            "limits: { batches_in_flight: 0 }\n",
            ":1:30: limits.batches_in_flight: must be 1 or more",
        ),
        (
            "limits: { batches_in_flight: 21 }\n",
            ":1:30: limits.batches_in_flight: must be at most 20",
        ),
    ] {
        let e = errors(text);
        assert!(e.iter().any(|m| m.contains(message)), "{text}: {e:?}");
    }
}

#[test]
fn list_files_resolve_against_the_settings_folder() {
    let dir = TempDir::new("config-lists");
    dir.write("hashes.txt", "# test hashes\nabc\n\n  def  \n");
    let (s, _) = Settings::parse_str(
        "lists: { eicar_sha256: hashes.txt }\n",
        &dir.path().join("graphsoar.yaml"),
    )
    .unwrap();
    assert_eq!(s.lists["eicar_sha256"], vec!["abc", "def"]);
}

#[test]
fn response_action_settings_default_by_cloud_and_say_what_is_wrong() {
    let remote = "tenant_id: t\nclient_id: c\n";
    let (s, _) = parse(remote).unwrap();
    let Tenant::Remote(r) = &s.tenant else { panic!("remote") };
    assert_eq!(r.defender_url.as_str(), "https://api.security.microsoft.com/");
    assert_eq!(r.defender_resource, "https://api.securitycenter.microsoft.com");
    assert_eq!(s.limits.max_response_actions_per_run, 5);
    let (s, _) = parse(&format!("{remote}cloud: usgovdod\n")).unwrap();
    let Tenant::Remote(r) = &s.tenant else { panic!("remote") };
    assert_eq!(r.defender_url.host_str(), Some("api-gov.securitycenter.microsoft.us"));
    // The emulator serves both APIs: a loopback graph_url is the Defender URL too.
    let (s, _) = parse(&format!(
        "{remote}graph_url: http://127.0.0.1:8080\nlogin_url: http://127.0.0.1:8080\n"
    ))
    .unwrap();
    let Tenant::Remote(r) = &s.tenant else { panic!("remote") };
    assert_eq!(r.defender_url.as_str(), "http://127.0.0.1:8080/");
    let e = errors(&format!("{remote}defender_url: http://defender.example.com\n")).join("\n");
    assert!(e.contains("defender_url") && e.contains("https"), "{e}");
    let e = errors("defender_url: https://api.security.microsoft.com\n").join("\n");
    assert!(e.contains("`defender_url` needs `tenant_id`"), "{e}");
    let e = errors("limits: { max_response_actions_per_run: 0 }\n").join("\n");
    assert!(
        e.contains("limits.max_response_actions_per_run") && e.contains("1 or more"),
        "{e}"
    );

    let (s, _) =
        parse("protected: { devices: [DC01.corp.contoso.com, ws-7], accounts: [Admin@Contoso.com] }\n").unwrap();
    assert_eq!(
        s.protected.device(&["dc01.corp.contoso.com"]).as_deref(),
        Some("dc01.corp.contoso.com")
    );
    assert_eq!(
        s.protected.device(&["id", "WS-7.corp.contoso.com"]).as_deref(),
        Some("ws-7"),
        "a short name matches the FQDN"
    );
    assert_eq!(s.protected.device(&["ws-70.corp.contoso.com"]), None);
    assert!(s.protected.account(&["admin@contoso.com"]).is_some());
    let e = errors("protected: { devices: [ok, \"  \"] }\n").join("\n");
    assert!(e.contains("protected.devices[1]") && e.contains("empty"), "{e}");
}

#[test]
fn approval_links_need_listen_a_url_and_a_long_enough_key() {
    let dir = TempDir::new("config-approvals");
    dir.write("short.key", "too short");
    dir.write("good.key", "k".repeat(32));
    let settings = |body: &str| Settings::parse_str(body, &dir.path().join("graphsoar.yaml"));
    let errors = |body: &str| -> String {
        settings(body)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (s, _) = settings(
        "listen: 127.0.0.1:9464\napprovals: { public_url: https://soar.example.com, signing_key_file: good.key }\n",
    )
    .unwrap();
    let links = s.approvals.unwrap();
    assert_eq!(links.key.len(), 32);
    assert!(!format!("{links:?}").contains("kkkk"), "the key is never shown");
    let e = errors("approvals: { public_url: https://soar.example.com, signing_key_file: good.key }\n");
    assert!(e.contains("approvals") && e.contains("set `listen`"), "{e}");
    let e = errors(
        "listen: 127.0.0.1:9464\napprovals: { public_url: https://soar.example.com, signing_key_file: short.key }\n",
    );
    assert!(
        e.contains("approvals.signing_key_file") && e.contains("at least 32") && e.contains("/dev/urandom"),
        "{e}"
    );
    let e = errors(
        "listen: 127.0.0.1:9464\napprovals: { public_url: https://soar.example.com, signing_key_file: missing.key }\n",
    );
    assert!(e.contains("cannot read") && e.contains("missing.key"), "{e}");
    let e = errors(
        "listen: 127.0.0.1:9464\napprovals: { public_url: http://soar.example.com, signing_key_file: good.key }\n",
    );
    assert!(e.contains("approvals.public_url"), "{e}");
}
