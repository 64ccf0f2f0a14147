//! `expert`: a privileged rule-based driver. It plans by simulating a kinematic bicycle along
//! the route for the plan horizon and returns the simulated positions, so every plan is
//! feasible for the World's tracker (bounded curvature and steering rate) and joins the route
//! smoothly from wherever the ego is.
//!
//! Lateral: the curvature command is the route's curvature at the projection plus a
//! critically damped correction of the lateral and heading errors over a length scale that
//! grows with speed (`kappa = kappa_route - e / L^2 - 2 theta / L`), turned into a steering
//! angle and limited in angle and rate. Route curvature: heading change over +-2 m of arc.
//!
//! Longitudinal, at each simulated instant the acceleration is the least of:
//! - log synchronisation: the replayed traffic follows the log in time, so the expert aims for
//!   the logged ego's route position at the same time: desired speed = logged speed +
//!   `SYNC_GAIN_PER_SEC` x (logged position - own position), capped a little above the logged
//!   speed (or, behind a log that has stopped, at the speed that can still stop at its place
//!   at `comfort_decel_mps2`), tracked with `SPEED_GAIN_PER_SEC`. Without a usable log: `cruise_speed_mps`.
//! - the curvature cap v <= sqrt(a_lat / |kappa|) of the route ahead, propagated backwards at
//!   `comfort_decel_mps2` so that the speed is down before the curve;
//! - IDM's interaction term (Treiber et al. 2000) with the nearest obstacle in the corridor.
//!
//! Obstacles: each ground-truth actor is predicted at 0, 0.5, ..., 3 s (`actor_futures`: the
//! log for replayed actors, constant velocity for the others, as HD-Score's NC predicts them)
//! and projected on the route ahead. A prediction inside the ego's corridor (ego half width +
//! the actor's half extent across the route + a margin) and ahead of the ego's front is an
//! obstacle: the actor's current position makes it a leader moving at its speed along the
//! route; a future entry (crossing, cut-in) makes a standing obstacle at the entry point. An
//! actor counts only if it conflicts: at some plan time the ego would reach the actor's
//! predicted place (driving on at the larger of its current and its desired speed, within
//! `CONFLICT_MARGIN_SECS` and IDM's minimum gap) without having passed it already (at the
//! smaller of the two speeds: the ego may yet be held up); an actor still in the corridor at the
//! horizon may stay, so it counts from the ego's comfortable braking distance farther.

use super::{Agent, AgentError, Observation, Plan};
use crate::config::VehicleConfig;
use crate::world::idm::{IdmParams, idm_accel};
use crate::world::route::Polyline;
use glam::DVec2;

/// Time margin (at the ego's speed) of the conflict test between ego and actor predictions.
const CONFLICT_MARGIN_SECS: f64 = 0.5;
/// Planning extends the route straight beyond its end by this much.
const ROUTE_EXTENSION_M: f64 = 60.0;
/// Integration step of the plan simulation.
const PROFILE_DT_SECS: f64 = 0.05;
/// Desired-speed gain on the distance to the logged ego's route position (1/s).
const SYNC_GAIN_PER_SEC: f64 = 0.5;
/// Speed tracking gain (1/s).
const SPEED_GAIN_PER_SEC: f64 = 1.5;
/// Catching up with the log: at most this factor over the logged speed, plus `SYNC_EXTRA_MPS`.
const SYNC_SPEED_FACTOR: f64 = 1.25;
const SYNC_EXTRA_MPS: f64 = 2.0;
/// Logged poses farther than this from the route are not a usable position reference.
const SYNC_MAX_ROUTE_DIST_M: f64 = 3.0;
/// Lateral convergence length: `max(MIN, secs x speed)`.
const LATERAL_LENGTH_MIN_M: f64 = 4.0;
const LATERAL_LENGTH_SECS: f64 = 0.8;
/// Half span of the route heading difference that measures curvature.
const CURVATURE_HALF_SPAN_M: f64 = 2.0;

#[derive(Debug, Clone, PartialEq)]
pub struct ExpertConfig {
    /// Speed without a usable ego log, and the top speed.
    pub cruise_speed_mps: f64,
    pub max_speed_mps: f64,
    pub max_lateral_accel_mps2: f64,
    pub comfort_decel_mps2: f64,
    pub max_accel_mps2: f64,
    pub corridor_margin_m: f64,
    /// Steering limits of the planning model (a little inside the vehicle's).
    pub max_steer_rad: f64,
    pub max_steer_rate_radps: f64,
    pub idm: IdmParams,
    pub vehicle: VehicleConfig,
}

impl Default for ExpertConfig {
    fn default() -> Self {
        let vehicle = VehicleConfig::default();
        ExpertConfig {
            cruise_speed_mps: 10.0,
            max_speed_mps: 14.0,
            max_lateral_accel_mps2: 2.5,
            comfort_decel_mps2: 2.0,
            max_accel_mps2: 2.0,
            corridor_margin_m: 0.4,
            max_steer_rad: 0.9 * vehicle.max_steer_rad,
            max_steer_rate_radps: 0.85 * vehicle.max_steer_rate_radps,
            idm: IdmParams {
                time_headway_secs: 1.2,
                min_gap_m: 3.0,
                max_accel_mps2: 2.0,
                comfort_decel_mps2: 2.5,
                max_decel_mps2: 7.0,
                ..IdmParams::default()
            },
            vehicle,
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

/// The logged ego's route position over the plan horizon: (seconds from now, arc length).
#[derive(Debug, Clone, PartialEq)]
struct LogSync {
    samples: Vec<(f64, f64)>,
}

impl LogSync {
    /// Route positions of the logged ego now and at the plan times; `None` when the log is
    /// absent or strays from the route.
    fn new(obs: &Observation, route: &Polyline) -> Option<LogSync> {
        let p = obs.privileged.as_ref()?;
        let now = p.logged_ego_now?;
        let mut samples = Vec::with_capacity(p.logged_future_ego.len() + 1);
        for (k, pose) in std::iter::once(now)
            .chain(p.logged_future_ego.iter().copied())
            .enumerate()
        {
            let pr = route.project(pose.xy);
            let s = if pr.s_m <= 0.0 {
                // Behind the route start (the ego is ahead of the log): signed distance.
                pose.xy.dot(DVec2::from_angle(route.heading_at(0.0)))
            } else {
                pr.s_m
            };
            if pr.distance_m > SYNC_MAX_ROUTE_DIST_M && pr.s_m > 0.0 {
                return None;
            }
            samples.push((k as f64 * obs.plan_dt_secs, s));
        }
        Some(LogSync { samples })
    }

    /// Logged arc length and speed at `t` seconds from now (linear between samples, the
    /// last interval's speed beyond them).
    fn at(&self, t: f64) -> (f64, f64) {
        let n = self.samples.len();
        if n < 2 {
            return (self.samples.first().map_or(0.0, |s| s.1), 0.0);
        }
        let i = self
            .samples
            .partition_point(|s| s.0 <= t)
            .saturating_sub(1)
            .min(n - 2);
        let (t0, s0) = self.samples[i];
        let (t1, s1) = self.samples[i + 1];
        let v = ((s1 - s0) / (t1 - t0)).max(0.0);
        (s0 + v * (t - t0), v)
    }
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

    /// Signed route curvature at arc length s (1/m, left positive).
    fn curvature(route: &Polyline, s: f64) -> f64 {
        let lo = (s - CURVATURE_HALF_SPAN_M).max(0.0);
        let hi = s + CURVATURE_HALF_SPAN_M;
        crate::scene::wrap_angle(route.heading_at(hi) - route.heading_at(lo)) / (hi - lo)
    }

    /// Speed cap at arc length s from curvature and braking to later caps, sampled every 1 m.
    fn speed_limits(&self, route: &Polyline) -> Vec<f64> {
        let c = &self.config;
        let n = route.length_m().floor() as usize + 1;
        let mut lim: Vec<f64> = (0..n)
            .map(|i| {
                let kappa = Self::curvature(route, i as f64).abs();
                if kappa > 1e-6 {
                    (c.max_lateral_accel_mps2 / kappa)
                        .sqrt()
                        .min(c.max_speed_mps)
                } else {
                    c.max_speed_mps
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
    /// `intent_speed_mps`: the speed the ego means to drive at (the conflict test assumes it,
    /// so that slowing down for an actor does not by itself make the conflict disappear).
    pub fn nearest_obstacle(
        &self,
        obs: &Observation,
        route: &Polyline,
        intent_speed_mps: f64,
    ) -> Option<Obstacle> {
        let p = obs.privileged.as_ref()?;
        let v = &self.config.vehicle;
        let front_m = v.rear_axle_to_center_m + 0.5 * v.length_m;
        // Reaching an actor is judged at the larger of the current and the intended speed,
        // passing it first at the smaller (the ego may yet be held up, e.g. by a stopped car).
        let ego_speed = obs.ego.speed_mps.max(intent_speed_mps).max(1.0);
        let pass_speed = obs.ego.speed_mps.min(intent_speed_mps).max(1.0);
        let horizon = obs.plan_dt_secs * obs.plan_len as f64;
        // Quick reject: actors whose predicted sweep (box radius included) stays outside the
        // route's bounding box grown by the widest corridor.
        let (lo, hi) = crate::geometry::ring_bounds(route.points());
        let grow = DVec2::splat(0.5 * v.width_m + self.config.corridor_margin_m);
        let (lo, hi) = (lo - grow, hi + grow);
        let mut best: Option<Obstacle> = None;
        for (i, a) in p.actors.iter().enumerate() {
            let future = p.actor_futures.get(i);
            let steps = (horizon / obs.plan_dt_secs).round() as usize;
            let predicted = |k: usize| -> Option<(DVec2, f64)> {
                if k == 0 {
                    return Some((a.pose.xy, a.pose.yaw));
                }
                match future {
                    Some(f) => f.get(k - 1).copied().flatten().map(|q| (q.xy, q.yaw)),
                    None => Some((
                        a.pose.xy + a.velocity_mps * k as f64 * obs.plan_dt_secs,
                        a.pose.yaw,
                    )),
                }
            };
            let radius = DVec2::splat(0.5 * a.length_m.hypot(a.width_m));
            let (mut a_lo, mut a_hi) = (a.pose.xy, a.pose.xy);
            for k in 1..=steps {
                if let Some((c, _)) = predicted(k) {
                    a_lo = a_lo.min(c);
                    a_hi = a_hi.max(c);
                }
            }
            let (a_lo, a_hi) = (a_lo - radius, a_hi + radius);
            if a_hi.x < lo.x || a_hi.y < lo.y || a_lo.x > hi.x || a_lo.y > hi.y {
                continue;
            }
            // Per prediction: (gap from the ego's front, half length along the route) when
            // inside the corridor ahead.
            let in_corridor: Vec<Option<(f64, f64, DVec2)>> = (0..=steps)
                .map(|k| {
                    let (c, yaw) = predicted(k)?;
                    let pr = route.project(c);
                    let rel = yaw - pr.heading_rad;
                    let half_across =
                        0.5 * (a.length_m * rel.sin().abs() + a.width_m * rel.cos().abs());
                    let half_along =
                        0.5 * (a.length_m * rel.cos().abs() + a.width_m * rel.sin().abs());
                    let corridor = 0.5 * v.width_m + self.config.corridor_margin_m + half_across;
                    // Centres at or behind the rear axle project onto the route start: not ahead.
                    if pr.s_m <= 0.0 || pr.lateral_m.abs() > corridor {
                        return None;
                    }
                    let tangent = DVec2::from_angle(pr.heading_rad);
                    Some((pr.s_m - front_m - half_along, half_along, tangent))
                })
                .collect();
            // Conflict: at some plan time the ego, driving on at its current speed, reaches
            // the actor's predicted place (within a time margin) and has not yet passed it.
            let conflict = in_corridor.iter().enumerate().any(|(k, c)| {
                let Some((gap, half_along, _)) = *c else {
                    return false;
                };
                let travel = ego_speed * k as f64 * obs.plan_dt_secs;
                // Still in the corridor at the horizon: it may stay, so it counts from as far
                // as the ego needs to brake for it.
                let persists = if k == steps {
                    ego_speed * ego_speed / (2.0 * self.config.comfort_decel_mps2)
                } else {
                    0.0
                };
                let reached = travel
                    + persists
                    + ego_speed * CONFLICT_MARGIN_SECS
                    + self.config.idm.min_gap_m
                    >= gap;
                let pass_travel = pass_speed * k as f64 * obs.plan_dt_secs;
                let passed =
                    pass_travel - v.length_m - 2.0 * half_along - pass_speed * CONFLICT_MARGIN_SECS
                        > gap;
                reached && !passed
            });
            if !conflict {
                continue;
            }
            let Some(k_in) = in_corridor.iter().position(Option::is_some) else {
                continue;
            };
            let Some((gap, _, tangent)) = in_corridor[k_in] else {
                continue;
            };
            // In the corridor now: a leader at its speed along the route; entering later: a
            // standing obstacle at the entry point.
            let candidate = Obstacle {
                gap_m: gap,
                speed_mps: if k_in == 0 {
                    a.velocity_mps.dot(tangent).max(0.0)
                } else {
                    0.0
                },
            };
            if best.is_none_or(|b| candidate.gap_m < b.gap_m) {
                best = Some(candidate);
            }
        }
        best
    }
}

/// The planning model's state: rear-axle pose in the ego frame at decision time, speed,
/// steering angle, and the arc length of its projection on the route.
#[derive(Debug, Clone, Copy)]
struct SimState {
    xy: DVec2,
    yaw: f64,
    v: f64,
    steer: f64,
    s: f64,
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
        let c = &self.config;
        let route = self.route(obs)?;
        let limits = self.speed_limits(&route);
        let limit_at = |s: f64| limits[(s.max(0.0) as usize).min(limits.len() - 1)];
        let sync = LogSync::new(obs, &route);
        let desired_speed = |t: f64, s: f64| {
            match &sync {
                Some(sync) => {
                    let (s_log, v_log) = sync.at(t);
                    // Behind a log that has stopped (a stop line, the log's end), still
                    // approach its place at a speed that can stop there comfortably.
                    let stop_there = (2.0 * c.comfort_decel_mps2 * (s_log - s).max(0.0)).sqrt();
                    let catch_up = (v_log * SYNC_SPEED_FACTOR)
                        .max(v_log + SYNC_EXTRA_MPS)
                        .max(stop_there);
                    (v_log + SYNC_GAIN_PER_SEC * (s_log - s)).clamp(0.0, catch_up)
                }
                None => c.cruise_speed_mps,
            }
            .min(limit_at(s))
        };
        let start_s = route.project(DVec2::ZERO).s_m;
        let obstacle = self.nearest_obstacle(obs, &route, desired_speed(0.0, start_s));
        let wheelbase = c.vehicle.wheelbase_m;
        let mut st = SimState {
            xy: DVec2::ZERO,
            yaw: 0.0,
            v: obs.ego.speed_mps,
            steer: obs.ego.steer_rad,
            s: start_s,
        };
        let mut travelled = 0.0;
        let mut t = 0.0;
        let mut waypoints = Vec::with_capacity(obs.plan_len);
        let steps_per_wp = (obs.plan_dt_secs / PROFILE_DT_SECS).round().max(1.0) as usize;
        let dt = obs.plan_dt_secs / steps_per_wp as f64;
        for _ in 0..obs.plan_len {
            for _ in 0..steps_per_wp {
                // Longitudinal.
                let desired = desired_speed(t, st.s);
                let mut a = SPEED_GAIN_PER_SEC * (desired - st.v);
                if let Some(o) = obstacle {
                    let gap = o.gap_m + o.speed_mps * t - travelled;
                    a = a.min(idm_accel(
                        &c.idm,
                        st.v,
                        c.max_speed_mps,
                        Some((gap, o.speed_mps)),
                    ));
                }
                let a = a.clamp(-c.vehicle.max_decel_mps2, c.max_accel_mps2);
                let v1 = (st.v + a * dt).max(0.0);
                let ds = 0.5 * (st.v + v1) * dt;

                // Lateral: curvature feed-forward plus damped error correction.
                let pr = route.project_window(st.xy, st.s - 2.0, st.s + 10.0);
                let e = pr.lateral_m;
                let th = crate::scene::wrap_angle(st.yaw - pr.heading_rad);
                let len = (LATERAL_LENGTH_SECS * st.v).max(LATERAL_LENGTH_MIN_M);
                let kappa = Self::curvature(&route, pr.s_m) - e / (len * len) - 2.0 * th / len;
                let steer_cmd = (wheelbase * kappa)
                    .atan()
                    .clamp(-c.max_steer_rad, c.max_steer_rad);
                let max_step = c.max_steer_rate_radps * dt;
                st.steer += (steer_cmd - st.steer).clamp(-max_step, max_step);
                let k_path = st.steer.tan() / wheelbase;
                let dyaw = k_path * ds;
                let mid = st.yaw + 0.5 * dyaw;
                st.xy += DVec2::from_angle(mid) * ds;
                st.yaw += dyaw;
                st.v = v1;
                st.s = route.project_window(st.xy, pr.s_m - 2.0, pr.s_m + 10.0).s_m;
                travelled += ds;
                t += dt;
            }
            waypoints.push(st.xy);
        }
        Ok(Plan {
            waypoints_ego_m: waypoints,
            candidates: Vec::new(),
        })
    }
}
