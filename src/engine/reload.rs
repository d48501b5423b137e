//! Hot reload for `graphsoar run`: the playbooks folder (playbooks, their templates and
//! fixtures) and the settings' list files are watched; a change, after a quiet moment, reloads
//! the whole folder as one set. `SIGHUP` forces a reload. A set with any error is rejected as a
//! whole (its diagnostics logged, `graphsoar_reload_failures_total` counted) and the last good
//! set keeps running: a half-written file or a transient duplicate name is just a failed reload,
//! and the next event tries again. The settings file itself needs a restart; a change to it is
//! said in the log.
//!
//! Events are not trusted to name the file that changed: editors write a temporary file and
//! rename it, Kubernetes swaps a `..data` symlink in a ConfigMap mount. Any event under the
//! folder reloads it, and a reload that finds the same playbooks (by file hash) and lists
//! changes nothing.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::Watcher as _;
use tokio::sync::mpsc;

use crate::config::Settings;
use crate::diag::Diagnostic;
use crate::playbook::{self, Playbook};

/// How long events must stop before a reload: an editor's save or a `git pull` is one reload.
pub const QUIET: Duration = Duration::from_millis(400);
/// The longest a stream of events delays a reload.
pub const MAX_DELAY: Duration = Duration::from_secs(5);

/// The playbooks the engine runs, as one loaded folder.
#[derive(Debug, Clone, Default)]
pub struct PlaybookSet {
    /// The enabled playbooks.
    pub playbooks: Vec<Arc<Playbook>>,
    /// Names of loaded but disabled playbooks: their pending actions are cancelled.
    pub disabled: HashSet<String>,
    /// Every playbook file loaded: a pending action whose playbook is not loaded was removed,
    /// not merely broken, and is cancelled.
    pub complete: bool,
}

impl PlaybookSet {
    /// Loads every playbook below `folder` (their tests skipped); the diagnostics are the
    /// loader's, errors first in file order.
    pub fn load(folder: &Path, settings: &Settings) -> (PlaybookSet, Vec<Diagnostic>) {
        let (loaded, diagnostics) = playbook::load_paths_with(&[folder.to_path_buf()], settings, playbook::Tests::Skip);
        let disabled = loaded.iter().filter(|p| !p.enabled).map(|p| p.name.clone()).collect();
        let set = PlaybookSet {
            playbooks: loaded.into_iter().filter(|p| p.enabled).map(Arc::new).collect(),
            disabled,
            complete: !diagnostics.iter().any(Diagnostic::is_error),
        };
        (set, diagnostics)
    }

    /// The playbook called `name`, if enabled.
    pub fn get(&self, name: &str) -> Option<&Arc<Playbook>> {
        self.playbooks.iter().find(|p| p.name == name)
    }

    /// What identifies this set's playbooks: each enabled one's name and file hash, and the
    /// disabled names.
    fn fingerprint(&self) -> (BTreeMap<&str, u64>, Vec<&str>) {
        let mut disabled: Vec<&str> = self.disabled.iter().map(String::as_str).collect();
        disabled.sort_unstable();
        (
            self.playbooks
                .iter()
                .map(|p| (p.name.as_str(), p.source_hash))
                .collect(),
            disabled,
        )
    }
}

/// Why a reload was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// A file changed under the watched paths.
    Files,
    /// `SIGHUP` (or a test) asked for one.
    Forced,
}

/// What a reload decided.
#[derive(Debug)]
pub enum Outcome {
    /// The folder holds what already runs.
    Unchanged,
    /// A new set to run.
    Changed(PlaybookSet),
    /// The set did not load: the diagnostics (or the list error) to log; the last good set runs on.
    Rejected(Vec<String>),
}

/// Watches the playbooks folder, the list files and the settings file, and loads new sets.
pub struct Reloader {
    folder: PathBuf,
    settings: Settings,
    /// The settings file and a hash of its text at start, to say when it changed.
    settings_file: Option<(PathBuf, u64)>,
    causes: mpsc::UnboundedReceiver<Cause>,
    sender: mpsc::UnboundedSender<Cause>,
    /// Kept alive while the reloader is; None when watching failed (SIGHUP still works).
    _watcher: Option<notify::RecommendedWatcher>,
}

impl Reloader {
    /// Starts watching `folder` (recursively), the parents of the list files and of the
    /// settings file. A folder that cannot be watched is logged, not fatal: `SIGHUP` still
    /// reloads.
    pub fn watch(folder: &Path, settings: &Settings) -> Reloader {
        let (sender, causes) = mpsc::unbounded_channel();
        let settings_file = settings
            .origin
            .as_ref()
            .map(|f| (f.clone(), file_hash(f).unwrap_or_default()));
        // Files watched through their folder (non-recursively): only events naming them count
        // (the folder may hold the state database, written all the time), or a `..` name, as
        // Kubernetes ConfigMap mounts swap `..data`.
        let mut singles: Vec<PathBuf> = settings.list_files.values().cloned().collect();
        singles.extend(settings_file.as_ref().map(|(f, _)| f.clone()));
        let watcher = start_watcher(folder, &singles, sender.clone());
        Reloader {
            folder: folder.to_path_buf(),
            settings: settings.clone(),
            settings_file,
            causes,
            sender,
            _watcher: watcher,
        }
    }

    /// A handle that asks for a reload (for `SIGHUP`, and tests).
    pub fn trigger(&self) -> mpsc::UnboundedSender<Cause> {
        self.sender.clone()
    }

    /// Waits for a change, then for [`QUIET`] without another (at most [`MAX_DELAY`]), and
    /// says why (forced wins).
    pub async fn changed(&mut self) -> Cause {
        let Some(mut cause) = self.causes.recv().await else {
            return std::future::pending().await;
        };
        let deadline = tokio::time::Instant::now() + MAX_DELAY;
        loop {
            let quiet = QUIET.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
            match tokio::time::timeout(quiet, self.causes.recv()).await {
                Ok(Some(next)) => {
                    if next == Cause::Forced {
                        cause = Cause::Forced;
                    }
                }
                Ok(None) | Err(_) => return cause,
            }
        }
    }

    /// Loads the folder again (list files read again) and compares it with `current`.
    pub fn load(&mut self, current: &PlaybookSet) -> Outcome {
        self.say_if_settings_changed();
        let mut settings = self.settings.clone();
        match settings.reread_lists() {
            Ok(lists) => settings.lists = lists,
            Err(e) => return Outcome::Rejected(vec![e]),
        }
        let folder = self.folder.clone();
        let (set, diagnostics) = PlaybookSet::load(&folder, &settings);
        let errors: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(ToString::to_string)
            .collect();
        if !errors.is_empty() {
            return Outcome::Rejected(errors);
        }
        let lists_changed = *settings.lists != *self.settings.lists;
        self.settings.lists = settings.lists;
        if set.fingerprint() == current.fingerprint() && !lists_changed {
            Outcome::Unchanged
        } else {
            Outcome::Changed(set)
        }
    }

    fn say_if_settings_changed(&mut self) {
        let Some((file, hash)) = &mut self.settings_file else {
            return;
        };
        let Some(now) = file_hash(file) else { return };
        if now != *hash {
            tracing::warn!(
                file = %file.display(),
                "The settings file changed: restart graphsoar to apply it (playbooks, templates and lists reload without one)."
            );
            *hash = now;
        }
    }
}

fn file_hash(path: &Path) -> Option<u64> {
    std::fs::read(path).ok().map(|b| playbook::stable_hash(&b))
}

fn start_watcher(
    folder: &Path,
    singles: &[PathBuf],
    sender: mpsc::UnboundedSender<Cause>,
) -> Option<notify::RecommendedWatcher> {
    let names: HashSet<std::ffi::OsString> = singles.iter().filter_map(|f| f.file_name().map(Into::into)).collect();
    let root = folder.to_path_buf();
    let handler = move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, notify::EventKind::Access(_)) {
            return;
        }
        let relevant = event.paths.iter().any(|p| {
            p.starts_with(&root)
                || p.file_name()
                    .is_some_and(|n| names.contains(n) || n.to_str().is_some_and(|n| n.starts_with("..")))
        });
        if relevant {
            let _ = sender.send(Cause::Files);
        }
    };
    let mut watcher = match notify::recommended_watcher(handler) {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!(error = %e, "Cannot watch files for hot reload; send SIGHUP to reload the playbooks.");
            return None;
        }
    };
    if let Err(e) = watcher.watch(folder, notify::RecursiveMode::Recursive) {
        tracing::warn!(folder = %folder.display(), error = %e, "Cannot watch the playbooks folder; send SIGHUP to reload it.");
    }
    let parents: HashSet<&Path> = singles
        .iter()
        .filter_map(|f| f.parent())
        .map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p })
        .filter(|p| !p.starts_with(folder))
        .collect();
    for parent in parents {
        if let Err(e) = watcher.watch(parent, notify::RecursiveMode::NonRecursive) {
            tracing::warn!(folder = %parent.display(), error = %e, "Cannot watch a list or settings file's folder; send SIGHUP after changing them.");
        }
    }
    Some(watcher)
}
