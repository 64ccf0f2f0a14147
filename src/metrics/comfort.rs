//! Comfort: kinematic series of a trajectory and the bounds HUGSIM and NAVSIM check them
//! against (nuPlan's `ego_is_comfortable` limits).
//!
//! Two ways to get the series, both by plain finite differences at the sample spacing `dt`:
//!
//! - [`Kinematics::from_poses`], for a plan given as poses only (HUGSIM's HD-Score), following
//!   HUGSIM's `calculate_trajectory_kinematics`. For poses `p_0..p_n`:
//!   - interval `k` (between `p_k` and `p_{k+1}`, k = 0..n-1) has the mid heading
//!     `h_k = yaw_k + wrap(yaw_{k+1} - yaw_k) / 2`, the longitudinal speed
//!     `v_k = (xy_{k+1} - xy_k) . (cos h_k, sin h_k) / dt` (signed; HUGSIM uses the norm, the
//!     same for forward driving), the yaw rate `r_k = wrap(yaw_{k+1} - yaw_k) / dt` and the
//!     lateral acceleration `v_k * r_k` (HUGSIM sets it to zero; we compute it);
//!   - `a_k = (v_{k+1} - v_k) / dt` (n-1 values), jerk `(a_{k+1} - a_k) / dt` (n-2 values),
//!     yaw acceleration `(r_{k+1} - r_k) / dt` (n-1 values).
//! - [`Kinematics::from_samples`], for a simulated state sequence that carries its speed
//!   (NAVSIM's LQR rollout): `a_k = (v_{k+1} - v_k) / dt`, jerk and yaw terms as above, and
//!   lateral acceleration `(v_k + v_{k+1}) / 2 * r_k`.
//!
//! A series too short to difference (e.g. jerk needs four poses) is empty and its bound holds
//! vacuously, as in HUGSIM, which calls any plan under four poses comfortable.

use crate::geometry::Pose2;
use crate::scene::model::wrap_angle;
use serde::{Deserialize, Serialize};

/// Kinematic series of one trajectory (see the module docs for the differencing).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Kinematics {
    pub lon_speed_mps: Vec<f64>,
    pub lon_accel_mps2: Vec<f64>,
    pub lon_jerk_mps3: Vec<f64>,
    pub lat_accel_mps2: Vec<f64>,
    pub yaw_rate_radps: Vec<f64>,
    pub yaw_accel_radps2: Vec<f64>,
}

fn diff(xs: &[f64], dt: f64) -> Vec<f64> {
    xs.windows(2).map(|w| (w[1] - w[0]) / dt).collect()
}

fn yaw_rates(yaws: impl Iterator<Item = f64> + Clone, dt: f64) -> Vec<f64> {
    yaws.clone()
        .zip(yaws.skip(1))
        .map(|(a, b)| wrap_angle(b - a) / dt)
        .collect()
}

impl Kinematics {
    /// From poses `dt_secs` apart (speeds derived from positions).
    pub fn from_poses(poses: &[Pose2], dt_secs: f64) -> Kinematics {
        let lon_speed_mps: Vec<f64> = poses
            .windows(2)
            .map(|w| {
                let h = w[0].yaw + 0.5 * wrap_angle(w[1].yaw - w[0].yaw);
                (w[1].xy - w[0].xy).dot(glam::DVec2::from_angle(h)) / dt_secs
            })
            .collect();
        let yaw_rate_radps = yaw_rates(poses.iter().map(|p| p.yaw), dt_secs);
        let lat_accel_mps2 = lon_speed_mps
            .iter()
            .zip(&yaw_rate_radps)
            .map(|(v, r)| v * r)
            .collect();
        Self::finish(lon_speed_mps, yaw_rate_radps, lat_accel_mps2, dt_secs)
    }

    /// From simulated states `dt_secs` apart that carry their own signed speed.
    pub fn from_samples(poses: &[Pose2], speeds_mps: &[f64], dt_secs: f64) -> Kinematics {
        let yaw_rate_radps = yaw_rates(poses.iter().map(|p| p.yaw), dt_secs);
        let lat_accel_mps2 = speeds_mps
            .windows(2)
            .zip(&yaw_rate_radps)
            .map(|(v, r)| 0.5 * (v[0] + v[1]) * r)
            .collect();
        Self::finish(speeds_mps.to_vec(), yaw_rate_radps, lat_accel_mps2, dt_secs)
    }

    fn finish(
        lon_speed_mps: Vec<f64>,
        yaw_rate_radps: Vec<f64>,
        lat_accel_mps2: Vec<f64>,
        dt_secs: f64,
    ) -> Kinematics {
        let lon_accel_mps2 = diff(&lon_speed_mps, dt_secs);
        let lon_jerk_mps3 = diff(&lon_accel_mps2, dt_secs);
        let yaw_accel_radps2 = diff(&yaw_rate_radps, dt_secs);
        Kinematics {
            lon_speed_mps,
            lon_accel_mps2,
            lon_jerk_mps3,
            lat_accel_mps2,
            yaw_rate_radps,
            yaw_accel_radps2,
        }
    }
}

/// Comfort limits (nuPlan's, as HUGSIM and NAVSIM use them). All bounds are inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ComfortBounds {
    pub min_lon_accel_mps2: f64,
    pub max_lon_accel_mps2: f64,
    pub max_abs_lon_jerk_mps3: f64,
    pub max_abs_lat_accel_mps2: f64,
    pub max_abs_yaw_rate_radps: f64,
    pub max_abs_yaw_accel_radps2: f64,
}

impl ComfortBounds {
    /// HUGSIM HD-Score bounds.
    pub const HUGSIM: ComfortBounds = ComfortBounds {
        min_lon_accel_mps2: -4.05,
        max_lon_accel_mps2: 2.40,
        max_abs_lon_jerk_mps3: 8.37,
        max_abs_lat_accel_mps2: 4.89,
        max_abs_yaw_rate_radps: 0.95,
        max_abs_yaw_accel_radps2: 1.93,
    };
    /// NAVSIM PDMS bounds: HUGSIM's except longitudinal jerk.
    pub const NAVSIM: ComfortBounds = ComfortBounds {
        max_abs_lon_jerk_mps3: 4.13,
        ..ComfortBounds::HUGSIM
    };

    /// Check every series against its bound. A NaN value fails its check.
    pub fn check(&self, k: &Kinematics) -> ComfortCheck {
        let all_abs = |xs: &[f64], bound: f64| xs.iter().all(|x| x.abs() <= bound);
        ComfortCheck {
            lon_accel_ok: k
                .lon_accel_mps2
                .iter()
                .all(|a| *a >= self.min_lon_accel_mps2 && *a <= self.max_lon_accel_mps2),
            lon_jerk_ok: all_abs(&k.lon_jerk_mps3, self.max_abs_lon_jerk_mps3),
            lat_accel_ok: all_abs(&k.lat_accel_mps2, self.max_abs_lat_accel_mps2),
            yaw_rate_ok: all_abs(&k.yaw_rate_radps, self.max_abs_yaw_rate_radps),
            yaw_accel_ok: all_abs(&k.yaw_accel_radps2, self.max_abs_yaw_accel_radps2),
        }
    }
}

/// Which comfort bounds hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComfortCheck {
    pub lon_accel_ok: bool,
    pub lon_jerk_ok: bool,
    pub lat_accel_ok: bool,
    pub yaw_rate_ok: bool,
    pub yaw_accel_ok: bool,
}

impl ComfortCheck {
    pub fn all(&self) -> bool {
        self.lon_accel_ok
            && self.lon_jerk_ok
            && self.lat_accel_ok
            && self.yaw_rate_ok
            && self.yaw_accel_ok
    }
}

#[cfg(test)]
#[path = "comfort_tests.rs"]
mod tests;
