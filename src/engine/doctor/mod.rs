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

mod local;
mod tenant;

use chrono::TimeDelta;

use crate::action::email::{Mailer, MailerError};
use crate::config::Settings;
use crate::diag::Diagnostic;
use crate::graph;
use crate::playbook::{self, Playbook};

use local::{check_email, check_state, check_webhooks};
pub use tenant::{TokenClaims, token_roles};
use tenant::{check_clock, check_defender_token, check_graph, check_permissions, check_token};

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
    /// The Defender for Endpoint client of the same tenant, for playbooks with device actions
    /// or indicators (its token carries the Defender roles).
    pub defender: Option<graph::defender::Defender>,
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
    let mut roles = check_token(&tenant, &mut checks).await;
    if let Some(defender_roles) = check_defender_token(&playbooks, &tenant, &mut checks).await {
        roles.get_or_insert_with(Vec::new).extend(defender_roles);
    }
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
