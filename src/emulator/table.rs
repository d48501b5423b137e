//! Helpers for the emulator's stored JSON and advanced-hunting tables.
//!
//! Tables are kept in the KQL engine's columnar form ([`crate::kql::data::Table`]); column
//! names and types follow the advanced-hunting schema ([`crate::kql::Schema`]); a column a row
//! lacks reads as null.

use std::cell::RefCell;

use serde_json::{Map, Value};

/// A table's rows in the KQL engine's columnar form, column types from the advanced-hunting
/// schema (a table or column it does not know takes its values' types).
pub fn columnar(name: &str, rows: impl IntoIterator<Item = Map<String, Value>>) -> crate::kql::data::Table {
    let columns = crate::kql::Schema::advanced_hunting()
        .table(name)
        .map_or(&[][..], |t| t.columns.as_slice());
    let mut b = crate::kql::data::TableBuilder::new(columns);
    for row in rows {
        b.push_object(&row);
    }
    b.finish()
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
