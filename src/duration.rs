//! Durations as playbooks and settings write them: `30s`, `5m`, `1h`, `30d`, `2w`, combinations
//! such as `1h30m`, and ISO-8601 (`PT1H`, `P1D`, `P1DT12H`). Graph receives ISO-8601.

use std::fmt;

use chrono::TimeDelta;

/// A non-negative span of whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(u64);

impl Duration {
    pub const fn from_secs(secs: u64) -> Duration {
        Duration(secs)
    }

    pub const fn from_mins(mins: u64) -> Duration {
        Duration(mins * 60)
    }

    pub const fn from_hours(hours: u64) -> Duration {
        Duration(hours * 3600)
    }

    pub const fn from_days(days: u64) -> Duration {
        Duration(days * 86_400)
    }

    pub const fn as_secs(self) -> u64 {
        self.0
    }

    pub fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_secs(self.0)
    }

    pub fn to_chrono(self) -> TimeDelta {
        i64::try_from(self.0)
            .ok()
            .and_then(TimeDelta::try_seconds)
            .unwrap_or(TimeDelta::MAX)
    }

    /// ISO-8601, as Graph's `timespan` wants it: `PT1H`, `P1DT2H30M`, `PT0S`.
    pub fn to_iso8601(self) -> String {
        let (days, rest) = (self.0 / 86_400, self.0 % 86_400);
        let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
        let mut out = String::from("P");
        if days > 0 {
            out.push_str(&format!("{days}D"));
        }
        if rest > 0 || days == 0 {
            out.push('T');
            if h > 0 {
                out.push_str(&format!("{h}H"));
            }
            if m > 0 {
                out.push_str(&format!("{m}M"));
            }
            if s > 0 || rest == 0 {
                out.push_str(&format!("{s}S"));
            }
        }
        out
    }

    /// Parses `1h`, `90s`, `1h30m`, `30d`, `2w` or ISO-8601 `PT1H` / `P1DT2H`. Errors say what was
    /// expected.
    pub fn parse(text: &str) -> Result<Duration, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("empty duration: write it as `5m`, `1h`, `30d` or ISO-8601 `PT1H`".into());
        }
        if t.starts_with(['P', 'p']) {
            return parse_iso(t).ok_or_else(|| {
                format!("`{t}` is not an ISO-8601 duration: write it as `PT1H`, `PT30M`, `P1D` or `P1DT12H`")
            });
        }
        parse_short(t).ok_or_else(|| {
            format!("`{t}` is not a duration: write a number with a unit s, m, h, d or w (`30s`, `5m`, `1h`, `30d`), or ISO-8601 `PT1H`")
        })
    }
}

fn unit_secs(unit: char) -> Option<u64> {
    Some(match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return None,
    })
}

fn parse_short(t: &str) -> Option<Duration> {
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            number.push(c);
        } else {
            let n: u64 = number.parse().ok()?;
            total = total.checked_add(n.checked_mul(unit_secs(c)?)?)?;
            number.clear();
        }
    }
    number.is_empty().then_some(Duration(total))
}

fn parse_iso(t: &str) -> Option<Duration> {
    let upper = t.to_ascii_uppercase();
    let body = upper.strip_prefix('P')?;
    let (date, time) = match body.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (body, None),
    };
    if date.is_empty() && time.is_none_or(str::is_empty) {
        return None;
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in date.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let secs = match c {
            'D' => 86_400,
            'W' => 604_800,
            _ => return None,
        };
        total = total.checked_add(number.parse::<u64>().ok()?.checked_mul(secs)?)?;
        number.clear();
    }
    if !number.is_empty() {
        return None;
    }
    for c in time.unwrap_or("").chars() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let secs = match c {
            'H' => 3600.0,
            'M' => 60.0,
            'S' => 1.0,
            _ => return None,
        };
        let n: f64 = number.parse().ok()?;
        total = total.checked_add((n * secs).round() as u64)?;
        number.clear();
    }
    number.is_empty().then_some(Duration(total))
}

impl fmt::Display for Duration {
    /// The short form: `1h30m`, `30d`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.0;
        for (unit, secs) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
            if rest >= secs {
                write!(f, "{}{unit}", rest / secs)?;
                rest %= secs;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_short_and_iso_forms() {
        assert_eq!(Duration::parse("5m"), Ok(Duration::from_mins(5)));
        assert_eq!(Duration::parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(Duration::parse("30d"), Ok(Duration::from_days(30)));
        assert_eq!(Duration::parse("2w"), Ok(Duration::from_days(14)));
        assert_eq!(Duration::parse("PT1H"), Ok(Duration::from_hours(1)));
        assert_eq!(Duration::parse("P1DT12H"), Ok(Duration::from_hours(36)));
        assert_eq!(Duration::parse("pt30m"), Ok(Duration::from_mins(30)));
        assert_eq!(Duration::parse("PT0.5S"), Ok(Duration::from_secs(1)));
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for bad in [
            "",
            "5",
            "h",
            "5x",
            "1h5",
            "P",
            "PT",
            "P1H",
            "PTXS",
            "-5m",
            "99999999999999999999d",
            "1.5h",
        ] {
            assert!(Duration::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn prints_iso_and_short() {
        assert_eq!(Duration::from_hours(1).to_iso8601(), "PT1H");
        assert_eq!(Duration::from_secs(86_400 + 5400).to_iso8601(), "P1DT1H30M");
        assert_eq!(Duration::from_days(30).to_iso8601(), "P30D");
        assert_eq!(Duration::from_secs(0).to_iso8601(), "PT0S");
        assert_eq!(Duration::from_secs(5400).to_string(), "1h30m");
    }
}
