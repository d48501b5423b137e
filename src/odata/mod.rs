//! The OData `$filter` subset of the Graph security API, written once and used three ways:
//! playbook validation ([`validate`]), the engine's cursor clause ([`with_cursor`]) and the
//! emulator's evaluator ([`eval`]).
//!
//! It owns the lexer and parser ([`parse`]), the syntax tree and its canonical text ([`Expr`]
//! implements `Display`), the table of properties per resource and whether Graph documents them
//! as filterable ([`Resource`]), and the checks behind `validate`. It must not be written twice:
//! no other module parses or prints a filter. It does no I/O and knows nothing of HTTP.

mod ast;
mod check;
mod eval;
mod lex;
mod parse;
mod props;

use chrono::{DateTime, Utc};

pub use ast::{Call, CompareOp, Expr, Literal, Operand, Span};
pub use check::{Finding, Severity, check};
pub use eval::{eval, eval_for};
pub use parse::{MAX_DEPTH, ParseError, parse};
pub use props::{Filter, Kind, Property, Resource};

/// Parses `text` and checks it against `resource`: every problem, errors and warnings, in
/// source order. A syntax error is the single finding.
pub fn validate(text: &str, resource: Resource) -> Vec<Finding> {
    match parse(text) {
        Ok(expr) => check(&expr, resource),
        Err(e) => {
            let len = text
                .get(e.offset..)
                .and_then(|rest| rest.chars().next())
                .map_or(0, char::len_utf8);
            vec![Finding {
                severity: Severity::Error,
                offset: e.offset,
                len,
                message: e.message,
            }]
        }
    }
}

/// The filter the engine sends: `(<filter>) and <property> ge <since>`, the user's filter always
/// parenthesised (so its `or` cannot swallow the cursor), or the cursor clause alone when there
/// is no filter. `since` is printed RFC 3339 with `Z`, with fractional seconds only if it has any.
pub fn with_cursor(filter: Option<&str>, property: &str, since: DateTime<Utc>) -> String {
    let cursor = format!("{property} ge {}", crate::time::format_rfc3339(&since));
    match filter.map(str::trim).filter(|f| !f.is_empty()) {
        Some(filter) => format!("({filter}) and {cursor}"),
        None => cursor,
    }
}

#[cfg(test)]
mod tests;
