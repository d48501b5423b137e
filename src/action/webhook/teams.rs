//! The shipped Microsoft Teams message: an Adaptive Card (1.5) in the envelope that Teams
//! Workflows ("When a Teams webhook request is received") and incoming webhooks accept.
//!
//! Teams renders a Markdown subset in `TextBlock` and `FactSet` texts, so item text has its
//! mentions neutralised and its Markdown links broken (`](` gets a zero-width space): an alert
//! title cannot become a clickable link or ping a channel.

use serde_json::{Value, json};

use super::card::Summary;
use crate::template::neutralise_mentions;

/// The whole request body.
pub(super) fn message(s: &Summary) -> Value {
    let mut body = vec![json!({
        "type": "TextBlock",
        "text": safe(&s.title),
        "size": "Large",
        "weight": "Bolder",
        "style": "heading",
        "wrap": true,
    })];
    if !s.subtitle.is_empty() {
        body.push(json!({
            "type": "TextBlock",
            "text": safe(&s.subtitle),
            "isSubtle": true,
            "spacing": "None",
            "wrap": true,
        }));
    }
    if !s.facts.is_empty() {
        let facts: Vec<Value> = s
            .facts
            .iter()
            .map(|(k, v)| json!({ "title": safe(k), "value": safe(v) }))
            .collect();
        body.push(json!({ "type": "FactSet", "facts": facts }));
    }
    if !s.lines.is_empty() {
        body.push(json!({
            "type": "TextBlock",
            "text": safe(&s.list_title),
            "weight": "Bolder",
            "wrap": true,
        }));
        for line in &s.lines {
            body.push(json!({ "type": "TextBlock", "text": safe(line), "spacing": "None", "wrap": true }));
        }
    }
    if s.more > 0 {
        body.push(json!({
            "type": "TextBlock",
            "text": format!("and {} more", s.more),
            "isSubtle": true,
            "spacing": "Small",
            "wrap": true,
        }));
    }
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.5",
        "msteams": { "width": "Full" },
        "body": body,
    });
    if let Some(url) = &s.link {
        card["actions"] = json!([{ "type": "Action.OpenUrl", "title": s.link_title, "url": url }]);
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card,
        }],
    })
}

/// Text shown by Teams: mentions neutralised, Markdown links broken.
fn safe(s: &str) -> String {
    neutralise_mentions(s).replace("](", "]\u{200B}(")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_links_do_not_link() {
        let t = safe("[Reset your password](https://evil.example) <at>Boss</at>");
        assert!(!t.contains("]("));
        assert!(!t.contains("<at>"));
    }
}
