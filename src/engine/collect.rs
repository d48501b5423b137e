//! From fetched items to planned actions: the condition, a dedup key per match, the state's
//! dedup, then the plan (a digest's at the end). `run` feeds it page by page; `graphsoar test`
//! feeds it a test's input in one go, through the same code.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;
use serde_json::value::RawValue;

use super::plan::{self, Evaluator, PlanError, PlannedAction, RunContext};
use crate::graph::Collection;
use crate::graph::models::normalize::parse_properties;
use crate::playbook::Playbook;
use crate::script::{self, EvalError, Rest};
use crate::state::{DedupKey, StateError, Store};

/// Items that matched the condition, and those whose condition failed (no match).
#[derive(Debug, Default)]
pub struct Matches {
    pub items: Vec<Value>,
    pub errors: Vec<ConditionError>,
    /// The latest `lastUpdateDateTime` among all the items evaluated (matching or not).
    pub latest_update: Option<DateTime<Utc>>,
}

/// A condition that failed on one item.
#[derive(Debug)]
pub struct ConditionError {
    /// The item's position in what was evaluated.
    pub index: usize,
    /// Its `id`, or a row's hash.
    pub item_id: String,
    pub error: EvalError,
}

/// Runs the condition over `items`.
pub fn matching(evaluator: &Evaluator<'_>, items: Vec<Value>) -> Matches {
    let items = items.into_iter().map(|item| (item, None)).collect();
    // Whole items are not parsed again: this cannot fail.
    matching_with(evaluator, items).unwrap_or_default()
}

/// [`matching`] over what the condition sees of each item: the item, or a part of it with the
/// rest to read when the condition needs it, and when the item matches (an item that does not
/// parse then fails the lot).
fn matching_with(evaluator: &Evaluator<'_>, items: Vec<(Value, Option<Rest>)>) -> serde_json::Result<Matches> {
    let mut out = Matches::default();
    for (index, (seen, rest)) in items.into_iter().enumerate() {
        let seen = Arc::new(seen);
        let rest = rest.map(Arc::new);
        let verdict = evaluator.matches_shared(match &rest {
            Some(rest) => script::Item::Partial(seen.clone(), rest.clone()),
            None => script::Item::Shared(seen.clone()),
        });
        // The condition's views of the item are gone once it has run.
        let seen = Arc::try_unwrap(seen).unwrap_or_else(|shared| (*shared).clone());
        match verdict {
            Ok(true) => out.items.push(match rest {
                Some(rest) => rest.into_whole()?,
                None => seen,
            }),
            Ok(false) => {}
            Err(error) => out.errors.push(ConditionError {
                index,
                item_id: seen
                    .get("id")
                    .and_then(Value::as_str)
                    .map_or_else(|| plan::row_hash(&seen), str::to_string),
                error,
            }),
        }
    }
    Ok(out)
}

/// How the items handed to [`evaluate_with`] become what the condition sees.
trait Prepare: Clone + Send + 'static {
    type Item: Send + 'static;
    /// What the condition sees of `item`: the whole of it, or a part and the rest.
    fn seen(&self, item: Self::Item) -> serde_json::Result<(Value, Option<Rest>)>;
}

/// Items parsed already (hunting rows, a test's inputs): seen whole.
#[derive(Clone)]
struct Parsed;

impl Prepare for Parsed {
    type Item = Value;

    fn seen(&self, item: Value) -> serde_json::Result<(Value, Option<Rest>)> {
        Ok((item, None))
    }
}

/// A listed page's raw items of `collection`. With `reads` (every property the condition reads,
/// and the run's own), the condition sees those, parsed, except the large ones (the evidence),
/// which it reads from the whole item, parsed the first time it does ([`Rest`]); a matching
/// item is parsed whole then if it was not. Most items fail a condition on a property or two,
/// and their evidence, most of their bytes, is then never built. Without (a condition that uses
/// the item other than by its properties, or none), every item is parsed whole at once.
#[derive(Clone)]
struct Page {
    collection: Collection,
    reads: Option<Arc<[String]>>,
}

/// What a run reads of every item, matching or not: its id (a condition error names it) and
/// its `lastUpdateDateTime` (the cursor).
const RUN_READS: [&str; 2] = ["id", "lastUpdateDateTime"];

/// A property whose JSON is longer is read from the whole item, when the condition reads it.
const LARGE: usize = 1024;

impl Page {
    fn new(playbook: &Playbook, collection: Collection) -> Page {
        let reads = playbook.condition.as_ref().and_then(|c| {
            let mut reads = c.property_reads(c.kind().var_name())?;
            reads.extend(RUN_READS.map(String::from));
            Some(reads.into_iter().collect())
        });
        Page { collection, reads }
    }
}

impl Prepare for Page {
    type Item = Box<RawValue>;

    fn seen(&self, raw: Box<RawValue>) -> serde_json::Result<(Value, Option<Rest>)> {
        let parse = match self.collection {
            Collection::Alerts => |text: &str| Collection::Alerts.parse(text),
            Collection::Incidents => |text: &str| Collection::Incidents.parse(text),
        };
        match &self.reads {
            Some(reads) => {
                let keys: Vec<&str> = reads.iter().map(String::as_str).collect();
                let (mut part, large) = parse_properties(raw.get(), &keys, LARGE)?;
                self.collection.normalize(&mut part);
                Ok((part, Some(Rest::new(raw, large, parse))))
            }
            None => Ok((parse(raw.get())?, None)),
        }
    }
}

/// Items a condition is evaluated over on one blocking thread; a page of more is split.
const CHUNK: usize = 256;

/// [`matching`] on blocking threads, off the async workers, in up to as many parts at once as
/// there are cores; each condition error is logged (a run counts it as no match); a condition
/// that cannot be prepared fails on every item.
pub async fn evaluate(playbook: Arc<Playbook>, ctx: RunContext, items: Vec<Value>) -> Matches {
    // Whole items are not parsed again: this cannot fail.
    evaluate_with(playbook, ctx, items, Parsed).await.unwrap_or_default()
}

/// [`evaluate`] over a page of raw items: each is parsed and normalised as `collection`'s on
/// the blocking threads too (only what the condition reads of it, until it matches), and
/// [`Matches::latest_update`] is the page's latest `lastUpdateDateTime`. An item that does not
/// parse fails the page (one too deeply nested to parse whole does when it matches).
pub async fn evaluate_page(
    playbook: Arc<Playbook>,
    ctx: RunContext,
    collection: Collection,
    items: Vec<Box<RawValue>>,
) -> serde_json::Result<Matches> {
    let prepare = Page::new(&playbook, collection);
    evaluate_with(playbook, ctx, items, prepare).await
}

/// [`evaluate_page`] on this thread, in one part, without logging condition errors: what the
/// condition benchmark measures.
pub fn evaluate_page_here(
    playbook: &Playbook,
    ctx: &RunContext,
    collection: Collection,
    items: Vec<Box<RawValue>>,
) -> serde_json::Result<Matches> {
    evaluate_chunk(playbook, ctx, 0, items, &Page::new(playbook, collection))
}

async fn evaluate_with<P: Prepare>(
    playbook: Arc<Playbook>,
    ctx: RunContext,
    items: Vec<P::Item>,
    prepare: P,
) -> serde_json::Result<Matches> {
    let parts = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len().div_ceil(CHUNK))
        .max(1);
    let size = items.len().div_ceil(parts).max(1);
    let mut items = items.into_iter();
    let mut tasks = Vec::with_capacity(parts);
    for part in 0..parts {
        let chunk: Vec<P::Item> = items.by_ref().take(size).collect();
        let (playbook, ctx, prepare) = (playbook.clone(), ctx.clone(), prepare.clone());
        tasks.push(tokio::task::spawn_blocking(move || {
            let matches = evaluate_chunk(&playbook, &ctx, part * size, chunk, &prepare)?;
            for e in &matches.errors {
                tracing::warn!(playbook = %playbook.name, item_id = %e.item_id, error = %e.error, "Condition failed; counted as no match.");
            }
            Ok(matches)
        }));
    }
    let mut out = Matches::default();
    for task in tasks {
        match task.await {
            Ok(part) => {
                let part = part?;
                out.items.extend(part.items);
                out.errors.extend(part.errors);
                out.latest_update = out.latest_update.max(part.latest_update);
            }
            Err(e) => tracing::error!(playbook = %playbook.name, error = %e, "The condition task failed."),
        }
    }
    Ok(out)
}

/// One part of [`evaluate_with`]: `items` start at position `offset` of what is evaluated.
fn evaluate_chunk<P: Prepare>(
    playbook: &Playbook,
    ctx: &RunContext,
    offset: usize,
    items: Vec<P::Item>,
    prepare: &P,
) -> serde_json::Result<Matches> {
    let mut seen = Vec::with_capacity(items.len());
    let mut latest_update = None;
    for item in items {
        let (value, rest) = prepare.seen(item)?;
        let updated = value
            .get("lastUpdateDateTime")
            .and_then(Value::as_str)
            .and_then(crate::time::parse_utc);
        latest_update = latest_update.max(updated);
        seen.push((value, rest));
    }
    let mut matches = match Evaluator::new(playbook, ctx) {
        Ok(evaluator) => matching_with(&evaluator, seen)?,
        Err(error) => {
            tracing::error!(playbook = %playbook.name, error = %error, "Cannot prepare the condition.");
            // Every item fails its condition the same way.
            let errors = (0..seen.len())
                .map(|index| ConditionError {
                    index,
                    item_id: String::new(),
                    error: error.clone(),
                })
                .collect();
            Matches {
                errors,
                ..Matches::default()
            }
        }
    };
    for e in &mut matches.errors {
        e.index += offset;
    }
    matches.latest_update = latest_update;
    Ok(matches)
}

/// Where a run's dedup finds the keys acted on before: the state, or a backtest's memory.
pub trait SeenKeys: Sync {
    /// Which of `keys` of `playbook` are still within their dedup window at `now`.
    fn seen(&self, playbook: &str, keys: &[String], now: DateTime<Utc>) -> Result<HashSet<String>, StateError>;
}

impl SeenKeys for Store {
    fn seen(&self, playbook: &str, keys: &[String], now: DateTime<Utc>) -> Result<HashSet<String>, StateError> {
        self.seen_keys(playbook, keys, now)
    }
}

/// An item that matched but could not be keyed or planned: it fails, the others go on.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemFailure {
    /// The item's position in the batch it came in.
    pub index: usize,
    /// Its dedup key, when the failure was in planning.
    pub key: Option<String>,
    pub error: PlanError,
}

/// Keys, deduplicates and plans matching items as they arrive, so memory holds the plan, not
/// every matching item (a digest keeps its new items: it needs them).
pub struct Collector<'a> {
    playbook: &'a Playbook,
    ctx: &'a RunContext,
    /// Dedup against these keys (the state's; a backtest's); none (a test, a dry run without
    /// state): only this run's.
    store: Option<&'a dyn SeenKeys>,
    seen_here: HashSet<String>,
    /// Unique matching items (before the state's dedup).
    pub matched: u32,
    pub failures: Vec<ItemFailure>,
    planned: Vec<PlannedAction>,
    keys: Vec<DedupKey>,
    /// `group: all`: the new items and their keys, planned as one digest at the end.
    digest: Vec<(Value, String)>,
    expires: Option<DateTime<Utc>>,
}

/// What a run plans, and the dedup keys it commits with the plan.
#[derive(Debug)]
pub struct Collected {
    pub planned: Vec<PlannedAction>,
    pub keys: Vec<DedupKey>,
}

impl<'a> Collector<'a> {
    pub fn new(playbook: &'a Playbook, ctx: &'a RunContext, store: Option<&'a dyn SeenKeys>) -> Self {
        Collector {
            playbook,
            ctx,
            store,
            seen_here: HashSet::new(),
            matched: 0,
            failures: Vec::new(),
            planned: Vec::new(),
            keys: Vec::new(),
            digest: Vec::new(),
            // A window past the end of representable time is forever.
            expires: playbook
                .dedup
                .window
                .and_then(|w| ctx.now.checked_add_signed(w.to_chrono())),
        }
    }

    /// Starts over (the `$expand` fallback lists again from the start).
    pub fn reset(&mut self) {
        *self = Collector::new(self.playbook, self.ctx, self.store);
    }

    /// One batch of matching items: a key each (a key that fails is that item's failure), the
    /// state's dedup, then the plan.
    pub fn add(&mut self, items: Vec<Value>) -> Result<(), StateError> {
        let name = &self.playbook.name;
        let mut batch = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            match plan::dedup_key(self.playbook, &item, self.ctx) {
                Ok(key) if self.seen_here.insert(key.clone()) => batch.push((index, item, key)),
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(playbook = %name, error = %error, "Cannot compute the dedup key; item skipped.");
                    self.failures.push(ItemFailure {
                        index,
                        key: None,
                        error,
                    });
                }
            }
        }
        self.matched += u32::try_from(batch.len()).unwrap_or(u32::MAX);
        let seen = match self.store {
            Some(s) => {
                let keys: Vec<String> = batch.iter().map(|(_, _, k)| k.clone()).collect();
                s.seen(name, &keys, self.ctx.now)?
            }
            None => HashSet::new(),
        };
        for (index, item, key) in batch.into_iter().filter(|(_, _, k)| !seen.contains(k)) {
            if plan::is_digest(self.playbook) {
                self.digest.push((item, key));
                continue;
            }
            match plan::plan_item(self.playbook, &item, &key, self.ctx) {
                Ok(p) => {
                    self.planned.extend(p);
                    self.keys.push(DedupKey::new(key, self.expires));
                }
                Err(error) => {
                    tracing::error!(playbook = %name, key = %key, error = %error, "Cannot plan the actions for an item.");
                    self.failures.push(ItemFailure {
                        index,
                        key: Some(key),
                        error,
                    });
                }
            }
        }
        Ok(())
    }

    /// The plan: per item as collected, or the digest of every new item.
    pub fn finish(self) -> Result<Collected, PlanError> {
        if !plan::is_digest(self.playbook) || self.digest.is_empty() {
            return Ok(Collected {
                planned: self.planned,
                keys: self.keys,
            });
        }
        let items: Vec<Value> = self.digest.iter().map(|(i, _)| i.clone()).collect();
        let planned = plan::plan_digest(self.playbook, &items, self.ctx)?;
        let expires = self.expires;
        Ok(Collected {
            planned,
            keys: self
                .digest
                .into_iter()
                .map(|(_, k)| DedupKey::new(k, expires))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;
    use crate::config::Settings;

    fn playbook(condition: &str) -> Arc<Playbook> {
        let text = format!(
            "name: p\nschedule: '@hourly'\ntrigger: {{ alerts: {{}} }}\ncondition: '{condition}'\nactions:\n  - log: {{ message: m }}\n"
        );
        let loaded = crate::playbook::parse_str(&text, Path::new("/p/p.yaml"), Path::new("/p"), &Settings::embedded());
        Arc::new(loaded.playbook.unwrap_or_else(|| panic!("{:#?}", loaded.diagnostics)))
    }

    fn ctx() -> RunContext {
        let now = "2026-12-01T10:00:00Z".parse().unwrap();
        RunContext {
            run_id: "r".into(),
            started: now,
            now,
            lists: Arc::default(),
        }
    }

    /// A page split over the cores keeps its order, its errors' positions and its latest update.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_page_evaluated_in_parts_is_the_page_evaluated_whole() {
        let items: Vec<Box<RawValue>> = (0..1000)
            .map(|i| {
                let item = json!({
                    "id": format!("a{i}"),
                    "n": i,
                    // Item 700 has a string where the condition does arithmetic: an error.
                    "m": if i == 700 { json!("x") } else { json!(i % 3) },
                    "lastUpdateDateTime": format!("2026-11-30T{:02}:00:00Z", i % 24)
                });
                serde_json::value::to_raw_value(&item).unwrap()
            })
            .collect();
        let matches = evaluate_page(playbook("alert.m * 2 == 0"), ctx(), Collection::Alerts, items)
            .await
            .unwrap();
        let ids: Vec<&str> = matches.items.iter().map(|i| i["id"].as_str().unwrap()).collect();
        let expected: Vec<String> = (0..1000)
            .filter(|i| i % 3 == 0 && *i != 700)
            .map(|i| format!("a{i}"))
            .collect();
        assert_eq!(ids, expected);
        assert_eq!(matches.errors.len(), 1);
        assert_eq!(
            (matches.errors[0].index, matches.errors[0].item_id.as_str()),
            (700, "a700")
        );
        assert_eq!(matches.latest_update, Some("2026-11-30T23:00:00Z".parse().unwrap()));
    }

    /// The condition sees what it reads of each item, normalised; a match comes out whole; a
    /// condition that uses the item whole sees all of it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_condition_sees_what_it_reads_and_a_match_comes_out_whole() {
        let items = || -> Vec<Box<RawValue>> {
            [
                json!({"id": "a", "title": "EICAR", "status": "New", "evidence": [{"verdict": "Malicious"}],
                       "lastUpdateDateTime": "2026-11-30T01:00:00Z"}),
                json!({"id": "b", "title": "other", "status": "New", "evidence": [],
                       "lastUpdateDateTime": "2026-11-30T02:00:00Z"}),
            ]
            .iter()
            .map(|i| serde_json::value::to_raw_value(i).unwrap())
            .collect()
        };
        let run = |condition: &str| {
            let playbook = playbook(condition);
            async move {
                evaluate_page(playbook, ctx(), Collection::Alerts, items())
                    .await
                    .unwrap()
            }
        };
        let matched = run("alert.title == \"EICAR\" && alert.status == \"new\"").await;
        assert_eq!(matched.items.len(), 1);
        assert_eq!(matched.items[0]["evidence"], json!([{"verdict": "malicious"}]));
        assert_eq!(matched.latest_update, Some("2026-11-30T02:00:00Z".parse().unwrap()));
        let whole = run("alert.keys().len() == 5 && alert.evidence.len() == 1").await;
        assert_eq!(whole.items.len(), 1);
        assert_eq!(whole.items[0]["id"], "a");
    }

    /// A large property (the evidence) is read from the whole item, parsed the first time the
    /// condition reads it and normalised like the rest; an item that fails the condition before
    /// never parses it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn large_properties_are_read_from_the_whole_item_when_the_condition_needs_them() {
        let files: Vec<Value> = (0..40)
            .map(|i| json!({"verdict": "Suspicious", "fileName": format!("file-{i}.exe")}))
            .collect();
        let deep = format!("{}{}", "[".repeat(600), "]".repeat(600));
        let items = vec![
            serde_json::value::to_raw_value(&json!({"id": "a", "title": "EICAR", "evidence": files})).unwrap(),
            // Too deep to parse: any read of its evidence would fail the page.
            RawValue::from_string(format!("{{\"id\":\"b\",\"title\":\"other\",\"evidence\":{deep}}}")).unwrap(),
        ];
        let condition =
            "alert.title == \"EICAR\" && alert.evidence.len() == 40 && alert.evidence[39].verdict == \"suspicious\"";
        let matched = evaluate_page(playbook(condition), ctx(), Collection::Alerts, items)
            .await
            .unwrap();
        assert!(matched.errors.is_empty(), "{:?}", matched.errors);
        assert_eq!(matched.items.len(), 1);
        assert_eq!(matched.items[0]["evidence"][0]["verdict"], "suspicious");
        assert_eq!(matched.items[0]["title"], "EICAR");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_item_that_does_not_parse_fails_the_page() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let items = || vec![RawValue::from_string(format!("{{\"id\":\"a\",\"x\":{deep}}}")).unwrap()];
        assert!(
            evaluate_page(playbook("true"), ctx(), Collection::Alerts, items())
                .await
                .is_err()
        );
        // A condition that does not read `x` leaves it unparsed: only a match is parsed whole.
        let page = evaluate_page(playbook("alert.id == \"b\""), ctx(), Collection::Alerts, items()).await;
        assert!(page.is_ok_and(|m| m.items.is_empty() && m.errors.is_empty()));
        assert!(
            evaluate_page(playbook("alert.id == \"a\""), ctx(), Collection::Alerts, items())
                .await
                .is_err()
        );
    }
}
