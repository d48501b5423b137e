//! The one sandboxed Rhai engine: compiling playbook conditions at load and evaluating them
//! against items.
//!
//! This module owns the engine's construction (limits, strict variables, no `eval`, no
//! modules, a per-evaluation time limit, `print`/`debug` sent to `tracing`) and the way items
//! are handed to scripts. Every function a script may call is registered in
//! [`functions`], which is the language reference. It must not touch the network or the disk,
//! and must never panic on a playbook's script or an item's data: a runtime failure is an
//! [`EvalError`], which the engine counts as "no match".

pub mod functions;
mod view;

pub use view::{JsonView, Rest};

use std::cell::Cell;
use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rhai::{AST, Dynamic, Engine, EvalAltResult, ParseError, ParseErrorType, Position, Scope};

pub use functions::Timestamp;

/// Most operations one evaluation may perform.
pub const MAX_OPERATIONS: u64 = 1_000_000;
/// Longest wall-clock time one evaluation may take.
pub const TIME_LIMIT: Duration = Duration::from_millis(100);
/// Largest string a script may build, in bytes (items' own strings are not re-checked).
pub const MAX_STRING_SIZE: usize = 1 << 20;
/// Largest array or object map a script may build.
pub const MAX_COLLECTION_SIZE: usize = 100_000;

/// Symbols a condition may not use: `eval` (no dynamic code) and module loading.
const DISABLED_SYMBOLS: [&str; 3] = ["eval", "import", "export"];

/// Names every condition sees besides its item variable.
const COMMON_NAMES: [&str; 4] = ["playbook", "lists", "now", "run"];

pub use crate::item::ItemKind;

/// A condition that failed to compile, positioned within the script text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct CompileError {
    /// 1-based line within the script.
    pub line: usize,
    /// 1-based column (in characters) within that line.
    pub column: usize,
    /// What is wrong, readable by a playbook author.
    pub message: String,
}

/// Why evaluating a condition gave no answer. Every variant counts as "no match".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The script failed: a missing function, a type mismatch, an invalid pattern, ...
    #[error("condition failed: {0}")]
    Runtime(String),
    /// The script finished but its value was not `true` or `false`.
    #[error("condition must return a boolean, but returned {type_name}")]
    NotBool {
        /// Rhai's name of the type returned, e.g. `()` or `string`.
        type_name: String,
    },
    /// The script ran longer than the time limit.
    #[error("condition took longer than {} ms and was stopped", TIME_LIMIT.as_millis())]
    TimedOut,
    /// The script exceeded an operation, depth, call or data-size limit.
    #[error("condition exceeded a sandbox limit: {0}")]
    TooComplex(String),
}

/// A compiled condition: cheap to clone and shareable across threads.
#[derive(Debug, Clone)]
pub struct Condition {
    ast: Arc<AST>,
    source: Arc<str>,
    kind: ItemKind,
}

/// What a condition sees when it runs. Build it with [`Context::new`], which converts the
/// JSON once; the fields are public so that a caller can reuse converted `playbook`, `lists`
/// and `run` values across items.
#[derive(Debug, Clone)]
pub struct Context {
    /// The alert, incident or row (the variable named by [`ItemKind::var_name`]).
    pub item: Dynamic,
    /// `playbook`: name and description.
    pub playbook: Dynamic,
    /// `lists`: the configured lists, each an array of strings.
    pub lists: Dynamic,
    /// `now`: fixed per run; also what `ago(..)` counts back from.
    pub now: DateTime<Utc>,
    /// `run`: id and start time of the run.
    pub run: Dynamic,
}

impl Context {
    /// Converts the JSON values once (with `rhai::serde::to_dynamic`); the item becomes a
    /// [`JsonView`], converted only where the condition reads it.
    pub fn new(
        item: &serde_json::Value,
        playbook: &serde_json::Value,
        lists: &serde_json::Value,
        now: DateTime<Utc>,
        run: &serde_json::Value,
    ) -> Result<Self, EvalError> {
        Ok(Self {
            item: item_dynamic(Arc::new(item.clone()))?,
            playbook: to_dynamic(playbook)?,
            lists: to_dynamic(lists)?,
            now,
            run: to_dynamic(run)?,
        })
    }

    /// The same context for another item (the other values are shared by cloning).
    pub fn with_item(&self, item: &serde_json::Value) -> Result<Self, EvalError> {
        Ok(Self {
            item: item_dynamic(Arc::new(item.clone()))?,
            ..self.clone()
        })
    }
}

/// The item of one [`Condition::eval_item`].
pub enum Item {
    /// The whole item.
    Shared(Arc<serde_json::Value>),
    /// A part of it (an object with some of its properties) and the rest ([`Rest`]).
    Partial(Arc<serde_json::Value>, Arc<Rest>),
}

/// An object item as a lazy [`JsonView`]; anything else converted as it is.
fn item_dynamic(item: Arc<serde_json::Value>) -> Result<Dynamic, EvalError> {
    if item.is_object() {
        Ok(Dynamic::from(JsonView::new(item)))
    } else {
        to_dynamic(&item)
    }
}

/// See [`Condition::property_reads`]: a scan of the source's tokens that skips strings and
/// comments and gives up on anything but plain property reads of `var`.
pub fn property_reads(source: &str, var: &str) -> Option<BTreeSet<String>> {
    let b = source.as_bytes();
    let ident = |i: usize| {
        let end = (i..b.len())
            .find(|&j| !(b[j].is_ascii_alphanumeric() || b[j] == b'_'))
            .unwrap_or(b.len());
        (&source[i..end], end)
    };
    let skip_ws = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    // Backtick strings interpolate `${...}`: reads there are not worth a second scanner.
    if source.contains('`') {
        return None;
    }
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = (i..b.len()).find(|&j| b[j] == b'\n').unwrap_or(b.len());
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = source[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let (word, end) = ident(i);
                let after_dot = i > 0 && b[..i].iter().rev().find(|c| !c.is_ascii_whitespace()) == Some(&b'.');
                i = end;
                if word != var || after_dot {
                    continue;
                }
                let j = skip_ws(end);
                let j = if source[j..].starts_with("?.") {
                    j + 2
                } else if b.get(j) == Some(&b'.') {
                    j + 1
                } else if b.get(j) == Some(&b'[') {
                    let k = skip_ws(j + 1);
                    let q = *b.get(k)?;
                    if q != b'"' {
                        return None;
                    }
                    let close = source[k + 1..].find('"')? + k + 1;
                    let name = &source[k + 1..close];
                    if name.contains('\\') || b.get(skip_ws(close + 1)) != Some(&b']') {
                        return None;
                    }
                    out.insert(name.to_string());
                    i = skip_ws(close + 1) + 1;
                    continue;
                } else {
                    return None;
                };
                let j = skip_ws(j);
                let (name, end) = ident(j);
                if name.is_empty() || b.get(skip_ws(end)) == Some(&b'(') {
                    return None;
                }
                out.insert(name.to_string());
                i = end;
            }
            _ => i += 1,
        }
    }
    Some(out)
}

/// Converts JSON to a script value (objects become maps, `null` becomes `()`).
pub fn to_dynamic(value: &serde_json::Value) -> Result<Dynamic, EvalError> {
    rhai::serde::to_dynamic(value).map_err(|e| EvalError::Runtime(e.to_string()))
}

/// The engine, built once, in this one place.
pub fn engine() -> &'static Engine {
    static ENGINE: LazyLock<Engine> = LazyLock::new(build_engine);
    &ENGINE
}

fn build_engine() -> Engine {
    let mut engine = Engine::new();
    engine
        .set_max_operations(MAX_OPERATIONS)
        .set_max_expr_depths(64, 32)
        .set_max_call_levels(32)
        .set_max_string_size(MAX_STRING_SIZE)
        .set_max_array_size(MAX_COLLECTION_SIZE)
        .set_max_map_size(MAX_COLLECTION_SIZE)
        .set_max_variables(256)
        .set_max_functions(64)
        .set_max_modules(0)
        .set_strict_variables(true)
        // Missing map properties read as `()`, so `e.fileDetails?.sha256` works.
        .set_fail_on_invalid_map_property(false)
        .set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new());
    for symbol in DISABLED_SYMBOLS {
        engine.disable_symbol(symbol);
    }
    engine.on_print(|text| tracing::debug!(output = %text, "Condition printed."));
    engine.on_debug(|text, source, position| {
        let source = source.unwrap_or("");
        tracing::debug!(output = %text, source, %position, "Condition debug output.");
    });
    engine.on_progress(|operations| {
        // Reading the clock every operation would cost more than the script itself.
        if operations % 1024 != 0 {
            return None;
        }
        let expired = EVAL_STATE.with(|s| s.get().is_some_and(|s| Instant::now() >= s.deadline));
        expired.then(|| Dynamic::from("time limit"))
    });
    functions::register(&mut engine);
    view::register(&mut engine);
    engine
}

/// What a running evaluation needs that Rhai cannot pass to `on_progress` or to native
/// functions: set for the duration of one synchronous `eval` on the current thread.
#[derive(Clone, Copy)]
struct EvalState {
    deadline: Instant,
    now: DateTime<Utc>,
}

thread_local! {
    static EVAL_STATE: Cell<Option<EvalState>> = const { Cell::new(None) };
}

/// Restores the previous state when the evaluation ends (also on unwinding).
struct EvalGuard(Option<EvalState>);

impl EvalGuard {
    fn enter(state: EvalState) -> Self {
        Self(EVAL_STATE.with(|s| s.replace(Some(state))))
    }
}

impl Drop for EvalGuard {
    fn drop(&mut self) {
        EVAL_STATE.with(|s| s.set(self.0));
    }
}

/// The `now` of the evaluation running on this thread (the wall clock outside one).
pub(crate) fn eval_now() -> DateTime<Utc> {
    EVAL_STATE.with(|s| s.get().map_or_else(Utc::now, |s| s.now))
}

/// Compiles a condition for items of `kind`. Statements (`let`, `if`, ...) are allowed; the
/// value of the last expression is the result. Undeclared variables are compile errors.
pub fn compile_condition(source: &str, kind: ItemKind) -> Result<Condition, CompileError> {
    if source.trim().is_empty() {
        return Err(CompileError {
            line: 1,
            column: 1,
            message: "the condition is empty; leave `condition` out to match every item".into(),
        });
    }
    let scope = scope_with(
        kind,
        Dynamic::UNIT,
        rhai::Map::new().into(),
        rhai::Map::new().into(),
        Timestamp(DateTime::<Utc>::UNIX_EPOCH),
        rhai::Map::new().into(),
    );
    let ast = engine()
        .compile_with_scope(&scope, source)
        .map_err(|e| compile_error(&e, kind))?;
    Ok(Condition {
        ast: Arc::new(ast),
        source: source.into(),
        kind,
    })
}

/// Declares the names a condition sees, in one order for compiling and evaluating. Always
/// `push`, never `push_constant`: the optimizer would fold constants' compile-time values in.
fn scope_with(
    kind: ItemKind,
    item: Dynamic,
    playbook: Dynamic,
    lists: Dynamic,
    now: Timestamp,
    run: Dynamic,
) -> Scope<'static> {
    let mut scope = Scope::new();
    scope
        .push(kind.var_name(), item)
        .push("playbook", playbook)
        .push("lists", lists)
        .push("now", now)
        .push("run", run);
    scope
}

fn compile_error(error: &ParseError, kind: ItemKind) -> CompileError {
    let ParseError(error_type, position) = error;
    let item = kind.var_name();
    let message = match error_type.as_ref() {
        ParseErrorType::VariableUndefined(name) => undefined_variable(name, item),
        ParseErrorType::Reserved(name) if DISABLED_SYMBOLS.contains(&name.as_str()) => {
            format!("`{name}` is not allowed in conditions")
        }
        ParseErrorType::UnexpectedEOF => {
            "the condition ends in the middle of an expression: close every `(`, `[` and `{`, and finish the last operator".into()
        }
        ParseErrorType::MissingToken(token, why) => format!("expected `{token}` {why}"),
        other => other.to_string(),
    };
    let (line, column) = position_of(*position);
    CompileError { line, column, message }
}

fn undefined_variable(name: &str, item: &str) -> String {
    let known: Vec<&str> = std::iter::once(item).chain(COMMON_NAMES).collect();
    if name == "items" {
        return "`items` is only available in templates of playbooks with `group: all`; a condition sees one item at a time".into();
    }
    if ["alert", "incident", "row"].contains(&name) {
        return format!("undefined variable `{name}`: the items of this playbook's trigger are called `{item}`");
    }
    let hint = crate::suggest::did_you_mean(name, known.iter().copied());
    format!(
        "undefined variable `{name}`{hint}{}",
        if hint.is_empty() {
            format!(" (a condition sees {})", known.join(", "))
        } else {
            String::new()
        }
    )
}

fn position_of(position: Position) -> (usize, usize) {
    (position.line().unwrap_or(1), position.position().unwrap_or(1))
}

impl Condition {
    /// Runs the condition on one item: `Ok(true)` means act. Any error counts as no match.
    pub fn eval(&self, ctx: &Context) -> Result<bool, EvalError> {
        self.eval_until(ctx, ctx.item.clone(), Instant::now() + TIME_LIMIT)
    }

    /// [`Condition::eval`] with `ctx`'s item replaced by `item`: what a run does for each item,
    /// so the context's other values are copied once per item, into the scope.
    pub fn eval_item(&self, ctx: &Context, item: Item) -> Result<bool, EvalError> {
        let item = match item {
            Item::Shared(item) => item_dynamic(item)?,
            Item::Partial(part, rest) => Dynamic::from(JsonView::partial(part, rest)),
        };
        self.eval_until(ctx, item, Instant::now() + TIME_LIMIT)
    }

    fn eval_until(&self, ctx: &Context, item: Dynamic, deadline: Instant) -> Result<bool, EvalError> {
        let mut scope = scope_with(
            self.kind,
            item,
            ctx.playbook.clone(),
            ctx.lists.clone(),
            Timestamp(ctx.now),
            ctx.run.clone(),
        );
        let _guard = EvalGuard::enter(EvalState { deadline, now: ctx.now });
        let value = engine()
            .eval_ast_with_scope::<Dynamic>(&mut scope, &self.ast)
            .map_err(|e| eval_error(&e))?;
        value.as_bool().map_err(|type_name| EvalError::NotBool {
            type_name: type_name.to_owned(),
        })
    }

    /// The top-level properties of `var` the condition reads, when every use of it is a
    /// property read (`alert.title`, `alert?.title`, `alert["title"]`); None when it is used any
    /// other way (passed whole, a method called on it, a closure parameter of that name, a
    /// string interpolation).
    pub fn property_reads(&self, var: &str) -> Option<BTreeSet<String>> {
        property_reads(&self.source, var)
    }

    /// The script text this condition was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The item kind it was compiled for.
    pub fn kind(&self) -> ItemKind {
        self.kind
    }
}

fn eval_error(error: &EvalAltResult) -> EvalError {
    // Limits hit inside a closure or function arrive wrapped in the call's error.
    let mut inner = error;
    while let EvalAltResult::ErrorInFunctionCall(_, _, e, _) | EvalAltResult::ErrorInModule(_, e, _) = inner {
        inner = e;
    }
    match inner {
        EvalAltResult::ErrorTerminated(..) => EvalError::TimedOut,
        EvalAltResult::ErrorTooManyOperations(..)
        | EvalAltResult::ErrorDataTooLarge(..)
        | EvalAltResult::ErrorStackOverflow(..)
        | EvalAltResult::ErrorTooManyVariables(..)
        | EvalAltResult::ErrorTooManyModules(..) => EvalError::TooComplex(inner.to_string()),
        _ => EvalError::Runtime(error.to_string()),
    }
}

/// The lists a condition names as `lists.NAME` or `lists["NAME"]` (also with `?.`/`?[`), with
/// the 1-based line and column of each name, so validation can check them against the
/// configured lists.
///
/// Rhai exposes its AST walker only under its `internals` feature, so this scans the script's
/// tokens instead, skipping comments and string literals; the result is the same for these two
/// forms. A list reached indirectly (`let l = lists; l.x`) is not found.
pub fn list_references(cond: &Condition) -> Vec<(String, usize, usize)> {
    ListScanner::new(&cond.source).scan()
}

/// A minimal Rhai tokenizer that knows just enough (comments, strings, identifiers) to find
/// `lists.NAME` and `lists["NAME"]`.
struct ListScanner<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    text: &'a str,
    line: usize,
    column: usize,
    found: Vec<(String, usize, usize)>,
}

/// A token, as far as the scanner cares.
#[derive(Debug, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Dot,
    OpenBracket,
    CloseBracket,
    Other,
}

impl<'a> ListScanner<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            chars: text.char_indices().peekable(),
            text,
            line: 1,
            column: 1,
            found: Vec::new(),
        }
    }

    fn bump(&mut self) -> Option<char> {
        let (_, c) = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().map(|(_, c)| *c)
    }

    fn peek2(&self) -> Option<char> {
        let mut ahead = self.chars.clone();
        ahead.next();
        ahead.next().map(|(_, c)| c)
    }

    /// Next token with its position; `None` at the end.
    fn token(&mut self) -> Option<(Token, usize, usize)> {
        loop {
            let c = self.peek()?;
            let (line, column) = (self.line, self.column);
            if c.is_whitespace() {
                self.bump();
            } else if c == '/' && self.peek2() == Some('/') {
                while self.peek().is_some_and(|c| c != '\n') {
                    self.bump();
                }
            } else if c == '/' && self.peek2() == Some('*') {
                self.skip_block_comment();
            } else if c == '"' || c == '`' || c == '\'' {
                return Some((Token::Str(self.string(c)), line, column));
            } else if c.is_alphabetic() || c == '_' {
                let start = self.chars.peek().map_or(self.text.len(), |(i, _)| *i);
                let mut end = start;
                while let Some((i, c)) = self.chars.peek().copied() {
                    if !(c.is_alphanumeric() || c == '_') {
                        break;
                    }
                    end = i + c.len_utf8();
                    self.bump();
                }
                return Some((Token::Ident(self.text[start..end].to_owned()), line, column));
            } else {
                self.bump();
                let token = match c {
                    '?' if self.peek() == Some('.') => {
                        self.bump();
                        Token::Dot
                    }
                    '?' if self.peek() == Some('[') => {
                        self.bump();
                        Token::OpenBracket
                    }
                    '.' => Token::Dot,
                    '[' => Token::OpenBracket,
                    ']' => Token::CloseBracket,
                    _ => Token::Other,
                };
                return Some((token, line, column));
            }
        }
    }

    fn skip_block_comment(&mut self) {
        // Rhai block comments nest.
        let mut depth = 0usize;
        while let Some(c) = self.bump() {
            match (c, self.peek()) {
                ('/', Some('*')) => {
                    self.bump();
                    depth += 1;
                }
                ('*', Some('/')) => {
                    self.bump();
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    /// Reads a string literal opened by `quote`, returning its (unescaped, roughly) content.
    fn string(&mut self, quote: char) -> String {
        self.bump();
        let mut content = String::new();
        while let Some(c) = self.bump() {
            match c {
                '\\' if quote != '`' => {
                    if let Some(escaped) = self.bump() {
                        content.push(escaped);
                    }
                }
                c if c == quote => break,
                c => content.push(c),
            }
        }
        content
    }

    fn scan(mut self) -> Vec<(String, usize, usize)> {
        let mut tokens = Vec::new();
        while let Some(token) = self.token() {
            tokens.push(token);
        }
        for (i, (token, ..)) in tokens.iter().enumerate() {
            let is_lists = *token == Token::Ident("lists".into());
            let after_dot = i > 0 && tokens[i - 1].0 == Token::Dot;
            if !is_lists || after_dot {
                continue;
            }
            match (tokens.get(i + 1), tokens.get(i + 2), tokens.get(i + 3)) {
                (Some((Token::Dot, ..)), Some((Token::Ident(name), line, column)), _) => {
                    self.found.push((name.clone(), *line, *column));
                }
                (
                    Some((Token::OpenBracket, ..)),
                    Some((Token::Str(name), line, column)),
                    Some((Token::CloseBracket, ..)),
                ) => self.found.push((name.clone(), *line, *column)),
                _ => {}
            }
        }
        self.found
    }
}

#[cfg(test)]
mod tests;
