//! `mpa-sim mpa gen | merge` and `mpa-sim train q` (see `mpa_sim::mpa`).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use mpa_sim::agent::base::shipped_dir;
use mpa_sim::agent::mpa::behaviours::{DEFAULT_NOISE_STD_M, Ranges};
use mpa_sim::agent::mpa::features::FrozenEncoder;
use mpa_sim::mpa::counterfactual::GenConfig;
use mpa_sim::mpa::run::{GenOptions, run as run_gen};
use mpa_sim::mpa::train_q::{self, TrainQOptions};
use mpa_sim::render::AdapterPreference;
use mpa_sim::rollout::episode::SceneSource;
use mpa_sim::rollout::shard::Shard;
use mpa_sim::scene::registry::{self, Splits};

#[derive(Debug, Subcommand)]
pub enum MpaCommand {
    /// Generate counterfactual data: perturbed base plans rolled out from reference states of
    /// the training scenes, with per-principle rewards (safetensors shards + manifest.json).
    Gen(Box<GenArgs>),
    /// Merge the output folders of sharded `mpa gen` runs into one.
    Merge {
        /// Output folder (must not hold data yet).
        #[arg(long)]
        out: PathBuf,
        /// Shard folders.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
}

/// Where scenes come from (shared by gen and the evaluation commands).
#[derive(Debug, Args, Clone)]
pub struct DataSource {
    /// nuScenes data root (default: the shipped scenes).
    #[arg(long)]
    pub dataroot: Option<PathBuf>,
    /// Version folder under the data root (default: the shipped v1.0-mini).
    #[arg(long)]
    pub version: Option<String>,
    /// Splits file (default: the shipped scenes/splits.toml).
    #[arg(long)]
    pub splits_file: Option<PathBuf>,
}

impl DataSource {
    pub fn source(&self) -> SceneSource {
        SceneSource {
            dataroot: self
                .dataroot
                .clone()
                .unwrap_or_else(registry::shipped_dataroot),
            version: self
                .version
                .clone()
                .unwrap_or_else(|| registry::SHIPPED_VERSION.to_string()),
        }
    }

    pub fn split(&self, name: &str, exclude: &[String]) -> anyhow::Result<Vec<String>> {
        let file = self
            .splits_file
            .clone()
            .unwrap_or_else(registry::splits_file);
        let splits = Splits::load(&file)?;
        Ok(splits
            .get(name)?
            .iter()
            .filter(|s| !exclude.contains(s))
            .cloned()
            .collect())
    }
}

#[derive(Debug, Args)]
pub struct GenArgs {
    #[arg(long, default_value = "train")]
    pub split: String,
    #[command(flatten)]
    pub data: DataSource,
    /// Scenes to leave out of the split; repeatable.
    #[arg(long)]
    pub exclude: Vec<String>,
    /// Use only the first N scenes of the split (0: all).
    #[arg(long, default_value_t = 0)]
    pub max_scenes: usize,
    /// The agent whose plans are perturbed (any agent spec).
    #[arg(long, default_value = "base")]
    pub base: String,
    /// Base-policy folder whose camera encoder the Q model uses, frozen (default: the shipped
    /// base policy).
    #[arg(long)]
    pub encoder: Option<PathBuf>,
    #[arg(long)]
    pub out: PathBuf,
    /// Behaviours per reference state (the base plan plus perturbations).
    #[arg(long, default_value_t = 21)]
    pub behaviours: usize,
    /// Decision ticks each behaviour is rolled out (T).
    #[arg(long, default_value_t = 5)]
    pub horizon: usize,
    /// A reference state every K logged decision ticks (0.25 s each).
    #[arg(long, default_value_t = 4)]
    pub every: usize,
    /// Perturbation ranges: `appendix` (rotation +-5 deg, warp 0.1-2.0) or `main` (+-10 deg,
    /// 0.1-1.0); see shared/MPA.md.
    #[arg(long, default_value = "appendix")]
    pub ranges: String,
    #[arg(long, default_value_t = DEFAULT_NOISE_STD_M)]
    pub noise_std_m: f64,
    /// Branches whose combined return (paper weights) is below this are dropped.
    #[arg(long, default_value_t = mpa_sim::mpa::counterfactual::DEFAULT_FLOOR, allow_hyphen_values = true)]
    pub floor: f64,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Run the scenes with index % n == i (0-based), e.g. $SLURM_ARRAY_TASK_ID/n.
    #[arg(long, default_value = "0/1")]
    pub shard: String,
    /// Worker threads (each renders on its own device).
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    #[arg(long)]
    pub cpu_render: bool,
    #[arg(long)]
    pub no_progress: bool,
}

pub fn run(cmd: MpaCommand) -> anyhow::Result<()> {
    match cmd {
        MpaCommand::Gen(args) => gen_cmd(&args),
        MpaCommand::Merge { out, inputs } => {
            let s = mpa_sim::mpa::merge::merge(&inputs, &out)?;
            println!(
                "merged {} folders: {} scenes, {} samples -> {}",
                s.inputs,
                s.scenes,
                s.samples,
                out.display()
            );
            Ok(())
        }
    }
}

fn gen_cmd(args: &GenArgs) -> anyhow::Result<()> {
    let source = args.data.source();
    let mut scenes = args.data.split(&args.split, &args.exclude)?;
    if args.max_scenes > 0 {
        scenes.truncate(args.max_scenes);
    }
    let shard: Shard = args.shard.parse()?;
    let scenes = shard.select(&scenes);
    if scenes.is_empty() {
        bail!(
            "no scenes to generate from (split `{}`, shard {shard})",
            args.split
        );
    }
    let encoder_dir = args.encoder.clone().unwrap_or_else(shipped_dir);
    let encoder = FrozenEncoder::load(&encoder_dir)
        .map_err(anyhow::Error::msg)
        .context("loading the frozen encoder (--encoder)")?;
    let ranges = Ranges::parse(&args.ranges).map_err(anyhow::Error::msg)?;
    if args.behaviours == 0 || args.horizon == 0 {
        bail!("--behaviours and --horizon must be at least 1");
    }
    if !args.noise_std_m.is_finite() || args.noise_std_m < 0.0 || args.floor.is_nan() {
        bail!("--noise-std-m must be a non-negative number and --floor a number");
    }
    let config = GenConfig {
        behaviours: args.behaviours,
        horizon: args.horizon,
        every: args.every.max(1),
        ranges,
        noise_std_m: args.noise_std_m,
        floor: args.floor,
        seed: args.seed,
        ..GenConfig::new(&source, &args.split, &args.base, &encoder)
    };
    drop(encoder);
    eprintln!(
        "mpa gen: {} scenes (split {}, shard {shard}), {} behaviours x {} steps every {} ticks, base `{}` -> {}",
        scenes.len(),
        args.split,
        args.behaviours,
        args.horizon,
        config.every,
        args.base,
        args.out.display()
    );
    let opts = GenOptions {
        config,
        source,
        scenes,
        encoder_dir,
        out_dir: args.out.clone(),
        jobs: args.jobs.max(1),
        adapter: if args.cpu_render {
            AdapterPreference::Cpu
        } else {
            AdapterPreference::Auto
        },
        progress: !args.no_progress,
    };
    let s = run_gen(&opts)?;
    let per_sample = s.bytes as f64 / s.samples.max(1) as f64;
    println!(
        "{} scenes generated ({} resumed): {} reference states, {} samples ({} collide), {} branches dropped; {:.1} MB ({per_sample:.0} bytes/sample); {:.0} s ({:.1} samples/s generated) -> {}",
        s.scenes_generated,
        s.scenes_resumed,
        s.references,
        s.samples,
        s.collisions,
        s.dropped,
        s.bytes as f64 / 1e6,
        s.secs,
        s.generated_samples as f64 / s.secs.max(1e-9),
        args.out.display()
    );
    Ok(())
}

#[derive(Debug, Args)]
pub struct TrainQArgs {
    /// Data folders written by `mpa gen` (or merged).
    #[arg(long = "data", required = true)]
    pub data: Vec<PathBuf>,
    /// The frozen encoder's base-policy folder (must be the one the data was made with;
    /// default: the shipped base policy).
    #[arg(long)]
    pub encoder: Option<PathBuf>,
    /// Output folder (q_config.json, q.safetensors, encoder/, loss.png, train_report.*).
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, default_value_t = 20)]
    pub epochs: usize,
    #[arg(long, default_value_t = 128)]
    pub batch_size: usize,
    #[arg(long, default_value_t = 1e-4)]
    pub lr: f64,
    #[arg(long, default_value_t = 1e-4)]
    pub weight_decay: f32,
    /// Fraction of scenes held out for validation.
    #[arg(long, default_value_t = 0.1)]
    pub val_fraction: f64,
    /// Train on this fraction of the training scenes (data-amount ablation).
    #[arg(long, default_value_t = 1.0)]
    pub data_fraction: f64,
    #[arg(long)]
    pub no_progress: bool,
}

pub fn train_q(args: &TrainQArgs) -> anyhow::Result<()> {
    let fractions_ok = (0.0..1.0).contains(&args.val_fraction)
        && args.data_fraction > 0.0
        && args.data_fraction <= 1.0;
    if !fractions_ok {
        bail!("--val-fraction must be in [0, 1) and --data-fraction in (0, 1]");
    }
    let opts = TrainQOptions {
        data: args.data.clone(),
        encoder_dir: args.encoder.clone().unwrap_or_else(shipped_dir),
        out_dir: args.out.clone(),
        seed: args.seed,
        epochs: args.epochs,
        batch_size: args.batch_size,
        learning_rate: args.lr,
        weight_decay: args.weight_decay,
        val_fraction: args.val_fraction,
        data_fraction: args.data_fraction,
        progress: !args.no_progress,
    };
    let r = train_q::run(&opts).context("training the Q model")?;
    println!(
        "{} train / {} validation samples ({} scenes held out); {:.0} s",
        r.train_samples,
        r.val_samples,
        r.val_scenes.len(),
        r.train_secs
    );
    for e in &r.val_errors {
        println!(
            "  {:<9} RMSE {:.4} (target std {:.4})",
            e.principle, e.rmse, e.target_std
        );
    }
    println!(
        "  collision AUC {:.3}; selection regret: Q {:.1}, base plan {:.1}, random {:.1} over {} reference states -> {}",
        r.val_collision_auc,
        r.val_regret_q,
        r.val_regret_base,
        r.val_regret_random,
        r.val_references,
        args.out.display()
    );
    Ok(())
}
