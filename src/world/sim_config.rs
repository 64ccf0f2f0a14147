//! Simulation settings (`SimConfig`) and their validation.

use super::WorldError;
use super::idm::IdmParams;
use crate::config::{TimeBase, VehicleConfig};
use serde::{Deserialize, Serialize};

/// Simulation settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimConfig {
    pub time: TimeBase,
    pub vehicle: VehicleConfig,
    pub idm: IdmParams,
    /// Off-route when the ego box centre is farther than this from the route (DESIGN: 10 m).
    pub max_route_deviation_m: f64,
    /// Route completed when progress >= fraction x length - margin.
    pub route_complete_fraction: f64,
    pub route_complete_margin_m: f64,
    /// Turn logged vehicles (car, truck, bus) that move and start on a lane into IDM lane
    /// followers from their logged state (reactive traffic, as nuPlan's reactive agents);
    /// default false: replay the log (HUGSIM and the MPA paper replay).
    pub reactive_logged_vehicles: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            time: TimeBase::default(),
            vehicle: VehicleConfig::default(),
            idm: IdmParams::default(),
            max_route_deviation_m: 10.0,
            route_complete_fraction: 1.0,
            route_complete_margin_m: 2.0,
            reactive_logged_vehicles: false,
        }
    }
}

pub(super) fn validate_config(c: &SimConfig) -> Result<(), WorldError> {
    let pos = |field: &'static str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(())
        } else {
            Err(WorldError::Config {
                field,
                message: format!("expected a positive number, got {v}"),
            })
        }
    };
    pos("time.decision_dt_secs", c.time.decision_dt_secs)?;
    pos("time.physics_dt_secs", c.time.physics_dt_secs)?;
    pos("time.plan_dt_secs", c.time.plan_dt_secs)?;
    pos("time.timeout_factor", c.time.timeout_factor)?;
    pos("vehicle.wheelbase_m", c.vehicle.wheelbase_m)?;
    pos("vehicle.max_speed_mps", c.vehicle.max_speed_mps)?;
    pos("max_route_deviation_m", c.max_route_deviation_m)?;
    if c.time.plan_len == 0 {
        return Err(WorldError::Config {
            field: "time.plan_len",
            message: "expected at least one waypoint".into(),
        });
    }
    Ok(())
}
