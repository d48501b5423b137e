//! Advanced hunting as the local tenant answers it: the KQL engine over the store's tables,
//! within the service's limits.
//!
//! The limits are Graph's (reference §8): the request's `timespan` restricts every table's
//! `Timestamp` (30 days back by default); results stop at 100,000 rows; a query runs at most
//! 3 minutes (configurable: `--hunting-timeout`). Graph documents no result-size cap; the
//! Defender API's is 124 MB with a 400, and the local tenant applies the same.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::kql::data::{Table, graph_type_name};
use crate::kql::eval::{self, ErrorKind, Options, Tenant};
use crate::kql::value::{TICKS_PER_DAY, TICKS_PER_SECOND, parse_datetime_ticks, ticks};

/// Results past this many rows are cut off (Graph's limit).
pub const MAX_ROWS: usize = 100_000;
/// The most bytes of results one answer carries (the Defender API's 124 MB).
pub const MAX_RESULT_BYTES: usize = 124 * 1000 * 1000;

/// What a query's run gave: the body of a 200, or an error's status, code and message.
pub enum Answer {
    Ok(Value),
    Err(u16, &'static str, String),
}

/// Every table of the schema, empty (a query over a table the dataset has no rows of runs and
/// returns nothing).
fn empty_tables() -> &'static BTreeMap<String, Arc<Table>> {
    static EMPTY: OnceLock<BTreeMap<String, Arc<Table>>> = OnceLock::new();
    EMPTY.get_or_init(|| Tenant::with_schema(crate::kql::Schema::advanced_hunting(), []).tables)
}

/// The tenant a query sees: the schema's tables, the store's over them.
pub fn tenant(tables: &BTreeMap<String, Arc<Table>>, external_dir: Option<std::path::PathBuf>) -> Tenant {
    let mut all = empty_tables().clone();
    all.extend(tables.iter().map(|(n, t)| (n.clone(), t.clone())));
    Tenant {
        tables: all,
        external_dir,
    }
}

/// Reads the request's `timespan` (ISO 8601: `start/end`, `duration/end`, `start/duration`,
/// a bare duration counted back from now, or a single datetime from then until now); none:
/// the last 30 days.
pub fn window(timespan: Option<&str>, now: i64) -> Result<(i64, i64), String> {
    let Some(text) = timespan.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok((now - 30 * TICKS_PER_DAY, now));
    };
    let bad = || {
        format!(
            "The timespan '{text}' is not valid: use ISO 8601, such as P30D, 2024-02-01T08:00:00Z/2024-02-15T08:00:00Z, P7D/2024-02-15T08:00:00Z or 2024-02-01T08:00:00Z/P7D."
        )
    };
    let part = |s: &str| -> Result<Part, String> {
        if let Some(d) = iso_duration(s) {
            Ok(Part::Duration(d))
        } else if let Some(t) = parse_datetime_ticks(s) {
            Ok(Part::Time(t))
        } else {
            Err(bad())
        }
    };
    let (start, end) = match text.split_once('/') {
        None => match part(text)? {
            Part::Duration(d) => (now - d, now),
            Part::Time(t) => (t, now),
        },
        Some((a, b)) => match (part(a)?, part(b)?) {
            (Part::Time(s), Part::Time(e)) => (s, e),
            (Part::Duration(d), Part::Time(e)) => (e - d, e),
            (Part::Time(s), Part::Duration(d)) => (s, s + d),
            (Part::Duration(_), Part::Duration(_)) => return Err(bad()),
        },
    };
    if start > end {
        return Err(format!("The timespan '{text}' ends before it starts."));
    }
    Ok((start, end))
}

enum Part {
    Duration(i64),
    Time(i64),
}

/// An ISO 8601 duration (`P30D`, `PT1H30M`, `P1W`; a year is 365 days, a month 30) in ticks.
fn iso_duration(s: &str) -> Option<i64> {
    let rest = s.trim().strip_prefix(['P', 'p'])?;
    let (date, time) = match rest.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let mut total = 0f64;
    let mut any = false;
    let mut read = |part: &str, units: &[(char, f64)]| -> Option<()> {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' || c == ',' {
                number.push(if c == ',' { '.' } else { c });
                continue;
            }
            let (_, seconds) = units.iter().find(|(u, _)| u.eq_ignore_ascii_case(&c))?;
            total += number.parse::<f64>().ok()? * seconds;
            number.clear();
            any = true;
        }
        number.is_empty().then_some(())
    };
    read(
        date,
        &[
            ('Y', 365.0 * 86400.0),
            ('M', 30.0 * 86400.0),
            ('W', 7.0 * 86400.0),
            ('D', 86400.0),
        ],
    )?;
    if let Some(t) = time {
        read(t, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)])?;
    }
    any.then_some((total * TICKS_PER_SECOND as f64) as i64)
}

/// Runs a query (already checked) and shapes Graph's answer.
pub fn answer(query: &str, tenant: &Tenant, now: DateTime<Utc>, timespan: Option<&str>, limit: Duration) -> Answer {
    let now = ticks(now.timestamp(), now.timestamp_subsec_nanos());
    let window = match window(timespan, now) {
        Ok(w) => w,
        Err(m) => return Answer::Err(400, "BadRequest", m),
    };
    let options = Options {
        now,
        window: Some(window),
        deadline: Some(Instant::now() + limit),
        ..Options::default()
    };
    let out = match eval::run(query, tenant, &options) {
        Ok(out) => out,
        Err(e) => {
            let (line, column) = crate::kql::line_col(query, e.span.start as usize);
            return match e.kind {
                // (Graph's own timeout error is not documented; this is the 504 the emulator
                // gives any request past its limit.)
                ErrorKind::Timeout => Answer::Err(
                    504,
                    "GatewayTimeout",
                    format!(
                        "The query ran longer than the {} s limit of one advanced-hunting query.",
                        limit.as_secs()
                    ),
                ),
                ErrorKind::Unsupported => Answer::Err(
                    501,
                    "NotImplemented",
                    format!("line {line}, column {column}: {}", e.message),
                ),
                ErrorKind::Semantic | ErrorKind::TooLarge => Answer::Err(
                    400,
                    "BadRequest",
                    format!("Query execution failed at line {line}, column {column}: {}", e.message),
                ),
            };
        }
    };
    results_body(&out.table, &out.warnings)
}

/// `{"schema": [...], "results": [...]}`, the results cut at [`MAX_ROWS`].
pub fn results_body(table: &Table, warnings: &[String]) -> Answer {
    let schema: Vec<Value> = table
        .names
        .iter()
        .zip(&table.columns)
        .map(|(n, c)| json!({"name": n, "type": graph_type_name(c.ty)}))
        .collect();
    let rows = table.len.min(MAX_ROWS);
    let mut results = Vec::with_capacity(rows);
    let mut bytes = 0usize;
    for r in 0..rows {
        let mut m = Map::new();
        for (n, c) in table.names.iter().zip(&table.columns) {
            let v = c.get(r).to_json();
            bytes += n.len() + json_size(&v) + 4;
            m.insert(n.clone(), v);
        }
        if bytes > MAX_RESULT_BYTES {
            return Answer::Err(
                400,
                "BadRequest",
                "Query execution has exceeded the allowed result size. Optimize your query by reducing the number of results and columns, and try again.".into(),
            );
        }
        results.push(Value::Object(m));
    }
    let mut body = json!({"schema": schema, "results": results});
    if !warnings.is_empty() {
        // Not a Graph property: the local tenant's notes (externaldata not read, functions
        // without data), which clients ignore.
        body["@graphsoar.warnings"] = json!(warnings);
    }
    Answer::Ok(body)
}

fn json_size(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len() + 2,
        Value::Null => 4,
        Value::Bool(_) => 5,
        Value::Number(_) => 12,
        other => other.to_string().len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans_in_every_iso_form() {
        let now = parse_datetime_ticks("2030-01-31T00:00:00Z").unwrap();
        let t = |s: &str| parse_datetime_ticks(s).unwrap();
        assert_eq!(window(None, now).unwrap(), (t("2030-01-01T00:00:00Z"), now));
        assert_eq!(window(Some("P1D"), now).unwrap(), (t("2030-01-30T00:00:00Z"), now));
        assert_eq!(window(Some("PT1H30M"), now).unwrap().0, t("2030-01-30T22:30:00Z"));
        assert_eq!(
            window(Some("2030-01-01T00:00:00Z/2030-01-02T00:00:00Z"), now).unwrap(),
            (t("2030-01-01T00:00:00Z"), t("2030-01-02T00:00:00Z"))
        );
        assert_eq!(
            window(Some("P7D/2030-01-15T00:00:00Z"), now).unwrap(),
            (t("2030-01-08T00:00:00Z"), t("2030-01-15T00:00:00Z"))
        );
        assert_eq!(
            window(Some("2030-01-01T00:00:00Z/P2D"), now).unwrap(),
            (t("2030-01-01T00:00:00Z"), t("2030-01-03T00:00:00Z"))
        );
        assert_eq!(
            window(Some("2030-01-20T00:00:00Z"), now).unwrap(),
            (t("2030-01-20T00:00:00Z"), now)
        );
        let e = window(Some("last week"), now).unwrap_err();
        assert!(e.contains("not valid: use ISO 8601"), "{e}");
        assert!(window(Some("P1D/P2D"), now).is_err());
        assert!(
            window(Some("2030-01-02T00:00:00Z/2030-01-01T00:00:00Z"), now)
                .unwrap_err()
                .contains("ends before")
        );
    }
}
