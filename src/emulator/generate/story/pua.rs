//! Unwanted software blocked on a workstation.

use super::super::Ctx;
use super::super::alert::Alert;
use super::Step;

impl Ctx<'_> {
    pub(super) fn pua(&mut self, step: Step) {
        let Step {
            d,
            u,
            at,
            created,
            status,
            ..
        } = step;
        let fd = self.file(
            "WebCompanionInstaller.exe",
            &format!("C:\\Users\\{}\\Downloads", u.sam),
            None,
            1_203_112,
        );
        self.file_row(d, &fd, at + 40, "FileCreated");
        let ev = vec![
            self.e_device(d, created, &[]),
            self.e_file(&fd, Some(d), created, "malicious"),
            self.e_user(u, created, &[]),
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
