//! Numeric functions: rounding, powers and logarithms, sign, `rand`, `min_of`/`max_of`, binary
//! operations, and the `bin` shared with datetimes.

use super::*;

/// Numeric functions on values.
pub(super) fn call(_funcs: &mut Funcs, name: &str, a: Args<'_>) -> F {
    Ok(match name {
        "abs" => match a.arg(0) {
            Value::Long(x) => Value::Long(x.wrapping_abs()),
            Value::TimeSpan(x) => Value::TimeSpan(x.abs()),
            v => opt(v.as_real().map(|x| Value::Real(x.abs()))),
        },
        "round" => opt(a.real(0).map(|x| Value::Real(round_to(x, a.long(1).unwrap_or(0))))),
        "ceiling" => opt(a.real(0).map(|x| Value::Real(x.ceil()))),
        "sqrt" => opt(a.real(0).map(|x| Value::Real(x.sqrt()))),
        "pow" => match (a.real(0), a.real(1)) {
            (Some(x), Some(y)) => Value::Real(x.powf(y)),
            _ => Value::Null,
        },
        "log" => opt(a.real(0).map(|x| Value::Real(x.ln()))),
        "log10" => opt(a.real(0).map(|x| Value::Real(x.log10()))),
        "log2" => opt(a.real(0).map(|x| Value::Real(x.log2()))),
        "exp" => opt(a.real(0).map(|x| Value::Real(x.exp()))),
        "exp2" => opt(a.real(0).map(|x| Value::Real(x.exp2()))),
        "exp10" => opt(a.real(0).map(|x| Value::Real(10f64.powf(x)))),
        "sign" => opt(a.real(0).map(|x| {
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
            match a.long(0) {
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
        "binary_and" => opt(a.long(0).zip(a.long(1)).map(|(x, y)| Value::Long(x & y))),
        "binary_or" => opt(a.long(0).zip(a.long(1)).map(|(x, y)| Value::Long(x | y))),
        "binary_xor" => opt(a.long(0).zip(a.long(1)).map(|(x, y)| Value::Long(x ^ y))),
        "binary_not" => opt(a.long(0).map(|x| Value::Long(!x))),
        "binary_shift_left" => opt(a
            .long(0)
            .zip(a.long(1))
            .map(|(x, y)| Value::Long(x.wrapping_shl(y as u32)))),
        "binary_shift_right" => opt(a
            .long(0)
            .zip(a.long(1))
            .map(|(x, y)| Value::Long(x.wrapping_shr(y as u32)))),
        "ingestion_time" => Value::Null,
        _ => return Err(Fail::Unsupported),
    })
}

/// .NET's ticks from 0001-01-01 to the Unix epoch: Kusto bins datetimes on .NET ticks.
const NET_EPOCH_TICKS: i64 = 621_355_968_000_000_000;

pub(super) fn round_to(x: f64, digits: i64) -> f64 {
    let m = 10f64.powi(digits as i32);
    (x * m).round() / m
}

/// `bin(value, size)` on numbers, datetimes (on .NET ticks, as Kusto) and timespans.
pub(in crate::kql::eval) fn bin(v: &Value, size: &Value) -> Value {
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

pub(super) fn rand_unit() -> f64 {
    let bytes = *uuid::Uuid::new_v4().as_bytes();
    let x = u64::from_le_bytes([
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
    ]);
    (x >> 11) as f64 / (1u64 << 53) as f64
}
