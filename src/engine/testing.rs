//! `graphsoar test`: runs each playbook's own `tests:` offline through the same planning code as
//! `run` (condition, dedup key, rendering), with no tenant.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use serde_json::Value;

use super::plan::{self, Evaluator, PlannedAction, RunContext};
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
    let mut seen = HashSet::new();
    let mut matched = Vec::new();
    for (i, item) in items.iter().enumerate() {
        // In a run an erroring condition counts as no match; in a test it is a failure, because
        // a condition that errors silently never matches.
        if !evaluator
            .matches(item)
            .map_err(|e| format!("the condition failed on item {i}: {e}"))?
        {
            continue;
        }
        let key = plan::dedup_key(playbook, item, &ctx).map_err(|e| format!("item {i}: {e}"))?;
        if seen.insert(key.clone()) {
            matched.push((item, key));
        }
    }
    if plan::is_digest(playbook) {
        if matched.is_empty() {
            return Ok(Vec::new());
        }
        let items: Vec<Value> = matched.into_iter().map(|(i, _)| i.clone()).collect();
        return plan::plan_digest(playbook, &items, &ctx).map_err(|e| e.to_string());
    }
    let mut planned = Vec::new();
    for (item, key) in matched {
        planned.extend(plan::plan_item(playbook, item, &key, &ctx).map_err(|e| e.to_string())?);
    }
    Ok(planned)
}

fn run_test(playbook: &Playbook, test: &PlaybookTest, lists: &BTreeMap<String, Vec<String>>) -> Result<(), String> {
    let planned = plan_test(playbook, test, lists)?;
    let names: Vec<&str> = planned.iter().map(|p| p.action).collect();
    let expected: Vec<&str> = test.expect.iter().map(|(a, _)| a.as_str()).collect();
    if names != expected {
        return Err(format!("planned actions {names:?}, expected {expected:?}"));
    }
    for (i, (p, (action, fields))) in planned.iter().zip(&test.expect).enumerate() {
        for (key, want) in fields {
            let got = p.params.get(key).unwrap_or(&Value::Null);
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
