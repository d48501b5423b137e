//! The `--once` and `--dry-run` report: one line per playbook, then what failed.

use std::fmt::Write as _;

use crate::engine::runner::RunReport;
use crate::state::Hold;

/// The `--once` summary table (and, for dry runs, the plan).
pub fn summary(reports: &[RunReport], dry_run: bool) -> String {
    let mut out = String::new();
    if dry_run {
        for r in reports {
            let _ = writeln!(
                out,
                "playbook {}: {} fetched, {} matched, {} action(s) would run",
                r.playbook,
                r.fetched,
                r.matched,
                r.plan.len()
            );
            for (i, p) in r.plan.iter().enumerate() {
                let hold = match r.plan_holds.get(i) {
                    Some(Hold::Refused(reason)) => format!(" (refused: {reason})"),
                    Some(Hold::Skipped(reason)) => format!(" (skipped: {reason})"),
                    Some(Hold::Approval { expires }) => {
                        format!(" (after approval, until {})", expires.format("%Y-%m-%d %H:%M:%SZ"))
                    }
                    Some(Hold::AfterApproval) => " (after the approval of an earlier action)".to_owned(),
                    Some(Hold::None) | None => String::new(),
                };
                let _ = writeln!(
                    out,
                    "  {} {} {}{hold}: {}",
                    p.kind(),
                    p.item_kind,
                    p.item_id,
                    p.params.to_json()
                );
            }
            if let Some(e) = &r.error {
                let _ = writeln!(out, "  error: {e}");
            }
        }
        out.push('\n');
    }
    let width = reports.iter().map(|r| r.playbook.len()).max().unwrap_or(8).max(8);
    let _ = writeln!(
        out,
        "{:<width$}  {:>7}  {:>7}  {:>5}  {:>7}  {:>6}  {:>6}  {:>8}",
        "playbook", "fetched", "matched", "done", "skipped", "failed", "capped", "duration"
    );
    for r in reports {
        let _ = writeln!(
            out,
            "{:<width$}  {:>7}  {:>7}  {:>5}  {:>7}  {:>6}  {:>6}  {:>7.1}s",
            r.playbook,
            r.fetched,
            r.matched,
            r.done,
            r.skipped,
            r.failed,
            if r.capped { r.planned.to_string() } else { "-".into() },
            r.duration.as_secs_f64()
        );
    }
    for r in reports {
        if let Some(e) = &r.error {
            let _ = writeln!(out, "error: {}: {e}", r.playbook);
        }
        for e in &r.action_errors {
            let _ = writeln!(out, "error: {}: {e}", r.playbook);
        }
        if r.capped {
            let _ = writeln!(
                out,
                "error: {}: capped: {} actions planned, more than max_actions_per_run; none done",
                r.playbook, r.planned
            );
        }
        if r.condition_errors > 0 {
            let _ = writeln!(
                out,
                "warning: {}: the condition failed on {} item(s), counted as no match (the log names them)",
                r.playbook, r.condition_errors
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_failures_caps_and_condition_errors() {
        let reports = [
            RunReport {
                playbook: "close-eicar".into(),
                fetched: 12,
                matched: 3,
                done: 2,
                failed: 1,
                condition_errors: 4,
                action_errors: vec!["update_alert da1: 404 NotFound".into()],
                ..RunReport::default()
            },
            RunReport {
                playbook: "digest".into(),
                planned: 150,
                capped: true,
                ..RunReport::default()
            },
        ];
        let text = summary(&reports, false);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("playbook"), "{text}");
        assert_eq!(
            lines[1].split_whitespace().collect::<Vec<_>>()[..7],
            ["close-eicar", "12", "3", "2", "0", "1", "-"]
        );
        for line in [
            "error: close-eicar: update_alert da1: 404 NotFound",
            "warning: close-eicar: the condition failed on 4 item(s), counted as no match (the log names them)",
            "error: digest: capped: 150 actions planned, more than max_actions_per_run; none done",
        ] {
            assert!(lines.contains(&line), "{line:?} in\n{text}");
        }
    }
}
