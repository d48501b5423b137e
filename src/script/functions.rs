//! The playbook condition language reference: every function and type a condition can call
//! beyond Rhai's standard library is registered here, and nowhere else.
//!
//! Each registered Rust function carries a `///` line that is its user-facing documentation.
//! Functions never touch the network or the disk, never panic on user input, and report
//! misuse (an invalid CIDR, regex or JSONPath, an unparseable time) as a runtime error, which
//! the engine counts as "no match". Values an attacker controls (item fields) that are merely
//! absent (`()`) make the predicates return `false` rather than fail.
//!
//! Time: `now` is fixed per run. `ago(..)` reads it from the evaluation in progress on the
//! current thread (a thread-local set by [`super::Condition::eval`] for the duration of one
//! synchronous evaluation, so it is safe with many threads evaluating at once); called outside
//! an evaluation it falls back to the wall clock.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::{LazyLock, Mutex};

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike, Utc};
use jsonpath_rust::parser::model::JpQuery;
use regex::Regex;
use rhai::{Array, Dynamic, Engine, EvalAltResult, INT, ImmutableString};

type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

/// How many compiled regexes / JSONPaths are cached before the cache is emptied.
const CACHE_CAPACITY: usize = 256;
/// Upper bound on the compiled size of one regex (bytes); bigger patterns are an error.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A point in time, in UTC. Made by `now`, `ago(..)` and `parse_time(..)`.
///
/// Supports `< <= > >= == !=` between timestamps, `ts + "1h"`, `ts - "30m"` (any duration
/// string), `ts + 3600` / `ts - 60` (seconds), `ts1 - ts2` (seconds between them, an integer),
/// the getters `.year .month .day .hour .minute .second .weekday` (0 = Sunday) `.unix`
/// (seconds since 1970), `.format("%Y-%m-%d")` and `to_string()` (RFC 3339).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<Utc>);

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::time::format_rfc3339(&self.0))
    }
}

/// Registers everything in this file on the one engine (called only by `super::engine`).
pub(super) fn register(engine: &mut Engine) {
    engine.register_type_with_name::<Timestamp>("Timestamp");

    // Time.
    engine.register_fn("ago", ago);
    engine.register_fn("ago", ago_seconds);
    engine.register_fn("parse_time", parse_time);
    engine.register_fn("parse_time", parse_time_identity);
    engine.register_fn("duration", duration);
    engine.register_fn("<", ts_lt);
    engine.register_fn("<=", ts_le);
    engine.register_fn(">", ts_gt);
    engine.register_fn(">=", ts_ge);
    engine.register_fn("==", ts_eq);
    engine.register_fn("!=", ts_ne);
    engine.register_fn("+", ts_add_duration);
    engine.register_fn("+", ts_add_seconds);
    engine.register_fn("-", ts_sub_duration);
    engine.register_fn("-", ts_sub_seconds);
    engine.register_fn("-", ts_diff);
    engine.register_get("year", ts_year);
    engine.register_get("month", ts_month);
    engine.register_get("day", ts_day);
    engine.register_get("hour", ts_hour);
    engine.register_get("minute", ts_minute);
    engine.register_get("second", ts_second);
    engine.register_get("weekday", ts_weekday);
    engine.register_get("unix", ts_unix);
    engine.register_fn("format", ts_format);
    engine.register_fn("to_string", ts_to_string);
    engine.register_fn("to_debug", ts_to_string);

    // Networks, patterns, JSON.
    engine.register_fn("cidr_match", cidr_match);
    engine.register_fn("cidr_match", cidr_match_any);
    engine.register_fn("regex_match", regex_match);
    engine.register_fn("jsonpath", jsonpath);

    // Strings.
    engine.register_fn("lower", lower);
    engine.register_fn("upper", upper);
    engine.register_fn("trimmed", trimmed);
    engine.register_fn("contains_any", contains_any);
    engine.register_fn("starts_with_any", starts_with_any);
    engine.register_fn("ends_with_any", ends_with_any);
    engine.register_fn("matches_any", matches_any);
    engine.register_fn("has", has);
    engine.register_fn("has_any", has_any);
}

// ---------------------------------------------------------------------------------------------
// Time

/// `ago("1h")`: the timestamp that long before the run's `now`. Durations: `30s`, `5m`, `1h`,
/// `7d`, `2w`, combinations such as `1h30m`, or ISO-8601 (`PT1H`, `P1D`, `P1DT12H`).
pub fn ago(duration: &str) -> RhaiResult<Timestamp> {
    let delta = parse_delta(duration)?;
    sub_delta(Timestamp(super::eval_now()), delta)
}

/// `ago(3600)`: the timestamp that many seconds before the run's `now`.
pub fn ago_seconds(seconds: INT) -> RhaiResult<Timestamp> {
    sub_delta(Timestamp(super::eval_now()), seconds_delta(seconds)?)
}

/// `parse_time("2024-05-01T10:00:00.1234567Z")`: a timestamp from an RFC 3339 string (any
/// number of fractional digits, any offset), or from one without an offset or a bare date
/// (`2024-05-01`), both read as UTC. Anything else is an error.
pub fn parse_time(text: &str) -> RhaiResult<Timestamp> {
    parse_timestamp(text).map(Timestamp).ok_or_else(|| {
        let text_short = shorten(text);
        format!("parse_time: `{text_short}` is not a date and time (expected e.g. 2024-05-01T10:00:00Z)").into()
    })
}

/// `parse_time(ts)`: a timestamp is returned unchanged, so `parse_time(now)` works.
pub fn parse_time_identity(ts: Timestamp) -> Timestamp {
    ts
}

/// `duration("1h")`: the number of seconds in a duration string (see `ago`), for arithmetic
/// such as `now - parse_time(alert.createdDateTime) > duration("2h")`.
pub fn duration(text: &str) -> RhaiResult<INT> {
    parse_delta(text).map(|d| d.num_seconds())
}

/// `a < b` for timestamps.
pub fn ts_lt(a: Timestamp, b: Timestamp) -> bool {
    a < b
}
/// `a <= b` for timestamps.
pub fn ts_le(a: Timestamp, b: Timestamp) -> bool {
    a <= b
}
/// `a > b` for timestamps.
pub fn ts_gt(a: Timestamp, b: Timestamp) -> bool {
    a > b
}
/// `a >= b` for timestamps.
pub fn ts_ge(a: Timestamp, b: Timestamp) -> bool {
    a >= b
}
/// `a == b` for timestamps.
pub fn ts_eq(a: Timestamp, b: Timestamp) -> bool {
    a == b
}
/// `a != b` for timestamps.
pub fn ts_ne(a: Timestamp, b: Timestamp) -> bool {
    a != b
}
/// `ts + "1h"`: later by a duration string.
pub fn ts_add_duration(ts: Timestamp, duration: &str) -> RhaiResult<Timestamp> {
    let delta = parse_delta(duration)?;
    add_delta(ts, delta)
}
/// `ts + 60`: later by a number of seconds.
pub fn ts_add_seconds(ts: Timestamp, seconds: INT) -> RhaiResult<Timestamp> {
    add_delta(ts, seconds_delta(seconds)?)
}
/// `ts - "1h"`: earlier by a duration string.
pub fn ts_sub_duration(ts: Timestamp, duration: &str) -> RhaiResult<Timestamp> {
    let delta = parse_delta(duration)?;
    sub_delta(ts, delta)
}
/// `ts - 60`: earlier by a number of seconds.
pub fn ts_sub_seconds(ts: Timestamp, seconds: INT) -> RhaiResult<Timestamp> {
    sub_delta(ts, seconds_delta(seconds)?)
}
/// `a - b`: whole seconds from `b` to `a`, fractions dropped (negative when `a` is earlier).
pub fn ts_diff(a: Timestamp, b: Timestamp) -> INT {
    (a.0 - b.0).num_seconds()
}
/// `ts.year`, e.g. 2024.
pub fn ts_year(ts: &mut Timestamp) -> INT {
    INT::from(ts.0.year())
}
/// `ts.month`, 1 to 12.
pub fn ts_month(ts: &mut Timestamp) -> INT {
    INT::from(ts.0.month())
}
/// `ts.day`, day of the month, 1 to 31.
pub fn ts_day(ts: &mut Timestamp) -> INT {
    INT::from(ts.0.day())
}
/// `ts.hour`, 0 to 23 (UTC).
pub fn ts_hour(ts: &mut Timestamp) -> INT {
    INT::from(ts.0.hour())
}
/// `ts.minute`, 0 to 59.
pub fn ts_minute(ts: &mut Timestamp) -> INT {
    INT::from(ts.0.minute())
}
/// `ts.second`, 0 to 59.
pub fn ts_second(ts: &mut Timestamp) -> INT {
    INT::from(ts.0.second())
}
/// `ts.weekday`, 0 = Sunday to 6 = Saturday (UTC).
pub fn ts_weekday(ts: &mut Timestamp) -> INT {
    INT::from(ts.0.weekday().num_days_from_sunday())
}
/// `ts.unix`, seconds since 1970-01-01T00:00:00Z.
pub fn ts_unix(ts: &mut Timestamp) -> INT {
    ts.0.timestamp()
}
/// `ts.format("%Y-%m-%d %H:%M")`: strftime-style formatting (chrono's specifiers); an invalid
/// format is an error.
pub fn ts_format(ts: &mut Timestamp, format: &str) -> RhaiResult<String> {
    format_datetime(&ts.0, format).ok_or_else(|| format!("format: invalid format string `{}`", shorten(format)).into())
}
/// `ts.to_string()`: RFC 3339 in UTC, e.g. `2024-05-01T10:00:00Z`.
pub fn ts_to_string(ts: &mut Timestamp) -> String {
    ts.to_string()
}

// ---------------------------------------------------------------------------------------------
// Networks, patterns, JSON

/// `cidr_match(ip, "10.0.0.0/8")`: whether an IPv4 or IPv6 address lies in a network (a bare
/// address matches only itself). An invalid or absent `ip` is `false`; an invalid network is
/// an error. IPv4-mapped IPv6 addresses (`::ffff:10.1.2.3`) match IPv4 networks.
pub fn cidr_match(ip: Dynamic, cidr: &str) -> RhaiResult<bool> {
    let net = parse_cidr(cidr)?;
    Ok(dynamic_ip(&ip).is_some_and(|ip| net.contains(ip)))
}

/// `cidr_match(ip, ["10.0.0.0/8", "192.168.0.0/16"])`: whether the address lies in any of the
/// networks. Every entry must be a valid network.
pub fn cidr_match_any(ip: Dynamic, cidrs: Array) -> RhaiResult<bool> {
    let ip = dynamic_ip(&ip);
    let mut found = false;
    for cidr in &cidrs {
        let text = cidr
            .read_lock::<ImmutableString>()
            .ok_or_else(|| format!("cidr_match: networks must be strings, found {}", cidr.type_name()))?;
        let net = parse_cidr(&text)?;
        found |= ip.is_some_and(|ip| net.contains(ip));
    }
    Ok(found)
}

/// `regex_match(text, "^evil-\\d+$")`: whether the regex (Rust `regex` syntax, linear time)
/// matches anywhere in the text; anchor it with `^…$` for a whole match, `(?i)` for case
/// insensitivity. A non-string `text` is `false`; an invalid pattern is an error.
pub fn regex_match(text: Dynamic, pattern: &str) -> RhaiResult<bool> {
    let regex = cached_regex(pattern)?;
    Ok(text.read_lock::<ImmutableString>().is_some_and(|t| regex.is_match(&t)))
}

/// `jsonpath(alert, "$..sha256")`: every value the JSONPath (RFC 9535) selects, as an array
/// (empty when nothing matches). An invalid path is an error.
pub fn jsonpath(value: Dynamic, path: &str) -> RhaiResult<Array> {
    let query = cached_jsonpath(path)?;
    let json: serde_json::Value = match value.read_lock::<super::JsonView>() {
        Some(view) => view.json().clone(),
        None => rhai::serde::from_dynamic(&value)?,
    };
    let found = jsonpath_rust::query::js_path_process(&query, &json)
        .map_err(|e| format!("jsonpath: cannot evaluate `{}`: {e}", shorten(path)))?;
    found.into_iter().map(|r| rhai::serde::to_dynamic(r.val())).collect()
}

// ---------------------------------------------------------------------------------------------
// Strings. Predicates take any value and are `false` for non-strings (an absent field), so
// `alert.title.contains_any([..])` never fails on an alert without a title.

/// `lower(s)` / `s.lower()`: lower-case copy of a string (`()` for a non-string).
pub fn lower(s: Dynamic) -> Dynamic {
    map_str(&s, |t| t.to_lowercase())
}

/// `upper(s)` / `s.upper()`: upper-case copy of a string (`()` for a non-string).
pub fn upper(s: Dynamic) -> Dynamic {
    map_str(&s, |t| t.to_uppercase())
}

/// `trimmed(s)` / `s.trimmed()`: copy without leading and trailing whitespace (Rhai's own
/// `s.trim()` trims in place and returns nothing).
pub fn trimmed(s: Dynamic) -> Dynamic {
    map_str(&s, |t| t.trim().to_owned())
}

/// `contains_any(s, ["a", "b"])`: whether `s` contains any of the substrings,
/// case-insensitively.
pub fn contains_any(s: Dynamic, needles: Array) -> bool {
    any_str(&s, &needles, |hay, needle| hay.contains(needle))
}

/// `starts_with_any(s, ["a", "b"])`: whether `s` starts with any of them, case-insensitively.
pub fn starts_with_any(s: Dynamic, prefixes: Array) -> bool {
    any_str(&s, &prefixes, |hay, prefix| hay.starts_with(prefix))
}

/// `ends_with_any(s, [".exe", ".dll"])`: whether `s` ends with any of them, case-insensitively.
pub fn ends_with_any(s: Dynamic, suffixes: Array) -> bool {
    any_str(&s, &suffixes, |hay, suffix| hay.ends_with(suffix))
}

/// `matches_any(s, ["svc_backup", "svc_scan"])`: whether `s` equals any of them,
/// case-insensitively (use `in` for exact comparison).
pub fn matches_any(s: Dynamic, values: Array) -> bool {
    any_str(&s, &values, |hay, value| hay == value)
}

/// `has(s, "term")`: KQL-style `has`: whether `term` occurs in `s` as a whole term (not inside
/// a longer run of letters and digits), case-insensitively. `has("run -enc x", "-enc")` is
/// true, `has("encoded", "enc")` is false.
pub fn has(s: Dynamic, term: &str) -> bool {
    s.read_lock::<ImmutableString>()
        .is_some_and(|text| has_term(&text.to_lowercase(), &term.to_lowercase()))
}

/// `has_any(s, ["-enc", "-EncodedCommand"])`: whether `s` has any of the terms (see `has`).
pub fn has_any(s: Dynamic, terms: Array) -> bool {
    any_str(&s, &terms, has_term)
}

// ---------------------------------------------------------------------------------------------
// Helpers (not callable from scripts)

/// Parses the date-time forms `parse_time` accepts (see there).
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// Formats with a strftime-style string; `None` if the format string is invalid (chrono's
/// `to_string` would panic on it).
pub fn format_datetime(time: &DateTime<Utc>, format: &str) -> Option<String> {
    let mut out = String::new();
    write!(out, "{}", time.format(format)).ok()?;
    Some(out)
}

/// A duration string as playbooks write it everywhere ([`crate::duration`]), as a `TimeDelta`.
fn parse_delta(text: &str) -> RhaiResult<TimeDelta> {
    let duration = crate::duration::Duration::parse(text)?;
    i64::try_from(duration.as_secs())
        .ok()
        .and_then(TimeDelta::try_seconds)
        .ok_or_else(|| format!("`{}` is too long a duration", shorten(text)).into())
}

fn seconds_delta(seconds: INT) -> RhaiResult<TimeDelta> {
    TimeDelta::try_seconds(seconds).ok_or_else(|| format!("{seconds} seconds is out of range").into())
}

fn add_delta(ts: Timestamp, delta: TimeDelta) -> RhaiResult<Timestamp> {
    ts.0.checked_add_signed(delta)
        .map(Timestamp)
        .ok_or_else(|| "timestamp out of range".into())
}

fn sub_delta(ts: Timestamp, delta: TimeDelta) -> RhaiResult<Timestamp> {
    ts.0.checked_sub_signed(delta)
        .map(Timestamp)
        .ok_or_else(|| "timestamp out of range".into())
}

/// A network: address bits and prefix length.
struct Network {
    addr: IpAddr,
    prefix: u32,
}

impl Network {
    fn contains(&self, ip: IpAddr) -> bool {
        let ip = match (ip, self.addr) {
            (IpAddr::V6(v6), IpAddr::V4(_)) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            _ => ip,
        };
        match (ip, self.addr) {
            (IpAddr::V4(a), IpAddr::V4(n)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix).unwrap_or(0);
                u32::from(a) & mask == u32::from(n) & mask
            }
            (IpAddr::V6(a), IpAddr::V6(n)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix).unwrap_or(0);
                u128::from(a) & mask == u128::from(n) & mask
            }
            _ => false,
        }
    }
}

fn parse_cidr(cidr: &str) -> RhaiResult<Network> {
    let invalid = || -> Box<EvalAltResult> {
        format!(
            "cidr_match: `{}` is not a network (expected e.g. 10.0.0.0/8 or 2001:db8::/32)",
            shorten(cidr)
        )
        .into()
    };
    let cidr = cidr.trim();
    let (addr, prefix) = match cidr.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix)),
        None => (cidr, None),
    };
    let addr: IpAddr = addr.parse().map_err(|_| invalid())?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        Some(p) => p.parse::<u32>().ok().filter(|p| *p <= max).ok_or_else(invalid)?,
        None => max,
    };
    Ok(Network { addr, prefix })
}

fn dynamic_ip(ip: &Dynamic) -> Option<IpAddr> {
    ip.read_lock::<ImmutableString>()?.trim().parse().ok()
}

fn cached_regex(pattern: &str) -> RhaiResult<Regex> {
    static CACHE: LazyLock<Mutex<HashMap<String, Regex>>> = LazyLock::new(Default::default);
    cached(&CACHE, pattern, |p| {
        regex::RegexBuilder::new(p)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| {
                // regex's message draws the pattern over several lines; keep the last one.
                let text = e.to_string();
                let reason = text
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .trim_start_matches("error: ")
                    .to_owned();
                format!("regex_match: invalid pattern `{}`: {reason}", shorten(p))
            })
    })
}

fn cached_jsonpath(path: &str) -> RhaiResult<JpQuery> {
    static CACHE: LazyLock<Mutex<HashMap<String, JpQuery>>> = LazyLock::new(Default::default);
    cached(&CACHE, path, |p| {
        jsonpath_rust::parser::parse_json_path(p).map_err(|e| format!("jsonpath: invalid path `{}`: {e}", shorten(p)))
    })
}

/// Looks `key` up in a bounded cache, building (and caching) it on a miss. The cache is simply
/// emptied when full: playbooks use a handful of patterns, so that is rare.
fn cached<T: Clone>(
    cache: &Mutex<HashMap<String, T>>,
    key: &str,
    build: impl FnOnce(&str) -> Result<T, String>,
) -> RhaiResult<T> {
    // A poisoned lock only means another thread panicked mid-insert; the map is still valid.
    if let Some(hit) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(key) {
        return Ok(hit.clone());
    }
    let value = build(key)?;
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= CACHE_CAPACITY {
        map.clear();
    }
    map.insert(key.to_owned(), value.clone());
    Ok(value)
}

fn map_str(s: &Dynamic, f: impl FnOnce(&str) -> String) -> Dynamic {
    s.read_lock::<ImmutableString>().map_or(Dynamic::UNIT, |t| f(&t).into())
}

/// Applies `test(lower(s), lower(candidate))` to each string candidate; non-strings are skipped.
fn any_str(s: &Dynamic, candidates: &Array, test: impl Fn(&str, &str) -> bool) -> bool {
    let Some(text) = s.read_lock::<ImmutableString>() else {
        return false;
    };
    let text = text.to_lowercase();
    candidates.iter().any(|c| {
        c.read_lock::<ImmutableString>()
            .is_some_and(|c| test(&text, &c.to_lowercase()))
    })
}

/// Whole-term search on already lower-cased text: the match may not continue a run of
/// letters or digits on either side.
fn has_term(text: &str, term: &str) -> bool {
    if term.is_empty() {
        return false;
    }
    let starts_word = term.chars().next().is_some_and(char::is_alphanumeric);
    let ends_word = term.chars().next_back().is_some_and(char::is_alphanumeric);
    text.match_indices(term).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + term.len()..].chars().next();
        let continues_before = starts_word && before.is_some_and(char::is_alphanumeric);
        let continues_after = ends_word && after.is_some_and(char::is_alphanumeric);
        !(continues_before || continues_after)
    })
}

/// At most 80 characters of user text in an error message.
fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse() {
        let t = |s: &str| parse_timestamp(s).map(|t| t.timestamp_nanos_opt());
        assert_eq!(t("2024-05-01T10:00:00Z"), t("2024-05-01T12:00:00+02:00"));
        assert_eq!(
            parse_timestamp("2024-05-01T10:00:00.1234567Z").map(|t| t.timestamp_subsec_nanos()),
            Some(123_456_700)
        );
        assert!(parse_timestamp("2024-05-01T10:00:00.1Z").is_some());
        assert!(parse_timestamp("2024-05-01T10:00:00").is_some());
        assert!(parse_timestamp("2024-05-01").is_some());
        assert!(parse_timestamp("yesterday").is_none());
        assert!(parse_timestamp("").is_none());
    }

    #[test]
    fn networks() {
        let ip = |s: &str| Dynamic::from(s.to_owned());
        assert_eq!(cidr_match(ip("10.1.2.3"), "10.0.0.0/8").ok(), Some(true));
        assert_eq!(cidr_match(ip("11.1.2.3"), "10.0.0.0/8").ok(), Some(false));
        assert_eq!(cidr_match(ip("10.1.2.3"), "0.0.0.0/0").ok(), Some(true));
        assert_eq!(cidr_match(ip("10.1.2.3"), "10.1.2.3").ok(), Some(true));
        assert_eq!(cidr_match(ip("::ffff:10.1.2.3"), "10.0.0.0/8").ok(), Some(true));
        assert_eq!(cidr_match(ip("2001:db8::1"), "2001:db8::/32").ok(), Some(true));
        assert_eq!(cidr_match(ip("2001:db9::1"), "2001:db8::/32").ok(), Some(false));
        assert_eq!(cidr_match(ip("2001:db8::1"), "10.0.0.0/8").ok(), Some(false));
        assert_eq!(cidr_match(ip("not an ip"), "10.0.0.0/8").ok(), Some(false));
        assert_eq!(cidr_match(Dynamic::UNIT, "10.0.0.0/8").ok(), Some(false));
        assert!(cidr_match(ip("10.1.2.3"), "10.0.0.0/33").is_err());
        assert!(cidr_match(ip("10.1.2.3"), "banana").is_err());
    }

    #[test]
    fn terms() {
        assert!(has_term("powershell -enc abc", "-enc"));
        assert!(has_term("a.exe was run", "a.exe"));
        assert!(has_term("hello world", "world"));
        assert!(!has_term("encoded", "enc"));
        assert!(!has_term("mimikatz2", "mimikatz"));
        assert!(!has_term("anything", ""));
    }
}
