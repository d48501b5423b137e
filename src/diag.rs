//! Diagnostics: what `validate` (and every loader) reports, with where and what to do.
//!
//! Loaders never stop at the first problem: they return every [`Diagnostic`] they find, and the
//! caller decides whether errors are fatal. Positions are 1-based lines and columns (columns in
//! characters), so editors jump straight to them. A [`Reporter`] is how a loader collects them:
//! it places each one at its field (through [`Locate`], which the YAML position index
//! implements) and reads the values every loader checks the same way, such as durations.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::duration::Duration;

/// Error, warning or info. Warnings never fail `validate` unless `--deny-warnings` is given;
/// infos (what a playbook needs, such as its Graph permissions) never fail it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// A position in a file: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    pub const START: Pos = Pos { line: 1, column: 1 };

    pub fn new(line: usize, column: usize) -> Pos {
        Pos { line, column }
    }
}

/// One problem found in a file, printed compiler-style:
/// `path:line:col: playbook "x": field.path: message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    /// The playbook's name, when the file got far enough to have one.
    pub playbook: Option<String>,
    /// The field path inside the file, such as `actions[1].update_alert.status`; empty for the
    /// file as a whole.
    pub field: String,
    pub message: String,
}

impl Diagnostic {
    pub fn error(path: &Path, pos: Pos, field: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            path: path.to_path_buf(),
            line: pos.line,
            column: pos.column,
            playbook: None,
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn warning(path: &Path, pos: Pos, field: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, pos, field, message)
        }
    }

    /// A note that is not a problem (`validate`'s permissions), printed `…: info: message`.
    pub fn info(path: &Path, pos: Pos, field: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Info,
            ..Diagnostic::error(path, pos, field, message)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn pos(&self) -> Pos {
        Pos::new(self.line, self.column)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.path.display(), self.line, self.column)?;
        if let Some(name) = &self.playbook {
            write!(f, "playbook \"{name}\": ")?;
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        match self.severity {
            Severity::Error => {}
            Severity::Warning => f.write_str("warning: ")?,
            Severity::Info => f.write_str("info: ")?,
        }
        f.write_str(&self.message)
    }
}

/// Where a field path (`limits.request_timeout`, `actions[1].email.to[0]`) is in the file being
/// checked: [`crate::yaml::PositionIndex`] is one.
pub trait Locate {
    /// The best position for a problem at `field` (the node, else its nearest ancestor).
    fn locate(&self, field: &str) -> Pos;
}

/// Collects the diagnostics of one file, each at the position of its field. The settings check
/// and the playbook compiler both report through it.
pub struct Reporter<'a> {
    origin: &'a Path,
    index: &'a dyn Locate,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Reporter<'a> {
    /// A reporter for the file `origin`, whose fields `index` locates.
    pub fn new(origin: &'a Path, index: &'a dyn Locate) -> Self {
        Reporter {
            origin,
            index,
            diagnostics: Vec::new(),
        }
    }

    /// Every diagnostic reported, in the order they were.
    pub fn finish(self) -> Vec<Diagnostic> {
        self.diagnostics
    }

    /// Adds a diagnostic built elsewhere (one about another file, a fixture or a template).
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// An error at `pos`, reported for `field`.
    pub fn error_at(&mut self, pos: Pos, field: &str, message: impl Into<String>) {
        self.push(Diagnostic::error(self.origin, pos, field, message));
    }

    /// A warning at `pos`, reported for `field`.
    pub fn warn_at(&mut self, pos: Pos, field: &str, message: impl Into<String>) {
        self.push(Diagnostic::warning(self.origin, pos, field, message));
    }

    /// An error at `field`.
    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.error_at(self.index.locate(field), field, message);
    }

    /// A warning at `field`.
    pub fn warn(&mut self, field: &str, message: impl Into<String>) {
        self.warn_at(self.index.locate(field), field, message);
    }

    /// The duration written at `field` (`5m`, `PT1H`, ...), or None after reporting why it is not one.
    pub fn parse_duration(&mut self, field: &str, text: &str) -> Option<Duration> {
        Duration::parse(text).map_err(|e| self.error(field, e)).ok()
    }

    /// The duration written at `field`: `default` when absent, or when it is not a duration
    /// (reported).
    pub fn duration(&mut self, field: &str, text: Option<&str>, default: Duration) -> Duration {
        text.and_then(|t| self.parse_duration(field, t)).unwrap_or(default)
    }
}

/// Sorts diagnostics by file and position, errors before warnings at the same place.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (&a.path, a.line, a.column, a.severity, &a.field).cmp(&(&b.path, b.line, b.column, b.severity, &b.field))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_compiler_style() {
        let mut d = Diagnostic::error(
            Path::new("p/x.yaml"),
            Pos::new(5, 7),
            "actions[1].update_alert.status",
            "bad",
        );
        d.playbook = Some("x".into());
        assert_eq!(
            d.to_string(),
            "p/x.yaml:5:7: playbook \"x\": actions[1].update_alert.status: bad"
        );
        let w = Diagnostic::warning(Path::new("a.yaml"), Pos::START, "", "hmm");
        assert_eq!(w.to_string(), "a.yaml:1:1: warning: hmm");
        let i = Diagnostic::info(Path::new("a.yaml"), Pos::START, "permissions", "P (why)");
        assert_eq!(i.to_string(), "a.yaml:1:1: permissions: info: P (why)");
    }
}
