//! Plan tracking: turns a Plan (waypoints `plan_dt` apart in the ego frame at decision time)
//! into acceleration and steering-rate commands every physics substep, in the manner of
//! nuPlan's LQR tracker (decoupled longitudinal and lateral control).
//!
//! Reference: a cubic Hermite spline in time through the current rear-axle position (t = 0)
//! and the waypoints (t = k * plan_dt). Tangents: the ego's velocity at t = 0 (capped at twice
//! the mean speed to the first waypoint, so a stop plan does not overshoot), central
//! differences inside, a backward difference at the end. Sampled at the physics step with
//! position, velocity and acceleration.
//!
//! Longitudinal: feed-forward of the reference acceleration along its tangent, plus
//! proportional terms on the along-track position error and the speed error, plus a small
//! clamped integral of the speed error (PI on speed with position correction).
//!
//! Lateral: discrete LQR on the linearised path-error dynamics of the kinematic bicycle,
//! state x = (lateral error e, heading error th, steering deviation delta - delta_ff), input the
//! steering-rate deviation: e' = v th, th' = (v / L)(delta - delta_ff), with delta_ff =
//! atan(L kappa) from the reference curvature. Gains come from iterating the discrete Riccati
//! equation, tabulated over speed once per World.

use super::ego::{EgoControl, EgoState};
use crate::config::VehicleConfig;
use crate::scene::wrap_angle;
use glam::DVec2;
use serde::{Deserialize, Serialize};

/// Along-track position gain (1/s^2).
const K_POSITION: f64 = 1.5;
/// Speed gain (1/s).
const K_SPEED: f64 = 2.5;
/// Integral gain on the speed error (1/s^2) and its clamp (m/s * s).
const K_INTEGRAL: f64 = 0.2;
const INTEGRAL_CLAMP: f64 = 2.0;
/// LQR weights: lateral error, heading error, steering deviation; steering rate.
const Q_DIAG: [f64; 3] = [1.0, 3.0, 0.1];
const R_STEER_RATE: f64 = 0.1;
/// Speed grid of the gain table.
const GAIN_SPEED_STEP_MPS: f64 = 0.5;
/// A reference shorter than this is a stop: no lateral control.
const MIN_PATH_M: f64 = 0.2;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RefSample {
    pub xy: DVec2,
    pub vel: DVec2,
    pub acc: DVec2,
}

/// The reference trajectory of the current plan, sampled at the physics step from decision time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    pub dt_secs: f64,
    pub samples: Vec<RefSample>,
    pub path_length_m: f64,
}

impl Reference {
    /// Build the spline through the ego position and the global waypoints.
    pub fn from_waypoints(
        ego: &EgoState,
        waypoints: &[DVec2],
        plan_dt_secs: f64,
        sample_dt_secs: f64,
    ) -> Reference {
        let h = plan_dt_secs;
        let mut p = Vec::with_capacity(waypoints.len() + 1);
        p.push(ego.pose.xy);
        p.extend_from_slice(waypoints);
        let n = p.len();
        let mut v = vec![DVec2::ZERO; n];
        if n >= 2 {
            let cap = 2.0 * p[1].distance(p[0]) / h;
            v[0] = DVec2::from_angle(ego.pose.yaw) * ego.speed_mps.min(cap);
            for k in 1..n - 1 {
                v[k] = (p[k + 1] - p[k - 1]) / (2.0 * h);
            }
            v[n - 1] = (p[n - 1] - p[n - 2]) / h;
        }
        let horizon = h * (n - 1) as f64;
        let count = (horizon / sample_dt_secs).round() as usize + 1;
        let mut samples = Vec::with_capacity(count);
        let mut path_length_m = 0.0;
        for i in 0..count {
            let t = (i as f64 * sample_dt_secs).min(horizon);
            let k = ((t / h).floor() as usize).min(n.saturating_sub(2));
            let s = if n >= 2 {
                hermite(p[k], v[k], p[k + 1], v[k + 1], h, t / h - k as f64)
            } else {
                RefSample {
                    xy: p[0],
                    vel: DVec2::ZERO,
                    acc: DVec2::ZERO,
                }
            };
            if let Some(prev) = samples.last() {
                let prev: &RefSample = prev;
                path_length_m += prev.xy.distance(s.xy);
            }
            samples.push(s);
        }
        Reference {
            dt_secs: sample_dt_secs,
            samples,
            path_length_m,
        }
    }

    fn index_at(&self, t_secs: f64) -> usize {
        ((t_secs / self.dt_secs).round().max(0.0) as usize).min(self.samples.len() - 1)
    }
}

/// Cubic Hermite segment with end positions/velocities, duration h, at u in [0, 1].
fn hermite(p0: DVec2, v0: DVec2, p1: DVec2, v1: DVec2, h: f64, u: f64) -> RefSample {
    let (u2, u3) = (u * u, u * u * u);
    let xy = p0 * (2.0 * u3 - 3.0 * u2 + 1.0)
        + v0 * (h * (u3 - 2.0 * u2 + u))
        + p1 * (-2.0 * u3 + 3.0 * u2)
        + v1 * (h * (u3 - u2));
    let vel = (p0 * (6.0 * u2 - 6.0 * u)
        + v0 * (h * (3.0 * u2 - 4.0 * u + 1.0))
        + p1 * (-6.0 * u2 + 6.0 * u)
        + v1 * (h * (3.0 * u2 - 2.0 * u)))
        / h;
    let acc = (p0 * (12.0 * u - 6.0)
        + v0 * (h * (6.0 * u - 4.0))
        + p1 * (-12.0 * u + 6.0)
        + v1 * (h * (6.0 * u - 2.0)))
        / (h * h);
    RefSample { xy, vel, acc }
}

/// LQR gains over speed, computed once per World.
#[derive(Debug, Clone, PartialEq)]
pub struct GainTable {
    gains: Vec<[f64; 3]>,
}

impl GainTable {
    pub fn new(vehicle: &VehicleConfig, dt_secs: f64) -> GainTable {
        let n = (vehicle.max_speed_mps / GAIN_SPEED_STEP_MPS).ceil() as usize + 1;
        let gains = (0..n)
            .map(|i| {
                let v = (i as f64 * GAIN_SPEED_STEP_MPS).max(GAIN_SPEED_STEP_MPS);
                lqr_gain(v, vehicle.wheelbase_m, dt_secs)
            })
            .collect();
        GainTable { gains }
    }

    /// Linear interpolation in speed.
    pub fn at(&self, speed_mps: f64) -> [f64; 3] {
        let x = (speed_mps.max(0.0) / GAIN_SPEED_STEP_MPS).min((self.gains.len() - 1) as f64);
        let i = (x.floor() as usize).min(self.gains.len() - 2);
        let f = x - i as f64;
        let (a, b) = (self.gains[i], self.gains[i + 1]);
        [
            a[0] + (b[0] - a[0]) * f,
            a[1] + (b[1] - a[1]) * f,
            a[2] + (b[2] - a[2]) * f,
        ]
    }
}

type M3 = [[f64; 3]; 3];

fn mul(a: &M3, b: &M3) -> M3 {
    let mut r = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            r[i][j] = (0..3).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    r
}

fn transpose(a: &M3) -> M3 {
    let mut r = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            r[i][j] = a[j][i];
        }
    }
    r
}

/// Discrete LQR gain K (u = -K x) for the lateral error model at speed v, by Riccati iteration.
pub fn lqr_gain(v: f64, wheelbase_m: f64, dt: f64) -> [f64; 3] {
    let a: M3 = [
        [1.0, v * dt, 0.0],
        [0.0, 1.0, v * dt / wheelbase_m],
        [0.0, 0.0, 1.0],
    ];
    let b = [0.0, 0.0, dt];
    let at = transpose(&a);
    let mut p: M3 = [[0.0; 3]; 3];
    for (i, q) in Q_DIAG.iter().enumerate() {
        p[i][i] = *q;
    }
    let mut k = [0.0; 3];
    for _ in 0..2000 {
        // K = (R + b' P b)^-1 b' P A
        let pb: [f64; 3] = std::array::from_fn(|i| (0..3).map(|j| p[i][j] * b[j]).sum());
        let bpb: f64 = (0..3).map(|i| b[i] * pb[i]).sum();
        let pa = mul(&p, &a);
        let bpa: [f64; 3] = std::array::from_fn(|j| (0..3).map(|i| b[i] * pa[i][j]).sum());
        let denom = R_STEER_RATE + bpb;
        let k_new: [f64; 3] = std::array::from_fn(|j| bpa[j] / denom);
        // P = Q + A' P A - A' P b K
        let apa = mul(&at, &pa);
        let apb: [f64; 3] = std::array::from_fn(|i| (0..3).map(|j| at[i][j] * pb[j]).sum());
        let mut next = apa;
        for i in 0..3 {
            for j in 0..3 {
                next[i][j] -= apb[i] * k_new[j];
            }
            next[i][i] += Q_DIAG[i];
        }
        let delta: f64 = (0..3).map(|j| (k_new[j] - k[j]).abs()).sum();
        p = next;
        k = k_new;
        if delta < 1e-12 {
            break;
        }
    }
    k
}

/// Controller memory that persists across substeps and plans.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct TrackerState {
    pub speed_integral: f64,
}

/// One control step: `t_secs` is the time since the plan was issued.
pub fn track(
    ego: &EgoState,
    reference: &Reference,
    t_secs: f64,
    memory: &mut TrackerState,
    gains: &GainTable,
    vehicle: &VehicleConfig,
    dt_secs: f64,
) -> EgoControl {
    let i = reference.index_at(t_secs);
    let r = reference.samples[i];
    let heading = DVec2::from_angle(ego.pose.yaw);
    let tangent = r.vel.try_normalize().unwrap_or(heading);
    let along_err = (r.xy - ego.pose.xy).dot(tangent);
    let v_ref = r.vel.dot(tangent).max(0.0);
    let speed_err = v_ref - ego.speed_mps;
    memory.speed_integral =
        (memory.speed_integral + speed_err * dt_secs).clamp(-INTEGRAL_CLAMP, INTEGRAL_CLAMP);
    let accel = r.acc.dot(tangent)
        + K_POSITION * along_err
        + K_SPEED * speed_err
        + K_INTEGRAL * memory.speed_integral;

    let steer_rate = if reference.path_length_m < MIN_PATH_M {
        0.0
    } else {
        lateral(ego, reference, i, gains, vehicle)
    };
    EgoControl {
        accel_mps2: accel,
        steer_rate_radps: steer_rate,
    }
}

fn curvature(s: &RefSample) -> f64 {
    let speed = s.vel.length();
    if speed < 0.1 {
        0.0
    } else {
        s.vel.perp_dot(s.acc) / (speed * speed * speed)
    }
}

fn lateral(
    ego: &EgoState,
    reference: &Reference,
    i_time: usize,
    gains: &GainTable,
    vehicle: &VehicleConfig,
) -> f64 {
    let samples = &reference.samples;
    let last = samples.len() - 1;
    let lo = i_time.saturating_sub(10);
    let hi = (i_time + 30).min(last);
    // Nearest segment of the sampled path (skipping degenerate ones).
    let mut best: Option<(f64, usize, f64)> = None;
    for j in lo..hi {
        let a = samples[j].xy;
        let ab = samples[j + 1].xy - a;
        let len2 = ab.length_squared();
        if len2 < 1e-12 {
            continue;
        }
        let t = ((ego.pose.xy - a).dot(ab) / len2).clamp(0.0, 1.0);
        let d2 = (a + ab * t).distance_squared(ego.pose.xy);
        if best.is_none_or(|b| d2 < b.0) {
            best = Some((d2, j, t));
        }
    }
    let Some((_, j, t)) = best else {
        return 0.0;
    };
    let a = samples[j].xy;
    let dir = (samples[j + 1].xy - a).normalize_or_zero();
    let e = dir.perp_dot(ego.pose.xy - a);
    let th = wrap_angle(ego.pose.yaw - dir.y.atan2(dir.x));
    let kappa = curvature(&samples[j]) * (1.0 - t) + curvature(&samples[j + 1]) * t;
    let steer_ff = (vehicle.wheelbase_m * kappa).atan();
    // Feed-forward steering rate: reach the next sample's feed-forward angle on arriving
    // there (distance from the ego to that sample, at the ego's speed). Measured better than
    // the plain derivative d delta_ff / ds x v, which lags by the steering integration.
    let next = &samples[j + 1];
    let ds = next.xy.distance(ego.pose.xy).max(1e-6);
    let rate_ff = ((vehicle.wheelbase_m * curvature(next)).atan() - steer_ff) / ds * ego.speed_mps;
    let k = gains.at(ego.speed_mps);
    rate_ff - (k[0] * e + k[1] * th + k[2] * (ego.steer_rad - steer_ff))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gains_stabilise_the_closed_loop() {
        // Spectral radius of A - B K below one at several speeds.
        for v in [1.0, 5.0, 15.0] {
            let k = lqr_gain(v, 2.588, 0.05);
            let dt = 0.05;
            let mut x = [1.0, 0.2, 0.0];
            for _ in 0..2000 {
                let u = -(k[0] * x[0] + k[1] * x[1] + k[2] * x[2]);
                x = [
                    x[0] + v * dt * x[1],
                    x[1] + v * dt / 2.588 * x[2],
                    x[2] + dt * u,
                ];
            }
            assert!(x.iter().all(|c| c.abs() < 1e-6), "v={v}: {x:?}");
        }
    }

    #[test]
    fn hermite_interpolates_its_ends() {
        let s0 = hermite(
            DVec2::ZERO,
            DVec2::X,
            DVec2::new(1.0, 1.0),
            DVec2::Y,
            0.5,
            0.0,
        );
        let s1 = hermite(
            DVec2::ZERO,
            DVec2::X,
            DVec2::new(1.0, 1.0),
            DVec2::Y,
            0.5,
            1.0,
        );
        assert!(s0.xy.abs_diff_eq(DVec2::ZERO, 1e-12) && s0.vel.abs_diff_eq(DVec2::X, 1e-12));
        assert!(s1.xy.abs_diff_eq(DVec2::ONE, 1e-12) && s1.vel.abs_diff_eq(DVec2::Y, 1e-12));
    }
}
