//! `BaseConfig`: everything that shapes the base policy besides its weights (cameras and
//! image size, layer widths, the target-point distances and the input/output normalisation
//! constants). Stored as `config.json` beside `model.safetensors`; the weights file is only
//! meaningful together with the config that built the network.

use serde::{Deserialize, Serialize};

use super::BaseError;

/// Plan shape the network predicts (DESIGN: 6 waypoints 0.5 s apart).
pub const PLAN_LEN: usize = 6;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseConfig {
    /// Camera channels, in the order the encoder sees them.
    pub cameras: Vec<String>,
    /// Render size of every camera (the network's input size; no resize step).
    pub width_px: u32,
    pub height_px: u32,
    /// Output channels of the stride-2 3x3 convolutions of the shared image encoder (the first
    /// layer is 5x5).
    pub conv_channels: Vec<usize>,
    /// The last feature map is average-pooled to this grid (rows, columns) before the
    /// per-camera projection, keeping coarse left/right/up/down layout.
    pub pool_grid: [usize; 2],
    /// Per-camera scene-feature width; the scene features are `cameras.len() * camera_feature_dim`.
    pub camera_feature_dim: usize,
    /// Width of the MLP head's hidden layers.
    pub hidden_dim: usize,
    /// Route points (metres along the route ahead) fed as target points, as TransFuser/LTF
    /// condition on a target point.
    pub target_point_distances_m: Vec<f64>,
    /// Per-channel RGB normalisation: (x / 255 - mean) / std.
    pub rgb_mean: [f32; 3],
    pub rgb_std: [f32; 3],
    /// Ego-state scales: speed, acceleration, yaw rate are divided by these.
    pub speed_scale_mps: f32,
    pub accel_scale_mps2: f32,
    pub yaw_rate_scale_radps: f32,
    /// Target points are divided by this.
    pub target_scale_m: f32,
    /// Network outputs are multiplied by this to give waypoints in metres.
    pub waypoint_scale_m: f32,
}

impl Default for BaseConfig {
    fn default() -> Self {
        BaseConfig {
            cameras: vec![
                "CAM_FRONT_LEFT".into(),
                "CAM_FRONT".into(),
                "CAM_FRONT_RIGHT".into(),
            ],
            width_px: 64,
            height_px: 36,
            conv_channels: vec![16, 32, 48, 64],
            pool_grid: [2, 4],
            camera_feature_dim: 64,
            hidden_dim: 256,
            target_point_distances_m: vec![5.0, 10.0, 20.0, 30.0],
            rgb_mean: [0.45, 0.45, 0.45],
            rgb_std: [0.25, 0.25, 0.25],
            speed_scale_mps: 10.0,
            accel_scale_mps2: 3.0,
            yaw_rate_scale_radps: 0.3,
            target_scale_m: 20.0,
            waypoint_scale_m: 10.0,
        }
    }
}

impl BaseConfig {
    /// The cameras the policy reads, at its input size.
    pub fn view_request(&self) -> crate::render::ViewRequest {
        crate::render::ViewRequest {
            width_px: self.width_px,
            height_px: self.height_px,
            channels: self.cameras.clone(),
        }
    }

    /// Width of the non-image input: speed, accel, yaw rate, 3-way command one-hot, then x, y
    /// of every target point.
    pub fn ego_input_dim(&self) -> usize {
        3 + 3 + 2 * self.target_point_distances_m.len()
    }

    pub fn scene_feature_dim(&self) -> usize {
        self.cameras.len() * self.camera_feature_dim
    }

    /// A tiny network for tests (fast in the dev profile).
    pub fn tiny() -> BaseConfig {
        BaseConfig {
            width_px: 32,
            height_px: 18,
            conv_channels: vec![4, 8],
            pool_grid: [1, 2],
            camera_feature_dim: 8,
            hidden_dim: 16,
            ..BaseConfig::default()
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.cameras.is_empty() {
            return Err("cameras: expected at least one camera".into());
        }
        if self.width_px < 16 || self.height_px < 16 {
            return Err(format!(
                "width_px x height_px: expected at least 16 x 16, got {} x {}",
                self.width_px, self.height_px
            ));
        }
        if self.conv_channels.is_empty() || self.conv_channels.contains(&0) {
            return Err("conv_channels: expected one or more positive widths".into());
        }
        let (mut h, mut w) = (self.height_px as usize, self.width_px as usize);
        for _ in &self.conv_channels {
            h = h.div_ceil(2);
            w = w.div_ceil(2);
        }
        if self.pool_grid[0] == 0
            || self.pool_grid[1] == 0
            || self.pool_grid[0] > h
            || self.pool_grid[1] > w
        {
            return Err(format!(
                "pool_grid: expected 1..={h} rows and 1..={w} columns (the last feature map), got {:?}",
                self.pool_grid
            ));
        }
        if self.camera_feature_dim == 0 || self.hidden_dim == 0 {
            return Err("camera_feature_dim and hidden_dim must be positive".into());
        }
        if self.target_point_distances_m.is_empty()
            || self
                .target_point_distances_m
                .iter()
                .any(|d| !(d.is_finite() && *d >= 0.0))
        {
            return Err(
                "target_point_distances_m: expected one or more finite distances >= 0".into(),
            );
        }
        let scales = [
            self.speed_scale_mps,
            self.accel_scale_mps2,
            self.yaw_rate_scale_radps,
            self.target_scale_m,
            self.waypoint_scale_m,
        ];
        if scales
            .iter()
            .chain(self.rgb_std.iter())
            .any(|s| !(s.is_finite() && *s > 0.0))
        {
            return Err("scales and rgb_std must be finite and positive".into());
        }
        Ok(())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self)
            .expect("BaseConfig serialises (plain numbers and strings)")
    }

    pub fn load(path: &std::path::Path) -> Result<BaseConfig, BaseError> {
        let text = std::fs::read_to_string(path).map_err(|e| BaseError::Io {
            file: path.display().to_string(),
            message: e.to_string(),
        })?;
        let config: BaseConfig = serde_json::from_str(&text).map_err(|e| BaseError::Config {
            file: path.display().to_string(),
            message: e.to_string(),
        })?;
        config.validate().map_err(|message| BaseError::Config {
            file: path.display().to_string(),
            message,
        })?;
        Ok(config)
    }
}
