//! IPv4 functions: private and range checks, matching, comparing, parsing and formatting.

use super::*;

/// IPv4 functions on values.
pub(super) fn call(_funcs: &mut Funcs, name: &str, a: Args<'_>) -> F {
    Ok(match name {
        "ipv4_is_private" => opt(ipv4_is_private(&a.s(0)).map(Value::Bool)),
        "ipv4_is_in_range" => match (ipv4(&a.s(0)), ipv4_range(&a.s(1))) {
            (Some(ip), Some((net, mask))) => Value::Bool(ip & mask == net),
            _ => Value::Null,
        },
        "ipv4_is_in_any_range" => match ipv4(&a.s(0)) {
            Some(ip) => {
                let ranges: Vec<String> = match dyn_array(&a.arg(1)) {
                    Some(arr) => arr.iter().map(|x| Value::dynamic(x.clone()).to_text()).collect(),
                    None => a[1..].iter().map(text).collect(),
                };
                Value::Bool(
                    ranges
                        .iter()
                        .filter_map(|r| ipv4_range(r))
                        .any(|(net, mask)| ip & mask == net),
                )
            }
            None => Value::Null,
        },
        "ipv4_is_match" | "ipv4_compare" => match (ipv4_range(&a.s(0)), ipv4_range(&a.s(1))) {
            (Some((a1, m1)), Some((b1, m2))) => {
                let mask = a.long(2).map_or(
                    m1 & m2,
                    |bits| if bits <= 0 { 0 } else { u32::MAX << (32 - bits.min(32)) },
                );
                let (x, y) = (a1 & mask, b1 & mask);
                if name == "ipv4_is_match" {
                    Value::Bool(x == y)
                } else {
                    Value::Long(match x.cmp(&y) {
                        std::cmp::Ordering::Less => -1,
                        std::cmp::Ordering::Equal => 0,
                        std::cmp::Ordering::Greater => 1,
                    })
                }
            }
            _ => Value::Null,
        },
        "parse_ipv4" => opt(ipv4(&a.s(0)).map(|v| Value::Long(i64::from(v)))),
        "format_ipv4" => opt(a
            .long(0)
            .and_then(|v| u32::try_from(v).ok())
            .map(|v| Value::str(std::net::Ipv4Addr::from(v).to_string()))),
        "geo_info_from_ip_address" => Value::Null,
        _ => return Err(Fail::Unsupported),
    })
}

pub(super) fn ipv4(s: &str) -> Option<u32> {
    let s = s.trim();
    let (addr, _) = s.split_once('/').unwrap_or((s, ""));
    addr.parse::<std::net::Ipv4Addr>().ok().map(u32::from)
}

pub(super) fn ipv4_range(s: &str) -> Option<(u32, u32)> {
    let (addr, bits) = match s.trim().split_once('/') {
        Some((a, b)) => (a, b.trim().parse::<u32>().ok()?),
        None => (s.trim(), 32),
    };
    if bits > 32 {
        return None;
    }
    let a = ipv4(addr)?;
    let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
    Some((a & mask, mask))
}

pub(super) fn ipv4_is_private(s: &str) -> Option<bool> {
    let a = ipv4(s)?;
    Some(
        ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
            .iter()
            .any(|r| ipv4_range(r).is_some_and(|(net, mask)| a & mask == net)),
    )
}
