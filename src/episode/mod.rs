//! The public episode API: the three operations every front end and MPA are built from.
//!
//! ```text
//! decide(&world, agent, views)   -> Decision    observation (+ rendered views) -> agent's plan
//! score_step(&mut world, &plan)  -> StepOutcome HD-Score terms of the plan, then one World
//!                                               step, then the per-principle rewards
//! rollout(&world, agent, steps, views) -> Rollout   decide + score_step `steps` times on a
//!                                               fork (a clone); the given World is untouched
//! ```
//!
//! `rollout::episode::EpisodeLoop` (batch runs, the server, the viewer) is `decide` then
//! `score_step` per tick; the NeuroNCAP reference run is a `rollout` of the `replay` agent. MPA
//! forks a reference state (`World::at_log_tick`) and rolls perturbed plans with `rollout`.
//!
//! Worked example (`examples/fork_and_score.rs` runs it on a shipped scene):
//!
//! ```no_run
//! use mpa_sim::episode::{decide, rollout};
//! # fn main() -> anyhow::Result<()> {
//! # let scenario: mpa_sim::scene::scenario::ResolvedScenario = todo!();
//! let config = mpa_sim::world::SimConfig::default();
//! let world = mpa_sim::world::World::at_log_tick(&scenario, 0, &config, 8)?;
//! let mut agent = mpa_sim::agent::registry::create("expert")?;
//! let branch = rollout(&world, agent.as_mut(), 5, None)?;
//! println!("progress over 5 steps: {:.2} m", branch.total.progress_m);
//! # Ok(()) }
//! ```

mod error;
pub mod frames;
pub mod scene_cache;

use std::sync::Arc;
use std::time::Instant;

pub use error::EpisodeError;

use crate::agent::{Agent, Observation, Plan};
use crate::geometry::Pose2;
use crate::metrics::{EgoShape, StepInput, StepScores, hd_step_scores};
use crate::render::{ViewProvider, Views};
use crate::world::{PrincipleRewards, StepEvents, TerminalReason, World, WorldState};

/// One decision: what the agent saw and what it planned.
#[derive(Debug, Clone)]
pub struct Decision {
    /// The observation given to the agent (privileged part removed unless it asked for it),
    /// with the rendered views when it reads cameras.
    pub observation: Observation,
    pub views: Option<Arc<Views>>,
    pub plan: Plan,
    /// Wall time spent rendering views and planning (diagnostics; never recorded, so episodes
    /// stay bit-identical).
    pub render_secs: f64,
    pub plan_secs: f64,
}

/// The observation `agent` gets in `world`: the privileged part removed unless it asks for it
/// (views not filled in).
pub fn observation_for(world: &World, agent: &dyn Agent) -> Observation {
    let full = world.observation();
    if agent.needs_privileged() {
        full
    } else {
        full.without_privileged()
    }
}

/// Let `agent` decide in `world`. Views are rendered through `views` when the agent asks for
/// them (`Agent::view_request`); asking without a provider is an error.
pub fn decide(
    world: &World,
    agent: &mut dyn Agent,
    views: Option<&mut (dyn ViewProvider + '_)>,
) -> Result<Decision, EpisodeError> {
    let mut observation = observation_for(world, agent);
    let mut rendered = None;
    let mut render_secs = 0.0;
    if let Some(request) = agent.view_request() {
        let provider = views.ok_or_else(|| EpisodeError::Agent {
            agent: agent.name().to_string(),
            message: "the agent reads camera views but this run has no renderer".into(),
        })?;
        let started = Instant::now();
        let v = provider
            .views(&frames::frame_of(world, &request))
            .map_err(|e| EpisodeError::Render(e.to_string()))?;
        render_secs = started.elapsed().as_secs_f64();
        observation.views = Some(v.clone());
        rendered = Some(v);
    }
    let started = Instant::now();
    let plan = agent.plan(&observation).map_err(|e| EpisodeError::Agent {
        agent: agent.name().to_string(),
        message: e.to_string(),
    })?;
    Ok(Decision {
        observation,
        views: rendered,
        plan,
        render_secs,
        plan_secs: started.elapsed().as_secs_f64(),
    })
}

/// The views `request` asks for of every World in `worlds` (forks of one World, typically), in
/// one render submission where the provider can (`ViewProvider::views_batch`).
pub fn views_batch(
    provider: &mut dyn ViewProvider,
    worlds: &[&World],
    request: &crate::render::ViewRequest,
) -> Result<Vec<Arc<Views>>, EpisodeError> {
    let frames: Vec<_> = worlds
        .iter()
        .map(|w| frames::frame_of(w, request))
        .collect();
    provider
        .views_batch(&frames)
        .map_err(|e| EpisodeError::Render(e.to_string()))
}

/// What one executed plan earned.
#[derive(Debug, Clone, PartialEq)]
pub struct StepOutcome {
    /// The plan in the global frame as scored (current pose first, then the waypoints).
    pub plan_global: Vec<Pose2>,
    /// HUGSIM's per-step plan scores (NC, DAC, TTC, COM), computed before the step against the
    /// actors' predicted boxes (METRICS.md).
    pub scores: StepScores,
    /// Per-principle rewards of the step, measured after it (`world::rewards`).
    pub rewards: PrincipleRewards,
    pub events: StepEvents,
}

/// HUGSIM's per-step scores of `plan` in `world`, before executing it.
pub fn score_plan(world: &World, plan: &Plan) -> (Vec<Pose2>, StepScores) {
    let config = world.config();
    let plan_global = world.plan_to_global(plan);
    let dt = config.time.plan_dt_secs;
    let times: Vec<f64> = (0..plan_global.len()).map(|i| i as f64 * dt).collect();
    let actor_boxes = world.predict_actor_boxes(&times);
    let scores = hd_step_scores(&StepInput {
        plan_dt_secs: dt,
        ego_speed_mps: world.ego().speed_mps,
        ego: EgoShape::from_vehicle(&config.vehicle),
        plan: &plan_global,
        actor_boxes: &actor_boxes,
        drivable: &world.map().drivable_areas,
        dac_grid: Default::default(),
    });
    (plan_global, scores)
}

/// Score `plan`, execute it for one decision tick, and measure the step's rewards.
pub fn score_step(world: &mut World, plan: &Plan) -> Result<StepOutcome, EpisodeError> {
    let (plan_global, scores) = score_plan(world, plan);
    let progress_before_m = world.route_progress_m();
    let events = world
        .step(plan)
        .map_err(|e| EpisodeError::World(e.to_string()))?;
    Ok(StepOutcome {
        plan_global,
        scores,
        rewards: world.step_rewards(progress_before_m),
        events,
    })
}

/// A branch rolled out on a fork.
#[derive(Debug, Clone)]
pub struct Rollout {
    /// The World after each step (the fork's final World is the last one's owner).
    pub states: Vec<WorldState>,
    pub plans: Vec<Plan>,
    pub outcomes: Vec<StepOutcome>,
    /// Why the branch ended early, if it did.
    pub terminal: Option<TerminalReason>,
    /// Per-principle rewards summed over the steps.
    pub total: PrincipleRewards,
    /// The fork after the last step.
    pub world: World,
}

/// Roll `agent` forward up to `steps` decision ticks on a clone of `world` (stopping early when
/// the episode ends). The given World is untouched.
pub fn rollout(
    world: &World,
    agent: &mut dyn Agent,
    steps: usize,
    mut views: Option<&mut (dyn ViewProvider + '_)>,
) -> Result<Rollout, EpisodeError> {
    let mut fork = world.clone();
    // `steps` may be "until the end" (usize::MAX).
    let reserve = steps.min(64);
    let mut states = Vec::with_capacity(reserve);
    let mut plans = Vec::with_capacity(reserve);
    let mut outcomes = Vec::with_capacity(reserve);
    let mut total = PrincipleRewards::default();
    for _ in 0..steps {
        if fork.terminal().is_some() {
            break;
        }
        let decision = decide(&fork, agent, views.as_deref_mut())?;
        let outcome = score_step(&mut fork, &decision.plan)?;
        total = total.add(&outcome.rewards);
        states.push(fork.state().clone());
        plans.push(decision.plan);
        outcomes.push(outcome);
    }
    Ok(Rollout {
        states,
        plans,
        outcomes,
        terminal: fork.terminal(),
        total,
        world: fork,
    })
}
