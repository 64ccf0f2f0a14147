//! `mpa-sim train q`: fit the four Q heads (`agent::mpa::q`) on counterfactual data.
//!
//! - Inputs per sample: its reference state's six view features (mean-pooled), ego history and
//!   the executed first-step plan; targets: the T-step sums of each principle's rewards
//!   (`q::targets`), divided by `target_scale`.
//! - Split: 90/10 by scene (scenes shuffled by a ChaCha stream of the seed; the last tenth, at
//!   least one scene when there are two or more, validates), never by sample: the 21 branches
//!   of one reference state share almost everything.
//! - Loss: mean squared error per principle; the collision head weights samples by inverse
//!   class frequency (collision returns are rare), so the two classes count equally.
//! - AdamW (the paper's lr 1e-4, batch 128), batches in a seeded order; the same seed and data
//!   give the same weights.
//! - Outputs: `q_config.json`, `q.safetensors`, a copy of the frozen encoder (`encoder/`),
//!   `loss.png`, `train_report.{json,md}` with the validation error per principle, the collision
//!   AUC, and the selection regret (how much true return is lost by executing the Q-best branch
//!   of each validation reference state, against always executing the base plan).

use std::path::PathBuf;
use std::time::Instant;

use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::{Tensor, TensorData};
use rand::SeedableRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::MpaError;
use super::counterfactual::GenConfig;
use super::store::{self, Manifest};
use crate::agent::base::PLAN_LEN;
use crate::agent::base::cpu_device;
use crate::agent::base::train::plot::write_loss_plot;
use crate::agent::base::train::{cosine_lr, progress_bar};
use crate::agent::mpa::features::{FrozenEncoder, HISTORY_FEATURES, HISTORY_LEN};
use crate::agent::mpa::q::{
    self, ENCODER_DIR, PRINCIPLES, QConfig, QModel, QNet, encode_sample, init_tensors,
};
use crate::world::PrincipleRewards;

pub const REPORT_JSON_FILE: &str = "train_report.json";
pub const REPORT_MD_FILE: &str = "train_report.md";
pub const LOSS_PLOT_FILE: &str = "loss.png";

#[derive(Debug, Clone)]
pub struct TrainQOptions {
    pub data: Vec<PathBuf>,
    pub encoder_dir: PathBuf,
    pub out_dir: PathBuf,
    pub seed: u64,
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub weight_decay: f32,
    pub val_fraction: f64,
    /// Use only this fraction of the training scenes (the data-amount ablation); 1 = all.
    pub data_fraction: f64,
    pub progress: bool,
}

/// Validation numbers per principle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrincipleError {
    pub principle: String,
    pub rmse: f64,
    pub mae: f64,
    /// Standard deviation of the validation targets (an RMSE at or above it learned nothing).
    pub target_std: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QTrainReport {
    pub data: Vec<String>,
    pub config_sha256: String,
    pub seed: u64,
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub train_scenes: usize,
    pub val_scenes: Vec<String>,
    pub train_samples: usize,
    pub val_samples: usize,
    pub train_collision_samples: usize,
    pub parameters: usize,
    pub train_loss: Vec<f64>,
    pub val_loss: Vec<f64>,
    pub val_errors: Vec<PrincipleError>,
    /// Area under the ROC curve of -Q_collision for "the branch collides or leaves the road".
    pub val_collision_auc: f64,
    /// Mean over validation reference states of (best true combined return) minus (true return
    /// of the branch executed): by the combined Q, by the base plan, and by a random branch.
    pub val_regret_q: f64,
    pub val_regret_base: f64,
    pub val_regret_random: f64,
    pub val_references: usize,
    pub train_secs: f64,
}

/// Flat training arrays.
#[derive(Debug, Default)]
struct Table {
    scene: Vec<usize>,
    reference: Vec<usize>,
    behaviour: Vec<i32>,
    inputs: (Vec<f32>, Vec<f32>, Vec<f32>),
    /// True targets (target units), 4 per sample.
    targets: Vec<[f64; 4]>,
    unsafe_: Vec<bool>,
}

fn load_table(opts: &TrainQOptions) -> Result<(Table, Vec<String>, GenConfig, String), MpaError> {
    let mut table = Table::default();
    let mut scenes = Vec::new();
    let mut config: Option<(GenConfig, String)> = None;
    let mut ref_base = 0usize;
    for dir in &opts.data {
        let m = Manifest::load(dir)?.ok_or_else(|| {
            MpaError::data(
                &dir.join(store::MANIFEST_FILE),
                "missing (not a data folder?)",
            )
        })?;
        let gc: GenConfig = serde_json::from_value(m.config.clone())
            .map_err(|e| MpaError::data(&dir.join(store::MANIFEST_FILE), format!("config: {e}")))?;
        if let Some((_, sha)) = &config
            && *sha != m.config_sha256
        {
            return Err(MpaError::data(
                &dir.join(store::MANIFEST_FILE),
                format!(
                    "config {} differs from the first data folder's {sha}",
                    m.config_sha256
                ),
            ));
        }
        for e in &m.shards {
            let data = store::read_shard(dir, e, gc.feature_dim, gc.horizon, &m.config_sha256)?;
            let scene = scenes.len();
            scenes.push(e.scene.clone());
            for s in &data.samples {
                let r = &data.refs[s.reference as usize];
                table.scene.push(scene);
                table.reference.push(ref_base + s.reference as usize);
                table.behaviour.push(s.behaviour);
                encode_sample(
                    &r.features,
                    gc.feature_dim,
                    &r.history,
                    &s.action,
                    &mut table.inputs,
                );
                let steps: Vec<PrincipleRewards> = s
                    .rewards
                    .iter()
                    .map(|x| PrincipleRewards {
                        progress_m: f64::from(x[0]),
                        route_distance_m: f64::from(x[1]),
                        collision: f64::from(x[2]),
                        off_road: f64::from(x[3]),
                        speeding_mps: f64::from(x[4]),
                        far_from_route: f64::from(x[5]),
                    })
                    .collect();
                let t = q::targets(&steps);
                table.unsafe_.push(t[2] < 0.0);
                table.targets.push(t);
            }
            ref_base += data.refs.len();
        }
        if config.is_none() {
            config = Some((gc, m.config_sha256.clone()));
        }
    }
    let (gc, sha) = config.ok_or_else(|| MpaError::Config("no data folders".into()))?;
    Ok((table, scenes, gc, sha))
}

fn batch(
    c: &QConfig,
    t: &Table,
    idx: &[usize],
    device: &burn::tensor::Device,
) -> (q::QInputs, Tensor<2>) {
    let (f, h, a) = (c.feature_dim, HISTORY_LEN * HISTORY_FEATURES, PLAN_LEN * 2);
    let mut buf = (
        Vec::with_capacity(idx.len() * f),
        Vec::with_capacity(idx.len() * h),
        Vec::with_capacity(idx.len() * a),
    );
    let mut y = Vec::with_capacity(idx.len() * 4);
    for &i in idx {
        buf.0.extend_from_slice(&t.inputs.0[i * f..(i + 1) * f]);
        buf.1.extend_from_slice(&t.inputs.1[i * h..(i + 1) * h]);
        buf.2.extend_from_slice(&t.inputs.2[i * a..(i + 1) * a]);
        for k in 0..4 {
            y.push((t.targets[i][k] / c.target_scale[k]) as f32);
        }
    }
    let n = idx.len();
    let x = q::inputs(c, n, buf, device);
    let y = Tensor::from_data(TensorData::new(y, [n, 4]), device);
    (x, y)
}

/// Train and write the outputs; returns the report.
pub fn run(opts: &TrainQOptions) -> Result<QTrainReport, MpaError> {
    let t0 = Instant::now();
    let (table, scenes, gen_config, config_sha256) = load_table(opts)?;
    if table.targets.is_empty() {
        return Err(MpaError::Train("the data holds no samples".into()));
    }
    let encoder = FrozenEncoder::load(&opts.encoder_dir).map_err(MpaError::Config)?;
    if encoder.weights_sha256 != gen_config.encoder_sha256 {
        return Err(MpaError::Config(format!(
            "the data was generated with encoder weights {} but {} holds {}; train with the encoder the data was made with (--encoder)",
            gen_config.encoder_sha256,
            opts.encoder_dir.display(),
            encoder.weights_sha256
        )));
    }
    // Split by scene.
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut order: Vec<usize> = (0..scenes.len()).collect();
    order.shuffle(&mut rng);
    let n_val = if scenes.len() >= 2 {
        ((scenes.len() as f64 * opts.val_fraction).round() as usize).clamp(1, scenes.len() - 1)
    } else {
        0
    };
    let val_set: std::collections::BTreeSet<usize> =
        order[scenes.len() - n_val..].iter().copied().collect();
    let n_train_scenes = scenes.len() - n_val;
    let keep_train =
        ((n_train_scenes as f64 * opts.data_fraction.clamp(0.0, 1.0)).ceil() as usize).max(1);
    let train_set: std::collections::BTreeSet<usize> = order[..n_train_scenes]
        .iter()
        .take(keep_train)
        .copied()
        .collect();
    let train: Vec<usize> = (0..table.scene.len())
        .filter(|&i| train_set.contains(&table.scene[i]))
        .collect();
    let val: Vec<usize> = (0..table.scene.len())
        .filter(|&i| val_set.contains(&table.scene[i]))
        .collect();
    if train.is_empty() {
        return Err(MpaError::Train(
            "no training samples after the split".into(),
        ));
    }
    let config = QConfig::paper(
        encoder.feature_dim(),
        gen_config.horizon,
        encoder.weights_sha256.clone(),
    );
    let config = QConfig {
        weights: gen_config.weights,
        ..config
    };
    // Inverse-frequency weights of the collision head.
    let n_unsafe = train.iter().filter(|&&i| table.unsafe_[i]).count();
    let n_safe = train.len() - n_unsafe;
    let w_unsafe = if n_unsafe > 0 {
        train.len() as f64 / (2.0 * n_unsafe as f64)
    } else {
        0.0
    };
    let w_safe = if n_safe > 0 {
        train.len() as f64 / (2.0 * n_safe as f64)
    } else {
        0.0
    };

    let device = cpu_device().autodiff();
    let init = init_tensors(&config, opts.seed);
    let parameters = init.values().map(Vec::len).sum();
    let mut net = QNet::from_tensors(&config, &init, &device);
    let mut optim = AdamWConfig::new()
        .with_weight_decay(opts.weight_decay)
        .init();
    let mut shuffled = train.clone();
    let bs = opts.batch_size.max(1);
    let bar = progress_bar(
        opts.progress,
        opts.epochs * train.len().div_ceil(bs),
        "train q",
    );
    let (mut train_loss, mut val_loss) = (Vec::new(), Vec::new());
    let loss_of = |net: &QNet, x: &q::QInputs, y: Tensor<2>, w: Tensor<1>| -> Tensor<1> {
        let pred = net.forward(x);
        let err = (pred - y).powi_scalar(2);
        let n = err.dims()[0];
        let plain =
            err.clone().slice([0..n, 0..2]).mean() * 2.0 + err.clone().slice([0..n, 3..4]).mean();
        let col: Tensor<1> = err.slice([0..n, 2..3]).reshape([n]);
        let wsum = w.clone().sum().clamp_min(1e-6);
        let weighted = (col * w).sum() / wsum;
        (plain + weighted) / 4.0
    };
    let weights_of = |idx: &[usize], device: &burn::tensor::Device| -> Tensor<1> {
        let w: Vec<f32> = idx
            .iter()
            .map(|&i| (if table.unsafe_[i] { w_unsafe } else { w_safe }) as f32)
            .collect();
        Tensor::from_data(TensorData::new(w, [idx.len()]), device)
    };
    for epoch in 0..opts.epochs {
        let lr = cosine_lr(opts.learning_rate, epoch, opts.epochs);
        shuffled.shuffle(&mut rng);
        let (mut sum, mut count) = (0.0f64, 0usize);
        for chunk in shuffled.chunks(bs) {
            let (x, y) = batch(&config, &table, chunk, &device);
            let w = weights_of(chunk, &device);
            let loss = loss_of(&net, &x, y, w);
            let value = f64::from(loss.clone().into_scalar::<f32>());
            if !value.is_finite() {
                return Err(MpaError::Train(format!(
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
                "epoch {}/{} loss {:.4}",
                epoch + 1,
                opts.epochs,
                sum / count as f64
            ));
        }
        train_loss.push(sum / count.max(1) as f64);
        let eval = QNet::from_tensors(&config, &net.named_tensors(), &cpu_device());
        let mut vsum = 0.0;
        for chunk in val.chunks(1024) {
            let (x, y) = batch(&config, &table, chunk, &cpu_device());
            let w = weights_of(chunk, &cpu_device());
            vsum += f64::from(loss_of(&eval, &x, y, w).into_scalar::<f32>()) * chunk.len() as f64;
        }
        val_loss.push(if val.is_empty() {
            f64::NAN
        } else {
            vsum / val.len() as f64
        });
        let line = format!(
            "epoch {:>3}: train loss {:.4}, validation loss {:.4}",
            epoch + 1,
            train_loss[epoch],
            val_loss[epoch]
        );
        if opts.progress {
            if bar.is_hidden() {
                eprintln!("{line}");
            } else {
                bar.println(line);
            }
        }
    }
    bar.finish_and_clear();
    let model = QModel::new(config.clone(), &net.named_tensors());
    // Validation metrics.
    let mut pred: Vec<[f64; 4]> = Vec::with_capacity(val.len());
    for chunk in val.chunks(1024) {
        let (x, _) = batch(&config, &table, chunk, &cpu_device());
        let out = model.net.forward(&x).into_data();
        let flat = out
            .as_slice::<f32>()
            .map_err(|e| MpaError::Train(format!("{e:?}")))?;
        pred.extend(
            flat.chunks_exact(4)
                .map(|p| std::array::from_fn(|k| f64::from(p[k]) * config.target_scale[k])),
        );
    }
    let val_errors = (0..4)
        .map(|k| {
            let n = val.len().max(1) as f64;
            let mean = val.iter().map(|&i| table.targets[i][k]).sum::<f64>() / n;
            let var = val
                .iter()
                .map(|&i| (table.targets[i][k] - mean).powi(2))
                .sum::<f64>()
                / n;
            let (mut se, mut ae) = (0.0, 0.0);
            for (j, &i) in val.iter().enumerate() {
                let d = pred[j][k] - table.targets[i][k];
                se += d * d;
                ae += d.abs();
            }
            PrincipleError {
                principle: PRINCIPLES[k].into(),
                rmse: (se / n).sqrt(),
                mae: ae / n,
                target_std: var.sqrt(),
            }
        })
        .collect();
    let scores: Vec<(f64, bool)> = val
        .iter()
        .enumerate()
        .map(|(j, &i)| (-pred[j][2], table.unsafe_[i]))
        .collect();
    let auc = auc(&scores);
    let (regret_q, regret_base, regret_random, refs) =
        regrets(&config, &table, &val, &pred, opts.seed);

    // Outputs.
    let out = &opts.out_dir;
    model
        .save(out)
        .map_err(|e| MpaError::Train(e.to_string()))?;
    let enc_out = out.join(ENCODER_DIR);
    std::fs::create_dir_all(&enc_out).map_err(|e| MpaError::io(&enc_out, e))?;
    for f in [
        crate::agent::base::CONFIG_FILE,
        crate::agent::base::WEIGHTS_FILE,
    ] {
        std::fs::copy(opts.encoder_dir.join(f), enc_out.join(f))
            .map_err(|e| MpaError::io(&enc_out.join(f), e))?;
    }
    write_loss_plot(
        &out.join(LOSS_PLOT_FILE),
        "Q MODEL: LOSS PER EPOCH",
        "MSE (NORMALISED)",
        &train_loss,
        &val_loss,
    )
    .map_err(|e| MpaError::Train(e.to_string()))?;
    let report = QTrainReport {
        data: opts.data.iter().map(|d| d.display().to_string()).collect(),
        config_sha256,
        seed: opts.seed,
        epochs: opts.epochs,
        batch_size: bs,
        learning_rate: opts.learning_rate,
        train_scenes: train_set.len(),
        val_scenes: val_set.iter().map(|&s| scenes[s].clone()).collect(),
        train_samples: train.len(),
        val_samples: val.len(),
        train_collision_samples: n_unsafe,
        parameters,
        train_loss,
        val_loss,
        val_errors,
        val_collision_auc: auc,
        val_regret_q: regret_q,
        val_regret_base: regret_base,
        val_regret_random: regret_random,
        val_references: refs,
        train_secs: t0.elapsed().as_secs_f64(),
    };
    let json = serde_json::to_string_pretty(&report).map_err(|e| MpaError::Train(e.to_string()))?;
    store::write_atomic(&out.join(REPORT_JSON_FILE), (json + "\n").as_bytes())?;
    store::write_atomic(
        &out.join(REPORT_MD_FILE),
        report_markdown(&report).as_bytes(),
    )?;
    Ok(report)
}

/// ROC AUC of `score` for the positive label (ties count half); NaN without both classes.
pub fn auc(scores: &[(f64, bool)]) -> f64 {
    let pos: Vec<f64> = scores.iter().filter(|s| s.1).map(|s| s.0).collect();
    let neg: Vec<f64> = scores.iter().filter(|s| !s.1).map(|s| s.0).collect();
    if pos.is_empty() || neg.is_empty() {
        return f64::NAN;
    }
    let mut sorted = neg.clone();
    sorted.sort_by(f64::total_cmp);
    let mut wins = 0.0;
    for p in &pos {
        let below = sorted.partition_point(|n| n < p);
        let equal = sorted[below..].partition_point(|n| n <= p);
        wins += below as f64 + 0.5 * equal as f64;
    }
    wins / (pos.len() * neg.len()) as f64
}

/// Mean regrets over validation reference states (see `QTrainReport`).
fn regrets(
    c: &QConfig,
    t: &Table,
    val: &[usize],
    pred: &[[f64; 4]],
    seed: u64,
) -> (f64, f64, f64, usize) {
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (j, &i) in val.iter().enumerate() {
        groups.entry(t.reference[i]).or_default().push(j);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let (mut rq, mut rb, mut rr, mut n) = (0.0, 0.0, 0.0, 0usize);
    for members in groups.values() {
        let truth = |j: usize| c.combine(&t.targets[val[j]]);
        let best = members
            .iter()
            .map(|&j| truth(j))
            .fold(f64::NEG_INFINITY, f64::max);
        let Some(&base) = members.iter().find(|&&j| t.behaviour[val[j]] == 0) else {
            continue; // the base branch was dropped: no fair comparison here
        };
        let by_q = members
            .iter()
            .copied()
            .reduce(|a, b| {
                if c.combine(&pred[b]) > c.combine(&pred[a]) {
                    b
                } else {
                    a
                }
            })
            .unwrap_or(base);
        let random = *members.choose(&mut rng).unwrap_or(&base);
        rq += best - truth(by_q);
        rb += best - truth(base);
        rr += best - truth(random);
        n += 1;
    }
    let d = n.max(1) as f64;
    (rq / d, rb / d, rr / d, n)
}

pub fn report_markdown(r: &QTrainReport) -> String {
    let mut s = String::from("# Q model training report\n\n");
    s += &format!(
        "- data: {} (config {})\n",
        r.data.join(", "),
        &r.config_sha256[..12.min(r.config_sha256.len())]
    );
    s += &format!(
        "- split by scene: {} training scenes ({} samples, {} colliding or off road), {} validation scenes ({} samples)\n",
        r.train_scenes,
        r.train_samples,
        r.train_collision_samples,
        r.val_scenes.len(),
        r.val_samples
    );
    s += &format!(
        "- {} parameters; {} epochs, batch {}, AdamW lr {}, seed {}; {:.0} s\n\n",
        r.parameters, r.epochs, r.batch_size, r.learning_rate, r.seed, r.train_secs
    );
    s += "## Validation error per principle (target units)\n\n| principle | RMSE | MAE | target std |\n|---|---|---|---|\n";
    for e in &r.val_errors {
        s += &format!(
            "| {} | {:.4} | {:.4} | {:.4} |\n",
            e.principle, e.rmse, e.mae, e.target_std
        );
    }
    s += &format!(
        "\nCollision AUC (-Q_collision vs. colliding or off-road branches): {:.3}\n\n",
        r.val_collision_auc
    );
    s += &format!(
        "## Selection regret on {} validation reference states\n\nTrue combined return lost against the best branch (lower is better):\n\n| executed branch | regret |\n|---|---|\n| highest combined Q | {:.1} |\n| the base plan | {:.1} |\n| a random branch | {:.1} |\n\n",
        r.val_references, r.val_regret_q, r.val_regret_base, r.val_regret_random
    );
    s += "## Loss per epoch\n\n| epoch | train | validation |\n|---|---|---|\n";
    for (i, t) in r.train_loss.iter().enumerate() {
        s += &format!(
            "| {} | {t:.5} | {:.5} |\n",
            i + 1,
            r.val_loss.get(i).copied().unwrap_or(f64::NAN)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_matches_a_hand_count() {
        // Positives 0.9, 0.4; negatives 0.5, 0.1, 0.4: pairs won 3 + 1 + tie 0.5 = 4.5 of 6.
        let s = [
            (0.9, true),
            (0.4, true),
            (0.5, false),
            (0.1, false),
            (0.4, false),
        ];
        assert!((auc(&s) - 4.5 / 6.0).abs() < 1e-12);
        assert!(auc(&[(1.0, true)]).is_nan());
    }
}
