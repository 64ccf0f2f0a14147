//! Helpers shared by the integration tests: world scenarios built in code, and the loader
//! fixture written to a temp dir (optionally mutated).
#![allow(dead_code)]

use glam::DVec2;
use mpa_sim::agent::{Agent, Plan};
use mpa_sim::geometry::Pose2;
use mpa_sim::scene::Location;
use mpa_sim::scene::scenario::ResolvedScenario;
use mpa_sim::world::testkit::{MapBuilder, nominal, scene};
use mpa_sim::world::{SimConfig, StepEvents, TerminalReason, World};

pub const SEED: u64 = 42;

/// Every file below `dir` (recursively), relative to it, sorted.
pub fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        for e in entries {
            let p = e.expect("directory entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).expect("below dir").to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// A 1 km square of drivable area with a straight route along +x from the ego start and an
/// ego log of `duration_secs` at `speed_mps`; no lanes, no actors.
pub fn open_area(speed_mps: f64, duration_secs: f64) -> ResolvedScenario {
    let mut m = MapBuilder::new();
    m.drivable_rect(DVec2::new(-500.0, -500.0), DVec2::new(500.0, 500.0));
    let ego: Vec<(f64, Pose2)> = (0..=(duration_secs * 2.0) as usize)
        .map(|k| {
            let t = k as f64 * 0.5;
            (t, Pose2::new(speed_mps * t, 0.0, 0.0))
        })
        .collect();
    let mut s = nominal(scene(
        "open-area",
        m.build(Location::BostonSeaport),
        &ego,
        Vec::new(),
    ));
    s.route = vec![DVec2::ZERO, DVec2::new(450.0, 0.0)];
    s.ego_start_speed_mps = speed_mps;
    s
}

/// A plan from global waypoints, expressed in the current ego frame.
pub fn plan_from_global(world: &World, global: &[DVec2]) -> Plan {
    let ego = world.ego().pose;
    Plan {
        waypoints_ego_m: global
            .iter()
            .map(|p| ego.inverse_transform_point(*p))
            .collect(),
        candidates: Vec::new(),
    }
}

/// Constant-speed straight-ahead plan.
pub fn straight_plan(speed_mps: f64) -> Plan {
    Plan {
        waypoints_ego_m: (1..=6)
            .map(|k| DVec2::new(speed_mps * 0.5 * k as f64, 0.0))
            .collect(),
        candidates: Vec::new(),
    }
}

/// Run an agent until the episode ends or `max_steps`; returns the terminal reason and the
/// events of every step.
pub fn run_agent(
    world: &mut World,
    agent: &mut dyn Agent,
    max_steps: usize,
) -> (Option<TerminalReason>, Vec<StepEvents>) {
    let mut events = Vec::new();
    for _ in 0..max_steps {
        if let Some(t) = world.terminal() {
            return (Some(t), events);
        }
        let obs = world.observation();
        let plan = agent.plan(&obs).expect("agent plans");
        events.push(world.step(&plan).expect("step"));
    }
    (world.terminal(), events)
}

pub fn world(s: &ResolvedScenario) -> World {
    World::new(s, SEED, &SimConfig::default()).expect("world builds")
}

// ---- loader fixture ----

use mpa_sim::scene::nuscenes::fixture::{Fixture, FixtureParams};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub const VERSION: &str = "v1.0-fixture";

pub struct Written {
    pub dir: TempDir,
    pub fixture: Fixture,
}

impl Written {
    pub fn root(&self) -> &Path {
        self.dir.path()
    }
    pub fn table(&self, name: &str) -> PathBuf {
        self.dir.path().join(VERSION).join(format!("{name}.json"))
    }
    pub fn map_file(&self, location: &str) -> PathBuf {
        self.dir
            .path()
            .join("maps/expansion")
            .join(format!("{location}.json"))
    }
    /// Replace the first occurrence of `from` in a table file (panics if absent: a test bug).
    pub fn replace_in(&self, table: &str, from: &str, to: &str) {
        let path = self.table(table);
        let text = std::fs::read_to_string(&path).expect("read table");
        assert!(text.contains(from), "{from:?} not in {table}.json");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write table");
    }
}

/// Write the default fixture after applying `edit`.
pub fn write_with(edit: impl FnOnce(&mut Fixture)) -> Written {
    write_params_with(FixtureParams::default(), edit)
}

pub fn write_params_with(params: FixtureParams, edit: impl FnOnce(&mut Fixture)) -> Written {
    let mut fixture = Fixture::new(params);
    edit(&mut fixture);
    let dir = tempfile::tempdir().expect("tempdir");
    fixture.write(dir.path(), VERSION).expect("write fixture");
    Written { dir, fixture }
}

pub fn write_default() -> Written {
    write_with(|_| {})
}
