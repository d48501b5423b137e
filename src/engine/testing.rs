//! `graphsoar test`: runs each playbook's own `tests:` offline through the same planning code as
//! `run` (the condition, then the run's collector: dedup key, rendering), with no tenant.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use serde_json::Value;

use super::collect::{self, Collector};
use super::plan::{Evaluator, PlannedAction, RunContext};
use crate::graph::models::{normalize_alert, normalize_incident};
use crate::playbook::{Playbook, PlaybookTest, TestItems};

/// The result of one playbook test.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    pub playbook: String,
    pub test: String,
    pub file: PathBuf,
    pub line: usize,
    /// None when it passed; else what differed.
    pub failure: Option<String>,
}

/// Runs every test of every playbook.
pub fn run_tests(playbooks: &[Playbook], lists: &BTreeMap<String, Vec<String>>) -> Vec<TestOutcome> {
    playbooks
        .iter()
        .flat_map(|p| {
            p.tests.iter().map(move |t| TestOutcome {
                playbook: p.name.clone(),
                test: t.name.clone(),
                file: p.source.clone(),
                line: t.line,
                failure: run_test(p, t, lists).err(),
            })
        })
        .collect()
}

/// Plans what the playbook would do with the test's input.
pub fn plan_test(
    playbook: &Playbook,
    test: &PlaybookTest,
    lists: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<PlannedAction>, String> {
    let mut lists = lists.clone();
    lists.extend(test.lists.clone());
    let now = test.now.unwrap_or_else(Utc::now);
    let ctx = RunContext {
        run_id: "test".into(),
        started: now,
        now,
        lists: Arc::new(lists),
    };
    let items: Vec<Value> = match &test.items {
        TestItems::Alert(a) => {
            let mut a = a.clone();
            normalize_alert(&mut a);
            vec![a]
        }
        TestItems::Incident(i) => {
            let mut i = i.clone();
            normalize_incident(&mut i);
            vec![i]
        }
        TestItems::Rows(rows) => rows.clone(),
    };
    let evaluator = Evaluator::new(playbook, &ctx).map_err(|e| format!("cannot prepare the condition: {e}"))?;
    // In a run an erroring condition counts as no match; in a test it is a failure, because a
    // condition that errors silently never matches.
    let matches = collect::matching(&evaluator, items);
    if let Some(e) = matches.errors.first() {
        return Err(format!("the condition failed on item {}: {}", e.index, e.error));
    }
    // The test's input is all new: no state to dedup against, as in a dry run without one.
    let mut collector = Collector::new(playbook, &ctx, None);
    collector
        .add(matches.items)
        .map_err(|e| format!("cannot deduplicate: {e}"))?;
    if let Some(f) = collector.failures.first() {
        return Err(format!("item {}: {}", f.index, f.error));
    }
    Ok(collector.finish().map_err(|e| e.to_string())?.planned)
}

fn run_test(playbook: &Playbook, test: &PlaybookTest, lists: &BTreeMap<String, Vec<String>>) -> Result<(), String> {
    let planned = plan_test(playbook, test, lists)?;
    let names: Vec<&str> = planned.iter().map(|p| p.kind().as_str()).collect();
    let expected: Vec<&str> = test.expect.iter().map(|(a, _)| a.as_str()).collect();
    if names != expected {
        return Err(format!("planned actions {names:?}, expected {expected:?}"));
    }
    for (i, (p, (action, fields))) in planned.iter().zip(&test.expect).enumerate() {
        let params = p.params.to_json();
        for (key, want) in fields {
            // A test names an update's target `id`, as the playbook does; the plan, `target`.
            let param = if key == "id" { "target" } else { key.as_str() };
            let got = params.get(param).unwrap_or(&Value::Null);
            if !matches(key, want, got) {
                return Err(format!("expect[{i}].{action}.{key}: expected {want}, planned {got}"));
            }
        }
    }
    Ok(())
}

/// Rendered text fields match when they contain the expected text; everything else compares
/// equal, maps by the keys given.
fn matches(key: &str, want: &Value, got: &Value) -> bool {
    const TEXT: &[&str] = &["subject", "body", "html", "comment", "message"];
    match (want, got) {
        (Value::String(w), Value::String(g)) if TEXT.contains(&key) => g.contains(w.as_str()),
        (Value::Object(w), Value::Object(g)) => w.iter().all(|(k, v)| matches(k, v, g.get(k).unwrap_or(&Value::Null))),
        (w, g) => w == g,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_update_target_is_expected_as_id_and_a_rows_actions_share_its_key() {
        let settings = crate::config::Settings::embedded();
        let text = r#"name: p
schedule: '@hourly'
trigger: { hunting: { query: "AlertInfo | where Timestamp > ago(1h)" } }
dedup: { key: "k-{{ row.AlertId }}" }
actions:
  - update_alert: { id: "{{ row.AlertId }}", status: resolved }
  - log: { message: "{{ row.AlertId }}" }
tests:
  - name: right id
    input: { row: { AlertId: da1 } }
    expect: [ { update_alert: { id: da1, status: resolved } }, { log: {} } ]
  - name: wrong id
    input: { row: { AlertId: da1 } }
    expect: [ { update_alert: { id: da2 } }, { log: {} } ]
"#;
        let loaded = crate::playbook::parse_str(
            text,
            std::path::Path::new("p.yaml"),
            std::path::Path::new("."),
            &settings,
        );
        let playbook = loaded.playbook.unwrap_or_else(|| panic!("{:?}", loaded.diagnostics));
        let outcomes = run_tests(std::slice::from_ref(&playbook), &BTreeMap::new());
        assert_eq!(outcomes[0].failure, None);
        assert_eq!(
            outcomes[1].failure.as_deref(),
            Some(r#"expect[0].update_alert.id: expected "da2", planned "da1""#)
        );
        let planned = plan_test(&playbook, &playbook.tests[0], &BTreeMap::new()).unwrap();
        let items: Vec<&str> = planned.iter().map(|p| p.item_id.as_str()).collect();
        assert_eq!(
            items,
            ["k-da1", "k-da1"],
            "the update is the row's action, not the alert's"
        );
        assert_eq!(planned[0].params.to_json()["target"], "da1");
    }

    #[test]
    fn matching_rules() {
        assert!(matches(
            "subject",
            &json!("EICAR"),
            &json!("[graphsoar] 2 EICAR alerts")
        ));
        assert!(!matches("status", &json!("resolv"), &json!("resolved")));
        assert!(matches(
            "tags",
            &json!({"add": ["notified"]}),
            &json!({"add": ["notified"], "remove": []})
        ));
        assert!(matches("to", &json!(["a@b.c"]), &json!(["a@b.c"])));
    }
}
