//! `graphsoar schema`: the published JSON Schema accepts every shipped playbook and rejects the
//! golden invalid playbooks whose problems are of shape (the rest need the compiler).

use std::path::Path;

use crate::support::{graphsoar, root, yaml_files};

fn schema() -> jsonschema::Validator {
    let out = graphsoar(&["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("schema is JSON");
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    jsonschema::validator_for(&schema).expect("a valid JSON Schema")
}

fn as_json(path: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(path).ok()?;
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).ok()?;
    serde_json::to_value(yaml).ok()
}

#[test]
fn shipped_playbooks_are_valid_against_the_schema() {
    let validator = schema();
    let files = yaml_files(&root().join("playbooks"));
    assert!(files.len() >= 5);
    for file in files {
        let doc = as_json(&file).expect("shipped playbooks parse");
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", file.display());
    }
}

#[test]
fn golden_invalid_playbooks_are_judged_as_expected() {
    let validator = schema();
    // Files whose problems the schema sees (shape); the others are found by the compiler only
    // (cron, time zones, enums inside strings, Rhai, templates, filters, paths, combinations).
    let shape_errors = [
        "missing-field.yaml",
        "no-trigger.yaml",
        "two-triggers.yaml",
        "unknown-key.yaml",
        "wrong-type.yaml",
        "empty.yaml",
    ];
    let compiler_only = [
        "bad-combinations.yaml",
        "bad-cron.yaml",
        "bad-tests.yaml",
        "duplicate-a.yaml",
        "duplicate-b.yaml",
        "filter-syntax.yaml",
        "hunting-kql-errors.yaml",
        "hunting-warnings.yaml",
        "invalid-filter.yaml",
        "path-escape.yaml",
        "response-actions.yaml",
        "rhai-syntax.yaml",
        "six-field-cron.yaml",
        "template-error.yaml",
        "undefined-names.yaml",
        "unknown-enum.yaml",
        "unknown-timezone.yaml",
    ];
    let dir = root().join("tests/golden/invalid");
    let mut seen = 0;
    for file in yaml_files(&dir) {
        let name = file.file_name().unwrap().to_str().unwrap();
        let Some(doc) = as_json(&file) else {
            // Not YAML at all (malformed, several documents): nothing for a schema to judge.
            assert!(
                ["malformed-yaml.yaml", "two-documents.yaml"].contains(&name),
                "{name} should parse as YAML"
            );
            continue;
        };
        seen += 1;
        let valid = validator.is_valid(&doc);
        if shape_errors.contains(&name) {
            assert!(!valid, "{name} has shape errors the schema should reject");
        } else {
            assert!(compiler_only.contains(&name), "{name} is in neither list");
            assert!(
                valid,
                "{name}: its problems are for the compiler; the schema should accept its shape: {:?}",
                validator.iter_errors(&doc).map(|e| e.to_string()).collect::<Vec<_>>()
            );
        }
    }
    assert_eq!(seen, shape_errors.len() + compiler_only.len());
}
