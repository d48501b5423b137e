//! Dynamic (array and bag) functions: `array_*`, `bag_*`, `set_*`, `pack*`, `zip`, `range`,
//! `repeat`, `treepath`, `jaccard_index`.

use super::*;

/// Dynamic (array and bag) functions, sorted by name; merged into [`FUNCTIONS`] by [`merge`].
#[rustfmt::skip]
pub(super) const DYNAMIC: &[Function] = &[
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
    // dynamic_to_json(dynamic: Scalar)
    Function { name: "dynamic_to_json", kind: Kind::Scalar, signatures: &[
        sig(&[SC], 1, Returns::Fixed(Type::String)),
    ] },
    // jaccard_index(set: DynamicArray{2..2}) -- Kusto.Language: DynamicArrayOfReal
    Function { name: "jaccard_index", kind: Kind::Scalar, signatures: &[
        rep(&[], 2, DA, 2, Returns::Fixed(Type::Dynamic)),
    ] },
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
    // range(start: Summable, stop: Summable, step: Summable?) -- Kusto.Language: Parameter0Array, a dynamic
    //     array of the first argument's type
    Function { name: "range", kind: Kind::Scalar, signatures: &[
        sig(&[SUM, SUM, SUM], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // repeat(value: Scalar, count: long) -- Kusto.Language: Parameter0Array, a dynamic array of the first
    //     argument's type
    Function { name: "repeat", kind: Kind::Scalar, signatures: &[sig(&[SC, L], 2, Returns::Fixed(Type::Dynamic))] },
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
    // treepath(object: DynamicBag) -- Kusto.Language: DynamicArrayOfString
    Function { name: "treepath", kind: Kind::Scalar, signatures: &[sig(&[DB], 1, Returns::Fixed(Type::Dynamic))] },
    // zip(array: DynamicArray{2..64}) -- Kusto.Language: DynamicArrayOfArray
    Function { name: "zip", kind: Kind::Scalar, signatures: &[rep(&[], 2, DA, 64, Returns::Fixed(Type::Dynamic))] },
];
