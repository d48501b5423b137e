//! The advanced-hunting rows of a chunk of incidents ([`Out`]) and the [`Ctx`] builders of the
//! rows around a story: process, file, logon and identity-logon events, and the ordinary
//! activity around each evidence entity, so that hunting finds it in context.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Ctx;
use super::world::{Device, User};
use crate::kql::data::TableBuilder;

/// What one chunk of incidents produced.
#[derive(Default)]
pub(super) struct Out {
    pub(super) alerts: Vec<Value>,
    pub(super) incidents: Vec<Value>,
    pub(super) tables: BTreeMap<&'static str, TableBuilder<'static>>,
}

impl Out {
    /// A sparse row: the given non-null columns only (see the module documentation).
    pub(super) fn row<'k>(&mut self, table: &'static str, fields: impl IntoIterator<Item = (&'k str, Value)>) {
        self.tables
            .entry(table)
            .or_insert_with(|| builder(table))
            .push_fields(fields);
    }
}

/// A table's rows, typed by the advanced-hunting schema.
pub(super) fn builder(table: &str) -> TableBuilder<'static> {
    TableBuilder::new(schema_columns(table))
}

/// A table's columns in the advanced-hunting schema (none for a table it does not know).
pub(super) fn schema_columns(table: &str) -> &'static [(String, crate::kql::Type)] {
    crate::kql::Schema::advanced_hunting()
        .table(table)
        .map_or(&[], |t| t.columns.as_slice())
}

pub(super) fn s(x: &str) -> Value {
    Value::String(x.to_string())
}

impl Ctx<'_> {
    pub(super) fn report_id(&mut self) -> Value {
        self.report += 1;
        Value::from(self.report)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn proc_row(
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

    pub(super) fn file_row(&mut self, d: &Device, fd: &Value, at: i64, action: &str) {
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

    pub(super) fn logon_row(&mut self, d: &Device, u: &User, at: i64, ltype: &str, remote_ip: Option<&str>) {
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

    pub(super) fn idlogon(&mut self, u: &User, at: i64, ip: &str, app: &str, action: &str) {
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

    /// Ordinary activity around an evidence entity, so that hunting finds the entity in context.
    pub(super) fn context_rows(&mut self, kind: &str, e: &Value, at: &Value) {
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
}
