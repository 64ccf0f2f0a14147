//! Turning a `ScenarioSpec` plus an episode seed into a `ResolvedScenario`: jitter drawn,
//! every start resolved to a global box-centre pose, behaviours and triggers given numbers.
//!
//! - Ego: starts `ego.start_secs` (+ jitter) into the log at the interpolated logged pose (or
//!   `ego.start_pose`), at `ego.start_speed_mps` or the logged speed (central finite difference
//!   of the interpolated track over +-0.25 s), + speed jitter.
//! - Reference route: the logged ego path from the start onward (or `ego.route`), densified to
//!   0.5 m. Route-relative arc lengths count from the ego's projection onto it.
//! - Inserted actors: `Route` starts at arc length `route_s_m` ahead of the ego, offset
//!   `lateral_m` along the left normal, heading the route tangent plus `yaw_deg`; `Lane` starts
//!   at `s_m` along a lane centreline with its tangent heading; `Pose` starts as given. Box
//!   centre z is half the height (the map is flat at z = 0). Jitter `route_s_m` moves the start
//!   along the route / lane / heading, `lateral_m` along the left normal, `yaw_deg` turns it.
//! - Logged actors: all, minus `remove_actors`, or none with `remove_all_actors`; with
//!   `remove_conflicting_actors`, minus those that run into an inserted actor (`conflicts`).
//! - Jitter: uniform in [lo, hi], from a ChaCha8 stream per (seed, scenario name, actor id),
//!   each quantity always drawn in a fixed order whether or not it is jittered, so adding an
//!   actor or a jitter key never changes another actor's or another key's draw.

use super::check::{check, lane_polyline, reference_route};
use super::conflicts::conflicting_logged_actors;
use super::error::ScenarioError;
use super::resolved::{Behaviour, InsertedActor, ResolvedScenario, Trigger};
use super::route::{Polyline, logged_route};
use super::spec::{ActorSpec, BehaviourSpec, Family, Jitter, ScenarioSpec, StartSpec, TriggerSpec};
use crate::scene::{ActorClass, Pose, Scene};
use glam::{DQuat, DVec2, DVec3};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// Default box size (width, length, height) in metres per class: rounded means of the
/// nuScenes annotations of the class's default category (`vehicle.car` 1.95 x 4.62 x 1.73,
/// `vehicle.truck` 2.51 x 6.93 x 2.84, `vehicle.bus.rigid` 2.95 x 11.19 x 3.49,
/// `human.pedestrian.adult` 0.67 x 0.73 x 1.77, `vehicle.bicycle` 0.60 x 1.70 x 1.28,
/// `movable_object.barrier` 2.53 x 0.50 x 0.98: a barrier stands across its heading).
pub fn default_size_wlh_m(class: ActorClass) -> DVec3 {
    match class {
        ActorClass::Car => DVec3::new(1.9, 4.6, 1.7),
        ActorClass::Truck => DVec3::new(2.5, 6.9, 2.8),
        ActorClass::Bus => DVec3::new(2.9, 11.0, 3.5),
        ActorClass::Pedestrian => DVec3::new(0.7, 0.7, 1.8),
        ActorClass::Cyclist => DVec3::new(0.6, 1.7, 1.3),
        ActorClass::Obstacle => DVec3::new(2.5, 0.5, 1.0),
    }
}

/// Half-span of the central difference giving the logged speed.
const SPEED_HALF_SPAN_US: i64 = 250_000;

/// Resolve a spec against its base scene for one episode seed. Runs `check` first, so every
/// problem of the spec is reported before anything is drawn.
pub fn resolve(
    spec: &ScenarioSpec,
    scene: Arc<Scene>,
    seed: u64,
) -> Result<ResolvedScenario, ScenarioError> {
    check(spec, &scene)?;
    let ego_draw = JitterDraw::new(seed, &spec.name, "ego", &spec.ego.jitter);
    let start_secs = (spec.ego.start_secs + ego_draw.start_secs).clamp(0.0, scene.duration_secs());
    let start_us = scene.start_us() + (start_secs * 1e6).round() as i64;
    let logged = scene
        .ego_pose_at(start_us)
        .expect("check() ensures a non-empty ego track and a start inside the log");
    let ego_start = match spec.ego.start_pose {
        Some(p) => Pose {
            translation: DVec3::new(p.x, p.y, logged.translation.z),
            rotation: DQuat::from_rotation_z(p.yaw_deg.to_radians()),
        },
        None => logged,
    };
    let speed = spec
        .ego
        .start_speed_mps
        .unwrap_or_else(|| logged_speed_mps(&scene, start_us));
    let (route, s_ego) = reference_route(spec, &scene, start_us);
    let duration_secs = spec
        .duration_secs
        .unwrap_or((scene.end_us() - start_us) as f64 * 1e-6);
    let logged_actors = if spec.remove_all_actors {
        Vec::new()
    } else {
        scene
            .actors
            .iter()
            .filter(|a| !spec.remove_actors.contains(&a.instance_token))
            .cloned()
            .collect()
    };
    let inserted_actors: Vec<_> = spec
        .actors
        .iter()
        .map(|a| {
            let draw = JitterDraw::new(seed, &spec.name, &a.id, &a.jitter);
            resolve_actor(a, &draw, &scene, &route, s_ego)
        })
        .collect();
    let mut logged_actors = logged_actors;
    if spec.remove_conflicting_actors {
        let dropped: std::collections::BTreeSet<usize> =
            conflicting_logged_actors(&logged_actors, &inserted_actors, start_us, duration_secs)
                .iter()
                .map(|c| c.0)
                .collect();
        logged_actors = logged_actors
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !dropped.contains(i))
            .map(|(_, a)| a)
            .collect();
    }
    Ok(ResolvedScenario {
        name: spec.name.clone(),
        family: spec.family,
        start_us,
        duration_secs,
        ego_start,
        ego_start_speed_mps: (speed + ego_draw.speed_mps).max(0.0),
        route: route.points().to_vec(),
        logged_actors,
        inserted_actors,
        scene,
    })
}

impl ResolvedScenario {
    /// The nominal scenario of a scene: start at the log start at the logged speed, the logged
    /// ego path as the route, every logged actor, the whole log as the duration.
    pub fn from_scene(scene: Arc<Scene>) -> ResolvedScenario {
        let start_us = scene.start_us();
        let ego_start = scene.ego_pose_at(start_us).unwrap_or(Pose {
            translation: DVec3::ZERO,
            rotation: DQuat::IDENTITY,
        });
        ResolvedScenario {
            name: scene.name.clone(),
            family: Family::Nominal,
            start_us,
            duration_secs: scene.duration_secs(),
            ego_start,
            ego_start_speed_mps: logged_speed_mps(&scene, start_us),
            route: logged_route(&scene, start_us).points().to_vec(),
            logged_actors: scene.actors.clone(),
            inserted_actors: Vec::new(),
            scene,
        }
    }
}

/// Logged ego speed at `t_us`: distance between the interpolated poses at `t -+ 0.25 s`
/// (clamped to the log) over their time difference; 0 for a log shorter than that.
pub fn logged_speed_mps(scene: &Scene, t_us: i64) -> f64 {
    let a = (t_us - SPEED_HALF_SPAN_US).max(scene.start_us());
    let b = (t_us + SPEED_HALF_SPAN_US).min(scene.end_us());
    match (scene.ego_pose_at(a), scene.ego_pose_at(b)) {
        (Some(pa), Some(pb)) if b > a => pa.xy().distance(pb.xy()) / ((b - a) as f64 * 1e-6),
        _ => 0.0,
    }
}

/// One episode's jitter draws for one actor (or the ego), zero where a key is not jittered.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct JitterDraw {
    pub route_s_m: f64,
    pub lateral_m: f64,
    pub yaw_deg: f64,
    pub speed_mps: f64,
    pub trigger: f64,
    pub start_secs: f64,
}

impl JitterDraw {
    /// Draw from the stream of (seed, scenario, actor). Every key consumes one draw in a fixed
    /// order, jittered or not, so keys are independent of one another.
    pub fn new(seed: u64, scenario: &str, actor: &str, jitter: &Jitter) -> JitterDraw {
        let mut rng = jitter_rng(seed, scenario, actor);
        let mut draw = |r: Option<[f64; 2]>| {
            let u: f64 = rng.random();
            r.map_or(0.0, |[lo, hi]| lo + u * (hi - lo))
        };
        JitterDraw {
            route_s_m: draw(jitter.route_s_m),
            lateral_m: draw(jitter.lateral_m),
            yaw_deg: draw(jitter.yaw_deg),
            speed_mps: draw(jitter.speed_mps),
            trigger: draw(jitter.trigger),
            start_secs: draw(jitter.start_secs),
        }
    }
}

/// The jitter stream of one actor: ChaCha8 keyed by the seed and FNV-1a hashes of the scenario
/// name and the actor id (stable across platforms and Rust versions, unlike `DefaultHasher`).
pub fn jitter_rng(seed: u64, scenario: &str, actor: &str) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&fnv1a64(scenario.as_bytes()).to_le_bytes());
    key[16..24].copy_from_slice(&fnv1a64(actor.as_bytes()).to_le_bytes());
    key[24..].copy_from_slice(b"jitter\0\0");
    ChaCha8Rng::from_seed(key)
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn resolve_actor(
    a: &ActorSpec,
    d: &JitterDraw,
    scene: &Scene,
    route: &Polyline,
    s_ego: f64,
) -> InsertedActor {
    let class = ActorClass::parse(&a.class).expect("check() rejects unknown classes");
    let size_wlh_m = a
        .size_wlh_m
        .map_or_else(|| default_size_wlh_m(class), DVec3::from);
    let (xy, yaw) = match &a.start {
        StartSpec::Route {
            route_s_m,
            lateral_m,
            yaw_deg,
        } => {
            let (p, t) = on_polyline(route, s_ego + route_s_m + d.route_s_m);
            (
                p + t.perp() * (lateral_m + d.lateral_m),
                t.to_angle() + (yaw_deg + d.yaw_deg).to_radians(),
            )
        }
        StartSpec::Lane { lane, s_m } => {
            let li = scene.map.lane_index[lane.as_str()];
            let centre = lane_polyline(&scene.map.lanes[li]);
            let (p, t) = on_polyline(&centre, s_m + d.route_s_m);
            (
                p + t.perp() * d.lateral_m,
                t.to_angle() + d.yaw_deg.to_radians(),
            )
        }
        StartSpec::Pose { x, y, yaw_deg } => {
            let t = DVec2::from_angle(yaw_deg.to_radians());
            (
                DVec2::new(*x, *y) + t * d.route_s_m + t.perp() * d.lateral_m,
                (yaw_deg + d.yaw_deg).to_radians(),
            )
        }
    };
    let speed = |v: f64| (v + d.speed_mps).max(0.0);
    let behaviour = match &a.behaviour {
        BehaviourSpec::Replay { path, speed_mps } => Behaviour::Replay {
            path: path.iter().map(|p| DVec2::from(*p)).collect(),
            speed_mps: speed(*speed_mps),
        },
        BehaviourSpec::Idm { desired_speed_mps } => Behaviour::Idm {
            desired_speed_mps: speed(*desired_speed_mps),
        },
        BehaviourSpec::CutIn {
            speed_mps,
            duration_secs,
        } => Behaviour::CutIn {
            speed_mps: speed(*speed_mps),
            duration_secs: *duration_secs,
        },
        BehaviourSpec::HardBrake {
            speed_mps,
            decel_mps2,
        } => Behaviour::HardBrake {
            speed_mps: speed(*speed_mps),
            decel_mps2: *decel_mps2,
        },
        BehaviourSpec::Stop {} => Behaviour::Stop,
        BehaviourSpec::Cross { speed_mps } => Behaviour::Cross {
            speed_mps: speed(*speed_mps),
        },
        BehaviourSpec::Oncoming { speed_mps } => Behaviour::Oncoming {
            speed_mps: speed(*speed_mps),
        },
    };
    let trigger = match a.trigger {
        TriggerSpec::Immediately => Trigger::Immediately,
        TriggerSpec::Time { time_secs } => Trigger::Time {
            time_secs: (time_secs + d.trigger).max(0.0),
        },
        TriggerSpec::EgoDistance { ego_distance_m } => Trigger::EgoDistance {
            ego_distance_m: (ego_distance_m + d.trigger).max(0.0),
        },
    };
    InsertedActor {
        id: a.id.clone(),
        class,
        size_wlh_m,
        start_pose: Pose {
            translation: xy.extend(size_wlh_m.z * 0.5),
            rotation: DQuat::from_rotation_z(crate::scene::wrap_angle(yaw)),
        },
        behaviour,
        trigger,
    }
}

/// Point and unit tangent at arc length `s_m` (tangent +x for a degenerate polyline).
fn on_polyline(line: &Polyline, s_m: f64) -> (DVec2, DVec2) {
    (
        line.point_at(s_m).unwrap_or(DVec2::ZERO),
        line.tangent_at(s_m).unwrap_or(DVec2::X),
    )
}
