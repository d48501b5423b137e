//! An advanced-hunting table as the emulator keeps it: each row one compact JSON object, as text.
//!
//! A generated tenant of 100,000 alerts has about a million sparse rows; kept as `serde_json::Value`
//! maps (a heap `String` per key and per value) they took about 1.6 GB and most of the start-up
//! time, as text they take about 380 MB and one allocation per row. Rows are parsed back only
//! when somebody reads them (tests, and the KQL engine when there is one). Column names and
//! types follow the advanced-hunting schema ([`crate::kql::Schema`]); a column a row lacks reads as
//! null.

use std::cell::RefCell;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Map, Value};

/// The rows of one table, in insertion order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    rows: Vec<Box<str>>,
}

impl Table {
    /// An empty table with room for `rows` rows.
    pub fn with_capacity(rows: usize) -> Table {
        Table {
            rows: Vec::with_capacity(rows),
        }
    }

    /// Appends a row of `(column, value)` pairs; null values are left out (sparse rows).
    pub fn push_fields<'k>(&mut self, fields: impl IntoIterator<Item = (&'k str, Value)>) {
        let row = exact_json(
            |text| {
                let mut serializer = serde_json::Serializer::new(text);
                let mut map = serializer.serialize_map(None)?;
                for (column, value) in fields {
                    if !value.is_null() {
                        map.serialize_entry(column, &value)?;
                    }
                }
                map.end()
            },
            Self::boxed,
        );
        self.rows.extend(row.flatten());
    }

    /// Appends a row given as a JSON object.
    pub fn push_object(&mut self, row: &Map<String, Value>) {
        let row = exact_json(
            |text| row.serialize(&mut serde_json::Serializer::new(text)),
            Self::boxed,
        );
        self.rows.extend(row.flatten());
    }

    fn boxed(text: &[u8]) -> Option<Box<str>> {
        // serde_json writes UTF-8 only.
        std::str::from_utf8(text).ok().map(Box::from)
    }

    /// Appends every row of `other`.
    pub fn append(&mut self, other: Table) {
        self.rows.extend(other.rows);
    }

    /// How many rows there are.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Each row's JSON text.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.rows.iter().map(AsRef::as_ref)
    }

    /// Each row, parsed.
    pub fn values(&self) -> impl Iterator<Item = Value> {
        // Every row was written by serde_json from a JSON object.
        self.texts().filter_map(|text| serde_json::from_str(text).ok())
    }
}

impl FromIterator<Value> for Table {
    /// Rows from JSON objects; anything else is skipped (callers check rows first).
    fn from_iter<I: IntoIterator<Item = Value>>(rows: I) -> Table {
        let mut table = Table::default();
        table.extend(rows);
        table
    }
}

impl Extend<Value> for Table {
    fn extend<I: IntoIterator<Item = Value>>(&mut self, rows: I) {
        for row in rows {
            if let Value::Object(object) = row {
                self.push_object(&object);
            }
        }
    }
}

/// A table's rows in the KQL engine's columnar form, column types from the advanced-hunting
/// schema (a table or column it does not know takes its values' types).
pub fn columnar(name: &str, rows: impl IntoIterator<Item = Map<String, Value>>) -> crate::kql::data::Table {
    let schema = crate::kql::Schema::advanced_hunting();
    let columns = schema.table(name).map(|t| t.columns.clone()).unwrap_or_default();
    let mut b = crate::kql::data::TableBuilder::new(&columns);
    for row in rows {
        b.push_object(&row);
    }
    b.finish()
}

impl Table {
    /// These rows in columnar form (see [`columnar`]).
    pub fn into_columnar(self, name: &str) -> crate::kql::data::Table {
        columnar(
            name,
            self.values().filter_map(|v| match v {
                Value::Object(m) => Some(m),
                _ => None,
            }),
        )
    }
}

/// Serialises with `write` into a buffer kept per thread and returns `copy` of exactly the bytes
/// written (`None` if `write` failed, which writing into a `Vec` only does for non-string map
/// keys). Stored JSON is thus allocated once at its size, instead of grown by doubling and kept
/// with up to half of it spare: that matters for a million rows and 100,000 alerts.
pub(super) fn exact_json<T>(
    write: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>,
    copy: impl FnOnce(&[u8]) -> T,
) -> Option<T> {
    thread_local! {
        static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    BUFFER.with_borrow_mut(|buffer| {
        buffer.clear();
        let written = write(buffer).ok().map(|()| copy(buffer));
        if buffer.capacity() > 1 << 20 {
            // Do not keep a buffer of a huge item for the thread's life.
            *buffer = Vec::new();
        }
        written
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_keep_their_columns_and_order_and_drop_nulls() {
        let mut table = Table::default();
        table.push_fields([
            ("Timestamp", json!("2030-01-01T00:00:00Z")),
            ("A", Value::Null),
            ("N", json!(5)),
        ]);
        table.extend([json!({"B": [1, "x"], "C": {"d": true}}), json!("not a row")]);
        assert_eq!(table.len(), 2);
        assert_eq!(
            table.texts().collect::<Vec<_>>(),
            [
                r#"{"Timestamp":"2030-01-01T00:00:00Z","N":5}"#,
                r#"{"B":[1,"x"],"C":{"d":true}}"#
            ]
        );
        let values: Vec<Value> = table.values().collect();
        assert_eq!(values[1]["C"]["d"], true);
        let mut more = Table::with_capacity(1);
        more.push_fields([("Z", json!("\"quoted\"\n"))]);
        table.append(more);
        assert_eq!(table.values().last().unwrap()["Z"], "\"quoted\"\n");
    }
}
