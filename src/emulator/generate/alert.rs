//! The alert object of a story step ([`Alert`] says what it is about), and [`Ctx::push`], which
//! writes its `AlertInfo` and `AlertEvidence` rows and gives it the status its story decided.

use serde_json::{Value, json};

use super::rows::s;
use super::{ANCHOR_UNIX, Ctx, TENANT};

pub(super) struct Alert<'b> {
    pub(super) src: &'b str,
    pub(super) det: &'b str,
    pub(super) title: &'b str,
    pub(super) sev: &'b str,
    pub(super) cat: &'b str,
    pub(super) mitre: &'b [&'b str],
}

impl Ctx<'_> {
    pub(super) fn alert(&mut self, a: &Alert, at: i64, evidence: Vec<Value>, threat: Option<&str>) -> Value {
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

    /// AlertInfo + AlertEvidence rows, then the alert itself.
    pub(super) fn push(&mut self, mut alert: Value, status: &str) {
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
