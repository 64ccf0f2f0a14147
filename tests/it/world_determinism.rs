//! Stepping is a pure function of scenario, seed and plans; clones fork independent branches.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::common;

use common::*;
use glam::DVec2;
use mpa_sim::agent::{Agent, Plan, expert::ExpertAgent};
use mpa_sim::geometry::Pose2;
use mpa_sim::scene::ActorClass;
use mpa_sim::scene::scenario::{Behaviour, ResolvedScenario, Trigger};
use mpa_sim::world::testkit::{self, inserted};
use mpa_sim::world::{SimConfig, World};

fn busy_scenario() -> ResolvedScenario {
    let mut s = testkit::ring_road(3, 40, 60.0);
    s.inserted_actors.push(inserted(
        "walker",
        ActorClass::Pedestrian,
        Pose2::new(0.0, 140.0, 0.0),
        Behaviour::Cross { speed_mps: 1.2 },
        Trigger::Time { time_secs: 3.0 },
    ));
    s
}

fn state_json(w: &World) -> String {
    serde_json::to_string(w.state()).unwrap()
}

fn expert_steps(w: &mut World, n: usize) -> Vec<Plan> {
    let mut agent = ExpertAgent::default();
    let mut plans = Vec::new();
    for _ in 0..n {
        let plan = agent.plan(&w.observation()).unwrap();
        w.step(&plan).unwrap();
        plans.push(plan);
    }
    plans
}

#[test]
fn a_clone_steps_bit_identically_and_forks_independently() {
    let s = busy_scenario();
    let mut original = World::new(&s, SEED, &SimConfig::default()).unwrap();
    expert_steps(&mut original, 20);
    let mut clone = original.clone();
    assert_eq!(state_json(&original), state_json(&clone));

    // Same plans on both: identical states.
    let plans = expert_steps(&mut original, 15);
    for p in &plans {
        clone.step(p).unwrap();
    }
    assert_eq!(state_json(&original), state_json(&clone));

    // Diverge the clone; the original is untouched.
    let before = state_json(&original);
    let swerve = Plan {
        waypoints_ego_m: (1..=6)
            .map(|k| DVec2::new(1.0 * k as f64, -0.2 * k as f64))
            .collect(),
        candidates: Vec::new(),
    };
    for _ in 0..6 {
        if clone.terminal().is_none() {
            clone.step(&swerve).unwrap();
        }
    }
    assert_ne!(state_json(&clone), before);
    assert_eq!(state_json(&original), before);
}

#[test]
fn same_seed_same_episode_on_any_thread() {
    let s = busy_scenario();
    let run = |s: ResolvedScenario| {
        std::thread::spawn(move || {
            let mut w = World::new(&s, SEED, &SimConfig::default()).unwrap();
            expert_steps(&mut w, 40);
            state_json(&w)
        })
    };
    let a = run(s.clone());
    let b = run(s.clone());
    let a = a.join().unwrap();
    assert_eq!(a, b.join().unwrap());
    let mut w = World::new(&s, SEED, &SimConfig::default()).unwrap();
    expert_steps(&mut w, 40);
    assert_eq!(a, state_json(&w));
}

#[test]
fn the_seed_picks_junction_successors() {
    // IDM cars approaching a junction with two connectors: the seed decides who turns.
    let mut s = testkit::junction();
    for k in 0..6 {
        s.inserted_actors.push(inserted(
            &format!("car-{k}"),
            ActorClass::Car,
            Pose2::new(-90.0 + 12.0 * k as f64, 0.0, 0.0),
            Behaviour::Idm {
                desired_speed_mps: 8.0,
            },
            Trigger::Immediately,
        ));
    }
    let outcome = |seed: u64| {
        let mut w = World::new(&s, seed, &SimConfig::default()).unwrap();
        let stop = Plan {
            waypoints_ego_m: vec![DVec2::ZERO; 6],
            candidates: Vec::new(),
        };
        for _ in 0..100 {
            if w.terminal().is_some() {
                break;
            }
            w.step(&stop).unwrap();
        }
        w.actors()
            .iter()
            .map(|a| (a.pose.xy.y > 10.0) as u8)
            .collect::<Vec<_>>()
    };
    let outcomes: std::collections::BTreeSet<_> = (0..8).map(outcome).collect();
    assert_eq!(outcome(3), outcome(3));
    assert!(outcomes.len() > 1, "{outcomes:?}");
}
