//! Built-in agents in closed loop: `replay` reproduces the log, `expert` completes a route
//! with a turn and stops behind a stationary obstacle.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::common;

use common::*;
use glam::DVec2;
use mpa_sim::agent::{Agent, expert::ExpertAgent, registry, replay::ReplayAgent};
use mpa_sim::geometry::Pose2;
use mpa_sim::scene::ActorClass;
use mpa_sim::scene::scenario::{Behaviour, Trigger};
use mpa_sim::world::TerminalReason;
use mpa_sim::world::testkit::{self, inserted};

#[test]
fn replay_reproduces_the_logged_track() {
    for scenario in [testkit::straight_road(), testkit::junction()] {
        let mut world = world(&scenario);
        let mut agent = registry::create("replay").unwrap();
        let mut max_err: f64 = 0.0;
        let mut steps = 0;
        while world.terminal().is_none() && steps < 200 {
            let plan = agent.plan(&world.observation()).unwrap();
            world.step(&plan).unwrap();
            steps += 1;
            // Within the log's last 3 s the plan extrapolates past the log's end: compare only
            // where the whole plan horizon is logged.
            let fully_logged = world.ego_log_pose_at(world.time_secs() + 3.0).is_some();
            if let (Some(log), true) = (world.ego_log_pose_at(world.time_secs()), fully_logged) {
                max_err = max_err.max(log.xy.distance(world.ego().pose.xy));
            }
        }
        println!(
            "{}: {steps} steps, max deviation from log {max_err:.3} m, end {:?}",
            scenario.name,
            world.terminal()
        );
        // Bound: the tracker's error on feasible plans (< 0.1 m, world_tracking.rs) plus the
        // log's own kinks at the turn entry and exit (a 0.5 s keyframe polyline).
        assert!(max_err < 0.2, "{}: {max_err}", scenario.name);
        assert_eq!(
            world.terminal(),
            Some(TerminalReason::RouteCompleted),
            "{}",
            scenario.name
        );
    }
}

#[test]
fn expert_completes_a_route_with_a_left_turn() {
    let scenario = testkit::junction();
    let mut world = world(&scenario);
    let mut agent = ExpertAgent::default();
    let (end, _) = run_agent(&mut world, &mut agent, 400);
    assert_eq!(end, Some(TerminalReason::RouteCompleted));
    // Went through the turn: ends on lane B heading +y.
    let e = world.ego().pose;
    assert!((e.xy.x - 15.0).abs() < 0.5 && e.xy.y > 45.0, "{e:?}");
    assert!((e.yaw - std::f64::consts::FRAC_PI_2).abs() < 0.1);
}

#[test]
fn expert_stops_behind_a_stationary_obstacle() {
    let mut scenario = testkit::straight_road();
    scenario.logged_actors.clear();
    let obstacle_x = 80.0;
    scenario.inserted_actors.push(inserted(
        "stalled-car",
        ActorClass::Car,
        Pose2::new(obstacle_x, 0.0, 0.0),
        Behaviour::Stop,
        Trigger::Immediately,
    ));
    let mut world = world(&scenario);
    let mut agent = ExpertAgent::default();
    let (end, _) = run_agent(&mut world, &mut agent, 120);
    assert_eq!(end, None, "no collision and no other ending: {end:?}");
    let e = world.ego();
    assert!(e.speed_mps < 0.05, "stopped: {e:?}");
    let front = e.footprint().corners()[0].x;
    let gap = (obstacle_x - 2.25) - front;
    println!("stopped {gap:.2} m behind the obstacle");
    assert!(gap > 1.0 && gap < 6.0, "gap {gap}");
}

#[test]
fn expert_follows_a_slower_leader_without_collision() {
    let mut scenario = testkit::straight_road();
    scenario.logged_actors.clear();
    scenario.inserted_actors.push(inserted(
        "slow-car",
        ActorClass::Car,
        Pose2::new(50.0, 0.0, 0.0),
        Behaviour::HardBrake {
            speed_mps: 4.0,
            decel_mps2: 0.0,
        },
        Trigger::Immediately,
    ));
    let mut world = world(&scenario);
    let mut agent = ExpertAgent::default();
    let (end, _) = run_agent(&mut world, &mut agent, 160);
    assert!(
        !matches!(end, Some(TerminalReason::Collision { .. })),
        "{end:?}"
    );
    let lead = &world.actors()[0];
    assert!(
        (world.ego().speed_mps - 4.0).abs() < 0.5,
        "matches the leader's speed"
    );
    assert!(lead.pose.xy.x - world.ego().pose.xy.x > 5.0);
}

#[test]
fn agents_without_ground_truth_say_so() {
    let scenario = testkit::straight_road();
    let world = world(&scenario);
    let obs = world.observation().without_privileged();
    for name in registry::names() {
        let mut a = registry::create(name).unwrap();
        if a.view_request().is_some() {
            // Camera agents (`base`) read no ground truth; they fail on missing views instead.
            assert!(!a.needs_privileged());
            assert!(a.plan(&obs).unwrap_err().to_string().contains("views"));
            continue;
        }
        assert!(a.needs_privileged());
        assert!(a.plan(&obs).unwrap_err().to_string().contains("privileged"));
    }
    let _ = (ReplayAgent, DVec2::ZERO);
}

#[test]
fn expert_yields_to_a_crossing_pedestrian() {
    let mut scenario = testkit::straight_road();
    scenario.logged_actors.clear();
    scenario.inserted_actors.push(inserted(
        "walker",
        ActorClass::Pedestrian,
        Pose2::new(70.0, -2.2, std::f64::consts::FRAC_PI_2),
        Behaviour::Cross { speed_mps: 1.0 },
        Trigger::EgoDistance {
            ego_distance_m: 35.0,
        },
    ));
    let mut world = world(&scenario);
    let mut agent = ExpertAgent::default();
    let mut min_speed = f64::INFINITY;
    let mut passed = false;
    for _ in 0..200 {
        if world.terminal().is_some() {
            break;
        }
        let plan = agent.plan(&world.observation()).unwrap();
        world.step(&plan).unwrap();
        min_speed = min_speed.min(world.ego().speed_mps);
        passed |= world.ego().pose.xy.x > 80.0;
    }
    println!("min speed {min_speed:.2} m/s, end {:?}", world.terminal());
    assert!(!matches!(
        world.terminal(),
        Some(TerminalReason::Collision { .. })
    ));
    assert!(min_speed < 4.0, "slowed down for the pedestrian");
    assert!(passed, "went on after the pedestrian crossed");
}
