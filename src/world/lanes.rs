//! The lane graph as the simulation uses it: each lane's centreline as a `Polyline`, its
//! successors, and a uniform grid (BTreeMap of cells, deterministic) from a point to the lanes
//! passing within `GRID_MARGIN_M` of it.

use super::route::{Polyline, Projection};
use crate::scene::{MapData, wrap_angle};
use glam::DVec2;
use std::collections::BTreeMap;

const CELL_M: f64 = 20.0;
/// Lanes are registered in every cell within this distance of their centreline.
const GRID_MARGIN_M: f64 = 5.0;

#[derive(Debug, Clone)]
pub struct LaneGraph {
    /// Centreline per lane of `MapData::lanes` (`None` for lanes with fewer than 2 points).
    pub lines: Vec<Option<Polyline>>,
    /// Valid successor indices per lane, in map order.
    pub outgoing: Vec<Vec<usize>>,
    grid: BTreeMap<(i64, i64), Vec<usize>>,
}

fn cell_of(p: DVec2) -> (i64, i64) {
    ((p.x / CELL_M).floor() as i64, (p.y / CELL_M).floor() as i64)
}

impl LaneGraph {
    pub fn new(map: &MapData) -> LaneGraph {
        let n = map.lanes.len();
        let mut lines = Vec::with_capacity(n);
        let mut outgoing = Vec::with_capacity(n);
        let mut grid: BTreeMap<(i64, i64), Vec<usize>> = BTreeMap::new();
        for (li, lane) in map.lanes.iter().enumerate() {
            let pts: Vec<DVec2> = lane.centreline.iter().map(|c| c.xy).collect();
            let line = Polyline::new(&pts).ok();
            if let Some(line) = &line {
                for w in line.points().windows(2) {
                    let lo = w[0].min(w[1]) - DVec2::splat(GRID_MARGIN_M);
                    let hi = w[0].max(w[1]) + DVec2::splat(GRID_MARGIN_M);
                    let (c0, c1) = (cell_of(lo), cell_of(hi));
                    for cx in c0.0..=c1.0 {
                        for cy in c0.1..=c1.1 {
                            let cell = grid.entry((cx, cy)).or_default();
                            if cell.last() != Some(&li) {
                                cell.push(li);
                            }
                        }
                    }
                }
            }
            lines.push(line);
            outgoing.push(lane.outgoing.iter().copied().filter(|&o| o < n).collect());
        }
        // A lane may revisit a cell after leaving it: keep each cell's list sorted and unique.
        for cell in grid.values_mut() {
            cell.sort_unstable();
            cell.dedup();
        }
        LaneGraph {
            lines,
            outgoing,
            grid,
        }
    }

    /// Lanes whose centreline passes within about `GRID_MARGIN_M` of `p` (a superset), sorted.
    pub fn lanes_near(&self, p: DVec2) -> &[usize] {
        self.grid.get(&cell_of(p)).map_or(&[], |v| v.as_slice())
    }

    pub fn line(&self, lane: usize) -> Option<&Polyline> {
        self.lines.get(lane).and_then(|l| l.as_ref())
    }

    /// The nearest lane within `max_dist_m` whose heading at the projection is within
    /// `max_yaw_diff_rad` of `yaw`; ties go to the lower index.
    pub fn nearest_aligned(
        &self,
        p: DVec2,
        yaw: f64,
        max_dist_m: f64,
        max_yaw_diff_rad: f64,
    ) -> Option<(usize, Projection)> {
        let mut best: Option<(usize, Projection)> = None;
        for &li in self.lanes_near(p) {
            let Some(line) = self.line(li) else { continue };
            let pr = line.project(p);
            if pr.distance_m > max_dist_m
                || wrap_angle(pr.heading_rad - yaw).abs() > max_yaw_diff_rad
            {
                continue;
            }
            if best.as_ref().is_none_or(|b| pr.distance_m < b.1.distance_m) {
                best = Some((li, pr));
            }
        }
        best
    }
}
