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
        loop {
            while self.eat_punct(";") {}
            if matches!(self.tok(), Tok::Eof) {
                break;
            }
            let before = self.pos;
            match self.statement() {
                Ok(s) => {
                    statements.push(s);
                    if self.is_punct(";") || matches!(self.tok(), Tok::Eof) {
                        continue;
                    }
                    let _: PResult<()> = self.unexpected("';' or the end of the query after the statement");
                    self.sync();
                }
                Err(Fail) => self.sync(),
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

    // ---- expressions ---------------------------------------------------------------------

    /// An expression that may be followed by `| operator ...`.
    pub(super) fn pipe_expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let source = self.or_expr()?;
        let result = if self.is_punct("|") {
            let start = source.span;
            let mut ops = Vec::new();
            while self.is_punct("|") {
                let bar = self.bump().span;
                ops.push(self.operator(bar)?);
            }
            let span = start.to(self.prev_end());
            Ok(Expr {
                kind: ExprKind::Pipe {
                    source: Box::new(source),
                    ops,
                },
                span,
            })
        } else {
            Ok(source)
        };
        self.leave();
        result
    }

    fn or_expr(&mut self) -> PResult<Expr> {
        self.logical(LogicOp::Or)
    }

    fn logical(&mut self, op: LogicOp) -> PResult<Expr> {
        let word = if op == LogicOp::Or { "or" } else { "and" };
        let first = if op == LogicOp::Or {
            self.logical(LogicOp::And)?
        } else {
            self.comparison()?
        };
        if !self.is_word(word) {
            return Ok(first);
        }
        let start = first.span;
        let mut terms = vec![first];
        while self.eat_word(word) {
            terms.push(if op == LogicOp::Or {
                self.logical(LogicOp::And)?
            } else {
                self.comparison()?
            });
        }
        Ok(Expr {
            kind: ExprKind::Logical { op, terms },
            span: start.to(self.prev_end()),
        })
    }

    /// Comparison, string, list and `between` operators (one level, left to right).
    fn comparison(&mut self) -> PResult<Expr> {
        let mut lhs = self.additive()?;
        let mut chain = 0;
        loop {
            let start = lhs.span;
            // Punctuation operators.
            let bin = match self.tok() {
                Tok::Punct("==") => Some(BinOp::Eq),
                Tok::Punct("!=" | "<>") => Some(BinOp::Ne),
                Tok::Punct("<") => Some(BinOp::Lt),
                Tok::Punct("<=") => Some(BinOp::Le),
                Tok::Punct(">") => Some(BinOp::Gt),
                Tok::Punct(">=") => Some(BinOp::Ge),
                Tok::Punct("=~") => Some(BinOp::EqCi),
                Tok::Punct("!~") => Some(BinOp::NeCi),
                _ => None,
            };
            if let Some(op) = bin {
                self.chain_guard(&mut chain)?;
                self.bump();
                let rhs = self.additive()?;
                lhs = binary(op, lhs, rhs, start, self.prev_end());
                continue;
            }
            // Word operators, possibly negated with an adjacent `!`.
            let negated = self.is_punct("!") && matches!(self.nth(1).tok, Tok::Ident(_)) && !self.nth(1).spaced;
            let word_tok = if negated { self.nth(1) } else { self.token() };
            let Tok::Ident(word) = word_tok.tok.clone() else { break };
            let word_span = if negated {
                self.span().to(word_tok.span.end as usize)
            } else {
                word_tok.span
            };
            let tilde = matches!(&self.nth(if negated { 2 } else { 1 }).tok, Tok::Punct("~"))
                && !self.nth(if negated { 2 } else { 1 }).spaced;
            if word == "in" {
                self.chain_guard(&mut chain)?;
                self.pos += if negated { 2 } else { 1 };
                if tilde {
                    self.bump();
                }
                let items = self.list_operand(if tilde { "in~" } else { "in" })?;
                lhs = Expr {
                    kind: ExprKind::List {
                        op: ListOp::In { ci: tilde, negated },
                        value: Box::new(lhs),
                        items,
                    },
                    span: start.to(self.prev_end()),
                };
                continue;
            }
            if word == "between" {
                self.chain_guard(&mut chain)?;
                self.pos += if negated { 2 } else { 1 };
                let open = self.expect_punct("(", "after `between`, as in between (ago(2d) .. ago(1d))")?;
                let low = self.additive()?;
                if !self.eat_punct("..") {
                    return self.unexpected("'..' between the bounds, as in between (1 .. 5)");
                }
                let high = self.additive()?;
                self.close(")", open)?;
                lhs = Expr {
                    kind: ExprKind::Between {
                        negated,
                        value: Box::new(lhs),
                        low: Box::new(low),
                        high: Box::new(high),
                    },
                    span: start.to(self.prev_end()),
                };
                continue;
            }
            if word == "has_any" || word == "has_all" {
                if negated {
                    return self.error_at(
                        word_span,
                        format!("`!{word}` is not an operator: write `not(X {word} (...))`"),
                    );
                }
                self.chain_guard(&mut chain)?;
                self.bump();
                let items = self.list_operand(&word)?;
                lhs = Expr {
                    kind: ExprKind::List {
                        op: if word == "has_any" {
                            ListOp::HasAny
                        } else {
                            ListOp::HasAll
                        },
                        value: Box::new(lhs),
                        items,
                    },
                    span: start.to(self.prev_end()),
                };
                continue;
            }
            if word == "matches" && self.nth_is_word(if negated { 2 } else { 1 }, "regex") {
                if negated {
                    return self.error_at(
                        word_span,
                        "`!matches regex` is not an operator: write `not(X matches regex \"...\")`",
                    );
                }
                self.chain_guard(&mut chain)?;
                self.pos += 2;
                let rhs = self.additive()?;
                let op = BinOp::Str(StrOp {
                    kind: StrKind::MatchesRegex,
                    cs: true,
                    negated: false,
                });
                lhs = binary(op, lhs, rhs, start, self.prev_end());
                continue;
            }
            let Some(op) = string_op(&word, negated) else {
                if negated {
                    // `!word` that is not an operator.
                    return self.error_at(word_span, format!("`!{word}` is not an operator"));
                }
                break;
            };
            self.chain_guard(&mut chain)?;
            self.pos += if negated { 2 } else { 1 };
            let rhs = self.additive()?;
            lhs = binary(BinOp::Str(op), lhs, rhs, start, self.prev_end());
        }
        Ok(lhs)
    }

    /// `( item, ... )` after `in`, `has_any` ...
    fn list_operand(&mut self, op: &str) -> PResult<Vec<Expr>> {
        if !self.is_punct("(") {
            return self.unexpected(&format!(
                "'(' after `{op}`: write the values in parentheses, as in {op} (\"a\", \"b\")"
            ));
        }
        let open = self.bump().span;
        self.enter()?;
        let mut items = Vec::new();
        while !self.is_punct(")") {
            items.push(self.pipe_expr()?);
            if !self.eat_punct(",") {
                break;
            }
        }
        self.close(")", open)?;
        self.leave();
        Ok(items)
    }

    fn additive(&mut self) -> PResult<Expr> {
        let mut lhs = self.multiplicative()?;
        let mut chain = 0;
        loop {
            let op = match self.tok() {
                Tok::Punct("+") => BinOp::Add,
                Tok::Punct("-") => BinOp::Sub,
                _ => break,
            };
            self.chain_guard(&mut chain)?;
            self.bump();
            let rhs = self.multiplicative()?;
            let start = lhs.span;
            lhs = binary(op, lhs, rhs, start, self.prev_end());
        }
        Ok(lhs)
    }

    fn multiplicative(&mut self) -> PResult<Expr> {
        let mut lhs = self.unary()?;
        let mut chain = 0;
        loop {
            let op = match self.tok() {
                Tok::Punct("*") => BinOp::Mul,
                Tok::Punct("/") => BinOp::Div,
                Tok::Punct("%") => BinOp::Mod,
                _ => break,
            };
            // `*` directly after an argument list's comma is a star argument, not a product.
            self.chain_guard(&mut chain)?;
            self.bump();
            let rhs = self.unary()?;
            let start = lhs.span;
            lhs = binary(op, lhs, rhs, start, self.prev_end());
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> PResult<Expr> {
        let op = match self.tok() {
            Tok::Punct("-") => UnaryOp::Neg,
            Tok::Punct("+") => UnaryOp::Plus,
            _ => return self.postfix(),
        };
        let start = self.bump().span;
        self.enter()?;
        let operand = self.unary()?;
        self.leave();
        // Fold signs into numeric literals, so `-1` is a literal (datatable rows need that).
        if op == UnaryOp::Neg
            && let ExprKind::Literal(lit) = &operand.kind
        {
            let folded = match lit {
                Literal::Long(Some(v)) => Some(Literal::Long(Some(v.wrapping_neg()))),
                Literal::Real(Some(v)) => Some(Literal::Real(Some(-v))),
                Literal::TimeSpan(Some(v)) => Some(Literal::TimeSpan(Some(v.wrapping_neg()))),
                _ => None,
            };
            if let Some(lit) = folded {
                return Ok(Expr {
                    kind: ExprKind::Literal(lit),
                    span: start.to(operand.span.end as usize),
                });
            }
        }
        Ok(Expr {
            span: start.to(operand.span.end as usize),
            kind: ExprKind::Unary {
                op,
                operand: Box::new(operand),
            },
        })
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let mut e = self.primary()?;
        let mut chain = 0;
        loop {
            if self.is_punct(".") && !matches!(e.kind, ExprKind::Literal(_)) {
                self.chain_guard(&mut chain)?;
                self.bump();
                let name = if self.is_punct("[") {
                    // x.['key']
                    let open = self.bump().span;
                    let key = match self.tok().clone() {
                        Tok::Str(s) => {
                            let span = self.bump().span;
                            Ident { name: s, span }
                        }
                        _ => return self.unexpected("a quoted key after '.['"),
                    };
                    self.close("]", open)?;
                    key
                } else {
                    self.ident("a property name after '.'")?
                };
                let start = e.span;
                e = Expr {
                    kind: ExprKind::Member {
                        target: Box::new(e),
                        name,
                    },
                    span: start.to(self.prev_end()),
                };
            } else if self.is_punct("[") {
                self.chain_guard(&mut chain)?;
                let open = self.bump().span;
                self.enter()?;
                let index = self.pipe_expr()?;
                self.close("]", open)?;
                self.leave();
                let start = e.span;
                e = Expr {
                    kind: ExprKind::Index {
                        target: Box::new(e),
                        index: Box::new(index),
                    },
                    span: start.to(self.prev_end()),
                };
            } else {
                break;
            }
        }
        Ok(e)
    }

    fn primary(&mut self) -> PResult<Expr> {
        let start = self.span();
        let lit = |kind, end: usize| Expr {
            kind: ExprKind::Literal(kind),
            span: start.to(end),
        };
        match self.tok().clone() {
            Tok::Int(v) => {
                self.bump();
                Ok(lit(Literal::Long(Some(v)), self.prev_end()))
            }
            Tok::Real(v) => {
                self.bump();
                Ok(lit(Literal::Real(Some(v)), self.prev_end()))
            }
            Tok::TimeSpan(v) => {
                self.bump();
                Ok(lit(Literal::TimeSpan(Some(v)), self.prev_end()))
            }
            Tok::Str(s) => {
                self.bump();
                let mut value = s;
                // Adjacent literals are one string (Kusto joins them).
                while let Tok::Str(more) = self.tok().clone() {
                    self.bump();
                    value.push_str(&more);
                }
                Ok(lit(Literal::Str(value), self.prev_end()))
            }
            Tok::RawLiteral { keyword, body } => {
                self.bump();
                let value = raw_literal(&keyword, &body);
                match value {
                    Some(l) => Ok(lit(l, self.prev_end())),
                    None => {
                        let span = start.to(self.prev_end());
                        self.error_at(span, format!("`{keyword}({body})` is not a valid {keyword} literal"))
                    }
                }
            }
            Tok::Punct("(") => {
                let open = self.bump().span;
                self.enter()?;
                let inner = self.pipe_expr()?;
                self.close(")", open)?;
                self.leave();
                Ok(Expr {
                    kind: ExprKind::Paren(Box::new(inner)),
                    span: start.to(self.prev_end()),
                })
            }
            Tok::Punct("[") if matches!(self.nth(1).tok, Tok::Str(_)) && self.nth_is_punct(2, "]") => {
                let name = self.name("a name")?;
                self.after_name(name)
            }
            Tok::Punct("$") if matches!(&self.nth(1).tok, Tok::Ident(_)) && !self.nth(1).spaced => {
                self.bump();
                let Tok::Ident(side) = self.bump().tok else {
                    unreachable!()
                };
                Ok(Expr {
                    kind: ExprKind::Name(Ident {
                        name: format!("${side}"),
                        span: start.to(self.prev_end()),
                    }),
                    span: start.to(self.prev_end()),
                })
            }
            Tok::Punct("*") => {
                self.bump();
                Ok(Expr {
                    kind: ExprKind::Star,
                    span: start,
                })
            }
            Tok::Ident(word) => {
                let next_paren = self.nth_is_punct(1, "(");
                match word.as_str() {
                    "true" | "false" => {
                        self.bump();
                        return Ok(lit(Literal::Bool(Some(word == "true")), self.prev_end()));
                    }
                    "dynamic" if next_paren => return self.dynamic_literal(),
                    "typeof" if next_paren => {
                        self.bump();
                        let open = self.bump().span;
                        let t = self.type_name()?;
                        self.close(")", open)?;
                        return Ok(lit(Literal::Type(t), self.prev_end()));
                    }
                    "datatable" if next_paren => return self.datatable(),
                    "externaldata" if next_paren => return self.externaldata(),
                    "union" if self.union_follows() => {
                        self.bump();
                        let (params, tables) = self.union_body()?;
                        return Ok(source(Source::Union { params, tables }, start, self.prev_end()));
                    }
                    "search" if self.search_follows() => {
                        self.bump();
                        let (tables, predicate) = self.search_body()?;
                        return Ok(source(Source::Search { tables, predicate }, start, self.prev_end()));
                    }
                    "find" if self.find_follows() => return self.find(),
                    "print" if !next_paren && !self.nth_is_punct(1, "|") => {
                        self.bump();
                        let cols = self.named_list()?;
                        return Ok(source(Source::Print(cols), start, self.prev_end()));
                    }
                    "range" if matches!(self.nth(1).tok, Tok::Ident(_)) && self.nth_is_word(2, "from") => {
                        return self.range();
                    }
                    _ => {}
                }
                if next_paren && let Some(ty) = scalar_literal_type(&word) {
                    return self.typed_literal(ty);
                }
                let name = self.ident("a name")?;
                self.after_name(name)
            }
            _ => self.unexpected("an expression"),
        }
    }

    /// A name, or a call when `(` follows.
    fn after_name(&mut self, name: Ident) -> PResult<Expr> {
        if !self.is_punct("(") || self.token().spaced && name.name == "on" {
            let span = name.span;
            return Ok(Expr {
                kind: ExprKind::Name(name),
                span,
            });
        }
        let open = self.bump().span;
        self.enter()?;
        let mut args = Vec::new();
        while !self.is_punct(")") {
            args.push(self.argument()?);
            if !self.eat_punct(",") {
                break;
            }
        }
        self.close(")", open)?;
        self.leave();
        let span = name.span.to(self.prev_end());
        Ok(Expr {
            kind: ExprKind::Call { func: name, args },
            span,
        })
    }

    fn argument(&mut self) -> PResult<Expr> {
        if self.is_punct("*") && (self.nth_is_punct(1, ",") || self.nth_is_punct(1, ")")) {
            let span = self.bump().span;
            return Ok(Expr {
                kind: ExprKind::Star,
                span,
            });
        }
        if matches!(self.tok(), Tok::Ident(_)) && self.nth_is_punct(1, "=") {
            let name = self.ident("a name")?;
            self.bump();
            let value = self.pipe_expr()?;
            let span = name.span.to(value.span.end as usize);
            return Ok(Expr {
                kind: ExprKind::Named {
                    name,
                    value: Box::new(value),
                },
                span,
            });
        }
        self.pipe_expr()
    }

    /// `int(5)`, `long(null)`, `real(nan)`, `bool(true)`, `timespan(1d)`, `datetime("...")`,
    /// `guid(null)`, `decimal(1.5)`: the keyword is at `pos`.
    fn typed_literal(&mut self, ty: Type) -> PResult<Expr> {
        let start = self.bump().span;
        let open = self.bump().span;
        let negative = self.eat_punct("-");
        let value = match (self.tok().clone(), ty) {
            (Tok::Ident(n), _) if n == "null" => Some(null_of(ty)),
            (Tok::Int(v), Type::Int) => i32::try_from(if negative { -v } else { v })
                .ok()
                .map(|v| Literal::Int(Some(v))),
            (Tok::Int(v), Type::Long) => Some(Literal::Long(Some(if negative { -v } else { v }))),
            (Tok::Int(v), Type::Real) => Some(Literal::Real(Some(if negative { -(v as f64) } else { v as f64 }))),
            (Tok::Real(v), Type::Real) => Some(Literal::Real(Some(if negative { -v } else { v }))),
            (Tok::Int(v), Type::Decimal) => Some(Literal::Decimal(Some(format!(
                "{}{v}",
                if negative { "-" } else { "" }
            )))),
            (Tok::Real(v), Type::Decimal) => Some(Literal::Decimal(Some(format!(
                "{}{v}",
                if negative { "-" } else { "" }
            )))),
            (Tok::Ident(n), Type::Real) if matches!(n.as_str(), "nan" | "inf") => {
                Some(Literal::Real(Some(if n == "nan" {
                    f64::NAN
                } else if negative {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                })))
            }
            (Tok::Punct("+"), Type::Real) if self.nth_is_word(1, "inf") => {
                self.bump();
                Some(Literal::Real(Some(f64::INFINITY)))
            }
            (Tok::Ident(n), Type::Bool) if n == "true" || n == "false" => Some(Literal::Bool(Some(n == "true"))),
            (Tok::Int(v), Type::Bool) if v == 0 || v == 1 => Some(Literal::Bool(Some(v == 1))),
            (Tok::TimeSpan(v), Type::TimeSpan) => Some(Literal::TimeSpan(Some(if negative { -v } else { v }))),
            (Tok::Int(v), Type::TimeSpan) => Some(Literal::TimeSpan(Some(v * 864_000_000_000))),
            (Tok::Str(s), Type::DateTime) => parse_datetime(&s).map(|d| Literal::DateTime(Some(d))),
            (Tok::Str(s), Type::TimeSpan) => parse_timespan_text(&s).map(|t| Literal::TimeSpan(Some(t))),
            (Tok::Str(s), Type::Guid) => parse_guid(&s).map(|g| Literal::Guid(Some(g))),
            (Tok::Int(v), Type::DateTime) => parse_datetime(&v.to_string()).map(|d| Literal::DateTime(Some(d))),
            _ => None,
        };
        let Some(value) = value else {
            let kw = self.text[start.start as usize..start.end as usize].to_string();
            return self.unexpected(&format!("a {} value (or null) inside {kw}(...)", ty.name()));
        };
        self.bump();
        self.close(")", open)?;
        Ok(Expr {
            kind: ExprKind::Literal(value),
            span: start.to(self.prev_end()),
        })
    }

    fn dynamic_literal(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        let open = self.bump().span;
        let value = self.json_value()?;
        self.close(")", open)?;
        Ok(Expr {
            kind: ExprKind::Literal(Literal::Dynamic(value)),
            span: start.to(self.prev_end()),
        })
    }

    /// A value inside `dynamic(...)`: JSON, plus Kusto scalar literals.
    fn json_value(&mut self) -> PResult<serde_json::Value> {
        use serde_json::Value;
        self.enter()?;
        let negative = self.eat_punct("-");
        let v = match self.tok().clone() {
            Tok::Punct("[") => {
                let open = self.bump().span;
                let mut items = Vec::new();
                while !self.is_punct("]") {
                    items.push(self.json_value()?);
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                self.close("]", open)?;
                Value::Array(items)
            }
            Tok::Punct("{") => {
                let open = self.bump().span;
                let mut map = serde_json::Map::new();
                while !self.is_punct("}") {
                    let key = match self.tok().clone() {
                        Tok::Str(s) | Tok::Ident(s) => {
                            self.bump();
                            s
                        }
                        _ => return self.unexpected("a quoted key in the dynamic object"),
                    };
                    self.expect_punct(":", "after the key")?;
                    let v = self.json_value()?;
                    map.insert(key, v);
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                self.close("}", open)?;
                Value::Object(map)
            }
            Tok::Str(s) => {
                self.bump();
                Value::String(s)
            }
            Tok::Int(i) => {
                self.bump();
                Value::from(if negative { -i } else { i })
            }
            Tok::Real(r) => {
                self.bump();
                serde_json::Number::from_f64(if negative { -r } else { r }).map_or(Value::Null, Value::Number)
            }
            Tok::TimeSpan(t) => {
                self.bump();
                Value::String(super::format_timespan(if negative { -t } else { t }))
            }
            Tok::Ident(w) if w == "null" => {
                self.bump();
                Value::Null
            }
            Tok::Ident(w) if w == "true" || w == "false" => {
                self.bump();
                Value::Bool(w == "true")
            }
            Tok::RawLiteral { keyword, body } => {
                self.bump();
                match raw_literal(&keyword, &body) {
                    Some(Literal::DateTime(Some((s, n)))) => Value::String(super::format_datetime(s, n)),
                    Some(Literal::Guid(Some(g))) => Value::String(g),
                    Some(Literal::TimeSpan(Some(t))) => Value::String(super::format_timespan(t)),
                    _ => return self.unexpected("a valid literal"),
                }
            }
            Tok::Ident(w) if self.nth_is_punct(1, "(") && scalar_literal_type(&w).is_some() => {
                let ty = scalar_literal_type(&w).unwrap_or(Type::Unknown);
                let e = self.typed_literal(ty)?;
                match e.kind {
                    ExprKind::Literal(Literal::Long(Some(v))) => Value::from(v),
                    ExprKind::Literal(Literal::Int(Some(v))) => Value::from(v),
                    ExprKind::Literal(Literal::Bool(Some(b))) => Value::Bool(b),
                    ExprKind::Literal(Literal::Str(s)) => Value::String(s),
                    ExprKind::Literal(Literal::DateTime(Some((s, n)))) => Value::String(super::format_datetime(s, n)),
                    ExprKind::Literal(Literal::TimeSpan(Some(t))) => Value::String(super::format_timespan(t)),
                    _ => Value::Null,
                }
            }
            _ => return self.unexpected("a value (a string, number, bool, null, [array] or {object}) in dynamic(...)"),
        };
        self.leave();
        Ok(v)
    }

    fn datatable(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        let open = self.bump().span;
        let columns = self.column_decls_until(")")?;
        self.close(")", open)?;
        let open = self.expect_punct("[", "with the rows' values after datatable's columns")?;
        let mut values = Vec::new();
        while !self.is_punct("]") {
            values.push(self.unary()?);
            if !self.eat_punct(",") {
                break;
            }
        }
        self.close("]", open)?;
        Ok(source(Source::Datatable { columns, values }, start, self.prev_end()))
    }

    fn externaldata(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        let open = self.bump().span;
        let columns = self.column_decls_until(")")?;
        self.close(")", open)?;
        let open = self.expect_punct("[", "with the storage URLs after externaldata's columns")?;
        let mut urls = Vec::new();
        while !self.is_punct("]") {
            urls.push(self.primary()?);
            if !self.eat_punct(",") {
                break;
            }
        }
        self.close("]", open)?;
        let mut with = Vec::new();
        if self.eat_word("with") {
            let open = self.expect_punct("(", "after `with`")?;
            while !self.is_punct(")") {
                with.push(self.op_param_any()?);
                if !self.eat_punct(",") {
                    break;
                }
            }
            self.close(")", open)?;
        }
        Ok(source(
            Source::ExternalData { columns, urls, with },
            start,
            self.prev_end(),
        ))
    }

    fn union_follows(&self) -> bool {
        let next = &self.nth(1).tok;
        matches!(next, Tok::Ident(_) | Tok::Punct("(" | "*" | "["))
    }

    fn union_body(&mut self) -> PResult<(Vec<OpParam>, Vec<Expr>)> {
        let params = self.op_params(&["kind", "withsource", "isfuzzy"])?;
        let mut tables = Vec::new();
        loop {
            if self.is_punct("(") {
                tables.push(self.primary()?);
            } else if self.at_name() && self.nth_is_punct(1, "(") && !self.nth(1).spaced {
                tables.push(self.postfix()?);
            } else {
                tables.push(self.pattern("a table name")?);
            }
            if !self.eat_punct(",") {
                break;
            }
        }
        Ok((params, tables))
    }

    fn search_follows(&self) -> bool {
        matches!(self.nth(1).tok, Tok::Str(_) | Tok::Ident(_) | Tok::Punct("*" | "("))
    }

    fn search_body(&mut self) -> PResult<(Vec<Expr>, Expr)> {
        self.op_params(&["kind"])?;
        let mut tables = Vec::new();
        if self.is_word("in") && self.nth_is_punct(1, "(") {
            self.bump();
            let open = self.bump().span;
            while !self.is_punct(")") {
                tables.push(self.pattern("a table name")?);
                if !self.eat_punct(",") {
                    break;
                }
            }
            self.close(")", open)?;
        }
        let predicate = if self.is_punct("*") && !self.nth_is_punct(1, ")") && self.nth(1).spaced {
            // `search * has "x"` / `search *`.
            let star = self.bump().span;
            let star = Expr {
                kind: ExprKind::Star,
                span: star,
            };
            self.search_rest(star)?
        } else {
            self.or_expr()?
        };
        Ok((tables, predicate))
    }

    /// After `search *`: optional `has "x"` / `== "x"`.
    fn search_rest(&mut self, star: Expr) -> PResult<Expr> {
        if matches!(self.tok(), Tok::Punct("|" | ";" | ")") | Tok::Eof) {
            return Ok(star);
        }
        if let Tok::Ident(w) = self.tok().clone()
            && let Some(op) = string_op(&w, false)
        {
            self.bump();
            let rhs = self.additive()?;
            let start = star.span;
            return Ok(binary(BinOp::Str(op), star, rhs, start, self.prev_end()));
        }
        if self.eat_punct("==") {
            let rhs = self.additive()?;
            let start = star.span;
            return Ok(binary(BinOp::Eq, star, rhs, start, self.prev_end()));
        }
        self.unexpected("`has`, `contains` or '==' after `search *`")
    }

    fn find_follows(&self) -> bool {
        self.nth_is_word(1, "in") || self.nth_is_word(1, "where") || self.nth_is_word(1, "withsource")
    }

    fn find(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        self.op_params(&["withsource", "kind", "isfuzzy"])?;
        let mut tables = Vec::new();
        if self.is_word("in") {
            self.bump();
            let open = self.expect_punct("(", "after `find in`")?;
            while !self.is_punct(")") {
                tables.push(self.pattern("a table name")?);
                if !self.eat_punct(",") {
                    break;
                }
            }
            self.close(")", open)?;
        }
        if !self.eat_word("where") {
            return self.unexpected("`where` and a predicate in `find`");
        }
        let predicate = self.or_expr()?;
        let project = if self.eat_word("project") {
            let mut cols = Vec::new();
            loop {
                cols.push(self.pattern("a column name")?);
                if !self.eat_punct(",") {
                    break;
                }
            }
            Some(cols)
        } else {
            // `project-smart` (or nothing): every matching column, as a bag.
            self.eat_word("project-smart");
            None
        };
        Ok(source(
            Source::Find {
                tables,
                predicate,
                project,
            },
            start,
            self.prev_end(),
        ))
    }

    fn range(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        let name = self.ident("a column name after `range`")?;
        self.bump(); // from
        let from = self.additive()?;
        if !self.eat_word("to") {
            return self.unexpected("`to` in `range x from A to B step C`");
        }
        let to = self.additive()?;
        if !self.eat_word("step") {
            return self.unexpected("`step` in `range x from A to B step C`");
        }
        let step = self.additive()?;
        Ok(source(Source::Range { name, from, to, step }, start, self.prev_end()))
    }

    // ---- operator pieces -----------------------------------------------------------------

    /// `name=value` options at the start of an operator, for the given names (and any `hint.*`).
    fn op_params(&mut self, names: &[&str]) -> PResult<Vec<OpParam>> {
        let mut params = Vec::new();
        while let Tok::Ident(word) = self.tok().clone() {
            let dotted = word == "hint" && self.nth_is_punct(1, ".") && matches!(self.nth(2).tok, Tok::Ident(_));
            let eq_at = if dotted { 3 } else { 1 };
            if !self.nth_is_punct(eq_at, "=") || !(dotted || names.contains(&word.as_str())) {
                break;
            }
            params.push(self.op_param_any()?);
        }
        Ok(params)
    }

    /// `name[.name]=value` where the value is a name, a literal or a simple expression.
    fn op_param_any(&mut self) -> PResult<OpParam> {
        let mut name = self.ident("an option name")?;
        while self.is_punct(".") && matches!(self.nth(1).tok, Tok::Ident(_)) {
            self.bump();
            let part = self.ident("an option name")?;
            name.name.push('.');
            name.name.push_str(&part.name);
            name.span = name.span.to(part.span.end as usize);
        }
        self.expect_punct("=", "after the option name")?;
        // A name value is just the name: in `kind=inner (T)` the parenthesis is the right side.
        let value = if matches!(self.tok(), Tok::Ident(_))
            && !matches!(self.tok(), Tok::Ident(w) if w == "true" || w == "false")
        {
            let id = self.ident("an option value")?;
            Expr {
                span: id.span,
                kind: ExprKind::Name(id),
            }
        } else {
            self.unary()?
        };
        Ok(OpParam { name, value })
    }

    /// `Name = expr`, `(A, B) = expr` or `expr`.
    fn named_expr(&mut self) -> PResult<NamedExpr> {
        if self.at_name() {
            let name_len = if self.is_punct("[") { 3 } else { 1 };
            if self.nth_is_punct(name_len, "=") {
                let name = self.name("a name")?;
                self.bump();
                let expr = self.or_expr()?;
                return Ok(NamedExpr {
                    names: vec![name],
                    expr,
                });
            }
        }
        if self.is_punct("(") && self.tuple_assignment_follows() {
            self.bump();
            let mut names = Vec::new();
            loop {
                names.push(self.name("a name")?);
                if !self.eat_punct(",") {
                    break;
                }
            }
            self.bump(); // )
            self.bump(); // =
            let expr = self.or_expr()?;
            return Ok(NamedExpr { names, expr });
        }
        Ok(NamedExpr {
            names: Vec::new(),
            expr: self.or_expr()?,
        })
    }

    fn tuple_assignment_follows(&self) -> bool {
        let mut i = 1;
        loop {
            if !matches!(self.nth(i).tok, Tok::Ident(_)) {
                return false;
            }
            i += 1;
            if self.nth_is_punct(i, ",") {
                i += 1;
                continue;
            }
            return self.nth_is_punct(i, ")") && self.nth_is_punct(i + 1, "=");
        }
    }

    fn named_list(&mut self) -> PResult<Vec<NamedExpr>> {
        let mut items = vec![self.named_expr()?];
        while self.eat_punct(",") {
            items.push(self.named_expr()?);
        }
        Ok(items)
    }

    fn sort_key(&mut self) -> PResult<SortKey> {
        let expr = self.or_expr()?;
        let mut descending = true;
        if self.eat_word("asc") {
            descending = false;
        } else {
            self.eat_word("desc");
        }
        let mut nulls_first = None;
        if self.is_word("nulls") && (self.nth_is_word(1, "first") || self.nth_is_word(1, "last")) {
            self.bump();
            nulls_first = Some(self.bump().tok == Tok::Ident("first".into()));
        }
        Ok(SortKey {
            expr,
            descending,
            nulls_first,
        })
    }

    fn mv_items(&mut self) -> PResult<Vec<MvItem>> {
        let mut items = Vec::new();
        loop {
            let column = self.named_expr()?;
            let to = if self.is_word("to") && self.nth_is_word(1, "typeof") {
                self.bump();
                self.bump();
                let open = self.expect_punct("(", "after typeof")?;
                let t = self.type_name()?;
                self.close(")", open)?;
                Some(t)
            } else {
                None
            };
            items.push(MvItem { column, to });
            if !self.eat_punct(",") {
                break;
            }
        }
        Ok(items)
    }

    /// A sub-query of operators on an implicit input: `(where x | summarize ...)`.
    fn subquery(&mut self, what: &str) -> PResult<Expr> {
        let open_tok = if self.is_punct("{") { "}" } else { ")" };
        let open = if self.is_punct("{") {
            self.bump().span
        } else {
            self.expect_punct("(", what)?
        };
        self.enter()?;
        let mut ops = Vec::new();
        let input = Expr {
            kind: ExprKind::Input,
            span: open,
        };
        loop {
            let at = self.span();
            ops.push(self.operator(at)?);
            if !self.eat_punct("|") {
                break;
            }
        }
        self.close(open_tok, open)?;
        self.leave();
        Ok(Expr {
            kind: ExprKind::Pipe {
                source: Box::new(input),
                ops,
            },
            span: open.to(self.prev_end()),
        })
    }

    // ---- operators -----------------------------------------------------------------------

    /// One stage after `|` (or inside a sub-query).
    fn operator(&mut self, bar: Span) -> PResult<Operator> {
        if !matches!(self.tok(), Tok::Ident(_)) {
            return match self.tok() {
                Tok::Eof => {
                    let span = bar;
                    self.error_at(span, "the query ends with '|': add an operator after it, or remove it")
                }
                Tok::Punct("|") => {
                    let span = self.span();
                    self.error_at(
                        span,
                        "expected an operator after '|', found '|': for a logical or, write `or`",
                    )
                }
                _ => self.unexpected("an operator name after '|' (where, project, extend, summarize, ...)"),
            };
        }
        // Hyphenated names: project-away, mv-expand, make-series, top-nested, parse-where ...
        let mut name = self.ident("an operator")?;
        while self.is_punct("-")
            && !self.token().spaced
            && matches!(self.nth(1).tok, Tok::Ident(_))
            && !self.nth(1).spaced
        {
            self.bump();
            let part = self.ident("an operator")?;
            name.name.push('-');
            name.name.push_str(&part.name);
            name.span = name.span.to(part.span.end as usize);
        }
        let start = name.span;
        let kind = match name.name.as_str() {
            "where" | "filter" => {
                if matches!(self.tok(), Tok::Punct("|" | ";" | ")") | Tok::Eof) {
                    return self.error_at(
                        name.span,
                        format!("`{}` needs a predicate, as in | where Timestamp > ago(1h)", name.name),
                    );
                }
                OpKind::Where(self.or_expr()?)
            }
            "project" => OpKind::Project(self.named_list()?),
            "extend" => OpKind::Extend(self.named_list()?),
            "project-away" | "project-keep" | "project-reorder" => {
                let mut items = Vec::new();
                loop {
                    items.push(self.pattern("a column name")?);
                    if name.name == "project-reorder" {
                        let _ = self.eat_word("asc") || self.eat_word("desc") || self.eat_word("granny-asc");
                    }
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                match name.name.as_str() {
                    "project-away" => OpKind::ProjectAway(items),
                    "project-keep" => OpKind::ProjectKeep(items),
                    _ => OpKind::ProjectReorder(items),
                }
            }
            "project-rename" => {
                let mut pairs = Vec::new();
                loop {
                    let new = self.name("the new column name")?;
                    self.expect_punct("=", "in project-rename New = Old")?;
                    let old = self.name("the column to rename")?;
                    pairs.push((new, old));
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                OpKind::ProjectRename(pairs)
            }
            "summarize" => {
                let params = self.op_params(&[])?;
                let aggregates = if self.is_word("by") {
                    Vec::new()
                } else {
                    self.named_list()?
                };
                let by = if self.eat_word("by") {
                    self.named_list()?
                } else {
                    Vec::new()
                };
                if aggregates.is_empty() && by.is_empty() {
                    return self.error_at(name.span, "summarize needs an aggregate or a `by` clause");
                }
                OpKind::Summarize { params, aggregates, by }
            }
            "order" | "sort" => {
                self.op_params(&[])?;
                if !self.eat_word("by") {
                    return self.unexpected(&format!("`by` after `{}`", name.name));
                }
                let mut keys = vec![self.sort_key()?];
                while self.eat_punct(",") {
                    keys.push(self.sort_key()?);
                }
                OpKind::Sort(keys)
            }
            "top" => {
                let count = self.additive()?;
                if !self.eat_word("by") {
                    return self.unexpected("`by` in `top N by Column`");
                }
                OpKind::Top {
                    count,
                    by: self.sort_key()?,
                }
            }
            "take" | "limit" => OpKind::Take(self.additive()?),
            "distinct" => {
                if self.is_punct("*") {
                    let span = self.bump().span;
                    OpKind::Distinct(vec![NamedExpr {
                        names: Vec::new(),
                        expr: Expr {
                            kind: ExprKind::Star,
                            span,
                        },
                    }])
                } else {
                    OpKind::Distinct(self.named_list()?)
                }
            }
            "count" => OpKind::Count,
            "join" | "lookup" => {
                let params = self.op_params(&["kind"])?;
                let right = self.unary()?;
                if !self.eat_word("on") {
                    if self.eat_word("where") {
                        let cond = self.or_expr()?;
                        return Ok(self.finish(
                            name,
                            start,
                            OpKind::Join {
                                params,
                                right,
                                on: vec![cond],
                            },
                        ));
                    }
                    return self.unexpected(&format!(
                        "`on` and the columns to match after the right side of `{}`",
                        name.name
                    ));
                }
                let mut on = vec![self.or_expr()?];
                while self.eat_punct(",") {
                    on.push(self.or_expr()?);
                }
                if name.name == "join" {
                    OpKind::Join { params, right, on }
                } else {
                    OpKind::Lookup { params, right, on }
                }
            }
            "mv-expand" | "mvexpand" => {
                let params = self.op_params(&["bagexpansion", "with_itemindex", "kind"])?;
                let items = self.mv_items()?;
                let limit = if self.eat_word("limit") {
                    Some(self.additive()?)
                } else {
                    None
                };
                OpKind::MvExpand { params, items, limit }
            }
            "mv-apply" | "mvapply" => {
                let params = self.op_params(&["with_itemindex"])?;
                let items = self.mv_items()?;
                let limit = if self.eat_word("limit") {
                    Some(self.additive()?)
                } else {
                    None
                };
                if !self.eat_word("on") {
                    return self.unexpected("`on` and a sub-query in parentheses after mv-apply's columns");
                }
                let body = self.subquery("to open mv-apply's sub-query")?;
                OpKind::MvApply {
                    params,
                    items,
                    limit,
                    body,
                }
            }
            "parse" | "parse-where" => {
                let params = self.op_params(&["kind", "flags"])?;
                let source = self.additive()?;
                if !self.eat_word("with") {
                    return self.unexpected(
                        "`with` and a pattern after parse's column, as in parse Col with \"x=\" Value:string",
                    );
                }
                let pattern = self.parse_pattern()?;
                OpKind::Parse {
                    filter: name.name == "parse-where",
                    params,
                    source,
                    pattern,
                }
            }
            "make-series" => self.make_series()?,
            "top-nested" => self.top_nested()?,
            "evaluate" => {
                let params = self.op_params(&[])?;
                let call = self.postfix()?;
                if !matches!(call.kind, ExprKind::Call { .. }) {
                    return self.error_at(
                        call.span,
                        "evaluate needs a plugin call, as in evaluate bag_unpack(Column)",
                    );
                }
                OpKind::Evaluate { params, call }
            }
            "invoke" => {
                let call = self.postfix()?;
                if !matches!(call.kind, ExprKind::Call { .. }) {
                    return self.error_at(
                        call.span,
                        "invoke needs a function call, as in invoke FileProfile(SHA1, 1000)",
                    );
                }
                OpKind::Invoke(call)
            }
            "render" => {
                let chart = self.ident("a visualization after `render` (timechart, columnchart, ...)")?;
                if !CHARTS.contains(&chart.name.as_str()) {
                    let hint = crate::suggest::did_you_mean(&chart.name, CHARTS.iter().copied());
                    return self.error_at(
                        chart.span,
                        format!(
                            "`{}` is not a visualization (one of {}){hint}",
                            chart.name,
                            CHARTS.join(", ")
                        ),
                    );
                }
                let mut with = Vec::new();
                if self.eat_word("with") {
                    let open = self.expect_punct("(", "after `with`")?;
                    while !self.is_punct(")") {
                        with.push(self.op_param_any()?);
                        if !self.eat_punct(",") {
                            break;
                        }
                    }
                    self.close(")", open)?;
                } else {
                    while matches!(self.tok(), Tok::Ident(_)) && self.nth_is_punct(1, "=") {
                        with.push(self.op_param_any()?);
                    }
                }
                OpKind::Render { chart, with }
            }
            "as" => {
                let params = self.op_params(&[])?;
                OpKind::As {
                    params,
                    name: self.name("a name after `as`")?,
                }
            }
            "serialize" => {
                if matches!(self.tok(), Tok::Punct("|" | ";" | ")") | Tok::Eof) {
                    OpKind::Serialize(Vec::new())
                } else {
                    OpKind::Serialize(self.named_list()?)
                }
            }
            "getschema" => OpKind::GetSchema,
            "sample" => OpKind::Sample(self.additive()?),
            "sample-distinct" => {
                let count = self.additive()?;
                if !self.eat_word("of") {
                    return self.unexpected("`of` in sample-distinct N of Column");
                }
                OpKind::SampleDistinct {
                    count,
                    of: self.additive()?,
                }
            }
            "union" => {
                let (params, tables) = self.union_body()?;
                OpKind::Union { params, tables }
            }
            "search" => {
                let (_, predicate) = self.search_body()?;
                OpKind::Search(predicate)
            }
            "partition" => {
                let params = self.op_params(&[])?;
                if !self.eat_word("by") {
                    return self.unexpected("`by` after partition");
                }
                let by = self.name("a column")?;
                let body = self.subquery("to open partition's sub-query")?;
                OpKind::Partition { params, by, body }
            }
            other if OPAQUE_OPERATORS.contains(&other) => {
                self.skip_stage();
                OpKind::Other
            }
            other => {
                let hint = crate::suggest::did_you_mean(other, OPERATOR_NAMES.iter().copied());
                return self.error_at(name.span, format!("`{other}` is not a query operator{hint}"));
            }
        };
        Ok(self.finish(name, start, kind))
    }

    fn finish(&self, name: Ident, start: Span, kind: OpKind) -> Operator {
        Operator {
            kind,
            name,
            span: start.to(self.prev_end()),
        }
    }

    /// Skips an unmodelled operator's arguments: to the next `|`, `;` or closing bracket.
    fn skip_stage(&mut self) {
        let mut depth = 0usize;
        loop {
            match self.tok() {
                Tok::Eof => return,
                Tok::Punct("(" | "[" | "{") => depth += 1,
                Tok::Punct(")" | "]" | "}") => {
                    if depth == 0 {
                        return;
                    }
                    depth -= 1;
                }
                Tok::Punct("|" | ";") if depth == 0 => return,
                _ => {}
            }
            self.bump();
        }
    }

    fn parse_pattern(&mut self) -> PResult<Vec<ParseItem>> {
        let mut items = Vec::new();
        loop {
            match self.tok().clone() {
                Tok::Str(s) => {
                    self.bump();
                    items.push(ParseItem::Text(s));
                }
                Tok::Punct("*") => {
                    self.bump();
                    items.push(ParseItem::Star);
                }
                Tok::Ident(_) | Tok::Punct("[") if self.at_name() => {
                    let name = self.name("a column name")?;
                    let ty = if self.eat_punct(":") {
                        Some(self.type_name()?)
                    } else {
                        None
                    };
                    items.push(ParseItem::Column { name, ty });
                }
                Tok::Error(_) => return self.unexpected("a pattern"),
                _ => break,
            }
        }
        if items.is_empty() {
            return self.unexpected("a pattern after `with`: strings, `*` and Column:type names");
        }
        Ok(items)
    }

    fn make_series(&mut self) -> PResult<OpKind> {
        let params = self.op_params(&["kind"])?;
        let mut aggregates = Vec::new();
        loop {
            let agg = self.named_expr()?;
            let default = if self.eat_word("default") {
                self.expect_punct("=", "after `default`")?;
                Some(self.unary()?)
            } else {
                None
            };
            aggregates.push((agg, default));
            if !self.eat_punct(",") {
                break;
            }
        }
        if !self.eat_word("on") {
            return self.unexpected("`on` and the axis column in make-series");
        }
        let on = self.additive()?;
        let (mut from, mut to) = (None, None);
        let step;
        if self.eat_word("in") {
            // in range(from, to, step)
            let call = self.postfix()?;
            let ExprKind::Call { func, mut args } = call.kind else {
                return self.error_at(call.span, "expected range(from, to, step) after `in`");
            };
            if func.name != "range" || args.len() != 3 {
                return self.error_at(call.span, "expected range(from, to, step) after `in`");
            }
            step = args.pop().unwrap_or(Expr {
                kind: ExprKind::Error,
                span: call.span,
            });
            to = args.pop();
            from = args.pop();
        } else {
            if self.eat_word("from") {
                from = Some(self.additive()?);
            }
            if self.eat_word("to") {
                to = Some(self.additive()?);
            }
            if !self.eat_word("step") {
                return self.unexpected("`step` in make-series ... on Axis from A to B step S");
            }
            step = self.additive()?;
        }
        let by = if self.eat_word("by") {
            self.named_list()?
        } else {
            Vec::new()
        };
        Ok(OpKind::MakeSeries {
            params,
            aggregates,
            on,
            from,
            to,
            step,
            by,
        })
    }

    fn top_nested(&mut self) -> PResult<OpKind> {
        let mut levels = Vec::new();
        loop {
            let count = if self.is_word("of") {
                None
            } else {
                Some(self.additive()?)
            };
            if !self.eat_word("of") {
                return self.unexpected("`of` in top-nested N of Column by Aggregate");
            }
            let of = self.named_expr()?;
            let others = if self.is_word("with") && self.nth_is_word(1, "others") {
                self.bump();
                self.bump();
                self.expect_punct("=", "after `with others`")?;
                Some(self.unary()?)
            } else {
                None
            };
            if !self.eat_word("by") {
                return self.unexpected("`by` and an aggregate in top-nested");
            }
            let by = self.named_expr()?;
            let _ = self.eat_word("asc") || self.eat_word("desc");
            levels.push(TopNestedLevel { count, of, others, by });
            if !self.eat_punct(",") {
                break;
            }
            if !self.eat_word("top-nested") {
                // `top-nested` is lexed as `top`, `-`, `nested`.
                if self.is_word("top") && self.nth_is_punct(1, "-") && self.nth_is_word(2, "nested") {
                    self.pos += 3;
                } else {
                    return self.unexpected("`top-nested` after ',' in top-nested");
                }
            }
        }
        Ok(OpKind::TopNested(levels))
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

/// The type a `name(...)` literal has: `int(5)`, `datetime(...)`, `real(nan)` ...
fn scalar_literal_type(word: &str) -> Option<Type> {
    Some(match word {
        "int" => Type::Int,
        "long" => Type::Long,
        "real" | "double" => Type::Real,
        "decimal" => Type::Decimal,
        "bool" | "boolean" => Type::Bool,
        "datetime" | "date" => Type::DateTime,
        "timespan" | "time" => Type::TimeSpan,
        "guid" | "uniqueid" => Type::Guid,
        _ => return None,
    })
}

fn null_of(ty: Type) -> Literal {
    match ty {
        Type::Bool => Literal::Bool(None),
        Type::Int => Literal::Int(None),
        Type::Long => Literal::Long(None),
        Type::Real => Literal::Real(None),
        Type::Decimal => Literal::Decimal(None),
        Type::DateTime => Literal::DateTime(None),
        Type::TimeSpan => Literal::TimeSpan(None),
        Type::Guid => Literal::Guid(None),
        _ => Literal::Null,
    }
}

/// The body of `datetime(2024-01-01 10:00)`, `guid(...)`, `timespan(1.02:03:04)`.
fn raw_literal(keyword: &str, body: &str) -> Option<Literal> {
    match keyword {
        "datetime" | "date" => parse_datetime(body).map(|d| Literal::DateTime(Some(d))),
        "guid" | "uniqueid" => parse_guid(body).map(|g| Literal::Guid(Some(g))),
        _ => parse_timespan_text(body).map(|t| Literal::TimeSpan(Some(t))),
    }
}

/// Datetime text as Kusto reads it: ISO 8601 (`2024-01-01`, `2024-01-01T10:00:00.123Z`,
/// `2024-01-01 10:00`), with an optional zone.
pub fn parse_datetime(text: &str) -> Option<(i64, u32)> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some((d.timestamp(), d.timestamp_subsec_nanos()));
    }
    let t = t.trim_end_matches('Z').trim_end_matches('z');
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H",
        "%Y-%m-%d %H",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, fmt) {
            let d = d.and_utc();
            return Some((d.timestamp(), d.timestamp_subsec_nanos()));
        }
    }
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, fmt) {
            let d = d.and_hms_opt(0, 0, 0)?.and_utc();
            return Some((d.timestamp(), 0));
        }
    }
    None
}

/// `1.02:03:04.5`, `02:03`, or a timespan literal such as `1d`.
fn parse_timespan_text(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Some(Token {
        tok: Tok::TimeSpan(v), ..
    }) = lex(t).first()
        && lex(t).len() == 2
    {
        return Some(*v);
    }
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let (days, clock) = match t.split_once('.') {
        Some((d, rest)) if rest.contains(':') && !d.contains(':') => (d.parse::<i64>().ok()?, rest),
        _ => (0, t),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return None;
    }
    let h: i64 = parts[0].parse().ok()?;
    let m: i64 = parts[1].parse().ok()?;
    let s: f64 = parts.get(2).map_or(Some(0.0), |s| s.parse().ok())?;
    let ticks = ((days * 24 + h) * 60 + m) * 600_000_000 + (s * 10_000_000.0).round() as i64;
    Some(if neg { -ticks } else { ticks })
}

fn parse_guid(text: &str) -> Option<String> {
    let t = text.trim();
    let hex: String = t.chars().filter(|c| *c != '-').collect();
    (hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())).then(|| t.to_ascii_lowercase())
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
