//! For tests: whether the shipped playbooks (`playbooks/`, with the lists of the embedded
//! settings) match an alert, decided by the playbooks themselves rather than by a copy of their
//! rules. The generator's documented shares and the bundled dataset's stories are checked with
//! it, so they follow the playbooks when those change.
//!
//! An alert matches when the playbook's trigger filter (OData, as the emulator answers it) and
//! then its condition (Rhai, as the engine plans it) both accept it; the `since` window is left
//! out. A condition that fails on an alert fails the test.

use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::DateTime;
use serde_json::Value;

use crate::config::Settings;
use crate::engine::plan::{Evaluator, RunContext};
use crate::graph::models::normalize_alert;
use crate::odata::{self, Resource};
use crate::playbook::{self, Playbook, Tests, Trigger};

/// The shipped playbooks, loaded and compiled once per test binary.
fn shipped() -> &'static [Playbook] {
    static PLAYBOOKS: OnceLock<Vec<Playbook>> = OnceLock::new();
    PLAYBOOKS.get_or_init(|| {
        let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/playbooks"));
        let (playbooks, diagnostics) = playbook::load_paths_with(&[dir], &Settings::embedded(), Tests::Skip);
        let errors: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(ToString::to_string)
            .collect();
        assert!(errors.is_empty(), "the shipped playbooks do not load: {errors:#?}");
        playbooks
    })
}

/// Whether the shipped alerts playbook `name` matches an alert (see the module documentation).
/// Panics if there is no such playbook.
pub(super) fn matcher(name: &str) -> impl Fn(&Value) -> bool + use<> {
    let playbook = shipped()
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no shipped playbook is named {name}"));
    let Trigger::Alerts(trigger) = &playbook.trigger else {
        panic!("{name} has no `alerts` trigger");
    };
    let anchor = DateTime::parse_from_rfc3339(super::dataset::ANCHOR)
        .expect("the anchor is a datetime")
        .to_utc();
    let ctx = RunContext {
        run_id: "test".into(),
        started: anchor,
        now: anchor,
        lists: Settings::embedded().lists,
    };
    let evaluator = Evaluator::new(playbook, &ctx).unwrap_or_else(|e| panic!("{name}: {e}"));
    move |alert: &Value| {
        if !trigger
            .filter
            .as_ref()
            .is_none_or(|f| odata::eval_for(f, Resource::Alerts, alert))
        {
            return false;
        }
        // What the engine's client does to every alert it lists.
        let mut alert = alert.clone();
        normalize_alert(&mut alert);
        evaluator
            .matches(&alert)
            .unwrap_or_else(|e| panic!("{}: the condition of {} failed: {e}", alert["id"], playbook.name))
    }
}
