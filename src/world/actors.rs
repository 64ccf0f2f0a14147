//! Actors: what the rest of the system sees (`ActorState`), their fixed description
//! (`ActorInfo`, shared between clones) and their per-kind dynamic state (`ActorDyn`).
//!
//! Kinds: logged actors replay their track (`ActorTrack::pose_at`, linear centre and slerped
//! rotation between keyframes; absent outside the track's span; velocity by a central
//! difference over +-0.25 s clipped to the span), or, with `SimConfig::reactive_logged_vehicles`,
//! IDM lane followers continuing from their logged state; lane followers (IDM, `idm.rs`); scripted
//! behaviours (`behaviours.rs`). Actor order is fixed: logged actors in scenario order, then
//! inserted ones.

use super::behaviours::Scripted;
use super::idm::LaneFollower;
use super::lanes::LaneGraph;
use crate::geometry::{Obb, Pose2};
use crate::scene::{ActorClass, ActorTrack};
use glam::DVec2;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A present actor at the current time, in the global frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorState {
    /// Stable id: the nuScenes instance token for logged actors, the scenario id for inserted.
    pub id: Arc<str>,
    pub class: ActorClass,
    /// Box-centre pose in the ground plane.
    pub pose: Pose2,
    pub length_m: f64,
    pub width_m: f64,
    pub height_m: f64,
    /// Height of the box centre.
    pub z_m: f64,
    pub velocity_mps: DVec2,
    /// Never moves during the episode (parked logged actors, `Stop` behaviours, obstacles).
    pub is_static: bool,
}

impl ActorState {
    pub fn obb(&self) -> Obb {
        Obb::new(self.pose.xy, self.pose.yaw, self.length_m, self.width_m)
    }
    pub fn speed_mps(&self) -> f64 {
        self.velocity_mps.length()
    }
}

/// Where an actor comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    /// Index into the scenario's logged actors.
    Logged(usize),
    /// Index into the scenario's inserted actors.
    Inserted(usize),
}

/// Fixed description of an actor.
#[derive(Debug, Clone, PartialEq)]
pub struct ActorInfo {
    pub id: Arc<str>,
    pub class: ActorClass,
    pub length_m: f64,
    pub width_m: f64,
    pub height_m: f64,
    pub source: Source,
    pub is_static: bool,
}

/// Per-kind mutable state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActorDyn {
    Logged,
    Lane(LaneFollower),
    Scripted(Scripted),
}

/// A logged track never moving more than this from its first keyframe is static.
const STATIC_TRACK_M: f64 = 0.5;
/// Half window of the velocity difference.
const VELOCITY_HALF_WINDOW_US: i64 = 250_000;

pub fn track_is_static(track: &ActorTrack) -> bool {
    let Some(first) = track.keyframes.first() else {
        return true;
    };
    track
        .keyframes
        .iter()
        .all(|k| k.pose.xy().distance(first.pose.xy()) < STATIC_TRACK_M)
}

/// Box-centre pose, centre height and velocity of a logged actor at `t_us`; `None` outside its
/// track.
pub fn logged_kinematics(track: &ActorTrack, t_us: i64) -> Option<(Pose2, f64, DVec2)> {
    let pose = track.pose_at(t_us)?;
    let first = track.keyframes.first()?.timestamp_us;
    let last = track.keyframes.last()?.timestamp_us;
    let t1 = (t_us - VELOCITY_HALF_WINDOW_US).max(first);
    let t2 = (t_us + VELOCITY_HALF_WINDOW_US).min(last);
    let velocity = match (track.pose_at(t1), track.pose_at(t2)) {
        (Some(a), Some(b)) if t2 > t1 => (b.xy() - a.xy()) / ((t2 - t1) as f64 * 1e-6),
        _ => DVec2::ZERO,
    };
    Some((
        Pose2 {
            xy: pose.xy(),
            yaw: pose.yaw(),
        },
        pose.translation.z,
        velocity,
    ))
}

/// Logged vehicles becoming reactive must start this close to a lane centreline, this aligned.
const REACTIVE_LANE_MAX_DIST_M: f64 = 1.5;
const REACTIVE_LANE_MAX_YAW_RAD: f64 = 0.5;

/// A lane follower continuing a logged vehicle from its state at `start_us` (present then, a
/// car, truck or bus, on a lane): logged speed, desired speed the fastest keyframe-to-keyframe
/// speed of its track (at least 1 m/s). `None` when it does not qualify.
pub fn reactive_follower(
    track: &ActorTrack,
    start_us: i64,
    lanes: &LaneGraph,
    seed: u64,
) -> Option<LaneFollower> {
    if !matches!(
        track.class,
        ActorClass::Car | ActorClass::Truck | ActorClass::Bus
    ) {
        return None;
    }
    let (pose, _, velocity) = logged_kinematics(track, start_us)?;
    let (lane, pr) = lanes.nearest_aligned(
        pose.xy,
        pose.yaw,
        REACTIVE_LANE_MAX_DIST_M,
        REACTIVE_LANE_MAX_YAW_RAD,
    )?;
    let fastest = track
        .keyframes
        .windows(2)
        .filter(|w| w[1].timestamp_us > w[0].timestamp_us)
        .map(|w| {
            w[0].pose.xy().distance(w[1].pose.xy())
                / ((w[1].timestamp_us - w[0].timestamp_us) as f64 * 1e-6)
        })
        .fold(1.0, f64::max);
    Some(LaneFollower {
        lane,
        s_m: pr.s_m,
        speed_mps: velocity.length(),
        desired_speed_mps: fastest,
        hop: 0,
        key: super::idm::mix64(seed ^ super::idm::hash_str(&track.instance_token)),
        active: true,
    })
}

/// Pose of a lane follower (on the centreline, facing along the lane).
pub fn follower_pose(graph: &LaneGraph, f: &LaneFollower) -> Pose2 {
    graph
        .line(f.lane)
        .map_or(Pose2::default(), |l| l.pose_at(f.s_m, 0.0))
}
