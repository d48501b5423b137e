//! Checks a parsed filter against a resource's properties: what Graph would reject is an error,
//! what it does not document is a warning. Every finding says what to write instead.

use super::ast::{Call, CompareOp, Expr, Literal, Operand, Span};
use super::props::{Filter, Kind, Property, Resource};
use crate::graph::enums;
use crate::suggest::did_you_mean;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// Graph would reject the filter, or it cannot mean what was intended.
    Error,
    /// Undocumented: Graph may reject it, or behave differently from the emulator.
    Warning,
}

/// One problem in a filter, located by byte range in the filter text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// Byte offset of the offending token.
    pub offset: usize,
    /// Its length in bytes (0 at the end of the text).
    pub len: usize,
    /// What is wrong and what to do.
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}: {} (at byte {})", self.message, self.offset)
    }
}

/// Every problem in `expr` as a filter on `resource`, in source order.
pub fn check(expr: &Expr, resource: Resource) -> Vec<Finding> {
    let mut checker = Checker {
        resource,
        findings: Vec::new(),
        lambda: Vec::new(),
        calls: 0,
    };
    checker.expr(expr);
    checker.findings.sort_by_key(|f| f.offset);
    checker.findings
}

struct Checker {
    resource: Resource,
    findings: Vec<Finding>,
    /// Lambda variables in scope (paths starting with one are not resource properties).
    lambda: Vec<String>,
    /// How many calls enclose the current node: inside one, properties are only checked to
    /// exist (the call is already a warning, and its arguments are not filter clauses).
    calls: usize,
}

impl Checker {
    fn push(&mut self, severity: Severity, span: Span, message: String) {
        self.findings.push(Finding {
            severity,
            offset: span.offset,
            len: span.len,
            message,
        });
    }

    fn error(&mut self, span: Span, message: String) {
        self.push(Severity::Error, span, message);
    }

    fn warn(&mut self, span: Span, message: String) {
        self.push(Severity::Warning, span, message);
    }

    fn filterable_list(&self) -> String {
        self.resource.filterable().collect::<Vec<_>>().join(", ")
    }

    fn expr(&mut self, expr: &Expr) {
        match expr {
            Expr::Or(items) | Expr::And(items) => items.iter().for_each(|e| self.expr(e)),
            Expr::Not { span, expr } => {
                self.warn(
                    *span,
                    "`not` is not documented for Graph security filters and may be rejected \
                     with 400; prefer `ne` or list the values you want"
                        .to_string(),
                );
                self.expr(expr);
            }
            Expr::Compare {
                left,
                op,
                op_span,
                right,
            } => self.compare(left, *op, *op_span, right),
            Expr::In { left, in_span, list } => {
                let prop = self.property_operand(left);
                let name = left.to_string();
                let alternative = list
                    .iter()
                    .map(|v| format!("{name} eq {v}"))
                    .collect::<Vec<_>>()
                    .join(" or ");
                self.warn(
                    *in_span,
                    format!(
                        "`in` is not documented for Graph security filters and may be rejected \
                         with 400; write `{alternative}` instead"
                    ),
                );
                for item in list {
                    self.operand_value(prop, CompareOp::Eq, item);
                }
            }
            Expr::Value(Operand::Call(call)) => self.call(call),
            Expr::Value(Operand::Literal {
                value: Literal::Bool(_),
                ..
            }) => {}
            Expr::Value(operand) if self.calls > 0 => self.operand(operand),
            Expr::Value(operand) => {
                let what = operand.to_string();
                self.error(
                    operand.span(),
                    format!("`{what}` is not a condition; compare it, e.g. `{what} eq 'value'`"),
                );
            }
        }
    }

    fn compare(&mut self, left: &Operand, op: CompareOp, op_span: Span, right: &Operand) {
        match (left, right) {
            (Operand::Property { .. }, Operand::Literal { .. }) => {
                let prop = self.property_operand(left);
                self.operand_value(prop, op, right);
            }
            (Operand::Literal { .. }, Operand::Property { .. }) => {
                let prop = self.property_operand(right);
                self.operand_value(prop, op, left);
            }
            (Operand::Literal { .. }, Operand::Literal { .. }) => self.warn(
                op_span,
                "this compares two constants; compare a property with a value instead".to_string(),
            ),
            (Operand::Property { .. }, Operand::Property { .. }) => {
                self.operand(left);
                self.operand(right);
                self.warn(
                    op_span,
                    "comparing two properties is not documented for Graph security filters; \
                     compare the properties in the playbook's `condition` instead"
                        .to_string(),
                );
            }
            _ => {
                self.operand(left);
                self.operand(right);
            }
        }
    }

    /// Checks an operand that is not compared with a literal (a call, a lambda path, ...).
    fn operand(&mut self, operand: &Operand) {
        match operand {
            Operand::Call(call) => self.call(call),
            Operand::Property { .. } => {
                self.property_operand(operand);
            }
            Operand::Literal { .. } => {}
        }
    }

    fn call(&mut self, call: &Call) {
        self.warn(
            call.name_span,
            format!(
                "function `{}` is not documented for Graph security filters and may be rejected \
                 with 400; filter on {} and test the rest in the playbook's `condition`",
                call.name,
                self.filterable_list()
            ),
        );
        if let Some(target) = &call.target {
            let span = Span {
                offset: call.span.offset,
                len: target.len(),
            };
            self.filterable(target, span);
        }
        if let Some(var) = &call.lambda {
            self.lambda.push(var.clone());
        }
        self.calls += 1;
        for arg in &call.args {
            self.expr(arg);
        }
        self.calls -= 1;
        if call.lambda.is_some() {
            self.lambda.pop();
        }
    }

    /// The first path segment, or `None` when it is a lambda variable.
    fn resource_path<'p>(&self, path: &'p str) -> Option<&'p str> {
        let first = path.split('/').next().unwrap_or(path);
        (!self.lambda.iter().any(|v| v == first)).then_some(first)
    }

    /// Reports an unknown property; returns it if known.
    fn known_property(&mut self, path: &str, span: Span) -> Option<&'static Property> {
        let first = self.resource_path(path)?;
        if let Some(prop) = self.resource.property(first) {
            return Some(prop);
        }
        let names = self.resource.properties().iter().map(|p| p.name);
        let hint = did_you_mean(first, names);
        self.error(
            Span {
                offset: span.offset,
                len: first.len(),
            },
            format!(
                "unknown property `{first}` on {}{hint}; filterable properties are: {}",
                self.resource.name(),
                self.filterable_list()
            ),
        );
        None
    }

    /// Checks that a compared property exists and is filterable; returns it when its values
    /// are worth checking (not inside a function call).
    fn property_operand(&mut self, operand: &Operand) -> Option<&'static Property> {
        let Operand::Property { path, span } = operand else {
            self.operand(operand);
            return None;
        };
        let prop = self.filterable(path, *span)?;
        (self.calls == 0 && !path.contains('/')).then_some(prop)
    }

    /// Checks that the property `path` starts with exists and may be filtered on, also inside
    /// a function or lambda (Graph rejects non-filterable properties there too, reference §6);
    /// returns it. A lambda variable's path is not a resource property: `None`.
    fn filterable(&mut self, path: &str, span: Span) -> Option<&'static Property> {
        let prop = self.known_property(path, span)?;
        let resource = self.resource.name();
        match prop.filter {
            Filter::No => {
                let list = self.filterable_list();
                self.error(
                    span,
                    format!(
                        "`{path}` cannot be used in a filter on {resource} (Graph answers 400); \
                         filterable properties are: {list}; test `{path}` in the playbook's \
                         `condition` instead"
                    ),
                );
                None
            }
            Filter::Undocumented => {
                self.warn(
                    span,
                    format!(
                        "`{path}` is not a documented filterable property of {resource}; Graph \
                         may reject it with 400 (documented: {})",
                        self.filterable_list()
                    ),
                );
                Some(prop)
            }
            Filter::Documented => Some(prop),
        }
    }

    /// Checks a literal compared with `prop` (an `in` list element is compared with `eq`).
    fn operand_value(&mut self, prop: Option<&'static Property>, op: CompareOp, value: &Operand) {
        let Operand::Literal { value: lit, span } = value else {
            self.operand(value);
            return;
        };
        let Some(prop) = prop else { return };
        let (name, span) = (prop.name, *span);
        if *lit == Literal::Null {
            if !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                self.error(
                    span,
                    format!("`null` can only be compared with eq or ne, e.g. `{name} eq null`"),
                );
            }
            return;
        }
        match prop.kind {
            Kind::Enum { type_name, members } => self.enum_value(name, type_name, members, op, lit, span),
            Kind::DateTime => match lit {
                Literal::DateTime { .. } => {}
                Literal::String(s) => self.error(
                    span,
                    format!(
                        "`{name}` is a date-time, so its value is written without quotes: \
                         `{name} ge {}`",
                        date_example(s)
                    ),
                ),
                other => self.error(
                    span,
                    format!(
                        "`{name}` is a date-time and cannot be compared with `{other}`; write an \
                         ISO-8601 date-time such as `{name} ge 2024-01-01T00:00:00Z`"
                    ),
                ),
            },
            Kind::String => {
                if !matches!(lit, Literal::String(_)) {
                    self.error(
                        span,
                        format!("`{name}` is a string; quote the value: `{name} eq 'text'`"),
                    );
                }
            }
            Kind::Int => {
                if !matches!(lit, Literal::Number(_)) {
                    self.error(span, format!("`{name}` is a number; write it unquoted: `{name} ge 50`"));
                }
            }
            Kind::Collection | Kind::Dictionary => {}
        }
    }

    fn enum_value(
        &mut self,
        name: &str,
        type_name: &str,
        members: &'static [&'static str],
        op: CompareOp,
        lit: &Literal,
        span: Span,
    ) {
        let a = article(type_name);
        // Suggest the real values first: `unknown` last, `unknownFutureValue` never.
        let mut expected: Vec<&str> = members
            .iter()
            .copied()
            .filter(|m| !matches!(*m, "unknown" | "unknownFutureValue"))
            .collect();
        if members.contains(&"unknown") {
            expected.push("unknown");
        }
        let Some(value) = lit.as_str() else {
            let example = expected.first().copied().unwrap_or("unknown");
            self.error(
                span,
                format!("`{name}` is {a} {type_name}; compare it with a quoted name, e.g. `{name} eq '{example}'`"),
            );
            return;
        };
        if let Literal::Enum { type_name: written, .. } = lit {
            let short = written.rsplit('.').next().unwrap_or(written);
            if !short.eq_ignore_ascii_case(type_name) {
                self.error(
                    span,
                    format!(
                        "`{lit}` is a `{written}` literal but `{name}` is {a} {type_name}; write \
                         `{name} eq '{value}'`"
                    ),
                );
                return;
            }
        }
        match enums::canonical(members, value) {
            None => {
                let hint = did_you_mean(value, members.iter().copied());
                self.error(
                    span,
                    format!(
                        "`{value}` is not {a} {type_name}; expected one of {}{hint}",
                        expected.join(", ")
                    ),
                );
            }
            Some(camel) if camel != value => self.warn(
                span,
                format!(
                    "write `'{camel}'` (the schema's camelCase name) instead of `'{value}'`; Graph \
                     documents only the camelCase names"
                ),
            ),
            Some(_) => {}
        }
        if !matches!(op, CompareOp::Eq | CompareOp::Ne) {
            self.warn(
                span,
                format!(
                    "ordering an enum (`{name} {} ...`) is not documented for Graph security \
                     filters; list the values with `eq` and `or` instead",
                    op.keyword()
                ),
            );
        }
    }
}

/// "a" or "an", for a type name.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// A date-time to suggest in place of a quoted string (its own text when that would parse).
fn date_example(s: &str) -> String {
    if chrono::DateTime::parse_from_rfc3339(s).is_ok() {
        s.to_string()
    } else {
        "2024-01-01T00:00:00Z".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odata::parse;

    fn findings(text: &str, resource: Resource) -> Vec<Finding> {
        match parse(text) {
            Ok(expr) => check(&expr, resource),
            Err(e) => panic!("{text:?}: {e}"),
        }
    }

    #[test]
    fn the_same_filter_differs_by_resource() {
        let text = "status eq 'active' and serviceSource eq 'microsoftSentinel'";
        assert_eq!(findings(text, Resource::Alerts).len(), 1);
        let on_incidents = findings(text, Resource::Incidents);
        assert_eq!(on_incidents.len(), 1);
        assert!(
            on_incidents[0]
                .message
                .starts_with("unknown property `serviceSource` on incidents")
        );
    }

    #[test]
    fn literal_on_the_left_is_checked_too() {
        let found = findings("'active' eq status", Resource::Alerts);
        assert_eq!((found.len(), found[0].offset), (1, 0));
        let found = findings("'a' eq 'b'", Resource::Alerts);
        assert_eq!(found[0].severity, Severity::Warning);
        let found = findings("assignedTo eq status", Resource::Alerts);
        assert_eq!((found.len(), found[0].severity), (1, Severity::Warning));
    }

    #[test]
    fn functions_and_lambdas_may_read_only_filterable_properties() {
        let found = findings("contains(title,'EICAR')", Resource::Alerts);
        let errors: Vec<&Finding> = found.iter().filter(|f| f.severity == Severity::Error).collect();
        assert_eq!(errors.len(), 1, "{found:?}");
        assert!(
            errors[0].message.starts_with("`title` cannot be used in a filter"),
            "{found:?}"
        );
        assert_eq!(errors[0].offset, 9);
        let found = findings("evidence/any(e: e/verdict eq 'malicious')", Resource::Alerts);
        assert!(
            found
                .iter()
                .any(|f| f.severity == Severity::Error && f.message.starts_with("`evidence` cannot be used")),
            "{found:?}"
        );
        // A filterable property in a function: only the function is a warning.
        let found = findings("startswith(assignedTo,'soc')", Resource::Alerts);
        assert!(found.iter().all(|f| f.severity == Severity::Warning), "{found:?}");
    }

    #[test]
    fn display_names_the_level() {
        let found = findings("title eq 'x'", Resource::Alerts);
        assert!(found[0].to_string().starts_with("error: `title` cannot be used"));
        assert_eq!(article("alertStatus"), "an");
        assert_eq!(article("serviceSource"), "a");
    }
}
