//! Scenario files resolved by `scenario::resolve` drive the World end to end: the expert gets
//! through each NeuroNCAP family on the constructed straight road without a collision.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::common;

use mpa_sim::agent::expert::ExpertAgent;
use mpa_sim::scene::scenario::{parse_spec, resolve};
use mpa_sim::world::testkit;
use mpa_sim::world::{SimConfig, TerminalReason, World};
use std::sync::Arc;

const HEADER: &str = r#"
scene = "straight-road"
remove_all_actors = true
duration_secs = 20.0
[ego]
start_secs = 0.0
"#;

fn run(name: &str, family: &str, actor: &str, seed: u64) -> (World, Option<TerminalReason>) {
    let text = format!("name = \"{name}\"\nfamily = \"{family}\"\n{HEADER}\n[[actors]]\n{actor}");
    let spec = parse_spec(&text, name).unwrap();
    let scene = testkit::straight_road().scene;
    let resolved = resolve(&spec, Arc::clone(&scene), seed).unwrap();
    let mut world = World::new(&resolved, seed, &SimConfig::default()).unwrap();
    let (end, _) = common::run_agent(&mut world, &mut ExpertAgent::default(), 200);
    (world, end)
}

fn assert_safe(name: &str, family: &str, actor: &str) {
    for seed in 0..4 {
        let (world, end) = run(name, family, actor, seed);
        println!("{name} seed {seed}: {end:?} at {:.2} s", world.time_secs());
        assert!(
            !matches!(
                end,
                Some(TerminalReason::Collision { .. }) | Some(TerminalReason::OffRoad)
            ),
            "{name} seed {seed}: {end:?}"
        );
    }
}

#[test]
fn stationary_stalled_car() {
    assert_safe(
        "stalled",
        "stationary",
        r#"id = "stalled"
class = "car"
start = { route_s_m = 60.0 }
behaviour = { kind = "stop" }
jitter = { route_s_m = [-5.0, 5.0], lateral_m = [-0.3, 0.3] }"#,
    );
}

#[test]
fn side_cut_in() {
    assert_safe(
        "cut-in",
        "side",
        r#"id = "cutter"
class = "car"
start = { route_s_m = 30.0, lateral_m = 3.5 }
behaviour = { kind = "cut_in", speed_mps = 5.0, duration_secs = 2.0 }
trigger = { ego_distance_m = 20.0 }
jitter = { route_s_m = [-3.0, 5.0], speed_mps = [-1.0, 1.0] }"#,
    );
}

#[test]
fn side_crossing_pedestrian() {
    assert_safe(
        "crossing",
        "side",
        r#"id = "walker"
class = "pedestrian"
start = { route_s_m = 50.0, lateral_m = -2.5, yaw_deg = 90.0 }
behaviour = { kind = "cross", speed_mps = 1.2 }
trigger = { ego_distance_m = 25.0 }
jitter = { route_s_m = [-3.0, 3.0], speed_mps = [-0.2, 0.2] }"#,
    );
}

#[test]
fn frontal_oncoming_in_the_other_lane() {
    let actor = r#"id = "oncoming"
class = "car"
start = { route_s_m = 120.0, lateral_m = 3.5, yaw_deg = 180.0 }
behaviour = { kind = "oncoming", speed_mps = 8.0 }
trigger = { ego_distance_m = 80.0 }"#;
    assert_safe("oncoming", "frontal", actor);
    // It passes in its own lane: the expert does not stop for it.
    let (world, end) = run("oncoming", "frontal", actor, 0);
    assert_eq!(
        end,
        Some(TerminalReason::RouteCompleted),
        "{}",
        world.time_secs()
    );
}

#[test]
fn expert_plans_score_clean_hd_terms_on_world_inputs() {
    use mpa_sim::agent::Agent;
    use mpa_sim::metrics::EgoShape;
    use mpa_sim::metrics::hd_score::{DacGrid, StepInput, hd_step_scores};
    let scenario = testkit::junction();
    let mut world = World::new(&scenario, 1, &SimConfig::default()).unwrap();
    let mut agent = ExpertAgent::default();
    let cfg = *world.config();
    let times: Vec<f64> = (0..=cfg.time.plan_len)
        .map(|k| k as f64 * cfg.time.plan_dt_secs)
        .collect();
    let mut steps = 0;
    let (mut com, mut ttc) = (0.0, 0.0);
    while world.terminal().is_none() {
        let plan = agent.plan(&world.observation()).unwrap();
        let poses = world.plan_to_global(&plan);
        let boxes = world.predict_actor_boxes(&times);
        let s = hd_step_scores(&StepInput {
            plan_dt_secs: cfg.time.plan_dt_secs,
            ego_speed_mps: world.ego().speed_mps,
            ego: EgoShape::from_vehicle(&cfg.vehicle),
            plan: &poses,
            actor_boxes: &boxes,
            drivable: &world.map().drivable_areas,
            dac_grid: DacGrid::HUGSIM,
        });
        assert!(s.nc == 1.0 && s.dac == 1.0, "step {steps}: {s:?}");
        com += s.com;
        ttc += s.ttc;
        world.step(&plan).unwrap();
        steps += 1;
    }
    println!(
        "{steps} steps: mean COM {:.3}, mean TTC {:.3}",
        com / steps as f64,
        ttc / steps as f64
    );
    assert_eq!(world.terminal(), Some(TerminalReason::RouteCompleted));
}
