//! Datetime and timespan functions: `now`/`ago`, `bin`/`bin_at`, `startof*`/`endof*`,
//! `datetime_diff`/`datetime_add`/`datetime_part`, the `get*`/`*of*` parts, `make_datetime`/
//! `make_timespan`, `format_datetime` and `format_timespan`.

use super::*;

/// Datetime and timespan functions on values.
pub(super) fn call(funcs: &mut Funcs, name: &str, a: Args<'_>) -> F {
    Ok(match name {
        "now" => Value::DateTime(funcs.now + a.arg(0).as_timespan().unwrap_or(0)),
        "ago" => match a.arg(0).as_timespan() {
            Some(t) => Value::DateTime(funcs.now - t),
            None => Value::Null,
        },
        "datetime" | "todatetime" => opt(a.arg(0).as_datetime().map(Value::DateTime)),
        "totimespan" | "time" | "timespan" => opt(a.arg(0).as_timespan().map(Value::TimeSpan)),
        "bin" | "floor" => bin(&a.arg(0), &a.arg(1)),
        "bin_at" => {
            let (v, size, at) = (a.arg(0), a.arg(1), a.arg(2));
            match (&v, &at) {
                (Value::DateTime(t), Value::DateTime(f)) => match size.as_timespan().filter(|s| *s > 0) {
                    Some(s) => Value::DateTime((t - f).div_euclid(s) * s + f),
                    None => Value::Null,
                },
                _ => match (v.as_real(), size.as_real(), at.as_real()) {
                    (Some(x), Some(s), Some(f)) if s > 0.0 => Value::Real(((x - f) / s).floor() * s + f),
                    _ => Value::Null,
                },
            }
        }
        "startofday" | "startofweek" | "startofmonth" | "startofyear" => {
            let unit = &name[7..];
            opt(a
                .dt(0)
                .and_then(|t| start_of(unit, t, a.long(1).unwrap_or(0)))
                .map(Value::DateTime))
        }
        "endofday" | "endofweek" | "endofmonth" | "endofyear" => {
            let unit = &name[5..];
            opt(a
                .dt(0)
                .and_then(|t| start_of(unit, t, a.long(1).unwrap_or(0) + 1))
                .map(|t| Value::DateTime(t - 1)))
        }
        "datetime_diff" => match (a.dt(1), a.dt(2)) {
            (Some(x), Some(y)) => opt(datetime_diff(&a.s(0).to_lowercase(), x, y).map(Value::Long)),
            _ => Value::Null,
        },
        "datetime_add" => match (a.long(1), a.dt(2)) {
            (Some(n), Some(t)) => opt(datetime_add(&a.s(0).to_lowercase(), n, t).map(Value::DateTime)),
            _ => Value::Null,
        },
        "datetime_part" | "datepart" => match a.dt(1).and_then(datetime_parts) {
            Some(d) => Value::Long(match a.s(0).to_lowercase().as_str() {
                "year" => i64::from(d.year()),
                "quarter" => i64::from(d.month0() / 3 + 1),
                "month" => i64::from(d.month()),
                "weekofyear" | "week_of_year" => i64::from(d.iso_week().week()),
                "day" => i64::from(d.day()),
                "dayofyear" => i64::from(d.ordinal()),
                "hour" => i64::from(d.hour()),
                "minute" => i64::from(d.minute()),
                "second" => i64::from(d.second()),
                "millisecond" => i64::from(d.timestamp_subsec_millis()),
                "microsecond" => i64::from(d.timestamp_subsec_micros()),
                "nanosecond" => i64::from(d.timestamp_subsec_nanos()),
                other => return Err(format!("datetime_part() does not know the part '{other}'").into()),
            }),
            None => Value::Null,
        },
        "getyear" => opt(a
            .dt(0)
            .and_then(datetime_parts)
            .map(|d| Value::Long(i64::from(d.year())))),
        "getmonth" | "monthofyear" => opt(a
            .dt(0)
            .and_then(datetime_parts)
            .map(|d| Value::Long(i64::from(d.month())))),
        "dayofmonth" => opt(a
            .dt(0)
            .and_then(datetime_parts)
            .map(|d| Value::Long(i64::from(d.day())))),
        "dayofyear" => opt(a
            .dt(0)
            .and_then(datetime_parts)
            .map(|d| Value::Long(i64::from(d.ordinal())))),
        "hourofday" => opt(a
            .dt(0)
            .and_then(datetime_parts)
            .map(|d| Value::Long(i64::from(d.hour())))),
        "week_of_year" => opt(a
            .dt(0)
            .and_then(datetime_parts)
            .map(|d| Value::Long(i64::from(d.iso_week().week())))),
        "dayofweek" => opt(a
            .dt(0)
            .and_then(datetime_parts)
            .map(|d| Value::TimeSpan(i64::from(d.weekday().num_days_from_sunday()) * TICKS_PER_DAY))),
        "unixtime_seconds_todatetime" => opt(a.real(0).map(|x| Value::DateTime((x * 1e7) as i64))),
        "unixtime_milliseconds_todatetime" => opt(a.real(0).map(|x| Value::DateTime((x * 1e4) as i64))),
        "unixtime_microseconds_todatetime" => opt(a.real(0).map(|x| Value::DateTime((x * 10.0) as i64))),
        "unixtime_nanoseconds_todatetime" => opt(a.real(0).map(|x| Value::DateTime((x / 100.0) as i64))),
        "make_datetime" => {
            let y = a.long(0).unwrap_or(1) as i32;
            let (mo, d) = (a.long(1).unwrap_or(1) as u32, a.long(2).unwrap_or(1) as u32);
            let (h, mi) = (a.long(3).unwrap_or(0) as u32, a.long(4).unwrap_or(0) as u32);
            let sec = a.real(5).unwrap_or(0.0);
            match Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single() {
                Some(t) => Value::DateTime(from_chrono(t) + (sec * 1e7) as i64),
                None => Value::Null,
            }
        }
        "make_timespan" => {
            let parts: Vec<i64> = (0..a.len()).map(|i| a.long(i).unwrap_or(0)).collect();
            let (d, h, m, sec) = match parts[..] {
                [h, m] => (0, h, m, 0),
                [h, m, s] => (0, h, m, s),
                [d, h, m, s, ..] => (d, h, m, s),
                _ => (0, 0, 0, 0),
            };
            Value::TimeSpan((((d * 24 + h) * 60 + m) * 60 + sec) * TICKS_PER_SECOND)
        }
        "format_datetime" => opt(a.dt(0).and_then(|t| format_datetime_with(t, &a.s(1))).map(Value::str)),
        "format_timespan" => opt(a.arg(0).as_timespan().map(|t| {
            let fmt = a.s(1);
            let total = t.unsigned_abs();
            let (d, h, m, sec) = (
                total / TICKS_PER_DAY as u64,
                total / (3600 * TICKS_PER_SECOND as u64) % 24,
                total / (60 * TICKS_PER_SECOND as u64) % 60,
                total / TICKS_PER_SECOND as u64 % 60,
            );
            let out = fmt
                .replace("dd", &format!("{d:02}"))
                .replace("hh", &format!("{h:02}"))
                .replace("HH", &format!("{h:02}"))
                .replace("mm", &format!("{m:02}"))
                .replace("ss", &format!("{sec:02}"));
            Value::str(out)
        })),
        _ => return Err(Fail::Unsupported),
    })
}

pub(super) fn datetime_parts(t: i64) -> Option<chrono::DateTime<Utc>> {
    let secs = t.div_euclid(TICKS_PER_SECOND);
    let nanos = (t.rem_euclid(TICKS_PER_SECOND) * 100) as u32;
    chrono::DateTime::from_timestamp(secs, nanos)
}

pub(super) fn from_chrono(d: chrono::DateTime<Utc>) -> i64 {
    crate::kql::value::ticks(d.timestamp(), d.timestamp_subsec_nanos())
}

pub(super) fn start_of(unit: &str, t: i64, offset: i64) -> Option<i64> {
    let d = datetime_parts(t)?;
    let day = Utc.with_ymd_and_hms(d.year(), d.month(), d.day(), 0, 0, 0).single()?;
    let out = match unit {
        "day" => day + chrono::Duration::days(offset),
        "week" => {
            day - chrono::Duration::days(i64::from(d.weekday().num_days_from_sunday()))
                + chrono::Duration::weeks(offset)
        }
        "month" => add_months(Utc.with_ymd_and_hms(d.year(), d.month(), 1, 0, 0, 0).single()?, offset)?,
        "year" => Utc.with_ymd_and_hms(d.year() + offset as i32, 1, 1, 0, 0, 0).single()?,
        _ => return None,
    };
    Some(from_chrono(out))
}

pub(super) fn add_months(d: chrono::DateTime<Utc>, months: i64) -> Option<chrono::DateTime<Utc>> {
    if months >= 0 {
        d.checked_add_months(chrono::Months::new(u32::try_from(months).ok()?))
    } else {
        d.checked_sub_months(chrono::Months::new(u32::try_from(-months).ok()?))
    }
}

pub(super) fn part_ticks(part: &str) -> Option<i64> {
    Some(match part {
        "day" | "days" | "d" => TICKS_PER_DAY,
        "hour" | "hours" | "h" => 3600 * TICKS_PER_SECOND,
        "minute" | "minutes" | "m" => 60 * TICKS_PER_SECOND,
        "second" | "seconds" | "s" => TICKS_PER_SECOND,
        "millisecond" | "milliseconds" | "ms" => 10_000,
        "microsecond" | "microseconds" => 10,
        "nanosecond" | "nanoseconds" => 1,
        "week" | "weeks" => 7 * TICKS_PER_DAY,
        _ => return None,
    })
}

pub(super) fn datetime_diff(part: &str, a: i64, b: i64) -> Option<i64> {
    let (da, db) = (datetime_parts(a)?, datetime_parts(b)?);
    Some(match part {
        "year" => i64::from(da.year() - db.year()),
        "quarter" => i64::from(da.year() - db.year()) * 4 + (i64::from(da.month0() / 3) - i64::from(db.month0() / 3)),
        "month" => i64::from(da.year() - db.year()) * 12 + (i64::from(da.month()) - i64::from(db.month())),
        "week" => (start_of("week", a, 0)? - start_of("week", b, 0)?) / (7 * TICKS_PER_DAY),
        "nanosecond" => (a - b) * 100,
        p => {
            let unit = part_ticks(p)?;
            a.div_euclid(unit) - b.div_euclid(unit)
        }
    })
}

pub(super) fn datetime_add(part: &str, n: i64, t: i64) -> Option<i64> {
    let d = datetime_parts(t)?;
    Some(match part {
        "year" => from_chrono(add_months(d, n * 12)?),
        "quarter" => from_chrono(add_months(d, n * 3)?),
        "month" => from_chrono(add_months(d, n)?),
        "nanosecond" => t + n / 100,
        p => t + n * part_ticks(p)?,
    })
}

/// Kusto's `format_datetime` specifiers (`yyyy-MM-dd HH:mm:ss.fff`, `tt`, ...).
pub(super) fn format_datetime_with(t: i64, fmt: &str) -> Option<String> {
    let d = datetime_parts(t)?;
    let frac = t.rem_euclid(TICKS_PER_SECOND);
    let mut out = String::new();
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        // `M` is 1-12, `MM` 01-12 (and the same for d, H, h, m, s).
        let pad = |v: u32| if n == 1 { v.to_string() } else { format!("{v:02}") };
        match c {
            'y' => out.push_str(&match n {
                1 => (d.year() % 100).to_string(),
                2 => format!("{:02}", d.year() % 100),
                _ => format!("{:0width$}", d.year(), width = n),
            }),
            'M' => out.push_str(&pad(d.month())),
            'd' => out.push_str(&pad(d.day())),
            'H' => out.push_str(&pad(d.hour())),
            'h' => out.push_str(&pad((d.hour() + 11) % 12 + 1)),
            'm' => out.push_str(&pad(d.minute())),
            's' => out.push_str(&pad(d.second())),
            'f' | 'F' => {
                let digits = format!("{frac:07}");
                let part = &digits[..n.min(7)];
                if c == 'F' {
                    out.push_str(part.trim_end_matches('0'));
                } else {
                    out.push_str(part);
                }
            }
            't' => out.push_str(if d.hour() < 12 { "AM" } else { "PM" }),
            other => {
                for _ in 0..n {
                    out.push(other);
                }
            }
        }
        i += n;
    }
    Some(out)
}
