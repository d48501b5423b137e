//! The pages behind the approve and deny links (served on `listen` with the health endpoints).
//!
//! `GET /approvals/{id}/{approve|deny}?r=…&e=…&s=…` never changes anything (mail scanners follow
//! links): it checks the link and shows a confirmation page saying what will be done, with a
//! form. The decision is the form's `POST` to the same URL, which must carry the page's token,
//! bound to the link and to a random cookie the page set (`SameSite=Strict`). Every page escapes
//! what it shows, sends `Referrer-Policy: no-referrer` (the link must not leak to other sites)
//! and a content security policy that allows no script, and is never cached. The recipient the
//! link was made for is recorded as who decided.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::health::Health;
use super::links::{Link, LinkDecision, Signer, constant_time_eq};
use crate::state::{ApprovalState, Decision, StateError};

/// The name of the cookie holding the form's nonce.
const COOKIE: &str = "graphsoar_form";

#[derive(Clone)]
struct Pages {
    signer: Signer,
    health: Arc<Health>,
}

/// The approval pages' router.
pub fn router(signer: Signer, health: Arc<Health>) -> Router {
    Router::new()
        .route("/approvals/{id}/{decision}", get(page_get).post(page_post))
        .with_state(Pages { signer, health })
}

/// HTML-escapes text for element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// A page: `title` and `body` (already escaped HTML), with the headers every page sends.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{t}</title><style>body{{font-family:sans-serif;max-width:44em;margin:2em auto;padding:0 1em}}\
         pre{{white-space:pre-wrap;background:#f4f4f4;padding:.6em}}button{{font-size:1.1em;padding:.4em 1.2em}}</style>\
         </head><body><h1>{t}</h1>\n{body}\n</body></html>\n",
        t = escape(title)
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    let fixed = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Why a link cannot be used now: rendered as a page.
#[derive(Debug)]
struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        page(
            self.0,
            "This link cannot be used",
            &format!("<p>{}</p>", escape(&self.1)),
        )
    }
}

fn refused(status: StatusCode, why: &str) -> Refusal {
    Refusal(status, why.to_owned())
}

/// The link a request names, if its signature is right.
fn link_of(pages: &Pages, id: &str, decision: &str, query: Option<&str>) -> Result<Link, Refusal> {
    let forged = || {
        refused(
            StatusCode::FORBIDDEN,
            "The link is not valid (it was changed, or was not made by this engine). Use the link from the approval request as it was sent.",
        )
    };
    let decision = LinkDecision::parse(decision).ok_or_else(forged)?;
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| pairs.iter().find(|(name, _)| name == k).map(|(_, v)| v.as_str());
    let (Some(recipient), Some(expires), Some(signature)) = (get("r"), get("e").and_then(|e| e.parse().ok()), get("s"))
    else {
        return Err(forged());
    };
    let link = Link {
        approval: id.to_owned(),
        decision,
        recipient: recipient.to_owned(),
        expires,
    };
    if pages.signer.verify(&link, signature) {
        Ok(link)
    } else {
        Err(forged())
    }
}

/// The nonce of the form cookie, if the request carries it.
fn cookie_nonce(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(&format!("{COOKIE}=")).map(str::to_owned))
}

/// The approval and entry of `link` while a decision can be taken, else why not.
async fn check_open(
    pages: &Pages,
    link: &Link,
) -> Result<(crate::state::ApprovalRecord, crate::state::LedgerEntry), Refusal> {
    let Some(store) = pages.health.store() else {
        return Err(refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "The engine is starting: try again in a minute.",
        ));
    };
    let id = link.approval.clone();
    let found = tokio::task::spawn_blocking(move || store.approval(&id)).await;
    let (approval, entry) = match found {
        Ok(Ok(pair)) => pair,
        Ok(Err(StateError::UnknownApproval { .. })) => {
            return Err(refused(
                StatusCode::NOT_FOUND,
                "This approval is not known to this engine.",
            ));
        }
        _ => {
            return Err(refused(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The engine cannot read its state; see its log.",
            ));
        }
    };
    if approval.expires.timestamp() != link.expires {
        return Err(refused(
            StatusCode::FORBIDDEN,
            "The link does not belong to this approval.",
        ));
    }
    if approval.state != ApprovalState::Waiting {
        let by = approval
            .decided_by
            .as_deref()
            .map(|b| format!(" by {b}"))
            .unwrap_or_default();
        return Err(refused(
            StatusCode::CONFLICT,
            &format!("This approval is already {}{by}: nothing was changed.", approval.state),
        ));
    }
    if approval.expires <= chrono::Utc::now() {
        return Err(refused(
            StatusCode::GONE,
            "This approval has expired: the action will not run.",
        ));
    }
    Ok((approval, entry))
}

async fn page_get(
    State(pages): State<Pages>,
    Path((id, decision)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let link = match link_of(&pages, &id, &decision, query.as_deref()) {
        Ok(link) => link,
        Err(refusal) => return refusal.into_response(),
    };
    let (approval, entry) = match check_open(&pages, &link).await {
        Ok(pair) => pair,
        Err(refusal) => return refusal.into_response(),
    };
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let token = pages.signer.form_token(&nonce, &link);
    let params = serde_json::to_string_pretty(&entry.params.to_json()).unwrap_or_default();
    let verb = match link.decision {
        LinkDecision::Approve => "Approve",
        LinkDecision::Deny => "Deny",
    };
    let body = format!(
        "<p>You ({recipient}) are asked to <strong>{verb_lower}</strong> this action of the graphsoar playbook <strong>{playbook}</strong>.</p>\
         <p>Action: <strong>{action}</strong> for item <code>{item}</code>. Approval {id}; it expires at {expires}.</p>\
         <p>What it will do, exactly:</p><pre>{params}</pre>\
         <form method=\"post\"><input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <button type=\"submit\" id=\"decide\">{verb}</button></form>\
         <p>Nothing has changed yet: the decision is taken only when you press the button.</p>",
        recipient = escape(&link.recipient),
        verb_lower = verb.to_lowercase(),
        playbook = escape(&approval.playbook),
        action = escape(entry.action.as_str()),
        item = escape(&entry.item_id),
        id = escape(&approval.id),
        expires = escape(&approval.expires.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
        params = escape(&params),
        token = escape(&token),
    );
    let mut response = page(StatusCode::OK, &format!("{verb} this action?"), &body);
    let cookie = format!(
        "{COOKIE}={nonce}; Path=/approvals/; HttpOnly; SameSite=Strict; Max-Age=1800{}",
        if pages.signer.is_https() { "; Secure" } else { "" }
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

async fn page_post(
    State(pages): State<Pages>,
    Path((id, decision)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let link = match link_of(&pages, &id, &decision, query.as_deref()) {
        Ok(link) => link,
        Err(refusal) => return refusal.into_response(),
    };
    let token = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let bound = cookie_nonce(&headers)
        .is_some_and(|nonce| constant_time_eq(pages.signer.form_token(&nonce, &link).as_bytes(), token.as_bytes()));
    if !bound {
        return refused(
            StatusCode::FORBIDDEN,
            "The form did not come from this link's page (or the page is too old). Open the link again and press the button there.",
        )
        .into_response();
    }
    if let Err(refusal) = check_open(&pages, &link).await {
        return refusal.into_response();
    }
    let Some(store) = pages.health.store() else {
        return refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "The engine is starting: try again in a minute.",
        )
        .into_response();
    };
    let by = link.recipient.clone();
    let decision = match link.decision {
        LinkDecision::Approve => Decision::Approve { by: by.clone() },
        LinkDecision::Deny => Decision::Deny {
            by: by.clone(),
            reason: Some("denied from the emailed link".into()),
        },
    };
    let approval = link.approval.clone();
    let decided = tokio::task::spawn_blocking(move || store.decide(&approval, &decision, chrono::Utc::now())).await;
    match decided {
        Ok(Ok(a)) => {
            tracing::warn!(approval = %a.id, decision = %a.state, by = %by, "Approval decided from its link.");
            let next = match a.state {
                ApprovalState::Approved => "The action runs at the playbook's next run.",
                _ => "The action will not run.",
            };
            page(
                StatusCode::OK,
                &format!(
                    "{} by {by}",
                    if a.state == ApprovalState::Approved {
                        "Approved"
                    } else {
                        "Denied"
                    }
                ),
                &format!(
                    "<p id=\"decided\">Approval {} is {}. {next}</p>",
                    escape(&a.id),
                    escape(a.state.as_str())
                ),
            )
        }
        Ok(Err(e @ (StateError::ApprovalDecided { .. } | StateError::ApprovalExpired { .. }))) => {
            refused(StatusCode::CONFLICT, &e.to_string()).into_response()
        }
        _ => refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The decision could not be recorded; see the engine's log.",
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_page_shows_is_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; graphsoar_form=abc; b=2"));
        assert_eq!(cookie_nonce(&h).as_deref(), Some("abc"));
    }
}
