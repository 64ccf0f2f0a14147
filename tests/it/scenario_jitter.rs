//! Jitter: deterministic per seed, different across seeds, inside its ranges, and drawn per
//! (scenario, actor) so that adding an actor or a jitter key leaves other draws unchanged.

use crate::scenario_common;

use mpa_sim::scene::scenario::{
    Behaviour, ResolvedScenario, ScenarioSpec, Trigger, parse_spec, resolve,
};
use scenario_common::*;

const SEEDS: std::ops::Range<u64> = 0..300;

const TWO_ACTORS: &str = r#"
[ego]
start_secs = 3.0
jitter = { start_secs = [-1.0, 1.0], speed_mps = [-0.5, 0.5] }

[[actors]]
id = "walker"
class = "pedestrian"
start = { route_s_m = 50.0, lateral_m = 4.0, yaw_deg = -90.0 }
behaviour = { kind = "cross", speed_mps = 1.5 }
trigger = { ego_distance_m = 30.0 }
jitter = { route_s_m = [-5.0, 5.0], lateral_m = [-0.5, 0.5], yaw_deg = [-10.0, 10.0], speed_mps = [-0.3, 0.3], trigger = [-4.0, 4.0] }

[[actors]]
id = "stalled"
class = "car"
start = { route_s_m = 70.0 }
behaviour = { kind = "stop" }
jitter = { route_s_m = [-10.0, 10.0] }
"#;

fn spec(extra: &str) -> ScenarioSpec {
    parse_spec(&toml_with("scene-straight", extra), "t").expect("valid spec")
}

fn run(spec: &ScenarioSpec, seed: u64) -> ResolvedScenario {
    resolve(spec, straight_scene(), seed).expect("resolves")
}

/// Arc length of an actor ahead of the ego start along the straight road.
fn ahead_m(r: &ResolvedScenario, i: usize) -> f64 {
    let dir = glam::DVec2::from_angle(STRAIGHT_YAW);
    (r.inserted_actors[i].start_pose.xy() - r.ego_start.xy()).dot(dir)
}

#[test]
fn same_seed_same_episode() {
    let s = spec(TWO_ACTORS);
    for seed in [0, 1, 42, u64::MAX] {
        assert_eq!(run(&s, seed), run(&s, seed));
    }
}

#[test]
fn seeds_differ_and_stay_in_range() {
    let s = spec(TWO_ACTORS);
    let mut distinct = std::collections::BTreeSet::new();
    let (mut lo_half, mut hi_half) = (0u32, 0u32);
    for seed in SEEDS {
        let r = run(&s, seed);
        let start_secs = (r.start_us - LOG_START_US) as f64 * 1e-6;
        assert!((2.0..=4.0).contains(&start_secs), "start {start_secs}");
        assert!((9.5..=10.5).contains(&r.ego_start_speed_mps));
        let walker = &r.inserted_actors[0];
        let ahead = ahead_m(&r, 0);
        assert!(
            (45.0 - 1e-9..=55.0 + 1e-9).contains(&ahead),
            "ahead {ahead}"
        );
        let Behaviour::Cross { speed_mps } = walker.behaviour else {
            panic!("behaviour changed kind")
        };
        assert!((1.2..=1.8).contains(&speed_mps));
        let Trigger::EgoDistance { ego_distance_m } = walker.trigger else {
            panic!("trigger changed kind")
        };
        assert!((26.0..=34.0).contains(&ego_distance_m));
        let stalled = ahead_m(&r, 1);
        assert!((60.0 - 1e-9..=80.0 + 1e-9).contains(&stalled));
        if stalled < 70.0 {
            lo_half += 1;
        } else {
            hi_half += 1;
        }
        distinct.insert(format!("{ahead:.9}"));
    }
    assert_eq!(
        distinct.len(),
        SEEDS.count(),
        "every seed draws a new position"
    );
    // Uniform draws: each half of the range gets 150 +- 4.5 sigma (sigma = sqrt(300)/2).
    assert!(lo_half.abs_diff(hi_half) < 78, "{lo_half} vs {hi_half}");
}

#[test]
fn adding_an_actor_leaves_other_draws_alone() {
    let two = spec(TWO_ACTORS);
    let three = spec(&format!(
        "{TWO_ACTORS}\n[[actors]]\nid = \"extra\"\nclass = \"bus\"\nstart = {{ route_s_m = 30.0 }}\nbehaviour = {{ kind = \"stop\" }}\njitter = {{ route_s_m = [-1.0, 1.0] }}\n"
    ));
    for seed in 0..20 {
        let (a, b) = (run(&two, seed), run(&three, seed));
        assert_eq!(a.inserted_actors[..], b.inserted_actors[..2]);
        assert_eq!(a.ego_start, b.ego_start);
    }
}

#[test]
fn adding_a_jitter_key_leaves_other_keys_alone() {
    let base = spec(TWO_ACTORS);
    let more = spec(&TWO_ACTORS.replace(
        "jitter = { route_s_m = [-10.0, 10.0] }",
        "jitter = { lateral_m = [-1.0, 1.0], route_s_m = [-10.0, 10.0] }",
    ));
    for seed in 0..20 {
        let (a, b) = (run(&base, seed), run(&more, seed));
        assert!((ahead_m(&a, 1) - ahead_m(&b, 1)).abs() < 1e-9);
        assert_eq!(a.inserted_actors[0], b.inserted_actors[0]);
    }
}

#[test]
fn renaming_the_scenario_changes_the_draws() {
    let a = spec(TWO_ACTORS);
    let mut b = a.clone();
    b.name = "other".into();
    assert_ne!(ahead_m(&run(&a, 3), 1), ahead_m(&run(&b, 3), 1));
}
