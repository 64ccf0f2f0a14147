//! What the World is built from: a scenario with its jitter drawn and every position resolved
//! to a global pose. A plain scene is the nominal scenario `ResolvedScenario::from_scene`.

use crate::scene::{ActorClass, ActorTrack, Pose, Scene};
use glam::{DVec2, DVec3};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use super::spec::Family;

/// A scripted or reactive behaviour with concrete numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Behaviour {
    Replay {
        path: Vec<DVec2>,
        speed_mps: f64,
    },
    Idm {
        desired_speed_mps: f64,
    },
    /// Change into the ego route's lane (lateral offset 0 on the route) over `duration_secs`.
    CutIn {
        speed_mps: f64,
        duration_secs: f64,
    },
    HardBrake {
        speed_mps: f64,
        decel_mps2: f64,
    },
    Stop,
    /// Walk/ride along the start heading at `speed_mps`.
    Cross {
        speed_mps: f64,
    },
    /// Drive along the start heading (towards the ego) at `speed_mps`.
    Oncoming {
        speed_mps: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    Immediately,
    /// Seconds after the episode start.
    Time {
        time_secs: f64,
    },
    /// Ego centre within this distance of the actor centre.
    EgoDistance {
        ego_distance_m: f64,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsertedActor {
    pub id: String,
    pub class: ActorClass,
    /// (width, length, height) metres.
    pub size_wlh_m: DVec3,
    /// Box centre pose at the episode start (z = half height above the road).
    pub start_pose: Pose,
    pub behaviour: Behaviour,
    pub trigger: Trigger,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedScenario {
    /// Scenario name (the scene name for nominal episodes).
    pub name: String,
    pub family: Family,
    pub scene: Arc<Scene>,
    /// Episode start on the log clock (microseconds).
    pub start_us: i64,
    /// Reference duration (the logged drive); the timeout is a multiple of it.
    pub duration_secs: f64,
    /// Ego rear-axle pose and speed at the start.
    pub ego_start: Pose,
    pub ego_start_speed_mps: f64,
    /// Reference route: a global polyline the ego should follow (from the log unless overridden).
    pub route: Vec<DVec2>,
    /// Logged actors that stay (replayed from the log).
    pub logged_actors: Vec<ActorTrack>,
    pub inserted_actors: Vec<InsertedActor>,
}
