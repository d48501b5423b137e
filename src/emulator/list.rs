//! Listing alerts and incidents: the OData query options, paging and the page body.
//!
//! Options: `$filter` (parsed and checked by [`crate::odata`]; what Graph would reject is a 400,
//! what it merely does not document is accepted), `$top`, `$skip`, `$count`, `$orderby`
//! (`createdDateTime` or `lastUpdateDateTime`, `asc`/`desc`), `$expand=alerts` (incidents only),
//! `$select` (known properties; also on a single item) and `$skiptoken` (from a next link). Any
//! other `$` option, or one given twice, is a 400.
//!
//! Page sizes: `$top` is the page size, as in Graph (`@odata.nextLink` continues with the same
//! size). Alerts: default and maximum 1000. Incidents: default and maximum 50 (the size
//! integrations use with `$expand=alerts`); a larger `$top` still gets pages of 50. A `$top`
//! above 1000 is a 400 on both, like the documented legacy security cap. `$skip` applies to the
//! first page; `@odata.count` (with `$count=true`) is on the first page only and counts every
//! match.
//!
//! Paging stays right while items change between pages. The default order is
//! `createdDateTime desc, id desc`; `createdDateTime asc` is its reverse. Both page with a keyset
//! cursor on the immutable `(createdDateTime, id)`, carried in the opaque `$skiptoken`, so an
//! item present and matching throughout a listing appears exactly once. An order on
//! `lastUpdateDateTime`, which PATCHes change, is pinned at the first page to a server-side
//! snapshot of the matching ids (kept [`SNAPSHOT_TTL`]); later pages serve the current state of
//! those ids that still match. An unreadable, foreign or expired `$skiptoken` is a 400.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::{BufMut, Bytes, BytesMut};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::raw::RawObject;
use super::store::{Entity, Kind, SortKey, Store};
use crate::odata::{self, Expr, Severity};

/// How long a `lastUpdateDateTime` listing's snapshot lives after its first page.
pub const SNAPSHOT_TTL: Duration = Duration::from_secs(600);

/// The largest `$top` accepted (the legacy security API's documented cap).
pub const MAX_TOP: usize = 1000;

/// Default and maximum page size of `kind`.
pub fn page_size(kind: Kind) -> usize {
    match kind {
        Kind::Alert => 1000,
        Kind::Incident => 50,
    }
}

/// The sort order of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Order {
    /// `createdDateTime desc` (the default: most recent first).
    CreatedDesc,
    /// `createdDateTime asc`.
    CreatedAsc,
    /// `lastUpdateDateTime desc`.
    UpdatedDesc,
    /// `lastUpdateDateTime asc`.
    UpdatedAsc,
}

/// The query options of one list request, checked.
#[derive(Debug, Clone)]
pub struct ListOptions {
    filter_text: Option<String>,
    filter: Option<Expr>,
    top: Option<usize>,
    skip: usize,
    count: bool,
    order: Order,
    /// `$expand=alerts`.
    pub expand_alerts: bool,
    /// `$select`: the properties to return, in the order asked.
    pub select: Option<Vec<String>>,
    /// Served under `/beta`: incidents keep their beta-only properties.
    pub beta: bool,
    token: Option<Token>,
}

/// What a `$skiptoken` carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Token {
    /// The collection segment.
    r: String,
    f: Option<String>,
    t: usize,
    x: bool,
    o: Order,
    /// `$select`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    l: Option<Vec<String>>,
    /// Keyset cursor: the last item served (seconds, nanoseconds, id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<(i64, u32, String)>,
    /// Snapshot id and position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    s: Option<(String, usize)>,
}

/// Parses the raw query string of a list (or get, with `single`) request under `/beta`
/// (`beta`) or `/v1.0`.
pub fn parse_options(kind: Kind, raw_query: Option<&str>, single: bool, beta: bool) -> Result<ListOptions, ApiError> {
    let mut options = ListOptions {
        filter_text: None,
        filter: None,
        top: None,
        skip: 0,
        count: false,
        order: Order::CreatedDesc,
        expand_alerts: false,
        select: None,
        beta,
        token: None,
    };
    let mut seen: Vec<String> = Vec::new();
    for (key, value) in url::form_urlencoded::parse(raw_query.unwrap_or_default().as_bytes()) {
        if !key.starts_with('$') {
            continue;
        }
        let name = key.to_ascii_lowercase();
        if seen.contains(&name) {
            return Err(ApiError::bad_request(format!(
                "Query option '{key}' was specified more than once, but it must be specified at most once."
            )));
        }
        seen.push(name.clone());
        let allowed_on_single = name == "$expand" || name == "$select";
        if single && !allowed_on_single {
            return Err(ApiError::bad_request(format!(
                "The query option '{key}' is not supported on a single {}.",
                kind.noun()
            )));
        }
        match name.as_str() {
            "$filter" => {
                options.filter = Some(parse_filter(kind, &value)?);
                options.filter_text = Some(value.into_owned());
            }
            "$top" => {
                let top = parse_count_option("$top", &value)?;
                if top > MAX_TOP {
                    return Err(ApiError::bad_request(format!(
                        "The value of $top, {top}, is too large: the maximum is {MAX_TOP}."
                    )));
                }
                options.top = Some(top);
            }
            "$skip" => options.skip = parse_count_option("$skip", &value)?,
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
            "$orderby" => options.order = parse_order(&value)?,
            "$expand" => match (kind, value.trim()) {
                (Kind::Incident, "alerts") => options.expand_alerts = true,
                (_, other) => {
                    return Err(ApiError::bad_request(format!(
                        "Could not find a navigation property named '{other}' on type '{}'.",
                        &kind.odata_type()[1..]
                    )));
                }
            },
            "$select" => options.select = Some(parse_select(kind, &value, beta)?),
            "$skiptoken" => options.token = Some(decode_token(kind, &value)?),
            _ => {
                return Err(ApiError::bad_request(format!(
                    "The query option '{key}' is not supported by /security/{}; supported: $filter, $top, $skip, \
                     $count, $orderby, $select{}.",
                    kind.segment(),
                    if kind == Kind::Incident { ", $expand" } else { "" }
                )));
            }
        }
    }
    Ok(options)
}

fn parse_filter(kind: Kind, text: &str) -> Result<Expr, ApiError> {
    let expr =
        odata::parse(text).map_err(|e| ApiError::bad_request(format!("Invalid filter clause: {}", e.message)))?;
    if let Some(error) = odata::check(&expr, kind.resource())
        .into_iter()
        .find(|f| f.severity == Severity::Error)
    {
        return Err(ApiError::bad_request(format!(
            "Invalid filter clause: {}",
            error.message
        )));
    }
    Ok(expr)
}

/// `$select=id,status`: known properties of the resource (undocumented for the security API,
/// but the CSDL marks both sets selectable).
fn parse_select(kind: Kind, text: &str, beta: bool) -> Result<Vec<String>, ApiError> {
    let mut names: Vec<String> = Vec::new();
    for name in text.split(',').map(str::trim) {
        let beta_only = kind == Kind::Incident && super::store::BETA_ONLY.contains(&name);
        if kind.resource().property(name).is_none() || (beta_only && !beta) {
            return Err(ApiError::bad_request(format!(
                "Could not find a property named '{name}' on type '{}'.",
                &kind.odata_type()[1..]
            )));
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

/// The `@odata.context` fragment of a list (or, `single`, of one item): the collection, with the
/// selected properties and the expansion in parentheses as Graph writes them.
pub fn context_fragment(kind: Kind, select: Option<&[String]>, expand: bool, single: bool) -> String {
    let mut parts: Vec<String> = select.map(<[String]>::to_vec).unwrap_or_default();
    if expand {
        parts.push("alerts()".into());
    }
    let mut fragment = format!("security/{}", kind.segment());
    if !parts.is_empty() {
        fragment = format!("{fragment}({})", parts.join(","));
    }
    if single {
        fragment.push_str("/$entity");
    }
    fragment
}

/// `json` (an item, with `alerts` when expanded) with only the `select`ed properties (and the
/// expansion) left.
pub fn project(json: &Bytes, select: Option<&[String]>, expanded: bool) -> Bytes {
    let Some(select) = select else { return json.clone() };
    let Some(item) = RawObject::parse(json) else {
        return json.clone();
    };
    Bytes::from(item.select(select.iter().map(String::as_str).chain(expanded.then_some("alerts"))))
}

fn parse_count_option(name: &str, value: &str) -> Result<usize, ApiError> {
    value.trim().parse::<usize>().map_err(|_| {
        ApiError::bad_request(format!(
            "Invalid value '{value}' for {name} query option found. The {name} query option requires a non-negative \
             integer value."
        ))
    })
}

fn parse_order(value: &str) -> Result<Order, ApiError> {
    let words: Vec<&str> = value.split_whitespace().collect();
    let order = match words.as_slice() {
        ["createdDateTime"] | ["createdDateTime", "asc"] => Some(Order::CreatedAsc),
        ["createdDateTime", "desc"] => Some(Order::CreatedDesc),
        ["lastUpdateDateTime"] | ["lastUpdateDateTime", "asc"] => Some(Order::UpdatedAsc),
        ["lastUpdateDateTime", "desc"] => Some(Order::UpdatedDesc),
        _ => None,
    };
    order.ok_or_else(|| {
        ApiError::bad_request(format!(
            "The $orderby '{value}' is not supported: order by createdDateTime or lastUpdateDateTime, asc or desc."
        ))
    })
}

fn decode_token(kind: Kind, text: &str) -> Result<Token, ApiError> {
    let invalid = || ApiError::bad_request("The $skiptoken is not valid; start the listing again without it.");
    let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| invalid())?;
    let token: Token = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if token.r != kind.segment() {
        return Err(invalid());
    }
    Ok(token)
}

fn encode_token(token: &Token) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(token).unwrap_or_default())
}

/// The snapshots of `lastUpdateDateTime` listings.
#[derive(Debug, Default)]
pub struct Snapshots {
    map: HashMap<String, (Instant, Arc<Vec<String>>)>,
}

impl Snapshots {
    fn put(&mut self, ids: Vec<String>) -> String {
        let now = Instant::now();
        self.map.retain(|_, (expires, _)| *expires > now);
        let id = uuid::Uuid::new_v4().simple().to_string();
        self.map.insert(id.clone(), (now + SNAPSHOT_TTL, Arc::new(ids)));
        id
    }

    /// Forgets every snapshot (after a reset).
    pub fn clear(&mut self) {
        self.map.clear();
    }

    fn get(&self, id: &str) -> Option<Arc<Vec<String>>> {
        self.map
            .get(id)
            .filter(|(expires, _)| *expires > Instant::now())
            .map(|(_, ids)| ids.clone())
    }
}

/// One page: the serialised items, `@odata.count` and the `$skiptoken` of the next page.
#[derive(Debug)]
pub struct PageOut {
    /// The items, serialised (incidents with their alerts when expanded).
    pub items: Vec<Bytes>,
    /// `@odata.count`, first page of `$count=true` only.
    pub count: Option<usize>,
    /// The `$skiptoken` of the next page.
    pub next: Option<String>,
    /// The `@odata.context` fragment (see [`context_fragment`]).
    pub fragment: String,
}

/// Runs a listing over `store`.
pub fn list(store: &Store, snapshots: &std::sync::Mutex<Snapshots>, kind: Kind, options: ListOptions) -> ApiResultPage {
    let (filter_text, top, expand, select, order, cursor, snapshot, first) = match &options.token {
        Some(token) => (
            token.f.clone(),
            token.t,
            token.x,
            token.l.clone(),
            token.o,
            token.c.clone(),
            token.s.clone(),
            false,
        ),
        None => {
            let top = options.top.unwrap_or(page_size(kind)).min(page_size(kind));
            (
                options.filter_text.clone(),
                top,
                options.expand_alerts,
                options.select.clone(),
                options.order,
                None,
                None,
                true,
            )
        }
    };
    let filter = match (&options.filter, &filter_text, first) {
        (Some(expr), _, true) => Some(expr.clone()),
        (_, Some(text), false) => Some(parse_filter(kind, text)?),
        _ => None,
    };
    let collection = store.collection(kind);
    // A checked filter reads filterable properties only (also inside functions).
    let matches = |entity: &Entity| {
        filter
            .as_ref()
            .is_none_or(|expr| odata::eval_for(expr, kind.resource(), entity.filterable()))
    };
    let count = (first && options.count).then(|| collection.values().filter(|e| matches(e)).count());
    let fragment = context_fragment(kind, select.as_deref(), expand, false);
    let mut token = Token {
        r: kind.segment().to_owned(),
        f: filter_text,
        t: top,
        x: expand,
        l: select.clone(),
        o: order,
        c: None,
        s: None,
    };
    let mut page: Vec<&Entity> = Vec::with_capacity(top.min(1024));
    let more;
    match order {
        Order::CreatedDesc | Order::CreatedAsc => {
            let cursor: Option<SortKey> = cursor.map(|(secs, nanos, id)| {
                let at = DateTime::<Utc>::from_timestamp(secs, nanos).unwrap_or(DateTime::<Utc>::MIN_UTC);
                (at, id)
            });
            let skip = if first { options.skip } else { 0 };
            let mut walk = collection
                .walk(order == Order::CreatedDesc, cursor.as_ref())
                .filter(|e| matches(e))
                .skip(skip);
            page.extend(walk.by_ref().take(top));
            more = top > 0 && walk.next().is_some();
            if let Some(last) = page.last() {
                let (at, id) = last.key();
                token.c = Some((at.timestamp(), at.timestamp_subsec_nanos(), id));
            }
        }
        Order::UpdatedDesc | Order::UpdatedAsc => {
            let (ids, start) = match snapshot {
                Some((id, start)) => {
                    let ids = lock(snapshots)
                        .get(&id)
                        .ok_or_else(|| ApiError::bad_request("The $skiptoken has expired; start the listing again."))?;
                    (ids, start)
                }
                None => {
                    let mut all: Vec<(DateTime<Utc>, &str)> = collection
                        .values()
                        .filter(|e| matches(e))
                        .map(|e| (e.updated, e.id()))
                        .collect();
                    all.sort_unstable();
                    if order == Order::UpdatedDesc {
                        all.reverse();
                    }
                    let ids: Vec<String> = all
                        .into_iter()
                        .skip(options.skip)
                        .map(|(_, id)| id.to_owned())
                        .collect();
                    (Arc::new(ids), 0)
                }
            };
            let mut position = start;
            while page.len() < top && position < ids.len() {
                if let Some(entity) = collection.get(&ids[position]).filter(|e| matches(e)) {
                    page.push(entity);
                }
                position += 1;
            }
            more = top > 0 && position < ids.len();
            if more {
                let snapshot_id = match &token_snapshot_id(&options) {
                    Some(id) => id.clone(),
                    None => lock(snapshots).put(ids.to_vec()),
                };
                token.s = Some((snapshot_id, position));
            }
        }
    }
    let items = page
        .into_iter()
        .map(|entity| {
            let json = if expand {
                with_alerts(store, entity, options.beta)
            } else {
                entity.json_for(options.beta).clone()
            };
            project(&json, select.as_deref(), expand)
        })
        .collect();
    Ok(PageOut {
        items,
        count,
        next: more.then(|| encode_token(&token)),
        fragment,
    })
}

/// The result of [`list`].
pub type ApiResultPage = Result<PageOut, ApiError>;

fn token_snapshot_id(options: &ListOptions) -> Option<String> {
    options.token.as_ref()?.s.as_ref().map(|(id, _)| id.clone())
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An incident's JSON (as `/beta` or `/v1.0` serves it) with `"alerts": [...]` appended.
pub fn with_alerts(store: &Store, incident: &Entity, beta: bool) -> Bytes {
    let alerts = store.alerts_of(incident.id());
    let json = incident.json_for(beta);
    let size = json.len() + 12 + alerts.iter().map(|a| a.len() + 1).sum::<usize>();
    let mut out = BytesMut::with_capacity(size);
    out.put_slice(&json[..json.len() - 1]);
    out.put_slice(br#","alerts":"#);
    put_array(&mut out, &alerts);
    out.put_u8(b'}');
    out.freeze()
}

/// `[a,b,…]` from serialised items.
fn put_array(out: &mut BytesMut, items: &[Bytes]) {
    out.put_u8(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.put_u8(b',');
        }
        out.put_slice(item);
    }
    out.put_u8(b']');
}

/// `{"@odata.context", "@odata.count"?, "@odata.nextLink"?, "value": [...]}` from serialised items.
pub fn page_body(context: &str, count: Option<usize>, next_link: Option<&str>, items: &[Bytes]) -> Bytes {
    let size = context.len() + 128 + items.iter().map(|i| i.len() + 1).sum::<usize>();
    let mut out = BytesMut::with_capacity(size);
    out.put_slice(br#"{"@odata.context":"#);
    out.put_slice(json_string(context).as_bytes());
    if let Some(count) = count {
        out.put_slice(format!(r#","@odata.count":{count}"#).as_bytes());
    }
    if let Some(link) = next_link {
        out.put_slice(br#","@odata.nextLink":"#);
        out.put_slice(json_string(link).as_bytes());
    }
    out.put_slice(br#","value":"#);
    put_array(&mut out, items);
    out.put_u8(b'}');
    out.freeze()
}

/// `{"@odata.context": context, ...entity}` from a serialised entity.
pub fn entity_body(context: &str, entity: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(context.len() + entity.len() + 24);
    out.put_slice(br#"{"@odata.context":"#);
    out.put_slice(json_string(context).as_bytes());
    if entity.len() > 2 {
        out.put_u8(b',');
        out.put_slice(&entity[1..]);
    } else {
        out.put_u8(b'}');
    }
    out.freeze()
}

fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}
