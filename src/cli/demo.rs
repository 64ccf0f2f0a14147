//! `mpa-sim demo`: the README's main job on the shipped data. Validates the shipped scenes,
//! splits and scenarios, then runs a short closed-loop batch (the learned camera agent `base`,
//! rendering its views every tick, beside the `expert` and `replay` references, on the in-domain
//! and unseen test splits and on every safety-critical scenario), writes the
//! results directory and prints the headline table. Resumable like any rollout.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use mpa_sim::rollout::summary::write_summary;

use super::rollout::{self, RolloutArgs};
use super::scenes;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Results directory (rerunning into it resumes).
    #[arg(long, default_value = "out/demo")]
    pub out: PathBuf,
    /// Seeds per scene and scenario.
    #[arg(long, default_value_t = 2)]
    pub seeds: u64,
    /// Episodes in parallel (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub jobs: usize,
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    println!("== 1/3 validate the shipped scenes, splits and scenarios");
    scenes::validate_all()?;

    println!(
        "\n== 2/3 closed-loop rollouts: base (cameras), expert and replay; nominal test splits + safety-critical scenarios"
    );
    rollout::run(RolloutArgs {
        split: vec!["test_in_domain".into(), "test_unseen".into()],
        scenario: vec![mpa_sim::scene::registry::scenarios_dir()],
        agent: vec!["base".into(), "expert".into(), "replay".into()],
        seeds: args.seeds,
        first_seed: 0,
        jobs: args.jobs,
        shard: "0/1".parse().context("shard")?,
        out: args.out.clone(),
        splits_file: None,
        no_record: false,
        no_progress: false,
        dry_run: false,
        render_mode: crate::cli::render::RenderMode::Mesh,
    })?;

    println!("\n== 3/3 summary ({})", args.out.display());
    let summary =
        write_summary(&args.out).with_context(|| format!("summarising {}", args.out.display()))?;
    print!("{}", summary.headline_markdown());
    println!(
        "\nFull tables: {0}/summary.md, {0}/summary.csv; per-episode rows: {0}/results.jsonl; \
         recordings: {0}/episodes/",
        args.out.display()
    );
    Ok(())
}
