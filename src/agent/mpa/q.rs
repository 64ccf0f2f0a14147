//! MPA's multi-principle Q model (`shared/MPA.md` section 3).
//!
//! ```text
//! per principle p in (route, distance, collision, speed), no parameters shared:
//!   scene   = mean over the six views of the frozen encoder's features [64] -> linear 128 + ReLU
//!   history = ego history [5 x 8], normalised                          -> linear 128 + ReLU
//!   action  = plan waypoints [6 x 2] / ACTION_SCALE_M                  -> linear 128 + ReLU
//!   concat [384] -> linear hidden (512) + ReLU -> linear 1              (two-layer MLP)
//!   Q_p = output * target_scale_p
//! combined Q = sum_p w_p Q_p, w = (route 1000, distance 50, collision 100, speed 50)
//! ```
//!
//! The four networks share no parameter, so training them on the sum of their losses is
//! training each separately, as the paper does (Adam moments are per parameter).
//!
//! **Targets** are T-step sums of the principle's step rewards (`world::rewards`):
//!
//! | principle | step reward summed | unit |
//! |---|---|---|
//! | route | `progress_m / ROUTE_UNIT_M` | fraction of a nominal 100 m route |
//! | distance | `route_distance_m + far_from_route` | minus metres (and -1 per step far) |
//! | collision | `collision + off_road` | -1 per step in collision or off road |
//! | speed | `speeding_mps` | minus m/s above 36 km/h |
//!
//! Route progress is scored as a fraction of a route, as HUGSIM's route completion is, with a
//! fixed 100 m route: the paper's weights (route 1000 against collision 100) only make sense if
//! route progress is a fraction (1000 x metres would drown every other principle: 12 m of
//! progress would outweigh 100 steps in collision). Steps after a branch ended in a collision or
//! off road repeat that penalty (the state is absorbing), so a collision early in the horizon
//! costs more than one at its end.

use std::path::Path;

use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::features::{HISTORY_FEATURES, HISTORY_LEN};
use crate::agent::base::model::{NamedTensors, ParamSpec};
use crate::agent::base::{PLAN_LEN, weights};
use crate::world::PrincipleRewards;

/// The four principles, in the order of every array here.
pub const PRINCIPLES: [&str; 4] = ["route", "distance", "collision", "speed"];
/// Nominal route length of the route principle's unit.
pub const ROUTE_UNIT_M: f64 = 100.0;
/// File names of a Q-model folder.
pub const Q_CONFIG_FILE: &str = "q_config.json";
pub const Q_WEIGHTS_FILE: &str = "q.safetensors";
/// The frozen encoder's base-policy folder inside a Q-model folder (a copy of its config and
/// weights, so the Q model is self-contained).
pub const ENCODER_DIR: &str = "encoder";

/// Per-tick history normalisation: x, y, yaw, speed, accel, route s, lateral, time.
const HISTORY_SCALE: [f32; HISTORY_FEATURES] = [10.0, 2.0, 0.2, 10.0, 3.0, 10.0, 2.0, 1.0];
/// Waypoints are divided by this.
const ACTION_SCALE_M: f32 = 10.0;

/// Everything that shapes the Q model besides its weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QConfig {
    /// Per-view feature width of the frozen encoder.
    pub feature_dim: usize,
    /// Width of each input encoder.
    pub embed_dim: usize,
    /// Width of the fused MLP's hidden layer.
    pub hidden_dim: usize,
    /// Horizon T of the targets (decision ticks).
    pub horizon_steps: usize,
    /// Weights of the combined Q, in `PRINCIPLES` order.
    pub weights: [f64; 4],
    /// Network outputs are multiplied by these (targets divided by them in training).
    pub target_scale: [f64; 4],
    /// SHA-256 of the frozen encoder's config and weights (`features::weights_sha256`).
    pub encoder_sha256: String,
}

impl QConfig {
    /// The paper's sizes and weights for an encoder with `feature_dim` features.
    pub fn paper(feature_dim: usize, horizon_steps: usize, encoder_sha256: String) -> QConfig {
        QConfig {
            feature_dim,
            embed_dim: 128,
            hidden_dim: 512,
            horizon_steps,
            weights: [1000.0, 50.0, 100.0, 50.0],
            target_scale: [0.1, 2.0, 1.0, 2.0],
            encoder_sha256,
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.feature_dim == 0 || self.embed_dim == 0 || self.hidden_dim == 0 {
            return Err("feature_dim, embed_dim and hidden_dim must be positive".into());
        }
        if self.horizon_steps == 0 {
            return Err("horizon_steps must be at least 1".into());
        }
        if let Some(i) = (0..4).find(|&i| !self.weights[i].is_finite()) {
            return Err(format!("weight of `{}` is not finite", PRINCIPLES[i]));
        }
        if let Some(i) = (0..4).find(|&i| {
            let s = self.target_scale[i];
            !(s.is_finite() && s > 0.0)
        }) {
            return Err(format!(
                "target_scale of `{}` must be positive and finite",
                PRINCIPLES[i]
            ));
        }
        Ok(())
    }

    /// Combined Q of per-principle values.
    pub fn combine(&self, q: &[f64; 4]) -> f64 {
        combine(&self.weights, q)
    }
}

/// `sum_p weights[p] * q[p]`: the combined Q, and the combined return of the data's beam choice.
pub fn combine(weights: &[f64; 4], q: &[f64; 4]) -> f64 {
    weights.iter().zip(q).map(|(w, v)| w * v).sum()
}

/// The per-principle step rewards a Q target sums (the module table), from one step's rewards.
pub fn principle_step(r: &PrincipleRewards) -> [f64; 4] {
    [
        r.progress_m / ROUTE_UNIT_M,
        r.route_distance_m + r.far_from_route,
        r.collision + r.off_road,
        r.speeding_mps,
    ]
}

/// T-step sums of `steps` (one `PrincipleRewards` per executed step).
pub fn targets(steps: &[PrincipleRewards]) -> [f64; 4] {
    let mut t = [0.0; 4];
    for r in steps {
        for (acc, v) in t.iter_mut().zip(principle_step(r)) {
            *acc += v;
        }
    }
    t
}

/// Every parameter, in a fixed order.
pub fn param_specs(c: &QConfig) -> Vec<ParamSpec> {
    let mut specs = Vec::new();
    let fused = 3 * c.embed_dim;
    let layers = [
        ("scene", c.feature_dim, c.embed_dim),
        ("history", HISTORY_LEN * HISTORY_FEATURES, c.embed_dim),
        ("action", PLAN_LEN * 2, c.embed_dim),
        ("fc0", fused, c.hidden_dim),
        ("fc1", c.hidden_dim, 1),
    ];
    for p in PRINCIPLES {
        for (name, i, o) in layers {
            specs.push(ParamSpec {
                name: format!("{p}.{name}.weight"),
                shape: vec![i, o],
                fan_in: i,
            });
            specs.push(ParamSpec {
                name: format!("{p}.{name}.bias"),
                shape: vec![o],
                fan_in: 0,
            });
        }
    }
    specs
}

/// He-uniform weights, zero biases, from a ChaCha stream of `seed` (`model::init_from_specs`).
pub fn init_tensors(c: &QConfig, seed: u64) -> NamedTensors {
    crate::agent::base::model::init_from_specs(&param_specs(c), seed)
}

/// One principle's network.
#[derive(Module, Debug)]
pub struct QHead {
    scene: Linear,
    history: Linear,
    action: Linear,
    fc0: Linear,
    fc1: Linear,
}

/// The four networks.
#[derive(Module, Debug)]
pub struct QNet {
    heads: Vec<QHead>,
}

/// A batch of normalised inputs.
#[derive(Debug, Clone)]
pub struct QInputs {
    /// `[B, feature_dim]` (mean-pooled view features).
    pub scene: Tensor<2>,
    /// `[B, HISTORY_LEN * HISTORY_FEATURES]`.
    pub history: Tensor<2>,
    /// `[B, PLAN_LEN * 2]`.
    pub action: Tensor<2>,
}

impl QNet {
    pub fn from_tensors(c: &QConfig, t: &NamedTensors, device: &Device) -> QNet {
        let specs = param_specs(c);
        let linear = |prefix: &str| -> Linear {
            let get = |name: String| {
                let spec = specs
                    .iter()
                    .find(|s| s.name == name)
                    .expect("param_specs names every parameter");
                let v = t
                    .get(&name)
                    .expect("tensors were checked against the specs");
                TensorData::new(v.clone(), spec.shape.clone())
            };
            let w: Tensor<2> = Tensor::from_data(get(format!("{prefix}.weight")), device);
            let [i, o] = w.dims();
            let mut l = LinearConfig::new(i, o).init(device);
            l.weight = Param::from_tensor(w);
            l.bias = Some(Param::from_tensor(Tensor::from_data(
                get(format!("{prefix}.bias")),
                device,
            )));
            l
        };
        QNet {
            heads: PRINCIPLES
                .iter()
                .map(|p| QHead {
                    scene: linear(&format!("{p}.scene")),
                    history: linear(&format!("{p}.history")),
                    action: linear(&format!("{p}.action")),
                    fc0: linear(&format!("{p}.fc0")),
                    fc1: linear(&format!("{p}.fc1")),
                })
                .collect(),
        }
    }

    pub fn named_tensors(&self) -> NamedTensors {
        let mut out = NamedTensors::new();
        for (p, h) in PRINCIPLES.iter().zip(&self.heads) {
            for (name, l) in [
                ("scene", &h.scene),
                ("history", &h.history),
                ("action", &h.action),
                ("fc0", &h.fc0),
                ("fc1", &h.fc1),
            ] {
                let vals = |t: Tensor<1>| -> Vec<f32> {
                    t.into_data()
                        .as_slice::<f32>()
                        .expect("parameters are f32")
                        .to_vec()
                };
                out.insert(
                    format!("{p}.{name}.weight"),
                    vals(l.weight.val().flatten(0, 1)),
                );
                if let Some(b) = &l.bias {
                    out.insert(format!("{p}.{name}.bias"), vals(b.val()));
                }
            }
        }
        out
    }

    /// Normalised outputs `[B, 4]` (times `target_scale` gives Q in target units).
    pub fn forward(&self, x: &QInputs) -> Tensor<2> {
        let outs: Vec<Tensor<2>> = self
            .heads
            .iter()
            .map(|h| {
                let z = Tensor::cat(
                    vec![
                        relu(h.scene.forward(x.scene.clone())),
                        relu(h.history.forward(x.history.clone())),
                        relu(h.action.forward(x.action.clone())),
                    ],
                    1,
                );
                h.fc1.forward(relu(h.fc0.forward(z)))
            })
            .collect();
        Tensor::cat(outs, 1)
    }
}

/// Append the normalised inputs of one sample to the three flat buffers.
pub fn encode_sample(
    view_features: &[f32],
    feature_dim: usize,
    history: &[f32],
    action_ego_m: &[[f32; 2]],
    out: &mut (Vec<f32>, Vec<f32>, Vec<f32>),
) {
    let views = (view_features.len() / feature_dim.max(1)).max(1) as f32;
    let start = out.0.len();
    out.0.resize(start + feature_dim, 0.0);
    for chunk in view_features.chunks_exact(feature_dim) {
        for (acc, v) in out.0[start..].iter_mut().zip(chunk) {
            *acc += v / views;
        }
    }
    out.1.extend(
        history
            .iter()
            .enumerate()
            .map(|(i, v)| v / HISTORY_SCALE[i % HISTORY_FEATURES]),
    );
    for w in action_ego_m {
        out.2.push(w[0] / ACTION_SCALE_M);
        out.2.push(w[1] / ACTION_SCALE_M);
    }
}

/// Tensors of encoded buffers of `b` samples.
pub fn inputs(
    c: &QConfig,
    b: usize,
    (scene, history, action): (Vec<f32>, Vec<f32>, Vec<f32>),
    device: &Device,
) -> QInputs {
    QInputs {
        scene: Tensor::from_data(TensorData::new(scene, [b, c.feature_dim]), device),
        history: Tensor::from_data(
            TensorData::new(history, [b, HISTORY_LEN * HISTORY_FEATURES]),
            device,
        ),
        action: Tensor::from_data(TensorData::new(action, [b, PLAN_LEN * 2]), device),
    }
}

/// A loaded Q model.
#[derive(Debug)]
pub struct QModel {
    pub config: QConfig,
    pub net: QNet,
    device: Device,
}

/// Errors reading or running a Q model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QError {
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error("Q model input: {0}")]
    Input(String),
}

impl QModel {
    pub fn new(config: QConfig, tensors: &NamedTensors) -> QModel {
        let device = crate::agent::base::cpu_device();
        let net = QNet::from_tensors(&config, tensors, &device);
        QModel {
            config,
            net,
            device,
        }
    }

    /// Load `q_config.json` and `q.safetensors` from `dir`.
    pub fn load(dir: &Path) -> Result<QModel, QError> {
        let path = dir.join(Q_CONFIG_FILE);
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| QError::File {
            file: file.clone(),
            message: format!("{e} (a Q-model folder holds {Q_CONFIG_FILE} and {Q_WEIGHTS_FILE}; train one with `mpa-sim train q`)"),
        })?;
        let config: QConfig = serde_json::from_str(&text).map_err(|e| QError::File {
            file: file.clone(),
            message: format!("invalid Q config: {e}"),
        })?;
        config.validate().map_err(|message| QError::File {
            file,
            message: format!("invalid Q config: {message}"),
        })?;
        let tensors = weights::load_specs(&dir.join(Q_WEIGHTS_FILE), &param_specs(&config))
            .map_err(|e| QError::File {
                file: dir.join(Q_WEIGHTS_FILE).display().to_string(),
                message: e.to_string(),
            })?;
        Ok(QModel::new(config, &tensors))
    }

    /// Write the config and weights into `dir`.
    pub fn save(&self, dir: &Path) -> Result<(), QError> {
        let io = |file: &Path, e: String| QError::File {
            file: file.display().to_string(),
            message: e,
        };
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e.to_string()))?;
        let json =
            serde_json::to_string_pretty(&self.config).map_err(|e| io(dir, e.to_string()))?;
        let cfg = dir.join(Q_CONFIG_FILE);
        std::fs::write(&cfg, json + "\n").map_err(|e| io(&cfg, e.to_string()))?;
        let w = dir.join(Q_WEIGHTS_FILE);
        weights::save_specs(&w, &param_specs(&self.config), &self.net.named_tensors())
            .map_err(|e| io(&w, e.to_string()))
    }

    /// Q per principle (target units) of `actions` in one state: the view features and history
    /// are shared by every action.
    pub fn evaluate(
        &self,
        view_features: &[f32],
        history: &[f32],
        actions: &[Vec<[f32; 2]>],
    ) -> Result<Vec<[f64; 4]>, QError> {
        let c = &self.config;
        if view_features.is_empty() || !view_features.len().is_multiple_of(c.feature_dim) {
            return Err(QError::Input(format!(
                "{} view-feature values is not a multiple of the encoder's {}",
                view_features.len(),
                c.feature_dim
            )));
        }
        if history.len() != HISTORY_LEN * HISTORY_FEATURES {
            return Err(QError::Input(format!(
                "history has {} values, expected {}",
                history.len(),
                HISTORY_LEN * HISTORY_FEATURES
            )));
        }
        if let Some(a) = actions.iter().find(|a| a.len() != PLAN_LEN) {
            return Err(QError::Input(format!(
                "a candidate has {} waypoints, the Q model reads {PLAN_LEN}",
                a.len()
            )));
        }
        if actions.is_empty() {
            return Ok(Vec::new());
        }
        let mut buf = (Vec::new(), Vec::new(), Vec::new());
        for a in actions {
            encode_sample(view_features, c.feature_dim, history, a, &mut buf);
        }
        let x = inputs(c, actions.len(), buf, &self.device);
        let out = self.net.forward(&x).into_data();
        let flat = out
            .as_slice::<f32>()
            .map_err(|e| QError::Input(format!("reading Q outputs: {e:?}")))?;
        Ok(flat
            .chunks_exact(4)
            .map(|q| std::array::from_fn(|i| f64::from(q[i]) * c.target_scale[i]))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> QConfig {
        QConfig {
            embed_dim: 8,
            hidden_dim: 16,
            ..QConfig::paper(4, 5, "x".into())
        }
    }

    #[test]
    fn targets_follow_the_table() {
        let step = PrincipleRewards {
            progress_m: 2.0,
            route_distance_m: -0.5,
            collision: -1.0,
            off_road: 0.0,
            speeding_mps: -1.5,
            far_from_route: -1.0,
        };
        let t = targets(&[step, step]);
        assert_eq!(t, [0.04, -3.0, -2.0, -3.0]);
        assert_eq!(
            QConfig::paper(4, 5, String::new()).combine(&[0.1, -1.0, 0.0, 0.0]),
            50.0
        );
    }

    #[test]
    fn tensors_round_trip_through_a_file_and_evaluate_deterministically() {
        let c = tiny();
        let t = init_tensors(&c, 1);
        let m = QModel::new(c.clone(), &t);
        assert_eq!(m.net.named_tensors(), t);
        let dir = tempfile::tempdir().expect("tempdir");
        m.save(dir.path()).expect("save");
        let back = QModel::load(dir.path()).expect("load");
        assert_eq!(back.net.named_tensors(), t);
        let feats = vec![0.5; 4 * 6];
        let hist = vec![0.1; HISTORY_LEN * HISTORY_FEATURES];
        let actions = vec![vec![[1.0, 0.0]; PLAN_LEN], vec![[2.0, 0.5]; PLAN_LEN]];
        let a = m.evaluate(&feats, &hist, &actions).expect("eval");
        assert_eq!(a, back.evaluate(&feats, &hist, &actions).expect("eval"));
        assert_eq!(a.len(), 2);
        assert_ne!(a[0], a[1]);
        let e = m
            .evaluate(&feats[..5], &hist, &actions)
            .unwrap_err()
            .to_string();
        assert!(e.contains("multiple"), "{e}");
        let e = QModel::load(Path::new("/nonexistent/q"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/q/q_config.json"), "{e}");
    }
}
