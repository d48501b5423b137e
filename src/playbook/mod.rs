//! Playbooks: the raw format ([`schema`]), loading with file/line diagnostics ([`load`]), and the
//! compile step ([`compile`]) that turns a [`schema::PlaybookConfig`] into the runtime
//! [`Playbook`] that the engine runs.
//!
//! Runtime types never carry an `Option` that validation already settled: defaults are applied,
//! cron, Rhai, templates, filters and durations are compiled, paths are resolved and checked.
//! This module does no I/O beyond reading playbook, template and fixture files.

pub mod compile;
pub mod load;
pub mod permissions;
pub mod schema;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use url::Url;

use crate::action::ActionKind;
use crate::duration::Duration;
use crate::graph::Permission;
use crate::graph::models::enums::{AlertClassification, AlertDetermination, AlertStatus, IncidentStatus};
use crate::odata;
use crate::script::{Condition, ItemKind};
use crate::template::Template;

pub use load::{Loaded, Tests, load_file, load_paths, load_paths_with, parse_str};
pub use permissions::{RequiredPermission, required_permissions};
pub use schema::{Group, LogLevel, Mode, WebhookFormat};

/// A compiled playbook.
#[derive(Debug, Clone)]
pub struct Playbook {
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub mode: Mode,
    pub schedule: Schedule,
    pub timezone: chrono_tz::Tz,
    pub trigger: Trigger,
    /// None: every item matches.
    pub condition: Option<Condition>,
    pub dedup: Dedup,
    pub group: Group,
    pub max_actions_per_run: u32,
    pub actions: Vec<Action>,
    /// Per action (same index): its approval and response cap.
    pub controls: Vec<Controls>,
    pub tests: Vec<PlaybookTest>,
    /// The file it was loaded from.
    pub source: PathBuf,
    /// A stable hash of the file's text: an edited playbook is a different playbook for the ledger.
    pub source_hash: u64,
    /// The settings' lists as they were when it was compiled (a hot reload reads the list
    /// files again and compiles anew): what its runs see as `lists`.
    pub lists: Arc<crate::config::Lists>,
}

impl Playbook {
    /// The kind of item conditions and templates see.
    pub fn item_kind(&self) -> ItemKind {
        self.trigger.item_kind()
    }
}

/// A parsed cron schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// As written.
    pub text: String,
    pub cron: croner::Cron,
}

impl Schedule {
    /// The first fire strictly after `after`, read in `tz` (DST-correct).
    pub fn next_after(&self, tz: chrono_tz::Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = after.with_timezone(&tz);
        self.cron
            .find_next_occurrence(&local, false)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The last fire at or before `at`, read in `tz`.
    pub fn last_at_or_before(&self, tz: chrono_tz::Tz, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = at.with_timezone(&tz);
        self.cron
            .find_previous_occurrence(&local, true)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The longest time between two of the next `fires` fires after `at` (a weekday schedule's
    /// weekend, the longest month): the widest window a hunting run may have to cover.
    pub fn longest_gap(&self, tz: chrono_tz::Tz, at: DateTime<Utc>, fires: usize) -> std::time::Duration {
        let mut longest = std::time::Duration::ZERO;
        let mut prev = self.next_after(tz, at);
        for _ in 0..fires {
            let Some(p) = prev else { break };
            let next = self.next_after(tz, p);
            if let Some(n) = next {
                longest = longest.max((n - p).to_std().unwrap_or_default());
            }
            prev = next;
        }
        longest
    }

    /// The time between the two fires after `at`: one interval (a hunting trigger's first window).
    pub fn interval(&self, tz: chrono_tz::Tz, at: DateTime<Utc>) -> std::time::Duration {
        self.next_after(tz, at)
            .and_then(|a| self.next_after(tz, a).map(|b| (b - a).to_std().unwrap_or_default()))
            .unwrap_or(std::time::Duration::from_secs(3600))
    }
}

/// What a playbook looks at.
#[derive(Debug, Clone)]
pub enum Trigger {
    Alerts(ListTrigger),
    Incidents(ListTrigger),
    Hunting(HuntingTrigger),
}

impl Trigger {
    pub fn item_kind(&self) -> ItemKind {
        match self {
            Trigger::Alerts(_) => ItemKind::Alert,
            Trigger::Incidents(_) => ItemKind::Incident,
            Trigger::Hunting(_) => ItemKind::Row,
        }
    }

    /// The Graph application permissions this trigger needs, each with why (reference §9): the
    /// list it reads, and for `expand_alerts` also the alerts, which the engine lists by
    /// `incidentId` when `$expand=alerts` keeps failing. Beside the action side,
    /// [`ActionKind::permission`]; both are summed up by [`required_permissions`].
    pub fn permissions(&self) -> Vec<(Permission, &'static str)> {
        match self {
            Trigger::Alerts(_) => vec![(Permission::SecurityAlertRead, "alerts trigger")],
            Trigger::Incidents(t) => {
                let mut needs = vec![(Permission::SecurityIncidentRead, "incidents trigger")];
                if t.expand_alerts {
                    needs.push((
                        Permission::SecurityAlertRead,
                        "incidents trigger's expand_alerts fallback",
                    ));
                }
                needs
            }
            Trigger::Hunting(_) => vec![(Permission::ThreatHuntingRead, "hunting trigger")],
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Trigger::Alerts(_) => "alerts",
            Trigger::Incidents(_) => "incidents",
            Trigger::Hunting(_) => "hunting",
        }
    }
}

/// An `alerts` or `incidents` trigger.
#[derive(Debug, Clone)]
pub struct ListTrigger {
    /// The user's filter, parsed; the engine adds the cursor clause.
    pub filter: Option<odata::Expr>,
    pub since: Duration,
    pub expand_alerts: bool,
}

/// A `hunting` trigger.
#[derive(Debug, Clone)]
pub struct HuntingTrigger {
    pub query: String,
    pub lag: Duration,
    /// A fixed lookback per run; None: the engine's gapless window.
    pub timespan: Option<Duration>,
}

/// Dedup: the key template (None: item id or row hash) and how long keys live (None: forever).
#[derive(Debug, Clone)]
pub struct Dedup {
    pub key: Option<Template>,
    pub window: Option<Duration>,
}

/// A compiled action.
#[derive(Debug, Clone)]
pub enum Action {
    UpdateAlert(Update<AlertStatus>),
    UpdateIncident(Update<IncidentStatus>),
    Email(Email),
    Webhook(Webhook),
    Log(Log),
    /// A device action; the kind says which.
    Device(ActionKind, DeviceAction),
    SubmitIndicator(IndicatorAction),
    AccountAction(AccountAction),
    RemediateEmail(RemediateEmail),
}

/// `account_action`.
#[derive(Debug, Clone)]
pub struct AccountAction {
    pub action: crate::action::account::AccountVerb,
    /// None: the alert's user evidence.
    pub account: Option<Template>,
}

/// `remediate_email`.
#[derive(Debug, Clone)]
pub struct RemediateEmail {
    pub action: crate::action::remediate::MailAction,
    /// None (both): the alert's analyzed message evidence, or the row's columns.
    pub network_message_id: Option<Template>,
    pub recipient: Option<Template>,
    pub severity: String,
    /// None: `graphsoar: <playbook>`.
    pub display_name: Option<Template>,
    pub description: Template,
    pub remediate_senders_copy: bool,
}

/// What stands between a planned action and its execution.
#[derive(Debug, Clone, Default)]
pub struct Controls {
    /// Wait for a person.
    pub approval: Option<Approval>,
    /// Response actions: the most targets one run may act on (above it the run is capped).
    pub max_per_run: Option<u32>,
}

/// `approval`.
#[derive(Debug, Clone)]
pub struct Approval {
    pub timeout: Duration,
    /// Email addresses to ask.
    pub email: Vec<String>,
    /// Webhooks to ask.
    pub webhooks: Vec<(WebhookTarget, WebhookFormat)>,
}

/// A device action (`isolate_device`, ...).
#[derive(Debug, Clone)]
pub struct DeviceAction {
    /// None: the alert's devices (its device evidence's `mdeDeviceId`).
    pub device: Option<Template>,
    pub comment: Template,
    pub isolation_type: Option<crate::action::device::IsolationType>,
    pub scan_type: Option<crate::action::device::ScanType>,
    pub sha1: Option<Template>,
}

/// `submit_indicator`.
#[derive(Debug, Clone)]
pub struct IndicatorAction {
    pub value: Template,
    /// None: inferred from the rendered value.
    pub indicator_type: Option<crate::graph::models::defender::IndicatorType>,
    pub action: crate::graph::models::defender::IndicatorAction,
    pub title: Template,
    pub description: Template,
    pub severity: Option<String>,
    pub expiration: Option<Duration>,
    pub recommended_actions: Option<Template>,
    pub generate_alert: Option<bool>,
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Device(kind, _) => *kind,
            Action::SubmitIndicator(_) => ActionKind::SubmitIndicator,
            Action::AccountAction(_) => ActionKind::AccountAction,
            Action::RemediateEmail(_) => ActionKind::RemediateEmail,
            Action::UpdateAlert(_) => ActionKind::UpdateAlert,
            Action::UpdateIncident(_) => ActionKind::UpdateIncident,
            Action::Email(_) => ActionKind::Email,
            Action::Webhook(_) => ActionKind::Webhook,
            Action::Log(_) => ActionKind::Log,
        }
    }

    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }

    /// The permission this action needs (an account action's depends on what it does).
    pub fn permission(&self) -> Option<Permission> {
        match self {
            Action::AccountAction(a) => Some(a.action.permission()),
            other => other.kind().permission(),
        }
    }
}

/// `update_alert` (`S` = [`AlertStatus`]) / `update_incident` (`S` = [`IncidentStatus`]).
#[derive(Debug, Clone)]
pub struct Update<S> {
    /// With a hunting trigger: the id to update.
    pub id: Option<Template>,
    pub status: Option<S>,
    pub classification: Option<AlertClassification>,
    pub determination: Option<AlertDetermination>,
    pub assigned_to: Option<String>,
    pub comment: Option<Template>,
    /// None: the status the item had when it matched.
    pub only_if_status: Option<Vec<S>>,
    pub tags: Option<TagChange>,
}

/// Incident tag changes, as planned and stored in the ledger (`{add, remove}` or `{set}`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum TagChange {
    /// Replaces the whole array.
    Set { set: Vec<String> },
    /// Applied to the freshly read `customTags`, keeping analysts' tags.
    Edit {
        #[serde(default)]
        add: Vec<String>,
        #[serde(default)]
        remove: Vec<String>,
    },
}

/// `email`.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub reply_to: Option<String>,
    pub from: String,
    pub subject: Template,
    pub body: Option<Template>,
    pub html: Option<Template>,
}

/// `webhook`.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub target: WebhookTarget,
    pub method: String,
    pub headers: Vec<(String, HeaderValue)>,
    pub format: WebhookFormat,
    pub body: Option<BodyTemplate>,
}

/// Where a webhook goes.
#[derive(Debug, Clone)]
pub enum WebhookTarget {
    Url(Url),
    /// The URL is read from this environment variable when the action runs.
    Env(String),
}

/// A webhook header value, as planned and stored in the ledger (a string, or `{env: NAME}`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum HeaderValue {
    Literal(String),
    /// Read from this environment variable when the action runs.
    Env {
        env: String,
    },
}

/// A webhook body: a structure whose string leaves are templates, so rendered values are
/// JSON-encoded and cannot break out of their string.
#[derive(Debug, Clone)]
pub enum BodyTemplate {
    Text(Template),
    Map(Vec<(String, BodyTemplate)>),
    List(Vec<BodyTemplate>),
    /// Numbers, booleans, null.
    Value(serde_json::Value),
}

/// `log`.
#[derive(Debug, Clone)]
pub struct Log {
    pub message: Template,
    pub level: LogLevel,
}

/// A playbook test, run offline by `graphsoar test`.
#[derive(Debug, Clone)]
pub struct PlaybookTest {
    pub name: String,
    pub items: TestItems,
    pub now: Option<DateTime<Utc>>,
    /// Lists replacing the settings' lists of the same name.
    pub lists: BTreeMap<String, Vec<String>>,
    /// Expected planned actions in order: name and the fields to compare.
    pub expect: Vec<(String, BTreeMap<String, serde_json::Value>)>,
    /// Line of the test in its file, for reports.
    pub line: usize,
}

/// A test's input.
#[derive(Debug, Clone)]
pub enum TestItems {
    Alert(serde_json::Value),
    Incident(serde_json::Value),
    Rows(Vec<serde_json::Value>),
}

/// A stable 64-bit FNV-1a hash (stored in the state database, so it must not change between builds).
pub fn stable_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
