//! The lane graph of a town: one lane per road, direction and lane index (a lateral offset of
//! the road centre), and lane connectors through each junction with `arcline_path_3` shapes
//! from `arcline::connect`.
//!
//! Turn rules per junction (near side = left in left-hand traffic, right otherwise): straight
//! from lane k to lane k; the near-side turn from the kerb lane to the kerb lane; the far-side
//! turn from the inner lane to the inner lane, doubled (a two-lane turn) when both roads carry
//! two or more lanes per direction. A fix-up pass then gives every incoming lane at least one
//! way out and every outgoing lane at least one way in, so the graph has no dead ends.

use super::arcline::{self, Chain};
use super::token;
use super::town::Town;
use crate::agent::Command;
use crate::scene::SceneError;

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
                    for b in [(a + 2) % 4, (a + 1) % 4, (a + 3) % 4] {
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
                    for b in [(a + 2) % 4, (a + 3) % 4, (a + 1) % 4] {
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
                let idx = lanes.len();
                let speed = lanes[from].speed_limit_mps.min(lanes[to].speed_limit_mps);
                lanes.push(LaneInfo {
                    token: token(&[
                        loc,
                        "connector",
                        &ji.to_string(),
                        &from.to_string(),
                        &to.to_string(),
                    ]),
                    is_connector: true,
                    owner: ji,
                    forward: true,
                    index: 0,
                    chain: Chain::new(vec![path]),
                    incoming: vec![from],
                    outgoing: vec![to],
                    turn: Some(turn),
                    speed_limit_mps: speed,
                    width_m: w,
                });
                lanes[from].outgoing.push(idx);
                lanes[to].incoming.push(idx);
            }
        }
        Ok(LaneGraph {
            lanes,
            first_connector,
        })
    }
}
