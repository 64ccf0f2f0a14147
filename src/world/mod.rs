//! The World: ego and actor dynamics of one episode, stepped one decision tick at a time.
//!
//! `World::new(&scenario, seed, &config)` builds the immutable part once (route, lane graph,
//! drivable-area index, actor descriptions, LQR gain table) behind an `Arc`, and a small
//! mutable `WorldState` (ego, controller memory, current reference, per-actor dynamics,
//! present actors, progress, history, terminal reason). Cloning a World copies only the state,
//! so MPA can fork counterfactual branches from any tick.
//!
//! `step(&plan)` validates the plan (length, finite, within range; on error nothing changes),
//! turns it into a reference trajectory (`controller`), then runs `TimeBase::substeps()`
//! physics substeps. Each substep: the controller computes the ego's controls; lane followers'
//! IDM accelerations are computed from the same pre-step state (ego included); triggers are
//! checked; everything integrates; the present-actor list is rebuilt at the new time; route
//! progress is updated; the termination checks run (`checks`). The first terminal event stops
//! the tick there; further `step` calls fail with `WorldError::Terminated`.
//!
//! Stepping is a pure function of the scenario, seed, config and plans: no wall clock, no hash
//! map iteration, and time is an integer substep count times the substep length.

pub mod actors;
pub mod behaviours;
pub mod checks;
pub mod commands;
pub mod controller;
pub mod ego;
mod error;
pub mod idm;
pub mod lanes;
mod observe;
pub mod rewards;
pub mod route;
mod sim_config;
mod step;
mod teacher;
pub mod testkit;

pub use actors::ActorState;
pub use checks::TerminalReason;
pub use ego::EgoState;
pub use error::WorldError;
pub use rewards::PrincipleRewards;
pub use route::{Polyline, PolylineError, Projection, Route, command_for};
pub use sim_config::SimConfig;

use crate::agent::Plan;
use crate::geometry::{Obb, Pose2};
use crate::scene::scenario::{Behaviour, ResolvedScenario, Trigger};
use crate::scene::{MapData, Scene, wrap_angle};
use actors::{ActorDyn, ActorInfo, Source};
use behaviours::Scripted;
use checks::DrivableIndex;
use controller::{GainTable, Reference, TrackerState};
use glam::DVec2;
use idm::LaneFollower;
use lanes::LaneGraph;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Waypoints farther than this from the ego are rejected as garbage.
pub const MAX_PLAN_RANGE_M: f64 = 300.0;
/// IDM actors must start within this distance and heading of a lane.
const IDM_LANE_MAX_DIST_M: f64 = 3.0;
const IDM_LANE_MAX_YAW_DEG: f64 = 60.0;
/// Length of the route extension past the route end (covers the route look-ahead).
const ROUTE_EXTENSION_M: f64 = crate::config::ROUTE_AHEAD_LENGTH_M;

/// What happened during one `step`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StepEvents {
    pub terminal: Option<TerminalReason>,
    /// Ids of actors whose trigger fired during this tick, in actor order.
    pub triggered: Vec<Arc<str>>,
    /// Substeps run (fewer than a full tick when the episode ended inside it).
    pub substeps: usize,
}

/// Immutable episode data shared by every clone of a World.
struct Shared {
    name: String,
    scene: Arc<Scene>,
    start_us: i64,
    duration_secs: f64,
    seed: u64,
    config: SimConfig,
    substep_dt_secs: f64,
    route: Route,
    /// The way on past the route end along the lane graph (`lanes::route_extension`).
    route_extension: Polyline,
    lanes: LaneGraph,
    drivable: DrivableIndex,
    logged: Vec<crate::scene::ActorTrack>,
    inserted: Vec<crate::scene::scenario::InsertedActor>,
    /// `Replay` paths of inserted actors (None for other behaviours).
    replay_paths: Vec<Option<Polyline>>,
    infos: Vec<ActorInfo>,
    gains: GainTable,
    /// Whether the logged ego track matches the scenario's start (then history comes from it).
    log_history: bool,
    ego_start: Pose2,
    ego_start_speed_mps: f64,
}

/// The mutable part of a World: everything that changes while stepping. Serializable, so
/// determinism tests compare states exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorldState {
    pub substep: u64,
    pub step: u64,
    pub ego: EgoState,
    pub tracker: TrackerState,
    /// Reference of the last plan and the substep it was issued at.
    pub reference: Option<Reference>,
    pub plan_substep: u64,
    pub dyns: Vec<ActorDyn>,
    pub actors: Vec<ActorState>,
    /// Actor index (scenario order: logged, then inserted) of each entry of `actors`.
    pub actor_index: Vec<usize>,
    pub route_progress_m: f64,
    /// Ego (global pose, speed, acceleration) at the previous decision ticks (at most
    /// EGO_HISTORY_LEN - 1), oldest first.
    pub history: Vec<(Pose2, f64, f64)>,
    pub terminal: Option<TerminalReason>,
}

#[derive(Clone)]
pub struct World {
    shared: Arc<Shared>,
    state: WorldState,
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("scenario", &self.shared.name)
            .field("seed", &self.shared.seed)
            .field("step", &self.state.step)
            .field("time_secs", &self.time_secs())
            .field("actors", &self.state.actors.len())
            .field("terminal", &self.state.terminal)
            .finish()
    }
}

impl World {
    pub fn new(
        scenario: &ResolvedScenario,
        seed: u64,
        config: &SimConfig,
    ) -> Result<World, WorldError> {
        sim_config::validate_config(config)?;
        let name = scenario.name.clone();
        let bad = |field: &'static str, message: String| WorldError::Scenario {
            scenario: name.clone(),
            field,
            message,
        };
        if !(scenario.duration_secs.is_finite() && scenario.duration_secs > 0.0) {
            return Err(bad(
                "duration_secs",
                format!(
                    "expected a positive duration, got {}",
                    scenario.duration_secs
                ),
            ));
        }
        let ego_start = Pose2 {
            xy: scenario.ego_start.xy(),
            yaw: scenario.ego_start.yaw(),
        };
        if !ego_start.xy.is_finite() || !ego_start.yaw.is_finite() {
            return Err(bad("ego_start", format!("not finite: {ego_start:?}")));
        }
        if !(scenario.ego_start_speed_mps.is_finite() && scenario.ego_start_speed_mps >= 0.0) {
            return Err(bad(
                "ego_start_speed_mps",
                format!("expected >= 0, got {}", scenario.ego_start_speed_mps),
            ));
        }
        let route = Polyline::new(&scenario.route).map_err(|source| WorldError::Route {
            scenario: name.clone(),
            source,
        })?;
        let map = &scenario.scene.map;
        let lanes = LaneGraph::new(map);
        let mut infos = Vec::new();
        let mut dyns = Vec::new();
        for (i, t) in scenario.logged_actors.iter().enumerate() {
            let is_static = actors::track_is_static(t);
            let follower = if config.reactive_logged_vehicles && !is_static {
                actors::reactive_follower(t, scenario.start_us, &lanes, seed)
            } else {
                None
            };
            infos.push(ActorInfo {
                id: Arc::from(t.instance_token.as_str()),
                class: t.class,
                length_m: t.length_m(),
                width_m: t.width_m(),
                height_m: t.height_m(),
                source: Source::Logged(i),
                is_static,
            });
            dyns.push(follower.map_or(ActorDyn::Logged, ActorDyn::Lane));
        }
        let mut replay_paths = Vec::new();
        for (i, a) in scenario.inserted_actors.iter().enumerate() {
            let path = match &a.behaviour {
                Behaviour::Replay { path, .. } => Some(Polyline::new(path).map_err(|e| {
                    bad(
                        "inserted_actors.behaviour.path",
                        format!("actor `{}`: {e}", a.id),
                    )
                })?),
                _ => None,
            };
            let size = a.size_wlh_m;
            if !(size.is_finite() && size.min_element() > 0.0) {
                return Err(bad(
                    "inserted_actors.size_wlh_m",
                    format!("actor `{}`: expected positive sizes, got {size:?}", a.id),
                ));
            }
            infos.push(ActorInfo {
                id: Arc::from(a.id.as_str()),
                class: a.class,
                length_m: size.y,
                width_m: size.x,
                height_m: size.z,
                source: Source::Inserted(i),
                is_static: Scripted::is_static(a),
            });
            let dynamic = match a.behaviour {
                Behaviour::Idm { desired_speed_mps } => {
                    let xy = a.start_pose.xy();
                    let (lane, pr) = lanes
                        .nearest_aligned(
                            xy,
                            a.start_pose.yaw(),
                            IDM_LANE_MAX_DIST_M,
                            IDM_LANE_MAX_YAW_DEG.to_radians(),
                        )
                        .ok_or_else(|| WorldError::NoLaneForActor {
                            scenario: name.clone(),
                            actor: a.id.clone(),
                            x: xy.x,
                            y: xy.y,
                            max_dist_m: IDM_LANE_MAX_DIST_M,
                            max_yaw_deg: IDM_LANE_MAX_YAW_DEG,
                        })?;
                    let immediate = matches!(a.trigger, Trigger::Immediately);
                    ActorDyn::Lane(LaneFollower {
                        lane,
                        s_m: pr.s_m,
                        speed_mps: if immediate { desired_speed_mps } else { 0.0 },
                        desired_speed_mps,
                        hop: 0,
                        key: idm::mix64(seed ^ idm::hash_str(&a.id)),
                        active: immediate,
                    })
                }
                _ => ActorDyn::Scripted(Scripted::new(a, &route, path.as_ref())),
            };
            dyns.push(dynamic);
            replay_paths.push(path);
        }
        let log_history = scenario
            .scene
            .ego_pose_at(scenario.start_us)
            .is_some_and(|p| p.xy().distance(ego_start.xy) < 0.5);
        let route_extension = lanes::route_extension(&lanes, &route, ROUTE_EXTENSION_M);
        let substeps = config.time.substeps();
        let substep_dt_secs = config.time.decision_dt_secs / substeps as f64;
        let shared = Shared {
            name,
            scene: scenario.scene.clone(),
            start_us: scenario.start_us,
            duration_secs: scenario.duration_secs,
            seed,
            config: *config,
            substep_dt_secs,
            drivable: DrivableIndex::new(map),
            route,
            route_extension,
            lanes,
            logged: scenario.logged_actors.clone(),
            inserted: scenario.inserted_actors.clone(),
            replay_paths,
            infos,
            gains: GainTable::new(&config.vehicle, substep_dt_secs),
            log_history,
            ego_start,
            ego_start_speed_mps: scenario.ego_start_speed_mps,
        };
        let ego = EgoState::new(ego_start, scenario.ego_start_speed_mps, &config.vehicle);
        let progress = shared.route.project(ego.pose.xy).s_m;
        let mut state = WorldState {
            substep: 0,
            step: 0,
            ego,
            tracker: TrackerState::default(),
            reference: None,
            plan_substep: 0,
            dyns,
            actors: Vec::new(),
            actor_index: Vec::new(),
            route_progress_m: progress,
            history: Vec::new(),
            terminal: None,
        };
        step::rebuild_actors(&shared, &mut state);
        Ok(World {
            shared: Arc::new(shared),
            state,
        })
    }

    pub fn name(&self) -> &str {
        &self.shared.name
    }
    pub fn seed(&self) -> u64 {
        self.shared.seed
    }
    pub fn config(&self) -> &SimConfig {
        &self.shared.config
    }
    pub fn scene(&self) -> &Arc<Scene> {
        &self.shared.scene
    }
    pub fn map(&self) -> &MapData {
        &self.shared.scene.map
    }
    pub fn map_arc(&self) -> &Arc<MapData> {
        &self.shared.scene.map
    }
    pub fn route(&self) -> &Route {
        &self.shared.route
    }
    /// The way on past the route end, along the lane graph; its first point is the route's
    /// last point.
    pub fn route_extension(&self) -> &Polyline {
        &self.shared.route_extension
    }
    pub fn lanes(&self) -> &LaneGraph {
        &self.shared.lanes
    }
    /// The scenario's reference duration; the timeout is `timeout_factor` times it.
    pub fn duration_secs(&self) -> f64 {
        self.shared.duration_secs
    }
    pub fn time_secs(&self) -> f64 {
        self.state.substep as f64 * self.shared.substep_dt_secs
    }
    pub fn step_index(&self) -> u64 {
        self.state.step
    }
    pub fn ego(&self) -> &EgoState {
        &self.state.ego
    }
    /// Actors present now, in fixed actor order.
    pub fn actors(&self) -> &[ActorState] {
        &self.state.actors
    }
    /// Furthest arc length along the route reached by the ego's rear axle.
    pub fn route_progress_m(&self) -> f64 {
        self.state.route_progress_m
    }
    /// Why the episode ended, once it has.
    pub fn terminal(&self) -> Option<TerminalReason> {
        self.state.terminal.clone()
    }
    /// The whole mutable state (serialize it to compare or record worlds).
    pub fn state(&self) -> &WorldState {
        &self.state
    }

    /// Logged ego rear-axle pose `t_secs` after the episode start (`None` outside the log).
    pub fn ego_log_pose_at(&self, t_secs: f64) -> Option<Pose2> {
        self.shared
            .scene
            .ego_pose_at(self.log_us(t_secs))
            .map(|p| Pose2 {
                xy: p.xy(),
                yaw: p.yaw(),
            })
    }

    fn log_us(&self, t_secs: f64) -> i64 {
        self.shared.start_us + (t_secs * 1e6).round() as i64
    }

    /// The current ego pose followed by the plan's waypoints in the global frame, each with
    /// the heading of the path through it (central difference; backward at the end; the
    /// previous heading where the path does not move).
    pub fn plan_to_global(&self, plan: &Plan) -> Vec<Pose2> {
        let ego = self.state.ego.pose;
        let mut pts = vec![ego.xy];
        pts.extend(plan.waypoints_ego_m.iter().map(|w| ego.transform_point(*w)));
        let mut out = vec![ego];
        for k in 1..pts.len() {
            let next = pts.get(k + 1).copied().unwrap_or(pts[k]);
            let d = next - pts[k - 1];
            let prev_yaw = out[k - 1].yaw;
            let yaw = if d.length() > 1e-3 {
                d.y.atan2(d.x)
            } else {
                prev_yaw
            };
            out.push(Pose2 { xy: pts[k], yaw });
        }
        out
    }

    /// Actor boxes at future offsets `times_secs` from now: log-replayed actors from their log
    /// (omitted where absent), the others (IDM, scripted) by constant-velocity prediction of
    /// their current box. One list per time: replayed actors first, then the others, each in
    /// actor order.
    pub fn predict_actor_boxes(&self, times_secs: &[f64]) -> Vec<Vec<Obb>> {
        let now = self.time_secs();
        times_secs
            .iter()
            .map(|&dt| {
                let mut boxes = Vec::new();
                for (info, d) in self.shared.infos.iter().zip(&self.state.dyns) {
                    if let (Source::Logged(i), ActorDyn::Logged) = (info.source, d) {
                        let t_us = self.log_us(now + dt);
                        if let Some((pose, _, _)) =
                            actors::logged_kinematics(&self.shared.logged[i], t_us)
                        {
                            boxes.push(Obb::new(pose.xy, pose.yaw, info.length_m, info.width_m));
                        }
                    }
                }
                for (a, &k) in self.state.actors.iter().zip(&self.state.actor_index) {
                    if !matches!(self.state.dyns[k], ActorDyn::Logged) {
                        let mut b = a.obb();
                        b.center += a.velocity_mps * dt;
                        boxes.push(b);
                    }
                }
                boxes
            })
            .collect()
    }

    /// Predicted box-centre poses of the present actors (in `actors()` order) at future
    /// offsets `times_secs` from now, the same predictions `predict_actor_boxes` scores with:
    /// log-replayed actors from their log (`None` where the log has ended), the others at
    /// constant velocity.
    pub fn predict_actor_poses(&self, times_secs: &[f64]) -> Vec<Vec<Option<Pose2>>> {
        let now = self.time_secs();
        self.state
            .actors
            .iter()
            .zip(&self.state.actor_index)
            .map(|(a, &k)| {
                times_secs
                    .iter()
                    .map(
                        |&dt| match (self.shared.infos[k].source, &self.state.dyns[k]) {
                            (Source::Logged(i), ActorDyn::Logged) => actors::logged_kinematics(
                                &self.shared.logged[i],
                                self.log_us(now + dt),
                            )
                            .map(|(pose, _, _)| pose),
                            _ => Some(Pose2 {
                                xy: a.pose.xy + a.velocity_mps * dt,
                                yaw: a.pose.yaw,
                            }),
                        },
                    )
                    .collect()
            })
            .collect()
    }

    /// Advance one decision tick under `plan`.
    pub fn step(&mut self, plan: &Plan) -> Result<StepEvents, WorldError> {
        if let Some(t) = &self.state.terminal {
            return Err(WorldError::Terminated(t.clone()));
        }
        self.validate_plan(plan)?;
        let sh = self.shared.clone();
        let waypoints: Vec<DVec2> = plan
            .waypoints_ego_m
            .iter()
            .map(|w| self.state.ego.pose.transform_point(*w))
            .collect();
        self.state.reference = Some(Reference::from_waypoints(
            &self.state.ego,
            &waypoints,
            sh.config.time.plan_dt_secs,
            sh.substep_dt_secs,
        ));
        self.state.plan_substep = self.state.substep;
        self.push_history();
        Ok(self.run_substeps(&sh, None))
    }

    /// The substeps of one decision tick (fewer when the episode ends inside it), the ego
    /// placed on `on_log[j]` at substep j when given (`teacher`), else tracking its reference.
    fn run_substeps(&mut self, sh: &Shared, on_log: Option<&[teacher::LoggedEgo]>) -> StepEvents {
        let mut events = StepEvents::default();
        for j in 0..sh.config.time.substeps() {
            let target = on_log.and_then(|t| t.get(j).copied());
            step::substep_with(sh, &mut self.state, &mut events.triggered, target);
            events.substeps += 1;
            if self.state.terminal.is_some() {
                break;
            }
        }
        self.state.step += 1;
        events.terminal = self.state.terminal.clone();
        events
    }

    /// Keep the ego state of the tick being left (the last `EGO_HISTORY_LEN - 1` ticks).
    fn push_history(&mut self) {
        let ego = &self.state.ego;
        self.state
            .history
            .push((ego.pose, ego.speed_mps, ego.accel_mps2));
        let keep = crate::config::EGO_HISTORY_LEN - 1;
        if self.state.history.len() > keep {
            let drop = self.state.history.len() - keep;
            self.state.history.drain(..drop);
        }
    }

    fn validate_plan(&self, plan: &Plan) -> Result<(), WorldError> {
        let expected = self.shared.config.time.plan_len;
        let got = plan.waypoints_ego_m.len();
        if got != expected {
            return Err(WorldError::PlanLength { expected, got });
        }
        for (index, w) in plan.waypoints_ego_m.iter().enumerate() {
            if !w.is_finite() {
                return Err(WorldError::PlanNonFinite { index, point: *w });
            }
            if w.length() > MAX_PLAN_RANGE_M {
                return Err(WorldError::PlanOutOfRange {
                    index,
                    distance_m: w.length(),
                    limit_m: MAX_PLAN_RANGE_M,
                });
            }
        }
        Ok(())
    }
}

/// Express a global pose in the frame of `frame` (both global).
pub fn relative_pose(frame: Pose2, p: Pose2) -> Pose2 {
    Pose2 {
        xy: frame.inverse_transform_point(p.xy),
        yaw: wrap_angle(p.yaw - frame.yaw),
    }
}
