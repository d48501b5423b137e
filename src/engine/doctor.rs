//! `graphsoar doctor`: checks, without changing or creating anything, what a first run of the
//! engine needs, and says per check what to do when it is not ok: the playbooks load, the token
//! is obtained and its `roles` hold every permission the enabled playbooks need, Graph answers a
//! one-item list of each resource they use, the clock agrees with Graph's, email can go out
//! (SMTP connects and authenticates, or the outbox can be written), the webhooks' environment
//! variables are set, and the state can be written and is not in use by another engine.
//!
//! It lives in the engine because it is the engine's start-up seen from outside: it needs the
//! same parts a run does (settings, playbooks, the Graph client, the mailer, the state) and only
//! the engine may use them all together; `cli` prints the [`Check`]s and holds no logic.
//!
//! The token's `roles` claim is decoded (base64url of the JWT's payload) and **not verified**:
//! only Entra can verify its signature, and the claim is only read to say what is missing (Graph
//! decides for itself). No hunting query is run: a query spends the tenant's hunting quota, so
//! hunting is checked by the `ThreatHunting.Read.All` role alone.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};

use crate::action::email::Mailer;
use crate::action::email::MailerError;
use crate::config::Settings;
use crate::diag::Diagnostic;
use crate::graph::{self, Collection, Permission};
use crate::playbook::{self, Action, HeaderValue, Playbook, WebhookTarget};
use crate::state::{self, LockProbe};

/// How far the local clock may be from Graph's before the check fails.
const MAX_CLOCK_SKEW: TimeDelta = TimeDelta::seconds(60);

/// A check's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// Works, but look at it.
    Warn,
    /// A first run would fail here.
    Fail,
    /// Not checked (an earlier check failed, or there is nothing to check).
    Skip,
}

impl Verdict {
    /// `ok`, `warn`, `FAIL`, `skip`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Warn => "warn",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "skip",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked, such as `permissions: close-eicar`.
    pub name: String,
    pub verdict: Verdict,
    /// What was found.
    pub detail: String,
    /// What to do, when the verdict is not ok.
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            verdict: Verdict::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fail(name: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            verdict: Verdict::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    fn warn(name: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            verdict: Verdict::Warn,
            ..Check::fail(name, detail, fix)
        }
    }

    fn skip(name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check {
            verdict: Verdict::Skip,
            ..Check::ok(name, detail)
        }
    }
}

/// Whether any check failed (warnings and skips do not fail).
pub fn failed(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.verdict == Verdict::Fail)
}

/// The settings check, from what [`Settings::discover`] returned for `source` (the file, or
/// the embedded settings).
pub fn settings_check(discovered: &Result<(Settings, Vec<Diagnostic>), Vec<Diagnostic>>, source: &str) -> Check {
    match discovered {
        Ok((_, warnings)) if warnings.is_empty() => Check::ok("settings", source),
        Ok((_, warnings)) => Check::warn(
            "settings",
            format!("{source}: {}", join_diagnostics(warnings)),
            "see the warnings (graphsoar validate --config FILE shows them all)",
        ),
        Err(errors) => Check::fail(
            "settings",
            format!("{source}: {}", join_diagnostics(errors)),
            "fix the settings file (graphsoar validate --config FILE shows every problem); nothing else was checked",
        ),
    }
}

fn join_diagnostics(diagnostics: &[Diagnostic]) -> String {
    let shown: Vec<String> = diagnostics.iter().take(3).map(ToString::to_string).collect();
    let more = diagnostics.len().saturating_sub(3);
    let more = if more > 0 {
        format!(" (and {more} more)")
    } else {
        String::new()
    };
    format!("{}{more}", shown.join("; "))
}

/// The tenant to check: the client built from the settings (or why it could not be built) and
/// the application it signs in as.
pub struct Tenant {
    pub client: Result<graph::Client, String>,
    /// The application (client) id, for messages.
    pub client_id: String,
    /// Where Graph is, for messages.
    pub graph_url: String,
}

/// Runs every check after the settings' (which the caller ran: see [`settings_check`]).
/// `mailer` is what the engine would deliver email with ([`Mailer::from_settings`]).
pub async fn check(settings: &Settings, tenant: Tenant, mailer: Result<Mailer, MailerError>) -> Vec<Check> {
    let mut checks = Vec::new();
    let playbooks = check_playbooks(settings, &mut checks);
    let roles = check_token(&tenant, &mut checks).await;
    check_permissions(&playbooks, roles.as_deref(), &tenant.client_id, &mut checks);
    let date = check_graph(&playbooks, &tenant, &mut checks).await;
    checks.push(check_clock(&tenant, date).await);
    checks.push(check_email(mailer).await);
    check_webhooks(&playbooks, &mut checks);
    checks.push(check_state(&settings.state));
    checks
}

/// The enabled playbooks, after a check that every playbook file loads and validates.
fn check_playbooks(settings: &Settings, checks: &mut Vec<Check>) -> Vec<Playbook> {
    let folder = &settings.playbooks;
    let (playbooks, diagnostics) =
        playbook::load_paths_with(std::slice::from_ref(folder), settings, playbook::Tests::Skip);
    let errors: Vec<Diagnostic> = diagnostics.into_iter().filter(Diagnostic::is_error).collect();
    let total = playbooks.len();
    let enabled: Vec<Playbook> = playbooks.into_iter().filter(|p| p.enabled).collect();
    let counted = format!("{} enabled of {total} in {}", enabled.len(), folder.display());
    checks.push(if !errors.is_empty() {
        Check::fail(
            "playbooks",
            format!("{} problem(s): {}", errors.len(), join_diagnostics(&errors)),
            format!(
                "fix them (graphsoar validate {} shows every problem); a run skips those playbooks",
                folder.display()
            ),
        )
    } else if enabled.is_empty() {
        Check::warn(
            "playbooks",
            counted,
            format!(
                "add a playbook to {} (or set `playbooks:` in the settings): a run has nothing to do",
                folder.display()
            ),
        )
    } else {
        Check::ok("playbooks", counted)
    });
    enabled
}

/// Gets a token; its `roles` claim, when it could be read.
async fn check_token(tenant: &Tenant, checks: &mut Vec<Check>) -> Option<Vec<String>> {
    let credentials_fix = format!(
        "check tenant_id, client_id ({}) and the client secret (GRAPHSOAR_CLIENT_SECRET or client_secret_file) or client_certificate",
        tenant.client_id
    );
    let client = match &tenant.client {
        Ok(client) => client,
        Err(why) => {
            checks.push(Check::fail("token", why.clone(), credentials_fix));
            return None;
        }
    };
    let token = match client.access_token().await {
        Ok(token) => token,
        Err(e) => {
            checks.push(Check::fail("token", e.to_string(), credentials_fix));
            return None;
        }
    };
    match token_roles(&token) {
        Ok(claims) => {
            let expires = claims
                .expires
                .map(|exp| format!(", expires {}", exp.format("%Y-%m-%d %H:%M:%SZ")))
                .unwrap_or_default();
            checks.push(Check::ok(
                "token",
                format!(
                    "{} signed in to {}{expires}; roles (read from the token, not verified): {}",
                    tenant.client_id,
                    tenant.graph_url,
                    if claims.roles.is_empty() {
                        "none".to_owned()
                    } else {
                        claims.roles.join(", ")
                    }
                ),
            ));
            Some(claims.roles)
        }
        Err(why) => {
            checks.push(Check::warn(
                "token",
                format!("obtained, but its roles cannot be read: {why}"),
                "the permissions are not checked; Graph's 403s will name a missing one",
            ));
            None
        }
    }
}

/// What [`token_roles`] read from a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    /// The `roles` claim (absent: none).
    pub roles: Vec<String>,
    /// The `exp` claim.
    pub expires: Option<DateTime<Utc>>,
}

/// The `roles` and `exp` claims of a JWT access token, decoded from its payload and **not
/// verified** (only Entra can verify it; this only reads what it says).
pub fn token_roles(token: &str) -> Result<TokenClaims, String> {
    let payload = token
        .split('.')
        .nth(1)
        .filter(|_| token.split('.').count() == 3)
        .ok_or("the token is not a JWT (three dot-separated parts)")?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| format!("the token's payload is not base64url: {e}"))?;
    let claims: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("the token's payload is not JSON: {e}"))?;
    let roles = match &claims["roles"] {
        serde_json::Value::Null => Vec::new(),
        serde_json::Value::Array(roles) => roles.iter().filter_map(|r| r.as_str().map(str::to_owned)).collect(),
        other => return Err(format!("the token's roles claim is not a list: {other}")),
    };
    let expires = claims["exp"].as_i64().and_then(|exp| DateTime::from_timestamp(exp, 0));
    Ok(TokenClaims { roles, expires })
}

/// One line per enabled playbook: the token holds every permission it needs, or which are
/// missing and who needs them.
fn check_permissions(playbooks: &[Playbook], roles: Option<&[String]>, client_id: &str, checks: &mut Vec<Check>) {
    for playbook in playbooks {
        let name = format!("permissions: {}", playbook.name);
        let required = playbook::required_permissions(playbook);
        let Some(roles) = roles else {
            checks.push(Check::skip(name, "no token roles to compare with"));
            continue;
        };
        let missing: Vec<String> = required
            .iter()
            .filter(|r| !r.permission.is_granted(roles))
            .map(|r| format!("missing {} (needed by {})", r.permission, r.needed_by.join(", ")))
            .collect();
        let names: Vec<&str> = required
            .iter()
            .filter(|r| !r.permission.is_granted(roles))
            .map(|r| r.permission.name())
            .collect();
        checks.push(if missing.is_empty() {
            let held: Vec<&str> = required.iter().map(|r| r.permission.name()).collect();
            Check::ok(name, format!("has {}", held.join(", ")))
        } else {
            Check::fail(
                name,
                format!("{}: {}", playbook.source.display(), missing.join("; ")),
                format!(
                    "add the Microsoft Graph application permission {} to the app registration {client_id} (API permissions), grant admin consent, and run doctor again (a new token carries it)",
                    names.join(" and ")
                ),
            )
        });
    }
}

/// A one-item list of each resource the enabled playbooks use; the `Date` of the first answer.
async fn check_graph(playbooks: &[Playbook], tenant: &Tenant, checks: &mut Vec<Check>) -> Option<DateTime<Utc>> {
    let used: Vec<Permission> = playbooks
        .iter()
        .flat_map(playbook::required_permissions)
        .map(|r| r.permission)
        .collect();
    let uses = |ps: &[Permission]| used.iter().any(|p| ps.contains(p));
    let mut date = None;
    let resources = [
        (
            Collection::Alerts,
            "graph: alerts_v2",
            [Permission::SecurityAlertRead, Permission::SecurityAlertReadWrite],
        ),
        (
            Collection::Incidents,
            "graph: incidents",
            [Permission::SecurityIncidentRead, Permission::SecurityIncidentReadWrite],
        ),
    ];
    for (collection, name, permissions) in resources {
        if !uses(&permissions) {
            continue;
        }
        let Ok(client) = &tenant.client else {
            checks.push(Check::skip(name, "no Graph client"));
            continue;
        };
        checks.push(match client.probe(collection).await {
            Ok(probe) => {
                date = date.or(probe.date);
                Check::ok(name, format!("listed $top=1: {} item(s)", probe.items))
            }
            Err(e) => Check::fail(
                name,
                e.to_string(),
                match e.status() {
                    Some(403) => {
                        "add the permission named above to the app registration and grant admin consent".to_owned()
                    }
                    Some(401) => {
                        "the token was refused: check tenant_id and that the app registration is in that tenant"
                            .to_owned()
                    }
                    _ => format!("check graph_url ({}) and the network path to it", tenant.graph_url),
                },
            ),
        });
    }
    if uses(&[Permission::ThreatHuntingRead]) {
        checks.push(Check::skip(
            "graph: runHuntingQuery",
            "not called: a query spends the tenant's hunting quota; the ThreatHunting.Read.All role is checked above",
        ));
    }
    date
}

/// The local clock against Graph's `Date` (from a list answer, else from any answer to a plain
/// GET of the Graph URL).
async fn check_clock(tenant: &Tenant, date: Option<DateTime<Utc>>) -> Check {
    let name = "clock";
    let (server, local) = match date {
        Some(d) => (d, Utc::now()),
        None => match graph_date(&tenant.graph_url).await {
            Ok(pair) => pair,
            Err(why) => return Check::skip(name, format!("cannot read Graph's Date: {why}")),
        },
    };
    // `Date` has whole seconds: Graph's time is within the second after it.
    let skew = local - (server + TimeDelta::milliseconds(500));
    let detail = format!(
        "this machine {} Graph's Date ({}) by {:.1}s",
        if skew >= TimeDelta::zero() {
            "is ahead of"
        } else {
            "is behind"
        },
        server.format("%H:%M:%SZ"),
        skew.num_milliseconds().abs() as f64 / 1000.0
    );
    if skew.abs() > MAX_CLOCK_SKEW {
        Check::fail(
            name,
            detail,
            "set the clock right (NTP: systemd-timesyncd or chrony); a wrong clock breaks tokens, cursors and schedules",
        )
    } else {
        Check::ok(name, detail)
    }
}

/// Graph's `Date` from an unauthenticated GET (every answer, a 401 too, has one) and the local
/// time half-way through the request.
async fn graph_date(graph_url: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    let http = crate::http::client_builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let before = Utc::now();
    let response = http.get(graph_url).send().await.map_err(|e| e.to_string())?;
    let after = Utc::now();
    let date = response
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .ok_or("the answer has no valid Date header")?;
    Ok((date.with_timezone(&Utc), before + (after - before) / 2))
}

/// SMTP connects and authenticates (nothing sent), or the outbox folder can be written.
async fn check_email(mailer: Result<Mailer, MailerError>) -> Check {
    let name = "email";
    match mailer {
        Err(e) => Check::fail(name, e.to_string(), "fix the smtp settings or provide the password"),
        Ok(Mailer::Smtp(smtp)) => match smtp.check_connection().await {
            Ok(detail) => Check::ok("email: smtp", detail),
            Err(why) => Check::fail(
                "email: smtp",
                why,
                "check smtp.host, smtp.port and smtp.tls, and that the server offers AUTH for smtp.username with the password in GRAPHSOAR_SMTP_PASSWORD / smtp.password_file",
            ),
        },
        Ok(Mailer::Outbox(dir)) => match writable_folder(&dir) {
            Ok(detail) => Check::ok("email: outbox", format!("no smtp: .eml files go to {detail}")),
            Err(why) => Check::fail(
                "email: outbox",
                why,
                format!(
                    "make {} writable for the user graphsoar runs as, or configure `smtp`",
                    dir.display()
                ),
            ),
        },
    }
}

/// Whether files can be created in `dir` (or, when it does not exist yet, in its nearest
/// existing ancestor, where the engine will create it): a uniquely named empty file is created
/// and removed at once, so nothing stays.
fn writable_folder(dir: &Path) -> Result<String, String> {
    let mut existing = dir;
    while !existing.exists() {
        existing = match existing.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if existing == Path::new(".") {
            break;
        }
    }
    if !existing.is_dir() {
        return Err(format!("{} is not a folder", existing.display()));
    }
    let probe = existing.join(format!(".graphsoar-doctor-{}", uuid::Uuid::new_v4().simple()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| format!("cannot create a file in {}: {e}", existing.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(if existing == dir {
        format!("{} (writable)", dir.display())
    } else {
        format!(
            "{} (does not exist yet; {} is writable, so the engine can create it)",
            dir.display(),
            existing.display()
        )
    })
}

/// One line per enabled playbook with webhooks that read the environment: every `url_env` and
/// header `env` variable is set (and a `url_env` holds an https URL).
fn check_webhooks(playbooks: &[Playbook], checks: &mut Vec<Check>) {
    let mut any = false;
    for playbook in playbooks {
        let mut read = 0;
        let mut problems = Vec::new();
        for (i, action) in playbook.actions.iter().enumerate() {
            let Action::Webhook(webhook) = action else { continue };
            let at = format!("webhook action #{}", i + 1);
            if let WebhookTarget::Env(var) = &webhook.target {
                read += 1;
                match std::env::var(var).map(|v| v.trim().to_owned()) {
                    Ok(url) if !url.is_empty() => {
                        if let Err(e) = crate::config::endpoint_url(&url) {
                            problems.push(format!("{var} ({at}'s url_env) is not a usable URL: {e}"));
                        }
                    }
                    _ => problems.push(format!("{var} ({at}'s url_env) is not set")),
                }
            }
            for (header, value) in &webhook.headers {
                if let HeaderValue::Env { env } = value {
                    read += 1;
                    if std::env::var(env).map(|v| v.trim().is_empty()).unwrap_or(true) {
                        problems.push(format!("{env} ({at}'s header {header}) is not set"));
                    }
                }
            }
        }
        if read == 0 {
            continue;
        }
        any = true;
        let name = format!("webhooks: {}", playbook.name);
        checks.push(if problems.is_empty() {
            Check::ok(name, format!("{read} environment variable(s) set"))
        } else {
            Check::fail(
                name,
                format!("{}: {}", playbook.source.display(), problems.join("; ")),
                "set them in the environment of the graphsoar service (systemd Environment=/LoadCredential, the container's env)",
            )
        });
    }
    if !any {
        checks.push(Check::skip(
            "webhooks",
            "no enabled playbook reads a webhook URL or header from the environment",
        ));
    }
}

/// The state file can be written (or created) and no other engine holds its lock.
fn check_state(db: &Path) -> Check {
    let name = "state";
    let folder: PathBuf = match db.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if db.exists() {
        if let Err(e) = std::fs::OpenOptions::new().write(true).open(db) {
            return Check::fail(
                name,
                format!("{}: cannot be opened for writing: {e}", db.display()),
                "make the state file writable for the user graphsoar runs as",
            );
        }
    } else if !folder.is_dir() {
        return Check::fail(
            name,
            format!("{}: the folder {} does not exist", db.display(), folder.display()),
            format!(
                "create {} (the engine creates the state file, not its folder)",
                folder.display()
            ),
        );
    }
    // SQLite writes its journal (`-wal`, `-shm`) and the engine its lock file beside the state.
    if let Err(why) = writable_folder(&folder) {
        return Check::fail(
            name,
            format!("{}: {why}", db.display()),
            format!("make {} writable for the user graphsoar runs as", folder.display()),
        );
    }
    let existing = if db.exists() {
        "exists"
    } else {
        "does not exist yet; its folder is writable"
    };
    match state::probe_lock(db) {
        Ok(LockProbe::Held { holder }) => Check::fail(
            name,
            format!(
                "{}: another graphsoar engine{} holds the lock {}",
                db.display(),
                holder.map(|pid| format!(" (pid {pid})")).unwrap_or_default(),
                state::lock_path(db).display()
            ),
            "stop that engine before starting this one, or give this one its own `state:` file",
        ),
        Ok(LockProbe::Free | LockProbe::NoLockFile) => Check::ok(
            name,
            format!("{} ({existing}; not in use by another engine)", db.display()),
        ),
        Err(e) => Check::fail(name, e.to_string(), "make the state's folder readable and writable"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;

    fn jwt(payload: &serde_json::Value) -> String {
        format!(
            "e30.{}.c2ln",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(payload).unwrap())
        )
    }

    #[test]
    fn roles_are_read_from_the_payload() {
        let claims = token_roles(&jwt(
            &serde_json::json!({"roles": ["A.Read.All", "B"], "exp": 1_700_000_000}),
        ))
        .unwrap();
        assert_eq!(claims.roles, ["A.Read.All", "B"]);
        assert_eq!(claims.expires, DateTime::from_timestamp(1_700_000_000, 0));
        assert!(token_roles(&jwt(&serde_json::json!({}))).unwrap().roles.is_empty());
        assert!(token_roles("opaque").unwrap_err().contains("not a JWT"));
        assert!(token_roles(&jwt(&serde_json::json!({"roles": "x"}))).is_err());
    }

    #[test]
    fn folders_are_checked_without_leaving_files() {
        let dir = TempDir::new("doctor-writable");
        let detail = writable_folder(&dir.path().join("outbox/mail")).unwrap();
        assert!(detail.contains("does not exist yet"), "{detail}");
        assert!(!dir.path().join("outbox").exists(), "nothing created");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no probe file left");
        assert!(writable_folder(dir.path()).unwrap().contains("(writable)"));
    }

    #[test]
    fn state_in_a_missing_folder_fails_and_says_to_create_it() {
        let dir = TempDir::new("doctor-state");
        let check = check_state(&dir.path().join("missing/graphsoar.db"));
        assert_eq!(check.verdict, Verdict::Fail, "{check:?}");
        assert!(check.fix.unwrap().contains("create"));
        let check = check_state(&dir.path().join("graphsoar.db"));
        assert_eq!(check.verdict, Verdict::Ok, "{check:?}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing created");
    }
}
