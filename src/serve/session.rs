//! The served environment: a sequence of episodes (split scenes or scenario files, agent
//! `remote`) stepped one decision per `/execute_action`, with HUGSIM's semantics (its
//! competition server, `hugsim_client` 0.0.8's counterpart):
//!
//! - The first scene starts when the session is created, so a client may read the state before
//!   any `/reset`. `reset` restarts the sequence: the running episode is abandoned (no row) and
//!   the first job not yet in `results.jsonl` starts. Finished episodes are never rerun into the
//!   same directory (as with `rollout`, a rerun resumes); use a new `--out` to run them again.
//! - `execute` converts and checks the plan first (`frames::lidar_plan_to_ego`); a bad plan is
//!   rejected with the episode untouched. Then one decision step runs. When it ends the episode,
//!   the recording (`episodes/<key>.json`) and the row (`results.jsonl`) are written exactly as
//!   `rollout` writes them, and the next scene starts: the response has `cur_scene_done: true`
//!   and the new scene's first state. After the last scene: `done: true`, `cur_scene_done:
//!   true`, and the last scene's final state. `get_current_state` shows `cur_scene_done: true`
//!   only once everything is done (HUGSIM clears it when it switches scenes).
//! - Responses to `execute` are remembered by transaction id (the last `TX_CACHE_LEN`): a
//!   client retry with the same id gets the same bytes and nothing is stepped again.
//! - An episode that fails inside the simulator gets an `errors.jsonl` row and the sequence
//!   moves on to the next scene.
//!
//! The pickled `{"obs", "info"}` of the current state is built once per step (rendering is the
//! expensive part) and spliced into every response until the next step.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use super::agent::{PlanSlot, RemoteAgent};
use super::frames::{PlanError, lidar_plan_to_ego};
use super::pickle::{Value, to_fragment, to_pickle};
use super::state::{LastAction, StateError, StepInfo, state_value};
use super::views::ViewSource;
use crate::metrics::route_completion;
use crate::rollout::episode::{EpisodeError, EpisodeLoop, SceneSource, resolve_job};
use crate::rollout::jsonl::{JsonlAppender, read_rows};
use crate::rollout::runner::{ERRORS_FILE, RESULTS_FILE, episode_path};
use crate::rollout::{
    BatchOptions, BatchPlan, EpisodeEvent, EpisodeJob, EpisodeRecorder, EpisodeRow, ErrorRow,
    RolloutError,
};
use crate::world::{SimConfig, TerminalReason};

/// Responses remembered for transaction-id retries (HUGSIM keeps 100).
pub const TX_CACHE_LEN: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("results: {0}")]
    Results(#[from] RolloutError),
    #[error("state: {0}")]
    State(#[from] StateError),
    #[error("episode {key}: {message}")]
    Episode { key: String, message: String },
    #[error("no episode jobs given")]
    NoJobs,
}

/// What the session runs and where it writes.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// The episodes, in order (agent `remote`).
    pub jobs: Vec<EpisodeJob>,
    pub out_dir: PathBuf,
    pub source: SceneSource,
    pub sim: SimConfig,
    /// Written to `run.json`.
    pub run_config: serde_json::Value,
}

/// A response to `execute`: a pickle, or a failure status with a message.
#[derive(Debug, Clone, PartialEq)]
pub enum ExecuteReply {
    Pickle(Arc<[u8]>),
    Failed { status: u16, message: String },
}

struct Running {
    job: EpisodeJob,
    episode: EpisodeLoop,
    recorder: EpisodeRecorder,
    slot: PlanSlot,
    started: Instant,
    last_action: LastAction,
    step_info: Option<StepInfo>,
    finished: bool,
}

pub struct Session {
    config: SessionConfig,
    views: Box<dyn ViewSource>,
    results: JsonlAppender,
    errors: JsonlAppender,
    queue: Vec<EpisodeJob>,
    next_job: usize,
    current: Option<Running>,
    done: bool,
    /// Set when the sequence ended (HUGSIM's `_scene_done` of the last scene).
    scene_done: bool,
    state_fragment: Arc<[u8]>,
    tx_cache: BTreeMap<String, ExecuteReply>,
    tx_order: VecDeque<String>,
    /// Human-readable notes (prepare warnings, finished and failed episodes), drained by the
    /// front end.
    notes: Vec<String>,
    steps_executed: u64,
    /// The hold on the output directory for the session's life (`rollout::lock`).
    _out_lock: crate::rollout::OutputLock,
}

impl Session {
    /// Prepare the output directory (as `rollout` does) and start the first scene.
    pub fn new(config: SessionConfig, views: Box<dyn ViewSource>) -> Result<Session, SessionError> {
        if config.jobs.is_empty() {
            return Err(SessionError::NoJobs);
        }
        let plan = BatchPlan::prepare(
            &config.jobs,
            BatchOptions {
                out_dir: config.out_dir.clone(),
                jobs_parallel: 1,
                progress: false,
                record: true,
                run_config: config.run_config.clone(),
            },
        )?;
        let results = JsonlAppender::open(&config.out_dir.join(RESULTS_FILE))?;
        let errors = JsonlAppender::open(&config.out_dir.join(ERRORS_FILE))?;
        let mut session = Session {
            config,
            views,
            results,
            errors,
            queue: Vec::new(),
            next_job: 0,
            current: None,
            done: false,
            scene_done: false,
            state_fragment: to_fragment(&empty_state()),
            tx_cache: BTreeMap::new(),
            tx_order: VecDeque::new(),
            notes: plan.report.warnings,
            _out_lock: plan.lock,
            steps_executed: 0,
        };
        session.reset()?;
        Ok(session)
    }

    pub fn done(&self) -> bool {
        self.done
    }
    /// The job of the scene being shown.
    pub fn current_job(&self) -> Option<&EpisodeJob> {
        self.current.as_ref().map(|r| &r.job)
    }
    /// Decision steps executed since the session started (retries not counted).
    pub fn steps_executed(&self) -> u64 {
        self.steps_executed
    }
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// Restart the sequence at the first job not yet in `results.jsonl`.
    pub fn reset(&mut self) -> Result<(), SessionError> {
        // A scene that has not been stepped yet (the one shown before the client's first
        // reset) is restarted silently.
        if let Some(r) = self.current.take()
            && !r.finished
            && r.step_info.is_some()
        {
            self.notes
                .push(format!("{}: abandoned by reset", r.job.key()));
        }
        let finished: BTreeSet<String> =
            read_rows::<EpisodeRow>(&self.config.out_dir.join(RESULTS_FILE))?
                .rows
                .into_iter()
                .map(|r| r.key)
                .collect();
        self.queue = self
            .config
            .jobs
            .iter()
            .filter(|j| !finished.contains(&j.key()))
            .cloned()
            .collect();
        self.next_job = 0;
        self.done = false;
        self.scene_done = false;
        self.start_next()?;
        self.refresh_state()
    }

    /// The pickled `{"done", "cur_scene_done", "state"}` for `/get_current_state`.
    pub fn current_state(&self) -> Vec<u8> {
        self.response(self.done, self.scene_done)
    }

    /// `/execute_action` with a transaction id: a remembered reply, or one decision step.
    pub fn execute(
        &mut self,
        transaction_id: &str,
        points_lidar_m: &[[f64; 2]],
    ) -> Result<ExecuteReply, SessionError> {
        if let Some(reply) = self.tx_cache.get(transaction_id) {
            return Ok(reply.clone());
        }
        let reply = self.execute_uncached(points_lidar_m)?;
        self.remember(transaction_id, reply.clone());
        Ok(reply)
    }

    /// The stored reply of a transaction id, if any.
    pub fn cached(&self, transaction_id: &str) -> Option<&ExecuteReply> {
        self.tx_cache.get(transaction_id)
    }

    fn remember(&mut self, id: &str, reply: ExecuteReply) {
        if self.tx_cache.insert(id.to_string(), reply).is_none() {
            self.tx_order.push_back(id.to_string());
        }
        while self.tx_order.len() > TX_CACHE_LEN {
            if let Some(old) = self.tx_order.pop_front() {
                self.tx_cache.remove(&old);
            }
        }
    }

    fn execute_uncached(&mut self, points: &[[f64; 2]]) -> Result<ExecuteReply, SessionError> {
        let Some(run) = self.current.as_mut().filter(|_| !self.done) else {
            return Ok(ExecuteReply::Pickle(self.response(true, true).into()));
        };
        // Everything that can reject the request happens before the episode is touched.
        let rig = &run.episode.world().scene().rig;
        let plan = lidar_plan_to_ego(points, &rig.ego_from_lidar, &self.config.sim.time)?;

        let steer_before = run.episode.world().ego().steer_rad;
        run.slot.put(plan);
        let key = run.job.key();
        match step_once(run) {
            Ok(()) => {}
            Err(message) => {
                run.finished = true;
                self.errors.append(&ErrorRow {
                    job: run.job.clone(),
                    key: key.clone(),
                    message: message.clone(),
                    wall_time_secs: run.started.elapsed().as_secs_f64(),
                })?;
                self.notes.push(format!("{key}: failed: {message}"));
                self.advance()?;
                return Ok(ExecuteReply::Failed {
                    status: 500,
                    message: format!("episode {key} failed: {message}; moved to the next scene"),
                });
            }
        }
        self.steps_executed += 1;
        let world = run.episode.world();
        let dt = self.config.sim.time.decision_dt_secs;
        run.last_action = LastAction {
            accel_mps2: world.ego().accel_mps2,
            steer_rate_radps: (world.ego().steer_rad - steer_before) / dt,
        };
        let terminal = world.terminal();
        run.step_info = Some(StepInfo {
            rc: route_completion(world.route_progress_m(), world.route().length_m()),
            collision: matches!(terminal, Some(TerminalReason::Collision { .. })),
        });
        if terminal.is_none() {
            self.refresh_state()?;
            return Ok(ExecuteReply::Pickle(self.response(false, false).into()));
        }
        self.finish_current()?;
        self.advance()?;
        Ok(ExecuteReply::Pickle(self.response(self.done, true).into()))
    }

    /// Drain the Finished event of the current (terminal) episode and write its files.
    fn finish_current(&mut self) -> Result<(), SessionError> {
        let Some(run) = self.current.as_mut() else {
            return Ok(());
        };
        let key = run.job.key();
        while let Some(event) = run
            .episode
            .next_event()
            .map_err(|e| SessionError::Episode {
                key: key.clone(),
                message: e.to_string(),
            })?
        {
            run.recorder.on_event(event);
        }
        run.finished = true;
        let recorder = std::mem::take(&mut run.recorder);
        let (mut row, recording) = recorder.finish().ok_or_else(|| SessionError::Episode {
            key: key.clone(),
            message: "episode ended without a Finished event".into(),
        })?;
        row.wall_time_secs = run.started.elapsed().as_secs_f64();
        recording.write(&episode_path(&self.config.out_dir, &key))?;
        self.results.append(&row)?;
        self.notes.push(format!(
            "{key}: {} after {} steps, hd_score {:.3}",
            row.terminal_reason,
            row.steps,
            row.metrics.get("hd_score").copied().unwrap_or(f64::NAN)
        ));
        Ok(())
    }

    /// Start the next scene (the state shows it), or mark the sequence done (the state keeps
    /// showing the last scene).
    fn advance(&mut self) -> Result<(), SessionError> {
        self.start_next()?;
        if self.done {
            self.scene_done = true;
        }
        self.refresh_state()
    }

    fn start_next(&mut self) -> Result<(), SessionError> {
        while let Some(job) = self.queue.get(self.next_job).cloned() {
            self.next_job += 1;
            match start_episode(&job, &self.config) {
                Ok(run) => {
                    self.current = Some(run);
                    return Ok(());
                }
                Err(message) => {
                    self.errors.append(&ErrorRow {
                        key: job.key(),
                        job: job.clone(),
                        message: message.clone(),
                        wall_time_secs: 0.0,
                    })?;
                    self.notes
                        .push(format!("{}: could not start: {message}", job.key()));
                }
            }
        }
        self.done = true;
        Ok(())
    }

    fn refresh_state(&mut self) -> Result<(), SessionError> {
        let value = match &self.current {
            Some(run) => {
                let world = run.episode.world();
                let images = self.views.render(world).map_err(StateError::from)?;
                state_value(
                    world,
                    &images,
                    self.views.size(),
                    run.last_action,
                    run.step_info,
                )?
            }
            None => empty_state(),
        };
        self.state_fragment = to_fragment(&value);
        Ok(())
    }

    fn response(&self, done: bool, cur_scene_done: bool) -> Vec<u8> {
        to_pickle(&Value::dict([
            ("done", Value::Bool(done)),
            ("cur_scene_done", Value::Bool(cur_scene_done)),
            ("state", Value::Fragment(self.state_fragment.clone())),
        ]))
    }
}

fn empty_state() -> Value {
    Value::dict([
        ("obs", Value::Dict(Vec::new())),
        ("info", Value::Dict(Vec::new())),
    ])
}

fn start_episode(job: &EpisodeJob, config: &SessionConfig) -> Result<Running, String> {
    let scenario = resolve_job(job, &config.source).map_err(|e| e.to_string())?;
    let slot = PlanSlot::default();
    let agent = Box::new(RemoteAgent::new(slot.clone()));
    let mut episode =
        EpisodeLoop::with_agent(job, &scenario, &config.sim, agent).map_err(|e| e.to_string())?;
    let mut recorder = EpisodeRecorder::new();
    // The Started event.
    match episode.next_event().map_err(|e| e.to_string())? {
        Some(event @ EpisodeEvent::Started { .. }) => recorder.on_event(event),
        other => return Err(format!("expected the Started event, got {other:?}")),
    }
    Ok(Running {
        job: job.clone(),
        episode,
        recorder,
        slot,
        started: Instant::now(),
        last_action: LastAction::default(),
        step_info: None,
        finished: false,
    })
}

/// One decision step with the plan already in the slot.
fn step_once(run: &mut Running) -> Result<(), String> {
    match run.episode.next_event() {
        Ok(Some(event @ EpisodeEvent::Step(_))) => {
            run.recorder.on_event(event);
            Ok(())
        }
        Ok(other) => Err(format!("expected a decision step, got {other:?}")),
        Err(EpisodeError::Agent { message, .. }) => Err(format!("agent: {message}")),
        Err(e) => Err(e.to_string()),
    }
}
