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

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::dataset::{Dataset, civil_from_days};
use super::store::{Entity, Kind as EntityKind, Store};
use crate::kql::data::{Appender, Table, TableBuilder};

const ANCHOR_UNIX: i64 = 1_893_456_000; // 2030-01-01T00:00:00Z
const TICKS_PER_SEC: i64 = 10_000_000;
const TENANT: &str = "2f7c6a3e-9b1d-4c8e-a5f2-6d0b3e9a1c47";
const EICAR: &str = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";
const DOMAIN_SID: &str = "S-1-5-21-1004336348-1177238915-682003330";
const MIN: i64 = 60;
const HOUR: i64 = 3600;
const WEEK: i64 = 7 * 24 * HOUR;
/// Incidents per unit of parallel work. Small, so that a chunk's `Value` trees (about 80 alerts)
/// are freed and their memory reused before the next chunk: with 256 the allocator kept asking
/// the kernel for fresh zeroed pages, and `--generate 100000` took 3.1 s instead of 1.9 s.
const CHUNK: usize = 16;
const T: &str = "#microsoft.graph.security.";

/// SplitMix64: small, fast, good enough for test data.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
        }
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo).max(1) as u64) as i64
    }
    fn pick<'a, X>(&mut self, xs: &'a [X]) -> &'a X {
        &xs[self.below(xs.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn hex(&mut self, n: usize) -> String {
        const H: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(n);
        let mut bits = 0u64;
        for i in 0..n {
            if i % 16 == 0 {
                bits = self.next_u64();
            }
            s.push(H[(bits & 15) as usize] as char);
            bits >>= 4;
        }
        s
    }
    fn guid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }
}

/// `secs` (with `ticks` hundred-nanoseconds) before `anchor` (in hundred-nanoseconds since
/// 1970), as Graph writes it (7-digit fraction).
fn iso_at(anchor: i64, secs_before: i64, ticks: u32) -> String {
    let at = anchor - secs_before * TICKS_PER_SEC
        + if ticks == 0 {
            0
        } else {
            i64::from(ticks) - TICKS_PER_SEC
        };
    let (t, frac) = (at.div_euclid(TICKS_PER_SEC), at.rem_euclid(TICKS_PER_SEC));
    let days = t.div_euclid(86_400);
    let sod = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let mut s = String::with_capacity(28);
    push_num(&mut s, y, 4);
    s.push('-');
    push_num(&mut s, m, 2);
    s.push('-');
    push_num(&mut s, d, 2);
    s.push('T');
    push_num(&mut s, sod / 3600, 2);
    s.push(':');
    push_num(&mut s, sod / 60 % 60, 2);
    s.push(':');
    push_num(&mut s, sod % 60, 2);
    s.push('.');
    push_num(&mut s, frac, 7);
    s.push('Z');
    s
}

fn push_num(s: &mut String, n: i64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    let mut n = n.unsigned_abs();
    while n > 0 {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let digits = buf.len() - i;
    for _ in digits..width {
        s.push('0');
    }
    s.push_str(std::str::from_utf8(&buf[i..]).unwrap_or("0"));
}

// ------------------------------------------------------------------ entities

const FIRST: &[&str] = &[
    "Marieke", "Pieter", "Sofia", "Liam", "Emma", "Noah", "Olivia", "Lucas", "Ava", "Mason", "Isabella", "Ethan",
    "Mia", "Daan", "Sanne", "Jonas", "Lea", "Felix", "Hannah", "Ahmed", "Fatima", "Kenji", "Yuki", "Carlos", "Lucia",
    "Priya",
];
const LAST: &[&str] = &[
    "Leeuwen", "Dekker", "Jansen", "Vries", "Bakker", "Visser", "Smit", "Meijer", "Boer", "Mulder", "Bos", "Vos",
    "Peters", "Hendriks", "Dijkstra", "Kok", "Hassan", "Tanaka", "Garcia", "Novak", "Patel", "Nilsson", "Rossi",
    "Khan",
];
const DEPTS: &[&str] = &["fin", "hr", "sales", "eng", "mkt", "legal", "ops", "it"];

struct User {
    sam: String,
    upn: String,
    display: String,
    sid: String,
    oid: String,
}

struct Device {
    host: String,
    fqdn: String,
    id: String,
    aad: String,
    ip: String,
    os: &'static str,
    build: i64,
    user: usize,
}

struct World {
    /// The instant times are written relative to, in hundred-nanoseconds since 1970.
    anchor: i64,
    users: Vec<User>,
    admins: [User; 2],
    devices: Vec<Device>,
    servers: Vec<Device>,
}

fn world(alerts: usize, seed: u64, anchor: i64) -> World {
    let mut r = SplitMix64::new(SplitMix64::new(seed ^ 0x5EED_0FC0_4750).next_u64());
    let n_users = (alerts / 20).clamp(60, 50_000);
    let users: Vec<User> = (0..n_users)
        .map(|i| {
            let (f, l) = (FIRST[i % FIRST.len()], LAST[(i / FIRST.len() + i * 7) % LAST.len()]);
            let sam = format!("{}{}{}", &f[..1], l, i).to_lowercase();
            User {
                upn: format!("{}.{}{}@contoso.com", f.to_lowercase(), l.to_lowercase(), i),
                display: format!("{f} {l}"),
                sid: format!("{DOMAIN_SID}-{}", 5000 + i),
                oid: r.guid(),
                sam,
            }
        })
        .collect();
    let admin = |sam: &str, display: &str, rid: u32, r: &mut SplitMix64| User {
        sam: sam.into(),
        upn: format!("{sam}@contoso.com"),
        display: display.into(),
        sid: format!("{DOMAIN_SID}-{rid}"),
        oid: r.guid(),
    };
    let admins = [
        admin("svc-sccm", "SCCM service account", 4127, &mut r),
        admin("adm-jdoe", "John Doe (admin)", 1107, &mut r),
    ];
    let n_dev = (n_users * 2 / 3).max(40);
    let devices = (0..n_dev)
        .map(|i| {
            let host = format!("ws-{}-{:04}", DEPTS[i % DEPTS.len()], i);
            Device {
                fqdn: format!("{host}.corp.contoso.com"),
                host,
                id: r.hex(40),
                aad: r.guid(),
                ip: format!("10.{}.{}.{}", 20 + i / 60_000, (i / 250) % 250, 10 + i % 240),
                os: if i % 7 == 5 { "Windows10" } else { "Windows11" },
                build: if i % 7 == 5 { 19045 } else { 22631 },
                user: i % n_users,
            }
        })
        .collect();
    let servers = ["dc01", "dc02", "srv-file01", "srv-app01", "srv-sql01", "adm-jump-02"]
        .iter()
        .enumerate()
        .map(|(i, h)| Device {
            host: (*h).into(),
            fqdn: format!("{h}.corp.contoso.com"),
            id: r.hex(40),
            aad: r.guid(),
            ip: format!("10.0.{}.{}", i / 2, 10 + i),
            os: "WindowsServer2022",
            build: 20348,
            user: 0,
        })
        .collect();
    World {
        anchor,
        users,
        admins,
        devices,
        servers,
    }
}

impl World {
    /// `secs` (with `ticks` hundred-nanoseconds) before the anchor, as Graph writes it.
    fn iso(&self, secs_before: i64, ticks: u32) -> String {
        iso_at(self.anchor, secs_before, ticks)
    }
}

// ------------------------------------------------------------------ rows

/// What one chunk of incidents produced.
#[derive(Default)]
struct Out {
    alerts: Vec<Value>,
    incidents: Vec<Value>,
    tables: BTreeMap<&'static str, TableBuilder<'static>>,
}

impl Out {
    /// A sparse row: the given non-null columns only (see the module documentation).
    fn row<'k>(&mut self, table: &'static str, fields: impl IntoIterator<Item = (&'k str, Value)>) {
        self.tables
            .entry(table)
            .or_insert_with(|| builder(table))
            .push_fields(fields);
    }
}

/// A table's rows, typed by the advanced-hunting schema.
fn builder(table: &str) -> TableBuilder<'static> {
    TableBuilder::new(schema_columns(table))
}

/// A table's columns in the advanced-hunting schema (none for a table it does not know).
fn schema_columns(table: &str) -> &'static [(String, crate::kql::Type)] {
    crate::kql::Schema::advanced_hunting()
        .table(table)
        .map_or(&[], |t| t.columns.as_slice())
}

fn s(x: &str) -> Value {
    Value::String(x.to_string())
}

// ------------------------------------------------------------------ stories

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    EicarClosable,
    AdminClosable,
    ScannerClosable,
    EicarNearMiss,
    AdminNearMiss,
    ScannerNearMiss,
    Phishing,
    Ransomware,
    OAuth,
    Dlp,
    Pua,
}

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

struct Alert<'b> {
    src: &'b str,
    det: &'b str,
    title: &'b str,
    sev: &'b str,
    cat: &'b str,
    mitre: &'b [&'b str],
}

impl Ctx<'_> {
    fn report_id(&mut self) -> Value {
        self.report += 1;
        Value::from(self.report)
    }

    fn file(&mut self, name: &str, path: &str, sha256: Option<&str>, size: i64) -> Value {
        let sha = sha256.map_or_else(|| self.r.hex(64), str::to_string);
        json!({"fileName": name, "filePath": path, "filePublisher": null, "fileSize": size, "issuer": null,
               "md5": self.r.hex(32), "sha1": self.r.hex(40), "sha256": sha, "sha256Ac": null, "signer": null})
    }

    fn account(&self, u: &User) -> Value {
        json!({"accountName": u.sam, "domainName": "CONTOSO", "userSid": u.sid, "azureAdUserId": u.oid,
               "userPrincipalName": u.upn, "displayName": u.display, "activeDirectoryObjectGuid": null,
               "resourceAccessEvents": [], "tenantId": TENANT})
    }

    /// An evidence item: the base properties of every `alertEvidence` plus the subtype's (`extra`).
    fn ev(kind: &str, created: &str, verdict: &str, roles: &[&str], detailed: &[&str], extra: Value) -> Value {
        let mut m = match extra {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        m.insert("@odata.type".into(), Value::String(format!("{T}{kind}")));
        m.insert("createdDateTime".into(), s(created));
        m.insert("verdict".into(), s(verdict));
        m.insert("remediationStatus".into(), s("none"));
        m.insert("remediationStatusDetails".into(), Value::Null);
        m.insert("roles".into(), roles.iter().map(|x| s(x)).collect());
        m.insert("detailedRoles".into(), detailed.iter().map(|x| s(x)).collect());
        m.insert("tags".into(), Value::Array(vec![]));
        Value::Object(m)
    }

    fn e_device(&mut self, d: &Device, created: &str, roles: &[&str]) -> Value {
        let u = &self.w.users[d.user];
        Self::ev(
            "deviceEvidence",
            created,
            "unknown",
            roles,
            &["PrimaryDevice"],
            json!({
            "azureAdDeviceId": d.aad, "defenderAvStatus": "updated", "deviceDnsName": d.fqdn,
            "dnsDomain": "corp.contoso.com", "firstSeenDateTime": self.w.iso(18_287_107, 4_470_000),
            "healthStatus": "active", "hostName": d.host, "ipInterfaces": [d.ip, "127.0.0.1", "::1"],
            "lastExternalIpAddress": "203.0.113.45", "lastIpAddress": d.ip,
            "loggedOnUsers": [{"accountName": u.sam, "domainName": "CONTOSO"}], "mdeDeviceId": d.id,
            "ntDomain": "CONTOSO", "onboardingStatus": "onboarded", "osBuild": d.build, "osPlatform": d.os,
            "rbacGroupId": 2, "rbacGroupName": "Workstations", "resourceAccessEvents": [], "riskScore": "medium",
            "version": "23H2", "vmMetadata": null}),
        )
    }

    fn e_user(&self, u: &User, created: &str, roles: &[&str]) -> Value {
        Self::ev(
            "userEvidence",
            created,
            "unknown",
            roles,
            &[],
            with(json!({"stream": null}), "userAccount", self.account(u)),
        )
    }

    fn e_file(&self, fd: &Value, d: Option<&Device>, created: &str, verdict: &str) -> Value {
        Self::ev(
            "fileEvidence",
            created,
            verdict,
            &[],
            &["Detected file"],
            with(
                json!({"detectionStatus": "detected", "mdeDeviceId": d.map(|d| d.id.as_str())}),
                "fileDetails",
                fd.clone(),
            ),
        )
    }

    fn e_ip(ip: &str, cc: Option<&str>, created: &str, roles: &[&str]) -> Value {
        Self::ev(
            "ipEvidence",
            created,
            "unknown",
            roles,
            &[],
            json!({
            "countryLetterCode": cc, "ipAddress": ip, "location": null, "stream": null}),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn e_process(
        &mut self,
        d: &Device,
        user: Option<&User>,
        image: &Value,
        cmd: &str,
        created: &str,
        at: i64,
        verdict: &str,
    ) -> Value {
        let parent = self.file("cmd.exe", "C:\\Windows\\System32", None, 323_584);
        let account = user.map_or_else(
            || json!({"accountName": "system", "domainName": "NT AUTHORITY", "userSid": "S-1-5-18"}),
            |u| self.account(u),
        );
        let pid = self.r.range(1000, 20000);
        let ppid = self.r.range(400, 9000);
        let (t0, t1) = (self.r.below(10_000_000) as u32, self.r.below(10_000_000) as u32);
        Self::ev(
            "processEvidence",
            created,
            verdict,
            &[],
            &[],
            with(
                with(
                    with(
                        json!({
                        "detectionStatus": "detected", "mdeDeviceId": d.id,
                        "parentProcessCreationDateTime": self.w.iso(at + 600, t0), "parentProcessId": ppid,
                        "processCommandLine": cmd, "processCreationDateTime": self.w.iso(at, t1), "processId": pid}),
                        "imageFile",
                        image.clone(),
                    ),
                    "parentProcessImageFile",
                    parent,
                ),
                "userAccount",
                account,
            ),
        )
    }

    fn alert(&mut self, a: &Alert, at: i64, evidence: Vec<Value>, threat: Option<&str>) -> Value {
        let (ss, product, prefix) = match a.src {
            "mdi" => ("microsoftDefenderForIdentity", "Microsoft Defender for Identity", "aa"),
            "mdca" => (
                "microsoftDefenderForCloudApps",
                "Microsoft Defender for Cloud Apps",
                "ca",
            ),
            "mdo" => (
                "microsoftDefenderForOffice365",
                "Microsoft Defender for Office 365",
                "fa",
            ),
            "xdr" => ("microsoft365Defender", "Microsoft Defender XDR", "ra"),
            "aadip" => ("azureAdIdentityProtection", "Microsoft Entra ID Protection", "ad"),
            "appgov" => ("microsoftAppGovernance", "App governance", "ma"),
            "dlp" => ("dataLossPrevention", "Microsoft Data Loss Prevention", "dl"),
            _ => ("microsoftDefenderForEndpoint", "Microsoft Defender for Endpoint", "da"),
        };
        let (id, provider) = if prefix == "da" {
            let ticks = (ANCHOR_UNIX - at) * 10_000_000 + 621_355_968_000_000_000 + self.r.range(0, 10_000_000);
            let id = format!("da{ticks}_{}", self.r.next_u64() as i32);
            (id.clone(), id)
        } else {
            let g = self.r.guid();
            (format!("{prefix}{g}"), g)
        };
        let created = self.w.iso(at, self.r.below(10_000_000) as u32);
        let update = self
            .w
            .iso(at - self.r.range(20, 90).min(at), self.r.below(10_000_000) as u32);
        let detector = format!("{:016x}", fxhash(a.title));
        let mut alert = json!({
            "@odata.type": "#microsoft.graph.security.alert", "id": id, "providerAlertId": provider,
            "incidentId": self.inc_id, "status": "new", "severity": a.sev, "classification": null,
            "determination": null, "serviceSource": ss, "detectionSource": a.det, "productName": product,
            "detectorId": format!("{}-{}-4{}-8{}-{}", &detector[0..8], &detector[8..12], &detector[13..16], &detector[1..4], &detector[4..16]),
            "tenantId": TENANT, "title": a.title,
            "description": format!("{product} detected activity on the tenant: {}.", a.title),
            "recommendedActions": "Review the evidence and the related activity; contain the device or account if the activity is not expected.",
            "category": a.cat, "categories": [a.cat], "assignedTo": null,
            "alertWebUrl": format!("https://security.microsoft.com/alerts/{id}?tid={TENANT}"),
            "incidentWebUrl": format!("https://security.microsoft.com/incidents/{}?tid={TENANT}", self.inc_id),
            "actorDisplayName": null, "threatDisplayName": threat, "threatFamilyName": threat.map(|t| t.rsplit(['/', ':']).next().unwrap_or(t)),
            "mitreTechniques": a.mitre, "createdDateTime": created, "lastUpdateDateTime": update,
            "resolvedDateTime": null, "firstActivityDateTime": self.w.iso(at + self.r.range(60, 600), 0),
            "lastActivityDateTime": self.w.iso(at + self.r.range(5, 59), 0),
            "investigationState": if prefix == "da" { "running" } else { "unsupportedAlertType" },
            "alertPolicyId": null, "additionalData": {}, "customDetails": {}, "systemTags": [], "comments": [],
        });
        alert["evidence"] = Value::Array(evidence);
        alert
    }

    #[allow(clippy::too_many_arguments)]
    fn proc_row(
        &mut self,
        d: &Device,
        u: Option<&User>,
        fd: &Value,
        cmd: &str,
        at: i64,
        parent: &str,
        parent_cmd: &str,
    ) {
        let rid = self.report_id();
        let t = self.w.iso(at, self.r.below(10_000_000) as u32);
        let (dom, name, sid) = u.map_or(("nt authority", "system", "S-1-5-18"), |u| {
            ("contoso", u.sam.as_str(), u.sid.as_str())
        });
        let pid = self.r.range(1000, 20000);
        self.out.row(
            "DeviceProcessEvents",
            [
                ("Timestamp", Value::String(t.clone())),
                ("DeviceId", s(&d.id)),
                ("DeviceName", s(&d.fqdn)),
                ("ActionType", s("ProcessCreated")),
                ("FileName", fd["fileName"].clone()),
                (
                    "FolderPath",
                    Value::String(format!(
                        "{}\\{}",
                        fd["filePath"].as_str().unwrap_or(""),
                        fd["fileName"].as_str().unwrap_or("")
                    )),
                ),
                ("SHA1", fd["sha1"].clone()),
                ("SHA256", fd["sha256"].clone()),
                ("MD5", fd["md5"].clone()),
                ("FileSize", fd["fileSize"].clone()),
                ("ProcessId", Value::from(pid)),
                ("ProcessCommandLine", s(cmd)),
                ("ProcessCreationTime", Value::String(t)),
                ("AccountDomain", s(dom)),
                ("AccountName", s(name)),
                ("AccountSid", s(sid)),
                ("AccountUpn", u.map_or(Value::Null, |u| s(&u.upn))),
                ("InitiatingProcessFileName", s(parent)),
                ("InitiatingProcessCommandLine", s(parent_cmd)),
                ("InitiatingProcessAccountDomain", s(dom)),
                ("InitiatingProcessAccountName", s(name)),
                ("ReportId", rid),
            ],
        );
    }

    fn file_row(&mut self, d: &Device, fd: &Value, at: i64, action: &str) {
        let rid = self.report_id();
        self.out.row(
            "DeviceFileEvents",
            [
                (
                    "Timestamp",
                    Value::String(self.w.iso(at, self.r.below(10_000_000) as u32)),
                ),
                ("DeviceId", s(&d.id)),
                ("DeviceName", s(&d.fqdn)),
                ("ActionType", s(action)),
                ("FileName", fd["fileName"].clone()),
                (
                    "FolderPath",
                    Value::String(format!(
                        "{}\\{}",
                        fd["filePath"].as_str().unwrap_or(""),
                        fd["fileName"].as_str().unwrap_or("")
                    )),
                ),
                ("SHA1", fd["sha1"].clone()),
                ("SHA256", fd["sha256"].clone()),
                ("MD5", fd["md5"].clone()),
                ("FileSize", fd["fileSize"].clone()),
                ("InitiatingProcessFileName", s("explorer.exe")),
                ("ReportId", rid),
            ],
        );
    }

    fn logon_row(&mut self, d: &Device, u: &User, at: i64, ltype: &str, remote_ip: Option<&str>) {
        let rid = self.report_id();
        self.out.row(
            "DeviceLogonEvents",
            [
                (
                    "Timestamp",
                    Value::String(self.w.iso(at, self.r.below(10_000_000) as u32)),
                ),
                ("DeviceId", s(&d.id)),
                ("DeviceName", s(&d.fqdn)),
                ("ActionType", s("LogonSuccess")),
                ("LogonType", s(ltype)),
                ("AccountDomain", s("contoso")),
                ("AccountName", s(&u.sam)),
                ("AccountSid", s(&u.sid)),
                ("Protocol", s("Kerberos")),
                ("IsLocalAdmin", Value::Bool(false)),
                ("RemoteIP", remote_ip.map_or(Value::Null, s)),
                ("ReportId", rid),
            ],
        );
    }

    fn idlogon(&mut self, u: &User, at: i64, ip: &str, app: &str, action: &str) {
        let rid = Value::String(self.r.guid());
        self.out.row(
            "IdentityLogonEvents",
            [
                (
                    "Timestamp",
                    Value::String(self.w.iso(at, self.r.below(10_000_000) as u32)),
                ),
                ("ActionType", s(action)),
                ("Application", s(app)),
                ("LogonType", s("Interactive")),
                ("Protocol", s("OAuth2")),
                ("AccountName", s(&u.sam)),
                ("AccountDomain", s("contoso.com")),
                ("AccountUpn", s(&u.upn)),
                ("AccountSid", s(&u.sid)),
                ("AccountObjectId", s(&u.oid)),
                ("AccountDisplayName", s(&u.display)),
                ("IPAddress", s(ip)),
                ("ReportId", rid),
                ("AdditionalFields", json!({})),
            ],
        );
    }

    /// AlertInfo + AlertEvidence rows, then the alert itself.
    fn push(&mut self, mut alert: Value, status: &str) {
        let at = alert["createdDateTime"].clone();
        let id = alert["id"].clone();
        let title = alert["title"].clone();
        let sev = Value::String(capitalize(alert["severity"].as_str().unwrap_or("")));
        let techniques = Value::String(alert["mitreTechniques"].to_string());
        self.out.row(
            "AlertInfo",
            [
                ("Timestamp", at.clone()),
                ("AlertId", id.clone()),
                ("Title", title.clone()),
                ("Category", alert["category"].clone()),
                ("Severity", sev.clone()),
                ("ServiceSource", alert["productName"].clone()),
                ("DetectionSource", alert["detectionSource"].clone()),
                ("AttackTechniques", techniques.clone()),
            ],
        );
        if let Some(evidence) = alert["evidence"].as_array() {
            for e in evidence {
                let kind = e["@odata.type"].as_str().unwrap_or("").rsplit('.').next().unwrap_or("");
                let mut f: Vec<(&str, Value)> = vec![
                    ("Timestamp", at.clone()),
                    ("AlertId", id.clone()),
                    ("Title", title.clone()),
                    ("Categories", Value::String(alert["categories"].to_string())),
                    ("AttackTechniques", techniques.clone()),
                    ("ServiceSource", alert["productName"].clone()),
                    ("DetectionSource", alert["detectionSource"].clone()),
                    ("EntityType", s(kind.trim_end_matches("Evidence"))),
                    ("EvidenceRole", s("Related")),
                    ("Severity", sev.clone()),
                ];
                match kind {
                    "deviceEvidence" => f.extend([
                        ("DeviceId", e["mdeDeviceId"].clone()),
                        ("DeviceName", e["deviceDnsName"].clone()),
                    ]),
                    "fileEvidence" => {
                        let fd = &e["fileDetails"];
                        f.extend([
                            ("FileName", fd["fileName"].clone()),
                            ("SHA1", fd["sha1"].clone()),
                            ("SHA256", fd["sha256"].clone()),
                            ("FileSize", fd["fileSize"].clone()),
                            ("DeviceId", e["mdeDeviceId"].clone()),
                        ]);
                    }
                    "processEvidence" => f.extend([
                        ("ProcessCommandLine", e["processCommandLine"].clone()),
                        ("FileName", e["imageFile"]["fileName"].clone()),
                        ("SHA256", e["imageFile"]["sha256"].clone()),
                        ("AccountName", e["userAccount"]["accountName"].clone()),
                        ("DeviceId", e["mdeDeviceId"].clone()),
                    ]),
                    "userEvidence" | "mailboxEvidence" => f.extend([
                        ("AccountName", e["userAccount"]["accountName"].clone()),
                        ("AccountDomain", e["userAccount"]["domainName"].clone()),
                        ("AccountSid", e["userAccount"]["userSid"].clone()),
                        ("AccountObjectId", e["userAccount"]["azureAdUserId"].clone()),
                        ("AccountUpn", e["userAccount"]["userPrincipalName"].clone()),
                    ]),
                    "ipEvidence" => f.push(("RemoteIP", e["ipAddress"].clone())),
                    "urlEvidence" => f.push(("RemoteUrl", e["url"].clone())),
                    "analyzedMessageEvidence" => f.extend([
                        ("NetworkMessageId", e["networkMessageId"].clone()),
                        ("EmailSubject", e["subject"].clone()),
                    ]),
                    "cloudApplicationEvidence" => f.extend([
                        ("Application", e["displayName"].clone()),
                        ("ApplicationId", e["appId"].clone()),
                    ]),
                    "oauthApplicationEvidence" => f.extend([
                        ("Application", e["displayName"].clone()),
                        ("OAuthApplicationId", e["appId"].clone()),
                    ]),
                    "registryValueEvidence" => f.extend([
                        ("RegistryKey", e["registryKey"].clone()),
                        ("RegistryValueName", e["registryValueName"].clone()),
                        ("RegistryValueData", e["registryValue"].clone()),
                    ]),
                    _ => {}
                }
                self.out.row("AlertEvidence", f);
                self.context_rows(kind, e, &at);
            }
        }
        if status != "new" {
            let by = if self.r.chance(50) {
                "sofia.jansen@contoso.com"
            } else {
                "liam.dekker@contoso.com"
            };
            alert["status"] = s(status);
            alert["assignedTo"] = s(by);
            if status == "resolved" {
                alert["classification"] = s("truePositive");
                alert["determination"] = s("malware");
                alert["resolvedDateTime"] = alert["lastUpdateDateTime"].clone();
            }
        }
        self.out.alerts.push(alert);
    }

    /// Ordinary activity around an evidence entity, so that hunting finds the entity in context.
    fn context_rows(&mut self, kind: &str, e: &Value, at: &Value) {
        match kind {
            "deviceEvidence" if e["mdeDeviceId"].is_string() => {
                let (id, name, ip) = (
                    e["mdeDeviceId"].clone(),
                    e["deviceDnsName"].clone(),
                    e["lastIpAddress"].clone(),
                );
                let account = e["loggedOnUsers"][0]["accountName"].clone();
                let rid = self.report_id();
                self.out.row(
                    "DeviceLogonEvents",
                    [
                        ("Timestamp", at.clone()),
                        ("DeviceId", id.clone()),
                        ("DeviceName", name.clone()),
                        ("ActionType", s("LogonSuccess")),
                        ("LogonType", s("Interactive")),
                        ("AccountDomain", s("contoso")),
                        ("AccountName", account),
                        ("Protocol", s("Kerberos")),
                        ("IsLocalAdmin", Value::Bool(false)),
                        ("ReportId", rid),
                    ],
                );
                let rid = self.report_id();
                let remote = *self.r.pick(&["13.107.42.14", "52.97.146.18", "20.190.151.7"]);
                self.out.row(
                    "DeviceNetworkEvents",
                    [
                        ("Timestamp", at.clone()),
                        ("DeviceId", id),
                        ("DeviceName", name),
                        ("ActionType", s("ConnectionSuccess")),
                        ("RemoteIP", s(remote)),
                        ("RemotePort", Value::from(443)),
                        ("RemoteUrl", s("login.microsoftonline.com")),
                        ("LocalIP", ip),
                        ("LocalPort", Value::from(self.r.range(49152, 65535))),
                        ("Protocol", s("Tcp")),
                        ("LocalIPType", s("Private")),
                        ("RemoteIPType", s("Public")),
                        ("InitiatingProcessFileName", s("svchost.exe")),
                        ("ReportId", rid),
                    ],
                );
            }
            "userEvidence" => {
                let ua = &e["userAccount"];
                let rid = Value::String(self.r.guid());
                self.out.row(
                    "IdentityLogonEvents",
                    [
                        ("Timestamp", at.clone()),
                        ("ActionType", s("LogonSuccess")),
                        ("Application", s("Microsoft 365")),
                        ("LogonType", s("Interactive")),
                        ("Protocol", s("OAuth2")),
                        ("AccountName", ua["accountName"].clone()),
                        ("AccountDomain", s("contoso.com")),
                        ("AccountUpn", ua["userPrincipalName"].clone()),
                        ("AccountSid", ua["userSid"].clone()),
                        ("AccountObjectId", ua["azureAdUserId"].clone()),
                        ("AccountDisplayName", ua["displayName"].clone()),
                        ("IPAddress", s("203.0.113.45")),
                        ("Location", s("NL")),
                        ("ReportId", rid),
                        ("AdditionalFields", json!({})),
                    ],
                );
            }
            "fileEvidence" if e["mdeDeviceId"].is_string() => {
                let fd = &e["fileDetails"];
                let rid = self.report_id();
                self.out.row(
                    "DeviceEvents",
                    [
                        ("Timestamp", at.clone()),
                        ("DeviceId", e["mdeDeviceId"].clone()),
                        ("ActionType", s("AntivirusDetection")),
                        ("FileName", fd["fileName"].clone()),
                        ("SHA1", fd["sha1"].clone()),
                        ("SHA256", fd["sha256"].clone()),
                        ("MD5", fd["md5"].clone()),
                        ("FileSize", fd["fileSize"].clone()),
                        ("InitiatingProcessFileName", s("MsMpEng.exe")),
                        ("ReportId", rid),
                    ],
                );
            }
            "ipEvidence" => {
                let rid = Value::String(self.r.guid());
                self.out.row(
                    "IdentityLogonEvents",
                    [
                        ("Timestamp", at.clone()),
                        ("ActionType", s("LogonFailed")),
                        ("Application", s("Active Directory")),
                        ("LogonType", s("Failed logon")),
                        ("Protocol", s("Ntlm")),
                        ("IPAddress", e["ipAddress"].clone()),
                        ("Location", e["countryLetterCode"].clone()),
                        ("FailureReason", s("UnknownUser")),
                        ("ReportId", rid),
                        ("AdditionalFields", json!({})),
                    ],
                );
            }
            "processEvidence" => {
                let rid = self.report_id();
                self.out.row(
                    "DeviceImageLoadEvents",
                    [
                        ("Timestamp", at.clone()),
                        ("DeviceId", e["mdeDeviceId"].clone()),
                        ("ActionType", s("ImageLoaded")),
                        ("FileName", s("ntdll.dll")),
                        ("FolderPath", s("C:\\Windows\\System32\\ntdll.dll")),
                        ("InitiatingProcessFileName", e["imageFile"]["fileName"].clone()),
                        ("InitiatingProcessCommandLine", e["processCommandLine"].clone()),
                        ("ReportId", rid),
                    ],
                );
            }
            _ => {}
        }
    }

    fn story(&mut self, kind: Kind, size: usize, at: i64) {
        let nd = self.w.devices.len() as u64;
        let di = self.r.below(nd) as usize;
        let w = self.w;
        let d = &w.devices[di];
        let u = &w.users[d.user];
        // status for stories no playbook closes: older incidents are often being worked on or closed
        let status = if at > 6 * HOUR && self.r.chance(30) {
            "resolved"
        } else if at > HOUR && self.r.chance(15) {
            "inProgress"
        } else {
            "new"
        };
        for i in 0..size {
            let at = (at - (i as i64) * self.r.range(30, 400)).max(1);
            let created = self.w.iso(at, 0);
            match kind {
                Kind::EicarClosable | Kind::EicarNearMiss => {
                    let near = kind == Kind::EicarNearMiss;
                    let folder = format!("C:\\Users\\{}\\Downloads", u.sam);
                    let fd = if near {
                        self.file("Q4_invoice_EICAR_check.docm", &folder, None, 48_213)
                    } else {
                        json!({"fileName": if i % 2 == 0 { "eicar.com.txt" } else { "eicar.com" }, "filePath": folder,
                               "filePublisher": null, "fileSize": 68, "issuer": null, "md5": "44d88612fea8a8f36de82e1278abb02f",
                               "sha1": "3395856ce81f2b7382dee72602f798b642f14140", "sha256": EICAR, "sha256Ac": null, "signer": null})
                    };
                    self.file_row(d, &fd, at + 20, "FileCreated");
                    let ev = vec![
                        self.e_device(d, &created, &[]),
                        self.e_file(&fd, Some(d), &created, "malicious"),
                        self.e_user(u, &created, &[]),
                    ];
                    let a = Alert {
                        src: "mde",
                        det: "antivirus",
                        title: "'EICAR_Test_File' malware was prevented",
                        sev: if near { "low" } else { "informational" },
                        cat: "Malware",
                        mitre: &[],
                    };
                    let alert = self.alert(&a, at, ev, Some("Virus:DOS/EICAR_Test_File"));
                    self.push(alert, if near { status } else { "new" });
                }
                Kind::AdminClosable | Kind::AdminNearMiss => {
                    let near = kind == Kind::AdminNearMiss;
                    let actor = if near { u } else { &w.admins[i % 2] };
                    let target = &w.servers[2 + (self.r.below(3) as usize)];
                    let src = if near { d } else { &w.servers[5] };
                    let tool = if self.r.chance(70) {
                        "PsExec64.exe"
                    } else {
                        "PsExec.exe"
                    };
                    let fd = self.file(
                        tool,
                        "C:\\Tools\\Sysinternals",
                        Some("edfae1a69522f87b12c6dac3225d930e4848832e3c551ee1e7d31736bf4525ef"),
                        833_472,
                    );
                    let cmd = format!(
                        "{tool} \\\\{} -accepteula -s cmd.exe /c \"gpupdate /force\"",
                        target.host
                    );
                    self.proc_row(src, Some(actor), &fd, &cmd, at + 20, "cmd.exe", "cmd.exe");
                    self.logon_row(target, actor, at + 18, "Network", Some(&src.ip));
                    let ev = vec![
                        self.e_device(src, &created, &[]),
                        self.e_device(target, &created, &["attacked"]),
                        self.e_process(src, Some(actor), &fd, &cmd, &created, at + 20, "suspicious"),
                        self.e_file(&fd, Some(src), &created, "suspicious"),
                        self.e_user(actor, &created, &[]),
                    ];
                    let a = Alert {
                        src: "mde",
                        det: "microsoftDefenderForEndpoint",
                        title: "Suspicious remote execution using PsExec",
                        sev: "medium",
                        cat: "LateralMovement",
                        mitre: &["T1021.002", "T1569.002"],
                    };
                    let alert = self.alert(&a, at, ev, None);
                    self.push(alert, if near { status } else { "new" });
                }
                Kind::ScannerClosable | Kind::ScannerNearMiss => {
                    let near = kind == Kind::ScannerNearMiss;
                    let ip = if near {
                        d.ip.clone()
                    } else {
                        (*self.r.pick(&["192.0.2.10", "198.51.100.5", "198.51.100.3"])).to_string()
                    };
                    let dc = &w.servers[i % 2];
                    let victim = &w.users[self.r.below(w.users.len() as u64) as usize];
                    self.idlogon(victim, at + 30, &ip, "Active Directory", "LogonFailed");
                    let ev = vec![
                        self.e_device(dc, &created, &["attacked"]),
                        Self::e_ip(&ip, None, &created, &["attacker"]),
                    ];
                    let a = Alert {
                        src: "mdi",
                        det: "microsoftDefenderForIdentity",
                        title: "Network-mapping reconnaissance (DNS)",
                        sev: "low",
                        cat: "Discovery",
                        mitre: &["T1046", "T1018"],
                    };
                    let alert = self.alert(&a, at, ev, None);
                    self.push(alert, if near { status } else { "new" });
                }
                Kind::Phishing => self.phishing_step(i, d, u, at, &created, status),
                Kind::Ransomware => self.ransomware_step(i, d, u, at, &created, status),
                Kind::OAuth => {
                    let app = self.r.guid();
                    let app_ev = Self::ev(
                        "oauthApplicationEvidence",
                        &created,
                        "malicious",
                        &[],
                        &["OAuth application"],
                        json!({
                        "appId": app, "displayName": "DocuSign Secure Viewer", "objectId": self.r.guid(), "publisher": "docuviewer-secure.app"}),
                    );
                    let rid = Value::String(self.r.guid());
                    self.out.row(
                        "CloudAppEvents",
                        [
                            ("Timestamp", Value::String(self.w.iso(at + 30, 0))),
                            ("ActionType", s("Consent to application.")),
                            ("Application", s("Microsoft Azure")),
                            ("ApplicationId", Value::from(12260)),
                            ("AccountObjectId", s(&u.oid)),
                            ("AccountDisplayName", s(&u.display)),
                            ("IPAddress", s("203.0.113.45")),
                            ("CountryCode", s("NL")),
                            ("ObjectName", s("DocuSign Secure Viewer")),
                            ("OAuthAppId", Value::String(app)),
                            ("ReportId", rid),
                            (
                                "RawEventData",
                                json!({"Operation": "Consent to application.", "UserId": u.upn}),
                            ),
                        ],
                    );
                    let ev = vec![
                        app_ev,
                        self.e_user(u, &created, &["compromised"]),
                        Self::ev(
                            "cloudApplicationEvidence",
                            &created,
                            "unknown",
                            &[],
                            &[],
                            json!({"appId": 12260, "displayName": "Microsoft Azure", "instanceId": 0, "instanceName": "Microsoft Azure", "saasAppId": 12260, "stream": null}),
                        ),
                    ];
                    let a = if i % 2 == 0 {
                        Alert {
                            src: "appgov",
                            det: "appGovernanceDetection",
                            title: "App with suspicious OAuth scope made Graph calls to read email",
                            sev: "high",
                            cat: "Collection",
                            mitre: &["T1114.002"],
                        }
                    } else {
                        Alert {
                            src: "mdca",
                            det: "cloudAppSecurity",
                            title: "Unusual addition of credentials to an OAuth app",
                            sev: "medium",
                            cat: "Persistence",
                            mitre: &["T1098.001"],
                        }
                    };
                    let alert = self.alert(&a, at, ev, None);
                    self.push(alert, status);
                }
                Kind::Dlp => {
                    let doc = self
                        .r
                        .pick(&["Customer_export.xlsx", "Payroll_December.xlsx", "Patient_list.docx"])
                        .to_string();
                    let fd = json!({"fileName": doc, "filePath": "https://contoso.sharepoint.com/sites/Sales/Shared Documents",
                                    "filePublisher": null, "fileSize": 120_000, "issuer": null, "md5": null, "sha1": null,
                                    "sha256": null, "sha256Ac": null, "signer": null});
                    let rid = Value::String(self.r.guid());
                    self.out.row(
                        "CloudAppEvents",
                        [
                            ("Timestamp", Value::String(self.w.iso(at + 30, 0))),
                            ("ActionType", s("FileUploaded")),
                            ("Application", s("Microsoft SharePoint Online")),
                            ("ApplicationId", Value::from(20892)),
                            ("AccountObjectId", s(&u.oid)),
                            ("AccountDisplayName", s(&u.display)),
                            ("IPAddress", s("203.0.113.45")),
                            ("ObjectName", Value::String(doc)),
                            ("ObjectType", s("File")),
                            ("ReportId", rid),
                        ],
                    );
                    let ev = vec![
                        self.e_user(u, &created, &["policyViolator"]),
                        self.e_file(&fd, None, &created, "suspicious"),
                    ];
                    let a = Alert {
                        src: "dlp",
                        det: "microsoftDataLossPrevention",
                        title: "DLP policy (GDPR - personal data) matched for document in SharePoint",
                        sev: "low",
                        cat: "Exfiltration",
                        mitre: &[],
                    };
                    let alert = self.alert(&a, at, ev, None);
                    self.push(alert, status);
                }
                Kind::Pua => {
                    let fd = self.file(
                        "WebCompanionInstaller.exe",
                        &format!("C:\\Users\\{}\\Downloads", u.sam),
                        None,
                        1_203_112,
                    );
                    self.file_row(d, &fd, at + 40, "FileCreated");
                    let ev = vec![
                        self.e_device(d, &created, &[]),
                        self.e_file(&fd, Some(d), &created, "malicious"),
                        self.e_user(u, &created, &[]),
                    ];
                    let a = Alert {
                        src: "mde",
                        det: "antivirus",
                        title: "'Webcompanion' unwanted software was prevented",
                        sev: "low",
                        cat: "UnwantedSoftware",
                        mitre: &[],
                    };
                    let alert = self.alert(&a, at, ev, Some("PUA:Win32/Webcompanion"));
                    self.push(alert, status);
                }
            }
        }
    }

    fn phishing_step(&mut self, i: usize, d: &Device, u: &User, at: i64, created: &str, status: &str) {
        let attacker = "198.51.100.23";
        let (alert, ev) = match i % 6 {
            0 => {
                let nmid = self.r.guid();
                let url = format!("https://secure-o365-login.net/s/{}", self.r.hex(12));
                let rid = Value::String(self.r.guid());
                self.out.row(
                    "EmailEvents",
                    [
                        ("Timestamp", Value::String(self.w.iso(at + 60, 0))),
                        ("NetworkMessageId", s(&nmid)),
                        ("SenderFromAddress", s("accounts@payments-partner.biz")),
                        ("SenderFromDomain", s("payments-partner.biz")),
                        ("SenderIPv4", s("192.0.2.200")),
                        ("RecipientEmailAddress", s(&u.upn)),
                        ("RecipientObjectId", s(&u.oid)),
                        ("Subject", s("Overdue invoice - action required")),
                        ("EmailDirection", s("Inbound")),
                        ("DeliveryAction", s("Delivered")),
                        ("DeliveryLocation", s("Inbox")),
                        ("ThreatTypes", s("Phish")),
                        ("UrlCount", Value::from(1)),
                        ("AttachmentCount", Value::from(0)),
                        ("ReportId", rid),
                    ],
                );
                let msg = Self::ev(
                    "analyzedMessageEvidence",
                    created,
                    "malicious",
                    &[],
                    &[],
                    json!({
                    "antiSpamDirection": "inbound", "attachmentsCount": 0, "deliveryAction": "delivered", "deliveryLocation": "inbox",
                    "internetMessageId": format!("<{}@payments-partner.biz>", self.r.hex(16)), "language": "en", "networkMessageId": nmid,
                    "p1Sender": {"displayName": "Accounts Payable", "domainName": "payments-partner.biz", "emailAddress": "accounts@payments-partner.biz"},
                    "p2Sender": {"displayName": "Accounts Payable", "domainName": "payments-partner.biz", "emailAddress": "accounts@payments-partner.biz"},
                    "receivedDateTime": self.w.iso(at + 60, 0), "recipientEmailAddress": u.upn, "senderIp": "192.0.2.200",
                    "subject": "Overdue invoice - action required", "threatDetectionMethods": ["URL detonation reputation"],
                    "threats": ["Phish"], "urlCount": 1, "urls": [url], "urn": format!("urn:MailEntity:{}", self.r.hex(32))}),
                );
                let mailbox = Self::ev(
                    "mailboxEvidence",
                    created,
                    "unknown",
                    &[],
                    &["Targeted mailbox"],
                    with(
                        json!({"displayName": u.display, "primaryAddress": u.upn, "upn": u.upn}),
                        "userAccount",
                        self.account(u),
                    ),
                );
                let url_ev = Self::ev("urlEvidence", created, "malicious", &[], &[], json!({"url": url}));
                (
                    Alert {
                        src: "mdo",
                        det: "microsoftDefenderForOffice365",
                        title: "Email messages containing malicious URL removed after delivery",
                        sev: "informational",
                        cat: "InitialAccess",
                        mitre: &["T1566.002"],
                    },
                    vec![msg, mailbox, url_ev, self.e_user(u, created, &[])],
                )
            }
            1 => {
                self.idlogon(u, at + 60, attacker, "Microsoft 365", "LogonSuccess");
                (
                    Alert {
                        src: "aadip",
                        det: "azureAdIdentityProtection",
                        title: "Unfamiliar sign-in properties",
                        sev: "medium",
                        cat: "InitialAccess",
                        mitre: &["T1078.004"],
                    },
                    vec![
                        self.e_user(u, created, &["compromised"]),
                        Self::e_ip(attacker, Some("RU"), created, &["attacker"]),
                    ],
                )
            }
            2 => {
                let fd = self.file(
                    "powershell.exe",
                    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0",
                    None,
                    450_560,
                );
                let cmd = format!(
                    "powershell.exe -nop -w hidden -enc {}",
                    "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA"
                );
                self.proc_row(
                    d,
                    Some(u),
                    &fd,
                    &cmd,
                    at + 30,
                    "winword.exe",
                    "\"WINWORD.EXE\" /n invoice.docm",
                );
                let rid = self.report_id();
                self.out.row(
                    "DeviceNetworkEvents",
                    [
                        ("Timestamp", Value::String(self.w.iso(at + 25, 0))),
                        ("DeviceId", s(&d.id)),
                        ("DeviceName", s(&d.fqdn)),
                        ("ActionType", s("ConnectionSuccess")),
                        ("RemoteIP", s("198.51.100.77")),
                        ("RemotePort", Value::from(443)),
                        ("RemoteUrl", s("cdn-update.azureedge-content.net")),
                        ("LocalIP", s(&d.ip)),
                        ("Protocol", s("Tcp")),
                        ("InitiatingProcessFileName", s("powershell.exe")),
                        ("ReportId", rid),
                    ],
                );
                (
                    Alert {
                        src: "mde",
                        det: "microsoftDefenderForEndpoint",
                        title: "Suspicious PowerShell command line",
                        sev: "medium",
                        cat: "Execution",
                        mitre: &["T1059.001", "T1027"],
                    },
                    vec![
                        self.e_device(d, created, &[]),
                        self.e_process(d, Some(u), &fd, &cmd, created, at + 30, "suspicious"),
                        self.e_user(u, created, &[]),
                        Self::e_ip("198.51.100.77", Some("US"), created, &["commandAndControl"]),
                    ],
                )
            }
            3 => {
                let fd = self.file("rundll32.exe", "C:\\Windows\\System32", None, 71_680);
                let cmd = "rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 812 C:\\Users\\Public\\l.dmp full";
                self.proc_row(
                    d,
                    Some(u),
                    &fd,
                    cmd,
                    at + 15,
                    "powershell.exe",
                    "powershell.exe -nop -w hidden",
                );
                (
                    Alert {
                        src: "mde",
                        det: "microsoftDefenderForEndpoint",
                        title: "Suspicious access to LSASS service",
                        sev: "high",
                        cat: "CredentialAccess",
                        mitre: &["T1003.001"],
                    },
                    vec![
                        self.e_device(d, created, &[]),
                        self.e_process(d, Some(u), &fd, cmd, created, at + 15, "malicious"),
                        self.e_user(u, created, &["compromised"]),
                    ],
                )
            }
            4 => {
                let dst = &self.w.servers[2];
                self.logon_row(dst, u, at + 20, "Network", Some(&d.ip));
                (
                    Alert {
                        src: "mdi",
                        det: "microsoftDefenderForIdentity",
                        title: "Suspected identity theft (pass-the-hash)",
                        sev: "high",
                        cat: "LateralMovement",
                        mitre: &["T1550.002"],
                    },
                    vec![
                        self.e_user(u, created, &["compromised"]),
                        self.e_device(d, created, &["attacker"]),
                        self.e_device(dst, created, &["attacked"]),
                        Self::e_ip(&d.ip, None, created, &["source"]),
                    ],
                )
            }
            _ => {
                let proton = format!("{}.pay@proton.me", u.sam);
                let rid = Value::String(self.r.guid());
                self.out.row(
                    "CloudAppEvents",
                    [
                        ("Timestamp", Value::String(self.w.iso(at + 60, 0))),
                        ("ActionType", s("New-InboxRule")),
                        ("Application", s("Microsoft Exchange Online")),
                        ("ApplicationId", Value::from(20893)),
                        ("AccountObjectId", s(&u.oid)),
                        ("AccountDisplayName", s(&u.display)),
                        ("IPAddress", s(attacker)),
                        ("CountryCode", s("RU")),
                        ("ObjectName", s("..")),
                        ("ObjectType", s("Inbox rule")),
                        ("ReportId", rid),
                        (
                            "RawEventData",
                            json!({"Operation": "New-InboxRule", "UserId": u.upn, "Parameters": [
                        {"Name": "Name", "Value": ".."}, {"Name": "ForwardTo", "Value": proton}]}),
                        ),
                    ],
                );
                let cfg = Self::ev(
                    "mailboxConfigurationEvidence",
                    created,
                    "suspicious",
                    &[],
                    &[],
                    json!({
                    "configurationId": self.r.guid(), "configurationType": "mailForwardingRule", "displayName": "..",
                    "externalDirectoryObjectId": u.oid, "mailboxPrimaryAddress": u.upn, "upn": u.upn}),
                );
                let xdr = i % 12 == 11;
                (
                    if xdr {
                        Alert {
                            src: "xdr",
                            det: "microsoft365Defender",
                            title: "Suspicious activity sequence: phishing followed by mailbox forwarding",
                            sev: "high",
                            cat: "Exfiltration",
                            mitre: &["T1114.003"],
                        }
                    } else {
                        Alert {
                            src: "mdca",
                            det: "cloudAppSecurity",
                            title: "Suspicious inbox forwarding rule",
                            sev: "medium",
                            cat: "Exfiltration",
                            mitre: &["T1114.003", "T1564.008"],
                        }
                    },
                    vec![
                        self.e_user(u, created, &["compromised"]),
                        cfg,
                        Self::e_ip(attacker, Some("RU"), created, &["attacker"]),
                    ],
                )
            }
        };
        let a = self.alert(&alert, at, ev, None);
        self.push(a, status);
    }

    fn ransomware_step(&mut self, i: usize, d: &Device, u: &User, at: i64, created: &str, status: &str) {
        let (alert, ev, threat) = match i % 3 {
            0 => {
                let fd = self.file("beacon.dll", "C:\\ProgramData\\Intel", None, 307_200);
                self.file_row(d, &fd, at + 50, "FileCreated");
                (
                    Alert {
                        src: "mde",
                        det: "microsoftDefenderForEndpoint",
                        title: "'CobaltStrike' malware was detected",
                        sev: "high",
                        cat: "Malware",
                        mitre: &["T1055", "T1071.001"],
                    },
                    vec![
                        self.e_device(d, created, &[]),
                        self.e_file(&fd, Some(d), created, "malicious"),
                        self.e_user(u, created, &[]),
                        Self::e_ip("198.51.100.77", Some("US"), created, &["commandAndControl"]),
                    ],
                    Some("Backdoor:Win64/CobaltStrike.NP!dha"),
                )
            }
            1 => {
                let key = "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run";
                let val = "rundll32.exe C:\\ProgramData\\Intel\\beacon.dll,StartW";
                let rid = self.report_id();
                self.out.row(
                    "DeviceRegistryEvents",
                    [
                        ("Timestamp", Value::String(self.w.iso(at + 9, 0))),
                        ("DeviceId", s(&d.id)),
                        ("DeviceName", s(&d.fqdn)),
                        ("ActionType", s("RegistryValueSet")),
                        ("RegistryKey", s(key)),
                        ("RegistryValueType", s("String")),
                        ("RegistryValueName", s("OneDriveUpdate")),
                        ("RegistryValueData", s(val)),
                        ("InitiatingProcessFileName", s("reg.exe")),
                        ("ReportId", rid),
                    ],
                );
                let rk = Self::ev(
                    "registryKeyEvidence",
                    created,
                    "suspicious",
                    &[],
                    &[],
                    json!({"registryHive": "HKEY_CURRENT_USER", "registryKey": key}),
                );
                let rv = Self::ev(
                    "registryValueEvidence",
                    created,
                    "suspicious",
                    &[],
                    &[],
                    json!({
                    "mdeDeviceId": d.id, "registryHive": "HKEY_CURRENT_USER", "registryKey": key, "registryValue": val,
                    "registryValueName": "OneDriveUpdate", "registryValueType": "String"}),
                );
                (
                    Alert {
                        src: "mde",
                        det: "microsoftDefenderForEndpoint",
                        title: "Anomaly detected in ASEP registry",
                        sev: "medium",
                        cat: "Persistence",
                        mitre: &["T1547.001"],
                    },
                    vec![self.e_device(d, created, &[]), rk, rv, self.e_user(u, created, &[])],
                    None,
                )
            }
            _ => {
                let fd = self.file("vssadmin.exe", "C:\\Windows\\System32", None, 139_264);
                let cmd = "vssadmin.exe delete shadows /all /quiet";
                self.proc_row(
                    d,
                    Some(u),
                    &fd,
                    cmd,
                    at + 12,
                    "cmd.exe",
                    "cmd.exe /c vssadmin.exe delete shadows /all /quiet",
                );
                (
                    Alert {
                        src: "mde",
                        det: "microsoftDefenderForEndpoint",
                        title: "File backups were deleted",
                        sev: "high",
                        cat: "Impact",
                        mitre: &["T1490"],
                    },
                    vec![
                        self.e_device(d, created, &[]),
                        self.e_process(d, Some(u), &fd, cmd, created, at + 12, "malicious"),
                        self.e_user(u, created, &["compromised"]),
                    ],
                    None,
                )
            }
        };
        let a = self.alert(&alert, at, ev, threat);
        self.push(a, status);
    }
}

/// `v` with `key` set to `x`, moved in (`json!` would copy a `Value` through the serializer).
fn with(mut v: Value, key: &str, x: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.insert(key.to_string(), x);
    }
    v
}

fn capitalize(x: &str) -> String {
    let mut c = x.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

fn fxhash(x: &str) -> u64 {
    x.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn sev_rank(s: &str) -> u8 {
    match s {
        "high" => 4,
        "medium" => 3,
        "low" => 2,
        "informational" => 1,
        _ => 0,
    }
}

/// The incident planned as `plans[idx]`: its alerts and rows, then the incident object.
fn build_incident(w: &World, seed: u64, idx: usize, plan: &Plan, out: &mut Out) {
    // hash (seed, idx) into the stream's start, so that no two incidents share a stream
    let mut mix = SplitMix64::new(seed ^ (idx as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
    let mut r = SplitMix64::new(mix.next_u64() ^ seed.rotate_left(17));
    // 5% of incidents in the last hour, the rest over the week
    let at = if r.chance(5) {
        r.range(60, HOUR)
    } else {
        r.range(HOUR, WEEK)
    };
    let inc_id = (100_000 + idx).to_string();
    let first = out.alerts.len();
    let mut ctx = Ctx {
        w,
        r,
        out,
        inc_id: inc_id.clone(),
        report: (idx as i64) * 10_000,
    };
    ctx.story(plan.kind, plan.size, at);
    let alerts = &ctx.out.alerts[first..];
    let severity = alerts
        .iter()
        .map(|a| a["severity"].as_str().unwrap_or(""))
        .max_by_key(|s| sev_rank(s))
        .unwrap_or("low")
        .to_string();
    let status = if alerts.iter().all(|a| a["status"] == "resolved") {
        "resolved"
    } else if alerts.iter().any(|a| a["status"] != "new") {
        "inProgress"
    } else {
        "active"
    };
    let last = alerts
        .iter()
        .filter_map(|a| a["lastUpdateDateTime"].as_str())
        .max()
        .unwrap_or("")
        .to_string();
    let created = alerts
        .iter()
        .filter_map(|a| a["createdDateTime"].as_str())
        .min()
        .unwrap_or("")
        .to_string();
    let assigned = alerts.iter().find_map(|a| a["assignedTo"].as_str().map(str::to_string));
    let name = match plan.kind {
        Kind::Phishing => {
            "Multi-stage incident involving Initial access & Lateral movement on one endpoint reported by multiple sources"
        }
        Kind::Ransomware => "Multi-stage incident involving Execution & Impact on one endpoint",
        Kind::OAuth => "Multi-stage incident involving Persistence & Collection involving one user",
        Kind::Dlp => "DLP policy (GDPR - personal data) matched for documents involving one user",
        Kind::ScannerClosable | Kind::ScannerNearMiss => "Discovery incident involving multiple endpoints",
        Kind::AdminClosable | Kind::AdminNearMiss => "Lateral movement incident on multiple endpoints",
        _ => "Malware incident on one endpoint",
    };
    let tags: Vec<&str> = if ctx.r.chance(10) {
        vec![*ctx.r.pick(&["VIP", "Finance", "ransomware-watch", "P1"])]
    } else {
        vec![]
    };
    let score = i64::from(sev_rank(&severity)) * 20 + ctx.r.range(0, 19);
    // Beta-only properties (`/v1.0` leaves them out).
    let (advice, hunt) = match plan.kind {
        Kind::Phishing => (
            "Reset the user's password, revoke their sessions, and purge the message from every mailbox.",
            "EmailEvents | where Timestamp > ago(7d) | where ThreatTypes has 'Phish' | summarize count() by SenderFromAddress",
        ),
        Kind::Ransomware => (
            "Isolate the device, collect an investigation package, and look for lateral movement from it.",
            "DeviceProcessEvents | where Timestamp > ago(7d) | where ProcessCommandLine has 'vssadmin' and ProcessCommandLine has 'delete'",
        ),
        Kind::OAuth => (
            "Revoke the application's consent and review what it read.",
            "CloudAppEvents | where Timestamp > ago(7d) | where ActionType == 'Consent to application.'",
        ),
        _ => (
            "Review the alerts and the related activity on the devices and accounts involved.",
            "AlertEvidence | where Timestamp > ago(7d) | summarize count() by EntityType",
        ),
    };
    let inc = json!({
        "@odata.type": "#microsoft.graph.security.incident", "id": inc_id, "tenantId": TENANT, "displayName": name,
        "description": null, "summary": null, "severity": severity, "status": status,
        "classification": if status == "resolved" { json!("truePositive") } else { Value::Null },
        "determination": if status == "resolved" { json!("malware") } else { Value::Null },
        "assignedTo": assigned.clone(), "createdDateTime": created, "lastUpdateDateTime": last,
        "lastModifiedBy": assigned.unwrap_or_else(|| "Microsoft 365 Defender-AlertCorrelation".into()),
        "incidentWebUrl": format!("https://security.microsoft.com/incidents/{inc_id}?tid={TENANT}"),
        "redirectIncidentId": null, "resolvingComment": null, "priorityScore": score, "customTags": tags,
        "systemTags": [], "comments": [], "recommendedActions": advice,
        "recommendedHuntingQueries": [{"kqlText": hunt}],
    });
    ctx.out.incidents.push(inc);
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
    let (chunks, device_info) = build(alerts, seed, anchor, |out| {
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

/// The shipped auto-close playbooks' trigger filters and conditions, restated in Rust for tests.
#[cfg(test)]
pub(crate) mod criteria {
    use serde_json::Value;

    pub struct Lists {
        pub eicar: Vec<String>,
        pub admins: Vec<String>,
        pub tools: Vec<String>,
        pub tool_hashes: Vec<String>,
        pub scanners: Vec<String>,
    }

    fn list(name: &str) -> Vec<String> {
        let path = format!("{}/lists/{name}.txt", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect()
    }

    pub fn lists() -> Lists {
        Lists {
            eicar: list("eicar_sha256"),
            admins: list("admin_accounts"),
            tools: list("approved_admin_tools"),
            tool_hashes: list("approved_admin_tool_sha256"),
            scanners: list("scanner_ips"),
        }
    }

    fn st<'a>(v: &'a Value, k: &str) -> &'a str {
        v.get(k).and_then(Value::as_str).unwrap_or("")
    }

    fn evidence(a: &Value) -> &[Value] {
        a.get("evidence").and_then(Value::as_array).map_or(&[], Vec::as_slice)
    }

    fn is(e: &Value, kind: &str) -> bool {
        st(e, "@odata.type") == format!("#microsoft.graph.security.{kind}")
    }

    fn matches_any(s: &str, values: &[String]) -> bool {
        values.iter().any(|v| v.eq_ignore_ascii_case(s))
    }

    /// close-eicar-test-alerts
    pub fn eicar(a: &Value, l: &Lists) -> bool {
        let filter = st(a, "status") == "new" && matches!(st(a, "severity"), "informational" | "low");
        let files: Vec<&Value> = evidence(a).iter().filter(|e| is(e, "fileEvidence")).collect();
        filter
            && st(a, "title").to_lowercase().contains("eicar")
            && !files.is_empty()
            && files.iter().all(|e| {
                let sha = e
                    .pointer("/fileDetails/sha256")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_lowercase();
                l.eicar.contains(&sha)
            })
    }

    /// close-approved-admin-tool-alerts
    pub fn admin_tool(a: &Value, l: &Lists) -> bool {
        let filter = st(a, "status") == "new"
            && st(a, "serviceSource") == "microsoftDefenderForEndpoint"
            && matches!(st(a, "severity"), "informational" | "low" | "medium");
        let is_admin = |u: Option<&Value>| {
            let u = u.unwrap_or(&Value::Null);
            matches_any(st(u, "userPrincipalName"), &l.admins)
                || matches_any(&format!("{}\\{}", st(u, "domainName"), st(u, "accountName")), &l.admins)
        };
        let ev = evidence(a);
        let tools: Vec<&Value> = ev
            .iter()
            .filter(|e| {
                let img = e.get("imageFile").unwrap_or(&Value::Null);
                matches_any(st(img, "fileName"), &l.tools) || l.tool_hashes.contains(&st(img, "sha256").to_lowercase())
            })
            .collect();
        filter
            && !tools.is_empty()
            && tools.iter().all(|p| is_admin(p.get("userAccount")))
            && ev
                .iter()
                .filter(|e| is(e, "userEvidence"))
                .all(|e| is_admin(e.get("userAccount")))
            && !ev.iter().any(|e| st(e, "verdict") == "malicious")
    }

    fn ipv4(s: &str) -> Option<u32> {
        let parts: Vec<u8> = s.split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
        (parts.len() == 4).then(|| u32::from_be_bytes([parts[0], parts[1], parts[2], parts[3]]))
    }

    fn cidr_match(ip: &str, cidr: &str) -> bool {
        let (net, bits) = cidr.split_once('/').unwrap_or((cidr, "32"));
        match (ipv4(ip), ipv4(net), bits.parse::<u32>()) {
            (Some(ip), Some(net), Ok(bits)) if bits <= 32 => {
                let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
                ip & mask == net & mask
            }
            _ => false,
        }
    }

    /// close-vulnerability-scanner-alerts
    pub fn scanner(a: &Value, l: &Lists) -> bool {
        let filter = st(a, "status") == "new" && matches!(st(a, "severity"), "informational" | "low" | "medium");
        let tactics = ["Discovery", "Reconnaissance"];
        let recon = a
            .get("categories")
            .and_then(Value::as_array)
            .is_some_and(|c| c.iter().any(|c| tactics.contains(&c.as_str().unwrap_or(""))))
            || tactics.contains(&st(a, "category"));
        let ips: Vec<&Value> = evidence(a).iter().filter(|e| is(e, "ipEvidence")).collect();
        filter
            && recon
            && !ips.is_empty()
            && ips.iter().all(|e| {
                e.get("ipAddress")
                    .and_then(Value::as_str)
                    .is_some_and(|ip| l.scanners.iter().any(|c| cidr_match(ip, c)))
            })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

    use serde_json::Value;

    use super::super::store::Collection;
    use super::*;

    fn count(ds: &Dataset, f: impl Fn(&Value, &criteria::Lists) -> bool) -> usize {
        let l = criteria::lists();
        ds.alerts.iter().filter(|a| f(a, &l)).count()
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
        for n in [0, 1, 9, 10, 37, 100, 1000, 2345] {
            let ds = generate(n, 42);
            assert_eq!(ds.alerts.len(), n);
            assert_eq!(count(&ds, criteria::eicar), n / 10, "EICAR share for {n}");
            assert_eq!(count(&ds, criteria::admin_tool), n / 50, "admin-tool share for {n}");
            assert_eq!(count(&ds, criteria::scanner), n * 3 / 100, "scanner share for {n}");
        }
    }

    #[test]
    fn near_misses_exist_at_scale() {
        let ds = generate(3000, 1);
        let l = criteria::lists();
        let eicar_titles = ds
            .alerts
            .iter()
            .filter(|a| a["title"].as_str().unwrap_or("").contains("EICAR"))
            .count();
        assert!(
            eicar_titles > count(&ds, criteria::eicar),
            "some EICAR-titled alerts must not be closable"
        );
        let psexec = ds
            .alerts
            .iter()
            .filter(|a| a["title"] == "Suspicious remote execution using PsExec")
            .count();
        assert!(psexec > count(&ds, criteria::admin_tool));
        let recon = ds.alerts.iter().filter(|a| a["category"] == "Discovery").count();
        assert!(recon > ds.alerts.iter().filter(|a| criteria::scanner(a, &l)).count());
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

    #[test]
    fn iso_formats_like_graph() {
        assert_eq!(
            iso_at(ANCHOR_UNIX * TICKS_PER_SEC, 0, 0),
            "2030-01-01T00:00:00.0000000Z"
        );
        assert_eq!(
            iso_at(ANCHOR_UNIX * TICKS_PER_SEC, 20 * 60, 1_234_567),
            "2029-12-31T23:39:59.1234567Z"
        );
        assert_eq!(
            iso_at(ANCHOR_UNIX * TICKS_PER_SEC, 366 * 86_400, 0),
            "2029-01-00T00:00:00.0000000Z"
                .replace("01-00", "12-31")
                .replace("2029-12-31", "2028-12-31")
        );
    }
}
