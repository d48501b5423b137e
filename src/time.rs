//! Datetimes as graphsoar reads and writes them: Graph's parser and formatter (items, the
//! emulator), and RFC 3339 for filters, conditions and templates. (Kusto prints its own datetimes with
//! seven digits always: `kql::value::format_datetime`; the state database stores nanoseconds.)

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// Parses a Graph datetime: RFC 3339 with any number of fractional digits (Graph sends 0 to 7),
/// or the same without an offset (read as UTC). Returns `None` for anything else.
pub fn parse_utc(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
        return Some(parsed.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
}

/// Formats a datetime the way Graph does: UTC, `Z`, 100-nanosecond precision with trailing zeros
/// trimmed (`2021-04-27T12:19:27.7211305Z`, `2025-05-23T10:41:12.25Z`, `2025-02-23T09:28:24Z`).
pub fn format_utc(value: &DateTime<Utc>) -> String {
    let seconds = value.format("%Y-%m-%dT%H:%M:%S");
    // A leap second shows as nanos >= 1e9; clamp it rather than print an eighth digit.
    let ticks = (value.timestamp_subsec_nanos() / 100).min(9_999_999);
    if ticks == 0 {
        return format!("{seconds}Z");
    }
    let fraction = format!("{ticks:07}");
    format!("{seconds}.{}Z", fraction.trim_end_matches('0'))
}

/// RFC 3339 with `Z`, fractions in groups of three digits only when there are any
/// (`2024-05-01T10:00:00Z`, `2024-05-01T10:00:00.250Z`): the cursor clause of `$filter`, and
/// `now` and timestamps as conditions and templates see them.
pub fn format_rfc3339(value: &DateTime<Utc>) -> String {
    value.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Timelike};

    #[test]
    fn parses_any_fraction_length_and_no_offset() {
        let seven = parse_utc("2021-04-27T12:19:27.7211305Z").unwrap();
        assert_eq!(seven.nanosecond(), 721_130_500);
        assert_eq!(parse_utc("2025-02-23T09:28:24Z").unwrap().nanosecond(), 0);
        assert_eq!(parse_utc("2021-04-26T07:45:50.116Z").unwrap().nanosecond(), 116_000_000);
        assert_eq!(
            parse_utc("2024-10-25T02:53:43.273+00:00").unwrap().nanosecond(),
            273_000_000
        );
        assert_eq!(
            parse_utc("2026-03-01T08:00:07").unwrap(),
            Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 7).unwrap()
        );
        assert_eq!(
            parse_utc("2026-03-01T10:00:00+02:00").unwrap(),
            Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap()
        );
        assert!(parse_utc("").is_none());
        assert!(parse_utc("yesterday").is_none());
    }

    #[test]
    fn formats_like_graph() {
        for text in [
            "2021-04-27T12:19:27.7211305Z",
            "2025-05-23T10:41:12.25Z",
            "2025-02-23T09:28:24Z",
            "2021-04-26T07:45:50.116Z",
        ] {
            assert_eq!(format_utc(&parse_utc(text).unwrap()), text);
        }
        // Precision beyond Graph's 100 ns ticks is truncated.
        let nanos = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .unwrap()
            .with_nanosecond(123_456_789)
            .unwrap();
        assert_eq!(format_utc(&nanos), "2026-01-01T00:00:00.1234567Z");
    }
}
