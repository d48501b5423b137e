//! Each operator and function against results worked out from Kusto's documentation.

use serde_json::{Value as Json, json};

use super::*;
use crate::kql::data::TableBuilder;

/// 2030-01-02T00:00:00Z, the clock of these tests.
const NOW: &str = "2030-01-02T00:00:00Z";

fn tenant() -> Tenant {
    let schema = crate::kql::Schema::advanced_hunting();
    let mut tables = Vec::new();
    let mut add = |name: &str, rows: Json| {
        let columns = schema.table(name).map(|t| t.columns.clone()).unwrap_or_default();
        let mut b = TableBuilder::new(&columns);
        for r in rows.as_array().unwrap() {
            b.push_object(r.as_object().unwrap());
        }
        tables.push((name.to_string(), Arc::new(b.finish())));
    };
    add(
        "DeviceProcessEvents",
        json!([
            {"Timestamp": "2030-01-01T10:00:00Z", "DeviceId": "d1", "DeviceName": "alpha", "FileName": "powershell.exe",
             "ProcessCommandLine": "powershell.exe -EncodedCommand ZQBjAGgAbwA=", "AccountName": "ann", "ReportId": 1},
            {"Timestamp": "2030-01-01T11:30:00Z", "DeviceId": "d1", "DeviceName": "alpha", "FileName": "cmd.exe",
             "ProcessCommandLine": "cmd.exe /c whoami", "AccountName": "ann", "ReportId": 2},
            {"Timestamp": "2030-01-01T12:00:00Z", "DeviceId": "d2", "DeviceName": "beta", "FileName": "powershell.exe",
             "ProcessCommandLine": "powershell -enc AAAA", "AccountName": "bob", "ReportId": 3},
            {"Timestamp": "2030-01-01T23:59:59Z", "DeviceId": "d3", "DeviceName": "gamma", "FileName": "notepad.exe",
             "ProcessCommandLine": "notepad.exe C:\\xencodedcommand.txt", "ReportId": 4},
            {"Timestamp": "2029-12-01T00:00:00Z", "DeviceId": "d2", "DeviceName": "beta", "FileName": "svchost.exe",
             "ProcessCommandLine": "svchost.exe -k netsvcs", "AccountName": "system", "ReportId": 5}
        ]),
    );
    add(
        "DeviceInfo",
        json!([
            {"Timestamp": "2030-01-01T00:00:00Z", "DeviceId": "d1", "DeviceName": "alpha", "OSPlatform": "Windows11"},
            {"Timestamp": "2030-01-01T06:00:00Z", "DeviceId": "d1", "DeviceName": "alpha", "OSPlatform": "Windows11"},
            {"Timestamp": "2030-01-01T00:00:00Z", "DeviceId": "d2", "DeviceName": "beta", "OSPlatform": "WindowsServer2022"},
            {"Timestamp": "2030-01-01T00:00:00Z", "DeviceId": "d9", "DeviceName": "omega", "OSPlatform": "Linux"}
        ]),
    );
    Tenant::with_schema(schema, tables)
}

fn options() -> Options {
    Options {
        now: crate::kql::value::parse_datetime_ticks(NOW).unwrap(),
        ..Options::default()
    }
}

fn try_run(q: &str) -> Result<Output, EvalError> {
    run(q, &tenant(), &options())
}

/// The result as rows of JSON objects (every column, nulls included).
fn rows(q: &str) -> Vec<Json> {
    let out = try_run(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    let t = out.table;
    (0..t.len)
        .map(|r| {
            let mut m = serde_json::Map::new();
            for (n, c) in t.names.iter().zip(&t.columns) {
                m.insert(n.clone(), c.get(r).to_json());
            }
            Json::Object(m)
        })
        .collect()
}

fn column(q: &str, name: &str) -> Vec<Json> {
    rows(q).into_iter().map(|r| r[name].clone()).collect()
}

fn names(q: &str) -> Vec<String> {
    try_run(q).unwrap_or_else(|e| panic!("{q}: {e}")).table.names
}

fn scalar(expr: &str) -> Json {
    let r = rows(&format!("print x = {expr}"));
    r[0]["x"].clone()
}

#[test]
fn has_is_term_matching_and_contains_is_substring() {
    let q = |op: &str, s: &str| {
        column(
            &format!("DeviceProcessEvents | where ProcessCommandLine {op} \"{s}\" | order by ReportId asc"),
            "ReportId",
        )
    };
    assert_eq!(q("has", "encodedcommand"), [json!(1)]);
    assert_eq!(q("contains", "encodedcommand"), [json!(1), json!(4)]);
    assert_eq!(q("has", "-enc"), [json!(3)]);
    assert_eq!(q("has", "cmd.exe"), [json!(2)]);
    assert_eq!(q("has_cs", "EncodedCommand"), [json!(1)]);
    assert_eq!(q("has_cs", "encodedcommand"), Vec::<Json>::new());
    assert_eq!(q("!has", "powershell"), [json!(2), json!(4), json!(5)]);
    assert_eq!(q("hasprefix", "who"), [json!(2)]);
    assert_eq!(q("startswith", "POWERSHELL"), [json!(1), json!(3)]);
    assert_eq!(q("endswith", ".txt"), [json!(4)]);
    assert_eq!(q("matches regex", "-[Ee]nc\\\\b"), [json!(3)]);
    let any = column(
        "DeviceProcessEvents | where ProcessCommandLine has_any ('whoami', 'netsvcs') | order by ReportId asc",
        "ReportId",
    );
    assert_eq!(any, [json!(2), json!(5)]);
    let all = column(
        "DeviceProcessEvents | where ProcessCommandLine has_all ('cmd.exe', 'whoami')",
        "ReportId",
    );
    assert_eq!(all, [json!(2)]);
}

#[test]
fn equality_in_and_case() {
    assert_eq!(
        column(
            "DeviceProcessEvents | where FileName =~ 'POWERSHELL.EXE' | count",
            "Count"
        ),
        [json!(2)]
    );
    assert_eq!(
        column(
            "DeviceProcessEvents | where FileName == 'POWERSHELL.EXE' | count",
            "Count"
        ),
        [json!(0)]
    );
    assert_eq!(
        column(
            "DeviceProcessEvents | where FileName in~ ('CMD.exe', 'notepad.exe') | count",
            "Count"
        ),
        [json!(2)]
    );
    assert_eq!(
        column("DeviceProcessEvents | where FileName !in ('cmd.exe') | count", "Count"),
        [json!(4)]
    );
    let q = "let names = DeviceInfo | where OSPlatform startswith 'Windows' | project DeviceName; \
             DeviceProcessEvents | where DeviceName in (names) | distinct DeviceName | order by DeviceName asc";
    assert_eq!(column(q, "DeviceName"), [json!("alpha"), json!("beta")]);
}

#[test]
fn nulls_and_empty_strings() {
    // AccountName is missing on row 4: a string column reads as empty, never null.
    assert_eq!(
        column(
            "DeviceProcessEvents | where isempty(AccountName) | project ReportId",
            "ReportId"
        ),
        [json!(4)]
    );
    assert_eq!(
        column("DeviceProcessEvents | where isnull(AccountName) | count", "Count"),
        [json!(0)]
    );
    // A missing long is null: comparisons with null are not true, and isnull finds it.
    assert_eq!(
        column("DeviceProcessEvents | where isnull(ProcessId) | count", "Count"),
        [json!(5)]
    );
    assert_eq!(
        column(
            "DeviceProcessEvents | where ProcessId > 0 or ProcessId <= 0 | count",
            "Count"
        ),
        [json!(0)]
    );
    assert_eq!(scalar("toint('x')"), Json::Null);
    assert_eq!(scalar("1 + int(null)"), Json::Null);
    assert_eq!(scalar("isempty('')"), json!(true));
    assert_eq!(scalar("tostring(long(null))"), json!(""));
}

#[test]
fn summarize_names_groups_and_nulls() {
    let r = rows(
        "DeviceProcessEvents | summarize count(), dcount(DeviceId), make_set(FileName) by AccountName | order by AccountName asc",
    );
    assert_eq!(
        names("DeviceProcessEvents | summarize count(), dcount(DeviceId), make_set(FileName) by AccountName"),
        ["AccountName", "count_", "dcount_DeviceId", "set_FileName"]
    );
    // The empty AccountName is a group of its own.
    assert_eq!(r[0]["AccountName"], "");
    assert_eq!(r[0]["count_"], 1);
    assert_eq!(r[1]["AccountName"], "ann");
    assert_eq!(r[1]["count_"], 2);
    assert_eq!(r[1]["set_FileName"], json!(["powershell.exe", "cmd.exe"]));
    // Null keys (a long column) group together; aggregates skip nulls.
    let r = rows(
        "datatable(k:long, v:long) [1, 10, long(null), 20, long(null), long(null), 1, long(null)] \
                  | summarize n = count(), s = sum(v), m = max(v), a = avg(v) by k | order by k asc",
    );
    assert_eq!(r.len(), 2);
    assert_eq!(r[0]["k"], Json::Null);
    assert_eq!(r[0]["n"], 2);
    assert_eq!(r[0]["s"], 20);
    assert_eq!(r[1]["s"], 10);
    assert_eq!(r[1]["a"], 10.0);
    // No keys and no rows: one row, count 0.
    assert_eq!(
        column("DeviceProcessEvents | where false | summarize count()", "count_"),
        [json!(0)]
    );
    assert!(rows("DeviceProcessEvents | where false | summarize count() by DeviceId").is_empty());
}

#[test]
fn arg_max_star_and_expressions_over_aggregates() {
    let q = "DeviceInfo | summarize arg_max(Timestamp, *) by DeviceId | order by DeviceId asc";
    let n = names(q);
    assert_eq!(&n[..2], ["DeviceId", "Timestamp"]);
    assert_eq!(n.iter().filter(|c| *c == "DeviceId").count(), 1);
    let r = rows(q);
    assert_eq!(r[0]["Timestamp"], "2030-01-01T06:00:00.0000000Z");
    assert_eq!(r.len(), 3);
    let r = rows("DeviceProcessEvents | summarize ratio = 100.0 * countif(FileName == 'powershell.exe') / count()");
    assert_eq!(r[0]["ratio"], 40.0);
    let r = rows("DeviceProcessEvents | summarize p = percentile(ReportId, 50), pp = percentiles(ReportId, 20, 100)");
    assert_eq!(r[0]["p"], 3);
}

#[test]
fn bin_on_datetimes_and_time_arithmetic() {
    assert_eq!(
        scalar("bin(datetime(2030-01-01 11:30:00), 1h)"),
        "2030-01-01T11:00:00.0000000Z"
    );
    assert_eq!(
        scalar("bin(datetime(2030-01-01 11:30:00), 1d)"),
        "2030-01-01T00:00:00.0000000Z"
    );
    // Week bins start on Monday (.NET ticks count from 0001-01-01, a Monday): 2029-12-31.
    assert_eq!(scalar("bin(datetime(2030-01-03), 7d)"), "2029-12-31T00:00:00.0000000Z");
    assert_eq!(scalar("bin(17, 5)"), 15);
    assert_eq!(scalar("datetime(2030-01-02) - datetime(2030-01-01)"), "1.00:00:00");
    assert_eq!(scalar("ago(1d)"), "2030-01-01T00:00:00.0000000Z");
    assert_eq!(scalar("now() - 1h"), "2030-01-01T23:00:00.0000000Z");
    assert_eq!(
        scalar("datetime_diff('day', datetime(2030-01-03 01:00), datetime(2030-01-01 23:00))"),
        2
    );
    assert_eq!(
        scalar("startofweek(datetime(2030-01-03))"),
        "2029-12-30T00:00:00.0000000Z"
    );
    assert_eq!(
        scalar("format_datetime(datetime(2030-01-03 04:05:06.789), 'yyyy-MM-dd HH:mm:ss.fff')"),
        "2030-01-03 04:05:06.789"
    );
    let r = rows(
        "DeviceProcessEvents | where Timestamp > ago(1d) | summarize count() by bin(Timestamp, 12h) | order by Timestamp asc",
    );
    assert_eq!(r.len(), 2);
    assert_eq!(r[0]["count_"], 2);
    assert_eq!(r[1]["Timestamp"], "2030-01-01T12:00:00.0000000Z");
}

#[test]
fn mv_expand_of_empty_arrays_and_nulls() {
    // An empty array makes no row; null makes one null row (the docs' "Returns").
    let r = rows(
        "datatable(k:string, a:dynamic) ['x', dynamic([1,2]), 'y', dynamic([]), 'z', dynamic(null)] | mv-expand a",
    );
    assert_eq!(r.len(), 3);
    assert_eq!(r[0]["a"], 1);
    assert_eq!(r[2]["k"], "z");
    assert_eq!(r[2]["a"], Json::Null);
    // `to typeof(string)` casts: a number is not a string, and a string column has no null.
    let r = rows("print a = dynamic(['p', 2]) | mv-expand with_itemindex=i a to typeof(string)");
    assert_eq!(r[0]["a"], "p");
    assert_eq!(r[1]["a"], "");
    assert_eq!(r[1]["i"], 1);
    let r = rows("print b = dynamic({'k1': 1, 'k2': 2}) | mv-expand b");
    assert_eq!(r[0]["b"], json!({"k1": 1}));
}

#[test]
fn join_kinds_innerunique_and_collision_names() {
    let left = "datatable(k:string, l:long) ['a', 1, 'a', 2, 'b', 3]";
    let right = "datatable(k:string, r:long) ['a', 10, 'a', 20, 'c', 30]";
    let q = |kind: &str| rows(&format!("{left} | join {kind} ({right}) on k"));
    // innerunique (the default) keeps one left row per key: 2 rows; inner: 4.
    assert_eq!(q("").len(), 2);
    assert_eq!(q("kind=innerunique").len(), 2);
    assert_eq!(q("kind=inner").len(), 4);
    assert_eq!(
        names(&format!("{left} | join kind=inner ({right}) on k")),
        ["k", "l", "k1", "r"]
    );
    let lo = q("kind=leftouter");
    assert_eq!(lo.len(), 5);
    assert!(lo.iter().any(|r| r["k"] == "b" && r["r"].is_null() && r["k1"] == ""));
    assert_eq!(q("kind=rightouter").len(), 5);
    assert_eq!(q("kind=fullouter").len(), 6);
    assert_eq!(q("kind=leftanti").len(), 1);
    assert_eq!(q("kind=leftsemi").len(), 2);
    assert_eq!(q("kind=rightsemi").len(), 2);
    assert_eq!(q("kind=rightanti").len(), 1);
    assert_eq!(
        names(&format!("{left} | join kind=leftsemi ({right}) on k")),
        ["k", "l"]
    );
    let r = rows(&format!(
        "{left} | join kind=inner ({right}) on $left.k == $right.k | count"
    ));
    assert_eq!(r[0]["Count"], 4);
    let r = rows("DeviceProcessEvents | join kind=inner (DeviceInfo) on DeviceId | count");
    assert_eq!(r[0]["Count"], 6);
    let r = rows(
        "DeviceProcessEvents | lookup (DeviceInfo | summarize arg_max(Timestamp, OSPlatform) by DeviceId) on DeviceId | where isnotempty(OSPlatform) | count",
    );
    assert_eq!(r[0]["Count"], 4);
}

#[test]
fn project_extend_and_their_names() {
    assert_eq!(
        names("DeviceProcessEvents | project DeviceName, x = 1, tolower(FileName), strlen(FileName) | take 1"),
        ["DeviceName", "x", "Column1", "strlen_FileName"]
    );
    assert_eq!(
        names("DeviceInfo | project-away Timestamp, OS* | project-reorder DeviceName")[..2],
        ["DeviceName", "DeviceId"]
    );
    assert_eq!(
        names("DeviceInfo | project-rename Name = DeviceName | project Name"),
        ["Name"]
    );
    let r =
        rows("print d = dynamic({'a': {'b': [5, 6]}}) | extend x = d.a.b[-1], y = d['a']['b'][0], t = typeof(long)");
    assert_eq!(r[0]["x"], 6);
    assert_eq!(r[0]["y"], 5);
}

#[test]
fn sort_top_take_distinct_count() {
    assert_eq!(
        column("DeviceProcessEvents | top 2 by ReportId", "ReportId"),
        [json!(5), json!(4)]
    );
    assert_eq!(
        column("DeviceProcessEvents | order by ReportId | take 1", "ReportId"),
        [json!(5)]
    );
    assert_eq!(
        column(
            "DeviceProcessEvents | sort by DeviceName asc, ReportId desc | take 2",
            "ReportId"
        ),
        [json!(2), json!(1)]
    );
    assert_eq!(
        column("DeviceProcessEvents | distinct DeviceId | count", "Count"),
        [json!(3)]
    );
    // Nulls sort first ascending and last descending.
    let r = column("datatable(v:long) [2, long(null), 1] | order by v asc", "v");
    assert_eq!(r, [Json::Null, json!(1), json!(2)]);
    let r = column("datatable(v:long) [2, long(null), 1] | order by v desc", "v");
    assert_eq!(r, [json!(2), json!(1), Json::Null]);
}

#[test]
fn strings_and_dynamic_functions() {
    assert_eq!(
        scalar("extract('-(enc|EncodedCommand) ([A-Za-z0-9=]+)', 2, 'x -enc QUJD')"),
        "QUJD"
    );
    assert_eq!(scalar("extract('(\\\\d+)', 1, 'abc', typeof(long))"), Json::Null);
    assert_eq!(scalar("extract('(\\\\d+)', 1, 'a42', typeof(long))"), 42);
    assert_eq!(scalar("split('a,b,c', ',')"), json!(["a", "b", "c"]));
    assert_eq!(scalar("split('a,b,c', ',', 1)"), json!(["b"]));
    assert_eq!(scalar("strcat('a', 1, 'b')"), "a1b");
    assert_eq!(scalar("replace_string('aXbX', 'X', '-')"), "a-b-");
    assert_eq!(scalar("replace_regex('ab12', @'(\\d)', @'<\\1>')"), "ab<1><2>");
    assert_eq!(scalar("tolower('ABC')"), "abc");
    assert_eq!(scalar("array_length(dynamic([1,2,3]))"), 3);
    assert_eq!(scalar("parse_json('{\"a\": 1}').a"), 1);
    assert_eq!(scalar("tostring(parse_json('{\"a\": \"s\"}').a)"), "s");
    assert_eq!(scalar("base64_decode_tostring('ZWNobw==')"), "echo");
    assert_eq!(scalar("iff(1 > 2, 'a', 'b')"), "b");
    assert_eq!(scalar("case(false, 1, true, 2, 3)"), 2);
    assert_eq!(scalar("coalesce('', 'x')"), "x");
    assert_eq!(scalar("set_has_element(dynamic(['a', 'b']), 'b')"), true);
    assert_eq!(scalar("ipv4_is_private('10.1.2.3')"), true);
    assert_eq!(scalar("ipv4_is_in_range('192.168.1.7', '192.168.1.0/24')"), true);
    assert_eq!(
        scalar("parse_url('https://u:p@h.example:8080/p/a?q=1#f').Host"),
        "h.example"
    );
    assert_eq!(
        scalar("parse_command_line('a.exe \"b c\" d', 'windows')"),
        json!(["a.exe", "b c", "d"])
    );
    assert_eq!(scalar("countof('aaa', 'aa')"), 2);
    assert_eq!(scalar("indexof('abcabc', 'c', 0, -1, 2)"), 5);
    assert_eq!(scalar("substring('abcdef', 2, 3)"), "cde");
    assert_eq!(scalar("trim(@'\\s', '  x  ')"), "x");
    assert_eq!(scalar("bag_pack('k', 1)"), json!({"k": 1}));
    assert_eq!(scalar("pack_array(1, 'a')"), json!([1, "a"]));
    assert_eq!(scalar("array_sort_asc(dynamic([3, 1, 2]))"), json!([1, 2, 3]));
    assert_eq!(scalar("round(2.567, 2)"), 2.57);
    assert_eq!(scalar("7 / 2"), 3);
    assert_eq!(scalar("7 / 2.0"), 3.5);
}

#[test]
fn lets_functions_materialize_union_and_sources() {
    let q = "let threshold = 1; let T = materialize(DeviceProcessEvents | summarize n = count() by DeviceId); \
             let f = (x: long) { x * 2 }; T | where n > threshold | extend m = f(n)";
    let r = rows(q);
    assert_eq!(r.len(), 2);
    assert!(r.iter().all(|x| x["m"] == 4));
    let r = rows(
        "union withsource=Source DeviceInfo, (DeviceProcessEvents | take 1) | summarize count() by Source | order by Source asc",
    );
    assert_eq!(
        r,
        [
            json!({"Source": "DeviceInfo", "count_": 4}),
            json!({"Source": "DeviceProcessEvents", "count_": 1})
        ]
    );
    let r = rows("range x from 1 to 5 step 2");
    assert_eq!(r.len(), 3);
    let r = rows("let t = toscalar(DeviceInfo | count); print t");
    assert_eq!(r[0]["t"], 4);
    // Every table of the schema exists, empty.
    assert_eq!(column("EmailEvents | count", "Count"), [json!(0)]);
    let r = rows("externaldata(a:string) [@'https://example.com/list.csv'] with (format='csv')");
    assert!(r.is_empty());
    let out = try_run("externaldata(a:string) [@'https://example.com/list.csv'] with (format='csv')").unwrap();
    assert!(
        out.warnings[0].contains("never reads the network"),
        "{:?}",
        out.warnings
    );
}

#[test]
fn parse_make_series_top_nested_and_plugins() {
    let r = rows("print s = 'user=ann id=42 end' | parse s with 'user=' User ' id=' Id:long ' ' *");
    assert_eq!(r[0]["User"], "ann");
    assert_eq!(r[0]["Id"], 42);
    let r = rows("print s = 'nothing' | parse-where s with 'user=' User ' ' *");
    assert!(r.is_empty());
    let r = rows(
        "DeviceProcessEvents | where Timestamp > ago(1d) | make-series n = count() default = 0 on Timestamp from datetime(2030-01-01) to datetime(2030-01-02) step 12h by DeviceId | order by DeviceId asc",
    );
    assert_eq!(r[0]["n"], json!([2, 0]));
    assert_eq!(r[1]["n"], json!([0, 1]));
    assert_eq!(
        r[0]["Timestamp"],
        json!(["2030-01-01T00:00:00.0000000Z", "2030-01-01T12:00:00.0000000Z"])
    );
    let r = rows("DeviceProcessEvents | top-nested 1 of DeviceName by count()");
    assert_eq!(r.len(), 1);
    let r = rows("print d = dynamic({'a': 1, 'b': 'x'}) | evaluate bag_unpack(d)");
    assert_eq!(
        names("print d = dynamic({'a': 1, 'b': 'x'}) | evaluate bag_unpack(d)"),
        ["a", "b"]
    );
    assert_eq!(r[0]["b"], "x");
    let r = rows(
        "DeviceProcessEvents | project AccountName, FileName | evaluate pivot(FileName) | order by AccountName asc",
    );
    assert_eq!(r[1]["powershell.exe"], 1);
}

#[test]
fn errors_name_the_construct() {
    let e = try_run("DeviceProcessEvents | extend x = series_fir(dynamic([1]), dynamic([1]))").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert!(e.message.contains("series_fir"), "{}", e.message);
    let e = try_run("DeviceProcessEvents | where FileName matches regex '('").unwrap_err();
    assert!(e.message.contains("regular expression"), "{}", e.message);
    let deadline = Options {
        deadline: Some(Instant::now()),
        ..options()
    };
    std::thread::sleep(std::time::Duration::from_millis(2));
    let e = run("DeviceProcessEvents | count", &tenant(), &deadline).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout);
}

#[test]
fn the_window_restricts_every_table() {
    let window = Options {
        window: Some((
            crate::kql::value::parse_datetime_ticks("2030-01-01T11:00:00Z").unwrap(),
            crate::kql::value::parse_datetime_ticks("2030-01-01T12:00:00Z").unwrap(),
        )),
        ..options()
    };
    let out = run("DeviceProcessEvents | count", &tenant(), &window).unwrap();
    assert_eq!(out.table.columns[0].get(0), Value::Long(2));
}
