//! Mathematical functions: arithmetic, trigonometry, logarithms and special functions,
//! rounding and binning, binary (bitwise) operations, `min_of`/`max_of` and unit conversions.

use super::*;

/// Mathematical functions, sorted by name; merged into [`FUNCTIONS`] by [`merge`].
#[rustfmt::skip]
pub(super) const MATH: &[Function] = &[
    // abs(number: Integer)
    // abs(number: Number)
    // abs(number: timespan)
    Function { name: "abs", kind: Kind::Scalar, signatures: &[
        sig(&[INT], 1, Returns::Fixed(Type::Long)),
        sig(&[NUM], 1, Returns::Arg(0)),
        sig(&[TS], 1, Returns::Fixed(Type::TimeSpan)),
    ] },
    // acos(number: Number)
    Function { name: "acos", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // around(value: Scalar, center: Scalar, delta: Scalar)
    Function { name: "around", kind: Kind::Scalar, signatures: &[sig(&[SC, SC, SC], 3, Returns::Fixed(Type::Bool))] },
    // asin(number: Number)
    Function { name: "asin", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // atan(number: Number)
    Function { name: "atan", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // atan2(y: Number, x: Number)
    Function { name: "atan2", kind: Kind::Scalar, signatures: &[sig(&[NUM, NUM], 2, Returns::Fixed(Type::Real))] },
    // beta_cdf(x: Number, alpha: Number, beta: Number)
    Function { name: "beta_cdf", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM], 3, Returns::Fixed(Type::Real)),
    ] },
    // beta_inv(probability: Number, alpha: Number, beta: Number)
    Function { name: "beta_inv", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM], 3, Returns::Fixed(Type::Real)),
    ] },
    // beta_pdf(x: Number, alpha: Number, beta: Number)
    Function { name: "beta_pdf", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM], 3, Returns::Fixed(Type::Real)),
    ] },
    // bin(value: Number, roundTo: Number)
    // bin(value: timespan, roundTo: timespan)
    // bin(value: datetime, roundTo: datetime)
    // bin(value: datetime, roundTo: timespan)
    Function { name: "bin", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM], 2, Returns::Widest),
        sig(&[TS, TS], 2, Returns::Fixed(Type::TimeSpan)),
        sig(&[DT, DT], 2, Returns::Fixed(Type::DateTime)),
        sig(&[DT, TS], 2, Returns::Fixed(Type::DateTime)),
    ] },
    // bin_at(value: Number, bin_size: Number, fixed_point: Number)
    // bin_at(value: timespan, bin_size: Number, fixed_point: timespan)
    // bin_at(value: timespan, bin_size: timespan, fixed_point: timespan)
    // bin_at(value: datetime, bin_size: Summable, fixed_point: datetime)
    Function { name: "bin_at", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM], 3, Returns::Widest),
        sig(&[TS, NUM, TS], 3, Returns::Fixed(Type::TimeSpan)),
        sig(&[TS, TS, TS], 3, Returns::Fixed(Type::TimeSpan)),
        sig(&[DT, SUM, DT], 3, Returns::Fixed(Type::DateTime)),
    ] },
    // hidden from IntelliSense (still accepted)
    // bin_auto(value: Summable) -- Kusto.Language (custom): a number gives the common type of value,
    //     query_bin_auto_size and query_bin_auto_at, anything else its own type; int promoted to long (see
    //     PROMOTED_RESULTS)
    Function { name: "bin_auto", kind: Kind::Scalar, signatures: &[sig(&[SUM], 1, Returns::Arg(0))] },
    // binary_and(value1: Integer, value2: Integer)
    Function { name: "binary_and", kind: Kind::Scalar, signatures: &[sig(&[INT, INT], 2, Returns::Fixed(Type::Long))] },
    // binary_not(value: Integer)
    Function { name: "binary_not", kind: Kind::Scalar, signatures: &[sig(&[INT], 1, Returns::Fixed(Type::Long))] },
    // binary_or(value1: Integer, value2: Integer)
    Function { name: "binary_or", kind: Kind::Scalar, signatures: &[sig(&[INT, INT], 2, Returns::Fixed(Type::Long))] },
    // binary_shift_left(value: Integer, shift: Integer)
    Function { name: "binary_shift_left", kind: Kind::Scalar, signatures: &[
        sig(&[INT, INT], 2, Returns::Fixed(Type::Long)),
    ] },
    // binary_shift_right(value: Integer, shift: Integer)
    Function { name: "binary_shift_right", kind: Kind::Scalar, signatures: &[
        sig(&[INT, INT], 2, Returns::Fixed(Type::Long)),
    ] },
    // binary_xor(value1: Integer, value2: Integer)
    Function { name: "binary_xor", kind: Kind::Scalar, signatures: &[sig(&[INT, INT], 2, Returns::Fixed(Type::Long))] },
    // bitset_count_ones(value: Integer)
    Function { name: "bitset_count_ones", kind: Kind::Scalar, signatures: &[
        sig(&[INT], 1, Returns::Fixed(Type::Long)),
    ] },
    // ceiling(number: Number)
    Function { name: "ceiling", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Arg(0))] },
    // convert_angle(value: real, from: string, to: string)
    Function { name: "convert_angle", kind: Kind::Scalar, signatures: &[
        sig(&[R, S, S], 3, Returns::Fixed(Type::Real)),
    ] },
    // convert_energy(value: real, from: string, to: string)
    Function { name: "convert_energy", kind: Kind::Scalar, signatures: &[
        sig(&[R, S, S], 3, Returns::Fixed(Type::Real)),
    ] },
    // convert_force(value: real, from: string, to: string)
    Function { name: "convert_force", kind: Kind::Scalar, signatures: &[
        sig(&[R, S, S], 3, Returns::Fixed(Type::Real)),
    ] },
    // convert_length(value: real, from: string, to: string)
    Function { name: "convert_length", kind: Kind::Scalar, signatures: &[
        sig(&[R, S, S], 3, Returns::Fixed(Type::Real)),
    ] },
    // convert_mass(value: real, from: string, to: string)
    Function { name: "convert_mass", kind: Kind::Scalar, signatures: &[
        sig(&[R, S, S], 3, Returns::Fixed(Type::Real)),
    ] },
    // convert_speed(value: real, from: string, to: string)
    Function { name: "convert_speed", kind: Kind::Scalar, signatures: &[
        sig(&[R, S, S], 3, Returns::Fixed(Type::Real)),
    ] },
    // convert_temperature(value: real, from: string, to: string)
    Function { name: "convert_temperature", kind: Kind::Scalar, signatures: &[
        sig(&[R, S, S], 3, Returns::Fixed(Type::Real)),
    ] },
    // convert_volume(value: real, from: string, to: string)
    Function { name: "convert_volume", kind: Kind::Scalar, signatures: &[
        sig(&[R, S, S], 3, Returns::Fixed(Type::Real)),
    ] },
    // cos(number: Number)
    Function { name: "cos", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // cot(number: Number)
    Function { name: "cot", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // degrees(radians: Number)
    Function { name: "degrees", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // erf(number: Number)
    Function { name: "erf", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // erfc(number: Number)
    Function { name: "erfc", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // exp(number: Number)
    Function { name: "exp", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // exp10(number: Number)
    Function { name: "exp10", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // exp2(number: Number)
    Function { name: "exp2", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // alias of `bin` (identical signatures)
    // floor(value: Number, roundTo: Number)
    // floor(value: timespan, roundTo: timespan)
    // floor(value: datetime, roundTo: datetime)
    // floor(value: datetime, roundTo: timespan)
    Function { name: "floor", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM], 2, Returns::Widest),
        sig(&[TS, TS], 2, Returns::Fixed(Type::TimeSpan)),
        sig(&[DT, DT], 2, Returns::Fixed(Type::DateTime)),
        sig(&[DT, TS], 2, Returns::Fixed(Type::DateTime)),
    ] },
    // gamma(number: Number)
    Function { name: "gamma", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // isfinite(number: real)
    Function { name: "isfinite", kind: Kind::Scalar, signatures: &[sig(&[R], 1, Returns::Fixed(Type::Bool))] },
    // isinf(number: real)
    Function { name: "isinf", kind: Kind::Scalar, signatures: &[sig(&[R], 1, Returns::Fixed(Type::Bool))] },
    // isnan(number: real)
    Function { name: "isnan", kind: Kind::Scalar, signatures: &[sig(&[R], 1, Returns::Fixed(Type::Bool))] },
    // log(number: Number)
    Function { name: "log", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // log10(number: Number)
    Function { name: "log10", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // log2(number: Number)
    Function { name: "log2", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // loggamma(number: Number)
    Function { name: "loggamma", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // max_of(arg: CommonOrderable{2..64})
    Function { name: "max_of", kind: Kind::Scalar, signatures: &[rep(&[], 2, CORD, 64, Returns::Common(0))] },
    // min_of(arg: CommonOrderable{2..64})
    Function { name: "min_of", kind: Kind::Scalar, signatures: &[rep(&[], 2, CORD, 64, Returns::Common(0))] },
    // pi()
    Function { name: "pi", kind: Kind::Scalar, signatures: &[sig(&[], 0, Returns::Fixed(Type::Real))] },
    // pow(base: Number, exponent: Number)
    Function { name: "pow", kind: Kind::Scalar, signatures: &[sig(&[NUM, NUM], 2, Returns::Fixed(Type::Real))] },
    // radians(degrees: Number)
    Function { name: "radians", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // rand(number: Integer?)
    Function { name: "rand", kind: Kind::Scalar, signatures: &[sig(&[INT], 0, Returns::Fixed(Type::Real))] },
    // round(number: Number, precision: long constant?)
    Function { name: "round", kind: Kind::Scalar, signatures: &[sig(&[NUM, CONST_L], 1, Returns::Arg(0))] },
    // sign(number: Number)
    Function { name: "sign", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // sin(number: Number)
    Function { name: "sin", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // sqrt(number: Number)
    Function { name: "sqrt", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // tan(number: Number)
    Function { name: "tan", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // welch_test(mean1: Number, variance1: Number, count1: Number, mean2: Number, variance2: Number, count2:
    //     Number)
    Function { name: "welch_test", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM, NUM, NUM, NUM], 6, Returns::Fixed(Type::Real)),
    ] },
];
