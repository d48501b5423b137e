//! PsExec runs: closable ones (an approved admin from the jump host) and near misses (an
//! ordinary user from a workstation).

use super::super::Ctx;
use super::super::alert::Alert;
use super::Step;

impl Ctx<'_> {
    pub(super) fn admin_tool(&mut self, near: bool, step: Step) {
        let Step {
            i,
            d,
            u,
            at,
            created,
            status,
        } = step;
        let w = self.w;
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
            self.e_device(src, created, &[]),
            self.e_device(target, created, &["attacked"]),
            self.e_process(src, Some(actor), &fd, &cmd, created, at + 20, "suspicious"),
            self.e_file(&fd, Some(src), created, "suspicious"),
            self.e_user(actor, created, &[]),
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
}
