//! The ego vehicle: a kinematic bicycle on the rear axle (the ego frame's origin) with
//! acceleration, speed, steering-angle and steering-rate limits from `VehicleConfig`.
//!
//! State: rear-axle pose, speed v >= 0 (no reversing), steering angle delta. Inputs per substep:
//! longitudinal acceleration a and steering rate u, both held constant over the substep and
//! clamped to the limits. Integration: delta and v change linearly over the substep; the pose
//! moves along a circular arc with the mean speed and the mean curvature tan(delta)/L (exact for
//! constant curvature, second-order otherwise).

use crate::config::VehicleConfig;
use crate::geometry::{Obb, Pose2};
use glam::DVec2;
use serde::{Deserialize, Serialize};

/// Box dimensions of the ego, copied from the vehicle config so `footprint()` needs no argument.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EgoDims {
    pub length_m: f64,
    pub width_m: f64,
    pub height_m: f64,
    /// Rear axle to box centre, forward.
    pub rear_axle_to_center_m: f64,
}

impl From<&VehicleConfig> for EgoDims {
    fn from(v: &VehicleConfig) -> EgoDims {
        EgoDims {
            length_m: v.length_m,
            width_m: v.width_m,
            height_m: v.height_m,
            rear_axle_to_center_m: v.rear_axle_to_center_m,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EgoState {
    /// Rear-axle pose in the global frame.
    pub pose: Pose2,
    pub speed_mps: f64,
    /// Acceleration actually applied over the last substep (after limits).
    pub accel_mps2: f64,
    pub steer_rad: f64,
    pub yaw_rate_radps: f64,
    pub dims: EgoDims,
}

/// Controls for one substep, before limits.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct EgoControl {
    pub accel_mps2: f64,
    pub steer_rate_radps: f64,
}

impl EgoState {
    pub fn new(pose: Pose2, speed_mps: f64, vehicle: &VehicleConfig) -> EgoState {
        EgoState {
            pose,
            speed_mps: speed_mps.clamp(0.0, vehicle.max_speed_mps),
            accel_mps2: 0.0,
            steer_rad: 0.0,
            yaw_rate_radps: 0.0,
            dims: EgoDims::from(vehicle),
        }
    }

    /// The ego box in the global frame.
    pub fn footprint(&self) -> Obb {
        Obb::new(
            self.center(),
            self.pose.yaw,
            self.dims.length_m,
            self.dims.width_m,
        )
    }

    /// Box centre in the global frame.
    pub fn center(&self) -> DVec2 {
        self.pose
            .transform_point(DVec2::new(self.dims.rear_axle_to_center_m, 0.0))
    }

    /// Velocity vector of the rear axle in the global frame.
    pub fn velocity(&self) -> DVec2 {
        DVec2::from_angle(self.pose.yaw) * self.speed_mps
    }

    /// Advance the bicycle by `dt_secs` under `control`, clamped to the vehicle limits.
    pub fn integrate(&mut self, control: EgoControl, dt_secs: f64, vehicle: &VehicleConfig) {
        let accel = control
            .accel_mps2
            .clamp(-vehicle.max_decel_mps2, vehicle.max_accel_mps2);
        let rate = control
            .steer_rate_radps
            .clamp(-vehicle.max_steer_rate_radps, vehicle.max_steer_rate_radps);
        let steer0 = self.steer_rad;
        let steer1 = (steer0 + rate * dt_secs).clamp(-vehicle.max_steer_rad, vehicle.max_steer_rad);
        let v0 = self.speed_mps;
        let v1 = (v0 + accel * dt_secs).clamp(0.0, vehicle.max_speed_mps);
        // Distance over the substep; when braking to a stop inside it, the stop point.
        let dist = if accel < 0.0 && v0 + accel * dt_secs < 0.0 {
            v0 * v0 / (-2.0 * accel)
        } else {
            0.5 * (v0 + v1) * dt_secs
        };
        let kappa = 0.5 * (steer0.tan() + steer1.tan()) / vehicle.wheelbase_m;
        let dyaw = kappa * dist;
        let local = if dyaw.abs() < 1e-9 {
            DVec2::new(dist, 0.5 * dyaw * dist)
        } else {
            DVec2::new(dyaw.sin() / kappa, (1.0 - dyaw.cos()) / kappa)
        };
        self.pose = Pose2 {
            xy: self.pose.transform_point(local),
            yaw: crate::scene::wrap_angle(self.pose.yaw + dyaw),
        };
        self.accel_mps2 = (v1 - v0) / dt_secs;
        self.speed_mps = v1;
        self.steer_rad = steer1;
        self.yaw_rate_radps = v1 * steer1.tan() / vehicle.wheelbase_m;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_steer_drives_a_circle_of_the_bicycle_radius() {
        let v = VehicleConfig::default();
        let mut e = EgoState::new(Pose2::default(), 5.0, &v);
        e.steer_rad = 0.2;
        let radius = v.wheelbase_m / 0.2f64.tan();
        for _ in 0..200 {
            e.integrate(EgoControl::default(), 0.05, &v);
            let centre = DVec2::new(0.0, radius);
            assert!((e.pose.xy.distance(centre) - radius).abs() < 1e-9);
        }
    }

    #[test]
    fn limits_are_respected() {
        let v = VehicleConfig::default();
        let mut e = EgoState::new(Pose2::default(), 10.0, &v);
        let c = EgoControl {
            accel_mps2: 100.0,
            steer_rate_radps: 100.0,
        };
        e.integrate(c, 0.05, &v);
        assert!((e.accel_mps2 - v.max_accel_mps2).abs() < 1e-9);
        assert!((e.steer_rad - v.max_steer_rate_radps * 0.05).abs() < 1e-12);
        for _ in 0..100 {
            e.integrate(c, 0.05, &v);
        }
        assert!(e.steer_rad <= v.max_steer_rad + 1e-12);
        assert!(e.speed_mps <= v.max_speed_mps + 1e-12);
        let brake = EgoControl {
            accel_mps2: -100.0,
            steer_rate_radps: 0.0,
        };
        let before = e.speed_mps;
        e.integrate(brake, 0.05, &v);
        assert!((before - e.speed_mps - v.max_decel_mps2 * 0.05).abs() < 1e-9);
        for _ in 0..100 {
            e.integrate(brake, 0.05, &v);
        }
        assert_eq!(e.speed_mps, 0.0);
    }
}
