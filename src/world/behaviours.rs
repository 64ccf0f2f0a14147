//! Scripted behaviours of inserted actors (`scenario::Behaviour`), started by their trigger.
//!
//! Before the trigger fires: `CutIn` and `HardBrake` already drive along the ego's route at
//! their speed, keeping their start lateral offset (the "moving" behaviours); every other
//! behaviour idles at its start pose. After it:
//! - `Replay`: follows its path at constant speed from the start pose's projection, stopping at
//!   the path end.
//! - `CutIn`: keeps its speed along the route while its lateral offset eases from the start
//!   offset to 0 (the ego route's lane) over `duration_secs` with a half-cosine profile.
//! - `HardBrake`: decelerates at `decel_mps2` to a stop.
//! - `Stop`: stands still (it never moves).
//! - `Cross`: moves in a straight line along its start heading at `speed_mps`.
//! - `Oncoming`: drives along the route in the direction of its start heading (towards the ego
//!   when the heading opposes the route) at `speed_mps`, keeping its lateral offset.
//!
//! Route coordinates (s, lateral) extrapolate along the end tangents beyond the route ends.
//! `Idm` actors are lane followers (`idm.rs`); this file only holds their trigger.

use super::route::{Polyline, Route};
use crate::geometry::Pose2;
use crate::scene::scenario::{Behaviour, InsertedActor, Trigger};
use glam::DVec2;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// Whether a trigger fires now. `ego_center` and `actor_center` are box centres.
pub fn trigger_fires(
    trigger: &Trigger,
    time_secs: f64,
    ego_center: DVec2,
    actor_center: DVec2,
) -> bool {
    match *trigger {
        Trigger::Immediately => true,
        Trigger::Time { time_secs: t } => time_secs >= t,
        Trigger::EgoDistance { ego_distance_m } => {
            ego_center.distance(actor_center) <= ego_distance_m
        }
    }
}

/// Mutable state of a scripted actor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scripted {
    /// Time at which the trigger fired.
    pub triggered_at_secs: Option<f64>,
    /// Box-centre pose.
    pub pose: Pose2,
    pub velocity_mps: DVec2,
    pub speed_mps: f64,
    /// Route coordinates (route-following behaviours).
    pub route_s_m: f64,
    pub lateral_m: f64,
    pub start_lateral_m: f64,
    /// +1 along the route, -1 against it.
    pub dir: f64,
    /// Arc length along a `Replay` path.
    pub path_s_m: f64,
}

impl Scripted {
    pub fn new(spec: &InsertedActor, route: &Route, path: Option<&Polyline>) -> Scripted {
        let start = Pose2 {
            xy: spec.start_pose.xy(),
            yaw: spec.start_pose.yaw(),
        };
        let pr = route.project(start.xy);
        let dir = if (start.yaw - pr.heading_rad).cos() >= 0.0 {
            1.0
        } else {
            -1.0
        };
        let (speed, moving) = match spec.behaviour {
            Behaviour::CutIn { speed_mps, .. } | Behaviour::HardBrake { speed_mps, .. } => {
                (speed_mps, true)
            }
            Behaviour::Replay { speed_mps, .. }
            | Behaviour::Cross { speed_mps }
            | Behaviour::Oncoming { speed_mps } => (speed_mps, false),
            Behaviour::Stop | Behaviour::Idm { .. } => (0.0, false),
        };
        let velocity = if moving {
            DVec2::from_angle(pr.heading_rad) * dir * speed
        } else {
            DVec2::ZERO
        };
        Scripted {
            triggered_at_secs: None,
            pose: start,
            velocity_mps: velocity,
            speed_mps: speed,
            route_s_m: pr.s_m,
            lateral_m: pr.lateral_m,
            start_lateral_m: pr.lateral_m,
            dir,
            path_s_m: path.map_or(0.0, |p| p.project(start.xy).s_m),
        }
    }

    /// Whether this behaviour ever moves (for `ActorState::is_static`).
    pub fn is_static(spec: &InsertedActor) -> bool {
        matches!(spec.behaviour, Behaviour::Stop)
    }

    /// Advance by `dt_secs`; `time_secs` is the time at the end of the substep.
    pub fn step(
        &mut self,
        spec: &InsertedActor,
        route: &Route,
        path: Option<&Polyline>,
        time_secs: f64,
        dt_secs: f64,
    ) {
        let old = self.pose;
        let since = self.triggered_at_secs.map(|t| time_secs - t);
        match &spec.behaviour {
            Behaviour::Stop | Behaviour::Idm { .. } => {}
            Behaviour::Replay { speed_mps, .. } => {
                if let (Some(_), Some(path)) = (since, path) {
                    self.path_s_m = (self.path_s_m + speed_mps * dt_secs).min(path.length_m());
                    self.pose = path.pose_at(self.path_s_m, 0.0);
                }
            }
            Behaviour::CutIn {
                speed_mps,
                duration_secs,
            } => {
                self.route_s_m += self.dir * speed_mps * dt_secs;
                if let Some(e) = since {
                    let frac = (e / duration_secs.max(1e-6)).clamp(0.0, 1.0);
                    self.lateral_m = self.start_lateral_m * 0.5 * (1.0 + (PI * frac).cos());
                }
                self.pose = self.route_pose(route);
            }
            Behaviour::HardBrake { decel_mps2, .. } => {
                let v0 = self.speed_mps;
                let dist = if since.is_some() {
                    let a = decel_mps2.max(1e-9);
                    self.speed_mps = (v0 - a * dt_secs).max(0.0);
                    if v0 - a * dt_secs < 0.0 {
                        v0 * v0 / (2.0 * a)
                    } else {
                        0.5 * (v0 + self.speed_mps) * dt_secs
                    }
                } else {
                    v0 * dt_secs
                };
                self.route_s_m += self.dir * dist;
                self.pose = self.route_pose(route);
            }
            Behaviour::Cross { speed_mps } => {
                if since.is_some() {
                    let step = DVec2::from_angle(self.pose.yaw) * speed_mps * dt_secs;
                    self.pose.xy += step;
                }
            }
            Behaviour::Oncoming { speed_mps } => {
                if since.is_some() {
                    self.route_s_m += self.dir * speed_mps * dt_secs;
                    self.pose = self.route_pose(route);
                }
            }
        }
        let moved = self.pose.xy - old.xy;
        let follows_route = matches!(
            spec.behaviour,
            Behaviour::CutIn { .. } | Behaviour::HardBrake { .. } | Behaviour::Oncoming { .. }
        );
        if follows_route {
            // Face the direction of travel (includes the lateral rate of a lane change).
            self.pose.yaw = if moved.length() > 1e-6 {
                moved.y.atan2(moved.x)
            } else {
                old.yaw
            };
        }
        self.velocity_mps = moved / dt_secs;
    }

    /// Position at the current route coordinates (heading along the route, flipped when
    /// driving against it; `step` replaces it with the direction of travel when moving).
    fn route_pose(&self, route: &Route) -> Pose2 {
        let p = route.pose_at(self.route_s_m, self.lateral_m);
        let yaw = p.yaw + if self.dir < 0.0 { PI } else { 0.0 };
        Pose2 { xy: p.xy, yaw }
    }
}
