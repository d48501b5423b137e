//! `email`: builds the message from frozen, rendered parameters and delivers it through the
//! [`Mailer`]: an SMTP server (see `mailer.rs`), or the outbox folder (one `.eml` per message,
//! lettre's file transport) when no SMTP server is configured. Delivery is at-least-once: the
//! `Message-ID` derives from the ledger id and the state database's instance ([`message_id`]),
//! so a message re-sent after a crash or an uncertain SMTP answer is recognisable as the same
//! message, and messages of engines with other state files never share one.
//!
//! Header values never come out of item data unfiltered: subjects are rendered as header
//! templates (line breaks become spaces), addresses and display names come from the playbook
//! and were validated at load, and lettre encodes non-ASCII header text (RFC 2047).

use std::path::Path;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{Message, Transport};
use serde::{Deserialize, Serialize};

use super::Outcome;

mod mailer;

pub use mailer::{Mailer, MailerError, SmtpMailer};

/// The frozen parameters of an `email` action: addresses as the playbook gave them (checked
/// at load), subject and bodies rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailParams {
    pub from: String,
    pub to: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    pub subject: String,
    /// The text body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The HTML body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
}

impl EmailParams {
    /// The email telling `to` about `notice`.
    pub fn notice(notice: &super::Notice, from: &str, to: &[String]) -> EmailParams {
        let super::Notice {
            playbook,
            source,
            failed_runs,
            since,
            last_error,
        } = notice;
        EmailParams {
            from: from.to_string(),
            to: to.to_vec(),
            cc: Vec::new(),
            reply_to: None,
            subject: notice.subject(),
            body: Some(format!(
                "The graphsoar playbook {playbook} ({source}) has failed {failed_runs} runs in a row, since {since}.\n\nLast error:\n{last_error}\n\nIt keeps running on its schedule. Fix it, or stop it with `enabled: false`.\n`graphsoar history --playbook {playbook}` shows its runs and actions.\n"
            )),
            html: None,
        }
    }
}

impl EmailParams {
    /// The email asking `to` to decide on `request`. Item data in it (the parameters) is plain
    /// text, never HTML.
    pub fn approval(request: &super::ApprovalRequest, from: &str, to: &[String]) -> EmailParams {
        EmailParams {
            from: from.to_string(),
            to: to.to_vec(),
            cc: Vec::new(),
            reply_to: None,
            subject: request.subject(),
            body: Some(format!(
                "The graphsoar playbook {playbook} planned an action that needs a person's approval.\n\nApproval: {id}\nAction: {action}\nItem: {item}\nWhat it will do: {what}\nExpires: {expires} (then it is dropped)\n\n{links}To decide, run:\n  {how}\n`graphsoar approvals` lists what waits.\n",
                playbook = request.playbook,
                id = request.id,
                action = request.action,
                item = request.item_id,
                what = request.what(),
                expires = request.expires,
                how = request.how(),
                links = match &request.links {
                    Some((approve, deny)) => format!(
                        "Approve (opens a page that asks you to confirm; the link is yours, do not forward it):\n  {approve}\nDeny:\n  {deny}\n\nOr "
                    ),
                    None => String::new(),
                },
            )),
            html: None,
        }
    }
}

/// The `Message-ID` of ledger entry `ledger_id` of `playbook`, in the state database
/// `instance`: the same on every retry, and unique across state files (ledger ids restart in
/// each, and one SOC mailbox may receive from several tenants' engines).
pub fn message_id(ledger_id: i64, instance: Option<&str>, playbook: &str) -> String {
    let instance = instance.map(|i| format!("{}.", sanitize(i))).unwrap_or_default();
    format!(
        "<graphsoar.{ledger_id}.{instance}{}@graphsoar.invalid>",
        sanitize(playbook)
    )
}

/// Builds the message. Addresses were validated at load; a rendered subject cannot add header
/// lines (templates for headers strip line breaks).
pub fn build(params: &EmailParams, ledger_id: i64, instance: Option<&str>, playbook: &str) -> Result<Message, String> {
    let mailbox = |s: &str| {
        s.parse::<Mailbox>()
            .map_err(|e| format!("`{s}` is not an address: {e}"))
    };
    let mut builder = Message::builder()
        .from(mailbox(&params.from)?)
        .subject(params.subject.as_str())
        .message_id(Some(message_id(ledger_id, instance, playbook)));
    for to in &params.to {
        builder = builder.to(mailbox(to)?);
    }
    for cc in &params.cc {
        builder = builder.cc(mailbox(cc)?);
    }
    if let Some(r) = &params.reply_to {
        builder = builder.reply_to(mailbox(r)?);
    }
    builder = builder
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Graphsoar-Playbook"),
            sanitize(playbook),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Graphsoar-Ledger-Id"),
            ledger_id.to_string(),
        ));
    let message = match (params.body.clone(), params.html.clone()) {
        (Some(body), Some(html)) => builder.multipart(MultiPart::alternative_plain_html(body, html)),
        (Some(body), None) => builder.singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(body)),
        (None, Some(html)) => builder.singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html)),
        (None, None) => return Err("the email has no body".into()),
    };
    message.map_err(|e| format!("cannot build the message: {e}"))
}

/// Playbook names are `[a-z0-9-]+` already; this keeps header values safe regardless.
fn sanitize(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect()
}

/// Writes the message to the outbox folder as an `.eml` file.
pub fn deliver_to_outbox(outbox: &Path, message: &Message) -> Outcome {
    if let Err(e) = std::fs::create_dir_all(outbox) {
        return Outcome::failed(
            format!("cannot create the outbox folder {}: {e}", outbox.display()),
            true,
        );
    }
    match lettre::FileTransport::new(outbox).send(message) {
        Ok(_) => Outcome::Done,
        Err(e) => Outcome::failed(format!("cannot write to the outbox {}: {e}", outbox.display()), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;

    fn params(subject: &str) -> EmailParams {
        EmailParams {
            from: "graphsoar@localhost".into(),
            to: vec!["a@example.com".into()],
            cc: vec![],
            reply_to: None,
            subject: subject.into(),
            body: Some("b".into()),
            html: None,
        }
    }

    #[test]
    fn message_has_ids_headers_and_both_parts() {
        let params = EmailParams {
            from: "soar@example.com".into(),
            to: vec!["soc@example.com".into()],
            cc: vec!["lead@example.com".into()],
            reply_to: None,
            subject: "[HIGH] Incident ü".into(),
            body: Some("text".into()),
            html: Some("<p>html</p>".into()),
        };
        let m = build(&params, 42, None, "notify-high").unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(
            raw.contains("Message-ID: <graphsoar.42.notify-high@graphsoar.invalid>"),
            "{raw}"
        );
        assert!(raw.contains("X-Graphsoar-Playbook: notify-high"));
        // With the state database's instance: unique across engines and their state files.
        assert_eq!(
            message_id(42, Some("0b5d6e1c-7f2a-4c7e-9a3b-2f1e0d9c8b7a"), "notify-high"),
            "<graphsoar.42.0b5d6e1c-7f2a-4c7e-9a3b-2f1e0d9c8b7a.notify-high@graphsoar.invalid>"
        );
        assert!(raw.contains("multipart/alternative"));
        assert!(
            raw.contains("Subject: [HIGH] Incident =?utf-8?b?w7w=?="),
            "non-ASCII subjects are encoded: {raw}"
        );
    }

    /// Defence in depth: even a subject that skipped header rendering (a hand-edited ledger)
    /// cannot add header lines.
    #[test]
    fn raw_line_breaks_in_a_subject_add_no_header() {
        let params = params("s\r\nBcc: evil@example.com\nX-A: b");
        let m = build(&params, 1, None, "p").unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        let head = raw.split("\r\n\r\n").next().unwrap();
        assert!(
            head.lines().all(|l| !l.starts_with("Bcc:") && !l.starts_with("X-A:")),
            "{head}"
        );
        assert_eq!(m.envelope().to().len(), 1);
    }

    #[test]
    fn outbox_gets_one_file_per_message() {
        let tmp = TempDir::new("outbox");
        // Not there yet: the first delivery creates it.
        let dir = tmp.path().join("outbox");
        let m = build(&params("s"), 1, None, "p").unwrap();
        assert_eq!(deliver_to_outbox(&dir, &m), Outcome::Done);
        assert_eq!(deliver_to_outbox(&dir, &m), Outcome::Done);
        let files = std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "eml"))
            .count();
        assert_eq!(files, 2);
    }
}
