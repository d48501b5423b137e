//! The KQL evaluator: runs a query that checked against the schema over a tenant's tables.
//!
//! Operators work on whole columns ([`Vector`]: a constant or a column): a filter evaluates its
//! predicate once per column (per distinct string on a string column), `summarize` groups by
//! dictionary codes or hashed keys, `join` builds a hash table on its right side. Semantics
//! follow Kusto's documentation; where it is silent, what Kusto does (noted at the place).
//!
//! The evaluator trusts the binder for names and types it checked, but never panics on a query
//! it did not: anything it cannot do is an [`EvalError`] naming the construct.

mod aggregate;
mod expr;
mod join;
mod ops;
mod scalar;
pub mod strings;
#[cfg(test)]
mod tests;

use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use super::Span;
use super::ast::*;
use super::data::{Column, Table};
use super::schema::Schema;
use super::types::Type;
use super::value::Value;

pub use scalar::Funcs;

/// What a query reads: the tenant's tables (every table of the schema, empty where there is no
/// data) and where `externaldata` may read files from.
#[derive(Debug, Clone, Default)]
pub struct Tenant {
    pub tables: BTreeMap<String, Arc<Table>>,
    /// The dataset's `external/` folder: `externaldata` reads the file named by a URL's last
    /// path segment from here, never from the network.
    pub external_dir: Option<PathBuf>,
}

impl Tenant {
    /// Every table of `schema`, empty, plus `tables` (which win).
    pub fn with_schema(schema: &Schema, tables: impl IntoIterator<Item = (String, Arc<Table>)>) -> Tenant {
        let mut all: BTreeMap<String, Arc<Table>> = schema
            .tables()
            .map(|t| (t.name.clone(), Arc::new(Table::empty(&t.columns))))
            .collect();
        all.extend(tables);
        Tenant {
            tables: all,
            external_dir: None,
        }
    }
}

/// How one query runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// `now()` and `ago()`'s reference, in ticks since the epoch (fixed for the whole query).
    pub now: i64,
    /// The request's `timespan`: every table's rows with a `Timestamp` in `[start, end]`.
    pub window: Option<(i64, i64)>,
    /// When the query must have ended.
    pub deadline: Option<Instant>,
    /// The most rows any intermediate table may have (a runaway join ends in an error, not in
    /// exhausted memory).
    pub max_rows: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            now: 0,
            window: None,
            deadline: None,
            max_rows: 50_000_000,
        }
    }
}

/// A query's result: the last tabular statement's table (Graph answers with the first result
/// set) and warnings.
#[derive(Debug, Clone)]
pub struct Output {
    pub table: Table,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A semantic error found while running (a bad regex, a type the data contradicts).
    Semantic,
    /// A construct the local tenant does not run yet.
    Unsupported,
    /// The time limit passed.
    Timeout,
    /// An intermediate result larger than [`Options::max_rows`].
    TooLarge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    pub kind: ErrorKind,
    pub span: Span,
    pub message: String,
}

impl EvalError {
    pub fn new(span: Span, message: impl Into<String>) -> EvalError {
        EvalError {
            kind: ErrorKind::Semantic,
            span,
            message: message.into(),
        }
    }

    pub fn unsupported(span: Span, what: impl fmt::Display) -> EvalError {
        EvalError {
            kind: ErrorKind::Unsupported,
            span,
            message: format!("{what} is not supported by the local tenant's KQL engine yet"),
        }
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

type R<T> = Result<T, EvalError>;

/// Parses and runs a query.
pub fn run(text: &str, tenant: &Tenant, options: &Options) -> R<Output> {
    let (query, diagnostics) = super::parse::parse(text);
    if let Some(d) = diagnostics.into_iter().find(super::Diagnostic::is_error) {
        return Err(EvalError::new(d.span, d.message));
    }
    let mut ctx = Ctx::new(tenant, options);
    let mut last = None;
    for statement in &query.statements {
        match statement {
            Statement::Let(l) => ctx.bind_let(l)?,
            Statement::Set { .. } => {}
            // `declare query_parameters(...)`: each parameter as its default (the API supplies
            // values; the local tenant runs the query as written).
            Statement::Declare(params) => {
                for p in params {
                    let ty = match &p.ty {
                        ParamType::Scalar(t) => *t,
                        ParamType::Tabular(_) => continue,
                    };
                    let v = match &p.default {
                        Some(d) => ctx.scalar_const(d)?,
                        None => Vector::Const(Value::Null, ty),
                    };
                    let v = match v {
                        Vector::Const(x, _) => Vector::Const(x.cast(ty), ty),
                        other => other,
                    };
                    ctx.bind(&p.name.name, Binding::Scalar(v));
                }
            }
            Statement::Expr(e) => last = Some(ctx.tabular(e)?),
        }
    }
    let table = match last {
        Some(t) => Arc::unwrap_or_clone(t),
        None => {
            return Err(EvalError::new(
                Span::new(0, text.len()),
                "the query has no tabular statement to run",
            ));
        }
    };
    Ok(Output {
        table,
        warnings: ctx.warnings,
    })
}

/// A value a vector operation works on: one constant for every row, or a column.
#[derive(Debug, Clone)]
pub enum Vector {
    Const(Value, Type),
    Col(Arc<Column>),
}

impl Vector {
    pub fn ty(&self) -> Type {
        match self {
            Vector::Const(v, t) => {
                if *t == Type::Unknown {
                    v.ty()
                } else {
                    *t
                }
            }
            Vector::Col(c) => c.ty,
        }
    }

    pub fn get(&self, row: usize) -> Value {
        match self {
            Vector::Const(v, _) => v.clone(),
            Vector::Col(c) => c.get(row),
        }
    }

    pub fn column(&self, len: usize) -> Arc<Column> {
        match self {
            Vector::Const(v, t) => Arc::new(Column::repeat(if *t == Type::Unknown { v.ty() } else { *t }, v, len)),
            Vector::Col(c) => c.clone(),
        }
    }

    pub fn as_const(&self) -> Option<&Value> {
        match self {
            Vector::Const(v, _) => Some(v),
            Vector::Col(_) => None,
        }
    }
}

/// What a name bound by `let` (or a function's parameter) stands for.
#[derive(Clone)]
enum Binding {
    Scalar(Vector),
    Table(Rc<Lazy>),
    Function(Rc<Lambda>),
}

/// A tabular `let`, run the first time it is used (and once: `materialize` or not, a query's
/// tables do not change while it runs).
struct Lazy {
    expr: Expr,
    value: OnceCell<Arc<Table>>,
}

struct Ctx<'t> {
    tenant: &'t Tenant,
    options: &'t Options,
    /// `let` scopes, innermost last; a function call pushes one for its parameters.
    scopes: Vec<Vec<(String, Binding)>>,
    /// Tables already restricted to the request's window.
    windowed: HashMap<String, Arc<Table>>,
    funcs: Funcs,
    warnings: Vec<String>,
    /// How deep function calls and sub-queries nest (a recursive function ends in an error).
    depth: usize,
    /// The implicit inputs of the sub-queries running (`mv-apply`, `partition`, `join`).
    inputs: Vec<Arc<Table>>,
}

const MAX_DEPTH: usize = 64;

impl<'t> Ctx<'t> {
    fn new(tenant: &'t Tenant, options: &'t Options) -> Ctx<'t> {
        Ctx {
            tenant,
            options,
            scopes: vec![Vec::new()],
            windowed: HashMap::new(),
            funcs: Funcs::new(options.now),
            warnings: Vec::new(),
            depth: 0,
            inputs: Vec::new(),
        }
    }

    fn warn(&mut self, message: String) {
        if !self.warnings.contains(&message) {
            self.warnings.push(message);
        }
    }

    fn check_time(&self, span: Span) -> R<()> {
        match self.options.deadline {
            Some(d) if Instant::now() > d => Err(EvalError {
                kind: ErrorKind::Timeout,
                span,
                message: "the query ran longer than the time limit".into(),
            }),
            _ => Ok(()),
        }
    }

    fn check_rows(&self, rows: usize, span: Span) -> R<()> {
        if rows > self.options.max_rows {
            return Err(EvalError {
                kind: ErrorKind::TooLarge,
                span,
                message: format!(
                    "this operator would make {rows} rows, more than the {} the local tenant allows: filter before it",
                    self.options.max_rows
                ),
            });
        }
        Ok(())
    }

    fn lookup(&self, name: &str) -> Option<&Binding> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|(n, _)| n == name)
            .map(|(_, b)| b)
    }

    fn bind(&mut self, name: &str, b: Binding) {
        self.scopes.last_mut().expect("a scope").push((name.to_string(), b));
    }

    fn bind_let(&mut self, l: &Let) -> R<()> {
        let binding = match &l.value {
            LetValue::Function(f) => Binding::Function(Rc::new(f.clone())),
            LetValue::Expr(e) if self.is_tabular(e) => Binding::Table(Rc::new(Lazy {
                expr: e.clone(),
                value: OnceCell::new(),
            })),
            LetValue::Expr(e) => {
                let v = self.scalar_const(e)?;
                Binding::Scalar(v)
            }
        };
        self.bind(&l.name.name, binding);
        Ok(())
    }

    /// A scalar expression outside any row (a `let`, a `take` count, `toscalar`).
    fn scalar_const(&mut self, e: &Expr) -> R<Vector> {
        let empty = Table::default();
        let v = self.eval(e, &empty)?;
        Ok(match v {
            Vector::Col(c) if c.len() == 1 => Vector::Const(c.get(0), c.ty),
            Vector::Col(c) => Vector::Const(Value::Null, c.ty),
            konst => konst,
        })
    }

    /// Whether an expression is tabular (a table, a pipe, a source, a tabular let or function).
    fn is_tabular(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Pipe { .. } | ExprKind::Source(_) => true,
            ExprKind::Paren(inner) => self.is_tabular(inner),
            ExprKind::Name(n) | ExprKind::Pattern(n) => match self.lookup(&n.name) {
                Some(Binding::Table(_)) => true,
                Some(_) => false,
                None => self.tenant.tables.contains_key(&n.name) || n.name.contains('*'),
            },
            ExprKind::Call { func, .. } => match func.name.as_str() {
                "materialize" | "view" | "table" | "cluster" | "database" => true,
                name => match self.lookup(name) {
                    Some(Binding::Function(f)) => f.result.as_deref().is_some_and(|r| {
                        // A function is tabular when its body is (checked without binding its
                        // parameters: tables, pipes and sources are recognisable by shape).
                        self.is_tabular(r) || matches!(r.kind, ExprKind::Name(ref n) if f.params.iter().any(|p| p.name.name == n.name && matches!(p.ty, ParamType::Tabular(_))))
                    }),
                    Some(_) => false,
                    None => {
                        crate::kql::Schema::advanced_hunting()
                            .function(name)
                            .is_some_and(|f| f.kind == crate::kql::schema::FunctionKind::Source)
                    }
                },
            },
            _ => false,
        }
    }

    /// A table of the tenant, restricted to the request's window.
    fn source_table(&mut self, name: &str, span: Span) -> R<Arc<Table>> {
        if let Some(t) = self.windowed.get(name) {
            return Ok(t.clone());
        }
        let Some(table) = self.tenant.tables.get(name).cloned() else {
            return Err(EvalError::new(
                span,
                format!("the table '{name}' does not exist in this tenant"),
            ));
        };
        let table = match (self.options.window, table.column("Timestamp")) {
            (Some((start, end)), Some(ts)) if ts.ty == Type::DateTime => {
                let rows = ops::window_rows(ts, start, end);
                if rows.len() == table.len {
                    table
                } else {
                    Arc::new(table.gather(&rows))
                }
            }
            _ => table,
        };
        self.windowed.insert(name.to_string(), table.clone());
        Ok(table)
    }

    /// Runs a tabular expression.
    fn tabular(&mut self, e: &Expr) -> R<Arc<Table>> {
        self.check_time(e.span)?;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return Err(EvalError::new(
                e.span,
                "functions and sub-queries nest too deeply (a recursive function?)",
            ));
        }
        let out = self.tabular_inner(e);
        self.depth -= 1;
        out
    }

    fn tabular_inner(&mut self, e: &Expr) -> R<Arc<Table>> {
        match &e.kind {
            ExprKind::Paren(inner) => self.tabular(inner),
            ExprKind::Pipe { source, ops } => {
                let mut t = self.tabular(source)?;
                let mut i = 0;
                while i < ops.len() {
                    self.check_time(ops[i].span)?;
                    // `join ... | count` counts the joined rows without making them.
                    if let (OpKind::Join { params, right, on }, Some(OpKind::Count)) =
                        (&ops[i].kind, ops.get(i + 1).map(|o| &o.kind))
                    {
                        t = Arc::new(self.join(&t, params, right, on, ops[i].span, true)?);
                        i += 2;
                        continue;
                    }
                    t = self.operator(t, &ops[i])?;
                    self.check_rows(t.len, ops[i].span)?;
                    i += 1;
                }
                Ok(t)
            }
            ExprKind::Name(n) => self.named_table(&n.name, e.span),
            ExprKind::Pattern(n) => self.named_table(&n.name, e.span),
            ExprKind::Source(s) => self.source(s, e.span),
            ExprKind::Call { func, args } => self.tabular_call(func, args, e.span),
            ExprKind::Input => match self.inputs.last() {
                Some(t) => Ok(t.clone()),
                None => Err(EvalError::new(e.span, "this sub-query has no input here")),
            },
            _ => Err(EvalError::new(e.span, "a table was expected here")),
        }
    }

    fn named_table(&mut self, name: &str, span: Span) -> R<Arc<Table>> {
        match self.lookup(name).cloned() {
            Some(Binding::Table(lazy)) => {
                if let Some(t) = lazy.value.get() {
                    return Ok(t.clone());
                }
                let t = self.tabular(&lazy.expr)?;
                let _ = lazy.value.set(t.clone());
                Ok(t)
            }
            Some(Binding::Function(f)) if f.params.is_empty() => self
                .call_function(&f, &[], &Table::default(), span)
                .and_then(|r| match r {
                    Called::Table(t) => Ok(t),
                    Called::Scalar(_) => Err(EvalError::new(span, format!("'{name}' is a scalar, not a table"))),
                }),
            Some(_) => Err(EvalError::new(span, format!("'{name}' is a scalar, not a table"))),
            None if name.contains('*') => {
                let names: Vec<String> = self
                    .tenant
                    .tables
                    .keys()
                    .filter(|t| super::bind::wildcard(name, t))
                    .cloned()
                    .collect();
                let legs = names
                    .iter()
                    .map(|n| self.source_table(n, span).map(|t| (n.clone(), t)))
                    .collect::<R<Vec<_>>>()?;
                Ok(Arc::new(ops::union_tables(&legs, None, false)))
            }
            None => self.source_table(name, span),
        }
    }

    /// `materialize(T)`, `view`/`table("T")`, a let-bound tabular function, or a built-in
    /// source function (`AssignedIPAddresses(...)`).
    fn tabular_call(&mut self, func: &Ident, args: &[Expr], span: Span) -> R<Arc<Table>> {
        match func.name.as_str() {
            "materialize" | "view" => match args.first() {
                Some(a) => self.tabular(a),
                None => Err(EvalError::new(span, "materialize() needs a table")),
            },
            "table" => match args.first().map(|a| &a.kind) {
                Some(ExprKind::Literal(Literal::Str(name))) => self.named_table(name, span),
                _ => Err(EvalError::new(span, "table() needs a table's name as a string")),
            },
            name => match self.lookup(name).cloned() {
                Some(Binding::Function(f)) => match self.call_function(&f, args, &Table::default(), span)? {
                    Called::Table(t) => Ok(t),
                    Called::Scalar(_) => Err(EvalError::new(span, format!("'{name}' returns a scalar, not a table"))),
                },
                _ => ops::builtin_source(self, name, args, span),
            },
        }
    }

    /// Calls a let-bound function: binds its parameters (scalars as vectors over `row`, tables
    /// as tables) and runs its body.
    fn call_function(&mut self, f: &Lambda, args: &[Expr], row: &Table, span: Span) -> R<Called> {
        let mut scope = Vec::new();
        for (i, p) in f.params.iter().enumerate() {
            let arg = args.get(i).or(p.default.as_ref());
            let binding = match (&p.ty, arg) {
                (ParamType::Tabular(_), Some(a)) => {
                    let t = self.tabular(a)?;
                    Binding::Table(Rc::new(Lazy {
                        expr: a.clone(),
                        value: OnceCell::from(t),
                    }))
                }
                (ParamType::Scalar(ty), Some(a)) => {
                    let v = self.eval(a, row)?;
                    Binding::Scalar(match v {
                        Vector::Const(v, _) => Vector::Const(v.cast(*ty), *ty),
                        col => col,
                    })
                }
                (_, None) => {
                    return Err(EvalError::new(
                        span,
                        format!("the function needs its parameter '{}'", p.name.name),
                    ));
                }
            };
            scope.push((p.name.name.clone(), binding));
        }
        self.scopes.push(scope);
        self.depth += 1;
        let out = (|| {
            if self.depth > MAX_DEPTH {
                return Err(EvalError::new(
                    span,
                    "functions nest too deeply (a recursive function?)",
                ));
            }
            for l in &f.lets {
                self.bind_let(l)?;
            }
            let Some(result) = f.result.as_deref() else {
                return Err(EvalError::new(span, "the function has no result expression"));
            };
            if self.is_tabular(result) {
                Ok(Called::Table(self.tabular(result)?))
            } else {
                Ok(Called::Scalar(self.eval(result, row)?))
            }
        })();
        self.depth -= 1;
        self.scopes.pop();
        out
    }
}

enum Called {
    Table(Arc<Table>),
    Scalar(Vector),
}
