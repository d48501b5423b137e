//! Helpers for tests, shared by the unit tests in `src/` and the integration tests (which reach
//! them through `tests/support`): one temporary-folder type. Not part of graphsoar's API (hidden
//! from the docs); nothing outside tests uses it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A fresh folder under the system's temporary folder, removed with everything in it on drop.
///
/// Unique per call: named `graphsoar-test-{name}-{process id}-{counter}`, because tests run in
/// parallel threads of one process (the counter) and several test processes at once (the id).
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates the folder; `name` says which test it belongs to when one is left behind.
    pub fn new(name: &str) -> TempDir {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("graphsoar-test-{name}-{}-{n}", std::process::id()));
        // A folder left by an earlier, killed process that had the same id.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        TempDir(dir)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `contents` to `name` (a relative path) inside the folder, creating its parents;
    /// returns the file's path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("creating {}: {e}", parent.display()));
        }
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        path
    }

    /// `state.db` in the folder: where a test keeps its state database.
    pub fn db(&self) -> PathBuf {
        self.0.join("state.db")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_call_gets_its_own_folder_removed_on_drop() {
        let (a, b) = (TempDir::new("same"), TempDir::new("same"));
        assert_ne!(a.path(), b.path());
        let file = a.write("sub/dir/f.txt", "x");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
        assert_eq!(a.db(), a.path().join("state.db"));
        let path = a.path().to_owned();
        drop(a);
        assert!(!path.exists());
        assert!(b.path().is_dir());
    }
}
