//! The emulator's data: alerts, incidents, advanced-hunting tables and recorded hunting answers.
//!
//! # Layout
//!
//! A dataset is a directory (the bundled one lives in `src/emulator/dataset/` and is compiled into the
//! binary; `--dataset DIR` loads the same layout from disk):
//!
//! ```text
//! alerts.json          JSON array of alerts exactly as GET /security/alerts_v2/{id} returns them
//! incidents.json       JSON array of incidents as GET /security/incidents/{id} returns them, without
//!                      `alerts` (the emulator joins alerts by `incidentId` for `$expand=alerts`)
//! hunting.json         optional: recorded hunting answers,
//!                      [{"query": "...", "schema": [{"name", "type"}], "results": [{...}]}]
//! tables/<Table>.jsonl optional: one advanced-hunting row (a JSON object) per line, e.g.
//!                      tables/DeviceProcessEvents.jsonl; blank lines are ignored
//! clients.json         optional: more client applications, beside the built-in ones (one with
//!                      a built-in's id replaces it): [{"clientId", "displayName"?, "secret"?,
//!                      "certificates"?: [PEM], "assertionAlgorithms"?: ["RS256"|"PS256"],
//!                      "roles": ["SecurityAlert.Read.All", ...]}]
//! ```
//!
//! Column names and types of the tables follow the advanced-hunting schema of the KQL module
//! ([`crate::kql::Schema::advanced_hunting`]); a row may leave columns out. Datetimes are ISO
//! strings, `dynamic` columns are JSON values, `string` columns that hold JSON (e.g.
//! `AdditionalFields` in the Device* tables) are JSON text.
//!
//! # Time convention
//!
//! Every datetime in a dataset is written relative to the fixed anchor [`ANCHOR`]
//! (`2030-01-01T00:00:00Z`), which stands for "the moment the emulator starts". The emulator calls
//! [`Dataset::shift_times`] with its start time, which moves every ISO datetime string, wherever it is
//! nested, by `start - ANCHOR`. So an alert written as created at `2029-12-31T23:40:00.1234567Z` was
//! created 20 minutes before the emulator started, and playbooks with `since: 1h` or queries with
//! `ago(1h)` find it. A datetime string is recognised by its shape (`YYYY-MM-DDTHH:MM:SS`, an optional
//! fraction, then `Z` or `+HH:MM`/`-HH:MM`); the fraction keeps its number of digits.
//!
//! Recorded answers are matched on the query text after [`normalize_query`].

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::auth::Client;

/// The instant every dataset datetime is written relative to; it stands for the emulator's start.
pub const ANCHOR: &str = "2030-01-01T00:00:00Z";

/// A loaded dataset. `tables` maps a table name (`DeviceProcessEvents`) to its rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    pub alerts: Vec<Value>,
    pub incidents: Vec<Value>,
    pub tables: BTreeMap<String, Vec<Value>>,
    /// Tables read from a dataset folder, straight into the KQL engine's columnar form (a
    /// million-row file never exists as JSON values).
    pub columnar: BTreeMap<String, crate::kql::data::Table>,
    pub hunting: Vec<RecordedAnswer>,
    /// Client applications beyond the built-in ones (`clients.json`).
    pub clients: Vec<Client>,
}

/// A recorded answer of `runHuntingQuery` for one query text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedAnswer {
    pub query: String,
    pub schema: Vec<Value>,
    pub results: Vec<Value>,
}

/// Why a dataset could not be loaded. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: invalid JSON at line {line}, column {column}: {message}")]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}, line {line}: {message}")]
    Line {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

macro_rules! bundled_tables {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("dataset/tables/", $name, ".jsonl")))),*]
    };
}

const BUNDLED_ALERTS: &str = include_str!("dataset/alerts.json");
const BUNDLED_INCIDENTS: &str = include_str!("dataset/incidents.json");
const BUNDLED_TABLES: &[(&str, &str)] = bundled_tables!(
    "AlertEvidence",
    "AlertInfo",
    "CloudAppEvents",
    "DeviceEvents",
    "DeviceFileEvents",
    "DeviceImageLoadEvents",
    "DeviceInfo",
    "DeviceLogonEvents",
    "DeviceNetworkEvents",
    "DeviceProcessEvents",
    "DeviceRegistryEvents",
    "EmailAttachmentInfo",
    "EmailEvents",
    "EmailUrlInfo",
    "IdentityLogonEvents",
    "UrlClickEvents",
);

/// The dataset compiled into the binary (times still relative to [`ANCHOR`]).
pub fn bundled() -> Result<Dataset, DatasetError> {
    let base = Path::new("dataset");
    let mut ds = Dataset {
        alerts: parse_entities(&base.join("alerts.json"), BUNDLED_ALERTS, "alert")?,
        incidents: parse_entities(&base.join("incidents.json"), BUNDLED_INCIDENTS, "incident")?,
        // Hunting queries are answered by the KQL engine; recorded answers are only an
        // explicit override (`hunting.json` of a dataset folder, POST /_emulator/load).
        hunting: Vec::new(),
        tables: BTreeMap::new(),
        columnar: BTreeMap::new(),
        clients: Vec::new(),
    };
    for (name, text) in BUNDLED_TABLES {
        let path = base.join("tables").join(format!("{name}.jsonl"));
        ds.tables.insert((*name).to_string(), parse_jsonl(&path, text)?);
    }
    Ok(ds)
}

/// Loads a dataset directory in the layout described in the module documentation. `alerts.json` and
/// `incidents.json` are required; `hunting.json` and `tables/` are optional.
pub fn load_dir(dir: &Path) -> Result<Dataset, DatasetError> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|source| DatasetError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let alerts_path = dir.join("alerts.json");
    let incidents_path = dir.join("incidents.json");
    let mut ds = Dataset {
        alerts: parse_entities(&alerts_path, &read(&alerts_path)?, "alert")?,
        incidents: parse_entities(&incidents_path, &read(&incidents_path)?, "incident")?,
        ..Dataset::default()
    };
    let hunting_path = dir.join("hunting.json");
    if hunting_path.exists() {
        ds.hunting = parse_hunting(&hunting_path, &read(&hunting_path)?)?;
    }
    let clients_path = dir.join("clients.json");
    if clients_path.exists() {
        ds.clients = parse_clients(&clients_path, &read(&clients_path)?)?;
    }
    let tables_dir = dir.join("tables");
    if tables_dir.is_dir() {
        let entries = std::fs::read_dir(&tables_dir).map_err(|source| DatasetError::Io {
            path: tables_dir.clone(),
            source,
        })?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| DatasetError::Io {
                path: tables_dir.clone(),
                source,
            })?;
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) == Some("jsonl") {
                files.push(path);
            }
        }
        files.sort();
        for path in files {
            let Some(name) = path.file_stem().and_then(|s| s.to_str()).map(str::to_string) else {
                return Err(DatasetError::Invalid {
                    path,
                    message: "the file name is not valid UTF-8".into(),
                });
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(DatasetError::Invalid {
                    path,
                    message: format!("`{name}` is not a table name (letters, digits and `_` only)"),
                });
            }
            let table = parse_jsonl_columnar(&path, &name)?;
            ds.columnar.insert(name, table);
        }
    }
    Ok(ds)
}

fn json_error(path: &Path, e: &serde_json::Error) -> DatasetError {
    DatasetError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    }
}

/// An array of objects, each with a unique non-empty string `id`.
fn parse_entities(path: &Path, text: &str, what: &str) -> Result<Vec<Value>, DatasetError> {
    let value: Value = serde_json::from_str(text).map_err(|e| json_error(path, &e))?;
    let Value::Array(items) = value else {
        return Err(DatasetError::Invalid {
            path: path.to_path_buf(),
            message: format!("expected a JSON array of {what}s"),
        });
    };
    let mut ids = HashSet::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let invalid = |message: String| DatasetError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let Value::Object(map) = item else {
            return Err(invalid(format!("{what} #{i} is not a JSON object")));
        };
        let Some(id) = map.get("id").and_then(Value::as_str).filter(|id| !id.is_empty()) else {
            return Err(invalid(format!("{what} #{i} has no string `id`")));
        };
        if !ids.insert(id) {
            return Err(invalid(format!("{what} #{i}: duplicate id `{id}`")));
        }
    }
    Ok(items)
}

fn parse_clients(path: &Path, text: &str) -> Result<Vec<Client>, DatasetError> {
    let clients: Vec<Client> = serde_json::from_str(text).map_err(|e| json_error(path, &e))?;
    let invalid = |message: String| DatasetError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    for (i, client) in clients.iter().enumerate() {
        let id = &client.client_id;
        if id.trim().is_empty() {
            return Err(invalid(format!("client #{i} has an empty clientId")));
        }
        if client.secret.is_none() && client.certificates.is_empty() {
            return Err(invalid(format!(
                "client #{i} (`{id}`) has neither a secret nor certificates: give one, or it can never get a token"
            )));
        }
        if let Some(bad) = client
            .assertion_algorithms
            .iter()
            .find(|a| !matches!(a.as_str(), "RS256" | "PS256"))
        {
            return Err(invalid(format!(
                "client #{i} (`{id}`): assertion algorithm `{bad}` is not RS256 or PS256"
            )));
        }
        super::assertion::parse_certificates(client).map_err(|e| invalid(format!("client #{i}: {e}")))?;
    }
    Ok(clients)
}

fn parse_hunting(path: &Path, text: &str) -> Result<Vec<RecordedAnswer>, DatasetError> {
    let answers: Vec<RecordedAnswer> = serde_json::from_str(text).map_err(|e| json_error(path, &e))?;
    for (i, a) in answers.iter().enumerate() {
        if a.query.trim().is_empty() {
            return Err(DatasetError::Invalid {
                path: path.to_path_buf(),
                message: format!("answer #{i} has an empty query"),
            });
        }
        if let Some(bad) = a
            .schema
            .iter()
            .position(|c| !(c.get("name").is_some_and(Value::is_string) && c.get("type").is_some_and(Value::is_string)))
        {
            return Err(DatasetError::Invalid {
                path: path.to_path_buf(),
                message: format!("answer #{i}: schema entry #{bad} needs string `name` and `type`"),
            });
        }
        if let Some(bad) = a.results.iter().position(|r| !r.is_object()) {
            return Err(DatasetError::Invalid {
                path: path.to_path_buf(),
                message: format!("answer #{i}: result #{bad} is not a JSON object"),
            });
        }
    }
    Ok(answers)
}

/// One JSON object per non-blank line.
fn parse_jsonl(path: &Path, text: &str) -> Result<Vec<Value>, DatasetError> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(row) = jsonl_row(path, i + 1, line)? {
            rows.push(Value::Object(row));
        }
    }
    Ok(rows)
}

/// Line `lineno` of a JSONL file: its row, or `None` for a blank line.
fn jsonl_row(path: &Path, lineno: usize, line: &str) -> Result<Option<serde_json::Map<String, Value>>, DatasetError> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(None);
    }
    let value: Value = serde_json::from_str(line).map_err(|e| DatasetError::Line {
        path: path.to_path_buf(),
        line: lineno,
        message: format!("invalid JSON at column {}: {e}", e.column()),
    })?;
    match value {
        Value::Object(row) => Ok(Some(row)),
        _ => Err(DatasetError::Line {
            path: path.to_path_buf(),
            line: lineno,
            message: "expected one JSON object (a row) per line".into(),
        }),
    }
}

/// Reads a JSONL table file line by line into columns (types from the schema).
fn parse_jsonl_columnar(path: &Path, name: &str) -> Result<crate::kql::data::Table, DatasetError> {
    use std::io::BufRead as _;
    let io = |source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let columns = crate::kql::Schema::advanced_hunting()
        .table(name)
        .map_or(&[][..], |t| t.columns.as_slice());
    let mut builder = crate::kql::data::TableBuilder::new(columns);
    for (i, line) in std::io::BufReader::with_capacity(1 << 20, file).lines().enumerate() {
        if let Some(row) = jsonl_row(path, i + 1, &line.map_err(io)?)? {
            builder.push_object(&row);
        }
    }
    Ok(builder.finish())
}

/// Trims the query and turns CRLF into LF: the form recorded answers are matched on.
pub fn normalize_query(q: &str) -> String {
    q.trim().replace("\r\n", "\n")
}

/// [`ANCHOR`] as a time.
pub(super) fn anchor() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_893_456_000, 0).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use chrono::TimeDelta;

    use super::super::shift::datetime_shape;
    use super::super::shipped::matcher;
    use super::*;
    use crate::kql::Type;

    fn ds() -> Dataset {
        bundled().expect("the bundled dataset loads")
    }

    fn st<'a>(v: &'a Value, k: &str) -> &'a str {
        v.get(k).and_then(Value::as_str).unwrap_or("")
    }

    fn time(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .with_timezone(&Utc)
    }

    fn rank(s: &str) -> u8 {
        ["unknown", "informational", "low", "medium", "high"]
            .iter()
            .position(|x| *x == s)
            .unwrap_or(0) as u8
    }

    #[test]
    fn alerts_cover_every_service_source_and_many_evidence_types() {
        let ds = ds();
        assert!(ds.alerts.len() >= 200, "{} alerts", ds.alerts.len());
        let sources: HashSet<&str> = ds.alerts.iter().map(|a| st(a, "serviceSource")).collect();
        for s in [
            "microsoftDefenderForEndpoint",
            "microsoftDefenderForIdentity",
            "microsoftDefenderForCloudApps",
            "microsoftDefenderForOffice365",
            "microsoft365Defender",
            "azureAdIdentityProtection",
            "microsoftAppGovernance",
            "dataLossPrevention",
        ] {
            assert!(sources.contains(s), "no alert from {s}");
        }
        let types: HashSet<&str> = ds
            .alerts
            .iter()
            .flat_map(|a| a["evidence"].as_array().into_iter().flatten())
            .map(|e| st(e, "@odata.type"))
            .collect();
        assert!(types.len() >= 12, "{types:?}");
        assert!(
            types
                .iter()
                .all(|t| t.starts_with("#microsoft.graph.security.") && t.ends_with("Evidence"))
        );
        let ids: HashSet<&str> = ds.alerts.iter().map(|a| st(a, "id")).collect();
        assert_eq!(ids.len(), ds.alerts.len());
        let statuses: HashSet<&str> = ds.alerts.iter().map(|a| st(a, "status")).collect();
        assert_eq!(statuses, HashSet::from(["new", "inProgress", "resolved"]));
        let anchor = anchor();
        for a in &ds.alerts {
            for k in [
                "tenantId",
                "providerAlertId",
                "alertWebUrl",
                "incidentWebUrl",
                "title",
                "category",
                "detectorId",
            ] {
                assert!(!st(a, k).is_empty(), "alert {} lacks {k}", st(a, "id"));
            }
            assert!(st(a, "alertWebUrl").starts_with("https://security.microsoft.com/alerts/"));
            let created = time(st(a, "createdDateTime"));
            assert!(time(st(a, "lastUpdateDateTime")) >= created, "{}", st(a, "id"));
            assert!(created < anchor);
            assert_eq!(
                st(a, "createdDateTime").len(),
                28,
                "7-digit fraction: {}",
                st(a, "createdDateTime")
            );
            if st(a, "status") == "resolved" {
                assert!(
                    !st(a, "classification").is_empty()
                        && !st(a, "determination").is_empty()
                        && !st(a, "resolvedDateTime").is_empty()
                );
            }
        }
        let last_hour = ds
            .alerts
            .iter()
            .filter(|a| time(st(a, "createdDateTime")) > anchor - TimeDelta::hours(1))
            .count();
        assert!(last_hour >= 20, "{last_hour} alerts in the last hour");
    }

    #[test]
    fn incidents_group_alerts_consistently() {
        let ds = ds();
        assert!(ds.incidents.len() >= 40);
        let incidents: HashMap<&str, &Value> = ds.incidents.iter().map(|i| (st(i, "id"), i)).collect();
        assert_eq!(incidents.len(), ds.incidents.len(), "incident ids are unique");
        let mut alerts_of: HashMap<&str, Vec<&Value>> = HashMap::new();
        for a in &ds.alerts {
            assert!(
                incidents.contains_key(st(a, "incidentId")),
                "alert {} names a missing incident",
                st(a, "id")
            );
            alerts_of.entry(st(a, "incidentId")).or_default().push(a);
        }
        for inc in &ds.incidents {
            assert!(inc.get("alerts").is_none(), "incidents do not embed alerts");
            if st(inc, "status") == "redirected" {
                // merged: its alerts moved to the surviving incident
                assert!(incidents.contains_key(st(inc, "redirectIncidentId")));
                continue;
            }
            let alerts = alerts_of
                .get(st(inc, "id"))
                .unwrap_or_else(|| panic!("incident {} has no alert", st(inc, "id")));
            let max = alerts.iter().map(|a| rank(st(a, "severity"))).max().unwrap_or(0);
            assert_eq!(rank(st(inc, "severity")), max, "incident {}", st(inc, "id"));
            assert!(time(st(inc, "lastUpdateDateTime")) >= time(st(inc, "createdDateTime")));
            for a in alerts {
                assert!(
                    time(st(inc, "lastUpdateDateTime")) >= time(st(a, "lastUpdateDateTime")),
                    "incident {}",
                    st(inc, "id")
                );
            }
            if st(inc, "status") == "resolved" {
                assert!(alerts.iter().all(|a| st(a, "status") == "resolved"));
            }
        }
        let statuses: HashSet<&str> = ds.incidents.iter().map(|i| st(i, "status")).collect();
        assert_eq!(
            statuses,
            HashSet::from(["active", "inProgress", "resolved", "redirected"])
        );
        assert!(
            ds.incidents
                .iter()
                .any(|i| !i["customTags"].as_array().is_none_or(Vec::is_empty))
        );
        // what notify-high-severity-incidents finds with `since: 1h`
        let recent_high = ds
            .incidents
            .iter()
            .filter(|i| st(i, "severity") == "high" && st(i, "status") == "active")
            .filter(|i| time(st(i, "lastUpdateDateTime")) > anchor() - TimeDelta::hours(1))
            .count();
        assert!(recent_high >= 5, "{recent_high} high active incidents in the last hour");
    }

    #[test]
    fn the_auto_close_stories_and_their_near_misses_are_there() {
        let ds = ds();
        let is_eicar = matcher("close-eicar-test-alerts");
        let is_admin_tool = matcher("close-approved-admin-tool-alerts");
        let is_scanner = matcher("close-vulnerability-scanner-alerts");
        let count = |f: &dyn Fn(&Value) -> bool| ds.alerts.iter().filter(|a| f(a)).count();
        let eicar = count(&is_eicar);
        let eicar_titles = count(&|a| st(a, "title").to_lowercase().contains("eicar") && st(a, "status") == "new");
        assert!(
            eicar >= 15 && eicar_titles > eicar,
            "{eicar} closable of {eicar_titles}"
        );
        let admin = count(&is_admin_tool);
        let psexec = count(&|a| st(a, "title").contains("PsExec") && st(a, "status") == "new");
        assert!(admin >= 6 && psexec > admin, "{admin} closable, {psexec} PsExec");
        let scanner = count(&is_scanner);
        let recon = count(&|a| st(a, "category") == "Discovery");
        assert!(scanner >= 6 && recon > scanner, "{scanner} closable of {recon}");
        // true positives are never auto-closed
        for a in &ds.alerts {
            let closable = is_eicar(a) || is_admin_tool(a) || is_scanner(a);
            assert!(!(closable && st(a, "severity") == "high"), "{}", st(a, "id"));
            assert!(
                !(closable
                    && st(a, "serviceSource") != "microsoftDefenderForEndpoint"
                    && st(a, "serviceSource") != "microsoftDefenderForIdentity")
            );
        }
        // within the playbooks' `since: 1h`
        let hour = anchor() - TimeDelta::hours(1);
        assert!(
            ds.alerts
                .iter()
                .filter(|a| is_eicar(a) && time(st(a, "lastUpdateDateTime")) > hour)
                .count()
                >= 4
        );
        assert!(
            ds.alerts
                .iter()
                .filter(|a| is_admin_tool(a) && time(st(a, "lastUpdateDateTime")) > hour)
                .count()
                >= 2
        );
    }

    #[test]
    fn tables_have_exactly_the_schema_columns_and_types() {
        let ds = ds();
        let schema = crate::kql::Schema::advanced_hunting();
        let total: usize = ds.tables.values().map(Vec::len).sum();
        assert!((1000..=3500).contains(&total), "{total} rows");
        for (table, rows) in &ds.tables {
            assert!(!rows.is_empty(), "{table} is empty");
            let cols = schema
                .table(table)
                .unwrap_or_else(|| panic!("{table} is not an advanced-hunting table"));
            let first: Vec<&String> = rows[0].as_object().expect("row object").keys().collect();
            for (i, r) in rows.iter().enumerate() {
                let m = r.as_object().expect("row object");
                assert_eq!(
                    m.keys().collect::<Vec<_>>(),
                    first,
                    "{table} row {i} has other columns than row 0"
                );
                for (c, v) in m {
                    let ty = cols.column(c).unwrap_or_else(|| panic!("{table} has no column {c}"));
                    let ok = v.is_null()
                        || match ty {
                            Type::DateTime => v.as_str().is_some_and(|s| datetime_shape(s).is_some()),
                            Type::String => v.is_string(),
                            Type::Long | Type::Int => v.is_i64(),
                            Type::Bool => v.is_boolean(),
                            _ => true,
                        };
                    assert!(ok, "{table} row {i}: {c} should be {ty}, is {v}");
                }
            }
        }
    }

    #[test]
    fn evidence_entities_appear_in_the_tables() {
        let ds = ds();
        let column = |tables: &[&str], cols: &[&str]| -> HashSet<String> {
            tables
                .iter()
                .flat_map(|t| ds.tables[*t].iter())
                .flat_map(|r| cols.iter().filter_map(move |c| r.get(*c).and_then(Value::as_str)))
                .map(str::to_lowercase)
                .collect()
        };
        let devices = column(&["DeviceInfo"], &["DeviceName"]);
        let device_ids = column(&["DeviceInfo"], &["DeviceId"]);
        let hashes = column(
            &["DeviceFileEvents", "DeviceProcessEvents", "EmailAttachmentInfo"],
            &["SHA256"],
        );
        let accounts = column(
            &["DeviceLogonEvents", "DeviceProcessEvents", "IdentityLogonEvents"],
            &["AccountName", "AccountUpn", "InitiatingProcessAccountName"],
        );
        let ips = column(
            &[
                "DeviceNetworkEvents",
                "IdentityLogonEvents",
                "CloudAppEvents",
                "EmailEvents",
                "DeviceLogonEvents",
                "UrlClickEvents",
            ],
            &["RemoteIP", "IPAddress", "SenderIPv4", "LocalIP"],
        );
        let messages = column(&["EmailEvents"], &["NetworkMessageId"]);
        let alert_info: HashSet<&str> = ds.tables["AlertInfo"].iter().map(|r| st(r, "AlertId")).collect();
        let mut evidence_rows: HashMap<&str, usize> = HashMap::new();
        for r in &ds.tables["AlertEvidence"] {
            *evidence_rows.entry(st(r, "AlertId")).or_default() += 1;
        }
        for a in &ds.alerts {
            let id = st(a, "id");
            assert!(alert_info.contains(id), "no AlertInfo row for {id}");
            let evidence = a["evidence"].as_array().expect("evidence");
            assert_eq!(
                evidence_rows.get(id).copied().unwrap_or(0),
                evidence.len(),
                "AlertEvidence rows of {id}"
            );
            for e in evidence {
                let kind = st(e, "@odata.type").trim_start_matches("#microsoft.graph.security.");
                let lower = |k: &str| st(e, k).to_lowercase();
                match kind {
                    "deviceEvidence" => {
                        assert!(
                            devices.contains(&lower("deviceDnsName")),
                            "{id}: device {}",
                            lower("deviceDnsName")
                        );
                        if e["mdeDeviceId"].is_string() {
                            assert!(device_ids.contains(&lower("mdeDeviceId")));
                        }
                    }
                    "fileEvidence" => {
                        if let Some(sha) = e.pointer("/fileDetails/sha256").and_then(Value::as_str) {
                            assert!(hashes.contains(&sha.to_lowercase()), "{id}: file {sha}");
                        }
                    }
                    "processEvidence" => {
                        let sha = e.pointer("/imageFile/sha256").and_then(Value::as_str).unwrap_or("");
                        assert!(hashes.contains(&sha.to_lowercase()), "{id}: process image {sha}");
                    }
                    "userEvidence" => {
                        let name = e
                            .pointer("/userAccount/accountName")
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        assert!(accounts.contains(&name.to_lowercase()), "{id}: account {name}");
                    }
                    "ipEvidence" => assert!(ips.contains(&lower("ipAddress")), "{id}: ip {}", lower("ipAddress")),
                    "analyzedMessageEvidence" => {
                        assert!(messages.contains(&lower("networkMessageId")), "{id}: message")
                    }
                    _ => {}
                }
            }
        }
    }

    fn hunting_queries() -> Vec<(String, String)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/playbooks");
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).expect("playbooks folder") {
            let path = entry.expect("entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("playbook");
            let doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("playbook YAML");
            if let Some(q) = doc
                .get("trigger")
                .and_then(|t| t.get("hunting"))
                .and_then(|h| h.get("query"))
                .and_then(|q| q.as_str())
            {
                out.push((path.display().to_string(), q.to_string()));
            }
        }
        out
    }

    #[test]
    fn every_hunting_playbook_finds_its_story_through_the_engine() {
        let ds = ds();
        assert!(ds.hunting.is_empty(), "the bundled dataset keeps no recorded answers");
        let store = crate::emulator::store::Store::from_dataset(ds).expect("store");
        let tenant = crate::emulator::hunting::tenant(&store.tables, None);
        let queries = hunting_queries();
        assert!(queries.len() >= 4, "{queries:?}");
        for (path, q) in &queries {
            let answer =
                crate::emulator::hunting::answer(q, &tenant, anchor(), None, std::time::Duration::from_secs(60));
            let body = match answer {
                crate::emulator::hunting::Answer::Ok(results) => results.to_value(),
                crate::emulator::hunting::Answer::Err(status, _, m) => panic!("{path}: {status} {m}"),
            };
            let results = body["results"].as_array().expect("results");
            assert!(
                !results.is_empty(),
                "{path}: the dataset should contain what the query finds"
            );
            eprintln!("{path}: {}", serde_json::to_string(&body).unwrap());
        }
    }

    #[test]
    fn normalize_query_trims_and_unifies_line_ends() {
        assert_eq!(normalize_query("  T\r\n| take 1\r\n\n"), "T\n| take 1");
    }

    /// A fresh dataset folder with its `tables/` (removed on drop).
    fn temp_dir(name: &str) -> crate::testutil::TempDir {
        let dir = crate::testutil::TempDir::new(&format!("dataset-{name}"));
        std::fs::create_dir_all(dir.path().join("tables")).expect("temp dir");
        dir
    }

    #[test]
    fn load_dir_reads_the_layout_and_round_trips_the_bundled_dataset() {
        let ds = ds();
        let tmp = temp_dir("roundtrip");
        let dir = tmp.path().to_path_buf();
        let write = |p: PathBuf, v: &dyn erased::Ser| std::fs::write(p, v.json()).expect("write");
        write(dir.join("alerts.json"), &ds.alerts);
        write(dir.join("incidents.json"), &ds.incidents);
        write(dir.join("hunting.json"), &ds.hunting);
        for (t, rows) in &ds.tables {
            let text: String = rows.iter().map(|r| format!("{r}\n\n")).collect();
            std::fs::write(dir.join("tables").join(format!("{t}.jsonl")), text).expect("write");
        }
        let loaded = load_dir(&dir).expect("load_dir");
        assert_eq!(
            (&loaded.alerts, &loaded.incidents, &loaded.hunting),
            (&ds.alerts, &ds.incidents, &ds.hunting)
        );
        assert_eq!(loaded.columnar.len(), ds.tables.len());
        for (t, rows) in &ds.tables {
            let expected = crate::emulator::table::columnar(t, rows.iter().filter_map(|r| r.as_object().cloned()));
            assert!(loaded.columnar[t] == expected, "{t}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    mod erased {
        pub trait Ser {
            fn json(&self) -> String;
        }
        impl<T: serde::Serialize> Ser for T {
            fn json(&self) -> String {
                serde_json::to_string(self).expect("serialize")
            }
        }
    }

    #[test]
    fn load_dir_errors_name_the_file_and_line() {
        let tmp = temp_dir("errors");
        let dir = tmp.path().to_path_buf();
        let err = load_dir(&dir).expect_err("no alerts.json").to_string();
        assert!(err.contains("alerts.json") && err.contains("cannot read"), "{err}");

        std::fs::write(dir.join("alerts.json"), "[{\"id\": \"a\"}, {\"id\": \"a\"}]").expect("write");
        std::fs::write(dir.join("incidents.json"), "[]").expect("write");
        let err = load_dir(&dir).expect_err("duplicate").to_string();
        assert!(err.contains("alerts.json") && err.contains("duplicate id `a`"), "{err}");

        std::fs::write(dir.join("alerts.json"), "{\"id\": \"a\"}").expect("write");
        let err = load_dir(&dir).expect_err("not an array").to_string();
        assert!(err.contains("expected a JSON array of alerts"), "{err}");

        std::fs::write(dir.join("alerts.json"), "[{\"id\": \"a\",}]").expect("write");
        let err = load_dir(&dir).expect_err("bad JSON").to_string();
        assert!(err.contains("alerts.json: invalid JSON at line 1"), "{err}");

        std::fs::write(dir.join("alerts.json"), "[{\"id\": \"a\"}]").expect("write");
        std::fs::write(
            dir.join("tables").join("DeviceInfo.jsonl"),
            "{\"Timestamp\": \"x\"}\n\n{\"DeviceName\": \n",
        )
        .expect("write");
        let err = load_dir(&dir).expect_err("bad JSONL").to_string();
        assert!(err.contains("DeviceInfo.jsonl, line 3: invalid JSON"), "{err}");

        std::fs::write(dir.join("tables").join("DeviceInfo.jsonl"), "{}\n[1, 2]\n").expect("write");
        let err = load_dir(&dir).expect_err("not an object").to_string();
        assert!(
            err.contains("DeviceInfo.jsonl, line 2: expected one JSON object"),
            "{err}"
        );

        std::fs::write(dir.join("tables").join("DeviceInfo.jsonl"), "{}\n").expect("write");
        std::fs::write(
            dir.join("hunting.json"),
            "[{\"query\": \"T\", \"schema\": [{\"name\": 1}], \"results\": []}]",
        )
        .expect("write");
        let err = load_dir(&dir).expect_err("bad schema").to_string();
        assert!(err.contains("hunting.json: answer #0: schema entry #0"), "{err}");

        std::fs::write(
            dir.join("hunting.json"),
            "[{\"query\": \"T\", \"schema\": [], \"results\": [], \"extra\": 1}]",
        )
        .expect("write");
        let err = load_dir(&dir).expect_err("unknown field").to_string();
        assert!(err.contains("hunting.json") && err.contains("extra"), "{err}");

        std::fs::remove_file(dir.join("hunting.json")).expect("remove");
        for (clients, needle) in [
            (
                r#"[{"clientId": "x", "secret": "s", "roles": [], "colour": 1}]"#,
                "unknown field `colour`",
            ),
            (
                r#"[{"clientId": "x", "roles": []}]"#,
                "client #0 (`x`) has neither a secret nor certificates",
            ),
            (
                r#"[{"clientId": "x", "secret": "s", "assertionAlgorithms": ["HS256"], "roles": []}]"#,
                "assertion algorithm `HS256`",
            ),
            (
                r#"[{"clientId": "x", "certificates": ["nope"], "roles": []}]"#,
                "client #0: client `x` certificate #0",
            ),
        ] {
            std::fs::write(dir.join("clients.json"), clients).expect("write");
            let err = load_dir(&dir).expect_err(needle).to_string();
            assert!(err.contains("clients.json") && err.contains(needle), "{err}");
        }
        std::fs::write(
            dir.join("clients.json"),
            r#"[{"clientId": "soc-app", "secret": "s3", "roles": ["SecurityAlert.Read.All"]}]"#,
        )
        .expect("write");
        assert_eq!(load_dir(&dir).expect("clients").clients[0].client_id, "soc-app");
        std::fs::remove_file(dir.join("clients.json")).expect("remove");
        let ok = load_dir(&dir).expect("minimal dataset");
        assert_eq!(ok.alerts.len(), 1);
        assert_eq!(ok.columnar["DeviceInfo"].len, 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
