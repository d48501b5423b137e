//! The shipped Slack message: `text` (the notification fallback) and Block Kit blocks, kept
//! within Slack's limits (50 blocks; header 150 characters; section text 3000; 10 fields of at
//! most 2000; button URL 3000), cutting with `…` rather than having Slack reject the message.
//!
//! `mrkdwn` texts escape `&`, `<` and `>` (so `<!channel>` or `<https://evil|click>` in an
//! alert title is shown, not obeyed) and neutralise mentions; `plain_text` neutralises mentions.

use serde_json::{Value, json};

use super::card::Summary;
use crate::template::neutralise_mentions;

const MAX_BLOCKS: usize = 50;
const HEADER_CHARS: usize = 150;
const TEXT_CHARS: usize = 3000;
const MAX_FIELDS: usize = 10;
const FIELD_CHARS: usize = 2000;
const BUTTON_CHARS: usize = 75;
const URL_CHARS: usize = 3000;
/// Context blocks take at most 10 elements.
const CONTEXT_ELEMENTS: usize = 10;

/// The whole request body.
pub(super) fn message(s: &Summary) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": { "type": "plain_text", "text": cap(&plain(&s.title), HEADER_CHARS), "emoji": false },
    })];
    if !s.facts.is_empty() {
        let fields: Vec<Value> = s
            .facts
            .iter()
            .take(MAX_FIELDS)
            .map(|(k, v)| {
                json!({ "type": "mrkdwn", "text": cap(&format!("*{}*\n{}", mrkdwn(k), mrkdwn(v)), FIELD_CHARS) })
            })
            .collect();
        blocks.push(json!({ "type": "section", "fields": fields }));
    }
    if !s.lines.is_empty() {
        let mut text = format!("*{}*", mrkdwn(&s.list_title));
        for line in &s.lines {
            let line = format!("\n• {}", mrkdwn(line));
            if text.chars().count() + line.chars().count() > TEXT_CHARS {
                blocks.push(section(&text));
                text = line.trim_start().to_string();
            } else {
                text.push_str(&line);
            }
        }
        blocks.push(section(&text));
    }
    let mut context = Vec::new();
    if s.more > 0 {
        context.push(json!({ "type": "mrkdwn", "text": format!("and {} more", s.more) }));
    }
    if !s.subtitle.is_empty() {
        context.push(json!({ "type": "mrkdwn", "text": cap(&mrkdwn(&s.subtitle), TEXT_CHARS) }));
    }
    context.truncate(CONTEXT_ELEMENTS);
    let mut tail = Vec::new();
    if !context.is_empty() {
        tail.push(json!({ "type": "context", "elements": context }));
    }
    if let Some(url) = s.link.as_ref().filter(|u| u.chars().count() <= URL_CHARS) {
        tail.push(json!({
            "type": "actions",
            "elements": [{
                "type": "button",
                "text": { "type": "plain_text", "text": cap(s.link_title, BUTTON_CHARS) },
                "url": url,
            }],
        }));
    }
    blocks.truncate(MAX_BLOCKS - tail.len());
    blocks.extend(tail);
    let fallback = if s.subtitle.is_empty() {
        mrkdwn(&s.title)
    } else {
        format!("{} ({})", mrkdwn(&s.title), mrkdwn(&s.subtitle))
    };
    json!({ "text": cap(&fallback, TEXT_CHARS), "blocks": blocks })
}

fn section(text: &str) -> Value {
    json!({ "type": "section", "text": { "type": "mrkdwn", "text": cap(text, TEXT_CHARS) } })
}

/// Text for `mrkdwn`: `&`, `<`, `>` escaped as Slack requires, then mentions neutralised.
fn mrkdwn(s: &str) -> String {
    neutralise_mentions(&s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;"))
}

/// Text for `plain_text`: mentions neutralised.
fn plain(s: &str) -> String {
    neutralise_mentions(s)
}

/// At most `max` characters, ending in `…` when cut, never in the middle of an `&amp;`.
fn cap(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    if let Some(amp) = out.rfind('&')
        && !out[amp..].contains(';')
    {
        out.truncate(amp);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_defuses() {
        let t = mrkdwn("<!channel> <https://evil|click> a&b @here");
        assert!(!t.contains('<') && !t.contains('>') && !t.contains("@here"));
        assert!(t.contains("a&amp;b"));
    }

    #[test]
    fn cap_never_splits_an_entity() {
        let t = cap("abc&amp;def", 6);
        assert_eq!(t, "abc…");
        assert_eq!(cap("abcdef", 6), "abcdef");
    }
}
