//! The binder: resolves a parsed query against the schema and reports what Kusto would refuse.
//!
//! It follows every operator's output columns (project, extend, summarize, join and lookup,
//! union, mv-expand, parse, invoke, let-bound tables and functions) with the names Kusto gives
//! them (`count_`, `dcount_X`, `strlen_X`, `Column1`, join collisions `DeviceName1`, union's
//! `Name_string`), resolves functions from [`functions`](super::functions) and the schema's
//! built-in functions, and checks names, argument counts and types as Microsoft's parser
//! (`Kusto.Language`) does: its operator signatures (`Operators.cs`), its overload choice and
//! argument rules (`Binder_FunctionCalls.cs`), its projection rules (`Binder_Projection.cs`).
//! What it cannot know (a column created by `bag_unpack`, a type only the data decides) is
//! `Unknown` and never an error. Then the lints: warnings for what runs but is probably wrong
//! or slow.
//!
//! The files: `tabular` (operators and their output), `join`, `summarize`, `calls` (plugins,
//! `invoke`, let-bound functions), `scalar` (expressions and calls), `names` (how unnamed
//! columns are named).

use std::collections::HashMap;
use std::rc::Rc;

use super::ast::*;
use super::functions::{self, Kind as FnKind, Param};
use super::schema::{FunctionKind, Schema};
use super::types::Type;
use super::{Diagnostic, MAX_QUERY_BYTES, Span, parse};
use crate::duration::Duration;

mod calls;
mod join;
mod names;
mod options;
mod scalar;
mod summarize;
mod tabular;

use names::*;
pub(crate) use names::{canonical, result_name, unnamed_call_name, visit, wildcard};

/// What the caller knows beyond the query text.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The window a scheduled run asks Graph for (`timespan`): a time filter narrower than it
    /// is a warning.
    pub window: Option<Duration>,
    /// How that warning names the window (default: `the window each run asks for (1h)`).
    pub window_name: Option<String>,
}

/// A query's result of checking: diagnostics in order of position, and facts the callers use.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub diagnostics: Vec<Diagnostic>,
    /// Whether the query filters on time itself (`Timestamp > ago(1h)`, `between`, ...).
    pub has_time_filter: bool,
    /// The narrowest `ago(...)` lookback among its time filters.
    pub narrowest_ago: Option<Duration>,
}

/// Parses and checks; diagnostics sorted by position.
pub fn check_with(text: &str, schema: &Schema, options: &CheckOptions) -> Vec<Diagnostic> {
    analyze(text, schema, options).diagnostics
}

/// Parses, binds and lints a query.
pub fn analyze(text: &str, schema: &Schema, options: &CheckOptions) -> Analysis {
    if text.len() > MAX_QUERY_BYTES {
        return Analysis {
            diagnostics: vec![Diagnostic::error(
                Span::new(0, 0),
                format!(
                    "the query is {} bytes, more than the {MAX_QUERY_BYTES} bytes (1 MiB) graphsoar checks: split it",
                    text.len()
                ),
            )],
            ..Analysis::default()
        };
    }
    let (query, mut diagnostics) = parse::parse(text);
    let mut facts = Facts::default();
    if diagnostics.is_empty() {
        let mut b = Binder {
            schema,
            scopes: vec![HashMap::new()],
            diags: Vec::new(),
            facts: Facts::default(),
            depth: 0,
        };
        b.query(&query);
        diagnostics.extend(b.diags);
        facts = b.facts;
        lint(&mut diagnostics, &facts, options);
    }
    diagnostics.sort_by_key(|d| (d.span.start, d.severity));
    diagnostics.dedup();
    Analysis {
        diagnostics,
        has_time_filter: facts.time_filter,
        narrowest_ago: facts.narrowest_ago,
    }
}

/// What the binder noticed for the lints.
#[derive(Debug, Default)]
struct Facts {
    time_filter: bool,
    narrowest_ago: Option<Duration>,
    /// The first tabular source's span, for whole-query warnings.
    first_source: Option<Span>,
    contains_terms: Vec<(Span, String)>,
    search_star: Vec<Span>,
    unbounded_joins: Vec<(Span, String)>,
}

fn lint(diags: &mut Vec<Diagnostic>, facts: &Facts, options: &CheckOptions) {
    let at = facts.first_source.unwrap_or_default();
    if !facts.time_filter {
        diags.push(Diagnostic::warning(
            at,
            "the query has no time filter of its own (such as `| where Timestamp > ago(1h)`): without the engine's window it scans all 30 days",
        ));
    }
    if let (Some(window), Some(ago)) = (options.window, facts.narrowest_ago)
        && ago < window
    {
        let name = match &options.window_name {
            Some(name) => name.clone(),
            None => format!("the window each run asks for ({window})"),
        };
        diags.push(Diagnostic::warning(
            at,
            format!(
                "the query's own time filter (ago({ago})) is narrower than {name}: rows older than {ago} are never seen; use at least ago({window})"
            ),
        ));
    }
    for (span, needle) in &facts.contains_terms {
        diags.push(Diagnostic::warning(
            *span,
            format!(
                "`contains \"{needle}\"` scans every character; if you mean the whole term, `has \"{needle}\"` uses the term index and is much faster"
            ),
        ));
    }
    for span in &facts.search_star {
        diags.push(Diagnostic::warning(
            *span,
            "`search *` scans every column of every table: name the tables (`search in (DeviceProcessEvents)`) or filter a column",
        ));
    }
    for (span, table) in &facts.unbounded_joins {
        diags.push(Diagnostic::warning(
            *span,
            format!(
                "the join's right side reads {table} without a time filter: add `| where Timestamp > ago(...)` inside it, or the join scans the whole table"
            ),
        ));
    }
}

/// A tabular value's columns. `open` means more columns may exist than are known (after
/// `bag_unpack`, `pivot`, an unmodelled operator): unknown names then resolve to `Unknown`.
#[derive(Debug, Clone, Default)]
struct Columns {
    cols: Vec<(String, Type)>,
    open: bool,
    /// The table it comes from, for messages.
    source: Option<String>,
    /// Whether it reads a large event table without a time filter yet (for the join lint).
    unbounded: Option<String>,
}

impl Columns {
    fn get(&self, name: &str) -> Option<Type> {
        if let Some((_, t)) = self.cols.iter().find(|(n, _)| n == name) {
            return Some(*t);
        }
        if self.open {
            return Some(Type::Unknown);
        }
        None
    }

    fn set(&mut self, name: &str, ty: Type) {
        match self.cols.iter_mut().find(|(n, _)| n == name) {
            Some(c) => c.1 = ty,
            None => self.cols.push((name.to_string(), ty)),
        }
    }

    fn remove(&mut self, name: &str) {
        self.cols.retain(|(n, _)| n != name);
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.cols.iter().map(|(n, _)| n.as_str())
    }

    fn derived(&self) -> Columns {
        Columns {
            cols: Vec::new(),
            open: self.open,
            source: self.source.clone(),
            unbounded: self.unbounded.clone(),
        }
    }

    fn open() -> Columns {
        Columns {
            open: true,
            ..Columns::default()
        }
    }
}

/// What an expression is.
#[derive(Debug, Clone)]
enum Ty {
    Scalar(Type),
    Table(Columns),
}

/// A `let` binding.
#[derive(Debug, Clone)]
enum Binding {
    Scalar(Type),
    Table(Columns),
    Function(Rc<FunctionDef>),
}

/// A `let` function, with the names in scope where it is defined: its body sees those, not the
/// lets after it, nor itself (Kusto.Language binds a function where it is written).
#[derive(Debug)]
struct FunctionDef {
    lambda: Lambda,
    scopes: Vec<HashMap<String, Binding>>,
}

/// Where an expression is bound.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    row: Option<&'a Columns>,
    left: Option<&'a Columns>,
    right: Option<&'a Columns>,
    /// Inside summarize's aggregate list (aggregate functions allowed).
    aggregate: bool,
    /// Inside a time predicate position (a `where`), for the time-filter facts.
    filter: bool,
}

impl<'a> Ctx<'a> {
    fn none() -> Ctx<'a> {
        Ctx {
            row: None,
            left: None,
            right: None,
            aggregate: false,
            filter: false,
        }
    }

    fn row(row: &'a Columns) -> Ctx<'a> {
        Ctx {
            row: Some(row),
            ..Ctx::none()
        }
    }
}

/// Event tables large enough that an unfiltered join side is worth a warning.
fn is_large_table(name: &str) -> bool {
    (name.starts_with("Device") && name.ends_with("Events"))
        || matches!(
            name,
            "CloudAppEvents"
                | "EmailEvents"
                | "IdentityLogonEvents"
                | "IdentityQueryEvents"
                | "IdentityDirectoryEvents"
                | "AADSignInEventsBeta"
                | "EntraIdSignInEvents"
                | "UrlClickEvents"
        )
}

struct Binder<'s> {
    schema: &'s Schema,
    scopes: Vec<HashMap<String, Binding>>,
    diags: Vec<Diagnostic>,
    facts: Facts,
    depth: usize,
}

const MAX_BIND_DEPTH: usize = 48;

impl Binder<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(span, message));
    }

    fn lookup_let(&self, name: &str) -> Option<&Binding> {
        self.scopes.iter().rev().find_map(|s| s.get(name))
    }

    fn define(&mut self, name: &str, b: Binding) {
        if let Some(s) = self.scopes.last_mut() {
            s.insert(name.to_string(), b);
        }
    }

    fn query(&mut self, q: &Query) {
        for s in &q.statements {
            match s {
                Statement::Let(l) => self.let_statement(l),
                Statement::Set { .. } => {}
                Statement::Declare(params) => {
                    for p in params {
                        if let Some(d) = &p.default {
                            self.expr(d, Ctx::none());
                        }
                        let b = match &p.ty {
                            ParamType::Scalar(t) => Binding::Scalar(*t),
                            ParamType::Tabular(decl) => Binding::Table(declared_columns(decl.as_deref())),
                        };
                        self.define(&p.name.name, b);
                    }
                }
                // A scalar statement is accepted, as Kusto.Language does (it returns one value).
                Statement::Expr(e) => {
                    self.expr(e, Ctx::none());
                }
            }
        }
    }

    fn let_statement(&mut self, l: &Let) {
        if self.scopes.last().is_some_and(|s| s.contains_key(&l.name.name)) {
            // Kusto.Language's KS201.
            self.error(
                l.name.span,
                format!(
                    "'{}' is already defined by an earlier let: give this one another name",
                    l.name.name
                ),
            );
        }
        let b = match &l.value {
            LetValue::Function(f) => {
                let def = Rc::new(FunctionDef {
                    lambda: f.clone(),
                    scopes: self.scopes.clone(),
                });
                self.check_function(&def);
                Binding::Function(def)
            }
            LetValue::Expr(e) => match self.expr(e, Ctx::none()) {
                Ty::Scalar(t) => Binding::Scalar(t),
                Ty::Table(c) => Binding::Table(c),
            },
        };
        self.define(&l.name.name, b);
    }

    /// Checks a function where it is defined: its defaults, and its body with its parameters
    /// (a `(*)` table has any columns there; the call checks those).
    fn check_function(&mut self, def: &FunctionDef) {
        let mut scope = HashMap::new();
        for p in &def.lambda.params {
            if let Some(d) = &p.default {
                self.expr(d, Ctx::none());
            }
            let b = match &p.ty {
                ParamType::Scalar(t) => Binding::Scalar(*t),
                ParamType::Tabular(decl) => Binding::Table(declared_columns(decl.as_deref())),
            };
            scope.insert(p.name.name.clone(), b);
        }
        self.lambda_body(def, scope);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(q: &str) -> Vec<String> {
        check_with(q, Schema::advanced_hunting(), &CheckOptions::default())
            .into_iter()
            .filter(|d| d.is_error())
            .map(|d| d.message)
            .collect()
    }

    fn clean(q: &str) {
        let e = errors(q);
        assert!(e.is_empty(), "{q}: {e:?}");
    }

    #[test]
    fn resolves_columns_through_operators() {
        clean(
            "DeviceProcessEvents | where Timestamp > ago(1h) | summarize count(), dcount(DeviceId), max(Timestamp) by DeviceName | where count_ > 1 and dcount_DeviceId > 1 and max_Timestamp > ago(1h)",
        );
        clean(
            "DeviceProcessEvents | join kind=inner (DeviceNetworkEvents | where Timestamp > ago(1h)) on DeviceId | project DeviceName1, Timestamp1, RemoteIP",
        );
        clean(
            "let T = DeviceInfo | project DeviceId, DeviceName; T | extend x = 1 | project-rename Name = DeviceName | project Name, x",
        );
        clean("DeviceProcessEvents | summarize arg_max(Timestamp, *) by DeviceId | project FileName, Timestamp");
        clean("DeviceProcessEvents | parse ProcessCommandLine with * \"-p \" Port:long \" \" * | where Port > 10");
        clean(
            "DeviceProcessEvents | mv-expand x = split(ProcessCommandLine, \" \") to typeof(string) | where x has \"a\"",
        );
        clean("DeviceProcessEvents | invoke FileProfile(SHA1, 1000) | where GlobalPrevalence < 5");
    }

    #[test]
    fn reports_what_kusto_refuses() {
        let e = errors("DeviceProcessEvents | where FileNmae == \"x\"");
        assert_eq!(
            e,
            ["unknown column 'FileNmae' in DeviceProcessEvents, did you mean 'FileName'?"]
        );
        assert!(errors("DeviceProcessEvent | take 1")[0].starts_with("unknown table 'DeviceProcessEvent'"));
        assert!(errors("DeviceNetworkEvents | where RemotePort == \"443\"").is_empty());
        assert!(
            errors("DeviceNetworkEvents | where RemotePort in~ (\"80\")")[0]
                .contains("`in~` works on strings, but this is a int")
        );
        assert!(
            errors("DeviceInfo | where Timestamp > \"2024-01-01\"")[0]
                .contains("cannot compare a datetime with a string by order")
        );
        assert!(
            errors("DeviceInfo | where tolowercase(DeviceName) == \"x\"")[0].contains("unknown function 'tolowercase'")
        );
        assert!(errors("DeviceInfo | where Timestamp > ago(\"7d\")")[0].starts_with("ago(): argument 1"));
        assert!(errors("DeviceInfo | extend m = max(Timestamp)")[0].contains("aggregate function"));
        assert!(
            errors("DeviceInfo | summarize by DeviceId | project DeviceName")[0]
                .contains("unknown column 'DeviceName'")
        );
    }

    #[test]
    fn time_filter_facts() {
        let a = analyze(
            "DeviceInfo | where Timestamp > ago(1h) | where Timestamp > ago(7d)",
            Schema::advanced_hunting(),
            &CheckOptions::default(),
        );
        assert!(a.has_time_filter);
        assert_eq!(a.narrowest_ago, Some(Duration::from_hours(1)));
        let a = analyze(
            "DeviceInfo | take 1",
            Schema::advanced_hunting(),
            &CheckOptions::default(),
        );
        assert!(!a.has_time_filter);
        assert!(a.diagnostics.iter().any(|d| d.message.contains("no time filter")));
        let a = analyze(
            "DeviceInfo | where Timestamp between (ago(2h) .. now())",
            Schema::advanced_hunting(),
            &CheckOptions {
                window: Some(Duration::from_hours(3)),
                window_name: None,
            },
        );
        assert!(
            a.diagnostics.iter().any(|d| d.message.contains("narrower than")),
            "{:?}",
            a.diagnostics
        );
    }

    #[test]
    fn lints_warn_about_slow_or_wrong_queries() {
        let warnings = |q: &str| -> Vec<String> {
            check_with(q, Schema::advanced_hunting(), &CheckOptions::default())
                .into_iter()
                .map(|d| {
                    assert!(!d.is_error(), "{q}: {}", d.message);
                    d.message
                })
                .collect()
        };
        let w =
            warnings("DeviceProcessEvents | where Timestamp > ago(1h) and ProcessCommandLine contains \"mimikatz\"");
        assert!(w[0].contains("`has \"mimikatz\"` uses the term index"), "{w:?}");
        // Punctuation or a short needle: `contains` is what is meant.
        assert!(
            warnings("DeviceProcessEvents | where Timestamp > ago(1h) and ProcessCommandLine contains \"-enc\"")
                .is_empty()
        );
        let w = warnings("search * | where Timestamp > ago(1h) | take 1");
        assert!(w.iter().any(|m| m.contains("`search *` scans every column")), "{w:?}");
        let w = warnings("DeviceInfo | where Timestamp > ago(1h) | join kind=inner (DeviceLogonEvents) on DeviceId");
        assert!(
            w.iter()
                .any(|m| m.contains("right side reads DeviceLogonEvents without a time filter")),
            "{w:?}"
        );
        assert!(
            warnings("DeviceInfo | where Timestamp > ago(1h) | join kind=inner (DeviceLogonEvents | where Timestamp > ago(1h)) on DeviceId")
                .is_empty()
        );
        let narrow = check_with(
            "DeviceInfo | where Timestamp > ago(1d)",
            Schema::advanced_hunting(),
            &CheckOptions {
                window: Some(Duration::from_days(7)),
                window_name: Some("`timespan` (7d)".into()),
            },
        );
        assert_eq!(narrow.len(), 1);
        assert_eq!(
            narrow[0].message,
            "the query's own time filter (ago(1d)) is narrower than `timespan` (7d): rows older than 1d are never seen; use at least ago(7d)"
        );
    }
}
