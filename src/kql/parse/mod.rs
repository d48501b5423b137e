//! The KQL parser: tokens to [`ast::Query`], with every syntax error at its place.
//!
//! Recursive descent with one function per precedence level (pipe, `or`, `and`, comparison and
//! string operators, `+ -`, `* / %`, unary, postfix, primary). Recursion is bounded: nesting
//! (parentheses, calls, lambdas, `dynamic` literals) deeper than [`MAX_DEPTH`] and left-deep
//! chains longer than [`MAX_CHAIN`] are refused with a message naming the limit, and `and`/`or`
//! chains and pipelines are flat lists, so no input overflows the stack. A syntax error ends
//! its statement (the parser skips to the next `;`); the other statements are still parsed.

use super::ast::*;
use super::lex::{Tok, Token, lex};
use super::types::Type;
use super::{Diagnostic, Span};

mod expr;
mod literals;
mod operators;
mod sources;

pub use literals::parse_datetime;
use literals::*;
pub(crate) use literals::{parse_guid, parse_timespan_text};

/// How deep parentheses, calls, sub-queries and `dynamic` literals may nest.
pub const MAX_DEPTH: usize = 64;
/// How long a left-associative chain of one precedence (`a + b + c ...`, `x.a.b.c ...`) may be;
/// `and`/`or` chains have no such limit.
pub const MAX_CHAIN: usize = 512;

/// The operator names Kusto knows but the checker does not model: parsed loosely, output open.
const OPAQUE_OPERATORS: &[&str] = &[
    "fork",
    "facet",
    "reduce",
    "scan",
    "consume",
    "top-hitters",
    "make-graph",
    "graph-match",
    "graph-merge",
    "graph-to-table",
    "parse-kv",
    "project-smart",
    "execute-and-cache",
    "assert-schema",
    "macro-expand",
];

/// The visualizations `render` takes (Kusto.Language's list).
const CHARTS: &[&str] = &[
    "table",
    "list",
    "barchart",
    "piechart",
    "ladderchart",
    "timechart",
    "linechart",
    "anomalychart",
    "pivotchart",
    "areachart",
    "stackedareachart",
    "scatterchart",
    "timepivot",
    "columnchart",
    "timeline",
    "3Dchart",
    "card",
    "treemap",
    "plotly",
    "graph",
    "sankey",
];

/// Operators that may follow `|`, for "did you mean" (aliases included).
pub const OPERATOR_NAMES: &[&str] = &[
    "where",
    "filter",
    "project",
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "extend",
    "summarize",
    "order",
    "sort",
    "top",
    "take",
    "limit",
    "distinct",
    "count",
    "join",
    "lookup",
    "mv-expand",
    "mvexpand",
    "mv-apply",
    "mvapply",
    "parse",
    "parse-where",
    "make-series",
    "top-nested",
    "evaluate",
    "invoke",
    "render",
    "as",
    "serialize",
    "getschema",
    "sample",
    "sample-distinct",
    "union",
    "search",
    "partition",
    "fork",
    "facet",
    "reduce",
    "scan",
    "consume",
    "top-hitters",
    "make-graph",
    "graph-match",
    "parse-kv",
    "project-smart",
];

type PResult<T> = Result<T, Fail>;

/// A syntax error was reported; the statement is abandoned.
#[derive(Debug)]
pub struct Fail;

/// Parses a whole query. The diagnostics are syntax errors; an empty list means it parsed.
pub fn parse(text: &str) -> (Query, Vec<Diagnostic>) {
    let tokens = lex(text);
    let mut p = Parser {
        text,
        toks: tokens,
        pos: 0,
        depth: 0,
        diags: Vec::new(),
    };
    let query = p.query();
    (query, p.diags)
}

struct Parser<'a> {
    text: &'a str,
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
    diags: Vec<Diagnostic>,
}

/// Describes a token for messages.
fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Ident(n) => format!("`{n}`"),
        Tok::Str(_) => "a string".into(),
        Tok::Int(v) => format!("`{v}`"),
        Tok::Real(v) => format!("`{v}`"),
        Tok::TimeSpan(_) => "a timespan".into(),
        Tok::RawLiteral { keyword, .. } => format!("`{keyword}(...)`"),
        Tok::Punct(p) => format!("'{p}'"),
        Tok::Error(_) => "an invalid token".into(),
        Tok::Eof => "the end of the query".into(),
    }
}

fn type_name(name: &str) -> Option<Type> {
    Type::parse(name).filter(|_| !name.eq_ignore_ascii_case("object") && !name.contains(|c: char| c.is_ascii_digit()))
}

impl Parser<'_> {
    // ---- token access -------------------------------------------------------------------

    fn tok(&self) -> &Tok {
        &self.toks[self.pos].tok
    }

    fn token(&self) -> &Token {
        &self.toks[self.pos]
    }

    fn nth(&self, n: usize) -> &Token {
        let i = (self.pos + n).min(self.toks.len() - 1);
        &self.toks[i]
    }

    fn span(&self) -> Span {
        self.toks[self.pos].span
    }

    fn prev_end(&self) -> usize {
        if self.pos == 0 {
            0
        } else {
            self.toks[self.pos - 1].span.end as usize
        }
    }

    fn bump(&mut self) -> Token {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self.tok(), Tok::Punct(q) if *q == p)
    }

    fn nth_is_punct(&self, n: usize, p: &str) -> bool {
        matches!(&self.nth(n).tok, Tok::Punct(q) if *q == p)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.tok(), Tok::Ident(n) if n == w)
    }

    fn nth_is_word(&self, n: usize, w: &str) -> bool {
        matches!(&self.nth(n).tok, Tok::Ident(x) if x == w)
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        if self.is_punct(p) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn eat_word(&mut self, w: &str) -> bool {
        if self.is_word(w) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// Items separated by commas up to (not including) `close`; none is fine, a trailing comma
    /// is not (Kusto.Language's KS006, "missing expression").
    fn separated<T>(&mut self, close: &str, mut item: impl FnMut(&mut Self) -> PResult<T>) -> PResult<Vec<T>> {
        let mut items = Vec::new();
        if !self.is_punct(close) {
            loop {
                items.push(item(self)?);
                if !self.eat_punct(",") {
                    break;
                }
            }
        }
        Ok(items)
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        super::line_col(self.text, offset)
    }

    // ---- errors --------------------------------------------------------------------------

    fn error_at<T>(&mut self, span: Span, message: impl Into<String>) -> PResult<T> {
        self.diags.push(Diagnostic::error(span, message));
        Err(Fail)
    }

    /// An error at the current token: a lexer error is reported as itself.
    fn unexpected<T>(&mut self, expected: &str) -> PResult<T> {
        // At the end, point just after the last token rather than past trailing lines.
        let span = match self.tok() {
            Tok::Eof => Span::new(self.prev_end(), self.prev_end()),
            _ => self.span(),
        };
        match self.tok().clone() {
            Tok::Error(message) => self.error_at(span, message),
            Tok::Punct("=") => self.error_at(
                span,
                format!("expected {expected}, found '=': compare with '==' (or '=~' to ignore case)"),
            ),
            tok => {
                let found = describe(&tok);
                self.error_at(span, format!("expected {expected}, found {found}"))
            }
        }
    }

    fn expect_punct(&mut self, p: &'static str, what: &str) -> PResult<Span> {
        if self.is_punct(p) {
            Ok(self.bump().span)
        } else {
            self.unexpected(&format!("'{p}' {what}"))
        }
    }

    /// Expects the `)` that closes the `(` at `open`.
    fn close(&mut self, close: &'static str, open: Span) -> PResult<Span> {
        if self.is_punct(close) {
            return Ok(self.bump().span);
        }
        let (line, col) = self.line_col(open.start as usize);
        let opener = match close {
            ")" => "(",
            "]" => "[",
            _ => "{",
        };
        self.unexpected(&format!("'{close}' to close the '{opener}' at {line}:{col}"))
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let span = self.span();
            return self.error_at(
                span,
                format!(
                    "the query nests parentheses, calls or sub-queries more than {MAX_DEPTH} levels deep: flatten it (use `let` for sub-queries)"
                ),
            );
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn chain_guard(&mut self, chain: &mut usize) -> PResult<()> {
        *chain += 1;
        if *chain > MAX_CHAIN {
            let span = self.span();
            return self.error_at(
                span,
                format!(
                    "the expression chains more than {MAX_CHAIN} operators of one kind: split it with `let` or `extend`"
                ),
            );
        }
        Ok(())
    }

    // ---- statements ----------------------------------------------------------------------

    fn query(&mut self) -> Query {
        let mut statements = Vec::new();
        while !matches!(self.tok(), Tok::Eof) {
            let before = self.pos;
            match self.statement() {
                // One `;` ends a statement; an empty statement (`;;`) is an error, as in
                // Kusto.Language.
                Ok(s) => {
                    statements.push(s);
                    if self.eat_punct(";") || matches!(self.tok(), Tok::Eof) {
                        continue;
                    }
                    let _: PResult<()> = self.unexpected("';' or the end of the query after the statement");
                    self.sync();
                    self.eat_punct(";");
                }
                Err(Fail) => {
                    self.sync();
                    self.eat_punct(";");
                }
            }
            if self.pos == before {
                self.bump();
            }
        }
        Query { statements }
    }

    /// Skips to the next `;` outside brackets (or the end).
    fn sync(&mut self) {
        let mut depth = 0usize;
        loop {
            match self.tok() {
                Tok::Eof => return,
                Tok::Punct("(" | "[" | "{") => depth += 1,
                Tok::Punct(")" | "]" | "}") => depth = depth.saturating_sub(1),
                Tok::Punct(";") if depth == 0 => return,
                _ => {}
            }
            self.bump();
        }
    }

    fn statement(&mut self) -> PResult<Statement> {
        if self.is_word("let") && matches!(self.nth(1).tok, Tok::Ident(_) | Tok::Punct("[")) {
            return Ok(Statement::Let(self.let_statement()?));
        }
        if self.is_word("declare") && self.nth_is_word(1, "query_parameters") && self.nth_is_punct(2, "(") {
            return self.declare();
        }
        if self.is_word("set") && matches!(self.nth(1).tok, Tok::Ident(_)) && !self.nth_is_punct(1, "|") {
            let start = self.bump().span;
            let name = self.ident("an option name after `set`")?;
            if self.eat_punct("=") {
                self.primary()?;
            }
            return Ok(Statement::Set {
                name,
                span: start.to(self.prev_end()),
            });
        }
        Ok(Statement::Expr(self.pipe_expr()?))
    }

    /// `declare query_parameters(Name: type [= default], ...)`: values the caller supplies.
    fn declare(&mut self) -> PResult<Statement> {
        self.bump();
        self.bump();
        let open = self.bump().span;
        let mut params = Vec::new();
        if !self.is_punct(")") {
            loop {
                let name = self.name("a parameter name")?;
                self.expect_punct(":", "and a type after the parameter name")?;
                let ty = ParamType::Scalar(self.type_name()?);
                let default = if self.eat_punct("=") { Some(self.unary()?) } else { None };
                params.push(LambdaParam { name, ty, default });
                if !self.eat_punct(",") {
                    break;
                }
            }
        }
        self.close(")", open)?;
        Ok(Statement::Declare(params))
    }

    fn let_statement(&mut self) -> PResult<Let> {
        let start = self.bump().span; // let
        let name = self.name("a name after `let`")?;
        if !self.is_punct("=") {
            return self.unexpected("'=' after the name in the let statement");
        }
        self.bump();
        let value = if self.looks_like_lambda() {
            LetValue::Function(self.lambda()?)
        } else {
            LetValue::Expr(self.pipe_expr()?)
        };
        let span = start.to(self.prev_end());
        if !self.is_punct(";") {
            if matches!(self.tok(), Tok::Eof) {
                let (line, col) = self.line_col(start.start as usize);
                let here = self.span();
                return self.error_at(
                    here,
                    format!(
                        "the query ends after the let statement at {line}:{col}: a query needs a tabular expression after its `let` statements"
                    ),
                );
            }
            return self.unexpected("';' to end the let statement");
        }
        Ok(Let { name, value, span })
    }

    /// `(` `)` `{` or `(` name `:` ...
    fn looks_like_lambda(&self) -> bool {
        if !self.is_punct("(") {
            return false;
        }
        if self.nth_is_punct(1, ")") {
            return self.nth_is_punct(2, "{");
        }
        matches!(self.nth(1).tok, Tok::Ident(_)) && self.nth_is_punct(2, ":")
    }

    fn lambda(&mut self) -> PResult<Lambda> {
        let open = self.bump().span;
        self.enter()?;
        let mut params = Vec::new();
        if !self.is_punct(")") {
            loop {
                let name = self.ident("a parameter name")?;
                self.expect_punct(":", "and a type after the parameter name")?;
                let ty = if self.is_punct("(") {
                    let o = self.bump().span;
                    if self.eat_punct("*") {
                        self.close(")", o)?;
                        ParamType::Tabular(None)
                    } else {
                        let cols = self.column_decls_until(")")?;
                        self.close(")", o)?;
                        ParamType::Tabular(Some(cols))
                    }
                } else {
                    ParamType::Scalar(self.type_name()?)
                };
                let default = if self.eat_punct("=") { Some(self.unary()?) } else { None };
                params.push(LambdaParam { name, ty, default });
                if !self.eat_punct(",") {
                    break;
                }
            }
        }
        self.close(")", open)?;
        let body_open = self.expect_punct("{", "to open the function's body")?;
        let mut lets = Vec::new();
        let mut result = None;
        loop {
            while self.eat_punct(";") {}
            if self.is_punct("}") {
                break;
            }
            if self.is_word("let") {
                lets.push(self.let_statement()?);
                continue;
            }
            result = Some(Box::new(self.pipe_expr()?));
            while self.eat_punct(";") {}
            break;
        }
        let end = self.close("}", body_open)?;
        self.leave();
        if result.is_none() {
            return self.error_at(
                body_open.to(end.end as usize),
                "the function's body is empty: end it with an expression",
            );
        }
        Ok(Lambda {
            params,
            lets,
            result,
            span: open.to(end.end as usize),
        })
    }

    fn type_name(&mut self) -> PResult<Type> {
        if let Tok::Ident(n) = self.tok().clone()
            && let Some(t) = type_name(&n)
        {
            self.bump();
            return Ok(t);
        }
        self.unexpected("a type (string, long, int, real, bool, datetime, timespan, dynamic, guid, decimal)")
    }

    /// `Name: type, ...` up to (not including) `close`.
    fn column_decls_until(&mut self, close: &str) -> PResult<Vec<ColumnDecl>> {
        let mut cols = Vec::new();
        while !self.is_punct(close) {
            let name = self.name("a column name")?;
            self.expect_punct(":", "and a type after the column name")?;
            let ty = self.type_name()?;
            cols.push(ColumnDecl { name, ty });
            if !self.eat_punct(",") {
                break;
            }
        }
        Ok(cols)
    }

    // ---- names ---------------------------------------------------------------------------

    fn ident(&mut self, what: &str) -> PResult<Ident> {
        if let Tok::Ident(name) = self.tok().clone() {
            let span = self.bump().span;
            return Ok(Ident { name, span });
        }
        self.unexpected(what)
    }

    /// A plain or bracketed (`['x']`) name.
    fn name(&mut self, what: &str) -> PResult<Ident> {
        if self.is_punct("[") && matches!(self.nth(1).tok, Tok::Str(_)) && self.nth_is_punct(2, "]") {
            let start = self.bump().span;
            let Tok::Str(name) = self.bump().tok else {
                unreachable!()
            };
            let end = self.bump().span;
            return Ok(Ident {
                name,
                span: start.to(end.end as usize),
            });
        }
        self.ident(what)
    }

    fn at_name(&self) -> bool {
        matches!(self.tok(), Tok::Ident(_))
            || (self.is_punct("[") && matches!(self.nth(1).tok, Tok::Str(_)) && self.nth_is_punct(2, "]"))
    }

    /// A name that may contain `*` wildcards, written without spaces: `Device*Events`,
    /// `Initiating*`, `*Id`.
    fn pattern(&mut self, what: &str) -> PResult<Expr> {
        if !self.at_name() && !self.is_punct("*") {
            return self.unexpected(what);
        }
        let start = self.span();
        let mut text = String::new();
        let mut wild = false;
        let mut first = true;
        loop {
            if !first && self.token().spaced {
                break;
            }
            if self.is_punct("*") {
                wild = true;
                text.push('*');
                self.bump();
            } else if matches!(self.tok(), Tok::Ident(_)) {
                let Tok::Ident(n) = self.bump().tok else { unreachable!() };
                text.push_str(&n);
            } else if first && self.at_name() {
                text.push_str(&self.name(what)?.name);
            } else {
                break;
            }
            first = false;
        }
        let span = start.to(self.prev_end());
        let ident = Ident { name: text, span };
        Ok(Expr {
            kind: if wild {
                ExprKind::Pattern(ident)
            } else {
                ExprKind::Name(ident)
            },
            span,
        })
    }
}

/// Checks across statements that the parser can make: a query that is only `let`s.
fn binary(op: BinOp, lhs: Expr, rhs: Expr, start: Span, end: usize) -> Expr {
    Expr {
        kind: ExprKind::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        span: start.to(end),
    }
}

fn source(s: Source, start: Span, end: usize) -> Expr {
    Expr {
        kind: ExprKind::Source(Box::new(s)),
        span: start.to(end),
    }
}

/// `has`, `!contains_cs`, `startswith` ... (not `has_any`, `in`, `between`, `matches regex`).
fn string_op(word: &str, negated: bool) -> Option<StrOp> {
    let (base, cs) = match word.strip_suffix("_cs") {
        Some(b) => (b, true),
        None => (word, false),
    };
    let kind = match base {
        "has" => StrKind::Has,
        "hasprefix" => StrKind::HasPrefix,
        "hassuffix" => StrKind::HasSuffix,
        "contains" => StrKind::Contains,
        "startswith" => StrKind::StartsWith,
        "endswith" => StrKind::EndsWith,
        // Legacy spellings Kusto still accepts.
        "notcontains" => {
            return Some(StrOp {
                kind: StrKind::Contains,
                cs,
                negated: true,
            })
            .filter(|_| !negated);
        }
        "notcontainscs" => {
            return Some(StrOp {
                kind: StrKind::Contains,
                cs: true,
                negated: true,
            })
            .filter(|_| !negated);
        }
        "containscs" => {
            return Some(StrOp {
                kind: StrKind::Contains,
                cs: true,
                negated,
            });
        }
        _ => return None,
    };
    Some(StrOp { kind, cs, negated })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Query {
        let (q, d) = parse(text);
        assert!(d.is_empty(), "{text}: {d:?}");
        q
    }

    fn err(text: &str) -> String {
        let (_, d) = parse(text);
        assert!(!d.is_empty(), "{text} parsed");
        d[0].message.clone()
    }

    #[test]
    fn parses_common_shapes() {
        ok("DeviceProcessEvents | where Timestamp > ago(1h) and FileName =~ \"powershell.exe\" | take 10");
        ok("let x = 5; let T = DeviceInfo | project DeviceId; T | where DeviceId in (T) | count");
        ok("T | summarize arg_max(Timestamp, *) by DeviceId | order by Timestamp desc nulls last");
        ok("T | join kind=leftouter (U | where x == 1) on $left.A == $right.B, C | project-away C1");
        ok("T | mv-expand x = parse_json(y) to typeof(string) limit 10 | parse z with * \"a=\" A:long \",\" *");
        ok("let f = (a: string, T: (*), n: long = 10) { T | take n }; f(\"x\", DeviceInfo)");
        ok("datatable(a: long, b: string) [1, \"x\", // c\n -2, 'y'] | union withsource=S Device*Events");
        ok(
            "T | where x !has \"a\" and y !in~ ('b') and z has_any (\"c\") and w !between (1 .. 2) | extend (a, b) = f(1)",
        );
        ok("T | make-series c = count() default = 0 on Timestamp from ago(7d) to now() step 1d by DeviceId");
        ok("T | top-nested 3 of DeviceName by count(), top-nested 2 of FileName by max(Timestamp)");
        ok("T | where x matches regex @\"\\d+\" | render timechart with (title=\"t\")");
        ok("T | extend a = x.['key'], b = x[\"k\"][0], c = dynamic({\"a\": [1, 2]}), d = datetime(2024-01-01 10:00)");
        ok("T | mv-apply e = Evidence to typeof(dynamic) on (where e.x == 1 | summarize make_list(e))");
        ok(
            "externaldata (Sha: string) [@\"https://x.com/a.csv\"] with (format=\"csv\", ignoreFirstRecord=true) | take 1",
        );
        ok("search in (DeviceEvents) \"x\" | take 1");
        ok("find in (DeviceEvents, DeviceFileEvents) where FileName == \"x\" project FileName");
        ok("T | evaluate bag_unpack(x) | invoke FileProfile(SHA1, 1000) | as X | getschema");
    }

    #[test]
    fn flat_chains_survive_long_inputs() {
        let terms: Vec<String> = (0..5000).map(|i| format!("x == {i}")).collect();
        let q = ok(&format!("T | where {}", terms.join(" or ")));
        let Statement::Expr(Expr {
            kind: ExprKind::Pipe { ops, .. },
            ..
        }) = &q.statements[0]
        else {
            panic!()
        };
        let OpKind::Where(Expr {
            kind: ExprKind::Logical { terms, .. },
            ..
        }) = &ops[0].kind
        else {
            panic!()
        };
        assert_eq!(terms.len(), 5000);
    }

    #[test]
    fn limits_are_named() {
        let deep = format!("T | where {}x{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(err(&deep).contains(&format!("more than {MAX_DEPTH} levels")));
        let chain = format!("T | extend x = {}", vec!["1"; 2000].join(" + "));
        assert!(err(&chain).contains(&format!("more than {MAX_CHAIN} operators")));
    }

    #[test]
    fn syntax_errors_say_where_and_what() {
        assert_eq!(
            err("T | where (a == 1"),
            "expected ')' to close the '(' at 1:11, found the end of the query"
        );
        assert!(err("T | where x !has_any (\"a\")").contains("`!has_any` is not an operator"));
        assert!(err("T | where x has_any \"a\"").contains("'(' after `has_any`"));
        assert!(err("T | summerize count()").contains("did you mean `summarize`?"));
        assert!(err("T | where x = 1").contains("compare with '=='"));
        assert!(err("T |").contains("ends with '|'"));
        assert!(err("let x = 5 T").contains("';' to end the let statement"));
        assert!(err("T | where x == \"C:\\temp\\x\"").contains("`\\x` is not a valid escape"));
    }
}
