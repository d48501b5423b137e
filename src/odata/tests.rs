//! Validation, the cursor clause and evaluation of `$filter` texts, through the module's API.

use chrono::TimeZone;

use super::*;

fn errors(text: &str, resource: Resource) -> Vec<Finding> {
    validate(text, resource)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .collect()
}

/// The text a finding points at.
fn at<'t>(text: &'t str, finding: &Finding) -> &'t str {
    &text[finding.offset..finding.offset + finding.len]
}

#[test]
fn design_filters_are_valid() {
    let auto_close = "status eq 'new' and (severity eq 'informational' or severity eq 'low')";
    assert_eq!(validate(auto_close, Resource::Alerts), []);
    let incidents = "severity eq 'high' and status eq 'active'";
    assert_eq!(validate(incidents, Resource::Incidents), []);
    let cursor = "lastUpdateDateTime ge 2024-05-01T10:00:00Z and createdDateTime lt 2024-05-01T10:00:00.1234567+02:00";
    assert_eq!(validate(cursor, Resource::Alerts), []);
    let nulls = "assignedTo eq null or assignedTo eq 'soc@contoso.com'";
    assert_eq!(validate(nulls, Resource::Incidents), []);
    let qualified =
        "status eq microsoft.graph.security.alertStatus'new' and serviceSource eq 'microsoftDefenderForEndpoint'";
    assert_eq!(validate(qualified, Resource::Alerts), []);
    let everything = "classification eq 'truePositive' and determination ne 'notMalicious'";
    assert_eq!(validate(everything, Resource::Incidents), []);
}

#[test]
fn incident_status_is_an_error_on_alerts() {
    let text = "severity eq 'high' and status eq 'active'";
    let found = validate(text, Resource::Alerts);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].severity, Severity::Error);
    assert_eq!(at(text, &found[0]), "'active'");
    assert_eq!(
        found[0].message,
        "`active` is not an alertStatus; expected one of new, inProgress, resolved, unknown"
    );
    let text = "status eq 'new'";
    let found = errors(text, Resource::Incidents);
    assert!(
        found[0].message.contains(
            "not an incidentStatus; expected one of active, resolved, inProgress, redirected, awaitingAction"
        ),
        "{}",
        found[0].message
    );
}

#[test]
fn enum_typo_suggests_the_member() {
    let text = "status eq 'resolvd'";
    let found = errors(text, Resource::Alerts);
    assert_eq!(at(text, &found[0]), "'resolvd'");
    assert!(
        found[0].message.ends_with(", did you mean `resolved`?"),
        "{}",
        found[0].message
    );
    // The doc prose names are not the CSDL's.
    let found = errors("determination eq 'clean'", Resource::Alerts);
    assert!(found[0].message.contains("`clean` is not an alertDetermination"));
    let found = errors("serviceSource eq 'defender'", Resource::Alerts);
    assert!(
        found[0].message.contains("is not a serviceSource"),
        "{}",
        found[0].message
    );
}

#[test]
fn enum_case_is_a_warning_with_the_camel_case_form() {
    let text = "status eq 'InProgress'";
    let found = validate(text, Resource::Alerts);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, Severity::Warning);
    assert_eq!(at(text, &found[0]), "'InProgress'");
    assert!(
        found[0].message.starts_with("write `'inProgress'`"),
        "{}",
        found[0].message
    );
}

#[test]
fn enum_needs_a_quoted_name_of_its_own_type() {
    let text = "severity eq 3";
    let found = errors(text, Resource::Alerts);
    assert_eq!(at(text, &found[0]), "3");
    assert!(
        found[0]
            .message
            .contains("compare it with a quoted name, e.g. `severity eq 'informational'`")
    );
    let text = "status eq microsoft.graph.security.alertSeverity'high'";
    let found = errors(text, Resource::Alerts);
    assert_eq!(at(text, &found[0]), "microsoft.graph.security.alertSeverity'high'");
    assert!(found[0].message.contains("but `status` is an alertStatus"));
}

#[test]
fn unknown_property_points_at_it_and_suggests() {
    let text = "status eq 'new' and sevrity eq 'high'";
    let found = errors(text, Resource::Alerts);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].offset, at(text, &found[0])), (20, "sevrity"));
    assert!(
        found[0]
            .message
            .starts_with("unknown property `sevrity` on alerts_v2, did you mean `severity`?"),
        "{}",
        found[0].message
    );
    assert!(
        found[0]
            .message
            .contains("filterable properties are: assignedTo, classification")
    );
    let found = errors("frobnicate eq 'x'", Resource::Incidents);
    assert!(
        found[0]
            .message
            .starts_with("unknown property `frobnicate` on incidents;")
    );
    // Property names are case-sensitive; the hint gives the right case.
    let found = errors("Status eq 'new'", Resource::Alerts);
    assert!(found[0].message.contains("did you mean `status`?"));
    // incidentId is an alert property only.
    assert!(
        errors("incidentId eq '1'", Resource::Incidents)[0]
            .message
            .contains("unknown property")
    );
}

#[test]
fn known_but_not_filterable_is_an_error_naming_the_filterable_ones() {
    let text = "status eq 'new' and title eq 'EICAR'";
    let found = errors(text, Resource::Alerts);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].offset, at(text, &found[0])), (20, "title"));
    assert_eq!(
        found[0].message,
        "`title` cannot be used in a filter on alerts_v2 (Graph answers 400); filterable \
         properties are: assignedTo, classification, createdDateTime, determination, \
         lastUpdateDateTime, serviceSource, severity, status; test `title` in the playbook's \
         `condition` instead"
    );
    let found = errors("investigationState eq 'running'", Resource::Alerts);
    assert!(found[0].message.starts_with("`investigationState` cannot be used"));
    let found = errors("serviceSource eq 'microsoftSentinel'", Resource::Incidents);
    assert!(
        found[0]
            .message
            .contains("unknown property `serviceSource` on incidents")
    );
}

#[test]
fn dates_must_be_unquoted_date_times() {
    let text = "createdDateTime ge '2024-01-01T00:00:00Z'";
    let found = errors(text, Resource::Alerts);
    assert_eq!(at(text, &found[0]), "'2024-01-01T00:00:00Z'");
    assert!(
        found[0]
            .message
            .contains("written without quotes: `createdDateTime ge 2024-01-01T00:00:00Z`"),
        "{}",
        found[0].message
    );
    let text = "lastUpdateDateTime gt 5";
    let found = errors(text, Resource::Incidents);
    assert_eq!(at(text, &found[0]), "5");
    assert!(found[0].message.contains("cannot be compared with `5`"));
    let text = "createdDateTime gt 'yesterday'";
    assert!(
        errors(text, Resource::Alerts)[0]
            .message
            .contains("ge 2024-01-01T00:00:00Z")
    );
    let text = "lastUpdateDateTime ge null";
    assert!(
        errors(text, Resource::Alerts)[0]
            .message
            .contains("`null` can only be compared with eq or ne")
    );
}

#[test]
fn strings_must_be_quoted() {
    let text = "assignedTo eq 2024-01-01T00:00:00Z";
    let found = errors(text, Resource::Alerts);
    assert_eq!(at(text, &found[0]), "2024-01-01T00:00:00Z");
    assert!(found[0].message.contains("quote the value"));
}

#[test]
fn undocumented_constructs_are_warnings() {
    let text = "status in ('new','inProgress')";
    let found = validate(text, Resource::Alerts);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].severity, at(text, &found[0])), (Severity::Warning, "in"));
    assert!(
        found[0]
            .message
            .contains("write `status eq 'new' or status eq 'inProgress'` instead")
    );
    // The list elements are still checked.
    let found = errors("status in ('new','active')", Resource::Alerts);
    assert!(found[0].message.contains("`active` is not an alertStatus"));

    let text = "not (status eq 'resolved')";
    let found = validate(text, Resource::Alerts);
    assert_eq!(
        (found.len(), found[0].severity, at(text, &found[0])),
        (1, Severity::Warning, "not")
    );

    let text = "status eq 'new' and contains(assignedTo,'soc')";
    let found = validate(text, Resource::Alerts);
    assert_eq!(
        (found.len(), found[0].severity, at(text, &found[0])),
        (1, Severity::Warning, "contains")
    );
    assert!(found[0].message.contains("test the rest in the playbook's `condition`"));

    // Inside a function or lambda, a property that is not filterable is still an error.
    let text = "status eq 'new' and contains(title,'EICAR')";
    let found = validate(text, Resource::Alerts);
    let kinds: Vec<(Severity, &str)> = found.iter().map(|f| (f.severity, at(text, f))).collect();
    assert_eq!(kinds, [(Severity::Warning, "contains"), (Severity::Error, "title")]);

    let text = "evidence/any(e: e/verdict eq 'malicious')";
    let found = validate(text, Resource::Alerts);
    let kinds: Vec<(Severity, &str)> = found.iter().map(|f| (f.severity, at(text, f))).collect();
    assert_eq!(kinds, [(Severity::Error, "evidence"), (Severity::Warning, "any")]);

    let text = "incidentId eq '28282'";
    let found = validate(text, Resource::Alerts);
    assert_eq!(
        (found.len(), found[0].severity, at(text, &found[0])),
        (1, Severity::Warning, "incidentId")
    );

    let text = "severity ge 'medium'";
    let found = validate(text, Resource::Alerts);
    assert_eq!((found.len(), found[0].severity), (1, Severity::Warning));
    assert_eq!(validate("status ne 'resolved'", Resource::Alerts), []);
}

#[test]
fn typo_in_a_function_argument_is_still_an_error() {
    let found = errors("contains(titel,'x')", Resource::Alerts);
    assert!(found[0].message.contains("did you mean `title`?"), "{found:?}");
    let found = errors("evidnce/any(e: e/verdict eq 'malicious')", Resource::Alerts);
    assert!(found[0].message.contains("did you mean `evidence`?"), "{found:?}");
}

#[test]
fn bare_property_is_not_a_condition() {
    let found = errors("status", Resource::Alerts);
    assert_eq!(found[0].offset, 6);
    assert!(
        found[0]
            .message
            .starts_with("expected a comparison operator (eq, ne, gt, ge, lt, le, in) after `status`")
    );
}

#[test]
fn findings_are_in_source_order_and_all_reported() {
    let text = "titel eq 'x' and status eq 'active' and createdDateTime ge 'x' and id eq '1'";
    let found = errors(text, Resource::Alerts);
    let pointed: Vec<&str> = found.iter().map(|f| at(text, f)).collect();
    assert_eq!(pointed, ["titel", "'active'", "'x'", "id"]);
}

#[test]
fn parse_errors_become_one_finding() {
    let text = "status eq 'new";
    let found = validate(text, Resource::Alerts);
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].severity, found[0].offset, found[0].len),
        (Severity::Error, 10, 1)
    );
    assert!(found[0].message.starts_with("unterminated string literal"));
    let found = validate("status eq", Resource::Alerts);
    assert_eq!((found[0].offset, found[0].len), (9, 0));
}

#[test]
fn with_cursor_parenthesises_and_prints_rfc3339() {
    let since = Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).single().unwrap_or_default();
    assert_eq!(
        with_cursor(
            Some("status eq 'new' or severity eq 'high'"),
            "lastUpdateDateTime",
            since
        ),
        "(status eq 'new' or severity eq 'high') and lastUpdateDateTime ge 2024-05-01T10:00:00Z"
    );
    assert_eq!(
        with_cursor(None, "lastUpdateDateTime", since),
        "lastUpdateDateTime ge 2024-05-01T10:00:00Z"
    );
    assert_eq!(
        with_cursor(Some("  "), "lastUpdateDateTime", since),
        "lastUpdateDateTime ge 2024-05-01T10:00:00Z"
    );
    let fractional = since + chrono::Duration::milliseconds(250);
    assert_eq!(
        with_cursor(None, "createdDateTime", fractional),
        "createdDateTime ge 2024-05-01T10:00:00.250Z"
    );
    // What the engine sends passes its own validation.
    let sent = with_cursor(Some("status eq 'new'"), "lastUpdateDateTime", fractional);
    assert_eq!(validate(&sent, Resource::Alerts), []);
}

#[test]
fn garbage_never_panics() {
    let deep = "(".repeat(10_000) + "status eq 'new'" + &")".repeat(10_000);
    let nots = "not ".repeat(10_000) + "status eq 'new'";
    let calls = "f(".repeat(10_000);
    let wide = vec!["status eq 'new'"; 10_000].join(" and ");
    let garbage = [
        "",
        " ",
        "'",
        "''",
        "'''",
        "status eq '",
        "status eq 'new''",
        "(",
        ")",
        "((status eq 'new')",
        "status eq 'new'))",
        "eq",
        "and",
        "or or",
        "not",
        "status eq eq 'new'",
        "status in",
        "status in (",
        "status in ()",
        "status in ('new',)",
        "==",
        "status = 'new'",
        "\"new\"",
        "ステータス eq '新'",
        "status eq 'new' \u{0}",
        "🙂",
        "-",
        "--1",
        "2024-13-45T99:99:99Z",
        "createdDateTime ge 2024-01-01",
        "a/",
        "a/(",
        "any(x:",
        "f(,)",
        "1e",
        "status eq 'new' AND severity eq 'low'",
        "status EQ 'new'",
        "microsoft.graph.security.alertStatus'new",
        ":",
        "status/ eq 1",
        "é'x'",
        "x eq -",
        &deep,
        &nots,
        &calls,
    ];
    for text in garbage {
        for resource in [Resource::Alerts, Resource::Incidents] {
            let found = validate(text, resource);
            for f in &found {
                assert!(text.get(f.offset..f.offset + f.len).is_some(), "{text:?}: {f:?}");
            }
        }
        let _ = parse(text).map(|e| (e.to_string(), eval(&e, &serde_json::Value::Null)));
    }
    for text in [&deep, &nots, &calls] {
        let e = parse(text).err().map(|e| e.message).unwrap_or_default();
        assert!(e.contains("nests more than 64 levels"), "{e}");
    }
    assert_eq!(validate(&wide, Resource::Alerts), []);
}
