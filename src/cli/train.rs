//! `mpa-sim train base`: render training frames (cached), train the base policy, write its
//! weights, config, loss plot and report (see `mpa_sim::agent::base::train`).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use mpa_sim::agent::base::BaseConfig;
use mpa_sim::agent::base::train::{self, TrainOptions};
use mpa_sim::render::AdapterPreference;
use mpa_sim::scene::registry;

#[derive(Debug, Subcommand)]
pub enum TrainCommand {
    /// Train the camera-based base policy by imitation of the logged ego trajectories.
    Base(TrainBaseArgs),
    /// Train MPA's multi-principle Q model on counterfactual data (`mpa gen`).
    Q(super::mpa::TrainQArgs),
}

#[derive(Debug, Args)]
pub struct TrainBaseArgs {
    /// Scene split to train on (its last `--val-scenes` scenes are held out for validation).
    #[arg(long, default_value = "train")]
    pub split: String,
    /// Output folder (model.safetensors, config.json, loss.png, train_report.{json,md}).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub data: super::mpa::DataSource,
    /// Seed of weight initialisation, batch order and viewpoint perturbations.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, default_value_t = 12)]
    pub epochs: usize,
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    #[arg(long, default_value_t = 1e-4)]
    pub weight_decay: f32,
    /// Scenes to leave out of the split (e.g. copies of test scenes); repeatable.
    #[arg(long)]
    pub exclude: Vec<String>,
    /// Use only the first N scenes of the split (0: all).
    #[arg(long, default_value_t = 0)]
    pub max_scenes: usize,
    /// Scenes held out for validation (taken from the end of the split; at least 1).
    #[arg(long, default_value_t = 10)]
    pub val_scenes: usize,
    /// Record every n-th decision tick (0.25 s apart).
    #[arg(long, default_value_t = 2)]
    pub tick_stride: usize,
    /// Perturbed viewpoints per recorded tick.
    #[arg(long, default_value_t = 2)]
    pub perturbations: usize,
    #[arg(long, default_value_t = 1.0)]
    pub lateral_max_m: f64,
    #[arg(long, default_value_t = 8.0)]
    pub yaw_max_deg: f64,
    /// Network and input config (JSON, the `config.json` format); default: the built-in one.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Frame cache folder (default: <system temp>/mpa-sim-train-cache).
    #[arg(long)]
    pub cache: Option<PathBuf>,
    /// Render on the CPU (lavapipe) even when a GPU is present.
    #[arg(long)]
    pub cpu_render: bool,
    #[arg(long)]
    pub no_progress: bool,
}

pub fn run(cmd: TrainCommand) -> anyhow::Result<()> {
    match cmd {
        TrainCommand::Base(args) => run_base(&args),
        TrainCommand::Q(args) => super::mpa::train_q(&args),
    }
}

fn run_base(args: &TrainBaseArgs) -> anyhow::Result<()> {
    let source = args.data.source();
    let splits_file = args
        .data
        .splits_file
        .clone()
        .unwrap_or_else(registry::splits_file);
    let mut scenes = args.data.split(&args.split, &args.exclude)?;
    if args.max_scenes > 0 {
        scenes.truncate(args.max_scenes);
    }
    if scenes.len() < 2 {
        bail!(
            "split `{}` of {} has {} scenes; training needs at least 2 (one held out)",
            args.split,
            splits_file.display(),
            scenes.len()
        );
    }
    let n_val = args.val_scenes.clamp(1, scenes.len() - 1);
    let val_scenes = scenes.split_off(scenes.len() - n_val);
    let config = match &args.config {
        Some(p) => BaseConfig::load(p)?,
        None => BaseConfig::default(),
    };
    let opts = TrainOptions {
        config,
        source,
        train_scenes: scenes,
        val_scenes,
        tick_stride: args.tick_stride,
        perturbations: args.perturbations,
        lateral_max_m: args.lateral_max_m,
        yaw_max_deg: args.yaw_max_deg,
        seed: args.seed,
        epochs: args.epochs,
        batch_size: args.batch_size,
        learning_rate: args.lr,
        weight_decay: args.weight_decay,
        cache_dir: args
            .cache
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("mpa-sim-train-cache")),
        out_dir: args.out.clone(),
        adapter: if args.cpu_render {
            AdapterPreference::Cpu
        } else {
            AdapterPreference::Auto
        },
        progress: !args.no_progress,
    };
    eprintln!(
        "training on {} scenes, validating on {} ({}), seed {}",
        opts.train_scenes.len(),
        opts.val_scenes.len(),
        opts.val_scenes.join(", "),
        opts.seed
    );
    let report = train::run(&opts).context("training the base policy")?;
    let l2 = &report.val_open_loop_l2;
    println!(
        "{} train / {} validation samples; data {:.0} s, training {:.0} s",
        report.train_samples, report.val_samples, report.data_secs, report.train_secs
    );
    println!(
        "validation open-loop L2 at 1/2/3 s: {:.3} / {:.3} / {:.3} m -> {}",
        l2.at_1s_m,
        l2.at_2s_m,
        l2.at_3s_m,
        args.out.display()
    );
    Ok(())
}
