//! One writer per output directory: `OUT/.mpa-sim.lock`, held with an OS file lock (`flock` on
//! Unix, `LockFileEx` on Windows) for as long as a rollout, a `serve` session or a merge writes
//! into `OUT`. Two processes writing one directory would run every job twice (both read the same
//! finished keys) and one's torn-line repair could cut the other's line in flight.
//!
//! The lock belongs to the open file, not to the file's existence: it is released when the
//! holder exits, however it exits (`kill -9` included), so a crashed run never leaves a stale
//! lock behind and the file itself is never deleted (deleting it would race a new holder). The
//! file's text names the holder (pid, start time, command line) so the refusal can say who.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::error::RolloutError;

/// The lock file's name inside an output directory.
pub const LOCK_FILE: &str = ".mpa-sim.lock";

/// An exclusive hold on an output directory; released on drop.
#[derive(Debug)]
pub struct OutputLock {
    path: PathBuf,
    // Held for its OS lock; dropping the file releases it.
    _file: File,
}

impl OutputLock {
    /// Lock `dir` (which must exist) for writing, or fail naming the current holder.
    pub fn acquire(dir: &Path) -> Result<OutputLock, RolloutError> {
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| RolloutError::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                // Best effort: the holder may be between truncating and writing its line.
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(RolloutError::OutputLocked {
                    dir: dir.to_path_buf(),
                    holder: if holder.is_empty() {
                        "another process (it has not written its name yet)".into()
                    } else {
                        holder.to_string()
                    },
                });
            }
            Err(TryLockError::Error(e)) => return Err(RolloutError::io(&path, e)),
        }
        let started_unix_secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let command: Vec<String> = std::env::args().collect();
        let text = format!(
            "pid {} since unix time {started_unix_secs}: {}\n",
            std::process::id(),
            command.join(" ")
        );
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(text.as_bytes()))
            .and_then(|()| file.flush())
            .map_err(|e| RolloutError::io(&path, e))?;
        Ok(OutputLock { path, _file: file })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_with_the_first_named_then_admitted_after_release() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutputLock::acquire(dir.path()).unwrap();
        let err = OutputLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(err.contains("in use"), "{err}");
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "names the holder: {err}"
        );
        drop(first);
        let again = OutputLock::acquire(dir.path()).unwrap();
        assert!(again.path().ends_with(LOCK_FILE));
    }

    #[test]
    fn missing_directory_is_an_io_error_naming_the_lock_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = OutputLock::acquire(&dir.path().join("absent"))
            .unwrap_err()
            .to_string();
        assert!(err.contains(LOCK_FILE), "{err}");
    }
}
