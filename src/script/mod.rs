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

use std::cell::Cell;
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
    /// Converts the JSON values once (with `rhai::serde::to_dynamic`).
    pub fn new(
        item: &serde_json::Value,
        playbook: &serde_json::Value,
        lists: &serde_json::Value,
        now: DateTime<Utc>,
        run: &serde_json::Value,
    ) -> Result<Self, EvalError> {
        Ok(Self {
            item: to_dynamic(item)?,
            playbook: to_dynamic(playbook)?,
            lists: to_dynamic(lists)?,
            now,
            run: to_dynamic(run)?,
        })
    }

    /// The same context for another item (the other values are shared by cloning).
    pub fn with_item(&self, item: &serde_json::Value) -> Result<Self, EvalError> {
        Ok(Self {
            item: to_dynamic(item)?,
            ..self.clone()
        })
    }
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
        self.eval_until(ctx, Instant::now() + TIME_LIMIT)
    }

    fn eval_until(&self, ctx: &Context, deadline: Instant) -> Result<bool, EvalError> {
        let mut scope = scope_with(
            self.kind,
            ctx.item.clone(),
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
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const EICAR_SHA256: &str = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";

    /// The condition of DESIGN.md's auto-close example, verbatim.
    const EICAR_CONDITION: &str =
        "alert.title.contains(\"EICAR\") &&\nalert.evidence.some(|e| e.fileDetails?.sha256 in lists.eicar_sha256)\n";

    fn now() -> DateTime<Utc> {
        "2024-05-01T12:00:00Z".parse().expect("valid time")
    }

    fn ctx(item: Value) -> Context {
        Context::new(
            &item,
            &json!({"name": "test-playbook", "description": "A test."}),
            &json!({"eicar_sha256": [EICAR_SHA256], "admins": ["Alice", "bob"]}),
            now(),
            &json!({"id": "run-1", "started": "2024-05-01T12:00:00Z"}),
        )
        .expect("context converts")
    }

    fn eval(source: &str, kind: ItemKind, item: Value) -> Result<bool, EvalError> {
        compile_condition(source, kind).expect("compiles").eval(&ctx(item))
    }

    fn eval_alert(source: &str) -> Result<bool, EvalError> {
        eval(source, ItemKind::Alert, eicar_alert(EICAR_SHA256))
    }

    /// A Graph `alerts_v2` alert as Defender for Endpoint raises it for the EICAR test file.
    fn eicar_alert(sha256: &str) -> Value {
        json!({
            "@odata.type": "#microsoft.graph.security.alert",
            "id": "da637551227677560813_-961444813",
            "providerAlertId": "da637551227677560813_-961444813",
            "incidentId": "28282",
            "status": "new",
            "severity": "informational",
            "classification": null,
            "determination": null,
            "serviceSource": "microsoftDefenderForEndpoint",
            "detectionSource": "antivirus",
            "title": "EICAR_Test_File malware was detected",
            "description": "Malware and unwanted software are undesirable applications...",
            "category": "Malware",
            "assignedTo": null,
            "createdDateTime": "2024-05-01T10:00:00.1234567Z",
            "lastUpdateDateTime": "2024-05-01T10:05:00.12Z",
            "firstActivityDateTime": "2024-05-01T09:59:58Z",
            "mitreTechniques": [],
            "comments": [],
            "evidence": [
                {
                    "@odata.type": "#microsoft.graph.security.deviceEvidence",
                    "createdDateTime": "2024-05-01T10:00:00.1234567Z",
                    "verdict": "unknown",
                    "remediationStatus": "none",
                    "roles": [],
                    "deviceDnsName": "ws-042.contoso.com",
                    "mdeDeviceId": "73e7e2de709dff64ef64b1d0c30e67fab63279db",
                    "ipInterfaces": ["10.1.2.3", "fe80::1"]
                },
                {
                    "@odata.type": "#microsoft.graph.security.processEvidence",
                    "createdDateTime": "2024-05-01T10:00:00.1234567Z",
                    "verdict": "suspicious",
                    "remediationStatus": "none",
                    "roles": [],
                    "processId": 4780,
                    "processCommandLine": "\"explorer.exe\"",
                    "imageFile": null
                },
                {
                    "@odata.type": "#microsoft.graph.security.fileEvidence",
                    "createdDateTime": "2024-05-01T10:00:00.1234567Z",
                    "verdict": "malicious",
                    "remediationStatus": "prevented",
                    "roles": [],
                    "detectionStatus": "prevented",
                    "mdeDeviceId": "73e7e2de709dff64ef64b1d0c30e67fab63279db",
                    "fileDetails": {
                        "fileName": "eicar.com.txt",
                        "filePath": "C:\\Users\\alice\\Downloads",
                        "sha1": "cf8bd9dfddff007f75adf4c2be48005cea317c62",
                        "sha256": sha256,
                        "fileSize": 68
                    }
                }
            ]
        })
    }

    fn hunting_row(account: &str) -> Value {
        json!({
            "Timestamp": "2024-05-01T11:42:17.0291832Z",
            "DeviceName": "ws-042.contoso.com",
            "AccountName": account,
            "ProcessCommandLine": "powershell.exe -NoP -enc SQBFAFgA",
            "ReportId": 10234
        })
    }

    // Every condition DESIGN.md writes, against a matching and a non-matching item.

    #[test]
    fn design_eicar_condition_matches_and_rejects() {
        let cond = compile_condition(EICAR_CONDITION, ItemKind::Alert).expect("compiles");
        assert_eq!(cond.eval(&ctx(eicar_alert(EICAR_SHA256))), Ok(true));
        let other_hash = "0000000000000000000000000000000000000000000000000000000000000000";
        assert_eq!(cond.eval(&ctx(eicar_alert(other_hash))), Ok(false));
        let mut renamed = eicar_alert(EICAR_SHA256);
        renamed["title"] = json!("Suspicious PowerShell");
        assert_eq!(cond.eval(&ctx(renamed)), Ok(false));
        let mut no_evidence = eicar_alert(EICAR_SHA256);
        no_evidence["evidence"] = json!([]);
        assert_eq!(cond.eval(&ctx(no_evidence)), Ok(false));
        assert_eq!(list_references(&cond), vec![("eicar_sha256".to_owned(), 2, 56)]);
    }

    #[test]
    fn design_hunting_condition_matches_and_rejects() {
        let source = "row.AccountName != \"svc_backup\"";
        assert_eq!(eval(source, ItemKind::Row, hunting_row("alice")), Ok(true));
        assert_eq!(eval(source, ItemKind::Row, hunting_row("svc_backup")), Ok(false));
    }

    // Compile errors.

    #[test]
    fn compile_error_has_line_and_column_within_script() {
        let source = "let a = 1;\nlet b = 2;\n  a + * b";
        let err = compile_condition(source, ItemKind::Alert).expect_err("syntax error");
        assert_eq!((err.line, err.column), (3, 7));
    }

    #[test]
    fn undefined_variable_is_compile_error_with_suggestion() {
        let err = compile_condition("true &&\n  alrt.title == \"x\"", ItemKind::Alert).expect_err("undefined");
        assert_eq!((err.line, err.column), (2, 3));
        assert!(
            err.message.contains("alrt") && err.message.contains("`alert`"),
            "{}",
            err.message
        );

        let err = compile_condition("incident.severity == \"high\"", ItemKind::Alert).expect_err("wrong item");
        assert!(err.message.contains("`alert`"), "{}", err.message);
        assert!(compile_condition("row.x == 1", ItemKind::Row).is_ok());
        assert!(compile_condition("alert.x == 1", ItemKind::Row).is_err());
        assert!(compile_condition("items.len() > 0", ItemKind::Row).is_err());
    }

    #[test]
    fn statements_are_allowed_and_last_expression_is_result() {
        let source =
            "let t = alert.title;\nlet sev = alert.severity;\nt.contains(\"EICAR\") && sev == \"informational\"";
        assert_eq!(eval_alert(source), Ok(true));
        assert_eq!(
            eval_alert("if alert.status == \"new\" { true } else { false }"),
            Ok(true)
        );
    }

    #[test]
    fn eval_and_modules_are_rejected_at_compile_time() {
        assert!(compile_condition("eval(\"1\") == 1", ItemKind::Alert).is_err());
        assert!(compile_condition("import \"x\" as y; true", ItemKind::Alert).is_err());
        assert!(compile_condition("   ", ItemKind::Alert).is_err());
    }

    #[test]
    fn eval_through_a_function_pointer_is_an_error() {
        let result =
            compile_condition("call(Fn(\"eval\"), \"true\")", ItemKind::Alert).map(|c| c.eval(&ctx(json!({}))));
        assert!(!matches!(result, Ok(Ok(_))), "{result:?}");
    }

    // Runtime failures.

    #[test]
    fn runtime_error_is_err() {
        assert!(matches!(
            eval_alert("alert.title.no_such_function()"),
            Err(EvalError::Runtime(_))
        ));
        assert!(matches!(
            eval_alert("alert.missing.deeper == 1"),
            Err(EvalError::Runtime(_))
        ));
        assert!(matches!(eval_alert("throw \"boom\""), Err(EvalError::Runtime(_))));
    }

    #[test]
    fn non_bool_is_not_bool() {
        assert!(matches!(eval_alert("alert.title"), Err(EvalError::NotBool { .. })));
        assert!(matches!(eval_alert("1"), Err(EvalError::NotBool { .. })));
        assert!(matches!(eval_alert("alert.missing"), Err(EvalError::NotBool { .. })));
    }

    #[test]
    fn infinite_loops_stop() {
        let stopped = |r: Result<bool, EvalError>| matches!(r, Err(EvalError::TooComplex(_) | EvalError::TimedOut));
        assert!(stopped(eval_alert("loop {}")));
        assert!(stopped(eval_alert("let x = 0; while true { x += 1; } true")));
        assert!(stopped(eval_alert("alert.evidence.some(|e| { loop {} })")));
        assert!(stopped(eval_alert("fn f(x) { f(x + 1) } f(0)")));
    }

    #[test]
    fn time_limit_stops_evaluation() {
        let cond = compile_condition("let x = 0; loop { x += 1; }", ItemKind::Alert).expect("compiles");
        let result = cond.eval_until(&ctx(json!({})), Instant::now());
        assert_eq!(result, Err(EvalError::TimedOut));
        // The deadline belongs to that evaluation only.
        assert_eq!(eval_alert("true"), Ok(true));
    }

    #[test]
    fn huge_data_is_too_complex() {
        assert!(matches!(
            eval_alert("let s = \"xxxxxxxx\"; loop { s += s; }"),
            Err(EvalError::TooComplex(_))
        ));
        assert!(matches!(
            eval_alert("let a = [1]; loop { a += a; }"),
            Err(EvalError::TooComplex(_))
        ));
    }

    #[test]
    fn missing_properties_read_as_unit() {
        assert_eq!(eval_alert("alert.nope == ()"), Ok(true));
        assert_eq!(eval_alert("alert.nope?.deeper == ()"), Ok(true));
        assert_eq!(eval_alert("() in lists.eicar_sha256"), Ok(false));
    }

    #[test]
    fn scripts_cannot_change_the_context() {
        let cond = compile_condition(
            "alert.title = \"changed\"; lists.eicar_sha256.clear(); run.id = 2; true",
            ItemKind::Alert,
        )
        .expect("compiles");
        let context = ctx(eicar_alert(EICAR_SHA256));
        assert_eq!(cond.eval(&context), Ok(true));
        assert_eq!(
            compile_condition(EICAR_CONDITION, ItemKind::Alert)
                .expect("compiles")
                .eval(&context),
            Ok(true)
        );
    }

    #[test]
    fn common_names_are_visible() {
        assert_eq!(eval_alert("playbook.name == \"test-playbook\""), Ok(true));
        assert_eq!(eval_alert("run.id == \"run-1\""), Ok(true));
        assert_eq!(eval_alert("now.year == 2024 && now.hour == 12"), Ok(true));
        assert_eq!(eval_alert("\"bob\" in lists.admins"), Ok(true));
    }

    #[test]
    fn list_references_found_in_both_forms() {
        let source = "let row_lists = #{no: 1}; // lists.commented\n\"lists.quoted\" != \"\" &&\n  alert.x in lists[\"b\"] ||\n  row_lists.no == 1 || alert.lists.no == 1 || alert.y in lists?.c";
        let cond = compile_condition(source, ItemKind::Alert).expect("compiles");
        assert_eq!(
            list_references(&cond),
            vec![("b".to_owned(), 3, 20), ("c".to_owned(), 4, 65)]
        );
    }

    // Functions.

    #[test]
    fn time_functions() {
        assert_eq!(
            eval_alert("ago(\"1h\") == parse_time(\"2024-05-01T11:00:00Z\")"),
            Ok(true)
        );
        assert_eq!(
            eval_alert("ago(\"PT1H\") == ago(3600) && ago(\"P1D\") == now - \"1d\""),
            Ok(true)
        );
        assert_eq!(
            eval_alert("parse_time(alert.createdDateTime) > ago(\"7d\") && parse_time(alert.createdDateTime) < now"),
            Ok(true)
        );
        assert_eq!(
            eval_alert("parse_time(alert.createdDateTime) <= ago(\"3h\")"),
            Ok(false)
        );
        assert_eq!(
            eval_alert("parse_time(alert.lastUpdateDateTime) - parse_time(alert.createdDateTime) == 299"),
            Ok(true)
        );
        assert_eq!(
            eval_alert("now - parse_time(alert.createdDateTime) > duration(\"1h\")"),
            Ok(true)
        );
        assert_eq!(
            eval_alert("(now + 60).minute == 1 && (now + \"1d\").day == 2 && now - 3600 == ago(\"1h\")"),
            Ok(true)
        );
        assert_eq!(
            eval_alert("now.weekday == 3 && now.month == 5 && now.unix == 1714564800"),
            Ok(true)
        );
        assert_eq!(eval_alert("now.to_string() == \"2024-05-01T12:00:00Z\""), Ok(true));
        assert_eq!(eval_alert("`${now}` == \"2024-05-01T12:00:00Z\""), Ok(true));
        assert_eq!(eval_alert("now.format(\"%Y/%m/%d\") == \"2024/05/01\""), Ok(true));
        assert_eq!(eval_alert("parse_time(now) != ago(\"1s\")"), Ok(true));
        assert!(matches!(
            eval_alert("parse_time(\"yesterday\") < now"),
            Err(EvalError::Runtime(_))
        ));
        assert!(matches!(
            eval_alert("ago(\"1 hour\") < now"),
            Err(EvalError::Runtime(_))
        ));
        assert!(matches!(
            eval_alert("now.format(\"%Q\") == \"\""),
            Err(EvalError::Runtime(_))
        ));
        for huge in [
            "ago(\"9223372036854776s\")",
            "now + \"99999999999d\"",
            "now - 9223372036854775807",
        ] {
            assert!(
                matches!(eval_alert(&format!("{huge} < now")), Err(EvalError::Runtime(_))),
                "{huge}"
            );
        }
    }

    #[test]
    fn network_and_pattern_functions() {
        let device = "alert.evidence[0].ipInterfaces";
        assert_eq!(
            eval_alert(&format!("cidr_match({device}[0], \"10.0.0.0/8\")")),
            Ok(true)
        );
        assert_eq!(eval_alert(&format!("{device}[1].cidr_match(\"fe80::/10\")")), Ok(true));
        assert_eq!(
            eval_alert(&format!("cidr_match({device}[0], \"192.168.0.0/16\")")),
            Ok(false)
        );
        assert_eq!(
            eval_alert(&format!(
                "cidr_match({device}[0], [\"192.168.0.0/16\", \"10.1.0.0/16\"])"
            )),
            Ok(true)
        );
        assert_eq!(eval_alert("cidr_match(alert.nope, \"10.0.0.0/8\")"), Ok(false));
        assert!(matches!(
            eval_alert("cidr_match(\"10.0.0.1\", \"10.0.0.0/99\")"),
            Err(EvalError::Runtime(_))
        ));

        assert_eq!(
            eval_alert("regex_match(alert.title, \"^EICAR_\\\\w+ malware\")"),
            Ok(true)
        );
        assert_eq!(eval_alert("alert.title.regex_match(\"(?i)^eicar\")"), Ok(true));
        assert_eq!(eval_alert("regex_match(alert.title, \"^malware\")"), Ok(false));
        assert_eq!(eval_alert("regex_match(alert.nope, \".*\")"), Ok(false));
        assert!(matches!(
            eval_alert("regex_match(alert.title, \"(\")"),
            Err(EvalError::Runtime(_))
        ));
    }

    #[test]
    fn jsonpath_function() {
        assert_eq!(
            eval_alert("jsonpath(alert, \"$..sha256\") == [lists.eicar_sha256[0]]"),
            Ok(true)
        );
        assert_eq!(
            eval_alert(
                "jsonpath(alert, \"$.evidence[?@.verdict == 'malicious'].fileDetails.fileName\")[0] == \"eicar.com.txt\""
            ),
            Ok(true)
        );
        assert_eq!(eval_alert("jsonpath(alert, \"$.nothing\").is_empty()"), Ok(true));
        assert!(matches!(
            eval_alert("jsonpath(alert, \"$[\").is_empty()"),
            Err(EvalError::Runtime(_))
        ));
    }

    #[test]
    fn string_functions() {
        assert_eq!(
            eval_alert("alert.title.lower() == \"eicar_test_file malware was detected\""),
            Ok(true)
        );
        assert_eq!(eval_alert("upper(alert.category) == \"MALWARE\""), Ok(true));
        assert_eq!(eval_alert("\"  x \".trimmed() == \"x\""), Ok(true));
        assert_eq!(
            eval_alert("alert.title.split(\" \")[0] == \"EICAR_Test_File\""),
            Ok(true)
        );
        assert_eq!(
            eval_alert("alert.title.contains_any([\"mimikatz\", \"eicar\"])"),
            Ok(true)
        );
        assert_eq!(eval_alert("alert.title.contains_any([\"mimikatz\"])"), Ok(false));
        assert_eq!(eval_alert("alert.nope.contains_any([\"x\"])"), Ok(false));
        assert_eq!(eval_alert("alert.title.starts_with_any([\"eicar\"])"), Ok(true));
        assert_eq!(eval_alert("alert.title.ends_with_any([\"DETECTED\"])"), Ok(true));
        assert_eq!(eval_alert("alert.title.ends_with_any([\"malware\"])"), Ok(false));
        assert_eq!(
            eval_alert("alert.category.matches_any([\"MALWARE\", \"Ransomware\"])"),
            Ok(true)
        );
        assert_eq!(eval_alert("alert.category.matches_any([\"Malw\"])"), Ok(false));
        assert_eq!(eval_alert("alert.title.has(\"MALWARE\")"), Ok(true));
        assert_eq!(eval_alert("alert.title.has(\"mal\")"), Ok(false));
        let row = hunting_row("alice");
        assert_eq!(
            eval(
                "row.ProcessCommandLine.has_any([\"-enc\", \"-EncodedCommand\"])",
                ItemKind::Row,
                row.clone()
            ),
            Ok(true)
        );
        assert_eq!(
            eval("row.ProcessCommandLine.has_any([\"-e\"])", ItemKind::Row, row),
            Ok(false)
        );
    }

    #[test]
    fn print_and_debug_do_not_fail() {
        assert_eq!(eval_alert("print(alert.title); debug(now); true"), Ok(true));
    }

    #[test]
    fn conditions_are_shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Condition>();
        assert_send_sync::<Context>();
        let cond = compile_condition(EICAR_CONDITION, ItemKind::Alert).expect("compiles");
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let cond = cond.clone();
                std::thread::spawn(move || cond.eval(&ctx(eicar_alert(EICAR_SHA256))))
            })
            .collect();
        for handle in handles {
            assert_eq!(handle.join().expect("no panic"), Ok(true));
        }
    }
}
