//! Planning: from items to the exact actions a run would take, with every template rendered and
//! every parameter frozen. `run`, `run --dry-run` and `graphsoar test` all plan through here, so
//! a playbook test exercises the same code as production.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound as _, Utc};
use serde_json::{Map, Value, json};

use crate::action::account::{AccountParams, AccountRef};
use crate::action::device::DeviceParams;
use crate::action::email::EmailParams;
use crate::action::indicator::{IndicatorParams, infer_type};
use crate::action::log::LogParams;
use crate::action::remediate::{MessageRef, RemediateParams};
use crate::action::update::{Status, UpdateParams};
use crate::action::webhook::{Target, WebhookParams};
use crate::action::{ActionKind, Params};
use crate::graph::Collection;
use crate::item::ItemKind;
use crate::playbook::{
    AccountAction, Action, BodyTemplate, DeviceAction, Email, Group, IndicatorAction, Log, Playbook, RemediateEmail,
    Trigger, Update, Webhook, WebhookTarget,
};
use crate::script::{self, EvalError};
use crate::template::neutralise_mentions;
use crate::time::format_rfc3339;

/// What a run knows besides the items: fixed for the whole run.
#[derive(Debug, Clone)]
pub struct RunContext {
    pub run_id: String,
    pub started: DateTime<Utc>,
    /// `now` for conditions and templates (fixed per run).
    pub now: DateTime<Utc>,
    pub lists: Arc<BTreeMap<String, Vec<String>>>,
}

impl RunContext {
    /// The names every template and condition sees besides the item, as JSON.
    fn common(&self, playbook: &Playbook) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(
            "playbook".into(),
            json!({ "name": playbook.name, "description": playbook.description }),
        );
        m.insert("lists".into(), json!(*self.lists));
        m.insert("now".into(), Value::String(format_rfc3339(&self.now)));
        m.insert(
            "run".into(),
            json!({ "id": self.run_id, "started": format_rfc3339(&self.started) }),
        );
        m
    }
}

/// Evaluates conditions for one playbook and run, converting the shared values once.
pub struct Evaluator<'a> {
    playbook: &'a Playbook,
    base: Option<script::Context>,
}

impl<'a> Evaluator<'a> {
    pub fn new(playbook: &'a Playbook, ctx: &RunContext) -> Result<Evaluator<'a>, EvalError> {
        let common = ctx.common(playbook);
        let base = match &playbook.condition {
            Some(_) => Some(script::Context::new(
                &Value::Null,
                &common["playbook"],
                &common["lists"],
                ctx.now,
                &common["run"],
            )?),
            None => None,
        };
        Ok(Evaluator { playbook, base })
    }

    /// Whether the item matches: an absent condition is true; an error is the caller's to count
    /// as no match.
    pub fn matches(&self, item: &Value) -> Result<bool, EvalError> {
        self.matches_shared(script::Item::Shared(Arc::new(item.clone())))
    }

    /// [`Evaluator::matches`] without copying the item (the condition reads it through a view).
    pub fn matches_shared(&self, item: script::Item) -> Result<bool, EvalError> {
        match (&self.playbook.condition, &self.base) {
            (Some(condition), Some(base)) => condition.eval_item(base, item),
            _ => Ok(true),
        }
    }
}

/// Why an item (or a digest) could not be planned; the item fails, the run goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct PlanError {
    /// Which part: `dedup.key`, `actions[1].email.subject`, ...
    pub field: String,
    pub message: String,
}

/// One planned action: which action of the playbook, on what, with its frozen parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedAction {
    pub action_index: usize,
    /// The alert or incident acted on, the row's dedup key, or `digest`.
    pub item_id: String,
    pub item_kind: ItemKind,
    /// Rendered, frozen parameters; updates carry `target` (the id to change) and `matched`
    /// (the target's state when it matched, for the guard).
    pub params: Params,
}

impl PlannedAction {
    pub fn kind(&self) -> ActionKind {
        self.params.kind()
    }
}

/// The item's id as graphsoar keys it: `id` for alerts and incidents.
pub fn item_id(kind: ItemKind, item: &Value) -> Option<String> {
    match kind {
        ItemKind::Alert | ItemKind::Incident => item.get("id").and_then(Value::as_str).map(str::to_string),
        ItemKind::Row | ItemKind::Digest => None,
    }
}

/// The dedup key of an item: the rendered `dedup.key`, else the id, else (rows) a hash of the
/// row's canonical JSON. A key that renders empty or fails is an error for that item.
pub fn dedup_key(playbook: &Playbook, item: &Value, ctx: &RunContext) -> Result<String, PlanError> {
    let kind = playbook.item_kind();
    match &playbook.dedup.key {
        Some(template) => {
            let mut c = ctx.common(playbook);
            c.insert(kind.var_name().into(), item.clone());
            let key = template.render(&Value::Object(c)).map_err(|e| PlanError {
                field: "dedup.key".into(),
                message: e.to_string(),
            })?;
            if key.trim().is_empty() {
                return Err(PlanError {
                    field: "dedup.key".into(),
                    message: "the key rendered empty".into(),
                });
            }
            Ok(key)
        }
        None => match item_id(kind, item) {
            Some(id) => Ok(id),
            None if kind == ItemKind::Row => Ok(row_hash(item)),
            None => Err(PlanError {
                field: "id".into(),
                message: "the item has no `id`".into(),
            }),
        },
    }
}

/// A hunting row's default key and name in logs: `row:` and a hash of its canonical JSON.
pub fn row_hash(row: &Value) -> String {
    format!(
        "row:{:016x}",
        crate::playbook::stable_hash(canonical_json(row).as_bytes())
    )
}

/// JSON with object keys sorted at every level, so equal rows hash equally.
pub fn canonical_json(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Value::Object(keys.into_iter().map(|k| (k.clone(), sort(&m[k]))).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(v).to_string()
}

/// Plans every action for one matching item (`group: per_item`).
pub fn plan_item(
    playbook: &Playbook,
    item: &Value,
    key: &str,
    ctx: &RunContext,
) -> Result<Vec<PlannedAction>, PlanError> {
    let kind = playbook.item_kind();
    let mut c = ctx.common(playbook);
    c.insert(kind.var_name().into(), item.clone());
    let context = Value::Object(c);
    let item_id = match kind {
        ItemKind::Row | ItemKind::Digest => key.to_string(),
        ItemKind::Alert | ItemKind::Incident => item_id(kind, item).unwrap_or_default(),
    };
    // Every action of an item carries the item's id (a row's: its dedup key), also an update of
    // another item (`params.target`): action k+1 runs only if the item's earlier actions
    // succeeded, and a failure abandons the item's later ones.
    plan_actions(playbook, &context, ctx.now, &item_id, kind, Some(item))
}

/// Plans the digest for `group: all`: actions run once with `items`.
pub fn plan_digest(playbook: &Playbook, items: &[Value], ctx: &RunContext) -> Result<Vec<PlannedAction>, PlanError> {
    let mut c = ctx.common(playbook);
    c.insert("items".into(), Value::Array(items.to_vec()));
    plan_actions(playbook, &Value::Object(c), ctx.now, "digest", ItemKind::Digest, None)
}

/// Every action of `playbook` rendered in `context`, for one item (or the digest).
fn plan_actions(
    playbook: &Playbook,
    context: &Value,
    now: DateTime<Utc>,
    item_id: &str,
    item_kind: ItemKind,
    item: Option<&Value>,
) -> Result<Vec<PlannedAction>, PlanError> {
    playbook
        .actions
        .iter()
        .enumerate()
        .map(|(i, action)| {
            Ok(PlannedAction {
                action_index: i,
                item_id: item_id.to_owned(),
                item_kind,
                params: render_action(playbook, action, i, context, now, item)?,
            })
        })
        .collect()
}

/// Renders action `i` in `ctx`; `now` is the run's (an indicator's expiry counts from it).
fn render_action(
    playbook: &Playbook,
    action: &Action,
    i: usize,
    ctx: &Value,
    now: DateTime<Utc>,
    item: Option<&Value>,
) -> Result<Params, PlanError> {
    let path = format!("actions[{i}].{}", action.name());
    Ok(match action {
        Action::UpdateAlert(u) => Params::UpdateAlert(render_update(playbook, u, &path, ctx, item)?),
        Action::UpdateIncident(u) => Params::UpdateIncident(render_update(playbook, u, &path, ctx, item)?),
        Action::Email(e) => Params::Email(render_email(e, &path, ctx)?),
        Action::Webhook(w) => Params::Webhook(render_webhook(w, &path, ctx)?),
        Action::Log(l) => Params::Log(render_log(l, &path, ctx)?),
        Action::Device(kind, d) => {
            Params::of_device(*kind, render_device(d, &path, ctx, item)?).ok_or_else(|| PlanError {
                field: path.clone(),
                message: format!("{kind} is not a device action"),
            })?
        }
        Action::SubmitIndicator(i) => Params::SubmitIndicator(render_indicator(i, &path, ctx, now)?),
        Action::AccountAction(a) => Params::AccountAction(render_account(a, &path, ctx, item)?),
        Action::RemediateEmail(r) => Params::RemediateEmail(render_remediate(playbook, r, &path, ctx, item)?),
    })
}

/// The evidence whose `@odata.type` ends with `kind` of an alert, or of every alert of an
/// incident (listed with `expand_alerts`).
fn evidence_of<'a>(item: &'a Value, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    let alerts: Vec<&Value> = match item.get("alerts").and_then(Value::as_array) {
        Some(alerts) => alerts.iter().collect(),
        None => vec![item],
    };
    alerts
        .into_iter()
        .filter_map(|a| a.get("evidence").and_then(Value::as_array))
        .flatten()
        .filter(move |e| {
            e.get("@odata.type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.ends_with(kind))
        })
}

/// The accounts an alert (or an incident's alerts) names: its user evidence, without the machine's own accounts
/// (LocalSystem, LocalService, NetworkService), each once.
pub fn alert_accounts(alert: &Value) -> Vec<AccountRef> {
    let mut out: Vec<AccountRef> = Vec::new();
    for e in evidence_of(alert, "userEvidence") {
        let Some(u) = e.get("userAccount") else { continue };
        let field = |k: &str| {
            u.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let account = AccountRef {
            upn: field("userPrincipalName"),
            sid: field("userSid"),
            object_id: field("azureAdUserId"),
            name: field("accountName"),
        };
        let local = account
            .sid
            .as_deref()
            .is_some_and(|s| matches!(s, "S-1-5-18" | "S-1-5-19" | "S-1-5-20"));
        if !local && !account.names().is_empty() && !out.contains(&account) {
            out.push(account);
        }
    }
    out
}

fn render_account(
    a: &AccountAction,
    path: &str,
    ctx: &Value,
    item: Option<&Value>,
) -> Result<AccountParams, PlanError> {
    let accounts: Vec<AccountRef> = match (&a.account, item) {
        (Some(t), _) => render_list(t, &format!("{path}.account"), ctx)?
            .iter()
            .map(|name| AccountRef::parse(name))
            .collect(),
        (None, Some(item)) => alert_accounts(item),
        (None, None) => Vec::new(),
    };
    if accounts.is_empty() {
        return Err(PlanError {
            field: format!("{path}.account"),
            message: match a.account {
                Some(_) => "the account rendered empty".into(),
                None => "the item has no user evidence (other than the machine's own accounts)".into(),
            },
        });
    }
    Ok(AccountParams {
        action: a.action,
        accounts,
    })
}

fn render_remediate(
    playbook: &Playbook,
    r: &RemediateEmail,
    path: &str,
    ctx: &Value,
    item: Option<&Value>,
) -> Result<RemediateParams, PlanError> {
    let text = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or_default()
            .to_owned()
    };
    let mut messages: Vec<MessageRef> = Vec::new();
    match (&r.network_message_id, &r.recipient, item) {
        (Some(id), Some(to), _) => messages.push(MessageRef {
            network_message_id: render(id, &format!("{path}.network_message_id"), ctx)?
                .trim()
                .to_owned(),
            recipient: render(to, &format!("{path}.recipient"), ctx)?.trim().to_owned(),
        }),
        (_, _, Some(item)) if matches!(playbook.trigger, Trigger::Hunting(_)) => messages.push(MessageRef {
            network_message_id: text(item, "NetworkMessageId"),
            recipient: text(item, "RecipientEmailAddress"),
        }),
        (_, _, Some(alert)) => {
            for e in evidence_of(alert, "analyzedMessageEvidence") {
                let m = MessageRef {
                    network_message_id: text(e, "networkMessageId"),
                    recipient: text(e, "recipientEmailAddress"),
                };
                if !messages.contains(&m) {
                    messages.push(m);
                }
            }
        }
        _ => {}
    }
    messages.retain(|m| !m.network_message_id.is_empty() && !m.recipient.is_empty());
    if messages.is_empty() {
        return Err(PlanError {
            field: path.to_owned(),
            message: "no message to remediate: the item names no NetworkMessageId with a recipient".into(),
        });
    }
    let display_name = match &r.display_name {
        Some(t) => render(t, &format!("{path}.display_name"), ctx)?,
        None => format!("graphsoar: {}", playbook.name),
    };
    Ok(RemediateParams {
        action: r.action,
        messages,
        severity: r.severity.clone(),
        display_name,
        description: render(&r.description, &format!("{path}.description"), ctx)?,
        remediate_senders_copy: r.remediate_senders_copy,
    })
}

/// The distinct, non-empty, trimmed parts of a comma-separated rendering of `t`.
fn render_list(t: &crate::template::Template, field: &str, ctx: &Value) -> Result<Vec<String>, PlanError> {
    let mut out: Vec<String> = Vec::new();
    for part in render(t, field, ctx)?.split(',') {
        let part = part.trim();
        if !part.is_empty() && !out.iter().any(|o| o == part) {
            out.push(part.to_owned());
        }
    }
    Ok(out)
}

/// The device ids an alert (or an incident's alerts) names: its device evidence's
/// `mdeDeviceId`, each once.
pub fn alert_devices(alert: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in evidence_of(alert, "deviceEvidence") {
        if let Some(id) = e.get("mdeDeviceId").and_then(Value::as_str)
            && !id.is_empty()
            && !out.iter().any(|o| o == id)
        {
            out.push(id.to_owned());
        }
    }
    out
}

fn render_device(d: &DeviceAction, path: &str, ctx: &Value, item: Option<&Value>) -> Result<DeviceParams, PlanError> {
    let devices: Vec<String> = match (&d.device, item) {
        (Some(t), _) => render_list(t, &format!("{path}.device"), ctx)?,
        (None, Some(item)) => alert_devices(item),
        (None, None) => Vec::new(),
    };
    if devices.is_empty() {
        return Err(PlanError {
            field: format!("{path}.device"),
            message: match d.device {
                Some(_) => "the device rendered empty".into(),
                None => "the item has no device evidence with an mdeDeviceId".into(),
            },
        });
    }
    Ok(DeviceParams {
        devices,
        comment: render(&d.comment, &format!("{path}.comment"), ctx)?,
        isolation_type: d.isolation_type,
        scan_type: d.scan_type,
        sha1: d
            .sha1
            .as_ref()
            .map(|t| render(t, &format!("{path}.sha1"), ctx))
            .transpose()?
            .map(|s| s.trim().to_lowercase()),
    })
}

fn render_indicator(
    i: &IndicatorAction,
    path: &str,
    ctx: &Value,
    now: DateTime<Utc>,
) -> Result<IndicatorParams, PlanError> {
    let value = render(&i.value, &format!("{path}.value"), ctx)?.trim().to_owned();
    let indicator_type = match i.indicator_type.or_else(|| infer_type(&value)) {
        Some(t) => t,
        None => {
            return Err(PlanError {
                field: format!("{path}.value"),
                message: format!("`{value}` is not a file hash, IP address, domain or URL (give `type:` if it is)"),
            });
        }
    };
    // Whole seconds: the same rule fired at the same time plans the same indicator.
    let expiration = i
        .expiration
        .map(|d| format_rfc3339(&(now + d.to_chrono()).trunc_subsecs(0)));
    Ok(IndicatorParams {
        value,
        indicator_type,
        action: i.action,
        title: render(&i.title, &format!("{path}.title"), ctx)?,
        description: render(&i.description, &format!("{path}.description"), ctx)?,
        severity: i.severity.clone(),
        expiration,
        recommended_actions: i
            .recommended_actions
            .as_ref()
            .map(|t| render(t, &format!("{path}.recommended_actions"), ctx))
            .transpose()?,
        generate_alert: i.generate_alert,
    })
}

fn render(t: &crate::template::Template, field: &str, ctx: &Value) -> Result<String, PlanError> {
    t.render(ctx).map_err(|e| PlanError {
        field: field.to_string(),
        message: e.to_string(),
    })
}

fn render_update<S: Status>(
    playbook: &Playbook,
    u: &Update<S>,
    path: &str,
    ctx: &Value,
    item: Option<&Value>,
) -> Result<UpdateParams<S>, PlanError> {
    let incident = S::COLLECTION == Collection::Incidents;
    let field = |k: &str| format!("{path}.{k}");
    let target = match (&playbook.trigger, &u.id, item) {
        (Trigger::Hunting(_), Some(t), _) => render(t, &field("id"), ctx)?,
        (Trigger::Alerts(_), _, Some(alert)) if incident => alert
            .get("incidentId")
            .and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| v.as_i64().map(|n| n.to_string()))
            })
            .ok_or_else(|| PlanError {
                field: path.into(),
                message: "the alert has no incidentId".into(),
            })?,
        (_, _, Some(it)) => it.get("id").and_then(Value::as_str).unwrap_or_default().to_string(),
        _ => String::new(),
    };
    if target.trim().is_empty() {
        return Err(PlanError {
            field: path.into(),
            message: "no id to update".into(),
        });
    }
    let mut p = UpdateParams {
        status: u.status.clone(),
        classification: u.classification.clone(),
        determination: u.determination.clone(),
        assigned_to: u.assigned_to.clone(),
        comment: u
            .comment
            .as_ref()
            .map(|c| render(c, &field("comment"), ctx))
            .transpose()?,
        tags: u.tags.clone(),
        only_if_status: u.only_if_status.clone(),
        ..UpdateParams::new(target.trim())
    };
    // What the item looked like when it matched: the guard compares the fresh state with it.
    // Here only when the item updated is the matched item itself; the engine reads any other
    // target before it records the plan (`record_matched`).
    let same_item = matches!(
        (&playbook.trigger, incident),
        (Trigger::Alerts(_), false) | (Trigger::Incidents(_), true)
    );
    if let (true, Some(it)) = (same_item, item) {
        p.record_matched(it);
    }
    Ok(p)
}

fn render_email(e: &Email, path: &str, ctx: &Value) -> Result<EmailParams, PlanError> {
    let optional = |t: &Option<crate::template::Template>, k: &str| {
        t.as_ref().map(|t| render(t, &format!("{path}.{k}"), ctx)).transpose()
    };
    Ok(EmailParams {
        from: e.from.clone(),
        to: e.to.clone(),
        cc: e.cc.clone(),
        reply_to: e.reply_to.clone(),
        subject: render(&e.subject, &format!("{path}.subject"), ctx)?,
        body: optional(&e.body, "body")?,
        html: optional(&e.html, "html")?,
    })
}

fn render_webhook(w: &Webhook, path: &str, ctx: &Value) -> Result<WebhookParams, PlanError> {
    // Without a body, `teams` and `slack` freeze the shipped card or blocks now, so a retry
    // sends exactly what was planned (`json` always has a body: validation says so).
    let body = match &w.body {
        Some(body) => Some(render_body(body, &format!("{path}.body"), ctx)?),
        None => crate::action::webhook::card::shipped_body(w.format, ctx),
    };
    Ok(WebhookParams {
        target: match &w.target {
            WebhookTarget::Url(u) => Target::Url(u.to_string()),
            WebhookTarget::Env(e) => Target::UrlEnv(e.clone()),
        },
        method: w.method.clone(),
        format: w.format,
        headers: w.headers.iter().cloned().collect(),
        body,
    })
}

/// Renders a webhook body structure: string leaves are templates whose output stays a JSON
/// string (so a value cannot break out), with chat mentions neutralised.
fn render_body(b: &BodyTemplate, path: &str, ctx: &Value) -> Result<Value, PlanError> {
    Ok(match b {
        BodyTemplate::Text(t) => Value::String(neutralise_mentions(&render(t, path, ctx)?)),
        BodyTemplate::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| Ok((k.clone(), render_body(v, &format!("{path}.{k}"), ctx)?)))
                .collect::<Result<_, PlanError>>()?,
        ),
        BodyTemplate::List(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| render_body(v, &format!("{path}[{i}]"), ctx))
                .collect::<Result<_, _>>()?,
        ),
        BodyTemplate::Value(v) => v.clone(),
    })
}

fn render_log(l: &Log, path: &str, ctx: &Value) -> Result<LogParams, PlanError> {
    Ok(LogParams {
        level: l.level,
        message: render(&l.message, &format!("{path}.message"), ctx)?,
    })
}

/// Whether the playbook plans one digest per run rather than actions per item.
pub fn is_digest(playbook: &Playbook) -> bool {
    playbook.group == Group::All
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"d":2,"c":3}}"#).unwrap();
        assert_eq!(canonical_json(&a), r#"{"a":{"c":3,"d":2},"b":1}"#);
    }
}
