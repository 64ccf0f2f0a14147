//! The one time base and vehicle configuration (DESIGN.md, Conventions). Everything that
//! steps, plans or scores reads its periods from here.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TimeBase {
    /// Decision tick: the agent plans every this many seconds (HUGSIM and MPA: 0.25 s).
    pub decision_dt_secs: f64,
    /// Physics substep.
    pub physics_dt_secs: f64,
    /// Spacing of plan waypoints.
    pub plan_dt_secs: f64,
    /// Number of plan waypoints (6 x 0.5 s = 3 s horizon).
    pub plan_len: usize,
    /// Timeout as a multiple of the reference (logged) duration.
    pub timeout_factor: f64,
}

impl Default for TimeBase {
    fn default() -> Self {
        TimeBase {
            decision_dt_secs: 0.25,
            physics_dt_secs: 0.05,
            plan_dt_secs: 0.5,
            plan_len: 6,
            timeout_factor: 2.5,
        }
    }
}

impl TimeBase {
    /// Physics substeps per decision tick (rounded; at least one).
    pub fn substeps(&self) -> usize {
        ((self.decision_dt_secs / self.physics_dt_secs).round() as usize).max(1)
    }
}

/// Ego vehicle: the nuScenes car (Renault Zoe class) and its actuation limits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VehicleConfig {
    pub length_m: f64,
    pub width_m: f64,
    pub height_m: f64,
    pub wheelbase_m: f64,
    /// Distance from the rear axle (ego origin) to the box centre, forward.
    pub rear_axle_to_center_m: f64,
    pub max_accel_mps2: f64,
    pub max_decel_mps2: f64,
    pub max_steer_rad: f64,
    pub max_steer_rate_radps: f64,
    pub max_speed_mps: f64,
}

impl Default for VehicleConfig {
    fn default() -> Self {
        VehicleConfig {
            length_m: 4.084,
            width_m: 1.730,
            height_m: 1.562,
            wheelbase_m: 2.588,
            rear_axle_to_center_m: 1.3,
            max_accel_mps2: 3.0,
            max_decel_mps2: 8.0,
            max_steer_rad: 0.6,
            max_steer_rate_radps: 0.7,
            max_speed_mps: 20.0,
        }
    }
}

/// Number of poses in `Observation::ego_history` (MPA: 5 steps of history).
pub const EGO_HISTORY_LEN: usize = 5;
/// Spacing and length of `Observation::route_ahead_ego_m`.
pub const ROUTE_AHEAD_SPACING_M: f64 = 1.0;
pub const ROUTE_AHEAD_LENGTH_M: f64 = 80.0;
