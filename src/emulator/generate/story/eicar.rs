//! EICAR test-file drops: closable ones (the EICAR hash, `new`, informational) and near misses
//! (an EICAR title on another file, low severity, any status).

use serde_json::json;

use super::super::Ctx;
use super::super::alert::Alert;
use super::Step;

const EICAR: &str = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";

impl Ctx<'_> {
    pub(super) fn eicar(&mut self, near: bool, step: Step) {
        let Step {
            i,
            d,
            u,
            at,
            created,
            status,
        } = step;
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
            self.e_device(d, created, &[]),
            self.e_file(&fd, Some(d), created, "malicious"),
            self.e_user(u, created, &[]),
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
}
