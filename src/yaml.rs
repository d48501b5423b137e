//! YAML with positions: the field-path → line/column index that lets every loader report a
//! problem found after deserialising (a cron, an enum, a Rhai or template error) at its exact
//! place in the file.
//!
//! serde_yaml parses the values; the index is built from saphyr-parser's event stream, which
//! carries a span per node. Paths look like `trigger.alerts.filter` and `actions[1].email.to[0]`.
//! This module knows nothing of playbooks or settings.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::diag::{Locate, Pos};

/// Largest file a loader reads; a playbook or settings file has no reason to be bigger.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy)]
struct Node {
    key: Option<Pos>,
    value: Pos,
    /// For block scalars (`|`, `>`): the line and indentation of the content's first line.
    block: Option<(usize, usize)>,
    /// For quoted scalars: 1, so that content column 1 is after the quote.
    quote: usize,
}

/// Where each node of a YAML document is.
#[derive(Debug, Default)]
pub struct PositionIndex {
    nodes: HashMap<String, Node>,
}

enum Frame {
    Map { path: String, key: Option<(String, Pos)> },
    Seq { path: String, next: usize },
}

impl PositionIndex {
    /// Builds the index. Scan errors end the walk silently: serde_yaml reports them with positions.
    pub fn build(text: &str) -> PositionIndex {
        let lines: Vec<&str> = text.lines().collect();
        let mut index = PositionIndex::default();
        let mut stack: Vec<Frame> = Vec::new();
        for event in Parser::new_from_str(text) {
            let Ok((event, span)) = event else { break };
            let pos = Pos::new(span.start.line(), span.start.col() + 1);
            match event {
                Event::Scalar(value, style, ..) => {
                    if let Some(Frame::Map { key: key @ None, .. }) = stack.last_mut() {
                        *key = Some((value.into_owned(), pos));
                        continue;
                    }
                    let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
                        .then(|| block_start(&lines, span.start.line(), span.start.col()));
                    let quote = usize::from(matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted));
                    index.child(&mut stack, pos, block.flatten(), quote);
                }
                Event::Alias(_) => {
                    index.child(&mut stack, pos, None, 0);
                }
                Event::MappingStart(..) => {
                    let path = index.child(&mut stack, pos, None, 0);
                    stack.push(Frame::Map { path, key: None });
                }
                Event::SequenceStart(..) => {
                    let path = index.child(&mut stack, pos, None, 0);
                    stack.push(Frame::Seq { path, next: 0 });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                _ => {}
            }
        }
        index
    }

    /// Records a value node under the current frame; returns its path.
    fn child(&mut self, stack: &mut [Frame], value: Pos, block: Option<(usize, usize)>, quote: usize) -> String {
        let (path, key) = match stack.last_mut() {
            None => (String::new(), None),
            Some(Frame::Map { path, key }) => match key.take() {
                Some((k, kpos)) => (join(path, &k), Some(kpos)),
                // A complex (non-scalar) key: nothing addressable.
                None => (format!("{path}.?"), None),
            },
            Some(Frame::Seq { path, next }) => {
                *next += 1;
                (format!("{path}[{}]", *next - 1), None)
            }
        };
        self.nodes.insert(
            path.clone(),
            Node {
                key,
                value,
                block,
                quote,
            },
        );
        path
    }

    /// Position of the value at `path`, if the document has it.
    pub fn value(&self, path: &str) -> Option<Pos> {
        self.nodes.get(path).map(|n| n.value)
    }

    /// Position of the key naming `path`, if it is a mapping entry.
    pub fn key(&self, path: &str) -> Option<Pos> {
        self.nodes.get(path).and_then(|n| n.key)
    }

    /// The best position for a problem at `path`: the node itself, else its nearest ancestor,
    /// else the start of the file.
    pub fn locate(&self, path: &str) -> Pos {
        let mut p = path;
        loop {
            if let Some(pos) = self.value(p) {
                return pos;
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return self.value("").unwrap_or(Pos::START),
            }
        }
    }

    /// Maps a 1-based line/column inside the scalar at `path` (a script or template) to its
    /// place in the file, for block scalars (`|`), quoted and plain ones.
    pub fn inside(&self, path: &str, line: usize, column: usize) -> Pos {
        let Some(node) = self.nodes.get(path) else {
            return self.locate(path);
        };
        let line = line.max(1);
        let column = column.max(1);
        match node.block {
            Some((first, indent)) => Pos::new(first + line - 1, indent + column),
            None if line == 1 => Pos::new(node.value.line, node.value.column + node.quote + column - 1),
            None => Pos::new(node.value.line + line - 1, column),
        }
    }
}

impl Locate for PositionIndex {
    fn locate(&self, field: &str) -> Pos {
        PositionIndex::locate(self, field)
    }
}

/// The first content line (1-based) of a block scalar whose span starts at `line`/`col` (the
/// indicator `|` or `>`, or already the content), and the content's indentation.
fn block_start(lines: &[&str], line: usize, col: usize) -> Option<(usize, usize)> {
    let at_indicator = lines
        .get(line.wrapping_sub(1))
        .and_then(|l| l.chars().nth(col))
        .is_some_and(|c| c == '|' || c == '>');
    let skip = if at_indicator { line } else { line.saturating_sub(1) };
    lines
        .iter()
        .enumerate()
        .skip(skip)
        .find(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let indent = l.chars().take_while(|c| *c == ' ').count();
            (i + 1, indent)
        })
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// Field path of element `i` of the sequence at `path`.
pub fn item(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// Field path of `key` under `path`.
pub fn field(path: &str, key: &str) -> String {
    join(path, key)
}

/// Checks a file's bytes before parsing: size, UTF-8 (with the place of the first bad byte).
pub fn text_of(bytes: &[u8]) -> Result<&str, (Pos, String)> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err((
            Pos::START,
            format!(
                "file is {} bytes; the limit is {MAX_FILE_BYTES} (1 MiB): split it, one playbook per file",
                bytes.len()
            ),
        ));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = good.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
        (
            Pos::new(line, column),
            "file is not valid UTF-8: save it as UTF-8".to_string(),
        )
    })
}

/// Converts serde_yaml's location into ours.
pub fn error_pos(err: &serde_yaml::Error) -> Option<Pos> {
    err.location().map(|l| Pos::new(l.line(), l.column()))
}

/// serde_yaml's message without the position it already reports as the location, and with a
/// way out for the common mistakes.
pub fn error_message(err: &serde_yaml::Error) -> String {
    let mut msg = err.to_string();
    if let Some(loc) = err.location() {
        let here = format!(" at line {} column {}", loc.line(), loc.column());
        if let Some(i) = msg.rfind(&here) {
            msg.replace_range(i..i + here.len(), "");
        }
    }
    if msg.contains("more than one document") {
        return "a file holds one playbook, but this one has several YAML documents (`---`): put each playbook in its own file".into();
    }
    if msg.contains("scanning a quoted scalar") {
        msg.push_str(": a quoted value is not closed; close the quote");
    } else if msg.contains("mapping values are not allowed") {
        msg.push_str(": a value containing `: ` must be quoted");
    } else if msg.contains("did not find expected key") || msg.contains("block mapping") {
        msg.push_str(": check the indentation");
    }
    msg
}

/// Where the second YAML document of a multi-document file starts (its `---`).
pub fn second_document(text: &str) -> Option<Pos> {
    let mut content = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_end();
        if t == "---" || t.starts_with("--- ") {
            if content {
                return Some(Pos::new(i + 1, 1));
            }
        } else if !t.trim_start().is_empty() && !t.trim_start().starts_with('#') {
            content = true;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "name: x\ntrigger:\n  alerts:\n    filter: \"status eq 'new'\"\nactions:\n  - log: { message: hi }\n  - update_alert:\n      status: resolved\ncondition: |\n  let a = 1;\n  a == 1\n";

    #[test]
    fn indexes_keys_values_and_items() {
        let idx = PositionIndex::build(DOC);
        assert_eq!(idx.value("name"), Some(Pos::new(1, 7)));
        assert_eq!(idx.key("name"), Some(Pos::new(1, 1)));
        assert_eq!(idx.value("trigger.alerts.filter"), Some(Pos::new(4, 13)));
        assert_eq!(idx.value("actions[1].update_alert.status"), Some(Pos::new(8, 15)));
        assert_eq!(idx.key("actions[0].log.message"), Some(Pos::new(6, 12)));
        assert_eq!(idx.locate("actions[1].update_alert.nope"), Pos::new(8, 7));
    }

    #[test]
    fn maps_positions_inside_scalars() {
        let idx = PositionIndex::build(DOC);
        assert_eq!(idx.inside("condition", 2, 3), Pos::new(11, 5));
        assert_eq!(idx.inside("trigger.alerts.filter", 1, 8), Pos::new(4, 21));
    }

    #[test]
    fn reports_bad_utf8_where_it_is() {
        let (pos, _) = text_of(b"name: x\nab\xff").unwrap_err();
        assert_eq!(pos, Pos::new(2, 3));
    }
}
