//! The one episode loop, shared by the batch runner and the viewer: build a World from a job
//! (scene or scenario file, seed), let an agent plan every decision tick, score each plan
//! (HUGSIM HD-Score terms, METRICS.md), step the World, and emit `EpisodeEvent`s
//! (`Started`, one `Step` per decision, `Finished`). The batch runner feeds the events to an
//! `EpisodeRecorder`; the viewer draws them as they come.
//!
//! Per step, the plan is scored against the actors' predicted boxes at the plan times
//! (`World::predict_actor_boxes`: the log for replayed actors, constant velocity for reactive
//! ones) and the map's drivable area. At the end: RC from the furthest route progress, the
//! HD-Score, episode figures and, for safety-critical scenarios, the NeuroNCAP score, whose
//! reference impact speed comes from a second run of the same scenario and seed with the
//! `replay` agent (the ego keeping to its log without reacting).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use glam::DVec2;

use super::job::EpisodeJob;
use super::recording::{
    ActorRecord, CandidateRecord, EgoRecord, EpisodeEvent, EpisodeRecorder, EpisodeRecording,
    RecordedStep,
};
use super::row::EpisodeRow;
use crate::agent::{self, Agent, Plan};
use crate::episode::{decide, score_step};
use crate::geometry::Pose2;
use crate::metrics::{HdScoreAccumulator, neuroncap_score, route_completion};
use crate::render::{ViewProvider, ViewRequest, Views};
use crate::scene::scenario::{ResolvedScenario, load_spec, resolve};
use crate::scene::{Scene, registry};
use crate::world::{SimConfig, TerminalReason, World};

pub use crate::episode::EpisodeError;

/// Where scenes come from: a nuScenes data root and version folder.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SceneSource {
    pub dataroot: std::path::PathBuf,
    pub version: String,
}

impl Default for SceneSource {
    /// The shipped mini set.
    fn default() -> Self {
        SceneSource {
            dataroot: registry::shipped_dataroot(),
            version: registry::SHIPPED_VERSION.to_string(),
        }
    }
}

/// Load a scene once per process (a bounded LRU cache shared by every episode; see
/// `scene_cache`, which also keeps the loader's warnings).
pub fn cached_scene(source: &SceneSource, name: &str) -> Result<Arc<Scene>, EpisodeError> {
    crate::episode::scene_cache::cached_scene_with_warnings(source, name).map(|c| c.scene)
}

/// The resolved scenario of a job: its scenario file resolved with the job's seed, or the
/// nominal scenario of its scene.
pub fn resolve_job(
    job: &EpisodeJob,
    source: &SceneSource,
) -> Result<ResolvedScenario, EpisodeError> {
    match &job.scenario_file {
        Some(file) => resolve_file(file, job.seed, source),
        None => Ok(ResolvedScenario::from_scene(cached_scene(
            source, &job.scene,
        )?)),
    }
}

fn resolve_file(
    file: &Path,
    seed: u64,
    source: &SceneSource,
) -> Result<ResolvedScenario, EpisodeError> {
    let bad = |message: String| EpisodeError::Scenario {
        file: file.display().to_string(),
        message,
    };
    let spec = load_spec(file).map_err(|e| bad(e.to_string()))?;
    let scene = cached_scene(source, &spec.scene)?;
    resolve(&spec, scene, seed).map_err(|e| bad(e.to_string()))
}

/// One episode in progress: the World, the agent and the running scores. Call
/// `next_event` until it returns `None`.
pub struct EpisodeLoop {
    job: EpisodeJob,
    world: World,
    agent: Box<dyn Agent>,
    config: SimConfig,
    hd: HdScoreAccumulator,
    started: bool,
    finished: bool,
    last_plan: Option<Plan>,
    distance_m: f64,
    /// Relative speed at impact (ego minus actor velocity), when the episode ended in one.
    impact_speed_mps: Option<f64>,
    /// Safety-critical scenarios: the replay agent's impact speed on the same scenario and seed.
    reference_impact_speed_mps: Option<f64>,
    /// Renders camera views for agents that ask for them (`Agent::view_request`).
    view_provider: Option<Box<dyn ViewProvider>>,
    view_request: Option<ViewRequest>,
    last_views: Option<Arc<Views>>,
}

impl EpisodeLoop {
    pub fn new(
        job: &EpisodeJob,
        scenario: &ResolvedScenario,
        config: &SimConfig,
    ) -> Result<EpisodeLoop, EpisodeError> {
        let agent = agent::registry::create(&job.agent).map_err(|e| EpisodeError::Agent {
            agent: job.agent.clone(),
            message: e.to_string(),
        })?;
        EpisodeLoop::with_agent(job, scenario, config, agent)
    }

    /// The same, with an agent made by the caller (remote agents, MPA wrappers, tests).
    pub fn with_agent(
        job: &EpisodeJob,
        scenario: &ResolvedScenario,
        config: &SimConfig,
        mut agent: Box<dyn Agent>,
    ) -> Result<EpisodeLoop, EpisodeError> {
        let world = World::new(scenario, job.seed, config)
            .map_err(|e| EpisodeError::World(e.to_string()))?;
        agent.reset(job.seed);
        let reference_impact_speed_mps = if job.scenario_file.is_some() {
            Some(reference_impact_speed(job, scenario, config)?)
        } else {
            None
        };
        let view_request = agent.view_request();
        Ok(EpisodeLoop {
            job: job.clone(),
            world,
            agent,
            config: *config,
            hd: HdScoreAccumulator::new(),
            started: false,
            finished: false,
            last_plan: None,
            distance_m: 0.0,
            impact_speed_mps: None,
            reference_impact_speed_mps,
            view_request,
            view_provider: None,
            last_views: None,
        })
    }

    /// Where camera views come from; needed when the agent asks for views.
    pub fn set_view_provider(&mut self, provider: Box<dyn ViewProvider>) {
        self.view_provider = Some(provider);
    }

    /// Builder form of `set_view_provider`.
    pub fn with_view_provider(mut self, provider: Option<Box<dyn ViewProvider>>) -> Self {
        self.view_provider = provider;
        self
    }

    /// Whether the agent reads camera views (then a view provider is needed).
    pub fn wants_views(&self) -> bool {
        self.view_request.is_some()
    }

    /// The views rendered for the agent's last decision (shared, not copied).
    pub fn last_views(&self) -> Option<&Arc<Views>> {
        self.last_views.as_ref()
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn last_plan(&self) -> Option<&Plan> {
        self.last_plan.as_ref()
    }

    /// The next event, or `None` after `Finished`.
    pub fn next_event(&mut self) -> Result<Option<EpisodeEvent>, EpisodeError> {
        if !self.started {
            self.started = true;
            return Ok(Some(EpisodeEvent::Started {
                job: self.job.clone(),
                decision_dt_secs: self.config.time.decision_dt_secs,
                config: serde_json::to_value(self.config)
                    .map_err(|e| EpisodeError::Failed(e.to_string()))?,
            }));
        }
        if self.finished {
            return Ok(None);
        }
        if let Some(reason) = self.world.terminal() {
            self.finished = true;
            return Ok(Some(EpisodeEvent::Finished {
                terminal_reason: reason.as_str().to_string(),
                metrics: self.final_metrics(&reason),
            }));
        }
        self.decision_step()
            .map(|s| Some(EpisodeEvent::Step(Box::new(s))))
    }

    fn decision_step(&mut self) -> Result<RecordedStep, EpisodeError> {
        let decision = decide(
            &self.world,
            self.agent.as_mut(),
            self.view_provider.as_deref_mut(),
        )
        .map_err(|e| match e {
            // Name the agent by its spec, as the job does.
            EpisodeError::Agent { message, .. } => EpisodeError::Agent {
                agent: self.job.agent.clone(),
                message,
            },
            other => other,
        })?;
        if decision.views.is_some() {
            self.last_views = decision.views.clone();
        }
        let plan = decision.plan;
        let ego = *self.world.ego();
        let mut record = RecordedStep {
            step: self.world.step_index(),
            time_secs: self.world.time_secs(),
            ego: EgoRecord {
                x: ego.pose.xy.x,
                y: ego.pose.xy.y,
                yaw: ego.pose.yaw,
                speed_mps: ego.speed_mps,
                accel_mps2: ego.accel_mps2,
            },
            actors: self
                .world
                .actors()
                .iter()
                .map(|a| ActorRecord {
                    id: a.id.to_string(),
                    class: a.class.as_str().to_string(),
                    x: a.pose.xy.x,
                    y: a.pose.xy.y,
                    yaw: a.pose.yaw,
                    length_m: a.length_m,
                    width_m: a.width_m,
                    height_m: a.height_m,
                    z_m: Some(a.z_m),
                })
                .collect(),
            plan_global: Vec::new(),
            candidates: plan
                .candidates
                .iter()
                .map(|c| CandidateRecord {
                    label: c.label.clone(),
                    score: c.combined,
                    points: c
                        .trajectory_ego_m
                        .iter()
                        .map(|w| to_global(ego.pose, *w))
                        .collect(),
                    principle_scores: c.principle_scores.clone(),
                })
                .collect(),
            command: decision.observation.command.as_str().to_string(),
            scores: BTreeMap::new(),
            events: Vec::new(),
            rewards: None,
        };

        let before = ego.pose.xy;
        let outcome = score_step(&mut self.world, &plan)?;
        let scores = outcome.scores;
        self.hd.push(&scores);
        record.plan_global = outcome
            .plan_global
            .iter()
            .map(|p| [p.xy.x, p.xy.y])
            .collect();
        record.scores = BTreeMap::from([
            ("nc".to_string(), scores.nc),
            ("dac".to_string(), scores.dac),
            ("ttc".to_string(), scores.ttc),
            ("com".to_string(), scores.com),
            ("score".to_string(), scores.score),
        ]);
        record.rewards = Some(outcome.rewards);
        self.distance_m += self.world.ego().pose.xy.distance(before);
        for id in &outcome.events.triggered {
            record.events.push(format!("trigger:{id}"));
        }
        if let Some(reason) = &outcome.events.terminal {
            record.events.push(format!("terminal:{}", reason.as_str()));
            if let TerminalReason::Collision { actor_id } = reason {
                self.impact_speed_mps = Some(impact_speed(&self.world, actor_id));
            }
        }
        self.last_plan = Some(plan);
        Ok(record)
    }

    fn final_metrics(&self, reason: &TerminalReason) -> BTreeMap<String, f64> {
        let route_length_m = self.world.route().length_m();
        let progress_m = self.world.route_progress_m();
        let rc = route_completion(progress_m, route_length_m);
        let hd = self.hd.finish(rc);
        let time_secs = self.world.time_secs();
        let collided = matches!(reason, TerminalReason::Collision { .. });
        let mut m = BTreeMap::from([
            ("rc".to_string(), hd.rc),
            ("nc".to_string(), hd.nc),
            ("dac".to_string(), hd.dac),
            ("ttc".to_string(), hd.ttc),
            ("com".to_string(), hd.com),
            ("score_mean".to_string(), hd.score_mean),
            ("hd_score".to_string(), hd.hd_score),
            ("collided".to_string(), f64::from(u8::from(collided))),
            (
                "off_road".to_string(),
                f64::from(u8::from(matches!(reason, TerminalReason::OffRoad))),
            ),
            (
                "mean_speed_mps".to_string(),
                if time_secs > 0.0 {
                    self.distance_m / time_secs
                } else {
                    0.0
                },
            ),
            ("time_secs".to_string(), time_secs),
            ("route_progress_m".to_string(), progress_m),
            ("route_length_m".to_string(), route_length_m),
        ]);
        if collided {
            m.insert(
                "impact_speed_mps".to_string(),
                self.impact_speed_mps.unwrap_or(f64::NAN),
            );
        }
        if let Some(vr) = self.reference_impact_speed_mps {
            m.insert("reference_impact_speed_mps".to_string(), vr);
            let vi = self.impact_speed_mps.unwrap_or(0.0);
            m.insert("neuroncap".to_string(), neuroncap_score(collided, vi, vr));
        }
        m
    }
}

fn to_global(pose: Pose2, w: DVec2) -> [f64; 2] {
    let p = pose.transform_point(w);
    [p.x, p.y]
}

/// Norm of the ego-minus-actor velocity (NeuroNCAP's impact speed).
fn impact_speed(world: &World, actor_id: &str) -> f64 {
    let ego = world.ego();
    let v_ego = DVec2::from_angle(ego.pose.yaw) * ego.speed_mps;
    let v_actor = world
        .actors()
        .iter()
        .find(|a| &*a.id == actor_id)
        .map_or(DVec2::ZERO, |a| a.velocity_mps);
    (v_ego - v_actor).length()
}

/// NeuroNCAP's v_r: the impact speed had the ego kept to its log without reacting (the
/// `replay` agent on the same scenario and seed); 0 when that run does not collide.
fn reference_impact_speed(
    job: &EpisodeJob,
    scenario: &ResolvedScenario,
    config: &SimConfig,
) -> Result<f64, EpisodeError> {
    let world =
        World::new(scenario, job.seed, config).map_err(|e| EpisodeError::World(e.to_string()))?;
    let mut replay = agent::registry::create("replay").map_err(|e| EpisodeError::Agent {
        agent: "replay".into(),
        message: e.to_string(),
    })?;
    replay.reset(job.seed);
    // The whole episode: the World ends it at the latest at its timeout.
    let branch = crate::episode::rollout(&world, replay.as_mut(), usize::MAX, None)?;
    Ok(match branch.terminal {
        Some(TerminalReason::Collision { actor_id }) => impact_speed(&branch.world, &actor_id),
        _ => 0.0,
    })
}

/// Run one episode of `job` on the shipped data with the default simulation config.
pub fn run_episode(job: &EpisodeJob) -> Result<(EpisodeRow, EpisodeRecording), EpisodeError> {
    run_episode_with(job, &SceneSource::default(), &SimConfig::default())
}

/// Run one episode of `job`: resolve its scenario, run the loop, collect row and recording.
pub fn run_episode_with(
    job: &EpisodeJob,
    source: &SceneSource,
    config: &SimConfig,
) -> Result<(EpisodeRow, EpisodeRecording), EpisodeError> {
    run_episode_views(job, source, config, None)
}

/// The same, rendering camera views through `views` for agents that ask for them.
pub fn run_episode_views(
    job: &EpisodeJob,
    source: &SceneSource,
    config: &SimConfig,
    views: Option<Box<dyn ViewProvider>>,
) -> Result<(EpisodeRow, EpisodeRecording), EpisodeError> {
    let scenario = resolve_job(job, source)?;
    let mut episode = EpisodeLoop::new(job, &scenario, config)?.with_view_provider(views);
    let mut recorder = EpisodeRecorder::new();
    while let Some(event) = episode.next_event()? {
        recorder.on_event(event);
    }
    recorder
        .finish()
        .ok_or_else(|| EpisodeError::Failed("episode ended without a Finished event".into()))
}
