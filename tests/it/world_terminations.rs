//! Each episode ending fires in a constructed case.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::common;

use common::*;
use glam::DVec2;
use mpa_sim::agent::Plan;
use mpa_sim::geometry::Pose2;
use mpa_sim::scene::ActorClass;
use mpa_sim::scene::scenario::{Behaviour, Trigger};
use mpa_sim::world::testkit::{self, inserted};
use mpa_sim::world::{SimConfig, TerminalReason, World, WorldError};

fn drive(world: &mut World, plan: &Plan, max_steps: usize) -> Option<TerminalReason> {
    for _ in 0..max_steps {
        if world.terminal().is_some() {
            break;
        }
        world.step(plan).unwrap();
    }
    world.terminal()
}

#[test]
fn collision_with_a_stationary_car_ahead() {
    let mut scenario = testkit::straight_road();
    scenario.inserted_actors.push(inserted(
        "blocker",
        ActorClass::Car,
        Pose2::new(50.0, 0.0, 0.0),
        Behaviour::Stop,
        Trigger::Immediately,
    ));
    let mut world = world(&scenario);
    let end = drive(&mut world, &straight_plan(8.0), 40);
    assert_eq!(
        end,
        Some(TerminalReason::Collision {
            actor_id: "blocker".into()
        })
    );
    // The ego's front reached the blocker's rear (47.75 m) within one substep of travel.
    let front = world.ego().footprint().corners()[0].x;
    assert!(
        (47.75..47.75 + 8.0 * 0.05 + 1e-9).contains(&front),
        "front at {front}"
    );
    // A terminated world refuses to step.
    assert!(matches!(
        world.step(&straight_plan(8.0)),
        Err(WorldError::Terminated(_))
    ));
}

#[test]
fn off_road_when_a_corner_leaves_the_drivable_area() {
    let scenario = testkit::straight_road();
    let mut world = world(&scenario);
    // Drift right: the road edge is at y = -2.5.
    let plan = Plan {
        waypoints_ego_m: (1..=6)
            .map(|k| DVec2::new(4.0 * k as f64, -0.6 * k as f64))
            .collect(),
        candidates: Vec::new(),
    };
    let end = drive(&mut world, &plan, 40);
    assert_eq!(end, Some(TerminalReason::OffRoad));
    let min_y = world
        .ego()
        .footprint()
        .corners()
        .iter()
        .map(|c| c.y)
        .fold(f64::INFINITY, f64::min);
    assert!(
        min_y < -2.5 && min_y > -2.5 - 0.5,
        "a corner just crossed the edge: {min_y}"
    );
}

#[test]
fn off_route_beyond_the_deviation_limit() {
    // Open area: no off-road; drive away from the route sideways.
    let scenario = open_area(5.0, 30.0);
    let mut world = world(&scenario);
    // Head for a line 20 m left of the route.
    for _ in 0..200 {
        if world.terminal().is_some() {
            break;
        }
        let x = world.ego().pose.xy.x;
        let target: Vec<DVec2> = (1..=6)
            .map(|k| DVec2::new(x + 2.5 * k as f64, 20.0))
            .collect();
        world.step(&plan_from_global(&world, &target)).unwrap();
    }
    let end = world.terminal();
    let Some(TerminalReason::OffRoute { distance_m }) = end else {
        panic!("expected off-route, got {end:?}");
    };
    assert!(distance_m > 10.0 && distance_m < 10.5, "{distance_m}");
}

#[test]
fn timeout_at_the_factor_times_the_reference_duration() {
    let scenario = testkit::straight_road();
    let mut world = world(&scenario);
    let end = drive(
        &mut world,
        &Plan {
            waypoints_ego_m: vec![DVec2::ZERO; 6],
            candidates: Vec::new(),
        },
        1000,
    );
    assert_eq!(end, Some(TerminalReason::Timeout));
    let expected = 2.5 * scenario.duration_secs;
    assert!(
        (world.time_secs() - expected).abs() < 1e-9,
        "{} vs {expected}",
        world.time_secs()
    );
}

#[test]
fn route_completion_at_the_route_end() {
    let scenario = testkit::straight_road();
    let config = SimConfig::default();
    let mut world = World::new(&scenario, SEED, &config).unwrap();
    let end = drive(&mut world, &straight_plan(8.0), 200);
    assert_eq!(end, Some(TerminalReason::RouteCompleted));
    let len = world.route().length_m();
    assert!(world.route_progress_m() >= len - config.route_complete_margin_m);
    assert!(world.route_progress_m() < len - config.route_complete_margin_m + 8.0 * 0.05 + 1e-9);
}
