//! Network-mapping reconnaissance against a domain controller: closable ones (from an approved
//! scanner address) and near misses (from a workstation).

use super::super::Ctx;
use super::super::alert::Alert;
use super::Step;

impl Ctx<'_> {
    pub(super) fn scanner(&mut self, near: bool, step: Step) {
        let Step {
            i,
            d,
            at,
            created,
            status,
            ..
        } = step;
        let w = self.w;
        let ip = if near {
            d.ip.clone()
        } else {
            (*self.r.pick(&["192.0.2.10", "198.51.100.5", "198.51.100.3"])).to_string()
        };
        let dc = &w.servers[i % 2];
        let victim = &w.users[self.r.below(w.users.len() as u64) as usize];
        self.idlogon(victim, at + 30, &ip, "Active Directory", "LogonFailed");
        let ev = vec![
            self.e_device(dc, created, &["attacked"]),
            Self::e_ip(&ip, None, created, &["attacker"]),
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
}
