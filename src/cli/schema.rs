//! `graphsoar schema`: the JSON Schema of the playbook format, generated from the Rust types.

use clap::Args;

use super::EXIT_OK;
use crate::playbook::schema::PlaybookConfig;

/// `graphsoar schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {}

/// The playbook JSON Schema (draft 2020-12), as pretty JSON.
pub fn playbook_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(PlaybookConfig).to_value();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("$id".into(), "https://graphsoar.dev/schema/playbook.json".into());
    }
    schema
}

pub fn run(_args: &SchemaArgs) -> anyhow::Result<u8> {
    println!("{}", serde_json::to_string_pretty(&playbook_schema())?);
    Ok(EXIT_OK)
}
