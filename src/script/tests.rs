//! Conditions compiled and evaluated against items, the limits, and the errors sorted into variants.

use super::*;
use serde_json::{Value, json};

const EICAR_SHA256: &str = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";

/// The condition of DESIGN.md's auto-close example, verbatim.
const EICAR_CONDITION: &str =
    "alert.title.contains(\"EICAR\") &&\nalert.evidence.some(|e| e.fileDetails?.sha256 in lists.eicar_sha256)\n";

fn now() -> DateTime<Utc> {
    "2024-05-01T12:00:00Z".parse().expect("valid time")
}

fn ctx(item: Value) -> Context {
    Context::new(
        &item,
        &json!({"name": "test-playbook", "description": "A test."}),
        &json!({"eicar_sha256": [EICAR_SHA256], "admins": ["Alice", "bob"]}),
        now(),
        &json!({"id": "run-1", "started": "2024-05-01T12:00:00Z"}),
    )
    .expect("context converts")
}

fn eval(source: &str, kind: ItemKind, item: Value) -> Result<bool, EvalError> {
    compile_condition(source, kind).expect("compiles").eval(&ctx(item))
}

fn eval_alert(source: &str) -> Result<bool, EvalError> {
    eval(source, ItemKind::Alert, eicar_alert(EICAR_SHA256))
}

/// A Graph `alerts_v2` alert as Defender for Endpoint raises it for the EICAR test file.
fn eicar_alert(sha256: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.security.alert",
        "id": "da637551227677560813_-961444813",
        "providerAlertId": "da637551227677560813_-961444813",
        "incidentId": "28282",
        "status": "new",
        "severity": "informational",
        "classification": null,
        "determination": null,
        "serviceSource": "microsoftDefenderForEndpoint",
        "detectionSource": "antivirus",
        "title": "EICAR_Test_File malware was detected",
        "description": "Malware and unwanted software are undesirable applications...",
        "category": "Malware",
        "assignedTo": null,
        "createdDateTime": "2024-05-01T10:00:00.1234567Z",
        "lastUpdateDateTime": "2024-05-01T10:05:00.12Z",
        "firstActivityDateTime": "2024-05-01T09:59:58Z",
        "mitreTechniques": [],
        "comments": [],
        "evidence": [
            {
                "@odata.type": "#microsoft.graph.security.deviceEvidence",
                "createdDateTime": "2024-05-01T10:00:00.1234567Z",
                "verdict": "unknown",
                "remediationStatus": "none",
                "roles": [],
                "deviceDnsName": "ws-042.contoso.com",
                "mdeDeviceId": "73e7e2de709dff64ef64b1d0c30e67fab63279db",
                "ipInterfaces": ["10.1.2.3", "fe80::1"]
            },
            {
                "@odata.type": "#microsoft.graph.security.processEvidence",
                "createdDateTime": "2024-05-01T10:00:00.1234567Z",
                "verdict": "suspicious",
                "remediationStatus": "none",
                "roles": [],
                "processId": 4780,
                "processCommandLine": "\"explorer.exe\"",
                "imageFile": null
            },
            {
                "@odata.type": "#microsoft.graph.security.fileEvidence",
                "createdDateTime": "2024-05-01T10:00:00.1234567Z",
                "verdict": "malicious",
                "remediationStatus": "prevented",
                "roles": [],
                "detectionStatus": "prevented",
                "mdeDeviceId": "73e7e2de709dff64ef64b1d0c30e67fab63279db",
                "fileDetails": {
                    "fileName": "eicar.com.txt",
                    "filePath": "C:\\Users\\alice\\Downloads",
                    "sha1": "cf8bd9dfddff007f75adf4c2be48005cea317c62",
                    "sha256": sha256,
                    "fileSize": 68
                }
            }
        ]
    })
}

fn hunting_row(account: &str) -> Value {
    json!({
        "Timestamp": "2024-05-01T11:42:17.0291832Z",
        "DeviceName": "ws-042.contoso.com",
        "AccountName": account,
        "ProcessCommandLine": "powershell.exe -NoP -enc SQBFAFgA",
        "ReportId": 10234
    })
}

// Every condition DESIGN.md writes, against a matching and a non-matching item.

#[test]
fn design_eicar_condition_matches_and_rejects() {
    let cond = compile_condition(EICAR_CONDITION, ItemKind::Alert).expect("compiles");
    assert_eq!(cond.eval(&ctx(eicar_alert(EICAR_SHA256))), Ok(true));
    let other_hash = "0000000000000000000000000000000000000000000000000000000000000000";
    assert_eq!(cond.eval(&ctx(eicar_alert(other_hash))), Ok(false));
    let mut renamed = eicar_alert(EICAR_SHA256);
    renamed["title"] = json!("Suspicious PowerShell");
    assert_eq!(cond.eval(&ctx(renamed)), Ok(false));
    let mut no_evidence = eicar_alert(EICAR_SHA256);
    no_evidence["evidence"] = json!([]);
    assert_eq!(cond.eval(&ctx(no_evidence)), Ok(false));
    assert_eq!(list_references(&cond), vec![("eicar_sha256".to_owned(), 2, 56)]);
}

#[test]
fn design_hunting_condition_matches_and_rejects() {
    let source = "row.AccountName != \"svc_backup\"";
    assert_eq!(eval(source, ItemKind::Row, hunting_row("alice")), Ok(true));
    assert_eq!(eval(source, ItemKind::Row, hunting_row("svc_backup")), Ok(false));
}

// Compile errors.

#[test]
fn compile_error_has_line_and_column_within_script() {
    let source = "let a = 1;\nlet b = 2;\n  a + * b";
    let err = compile_condition(source, ItemKind::Alert).expect_err("syntax error");
    assert_eq!((err.line, err.column), (3, 7));
}

#[test]
fn undefined_variable_is_compile_error_with_suggestion() {
    let err = compile_condition("true &&\n  alrt.title == \"x\"", ItemKind::Alert).expect_err("undefined");
    assert_eq!((err.line, err.column), (2, 3));
    assert!(
        err.message.contains("alrt") && err.message.contains("`alert`"),
        "{}",
        err.message
    );

    let err = compile_condition("incident.severity == \"high\"", ItemKind::Alert).expect_err("wrong item");
    assert!(err.message.contains("`alert`"), "{}", err.message);
    assert!(compile_condition("row.x == 1", ItemKind::Row).is_ok());
    assert!(compile_condition("alert.x == 1", ItemKind::Row).is_err());
    assert!(compile_condition("items.len() > 0", ItemKind::Row).is_err());
}

#[test]
fn statements_are_allowed_and_last_expression_is_result() {
    let source = "let t = alert.title;\nlet sev = alert.severity;\nt.contains(\"EICAR\") && sev == \"informational\"";
    assert_eq!(eval_alert(source), Ok(true));
    assert_eq!(
        eval_alert("if alert.status == \"new\" { true } else { false }"),
        Ok(true)
    );
}

#[test]
fn eval_and_modules_are_rejected_at_compile_time() {
    assert!(compile_condition("eval(\"1\") == 1", ItemKind::Alert).is_err());
    assert!(compile_condition("import \"x\" as y; true", ItemKind::Alert).is_err());
    assert!(compile_condition("   ", ItemKind::Alert).is_err());
}

#[test]
fn eval_through_a_function_pointer_is_an_error() {
    let result = compile_condition("call(Fn(\"eval\"), \"true\")", ItemKind::Alert).map(|c| c.eval(&ctx(json!({}))));
    assert!(!matches!(result, Ok(Ok(_))), "{result:?}");
}

// Runtime failures.

#[test]
fn runtime_error_is_err() {
    assert!(matches!(
        eval_alert("alert.title.no_such_function()"),
        Err(EvalError::Runtime(_))
    ));
    assert!(matches!(
        eval_alert("alert.missing.deeper == 1"),
        Err(EvalError::Runtime(_))
    ));
    assert!(matches!(eval_alert("throw \"boom\""), Err(EvalError::Runtime(_))));
}

#[test]
fn non_bool_is_not_bool() {
    assert!(matches!(eval_alert("alert.title"), Err(EvalError::NotBool { .. })));
    assert!(matches!(eval_alert("1"), Err(EvalError::NotBool { .. })));
    assert!(matches!(eval_alert("alert.missing"), Err(EvalError::NotBool { .. })));
}

#[test]
fn infinite_loops_stop() {
    let stopped = |r: Result<bool, EvalError>| matches!(r, Err(EvalError::TooComplex(_) | EvalError::TimedOut));
    assert!(stopped(eval_alert("loop {}")));
    assert!(stopped(eval_alert("let x = 0; while true { x += 1; } true")));
    assert!(stopped(eval_alert("alert.evidence.some(|e| { loop {} })")));
    assert!(stopped(eval_alert("fn f(x) { f(x + 1) } f(0)")));
}

#[test]
fn time_limit_stops_evaluation() {
    let cond = compile_condition("let x = 0; loop { x += 1; }", ItemKind::Alert).expect("compiles");
    let ctx = ctx(json!({}));
    let result = cond.eval_until(&ctx, ctx.item.clone(), Instant::now());
    assert_eq!(result, Err(EvalError::TimedOut));
    // The deadline belongs to that evaluation only.
    assert_eq!(eval_alert("true"), Ok(true));
}

#[test]
fn huge_data_is_too_complex() {
    assert!(matches!(
        eval_alert("let s = \"xxxxxxxx\"; loop { s += s; }"),
        Err(EvalError::TooComplex(_))
    ));
    assert!(matches!(
        eval_alert("let a = [1]; loop { a += a; }"),
        Err(EvalError::TooComplex(_))
    ));
}

#[test]
fn missing_properties_read_as_unit() {
    assert_eq!(eval_alert("alert.nope == ()"), Ok(true));
    assert_eq!(eval_alert("alert.nope?.deeper == ()"), Ok(true));
    assert_eq!(eval_alert("() in lists.eicar_sha256"), Ok(false));
}

#[test]
fn scripts_cannot_change_the_context() {
    let cond = compile_condition(
        "alert.title = \"changed\"; lists.eicar_sha256.clear(); run.id = 2; true",
        ItemKind::Alert,
    )
    .expect("compiles");
    let context = ctx(eicar_alert(EICAR_SHA256));
    assert_eq!(cond.eval(&context), Ok(true));
    assert_eq!(
        compile_condition(EICAR_CONDITION, ItemKind::Alert)
            .expect("compiles")
            .eval(&context),
        Ok(true)
    );
}

#[test]
fn common_names_are_visible() {
    assert_eq!(eval_alert("playbook.name == \"test-playbook\""), Ok(true));
    assert_eq!(eval_alert("run.id == \"run-1\""), Ok(true));
    assert_eq!(eval_alert("now.year == 2024 && now.hour == 12"), Ok(true));
    assert_eq!(eval_alert("\"bob\" in lists.admins"), Ok(true));
}

#[test]
fn list_references_found_in_both_forms() {
    let source = "let row_lists = #{no: 1}; // lists.commented\n\"lists.quoted\" != \"\" &&\n  alert.x in lists[\"b\"] ||\n  row_lists.no == 1 || alert.lists.no == 1 || alert.y in lists?.c";
    let cond = compile_condition(source, ItemKind::Alert).expect("compiles");
    assert_eq!(
        list_references(&cond),
        vec![("b".to_owned(), 3, 20), ("c".to_owned(), 4, 65)]
    );
}

// Functions.

#[test]
fn time_functions() {
    assert_eq!(
        eval_alert("ago(\"1h\") == parse_time(\"2024-05-01T11:00:00Z\")"),
        Ok(true)
    );
    assert_eq!(
        eval_alert("ago(\"PT1H\") == ago(3600) && ago(\"P1D\") == now - \"1d\""),
        Ok(true)
    );
    assert_eq!(
        eval_alert("parse_time(alert.createdDateTime) > ago(\"7d\") && parse_time(alert.createdDateTime) < now"),
        Ok(true)
    );
    assert_eq!(
        eval_alert("parse_time(alert.createdDateTime) <= ago(\"3h\")"),
        Ok(false)
    );
    assert_eq!(
        eval_alert("parse_time(alert.lastUpdateDateTime) - parse_time(alert.createdDateTime) == 299"),
        Ok(true)
    );
    assert_eq!(
        eval_alert("now - parse_time(alert.createdDateTime) > duration(\"1h\")"),
        Ok(true)
    );
    assert_eq!(
        eval_alert("(now + 60).minute == 1 && (now + \"1d\").day == 2 && now - 3600 == ago(\"1h\")"),
        Ok(true)
    );
    assert_eq!(
        eval_alert("now.weekday == 3 && now.month == 5 && now.unix == 1714564800"),
        Ok(true)
    );
    assert_eq!(eval_alert("now.to_string() == \"2024-05-01T12:00:00Z\""), Ok(true));
    assert_eq!(eval_alert("`${now}` == \"2024-05-01T12:00:00Z\""), Ok(true));
    assert_eq!(eval_alert("now.format(\"%Y/%m/%d\") == \"2024/05/01\""), Ok(true));
    assert_eq!(eval_alert("parse_time(now) != ago(\"1s\")"), Ok(true));
    assert!(matches!(
        eval_alert("parse_time(\"yesterday\") < now"),
        Err(EvalError::Runtime(_))
    ));
    assert!(matches!(
        eval_alert("ago(\"1 hour\") < now"),
        Err(EvalError::Runtime(_))
    ));
    assert!(matches!(
        eval_alert("now.format(\"%Q\") == \"\""),
        Err(EvalError::Runtime(_))
    ));
    for huge in [
        "ago(\"9223372036854776s\")",
        "now + \"99999999999d\"",
        "now - 9223372036854775807",
    ] {
        assert!(
            matches!(eval_alert(&format!("{huge} < now")), Err(EvalError::Runtime(_))),
            "{huge}"
        );
    }
}

#[test]
fn network_and_pattern_functions() {
    let device = "alert.evidence[0].ipInterfaces";
    assert_eq!(
        eval_alert(&format!("cidr_match({device}[0], \"10.0.0.0/8\")")),
        Ok(true)
    );
    assert_eq!(eval_alert(&format!("{device}[1].cidr_match(\"fe80::/10\")")), Ok(true));
    assert_eq!(
        eval_alert(&format!("cidr_match({device}[0], \"192.168.0.0/16\")")),
        Ok(false)
    );
    assert_eq!(
        eval_alert(&format!(
            "cidr_match({device}[0], [\"192.168.0.0/16\", \"10.1.0.0/16\"])"
        )),
        Ok(true)
    );
    assert_eq!(eval_alert("cidr_match(alert.nope, \"10.0.0.0/8\")"), Ok(false));
    assert!(matches!(
        eval_alert("cidr_match(\"10.0.0.1\", \"10.0.0.0/99\")"),
        Err(EvalError::Runtime(_))
    ));

    assert_eq!(
        eval_alert("regex_match(alert.title, \"^EICAR_\\\\w+ malware\")"),
        Ok(true)
    );
    assert_eq!(eval_alert("alert.title.regex_match(\"(?i)^eicar\")"), Ok(true));
    assert_eq!(eval_alert("regex_match(alert.title, \"^malware\")"), Ok(false));
    assert_eq!(eval_alert("regex_match(alert.nope, \".*\")"), Ok(false));
    assert!(matches!(
        eval_alert("regex_match(alert.title, \"(\")"),
        Err(EvalError::Runtime(_))
    ));
}

#[test]
fn jsonpath_function() {
    assert_eq!(
        eval_alert("jsonpath(alert, \"$..sha256\") == [lists.eicar_sha256[0]]"),
        Ok(true)
    );
    assert_eq!(
        eval_alert(
            "jsonpath(alert, \"$.evidence[?@.verdict == 'malicious'].fileDetails.fileName\")[0] == \"eicar.com.txt\""
        ),
        Ok(true)
    );
    assert_eq!(eval_alert("jsonpath(alert, \"$.nothing\").is_empty()"), Ok(true));
    assert!(matches!(
        eval_alert("jsonpath(alert, \"$[\").is_empty()"),
        Err(EvalError::Runtime(_))
    ));
}

#[test]
fn string_functions() {
    assert_eq!(
        eval_alert("alert.title.lower() == \"eicar_test_file malware was detected\""),
        Ok(true)
    );
    assert_eq!(eval_alert("upper(alert.category) == \"MALWARE\""), Ok(true));
    assert_eq!(eval_alert("\"  x \".trimmed() == \"x\""), Ok(true));
    assert_eq!(
        eval_alert("alert.title.split(\" \")[0] == \"EICAR_Test_File\""),
        Ok(true)
    );
    assert_eq!(
        eval_alert("alert.title.contains_any([\"mimikatz\", \"eicar\"])"),
        Ok(true)
    );
    assert_eq!(eval_alert("alert.title.contains_any([\"mimikatz\"])"), Ok(false));
    assert_eq!(eval_alert("alert.nope.contains_any([\"x\"])"), Ok(false));
    assert_eq!(eval_alert("alert.title.starts_with_any([\"eicar\"])"), Ok(true));
    assert_eq!(eval_alert("alert.title.ends_with_any([\"DETECTED\"])"), Ok(true));
    assert_eq!(eval_alert("alert.title.ends_with_any([\"malware\"])"), Ok(false));
    assert_eq!(
        eval_alert("alert.category.matches_any([\"MALWARE\", \"Ransomware\"])"),
        Ok(true)
    );
    assert_eq!(eval_alert("alert.category.matches_any([\"Malw\"])"), Ok(false));
    assert_eq!(eval_alert("alert.title.has(\"MALWARE\")"), Ok(true));
    assert_eq!(eval_alert("alert.title.has(\"mal\")"), Ok(false));
    let row = hunting_row("alice");
    assert_eq!(
        eval(
            "row.ProcessCommandLine.has_any([\"-enc\", \"-EncodedCommand\"])",
            ItemKind::Row,
            row.clone()
        ),
        Ok(true)
    );
    assert_eq!(
        eval("row.ProcessCommandLine.has_any([\"-e\"])", ItemKind::Row, row),
        Ok(false)
    );
}

#[test]
fn print_and_debug_do_not_fail() {
    assert_eq!(eval_alert("print(alert.title); debug(now); true"), Ok(true));
}

#[test]
fn conditions_are_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Condition>();
    assert_send_sync::<Context>();
    let cond = compile_condition(EICAR_CONDITION, ItemKind::Alert).expect("compiles");
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let cond = cond.clone();
            std::thread::spawn(move || cond.eval(&ctx(eicar_alert(EICAR_SHA256))))
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().expect("no panic"), Ok(true));
    }
}

#[test]
fn property_reads_are_found_or_given_up_on() {
    let reads = |source: &str| property_reads(source, "alert").map(|r| r.into_iter().collect::<Vec<_>>());
    assert_eq!(
        reads("(alert.title ?? \"\").contains(\"alert.x\") && alert?.evidence.len() > 0 // alert.y"),
        Some(vec!["evidence".to_string(), "title".to_string()])
    );
    assert_eq!(
        reads("alert[\"severity\"] == \"high\" /* alert(1) */"),
        Some(vec!["severity".to_string()])
    );
    assert_eq!(
        reads("x.alert.id == 1"),
        Some(vec![]),
        "a property named alert is not the item"
    );
    for whole in [
        "f(alert)",
        "alert.keys().len() > 0",
        "alert[k] == 1",
        "let alert = 1; alert == 1",
        "[1].some(|alert| alert == 1)",
        "`${alert.title}` == \"\"",
        "alert",
    ] {
        assert_eq!(reads(whole), None, "{whole}");
    }
}

/// The item is a lazy view over its JSON; to a condition it is the map the JSON converts to.
#[test]
fn the_item_view_behaves_as_its_map() {
    for (source, want) in [
        ("type_of(alert) == \"map\"", true),
        ("alert.no_such_property == ()", true),
        ("alert?.no_such?.deeper == ()", true),
        ("\"title\" in alert && !(\"nope\" in alert)", true),
        (
            "alert.keys().len() == alert.len() && alert.values().len() == alert.len()",
            true,
        ),
        ("!alert.is_empty() && alert == alert", true),
        (
            "type_of(alert.evidence) == \"array\" && type_of(alert.evidence[0]) == \"map\"",
            true,
        ),
        ("alert[\"title\"] == alert.title", true),
        (
            "let copy = alert; copy.title = \"x\"; copy.title == \"x\" && alert.title != \"x\"",
            true,
        ),
        (
            "alert.evidence.some(|e| e.fileDetails?.sha256 in lists.eicar_sha256)",
            true,
        ),
        ("alert.to_string().starts_with(\"{\")", true),
    ] {
        assert_eq!(eval_alert(source), Ok(want), "{source}");
    }
}
