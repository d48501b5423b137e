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

mod aggregate;
mod check;
mod convert;
mod datetime;
mod dynamic;
mod geo;
mod ip;
mod math;
mod meta;
mod result_name;
mod series;
mod shorthand;
mod string;
#[cfg(test)]
mod tests;

pub use check::Match;
pub use result_name::{CONVERSIONS, RESULT_NAMES, ResultName, result_name};
use shorthand::*;

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

/// Every built-in function, sorted by name (binary-searchable), aliases included as their own
/// entries (with a `//` comment naming what they alias). Where a name is both an aggregate and a
/// scalar function, this holds the aggregate; the scalar one is in [`SCALAR_TWINS`]. Each entry's
/// comment gives Kusto.Language's declaration: `name: kind`, `?` optional, `{min..max}`
/// repeatable.
///
/// The entries live in one table per family ([`FAMILIES`]: `string.rs`, `datetime.rs`, ...),
/// merged here by name at compile time.
pub static FUNCTIONS: &[Function] = &ALL;

/// The family tables, each sorted by name.
const FAMILIES: &[&[Function]] = &[
    string::STRING,
    datetime::DATETIME,
    math::MATH,
    convert::CONVERT,
    dynamic::DYNAMIC,
    ip::IP,
    geo::GEO,
    series::SERIES,
    aggregate::AGGREGATE,
    meta::META,
];

static ALL: [Function; count(FAMILIES)] = merge(FAMILIES);

const fn count(families: &[&[Function]]) -> usize {
    let mut n = 0;
    let mut k = 0;
    while k < families.len() {
        n += families[k].len();
        k += 1;
    }
    n
}

/// The family tables merged into one, sorted by name, at compile time. The test
/// `tables_are_sorted_without_duplicates` checks the result, so a name in two families fails it.
const fn merge<const N: usize>(families: &[&[Function]]) -> [Function; N] {
    let mut out = [families[0][0]; N];
    let mut at = [0usize; 16];
    assert!(families.len() <= at.len());
    let mut i = 0;
    while i < N {
        let mut best = usize::MAX;
        let mut k = 0;
        while k < families.len() {
            if at[k] < families[k].len()
                && (best == usize::MAX || name_lt(families[k][at[k]].name, families[best][at[best]].name))
            {
                best = k;
            }
            k += 1;
        }
        out[i] = families[best][at[best]];
        at[best] += 1;
        i += 1;
    }
    out
}

/// `a < b` by bytes, as `str`'s `Ord` (which is not usable in a `const fn`).
const fn name_lt(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
        i += 1;
    }
    a.len() < b.len()
}

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
