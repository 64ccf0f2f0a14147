//! One synthetic drive: the ego and actors over 20 s, stepped at 50 ms.
//!
//! Vehicles (ego, cars, trucks, buses, cyclists) follow routes through the lane graph with the
//! intelligent driver model (Treiber et al. 2000) behind the nearest vehicle ahead on their
//! route; their desired speed is the lane's speed limit scaled per driver, capped by lateral
//! acceleration in curves and braked back from upcoming curves, so they slow for turns.
//! Pedestrians walk back and forth along sidewalks, stand, or cross at ped crossings; parked
//! cars stand in parking strips. Vehicles do not yield at junctions, so after simulating, the
//! first time step at which two boxes overlap (with a safety margin) or a vehicle corner leaves
//! the drivable area drops the later-spawned actor, and everything is simulated again until
//! the drive is clean. The ego is never dropped: an ego that leaves the drivable area makes the
//! scene draw a new route.

use super::agents::{Route, StopHold, Vehicle, Walker, grow_route, simulate, vehicle_kind};
use super::arcline::Pose2;
use super::lanes::LaneGraph;
use super::mapgen::TownMap;
use crate::command::Command;
use crate::geometry::{Obb, obb_overlap, point_in_polygon, ring_bounds};
use crate::scene::{ActorClass, Polygon};
use glam::DVec2;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Simulation step.
pub const DT_SECS: f64 = 0.05;
/// Simulated span: 40 keyframe intervals of 0.5 s plus room for camera offsets.
pub const DURATION_SECS: f64 = 20.1;
/// Ego box (a Renault Zoe as in nuScenes): length, width, height and the box centre ahead of
/// the rear axle (the ego pose origin).
pub const EGO_LENGTH_M: f64 = 4.084;
pub const EGO_WIDTH_M: f64 = 1.730;
pub const EGO_HEIGHT_M: f64 = 1.562;
pub const EGO_CENTRE_AHEAD_M: f64 = 1.3;
/// Boxes are checked inflated by this much on every side, so values rounded in the files
/// still never touch.
pub const CLEARANCE_M: f64 = 0.1;

/// One actor's simulated track.
#[derive(Debug, Clone)]
pub struct ActorLog {
    pub class: ActorClass,
    pub category: &'static str,
    /// (width, length, height), metres.
    pub size_wlh_m: [f64; 3],
    /// Box centre pose per step.
    pub poses: Vec<Pose2>,
    /// Attribute name per step.
    pub attributes: Vec<&'static str>,
}

/// A simulated scene.
#[derive(Debug, Clone)]
pub struct SceneLog {
    /// Ego rear-axle pose per step.
    pub ego: Vec<Pose2>,
    pub ego_speed_mps: Vec<f64>,
    pub actors: Vec<ActorLog>,
    pub dropped: usize,
    /// Turns the ego takes through junctions, in order.
    pub ego_turns: Vec<Command>,
}

pub fn n_steps() -> usize {
    (DURATION_SECS / DT_SECS).round() as usize + 1
}

struct Drivable<'a> {
    polys: &'a [Polygon],
    bounds: Vec<(DVec2, DVec2)>,
}

impl Drivable<'_> {
    fn contains(&self, p: DVec2) -> bool {
        self.polys.iter().zip(&self.bounds).any(|(poly, (lo, hi))| {
            p.x >= lo.x - 1e-9
                && p.y >= lo.y - 1e-9
                && p.x <= hi.x + 1e-9
                && p.y <= hi.y + 1e-9
                && point_in_polygon(p, poly)
        })
    }
}

fn obb(pose: Pose2, length: f64, width: f64, margin: f64) -> Obb {
    Obb::new(
        DVec2::new(pose[0], pose[1]),
        pose[2],
        length + 2.0 * margin,
        width + 2.0 * margin,
    )
}

fn near_path(p: DVec2, path: &[DVec2], r: f64) -> bool {
    path.iter().any(|q| q.distance_squared(p) < r * r)
}

/// Who a box belongs to. The derived order is the spawn order: in a conflict the later one
/// (the larger) is dropped, so parked cars win over moving vehicles, which win over walkers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Ego,
    Parked(usize),
    /// Index into the vehicle list (0 is the ego).
    Vehicle(usize),
    Walker(usize),
}

/// Everyone spawned for a scene; `vehicles[0]` is the ego.
struct Cast {
    ego_route: Route,
    vehicles: Vec<Vehicle>,
    parked: Vec<ActorLog>,
    walkers: Vec<ActorLog>,
}

/// Outcome of checking one simulation.
enum Check {
    Clean,
    EgoOffRoad,
    /// Actors to drop: the losers of every conflict at the first conflicting step.
    Drop(Vec<Who>),
}

/// Simulate one scene. `prefer` is the ego's turn at its first junction. `None` when the
/// drawn ego route leaves the drivable area (the caller draws again).
pub fn simulate_scene(
    graph: &LaneGraph,
    map: &TownMap,
    rng: &mut ChaCha8Rng,
    prefer: Command,
) -> Option<SceneLog> {
    let drivable = Drivable {
        polys: &map.drivable,
        bounds: map
            .drivable
            .iter()
            .map(|p| ring_bounds(&p.exterior))
            .collect(),
    };
    let cast = spawn(graph, map, rng, prefer);
    let mut active_parked = vec![true; cast.parked.len()];
    let mut active_vehicles = vec![true; cast.vehicles.len()];
    let mut active_walkers = vec![true; cast.walkers.len()];
    let mut dropped = 0;
    loop {
        let (poses, speeds) = simulate(graph, &cast.vehicles, &active_vehicles);
        let mut boxes_at = |step: usize| -> Vec<(Who, Obb, bool)> {
            let mut boxes = vec![(
                Who::Ego,
                obb(poses[0][step], EGO_LENGTH_M, EGO_WIDTH_M, CLEARANCE_M),
                true,
            )];
            for (k, a) in cast
                .parked
                .iter()
                .enumerate()
                .filter(|(k, _)| active_parked[*k])
            {
                let b = obb(a.poses[step], a.size_wlh_m[1], a.size_wlh_m[0], CLEARANCE_M);
                boxes.push((Who::Parked(k), b, true));
            }
            for (k, v) in cast
                .vehicles
                .iter()
                .enumerate()
                .skip(1)
                .filter(|(k, _)| active_vehicles[*k])
            {
                boxes.push((
                    Who::Vehicle(k),
                    obb(poses[k][step], v.length, v.width, CLEARANCE_M),
                    true,
                ));
            }
            for (k, a) in cast
                .walkers
                .iter()
                .enumerate()
                .filter(|(k, _)| active_walkers[*k])
            {
                let b = obb(a.poses[step], a.size_wlh_m[1], a.size_wlh_m[0], CLEARANCE_M);
                boxes.push((Who::Walker(k), b, false));
            }
            boxes
        };
        match check(&mut boxes_at, &drivable) {
            Check::EgoOffRoad => return None,
            Check::Clean => {
                return Some(assemble(
                    graph,
                    cast,
                    &active_parked,
                    &active_vehicles,
                    &active_walkers,
                    poses,
                    speeds,
                    dropped,
                ));
            }
            Check::Drop(losers) => {
                for who in losers {
                    dropped += 1;
                    match who {
                        Who::Ego => unreachable!("the ego is never a loser"),
                        Who::Parked(k) => active_parked[k] = false,
                        Who::Vehicle(k) => active_vehicles[k] = false,
                        Who::Walker(k) => active_walkers[k] = false,
                    }
                }
            }
        }
    }
}

/// Scan the steps in order; at the first step with an overlap (boxes inflated by the
/// clearance) or a vehicle corner off the drivable area, name who to drop.
fn check(boxes_at: &mut dyn FnMut(usize) -> Vec<(Who, Obb, bool)>, drivable: &Drivable) -> Check {
    for step in 0..n_steps() {
        let boxes = boxes_at(step);
        let mut losers: Vec<Who> = Vec::new();
        for (who, b, on_road) in &boxes {
            if !on_road {
                continue;
            }
            let exact = Obb::new(
                b.center,
                b.yaw,
                2.0 * (b.half_extents.x - CLEARANCE_M),
                2.0 * (b.half_extents.y - CLEARANCE_M),
            );
            if !exact.corners().iter().all(|c| drivable.contains(*c)) {
                if *who == Who::Ego {
                    return Check::EgoOffRoad;
                }
                losers.push(*who);
            }
        }
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                if obb_overlap(&a.1, &b.1) {
                    losers.push(a.0.max(b.0));
                }
            }
        }
        if !losers.is_empty() {
            losers.sort();
            losers.dedup();
            return Check::Drop(losers);
        }
    }
    Check::Clean
}

/// Draw the ego route and everyone around it.
fn spawn(graph: &LaneGraph, map: &TownMap, rng: &mut ChaCha8Rng, prefer: Command) -> Cast {
    let road_lanes: Vec<usize> = (0..graph.first_connector)
        .filter(|&l| graph.lanes[l].ring.is_none())
        .collect();
    // Start on a lane from which the preferred turn exists (a kerb lane for near-side turns).
    let can_turn: Vec<usize> = road_lanes
        .iter()
        .copied()
        .filter(|&l| {
            graph.lanes[l]
                .outgoing
                .iter()
                .any(|&c| graph.lanes[c].turn == Some(prefer))
        })
        .collect();
    let pool = if can_turn.is_empty() {
        &road_lanes
    } else {
        &can_turn
    };
    let start = pool[rng.random_range(0..pool.len())];
    let len0 = graph.lanes[start].chain.length_m;
    let start_s = (len0 - rng.random_range(30.0..110.0))
        .max(8.0)
        .min(len0 - 1.0);
    let ego_lanes = grow_route(graph, rng, start, start_s + 340.0, Some(prefer));
    let ego_route = Route::new(graph, ego_lanes, rng.random_range(0.9..1.05), 2.0, 2.0);
    let ego_v0 = ego_route.cap_at(start_s) * rng.random_range(0.6..0.95);
    let mut vehicles = vec![Vehicle {
        route: ego_route.clone(),
        dist: start_s + EGO_CENTRE_AHEAD_M,
        speed: ego_v0,
        length: EGO_LENGTH_M,
        width: EGO_WIDTH_M,
        height: EGO_HEIGHT_M,
        a_max: 1.6,
        headway_s: 1.5,
        class: ActorClass::Car,
        category: "vehicle.car",
        hold: None,
    }];
    if rng.random_bool(0.2) {
        let hold_secs = rng.random_range(1.0..3.0);
        vehicles[0].hold = StopHold::before_first_junction(graph, &ego_route, start_s, hold_secs);
    }
    let ego_path: Vec<DVec2> = (0..30)
        .map(|i| {
            let p = ego_route.pose(graph, start_s + i as f64 * 10.0);
            DVec2::new(p[0], p[1])
        })
        .collect();
    let parked = spawn_parked(map, rng, &ego_path);
    spawn_vehicles(graph, rng, &road_lanes, &ego_path, &mut vehicles);
    let walkers = spawn_walkers(map, rng, &ego_path);
    Cast {
        ego_route,
        vehicles,
        parked,
        walkers,
    }
}

fn spawn_parked(map: &TownMap, rng: &mut ChaCha8Rng, ego_path: &[DVec2]) -> Vec<ActorLog> {
    let mut parked = Vec::new();
    for &(p, yaw) in &map.parking_slots {
        if near_path(p, ego_path, 90.0) && rng.random_bool(0.55) {
            let l = 4.2 + 0.5 * rng.random::<f64>();
            parked.push(ActorLog {
                class: ActorClass::Car,
                category: "vehicle.car",
                size_wlh_m: [1.8 + 0.1 * rng.random::<f64>(), l, 1.55],
                poses: vec![[p.x, p.y, yaw]; n_steps()],
                attributes: vec!["vehicle.parked"; n_steps()],
            });
        }
    }
    parked
}

/// Vehicles every 14-40 m along road lanes near the ego's path, on random routes.
fn spawn_vehicles(
    graph: &LaneGraph,
    rng: &mut ChaCha8Rng,
    road_lanes: &[usize],
    ego_path: &[DVec2],
    vehicles: &mut Vec<Vehicle>,
) {
    for &lane in road_lanes {
        let info = &graph.lanes[lane];
        let kerb = info.index + 1
            == graph
                .lanes
                .iter()
                .filter(|l| {
                    !l.is_connector
                        && l.ring.is_none()
                        && l.owner == info.owner
                        && l.forward == info.forward
                })
                .count();
        let mut s = rng.random_range(6.0..30.0);
        while s < info.chain.length_m - 6.0 {
            let pose = info.chain.pose_at(s);
            if near_path(DVec2::new(pose[0], pose[1]), ego_path, 90.0) && rng.random_bool(0.45) {
                let (class, category, size, speed_scale) = vehicle_kind(rng, kerb);
                let lanes = grow_route(graph, rng, lane, s + 400.0, None);
                let route = Route::new(
                    graph,
                    lanes,
                    speed_scale * rng.random_range(0.85..1.05),
                    2.0,
                    2.0,
                );
                let speed = route.cap_at(s) * rng.random_range(0.5..1.0);
                let hold = if rng.random_bool(0.35) {
                    let hold_secs = rng.random_range(1.0..6.0);
                    StopHold::before_first_junction(graph, &route, s, hold_secs)
                } else {
                    None
                };
                vehicles.push(Vehicle {
                    route,
                    dist: s,
                    speed,
                    length: size[1],
                    width: size[0],
                    height: size[2],
                    a_max: if class == ActorClass::Car { 1.5 } else { 1.0 },
                    headway_s: rng.random_range(1.2..2.0),
                    class,
                    category,
                    hold,
                });
            }
            s += rng.random_range(14.0..40.0);
        }
    }
}

/// Walkers on sidewalks near the ego's path (some standing) and crossers at ped crossings.
fn spawn_walkers(map: &TownMap, rng: &mut ChaCha8Rng, ego_path: &[DVec2]) -> Vec<ActorLog> {
    let mut walkers = Vec::new();
    for path in &map.sidewalks {
        let total: f64 = path.windows(2).map(|w| w[0].distance(w[1])).sum();
        let mut s = rng.random_range(0.0..30.0);
        while s < total {
            let frac = s / total;
            let idx = ((path.len() - 1) as f64 * frac) as usize;
            if near_path(path[idx], ego_path, 80.0) && rng.random_bool(0.3) {
                let standing = rng.random_bool(0.2);
                walkers.push(Walker {
                    path: path.clone(),
                    speed: if standing {
                        0.0
                    } else {
                        rng.random_range(1.0..1.6)
                    },
                    delay_s: 0.0,
                    ping_pong: true,
                    start_offset_m: s,
                    facing: rng.random_range(-3.1..3.1),
                });
            }
            s += rng.random_range(15.0..45.0);
        }
    }
    for c in &map.crossings {
        if near_path(c.from, ego_path, 70.0) && rng.random_bool(0.35) {
            let (a, b) = if rng.random_bool(0.5) {
                (c.from, c.to)
            } else {
                (c.to, c.from)
            };
            let d = b - a;
            walkers.push(Walker {
                path: vec![a, b],
                speed: rng.random_range(1.1..1.5),
                delay_s: rng.random_range(0.0..12.0),
                ping_pong: false,
                start_offset_m: 0.0,
                facing: d.y.atan2(d.x),
            });
        }
    }
    walkers
        .iter()
        .map(|w| {
            let (poses, attributes) = (0..n_steps())
                .map(|i| {
                    let (p, moving) = w.pose(i as f64 * DT_SECS);
                    let attr = if moving {
                        "pedestrian.moving"
                    } else {
                        "pedestrian.standing"
                    };
                    (p, attr)
                })
                .unzip();
            ActorLog {
                class: ActorClass::Pedestrian,
                category: "human.pedestrian.adult",
                size_wlh_m: [0.65, 0.7, 1.75],
                poses,
                attributes,
            }
        })
        .collect()
}

/// The clean drive: ego rear-axle poses, the surviving actors, the turns the ego took.
#[allow(clippy::too_many_arguments)] // the pieces of one finished simulation
fn assemble(
    graph: &LaneGraph,
    cast: Cast,
    active_parked: &[bool],
    active_vehicles: &[bool],
    active_walkers: &[bool],
    poses: Vec<Vec<Pose2>>,
    speeds: Vec<Vec<f64>>,
    dropped: usize,
) -> SceneLog {
    let ego: Vec<Pose2> = poses[0]
        .iter()
        .map(|p| {
            [
                p[0] - EGO_CENTRE_AHEAD_M * p[2].cos(),
                p[1] - EGO_CENTRE_AHEAD_M * p[2].sin(),
                p[2],
            ]
        })
        .collect();
    // Turns of the connectors the ego entered within the drive.
    let ego_end = cast.vehicles[0].dist + speeds[0].iter().sum::<f64>() * DT_SECS;
    let ego_turns = cast
        .ego_route
        .lanes
        .iter()
        .zip(&cast.ego_route.starts)
        .filter(|(_, s)| **s < ego_end)
        .filter_map(|(l, _)| graph.lanes[*l].turn)
        .collect();
    let keep = |flags: &[bool], k: usize| flags[k];
    let mut actors: Vec<ActorLog> = cast
        .parked
        .into_iter()
        .enumerate()
        .filter(|(k, _)| keep(active_parked, *k))
        .map(|(_, a)| a)
        .collect();
    for (k, x) in cast.vehicles.iter().enumerate().skip(1) {
        if !active_vehicles[k] {
            continue;
        }
        let attributes = speeds[k]
            .iter()
            .map(|&v| match (x.class, v > 0.3) {
                (ActorClass::Cyclist, _) => "cycle.with_rider",
                (_, true) => "vehicle.moving",
                (_, false) => "vehicle.stopped",
            })
            .collect();
        actors.push(ActorLog {
            class: x.class,
            category: x.category,
            size_wlh_m: [x.width, x.length, x.height],
            poses: poses[k].clone(),
            attributes,
        });
    }
    actors.extend(
        cast.walkers
            .into_iter()
            .enumerate()
            .filter(|(k, _)| keep(active_walkers, *k))
            .map(|(_, a)| a),
    );
    SceneLog {
        ego,
        ego_speed_mps: speeds[0].clone(),
        actors,
        dropped,
        ego_turns,
    }
}
