//! `graphsoar backtest`: what a playbook would have done over a past window. Its scheduled
//! fires in the window are replayed in order, each as a run would plan it (the condition and
//! templates with `now` at the fire, the cursor and hunting window as the engine keeps them, the
//! run cap), with dedup simulated in memory. It only reads: nothing is written to the tenant,
//! the state or the outbox.
//!
//! Graph keeps no history of an item, so a backtest sees items as they are now: an alert list
//! is read once, and each alert falls to the first fire at or after its `lastUpdateDateTime`
//! (the run whose cursor window first holds it; the overlap's repeats are what dedup absorbs),
//! or to the first fire when it changed within `since` before it. A hunting playbook runs its
//! query once per fire over that run's window, through the client's hunting limiter.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::collect::{self, Collector, SeenKeys};
use super::error::RunError;
use super::plan::RunContext;
use super::runner::Engine;
use super::trigger::{cursor_filter, hunting_window, page_size};
use crate::action::{ActionKind, Params};
use crate::graph::{Collection, ListQuery};
use crate::playbook::{ListTrigger, Playbook, Trigger};
use crate::state::{DedupKey, StateError};

/// The note every backtest prints.
pub const AS_THEY_ARE_NOW: &str = "Graph keeps no history of an item: this backtest sees alerts and incidents as they are now \
(an alert an analyst has since closed no longer matches `status eq 'new'`), and hunting tables as they hold data now.";

/// The past window: fires at or after `from` and at or before `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// The playbook's scheduled fires in `window`, in order.
pub fn fires(playbook: &Playbook, window: Window) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    let mut at = window.from - chrono::TimeDelta::nanoseconds(1);
    while let Some(next) = playbook.schedule.next_after(playbook.timezone, at) {
        if next > window.to {
            break;
        }
        out.push(next);
        at = next;
    }
    out
}

/// How many hunting queries backtesting `playbook` over `window` sends (0 for list triggers).
pub fn hunting_queries(playbook: &Playbook, window: Window) -> usize {
    match playbook.trigger {
        Trigger::Hunting(_) => fires(playbook, window).len(),
        _ => 0,
    }
}

/// One action a replayed run would have planned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestAction {
    pub playbook: String,
    /// The scheduled fire of the run that plans it.
    #[serde(serialize_with = "rfc3339")]
    pub fire_time: DateTime<Utc>,
    /// The alert or incident, the row's dedup key, or `digest`.
    pub item_id: String,
    pub action: ActionKind,
    pub params: Params,
}

fn rfc3339<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::time::format_rfc3339(t))
}

/// What backtesting one playbook found.
#[derive(Debug, Default)]
pub struct PlaybookBacktest {
    pub playbook: String,
    /// Replayed runs (scheduled fires in the window).
    pub runs: u32,
    /// Items (or rows) fetched in all.
    pub fetched: u32,
    /// Unique matching items across the runs (before dedup).
    pub matched: u32,
    pub condition_errors: u32,
    /// Items that matched but could not be keyed or planned.
    pub item_failures: u32,
    /// Runs that would have planned more than `max_actions_per_run` and done nothing.
    pub capped: u32,
    /// Hunting queries sent.
    pub queries: u32,
    /// A hunting result hit Graph's 100,000-row cap.
    pub truncated: bool,
    pub actions: Vec<BacktestAction>,
    /// Why the backtest of this playbook stopped early, if it did.
    pub error: Option<RunError>,
}

/// Dedup keys in memory: the state's table for one backtest.
#[derive(Debug, Default)]
struct MemoryDedup {
    keys: HashMap<String, Option<DateTime<Utc>>>,
}

impl MemoryDedup {
    fn record(&mut self, keys: Vec<DedupKey>) {
        self.keys.extend(keys.into_iter().map(|k| (k.key, k.expires)));
    }
}

impl SeenKeys for MemoryDedup {
    fn seen(&self, _playbook: &str, keys: &[String], now: DateTime<Utc>) -> Result<HashSet<String>, StateError> {
        Ok(keys
            .iter()
            .filter(|k| self.keys.get(*k).is_some_and(|expires| expires.is_none_or(|e| e > now)))
            .cloned()
            .collect())
    }
}

impl Engine {
    /// Replays `playbook`'s fires in `window`; `progress` is told after each run.
    pub async fn backtest(
        &self,
        playbook: &Arc<Playbook>,
        window: Window,
        progress: &(dyn Fn() + Sync),
    ) -> PlaybookBacktest {
        let mut out = PlaybookBacktest {
            playbook: playbook.name.clone(),
            ..PlaybookBacktest::default()
        };
        let fires = fires(playbook, window);
        let result = match &playbook.trigger {
            Trigger::Alerts(t) => {
                self.backtest_list(playbook, t, Collection::Alerts, &fires, progress, &mut out)
                    .await
            }
            Trigger::Incidents(t) => {
                self.backtest_list(playbook, t, Collection::Incidents, &fires, progress, &mut out)
                    .await
            }
            Trigger::Hunting(_) => self.backtest_hunting(playbook, &fires, progress, &mut out).await,
        };
        if let Err(e) = result {
            tracing::error!(playbook = %playbook.name, error = %e, "The backtest of this playbook stopped.");
            out.error = Some(e);
        }
        out
    }

    /// One list for the whole window, then each fire's share of it.
    async fn backtest_list(
        &self,
        playbook: &Arc<Playbook>,
        t: &ListTrigger,
        collection: Collection,
        fires: &[DateTime<Utc>],
        progress: &(dyn Fn() + Sync),
        out: &mut PlaybookBacktest,
    ) -> Result<(), RunError> {
        let (Some(first), Some(last)) = (fires.first(), fires.last()) else {
            return Ok(());
        };
        let query = ListQuery {
            filter: Some(cursor_filter(t.filter.as_ref(), *first - t.since.to_chrono())),
            top: Some(page_size(collection)),
            expand_alerts: t.expand_alerts && collection == Collection::Incidents,
            ..ListQuery::default()
        };
        let items: Vec<Value> = self
            .client
            .list::<Value>(collection, &query)
            .map_err(RunError::Fetch)?
            .collect_all()
            .await
            .map_err(RunError::Fetch)?;
        // Each item to the first fire at or after its last update; later ones are past the window.
        let mut buckets: Vec<Vec<Value>> = vec![Vec::new(); fires.len()];
        for mut item in items {
            collection.normalize(&mut item);
            let updated = item
                .get("lastUpdateDateTime")
                .and_then(Value::as_str)
                .and_then(crate::time::parse_utc);
            let Some(updated) = updated.filter(|u| u <= last) else {
                continue;
            };
            buckets[fires.partition_point(|f| *f < updated)].push(item);
        }
        let mut dedup = MemoryDedup::default();
        // A capped run advances no cursor: its items come back in the next run.
        let mut carried: Vec<Value> = Vec::new();
        for (fire, bucket) in fires.iter().zip(buckets) {
            carried.extend(bucket);
            let capped = self
                .replay_run(playbook, *fire, std::mem::take(&mut carried), &mut dedup, out)
                .await?;
            if let Some(items) = capped {
                carried = items;
            }
            progress();
        }
        Ok(())
    }

    /// One hunting query per fire, over the window that run would have asked for.
    async fn backtest_hunting(
        &self,
        playbook: &Arc<Playbook>,
        fires: &[DateTime<Utc>],
        progress: &(dyn Fn() + Sync),
        out: &mut PlaybookBacktest,
    ) -> Result<(), RunError> {
        let Trigger::Hunting(h) = &playbook.trigger else {
            return Ok(());
        };
        let mut dedup = MemoryDedup::default();
        let mut cursor: Option<DateTime<Utc>> = None;
        for fire in fires {
            let interval = playbook.schedule.interval(playbook.timezone, *fire);
            if let Some((start, end)) = hunting_window(h, cursor, *fire, interval) {
                let timespan = format!(
                    "{}/{}",
                    crate::time::format_rfc3339(&start),
                    crate::time::format_rfc3339(&end)
                );
                let results = self
                    .client
                    .run_hunting_query(&h.query, Some(&timespan))
                    .await
                    .map_err(RunError::Fetch)?;
                out.queries += 1;
                out.truncated |= results.is_probably_truncated();
                let rows: Vec<Value> = results.results.into_iter().map(Value::Object).collect();
                if self.replay_run(playbook, *fire, rows, &mut dedup, out).await?.is_none() {
                    cursor = Some(end);
                }
            } else {
                out.runs += 1;
            }
            progress();
        }
        Ok(())
    }

    /// One replayed run over `items` at `fire`: condition, dedup, plan, cap. Returns the items
    /// back when the run is capped (nothing planned, no keys, no cursor move).
    async fn replay_run(
        &self,
        playbook: &Arc<Playbook>,
        fire: DateTime<Utc>,
        items: Vec<Value>,
        dedup: &mut MemoryDedup,
        out: &mut PlaybookBacktest,
    ) -> Result<Option<Vec<Value>>, RunError> {
        out.runs += 1;
        out.fetched += u32::try_from(items.len()).unwrap_or(u32::MAX);
        let ctx = RunContext {
            run_id: "backtest".into(),
            started: fire,
            now: fire,
            lists: playbook.lists.clone(),
        };
        // Kept only for a capped run's carry-over (rare); cloning is cheaper than re-listing.
        let keep = items.clone();
        let matches = collect::evaluate(playbook.clone(), ctx.clone(), items).await;
        out.condition_errors += u32::try_from(matches.errors.len()).unwrap_or(u32::MAX);
        let mut collector = Collector::new(playbook, &ctx, Some(&*dedup));
        collector.add(matches.items)?;
        out.matched += collector.matched;
        out.item_failures += u32::try_from(collector.failures.len()).unwrap_or(u32::MAX);
        let collected = collector.finish().map_err(RunError::Digest)?;
        if collected.planned.len() > playbook.max_actions_per_run as usize {
            out.capped += 1;
            return Ok(Some(keep));
        }
        dedup.record(collected.keys);
        out.actions
            .extend(collected.planned.into_iter().map(|p| BacktestAction {
                playbook: playbook.name.clone(),
                fire_time: fire,
                item_id: p.item_id,
                action: p.params.kind(),
                params: p.params,
            }));
        Ok(None)
    }
}
