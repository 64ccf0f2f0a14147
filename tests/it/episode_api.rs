//! The public episode API on hand-worked scenes: exact reference states at logged tick k
//! (teacher forcing), rollouts on forks that leave the original World untouched, decide's
//! contract, and per-principle rewards measured on a real World.
//!
//! `testkit::straight_road`: the logged ego drives y = 0 at 8 m/s from x = 10 (rear axle); a
//! logged car drives y = 3.5 at 10 m/s from x = 40; a logged van appears at 2 s at x = 70 and
//! drives at 9 m/s. So at tick k (t = k / 4 s) the ego is at x = 10 + 2k, the car at 40 + 2.5k.
#![allow(clippy::unwrap_used)] // test file: a failed unwrap is a failed test

use mpa_sim::agent::registry;
use mpa_sim::episode::{decide, rollout, score_step};
use mpa_sim::world::testkit::straight_road;
use mpa_sim::world::{SimConfig, World, WorldError};

const SEED: u64 = 7;

#[test]
fn reference_state_at_tick_k_is_the_log_at_k_over_4_seconds() {
    let config = SimConfig::default();
    let scenario = straight_road();
    for k in [0_u64, 1, 8, 13] {
        let w = World::at_log_tick(&scenario, SEED, &config, k).unwrap();
        let t = k as f64 * 0.25;
        assert_eq!(w.step_index(), k);
        assert!((w.time_secs() - t).abs() < 1e-12);
        let ego = w.ego();
        assert!(
            (ego.pose.xy.x - (10.0 + 8.0 * t)).abs() < 1e-9,
            "k {k}: {ego:?}"
        );
        assert!(ego.pose.xy.y.abs() < 1e-9 && ego.pose.yaw.abs() < 1e-12);
        assert!(
            (ego.speed_mps - 8.0).abs() < 1e-9,
            "k {k}: {}",
            ego.speed_mps
        );
        let car = w.actors().iter().find(|a| &*a.id == "logged-car").unwrap();
        assert!((car.pose.xy.x - (40.0 + 10.0 * t)).abs() < 1e-9);
        assert!((car.pose.xy.y - 3.5).abs() < 1e-9);
        let van = w.actors().iter().find(|a| &*a.id == "logged-van");
        assert_eq!(van.is_some(), t >= 2.0, "van present from 2 s (k {k})");
        if let Some(van) = van {
            assert!((van.pose.xy.x - (70.0 + 9.0 * (t - 2.0))).abs() < 1e-9);
        }
        // History: the last EGO_HISTORY_LEN ticks of the log, 2 m apart.
        let obs = w.observation();
        let xs: Vec<f64> = obs.ego_history.iter().map(|p| p.xy.x).collect();
        for pair in xs.windows(2) {
            assert!((pair[1] - pair[0] - 2.0).abs() < 1e-9, "history {xs:?}");
        }
    }
}

#[test]
fn stepping_on_the_log_k_times_equals_the_reference_state_field_by_field() {
    let config = SimConfig::default();
    let scenario = straight_road();
    let mut w = World::new(&scenario, SEED, &config).unwrap();
    for _ in 0..10 {
        w.step_on_log().unwrap();
    }
    let reference = World::at_log_tick(&scenario, SEED, &config, 10).unwrap();
    assert_eq!(w.state(), reference.state());
    // A tracked log follower (the replay agent through the controller) ends near it, not on it.
    let mut tracked = World::new(&scenario, SEED, &config).unwrap();
    let mut replay = registry::create("replay").unwrap();
    replay.reset(SEED);
    for _ in 0..10 {
        let d = decide(&tracked, replay.as_mut(), None).unwrap();
        tracked.step(&d.plan).unwrap();
    }
    let gap = tracked.ego().pose.xy.distance(reference.ego().pose.xy);
    assert!(gap < 0.5, "tracked follower {gap} m from the log");
}

#[test]
fn reference_past_the_log_end_is_an_error_naming_the_time() {
    let config = SimConfig::default();
    // The log is 20 s long: tick 81 would need the ego at 20.25 s.
    let err = World::at_log_tick(&straight_road(), SEED, &config, 81).unwrap_err();
    assert!(
        matches!(err, WorldError::LogEnded { .. } | WorldError::Terminated(_)),
        "{err}"
    );
}

#[test]
fn rollout_runs_on_a_fork_and_sums_the_rewards_of_its_steps() {
    let config = SimConfig::default();
    let world = World::at_log_tick(&straight_road(), SEED, &config, 8).unwrap();
    let before = world.state().clone();
    let mut expert = registry::create("expert").unwrap();
    expert.reset(SEED);
    let branch = rollout(&world, expert.as_mut(), 5, None).unwrap();
    assert_eq!(world.state(), &before, "the original World moved");
    assert_eq!(branch.states.len(), 5);
    assert_eq!(branch.outcomes.len(), 5);
    assert_eq!(branch.world.step_index(), 13);
    let progress = branch.world.route_progress_m() - world.route_progress_m();
    assert!((branch.total.progress_m - progress).abs() < 1e-9);
    // The expert keeps to its lane well under the speed limit: no penalties on this road.
    for o in &branch.outcomes {
        let r = o.rewards;
        assert_eq!((r.collision, r.off_road, r.far_from_route), (0.0, 0.0, 0.0));
        assert_eq!(r.speeding_mps, 0.0);
        assert!(
            r.route_distance_m <= 0.0 && r.route_distance_m > -0.5,
            "{r:?}"
        );
    }
    // Deterministic: the same fork and agent give the same branch.
    let mut again = registry::create("expert").unwrap();
    again.reset(SEED);
    let second = rollout(&world, again.as_mut(), 5, None).unwrap();
    assert_eq!(second.states, branch.states);
}

#[test]
fn one_step_on_the_log_earns_two_metres_of_progress_and_nothing_else() {
    // Score a plan that is the log itself (the replay agent's) and step once from tick 8:
    // 8 m/s x 0.25 s = 2 m of progress; the footprint centre stays on the route (y = 0).
    let config = SimConfig::default();
    let mut world = World::at_log_tick(&straight_road(), SEED, &config, 8).unwrap();
    let mut replay = registry::create("replay").unwrap();
    replay.reset(SEED);
    let d = decide(&world, replay.as_mut(), None).unwrap();
    let o = score_step(&mut world, &d.plan).unwrap();
    assert!((o.rewards.progress_m - 2.0).abs() < 0.05, "{:?}", o.rewards);
    assert!(o.rewards.route_distance_m.abs() < 0.05, "{:?}", o.rewards);
    assert_eq!(o.scores.nc, 1.0);
    assert_eq!(o.plan_global.len(), 7);
}

#[test]
fn decide_refuses_a_camera_agent_without_a_renderer() {
    let config = SimConfig::default();
    let world = World::new(&straight_road(), SEED, &config).unwrap();
    let mut base = registry::create("base").unwrap();
    let err = decide(&world, base.as_mut(), None).unwrap_err().to_string();
    assert!(err.contains("no renderer"), "{err}");
}

#[test]
fn base_exposes_its_scene_features_to_wrappers_and_forks_render_six_cameras() {
    use mpa_sim::render::{AdapterPreference, LocalViews};
    use mpa_sim::rollout::episode::{SceneSource, cached_scene};
    use mpa_sim::scene::scenario::ResolvedScenario;
    let scene = cached_scene(&SceneSource::default(), "scene-0001").unwrap();
    let scenario = ResolvedScenario::from_scene(scene);
    let world = World::at_log_tick(&scenario, SEED, &SimConfig::default(), 4).unwrap();
    let mut views = LocalViews::new(AdapterPreference::Auto).unwrap();
    let mut base = registry::create("base").unwrap();
    assert!(base.feature_source().unwrap().scene_features().is_empty());
    let d = decide(&world, base.as_mut(), Some(&mut views)).unwrap();
    assert_eq!(
        d.views.as_ref().unwrap().cameras.len(),
        3,
        "base reads three cameras"
    );
    let features = base.feature_source().unwrap();
    assert_eq!(features.scene_feature_dim(), 192);
    assert_eq!(features.scene_features().len(), 192);
    assert!(features.scene_features().iter().all(|v| v.is_finite()));
    assert!(
        registry::create("expert")
            .unwrap()
            .feature_source()
            .is_none()
    );
}

/// The expert, also reporting two scored alternatives (its own plan and a slower copy).
struct Proposing(Box<dyn mpa_sim::agent::Agent>);

impl mpa_sim::agent::Agent for Proposing {
    fn name(&self) -> &str {
        "proposing"
    }
    fn needs_privileged(&self) -> bool {
        true
    }
    fn plan(
        &mut self,
        obs: &mpa_sim::agent::Observation,
    ) -> Result<mpa_sim::agent::Plan, mpa_sim::agent::AgentError> {
        let mut plan = self.0.plan(obs)?;
        let slow: Vec<_> = plan.waypoints_ego_m.iter().map(|w| *w * 0.5).collect();
        for (label, trajectory, route) in [
            ("own", plan.waypoints_ego_m.clone(), 2.0),
            ("slow", slow, 1.0),
        ] {
            plan.candidates.push(mpa_sim::agent::Candidate {
                trajectory_ego_m: trajectory,
                principle_scores: [("route".to_string(), route), ("collision".to_string(), 0.0)]
                    .into_iter()
                    .collect(),
                combined: 10.0 * route,
                label: label.into(),
            });
        }
        Ok(plan)
    }
}

#[test]
fn recordings_keep_candidates_with_their_principle_scores_in_the_global_frame() {
    use mpa_sim::rollout::episode::EpisodeLoop;
    use mpa_sim::rollout::{EpisodeEvent, JobListBuilder};
    let scenario = straight_road();
    let job = JobListBuilder::new()
        .split("test", vec!["straight-road".into()])
        .agent("proposing")
        .seeds(0, 1)
        .build()
        .unwrap()
        .remove(0);
    let agent = Box::new(Proposing(registry::create("expert").unwrap()));
    let mut episode =
        EpisodeLoop::with_agent(&job, &scenario, &SimConfig::default(), agent).unwrap();
    episode.next_event().unwrap(); // Started
    let Some(EpisodeEvent::Step(step)) = episode.next_event().unwrap() else {
        panic!("expected a step");
    };
    assert_eq!(step.candidates.len(), 2);
    let slow = &step.candidates[1];
    assert_eq!((slow.label.as_str(), slow.score), ("slow", 10.0));
    assert_eq!(slow.principle_scores["route"], 1.0);
    // Ego at x = 10, heading +x: ego-frame points are shifted by 10 m in x.
    let own = &step.candidates[0];
    for (p, q) in own.points.iter().zip(&step.plan_global[1..]) {
        assert!((p[0] - q[0]).abs() < 1e-9 && (p[1] - q[1]).abs() < 1e-9);
    }
    let json = serde_json::to_string(&*step).unwrap();
    assert!(
        json.contains("\"principle_scores\":{\"collision\":0.0,\"route\":1.0}"),
        "{json}"
    );
}
