//! HUGSIM's HD-Score (METRICS.md; HUGSIM `sim/utils/score_calculator.py`), per decision step
//! and per episode.
//!
//! At a decision step the planned trajectory is the current ego pose followed by the plan's
//! waypoints, global, `plan_dt_secs` apart. Index `i` of the plan is time `i * plan_dt_secs`
//! from now; `actor_boxes[i]` holds every actor and obstacle box predicted for that time (poses
//! past the end of `actor_boxes` use its last entry, as HUGSIM does).
//!
//! - NC: 0 if the ego box at any plan pose overlaps (touching counts) any box of the same index.
//! - DAC: the ego footprint is split into a [`DacGrid`] of equal cells; a cell is inside when its
//!   centre lies in (or on the boundary of) a drivable polygon. Share = inside / cells, exactly
//!   (compared as integers: share < 0.3 iff `10 * inside < 3 * cells`). Any pose with share < 0.3
//!   gives 0, else any with share < 0.5 gives 0.5, else 1.
//! - TTC: every plan pose moved forward along its own heading by `ego_speed_mps * 0.5 s`, then by
//!   `ego_speed_mps * 1.0 s`, and the NC check repeated on each shifted plan; any hit gives 0.
//!   (HUGSIM shifts by each pose's finite-difference velocity instead; METRICS.md says ego speed.)
//! - COM: [`ComfortBounds::HUGSIM`] over [`Kinematics::from_poses`] of the plan.
//! - score = NC * DAC * (5 TTC + 2 COM) / 7.
//!
//! Like HUGSIM, when the plan's last pose is under 1 m from its first, every pose takes the first
//! pose's heading before any check (a stopped car's plan has meaningless headings).
//!
//! Non-finite input (a NaN pose, speed, box or shape) gives all-zero scores with
//! [`StepScores::non_finite_input`] set, never a panic; the accumulator counts such steps.

use super::comfort::{ComfortBounds, Kinematics};
use super::{EgoShape, in_any_polygon, obb_is_finite, pose_is_finite};
use crate::geometry::{Obb, Pose2, obb_overlap};
use crate::scene::Polygon;
use glam::DVec2;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// TTC look-ahead times: the plan is shifted by ego speed times each of these.
pub const TTC_SHIFT_SECS: [f64; 2] = [0.5, 1.0];
/// Below this first-to-last displacement a plan counts as stationary (HUGSIM: 1 m).
pub const STATIONARY_PLAN_DISPLACEMENT_M: f64 = 1.0;

/// How the ego footprint is split into cells for DAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DacGrid {
    /// Cells along the heading (length split evenly).
    pub along: usize,
    /// Cells across the heading (width split evenly).
    pub across: usize,
}

impl DacGrid {
    /// HUGSIM's grid: the footprint split 2 x 2 (four cells of length/2 x width/2). HUGSIM counts
    /// a cell when any drivable ground point falls in it; we test the cell centre. With four
    /// cells the share is a multiple of 0.25, so the 0.5 tier never occurs (0.25 -> 0, 0.5 -> 1).
    pub const HUGSIM: DacGrid = DacGrid {
        along: 2,
        across: 2,
    };

    /// Cells of at most `cell_m` x `cell_m`: `ceil(length / cell_m)` along and
    /// `ceil(width / cell_m)` across, each side split evenly (the nuScenes car, 4.084 x 1.730 m,
    /// gets 3 x 1 cells at 2 m). Non-finite or non-positive sizes give a single cell.
    pub fn with_cell_size(ego: &EgoShape, cell_m: f64) -> DacGrid {
        let count = |side_m: f64| {
            let n = (side_m / cell_m).ceil();
            if n.is_finite() && n >= 1.0 {
                n as usize
            } else {
                1
            }
        };
        DacGrid {
            along: count(ego.length_m),
            across: count(ego.width_m),
        }
    }

    /// Number of cells (each count at least 1).
    pub fn cells(&self) -> usize {
        self.along.max(1) * self.across.max(1)
    }

    /// Cell centres in the box frame (origin at the box centre, x along the heading).
    pub fn cell_centres_local(&self, ego: &EgoShape) -> Vec<DVec2> {
        let (na, nc) = (self.along.max(1), self.across.max(1));
        let mut out = Vec::with_capacity(na * nc);
        for i in 0..na {
            let x = ego.length_m * (-0.5 + (i as f64 + 0.5) / na as f64);
            for j in 0..nc {
                let y = ego.width_m * (-0.5 + (j as f64 + 0.5) / nc as f64);
                out.push(DVec2::new(x, y));
            }
        }
        out
    }
}

/// HUGSIM's 2 x 2 grid, the paper's choice.
impl Default for DacGrid {
    fn default() -> Self {
        DacGrid::HUGSIM
    }
}

/// Everything one decision step is scored on.
#[derive(Debug, Clone, Copy)]
pub struct StepInput<'a> {
    /// Spacing of plan poses (0.5 s).
    pub plan_dt_secs: f64,
    /// Current ego speed (signed, along the heading).
    pub ego_speed_mps: f64,
    pub ego: EgoShape,
    /// Index 0 = current ego rear-axle pose, then the plan waypoints; global frame.
    pub plan: &'a [Pose2],
    /// For each plan index, every actor/obstacle box predicted at that time.
    pub actor_boxes: &'a [Vec<Obb>],
    /// Drivable-area polygons (union).
    pub drivable: &'a [Polygon],
    /// Footprint cells for DAC: [`DacGrid::HUGSIM`] (the default) or
    /// [`DacGrid::with_cell_size`] for cells of at most 2 x 2 m.
    pub dac_grid: DacGrid,
}

/// The HD-Score terms of one decision step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StepScores {
    pub nc: f64,
    pub dac: f64,
    pub ttc: f64,
    pub com: f64,
    pub score: f64,
    /// Smallest drivable share of the footprint over the plan poses (diagnostic).
    pub min_drivable_share: f64,
    /// Input had a NaN or infinity (or an empty plan); every score is 0.
    pub non_finite_input: bool,
}

impl StepScores {
    fn invalid() -> StepScores {
        StepScores {
            nc: 0.0,
            dac: 0.0,
            ttc: 0.0,
            com: 0.0,
            score: 0.0,
            min_drivable_share: 0.0,
            non_finite_input: true,
        }
    }
}

fn input_is_valid(input: &StepInput) -> bool {
    !input.plan.is_empty()
        && input.plan_dt_secs.is_finite()
        && input.plan_dt_secs > 0.0
        && input.ego_speed_mps.is_finite()
        && input.ego.is_finite()
        && input.plan.iter().all(pose_is_finite)
        && input.actor_boxes.iter().flatten().all(obb_is_finite)
}

/// Boxes predicted for plan index `i` (the last entry past the end; none if there are none).
fn boxes_at(actor_boxes: &[Vec<Obb>], i: usize) -> &[Obb] {
    actor_boxes
        .get(i)
        .or(actor_boxes.last())
        .map_or(&[], |v| v.as_slice())
}

/// Whether the ego box at any pose, moved `shift_m` along that pose's heading, touches a box
/// predicted for the same index.
pub fn plan_collides(
    plan: &[Pose2],
    ego: &EgoShape,
    actor_boxes: &[Vec<Obb>],
    shift_m: f64,
) -> bool {
    plan.iter().enumerate().any(|(i, pose)| {
        let shifted = Pose2 {
            xy: pose.xy + DVec2::from_angle(pose.yaw) * shift_m,
            yaw: pose.yaw,
        };
        let ego_box = ego.box_at(&shifted);
        boxes_at(actor_boxes, i)
            .iter()
            .any(|b| obb_overlap(&ego_box, b))
    })
}

/// Number of grid cells of the ego footprint at `pose` whose centre is drivable.
pub fn drivable_cells(pose: &Pose2, ego: &EgoShape, grid: &DacGrid, drivable: &[Polygon]) -> usize {
    let centre = ego.box_at(pose);
    let frame = Pose2 {
        xy: centre.center,
        yaw: pose.yaw,
    };
    grid.cell_centres_local(ego)
        .into_iter()
        .filter(|c| in_any_polygon(frame.transform_point(*c), drivable))
        .count()
}

/// DAC tier of one pose from an exact share `inside / cells`.
fn dac_tier(inside: usize, cells: usize) -> f64 {
    if 10 * inside < 3 * cells {
        0.0
    } else if 2 * inside < cells {
        0.5
    } else {
        1.0
    }
}

/// The HD-Score terms of one decision step (see the module docs).
pub fn hd_step_scores(input: &StepInput) -> StepScores {
    if !input_is_valid(input) {
        return StepScores::invalid();
    }
    let plan = stationary_fix(input.plan);
    let ego = &input.ego;

    let nc = if plan_collides(&plan, ego, input.actor_boxes, 0.0) {
        0.0
    } else {
        1.0
    };

    let cells = input.dac_grid.cells();
    let mut dac: f64 = 1.0;
    let mut min_share: f64 = 1.0;
    for pose in plan.iter() {
        let inside = drivable_cells(pose, ego, &input.dac_grid, input.drivable);
        min_share = min_share.min(inside as f64 / cells as f64);
        dac = dac.min(dac_tier(inside, cells));
    }

    let ttc = if TTC_SHIFT_SECS
        .iter()
        .any(|t| plan_collides(&plan, ego, input.actor_boxes, input.ego_speed_mps * t))
    {
        0.0
    } else {
        1.0
    };

    let kinematics = Kinematics::from_poses(&plan, input.plan_dt_secs);
    let com = if ComfortBounds::HUGSIM.check(&kinematics).all() {
        1.0
    } else {
        0.0
    };

    StepScores {
        nc,
        dac,
        ttc,
        com,
        score: nc * dac * (5.0 * ttc + 2.0 * com) / 7.0,
        min_drivable_share: min_share,
        non_finite_input: false,
    }
}

/// HUGSIM's stationary-plan rule: headings all set to the first when the plan barely moves.
fn stationary_fix(plan: &[Pose2]) -> Cow<'_, [Pose2]> {
    match (plan.first(), plan.last()) {
        (Some(first), Some(last))
            if first.xy.distance(last.xy) < STATIONARY_PLAN_DISPLACEMENT_M =>
        {
            Cow::Owned(
                plan.iter()
                    .map(|p| Pose2 {
                        xy: p.xy,
                        yaw: first.yaw,
                    })
                    .collect(),
            )
        }
        _ => Cow::Borrowed(plan),
    }
}

/// Route completion: furthest progress along the route over 0.9 x its length, in [0, 1].
/// A route of no length (`route_length_m <= 0`) is complete (1); a NaN input gives 0.
pub fn route_completion(progress_m: f64, route_length_m: f64) -> f64 {
    if progress_m.is_nan() || route_length_m.is_nan() {
        return 0.0;
    }
    if route_length_m <= 0.0 {
        return 1.0;
    }
    (progress_m / (0.9 * route_length_m)).clamp(0.0, 1.0)
}

/// Episode HD-Score: means of the step terms, and RC x mean step score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HdScore {
    pub rc: f64,
    pub nc: f64,
    pub dac: f64,
    pub ttc: f64,
    pub com: f64,
    pub score_mean: f64,
    pub hd_score: f64,
    /// Decision steps behind the means (0: every mean and the HD-Score are 0).
    pub n_steps: usize,
    /// Steps scored 0 for non-finite input (included in `n_steps`).
    pub n_invalid_steps: usize,
}

/// Sums step scores over an episode.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct HdScoreAccumulator {
    n_steps: usize,
    n_invalid_steps: usize,
    sum_nc: f64,
    sum_dac: f64,
    sum_ttc: f64,
    sum_com: f64,
    sum_score: f64,
}

impl HdScoreAccumulator {
    pub fn new() -> HdScoreAccumulator {
        HdScoreAccumulator::default()
    }

    pub fn push(&mut self, s: &StepScores) {
        self.n_steps += 1;
        self.n_invalid_steps += usize::from(s.non_finite_input);
        self.sum_nc += s.nc;
        self.sum_dac += s.dac;
        self.sum_ttc += s.ttc;
        self.sum_com += s.com;
        self.sum_score += s.score;
    }

    pub fn n_steps(&self) -> usize {
        self.n_steps
    }

    /// Close the episode with its route completion `rc` (from [`route_completion`]).
    /// An episode without steps scores 0 everywhere except `rc`.
    pub fn finish(&self, rc: f64) -> HdScore {
        let mean = |sum: f64| {
            if self.n_steps == 0 {
                0.0
            } else {
                sum / self.n_steps as f64
            }
        };
        let score_mean = mean(self.sum_score);
        let rc = if rc.is_nan() { 0.0 } else { rc.clamp(0.0, 1.0) };
        HdScore {
            rc,
            nc: mean(self.sum_nc),
            dac: mean(self.sum_dac),
            ttc: mean(self.sum_ttc),
            com: mean(self.sum_com),
            score_mean,
            hd_score: rc * score_mean,
            n_steps: self.n_steps,
            n_invalid_steps: self.n_invalid_steps,
        }
    }
}

#[cfg(test)]
#[path = "hd_score_tests.rs"]
mod tests;
