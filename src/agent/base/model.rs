//! `BaseNet`: the base policy's network (burn, flex CPU backend).
//!
//! ```text
//! cameras [B, N*3, H, W] ─ reshape ─> [B*N, 3, H, W]
//!   shared encoder: conv 5x5/2 + ReLU, then conv 3x3/2 + ReLU per extra width
//!   adaptive average pool to `pool_grid` (keeps coarse layout), flatten,
//!   linear -> camera_feature_dim + ReLU                      [B*N, F]
//!   reshape -> scene features                                [B, N*F]   (for the MPA adapter)
//! concat(scene features, ego input [B, 6 + 2K])
//!   MLP: linear -> hidden + ReLU, linear -> hidden + ReLU, linear -> 2 * PLAN_LEN
//!   times waypoint_scale_m -> waypoints (x fwd, y left)      [B, PLAN_LEN, 2]
//! ```
//!
//! The ego input is speed, acceleration, yaw rate, the command one-hot and K route points
//! ("target points", as TransFuser / Latent TransFuser condition on a target point), all
//! normalised by the constants of `BaseConfig`.
//!
//! Parameters are named (`param_specs`) so weights files are plain safetensors with one tensor
//! per name; initialisation draws from a seeded ChaCha stream (not burn's global RNG), so the
//! same seed gives the same initial weights on any backend.

use std::collections::BTreeMap;

use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::module::adaptive_avg_pool2d;
use burn::tensor::{Device, Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::config::{BaseConfig, PLAN_LEN};

/// One named parameter and its shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamSpec {
    pub name: String,
    pub shape: Vec<usize>,
    /// Fan-in for initialisation (0 for biases: they start at zero).
    pub fan_in: usize,
}

/// Every parameter of the network for `config`, in a fixed order.
pub fn param_specs(config: &BaseConfig) -> Vec<ParamSpec> {
    let mut specs = Vec::new();
    let mut push = |name: String, shape: Vec<usize>, fan_in: usize| {
        specs.push(ParamSpec {
            name,
            shape,
            fan_in,
        })
    };
    let mut c_in = 3;
    for (i, &c_out) in config.conv_channels.iter().enumerate() {
        let k = if i == 0 { 5 } else { 3 };
        push(
            format!("encoder.conv{i}.weight"),
            vec![c_out, c_in, k, k],
            c_in * k * k,
        );
        push(format!("encoder.conv{i}.bias"), vec![c_out], 0);
        c_in = c_out;
    }
    let pooled = c_in * config.pool_grid[0] * config.pool_grid[1];
    push(
        "encoder.proj.weight".into(),
        vec![pooled, config.camera_feature_dim],
        pooled,
    );
    push(
        "encoder.proj.bias".into(),
        vec![config.camera_feature_dim],
        0,
    );
    let dims = [
        config.scene_feature_dim() + config.ego_input_dim(),
        config.hidden_dim,
        config.hidden_dim,
        2 * PLAN_LEN,
    ];
    for i in 0..3 {
        push(
            format!("head.fc{i}.weight"),
            vec![dims[i], dims[i + 1]],
            dims[i],
        );
        push(format!("head.fc{i}.bias"), vec![dims[i + 1]], 0);
    }
    specs
}

/// Named parameter values (row-major f32), as stored in `model.safetensors`.
pub type NamedTensors = BTreeMap<String, Vec<f32>>;

/// He-uniform weights (ReLU), zero biases, from a ChaCha stream seeded with `seed`.
pub fn init_tensors(config: &BaseConfig, seed: u64) -> NamedTensors {
    init_from_specs(&param_specs(config), seed)
}

/// He-uniform weights (bound sqrt(6 / fan_in)), zero biases (`fan_in` 0), drawn in `specs`
/// order from a ChaCha stream seeded with `seed`: the one initialiser of every network here.
pub fn init_from_specs(specs: &[ParamSpec], seed: u64) -> NamedTensors {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = BTreeMap::new();
    for spec in specs {
        let n: usize = spec.shape.iter().product();
        let values = if spec.fan_in == 0 {
            vec![0.0; n]
        } else {
            let bound = (6.0 / spec.fan_in as f64).sqrt();
            (0..n)
                .map(|_| rng.random_range(-bound..bound) as f32)
                .collect()
        };
        out.insert(spec.name.clone(), values);
    }
    out
}

#[derive(Module, Debug)]
pub struct BaseNet {
    convs: Vec<Conv2d>,
    proj: Linear,
    head: Vec<Linear>,
}

/// The network's outputs for a batch.
#[derive(Debug, Clone)]
pub struct BaseOutput {
    /// Per-sample scene features `[B, cameras * camera_feature_dim]` (pooled per-camera image
    /// features, concatenated in camera order): what the MPA adapter conditions on.
    pub scene_features: Tensor<2>,
    /// Waypoints in metres, `[B, PLAN_LEN, 2]` (x forward, y left).
    pub waypoints_m: Tensor<3>,
}

fn tensor<const D: usize>(values: &[f32], shape: &[usize], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values.to_vec(), shape.to_vec()), device)
}

impl BaseNet {
    /// Build the network from named tensors. The caller checks names and sizes first
    /// (`weights::check_tensors`, done by `weights::load` and `BasePolicy::from_tensors`); a
    /// missing name here is a programming error.
    pub fn from_tensors(config: &BaseConfig, tensors: &NamedTensors, device: &Device) -> BaseNet {
        let specs = param_specs(config);
        let get = |name: &str| -> (&[f32], &[usize]) {
            let spec = specs
                .iter()
                .find(|s| s.name == name)
                .expect("param_specs names every parameter the network reads");
            let values = tensors
                .get(name)
                .expect("tensors were checked against param_specs");
            (values.as_slice(), spec.shape.as_slice())
        };
        let mut convs = Vec::new();
        let mut c_in = 3;
        for (i, &c_out) in config.conv_channels.iter().enumerate() {
            let (k, pad) = if i == 0 { (5, 2) } else { (3, 1) };
            let mut conv = Conv2dConfig::new([c_in, c_out], [k, k])
                .with_stride([2, 2])
                .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
                .init(device);
            let (w, ws) = get(&format!("encoder.conv{i}.weight"));
            conv.weight = Param::from_tensor(tensor(w, ws, device));
            let (b, bs) = get(&format!("encoder.conv{i}.bias"));
            conv.bias = Some(Param::from_tensor(tensor(b, bs, device)));
            convs.push(conv);
            c_in = c_out;
        }
        let linear = |prefix: &str| -> Linear {
            let (w, ws) = get(&format!("{prefix}.weight"));
            let (b, bs) = get(&format!("{prefix}.bias"));
            let mut l = LinearConfig::new(ws[0], ws[1]).init(device);
            l.weight = Param::from_tensor(tensor(w, ws, device));
            l.bias = Some(Param::from_tensor(tensor(b, bs, device)));
            l
        };
        let proj = linear("encoder.proj");
        let head = (0..3).map(|i| linear(&format!("head.fc{i}"))).collect();
        BaseNet { convs, proj, head }
    }

    /// The current parameter values by name (for saving).
    pub fn named_tensors(&self) -> NamedTensors {
        let mut out = BTreeMap::new();
        let mut put = |name: String, t: Tensor<1>| {
            let data = t.into_data();
            let values = data
                .as_slice::<f32>()
                .expect("parameters are f32 (the flex default float type)")
                .to_vec();
            out.insert(name, values);
        };
        for (i, conv) in self.convs.iter().enumerate() {
            put(
                format!("encoder.conv{i}.weight"),
                conv.weight.val().flatten(0, 3),
            );
            if let Some(b) = &conv.bias {
                put(format!("encoder.conv{i}.bias"), b.val());
            }
        }
        let mut put_linear = |prefix: String, l: &Linear| {
            put(format!("{prefix}.weight"), l.weight.val().flatten(0, 1));
            if let Some(b) = &l.bias {
                put(format!("{prefix}.bias"), b.val());
            }
        };
        put_linear("encoder.proj".into(), &self.proj);
        for (i, l) in self.head.iter().enumerate() {
            put_linear(format!("head.fc{i}"), l);
        }
        out
    }

    /// Scene features of a batch of camera stacks `[B, N*3, H, W]` (normalised RGB).
    pub fn scene_features(&self, config: &BaseConfig, images: Tensor<4>) -> Tensor<2> {
        let [b, c, h, w] = images.dims();
        let n = config.cameras.len();
        debug_assert_eq!(c, n * 3, "images carry 3 channels per camera");
        self.camera_features(config, images.reshape([b * n, 3, h, w]))
            .reshape([b, n * config.camera_feature_dim])
    }

    /// Per-image features of the shared camera encoder: `[M, 3, H, W]` normalised RGB (any
    /// camera, any number) to `[M, camera_feature_dim]`. MPA's Q model uses this encoder,
    /// frozen, on all six views.
    pub fn camera_features(&self, config: &BaseConfig, images: Tensor<4>) -> Tensor<2> {
        let mut x = images;
        for conv in &self.convs {
            x = relu(conv.forward(x));
        }
        let x = adaptive_avg_pool2d(x, config.pool_grid);
        let x: Tensor<2> = x.flatten(1, 3);
        relu(self.proj.forward(x))
    }

    /// Scene features and waypoints for a batch: images `[B, N*3, H, W]`, ego input
    /// `[B, ego_input_dim]`.
    pub fn forward(&self, config: &BaseConfig, images: Tensor<4>, ego: Tensor<2>) -> BaseOutput {
        let scene_features = self.scene_features(config, images);
        let b = scene_features.dims()[0];
        let mut x = Tensor::cat(vec![scene_features.clone(), ego], 1);
        let last = self.head.len() - 1;
        for (i, l) in self.head.iter().enumerate() {
            x = l.forward(x);
            if i < last {
                x = relu(x);
            }
        }
        let waypoints_m = x
            .mul_scalar(config.waypoint_scale_m)
            .reshape([b, PLAN_LEN, 2]);
        BaseOutput {
            scene_features,
            waypoints_m,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_shapes() {
        let config = BaseConfig::tiny();
        let device = Device::flex();
        let net = BaseNet::from_tensors(&config, &init_tensors(&config, 1), &device);
        let (h, w) = (config.height_px as usize, config.width_px as usize);
        let images: Tensor<4> = Tensor::zeros([2, 9, h, w], &device);
        let ego: Tensor<2> = Tensor::zeros([2, config.ego_input_dim()], &device);
        let out = net.forward(&config, images, ego);
        assert_eq!(
            out.scene_features.dims(),
            [2, 3 * config.camera_feature_dim]
        );
        assert_eq!(out.waypoints_m.dims(), [2, PLAN_LEN, 2]);
    }

    #[test]
    fn named_tensors_round_trip_and_match_specs() {
        let config = BaseConfig::tiny();
        let init = init_tensors(&config, 7);
        let net = BaseNet::from_tensors(&config, &init, &Device::flex());
        assert_eq!(net.named_tensors(), init);
        for spec in param_specs(&config) {
            assert_eq!(init[&spec.name].len(), spec.shape.iter().product::<usize>());
        }
        assert_eq!(init_tensors(&config, 7), init);
        assert_ne!(init_tensors(&config, 8), init);
    }
}
