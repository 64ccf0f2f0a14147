//! `mpa-sim bench sim`: simulation steps per second without rendering (see
//! `mpa_sim::bench::sim`).

use clap::Args;
use mpa_sim::bench::sim::{BENCH_LANES, bench_sim};

#[derive(Debug, Args)]
pub struct BenchSimArgs {
    /// Numbers of IDM actors to run, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "10,50,200")]
    pub actors: Vec<usize>,
    /// Decision steps (0.25 s each) per run.
    #[arg(long, default_value_t = 400)]
    pub steps: usize,
}

pub fn run(args: &BenchSimArgs) -> anyhow::Result<()> {
    println!(
        "ring road, {BENCH_LANES} lanes, expert ego, {} decision steps (5 physics substeps each), one core",
        args.steps
    );
    println!("actors  world.step steps/s  realtime x  full loop steps/s  clone us");
    for &n in &args.actors {
        let row = bench_sim(n, args.steps)?;
        println!(
            "{:>6}  {:>18.0}  {:>10.0}  {:>17.0}  {:>8.1}",
            row.actors,
            row.steps_per_sec(),
            row.sim_secs / row.step_secs.max(1e-12),
            row.loop_steps_per_sec(),
            row.clone_us
        );
    }
    Ok(())
}
