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
//! - Responses to `execute` are remembered by transaction id (`tx_cache`, bounded by count and
//!   bytes): a client retry with the same id gets the same reply and nothing is stepped again.
//!   Once a step has run, whatever happens after it (saving, starting the next scene) ends in
//!   a reply, an error reply included, that is recorded before it is returned.
//! - An episode that fails inside the simulator gets an `errors.jsonl` row and the sequence
//!   moves on to the next scene.
//! - A finished episode is kept in memory until its recording and row are on disk. When
//!   writing fails (a full disk, an unwritable `episodes/`), the step answers 500 naming the
//!   I/O error, `errors.jsonl` gets a row saying so, the sequence moves on, and the write is
//!   tried again at the next episode end, `reset`, `execute` after the last scene, and server
//!   shutdown (`save_pending`). `reset` counts kept episodes as finished.
//!
//! The pickled `{"obs", "info"}` of the current state is built once per step (rendering is the
//! expensive part) and spliced into every response until the next step.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use super::agent::{PlanSlot, RemoteAgent};
use super::frames::{PlanError, lidar_plan_to_ego};
use super::pickle::{Value, to_fragment, to_pickle};
use super::state::{LastAction, StateError, StepInfo, state_value};
use super::tx_cache::TxCache;
use super::views::ViewSource;
use crate::agent::Plan;
use crate::metrics::route_completion;
use crate::rollout::episode::{EpisodeError, EpisodeLoop, SceneSource, resolve_job};
use crate::rollout::jsonl::{JsonlAppender, read_rows};
use crate::rollout::runner::{ERRORS_FILE, RESULTS_FILE};
use crate::rollout::{
    BatchOptions, BatchPlan, EpisodeEvent, EpisodeJob, EpisodeRecorder, EpisodeRow, RolloutError,
};
use crate::world::{SimConfig, TerminalReason};

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
    #[error("{0}")]
    Unsaved(String),
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

#[path = "session_saving.rs"]
mod saving;
use saving::Unsaved;

/// `(done, cur_scene_done)` of a response.
type Flags = (bool, bool);

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
    /// The pickled response for `(done, cur_scene_done)` with the current fragment, shared by
    /// `/get_current_state` and the step reply.
    state_memo: Option<(Flags, Arc<[u8]>)>,
    tx_cache: TxCache,
    unsaved: Vec<Unsaved>,
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
            state_memo: None,
            tx_cache: TxCache::default(),
            unsaved: Vec::new(),
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

    /// Finished episodes kept in memory because writing them failed.
    pub fn unsaved_episodes(&self) -> usize {
        self.unsaved.len()
    }

    /// Restart the sequence at the first job not yet in `results.jsonl` (or kept in memory,
    /// unsaved).
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
        // A failure is in the notes and errors.jsonl; the episodes stay in memory.
        let _ = self.save_unsaved();
        let mut finished: BTreeSet<String> =
            read_rows::<EpisodeRow>(&self.config.out_dir.join(RESULTS_FILE))?
                .rows
                .into_iter()
                .map(|r| r.key)
                .collect();
        finished.extend(self.unsaved.iter().map(|u| u.key.clone()));
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
        self.start_next();
        self.refresh_state()
    }

    /// The pickled `{"done", "cur_scene_done", "state"}` for `/get_current_state`.
    pub fn current_state(&self) -> Vec<u8> {
        self.current_state_shared().to_vec()
    }

    /// `current_state`, shared: no copy of the images while the state is unchanged.
    pub fn current_state_shared(&self) -> Arc<[u8]> {
        self.response(self.done, self.scene_done)
    }

    /// `/execute_action` with a transaction id: a remembered reply, or one decision step whose
    /// reply is remembered. `Err` only for a request rejected before anything changed (a bad
    /// plan): that is not remembered, so the same id may be sent again with a good plan.
    pub fn execute(
        &mut self,
        transaction_id: &str,
        points_lidar_m: &[[f64; 2]],
    ) -> Result<ExecuteReply, SessionError> {
        if let Some(reply) = self.tx_cache.get(transaction_id) {
            return Ok(reply.clone());
        }
        let reply = match self.current.as_ref().filter(|_| !self.done) {
            None => {
                // Nothing left to step: a chance to save what could not be saved.
                let _ = self.save_unsaved();
                ExecuteReply::Pickle(self.response(true, true))
            }
            Some(run) => {
                // Everything that can reject the request happens before the episode is
                // touched.
                let rig = &run.episode.world().scene().rig;
                let plan =
                    lidar_plan_to_ego(points_lidar_m, &rig.ego_from_lidar, &self.config.sim.time)?;
                self.step(plan)
            }
        };
        self.tx_cache.insert(transaction_id, reply.clone());
        Ok(reply)
    }

    /// The stored reply of a transaction id, if any.
    pub fn cached(&self, transaction_id: &str) -> Option<&ExecuteReply> {
        self.tx_cache.get(transaction_id)
    }

    /// Write the finished episodes kept in memory (at shutdown); `Err` names what is still
    /// unsaved and why.
    pub fn save_pending(&mut self) -> Result<(), SessionError> {
        self.save_unsaved().map_err(SessionError::Unsaved)
    }

    /// One decision step of the running episode with a checked plan. Every outcome is a reply
    /// (failures after the step are 500s naming the cause), so it can be recorded.
    fn step(&mut self, plan: Plan) -> ExecuteReply {
        let Some(run) = self.current.as_mut() else {
            return failed("no scene is running".into());
        };
        let steer_before = run.episode.world().ego().steer_rad;
        run.slot.put(plan);
        if let Err(message) = step_once(run) {
            run.finished = true;
            let (job, wall_time_secs) = (run.job.clone(), run.started.elapsed().as_secs_f64());
            let key = job.key();
            let mut problems = vec![format!("episode {key} failed: {message}")];
            self.notes.push(format!("{key}: failed: {message}"));
            if let Err(e) = self.append_error(job, message, wall_time_secs) {
                problems.push(e);
            }
            if let Err(e) = self.advance() {
                problems.push(format!("starting the next scene: {e}"));
            }
            return failed(format!("{}; moved to the next scene", problems.join("; ")));
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
            return match self.refresh_state() {
                Ok(()) => ExecuteReply::Pickle(self.response(false, false)),
                Err(e) => failed(format!("the step ran, but its state: {e}")),
            };
        }
        let mut problems = Vec::new();
        if let Err(e) = self.finish_current() {
            problems.push(e);
        }
        if let Err(e) = self.save_unsaved() {
            problems.push(e);
        }
        if let Err(e) = self.advance() {
            problems.push(format!("starting the next scene: {e}"));
        }
        if problems.is_empty() {
            ExecuteReply::Pickle(self.response(self.done, true))
        } else {
            failed(format!(
                "{}; {}",
                problems.join("; "),
                if self.done {
                    "all scenes are done"
                } else {
                    "moved to the next scene"
                }
            ))
        }
    }

    /// Drain the Finished event of the current (terminal) episode and keep its row and
    /// recording in memory for `save_unsaved`.
    fn finish_current(&mut self) -> Result<(), String> {
        let Some(run) = self.current.as_mut() else {
            return Ok(());
        };
        run.finished = true;
        let key = run.job.key();
        let mut drained = Ok(());
        loop {
            match run.episode.next_event() {
                Ok(Some(event)) => run.recorder.on_event(event),
                Ok(None) => break,
                Err(e) => {
                    drained = Err(e.to_string());
                    break;
                }
            }
        }
        let recorder = std::mem::take(&mut run.recorder);
        let finished = drained.and_then(|()| {
            recorder
                .finish()
                .ok_or_else(|| "ended without a Finished event".to_string())
        });
        let (job, wall_time_secs) = (run.job.clone(), run.started.elapsed().as_secs_f64());
        match finished {
            Ok((mut row, recording)) => {
                row.wall_time_secs = wall_time_secs;
                self.unsaved.push(Unsaved {
                    key,
                    row,
                    recording,
                    recording_written: false,
                    error_logged: false,
                });
                Ok(())
            }
            Err(message) => {
                let mut problem = format!("episode {key} could not be finished: {message}");
                self.notes.push(problem.clone());
                if let Err(e) = self.append_error(job, message, wall_time_secs) {
                    problem = format!("{problem}; {e}");
                }
                Err(problem)
            }
        }
    }

    /// Start the next scene (the state shows it), or mark the sequence done (the state keeps
    /// showing the last scene).
    fn advance(&mut self) -> Result<(), SessionError> {
        self.start_next();
        if self.done {
            self.scene_done = true;
        }
        self.refresh_state()
    }

    /// Start the next job that starts (those that cannot get an `errors.jsonl` row), or
    /// mark the sequence done.
    fn start_next(&mut self) {
        while let Some(job) = self.queue.get(self.next_job).cloned() {
            self.next_job += 1;
            match start_episode(&job, &self.config) {
                Ok(run) => {
                    self.current = Some(run);
                    return;
                }
                Err(message) => {
                    let note = format!("{}: could not start: {message}", job.key());
                    self.notes.push(note);
                    if let Err(e) = self.append_error(job, message, 0.0) {
                        self.notes.push(e);
                    }
                }
            }
        }
        self.done = true;
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
        self.state_memo = None;
        let flags = (self.done, self.scene_done);
        self.state_memo = Some((flags, self.response(flags.0, flags.1)));
        Ok(())
    }

    fn response(&self, done: bool, cur_scene_done: bool) -> Arc<[u8]> {
        match &self.state_memo {
            Some((flags, bytes)) if *flags == (done, cur_scene_done) => bytes.clone(),
            _ => to_pickle(&Value::dict([
                ("done", Value::Bool(done)),
                ("cur_scene_done", Value::Bool(cur_scene_done)),
                ("state", Value::Fragment(self.state_fragment.clone())),
            ]))
            .into(),
        }
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

/// A 500 reply after the step ran.
fn failed(message: String) -> ExecuteReply {
    ExecuteReply::Failed {
        status: 500,
        message,
    }
}
