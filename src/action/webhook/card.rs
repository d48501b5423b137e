//! The shipped bodies of `format: teams` and `format: slack` when a playbook gives no `body`.
//! They are built at plan time (`engine::plan` calls [`shipped_body`]) from the template context,
//! so the ledger freezes the final JSON and a retry sends exactly what was planned.
//!
//! Item fields are written by attackers: every text taken from an item is cleaned here (control
//! characters folded into spaces, length capped) and then escaped by the format that shows it
//! (mentions neutralised, Teams Markdown links broken, Slack `&`, `<`, `>` escaped). Links come
//! only from Graph's `incidentWebUrl`/`alertWebUrl` and only when they are http(s); nothing from
//! an item ever reaches a URL or a header.

use chrono::DateTime;
use serde_json::Value;

use super::{slack, teams};
use crate::playbook::WebhookFormat;

/// Alerts listed under an incident.
const MAX_ALERTS: usize = 10;
/// Rows (items) listed in a digest.
const MAX_DIGEST_LINES: usize = 20;
/// Facts shown for a hunting row.
const MAX_ROW_FACTS: usize = 10;
/// Characters kept of a title, a fact value and a listed line (before escaping).
const TITLE_CHARS: usize = 150;
const FACT_CHARS: usize = 300;
const LINE_CHARS: usize = 300;

/// The shipped body for `format`, or `None` for `json` (which always has a `body`).
pub fn shipped_body(format: WebhookFormat, ctx: &Value) -> Option<Value> {
    let summary = Summary::from_context(ctx);
    match format {
        WebhookFormat::Teams => Some(teams::message(&summary)),
        WebhookFormat::Slack => Some(slack::message(&summary)),
        WebhookFormat::Json => None,
    }
}

/// The body asking for a decision on `request`: the card or blocks for `teams`/`slack`, else
/// JSON with every part of the request.
pub fn approval_body(format: WebhookFormat, request: &crate::action::ApprovalRequest) -> Value {
    let summary = Summary {
        title: clean(&request.subject(), TITLE_CHARS),
        subtitle: clean(
            &format!("Approval {} · graphsoar playbook {}", request.id, request.playbook),
            TITLE_CHARS,
        ),
        facts: vec![
            ("Action".to_string(), clean(request.action.as_str(), FACT_CHARS)),
            ("Item".to_string(), clean(&request.item_id, FACT_CHARS)),
            ("What".to_string(), clean(&request.what(), FACT_CHARS)),
            ("Expires".to_string(), clean(&request.expires, FACT_CHARS)),
            ("Decide".to_string(), clean(&request.how(), FACT_CHARS)),
        ],
        ..Summary::default()
    };
    match format {
        WebhookFormat::Teams => teams::message(&summary),
        WebhookFormat::Slack => slack::message(&summary),
        WebhookFormat::Json => serde_json::json!({
            "text": request.subject(),
            "approval": request.id,
            "playbook": request.playbook,
            "action": request.action,
            "item": request.item_id,
            "params": request.params,
            "expires": request.expires,
            "decide": request.how(),
        }),
    }
}

/// What a card shows, format-neutral. Texts are cleaned (one line, capped) but not yet escaped:
/// each format escapes them for where it puts them.
#[derive(Debug, Clone, Default)]
pub(super) struct Summary {
    /// Incident name, alert title, or the playbook name for rows and digests.
    pub title: String,
    /// `Incident 41262 · playbook x`: what the card is about.
    pub subtitle: String,
    /// Label and value; labels are ours or (rows) column names.
    pub facts: Vec<(String, String)>,
    /// Heading of `lines` (`Alerts`, `Items`).
    pub list_title: String,
    pub lines: Vec<String>,
    /// How many lines were left out.
    pub more: usize,
    /// Where the button goes: Graph's web URL, http(s) only.
    pub link: Option<String>,
    /// The text of the button.
    pub link_title: &'static str,
}

impl Summary {
    /// Reads the template context: `incident`, `alert`, `row` (per item) or `items` (digest),
    /// plus `playbook`.
    pub fn from_context(ctx: &Value) -> Summary {
        let playbook = text(ctx.pointer("/playbook/name").unwrap_or(&Value::Null));
        let mut s = if let Some(incident) = ctx.get("incident").filter(|v| v.is_object()) {
            Summary::incident(incident)
        } else if let Some(alert) = ctx.get("alert").filter(|v| v.is_object()) {
            Summary::alert(alert)
        } else if let Some(items) = ctx.get("items").and_then(Value::as_array) {
            Summary::digest(&playbook, items)
        } else if let Some(row) = ctx.get("row") {
            Summary::row(&playbook, row)
        } else {
            Summary {
                title: clean(&playbook, TITLE_CHARS),
                ..Summary::default()
            }
        };
        let about = std::mem::take(&mut s.subtitle);
        s.subtitle = match (about.is_empty(), playbook.is_empty()) {
            (false, false) => format!("{about} · graphsoar playbook {}", clean(&playbook, TITLE_CHARS)),
            (true, false) => format!("graphsoar playbook {}", clean(&playbook, TITLE_CHARS)),
            _ => about,
        };
        if s.link_title.is_empty() {
            s.link_title = "Open in Defender";
        }
        s
    }

    fn incident(incident: &Value) -> Summary {
        let field = |k: &str| text(incident.get(k).unwrap_or(&Value::Null));
        let id = field("id");
        let mut facts = vec![
            ("Severity".to_string(), clean(&field("severity"), FACT_CHARS)),
            ("Status".to_string(), clean(&field("status"), FACT_CHARS)),
            ("Assigned to".to_string(), assignee(incident.get("assignedTo"))),
        ];
        let alerts = incident.get("alerts").and_then(Value::as_array);
        if let Some(alerts) = alerts {
            facts.push(("Alerts".to_string(), alerts.len().to_string()));
        }
        facts.push(("Created".to_string(), when(incident.get("createdDateTime"))));
        let alerts = alerts.map(Vec::as_slice).unwrap_or_default();
        Summary {
            title: title_or(&field("displayName"), || format!("Incident {id}")),
            subtitle: clean(&format!("Incident {id}"), TITLE_CHARS),
            facts,
            list_title: if alerts.is_empty() {
                String::new()
            } else {
                "Alerts".into()
            },
            lines: alerts.iter().take(MAX_ALERTS).map(item_line).collect(),
            more: alerts.len().saturating_sub(MAX_ALERTS),
            link: web_url(incident.get("incidentWebUrl")),
            link_title: "Open in Defender",
        }
    }

    fn alert(alert: &Value) -> Summary {
        let field = |k: &str| text(alert.get(k).unwrap_or(&Value::Null));
        let mut facts = vec![
            ("Severity".to_string(), clean(&field("severity"), FACT_CHARS)),
            ("Status".to_string(), clean(&field("status"), FACT_CHARS)),
            ("Service source".to_string(), clean(&field("serviceSource"), FACT_CHARS)),
        ];
        let incident = field("incidentId");
        if !incident.is_empty() {
            facts.push(("Incident".to_string(), clean(&incident, FACT_CHARS)));
        }
        facts.push(("Created".to_string(), when(alert.get("createdDateTime"))));
        Summary {
            title: title_or(&field("title"), || format!("Alert {}", field("id"))),
            subtitle: "Alert".into(),
            facts,
            link: web_url(alert.get("alertWebUrl")),
            link_title: "Open in Defender",
            ..Summary::default()
        }
    }

    fn row(playbook: &str, row: &Value) -> Summary {
        let facts = match row {
            Value::Object(m) => m
                .iter()
                .take(MAX_ROW_FACTS)
                .map(|(k, v)| (clean(k, FACT_CHARS), clean(&text(v), FACT_CHARS)))
                .collect(),
            other => vec![("Row".to_string(), clean(&text(other), FACT_CHARS))],
        };
        Summary {
            title: clean(playbook, TITLE_CHARS),
            subtitle: "Advanced hunting result".into(),
            facts,
            ..Summary::default()
        }
    }

    fn digest(playbook: &str, items: &[Value]) -> Summary {
        Summary {
            title: clean(playbook, TITLE_CHARS),
            subtitle: format!("{} {}", items.len(), if items.len() == 1 { "item" } else { "items" }),
            facts: vec![("Items".to_string(), items.len().to_string())],
            list_title: if items.is_empty() {
                String::new()
            } else {
                "Items".into()
            },
            lines: items.iter().take(MAX_DIGEST_LINES).map(item_line).collect(),
            more: items.len().saturating_sub(MAX_DIGEST_LINES),
            ..Summary::default()
        }
    }
}

/// One line for an alert (`[high] title`), an incident (`[high] name`) or a row
/// (`Column: value · Column: value`).
fn item_line(item: &Value) -> String {
    let get = |k: &str| item.get(k).map(text).unwrap_or_default();
    let titled = ["title", "displayName"]
        .iter()
        .map(|k| get(k))
        .find(|t| !t.trim().is_empty());
    let line = match (titled, item) {
        (Some(title), _) => {
            let severity = get("severity");
            if severity.is_empty() {
                title
            } else {
                format!("[{severity}] {title}")
            }
        }
        (None, Value::Object(m)) => {
            let mut out = String::new();
            for (k, v) in m {
                if !out.is_empty() {
                    out.push_str(" · ");
                }
                out.push_str(k);
                out.push_str(": ");
                out.push_str(&text(v));
                if out.chars().count() > LINE_CHARS {
                    break;
                }
            }
            out
        }
        (None, other) => text(other),
    };
    clean(&line, LINE_CHARS)
}

fn title_or(title: &str, fallback: impl FnOnce() -> String) -> String {
    if title.trim().is_empty() {
        clean(&fallback(), TITLE_CHARS)
    } else {
        clean(title, TITLE_CHARS)
    }
}

fn assignee(v: Option<&Value>) -> String {
    match v.map(text) {
        Some(a) if !a.trim().is_empty() => clean(&a, FACT_CHARS),
        _ => "unassigned".into(),
    }
}

/// `2026-05-12 14:45 UTC` from Graph's datetime; the text as given when it does not parse.
fn when(v: Option<&Value>) -> String {
    let t = v.map(text).unwrap_or_default();
    match DateTime::parse_from_rfc3339(&t) {
        Ok(d) => d.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) if t.is_empty() => "unknown".into(),
        Err(_) => clean(&t, FACT_CHARS),
    }
}

/// Graph's web URL when it is an http(s) URL without spaces; anything else shows no button.
fn web_url(v: Option<&Value>) -> Option<String> {
    let s = v?.as_str()?.trim();
    let url = url::Url::parse(s).ok()?;
    matches!(url.scheme(), "https" | "http")
        .then(|| url.to_string())
        .filter(|u| u.len() <= 3000)
}

/// A JSON value as display text: strings as they are, null as empty, the rest as JSON.
pub(super) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// One line (control characters, newlines included, become spaces; runs of spaces collapse),
/// trimmed, at most `max` characters.
pub(super) fn clean(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max * 4));
    let mut space = false;
    for c in s.chars() {
        if c.is_control() || c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    truncate(&out, max)
}

/// At most `max` characters, ending in `…` when cut.
pub(super) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_approval_request_says_what_and_how_in_every_format() {
        let request = crate::action::ApprovalRequest {
            id: "ap-0123456789".into(),
            playbook: "isolate".into(),
            action: crate::action::ActionKind::IsolateDevice,
            item_id: "alert-1".into(),
            params: json!({ "devices": ["<!channel> d1"] }),
            expires: "2030-01-01T04:00:00Z".into(),
            links: None,
        };
        let body = approval_body(WebhookFormat::Json, &request);
        assert_eq!(body["approval"], "ap-0123456789");
        assert_eq!(body["params"]["devices"][0], "<!channel> d1");
        assert!(
            body["decide"]
                .as_str()
                .unwrap()
                .contains("graphsoar approve ap-0123456789")
        );
        for format in [WebhookFormat::Teams, WebhookFormat::Slack] {
            let text = approval_body(format, &request).to_string();
            assert!(
                text.contains("ap-0123456789") && text.contains("isolate_device"),
                "{text}"
            );
            assert!(!text.contains("<!channel>"), "mentions are neutralised: {text}");
        }
    }

    #[test]
    fn clean_folds_lines_and_caps() {
        assert_eq!(clean("  a\n\tb\r\n  c ", 100), "a b c");
        assert_eq!(clean("abcdef", 4), "abc…");
        assert_eq!(truncate("ééé", 3), "ééé");
        assert_eq!(truncate("éééé", 3).chars().count(), 3);
    }

    #[test]
    fn only_http_links() {
        assert_eq!(web_url(Some(&json!("javascript:alert(1)"))), None);
        assert_eq!(web_url(Some(&json!("not a url"))), None);
        assert!(web_url(Some(&json!("https://security.microsoft.com/incidents/1"))).is_some());
    }

    #[test]
    fn unassigned_incident() {
        let s = Summary::from_context(&json!({
            "playbook": {"name": "p"},
            "incident": {"id": "7", "displayName": "X", "severity": "high", "status": "active", "assignedTo": null}
        }));
        assert!(s.facts.contains(&("Assigned to".into(), "unassigned".into())));
        assert_eq!(s.subtitle, "Incident 7 · graphsoar playbook p");
        assert_eq!(s.link, None);
    }

    #[test]
    fn digest_lists_twenty_and_counts_the_rest() {
        let items: Vec<Value> = (0..25).map(|i| json!({"DeviceName": format!("d{i}")})).collect();
        let s = Summary::from_context(&json!({"playbook": {"name": "p"}, "items": items}));
        assert_eq!(s.lines.len(), 20);
        assert_eq!(s.more, 5);
        assert_eq!(s.lines[0], "DeviceName: d0");
    }
}
