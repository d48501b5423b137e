//! Compiling triggers: `alerts`/`incidents` (their OData filter checked against the resource,
//! `since`) and `hunting` (the query checked by the KQL checker against the window each run asks
//! for, `lag`, `timespan`).

use chrono::Utc;

use super::{Compiler, line_col};
use crate::duration::Duration;
use crate::kql;
use crate::odata::{self, Resource};
use crate::playbook::schema::{HuntingTriggerConfig, ListTriggerConfig, TriggerConfig};
use crate::playbook::{HuntingTrigger, ListTrigger, Schedule, Trigger};
use crate::yaml;

/// Longest look-back Graph and advanced hunting keep (30 days of data).
const MAX_LOOKBACK: Duration = Duration::from_days(30);

impl Compiler<'_> {
    pub(super) fn trigger(&mut self, raw: &TriggerConfig) -> Trigger {
        match raw {
            TriggerConfig::Alerts(t) => Trigger::Alerts(self.list_trigger(t, Resource::Alerts, "trigger.alerts")),
            TriggerConfig::Incidents(t) => {
                Trigger::Incidents(self.list_trigger(t, Resource::Incidents, "trigger.incidents"))
            }
            TriggerConfig::Hunting(t) => Trigger::Hunting(self.hunting(t)),
        }
    }

    pub(super) fn list_trigger(&mut self, raw: &ListTriggerConfig, resource: Resource, path: &str) -> ListTrigger {
        let filter = raw
            .filter
            .as_deref()
            .and_then(|f| self.filter(f, resource, &yaml::field(path, "filter")));
        let since = self.duration(
            &yaml::field(path, "since"),
            raw.since.as_deref(),
            Duration::from_hours(1),
            Some(MAX_LOOKBACK),
        );
        if resource == Resource::Alerts && raw.expand_alerts.is_some() {
            self.report.error(
                &yaml::field(path, "expand_alerts"),
                "`expand_alerts` is for `incidents` triggers; an alert is already itself",
            );
        }
        ListTrigger {
            filter,
            since,
            expand_alerts: raw.expand_alerts.unwrap_or(false),
        }
    }

    pub(super) fn filter(&mut self, text: &str, resource: Resource, field: &str) -> Option<odata::Expr> {
        let mut ok = true;
        for finding in odata::validate(text, resource) {
            let (line, column) = line_col(text, finding.offset);
            let pos = self.index.inside(field, line, column);
            match finding.severity {
                odata::Severity::Error => {
                    ok = false;
                    self.report.error_at(pos, field, finding.message);
                }
                odata::Severity::Warning => self.report.warn_at(pos, field, finding.message),
            }
        }
        if !ok {
            return None;
        }
        odata::parse(text).ok()
    }

    pub(super) fn hunting(&mut self, raw: &HuntingTriggerConfig) -> HuntingTrigger {
        let path = "trigger.hunting";
        if raw.query.trim().is_empty() {
            self.report
                .error("trigger.hunting.query", "the query is empty: write the KQL to run");
        }
        let lag = self.duration(
            &yaml::field(path, "lag"),
            raw.lag.as_deref(),
            Duration::from_mins(5),
            Some(Duration::from_days(1)),
        );
        let timespan = raw.timespan.as_deref().map(|t| {
            self.duration(
                &yaml::field(path, "timespan"),
                Some(t),
                Duration::from_days(1),
                Some(MAX_LOOKBACK),
            )
        });
        HuntingTrigger {
            query: raw.query.clone(),
            lag,
            timespan,
        }
    }

    /// Checks the query with the KQL checker, every diagnostic at its place inside the YAML,
    /// with the window a run asks for: `timespan`, or else the longest time between runs plus
    /// the lag (a narrower time filter of the query's own never sees part of it).
    pub(super) fn hunting_query_check(&mut self, h: &HuntingTrigger, schedule: Option<&Schedule>, tz: chrono_tz::Tz) {
        const FIELD: &str = "trigger.hunting.query";
        if h.query.trim().is_empty() {
            return;
        }
        let options = match (h.timespan, schedule) {
            (Some(timespan), _) => kql::CheckOptions {
                window: Some(timespan),
                window_name: Some(format!("`timespan` ({timespan})")),
            },
            (None, Some(schedule)) => {
                // The longest gap over many fires, so the answer does not depend on the day
                // `validate` runs.
                let interval = Duration::from_secs(schedule.longest_gap(tz, Utc::now(), 64).as_secs());
                let window = Duration::from_secs(interval.as_secs() + h.lag.as_secs());
                kql::CheckOptions {
                    window: Some(window),
                    window_name: Some(format!(
                        "the window each run asks for (up to {interval} between runs plus the {} lag)",
                        h.lag
                    )),
                }
            }
            (None, None) => kql::CheckOptions::default(),
        };
        for d in kql::check_with(&h.query, &self.settings.hunting_schema, &options) {
            let (line, column) = d.line_col(&h.query);
            let pos = self.index.inside(FIELD, line, column);
            match d.severity {
                kql::Severity::Error => self.report.error_at(pos, FIELD, d.message),
                kql::Severity::Warning => self.report.warn_at(pos, FIELD, d.message),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::Settings;

    #[test]
    fn a_hunting_filter_narrower_than_the_window_is_a_warning() {
        let settings = Settings::embedded();
        let warnings = |query_filter: &str| -> Vec<String> {
            let text = format!(
                "name: h\nschedule: '0 * * * *'\ntrigger:\n  hunting:\n    query: DeviceEvents | where Timestamp > {query_filter}\ndedup: {{ key: '{{{{ row.ReportId }}}}' }}\ngroup: all\nactions: [ {{ log: {{ message: x }} }} ]\n"
            );
            crate::playbook::parse_str(&text, Path::new("h.yaml"), Path::new("."), &settings)
                .diagnostics
                .into_iter()
                .map(|d| d.message)
                .collect()
        };
        let narrow = warnings("ago(1h)");
        assert_eq!(narrow.len(), 1, "{narrow:?}");
        assert!(
            narrow[0].contains("narrower than the window") && narrow[0].contains("ago(1h5m)"),
            "{narrow:?}"
        );
        assert!(warnings("ago(2h)").is_empty());
    }
}
