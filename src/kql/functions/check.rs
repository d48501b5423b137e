//! How a call is checked against a function's signatures: Kusto.Language's type facts
//! (promotion, common types), [`Match`], and the methods of [`Param`], [`Signature`] and
//! [`Function`] that count, match and type the arguments.

use super::*;

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
    pub(super) fn matches(&self, args: &[Type], stars: &[bool]) -> Vec<Match> {
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
