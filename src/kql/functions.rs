//! Kusto's built-in functions as Microsoft's parser (Kusto.Language, `Functions.cs`,
//! `Functions.Convert.cs`, `Aggregates.cs`) declares them: every scalar, window and aggregate
//! function in its `Functions.All` and `Aggregates.All` lists (plug-ins, `evaluate ...`, are not
//! here), with each overload's parameters, arity and result type, transcribed from
//! microsoft/Kusto-Query-Language at commit c94c9e761b3d095e2b9c21e3ec3e92afa0af4856.
//!
//! 479 names in [`FUNCTIONS`] (410 scalar, 8 window, 61 aggregate), plus 3 scalar twins of
//! aggregates ([`SCALAR_TWINS`]) and 8 graph-match functions ([`GRAPH_FUNCTIONS`]): 490 function
//! symbols (Kusto.Language's 429 functions and 61 aggregates).
//!
//! Not here, because the parser handles them as syntax: the literals `dynamic(...)`,
//! `datetime(...)`, `timespan(...)`, `bool(...)`, `int(...)`, `long(...)`, `real(...)`,
//! `decimal(...)`, `guid(...)`, `time(...)`, `typeof(...)`, and the keywords `toscalar(...)`
//! and `materialize(...)`.
//!
//! # How Kusto.Language checks a call (`Binder_FunctionCalls.cs`, `Binder_Misc.cs`)
//!
//! 1. **Name.** Outside an aggregate context only scalar (and window) functions are visible; an
//!    aggregate's name there is KS144 "The aggregate function 'x' is not allowed in this
//!    context.", an unknown name KS143 "The function 'x' is not defined.". In an aggregate context
//!    (`summarize` aggregates and by-expressions, `make-series` aggregates) an aggregate of that
//!    name wins, else the scalar function ([`lookup_for`]). An aggregate's own arguments are a
//!    normal context: aggregates do not nest. Four names are both: `hll_merge`, `merge_tdigest`
//!    and `tdigest_merge` are also scalar functions ([`SCALAR_TWINS`]), `any` is also a
//!    graph-match function ([`GRAPH_FUNCTIONS`]).
//! 2. **Overload.** With one signature, it is used whatever the arguments. With several,
//!    [`Function::best_signatures`] mirrors `GetBestMatchingSignatures`: those whose count range
//!    holds the arguments (none: those that hold the largest maximum), then those with the most
//!    arguments matching their parameter, then the one with the best worst match, best best
//!    match, most matches ([`Match`]). If one remains it is checked as below; otherwise the call
//!    is KS127 "The function 'x' is not compatible with arguments (t1, t2)" (unless an argument
//!    is already an error or of unknown type), or with no arguments at all KS120 over the
//!    function's whole count range ([`Function::min_args`], [`Function::max_args`]).
//! 3. **Count.** [`Signature::arity_error`]: KS119 / KS120 / KS121. When the count is wrong no
//!    argument is checked.
//! 4. **Common type.** If any argument is bound to a Common parameter and the arguments have no
//!    common type ([`Signature::common_type`]), KS232 "No common type can be determined from the
//!    arguments." and no argument is checked.
//! 5. **Each argument.** `*` only where the parameter allows it (KS191 "The * syntax is not
//!    allowed here."); otherwise the type check ([`Param::check`]) and then the argument-kind check
//!    of a [`Param::Constant`], [`Param::Literal`], [`Param::LiteralNotEmpty`],
//!    [`Param::LiteralOneOf`] or [`Param::Column`] wrapper. An argument of unknown type (an
//!    error already reported, or data-dependent) passes every type check.
//! 6. **Result.** [`Signature::return_type`] / [`result_type`].
//!
//! Built-in functions take no named arguments: `f(x = 1)` binds `1` positionally, names ignored.
//! Deprecated (obsolete) functions are accepted; only the editor's analyzer warns about them
//! ([`obsolete_alternative`]). Hidden functions are accepted too, only left out of IntelliSense
//! ([`is_hidden`]). Kusto.Language does not check that window functions run on serialized rows.

use super::types::Type;

/// Kusto.Language's `FunctionHelpers.MaxRepeat` (`short.MaxValue`): how often a repeatable
/// parameter may occur when its declaration sets no smaller bound. A [`Signature::rest`] count of
/// `u8::MAX` stands for it.
pub const MAX_REPEAT: usize = 32767;

/// Where a function may be called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Anywhere a scalar is expected.
    Scalar,
    /// Only as a summarize / make-series aggregate (or inside a nested aggregate context).
    Aggregate,
    /// Needs a serialized row set (prev, next, row_number, row_cumsum, ...). Kusto.Language
    /// itself binds these as ordinary scalar functions and does not check serialization.
    Window,
}

/// What one argument may be: Kusto.Language's `ParameterTypeKind` (with, as wrappers, its
/// `ArgumentKind`). `Type::Unknown` passes every type check. In this catalog's type lattice all
/// dynamic values (`dynamic`, arrays, bags, `dynamic(long)`, geo shapes) are `Type::Dynamic`, so
/// where Kusto.Language tells them apart (noted per variant) a checker can only be as precise as
/// "dynamic".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// Exactly this scalar type, or one Kusto.Language promotes to it (`Conversion.Promotable`:
    /// `IsWiderThan` in `ScalarTypes.cs`): int -> long; int, long -> real; int, long, real ->
    /// decimal; plain `dynamic` -> string. Nothing else: a long is not an int, a string is not a
    /// datetime, a string is not a dynamic (`Is(Type::Dynamic)` takes any dynamic value, nothing
    /// else), and bool, datetime, timespan and guid take only themselves. Kusto.Language refuses
    /// `dynamic(string)`, arrays and bags for a string parameter, only plain `dynamic` passes.
    /// Mismatch: KS107 "A value of type T expected.".
    Is(Type),
    /// Any scalar (`ParameterTypeKind.Scalar`), dynamic included. Mismatch (a table): KS108.
    Scalar,
    /// Any scalar but dynamic (`NotDynamic`). Mismatch: KS116 "The value of type 'dynamic' is not
    /// allowed in this context.".
    NotDynamic,
    /// int, long, real or decimal (`Number`); not dynamic, not string. Mismatch: KS137 "The
    /// expression value must be a number.".
    Number,
    /// int, long, real, decimal, datetime or timespan (`Summable`). Mismatch: KS138.
    Summable,
    /// int, long, real, decimal, datetime, timespan, string or bool (`Orderable`): not guid, not
    /// dynamic. Mismatch: KS206.
    Orderable,
    /// A `*` argument or any scalar (`Scalar` with `ArgumentKind.StarAllowed`).
    StarOrScalar,
    /// A type literal, `typeof(long)` (`ScalarTypes.Type` with `ArgumentKind.Literal`): the
    /// binder must check the syntax; [`Param::accepts`] takes only `Type::Unknown`.
    TypeName,
    /// int or long (`Integer`); not real, not dynamic. Mismatch: KS134 "The expression value must
    /// be an integer.".
    Integer,
    /// A number or bool (`NumberOrBool`). Mismatch: KS137 "... a number or boolean true/false.".
    NumberOrBool,
    /// Any scalar but real and bool (`NotRealOrBool`). Mismatch: KS116 naming the type.
    NotRealOrBool,
    /// string or any dynamic (`StringOrDynamic`). Mismatch: KS141 "The expression must have one
    /// of the types: string or dynamic.".
    StringOrDynamic,
    /// string, or dynamic (Kusto.Language: `dynamic`, `dynamic(string)`, an array of strings or
    /// of dynamic; not a bag) (`StringOrArray`). Mismatch: KS233.
    StringOrArray,
    /// int, long or dynamic (Kusto.Language: `dynamic`, `dynamic(long)`, an array of longs or of
    /// dynamic) (`IntegerOrArray`). Mismatch: KS136.
    IntegerOrArray,
    /// dynamic (Kusto.Language: an array or plain `dynamic`, not a bag) (`DynamicArray`).
    /// Mismatch: KS234 "The expression value must be a dynamic array.".
    DynamicArray,
    /// dynamic (Kusto.Language: a bag or plain `dynamic`, not an array) (`DynamicBag`).
    /// Mismatch: KS235 "The expression must be a dynamic bag.".
    DynamicBag,
    /// Any scalar that has a common type, by promotion only, with the other Common arguments
    /// (`CommonScalar`: coalesce). See [`Signature::common_type`]; against it the argument is then
    /// checked as [`Param::Is`] (KS141 "The expression must have the type T."); a common type of
    /// dynamic takes only dynamic arguments.
    CommonScalar,
    /// An orderable scalar with a common type, by promotion only, with the other Common
    /// arguments (`CommonOrderable`: max_of, min_of): KS206, then as [`Param::CommonScalar`].
    CommonOrderable,
    /// Any scalar; the Common arguments' common type may fall back to dynamic when there is no
    /// promotion (`CommonScalarOrDynamic`: iff, iif, case), so `iff(c, 1, "a")` is fine and
    /// dynamic. These are also the only Common parameters of functions whose result ignores
    /// dynamic arguments (Kusto.Language's `ReturnTypeKind.CommonNonDynamic`).
    CommonScalarOrDynamic,
    /// A `*` argument only (`ArgumentKind.StarOnly`: `pack_array(*)`, `estimate_data_size(*)`,
    /// `any(*)`). A non-star argument does not match it.
    Star,
    /// Anything, no check at all (`ParameterTypeKind.Any`: hidden `__invoke`).
    AnyValue,
    /// A tabular value (`ParameterTypeKind.Tabular`: `column_names_of(T)`). KS111.
    Tabular,
    /// The inner kind, and the argument must be a constant (`ArgumentKind.Constant`): a literal, a
    /// constant `let`, or operators and constant-foldable functions ([`is_constant_foldable`])
    /// over constants. Mismatch: KS129 "The expression must be a constant.".
    Constant(&'static Param),
    /// The inner kind, and the argument must be a literal (`ArgumentKind.Literal`): a literal
    /// token (number, string, bool, datetime(...), timespan, guid(...)), adjacent string
    /// literals, `dynamic(...)` or `typeof(...)`. Mismatch: KS131 "The expression must be a
    /// literal.".
    Literal(&'static Param),
    /// As [`Param::Literal`], and not empty (`ArgumentKind.LiteralNotEmpty`: format_datetime's and
    /// format_timespan's format). Mismatch: KS131, or KS133 "The expression value must not be
    /// empty.".
    LiteralNotEmpty(&'static Param),
    /// As [`Param::Literal`], and one of these values (`ArgumentKind.Literal` with `Values`:
    /// datetime_add's and datetime_diff's part, datetime_part's part, countof's kind). Mismatch:
    /// KS131, or KS140 "The expression must be one of the values: a, b or c". (Kusto.Language
    /// also lists values for `convert_*`'s units, but only as completion hints: not checked, not
    /// here.)
    LiteralOneOf {
        of: &'static Param,
        values: &'static [&'static str],
        case_sensitive: bool,
    },
    /// The inner kind, and the argument must be a column reference (`ArgumentKind.Column`:
    /// prev/next's column, bag_pack_columns, estimate_data_size). Mismatch: KS109 "Column name
    /// expected.".
    Column(&'static Param),
    /// The inner kind, evaluated for each element of the first argument, a graph path
    /// (`ArgumentKind.Expression_Parameter0_Element`: the graph functions `all`, `any`, `map`).
    PerElement(&'static Param),
    /// Only as the kind of [`Signature::rest`]: Kusto.Language's `ParameterLayouts.BlockRepeating`.
    /// The arguments after `params` are one or more repetitions of `group` followed by exactly
    /// `tail`: `case(p1, v1, p2, v2, ..., else)` is `group: [bool, then]`, `tail: [else]`;
    /// `bag_pack(k1, v1, k2, v2, ...)` is `group: [string, scalar]`, `tail: []`. A count that
    /// does not fit (an even count for case, an odd one for bag_pack) is KS121 "The function call
    /// has an incorrect number of arguments.". [`Signature::param_for`] resolves it per argument.
    Block {
        group: &'static [Param],
        tail: &'static [Param],
    },
    /// Only as the kind of [`Signature::rest`]: array_sort_asc/array_sort_desc's custom layout.
    /// Every argument is a [`Param::DynamicArray`] except a last argument that is boolean, which
    /// is the constant `nulls_last`. [`Signature::param_for`] resolves it per argument.
    SortArrays,
}

/// How the result type follows from the arguments. Kusto.Language has more result kinds than
/// these; how each maps is noted in the table's comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returns {
    /// Always this type. A dynamic array or bag (Kusto.Language's `DynamicArray`,
    /// `DynamicArrayOfString`, `DynamicBag`, a bag shape computed from the arguments, its
    /// `Parameter0Array`) is `Fixed(Type::Dynamic)`.
    Fixed(Type),
    /// The type of argument n (0-based) (`Parameter0`, `Parameter1`). For `sum`, `sumif` and
    /// `bin_auto` Kusto.Language promotes an int result to long ([`PROMOTED_RESULTS`],
    /// [`result_type`]).
    Arg(u8),
    /// The widest numeric type of all the arguments, int promoted to long (Kusto's `Widest`:
    /// bin, floor, bin_at on numbers).
    Widest,
    /// The common type of the arguments from index n on that are bound to a Common parameter
    /// (`Common`: coalesce, max_of, min_of; `CommonNonDynamic`: iff, iif, case, which leave
    /// dynamic arguments out unless all are dynamic). case's predicates do not count. See
    /// [`Signature::common_type`].
    Common(u8),
    /// Depends on data, on a literal or on the query: a type literal's type (extract's 4th
    /// argument, `ParameterNLiteral`), several result columns (arg_max, take_any, percentiles,
    /// series_stats, ...: Kusto.Language's `TupleSymbol`), or a tabular result (cluster(),
    /// database(), table(), ...).
    Unknown,
}

/// One overload.
#[derive(Debug, Clone, Copy)]
pub struct Signature {
    /// Parameters in order: the ones that occur once. A repeatable parameter is described by
    /// `rest` instead, and is not in `params`.
    pub params: &'static [Param],
    /// The fewest arguments the call may have (Kusto.Language's `MinArgumentCount`). Leading
    /// `params` up to this count are required, the others optional (optional parameters cannot
    /// be skipped: they bind in order). When `rest`'s parameter must occur, this exceeds
    /// `params.len()`: `strcat(arg{1..64})` has no params and requires 1, `strcat_delim(delim,
    /// arg{2..64})` has one param and requires 3.
    pub required: u8,
    /// For functions taking any number of further arguments: their kind, and the maximum total
    /// count of arguments (`params.len()` plus Kusto.Language's `maxOccurring` of the
    /// repeatable parameter; `u8::MAX` = unbounded, Kusto.Language's [`MAX_REPEAT`]
    /// occurrences). The exact maximum Kusto.Language reports is [`Signature::max_args`].
    pub rest: Option<(Param, u8)>,
    pub returns: Returns,
}

#[derive(Debug, Clone, Copy)]
pub struct Function {
    pub name: &'static str,
    pub kind: Kind,
    pub signatures: &'static [Signature],
}

// ---- the table's shorthand ----

/// A signature without repeatable parameters.
const fn sig(params: &'static [Param], required: u8, returns: Returns) -> Signature {
    Signature {
        params,
        required,
        rest: None,
        returns,
    }
}

/// A signature with a repeatable parameter (or block): `rest` of at most `max` arguments in all.
const fn rep(params: &'static [Param], required: u8, rest: Param, max: u8, returns: Returns) -> Signature {
    Signature {
        params,
        required,
        rest: Some((rest, max)),
        returns,
    }
}

const S: Param = Param::Is(Type::String);
const B: Param = Param::Is(Type::Bool);
const L: Param = Param::Is(Type::Long);
const I32: Param = Param::Is(Type::Int);
const R: Param = Param::Is(Type::Real);
const DEC: Param = Param::Is(Type::Decimal);
const DT: Param = Param::Is(Type::DateTime);
const TS: Param = Param::Is(Type::TimeSpan);
const G: Param = Param::Is(Type::Guid);
const DYN: Param = Param::Is(Type::Dynamic);
const SC: Param = Param::Scalar;
const ND: Param = Param::NotDynamic;
const NUM: Param = Param::Number;
const SUM: Param = Param::Summable;
const ORD: Param = Param::Orderable;
const INT: Param = Param::Integer;
const NOB: Param = Param::NumberOrBool;
const NRB: Param = Param::NotRealOrBool;
const SOD: Param = Param::StringOrDynamic;
const SOA: Param = Param::StringOrArray;
const IOA: Param = Param::IntegerOrArray;
const DA: Param = Param::DynamicArray;
const DB: Param = Param::DynamicBag;
const CSC: Param = Param::CommonScalar;
const CORD: Param = Param::CommonOrderable;
const CSOD: Param = Param::CommonScalarOrDynamic;
const TYPE: Param = Param::TypeName;
const STAR: Param = Param::Star;
const STAR_OR_SC: Param = Param::StarOrScalar;
const ANY: Param = Param::AnyValue;
const TAB: Param = Param::Tabular;
const COLUMN_SC: Param = Param::Column(&SC);
const CONST_B: Param = Param::Constant(&B);
const CONST_INT: Param = Param::Constant(&INT);
const CONST_L: Param = Param::Constant(&L);
const CONST_NUM: Param = Param::Constant(&NUM);
const CONST_S: Param = Param::Constant(&S);
const CONST_SC: Param = Param::Constant(&SC);
const LIT_NONEMPTY_S: Param = Param::LiteralNotEmpty(&S);
const LIT_S: Param = Param::Literal(&S);
const LIT_SC: Param = Param::Literal(&SC);
const LIT_S_COUNTOF_KINDS: Param = Param::LiteralOneOf {
    of: &S,
    values: COUNTOF_KINDS,
    case_sensitive: true,
};
const LIT_S_DATEDIFF_PARTS: Param = Param::LiteralOneOf {
    of: &S,
    values: DATEDIFF_PARTS,
    case_sensitive: false,
};
const LIT_S_DATETIME_PARTS: Param = Param::LiteralOneOf {
    of: &S,
    values: DATETIME_PARTS,
    case_sensitive: false,
};
const PER_ELEMENT_B: Param = Param::PerElement(&B);
const PER_ELEMENT_SC: Param = Param::PerElement(&SC);

/// countof's kinds (case-sensitive).
#[rustfmt::skip]
const COUNTOF_KINDS: &[&str] = &[
    "normal", "regex",
];
/// datetime_add's and datetime_diff's parts: Kusto.Language's `KustoFacts.DateDiffParts`.
#[rustfmt::skip]
const DATEDIFF_PARTS: &[&str] = &[
    "year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond", "microsecond", "nanosecond",
];
/// datetime_part's (and datepart's) parts: Kusto.Language's `KustoFacts.DateTimeParts`.
#[rustfmt::skip]
const DATETIME_PARTS: &[&str] = &[
    "year", "quarter", "month", "week_of_year", "day", "dayofyear", "hour", "minute", "second", "millisecond",
    "microsecond", "nanosecond",
];

/// Every built-in function, sorted by name (binary-searchable), aliases included as their own
/// entries (with a `//` comment naming what they alias). Where a name is both an aggregate and a
/// scalar function, this holds the aggregate; the scalar one is in [`SCALAR_TWINS`]. Each entry's
/// comment gives Kusto.Language's declaration: `name: kind`, `?` optional, `{min..max}`
/// repeatable.
#[rustfmt::skip]
pub static FUNCTIONS: &[Function] = &[
    // hidden from IntelliSense (still accepted)
    // __cast(type: type literal, value: Scalar) -- Kusto.Language: Parameter0Literal, the type named by the type
    //     literal (argument 1)
    Function { name: "__cast", kind: Kind::Scalar, signatures: &[sig(&[TYPE, SC], 2, Returns::Unknown)] },
    // hidden from IntelliSense (still accepted)
    // __geo_length_to_s2cell_level(length: Number)
    Function { name: "__geo_length_to_s2cell_level", kind: Kind::Scalar, signatures: &[
        sig(&[NUM], 1, Returns::Fixed(Type::Int)),
    ] },
    // hidden from IntelliSense (still accepted)
    // __geo_line_s2cell_covering_level(lineString: DynamicBag)
    Function { name: "__geo_line_s2cell_covering_level", kind: Kind::Scalar, signatures: &[
        sig(&[DB], 1, Returns::Fixed(Type::Int)),
    ] },
    // hidden from IntelliSense (still accepted)
    // __geo_line_validate(lineString: DynamicBag)
    Function { name: "__geo_line_validate", kind: Kind::Scalar, signatures: &[
        sig(&[DB], 1, Returns::Fixed(Type::String)),
    ] },
    // hidden from IntelliSense (still accepted)
    // __geo_polygon_s2cell_covering_level(polygon: DynamicBag)
    Function { name: "__geo_polygon_s2cell_covering_level", kind: Kind::Scalar, signatures: &[
        sig(&[DB], 1, Returns::Fixed(Type::Int)),
    ] },
    // hidden from IntelliSense (still accepted)
    // __geo_polygon_validate(polygon: DynamicBag)
    Function { name: "__geo_polygon_validate", kind: Kind::Scalar, signatures: &[
        sig(&[DB], 1, Returns::Fixed(Type::String)),
    ] },
    // hidden from IntelliSense (still accepted)
    // __hash_crc32(source: NotDynamic, mod: Integer, seed: Integer)
    Function { name: "__hash_crc32", kind: Kind::Scalar, signatures: &[
        sig(&[ND, INT, INT], 3, Returns::Fixed(Type::Long)),
    ] },
    // hidden from IntelliSense (still accepted)
    // __hash_djb2(source: NotDynamic, mod: Integer?)
    Function { name: "__hash_djb2", kind: Kind::Scalar, signatures: &[sig(&[ND, INT], 1, Returns::Fixed(Type::Long))] },
    // hidden from IntelliSense (still accepted)
    // __hash_many_crc32(arg: Scalar{1..2})
    Function { name: "__hash_many_crc32", kind: Kind::Scalar, signatures: &[
        rep(&[], 1, SC, 2, Returns::Fixed(Type::Long)),
    ] },
    // hidden from IntelliSense (still accepted)
    // __hash_xxh64(source: NotDynamic, mod: Integer, seed: Integer)
    Function { name: "__hash_xxh64", kind: Kind::Scalar, signatures: &[
        sig(&[ND, INT, INT], 3, Returns::Fixed(Type::Long)),
    ] },
    // hidden from IntelliSense (still accepted)
    // __hll_normalize(hll: dynamic{2..16})
    Function { name: "__hll_normalize", kind: Kind::Scalar, signatures: &[
        rep(&[], 2, DYN, 16, Returns::Fixed(Type::Dynamic)),
    ] },
    // hidden from IntelliSense (still accepted)
    // __invoke(name: string literal, type: type literal, arg: Any{0..MaxRepeat}) -- Kusto.Language:
    //     Parameter1Literal, the type named by the type literal (argument 2)
    Function { name: "__invoke", kind: Kind::Scalar, signatures: &[
        rep(&[LIT_S, TYPE], 2, ANY, u8::MAX, Returns::Unknown),
    ] },
    // hidden from IntelliSense (still accepted)
    // __ipv6_lookup_ranges(ip: StringOrDynamic, ranges: DynamicArray) -- Kusto.Language: DynamicArray
    Function { name: "__ipv6_lookup_ranges", kind: Kind::Scalar, signatures: &[
        sig(&[SOD, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // hidden from IntelliSense (still accepted)
    // __lz4_compress_dynamic_array_to_base64_string(dynamic: DynamicArray)
    Function { name: "__lz4_compress_dynamic_array_to_base64_string", kind: Kind::Scalar, signatures: &[
        sig(&[DA], 1, Returns::Fixed(Type::String)),
    ] },
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
    // ago(timespan: timespan)
    Function { name: "ago", kind: Kind::Scalar, signatures: &[sig(&[TS], 1, Returns::Fixed(Type::DateTime))] },
    // obsolete: Kusto.Language suggests `take_any` (a warning, still accepted)
    // older form of `take_any` (signatures differ)
    // any(expr: Scalar)
    // any(expr: Scalar{2..MaxRepeat}) -- several columns (a tuple): one column per argument (columns keep name
    //     and type; `*` expands to the row scope's columns; other expressions are named argN)
    // any(expr: Scalar staronly) -- several columns (a tuple): one column per argument (columns keep name and
    //     type; `*` expands to the row scope's columns; other expressions are named argN)
    Function { name: "any", kind: Kind::Aggregate, signatures: &[
        sig(&[SC], 1, Returns::Arg(0)),
        rep(&[], 2, SC, u8::MAX, Returns::Unknown),
        sig(&[STAR], 1, Returns::Unknown),
    ] },
    // obsolete: Kusto.Language suggests `take_anyif` (a warning, still accepted)
    // alias of `take_anyif` (identical signatures)
    // anyif(expr: Scalar, predicate: bool)
    Function { name: "anyif", kind: Kind::Aggregate, signatures: &[sig(&[SC, B], 2, Returns::Arg(0))] },
    // arg_max(maximized: Orderable, returned: Scalar starallowed{0..MaxRepeat}) -- several columns (a tuple):
    //     the maximized expression (named max_ if unnamed) followed by one column per returned argument; `*` expands
    //     to the row scope's columns (minus by-columns)
    Function { name: "arg_max", kind: Kind::Aggregate, signatures: &[
        rep(&[ORD], 1, STAR_OR_SC, u8::MAX, Returns::Unknown),
    ] },
    // arg_min(minimized: Orderable, returned: Scalar starallowed{0..MaxRepeat}) -- several columns (a tuple):
    //     the minimized expression (named min_ if unnamed) followed by one column per returned argument; `*` expands
    //     to the row scope's columns (minus by-columns)
    Function { name: "arg_min", kind: Kind::Aggregate, signatures: &[
        rep(&[ORD], 1, STAR_OR_SC, u8::MAX, Returns::Unknown),
    ] },
    // obsolete: Kusto.Language suggests `arg_max` (a warning, still accepted)
    // hidden from IntelliSense (still accepted)
    // older form of `arg_max`: same parameters, legacy result column names
    // argmax(maximized: Orderable, returned: Scalar starallowed{0..MaxRepeat}) -- several columns (a tuple):
    //     like arg_max, legacy naming: max_<primary>_<col> for each returned column
    Function { name: "argmax", kind: Kind::Aggregate, signatures: &[
        rep(&[ORD], 1, STAR_OR_SC, u8::MAX, Returns::Unknown),
    ] },
    // obsolete: Kusto.Language suggests `arg_min` (a warning, still accepted)
    // hidden from IntelliSense (still accepted)
    // older form of `arg_min`: same parameters, legacy result column names
    // argmin(minimized: Orderable, returned: Scalar starallowed{0..MaxRepeat}) -- several columns (a tuple):
    //     like arg_min, legacy naming: min_<primary>_<col> for each returned column
    Function { name: "argmin", kind: Kind::Aggregate, signatures: &[
        rep(&[ORD], 1, STAR_OR_SC, u8::MAX, Returns::Unknown),
    ] },
    // around(value: Scalar, center: Scalar, delta: Scalar)
    Function { name: "around", kind: Kind::Scalar, signatures: &[sig(&[SC, SC, SC], 3, Returns::Fixed(Type::Bool))] },
    // array_concat(array: DynamicArray{1..64}) -- Kusto.Language: the arrays' common (exact) array type, else
    //     dynamic array
    Function { name: "array_concat", kind: Kind::Scalar, signatures: &[
        rep(&[], 1, DA, 64, Returns::Fixed(Type::Dynamic)),
    ] },
    // array_iff(condition_array: DynamicArray, when_true: Scalar, when_false: Scalar) -- Kusto.Language: dynamic
    //     array of the common type of when_true/when_false
    Function { name: "array_iff", kind: Kind::Scalar, signatures: &[
        sig(&[DA, SC, SC], 3, Returns::Fixed(Type::Dynamic)),
    ] },
    // hidden from IntelliSense (still accepted)
    // alias of `array_iff` (identical signatures)
    // array_iif(condition_array: DynamicArray, when_true: Scalar, when_false: Scalar) -- Kusto.Language: dynamic
    //     array of the common type of when_true/when_false
    Function { name: "array_iif", kind: Kind::Scalar, signatures: &[
        sig(&[DA, SC, SC], 3, Returns::Fixed(Type::Dynamic)),
    ] },
    // array_index_of(array: DynamicArray, value: Scalar, start: Integer?, length: Integer?, occurrence: Integer
    //     constant?)
    Function { name: "array_index_of", kind: Kind::Scalar, signatures: &[
        sig(&[DA, SC, INT, INT, CONST_INT], 2, Returns::Fixed(Type::Long)),
    ] },
    // array_length(array: DynamicArray)
    Function { name: "array_length", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Long))] },
    // array_reverse(value: DynamicArray)
    Function { name: "array_reverse", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Arg(0))] },
    // array_rotate_left(array: DynamicArray, rotate_count: Integer)
    Function { name: "array_rotate_left", kind: Kind::Scalar, signatures: &[sig(&[DA, INT], 2, Returns::Arg(0))] },
    // array_rotate_right(array: DynamicArray, rotate_count: Integer)
    Function { name: "array_rotate_right", kind: Kind::Scalar, signatures: &[sig(&[DA, INT], 2, Returns::Arg(0))] },
    // array_shift_left(array: DynamicArray, shift_count: Integer, default_value: Scalar?)
    Function { name: "array_shift_left", kind: Kind::Scalar, signatures: &[sig(&[DA, INT, SC], 2, Returns::Arg(0))] },
    // array_shift_right(array: DynamicArray, shift_count: Integer, default_value: Scalar?)
    Function { name: "array_shift_right", kind: Kind::Scalar, signatures: &[sig(&[DA, INT, SC], 2, Returns::Arg(0))] },
    // array_slice(array: DynamicArray, start: Integer, end: Integer)
    Function { name: "array_slice", kind: Kind::Scalar, signatures: &[sig(&[DA, INT, INT], 3, Returns::Arg(0))] },
    // array_sort_asc(arrays: DynamicArray{1..64}, nulls_last: bool constant?) -- several columns (a tuple): one
    //     column per leading array argument, named `<arg>_sorted` (or `array<i>_sorted`), typed as that argument
    Function { name: "array_sort_asc", kind: Kind::Scalar, signatures: &[
        rep(&[], 1, Param::SortArrays, 65, Returns::Unknown),
    ] },
    // array_sort_desc(arrays: DynamicArray{1..64}, nulls_last: bool constant?) -- several columns (a tuple): one
    //     column per leading array argument, named `<arg>_sorted` (or `array<i>_sorted`), typed as that argument
    Function { name: "array_sort_desc", kind: Kind::Scalar, signatures: &[
        rep(&[], 1, Param::SortArrays, 65, Returns::Unknown),
    ] },
    // array_split(array: DynamicArray, index: Integer)
    // array_split(array: DynamicArray, indices: DynamicArray)
    Function { name: "array_split", kind: Kind::Scalar, signatures: &[
        sig(&[DA, INT], 2, Returns::Arg(0)),
        sig(&[DA, DA], 2, Returns::Arg(0)),
    ] },
    // alias of `strcat_array` (identical signatures)
    // array_strcat(array: DynamicArray, delimiter: Scalar)
    Function { name: "array_strcat", kind: Kind::Scalar, signatures: &[
        sig(&[DA, SC], 2, Returns::Fixed(Type::String)),
    ] },
    // obsolete: Kusto.Language suggests `series_sum` (a warning, still accepted)
    // older name of `series_sum` (identical signatures)
    // array_sum(array: DynamicArray)
    Function { name: "array_sum", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Real))] },
    // obsolete: Kusto.Language suggests `array_length` (a warning, still accepted)
    // alias of `array_length` (identical signatures)
    // arraylength(array: DynamicArray)
    Function { name: "arraylength", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Long))] },
    // asin(number: Number)
    Function { name: "asin", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // assert(predicate: bool, message: string)
    Function { name: "assert", kind: Kind::Scalar, signatures: &[sig(&[B, S], 2, Returns::Fixed(Type::Bool))] },
    // atan(number: Number)
    Function { name: "atan", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // atan2(y: Number, x: Number)
    Function { name: "atan2", kind: Kind::Scalar, signatures: &[sig(&[NUM, NUM], 2, Returns::Fixed(Type::Real))] },
    // avg(expr: Integer)
    // avg(expr: real)
    // avg(expr: decimal)
    // avg(expr: timespan)
    // avg(expr: datetime)
    Function { name: "avg", kind: Kind::Aggregate, signatures: &[
        sig(&[INT], 1, Returns::Fixed(Type::Real)),
        sig(&[R], 1, Returns::Fixed(Type::Real)),
        sig(&[DEC], 1, Returns::Fixed(Type::Decimal)),
        sig(&[TS], 1, Returns::Fixed(Type::TimeSpan)),
        sig(&[DT], 1, Returns::Fixed(Type::DateTime)),
    ] },
    // avgif(expr: Integer, predicate: bool)
    // avgif(expr: real, predicate: bool)
    // avgif(expr: decimal, predicate: bool)
    // avgif(expr: timespan, predicate: bool)
    // avgif(expr: datetime, predicate: bool)
    Function { name: "avgif", kind: Kind::Aggregate, signatures: &[
        sig(&[INT, B], 2, Returns::Fixed(Type::Real)),
        sig(&[R, B], 2, Returns::Fixed(Type::Real)),
        sig(&[DEC, B], 2, Returns::Fixed(Type::Decimal)),
        sig(&[TS, B], 2, Returns::Fixed(Type::TimeSpan)),
        sig(&[DT, B], 2, Returns::Fixed(Type::DateTime)),
    ] },
    // bag_has_key(bag: DynamicBag, key: string)
    Function { name: "bag_has_key", kind: Kind::Scalar, signatures: &[sig(&[DB, S], 2, Returns::Fixed(Type::Bool))] },
    // bag_keys(object: DynamicBag) -- Kusto.Language: DynamicArrayOfString
    Function { name: "bag_keys", kind: Kind::Scalar, signatures: &[sig(&[DB], 1, Returns::Fixed(Type::Dynamic))] },
    // bag_merge(bag: DynamicBag{2..64}) -- Kusto.Language: a bag with the union of the bags' known properties
    Function { name: "bag_merge", kind: Kind::Scalar, signatures: &[
        rep(&[], 2, DB, 64, Returns::Fixed(Type::Dynamic)),
    ] },
    // bag_pack(key: string{1..MaxRepeat}, value: Scalar{1..MaxRepeat}) -- Kusto.Language: a bag with one
    //     property per constant key, typed as its value
    Function { name: "bag_pack", kind: Kind::Scalar, signatures: &[
        rep(&[], 2, Param::Block { group: &[S, SC], tail: &[] }, u8::MAX, Returns::Fixed(Type::Dynamic)),
    ] },
    // bag_pack_columns(value: Scalar column{1..MaxRepeat}) -- Kusto.Language: a bag with one property per column
    //     argument
    Function { name: "bag_pack_columns", kind: Kind::Scalar, signatures: &[
        rep(&[], 1, COLUMN_SC, u8::MAX, Returns::Fixed(Type::Dynamic)),
    ] },
    // bag_remove_keys(bag: DynamicBag, keys: DynamicArray) -- Kusto.Language: the bag's known properties minus
    //     the literal keys
    Function { name: "bag_remove_keys", kind: Kind::Scalar, signatures: &[
        sig(&[DB, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // bag_set_key(bag: DynamicBag, key: string constant, value: Scalar) -- Kusto.Language: the bag with the
    //     constant key added/updated
    Function { name: "bag_set_key", kind: Kind::Scalar, signatures: &[
        sig(&[DB, CONST_S, SC], 3, Returns::Fixed(Type::Dynamic)),
    ] },
    // bag_zip(keys: DynamicArray, values: DynamicArray) -- Kusto.Language: DynamicBag
    Function { name: "bag_zip", kind: Kind::Scalar, signatures: &[sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic))] },
    // base64_decode_toarray(base64_string: string) -- Kusto.Language: DynamicArray
    Function { name: "base64_decode_toarray", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // base64_decode_toguid(base64_string: string)
    Function { name: "base64_decode_toguid", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Guid)),
    ] },
    // base64_decode_tostring(base64_string: string)
    Function { name: "base64_decode_tostring", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::String)),
    ] },
    // obsolete: Kusto.Language suggests `base64_decode_tostring` (a warning, still accepted)
    // alias of `base64_decode_tostring` (identical signatures)
    // base64_decodestring(base64_string: string)
    Function { name: "base64_decodestring", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::String)),
    ] },
    // base64_encode_fromarray(base64_string_decoded_as_array: DynamicArray)
    Function { name: "base64_encode_fromarray", kind: Kind::Scalar, signatures: &[
        sig(&[DA], 1, Returns::Fixed(Type::String)),
    ] },
    // base64_encode_fromguid(guid: guid)
    Function { name: "base64_encode_fromguid", kind: Kind::Scalar, signatures: &[
        sig(&[G], 1, Returns::Fixed(Type::String)),
    ] },
    // base64_encode_tostring(string: string)
    Function { name: "base64_encode_tostring", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::String)),
    ] },
    // obsolete: Kusto.Language suggests `base64_encode_tostring` (a warning, still accepted)
    // alias of `base64_encode_tostring` (identical signatures)
    // base64_encodestring(string: string)
    Function { name: "base64_encodestring", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::String)),
    ] },
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
    // binary_all_and(expr: Summable)
    Function { name: "binary_all_and", kind: Kind::Aggregate, signatures: &[sig(&[SUM], 1, Returns::Arg(0))] },
    // binary_all_or(expr: Summable)
    Function { name: "binary_all_or", kind: Kind::Aggregate, signatures: &[sig(&[SUM], 1, Returns::Arg(0))] },
    // binary_all_xor(expr: Summable)
    Function { name: "binary_all_xor", kind: Kind::Aggregate, signatures: &[sig(&[SUM], 1, Returns::Arg(0))] },
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
    // buildschema(expr: DynamicBag) -- Kusto.Language: DynamicBag
    Function { name: "buildschema", kind: Kind::Aggregate, signatures: &[
        sig(&[DB], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // case(predicate: bool{1..MaxRepeat}, then: CommonScalarOrDynamic{1..MaxRepeat}, else:
    //     CommonScalarOrDynamic) -- Kusto.Language: CommonNonDynamic (dynamic arguments ignored unless all are
    //     dynamic)
    Function { name: "case", kind: Kind::Scalar, signatures: &[
        rep(&[], 3, Param::Block { group: &[B, CSOD], tail: &[CSOD] }, u8::MAX, Returns::Common(1)),
    ] },
    // ceiling(number: Number)
    Function { name: "ceiling", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Arg(0))] },
    // cluster(name: string) -- a tabular result (Kusto.Language: Parameter0Cluster), not a scalar
    Function { name: "cluster", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Unknown)] },
    // obsolete: Kusto.Language suggests `count` (a warning, still accepted)
    // hidden from IntelliSense (still accepted)
    // legacy `count()` (no arguments)
    // cnt()
    Function { name: "cnt", kind: Kind::Aggregate, signatures: &[sig(&[], 0, Returns::Fixed(Type::Long))] },
    // coalesce(arg: CommonScalar{2..64})
    Function { name: "coalesce", kind: Kind::Scalar, signatures: &[rep(&[], 2, CSC, 64, Returns::Common(0))] },
    // column_ifexists(column_name: string constant, defaultValue: Scalar)
    Function { name: "column_ifexists", kind: Kind::Scalar, signatures: &[sig(&[CONST_S, SC], 2, Returns::Arg(1))] },
    // column_names_of(table: Tabular) -- Kusto.Language: DynamicArrayOfString
    Function { name: "column_names_of", kind: Kind::Scalar, signatures: &[
        sig(&[TAB], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // obsolete: Kusto.Language suggests `column_ifexists` (a warning, still accepted)
    // alias of `column_ifexists` (identical signatures)
    // columnifexists(column_name: string constant, defaultValue: Scalar)
    Function { name: "columnifexists", kind: Kind::Scalar, signatures: &[sig(&[CONST_S, SC], 2, Returns::Arg(1))] },
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
    // count()
    // count(predicate: bool) -- hidden; obsolete form: Kusto.Language suggests `countif`
    Function { name: "count", kind: Kind::Aggregate, signatures: &[
        sig(&[], 0, Returns::Fixed(Type::Long)),
        sig(&[B], 1, Returns::Fixed(Type::Long)),
    ] },
    // Kusto.Language suggests the faster `dcount`
    // count_distinct(expr: NotDynamic)
    Function { name: "count_distinct", kind: Kind::Aggregate, signatures: &[
        sig(&[ND], 1, Returns::Fixed(Type::Long)),
    ] },
    // Kusto.Language suggests the faster `dcountif`
    // count_distinctif(expr: NotDynamic, predicate: bool)
    Function { name: "count_distinctif", kind: Kind::Aggregate, signatures: &[
        sig(&[ND, B], 2, Returns::Fixed(Type::Long)),
    ] },
    // countif(predicate: bool)
    Function { name: "countif", kind: Kind::Aggregate, signatures: &[sig(&[B], 1, Returns::Fixed(Type::Long))] },
    // countof(source: string, search: string, kind: string literal?)
    Function { name: "countof", kind: Kind::Scalar, signatures: &[
        sig(&[S, S, LIT_S_COUNTOF_KINDS], 2, Returns::Fixed(Type::Long)),
    ] },
    // covariance(expr: Summable, expr: Summable)
    Function { name: "covariance", kind: Kind::Aggregate, signatures: &[
        sig(&[SUM, SUM], 2, Returns::Fixed(Type::Real)),
    ] },
    // covarianceif(expr: Summable, expr: Summable, predicate: bool)
    Function { name: "covarianceif", kind: Kind::Aggregate, signatures: &[
        sig(&[SUM, SUM, B], 3, Returns::Fixed(Type::Real)),
    ] },
    // covariancep(expr: Summable, expr: Summable)
    Function { name: "covariancep", kind: Kind::Aggregate, signatures: &[
        sig(&[SUM, SUM], 2, Returns::Fixed(Type::Real)),
    ] },
    // covariancepif(expr: Summable, expr: Summable, predicate: bool)
    Function { name: "covariancepif", kind: Kind::Aggregate, signatures: &[
        sig(&[SUM, SUM, B], 3, Returns::Fixed(Type::Real)),
    ] },
    // current_cluster_endpoint()
    Function { name: "current_cluster_endpoint", kind: Kind::Scalar, signatures: &[
        sig(&[], 0, Returns::Fixed(Type::String)),
    ] },
    // obsolete: Kusto.Language suggests `cursor_current` (a warning, still accepted)
    // alias of `cursor_current` (identical signatures)
    // current_cursor()
    Function { name: "current_cursor", kind: Kind::Scalar, signatures: &[sig(&[], 0, Returns::Fixed(Type::String))] },
    // current_database()
    Function { name: "current_database", kind: Kind::Scalar, signatures: &[sig(&[], 0, Returns::Fixed(Type::String))] },
    // hidden from IntelliSense (still accepted)
    // current_node_id()
    Function { name: "current_node_id", kind: Kind::Scalar, signatures: &[sig(&[], 0, Returns::Fixed(Type::String))] },
    // current_principal()
    Function { name: "current_principal", kind: Kind::Scalar, signatures: &[
        sig(&[], 0, Returns::Fixed(Type::String)),
    ] },
    // current_principal_details() -- Kusto.Language: DynamicBag
    Function { name: "current_principal_details", kind: Kind::Scalar, signatures: &[
        sig(&[], 0, Returns::Fixed(Type::Dynamic)),
    ] },
    // current_principal_is_member_of(group: StringOrArray{1..64})
    Function { name: "current_principal_is_member_of", kind: Kind::Scalar, signatures: &[
        rep(&[], 1, SOA, 64, Returns::Fixed(Type::Bool)),
    ] },
    // cursor_after(cursor: string)
    Function { name: "cursor_after", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::Bool))] },
    // cursor_before_or_at(cursor: string)
    Function { name: "cursor_before_or_at", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Bool)),
    ] },
    // cursor_current()
    Function { name: "cursor_current", kind: Kind::Scalar, signatures: &[sig(&[], 0, Returns::Fixed(Type::String))] },
    // database(name: string?) -- a tabular result (Kusto.Language: Parameter0Database), not a scalar
    Function { name: "database", kind: Kind::Scalar, signatures: &[sig(&[S], 0, Returns::Unknown)] },
    // obsolete: Kusto.Language suggests `datetime_part` (a warning, still accepted)
    // alias of `datetime_part` (identical signatures)
    // datepart(part: string literal, date: datetime)
    Function { name: "datepart", kind: Kind::Scalar, signatures: &[
        sig(&[LIT_S_DATETIME_PARTS, DT], 2, Returns::Fixed(Type::Int)),
    ] },
    // datetime_add(part: string literal, value: Integer, datetime: datetime)
    Function { name: "datetime_add", kind: Kind::Scalar, signatures: &[
        sig(&[LIT_S_DATEDIFF_PARTS, INT, DT], 3, Returns::Fixed(Type::DateTime)),
    ] },
    // datetime_diff(part: string literal, datetime1: datetime, datetime2: datetime)
    Function { name: "datetime_diff", kind: Kind::Scalar, signatures: &[
        sig(&[LIT_S_DATEDIFF_PARTS, DT, DT], 3, Returns::Fixed(Type::Long)),
    ] },
    // datetime_list_timezones() -- Kusto.Language: DynamicArray
    Function { name: "datetime_list_timezones", kind: Kind::Scalar, signatures: &[
        sig(&[], 0, Returns::Fixed(Type::Dynamic)),
    ] },
    // datetime_local_to_utc(from: datetime, timezone: string)
    Function { name: "datetime_local_to_utc", kind: Kind::Scalar, signatures: &[
        sig(&[DT, S], 2, Returns::Fixed(Type::DateTime)),
    ] },
    // datetime_part(part: string literal, date: datetime)
    Function { name: "datetime_part", kind: Kind::Scalar, signatures: &[
        sig(&[LIT_S_DATETIME_PARTS, DT], 2, Returns::Fixed(Type::Int)),
    ] },
    // datetime_utc_to_local(from: datetime, timezone: string)
    Function { name: "datetime_utc_to_local", kind: Kind::Scalar, signatures: &[
        sig(&[DT, S], 2, Returns::Fixed(Type::DateTime)),
    ] },
    // dayofmonth(date: datetime)
    Function { name: "dayofmonth", kind: Kind::Scalar, signatures: &[sig(&[DT], 1, Returns::Fixed(Type::Int))] },
    // dayofweek(date: datetime)
    Function { name: "dayofweek", kind: Kind::Scalar, signatures: &[sig(&[DT], 1, Returns::Fixed(Type::TimeSpan))] },
    // dayofyear(date: datetime)
    Function { name: "dayofyear", kind: Kind::Scalar, signatures: &[sig(&[DT], 1, Returns::Fixed(Type::Int))] },
    // dcount(expr: Scalar, accuracy: NotDynamic?)
    Function { name: "dcount", kind: Kind::Aggregate, signatures: &[sig(&[SC, ND], 1, Returns::Fixed(Type::Long))] },
    // dcount_hll(hll: DynamicArray)
    Function { name: "dcount_hll", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Long))] },
    // dcountif(expr: Scalar, predicate: bool, accuracy: NotDynamic?)
    Function { name: "dcountif", kind: Kind::Aggregate, signatures: &[
        sig(&[SC, B, ND], 2, Returns::Fixed(Type::Long)),
    ] },
    // degrees(radians: Number)
    Function { name: "degrees", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // dynamic_to_json(dynamic: Scalar)
    Function { name: "dynamic_to_json", kind: Kind::Scalar, signatures: &[
        sig(&[SC], 1, Returns::Fixed(Type::String)),
    ] },
    // endofday(date: datetime, offset: long?)
    Function { name: "endofday", kind: Kind::Scalar, signatures: &[sig(&[DT, L], 1, Returns::Fixed(Type::DateTime))] },
    // endofmonth(date: datetime, offset: long?)
    Function { name: "endofmonth", kind: Kind::Scalar, signatures: &[
        sig(&[DT, L], 1, Returns::Fixed(Type::DateTime)),
    ] },
    // endofweek(date: datetime, offset: long?)
    Function { name: "endofweek", kind: Kind::Scalar, signatures: &[sig(&[DT, L], 1, Returns::Fixed(Type::DateTime))] },
    // endofyear(date: datetime, offset: long?)
    Function { name: "endofyear", kind: Kind::Scalar, signatures: &[sig(&[DT, L], 1, Returns::Fixed(Type::DateTime))] },
    // entity_group(name: string) -- a tabular result (Kusto.Language: Parameter0EntityGroup), not a scalar
    Function { name: "entity_group", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Unknown)] },
    // erf(number: Number)
    Function { name: "erf", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // erfc(number: Number)
    Function { name: "erfc", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // estimate_data_size(column: Scalar column{1..MaxRepeat})
    // estimate_data_size(column: Scalar staronly)
    Function { name: "estimate_data_size", kind: Kind::Scalar, signatures: &[
        rep(&[], 1, COLUMN_SC, u8::MAX, Returns::Fixed(Type::Long)),
        sig(&[STAR], 1, Returns::Fixed(Type::Long)),
    ] },
    // exp(number: Number)
    Function { name: "exp", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // exp10(number: Number)
    Function { name: "exp10", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // exp2(number: Number)
    Function { name: "exp2", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // extent_id()
    Function { name: "extent_id", kind: Kind::Scalar, signatures: &[sig(&[], 0, Returns::Fixed(Type::Guid))] },
    // extent_tags() -- Kusto.Language: DynamicArrayOfString
    Function { name: "extent_tags", kind: Kind::Scalar, signatures: &[sig(&[], 0, Returns::Fixed(Type::Dynamic))] },
    // obsolete: Kusto.Language suggests `extent_id` (a warning, still accepted)
    // alias of `extent_id` (identical signatures)
    // extentid()
    Function { name: "extentid", kind: Kind::Scalar, signatures: &[sig(&[], 0, Returns::Fixed(Type::Guid))] },
    // external_table(name: string, mapping: string?) -- a tabular result (Kusto.Language:
    //     Parameter0ExternalTable), not a scalar
    // external_table(name: string, max_age: timespan) -- a tabular result (Kusto.Language:
    //     Parameter0ExternalTable), not a scalar
    Function { name: "external_table", kind: Kind::Scalar, signatures: &[
        sig(&[S, S], 1, Returns::Unknown),
        sig(&[S, TS], 2, Returns::Unknown),
    ] },
    // extract(regex: string constant, captureGroup: long, source: string)
    // extract(regex: string constant, captureGroup: long, source: string, typeLiteral: type literal) --
    //     Kusto.Language: ParameterNLiteral, the type named by the type literal (argument 4)
    Function { name: "extract", kind: Kind::Scalar, signatures: &[
        sig(&[CONST_S, L, S], 3, Returns::Fixed(Type::String)),
        sig(&[CONST_S, L, S, TYPE], 4, Returns::Unknown),
    ] },
    // extract_all(regex: string constant, source: string) -- Kusto.Language: DynamicArray
    // extract_all(regex: string constant, captureGroups: DynamicArray, source: string) -- Kusto.Language:
    //     DynamicArray
    Function { name: "extract_all", kind: Kind::Scalar, signatures: &[
        sig(&[CONST_S, S], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[CONST_S, DA, S], 3, Returns::Fixed(Type::Dynamic)),
    ] },
    // extract_json(jsonPath: string constant, jsonText: string)
    // extract_json(jsonPath: string constant, jsonText: string, type: type literal) -- Kusto.Language:
    //     ParameterNLiteral, the type named by the type literal (argument 3)
    Function { name: "extract_json", kind: Kind::Scalar, signatures: &[
        sig(&[CONST_S, S], 2, Returns::Fixed(Type::String)),
        sig(&[CONST_S, S, TYPE], 3, Returns::Unknown),
    ] },
    // obsolete: Kusto.Language suggests `extract_all` (a warning, still accepted)
    // alias of `extract_all` (identical signatures)
    // extractall(regex: string constant, source: string) -- Kusto.Language: DynamicArray
    // extractall(regex: string constant, captureGroups: DynamicArray, source: string) -- Kusto.Language:
    //     DynamicArray
    Function { name: "extractall", kind: Kind::Scalar, signatures: &[
        sig(&[CONST_S, S], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[CONST_S, DA, S], 3, Returns::Fixed(Type::Dynamic)),
    ] },
    // alias of `extract_json` (identical signatures)
    // extractjson(jsonPath: string constant, jsonText: string)
    // extractjson(jsonPath: string constant, jsonText: string, type: type literal) -- Kusto.Language:
    //     ParameterNLiteral, the type named by the type literal (argument 3)
    Function { name: "extractjson", kind: Kind::Scalar, signatures: &[
        sig(&[CONST_S, S], 2, Returns::Fixed(Type::String)),
        sig(&[CONST_S, S, TYPE], 3, Returns::Unknown),
    ] },
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
    // format_bytes(size: Number, precision: Number constant?, format: string constant?)
    Function { name: "format_bytes", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, CONST_NUM, CONST_S], 1, Returns::Fixed(Type::String)),
    ] },
    // format_datetime(date: datetime, format: string literalnotempty)
    Function { name: "format_datetime", kind: Kind::Scalar, signatures: &[
        sig(&[DT, LIT_NONEMPTY_S], 2, Returns::Fixed(Type::String)),
    ] },
    // format_ipv4(ip: Scalar, prefix: long?)
    Function { name: "format_ipv4", kind: Kind::Scalar, signatures: &[sig(&[SC, L], 1, Returns::Fixed(Type::String))] },
    // format_ipv4_mask(ip: Scalar, prefix: long)
    Function { name: "format_ipv4_mask", kind: Kind::Scalar, signatures: &[
        sig(&[SC, L], 2, Returns::Fixed(Type::String)),
    ] },
    // format_timespan(timespan: timespan, format: string literalnotempty)
    Function { name: "format_timespan", kind: Kind::Scalar, signatures: &[
        sig(&[TS, LIT_NONEMPTY_S], 2, Returns::Fixed(Type::String)),
    ] },
    // gamma(number: Number)
    Function { name: "gamma", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // geo_angle(p1_longitude: Number, p1_latitude: Number, p2_longitude: Number, p2_latitude: Number,
    //     p3_longitude: Number, p3_latitude: Number)
    Function { name: "geo_angle", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM, NUM, NUM, NUM], 6, Returns::Fixed(Type::Real)),
    ] },
    // geo_azimuth(p1_longitude: Number, p1_latitude: Number, p2_longitude: Number, p2_latitude: Number)
    Function { name: "geo_azimuth", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM, NUM], 4, Returns::Fixed(Type::Real)),
    ] },
    // geo_closest_point_on_line(longitude: Number, latitude: Number, lineString: DynamicBag) -- Kusto.Language:
    //     GeoShape
    Function { name: "geo_closest_point_on_line", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, DB], 3, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_closest_point_on_polygon(longitude: Number, latitude: Number, polygon: DynamicBag) -- Kusto.Language:
    //     GeoShape
    Function { name: "geo_closest_point_on_polygon", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, DB], 3, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_distance_2points(p1_longitude: Number, p1_latitude: Number, p2_longitude: Number, p2_latitude: Number,
    //     use_spheroid: NumberOrBool?)
    Function { name: "geo_distance_2points", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM, NUM, NOB], 4, Returns::Fixed(Type::Real)),
    ] },
    // geo_distance_point_to_line(longitude: Number, latitude: Number, lineString: DynamicBag)
    Function { name: "geo_distance_point_to_line", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, DB], 3, Returns::Fixed(Type::Real)),
    ] },
    // geo_distance_point_to_polygon(longitude: Number, latitude: Number, polygon: DynamicBag)
    Function { name: "geo_distance_point_to_polygon", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, DB], 3, Returns::Fixed(Type::Real)),
    ] },
    // geo_from_wkt(wkt: StringOrArray) -- Kusto.Language: GeoShape
    Function { name: "geo_from_wkt", kind: Kind::Scalar, signatures: &[sig(&[SOA], 1, Returns::Fixed(Type::Dynamic))] },
    // geo_geohash_neighbors(geohash: string) -- Kusto.Language: DynamicArrayOfString
    Function { name: "geo_geohash_neighbors", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_geohash_to_central_point(geohash: string) -- Kusto.Language: GeoShape
    Function { name: "geo_geohash_to_central_point", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_geohash_to_polygon(geohash: string) -- Kusto.Language: GeoShape
    Function { name: "geo_geohash_to_polygon", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_h3cell_children(h3cell: string, resolution: Number?) -- Kusto.Language: DynamicArrayOfString
    Function { name: "geo_h3cell_children", kind: Kind::Scalar, signatures: &[
        sig(&[S, NUM], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_h3cell_level(h3cell: string)
    Function { name: "geo_h3cell_level", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::Int))] },
    // geo_h3cell_neighbors(h3cell: string) -- Kusto.Language: DynamicArrayOfString
    Function { name: "geo_h3cell_neighbors", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_h3cell_parent(h3cell: string, resolution: Number?)
    Function { name: "geo_h3cell_parent", kind: Kind::Scalar, signatures: &[
        sig(&[S, NUM], 1, Returns::Fixed(Type::String)),
    ] },
    // geo_h3cell_rings(h3cell: string, distance: Number) -- Kusto.Language: DynamicArrayOfArrayOfString
    Function { name: "geo_h3cell_rings", kind: Kind::Scalar, signatures: &[
        sig(&[S, NUM], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_h3cell_to_central_point(h3cell: string) -- Kusto.Language: GeoShape
    Function { name: "geo_h3cell_to_central_point", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_h3cell_to_polygon(h3cell: string) -- Kusto.Language: GeoShape
    Function { name: "geo_h3cell_to_polygon", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_info_from_ip_address(ip: string)
    Function { name: "geo_info_from_ip_address", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_intersection_2lines(lineString1: DynamicBag, lineString2: DynamicBag) -- Kusto.Language: GeoShape
    Function { name: "geo_intersection_2lines", kind: Kind::Scalar, signatures: &[
        sig(&[DB, DB], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_intersection_2polygons(polygon1: DynamicBag, polygon2: DynamicBag) -- Kusto.Language: GeoShape
    Function { name: "geo_intersection_2polygons", kind: Kind::Scalar, signatures: &[
        sig(&[DB, DB], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_intersection_line_with_polygon(lineString: DynamicBag, polygon: DynamicBag) -- Kusto.Language:
    //     GeoShape
    Function { name: "geo_intersection_line_with_polygon", kind: Kind::Scalar, signatures: &[
        sig(&[DB, DB], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_intersects_2lines(lineString1: DynamicBag, lineString2: DynamicBag)
    Function { name: "geo_intersects_2lines", kind: Kind::Scalar, signatures: &[
        sig(&[DB, DB], 2, Returns::Fixed(Type::Bool)),
    ] },
    // geo_intersects_2polygons(polygon1: DynamicBag, polygon2: DynamicBag)
    Function { name: "geo_intersects_2polygons", kind: Kind::Scalar, signatures: &[
        sig(&[DB, DB], 2, Returns::Fixed(Type::Bool)),
    ] },
    // geo_intersects_line_with_polygon(lineString: DynamicBag, polygon: DynamicBag)
    Function { name: "geo_intersects_line_with_polygon", kind: Kind::Scalar, signatures: &[
        sig(&[DB, DB], 2, Returns::Fixed(Type::Bool)),
    ] },
    // geo_line_buffer(lineString: DynamicBag, radius: Number, tolerance: Number?) -- Kusto.Language: GeoShape
    Function { name: "geo_line_buffer", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM, NUM], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_line_centroid(lineString: DynamicBag) -- Kusto.Language: GeoShape
    Function { name: "geo_line_centroid", kind: Kind::Scalar, signatures: &[
        sig(&[DB], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_line_densify(lineString: DynamicBag, tolerance: Number?, preserve_crossing: NumberOrBool?) --
    //     Kusto.Language: GeoShape
    Function { name: "geo_line_densify", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM, NOB], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_line_interpolate_point(lineString: DynamicBag, fraction: Number) -- Kusto.Language: GeoShape
    Function { name: "geo_line_interpolate_point", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_line_length(lineString: DynamicBag)
    Function { name: "geo_line_length", kind: Kind::Scalar, signatures: &[sig(&[DB], 1, Returns::Fixed(Type::Real))] },
    // geo_line_locate_point(lineString: DynamicBag, longitude: Number, latitude: Number, use_spheroid:
    //     NumberOrBool?)
    Function { name: "geo_line_locate_point", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM, NUM, NOB], 3, Returns::Fixed(Type::Real)),
    ] },
    // geo_line_simplify(lineString: DynamicBag, tolerance: Number?) -- Kusto.Language: GeoShape
    Function { name: "geo_line_simplify", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_line_to_s2cells(lineString: DynamicBag, level: Number?, radius: Number?) -- Kusto.Language:
    //     DynamicArrayOfString
    Function { name: "geo_line_to_s2cells", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM, NUM], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_point_buffer(longitude: Number, latitude: Number, radius: Number, tolerance: Number?) --
    //     Kusto.Language: GeoShape
    Function { name: "geo_point_buffer", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM, NUM], 3, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_point_in_circle(p_longitude: Number, p_latitude: Number, pc_longitude: Number, pc_latitude: Number,
    //     c_radius: Number)
    Function { name: "geo_point_in_circle", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM, NUM, NUM], 5, Returns::Fixed(Type::Bool)),
    ] },
    // geo_point_in_polygon(longitude: Number, latitude: Number, polygon: DynamicBag)
    Function { name: "geo_point_in_polygon", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, DB], 3, Returns::Fixed(Type::Bool)),
    ] },
    // geo_point_to_geohash(longitude: Number, latitude: Number, accuracy: Number?)
    Function { name: "geo_point_to_geohash", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM], 2, Returns::Fixed(Type::String)),
    ] },
    // geo_point_to_h3cell(longitude: Number, latitude: Number, resolution: Number?)
    Function { name: "geo_point_to_h3cell", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM], 2, Returns::Fixed(Type::String)),
    ] },
    // geo_point_to_s2cell(longitude: Number, latitude: Number, level: Number?)
    Function { name: "geo_point_to_s2cell", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM], 2, Returns::Fixed(Type::String)),
    ] },
    // geo_polygon_area(polygon: DynamicBag)
    Function { name: "geo_polygon_area", kind: Kind::Scalar, signatures: &[sig(&[DB], 1, Returns::Fixed(Type::Real))] },
    // geo_polygon_buffer(polygon: DynamicBag, radius: Number, tolerance: Number?) -- Kusto.Language: GeoShape
    Function { name: "geo_polygon_buffer", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM, NUM], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_polygon_centroid(polygon: DynamicBag) -- Kusto.Language: GeoShape
    Function { name: "geo_polygon_centroid", kind: Kind::Scalar, signatures: &[
        sig(&[DB], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_polygon_densify(polygon: DynamicBag, tolerance: Number?, preserve_crossing: NumberOrBool?) --
    //     Kusto.Language: GeoShape
    Function { name: "geo_polygon_densify", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM, NOB], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_polygon_perimeter(polygon: DynamicBag)
    Function { name: "geo_polygon_perimeter", kind: Kind::Scalar, signatures: &[
        sig(&[DB], 1, Returns::Fixed(Type::Real)),
    ] },
    // geo_polygon_simplify(polygon: DynamicBag, tolerance: Number?) -- Kusto.Language: GeoShape
    Function { name: "geo_polygon_simplify", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_polygon_to_h3cells(polygon: DynamicBag, resolution: Number?, radius: Number?) -- Kusto.Language:
    //     DynamicArrayOfString
    Function { name: "geo_polygon_to_h3cells", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM, NUM], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_polygon_to_s2cells(polygon: DynamicBag, level: Number?, radius: Number?) -- Kusto.Language:
    //     DynamicArrayOfString
    Function { name: "geo_polygon_to_s2cells", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM, NUM], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_s2cell_neighbors(s2cell: string) -- Kusto.Language: DynamicArrayOfString
    Function { name: "geo_s2cell_neighbors", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_s2cell_to_central_point(s2cell: string) -- Kusto.Language: GeoShape
    Function { name: "geo_s2cell_to_central_point", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_s2cell_to_polygon(s2cell: string) -- Kusto.Language: GeoShape
    Function { name: "geo_s2cell_to_polygon", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_simplify_polygons_array(polygons: DynamicArray, tolerance: Number?) -- Kusto.Language: GeoShape
    Function { name: "geo_simplify_polygons_array", kind: Kind::Scalar, signatures: &[
        sig(&[DA, NUM], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_union_lines_array(lineStrings: DynamicArray) -- Kusto.Language: GeoShape
    Function { name: "geo_union_lines_array", kind: Kind::Scalar, signatures: &[
        sig(&[DA], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_union_polygons_array(polygons: DynamicArray) -- Kusto.Language: GeoShape
    Function { name: "geo_union_polygons_array", kind: Kind::Scalar, signatures: &[
        sig(&[DA], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // getmonth(date: datetime)
    Function { name: "getmonth", kind: Kind::Scalar, signatures: &[sig(&[DT], 1, Returns::Fixed(Type::Int))] },
    // gettype(value: Scalar)
    Function { name: "gettype", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::String))] },
    // getyear(date: datetime)
    Function { name: "getyear", kind: Kind::Scalar, signatures: &[sig(&[DT], 1, Returns::Fixed(Type::Int))] },
    // graph(name: string, snapshot: string?) -- a tabular result (Kusto.Language: Parameter0Graph), not a scalar
    // graph(name: string, volatile: bool) -- a tabular result (Kusto.Language: Parameter0Graph), not a scalar
    Function { name: "graph", kind: Kind::Scalar, signatures: &[
        sig(&[S, S], 1, Returns::Unknown),
        sig(&[S, B], 2, Returns::Unknown),
    ] },
    // gzip_compress_to_base64_string(string: string)
    Function { name: "gzip_compress_to_base64_string", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::String)),
    ] },
    // gzip_decompress_from_base64_string(string: string)
    Function { name: "gzip_decompress_from_base64_string", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::String)),
    ] },
    // has_any_index(source: StringOrDynamic, values: DynamicArray)
    Function { name: "has_any_index", kind: Kind::Scalar, signatures: &[
        sig(&[SOD, DA], 2, Returns::Fixed(Type::Long)),
    ] },
    // has_any_ipv4(source: StringOrDynamic, ips: string{1..MaxRepeat})
    // has_any_ipv4(source: StringOrDynamic, ips: DynamicArray)
    Function { name: "has_any_ipv4", kind: Kind::Scalar, signatures: &[
        rep(&[SOD], 2, S, u8::MAX, Returns::Fixed(Type::Bool)),
        sig(&[SOD, DA], 2, Returns::Fixed(Type::Bool)),
    ] },
    // has_any_ipv4_prefix(source: StringOrDynamic, ip_prefixes: string{1..MaxRepeat})
    // has_any_ipv4_prefix(source: StringOrDynamic, ip_prefixes: DynamicArray)
    Function { name: "has_any_ipv4_prefix", kind: Kind::Scalar, signatures: &[
        rep(&[SOD], 2, S, u8::MAX, Returns::Fixed(Type::Bool)),
        sig(&[SOD, DA], 2, Returns::Fixed(Type::Bool)),
    ] },
    // has_ipv4(source: StringOrDynamic, ip: string)
    Function { name: "has_ipv4", kind: Kind::Scalar, signatures: &[sig(&[SOD, S], 2, Returns::Fixed(Type::Bool))] },
    // has_ipv4_prefix(source: StringOrDynamic, ip_prefix: string)
    Function { name: "has_ipv4_prefix", kind: Kind::Scalar, signatures: &[
        sig(&[SOD, S], 2, Returns::Fixed(Type::Bool)),
    ] },
    // hash(source: NotDynamic, mod: Integer?)
    Function { name: "hash", kind: Kind::Scalar, signatures: &[sig(&[ND, INT], 1, Returns::Fixed(Type::Long))] },
    // hash_combine(source: Scalar{2..MaxRepeat})
    Function { name: "hash_combine", kind: Kind::Scalar, signatures: &[
        rep(&[], 2, SC, u8::MAX, Returns::Fixed(Type::Long)),
    ] },
    // hash_many(source: NotDynamic{1..MaxRepeat})
    Function { name: "hash_many", kind: Kind::Scalar, signatures: &[
        rep(&[], 1, ND, u8::MAX, Returns::Fixed(Type::Long)),
    ] },
    // hash_md5(source: NotDynamic)
    Function { name: "hash_md5", kind: Kind::Scalar, signatures: &[sig(&[ND], 1, Returns::Fixed(Type::String))] },
    // hash_sha1(source: NotDynamic)
    Function { name: "hash_sha1", kind: Kind::Scalar, signatures: &[sig(&[ND], 1, Returns::Fixed(Type::String))] },
    // hash_sha256(source: NotDynamic)
    Function { name: "hash_sha256", kind: Kind::Scalar, signatures: &[sig(&[ND], 1, Returns::Fixed(Type::String))] },
    // hash_xxhash64(source: NotDynamic, mod: Integer?)
    Function { name: "hash_xxhash64", kind: Kind::Scalar, signatures: &[
        sig(&[ND, INT], 1, Returns::Fixed(Type::Long)),
    ] },
    // hll(expr: NotRealOrBool, accuracy: Integer?) -- Kusto.Language: DynamicArray
    Function { name: "hll", kind: Kind::Aggregate, signatures: &[sig(&[NRB, INT], 1, Returns::Fixed(Type::Dynamic))] },
    // hll_if(expr: NotRealOrBool, predicate: bool, accuracy: Integer?) -- Kusto.Language: DynamicArray
    Function { name: "hll_if", kind: Kind::Aggregate, signatures: &[
        sig(&[NRB, B, INT], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // hidden from IntelliSense (still accepted)
    // hll_isvalid(hll: DynamicArray, value: Scalar)
    Function { name: "hll_isvalid", kind: Kind::Scalar, signatures: &[sig(&[DA, SC], 2, Returns::Fixed(Type::Bool))] },
    // hll_merge(hll: DynamicArray) -- Kusto.Language: DynamicArray
    Function { name: "hll_merge", kind: Kind::Aggregate, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // hourofday(date: datetime)
    Function { name: "hourofday", kind: Kind::Scalar, signatures: &[sig(&[DT], 1, Returns::Fixed(Type::Int))] },
    // iff(if: bool, then: CommonScalarOrDynamic, else: CommonScalarOrDynamic) -- Kusto.Language:
    //     CommonNonDynamic (dynamic arguments ignored unless all are dynamic)
    Function { name: "iff", kind: Kind::Scalar, signatures: &[sig(&[B, CSOD, CSOD], 3, Returns::Common(1))] },
    // alias of `iff` (identical signatures)
    // iif(if: bool, then: CommonScalarOrDynamic, else: CommonScalarOrDynamic) -- Kusto.Language:
    //     CommonNonDynamic (dynamic arguments ignored unless all are dynamic)
    Function { name: "iif", kind: Kind::Scalar, signatures: &[sig(&[B, CSOD, CSOD], 3, Returns::Common(1))] },
    // indexof(string: Scalar, match: Scalar, start: Integer?, length: Integer?, occurrence: Integer constant?)
    Function { name: "indexof", kind: Kind::Scalar, signatures: &[
        sig(&[SC, SC, INT, INT, CONST_INT], 2, Returns::Fixed(Type::Long)),
    ] },
    // indexof_regex(string: Scalar, match: Scalar constant, start: Integer?, length: Integer?, occurrence:
    //     Integer constant?)
    Function { name: "indexof_regex", kind: Kind::Scalar, signatures: &[
        sig(&[SC, CONST_SC, INT, INT, CONST_INT], 2, Returns::Fixed(Type::Long)),
    ] },
    // ingestion_time()
    Function { name: "ingestion_time", kind: Kind::Scalar, signatures: &[sig(&[], 0, Returns::Fixed(Type::DateTime))] },
    // ipv4_compare(ip1: string, ip2: string, prefix: long?)
    Function { name: "ipv4_compare", kind: Kind::Scalar, signatures: &[
        sig(&[S, S, L], 2, Returns::Fixed(Type::Long)),
    ] },
    // ipv4_is_in_any_range(ip: StringOrDynamic, ranges: string{1..MaxRepeat})
    // ipv4_is_in_any_range(ip: StringOrDynamic, ranges: DynamicArray)
    Function { name: "ipv4_is_in_any_range", kind: Kind::Scalar, signatures: &[
        rep(&[SOD], 2, S, u8::MAX, Returns::Fixed(Type::Bool)),
        sig(&[SOD, DA], 2, Returns::Fixed(Type::Bool)),
    ] },
    // ipv4_is_in_range(ip: string, ip_range: string)
    Function { name: "ipv4_is_in_range", kind: Kind::Scalar, signatures: &[
        sig(&[S, S], 2, Returns::Fixed(Type::Bool)),
    ] },
    // ipv4_is_match(ip1: string, ip2: string, prefix: long?)
    Function { name: "ipv4_is_match", kind: Kind::Scalar, signatures: &[
        sig(&[S, S, L], 2, Returns::Fixed(Type::Bool)),
    ] },
    // ipv4_is_private(ip: string)
    Function { name: "ipv4_is_private", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::Bool))] },
    // ipv4_netmask_suffix(ip: string)
    Function { name: "ipv4_netmask_suffix", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Long)),
    ] },
    // ipv4_range_to_cidr_list(start_ip: string, end_ip: string) -- Kusto.Language: DynamicArray
    Function { name: "ipv4_range_to_cidr_list", kind: Kind::Scalar, signatures: &[
        sig(&[S, S], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // ipv6_compare(ip1: string, ip2: string, prefix: long?)
    Function { name: "ipv6_compare", kind: Kind::Scalar, signatures: &[
        sig(&[S, S, L], 2, Returns::Fixed(Type::Long)),
    ] },
    // ipv6_is_in_any_range(ip: StringOrDynamic, ranges: string{1..MaxRepeat})
    // ipv6_is_in_any_range(ip: StringOrDynamic, ranges: DynamicArray)
    Function { name: "ipv6_is_in_any_range", kind: Kind::Scalar, signatures: &[
        rep(&[SOD], 2, S, u8::MAX, Returns::Fixed(Type::Bool)),
        sig(&[SOD, DA], 2, Returns::Fixed(Type::Bool)),
    ] },
    // ipv6_is_in_range(ip: string, ip_range: string)
    Function { name: "ipv6_is_in_range", kind: Kind::Scalar, signatures: &[
        sig(&[S, S], 2, Returns::Fixed(Type::Bool)),
    ] },
    // ipv6_is_match(ip1: string, ip2: string, prefix: long?)
    Function { name: "ipv6_is_match", kind: Kind::Scalar, signatures: &[
        sig(&[S, S, L], 2, Returns::Fixed(Type::Bool)),
    ] },
    // isascii(value: Scalar)
    Function { name: "isascii", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Bool))] },
    // hidden from IntelliSense (still accepted)
    // iscolumnexists(column_name: string constant)
    Function { name: "iscolumnexists", kind: Kind::Scalar, signatures: &[
        sig(&[CONST_S], 1, Returns::Fixed(Type::Bool)),
    ] },
    // isempty(value: Scalar)
    Function { name: "isempty", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Bool))] },
    // isfinite(number: real)
    Function { name: "isfinite", kind: Kind::Scalar, signatures: &[sig(&[R], 1, Returns::Fixed(Type::Bool))] },
    // isinf(number: real)
    Function { name: "isinf", kind: Kind::Scalar, signatures: &[sig(&[R], 1, Returns::Fixed(Type::Bool))] },
    // isnan(number: real)
    Function { name: "isnan", kind: Kind::Scalar, signatures: &[sig(&[R], 1, Returns::Fixed(Type::Bool))] },
    // isnotempty(value: Scalar)
    Function { name: "isnotempty", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Bool))] },
    // isnotnull(expression: Scalar)
    Function { name: "isnotnull", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Bool))] },
    // isnull(expression: Scalar)
    Function { name: "isnull", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Bool))] },
    // isutf8(value: Scalar)
    Function { name: "isutf8", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Bool))] },
    // jaccard_index(set: DynamicArray{2..2}) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "jaccard_index", kind: Kind::Scalar, signatures: &[
        rep(&[], 2, DA, 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // log(number: Number)
    Function { name: "log", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // log10(number: Number)
    Function { name: "log10", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // log2(number: Number)
    Function { name: "log2", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // loggamma(number: Number)
    Function { name: "loggamma", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // make_bag(expr: DynamicBag, maxSize: Integer?) -- Kusto.Language: DynamicBag
    Function { name: "make_bag", kind: Kind::Aggregate, signatures: &[
        sig(&[DB, INT], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // make_bag_if(expr: DynamicBag, predicate: bool, maxSize: Integer?) -- Kusto.Language: DynamicBag
    Function { name: "make_bag_if", kind: Kind::Aggregate, signatures: &[
        sig(&[DB, B, INT], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // make_datetime(year: Number, month: Number, day: Number, hour: Number?, minute: Number?, second: Number?)
    // make_datetime(value: Scalar)
    Function { name: "make_datetime", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM, NUM, NUM, NUM], 3, Returns::Fixed(Type::DateTime)),
        sig(&[SC], 1, Returns::Fixed(Type::DateTime)),
    ] },
    // hidden from IntelliSense (still accepted)
    // alias of `make_bag` (identical signatures)
    // make_dictionary(expr: DynamicBag, maxSize: Integer?) -- Kusto.Language: DynamicBag
    Function { name: "make_dictionary", kind: Kind::Aggregate, signatures: &[
        sig(&[DB, INT], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // make_list(expr: Scalar, maxSize: Integer?) -- Kusto.Language: Parameter0Array, a dynamic array of the
    //     first argument's type
    Function { name: "make_list", kind: Kind::Aggregate, signatures: &[
        sig(&[SC, INT], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // make_list_if(expr: Scalar, predicate: bool, maxSize: Integer?) -- Kusto.Language: Parameter0Array, a
    //     dynamic array of the first argument's type
    Function { name: "make_list_if", kind: Kind::Aggregate, signatures: &[
        sig(&[SC, B, INT], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // make_list_with_nulls(expr: Scalar) -- Kusto.Language: Parameter0Array, a dynamic array of the first
    //     argument's type
    Function { name: "make_list_with_nulls", kind: Kind::Aggregate, signatures: &[
        sig(&[SC], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // make_set(expr: Scalar, maxSize: Integer?) -- Kusto.Language: Parameter0Array, a dynamic array of the first
    //     argument's type
    Function { name: "make_set", kind: Kind::Aggregate, signatures: &[
        sig(&[SC, INT], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // make_set_if(expr: Scalar, predicate: bool, maxSize: Integer?) -- Kusto.Language: Parameter0Array, a
    //     dynamic array of the first argument's type
    Function { name: "make_set_if", kind: Kind::Aggregate, signatures: &[
        sig(&[SC, B, INT], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // obsolete: Kusto.Language suggests `unicode_codepoints_to_string` (a warning, still accepted)
    // alias of `unicode_codepoints_to_string` (identical signatures)
    // make_string(value: IntegerOrArray{1..MaxRepeat})
    Function { name: "make_string", kind: Kind::Scalar, signatures: &[
        rep(&[], 1, IOA, u8::MAX, Returns::Fixed(Type::String)),
    ] },
    // make_timespan(days: Integer, hours: Integer, minutes: Integer, seconds: Integer)
    // make_timespan(hours: Integer, minutes: Integer, seconds: Integer?)
    // make_timespan(value: Scalar)
    Function { name: "make_timespan", kind: Kind::Scalar, signatures: &[
        sig(&[INT, INT, INT, INT], 4, Returns::Fixed(Type::TimeSpan)),
        sig(&[INT, INT, INT], 2, Returns::Fixed(Type::TimeSpan)),
        sig(&[SC], 1, Returns::Fixed(Type::TimeSpan)),
    ] },
    // obsolete: Kusto.Language suggests `make_list` (a warning, still accepted)
    // hidden from IntelliSense (still accepted)
    // alias of `make_list` (identical signatures)
    // makelist(expr: Scalar, maxSize: Integer?) -- Kusto.Language: Parameter0Array, a dynamic array of the first
    //     argument's type
    Function { name: "makelist", kind: Kind::Aggregate, signatures: &[
        sig(&[SC, INT], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // obsolete: Kusto.Language suggests `make_set` (a warning, still accepted)
    // hidden from IntelliSense (still accepted)
    // alias of `make_set` (identical signatures)
    // makeset(expr: Scalar, maxSize: Integer?) -- Kusto.Language: Parameter0Array, a dynamic array of the first
    //     argument's type
    Function { name: "makeset", kind: Kind::Aggregate, signatures: &[
        sig(&[SC, INT], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // materialized_view(name: string, max_age: timespan?) -- a tabular result (Kusto.Language:
    //     Parameter0MaterializedView), not a scalar
    Function { name: "materialized_view", kind: Kind::Scalar, signatures: &[sig(&[S, TS], 1, Returns::Unknown)] },
    // max(expr: Orderable)
    Function { name: "max", kind: Kind::Aggregate, signatures: &[sig(&[ORD], 1, Returns::Arg(0))] },
    // max_of(arg: CommonOrderable{2..64})
    Function { name: "max_of", kind: Kind::Scalar, signatures: &[rep(&[], 2, CORD, 64, Returns::Common(0))] },
    // maxif(expr: Orderable, predicate: bool)
    Function { name: "maxif", kind: Kind::Aggregate, signatures: &[sig(&[ORD, B], 2, Returns::Arg(0))] },
    // alias of `tdigest_merge` (identical signatures)
    // merge_tdigest(tdigest: DynamicArray) -- Kusto.Language: DynamicArray
    Function { name: "merge_tdigest", kind: Kind::Aggregate, signatures: &[
        sig(&[DA], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // min(expr: Orderable)
    Function { name: "min", kind: Kind::Aggregate, signatures: &[sig(&[ORD], 1, Returns::Arg(0))] },
    // min_of(arg: CommonOrderable{2..64})
    Function { name: "min_of", kind: Kind::Scalar, signatures: &[rep(&[], 2, CORD, 64, Returns::Common(0))] },
    // minif(expr: Orderable, predicate: bool)
    Function { name: "minif", kind: Kind::Aggregate, signatures: &[sig(&[ORD, B], 2, Returns::Arg(0))] },
    // monthofyear(date: datetime)
    Function { name: "monthofyear", kind: Kind::Scalar, signatures: &[sig(&[DT], 1, Returns::Fixed(Type::Int))] },
    // new_guid()
    Function { name: "new_guid", kind: Kind::Scalar, signatures: &[sig(&[], 0, Returns::Fixed(Type::Guid))] },
    // window function: needs a serialized row set (Kusto.Language itself does not check this)
    // next(column: Scalar column, offset: long?, default_value: Scalar constant?)
    Function { name: "next", kind: Kind::Window, signatures: &[sig(&[COLUMN_SC, L, CONST_SC], 1, Returns::Arg(0))] },
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
    // now(offset: timespan?)
    Function { name: "now", kind: Kind::Scalar, signatures: &[sig(&[TS], 0, Returns::Fixed(Type::DateTime))] },
    // obsolete: Kusto.Language suggests `bag_pack` (a warning, still accepted)
    // alias of `bag_pack` (identical signatures)
    // pack(key: string{1..MaxRepeat}, value: Scalar{1..MaxRepeat}) -- Kusto.Language: a bag with one property
    //     per constant key, typed as its value
    Function { name: "pack", kind: Kind::Scalar, signatures: &[
        rep(&[], 2, Param::Block { group: &[S, SC], tail: &[] }, u8::MAX, Returns::Fixed(Type::Dynamic)),
    ] },
    // pack_all(ignore_null_empty: Scalar literal?) -- Kusto.Language: a bag with one property per column in the
    //     row scope
    Function { name: "pack_all", kind: Kind::Scalar, signatures: &[sig(&[LIT_SC], 0, Returns::Fixed(Type::Dynamic))] },
    // pack_array(value: Scalar{1..MaxRepeat}) -- Kusto.Language: dynamic array of the common type of the values
    //     (or of the row scope's columns for `*`)
    // pack_array(value: Scalar staronly) -- Kusto.Language: dynamic array of the common type of the values (or
    //     of the row scope's columns for `*`)
    Function { name: "pack_array", kind: Kind::Scalar, signatures: &[
        rep(&[], 1, SC, u8::MAX, Returns::Fixed(Type::Dynamic)),
        sig(&[STAR], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // obsolete: Kusto.Language suggests `bag_pack` (a warning, still accepted)
    // alias of `bag_pack` (identical signatures)
    // pack_dictionary(key: string{1..MaxRepeat}, value: Scalar{1..MaxRepeat}) -- Kusto.Language: a bag with one
    //     property per constant key, typed as its value
    Function { name: "pack_dictionary", kind: Kind::Scalar, signatures: &[
        rep(&[], 2, Param::Block { group: &[S, SC], tail: &[] }, u8::MAX, Returns::Fixed(Type::Dynamic)),
    ] },
    // parse_command_line(command: Scalar, parser: string) -- Kusto.Language: DynamicArrayOfString
    Function { name: "parse_command_line", kind: Kind::Scalar, signatures: &[
        sig(&[SC, S], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // parse_csv(csv_text: StringOrDynamic) -- Kusto.Language: DynamicArray
    Function { name: "parse_csv", kind: Kind::Scalar, signatures: &[sig(&[SOD], 1, Returns::Fixed(Type::Dynamic))] },
    // parse_ipv4(ip: string)
    Function { name: "parse_ipv4", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::Long))] },
    // parse_ipv4_mask(ip: string, prefix: long)
    Function { name: "parse_ipv4_mask", kind: Kind::Scalar, signatures: &[
        sig(&[S, L], 2, Returns::Fixed(Type::Long)),
    ] },
    // parse_ipv6(ip: string)
    Function { name: "parse_ipv6", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::String))] },
    // parse_ipv6_mask(ip: string, prefix: long)
    Function { name: "parse_ipv6_mask", kind: Kind::Scalar, signatures: &[
        sig(&[S, L], 2, Returns::Fixed(Type::String)),
    ] },
    // parse_json(json_text: StringOrDynamic)
    Function { name: "parse_json", kind: Kind::Scalar, signatures: &[sig(&[SOD], 1, Returns::Fixed(Type::Dynamic))] },
    // parse_path(path: string) -- Kusto.Language: DynamicBag
    Function { name: "parse_path", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::Dynamic))] },
    // parse_url(url: string) -- Kusto.Language: DynamicBag
    Function { name: "parse_url", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::Dynamic))] },
    // parse_urlquery(query: string) -- Kusto.Language: DynamicBag
    Function { name: "parse_urlquery", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::Dynamic))] },
    // parse_user_agent(user_agent: string, look_for: StringOrArray?) -- Kusto.Language: DynamicBag
    Function { name: "parse_user_agent", kind: Kind::Scalar, signatures: &[
        sig(&[S, SOA], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // parse_version(version: string)
    Function { name: "parse_version", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::Decimal))] },
    // parse_xml(xml_text: StringOrDynamic) -- Kusto.Language: DynamicBag
    Function { name: "parse_xml", kind: Kind::Scalar, signatures: &[sig(&[SOD], 1, Returns::Fixed(Type::Dynamic))] },
    // obsolete: Kusto.Language suggests `parse_json` (a warning, still accepted)
    // alias of `parse_json` (identical signatures)
    // parsejson(json_text: StringOrDynamic)
    Function { name: "parsejson", kind: Kind::Scalar, signatures: &[sig(&[SOD], 1, Returns::Fixed(Type::Dynamic))] },
    // obsolete: Kusto.Language suggests `parse_url` (a warning, still accepted)
    // alias of `parse_url` (identical signatures)
    // parseurl(url: string) -- Kusto.Language: DynamicBag
    Function { name: "parseurl", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::Dynamic))] },
    // obsolete: Kusto.Language suggests `parse_urlquery` (a warning, still accepted)
    // alias of `parse_urlquery` (identical signatures)
    // parseurlquery(query: string) -- Kusto.Language: DynamicBag
    Function { name: "parseurlquery", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::Dynamic))] },
    // hidden from IntelliSense (still accepted)
    // passthrough(expr: Scalar)
    Function { name: "passthrough", kind: Kind::Aggregate, signatures: &[sig(&[SC], 1, Returns::Arg(0))] },
    // percentile(expr: Scalar, percentile: Number) -- several columns (a tuple): one column
    //     percentile_<expr>_<p>, typed as expr (int -> long, decimal -> real)
    Function { name: "percentile", kind: Kind::Aggregate, signatures: &[sig(&[SC, NUM], 2, Returns::Unknown)] },
    // percentile_tdigest(tdigest: DynamicArray, percentile1: real)
    // percentile_tdigest(tdigest: DynamicArray, percentile1: real, type: type literal) -- Kusto.Language:
    //     ParameterNLiteral, the type named by the type literal (argument 3)
    Function { name: "percentile_tdigest", kind: Kind::Scalar, signatures: &[
        sig(&[DA, R], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, R, TYPE], 3, Returns::Unknown),
    ] },
    // percentiles(expr: Scalar, percentile: Number{1..MaxRepeat}) -- several columns (a tuple): one column
    //     percentile_<expr>_<p> per percentile, typed as expr (int -> long, decimal -> real)
    Function { name: "percentiles", kind: Kind::Aggregate, signatures: &[
        rep(&[SC], 2, NUM, u8::MAX, Returns::Unknown),
    ] },
    // percentiles_array(expr: Scalar, percentile: Number{1..MaxRepeat}) -- several columns (a tuple): one column
    //     percentiles_<expr>: dynamic array
    // percentiles_array(expr: Scalar, percentiles: DynamicArray) -- several columns (a tuple): one column
    //     percentiles_<expr>: dynamic array
    Function { name: "percentiles_array", kind: Kind::Aggregate, signatures: &[
        rep(&[SC], 2, NUM, u8::MAX, Returns::Unknown),
        sig(&[SC, DA], 2, Returns::Unknown),
    ] },
    // percentiles_array_tdigest(tdigest: DynamicArray, percentile: real{1..MaxRepeat}) -- Kusto.Language:
    //     DynamicArray
    // percentiles_array_tdigest(tdigest: DynamicArray, percentiles: DynamicArray) -- Kusto.Language:
    //     DynamicArray
    Function { name: "percentiles_array_tdigest", kind: Kind::Scalar, signatures: &[
        rep(&[DA], 2, R, u8::MAX, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // percentilesw(expr: Scalar, weight: Integer, percentile: Number{1..MaxRepeat}) -- several columns (a
    //     tuple): one column percentile_<expr>_<p> per percentile, typed as expr (int -> long, decimal -> real)
    Function { name: "percentilesw", kind: Kind::Aggregate, signatures: &[
        rep(&[SC, INT], 3, NUM, u8::MAX, Returns::Unknown),
    ] },
    // percentilesw_array(expr: Scalar, weight: Integer, percentile: Number{1..MaxRepeat}) -- several columns (a
    //     tuple): one column percentiles_<expr>: dynamic array
    // percentilesw_array(expr: Scalar, weight: Integer, percentiles: DynamicArray) -- several columns (a tuple):
    //     one column percentiles_<expr>: dynamic array
    Function { name: "percentilesw_array", kind: Kind::Aggregate, signatures: &[
        rep(&[SC, INT], 3, NUM, u8::MAX, Returns::Unknown),
        sig(&[SC, INT, DA], 3, Returns::Unknown),
    ] },
    // percentilew(expr: Scalar, weight: Integer, percentile: Number) -- several columns (a tuple): one column
    //     percentile_<expr>_<p>, typed as expr (int -> long, decimal -> real)
    Function { name: "percentilew", kind: Kind::Aggregate, signatures: &[sig(&[SC, INT, NUM], 3, Returns::Unknown)] },
    // percentrank_tdigest(digest: DynamicArray, value: Scalar)
    Function { name: "percentrank_tdigest", kind: Kind::Scalar, signatures: &[
        sig(&[DA, SC], 2, Returns::Fixed(Type::Real)),
    ] },
    // pi()
    Function { name: "pi", kind: Kind::Scalar, signatures: &[sig(&[], 0, Returns::Fixed(Type::Real))] },
    // pow(base: Number, exponent: Number)
    Function { name: "pow", kind: Kind::Scalar, signatures: &[sig(&[NUM, NUM], 2, Returns::Fixed(Type::Real))] },
    // window function: needs a serialized row set (Kusto.Language itself does not check this)
    // prev(column: Scalar column, offset: long?, default_value: Scalar constant?)
    Function { name: "prev", kind: Kind::Window, signatures: &[sig(&[COLUMN_SC, L, CONST_SC], 1, Returns::Arg(0))] },
    // punycode_domain_from_string(string: string)
    Function { name: "punycode_domain_from_string", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::String)),
    ] },
    // punycode_domain_to_string(string: string)
    Function { name: "punycode_domain_to_string", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::String)),
    ] },
    // punycode_from_string(string: string)
    Function { name: "punycode_from_string", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::String)),
    ] },
    // punycode_to_string(string: string)
    Function { name: "punycode_to_string", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::String)),
    ] },
    // radians(degrees: Number)
    Function { name: "radians", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // rand(number: Integer?)
    Function { name: "rand", kind: Kind::Scalar, signatures: &[sig(&[INT], 0, Returns::Fixed(Type::Real))] },
    // range(start: Summable, stop: Summable, step: Summable?) -- Kusto.Language: Parameter0Array, a dynamic
    //     array of the first argument's type
    Function { name: "range", kind: Kind::Scalar, signatures: &[
        sig(&[SUM, SUM, SUM], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // rank_tdigest(digest: DynamicArray, value: Scalar)
    Function { name: "rank_tdigest", kind: Kind::Scalar, signatures: &[sig(&[DA, SC], 2, Returns::Fixed(Type::Real))] },
    // regex_quote(string: Scalar)
    Function { name: "regex_quote", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::String))] },
    // repeat(value: Scalar, count: long) -- Kusto.Language: Parameter0Array, a dynamic array of the first
    //     argument's type
    Function { name: "repeat", kind: Kind::Scalar, signatures: &[sig(&[SC, L], 2, Returns::Fixed(Type::Dynamic))] },
    // obsolete: Kusto.Language suggests `replace_regex' or 'replace_string` (a warning, still accepted)
    // replace(regex: string constant, rewrite: string constant, source: string)
    Function { name: "replace", kind: Kind::Scalar, signatures: &[
        sig(&[CONST_S, CONST_S, S], 3, Returns::Fixed(Type::String)),
    ] },
    // replace_regex(source: string, lookup_regex: string constant, rewrite_pattern: string constant)
    Function { name: "replace_regex", kind: Kind::Scalar, signatures: &[
        sig(&[S, CONST_S, CONST_S], 3, Returns::Fixed(Type::String)),
    ] },
    // replace_string(text: string, lookup: string, rewrite: string)
    Function { name: "replace_string", kind: Kind::Scalar, signatures: &[
        sig(&[S, S, S], 3, Returns::Fixed(Type::String)),
    ] },
    // replace_strings(text: string, lookups: DynamicArray, rewrites: DynamicArray)
    Function { name: "replace_strings", kind: Kind::Scalar, signatures: &[
        sig(&[S, DA, DA], 3, Returns::Fixed(Type::String)),
    ] },
    // reverse(value: Scalar)
    Function { name: "reverse", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::String))] },
    // round(number: Number, precision: long constant?)
    Function { name: "round", kind: Kind::Scalar, signatures: &[sig(&[NUM, CONST_L], 1, Returns::Arg(0))] },
    // window function: needs a serialized row set (Kusto.Language itself does not check this)
    // row_cumsum(term: Number, restart: bool?)
    Function { name: "row_cumsum", kind: Kind::Window, signatures: &[sig(&[NUM, B], 1, Returns::Arg(0))] },
    // row_id()
    Function { name: "row_id", kind: Kind::Scalar, signatures: &[sig(&[], 0, Returns::Fixed(Type::String))] },
    // window function: needs a serialized row set (Kusto.Language itself does not check this)
    // row_number(startingIndex: long?, restart: bool?)
    Function { name: "row_number", kind: Kind::Window, signatures: &[sig(&[L, B], 0, Returns::Fixed(Type::Long))] },
    // obsolete: Kusto.Language suggests `row_rank_dense` (a warning, still accepted)
    // older form of `row_rank_dense` (second argument is a constant `dense` flag)
    // window function: needs a serialized row set (Kusto.Language itself does not check this)
    // row_rank(column: NotDynamic, dense: bool constant?)
    Function { name: "row_rank", kind: Kind::Window, signatures: &[
        sig(&[ND, CONST_B], 1, Returns::Fixed(Type::Long)),
    ] },
    // window function: needs a serialized row set (Kusto.Language itself does not check this)
    // row_rank_dense(term: NotDynamic, restart: bool?)
    Function { name: "row_rank_dense", kind: Kind::Window, signatures: &[
        sig(&[ND, B], 1, Returns::Fixed(Type::Long)),
    ] },
    // window function: needs a serialized row set (Kusto.Language itself does not check this)
    // row_rank_min(term: NotDynamic, restart: bool?)
    Function { name: "row_rank_min", kind: Kind::Window, signatures: &[sig(&[ND, B], 1, Returns::Fixed(Type::Long))] },
    // window function: needs a serialized row set (Kusto.Language itself does not check this)
    // row_window_session(expr: datetime, maxDistanceFromFirst: timespan, maxDistanceBetweenNeighbors: timespan,
    //     restart: bool?)
    Function { name: "row_window_session", kind: Kind::Window, signatures: &[
        sig(&[DT, TS, TS, B], 3, Returns::Arg(0)),
    ] },
    // hidden from IntelliSense (still accepted)
    // rowstore_ordinal_range()
    Function { name: "rowstore_ordinal_range", kind: Kind::Scalar, signatures: &[
        sig(&[], 0, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_abs(series: DynamicArray)
    Function { name: "series_abs", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Arg(0))] },
    // series_acos(series: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_acos", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // series_add(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArray
    // series_add(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArray
    // series_add(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArray
    Function { name: "series_add", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_asin(series: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_asin", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // series_atan(series: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_atan", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // series_ceiling(series: DynamicArray)
    Function { name: "series_ceiling", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Arg(0))] },
    // series_cos(series: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_cos", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // series_cosine_similarity(series1: DynamicArray, series2: DynamicArray, series1_magnitude: real?,
    //     series2_magnitude: real?)
    Function { name: "series_cosine_similarity", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA, R, R], 2, Returns::Fixed(Type::Real)),
    ] },
    // series_decompose(series: DynamicArray, period: Integer?, trend: string?, test_points: Integer?,
    //     seasonality_threshold: Number?) -- several columns (a tuple): columns series_decompose_<arg>_{baseline,
    //     seasonal, trend, residual} (dynamic arrays)
    Function { name: "series_decompose", kind: Kind::Scalar, signatures: &[
        sig(&[DA, INT, S, INT, NUM], 1, Returns::Unknown),
    ] },
    // series_decompose_anomalies(series: DynamicArray, threshold: Number?, period: Integer?, trend: string?,
    //     test_points: Integer?, method: string?, seasonality_threshold: Number?) -- several columns (a tuple):
    //     columns series_decompose_anomalies_<arg>_{ad_flag, ad_score, baseline} (dynamic arrays)
    Function { name: "series_decompose_anomalies", kind: Kind::Scalar, signatures: &[
        sig(&[DA, NUM, INT, S, INT, S, NUM], 1, Returns::Unknown),
    ] },
    // series_decompose_forecast(series: DynamicArray, test_points: Integer, period: Integer?, trend: string?,
    //     seasonality_threshold: Number?) -- several columns (a tuple): columns
    //     series_decompose_forecast_<arg>_{baseline, seasonal, trend, residual} (dynamic arrays)
    Function { name: "series_decompose_forecast", kind: Kind::Scalar, signatures: &[
        sig(&[DA, INT, INT, S, NUM], 2, Returns::Unknown),
    ] },
    // series_divide(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    // series_divide(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArrayOfReal
    // series_divide(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_divide", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_dot_product(series1: DynamicArray, series2: DynamicArray)
    // series_dot_product(series1: DynamicArray, series2: Number)
    // series_dot_product(series1: Number, series2: DynamicArray)
    Function { name: "series_dot_product", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Real)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Real)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Real)),
    ] },
    // series_equals(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    // series_equals(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArrayOfBool
    // series_equals(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    Function { name: "series_equals", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_exp(series: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_exp", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // series_fft(series: DynamicArray, series_imaginary: DynamicArray?) -- several columns (a tuple): columns
    //     series_fft_<arg>_{real, imag} (dynamic arrays of real)
    Function { name: "series_fft", kind: Kind::Scalar, signatures: &[sig(&[DA, DA], 1, Returns::Unknown)] },
    // series_fill_backward(series: DynamicArray, missing_value_placeholder: Number?)
    Function { name: "series_fill_backward", kind: Kind::Scalar, signatures: &[sig(&[DA, NUM], 1, Returns::Arg(0))] },
    // series_fill_const(series: DynamicArray, constant_value: Number?, missing_value_placeholder: Number?)
    Function { name: "series_fill_const", kind: Kind::Scalar, signatures: &[sig(&[DA, NUM, NUM], 1, Returns::Arg(0))] },
    // series_fill_forward(series: DynamicArray, missing_value_placeholder: Number?)
    Function { name: "series_fill_forward", kind: Kind::Scalar, signatures: &[sig(&[DA, NUM], 1, Returns::Arg(0))] },
    // series_fill_linear(series: DynamicArray, missing_value_placeholder: Number?, fill_edges: bool?,
    //     constant_value: Number?)
    Function { name: "series_fill_linear", kind: Kind::Scalar, signatures: &[
        sig(&[DA, NUM, B, NUM], 1, Returns::Arg(0)),
    ] },
    // series_fir(series: DynamicArray, filter: DynamicArray, normalize: bool?, center: bool?) -- Kusto.Language:
    //     DynamicArrayOfReal
    Function { name: "series_fir", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA, B, B], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_fit_2lines(array: DynamicArray) -- several columns (a tuple): columns
    //     series_fit_2lines_<arg>_{rsquare, split_idx: long, variance, rvariance, line_fit: dynamic,
    //     right_/left_{rsquare, slope, interception, variance, rvariance}} (real unless noted)
    Function { name: "series_fit_2lines", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Unknown)] },
    // series_fit_2lines_dynamic(series: DynamicArray) -- bag with the series_fit_2lines properties
    Function { name: "series_fit_2lines_dynamic", kind: Kind::Scalar, signatures: &[
        sig(&[DA], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_fit_line(series: DynamicArray) -- several columns (a tuple): columns
    //     series_fit_line_<arg>_{rsquare, slope, variance, rvariance, interception: real, line_fit: dynamic}
    Function { name: "series_fit_line", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Unknown)] },
    // series_fit_line_dynamic(series: DynamicArray) -- bag {rsquare, slope, variance, rvariance, interception,
    //     line_fit}
    Function { name: "series_fit_line_dynamic", kind: Kind::Scalar, signatures: &[
        sig(&[DA], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_fit_poly(y_series: DynamicArray, x_series: DynamicArray?, degree: int?) -- several columns (a
    //     tuple): columns series_fit_poly_<arg>_{rsquare: real, coefficients: dynamic, variance: real, rvariance:
    //     real, poly_fit: dynamic}
    Function { name: "series_fit_poly", kind: Kind::Scalar, signatures: &[sig(&[DA, DA, I32], 1, Returns::Unknown)] },
    // series_floor(series: DynamicArray) -- Kusto.Language: DynamicArray
    Function { name: "series_floor", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // series_greater(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    // series_greater(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArrayOfBool
    // series_greater(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    Function { name: "series_greater", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_greater_equals(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    // series_greater_equals(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArrayOfBool
    // series_greater_equals(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    Function { name: "series_greater_equals", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_ifft(series: DynamicArray, series_imaginary: DynamicArray?) -- several columns (a tuple): columns
    //     series_ifft_<arg>_{real, imag} (dynamic arrays of real)
    Function { name: "series_ifft", kind: Kind::Scalar, signatures: &[sig(&[DA, DA], 1, Returns::Unknown)] },
    // series_iir(series: DynamicArray, numerators: DynamicArray, denominators: DynamicArray) -- Kusto.Language:
    //     DynamicArrayOfReal
    Function { name: "series_iir", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA, DA], 3, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_less(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    // series_less(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArrayOfBool
    // series_less(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    Function { name: "series_less", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_less_equals(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    // series_less_equals(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArrayOfBool
    // series_less_equals(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    Function { name: "series_less_equals", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_log(series: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_log", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // series_magnitude(series: DynamicArray)
    Function { name: "series_magnitude", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Real))] },
    // series_multiply(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArray
    // series_multiply(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArray
    // series_multiply(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArray
    Function { name: "series_multiply", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_not_equals(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    // series_not_equals(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArrayOfBool
    // series_not_equals(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfBool
    Function { name: "series_not_equals", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_outliers(series: DynamicArray, kind: string?, ignore_val: Number?)
    // series_outliers(series: DynamicArray, kind: string, ignore_val: real, min_percentile: real,
    //     max_percentile: real?, test_points: Integer?)
    Function { name: "series_outliers", kind: Kind::Scalar, signatures: &[
        sig(&[DA, S, NUM], 1, Returns::Arg(0)),
        sig(&[DA, S, R, R, R, INT], 4, Returns::Arg(0)),
    ] },
    // series_pearson_correlation(series1: DynamicArray, series2: DynamicArray)
    Function { name: "series_pearson_correlation", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Real)),
    ] },
    // series_periods_detect(series: DynamicArray, min_period: Number, max_period: Number, num_periods: long) --
    //     several columns (a tuple): columns series_periods_detect_<arg>_{periods, scores} (dynamic arrays of real)
    Function { name: "series_periods_detect", kind: Kind::Scalar, signatures: &[
        sig(&[DA, NUM, NUM, L], 4, Returns::Unknown),
    ] },
    // series_periods_validate(series: DynamicArray, period: Number{1..16}) -- several columns (a tuple): columns
    //     series_periods_validate_<arg>_{periods, scores} (dynamic arrays of real)
    Function { name: "series_periods_validate", kind: Kind::Scalar, signatures: &[
        rep(&[DA], 2, NUM, 17, Returns::Unknown),
    ] },
    // series_pow(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    // series_pow(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArrayOfReal
    // series_pow(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_pow", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_product(series: DynamicArray)
    Function { name: "series_product", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Real))] },
    // series_seasonal(series: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    // series_seasonal(series: DynamicArray, period: Integer) -- Kusto.Language: DynamicArrayOfReal
    // series_seasonal(series: DynamicArray, period: Integer, test_points: Integer) -- Kusto.Language:
    //     DynamicArrayOfReal
    Function { name: "series_seasonal", kind: Kind::Scalar, signatures: &[
        sig(&[DA], 1, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, INT], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, INT, INT], 3, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_sign(series: DynamicArray) -- Kusto.Language: DynamicArrayOfLong
    Function { name: "series_sign", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // series_sin(series: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_sin", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // series_stats(series: DynamicArray, ignore_nonfinite: bool constant?) -- several columns (a tuple): columns
    //     series_stats_<arg>_{min: real, min_idx: long, max: real, max_idx: long, avg: real, stdev: real, variance:
    //     real}
    Function { name: "series_stats", kind: Kind::Scalar, signatures: &[sig(&[DA, CONST_B], 1, Returns::Unknown)] },
    // series_stats_dynamic(series: DynamicArray, ignore_nonfinite: bool constant?) -- bag {min, min_idx, max,
    //     max_idx, avg, stdev, variance}
    Function { name: "series_stats_dynamic", kind: Kind::Scalar, signatures: &[
        sig(&[DA, CONST_B], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_subtract(series1: DynamicArray, series2: DynamicArray) -- Kusto.Language: DynamicArray
    // series_subtract(series1: DynamicArray, series2: Number) -- Kusto.Language: DynamicArray
    // series_subtract(series1: Number, series2: DynamicArray) -- Kusto.Language: DynamicArray
    Function { name: "series_subtract", kind: Kind::Scalar, signatures: &[
        sig(&[DA, DA], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[DA, NUM], 2, Returns::Fixed(Type::Dynamic)),
        sig(&[NUM, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // series_sum(series: DynamicArray)
    Function { name: "series_sum", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Real))] },
    // series_tan(series: DynamicArray) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "series_tan", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Dynamic))] },
    // set_difference(set: DynamicArray{2..64}) -- Kusto.Language: the sets' common array type, else dynamic
    //     array
    Function { name: "set_difference", kind: Kind::Scalar, signatures: &[
        rep(&[], 2, DA, 64, Returns::Fixed(Type::Dynamic)),
    ] },
    // set_equals(set1: DynamicArray, set2: DynamicArray)
    Function { name: "set_equals", kind: Kind::Scalar, signatures: &[sig(&[DA, DA], 2, Returns::Fixed(Type::Bool))] },
    // set_has_element(set: DynamicArray, value: Scalar)
    Function { name: "set_has_element", kind: Kind::Scalar, signatures: &[
        sig(&[DA, SC], 2, Returns::Fixed(Type::Bool)),
    ] },
    // set_intersect(set: DynamicArray{2..64}) -- Kusto.Language: the sets' common array type, else dynamic array
    Function { name: "set_intersect", kind: Kind::Scalar, signatures: &[
        rep(&[], 2, DA, 64, Returns::Fixed(Type::Dynamic)),
    ] },
    // set_union(set: DynamicArray{2..64}) -- Kusto.Language: the sets' common array type, else dynamic array
    Function { name: "set_union", kind: Kind::Scalar, signatures: &[
        rep(&[], 2, DA, 64, Returns::Fixed(Type::Dynamic)),
    ] },
    // sign(number: Number)
    Function { name: "sign", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // sin(number: Number)
    Function { name: "sin", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // split(source: Scalar, delimiter: string, requestedIndex: Integer?) -- Kusto.Language: DynamicArrayOfString
    Function { name: "split", kind: Kind::Scalar, signatures: &[sig(&[SC, S, INT], 2, Returns::Fixed(Type::Dynamic))] },
    // sqrt(number: Number)
    Function { name: "sqrt", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // startofday(date: datetime, offset: long?)
    Function { name: "startofday", kind: Kind::Scalar, signatures: &[
        sig(&[DT, L], 1, Returns::Fixed(Type::DateTime)),
    ] },
    // startofmonth(date: datetime, offset: long?)
    Function { name: "startofmonth", kind: Kind::Scalar, signatures: &[
        sig(&[DT, L], 1, Returns::Fixed(Type::DateTime)),
    ] },
    // startofweek(date: datetime, offset: long?)
    Function { name: "startofweek", kind: Kind::Scalar, signatures: &[
        sig(&[DT, L], 1, Returns::Fixed(Type::DateTime)),
    ] },
    // startofyear(date: datetime, offset: long?)
    Function { name: "startofyear", kind: Kind::Scalar, signatures: &[
        sig(&[DT, L], 1, Returns::Fixed(Type::DateTime)),
    ] },
    // stdev(expr: Summable)
    Function { name: "stdev", kind: Kind::Aggregate, signatures: &[sig(&[SUM], 1, Returns::Fixed(Type::Real))] },
    // stdevif(expr: Summable, predicate: bool)
    Function { name: "stdevif", kind: Kind::Aggregate, signatures: &[sig(&[SUM, B], 2, Returns::Fixed(Type::Real))] },
    // stdevp(expr: Summable)
    Function { name: "stdevp", kind: Kind::Aggregate, signatures: &[sig(&[SUM], 1, Returns::Fixed(Type::Real))] },
    // stored_query_result(name: string) -- a tabular result (Kusto.Language: Parameter0StoredQueryResult), not a
    //     scalar
    // stored_query_result(name: string, index: long) -- a tabular result (Kusto.Language:
    //     Parameter0StoredQueryResult), not a scalar
    // stored_query_result(name: string, table_name: string) -- a tabular result (Kusto.Language:
    //     Parameter0StoredQueryResult), not a scalar
    Function { name: "stored_query_result", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Unknown),
        sig(&[S, L], 2, Returns::Unknown),
        sig(&[S, S], 2, Returns::Unknown),
    ] },
    // strcat(arg: Scalar{1..64})
    Function { name: "strcat", kind: Kind::Scalar, signatures: &[rep(&[], 1, SC, 64, Returns::Fixed(Type::String))] },
    // alias of `array_strcat` (identical signatures)
    // strcat_array(array: DynamicArray, delimiter: Scalar)
    Function { name: "strcat_array", kind: Kind::Scalar, signatures: &[
        sig(&[DA, SC], 2, Returns::Fixed(Type::String)),
    ] },
    // strcat_delim(delimiter: Scalar, arg: Scalar{2..64})
    Function { name: "strcat_delim", kind: Kind::Scalar, signatures: &[
        rep(&[SC], 3, SC, 65, Returns::Fixed(Type::String)),
    ] },
    // strcmp(s1: Scalar, s2: Scalar)
    Function { name: "strcmp", kind: Kind::Scalar, signatures: &[sig(&[SC, SC], 2, Returns::Fixed(Type::Long))] },
    // string_size(string: StringOrDynamic)
    Function { name: "string_size", kind: Kind::Scalar, signatures: &[sig(&[SOD], 1, Returns::Fixed(Type::Long))] },
    // strlen(string: StringOrDynamic)
    Function { name: "strlen", kind: Kind::Scalar, signatures: &[sig(&[SOD], 1, Returns::Fixed(Type::Long))] },
    // strrep(value: Scalar, multiplier: long, delimiter: Scalar?)
    Function { name: "strrep", kind: Kind::Scalar, signatures: &[sig(&[SC, L, SC], 2, Returns::Fixed(Type::String))] },
    // substring(string: Scalar, start: Integer, length: Integer?)
    Function { name: "substring", kind: Kind::Scalar, signatures: &[
        sig(&[SC, INT, INT], 2, Returns::Fixed(Type::String)),
    ] },
    // sum(expr: Summable) -- Kusto.Language: Parameter0Promoted (int becomes long; see PROMOTED_RESULTS)
    Function { name: "sum", kind: Kind::Aggregate, signatures: &[sig(&[SUM], 1, Returns::Arg(0))] },
    // sumif(expr: Summable, predicate: bool) -- Kusto.Language: Parameter0Promoted (int becomes long; see
    //     PROMOTED_RESULTS)
    Function { name: "sumif", kind: Kind::Aggregate, signatures: &[sig(&[SUM, B], 2, Returns::Arg(0))] },
    // table(name: string, query_data_scope: string?) -- a tabular result (Kusto.Language: Parameter0Table), not
    //     a scalar
    Function { name: "table", kind: Kind::Scalar, signatures: &[sig(&[S, S], 1, Returns::Unknown)] },
    // take_any(expr: Scalar starallowed{1..MaxRepeat}) -- several columns (a tuple): one column per argument
    //     (columns keep name and type; `*` expands to the row scope's columns; other expressions are named any_argN)
    Function { name: "take_any", kind: Kind::Aggregate, signatures: &[
        rep(&[], 1, STAR_OR_SC, u8::MAX, Returns::Unknown),
    ] },
    // take_anyif(expr: Scalar, predicate: bool)
    Function { name: "take_anyif", kind: Kind::Aggregate, signatures: &[sig(&[SC, B], 2, Returns::Arg(0))] },
    // tan(number: Number)
    Function { name: "tan", kind: Kind::Scalar, signatures: &[sig(&[NUM], 1, Returns::Fixed(Type::Real))] },
    // tdigest(expr: Summable, weight: Integer?) -- Kusto.Language: DynamicArray
    Function { name: "tdigest", kind: Kind::Aggregate, signatures: &[
        sig(&[SUM, INT], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // hidden from IntelliSense (still accepted)
    // tdigest_isvalid(digest: DynamicArray, value: Scalar)
    Function { name: "tdigest_isvalid", kind: Kind::Scalar, signatures: &[
        sig(&[DA, SC], 2, Returns::Fixed(Type::Bool)),
    ] },
    // tdigest_merge(tdigest: DynamicArray) -- Kusto.Language: DynamicArray
    Function { name: "tdigest_merge", kind: Kind::Aggregate, signatures: &[
        sig(&[DA], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // obsolete: Kusto.Language suggests `unicode_codepoints_from_string` (a warning, still accepted)
    // alias of `unicode_codepoints_from_string` (identical signatures)
    // to_utf8(value: Scalar) -- Kusto.Language: DynamicArray
    Function { name: "to_utf8", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Dynamic))] },
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
    // tolower(value: Scalar)
    Function { name: "tolower", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::String))] },
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
    // toupper(value: Scalar)
    Function { name: "toupper", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::String))] },
    // translate(searchList: string, replacementList: string, source: string)
    Function { name: "translate", kind: Kind::Scalar, signatures: &[sig(&[S, S, S], 3, Returns::Fixed(Type::String))] },
    // treepath(object: DynamicBag) -- Kusto.Language: DynamicArrayOfString
    Function { name: "treepath", kind: Kind::Scalar, signatures: &[sig(&[DB], 1, Returns::Fixed(Type::Dynamic))] },
    // trim(regex: string constant, source: string)
    Function { name: "trim", kind: Kind::Scalar, signatures: &[sig(&[CONST_S, S], 2, Returns::Fixed(Type::String))] },
    // trim_end(regex: string constant, source: string)
    Function { name: "trim_end", kind: Kind::Scalar, signatures: &[
        sig(&[CONST_S, S], 2, Returns::Fixed(Type::String)),
    ] },
    // trim_start(regex: string constant, source: string)
    Function { name: "trim_start", kind: Kind::Scalar, signatures: &[
        sig(&[CONST_S, S], 2, Returns::Fixed(Type::String)),
    ] },
    // unicode_codepoints_from_string(value: Scalar) -- Kusto.Language: DynamicArray
    Function { name: "unicode_codepoints_from_string", kind: Kind::Scalar, signatures: &[
        sig(&[SC], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // unicode_codepoints_to_string(value: IntegerOrArray{1..MaxRepeat})
    Function { name: "unicode_codepoints_to_string", kind: Kind::Scalar, signatures: &[
        rep(&[], 1, IOA, u8::MAX, Returns::Fixed(Type::String)),
    ] },
    // unixtime_microseconds_todatetime(number: Number)
    Function { name: "unixtime_microseconds_todatetime", kind: Kind::Scalar, signatures: &[
        sig(&[NUM], 1, Returns::Fixed(Type::DateTime)),
    ] },
    // unixtime_milliseconds_todatetime(number: Number)
    Function { name: "unixtime_milliseconds_todatetime", kind: Kind::Scalar, signatures: &[
        sig(&[NUM], 1, Returns::Fixed(Type::DateTime)),
    ] },
    // unixtime_nanoseconds_todatetime(number: Number)
    Function { name: "unixtime_nanoseconds_todatetime", kind: Kind::Scalar, signatures: &[
        sig(&[NUM], 1, Returns::Fixed(Type::DateTime)),
    ] },
    // unixtime_seconds_todatetime(number: Number)
    Function { name: "unixtime_seconds_todatetime", kind: Kind::Scalar, signatures: &[
        sig(&[NUM], 1, Returns::Fixed(Type::DateTime)),
    ] },
    // url_decode(encoded_url: string)
    Function { name: "url_decode", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::String))] },
    // url_encode(url: string)
    Function { name: "url_encode", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::String))] },
    // url_encode_component(url: string)
    Function { name: "url_encode_component", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::String)),
    ] },
    // variance(expr: Summable)
    Function { name: "variance", kind: Kind::Aggregate, signatures: &[sig(&[SUM], 1, Returns::Fixed(Type::Real))] },
    // varianceif(expr: Summable, predicate: bool)
    Function { name: "varianceif", kind: Kind::Aggregate, signatures: &[
        sig(&[SUM, B], 2, Returns::Fixed(Type::Real)),
    ] },
    // variancep(expr: Summable)
    Function { name: "variancep", kind: Kind::Aggregate, signatures: &[sig(&[SUM], 1, Returns::Fixed(Type::Real))] },
    // variancepif(expr: Summable, predicate: bool)
    Function { name: "variancepif", kind: Kind::Aggregate, signatures: &[
        sig(&[SUM, B], 2, Returns::Fixed(Type::Real)),
    ] },
    // week_of_year(date: datetime)
    Function { name: "week_of_year", kind: Kind::Scalar, signatures: &[sig(&[DT], 1, Returns::Fixed(Type::Int))] },
    // obsolete: Kusto.Language suggests `week_of_year` (a warning, still accepted)
    // same signature as `week_of_year`, but not ISO 8601 week numbers
    // weekofyear(date: datetime)
    Function { name: "weekofyear", kind: Kind::Scalar, signatures: &[sig(&[DT], 1, Returns::Fixed(Type::Int))] },
    // welch_test(mean1: Number, variance1: Number, count1: Number, mean2: Number, variance2: Number, count2:
    //     Number)
    Function { name: "welch_test", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM, NUM, NUM, NUM], 6, Returns::Fixed(Type::Real)),
    ] },
    // zip(array: DynamicArray{2..64}) -- Kusto.Language: DynamicArrayOfArray
    Function { name: "zip", kind: Kind::Scalar, signatures: &[rep(&[], 2, DA, 64, Returns::Fixed(Type::Dynamic))] },
    // zlib_compress_to_base64_string(string: string)
    Function { name: "zlib_compress_to_base64_string", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::String)),
    ] },
    // zlib_decompress_from_base64_string(string: string)
    Function { name: "zlib_decompress_from_base64_string", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::String)),
    ] },
];

/// The scalar functions that share their name with an aggregate in [`FUNCTIONS`] (Kusto.Language
/// declares both; the aggregate wins in an aggregate context, the scalar one elsewhere).
#[rustfmt::skip]
pub static SCALAR_TWINS: &[Function] = &[
    // hll_merge(hll: DynamicArray{2..16}) -- Kusto.Language: DynamicArray
    Function { name: "hll_merge", kind: Kind::Scalar, signatures: &[
        rep(&[], 2, DA, 16, Returns::Fixed(Type::Dynamic)),
    ] },
    // alias of `tdigest_merge` (identical signatures)
    // merge_tdigest(tdigest: DynamicArray{2..16}) -- Kusto.Language: DynamicArray
    Function { name: "merge_tdigest", kind: Kind::Scalar, signatures: &[
        rep(&[], 2, DA, 16, Returns::Fixed(Type::Dynamic)),
    ] },
    // tdigest_merge(tdigest: DynamicArray{2..16}) -- Kusto.Language: DynamicArray
    Function { name: "tdigest_merge", kind: Kind::Scalar, signatures: &[
        rep(&[], 2, DA, 16, Returns::Fixed(Type::Dynamic)),
    ] },
];

/// Functions only available inside the `where` and `project` clauses of `graph-match` and
/// `graph-shortest-paths` (Kusto.Language's `WithCustomAvailability`); elsewhere their names
/// are unknown (`any` is then the aggregate). `inner_nodes` only inside the first argument of
/// `all`, `any` or `map`.
#[rustfmt::skip]
pub static GRAPH_FUNCTIONS: &[Function] = &[
    // all(pattern_element: Scalar, expression: bool expression_parameter0_element)
    Function { name: "all", kind: Kind::Scalar, signatures: &[
        sig(&[SC, PER_ELEMENT_B], 2, Returns::Fixed(Type::Bool)),
    ] },
    // any(pattern_element: Scalar, expression: bool expression_parameter0_element)
    Function { name: "any", kind: Kind::Scalar, signatures: &[
        sig(&[SC, PER_ELEMENT_B], 2, Returns::Fixed(Type::Bool)),
    ] },
    // inner_nodes(edge: Scalar) -- several columns (a tuple): the graph's node columns (or a dynamic array of
    //     bags when the graph is unknown)
    Function { name: "inner_nodes", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Unknown)] },
    // labels(pattern_element: Scalar?) -- Kusto.Language: DynamicArrayOfString
    Function { name: "labels", kind: Kind::Scalar, signatures: &[sig(&[SC], 0, Returns::Fixed(Type::Dynamic))] },
    // map(pattern_element: Scalar, expression: Scalar expression_parameter0_element) -- Kusto.Language: dynamic
    //     array of the expression's type
    Function { name: "map", kind: Kind::Scalar, signatures: &[
        sig(&[SC, PER_ELEMENT_SC], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // node_degree_in(node: Scalar?)
    Function { name: "node_degree_in", kind: Kind::Scalar, signatures: &[sig(&[SC], 0, Returns::Fixed(Type::Long))] },
    // node_degree_out(node: Scalar?)
    Function { name: "node_degree_out", kind: Kind::Scalar, signatures: &[sig(&[SC], 0, Returns::Fixed(Type::Long))] },
    // node_id(node: Scalar?)
    Function { name: "node_id", kind: Kind::Scalar, signatures: &[sig(&[SC], 0, Returns::Fixed(Type::String))] },
];

/// Obsolete functions and what Kusto.Language suggests instead (its editor's "Avoid using
/// obsolete/deprecated functions" warning; the binder accepts them). Sorted by name. Besides
/// these, one form of a function is obsolete: `count(predicate)` (use `countif`).
pub static OBSOLETE: &[(&str, &str)] = &[
    ("any", "take_any"),
    ("anyif", "take_anyif"),
    ("argmax", "arg_max"),
    ("argmin", "arg_min"),
    ("array_sum", "series_sum"),
    ("arraylength", "array_length"),
    ("base64_decodestring", "base64_decode_tostring"),
    ("base64_encodestring", "base64_encode_tostring"),
    ("cnt", "count"),
    ("columnifexists", "column_ifexists"),
    ("current_cursor", "cursor_current"),
    ("datepart", "datetime_part"),
    ("extentid", "extent_id"),
    ("extractall", "extract_all"),
    ("make_string", "unicode_codepoints_to_string"),
    ("makelist", "make_list"),
    ("makeset", "make_set"),
    ("notempty", "isnotempty"),
    ("notnull", "isnotnull"),
    ("pack", "bag_pack"),
    ("pack_dictionary", "bag_pack"),
    ("parsejson", "parse_json"),
    ("parseurl", "parse_url"),
    ("parseurlquery", "parse_urlquery"),
    ("replace", "replace_regex' or 'replace_string"),
    ("row_rank", "row_rank_dense"),
    ("to_utf8", "unicode_codepoints_from_string"),
    ("toobject", "todynamic"),
    ("totime", "totimespan"),
    ("weekofyear", "week_of_year"),
];

/// Functions hidden from IntelliSense (accepted all the same), sorted.
#[rustfmt::skip]
pub static HIDDEN: &[&str] = &[
    "__cast", "__geo_length_to_s2cell_level", "__geo_line_s2cell_covering_level", "__geo_line_validate",
    "__geo_polygon_s2cell_covering_level", "__geo_polygon_validate", "__hash_crc32", "__hash_djb2",
    "__hash_many_crc32", "__hash_xxh64", "__hll_normalize", "__invoke", "__ipv6_lookup_ranges",
    "__lz4_compress_dynamic_array_to_base64_string", "argmax", "argmin", "array_iif", "bin_auto", "cnt",
    "current_node_id", "hll_isvalid", "iscolumnexists", "make_dictionary", "makelist", "makeset", "passthrough",
    "rowstore_ordinal_range", "tdigest_isvalid",
];

/// Functions Kusto.Language folds to a constant when all their arguments are constants
/// (`.ConstantFoldable()`), so that a call of one over constants satisfies a
/// [`Param::Constant`] parameter: `extract(strcat("a", "b"), 1, s)` is fine. Sorted.
#[rustfmt::skip]
pub static CONSTANT_FOLDABLE: &[&str] = &[
    "__cast", "__geo_length_to_s2cell_level", "__geo_line_s2cell_covering_level", "__geo_line_validate",
    "__geo_polygon_s2cell_covering_level", "__geo_polygon_validate", "__hash_crc32", "__hash_djb2",
    "__hash_many_crc32", "__hash_xxh64", "__invoke", "__lz4_compress_dynamic_array_to_base64_string", "abs", "acos",
    "ago", "array_concat", "array_iff", "array_iif", "array_index_of", "array_length", "array_reverse",
    "array_rotate_left", "array_rotate_right", "array_shift_left", "array_shift_right", "array_slice", "array_split",
    "array_strcat", "arraylength", "asin", "atan", "atan2", "bag_has_key", "bag_keys", "bag_merge", "bag_pack",
    "bag_pack_columns", "bag_remove_keys", "bag_set_key", "bag_zip", "base64_decode_toarray", "base64_decode_toguid",
    "base64_decode_tostring", "base64_decodestring", "base64_encode_fromarray", "base64_encode_fromguid",
    "base64_encode_tostring", "base64_encodestring", "beta_cdf", "beta_inv", "beta_pdf", "bin", "bin_at", "bin_auto",
    "binary_and", "binary_not", "binary_or", "binary_shift_left", "binary_shift_right", "binary_xor",
    "bitset_count_ones", "case", "ceiling", "coalesce", "column_names_of", "convert_angle", "convert_energy",
    "convert_force", "convert_length", "convert_mass", "convert_speed", "convert_temperature", "convert_volume",
    "cos", "cot", "countof", "datepart", "datetime_add", "datetime_diff", "datetime_list_timezones",
    "datetime_local_to_utc", "datetime_part", "datetime_utc_to_local", "dayofmonth", "dayofweek", "dayofyear",
    "degrees", "dynamic_to_json", "endofday", "endofmonth", "endofweek", "endofyear", "erf", "erfc", "exp", "exp10",
    "exp2", "extract", "extract_all", "extract_json", "extractall", "extractjson", "floor", "format_datetime",
    "format_ipv4", "format_ipv4_mask", "format_timespan", "gamma", "geo_angle", "geo_azimuth",
    "geo_closest_point_on_line", "geo_closest_point_on_polygon", "geo_distance_2points", "geo_distance_point_to_line",
    "geo_distance_point_to_polygon", "geo_from_wkt", "geo_geohash_neighbors", "geo_geohash_to_central_point",
    "geo_geohash_to_polygon", "geo_h3cell_children", "geo_h3cell_level", "geo_h3cell_neighbors", "geo_h3cell_parent",
    "geo_h3cell_rings", "geo_h3cell_to_central_point", "geo_h3cell_to_polygon", "geo_info_from_ip_address",
    "geo_intersection_2lines", "geo_intersection_2polygons", "geo_intersection_line_with_polygon",
    "geo_intersects_2lines", "geo_intersects_2polygons", "geo_intersects_line_with_polygon", "geo_line_buffer",
    "geo_line_centroid", "geo_line_densify", "geo_line_interpolate_point", "geo_line_length", "geo_line_locate_point",
    "geo_line_simplify", "geo_line_to_s2cells", "geo_point_buffer", "geo_point_in_circle", "geo_point_in_polygon",
    "geo_point_to_geohash", "geo_point_to_h3cell", "geo_point_to_s2cell", "geo_polygon_area", "geo_polygon_buffer",
    "geo_polygon_centroid", "geo_polygon_densify", "geo_polygon_perimeter", "geo_polygon_simplify",
    "geo_polygon_to_h3cells", "geo_polygon_to_s2cells", "geo_s2cell_neighbors", "geo_s2cell_to_central_point",
    "geo_s2cell_to_polygon", "geo_simplify_polygons_array", "geo_union_lines_array", "geo_union_polygons_array",
    "getmonth", "gettype", "getyear", "gzip_compress_to_base64_string", "gzip_decompress_from_base64_string",
    "has_any_index", "hash", "hash_combine", "hash_many", "hash_md5", "hash_sha1", "hash_sha256", "hash_xxhash64",
    "hourofday", "iff", "iif", "indexof", "indexof_regex", "ipv4_compare", "ipv4_is_in_range", "ipv4_is_match",
    "ipv4_is_private", "ipv4_netmask_suffix", "ipv4_range_to_cidr_list", "ipv6_compare", "ipv6_is_in_range",
    "ipv6_is_match", "isfinite", "isinf", "isnan", "jaccard_index", "log", "log10", "log2", "loggamma",
    "make_datetime", "make_string", "make_timespan", "max_of", "min_of", "monthofyear", "now", "pack", "pack_all",
    "pack_array", "pack_dictionary", "parse_command_line", "parse_csv", "parse_ipv4", "parse_ipv4_mask", "parse_ipv6",
    "parse_ipv6_mask", "parse_json", "parse_path", "parse_url", "parse_urlquery", "parse_user_agent", "parse_version",
    "parse_xml", "parsejson", "parseurl", "parseurlquery", "pi", "pow", "punycode_domain_from_string",
    "punycode_domain_to_string", "punycode_from_string", "punycode_to_string", "radians", "rand", "range",
    "regex_quote", "repeat", "replace", "replace_regex", "replace_string", "replace_strings", "reverse", "round",
    "set_difference", "set_equals", "set_has_element", "set_intersect", "set_union", "sign", "sin", "split", "sqrt",
    "startofday", "startofmonth", "startofweek", "startofyear", "strcat", "strcat_array", "strcat_delim", "strcmp",
    "string_size", "strlen", "strrep", "substring", "tan", "to_utf8", "tobool", "toboolean", "todatetime",
    "todecimal", "todouble", "todynamic", "toguid", "tohex", "toint", "tolong", "tolower", "toobject", "toreal",
    "tostring", "totime", "totimespan", "toupper", "translate", "treepath", "trim", "trim_end", "trim_start",
    "unicode_codepoints_from_string", "unicode_codepoints_to_string", "unixtime_microseconds_todatetime",
    "unixtime_milliseconds_todatetime", "unixtime_nanoseconds_todatetime", "unixtime_seconds_todatetime",
    "url_decode", "url_encode", "url_encode_component", "week_of_year", "weekofyear", "zip",
    "zlib_compress_to_base64_string", "zlib_decompress_from_base64_string",
];

/// Functions whose [`Returns::Arg`] result Kusto.Language promotes from int to long
/// (`Parameter0Promoted`, and `bin_auto`'s custom rule): `sum(int)` is a long.
pub static PROMOTED_RESULTS: &[&str] = &["bin_auto", "sum", "sumif"];

/// Finds a function by exact (case-sensitive, as Kusto) name.
pub fn lookup(name: &str) -> Option<&'static Function> {
    FUNCTIONS
        .binary_search_by(|f| f.name.cmp(name))
        .ok()
        .map(|i| &FUNCTIONS[i])
}

/// Every name, for "did you mean" suggestions.
pub fn names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|f| f.name)
}

/// The function a call of `name` binds to, as Kusto.Language resolves it: in an aggregate
/// context the aggregate of that name if any, else the scalar function; elsewhere only a scalar
/// or window function (`None` for an aggregate's name: KS144, see the module docs). Graph-match
/// functions are not included ([`lookup_graph`]).
pub fn lookup_for(name: &str, aggregate_context: bool) -> Option<&'static Function> {
    let f = lookup(name);
    if aggregate_context {
        return f;
    }
    if let Ok(i) = SCALAR_TWINS.binary_search_by(|t| t.name.cmp(name)) {
        return Some(&SCALAR_TWINS[i]);
    }
    f.filter(|f| f.kind != Kind::Aggregate)
}

/// A function available only inside graph-match / graph-shortest-paths `where` and `project`.
pub fn lookup_graph(name: &str) -> Option<&'static Function> {
    GRAPH_FUNCTIONS
        .binary_search_by(|f| f.name.cmp(name))
        .ok()
        .map(|i| &GRAPH_FUNCTIONS[i])
}

/// What Kusto.Language suggests instead of an obsolete function.
pub fn obsolete_alternative(name: &str) -> Option<&'static str> {
    OBSOLETE
        .binary_search_by(|(n, _)| n.cmp(&name))
        .ok()
        .map(|i| OBSOLETE[i].1)
}

/// Whether Kusto.Language hides the function from IntelliSense (it still accepts it).
pub fn is_hidden(name: &str) -> bool {
    HIDDEN.binary_search(&name).is_ok()
}

/// Whether a call of the function over constants is itself a constant.
pub fn is_constant_foldable(name: &str) -> bool {
    CONSTANT_FOLDABLE.binary_search(&name).is_ok()
}

/// The result type of a call that bound to `sig` of `f` with these argument types:
/// [`Signature::return_type`], plus Kusto.Language's int -> long promotion for
/// [`PROMOTED_RESULTS`].
pub fn result_type(f: &Function, sig: &Signature, args: &[Type]) -> Type {
    let t = sig.return_type(args);
    if t == Type::Int && PROMOTED_RESULTS.binary_search(&f.name).is_ok() {
        Type::Long
    } else {
        t
    }
}

// ---- type facts of Kusto.Language (ScalarTypes.cs, TypeFacts.cs, Symbol.cs) ----

/// Kusto.Language's `IsPromotableTo`: `to` is wider than `from` (`ScalarTypes.cs`'s
/// `widerThan` lists).
fn promotable(from: Type, to: Type) -> bool {
    use Type::*;
    matches!(
        (from, to),
        (Int, Long) | (Int | Long, Real) | (Int | Long | Real, Decimal) | (Dynamic, String)
    )
}

fn is_numeric(t: Type) -> bool {
    // Unknown has every flag in Kusto.Language
    t.is_numeric() || t == Type::Unknown
}

fn is_summable(t: Type) -> bool {
    is_numeric(t) || matches!(t, Type::DateTime | Type::TimeSpan)
}

fn is_orderable(t: Type) -> bool {
    is_summable(t) || matches!(t, Type::String | Type::Bool)
}

/// Kusto.Language's `TypeFacts.TryGetCommonType` on this catalog's types: `to_dynamic` allows the
/// fall-back to dynamic between unrelated scalars (`Conversion.Dynamic`, CommonScalarOrDynamic).
fn common_of(a: Type, b: Type, to_dynamic: bool) -> Option<Type> {
    if a == b {
        Some(a)
    } else if a == Type::Unknown || b == Type::Unknown {
        Some(Type::Unknown)
    } else if a == Type::Dynamic || b == Type::Dynamic {
        Some(Type::Dynamic)
    } else if promotable(a, b) {
        Some(b)
    } else if promotable(b, a) {
        Some(a)
    } else if to_dynamic {
        Some(Type::Dynamic)
    } else {
        None
    }
}

/// How well an argument fits a parameter: Kusto.Language's `ParameterMatchKind`, worst first
/// (the order decides between overloads). `Dynamic` and `Compatible` only arise for Common
/// parameters here (built-in functions allow no implicit coercion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Match {
    None,
    Unknown,
    Dynamic,
    Compatible,
    Promoted,
    NotType,
    OneOfMany,
    Scalar,
    Summable,
    Orderable,
    Number,
    Integer,
    Tabular,
    Exact,
}

impl Param {
    /// Kusto.Language's `GetParameterMatchKind` for a non-`*` argument of type `t`; `common` is
    /// the call's common type ([`Signature::common_type`]) for the Common kinds. A `*` argument
    /// matches `Exact` a [`Param::Star`] or [`Param::StarOrScalar`], and nothing else.
    pub fn match_kind(self, t: Type, common: Option<Type>) -> Match {
        use Type::*;
        if t == Unknown {
            return Match::Unknown;
        }
        let yes = |ok: bool, m: Match| if ok { m } else { Match::None };
        match self {
            Param::Is(want) => {
                if t == want {
                    Match::Exact
                } else if promotable(t, want) {
                    Match::Promoted
                } else {
                    Match::None
                }
            }
            Param::Scalar | Param::StarOrScalar => Match::Scalar,
            Param::Star | Param::Tabular | Param::TypeName => Match::None,
            Param::AnyValue => Match::Unknown,
            Param::Integer => yes(matches!(t, Int | Long), Match::Integer),
            Param::Number => yes(t.is_numeric(), Match::Number),
            Param::NumberOrBool => yes(t.is_numeric() || t == Bool, Match::Number),
            Param::Summable => yes(is_summable(t), Match::Summable),
            Param::Orderable => yes(is_orderable(t), Match::Orderable),
            Param::NotDynamic => yes(t != Dynamic, Match::NotType),
            Param::NotRealOrBool => yes(!matches!(t, Real | Bool), Match::NotType),
            Param::StringOrDynamic | Param::StringOrArray => yes(matches!(t, String | Dynamic), Match::OneOfMany),
            Param::IntegerOrArray => yes(matches!(t, Int | Long | Dynamic), Match::OneOfMany),
            Param::DynamicArray | Param::DynamicBag => yes(t == Dynamic, Match::OneOfMany),
            Param::CommonScalar | Param::CommonOrderable | Param::CommonScalarOrDynamic => match common {
                Some(c) if c == t => Match::Exact,
                Some(c) if promotable(t, c) => Match::Promoted,
                Some(Dynamic) => Match::Dynamic,
                Some(_) if self == Param::CommonScalarOrDynamic && t == Dynamic => Match::Exact,
                _ => Match::None,
            },
            Param::Constant(p)
            | Param::Literal(p)
            | Param::LiteralNotEmpty(p)
            | Param::Column(p)
            | Param::PerElement(p) => p.match_kind(t, common),
            Param::LiteralOneOf { of, .. } => of.match_kind(t, common),
            // resolved per argument by Signature::param_for
            Param::Block { .. } | Param::SortArrays => Match::Unknown,
        }
    }

    /// Kusto.Language's type check of a (non-`*`) argument of type `t` for this parameter
    /// (`CheckArgument`'s first half): the diagnostic code and message when it fails. `common` is
    /// the call's common type for the Common kinds. The argument-kind half (constant, literal,
    /// column) needs the syntax and is the binder's; see the wrapper variants.
    pub fn check(self, t: Type, common: Option<Type>) -> Option<(&'static str, String)> {
        use Type::*;
        if t == Unknown {
            return None;
        }
        let fail = |code: &'static str, msg: &str| Some((code, msg.to_string()));
        match self {
            Param::Is(want) => {
                if t == want || promotable(t, want) {
                    None
                } else {
                    Some(("KS107", format!("A value of type {want} expected.")))
                }
            }
            Param::Scalar | Param::StarOrScalar | Param::Star | Param::AnyValue => None,
            Param::TypeName => Some(("KS107", "A value of type type expected.".to_string())),
            Param::Tabular => fail("KS111", "Tabular value expected."),
            Param::Integer if !matches!(t, Int | Long) => fail("KS134", "The expression value must be an integer."),
            Param::Number if !t.is_numeric() => fail("KS137", "The expression value must be a number."),
            Param::NumberOrBool if !(t.is_numeric() || t == Bool) => {
                fail("KS137", "The expression value must be a number or boolean true/false.")
            }
            Param::Summable if !is_summable(t) => fail(
                "KS138",
                "The argument value must be summable: a number, timespan or datetime.",
            ),
            Param::Orderable | Param::CommonOrderable if !is_orderable(t) => fail(
                "KS206",
                "The argument value must be orderable: a number, timespan, datetime, string or boolean.",
            ),
            Param::NotDynamic if t == Dynamic => {
                fail("KS116", "The value of type 'dynamic' is not allowed in this context.")
            }
            Param::NotRealOrBool if matches!(t, Real | Bool) => Some((
                "KS116",
                format!("The value of type '{t}' is not allowed in this context."),
            )),
            Param::StringOrDynamic if !matches!(t, String | Dynamic) => {
                fail("KS141", "The expression must have one of the types: string or dynamic.")
            }
            Param::StringOrArray if !matches!(t, String | Dynamic) => fail(
                "KS233",
                "The expression value must be a string or a dynamic array of strings.",
            ),
            Param::IntegerOrArray if !matches!(t, Int | Long | Dynamic) => fail(
                "KS136",
                "The expression value must be an integer or a dynamic array of integers.",
            ),
            Param::DynamicArray if t != Dynamic => fail("KS234", "The expression value must be a dynamic array."),
            Param::DynamicBag if t != Dynamic => fail("KS235", "The expression must be a dynamic bag."),
            Param::CommonScalar | Param::CommonOrderable => match common {
                // CheckIsType(argument, common, Promotable): a dynamic common type takes only dynamic
                Some(c) if c != Unknown && t != c && (c == Dynamic || !promotable(t, c)) => {
                    Some(("KS141", format!("The expression must have the type {c}.")))
                }
                _ => None,
            },
            Param::Constant(p)
            | Param::Literal(p)
            | Param::LiteralNotEmpty(p)
            | Param::Column(p)
            | Param::PerElement(p) => p.check(t, common),
            Param::LiteralOneOf { of, .. } => of.check(t, common),
            // CommonScalarOrDynamic takes any scalar; Block / SortArrays resolve per argument
            _ => None,
        }
    }

    /// Whether an argument of type `t` passes [`Param::check`].
    pub fn accepts(self, t: Type, common: Option<Type>) -> bool {
        self.check(t, common).is_none()
    }

    /// The kind with its argument-kind wrapper (constant, literal, column ...) taken off.
    pub fn base(self) -> Param {
        match self {
            Param::Constant(p)
            | Param::Literal(p)
            | Param::LiteralNotEmpty(p)
            | Param::Column(p)
            | Param::PerElement(p) => p.base(),
            Param::LiteralOneOf { of, .. } => of.base(),
            p => p,
        }
    }

    fn is_common(self) -> bool {
        matches!(
            self.base(),
            Param::CommonScalar | Param::CommonOrderable | Param::CommonScalarOrDynamic
        )
    }
}

impl Signature {
    /// The fewest arguments (Kusto.Language's `MinArgumentCount`).
    pub fn min_args(&self) -> usize {
        usize::from(self.required)
    }

    /// The most arguments, as Kusto.Language counts them (`MaxArgumentCount`, the sum of every
    /// parameter's `maxOccurring`, [`MAX_REPEAT`] for an unbounded one): strcat 64, hash_combine
    /// 32767, percentiles 32768, case 65535.
    pub fn max_args(&self) -> usize {
        match self.rest {
            None => self.params.len(),
            Some((Param::Block { group, tail }, _)) => self.params.len() + MAX_REPEAT * group.len() + tail.len(),
            Some((_, u8::MAX)) => self.params.len() + MAX_REPEAT,
            Some((_, max)) => usize::from(max),
        }
    }

    /// Whether `n` arguments are a valid count (`IsValidArgumentCount`, with BlockRepeating's
    /// whole-groups rule).
    pub fn accepts_count(&self, n: usize) -> bool {
        if n < self.min_args() || n > self.max_args() {
            return false;
        }
        match self.rest {
            Some((Param::Block { group, tail }, _)) => (n - self.params.len() - tail.len()).is_multiple_of(group.len()),
            _ => true,
        }
    }

    /// The parameter argument `i` of the call binds to (Kusto.Language's `ParameterLayout`),
    /// given every argument's type; `None` past the signature's end (Kusto.Language's
    /// `UnknownParameter`, which takes anything: only the count is wrong then).
    pub fn param_for(&self, i: usize, args: &[Type]) -> Option<Param> {
        let n = args.len();
        if i >= self.max_args() {
            return None;
        }
        if let Some(&p) = self.params.get(i) {
            return Some(p);
        }
        let j = i - self.params.len();
        match self.rest? {
            (Param::Block { group, tail }, _) => {
                // BlockRepeatingParameterLayout: as many whole groups as the count allows (at
                // least one), then the tail
                let g = group.len();
                let possible = n.saturating_sub(self.params.len() + tail.len());
                let expected = possible.max(g).min(MAX_REPEAT * g);
                let repeated = expected.div_ceil(g) * g;
                if j < repeated {
                    Some(group[j % g])
                } else {
                    tail.get(j - repeated).copied()
                }
            }
            (Param::SortArrays, _) => {
                // ValidateArgumentsForArraySort: the last argument is nulls_last if boolean
                if i + 1 == n && args[i] == Type::Bool {
                    Some(Param::Constant(&B))
                } else {
                    Some(Param::DynamicArray)
                }
            }
            (p, _) => Some(p),
        }
    }

    /// Kusto.Language's count check for a call bound to this signature (`CheckSignature`): the
    /// diagnostic code and message, or `None` when `n` arguments are fine.
    /// - with a repeatable parameter: KS120 "The function 'f' expects between MIN and MAX
    ///   arguments." (KS119 when MIN = MAX), or KS121 "The function call has an incorrect number
    ///   of arguments." for a count within the range that breaks BlockRepeating's groups;
    /// - otherwise KS119 "The function 'f' expects N arguments." (or "1 argument", "no
    ///   arguments") where N counts the optional parameters too: `substring("a")` is "expects 3
    ///   arguments".
    pub fn arity_error(&self, name: &str, n: usize) -> Option<(&'static str, String)> {
        if self.accepts_count(n) {
            None
        } else if self.rest.is_some() {
            let (min, max) = (self.min_args(), self.max_args());
            if n < min || n > max {
                Some(count_range_error(name, min, max))
            } else {
                Some((
                    "KS121",
                    "The function call has an incorrect number of arguments.".to_string(),
                ))
            }
        } else if n != self.params.len() {
            Some(count_exact_error(name, self.params.len()))
        } else {
            None
        }
    }

    /// The common type of the arguments bound to Common parameters (Kusto.Language's
    /// `TypeFacts.GetCommonArgumentType`): CommonScalar and CommonOrderable arguments combine by
    /// promotion only (a non-orderable argument of a CommonOrderable parameter is left out), any
    /// dynamic makes it dynamic, CommonScalarOrDynamic arguments fall back to dynamic. `None`:
    /// no common type (KS232 when the signature has Common parameters bound).
    /// `ignore_dynamic` leaves dynamic arguments out unless that leaves nothing
    /// (`CommonNonDynamic`, for the result of iff/iif/case).
    pub fn common_type(&self, args: &[Type], ignore_dynamic: bool) -> Option<Type> {
        let mut common: Option<Type> = None;
        for (i, &t) in args.iter().enumerate() {
            let Some(p) = self.param_for(i, args) else { continue };
            if ignore_dynamic && t == Type::Dynamic {
                continue;
            }
            let to_dynamic = match p.base() {
                Param::CommonScalar => false,
                Param::CommonOrderable if is_orderable(t) => false,
                Param::CommonScalarOrDynamic => true,
                _ => continue,
            };
            common = Some(match common {
                None => t,
                Some(c) => common_of(c, t, to_dynamic)?,
            });
        }
        if common.is_none() && ignore_dynamic {
            return self.common_type(args, false);
        }
        common
    }

    /// Whether some argument binds to a Common parameter (then a missing
    /// [`Signature::common_type`] is KS232).
    pub fn has_common_args(&self, args: &[Type]) -> bool {
        (0..args.len()).any(|i| self.param_for(i, args).is_some_and(Param::is_common))
    }

    /// The result type for these argument types (`Type::Unknown` where it depends on more than
    /// the types: [`Returns::Unknown`], or no common/widest type). See also [`result_type`].
    pub fn return_type(&self, args: &[Type]) -> Type {
        match self.returns {
            Returns::Fixed(t) => t,
            Returns::Arg(i) => args.get(usize::from(i)).copied().unwrap_or(Type::Unknown),
            Returns::Widest => {
                // TypeFacts.GetWidestScalarType over all the arguments (unknown counts as numeric
                // and is never replaced), then int promoted to long
                let mut widest: Option<Type> = None;
                for &t in args {
                    if is_numeric(t)
                        && Some(t) != widest
                        && widest.is_none_or(|w| w != Type::Unknown && promotable(w, t))
                    {
                        widest = Some(t);
                    }
                }
                match widest {
                    Some(Type::Int) => Type::Long,
                    Some(t) => t,
                    None => Type::Unknown,
                }
            }
            Returns::Common(_) => {
                let non_dynamic = self
                    .params
                    .iter()
                    .chain(self.rest.iter().map(|r| &r.0))
                    .any(|p| match p {
                        Param::CommonScalarOrDynamic => true,
                        Param::Block { group, tail } => group
                            .iter()
                            .chain(tail.iter())
                            .any(|p| *p == Param::CommonScalarOrDynamic),
                        _ => false,
                    });
                self.common_type(args, non_dynamic).unwrap_or(Type::Unknown)
            }
            Returns::Unknown => Type::Unknown,
        }
    }

    /// Kusto.Language's match of every argument (`*` arguments flagged in `stars`).
    fn matches(&self, args: &[Type], stars: &[bool]) -> Vec<Match> {
        let common = self.common_type(args, false);
        (0..args.len())
            .map(|i| {
                let star = stars.get(i).copied().unwrap_or(false);
                match self.param_for(i, args) {
                    // UnknownParameter: declared of type unknown, every scalar is assignable
                    None if star => Match::None,
                    None if args[i] == Type::Unknown => Match::Unknown,
                    None => Match::Exact,
                    Some(Param::Star | Param::StarOrScalar) if star => Match::Exact,
                    Some(_) if star => Match::None,
                    Some(p) => p.match_kind(args[i], common),
                }
            })
            .collect()
    }
}

fn count_exact_error(name: &str, n: usize) -> (&'static str, String) {
    (
        "KS119",
        match n {
            0 => format!("The function '{name}' expects no arguments."),
            1 => format!("The function '{name}' expects 1 argument."),
            _ => format!("The function '{name}' expects {n} arguments."),
        },
    )
}

fn count_range_error(name: &str, min: usize, max: usize) -> (&'static str, String) {
    if min == max {
        count_exact_error(name, min)
    } else {
        (
            "KS120",
            format!("The function '{name}' expects between {min} and {max} arguments."),
        )
    }
}

impl Function {
    /// The fewest arguments over all signatures (`FunctionSymbol.MinArgumentCount`).
    pub fn min_args(&self) -> usize {
        self.signatures.iter().map(Signature::min_args).min().unwrap_or(0)
    }

    /// The most arguments over all signatures (`FunctionSymbol.MaxArgumentCount`).
    pub fn max_args(&self) -> usize {
        self.signatures.iter().map(Signature::max_args).max().unwrap_or(0)
    }

    /// The signatures a call with these argument types (`*` arguments flagged in `stars`) may
    /// bind to: Kusto.Language's `GetBestMatchingSignatures`. One: bind to it (and check it).
    /// Several: ambiguous, KS127 (see the module docs).
    pub fn best_signatures(&self, args: &[Type], stars: &[bool]) -> Vec<&'static Signature> {
        let sigs: &'static [Signature] = self.signatures;
        if sigs.len() <= 1 {
            return sigs.iter().collect();
        }
        let n = args.len();
        let mut result: Vec<&'static Signature> =
            sigs.iter().filter(|s| n >= s.min_args() && n <= s.max_args()).collect();
        if result.is_empty() {
            // (Kusto.Language means to take the closest count, but its loop never moves off 0,
            // so it takes the largest maximum)
            let max = self.max_args();
            result = sigs
                .iter()
                .filter(|s| max >= s.min_args() && max <= s.max_args())
                .collect();
        }
        if result.len() > 1 {
            let count = |s: &Signature| s.matches(args, stars).iter().filter(|m| **m != Match::None).count();
            let most = result.iter().map(|s| count(s)).max().unwrap_or(0);
            result.retain(|s| count(s) == most);
        }
        if result.len() > 1 {
            let compare = |a: &Signature, b: &Signature| -> i64 {
                let (ma, mb) = (a.matches(args, stars), b.matches(args, stars));
                let ca = ma.iter().filter(|m| **m != Match::None).count() as i64;
                let cb = mb.iter().filter(|m| **m != Match::None).count() as i64;
                if ca == n as i64 && cb < n as i64 {
                    return ca - cb;
                }
                let worst = |m: &[Match]| m.iter().copied().min().unwrap_or(Match::Exact) as i64;
                let best = |m: &[Match]| m.iter().copied().max().unwrap_or(Match::None) as i64;
                if worst(&ma) != worst(&mb) {
                    return worst(&ma) - worst(&mb);
                }
                if best(&ma) != best(&mb) {
                    return best(&ma) - best(&mb);
                }
                ca - cb
            };
            let mut best = result[0];
            for &s in &result[1..] {
                match compare(s, best) {
                    c if c > 0 => best = s,
                    0 => return result,
                    _ => {}
                }
            }
            if result.iter().any(|&s| !std::ptr::eq(s, best) && compare(best, s) <= 0) {
                return result;
            }
            result = vec![best];
        }
        result
    }
}

/// How Kusto.Language names the column of an unnamed call in a projection (`ResultNameKind` and
/// `WithResultNamePrefix` in `Functions.cs` and `Aggregates.cs`; applied in
/// `Binder_Projection.cs`, `GetFunctionResultName`). Functions not listed get a default name
/// (`Column1`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultName {
    /// `prefix_` and the first argument's name (`count_`, `dcount_DeviceId`, `set_FileName`); no
    /// prefix: the first argument's name.
    PrefixAndFirst(Option<&'static str>),
    /// The same, but only when there is exactly one argument.
    PrefixAndOnly(Option<&'static str>),
    /// The first argument's name (`bin(Timestamp, 1h)` is `Timestamp`).
    First,
    /// The only argument's name, when there is one argument.
    Only,
    /// The prefix alone.
    PrefixOnly(&'static str),
    /// The first argument's string value, if a column of that name exists (`column_ifexists`).
    FirstValueIfColumn,
    /// A function whose result is several columns (a tuple), each named with this prefix.
    Tuple(Option<&'static str>),
}

/// The result-name rule of every function that has one, sorted by name.
pub static RESULT_NAMES: &[(&str, ResultName)] = &[
    ("__hll_normalize", ResultName::First),
    ("abs", ResultName::First),
    ("acos", ResultName::First),
    ("any", ResultName::PrefixAndFirst(Some("any"))),
    ("anyif", ResultName::PrefixAndFirst(Some("anyif"))),
    ("argmax", ResultName::Tuple(Some("max"))),
    ("argmin", ResultName::Tuple(Some("min"))),
    ("asin", ResultName::First),
    ("atan", ResultName::First),
    ("atan2", ResultName::First),
    ("avg", ResultName::PrefixAndFirst(Some("avg"))),
    ("avgif", ResultName::PrefixAndFirst(Some("avgif"))),
    ("bin", ResultName::First),
    ("bin_at", ResultName::First),
    ("bin_auto", ResultName::First),
    ("binary_all_and", ResultName::First),
    ("binary_all_or", ResultName::First),
    ("binary_all_xor", ResultName::First),
    ("binary_and", ResultName::First),
    ("binary_not", ResultName::First),
    ("binary_or", ResultName::First),
    ("binary_shift_left", ResultName::First),
    ("binary_shift_right", ResultName::First),
    ("binary_xor", ResultName::First),
    ("bitset_count_ones", ResultName::First),
    ("buildschema", ResultName::PrefixAndFirst(Some("schema"))),
    ("ceiling", ResultName::First),
    ("cnt", ResultName::PrefixAndFirst(Some("cnt"))),
    ("column_ifexists", ResultName::FirstValueIfColumn),
    ("columnifexists", ResultName::FirstValueIfColumn),
    ("cos", ResultName::First),
    ("count", ResultName::PrefixAndFirst(Some("count"))),
    ("count_distinct", ResultName::PrefixAndFirst(Some("count_distinct"))),
    ("count_distinctif", ResultName::PrefixAndFirst(Some("count_distinctif"))),
    ("countif", ResultName::PrefixAndFirst(Some("countif"))),
    ("covariance", ResultName::PrefixAndFirst(Some("covariance"))),
    ("covarianceif", ResultName::PrefixAndFirst(Some("covarianceif"))),
    ("covariancep", ResultName::PrefixAndFirst(Some("covariancep"))),
    ("covariancepif", ResultName::PrefixAndFirst(Some("covariancepif"))),
    ("dcount", ResultName::PrefixAndFirst(Some("dcount"))),
    ("dcount_hll", ResultName::PrefixAndFirst(Some("dcount_hll"))),
    ("dcountif", ResultName::PrefixAndFirst(Some("dcountif"))),
    ("erf", ResultName::First),
    ("erfc", ResultName::First),
    ("exp", ResultName::First),
    ("exp10", ResultName::First),
    ("exp2", ResultName::First),
    ("floor", ResultName::First),
    ("format_bytes", ResultName::First),
    ("format_datetime", ResultName::First),
    ("format_timespan", ResultName::First),
    ("gamma", ResultName::First),
    ("gettype", ResultName::PrefixAndFirst(Some("type"))),
    ("hll", ResultName::PrefixAndFirst(Some("hll"))),
    ("hll_if", ResultName::PrefixAndFirst(Some("hll_if"))),
    ("hll_merge", ResultName::PrefixAndFirst(Some("hll_merge"))),
    ("ingestion_time", ResultName::PrefixOnly("None")),
    ("log", ResultName::First),
    ("log10", ResultName::First),
    ("log2", ResultName::First),
    ("loggamma", ResultName::First),
    ("make_bag", ResultName::PrefixAndFirst(Some("bag"))),
    ("make_bag_if", ResultName::PrefixAndFirst(Some("bag"))),
    ("make_datetime", ResultName::Only),
    ("make_dictionary", ResultName::PrefixAndFirst(Some("dictionary"))),
    ("make_list", ResultName::PrefixAndFirst(Some("list"))),
    ("make_list_if", ResultName::PrefixAndFirst(Some("list"))),
    ("make_list_with_nulls", ResultName::PrefixAndFirst(Some("list"))),
    ("make_set", ResultName::PrefixAndFirst(Some("set"))),
    ("make_set_if", ResultName::PrefixAndFirst(Some("set"))),
    ("make_timespan", ResultName::Only),
    ("makelist", ResultName::PrefixAndFirst(Some("list"))),
    ("makeset", ResultName::PrefixAndFirst(Some("set"))),
    ("max", ResultName::PrefixAndFirst(Some("max"))),
    ("maxif", ResultName::PrefixAndFirst(Some("maxif"))),
    ("merge_tdigest", ResultName::PrefixAndFirst(Some("merge_tdigests"))),
    ("min", ResultName::PrefixAndFirst(Some("min"))),
    ("minif", ResultName::PrefixAndFirst(Some("minif"))),
    ("parse_csv", ResultName::First),
    ("parse_json", ResultName::First),
    ("parse_xml", ResultName::First),
    ("parsejson", ResultName::First),
    ("passthrough", ResultName::First),
    (
        "percentile_tdigest",
        ResultName::PrefixAndFirst(Some("percentile_tdigest")),
    ),
    (
        "percentiles_array_tdigest",
        ResultName::PrefixAndFirst(Some("percentile_tdigest")),
    ),
    ("pow", ResultName::First),
    ("rand", ResultName::First),
    ("repeat", ResultName::PrefixAndFirst(Some("repeat"))),
    ("round", ResultName::First),
    ("series_fill_backward", ResultName::First),
    ("series_fill_const", ResultName::First),
    ("series_fill_forward", ResultName::First),
    ("series_fill_linear", ResultName::First),
    ("series_fir", ResultName::First),
    ("series_iir", ResultName::First),
    ("series_outliers", ResultName::First),
    ("sin", ResultName::First),
    ("split", ResultName::First),
    ("sqrt", ResultName::First),
    ("startofday", ResultName::First),
    ("stdev", ResultName::PrefixAndFirst(Some("stdev"))),
    ("stdevif", ResultName::PrefixAndFirst(Some("stdevif"))),
    ("stdevp", ResultName::PrefixAndFirst(Some("stdevp"))),
    ("string_size", ResultName::PrefixAndFirst(Some("string_size"))),
    ("strlen", ResultName::PrefixAndFirst(Some("strlen"))),
    ("sum", ResultName::PrefixAndFirst(Some("sum"))),
    ("sumif", ResultName::PrefixAndFirst(Some("sumif"))),
    ("take_anyif", ResultName::First),
    ("tan", ResultName::First),
    ("tdigest", ResultName::PrefixAndFirst(Some("tdigest"))),
    ("tdigest_merge", ResultName::PrefixAndFirst(Some("merge_tdigests"))),
    ("tobool", ResultName::First),
    ("toboolean", ResultName::First),
    ("todatetime", ResultName::First),
    ("todecimal", ResultName::First),
    ("todouble", ResultName::First),
    ("todynamic", ResultName::First),
    ("toguid", ResultName::First),
    ("tohex", ResultName::First),
    ("toint", ResultName::First),
    ("tolong", ResultName::First),
    ("toobject", ResultName::First),
    ("toreal", ResultName::First),
    ("tostring", ResultName::First),
    ("totime", ResultName::First),
    ("totimespan", ResultName::First),
    ("treepath", ResultName::PrefixAndFirst(Some("tree"))),
    ("variance", ResultName::PrefixAndFirst(Some("variance"))),
    ("varianceif", ResultName::PrefixAndFirst(Some("varianceif"))),
    ("variancep", ResultName::PrefixAndFirst(Some("variancep"))),
    ("variancepif", ResultName::PrefixAndFirst(Some("variancepif"))),
];

/// The result-name rule of a function, if it has one.
pub fn result_name(name: &str) -> Option<ResultName> {
    RESULT_NAMES
        .binary_search_by(|(n, _)| n.cmp(&name))
        .ok()
        .map(|i| RESULT_NAMES[i].1)
}

/// Kusto.Language's conversion functions (`IsConversionFunction`): called on a single column of
/// the type they convert to, they keep the column's name.
pub const CONVERSIONS: &[&str] = &[
    "tobool",
    "todatetime",
    "todecimal",
    "todouble",
    "todynamic",
    "toguid",
    "toint",
    "tolong",
    "toreal",
    "tostring",
    "totime",
    "totimespan",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str]) -> bool {
        names.windows(2).all(|w| w[0] < w[1])
    }

    #[test]
    fn tables_are_sorted_without_duplicates() {
        for table in [FUNCTIONS, SCALAR_TWINS, GRAPH_FUNCTIONS] {
            let names: Vec<&str> = table.iter().map(|f| f.name).collect();
            assert!(sorted(&names), "not sorted or duplicated");
        }
        assert!(sorted(&OBSOLETE.iter().map(|(n, _)| *n).collect::<Vec<_>>()));
        assert!(sorted(HIDDEN));
        assert!(sorted(CONSTANT_FOLDABLE));
        assert!(sorted(PROMOTED_RESULTS));
        assert!(sorted(&RESULT_NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>()));
        assert_eq!(FUNCTIONS.len(), 479);
        assert_eq!(SCALAR_TWINS.len() + GRAPH_FUNCTIONS.len(), 11);
    }

    #[test]
    fn signatures_are_well_formed() {
        for f in FUNCTIONS.iter().chain(SCALAR_TWINS).chain(GRAPH_FUNCTIONS) {
            assert!(!f.signatures.is_empty(), "{}", f.name);
            for s in f.signatures {
                if let Returns::Arg(n) = s.returns {
                    assert!(
                        usize::from(n) < s.params.len(),
                        "{}: Arg({n}) names no parameter",
                        f.name
                    );
                }
                if let Returns::Common(n) = s.returns {
                    let from = s.params.get(usize::from(n)).copied().or(s.rest.map(|r| r.0));
                    assert!(from.is_some(), "{}", f.name);
                }
                match s.rest {
                    None => assert!(s.min_args() <= s.params.len(), "{}", f.name),
                    Some((Param::Block { group, .. }, _)) => assert!(!group.is_empty(), "{}", f.name),
                    Some((_, max)) => assert!(usize::from(max) > s.params.len(), "{}", f.name),
                }
                assert!(s.min_args() <= s.max_args(), "{}", f.name);
                for p in s.params {
                    assert!(!matches!(p, Param::Block { .. } | Param::SortArrays), "{}", f.name);
                }
            }
        }
        for name in OBSOLETE.iter().map(|(n, _)| n).chain(HIDDEN).chain(CONSTANT_FOLDABLE) {
            assert!(lookup(name).or(lookup_graph(name)).is_some(), "{name}");
        }
    }

    #[test]
    fn common_functions_are_present() {
        let common = "ago tostring parse_json todynamic count countif isnotempty isempty make_set make_list make_bag \
            arg_max arg_min dcount bin strcat split iff iif array_length extract case tolower toupper now \
            todatetime totimespan toreal tobool toguid todecimal toint tolong column_ifexists percentile \
            percentiles take_any geo_info_from_ip_address ipv4_is_private ipv4_is_in_range \
            ipv4_is_in_any_range has_any_ipv4 parse_command_line series_decompose_anomalies prev next \
            row_number row_cumsum hll tdigest stdev variance sum avg min max datetime_diff format_datetime \
            bag_pack pack_array isnull isnotnull base64_decode_tostring";
        for name in common.split_whitespace() {
            assert!(lookup(name).is_some(), "{name} missing");
        }
        for name in "dynamic datetime timespan bool int long real guid decimal typeof time toscalar".split_whitespace()
        {
            assert!(lookup(name).is_none(), "{name} is syntax, not a function");
        }
        assert_eq!(lookup("count").unwrap().kind, Kind::Aggregate);
        assert_eq!(lookup("prev").unwrap().kind, Kind::Window);
        assert_eq!(lookup("strcat").unwrap().kind, Kind::Scalar);
        assert!(lookup("Strcat").is_none());
    }

    #[test]
    fn special_cases() {
        use Type::*;
        // count() and the obsolete count(predicate)
        let count = lookup("count").unwrap();
        assert_eq!(count.signatures.len(), 2);
        assert_eq!(count.best_signatures(&[String], &[false])[0].params, &[B]);
        assert_eq!(B.check(String, None).unwrap().0, "KS107");
        // arg_max(x, *)
        let s = &lookup("arg_max").unwrap().signatures[0];
        assert_eq!((s.min_args(), s.max_args()), (1, 1 + MAX_REPEAT));
        assert_eq!(s.param_for(1, &[DateTime, Unknown]), Some(Param::StarOrScalar));
        assert!(
            s.matches(&[DateTime, Unknown], &[false, true])
                .iter()
                .all(|m| *m != Match::None)
        );
        // strcat 1..64
        let s = &lookup("strcat").unwrap().signatures[0];
        assert_eq!((s.min_args(), s.max_args()), (1, 64));
        assert_eq!(
            s.arity_error("strcat", 0).unwrap().1,
            "The function 'strcat' expects between 1 and 64 arguments."
        );
        assert_eq!(lookup("strcat_delim").unwrap().signatures[0].max_args(), 65);
        // substring's optional length still counts in the message
        let s = &lookup("substring").unwrap().signatures[0];
        assert_eq!(
            s.arity_error("substring", 1).unwrap(),
            ("KS119", "The function 'substring' expects 3 arguments.".to_string())
        );
        assert!(s.arity_error("substring", 2).is_none());
        // case: pairs then else
        let s = &lookup("case").unwrap().signatures[0];
        assert!(s.accepts_count(3) && s.accepts_count(5) && !s.accepts_count(4) && !s.accepts_count(2));
        assert_eq!(s.arity_error("case", 4).unwrap().0, "KS121");
        let args = [Bool, Long, Bool, Real, Long];
        assert_eq!(s.param_for(2, &args), Some(B));
        assert_eq!(s.param_for(3, &args), Some(CSOD));
        assert_eq!(s.param_for(4, &args), Some(CSOD));
        assert_eq!(s.return_type(&args), Real);
        assert_eq!(s.return_type(&[Bool, Long, String]), Dynamic);
        assert_eq!(s.return_type(&[Bool, Dynamic, Long]), Long);
        // bag_pack: pairs
        let s = &lookup("bag_pack").unwrap().signatures[0];
        assert!(s.accepts_count(2) && s.accepts_count(4) && !s.accepts_count(3) && !s.accepts_count(0));
        assert_eq!(s.param_for(2, &[String, Long, String, Long]), Some(S));
        // iff and coalesce
        let iff = &lookup("iff").unwrap().signatures[0];
        assert_eq!(iff.return_type(&[Bool, Int, Long]), Long);
        let coalesce = &lookup("coalesce").unwrap().signatures[0];
        assert_eq!(coalesce.common_type(&[Long, String], false), None);
        assert_eq!(coalesce.return_type(&[Int, Real]), Real);
        // bin overloads
        let bin = lookup("bin").unwrap();
        let pick = |args: &[Type]| bin.best_signatures(args, &vec![false; args.len()]);
        assert_eq!(pick(&[DateTime, TimeSpan]).len(), 1);
        assert_eq!(pick(&[DateTime, TimeSpan])[0].returns, Returns::Fixed(DateTime));
        assert_eq!(pick(&[Long, Real])[0].return_type(&[Long, Real]), Real);
        assert_eq!(pick(&[Int, Int])[0].return_type(&[Int, Int]), Long);
        // abs: integer beats number
        let abs = lookup("abs").unwrap();
        assert_eq!(abs.best_signatures(&[Long], &[false])[0].returns, Returns::Fixed(Long));
        assert_eq!(abs.best_signatures(&[Real], &[false])[0].returns, Returns::Arg(0));
        // sum(int) is long
        let sum = lookup("sum").unwrap();
        assert_eq!(result_type(sum, &sum.signatures[0], &[Int]), Long);
        // promotions and refusals
        assert!(L.accepts(Int, None) && R.accepts(Long, None) && !I32.accepts(Long, None));
        assert!(S.accepts(Dynamic, None) && !DYN.accepts(String, None) && !DT.accepts(String, None));
        assert!(!NUM.accepts(String, None) && !NUM.accepts(Dynamic, None) && !ORD.accepts(Guid, None));
        assert!(NUM.accepts(Unknown, None));
        // array_sort's trailing bool
        let s = &lookup("array_sort_asc").unwrap().signatures[0];
        assert_eq!(s.param_for(1, &[Dynamic, Bool]), Some(Param::Constant(&B)));
        assert_eq!(s.param_for(1, &[Dynamic, Dynamic]), Some(DA));
        // scalar twins and aggregate context
        assert_eq!(lookup_for("hll_merge", false).unwrap().kind, Kind::Scalar);
        assert_eq!(lookup_for("hll_merge", true).unwrap().kind, Kind::Aggregate);
        assert!(lookup_for("dcount", false).is_none());
        assert_eq!(lookup_for("strlen", true).unwrap().name, "strlen");
        assert_eq!(obsolete_alternative("parsejson"), Some("parse_json"));
        assert!(is_hidden("makeset") && !is_hidden("make_set"));
        assert!(is_constant_foldable("ago") && is_constant_foldable("strcat") && !is_constant_foldable("row_number"));
    }
}
