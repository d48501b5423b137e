//! `graphsoar validate`: golden output on invalid playbooks, every kind of bad input at its exact
//! place, the shipped playbooks, output formats and exit codes.

use graphsoar::config::Settings;
use graphsoar::playbook;

use crate::support::{TempDir, graphsoar, graphsoar_in, root, stderr, stdout, yaml_files};

const GOLDEN_DIR: &str = "tests/golden/invalid";
const GOLDEN_OUT: &str = "tests/golden/invalid.txt";

/// The whole report on the folder of invalid playbooks matches the golden file, line for line.
/// `UPDATE_GOLDEN=1 cargo test` rewrites it (then review the diff).
#[test]
fn invalid_playbooks_match_the_golden_output() {
    let out = graphsoar(&["validate", GOLDEN_DIR]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let actual = stdout(&out);
    let golden = root().join(GOLDEN_OUT);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).unwrap();
    for (i, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
        assert_eq!(a, e, "line {} of {GOLDEN_OUT} differs", i + 1);
    }
    assert_eq!(
        actual.lines().count(),
        expected.lines().count(),
        "number of diagnostics differs"
    );
    assert!(stderr(&out).contains("errors"), "a summary goes to stderr");
}

/// Each kind of bad input a user can give is reported at its exact place with its field.
#[test]
fn every_bad_input_names_file_line_column_and_field() {
    let out = stdout(&graphsoar(&["validate", GOLDEN_DIR]));
    let cases = [
        (
            "malformed YAML",
            "malformed-yaml.yaml:9:1: invalid YAML: found unexpected end of stream",
        ),
        (
            "wrong type",
            "wrong-type.yaml:6:10: playbook \"wrong-type\": enabled: invalid type",
        ),
        (
            "unknown key with a hint",
            "unknown-key.yaml:2:1: playbook \"unknown-key\": schedul: unknown key `schedul`, did you mean `schedule`?",
        ),
        (
            "unknown nested key",
            "unknown-key.yaml:9:7: playbook \"unknown-key\": actions[0].update_alert.statuss: unknown key `statuss`, did you mean `status`?",
        ),
        (
            "unknown action",
            "unknown-key.yaml:10:5: playbook \"unknown-key\": actions[1].updte_incident: unknown action `updte_incident`, did you mean `update_incident`?",
        ),
        (
            "two triggers",
            "two-triggers.yaml:7:3: playbook \"two-triggers\": trigger.incidents: a playbook has exactly one trigger",
        ),
        (
            "no trigger",
            "no-trigger.yaml:1:1: playbook \"no-trigger\": missing required key `trigger`",
        ),
        (
            "minute 61",
            "bad-cron.yaml:5:11: playbook \"bad-cron\": schedule: `61 * * * *` is not a valid cron schedule",
        ),
        (
            "six fields",
            "six-field-cron.yaml:5:11: playbook \"six-field-cron\": schedule: `0 */5 * * * *` has 6 fields",
        ),
        (
            "unknown timezone",
            "unknown-timezone.yaml:6:11: playbook \"unknown-timezone\": timezone: unknown time zone `Europe/Amsterdm`, did you mean `Europe/Amsterdam`?",
        ),
        (
            "Rhai error in a block",
            "rhai-syntax.yaml:12:46: playbook \"rhai-syntax\": condition: the condition ends in the middle of an expression",
        ),
        (
            "template error",
            "template-error.yaml:15:31: playbook \"template-error\": actions[0].update_alert.comment: template error",
        ),
        (
            "status: closed",
            "unknown-enum.yaml:10:15: playbook \"unknown-enum\": actions[0].update_alert.status: `closed` is not a valid alert status",
        ),
        (
            "determination: clean",
            "unknown-enum.yaml:12:22: playbook \"unknown-enum\": actions[0].update_alert.determination: `clean` is not a valid determination",
        ),
        (
            "missing required field",
            "missing-field.yaml:10:7: playbook \"missing-field\": actions[0].email: missing required key `subject`",
        ),
        (
            "invalid filter enum",
            "invalid-filter.yaml:7:24: playbook \"invalid-filter\": trigger.alerts.filter: `active` is not an alertStatus",
        ),
        (
            "filter syntax",
            "filter-syntax.yaml:6:37: playbook \"filter-syntax\": trigger.incidents.filter: unbalanced parenthesis",
        ),
        ("empty file", "empty.yaml:1:1: empty file"),
        (
            "path leaving its folder",
            "path-escape.yaml:10:17: playbook \"path-escape\": actions[0].email.template: `../../../src/secret.txt` leaves the playbooks folder",
        ),
        (
            "update_alert with group: all",
            "bad-combinations.yaml:10:7: playbook \"bad-combinations\": actions[0].update_alert: `update_alert` acts on one item, so it cannot run with `group: all`",
        ),
        (
            "tags on update_alert",
            "bad-combinations.yaml:11:13: playbook \"bad-combinations\": actions[0].update_alert.tags: alerts have no writable tags",
        ),
        (
            "status redirected",
            "bad-combinations.yaml:10:15: playbook \"bad-combinations\": actions[0].update_alert.status: `redirected` is not a valid alert status",
        ),
        (
            "awaitingAction",
            "bad-combinations.yaml:13:15: playbook \"bad-combinations\": actions[1].update_incident.status: `awaitingAction` cannot be set",
        ),
        (
            "duplicate names",
            "duplicate-b.yaml:2:7: playbook \"duplicate-name\": name: duplicate playbook name: tests/golden/invalid/duplicate-a.yaml has it too",
        ),
        (
            "two documents",
            "two-documents.yaml:10:1: invalid YAML: a file holds one playbook",
        ),
    ];
    for (what, expected) in cases {
        let line = format!("{GOLDEN_DIR}/{expected}");
        assert!(
            out.lines().any(|l| l.starts_with(&line)),
            "{what}: no line starts with\n  {line}\nin\n{out}"
        );
    }
}

/// Bad bytes and huge files are generated here rather than committed.
#[test]
fn non_utf8_and_oversized_files_are_refused_with_their_place() {
    let dir = TempDir::new("bad-bytes");
    dir.write("latin1.yaml", b"name: caf\xe9\nschedule: \"@hourly\"\n");
    let mut big = String::from("name: big\nschedule: \"@hourly\"\ndescription: |\n");
    while big.len() < 10 * 1024 * 1024 {
        big.push_str("  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
    }
    dir.write("big.yaml", &big);
    let out = graphsoar_in(dir.path(), &["validate", "."]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("./big.yaml:1:1: file is 10485") && text.contains("the limit is 1048576 (1 MiB)"),
        "{text}"
    );
    assert!(
        text.contains("./latin1.yaml:1:10: file is not valid UTF-8: save it as UTF-8"),
        "{text}"
    );
}

#[test]
fn shipped_playbooks_are_valid_without_warnings() {
    let out = graphsoar(&["validate", "--deny-warnings", "playbooks"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(stdout(&out), "");
}

#[test]
fn json_output_has_every_field() {
    let out = graphsoar(&[
        "validate",
        "--format",
        "json",
        &format!("{GOLDEN_DIR}/unknown-enum.yaml"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let items = report.as_array().expect("an array");
    assert_eq!(items.len(), 4);
    let first = &items[0];
    assert_eq!(first["path"], format!("{GOLDEN_DIR}/unknown-enum.yaml"));
    assert_eq!(first["line"], 10);
    assert_eq!(first["column"], 15);
    assert_eq!(first["playbook"], "unknown-enum");
    assert_eq!(first["field"], "actions[0].update_alert.status");
    assert_eq!(first["severity"], "error");
    assert!(first["message"].as_str().unwrap().contains("`closed`"));
}

#[test]
fn warnings_fail_only_with_deny_warnings() {
    let file = format!("{GOLDEN_DIR}/hunting-warnings.yaml");
    let out = graphsoar(&["validate", &file]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out).lines().filter(|l| l.contains(": warning: ")).count(), 2);
    assert_eq!(
        graphsoar(&["validate", "--deny-warnings", &file]).status.code(),
        Some(1)
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = graphsoar(&["validate", "--config", "does-not-exist.yaml", "playbooks"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does-not-exist.yaml does not exist"));
    assert_eq!(graphsoar(&["validate", "--formt", "json"]).status.code(), Some(2));
    assert_eq!(graphsoar(&["frobnicate"]).status.code(), Some(2));
}

/// Settings errors are reported like playbook errors, and lists come from the settings.
#[test]
fn settings_file_errors_and_lists() {
    let dir = TempDir::new("settings");
    dir.write("graphsoar.yaml", "lists: { vip: vip.txt }\nlimits: { concurency: 2 }\n");
    dir.write("playbooks/p.yaml", "name: p\nschedule: '@hourly'\ntrigger: { incidents: {} }\ncondition: incident.assignedTo in lists.vip\nactions: [ { log: { message: x } } ]\n");
    let out = graphsoar_in(dir.path(), &["validate"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("graphsoar.yaml:2:11: limits.concurency: unknown key `concurency`, did you mean `concurrency`?"),
        "{text}"
    );
    dir.write("graphsoar.yaml", "lists: { vip: vip.txt }\n");
    dir.write("vip.txt", "# VIPs\nceo@contoso.com\n");
    let out = graphsoar_in(dir.path(), &["validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

/// Nothing panics on input: every prefix of every shipped and golden playbook, and a few
/// byte-level mutations, load to diagnostics or a playbook.
#[test]
fn truncated_and_mutated_playbooks_never_panic() {
    let settings = Settings::embedded();
    let root_dir = root().join("playbooks");
    let mut files = yaml_files(&root_dir);
    files.extend(yaml_files(&root().join(GOLDEN_DIR)));
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let cuts: Vec<usize> = text.char_indices().map(|(i, _)| i).step_by(7).collect();
        for cut in cuts {
            let _ = playbook::parse_str(&text[..cut], &file, &root_dir, &settings);
            let mutated: String = text
                .char_indices()
                .map(|(i, c)| if i == cut { if c == ':' { ' ' } else { ':' } } else { c })
                .collect();
            let _ = playbook::parse_str(&mutated, &file, &root_dir, &settings);
        }
    }
}

/// The example settings file with every key is valid, and the shipped playbooks validate with it.
#[test]
fn example_settings_are_valid() {
    let out = graphsoar(&[
        "validate",
        "--deny-warnings",
        "--config",
        "examples/graphsoar.yaml",
        "playbooks",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
}

/// `graphsoar test` runs the playbooks' own tests through the planning code: the shipped ones
/// pass, and a wrong expectation or an erroring condition fails with where and why.
#[test]
fn playbook_tests_run_offline() {
    let out = graphsoar(&["test", "playbooks"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).lines().any(|l| l.ends_with(" passed, 0 failed")));

    let dir = TempDir::new("playbook-tests");
    dir.write(
        "p.yaml",
        "name: p\nschedule: '@hourly'\ntrigger: { alerts: {} }\ncondition: alert.title.contains(\"EICAR\")\nactions:\n  - update_alert: { status: resolved, comment: \"closed {{ alert.title }}\" }\ntests:\n  - name: wrong status\n    input: { alert: { id: a1, title: EICAR test, status: New } }\n    expect: [ { update_alert: { status: inProgress } } ]\n  - name: comment rendered\n    input: { alert: { id: a2, title: EICAR file } }\n    expect: [ { update_alert: { comment: closed EICAR file } } ]\n  - name: condition error\n    input: { alert: { id: a3, title: 42 } }\n    expect: []\n",
    );
    let out = graphsoar_in(dir.path(), &["test", "p.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("FAIL  p: wrong status (p.yaml:8)"), "{text}");
    assert!(
        text.contains("expect[0].update_alert.status: expected \"inProgress\", planned \"resolved\""),
        "{text}"
    );
    assert!(text.contains("ok    p: comment rendered"), "{text}");
    assert!(
        text.contains("FAIL  p: condition error") && text.contains("the condition failed on item 0"),
        "{text}"
    );
    assert!(text.contains("1 passed, 2 failed"), "{text}");
}

/// Issue 13: each valid playbook's Graph permissions, as infos: always in JSON, in text with
/// `--permissions`; they never fail `--deny-warnings`.
#[test]
fn permissions_are_listed_per_playbook_as_infos() {
    let dir = TempDir::new("validate-permissions");
    dir.write(
        "p/close.yaml",
        "name: close\nschedule: '@hourly'\ntrigger: { alerts: {} }\nactions:\n  - log: { message: m }\n  - update_alert: { status: resolved }\n  - update_incident: { tags: { add: [x] } }\n",
    );
    let json = graphsoar_in(dir.path(), &["validate", "--format", "json", "--deny-warnings", "p"]);
    assert_eq!(json.status.code(), Some(0), "{}{}", stdout(&json), stderr(&json));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON output");
    let items = report.as_array().expect("an array");
    assert_eq!(items.len(), 1, "{report:#}");
    assert_eq!(items[0]["severity"], "info");
    assert_eq!(items[0]["field"], "permissions");
    assert_eq!(items[0]["playbook"], "close");
    assert_eq!(
        items[0]["message"],
        "SecurityAlert.ReadWrite.All (alerts trigger, update_alert action #2), SecurityIncident.ReadWrite.All (update_incident action #3)"
    );
    assert!(stderr(&json).contains("0 errors, 0 warnings"), "{}", stderr(&json));
    let plain = graphsoar_in(dir.path(), &["validate", "p"]);
    assert_eq!(stdout(&plain), "", "text shows infos only with --permissions");
    let listed = graphsoar_in(dir.path(), &["validate", "--permissions", "p"]);
    assert_eq!(listed.status.code(), Some(0));
    assert_eq!(
        stdout(&listed),
        "p/close.yaml:1:1: playbook \"close\": permissions: info: SecurityAlert.ReadWrite.All (alerts trigger, update_alert action #2), SecurityIncident.ReadWrite.All (update_incident action #3)\n"
    );
}
