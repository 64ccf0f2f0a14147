//! What MPA's Q model (and later the adapter) reads besides the action: the six camera views
//! through a frozen image encoder, and the ego history (`shared/MPA.md` sections 1 and 3).
//!
//! **Encoder.** The base policy's camera encoder (`BaseNet::camera_features`: the CNN it shares
//! across its cameras, pooled and projected to 64 values), frozen, applied to each of the six
//! views at the base policy's input size (64x36). The counterfactual data stores these per-view
//! features (6 x 64 f32 = 1536 bytes per reference state, shared by its 21 behaviours) instead
//! of the images (6 x 64 x 36 x 3 = 41 472 bytes): the encoder is frozen, so storing its output
//! loses nothing the Q model can use, and the data is 27x smaller. The cost: the data is tied to
//! the encoder's weights, so the manifest records their SHA-256 and training and the Q agent
//! refuse a mismatch. The base policy's own scene features are the same encoder's features of
//! its three front cameras, so the adapter can condition on the stored ones.
//!
//! **History.** `HISTORY_LEN` x `HISTORY_FEATURES`: at each of the last 5 decision ticks (oldest
//! first, the last is now) the rear-axle x, y and yaw in the current ego frame, speed,
//! acceleration, route arc length relative to now, signed lateral offset from the route, and the
//! tick's time relative to now. Physical units here; the Q model normalises.

use std::path::Path;

use burn::tensor::{Tensor, TensorData};

use crate::agent::base::{BasePolicy, input};
use crate::agent::{Observation, ViewRequest, Views};
use crate::scene::CAMERA_CHANNELS;

/// Past decision ticks in the history (the current one included).
pub const HISTORY_LEN: usize = crate::config::EGO_HISTORY_LEN;
/// Values per history tick.
pub const HISTORY_FEATURES: usize = 8;
/// Views the Q model's encoder reads.
pub const Q_VIEWS: usize = CAMERA_CHANNELS.len();

/// The ego history of `obs` (`HISTORY_LEN * HISTORY_FEATURES` values, see the module docs).
/// Missing ticks (a history shorter than `HISTORY_LEN`) repeat the oldest one present.
pub fn history_features(obs: &Observation, decision_dt_secs: f64) -> Vec<f32> {
    let n = obs.ego_history.len().min(obs.ego_history_states.len());
    let s_now = obs.ego_history_states.last().map_or(0.0, |s| s.route_s_m);
    let mut out = Vec::with_capacity(HISTORY_LEN * HISTORY_FEATURES);
    for k in 0..HISTORY_LEN {
        // Tick k of HISTORY_LEN (oldest first), aligned so the last is now.
        let back = HISTORY_LEN - 1 - k;
        let i = n.saturating_sub(1 + back);
        let (pose, st) = match (obs.ego_history.get(i), obs.ego_history_states.get(i)) {
            (Some(p), Some(s)) => (*p, *s),
            _ => (Default::default(), Default::default()),
        };
        out.extend_from_slice(&[
            pose.xy.x as f32,
            pose.xy.y as f32,
            pose.yaw as f32,
            st.speed_mps as f32,
            st.accel_mps2 as f32,
            (st.route_s_m - s_now) as f32,
            st.route_lateral_m as f32,
            -(back as f64 * decision_dt_secs) as f32,
        ]);
    }
    out
}

/// The base policy's camera encoder, frozen, over the six views.
#[derive(Debug)]
pub struct FrozenEncoder {
    policy: BasePolicy,
    /// SHA-256 (hex) of the encoder's `config.json` and `model.safetensors`.
    pub weights_sha256: String,
}

impl FrozenEncoder {
    /// Load the encoder of the base policy in `dir`.
    pub fn load(dir: &Path) -> Result<FrozenEncoder, String> {
        let policy = BasePolicy::load(dir).map_err(|e| e.to_string())?;
        Ok(FrozenEncoder {
            weights_sha256: weights_sha256(dir)?,
            policy,
        })
    }

    /// Per-view feature width.
    pub fn feature_dim(&self) -> usize {
        self.policy.config.camera_feature_dim
    }

    /// The six views at the encoder's input size, in `CAMERA_CHANNELS` order.
    pub fn view_request(&self) -> ViewRequest {
        ViewRequest {
            width_px: self.policy.config.width_px,
            height_px: self.policy.config.height_px,
            channels: CAMERA_CHANNELS.iter().map(|c| c.to_string()).collect(),
        }
    }

    /// Per-view features of several view sets: `Q_VIEWS * feature_dim` values per set, in
    /// `CAMERA_CHANNELS` order. Each set must hold the six cameras at the encoder's size.
    pub fn encode(&self, sets: &[&Views]) -> Result<Vec<Vec<f32>>, String> {
        let c = &self.policy.config;
        let (w, h) = (c.width_px as usize, c.height_px as usize);
        let mut pixels = Vec::with_capacity(sets.len() * Q_VIEWS * 3 * w * h);
        for views in sets {
            for ch in CAMERA_CHANNELS {
                let cam = views
                    .camera(ch)
                    .ok_or_else(|| format!("the Q encoder needs camera {ch}, which is missing"))?;
                if cam.width as usize != w || cam.height as usize != h || cam.rgb.len() != w * h * 3
                {
                    return Err(format!(
                        "camera {ch}: the Q encoder reads {w}x{h} RGB, got {}x{}",
                        cam.width, cam.height
                    ));
                }
                input::encode_rgb(c, &cam.rgb, &mut pixels);
            }
        }
        if sets.is_empty() {
            return Ok(Vec::new());
        }
        let device = crate::agent::base::cpu_device();
        let images: Tensor<4> = Tensor::from_data(
            TensorData::new(pixels, [sets.len() * Q_VIEWS, 3, h, w]),
            &device,
        );
        let feats = self.policy.net.camera_features(c, images).into_data();
        let flat = feats
            .as_slice::<f32>()
            .map_err(|e| format!("reading encoder features: {e:?}"))?;
        Ok(flat
            .chunks_exact(Q_VIEWS * c.camera_feature_dim)
            .map(<[f32]>::to_vec)
            .collect())
    }
}

/// SHA-256 (hex) of a base-policy folder's `config.json` followed by `model.safetensors`.
pub fn weights_sha256(dir: &Path) -> Result<String, String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for name in [
        crate::agent::base::CONFIG_FILE,
        crate::agent::base::WEIGHTS_FILE,
    ] {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        hasher.update(&bytes);
    }
    Ok(hex(&hasher.finalize()))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::EgoHistoryState;
    use crate::geometry::Pose2;

    #[test]
    fn history_is_oldest_first_relative_to_now_and_padded() {
        let scenario = crate::world::testkit::straight_road();
        let world = crate::world::World::new(&scenario, 0, &crate::world::SimConfig::default())
            .expect("world");
        let mut obs = world.observation();
        obs.ego_history = vec![Pose2::new(-2.0, 0.1, 0.05), Pose2::new(0.0, 0.0, 0.0)];
        obs.ego_history_states = vec![
            EgoHistoryState {
                speed_mps: 7.0,
                accel_mps2: 0.5,
                route_s_m: 10.0,
                route_lateral_m: 0.2,
            },
            EgoHistoryState {
                speed_mps: 8.0,
                accel_mps2: 0.4,
                route_s_m: 12.0,
                route_lateral_m: 0.1,
            },
        ];
        let h = history_features(&obs, 0.25);
        assert_eq!(h.len(), HISTORY_LEN * HISTORY_FEATURES);
        let last = &h[(HISTORY_LEN - 1) * HISTORY_FEATURES..];
        assert_eq!(last, &[0.0, 0.0, 0.0, 8.0, 0.4, 0.0, 0.1, 0.0]);
        let prev = &h[(HISTORY_LEN - 2) * HISTORY_FEATURES..(HISTORY_LEN - 1) * HISTORY_FEATURES];
        assert_eq!(prev, &[-2.0, 0.1, 0.05, 7.0, 0.5, -2.0, 0.2, -0.25]);
        // Padding repeats the oldest tick present (its own time offset kept per slot).
        assert_eq!(&h[..7], &prev[..7]);
        assert_eq!(h[7], -1.0);
    }
}
