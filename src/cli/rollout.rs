//! `mpa-sim rollout`: build the job list from a split and/or scenario files, take this
//! process's shard, and run it into an output directory (resumable; see `rollout::runner`).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{ArgGroup, Args};
use mpa_sim::render::{AdapterPreference, RenderService};
use mpa_sim::rollout::{BatchOptions, BatchPlan, EpisodeJob, JobListBuilder, Shard, episode};
use mpa_sim::scene::registry;

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).multiple(true).args(["split", "scenario"])))]
pub struct RolloutArgs {
    /// Run every scene of this split (nominal driving), e.g. `test_in_domain`; repeatable.
    #[arg(long)]
    pub split: Vec<String>,
    /// Scenario files, or directories of `*.toml` scenario files.
    #[arg(long, num_args = 1..)]
    pub scenario: Vec<PathBuf>,
    /// Agent name; repeat for several agents.
    #[arg(long, required = true)]
    pub agent: Vec<String>,
    /// Seeds per scene or scenario: `first-seed .. first-seed + seeds`.
    #[arg(long, default_value_t = 1)]
    pub seeds: u64,
    #[arg(long, default_value_t = 0)]
    pub first_seed: u64,
    /// Episodes in parallel (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub jobs: usize,
    /// Run only shard i of n (0-based): the jobs whose index % n == i.
    #[arg(long, default_value = "0/1")]
    pub shard: Shard,
    /// Output directory (created; rerun into it to resume).
    #[arg(long)]
    pub out: PathBuf,
    /// Splits file (default: the shipped `scenes/splits.toml`).
    #[arg(long)]
    pub splits_file: Option<PathBuf>,
    /// Do not write `episodes/<key>.json` recordings.
    #[arg(long)]
    pub no_record: bool,
    /// No progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Print this shard's job keys and exit.
    #[arg(long)]
    pub dry_run: bool,
    /// Background of the cameras rendered for camera-based agents: map meshes, or 3D Gaussian
    /// splats baked from them (once per scene, cached under `$MPA_SIM_SPLAT_CACHE` or
    /// `~/.cache/mpa-sim/splats`).
    #[arg(long, value_enum, default_value = "mesh")]
    pub render_mode: crate::cli::render::RenderMode,
}

/// The whole job list (all shards), in its deterministic order.
pub fn build_jobs(args: &RolloutArgs) -> anyhow::Result<Vec<EpisodeJob>> {
    let mut builder = JobListBuilder::new().seeds(args.first_seed, args.seeds);
    for agent in &args.agent {
        builder = builder.agent(agent);
    }
    let splits_file = args
        .splits_file
        .clone()
        .unwrap_or_else(registry::splits_file);
    builder = builder.sources(&args.split, &splits_file, &args.scenario)?;
    Ok(builder.build()?)
}

pub fn run(args: RolloutArgs) -> anyhow::Result<()> {
    let all = build_jobs(&args)?;
    let jobs = args.shard.select(&all);
    if args.dry_run {
        for job in &jobs {
            println!("{}", job.key());
        }
        return Ok(());
    }
    let run_config = serde_json::json!({
        "argv": std::env::args().collect::<Vec<_>>(),
        "version": env!("CARGO_PKG_VERSION"),
        "split": args.split,
        "scenario": args.scenario,
        "agent": args.agent,
        "seeds": args.seeds,
        "first_seed": args.first_seed,
        "jobs": args.jobs,
        "shard": args.shard.to_string(),
        "jobs_total": all.len(),
        "jobs_in_shard": jobs.len(),
        "record": !args.no_record,
        "render_mode": mpa_sim::render::RenderMode::from(args.render_mode).as_str(),
    });
    // Agents that read cameras get views from one render thread shared by the workers.
    let mut wants_views = Vec::new();
    for name in &args.agent {
        // From the spec alone: no weights are loaded here.
        if mpa_sim::agent::registry::view_request(name)?.is_some() {
            wants_views.push(name.as_str());
        }
    }
    // `--jobs 0` is one worker per core for camera agents too. The render thread keeps a
    // renderer per scene (`render::view_service::RENDERER_CACHE_SCENES`); with the single renderer it kept
    // before, two workers on different scenes rebuilt the static scene mesh on nearly every
    // frame and ran 2x slower than one worker (12 in-domain trainval scenes, `base`: 28.4
    // decisions/s with 2 workers against 54.2 with 1; now 72.5 against 54.7).
    let jobs_parallel = args.jobs;
    if !wants_views.is_empty() {
        eprintln!(
            "camera agents ({}): views from one render thread shared by the workers",
            wants_views.join(", ")
        );
    }
    let options = BatchOptions {
        out_dir: args.out.clone(),
        jobs_parallel,
        progress: !args.no_progress,
        record: !args.no_record,
        run_config,
    };
    let plan = BatchPlan::prepare(&jobs, options)
        .with_context(|| format!("preparing {}", args.out.display()))?;
    for w in &plan.report.warnings {
        eprintln!("warning: {w}");
    }
    eprintln!(
        "shard {}: {} of {} jobs; {} already done, {} to run",
        args.shard,
        jobs.len(),
        all.len(),
        plan.report.already_done,
        plan.todo.len()
    );
    let service = if wants_views.is_empty() || plan.todo.is_empty() {
        None
    } else {
        let mode = mpa_sim::render::RenderMode::from(args.render_mode);
        let s = RenderService::start_with_mode(AdapterPreference::Auto, mode, None)
            .context("starting the renderer for camera-based agents")?;
        eprintln!(
            "rendering views for {} on {} ({mode} mode)",
            wants_views.join(", "),
            s.describe()
        );
        Some(s)
    };
    let source = episode::SceneSource::default();
    let config = mpa_sim::world::SimConfig::default();
    let report = plan.run(&|job: &EpisodeJob| {
        let views = service
            .as_ref()
            .map(|s| Box::new(s.client()) as Box<dyn mpa_sim::render::ViewProvider>);
        episode::run_episode_views(job, &source, &config, views)
    })?;
    eprintln!(
        "{} finished, {} failed in {:.1} s -> {}",
        report.finished,
        report.failed,
        report.wall_time_secs,
        args.out.display()
    );
    if report.failed > 0 {
        bail!(
            "{} episodes failed; see {} (rerun the same command to retry them)",
            report.failed,
            args.out
                .join(mpa_sim::rollout::runner::ERRORS_FILE)
                .display()
        );
    }
    Ok(())
}
