//! One engine per state database: an exclusive lock on the sidecar file `<state>.lock`, held for
//! the life of the [`Store`](super::Store). The lock is the operating system's (`flock` on Unix,
//! `LockFileEx` on Windows), so it goes away with the process, crash or not; the file itself stays.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::StateError;

/// The held lock; dropping it releases the lock.
#[derive(Debug)]
pub(crate) struct StateLock {
    _file: File,
}

/// `<db>.lock`, next to the database.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl StateLock {
    /// Takes the lock for the database at `db`, or says who holds it.
    pub(crate) fn acquire(db: &Path) -> Result<StateLock, StateError> {
        let path = lock_path(db);
        let io = |context: &'static str, path: &Path| {
            let path = path.to_owned();
            move |source| StateError::Io { context, path, source }
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io("cannot open the state lock file", &path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = read_holder(&mut file);
                return Err(StateError::Locked { path, holder });
            }
            Err(TryLockError::Error(source)) => {
                return Err(StateError::Io {
                    context: "cannot lock the state lock file",
                    path,
                    source,
                });
            }
        }
        // The pid is only for the message another engine gets; the lock is what counts.
        let record = (|| {
            file.set_len(0)?;
            file.rewind()?;
            writeln!(file, "pid {}", std::process::id())?;
            file.flush()
        })();
        if let Err(error) = record {
            tracing::debug!(path = %path.display(), %error, "Could not record the pid in the state lock file.");
        }
        Ok(StateLock { _file: file })
    }
}

/// Whether an engine holds the lock of the state at `db`, as [`probe`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockProbe {
    /// There is no `<db>.lock`: no engine has opened this state (an engine creates it first).
    NoLockFile,
    /// The lock file exists and nobody holds it.
    Free,
    /// Another engine holds it; the process id it wrote, when readable.
    Held { holder: Option<u32> },
}

/// Finds out whether another engine holds the state lock of `db` without creating or writing
/// anything: the lock file, when it exists, is opened read-only, locked for an instant and
/// released at once (an engine starting in that instant would be told the state is in use, and
/// may simply start again). For `doctor`.
pub fn probe(db: &Path) -> Result<LockProbe, StateError> {
    let path = lock_path(db);
    let mut file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(LockProbe::NoLockFile),
        Err(source) => {
            return Err(StateError::Io {
                context: "cannot open the state lock file",
                path,
                source,
            });
        }
    };
    match file.try_lock() {
        Ok(()) => {
            let _ = file.unlock();
            Ok(LockProbe::Free)
        }
        Err(TryLockError::WouldBlock) => Ok(LockProbe::Held {
            holder: read_holder(&mut file),
        }),
        Err(TryLockError::Error(source)) => Err(StateError::Io {
            context: "cannot lock the state lock file",
            path,
            source,
        }),
    }
}

fn read_holder(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    text.trim().strip_prefix("pid ")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::super::Store;
    use super::super::test_support::*;
    use super::*;

    /// Set in the child process the cross-process test starts: the state file it must find locked.
    const CHILD_ENV: &str = "GRAPHSOAR_STATE_LOCK_TEST_DB";

    #[test]
    fn probe_sees_a_held_lock_and_creates_nothing() {
        let dir = TempDir::new("state-lock-probe");
        assert_eq!(probe(&dir.db()).unwrap(), LockProbe::NoLockFile);
        assert!(!lock_path(&dir.db()).exists(), "the probe created the lock file");
        let store = Store::open(&dir.db(), TENANT).unwrap();
        assert_eq!(
            probe(&dir.db()).unwrap(),
            LockProbe::Held {
                holder: Some(std::process::id())
            }
        );
        drop(store);
        assert_eq!(probe(&dir.db()).unwrap(), LockProbe::Free);
        // The probe released it: an engine opens the state.
        Store::open(&dir.db(), TENANT).expect("the probe keeps no lock");
    }

    #[test]
    fn second_store_in_this_process_is_refused_until_the_first_is_dropped() {
        let dir = TempDir::new("state-lock");
        let first = Store::open(&dir.db(), TENANT).unwrap();
        let err = Store::open(&dir.db(), TENANT).err().expect("second open must fail");
        let StateError::Locked { path, holder } = &err else {
            panic!("{err}")
        };
        assert_eq!(path, &lock_path(&dir.db()));
        assert_eq!(*holder, Some(std::process::id()));
        let message = err.to_string();
        assert!(message.contains("another graphsoar engine"), "{message}");
        assert!(
            message.contains(&lock_path(&dir.db()).display().to_string()),
            "{message}"
        );
        drop(first);
        Store::open(&dir.db(), TENANT).expect("lock released on drop");
    }

    #[test]
    fn lock_held_by_another_process_refuses_open() {
        let dir = TempDir::new("state-lock");
        let _store = Store::open(&dir.db(), TENANT).unwrap();
        let test = format!(
            "{}::child_finds_the_state_locked",
            module_path!().split_once("::").unwrap().1
        );
        let out = Command::new(std::env::current_exe().unwrap())
            .args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, dir.db())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "child failed: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("1 passed"), "the child test did not run: {stdout}");
        assert!(stdout.contains("CHILD SAW LOCKED"), "{stdout}");
    }

    /// Runs only as the child of `lock_held_by_another_process_refuses_open`.
    #[test]
    fn child_finds_the_state_locked() {
        let Some(db) = std::env::var_os(CHILD_ENV) else { return };
        let err = Store::open(Path::new(&db), TENANT)
            .err()
            .expect("the parent holds the lock");
        assert!(
            matches!(err, StateError::Locked { holder: Some(pid), .. } if pid != std::process::id()),
            "{err}"
        );
        println!("CHILD SAW LOCKED: {err}");
    }
}
