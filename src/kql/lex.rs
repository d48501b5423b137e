//! The KQL lexer: query text to tokens, with byte spans.
//!
//! It follows Kusto's lexical rules as the language docs state them (string, verbatim,
//! obfuscated and multi-line literals; timespan literals with every documented unit; `//`
//! comments, never inside strings; any Unicode white space, a BOM included). It never fails: a
//! malformed piece becomes an [`Tok::Error`] token with its message, and lexing goes on, so the
//! parser reports every problem at its place.

use super::Span;

/// One token. Identifiers include keywords: KQL's keywords are contextual, so the parser decides.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name: `DeviceId`, `where`, `has_any`. (`['Name']` is `[`, a string and `]`: the parser
    /// tells a bracketed name from an index.)
    Ident(String),
    /// A string literal, escapes resolved; adjacent literals are joined by the parser.
    Str(String),
    Int(i64),
    Real(f64),
    /// A timespan literal (`7d`, `1.5h`, `1tick`), in ticks of 100 ns.
    TimeSpan(i64),
    /// The raw body of `datetime(...)`, `guid(...)` or `timespan(...)` whose body is not a token
    /// sequence (`datetime(2024-01-01 10:00)`): the keyword and the text between the parentheses.
    RawLiteral {
        keyword: String,
        body: String,
    },
    Punct(&'static str),
    /// Something that is not a token; the message says what is wrong.
    Error(String),
    Eof,
}

/// A token with its span and whether white space or a comment came before it (so `project-away`
/// and `!has` can be told from `project - away` and `! has`).
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
    pub spaced: bool,
}

const PUNCTS: &[&str] = &[
    "..", "==", "!=", "<>", "<=", ">=", "=~", "!~", "=>", "|", "(", ")", "[", "]", "{", "}", ",", ";", ":", ".", "=",
    "<", ">", "+", "-", "*", "/", "%", "!", "~", "?", "$", "@", "#",
];

/// Ticks (100 ns) per timespan unit; Kusto's documented unit names (lower case only: Kusto reads
/// `7D` as a name).
fn unit_ticks(unit: &str) -> Option<i64> {
    Some(match unit {
        "d" | "day" | "days" => 864_000_000_000,
        "h" | "hr" | "hrs" | "hour" | "hours" => 36_000_000_000,
        "m" | "min" | "minute" | "minutes" => 600_000_000,
        "s" | "sec" | "second" | "seconds" => 10_000_000,
        "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 10_000,
        "microsecond" | "microseconds" => 10,
        "tick" | "ticks" => 1,
        _ => return None,
    })
}

/// Whether a character is white space to Kusto: any Unicode space, plus the BOM and the
/// zero-width characters editors leave behind.
fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{feff}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}')
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Lexes the whole text. The last token is always [`Tok::Eof`].
pub fn lex(text: &str) -> Vec<Token> {
    let mut lexer = Lexer {
        text,
        pos: 0,
        tokens: Vec::new(),
    };
    lexer.run();
    lexer.tokens
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    tokens: Vec<Token>,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.text[self.pos..].chars().nth(n)
    }

    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn push(&mut self, tok: Tok, start: usize, spaced: bool) {
        self.tokens.push(Token {
            tok,
            span: Span::new(start, self.pos),
            spaced,
        });
    }

    fn run(&mut self) {
        let mut spaced = true;
        loop {
            // White space and comments.
            while let Some(c) = self.peek() {
                if is_space(c) {
                    self.pos += c.len_utf8();
                    spaced = true;
                } else if self.rest().starts_with("//") {
                    let end = self.rest().find(['\n', '\r']).map_or(self.text.len(), |i| self.pos + i);
                    self.pos = end;
                    spaced = true;
                } else {
                    break;
                }
            }
            let start = self.pos;
            let Some(c) = self.peek() else {
                self.push(Tok::Eof, start, spaced);
                return;
            };
            let tok = self.token(c);
            self.push(tok, start, spaced);
            spaced = false;
        }
    }

    fn token(&mut self, c: char) -> Tok {
        let next = self.peek_at(1);
        match c {
            '"' | '\'' => self.string(c),
            '@' if matches!(next, Some('"' | '\'')) => {
                self.pos += 1;
                self.verbatim()
            }
            'h' | 'H' if matches!(next, Some('"' | '\'')) => {
                self.pos += 1;
                self.string(next.unwrap_or('"'))
            }
            'h' | 'H' if next == Some('`') && self.rest()[1..].starts_with("```") => {
                self.pos += 1;
                self.multiline()
            }
            'h' | 'H' if next == Some('@') && matches!(self.peek_at(2), Some('"' | '\'')) => {
                self.pos += 2;
                self.verbatim()
            }
            '`' if self.rest().starts_with("```") || self.rest().starts_with("~~~") => self.multiline(),
            '~' if self.rest().starts_with("~~~") => self.multiline(),
            c if c.is_ascii_digit() => self.number(),
            c if is_ident_start(c) => self.ident(),
            _ => {
                for p in PUNCTS {
                    if self.rest().starts_with(p) {
                        self.pos += p.len();
                        return Tok::Punct(p);
                    }
                }
                self.pos += c.len_utf8();
                Tok::Error(format!("unexpected character '{}'", c.escape_debug()))
            }
        }
    }

    /// `"..."` or `'...'` with backslash escapes. The opening quote is at `pos`.
    fn string(&mut self, quote: char) -> Tok {
        self.pos += 1;
        let mut value = String::new();
        let mut error = None;
        loop {
            let Some(c) = self.peek() else {
                return Tok::Error(format!(
                    "the string literal is not closed: add the closing {quote} (a string cannot span lines; use ```...``` for multi-line text)"
                ));
            };
            match c {
                '\n' | '\r' => {
                    return Tok::Error(format!(
                        "the string literal is not closed before the end of the line: add the closing {quote} (use ```...``` for multi-line text)"
                    ));
                }
                c if c == quote => {
                    self.pos += 1;
                    break;
                }
                '\\' => {
                    self.pos += 1;
                    let Some(e) = self.peek() else { continue };
                    self.pos += e.len_utf8();
                    match e {
                        '\\' => value.push('\\'),
                        '"' => value.push('"'),
                        '\'' => value.push('\''),
                        'n' => value.push('\n'),
                        't' => value.push('\t'),
                        'r' => value.push('\r'),
                        '0'..='7' => {
                            // Octal: up to three digits (`\0`, `\101`).
                            let mut code = e.to_digit(8).unwrap_or(0);
                            for _ in 0..2 {
                                match self.peek().and_then(|c| c.to_digit(8)) {
                                    Some(d) => {
                                        code = code * 8 + d;
                                        self.pos += 1;
                                    }
                                    None => break,
                                }
                            }
                            value.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        }
                        'a' => value.push('\u{7}'),
                        'b' => value.push('\u{8}'),
                        'f' => value.push('\u{c}'),
                        'v' => value.push('\u{b}'),
                        'x' | 'u' | 'U' => {
                            let len = match e {
                                'x' => 2,
                                'u' => 4,
                                _ => 8,
                            };
                            let digits: String = self.rest().chars().take(len).collect();
                            match (digits.len() == len)
                                .then(|| u32::from_str_radix(&digits, 16).ok().and_then(char::from_u32))
                                .flatten()
                            {
                                Some(ch) => {
                                    self.pos += len;
                                    value.push(ch);
                                }
                                None => {
                                    error.get_or_insert_with(|| bad_escape(e));
                                }
                            }
                        }
                        other => {
                            error.get_or_insert_with(|| bad_escape(other));
                        }
                    }
                }
                c => {
                    value.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        match error {
            Some(e) => Tok::Error(e),
            None => Tok::Str(value),
        }
    }

    /// `@"..."` (the `@` consumed): backslashes stand for themselves, a doubled quote is a quote.
    fn verbatim(&mut self) -> Tok {
        let quote = self.peek().unwrap_or('"');
        self.pos += 1;
        let mut value = String::new();
        loop {
            match self.peek() {
                None | Some('\n' | '\r') => {
                    return Tok::Error(format!(
                        "the verbatim string literal is not closed: add the closing {quote} (write a quote inside it as {quote}{quote})"
                    ));
                }
                Some(c) if c == quote => {
                    self.pos += 1;
                    if self.peek() == Some(quote) {
                        self.pos += 1;
                        value.push(quote);
                    } else {
                        return Tok::Str(value);
                    }
                }
                Some(c) => {
                    value.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    /// ```` ```...``` ```` or `~~~...~~~`: multi-line, no escapes.
    fn multiline(&mut self) -> Tok {
        let fence = &self.rest()[..3];
        let fence = fence.to_string();
        self.pos += 3;
        match self.rest().find(fence.as_str()) {
            Some(i) => {
                let value = self.rest()[..i].to_string();
                self.pos += i + 3;
                Tok::Str(value)
            }
            None => {
                self.pos = self.text.len();
                Tok::Error(format!(
                    "the multi-line string literal is not closed: add the closing {fence}"
                ))
            }
        }
    }

    fn ident(&mut self) -> Tok {
        let start = self.pos;
        while self.peek().is_some_and(is_ident_char) {
            self.pos += self.peek().map_or(1, char::len_utf8);
        }
        let name = &self.text[start..self.pos];
        let lower = name.to_ascii_lowercase();
        if matches!(
            lower.as_str(),
            "datetime" | "guid" | "timespan" | "time" | "date" | "uniqueid"
        ) && let Some(body) = self.raw_body()
        {
            return Tok::RawLiteral { keyword: lower, body };
        }
        Tok::Ident(name.to_string())
    }

    /// After `datetime` (and friends): `( body )` where the body is raw text (not a string, not
    /// `null`, no nested parentheses). Leaves `pos` after `)` when it takes it.
    fn raw_body(&mut self) -> Option<String> {
        let rest = self.rest();
        let after_space = rest.len() - rest.trim_start_matches(is_space).len();
        let inner = rest[after_space..].strip_prefix('(')?;
        let close = inner.find([')', '(', '\n', '"', '\''])?;
        if !inner[close..].starts_with(')') {
            return None;
        }
        let body = inner[..close].trim_matches(is_space);
        // A body that is one ordinary token (a number, `null`, a timespan) is lexed as usual.
        let simple = body.is_empty()
            || body.eq_ignore_ascii_case("null")
            || body.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
                && !body.contains('-')
                && !body.contains(':');
        if simple || body.contains("//") {
            return None;
        }
        let body = body.to_string();
        self.pos += after_space + 1 + close + 1;
        Some(body)
    }

    /// A number, a timespan (`7d`), or an identifier that starts with a digit (`7zip`).
    fn number(&mut self) -> Tok {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut i = self.pos;
        if self.rest().starts_with("0x") || self.rest().starts_with("0X") {
            i += 2;
            while i < bytes.len() && bytes[i].is_ascii_hexdigit() {
                i += 1;
            }
            if !(i < bytes.len() && is_ident_byte(bytes[i])) {
                self.pos = i;
                return match i64::from_str_radix(&self.text[start + 2..i], 16) {
                    Ok(v) => Tok::Int(v),
                    Err(_) => Tok::Error("the hexadecimal number is too large for a long".into()),
                };
            }
        }
        i = self.pos;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let mut real = false;
        if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
            real = true;
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
        } else if i < bytes.len()
            && bytes[i] == b'.'
            && !bytes.get(i + 1).is_some_and(|b| *b == b'.' || is_ident_start_byte(*b))
        {
            // `5.` is a real.
            real = true;
            i += 1;
        }
        if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
            let mut j = i + 1;
            if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
                j += 1;
            }
            if j < bytes.len() && bytes[j].is_ascii_digit() {
                while j < bytes.len() && bytes[j].is_ascii_digit() {
                    j += 1;
                }
                if !(j < bytes.len() && is_ident_byte(bytes[j])) {
                    real = true;
                    i = j;
                }
            }
        }
        let number = &self.text[start..i];
        // A unit or letters right after the digits.
        let j = i + self.text[i..]
            .find(|c: char| !is_ident_char(c))
            .unwrap_or(self.text.len() - i);
        let suffix = &self.text[i..j];
        if !suffix.is_empty() {
            if let Some(ticks) = unit_ticks(suffix) {
                self.pos = j;
                let value: f64 = number.parse().unwrap_or(0.0);
                let total = value * ticks as f64;
                if !total.is_finite() || total.abs() > i64::MAX as f64 {
                    return Tok::Error(format!("the timespan {number}{suffix} is out of range"));
                }
                return Tok::TimeSpan(total.round() as i64);
            }
            if !real && !number.contains('.') {
                // An identifier starting with a digit.
                self.pos = j;
                while self.peek().is_some_and(is_ident_char) {
                    self.pos += self.peek().map_or(1, char::len_utf8);
                }
                return Tok::Ident(self.text[start..self.pos].to_string());
            }
            self.pos = j;
            return Tok::Error(format!(
                "`{number}{suffix}` is not a number or a timespan: timespan units are d, h, m, s, ms, microsecond and tick (as in 7d, 30m)"
            ));
        }
        self.pos = i;
        if real {
            match number.parse::<f64>() {
                Ok(v) => Tok::Real(v),
                Err(_) => Tok::Error(format!("`{number}` is not a valid real number")),
            }
        } else {
            match number.parse::<i64>() {
                Ok(v) => Tok::Int(v),
                Err(_) => match number.parse::<f64>() {
                    Ok(v) => Tok::Real(v),
                    Err(_) => Tok::Error(format!("`{number}` is not a valid number")),
                },
            }
        }
    }
}

fn is_ident_byte(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphanumeric()
}

fn is_ident_start_byte(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphabetic()
}

fn bad_escape(c: char) -> String {
    format!(
        "`\\{}` is not a valid escape in a string literal: write `\\\\` for a backslash, or use a verbatim string @\"...\" in which backslashes stand for themselves",
        c.escape_debug()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Tok> {
        lex(text).into_iter().map(|t| t.tok).collect()
    }

    fn ident(name: &str) -> Tok {
        Tok::Ident(name.into())
    }

    #[test]
    fn strings_in_every_form() {
        assert_eq!(toks(r#""a\"b""#)[0], Tok::Str("a\"b".into()));
        assert_eq!(toks(r"'it\'s'")[0], Tok::Str("it's".into()));
        assert_eq!(toks(r#"@"C:\dir\""#)[0], Tok::Str(r"C:\dir\".into()));
        assert_eq!(toks(r#"@"say ""hi""""#)[0], Tok::Str(r#"say "hi""#.into()));
        assert_eq!(toks(r#"h"secret""#)[0], Tok::Str("secret".into()));
        assert_eq!(toks(r#"h@"C:\x""#)[0], Tok::Str(r"C:\x".into()));
        assert_eq!(toks("```a\nb```")[0], Tok::Str("a\nb".into()));
        assert_eq!(toks(r#""https://x.com//y""#)[0], Tok::Str("https://x.com//y".into()));
        assert!(matches!(&toks(r#""C:\Users""#)[0], Tok::Error(m) if m.contains("\\U")));
        assert!(matches!(&toks("\"abc")[0], Tok::Error(m) if m.contains("not closed")));
    }

    #[test]
    fn timespans_numbers_and_names() {
        assert_eq!(toks("7d")[0], Tok::TimeSpan(7 * 864_000_000_000));
        assert_eq!(toks("1.5h")[0], Tok::TimeSpan(54_000_000_000));
        assert_eq!(toks("5min")[0], Tok::TimeSpan(3_000_000_000));
        assert_eq!(toks("1tick")[0], Tok::TimeSpan(1));
        assert_eq!(toks("0x1F")[0], Tok::Int(31));
        assert_eq!(toks("1.5e-3")[0], Tok::Real(0.0015));
        assert_eq!(toks("7zip")[0], ident("7zip"));
        assert!(matches!(&toks("1.5x")[0], Tok::Error(_)));
    }

    #[test]
    fn comments_spaces_and_brackets() {
        assert_eq!(
            toks("a // c \"x\"\n\u{a0}|\u{feff} b"),
            vec![ident("a"), Tok::Punct("|"), ident("b"), Tok::Eof]
        );
        assert_eq!(
            toks("x[\"k\"]"),
            vec![
                ident("x"),
                Tok::Punct("["),
                Tok::Str("k".into()),
                Tok::Punct("]"),
                Tok::Eof
            ]
        );
        assert_eq!(
            toks("datetime(2024-01-01 10:00)")[0],
            Tok::RawLiteral {
                keyword: "datetime".into(),
                body: "2024-01-01 10:00".into()
            }
        );
        assert_eq!(toks("datetime(null)")[0], ident("datetime"));
    }
}
