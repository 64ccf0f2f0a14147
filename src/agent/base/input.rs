//! The network's inputs, built the same way in training and in closed loop: camera RGB (sRGB
//! u8, as rendered) normalised per channel, and the ego vector (speed, acceleration, yaw rate,
//! command one-hot, target points on the route ahead).

use glam::DVec2;

use super::BaseError;
use super::config::BaseConfig;
use crate::agent::{Command, Observation, ROUTE_AHEAD_SPACING_M, Views};

/// The non-image part of one sample, in physical units (normalised by `encode_ego`).
#[derive(Debug, Clone, PartialEq)]
pub struct EgoInput {
    pub speed_mps: f32,
    pub accel_mps2: f32,
    pub yaw_rate_radps: f32,
    pub command: Command,
    /// Route points `target_point_distances_m` ahead, ego frame (x fwd, y left), metres.
    pub targets_ego_m: Vec<[f32; 2]>,
}

/// The route point `distance_m` along `route_ahead_ego_m` (points `ROUTE_AHEAD_SPACING_M`
/// apart from the ego's projection), linearly interpolated; the last point past its end and
/// straight ahead when the route is empty.
pub fn route_point_at(route_ahead_ego_m: &[DVec2], distance_m: f64) -> DVec2 {
    let Some(last) = route_ahead_ego_m.last() else {
        return DVec2::new(distance_m, 0.0);
    };
    let f = (distance_m / ROUTE_AHEAD_SPACING_M).max(0.0);
    let i = f.floor() as usize;
    if i + 1 >= route_ahead_ego_m.len() {
        return *last;
    }
    let t = f - i as f64;
    route_ahead_ego_m[i].lerp(route_ahead_ego_m[i + 1], t)
}

impl EgoInput {
    /// Target points from a route given in the ego frame.
    pub fn targets(config: &BaseConfig, route_ahead_ego_m: &[DVec2]) -> Vec<[f32; 2]> {
        config
            .target_point_distances_m
            .iter()
            .map(|&d| {
                let p = route_point_at(route_ahead_ego_m, d);
                [p.x as f32, p.y as f32]
            })
            .collect()
    }

    pub fn from_observation(config: &BaseConfig, obs: &Observation) -> EgoInput {
        EgoInput {
            speed_mps: obs.ego.speed_mps as f32,
            accel_mps2: obs.ego.accel_mps2 as f32,
            yaw_rate_radps: obs.ego.yaw_rate_radps as f32,
            command: obs.command,
            targets_ego_m: EgoInput::targets(config, &obs.route_ahead_ego_m),
        }
    }
}

/// Append the normalised ego vector (`config.ego_input_dim()` values) to `out`.
pub fn encode_ego(config: &BaseConfig, ego: &EgoInput, out: &mut Vec<f32>) {
    out.push(ego.speed_mps / config.speed_scale_mps);
    out.push(ego.accel_mps2 / config.accel_scale_mps2);
    out.push(ego.yaw_rate_radps / config.yaw_rate_scale_radps);
    let mut one_hot = [0.0f32; 3];
    one_hot[ego.command.as_index() as usize] = 1.0;
    out.extend_from_slice(&one_hot);
    for i in 0..config.target_point_distances_m.len() {
        let [x, y] = ego.targets_ego_m.get(i).copied().unwrap_or([0.0, 0.0]);
        out.push(x / config.target_scale_m);
        out.push(y / config.target_scale_m);
    }
}

/// Append one camera's RGB (`width*height*3` sRGB bytes, row-major) as normalised planes
/// (R, G, B; `3 * height * width` values) to `out`.
pub fn encode_rgb(config: &BaseConfig, rgb: &[u8], out: &mut Vec<f32>) {
    let n = rgb.len() / 3;
    for ch in 0..3 {
        let (mean, std) = (config.rgb_mean[ch], config.rgb_std[ch]);
        out.extend((0..n).map(|p| (f32::from(rgb[p * 3 + ch]) / 255.0 - mean) / std));
    }
}

/// Check that `views` are the config's cameras at its size, in order.
pub fn check_views(config: &BaseConfig, views: &Views) -> Result<(), BaseError> {
    let got: Vec<&str> = views.cameras.iter().map(|c| c.channel.as_str()).collect();
    if got
        != config
            .cameras
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    {
        return Err(BaseError::Input(format!(
            "expected cameras {:?}, got {got:?}",
            config.cameras
        )));
    }
    for c in &views.cameras {
        let want = (config.width_px * config.height_px * 3) as usize;
        if c.width != config.width_px || c.height != config.height_px || c.rgb.len() != want {
            return Err(BaseError::Input(format!(
                "camera {}: expected {}x{} RGB, got {}x{} with {} bytes",
                c.channel,
                config.width_px,
                config.height_px,
                c.width,
                c.height,
                c.rgb.len()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_point_interpolates_and_clamps() {
        let route: Vec<DVec2> = (0..5)
            .map(|i| DVec2::new(i as f64, 0.5 * i as f64))
            .collect();
        assert_eq!(route_point_at(&route, 2.5), DVec2::new(2.5, 1.25));
        assert_eq!(route_point_at(&route, 100.0), DVec2::new(4.0, 2.0));
        assert_eq!(route_point_at(&[], 7.0), DVec2::new(7.0, 0.0));
    }

    #[test]
    fn ego_vector_layout() {
        let config = BaseConfig::default();
        let ego = EgoInput {
            speed_mps: 5.0,
            accel_mps2: -1.5,
            yaw_rate_radps: 0.15,
            command: Command::Left,
            targets_ego_m: vec![[10.0, -2.0]; 4],
        };
        let mut v = Vec::new();
        encode_ego(&config, &ego, &mut v);
        assert_eq!(v.len(), config.ego_input_dim());
        assert_eq!(&v[..6], &[0.5, -0.5, 0.5, 0.0, 1.0, 0.0]);
        assert_eq!(&v[6..8], &[0.5, -0.1]);
    }
}
