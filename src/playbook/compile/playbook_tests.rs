//! Compiling a playbook's own `tests:`: the one input its trigger takes (inline or a fixture
//! file), `now`, `lists`, and the expected actions with their fields checked.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::Compiler;
use crate::config;
use crate::diag::{Diagnostic, Pos};
use crate::graph::enums;
use crate::playbook::schema::{ExpectConfig, TestConfig};
use crate::playbook::{PlaybookTest, TestItems};
use crate::script::ItemKind;
use crate::suggest::did_you_mean;
use crate::yaml;

impl Compiler<'_> {
    pub(super) fn test(&mut self, raw: &TestConfig, i: usize, kind: ItemKind) -> Option<PlaybookTest> {
        let path = format!("tests[{i}]");
        let input_path = format!("{path}.input");
        let input = &raw.input;
        let given: Vec<(&str, &serde_yaml::Value)> = [
            ("alert", &input.alert),
            ("incident", &input.incident),
            ("row", &input.row),
            ("rows", &input.rows),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
        let expected: &[&str] = match kind {
            ItemKind::Alert => &["alert"],
            ItemKind::Incident => &["incident"],
            ItemKind::Row | ItemKind::Digest => &["row", "rows"],
        };
        let items = match given.as_slice() {
            [] => {
                self.report.error(&input_path, format!("a test input needs exactly one of alert, incident, row, rows; this playbook's trigger takes `{}`", expected.join("` or `")));
                None
            }
            [(key, value)] => {
                if !expected.contains(key) {
                    self.report.error(
                        &yaml::field(&input_path, key),
                        format!(
                            "this playbook's trigger gives `{}` items, so its tests take `{}`, not `{key}`",
                            kind.var_name(),
                            expected.join("` or `")
                        ),
                    );
                    None
                } else {
                    self.test_items(key, value, &yaml::field(&input_path, key))
                }
            }
            [_, (second, _), ..] => {
                self.report.error(
                    &yaml::field(&input_path, second),
                    "a test input has exactly one of alert, incident, row, rows",
                );
                None
            }
        };
        let now = input
            .now
            .as_deref()
            .and_then(|n| match DateTime::parse_from_rfc3339(n) {
                Ok(t) => Some(t.with_timezone(&Utc)),
                Err(_) => {
                    self.report.error(
                        &yaml::field(&input_path, "now"),
                        format!("`{n}` is not an RFC 3339 time, such as 2024-05-01T10:00:00Z"),
                    );
                    None
                }
            });
        for name in input.lists.keys() {
            if !config::is_list_name(name) {
                self.report.error(
                    &format!("{input_path}.lists.{name}"),
                    "list names are letters, digits and `_`",
                );
            }
        }
        let mut expect = Vec::new();
        for (j, e) in raw.expect.iter().enumerate() {
            let (action, fields) = e.parts();
            let epath = format!("{path}.expect[{j}].{action}");
            let mut out = BTreeMap::new();
            for (key, value) in fields {
                self.expect_field(&yaml::field(&epath, key), e, key, &value.0);
                out.insert(
                    key.clone(),
                    serde_json::to_value(&value.0).unwrap_or(serde_json::Value::Null),
                );
            }
            expect.push((action.to_string(), out));
        }
        let line = self.index.value(&path).map_or(1, |p| p.line);
        Some(PlaybookTest {
            name: raw.name.clone(),
            items: items?,
            now,
            lists: input.lists.clone(),
            expect,
            line,
        })
    }

    /// Checks that an expected field exists on that action and, for enums, that it is valid.
    pub(super) fn expect_field(&mut self, field: &str, action: &ExpectConfig, key: &str, value: &serde_yaml::Value) {
        let keys: &[&str] = match action {
            ExpectConfig::UpdateAlert(_) => &[
                "id",
                "status",
                "classification",
                "determination",
                "assigned_to",
                "comment",
            ],
            ExpectConfig::UpdateIncident(_) => &[
                "id",
                "status",
                "classification",
                "determination",
                "assigned_to",
                "comment",
                "tags",
            ],
            ExpectConfig::Email(_) => &["to", "cc", "reply_to", "from", "subject", "body", "html"],
            ExpectConfig::Webhook(_) => &["url", "method", "format", "body"],
            ExpectConfig::Log(_) => &["message", "level"],
            ExpectConfig::SubmitIndicator(_) => &[
                "value",
                "indicator_type",
                "action",
                "title",
                "description",
                "severity",
                "expiration",
                "recommended_actions",
                "generate_alert",
            ],
            ExpectConfig::AccountAction(_) => &["action", "accounts"],
            ExpectConfig::RemediateEmail(_) => &[
                "action",
                "messages",
                "severity",
                "display_name",
                "description",
                "remediate_senders_copy",
            ],
            _ => &["devices", "comment", "isolation_type", "scan_type", "sha1"],
        };
        if !keys.contains(&key) {
            let hint = did_you_mean(key, keys.iter().copied());
            let pos = self.index.key(field).unwrap_or_else(|| self.index.locate(field));
            self.report.error_at(
                pos,
                field,
                format!(
                    "unknown key `{key}`{hint} (an expected {} has {})",
                    action.parts().0,
                    keys.join(", ")
                ),
            );
            return;
        }
        let incident = matches!(action, ExpectConfig::UpdateIncident(_));
        let table = match key {
            "status" if incident => enums::INCIDENT_STATUS,
            "status" => enums::ALERT_STATUS,
            "classification" => enums::ALERT_CLASSIFICATION,
            "determination" => enums::ALERT_DETERMINATION,
            _ => return,
        };
        if let Some(s) = value.as_str() {
            self.enum_value(field, s, table, key, false);
        }
    }

    pub(super) fn test_items(&mut self, key: &str, value: &serde_yaml::Value, field: &str) -> Option<TestItems> {
        let json = self.fixture_or_inline(value, field)?;
        match (key, json) {
            ("alert", v @ serde_json::Value::Object(_)) => Some(TestItems::Alert(v)),
            ("incident", v @ serde_json::Value::Object(_)) => Some(TestItems::Incident(v)),
            ("row", v @ serde_json::Value::Object(_)) => Some(TestItems::Rows(vec![v])),
            ("rows", serde_json::Value::Array(rows)) if rows.iter().all(serde_json::Value::is_object) => {
                Some(TestItems::Rows(rows))
            }
            ("rows", _) => {
                self.report.error(
                    field,
                    "`rows` is a list of row objects (inline, or a fixture holding a JSON array)",
                );
                None
            }
            _ => {
                self.report.error(
                    field,
                    format!("`{key}` is an object: inline keys, or `{{ fixture: path.json }}`"),
                );
                None
            }
        }
    }

    pub(super) fn fixture_or_inline(&mut self, value: &serde_yaml::Value, field: &str) -> Option<serde_json::Value> {
        let fixture = value
            .as_mapping()
            .filter(|m| m.len() == 1)
            .and_then(|m| m.get("fixture"));
        let Some(fixture) = fixture else {
            return match serde_json::to_value(value) {
                Ok(v) => Some(v),
                Err(e) => {
                    self.report.error(field, format!("cannot use this inline value: {e}"));
                    None
                }
            };
        };
        let ffield = yaml::field(field, "fixture");
        let Some(rel) = fixture.as_str() else {
            self.report.error(&ffield, "`fixture` is a path to a JSON file");
            return None;
        };
        let path = self.playbook_path(&ffield, rel)?;
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                self.report
                    .error(&ffield, format!("cannot read fixture {}: {e}", path.display()));
                return None;
            }
        };
        match serde_json::from_str(&text) {
            Ok(v) => Some(v),
            Err(e) => {
                let mut d = Diagnostic::error(
                    &path,
                    Pos::new(e.line(), e.column()),
                    &ffield,
                    format!("fixture is not valid JSON: {e}"),
                );
                d.field = format!("{ffield} ({})", self.origin.display());
                self.report.push(d);
                None
            }
        }
    }
}
