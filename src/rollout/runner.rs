//! The batch runner: runs a job list in parallel into an output directory, resumably.
//!
//! ```text
//! OUT/run.json         the command-line configuration of the (latest) run
//! OUT/results.jsonl    one EpisodeRow per finished episode, in completion order (unsorted)
//! OUT/errors.jsonl     one ErrorRow per failed episode (error or panic), in completion order
//! OUT/episodes/<key>.json   one EpisodeRecording per finished episode (unless disabled)
//! ```
//!
//! How it works: `BatchPlan::prepare` creates the directories, truncates a torn last line of
//! `results.jsonl`/`errors.jsonl` left by a killed process (with a warning), reads the keys
//! already in `results.jsonl` and keeps only the jobs not yet finished -- so rerunning the same
//! command into the same directory resumes (failed jobs are retried). `BatchPlan::run` starts
//! `jobs_parallel` worker threads that pull jobs in list order from a shared counter; each
//! worker runs one episode at a time (one World per worker), writes the recording atomically
//! (temporary file, then rename) and only then appends the row, so a row always has its
//! recording. A failing episode becomes an error row and the batch continues; a failing write
//! of the results files stops the batch (workers finish their current episode).
//!
//! One process per output directory at a time (`lock::OutputLock`, taken by `prepare` and held
//! by the plan): two would run the same jobs twice, and one's torn-line repair could cut the
//! other's line in flight. A second run into a busy directory is refused, naming the holder.
//!
//! The episode itself is behind `EpisodeRunner`, implemented by any
//! `Fn(&EpisodeJob) -> Result<(EpisodeRow, EpisodeRecording), E> + Sync`, so tests inject a
//! fake and the CLI plugs in `episode::run_episode`.

use std::collections::BTreeSet;
use std::fmt::Display;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use super::error::RolloutError;
use super::job::EpisodeJob;
use super::jsonl::{JsonlAppender, read_rows, repair_tail, write_atomic};
use super::lock::OutputLock;
use super::recording::EpisodeRecording;
use super::row::{EpisodeRow, ErrorRow};

pub const RESULTS_FILE: &str = "results.jsonl";
pub const ERRORS_FILE: &str = "errors.jsonl";
pub const RUN_FILE: &str = "run.json";
pub const EPISODES_DIR: &str = "episodes";

/// indicatif template of the progress bar: episodes done, episodes/s, ETA, failures.
const PROGRESS_TEMPLATE: &str =
    "[{elapsed_precise}] {bar:40} {pos}/{len} episodes  {per_sec}  ETA {eta}  {msg}";

/// Path of a job's recording inside an output directory.
pub fn episode_path(out_dir: &Path, key: &str) -> PathBuf {
    out_dir.join(EPISODES_DIR).join(format!("{key}.json"))
}

/// Runs one episode. The returned row must be for the job passed in (`row.job == *job`);
/// the runner sets `wall_time_secs` itself.
pub trait EpisodeRunner: Sync {
    type Error: Display;
    fn run(&self, job: &EpisodeJob) -> Result<(EpisodeRow, EpisodeRecording), Self::Error>;
}

impl<F, E> EpisodeRunner for F
where
    F: Fn(&EpisodeJob) -> Result<(EpisodeRow, EpisodeRecording), E> + Sync,
    E: Display,
{
    type Error = E;
    fn run(&self, job: &EpisodeJob) -> Result<(EpisodeRow, EpisodeRecording), E> {
        self(job)
    }
}

#[derive(Debug, Clone)]
pub struct BatchOptions {
    pub out_dir: PathBuf,
    /// Worker threads (episodes in parallel); 0 means the number of available cores.
    pub jobs_parallel: usize,
    /// Show an indicatif progress bar (episodes/s, ETA) on stderr.
    pub progress: bool,
    /// Write `episodes/<key>.json` recordings.
    pub record: bool,
    /// Written to `run.json` (the command-line configuration).
    pub run_config: serde_json::Value,
}

/// Counts of one `run`, and the warnings of `prepare`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchReport {
    /// Jobs in the list given.
    pub total: usize,
    /// Jobs skipped because `results.jsonl` already had them.
    pub already_done: usize,
    pub finished: usize,
    pub failed: usize,
    pub wall_time_secs: f64,
    pub warnings: Vec<String>,
}

/// A prepared batch: the jobs still to run.
#[derive(Debug)]
pub struct BatchPlan {
    pub options: BatchOptions,
    pub todo: Vec<EpisodeJob>,
    pub report: BatchReport,
    /// The hold on `options.out_dir`; whoever goes on writing there keeps it.
    pub lock: OutputLock,
}

impl BatchPlan {
    /// Create the output directory, repair torn result lines, write `run.json`, and drop the
    /// jobs whose key is already in `results.jsonl`.
    pub fn prepare(jobs: &[EpisodeJob], options: BatchOptions) -> Result<Self, RolloutError> {
        let out = &options.out_dir;
        let episodes = out.join(EPISODES_DIR);
        std::fs::create_dir_all(&episodes).map_err(|e| RolloutError::io(&episodes, e))?;
        let lock = OutputLock::acquire(out)?;
        let mut warnings = Vec::new();
        for name in [RESULTS_FILE, ERRORS_FILE] {
            let path = out.join(name);
            if let Some(tail) = repair_tail(&path)? {
                warnings.push(format!(
                    "{}: removed a partial last line ({} bytes) left by an interrupted run: {}",
                    path.display(),
                    tail.len(),
                    preview(&tail)
                ));
            }
        }
        let stale = remove_stale_temporaries(&episodes)?;
        if stale > 0 {
            warnings.push(format!(
                "{}: removed {stale} temporary recording files left by an interrupted run",
                episodes.display()
            ));
        }
        let done: BTreeSet<String> = read_rows::<EpisodeRow>(&out.join(RESULTS_FILE))?
            .rows
            .into_iter()
            .map(|r| r.key)
            .collect();

        let mut seen = BTreeSet::new();
        for job in jobs {
            let key = job.key();
            if !seen.insert(key.clone()) {
                return Err(RolloutError::BadJobs(format!(
                    "job key `{key}` appears twice in the job list"
                )));
            }
        }
        let todo: Vec<EpisodeJob> = jobs
            .iter()
            .filter(|j| !done.contains(&j.key()))
            .cloned()
            .collect();

        let run_path = out.join(RUN_FILE);
        let run_bytes = pretty_bytes(&options.run_config, &run_path)?;
        if let Ok(previous) = std::fs::read(&run_path)
            && previous != run_bytes
        {
            warnings.push(format!(
                "{}: the previous run used a different configuration; overwriting it",
                run_path.display()
            ));
        }
        write_atomic(&run_path, &run_bytes)?;

        let report = BatchReport {
            total: jobs.len(),
            already_done: jobs.len() - todo.len(),
            warnings,
            ..BatchReport::default()
        };
        Ok(BatchPlan {
            options,
            todo,
            report,
            lock,
        })
    }

    /// Run the remaining jobs.
    pub fn run<R: EpisodeRunner>(self, runner: &R) -> Result<BatchReport, RolloutError> {
        let BatchPlan {
            options,
            todo,
            mut report,
            lock: _lock,
        } = self;
        let out = &options.out_dir;
        let results = JsonlAppender::open(&out.join(RESULTS_FILE))?;
        let errors = JsonlAppender::open(&out.join(ERRORS_FILE))?;
        let threads = match options.jobs_parallel {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        }
        .min(todo.len().max(1));

        let bar = if options.progress {
            let bar = ProgressBar::new(todo.len() as u64);
            bar.set_style(
                ProgressStyle::with_template(PROGRESS_TEMPLATE)
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        } else {
            ProgressBar::hidden()
        };

        let started = Instant::now();
        let next = AtomicUsize::new(0);
        let finished = AtomicUsize::new(0);
        let failed = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let fatal: Mutex<Option<RolloutError>> = Mutex::new(None);

        let worker = || {
            while !stop.load(Ordering::SeqCst) {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(job) = todo.get(i) else { break };
                match run_one(job, runner, out, options.record, &results, &errors) {
                    Ok(true) => {
                        finished.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(false) => {
                        let n = failed.fetch_add(1, Ordering::SeqCst) + 1;
                        bar.set_message(format!("{n} failed"));
                    }
                    Err(e) => {
                        stop.store(true, Ordering::SeqCst);
                        let mut slot = fatal.lock().unwrap_or_else(|p| p.into_inner());
                        slot.get_or_insert(e);
                        break;
                    }
                }
                bar.inc(1);
            }
        };
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(worker);
            }
        });
        bar.finish();

        if let Some(e) = fatal.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(e);
        }
        report.finished = finished.into_inner();
        report.failed = failed.into_inner();
        report.wall_time_secs = started.elapsed().as_secs_f64();
        Ok(report)
    }
}

/// Prepare and run in one call.
pub fn run_batch<R: EpisodeRunner>(
    jobs: &[EpisodeJob],
    options: BatchOptions,
    runner: &R,
) -> Result<BatchReport, RolloutError> {
    BatchPlan::prepare(jobs, options)?.run(runner)
}

/// One episode: Ok(true) finished, Ok(false) failed (error row written), Err: results I/O.
fn run_one<R: EpisodeRunner>(
    job: &EpisodeJob,
    runner: &R,
    out: &Path,
    record: bool,
    results: &JsonlAppender,
    errors: &JsonlAppender,
) -> Result<bool, RolloutError> {
    let t0 = Instant::now();
    let outcome = match catch_unwind(AssertUnwindSafe(|| runner.run(job))) {
        Ok(Ok((row, recording))) => {
            if row.job != *job || row.key != job.key() {
                Err(format!(
                    "episode function returned the row of a different job (key `{}`)",
                    row.key
                ))
            } else {
                Ok((row, recording))
            }
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => Err(format!("panicked: {}", panic_message(panic.as_ref()))),
    };
    let wall_time_secs = t0.elapsed().as_secs_f64();
    match outcome {
        Ok((mut row, recording)) => {
            row.wall_time_secs = wall_time_secs;
            if record {
                recording.write(&episode_path(out, &row.key))?;
            }
            results.append(&row)?;
            Ok(true)
        }
        Err(message) => {
            errors.append(&ErrorRow {
                job: job.clone(),
                key: job.key(),
                message,
                wall_time_secs,
            })?;
            Ok(false)
        }
    }
}

/// Remove `.<name>.tmp.<pid>` files (see `jsonl::write_atomic`) from a directory.
fn remove_stale_temporaries(dir: &Path) -> Result<usize, RolloutError> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir).map_err(|e| RolloutError::io(dir, e))? {
        let path = entry.map_err(|e| RolloutError::io(dir, e))?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') && name.contains(".tmp.") {
            std::fs::remove_file(&path).map_err(|e| RolloutError::io(&path, e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_string()
    }
}

fn pretty_bytes(value: &serde_json::Value, path: &Path) -> Result<Vec<u8>, RolloutError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| RolloutError::BadFile {
        path: path.to_path_buf(),
        message: format!("cannot serialize: {e}"),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn preview(s: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut p: String = s.chars().take(MAX_CHARS).collect();
    if s.chars().count() > MAX_CHARS {
        p.push_str("...");
    }
    p
}

#[cfg(test)]
mod tests {
    #[test]
    fn progress_template_parses() {
        assert!(indicatif::ProgressStyle::with_template(super::PROGRESS_TEMPLATE).is_ok());
    }
}
