//! The raw playbook format: serde types exactly as a playbook file writes them.
//!
//! Every struct rejects unknown keys; playbook enums (trigger, action, test input and expected
//! action) are externally tagged singleton maps (`- update_alert: {…}`). These types are what
//! `graphsoar schema` publishes, so every field's `///` line is the playbook reference. Nothing
//! here is checked beyond its shape: [`super::compile`] turns a [`PlaybookConfig`] into the runtime
//! [`super::Playbook`] and reports every other problem.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A graphsoar playbook: one per file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "graphsoar playbook")]
pub struct PlaybookConfig {
    /// Unique name, `[a-z0-9-]+`; keys cursors, dedup and the ledger.
    #[schemars(pattern("^[a-z0-9-]{1,100}$"))]
    pub name: String,
    /// What the playbook does and why; shown in messages as `playbook.description`.
    #[serde(default)]
    pub description: Option<String>,
    /// `false` stops the playbook; its pending actions are cancelled (the emergency stop). Default true.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// `active` (default) acts; `audit` plans, logs and records what it would do, and never writes or sends.
    #[serde(default)]
    pub mode: Option<Mode>,
    /// When to run: standard 5-field cron (minute hour day-of-month month day-of-week; 0 and 7 are
    /// Sunday) or `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`.
    pub schedule: String,
    /// IANA time zone the schedule is read in, such as `Europe/Amsterdam`. Default UTC.
    #[serde(default)]
    pub timezone: Option<String>,
    /// What the playbook looks at: exactly one of `alerts`, `incidents`, `hunting`.
    #[serde(with = "serde_yaml::with::singleton_map_recursive")]
    #[schemars(with = "TriggerConfig")]
    pub trigger: TriggerConfig,
    /// Rhai script run per item (`alert`, `incident` or `row`); its last expression must be a
    /// bool, true = act. Absent: every item matches.
    #[serde(default)]
    pub condition: Option<String>,
    /// How repeats are recognised. Default: the item id (alerts, incidents) or a hash of the row, forever.
    #[serde(default)]
    pub dedup: Option<DedupConfig>,
    /// `per_item` (default): actions run per item. `all`: actions run once per run with `items`.
    #[serde(default)]
    pub group: Option<Group>,
    /// A run that plans more actions than this executes none and is recorded as `capped`.
    /// Default: the settings' `limits.max_actions_per_run` (100).
    #[serde(default)]
    pub max_actions_per_run: Option<u32>,
    /// What to do with each matching item (or with `items`), in order.
    #[serde(with = "serde_yaml::with::singleton_map_recursive")]
    #[schemars(with = "Vec<ActionConfig>")]
    pub actions: Vec<ActionConfig>,
    /// Offline tests run by `graphsoar test`: an input item and the actions expected.
    #[serde(default)]
    pub tests: Vec<TestConfig>,
}

/// Whether a playbook acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Act.
    #[default]
    Active,
    /// Plan, log and record only: for rolling out a new rule.
    Audit,
}

/// How actions see items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// Actions run once per matching item.
    #[default]
    PerItem,
    /// Actions run once per run with all matching items as `items` (a digest).
    All,
}

/// The trigger: exactly one kind.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriggerConfig {
    /// Alerts from `/security/alerts_v2` updated since the last run.
    Alerts(ListTriggerConfig),
    /// Incidents from `/security/incidents` updated since the last run.
    Incidents(ListTriggerConfig),
    /// An advanced-hunting query run through `/security/runHuntingQuery`.
    Hunting(HuntingTriggerConfig),
}

/// An `alerts` or `incidents` trigger.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTriggerConfig {
    /// OData `$filter` on the resource's filterable properties, such as `status eq 'new'`.
    #[serde(default)]
    pub filter: Option<String>,
    /// How far the first run looks back (then a cursor on lastUpdateDateTime). Default 1h, at most 30d.
    #[serde(default)]
    pub since: Option<String>,
    /// Incidents only: fetch each incident with its alerts (`$expand=alerts`).
    #[serde(default)]
    pub expand_alerts: Option<bool>,
}

/// A `hunting` trigger.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HuntingTriggerConfig {
    /// The KQL query. It should filter on time itself (`where Timestamp > ago(1h)`).
    pub query: String,
    /// How far behind now the window ends, for late-arriving events. Default 5m.
    #[serde(default)]
    pub lag: Option<String>,
    /// A fixed lookback per run instead of the engine's gapless window, for queries that need
    /// history (a 7-day baseline). At most 30d.
    #[serde(default)]
    pub timespan: Option<String>,
}

/// Dedup settings.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DedupConfig {
    /// Template rendering the key, such as `{{ incident.id }}:{{ incident.severity }}`.
    #[serde(default)]
    pub key: Option<String>,
    /// How long a key is remembered (`30d`). Default: forever.
    #[serde(default)]
    pub window: Option<String>,
}

/// An action: exactly one kind per list entry.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionConfig {
    /// Update the alert (status, classification, determination, assignee, comment).
    UpdateAlert(UpdateConfig),
    /// Update the incident (the same, plus tags).
    UpdateIncident(UpdateConfig),
    /// Send an email (SMTP, or the outbox folder when no SMTP is set).
    Email(EmailConfig),
    /// Send an HTTP request (JSON, a Teams card or Slack blocks).
    Webhook(WebhookConfig),
    /// Write a log line.
    Log(LogConfig),
    /// Isolate devices from the network (Defender for Endpoint; permission Machine.Isolate).
    IsolateDevice(DeviceActionConfig),
    /// Release devices from isolation (Machine.Isolate).
    ReleaseDevice(DeviceActionConfig),
    /// Run an antivirus scan (Machine.Scan).
    RunAntivirusScan(DeviceActionConfig),
    /// Restrict app execution to Microsoft-signed code (Machine.RestrictExecution).
    RestrictAppExecution(DeviceActionConfig),
    /// Remove the app execution restriction (Machine.RestrictExecution).
    UnrestrictAppExecution(DeviceActionConfig),
    /// Collect an investigation package (Machine.CollectForensics).
    CollectInvestigationPackage(DeviceActionConfig),
    /// Stop a file's processes and quarantine it (Machine.StopAndQuarantine).
    StopAndQuarantineFile(DeviceActionConfig),
    /// Submit (or update) a custom indicator: file hash, IP, domain or URL (Ti.ReadWrite.All).
    SubmitIndicator(IndicatorConfig),
    /// Disable, enable or reset the password of an account (Defender for Identity), or revoke its
    /// sessions or confirm it compromised (Entra ID).
    AccountAction(AccountActionConfig),
    /// Delete or move delivered messages (Defender for Office 365; SecurityAnalyzedMessage.ReadWrite.All).
    RemediateEmail(RemediateEmailConfig),
}

/// Fields of `account_action`.
#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AccountActionConfig {
    /// `disable`, `enable`, `force_password_reset` (Defender for Identity: SecurityIdentitiesActions.ReadWrite.All),
    /// `revoke_sessions` (User.RevokeSessions.All) or `mark_compromised` (IdentityRiskyUser.ReadWrite.All).
    pub action: String,
    /// A template for the account: an on-premises SID, an Entra object id or a user principal
    /// name; several, comma-separated. Default with an alerts trigger: the alert's user evidence.
    #[serde(default)]
    pub account: Option<String>,
    /// The most accounts this action acts on in one run (default 5).
    #[serde(default)]
    pub max_per_run: Option<u32>,
    /// Wait for a person to approve.
    #[serde(default)]
    pub approval: Option<ApprovalConfig>,
}

/// Fields of `remediate_email`.
#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RemediateEmailConfig {
    /// `soft_delete`, `hard_delete`, `move_to_junk` or `move_to_deleted_items`.
    pub action: String,
    /// A template for the message's NetworkMessageId. Default: the alert's analyzed message
    /// evidence, or a hunting row's `NetworkMessageId`.
    #[serde(default)]
    pub network_message_id: Option<String>,
    /// A template for the recipient. Default: the evidence's `recipientEmailAddress`, or a hunting
    /// row's `RecipientEmailAddress`.
    #[serde(default)]
    pub recipient: Option<String>,
    /// `low`, `medium` (default) or `high`.
    #[serde(default)]
    pub severity: Option<String>,
    /// The name shown in the Action center (a template). Default: `graphsoar: <playbook>`.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Why (a template).
    pub description: String,
    /// For internal or outbound mail, also the sender's copy. Default false.
    #[serde(default)]
    pub remediate_senders_copy: Option<bool>,
    /// The most messages this action remediates in one run (default 5).
    #[serde(default)]
    pub max_per_run: Option<u32>,
    /// Wait for a person to approve.
    #[serde(default)]
    pub approval: Option<ApprovalConfig>,
}

impl ActionConfig {
    /// The kind.
    pub fn kind(&self) -> crate::action::ActionKind {
        use crate::action::ActionKind as K;
        match self {
            ActionConfig::UpdateAlert(_) => K::UpdateAlert,
            ActionConfig::UpdateIncident(_) => K::UpdateIncident,
            ActionConfig::Email(_) => K::Email,
            ActionConfig::Webhook(_) => K::Webhook,
            ActionConfig::Log(_) => K::Log,
            ActionConfig::IsolateDevice(_) => K::IsolateDevice,
            ActionConfig::ReleaseDevice(_) => K::ReleaseDevice,
            ActionConfig::RunAntivirusScan(_) => K::RunAntivirusScan,
            ActionConfig::RestrictAppExecution(_) => K::RestrictAppExecution,
            ActionConfig::UnrestrictAppExecution(_) => K::UnrestrictAppExecution,
            ActionConfig::CollectInvestigationPackage(_) => K::CollectInvestigationPackage,
            ActionConfig::StopAndQuarantineFile(_) => K::StopAndQuarantineFile,
            ActionConfig::SubmitIndicator(_) => K::SubmitIndicator,
            ActionConfig::AccountAction(_) => K::AccountAction,
            ActionConfig::RemediateEmail(_) => K::RemediateEmail,
        }
    }

    /// The action's `approval`, if it asks for one.
    pub fn approval(&self) -> Option<&ApprovalConfig> {
        match self {
            ActionConfig::UpdateAlert(c) | ActionConfig::UpdateIncident(c) => c.approval.as_ref(),
            ActionConfig::Email(c) => c.approval.as_ref(),
            ActionConfig::Webhook(c) => c.approval.as_ref(),
            ActionConfig::Log(c) => c.approval.as_ref(),
            ActionConfig::SubmitIndicator(c) => c.approval.as_ref(),
            ActionConfig::AccountAction(c) => c.approval.as_ref(),
            ActionConfig::RemediateEmail(c) => c.approval.as_ref(),
            ActionConfig::IsolateDevice(c)
            | ActionConfig::ReleaseDevice(c)
            | ActionConfig::RunAntivirusScan(c)
            | ActionConfig::RestrictAppExecution(c)
            | ActionConfig::UnrestrictAppExecution(c)
            | ActionConfig::CollectInvestigationPackage(c)
            | ActionConfig::StopAndQuarantineFile(c) => c.approval.as_ref(),
        }
    }

    /// A response action's `max_per_run`.
    pub fn max_per_run(&self) -> Option<u32> {
        match self {
            ActionConfig::SubmitIndicator(c) => c.max_per_run,
            ActionConfig::AccountAction(c) => c.max_per_run,
            ActionConfig::RemediateEmail(c) => c.max_per_run,
            ActionConfig::IsolateDevice(c)
            | ActionConfig::ReleaseDevice(c)
            | ActionConfig::RunAntivirusScan(c)
            | ActionConfig::RestrictAppExecution(c)
            | ActionConfig::UnrestrictAppExecution(c)
            | ActionConfig::CollectInvestigationPackage(c)
            | ActionConfig::StopAndQuarantineFile(c) => c.max_per_run,
            _ => None,
        }
    }
}

/// `approval`: the action waits for a person (`graphsoar approve ID` / `deny ID`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalConfig {
    /// How long it waits before it expires, such as `4h`. Default 4h; at most 30d.
    #[serde(default)]
    pub timeout: Option<String>,
    /// Who is asked: email addresses, and/or `{ webhook: URL, format: teams | slack | json }`.
    #[serde(default)]
    pub notify: Vec<NotifyConfig>,
}

/// One recipient of an approval request.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum NotifyConfig {
    /// An email address.
    Email(String),
    /// A webhook.
    Webhook(NotifyWebhookConfig),
}

/// `{ webhook: URL, format: ... }` or `{ webhook_env: NAME, format: ... }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotifyWebhookConfig {
    /// The URL (https, or http to loopback).
    #[serde(default)]
    pub webhook: Option<String>,
    /// The environment variable holding the URL.
    #[serde(default)]
    pub webhook_env: Option<String>,
    /// `json` (default), `teams` or `slack`.
    #[serde(default)]
    pub format: Option<WebhookFormat>,
}

/// Fields of the device actions.
#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DeviceActionConfig {
    /// The device: a template for a device id or computer name, such as `{{ row.DeviceId }}`;
    /// several, comma-separated. Default with an alerts trigger: the alert's devices (the
    /// `mdeDeviceId` of its device evidence).
    #[serde(default)]
    pub device: Option<String>,
    /// `isolate_device`: `Full` (default) or `Selective` (Outlook, Teams and Skype keep working).
    #[serde(default)]
    pub isolation_type: Option<String>,
    /// `run_antivirus_scan`: `Quick` (default) or `Full`.
    #[serde(default)]
    pub scan_type: Option<String>,
    /// `stop_and_quarantine_file`: a template for the file's SHA-1.
    #[serde(default)]
    pub sha1: Option<String>,
    /// The comment recorded with the action (a template); graphsoar appends its marker.
    pub comment: String,
    /// The most devices this action acts on in one run (default `limits.max_response_actions_per_run`, 5).
    /// A run that plans more does nothing and is recorded as capped.
    #[serde(default)]
    pub max_per_run: Option<u32>,
    /// Wait for a person to approve.
    #[serde(default)]
    pub approval: Option<ApprovalConfig>,
}

/// Fields of `submit_indicator`.
#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct IndicatorConfig {
    /// A template for the value: a SHA-256, SHA-1 or MD5, an external IP address, a domain or a URL.
    pub value: String,
    /// `FileSha256`, `FileSha1`, `FileMd5`, `IpAddress`, `DomainName`, `Url`. Default: from the value.
    #[serde(default, rename = "type")]
    pub indicator_type: Option<String>,
    /// `Block` (default), `Audit`, `Warn`, `Allowed` or `BlockAndRemediate`.
    #[serde(default)]
    pub action: Option<String>,
    /// Title template.
    pub title: String,
    /// Description template.
    pub description: String,
    /// `Informational`, `Low`, `Medium` or `High`.
    #[serde(default)]
    pub severity: Option<String>,
    /// How long it stays, such as `30d`. Default: it does not expire.
    #[serde(default)]
    pub expiration: Option<String>,
    /// Recommended actions (a template).
    #[serde(default)]
    pub recommended_actions: Option<String>,
    /// Raise an alert when it matches (required for `Audit`). Default false.
    #[serde(default)]
    pub generate_alert: Option<bool>,
    /// The most indicators this action submits in one run (default 5).
    #[serde(default)]
    pub max_per_run: Option<u32>,
    /// Wait for a person to approve.
    #[serde(default)]
    pub approval: Option<ApprovalConfig>,
}

/// Fields of `update_alert` and `update_incident`.
#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateConfig {
    /// With a `hunting` trigger: a template for the id to update, such as `{{ row.AlertId }}`.
    #[serde(default)]
    pub id: Option<String>,
    /// New status: alerts `new`, `inProgress`, `resolved`; incidents `active`, `inProgress`, `resolved`.
    #[serde(default)]
    pub status: Option<String>,
    /// `falsePositive`, `truePositive` or `informationalExpectedActivity`.
    #[serde(default)]
    pub classification: Option<String>,
    /// Such as `securityTesting`, `lineOfBusinessApplication`, `notMalicious`, `malware`.
    #[serde(default)]
    pub determination: Option<String>,
    /// The user (UPN) to assign to.
    #[serde(default)]
    pub assigned_to: Option<String>,
    /// A comment template, posted only after the update succeeded.
    #[serde(default)]
    pub comment: Option<String>,
    /// Act only if the item's status is one of these (default: the status it had when matched).
    #[serde(default)]
    pub only_if_status: Option<Vec<String>>,
    /// Incidents only: `customTags` changes.
    #[serde(default)]
    pub tags: Option<TagsConfig>,
    /// Wait for a person to approve (`graphsoar approve ID`).
    #[serde(default)]
    pub approval: Option<ApprovalConfig>,
}

/// Incident tag changes: `add`/`remove` keep analysts' tags; `set` replaces them all.
#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct TagsConfig {
    /// Tags to add (case-insensitive; existing ones kept).
    #[serde(default)]
    pub add: Vec<String>,
    /// Tags to remove (case-insensitive).
    #[serde(default)]
    pub remove: Vec<String>,
    /// Replace all custom tags with these (removes analysts' tags).
    #[serde(default)]
    pub set: Option<Vec<String>>,
}

/// Fields of `email`.
#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// Recipients.
    #[serde(default)]
    pub to: Vec<String>,
    /// Copy recipients.
    #[serde(default)]
    pub cc: Vec<String>,
    /// Reply-To address.
    #[serde(default)]
    pub reply_to: Option<String>,
    /// Sender. Default: the settings' `smtp.from`.
    #[serde(default)]
    pub from: Option<String>,
    /// Subject template (one line).
    pub subject: String,
    /// Plain-text body template.
    #[serde(default)]
    pub body: Option<String>,
    /// HTML body template (values auto-escaped).
    #[serde(default)]
    pub html: Option<String>,
    /// `NAME` for the pair `NAME.txt` + `NAME.html`, relative to the playbook's folder.
    #[serde(default)]
    pub template: Option<String>,
    /// Wait for a person to approve (`graphsoar approve ID`).
    #[serde(default)]
    pub approval: Option<ApprovalConfig>,
}

/// Fields of `webhook`.
#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// The URL (https, or http to loopback). Never rendered from item data.
    #[serde(default)]
    pub url: Option<String>,
    /// Name of the environment variable holding the URL (keeps secrets out of playbooks).
    #[serde(default)]
    pub url_env: Option<String>,
    /// HTTP method. Default POST.
    #[serde(default)]
    pub method: Option<String>,
    /// Extra headers; a value is a string or `{ env: NAME }`.
    #[serde(default)]
    pub headers: BTreeMap<String, HeaderValueConfig>,
    /// `json` (default), `teams` (Adaptive Card) or `slack` (blocks).
    #[serde(default)]
    pub format: Option<WebhookFormat>,
    /// The body: a YAML structure whose string leaves are templates. Optional for teams/slack.
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub body: Option<serde_yaml::Value>,
    /// Wait for a person to approve (`graphsoar approve ID`).
    #[serde(default)]
    pub approval: Option<ApprovalConfig>,
}

/// A webhook header value.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum HeaderValueConfig {
    /// A literal value.
    Literal(String),
    /// A value from the environment.
    Env(EnvRef),
}

/// `{ env: NAME }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvRef {
    /// Environment variable name.
    pub env: String,
}

/// Webhook body formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// `body` as JSON.
    #[default]
    Json,
    /// A Microsoft Teams (Workflows) Adaptive Card.
    Teams,
    /// Slack blocks.
    Slack,
}

/// Fields of `log`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// Message template.
    pub message: String,
    /// `error`, `warn`, `info` (default) or `debug`.
    #[serde(default)]
    pub level: Option<LogLevel>,
    /// Wait for a person to approve (`graphsoar approve ID`).
    #[serde(default)]
    pub approval: Option<ApprovalConfig>,
}

/// Log levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Error,
    Warn,
    #[default]
    Info,
    Debug,
}

/// One playbook test.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestConfig {
    /// What the test shows.
    pub name: String,
    /// The item(s) fed to the playbook.
    pub input: TestInputConfig,
    /// The planned actions, in order, each matched on the fields given; `[]` = no action.
    #[serde(with = "serde_yaml::with::singleton_map_recursive")]
    #[schemars(with = "Vec<ExpectConfig>")]
    pub expect: Vec<ExpectConfig>,
}

/// A test's input: exactly one of `alert`, `incident`, `row`, `rows`, plus optional `now` and `lists`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestInputConfig {
    /// An alert, inline or `{ fixture: path }`.
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub alert: Option<serde_yaml::Value>,
    /// An incident, inline or `{ fixture: path }`.
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub incident: Option<serde_yaml::Value>,
    /// A hunting row, inline or `{ fixture: path }`.
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub row: Option<serde_yaml::Value>,
    /// Hunting rows, inline or `{ fixture: path }` of a JSON array.
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub rows: Option<serde_yaml::Value>,
    /// The run's `now` (RFC 3339). Default: the real time.
    #[serde(default)]
    pub now: Option<String>,
    /// Lists for this test, replacing the settings' lists of the same name.
    #[serde(default)]
    pub lists: BTreeMap<String, Vec<String>>,
}

/// One expected action: `{ update_alert: { status: resolved } }`; only the fields given are compared.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExpectConfig {
    UpdateAlert(BTreeMap<String, ExpectValue>),
    UpdateIncident(BTreeMap<String, ExpectValue>),
    Email(BTreeMap<String, ExpectValue>),
    Webhook(BTreeMap<String, ExpectValue>),
    Log(BTreeMap<String, ExpectValue>),
    IsolateDevice(BTreeMap<String, ExpectValue>),
    ReleaseDevice(BTreeMap<String, ExpectValue>),
    RunAntivirusScan(BTreeMap<String, ExpectValue>),
    RestrictAppExecution(BTreeMap<String, ExpectValue>),
    UnrestrictAppExecution(BTreeMap<String, ExpectValue>),
    CollectInvestigationPackage(BTreeMap<String, ExpectValue>),
    StopAndQuarantineFile(BTreeMap<String, ExpectValue>),
    SubmitIndicator(BTreeMap<String, ExpectValue>),
    AccountAction(BTreeMap<String, ExpectValue>),
    RemediateEmail(BTreeMap<String, ExpectValue>),
}

/// An expected field value (any YAML value).
pub type ExpectValue = ExpectAny;

/// Any YAML value, published in the schema as "anything".
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct ExpectAny(#[schemars(with = "serde_json::Value")] pub serde_yaml::Value);

impl ExpectConfig {
    /// The action name and the fields to match.
    pub fn parts(&self) -> (&'static str, &BTreeMap<String, ExpectValue>) {
        match self {
            ExpectConfig::UpdateAlert(m) => ("update_alert", m),
            ExpectConfig::UpdateIncident(m) => ("update_incident", m),
            ExpectConfig::Email(m) => ("email", m),
            ExpectConfig::Webhook(m) => ("webhook", m),
            ExpectConfig::Log(m) => ("log", m),
            ExpectConfig::IsolateDevice(m) => ("isolate_device", m),
            ExpectConfig::ReleaseDevice(m) => ("release_device", m),
            ExpectConfig::RunAntivirusScan(m) => ("run_antivirus_scan", m),
            ExpectConfig::RestrictAppExecution(m) => ("restrict_app_execution", m),
            ExpectConfig::UnrestrictAppExecution(m) => ("unrestrict_app_execution", m),
            ExpectConfig::CollectInvestigationPackage(m) => ("collect_investigation_package", m),
            ExpectConfig::StopAndQuarantineFile(m) => ("stop_and_quarantine_file", m),
            ExpectConfig::SubmitIndicator(m) => ("submit_indicator", m),
            ExpectConfig::AccountAction(m) => ("account_action", m),
            ExpectConfig::RemediateEmail(m) => ("remediate_email", m),
        }
    }
}

/// Action names, for hints.
pub const ACTION_NAMES: &[&str] = &[
    "update_alert",
    "update_incident",
    "email",
    "webhook",
    "log",
    "isolate_device",
    "release_device",
    "run_antivirus_scan",
    "restrict_app_execution",
    "unrestrict_app_execution",
    "collect_investigation_package",
    "stop_and_quarantine_file",
    "submit_indicator",
    "account_action",
    "remediate_email",
];
/// Top-level keys, for hints.
pub const PLAYBOOK_KEYS: &[&str] = &[
    "name",
    "description",
    "enabled",
    "mode",
    "schedule",
    "timezone",
    "trigger",
    "condition",
    "dedup",
    "group",
    "max_actions_per_run",
    "actions",
    "tests",
];
