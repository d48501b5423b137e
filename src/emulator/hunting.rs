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
use serde_json::Value;

use crate::kql::data::{Table, graph_type_name};
use crate::kql::eval::{self, ErrorKind, Options, Tenant};
use crate::kql::value::{TICKS_PER_DAY, TICKS_PER_SECOND, parse_datetime_ticks, ticks};

/// Results past this many rows are cut off (Graph's limit).
pub const MAX_ROWS: usize = 100_000;
/// The most bytes of results one answer carries (the Defender API's 124 MB).
pub const MAX_RESULT_BYTES: usize = 124 * 1000 * 1000;

/// What a query's run gave: its results, or an error's status, code and message.
pub enum Answer {
    Ok(Results),
    Err(u16, &'static str, String),
}

/// A query's result table and the engine's warnings.
pub struct Results {
    pub table: Table,
    pub warnings: Vec<String>,
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
    Answer::Ok(Results {
        table: out.table,
        warnings: out.warnings,
    })
}

impl Results {
    /// Graph's body, `{"@odata.context": ..., "schema": [...], "results": [...]}`, written
    /// straight from the columns (a row is never a JSON tree); the results cut at
    /// [`MAX_ROWS`]. `Err`: the results pass [`MAX_RESULT_BYTES`] (the Defender API's 400).
    pub fn write(&self, context: Option<&str>) -> Result<Vec<u8>, String> {
        let t = &self.table;
        let mut out = Vec::with_capacity(4096);
        out.push(b'{');
        if let Some(c) = context {
            out.extend_from_slice(b"\"@odata.context\":");
            write_str(&mut out, c);
            out.push(b',');
        }
        out.extend_from_slice(b"\"schema\":[");
        for (i, (n, c)) in t.names.iter().zip(&t.columns).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"name\":");
            write_str(&mut out, n);
            out.extend_from_slice(b",\"type\":");
            write_str(&mut out, graph_type_name(c.ty));
            out.push(b'}');
        }
        out.extend_from_slice(b"],\"results\":[");
        let keys: Vec<Vec<u8>> = t
            .names
            .iter()
            .map(|n| {
                let mut k = Vec::new();
                write_str(&mut k, n);
                k.push(b':');
                k
            })
            .collect();
        let start = out.len();
        for r in 0..t.len.min(MAX_ROWS) {
            if r > 0 {
                out.push(b',');
            }
            out.push(b'{');
            for (i, (k, c)) in keys.iter().zip(&t.columns).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(k);
                write_cell(&mut out, c, r);
            }
            out.push(b'}');
            if out.len() - start > MAX_RESULT_BYTES {
                return Err("Query execution has exceeded the allowed result size. Optimize your query by reducing the number of results and columns, and try again.".into());
            }
        }
        out.push(b']');
        if !self.warnings.is_empty() {
            // Not a Graph property: the local tenant's notes (externaldata not read,
            // functions without data), which clients ignore.
            out.extend_from_slice(b",\"@graphsoar.warnings\":");
            out.extend_from_slice(serde_json::to_string(&self.warnings).unwrap_or_default().as_bytes());
        }
        out.push(b'}');
        Ok(out)
    }

    /// The body as JSON (tests and tools).
    pub fn to_value(&self) -> Value {
        self.write(None)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Value::Null)
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    // serde_json's escaping; writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

fn write_cell(out: &mut Vec<u8>, c: &crate::kql::data::Column, r: usize) {
    use crate::kql::Type;
    use crate::kql::data::Data;
    use std::io::Write as _;
    match &c.data {
        Data::Str(s) => write_str(out, s.get(r)),
        Data::Long(v) => match (v[r], c.ty) {
            (None, _) => out.extend_from_slice(b"null"),
            (Some(t), Type::DateTime) => write_str(out, &crate::kql::value::format_datetime(t)),
            (Some(t), Type::TimeSpan) => write_str(out, &crate::kql::format_timespan(t)),
            (Some(x), _) => {
                let _ = write!(out, "{x}");
            }
        },
        Data::Bool(v) => out.extend_from_slice(match v[r] {
            None => b"null",
            Some(true) => b"true",
            Some(false) => b"false",
        }),
        Data::Real(v) => match v[r] {
            None => out.extend_from_slice(b"null"),
            Some(x) if x.is_finite() => {
                let _ = serde_json::to_writer(&mut *out, &x);
            }
            Some(x) => write_str(out, &crate::kql::value::format_real(x)),
        },
        Data::Nulls(_) => out.extend_from_slice(match c.ty {
            Type::String | Type::Guid => b"\"\"",
            _ => b"null",
        }),
        Data::Dyn(v) => match &v[r] {
            None => out.extend_from_slice(b"null"),
            Some(j) => {
                let _ = serde_json::to_writer(&mut *out, &**j);
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_stop_at_100000_rows_and_keep_every_column() {
        let tenant = Tenant::default();
        let now = parse_datetime_ticks("2030-01-01T00:00:00Z").unwrap();
        let _ = now;
        let Answer::Ok(results) = answer(
            "range x from 1 to 100005 step 1 | extend s = strcat('v', x), n = long(null), d = datetime(2030-01-01)",
            &tenant,
            chrono::DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
                .unwrap()
                .to_utc(),
            None,
            Duration::from_secs(60),
        ) else {
            panic!("runs")
        };
        let body: Value = serde_json::from_slice(&results.write(Some("ctx")).unwrap()).unwrap();
        assert_eq!(body["@odata.context"], "ctx");
        let rows = body["results"].as_array().unwrap();
        assert_eq!(rows.len(), MAX_ROWS);
        assert_eq!(
            rows[0],
            serde_json::json!({"x": 1, "s": "v1", "n": null, "d": "2030-01-01T00:00:00.0000000Z"})
        );
        assert_eq!(
            body["schema"],
            serde_json::json!([{"name": "x", "type": "Int64"}, {"name": "s", "type": "String"},
                               {"name": "n", "type": "Int64"}, {"name": "d", "type": "DateTime"}])
        );
    }

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
