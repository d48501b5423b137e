//! The KQL syntax tree: what the parser builds and the binder (and an evaluator) walks.
//!
//! Every node carries its [`Span`] (byte offsets into the query text). Chains that real queries
//! make long are flat vectors, never deep trees: `a or b or c ...` is one [`ExprKind::Logical`]
//! with every term, and `T | op | op ...` one [`ExprKind::Pipe`] with every operator, so walking
//! a 5,000-term detection rule needs no deep recursion.

use super::Span;
use super::types::Type;

/// A name as written, with its span (bracketed names `['x']` are unquoted here).
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A whole query: `let` statements and the tabular expression statements between `;`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Let(Let),
    /// `set name [= value];` (query options); nothing for the checker to resolve.
    Set {
        name: Ident,
        span: Span,
    },
    /// `declare query_parameters(Name: type [= default], ...)`.
    Declare(Vec<LambdaParam>),
    /// A tabular (or `print`) expression whose result the query returns.
    Expr(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Let {
    pub name: Ident,
    pub value: LetValue,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LetValue {
    /// A scalar or tabular expression (the binder tells which).
    Expr(Expr),
    /// A lambda: `(x: string, T: (*), n: long = 10) { ... }`.
    Function(Lambda),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lambda {
    pub params: Vec<LambdaParam>,
    /// `let` statements inside the body.
    pub lets: Vec<Let>,
    /// The body's last expression; `None` when the body is empty (an error already reported).
    pub result: Option<Box<Expr>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LambdaParam {
    pub name: Ident,
    pub ty: ParamType,
    pub default: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ParamType {
    Scalar(Type),
    /// `T: (*)` (any columns: `None`) or `T: (A: string, B: long)`.
    Tabular(Option<Vec<ColumnDecl>>),
}

/// A declared column: `Name: type` in `datatable`, `externaldata` and tabular parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDecl {
    pub name: Ident,
    pub ty: Type,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    /// A column, a `let` name, a table, `$left`/`$right`.
    Name(Ident),
    /// A name with `*` wildcards (`Device*Events`, `Initiating*`): in `union`, `project-away` ...
    Pattern(Ident),
    /// `*` as an argument (`arg_max(Timestamp, *)`, `take_any(*)`).
    Star,
    Call {
        func: Ident,
        args: Vec<Expr>,
    },
    /// `name = value` inside a call's arguments (`DeviceFromIP(IP = "10.0.0.1")`).
    Named {
        name: Ident,
        value: Box<Expr>,
    },
    Member {
        target: Box<Expr>,
        name: Ident,
    },
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `a and b and c`, flat.
    Logical {
        op: LogicOp,
        terms: Vec<Expr>,
    },
    Between {
        negated: bool,
        value: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
    },
    /// `x in (...)`, `x has_any (...)` and their kin. An item may be a tabular expression (an
    /// implicit single-column subquery).
    List {
        op: ListOp,
        value: Box<Expr>,
        items: Vec<Expr>,
    },
    Paren(Box<Expr>),
    /// `source | op | op ...`.
    Pipe {
        source: Box<Expr>,
        ops: Vec<Operator>,
    },
    /// A tabular source other than a name or a call.
    Source(Box<Source>),
    /// The implicit input of a subquery (`mv-apply ... on (where ...)`, `partition ... (...)`).
    Input,
    /// `toscalar(...)`, `materialize(...)` and plain calls are [`ExprKind::Call`]; this is a
    /// placeholder where parsing failed (the error is already reported).
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(Option<bool>),
    Int(Option<i32>),
    Long(Option<i64>),
    Real(Option<f64>),
    Decimal(Option<String>),
    Str(String),
    /// Seconds and nanoseconds since the Unix epoch (UTC); `None` for `datetime(null)`.
    DateTime(Option<(i64, u32)>),
    /// Ticks of 100 ns.
    TimeSpan(Option<i64>),
    Guid(Option<String>),
    Dynamic(serde_json::Value),
    /// `typeof(string)`, or a bare type name where a function takes one.
    Type(Type),
}

impl Literal {
    /// The literal's type.
    pub fn ty(&self) -> Type {
        match self {
            Literal::Null => Type::Unknown,
            Literal::Bool(_) => Type::Bool,
            Literal::Int(_) => Type::Int,
            Literal::Long(_) => Type::Long,
            Literal::Real(_) => Type::Real,
            Literal::Decimal(_) => Type::Decimal,
            Literal::Str(_) => Type::String,
            Literal::DateTime(_) => Type::DateTime,
            Literal::TimeSpan(_) => Type::TimeSpan,
            Literal::Guid(_) => Type::Guid,
            Literal::Dynamic(_) => Type::Dynamic,
            Literal::Type(_) => Type::Unknown,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Plus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogicOp {
    And,
    Or,
}

/// Binary operators other than `and`/`or`, `between` and the list operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `=~`, `!~`.
    EqCi,
    NeCi,
    /// String operators: `has`, `contains`, `startswith` ..., with `negated` and `cs` forms.
    Str(StrOp),
}

/// A string predicate: its kind, whether it is case-sensitive (`_cs`) and negated (`!`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StrOp {
    pub kind: StrKind,
    pub cs: bool,
    pub negated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StrKind {
    Has,
    HasPrefix,
    HasSuffix,
    Contains,
    StartsWith,
    EndsWith,
    MatchesRegex,
}

impl StrOp {
    /// The operator as written (`!has_cs`, `matches regex`).
    pub fn text(self) -> String {
        let base = match self.kind {
            StrKind::Has => "has",
            StrKind::HasPrefix => "hasprefix",
            StrKind::HasSuffix => "hassuffix",
            StrKind::Contains => "contains",
            StrKind::StartsWith => "startswith",
            StrKind::EndsWith => "endswith",
            StrKind::MatchesRegex => "matches regex",
        };
        format!(
            "{}{base}{}",
            if self.negated { "!" } else { "" },
            if self.cs { "_cs" } else { "" }
        )
    }
}

/// `in`, `!in`, `in~`, `!in~`, `has_any`, `has_all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOp {
    In { ci: bool, negated: bool },
    HasAny,
    HasAll,
}

/// An expression with the name it is given: `Name = expr`, `(A, B) = expr`, or a bare `expr`
/// (named by Kusto's rules: a column keeps its name, `count()` becomes `count_` ...).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedExpr {
    pub names: Vec<Ident>,
    pub expr: Expr,
}

/// A `name=value` option of an operator: `kind=inner`, `hint.strategy=shuffle`,
/// `withsource=TableName`, `isfuzzy=true`.
#[derive(Debug, Clone, PartialEq)]
pub struct OpParam {
    pub name: Ident,
    pub value: Expr,
}

/// `expr [asc|desc] [nulls first|last]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub expr: Expr,
    pub descending: bool,
    pub nulls_first: Option<bool>,
}

/// One stage after a `|`.
#[derive(Debug, Clone, PartialEq)]
pub struct Operator {
    pub kind: OpKind,
    /// The operator's name as written (`sort`, `project-away`), for messages.
    pub name: Ident,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OpKind {
    Where(Expr),
    Project(Vec<NamedExpr>),
    /// Names or wildcard patterns.
    ProjectAway(Vec<Expr>),
    ProjectKeep(Vec<Expr>),
    /// `New = Old`.
    ProjectRename(Vec<(Ident, Ident)>),
    ProjectReorder(Vec<Expr>),
    Extend(Vec<NamedExpr>),
    Summarize {
        params: Vec<OpParam>,
        aggregates: Vec<NamedExpr>,
        by: Vec<NamedExpr>,
    },
    Sort(Vec<SortKey>),
    Top {
        count: Expr,
        by: SortKey,
    },
    Take(Expr),
    /// `distinct *` is a single [`ExprKind::Star`].
    Distinct(Vec<NamedExpr>),
    Count,
    Join {
        params: Vec<OpParam>,
        right: Expr,
        on: Vec<Expr>,
    },
    Lookup {
        params: Vec<OpParam>,
        right: Expr,
        on: Vec<Expr>,
    },
    MvExpand {
        params: Vec<OpParam>,
        items: Vec<MvItem>,
        limit: Option<Expr>,
    },
    MvApply {
        params: Vec<OpParam>,
        items: Vec<MvItem>,
        limit: Option<Expr>,
        /// The subquery after `on`, applied to each row's expanded values.
        body: Expr,
    },
    Parse {
        /// `parse-where` keeps only rows that match.
        filter: bool,
        params: Vec<OpParam>,
        source: Expr,
        pattern: Vec<ParseItem>,
    },
    MakeSeries {
        params: Vec<OpParam>,
        aggregates: Vec<(NamedExpr, Option<Expr>)>,
        on: Expr,
        /// `from`, `to`, `step` (or `in range(from, to, step)`).
        from: Option<Expr>,
        to: Option<Expr>,
        step: Expr,
        by: Vec<NamedExpr>,
    },
    TopNested(Vec<TopNestedLevel>),
    Evaluate {
        params: Vec<OpParam>,
        call: Expr,
    },
    Invoke(Expr),
    Render {
        chart: Ident,
        with: Vec<OpParam>,
    },
    As {
        params: Vec<OpParam>,
        name: Ident,
    },
    Serialize(Vec<NamedExpr>),
    GetSchema,
    Sample(Expr),
    SampleDistinct {
        count: Expr,
        of: Expr,
    },
    Union {
        params: Vec<OpParam>,
        tables: Vec<Expr>,
    },
    /// `search [in (T, ...)] predicate` after a pipe.
    Search(Expr),
    Partition {
        params: Vec<OpParam>,
        by: Ident,
        body: Expr,
    },
    /// An operator Kusto has that the checker does not model (`fork`, `facet`, `scan`, ...): its
    /// arguments are skipped and its output has unknown columns.
    Other,
}

/// `Column [to typeof(T)]` in `mv-expand` / `mv-apply`.
#[derive(Debug, Clone, PartialEq)]
pub struct MvItem {
    pub column: NamedExpr,
    pub to: Option<Type>,
}

/// A piece of a `parse` pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseItem {
    Text(String),
    /// `*`: skip anything.
    Star,
    Column {
        name: Ident,
        ty: Option<Type>,
    },
}

/// `top-nested [N] of Expr [with others = V] by Aggregate [asc|desc]`.
#[derive(Debug, Clone, PartialEq)]
pub struct TopNestedLevel {
    pub count: Option<Expr>,
    pub of: NamedExpr,
    pub others: Option<Expr>,
    pub by: NamedExpr,
}

/// Tabular sources that are neither a name nor a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Datatable {
        columns: Vec<ColumnDecl>,
        values: Vec<Expr>,
    },
    ExternalData {
        columns: Vec<ColumnDecl>,
        urls: Vec<Expr>,
        with: Vec<OpParam>,
    },
    Union {
        params: Vec<OpParam>,
        tables: Vec<Expr>,
    },
    /// `search [kind=...] [in (T, ...)] predicate`; no tables means every table.
    Search {
        tables: Vec<Expr>,
        predicate: Expr,
    },
    /// `find [in (T, ...)] where predicate [project ...]`.
    Find {
        params: Vec<OpParam>,
        tables: Vec<Expr>,
        predicate: Expr,
        project: Option<Vec<Expr>>,
    },
    Print(Vec<NamedExpr>),
    Range {
        name: Ident,
        from: Expr,
        to: Expr,
        step: Expr,
    },
}
