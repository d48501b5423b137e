//! The advanced-hunting schema as data: tables, their columns and Kusto types, and Defender's
//! built-in functions (`FileProfile`, `SeenBy`, `DeviceFromIP`, `AssignedIPAddresses`).
//!
//! The bundled schema is `advanced-hunting-schema.json` beside this file, transcribed from
//! Microsoft's schema pages (each table cites its page). `graphsoar schema --kql` prints it, so
//! other tools (Microsoft's own parser among them) run with exactly the same schema; the
//! settings key `hunting_schema` names a file in the same format whose tables are added (and
//! whose columns are added to, or replace, those of a table of the same name).

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use serde::Deserialize;

use super::types::Type;

/// The bundled schema file.
pub const BUNDLED_JSON: &str = include_str!("advanced-hunting-schema.json");

/// A table: its columns in order, each with its type.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub docs: Option<String>,
    pub columns: Vec<(String, Type)>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<Type> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, t)| *t)
    }
}

/// How a built-in function is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    /// `| invoke F(...)`: adds `columns` to its input.
    Invoke,
    /// `F(...)` as a tabular source: returns a table of `columns`.
    Source,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FunctionParam {
    pub name: String,
    pub ty: Type,
    /// The default's KQL text; `None` when the parameter is required.
    pub default: Option<String>,
}

/// One of Defender's built-in tabular functions.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    pub name: String,
    pub docs: Option<String>,
    pub kind: FunctionKind,
    pub params: Vec<FunctionParam>,
    pub columns: Vec<(String, Type)>,
}

impl Function {
    pub fn required(&self) -> usize {
        self.params.iter().filter(|p| p.default.is_none()).count()
    }
}

/// Tables and built-in functions by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema {
    tables: BTreeMap<String, Table>,
    functions: BTreeMap<String, Function>,
    /// The file as read (bundled plus extensions), for `graphsoar schema --kql`.
    json: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchema {
    #[serde(rename = "$comment", default)]
    _comment: Option<serde_json::Value>,
    #[serde(rename = "$notes", default)]
    _notes: Option<serde_json::Value>,
    #[serde(default)]
    tables: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    functions: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    #[serde(default)]
    docs: Option<String>,
    #[serde(rename = "$notes", default)]
    _notes: Option<serde_json::Value>,
    columns: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFunction {
    #[serde(default)]
    docs: Option<String>,
    #[serde(rename = "$notes", default)]
    _notes: Option<serde_json::Value>,
    kind: String,
    #[serde(default)]
    parameters: Vec<RawParam>,
    #[serde(default)]
    columns: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParam {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    default: Option<String>,
}

static BUNDLED: LazyLock<Arc<Schema>> = LazyLock::new(|| {
    Arc::new(
        Schema::from_json(BUNDLED_JSON)
            .unwrap_or_else(|errors| panic!("the bundled advanced-hunting schema is invalid: {errors:?}")),
    )
});

impl Schema {
    /// The bundled advanced-hunting schema.
    pub fn advanced_hunting() -> &'static Schema {
        &BUNDLED
    }

    /// The bundled schema, shared.
    pub fn bundled() -> Arc<Schema> {
        Arc::clone(&BUNDLED)
    }

    /// Reads a schema file's text. Errors name the JSON path (`tables.X.columns.Y`) and say
    /// what is allowed; all of them are returned.
    pub fn from_json(text: &str) -> Result<Schema, Vec<String>> {
        let mut schema = Schema::default();
        schema.extend_json(text)?;
        Ok(schema)
    }

    /// Adds a file's tables and functions (the settings' `hunting_schema`): new tables are added;
    /// a known table gets the new columns, and a column it has takes the new type.
    pub fn extend_json(&mut self, text: &str) -> Result<(), Vec<String>> {
        let raw: RawSchema =
            serde_json::from_str(text).map_err(|e| vec![format!("line {}, column {}: {e}", e.line(), e.column())])?;
        let mut errors = Vec::new();
        for (name, value) in &raw.tables {
            let table: RawTable = match serde_json::from_value(value.clone()) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(format!(
                        "tables.{name}: {e} (a table is {{\"docs\": \"...\", \"columns\": {{\"Name\": \"string\"}}}})"
                    ));
                    continue;
                }
            };
            let columns = typed_columns(&format!("tables.{name}"), &table.columns, &mut errors);
            let entry = self.tables.entry(name.clone()).or_insert_with(|| Table {
                name: name.clone(),
                docs: None,
                columns: Vec::new(),
            });
            if table.docs.is_some() {
                entry.docs = table.docs.clone();
            }
            for (col, ty) in columns {
                match entry.columns.iter_mut().find(|(n, _)| *n == col) {
                    Some(existing) => existing.1 = ty,
                    None => entry.columns.push((col, ty)),
                }
            }
        }
        for (name, value) in &raw.functions {
            let f: RawFunction = match serde_json::from_value(value.clone()) {
                Ok(f) => f,
                Err(e) => {
                    errors.push(format!("functions.{name}: {e}"));
                    continue;
                }
            };
            let kind = match f.kind.as_str() {
                "invoke" => FunctionKind::Invoke,
                "source" => FunctionKind::Source,
                other => {
                    errors.push(format!(
                        "functions.{name}.kind: `{other}` is not a function kind (invoke or source)"
                    ));
                    continue;
                }
            };
            let mut params = Vec::new();
            for (i, p) in f.parameters.iter().enumerate() {
                match Type::parse(&p.ty) {
                    Some(ty) => params.push(FunctionParam {
                        name: p.name.clone(),
                        ty,
                        default: p.default.clone(),
                    }),
                    None => errors.push(format!(
                        "functions.{name}.parameters[{i}].type: `{}` is not a Kusto type ({})",
                        p.ty, TYPE_NAMES
                    )),
                }
            }
            let columns = typed_columns(&format!("functions.{name}"), &f.columns, &mut errors);
            self.functions.insert(
                name.clone(),
                Function {
                    name: name.clone(),
                    docs: f.docs,
                    kind,
                    params,
                    columns,
                },
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        merge_json(&mut self.json, text);
        Ok(())
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.values()
    }

    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.get(name)
    }

    pub fn functions(&self) -> impl Iterator<Item = &Function> {
        self.functions.values()
    }

    /// The schema as a JSON file of the same format (bundled plus extensions).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.json).unwrap_or_default()
    }
}

const TYPE_NAMES: &str = "string, int, long, real, bool, datetime, timespan, dynamic, guid, decimal";

fn typed_columns(
    path: &str,
    columns: &serde_json::Map<String, serde_json::Value>,
    errors: &mut Vec<String>,
) -> Vec<(String, Type)> {
    let mut out = Vec::new();
    for (col, ty) in columns {
        match ty.as_str().and_then(Type::parse) {
            Some(t) => out.push((col.clone(), t)),
            None => errors.push(format!(
                "{path}.columns.{col}: `{ty}` is not a Kusto type ({TYPE_NAMES})"
            )),
        }
    }
    out
}

/// Merges a file's `tables` and `functions` into the accumulated JSON, as `extend_json` merges
/// the typed schema.
fn merge_json(into: &mut serde_json::Map<String, serde_json::Value>, text: &str) {
    let Ok(serde_json::Value::Object(mut new)) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    for key in ["tables", "functions"] {
        let Some(serde_json::Value::Object(items)) = new.remove(key) else {
            continue;
        };
        let target = into
            .entry(key)
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
        let Some(target) = target.as_object_mut() else { continue };
        for (name, value) in items {
            match (target.get_mut(&name), value) {
                (Some(serde_json::Value::Object(old)), serde_json::Value::Object(new_item)) if key == "tables" => {
                    for (k, v) in new_item {
                        match (old.get_mut(&k), v) {
                            (Some(serde_json::Value::Object(old_cols)), serde_json::Value::Object(new_cols)) => {
                                old_cols.extend(new_cols);
                            }
                            (_, v) => {
                                old.insert(k, v);
                            }
                        }
                    }
                }
                (_, value) => {
                    target.insert(name, value);
                }
            }
        }
    }
    for (k, v) in new {
        into.entry(k).or_insert(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_schema_has_the_common_tables() {
        let s = Schema::advanced_hunting();
        for t in [
            "DeviceProcessEvents",
            "DeviceNetworkEvents",
            "EmailEvents",
            "AlertEvidence",
            "IdentityInfo",
        ] {
            assert!(s.table(t).is_some(), "{t}");
        }
        assert_eq!(
            s.table("DeviceNetworkEvents").and_then(|t| t.column("RemotePort")),
            Some(Type::Int)
        );
        assert_eq!(s.function("FileProfile").map(|f| f.kind), Some(FunctionKind::Invoke));
        assert_eq!(
            s.function("AssignedIPAddresses").map(|f| f.kind),
            Some(FunctionKind::Source)
        );
    }

    #[test]
    fn extensions_add_tables_and_columns_and_errors_name_the_path() {
        let mut s = Schema::from_json(r#"{"tables": {"A": {"columns": {"X": "string"}}}}"#).unwrap();
        s.extend_json(r#"{"tables": {"A": {"columns": {"Y": "long"}}, "B": {"columns": {"Z": "dynamic"}}}}"#)
            .unwrap();
        assert_eq!(s.table("A").unwrap().columns.len(), 2);
        assert!(s.to_json().contains("\"Y\""));
        let errors = Schema::from_json(r#"{"tables": {"A": {"columns": {"X": "strng"}}}}"#).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("tables.A.columns.X: `\"strng\"` is not a Kusto type"),
            "{errors:?}"
        );
    }
}
