//! String functions: concatenation, search, extraction, replacement, trimming, encodings
//! (base64, URL, punycode, UTF-8, compression), hashes, and the parsers of URLs, paths, command
//! lines, CSV, XML, versions and user agents.

use super::*;

/// String functions, sorted by name; merged into [`FUNCTIONS`] by [`merge`].
#[rustfmt::skip]
pub(super) const STRING: &[Function] = &[
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
    // __lz4_compress_dynamic_array_to_base64_string(dynamic: DynamicArray)
    Function { name: "__lz4_compress_dynamic_array_to_base64_string", kind: Kind::Scalar, signatures: &[
        sig(&[DA], 1, Returns::Fixed(Type::String)),
    ] },
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
    // countof(source: string, search: string, kind: string literal?)
    Function { name: "countof", kind: Kind::Scalar, signatures: &[
        sig(&[S, S, LIT_S_COUNTOF_KINDS], 2, Returns::Fixed(Type::Long)),
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
    // format_bytes(size: Number, precision: Number constant?, format: string constant?)
    Function { name: "format_bytes", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, CONST_NUM, CONST_S], 1, Returns::Fixed(Type::String)),
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
    // indexof(string: Scalar, match: Scalar, start: Integer?, length: Integer?, occurrence: Integer constant?)
    Function { name: "indexof", kind: Kind::Scalar, signatures: &[
        sig(&[SC, SC, INT, INT, CONST_INT], 2, Returns::Fixed(Type::Long)),
    ] },
    // indexof_regex(string: Scalar, match: Scalar constant, start: Integer?, length: Integer?, occurrence:
    //     Integer constant?)
    Function { name: "indexof_regex", kind: Kind::Scalar, signatures: &[
        sig(&[SC, CONST_SC, INT, INT, CONST_INT], 2, Returns::Fixed(Type::Long)),
    ] },
    // isascii(value: Scalar)
    Function { name: "isascii", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Bool))] },
    // isutf8(value: Scalar)
    Function { name: "isutf8", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Bool))] },
    // obsolete: Kusto.Language suggests `unicode_codepoints_to_string` (a warning, still accepted)
    // alias of `unicode_codepoints_to_string` (identical signatures)
    // make_string(value: IntegerOrArray{1..MaxRepeat})
    Function { name: "make_string", kind: Kind::Scalar, signatures: &[
        rep(&[], 1, IOA, u8::MAX, Returns::Fixed(Type::String)),
    ] },
    // parse_command_line(command: Scalar, parser: string) -- Kusto.Language: DynamicArrayOfString
    Function { name: "parse_command_line", kind: Kind::Scalar, signatures: &[
        sig(&[SC, S], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // parse_csv(csv_text: StringOrDynamic) -- Kusto.Language: DynamicArray
    Function { name: "parse_csv", kind: Kind::Scalar, signatures: &[sig(&[SOD], 1, Returns::Fixed(Type::Dynamic))] },
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
    // obsolete: Kusto.Language suggests `parse_url` (a warning, still accepted)
    // alias of `parse_url` (identical signatures)
    // parseurl(url: string) -- Kusto.Language: DynamicBag
    Function { name: "parseurl", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::Dynamic))] },
    // obsolete: Kusto.Language suggests `parse_urlquery` (a warning, still accepted)
    // alias of `parse_urlquery` (identical signatures)
    // parseurlquery(query: string) -- Kusto.Language: DynamicBag
    Function { name: "parseurlquery", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::Dynamic))] },
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
    // regex_quote(string: Scalar)
    Function { name: "regex_quote", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::String))] },
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
    // split(source: Scalar, delimiter: string, requestedIndex: Integer?) -- Kusto.Language: DynamicArrayOfString
    Function { name: "split", kind: Kind::Scalar, signatures: &[sig(&[SC, S, INT], 2, Returns::Fixed(Type::Dynamic))] },
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
    // obsolete: Kusto.Language suggests `unicode_codepoints_from_string` (a warning, still accepted)
    // alias of `unicode_codepoints_from_string` (identical signatures)
    // to_utf8(value: Scalar) -- Kusto.Language: DynamicArray
    Function { name: "to_utf8", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::Dynamic))] },
    // tolower(value: Scalar)
    Function { name: "tolower", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::String))] },
    // toupper(value: Scalar)
    Function { name: "toupper", kind: Kind::Scalar, signatures: &[sig(&[SC], 1, Returns::Fixed(Type::String))] },
    // translate(searchList: string, replacementList: string, source: string)
    Function { name: "translate", kind: Kind::Scalar, signatures: &[sig(&[S, S, S], 3, Returns::Fixed(Type::String))] },
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
    // url_decode(encoded_url: string)
    Function { name: "url_decode", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::String))] },
    // url_encode(url: string)
    Function { name: "url_encode", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::String))] },
    // url_encode_component(url: string)
    Function { name: "url_encode_component", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::String)),
    ] },
    // zlib_compress_to_base64_string(string: string)
    Function { name: "zlib_compress_to_base64_string", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::String)),
    ] },
    // zlib_decompress_from_base64_string(string: string)
    Function { name: "zlib_decompress_from_base64_string", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::String)),
    ] },
];
