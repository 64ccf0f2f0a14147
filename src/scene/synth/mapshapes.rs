//! Geometry helpers of the map writer: a `Builder` that mints node, line and polygon records
//! with hashed tokens (location, kind, running counter), and offset curves / strips along a
//! road's centre line. Coordinates are snapped to the millimetre once, here, so the shapes kept
//! in memory are exactly the ones written.

use super::arcline::Pose2;
use super::token;
use super::town::{Road, Town};
use crate::scene::tables::{MapExpansion, MapHole, MapLine, MapNode, MapPolygon};
use glam::DVec2;
pub(super) struct Builder {
    pub(super) loc: String,
    pub(super) m: MapExpansion,
    pub(super) counter: usize,
}

impl Builder {
    pub(super) fn tok(&mut self, kind: &str) -> String {
        self.counter += 1;
        token(&[&self.loc, kind, &self.counter.to_string()])
    }
    pub(super) fn node(&mut self, p: DVec2) -> String {
        let t = self.tok("node");
        let p = snap(p);
        self.m.node.push(MapNode {
            token: t.clone(),
            x: p.x,
            y: p.y,
        });
        t
    }
    pub(super) fn nodes(&mut self, pts: &[DVec2]) -> Vec<String> {
        pts.iter().map(|p| self.node(*p)).collect()
    }
    pub(super) fn line_of(&mut self, node_tokens: Vec<String>) -> String {
        let t = self.tok("line");
        self.m.line.push(MapLine {
            token: t.clone(),
            node_tokens,
        });
        t
    }
    pub(super) fn line(&mut self, pts: &[DVec2]) -> String {
        let n = self.nodes(pts);
        self.line_of(n)
    }
    pub(super) fn polygon_of(&mut self, exterior: Vec<String>) -> String {
        let t = self.tok("polygon");
        self.m.polygon.push(MapPolygon {
            token: t.clone(),
            exterior_node_tokens: exterior,
            holes: vec![],
        });
        t
    }
    pub(super) fn polygon(&mut self, pts: &[DVec2]) -> String {
        let n = self.nodes(pts);
        self.polygon_of(n)
    }
    pub(super) fn polygon_with_hole(&mut self, pts: &[DVec2], hole: &[DVec2]) -> String {
        let t = self.polygon(pts);
        let h = self.nodes(hole);
        let last = self.m.polygon.last_mut().expect("just pushed");
        last.holes.push(MapHole { node_tokens: h });
        t
    }
}

/// Map coordinates are written to the millimetre (smaller files); everything kept in memory
/// uses the same snapped values, so what we check is what we write.
pub(super) fn snap(p: DVec2) -> DVec2 {
    (p * 1000.0).round() / 1000.0
}

pub(super) fn xy(p: Pose2) -> DVec2 {
    DVec2::new(p[0], p[1])
}

pub(super) fn left_normal(p: Pose2) -> DVec2 {
    DVec2::new(-p[2].sin(), p[2].cos())
}

/// Points along a road at lateral offset `lateral_m` (left of forward positive) from `s0` to
/// `s1`: prim ends plus arc samples every <= 3 m.
pub(super) fn offset_curve(
    town: &Town,
    road: &Road,
    lateral_m: f64,
    s0: f64,
    s1: f64,
) -> Vec<DVec2> {
    let centre = town.offset_chain(road, true, 0.0);
    let mut ss = vec![s0];
    let mut acc = 0.0;
    for p in &road.prims {
        if p.curvature != 0.0 {
            let n = (p.length_m / 3.0).ceil() as usize;
            for i in 1..n {
                ss.push(acc + p.length_m * i as f64 / n as f64);
            }
        }
        acc += p.length_m;
        ss.push(acc);
    }
    ss.push(s1);
    let mut ss: Vec<f64> = ss.into_iter().filter(|s| *s >= s0 && *s <= s1).collect();
    ss.sort_by(f64::total_cmp);
    ss.dedup_by(|a, b| (*a - *b).abs() < 1e-6);
    ss.iter()
        .map(|&s| {
            let pose = centre.pose_at(s);
            snap(xy(pose) + left_normal(pose) * lateral_m)
        })
        .collect()
}

pub(super) fn strip(town: &Town, road: &Road, d0: f64, d1: f64, s0: f64, s1: f64) -> Vec<DVec2> {
    let (lo, hi) = if d0 < d1 { (d0, d1) } else { (d1, d0) };
    let mut pts = offset_curve(town, road, lo, s0, s1);
    let mut back = offset_curve(town, road, hi, s0, s1);
    back.reverse();
    pts.extend(back);
    pts
}
