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

/// Lanes within this distance and heading of the route end carry its extension.
const EXTENSION_LANE_MAX_DIST_M: f64 = 3.0;
const EXTENSION_LANE_MAX_YAW_RAD: f64 = std::f64::consts::FRAC_PI_4;

/// The way on past the end of `route`, `length_m` long, starting at the route's last point:
/// along the lane the route ends on (the nearest lane within 3 m and 45 degrees of the end
/// pose) and then its straightest successors; straight along the end heading where no lane
/// continues. Plans that reach past the route end (the last seconds of an episode) follow the
/// road instead of leaving it where it curves.
pub fn route_extension(graph: &LaneGraph, route: &Polyline, length_m: f64) -> Polyline {
    let end_s = route.length_m();
    let end = route.point_at(end_s);
    let yaw = route.heading_at(end_s);
    let mut pts = vec![end];
    let mut acc = 0.0;
    let push = |pts: &mut Vec<DVec2>, acc: &mut f64, p: DVec2| {
        let last = *pts.last().expect("starts with the route end");
        let d = last.distance(p);
        if d > 1e-6 {
            pts.push(p);
            *acc += d;
        }
    };
    if let Some((mut lane, pr)) = graph.nearest_aligned(
        end,
        yaw,
        EXTENSION_LANE_MAX_DIST_M,
        EXTENSION_LANE_MAX_YAW_RAD,
    ) {
        let mut from_s = pr.s_m;
        let mut visited = vec![lane];
        while acc < length_m {
            let Some(line) = graph.line(lane) else { break };
            let mut s = from_s + 1.0;
            while s < line.length_m() && acc < length_m {
                push(&mut pts, &mut acc, line.point_at(s));
                s += 1.0;
            }
            if acc >= length_m {
                break;
            }
            push(&mut pts, &mut acc, line.point_at(line.length_m()));
            let out_yaw = line.heading_at(line.length_m());
            // The straightest successor (ties to the lower index), each lane at most once.
            let next = graph.outgoing[lane]
                .iter()
                .copied()
                .filter(|n| !visited.contains(n))
                .filter_map(|n| {
                    let l = graph.line(n)?;
                    Some((wrap_angle(l.heading_at(l.length_m()) - out_yaw).abs(), n))
                })
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            match next {
                Some((_, n)) => {
                    lane = n;
                    visited.push(n);
                    from_s = 0.0;
                }
                None => break,
            }
        }
    }
    if acc < length_m {
        let last = *pts.last().expect("starts with the route end");
        let dir = match pts.as_slice() {
            [.., a, b] => (*b - *a).normalize_or_zero(),
            _ => DVec2::from_angle(yaw),
        };
        let dir = if dir == DVec2::ZERO {
            DVec2::from_angle(yaw)
        } else {
            dir
        };
        pts.push(last + dir * (length_m - acc));
    }
    Polyline::new(&pts).expect("at least the route end and a point beyond it")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::testkit::{MapBuilder, arc};

    /// A road east along y = 0 to x = 50, then a quarter turn left (radius 20) and, as a second
    /// successor, a straight connector on east.
    fn fork() -> LaneGraph {
        let mut b = MapBuilder::new();
        let a = b.lane("a", &[DVec2::ZERO, DVec2::new(50.0, 0.0)], false);
        let turn = arc(
            DVec2::new(50.0, 20.0),
            20.0,
            -std::f64::consts::FRAC_PI_2,
            0.0,
            64,
        );
        let left = b.lane("left", &turn, true);
        let on = b.lane("on", &[DVec2::new(50.0, 0.0), DVec2::new(150.0, 0.0)], true);
        b.connect(a, left);
        b.connect(a, on);
        LaneGraph::new(&b.build(crate::scene::Location::SingaporeOnenorth))
    }

    #[test]
    fn extension_follows_the_lane_and_its_straightest_successor() {
        let graph = fork();
        let route = Polyline::new(&[DVec2::new(10.0, 0.0), DVec2::new(40.0, 0.0)]).unwrap();
        let ext = route_extension(&graph, &route, 60.0);
        assert_eq!(ext.points()[0], DVec2::new(40.0, 0.0));
        assert!((ext.length_m() - 60.0).abs() < 1.0, "{}", ext.length_m());
        // Straight on (the turn is the less straight successor): every point on y = 0.
        assert!(ext.points().iter().all(|p| p.y.abs() < 1e-9));
    }

    #[test]
    fn extension_follows_a_curving_lane() {
        let mut b = MapBuilder::new();
        let mut pts = vec![DVec2::ZERO, DVec2::new(50.0, 0.0)];
        pts.extend(arc(
            DVec2::new(50.0, 20.0),
            20.0,
            -std::f64::consts::FRAC_PI_2,
            0.0,
            64,
        ));
        b.lane("bend", &pts, false);
        let graph = LaneGraph::new(&b.build(crate::scene::Location::SingaporeOnenorth));
        let route = Polyline::new(&[DVec2::new(10.0, 0.0), DVec2::new(45.0, 0.0)]).unwrap();
        let ext = route_extension(&graph, &route, 30.0);
        // 5 m to the bend, then ~25 m of the radius-20 arc about (50, 20); nothing beyond it,
        // so the rest (none here) would go straight.
        for p in ext.points().iter().filter(|p| p.x > 50.5) {
            let r = p.distance(DVec2::new(50.0, 20.0));
            assert!((r - 20.0).abs() < 0.05, "{p} off the bend (r = {r})");
        }
        assert!(ext.points().last().unwrap().y > 10.0);
    }

    #[test]
    fn extension_goes_straight_without_a_lane() {
        let graph = fork();
        let route = Polyline::new(&[DVec2::new(0.0, 30.0), DVec2::new(0.0, 40.0)]).unwrap();
        let ext = route_extension(&graph, &route, 25.0);
        assert_eq!(ext.points().len(), 2);
        assert!(ext.points()[1].abs_diff_eq(DVec2::new(0.0, 65.0), 1e-9));
    }
}
