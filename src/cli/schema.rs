//! `graphsoar schema`: the JSON Schema of the playbook format, generated from the Rust types;
//! `graphsoar schema --kql`: the advanced-hunting schema the KQL checker uses.

use std::path::PathBuf;

use clap::Args;

use super::EXIT_OK;
use crate::playbook::schema::PlaybookConfig;

/// `graphsoar schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Print the advanced-hunting schema instead (tables, columns and Kusto types, Defender's
    /// built-in functions): the bundled one plus the settings' `hunting_schema`, in the format
    /// `hunting_schema` files use, so other tools can check queries with exactly the same schema.
    #[arg(long)]
    pub kql: bool,
    /// Settings file, for `--kql` (its `hunting_schema`). Default: graphsoar.yaml if present.
    #[arg(long, env = "GRAPHSOAR_CONFIG")]
    pub config: Option<PathBuf>,
}

/// The playbook JSON Schema (draft 2020-12), as pretty JSON.
pub fn playbook_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(PlaybookConfig).to_value();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("$id".into(), "https://graphsoar.dev/schema/playbook.json".into());
    }
    schema
}

pub fn run(args: &SchemaArgs) -> anyhow::Result<u8> {
    if args.kql {
        let settings = match super::load_settings(args.config.as_deref(), "schema") {
            Ok(s) => s,
            Err(code) => return Ok(code),
        };
        println!("{}", settings.hunting_schema.to_json());
        return Ok(EXIT_OK);
    }
    println!("{}", serde_json::to_string_pretty(&playbook_schema())?);
    Ok(EXIT_OK)
}
