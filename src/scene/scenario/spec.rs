//! The scenario file format (TOML): a base scene plus edits. This is the authoring contract;
//! `scenario::resolve` turns a spec plus an episode seed into a `ResolvedScenario` for the World.
//!
//! Unknown keys are errors (`deny_unknown_fields`), so a typo never silently does nothing.
//!
//! ```toml
//! name = "frontal-oncoming-0001"
//! scene = "scene-0001"
//! family = "frontal"             # nominal | stationary | frontal | side
//! duration_secs = 15.0            # optional; default: the rest of the log
//! remove_actors = ["<instance token>"]  # or remove_all_actors = true
//! remove_conflicting_actors = true # drop logged traffic that would run into inserted actors
//!
//! [ego]
//! start_secs = 2.0                # start this far into the log
//! start_speed_mps = 8.0           # optional; default: logged speed
//!
//! [[actors]]
//! id = "oncoming-car"
//! class = "car"
//! start = { route_s_m = 60.0, lateral_m = 0.0, yaw_deg = 180.0 }
//! behaviour = { kind = "oncoming", speed_mps = 8.0 }
//! trigger = { ego_distance_m = 50.0 }
//! jitter = { route_s_m = [-5.0, 5.0], speed_mps = [-1.0, 1.0] }
//! ```

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    pub name: String,
    /// Base scene name (e.g. `scene-0001`).
    pub scene: String,
    #[serde(default)]
    pub family: Family,
    #[serde(default)]
    pub description: String,
    /// Episode length; default: from the ego start to the end of the log.
    pub duration_secs: Option<f64>,
    /// Instance tokens of logged actors to remove.
    #[serde(default)]
    pub remove_actors: Vec<String>,
    #[serde(default)]
    pub remove_all_actors: bool,
    /// Remove logged actors that would run into an inserted actor (see
    /// `conflicts::conflicting_logged_actors`): replayed traffic does not react, so a logged
    /// car would drive through a stalled one. Robust to regenerated data, unlike tokens.
    #[serde(default)]
    pub remove_conflicting_actors: bool,
    #[serde(default)]
    pub ego: EgoSpec,
    #[serde(default)]
    pub actors: Vec<ActorSpec>,
}

/// NeuroNCAP scenario families, plus nominal driving.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    #[default]
    Nominal,
    Stationary,
    Frontal,
    Side,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EgoSpec {
    /// Seconds into the log at which the episode starts (ego pose and speed from the log).
    #[serde(default)]
    pub start_secs: f64,
    pub start_speed_mps: Option<f64>,
    /// Override the start pose (global x, y, heading in degrees).
    pub start_pose: Option<PoseSpec>,
    /// Override the reference route with a global polyline [[x, y], ...] (metres).
    pub route: Option<Vec<[f64; 2]>>,
    #[serde(default)]
    pub jitter: Jitter,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoseSpec {
    pub x: f64,
    pub y: f64,
    pub yaw_deg: f64,
}

/// Where an inserted actor starts. The form is chosen by its keys; unknown keys are errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum StartSpec {
    /// Relative to the ego's reference route: arc length from the ego start, lateral offset
    /// (left positive), heading relative to the route tangent.
    Route {
        route_s_m: f64,
        #[serde(default)]
        lateral_m: f64,
        #[serde(default)]
        yaw_deg: f64,
    },
    /// On a lane of the map at an arc-length offset along its centreline.
    Lane {
        lane: String,
        #[serde(default)]
        s_m: f64,
    },
    /// An absolute global pose.
    Pose { x: f64, y: f64, yaw_deg: f64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BehaviourSpec {
    /// Follow a global polyline at a constant speed.
    Replay { path: Vec<[f64; 2]>, speed_mps: f64 },
    /// IDM car following along the lane graph.
    Idm { desired_speed_mps: f64 },
    /// Drive alongside, then change into the ego's lane ahead of it over `duration_secs`.
    CutIn {
        speed_mps: f64,
        #[serde(default = "default_cut_in_secs")]
        duration_secs: f64,
    },
    /// Drive ahead at `speed_mps`, brake at `decel_mps2` when triggered.
    HardBrake { speed_mps: f64, decel_mps2: f64 },
    /// Stand still (stationary obstacle, stalled vehicle).
    /// (A struct variant so that `deny_unknown_fields` rejects stray keys such as `speed_mps`.)
    Stop {},
    /// Cross the road perpendicular to the route (pedestrian, cyclist) when triggered.
    Cross { speed_mps: f64 },
    /// Drive towards the ego along the route (wrong-way / overtaking vehicle) when triggered.
    Oncoming { speed_mps: f64 },
}

fn default_cut_in_secs() -> f64 {
    2.0
}

/// When a behaviour starts; before it, the actor holds its start state (scripted behaviours
/// idle at their start pose, moving ones keep their initial speed along their lane).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum TriggerSpec {
    #[default]
    #[serde(skip)]
    Immediately,
    /// Seconds after the episode start.
    Time { time_secs: f64 },
    /// When the ego comes within this distance (centre to centre, metres).
    EgoDistance { ego_distance_m: f64 },
}

/// Uniform ranges [lo, hi] added to the named quantity, drawn from the episode seed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Jitter {
    pub route_s_m: Option<[f64; 2]>,
    pub lateral_m: Option<[f64; 2]>,
    pub yaw_deg: Option<[f64; 2]>,
    pub speed_mps: Option<[f64; 2]>,
    pub trigger: Option<[f64; 2]>,
    pub start_secs: Option<[f64; 2]>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorSpec {
    pub id: String,
    /// car | truck | bus | pedestrian | cyclist | obstacle
    pub class: String,
    /// (width, length, height) metres; default per class.
    pub size_wlh_m: Option<[f64; 3]>,
    pub start: StartSpec,
    pub behaviour: BehaviourSpec,
    #[serde(default)]
    pub trigger: TriggerSpec,
    #[serde(default)]
    pub jitter: Jitter,
}
