//! IPv4 and IPv6 functions: parsing, formatting, comparing, matching and range checks, and
//! the `has_*ipv4*` text searches.

use super::*;

/// IPv4 and IPv6 functions, sorted by name; merged into [`FUNCTIONS`] by [`merge`].
#[rustfmt::skip]
pub(super) const IP: &[Function] = &[
    // hidden from IntelliSense (still accepted)
    // __ipv6_lookup_ranges(ip: StringOrDynamic, ranges: DynamicArray) -- Kusto.Language: DynamicArray
    Function { name: "__ipv6_lookup_ranges", kind: Kind::Scalar, signatures: &[
        sig(&[SOD, DA], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // format_ipv4(ip: Scalar, prefix: long?)
    Function { name: "format_ipv4", kind: Kind::Scalar, signatures: &[sig(&[SC, L], 1, Returns::Fixed(Type::String))] },
    // format_ipv4_mask(ip: Scalar, prefix: long)
    Function { name: "format_ipv4_mask", kind: Kind::Scalar, signatures: &[
        sig(&[SC, L], 2, Returns::Fixed(Type::String)),
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
];
