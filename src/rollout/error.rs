//! Errors of the rollout layer: job building, sharding, results files, merge and summary.
//! Every variant names the file (and line or key) and what was expected.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum RolloutError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A line of a JSONL file (1-based) that is not a valid row.
    #[error("{path}: line {line}: {message}")]
    BadLine {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A whole file (TOML or JSON) that does not parse.
    #[error("{path}: {message}")]
    BadFile { path: PathBuf, message: String },
    #[error("invalid shard `{spec}`: {expected}")]
    BadShard { spec: String, expected: String },
    #[error("two jobs share the key `{key}`: {first} and {second}")]
    DuplicateJob {
        key: String,
        first: String,
        second: String,
    },
    #[error("merge: key `{key}` appears with different content in {first} and {second}")]
    MergeConflict {
        key: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("{path}: already holds results; merge into an empty or new directory")]
    OutputNotEmpty { path: PathBuf },
    /// Another process writes into the directory (see `lock`).
    #[error(
        "{}: in use by {holder}; wait for it to finish or choose another output directory",
        dir.display()
    )]
    OutputLocked { dir: PathBuf, holder: String },
    /// `results.jsonl` holds one key twice with different content (two runs wrote it).
    #[error(
        "{}: key `{key}` appears in rows {first_row} and {second_row} (1-based) with different \
         results; remove one of them (or rerun into a fresh directory)",
        path.display()
    )]
    ConflictingRows {
        path: PathBuf,
        key: String,
        first_row: usize,
        second_row: usize,
    },
    #[error("invalid job list: {0}")]
    BadJobs(String),
    #[error(transparent)]
    Registry(#[from] crate::scene::registry::RegistryError),
}

impl RolloutError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        RolloutError::Io {
            path: path.into(),
            source,
        }
    }
}
