//! `base`: the learned camera-based end-to-end policy (the kind of model MPA adapts).
//!
//! A small CNN shared across the front three cameras turns each image into a pooled feature
//! vector; their concatenation is the *scene features* (`BasePolicy::infer` returns them beside
//! the plan, for the MPA adapter to condition on). An MLP fuses them with the ego state (speed,
//! acceleration, yaw rate), the command one-hot and target points on the route ahead (as
//! TransFuser / Latent TransFuser condition on a target point) and outputs 6 waypoints 0.5 s
//! apart. See `model` for the layers, `input` for the normalisation, `train` for how it is
//! trained (open-loop imitation of logged ego trajectories, with ChauffeurNet-style viewpoint
//! perturbations), and agents/base/README.md for the shipped weights.
//!
//! Inference runs on burn's flex CPU backend, one sample at a time, and is deterministic.
//!
//! Where the weights come from: `agents/base/{config.json,model.safetensors}` of the source
//! tree, or the folder in `$MPA_SIM_BASE_DIR`; the agent name `base:PATH` loads `PATH` instead.

pub mod config;
pub mod input;
pub mod model;
pub mod train;
pub mod weights;

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor, TensorData};
use glam::DVec2;

pub use config::{BaseConfig, PLAN_LEN};
pub use input::EgoInput;
pub use model::BaseNet;

use super::{Agent, AgentError, FeatureSource, Observation, Plan, ViewRequest, Views};

/// File names inside a base-policy folder.
pub const CONFIG_FILE: &str = "config.json";
pub const WEIGHTS_FILE: &str = "model.safetensors";

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BaseError {
    #[error("{file}: {message}")]
    Io { file: String, message: String },
    #[error("{file}: invalid base-policy config: {message}")]
    Config { file: String, message: String },
    #[error("{file}: invalid weights: {message}")]
    Weights { file: String, message: String },
    #[error("{file}: tensor `{tensor}`: {message}")]
    Tensor {
        file: String,
        tensor: String,
        message: String,
    },
    #[error("base policy input: {0}")]
    Input(String),
    #[error("training: {0}")]
    Train(String),
}

/// The shipped base-policy folder: `$MPA_SIM_BASE_DIR` if set, else `agents/base` of the
/// source tree.
pub fn shipped_dir() -> PathBuf {
    std::env::var_os("MPA_SIM_BASE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("agents/base"))
}

/// The CPU device inference and training run on.
pub fn cpu_device() -> Device {
    Device::flex()
}

/// A loaded network with its config.
#[derive(Debug)]
pub struct BasePolicy {
    pub config: BaseConfig,
    pub net: BaseNet,
    device: Device,
}

/// One decision: the plan and the scene features it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct BaseInference {
    pub waypoints_ego_m: Vec<DVec2>,
    /// `config.scene_feature_dim()` values: per camera, its pooled image features.
    pub scene_features: Vec<f32>,
}

impl BasePolicy {
    /// Load `config.json` and `model.safetensors` from `dir`.
    pub fn load(dir: &Path) -> Result<BasePolicy, BaseError> {
        let config = BaseConfig::load(&dir.join(CONFIG_FILE))?;
        let tensors = weights::load(&dir.join(WEIGHTS_FILE), &config)?;
        BasePolicy::from_tensors(config, &tensors)
    }

    /// A policy from in-memory parameters (checked against the config's specs).
    pub fn from_tensors(
        config: BaseConfig,
        tensors: &model::NamedTensors,
    ) -> Result<BasePolicy, BaseError> {
        config.validate().map_err(|message| BaseError::Config {
            file: "<in memory>".into(),
            message,
        })?;
        weights::check_tensors(&config, tensors, "<in memory>")?;
        let device = cpu_device();
        let net = BaseNet::from_tensors(&config, tensors, &device);
        Ok(BasePolicy {
            config,
            net,
            device,
        })
    }

    /// The views this policy reads.
    pub fn view_request(&self) -> ViewRequest {
        self.config.view_request()
    }

    /// Run the network on one sample.
    pub fn infer(&self, views: &Views, ego: &EgoInput) -> Result<BaseInference, BaseError> {
        let c = &self.config;
        input::check_views(c, views)?;
        let (h, w) = (c.height_px as usize, c.width_px as usize);
        let mut pixels = Vec::with_capacity(c.cameras.len() * 3 * h * w);
        for cam in &views.cameras {
            input::encode_rgb(c, &cam.rgb, &mut pixels);
        }
        let mut ego_v = Vec::with_capacity(c.ego_input_dim());
        input::encode_ego(c, ego, &mut ego_v);
        let images: Tensor<4> = Tensor::from_data(
            TensorData::new(pixels, [1, c.cameras.len() * 3, h, w]),
            &self.device,
        );
        let ego_t: Tensor<2> =
            Tensor::from_data(TensorData::new(ego_v, [1, c.ego_input_dim()]), &self.device);
        let out = self.net.forward(c, images, ego_t);
        let wp = out.waypoints_m.into_data();
        let wp = wp
            .as_slice::<f32>()
            .map_err(|e| BaseError::Input(format!("reading waypoints: {e:?}")))?;
        let feats = out.scene_features.into_data();
        let feats = feats
            .as_slice::<f32>()
            .map_err(|e| BaseError::Input(format!("reading scene features: {e:?}")))?;
        Ok(BaseInference {
            waypoints_ego_m: wp
                .chunks_exact(2)
                .map(|p| DVec2::new(f64::from(p[0]), f64::from(p[1])))
                .collect(),
            scene_features: feats.to_vec(),
        })
    }
}

/// The base policy as an `Agent`: reads the front cameras, ego state, command and route.
#[derive(Debug)]
pub struct BaseAgent {
    policy: BasePolicy,
    name: String,
    /// Scene features of the last decision (for the MPA adapter and the viewer).
    last_scene_features: Vec<f32>,
}

impl BaseAgent {
    pub fn new(policy: BasePolicy, name: &str) -> BaseAgent {
        BaseAgent {
            policy,
            name: name.to_string(),
            last_scene_features: Vec::new(),
        }
    }

    /// Load from a folder (`config.json` + `model.safetensors`).
    pub fn load(dir: &Path, name: &str) -> Result<BaseAgent, AgentError> {
        BasePolicy::load(dir)
            .map(|p| BaseAgent::new(p, name))
            .map_err(|e| AgentError::Failed {
                agent: name.to_string(),
                message: e.to_string(),
            })
    }

    pub fn policy(&self) -> &BasePolicy {
        &self.policy
    }

    pub fn last_scene_features(&self) -> &[f32] {
        &self.last_scene_features
    }
}

impl FeatureSource for BaseAgent {
    fn scene_features(&self) -> &[f32] {
        &self.last_scene_features
    }

    fn scene_feature_dim(&self) -> usize {
        self.policy.config.scene_feature_dim()
    }
}

impl Agent for BaseAgent {
    fn name(&self) -> &str {
        &self.name
    }

    fn feature_source(&self) -> Option<&dyn FeatureSource> {
        Some(self)
    }

    fn reset(&mut self, _seed: u64) {
        self.last_scene_features.clear();
    }

    fn view_request(&self) -> Option<ViewRequest> {
        Some(self.policy.view_request())
    }

    fn plan(&mut self, obs: &Observation) -> Result<Plan, AgentError> {
        let fail = |message: String| AgentError::Failed {
            agent: self.name.clone(),
            message,
        };
        let views = obs
            .views
            .as_ref()
            .ok_or_else(|| fail("no camera views in the observation".into()))?;
        if obs.plan_len != PLAN_LEN {
            return Err(fail(format!(
                "the world expects {} waypoints, the network predicts {PLAN_LEN}",
                obs.plan_len
            )));
        }
        let ego = EgoInput::from_observation(&self.policy.config, obs);
        let out = self
            .policy
            .infer(views, &ego)
            .map_err(|e| fail(e.to_string()))?;
        self.last_scene_features = out.scene_features;
        Ok(Plan {
            waypoints_ego_m: out.waypoints_ego_m,
            candidates: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::Command;
    use crate::render::CameraView;

    fn views(config: &BaseConfig) -> Views {
        let n = (config.width_px * config.height_px) as usize;
        Views {
            cameras: config
                .cameras
                .iter()
                .enumerate()
                .map(|(k, ch)| CameraView {
                    channel: ch.clone(),
                    width: config.width_px,
                    height: config.height_px,
                    rgb: (0..n * 3).map(|i| ((i * 7 + k * 13) % 251) as u8).collect(),
                    depth_m: vec![10.0; n],
                    semantic: vec![0; n],
                })
                .collect(),
        }
    }

    fn ego() -> EgoInput {
        EgoInput {
            speed_mps: 4.0,
            accel_mps2: 0.2,
            yaw_rate_radps: 0.01,
            command: Command::Straight,
            targets_ego_m: vec![[5.0, 0.1], [10.0, 0.3], [20.0, 1.0], [30.0, 2.0]],
        }
    }

    #[test]
    fn inference_is_deterministic_and_shaped() {
        let config = BaseConfig::tiny();
        let policy = BasePolicy::from_tensors(config.clone(), &model::init_tensors(&config, 5))
            .expect("policy");
        let v = views(&config);
        let a = policy.infer(&v, &ego()).expect("infer");
        let b = policy.infer(&v, &ego()).expect("infer");
        assert_eq!(a, b);
        assert_eq!(a.waypoints_ego_m.len(), PLAN_LEN);
        assert_eq!(a.scene_features.len(), config.scene_feature_dim());
        assert!(a.waypoints_ego_m.iter().all(|p| p.is_finite()));
    }

    #[test]
    fn wrong_views_are_rejected_with_the_reason() {
        let config = BaseConfig::tiny();
        let policy = BasePolicy::from_tensors(config.clone(), &model::init_tensors(&config, 5))
            .expect("policy");
        let mut v = views(&config);
        v.cameras.swap(0, 1);
        let e = policy.infer(&v, &ego()).unwrap_err().to_string();
        assert!(e.contains("expected cameras"), "{e}");
        let mut v = views(&config);
        v.cameras[2].width += 1;
        let e = policy.infer(&v, &ego()).unwrap_err().to_string();
        assert!(e.contains("CAM_FRONT_RIGHT"), "{e}");
    }

    #[test]
    fn in_memory_tensors_are_checked() {
        let config = BaseConfig::tiny();
        let mut t = model::init_tensors(&config, 5);
        t.get_mut("head.fc2.bias").expect("bias").pop();
        let e = BasePolicy::from_tensors(config, &t)
            .unwrap_err()
            .to_string();
        assert!(e.contains("head.fc2.bias"), "{e}");
    }

    #[test]
    fn missing_folder_error_names_the_config_file() {
        let e = BasePolicy::load(Path::new("/nonexistent/base"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/base/config.json"), "{e}");
    }
}
