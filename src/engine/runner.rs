//! One run of one playbook: fetch (with the cursor or the hunting window), conditions (off the
//! async threads), dedup, plan, the cap, then — in one state transaction — ledger entries, dedup
//! keys and the cursor, and only then execution, in phases (action k for every item before
//! action k+1, only for items whose earlier actions succeeded). Dry runs stop after planning and
//! write nothing; audit runs record the plan as skipped and act on nothing.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::StreamExt as _;
use serde_json::Value;

use super::plan::{self, Evaluator, PlannedAction, RunContext, iso};
use crate::action::email::EmailParams;
use crate::action::update::{Status, UpdateJob};
use crate::action::{self, ActionKind, Outcome, Params};
use crate::clock::Clock;
use crate::config::Settings;
use crate::graph::{Client, Collection, Error as GraphError, ListQuery};
use crate::odata;
use crate::playbook::{Mode, Playbook, Trigger, stable_hash};
use crate::state::{
    self, CursorAdvance, DedupKey, LedgerEntry, NewEntry, PlanCommit, RunMode, RunOutcome, RunStatus, Store,
};

/// Page sizes: 1000 alerts; 50 incidents (with their alerts), as Graph integrations use.
const ALERT_PAGE: u32 = 1000;
const INCIDENT_PAGE: u32 = 50;
/// Advanced hunting keeps 30 days.
const MAX_WINDOW: TimeDelta = TimeDelta::days(30);

/// What a run did, for the summary table and `run --once`'s exit code.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    pub playbook: String,
    pub fetched: u32,
    pub matched: u32,
    pub planned: u32,
    pub done: u32,
    pub skipped: u32,
    pub failed: u32,
    /// Set when the run planned more than `max_actions_per_run` and did nothing.
    pub capped: bool,
    /// Condition errors (counted as no match).
    pub condition_errors: u32,
    pub duration: Duration,
    /// Why the run failed, if it did.
    pub error: Option<String>,
    /// What a dry run would do.
    pub plan: Vec<PlannedAction>,
    /// A hunting result hit Graph's 100,000-row cap.
    pub truncated: bool,
    /// The first few action failures, for the summary.
    pub action_errors: Vec<String>,
}

/// How many action failures a report keeps for the summary.
const REPORTED_ERRORS: usize = 5;

impl RunReport {
    /// A run or action failed (a guarded skip is not a failure).
    pub fn is_failure(&self) -> bool {
        self.status(false).is_failure()
    }

    /// The status of the finished run; `run_failed`: the run itself failed (before its error
    /// is in the report).
    pub fn status(&self, run_failed: bool) -> RunStatus {
        match (run_failed || self.error.is_some(), self.capped) {
            (true, _) => RunStatus::Failed,
            (false, true) => RunStatus::Capped,
            (false, false) if self.failed > 0 => RunStatus::PartiallyFailed,
            (false, false) => RunStatus::Ok,
        }
    }
}

/// Everything a run needs; shared by every playbook's runs.
pub struct Engine {
    pub settings: Settings,
    pub client: Client,
    /// None in a dry run without a state file.
    pub store: Option<Arc<Store>>,
    pub clock: Clock,
    pub dry_run: bool,
    /// Where email actions go: the SMTP server of the settings, else the outbox folder.
    pub mailer: action::email::Mailer,
}

/// The hash keying a playbook's cursor: trigger and condition, so an edited one starts again.
pub fn trigger_hash(p: &Playbook) -> String {
    let trigger = match &p.trigger {
        Trigger::Alerts(t) | Trigger::Incidents(t) => format!(
            "{}|{}|{}|{}",
            p.trigger.name(),
            t.filter.as_ref().map(ToString::to_string).unwrap_or_default(),
            t.since.as_secs(),
            t.expand_alerts
        ),
        Trigger::Hunting(h) => format!(
            "hunting|{}|{}|{:?}",
            h.query,
            h.lag.as_secs(),
            h.timespan.map(|t| t.as_secs())
        ),
    };
    let condition = p.condition.as_ref().map(|c| c.source().to_string()).unwrap_or_default();
    format!("{:016x}", stable_hash(format!("{trigger}\u{0}{condition}").as_bytes()))
}

/// The hash the ledger keys a playbook version by: any edit to the file changes it.
pub fn playbook_hash(p: &Playbook) -> String {
    format!("{:016x}", p.source_hash)
}

/// Items matched by one fetch, and where the trigger stands afterwards.
struct Fetched {
    fetched: u32,
    condition_errors: u32,
    cursor: Option<DateTime<Utc>>,
    truncated: bool,
}

impl Engine {
    /// Runs `playbook` once and reports. Never panics on data; failures are in the report.
    pub async fn run_playbook(&self, playbook: Arc<Playbook>) -> RunReport {
        let start = Instant::now();
        let mut report = RunReport {
            playbook: playbook.name.clone(),
            ..RunReport::default()
        };
        let result = self.run_inner(&playbook, &mut report).await;
        if let Err(e) = result {
            tracing::error!(playbook = %playbook.name, error = %e, "Playbook run failed.");
            report.error = Some(e);
        }
        report.duration = start.elapsed();
        report
    }

    /// [`Engine::run_playbook`] in a task of its own: a panic (a bug, never input) becomes a
    /// failed report instead of silently ending the playbook's schedule or dropping it from the
    /// summary. Its run stays `running` in the state until the next start closes it as failed.
    pub async fn run_playbook_isolated(self: &Arc<Self>, playbook: Arc<Playbook>) -> RunReport {
        let (engine, name) = (self.clone(), playbook.name.clone());
        match tokio::spawn(async move { engine.run_playbook(playbook).await }).await {
            Ok(report) => report,
            Err(e) => {
                tracing::error!(playbook = %name, error = %e, "A playbook run panicked; the playbook stays scheduled.");
                RunReport {
                    playbook: name,
                    error: Some(format!("the run stopped unexpectedly: {e}")),
                    ..RunReport::default()
                }
            }
        }
    }

    async fn run_inner(&self, playbook: &Arc<Playbook>, report: &mut RunReport) -> Result<(), String> {
        let started = self.clock.now();
        let store = self.store.as_ref().filter(|_| !self.dry_run);
        let mode = match (self.dry_run, playbook.mode) {
            (true, _) => RunMode::DryRun,
            (false, Mode::Audit) => RunMode::Audit,
            (false, Mode::Active) => RunMode::Live,
        };
        let phash = playbook_hash(playbook);
        let run = match store {
            Some(s) => Some(
                s.start_run(&playbook.name, &phash, started, mode)
                    .map_err(|e| e.to_string())?,
            ),
            None => None,
        };
        // Ledger-driven retries of this playbook's earlier actions come first.
        if let Some(s) = store {
            let earlier: Vec<LedgerEntry> = s
                .pending_entries()
                .map_err(|e| e.to_string())?
                .into_iter()
                .filter(|e| e.playbook == playbook.name && e.playbook_hash == phash)
                .collect();
            if !earlier.is_empty() {
                tracing::info!(playbook = %playbook.name, actions = earlier.len(), "Retrying actions pending from earlier runs.");
                self.execute_entries(playbook, s, earlier, true, started, report).await;
            }
        }
        let outcome = self.plan_and_execute(playbook, store, run, started, report).await;
        if let (Some(s), Some(run)) = (store, run) {
            let finished = RunOutcome {
                status: report.status(outcome.is_err()),
                fetched: report.fetched,
                matched: report.matched,
                planned: report.planned,
                done: report.done,
                skipped: report.skipped,
                failed: report.failed,
                error: outcome.as_ref().err().cloned(),
                finished: self.clock.now(),
            };
            if let Err(e) = s.finish_run(run, &finished) {
                tracing::error!(playbook = %playbook.name, error = %e, "Cannot record the end of the run.");
            }
            self.check_failure_streak(playbook, s).await;
        }
        outcome
    }

    async fn plan_and_execute(
        &self,
        playbook: &Arc<Playbook>,
        store: Option<&Arc<Store>>,
        run: Option<state::RunId>,
        started: DateTime<Utc>,
        report: &mut RunReport,
    ) -> Result<(), String> {
        let thash = trigger_hash(playbook);
        let cursor = match self.store.as_ref() {
            Some(s) => s
                .cursor(&playbook.name, &thash)
                .map_err(|e| e.to_string())?
                .map(|c| c.position),
            None => None,
        };
        let ctx = RunContext {
            run_id: run.map_or_else(|| "dry-run".to_string(), |r| r.0.to_string()),
            started,
            now: started,
            lists: Arc::new(self.settings.lists.clone()),
        };
        // Matches are keyed, deduplicated and planned page by page, so memory holds a page and
        // the planned actions, not every matching item (a digest keeps its items: it needs them).
        let mut collector = Collector::new(self, playbook, &ctx, started);
        let fetched = self
            .fetch(playbook, cursor, started, &ctx, &mut collector)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(e) = collector.error.take() {
            return Err(e);
        }
        report.fetched = fetched.fetched;
        report.condition_errors = fetched.condition_errors;
        report.truncated = fetched.truncated;
        report.matched = collector.matched;
        report.failed += collector.failed;
        let Collector {
            mut planned,
            mut keys,
            digest,
            expires,
            ..
        } = collector;
        if plan::is_digest(playbook) && !digest.is_empty() {
            let items: Vec<Value> = digest.iter().map(|(i, _)| i.clone()).collect();
            planned = plan::plan_digest(playbook, &items, &ctx).map_err(|e| format!("cannot plan the digest: {e}"))?;
            keys = digest.into_iter().map(|(_, k)| DedupKey::new(k, expires)).collect();
        }
        report.planned = u32::try_from(planned.len()).unwrap_or(u32::MAX);
        if planned.len() > playbook.max_actions_per_run as usize {
            report.capped = true;
            tracing::error!(
                playbook = %playbook.name,
                planned = planned.len(),
                max_actions_per_run = playbook.max_actions_per_run,
                "Run capped: it planned more actions than max_actions_per_run, so it does none. Check the playbook, or raise max_actions_per_run."
            );
            return Ok(());
        }
        if self.dry_run {
            report.plan = planned;
            return Ok(());
        }
        let (Some(store), Some(run)) = (store, run) else {
            return Ok(());
        };
        self.record_targets_at_match(&mut planned).await?;
        let mut commit = PlanCommit::new(run, &playbook.name, &playbook_hash(playbook), started);
        commit.cursor = fetched.cursor.map(|position| CursorAdvance {
            trigger_hash: thash,
            position,
        });
        commit.entries = planned
            .into_iter()
            .map(|p| NewEntry {
                item_id: p.item_id,
                item_kind: p.item_kind,
                action_index: u32::try_from(p.action_index).unwrap_or(u32::MAX),
                params: p.params,
            })
            .collect();
        // Audit mode records what it would do, as skipped in the same transaction (nothing of
        // it can ever be executed), and keeps no dedup keys: turning the playbook on later acts
        // on what it finds then.
        let audit = playbook.mode == Mode::Audit;
        if audit {
            commit.skip_all = Some("audit mode: planned, not executed".into());
        } else {
            commit.dedup_keys = keys;
        }
        store.commit_plan(commit).map_err(|e| e.to_string())?;
        let entries = store.entries_of_run(run).map_err(|e| e.to_string())?;
        if audit {
            for e in &entries {
                tracing::info!(playbook = %playbook.name, item_id = %e.item_id, action = %e.action, params = %e.params.to_json(), "Audit mode: would act.");
            }
            report.skipped += u32::try_from(entries.len()).unwrap_or(u32::MAX);
            return Ok(());
        }
        let pending: Vec<LedgerEntry> = entries
            .into_iter()
            .filter(|e| e.state == state::ActionState::Pending)
            .collect();
        self.execute_entries(playbook, store, pending, false, started, report)
            .await;
        Ok(())
    }

    /// Reads the targets of planned updates that are not the matched item itself (an incident
    /// updated from an alert, an alert or incident named by a hunting row's `id:`) and records
    /// the state they are in as the state at the match, so the guard protects them too (DESIGN
    /// mentions the per-item GET for resumed actions only; these need one as well).
    async fn record_targets_at_match(&self, planned: &mut [PlannedAction]) -> Result<(), String> {
        let target = |p: &PlannedAction| Some((update_collection(p.kind())?, p.params.update_target()?.to_string()));
        let targets: Vec<(Collection, String)> = planned
            .iter()
            .filter(|p| p.params.needs_matched())
            .filter_map(target)
            .collect();
        let states = self.client.get_items(targets).await;
        // A passing failure fails the run (the next one plans again); a target Graph refuses
        // for good (404, a malformed id) is left to fail when written, abandoning the item's
        // later actions, so one bad row never stalls its playbook.
        for (key, result) in &states {
            if let Err(e) = result
                && e.is_retryable()
            {
                return Err(format!("cannot read {} before planning its update: {e}", key.1));
            }
        }
        for p in planned.iter_mut().filter(|p| p.params.needs_matched()) {
            if let Some(Ok(state)) = target(p).and_then(|key| states.get(&key)) {
                p.params.record_matched(state);
            }
        }
        Ok(())
    }

    /// Fetches the trigger's items and keeps those the condition matches, page by page (memory
    /// is bounded by a page plus the matches).
    async fn fetch(
        &self,
        playbook: &Arc<Playbook>,
        cursor: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        ctx: &RunContext,
        collector: &mut Collector<'_>,
    ) -> Result<Fetched, GraphError> {
        let mut out = Fetched {
            fetched: 0,
            condition_errors: 0,
            cursor: None,
            truncated: false,
        };
        match &playbook.trigger {
            Trigger::Alerts(t) | Trigger::Incidents(t) => {
                let collection = if matches!(playbook.trigger, Trigger::Alerts(_)) {
                    Collection::Alerts
                } else {
                    Collection::Incidents
                };
                let overlap = self.settings.cursor_overlap.to_chrono();
                let since = cursor.map_or_else(
                    || now - t.since.to_chrono(),
                    |c| c.checked_sub_signed(overlap).unwrap_or(DateTime::<Utc>::MIN_UTC),
                );
                let filter = cursor_filter(t.filter.as_ref(), since);
                let expand = t.expand_alerts && collection == Collection::Incidents;
                let query = ListQuery {
                    filter: Some(filter.clone()),
                    top: Some(if collection == Collection::Alerts {
                        ALERT_PAGE
                    } else {
                        INCIDENT_PAGE
                    }),
                    expand_alerts: expand,
                    ..ListQuery::default()
                };
                let mut max_seen = cursor;
                let result = self
                    .list_and_match(
                        playbook,
                        collection,
                        &query,
                        false,
                        ctx,
                        &mut out,
                        &mut max_seen,
                        collector,
                    )
                    .await;
                match result {
                    Err(e) if expand && e.status().is_some_and(|s| s >= 500) => {
                        tracing::warn!(playbook = %playbook.name, error = %e, "$expand=alerts keeps failing; listing incidents without it and fetching their alerts by incidentId.");
                        let query = ListQuery {
                            expand_alerts: false,
                            ..query
                        };
                        out = Fetched {
                            fetched: 0,
                            condition_errors: 0,
                            cursor: None,
                            truncated: false,
                        };
                        collector.reset();
                        max_seen = cursor;
                        self.list_and_match(
                            playbook,
                            collection,
                            &query,
                            true,
                            ctx,
                            &mut out,
                            &mut max_seen,
                            collector,
                        )
                        .await?;
                    }
                    other => other?,
                }
                // A first run that sees nothing still keeps where its window began, so the next
                // runs continue from there instead of looking back only `since` from their own
                // time (a quiet daily playbook would miss whatever changed in between).
                out.cursor = max_seen.or(Some(since));
            }
            Trigger::Hunting(h) => {
                let interval = playbook.schedule.interval(playbook.timezone, now);
                let Some((start, end)) = hunting_window(h, cursor, now, interval) else {
                    return Ok(out);
                };
                let timespan = format!("{}/{}", iso(start), iso(end));
                let results = self.client.run_hunting_query(&h.query, Some(&timespan)).await?;
                out.truncated = results.is_probably_truncated();
                if out.truncated {
                    tracing::warn!(playbook = %playbook.name, rows = results.results.len(), "The hunting result hit Graph's 100,000-row cap and is truncated: narrow the query.");
                }
                let rows: Vec<Value> = results.results.into_iter().map(Value::Object).collect();
                out.fetched = u32::try_from(rows.len()).unwrap_or(u32::MAX);
                let (matched, errors) = evaluate(playbook.clone(), ctx.clone(), rows).await;
                collector.add(matched);
                out.condition_errors = errors;
                out.cursor = Some(end);
            }
        }
        Ok(out)
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "the fetch loop threads its accumulators through; a struct would only rename them"
    )]
    async fn list_and_match(
        &self,
        playbook: &Arc<Playbook>,
        collection: Collection,
        query: &ListQuery,
        fetch_alerts: bool,
        ctx: &RunContext,
        out: &mut Fetched,
        max_seen: &mut Option<DateTime<Utc>>,
        collector: &mut Collector<'_>,
    ) -> Result<(), GraphError> {
        let mut pager = self.client.list::<Value>(collection, query)?;
        while let Some(page) = pager.next_page().await? {
            let mut items = page.value;
            for item in &mut items {
                if fetch_alerts {
                    let id = item
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .replace('\'', "''");
                    let q = ListQuery {
                        filter: Some(format!("incidentId eq '{id}'")),
                        top: Some(ALERT_PAGE),
                        ..ListQuery::default()
                    };
                    let alerts: Vec<Value> = self.client.list::<Value>(Collection::Alerts, &q)?.collect_all().await?;
                    if let Some(o) = item.as_object_mut() {
                        o.insert("alerts".into(), Value::Array(alerts));
                    }
                }
                collection.normalize(item);
                let updated = item
                    .get("lastUpdateDateTime")
                    .and_then(Value::as_str)
                    .and_then(crate::graph::models::wire::parse_datetime);
                if let Some(u) = updated {
                    *max_seen = Some(max_seen.map_or(u, |m| m.max(u)));
                }
            }
            out.fetched += u32::try_from(items.len()).unwrap_or(u32::MAX);
            let (matched, errors) = evaluate(playbook.clone(), ctx.clone(), items).await;
            collector.add(matched);
            out.condition_errors += errors;
        }
        Ok(())
    }

    /// Executes pending ledger entries in phases by action index; `resumed` marks entries whose
    /// earlier outcome is unknown (they read fresh state and check comment markers).
    pub async fn execute_entries(
        &self,
        playbook: &Playbook,
        store: &Store,
        entries: Vec<LedgerEntry>,
        resumed: bool,
        fetch_start: DateTime<Utc>,
        report: &mut RunReport,
    ) {
        let mut blocked: HashSet<(i64, String)> = HashSet::new();
        let mut indexes: Vec<u32> = entries.iter().map(|e| e.action_index).collect();
        indexes.sort_unstable();
        indexes.dedup();
        let max_attempts = self.settings.limits.max_attempts;
        for index in indexes {
            let phase: Vec<&LedgerEntry> = entries
                .iter()
                .filter(|e| e.action_index == index && !blocked.contains(&(e.run_id.0, e.item_id.clone())))
                .collect();
            let outcomes = self
                .execute_phase(
                    playbook,
                    &phase,
                    resumed || phase.iter().any(|e| e.attempts > 0),
                    fetch_start,
                )
                .await;
            let now = self.clock.now();
            for (id, outcome) in outcomes {
                let Some(entry) = phase.iter().find(|e| e.id == id) else {
                    continue;
                };
                let logged = (playbook.name.as_str(), entry.item_id.as_str(), entry.action.as_str());
                let recorded = match &outcome {
                    Outcome::Done => {
                        report.done += 1;
                        tracing::info!(
                            playbook = logged.0,
                            item_id = logged.1,
                            action = logged.2,
                            ledger_id = id,
                            "Action done."
                        );
                        store.mark_done(id, now).map(|_| ())
                    }
                    Outcome::Skipped(reason) => {
                        report.skipped += 1;
                        blocked.insert((entry.run_id.0, entry.item_id.clone()));
                        tracing::info!(playbook = logged.0, item_id = logged.1, action = logged.2, ledger_id = id, reason = %reason, "Action skipped.");
                        store.mark_skipped(id, reason, now).map(|_| ())
                    }
                    Outcome::Failed { error, retryable } => {
                        report.failed += 1;
                        if report.action_errors.len() < REPORTED_ERRORS {
                            report
                                .action_errors
                                .push(format!("{} {}: {error}", entry.action, entry.item_id));
                        }
                        blocked.insert((entry.run_id.0, entry.item_id.clone()));
                        tracing::error!(playbook = logged.0, item_id = logged.1, action = logged.2, ledger_id = id, retryable, error = %error, "Action failed.");
                        store.mark_failed(id, error, *retryable, max_attempts, now).map(|_| ())
                    }
                };
                if let Err(e) = recorded {
                    tracing::error!(playbook = logged.0, ledger_id = id, error = %e, "Cannot record the action's outcome.");
                }
            }
        }
    }

    async fn execute_phase(
        &self,
        playbook: &Playbook,
        phase: &[&LedgerEntry],
        resumed: bool,
        fetch_start: DateTime<Utc>,
    ) -> Vec<(i64, Outcome)> {
        let mut outcomes = Vec::new();
        let mut alert_updates = Vec::new();
        let mut incident_updates = Vec::new();
        let mut webhooks: Vec<futures_util::future::BoxFuture<'_, (i64, Outcome)>> = Vec::new();
        for e in phase {
            let resumed = resumed || e.attempts > 0;
            match &e.params {
                Params::UpdateAlert(p) => alert_updates.push(UpdateJob {
                    ledger_id: e.id,
                    params: p.clone(),
                    resumed,
                }),
                Params::UpdateIncident(p) => incident_updates.push(UpdateJob {
                    ledger_id: e.id,
                    params: p.clone(),
                    resumed,
                }),
                // One at a time: the mailer keeps one SMTP connection.
                Params::Email(p) => outcomes.push((e.id, self.send_email(playbook, e.id, p).await)),
                Params::Webhook(p) => {
                    let (max_attempts, key) = (self.settings.limits.max_attempts, self.action_key(e));
                    webhooks.push(Box::pin(async move {
                        let outcome =
                            action::webhook::execute_shared(&self.clock, p, &key, &playbook.name, max_attempts).await;
                        (e.id, outcome)
                    }));
                }
                Params::Log(p) => outcomes.push((e.id, action::log::execute(&playbook.name, &e.item_id, p))),
            }
        }
        // Webhooks go out a few at a time: one slow or dead receiver (each webhook retries with
        // backoff) does not hold up the others.
        const WEBHOOKS_AT_ONCE: usize = 4;
        outcomes.extend(
            futures_util::stream::iter(webhooks)
                .buffer_unordered(WEBHOOKS_AT_ONCE)
                .collect::<Vec<_>>()
                .await,
        );
        if !alert_updates.is_empty() {
            outcomes.extend(self.execute_updates(alert_updates, fetch_start).await);
        }
        if !incident_updates.is_empty() {
            outcomes.extend(self.execute_updates(incident_updates, fetch_start).await);
        }
        outcomes
    }

    /// Updates of one collection: the guard's re-read, then the writes.
    async fn execute_updates<S: Status>(
        &self,
        jobs: Vec<UpdateJob<S>>,
        fetch_start: DateTime<Utc>,
    ) -> Vec<(i64, Outcome)> {
        match self.changed_since(S::COLLECTION, fetch_start).await {
            Ok(changed) => action::update::execute(&self.client, jobs, &changed).await,
            Err(e) => jobs
                .into_iter()
                .map(|j| {
                    (
                        j.ledger_id,
                        Outcome::failed(format!("cannot re-read before writing: {e}"), e.is_retryable()),
                    )
                })
                .collect(),
        }
    }

    /// The guard's re-read: one paged list of what changed since this run's fetch started.
    async fn changed_since(
        &self,
        collection: Collection,
        since: DateTime<Utc>,
    ) -> Result<HashMap<String, Value>, GraphError> {
        let query = ListQuery {
            filter: Some(odata::with_cursor(None, "lastUpdateDateTime", since)),
            top: Some(if collection == Collection::Alerts {
                ALERT_PAGE
            } else {
                INCIDENT_PAGE
            }),
            ..ListQuery::default()
        };
        let mut out = HashMap::new();
        let mut pager = self.client.list::<Value>(collection, &query)?;
        while let Some(page) = pager.next_page().await? {
            for mut item in page.value {
                collection.normalize(&mut item);
                if let Some(id) = item.get("id").and_then(Value::as_str).map(str::to_string) {
                    out.insert(id, item);
                }
            }
        }
        Ok(out)
    }

    /// The state database's instance id (part of Message-IDs and idempotency keys).
    fn instance(&self) -> Option<&str> {
        self.store.as_ref().and_then(|s| s.instance_id())
    }

    /// The idempotency key of a webhook entry.
    fn action_key(&self, e: &LedgerEntry) -> String {
        action::webhook::idempotency_key(e.id, self.instance(), &e.playbook)
    }

    async fn send_email(&self, playbook: &Playbook, ledger_id: i64, params: &EmailParams) -> Outcome {
        match action::email::build(params, ledger_id, self.instance(), &playbook.name) {
            Ok(message) => self.mailer.send(&message).await,
            Err(err) => Outcome::failed(err, false),
        }
    }
}

/// The collection an update action writes to.
fn update_collection(action: ActionKind) -> Option<Collection> {
    match action {
        ActionKind::UpdateAlert => Some(Collection::Alerts),
        ActionKind::UpdateIncident => Some(Collection::Incidents),
        _ => None,
    }
}

/// The window a hunting run asks for, as `(start, end)`: from the end of the last successful
/// window (first run: one schedule interval back) to `now - lag`, at most 30 days, so downtime
/// leaves no gap; or a fixed `timespan` back from `now - lag`. None when the window is empty.
pub fn hunting_window(
    h: &crate::playbook::HuntingTrigger,
    cursor: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    interval: Duration,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let end = now - h.lag.to_chrono();
    let start = match (h.timespan, cursor) {
        (Some(ts), _) => end - ts.to_chrono(),
        (None, Some(c)) => c,
        (None, None) => end - TimeDelta::from_std(interval).unwrap_or(TimeDelta::hours(1)),
    };
    let start = start.max(end - MAX_WINDOW);
    (start < end).then_some((start, end))
}

/// The `$filter` a list trigger sends: the user's filter, always parenthesised, and the cursor
/// clause, so a top-level `or` cannot escape the cursor.
pub fn cursor_filter(user: Option<&odata::Expr>, since: DateTime<Utc>) -> String {
    let user = user.map(ToString::to_string);
    odata::with_cursor(user.as_deref(), "lastUpdateDateTime", since)
}

/// Keys, deduplicates and plans matching items as pages arrive.
struct Collector<'a> {
    engine: &'a Engine,
    playbook: &'a Playbook,
    ctx: &'a RunContext,
    now: DateTime<Utc>,
    seen_here: HashSet<String>,
    /// Unique matching items (before the state's dedup).
    matched: u32,
    /// Items whose key or plan failed.
    failed: u32,
    planned: Vec<PlannedAction>,
    keys: Vec<DedupKey>,
    /// `group: all`: the new items and their keys, planned as one digest at the end.
    digest: Vec<(Value, String)>,
    expires: Option<DateTime<Utc>>,
    /// A state error: the run fails.
    error: Option<String>,
}

impl<'a> Collector<'a> {
    fn new(engine: &'a Engine, playbook: &'a Playbook, ctx: &'a RunContext, now: DateTime<Utc>) -> Self {
        Collector {
            engine,
            playbook,
            ctx,
            now,
            seen_here: HashSet::new(),
            matched: 0,
            failed: 0,
            planned: Vec::new(),
            keys: Vec::new(),
            digest: Vec::new(),
            // A window past the end of representable time is forever.
            expires: playbook
                .dedup
                .window
                .and_then(|w| now.checked_add_signed(w.to_chrono())),
            error: None,
        }
    }

    /// Starts over (the `$expand` fallback lists again from the start).
    fn reset(&mut self) {
        *self = Collector::new(self.engine, self.playbook, self.ctx, self.now);
    }

    /// One page of matching items: a key each (a key that fails is that item's failure), the
    /// state's dedup, then the plan.
    fn add(&mut self, items: Vec<Value>) {
        let name = &self.playbook.name;
        let mut page = Vec::with_capacity(items.len());
        for item in items {
            match plan::dedup_key(self.playbook, &item, self.ctx) {
                Ok(key) if self.seen_here.insert(key.clone()) => page.push((item, key)),
                Ok(_) => {}
                Err(e) => {
                    self.failed += 1;
                    tracing::error!(playbook = %name, error = %e, "Cannot compute the dedup key; item skipped.");
                }
            }
        }
        self.matched += u32::try_from(page.len()).unwrap_or(u32::MAX);
        let seen = match self.engine.store.as_ref() {
            Some(s) => {
                let keys: Vec<String> = page.iter().map(|(_, k)| k.clone()).collect();
                match s.seen_keys(name, &keys, self.now) {
                    Ok(seen) => seen,
                    Err(e) => {
                        self.error = Some(e.to_string());
                        return;
                    }
                }
            }
            None => HashSet::new(),
        };
        for (item, key) in page.into_iter().filter(|(_, k)| !seen.contains(k)) {
            if plan::is_digest(self.playbook) {
                self.digest.push((item, key));
                continue;
            }
            match plan::plan_item(self.playbook, &item, &key, self.ctx) {
                Ok(p) => {
                    self.planned.extend(p);
                    self.keys.push(DedupKey::new(key, self.expires));
                }
                Err(e) => {
                    self.failed += 1;
                    tracing::error!(playbook = %name, key = %key, error = %e, "Cannot plan the actions for an item.");
                }
            }
        }
    }
}

/// Runs the condition over `items` on a blocking thread; returns the matches and the number of
/// condition errors (each logged, counted as no match).
async fn evaluate(playbook: Arc<Playbook>, ctx: RunContext, items: Vec<Value>) -> (Vec<Value>, u32) {
    if playbook.condition.is_none() {
        return (items, 0);
    }
    let name = playbook.name.clone();
    let task = tokio::task::spawn_blocking(move || {
        let evaluator = match Evaluator::new(&playbook, &ctx) {
            Ok(e) => e,
            Err(e) => {
                tracing::error!(playbook = %playbook.name, error = %e, "Cannot prepare the condition.");
                return (Vec::new(), u32::try_from(items.len()).unwrap_or(u32::MAX));
            }
        };
        let mut errors = 0;
        let mut matched = Vec::new();
        for item in items {
            match evaluator.matches(&item) {
                Ok(true) => matched.push(item),
                Ok(false) => {}
                Err(e) => {
                    errors += 1;
                    let id = item
                        .get("id")
                        .and_then(Value::as_str)
                        .map_or_else(|| plan::row_hash(&item), str::to_string);
                    tracing::warn!(playbook = %playbook.name, item_id = %id, error = %e, "Condition failed; counted as no match.");
                }
            }
        }
        (matched, errors)
    });
    task.await.unwrap_or_else(|e| {
        tracing::error!(playbook = %name, error = %e, "The condition task failed.");
        (Vec::new(), 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Regression for "a filter with a top-level `or` still gets the cursor on both branches".
    #[test]
    fn a_top_level_or_stays_under_the_cursor() {
        let user = odata::parse("status eq 'new' or severity eq 'high'").unwrap();
        let since = DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let text = cursor_filter(Some(&user), since);
        assert_eq!(
            text,
            "(status eq 'new' or severity eq 'high') and lastUpdateDateTime ge 2026-11-26T10:00:00Z"
        );
        let combined = odata::parse(&text).unwrap();
        let old_high =
            json!({ "status": "resolved", "severity": "high", "lastUpdateDateTime": "2026-11-26T09:00:00Z" });
        let new_high =
            json!({ "status": "resolved", "severity": "high", "lastUpdateDateTime": "2026-11-26T10:30:00.1234567Z" });
        let old_new = json!({ "status": "new", "severity": "low", "lastUpdateDateTime": "2026-11-26T09:59:59Z" });
        assert!(
            !odata::eval_for(&combined, odata::Resource::Alerts, &old_high),
            "the or's second branch is under the cursor"
        );
        assert!(
            !odata::eval_for(&combined, odata::Resource::Alerts, &old_new),
            "and so is the first"
        );
        assert!(odata::eval_for(&combined, odata::Resource::Alerts, &new_high));
    }

    #[test]
    fn hunting_windows_leave_no_gap() {
        use crate::duration::Duration as D;
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let h = crate::playbook::HuntingTrigger {
            query: "q".into(),
            lag: D::from_mins(5),
            timespan: None,
        };
        let hour = Duration::from_secs(3600);
        let now = t("2026-11-26T12:00:00Z");
        // First run: one schedule interval, ending `lag` ago.
        assert_eq!(
            hunting_window(&h, None, now, hour),
            Some((t("2026-11-26T10:55:00Z"), t("2026-11-26T11:55:00Z")))
        );
        // After three hours of downtime: from where the last window ended, not one interval.
        assert_eq!(
            hunting_window(&h, Some(t("2026-11-26T08:55:00Z")), now, hour),
            Some((t("2026-11-26T08:55:00Z"), t("2026-11-26T11:55:00Z")))
        );
        // After a long outage: at most 30 days.
        let (start, end) = hunting_window(&h, Some(t("2026-01-01T00:00:00Z")), now, hour).unwrap();
        assert_eq!(end - start, TimeDelta::days(30));
        // Nothing new yet.
        assert_eq!(hunting_window(&h, Some(t("2026-11-26T11:55:00Z")), now, hour), None);
        // A fixed timespan: the same lookback every run, whatever the cursor.
        let baseline = crate::playbook::HuntingTrigger {
            timespan: Some(D::from_days(7)),
            ..h
        };
        assert_eq!(
            hunting_window(&baseline, Some(t("2026-11-26T11:00:00Z")), now, hour),
            Some((t("2026-11-19T11:55:00Z"), t("2026-11-26T11:55:00Z")))
        );
    }

    #[test]
    fn trigger_hash_changes_with_the_trigger_and_condition_only() {
        let settings = Settings::embedded();
        let load = |text: &str| {
            crate::playbook::parse_str(
                text,
                std::path::Path::new("p.yaml"),
                std::path::Path::new("."),
                &settings,
            )
            .playbook
            .unwrap()
        };
        let base = "name: p\nschedule: '@hourly'\ntrigger: { alerts: { filter: \"status eq 'new'\" } }\ncondition: alert.id != \"\"\nactions: [ { log: { message: x } } ]\n";
        let a = load(base);
        let b = load(&base.replace("message: x", "message: y"));
        let c = load(&base.replace("'new'", "'inProgress'"));
        let d = load(&base.replace("alert.id != \"\"", "alert.id == \"x\""));
        assert_eq!(trigger_hash(&a), trigger_hash(&b), "an action edit keeps the cursor");
        assert_ne!(
            playbook_hash(&a),
            playbook_hash(&b),
            "but is another playbook version for the ledger"
        );
        assert_ne!(trigger_hash(&a), trigger_hash(&c));
        assert_ne!(trigger_hash(&a), trigger_hash(&d));
    }
}
