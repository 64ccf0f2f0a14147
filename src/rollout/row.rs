//! One results row per finished episode (`results.jsonl`) and one error row per failed
//! episode (`errors.jsonl`).
//!
//! Rows are flat JSON objects: the job fields, then `key`, `metrics` (a sorted map, so field
//! order is stable), `terminal_reason`, `steps` and `wall_time_secs`. `wall_time_secs` is the
//! only field that is not a function of the job: two runs of the same job give rows that differ
//! only there (`canonical_rows` zeroes it for comparisons). Non-finite metric values (e.g. a
//! time-to-finish of an episode that never finished) are written as `null` and read back as NaN;
//! summaries skip them and count the rest.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::job::EpisodeJob;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpisodeRow {
    #[serde(flatten)]
    pub job: EpisodeJob,
    /// `job.key()`, stored for grep and joins; checked against the job fields on read.
    pub key: String,
    /// Metric name -> value (e.g. `hd_score`, `rc`, `nc`, `collision`, `mean_speed_mps`).
    #[serde(deserialize_with = "metrics_nan_from_null")]
    pub metrics: BTreeMap<String, f64>,
    /// Why the episode ended (`route_completed`, `collision`, `off_road`, `off_route`,
    /// `timeout`, ...).
    pub terminal_reason: String,
    /// Decision steps taken.
    pub steps: u64,
    /// Wall-clock seconds the episode took; the only nondeterministic field.
    pub wall_time_secs: f64,
}

impl EpisodeRow {
    /// A row for `job` with its key filled in and wall time zero (the runner sets it).
    pub fn new(
        job: EpisodeJob,
        metrics: BTreeMap<String, f64>,
        terminal_reason: impl Into<String>,
        steps: u64,
    ) -> Self {
        let key = job.key();
        EpisodeRow {
            job,
            key,
            metrics,
            terminal_reason: terminal_reason.into(),
            steps,
            wall_time_secs: 0.0,
        }
    }
}

/// Deserialize a metric map written with NaN as `null` (serde_json's encoding of non-finite
/// floats) back to NaN.
pub(crate) fn metrics_nan_from_null<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, f64>, D::Error> {
    let raw: BTreeMap<String, Option<f64>> = BTreeMap::deserialize(d)?;
    Ok(raw
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or(f64::NAN)))
        .collect())
}

/// A failed episode: the episode function returned an error (or panicked).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorRow {
    #[serde(flatten)]
    pub job: EpisodeJob,
    pub key: String,
    pub message: String,
    pub wall_time_secs: f64,
}

/// Rows with a `key` field, so the JSONL reader can check keys generically.
pub trait KeyedRow {
    fn key(&self) -> &str;
    fn job(&self) -> &EpisodeJob;
}

impl KeyedRow for EpisodeRow {
    fn key(&self) -> &str {
        &self.key
    }
    fn job(&self) -> &EpisodeJob {
        &self.job
    }
}

impl KeyedRow for ErrorRow {
    fn key(&self) -> &str {
        &self.key
    }
    fn job(&self) -> &EpisodeJob {
        &self.job
    }
}

/// Rows sorted by key with `wall_time_secs` zeroed: equal for runs of the same jobs whatever
/// the thread count or sharding, if the episodes are deterministic.
pub fn canonical_rows(rows: &[EpisodeRow]) -> Vec<EpisodeRow> {
    let mut out: Vec<EpisodeRow> = rows
        .iter()
        .cloned()
        .map(|mut r| {
            r.wall_time_secs = 0.0;
            r
        })
        .collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// `canonical_rows` as JSONL text (one row per line), for byte-for-byte comparison.
pub fn canonical_jsonl(rows: &[EpisodeRow]) -> Result<String, serde_json::Error> {
    let mut s = String::new();
    for r in canonical_rows(rows) {
        s.push_str(&serde_json::to_string(&r)?);
        s.push('\n');
    }
    Ok(s)
}
