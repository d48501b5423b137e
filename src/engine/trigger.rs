//! Fetching a trigger's items: alert and incident lists from the cursor (with the `$expand`
//! fallback), hunting queries over their window; each page goes through the condition and into
//! the collector as it arrives.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;
use serde_json::value::RawValue;

use super::collect::{self, Collector};
use super::error::RunError;
use super::plan::RunContext;
use super::runner::Engine;
use crate::graph::{Collection, Error as GraphError, ListQuery};
use crate::odata;
use crate::playbook::{Action, BodyTemplate, HuntingTrigger, ListTrigger, Playbook, Trigger};
use crate::template::Template;
use crate::time::format_rfc3339;

/// Page sizes: 1000 alerts; 50 incidents (with their alerts), as Graph integrations use.
pub const ALERT_PAGE: u32 = 1000;
pub const INCIDENT_PAGE: u32 = 50;
/// Advanced hunting keeps 30 days.
const MAX_WINDOW: TimeDelta = TimeDelta::days(30);

/// The page size graphsoar lists a collection with.
pub fn page_size(collection: Collection) -> u32 {
    match collection {
        Collection::Alerts => ALERT_PAGE,
        Collection::Incidents => INCIDENT_PAGE,
    }
}

/// What one fetch saw, and where the trigger stands afterwards.
#[derive(Debug, Default)]
pub(super) struct Fetched {
    pub fetched: u32,
    pub condition_errors: u32,
    pub cursor: Option<DateTime<Utc>>,
    pub truncated: bool,
}

impl Fetched {
    /// One page: counts its items and its condition errors.
    fn count(&mut self, fetched: usize, matches: &collect::Matches) {
        self.fetched += u32::try_from(fetched).unwrap_or(u32::MAX);
        self.condition_errors += u32::try_from(matches.errors.len()).unwrap_or(u32::MAX);
    }
}

impl Engine {
    /// Fetches the trigger's items and feeds those the condition matches to `collector`, page
    /// by page (memory is bounded by a page plus the plan).
    pub(super) async fn fetch(
        &self,
        playbook: &Arc<Playbook>,
        cursor: Option<DateTime<Utc>>,
        ctx: &RunContext,
        collector: &mut Collector<'_>,
    ) -> Result<Fetched, RunError> {
        match &playbook.trigger {
            Trigger::Alerts(t) => {
                self.fetch_list(playbook, t, Collection::Alerts, cursor, ctx, collector)
                    .await
            }
            Trigger::Incidents(t) => {
                self.fetch_list(playbook, t, Collection::Incidents, cursor, ctx, collector)
                    .await
            }
            Trigger::Hunting(h) => self.fetch_hunting(playbook, h, cursor, ctx, collector).await,
        }
    }

    async fn fetch_list(
        &self,
        playbook: &Arc<Playbook>,
        t: &ListTrigger,
        collection: Collection,
        cursor: Option<DateTime<Utc>>,
        ctx: &RunContext,
        collector: &mut Collector<'_>,
    ) -> Result<Fetched, RunError> {
        let overlap = self.settings.cursor_overlap.to_chrono();
        let since = cursor.map_or_else(
            || ctx.now - t.since.to_chrono(),
            |c| c.checked_sub_signed(overlap).unwrap_or(DateTime::<Utc>::MIN_UTC),
        );
        let expand = t.expand_alerts && collection == Collection::Incidents;
        let mut query = ListQuery {
            filter: Some(cursor_filter(t.filter.as_ref(), since)),
            top: Some(page_size(collection)),
            expand_alerts: expand,
            select: projection(playbook),
            ..ListQuery::default()
        };
        let mut first = self
            .list_pages(playbook, collection, &query, false, ctx, collector)
            .await;
        if query.select.is_some()
            && !self.client.select_refused()
            && matches!(&first, Err(RunError::Fetch(e)) if e.status() == Some(400))
        {
            if self.client.refuse_select() {
                tracing::warn!(playbook = %playbook.name, "The tenant refuses $select on alert lists; listing whole alerts from now on.");
            }
            collector.reset();
            query.select = None;
            first = self
                .list_pages(playbook, collection, &query, false, ctx, collector)
                .await;
        }
        let mut out = match first {
            Err(RunError::Fetch(e)) if expand && e.status().is_some_and(|s| s >= 500) => {
                tracing::warn!(playbook = %playbook.name, error = %e, "$expand=alerts keeps failing; listing incidents without it and fetching their alerts by incidentId.");
                collector.reset();
                let query = ListQuery {
                    expand_alerts: false,
                    ..query
                };
                self.list_pages(playbook, collection, &query, true, ctx, collector)
                    .await?
            }
            other => other?,
        };
        // A first run that sees nothing still keeps where its window began, so the next runs
        // continue from there instead of looking back only `since` from their own time (a quiet
        // daily playbook would miss whatever changed in between).
        out.cursor = out.cursor.max(cursor).or(Some(since));
        Ok(out)
    }

    /// Lists every page, fetching each incident's alerts when `fetch_alerts`; the cursor of the
    /// result is the latest `lastUpdateDateTime` seen.
    async fn list_pages(
        &self,
        playbook: &Arc<Playbook>,
        collection: Collection,
        query: &ListQuery,
        fetch_alerts: bool,
        ctx: &RunContext,
        collector: &mut Collector<'_>,
    ) -> Result<Fetched, RunError> {
        let mut out = Fetched::default();
        let mut pager = self
            .client
            .list::<Box<RawValue>>(collection, query)
            .map_err(RunError::Fetch)?;
        let mut next = pager.next_page().await;
        // The matches of the page before, planned while this page is evaluated.
        let mut unplanned: Option<Vec<Value>> = None;
        while let Some(page) = next.map_err(RunError::Fetch)? {
            let fetched = page.value.len();
            let matches = async {
                if !fetch_alerts {
                    return collect::evaluate_page(playbook.clone(), ctx.clone(), collection, page.value)
                        .await
                        .map_err(|e| undecodable(collection, &e));
                }
                // The `$expand` fallback: each incident's alerts are attached before its condition.
                let mut items = Vec::with_capacity(fetched);
                for raw in page.value {
                    let mut item: Value = serde_json::from_str(raw.get()).map_err(|e| undecodable(collection, &e))?;
                    self.attach_alerts(&mut item).await?;
                    collection.normalize(&mut item);
                    items.push(item);
                }
                Ok(collect::evaluate(playbook.clone(), ctx.clone(), items).await)
            };
            // Three things at once: this page's condition on blocking threads, the next page
            // on its way, and on this task meanwhile the plan of the page before (execution
            // still waits for the whole plan: the run cap needs it).
            let (matches, following, planned) = tokio::join!(matches, pager.next_page(), async {
                unplanned.take().map_or(Ok(()), |m| collector.add(m))
            });
            planned?;
            let matches = matches?;
            next = following;
            out.count(fetched, &matches);
            out.cursor = out.cursor.max(matches.latest_update);
            unplanned = Some(matches.items);
        }
        if let Some(matches) = unplanned {
            collector.add(matches)?;
        }
        Ok(out)
    }

    /// The `$expand` fallback: an incident's alerts, listed by `incidentId`.
    async fn attach_alerts(&self, incident: &mut Value) -> Result<(), RunError> {
        let id = incident
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .replace('\'', "''");
        let q = ListQuery {
            filter: Some(format!("incidentId eq '{id}'")),
            top: Some(ALERT_PAGE),
            ..ListQuery::default()
        };
        let alerts: Vec<Value> = self
            .client
            .list::<Value>(Collection::Alerts, &q)
            .map_err(RunError::Fetch)?
            .collect_all()
            .await
            .map_err(RunError::Fetch)?;
        if let Some(o) = incident.as_object_mut() {
            o.insert("alerts".into(), Value::Array(alerts));
        }
        Ok(())
    }

    async fn fetch_hunting(
        &self,
        playbook: &Arc<Playbook>,
        h: &HuntingTrigger,
        cursor: Option<DateTime<Utc>>,
        ctx: &RunContext,
        collector: &mut Collector<'_>,
    ) -> Result<Fetched, RunError> {
        let mut out = Fetched::default();
        let interval = playbook.schedule.interval(playbook.timezone, ctx.now);
        let Some((start, end)) = hunting_window(h, cursor, ctx.now, interval) else {
            return Ok(out);
        };
        let timespan = format!("{}/{}", format_rfc3339(&start), format_rfc3339(&end));
        let results = self
            .client
            .run_hunting_query(&h.query, Some(&timespan))
            .await
            .map_err(RunError::Fetch)?;
        out.truncated = results.is_probably_truncated();
        if out.truncated {
            tracing::warn!(playbook = %playbook.name, rows = results.results.len(), "The hunting result hit Graph's 100,000-row cap and is truncated: narrow the query.");
        }
        let rows: Vec<Value> = results.results.into_iter().map(Value::Object).collect();
        let fetched = rows.len();
        let matches = collect::evaluate(playbook.clone(), ctx.clone(), rows).await;
        out.count(fetched, &matches);
        collector.add(matches.items)?;
        out.cursor = Some(end);
        Ok(out)
    }
}

/// Alert properties the engine itself reads: the id, the cursor, and the guard's fields.
const ENGINE_READS: &[&str] = &[
    "id",
    "lastUpdateDateTime",
    "status",
    "assignedTo",
    "classification",
    "determination",
];

/// What an alert trigger's list asks `$select` for: every property the playbook reads of an
/// alert (condition, dedup key, templates, the engine's own), when all of that is known and
/// documented; None (whole alerts) otherwise, and for incidents (their `$expand` reads alerts).
pub fn projection(playbook: &Playbook) -> Option<Vec<String>> {
    if !matches!(playbook.trigger, Trigger::Alerts(_)) {
        return None;
    }
    let var = crate::item::ItemKind::Alert.var_name();
    let mut reads: BTreeSet<String> = ENGINE_READS.iter().map(|s| (*s).to_string()).collect();
    if let Some(c) = &playbook.condition {
        reads.extend(c.property_reads(var)?);
    }
    let mut templates: Vec<&Template> = playbook.dedup.key.iter().collect();
    for action in &playbook.actions {
        match action {
            Action::UpdateAlert(u) => templates.extend(u.id.iter().chain(&u.comment)),
            Action::UpdateIncident(u) => templates.extend(u.id.iter().chain(&u.comment)),
            Action::Email(e) => templates.extend(std::iter::once(&e.subject).chain(&e.body).chain(&e.html)),
            // Without a body, the shipped card reads what it likes of the alert.
            Action::Webhook(w) => body_templates(w.body.as_ref()?, &mut templates),
            Action::Log(l) => templates.push(&l.message),
            Action::Device(_, d) => {
                templates.extend(d.device.iter().chain(std::iter::once(&d.comment)).chain(&d.sha1));
                // The default devices are the alert's device evidence.
                if d.device.is_none() {
                    reads.insert("evidence".into());
                }
            }
            Action::AccountAction(a) => {
                templates.extend(a.account.iter());
                if a.account.is_none() {
                    reads.insert("evidence".into());
                }
            }
            Action::RemediateEmail(r) => {
                templates.extend(
                    r.network_message_id
                        .iter()
                        .chain(&r.recipient)
                        .chain(&r.display_name)
                        .chain(std::iter::once(&r.description)),
                );
                if r.network_message_id.is_none() {
                    reads.insert("evidence".into());
                }
            }
            Action::SubmitIndicator(i) => templates.extend(
                [&i.value, &i.title, &i.description]
                    .into_iter()
                    .chain(&i.recommended_actions),
            ),
        }
    }
    for t in templates {
        reads.extend(t.property_reads(var)?);
    }
    reads
        .iter()
        .all(|r| odata::Resource::Alerts.property(r).is_some())
        .then(|| reads.into_iter().collect())
}

fn body_templates<'a>(body: &'a BodyTemplate, out: &mut Vec<&'a Template>) {
    match body {
        BodyTemplate::Text(t) => out.push(t),
        BodyTemplate::Map(entries) => entries.iter().for_each(|(_, b)| body_templates(b, out)),
        BodyTemplate::List(items) => items.iter().for_each(|b| body_templates(b, out)),
        BodyTemplate::Value(_) => {}
    }
}

/// The window a hunting run asks for, as `(start, end)`: from the end of the last successful
/// window (first run: one schedule interval back) to `now - lag`, at most 30 days, so downtime
/// leaves no gap; or a fixed `timespan` back from `now - lag`. None when the window is empty.
pub fn hunting_window(
    h: &HuntingTrigger,
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

/// A listed item that is not JSON a `Value` holds (past serde_json's nesting limit, say).
fn undecodable(collection: Collection, e: &serde_json::Error) -> RunError {
    RunError::Fetch(GraphError::Decode {
        method: "GET".into(),
        path: collection.path().into(),
        message: format!("an item of the page does not decode: {e}"),
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

    fn shipped(name: &str) -> Playbook {
        let settings = crate::config::Settings::embedded();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let path = root.join("playbooks").join(format!("{name}.yaml"));
        let loaded = crate::playbook::load_file(&path, root, &settings);
        loaded.playbook.unwrap_or_else(|| panic!("{:?}", loaded.diagnostics))
    }

    #[test]
    fn alert_lists_select_what_the_playbook_reads() {
        let eicar = projection(&shipped("close-eicar-test-alerts")).expect("a known projection");
        for name in ["id", "lastUpdateDateTime", "status", "assignedTo", "title", "evidence"] {
            assert!(eicar.iter().any(|p| p == name), "{name} in {eicar:?}");
        }
        assert!(!eicar.iter().any(|p| p == "description"), "{eicar:?}");
        assert_eq!(
            projection(&shipped("notify-high-severity-incidents")),
            None,
            "incidents list whole items"
        );
        let settings = crate::config::Settings::embedded();
        let load = |condition: &str, message: &str| {
            let text = format!(
                "name: p\nschedule: '@hourly'\ntrigger: {{ alerts: {{ filter: \"status eq 'new'\" }} }}\ncondition: '{condition}'\nactions: [ {{ log: {{ message: \"{message}\" }} }} ]\n"
            );
            let loaded = crate::playbook::parse_str(
                &text,
                std::path::Path::new("p.yaml"),
                std::path::Path::new("."),
                &settings,
            );
            projection(&loaded.playbook.unwrap_or_else(|| panic!("{:?}", loaded.diagnostics)))
        };
        let p = load(
            "alert.severity == \"high\"",
            "{{ alert.title }} in {{ alert.incidentId }}",
        )
        .unwrap();
        assert!(
            ["severity", "title", "incidentId"]
                .iter()
                .all(|n| p.iter().any(|q| q == n)),
            "{p:?}"
        );
        assert_eq!(
            load("alert.severity == \"high\"", "{{ alert | tojson }}"),
            None,
            "a template reads all"
        );
        assert_eq!(
            load("alert.keys().len() > 0", "x"),
            None,
            "a method on the item reads all"
        );
        assert_eq!(
            load("alert.nosuchproperty == 1", "x"),
            None,
            "an undocumented property lists whole items"
        );
    }

    #[test]
    fn hunting_windows_leave_no_gap() {
        use crate::duration::Duration as D;
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let h = HuntingTrigger {
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
        let baseline = HuntingTrigger {
            timespan: Some(D::from_days(7)),
            ..h
        };
        assert_eq!(
            hunting_window(&baseline, Some(t("2026-11-26T11:00:00Z")), now, hour),
            Some((t("2026-11-19T11:55:00Z"), t("2026-11-26T11:55:00Z")))
        );
    }
}
