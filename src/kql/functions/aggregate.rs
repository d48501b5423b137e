//! Aggregate functions (summarize and make-series), the window functions that need
//! serialized rows, and the scalar companions of the tdigest and hll aggregates.

use super::*;

/// Aggregate functions (summarize and make-series), the window functions that need serialized rows, and the scalar companions of the tdigest and hll aggregates., sorted by name; merged into [`FUNCTIONS`] by [`merge`].
#[rustfmt::skip]
pub(super) const AGGREGATE: &[Function] = &[
    // hidden from IntelliSense (still accepted)
    // __hll_normalize(hll: dynamic{2..16})
    Function { name: "__hll_normalize", kind: Kind::Scalar, signatures: &[
        rep(&[], 2, DYN, 16, Returns::Fixed(Type::Dynamic)),
    ] },
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
    // binary_all_and(expr: Summable)
    Function { name: "binary_all_and", kind: Kind::Aggregate, signatures: &[sig(&[SUM], 1, Returns::Arg(0))] },
    // binary_all_or(expr: Summable)
    Function { name: "binary_all_or", kind: Kind::Aggregate, signatures: &[sig(&[SUM], 1, Returns::Arg(0))] },
    // binary_all_xor(expr: Summable)
    Function { name: "binary_all_xor", kind: Kind::Aggregate, signatures: &[sig(&[SUM], 1, Returns::Arg(0))] },
    // buildschema(expr: DynamicBag) -- Kusto.Language: DynamicBag
    Function { name: "buildschema", kind: Kind::Aggregate, signatures: &[
        sig(&[DB], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // obsolete: Kusto.Language suggests `count` (a warning, still accepted)
    // hidden from IntelliSense (still accepted)
    // legacy `count()` (no arguments)
    // cnt()
    Function { name: "cnt", kind: Kind::Aggregate, signatures: &[sig(&[], 0, Returns::Fixed(Type::Long))] },
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
    // dcount(expr: Scalar, accuracy: NotDynamic?)
    Function { name: "dcount", kind: Kind::Aggregate, signatures: &[sig(&[SC, ND], 1, Returns::Fixed(Type::Long))] },
    // dcount_hll(hll: DynamicArray)
    Function { name: "dcount_hll", kind: Kind::Scalar, signatures: &[sig(&[DA], 1, Returns::Fixed(Type::Long))] },
    // dcountif(expr: Scalar, predicate: bool, accuracy: NotDynamic?)
    Function { name: "dcountif", kind: Kind::Aggregate, signatures: &[
        sig(&[SC, B, ND], 2, Returns::Fixed(Type::Long)),
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
    // make_bag(expr: DynamicBag, maxSize: Integer?) -- Kusto.Language: DynamicBag
    Function { name: "make_bag", kind: Kind::Aggregate, signatures: &[
        sig(&[DB, INT], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // make_bag_if(expr: DynamicBag, predicate: bool, maxSize: Integer?) -- Kusto.Language: DynamicBag
    Function { name: "make_bag_if", kind: Kind::Aggregate, signatures: &[
        sig(&[DB, B, INT], 2, Returns::Fixed(Type::Dynamic)),
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
    // max(expr: Orderable)
    Function { name: "max", kind: Kind::Aggregate, signatures: &[sig(&[ORD], 1, Returns::Arg(0))] },
    // maxif(expr: Orderable, predicate: bool)
    Function { name: "maxif", kind: Kind::Aggregate, signatures: &[sig(&[ORD, B], 2, Returns::Arg(0))] },
    // alias of `tdigest_merge` (identical signatures)
    // merge_tdigest(tdigest: DynamicArray) -- Kusto.Language: DynamicArray
    Function { name: "merge_tdigest", kind: Kind::Aggregate, signatures: &[
        sig(&[DA], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // min(expr: Orderable)
    Function { name: "min", kind: Kind::Aggregate, signatures: &[sig(&[ORD], 1, Returns::Arg(0))] },
    // minif(expr: Orderable, predicate: bool)
    Function { name: "minif", kind: Kind::Aggregate, signatures: &[sig(&[ORD, B], 2, Returns::Arg(0))] },
    // window function: needs a serialized row set (Kusto.Language itself does not check this)
    // next(column: Scalar column, offset: long?, default_value: Scalar constant?)
    Function { name: "next", kind: Kind::Window, signatures: &[sig(&[COLUMN_SC, L, CONST_SC], 1, Returns::Arg(0))] },
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
    // window function: needs a serialized row set (Kusto.Language itself does not check this)
    // prev(column: Scalar column, offset: long?, default_value: Scalar constant?)
    Function { name: "prev", kind: Kind::Window, signatures: &[sig(&[COLUMN_SC, L, CONST_SC], 1, Returns::Arg(0))] },
    // rank_tdigest(digest: DynamicArray, value: Scalar)
    Function { name: "rank_tdigest", kind: Kind::Scalar, signatures: &[sig(&[DA, SC], 2, Returns::Fixed(Type::Real))] },
    // window function: needs a serialized row set (Kusto.Language itself does not check this)
    // row_cumsum(term: Number, restart: bool?)
    Function { name: "row_cumsum", kind: Kind::Window, signatures: &[sig(&[NUM, B], 1, Returns::Arg(0))] },
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
    // stdev(expr: Summable)
    Function { name: "stdev", kind: Kind::Aggregate, signatures: &[sig(&[SUM], 1, Returns::Fixed(Type::Real))] },
    // stdevif(expr: Summable, predicate: bool)
    Function { name: "stdevif", kind: Kind::Aggregate, signatures: &[sig(&[SUM, B], 2, Returns::Fixed(Type::Real))] },
    // stdevp(expr: Summable)
    Function { name: "stdevp", kind: Kind::Aggregate, signatures: &[sig(&[SUM], 1, Returns::Fixed(Type::Real))] },
    // sum(expr: Summable) -- Kusto.Language: Parameter0Promoted (int becomes long; see PROMOTED_RESULTS)
    Function { name: "sum", kind: Kind::Aggregate, signatures: &[sig(&[SUM], 1, Returns::Arg(0))] },
    // sumif(expr: Summable, predicate: bool) -- Kusto.Language: Parameter0Promoted (int becomes long; see
    //     PROMOTED_RESULTS)
    Function { name: "sumif", kind: Kind::Aggregate, signatures: &[sig(&[SUM, B], 2, Returns::Arg(0))] },
    // take_any(expr: Scalar starallowed{1..MaxRepeat}) -- several columns (a tuple): one column per argument
    //     (columns keep name and type; `*` expands to the row scope's columns; other expressions are named any_argN)
    Function { name: "take_any", kind: Kind::Aggregate, signatures: &[
        rep(&[], 1, STAR_OR_SC, u8::MAX, Returns::Unknown),
    ] },
    // take_anyif(expr: Scalar, predicate: bool)
    Function { name: "take_anyif", kind: Kind::Aggregate, signatures: &[sig(&[SC, B], 2, Returns::Arg(0))] },
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
];
