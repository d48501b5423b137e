//! Datetime and timespan functions: `now`/`ago`, parts, `startof*`/`endof*`, arithmetic,
//! time zones, `make_*`, `unixtime_*` and formatting.

use super::*;

/// Datetime and timespan functions, sorted by name; merged into [`FUNCTIONS`] by [`merge`].
#[rustfmt::skip]
pub(super) const DATETIME: &[Function] = &[
    // ago(timespan: timespan)
    Function { name: "ago", kind: Kind::Scalar, signatures: &[sig(&[TS], 1, Returns::Fixed(Type::DateTime))] },
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
    // format_datetime(date: datetime, format: string literalnotempty)
    Function { name: "format_datetime", kind: Kind::Scalar, signatures: &[
        sig(&[DT, LIT_NONEMPTY_S], 2, Returns::Fixed(Type::String)),
    ] },
    // format_timespan(timespan: timespan, format: string literalnotempty)
    Function { name: "format_timespan", kind: Kind::Scalar, signatures: &[
        sig(&[TS, LIT_NONEMPTY_S], 2, Returns::Fixed(Type::String)),
    ] },
    // getmonth(date: datetime)
    Function { name: "getmonth", kind: Kind::Scalar, signatures: &[sig(&[DT], 1, Returns::Fixed(Type::Int))] },
    // getyear(date: datetime)
    Function { name: "getyear", kind: Kind::Scalar, signatures: &[sig(&[DT], 1, Returns::Fixed(Type::Int))] },
    // hourofday(date: datetime)
    Function { name: "hourofday", kind: Kind::Scalar, signatures: &[sig(&[DT], 1, Returns::Fixed(Type::Int))] },
    // make_datetime(year: Number, month: Number, day: Number, hour: Number?, minute: Number?, second: Number?)
    // make_datetime(value: Scalar)
    Function { name: "make_datetime", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM, NUM, NUM, NUM], 3, Returns::Fixed(Type::DateTime)),
        sig(&[SC], 1, Returns::Fixed(Type::DateTime)),
    ] },
    // make_timespan(days: Integer, hours: Integer, minutes: Integer, seconds: Integer)
    // make_timespan(hours: Integer, minutes: Integer, seconds: Integer?)
    // make_timespan(value: Scalar)
    Function { name: "make_timespan", kind: Kind::Scalar, signatures: &[
        sig(&[INT, INT, INT, INT], 4, Returns::Fixed(Type::TimeSpan)),
        sig(&[INT, INT, INT], 2, Returns::Fixed(Type::TimeSpan)),
        sig(&[SC], 1, Returns::Fixed(Type::TimeSpan)),
    ] },
    // monthofyear(date: datetime)
    Function { name: "monthofyear", kind: Kind::Scalar, signatures: &[sig(&[DT], 1, Returns::Fixed(Type::Int))] },
    // now(offset: timespan?)
    Function { name: "now", kind: Kind::Scalar, signatures: &[sig(&[TS], 0, Returns::Fixed(Type::DateTime))] },
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
    // week_of_year(date: datetime)
    Function { name: "week_of_year", kind: Kind::Scalar, signatures: &[sig(&[DT], 1, Returns::Fixed(Type::Int))] },
    // obsolete: Kusto.Language suggests `week_of_year` (a warning, still accepted)
    // same signature as `week_of_year`, but not ISO 8601 week numbers
    // weekofyear(date: datetime)
    Function { name: "weekofyear", kind: Kind::Scalar, signatures: &[sig(&[DT], 1, Returns::Fixed(Type::Int))] },
];
