//! Open-loop training of the base policy by imitation of logged ego trajectories (as UniAD,
//! VAD and TransFuser are trained).
//!
//! 1. Data (`dataset`, cached by `cache`): frames rendered along each training scene's log and
//!    from perturbed viewpoints, labels = the logged future in the sample's frame. Validation
//!    scenes (held out from the split, never trained on) get unperturbed frames only.
//! 2. Fit (`fit`): AdamW on the L1 waypoint error in metres (TransFuser's loss), batches drawn
//!    in an order shuffled per epoch by a ChaCha stream of the seed; weights initialised from
//!    the same seed (`model::init_tensors`); cosine learning-rate decay per epoch.
//! 3. Outputs: `model.safetensors`, `config.json`, `loss.png` (train and validation L1 per
//!    epoch) and `train_report.{json,md}` with the open-loop L2 at 1, 2, 3 s on the validation
//!    scenes (`metrics`).

pub mod cache;
pub mod dataset;
pub mod metrics;
pub mod plot;

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::config::{BaseConfig, PLAN_LEN};
use super::model::{BaseNet, init_tensors};
use super::{BaseError, CONFIG_FILE, WEIGHTS_FILE, cpu_device, input, weights};
use crate::render::{AdapterPreference, LocalViews};
use crate::rollout::episode::SceneSource;
use dataset::{GenParams, Samples};
use metrics::{OpenLoopL2, open_loop_l2};

pub const LOSS_PLOT_FILE: &str = "loss.png";
pub const REPORT_JSON_FILE: &str = "train_report.json";
pub const REPORT_MD_FILE: &str = "train_report.md";

/// Everything a training run depends on.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub config: BaseConfig,
    pub source: SceneSource,
    pub train_scenes: Vec<String>,
    pub val_scenes: Vec<String>,
    pub tick_stride: usize,
    pub perturbations: usize,
    pub lateral_max_m: f64,
    pub yaw_max_deg: f64,
    pub seed: u64,
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub weight_decay: f32,
    pub cache_dir: PathBuf,
    pub out_dir: PathBuf,
    pub adapter: AdapterPreference,
    pub progress: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    pub seed: u64,
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub dataroot: String,
    pub version: String,
    pub train_scenes: usize,
    pub val_scenes: Vec<String>,
    pub train_samples: usize,
    pub val_samples: usize,
    pub perturbations: usize,
    pub lateral_max_m: f64,
    pub yaw_max_deg: f64,
    pub parameters: usize,
    pub train_l1_m: Vec<f64>,
    pub val_l1_m: Vec<f64>,
    /// Open-loop L2 of the final weights on the validation scenes (logged viewpoints).
    pub val_open_loop_l2: OpenLoopL2,
    pub data_secs: f64,
    pub train_secs: f64,
}

fn gen_params(opts: &TrainOptions, scenes: &[String], perturbations: usize) -> GenParams {
    GenParams {
        tick_stride: opts.tick_stride,
        perturbations,
        lateral_max_m: opts.lateral_max_m,
        yaw_max_deg: opts.yaw_max_deg,
        seed: opts.seed,
        ..GenParams::new(&opts.config, &opts.source, scenes.to_vec())
    }
}

/// Samples of `params` from the cache, or rendered (and cached) now.
pub fn samples_for(
    params: &GenParams,
    cache_dir: &Path,
    views: &mut Option<LocalViews>,
    adapter: AdapterPreference,
    progress: bool,
    what: &str,
) -> Result<Samples, BaseError> {
    let path = cache::cache_path(cache_dir, params);
    if let Some(s) = cache::load(&path, params)? {
        if progress {
            eprintln!("{what}: {} cached samples from {}", s.len(), path.display());
        }
        return Ok(s);
    }
    if views.is_none() {
        *views = Some(
            LocalViews::new(adapter)
                .map_err(|e| BaseError::Train(format!("starting the renderer: {e}")))?,
        );
    }
    let views = views.as_mut().expect("set just above");
    let bar = progress_bar(progress, params.scenes.len(), &format!("render {what}"));
    let total = params.scenes.len();
    let samples = dataset::generate(params, views, &mut |i| {
        bar.inc(1);
        if progress && bar.is_hidden() && ((i + 1) % 10 == 0 || i + 1 == total) {
            eprintln!("render {what}: {}/{total} scenes", i + 1);
        }
    })?;
    bar.finish_and_clear();
    cache::save(&path, params, &samples)?;
    if progress {
        eprintln!("{what}: {} samples -> {}", samples.len(), path.display());
    }
    Ok(samples)
}

/// The learning rate of `epoch` of `epochs`: cosine decay from `base` to 5% of it over the run
/// (the base policy's and the Q model's schedule).
pub fn cosine_lr(base: f64, epoch: usize, epochs: usize) -> f64 {
    let progress = epoch as f64 / epochs.max(1) as f64;
    base * (0.05 + 0.95 * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()))
}

/// A bar `{prefix} [elapsed] bar pos/len msg` (hidden when `enabled` is false).
pub fn progress_bar(enabled: bool, len: usize, what: &str) -> indicatif::ProgressBar {
    if !enabled {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    let style = indicatif::ProgressStyle::with_template(
        "{prefix:>14} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_prefix(what.to_string());
    bar
}

/// Input tensors of the samples `idx`: images, ego vectors, labels.
fn batch(
    config: &BaseConfig,
    params: &GenParams,
    s: &Samples,
    idx: &[usize],
    device: &Device,
) -> (Tensor<4>, Tensor<2>, Tensor<3>) {
    let stride = Samples::rgb_stride(params);
    let cam_bytes = (params.width_px * params.height_px * 3) as usize;
    let (h, w) = (config.height_px as usize, config.width_px as usize);
    let n_cam = config.cameras.len();
    let mut pixels = Vec::with_capacity(idx.len() * n_cam * 3 * h * w);
    let mut ego = Vec::with_capacity(idx.len() * config.ego_input_dim());
    let mut labels = Vec::with_capacity(idx.len() * PLAN_LEN * 2);
    for &i in idx {
        let rgb = &s.rgb[i * stride..(i + 1) * stride];
        for c in 0..n_cam {
            input::encode_rgb(
                config,
                &rgb[c * cam_bytes..(c + 1) * cam_bytes],
                &mut pixels,
            );
        }
        input::encode_ego(config, &s.ego_input(params, i), &mut ego);
        labels.extend_from_slice(&s.labels[i * PLAN_LEN * 2..(i + 1) * PLAN_LEN * 2]);
    }
    let b = idx.len();
    (
        Tensor::from_data(TensorData::new(pixels, [b, n_cam * 3, h, w]), device),
        Tensor::from_data(TensorData::new(ego, [b, config.ego_input_dim()]), device),
        Tensor::from_data(TensorData::new(labels, [b, PLAN_LEN, 2]), device),
    )
}

/// Predicted waypoints (`[n, PLAN_LEN, 2]` flat) of every sample, with inference weights.
pub fn predict_all(
    config: &BaseConfig,
    net: &BaseNet,
    params: &GenParams,
    s: &Samples,
    batch_size: usize,
) -> Vec<f32> {
    let device = cpu_device();
    let all: Vec<usize> = (0..s.len()).collect();
    let mut out = Vec::with_capacity(s.len() * PLAN_LEN * 2);
    for chunk in all.chunks(batch_size.max(1)) {
        let (images, ego, _) = batch(config, params, s, chunk, &device);
        let wp = net.forward(config, images, ego).waypoints_m.into_data();
        out.extend_from_slice(wp.as_slice::<f32>().expect("network outputs are f32"));
    }
    out
}

fn mean_l1(pred: &[f32], gt: &[f32]) -> f64 {
    if pred.is_empty() {
        return f64::NAN;
    }
    pred.iter()
        .zip(gt)
        .map(|(p, g)| f64::from((p - g).abs()))
        .sum::<f64>()
        / pred.len() as f64
}

/// Train and write the outputs; returns the report.
pub fn run(opts: &TrainOptions) -> Result<TrainReport, BaseError> {
    opts.config
        .validate()
        .map_err(|m| BaseError::Train(format!("config: {m}")))?;
    if opts.train_scenes.is_empty() {
        return Err(BaseError::Train("no training scenes".into()));
    }
    let t0 = Instant::now();
    let train_params = gen_params(opts, &opts.train_scenes, opts.perturbations);
    let val_params = gen_params(opts, &opts.val_scenes, 0);
    let mut views = None;
    let train = samples_for(
        &train_params,
        &opts.cache_dir,
        &mut views,
        opts.adapter,
        opts.progress,
        "train",
    )?;
    let val = if opts.val_scenes.is_empty() {
        Samples::default()
    } else {
        samples_for(
            &val_params,
            &opts.cache_dir,
            &mut views,
            opts.adapter,
            opts.progress,
            "validation",
        )?
    };
    drop(views);
    let data_secs = t0.elapsed().as_secs_f64();
    if train.is_empty() {
        return Err(BaseError::Train(
            "the training scenes gave no samples".into(),
        ));
    }

    let t1 = Instant::now();
    let config = &opts.config;
    let device = cpu_device().autodiff();
    let init = init_tensors(config, opts.seed);
    let parameters = init.values().map(Vec::len).sum();
    let mut net = BaseNet::from_tensors(config, &init, &device);
    let mut optim = AdamWConfig::new()
        .with_weight_decay(opts.weight_decay)
        .init();
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let steps_per_epoch = train.len().div_ceil(opts.batch_size.max(1));
    let bar = progress_bar(opts.progress, opts.epochs * steps_per_epoch, "train");
    let (mut train_l1, mut val_l1) = (Vec::new(), Vec::new());
    let mut val_pred = Vec::new();
    for epoch in 0..opts.epochs {
        let lr = cosine_lr(opts.learning_rate, epoch, opts.epochs);
        order.shuffle(&mut rng);
        let (mut sum, mut count) = (0.0f64, 0usize);
        for chunk in order.chunks(opts.batch_size.max(1)) {
            let (images, ego, labels) = batch(config, &train_params, &train, chunk, &device);
            let out = net.forward(config, images, ego);
            let loss = (out.waypoints_m - labels).abs().mean();
            let value = f64::from(loss.clone().into_scalar::<f32>());
            if !value.is_finite() {
                return Err(BaseError::Train(format!(
                    "loss is {value} in epoch {}",
                    epoch + 1
                )));
            }
            sum += value * chunk.len() as f64;
            count += chunk.len();
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            net = optim.step(lr, net, grads);
            bar.inc(1);
            bar.set_message(format!(
                "epoch {}/{} L1 {:.3} m",
                epoch + 1,
                opts.epochs,
                sum / count as f64
            ));
        }
        train_l1.push(sum / count.max(1) as f64);
        let eval = BaseNet::from_tensors(config, &net.named_tensors(), &cpu_device());
        val_pred = predict_all(config, &eval, &val_params, &val, opts.batch_size);
        val_l1.push(mean_l1(&val_pred, &val.labels));
        if opts.progress {
            let line = format!(
                "epoch {:>3}: train L1 {:.3} m, validation L1 {:.3} m",
                epoch + 1,
                train_l1[epoch],
                val_l1[epoch]
            );
            // A bar without a terminal (logs, CI) draws nothing, its println included.
            if bar.is_hidden() {
                eprintln!("{line}");
            } else {
                bar.println(line);
            }
        }
    }
    bar.finish_and_clear();
    let train_secs = t1.elapsed().as_secs_f64();

    std::fs::create_dir_all(&opts.out_dir).map_err(|e| BaseError::Io {
        file: opts.out_dir.display().to_string(),
        message: e.to_string(),
    })?;
    let write = |name: &str, text: &str| -> Result<(), BaseError> {
        let path = opts.out_dir.join(name);
        std::fs::write(&path, text).map_err(|e| BaseError::Io {
            file: path.display().to_string(),
            message: e.to_string(),
        })
    };
    weights::save(
        &opts.out_dir.join(WEIGHTS_FILE),
        config,
        &net.named_tensors(),
    )?;
    write(CONFIG_FILE, &(config.to_json() + "\n"))?;
    plot::write_loss_plot(
        &opts.out_dir.join(LOSS_PLOT_FILE),
        "BASE POLICY: WAYPOINT L1 LOSS PER EPOCH",
        "L1 (M)",
        &train_l1,
        &val_l1,
    )?;
    let report = TrainReport {
        seed: opts.seed,
        epochs: opts.epochs,
        batch_size: opts.batch_size,
        learning_rate: opts.learning_rate,
        dataroot: opts.source.dataroot.display().to_string(),
        version: opts.source.version.clone(),
        train_scenes: opts.train_scenes.len(),
        val_scenes: opts.val_scenes.clone(),
        train_samples: train.len(),
        val_samples: val.len(),
        perturbations: opts.perturbations,
        lateral_max_m: opts.lateral_max_m,
        yaw_max_deg: opts.yaw_max_deg,
        parameters,
        train_l1_m: train_l1,
        val_l1_m: val_l1,
        val_open_loop_l2: open_loop_l2(&val_pred, &val.labels, PLAN_LEN, 0.5),
        data_secs,
        train_secs,
    };
    let json = serde_json::to_string_pretty(&report)
        .map_err(|e| BaseError::Train(format!("report: {e}")))?;
    write(REPORT_JSON_FILE, &(json + "\n"))?;
    write(REPORT_MD_FILE, &report_markdown(&report))?;
    Ok(report)
}

pub fn report_markdown(r: &TrainReport) -> String {
    let l2 = &r.val_open_loop_l2;
    let mut s = String::from("# Base policy training report\n\n");
    s += &format!(
        "- data: `{}` ({}), {} training scenes, {} held-out validation scenes\n",
        r.dataroot,
        r.version,
        r.train_scenes,
        r.val_scenes.len()
    );
    s += &format!(
        "- samples: {} training ({} perturbed viewpoints per tick, lateral +-{} m, yaw +-{} deg), {} validation\n",
        r.train_samples, r.perturbations, r.lateral_max_m, r.yaw_max_deg, r.val_samples
    );
    s += &format!(
        "- {} parameters; {} epochs, batch {}, AdamW lr {}, seed {}\n",
        r.parameters, r.epochs, r.batch_size, r.learning_rate, r.seed
    );
    s += &format!(
        "- time: data {:.0} s, training {:.0} s\n\n",
        r.data_secs, r.train_secs
    );
    s += "## Open-loop L2 on the validation scenes (m)\n\n";
    s += "| | 1 s | 2 s | 3 s |\n|---|---|---|---|\n";
    s += &format!(
        "| at horizon (UniAD) | {:.3} | {:.3} | {:.3} |\n",
        l2.at_1s_m, l2.at_2s_m, l2.at_3s_m
    );
    s += &format!(
        "| mean up to horizon (ST-P3/VAD) | {:.3} | {:.3} | {:.3} |\n\n",
        l2.avg_1s_m, l2.avg_2s_m, l2.avg_3s_m
    );
    s += "## L1 loss per epoch (m)\n\n| epoch | train | validation |\n|---|---|---|\n";
    for (i, t) in r.train_l1_m.iter().enumerate() {
        let v = r.val_l1_m.get(i).copied().unwrap_or(f64::NAN);
        s += &format!("| {} | {t:.4} | {v:.4} |\n", i + 1);
    }
    s
}
