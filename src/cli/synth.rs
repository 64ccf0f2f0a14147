//! `mpa-sim scenes synth`: generate a synthetic nuScenes-format dataset.

use anyhow::{Context, bail};
use clap::Args;
use mpa_sim::scene::Location;
use mpa_sim::scene::synth::{self, Preset, SynthOptions};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Dataset root to write (tables in <out>/<version>/, maps in <out>/maps/).
    #[arg(long)]
    pub out: PathBuf,
    /// Scenes per location (ignored with --preset).
    #[arg(long, default_value_t = 10)]
    pub count: usize,
    /// Location(s): singapore-onenorth (left-hand traffic), boston-seaport (right-hand).
    #[arg(long = "location")]
    pub locations: Vec<String>,
    /// Seed of every random draw; the same arguments give byte-identical files.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Version folder name (presets choose their own).
    #[arg(long, default_value = "v1.0-mini")]
    pub version: String,
    /// Number of the first scene (scene-0001 for 1).
    #[arg(long, default_value_t = 1)]
    pub first_index: usize,
    /// `mini` (10 scenes) or `trainval` (410 scenes) with a splits.toml.
    #[arg(long)]
    pub preset: Option<String>,
    /// Where a preset writes its splits file (default <out>/splits.toml).
    #[arg(long)]
    pub splits: Option<PathBuf>,
    /// Also draw <out>/preview/<location>.png (town, lanes, ego routes).
    #[arg(long)]
    pub preview: bool,
}

pub fn run(args: SynthArgs) -> anyhow::Result<()> {
    let summary = if let Some(p) = &args.preset {
        let preset = Preset::parse(p)
            .with_context(|| format!("unknown preset {p:?} (expected mini or trainval)"))?;
        let (summary, splits) = synth::generate_preset(
            preset,
            &args.out,
            args.splits.as_deref(),
            args.seed,
            args.preview,
        )?;
        println!(
            "splits: {} train, {} test_in_domain, {} test_unseen",
            splits.train.len(),
            splits.test_in_domain.len(),
            splits.test_unseen.len()
        );
        summary
    } else {
        if args.locations.is_empty() {
            bail!(
                "give at least one --location (singapore-onenorth, boston-seaport) or a --preset"
            );
        }
        let locations = args
            .locations
            .iter()
            .map(|l| Location::parse(l).with_context(|| format!("unknown location {l:?}")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        synth::generate(&SynthOptions {
            out_dir: args.out.clone(),
            version: args.version.clone(),
            locations,
            count_per_location: args.count,
            seed: args.seed,
            first_index: args.first_index,
            preview: args.preview,
        })?
    };
    println!(
        "wrote {} scenes, {} instances, {} annotations to {} ({} actors dropped for conflicts)",
        summary.scenes.len(),
        summary.instances,
        summary.annotations,
        args.out.display(),
        summary.dropped_actors
    );
    Ok(())
}
