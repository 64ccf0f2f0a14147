//! Rollouts: episode jobs, the batch runner, sharding across processes, results files, merge
//! and summaries. The headless front end of the episode loop (the viewer is the other).
//!
//! ```text
//! JobListBuilder (split scenes | scenario files) x agents x seeds -> Vec<EpisodeJob> (fixed order)
//!   -> Shard::select (index % n == i)
//!   -> run_batch: J worker threads, each: EpisodeRunner::run(job) -> (EpisodeRow, EpisodeRecording)
//!        OUT/episodes/<key>.json (atomic), OUT/results.jsonl (+1 line), OUT/errors.jsonl on failure
//!   -> merge_results(shard dirs) -> one OUT sorted by key
//!   -> write_summary(OUT) -> summary.md, summary.csv
//! ```
//!
//! Determinism contract: for a deterministic episode function, the merged results of any thread
//! count and any sharding are byte-identical apart from `wall_time_secs` (see
//! `row::canonical_rows`). File formats are described in `row`, `recording` and `runner`.

pub mod episode;
pub mod error;
pub mod frames;
pub mod job;
pub mod jsonl;
pub mod lock;
pub mod merge;
pub mod recording;
pub mod recording_check;
pub mod row;
pub mod runner;
pub mod shard;
pub mod stats;
pub mod summary;

pub use error::RolloutError;
pub use job::{EpisodeJob, JobListBuilder, ScenarioEntry};
pub use lock::OutputLock;
pub use merge::{MergeReport, merge_results};
pub use recording::{
    ActorRecord, CandidateRecord, EgoRecord, EpisodeEvent, EpisodeRecorder, EpisodeRecording,
    RECORDING_FORMAT_VERSION, RecordedStep, RecordingMeta,
};
pub use row::{EpisodeRow, ErrorRow, canonical_jsonl, canonical_rows};
pub use runner::{BatchOptions, BatchPlan, BatchReport, EpisodeRunner, run_batch};
pub use shard::Shard;
pub use stats::Stats;
pub use summary::{Summary, summarize, write_summary};
