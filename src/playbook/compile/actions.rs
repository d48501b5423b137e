//! Compiling actions: `update_alert`/`update_incident` (enum values, tags, the id a hunting
//! trigger needs), `email` (addresses, templates or a template pair), `webhook` (target, method,
//! headers, body) and `log`.

use super::Compiler;
use crate::config;
use crate::diag::{Diagnostic, Pos};
use crate::graph::enums;
use crate::graph::models::enums::{AlertClassification, AlertDetermination};
use crate::playbook::schema::{
    ActionConfig, EmailConfig, Group, HeaderValueConfig, LogConfig, UpdateConfig, WebhookConfig, WebhookFormat,
};
use crate::playbook::{
    Action, BodyTemplate, Email, HeaderValue, Log, TagChange, Trigger, Update, Webhook, WebhookTarget,
};
use crate::suggest::did_you_mean;
use crate::template::{self, Template, TemplateKind};
use crate::yaml;

impl Compiler<'_> {
    pub(super) fn action(&mut self, raw: &ActionConfig, i: usize, trigger: &Trigger, group: Group) -> Option<Action> {
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
            ActionConfig::AccountAction(c) => self
                .account_action(c, &format!("actions[{i}].account_action"), trigger, group, &item_names)
                .map(Action::AccountAction),
            ActionConfig::RemediateEmail(c) => self
                .remediate_email(c, &format!("actions[{i}].remediate_email"), trigger, group, &item_names)
                .map(Action::RemediateEmail),
            ActionConfig::SubmitIndicator(c) => self
                .indicator_action(c, &format!("actions[{i}].submit_indicator"), group, &item_names)
                .map(Action::SubmitIndicator),
            ActionConfig::IsolateDevice(c)
            | ActionConfig::ReleaseDevice(c)
            | ActionConfig::RunAntivirusScan(c)
            | ActionConfig::RestrictAppExecution(c)
            | ActionConfig::UnrestrictAppExecution(c)
            | ActionConfig::CollectInvestigationPackage(c)
            | ActionConfig::StopAndQuarantineFile(c) => {
                let kind = raw.kind();
                self.device_action(kind, c, &format!("actions[{i}].{kind}"), trigger, group, &item_names)
                    .map(|d| Action::Device(kind, d))
            }
        }
    }

    /// Checks an enum value for `field` against `table`, refusing values no client may set.
    pub(super) fn enum_value(
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

    pub(super) fn update(
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

    pub(super) fn tags(&mut self, raw: &crate::playbook::schema::TagsConfig, path: &str) -> Option<TagChange> {
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

    pub(super) fn address(&mut self, field: &str, addr: &str) {
        if addr.parse::<lettre::message::Mailbox>().is_err() {
            self.report.error(
                field,
                format!("`{addr}` is not an email address (`soc@contoso.com` or `SOC <soc@contoso.com>`)"),
            );
        }
    }

    pub(super) fn email(&mut self, raw: &EmailConfig, path: &str, names: &[&str]) -> Option<Email> {
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
    pub(super) fn template_pair(
        &mut self,
        field: &str,
        name: &str,
        names: &[&str],
    ) -> (Option<Template>, Option<Template>) {
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

    pub(super) fn webhook(&mut self, raw: &WebhookConfig, path: &str, names: &[&str]) -> Option<Webhook> {
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

    pub(super) fn env_name(&mut self, field: &str, name: &str) {
        let ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            self.report.error(
                field,
                format!("`{name}` is not an environment variable name (letters, digits and `_`)"),
            );
        }
    }

    pub(super) fn body(&mut self, value: &serde_yaml::Value, path: &str, names: &[&str]) -> Option<BodyTemplate> {
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

    pub(super) fn log(&mut self, raw: &LogConfig, path: &str, names: &[&str]) -> Option<Log> {
        let message = self.template(&yaml::field(path, "message"), &raw.message, TemplateKind::Text, names)?;
        Some(Log {
            message,
            level: raw.level.unwrap_or_default(),
        })
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
    fn every_determination_maps_to_a_real_classification() {
        for d in enums::ALERT_DETERMINATION {
            if let Some(c) = classification_of(d) {
                assert!(enums::ALERT_CLASSIFICATION.contains(&c));
            }
        }
    }
}
