//! `mpa-sim mpa gen`: counterfactual data (`shared/MPA.md` section 1) from reference states of
//! training scenes.
//!
//! Per scene, the World follows the ego log (`World::step_on_log`, teacher forcing); every
//! `every`-th decision tick is a reference state. There:
//!
//! 1. the six views are rendered at the frozen encoder's size and encoded (stored per reference);
//! 2. the base agent plans (from its own cameras, a subset of the six);
//! 3. `behaviours` perturbations of that plan (the plan itself first) each start a fork; every
//!    fork runs `horizon` decision ticks (`episode::score_step`), the base agent re-planning from
//!    the fork's own rendered views at each later tick (all live forks in one batched render)
//!    with the branch's perturbation applied again;
//! 4. per-principle rewards are recorded per step; a branch that ends early in a collision or off
//!    the road repeats that penalty for its remaining steps (absorbing);
//! 5. branches that strayed (the World ended them off the route) or whose combined return
//!    (`QConfig::combine` of the Q targets, the paper's weights) is below `floor` are dropped and
//!    counted; of the rest the best by combined return is marked (`best`: the adapter's
//!    target; a one-step beam, see the closing note of issue 15).
//!
//! Everything is seeded per (seed, scene, tick): a scene's shard is the same bytes whatever the
//! worker count, shard split or resume point.

use std::sync::Arc;

use glam::DVec2;
use serde::{Deserialize, Serialize};

use super::MpaError;
use super::store::{REWARD_TERMS, RefRecord, SampleRecord, SceneData};
use crate::agent::mpa::behaviours::{Behaviour, Ranges, behaviours};
use crate::agent::mpa::features::{FrozenEncoder, history_features};
use crate::agent::mpa::q::{QConfig, combine, targets};
use crate::agent::{Agent, Observation, Plan, ViewRequest, Views};
use crate::episode::frames::frame_of;
use crate::episode::score_step;
use crate::render::LocalViews;
use crate::scene::scenario::ResolvedScenario;
use crate::world::{PrincipleRewards, SimConfig, TerminalReason, World};

/// Everything that shapes the data (the manifest stores it; resuming or merging with a
/// different one is refused). Scene lists and shards are not part of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenConfig {
    pub dataroot: String,
    pub version: String,
    pub split: String,
    /// The agent whose plans are perturbed.
    pub base: String,
    /// SHA-256 of the frozen encoder's weights (`features::weights_sha256`).
    pub encoder_sha256: String,
    pub feature_dim: usize,
    pub view_width_px: u32,
    pub view_height_px: u32,
    pub behaviours: usize,
    pub horizon: usize,
    pub every: usize,
    pub ranges: Ranges,
    pub noise_std_m: f64,
    /// Branches whose combined return is below this are dropped.
    pub floor: f64,
    /// Weights of the combined return (route, distance, collision, speed).
    pub weights: [f64; 4],
    pub seed: u64,
    pub sim: SimConfig,
}

/// Default branch floor of `mpa gen` (combined return; see the module docs).
pub const DEFAULT_FLOOR: f64 = -2000.0;

impl GenConfig {
    /// The paper's settings (21 behaviours x 5 steps, appendix ranges, noise 0.05 m, weights
    /// 1000/50/100/50), a reference state every 4 ticks, seed 0, for data of `split` in
    /// `source`, perturbing `base`'s plans, with `encoder` frozen.
    pub fn new(
        source: &crate::rollout::episode::SceneSource,
        split: &str,
        base: &str,
        encoder: &FrozenEncoder,
    ) -> GenConfig {
        let request = encoder.view_request();
        GenConfig {
            dataroot: source.dataroot.display().to_string(),
            version: source.version.clone(),
            split: split.to_string(),
            base: base.to_string(),
            encoder_sha256: encoder.weights_sha256.clone(),
            feature_dim: encoder.feature_dim(),
            view_width_px: request.width_px,
            view_height_px: request.height_px,
            behaviours: 21,
            horizon: 5,
            every: 4,
            ranges: Ranges::default(),
            noise_std_m: crate::agent::mpa::behaviours::DEFAULT_NOISE_STD_M,
            floor: DEFAULT_FLOOR,
            weights: QConfig::paper(1, 1, String::new()).weights,
            seed: 0,
            sim: SimConfig::default(),
        }
    }

    pub fn sha256(&self) -> String {
        super::store::sha256(serde_json::to_string(self).unwrap_or_default().as_bytes())
    }

    fn combined(&self, steps: &[PrincipleRewards]) -> f64 {
        combine(&self.weights, &targets(steps))
    }
}

/// Counts of one scene's generation besides the kept data.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SceneCounts {
    pub dropped_strayed: usize,
    pub dropped_floor: usize,
}

/// Seed of the behaviours at a reference state (tick `tick` of `scene`).
pub fn behaviour_seed(seed: u64, scene: &str, tick: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in scene.bytes().chain(tick.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The observation `agent` gets in `world` (`episode::observation_for`), with `views` (already
/// rendered) when it reads any.
fn observation_for(world: &World, agent: &dyn Agent, views: Option<Arc<Views>>) -> Observation {
    let mut obs = crate::episode::observation_for(world, agent);
    obs.views = views;
    obs
}

/// One branch being rolled out.
struct Branch {
    world: World,
    behaviour: Behaviour,
    rewards: Vec<PrincipleRewards>,
    action: Vec<DVec2>,
    collided: bool,
}

fn perturbed_step(branch: &mut Branch, plan: &[DVec2], first: bool) -> Result<(), MpaError> {
    let waypoints = branch.behaviour.apply(plan);
    if first {
        branch.action = waypoints.clone();
    }
    let outcome = score_step(
        &mut branch.world,
        &Plan {
            waypoints_ego_m: waypoints,
            candidates: Vec::new(),
        },
    )
    .map_err(|e| MpaError::Episode(e.to_string()))?;
    branch.collided |= outcome.rewards.collision < 0.0;
    branch.rewards.push(outcome.rewards);
    Ok(())
}

/// The renders and networks a generation worker owns.
pub struct Worker<'a> {
    pub views: &'a mut LocalViews,
    pub agent: &'a mut dyn Agent,
    pub encoder: &'a FrozenEncoder,
}

/// Generate one scene's data.
pub fn generate_scene(
    config: &GenConfig,
    scenario: &ResolvedScenario,
    w: &mut Worker<'_>,
) -> Result<(SceneData, SceneCounts), MpaError> {
    let scene_name = scenario.scene.name.clone();
    let sim = &config.sim;
    let dt = sim.time.decision_dt_secs;
    let six: ViewRequest = w.encoder.view_request();
    let agent_request = w.agent.view_request();
    let mut world = World::new(scenario, config.seed, sim)
        .map_err(|e| MpaError::Episode(format!("{scene_name}: {e}")))?;
    let last_tick =
        ((world.duration_secs() / dt).floor() as u64).saturating_sub(config.horizon as u64);
    w.agent.reset(config.seed);
    let mut data = SceneData::default();
    let mut counts = SceneCounts::default();
    let every = config.every.max(1) as u64;
    let mut tick = 0u64;
    while tick <= last_tick && world.terminal().is_none() {
        if tick.is_multiple_of(every) {
            reference_state(
                config,
                &world,
                tick,
                &scene_name,
                &six,
                &agent_request,
                w,
                &mut data,
                &mut counts,
            )?;
        }
        if world.step_on_log().is_err() {
            break;
        }
        tick += 1;
    }
    Ok((data, counts))
}

#[allow(clippy::too_many_arguments)]
fn reference_state(
    config: &GenConfig,
    world: &World,
    tick: u64,
    scene_name: &str,
    six: &ViewRequest,
    agent_request: &Option<ViewRequest>,
    w: &mut Worker<'_>,
    data: &mut SceneData,
    counts: &mut SceneCounts,
) -> Result<(), MpaError> {
    let render =
        |e: crate::render::RenderError| MpaError::Render(format!("{scene_name} tick {tick}: {e}"));
    let agent_err =
        |e: crate::agent::AgentError| MpaError::Episode(format!("{scene_name} tick {tick}: {e}"));
    let six_views = w
        .views
        .render_frame(&frame_of(world, six))
        .map_err(render)?;
    let features = w
        .encoder
        .encode(&[&six_views])
        .map_err(MpaError::Episode)?
        .pop()
        .unwrap_or_default();
    let agent_views = match agent_request {
        Some(r) => Some(Arc::new(six_views.select(r).map_err(render)?)),
        None => None,
    };
    let obs = observation_for(world, w.agent, agent_views);
    let history = history_features(&obs, config.sim.time.decision_dt_secs);
    let base_plan = w.agent.plan(&obs).map_err(agent_err)?.waypoints_ego_m;
    let set = behaviours(
        config.behaviours,
        base_plan.len(),
        config.ranges,
        config.noise_std_m,
        behaviour_seed(config.seed, scene_name, tick),
    );
    let mut branches: Vec<Branch> = set
        .into_iter()
        .map(|behaviour| Branch {
            world: world.clone(),
            behaviour,
            rewards: Vec::with_capacity(config.horizon),
            action: Vec::new(),
            collided: false,
        })
        .collect();
    for b in &mut branches {
        perturbed_step(b, &base_plan, true)?;
    }
    for _ in 1..config.horizon {
        let live: Vec<usize> = (0..branches.len())
            .filter(|&i| branches[i].world.terminal().is_none())
            .collect();
        if live.is_empty() {
            break;
        }
        let rendered: Vec<Option<Arc<Views>>> = match agent_request {
            Some(r) => {
                let frames: Vec<_> = live
                    .iter()
                    .map(|&i| frame_of(&branches[i].world, r))
                    .collect();
                w.views
                    .render_frames(&frames)
                    .map_err(render)?
                    .into_iter()
                    .map(|v| Some(Arc::new(v)))
                    .collect()
            }
            None => vec![None; live.len()],
        };
        for (&i, views) in live.iter().zip(rendered) {
            let obs = observation_for(&branches[i].world, w.agent, views);
            let plan = w.agent.plan(&obs).map_err(agent_err)?.waypoints_ego_m;
            perturbed_step(&mut branches[i], &plan, false)?;
        }
    }
    // Absorbing fill, drop rules, beam choice.
    let reference = data.refs.len() as i32;
    let mut kept: Vec<(SampleRecord, f64)> = Vec::new();
    for (index, b) in branches.iter_mut().enumerate() {
        let steps = b.rewards.len();
        let terminal = b.world.terminal();
        if matches!(terminal, Some(TerminalReason::OffRoute { .. })) {
            counts.dropped_strayed += 1;
            continue;
        }
        let fill = match terminal {
            Some(TerminalReason::Collision { .. }) => PrincipleRewards {
                collision: -1.0,
                ..Default::default()
            },
            Some(TerminalReason::OffRoad) => PrincipleRewards {
                off_road: -1.0,
                ..Default::default()
            },
            _ => PrincipleRewards::default(),
        };
        b.rewards.resize(config.horizon, fill);
        let combined = config.combined(&b.rewards);
        if combined < config.floor {
            counts.dropped_floor += 1;
            continue;
        }
        let rewards = b
            .rewards
            .iter()
            .map(|r| {
                let named = r.named();
                std::array::from_fn::<f32, REWARD_TERMS, _>(|k| named[k].1 as f32)
            })
            .collect();
        kept.push((
            SampleRecord {
                reference,
                behaviour: index as i32,
                mode: b.behaviour.mode,
                rotation_rad: b.behaviour.rotation_rad as f32,
                warp: b.behaviour.warp as f32,
                action: b.action.iter().map(|p| [p.x as f32, p.y as f32]).collect(),
                rewards,
                steps: steps as i32,
                collision: b.collided,
                best: false,
            },
            combined,
        ));
    }
    if let Some(best) = (0..kept.len()).reduce(|a, b| if kept[b].1 > kept[a].1 { b } else { a }) {
        kept[best].0.best = true;
    }
    data.refs.push(RefRecord {
        tick: tick as i32,
        features,
        history,
        base_plan: base_plan.iter().map(|p| [p.x as f32, p.y as f32]).collect(),
    });
    data.samples.extend(kept.into_iter().map(|(s, _)| s));
    Ok(())
}
