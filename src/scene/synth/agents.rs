//! The moving agents of a synthetic drive: lane routes with speed caps, IDM vehicles (with
//! optional holds at a stop line) and walkers.
//!
//! Vehicles follow the intelligent driver model (Treiber, Hennecke & Helbing 2000) behind the
//! nearest vehicle ahead on their own route (looking four lanes ahead); the desired speed is
//! the lane's limit scaled per driver, capped by lateral acceleration in curves and braked back
//! from upcoming curves. A hold makes a vehicle stop at the stop line before its first
//! junction and wait there before going on.

use super::arcline::Pose2;
use super::lanes::LaneGraph;
use super::traffic::{DT_SECS, n_steps};
use crate::command::Command;
use crate::scene::ActorClass;
use glam::DVec2;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A path through the lane graph.
#[derive(Debug, Clone)]
pub(super) struct Route {
    pub(super) lanes: Vec<usize>,
    pub(super) starts: Vec<f64>,
    /// Speed cap every metre (curves, limits, braking ahead).
    pub(super) cap: Vec<f64>,
}

impl Route {
    pub(super) fn new(
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
    pub(super) fn locate(&self, d: f64) -> (usize, f64) {
        let q = self.starts.partition_point(|&s| s <= d).saturating_sub(1);
        (q, d - self.starts[q])
    }
    pub(super) fn pose(&self, graph: &LaneGraph, d: f64) -> Pose2 {
        let (q, s) = self.locate(d.max(0.0));
        graph.lanes[self.lanes[q]].chain.pose_at(s)
    }
    pub(super) fn cap_at(&self, d: f64) -> f64 {
        let i = (d.max(0.0) as usize).min(self.cap.len() - 1);
        self.cap[i]
    }
}

/// Grow a random route from `start` until it is `min_len_m` long; the first junction takes
/// `prefer` when it can.
pub(super) fn grow_route(
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
pub(super) struct Vehicle {
    pub(super) route: Route,
    /// Distance of the box centre along the route.
    pub(super) dist: f64,
    pub(super) speed: f64,
    pub(super) length: f64,
    pub(super) width: f64,
    pub(super) height: f64,
    pub(super) a_max: f64,
    pub(super) headway_s: f64,
    pub(super) class: ActorClass,
    pub(super) category: &'static str,
    pub(super) hold: Option<StopHold>,
}

/// IDM jam distance: the gap kept to a stopped leader.
const JAM_GAP_M: f64 = 2.5;

/// A wait at a stop line: the vehicle stops with its front at `front_stop_m` (route distance)
/// and waits `hold_secs` there before going on.
#[derive(Debug, Clone, Copy)]
pub(super) struct StopHold {
    pub(super) front_stop_m: f64,
    pub(super) hold_secs: f64,
    pub(super) waited_secs: f64,
}

impl StopHold {
    /// A hold at the stop line (5 m before the lane end) of the first junction at least
    /// 20 m ahead of `from_m` on the route.
    pub(super) fn before_first_junction(
        graph: &LaneGraph,
        route: &Route,
        from_m: f64,
        hold_secs: f64,
    ) -> Option<StopHold> {
        route
            .lanes
            .iter()
            .zip(&route.starts)
            .find(|(l, s)| graph.lanes[**l].is_connector && **s > from_m + 20.0)
            .map(|(_, s)| StopHold {
                front_stop_m: s - 5.0,
                hold_secs,
                waited_secs: 0.0,
            })
    }
}

#[derive(Debug, Clone)]
pub(super) struct Walker {
    pub(super) path: Vec<DVec2>,
    pub(super) speed: f64,
    pub(super) delay_s: f64,
    /// Back and forth along the path (sidewalks) or stop at its end (crossings).
    pub(super) ping_pong: bool,
    pub(super) start_offset_m: f64,
    pub(super) facing: f64,
}

impl Walker {
    pub(super) fn pose(&self, t: f64) -> (Pose2, bool) {
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

/// Step the vehicles (index 0 is the ego, whose `dist` is its box centre) and return per step
/// their box-centre poses and speeds.
pub(super) fn simulate(
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
            if let Some(h) = &v[i].hold
                && h.waited_secs < h.hold_secs
            {
                let gap = h.front_stop_m + JAM_GAP_M - (v[i].dist + 0.5 * v[i].length);
                if gap > -0.5 && best.is_none_or(|(g, _)| gap < g) {
                    best = Some((gap, 0.0));
                }
            }
            let x = &v[i];
            let v0 = x.route.cap_at(x.dist).max(1.0);
            let free = 1.0 - (x.speed / v0).powi(4);
            let acc = match best {
                Some((gap, vl)) => {
                    let s_star = JAM_GAP_M
                        + (x.speed * x.headway_s
                            + x.speed * (x.speed - vl) / (2.0 * (x.a_max * b_comf).sqrt()))
                        .max(0.0);
                    x.a_max * (free - (s_star / gap.max(0.1)).powi(2))
                }
                None => x.a_max * free,
            };
            accs[i] = acc.clamp(-7.0, x.a_max);
        }
        for x in v.iter_mut() {
            let front = x.dist + 0.5 * x.length;
            if let Some(h) = &mut x.hold
                && x.speed < 0.2
                && (h.front_stop_m - front).abs() < 3.0
            {
                h.waited_secs += DT_SECS;
            }
        }
        for (x, a) in v.iter_mut().zip(accs) {
            let nv = (x.speed + a * DT_SECS).max(0.0);
            x.dist += 0.5 * (x.speed + nv) * DT_SECS;
            x.speed = nv;
        }
    }
    (poses, speeds)
}

/// Car-like sizes (w, l, h) and category of a class.
pub(super) fn vehicle_kind(
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
