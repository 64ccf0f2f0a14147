//! Intelligent Driver Model (Treiber, Hennecke, Helbing 2000) lane following on the lane graph.
//!
//! a = a_max [1 - (v / v0)^delta - (s* / s)^2], s* = s0 + v T + v dv / (2 sqrt(a_max b)),
//! with s the bumper-to-bumper gap to the leader and dv = v - v_leader.
//!
//! A follower sits on a lane centreline at arc length s. At a lane end it moves to a successor
//! chosen by a hash of (episode seed, actor id, lane, hop count): deterministic, and the leader
//! search walks the same chain, so an actor looks ahead along the path it will actually take.
//! A lane without successors is a dead end: the follower treats it as a standing obstacle.
//!
//! Leaders: every entity (ego, replayed, scripted or IDM actor) is registered on the lanes it
//! occupies, with its arc length, half length along the lane and speed along the lane. An IDM
//! actor occupies its own lane; others occupy every lane near them whose centreline lies within
//! `OCCUPY_LATERAL_M` plus their half width. Each follower takes the nearest occupant ahead
//! within its lookahead. Updates are simultaneous: all accelerations from the same state.
//! Known limit: followers on two lanes that merge do not see each other before the merge.

use super::lanes::LaneGraph;
use crate::scene::wrap_angle;
use glam::DVec2;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Lateral distance from a lane centreline (plus the entity's half width) within which an
/// entity blocks that lane: about half a 3.5 m lane minus a margin.
pub const OCCUPY_LATERAL_M: f64 = 1.5;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdmParams {
    pub time_headway_secs: f64,
    pub min_gap_m: f64,
    pub max_accel_mps2: f64,
    pub comfort_decel_mps2: f64,
    pub exponent: f64,
    /// Leader search distance: `lookahead_base_m + lookahead_secs x speed`.
    pub lookahead_base_m: f64,
    pub lookahead_secs: f64,
    /// Hard floor on the deceleration IDM may ask for.
    pub max_decel_mps2: f64,
}

impl Default for IdmParams {
    fn default() -> Self {
        IdmParams {
            time_headway_secs: 1.5,
            min_gap_m: 2.0,
            max_accel_mps2: 1.5,
            comfort_decel_mps2: 2.5,
            exponent: 4.0,
            lookahead_base_m: 30.0,
            lookahead_secs: 4.0,
            max_decel_mps2: 9.0,
        }
    }
}

/// IDM acceleration; `leader` is (gap to it in metres, its speed along our path).
pub fn idm_accel(p: &IdmParams, v: f64, v0: f64, leader: Option<(f64, f64)>) -> f64 {
    let free = if v0 > 0.0 {
        1.0 - (v / v0).powf(p.exponent)
    } else if v > 0.0 {
        // A desired speed of zero means stop: brake comfortably.
        -p.comfort_decel_mps2 / p.max_accel_mps2
    } else {
        0.0
    };
    let interaction = leader.map_or(0.0, |(gap, vl)| {
        let dv = v - vl;
        let s_star = p.min_gap_m
            + (v * p.time_headway_secs
                + v * dv / (2.0 * (p.max_accel_mps2 * p.comfort_decel_mps2).sqrt()))
            .max(0.0);
        let gap = gap.max(0.1);
        (s_star / gap).powi(2)
    });
    (p.max_accel_mps2 * (free - interaction)).max(-p.max_decel_mps2)
}

/// A lane-following actor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LaneFollower {
    pub lane: usize,
    /// Arc length of the box centre on the lane.
    pub s_m: f64,
    pub speed_mps: f64,
    pub desired_speed_mps: f64,
    /// Lanes entered so far (input of the successor hash).
    pub hop: u32,
    /// Hash of the episode seed and actor id.
    pub key: u64,
    /// False until the trigger fires: the actor stands still.
    pub active: bool,
}

/// SplitMix64 finaliser: a fixed, platform-independent mix.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of a string (stable actor keys).
pub fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// The successor a follower with `key` takes from `lane` on its `hop`-th lane change.
pub fn next_lane(graph: &LaneGraph, lane: usize, key: u64, hop: u32) -> Option<usize> {
    let outs = graph.outgoing.get(lane)?;
    if outs.is_empty() {
        return None;
    }
    let h = mix64(key ^ mix64(lane as u64) ^ mix64(hop as u64 ^ 0xA5A5));
    Some(outs[(h % outs.len() as u64) as usize])
}

/// An entity registered on a lane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Occupant {
    pub s_m: f64,
    pub half_len_m: f64,
    /// Speed along the lane direction (negative when moving against it).
    pub speed_mps: f64,
    /// Entity index (actors by index, the ego as `EGO_ENTITY`).
    pub who: usize,
}

pub const EGO_ENTITY: usize = usize::MAX;

/// Which entities sit on which lanes this substep.
#[derive(Debug, Default)]
pub struct Occupancy {
    by_lane: BTreeMap<usize, Vec<Occupant>>,
}

impl Occupancy {
    pub fn add(&mut self, lane: usize, o: Occupant) {
        self.by_lane.entry(lane).or_default().push(o);
    }

    /// Register a free-moving box (centre, yaw, length, width, velocity) on nearby lanes.
    #[allow(clippy::too_many_arguments)]
    pub fn add_box(
        &mut self,
        graph: &LaneGraph,
        who: usize,
        center: DVec2,
        yaw: f64,
        length_m: f64,
        width_m: f64,
        velocity: DVec2,
    ) {
        for &li in graph.lanes_near(center) {
            let Some(line) = graph.line(li) else { continue };
            let pr = line.project(center);
            if pr.distance_m > OCCUPY_LATERAL_M + 0.5 * width_m {
                continue;
            }
            let rel = wrap_angle(yaw - pr.heading_rad);
            let half_len = 0.5 * (length_m * rel.cos().abs() + width_m * rel.sin().abs());
            let dir = DVec2::from_angle(pr.heading_rad);
            self.add(
                li,
                Occupant {
                    s_m: pr.s_m,
                    half_len_m: half_len,
                    speed_mps: velocity.dot(dir),
                    who,
                },
            );
        }
    }

    /// Sort every lane's occupants by arc length (then entity index, for ties).
    pub fn finish(&mut self) {
        for v in self.by_lane.values_mut() {
            v.sort_by(|a, b| a.s_m.total_cmp(&b.s_m).then(a.who.cmp(&b.who)));
        }
    }

    /// The nearest occupant strictly ahead of `s_m` on `lane`, other than `me`.
    fn ahead(&self, lane: usize, s_m: f64, me: usize) -> Option<&Occupant> {
        let v = self.by_lane.get(&lane)?;
        let i = v.partition_point(|o| o.s_m <= s_m);
        v[i..].iter().find(|o| o.who != me)
    }
}

/// Gap and speed of the leader of follower `me` (half length `half_len_m`), searching its
/// lane and its successor chain up to the lookahead; a dead end counts as a standing leader.
pub fn find_leader(
    graph: &LaneGraph,
    occ: &Occupancy,
    f: &LaneFollower,
    me: usize,
    half_len_m: f64,
    params: &IdmParams,
) -> Option<(f64, f64)> {
    let lookahead = params.lookahead_base_m + params.lookahead_secs * f.speed_mps;
    let mut lane = f.lane;
    let mut hop = f.hop;
    let mut first = true;
    // Arc length from the follower's centre to the start of `lane` (after the first lane).
    let mut offset = 0.0;
    for _ in 0..MAX_LANES_AHEAD {
        let from_s = if first { f.s_m } else { f64::NEG_INFINITY };
        if let Some(o) = occ.ahead(lane, from_s, me) {
            let dist = if first { o.s_m - f.s_m } else { offset + o.s_m };
            return Some((dist - half_len_m - o.half_len_m, o.speed_mps));
        }
        let len = graph.line(lane).map_or(0.0, |l| l.length_m());
        let end = if first { len - f.s_m } else { offset + len };
        if end > lookahead {
            return None;
        }
        match next_lane(graph, lane, f.key, hop) {
            Some(next) => {
                offset = end;
                lane = next;
                hop += 1;
                first = false;
            }
            None => return Some((end - half_len_m, 0.0)),
        }
    }
    None
}

/// Bound on the lanes one leader search walks (degenerate chains of empty lanes).
const MAX_LANES_AHEAD: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idm_free_road_and_equilibrium() {
        let p = IdmParams::default();
        assert!((idm_accel(&p, 0.0, 10.0, None) - p.max_accel_mps2).abs() < 1e-12);
        assert!(idm_accel(&p, 10.0, 10.0, None).abs() < 1e-12);
        // Standing leader close ahead: brake.
        assert!(idm_accel(&p, 10.0, 10.0, Some((10.0, 0.0))) < -p.comfort_decel_mps2);
        // Far leader at the same speed: almost free.
        assert!(
            idm_accel(&p, 5.0, 10.0, Some((500.0, 5.0)))
                > 0.9 * p.max_accel_mps2 * (1.0 - 1.0 / 16.0)
        );
    }

    #[test]
    fn successor_choice_is_a_pure_function() {
        assert_eq!(mix64(1), mix64(1));
        assert_ne!(mix64(1), mix64(2));
        assert_eq!(hash_str("car-1"), hash_str("car-1"));
    }
}
