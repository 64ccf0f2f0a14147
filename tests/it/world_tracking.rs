//! The tracking controller follows feasible plans closely, and the bicycle's limits hold
//! whatever the plan asks.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::common;

use common::*;
use glam::DVec2;
use mpa_sim::config::VehicleConfig;
use mpa_sim::world::ego::{EgoControl, EgoState};
use mpa_sim::world::{SimConfig, World};

/// Lateral acceleration the reference rollout stays near (comfort bound of HD-Score: 4.89).
const ROLLOUT_LAT_ACCEL_MPS2: f64 = 3.0;

/// Reference rollout of the same bicycle under smooth controls inside the actuator limits and
/// at most about `ROLLOUT_LAT_ACCEL_MPS2` of lateral acceleration at the start speed
/// (steering rate amplitude capped at 0.25 rad/s, so at most 0.28 rad of steering).
fn feasible_rollout(start: EgoState, vehicle: &VehicleConfig, secs: f64) -> Vec<EgoState> {
    let dt = 0.05;
    let v = start.speed_mps.max(1.0);
    let steer_max = (vehicle.wheelbase_m * ROLLOUT_LAT_ACCEL_MPS2 / (v * v)).atan();
    let rate_amp = (0.9 * steer_max).min(0.25);
    let mut e = start;
    let mut out = vec![e];
    for k in 0..(secs / dt).round() as usize {
        let t = k as f64 * dt;
        let c = EgoControl {
            accel_mps2: 1.2 * (0.8 * t).sin(),
            steer_rate_radps: rate_amp * (0.9 * t).cos(),
        };
        e.integrate(c, dt, vehicle);
        out.push(e);
    }
    out
}

/// Tracking error of a feasible plan, re-issued every tick as an agent committed to one
/// trajectory would (the rollout's positions 0.5..3 s ahead in the current ego frame).
fn tracking_errors(speed_mps: f64) -> Vec<f64> {
    let scenario = open_area(speed_mps, 40.0);
    let config = SimConfig {
        max_route_deviation_m: 1000.0,
        ..SimConfig::default()
    };
    let mut world = World::new(&scenario, SEED, &config).unwrap();
    let reference = feasible_rollout(*world.ego(), &config.vehicle, 20.0);
    let per_tick = 5; // 0.25 s / 0.05 s
    let mut errors = Vec::new();
    for tick in 0..24 {
        let now = tick * per_tick;
        let global: Vec<DVec2> = (1..=6).map(|j| reference[now + 10 * j].pose.xy).collect();
        world.step(&plan_from_global(&world, &global)).unwrap();
        let r = reference[now + per_tick].pose;
        let err = world.ego().pose.xy.distance(r.xy);
        errors.push(err);
    }
    errors
}

/// Measured (2026-11): max position error 0.043 m at 3 m/s, 0.042 m at 8 m/s, 0.037 m at
/// 14 m/s over 6 s. The bound leaves margin for tuning; the brief asked for 0.3 m. (On
/// physically implausible rollouts, 0.28 rad of steering at 14 m/s = 22 m/s^2 lateral, the
/// error reached 0.36 m: the chord-based spline cuts 45-degree arcs between waypoints.)
#[test]
fn feasible_plan_is_tracked_within_0_3_m_over_3_s() {
    for speed in [3.0, 8.0, 14.0] {
        let errors = tracking_errors(speed);
        let max3 = errors[..12].iter().cloned().fold(0.0, f64::max);
        let max6 = errors.iter().cloned().fold(0.0, f64::max);
        println!("start {speed} m/s: max error over 3 s {max3:.3} m, over 6 s {max6:.3} m");
        assert!(max3 < 0.15, "speed {speed}: {errors:?}");
        assert!(max6 < 0.15, "speed {speed}: {errors:?}");
    }
}

#[test]
fn bicycle_limits_hold_under_wild_plans() {
    let scenario = open_area(10.0, 40.0);
    let config = SimConfig {
        max_route_deviation_m: 1000.0,
        ..SimConfig::default()
    };
    let v = config.vehicle;
    let mut world = World::new(&scenario, SEED, &config).unwrap();
    let plans = [
        // Hard left, far ahead: asks for more than the limits give.
        [
            DVec2::new(5.0, 20.0),
            DVec2::new(5.0, 40.0),
            DVec2::new(0.0, 60.0),
            DVec2::new(-10.0, 70.0),
            DVec2::new(-20.0, 80.0),
            DVec2::new(-30.0, 90.0),
        ],
        // Full stop now.
        [DVec2::ZERO; 6],
        // Sprint.
        [
            DVec2::new(30.0, -5.0),
            DVec2::new(60.0, -10.0),
            DVec2::new(90.0, -15.0),
            DVec2::new(120.0, -20.0),
            DVec2::new(150.0, -25.0),
            DVec2::new(180.0, -30.0),
        ],
    ];
    let mut prev_steer = world.ego().steer_rad;
    for k in 0..60 {
        let p = mpa_sim::agent::Plan {
            waypoints_ego_m: plans[(k / 10) % 3].to_vec(),
            candidates: Vec::new(),
        };
        world.step(&p).unwrap();
        let e = world.ego();
        assert!(
            e.accel_mps2 <= v.max_accel_mps2 + 1e-9 && e.accel_mps2 >= -v.max_decel_mps2 - 1e-9,
            "{e:?}"
        );
        assert!(e.steer_rad.abs() <= v.max_steer_rad + 1e-12);
        assert!((e.steer_rad - prev_steer).abs() <= v.max_steer_rate_radps * 0.25 + 1e-9);
        assert!(e.speed_mps >= 0.0 && e.speed_mps <= v.max_speed_mps + 1e-12);
        prev_steer = e.steer_rad;
    }
}

#[test]
fn malformed_plans_are_rejected_without_changing_the_state() {
    let scenario = open_area(5.0, 20.0);
    let mut world = world(&scenario);
    let before = serde_json::to_string(world.state()).unwrap();
    let mut short = straight_plan(5.0);
    short.waypoints_ego_m.pop();
    let e = world.step(&short).unwrap_err();
    assert!(e.to_string().contains("expected 6"), "{e}");
    let mut nan = straight_plan(5.0);
    nan.waypoints_ego_m[3].y = f64::NAN;
    assert!(
        world
            .step(&nan)
            .unwrap_err()
            .to_string()
            .contains("waypoint 3")
    );
    let mut far = straight_plan(5.0);
    far.waypoints_ego_m[5].x = 1e6;
    assert!(world.step(&far).is_err());
    assert_eq!(before, serde_json::to_string(world.state()).unwrap());
    assert_eq!(world.step_index(), 0);
}
