//! The lane graph of a town: one lane per road, direction and lane index (a lateral offset of
//! the road centre), and lane connectors through each junction with `arcline_path_3` shapes
//! from `arcline::connect`.
//!
//! Turn rules per junction (near side = left in left-hand traffic, right otherwise): straight
//! from lane k to lane k; the near-side turn from the kerb lane to the kerb lane; the far-side
//! turn from the inner lane to the inner lane, doubled (a two-lane turn) when both roads carry
//! two or more lanes per direction. A fix-up pass then gives every incoming lane at least one
//! way out and every outgoing lane at least one way in (straight if possible, else the turn on
//! the lane's own side of the road), so the graph has no dead ends. Roundabout junctions get a
//! ring instead (`build_roundabout`).

use super::arcline::{self, Chain};
use super::token;
use super::town::Town;
use crate::command::Command;
use crate::scene::SceneError;
use crate::scene::arcline::Arcline;

/// A lane or lane connector.
#[derive(Debug, Clone)]
pub struct LaneInfo {
    pub token: String,
    pub is_connector: bool,
    /// Road index (lanes) or junction index (connectors).
    pub owner: usize,
    /// Lanes: travels along the road's forward direction.
    pub forward: bool,
    /// Lanes: index from the centre line (0 = innermost).
    pub index: usize,
    pub chain: Chain,
    pub incoming: Vec<usize>,
    pub outgoing: Vec<usize>,
    /// Connectors: which way it turns.
    pub turn: Option<Command>,
    pub speed_limit_mps: f64,
    pub width_m: f64,
    /// Ring lanes of a roundabout: its junction index (then `owner` is that junction too).
    pub ring: Option<usize>,
}

/// Speed limit on roundabout rings and their entries and exits.
pub const RING_SPEED_MPS: f64 = 7.0;
/// Angle between an arm's axis and its entry (or exit) point on the ring.
const RING_ENTRY_OFFSET_RAD: f64 = 0.45;
/// Turning radii tried for roundabout entry and exit connectors, widest first.
const RING_CONNECTOR_RADII_M: [f64; 8] = [12.0, 10.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0];

/// A lane connector through junction `junction` from lane `from` to lane `to`.
struct Connector {
    junction: usize,
    from: usize,
    to: usize,
    turn: Command,
    speed_limit_mps: f64,
    width_m: f64,
}

impl Connector {
    /// Append the connector along `path` (its token named by location, junction and the two
    /// lanes) and link it into the graph both ways.
    fn push(self, lanes: &mut Vec<LaneInfo>, loc: &str, path: Arcline) {
        let Connector {
            junction, from, to, ..
        } = self;
        let idx = lanes.len();
        lanes.push(LaneInfo {
            token: token(&[
                loc,
                "connector",
                &junction.to_string(),
                &from.to_string(),
                &to.to_string(),
            ]),
            is_connector: true,
            owner: junction,
            forward: true,
            index: 0,
            chain: Chain::new(vec![path]),
            incoming: vec![from],
            outgoing: vec![to],
            turn: Some(self.turn),
            speed_limit_mps: self.speed_limit_mps,
            width_m: self.width_m,
            ring: None,
        });
        lanes[from].outgoing.push(idx);
        lanes[to].incoming.push(idx);
    }
}

#[derive(Debug, Clone)]
pub struct LaneGraph {
    pub lanes: Vec<LaneInfo>,
    /// Index of the first connector (lanes come first).
    pub first_connector: usize,
}

impl LaneGraph {
    pub fn build(town: &Town) -> Result<LaneGraph, SceneError> {
        let loc = town.spec.location.as_str();
        let w = town.spec.lane_width_m;
        let side = town.drive_side();
        let mut lanes = Vec::new();
        // lane_of[road][forward as usize][k]
        let mut lane_of: Vec<[Vec<usize>; 2]> = Vec::new();
        for (ri, road) in town.roads.iter().enumerate() {
            let mut per = [Vec::new(), Vec::new()];
            for forward in [true, false] {
                for k in 0..road.lanes {
                    let offset = side * (k as f64 + 0.5) * w;
                    per[forward as usize].push(lanes.len());
                    lanes.push(LaneInfo {
                        token: token(&[
                            loc,
                            "lane",
                            &ri.to_string(),
                            &forward.to_string(),
                            &k.to_string(),
                        ]),
                        is_connector: false,
                        owner: ri,
                        forward,
                        index: k,
                        chain: town.offset_chain(road, forward, offset),
                        incoming: vec![],
                        outgoing: vec![],
                        turn: None,
                        speed_limit_mps: road.speed_limit_mps,
                        width_m: w,
                        ring: None,
                    });
                }
            }
            lane_of.push(per);
        }
        let first_connector = lanes.len();
        let near = if town.spec.left_hand_traffic {
            Command::Left
        } else {
            Command::Right
        };
        for (ji, junction) in town.junctions.iter().enumerate() {
            // Incoming and outgoing lanes per arm.
            let arm_lanes = |arm: usize, incoming: bool| -> Vec<usize> {
                match junction.arms[arm] {
                    None => vec![],
                    // A road starting here is entered forward and left backward.
                    Some((ri, starts_here)) => {
                        lane_of[ri][(starts_here != incoming) as usize].clone()
                    }
                }
            };
            let turn_of = |a: usize, b: usize| match (b + 4 - a) % 4 {
                1 => Some(Command::Right),
                2 => Some(Command::Straight),
                3 => Some(Command::Left),
                _ => None,
            };
            if junction.ring_radius_m.is_some() {
                build_roundabout(town, ji, &arm_lanes, &mut lanes)?;
                continue;
            }
            let mut pairs: Vec<(usize, usize, Command)> = Vec::new();
            for a in 0..4 {
                let ins = arm_lanes(a, true);
                for b in 0..4 {
                    let outs = arm_lanes(b, false);
                    let Some(turn) = turn_of(a, b) else { continue };
                    if ins.is_empty() || outs.is_empty() {
                        continue;
                    }
                    let (ni, no) = (ins.len(), outs.len());
                    if turn == Command::Straight {
                        for k in 0..ni.min(no) {
                            pairs.push((ins[k], outs[k], turn));
                        }
                    } else if turn == near {
                        pairs.push((ins[ni - 1], outs[no - 1], turn));
                    } else if ni >= 2 && no >= 2 {
                        pairs.push((ins[0], outs[0], turn));
                        pairs.push((ins[1], outs[1], turn));
                    } else {
                        pairs.push((ins[0], outs[0], turn));
                    }
                }
            }
            // Fix-ups: no dead ends, no unreachable lanes.
            for a in 0..4 {
                let ins = arm_lanes(a, true);
                for (k, &lane) in ins.iter().enumerate() {
                    if pairs.iter().any(|p| p.0 == lane) {
                        continue;
                    }
                    // Straight first, then the turn on the lane's side of the road.
                    let near_arm = if near == Command::Right {
                        (a + 1) % 4
                    } else {
                        (a + 3) % 4
                    };
                    let far_arm = (near_arm + 2) % 4;
                    let turns = if 2 * k >= ins.len() {
                        [near_arm, far_arm]
                    } else {
                        [far_arm, near_arm]
                    };
                    for b in [(a + 2) % 4, turns[0], turns[1]] {
                        let outs = arm_lanes(b, false);
                        if let (false, Some(turn)) = (outs.is_empty(), turn_of(a, b)) {
                            pairs.push((lane, outs[k.min(outs.len() - 1)], turn));
                            break;
                        }
                    }
                }
                let outs = arm_lanes(a, false);
                for (k, &lane) in outs.iter().enumerate() {
                    if pairs.iter().any(|p| p.1 == lane) {
                        continue;
                    }
                    // Straight first, then the arm whose turn ends on the lane's side.
                    let near_src = if near == Command::Right {
                        (a + 3) % 4
                    } else {
                        (a + 1) % 4
                    };
                    let far_src = (near_src + 2) % 4;
                    let srcs = if 2 * k >= outs.len() {
                        [near_src, far_src]
                    } else {
                        [far_src, near_src]
                    };
                    for b in [(a + 2) % 4, srcs[0], srcs[1]] {
                        let ins = arm_lanes(b, true);
                        if let (false, Some(turn)) = (ins.is_empty(), turn_of(b, a)) {
                            pairs.push((ins[k.min(ins.len() - 1)], lane, turn));
                            break;
                        }
                    }
                }
            }
            for (from, to, turn) in pairs {
                let a = lanes[from].chain.pose_at(f64::INFINITY);
                let b = lanes[to].chain.pose_at(0.0);
                let path = arcline::connect(a, b).ok_or_else(|| {
                    SceneError::Other(format!(
                        "synthetic town {loc}: junction {ji}: no arcline shape joins lane {} to lane {}",
                        lanes[from].token, lanes[to].token
                    ))
                })?;
                let speed = lanes[from].speed_limit_mps.min(lanes[to].speed_limit_mps);
                let connector = Connector {
                    junction: ji,
                    from,
                    to,
                    turn,
                    speed_limit_mps: speed,
                    width_m: w,
                };
                connector.push(&mut lanes, loc, path);
            }
        }
        Ok(LaneGraph {
            lanes,
            first_connector,
        })
    }
}

/// A single-lane roundabout: ring lanes between consecutive entry and exit points (counter-
/// clockwise in right-hand traffic, clockwise in left-hand traffic), Dubins connectors from
/// every incoming arm lane onto the ring and from the ring onto every outgoing arm lane.
fn build_roundabout(
    town: &Town,
    ji: usize,
    arm_lanes: &dyn Fn(usize, bool) -> Vec<usize>,
    lanes: &mut Vec<LaneInfo>,
) -> Result<(), SceneError> {
    use std::f64::consts::{FRAC_PI_2, TAU};
    let loc = town.spec.location.as_str();
    let junction = &town.junctions[ji];
    let radius = junction.ring_radius_m.expect("called for roundabouts only");
    let c = junction.center;
    let w = town.spec.lane_width_m;
    // Travel direction around the ring: +1 counter-clockwise.
    let sigma = if town.spec.left_hand_traffic {
        -1.0
    } else {
        1.0
    };
    let near = if town.spec.left_hand_traffic {
        Command::Left
    } else {
        Command::Right
    };
    // Ring points: (angle, arm, is_entry), sorted along the travel direction.
    let mut points: Vec<(f64, usize, bool)> = Vec::new();
    for a in 0..4 {
        if junction.arms[a].is_some() {
            let axis = a as f64 * FRAC_PI_2;
            points.push((
                (axis + sigma * RING_ENTRY_OFFSET_RAD).rem_euclid(TAU),
                a,
                true,
            ));
            points.push((
                (axis - sigma * RING_ENTRY_OFFSET_RAD).rem_euclid(TAU),
                a,
                false,
            ));
        }
    }
    points.sort_by(|p, q| {
        (sigma * p.0)
            .rem_euclid(TAU)
            .total_cmp(&(sigma * q.0).rem_euclid(TAU))
    });
    let ring_pose = |angle: f64| -> arcline::Pose2 {
        [
            c.x + radius * angle.cos(),
            c.y + radius * angle.sin(),
            angle + sigma * FRAC_PI_2,
        ]
    };
    // Ring lanes: piece i runs from point i to point i + 1.
    let first_ring = lanes.len();
    let n = points.len();
    for i in 0..n {
        let (a0, _, _) = points[i];
        let (a1, _, _) = points[(i + 1) % n];
        let sweep = (sigma * (a1 - a0)).rem_euclid(TAU);
        lanes.push(LaneInfo {
            token: token(&[loc, "ring", &ji.to_string(), &i.to_string()]),
            is_connector: false,
            owner: ji,
            forward: true,
            index: 0,
            chain: Chain::new(vec![arcline::arc(ring_pose(a0), radius, sigma * sweep)]),
            incoming: vec![],
            outgoing: vec![],
            turn: None,
            speed_limit_mps: RING_SPEED_MPS,
            width_m: w,
            ring: Some(ji),
        });
    }
    for i in 0..n {
        let (from, to) = (first_ring + i, first_ring + (i + 1) % n);
        lanes[from].outgoing.push(to);
        lanes[to].incoming.push(from);
    }
    let add_connector = |lanes: &mut Vec<LaneInfo>,
                         from: usize,
                         to: usize,
                         a: arcline::Pose2,
                         b: arcline::Pose2|
     -> Result<(), SceneError> {
        // The widest turn whose path is not much longer than the chord (no loops).
        let chord = (a[0] - b[0]).hypot(a[1] - b[1]);
        let path = RING_CONNECTOR_RADII_M
            .iter()
            .filter_map(|&r| arcline::dubins_csc(a, b, r))
            .find(|p| p.length_m() <= 1.25 * chord)
            .ok_or_else(|| {
                SceneError::Other(format!(
                    "synthetic town {loc}: roundabout {ji}: no path joins {} to {}",
                    lanes[from].token, lanes[to].token
                ))
            })?;
        let connector = Connector {
            junction: ji,
            from,
            to,
            turn: near,
            speed_limit_mps: RING_SPEED_MPS,
            width_m: w,
        };
        connector.push(lanes, loc, path);
        Ok(())
    };
    for (i, &(angle, arm, is_entry)) in points.iter().enumerate() {
        if is_entry {
            // Onto the ring piece that starts here.
            for lane in arm_lanes(arm, true) {
                let a = lanes[lane].chain.pose_at(f64::INFINITY);
                add_connector(lanes, lane, first_ring + i, a, ring_pose(angle))?;
            }
        } else {
            // Off the ring piece that ends here.
            let piece = first_ring + (i + n - 1) % n;
            for lane in arm_lanes(arm, false) {
                let b = lanes[lane].chain.pose_at(0.0);
                add_connector(lanes, piece, lane, ring_pose(angle), b)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::Location;
    use crate::scene::synth::town::TownSpec;

    /// Lateral offset of a lane from its road centre, left of travel positive.
    fn lateral_m(town: &Town, lane: &LaneInfo) -> f64 {
        let centre = town.offset_chain(&town.roads[lane.owner], lane.forward, 0.0);
        let (p, c) = (lane.chain.pose_at(1.0), centre.pose_at(1.0));
        -(p[0] - c[0]) * c[2].sin() + (p[1] - c[1]) * c[2].cos()
    }

    #[test]
    fn singapore_drives_on_the_left_and_boston_on_the_right() {
        for (location, left) in [
            (Location::SingaporeOnenorth, true),
            (Location::BostonSeaport, false),
        ] {
            let town = Town::build(&TownSpec::for_location(location).expect("town exists"));
            let graph = LaneGraph::build(&town).expect("lane graph builds");
            let sign = if left { 1.0 } else { -1.0 };
            for lane in graph
                .lanes
                .iter()
                .filter(|l| !l.is_connector && l.ring.is_none())
            {
                let d = lateral_m(&town, lane);
                let want = sign * (lane.index as f64 + 0.5) * town.spec.lane_width_m;
                assert!(
                    (d - want).abs() < 1e-9,
                    "{location}: lane {} at {d} m",
                    lane.token
                );
            }
            // Roundabouts run clockwise in left-hand traffic, counter-clockwise otherwise.
            let rings: Vec<&LaneInfo> = graph.lanes.iter().filter(|l| l.ring.is_some()).collect();
            assert!(!rings.is_empty());
            for ring in rings {
                let shape = &ring.chain.paths[0].shape;
                assert_eq!(shape, if left { b"RSR" } else { b"LSL" }, "{location}");
            }
            // Near-side turns (left in Singapore) leave from the kerb half of the road.
            let near = if left { Command::Left } else { Command::Right };
            for c in graph
                .lanes
                .iter()
                .filter(|l| l.turn == Some(near) && l.owner < town.junctions.len())
            {
                let from = &graph.lanes[c.incoming[0]];
                if from.ring.is_none() && town.junctions[c.owner].ring_radius_m.is_none() {
                    let n = town.roads[from.owner].lanes;
                    assert!(
                        2 * from.index + 1 >= n,
                        "{location}: near-side turn from the kerb half: junction {} lane {} of {n} into lane {}",
                        c.owner,
                        from.index,
                        graph.lanes[c.outgoing[0]].index
                    );
                }
            }
        }
    }
}
