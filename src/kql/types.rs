//! Kusto's scalar types, as the checker sees them.

use std::fmt;

/// A Kusto scalar type. `Unknown` is what the checker does not know (an error already reported,
/// or a value whose type only the data decides); it is compatible with everything, so one mistake
/// never cascades into more diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    Bool,
    Int,
    Long,
    Real,
    Decimal,
    String,
    DateTime,
    TimeSpan,
    Guid,
    Dynamic,
    Unknown,
}

impl Type {
    /// The Kusto name (`datetime`, `long`, ...), as in `typeof(...)`, the schema file and the
    /// docs.
    pub fn name(self) -> &'static str {
        match self {
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Long => "long",
            Type::Real => "real",
            Type::Decimal => "decimal",
            Type::String => "string",
            Type::DateTime => "datetime",
            Type::TimeSpan => "timespan",
            Type::Guid => "guid",
            Type::Dynamic => "dynamic",
            Type::Unknown => "unknown",
        }
    }

    /// Reads a Kusto type name, with the aliases Kusto accepts (`boolean`, `date`, `time`,
    /// `double`, `int64`, `uniqueid`, ...) and the .NET names Graph's `runHuntingQuery` answers
    /// with (`DateTime`, `String`, `Int64`, `Int32`, `Boolean`, `Double`, `Object`).
    pub fn parse(name: &str) -> Option<Type> {
        Some(match name.to_ascii_lowercase().as_str() {
            "bool" | "boolean" => Type::Bool,
            "int" | "int32" => Type::Int,
            "long" | "int64" => Type::Long,
            "real" | "double" => Type::Real,
            "decimal" => Type::Decimal,
            "string" => Type::String,
            "datetime" | "date" => Type::DateTime,
            "timespan" | "time" => Type::TimeSpan,
            "guid" | "uniqueid" => Type::Guid,
            "dynamic" | "object" => Type::Dynamic,
            _ => return None,
        })
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, Type::Int | Type::Long | Type::Real | Type::Decimal)
    }

    /// The wider of two numeric types (`int + long` is `long`, `long * real` is `real`).
    pub fn widen(self, other: Type) -> Type {
        fn rank(t: Type) -> u8 {
            match t {
                Type::Int => 1,
                Type::Long => 2,
                Type::Real => 3,
                Type::Decimal => 4,
                _ => 0,
            }
        }
        if rank(self) >= rank(other) { self } else { other }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
