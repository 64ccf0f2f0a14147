//! Resolution puts route-, lane- and pose-relative actors where hand geometry says, on a
//! straight and on a curved route, and fills in the ego start, route, duration and actors.

use crate::scenario_common;

use glam::DVec2;
use mpa_sim::scene::scenario::{
    Behaviour, Family, ResolvedScenario, Trigger, default_size_wlh_m, parse_spec, resolve,
};
use mpa_sim::scene::{ActorClass, wrap_angle};
use scenario_common::*;
use std::f64::consts::PI;

const SEED: u64 = 7;

fn approx(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol, "{what}: {a} vs {b} (tol {tol})");
}

fn approx_angle(a: f64, b: f64, tol: f64, what: &str) {
    assert!(
        wrap_angle(a - b).abs() <= tol,
        "{what}: {a} vs {b} (tol {tol})"
    );
}

#[test]
fn straight_route_start_is_hand_computed() {
    let scene = straight_scene();
    let spec = parse_spec(
        &toml_with(
            "scene-straight",
            r#"
[ego]
start_secs = 2.0

[[actors]]
id = "oncoming"
class = "car"
start = { route_s_m = 40.0, lateral_m = 2.0, yaw_deg = 180.0 }
behaviour = { kind = "oncoming", speed_mps = 8.0 }
trigger = { ego_distance_m = 50.0 }
"#,
        ),
        "t",
    )
    .unwrap();
    let r = resolve(&spec, scene, SEED).unwrap();

    // Ego: 2 s at 10 m/s along the road.
    let ego_xy = straight_path(20.0).0;
    assert!(r.ego_start.xy().distance(ego_xy) < 1e-9);
    approx(r.ego_start_speed_mps, STRAIGHT_SPEED_MPS, 1e-9, "ego speed");
    approx(r.duration_secs, STRAIGHT_SECS - 2.0, 1e-9, "duration");
    assert_eq!(r.start_us, LOG_START_US + 2_000_000);
    assert!(r.route[0].distance(ego_xy) < 1e-9);
    let route_len: f64 = r.route.windows(2).map(|w| w[0].distance(w[1])).sum();
    approx(route_len, 180.0, 1e-9, "route length");
    assert!(
        r.route
            .windows(2)
            .all(|w| w[0].distance(w[1]) <= 0.5 + 1e-9)
    );

    // 40 m ahead of the ego, 2 m to the left, facing back.
    let a = &r.inserted_actors[0];
    let dir = DVec2::from_angle(STRAIGHT_YAW);
    let expected = ego_xy + dir * 40.0 + dir.perp() * 2.0;
    assert!(
        a.start_pose.xy().distance(expected) < 1e-9,
        "{}",
        a.start_pose.xy()
    );
    approx_angle(a.start_pose.yaw(), STRAIGHT_YAW + PI, 1e-9, "yaw");
    approx(
        a.start_pose.translation.z,
        1.7 / 2.0,
        1e-12,
        "z = half height",
    );
    assert_eq!(a.class, ActorClass::Car);
    assert_eq!(a.size_wlh_m, default_size_wlh_m(ActorClass::Car));
    assert_eq!(a.behaviour, Behaviour::Oncoming { speed_mps: 8.0 });
    assert_eq!(
        a.trigger,
        Trigger::EgoDistance {
            ego_distance_m: 50.0
        }
    );
    assert_eq!(r.family, Family::Side);
    assert_eq!(r.logged_actors.len(), 2);
}

#[test]
fn curved_route_start_is_on_the_arc() {
    // The route is rebuilt from 2 Hz keyframes (2.5 m apart on a 20 m radius); 45 m along it
    // is 15 m into the quarter circle about (30, 20): angle phi = 15 / 20 rad.
    let scene = turn_scene();
    let spec = parse_spec(
        &toml_with(
            "scene-turn",
            r#"
[[actors]]
id = "walker"
class = "pedestrian"
start = { route_s_m = 45.0, lateral_m = 1.5, yaw_deg = -90.0 }
behaviour = { kind = "cross", speed_mps = 1.4 }
trigger = { time_secs = 3.0 }
"#,
        ),
        "t",
    )
    .unwrap();
    let r = resolve(&spec, scene, SEED).unwrap();
    let phi: f64 = 15.0 / TURN_RADIUS_M;
    let on_arc = DVec2::new(
        TURN_STRAIGHT_M + TURN_RADIUS_M * phi.sin(),
        TURN_RADIUS_M - TURN_RADIUS_M * phi.cos(),
    );
    let left = DVec2::new(-phi.sin(), phi.cos());
    let expected = on_arc + left * 1.5;
    let a = &r.inserted_actors[0];
    // Tolerances: the Hermite route deviates from the circle by < 5 mm (route unit test) and
    // its 0.5 m chords are shorter than the arc by ~1e-5 m each; the +-1 m chord used for the
    // tangent is parallel to a circle's tangent at its midpoint.
    assert!(
        a.start_pose.xy().distance(expected) < 0.02,
        "{} vs {expected}",
        a.start_pose.xy()
    );
    approx_angle(a.start_pose.yaw(), phi - PI / 2.0, 0.005, "yaw");
    approx(a.start_pose.translation.z, 0.9, 1e-12, "z");
    assert_eq!(a.trigger, Trigger::Time { time_secs: 3.0 });

    // Total route: 30 m + quarter circle + the rest at 5 m/s for 24 s = 120 m.
    let route_len: f64 = r.route.windows(2).map(|w| w[0].distance(w[1])).sum();
    approx(route_len, TURN_SPEED_MPS * TURN_SECS, 0.01, "route length");
}

#[test]
fn start_between_keyframes_interpolates_pose_and_speed() {
    let scene = turn_scene();
    let spec = parse_spec(&toml_with("scene-turn", "[ego]\nstart_secs = 0.25\n"), "t").unwrap();
    let r = resolve(&spec, scene, SEED).unwrap();
    // Halfway between the keyframes at 0 and 2.5 m on the straight part.
    assert!(r.ego_start.xy().distance(DVec2::new(1.25, 0.0)) < 1e-9);
    approx(r.ego_start_speed_mps, TURN_SPEED_MPS, 1e-9, "speed");
}

#[test]
fn lane_and_pose_starts() {
    let scene = straight_scene();
    let spec = parse_spec(
        &toml_with(
            "scene-straight",
            r#"
[[actors]]
id = "on-lane"
class = "truck"
start = { lane = "lane-straight", s_m = 12.5 }
behaviour = { kind = "idm", desired_speed_mps = 9.0 }

[[actors]]
id = "placed"
class = "obstacle"
size_wlh_m = [3.0, 0.4, 1.1]
start = { x = 10.0, y = -4.0, yaw_deg = 90.0 }
behaviour = { kind = "stop" }
"#,
        ),
        "t",
    )
    .unwrap();
    let r = resolve(&spec, scene, SEED).unwrap();
    let lane_actor = &r.inserted_actors[0];
    assert!(lane_actor.start_pose.xy().distance(straight_path(12.5).0) < 1e-9);
    approx_angle(lane_actor.start_pose.yaw(), STRAIGHT_YAW, 1e-9, "lane yaw");
    approx(lane_actor.start_pose.translation.z, 1.4, 1e-12, "truck z");
    let placed = &r.inserted_actors[1];
    assert!(placed.start_pose.xy().distance(DVec2::new(10.0, -4.0)) < 1e-12);
    approx_angle(placed.start_pose.yaw(), PI / 2.0, 1e-12, "pose yaw");
    approx(placed.start_pose.translation.z, 0.55, 1e-12, "given height");
    assert_eq!(placed.behaviour, Behaviour::Stop);
    assert_eq!(placed.trigger, Trigger::Immediately);
}

#[test]
fn jitter_moves_a_pose_start_along_its_heading_and_normal() {
    // Degenerate ranges [v, v] make the draw exact.
    let scene = straight_scene();
    let spec = parse_spec(
        &toml_with(
            "scene-straight",
            r#"
[[actors]]
id = "placed"
class = "car"
start = { x = 10.0, y = -4.0, yaw_deg = 90.0 }
behaviour = { kind = "hard_brake", speed_mps = 6.0, decel_mps2 = 7.0 }
trigger = { time_secs = 2.0 }
jitter = { route_s_m = [3.0, 3.0], lateral_m = [1.0, 1.0], yaw_deg = [10.0, 10.0], speed_mps = [-1.0, -1.0], trigger = [0.5, 0.5] }
"#,
        ),
        "t",
    )
    .unwrap();
    let r = resolve(&spec, scene, SEED).unwrap();
    let a = &r.inserted_actors[0];
    // Heading north: 3 m along = +y, 1 m left = -x.
    assert!(a.start_pose.xy().distance(DVec2::new(9.0, -1.0)) < 1e-9);
    approx_angle(a.start_pose.yaw(), 100f64.to_radians(), 1e-9, "yaw");
    assert_eq!(
        a.behaviour,
        Behaviour::HardBrake {
            speed_mps: 5.0,
            decel_mps2: 7.0
        }
    );
    assert_eq!(a.trigger, Trigger::Time { time_secs: 2.5 });
}

#[test]
fn overrides_remove_actors_and_duration() {
    let scene = straight_scene();
    let spec = parse_spec(
        &toml_with(
            "scene-straight",
            r#"
duration_secs = 8.0
remove_actors = ["inst-walker"]

[ego]
start_speed_mps = 4.0
start_pose = { x = 0.0, y = 5.0, yaw_deg = 0.0 }
route = [[-10.0, 0.0], [100.0, 0.0]]

[[actors]]
id = "ahead"
class = "cyclist"
start = { route_s_m = 30.0, lateral_m = -1.0 }
behaviour = { kind = "stop" }
"#,
        ),
        "t",
    )
    .unwrap();
    let r = resolve(&spec, scene.clone(), SEED).unwrap();
    assert_eq!(r.duration_secs, 8.0);
    assert_eq!(r.ego_start_speed_mps, 4.0);
    assert!(r.ego_start.xy().distance(DVec2::new(0.0, 5.0)) < 1e-12);
    let kept: Vec<&str> = r
        .logged_actors
        .iter()
        .map(|a| a.instance_token.as_str())
        .collect();
    assert_eq!(kept, vec!["inst-parked-car"]);
    // Arc length counts from the ego's projection (0, 0) on the overridden route.
    assert!(
        r.inserted_actors[0]
            .start_pose
            .xy()
            .distance(DVec2::new(30.0, -1.0))
            < 1e-9
    );
    assert_eq!(r.route.first(), Some(&DVec2::new(-10.0, 0.0)));

    let all_removed = parse_spec(
        &toml_with("scene-straight", "remove_all_actors = true\n"),
        "t",
    )
    .unwrap();
    assert!(
        resolve(&all_removed, scene, SEED)
            .unwrap()
            .logged_actors
            .is_empty()
    );
}

#[test]
fn nominal_scenario_is_the_whole_log() {
    let scene = turn_scene();
    let r = ResolvedScenario::from_scene(scene.clone());
    assert_eq!(r.name, "scene-turn");
    assert_eq!(r.family, Family::Nominal);
    assert_eq!(r.start_us, LOG_START_US);
    approx(r.duration_secs, TURN_SECS, 1e-9, "duration");
    approx(r.ego_start_speed_mps, TURN_SPEED_MPS, 1e-9, "speed");
    assert_eq!(r.ego_start, scene.ego_track[0].pose);
    assert_eq!(r.logged_actors, scene.actors);
    assert!(r.inserted_actors.is_empty());
    assert_eq!(r.route.first(), Some(&DVec2::ZERO));
    // The same as resolving an empty spec.
    let spec = parse_spec("name = \"scene-turn\"\nscene = \"scene-turn\"\n", "t").unwrap();
    assert_eq!(resolve(&spec, scene, SEED).unwrap(), r);
}

#[test]
fn default_sizes_are_nuscenes_typical() {
    for class in ActorClass::ALL {
        let s = default_size_wlh_m(class);
        assert!(s.x > 0.0 && s.y > 0.0 && s.z > 0.0);
    }
    assert_eq!(
        default_size_wlh_m(ActorClass::Car),
        glam::DVec3::new(1.9, 4.6, 1.7)
    );
    // A barrier stands across its heading: wider than long.
    let b = default_size_wlh_m(ActorClass::Obstacle);
    assert!(b.x > b.y);
}
