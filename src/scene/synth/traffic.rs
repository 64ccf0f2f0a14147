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
use crate::agent::Command;
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

#[allow(clippy::needless_range_loop)] // step indexes several per-actor arrays
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
    // Ego.
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
    // Parked cars first: they win conflicts.
    let mut statics: Vec<ActorLog> = Vec::new();
    for &(p, yaw) in &map.parking_slots {
        if near_path(p, &ego_path, 90.0) && rng.random_bool(0.55) {
            let l = 4.2 + 0.5 * rng.random::<f64>();
            statics.push(ActorLog {
                class: ActorClass::Car,
                category: "vehicle.car",
                size_wlh_m: [1.8 + 0.1 * rng.random::<f64>(), l, 1.55],
                poses: vec![[p.x, p.y, yaw]; n_steps()],
                attributes: vec!["vehicle.parked"; n_steps()],
            });
        }
    }
    // Moving vehicles on road lanes.
    for &lane in &road_lanes {
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
            if near_path(DVec2::new(pose[0], pose[1]), &ego_path, 90.0) && rng.random_bool(0.45) {
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
    // Pedestrians.
    let mut walkers = Vec::new();
    for path in &map.sidewalks {
        let total: f64 = path.windows(2).map(|w| w[0].distance(w[1])).sum();
        let mut s = rng.random_range(0.0..30.0);
        while s < total {
            let frac = s / total;
            let idx = ((path.len() - 1) as f64 * frac) as usize;
            if near_path(path[idx], &ego_path, 80.0) && rng.random_bool(0.3) {
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
        if near_path(c.from, &ego_path, 70.0) && rng.random_bool(0.35) {
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
    let walker_logs: Vec<ActorLog> = walkers
        .iter()
        .map(|w| {
            let mut poses = Vec::with_capacity(n_steps());
            let mut attributes = Vec::with_capacity(n_steps());
            for i in 0..n_steps() {
                let (p, moving) = w.pose(i as f64 * DT_SECS);
                poses.push(p);
                attributes.push(if moving {
                    "pedestrian.moving"
                } else {
                    "pedestrian.standing"
                });
            }
            ActorLog {
                class: ActorClass::Pedestrian,
                category: "human.pedestrian.adult",
                size_wlh_m: [0.65, 0.7, 1.75],
                poses,
                attributes,
            }
        })
        .collect();

    // Conflict loop. Actor order: ego (vehicle 0), statics, vehicles 1.., walkers.
    let n_static = statics.len();
    let n_veh = vehicles.len();
    let mut active_static = vec![true; n_static];
    let mut active_veh = vec![true; n_veh];
    let mut active_walk = vec![true; walker_logs.len()];
    let mut dropped = 0;
    loop {
        let (vposes, vspeeds) = simulate(graph, &vehicles, &active_veh);
        // Boxes per step: (global actor id, pose, length, width, is_vehicle_on_road).
        let mut conflict: Vec<usize> = Vec::new();
        let mut ego_off = false;
        for step in 0..n_steps() {
            let mut boxes: Vec<(usize, Obb, bool)> = Vec::new();
            let ego_pose = vposes[0][step];
            boxes.push((
                0,
                obb(ego_pose, EGO_LENGTH_M, EGO_WIDTH_M, CLEARANCE_M),
                true,
            ));
            for (k, s) in statics.iter().enumerate() {
                if active_static[k] {
                    boxes.push((
                        1 + k,
                        obb(s.poses[step], s.size_wlh_m[1], s.size_wlh_m[0], CLEARANCE_M),
                        true,
                    ));
                }
            }
            for k in 1..n_veh {
                if active_veh[k] {
                    let x = &vehicles[k];
                    boxes.push((
                        1 + n_static + k,
                        obb(vposes[k][step], x.length, x.width, CLEARANCE_M),
                        true,
                    ));
                }
            }
            for (k, w) in walker_logs.iter().enumerate() {
                if active_walk[k] {
                    boxes.push((
                        1 + n_static + n_veh + k,
                        obb(w.poses[step], w.size_wlh_m[1], w.size_wlh_m[0], CLEARANCE_M),
                        false,
                    ));
                }
            }
            for (id, b, on_road) in &boxes {
                if *on_road {
                    let exact = Obb::new(
                        b.center,
                        b.yaw,
                        2.0 * (b.half_extents.x - CLEARANCE_M),
                        2.0 * (b.half_extents.y - CLEARANCE_M),
                    );
                    if !exact.corners().iter().all(|c| drivable.contains(*c)) {
                        if *id == 0 {
                            ego_off = true;
                        } else if !conflict.contains(id) {
                            conflict.push(*id);
                        }
                    }
                }
            }
            if ego_off {
                return None;
            }
            for a in 0..boxes.len() {
                for b in a + 1..boxes.len() {
                    if obb_overlap(&boxes[a].1, &boxes[b].1) {
                        let loser = boxes[a].0.max(boxes[b].0);
                        if !conflict.contains(&loser) {
                            conflict.push(loser);
                        }
                    }
                }
            }
            if !conflict.is_empty() {
                break;
            }
        }
        if conflict.is_empty() {
            // Assemble the logs.
            let ego: Vec<Pose2> = vposes[0]
                .iter()
                .map(|p| {
                    [
                        p[0] - EGO_CENTRE_AHEAD_M * p[2].cos(),
                        p[1] - EGO_CENTRE_AHEAD_M * p[2].sin(),
                        p[2],
                    ]
                })
                .collect();
            let ego_turns = ego_route
                .lanes
                .iter()
                .filter_map(|&l| graph.lanes[l].turn)
                .collect::<Vec<_>>();
            let ego_end = vehicles[0].dist + vspeeds[0].iter().sum::<f64>() * DT_SECS;
            let reached = ego_route
                .lanes
                .iter()
                .zip(&ego_route.starts)
                .filter(|(l, s)| graph.lanes[**l].turn.is_some() && **s < ego_end)
                .count();
            let mut actors: Vec<ActorLog> = statics
                .into_iter()
                .zip(&active_static)
                .filter(|(_, a)| **a)
                .map(|(s, _)| s)
                .collect();
            for k in 1..n_veh {
                if active_veh[k] {
                    let x = &vehicles[k];
                    let attributes = vspeeds[k]
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
                        poses: vposes[k].clone(),
                        attributes,
                    });
                }
            }
            actors.extend(
                walker_logs
                    .into_iter()
                    .zip(&active_walk)
                    .filter(|(_, a)| **a)
                    .map(|(w, _)| w),
            );
            return Some(SceneLog {
                ego,
                ego_speed_mps: vspeeds[0].clone(),
                actors,
                dropped,
                ego_turns: ego_turns.into_iter().take(reached).collect(),
            });
        }
        for id in conflict {
            dropped += 1;
            if id <= n_static {
                active_static[id - 1] = false;
            } else if id <= n_static + n_veh {
                active_veh[id - n_static - 1] = false;
            } else {
                active_walk[id - 1 - n_static - n_veh] = false;
            }
        }
    }
}
