//! The company the stories happen in: users, admins, workstations and servers, sized by the
//! number of alerts, and the instant every time is written relative to (with Graph's datetime
//! format).

use super::super::shift::civil_from_days;
use super::TICKS_PER_SEC;
use super::rng::SplitMix64;

const DOMAIN_SID: &str = "S-1-5-21-1004336348-1177238915-682003330";

/// `secs` (with `ticks` hundred-nanoseconds) before `anchor` (in hundred-nanoseconds since
/// 1970), as Graph writes it (7-digit fraction).
pub(super) fn iso_at(anchor: i64, secs_before: i64, ticks: u32) -> String {
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

pub(super) struct User {
    pub(super) sam: String,
    pub(super) upn: String,
    pub(super) display: String,
    pub(super) sid: String,
    pub(super) oid: String,
}

pub(super) struct Device {
    pub(super) host: String,
    pub(super) fqdn: String,
    pub(super) id: String,
    pub(super) aad: String,
    pub(super) ip: String,
    pub(super) os: &'static str,
    pub(super) build: i64,
    pub(super) user: usize,
}

pub(super) struct World {
    /// The instant times are written relative to, in hundred-nanoseconds since 1970.
    pub(super) anchor: i64,
    pub(super) users: Vec<User>,
    pub(super) admins: [User; 2],
    pub(super) devices: Vec<Device>,
    pub(super) servers: Vec<Device>,
}

pub(super) fn world(alerts: usize, seed: u64, anchor: i64) -> World {
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
    pub(super) fn iso(&self, secs_before: i64, ticks: u32) -> String {
        iso_at(self.anchor, secs_before, ticks)
    }
}

#[cfg(test)]
mod tests {
    use super::super::ANCHOR_UNIX;
    use super::*;

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
