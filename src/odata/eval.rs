//! Evaluates a filter against one item (alert or incident JSON), as Graph would: the emulator's
//! `$filter`, and the engine's tests.
//!
//! Strings compare exactly (ordinal); enum-valued properties compare case-insensitively and order
//! by CSDL member order (so `severity ge 'medium'` means medium or high); date-times compare as
//! instants whatever the length of their fractional seconds; a missing property is `null`; any
//! comparison with `null` other than `eq`/`ne` is false. `contains`, `startswith` and `endswith`
//! work on strings; every other function (`any`, `all`, ...) is false.

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use super::ast::{Call, CompareOp, Expr, Literal, Operand};
use super::props::{self, Resource};

/// Whether `item` matches `expr`. Enum-valued properties are recognised by name on either
/// resource (`status` orders as an alertStatus); use [`eval_for`] when the resource is known.
pub fn eval(expr: &Expr, item: &Value) -> bool {
    Evaluator { resource: None, item }.expr(expr)
}

/// Whether `item`, an alert or an incident as `resource` says, matches `expr`.
pub fn eval_for(expr: &Expr, resource: Resource, item: &Value) -> bool {
    Evaluator {
        resource: Some(resource),
        item,
    }
    .expr(expr)
}

struct Evaluator<'v> {
    resource: Option<Resource>,
    item: &'v Value,
}

impl Evaluator<'_> {
    fn expr(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Or(items) => items.iter().any(|e| self.expr(e)),
            Expr::And(items) => items.iter().all(|e| self.expr(e)),
            Expr::Not { expr, .. } => !self.expr(expr),
            Expr::Compare { left, op, right, .. } => {
                let members = self.enum_of(left).or_else(|| self.enum_of(right));
                let outcome = compare(&self.resolve(left), &self.resolve(right), members);
                matches_op(*op, outcome)
            }
            Expr::In { left, list, .. } => {
                let members = self.enum_of(left);
                let value = self.resolve(left);
                list.iter().any(|candidate| {
                    let outcome = compare(&value, &self.resolve(candidate), members);
                    matches_op(CompareOp::Eq, outcome)
                })
            }
            Expr::Value(operand) => matches!(self.resolve(operand), Val::Bool(true)),
        }
    }

    /// The members of the enum a property operand holds, if it is enum-valued.
    fn enum_of(&self, operand: &Operand) -> Option<&'static [&'static str]> {
        match operand {
            Operand::Property { path, .. } if !path.contains('/') => props::enum_members(self.resource, path),
            _ => None,
        }
    }

    fn resolve(&self, operand: &Operand) -> Val {
        match operand {
            Operand::Property { path, .. } => {
                let mut value = self.item;
                for segment in path.split('/') {
                    match value.get(segment) {
                        Some(v) => value = v,
                        None => return Val::Null,
                    }
                }
                from_json(value)
            }
            Operand::Literal { value, .. } => match value {
                Literal::String(s) | Literal::Enum { value: s, .. } => Val::Str(s.clone()),
                Literal::Number(n) => n.parse().map_or(Val::Other, Val::Num),
                Literal::Bool(b) => Val::Bool(*b),
                Literal::Null => Val::Null,
                Literal::DateTime { value, .. } => Val::Time(*value),
            },
            Operand::Call(call) => self.call(call),
        }
    }

    fn call(&self, call: &Call) -> Val {
        let string_arg = |i: usize| match call.args.get(i) {
            Some(Expr::Value(operand)) => match self.resolve(operand) {
                Val::Str(s) => Some(s),
                _ => None,
            },
            _ => None,
        };
        let test: fn(&str, &str) -> bool = match (call.target.as_deref(), call.name.as_str()) {
            (None, "contains") => |a, b| a.contains(b),
            (None, "startswith") => |a, b| a.starts_with(b),
            (None, "endswith") => |a, b| a.ends_with(b),
            _ => return Val::Bool(false),
        };
        match (call.args.len(), string_arg(0), string_arg(1)) {
            (2, Some(a), Some(b)) => Val::Bool(test(&a, &b)),
            _ => Val::Bool(false),
        }
    }
}

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Null,
    Str(String),
    Num(f64),
    Bool(bool),
    Time(DateTime<FixedOffset>),
    /// An array or object: equal to nothing.
    Other,
}

/// How two values compare: `Some(Equal)`..., or `None` when they cannot be compared; `null`
/// equals only `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ordered(Ordering),
    /// Exactly one side is null.
    NullMismatch,
    Incomparable,
}

fn matches_op(op: CompareOp, outcome: Outcome) -> bool {
    match outcome {
        Outcome::Ordered(ord) => match op {
            CompareOp::Eq => ord.is_eq(),
            CompareOp::Ne => ord.is_ne(),
            CompareOp::Gt => ord.is_gt(),
            CompareOp::Ge => ord.is_ge(),
            CompareOp::Lt => ord.is_lt(),
            CompareOp::Le => ord.is_le(),
        },
        Outcome::NullMismatch | Outcome::Incomparable => op == CompareOp::Ne,
    }
}

/// Parses a Graph date-time; fractional seconds of any length (7 digits occur).
pub(super) fn parse_time(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s.trim()).ok()
}

fn compare(left: &Val, right: &Val, members: Option<&[&str]>) -> Outcome {
    use Val::*;
    let ordered = |o: Option<Ordering>| o.map_or(Outcome::Incomparable, Outcome::Ordered);
    match (left, right) {
        (Null, Null) => Outcome::Ordered(Ordering::Equal),
        (Null, _) | (_, Null) => Outcome::NullMismatch,
        (Time(a), Time(b)) => Outcome::Ordered(a.cmp(b)),
        (Time(a), Str(s)) => ordered(parse_time(s).map(|b| a.cmp(&b))),
        (Str(s), Time(b)) => ordered(parse_time(s).map(|a| a.cmp(b))),
        (Str(a), Str(b)) => match members {
            Some(members) => {
                let index = |v: &str| members.iter().position(|m| m.eq_ignore_ascii_case(v));
                match (index(a), index(b)) {
                    (Some(x), Some(y)) => Outcome::Ordered(x.cmp(&y)),
                    _ => Outcome::Ordered(a.to_lowercase().cmp(&b.to_lowercase())),
                }
            }
            None => Outcome::Ordered(a.cmp(b)),
        },
        (Num(a), Num(b)) => ordered(a.partial_cmp(b)),
        (Bool(a), Bool(b)) => Outcome::Ordered(a.cmp(b)),
        _ => Outcome::Incomparable,
    }
}

fn from_json(value: &Value) -> Val {
    match value {
        Value::Null => Val::Null,
        Value::String(s) => Val::Str(s.clone()),
        Value::Number(n) => n.as_f64().map_or(Val::Other, Val::Num),
        Value::Bool(b) => Val::Bool(*b),
        Value::Array(_) | Value::Object(_) => Val::Other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::odata::parse;

    fn alert() -> Value {
        json!({
            "@odata.type": "#microsoft.graph.security.alert",
            "id": "da637551227677560813_-961444813",
            "providerAlertId": "da637551227677560813_-961444813",
            "incidentId": "28282",
            "status": "new",
            "severity": "Medium",
            "classification": null,
            "determination": null,
            "serviceSource": "microsoftDefenderForEndpoint",
            "detectionSource": "antivirus",
            "title": "EICAR test file detected",
            "assignedTo": null,
            "createdDateTime": "2024-05-01T10:00:00.1234567Z",
            "lastUpdateDateTime": "2024-05-01T10:05:30.12Z",
            "firstActivityDateTime": "2024-05-01T09:59:58Z",
            "priorityScore": 42,
            "mitreTechniques": ["T1564.001"],
            "evidence": [{
                "@odata.type": "#microsoft.graph.security.fileEvidence",
                "verdict": "malicious",
                "fileDetails": { "fileName": "eicar.com", "sha256": "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f" }
            }]
        })
    }

    fn matches(text: &str) -> bool {
        match parse(text) {
            Ok(expr) => eval(&expr, &alert()),
            Err(e) => panic!("{text:?}: {e}"),
        }
    }

    #[test]
    fn design_filter_on_a_real_shaped_alert() {
        assert!(matches(
            "status eq 'new' and (severity eq 'medium' or severity eq 'low')"
        ));
        assert!(!matches(
            "status eq 'new' and (severity eq 'informational' or severity eq 'low')"
        ));
    }

    #[test]
    fn eval_for_orders_by_the_resources_own_enum() {
        let incident = json!({ "status": "InProgress", "severity": "high" });
        let Ok(expr) = parse("status gt 'resolved' and severity eq 'High'") else {
            panic!("parse failed");
        };
        assert!(eval_for(&expr, Resource::Incidents, &incident));
        assert!(!eval_for(&expr, Resource::Alerts, &incident));
    }

    #[test]
    fn strings_exact_enums_case_insensitive() {
        assert!(matches("title eq 'EICAR test file detected'"));
        assert!(!matches("title eq 'eicar test file detected'"));
        assert!(matches("severity eq 'medium'") && matches("severity eq 'MEDIUM'"));
        assert!(matches("status eq 'New'"));
        assert!(matches("status eq microsoft.graph.security.alertStatus'new'"));
        assert!(matches("serviceSource ne 'microsoftSentinel'"));
    }

    #[test]
    fn enums_order_by_member_order() {
        assert!(matches("severity ge 'medium'"));
        assert!(matches("severity gt 'low'"));
        assert!(!matches("severity ge 'high'"));
        assert!(matches("severity lt 'high'"));
    }

    #[test]
    fn date_times_compare_as_instants() {
        assert!(matches("createdDateTime ge 2024-05-01T10:00:00Z"));
        assert!(matches("createdDateTime gt 2024-05-01T10:00:00.1234566Z"));
        assert!(matches("createdDateTime eq 2024-05-01T10:00:00.1234567Z"));
        assert!(matches("createdDateTime eq 2024-05-01T12:00:00.1234567+02:00"));
        assert!(!matches("createdDateTime gt 2024-05-01T10:00:00.123457Z"));
        // A string compare would say "10:05:30.12Z" > "10:05:30.1Z" < "10:05:30Z"; instants do not.
        assert!(matches("lastUpdateDateTime gt 2024-05-01T10:05:30Z"));
        assert!(matches("lastUpdateDateTime lt 2024-05-01T10:05:30.2Z"));
        assert!(!matches("resolvedDateTime ge 2024-05-01T10:00:00Z"));
    }

    #[test]
    fn nulls_and_missing_properties() {
        assert!(matches("assignedTo eq null"));
        assert!(matches("resolvedDateTime eq null"), "missing reads as null");
        assert!(!matches("assignedTo ne null"));
        assert!(matches("assignedTo ne 'analyst@contoso.com'"));
        assert!(!matches("assignedTo eq 'analyst@contoso.com'"));
        assert!(!matches("assignedTo gt 'a'") && !matches("assignedTo lt 'a'"));
        assert!(!matches("status eq null"));
    }

    #[test]
    fn in_not_and_or() {
        assert!(matches("status in ('inProgress','new')"));
        assert!(!matches("status in ('resolved')"));
        assert!(matches("not (status eq 'resolved')"));
        assert!(!matches("not status eq 'new'"));
        assert!(matches("status eq 'resolved' or incidentId eq '28282'"));
        assert!(!matches("status eq 'new' and incidentId eq '1'"));
    }

    #[test]
    fn numbers_paths_and_functions() {
        assert!(matches("priorityScore ge 40 and priorityScore lt 42.5"));
        assert!(!matches("priorityScore eq '42'"));
        assert!(matches(
            "contains(title,'EICAR') and startswith(title,'EICAR') and endswith(title,'detected')"
        ));
        assert!(!matches("contains(title,'eicar')"));
        assert!(
            !matches("evidence/any(e: e/verdict eq 'malicious')"),
            "lambdas are false"
        );
        assert!(!matches("frobnicate(title)"));
        assert!(
            !matches("mitreTechniques eq 'T1564.001'"),
            "a collection equals nothing"
        );
        assert!(matches("true") && !matches("false"));
    }
}
