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

/// A path through the lane graph.
#[derive(Debug, Clone)]
struct Route {
    lanes: Vec<usize>,
    starts: Vec<f64>,
    /// Speed cap every metre (curves, limits, braking ahead).
    cap: Vec<f64>,
}

impl Route {
    fn new(
        graph: &LaneGraph,
        lanes: Vec<usize>,
        speed_factor: f64,
        a_lat: f64,
        b_comf: f64,
    ) -> Route {
        let mut starts = Vec::with_capacity(lanes.len());
        let mut acc = 0.0;
        for &l in &lanes {
            starts.push(acc);
            acc += graph.lanes[l].chain.length_m;
        }
        let n = acc.ceil() as usize + 1;
        let mut route = Route {
            lanes,
            starts,
            cap: vec![],
        };
        let mut cap: Vec<f64> = (0..n)
            .map(|i| {
                let (q, s) = route.locate(i as f64);
                let lane = &graph.lanes[route.lanes[q]];
                let k = lane.chain.curvature_at(s).abs();
                let v = lane.speed_limit_mps * speed_factor;
                if k > 1e-4 {
                    v.min((a_lat / k).sqrt())
                } else {
                    v
                }
            })
            .collect();
        for i in (0..n.saturating_sub(1)).rev() {
            cap[i] = cap[i].min((cap[i + 1] * cap[i + 1] + 2.0 * b_comf).sqrt());
        }
        route.cap = cap;
        route
    }
    fn locate(&self, d: f64) -> (usize, f64) {
        let q = self.starts.partition_point(|&s| s <= d).saturating_sub(1);
        (q, d - self.starts[q])
    }
    fn pose(&self, graph: &LaneGraph, d: f64) -> Pose2 {
        let (q, s) = self.locate(d.max(0.0));
        graph.lanes[self.lanes[q]].chain.pose_at(s)
    }
    fn cap_at(&self, d: f64) -> f64 {
        let i = (d.max(0.0) as usize).min(self.cap.len() - 1);
        self.cap[i]
    }
}

/// Grow a random route from `start` until it is `min_len_m` long; the first junction takes
/// `prefer` when it can.
fn grow_route(
    graph: &LaneGraph,
    rng: &mut ChaCha8Rng,
    start: usize,
    min_len_m: f64,
    prefer: Option<Command>,
) -> Vec<usize> {
    let mut lanes = vec![start];
    let mut len = graph.lanes[start].chain.length_m;
    let mut prefer = prefer;
    while len < min_len_m {
        let last = *lanes.last().expect("route is not empty");
        let outs = &graph.lanes[last].outgoing;
        if outs.is_empty() {
            break;
        }
        let next = match prefer.take() {
            Some(cmd) if !graph.lanes[last].is_connector => {
                let matching: Vec<usize> = outs
                    .iter()
                    .copied()
                    .filter(|&o| graph.lanes[o].turn == Some(cmd))
                    .collect();
                if matching.is_empty() {
                    outs[rng.random_range(0..outs.len())]
                } else {
                    matching[rng.random_range(0..matching.len())]
                }
            }
            _ => outs[rng.random_range(0..outs.len())],
        };
        lanes.push(next);
        len += graph.lanes[next].chain.length_m;
    }
    lanes
}

#[derive(Debug, Clone)]
struct Vehicle {
    route: Route,
    /// Distance of the box centre along the route.
    dist: f64,
    speed: f64,
    length: f64,
    width: f64,
    height: f64,
    a_max: f64,
    headway_s: f64,
    class: ActorClass,
    category: &'static str,
}

#[derive(Debug, Clone)]
struct Walker {
    path: Vec<DVec2>,
    speed: f64,
    delay_s: f64,
    /// Back and forth along the path (sidewalks) or stop at its end (crossings).
    ping_pong: bool,
    start_offset_m: f64,
    facing: f64,
}

impl Walker {
    fn pose(&self, t: f64) -> (Pose2, bool) {
        let total: f64 = self.path.windows(2).map(|w| w[0].distance(w[1])).sum();
        let travelled = self.start_offset_m + (t - self.delay_s).max(0.0) * self.speed;
        let moving = self.speed > 0.0 && t >= self.delay_s && (self.ping_pong || travelled < total);
        let (mut d, mut forward) = (travelled, true);
        if self.ping_pong && total > 0.0 {
            let m = travelled.rem_euclid(2.0 * total);
            if m > total {
                d = 2.0 * total - m;
                forward = false;
            } else {
                d = m;
            }
        } else {
            d = d.min(total);
        }
        let mut acc = 0.0;
        for w in self.path.windows(2) {
            let seg = w[0].distance(w[1]);
            if d <= acc + seg || seg == 0.0 {
                let f = if seg > 0.0 { (d - acc) / seg } else { 0.0 };
                let p = w[0].lerp(w[1], f.clamp(0.0, 1.0));
                let dir = if forward { w[1] - w[0] } else { w[0] - w[1] };
                let yaw = if moving {
                    dir.y.atan2(dir.x)
                } else {
                    self.facing
                };
                return ([p.x, p.y, yaw], moving);
            }
            acc += seg;
        }
        let p = *self.path.last().expect("walker path has points");
        ([p.x, p.y, self.facing], false)
    }
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

/// Step the vehicles (index 0 is the ego, whose `dist` is its box centre) and return per step
/// their box-centre poses and speeds.
fn simulate(
    graph: &LaneGraph,
    vehicles: &[Vehicle],
    active: &[bool],
) -> (Vec<Vec<Pose2>>, Vec<Vec<f64>>) {
    let steps = n_steps();
    let mut v: Vec<Vehicle> = vehicles.to_vec();
    let mut poses = vec![Vec::with_capacity(steps); v.len()];
    let mut speeds = vec![Vec::with_capacity(steps); v.len()];
    let b_comf = 2.0;
    for _ in 0..steps {
        // Current lane of every vehicle.
        let at: Vec<(usize, f64)> = v
            .iter()
            .map(|x| {
                let (q, s) = x.route.locate(x.dist);
                (x.route.lanes[q], s)
            })
            .collect();
        let mut accs = vec![0.0; v.len()];
        for i in 0..v.len() {
            if !active[i] {
                continue;
            }
            poses[i].push(v[i].route.pose(graph, v[i].dist));
            speeds[i].push(v[i].speed);
            let (qi, si) = v[i].route.locate(v[i].dist);
            let mut best: Option<(f64, f64)> = None;
            for j in 0..v.len() {
                if j == i || !active[j] {
                    continue;
                }
                let (lj, sj) = at[j];
                for q in qi..(qi + 4).min(v[i].route.lanes.len()) {
                    if v[i].route.lanes[q] != lj || (q == qi && sj <= si) {
                        continue;
                    }
                    let gap =
                        v[i].route.starts[q] + sj - v[i].dist - 0.5 * (v[i].length + v[j].length);
                    if best.is_none_or(|(g, _)| gap < g) {
                        best = Some((gap, v[j].speed));
                    }
                    break;
                }
            }
            let x = &v[i];
            let v0 = x.route.cap_at(x.dist).max(1.0);
            let free = 1.0 - (x.speed / v0).powi(4);
            let acc = match best {
                Some((gap, vl)) => {
                    let s_star = 2.5
                        + (x.speed * x.headway_s
                            + x.speed * (x.speed - vl) / (2.0 * (x.a_max * b_comf).sqrt()))
                        .max(0.0);
                    x.a_max * (free - (s_star / gap.max(0.1)).powi(2))
                }
                None => x.a_max * free,
            };
            accs[i] = acc.clamp(-7.0, x.a_max);
        }
        for (x, a) in v.iter_mut().zip(accs) {
            let nv = (x.speed + a * DT_SECS).max(0.0);
            x.dist += 0.5 * (x.speed + nv) * DT_SECS;
            x.speed = nv;
        }
    }
    (poses, speeds)
}

fn near_path(p: DVec2, path: &[DVec2], r: f64) -> bool {
    path.iter().any(|q| q.distance_squared(p) < r * r)
}

/// Car-like sizes (w, l, h) and category of a class.
fn vehicle_kind(
    rng: &mut ChaCha8Rng,
    kerb_lane: bool,
) -> (ActorClass, &'static str, [f64; 3], f64) {
    let r: f64 = rng.random();
    if kerb_lane && r < 0.08 {
        (
            ActorClass::Cyclist,
            "vehicle.bicycle",
            [0.62, 1.75, 1.45],
            5.5 / 13.0,
        )
    } else if r < 0.14 {
        (
            ActorClass::Truck,
            "vehicle.truck",
            [2.5, 7.2 + rng.random::<f64>(), 3.1],
            0.85,
        )
    } else if r < 0.19 {
        (
            ActorClass::Bus,
            "vehicle.bus.rigid",
            [2.9, 11.0 + rng.random::<f64>(), 3.4],
            0.8,
        )
    } else {
        let l = 4.3 + 0.5 * rng.random::<f64>();
        (
            ActorClass::Car,
            "vehicle.car",
            [
                1.8 + 0.15 * rng.random::<f64>(),
                l,
                1.5 + 0.2 * rng.random::<f64>(),
            ],
            1.0,
        )
    }
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
    }];
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
