//! Conversion, type, null and conditional functions: `to*`, `parse_json`, `gettype`, `new_guid`,
//! `isnull`/`isempty` and their kin, `not`, `iff`/`iif`, `case`, `coalesce`, `assert`.

use super::*;

/// Conversion, type, null and conditional functions, sorted by name; merged into [`FUNCTIONS`] by [`merge`].
#[rustfmt::skip]
pub(super) const CONVERT: &[Function] = &[
    // assert(predicate: bool, message: string)
    Function { name: "assert", kind: Kind::Scalar, signatures: &[sig(&[B, S], 2, Returns::Fixed(Type::Bool))] },
    // case(predicate: bool{1..MaxRepeat}, then: CommonScalarOrDynamic{1..MaxRepeat}, else:
    //     CommonScalarOrDynamic) -- Kusto.Language: CommonNonDynamic (dynamic arguments ignored unless all are
    //     dynamic)
    Function { name: "case", kind: Kind::Scalar, signatures: &[
        rep(&[], 3, Param::Block { group: &[B, CSOD], tail: &[CSOD] }, u8::MAX, Returns::Common(1)),
    ] },
    // coalesce(arg: CommonScalar{2..64})
    Function { name: "coalesce", kind: Kind::Scalar, signatures: &[rep(&[], 2, CSC, 64, Returns::Common(0))] },
    // gettype(value: Scalar)
    Function { name: "gettype", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::String))] },
    // iff(if: bool, then: CommonScalarOrDynamic, else: CommonScalarOrDynamic) -- Kusto.Language:
    //     CommonNonDynamic (dynamic arguments ignored unless all are dynamic)
    Function { name: "iff", kind: Kind::Scalar, signatures: &[sig(&[B, CSOD, CSOD], 3, Returns::Common(1))] },
    // alias of `iff` (identical signatures)
    // iif(if: bool, then: CommonScalarOrDynamic, else: CommonScalarOrDynamic) -- Kusto.Language:
    //     CommonNonDynamic (dynamic arguments ignored unless all are dynamic)
    Function { name: "iif", kind: Kind::Scalar, signatures: &[sig(&[B, CSOD, CSOD], 3, Returns::Common(1))] },
    // isempty(value: Scalar)
    Function { name: "isempty", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Bool))] },
    // isnotempty(value: Scalar)
    Function { name: "isnotempty", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Bool))] },
    // isnotnull(expression: Scalar)
    Function { name: "isnotnull", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Bool))] },
    // isnull(expression: Scalar)
    Function { name: "isnull", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Bool))] },
    // new_guid()
    Function { name: "new_guid", kind: Kind::Scalar, signatures: &[sig(&[], 0, Returns::Fixed(Type::Guid))] },
    // not(expression: bool)
    Function { name: "not", kind: Kind::Scalar, signatures: &[sig(&[B], 1, Returns::Fixed(Type::Bool))] },
    // obsolete: Kusto.Language suggests `isnotempty` (a warning, still accepted)
    // alias of `isnotempty` (identical signatures)
    // notempty(value: Scalar)
    Function { name: "notempty", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Bool))] },
    // obsolete: Kusto.Language suggests `isnotnull` (a warning, still accepted)
    // alias of `isnotnull` (identical signatures)
    // notnull(expression: Scalar)
    Function { name: "notnull", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Bool))] },
    // parse_json(json_text: StringOrDynamic)
    Function { name: "parse_json", kind: Kind::Scalar, signatures: &[sig(&[SOD], 1, Returns::Fixed(Type::Dynamic))] },
    // obsolete: Kusto.Language suggests `parse_json` (a warning, still accepted)
    // alias of `parse_json` (identical signatures)
    // parsejson(json_text: StringOrDynamic)
    Function { name: "parsejson", kind: Kind::Scalar, signatures: &[sig(&[SOD], 1, Returns::Fixed(Type::Dynamic))] },
    // tobool(value: Scalar)
    Function { name: "tobool", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Bool))] },
    // alias of `tobool` (identical signatures)
    // toboolean(value: Scalar)
    Function { name: "toboolean", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Bool))] },
    // todatetime(value: Scalar)
    Function { name: "todatetime", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::DateTime))] },
    // todecimal(value: Scalar)
    Function { name: "todecimal", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Decimal))] },
    // alias of `toreal` (identical signatures)
    // todouble(value: Scalar)
    Function { name: "todouble", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Real))] },
    // todynamic(value: string)
    Function { name: "todynamic", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::Dynamic))] },
    // toguid(value: StringOrDynamic)
    Function { name: "toguid", kind: Kind::Scalar, signatures: &[sig(&[SOD], 1, Returns::Fixed(Type::Guid))] },
    // tohex(value: Integer, minLength: Integer?)
    Function { name: "tohex", kind: Kind::Scalar, signatures: &[sig(&[INT, INT], 1, Returns::Fixed(Type::String))] },
    // toint(value: Scalar)
    Function { name: "toint", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Int))] },
    // tolong(value: Scalar)
    Function { name: "tolong", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Long))] },
    // obsolete: Kusto.Language suggests `todynamic` (a warning, still accepted)
    // alias of `todynamic` (identical signatures)
    // toobject(value: string)
    Function { name: "toobject", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::Dynamic))] },
    // toreal(value: Scalar)
    Function { name: "toreal", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Real))] },
    // tostring(value: Scalar)
    Function { name: "tostring", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::String))] },
    // obsolete: Kusto.Language suggests `totimespan` (a warning, still accepted)
    // alias of `totimespan` (identical signatures)
    // totime(value: Scalar)
    Function { name: "totime", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::TimeSpan))] },
    // totimespan(value: Scalar)
    Function { name: "totimespan", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::TimeSpan))] },
];
