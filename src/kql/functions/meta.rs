//! Metadata and query-environment functions: `cluster`/`database`/`table` and the other
//! tabular references, `current_*`, `cursor_*`, extents, `column_ifexists`, `ingestion_time`,
//! and the hidden `__cast`/`__invoke`.

use super::*;

/// Metadata and query-environment functions, sorted by name; merged into [`FUNCTIONS`] by [`merge`].
#[rustfmt::skip]
pub(super) const META: &[Function] = &[
    // hidden from IntelliSense (still accepted)
    // __cast(type: type literal, value: Scalar) -- Kusto.Language: Parameter0Literal, the type named by the type
    //     literal (argument 1)
    Function { name: "__cast", kind: Kind::Scalar, signatures: &[sig(&[TYPE, SC], 2, Returns::Unknown)] },
    // hidden from IntelliSense (still accepted)
    // __invoke(name: string literal, type: type literal, arg: Any{0..MaxRepeat}) -- Kusto.Language:
    //     Parameter1Literal, the type named by the type literal (argument 2)
    Function { name: "__invoke", kind: Kind::Scalar, signatures: &[
        rep(&[LIT_S, TYPE], 2, ANY, u8::MAX, Returns::Unknown),
    ] },
    // cluster(name: string) -- a tabular result (Kusto.Language: Parameter0Cluster), not a scalar
    Function { name: "cluster", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Unknown)] },
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
    // entity_group(name: string) -- a tabular result (Kusto.Language: Parameter0EntityGroup), not a scalar
    Function { name: "entity_group", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Unknown)] },
    // estimate_data_size(column: Scalar column{1..MaxRepeat})
    // estimate_data_size(column: Scalar staronly)
    Function { name: "estimate_data_size", kind: Kind::Scalar, signatures: &[
        rep(&[], 1, COLUMN_SC, u8::MAX, Returns::Fixed(Type::Long)),
        sig(&[STAR], 1, Returns::Fixed(Type::Long)),
    ] },
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
    // graph(name: string, snapshot: string?) -- a tabular result (Kusto.Language: Parameter0Graph), not a scalar
    // graph(name: string, volatile: bool) -- a tabular result (Kusto.Language: Parameter0Graph), not a scalar
    Function { name: "graph", kind: Kind::Scalar, signatures: &[
        sig(&[S, S], 1, Returns::Unknown),
        sig(&[S, B], 2, Returns::Unknown),
    ] },
    // ingestion_time()
    Function { name: "ingestion_time", kind: Kind::Scalar, signatures: &[sig(&[], 0, Returns::Fixed(Type::DateTime))] },
    // hidden from IntelliSense (still accepted)
    // iscolumnexists(column_name: string constant)
    Function { name: "iscolumnexists", kind: Kind::Scalar, signatures: &[
        sig(&[CONST_S], 1, Returns::Fixed(Type::Bool)),
    ] },
    // materialized_view(name: string, max_age: timespan?) -- a tabular result (Kusto.Language:
    //     Parameter0MaterializedView), not a scalar
    Function { name: "materialized_view", kind: Kind::Scalar, signatures: &[sig(&[S, TS], 1, Returns::Unknown)] },
    // row_id()
    Function { name: "row_id", kind: Kind::Scalar, signatures: &[sig(&[], 0, Returns::Fixed(Type::String))] },
    // hidden from IntelliSense (still accepted)
    // rowstore_ordinal_range()
    Function { name: "rowstore_ordinal_range", kind: Kind::Scalar, signatures: &[
        sig(&[], 0, Returns::Fixed(Type::Dynamic)),
    ] },
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
    // table(name: string, query_data_scope: string?) -- a tabular result (Kusto.Language: Parameter0Table), not
    //     a scalar
    Function { name: "table", kind: Kind::Scalar, signatures: &[sig(&[S, S], 1, Returns::Unknown)] },
];
