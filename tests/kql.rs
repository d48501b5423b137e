//! KQL: graphsoar's checker agrees with Microsoft's parser on every query of the corpus, and
//! `validate`, `hunt` and the emulator use it.
//!
//! The verdicts in `tests/kql/verdicts.json` are Microsoft's (`Kusto.Language`, run by
//! `tests/kql/oracle/verdicts.mjs` with the bundled schema); CI refreshes them when the corpus,
//! the schema or the script changes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use graphsoar::kql::{self, Schema};
use serde_json::Value;

use crate::support::{TempDir, graphsoar, root, stderr, stdout};

const CORPUS: &str = "tests/kql/corpus";
const VERDICTS: &str = "tests/kql/verdicts.json";

fn corpus_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    graphsoar::playbook::load::walk(&root().join(CORPUS), &["kql"], &mut files, &mut Vec::new());
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root().join(CORPUS))
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn read_query(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text)
}

/// Every query of the corpus: graphsoar finds an error exactly where Microsoft's parser does.
#[test]
fn agrees_with_microsofts_parser_on_every_corpus_query() {
    let verdicts: Value = serde_json::from_str(&std::fs::read_to_string(root().join(VERDICTS)).unwrap()).unwrap();
    let verdicts = verdicts["verdicts"].as_object().expect("verdicts object");
    let files = corpus_files();
    assert!(
        files.len() >= 400,
        "the corpus has {} queries, fewer than 400",
        files.len()
    );
    let names: Vec<String> = files.iter().map(|f| relative(f)).collect();
    let stale: Vec<&String> = verdicts.keys().filter(|k| !names.contains(k)).collect();
    assert!(
        stale.is_empty(),
        "verdicts for files no longer in the corpus: {stale:?}: run node tests/kql/oracle/verdicts.mjs"
    );
    let schema = Schema::advanced_hunting();
    let mut disagreements = Vec::new();
    let mut microsoft_errors = 0;
    for (file, name) in files.iter().zip(&names) {
        let Some(verdict) = verdicts.get(name) else {
            disagreements.push(format!(
                "{name}: no recorded verdict: run node tests/kql/oracle/verdicts.mjs"
            ));
            continue;
        };
        let theirs_ok = verdict["ok"].as_bool().expect("ok is a bool");
        microsoft_errors += usize::from(!theirs_ok);
        let text = read_query(file);
        let ours: Vec<String> = kql::check(&text, schema)
            .into_iter()
            .filter(kql::Diagnostic::is_error)
            .map(|d| {
                let (l, c) = d.line_col(&text);
                format!("{l}:{c}: {}", d.message)
            })
            .collect();
        if ours.is_empty() != theirs_ok {
            let theirs: Vec<String> = verdict["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| {
                    format!(
                        "{}:{}: {} {}",
                        e["line"],
                        e["column"],
                        e["code"].as_str().unwrap_or(""),
                        e["message"].as_str().unwrap_or("")
                    )
                })
                .collect();
            disagreements.push(format!("{name}:\n  microsoft: {theirs:?}\n  graphsoar: {ours:?}"));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} queries judged differently:\n{}",
        disagreements.len(),
        files.len(),
        disagreements.join("\n")
    );
    assert!(
        microsoft_errors >= 60,
        "only {microsoft_errors} corpus queries have errors; the corpus needs at least 60 real mistakes"
    );
}

/// The corpus's mistakes are each reported with a position and a message that says what to do.
#[test]
fn mistakes_have_positions_and_useful_messages() {
    let schema = Schema::advanced_hunting();
    let cases = [
        (
            "DeviceProcessEvents\n| where FileNmae == \"x\"",
            "2:9: unknown column 'FileNmae' in DeviceProcessEvents, did you mean 'FileName'?",
        ),
        (
            "DeviceProcessEvents\n| where Timestamp > ago(1h)\n| where (FileName == \"a\" or FileName == \"b\"\n| take 1",
            "expected ')' to close the '(' at 3:9",
        ),
        (
            "DeviceProcessEvents | where ProcessCommandLine !has_any (\"a\")",
            "1:48: `!has_any` is not an operator",
        ),
        (
            "DeviceProcessEvents | where ProcessCommandLine has_any \"a\"",
            "'(' after `has_any`",
        ),
        (
            "DeviceProcessEvents | where FolderPath == \"C:\\Users\\x\"",
            "`\\U` is not a valid escape",
        ),
        (
            "DeviceInfo\n---\n| take 1",
            "2:1: a line of dashes (`---`, a Markdown separator?) is not KQL",
        ),
    ];
    for (query, expected) in cases {
        let found: Vec<String> = kql::check(query, schema)
            .into_iter()
            .filter(kql::Diagnostic::is_error)
            .map(|d| {
                let (l, c) = d.line_col(query);
                format!("{l}:{c}: {}", d.message)
            })
            .collect();
        assert!(
            found.iter().any(|f| f.contains(expected)),
            "{query}: expected `{expected}` in {found:?}"
        );
    }
}

/// `graphsoar validate` on `.kql` files and folders: errors at their line and column, in text
/// and JSON, and exit 1.
#[test]
fn validate_checks_kql_files_and_folders() {
    let dir = TempDir::new("kql-validate");
    dir.write(
        "q/typo.kql",
        "DeviceProcessEvents\n| where Timestamp > ago(1h)\n| where FileNmae == \"x\"\n",
    );
    dir.write("q/sub/good.kql", "DeviceInfo | where Timestamp > ago(1d) | take 1\n");
    let folder = dir.path().join("q");
    let out = graphsoar(&["validate", folder.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("typo.kql:3:9: unknown column 'FileNmae' in DeviceProcessEvents, did you mean 'FileName'?"),
        "{text}"
    );
    assert!(!text.contains("good.kql"), "{text}");
    assert!(
        stderr(&out).contains("0 playbooks valid, 2 .kql files checked; 1 error"),
        "{}",
        stderr(&out)
    );
    let out = graphsoar(&[
        "validate",
        "--format",
        "json",
        folder.join("typo.kql").to_str().unwrap(),
    ]);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report[0]["line"], 3);
    assert_eq!(report[0]["column"], 9);
    assert_eq!(report[0]["severity"], "error");
}

/// A playbook's hunting query is checked with positions inside the YAML block scalar.
#[test]
fn validate_maps_query_positions_into_the_playbook() {
    let dir = TempDir::new("kql-playbook");
    let path = dir.write(
        "typo.yaml",
        "name: typo\nschedule: '0 * * * *'\ntrigger:\n  hunting:\n    query: |\n      DeviceProcessEvents\n      | where Timestamp > ago(2h)\n      | where ProcessComandLine has \"x\"\ndedup: { key: '{{ row.ReportId }}' }\nactions: [ { log: { message: x } } ]\n",
    );
    let out = graphsoar(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("typo.yaml:8:15: playbook \"typo\": trigger.hunting.query: unknown column 'ProcessComandLine' in DeviceProcessEvents, did you mean 'ProcessCommandLine'?"),
        "{}",
        stdout(&out)
    );
}

/// `graphsoar hunt` checks before it sends: errors print with positions and exit 1.
#[test]
fn hunt_refuses_a_query_that_does_not_check() {
    let out = graphsoar(&["hunt", "DeviceProcessEvents | where FileNmae =~ 'x' | take 3"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("query:1:29: unknown column 'FileNmae' in DeviceProcessEvents, did you mean 'FileName'?"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("nothing was sent"));
}

/// `graphsoar schema --kql` prints the schema, extended by the settings' `hunting_schema`.
#[test]
fn schema_kql_prints_the_schema_with_extensions() {
    let out = graphsoar(&["schema", "--kql"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let bundled = Schema::from_json(&stdout(&out)).expect("the printed schema reads back");
    assert!(bundled.table("DeviceProcessEvents").is_some());
    let dir = TempDir::new("kql-schema");
    dir.write(
        "extra.json",
        r#"{"tables": {"MyCustomTable_CL": {"columns": {"Timestamp": "datetime", "Host": "string"}}}}"#,
    );
    let config = dir.write("graphsoar.yaml", "hunting_schema: extra.json\n");
    let out = graphsoar(&["schema", "--kql", "--config", config.to_str().unwrap()]);
    let extended = Schema::from_json(&stdout(&out)).unwrap();
    assert!(extended.table("MyCustomTable_CL").is_some());
    // And validate checks queries against it.
    dir.write("q.kql", "MyCustomTable_CL | where Timestamp > ago(1h) | project Host\n");
    let out = graphsoar(&[
        "validate",
        "--config",
        config.to_str().unwrap(),
        dir.path().join("q.kql").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    // A bad extension names the file, the path inside it and what is allowed.
    dir.write("bad.json", r#"{"tables": {"T": {"columns": {"X": "strng"}}}}"#);
    let config = dir.write("bad.yaml", "hunting_schema: bad.json\n");
    let out = graphsoar(&[
        "validate",
        "--config",
        config.to_str().unwrap(),
        dir.path().join("q.kql").to_str().unwrap(),
    ]);
    assert!(
        stdout(&out).contains("hunting_schema:")
            && stdout(&out).contains("tables.T.columns.X: `\"strng\"` is not a Kusto type"),
        "{}",
        stdout(&out)
    );
}

/// Every table of the bundled schema cites its docs page, and the four built-in functions are there.
#[test]
fn bundled_schema_cites_its_sources() {
    let schema = Schema::advanced_hunting();
    let missing: Vec<&str> = schema
        .tables()
        .filter(|t| t.docs.is_none())
        .map(|t| t.name.as_str())
        .collect();
    assert!(missing.is_empty(), "tables without a docs page: {missing:?}");
    for f in ["FileProfile", "DeviceFromIP", "SeenBy", "AssignedIPAddresses"] {
        assert!(schema.function(f).is_some(), "{f}");
    }
    let by_name: BTreeMap<&str, usize> = schema.tables().map(|t| (t.name.as_str(), t.columns.len())).collect();
    assert!(by_name.len() >= 50, "only {} tables", by_name.len());
}

const GOLDEN: &str = "tests/kql/golden";
/// Corpus queries the engine does not run yet, with why.
const GAPS: &str = "tests/kql/engine-gaps.txt";

/// The bundled dataset as the local tenant holds it, dated at its anchor (2030-01-01).
fn bundled_tenant() -> (graphsoar::kql::eval::Tenant, chrono::DateTime<chrono::Utc>) {
    use graphsoar::emulator::{dataset, hunting, store::Store};
    let store = Store::from_dataset(dataset::bundled().expect("bundled dataset")).expect("store");
    let anchor = chrono::DateTime::parse_from_rfc3339(dataset::ANCHOR).unwrap().to_utc();
    (hunting::tenant(&store.tables, None), anchor)
}

fn sorted_rows(rows: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
    out.sort();
    out
}

/// Realistic hunting queries against the bundled dataset: each `.kql` of tests/kql/golden
/// gives the `.json` beside it (schema and rows; rows compared in order when the query sorts).
/// `GOLDEN_UPDATE=1` writes the engine's answers for new queries (review them before
/// committing).
#[test]
fn golden_queries_give_their_expected_tables() {
    use graphsoar::emulator::hunting::{self, Answer};
    let (tenant, now) = bundled_tenant();
    let mut files = Vec::new();
    graphsoar::playbook::load::walk(&root().join(GOLDEN), &["kql"], &mut files, &mut Vec::new());
    assert!(files.len() >= 7, "{files:?}");
    let mut failures = Vec::new();
    for file in &files {
        let query = read_query(file);
        let expected_path = file.with_extension("json");
        let body = match hunting::answer(&query, &tenant, now, None, std::time::Duration::from_secs(120)) {
            Answer::Ok(results) => results.to_value(),
            Answer::Err(status, code, message) => {
                failures.push(format!("{}: {status} {code}: {message}", file.display()));
                continue;
            }
        };
        let actual = serde_json::json!({"schema": body["schema"], "results": body["results"]});
        if !expected_path.exists() && std::env::var_os("GOLDEN_UPDATE").is_some() {
            std::fs::write(&expected_path, serde_json::to_string_pretty(&actual).unwrap() + "\n").unwrap();
            continue;
        }
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(&expected_path).unwrap_or_else(|e| panic!("{}: {e}", expected_path.display())),
        )
        .unwrap();
        if actual["schema"] != expected["schema"] {
            failures.push(format!(
                "{}: schema\n  expected {}\n  actual   {}",
                file.display(),
                expected["schema"],
                actual["schema"]
            ));
            continue;
        }
        let ordered = ["order by", "sort by", "| top "].iter().any(|k| query.contains(k));
        let (exp, act) = (
            expected["results"].as_array().unwrap(),
            actual["results"].as_array().unwrap(),
        );
        let same = if ordered {
            exp == act
        } else {
            sorted_rows(exp) == sorted_rows(act)
        };
        if !same {
            failures.push(format!(
                "{}: {} rows expected, {} given\n  expected {}\n  actual   {}",
                file.display(),
                exp.len(),
                act.len(),
                serde_json::to_string(exp)
                    .unwrap()
                    .chars()
                    .take(1500)
                    .collect::<String>(),
                serde_json::to_string(act)
                    .unwrap()
                    .chars()
                    .take(1500)
                    .collect::<String>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every corpus query Microsoft's parser accepts runs on the local tenant (the bundled
/// dataset), or fails naming the construct the engine does not support; never another error
/// or a panic. Also writes what graphsoar answered for the differential check against
/// duckdb-kql (`target/kql-differential/graphsoar.json`).
#[test]
fn the_local_tenant_runs_every_query_microsofts_parser_accepts() {
    use graphsoar::kql::eval::{self, ErrorKind, Options};
    let verdicts: Value = serde_json::from_str(&std::fs::read_to_string(root().join(VERDICTS)).unwrap()).unwrap();
    let verdicts = verdicts["verdicts"].as_object().expect("verdicts object");
    let (tenant, _) = bundled_tenant();
    // The wall clock: the dataset is dated 2030, so `ago()` filters keep every row, here and
    // in duckdb-kql (whose now() is the wall clock too).
    let now = chrono::Utc::now();
    let options = Options {
        now: graphsoar::kql::value::ticks(now.timestamp(), now.timestamp_subsec_nanos()),
        deadline: None,
        ..Options::default()
    };
    let gaps_text = std::fs::read_to_string(root().join(GAPS)).unwrap();
    let mut gaps: BTreeMap<&str, &str> = gaps_text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .collect();
    let mut ran = 0;
    let mut unsupported: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut answers = Vec::new();
    for file in corpus_files() {
        let name = relative(&file);
        if !verdicts.get(&name).is_some_and(|v| v["ok"] == true) {
            continue;
        }
        let query = read_query(&file);
        let ordered = ["order by", "sort by", "| top ", "|top "]
            .iter()
            .any(|k| query.contains(k));
        let result = std::panic::catch_unwind(|| eval::run(&query, &tenant, &options));
        match result {
            Err(_) => failures.push(format!("{name}: panicked")),
            Ok(Ok(out)) => {
                ran += 1;
                let t = out.table;
                let columns: Vec<Value> = t
                    .names
                    .iter()
                    .zip(&t.columns)
                    .map(|(n, c)| serde_json::json!({"name": n, "type": c.ty.name()}))
                    .collect();
                let rows: Vec<Value> = (0..t.len.min(2000))
                    .map(|r| Value::Array(t.columns.iter().map(|c| c.get(r).to_json()).collect()))
                    .collect();
                answers.push(serde_json::json!({"file": name, "query": query, "ordered": ordered, "columns": columns, "rows": rows, "truncated": t.len > 2000, "row_count": t.len}));
            }
            Ok(Err(e)) if e.kind == ErrorKind::Unsupported => {
                let construct = e.message.split(" is not supported").next().unwrap_or("").to_string();
                *unsupported.entry(construct).or_default() += 1;
                answers.push(serde_json::json!({"file": name, "query": query, "error": e.message}));
            }
            Ok(Err(e)) => {
                if gaps.remove(name.as_str()).is_some() {
                    continue;
                }
                let (l, c) = kql::line_col(&query, e.span.start as usize);
                failures.push(format!("{name}:{l}:{c}: {:?}: {}", e.kind, e.message));
            }
        }
    }
    for (file, _) in gaps {
        failures.push(format!("{file} is listed in {GAPS} but runs now: take it off the list"));
    }
    let out_dir = root().join("target/kql-differential");
    std::fs::create_dir_all(&out_dir).unwrap();
    let input = serde_json::json!({
        "now": graphsoar::kql::value::format_datetime(options.now),
        "tables_dir": root().join("src/emulator/dataset/tables"),
        "schema": root().join("src/kql/advanced-hunting-schema.json"),
        "queries": answers,
    });
    std::fs::write(out_dir.join("graphsoar.json"), serde_json::to_string(&input).unwrap()).unwrap();
    eprintln!("ran {ran} corpus queries; unsupported: {unsupported:?}");
    assert!(
        failures.is_empty(),
        "{} corpus queries failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(ran >= 400, "only {ran} corpus queries ran");
    differential_against_duckdb_kql(&out_dir.join("graphsoar.json"));
}

/// The same corpus in duckdb-kql (tests/kql/duckdb): the same results wherever both engines
/// run, except the differences recorded with the Kusto docs' words. Needs the virtual
/// environment `.ci/run` installs (target/duckdb-venv); without it the check is skipped
/// locally and fails in CI.
fn differential_against_duckdb_kql(input: &Path) {
    let python = root().join("target/duckdb-venv/bin/python");
    if !python.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install target/duckdb-venv (tests/kql/duckdb/requirements.txt)"
        );
        eprintln!("skipping the duckdb-kql differential: no target/duckdb-venv (see .ci/run)");
        return;
    }
    let out = std::process::Command::new(python)
        .arg(root().join("tests/kql/duckdb/differential.py"))
        .arg("--input")
        .arg(input)
        .arg("--known")
        .arg(root().join("tests/kql/duckdb/known-differences.json"))
        .arg("--report")
        .arg(input.with_file_name("report.json"))
        .output()
        .expect("run differential.py");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "the differential check against duckdb-kql failed:\n{text}"
    );
    let summary = text.lines().find(|l| l.starts_with("differential:")).unwrap_or("");
    eprintln!("{summary}");
}
