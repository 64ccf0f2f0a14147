//! `mpa-sim serve`: run split scenes or scenario files as a HUGSIM-protocol server for one
//! remote agent (see `mpa_sim::serve`). Results land in `--out` as with `rollout` (agent
//! `remote`); rerunning into the same directory skips finished episodes.

use std::path::PathBuf;

use anyhow::Context;
use clap::{ArgGroup, Args};
use mpa_sim::rollout::{EpisodeJob, JobListBuilder};
use mpa_sim::scene::registry;
use mpa_sim::serve::{
    ImageSize, REMOTE_AGENT_NAME, ServerOptions, Session, SessionConfig, ViewOptions, spawn,
    view_source,
};

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).multiple(true).args(["split", "scenario"])))]
pub struct ServeArgs {
    /// Serve every scene of this split (`safety_critical`: the shipped scenarios); repeatable.
    #[arg(long)]
    pub split: Vec<String>,
    /// Scenario files, or directories of `*.toml` scenario files.
    #[arg(long, num_args = 1..)]
    pub scenario: Vec<PathBuf>,
    /// Address to listen on (HUGSIM's servers listen on 0.0.0.0; the default stays local).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    #[arg(long, default_value_t = 8065)]
    pub port: u16,
    /// Required `auth-token` header (the client's HUGSIM_API_TOKEN); "" accepts any request.
    #[arg(long)]
    pub token: String,
    /// Output directory (results.jsonl, episodes/, errors.jsonl, run.json).
    #[arg(long)]
    pub out: PathBuf,
    /// Episode seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Camera image size WIDTHxHEIGHT.
    #[arg(long, default_value = "800x450")]
    pub size: ImageSize,
    /// Send uniform stand-in images instead of rendering (protocol tests only).
    #[arg(long)]
    pub no_render: bool,
    /// Background of the rendered cameras: map meshes, or 3D Gaussian splats baked from them
    /// (once per scene, cached under `$MPA_SIM_SPLAT_CACHE` or `~/.cache/mpa-sim/splats`).
    #[arg(long, value_enum, default_value = "mesh")]
    pub render_mode: crate::cli::render::RenderMode,
    /// Exit once the last episode is done.
    #[arg(long)]
    pub exit_when_done: bool,
    /// Splits file (default: the shipped `scenes/splits.toml`).
    #[arg(long)]
    pub splits_file: Option<PathBuf>,
}

/// The served episodes, in order: split scenes, then scenario files.
pub fn build_jobs(args: &ServeArgs) -> anyhow::Result<Vec<EpisodeJob>> {
    let builder = JobListBuilder::new()
        .seeds(args.seed, 1)
        .agent(REMOTE_AGENT_NAME);
    let splits_file = args
        .splits_file
        .clone()
        .unwrap_or_else(registry::splits_file);
    Ok(builder
        .sources(&args.split, &splits_file, &args.scenario)?
        .build()?)
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let jobs = build_jobs(&args)?;
    let views = view_source(&ViewOptions {
        size: args.size,
        no_render: args.no_render,
        render_mode: args.render_mode.into(),
    })?;
    let run_config = serde_json::json!({
        "argv": std::env::args().collect::<Vec<_>>(),
        "version": env!("CARGO_PKG_VERSION"),
        "command": "serve",
        "split": args.split,
        "scenario": args.scenario,
        "agent": REMOTE_AGENT_NAME,
        "seed": args.seed,
        "size": format!("{}x{}", args.size.width_px, args.size.height_px),
        "no_render": args.no_render,
        "render_mode": mpa_sim::render::RenderMode::from(args.render_mode).as_str(),
        "jobs_total": jobs.len(),
    });
    let n = jobs.len();
    let session = Session::new(
        SessionConfig {
            jobs,
            out_dir: args.out.clone(),
            source: Default::default(),
            sim: Default::default(),
            run_config,
        },
        views,
    )
    .with_context(|| format!("preparing {}", args.out.display()))?;
    if args.token.is_empty() {
        eprintln!("warning: empty --token: every request is accepted");
    }
    let handle = spawn(
        session,
        ServerOptions {
            addr: format!("{}:{}", args.host, args.port),
            token: args.token.clone(),
            exit_when_done: args.exit_when_done,
            log: true,
            ..ServerOptions::default()
        },
    )?;
    eprintln!(
        "serving {n} episodes on {} (HUGSIM protocol); results -> {}",
        handle.url(),
        args.out.display()
    );
    handle.join()?;
    Ok(())
}
