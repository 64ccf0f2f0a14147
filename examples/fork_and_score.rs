//! The episode API in one page (ARCHITECTURE.md, "Episode API"): fork the World at logged tick
//! k of a training scene, roll 21 behaviours of the base policy for 5 steps each with all six
//! cameras rendered every step, and print every branch's per-principle rewards.
//!
//! ```sh
//! cargo run --release --example fork_and_score -- [SCENE] [TICK]   # default scene-0001 8
//! ```
//!
//! Behaviours as MPA's counterfactual generation draws them (`shared/MPA.md` section 1): the
//! base plan, and the base plan rotated by -10..10 degrees and its length warped by 0.5..1.5 on
//! the first step (the base policy re-plans freely afterwards).

use anyhow::Context;
use glam::DVec2;
use mpa_sim::agent::{Agent, AgentError, Observation, Plan, registry};
use mpa_sim::episode::rollout;
use mpa_sim::render::{AdapterPreference, LocalViews, ViewRequest, Views};
use mpa_sim::rollout::episode::{SceneSource, cached_scene};
use mpa_sim::scene::scenario::ResolvedScenario;
use mpa_sim::world::{SimConfig, World};

const STEPS: usize = 5;

/// The base agent seeing all six cameras (one render per step serves it and any model that
/// reads the six), its first plan rotated and length-warped.
struct Perturbed {
    inner: Box<dyn Agent>,
    rotation_rad: f64,
    warp: f64,
    inner_request: ViewRequest,
    steps_taken: usize,
}

impl Agent for Perturbed {
    fn name(&self) -> &str {
        "perturbed-base"
    }

    fn reset(&mut self, seed: u64) {
        self.inner.reset(seed);
        self.steps_taken = 0;
    }

    fn view_request(&self) -> Option<ViewRequest> {
        // All six cameras (an empty channel list) at the base policy's size.
        Some(ViewRequest {
            channels: Vec::new(),
            ..self.inner_request.clone()
        })
    }

    fn plan(&mut self, obs: &Observation) -> Result<Plan, AgentError> {
        // The base policy gets its own cameras, in its order, out of the six.
        let six = obs.views.as_deref().ok_or_else(|| AgentError::Failed {
            agent: self.name().into(),
            message: "no views".into(),
        })?;
        let cameras = self
            .inner_request
            .channels
            .iter()
            .map(|c| six.camera(c).cloned())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| AgentError::Failed {
                agent: self.name().into(),
                message: "a base camera is missing from the six".into(),
            })?;
        let mut inner_obs = obs.clone();
        inner_obs.views = Some(std::sync::Arc::new(Views { cameras }));
        let mut plan = self.inner.plan(&inner_obs)?;
        if self.steps_taken == 0 {
            let rot = DVec2::from_angle(self.rotation_rad);
            for w in &mut plan.waypoints_ego_m {
                *w = rot.rotate(*w * self.warp);
            }
        }
        self.steps_taken += 1;
        Ok(plan)
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let scene_name = args.get(1).map_or("scene-0001", String::as_str);
    let tick: u64 = args.get(2).map_or(Ok(8), |s| s.parse()).context("TICK")?;

    let scene = cached_scene(&SceneSource::default(), scene_name)?;
    let scenario = ResolvedScenario::from_scene(scene);
    let config = SimConfig::default();
    let world = World::at_log_tick(&scenario, 0, &config, tick)?;
    let mut views = LocalViews::new(AdapterPreference::Auto)?;
    println!(
        "{scene_name} at tick {tick} ({:.2} s): ego at ({:.1}, {:.1}), {:.1} m/s; {STEPS} steps per branch",
        world.time_secs(),
        world.ego().pose.xy.x,
        world.ego().pose.xy.y,
        world.ego().speed_mps
    );

    let mut behaviours = vec![(0.0, 1.0)];
    for deg in [-10.0_f64, -5.0, 5.0, 10.0] {
        for warp in [0.5, 0.8, 1.2, 1.5] {
            behaviours.push((deg, warp));
        }
    }
    for warp in [0.5, 0.8, 1.2, 1.5] {
        behaviours.push((0.0, warp));
    }
    println!(
        "{:>7} {:>5} | {:>9} {:>9} {:>6} {:>6} {:>8} {:>5} | ended",
        "rot_deg", "warp", "progress", "distance", "coll", "road", "speeding", "far"
    );
    for (deg, warp) in behaviours {
        let inner = registry::create("base")?;
        let inner_request = inner.view_request().context("base reads cameras")?;
        let mut agent = Perturbed {
            inner,
            rotation_rad: deg.to_radians(),
            warp,
            inner_request,
            steps_taken: 0,
        };
        agent.reset(0);
        let branch = rollout(&world, &mut agent, STEPS, Some(&mut views))?;
        let r = branch.total;
        println!(
            "{deg:>7.1} {warp:>5.2} | {:>9.2} {:>9.2} {:>6.0} {:>6.0} {:>8.2} {:>5.0} | {}",
            r.progress_m,
            r.route_distance_m,
            r.collision,
            r.off_road,
            r.speeding_mps,
            r.far_from_route,
            branch.terminal.map_or("-", |t| t.as_str())
        );
    }
    Ok(())
}
