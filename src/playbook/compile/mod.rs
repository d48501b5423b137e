//! The compile step: [`PlaybookConfig`] → [`Playbook`], checking every rule of DESIGN.md's
//! Semantics and reporting each problem at its exact line and column.

mod actions;
mod playbook_tests;
mod response;
mod trigger;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use croner::parser::{CronParser, Seconds, Year};

use super::schema::{PlaybookConfig, TestConfig};
use super::{Action, Dedup, Playbook, PlaybookTest, Schedule, Trigger};
use crate::config::Settings;
use crate::diag::{Diagnostic, Reporter};
use crate::duration::Duration;
use crate::script::{self, ItemKind};
use crate::suggest::did_you_mean;
use crate::template::{self, Template, TemplateKind};
use crate::yaml::PositionIndex;

/// Names every template and condition may use besides the item.
const COMMON_NAMES: &[&str] = &["playbook", "lists", "now", "run"];

/// Compiles one playbook, collecting diagnostics.
pub struct Compiler<'a> {
    origin: &'a Path,
    root: &'a Path,
    index: &'a PositionIndex,
    settings: &'a Settings,
    text: &'a str,
    report: Reporter<'a>,
}

impl<'a> Compiler<'a> {
    pub fn new(
        origin: &'a Path,
        root: &'a Path,
        index: &'a PositionIndex,
        settings: &'a Settings,
        text: &'a str,
    ) -> Self {
        Compiler {
            origin,
            root,
            index,
            settings,
            text,
            report: Reporter::new(origin, index),
        }
    }

    pub fn finish(self) -> Vec<Diagnostic> {
        self.report.finish()
    }

    /// The duration at `field`, or `default` when it is absent or invalid; a playbook's
    /// durations are longer than 0s and at most `max`.
    fn duration(&mut self, field: &str, text: Option<&str>, default: Duration, max: Option<Duration>) -> Duration {
        let Some(text) = text else { return default };
        let Some(d) = self.report.parse_duration(field, text) else {
            return default;
        };
        if let Some(max) = max.filter(|m| d > *m) {
            self.report.error(
                field,
                format!("{text} is longer than the {max} Graph keeps; use at most 30d"),
            );
            default
        } else if d == Duration::default() {
            self.report.error(field, "must be longer than 0s");
            default
        } else {
            d
        }
    }

    /// Compiles the whole playbook. Returns None only when a part could not be built at all.
    pub fn compile(&mut self, raw: PlaybookConfig) -> Option<Playbook> {
        self.check_name(&raw.name);
        let schedule = self.schedule(&raw.schedule);
        let timezone = self.timezone(raw.timezone.as_deref());
        let group = raw.group.unwrap_or_default();
        let trigger = self.trigger(&raw.trigger);
        if let Trigger::Hunting(h) = &trigger {
            self.hunting_query_check(h, schedule.as_ref(), timezone);
        }
        let kind = trigger.item_kind();
        let condition = raw
            .condition
            .as_deref()
            .and_then(|c| self.condition(c, kind, &raw.tests));
        let dedup = self.dedup(&raw, kind, &trigger);
        if raw.max_actions_per_run == Some(0) {
            self.report.error(
                "max_actions_per_run",
                "must be 1 or more (to stop a playbook, set `enabled: false`)",
            );
        }
        if raw.actions.is_empty() {
            self.report.error(
                "actions",
                "a playbook needs at least one action; use `log` to only record matches",
            );
        }
        let actions: Vec<Option<Action>> = raw
            .actions
            .iter()
            .enumerate()
            .map(|(i, a)| self.action(a, i, &trigger, group))
            .collect();
        let controls = raw
            .actions
            .iter()
            .enumerate()
            .map(|(i, a)| self.controls(a, &format!("actions[{i}].{}", a.kind()), a.kind()))
            .collect();
        let tests: Vec<Option<PlaybookTest>> = raw
            .tests
            .iter()
            .enumerate()
            .map(|(i, t)| self.test(t, i, kind))
            .collect();
        let mut names = BTreeSet::new();
        for (i, t) in raw.tests.iter().enumerate() {
            if !names.insert(t.name.as_str()) {
                self.report.error(
                    &format!("tests[{i}].name"),
                    format!("another test is also named `{}`: give each test its own name", t.name),
                );
            }
        }
        Some(Playbook {
            name: raw.name,
            description: raw.description.unwrap_or_default(),
            enabled: raw.enabled.unwrap_or(true),
            mode: raw.mode.unwrap_or_default(),
            schedule: schedule?,
            timezone,
            trigger,
            condition,
            dedup,
            group,
            max_actions_per_run: raw
                .max_actions_per_run
                .unwrap_or(self.settings.limits.max_actions_per_run),
            actions: actions.into_iter().collect::<Option<Vec<_>>>()?,
            controls,
            tests: tests.into_iter().collect::<Option<Vec<_>>>()?,
            source: self.origin.to_path_buf(),
            source_hash: super::stable_hash(self.text.as_bytes()),
            lists: self.settings.lists.clone(),
        })
    }

    fn check_name(&mut self, name: &str) {
        let valid = !name.is_empty()
            && name.len() <= 100
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid {
            let suggestion: String = name
                .to_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect::<String>()
                .split('-')
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("-");
            let hint = if suggestion.is_empty() {
                String::new()
            } else {
                format!(", such as `{suggestion}`")
            };
            self.report.error(
                "name",
                format!("name must be 1 to 100 characters of a-z, 0-9 and `-`{hint}"),
            );
        }
    }

    fn schedule(&mut self, text: &str) -> Option<Schedule> {
        let parser = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build();
        let fields = text.split_whitespace().count();
        let message = if !text.trim_start().starts_with('@') && fields != 5 {
            format!(
                "`{text}` has {fields} fields; a schedule is standard 5-field cron (minute hour day-of-month month day-of-week), such as `*/5 * * * *`, or @hourly, @daily, @weekly"
            )
        } else {
            match parser.parse(text) {
                Ok(cron) => {
                    return Some(Schedule {
                        text: text.to_string(),
                        cron,
                    });
                }
                Err(e) => format!(
                    "`{text}` is not a valid cron schedule ({e}); write 5 fields: minute (0-59) hour (0-23) day-of-month (1-31) month (1-12) day-of-week (0-7, 0 and 7 = Sunday)"
                ),
            }
        };
        self.report.error("schedule", message);
        None
    }

    fn timezone(&mut self, text: Option<&str>) -> chrono_tz::Tz {
        let Some(text) = text else { return chrono_tz::UTC };
        chrono_tz::Tz::from_str(text).unwrap_or_else(|_| {
            let hint = did_you_mean(text, chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()));
            self.report.error(
                "timezone",
                format!("unknown time zone `{text}`{hint}: use an IANA name such as `Europe/Amsterdam` or `UTC`"),
            );
            chrono_tz::UTC
        })
    }

    fn condition(&mut self, source: &str, kind: ItemKind, tests: &[TestConfig]) -> Option<script::Condition> {
        match script::compile_condition(source, kind) {
            Ok(condition) => {
                for (name, line, column) in script::list_references(&condition) {
                    let known = self.settings.lists.contains_key(&name)
                        || tests.iter().any(|t| t.input.lists.contains_key(&name));
                    if !self.settings.lists.contains_key(&name) {
                        let hint = did_you_mean(&name, self.settings.lists.keys().map(String::as_str));
                        let pos = self.index.inside("condition", line, column);
                        let message = format!(
                            "unknown list `{name}`{hint}: define it in the settings (`lists: {{ {name}: path/to/{name}.txt }}`)"
                        );
                        if known {
                            // Only tests define it: the tests pass, but a real run would see no list.
                            self.report.warn_at(pos, "condition", message);
                        } else {
                            self.report.error_at(pos, "condition", message);
                        }
                    }
                }
                Some(condition)
            }
            Err(e) => {
                let (line, column) = clamp_to_text(source, e.line, e.column);
                let pos = self.index.inside("condition", line, column);
                self.report.error_at(pos, "condition", e.message);
                None
            }
        }
    }

    /// Compiles a template at `field` and checks the names it uses.
    fn template(&mut self, field: &str, source: &str, kind: TemplateKind, names: &[&str]) -> Option<Template> {
        match template::compile(source, kind) {
            Ok(t) => {
                self.check_names(field, &t, names);
                Some(t)
            }
            Err(e) => {
                let pos = self.index.inside(field, e.line, e.column.unwrap_or(1));
                self.report
                    .error_at(pos, field, format!("template error: {}", e.message));
                None
            }
        }
    }

    fn check_names(&mut self, field: &str, t: &Template, names: &[&str]) {
        for used in t.top_level_names() {
            if names.contains(&used.as_str()) || COMMON_NAMES.contains(&used.as_str()) {
                continue;
            }
            let all: Vec<&str> = names.iter().chain(COMMON_NAMES).copied().collect();
            let hint = did_you_mean(&used, all.iter().copied());
            self.report.error(
                field,
                format!(
                    "`{used}` is not defined here{hint}; templates here can use {}",
                    all.join(", ")
                ),
            );
        }
    }

    fn dedup(&mut self, raw: &PlaybookConfig, kind: ItemKind, trigger: &Trigger) -> Dedup {
        let cfg = raw.dedup.clone().unwrap_or(super::schema::DedupConfig {
            key: None,
            window: None,
        });
        let key = cfg
            .key
            .as_deref()
            .and_then(|k| self.template("dedup.key", k, TemplateKind::Text, &[kind.var_name()]));
        if key.is_none() && cfg.key.is_none() && matches!(trigger, Trigger::Hunting(_)) {
            let field = if raw.dedup.is_some() {
                "dedup"
            } else {
                "trigger.hunting"
            };
            self.report.warn(field, "hunting rows are deduplicated by a hash of the whole row, so a changed column repeats the action: give an explicit key such as `dedup: { key: \"{{ row.DeviceId }}:{{ row.ReportId }}\" }`");
        }
        let window = cfg
            .window
            .as_deref()
            .map(|w| self.duration("dedup.window", Some(w), Duration::from_days(30), None));
        Dedup { key, window }
    }

    /// Resolves a path written in the playbook against its folder, refusing paths that leave the
    /// playbooks folder.
    fn playbook_path(&mut self, field: &str, relative: &str) -> Option<PathBuf> {
        let rel = Path::new(relative);
        if rel.is_absolute() {
            self.report.error(
                field,
                format!("`{relative}` is absolute: write it relative to the playbook's folder"),
            );
            return None;
        }
        let folder = self.origin.parent().unwrap_or(Path::new(""));
        let path = folder.join(rel);
        let inside = match (path.canonicalize(), self.root.canonicalize()) {
            (Ok(p), Ok(root)) => p.starts_with(root),
            // A missing file: judge by the words, so the error says what is wrong.
            _ => !rel.components().any(|c| matches!(c, std::path::Component::ParentDir)),
        };
        if !inside {
            self.report.error(
                field,
                format!(
                    "`{relative}` leaves the playbooks folder {}: keep templates and fixtures inside it",
                    self.root.display()
                ),
            );
            return None;
        }
        Some(path)
    }
}

/// 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Keeps a position inside `text`: parsers report "incomplete" errors one line past the end.
fn clamp_to_text(text: &str, line: usize, column: usize) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    if line <= lines.len() {
        return (line, column);
    }
    match lines.iter().rposition(|l| !l.trim().is_empty()) {
        Some(i) => (i + 1, lines[i].chars().count() + 1),
        None => (1, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lines_and_columns() {
        assert_eq!(line_col("abc", 2), (1, 3));
        assert_eq!(line_col("a\nbcd", 4), (2, 3));
        assert_eq!(line_col("é x", 3), (1, 3));
    }
}
