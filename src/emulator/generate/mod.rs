//! A deterministic generator of emulator datasets at scale (`--generate N --seed S`).
//!
//! [`generate`] builds the same kinds of stories as the bundled dataset (see `dataset/README.md`) for a
//! company whose size grows with N: EICAR test drops, approved admin tools, vulnerability-scanner
//! reconnaissance with their near misses, phishing chains, ransomware precursors, OAuth consent
//! phishing, DLP matches and unwanted software. The same `(alerts, seed)` always gives the same data
//! (a SplitMix64 generator per incident; no global state), and the work is spread over the available
//! cores without changing the result.
//!
//! Shape:
//! - exactly `alerts` alerts, grouped into about `alerts / 5` incidents (at least one);
//! - about 10 advanced-hunting rows per alert: one `AlertInfo` row per alert, one `AlertEvidence` row
//!   per evidence item (1 to 5 per alert, about 3 on average), process/file/network/logon/email/cloud rows for the
//!   stories, and one `DeviceInfo` row per device. Rows are **sparse**: they carry only their non-null
//!   columns (a million rows with every column would take gigabytes); every key is a column of
//!   the advanced-hunting schema ([`crate::kql::Schema`]), and a column a row lacks reads as null;
//! - datetimes relative to [`ANCHOR`](super::dataset::ANCHOR), spread over the 7 days before it, with
//!   about 5% of the incidents in the last hour.
//!
//! [`generate_store`] is what `graphsoar emulator --generate` uses: the same tenant written for the
//! emulator's start, turned into the store's compact form small chunk by small chunk on the thread
//! that made it, so a tenant of 100,000 alerts starts in about 2 s and 1.3 GB instead of holding
//! gigabytes of `Value` trees and then shifting every datetime (see BENCHMARKS.md).
//!
//! Share of alerts the shipped auto-close playbooks match (their trigger filter and condition, with
//! the shipped lists, regardless of the `since` window), for every N (rounded down):
//! - `close-eicar-test-alerts`: exactly 10% (`N / 10`);
//! - `close-approved-admin-tool-alerts`: exactly 2% (`N / 50`);
//! - `close-vulnerability-scanner-alerts`: exactly 3% (`N * 3 / 100`).
//!
//! Every other alert is built so that none of them matches; near misses (EICAR title with another
//! hash, PsExec run by an ordinary user, reconnaissance from a workstation) are among them.

mod alert;
mod evidence;
mod incident;
mod rng;
mod rows;
mod story;
mod world;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use serde_json::Value;

use self::incident::build_incident;
use self::rows::{Out, builder, s, schema_columns};
use self::story::Kind;
use self::world::{World, world};
use super::dataset::Dataset;
use super::store::{Entity, Kind as EntityKind, Store};
use crate::kql::data::{Appender, Table};

pub use self::rng::SplitMix64;

const ANCHOR_UNIX: i64 = 1_893_456_000; // 2030-01-01T00:00:00Z
const TICKS_PER_SEC: i64 = 10_000_000;
const TENANT: &str = "2f7c6a3e-9b1d-4c8e-a5f2-6d0b3e9a1c47";
const MIN: i64 = 60;
const HOUR: i64 = 3600;
const WEEK: i64 = 7 * 24 * HOUR;
/// Incidents per unit of parallel work. Small, so that a chunk's `Value` trees (about 80 alerts)
/// are freed and their memory reused before the next chunk: with 256 the allocator kept asking
/// the kernel for fresh zeroed pages, and `--generate 100000` took 3.1 s instead of 1.9 s.
const CHUNK: usize = 16;

struct Plan {
    kind: Kind,
    size: usize,
}

/// Builds one incident's alerts and rows.
struct Ctx<'a> {
    w: &'a World,
    r: SplitMix64,
    out: &'a mut Out,
    inc_id: String,
    report: i64,
}

/// Generates a dataset of exactly `alerts` alerts (see the module documentation), its times
/// relative to [`ANCHOR`](super::dataset::ANCHOR). Deterministic.
pub fn generate(alerts: usize, seed: u64) -> Dataset {
    let mut ds = Dataset::default();
    ds.alerts.reserve(alerts);
    let (chunks, device_info) = build(alerts, seed, ANCHOR_UNIX * TICKS_PER_SEC, |out| out);
    for out in chunks {
        ds.alerts.extend(out.alerts);
        ds.incidents.extend(out.incidents);
        for (name, rows) in out.tables {
            let rows = rows.finish();
            ds.tables
                .entry(name.to_owned())
                .or_default()
                .extend(rows.objects().map(Value::Object));
        }
    }
    ds.tables
        .entry("DeviceInfo".to_owned())
        .or_default()
        .extend(device_info.objects().map(Value::Object));
    ds
}

/// The store of [`generate`]`(alerts, seed)` with its times written relative to `start`: what
/// [`generate`] and [`Dataset::shift_times`] followed by [`Store::from_dataset`] give, without
/// ever holding the whole tenant as `Value` trees (each chunk's alerts become entities on the
/// thread that made them) and without a pass over every datetime.
pub fn generate_store(alerts: usize, seed: u64, start: DateTime<Utc>) -> Result<Store, String> {
    let anchor = start.timestamp() * TICKS_PER_SEC + i64::from(start.timestamp_subsec_nanos()) / 100;
    let progress = crate::progress::Progress::start_above(alerts as u64, 10_000, "generating the tenant's alerts");
    let (chunks, device_info) = build(alerts, seed, anchor, |out| {
        progress.advance(out.alerts.len() as u64);
        let alerts = out
            .alerts
            .into_iter()
            .map(|alert| Entity::new(EntityKind::Alert, alert))
            .collect::<Result<Vec<_>, _>>();
        // Each chunk's rows into columns on the thread that made them.
        let tables: Vec<(&'static str, Table)> = out.tables.into_iter().map(|(n, b)| (n, b.finish_sparse())).collect();
        (alerts, out.incidents, tables)
    });
    let mut store = Store::default();
    let mut entities = Vec::with_capacity(chunks.len());
    let mut parts: BTreeMap<&'static str, Vec<Table>> = BTreeMap::new();
    for (alerts, incidents, chunk_tables) in chunks {
        entities.push((alerts?, incidents));
        for (name, rows) in chunk_tables {
            parts.entry(name).or_default().push(rows);
        }
    }
    parts.entry("DeviceInfo").or_default().push(device_info);
    // The tables are joined on a second thread while this one indexes the alerts and
    // incidents; each chunk's table is freed once appended.
    let (tables, indexed) = std::thread::scope(|scope| {
        let joiner = scope.spawn(move || {
            parts
                .into_iter()
                .map(|(name, chunks)| {
                    let mut rows = Appender::with_capacity(chunks.iter().map(|t| t.len).sum());
                    chunks.into_iter().for_each(|t| rows.append(t));
                    (name.to_owned(), Arc::new(rows.finish().conform(schema_columns(name))))
                })
                .collect::<BTreeMap<_, _>>()
        });
        let mut built = 0;
        let mut indexed = Ok(());
        for (alerts, incidents) in entities {
            built += alerts.len();
            alerts.into_iter().for_each(|alert| store.put_alert(alert));
            for incident in incidents {
                if let Err(e) = store.put_incident(incident) {
                    indexed = Err(e);
                }
            }
        }
        (joiner.join(), indexed.map(|()| built))
    });
    progress.finish();
    let built = indexed?;
    if built != alerts {
        return Err(format!(
            "the generator built {built} of {alerts} alerts (a generator thread failed)"
        ));
    }
    store.tables = Arc::new(tables.map_err(|_| "the thread joining the generated tables failed".to_string())?);
    Ok(store)
}

/// Plans the incidents of exactly `alerts` alerts and builds them on every core, chunk by
/// chunk; `finish` turns each chunk's output into what the caller keeps, on the thread that
/// built it. Returns the chunks in order and the `DeviceInfo` table.
fn build<R: Send>(alerts: usize, seed: u64, anchor: i64, finish: impl Fn(Out) -> R + Sync) -> (Vec<R>, Table) {
    let w = world(alerts, seed, anchor);
    let mut r = SplitMix64::new(seed);
    // closable quotas first, then the other stories until exactly `alerts`
    let mut plans = Vec::with_capacity(alerts / 4 + 1);
    let fill = |plans: &mut Vec<Plan>, kind: Kind, mut total: usize, lo: u64, hi: u64, r: &mut SplitMix64| {
        while total > 0 {
            let size = (lo + r.below(hi - lo + 1)) as usize;
            let size = size.min(total);
            plans.push(Plan { kind, size });
            total -= size;
        }
    };
    let eicar = alerts / 10;
    let admin = alerts / 50;
    let scanner = alerts * 3 / 100;
    fill(&mut plans, Kind::EicarClosable, eicar, 2, 5, &mut r);
    fill(&mut plans, Kind::AdminClosable, admin, 1, 3, &mut r);
    fill(&mut plans, Kind::ScannerClosable, scanner, 2, 4, &mut r);
    let mut rest = alerts - eicar - admin - scanner;
    while rest > 0 {
        let (kind, lo, hi) = *r.pick(&[
            (Kind::Phishing, 6, 12),
            (Kind::Phishing, 6, 10),
            (Kind::Ransomware, 5, 9),
            (Kind::OAuth, 3, 6),
            (Kind::Dlp, 2, 6),
            (Kind::Pua, 2, 4),
            (Kind::EicarNearMiss, 1, 3),
            (Kind::AdminNearMiss, 1, 3),
            (Kind::ScannerNearMiss, 2, 4),
        ]);
        let size = ((lo + r.below(hi - lo + 1)) as usize).min(rest);
        plans.push(Plan { kind, size });
        rest -= size;
    }
    for i in (1..plans.len()).rev() {
        let j = r.below(i as u64 + 1) as usize;
        plans.swap(i, j);
    }

    // chunks of incidents, built in parallel, returned in order
    let n_chunks = plans.len().div_ceil(CHUNK);
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 16)
        .min(n_chunks.max(1));
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let c = next.fetch_add(1, Ordering::Relaxed);
                        if c >= n_chunks {
                            break;
                        }
                        let mut out = Out::default();
                        for (idx, plan) in plans.iter().enumerate().skip(c * CHUNK).take(CHUNK) {
                            build_incident(&w, seed, idx, plan, &mut out);
                        }
                        mine.push((c, finish(out)));
                    }
                    mine
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    done.sort_by_key(|(c, _)| *c);
    let chunks = done.into_iter().map(|(_, chunk)| chunk).collect();

    // one DeviceInfo row per device
    let mut info = builder("DeviceInfo");
    for (i, d) in w.devices.iter().chain(w.servers.iter()).enumerate() {
        let u = &w.users[d.user];
        info.push_fields([
            ("Timestamp", Value::String(w.iso(r.range(5 * MIN, 24 * HOUR), 0))),
            ("DeviceId", s(&d.id)),
            ("DeviceName", s(&d.fqdn)),
            ("OSPlatform", s(d.os)),
            ("OSBuild", Value::from(d.build)),
            ("OSArchitecture", s("64-bit")),
            ("AadDeviceId", s(&d.aad)),
            ("IsAzureADJoined", Value::Bool(true)),
            ("OnboardingStatus", s("Onboarded")),
            ("SensorHealthState", s("Active")),
            (
                "DeviceType",
                s(if i >= w.devices.len() { "Server" } else { "Workstation" }),
            ),
            (
                "LoggedOnUsers",
                Value::String(format!(
                    "[{{\"UserName\":\"{}\",\"DomainName\":\"CONTOSO\",\"Sid\":\"{}\"}}]",
                    u.sam, u.sid
                )),
            ),
            ("MachineGroup", s("Workstations")),
            ("ReportId", Value::from(i as i64)),
            ("IsInternetFacing", Value::Bool(false)),
        ]);
    }
    (chunks, info.finish())
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

    use serde_json::Value;

    use super::super::shipped::matcher;
    use super::super::store::Collection;
    use super::incident::sev_rank;
    use super::*;

    fn count(ds: &Dataset, matches: &impl Fn(&Value) -> bool) -> usize {
        ds.alerts.iter().filter(|a| matches(a)).count()
    }

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let a = generate(600, 7);
        let b = generate(600, 7);
        assert_eq!(a, b);
        let c = generate(600, 8);
        assert_ne!(a.alerts, c.alerts);
    }

    #[test]
    fn generated_store_equals_the_dataset_shifted_and_loaded() {
        let start = DateTime::parse_from_rfc3339("2026-11-26T15:21:18.123456789Z")
            .unwrap()
            .to_utc();
        let mut ds = generate(1500, 3);
        ds.shift_times(start);
        let expected = Store::from_dataset(ds).unwrap();
        let store = generate_store(1500, 3, start).unwrap();
        for (got, want) in [
            (&store.alerts, &expected.alerts),
            (&store.incidents, &expected.incidents),
        ] {
            assert_eq!(got.len(), want.len());
            let ids = |c: &Collection| c.walk(true, None).map(|e| e.id().to_owned()).collect::<Vec<_>>();
            assert_eq!(ids(got), ids(want));
            for entity in want.values() {
                assert_eq!(got.get(entity.id()).unwrap().json, entity.json, "{}", entity.id());
            }
        }
        assert_eq!(store.incident_alerts, expected.incident_alerts);
        assert_eq!(store.tables, expected.tables);
        let first = store.alerts.walk(true, None).next().unwrap();
        assert!(first.created <= start && first.created > start - chrono::TimeDelta::days(7));
    }

    #[test]
    fn exact_alert_count_and_documented_auto_close_shares() {
        let eicar = matcher("close-eicar-test-alerts");
        let admin_tool = matcher("close-approved-admin-tool-alerts");
        let scanner = matcher("close-vulnerability-scanner-alerts");
        for n in [0, 1, 9, 10, 37, 100, 1000, 2345] {
            let ds = generate(n, 42);
            assert_eq!(ds.alerts.len(), n);
            assert_eq!(count(&ds, &eicar), n / 10, "EICAR share for {n}");
            assert_eq!(count(&ds, &admin_tool), n / 50, "admin-tool share for {n}");
            assert_eq!(count(&ds, &scanner), n * 3 / 100, "scanner share for {n}");
        }
    }

    #[test]
    fn near_misses_exist_at_scale() {
        let ds = generate(3000, 1);
        let eicar = matcher("close-eicar-test-alerts");
        let admin_tool = matcher("close-approved-admin-tool-alerts");
        let scanner = matcher("close-vulnerability-scanner-alerts");
        let eicar_titles = ds
            .alerts
            .iter()
            .filter(|a| a["title"].as_str().unwrap_or("").contains("EICAR"))
            .count();
        assert!(
            eicar_titles > count(&ds, &eicar),
            "some EICAR-titled alerts must not be closable"
        );
        let psexec = ds
            .alerts
            .iter()
            .filter(|a| a["title"] == "Suspicious remote execution using PsExec")
            .count();
        assert!(psexec > count(&ds, &admin_tool));
        let recon = ds.alerts.iter().filter(|a| a["category"] == "Discovery").count();
        assert!(recon > ds.alerts.iter().filter(|a| scanner(a)).count());
    }

    #[test]
    fn incidents_rows_and_shape_are_consistent() {
        let n = 2000;
        let ds = generate(n, 3);
        // incidents: about one per five alerts, consistent with their alerts
        assert!(
            ds.incidents.len() >= n / 8 && ds.incidents.len() <= n / 3,
            "{} incidents",
            ds.incidents.len()
        );
        let mut by_inc: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
        for a in &ds.alerts {
            by_inc
                .entry(a["incidentId"].as_str().unwrap_or(""))
                .or_default()
                .push(a);
        }
        let rank = |s: &Value| sev_rank(s.as_str().unwrap_or(""));
        for inc in &ds.incidents {
            let alerts = by_inc
                .get(inc["id"].as_str().unwrap_or(""))
                .expect("incident without alerts");
            let max = alerts.iter().map(|a| rank(&a["severity"])).max().unwrap_or(0);
            assert_eq!(rank(&inc["severity"]), max);
        }
        assert_eq!(by_inc.len(), ds.incidents.len());
        let ids: HashSet<&str> = ds.alerts.iter().filter_map(|a| a["id"].as_str()).collect();
        assert_eq!(ids.len(), n);
        for a in &ds.alerts {
            assert!(a["lastUpdateDateTime"].as_str() >= a["createdDateTime"].as_str());
            assert!(a["createdDateTime"].as_str().unwrap_or("") < "2030-01-01T00:00:00Z");
            assert!(a["createdDateTime"].as_str().unwrap_or("") >= "2029-12-24T00:00:00Z");
        }
        let recent = ds
            .alerts
            .iter()
            .filter(|a| a["createdDateTime"].as_str().unwrap_or("") >= "2029-12-31T23:00:00Z")
            .count();
        assert!(recent > 0 && recent < n / 5, "{recent} alerts in the last hour");
        // about 10 rows per alert, every row with exactly the schema's columns
        let rows: usize = ds.tables.values().map(Vec::len).sum();
        assert!(rows >= 8 * n && rows <= 13 * n, "{rows} rows for {n} alerts");
        let schema = crate::kql::Schema::advanced_hunting();
        for (table, rows) in &ds.tables {
            let cols = schema.table(table).unwrap_or_else(|| panic!("unknown table {table}"));
            for r in rows {
                let m = r.as_object().expect("a row is an object");
                assert!(m.contains_key("Timestamp"), "{table} row without Timestamp");
                for k in m.keys() {
                    assert!(cols.column(k).is_some(), "{table} has no column {k}");
                }
            }
        }
        assert_eq!(ds.tables["AlertInfo"].len(), n);
        let evidence: usize = ds
            .alerts
            .iter()
            .map(|a| a["evidence"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(ds.tables["AlertEvidence"].len(), evidence);
        let avg = ds.alerts.iter().map(|a| a.to_string().len()).sum::<usize>() / n;
        assert!((2000..=6000).contains(&avg), "average alert size {avg}");
        assert!(evidence / n >= 3);
    }

    #[test]
    fn every_service_source_appears_at_scale() {
        let ds = generate(1000, 5);
        let sources: HashSet<&str> = ds.alerts.iter().filter_map(|a| a["serviceSource"].as_str()).collect();
        assert_eq!(sources.len(), 8, "{sources:?}");
    }
}
