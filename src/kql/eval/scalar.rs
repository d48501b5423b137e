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

/// .NET's ticks from 0001-01-01 to the Unix epoch: Kusto bins datetimes on .NET ticks.
const NET_EPOCH_TICKS: i64 = 621_355_968_000_000_000;

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

/// A Kusto regex rewrite (`\1`) in Rust's syntax (`${1}`).
fn rewrite(r: &str) -> String {
    let mut out = String::new();
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(char::is_ascii_digit) => {
                let d = chars.next().unwrap_or('0');
                out.push_str(&format!("${{{d}}}"));
            }
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out
}

fn chars_substring(s: &str, start: i64, len: Option<i64>) -> String {
    let n = s.chars().count() as i64;
    let start = if start < 0 { (n + start).max(0) } else { start.min(n) };
    let len = len.unwrap_or(n - start).max(0);
    s.chars().skip(start as usize).take(len as usize).collect()
}

fn datetime_parts(t: i64) -> Option<chrono::DateTime<Utc>> {
    let secs = t.div_euclid(TICKS_PER_SECOND);
    let nanos = (t.rem_euclid(TICKS_PER_SECOND) * 100) as u32;
    chrono::DateTime::from_timestamp(secs, nanos)
}

fn from_chrono(d: chrono::DateTime<Utc>) -> i64 {
    crate::kql::value::ticks(d.timestamp(), d.timestamp_subsec_nanos())
}

fn start_of(unit: &str, t: i64, offset: i64) -> Option<i64> {
    let d = datetime_parts(t)?;
    let day = Utc.with_ymd_and_hms(d.year(), d.month(), d.day(), 0, 0, 0).single()?;
    let out = match unit {
        "day" => day + chrono::Duration::days(offset),
        "week" => {
            day - chrono::Duration::days(i64::from(d.weekday().num_days_from_sunday()))
                + chrono::Duration::weeks(offset)
        }
        "month" => add_months(Utc.with_ymd_and_hms(d.year(), d.month(), 1, 0, 0, 0).single()?, offset)?,
        "year" => Utc.with_ymd_and_hms(d.year() + offset as i32, 1, 1, 0, 0, 0).single()?,
        _ => return None,
    };
    Some(from_chrono(out))
}

fn add_months(d: chrono::DateTime<Utc>, months: i64) -> Option<chrono::DateTime<Utc>> {
    if months >= 0 {
        d.checked_add_months(chrono::Months::new(u32::try_from(months).ok()?))
    } else {
        d.checked_sub_months(chrono::Months::new(u32::try_from(-months).ok()?))
    }
}

fn part_ticks(part: &str) -> Option<i64> {
    Some(match part {
        "day" | "days" | "d" => TICKS_PER_DAY,
        "hour" | "hours" | "h" => 3600 * TICKS_PER_SECOND,
        "minute" | "minutes" | "m" => 60 * TICKS_PER_SECOND,
        "second" | "seconds" | "s" => TICKS_PER_SECOND,
        "millisecond" | "milliseconds" | "ms" => 10_000,
        "microsecond" | "microseconds" => 10,
        "nanosecond" | "nanoseconds" => 1,
        "week" | "weeks" => 7 * TICKS_PER_DAY,
        _ => return None,
    })
}

fn datetime_diff(part: &str, a: i64, b: i64) -> Option<i64> {
    let (da, db) = (datetime_parts(a)?, datetime_parts(b)?);
    Some(match part {
        "year" => i64::from(da.year() - db.year()),
        "quarter" => i64::from(da.year() - db.year()) * 4 + (i64::from(da.month0() / 3) - i64::from(db.month0() / 3)),
        "month" => i64::from(da.year() - db.year()) * 12 + (i64::from(da.month()) - i64::from(db.month())),
        "week" => (start_of("week", a, 0)? - start_of("week", b, 0)?) / (7 * TICKS_PER_DAY),
        "nanosecond" => (a - b) * 100,
        p => {
            let unit = part_ticks(p)?;
            a.div_euclid(unit) - b.div_euclid(unit)
        }
    })
}

fn datetime_add(part: &str, n: i64, t: i64) -> Option<i64> {
    let d = datetime_parts(t)?;
    Some(match part {
        "year" => from_chrono(add_months(d, n * 12)?),
        "quarter" => from_chrono(add_months(d, n * 3)?),
        "month" => from_chrono(add_months(d, n)?),
        "nanosecond" => t + n / 100,
        p => t + n * part_ticks(p)?,
    })
}

/// Kusto's `format_datetime` specifiers (`yyyy-MM-dd HH:mm:ss.fff`, `tt`, ...).
fn format_datetime_with(t: i64, fmt: &str) -> Option<String> {
    let d = datetime_parts(t)?;
    let frac = t.rem_euclid(TICKS_PER_SECOND);
    let mut out = String::new();
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        // `M` is 1-12, `MM` 01-12 (and the same for d, H, h, m, s).
        let pad = |v: u32| if n == 1 { v.to_string() } else { format!("{v:02}") };
        match c {
            'y' => out.push_str(&match n {
                1 => (d.year() % 100).to_string(),
                2 => format!("{:02}", d.year() % 100),
                _ => format!("{:0width$}", d.year(), width = n),
            }),
            'M' => out.push_str(&pad(d.month())),
            'd' => out.push_str(&pad(d.day())),
            'H' => out.push_str(&pad(d.hour())),
            'h' => out.push_str(&pad((d.hour() + 11) % 12 + 1)),
            'm' => out.push_str(&pad(d.minute())),
            's' => out.push_str(&pad(d.second())),
            'f' | 'F' => {
                let digits = format!("{frac:07}");
                let part = &digits[..n.min(7)];
                if c == 'F' {
                    out.push_str(part.trim_end_matches('0'));
                } else {
                    out.push_str(part);
                }
            }
            't' => out.push_str(if d.hour() < 12 { "AM" } else { "PM" }),
            other => {
                for _ in 0..n {
                    out.push(other);
                }
            }
        }
        i += n;
    }
    Some(out)
}

fn ipv4(s: &str) -> Option<u32> {
    let s = s.trim();
    let (addr, _) = s.split_once('/').unwrap_or((s, ""));
    addr.parse::<std::net::Ipv4Addr>().ok().map(u32::from)
}

fn ipv4_range(s: &str) -> Option<(u32, u32)> {
    let (addr, bits) = match s.trim().split_once('/') {
        Some((a, b)) => (a, b.trim().parse::<u32>().ok()?),
        None => (s.trim(), 32),
    };
    if bits > 32 {
        return None;
    }
    let a = ipv4(addr)?;
    let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
    Some((a & mask, mask))
}

fn ipv4_is_private(s: &str) -> Option<bool> {
    let a = ipv4(s)?;
    Some(
        ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
            .iter()
            .any(|r| ipv4_range(r).is_some_and(|(net, mask)| a & mask == net)),
    )
}

/// `parse_url`: Kusto's bag of URL parts.
fn parse_url(s: &str) -> Json {
    let Some((scheme, rest)) = s.split_once("://") else {
        return json!({});
    };
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (u, h),
        None => ("", authority),
    };
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p))
            if p.chars().all(|c| c.is_ascii_digit()) && !h.ends_with(']')
                || hostport.starts_with('[') && hostport.contains("]:") =>
        {
            (h, p)
        }
        _ => (hostport, ""),
    };
    let mut params = Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        params.insert(k.to_string(), Json::String(v.to_string()));
    }
    json!({
        "Scheme": scheme, "Host": host, "Port": port, "Path": path, "Username": user,
        "Password": password, "Query Parameters": params, "Fragment": fragment,
    })
}

/// `parse_path`: a file path's parts.
fn parse_path(s: &str) -> Json {
    let (scheme, rest) = match s.split_once("://") {
        Some((a, b)) => (a, b),
        None => ("", s),
    };
    let sep = |c: char| c == '\\' || c == '/';
    let (dir, file) = match rest.rfind(sep) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => ("", rest),
    };
    let (file, stream) = match file.split_once(':') {
        Some((f, st)) => (f, st),
        None => (file, ""),
    };
    let root = if rest.len() >= 2 && rest.as_bytes()[1] == b':' {
        &rest[..2]
    } else {
        ""
    };
    let dir_name = dir.rsplit(sep).next().unwrap_or("");
    let ext = file.rsplit_once('.').map_or("", |(_, e)| e);
    json!({
        "Scheme": scheme, "RootPath": root, "DirectoryPath": dir, "DirectoryName": dir_name,
        "Filename": file, "Extension": ext, "AlternateDataStreamName": stream,
    })
}

/// `parse_command_line(cmd, "windows")`: arguments as CommandLineToArgvW splits them.
fn parse_command_line(s: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut has = false;
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let mut n = 0;
                while i < chars.len() && chars[i] == '\\' {
                    n += 1;
                    i += 1;
                }
                if i < chars.len() && chars[i] == '"' {
                    cur.extend(std::iter::repeat_n('\\', n / 2));
                    if n % 2 == 1 {
                        cur.push('"');
                        i += 1;
                    }
                } else {
                    cur.extend(std::iter::repeat_n('\\', n));
                }
                has = true;
                continue;
            }
            '"' => {
                in_quotes = !in_quotes;
                has = true;
            }
            c if c.is_whitespace() && !in_quotes => {
                if has {
                    args.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            c => {
                cur.push(c);
                has = true;
            }
        }
        i += 1;
    }
    if has {
        args.push(cur);
    }
    args
}

/// `extractjson("$.a.b[0]", json)`: a JSONPath of members and indexes.
fn json_path<'j>(path: &str, j: &'j Json) -> Option<&'j Json> {
    let mut cur = j;
    let p = path.trim().strip_prefix('$')?;
    let mut rest = p;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            cur = cur.get(&r[..end])?;
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let key = r[..end].trim();
            cur = if let Some(k) = key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')) {
                cur.get(k)?
            } else if let Some(k) = key.strip_prefix('"').and_then(|k| k.strip_suffix('"')) {
                cur.get(k)?
            } else {
                cur.get(key.parse::<usize>().ok()?)?
            };
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(cur)
}

fn set_op(name: &str, arrays: &[Vec<Json>]) -> Json {
    let mut out: Vec<Json> = Vec::new();
    match name {
        "set_union" => {
            for a in arrays {
                for x in a {
                    if !out.contains(x) {
                        out.push(x.clone());
                    }
                }
            }
        }
        "set_intersect" => {
            if let Some(first) = arrays.first() {
                for x in first {
                    if arrays[1..].iter().all(|a| a.contains(x)) && !out.contains(x) {
                        out.push(x.clone());
                    }
                }
            }
        }
        _ => {
            if let Some(first) = arrays.first() {
                for x in first {
                    if !arrays[1..].iter().any(|a| a.contains(x)) && !out.contains(x) {
                        out.push(x.clone());
                    }
                }
            }
        }
    }
    Json::Array(out)
}

fn sort_json(a: &mut [Json], desc: bool) {
    a.sort_by(|x, y| {
        let (vx, vy) = (Value::dynamic(x.clone()), Value::dynamic(y.clone()));
        let o = match (x, y) {
            (Json::Number(_), Json::Number(_)) => vx
                .as_real()
                .partial_cmp(&vy.as_real())
                .unwrap_or(std::cmp::Ordering::Equal),
            _ => vx.to_text().cmp(&vy.to_text()),
        };
        if desc { o.reverse() } else { o }
    });
}

fn round_to(x: f64, digits: i64) -> f64 {
    let m = 10f64.powi(digits as i32);
    (x * m).round() / m
}

/// `bin(value, size)` on numbers, datetimes (on .NET ticks, as Kusto) and timespans.
pub(super) fn bin(v: &Value, size: &Value) -> Value {
    match (v, size) {
        (Value::Null, _) | (_, Value::Null) => Value::Null,
        (Value::DateTime(t), s) => match s.as_timespan().filter(|s| *s > 0) {
            Some(s) => Value::DateTime((t + NET_EPOCH_TICKS).div_euclid(s) * s - NET_EPOCH_TICKS),
            None => Value::Null,
        },
        (Value::TimeSpan(t), s) => match s.as_timespan().filter(|s| *s > 0) {
            Some(s) => Value::TimeSpan(t.div_euclid(s) * s),
            None => Value::Null,
        },
        (Value::Long(x), Value::Long(s)) if *s > 0 => Value::Long(x.div_euclid(*s) * s),
        (x, s) => match (x.as_real(), s.as_real()) {
            (Some(x), Some(s)) if s > 0.0 => Value::Real((x / s).floor() * s),
            _ => Value::Null,
        },
    }
}

/// Every function evaluated on values.
fn call_values(funcs: &mut Funcs, name: &str, a: &[Value]) -> F {
    let arg = |i: usize| a.get(i).cloned().unwrap_or(Value::Null);
    let s = |i: usize| a.get(i).map(text).unwrap_or_default();
    let long = |i: usize| a.get(i).and_then(Value::as_long);
    let real = |i: usize| a.get(i).and_then(Value::as_real);
    let dt = |i: usize| a.get(i).and_then(Value::as_datetime);
    let opt = |o: Option<Value>| o.unwrap_or(Value::Null);
    Ok(match name {
        // ---- time ----
        "now" => Value::DateTime(funcs.now + arg(0).as_timespan().unwrap_or(0)),
        "ago" => match arg(0).as_timespan() {
            Some(t) => Value::DateTime(funcs.now - t),
            None => Value::Null,
        },
        "datetime" | "todatetime" => opt(arg(0).as_datetime().map(Value::DateTime)),
        "totimespan" | "time" | "timespan" => opt(arg(0).as_timespan().map(Value::TimeSpan)),
        "bin" | "floor" => bin(&arg(0), &arg(1)),
        "bin_at" => {
            let (v, size, at) = (arg(0), arg(1), arg(2));
            match (&v, &at) {
                (Value::DateTime(t), Value::DateTime(f)) => match size.as_timespan().filter(|s| *s > 0) {
                    Some(s) => Value::DateTime((t - f).div_euclid(s) * s + f),
                    None => Value::Null,
                },
                _ => match (v.as_real(), size.as_real(), at.as_real()) {
                    (Some(x), Some(s), Some(f)) if s > 0.0 => Value::Real(((x - f) / s).floor() * s + f),
                    _ => Value::Null,
                },
            }
        }
        "startofday" | "startofweek" | "startofmonth" | "startofyear" => {
            let unit = &name[7..];
            opt(dt(0)
                .and_then(|t| start_of(unit, t, long(1).unwrap_or(0)))
                .map(Value::DateTime))
        }
        "endofday" | "endofweek" | "endofmonth" | "endofyear" => {
            let unit = &name[5..];
            opt(dt(0)
                .and_then(|t| start_of(unit, t, long(1).unwrap_or(0) + 1))
                .map(|t| Value::DateTime(t - 1)))
        }
        "datetime_diff" => match (dt(1), dt(2)) {
            (Some(x), Some(y)) => opt(datetime_diff(&s(0).to_lowercase(), x, y).map(Value::Long)),
            _ => Value::Null,
        },
        "datetime_add" => match (long(1), dt(2)) {
            (Some(n), Some(t)) => opt(datetime_add(&s(0).to_lowercase(), n, t).map(Value::DateTime)),
            _ => Value::Null,
        },
        "datetime_part" | "datepart" => match dt(1).and_then(datetime_parts) {
            Some(d) => Value::Long(match s(0).to_lowercase().as_str() {
                "year" => i64::from(d.year()),
                "quarter" => i64::from(d.month0() / 3 + 1),
                "month" => i64::from(d.month()),
                "weekofyear" | "week_of_year" => i64::from(d.iso_week().week()),
                "day" => i64::from(d.day()),
                "dayofyear" => i64::from(d.ordinal()),
                "hour" => i64::from(d.hour()),
                "minute" => i64::from(d.minute()),
                "second" => i64::from(d.second()),
                "millisecond" => i64::from(d.timestamp_subsec_millis()),
                "microsecond" => i64::from(d.timestamp_subsec_micros()),
                "nanosecond" => i64::from(d.timestamp_subsec_nanos()),
                other => return Err(format!("datetime_part() does not know the part '{other}'").into()),
            }),
            None => Value::Null,
        },
        "getyear" => opt(dt(0).and_then(datetime_parts).map(|d| Value::Long(i64::from(d.year())))),
        "getmonth" | "monthofyear" => opt(dt(0)
            .and_then(datetime_parts)
            .map(|d| Value::Long(i64::from(d.month())))),
        "dayofmonth" => opt(dt(0).and_then(datetime_parts).map(|d| Value::Long(i64::from(d.day())))),
        "dayofyear" => opt(dt(0)
            .and_then(datetime_parts)
            .map(|d| Value::Long(i64::from(d.ordinal())))),
        "hourofday" => opt(dt(0).and_then(datetime_parts).map(|d| Value::Long(i64::from(d.hour())))),
        "week_of_year" => opt(dt(0)
            .and_then(datetime_parts)
            .map(|d| Value::Long(i64::from(d.iso_week().week())))),
        "dayofweek" => opt(dt(0)
            .and_then(datetime_parts)
            .map(|d| Value::TimeSpan(i64::from(d.weekday().num_days_from_sunday()) * TICKS_PER_DAY))),
        "unixtime_seconds_todatetime" => opt(real(0).map(|x| Value::DateTime((x * 1e7) as i64))),
        "unixtime_milliseconds_todatetime" => opt(real(0).map(|x| Value::DateTime((x * 1e4) as i64))),
        "unixtime_microseconds_todatetime" => opt(real(0).map(|x| Value::DateTime((x * 10.0) as i64))),
        "unixtime_nanoseconds_todatetime" => opt(real(0).map(|x| Value::DateTime((x / 100.0) as i64))),
        "make_datetime" => {
            let y = long(0).unwrap_or(1) as i32;
            let (mo, d) = (long(1).unwrap_or(1) as u32, long(2).unwrap_or(1) as u32);
            let (h, mi) = (long(3).unwrap_or(0) as u32, long(4).unwrap_or(0) as u32);
            let sec = real(5).unwrap_or(0.0);
            match Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single() {
                Some(t) => Value::DateTime(from_chrono(t) + (sec * 1e7) as i64),
                None => Value::Null,
            }
        }
        "make_timespan" => {
            let parts: Vec<i64> = (0..a.len()).map(|i| long(i).unwrap_or(0)).collect();
            let (d, h, m, sec) = match parts[..] {
                [h, m] => (0, h, m, 0),
                [h, m, s] => (0, h, m, s),
                [d, h, m, s, ..] => (d, h, m, s),
                _ => (0, 0, 0, 0),
            };
            Value::TimeSpan((((d * 24 + h) * 60 + m) * 60 + sec) * TICKS_PER_SECOND)
        }
        "format_datetime" => opt(dt(0).and_then(|t| format_datetime_with(t, &s(1))).map(Value::str)),
        "format_timespan" => opt(arg(0).as_timespan().map(|t| {
            let fmt = s(1);
            let total = t.unsigned_abs();
            let (d, h, m, sec) = (
                total / TICKS_PER_DAY as u64,
                total / (3600 * TICKS_PER_SECOND as u64) % 24,
                total / (60 * TICKS_PER_SECOND as u64) % 60,
                total / TICKS_PER_SECOND as u64 % 60,
            );
            let out = fmt
                .replace("dd", &format!("{d:02}"))
                .replace("hh", &format!("{h:02}"))
                .replace("HH", &format!("{h:02}"))
                .replace("mm", &format!("{m:02}"))
                .replace("ss", &format!("{sec:02}"));
            Value::str(out)
        })),
        // ---- conversions ----
        "tostring" => Value::str(text(&arg(0))),
        "toint" | "tolong" => opt(arg(0).as_long().map(Value::Long)),
        "toreal" | "todouble" | "todecimal" => opt(arg(0).as_real().map(Value::Real)),
        "tobool" | "toboolean" => opt(arg(0).as_bool().map(Value::Bool)),
        "toguid" => Value::str(crate::kql::parse::parse_guid(&s(0)).unwrap_or_default()),
        "parse_json" | "parsejson" | "todynamic" | "toobject" => parse_json(&arg(0)),
        "dynamic" => arg(0),
        "gettype" => Value::str(match arg(0) {
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
        "tohex" => opt(long(0).map(|v| Value::str(format!("{v:x}")))),
        // ---- null and empty ----
        "isnull" => Value::Bool(arg(0).is_null()),
        "isnotnull" => Value::Bool(!arg(0).is_null()),
        "isempty" => Value::Bool(arg(0).is_empty()),
        "isnotempty" => Value::Bool(!arg(0).is_empty()),
        "not" => super::expr::not3(&arg(0)),
        "isnan" => opt(real(0).map(|x| Value::Bool(x.is_nan()))),
        "isinf" => opt(real(0).map(|x| Value::Bool(x.is_infinite()))),
        "isfinite" => opt(real(0).map(|x| Value::Bool(x.is_finite()))),
        // ---- strings ----
        "strcat" => Value::str(a.iter().map(text).collect::<String>()),
        "strcat_delim" => Value::str(a[1.min(a.len())..].iter().map(text).collect::<Vec<_>>().join(&s(0))),
        "strcat_array" => opt(dyn_array(&arg(0)).map(|arr| {
            Value::str(
                arr.iter()
                    .map(|x| Value::dynamic(x.clone()).to_text())
                    .collect::<Vec<_>>()
                    .join(&s(1)),
            )
        })),
        "tolower" => Value::str(s(0).to_lowercase()),
        "toupper" => Value::str(s(0).to_uppercase()),
        "strlen" => Value::Long(s(0).chars().count() as i64),
        "string_size" => Value::Long(s(0).len() as i64),
        "reverse" => Value::str(s(0).chars().rev().collect::<String>()),
        "substring" => Value::str(chars_substring(&s(0), long(1).unwrap_or(0), long(2))),
        "strrep" => {
            let n = long(1).unwrap_or(0).clamp(0, functions::MAX_REPEAT as i64) as usize;
            Value::str(vec![s(0); n].join(&s(2)))
        }
        "strcmp" => Value::Long(match s(0).cmp(&s(1)) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        }),
        "indexof" | "indexof_regex" => {
            let hay: Vec<char> = s(0).chars().collect();
            let start = long(2).unwrap_or(0).max(0) as usize;
            let occurrence = long(4).unwrap_or(1).max(1) as usize;
            let limit = long(3)
                .filter(|l| *l >= 0)
                .map_or(hay.len(), |l| (start + l as usize).min(hay.len()));
            if start > hay.len() {
                return Ok(Value::Long(-1));
            }
            let window: String = hay[start..limit].iter().collect();
            let positions: Vec<usize> = if name == "indexof" {
                window.match_indices(&s(1)).map(|(i, _)| i).collect()
            } else {
                funcs.regex(&s(1))?.find_iter(&window).map(|m| m.start()).collect()
            };
            match positions.get(occurrence - 1) {
                Some(&byte) => Value::Long((start + window[..byte].chars().count()) as i64),
                None => Value::Long(-1),
            }
        }
        "countof" => {
            let (hay, needle) = (s(0), s(1));
            if s(2) == "regex" {
                Value::Long(funcs.regex(&needle)?.find_iter(&hay).count() as i64)
            } else if needle.is_empty() {
                Value::Long(0)
            } else {
                // Overlapping matches, as Kusto counts them.
                let mut n = 0;
                let mut from = 0;
                while let Some(i) = hay[from..].find(&needle) {
                    n += 1;
                    from += i + needle.chars().next().map_or(1, char::len_utf8);
                }
                Value::Long(n)
            }
        }
        "split" => {
            let parts: Vec<Json> = if s(1).is_empty() {
                vec![Json::String(s(0))]
            } else {
                s(0).split(&s(1)).map(|p| Json::String(p.to_string())).collect()
            };
            match long(2) {
                Some(i) => Value::dynamic(Json::Array(
                    usize::try_from(i)
                        .ok()
                        .and_then(|i| parts.get(i))
                        .cloned()
                        .into_iter()
                        .collect(),
                )),
                None => Value::dynamic(Json::Array(parts)),
            }
        }
        "replace_string" => {
            let lookup = s(1);
            if lookup.is_empty() {
                Value::str(s(0))
            } else {
                Value::str(s(0).replace(&lookup, &s(2)))
            }
        }
        "replace" => Value::str(
            funcs
                .regex(&s(0))?
                .replace_all(&s(2), rewrite(&s(1)).as_str())
                .into_owned(),
        ),
        "replace_regex" => Value::str(
            funcs
                .regex(&s(1))?
                .replace_all(&s(0), rewrite(&s(2)).as_str())
                .into_owned(),
        ),
        "trim" | "trim_start" | "trim_end" => {
            let p = s(0);
            let mut out = s(1);
            if name != "trim_end" {
                out = funcs.regex(&format!("^(?:{p})+"))?.replace(&out, "").into_owned();
            }
            if name != "trim_start" {
                out = funcs.regex(&format!("(?:{p})+$"))?.replace(&out, "").into_owned();
            }
            Value::str(out)
        }
        "extract" => {
            let re = funcs.regex(&s(0))?;
            let group = long(1).unwrap_or(0).max(0) as usize;
            match re.captures(&s(2)).and_then(|c| c.get(group)) {
                Some(m) => Value::str(m.as_str()),
                // No match: the empty string (null once a type is asked for, by the cast).
                None if a.len() > 3 => Value::Null,
                None => Value::str(""),
            }
        }
        "extract_all" => {
            let re = funcs.regex(&s(0))?;
            let (groups, hay) = if a.len() > 2 {
                (dyn_array(&arg(1)), s(2))
            } else {
                (None, s(1))
            };
            let groups: Vec<usize> = match groups {
                Some(g) => g.iter().filter_map(Json::as_u64).map(|g| g as usize).collect(),
                None => (1..re.captures_len()).collect(),
            };
            let mut out = Vec::new();
            for c in re.captures_iter(&hay) {
                if groups.is_empty() {
                    out.push(Json::String(c.get(0).map_or("", |m| m.as_str()).to_string()));
                } else if groups.len() == 1 && a.len() <= 2 {
                    out.push(Json::String(c.get(groups[0]).map_or("", |m| m.as_str()).to_string()));
                } else {
                    out.push(Json::Array(
                        groups
                            .iter()
                            .map(|&g| Json::String(c.get(g).map_or("", |m| m.as_str()).to_string()))
                            .collect(),
                    ));
                }
            }
            if out.is_empty() {
                Value::Null
            } else {
                Value::dynamic(Json::Array(out))
            }
        }
        "extractjson" => match parse_json(&arg(1)) {
            Value::Dynamic(j) => opt(json_path(&s(0), &j).cloned().map(|x| match x {
                Json::String(st) => Value::str(st),
                other => Value::dynamic(other),
            })),
            _ => Value::Null,
        },
        "base64_decode_tostring" | "base64_decodestring" => {
            let t = s(0);
            let engine = base64::engine::general_purpose::STANDARD;
            match engine.decode(t.trim()) {
                Ok(bytes) => Value::str(String::from_utf8_lossy(&bytes).into_owned()),
                Err(_) => Value::str(""),
            }
        }
        "base64_encode_tostring" | "base64_encodestring" => {
            Value::str(base64::engine::general_purpose::STANDARD.encode(s(0).as_bytes()))
        }
        "url_decode" => {
            let t = s(0);
            let bytes = t.as_bytes();
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                match bytes[i] {
                    b'%' if i + 2 < bytes.len() => {
                        match std::str::from_utf8(&bytes[i + 1..i + 3])
                            .ok()
                            .and_then(|h| u8::from_str_radix(h, 16).ok())
                        {
                            Some(b) => {
                                out.push(b);
                                i += 3;
                                continue;
                            }
                            None => out.push(b'%'),
                        }
                    }
                    b'+' => out.push(b' '),
                    b => out.push(b),
                }
                i += 1;
            }
            Value::str(String::from_utf8_lossy(&out).into_owned())
        }
        "url_encode" | "url_encode_component" => Value::str(
            s(0).bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>(),
        ),
        "hash_sha256" => {
            use sha2::Digest;
            Value::str(hex(&sha2::Sha256::digest(s(0).as_bytes())))
        }
        "parse_url" | "parseurl" => Value::dynamic(parse_url(&s(0))),
        "parse_path" => Value::dynamic(parse_path(&s(0))),
        "parse_command_line" => Value::dynamic(Json::Array(
            parse_command_line(&s(0)).into_iter().map(Json::String).collect(),
        )),
        "new_guid" => Value::str(uuid::Uuid::new_v4().to_string()),
        // ---- ip ----
        "ipv4_is_private" => opt(ipv4_is_private(&s(0)).map(Value::Bool)),
        "ipv4_is_in_range" => match (ipv4(&s(0)), ipv4_range(&s(1))) {
            (Some(ip), Some((net, mask))) => Value::Bool(ip & mask == net),
            _ => Value::Null,
        },
        "ipv4_is_in_any_range" => match ipv4(&s(0)) {
            Some(ip) => {
                let ranges: Vec<String> = match dyn_array(&arg(1)) {
                    Some(arr) => arr.iter().map(|x| Value::dynamic(x.clone()).to_text()).collect(),
                    None => a[1..].iter().map(text).collect(),
                };
                Value::Bool(
                    ranges
                        .iter()
                        .filter_map(|r| ipv4_range(r))
                        .any(|(net, mask)| ip & mask == net),
                )
            }
            None => Value::Null,
        },
        "ipv4_is_match" | "ipv4_compare" => match (ipv4_range(&s(0)), ipv4_range(&s(1))) {
            (Some((a1, m1)), Some((b1, m2))) => {
                let mask = long(2).map_or(
                    m1 & m2,
                    |bits| if bits <= 0 { 0 } else { u32::MAX << (32 - bits.min(32)) },
                );
                let (x, y) = (a1 & mask, b1 & mask);
                if name == "ipv4_is_match" {
                    Value::Bool(x == y)
                } else {
                    Value::Long(match x.cmp(&y) {
                        std::cmp::Ordering::Less => -1,
                        std::cmp::Ordering::Equal => 0,
                        std::cmp::Ordering::Greater => 1,
                    })
                }
            }
            _ => Value::Null,
        },
        "parse_ipv4" => opt(ipv4(&s(0)).map(|v| Value::Long(i64::from(v)))),
        "format_ipv4" => opt(long(0)
            .and_then(|v| u32::try_from(v).ok())
            .map(|v| Value::str(std::net::Ipv4Addr::from(v).to_string()))),
        "geo_info_from_ip_address" => Value::Null,
        // ---- dynamic ----
        "array_length" => opt(dyn_array(&arg(0)).map(|x| Value::Long(x.len() as i64))),
        "pack_array" | "make_list_array" => Value::dynamic(Json::Array(a.iter().map(Value::to_json).collect())),
        "pack" | "bag_pack" | "pack_dictionary" => {
            let mut m = Map::new();
            for pair in a.chunks(2) {
                m.insert(text(&pair[0]), pair.get(1).map_or(Json::Null, Value::to_json));
            }
            Value::dynamic(Json::Object(m))
        }
        "set_has_element" => match dyn_array(&arg(0)) {
            Some(arr) => {
                let needle = arg(1);
                Value::Bool(
                    arr.iter()
                        .any(|x| Value::dynamic(x.clone()).equals(&needle) == Some(true)),
                )
            }
            None => Value::Null,
        },
        "array_index_of" => match dyn_array(&arg(0)) {
            Some(arr) => {
                let needle = arg(1);
                Value::Long(
                    arr.iter()
                        .position(|x| Value::dynamic(x.clone()).equals(&needle) == Some(true))
                        .map_or(-1, |i| i as i64),
                )
            }
            None => Value::Null,
        },
        "array_sort_asc" | "array_sort_desc" => match dyn_array(&arg(0)) {
            Some(mut arr) => {
                sort_json(&mut arr, name.ends_with("desc"));
                Value::dynamic(Json::Array(arr))
            }
            None => Value::Null,
        },
        "array_concat" => Value::dynamic(Json::Array(a.iter().filter_map(dyn_array).flatten().collect())),
        "array_slice" => match dyn_array(&arg(0)) {
            Some(arr) => {
                let n = arr.len() as i64;
                let fix = |i: i64| if i < 0 { (n + i).max(0) } else { i.min(n) };
                let (from, to) = (fix(long(1).unwrap_or(0)), fix(long(2).unwrap_or(n - 1)) + 1);
                Value::dynamic(Json::Array(if from < to.min(n) {
                    arr[from as usize..to.min(n) as usize].to_vec()
                } else {
                    vec![]
                }))
            }
            None => Value::Null,
        },
        "array_reverse" => opt(dyn_array(&arg(0)).map(|mut x| {
            x.reverse();
            Value::dynamic(Json::Array(x))
        })),
        "array_sum" => opt(dyn_array(&arg(0)).map(|x| Value::Real(x.iter().filter_map(Json::as_f64).sum()))),
        "set_union" | "set_intersect" | "set_difference" => {
            let arrays: Vec<Vec<Json>> = a.iter().map(|v| dyn_array(v).unwrap_or_default()).collect();
            Value::dynamic(set_op(name, &arrays))
        }
        "bag_keys" => {
            opt(dyn_object(&arg(0)).map(|m| Value::dynamic(Json::Array(m.keys().cloned().map(Json::String).collect()))))
        }
        "bag_has_key" => opt(dyn_object(&arg(0)).map(|m| Value::Bool(m.contains_key(&s(1))))),
        "bag_merge" => {
            let mut m = Map::new();
            for v in a {
                for (k, x) in dyn_object(v).unwrap_or_default() {
                    m.entry(k).or_insert(x);
                }
            }
            Value::dynamic(Json::Object(m))
        }
        "bag_remove_keys" => opt(dyn_object(&arg(0)).map(|mut m| {
            for k in dyn_array(&arg(1)).unwrap_or_default() {
                if let Some(k) = k.as_str() {
                    m.remove(k);
                }
            }
            Value::dynamic(Json::Object(m))
        })),
        "zip" => {
            let arrays: Vec<Vec<Json>> = a.iter().map(|v| dyn_array(v).unwrap_or_default()).collect();
            let n = arrays.iter().map(Vec::len).max().unwrap_or(0);
            Value::dynamic(Json::Array(
                (0..n)
                    .map(|i| Json::Array(arrays.iter().map(|x| x.get(i).cloned().unwrap_or(Json::Null)).collect()))
                    .collect(),
            ))
        }
        // ---- numbers ----
        "abs" => match arg(0) {
            Value::Long(x) => Value::Long(x.wrapping_abs()),
            Value::TimeSpan(x) => Value::TimeSpan(x.abs()),
            v => opt(v.as_real().map(|x| Value::Real(x.abs()))),
        },
        "round" => opt(real(0).map(|x| Value::Real(round_to(x, long(1).unwrap_or(0))))),
        "ceiling" => opt(real(0).map(|x| Value::Real(x.ceil()))),
        "sqrt" => opt(real(0).map(|x| Value::Real(x.sqrt()))),
        "pow" => match (real(0), real(1)) {
            (Some(x), Some(y)) => Value::Real(x.powf(y)),
            _ => Value::Null,
        },
        "log" => opt(real(0).map(|x| Value::Real(x.ln()))),
        "log10" => opt(real(0).map(|x| Value::Real(x.log10()))),
        "log2" => opt(real(0).map(|x| Value::Real(x.log2()))),
        "exp" => opt(real(0).map(|x| Value::Real(x.exp()))),
        "exp2" => opt(real(0).map(|x| Value::Real(x.exp2()))),
        "exp10" => opt(real(0).map(|x| Value::Real(10f64.powf(x)))),
        "sign" => opt(real(0).map(|x| {
            Value::Real(if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            })
        })),
        "rand" => {
            let r = rand_unit();
            match long(0) {
                Some(n) if n > 0 => Value::Long((r * n as f64) as i64),
                _ => Value::Real(r),
            }
        }
        "min_of" | "max_of" => {
            let mut best: Option<Value> = None;
            for v in a.iter().filter(|v| !v.is_null()) {
                best = Some(match best {
                    None => v.clone(),
                    Some(b) => {
                        let o = v.sort_cmp(&b);
                        if (name == "min_of") == o.is_lt() && o.is_ne() {
                            v.clone()
                        } else {
                            b
                        }
                    }
                });
            }
            best.unwrap_or(Value::Null)
        }
        "binary_and" => opt(long(0).zip(long(1)).map(|(x, y)| Value::Long(x & y))),
        "binary_or" => opt(long(0).zip(long(1)).map(|(x, y)| Value::Long(x | y))),
        "binary_xor" => opt(long(0).zip(long(1)).map(|(x, y)| Value::Long(x ^ y))),
        "binary_not" => opt(long(0).map(|x| Value::Long(!x))),
        "binary_shift_left" => opt(long(0).zip(long(1)).map(|(x, y)| Value::Long(x.wrapping_shl(y as u32)))),
        "binary_shift_right" => opt(long(0).zip(long(1)).map(|(x, y)| Value::Long(x.wrapping_shr(y as u32)))),
        "ingestion_time" => Value::Null,
        _ => return Err(Fail::Unsupported),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn rand_unit() -> f64 {
    let bytes = *uuid::Uuid::new_v4().as_bytes();
    let x = u64::from_le_bytes([
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
    ]);
    (x >> 11) as f64 / (1u64 << 53) as f64
}
