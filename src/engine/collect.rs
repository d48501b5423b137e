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
use crate::playbook::Playbook;
use crate::script::EvalError;
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
    let mut out = Matches::default();
    for (index, item) in items.into_iter().enumerate() {
        let item = Arc::new(item);
        let verdict = evaluator.matches_shared(&item);
        // The condition's views of the item are gone once it has run.
        let item = Arc::try_unwrap(item).unwrap_or_else(|shared| (*shared).clone());
        match verdict {
            Ok(true) => out.items.push(item),
            Ok(false) => {}
            Err(error) => out.errors.push(ConditionError {
                index,
                item_id: item
                    .get("id")
                    .and_then(Value::as_str)
                    .map_or_else(|| plan::row_hash(&item), str::to_string),
                error,
            }),
        }
    }
    out
}

/// Items a condition is evaluated over on one blocking thread; a page of more is split.
const CHUNK: usize = 256;

/// [`matching`] on blocking threads, off the async workers, in up to as many parts at once as
/// there are cores; each condition error is logged (a run counts it as no match); a condition
/// that cannot be prepared fails on every item.
pub async fn evaluate(playbook: Arc<Playbook>, ctx: RunContext, items: Vec<Value>) -> Matches {
    match evaluate_with(playbook, ctx, items, Ok::<Value, std::convert::Infallible>).await {
        Ok(matches) => matches,
        Err(never) => match never {},
    }
}

/// [`evaluate`] over a page of raw items: each is parsed and normalised as `collection`'s on
/// the blocking threads too, and [`Matches::latest_update`] is the page's latest
/// `lastUpdateDateTime`. An item that does not parse fails the page.
pub async fn evaluate_page(
    playbook: Arc<Playbook>,
    ctx: RunContext,
    collection: Collection,
    items: Vec<Box<RawValue>>,
) -> Result<Matches, serde_json::Error> {
    let prepare = move |raw: Box<RawValue>| {
        let mut item: Value = serde_json::from_str(raw.get())?;
        collection.normalize(&mut item);
        Ok(item)
    };
    evaluate_with(playbook, ctx, items, prepare).await
}

async fn evaluate_with<I, E>(
    playbook: Arc<Playbook>,
    ctx: RunContext,
    items: Vec<I>,
    prepare: impl Fn(I) -> Result<Value, E> + Clone + Send + 'static,
) -> Result<Matches, E>
where
    I: Send + 'static,
    E: Send + 'static,
{
    let parts = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len().div_ceil(CHUNK))
        .max(1);
    let size = items.len().div_ceil(parts).max(1);
    let mut items = items.into_iter();
    let mut tasks = Vec::with_capacity(parts);
    for part in 0..parts {
        let chunk: Vec<I> = items.by_ref().take(size).collect();
        let (playbook, ctx, prepare) = (playbook.clone(), ctx.clone(), prepare.clone());
        tasks.push(tokio::task::spawn_blocking(move || {
            evaluate_chunk(&playbook, &ctx, part * size, chunk, prepare)
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
fn evaluate_chunk<I, E>(
    playbook: &Playbook,
    ctx: &RunContext,
    offset: usize,
    items: Vec<I>,
    prepare: impl Fn(I) -> Result<Value, E>,
) -> Result<Matches, E> {
    let mut values = Vec::with_capacity(items.len());
    let mut latest_update = None;
    for item in items {
        let value = prepare(item)?;
        let updated = value
            .get("lastUpdateDateTime")
            .and_then(Value::as_str)
            .and_then(crate::time::parse_utc);
        latest_update = latest_update.max(updated);
        values.push(value);
    }
    let mut matches = if playbook.condition.is_none() {
        Matches {
            items: values,
            ..Matches::default()
        }
    } else {
        match Evaluator::new(playbook, ctx) {
            Ok(evaluator) => matching(&evaluator, values),
            Err(error) => {
                tracing::error!(playbook = %playbook.name, error = %error, "Cannot prepare the condition.");
                // Every item fails its condition the same way.
                let errors = (0..values.len())
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
        }
    };
    for e in &mut matches.errors {
        e.index += offset;
        tracing::warn!(playbook = %playbook.name, item_id = %e.item_id, error = %e.error, "Condition failed; counted as no match.");
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_item_that_does_not_parse_fails_the_page() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let items = vec![RawValue::from_string(format!("{{\"id\":\"a\",\"x\":{deep}}}")).unwrap()];
        assert!(
            evaluate_page(playbook("true"), ctx(), Collection::Alerts, items)
                .await
                .is_err()
        );
    }
}
