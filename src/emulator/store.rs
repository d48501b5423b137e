//! The tenant's data in memory: alerts and incidents (each kept as its serialised JSON, so pages
//! are spliced together without re-serialising, plus the few properties `$filter` compares), an
//! index of each collection sorted by the immutable key `(createdDateTime, id)`, the alerts of
//! each incident (for `$expand=alerts`), advanced-hunting tables (compact rows, see [`Table`])
//! and recorded hunting answers.
//!
//! An item is parsed and re-serialised only when it changes (PATCH, comment, load). The store does no I/O and knows nothing of HTTP except the
//! [`ApiError`]s its updates return.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::dataset::{Dataset, RecordedAnswer};
use super::error::ApiError;
use super::raw::RawObject;
use super::table::exact_json;
use crate::graph::models::{normalize_alert, normalize_incident};
use crate::odata::{Filter, Resource};
use crate::time::parse_utc;

/// The immutable sort key of an item: `(createdDateTime, id)`. Items without a readable
/// `createdDateTime` sort first (oldest).
pub type SortKey = (DateTime<Utc>, String);

/// Alert or incident: what differs between the two collections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `microsoft.graph.security.alert` (`/security/alerts_v2`).
    Alert,
    /// `microsoft.graph.security.incident` (`/security/incidents`).
    Incident,
}

impl Kind {
    /// The `@odata.type` of the entity, with the leading `#`.
    pub fn odata_type(self) -> &'static str {
        match self {
            Kind::Alert => "#microsoft.graph.security.alert",
            Kind::Incident => "#microsoft.graph.security.incident",
        }
    }

    /// The word used in messages: `alert` or `incident`.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Alert => "alert",
            Kind::Incident => "incident",
        }
    }

    /// The OData resource (filterable properties).
    pub fn resource(self) -> Resource {
        match self {
            Kind::Alert => Resource::Alerts,
            Kind::Incident => Resource::Incidents,
        }
    }

    /// The collection segment: `alerts_v2` or `incidents`.
    pub fn segment(self) -> &'static str {
        self.resource().name()
    }

    /// The properties an entity keeps parsed (see [`Entity::filterable`]): `id`, `incidentId`
    /// (it also keys the incident index for `$expand=alerts`) and those `$filter` may compare.
    fn filterable(self) -> impl Iterator<Item = &'static str> {
        ["id", "incidentId"].into_iter().chain(
            self.resource()
                .properties()
                .iter()
                .filter(|p| p.filter != Filter::No)
                .map(|p| p.name),
        )
    }
}

/// Incident properties that only `/beta` serves (reference §5).
pub(crate) const BETA_ONLY: &[&str] = &["recommendedActions", "recommendedHuntingQueries"];

/// One stored alert or incident: its normalised JSON as bytes, and the few properties `$filter`
/// and the indexes read, so that a tenant of 100,000 alerts is not kept as 100,000 `Value` trees.
#[derive(Debug, Clone)]
pub struct Entity {
    kind: Kind,
    /// The normalised object serialised (`@odata.type` first, enums camelCase): what GET, list
    /// and `$expand` responses splice in (under `/beta`; see [`Entity::json_for`]).
    pub json: Bytes,
    /// For an incident with beta-only properties, the object without them, as `/v1.0` serves it.
    json_v1: Option<Bytes>,
    /// `id`, `incidentId` and the properties `$filter` may compare (see [`Entity::filterable`]).
    filterable: Value,
    /// `createdDateTime`, the immutable half of the sort key.
    pub created: DateTime<Utc>,
    /// `lastUpdateDateTime`.
    pub updated: DateTime<Utc>,
}

impl Entity {
    /// Builds an entity from JSON as Microsoft sends it: enum names normalised, `@odata.type`
    /// set (first) to the right type, `@odata.context` dropped, unknown properties kept.
    pub fn new(kind: Kind, value: Value) -> Result<Entity, String> {
        let Value::Object(object) = value else {
            return Err(format!("an {} must be a JSON object", kind.noun()));
        };
        match object.get("id") {
            Some(Value::String(id)) if !id.is_empty() => {}
            _ => return Err(format!("an {} needs a non-empty string `id`", kind.noun())),
        }
        let typed_first = object
            .iter()
            .next()
            .is_some_and(|(key, value)| key == "@odata.type" && value == kind.odata_type());
        let mut value = if typed_first && !object.contains_key("@odata.context") {
            Value::Object(object)
        } else {
            let mut ordered = Map::with_capacity(object.len() + 1);
            ordered.insert("@odata.type".to_owned(), Value::String(kind.odata_type().to_owned()));
            for (key, value) in object {
                if key != "@odata.type" && key != "@odata.context" {
                    ordered.insert(key, value);
                }
            }
            Value::Object(ordered)
        };
        match kind {
            Kind::Alert => normalize_alert(&mut value),
            Kind::Incident => normalize_incident(&mut value),
        }
        Ok(Entity::from_normalized(kind, value))
    }

    fn from_normalized(kind: Kind, value: Value) -> Entity {
        let time = |name: &str| {
            value
                .get(name)
                .and_then(Value::as_str)
                .and_then(parse_utc)
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        };
        let (created, updated) = (time("createdDateTime"), time("lastUpdateDateTime"));
        let filterable: Map<String, Value> = kind
            .filterable()
            .filter_map(|name| Some((name.to_owned(), value.get(name)?.clone())))
            .collect();
        let serialise = |value: &Value| {
            // A `Value` always serialises.
            exact_json(|text| serde_json::to_writer(text, value), Bytes::copy_from_slice).unwrap_or_default()
        };
        let json_v1 = match (kind, &value) {
            (Kind::Incident, Value::Object(object)) if BETA_ONLY.iter().any(|k| object.contains_key(*k)) => {
                let mut v1 = object.clone();
                BETA_ONLY.iter().for_each(|k| {
                    v1.shift_remove(*k);
                });
                Some(serialise(&Value::Object(v1)))
            }
            _ => None,
        };
        Entity {
            kind,
            json: serialise(&value),
            json_v1,
            filterable: Value::Object(filterable),
            created,
            updated,
        }
    }

    /// The serialised object as `/beta` (`beta`) or `/v1.0` serves it: `/v1.0` has no
    /// `recommendedActions` or `recommendedHuntingQueries` on incidents (reference §5).
    pub fn json_for(&self, beta: bool) -> &Bytes {
        match (&self.json_v1, beta) {
            (Some(v1), false) => v1,
            _ => &self.json,
        }
    }

    /// The id.
    pub fn id(&self) -> &str {
        self.filterable["id"].as_str().unwrap_or_default()
    }

    /// The sort key `(createdDateTime, id)`.
    pub fn key(&self) -> SortKey {
        (self.created, self.id().to_owned())
    }

    /// A string property among [`Entity::filterable`]'s, if present and a string.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.filterable.get(name).and_then(Value::as_str)
    }

    /// An object holding `id`, `incidentId` and the properties the OData table lets `$filter` compare
    /// (documented or not), which is all a checked filter can read (also inside functions):
    /// filter on it instead of [`Entity::value`].
    pub fn filterable(&self) -> &Value {
        &self.filterable
    }

    /// The whole object, parsed from [`Entity::json`].
    pub fn value(&self) -> Value {
        // `json` was serialised from an object by serde_json.
        serde_json::from_slice(&self.json).unwrap_or_default()
    }

    /// Changes the object in place (keep `createdDateTime`: it is half of the sort key) and
    /// re-serialises it. `change` gets the properties named in `reads` (those present), parsed,
    /// and may change, remove or add any: what it leaves in the map is written, a `reads`
    /// property it removed is removed, and every other property is copied as stored, unparsed.
    pub fn update<R>(&mut self, reads: &[&str], change: impl FnOnce(&mut Map<String, Value>) -> R) -> R {
        // `json` always holds an object (see `Entity::new`).
        let Some(raw) = RawObject::parse(&self.json) else {
            let mut object = Map::new();
            let result = change(&mut object);
            *self = Entity::from_normalized(self.kind, Value::Object(object));
            return result;
        };
        let mut object = raw.values(reads);
        let result = change(&mut object);
        let removed: Vec<&str> = reads.iter().copied().filter(|k| !object.contains_key(*k)).collect();
        let json = raw.write(&object, &removed);
        let mut filterable = std::mem::take(&mut self.filterable);
        if let Value::Object(f) = &mut filterable {
            for name in &removed {
                f.shift_remove(*name);
            }
            for (name, value) in &object {
                if f.contains_key(name) || self.kind.filterable().any(|p| p == name) {
                    f.insert(name.clone(), value.clone());
                }
            }
        }
        if let Some(updated) = object.get("lastUpdateDateTime") {
            self.updated = updated.as_str().and_then(parse_utc).unwrap_or(DateTime::<Utc>::MIN_UTC);
        }
        self.json_v1 = match self.kind {
            Kind::Incident => RawObject::parse(&json)
                .filter(|o| BETA_ONLY.iter().any(|k| o.has(k)))
                .map(|o| Bytes::from(o.write(&Map::new(), BETA_ONLY))),
            Kind::Alert => None,
        };
        self.json = Bytes::from(json);
        self.filterable = filterable;
        result
    }

    /// The stored object with `evidence` emptied (an alert's PATCH answer).
    pub fn json_without_evidence(&self) -> Bytes {
        match RawObject::parse(&self.json) {
            Some(raw) => {
                let mut empty = Map::new();
                if raw.has("evidence") {
                    empty.insert("evidence".into(), Value::Array(Vec::new()));
                }
                Bytes::from(raw.write(&empty, &[]))
            }
            None => self.json.clone(),
        }
    }
}

/// A collection of entities with its sorted index. Entities are shared with the snapshot kept
/// for `/_emulator/reset` until they change (copy on write), so cloning a collection is cheap.
#[derive(Debug, Clone, Default)]
pub struct Collection {
    items: HashMap<String, Arc<Entity>>,
    index: BTreeSet<SortKey>,
}

impl Collection {
    /// The entity with this id.
    pub fn get(&self, id: &str) -> Option<&Entity> {
        self.items.get(id).map(Arc::as_ref)
    }

    /// The entity with this id, for a change that keeps `createdDateTime` (the sort key).
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Entity> {
        self.items.get_mut(id).map(Arc::make_mut)
    }

    /// Adds or replaces an entity; returns the one replaced.
    pub fn insert(&mut self, entity: Entity) -> Option<Entity> {
        let key = entity.key();
        let old = self.items.insert(key.1.clone(), Arc::new(entity));
        if let Some(old) = &old {
            self.index.remove(&old.key());
        }
        self.index.insert(key);
        old.map(Arc::unwrap_or_clone)
    }

    /// How many entities there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The entities strictly after `cursor` in `(createdDateTime, id)` order, newest first when
    /// `descending`.
    pub fn walk<'s>(&'s self, descending: bool, cursor: Option<&SortKey>) -> Box<dyn Iterator<Item = &'s Entity> + 's> {
        let keys: Box<dyn Iterator<Item = &SortKey>> = match (descending, cursor) {
            (true, None) => Box::new(self.index.iter().rev()),
            (true, Some(c)) => Box::new(self.index.range((Bound::Unbounded, Bound::Excluded(c))).rev()),
            (false, None) => Box::new(self.index.iter()),
            (false, Some(c)) => Box::new(self.index.range((Bound::Excluded(c), Bound::Unbounded))),
        };
        Box::new(keys.filter_map(|(_, id)| self.items.get(id).map(Arc::as_ref)))
    }

    /// Every entity, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = &Entity> {
        self.items.values().map(Arc::as_ref)
    }
}

/// The whole tenant.
#[derive(Debug, Clone, Default)]
pub struct Store {
    /// `/security/alerts_v2`.
    pub alerts: Collection,
    /// `/security/incidents`.
    pub incidents: Collection,
    /// incident id → sort keys of its alerts (by `incidentId`), oldest first.
    pub incident_alerts: HashMap<String, BTreeSet<SortKey>>,
    /// Advanced-hunting tables by name (shared with the reset snapshot until loaded into).
    pub tables: Arc<BTreeMap<String, Arc<crate::kql::data::Table>>>,
    /// Recorded hunting answers.
    pub hunting: Vec<RecordedAnswer>,
}

/// What `POST /_emulator/load` takes.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadRequest {
    /// Alerts as Graph sends them.
    #[serde(default)]
    pub alerts: Vec<Value>,
    /// Incidents as Graph sends them (embedded `alerts` are loaded as alerts).
    #[serde(default)]
    pub incidents: Vec<Value>,
    /// Rows to append, by table name.
    #[serde(default)]
    pub tables: BTreeMap<String, Vec<Value>>,
    /// Recorded hunting answers (a query already recorded is replaced).
    #[serde(default)]
    pub hunting: Vec<RecordedAnswer>,
}

fn into_object(v: Value) -> Option<Map<String, Value>> {
    match v {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

impl Store {
    /// The store holding `dataset` (times already shifted). Alerts are prepared on every core.
    pub fn from_dataset(dataset: Dataset) -> Result<Store, String> {
        let mut store = Store {
            tables: Arc::new(
                dataset
                    .tables
                    .into_iter()
                    .map(|(name, rows)| {
                        let table = super::table::columnar(&name, rows.into_iter().filter_map(into_object));
                        (name, Arc::new(table))
                    })
                    .chain(dataset.columnar.into_iter().map(|(name, t)| (name, Arc::new(t))))
                    .collect(),
            ),
            hunting: dataset.hunting,
            ..Store::default()
        };
        for entity in entities(Kind::Alert, dataset.alerts)? {
            store.put_alert(entity);
        }
        for (i, incident) in dataset.incidents.into_iter().enumerate() {
            store
                .put_incident(incident)
                .map_err(|e| format!("incident #{i}: {e}"))?;
        }
        Ok(store)
    }

    /// Adds or replaces an alert, keeping the incident index right.
    pub fn put_alert(&mut self, entity: Entity) {
        let key = entity.key();
        let incident = entity.str("incidentId").map(str::to_owned);
        if let Some(old) = self.alerts.insert(entity)
            && let Some(old_incident) = old.str("incidentId")
            && let Some(keys) = self.incident_alerts.get_mut(old_incident)
        {
            keys.remove(&old.key());
        }
        if let Some(incident) = incident {
            self.incident_alerts.entry(incident).or_default().insert(key);
        }
    }

    /// Adds or replaces an incident; an embedded `alerts` array is loaded as alerts of it.
    pub fn put_incident(&mut self, incident: Value) -> Result<(), String> {
        let (incident, alerts) = prepare_incident(incident)?;
        alerts.into_iter().for_each(|alert| self.put_alert(alert));
        self.incidents.insert(incident);
        Ok(())
    }

    /// The collection of `kind`.
    pub fn collection(&self, kind: Kind) -> &Collection {
        match kind {
            Kind::Alert => &self.alerts,
            Kind::Incident => &self.incidents,
        }
    }

    /// The collection of `kind`, mutable.
    pub fn collection_mut(&mut self, kind: Kind) -> &mut Collection {
        match kind {
            Kind::Alert => &mut self.alerts,
            Kind::Incident => &mut self.incidents,
        }
    }

    /// The serialised alerts of an incident, oldest first.
    pub fn alerts_of(&self, incident: &str) -> Vec<Bytes> {
        self.incident_alerts
            .get(incident)
            .into_iter()
            .flatten()
            .filter_map(|(_, id)| self.alerts.get(id))
            .map(|alert| alert.json.clone())
            .collect()
    }

    /// Loads items as `POST /_emulator/load` describes; all or nothing.
    pub fn load(&mut self, request: LoadRequest) -> Result<Value, ApiError> {
        // Everything is checked before anything changes.
        let mut alerts = Vec::with_capacity(request.alerts.len());
        for (i, alert) in request.alerts.into_iter().enumerate() {
            alerts
                .push(Entity::new(Kind::Alert, alert).map_err(|e| ApiError::bad_request(format!("alerts[{i}]: {e}")))?);
        }
        let mut incidents = Vec::with_capacity(request.incidents.len());
        for (i, incident) in request.incidents.into_iter().enumerate() {
            let (incident, embedded) =
                prepare_incident(incident).map_err(|e| ApiError::bad_request(format!("incidents[{i}]: {e}")))?;
            alerts.extend(embedded);
            incidents.push(incident);
        }
        for (name, rows) in &request.tables {
            if let Some(bad) = rows.iter().position(|row| !row.is_object()) {
                return Err(ApiError::bad_request(format!(
                    "tables.{name}[{bad}]: a row must be a JSON object"
                )));
            }
        }
        if let Some(bad) = request.hunting.iter().position(|a| a.query.trim().is_empty()) {
            return Err(ApiError::bad_request(format!("hunting[{bad}]: the query is empty")));
        }
        alerts.into_iter().for_each(|alert| self.put_alert(alert));
        for incident in incidents {
            self.incidents.insert(incident);
        }
        if !request.tables.is_empty() {
            let tables = Arc::make_mut(&mut self.tables);
            for (name, rows) in request.tables {
                let old = tables
                    .get(&name)
                    .map(|t| t.objects().collect::<Vec<_>>())
                    .unwrap_or_default();
                let table =
                    super::table::columnar(&name, old.into_iter().chain(rows.into_iter().filter_map(into_object)));
                tables.insert(name, Arc::new(table));
            }
        }
        for answer in request.hunting {
            let query = super::dataset::normalize_query(&answer.query);
            self.hunting
                .retain(|a| super::dataset::normalize_query(&a.query) != query);
            self.hunting.push(answer);
        }
        Ok(self.counts())
    }

    /// How much the store holds, as JSON.
    pub fn counts(&self) -> Value {
        let tables: Map<String, Value> = self
            .tables
            .iter()
            .map(|(name, rows)| (name.clone(), Value::from(rows.len)))
            .collect();
        serde_json::json!({
            "alerts": self.alerts.len(),
            "incidents": self.incidents.len(),
            "tables": tables,
            "hunting": self.hunting.len(),
        })
    }
}

/// Builds the entities of `items` in parallel, in order; the error names the first bad item.
fn entities(kind: Kind, items: Vec<Value>) -> Result<Vec<Entity>, String> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = items.len().div_ceil(threads).max(1);
    let mut chunks: Vec<Vec<Value>> = Vec::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        chunks.push(items.by_ref().take(chunk).collect());
    }
    let built: Vec<Result<Vec<Entity>, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .enumerate()
            .map(|(c, values)| {
                scope.spawn(move || {
                    values
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| {
                            Entity::new(kind, v).map_err(|e| format!("{} #{}: {e}", kind.noun(), c * chunk + i))
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a loader thread panicked".to_owned())))
            .collect()
    });
    let mut out = Vec::new();
    for part in built {
        out.extend(part?);
    }
    Ok(out)
}

/// An incident entity and the alerts embedded in it (`$expand=alerts` samples), which get its
/// `incidentId` when they have none.
fn prepare_incident(mut incident: Value) -> Result<(Entity, Vec<Entity>), String> {
    let embedded = incident.as_object_mut().and_then(|o| o.shift_remove("alerts"));
    let entity = Entity::new(Kind::Incident, incident)?;
    let mut alerts = Vec::new();
    if let Some(Value::Array(items)) = embedded {
        for (i, mut alert) in items.into_iter().enumerate() {
            if let Some(object) = alert.as_object_mut() {
                object
                    .entry("incidentId")
                    .or_insert_with(|| Value::String(entity.id().to_owned()));
            }
            alerts.push(Entity::new(Kind::Alert, alert).map_err(|e| format!("embedded alert #{i}: {e}"))?);
        }
    }
    Ok((entity, alerts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entity_normalises_and_puts_the_type_first() {
        let entity = Entity::new(
            Kind::Incident,
            json!({"id": "7", "@odata.context": "x", "@odata.type": "#microsoft.graph.incident", "status": "Active",
                   "tags": ["kept"], "createdDateTime": "2024-01-01T00:00:00Z"}),
        )
        .unwrap();
        let text = std::str::from_utf8(&entity.json).unwrap();
        assert!(
            text.starts_with(r##"{"@odata.type":"#microsoft.graph.security.incident","id":"7""##),
            "{text}"
        );
        let value = entity.value();
        assert_eq!(value["status"], "active");
        assert_eq!(value["tags"], json!(["kept"]));
        assert!(value.get("@odata.context").is_none());
        assert_eq!(
            entity.filterable(),
            &json!({"id": "7", "createdDateTime": "2024-01-01T00:00:00Z", "status": "active"})
        );
        assert!(Entity::new(Kind::Alert, json!({"id": ""})).is_err());
        assert!(Entity::new(Kind::Alert, json!([1])).is_err());
    }

    #[test]
    fn walk_is_keyset_ordered_and_incident_alerts_follow_moves() {
        let mut store = Store::default();
        for (id, created, incident) in [("a", "01", "1"), ("b", "02", "1"), ("c", "02", "2")] {
            let alert =
                json!({"id": id, "incidentId": incident, "createdDateTime": format!("2024-01-{created}T00:00:00Z")});
            store.put_alert(Entity::new(Kind::Alert, alert).unwrap());
        }
        let ids = |it: Box<dyn Iterator<Item = &Entity> + '_>| it.map(|e| e.id().to_owned()).collect::<Vec<_>>();
        assert_eq!(ids(store.alerts.walk(true, None)), ["c", "b", "a"]);
        let cursor = store.alerts.get("b").unwrap().key();
        assert_eq!(ids(store.alerts.walk(true, Some(&cursor))), ["a"]);
        assert_eq!(ids(store.alerts.walk(false, Some(&cursor))), ["c"]);
        assert_eq!(store.alerts_of("1").len(), 2);
        let moved = json!({"id": "b", "incidentId": "2", "createdDateTime": "2024-01-02T00:00:00Z"});
        store.put_alert(Entity::new(Kind::Alert, moved).unwrap());
        assert_eq!((store.alerts_of("1").len(), store.alerts_of("2").len()), (1, 2));
    }

    #[test]
    fn load_splits_embedded_alerts_and_is_all_or_nothing() {
        let mut store = Store::default();
        let request = LoadRequest {
            incidents: vec![json!({"id": "9", "alerts": [{"id": "x", "status": "InProgress"}]})],
            ..LoadRequest::default()
        };
        store.load(request).unwrap();
        assert_eq!(store.alerts.get("x").unwrap().value()["status"], "inProgress");
        assert_eq!(store.alerts.get("x").unwrap().value()["incidentId"], "9");
        assert!(store.incidents.get("9").unwrap().value().get("alerts").is_none());
        let bad = LoadRequest {
            alerts: vec![json!({"id": "y"}), json!({"title": "no id"})],
            ..LoadRequest::default()
        };
        let error = store.load(bad).unwrap_err();
        assert!(error.message.starts_with("alerts[1]:"), "{error}");
        assert!(store.alerts.get("y").is_none());
    }
}
