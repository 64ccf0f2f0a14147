//! The World's read-side API: observation contents, plan_to_global, predictions, config serde.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::common;

use common::*;
use glam::DVec2;
use mpa_sim::agent::{Command, EGO_HISTORY_LEN, Plan};
use mpa_sim::geometry::Pose2;
use mpa_sim::scene::ActorClass;
use mpa_sim::scene::scenario::{Behaviour, Trigger};
use mpa_sim::world::testkit::{self, inserted};
use mpa_sim::world::{SimConfig, World};
use std::f64::consts::FRAC_PI_2;

#[test]
fn observation_history_route_and_command() {
    let scenario = testkit::junction();
    let mut world = world(&scenario);
    let obs = world.observation();
    assert_eq!(obs.ego_history.len(), EGO_HISTORY_LEN);
    assert_eq!(*obs.ego_history.last().unwrap(), Pose2::default());
    // Before the start the log is extrapolated backwards at 6 m/s: 0.25 s apart = 1.5 m.
    assert!(
        (obs.ego_history[3].xy.x + 1.5).abs() < 1e-9,
        "{:?}",
        obs.ego_history
    );
    assert!(obs.route_ahead_ego_m[0].length() < 1e-9);
    // History features: start speed before the start, arc length continuing negative.
    let states = &obs.ego_history_states;
    assert_eq!(states.len(), EGO_HISTORY_LEN);
    for (k, h) in states.iter().enumerate() {
        assert!((h.speed_mps - 6.0).abs() < 1e-6 && h.route_lateral_m.abs() < 1e-9);
        let expected_s = -1.5 * (EGO_HISTORY_LEN - 1 - k) as f64;
        assert!((h.route_s_m - expected_s).abs() < 1e-6, "{k}: {h:?}");
    }
    assert_eq!(obs.command, Command::Straight);
    assert!(obs.privileged.as_ref().unwrap().logged_future_ego.len() == 6);
    // Approaching the left turn (at x = 0): the command turns Left.
    let mut agent = mpa_sim::agent::registry::create("replay").unwrap();
    let mut saw_left_at = None;
    for _ in 0..60 {
        let obs = world.observation();
        if obs.command == Command::Left && saw_left_at.is_none() {
            saw_left_at = Some(world.ego().pose.xy.x);
        }
        world.step(&agent.plan(&obs).unwrap()).unwrap();
    }
    let x = saw_left_at.expect("a left command before the turn");
    // Lookahead max(6 m/s x 3 s, 10 m) = 18 m along the route; the route point is 2 m to the
    // left of the ego's heading about 6 m of arc into the turn, i.e. from x = -12 m or so.
    assert!((-15.0..-8.0).contains(&x), "left from x = {x}");
    // History: 5 poses, oldest first, 0.25 s apart at 6 m/s, all behind the ego.
    let obs = world.observation();
    for w in obs.ego_history.windows(2) {
        assert!((w[0].xy.distance(w[1].xy) - 1.5).abs() < 0.1);
    }
}

#[test]
fn plan_to_global_starts_at_the_ego_with_path_headings() {
    let scenario = testkit::straight_road();
    let world = world(&scenario);
    let plan = Plan {
        waypoints_ego_m: vec![
            DVec2::new(4.0, 0.0),
            DVec2::new(8.0, 0.0),
            DVec2::new(8.0, 4.0),
            DVec2::new(8.0, 8.0),
            DVec2::new(8.0, 8.0),
            DVec2::new(8.0, 12.0),
        ],
        candidates: Vec::new(),
    };
    let g = world.plan_to_global(&plan);
    assert_eq!(g.len(), 7);
    assert_eq!(g[0], world.ego().pose);
    let origin = world.ego().pose.xy;
    assert!(g[3].xy.abs_diff_eq(origin + DVec2::new(8.0, 4.0), 1e-12));
    assert!(g[1].yaw.abs() < 1e-12);
    assert!(
        (g[2].yaw - FRAC_PI_2 / 2.0).abs() < 1e-12,
        "central difference at the corner"
    );
    assert!((g[3].yaw - FRAC_PI_2).abs() < 1e-12);
    assert!((g[6].yaw - FRAC_PI_2).abs() < 1e-12);
}

#[test]
fn inserted_actors_are_predicted_at_constant_velocity() {
    let mut s = testkit::straight_road();
    s.logged_actors.clear();
    s.inserted_actors.push(inserted(
        "runner",
        ActorClass::Car,
        Pose2::new(60.0, 3.5, 0.0),
        Behaviour::HardBrake {
            speed_mps: 7.0,
            decel_mps2: 3.0,
        },
        Trigger::Time { time_secs: 100.0 },
    ));
    let w = world(&s);
    let boxes = w.predict_actor_boxes(&[0.0, 0.5, 3.0]);
    assert!((boxes[0][0].center.x - 60.0).abs() < 1e-9);
    assert!((boxes[2][0].center.x - 81.0).abs() < 1e-9);
}

#[test]
fn sim_config_round_trips_and_rejects_typos() {
    let c = SimConfig::default();
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(serde_json::from_str::<SimConfig>(&json).unwrap(), c);
    assert!(serde_json::from_str::<SimConfig>(r#"{"max_route_deviation":3}"#).is_err());
    let bad = SimConfig {
        max_route_deviation_m: -1.0,
        ..SimConfig::default()
    };
    let err = World::new(&testkit::straight_road(), SEED, &bad)
        .err()
        .unwrap();
    assert!(err.to_string().contains("max_route_deviation_m"), "{err}");
}

#[test]
fn an_idm_actor_off_every_lane_is_a_clear_error() {
    let mut s = testkit::straight_road();
    s.inserted_actors.push(inserted(
        "lost",
        ActorClass::Car,
        Pose2::new(50.0, 40.0, 0.0),
        Behaviour::Idm {
            desired_speed_mps: 5.0,
        },
        Trigger::Immediately,
    ));
    let err = World::new(&s, SEED, &SimConfig::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("`lost`") && err.contains("not on any lane"),
        "{err}"
    );
}

#[test]
fn worlds_and_agents_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<World>();
    send::<Box<dyn mpa_sim::agent::Agent>>();
    let w = world(&testkit::straight_road());
    assert!(format!("{w:?}").contains("straight-road"));
}
