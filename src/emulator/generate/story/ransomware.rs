//! Ransomware precursors on a workstation: a Cobalt Strike beacon, its Run-key persistence,
//! and deleted shadow copies.

use serde_json::{Value, json};

use super::super::Ctx;
use super::super::alert::Alert;
use super::super::rows::s;
use super::Step;

impl Ctx<'_> {
    pub(super) fn ransomware(&mut self, step: Step) {
        let Step {
            i,
            d,
            u,
            at,
            created,
            status,
        } = step;
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
