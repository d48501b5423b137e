//! Loading playbook files: reading (size, UTF-8), YAML parsing, shape checks that report every
//! problem at its place, then the compile step. `parse_str` needs no files for the document
//! itself, so tests can feed text; `load_file` and `load_paths` add the file system.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_yaml::Value;

use super::Playbook;
use super::compile::Compiler;
use super::schema::{self, ActionConfig, DedupConfig, Group, Mode, PlaybookConfig, TestConfig, TriggerConfig};
use crate::config::Settings;
use crate::diag::{self, Diagnostic, Pos};
use crate::suggest::did_you_mean;
use crate::yaml::{self, PositionIndex};
use crate::yaml_de::{self, ShapeError};

/// The result of loading one file: the playbook if it compiled, and every diagnostic.
#[derive(Debug)]
pub struct Loaded {
    pub playbook: Option<Playbook>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    fn failed(diagnostic: Diagnostic) -> Loaded {
        Loaded {
            playbook: None,
            diagnostics: vec![diagnostic],
        }
    }
}

/// Parses and compiles one playbook from `text`. `origin` names it in diagnostics and anchors its
/// relative paths; `root` is the playbooks folder those paths may not leave.
pub fn parse_str(text: &str, origin: &Path, root: &Path, settings: &Settings) -> Loaded {
    parse(text, origin, root, settings, Tests::Compile)
}

/// Whether a load compiles the playbooks' `tests:` (their fixtures can be large). `validate` and
/// `test` do; `run` never uses them, so it skips them and does not hold their fixtures in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tests {
    Compile,
    Skip,
}

fn parse(text: &str, origin: &Path, root: &Path, settings: &Settings, tests: Tests) -> Loaded {
    let value: Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let pos = yaml::second_document(text)
                .or_else(|| yaml::error_pos(&e))
                .unwrap_or(Pos::START);
            return Loaded::failed(Diagnostic::error(
                origin,
                pos,
                "",
                format!("invalid YAML: {}", yaml::error_message(&e)),
            ));
        }
    };
    let index = PositionIndex::build(text);
    let map = match value {
        Value::Mapping(map) => map,
        Value::Null => {
            return Loaded::failed(Diagnostic::error(
                origin,
                Pos::START,
                "",
                "empty file: a playbook needs at least `name`, `schedule`, `trigger` and `actions`",
            ));
        }
        other => {
            return Loaded::failed(Diagnostic::error(
                origin,
                index.locate(""),
                "",
                format!("a playbook is a mapping of keys (`name: …`), not {}", kind_of(&other)),
            ));
        }
    };
    let name = map.get("name").and_then(Value::as_str).map(str::to_string);
    let raw = match serde_path_to_error::deserialize::<_, PlaybookConfig>(Value::Mapping(map.clone())) {
        Ok(raw) => raw,
        Err(_) => {
            // Find every shape problem, section by section, instead of serde's first one.
            let mut diagnostics: Vec<Diagnostic> = shape_errors(&map)
                .into_iter()
                .map(|e| e.diagnostic(origin, &index))
                .collect();
            if diagnostics.is_empty() {
                // A problem only the whole document shows (should not happen): report serde's.
                let err = yaml_de::from_value::<PlaybookConfig>(Value::Mapping(map), "", false).err();
                diagnostics.extend(err.map(|e| e.diagnostic(origin, &index)));
            }
            for d in &mut diagnostics {
                d.playbook.clone_from(&name);
            }
            return Loaded {
                playbook: None,
                diagnostics,
            };
        }
    };
    let mut raw = raw;
    if tests == Tests::Skip {
        raw.tests = Vec::new();
    }
    let mut compiler = Compiler::new(origin, root, &index, settings, text);
    let playbook = compiler.compile(raw);
    let mut diagnostics = compiler.finish();
    for d in &mut diagnostics {
        d.playbook.clone_from(&name);
    }
    let failed = diagnostics.iter().any(Diagnostic::is_error);
    Loaded {
        playbook: if failed { None } else { playbook },
        diagnostics,
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// Every shape problem in a playbook mapping, one per key or list item.
fn shape_errors(map: &serde_yaml::Mapping) -> Vec<ShapeError> {
    fn check<T: serde::de::DeserializeOwned>(v: &Value, path: &str, singleton: bool, out: &mut Vec<ShapeError>) {
        if let Err(mut e) = yaml_de::from_value::<T>(v.clone(), path, singleton) {
            // Two keys where one is expected (two triggers, two actions in one entry): point at
            // the second.
            if singleton
                && e.path == path
                && let Some(second) = v.as_mapping().and_then(|m| m.keys().nth(1)).and_then(Value::as_str)
            {
                e.path = yaml::field(path, second);
                e.at_key = true;
            }
            out.push(e);
        }
    }
    fn each<T: serde::de::DeserializeOwned>(v: &Value, path: &str, out: &mut Vec<ShapeError>) {
        match v {
            Value::Sequence(items) => {
                for (i, item) in items.iter().enumerate() {
                    check::<T>(item, &yaml::item(path, i), true, out);
                }
            }
            _ => check::<Vec<T>>(v, path, true, out),
        }
    }
    let mut out = Vec::new();
    for (key, value) in map {
        let Some(key) = key.as_str() else {
            out.push(ShapeError {
                path: String::new(),
                message: "keys must be text".into(),
                at_key: false,
            });
            continue;
        };
        let v = value;
        match key {
            "name" | "schedule" => check::<String>(v, key, false, &mut out),
            "description" | "timezone" | "condition" => check::<Option<String>>(v, key, false, &mut out),
            "enabled" => check::<Option<bool>>(v, key, false, &mut out),
            "mode" => check::<Option<Mode>>(v, key, false, &mut out),
            "group" => check::<Option<Group>>(v, key, false, &mut out),
            "max_actions_per_run" => check::<Option<u32>>(v, key, false, &mut out),
            "dedup" => check::<Option<DedupConfig>>(v, key, false, &mut out),
            "trigger" => check::<TriggerConfig>(v, key, true, &mut out),
            "actions" => each::<ActionConfig>(v, key, &mut out),
            "tests" => each::<TestConfig>(v, key, &mut out),
            other => out.push(ShapeError {
                path: other.to_string(),
                message: format!(
                    "unknown key `{other}`{} (playbook keys: {})",
                    did_you_mean(other, schema::PLAYBOOK_KEYS.iter().copied()),
                    schema::PLAYBOOK_KEYS.join(", ")
                ),
                at_key: true,
            }),
        }
    }
    for required in ["name", "schedule", "trigger", "actions"] {
        if !map.contains_key(required) {
            out.push(ShapeError {
                path: String::new(),
                message: format!("missing required key `{required}`"),
                at_key: false,
            });
        }
    }
    out
}

/// Reads and compiles one playbook file.
pub fn load_file(path: &Path, root: &Path, settings: &Settings) -> Loaded {
    read_and_parse(path, root, settings, Tests::Compile)
}

fn read_and_parse(path: &Path, root: &Path, settings: &Settings, tests: Tests) -> Loaded {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return Loaded::failed(Diagnostic::error(
                path,
                Pos::START,
                "",
                format!("cannot read file: {e}"),
            ));
        }
    };
    match yaml::text_of(&bytes) {
        Ok(text) => parse(text, path, root, settings, tests),
        Err((pos, msg)) => Loaded::failed(Diagnostic::error(path, pos, "", msg)),
    }
}

/// Playbooks and diagnostics from files and folders (folders recursively: `.yaml`, `.yml`).
/// Duplicate names across files are errors naming both files.
pub fn load_paths(paths: &[PathBuf], settings: &Settings) -> (Vec<Playbook>, Vec<Diagnostic>) {
    load_paths_with(paths, settings, Tests::Compile)
}

/// [`load_paths`], choosing whether `tests:` are compiled.
pub fn load_paths_with(paths: &[PathBuf], settings: &Settings, tests: Tests) -> (Vec<Playbook>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    for path in paths {
        if path.is_dir() {
            collect(path, path, &mut files, &mut diagnostics);
        } else if path.is_file() {
            let root = playbook_root(path, settings);
            files.push((path.clone(), root));
        } else {
            diagnostics.push(Diagnostic::error(path, Pos::START, "", "no such file or folder"));
        }
    }
    let loaded = load_all(&files, settings, tests);
    let mut playbooks: Vec<Playbook> = Vec::new();
    let mut seen: BTreeMap<String, (PathBuf, Pos)> = BTreeMap::new();
    for l in loaded {
        diagnostics.extend(l.diagnostics);
        let Some(p) = l.playbook else { continue };
        if let Some((first, _)) = seen.get(&p.name) {
            let mut d = Diagnostic::error(
                &p.source,
                name_pos(&p.source),
                "name",
                format!(
                    "duplicate playbook name: {} has it too; names must be unique",
                    first.display()
                ),
            );
            d.playbook = Some(p.name.clone());
            diagnostics.push(d);
            continue;
        }
        seen.insert(p.name.clone(), (p.source.clone(), Pos::START));
        playbooks.push(p);
    }
    diag::sort(&mut diagnostics);
    (playbooks, diagnostics)
}

/// Loads files on all cores: validation of a large repository should take well under a second.
fn load_all(files: &[(PathBuf, PathBuf)], settings: &Settings, tests: Tests) -> Vec<Loaded> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().max(1));
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|(f, root)| read_and_parse(f, root, settings, tests))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}

/// The position of `name:` in a file, for the duplicate-name error.
fn name_pos(path: &Path) -> Pos {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| PositionIndex::build(&t).value("name"))
        .unwrap_or(Pos::START)
}

/// The folder a single file's paths must stay in: the settings' playbooks folder when the file
/// is inside it, else the file's own folder.
fn playbook_root(file: &Path, settings: &Settings) -> PathBuf {
    let parent = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    match (settings.playbooks.canonicalize(), parent.canonicalize()) {
        (Ok(root), Ok(dir)) if dir.starts_with(&root) => settings.playbooks.clone(),
        _ => parent,
    }
}

fn collect(dir: &Path, root: &Path, files: &mut Vec<(PathBuf, PathBuf)>, diagnostics: &mut Vec<Diagnostic>) {
    let mut found = Vec::new();
    walk(dir, &["yaml", "yml"], &mut found, diagnostics);
    files.extend(found.into_iter().map(|f| (f, root.to_path_buf())));
}

/// The files below `dir` (recursively, sorted, hidden ones skipped) whose extension is one of
/// `extensions`; a folder that cannot be read is a diagnostic.
pub fn walk(dir: &Path, extensions: &[&str], files: &mut Vec<PathBuf>, diagnostics: &mut Vec<Diagnostic>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            diagnostics.push(Diagnostic::error(
                dir,
                Pos::START,
                "",
                format!("cannot read folder: {e}"),
            ));
            return;
        }
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(&path, extensions, files, diagnostics);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.contains(&e))
        {
            files.push(path);
        }
    }
}
