//! Lexer and recursive-descent parser for the `$filter` subset Graph security uses.
//!
//! Precedence, loosest first: `or`, `and`, `not`, then comparisons (`eq ne gt ge lt le in`) and
//! primaries (parentheses, operands, function calls). Keywords are lowercase, as OData says.
//! Nesting (parentheses, `not`, calls) is limited to [`MAX_DEPTH`] so no input overflows the stack.

use super::ast::{Call, CompareOp, Expr, Literal, Operand, Span};
use super::lex::{KEYWORDS, Tok, Token, lex};

/// The deepest nesting of parentheses, `not` and calls the parser accepts.
pub const MAX_DEPTH: usize = 64;

/// Why a filter could not be parsed, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// Byte offset into the filter text of the offending token (the text's length at its end).
    pub offset: usize,
    /// What is wrong and what to write instead.
    pub message: String,
}

pub(super) fn err<T>(offset: usize, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        offset,
        message: message.into(),
    })
}

/// Parses a `$filter` expression.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    if text.trim().is_empty() {
        return err(0, "the filter is empty; remove `filter:` to match every item");
    }
    let tokens = lex(text)?;
    let mut parser = Parser {
        text,
        tokens,
        pos: 0,
        depth: 0,
        in_call: 0,
    };
    let expr = parser.or()?;
    let next = parser.peek();
    match next.tok {
        Tok::Eof => Ok(expr),
        Tok::RParen => err(next.span.offset, "unbalanced parenthesis: this `)` has no matching `(`"),
        _ => {
            let found = parser.describe(next);
            let hint = keyword_case_hint(&next.tok);
            err(
                next.span.offset,
                format!("expected `and`, `or` or the end of the filter, found {found}{hint}"),
            )
        }
    }
}

fn keyword_case_hint(tok: &Tok) -> String {
    match tok {
        Tok::Ident(word) if KEYWORDS.contains(&word.to_lowercase().as_str()) => {
            format!(" (OData keywords are lowercase: write `{}`)", word.to_lowercase())
        }
        _ => String::new(),
    }
}

struct Parser<'t> {
    text: &'t str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    in_call: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        // `lex` always ends with `Eof` and `next` never moves past it.
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        &self.tokens[(self.pos + ahead).min(self.tokens.len() - 1)].tok
    }

    fn next(&mut self) -> Token {
        let token = self.peek().clone();
        if token.tok != Tok::Eof {
            self.pos += 1;
        }
        token
    }

    fn is_keyword(&self, word: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(w) if w == word)
    }

    fn describe(&self, token: &Token) -> String {
        match token.tok {
            Tok::Eof => "the end of the filter".to_string(),
            _ => format!(
                "`{}`",
                &self.text[token.span.offset..token.span.offset + token.span.len]
            ),
        }
    }

    fn source(&self, span: Span) -> &str {
        self.text.get(span.offset..span.offset + span.len).unwrap_or("")
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return err(
                self.peek().span.offset,
                format!(
                    "the filter nests more than {MAX_DEPTH} levels deep (parentheses, `not` or function calls); simplify it"
                ),
            );
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut items = vec![self.and()?];
        while self.is_keyword("or") {
            self.next();
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut items = vec![self.not()?];
        while self.is_keyword("and") {
            self.next();
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn not(&mut self) -> Result<Expr, ParseError> {
        if !self.is_keyword("not") {
            return self.comparison();
        }
        let span = self.next().span;
        self.enter()?;
        let expr = self.not()?;
        self.depth -= 1;
        Ok(Expr::Not {
            span,
            expr: Box::new(expr),
        })
    }

    fn comparison(&mut self) -> Result<Expr, ParseError> {
        if self.peek().tok == Tok::LParen {
            let open = self.next().span;
            self.enter()?;
            let expr = self.or()?;
            self.close(open, "")?;
            self.depth -= 1;
            return Ok(expr);
        }
        let left = self.operand()?;
        let next = self.peek().clone();
        if let Tok::Ident(word) = &next.tok {
            if let Some(op) = CompareOp::from_keyword(word) {
                self.next();
                let right = self.operand()?;
                return Ok(Expr::Compare {
                    left,
                    op,
                    op_span: next.span,
                    right,
                });
            }
            if word == "in" {
                self.next();
                return self.in_list(left, next.span);
            }
        }
        let standalone = self.in_call > 0
            || matches!(
                left,
                Operand::Call(_)
                    | Operand::Literal {
                        value: Literal::Bool(_),
                        ..
                    }
            );
        if standalone {
            return Ok(Expr::Value(left));
        }
        let hint = match &next.tok {
            Tok::Ident(w) if CompareOp::from_keyword(&w.to_lowercase()).is_some() || w.eq_ignore_ascii_case("in") => {
                format!(" (OData operators are lowercase: write `{}`)", w.to_lowercase())
            }
            _ => String::new(),
        };
        err(
            next.span.offset,
            format!(
                "expected a comparison operator (eq, ne, gt, ge, lt, le, in) after `{}`, found {}{hint}",
                self.source(left.span()),
                self.describe(&next),
            ),
        )
    }

    fn close(&mut self, open: Span, what: &str) -> Result<(), ParseError> {
        let next = self.next();
        match next.tok {
            Tok::RParen => Ok(()),
            Tok::Eof => err(
                open.offset,
                format!("unbalanced parenthesis: this `(`{what} is never closed; add a `)`"),
            ),
            _ => err(
                next.span.offset,
                format!("expected `)`{what}, found {}", self.describe(&next)),
            ),
        }
    }

    fn in_list(&mut self, left: Operand, in_span: Span) -> Result<Expr, ParseError> {
        let open = self.next();
        if open.tok != Tok::LParen {
            return err(
                open.span.offset,
                format!(
                    "expected `(` after `in`, as in `status in ('new','inProgress')`, found {}",
                    self.describe(&open)
                ),
            );
        }
        if self.peek().tok == Tok::RParen {
            return err(
                self.peek().span.offset,
                "the `in` list is empty; give at least one value, e.g. `status in ('new')`",
            );
        }
        let mut list = vec![self.operand()?];
        while self.peek().tok == Tok::Comma {
            self.next();
            list.push(self.operand()?);
        }
        self.close(open.span, " of the `in` list")?;
        Ok(Expr::In { left, in_span, list })
    }

    fn operand(&mut self) -> Result<Operand, ParseError> {
        let token = self.next();
        let literal = |value| {
            Ok(Operand::Literal {
                value,
                span: token.span,
            })
        };
        match &token.tok {
            Tok::Str(s) => literal(Literal::String(s.clone())),
            Tok::Num(n) => literal(Literal::Number(n.clone())),
            Tok::DateTime(lit) => literal(lit.clone()),
            Tok::Enum { type_name, value } => literal(Literal::Enum {
                type_name: type_name.clone(),
                value: value.clone(),
            }),
            Tok::Ident(w) if w == "true" => literal(Literal::Bool(true)),
            Tok::Ident(w) if w == "false" => literal(Literal::Bool(false)),
            Tok::Ident(w) if w == "null" => literal(Literal::Null),
            Tok::Ident(w) if KEYWORDS.contains(&w.as_str()) => err(
                token.span.offset,
                format!("expected a property or a value, found the keyword `{w}`"),
            ),
            Tok::Ident(w) => self.path(w.clone(), token.span),
            Tok::Eof => err(
                token.span.offset,
                "the filter ends too early: expected a property or a value",
            ),
            _ => err(
                token.span.offset,
                format!("expected a property or a value, found {}", self.describe(&token)),
            ),
        }
    }

    /// A property path (`a/b/c`) or a call (`name(...)`, `a/any(x: ...)`), starting at `first`.
    fn path(&mut self, first: String, first_span: Span) -> Result<Operand, ParseError> {
        let mut segments = vec![first];
        let mut last = first_span;
        loop {
            if self.peek().tok == Tok::LParen {
                let name = segments.pop().unwrap_or_default();
                let target = (!segments.is_empty()).then(|| segments.join("/"));
                return self.call(target, name, last, first_span);
            }
            if self.peek().tok != Tok::Slash {
                break;
            }
            self.next();
            let token = self.next();
            match token.tok {
                Tok::Ident(word) if !KEYWORDS.contains(&word.as_str()) => {
                    segments.push(word);
                    last = token.span;
                }
                _ => {
                    return err(
                        token.span.offset,
                        format!("expected a property name after `/`, found {}", self.describe(&token)),
                    );
                }
            }
        }
        Ok(Operand::Property {
            path: segments.join("/"),
            span: first_span.to(last),
        })
    }

    fn call(
        &mut self,
        target: Option<String>,
        name: String,
        name_span: Span,
        start: Span,
    ) -> Result<Operand, ParseError> {
        let open = self.next().span;
        self.enter()?;
        self.in_call += 1;
        let mut lambda = None;
        if let (Tok::Ident(var), Tok::Colon) = (self.peek_at(0), self.peek_at(1)) {
            lambda = Some(var.clone());
            self.next();
            self.next();
        }
        let mut args = Vec::new();
        if self.peek().tok != Tok::RParen {
            args.push(self.or()?);
            while self.peek().tok == Tok::Comma {
                self.next();
                args.push(self.or()?);
            }
        }
        let close = self.peek().span;
        self.close(open, &format!(" of the call to `{name}`"))?;
        self.in_call -= 1;
        self.depth -= 1;
        Ok(Operand::Call(Box::new(Call {
            target,
            name,
            name_span,
            lambda,
            args,
            span: start.to(close),
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> ParseError {
        match parse(text) {
            Ok(expr) => panic!("{text:?} parsed as {expr}"),
            Err(e) => e,
        }
    }

    fn canonical(text: &str) -> String {
        match parse(text) {
            Ok(expr) => expr.to_string(),
            Err(e) => panic!("{text:?}: {e} at {}", e.offset),
        }
    }

    #[test]
    fn precedence_or_and_not_comparison() {
        let Ok(Expr::Or(items)) = parse("a eq 1 or b eq 2 and c eq 3") else {
            panic!("not an or");
        };
        assert!(matches!(items[1], Expr::And(_)));
        let Ok(Expr::And(items)) = parse("not a eq 1 and b eq 2") else {
            panic!("not an and");
        };
        assert!(matches!(&items[0], Expr::Not { expr, .. } if matches!(**expr, Expr::Compare { .. })));
        assert_eq!(
            canonical("(a eq 1 or b eq 2) and c eq 3"),
            "(a eq 1 or b eq 2) and c eq 3"
        );
        assert_eq!(canonical("((a eq 1)) and ((b eq 2))"), "a eq 1 and b eq 2");
        assert_eq!(
            canonical("a eq 1 or (b eq 2 and c eq 3)"),
            "a eq 1 or b eq 2 and c eq 3"
        );
        assert_eq!(canonical("not not a eq 1"), "not (not (a eq 1))");
    }

    #[test]
    fn literals_of_every_kind() {
        assert_eq!(canonical("title eq 'it''s'"), "title eq 'it''s'");
        let Ok(Expr::Compare {
            right: Operand::Literal { value, span },
            ..
        }) = parse("t eq 'it''s'")
        else {
            panic!("no literal");
        };
        assert_eq!(
            (value, span),
            (Literal::String("it's".into()), Span { offset: 5, len: 7 })
        );
        assert_eq!(
            canonical("x eq -1.5 and y eq 1e3 and z eq 42"),
            "x eq -1.5 and y eq 1e3 and z eq 42"
        );
        assert_eq!(
            canonical("x eq true or y ne false or z eq null"),
            "x eq true or y ne false or z eq null"
        );
        assert_eq!(
            canonical("status eq microsoft.graph.security.alertStatus'new'"),
            "status eq microsoft.graph.security.alertStatus'new'"
        );
        for date in [
            "2024-01-01T00:00:00Z",
            "2024-05-01T10:00:00.1234567Z",
            "2024-05-01T10:00:00.5+02:00",
            "2024-05-01T10:00:00-05:30",
            "2024-05-01T10:00Z",
        ] {
            let text = format!("createdDateTime ge {date}");
            let Ok(Expr::Compare {
                right:
                    Operand::Literal {
                        value: Literal::DateTime { text: raw, .. },
                        ..
                    },
                ..
            }) = parse(&text)
            else {
                panic!("{date} is not a date-time");
            };
            assert_eq!(raw, date);
        }
        let Ok(Expr::Compare {
            right:
                Operand::Literal {
                    value: Literal::DateTime { value, .. },
                    ..
                },
            ..
        }) = parse("d lt 2024-05-01T10:00Z")
        else {
            panic!("no date");
        };
        assert_eq!(value.to_rfc3339(), "2024-05-01T10:00:00+00:00");
    }

    #[test]
    fn in_lists_calls_and_lambdas() {
        assert_eq!(
            canonical("status in ( 'new' , 'inProgress' )"),
            "status in ('new','inProgress')"
        );
        assert_eq!(
            canonical("contains(title, 'EICAR') and startswith(title,'x')"),
            "contains(title,'EICAR') and startswith(title,'x')"
        );
        assert_eq!(
            canonical("evidence/any(e: e/verdict eq 'malicious' or e/verdict eq 'suspicious')"),
            "evidence/any(e: e/verdict eq 'malicious' or e/verdict eq 'suspicious')"
        );
        assert_eq!(canonical("now() ge createdDateTime"), "now() ge createdDateTime");
        let Ok(Expr::Value(Operand::Call(call))) = parse("evidence/any(e: e/verdict eq 'malicious')") else {
            panic!("no call");
        };
        assert_eq!(
            (call.target.as_deref(), call.name.as_str(), call.lambda.as_deref()),
            (Some("evidence"), "any", Some("e"))
        );
        assert_eq!(
            (call.name_span, call.span),
            (Span { offset: 9, len: 3 }, Span { offset: 0, len: 41 })
        );
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "status eq 'new' and (severity eq 'informational' or severity eq 'low')",
            "severity eq 'high' and status eq 'active'",
            "not (status eq 'resolved' or assignedTo eq null) and title eq 'a''b'",
            "lastUpdateDateTime ge 2024-05-01T10:00:00.1234567Z or createdDateTime lt 2024-01-01T00:00:00+01:00",
            "status in ('new','inProgress') and contains(title,'x') and evidence/any(e: e/verdict eq 'malicious')",
            "(a eq 1 or b eq 2) and (c eq 3 or not (d eq 4))",
        ] {
            let once = canonical(text);
            assert_eq!(canonical(&once), once, "{text}");
        }
    }

    #[test]
    fn keywords_are_lowercase_and_case_sensitive() {
        let e = error("status EQ 'new'");
        assert_eq!(e.offset, 7);
        assert!(e.message.contains("write `eq`"), "{}", e.message);
        let e = error("status eq 'new' AND severity eq 'low'");
        assert_eq!(e.offset, 16);
        assert!(e.message.contains("write `and`"), "{}", e.message);
        // `Not` is a property name, not the keyword.
        assert!(parse("Not eq 1").is_ok());
    }

    #[test]
    fn errors_point_at_the_offending_token() {
        let cases: &[(&str, usize, &str)] = &[
            (
                "status 'new'",
                7,
                "expected a comparison operator (eq, ne, gt, ge, lt, le, in) after `status`",
            ),
            ("status eq 'new", 10, "unterminated string literal"),
            (
                "(status eq 'new'",
                0,
                "unbalanced parenthesis: this `(` is never closed",
            ),
            (
                "status eq 'new')",
                15,
                "unbalanced parenthesis: this `)` has no matching `(`",
            ),
            ("status eq", 9, "the filter ends too early"),
            ("status eq 'new' and", 19, "the filter ends too early"),
            (
                "status eq 'new' severity",
                16,
                "expected `and`, `or` or the end of the filter, found `severity`",
            ),
            ("status = 'new'", 7, "unexpected character `=`; OData writes `eq`"),
            ("status != 'new'", 7, "OData writes `ne`"),
            ("severity eq \"high\"", 12, "OData strings use single quotes"),
            (
                "createdDateTime ge 2024-01-01",
                19,
                "is a date without a time; write `2024-01-01T00:00:00Z`",
            ),
            (
                "createdDateTime ge 2024-02-30T00:00:00Z",
                19,
                "is not a valid date-time",
            ),
            ("status in ()", 11, "the `in` list is empty"),
            ("status in 'new'", 10, "expected `(` after `in`"),
            (
                "contains(title,'x'",
                8,
                "this `(` of the call to `contains` is never closed",
            ),
            ("evidence/ eq 1", 10, "expected a property name after `/`, found `eq`"),
            ("status eq and", 10, "found the keyword `and`"),
            ("", 0, "the filter is empty"),
        ];
        for (text, offset, message) in cases {
            let e = error(text);
            assert!(e.message.contains(message), "{text:?}: {}", e.message);
            assert_eq!(e.offset, *offset, "{text:?}: {}", e.message);
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let ok = "(".repeat(MAX_DEPTH) + "a eq 1" + &")".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
        let deep = "(".repeat(MAX_DEPTH + 1) + "a eq 1" + &")".repeat(MAX_DEPTH + 1);
        let e = error(&deep);
        assert_eq!(e.offset, MAX_DEPTH + 1);
        assert!(e.message.contains("simplify it"));
    }
}
