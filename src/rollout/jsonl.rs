//! JSONL results files: append whole lines under a mutex, read back tolerating a torn last
//! line.
//!
//! Writing: each row is serialized to one string ending in `\n` and written with a single
//! `write_all` on a file opened in append mode, under a mutex, then flushed. A crash or Ctrl-C
//! therefore loses no finished row; at worst the process dies inside that one write and leaves a
//! partial last line without its `\n`. (Rows reach the OS, not necessarily the disk: a power
//! loss can still lose recent rows.)
//!
//! Reading: complete lines (ending in `\n`) must parse, else the error names the file and line.
//! Trailing bytes without a final `\n` are the torn write of a killed process: `repair_tail`
//! truncates the file back to its last complete line and reports what it removed, so the next
//! run reruns that episode.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::RolloutError;
use super::row::KeyedRow;

/// Rows read from a JSONL file, and the torn tail if there was one.
#[derive(Debug)]
pub struct JsonlRead<T> {
    pub rows: Vec<T>,
    /// The bytes after the last `\n`, if any (a partial line from a killed writer).
    pub torn_tail: Option<String>,
}

/// Read all complete rows of `path` (missing file: no rows). Does not modify the file.
pub fn read_rows<T: DeserializeOwned + KeyedRow>(
    path: &Path,
) -> Result<JsonlRead<T>, RolloutError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(JsonlRead {
                rows: Vec::new(),
                torn_tail: None,
            });
        }
        Err(e) => return Err(RolloutError::io(path, e)),
    };
    let complete_len = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let torn_tail = (complete_len < bytes.len())
        .then(|| String::from_utf8_lossy(&bytes[complete_len..]).into_owned());
    let text = std::str::from_utf8(&bytes[..complete_len]).map_err(|e| RolloutError::BadFile {
        path: path.to_path_buf(),
        message: format!("not UTF-8: {e}"),
    })?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row: T = serde_json::from_str(line).map_err(|e| RolloutError::BadLine {
            path: path.to_path_buf(),
            line: i + 1,
            message: format!("not a valid row: {e}"),
        })?;
        let expected = row.job().key();
        if row.key() != expected {
            return Err(RolloutError::BadLine {
                path: path.to_path_buf(),
                line: i + 1,
                message: format!(
                    "field `key` is `{}` but the job fields give `{expected}`",
                    row.key()
                ),
            });
        }
        rows.push(row);
    }
    Ok(JsonlRead { rows, torn_tail })
}

/// Truncate `path` to its last complete line if it ends in a partial one. Returns the removed
/// bytes (lossy UTF-8) when it did.
pub fn repair_tail(path: &Path) -> Result<Option<String>, RolloutError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(RolloutError::io(path, e)),
    };
    let complete_len = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    if complete_len == bytes.len() {
        return Ok(None);
    }
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| RolloutError::io(path, e))?;
    file.set_len(complete_len as u64)
        .map_err(|e| RolloutError::io(path, e))?;
    Ok(Some(
        String::from_utf8_lossy(&bytes[complete_len..]).into_owned(),
    ))
}

/// An append-only JSONL file shared by worker threads.
#[derive(Debug)]
pub struct JsonlAppender {
    path: PathBuf,
    file: Mutex<File>,
}

impl JsonlAppender {
    /// Open (create) `path` for appending.
    pub fn open(path: &Path) -> Result<Self, RolloutError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| RolloutError::io(path, e))?;
        Ok(JsonlAppender {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// Append one row as one whole line, flushed before returning.
    pub fn append<T: Serialize>(&self, row: &T) -> Result<(), RolloutError> {
        let mut line = serde_json::to_string(row).map_err(|e| RolloutError::BadFile {
            path: self.path.clone(),
            message: format!("cannot serialize row: {e}"),
        })?;
        line.push('\n');
        // A poisoned lock means another worker panicked mid-write of a whole line; the file
        // itself is still line-consistent (see `repair_tail`), so keep appending.
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(line.as_bytes())
            .and_then(|()| file.flush())
            .map_err(|e| RolloutError::io(&self.path, e))
    }
}

/// Write `bytes` to `path` atomically: a temporary file in the same directory, then rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RolloutError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.flush()?;
        Ok(())
    };
    write().map_err(|e| RolloutError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| RolloutError::io(path, e))
}
