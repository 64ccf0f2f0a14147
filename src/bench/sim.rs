//! Simulation throughput without rendering: steps per second of one World on one core, on the
//! constructed ring road (`testkit::ring_road`, 3 lanes) with a given number of IDM actors.
//! The ego drives with the `expert` agent; the time of `World::step` alone and of the whole
//! loop (`episode::decide` with the expert, then the step) are reported separately, and the
//! cost of one `World::clone` (an MPA fork). Wall-clock time is measured here only, never
//! inside the simulation.

use crate::agent::{Agent, AgentError, expert::ExpertAgent};
use crate::episode::{EpisodeError, decide};
use crate::world::{SimConfig, World, WorldError, testkit};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq)]
pub struct BenchRow {
    pub actors: usize,
    pub steps: usize,
    /// Total seconds spent in `World::step`.
    pub step_secs: f64,
    /// Total seconds of the loop (observation + expert + step).
    pub loop_secs: f64,
    /// Simulated seconds covered.
    pub sim_secs: f64,
    /// Mean time of one `World::clone` at the end of the run (MPA forks), microseconds.
    pub clone_us: f64,
}

impl BenchRow {
    pub fn steps_per_sec(&self) -> f64 {
        self.steps as f64 / self.step_secs.max(1e-12)
    }
    pub fn loop_steps_per_sec(&self) -> f64 {
        self.steps as f64 / self.loop_secs.max(1e-12)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    World(#[from] WorldError),
    #[error(transparent)]
    Agent(#[from] AgentError),
    #[error(transparent)]
    Episode(#[from] EpisodeError),
}

/// Ring lanes of the benchmark road.
pub const BENCH_LANES: usize = 3;
const BENCH_SEED: u64 = 7;

/// Run `steps` decision steps with `actors` IDM actors; restarts the episode if it ends early.
pub fn bench_sim(actors: usize, steps: usize) -> Result<BenchRow, BenchError> {
    let config = SimConfig::default();
    let duration = steps as f64 * config.time.decision_dt_secs + 10.0;
    let scenario = testkit::ring_road(BENCH_LANES, actors, duration);
    let fresh = World::new(&scenario, BENCH_SEED, &config)?;
    let mut world = fresh.clone();
    let mut agent = ExpertAgent::default();
    agent.reset(BENCH_SEED);
    let mut step_time = Duration::ZERO;
    let loop_start = Instant::now();
    for _ in 0..steps {
        if world.terminal().is_some() {
            world = fresh.clone();
        }
        let plan = decide(&world, &mut agent, None)?.plan;
        let t = Instant::now();
        world.step(&plan)?;
        step_time += t.elapsed();
    }
    const CLONES: u32 = 1000;
    let t = Instant::now();
    let mut keep = 0usize;
    for _ in 0..CLONES {
        let c = std::hint::black_box(world.clone());
        keep += c.actors().len();
    }
    let clone_us = t.elapsed().as_secs_f64() * 1e6 / CLONES as f64;
    std::hint::black_box(keep);
    Ok(BenchRow {
        clone_us,
        actors: scenario.inserted_actors.len(),
        steps,
        step_secs: step_time.as_secs_f64(),
        loop_secs: loop_start.elapsed().as_secs_f64(),
        sim_secs: steps as f64 * config.time.decision_dt_secs,
    })
}
