//! `results merge`: join the output directories of shards (or of interrupted and resumed runs)
//! into one.
//!
//! Rows are keyed by `EpisodeJob::key()`. A key found in several inputs is kept once if the rows
//! are equal apart from `wall_time_secs` (the first input's row is kept), and is an error if
//! they differ (the same job gave different results: a determinism bug or mixed code versions).
//! Recordings are copied alongside and compared byte for byte in the same way. The merged
//! `results.jsonl` is sorted by key, so merging the shards of a sweep gives the same file
//! whatever the sharding or thread count, apart from wall times (`row::canonical_rows`).
//! Error rows of keys that finished somewhere are dropped; the rest are kept, sorted by key.
//! Inputs are never modified; a torn last line in an input is skipped with a warning.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::error::RolloutError;
use super::jsonl::{JsonlRead, read_rows, write_atomic};
use super::row::{EpisodeRow, ErrorRow, KeyedRow};
use super::runner::{EPISODES_DIR, ERRORS_FILE, RESULTS_FILE, RUN_FILE, episode_path};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergeReport {
    pub inputs: usize,
    /// Rows in the merged `results.jsonl`.
    pub rows: usize,
    /// Identical duplicate rows dropped.
    pub duplicates_dropped: usize,
    /// Recordings copied.
    pub recordings: usize,
    /// Error rows kept (episodes that failed everywhere).
    pub errors: usize,
    pub warnings: Vec<String>,
}

/// Merge the results of `inputs` into `out` (created; must not already hold results).
pub fn merge_results(out: &Path, inputs: &[PathBuf]) -> Result<MergeReport, RolloutError> {
    if out.join(RESULTS_FILE).exists() {
        return Err(RolloutError::OutputNotEmpty {
            path: out.to_path_buf(),
        });
    }
    let mut report = MergeReport {
        inputs: inputs.len(),
        ..MergeReport::default()
    };
    let mut rows: BTreeMap<String, (EpisodeRow, usize)> = BTreeMap::new();
    let mut errors: Vec<ErrorRow> = Vec::new();
    let mut runs = Vec::new();
    for (source, dir) in inputs.iter().enumerate() {
        let results_path = dir.join(RESULTS_FILE);
        if !results_path.exists() {
            return Err(RolloutError::BadFile {
                path: results_path,
                message: "missing: not a rollout output directory".into(),
            });
        }
        let read: JsonlRead<EpisodeRow> = read_rows(&results_path)?;
        warn_torn(&results_path, &read.torn_tail, &mut report);
        for row in read.rows {
            match rows.get(&row.key) {
                None => {
                    rows.insert(row.key.clone(), (row, source));
                }
                Some((kept, kept_source)) => {
                    if same_content(kept, &row) {
                        report.duplicates_dropped += 1;
                    } else {
                        return Err(RolloutError::MergeConflict {
                            key: row.key.clone(),
                            first: inputs[*kept_source].join(RESULTS_FILE),
                            second: results_path.clone(),
                        });
                    }
                }
            }
        }
        let errors_path = dir.join(ERRORS_FILE);
        let read: JsonlRead<ErrorRow> = read_rows(&errors_path)?;
        warn_torn(&errors_path, &read.torn_tail, &mut report);
        errors.extend(read.rows);
        let run = std::fs::read_to_string(dir.join(RUN_FILE))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .unwrap_or(serde_json::Value::Null);
        runs.push(run);
    }

    // Recordings: copy each kept row's file; compare with the same key's file in other inputs.
    let episodes_out = out.join(EPISODES_DIR);
    std::fs::create_dir_all(&episodes_out).map_err(|e| RolloutError::io(&episodes_out, e))?;
    let _lock = super::lock::OutputLock::acquire(out)?;
    for (key, (_, kept_source)) in &rows {
        let mut copied: Option<(Vec<u8>, PathBuf)> = None;
        for dir in std::iter::once(&inputs[*kept_source]).chain(inputs.iter()) {
            let path = episode_path(dir, key);
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(RolloutError::io(&path, e)),
            };
            match &copied {
                None => copied = Some((bytes, path)),
                Some((first, first_path)) => {
                    if *first != bytes {
                        return Err(RolloutError::MergeConflict {
                            key: key.clone(),
                            first: first_path.clone(),
                            second: path,
                        });
                    }
                }
            }
        }
        match copied {
            Some((bytes, _)) => {
                write_atomic(&episode_path(out, key), &bytes)?;
                report.recordings += 1;
            }
            None => report
                .warnings
                .push(format!("no recording for `{key}` in any input")),
        }
    }

    let mut merged = String::new();
    for (row, _) in rows.values() {
        merged.push_str(&to_line(row, out)?);
    }
    write_atomic(&out.join(RESULTS_FILE), merged.as_bytes())?;
    report.rows = rows.len();

    errors.retain(|e| !rows.contains_key(KeyedRow::key(e)));
    errors.sort_by(|a, b| (&a.key, &a.message).cmp(&(&b.key, &b.message)));
    errors.dedup_by(|a, b| a.key == b.key && a.message == b.message);
    let mut error_text = String::new();
    for e in &errors {
        error_text.push_str(&to_line(e, out)?);
    }
    write_atomic(&out.join(ERRORS_FILE), error_text.as_bytes())?;
    report.errors = errors.len();

    let run = serde_json::json!({
        "merged_from": inputs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "runs": runs,
    });
    let mut run_bytes = serde_json::to_vec_pretty(&run).map_err(|e| RolloutError::BadFile {
        path: out.join(RUN_FILE),
        message: e.to_string(),
    })?;
    run_bytes.push(b'\n');
    write_atomic(&out.join(RUN_FILE), &run_bytes)?;
    Ok(report)
}

/// Equal apart from wall time; compared as JSON so that NaN metrics (`null`) compare equal.
pub(crate) fn same_content(a: &EpisodeRow, b: &EpisodeRow) -> bool {
    let zero = |r: &EpisodeRow| {
        let mut r = r.clone();
        r.wall_time_secs = 0.0;
        serde_json::to_string(&r).ok()
    };
    let (za, zb) = (zero(a), zero(b));
    za.is_some() && za == zb
}

fn to_line<T: serde::Serialize>(row: &T, out: &Path) -> Result<String, RolloutError> {
    let mut line = serde_json::to_string(row).map_err(|e| RolloutError::BadFile {
        path: out.to_path_buf(),
        message: format!("cannot serialize row: {e}"),
    })?;
    line.push('\n');
    Ok(line)
}

fn warn_torn(path: &Path, tail: &Option<String>, report: &mut MergeReport) {
    if let Some(t) = tail {
        report.warnings.push(format!(
            "{}: skipped a partial last line ({} bytes) from an interrupted run",
            path.display(),
            t.len()
        ));
    }
}
