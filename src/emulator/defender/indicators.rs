//! Indicators, custom threat intelligence (response-actions-api.md §4): submit-or-update, list,
//! delete.
//!
//! `POST /api/indicators` takes one camelCase indicator, checked as [`super::indicator_body`]
//! says (case-sensitive keys, required fields, values by type).
//!
//! An indicator the caller can see with the same `indicatorValue` (case-insensitively),
//! `indicatorType` and `action` is updated in place: same id, the new fields, `lastUpdateTime`
//! bumped, `application` (and `version`, `certificateInfo`) kept (§8; the exact match key is
//! unverified). Otherwise a new one is created with the next numeric id, unless the tenant
//! already has [`Settings::max_indicators`](super::Settings) active ones (§4.3: 15,000; the
//! error at the cap is unverified, the emulator answers 400 `BadRequest` saying so). Both answer
//! 200. An app with only Ti.ReadWrite sees, updates and deletes only the indicators it created;
//! Ti.ReadWrite.All all of them (§4.3). `GET` lists the active (unexpired) ones.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse as _;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::error::{MdeError, MdeResult};
use super::indicator_body::parse_submission;
use super::query::{Filterable, ListQuery};
use super::{answer, require};
use crate::emulator::Emulator;
use crate::emulator::auth::Caller;
use crate::graph::Permission;
use crate::graph::models::defender::Indicator;
use crate::time::{format_utc, parse_utc};

/// What `$filter` compares on indicators (§1.6).
const FILTERABLE: Filterable = Filterable {
    entity: "Indicator",
    scalar: &[
        "application",
        "createdByDisplayName",
        "expirationTime",
        "generateAlert",
        "title",
        "indicatorValue",
        "indicatorType",
        "creationTimeDateTimeUtc",
        "createdBy",
        "action",
        "severity",
    ],
    collections: &["rbacGroupNames", "rbacGroupIds"],
};

/// Fields that do not change when an existing indicator is submitted again (§8).
const KEPT_ON_UPDATE: &[&str] = &["version", "certificateInfo"];

/// One stored indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRecord {
    /// The entity (id and the response fields filled).
    pub indicator: Indicator,
    /// `educateUrl` and the undocumented fields sent.
    pub extra: Map<String, Value>,
    /// The client id of the app that created it.
    pub owner: String,
}

impl IndicatorRecord {
    /// The entity as the API answers it.
    pub fn json(&self) -> Value {
        let mut value = serde_json::to_value(&self.indicator).unwrap_or_default();
        if let Value::Object(object) = &mut value {
            object.insert("sourceType".into(), Value::String("AadApp".into()));
            object.extend(self.extra.clone());
        }
        value
    }

    /// Not expired at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.indicator
            .expiration_time
            .as_deref()
            .and_then(parse_utc)
            .is_none_or(|expires| expires > now)
    }

    fn visible_to(&self, caller: &Caller) -> bool {
        self.owner == caller.client_id || Permission::TiReadWriteAll.is_granted(&caller.roles)
    }
}

/// `POST /api/indicators` (§4.1): submit or update, 200 either way.
pub async fn indicator_post(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> MdeResult {
    require(&caller, Permission::TiReadWrite, "submit indicators")?;
    let submitted = parse_submission(&body)?;
    let now = emu.now();
    let stamp = format_utc(&now);
    let max = emu.inner.defender_settings.max_indicators;
    let mut state = emu.defender();
    let existing = state.indicators.values_mut().find(|r| {
        let i = &r.indicator;
        r.visible_to(&caller)
            && i.indicator_type == submitted.indicator.indicator_type
            && i.action == submitted.indicator.action
            && i.indicator_value
                .eq_ignore_ascii_case(&submitted.indicator.indicator_value)
    });
    if let Some(record) = existing {
        let new = submitted.indicator;
        let kept = &mut record.indicator;
        kept.title = new.title;
        kept.description = new.description;
        kept.expiration_time = new.expiration_time;
        kept.severity = new.severity;
        kept.recommended_actions = new.recommended_actions;
        kept.generate_alert = new.generate_alert;
        kept.rbac_group_names = new.rbac_group_names;
        kept.last_update_time = Some(stamp);
        kept.last_updated_by = Some(caller.client_id.clone());
        for (key, value) in submitted.extra {
            if !KEPT_ON_UPDATE.contains(&key.as_str()) || !record.extra.contains_key(&key) {
                record.extra.insert(key, value);
            }
        }
        let json = record.json();
        return Ok(answer(StatusCode::OK, &headers, "Indicators/$entity", json));
    }
    let active = state.indicators.values().filter(|r| r.is_active(now)).count();
    if active >= max {
        return Err(MdeError::bad_request(
            "BadRequest",
            format!(
                "The tenant already has {active} active indicators, the limit of {max} per tenant: delete indicators \
                 (or let them expire) before submitting new ones. The limit cannot be raised."
            ),
        ));
    }
    state.last_indicator_id += 1;
    let id = state.last_indicator_id;
    let mut indicator = submitted.indicator;
    indicator.id = Some(id.to_string());
    indicator.created_by = Some(caller.client_id.clone());
    indicator.created_by_display_name = Some(caller.display_name.clone());
    indicator.creation_time_date_time_utc = Some(stamp.clone());
    indicator.last_update_time = Some(stamp);
    indicator.last_updated_by = Some(caller.client_id.clone());
    let record = IndicatorRecord {
        indicator,
        extra: submitted.extra,
        owner: caller.client_id.clone(),
    };
    let json = record.json();
    state.indicators.insert(id, record);
    Ok(answer(StatusCode::OK, &headers, "Indicators/$entity", json))
}

/// `GET /api/indicators` (§4.1): the active indicators the caller may see, oldest first.
pub async fn indicators_list(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> MdeResult {
    require(&caller, Permission::TiReadWrite, "list indicators")?;
    let query = ListQuery::parse(query.as_deref(), FILTERABLE)?;
    let now = emu.now();
    let state = emu.defender();
    let visible = state
        .indicators
        .values()
        .filter(|r| r.is_active(now) && r.visible_to(&caller))
        .map(IndicatorRecord::json);
    let value = query.page(visible);
    Ok(answer(
        StatusCode::OK,
        &headers,
        "Indicators",
        json!({ "value": value }),
    ))
}

/// `DELETE /api/indicators/{id}` (§4.1): 204, or 404 `ResourceNotFound` for an id the caller
/// cannot see (unknown, deleted, or another app's under Ti.ReadWrite).
pub async fn indicator_delete(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> MdeResult {
    require(&caller, Permission::TiReadWrite, "delete indicators")?;
    let mut state = emu.defender();
    let key = id
        .parse::<u64>()
        .ok()
        .filter(|key| state.indicators.get(key).is_some_and(|r| r.visible_to(&caller)));
    match key {
        Some(key) => {
            state.indicators.remove(&key);
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        None => Err(MdeError::not_found("Indicator", &id)),
    }
}
