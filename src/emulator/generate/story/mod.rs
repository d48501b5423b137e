//! The stories an incident tells, one file each: what [`Kind`] of story it is, and
//! [`Ctx::story`], which picks the device, user and status and builds the story's alerts one
//! [`Step`] at a time.

mod admin_tool;
mod dlp;
mod eicar;
mod oauth;
mod phishing;
mod pua;
mod ransomware;
mod scanner;

use super::world::{Device, User};
use super::{Ctx, HOUR};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Kind {
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

/// One alert of a story.
#[derive(Clone, Copy)]
struct Step<'s> {
    /// The alert's place in its story (0 first).
    i: usize,
    /// The story's device and its user.
    d: &'s Device,
    u: &'s User,
    /// Seconds before the anchor.
    at: i64,
    /// `at` as Graph writes it.
    created: &'s str,
    /// The status of alerts no playbook closes.
    status: &'s str,
}

impl Ctx<'_> {
    pub(super) fn story(&mut self, kind: Kind, size: usize, at: i64) {
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
            let step = Step {
                i,
                d,
                u,
                at,
                created: &created,
                status,
            };
            match kind {
                Kind::EicarClosable | Kind::EicarNearMiss => self.eicar(kind == Kind::EicarNearMiss, step),
                Kind::AdminClosable | Kind::AdminNearMiss => self.admin_tool(kind == Kind::AdminNearMiss, step),
                Kind::ScannerClosable | Kind::ScannerNearMiss => self.scanner(kind == Kind::ScannerNearMiss, step),
                Kind::Phishing => self.phishing(step),
                Kind::Ransomware => self.ransomware(step),
                Kind::OAuth => self.oauth(step),
                Kind::Dlp => self.dlp(step),
                Kind::Pua => self.pua(step),
            }
        }
    }
}
