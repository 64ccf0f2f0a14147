//! Each scripted behaviour does its thing once its trigger fires, and not before.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::common;

use common::*;
use glam::DVec2;
use mpa_sim::agent::Plan;
use mpa_sim::geometry::Pose2;
use mpa_sim::scene::ActorClass;
use mpa_sim::scene::scenario::{Behaviour, InsertedActor, Trigger};
use mpa_sim::world::testkit::{self, inserted};
use mpa_sim::world::{ActorState, World};
use std::f64::consts::PI;

fn stand_still() -> Plan {
    Plan {
        waypoints_ego_m: vec![DVec2::ZERO; 6],
        candidates: Vec::new(),
    }
}

/// Straight road without logged actors plus one inserted actor.
fn with_actor(a: InsertedActor) -> World {
    let mut s = testkit::straight_road();
    s.logged_actors.clear();
    s.inserted_actors.push(a);
    world(&s)
}

fn actor(w: &World) -> &ActorState {
    &w.actors()[0]
}

/// Step until `t_secs`, returning the tick (time after it) at which the actor's trigger fired.
fn run_until(w: &mut World, plan: &Plan, t_secs: f64) -> Option<f64> {
    let mut fired = None;
    while w.time_secs() < t_secs - 1e-9 {
        let ev = w.step(plan).unwrap();
        assert!(ev.terminal.is_none(), "{:?}", ev.terminal);
        if !ev.triggered.is_empty() && fired.is_none() {
            fired = Some(w.time_secs());
        }
    }
    fired
}

#[test]
fn hard_brake_decelerates_after_its_time_trigger() {
    let mut w = with_actor(inserted(
        "braker",
        ActorClass::Car,
        Pose2::new(40.0, 0.0, 0.0),
        Behaviour::HardBrake {
            speed_mps: 10.0,
            decel_mps2: 6.0,
        },
        Trigger::Time { time_secs: 2.0 },
    ));
    let plan = stand_still();
    let fired = run_until(&mut w, &plan, 2.0);
    assert_eq!(fired, None);
    assert!(
        (actor(&w).speed_mps() - 10.0).abs() < 1e-9,
        "cruises before the trigger"
    );
    assert!((actor(&w).pose.xy.x - 60.0).abs() < 1e-6);
    let fired = run_until(&mut w, &plan, 3.0);
    assert_eq!(fired, Some(2.25));
    // 1 s of braking at 6 m/s^2: 4 m/s left. Scripted velocities are the mean over the last
    // 0.05 s substep, which lags by half a substep: 4 + 6 x 0.025 = 4.15 m/s.
    assert!(
        (actor(&w).speed_mps() - 4.15).abs() < 1e-6,
        "{}",
        actor(&w).speed_mps()
    );
    run_until(&mut w, &plan, 5.0);
    assert!(actor(&w).speed_mps() < 1e-9);
    // Stopping distance from 10 m/s at 6 m/s^2 is 8.33 m after 20 m of cruising.
    assert!(
        (actor(&w).pose.xy.x - (60.0 + 100.0 / 12.0)).abs() < 1e-6,
        "{}",
        actor(&w).pose.xy.x
    );
}

#[test]
fn cut_in_ends_in_the_ego_lane() {
    let mut w = with_actor(inserted(
        "cutter",
        ActorClass::Car,
        Pose2::new(40.0, testkit::LANE_WIDTH_M, 0.0),
        Behaviour::CutIn {
            speed_mps: 9.0,
            duration_secs: 2.0,
        },
        Trigger::Time { time_secs: 1.0 },
    ));
    let plan = stand_still();
    run_until(&mut w, &plan, 1.0);
    assert!(
        (actor(&w).pose.xy.y - testkit::LANE_WIDTH_M).abs() < 1e-9,
        "alongside before"
    );
    run_until(&mut w, &plan, 2.0);
    let mid = actor(&w).clone();
    assert!(
        mid.pose.xy.y < 3.0 && mid.pose.xy.y > 0.5,
        "moving over: {:?}",
        mid.pose
    );
    assert!(
        mid.pose.yaw < -0.05,
        "heading into the lane: {}",
        mid.pose.yaw
    );
    run_until(&mut w, &plan, 3.5);
    let a = actor(&w);
    assert!(
        a.pose.xy.y.abs() < 1e-6 && a.pose.yaw.abs() < 1e-6,
        "{:?}",
        a.pose
    );
    assert!((a.speed_mps() - 9.0).abs() < 1e-6);
}

#[test]
fn crossing_pedestrian_moves_perpendicular_once_the_ego_is_near() {
    let start = Pose2::new(60.0, -2.0, PI / 2.0);
    let mut w = with_actor(inserted(
        "walker",
        ActorClass::Pedestrian,
        start,
        Behaviour::Cross { speed_mps: 1.5 },
        Trigger::EgoDistance {
            ego_distance_m: 30.0,
        },
    ));
    let plan = straight_plan(8.0);
    let mut fired_at = None;
    while fired_at.is_none() {
        let ev = w.step(&plan).unwrap();
        if ev.triggered.iter().any(|id| &**id == "walker") {
            fired_at = Some(w.time_secs());
        } else {
            assert_eq!(actor(&w).pose.xy, start.xy, "waits before its trigger");
        }
        assert!(w.time_secs() < 10.0);
    }
    let ego_x = w.ego().center().x;
    assert!(
        60.0 - ego_x <= 30.0 + 8.0 * 0.25,
        "fired near 30 m: ego centre at {ego_x}"
    );
    let until = w.time_secs() + 1.0;
    run_until(&mut w, &stand_still(), until);
    let a = actor(&w);
    assert!(
        (a.pose.xy.x - 60.0).abs() < 1e-9,
        "perpendicular to the route"
    );
    assert!(
        a.pose.xy.y > -2.0 + 1.4 && a.pose.xy.y < -2.0 + 1.9,
        "{:?}",
        a.pose.xy
    );
    assert!(a.velocity_mps.abs_diff_eq(DVec2::new(0.0, 1.5), 1e-9));
}

#[test]
fn oncoming_vehicle_approaches_the_ego() {
    let mut w = with_actor(inserted(
        "wrong-way",
        ActorClass::Car,
        Pose2::new(150.0, 0.0, PI),
        Behaviour::Oncoming { speed_mps: 8.0 },
        Trigger::Time { time_secs: 1.0 },
    ));
    let plan = stand_still();
    run_until(&mut w, &plan, 1.0);
    assert_eq!(actor(&w).pose.xy, DVec2::new(150.0, 0.0));
    let d0 = actor(&w).pose.xy.distance(w.ego().center());
    run_until(&mut w, &plan, 3.0);
    let a = actor(&w);
    let d1 = a.pose.xy.distance(w.ego().center());
    assert!(d1 < d0 - 15.0, "approaches: {d0} -> {d1}");
    // Fired at the substep starting at 1.0 s: 2 s at 8 m/s towards the ego.
    assert!(
        (a.pose.xy.x - (150.0 - 16.0)).abs() < 1e-6,
        "{:?}",
        a.pose.xy
    );
    assert!(a.velocity_mps.abs_diff_eq(DVec2::new(-8.0, 0.0), 1e-6));
    assert!((a.pose.yaw.abs() - PI).abs() < 1e-6);
}

#[test]
fn replay_path_and_stop_and_triggered_idm() {
    let mut s = testkit::straight_road();
    s.logged_actors.clear();
    s.inserted_actors.push(inserted(
        "path-follower",
        ActorClass::Car,
        Pose2::new(30.0, testkit::LANE_WIDTH_M, 0.0),
        Behaviour::Replay {
            path: vec![
                DVec2::new(30.0, testkit::LANE_WIDTH_M),
                DVec2::new(330.0, testkit::LANE_WIDTH_M),
            ],
            speed_mps: 5.0,
        },
        Trigger::Immediately,
    ));
    s.inserted_actors.push(inserted(
        "parked",
        ActorClass::Car,
        Pose2::new(200.0, testkit::LANE_WIDTH_M, 0.0),
        Behaviour::Stop,
        Trigger::Immediately,
    ));
    s.inserted_actors.push(inserted(
        "late-idm",
        ActorClass::Car,
        Pose2::new(100.0, 0.0, 0.0),
        Behaviour::Idm {
            desired_speed_mps: 10.0,
        },
        Trigger::Time { time_secs: 2.0 },
    ));
    let mut w = world(&s);
    let plan = stand_still();
    run_until(&mut w, &plan, 2.0);
    let by_id = |w: &World, id: &str| w.actors().iter().find(|a| &*a.id == id).unwrap().clone();
    assert!((by_id(&w, "path-follower").pose.xy.x - 40.0).abs() < 1e-9);
    assert_eq!(by_id(&w, "late-idm").pose.xy, DVec2::new(100.0, 0.0));
    run_until(&mut w, &plan, 6.0);
    let idm = by_id(&w, "late-idm");
    assert!(idm.pose.xy.x > 105.0 && idm.speed_mps() > 4.0, "{idm:?}");
    let parked = by_id(&w, "parked");
    assert_eq!(parked.pose.xy, DVec2::new(200.0, testkit::LANE_WIDTH_M));
    assert!(parked.is_static && !idm.is_static);
}

#[test]
fn logged_actors_replay_their_track_and_are_absent_outside_it() {
    let s = testkit::straight_road();
    let mut w = world(&s);
    let ids = |w: &World| {
        w.actors()
            .iter()
            .map(|a| a.id.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&w), ["logged-car"]);
    run_until(&mut w, &straight_plan(8.0), 3.0);
    assert_eq!(ids(&w), ["logged-car", "logged-van"]);
    let car = &w.actors()[0];
    assert!((car.pose.xy.x - 70.0).abs() < 1e-6 && (car.velocity_mps.x - 10.0).abs() < 1e-6);
    // Prediction from the log: 1 s ahead the car is 10 m further.
    let boxes = w.predict_actor_boxes(&[0.0, 1.0]);
    assert!((boxes[1][0].center.x - 80.0).abs() < 1e-6);
    run_until(&mut w, &straight_plan(8.0), 12.5);
    assert_eq!(ids(&w), ["logged-car"]);
}
