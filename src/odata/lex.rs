//! The lexer of `$filter`: tokens with byte spans. Typed literals
//! (`microsoft.graph.security.alertStatus'new'`) and unquoted date-times are single tokens, and
//! a malformed date-time is reported here, where its text is at hand.

use chrono::DateTime;

use super::ast::{Literal, Span};
use super::parse::{ParseError, err};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    Str(String),
    Num(String),
    DateTime(Literal),
    Enum { type_name: String, value: String },
    LParen,
    RParen,
    Comma,
    Slash,
    Colon,
    Eof,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) span: Span,
}

pub(super) const KEYWORDS: &[&str] = &[
    "and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le", "in", "true", "false", "null",
];

pub(super) fn lex(text: &str) -> Result<Vec<Token>, ParseError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut start = 0;
    while let Some(c) = text[start..].chars().next() {
        let (tok, end) = match c {
            c if c.is_whitespace() => {
                start += c.len_utf8();
                continue;
            }
            '(' => (Tok::LParen, start + 1),
            ')' => (Tok::RParen, start + 1),
            ',' => (Tok::Comma, start + 1),
            '/' => (Tok::Slash, start + 1),
            ':' => (Tok::Colon, start + 1),
            '\'' => {
                let (value, end) = string_at(text, start)?;
                (Tok::Str(value), end)
            }
            c if c.is_ascii_digit() || (c == '-' && bytes.get(start + 1).is_some_and(u8::is_ascii_digit)) => {
                let end = number_or_date_end(text, start);
                let raw = &text[start..end];
                if looks_like_date(raw) {
                    (Tok::DateTime(date_time(raw, start)?), end)
                } else {
                    check_number(raw, start)?;
                    (Tok::Num(raw.to_string()), end)
                }
            }
            c if c.is_alphabetic() || c == '_' => {
                let end = text[start..]
                    .char_indices()
                    .find(|&(_, c)| !(c.is_alphanumeric() || c == '_' || c == '.'))
                    .map_or(text.len(), |(i, _)| start + i);
                let word = text[start..end].to_string();
                if bytes.get(end) == Some(&b'\'') {
                    // A typed literal: `microsoft.graph.security.alertStatus'new'`.
                    let (value, stop) = string_at(text, end)?;
                    (Tok::Enum { type_name: word, value }, stop)
                } else {
                    (Tok::Ident(word), end)
                }
            }
            other => return err(start, unexpected_char(text, start, other)),
        };
        tokens.push(Token {
            tok,
            span: span(start, end),
        });
        start = end;
    }
    tokens.push(Token {
        tok: Tok::Eof,
        span: span(text.len(), text.len()),
    });
    Ok(tokens)
}

fn span(start: usize, end: usize) -> Span {
    Span {
        offset: start,
        len: end - start,
    }
}

fn unexpected_char(text: &str, at: usize, c: char) -> String {
    let rest = &text[at..];
    let hint = if rest.starts_with("!=") || rest.starts_with("<>") {
        "; OData writes `ne`"
    } else if rest.starts_with("==") || c == '=' {
        "; OData writes `eq`"
    } else if rest.starts_with(">=") {
        "; OData writes `ge`"
    } else if rest.starts_with("<=") {
        "; OData writes `le`"
    } else if c == '>' {
        "; OData writes `gt`"
    } else if c == '<' {
        "; OData writes `lt`"
    } else if rest.starts_with("&&") || c == '&' {
        "; OData writes `and`"
    } else if rest.starts_with("||") || c == '|' {
        "; OData writes `or`"
    } else if c == '!' {
        "; OData writes `not`"
    } else if c == '"' {
        "; OData strings use single quotes: 'text'"
    } else {
        ""
    };
    format!("unexpected character `{c}`{hint}")
}

/// The unescaped value of the string literal whose opening quote is at `start`, and the byte
/// offset just past its closing quote. `''` inside is one quote.
fn string_at(text: &str, start: usize) -> Result<(String, usize), ParseError> {
    let mut value = String::new();
    let mut iter = text[start + 1..].char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if c == '\'' {
            if iter.peek().is_some_and(|&(_, n)| n == '\'') {
                iter.next();
                value.push('\'');
            } else {
                return Ok((value, start + 1 + i + 1));
            }
        } else {
            value.push(c);
        }
    }
    err(
        start,
        "unterminated string literal: add the closing `'` (write a quote inside a string as `''`)",
    )
}

fn number_or_date_end(text: &str, start: usize) -> usize {
    let allowed =
        |c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | ':' | '.' | 'T' | 't' | 'Z' | 'z' | 'e' | 'E');
    text[start + 1..]
        .char_indices()
        .find(|&(_, c)| !allowed(c))
        .map_or(text.len(), |(i, _)| start + 1 + i)
}

/// `YYYY-` starts a date; anything else made of digits is a number.
fn looks_like_date(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

fn date_time(raw: &str, at: usize) -> Result<Literal, ParseError> {
    let example = "write an ISO-8601 date-time such as 2024-01-01T00:00:00Z";
    if raw.len() == 10 && !raw.contains(['T', 't']) {
        return err(at, format!("`{raw}` is a date without a time; write `{raw}T00:00:00Z`"));
    }
    let value = DateTime::parse_from_rfc3339(raw).or_else(|first| {
        // OData allows the seconds to be left out: `2024-01-01T10:00Z`.
        let t = raw.find(['T', 't']).ok_or(first)?;
        let zone = raw[t..].find(['Z', 'z', '+', '-']).map_or(raw.len(), |z| t + z);
        if raw[t..zone].matches(':').count() == 1 {
            let padded = format!("{}:00{}", &raw[..zone], &raw[zone..]);
            DateTime::parse_from_rfc3339(&padded).map_err(|_| first)
        } else {
            Err(first)
        }
    });
    match value {
        Ok(value) => Ok(Literal::DateTime {
            text: raw.to_string(),
            value,
        }),
        Err(e) => err(at, format!("`{raw}` is not a valid date-time ({e}); {example}")),
    }
}

fn check_number(raw: &str, at: usize) -> Result<(), ParseError> {
    if raw.parse::<f64>().is_ok() {
        Ok(())
    } else {
        err(at, format!("`{raw}` is not a number or an ISO-8601 date-time"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Tok> {
        match lex(text) {
            Ok(tokens) => tokens.into_iter().map(|t| t.tok).collect(),
            Err(e) => panic!("{text:?}: {e}"),
        }
    }

    #[test]
    fn tokens_and_spans() {
        let Ok(tokens) = lex("status eq 'it''s' and (x/y ne 1)") else {
            panic!("lex failed");
        };
        let spans: Vec<(usize, usize)> = tokens.iter().map(|t| (t.span.offset, t.span.len)).collect();
        assert_eq!(
            spans,
            [
                (0, 6),
                (7, 2),
                (10, 7),
                (18, 3),
                (22, 1),
                (23, 1),
                (24, 1),
                (25, 1),
                (27, 2),
                (30, 1),
                (31, 1),
                (32, 0)
            ]
        );
        assert_eq!(tokens[2].tok, Tok::Str("it's".into()));
        assert_eq!(tokens.last().map(|t| &t.tok), Some(&Tok::Eof));
    }

    #[test]
    fn typed_literals_numbers_and_dates() {
        assert_eq!(
            toks("microsoft.graph.security.alertStatus'new'"),
            [
                Tok::Enum {
                    type_name: "microsoft.graph.security.alertStatus".into(),
                    value: "new".into()
                },
                Tok::Eof
            ]
        );
        assert_eq!(
            toks("-12 3.5 1e3"),
            [
                Tok::Num("-12".into()),
                Tok::Num("3.5".into()),
                Tok::Num("1e3".into()),
                Tok::Eof
            ]
        );
        assert!(matches!(
            &toks("2024-05-01T10:00:00.1234567Z)")[..],
            [Tok::DateTime(_), Tok::RParen, Tok::Eof]
        ));
        // A space before the quote makes it an identifier and a string.
        assert_eq!(toks("x 'y'"), [Tok::Ident("x".into()), Tok::Str("y".into()), Tok::Eof]);
        // Byte offsets, not character offsets, after multi-byte text.
        let Ok(tokens) = lex("'é' eq 1") else {
            panic!("lex failed")
        };
        assert_eq!((tokens[1].span.offset, tokens[1].span.len), (5, 2));
    }

    #[test]
    fn lexical_errors() {
        for (text, offset, message) in [
            ("'abc", 0, "unterminated string literal"),
            ("x eq 'a''", 5, "unterminated string literal"),
            ("x eq type'open", 9, "unterminated string literal"),
            ("x && y", 2, "OData writes `and`"),
            ("x || y", 2, "OData writes `or`"),
            ("!x", 0, "OData writes `not`"),
            ("x >= 1", 2, "OData writes `ge`"),
            ("x < 1", 2, "OData writes `lt`"),
            ("x eq 1.2.3", 5, "is not a number"),
            ("x eq 2024-01-01T25:00:00Z", 5, "is not a valid date-time"),
            ("x eq 2024-01-01T10:00:00", 5, "is not a valid date-time"),
        ] {
            match lex(text) {
                Ok(tokens) => panic!("{text:?} lexed as {tokens:?}"),
                Err(e) => {
                    assert!(e.message.contains(message), "{text:?}: {}", e.message);
                    assert_eq!(e.offset, offset, "{text:?}");
                }
            }
        }
    }
}
