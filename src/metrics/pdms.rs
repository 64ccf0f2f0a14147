//! NAVSIM's PDM Score, v1 (Dauner et al., NeurIPS 2024 datasets track; METRICS.md), for a set
//! of proposals scored together (EP is relative to the best of them).
//!
//! The caller simulates every proposal (NAVSIM: 4 s, LQR-tracked, 10 Hz) and passes the ego
//! states at a fixed `dt_secs`, index 0 = now, with the non-reactive actor boxes at the same
//! times. Then, per proposal:
//!
//! - NC (at-fault collisions, nuPlan's classification): each object touched at time i counts
//!   once (by id). No fault when the ego is stopped (|speed| < 5e-3 m/s), nor when a moving
//!   object is behind (its centre more than 150 deg off the ego heading, seen from the rear
//!   axle). At fault when the object is stopped or static, when it touches the ego's front edge,
//!   or (lateral contact) when the ego is partly off the drivable area. An at-fault collision
//!   with an agent gives 0, with a static object 0.5 (minimum over the horizon).
//!   NAVSIM also blames lateral contact when the ego straddles lanes; we have no lane input
//!   here, so that clause is missing (lateral contact inside the drivable area is not blamed).
//! - DAC: 0 if any corner of the ego box leaves the drivable polygons at any time, else 1.
//! - EP: progress along `centreline` (arc length of the last sample's projection minus the
//!   first's, at least 0) times NC * DAC, divided by the largest such product over proposals
//!   and clipped to [0, 1]; all 1 when that largest is not above 5 m (NAVSIM's rule, so a
//!   proposal with NC 0.5 gets at most EP 0.5).
//! - TTC: for every time i with |speed| >= 5e-3 m/s and every offset 0, 0.3, 0.6, 0.9 s inside
//!   the horizon, the ego box at i moved speed x offset along its heading is checked against the
//!   objects at time i + offset (objects already collided with are ignored); a hit counts when
//!   the object is ahead (within 30 deg of the heading) or when the ego is off the drivable area
//!   and the object is not behind. Any hit gives 0.
//! - C: [`ComfortBounds::NAVSIM`] over [`Kinematics::from_samples`] (NAVSIM filters with a
//!   Savitzky-Golay window first; we difference the simulated speeds directly).
//! - PDMS = NC * DAC * (5 EP + 5 TTC + 2 C) / 12.
//!
//! Input with a NaN or infinity is rejected with [`MetricsError`].

use super::comfort::{ComfortBounds, Kinematics};
use super::{EgoShape, MetricsError, in_any_polygon, obb_is_finite, pose_is_finite};
use crate::geometry::{Obb, Pose2, obb_overlap};
use crate::scene::Polygon;
use crate::scene::model::wrap_angle;
use glam::DVec2;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// TTC look-ahead offsets.
pub const TTC_OFFSETS_SECS: [f64; 4] = [0.0, 0.3, 0.6, 0.9];
/// Speeds below this count as stopped.
pub const STOPPED_SPEED_MPS: f64 = 5e-3;
/// EP is 1 for everyone when no proposal progresses further than this.
pub const EP_MIN_BEST_PROGRESS_M: f64 = 5.0;
/// An object further than this off the ego heading is behind.
pub const BEHIND_ANGLE_RAD: f64 = 150.0 * std::f64::consts::PI / 180.0;
/// An object within this of the ego heading is ahead.
pub const AHEAD_ANGLE_RAD: f64 = 30.0 * std::f64::consts::PI / 180.0;

/// One simulated ego state.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EgoSample {
    /// Rear-axle pose, global.
    pub pose: Pose2,
    /// Signed speed along the heading.
    pub speed_mps: f64,
}

/// An actor or obstacle at one time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PdmsObject {
    /// Stable across times (a collision with it counts once).
    pub id: u64,
    pub obb: Obb,
    pub velocity_mps: DVec2,
    /// Static object (cone, barrier...): an at-fault collision costs 0.5 instead of 0.
    pub is_static: bool,
}

/// Proposals and their surroundings, all sampled every `dt_secs`.
#[derive(Debug, Clone, Copy)]
pub struct PdmsInput<'a> {
    pub dt_secs: f64,
    pub ego: EgoShape,
    /// Each proposal's simulated states; index 0 = now.
    pub proposals: &'a [Vec<EgoSample>],
    /// Objects at each time index; at least as long as the longest proposal.
    pub objects: &'a [Vec<PdmsObject>],
    pub drivable: &'a [Polygon],
    /// Route centreline for progress.
    pub centreline: &'a [DVec2],
}

/// PDMS and its terms for one proposal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PdmsScore {
    pub nc: f64,
    pub dac: f64,
    pub ep: f64,
    pub ttc: f64,
    pub comfort: f64,
    /// Raw progress along the centreline, metres (>= 0).
    pub progress_m: f64,
    pub score: f64,
}

/// Arc length of the point of `polyline` closest to `p` (first closest on ties; 0 for fewer
/// than two points).
pub fn project_on_polyline_m(polyline: &[DVec2], p: DVec2) -> f64 {
    let Some((i, t, _)) = crate::geometry::nearest_on_segments(polyline, p, 0, polyline.len())
    else {
        return 0.0;
    };
    let s0: f64 = polyline[..=i]
        .windows(2)
        .map(|w| (w[1] - w[0]).length_squared().sqrt())
        .sum();
    s0 + t * (polyline[i + 1] - polyline[i]).length_squared().sqrt()
}

/// Progress from `from` to `to` along `polyline`, metres (negative when going backwards).
pub fn progress_along_polyline_m(polyline: &[DVec2], from: DVec2, to: DVec2) -> f64 {
    project_on_polyline_m(polyline, to) - project_on_polyline_m(polyline, from)
}

/// Angle of `target` seen from `pose`, relative to its heading, in (-pi, pi].
fn bearing(pose: &Pose2, target: DVec2) -> f64 {
    let d = target - pose.xy;
    wrap_angle(d.y.atan2(d.x) - pose.yaw)
}

fn validate(input: &PdmsInput) -> Result<(), MetricsError> {
    if !(input.dt_secs.is_finite() && input.dt_secs > 0.0) {
        return Err(MetricsError::InvalidDt {
            field: "PdmsInput::dt_secs",
            dt_secs: input.dt_secs,
        });
    }
    if !input.ego.is_finite() {
        return Err(MetricsError::NonFinite {
            field: "PdmsInput::ego",
            index: 0,
        });
    }
    for (index, p) in input.proposals.iter().enumerate() {
        if !p
            .iter()
            .all(|s| pose_is_finite(&s.pose) && s.speed_mps.is_finite())
        {
            return Err(MetricsError::NonFinite {
                field: "PdmsInput::proposals",
                index,
            });
        }
    }
    for (index, objs) in input.objects.iter().enumerate() {
        if !objs
            .iter()
            .all(|o| obb_is_finite(&o.obb) && o.velocity_mps.is_finite())
        {
            return Err(MetricsError::NonFinite {
                field: "PdmsInput::objects",
                index,
            });
        }
    }
    if let Some(index) = input.centreline.iter().position(|p| !p.is_finite()) {
        return Err(MetricsError::NonFinite {
            field: "PdmsInput::centreline",
            index,
        });
    }
    let longest = input.proposals.iter().map(Vec::len).max().unwrap_or(0);
    if input.objects.len() < longest {
        return Err(MetricsError::LengthMismatch {
            field: "PdmsInput::objects",
            got: input.objects.len(),
            expected: longest,
        });
    }
    Ok(())
}

/// Terms of one proposal before EP normalisation.
struct Raw {
    nc: f64,
    dac: f64,
    ttc: f64,
    comfort: f64,
    progress_m: f64,
}

fn off_road(ego_box: &Obb, drivable: &[Polygon]) -> bool {
    ego_box
        .corners()
        .iter()
        .any(|c| !in_any_polygon(*c, drivable))
}

fn score_proposal(input: &PdmsInput, samples: &[EgoSample]) -> Raw {
    let ego = &input.ego;
    let boxes: Vec<Obb> = samples.iter().map(|s| ego.box_at(&s.pose)).collect();
    let offroad: Vec<bool> = boxes.iter().map(|b| off_road(b, input.drivable)).collect();
    let dac = if offroad.iter().any(|o| *o) { 0.0 } else { 1.0 };

    // NC with nuPlan's fault rules.
    let mut nc: f64 = 1.0;
    let mut collided = BTreeSet::new();
    for (i, (s, ego_box)) in samples.iter().zip(&boxes).enumerate() {
        let front_edge = Obb::new(
            s.pose.transform_point(DVec2::new(
                ego.rear_axle_to_center_m + 0.5 * ego.length_m,
                0.0,
            )),
            s.pose.yaw,
            0.0,
            ego.width_m,
        );
        for obj in &input.objects[i] {
            if collided.contains(&obj.id) || !obb_overlap(ego_box, &obj.obb) {
                continue;
            }
            collided.insert(obj.id);
            if s.speed_mps.abs() < STOPPED_SPEED_MPS {
                continue; // stopped ego
            }
            let obj_stopped = obj.is_static || obj.velocity_mps.length() < STOPPED_SPEED_MPS;
            let at_fault = obj_stopped
                || (bearing(&s.pose, obj.obb.center).abs() <= BEHIND_ANGLE_RAD
                    && (obb_overlap(&front_edge, &obj.obb) || offroad[i]));
            if at_fault {
                nc = nc.min(if obj.is_static { 0.5 } else { 0.0 });
            }
        }
    }

    // TTC.
    let mut ttc = 1.0;
    'time: for (i, s) in samples.iter().enumerate() {
        if s.speed_mps.abs() < STOPPED_SPEED_MPS {
            continue;
        }
        for offset in TTC_OFFSETS_SECS {
            let j = i + (offset / input.dt_secs).round() as usize;
            if j >= samples.len() {
                break;
            }
            let shifted = Pose2 {
                xy: s.pose.xy + DVec2::from_angle(s.pose.yaw) * (s.speed_mps * offset),
                yaw: s.pose.yaw,
            };
            let ego_box = ego.box_at(&shifted);
            for obj in &input.objects[j] {
                if collided.contains(&obj.id) || !obb_overlap(&ego_box, &obj.obb) {
                    continue;
                }
                let b = bearing(&s.pose, obj.obb.center).abs();
                if b <= AHEAD_ANGLE_RAD || (offroad[i] && b <= BEHIND_ANGLE_RAD) {
                    ttc = 0.0;
                    break 'time;
                }
            }
        }
    }

    let poses: Vec<Pose2> = samples.iter().map(|s| s.pose).collect();
    let speeds: Vec<f64> = samples.iter().map(|s| s.speed_mps).collect();
    let comfort = if ComfortBounds::NAVSIM
        .check(&Kinematics::from_samples(&poses, &speeds, input.dt_secs))
        .all()
    {
        1.0
    } else {
        0.0
    };

    let progress_m = match (samples.first(), samples.last()) {
        (Some(a), Some(b)) => {
            progress_along_polyline_m(input.centreline, a.pose.xy, b.pose.xy).max(0.0)
        }
        _ => 0.0,
    };
    Raw {
        nc,
        dac,
        ttc,
        comfort,
        progress_m,
    }
}

/// PDMS of every proposal, in the order given.
pub fn pdms(input: &PdmsInput) -> Result<Vec<PdmsScore>, MetricsError> {
    validate(input)?;
    let raws: Vec<Raw> = input
        .proposals
        .iter()
        .map(|p| score_proposal(input, p))
        .collect();
    let weighted: Vec<f64> = raws.iter().map(|r| r.progress_m * r.nc * r.dac).collect();
    let best = weighted.iter().copied().fold(0.0, f64::max);
    Ok(raws
        .iter()
        .zip(&weighted)
        .map(|(r, w)| {
            let ep = if best > EP_MIN_BEST_PROGRESS_M {
                (w / best).clamp(0.0, 1.0)
            } else {
                1.0
            };
            PdmsScore {
                nc: r.nc,
                dac: r.dac,
                ep,
                ttc: r.ttc,
                comfort: r.comfort,
                progress_m: r.progress_m,
                score: r.nc * r.dac * (5.0 * ep + 5.0 * r.ttc + 2.0 * r.comfort) / 12.0,
            }
        })
        .collect())
}

#[cfg(test)]
#[path = "pdms_tests.rs"]
mod tests;
