//! IDM lane following: keeps a gap behind a slower leader, stops behind a braking one, and a
//! ring of many reactive cars never collides.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::common;

use common::*;
use glam::DVec2;
use mpa_sim::agent::{Plan, expert::ExpertAgent};
use mpa_sim::geometry::{Pose2, obb_overlap};
use mpa_sim::scene::ActorClass;
use mpa_sim::scene::scenario::{Behaviour, Trigger};
use mpa_sim::world::testkit::{self, inserted};
use mpa_sim::world::{SimConfig, World};

fn stand_still() -> Plan {
    Plan {
        waypoints_ego_m: vec![DVec2::ZERO; 6],
        candidates: Vec::new(),
    }
}

/// Bumper-to-bumper gap between the first two actors (leader first), both cars 4.5 m long.
fn gap(w: &World) -> f64 {
    let a = w.actors();
    a[0].pose.xy.x - a[1].pose.xy.x - 4.5
}

fn follow_scenario(leader: Behaviour, trigger: Trigger) -> World {
    let mut s = testkit::straight_road();
    s.logged_actors.clear();
    s.inserted_actors.push(inserted(
        "leader",
        ActorClass::Car,
        Pose2::new(100.0, 0.0, 0.0),
        leader,
        trigger,
    ));
    s.inserted_actors.push(inserted(
        "follower",
        ActorClass::Car,
        Pose2::new(60.0, 0.0, 0.0),
        Behaviour::Idm {
            desired_speed_mps: 12.0,
        },
        Trigger::Immediately,
    ));
    world(&s)
}

#[test]
fn keeps_the_equilibrium_gap_behind_a_slower_leader() {
    let mut w = follow_scenario(
        Behaviour::HardBrake {
            speed_mps: 5.0,
            decel_mps2: 0.0,
        },
        Trigger::Immediately,
    );
    let mut min_gap = f64::INFINITY;
    for _ in 0..160 {
        w.step(&stand_still()).unwrap();
        min_gap = min_gap.min(gap(&w));
    }
    let follower = &w.actors()[1];
    let p = SimConfig::default().idm;
    // IDM equilibrium at the leader's speed: s* / sqrt(1 - (v / v0)^4).
    let v: f64 = 5.0;
    let s_star = p.min_gap_m + v * p.time_headway_secs;
    let eq = s_star / (1.0 - (v / 12.0).powi(4)).sqrt();
    println!(
        "gap {:.2} m (equilibrium {eq:.2}), min gap {min_gap:.2}, speed {:.3}",
        gap(&w),
        follower.speed_mps()
    );
    assert!((follower.speed_mps() - 5.0).abs() < 0.05);
    assert!((gap(&w) - eq).abs() < 0.3);
    assert!(min_gap > 0.9 * eq);
}

#[test]
fn stops_behind_a_hard_braking_leader_without_collision() {
    let mut w = follow_scenario(
        Behaviour::HardBrake {
            speed_mps: 10.0,
            decel_mps2: 7.0,
        },
        Trigger::Time { time_secs: 12.0 },
    );
    let mut min_gap = f64::INFINITY;
    for _ in 0..120 {
        w.step(&stand_still()).unwrap();
        min_gap = min_gap.min(gap(&w));
        let a = w.actors();
        assert!(!obb_overlap(&a[0].obb(), &a[1].obb()));
    }
    println!("min gap {min_gap:.2} m, final {:.2}", gap(&w));
    assert!(
        w.actors().iter().all(|a| a.speed_mps() < 1e-6),
        "both stopped"
    );
    assert!(min_gap > 1.0);
}

#[test]
fn a_ring_of_reactive_cars_never_collides() {
    let mut s = testkit::ring_road(2, 60, 120.0);
    // Mixed desired speeds make the faster cars catch up with slower ones.
    s.duration_secs = 120.0;
    let mut w = world(&s);
    let mut agent = ExpertAgent::default();
    for _ in 0..240 {
        let plan = mpa_sim::agent::Agent::plan(&mut agent, &w.observation()).unwrap();
        let ev = w.step(&plan).unwrap();
        assert!(ev.terminal.is_none(), "{:?}", ev.terminal);
        let a = w.actors();
        for i in 0..a.len() {
            for j in i + 1..a.len() {
                assert!(
                    !obb_overlap(&a[i].obb(), &a[j].obb()),
                    "{} hits {} at {}",
                    a[i].id,
                    a[j].id,
                    w.time_secs()
                );
            }
        }
    }
    // They drive: everyone moved at a reasonable speed.
    let mean = w.actors().iter().map(|a| a.speed_mps()).sum::<f64>() / w.actors().len() as f64;
    assert!(mean > 6.0, "mean speed {mean}");
}

#[test]
fn reactive_logged_vehicles_stop_for_an_obstacle_the_log_drives_through() {
    let mut s = testkit::straight_road();
    s.inserted_actors.push(inserted(
        "stalled",
        ActorClass::Car,
        Pose2::new(120.0, testkit::LANE_WIDTH_M, 0.0),
        Behaviour::Stop,
        Trigger::Immediately,
    ));
    let run = |reactive: bool| {
        let config = SimConfig {
            reactive_logged_vehicles: reactive,
            ..SimConfig::default()
        };
        let mut w = World::new(&s, SEED, &config).unwrap();
        for _ in 0..60 {
            w.step(&stand_still()).unwrap();
        }
        w.actors()
            .iter()
            .find(|a| &*a.id == "logged-car")
            .unwrap()
            .clone()
    };
    let replayed = run(false);
    assert!(
        replayed.pose.xy.x > 150.0,
        "the log passes through: {:?}",
        replayed.pose.xy
    );
    let reactive = run(true);
    let gap = 120.0 - 2.25 - (reactive.pose.xy.x + 2.25);
    println!("reactive logged car stopped {gap:.2} m behind the obstacle");
    // IDM closes the last centimetres asymptotically: nearly stopped.
    assert!(
        reactive.speed_mps() < 0.05 && gap > 1.0 && gap < 3.0,
        "{reactive:?}"
    );
}
