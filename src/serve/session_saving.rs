//! Writing finished episodes (part of `session`): each is kept in memory (`Unsaved`) until
//! its recording (`episodes/<key>.json`) and then its `results.jsonl` row are on disk, as
//! `rollout` writes them. A failed write keeps it and says so once in `errors.jsonl`; the
//! session tries again at the next episode end, reset, `execute` after the last scene, and
//! server shutdown.

use super::Session;
use crate::rollout::runner::{ERRORS_FILE, episode_path};
use crate::rollout::{EpisodeJob, EpisodeRecording, EpisodeRow, ErrorRow, RolloutError};

/// A finished episode not yet (fully) on disk.
pub(super) struct Unsaved {
    pub(super) key: String,
    pub(super) row: EpisodeRow,
    pub(super) recording: EpisodeRecording,
    pub(super) recording_written: bool,
    /// An `errors.jsonl` row already says it could not be saved.
    pub(super) error_logged: bool,
}

impl Session {
    /// Write the kept episodes (recording, then row, as `rollout` does). Those that fail stay
    /// kept; the first failure of each gets an `errors.jsonl` row. `Err` says what failed.
    pub(super) fn save_unsaved(&mut self) -> Result<(), String> {
        let mut problems = Vec::new();
        for mut episode in std::mem::take(&mut self.unsaved) {
            let key = episode.key.clone();
            match self.write_episode(&mut episode) {
                Ok(()) => {
                    let row = &episode.row;
                    self.notes.push(format!(
                        "{key}: {} after {} steps, hd_score {:.3}",
                        row.terminal_reason,
                        row.steps,
                        row.metrics.get("hd_score").copied().unwrap_or(f64::NAN)
                    ));
                }
                Err(e) => {
                    let message = format!(
                        "episode {key} finished but could not be saved: {e}; kept in memory, \
                         written at the next episode end, reset or server shutdown"
                    );
                    self.notes.push(message.clone());
                    let mut problem = message.clone();
                    if !episode.error_logged {
                        match self.append_error(
                            episode.row.job.clone(),
                            message,
                            episode.row.wall_time_secs,
                        ) {
                            Ok(()) => episode.error_logged = true,
                            Err(e) => problem = format!("{problem}; {e}"),
                        }
                    }
                    problems.push(problem);
                    self.unsaved.push(episode);
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    fn write_episode(&mut self, episode: &mut Unsaved) -> Result<(), RolloutError> {
        if !episode.recording_written {
            let path = episode_path(&self.config.out_dir, &episode.key);
            episode.recording.write(&path)?;
            episode.recording_written = true;
        }
        self.results.append(&episode.row)
    }

    /// An `errors.jsonl` row; `Err` says that it could not be written.
    pub(super) fn append_error(
        &mut self,
        job: EpisodeJob,
        message: String,
        wall_time_secs: f64,
    ) -> Result<(), String> {
        let key = job.key();
        self.errors
            .append(&ErrorRow {
                job,
                key,
                message,
                wall_time_secs,
            })
            .map_err(|e| format!("writing {ERRORS_FILE}: {e}"))
    }
}
