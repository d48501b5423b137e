//! Scalar expressions over a table's rows: names, operators, `in`/`has_any`, member access.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::Value as Json;

use super::strings::{Matcher, terms};
use super::*;
use crate::kql::data::{ColumnBuilder, Data};

impl Ctx<'_> {
    /// Evaluates a scalar expression for every row of `row`.
    pub(super) fn eval(&mut self, e: &Expr, row: &Table) -> R<Vector> {
        match &e.kind {
            ExprKind::Literal(l) => Ok(literal(l)),
            ExprKind::Paren(inner) => self.eval(inner, row),
            ExprKind::Name(n) => self.name(&n.name, row, e.span),
            ExprKind::Named { value, .. } => self.eval(value, row),
            ExprKind::Call { func, args } => self.call(func, args, row, e.span),
            ExprKind::Member { target, name } => {
                let t = self.eval(target, row)?;
                Ok(map1(&t, row.len, Type::Dynamic, |v| member(v, &name.name)))
            }
            ExprKind::Index { target, index } => {
                let t = self.eval(target, row)?;
                let i = self.eval(index, row)?;
                Ok(map2(&t, &i, row.len, Type::Dynamic, index_value))
            }
            ExprKind::Unary { op, operand } => {
                let v = self.eval(operand, row)?;
                let ty = v.ty();
                Ok(match op {
                    UnaryOp::Plus => v,
                    UnaryOp::Neg => map1(&v, row.len, ty, |v| match v {
                        Value::Long(x) => Value::Long(x.wrapping_neg()),
                        Value::Real(x) => Value::Real(-x),
                        Value::TimeSpan(x) => Value::TimeSpan(-x),
                        Value::Dynamic(_) => match v.as_real() {
                            Some(r) => Value::Real(-r),
                            None => Value::Null,
                        },
                        _ => Value::Null,
                    }),
                })
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let a = self.eval(lhs, row)?;
                let b = self.eval(rhs, row)?;
                binary(*op, &a, &b, row.len).map_err(|m| EvalError::new(e.span, m))
            }
            ExprKind::Logical { op, terms } => self.logical(*op, terms, row),
            ExprKind::Between {
                negated,
                value,
                low,
                high,
            } => {
                let v = self.eval(value, row)?;
                let lo = self.eval(low, row)?;
                let hi = self.eval(high, row)?;
                let ge = binary(BinOp::Ge, &v, &lo, row.len).map_err(|m| EvalError::new(e.span, m))?;
                let le = binary(BinOp::Le, &v, &hi, row.len).map_err(|m| EvalError::new(e.span, m))?;
                let both = map2(&ge, &le, row.len, Type::Bool, |a, b| and3(&a, &b));
                Ok(if *negated {
                    map1(&both, row.len, Type::Bool, |v| not3(&v))
                } else {
                    both
                })
            }
            ExprKind::List { op, value, items } => self.list(*op, value, items, row, e.span),
            ExprKind::Star => Err(EvalError::new(
                e.span,
                "`*` is only allowed as an argument of some functions",
            )),
            ExprKind::Pipe { .. } | ExprKind::Source(_) | ExprKind::Pattern(_) => Err(EvalError::new(
                e.span,
                "a table is not a scalar: wrap it in toscalar(...) to use its first value",
            )),
            ExprKind::Input | ExprKind::Error => Err(EvalError::new(e.span, "this expression cannot be evaluated")),
        }
    }

    fn name(&mut self, name: &str, row: &Table, span: Span) -> R<Vector> {
        if let Some(c) = row.column(name) {
            return Ok(Vector::Col(c.clone()));
        }
        match self.lookup(name).cloned() {
            Some(Binding::Scalar(v)) => Ok(v),
            Some(Binding::Function(f)) if f.params.is_empty() => match self.call_function(&f, &[], row, span)? {
                Called::Scalar(v) => Ok(v),
                Called::Table(_) => Err(EvalError::new(span, format!("'{name}' is a table, not a scalar"))),
            },
            Some(_) => Err(EvalError::new(
                span,
                format!("'{name}' is a table, not a scalar: use toscalar({name}) or a column of it"),
            )),
            None => Err(EvalError::new(span, format!("the column '{name}' does not exist here"))),
        }
    }

    fn logical(&mut self, op: LogicOp, terms: &[Expr], row: &Table) -> R<Vector> {
        let mut acc: Option<Vector> = None;
        for t in terms {
            let v = self.eval(t, row)?;
            acc = Some(match acc {
                None => v,
                Some(a) => match op {
                    LogicOp::And => map2(&a, &v, row.len, Type::Bool, |x, y| and3(&x, &y)),
                    LogicOp::Or => map2(&a, &v, row.len, Type::Bool, |x, y| or3(&x, &y)),
                },
            });
        }
        Ok(acc.unwrap_or(Vector::Const(Value::Bool(op == LogicOp::And), Type::Bool)))
    }

    /// The rows where a predicate is true (null and false drop the row).
    pub(super) fn predicate_rows(&mut self, e: &Expr, row: &Table) -> R<Vec<u32>> {
        // `a and b and c`: each term narrows the rows the next one sees.
        if let ExprKind::Logical {
            op: LogicOp::And,
            terms,
        } = &e.kind
            && terms.len() > 1
        {
            // `rows`: the input rows `current` holds; `keep`: which of them are still true.
            // A term that drops most rows narrows the table the next terms see; otherwise the
            // next term runs on the same table and the results are combined (copying a table
            // to drop a few rows costs more than testing them).
            let mut rows: Vec<u32> = (0..row.len as u32).collect();
            let mut current: Option<Table> = None;
            let mut keep: Option<Vec<bool>> = None;
            for t in terms {
                let input = current.as_ref().unwrap_or(row);
                let v = self.eval(t, input)?;
                let mut mask = keep.take().unwrap_or_else(|| vec![true; input.len]);
                for i in true_rows_not(&v, input.len) {
                    mask[i as usize] = false;
                }
                let kept = mask.iter().filter(|k| **k).count();
                if kept * 4 < input.len || kept == 0 {
                    let local: Vec<u32> = (0..input.len as u32).filter(|&i| mask[i as usize]).collect();
                    rows = local.iter().map(|&k| rows[k as usize]).collect();
                    current = Some(row.gather(&rows));
                    if rows.is_empty() {
                        return Ok(rows);
                    }
                } else {
                    keep = Some(mask);
                }
            }
            return Ok(match keep {
                Some(mask) => rows.into_iter().zip(mask).filter(|(_, k)| *k).map(|(r, _)| r).collect(),
                None => rows,
            });
        }
        let v = self.eval(e, row)?;
        Ok(true_rows(&v, row.len))
    }

    fn list(&mut self, op: ListOp, value: &Expr, items: &[Expr], row: &Table, span: Span) -> R<Vector> {
        let v = self.eval(value, row)?;
        let mut values = Vec::new();
        for item in items {
            if self.is_tabular(item) {
                let t = self.tabular(item)?;
                if let Some(c) = t.columns.first() {
                    values.extend((0..t.len).map(|r| c.get(r)));
                }
                continue;
            }
            match self.eval(item, &Table::default())? {
                Vector::Const(Value::Dynamic(j), _) => match &*j {
                    Json::Array(a) => values.extend(a.iter().map(|x| Value::from_json(x, json_scalar_type(x)))),
                    other => values.push(Value::from_json(other, json_scalar_type(other))),
                },
                Vector::Const(x, _) => values.push(x),
                Vector::Col(c) => {
                    // A column in an `in` list: only meaningful row by row.
                    let _ = c;
                    return Err(EvalError::unsupported(span, "a column inside an `in` list"));
                }
            }
        }
        match op {
            ListOp::In { ci, negated } => {
                let test = InSet::new(&values, ci);
                Ok(string_predicate(
                    &v,
                    row.len,
                    |s| test.contains_str(s) != negated,
                    |x| {
                        if x.is_null() {
                            return Value::Null;
                        }
                        Value::Bool(test.contains(x) != negated)
                    },
                ))
            }
            ListOp::HasAny | ListOp::HasAll => {
                let all = op == ListOp::HasAll;
                let needles: Vec<String> = values.iter().map(Value::to_text).collect();
                let test = HasAny::new(&needles);
                Ok(string_predicate(
                    &v,
                    row.len,
                    |s| test.test(s, all),
                    |x| Value::Bool(test.test(&x.to_text(), all)),
                ))
            }
        }
    }
}

/// A literal's value.
pub(super) fn literal(l: &Literal) -> Vector {
    let (v, t) = match l {
        Literal::Null => (Value::Null, Type::Unknown),
        Literal::Bool(b) => (b.map_or(Value::Null, Value::Bool), Type::Bool),
        Literal::Int(i) => (i.map_or(Value::Null, |i| Value::Long(i64::from(i))), Type::Int),
        Literal::Long(i) => (i.map_or(Value::Null, Value::Long), Type::Long),
        Literal::Real(r) => (r.map_or(Value::Null, Value::Real), Type::Real),
        Literal::Decimal(d) => (
            d.as_deref()
                .and_then(|d| d.parse::<f64>().ok())
                .map_or(Value::Null, Value::Real),
            Type::Real,
        ),
        Literal::Str(s) => (Value::str(s.as_str()), Type::String),
        Literal::DateTime(d) => (
            d.map_or(Value::Null, |(s, n)| Value::DateTime(crate::kql::value::ticks(s, n))),
            Type::DateTime,
        ),
        Literal::TimeSpan(t) => (t.map_or(Value::Null, Value::TimeSpan), Type::TimeSpan),
        Literal::Guid(g) => (g.as_deref().map_or(Value::str(""), Value::str), Type::Guid),
        Literal::Dynamic(j) => (Value::dynamic(j.clone()), Type::Dynamic),
        Literal::Type(t) => (Value::Null, *t),
    };
    Vector::Const(v, t)
}

/// The type a JSON value in a dynamic list is compared as.
fn json_scalar_type(j: &Json) -> Type {
    match j {
        Json::String(_) => Type::String,
        Json::Bool(_) => Type::Bool,
        Json::Number(n) if n.is_i64() => Type::Long,
        Json::Number(_) => Type::Real,
        _ => Type::Dynamic,
    }
}

/// `x.name` on a dynamic value.
pub(super) fn member(v: Value, name: &str) -> Value {
    match v {
        Value::Dynamic(j) => match &*j {
            Json::Object(m) => m.get(name).cloned().map_or(Value::Null, Value::dynamic),
            _ => Value::Null,
        },
        _ => Value::Null,
    }
}

/// `x[i]` / `x["key"]` on a dynamic value (a negative index counts from the end).
pub(super) fn index_value(v: Value, i: Value) -> Value {
    let Value::Dynamic(j) = v else { return Value::Null };
    match (&*j, &i) {
        (Json::Array(a), _) => match i.as_long() {
            Some(k) => {
                let k = if k < 0 { a.len() as i64 + k } else { k };
                usize::try_from(k)
                    .ok()
                    .and_then(|k| a.get(k))
                    .cloned()
                    .map_or(Value::Null, Value::dynamic)
            }
            None => Value::Null,
        },
        (Json::Object(m), Value::Str(k)) => m.get(&**k).cloned().map_or(Value::Null, Value::dynamic),
        _ => Value::Null,
    }
}

pub(super) fn and3(a: &Value, b: &Value) -> Value {
    match (a.as_bool(), b.as_bool()) {
        (Some(false), _) | (_, Some(false)) => Value::Bool(false),
        (Some(true), Some(true)) => Value::Bool(true),
        _ => Value::Null,
    }
}

pub(super) fn or3(a: &Value, b: &Value) -> Value {
    match (a.as_bool(), b.as_bool()) {
        (Some(true), _) | (_, Some(true)) => Value::Bool(true),
        (Some(false), Some(false)) => Value::Bool(false),
        _ => Value::Null,
    }
}

pub(super) fn not3(a: &Value) -> Value {
    a.as_bool().map_or(Value::Null, |b| Value::Bool(!b))
}

/// The rows of a boolean vector that are true.
pub(super) fn true_rows(v: &Vector, len: usize) -> Vec<u32> {
    match v {
        Vector::Const(x, _) => {
            if x.as_bool() == Some(true) {
                (0..len as u32).collect()
            } else {
                Vec::new()
            }
        }
        Vector::Col(c) => match &c.data {
            Data::Bool(b) => b
                .iter()
                .enumerate()
                .filter(|(_, x)| **x == Some(true))
                .map(|(i, _)| i as u32)
                .collect(),
            _ => (0..len)
                .filter(|&i| c.get(i).as_bool() == Some(true))
                .map(|i| i as u32)
                .collect(),
        },
    }
}

/// The rows of a boolean vector that are not true (false or null).
fn true_rows_not(v: &Vector, len: usize) -> Vec<u32> {
    match v {
        Vector::Col(c) if matches!(c.data, Data::Bool(_)) => {
            let Data::Bool(b) = &c.data else { unreachable!() };
            b.iter()
                .enumerate()
                .filter(|(_, x)| **x != Some(true))
                .map(|(i, _)| i as u32)
                .collect()
        }
        other => {
            let yes = true_rows(other, len);
            let mut is = vec![false; len];
            yes.iter().for_each(|&i| is[i as usize] = true);
            (0..len as u32).filter(|&i| !is[i as usize]).collect()
        }
    }
}

/// Applies `f` to every row (once for a constant).
pub(super) fn map1(v: &Vector, len: usize, ty: Type, f: impl Fn(Value) -> Value) -> Vector {
    match v {
        Vector::Const(x, _) => Vector::Const(f(x.clone()), ty),
        Vector::Col(c) => {
            let mut b = ColumnBuilder::new(ty, len);
            for r in 0..len {
                b.push(f(c.get(r)));
            }
            Vector::Col(Arc::new(b.finish()))
        }
    }
}

pub(super) fn map2(a: &Vector, b: &Vector, len: usize, ty: Type, f: impl Fn(Value, Value) -> Value) -> Vector {
    if let (Vector::Const(x, _), Vector::Const(y, _)) = (a, b) {
        return Vector::Const(f(x.clone(), y.clone()), ty);
    }
    let mut out = ColumnBuilder::new(ty, len);
    for r in 0..len {
        out.push(f(a.get(r), b.get(r)));
    }
    Vector::Col(Arc::new(out.finish()))
}

/// A boolean over strings: decided once per distinct string on a string column, else per row.
pub(super) fn string_predicate(
    v: &Vector,
    len: usize,
    on_str: impl Fn(&str) -> bool + Sync,
    other: impl Fn(&Value) -> Value,
) -> Vector {
    match v {
        Vector::Const(x, _) => Vector::Const(
            match x {
                Value::Str(s) => Value::Bool(on_str(s)),
                x => other(x),
            },
            Type::Bool,
        ),
        Vector::Col(c) => match &c.data {
            Data::Str(s) => {
                let out: Vec<Option<bool>> = if s.per_entry() {
                    let hits: Vec<bool> = (0..s.dict.len() as u32).map(|code| on_str(s.dict.get(code))).collect();
                    s.codes.iter().map(|&c| Some(hits[c as usize])).collect()
                } else {
                    s.codes.iter().map(|&c| Some(on_str(s.dict.get(c)))).collect()
                };
                bool_column(out)
            }
            _ => {
                let out: Vec<Option<bool>> = (0..len).map(|r| other(&c.get(r)).as_bool()).collect();
                bool_column(out)
            }
        },
    }
}

pub(super) fn bool_column(v: Vec<Option<bool>>) -> Vector {
    Vector::Col(Arc::new(Column {
        ty: Type::Bool,
        data: Data::Bool(v),
    }))
}

/// The values of an `in` list, for membership tests.
struct InSet {
    ci: bool,
    strings: HashSet<String>,
    others: Vec<Value>,
}

impl InSet {
    fn new(values: &[Value], ci: bool) -> InSet {
        let mut strings = HashSet::new();
        let mut others = Vec::new();
        for v in values {
            match v {
                Value::Str(s) => {
                    strings.insert(if ci { s.to_lowercase() } else { s.to_string() });
                }
                Value::Null => {}
                other => {
                    others.push(other.clone());
                    strings.insert(if ci {
                        other.to_text().to_lowercase()
                    } else {
                        other.to_text()
                    });
                }
            }
        }
        InSet { ci, strings, others }
    }

    fn contains_str(&self, s: &str) -> bool {
        if self.ci {
            self.strings.contains(&s.to_lowercase())
        } else {
            self.strings.contains(s)
        }
    }

    fn contains(&self, v: &Value) -> bool {
        match v {
            Value::Str(s) => self.contains_str(s),
            Value::Dynamic(j) if j.is_string() => self.contains_str(j.as_str().unwrap_or_default()),
            v => {
                self.others.iter().any(|o| v.equals(o) == Some(true))
                    || (self.others.is_empty() && self.contains_str(&v.to_text()))
            }
        }
    }
}

/// `has_any` / `has_all` needles: whole terms looked up in a set, phrases matched one by one.
struct HasAny {
    words: Vec<String>,
    phrases: Vec<Matcher>,
    set: HashSet<String>,
}

impl HasAny {
    fn new(needles: &[String]) -> HasAny {
        let mut words = Vec::new();
        let mut phrases = Vec::new();
        for n in needles {
            if !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric()) {
                words.push(n.to_ascii_lowercase());
            } else if let Ok(m) = Matcher::new(
                StrOp {
                    kind: StrKind::Has,
                    cs: false,
                    negated: false,
                },
                n,
            ) {
                phrases.push(m);
            }
        }
        let set = words.iter().cloned().collect();
        HasAny { words, phrases, set }
    }

    fn test(&self, s: &str, all: bool) -> bool {
        if all {
            let found: HashSet<String> = terms(s).map(str::to_ascii_lowercase).collect();
            self.words.iter().all(|w| found.contains(w)) && self.phrases.iter().all(|p| p.test(s))
        } else {
            terms(s).any(|t| {
                if t.bytes().any(|b| b.is_ascii_uppercase()) {
                    self.set.contains(&t.to_ascii_lowercase())
                } else {
                    self.set.contains(t)
                }
            }) || self.phrases.iter().any(|p| p.test(s))
        }
    }
}

/// A binary operator on two vectors.
pub(super) fn binary(op: BinOp, a: &Vector, b: &Vector, len: usize) -> Result<Vector, String> {
    let cmp = matches!(
        op,
        BinOp::Eq
            | BinOp::Ne
            | BinOp::Lt
            | BinOp::Le
            | BinOp::Gt
            | BinOp::Ge
            | BinOp::EqCi
            | BinOp::NeCi
            | BinOp::Str(_)
    );
    if let (Vector::Const(x, _), Vector::Const(y, _)) = (a, b) {
        let ty = if cmp {
            Type::Bool
        } else {
            arith_type(op, a.ty(), b.ty(), x, y)
        };
        return Ok(Vector::Const(binary_value(op, x, y)?, ty));
    }
    // A string column against a constant: decided per distinct string.
    if let (Vector::Col(c), Vector::Const(y, _)) = (a, b)
        && matches!(c.data, Data::Str(_))
        && !y.is_null()
        && matches!(op, BinOp::Eq | BinOp::Ne | BinOp::EqCi | BinOp::NeCi | BinOp::Str(_))
    {
        let needle = y.to_text();
        let test: Box<dyn Fn(&str) -> bool + Sync> = match op {
            BinOp::Eq => Box::new(move |s: &str| s == needle),
            BinOp::Ne => Box::new(move |s: &str| s != needle),
            BinOp::EqCi | BinOp::NeCi => {
                let lower = needle.to_lowercase();
                let eq = op == BinOp::EqCi;
                Box::new(move |s: &str| eq_ci(s, &lower) == eq)
            }
            BinOp::Str(sop) => {
                let m = Matcher::new(sop, &needle)?;
                if let Data::Str(s) = &c.data
                    && s.per_entry()
                {
                    let hits = m.test_dict(&s.dict);
                    return Ok(bool_column(s.codes.iter().map(|&c| Some(hits[c as usize])).collect()));
                }
                Box::new(move |s: &str| m.test(s))
            }
            _ => unreachable!("filtered above"),
        };
        return Ok(string_predicate(a, len, test, |_| Value::Null));
    }
    // A number, datetime or timespan column against a constant of its kind.
    if let (Vector::Col(c), Vector::Const(y, _)) = (a, b)
        && let Data::Long(xs) = &c.data
        && matches!(
            op,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
        && let Some(k) = long_const(c.ty, y)
    {
        let f = |x: i64| match op {
            BinOp::Eq => x == k,
            BinOp::Ne => x != k,
            BinOp::Lt => x < k,
            BinOp::Le => x <= k,
            BinOp::Gt => x > k,
            _ => x >= k,
        };
        return Ok(bool_column(xs.iter().map(|x| x.map(f)).collect()));
    }
    if let (Vector::Const(x, _), Vector::Col(c)) = (a, b)
        && let BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::EqCi | BinOp::NeCi = op
    {
        // Flip the constant to the right.
        let flipped = match op {
            BinOp::Lt => BinOp::Gt,
            BinOp::Le => BinOp::Ge,
            BinOp::Gt => BinOp::Lt,
            BinOp::Ge => BinOp::Le,
            other => other,
        };
        return binary(flipped, &Vector::Col(c.clone()), &Vector::Const(x.clone(), a.ty()), len);
    }
    let ty = if cmp {
        Type::Bool
    } else {
        arith_type(op, a.ty(), b.ty(), &first_value(a, len), &first_value(b, len))
    };
    let mut out = ColumnBuilder::new(ty, len);
    let matcher = match (op, b) {
        (BinOp::Str(sop), Vector::Const(y, _)) => Some(Matcher::new(sop, &y.to_text())?),
        _ => None,
    };
    for r in 0..len {
        let (x, y) = (a.get(r), b.get(r));
        let v = match (&matcher, op) {
            (Some(m), _) => match x {
                Value::Null => Value::Null,
                x => Value::Bool(m.test(&x.to_text())),
            },
            _ => binary_value(op, &x, &y)?,
        };
        out.push(v);
    }
    Ok(Vector::Col(Arc::new(out.finish())))
}

fn first_value(v: &Vector, len: usize) -> Value {
    match v {
        Vector::Const(x, _) => x.clone(),
        Vector::Col(c) => (0..len).map(|r| c.get(r)).find(|x| !x.is_null()).unwrap_or(Value::Null),
    }
}

/// A constant as the stored integer of a column of type `ty` (ticks for datetimes/timespans).
fn long_const(ty: Type, v: &Value) -> Option<i64> {
    match (ty, v) {
        (Type::Int | Type::Long, Value::Long(k)) => Some(*k),
        (Type::DateTime, Value::DateTime(k)) | (Type::TimeSpan, Value::TimeSpan(k)) => Some(*k),
        _ => None,
    }
}

fn eq_ci(s: &str, lower: &str) -> bool {
    if s.is_ascii() && lower.is_ascii() {
        s.eq_ignore_ascii_case(lower)
    } else {
        s.to_lowercase() == lower
    }
}

/// The type of an arithmetic result.
fn arith_type(op: BinOp, a: Type, b: Type, x: &Value, y: &Value) -> Type {
    use Type::*;
    let a = if a == Unknown || a == Dynamic {
        dyn_num_type(x)
    } else {
        a
    };
    let b = if b == Unknown || b == Dynamic {
        dyn_num_type(y)
    } else {
        b
    };
    match (a, b, op) {
        (DateTime, DateTime, BinOp::Sub) => TimeSpan,
        (DateTime, TimeSpan, _) | (TimeSpan, DateTime, BinOp::Add) => DateTime,
        (TimeSpan, TimeSpan, BinOp::Div) => Real,
        (TimeSpan, _, _) | (_, TimeSpan, BinOp::Mul) => TimeSpan,
        (Real | Decimal, _, _) | (_, Real | Decimal, _) => Real,
        (Int, Int, _) => Int,
        _ => Long,
    }
}

fn dyn_num_type(v: &Value) -> Type {
    match v {
        Value::Dynamic(j) => match &**j {
            Json::Number(n) if n.is_i64() => Type::Long,
            Json::Number(_) => Type::Real,
            Json::String(s) if crate::kql::value::parse_datetime_ticks(s).is_some() => Type::DateTime,
            _ => Type::Long,
        },
        other => other.ty(),
    }
}

/// A binary operator on two values.
pub(super) fn binary_value(op: BinOp, x: &Value, y: &Value) -> Result<Value, String> {
    Ok(match op {
        BinOp::Eq => x.equals(y).map_or(Value::Null, Value::Bool),
        BinOp::Ne => x.equals(y).map_or(Value::Null, |e| Value::Bool(!e)),
        BinOp::EqCi | BinOp::NeCi => {
            if x.is_null() || y.is_null() {
                Value::Null
            } else {
                Value::Bool(eq_ci(&x.to_text(), &y.to_text().to_lowercase()) == (op == BinOp::EqCi))
            }
        }
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => match x.compare(y) {
            None => Value::Null,
            Some(o) => Value::Bool(match op {
                BinOp::Lt => o.is_lt(),
                BinOp::Le => o.is_le(),
                BinOp::Gt => o.is_gt(),
                _ => o.is_ge(),
            }),
        },
        BinOp::Str(sop) => {
            if x.is_null() {
                Value::Null
            } else {
                Value::Bool(Matcher::new(sop, &y.to_text())?.test(&x.to_text()))
            }
        }
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => arith(op, x, y),
    })
}

fn numeric(v: &Value) -> Value {
    match v {
        Value::Dynamic(j) => match &**j {
            Json::Number(n) => match n.as_i64() {
                Some(i) => Value::Long(i),
                None => n.as_f64().map_or(Value::Null, Value::Real),
            },
            Json::String(s) => crate::kql::value::parse_datetime_ticks(s)
                .map(Value::DateTime)
                .or_else(|| crate::kql::value::parse_real(s).map(Value::Real))
                .unwrap_or(Value::Null),
            _ => Value::Null,
        },
        Value::Bool(b) => Value::Long(i64::from(*b)),
        other => other.clone(),
    }
}

fn arith(op: BinOp, x: &Value, y: &Value) -> Value {
    use Value::*;
    let (x, y) = (numeric(x), numeric(y));
    match (&x, &y) {
        (Null, _) | (_, Null) => Null,
        (Long(a), Long(b)) => match op {
            BinOp::Add => Long(a.wrapping_add(*b)),
            BinOp::Sub => Long(a.wrapping_sub(*b)),
            BinOp::Mul => Long(a.wrapping_mul(*b)),
            BinOp::Div => a.checked_div(*b).map_or(Null, Long),
            _ => a.checked_rem(*b).map_or(Null, Long),
        },
        (DateTime(a), DateTime(b)) if op == BinOp::Sub => TimeSpan(a - b),
        (DateTime(a), TimeSpan(b)) => match op {
            BinOp::Add => DateTime(a + b),
            BinOp::Sub => DateTime(a - b),
            _ => Null,
        },
        (TimeSpan(a), DateTime(b)) if op == BinOp::Add => DateTime(a + b),
        (TimeSpan(a), TimeSpan(b)) => match op {
            BinOp::Add => TimeSpan(a + b),
            BinOp::Sub => TimeSpan(a - b),
            BinOp::Div if *b != 0 => Real(*a as f64 / *b as f64),
            BinOp::Mod if *b != 0 => TimeSpan(a % b),
            _ => Null,
        },
        (TimeSpan(a), n @ (Long(_) | Real(_))) => {
            let k = n.as_real().unwrap_or(f64::NAN);
            match op {
                BinOp::Mul => TimeSpan((*a as f64 * k) as i64),
                BinOp::Div if k != 0.0 => TimeSpan((*a as f64 / k) as i64),
                _ => Null,
            }
        }
        (n @ (Long(_) | Real(_)), TimeSpan(b)) if op == BinOp::Mul => {
            TimeSpan((n.as_real().unwrap_or(f64::NAN) * *b as f64) as i64)
        }
        (Long(_) | Real(_), Long(_) | Real(_)) => {
            let (a, b) = (x.as_real().unwrap_or(f64::NAN), y.as_real().unwrap_or(f64::NAN));
            Real(match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
                _ => a % b,
            })
        }
        _ => Null,
    }
}
