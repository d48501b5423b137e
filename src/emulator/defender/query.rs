//! The OData query options of the Defender for Endpoint lists (machines, machine actions,
//! indicators; response-actions-api.md §1.6): `$filter` on the properties each list documents as
//! filterable, `$top` (at most 10,000, the page size too) and `$skip`.
//!
//! Filters are parsed and evaluated by [`crate::odata`] (the one parser), against each item's
//! JSON: strings compare exactly, date-times as instants, `and`/`or`/`not`, `in`, `contains`,
//! `startswith` and `endswith`. What the emulator cannot evaluate is a 400 `ODataError` naming
//! it rather than a silent non-match: a property the list does not document as filterable,
//! collection properties (`machineTags`, `rbacGroupNames`, `rbacGroupIds`: their lambdas are not
//! evaluated), other functions, and query options other than the three above.

use serde_json::Value;

use super::error::MdeError;
use crate::odata::{self, Expr, Operand};

/// The largest `$top`, and the page size (§1.6).
pub const MAX_TOP: usize = 10_000;

/// A list's OData surface: its entity name (for messages), the properties `$filter` may compare,
/// and the collection-valued ones among the documented filterable properties.
#[derive(Debug, Clone, Copy)]
pub struct Filterable {
    /// The entity type, e.g. `Machine`.
    pub entity: &'static str,
    /// Properties that hold a single value.
    pub scalar: &'static [&'static str],
    /// Documented as filterable but collections (only lambdas could use them).
    pub collections: &'static [&'static str],
}

/// The checked options of one list request.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    filter: Option<Expr>,
    /// `$top`.
    pub top: Option<usize>,
    /// `$skip`.
    pub skip: usize,
}

impl ListQuery {
    /// Parses the raw query string of a list request on `list`.
    pub fn parse(raw: Option<&str>, list: Filterable) -> Result<ListQuery, MdeError> {
        let mut query = ListQuery::default();
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            if !key.starts_with('$') {
                continue;
            }
            if seen.contains(&key.to_string()) {
                return Err(MdeError::odata(format!(
                    "The query option {key} is given more than once; give it once."
                )));
            }
            seen.push(key.to_string());
            match key.as_ref() {
                "$filter" => query.filter = Some(parse_filter(&value, list)?),
                "$top" => {
                    let top = count(&key, &value)?;
                    if top > MAX_TOP {
                        return Err(MdeError::odata(format!(
                            "The limit of '{MAX_TOP}' for Top query has been exceeded. The value from the incoming \
                             request is '{top}'."
                        )));
                    }
                    query.top = Some(top);
                }
                "$skip" => query.skip = count(&key, &value)?,
                other => {
                    return Err(MdeError::odata(format!(
                        "The query option {other} is not supported on {} lists (the emulator takes $filter, $top \
                         and $skip).",
                        list.entity
                    )));
                }
            }
        }
        Ok(query)
    }

    /// Whether `item` passes the filter (every item without one).
    pub fn matches(&self, item: &Value) -> bool {
        self.filter.as_ref().is_none_or(|expr| odata::eval(expr, item))
    }

    /// The page of `items` (already in the list's order) the options ask for: the matching
    /// items after `$skip`, at most `$top` of them (or [`MAX_TOP`]).
    pub fn page(&self, items: impl Iterator<Item = Value>) -> Vec<Value> {
        items
            .filter(|item| self.matches(item))
            .skip(self.skip)
            .take(self.top.unwrap_or(MAX_TOP))
            .collect()
    }
}

fn count(key: &str, value: &str) -> Result<usize, MdeError> {
    value.trim().parse().map_err(|_| {
        MdeError::odata(format!(
            "Invalid value '{value}' for the query option {key}: it takes a whole number of 0 or more."
        ))
    })
}

fn parse_filter(text: &str, list: Filterable) -> Result<Expr, MdeError> {
    let expr = odata::parse(text).map_err(|e| {
        MdeError::odata(format!(
            "Invalid OData query $filter={text}: {} (at character {}).",
            e.message,
            e.offset + 1
        ))
    })?;
    check(&expr, list).map_err(|why| MdeError::odata(format!("Invalid OData query $filter={text}: {why}")))?;
    Ok(expr)
}

/// Every property of `expr` must be one `list` can compare, and every call one the evaluator
/// knows.
fn check(expr: &Expr, list: Filterable) -> Result<(), String> {
    match expr {
        Expr::Or(items) | Expr::And(items) => items.iter().try_for_each(|e| check(e, list)),
        Expr::Not { expr, .. } => check(expr, list),
        Expr::Compare { left, right, .. } => [left, right].into_iter().try_for_each(|o| operand(o, list)),
        Expr::In { left, list: items, .. } => {
            operand(left, list)?;
            items.iter().try_for_each(|o| operand(o, list))
        }
        Expr::Value(o) => operand(o, list),
    }
}

fn operand(operand: &Operand, list: Filterable) -> Result<(), String> {
    match operand {
        Operand::Literal { .. } => Ok(()),
        Operand::Property { path, .. } => {
            if list.scalar.contains(&path.as_str()) {
                Ok(())
            } else if list.collections.contains(&path.as_str()) {
                Err(format!(
                    "'{path}' is a collection; the emulator does not evaluate filters on it (any/all)."
                ))
            } else {
                Err(format!(
                    "Could not find a filterable property named '{path}' on type '{}'; the filterable properties \
                     are {} (names are case-sensitive).",
                    list.entity,
                    list.scalar
                        .iter()
                        .chain(list.collections)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
        }
        Operand::Call(call) => {
            let known = call.target.is_none() && ["contains", "startswith", "endswith"].contains(&call.name.as_str());
            if !known {
                return Err(format!(
                    "the function '{}' is not supported by the emulator (contains, startswith and endswith are).",
                    call.name
                ));
            }
            call.args.iter().try_for_each(|e| check(e, list))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const LIST: Filterable = Filterable {
        entity: "Machine",
        scalar: &["id", "computerDnsName", "lastSeen"],
        collections: &["machineTags"],
    };

    fn parse(raw: &str) -> Result<ListQuery, MdeError> {
        ListQuery::parse(Some(raw), LIST)
    }

    #[test]
    fn filters_compare_the_listed_properties() {
        let query = parse("$filter=computerDnsName eq 'a.contoso.com' and lastSeen gt 2030-01-01T00:00:00Z").unwrap();
        assert!(
            query.matches(&json!({"computerDnsName": "a.contoso.com", "lastSeen": "2030-01-02T00:00:00.1234567Z"}))
        );
        assert!(!query.matches(&json!({"computerDnsName": "a.contoso.com", "lastSeen": "2029-01-02T00:00:00Z"})));
        let query = parse("$filter=startswith(computerDnsName,'ws-')&$top=1&$skip=1").unwrap();
        let items = ["ws-1", "srv-1", "ws-2", "ws-3"].map(|n| json!({"computerDnsName": n}));
        assert_eq!(query.page(items.into_iter()), [json!({"computerDnsName": "ws-2"})]);
        assert!(parse("foo=bar").unwrap().matches(&json!({})));
    }

    #[test]
    fn what_cannot_be_evaluated_is_an_odata_error_naming_it() {
        for (raw, needle) in [
            ("$filter=riskScore eq 'High'", "named 'riskScore' on type 'Machine'"),
            ("$filter=ComputerDnsName eq 'x'", "case-sensitive"),
            ("$filter=machineTags/any(t: t eq 'x')", "function 'any'"),
            ("$filter=machineTags eq 'x'", "'machineTags' is a collection"),
            ("$filter=id eq", "$filter=id eq"),
            ("$top=10001", "The limit of '10000' for Top query"),
            ("$top=-1", "whole number"),
            ("$orderby=id", "$orderby is not supported"),
            ("$top=1&$top=2", "more than once"),
        ] {
            let error = parse(raw).unwrap_err();
            assert_eq!(error.code, "ODataError", "{raw}");
            assert!(error.message.contains(needle), "{raw}: {}", error.message);
        }
    }
}
