//! Engine settings: `graphsoar.yaml` (or `--config FILE`), or the embedded local tenant when
//! there is no file.
//!
//! Owns the raw settings format ([`SettingsConfig`]), its validation with positions, and the
//! runtime [`Settings`]. Secrets are never read from the file itself: only from the environment
//! or from files it names. Must not read playbooks.

mod lists;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use url::Url;

use crate::diag::{Diagnostic, Pos, Reporter};
use crate::duration::Duration;
use crate::kql;
use crate::yaml::{self, PositionIndex};
use crate::yaml_de;

pub use lists::{Lists, parse_list};

/// The settings file name looked for in the working directory.
pub const DEFAULT_FILE: &str = "graphsoar.yaml";
/// Environment variable holding the client secret.
pub const CLIENT_SECRET_ENV: &str = "GRAPHSOAR_CLIENT_SECRET";
/// Environment variable holding the SMTP password.
pub const SMTP_PASSWORD_ENV: &str = "GRAPHSOAR_SMTP_PASSWORD";

/// The settings file as written. Every key is optional.
#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SettingsConfig {
    /// Entra tenant id. Absent: the embedded local tenant.
    pub tenant_id: Option<String>,
    /// Application (client) id.
    pub client_id: Option<String>,
    /// PEM file with the certificate and its private key, for certificate authentication.
    pub client_certificate: Option<PathBuf>,
    /// File holding the client secret (else GRAPHSOAR_CLIENT_SECRET).
    pub client_secret_file: Option<PathBuf>,
    /// `global`, `usgov` or `usgovdod`.
    pub cloud: Option<Cloud>,
    /// Graph endpoint override, such as `http://127.0.0.1:8080` for a separately running emulator.
    pub graph_url: Option<String>,
    /// Login endpoint override.
    pub login_url: Option<String>,
    /// `v1.0` (default) or `beta`.
    pub api_version: Option<ApiVersion>,
    /// Playbooks folder. Default `playbooks/`.
    pub playbooks: Option<PathBuf>,
    /// SQLite state file. Default `graphsoar.db`.
    pub state: Option<PathBuf>,
    /// Folder for `.eml` files when `smtp` is absent. Default `outbox/`.
    pub outbox: Option<PathBuf>,
    /// SMTP server for email actions.
    pub smtp: Option<SmtpConfig>,
    /// Named lists (`lists.NAME` in conditions): list name → file, one value per line.
    #[serde(default)]
    pub lists: BTreeMap<String, PathBuf>,
    /// Rate and size limits.
    pub limits: Option<LimitsConfig>,
    /// How far back each cursor query overlaps the previous one. Default 5m.
    pub cursor_overlap: Option<String>,
    /// Tell people when a playbook keeps failing.
    pub on_failure: Option<OnFailureConfig>,
    /// Address for /healthz, /readyz and /metrics, such as `127.0.0.1:9464`. Absent: off.
    pub listen: Option<String>,
    /// A JSON file of more advanced-hunting tables and columns (custom or newer tables), in the
    /// format `graphsoar schema --kql` prints, added to the bundled schema the KQL checker uses.
    pub hunting_schema: Option<PathBuf>,
    /// The Defender for Endpoint API for response actions. Default by `cloud`, or `graph_url`
    /// when that is loopback (the emulator serves both).
    pub defender_url: Option<String>,
    /// Devices and accounts response actions never contain.
    pub protected: Option<ProtectedConfig>,
    /// Approve and deny links in approval requests, served on `listen`.
    pub approvals: Option<ApprovalsConfig>,
}

/// `approvals`: each emailed recipient gets their own signed approve and deny links.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalsConfig {
    /// The URL people reach the engine's `listen` address by (https, or http to loopback),
    /// such as `https://soar.example.com`.
    pub public_url: String,
    /// A file holding the key links are signed with: at least 32 random bytes (for example
    /// `head -c 32 /dev/urandom > key`). Changing it invalidates every link sent.
    pub signing_key_file: PathBuf,
}

/// Approval links, ready to sign.
#[derive(Clone, PartialEq, Eq)]
pub struct ApprovalLinks {
    pub public_url: Url,
    /// The signing key (never shown).
    pub key: Vec<u8>,
}

impl std::fmt::Debug for ApprovalLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApprovalLinks")
            .field("public_url", &self.public_url.as_str())
            .field("key", &"<redacted>")
            .finish()
    }
}

/// What response actions never touch: a planned action on one is recorded as refused.
#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ProtectedConfig {
    /// Device ids or computer names (case-insensitive; a name matches its FQDN's first label too).
    #[serde(default)]
    pub devices: Vec<String>,
    /// Account ids, user principal names or SAM names (case-insensitive).
    #[serde(default)]
    pub accounts: Vec<String>,
}

/// National clouds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    #[default]
    Global,
    Usgov,
    Usgovdod,
}

impl Cloud {
    /// Graph and login endpoints (graph-security-api.md: US Gov L4 and DoD share the US login host).
    pub fn endpoints(self) -> (&'static str, &'static str) {
        match self {
            Cloud::Global => ("https://graph.microsoft.com", "https://login.microsoftonline.com"),
            Cloud::Usgov => ("https://graph.microsoft.us", "https://login.microsoftonline.us"),
            Cloud::Usgovdod => ("https://dod-graph.microsoft.us", "https://login.microsoftonline.us"),
        }
    }

    /// The Defender for Endpoint API host and the resource its tokens are for
    /// (response-actions-api.md §1.1, §1.2). GCC High and DoD share `api-gov`; their token
    /// resource is not documented (§11 question 1), so graphsoar asks for the host's own, as
    /// the Government page's host table implies; this is unverified.
    pub fn defender(self) -> (&'static str, &'static str) {
        match self {
            Cloud::Global => (
                "https://api.security.microsoft.com",
                crate::graph::models::defender::DEFENDER_RESOURCE,
            ),
            Cloud::Usgov | Cloud::Usgovdod => (
                "https://api-gov.securitycenter.microsoft.us",
                "https://api-gov.securitycenter.microsoft.us",
            ),
        }
    }
}

/// Graph API versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, Default)]
pub enum ApiVersion {
    #[default]
    #[serde(rename = "v1.0")]
    V1,
    #[serde(rename = "beta")]
    Beta,
}

impl ApiVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1.0",
            ApiVersion::Beta => "beta",
        }
    }
}

/// SMTP settings.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Server host name.
    pub host: String,
    /// Port. Default: 587 for starttls, 465 for tls, 25 for none.
    pub port: Option<u16>,
    /// `starttls` (default), `tls` (implicit) or `none` (loopback only).
    pub tls: Option<SmtpTls>,
    /// User name for AUTH.
    pub username: Option<String>,
    /// File holding the password (else GRAPHSOAR_SMTP_PASSWORD).
    pub password_file: Option<PathBuf>,
    /// Default sender address.
    pub from: String,
}

/// SMTP transport security.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    #[default]
    Starttls,
    Tls,
    None,
}

/// The most `$batch` calls a run keeps in flight (`limits.batches_in_flight`).
pub const MAX_BATCHES_IN_FLIGHT: u32 = 20;

/// Limits; 0 means unlimited where noted (loopback only).
#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Playbook runs at once. Default 4.
    pub concurrency: Option<u32>,
    /// Hunting calls per minute for the tenant. Default 40.
    pub hunting_per_minute: Option<u32>,
    /// Writes per minute ($batch sub-requests count one each). Default 120; 0 = unlimited (loopback only).
    pub writes_per_minute: Option<u32>,
    /// Default for a playbook's `max_actions_per_run`. Default 100.
    pub max_actions_per_run: Option<u32>,
    /// Attempts per action before it is abandoned, across runs. Default 5.
    pub max_attempts: Option<u32>,
    /// Attempts per HTTP request within a run (Graph calls and webhooks), the first included. Default 6.
    pub request_attempts: Option<u32>,
    /// `$batch` calls in flight at once for a run's bulk writes and reads. Default 4, at most 20.
    pub batches_in_flight: Option<u32>,
    /// Timeout of one Graph request. Default 30s.
    pub request_timeout: Option<String>,
    /// Timeout of one hunting query. Default 190s (the service stops at 3 minutes).
    pub hunting_timeout: Option<String>,
    /// Default for a response action's `max_per_run` (devices contained, indicators submitted,
    /// ... by one action of one run). Default 5.
    pub max_response_actions_per_run: Option<u32>,
}

/// Failure notifications.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnFailureConfig {
    /// Consecutive failed runs before people are told. Default 3.
    pub after_runs: Option<u32>,
    /// Addresses to email.
    #[serde(default)]
    pub email: Vec<String>,
    /// A webhook URL to post to (https, or http to loopback).
    pub webhook: Option<String>,
}

/// Where graphsoar talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tenant {
    /// The embedded local tenant: the emulator in-process on a loopback port.
    Local,
    /// A real (or separately running) tenant.
    Remote(Box<RemoteTenant>),
}

/// A configured tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTenant {
    pub tenant_id: String,
    pub client_id: String,
    pub credential: Credential,
    pub graph_url: Url,
    pub login_url: Url,
    /// The Defender for Endpoint API and its token resource.
    pub defender_url: Url,
    pub defender_resource: String,
}

/// How the client proves who it is. Holds where the secret is, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// GRAPHSOAR_CLIENT_SECRET.
    SecretEnv,
    SecretFile(PathBuf),
    Certificate(PathBuf),
}

/// Runtime limits with defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub concurrency: u32,
    pub hunting_per_minute: u32,
    pub writes_per_minute: u32,
    pub max_actions_per_run: u32,
    /// Per response action of a playbook, per run.
    pub max_response_actions_per_run: u32,
    /// Per action, across runs (DESIGN's `max_attempts`).
    pub max_attempts: u32,
    /// Per HTTP request, within a run.
    pub request_attempts: u32,
    /// `$batch` calls in flight at once.
    pub batches_in_flight: u32,
    pub request_timeout: Duration,
    pub hunting_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            concurrency: 4,
            hunting_per_minute: 40,
            writes_per_minute: 120,
            max_actions_per_run: 100,
            max_response_actions_per_run: 5,
            max_attempts: 5,
            request_attempts: crate::http::DEFAULT_REQUEST_ATTEMPTS,
            batches_in_flight: crate::graph::DEFAULT_BATCHES_IN_FLIGHT,
            request_timeout: Duration::from_secs(30),
            hunting_timeout: Duration::from_secs(190),
        }
    }
}

/// Runtime SMTP settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password_file: Option<PathBuf>,
    pub from: String,
}

/// Runtime failure notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnFailure {
    pub after_runs: u32,
    pub email: Vec<String>,
    pub webhook: Option<Url>,
}

/// Settings, validated, with defaults applied and paths resolved against the settings file's folder.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The file they came from; None for the embedded defaults.
    pub origin: Option<PathBuf>,
    pub tenant: Tenant,
    pub api_version: ApiVersion,
    pub playbooks: PathBuf,
    pub state: PathBuf,
    pub outbox: PathBuf,
    pub smtp: Option<Smtp>,
    /// List name → values (shared with every compiled playbook).
    pub lists: Arc<Lists>,
    /// List name → the file it was read from (the settings' `lists`; the embedded lists have
    /// none): what a hot reload reads again.
    pub list_files: BTreeMap<String, PathBuf>,
    pub limits: Limits,
    pub cursor_overlap: Duration,
    pub on_failure: Option<OnFailure>,
    pub listen: Option<SocketAddr>,
    /// The advanced-hunting schema queries are checked against: the bundled one, plus the
    /// settings' `hunting_schema` file.
    pub hunting_schema: Arc<kql::Schema>,
    /// What response actions never touch.
    pub protected: Protected,
    /// Signed approve/deny links, when configured.
    pub approvals: Option<ApprovalLinks>,
}

/// The settings' `protected` lists, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Protected {
    pub devices: Vec<String>,
    pub accounts: Vec<String>,
}

impl Protected {
    /// Whether a device known by any of `names` (its id, its computer name) is protected: exact,
    /// case-insensitive, and a protected short name matches the FQDN's first label.
    pub fn device(&self, names: &[&str]) -> Option<String> {
        names.iter().filter(|n| !n.is_empty()).find_map(|name| {
            let name = name.to_lowercase();
            let short = name.split('.').next().unwrap_or_default().to_owned();
            self.devices.iter().find(|p| **p == name || **p == short).cloned()
        })
    }

    /// Whether an account known by any of `names` is protected (case-insensitive).
    pub fn account(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|name| {
            let name = name.to_lowercase();
            self.accounts.iter().find(|p| **p == name).cloned()
        })
    }
}

impl Settings {
    /// The embedded defaults: the local tenant, `graphsoar-local.db`, `outbox/`, and the lists
    /// the shipped playbooks use.
    pub fn embedded() -> Settings {
        Settings {
            origin: None,
            tenant: Tenant::Local,
            api_version: ApiVersion::V1,
            playbooks: PathBuf::from("playbooks"),
            state: PathBuf::from("graphsoar-local.db"),
            outbox: PathBuf::from("outbox"),
            smtp: None,
            lists: Arc::new(lists::embedded()),
            list_files: BTreeMap::new(),
            limits: Limits::default(),
            cursor_overlap: Duration::from_mins(5),
            on_failure: None,
            listen: None,
            hunting_schema: kql::Schema::bundled(),
            protected: Protected::default(),
            approvals: None,
        }
    }

    /// The sender used when an email action names none.
    pub fn default_from(&self) -> &str {
        self.smtp.as_ref().map_or("graphsoar@localhost", |s| s.from.as_str())
    }

    /// Loads `--config FILE`, else `graphsoar.yaml` in the working directory, else the embedded
    /// defaults. Errors come back as diagnostics with positions.
    pub fn discover(config: Option<&Path>) -> Result<(Settings, Vec<Diagnostic>), Vec<Diagnostic>> {
        match config {
            Some(path) => Settings::load_file(path),
            None if Path::new(DEFAULT_FILE).is_file() => Settings::load_file(Path::new(DEFAULT_FILE)),
            None => Ok((Settings::embedded(), Vec::new())),
        }
    }

    /// Reads and validates a settings file. `Ok` carries warnings.
    pub fn load_file(path: &Path) -> Result<(Settings, Vec<Diagnostic>), Vec<Diagnostic>> {
        let bytes = std::fs::read(path).map_err(|e| {
            vec![Diagnostic::error(
                path,
                Pos::START,
                "",
                format!("cannot read settings file: {e}"),
            )]
        })?;
        let text = yaml::text_of(&bytes).map_err(|(pos, msg)| vec![Diagnostic::error(path, pos, "", msg)])?;
        Settings::parse_str(text, path)
    }

    /// Parses settings text; `origin` names the file in diagnostics and anchors relative paths.
    pub fn parse_str(text: &str, origin: &Path) -> Result<(Settings, Vec<Diagnostic>), Vec<Diagnostic>> {
        let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
            vec![Diagnostic::error(
                origin,
                yaml::error_pos(&e).unwrap_or(Pos::START),
                "",
                yaml::error_message(&e),
            )]
        })?;
        let index = PositionIndex::build(text);
        if let serde_yaml::Value::Mapping(map) = &value {
            for secret in ["client_secret", "password"] {
                let inline = map.contains_key(secret)
                    || (secret == "password"
                        && map
                            .get("smtp")
                            .and_then(|s| s.as_mapping())
                            .is_some_and(|s| s.contains_key(secret)));
                if inline {
                    let field = if secret == "password" { "smtp.password" } else { secret };
                    let (env, file) = if secret == "password" {
                        (SMTP_PASSWORD_ENV, "smtp.password_file")
                    } else {
                        (CLIENT_SECRET_ENV, "client_secret_file")
                    };
                    return Err(vec![Diagnostic::error(
                        origin,
                        index.key(field).unwrap_or(Pos::START),
                        field,
                        format!(
                            "secrets are never written in the settings file: set {env} in the environment, or name a file with `{file}`"
                        ),
                    )]);
                }
            }
        }
        let value = if value.is_null() {
            serde_yaml::Value::Mapping(Default::default())
        } else {
            value
        };
        let raw: SettingsConfig =
            yaml_de::from_value(value, "", false).map_err(|e| vec![e.diagnostic(origin, &index)])?;
        let mut check = Check {
            origin,
            index: &index,
            report: Reporter::new(origin, &index),
        };
        let settings = check.settings(raw);
        let (errors, warnings): (Vec<_>, Vec<_>) = check.report.finish().into_iter().partition(Diagnostic::is_error);
        if errors.is_empty() {
            Ok((settings, warnings))
        } else {
            Err(errors.into_iter().chain(warnings).collect())
        }
    }
}

/// True for `http://127.0.0.1`, `http://localhost`, `http://[::1]` and the like.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Parses an endpoint URL: https, or http only to loopback.
pub fn endpoint_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("`{text}` is not a URL ({e})"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(format!(
            "`{text}` uses http:// to a host that is not loopback: use https://"
        )),
        other => Err(format!("`{text}` has scheme `{other}`: use https://")),
    }
}

struct Check<'a> {
    origin: &'a Path,
    index: &'a PositionIndex,
    report: Reporter<'a>,
}

impl Check<'_> {
    /// The bundled schema, extended by the `hunting_schema` file when there is one.
    fn hunting_schema(&mut self, file: Option<&Path>) -> Arc<kql::Schema> {
        let Some(file) = file else {
            return kql::Schema::bundled();
        };
        let path = self.resolve(file);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                self.report
                    .error("hunting_schema", format!("cannot read {}: {e}", path.display()));
                return kql::Schema::bundled();
            }
        };
        let mut schema = kql::Schema::advanced_hunting().clone();
        match schema.extend_json(&text) {
            Ok(()) => Arc::new(schema),
            Err(errors) => {
                for e in errors {
                    self.report.error(
                        "hunting_schema",
                        format!(
                            "{}: {e} (the format is that of `graphsoar schema --kql`)",
                            path.display()
                        ),
                    );
                }
                kql::Schema::bundled()
            }
        }
    }

    fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            return p.to_path_buf();
        }
        self.origin.parent().unwrap_or(Path::new("")).join(p)
    }

    fn settings(&mut self, raw: SettingsConfig) -> Settings {
        let embedded = Settings::embedded();
        let tenant = self.tenant(&raw);
        let graph_is_loopback = match &tenant {
            Tenant::Local => true,
            Tenant::Remote(r) => is_loopback(&r.graph_url),
        };
        let limits = self.limits(raw.limits.unwrap_or_default(), graph_is_loopback);
        let smtp = raw.smtp.and_then(|s| self.smtp(s));
        let mut lists = BTreeMap::new();
        let mut list_files = BTreeMap::new();
        for (name, file) in &raw.lists {
            let field = yaml::field("lists", name);
            if !is_list_name(name) {
                self.report.error(&field, format!("list name `{name}` must be letters, digits and `_`, starting with a letter, so conditions can write `lists.{name}`"));
            }
            let path = self.resolve(file);
            match lists::read_list(&path) {
                Ok(values) => {
                    lists.insert(name.clone(), values);
                }
                Err(message) => self.report.error(&field, message),
            }
            list_files.insert(name.clone(), path);
        }
        // Lists the shipped playbooks rely on stay defined unless the file replaces them.
        for (name, values) in Arc::unwrap_or_clone(embedded.lists) {
            lists.entry(name).or_insert(values);
        }
        let lists = Arc::new(lists);
        let on_failure = raw.on_failure.map(|o| {
            if o.after_runs == Some(0) {
                self.report
                    .error("on_failure.after_runs", "after_runs must be 1 or more");
            }
            if o.email.is_empty() && o.webhook.is_none() {
                self.report.error(
                    "on_failure",
                    "on_failure needs `email` addresses or a `webhook` to tell",
                );
            }
            for (i, addr) in o.email.iter().enumerate() {
                if addr.parse::<lettre::Address>().is_err() {
                    self.report.error(
                        &yaml::item("on_failure.email", i),
                        format!("`{addr}` is not an email address"),
                    );
                }
            }
            let webhook = o.webhook.as_deref().and_then(|u| match endpoint_url(u) {
                Ok(url) => Some(url),
                Err(e) => {
                    self.report.error("on_failure.webhook", e);
                    None
                }
            });
            OnFailure {
                after_runs: o.after_runs.unwrap_or(3).max(1),
                email: o.email,
                webhook,
            }
        });
        let listen = raw.listen.as_deref().and_then(|l| match l.parse::<SocketAddr>() {
            Ok(a) => Some(a),
            Err(_) => {
                self.report.error(
                    "listen",
                    format!("`{l}` is not an address: write it as `127.0.0.1:9464`"),
                );
                None
            }
        });
        let cursor_overlap =
            self.report
                .duration("cursor_overlap", raw.cursor_overlap.as_deref(), embedded.cursor_overlap);
        if cursor_overlap > Duration::from_hours(1) {
            self.report.warn(
                "cursor_overlap",
                "an overlap above 1h re-reads many items each run; 5m is usually enough",
            );
        }
        let hunting_schema = self.hunting_schema(raw.hunting_schema.as_deref());
        let protected = self.protected(raw.protected.clone().unwrap_or_default());
        let approvals = raw
            .approvals
            .as_ref()
            .and_then(|a| self.approval_links(a, listen.is_some()));
        let local = tenant == Tenant::Local;
        Settings {
            origin: Some(self.origin.to_path_buf()),
            tenant,
            api_version: raw.api_version.unwrap_or_default(),
            playbooks: raw
                .playbooks
                .map_or_else(|| self.resolve(Path::new("playbooks")), |p| self.resolve(&p)),
            state: raw.state.map_or_else(
                || self.resolve(Path::new(if local { "graphsoar-local.db" } else { "graphsoar.db" })),
                |p| self.resolve(&p),
            ),
            outbox: raw
                .outbox
                .map_or_else(|| self.resolve(Path::new("outbox")), |p| self.resolve(&p)),
            smtp,
            lists,
            list_files,
            limits,
            cursor_overlap,
            on_failure,
            listen,
            hunting_schema,
            protected,
            approvals,
        }
    }

    fn tenant(&mut self, raw: &SettingsConfig) -> Tenant {
        let Some(tenant_id) = raw.tenant_id.clone() else {
            for key in [
                "client_id",
                "client_certificate",
                "client_secret_file",
                "cloud",
                "graph_url",
                "login_url",
                "defender_url",
            ] {
                if self.index.key(key).is_some() {
                    self.report.error(key, format!("`{key}` needs `tenant_id` (without it graphsoar uses the embedded local tenant; a separately running emulator is tenant_id `local`, client_id `graphsoar-local`)"));
                }
            }
            return Tenant::Local;
        };
        if tenant_id.trim().is_empty() {
            self.report.error(
                "tenant_id",
                "tenant_id is empty: give the directory (tenant) id, a GUID",
            );
        }
        let client_id = raw.client_id.clone().unwrap_or_else(|| {
            self.report.error(
                "tenant_id",
                "a tenant needs `client_id`: the application (client) id of the app registration",
            );
            String::new()
        });
        let credential = match (&raw.client_certificate, &raw.client_secret_file) {
            // DESIGN's settings example names both; the certificate is the stronger credential.
            (Some(cert), Some(_)) => {
                self.report.warn(
                    "client_secret_file",
                    "both `client_certificate` and `client_secret_file` are set: the certificate is used and the \
                     secret file ignored; remove one",
                );
                Credential::Certificate(self.resolve(cert))
            }
            (Some(cert), None) => Credential::Certificate(self.resolve(cert)),
            (None, Some(file)) => Credential::SecretFile(self.resolve(file)),
            (None, None) => Credential::SecretEnv,
        };
        let (graph_default, login_default) = raw.cloud.unwrap_or_default().endpoints();
        let mut url = |field: &str, text: Option<&str>, default: &str| {
            endpoint_url(text.unwrap_or(default)).unwrap_or_else(|e| {
                self.report.error(field, e);
                Url::parse(default).expect("built-in endpoints are valid URLs")
            })
        };
        let graph_url = url("graph_url", raw.graph_url.as_deref(), graph_default);
        let login_url = url("login_url", raw.login_url.as_deref(), login_default);
        let (defender_default, defender_resource) = raw.cloud.unwrap_or_default().defender();
        let defender_url = match raw.defender_url.as_deref() {
            Some(text) => url("defender_url", Some(text), defender_default),
            None if is_loopback(&graph_url) => graph_url.clone(),
            None => url("defender_url", None, defender_default),
        };
        Tenant::Remote(Box::new(RemoteTenant {
            tenant_id,
            client_id,
            credential,
            graph_url,
            login_url,
            defender_url,
            defender_resource: defender_resource.to_owned(),
        }))
    }

    /// The smallest signing key accepted: 256 bits.
    const MIN_KEY_BYTES: usize = 32;

    fn approval_links(&mut self, raw: &ApprovalsConfig, listen: bool) -> Option<ApprovalLinks> {
        if !listen {
            self.report.error(
                "approvals",
                "approval links are served on `listen`: set `listen` (such as `127.0.0.1:9464`) and make `public_url` reach it",
            );
        }
        let public_url = endpoint_url(&raw.public_url)
            .map_err(|e| self.report.error("approvals.public_url", e))
            .ok();
        let path = self.resolve(&raw.signing_key_file);
        let key = match std::fs::read(&path) {
            Ok(bytes) => {
                let key: Vec<u8> = bytes.trim_ascii().to_vec();
                if key.len() < Self::MIN_KEY_BYTES {
                    self.report.error(
                        "approvals.signing_key_file",
                        format!(
                            "{} holds {} bytes; a signing key needs at least {}: `head -c 32 /dev/urandom > {}`",
                            path.display(),
                            key.len(),
                            Self::MIN_KEY_BYTES,
                            path.display()
                        ),
                    );
                    None
                } else {
                    Some(key)
                }
            }
            Err(e) => {
                self.report.error(
                    "approvals.signing_key_file",
                    format!("cannot read {}: {e}", path.display()),
                );
                None
            }
        };
        Some(ApprovalLinks {
            public_url: public_url?,
            key: key?,
        })
    }

    fn protected(&mut self, raw: ProtectedConfig) -> Protected {
        let mut clean = |field: &str, values: Vec<String>| -> Vec<String> {
            values
                .into_iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    let v = v.trim().to_lowercase();
                    if v.is_empty() {
                        self.report.error(
                            &format!("{field}[{i}]"),
                            "is empty: give a name or an id, or remove the entry",
                        );
                    }
                    (!v.is_empty()).then_some(v)
                })
                .collect()
        };
        Protected {
            devices: clean("protected.devices", raw.devices),
            accounts: clean("protected.accounts", raw.accounts),
        }
    }

    fn limits(&mut self, raw: LimitsConfig, loopback: bool) -> Limits {
        let d = Limits::default();
        for (field, value) in [
            ("limits.concurrency", raw.concurrency),
            ("limits.max_attempts", raw.max_attempts),
            ("limits.request_attempts", raw.request_attempts),
            ("limits.max_actions_per_run", raw.max_actions_per_run),
            ("limits.max_response_actions_per_run", raw.max_response_actions_per_run),
            ("limits.batches_in_flight", raw.batches_in_flight),
        ] {
            if value == Some(0) {
                self.report.error(field, "must be 1 or more");
            }
        }
        if raw.batches_in_flight.is_some_and(|n| n > MAX_BATCHES_IN_FLIGHT) {
            self.report.error(
                "limits.batches_in_flight",
                format!("must be at most {MAX_BATCHES_IN_FLIGHT} (each call carries up to 20 requests)"),
            );
        }
        for (field, value) in [
            ("limits.hunting_per_minute", raw.hunting_per_minute),
            ("limits.writes_per_minute", raw.writes_per_minute),
        ] {
            if value == Some(0) && !loopback {
                self.report.error(field, "0 (unlimited) is allowed only against a loopback Graph (the emulator); a real tenant throttles: keep a limit");
            }
        }
        Limits {
            concurrency: raw.concurrency.unwrap_or(d.concurrency).max(1),
            hunting_per_minute: raw.hunting_per_minute.unwrap_or(d.hunting_per_minute),
            writes_per_minute: raw.writes_per_minute.unwrap_or(d.writes_per_minute),
            max_actions_per_run: raw.max_actions_per_run.unwrap_or(d.max_actions_per_run).max(1),
            max_response_actions_per_run: raw
                .max_response_actions_per_run
                .unwrap_or(d.max_response_actions_per_run)
                .max(1),
            max_attempts: raw.max_attempts.unwrap_or(d.max_attempts).max(1),
            request_attempts: raw.request_attempts.unwrap_or(d.request_attempts).max(1),
            batches_in_flight: raw
                .batches_in_flight
                .unwrap_or(d.batches_in_flight)
                .clamp(1, MAX_BATCHES_IN_FLIGHT),
            request_timeout: self.report.duration(
                "limits.request_timeout",
                raw.request_timeout.as_deref(),
                d.request_timeout,
            ),
            hunting_timeout: self.report.duration(
                "limits.hunting_timeout",
                raw.hunting_timeout.as_deref(),
                d.hunting_timeout,
            ),
        }
    }

    fn smtp(&mut self, raw: SmtpConfig) -> Option<Smtp> {
        let tls = raw.tls.unwrap_or_default();
        if tls == SmtpTls::None && !is_loopback_host(&raw.host) {
            self.report.error("smtp.tls", format!("`tls: none` sends mail and passwords in clear: allowed only to a loopback host, not `{}`; use starttls or tls", raw.host));
        }
        if raw.from.parse::<lettre::message::Mailbox>().is_err() {
            self.report
                .error("smtp.from", format!("`{}` is not an email address", raw.from));
        }
        if raw.username.is_none() && raw.password_file.is_some() {
            self.report
                .error("smtp.password_file", "a password needs `smtp.username`");
        }
        let port = raw.port.unwrap_or(match tls {
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        });
        Some(Smtp {
            host: raw.host,
            port,
            tls,
            username: raw.username,
            password_file: raw.password_file.map(|p| self.resolve(&p)),
            from: raw.from,
        })
    }
}

fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// List names are identifiers so conditions can write `lists.name`.
pub fn is_list_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests;
