//! A DLP policy match on a document uploaded to SharePoint.

use serde_json::{Value, json};

use super::super::Ctx;
use super::super::alert::Alert;
use super::super::rows::s;
use super::Step;

impl Ctx<'_> {
    pub(super) fn dlp(&mut self, step: Step) {
        let Step {
            u, at, created, status, ..
        } = step;
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
            self.e_user(u, created, &["policyViolator"]),
            self.e_file(&fd, None, created, "suspicious"),
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
}
