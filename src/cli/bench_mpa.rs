//! `mpa-sim bench mpa`: the costs of MPA part 1 measured in one run: counterfactual generation
//! (samples per second with rendering, bytes per sample) on shipped training scenes, the frozen
//! six-view encoder per decision, and the Q model on 21 candidates.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use mpa_sim::agent::base::PLAN_LEN;
use mpa_sim::agent::base::shipped_dir;
use mpa_sim::agent::mpa::features::{FrozenEncoder, HISTORY_FEATURES, HISTORY_LEN, Q_VIEWS};
use mpa_sim::agent::mpa::q::{ENCODER_DIR, QModel};
use mpa_sim::agent::mpa::shipped_q_dir;
use mpa_sim::render::{AdapterPreference, CameraView, Views};
use mpa_sim::rollout::episode::SceneSource;

#[derive(Debug, Args)]
pub struct BenchMpaArgs {
    /// Q-model folder (default: the shipped one, agents/mpa-q or $MPA_SIM_Q_DIR).
    #[arg(long)]
    pub q: Option<PathBuf>,
    /// Shipped training scenes to generate from (0: skip the generation row).
    #[arg(long, default_value_t = 1)]
    pub gen_scenes: usize,
    /// Timed repeats of the inference rows (the median is printed).
    #[arg(long, default_value_t = 200)]
    pub repeats: usize,
}

fn median_ms(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN) * 1e3
}

pub fn run(args: &BenchMpaArgs) -> anyhow::Result<()> {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "mpa-sim bench mpa (load average: {})",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("| what | value |\n|---|---|");
    if args.gen_scenes > 0 {
        let tmp_dir =
            std::env::temp_dir().join(format!("mpa-sim-bench-mpa-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp_dir);
        let scenes: Vec<String> = mpa_sim::scene::registry::split("train")?
            .into_iter()
            .take(args.gen_scenes)
            .collect();
        let encoder = FrozenEncoder::load(&shipped_dir()).map_err(anyhow::Error::msg)?;
        let config = mpa_sim::mpa::counterfactual::GenConfig {
            every: 8,
            ..mpa_sim::mpa::counterfactual::GenConfig::new(
                &SceneSource::default(),
                "train",
                "base",
                &encoder,
            )
        };
        let s = mpa_sim::mpa::run::run(&mpa_sim::mpa::run::GenOptions {
            config,
            source: SceneSource::default(),
            scenes,
            encoder_dir: shipped_dir(),
            out_dir: tmp_dir.clone(),
            jobs: 1,
            adapter: AdapterPreference::Auto,
            progress: false,
        });
        let _ = std::fs::remove_dir_all(&tmp_dir);
        let s = s?;
        println!(
            "| generation, 21 behaviours x 5 steps, 1 worker | {:.1} samples/s ({} samples, {} reference states, {:.1} s) |",
            s.generated_samples as f64 / s.secs,
            s.samples,
            s.references,
            s.secs
        );
        println!(
            "| bytes per sample on disk | {:.0} (six 64-d view features per reference state, shared by its behaviours) |",
            s.bytes as f64 / s.samples.max(1) as f64
        );
    }
    let q_dir = args.q.clone().unwrap_or_else(shipped_q_dir);
    let q = QModel::load(&q_dir).context("the Q model (train one with `mpa-sim train q`)")?;
    let encoder = FrozenEncoder::load(&q_dir.join(ENCODER_DIR)).map_err(anyhow::Error::msg)?;
    let r = encoder.view_request();
    let n = (r.width_px * r.height_px) as usize;
    let views = Views {
        cameras: r
            .channels
            .iter()
            .enumerate()
            .map(|(k, ch)| CameraView {
                channel: ch.clone(),
                width: r.width_px,
                height: r.height_px,
                rgb: (0..n * 3).map(|i| ((i * 7 + k * 31) % 251) as u8).collect(),
                depth_m: vec![10.0; n],
                semantic: vec![0; n],
            })
            .collect(),
    };
    let reps = args.repeats.max(1);
    let mut enc = Vec::with_capacity(reps);
    let mut feats = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        feats = encoder.encode(&[&views]).map_err(anyhow::Error::msg)?;
        enc.push(t.elapsed().as_secs_f64());
    }
    let features = feats
        .pop()
        .unwrap_or_else(|| vec![0.0; Q_VIEWS * q.config.feature_dim]);
    let history = vec![0.1f32; HISTORY_LEN * HISTORY_FEATURES];
    let actions: Vec<Vec<[f32; 2]>> = (0..21)
        .map(|c| {
            (1..=PLAN_LEN)
                .map(|i| [i as f32 * (1.0 + 0.05 * c as f32), 0.01 * c as f32])
                .collect()
        })
        .collect();
    let mut qt = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        q.evaluate(&features, &history, &actions)?;
        qt.push(t.elapsed().as_secs_f64());
    }
    println!(
        "| frozen encoder, six 64x36 views | {:.2} ms per decision (median of {reps}) |",
        median_ms(enc)
    );
    println!(
        "| Q model, 21 candidates (4 heads) | {:.2} ms per decision (median of {reps}; target < 5 ms) |",
        median_ms(qt)
    );
    Ok(())
}
