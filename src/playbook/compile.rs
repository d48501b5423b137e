//! The compile step: [`PlaybookConfig`] → [`Playbook`], checking every rule of DESIGN.md's
//! Semantics and reporting each problem at its exact line and column.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use croner::parser::{CronParser, Seconds, Year};

use super::schema::{
    ActionConfig, EmailConfig, ExpectConfig, Group, HeaderValueConfig, HuntingTriggerConfig, ListTriggerConfig,
    LogConfig, PlaybookConfig, TestConfig, TriggerConfig, UpdateConfig, WebhookConfig, WebhookFormat,
};
use super::{
    Action, BodyTemplate, Dedup, Email, HeaderValue, HuntingTrigger, ListTrigger, Log, Playbook, PlaybookTest,
    Schedule, TagChange, TestItems, Trigger, Update, Webhook, WebhookTarget,
};
use crate::config::{self, Settings};
use crate::diag::{Diagnostic, Pos, Reporter};
use crate::duration::Duration;
use crate::graph::enums;
use crate::graph::models::enums::{AlertClassification, AlertDetermination};
use crate::kql;
use crate::odata::{self, Resource};
use crate::script::{self, ItemKind};
use crate::suggest::did_you_mean;
use crate::template::{self, Template, TemplateKind};
use crate::yaml::{self, PositionIndex};

/// Longest look-back Graph and advanced hunting keep (30 days of data).
const MAX_LOOKBACK: Duration = Duration::from_days(30);

/// Names every template and condition may use besides the item.
const COMMON_NAMES: &[&str] = &["playbook", "lists", "now", "run"];

/// Compiles one playbook, collecting diagnostics.
pub struct Compiler<'a> {
    origin: &'a Path,
    root: &'a Path,
    index: &'a PositionIndex,
    settings: &'a Settings,
    text: &'a str,
    report: Reporter<'a>,
}

impl<'a> Compiler<'a> {
    pub fn new(
        origin: &'a Path,
        root: &'a Path,
        index: &'a PositionIndex,
        settings: &'a Settings,
        text: &'a str,
    ) -> Self {
        Compiler {
            origin,
            root,
            index,
            settings,
            text,
            report: Reporter::new(origin, index),
        }
    }

    pub fn finish(self) -> Vec<Diagnostic> {
        self.report.finish()
    }

    /// The duration at `field`, or `default` when it is absent or invalid; a playbook's
    /// durations are longer than 0s and at most `max`.
    fn duration(&mut self, field: &str, text: Option<&str>, default: Duration, max: Option<Duration>) -> Duration {
        let Some(text) = text else { return default };
        let Some(d) = self.report.parse_duration(field, text) else {
            return default;
        };
        if let Some(max) = max.filter(|m| d > *m) {
            self.report.error(
                field,
                format!("{text} is longer than the {max} Graph keeps; use at most 30d"),
            );
            default
        } else if d == Duration::default() {
            self.report.error(field, "must be longer than 0s");
            default
        } else {
            d
        }
    }

    /// Compiles the whole playbook. Returns None only when a part could not be built at all.
    pub fn compile(&mut self, raw: PlaybookConfig) -> Option<Playbook> {
        self.check_name(&raw.name);
        let schedule = self.schedule(&raw.schedule);
        let timezone = self.timezone(raw.timezone.as_deref());
        let group = raw.group.unwrap_or_default();
        let trigger = self.trigger(&raw.trigger);
        if let Trigger::Hunting(h) = &trigger {
            self.hunting_query_check(h, schedule.as_ref(), timezone);
        }
        let kind = trigger.item_kind();
        let condition = raw
            .condition
            .as_deref()
            .and_then(|c| self.condition(c, kind, &raw.tests));
        let dedup = self.dedup(&raw, kind, &trigger);
        if raw.max_actions_per_run == Some(0) {
            self.report.error(
                "max_actions_per_run",
                "must be 1 or more (to stop a playbook, set `enabled: false`)",
            );
        }
        if raw.actions.is_empty() {
            self.report.error(
                "actions",
                "a playbook needs at least one action; use `log` to only record matches",
            );
        }
        let actions: Vec<Option<Action>> = raw
            .actions
            .iter()
            .enumerate()
            .map(|(i, a)| self.action(a, i, &trigger, group))
            .collect();
        let tests: Vec<Option<PlaybookTest>> = raw
            .tests
            .iter()
            .enumerate()
            .map(|(i, t)| self.test(t, i, kind))
            .collect();
        let mut names = BTreeSet::new();
        for (i, t) in raw.tests.iter().enumerate() {
            if !names.insert(t.name.as_str()) {
                self.report.error(
                    &format!("tests[{i}].name"),
                    format!("another test is also named `{}`: give each test its own name", t.name),
                );
            }
        }
        Some(Playbook {
            name: raw.name,
            description: raw.description.unwrap_or_default(),
            enabled: raw.enabled.unwrap_or(true),
            mode: raw.mode.unwrap_or_default(),
            schedule: schedule?,
            timezone,
            trigger,
            condition,
            dedup,
            group,
            max_actions_per_run: raw
                .max_actions_per_run
                .unwrap_or(self.settings.limits.max_actions_per_run),
            actions: actions.into_iter().collect::<Option<Vec<_>>>()?,
            tests: tests.into_iter().collect::<Option<Vec<_>>>()?,
            source: self.origin.to_path_buf(),
            source_hash: super::stable_hash(self.text.as_bytes()),
        })
    }

    fn check_name(&mut self, name: &str) {
        let valid = !name.is_empty()
            && name.len() <= 100
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid {
            let suggestion: String = name
                .to_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect::<String>()
                .split('-')
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("-");
            let hint = if suggestion.is_empty() {
                String::new()
            } else {
                format!(", such as `{suggestion}`")
            };
            self.report.error(
                "name",
                format!("name must be 1 to 100 characters of a-z, 0-9 and `-`{hint}"),
            );
        }
    }

    fn schedule(&mut self, text: &str) -> Option<Schedule> {
        let parser = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build();
        let fields = text.split_whitespace().count();
        let message = if !text.trim_start().starts_with('@') && fields != 5 {
            format!(
                "`{text}` has {fields} fields; a schedule is standard 5-field cron (minute hour day-of-month month day-of-week), such as `*/5 * * * *`, or @hourly, @daily, @weekly"
            )
        } else {
            match parser.parse(text) {
                Ok(cron) => {
                    return Some(Schedule {
                        text: text.to_string(),
                        cron,
                    });
                }
                Err(e) => format!(
                    "`{text}` is not a valid cron schedule ({e}); write 5 fields: minute (0-59) hour (0-23) day-of-month (1-31) month (1-12) day-of-week (0-7, 0 and 7 = Sunday)"
                ),
            }
        };
        self.report.error("schedule", message);
        None
    }

    fn timezone(&mut self, text: Option<&str>) -> chrono_tz::Tz {
        let Some(text) = text else { return chrono_tz::UTC };
        chrono_tz::Tz::from_str(text).unwrap_or_else(|_| {
            let hint = did_you_mean(text, chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()));
            self.report.error(
                "timezone",
                format!("unknown time zone `{text}`{hint}: use an IANA name such as `Europe/Amsterdam` or `UTC`"),
            );
            chrono_tz::UTC
        })
    }

    fn trigger(&mut self, raw: &TriggerConfig) -> Trigger {
        match raw {
            TriggerConfig::Alerts(t) => Trigger::Alerts(self.list_trigger(t, Resource::Alerts, "trigger.alerts")),
            TriggerConfig::Incidents(t) => {
                Trigger::Incidents(self.list_trigger(t, Resource::Incidents, "trigger.incidents"))
            }
            TriggerConfig::Hunting(t) => Trigger::Hunting(self.hunting(t)),
        }
    }

    fn list_trigger(&mut self, raw: &ListTriggerConfig, resource: Resource, path: &str) -> ListTrigger {
        let filter = raw
            .filter
            .as_deref()
            .and_then(|f| self.filter(f, resource, &yaml::field(path, "filter")));
        let since = self.duration(
            &yaml::field(path, "since"),
            raw.since.as_deref(),
            Duration::from_hours(1),
            Some(MAX_LOOKBACK),
        );
        if resource == Resource::Alerts && raw.expand_alerts.is_some() {
            self.report.error(
                &yaml::field(path, "expand_alerts"),
                "`expand_alerts` is for `incidents` triggers; an alert is already itself",
            );
        }
        ListTrigger {
            filter,
            since,
            expand_alerts: raw.expand_alerts.unwrap_or(false),
        }
    }

    fn filter(&mut self, text: &str, resource: Resource, field: &str) -> Option<odata::Expr> {
        let mut ok = true;
        for finding in odata::validate(text, resource) {
            let (line, column) = line_col(text, finding.offset);
            let pos = self.index.inside(field, line, column);
            match finding.severity {
                odata::Severity::Error => {
                    ok = false;
                    self.report.error_at(pos, field, finding.message);
                }
                odata::Severity::Warning => self.report.warn_at(pos, field, finding.message),
            }
        }
        if !ok {
            return None;
        }
        odata::parse(text).ok()
    }

    fn hunting(&mut self, raw: &HuntingTriggerConfig) -> HuntingTrigger {
        let path = "trigger.hunting";
        if raw.query.trim().is_empty() {
            self.report
                .error("trigger.hunting.query", "the query is empty: write the KQL to run");
        }
        let lag = self.duration(
            &yaml::field(path, "lag"),
            raw.lag.as_deref(),
            Duration::from_mins(5),
            Some(Duration::from_days(1)),
        );
        let timespan = raw.timespan.as_deref().map(|t| {
            self.duration(
                &yaml::field(path, "timespan"),
                Some(t),
                Duration::from_days(1),
                Some(MAX_LOOKBACK),
            )
        });
        HuntingTrigger {
            query: raw.query.clone(),
            lag,
            timespan,
        }
    }

    /// Checks the query with the KQL checker, every diagnostic at its place inside the YAML,
    /// with the window a run asks for: `timespan`, or else the longest time between runs plus
    /// the lag (a narrower time filter of the query's own never sees part of it).
    fn hunting_query_check(&mut self, h: &HuntingTrigger, schedule: Option<&Schedule>, tz: chrono_tz::Tz) {
        const FIELD: &str = "trigger.hunting.query";
        if h.query.trim().is_empty() {
            return;
        }
        let options = match (h.timespan, schedule) {
            (Some(timespan), _) => kql::CheckOptions {
                window: Some(timespan),
                window_name: Some(format!("`timespan` ({timespan})")),
            },
            (None, Some(schedule)) => {
                // The longest gap over many fires, so the answer does not depend on the day
                // `validate` runs.
                let interval = Duration::from_secs(schedule.longest_gap(tz, Utc::now(), 64).as_secs());
                let window = Duration::from_secs(interval.as_secs() + h.lag.as_secs());
                kql::CheckOptions {
                    window: Some(window),
                    window_name: Some(format!(
                        "the window each run asks for (up to {interval} between runs plus the {} lag)",
                        h.lag
                    )),
                }
            }
            (None, None) => kql::CheckOptions::default(),
        };
        for d in kql::check_with(&h.query, &self.settings.hunting_schema, &options) {
            let (line, column) = d.line_col(&h.query);
            let pos = self.index.inside(FIELD, line, column);
            match d.severity {
                kql::Severity::Error => self.report.error_at(pos, FIELD, d.message),
                kql::Severity::Warning => self.report.warn_at(pos, FIELD, d.message),
            }
        }
    }

    fn condition(&mut self, source: &str, kind: ItemKind, tests: &[TestConfig]) -> Option<script::Condition> {
        match script::compile_condition(source, kind) {
            Ok(condition) => {
                for (name, line, column) in script::list_references(&condition) {
                    let known = self.settings.lists.contains_key(&name)
                        || tests.iter().any(|t| t.input.lists.contains_key(&name));
                    if !self.settings.lists.contains_key(&name) {
                        let hint = did_you_mean(&name, self.settings.lists.keys().map(String::as_str));
                        let pos = self.index.inside("condition", line, column);
                        let message = format!(
                            "unknown list `{name}`{hint}: define it in the settings (`lists: {{ {name}: path/to/{name}.txt }}`)"
                        );
                        if known {
                            // Only tests define it: the tests pass, but a real run would see no list.
                            self.report.warn_at(pos, "condition", message);
                        } else {
                            self.report.error_at(pos, "condition", message);
                        }
                    }
                }
                Some(condition)
            }
            Err(e) => {
                let (line, column) = clamp_to_text(source, e.line, e.column);
                let pos = self.index.inside("condition", line, column);
                self.report.error_at(pos, "condition", e.message);
                None
            }
        }
    }

    /// Compiles a template at `field` and checks the names it uses.
    fn template(&mut self, field: &str, source: &str, kind: TemplateKind, names: &[&str]) -> Option<Template> {
        match template::compile(source, kind) {
            Ok(t) => {
                self.check_names(field, &t, names);
                Some(t)
            }
            Err(e) => {
                let pos = self.index.inside(field, e.line, e.column.unwrap_or(1));
                self.report
                    .error_at(pos, field, format!("template error: {}", e.message));
                None
            }
        }
    }

    fn check_names(&mut self, field: &str, t: &Template, names: &[&str]) {
        for used in t.top_level_names() {
            if names.contains(&used.as_str()) || COMMON_NAMES.contains(&used.as_str()) {
                continue;
            }
            let all: Vec<&str> = names.iter().chain(COMMON_NAMES).copied().collect();
            let hint = did_you_mean(&used, all.iter().copied());
            self.report.error(
                field,
                format!(
                    "`{used}` is not defined here{hint}; templates here can use {}",
                    all.join(", ")
                ),
            );
        }
    }

    fn dedup(&mut self, raw: &PlaybookConfig, kind: ItemKind, trigger: &Trigger) -> Dedup {
        let cfg = raw.dedup.clone().unwrap_or(super::schema::DedupConfig {
            key: None,
            window: None,
        });
        let key = cfg
            .key
            .as_deref()
            .and_then(|k| self.template("dedup.key", k, TemplateKind::Text, &[kind.var_name()]));
        if key.is_none() && cfg.key.is_none() && matches!(trigger, Trigger::Hunting(_)) {
            let field = if raw.dedup.is_some() {
                "dedup"
            } else {
                "trigger.hunting"
            };
            self.report.warn(field, "hunting rows are deduplicated by a hash of the whole row, so a changed column repeats the action: give an explicit key such as `dedup: { key: \"{{ row.DeviceId }}:{{ row.ReportId }}\" }`");
        }
        let window = cfg
            .window
            .as_deref()
            .map(|w| self.duration("dedup.window", Some(w), Duration::from_days(30), None));
        Dedup { key, window }
    }

    fn action(&mut self, raw: &ActionConfig, i: usize, trigger: &Trigger, group: Group) -> Option<Action> {
        let kind = trigger.item_kind();
        let item_names: Vec<&str> = match group {
            Group::PerItem => vec![kind.var_name()],
            Group::All => vec!["items"],
        };
        match raw {
            ActionConfig::UpdateAlert(u) => {
                let path = format!("actions[{i}].update_alert");
                self.update(u, &path, false, trigger, group, &item_names)
                    .map(|u| Action::UpdateAlert(typed(u)))
            }
            ActionConfig::UpdateIncident(u) => {
                let path = format!("actions[{i}].update_incident");
                self.update(u, &path, true, trigger, group, &item_names)
                    .map(|u| Action::UpdateIncident(typed(u)))
            }
            ActionConfig::Email(e) => self
                .email(e, &format!("actions[{i}].email"), &item_names)
                .map(Action::Email),
            ActionConfig::Webhook(w) => self
                .webhook(w, &format!("actions[{i}].webhook"), &item_names)
                .map(Action::Webhook),
            ActionConfig::Log(l) => self.log(l, &format!("actions[{i}].log"), &item_names).map(Action::Log),
        }
    }

    /// Checks an enum value for `field` against `table`, refusing values no client may set.
    fn enum_value(
        &mut self,
        field: &str,
        value: &str,
        table: &'static [&'static str],
        what: &str,
        settable: bool,
    ) -> Option<&'static str> {
        let allowed: Vec<&'static str> = table
            .iter()
            .copied()
            .filter(|v| !settable || !enums::NOT_SETTABLE.contains(v))
            .collect();
        match enums::canonical(table, value) {
            Some(v) if settable && enums::NOT_SETTABLE.contains(&v) => {
                self.report.error(
                    field,
                    format!(
                        "`{v}` cannot be set by graphsoar (Graph sets it itself); use one of {}",
                        allowed.join(", ")
                    ),
                );
                None
            }
            Some(v) if v != value => {
                self.report
                    .warn(field, format!("write `{v}`: Graph's enum names are camelCase"));
                Some(v)
            }
            Some(v) => Some(v),
            None => {
                let hint = did_you_mean(value, allowed.iter().copied());
                self.report.error(
                    field,
                    format!("`{value}` is not a valid {what}{hint} (one of {})", allowed.join(", ")),
                );
                None
            }
        }
    }

    fn update(
        &mut self,
        raw: &UpdateConfig,
        path: &str,
        incident: bool,
        trigger: &Trigger,
        group: Group,
        names: &[&str],
    ) -> Option<Update<&'static str>> {
        let action = if incident { "update_incident" } else { "update_alert" };
        if group == Group::All {
            self.report.error(
                path,
                format!(
                    "`{action}` acts on one item, so it cannot run with `group: all` (a digest); use `group: per_item`"
                ),
            );
        }
        // `AlertInfo.AlertId` is expected to equal the alerts_v2 `id`; the reference marks that
        // unverified (§13), which is why a hunting update of an id Graph does not know fails
        // visibly (404, the row's later actions abandoned) rather than being skipped.
        match (trigger, &raw.id) {
            (Trigger::Hunting(_), None) => self.report.error(
                path,
                format!("with a hunting trigger `{action}` needs `id:` naming the {} from the row, such as `id: \"{{{{ row.{} }}}}\"`", if incident { "incident" } else { "alert" }, if incident { "IncidentId" } else { "AlertId" }),
            ),
            (Trigger::Hunting(_), Some(_)) => {}
            (_, Some(_)) => self.report.error(&yaml::field(path, "id"), format!("`id` is only for hunting triggers; with an {} trigger the item itself is updated", trigger.name())),
            (Trigger::Incidents(_), None) if !incident => self.report.error(
                path,
                "an `incidents` trigger has no single alert to update: use `update_incident`, or an `alerts` trigger",
            ),
            _ => {}
        }
        let (status_table, status_what) = if incident {
            (enums::INCIDENT_STATUS, "incident status")
        } else {
            (enums::ALERT_STATUS, "alert status")
        };
        let id = raw
            .id
            .as_deref()
            .and_then(|s| self.template(&yaml::field(path, "id"), s, TemplateKind::Header, names));
        let status = raw
            .status
            .as_deref()
            .and_then(|s| self.enum_value(&yaml::field(path, "status"), s, status_table, status_what, true));
        let classification = raw.classification.as_deref().and_then(|s| {
            self.enum_value(
                &yaml::field(path, "classification"),
                s,
                enums::ALERT_CLASSIFICATION,
                "classification",
                true,
            )
        });
        let determination = raw.determination.as_deref().and_then(|s| {
            self.enum_value(
                &yaml::field(path, "determination"),
                s,
                enums::ALERT_DETERMINATION,
                "determination",
                true,
            )
        });
        if let (Some(c), Some(d)) = (classification, determination)
            && let Some(expected) = classification_of(d)
            && expected != c
        {
            self.report.warn(
                &yaml::field(path, "determination"),
                format!("Defender files determination `{d}` under classification `{expected}`, not `{c}`"),
            );
        }
        let only_if_status = raw.only_if_status.as_ref().map(|list| {
            if list.is_empty() {
                self.report.error(
                    &yaml::field(path, "only_if_status"),
                    "an empty list would never act: remove the key, or list statuses",
                );
            }
            list.iter()
                .enumerate()
                .filter_map(|(j, s)| {
                    self.enum_value(
                        &format!("{path}.only_if_status[{j}]"),
                        s,
                        status_table,
                        status_what,
                        false,
                    )
                })
                .collect()
        });
        if let Some(a) = &raw.assigned_to
            && (a.contains(['\r', '\n']) || a.trim().is_empty())
        {
            self.report.error(
                &yaml::field(path, "assigned_to"),
                "assigned_to is a user principal name on one line, such as `soc-bot@contoso.com`",
            );
        }
        let tags = match (&raw.tags, incident) {
            (Some(_), false) => {
                self.report.error(&yaml::field(path, "tags"), "alerts have no writable tags in Graph; tag the incident instead with `update_incident: { tags: { add: [...] } }`");
                None
            }
            (Some(t), true) => self.tags(t, &yaml::field(path, "tags")),
            (None, _) => None,
        };
        let comment = raw
            .comment
            .as_deref()
            .and_then(|c| self.template(&yaml::field(path, "comment"), c, TemplateKind::Text, names));
        let changes = status.is_some()
            || classification.is_some()
            || determination.is_some()
            || raw.assigned_to.is_some()
            || tags.is_some();
        let named =
            raw.status.is_some() || raw.classification.is_some() || raw.determination.is_some() || raw.tags.is_some();
        if !changes && !named && comment.is_none() && raw.comment.is_none() {
            self.report.error(
                path,
                format!(
                    "`{action}` changes nothing: give status, classification, determination, assigned_to{}, or comment",
                    if incident { ", tags" } else { "" }
                ),
            );
        }
        Some(Update {
            id,
            status,
            classification: classification.map(AlertClassification::parse),
            determination: determination.map(AlertDetermination::parse),
            assigned_to: raw.assigned_to.clone(),
            comment,
            only_if_status,
            tags,
        })
    }

    fn tags(&mut self, raw: &super::schema::TagsConfig, path: &str) -> Option<TagChange> {
        for (key, list) in [("add", &raw.add), ("remove", &raw.remove)] {
            for (j, tag) in list.iter().enumerate() {
                if tag.trim().is_empty() || tag.contains(['\r', '\n']) {
                    self.report
                        .error(&format!("{path}.{key}[{j}]"), "a tag is one line of text, not empty");
                }
            }
        }
        match &raw.set {
            Some(set) => {
                if !raw.add.is_empty() || !raw.remove.is_empty() {
                    self.report.error(
                        path,
                        "`set` replaces all tags, so it cannot be combined with `add` or `remove`",
                    );
                }
                self.report.warn(&yaml::field(path, "set"), "`set` replaces the incident's custom tags, removing the ones analysts added; `add`/`remove` keep them");
                Some(TagChange::Set { set: set.clone() })
            }
            None if raw.add.is_empty() && raw.remove.is_empty() => {
                self.report.error(path, "`tags` needs `add`, `remove` or `set`");
                None
            }
            None => Some(TagChange::Edit {
                add: raw.add.clone(),
                remove: raw.remove.clone(),
            }),
        }
    }

    fn address(&mut self, field: &str, addr: &str) {
        if addr.parse::<lettre::message::Mailbox>().is_err() {
            self.report.error(
                field,
                format!("`{addr}` is not an email address (`soc@contoso.com` or `SOC <soc@contoso.com>`)"),
            );
        }
    }

    fn email(&mut self, raw: &EmailConfig, path: &str, names: &[&str]) -> Option<Email> {
        if raw.to.is_empty() {
            self.report.error(path, "an email needs `to`: one or more addresses");
        }
        for (key, list) in [("to", &raw.to), ("cc", &raw.cc)] {
            for (j, addr) in list.iter().enumerate() {
                self.address(&format!("{path}.{key}[{j}]"), addr);
            }
        }
        for (key, addr) in [("reply_to", &raw.reply_to), ("from", &raw.from)] {
            if let Some(addr) = addr {
                self.address(&yaml::field(path, key), addr);
            }
        }
        let subject = self.template(&yaml::field(path, "subject"), &raw.subject, TemplateKind::Header, names);
        let (body, html) = match (&raw.template, &raw.body, &raw.html) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                self.report.error(
                    &yaml::field(path, "template"),
                    "give either `template` or `body`/`html`, not both",
                );
                (None, None)
            }
            (Some(name), None, None) => self.template_pair(&yaml::field(path, "template"), name, names),
            (None, None, None) => {
                self.report.error(
                    path,
                    "an email needs a body: `body` (text), `html`, or `template: NAME` for NAME.txt + NAME.html",
                );
                (None, None)
            }
            (None, body, html) => (
                body.as_deref()
                    .and_then(|b| self.template(&yaml::field(path, "body"), b, TemplateKind::Text, names)),
                html.as_deref()
                    .and_then(|h| self.template(&yaml::field(path, "html"), h, TemplateKind::Html, names)),
            ),
        };
        Some(Email {
            to: raw.to.clone(),
            cc: raw.cc.clone(),
            reply_to: raw.reply_to.clone(),
            from: raw
                .from
                .clone()
                .unwrap_or_else(|| self.settings.default_from().to_string()),
            subject: subject?,
            body,
            html,
        })
    }

    /// Loads `NAME.txt` and `NAME.html` next to the playbook.
    fn template_pair(&mut self, field: &str, name: &str, names: &[&str]) -> (Option<Template>, Option<Template>) {
        let mut out = (None, None);
        for (ext, kind) in [("txt", TemplateKind::Text), ("html", TemplateKind::Html)] {
            let Some(path) = self.playbook_path(field, &format!("{name}.{ext}")) else {
                return (None, None);
            };
            let source = match std::fs::read(&path).map(String::from_utf8) {
                Ok(Ok(s)) => s,
                Ok(Err(_)) => {
                    self.report
                        .error(field, format!("template {} is not UTF-8", path.display()));
                    continue;
                }
                Err(e) => {
                    self.report.error(
                        field,
                        format!(
                            "cannot read template {}: {e}; `template: {name}` needs both {name}.txt and {name}.html",
                            path.display()
                        ),
                    );
                    continue;
                }
            };
            match template::compile(&source, kind) {
                Ok(t) => {
                    self.check_names(field, &t, names);
                    if kind == TemplateKind::Text {
                        out.0 = Some(t)
                    } else {
                        out.1 = Some(t)
                    }
                }
                Err(e) => {
                    // The error is in the template file: point there.
                    let pos = Pos::new(e.line, e.column.unwrap_or(1));
                    let mut d = Diagnostic::error(&path, pos, field, format!("template error: {}", e.message));
                    d.field = format!("{} ({})", field, self.origin.display());
                    self.report.push(d);
                }
            }
        }
        out
    }

    /// Resolves a path written in the playbook against its folder, refusing paths that leave the
    /// playbooks folder.
    fn playbook_path(&mut self, field: &str, relative: &str) -> Option<PathBuf> {
        let rel = Path::new(relative);
        if rel.is_absolute() {
            self.report.error(
                field,
                format!("`{relative}` is absolute: write it relative to the playbook's folder"),
            );
            return None;
        }
        let folder = self.origin.parent().unwrap_or(Path::new(""));
        let path = folder.join(rel);
        let inside = match (path.canonicalize(), self.root.canonicalize()) {
            (Ok(p), Ok(root)) => p.starts_with(root),
            // A missing file: judge by the words, so the error says what is wrong.
            _ => !rel.components().any(|c| matches!(c, std::path::Component::ParentDir)),
        };
        if !inside {
            self.report.error(
                field,
                format!(
                    "`{relative}` leaves the playbooks folder {}: keep templates and fixtures inside it",
                    self.root.display()
                ),
            );
            return None;
        }
        Some(path)
    }

    fn webhook(&mut self, raw: &WebhookConfig, path: &str, names: &[&str]) -> Option<Webhook> {
        let target = match (&raw.url, &raw.url_env) {
            (Some(_), Some(_)) => {
                self.report.error(path, "give either `url` or `url_env`, not both");
                None
            }
            (None, None) => {
                self.report.error(
                    path,
                    "a webhook needs `url`, or `url_env` naming the environment variable that holds it",
                );
                None
            }
            (Some(u), None) => {
                if u.contains("{{") || u.contains("{%") {
                    self.report.error(
                        &yaml::field(path, "url"),
                        "URLs are never rendered from item data: write the URL itself, or use `url_env`",
                    );
                    None
                } else {
                    match config::endpoint_url(u) {
                        Ok(url) => Some(WebhookTarget::Url(url)),
                        Err(e) => {
                            self.report.error(&yaml::field(path, "url"), e);
                            None
                        }
                    }
                }
            }
            (None, Some(env)) => {
                self.env_name(&yaml::field(path, "url_env"), env);
                Some(WebhookTarget::Env(env.clone()))
            }
        };
        let method = raw.method.clone().unwrap_or_else(|| "POST".into()).to_ascii_uppercase();
        if !["POST", "PUT", "PATCH", "GET", "DELETE"].contains(&method.as_str()) {
            self.report.error(
                &yaml::field(path, "method"),
                format!("`{method}` is not a method webhooks use: POST, PUT, PATCH, GET or DELETE"),
            );
        }
        let mut headers = Vec::new();
        for (name, value) in &raw.headers {
            let field = format!("{path}.headers.{name}");
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_!#$%&'*+.^`|~".contains(&b))
            {
                self.report
                    .error(&field, format!("`{name}` is not a valid header name"));
            }
            match value {
                HeaderValueConfig::Literal(v) => {
                    if v.contains(['\r', '\n']) {
                        self.report.error(&field, "a header value is one line");
                    }
                    if v.contains("{{") {
                        self.report.error(
                            &field,
                            "headers are never rendered from item data: write the value, or `{ env: NAME }`",
                        );
                    }
                    headers.push((name.clone(), HeaderValue::Literal(v.clone())));
                }
                HeaderValueConfig::Env(e) => {
                    self.env_name(&yaml::field(&field, "env"), &e.env);
                    headers.push((name.clone(), HeaderValue::Env { env: e.env.clone() }));
                }
            }
        }
        let format = raw.format.unwrap_or_default();
        if format == WebhookFormat::Json && raw.body.is_none() {
            self.report.error(path, "a `json` webhook needs a `body`; `format: teams` or `slack` send the shipped card when the body is absent");
        }
        let body = raw
            .body
            .as_ref()
            .and_then(|b| self.body(b, &yaml::field(path, "body"), names));
        Some(Webhook {
            target: target?,
            method,
            headers,
            format,
            body,
        })
    }

    fn env_name(&mut self, field: &str, name: &str) {
        let ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            self.report.error(
                field,
                format!("`{name}` is not an environment variable name (letters, digits and `_`)"),
            );
        }
    }

    fn body(&mut self, value: &serde_yaml::Value, path: &str, names: &[&str]) -> Option<BodyTemplate> {
        use serde_yaml::Value as V;
        Some(match value {
            V::String(s) => BodyTemplate::Text(self.template(path, s, TemplateKind::Text, names)?),
            V::Sequence(items) => BodyTemplate::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.body(v, &yaml::item(path, i), names))
                    .collect::<Option<_>>()?,
            ),
            V::Mapping(map) => {
                let mut out = Vec::new();
                for (k, v) in map {
                    let Some(key) = k.as_str() else {
                        self.report.error(path, "keys of a webhook body are text");
                        return None;
                    };
                    out.push((key.to_string(), self.body(v, &yaml::field(path, key), names)?));
                }
                BodyTemplate::Map(out)
            }
            V::Tagged(t) => return self.body(&t.value, path, names),
            other => BodyTemplate::Value(serde_json::to_value(other).unwrap_or(serde_json::Value::Null)),
        })
    }

    fn log(&mut self, raw: &LogConfig, path: &str, names: &[&str]) -> Option<Log> {
        let message = self.template(&yaml::field(path, "message"), &raw.message, TemplateKind::Text, names)?;
        Some(Log {
            message,
            level: raw.level.unwrap_or_default(),
        })
    }

    fn test(&mut self, raw: &TestConfig, i: usize, kind: ItemKind) -> Option<PlaybookTest> {
        let path = format!("tests[{i}]");
        let input_path = format!("{path}.input");
        let input = &raw.input;
        let given: Vec<(&str, &serde_yaml::Value)> = [
            ("alert", &input.alert),
            ("incident", &input.incident),
            ("row", &input.row),
            ("rows", &input.rows),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
        let expected: &[&str] = match kind {
            ItemKind::Alert => &["alert"],
            ItemKind::Incident => &["incident"],
            ItemKind::Row | ItemKind::Digest => &["row", "rows"],
        };
        let items = match given.as_slice() {
            [] => {
                self.report.error(&input_path, format!("a test input needs exactly one of alert, incident, row, rows; this playbook's trigger takes `{}`", expected.join("` or `")));
                None
            }
            [(key, value)] => {
                if !expected.contains(key) {
                    self.report.error(
                        &yaml::field(&input_path, key),
                        format!(
                            "this playbook's trigger gives `{}` items, so its tests take `{}`, not `{key}`",
                            kind.var_name(),
                            expected.join("` or `")
                        ),
                    );
                    None
                } else {
                    self.test_items(key, value, &yaml::field(&input_path, key))
                }
            }
            [_, (second, _), ..] => {
                self.report.error(
                    &yaml::field(&input_path, second),
                    "a test input has exactly one of alert, incident, row, rows",
                );
                None
            }
        };
        let now = input
            .now
            .as_deref()
            .and_then(|n| match DateTime::parse_from_rfc3339(n) {
                Ok(t) => Some(t.with_timezone(&Utc)),
                Err(_) => {
                    self.report.error(
                        &yaml::field(&input_path, "now"),
                        format!("`{n}` is not an RFC 3339 time, such as 2024-05-01T10:00:00Z"),
                    );
                    None
                }
            });
        for name in input.lists.keys() {
            if !config::is_list_name(name) {
                self.report.error(
                    &format!("{input_path}.lists.{name}"),
                    "list names are letters, digits and `_`",
                );
            }
        }
        let mut expect = Vec::new();
        for (j, e) in raw.expect.iter().enumerate() {
            let (action, fields) = e.parts();
            let epath = format!("{path}.expect[{j}].{action}");
            let mut out = BTreeMap::new();
            for (key, value) in fields {
                self.expect_field(&yaml::field(&epath, key), e, key, &value.0);
                out.insert(
                    key.clone(),
                    serde_json::to_value(&value.0).unwrap_or(serde_json::Value::Null),
                );
            }
            expect.push((action.to_string(), out));
        }
        let line = self.index.value(&path).map_or(1, |p| p.line);
        Some(PlaybookTest {
            name: raw.name.clone(),
            items: items?,
            now,
            lists: input.lists.clone(),
            expect,
            line,
        })
    }

    /// Checks that an expected field exists on that action and, for enums, that it is valid.
    fn expect_field(&mut self, field: &str, action: &ExpectConfig, key: &str, value: &serde_yaml::Value) {
        let keys: &[&str] = match action {
            ExpectConfig::UpdateAlert(_) => &[
                "id",
                "status",
                "classification",
                "determination",
                "assigned_to",
                "comment",
            ],
            ExpectConfig::UpdateIncident(_) => &[
                "id",
                "status",
                "classification",
                "determination",
                "assigned_to",
                "comment",
                "tags",
            ],
            ExpectConfig::Email(_) => &["to", "cc", "reply_to", "from", "subject", "body", "html"],
            ExpectConfig::Webhook(_) => &["url", "method", "format", "body"],
            ExpectConfig::Log(_) => &["message", "level"],
        };
        if !keys.contains(&key) {
            let hint = did_you_mean(key, keys.iter().copied());
            let pos = self.index.key(field).unwrap_or_else(|| self.index.locate(field));
            self.report.error_at(
                pos,
                field,
                format!(
                    "unknown key `{key}`{hint} (an expected {} has {})",
                    action.parts().0,
                    keys.join(", ")
                ),
            );
            return;
        }
        let incident = matches!(action, ExpectConfig::UpdateIncident(_));
        let table = match key {
            "status" if incident => enums::INCIDENT_STATUS,
            "status" => enums::ALERT_STATUS,
            "classification" => enums::ALERT_CLASSIFICATION,
            "determination" => enums::ALERT_DETERMINATION,
            _ => return,
        };
        if let Some(s) = value.as_str() {
            self.enum_value(field, s, table, key, false);
        }
    }

    fn test_items(&mut self, key: &str, value: &serde_yaml::Value, field: &str) -> Option<TestItems> {
        let json = self.fixture_or_inline(value, field)?;
        match (key, json) {
            ("alert", v @ serde_json::Value::Object(_)) => Some(TestItems::Alert(v)),
            ("incident", v @ serde_json::Value::Object(_)) => Some(TestItems::Incident(v)),
            ("row", v @ serde_json::Value::Object(_)) => Some(TestItems::Rows(vec![v])),
            ("rows", serde_json::Value::Array(rows)) if rows.iter().all(serde_json::Value::is_object) => {
                Some(TestItems::Rows(rows))
            }
            ("rows", _) => {
                self.report.error(
                    field,
                    "`rows` is a list of row objects (inline, or a fixture holding a JSON array)",
                );
                None
            }
            _ => {
                self.report.error(
                    field,
                    format!("`{key}` is an object: inline keys, or `{{ fixture: path.json }}`"),
                );
                None
            }
        }
    }

    fn fixture_or_inline(&mut self, value: &serde_yaml::Value, field: &str) -> Option<serde_json::Value> {
        let fixture = value
            .as_mapping()
            .filter(|m| m.len() == 1)
            .and_then(|m| m.get("fixture"));
        let Some(fixture) = fixture else {
            return match serde_json::to_value(value) {
                Ok(v) => Some(v),
                Err(e) => {
                    self.report.error(field, format!("cannot use this inline value: {e}"));
                    None
                }
            };
        };
        let ffield = yaml::field(field, "fixture");
        let Some(rel) = fixture.as_str() else {
            self.report.error(&ffield, "`fixture` is a path to a JSON file");
            return None;
        };
        let path = self.playbook_path(&ffield, rel)?;
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                self.report
                    .error(&ffield, format!("cannot read fixture {}: {e}", path.display()));
                return None;
            }
        };
        match serde_json::from_str(&text) {
            Ok(v) => Some(v),
            Err(e) => {
                let mut d = Diagnostic::error(
                    &path,
                    Pos::new(e.line(), e.column()),
                    &ffield,
                    format!("fixture is not valid JSON: {e}"),
                );
                d.field = format!("{ffield} ({})", self.origin.display());
                self.report.push(d);
                None
            }
        }
    }
}

/// The classification Defender files a determination under (Defender's "classify alert" pane).
fn classification_of(determination: &str) -> Option<&'static str> {
    Some(match determination {
        "multiStagedAttack"
        | "maliciousUserActivity"
        | "compromisedAccount"
        | "malware"
        | "phishing"
        | "unwantedSoftware"
        | "apt" => "truePositive",
        "securityTesting" | "lineOfBusinessApplication" | "confirmedActivity" => "informationalExpectedActivity",
        "notMalicious" | "notEnoughDataToValidate" => "falsePositive",
        _ => return None,
    })
}

/// 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Keeps a position inside `text`: parsers report "incomplete" errors one line past the end.
fn clamp_to_text(text: &str, line: usize, column: usize) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    if line <= lines.len() {
        return (line, column);
    }
    match lines.iter().rposition(|l| !l.trim().is_empty()) {
        Some(i) => (i + 1, lines[i].chars().count() + 1),
        None => (1, 1),
    }
}

/// An update with its statuses as the validated member names, typed as alert or incident
/// statuses (every name was checked against that table).
fn typed<S: for<'a> From<&'a str>>(u: Update<&'static str>) -> Update<S> {
    Update {
        id: u.id,
        status: u.status.map(S::from),
        classification: u.classification,
        determination: u.determination,
        assigned_to: u.assigned_to,
        comment: u.comment,
        only_if_status: u.only_if_status.map(|list| list.into_iter().map(S::from).collect()),
        tags: u.tags,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hunting_filter_narrower_than_the_window_is_a_warning() {
        let settings = Settings::embedded();
        let warnings = |query_filter: &str| -> Vec<String> {
            let text = format!(
                "name: h\nschedule: '0 * * * *'\ntrigger:\n  hunting:\n    query: DeviceEvents | where Timestamp > {query_filter}\ndedup: {{ key: '{{{{ row.ReportId }}}}' }}\ngroup: all\nactions: [ {{ log: {{ message: x }} }} ]\n"
            );
            crate::playbook::parse_str(&text, Path::new("h.yaml"), Path::new("."), &settings)
                .diagnostics
                .into_iter()
                .map(|d| d.message)
                .collect()
        };
        let narrow = warnings("ago(1h)");
        assert_eq!(narrow.len(), 1, "{narrow:?}");
        assert!(
            narrow[0].contains("narrower than the window") && narrow[0].contains("ago(1h5m)"),
            "{narrow:?}"
        );
        assert!(warnings("ago(2h)").is_empty());
    }

    #[test]
    fn finds_lines_and_columns() {
        assert_eq!(line_col("abc", 2), (1, 3));
        assert_eq!(line_col("a\nbcd", 4), (2, 3));
        assert_eq!(line_col("é x", 3), (1, 3));
    }

    #[test]
    fn every_determination_maps_to_a_real_classification() {
        for d in enums::ALERT_DETERMINATION {
            if let Some(c) = classification_of(d) {
                assert!(enums::ALERT_CLASSIFICATION.contains(&c));
            }
        }
    }
}
