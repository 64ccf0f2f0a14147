//! The single integration point between the batch runner and the simulator: run one episode
//! of a job and return its results row and recording.
//!
//! NOT WIRED YET: the World, the metrics and the agents are built on other branches. Until the
//! integrator replaces the body of `run_episode`, it returns `EpisodeError::NotWired` and every
//! job of `mpa-sim rollout` ends up in `errors.jsonl`. The intended body:
//!
//! ```text
//! let mut rec = EpisodeRecorder::new();
//! let scenario = load scene / scenario file (job.scene, job.scenario_file), resolve(job.seed);
//! let mut world = World::new(&scenario, job.seed); let mut agent = agents::make(&job.agent)?;
//! rec.on_event(EpisodeEvent::Started { job: job.clone(), decision_dt_secs, config });
//! loop { obs -> agent.plan -> scorer.update -> world.step;
//!        rec.on_event(EpisodeEvent::Step(Box::new(RecordedStep { .. }))); if done { break } }
//! rec.on_event(EpisodeEvent::Finished { terminal_reason, metrics });
//! rec.finish().ok_or(EpisodeError::..)
//! ```

use super::job::EpisodeJob;
use super::recording::EpisodeRecording;
use super::row::EpisodeRow;

#[derive(Debug, thiserror::Error)]
pub enum EpisodeError {
    #[error(
        "episode runner not wired yet: the World/metrics/agents integration replaces \
         rollout::episode::run_episode"
    )]
    NotWired,
    #[error("{0}")]
    Failed(String),
}

/// Run one episode of `job`. See the module docs: not wired to the simulator yet.
pub fn run_episode(_job: &EpisodeJob) -> Result<(EpisodeRow, EpisodeRecording), EpisodeError> {
    Err(EpisodeError::NotWired)
}
