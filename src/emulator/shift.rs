//! Moving a dataset's datetimes to the emulator's start: [`Dataset::shift_times`] moves every
//! datetime string (recognised by its shape, wherever it is nested) and every datetime of a
//! columnar table by `start - ANCHOR`, keeping each string's number of fraction digits (see the
//! time convention in [`super::dataset`]).

use chrono::{DateTime, FixedOffset, TimeDelta, Timelike, Utc};
use serde_json::Value;

use super::dataset::{Dataset, anchor};

impl Dataset {
    /// Moves every datetime string by `start - ANCHOR` (see the module documentation).
    pub fn shift_times(&mut self, start: DateTime<Utc>) {
        let delta = start - anchor();
        if delta.is_zero() {
            return;
        }
        // Every value is shifted on its own, so the work is split over the cores; the result is
        // the same as one thread's.
        let mut values: Vec<&mut Value> = self
            .alerts
            .iter_mut()
            .chain(self.incidents.iter_mut())
            .chain(self.tables.values_mut().flatten())
            .chain(self.hunting.iter_mut().flat_map(|a| a.results.iter_mut()))
            .collect();
        for table in self.columnar.values_mut() {
            shift_table(table, delta);
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 16);
        if threads == 1 || values.len() < 1024 {
            values.into_iter().for_each(|v| shift_value(v, delta));
            return;
        }
        let chunk = values.len().div_ceil(threads);
        std::thread::scope(|scope| {
            for part in values.chunks_mut(chunk) {
                scope.spawn(move || part.iter_mut().for_each(|v| shift_value(v, delta)));
            }
        });
    }
}

/// Moves a columnar table's datetimes by `delta`: datetime columns, datetime strings in
/// dynamic values, and string cells that are a whole datetime (as [`Dataset::shift_times`]
/// does to JSON).
fn shift_table(table: &mut crate::kql::data::Table, delta: TimeDelta) {
    use crate::kql::data::{Column, Data, Interner, Strings};
    let ticks = delta.num_microseconds().map_or(0, |us| us * 10);
    for column in &mut table.columns {
        let col: &mut Column = std::sync::Arc::make_mut(column);
        match (&mut col.data, col.ty) {
            (Data::Long(v), crate::kql::Type::DateTime) => v.iter_mut().flatten().for_each(|t| *t += ticks),
            (Data::Dyn(v), _) => {
                for j in v.iter_mut().flatten() {
                    shift_value(std::sync::Arc::make_mut(j), delta);
                }
            }
            (Data::Str(strings), _) => {
                let dict = &strings.dict;
                if !(0..dict.len() as u32).any(|c| datetime_shape(dict.get(c)).is_some()) {
                    continue;
                }
                let mut interner = Interner::default();
                let remap: Vec<u32> = (0..dict.len() as u32)
                    .map(|c| {
                        let mut v = Value::String(dict.get(c).to_string());
                        shift_value(&mut v, delta);
                        interner.intern(v.as_str().unwrap_or_default())
                    })
                    .collect();
                let codes = strings.codes.iter().map(|&c| remap[c as usize]).collect();
                *strings = Strings {
                    dict: interner.finish(),
                    codes,
                };
            }
            _ => {}
        }
    }
}

fn shift_value(v: &mut Value, delta: TimeDelta) {
    match v {
        Value::String(s) => {
            if let Some(frac) = datetime_shape(s)
                && !shift_utc_in_place(s, frac, delta)
                && let Some(shifted) = shift_datetime(s, delta)
            {
                *s = shifted;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| shift_value(i, delta)),
        Value::Object(map) => map.values_mut().for_each(|i| shift_value(i, delta)),
        _ => {}
    }
}

/// The number of fraction digits if `s` has the shape of an ISO datetime with a zone.
pub(super) fn datetime_shape(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.len() < 20 || b.len() > 40 {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10) && b[10] == b'T')
        || !(digits(11..13) && b[13] == b':' && digits(14..16) && b[16] == b':' && digits(17..19))
    {
        return None;
    }
    let mut i = 19;
    let mut frac = 0;
    if b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            frac += 1;
        }
        if frac == 0 {
            return None;
        }
    }
    match &b[i..] {
        [b'Z'] => Some(frac),
        [b'+' | b'-', h1, h2, b':', m1, m2] if [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()) => Some(frac),
        _ => None,
    }
}

/// The proleptic Gregorian `(year, month, day)` of `days` since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
pub(super) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The fast path of [`shift_datetime`] for the usual shape, `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z` with
/// valid fields and a result in years 1000..=9999: rewrites `s` in its own buffer (same length)
/// and returns true; anything else returns false untouched, for [`shift_datetime`].
fn shift_utc_in_place(s: &mut String, frac: usize, delta: TimeDelta) -> bool {
    let b = s.as_bytes();
    if frac > 9 || b.len() != 20 + frac + usize::from(frac > 0) || b[b.len() - 1] != b'Z' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| b[r].iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
    let (y, m, d) = (num(0..4), num(5..7), num(8..10));
    let (hh, mm, ss) = (num(11..13), num(14..16), num(17..19));
    let leap = |y: i64| y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = |y: i64, m: i64| match m {
        2 if leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=12).contains(&m) || d < 1 || d > month_days(y, m) || hh > 23 || mm > 59 || ss > 59 {
        return false;
    }
    let mut nanos = if frac > 0 { num(20..20 + frac) } else { 0 };
    for _ in frac..9 {
        nanos *= 10;
    }
    // days_from_civil (Howard Hinnant)
    let (yy, mp) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let total = i128::from(days * 86_400 + hh * 3600 + mm * 60 + ss) * 1_000_000_000
        + i128::from(nanos)
        + i128::from(delta.num_seconds()) * 1_000_000_000
        + i128::from(delta.subsec_nanos());
    let (secs, nanos) = (total.div_euclid(1_000_000_000), total.rem_euclid(1_000_000_000));
    let Ok(secs) = i64::try_from(secs) else { return false };
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    if !(1000..=9999).contains(&y) {
        return false;
    }
    let mut out = [0u8; 32];
    let mut put = |at: usize, n: i64, width: usize| {
        let mut n = n;
        for i in (0..width).rev() {
            out[at + i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(0, y, 4);
    put(5, m, 2);
    put(8, d, 2);
    put(11, sod / 3600, 2);
    put(14, sod / 60 % 60, 2);
    put(17, sod % 60, 2);
    put(20, nanos as i64, 9);
    for (i, c) in [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':'), (19, b'.')] {
        out[i] = c;
    }
    let len = 19 + if frac > 0 { 1 + frac } else { 0 };
    out[len] = b'Z';
    match std::str::from_utf8(&out[..=len]) {
        Ok(text) => {
            s.clear();
            s.push_str(text);
            true
        }
        Err(_) => false,
    }
}

fn shift_datetime(s: &str, delta: TimeDelta) -> Option<String> {
    let frac = datetime_shape(s)?;
    let parsed: DateTime<FixedOffset> = DateTime::parse_from_rfc3339(s).ok()?;
    let shifted = parsed.checked_add_signed(delta)?;
    let mut out = shifted.format("%Y-%m-%dT%H:%M:%S").to_string();
    if frac > 0 {
        let nanos = format!("{:09}", shifted.nanosecond() % 1_000_000_000);
        out.push('.');
        if frac <= 9 {
            out.push_str(&nanos[..frac]);
        } else {
            out.push_str(&nanos);
            out.extend(std::iter::repeat_n('0', frac - 9));
        }
    }
    if s.ends_with('Z') {
        out.push('Z');
    } else {
        out.push_str(&s[s.len() - 6..]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::emulator::dataset::{self, RecordedAnswer};

    fn time(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .with_timezone(&Utc)
    }

    #[test]
    fn shift_times_moves_every_datetime_and_keeps_its_precision() {
        let mut ds = Dataset {
            alerts: vec![serde_json::json!({
                "id": "a", "createdDateTime": "2029-12-31T23:40:00.1234567Z",
                "evidence": [{"createdDateTime": "2029-12-31T23:40:00Z", "nested": {"t": "2029-12-31T22:00:00.5+02:00"}}],
                "title": "2029-12-31T23:40:00Z is not a datetime in a sentence", "date": "2029-12-31",
                "n": 5, "odd": "2029-12-31T23:40:00.Z"
            })],
            incidents: vec![serde_json::json!({"id": "1", "lastUpdateDateTime": "2029-12-31T23:59:59.999Z"})],
            tables: BTreeMap::from([(
                "T".to_string(),
                vec![serde_json::json!({"Timestamp": "2029-12-31T12:00:00.0000000Z"})],
            )]),
            columnar: BTreeMap::from([(
                "DeviceInfo".to_string(),
                crate::emulator::table::columnar(
                    "DeviceInfo",
                    [serde_json::json!({"Timestamp": "2029-12-31T12:00:00.0000000Z", "DeviceName": "2029-12-31T12:00:00Z",
                                        "OSPlatform": "Windows11"})
                    .as_object()
                    .cloned()
                    .unwrap()],
                ),
            )]),
            hunting: vec![RecordedAnswer {
                query: "T".into(),
                schema: vec![],
                results: vec![serde_json::json!({"Timestamp": "2029-12-31T12:00:00.0000000Z"})],
            }],
            clients: Vec::new(),
        };
        let start = time("2031-06-15T10:00:00.5Z");
        ds.shift_times(start);
        let row = ds.columnar["DeviceInfo"].row_object(0);
        assert_eq!(row["Timestamp"], "2031-06-14T22:00:00.5000000Z");
        assert_eq!(row["DeviceName"], "2031-06-14T22:00:00Z");
        assert_eq!(row["OSPlatform"], "Windows11");
        let a = &ds.alerts[0];
        assert_eq!(a["createdDateTime"], "2031-06-15T09:40:00.6234567Z");
        assert_eq!(a["evidence"][0]["createdDateTime"], "2031-06-15T09:40:00Z");
        assert_eq!(a["evidence"][0]["nested"]["t"], "2031-06-15T08:00:01.0+02:00");
        assert_eq!(a["title"], "2029-12-31T23:40:00Z is not a datetime in a sentence");
        assert_eq!(a["date"], "2029-12-31");
        assert_eq!(a["odd"], "2029-12-31T23:40:00.Z");
        assert_eq!(ds.incidents[0]["lastUpdateDateTime"], "2031-06-15T10:00:00.499Z");
        assert_eq!(ds.tables["T"][0]["Timestamp"], "2031-06-14T22:00:00.5000000Z");
        assert_eq!(ds.hunting[0].results[0]["Timestamp"], "2031-06-14T22:00:00.5000000Z");

        let mut bundled = dataset::bundled().expect("bundled");
        let before = bundled.alerts[0]["createdDateTime"]
            .as_str()
            .map(time)
            .expect("created");
        bundled.shift_times(anchor() + TimeDelta::days(1));
        let after = bundled.alerts[0]["createdDateTime"]
            .as_str()
            .map(time)
            .expect("created");
        assert_eq!(after - before, TimeDelta::days(1));
        let mut same = dataset::bundled().expect("bundled");
        same.shift_times(anchor());
        assert_eq!(same, dataset::bundled().expect("bundled"));
    }

    #[test]
    fn the_fast_shift_gives_what_chrono_gives() {
        let texts = [
            "2029-12-31T23:40:00Z",
            "2029-12-31T23:40:00.1Z",
            "2029-12-31T23:40:00.1234567Z",
            "2029-12-31T23:59:59.999999999Z",
            "2028-02-29T00:00:00.0000000Z",
            "2029-03-01T00:00:00.5Z",
            "1999-12-31T23:59:59.9999999Z",
        ];
        let deltas = [
            TimeDelta::nanoseconds(1),
            TimeDelta::nanoseconds(-1),
            TimeDelta::days(-700) + TimeDelta::nanoseconds(123_456_789),
            TimeDelta::days(365 * 3) - TimeDelta::nanoseconds(987_654_321),
            time("2026-05-07T08:09:10.111222333Z") - anchor(),
        ];
        for text in texts {
            for delta in deltas {
                let mut fast = text.to_string();
                let frac = datetime_shape(text).expect("shape");
                assert!(shift_utc_in_place(&mut fast, frac, delta), "{text}");
                assert_eq!(Some(fast), shift_datetime(text, delta), "{text} {delta}");
            }
        }
        let mut other = "2029-12-31T22:00:00.5+02:00".to_string();
        assert!(!shift_utc_in_place(&mut other, 1, TimeDelta::seconds(1)));
        let mut invalid = "2029-02-30T00:00:00Z".to_string();
        assert!(!shift_utc_in_place(&mut invalid, 0, TimeDelta::seconds(1)));
    }
}
