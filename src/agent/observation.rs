//! What an agent sees at a decision tick. Everything is in the ego frame at decision time
//! (x forward, y left, origin at the rear axle) unless a field says otherwise.
//!
//! Learned agents may read the sensors (`views`), the ego state and history, the command and
//! the route ahead. `privileged` is ground truth for experts and data generation only.

use super::Command;
use crate::geometry::Pose2;
use crate::scene::{ActorClass, MapData};
use glam::DVec2;
use std::sync::Arc;

pub use crate::config::{EGO_HISTORY_LEN, ROUTE_AHEAD_LENGTH_M, ROUTE_AHEAD_SPACING_M};

/// Ego motion state.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct EgoObservation {
    pub speed_mps: f64,
    pub accel_mps2: f64,
    pub yaw_rate_radps: f64,
    pub steer_rad: f64,
}

/// Ego kinematics and route coordinates at one past decision tick.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct EgoHistoryState {
    pub speed_mps: f64,
    pub accel_mps2: f64,
    /// Arc length of the rear axle's projection on the route (may be below the start's).
    pub route_s_m: f64,
    /// Signed offset from the route, left positive.
    pub route_lateral_m: f64,
}

/// Rendered camera views (RGB, depth, semantic per camera), shared without copies.
pub use crate::render::{CameraView, ViewRequest, Views};

/// A ground-truth actor, in the ego frame.
#[derive(Debug, Clone, PartialEq)]
pub struct ActorObservation {
    pub id: Arc<str>,
    pub class: ActorClass,
    /// Box-centre pose.
    pub pose: Pose2,
    pub length_m: f64,
    pub width_m: f64,
    pub velocity_mps: DVec2,
    pub is_static: bool,
}

/// Ground truth for privileged agents.
#[derive(Debug, Clone)]
pub struct Privileged {
    /// Present actors.
    pub actors: Vec<ActorObservation>,
    /// Per actor of `actors`, its predicted box-centre pose at the plan times
    /// (`plan_dt_secs` x 1..=`plan_len`): from the log for replayed actors (`None` after their
    /// log ends), constant velocity for the others; the predictions HD-Score's NC uses.
    pub actor_futures: Vec<Vec<Option<Pose2>>>,
    /// The map (global frame) and the ego's global pose to relate it to the ego frame.
    pub map: Arc<MapData>,
    pub ego_pose_global: Pose2,
    /// Logged ego (rear-axle) poses at the plan times (`plan_dt_secs` x 1..=`plan_len`) after
    /// now; past the end of the log, the logged motion goes on at the log's final speed
    /// (`World::ego_log_pose_extrapolated`: along the lanes past the route end).
    pub logged_future_ego: Vec<Pose2>,
    /// The logged ego pose now (extrapolated the same way past the end of the log; `None` when
    /// the scene has no ego log).
    pub logged_ego_now: Option<Pose2>,
    /// Route progress (furthest arc length reached) and route length.
    pub route_progress_m: f64,
    pub route_length_m: f64,
}

#[derive(Debug, Clone)]
pub struct Observation {
    pub time_secs: f64,
    pub step: u64,
    pub ego: EgoObservation,
    /// The last `EGO_HISTORY_LEN` rear-axle poses at decision ticks, oldest first; the last one
    /// is the current pose (the origin). Before the episode start: the log, else extrapolated
    /// backwards at the start speed.
    pub ego_history: Vec<Pose2>,
    /// Kinematics and route coordinates at the same ticks as `ego_history` (MPA's history
    /// features besides the pose).
    pub ego_history_states: Vec<EgoHistoryState>,
    pub command: Command,
    /// Route points from the ego's projection onwards, `ROUTE_AHEAD_SPACING_M` apart, up to
    /// `ROUTE_AHEAD_LENGTH_M`; past the route end they go on along the lane graph
    /// (`World::route_extension`), so plans near the end follow the road.
    pub route_ahead_ego_m: Vec<DVec2>,
    /// The plan shape the World expects.
    pub plan_dt_secs: f64,
    pub plan_len: usize,
    /// Camera views, in the order of the agent's `ViewRequest`; filled by the episode loop
    /// for agents that ask for views (`Agent::view_request`), `None` otherwise.
    pub views: Option<std::sync::Arc<Views>>,
    pub privileged: Option<Privileged>,
}

impl Observation {
    /// The same observation without ground truth (for non-privileged agents).
    pub fn without_privileged(&self) -> Observation {
        Observation {
            privileged: None,
            ..self.clone()
        }
    }
}
