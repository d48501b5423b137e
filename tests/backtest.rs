//! `graphsoar backtest`: a replayed run plans what the engine's dry run plans at the same time on
//! an empty state; a window of many runs plans each item once; it only reads (no write reaches
//! the tenant, no state or outbox appears); bad windows and names say what to do.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use graphsoar::action::email::Mailer;
use graphsoar::clock::Clock;
use graphsoar::config::Settings;
use graphsoar::emulator::{self, EmulatorOptions};
use graphsoar::engine::backtest::{self, Window};
use graphsoar::engine::reload::PlaybookSet;
use graphsoar::engine::runner::Engine;
use graphsoar::playbook::Playbook;
use serde_json::Value;

use crate::support::{
    TempDir, copy_dir, emulator_stats, graphsoar_in, local_client, local_defender, root, stderr, stdout,
};

fn engine(running: &emulator::Running, settings: Settings, clock: Clock) -> Engine {
    Engine {
        mailer: Mailer::Outbox(settings.outbox.clone()),
        client: local_client(running, &settings, clock.clone()),
        defender: local_defender(running, &settings, clock.clone()),
        store: None,
        settings,
        clock,
        dry_run: true,
    }
}

/// What an action is, without where it came from: comparable across backtest and dry run.
fn key(item_id: &str, kind: impl ToString, params: &impl serde::Serialize) -> String {
    format!(
        "{item_id} {} {}",
        kind.to_string(),
        serde_json::to_string(params).unwrap()
    )
}

/// The last scheduled fire of `playbook` at or before `now`.
fn last_fire(playbook: &Playbook, now: DateTime<Utc>) -> DateTime<Utc> {
    let day = Window {
        from: now - TimeDelta::days(1),
        to: now,
    };
    *backtest::fires(playbook, day).last().expect("fires within a day")
}

/// Every shipped playbook: the last run of a backtest whose window ends at its last fire plans
/// exactly what a dry run at that instant plans on an empty state. The local tenant's data ends
/// ten minutes before now, so no item changed between that fire and the dry run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_replayed_run_plans_what_a_dry_run_plans_on_an_empty_state() {
    let mut options = EmulatorOptions::bundled().unwrap();
    options.start = Utc::now() - TimeDelta::minutes(10);
    let running = emulator::spawn(options).await.unwrap();
    let settings = Settings::embedded();
    let (set, diagnostics) = PlaybookSet::load(&root().join("playbooks"), &settings);
    assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:?}");
    let now = Utc::now();
    let mut compared = 0;
    for playbook in &set.playbooks {
        let fire = last_fire(playbook, now);
        // A window of several runs, ending at that fire.
        let window = Window {
            from: fire - TimeDelta::hours(3),
            to: fire,
        };
        let replay = engine(&running, settings.clone(), Clock::system());
        let result = replay.backtest(playbook, window, &|| {}).await;
        assert!(result.error.is_none(), "{}: {:?}", playbook.name, result.error);
        assert_eq!(result.runs as usize, backtest::fires(playbook, window).len());
        let single = Window { from: fire, to: fire };
        let last = replay.backtest(playbook, single, &|| {}).await;
        assert_eq!(last.runs, 1, "{}", playbook.name);
        let backtested: BTreeSet<String> = last
            .actions
            .iter()
            .map(|a| {
                assert_eq!(a.fire_time, fire);
                key(&a.item_id, a.action, &a.params)
            })
            .collect();

        let dry = Arc::new(engine(&running, settings.clone(), Clock::starting_at(fire, 1.0)));
        let report = dry.run_playbook(playbook.clone()).await;
        assert!(report.error.is_none(), "{}: {:?}", playbook.name, report.error);
        let planned: BTreeSet<String> = report
            .plan
            .iter()
            .map(|p| key(&p.item_id, p.kind(), &p.params))
            .collect();
        assert_eq!(backtested, planned, "{}: backtest vs dry run", playbook.name);
        // Over the longer window every item is planned at most once per action.
        let mut seen = BTreeSet::new();
        for a in &result.actions {
            assert!(
                seen.insert((a.item_id.clone(), a.action, serde_json::to_string(&a.params).unwrap())),
                "{}: {} planned twice",
                playbook.name,
                a.item_id
            );
        }
        compared += usize::from(!planned.is_empty());
    }
    assert!(
        compared >= 4,
        "the shipped playbooks plan something on the bundled tenant ({compared})"
    );
    // Reads only: every request was a read, a token or a hunting query.
    let stats = emulator_stats(&running.base_url).await;
    for r in stats["requests"].as_array().unwrap() {
        let (method, route) = (r["method"].as_str().unwrap(), r["route"].as_str().unwrap());
        assert!(
            method == "GET" || route.ends_with("/token") || route.ends_with("runHuntingQuery"),
            "a backtest sent {method} {route}"
        );
    }
    running.shutdown().await.unwrap();
}

/// The command on the embedded local tenant: JSON rows of the planned actions, the note on
/// stderr, and no state file or outbox left behind.
#[test]
fn the_command_prints_json_and_csv_and_writes_nothing() {
    let dir = TempDir::new("backtest-cli");
    copy_dir(&root().join("playbooks"), &dir.path().join("playbooks"));
    let out = graphsoar_in(dir.path(), &["backtest", "--since", "3h", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(!rows.is_empty());
    for r in &rows {
        for field in ["playbook", "fire_time", "item_id", "action", "params"] {
            assert!(r.get(field).is_some(), "{field} in {r}");
        }
    }
    assert!(
        rows.iter()
            .any(|r| r["playbook"] == "close-eicar-test-alerts" && r["action"] == "update_alert")
    );
    let err = stderr(&out);
    assert!(err.contains("sees alerts and incidents as they are now"), "{err}");
    assert!(err.contains("scheduled run(s)"), "{err}");
    assert!(!dir.path().join("graphsoar-local.db").exists(), "no state is created");
    assert!(!dir.path().join("outbox").exists(), "nothing is written to the outbox");

    let csv = graphsoar_in(
        dir.path(),
        &[
            "backtest",
            "--since",
            "3h",
            "--format",
            "csv",
            "close-eicar-test-alerts",
        ],
    );
    assert!(csv.status.success(), "{}", stderr(&csv));
    let text = stdout(&csv);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("playbook,fire_time,item_id,action,params"));
    let body: Vec<&str> = lines.collect();
    assert!(!body.is_empty());
    assert!(body.iter().all(|l| l.starts_with("close-eicar-test-alerts,")), "{text}");

    let table = graphsoar_in(dir.path(), &["backtest", "--since", "3h"]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(text.starts_with("playbook "), "{text}");
    assert!(text.contains("actions by day (UTC) and kind:"), "{text}");

    // With a state an engine wrote: a backtest leaves it as it was, byte for byte.
    let ran = graphsoar_in(dir.path(), &["run", "--once"]);
    assert!(ran.status.success(), "{}", stderr(&ran));
    let state = dir.path().join("graphsoar-local.db");
    let before = std::fs::read(&state).unwrap();
    let outbox: Vec<_> = std::fs::read_dir(dir.path().join("outbox")).unwrap().collect();
    let again = graphsoar_in(dir.path(), &["backtest", "--since", "3h", "--format", "json"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(std::fs::read(&state).unwrap() == before, "the state is untouched");
    assert_eq!(
        std::fs::read_dir(dir.path().join("outbox")).unwrap().count(),
        outbox.len()
    );
}

/// Bad input: each message says what is wrong and what to do, exit 2.
#[test]
fn bad_windows_names_and_long_hunts_are_refused_with_a_reason() {
    let dir = TempDir::new("backtest-bad");
    copy_dir(&root().join("playbooks"), &dir.path().join("playbooks"));
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "backtest",
                "--from",
                "2026-11-02T00:00:00Z",
                "--to",
                "2026-11-01T00:00:00Z",
            ],
            "--from is after --to",
        ),
        (
            &["backtest", "--from", "yesterday"],
            "--from yesterday: not a date and time: write it as RFC 3339",
        ),
        (
            &["backtest", "close-eicar-test-alert"],
            "did you mean `close-eicar-test-alerts`",
        ),
        (&["backtest", "--to", "2026-11-01T00:00:00Z"], "--from"),
        (
            &["backtest", "--since", "30d", "encoded-powershell"],
            "pass --yes to send them",
        ),
    ];
    for (args, want) in cases {
        let out = graphsoar_in(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
    }
}

/// README's "Your first playbook", step by step as written there: the playbook from the README
/// validates (needing SecurityAlert.ReadWrite.All), its tests pass, the backtest and the dry
/// run plan closes, and once active, a run closes alerts and `history` shows it.
#[test]
fn the_readme_first_playbook_walkthrough_works() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("## Your first playbook")
        .nth(1)
        .expect("the README has a first-playbook walkthrough");
    let yaml: String = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|s| s.split("   ```").next())
        .expect("the walkthrough's playbook")
        .lines()
        .map(|l| l.strip_prefix("   ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let dir = TempDir::new("first-playbook");
    dir.write("my-playbooks/close-zap-removed-email.yaml", &yaml);
    let run = |args: &[&str]| {
        let out = graphsoar_in(dir.path(), args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}{}", stdout(&out), stderr(&out));
        stdout(&out)
    };
    let validated = run(&["validate", "--permissions", "my-playbooks/"]);
    assert!(validated.contains("SecurityAlert.ReadWrite.All"), "{validated}");
    assert!(run(&["test", "my-playbooks/"]).contains("2 passed, 0 failed"));
    let backtest = run(&[
        "backtest",
        "--playbooks",
        "my-playbooks",
        "--since",
        "7d",
        "--format",
        "json",
    ]);
    let planned: Vec<Value> = serde_json::from_str(&backtest).unwrap();
    assert!(
        !planned.is_empty() && planned.iter().all(|a| a["action"] == "update_alert"),
        "{backtest}"
    );
    let dry = run(&["run", "--dry-run", "--playbooks", "my-playbooks"]);
    assert!(dry.contains("update_alert alert"), "{dry}");
    dir.write(
        "my-playbooks/close-zap-removed-email.yaml",
        yaml.replace("mode: audit", "mode: active"),
    );
    let active = graphsoar_in(dir.path(), &["run", "--once", "--playbooks", "my-playbooks"]);
    assert_eq!(active.status.code(), Some(0), "{}", stderr(&active));
    let row = stdout(&active)
        .lines()
        .find(|l| l.starts_with("close-zap-removed-email"))
        .map(str::to_string)
        .unwrap_or_default();
    let done: u32 = row.split_whitespace().nth(3).and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!(done > 0, "the active run closes alerts: {row}");
    let history = run(&["history", "--format", "json"]);
    assert!(
        history.contains("close-zap-removed-email") && history.contains("\"done\""),
        "{history}"
    );
}
