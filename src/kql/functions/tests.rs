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
    for name in "dynamic datetime timespan bool int long real guid decimal typeof time toscalar".split_whitespace() {
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
