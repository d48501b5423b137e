//! The signature table's shorthand: `sig`/`rep` and a constant per parameter kind, so that an
//! entry reads like Kusto.Language's declaration.

use super::*;

/// A signature without repeatable parameters.
pub(super) const fn sig(params: &'static [Param], required: u8, returns: Returns) -> Signature {
    Signature {
        params,
        required,
        rest: None,
        returns,
    }
}

/// A signature with a repeatable parameter (or block): `rest` of at most `max` arguments in all.
pub(super) const fn rep(params: &'static [Param], required: u8, rest: Param, max: u8, returns: Returns) -> Signature {
    Signature {
        params,
        required,
        rest: Some((rest, max)),
        returns,
    }
}

pub(super) const S: Param = Param::Is(Type::String);
pub(super) const B: Param = Param::Is(Type::Bool);
pub(super) const L: Param = Param::Is(Type::Long);
pub(super) const I32: Param = Param::Is(Type::Int);
pub(super) const R: Param = Param::Is(Type::Real);
pub(super) const DEC: Param = Param::Is(Type::Decimal);
pub(super) const DT: Param = Param::Is(Type::DateTime);
pub(super) const TS: Param = Param::Is(Type::TimeSpan);
pub(super) const G: Param = Param::Is(Type::Guid);
pub(super) const DYN: Param = Param::Is(Type::Dynamic);
pub(super) const SC: Param = Param::Scalar;
pub(super) const ND: Param = Param::NotDynamic;
pub(super) const NUM: Param = Param::Number;
pub(super) const SUM: Param = Param::Summable;
pub(super) const ORD: Param = Param::Orderable;
pub(super) const INT: Param = Param::Integer;
pub(super) const NOB: Param = Param::NumberOrBool;
pub(super) const NRB: Param = Param::NotRealOrBool;
pub(super) const SOD: Param = Param::StringOrDynamic;
pub(super) const SOA: Param = Param::StringOrArray;
pub(super) const IOA: Param = Param::IntegerOrArray;
pub(super) const DA: Param = Param::DynamicArray;
pub(super) const DB: Param = Param::DynamicBag;
pub(super) const CSC: Param = Param::CommonScalar;
pub(super) const CORD: Param = Param::CommonOrderable;
pub(super) const CSOD: Param = Param::CommonScalarOrDynamic;
pub(super) const TYPE: Param = Param::TypeName;
pub(super) const STAR: Param = Param::Star;
pub(super) const STAR_OR_SC: Param = Param::StarOrScalar;
pub(super) const ANY: Param = Param::AnyValue;
pub(super) const TAB: Param = Param::Tabular;
pub(super) const COLUMN_SC: Param = Param::Column(&SC);
pub(super) const CONST_B: Param = Param::Constant(&B);
pub(super) const CONST_INT: Param = Param::Constant(&INT);
pub(super) const CONST_L: Param = Param::Constant(&L);
pub(super) const CONST_NUM: Param = Param::Constant(&NUM);
pub(super) const CONST_S: Param = Param::Constant(&S);
pub(super) const CONST_SC: Param = Param::Constant(&SC);
pub(super) const LIT_NONEMPTY_S: Param = Param::LiteralNotEmpty(&S);
pub(super) const LIT_S: Param = Param::Literal(&S);
pub(super) const LIT_SC: Param = Param::Literal(&SC);
pub(super) const LIT_S_COUNTOF_KINDS: Param = Param::LiteralOneOf {
    of: &S,
    values: COUNTOF_KINDS,
    case_sensitive: true,
};
pub(super) const LIT_S_DATEDIFF_PARTS: Param = Param::LiteralOneOf {
    of: &S,
    values: DATEDIFF_PARTS,
    case_sensitive: false,
};
pub(super) const LIT_S_DATETIME_PARTS: Param = Param::LiteralOneOf {
    of: &S,
    values: DATETIME_PARTS,
    case_sensitive: false,
};
pub(super) const PER_ELEMENT_B: Param = Param::PerElement(&B);
pub(super) const PER_ELEMENT_SC: Param = Param::PerElement(&SC);

/// countof's kinds (case-sensitive).
#[rustfmt::skip]
pub(super) const COUNTOF_KINDS: &[&str] = &[
    "normal", "regex",
];
/// datetime_add's and datetime_diff's parts: Kusto.Language's `KustoFacts.DateDiffParts`.
#[rustfmt::skip]
pub(super) const DATEDIFF_PARTS: &[&str] = &[
    "year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond", "microsecond", "nanosecond",
];
/// datetime_part's (and datepart's) parts: Kusto.Language's `KustoFacts.DateTimeParts`.
#[rustfmt::skip]
pub(super) const DATETIME_PARTS: &[&str] = &[
    "year", "quarter", "month", "week_of_year", "day", "dayofyear", "hour", "minute", "second", "millisecond",
    "microsecond", "nanosecond",
];
