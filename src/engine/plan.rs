//! Planning: from items to the exact actions a run would take, with every template rendered and
//! every parameter frozen. `run`, `run --dry-run` and `graphsoar test` all plan through here, so
//! a playbook test exercises the same code as production.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use crate::playbook::{
    Action, BodyTemplate, Email, Group, HeaderValue, Log, Playbook, TagChange, Trigger, Update, Webhook, WebhookTarget,
};
use crate::script::{self, EvalError, ItemKind};

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
        m.insert("now".into(), Value::String(iso(self.now)));
        m.insert("run".into(), json!({ "id": self.run_id, "started": iso(self.started) }));
        m
    }
}

/// RFC 3339 with `Z`, as Graph writes datetimes.
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
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
        match (&self.playbook.condition, &self.base) {
            (Some(condition), Some(base)) => condition.eval(&base.with_item(item)?),
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
    /// `update_alert`, `update_incident`, `email`, `webhook`, `log`.
    pub action: &'static str,
    /// The alert or incident acted on, the row's dedup key, or `digest`.
    pub item_id: String,
    /// `alert`, `incident`, `row` or `digest`.
    pub item_kind: &'static str,
    /// Rendered, frozen parameters, keyed like the playbook's fields (`status`, `comment`,
    /// `subject`, ...); updates add `target` (the id to change) and `matched` (the item's
    /// status, assignedTo, classification and determination when it matched, for the guard).
    pub params: Value,
}

/// The item's id as graphsoar keys it: `id` for alerts and incidents.
pub fn item_id(kind: ItemKind, item: &Value) -> Option<String> {
    match kind {
        ItemKind::Alert | ItemKind::Incident => item.get("id").and_then(Value::as_str).map(str::to_string),
        ItemKind::Row => None,
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
    let (item_id, item_kind) = match kind {
        ItemKind::Alert => (item_id(kind, item).unwrap_or_default(), "alert"),
        ItemKind::Incident => (item_id(kind, item).unwrap_or_default(), "incident"),
        ItemKind::Row => (key.to_string(), "row"),
    };
    // Every action of an item carries the item's id (a row's: its dedup key), also an update of
    // another item (`params.target`): action k+1 runs only if the item's earlier actions
    // succeeded, and a failure abandons the item's later ones.
    plan_actions(playbook, &context, &item_id, item_kind, Some(item))
}

/// Plans the digest for `group: all`: actions run once with `items`.
pub fn plan_digest(playbook: &Playbook, items: &[Value], ctx: &RunContext) -> Result<Vec<PlannedAction>, PlanError> {
    let mut c = ctx.common(playbook);
    c.insert("items".into(), Value::Array(items.to_vec()));
    plan_actions(playbook, &Value::Object(c), "digest", "digest", None)
}

/// Every action of `playbook` rendered in `context`, for one item (or the digest).
fn plan_actions(
    playbook: &Playbook,
    context: &Value,
    item_id: &str,
    item_kind: &'static str,
    item: Option<&Value>,
) -> Result<Vec<PlannedAction>, PlanError> {
    playbook
        .actions
        .iter()
        .enumerate()
        .map(|(i, action)| {
            Ok(PlannedAction {
                action_index: i,
                action: action.name(),
                item_id: item_id.to_owned(),
                item_kind,
                params: render_action(playbook, action, i, context, item)?,
            })
        })
        .collect()
}

fn render_action(
    playbook: &Playbook,
    action: &Action,
    i: usize,
    ctx: &Value,
    item: Option<&Value>,
) -> Result<Value, PlanError> {
    let path = format!("actions[{i}].{}", action.name());
    match action {
        Action::UpdateAlert(u) => render_update(playbook, u, &path, ctx, item, false),
        Action::UpdateIncident(u) => render_update(playbook, u, &path, ctx, item, true),
        Action::Email(e) => render_email(e, &path, ctx),
        Action::Webhook(w) => render_webhook(w, &path, ctx),
        Action::Log(l) => render_log(l, &path, ctx),
    }
}

fn render(t: &crate::template::Template, field: &str, ctx: &Value) -> Result<String, PlanError> {
    t.render(ctx).map_err(|e| PlanError {
        field: field.to_string(),
        message: e.to_string(),
    })
}

fn render_update(
    playbook: &Playbook,
    u: &Update,
    path: &str,
    ctx: &Value,
    item: Option<&Value>,
    incident: bool,
) -> Result<Value, PlanError> {
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
    let mut p = Map::new();
    p.insert("target".into(), Value::String(target.trim().to_string()));
    for (k, v) in [
        ("status", u.status),
        ("classification", u.classification),
        ("determination", u.determination),
    ] {
        if let Some(v) = v {
            p.insert(k.into(), Value::String(v.into()));
        }
    }
    if let Some(a) = &u.assigned_to {
        p.insert("assigned_to".into(), Value::String(a.clone()));
    }
    if let Some(c) = &u.comment {
        p.insert("comment".into(), Value::String(render(c, &field("comment"), ctx)?));
    }
    match &u.tags {
        Some(TagChange::Edit { add, remove }) => {
            p.insert("tags".into(), json!({ "add": add, "remove": remove }));
        }
        Some(TagChange::Set(set)) => {
            p.insert("tags".into(), json!({ "set": set }));
        }
        None => {}
    }
    if let Some(list) = &u.only_if_status {
        p.insert(
            "only_if_status".into(),
            json!(list.iter().map(ToString::to_string).collect::<Vec<_>>()),
        );
    }
    // What the item looked like when it matched: the guard compares the fresh state with it.
    // Here only when the item updated is the matched item itself; the engine reads any other
    // target before it records the plan (`record_matched`).
    let same_item = matches!(
        (&playbook.trigger, incident),
        (Trigger::Alerts(_), false) | (Trigger::Incidents(_), true)
    );
    let mut p = Value::Object(p);
    if let (true, Some(it)) = (same_item, item) {
        record_matched(&mut p, it);
    }
    Ok(p)
}

/// Whether the planned update `params` still needs the state of its target at the match.
pub fn needs_matched(params: &Value) -> bool {
    params.get("target").is_some() && params.get("matched").is_none()
}

/// Records in the planned update `params` the state `item` (the target) was in at the match:
/// the guard skips the write when an analyst has changed it since. Without an explicit
/// `only_if_status`, the matched status is the only one allowed.
pub fn record_matched(params: &mut Value, item: &Value) {
    let Value::Object(p) = params else { return };
    let pick = |k: &str| item.get(k).cloned().unwrap_or(Value::Null);
    p.insert(
        "matched".into(),
        json!({
            "status": pick("status"),
            "assignedTo": pick("assignedTo"),
            "classification": pick("classification"),
            "determination": pick("determination"),
            "lastUpdateDateTime": pick("lastUpdateDateTime"),
            "customTags": pick("customTags"),
        }),
    );
    if !p.contains_key("only_if_status")
        && let Some(status) = item.get("status").and_then(Value::as_str)
    {
        p.insert("only_if_status".into(), json!([status]));
    }
}

fn render_email(e: &Email, path: &str, ctx: &Value) -> Result<Value, PlanError> {
    let mut p = Map::new();
    p.insert("from".into(), json!(e.from));
    p.insert("to".into(), json!(e.to));
    if !e.cc.is_empty() {
        p.insert("cc".into(), json!(e.cc));
    }
    if let Some(r) = &e.reply_to {
        p.insert("reply_to".into(), json!(r));
    }
    p.insert(
        "subject".into(),
        json!(render(&e.subject, &format!("{path}.subject"), ctx)?),
    );
    if let Some(b) = &e.body {
        p.insert("body".into(), json!(render(b, &format!("{path}.body"), ctx)?));
    }
    if let Some(h) = &e.html {
        p.insert("html".into(), json!(render(h, &format!("{path}.html"), ctx)?));
    }
    Ok(Value::Object(p))
}

fn render_webhook(w: &Webhook, path: &str, ctx: &Value) -> Result<Value, PlanError> {
    let mut p = Map::new();
    match &w.target {
        WebhookTarget::Url(u) => p.insert("url".into(), json!(u.as_str())),
        WebhookTarget::Env(e) => p.insert("url_env".into(), json!(e)),
    };
    p.insert("method".into(), json!(w.method));
    p.insert("format".into(), json!(format!("{:?}", w.format).to_lowercase()));
    let headers: Map<String, Value> = w
        .headers
        .iter()
        .map(|(k, v)| {
            let v = match v {
                HeaderValue::Literal(s) => json!(s),
                HeaderValue::Env(e) => json!({ "env": e }),
            };
            (k.clone(), v)
        })
        .collect();
    if !headers.is_empty() {
        p.insert("headers".into(), Value::Object(headers));
    }
    // Without a body, `teams` and `slack` freeze the shipped card or blocks now, so a retry
    // sends exactly what was planned (`json` always has a body: validation says so).
    let body = match &w.body {
        Some(body) => Some(render_body(body, &format!("{path}.body"), ctx)?),
        None => crate::action::webhook::card::shipped_body(w.format, ctx),
    };
    if let Some(body) = body {
        p.insert("body".into(), body);
    }
    Ok(Value::Object(p))
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

/// Defuses `<!channel>`, `<!here>`, `<@U123>`, `@here`, `@channel`, `@everyone` and Teams `<at>`
/// in rendered text: item fields are written by attackers.
pub fn neutralise_mentions(text: &str) -> String {
    let mut out = text
        .replace("<!", "<\u{200B}!")
        .replace("<@", "<\u{200B}@")
        .replace("<at>", "&lt;at&gt;")
        .replace("</at>", "&lt;/at&gt;");
    for word in ["@here", "@channel", "@everyone"] {
        out = out.replace(word, &format!("@\u{200B}{}", &word[1..]));
    }
    out
}

fn render_log(l: &Log, path: &str, ctx: &Value) -> Result<Value, PlanError> {
    Ok(json!({
        "level": format!("{:?}", l.level).to_lowercase(),
        "message": render(&l.message, &format!("{path}.message"), ctx)?,
    }))
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

    #[test]
    fn mentions_are_defused() {
        let t = neutralise_mentions("hi <!channel> @here <@U123> <at>Boss</at>");
        assert!(!t.contains("<!channel>") && !t.contains("@here") && !t.contains("<@U") && !t.contains("<at>"));
    }
}
