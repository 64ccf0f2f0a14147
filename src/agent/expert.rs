//! `expert`: a privileged rule-based driver. Lateral: waypoints on the route centreline.
//! Longitudinal: IDM towards a target speed, simulated over the plan horizon.
//!
//! Target speed at arc length s ahead: min(cruise, curvature limit sqrt(a_lat / |kappa|)), and
//! no faster than what lets it brake comfortably to every later limit
//! (v(s)^2 <= v_lim(s')^2 + 2 b (s' - s)). Curvature from the heading change of the route
//! ahead over +-2 m.
//!
//! Obstacles: each ground-truth actor is predicted at constant velocity at 0, 0.5, ..., 3 s
//! and projected on the route ahead. A prediction inside the ego's corridor (ego half width +
//! the actor's half extent across the route + a margin) and ahead of the ego's front is an
//! obstacle: the actor's current position makes it a leader moving at its speed along the
//! route; a future entry (crossing, cut-in) makes a standing obstacle at the entry point if
//! the ego, at its current speed, would get there before the actor could have left
//! (within `YIELD_SLACK_SECS` after the entry). The nearest obstacle is IDM's leader; the
//! speed profile comes from integrating IDM over the horizon with the leader moving at
//! constant speed, and the waypoints sit that far along the route.

use super::{Agent, AgentError, Observation, Plan};
use crate::config::VehicleConfig;
use crate::world::idm::{IdmParams, idm_accel};
use crate::world::route::Polyline;
use glam::DVec2;

/// Seconds after an actor's predicted entry into the corridor during which the ego yields.
const YIELD_SLACK_SECS: f64 = 2.0;
/// Planning extends the route straight beyond its end by this much.
const ROUTE_EXTENSION_M: f64 = 60.0;
/// Integration step of the speed profile.
const PROFILE_DT_SECS: f64 = 0.05;

#[derive(Debug, Clone, PartialEq)]
pub struct ExpertConfig {
    pub cruise_speed_mps: f64,
    pub max_lateral_accel_mps2: f64,
    pub comfort_decel_mps2: f64,
    pub corridor_margin_m: f64,
    pub idm: IdmParams,
    pub vehicle: VehicleConfig,
}

impl Default for ExpertConfig {
    fn default() -> Self {
        ExpertConfig {
            cruise_speed_mps: 10.0,
            max_lateral_accel_mps2: 2.0,
            comfort_decel_mps2: 2.0,
            corridor_margin_m: 0.4,
            idm: IdmParams {
                time_headway_secs: 1.2,
                min_gap_m: 3.0,
                max_accel_mps2: 2.0,
                comfort_decel_mps2: 2.5,
                max_decel_mps2: 7.0,
                ..IdmParams::default()
            },
            vehicle: VehicleConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ExpertAgent {
    pub config: ExpertConfig,
}

/// An obstacle on the route ahead: gap from the ego's front bumper (m) and speed along the
/// route (m/s).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Obstacle {
    pub gap_m: f64,
    pub speed_mps: f64,
}

impl ExpertAgent {
    /// The route ahead in the ego frame, extended straight beyond its end.
    fn route(&self, obs: &Observation) -> Result<Polyline, AgentError> {
        let mut pts = obs.route_ahead_ego_m.clone();
        let dir = match pts.as_slice() {
            [.., a, b] if a.distance(*b) > 1e-6 => (*b - *a).normalize(),
            _ => DVec2::X,
        };
        let end = pts.last().copied().unwrap_or(DVec2::ZERO);
        pts.push(end + dir * ROUTE_EXTENSION_M);
        Polyline::new(&pts).map_err(|e| AgentError::Failed {
            agent: "expert".into(),
            message: format!("route ahead: {e}"),
        })
    }

    /// Speed limit at arc length s from curvature and braking to later limits, sampled 1 m.
    fn speed_limits(&self, route: &Polyline) -> Vec<f64> {
        let c = &self.config;
        let n = route.length_m().floor() as usize + 1;
        let mut lim: Vec<f64> = (0..n)
            .map(|i| {
                let s = i as f64;
                let h0 = route.heading_at((s - 2.0).max(0.0));
                let h1 = route.heading_at(s + 2.0);
                let ds = (s + 2.0) - (s - 2.0).max(0.0);
                let kappa = crate::scene::wrap_angle(h1 - h0).abs() / ds;
                if kappa > 1e-6 {
                    (c.max_lateral_accel_mps2 / kappa)
                        .sqrt()
                        .min(c.cruise_speed_mps)
                } else {
                    c.cruise_speed_mps
                }
            })
            .collect();
        for i in (0..n.saturating_sub(1)).rev() {
            let v_next = lim[i + 1];
            lim[i] = lim[i].min((v_next * v_next + 2.0 * c.comfort_decel_mps2).sqrt());
        }
        lim
    }

    /// The nearest obstacle on the corridor of `route` (ego frame).
    pub fn nearest_obstacle(&self, obs: &Observation, route: &Polyline) -> Option<Obstacle> {
        let p = obs.privileged.as_ref()?;
        let v = &self.config.vehicle;
        let front_m = v.rear_axle_to_center_m + 0.5 * v.length_m;
        let ego_speed = obs.ego.speed_mps.max(1.0);
        let horizon = obs.plan_dt_secs * obs.plan_len as f64;
        // Quick reject: actors whose predicted sweep (box radius included) stays outside the
        // route's bounding box grown by the widest corridor.
        let (lo, hi) = crate::geometry::ring_bounds(route.points());
        let grow = DVec2::splat(0.5 * v.width_m + self.config.corridor_margin_m);
        let (lo, hi) = (lo - grow, hi + grow);
        let mut best: Option<Obstacle> = None;
        for a in &p.actors {
            let end = a.pose.xy + a.velocity_mps * horizon;
            let radius = DVec2::splat(0.5 * a.length_m.hypot(a.width_m));
            let (a_lo, a_hi) = (a.pose.xy.min(end) - radius, a.pose.xy.max(end) + radius);
            if a_hi.x < lo.x || a_hi.y < lo.y || a_lo.x > hi.x || a_lo.y > hi.y {
                continue;
            }
            let steps = (horizon / obs.plan_dt_secs).round() as usize;
            for k in 0..=steps {
                let tau = k as f64 * obs.plan_dt_secs;
                let c = a.pose.xy + a.velocity_mps * tau;
                let pr = route.project(c);
                let rel = a.pose.yaw - pr.heading_rad;
                let half_across =
                    0.5 * (a.length_m * rel.sin().abs() + a.width_m * rel.cos().abs());
                let half_along = 0.5 * (a.length_m * rel.cos().abs() + a.width_m * rel.sin().abs());
                let corridor = 0.5 * v.width_m + self.config.corridor_margin_m + half_across;
                // Centres at or behind the rear axle project onto the route start: not ahead.
                if pr.s_m <= 0.0 || pr.lateral_m.abs() > corridor {
                    continue;
                }
                let gap = pr.s_m - front_m - half_along;
                let candidate = if k == 0 {
                    let tangent = DVec2::from_angle(pr.heading_rad);
                    Obstacle {
                        gap_m: gap,
                        speed_mps: a.velocity_mps.dot(tangent).max(0.0),
                    }
                } else if gap.max(0.0) / ego_speed <= tau + YIELD_SLACK_SECS {
                    Obstacle {
                        gap_m: gap,
                        speed_mps: 0.0,
                    }
                } else {
                    continue;
                };
                if best.is_none_or(|b| candidate.gap_m < b.gap_m) {
                    best = Some(candidate);
                }
                break;
            }
        }
        best
    }
}

impl Agent for ExpertAgent {
    fn name(&self) -> &str {
        "expert"
    }

    fn needs_privileged(&self) -> bool {
        true
    }

    fn plan(&mut self, obs: &Observation) -> Result<Plan, AgentError> {
        if obs.privileged.is_none() {
            return Err(AgentError::MissingPrivileged {
                agent: self.name().into(),
            });
        }
        let route = self.route(obs)?;
        let limits = self.speed_limits(&route);
        let limit_at = |s: f64| limits[(s.max(0.0) as usize).min(limits.len() - 1)];
        let obstacle = self.nearest_obstacle(obs, &route);
        let start_s = route.project(DVec2::ZERO).s_m;
        let params = &self.config.idm;
        let mut v = obs.ego.speed_mps;
        let mut d = 0.0;
        let mut t = 0.0;
        let mut waypoints = Vec::with_capacity(obs.plan_len);
        let steps_per_wp = (obs.plan_dt_secs / PROFILE_DT_SECS).round().max(1.0) as usize;
        let dt = obs.plan_dt_secs / steps_per_wp as f64;
        for _ in 0..obs.plan_len {
            for _ in 0..steps_per_wp {
                let leader = obstacle.map(|o| (o.gap_m + o.speed_mps * t - d, o.speed_mps));
                let a = idm_accel(params, v, limit_at(start_s + d), leader)
                    .max(-self.config.vehicle.max_decel_mps2);
                let v1 = (v + a * dt).max(0.0);
                d += 0.5 * (v + v1) * dt;
                v = v1;
                t += dt;
            }
            waypoints.push(route.point_at(start_s + d));
        }
        Ok(Plan {
            waypoints_ego_m: waypoints,
            candidates: Vec::new(),
        })
    }
}
