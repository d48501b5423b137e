//! `identityAccounts`: list, get and `invokeAction` (response-actions-api.md §5.1, §5.2).
//!
//! Entities are `security.user` (`@odata.type`), with `accounts[]` keyed `identityProvider` as
//! the CSDL and the resource page write it; the docs' list example says `provider` with
//! `ActiveDirectory` (§5.1), which graphsoar's client also reads.
//!
//! List options: `$filter` (parsed and evaluated by [`crate::odata`]) over a documented subset,
//! [`FILTERABLE`], of which Graph's own support is unverified beyond
//! `onPremisesSecurityIdentifier` (§5.1, §11 question 9), with `eq`/`ne`/`in`/`and`/`or`/`not`
//! and `contains`/`startswith`/`endswith`; `$select`; `$count`; `$top` (the page size, default
//! [`PAGE_SIZE`], at most 1000 like the other lists) and `$skiptoken` from `@odata.nextLink`
//! (keyset on the id, so paging is stable while actions change identities). Any other option
//! is a 400. A get takes `$select` only; an unknown id is 404 `itemNotFound`.
//!
//! `invokeAction` answers 200 with the CSDL's `invokeActionResult`, unwrapped and keyed
//! `identityProvider`; the docs' example wraps it in `value` with the key `provider` (§5.2): the
//! emulator follows the CSDL. `disable`/`enable` set `isEnabled` (one flag for both providers),
//! `forcePasswordReset` counts a reset, `revokeAllSessions`/`requireUserToSignInAgain` count a
//! session revocation, `markUserAsCompromised` confirms compromise. No repeat is refused (the
//! docs do not say, §8).

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::directory::{ACTIVE_DIRECTORY, ENTRA_ID, Identity};
use super::{answer, context, current, invalid, member, parameters, required_text};
use crate::emulator::Emulator;
use crate::emulator::auth::Caller;
use crate::emulator::error::{ApiError, ApiResult, GraphJson};
use crate::emulator::handlers::{ApiVersion, json_bytes, origin};
use crate::emulator::list::{MAX_TOP, entity_body, page_body};
use crate::graph::Permission;
use crate::graph::models::identity::{InvokeActionRequest, InvokeActionResult};
use crate::odata::{self, Expr, Operand};

/// The page size without `$top`.
pub const PAGE_SIZE: usize = 100;

/// The properties `$filter` may compare.
pub const FILTERABLE: &[&str] = &[
    "id",
    "displayName",
    "domain",
    "isEnabled",
    "onPremisesSecurityIdentifier",
    "cloudSecurityIdentifier",
    "userPrincipalName",
];

/// The properties `$select` may name.
const SELECTABLE: &[&str] = &[
    "id",
    "displayName",
    "domain",
    "isEnabled",
    "onPremisesSecurityIdentifier",
    "cloudSecurityIdentifier",
    "userPrincipalName",
    "accounts",
];

/// Every `security.action` member (§5.2), `unknownFutureValue` left out.
pub const ACTIONS: &[&str] = &[
    "disable",
    "enable",
    "forcePasswordReset",
    "revokeAllSessions",
    "requireUserToSignInAgain",
    "markUserAsCompromised",
];

/// Every `security.identityProvider` member (§5.2), `unknownFutureValue` left out.
pub const PROVIDERS: &[&str] = &[ENTRA_ID, ACTIVE_DIRECTORY, "okta"];

const ENTITY: &str = "microsoft.graph.security.identityAccounts";
const SEGMENT: &str = "security/identities/identityAccounts";

/// The state of a listing, carried in `$skiptoken`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Token {
    /// The filter text.
    f: Option<String>,
    /// The page size.
    t: usize,
    /// `$select`.
    l: Option<Vec<String>>,
    /// The last id served.
    a: String,
}

/// Whether `expr` reads only [`FILTERABLE`] properties and supported functions.
fn check_filter(expr: &Expr) -> Result<(), String> {
    match expr {
        Expr::Or(items) | Expr::And(items) => items.iter().try_for_each(check_filter),
        Expr::Not { expr, .. } => check_filter(expr),
        Expr::Compare { left, right, .. } => check_operand(left).and_then(|()| check_operand(right)),
        Expr::In { left, list, .. } => {
            check_operand(left)?;
            list.iter().try_for_each(check_operand)
        }
        Expr::Value(operand) => check_operand(operand),
    }
}

fn check_operand(operand: &Operand) -> Result<(), String> {
    match operand {
        Operand::Property { path, .. } if FILTERABLE.contains(&path.as_str()) => Ok(()),
        Operand::Property { path, .. } => Err(format!(
            "the property '{path}' cannot be filtered on type '{ENTITY}'; the emulator filters on {}",
            FILTERABLE.join(", ")
        )),
        Operand::Literal { .. } => Ok(()),
        Operand::Call(call)
            if call.target.is_none() && ["contains", "startswith", "endswith"].contains(&call.name.as_str()) =>
        {
            call.args.iter().try_for_each(check_filter)
        }
        Operand::Call(call) => Err(format!(
            "the function '{}' is not supported here; use contains, startswith or endswith",
            call.name
        )),
    }
}

fn parse_filter(text: &str) -> Result<Expr, ApiError> {
    let expr =
        odata::parse(text).map_err(|e| ApiError::bad_request(format!("Invalid filter clause: {}", e.message)))?;
    check_filter(&expr).map_err(|e| ApiError::bad_request(format!("Invalid filter clause: {e}.")))?;
    Ok(expr)
}

fn parse_select(text: &str) -> Result<Vec<String>, ApiError> {
    let mut names: Vec<String> = Vec::new();
    for name in text.split(',').map(str::trim) {
        if !SELECTABLE.contains(&name) {
            return Err(ApiError::bad_request(format!(
                "Could not find a property named '{name}' on type '{ENTITY}'."
            )));
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

/// The checked options of a list (or, `single`, a get).
#[derive(Debug, Default)]
struct Options {
    token: Token,
    filter: Option<Expr>,
    count: bool,
}

fn parse_options(query: Option<&str>, single: bool) -> Result<Options, ApiError> {
    let mut options = Options::default();
    let mut top = None;
    let mut seen: Vec<String> = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let name = key.to_ascii_lowercase();
        if seen.contains(&name) {
            return Err(ApiError::bad_request(format!(
                "The query option '{key}' is given more than once."
            )));
        }
        seen.push(name.clone());
        if single && name != "$select" {
            return Err(ApiError::bad_request(format!(
                "The query option '{key}' is not supported on a single identity account; supported: $select."
            )));
        }
        match name.as_str() {
            "$filter" => {
                options.filter = Some(parse_filter(&value)?);
                options.token.f = Some(value.into_owned());
            }
            "$select" => options.token.l = Some(parse_select(&value)?),
            "$top" => {
                let n = value.trim().parse::<usize>().map_err(|_| {
                    ApiError::bad_request(format!(
                        "Invalid value '{value}' for $top query option found. The $top query option requires a \
                         non-negative integer value."
                    ))
                })?;
                if n > MAX_TOP {
                    return Err(ApiError::bad_request(format!(
                        "The value of $top, {n}, is too large: the maximum is {MAX_TOP}."
                    )));
                }
                top = Some(n);
            }
            "$count" => {
                options.count = match value.as_ref() {
                    "true" => true,
                    "false" => false,
                    other => {
                        return Err(ApiError::bad_request(format!(
                            "'{other}' is not a valid count option; use $count=true or $count=false."
                        )));
                    }
                }
            }
            "$skiptoken" => {
                let invalid =
                    || ApiError::bad_request("The $skiptoken is not valid; start the listing again without it.");
                let bytes = URL_SAFE_NO_PAD.decode(value.trim()).map_err(|_| invalid())?;
                let token: Token = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
                options.filter = token.f.as_deref().map(parse_filter).transpose()?;
                options.token = token;
                return Ok(options);
            }
            _ => {
                return Err(ApiError::bad_request(format!(
                    "The query option '{key}' is not supported by /{SEGMENT}; supported: $filter, $select, $top, \
                     $count."
                )));
            }
        }
    }
    options.token.t = top.unwrap_or(PAGE_SIZE);
    Ok(options)
}

/// `json` with only the `select`ed properties (and `@odata.type`).
fn project(json: Value, select: Option<&[String]>) -> Value {
    let (Some(select), Value::Object(object)) = (select, &json) else {
        return json;
    };
    let kept = object
        .iter()
        .filter(|(k, _)| *k == "@odata.type" || select.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(kept)
}

fn fragment(select: Option<&[String]>, single: bool) -> String {
    let mut fragment = SEGMENT.to_owned();
    if let Some(select) = select {
        fragment = format!("{fragment}({})", select.join(","));
    }
    if single {
        fragment.push_str("/$entity");
    }
    fragment
}

/// `GET /security/identities/identityAccounts` (§5.1).
pub async fn identity_accounts_list(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    Extension(version): Extension<ApiVersion>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require(Permission::SecurityIdentitiesAccountRead)?;
    let options = parse_options(query.as_deref(), false)?;
    let first = options.token.a.is_empty();
    let directory = current(&emu);
    let mut token = options.token.clone();
    let mut count = 0;
    let mut page = Vec::new();
    let mut more = false;
    {
        let state = emu.identity();
        let matching = directory
            .iter()
            .map(|identity| identity.json(state.of(&identity.id).is_enabled()))
            .filter(|json| options.filter.as_ref().is_none_or(|expr| odata::eval(expr, json)));
        for json in matching {
            count += 1;
            let id = json["id"].as_str().unwrap_or_default();
            if !first && id <= options.token.a.as_str() {
                continue;
            }
            if page.len() < token.t {
                page.push(json);
            } else {
                more = true;
                if !options.count {
                    break;
                }
            }
        }
    }
    if let Some(last) = page.last() {
        token.a = last["id"].as_str().unwrap_or_default().to_owned();
    }
    let next_link = (more && token.t > 0).then(|| {
        let encoded = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).unwrap_or_default());
        format!(
            "{}/{}/{SEGMENT}?$skiptoken={encoded}",
            origin(&headers),
            version.segment()
        )
    });
    let select = token.l.as_deref();
    let items: Vec<Bytes> = page
        .into_iter()
        .map(|json| Bytes::from(serde_json::to_vec(&project(json, select)).unwrap_or_default()))
        .collect();
    let body = page_body(
        &context(&headers, version, &fragment(select, false)),
        (first && options.count).then_some(count),
        next_link.as_deref(),
        &items,
    );
    Ok(json_bytes(StatusCode::OK, body))
}

/// The identity `id`, or 404 `itemNotFound`.
fn identity_of(directory: &super::directory::Directory, id: &str) -> Result<Identity, ApiError> {
    directory.get(id).cloned().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "itemNotFound",
            format!("The identity account with id '{id}' was not found."),
        )
    })
}

/// `GET /security/identities/identityAccounts/{id}` (§5.1).
pub async fn identity_account_get(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    Extension(version): Extension<ApiVersion>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    caller.require(Permission::SecurityIdentitiesAccountRead)?;
    let options = parse_options(query.as_deref(), true)?;
    let identity = identity_of(&current(&emu), &id)?;
    let enabled = emu.identity().of(&identity.id).is_enabled();
    let select = options.token.l.as_deref();
    let json = serde_json::to_vec(&project(identity.json(enabled), select)).unwrap_or_default();
    Ok(json_bytes(
        StatusCode::OK,
        entity_body(&context(&headers, version, &fragment(select, true)), &json),
    ))
}

/// The body of `invokeAction`, checked against the identity: the typed request.
fn check_invoke(identity: &Identity, body: &Value) -> Result<InvokeActionRequest, ApiError> {
    let params = parameters(body, "invokeAction", &["accountId", "action", "identityProvider"])?;
    let account_id = required_text(
        params,
        "accountId",
        "the identifier of one of the identity's accounts (accounts[].identifier)",
    )?;
    let action = required_text(params, "action", "what to do, e.g. disable")?;
    let provider = required_text(
        params,
        "identityProvider",
        "the provider of the account, e.g. activeDirectory",
    )?;
    let action = member("action", action, "security.action", ACTIONS)?;
    let provider = member("identityProvider", provider, "security.identityProvider", PROVIDERS)?;
    let providers: Vec<String> = identity.accounts().into_iter().map(|a| a.identity_provider).collect();
    let Some(account) = identity.account(provider) else {
        return Err(invalid(format!(
            "The parameter 'identityProvider': the identity account '{}' has no {provider} account; its accounts are \
             {}.",
            identity.id,
            if providers.is_empty() {
                "none".to_owned()
            } else {
                providers.join(", ")
            }
        )));
    };
    if account.identifier != account_id {
        return Err(invalid(format!(
            "The parameter 'accountId': '{account_id}' is not the {provider} account of the identity account '{}'; \
             that account's identifier is '{}'.",
            identity.id, account.identifier
        )));
    }
    if !account.actions.iter().any(|a| a == action) {
        return Err(invalid(format!(
            "The parameter 'action': {action} is not available for the {provider} account; its actions are {}.",
            account.actions.join(", ")
        )));
    }
    serde_json::from_value(body.clone()).map_err(|e| invalid(format!("Invalid request body: {e}")))
}

/// `POST /security/identities/identityAccounts/{id}/invokeAction` (§5.2).
pub async fn identity_account_invoke(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    Extension(version): Extension<ApiVersion>,
    headers: HeaderMap,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<Value>,
) -> ApiResult {
    caller.require(Permission::SecurityIdentitiesActionsReadWrite)?;
    let identity = identity_of(&current(&emu), &id)?;
    let request = check_invoke(&identity, &body)?;
    let now = emu.now();
    {
        let mut state = emu.identity();
        let at = state.identities.entry(identity.id.clone()).or_default();
        match request.action.as_str() {
            "disable" => at.enabled = Some(false),
            "enable" => at.enabled = Some(true),
            "forcePasswordReset" => at.password_resets += 1,
            "revokeAllSessions" | "requireUserToSignInAgain" => {
                at.sessions_revoked += 1;
                at.sessions_revoked_at = Some(now);
            }
            "markUserAsCompromised" => at.compromised_at = Some(now),
            _ => {}
        }
    }
    tracing::info!(
        identity = %identity.id, action = %request.action, provider = %request.identity_provider,
        client = %caller.client_id, "Identity action invoked."
    );
    let result = InvokeActionResult {
        account_id: request.account_id,
        action: request.action,
        correlation_id: Some(uuid::Uuid::new_v4().to_string()),
        identity_provider: request.identity_provider,
    };
    let context = context(&headers, version, "microsoft.graph.security.invokeActionResult");
    Ok(answer(
        StatusCode::OK,
        &context,
        serde_json::to_value(result).unwrap_or_default(),
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn filters_read_the_documented_subset_only() {
        assert!(parse_filter("onPremisesSecurityIdentifier eq 'S-1-5-21-1'").is_ok());
        assert!(parse_filter("isEnabled eq false and startswith(displayName,'J')").is_ok());
        let accounts = parse_filter("accounts/any(a: a/identifier eq 'x')")
            .unwrap_err()
            .message;
        assert!(accounts.contains("not supported"), "{accounts}");
        let unknown = parse_filter("riskLevel eq 'high'").unwrap_err().message;
        assert!(
            unknown.contains("'riskLevel' cannot be filtered") && unknown.contains("onPremisesSecurityIdentifier"),
            "{unknown}"
        );
        let syntax = parse_filter("displayName eq").unwrap_err().message;
        assert!(syntax.starts_with("Invalid filter clause"), "{syntax}");
    }

    #[test]
    fn options_are_checked_and_a_token_carries_the_listing() {
        let options = parse_options(Some("$top=2&$select=id,displayName&$count=true"), false).unwrap();
        assert_eq!(options.token.t, 2);
        assert!(options.count);
        assert_eq!(
            options.token.l.as_deref(),
            Some(&["id".to_owned(), "displayName".to_owned()][..])
        );
        assert_eq!(parse_options(None, false).unwrap().token.t, PAGE_SIZE);
        for (query, single, needle) in [
            ("$top=1001", false, "too large"),
            ("$top=x", false, "non-negative integer"),
            ("$orderby=id", false, "not supported"),
            ("$select=riskLevel", false, "riskLevel"),
            ("$top=1", true, "single identity account"),
            ("$skiptoken=%%%", false, "$skiptoken is not valid"),
            ("$top=1&$top=2", false, "more than once"),
        ] {
            let error = parse_options(Some(query), single).unwrap_err().message;
            assert!(error.contains(needle), "{query}: {error}");
        }
        let selected = project(
            json!({"@odata.type": "t", "id": "1", "displayName": "x", "accounts": []}),
            Some(&["displayName".to_owned()]),
        );
        assert_eq!(selected, json!({"@odata.type": "t", "displayName": "x"}));
    }
}
