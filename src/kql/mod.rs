//! KQL, the language of advanced hunting: lexer, parser, syntax tree, the advanced-hunting
//! schema, and a binder that checks a query against it.
//!
//! One parser and binder serve `graphsoar validate` (playbooks' hunting queries and `.kql`
//! files), `graphsoar hunt` (checked before it is sent) and the emulator (a query that does not
//! check is Graph's 400). Where the binder must choose between Kusto's documentation and
//! Microsoft's own parser (`Kusto.Language`, the editor in the Defender portal), it follows the
//! parser: its verdict is what users see. The module depends on nothing of HTTP, Graph or the
//! emulator.
//!
//! Limits (all refused with a message naming them, never a panic or a stack overflow): a query
//! of at most [`MAX_QUERY_BYTES`]; nesting at most [`parse::MAX_DEPTH`] levels; a chain of one
//! binary operator at most [`parse::MAX_CHAIN`] long (`and`/`or` chains are unlimited).

pub mod ast;
pub mod bind;
pub mod data;
pub mod eval;
pub mod functions;
#[cfg(test)]
mod fuzz;
pub mod lex;
pub mod parse;
pub mod schema;
pub mod types;
pub mod value;

use std::fmt;

pub use bind::{CheckOptions, check_with};
pub use schema::Schema;
pub use types::Type;

/// The largest query text the checker reads (1 MiB; machine-generated detections reach about
/// 67 KB, and Defender's own editor is far stricter).
pub const MAX_QUERY_BYTES: usize = 1 << 20;

/// A byte range of the query text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    /// From this span's start to `end` (a byte offset).
    pub fn to(self, end: usize) -> Span {
        Span::new(self.start as usize, end.max(self.end as usize))
    }
}

fn clamp(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Error or warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One finding in a query: where (a byte span) and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub span: Span,
    pub message: String,
}

impl Diagnostic {
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            span,
            message: message.into(),
        }
    }

    pub fn warning(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            span,
            message: message.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// 1-based line and column (in characters) of the start, in `text`.
    pub fn line_col(&self, text: &str) -> (usize, usize) {
        line_col(text, self.span.start as usize)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Parses and checks a query against a schema, with default options: every diagnostic, errors
/// and warnings, in order of position.
pub fn check(text: &str, schema: &Schema) -> Vec<Diagnostic> {
    check_with(text, schema, &CheckOptions::default())
}

/// `2024-01-01T10:00:00Z` (fractions only when there are any), as Graph writes datetimes.
pub fn format_datetime(secs: i64, nanos: u32) -> String {
    match chrono::DateTime::from_timestamp(secs, nanos) {
        Some(d) if nanos == 0 => d.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Some(d) => format!("{}.{:07}Z", d.format("%Y-%m-%dT%H:%M:%S"), nanos / 100),
        None => String::new(),
    }
}

/// A timespan in Kusto's text form: `[-][d.]hh:mm:ss[.fffffff]`.
pub fn format_timespan(ticks: i64) -> String {
    let sign = if ticks < 0 { "-" } else { "" };
    let t = ticks.unsigned_abs();
    let frac = t % 10_000_000;
    let secs = t / 10_000_000;
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let mut out = String::from(sign);
    if d > 0 {
        out.push_str(&format!("{d}."));
    }
    out.push_str(&format!("{h:02}:{m:02}:{s:02}"));
    if frac > 0 {
        out.push_str(&format!(".{frac:07}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_formats() {
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
        assert_eq!(format_timespan(864_000_000_000 + 36_000_000_000), "1.01:00:00");
        assert_eq!(format_timespan(-15), "-00:00:00.0000015");
        assert_eq!(format_datetime(0, 0), "1970-01-01T00:00:00Z");
    }
}
