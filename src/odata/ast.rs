//! The syntax tree of a `$filter` expression, and its canonical OData text (`Display`).
//!
//! Every node keeps the byte span of its source, so checks can point at the offending token.
//! `and` / `or` chains are flat lists: a filter of 10,000 clauses is a wide tree, not a deep
//! one, so walking it never exhausts the stack (the parser bounds nesting separately).

use std::fmt;

use chrono::{DateTime, FixedOffset};

/// A byte range in the filter text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
}

impl Span {
    /// The span from the start of `self` to the end of `other`.
    pub fn to(self, other: Span) -> Span {
        let end = (other.offset + other.len).max(self.offset + self.len);
        Span {
            offset: self.offset,
            len: end - self.offset,
        }
    }
}

/// A boolean expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `a or b or c` (two or more operands).
    Or(Vec<Expr>),
    /// `a and b and c` (two or more operands).
    And(Vec<Expr>),
    /// `not a`; `span` is the `not` keyword.
    Not { span: Span, expr: Box<Expr> },
    /// `left op right`; `op_span` is the operator keyword.
    Compare {
        left: Operand,
        op: CompareOp,
        op_span: Span,
        right: Operand,
    },
    /// `left in (a, b)`; `in_span` is the `in` keyword.
    In {
        left: Operand,
        in_span: Span,
        list: Vec<Operand>,
    },
    /// An operand standing alone as a condition: a function call such as
    /// `contains(title,'x')`, `true`, or (inside a call) an argument such as `title`.
    Value(Operand),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    /// The OData keyword, e.g. `eq`.
    pub fn keyword(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// The operator a keyword names (case-sensitive, as OData specifies).
    pub fn from_keyword(word: &str) -> Option<CompareOp> {
        Some(match word {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            _ => return None,
        })
    }
}

/// One side of a comparison, an element of an `in` list, or a call argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A property path such as `status` or `evidence/verdict` (segments joined by `/`).
    Property { path: String, span: Span },
    /// A constant.
    Literal { value: Literal, span: Span },
    /// A function call.
    Call(Box<Call>),
}

impl Operand {
    /// Where the operand is in the filter text.
    pub fn span(&self) -> Span {
        match self {
            Operand::Property { span, .. } | Operand::Literal { span, .. } => *span,
            Operand::Call(call) => call.span,
        }
    }
}

/// A function call: `contains(title,'x')`, or `evidence/any(e: e/verdict eq 'malicious')`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The path the function is applied to (`evidence` in `evidence/any(...)`), if any.
    pub target: Option<String>,
    /// The function name.
    pub name: String,
    /// Where the function name is.
    pub name_span: Span,
    /// The lambda variable of `any(e: ...)` / `all(e: ...)`.
    pub lambda: Option<String>,
    /// The arguments (the lambda body is the single argument of a lambda).
    pub args: Vec<Expr>,
    /// The whole call, target included.
    pub span: Span,
}

/// A constant in a filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `'text'` (unescaped: `''` in the source is `'` here).
    String(String),
    /// A number, kept as written (`42`, `-1.5`, `1e3`).
    Number(String),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An unquoted ISO-8601 date-time, as written and as an instant.
    DateTime { text: String, value: DateTime<FixedOffset> },
    /// A qualified enum literal: `microsoft.graph.security.alertStatus'new'`.
    Enum { type_name: String, value: String },
}

impl Literal {
    /// The text of a string or enum literal.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Literal::String(s) | Literal::Enum { value: s, .. } => Some(s),
            _ => None,
        }
    }
}

fn quote(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    write!(f, "'{}'", text.replace('\'', "''"))
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::String(s) => quote(f, s),
            Literal::Number(n) => f.write_str(n),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Null => f.write_str("null"),
            Literal::DateTime { text, .. } => f.write_str(text),
            Literal::Enum { type_name, value } => {
                f.write_str(type_name)?;
                quote(f, value)
            }
        }
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Property { path, .. } => f.write_str(path),
            Operand::Literal { value, .. } => write!(f, "{value}"),
            Operand::Call(call) => write!(f, "{call}"),
        }
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(target) = &self.target {
            write!(f, "{target}/")?;
        }
        write!(f, "{}(", self.name)?;
        if let Some(var) = &self.lambda {
            write!(f, "{var}: ")?;
        }
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{arg}")?;
        }
        f.write_str(")")
    }
}

/// Writes `items` joined by `sep`, parenthesising those that bind looser than the parent.
fn join(f: &mut fmt::Formatter<'_>, items: &[Expr], sep: &str, is_and: bool) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        // `and` binds tighter than `or`: only an `or` inside an `and` needs parentheses.
        if is_and && matches!(item, Expr::Or(_)) {
            write!(f, "({item})")?;
        } else {
            write!(f, "{item}")?;
        }
    }
    Ok(())
}

impl fmt::Display for Expr {
    /// Canonical OData text: lowercase keywords, single spaces, parentheses only where needed
    /// (and always around the operand of `not`, which binds tighter than comparisons in OData).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Or(items) => join(f, items, " or ", false),
            Expr::And(items) => join(f, items, " and ", true),
            Expr::Not { expr, .. } => write!(f, "not ({expr})"),
            Expr::Compare { left, op, right, .. } => {
                write!(f, "{left} {} {right}", op.keyword())
            }
            Expr::In { left, list, .. } => {
                write!(f, "{left} in (")?;
                for (i, item) in list.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str(")")
            }
            Expr::Value(operand) => write!(f, "{operand}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(value: Literal) -> Operand {
        Operand::Literal {
            value,
            span: Span::default(),
        }
    }

    fn prop(path: &str) -> Operand {
        Operand::Property {
            path: path.to_string(),
            span: Span::default(),
        }
    }

    fn eq(path: &str, value: Literal) -> Expr {
        Expr::Compare {
            left: prop(path),
            op: CompareOp::Eq,
            op_span: Span::default(),
            right: lit(value),
        }
    }

    #[test]
    fn literals_print_as_odata() {
        assert_eq!(Literal::String("it's".into()).to_string(), "'it''s'");
        assert_eq!(Literal::String(String::new()).to_string(), "''");
        assert_eq!(Literal::Null.to_string(), "null");
        assert_eq!(Literal::Bool(false).to_string(), "false");
        assert_eq!(Literal::Number("-1.5".into()).to_string(), "-1.5");
        let typed = Literal::Enum {
            type_name: "microsoft.graph.security.alertStatus".into(),
            value: "new".into(),
        };
        assert_eq!(typed.to_string(), "microsoft.graph.security.alertStatus'new'");
        assert_eq!(typed.as_str(), Some("new"));
    }

    #[test]
    fn or_inside_and_is_parenthesised_and_not_always_is() {
        let or = Expr::Or(vec![eq("a", Literal::Null), eq("b", Literal::Bool(true))]);
        let and = Expr::And(vec![eq("c", Literal::String("x".into())), or.clone()]);
        assert_eq!(and.to_string(), "c eq 'x' and (a eq null or b eq true)");
        let nested_or = Expr::Or(vec![and.clone(), or.clone()]);
        assert_eq!(
            nested_or.to_string(),
            "c eq 'x' and (a eq null or b eq true) or a eq null or b eq true"
        );
        let not = Expr::Not {
            span: Span::default(),
            expr: Box::new(eq("a", Literal::Null)),
        };
        assert_eq!(not.to_string(), "not (a eq null)");
        let list = Expr::In {
            left: prop("s"),
            in_span: Span::default(),
            list: vec![lit(Literal::String("x".into()))],
        };
        assert_eq!(list.to_string(), "s in ('x')");
    }

    #[test]
    fn span_to_covers_both() {
        let a = Span { offset: 3, len: 2 };
        assert_eq!(a.to(Span { offset: 10, len: 4 }), Span { offset: 3, len: 11 });
        assert_eq!(a.to(Span { offset: 3, len: 1 }), a);
        for op in [
            CompareOp::Eq,
            CompareOp::Ne,
            CompareOp::Gt,
            CompareOp::Ge,
            CompareOp::Lt,
            CompareOp::Le,
        ] {
            assert_eq!(CompareOp::from_keyword(op.keyword()), Some(op));
        }
        assert_eq!(CompareOp::from_keyword("EQ"), None);
    }
}
