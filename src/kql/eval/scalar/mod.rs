//! Scalar function calls: the special forms (`iff`, `case`, `toscalar`, ...), and every other
//! function row by row on [`Value`]s (once per distinct string when its only varying argument
//! is a string column).

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use chrono::{Datelike, TimeZone, Timelike, Utc};
use regex::Regex;
use serde_json::{Map, Value as Json, json};

use super::*;
use crate::kql::data::{ColumnBuilder, Data};
use crate::kql::functions;
use crate::kql::value::{TICKS_PER_DAY, TICKS_PER_SECOND};

mod datetime;
mod dynamic;
mod ip;
mod number;
mod string;

use dynamic::json_path;
pub(super) use number::bin;

/// State the functions share within a query: `now()`, compiled regular expressions.
pub struct Funcs {
    now: i64,
    regexes: HashMap<String, Regex>,
}

/// Why a function did not give a value.
pub(super) enum Fail {
    /// Bad input (a regular expression that does not compile, an unknown part name).
    Semantic(String),
    /// A function the engine does not implement.
    Unsupported,
}

impl From<String> for Fail {
    fn from(m: String) -> Fail {
        Fail::Semantic(m)
    }
}

type F = Result<Value, Fail>;

impl Funcs {
    pub fn new(now: i64) -> Funcs {
        Funcs {
            now,
            regexes: HashMap::new(),
        }
    }

    fn regex(&mut self, pattern: &str) -> Result<Regex, String> {
        if let Some(r) = self.regexes.get(pattern) {
            return Ok(r.clone());
        }
        let r = Regex::new(pattern).map_err(|e| format!("the regular expression '{pattern}' is not valid: {e}"))?;
        if self.regexes.len() > 1000 {
            self.regexes.clear();
        }
        self.regexes.insert(pattern.to_string(), r.clone());
        Ok(r)
    }
}

/// The static result type of a call of a built-in function.
pub(super) fn result_type(name: &str, args: &[Type]) -> Type {
    let Some(f) = functions::lookup(name) else {
        return Type::Unknown;
    };
    let stars = vec![false; args.len()];
    match f.best_signatures(args, &stars).first() {
        Some(sig) => functions::result_type(f, sig, args),
        None => Type::Unknown,
    }
}

/// A column from values: of `ty`, or (unknown) of the first non-null value's type.
pub(super) fn column_of(ty: Type, values: Vec<Value>) -> Column {
    let ty = if ty == Type::Unknown {
        values.iter().find(|v| !v.is_null()).map_or(Type::String, Value::ty)
    } else {
        ty
    };
    Column::from_values(ty, values)
}

impl Ctx<'_> {
    /// A call in a scalar context.
    pub(super) fn call(&mut self, func: &Ident, args: &[Expr], row: &Table, span: Span) -> R<Vector> {
        let name = func.name.as_str();
        if let Some(Binding::Function(f)) = self.lookup(name).cloned() {
            return match self.call_function(&f, args, row, span)? {
                Called::Scalar(v) => Ok(v),
                Called::Table(t) => Ok(Vector::Const(
                    first_value(&t),
                    t.columns.first().map_or(Type::Unknown, |c| c.ty),
                )),
            };
        }
        match name {
            "toscalar" => {
                let Some(a) = args.first() else {
                    return Err(EvalError::new(span, "toscalar() needs a tabular expression"));
                };
                if self.is_tabular(a) {
                    let t = self.tabular(a)?;
                    let ty = t.columns.first().map_or(Type::Unknown, |c| c.ty);
                    return Ok(Vector::Const(first_value(&t), ty));
                }
                return self.scalar_const(a);
            }
            "iff" | "iif" => {
                let [c, a, b] = args else {
                    return Err(EvalError::new(span, "iff() takes a condition and two values"));
                };
                let c = self.eval(c, row)?;
                let a = self.eval(a, row)?;
                let b = self.eval(b, row)?;
                return Ok(select(&[(c, a)], &b, row.len));
            }
            "case" => {
                if args.len() < 3 || args.len().is_multiple_of(2) {
                    return Err(EvalError::new(
                        span,
                        "case() takes condition/value pairs and an else value",
                    ));
                }
                let mut pairs = Vec::new();
                for pair in args[..args.len() - 1].chunks(2) {
                    pairs.push((self.eval(&pair[0], row)?, self.eval(&pair[1], row)?));
                }
                let otherwise = self.eval(&args[args.len() - 1], row)?;
                return Ok(select(&pairs, &otherwise, row.len));
            }
            "coalesce" => {
                let vs = args.iter().map(|a| self.eval(a, row)).collect::<R<Vec<_>>>()?;
                let ty = vs
                    .iter()
                    .map(Vector::ty)
                    .find(|t| *t != Type::Unknown)
                    .unwrap_or(Type::Unknown);
                let values = (0..row.len.max(usize::from(vs.iter().all(|v| v.as_const().is_some()))))
                    .map(|r| {
                        vs.iter()
                            .map(|v| v.get(r))
                            .find(|v| !v.is_empty())
                            .unwrap_or(Value::Null)
                    })
                    .collect::<Vec<_>>();
                if vs.iter().all(|v| v.as_const().is_some()) {
                    return Ok(Vector::Const(values.into_iter().next().unwrap_or(Value::Null), ty));
                }
                return Ok(Vector::Col(Arc::new(column_of(ty, values))));
            }
            "column_ifexists" | "columnifexists" => {
                let column = match args.first().map(|a| &a.kind) {
                    Some(ExprKind::Literal(Literal::Str(c))) => c.clone(),
                    _ => {
                        return Err(EvalError::new(
                            span,
                            "column_ifexists() takes a column name as a string",
                        ));
                    }
                };
                if let Some(c) = row.column(&column) {
                    return Ok(Vector::Col(c.clone()));
                }
                return match args.get(1) {
                    Some(d) => self.eval(d, row),
                    None => Ok(Vector::Const(Value::Null, Type::Unknown)),
                };
            }
            "pack_all" | "bag_pack_all" => {
                let skip_nulls = match args.first() {
                    Some(a) => self
                        .scalar_const(a)?
                        .as_const()
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    None => false,
                };
                let values: Vec<Value> = (0..row.len)
                    .map(|r| {
                        let mut m = Map::new();
                        for (n, c) in row.names.iter().zip(&row.columns) {
                            let v = c.get(r);
                            if !(skip_nulls && v.is_empty()) {
                                m.insert(n.clone(), v.to_json());
                            }
                        }
                        Value::dynamic(Json::Object(m))
                    })
                    .collect();
                return Ok(Vector::Col(Arc::new(Column::from_values(Type::Dynamic, values))));
            }
            "row_number" | "prev" | "next" | "row_cumsum" | "row_window_session" | "row_rank_dense"
            | "row_rank_min" => {
                return self.window_function(name, args, row, span);
            }
            _ => {}
        }
        let Some(f) = functions::lookup(name) else {
            return Err(EvalError::unsupported(span, format!("the function {name}()")));
        };
        if f.kind == functions::Kind::Aggregate {
            return Err(EvalError::new(
                span,
                format!("{name}() is an aggregate: use it in summarize"),
            ));
        }
        let vs = args
            .iter()
            .map(|a| match &a.kind {
                ExprKind::Star => Ok(Vector::Const(Value::Null, Type::Unknown)),
                _ => self.eval(a, row),
            })
            .collect::<R<Vec<_>>>()?;
        let types: Vec<Type> = vs.iter().map(Vector::ty).collect();
        let mut ty = result_type(name, &types);
        // Functions whose result type is named by an argument.
        if let ("extract" | "extractjson", Some(ExprKind::Literal(Literal::Type(t)))) =
            (name, args.last().map(|a| &a.kind))
        {
            ty = *t;
        }
        let call = |funcs: &mut Funcs, values: &[Value]| -> R<Value> {
            let v = call_values(funcs, name, values).map_err(|f| match f {
                Fail::Semantic(m) => EvalError::new(span, m),
                Fail::Unsupported => EvalError::unsupported(span, format!("the function {name}()")),
            })?;
            Ok(if ty == Type::Unknown || v.is_null() {
                v
            } else {
                v.cast(ty)
            })
        };
        let varying: Vec<usize> = (0..vs.len()).filter(|&i| vs[i].as_const().is_none()).collect();
        if varying.is_empty() {
            let values: Vec<Value> = vs.iter().map(|v| v.get(0)).collect();
            let v = call(&mut self.funcs, &values)?;
            return Ok(Vector::Const(v, ty));
        }
        // One varying string column over fewer distinct strings than rows: once per string.
        if let [i] = varying[..]
            && let Vector::Col(c) = &vs[i]
            && let Data::Str(s) = &c.data
            && s.dict.len() < s.codes.len()
        {
            let mut values: Vec<Value> = vs
                .iter()
                .map(|v| v.as_const().cloned().unwrap_or(Value::Null))
                .collect();
            let mut per_entry = Vec::with_capacity(s.dict.len());
            for code in 0..s.dict.len() as u32 {
                values[i] = Value::str(s.dict.get(code));
                per_entry.push(call(&mut self.funcs, &values)?);
            }
            let col = column_of(ty, per_entry);
            return Ok(Vector::Col(Arc::new(col.gather(&s.codes))));
        }
        let mut out = Vec::with_capacity(row.len);
        let mut values: Vec<Value> = vec![Value::Null; vs.len()];
        for r in 0..row.len {
            if r % 65_536 == 65_535 {
                self.check_time(span)?;
            }
            for (slot, v) in values.iter_mut().zip(&vs) {
                *slot = v.get(r);
            }
            out.push(call(&mut self.funcs, &values)?);
        }
        Ok(Vector::Col(Arc::new(column_of(ty, out))))
    }

    /// `row_number()`, `prev()`, `next()`, `row_cumsum()` over the rows in their current order.
    fn window_function(&mut self, name: &str, args: &[Expr], row: &Table, span: Span) -> R<Vector> {
        let vs = args.iter().map(|a| self.eval(a, row)).collect::<R<Vec<_>>>()?;
        let arg = |i: usize, r: usize| vs.get(i).map_or(Value::Null, |v| v.get(r));
        let n = row.len;
        let (ty, values): (Type, Vec<Value>) = match name {
            "row_number" => {
                let start = arg(0, 0).as_long().unwrap_or(1);
                (Type::Long, (0..n).map(|r| Value::Long(start + r as i64)).collect())
            }
            "prev" | "next" => {
                let offset = arg(1, 0).as_long().unwrap_or(1) as isize;
                let ty = vs.first().map_or(Type::Unknown, Vector::ty);
                let values = (0..n as isize)
                    .map(|r| {
                        let at = if name == "prev" { r - offset } else { r + offset };
                        if at >= 0 && (at as usize) < n {
                            arg(0, at as usize)
                        } else {
                            arg(2, r as usize)
                        }
                    })
                    .collect();
                (ty, values)
            }
            "row_cumsum" => {
                let ty = vs.first().map_or(Type::Long, Vector::ty);
                let mut sum = Value::Long(0);
                let values = (0..n)
                    .map(|r| {
                        if arg(1, r).as_bool() == Some(true) {
                            sum = Value::Long(0);
                        }
                        let x = arg(0, r);
                        if !x.is_null() {
                            sum = super::expr::binary_value(BinOp::Add, &sum, &x).unwrap_or(Value::Null);
                        }
                        sum.clone()
                    })
                    .collect();
                (ty, values)
            }
            other => return Err(EvalError::unsupported(span, format!("the window function {other}()"))),
        };
        Ok(Vector::Col(Arc::new(column_of(ty, values))))
    }
}

/// The first value of a table's first column (`toscalar`).
fn first_value(t: &Table) -> Value {
    match t.columns.first() {
        Some(c) if t.len > 0 => c.get(0),
        _ => Value::Null,
    }
}

/// `iff`/`case`: the value of the first true condition, else `otherwise`.
fn select(pairs: &[(Vector, Vector)], otherwise: &Vector, len: usize) -> Vector {
    let ty = pairs
        .iter()
        .map(|(_, v)| v.ty())
        .chain([otherwise.ty()])
        .find(|t| *t != Type::Unknown)
        .unwrap_or(Type::Unknown);
    let pick = |r: usize| {
        for (c, v) in pairs {
            if c.get(r).as_bool() == Some(true) {
                return v.get(r);
            }
        }
        otherwise.get(r)
    };
    let all_const = pairs
        .iter()
        .all(|(c, v)| c.as_const().is_some() && v.as_const().is_some())
        && otherwise.as_const().is_some();
    if all_const {
        return Vector::Const(pick(0), ty);
    }
    let mut b = ColumnBuilder::new(if ty == Type::Unknown { Type::Dynamic } else { ty }, len);
    for r in 0..len {
        b.push(pick(r));
    }
    Vector::Col(Arc::new(b.finish()))
}

fn text(v: &Value) -> String {
    v.to_text()
}

fn dyn_array(v: &Value) -> Option<Vec<Json>> {
    match v {
        Value::Dynamic(j) => match &**j {
            Json::Array(a) => Some(a.clone()),
            _ => None,
        },
        Value::Str(s) => match serde_json::from_str::<Json>(s) {
            Ok(Json::Array(a)) => Some(a),
            _ => None,
        },
        _ => None,
    }
}

fn dyn_object(v: &Value) -> Option<Map<String, Json>> {
    match v {
        Value::Dynamic(j) => j.as_object().cloned(),
        Value::Str(s) => match serde_json::from_str::<Json>(s) {
            Ok(Json::Object(m)) => Some(m),
            _ => None,
        },
        _ => None,
    }
}

/// `parse_json`: a string of JSON parsed, anything else (or text that is not JSON) as it is.
pub(super) fn parse_json(v: &Value) -> Value {
    match v {
        Value::Str(s) => match serde_json::from_str::<Json>(s) {
            Ok(j) => Value::dynamic(j),
            Err(_) => Value::dynamic(Json::String(s.to_string())),
        },
        Value::Dynamic(j) => match &**j {
            Json::String(s) => match serde_json::from_str::<Json>(s) {
                Ok(j) => Value::dynamic(j),
                Err(_) => v.clone(),
            },
            _ => v.clone(),
        },
        Value::Null => Value::Null,
        other => Value::dynamic(other.to_json()),
    }
}

/// One family's functions on values: `Unsupported` for a name it does not know.
type Family = fn(&mut Funcs, &str, Args<'_>) -> F;

/// Every function evaluated on values: each family in turn (the names are disjoint, and no
/// family gives `Unsupported` for a name it knows).
fn call_values(funcs: &mut Funcs, name: &str, a: &[Value]) -> F {
    let families: [Family; 6] = [
        datetime::call,
        convert,
        string::call,
        ip::call,
        dynamic::call,
        number::call,
    ];
    for family in families {
        match family(funcs, name, Args(a)) {
            Err(Fail::Unsupported) => {}
            done => return done,
        }
    }
    Err(Fail::Unsupported)
}

/// The positional arguments of a scalar call, read leniently: a missing one is null.
#[derive(Clone, Copy)]
pub(super) struct Args<'a>(&'a [Value]);

impl Args<'_> {
    pub(super) fn arg(&self, i: usize) -> Value {
        self.0.get(i).cloned().unwrap_or(Value::Null)
    }

    pub(super) fn s(&self, i: usize) -> String {
        self.0.get(i).map(text).unwrap_or_default()
    }

    pub(super) fn long(&self, i: usize) -> Option<i64> {
        self.0.get(i).and_then(Value::as_long)
    }

    pub(super) fn real(&self, i: usize) -> Option<f64> {
        self.0.get(i).and_then(Value::as_real)
    }

    pub(super) fn dt(&self, i: usize) -> Option<i64> {
        self.0.get(i).and_then(Value::as_datetime)
    }
}

impl std::ops::Deref for Args<'_> {
    type Target = [Value];

    fn deref(&self) -> &[Value] {
        self.0
    }
}

/// A result that may be missing, as null.
pub(super) fn opt(o: Option<Value>) -> Value {
    o.unwrap_or(Value::Null)
}

/// Conversions, and the null and empty checks.
fn convert(_funcs: &mut Funcs, name: &str, a: Args<'_>) -> F {
    Ok(match name {
        // ---- conversions ----
        "tostring" => Value::str(text(&a.arg(0))),
        "toint" | "tolong" => opt(a.arg(0).as_long().map(Value::Long)),
        "toreal" | "todouble" | "todecimal" => opt(a.arg(0).as_real().map(Value::Real)),
        "tobool" | "toboolean" => opt(a.arg(0).as_bool().map(Value::Bool)),
        "toguid" => Value::str(crate::kql::parse::parse_guid(&a.s(0)).unwrap_or_default()),
        "parse_json" | "parsejson" | "todynamic" | "toobject" => parse_json(&a.arg(0)),
        "dynamic" => a.arg(0),
        "gettype" => Value::str(match a.arg(0) {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Long(_) => "long",
            Value::Real(_) => "real",
            Value::DateTime(_) => "datetime",
            Value::TimeSpan(_) => "timespan",
            Value::Str(_) => "string",
            Value::Dynamic(j) => match &*j {
                Json::Array(_) => "array",
                Json::Object(_) => "dictionary",
                Json::String(_) => "string",
                Json::Bool(_) => "bool",
                Json::Number(n) if n.is_i64() => "long",
                _ => "real",
            },
        }),
        "tohex" => opt(a.long(0).map(|v| Value::str(format!("{v:x}")))),
        // ---- null and empty ----
        "isnull" => Value::Bool(a.arg(0).is_null()),
        "isnotnull" => Value::Bool(!a.arg(0).is_null()),
        "isempty" => Value::Bool(a.arg(0).is_empty()),
        "isnotempty" => Value::Bool(!a.arg(0).is_empty()),
        "not" => super::expr::not3(&a.arg(0)),
        "isnan" => opt(a.real(0).map(|x| Value::Bool(x.is_nan()))),
        "isinf" => opt(a.real(0).map(|x| Value::Bool(x.is_infinite()))),
        "isfinite" => opt(a.real(0).map(|x| Value::Bool(x.is_finite()))),
        _ => return Err(Fail::Unsupported),
    })
}
