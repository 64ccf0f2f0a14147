//! 2D geometry predicates shared by the world (collision, off-road) and the metrics:
//! oriented boxes (separating-axis test), polygons with holes (even-odd ray casting) and the
//! nearest point of a polyline (`nearest_on_segments`, the one projection routine behind the
//! route, the scenario placement and the PDMS progress).
//! Tested against the `geo` crate on random and degenerate cases (tests/it/geometry_vs_geo.rs).
//!
//! Conventions: touching counts as overlap/inside (closed sets), as shapely's `intersects`.

use glam::DVec2;
use serde::{Deserialize, Serialize};

/// A polygon with holes in the global xy plane (outer ring and holes, not closed: the last
/// point does not repeat the first).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Polygon {
    pub exterior: Vec<DVec2>,
    pub holes: Vec<Vec<DVec2>>,
}

/// An oriented box in the xy plane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Obb {
    pub center: DVec2,
    /// Half length (along heading) and half width, metres.
    pub half_extents: DVec2,
    pub yaw: f64,
}

impl Obb {
    /// From centre, heading and nuScenes-style size (length along heading, width across).
    pub fn new(center: DVec2, yaw: f64, length_m: f64, width_m: f64) -> Obb {
        Obb {
            center,
            half_extents: DVec2::new(0.5 * length_m, 0.5 * width_m),
            yaw,
        }
    }

    /// Unit axes: heading and its left normal.
    pub fn axes(&self) -> [DVec2; 2] {
        let (s, c) = self.yaw.sin_cos();
        [DVec2::new(c, s), DVec2::new(-s, c)]
    }

    /// Corners counter-clockwise starting front-left... (front-right, front-left, rear-left, rear-right).
    pub fn corners(&self) -> [DVec2; 4] {
        let [ax, ay] = self.axes();
        let fx = ax * self.half_extents.x;
        let fy = ay * self.half_extents.y;
        [
            self.center + fx - fy,
            self.center + fx + fy,
            self.center - fx + fy,
            self.center - fx - fy,
        ]
    }

    /// Map a point into the box frame (x along heading).
    pub fn to_local(&self, p: DVec2) -> DVec2 {
        let [ax, ay] = self.axes();
        let d = p - self.center;
        DVec2::new(d.dot(ax), d.dot(ay))
    }

    pub fn contains(&self, p: DVec2) -> bool {
        let l = self.to_local(p);
        l.x.abs() <= self.half_extents.x && l.y.abs() <= self.half_extents.y
    }
}

/// Separating-axis test for two oriented boxes; touching boxes overlap.
pub fn obb_overlap(a: &Obb, b: &Obb) -> bool {
    let d = b.center - a.center;
    // Quick reject on bounding circles. Boxes touching corner to corner have exactly tangent
    // circles, where rounding can put |d|^2 a few ulps above (ra + rb)^2: the relative slack
    // keeps the reject conservative and leaves the decision to the axis tests below
    // (regression: tests/it/geometry_vs_geo.rs, `corner_to_corner_quick_reject`).
    let ra = a.half_extents.length();
    let rb = b.half_extents.length();
    if d.length_squared() > (ra + rb) * (ra + rb) * (1.0 + 1e-9) {
        return false;
    }
    let aa = a.axes();
    let ba = b.axes();
    for axis in aa.iter().chain(ba.iter()) {
        let pa =
            a.half_extents.x * aa[0].dot(*axis).abs() + a.half_extents.y * aa[1].dot(*axis).abs();
        let pb =
            b.half_extents.x * ba[0].dot(*axis).abs() + b.half_extents.y * ba[1].dot(*axis).abs();
        if d.dot(*axis).abs() > pa + pb {
            return false;
        }
    }
    true
}

/// Whether `p` lies on segment ab (within a tiny tolerance relative to its length).
fn on_segment(p: DVec2, a: DVec2, b: DVec2) -> bool {
    let ab = b - a;
    let ap = p - a;
    let cross = ab.perp_dot(ap);
    let len2 = ab.length_squared();
    if len2 == 0.0 {
        return ap.length_squared() == 0.0;
    }
    if cross.abs() > 1e-12 * len2.sqrt().max(1.0) {
        return false;
    }
    let t = ap.dot(ab);
    t >= 0.0 && t <= len2
}

/// Even-odd ray cast against one ring (boundary counts as inside).
pub fn point_in_ring(p: DVec2, ring: &[DVec2]) -> bool {
    let n = ring.len();
    if n < 3 {
        return false;
    }
    let mut inside = false;
    let mut j = n - 1;
    for i in 0..n {
        let a = ring[i];
        let b = ring[j];
        if on_segment(p, a, b) {
            return true;
        }
        if (a.y > p.y) != (b.y > p.y) {
            let x = a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y);
            if p.x < x {
                inside = !inside;
            }
        }
        j = i;
    }
    inside
}

/// Strictly inside a ring: inside and not on its boundary.
fn point_strictly_in_ring(p: DVec2, ring: &[DVec2]) -> bool {
    let n = ring.len();
    if n < 3 {
        return false;
    }
    for i in 0..n {
        if on_segment(p, ring[i], ring[(i + 1) % n]) {
            return false;
        }
    }
    point_in_ring(p, ring)
}

/// Point in a polygon with holes; the boundary (outer ring or a hole's edge) counts as inside.
pub fn point_in_polygon(p: DVec2, poly: &Polygon) -> bool {
    point_in_ring(p, &poly.exterior) && !poly.holes.iter().any(|h| point_strictly_in_ring(p, h))
}

/// Axis-aligned bounds of a ring (min, max).
pub fn ring_bounds(ring: &[DVec2]) -> (DVec2, DVec2) {
    ring.iter().fold(
        (DVec2::splat(f64::INFINITY), DVec2::splat(f64::NEG_INFINITY)),
        |(lo, hi), p| (lo.min(*p), hi.max(*p)),
    )
}

/// What is wrong with a polygon ring, if anything (`ring_problem`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RingProblem {
    /// Fewer than three distinct consecutive points: no area.
    TooFewPoints { distinct: usize },
    /// Every point on one line: zero area.
    ZeroArea,
    /// Edge `a` (from point `a` to point `a + 1`, indices into the ring without consecutive
    /// duplicates) meets the non-adjacent edge `b`, or folds back along its neighbour `b`.
    SelfIntersection { a: usize, b: usize },
}

/// Check a ring (open: the last point does not repeat the first; consecutive duplicates are
/// ignored) for at least three points, a non-zero area and no self-intersection, where touching
/// counts (closed sets, as `geo`'s validation: a ring touching itself at a vertex is invalid).
///
/// Edges are swept in order of their lowest x, each tested only against the edges whose x
/// range overlaps its own: O(n log n) plus the overlapping pairs, which for map polygons (long
/// thin strips and blocks) are few.
pub fn ring_problem(ring: &[DVec2]) -> Option<RingProblem> {
    let mut pts: Vec<DVec2> = Vec::with_capacity(ring.len());
    for &p in ring {
        if pts.last() != Some(&p) {
            pts.push(p);
        }
    }
    while pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    let n = pts.len();
    if n < 3 {
        return Some(RingProblem::TooFewPoints { distinct: n });
    }
    let twice_area: f64 = (0..n).map(|i| pts[i].perp_dot(pts[(i + 1) % n])).sum();
    if twice_area == 0.0 && (2..n).all(|i| (pts[1] - pts[0]).perp_dot(pts[i] - pts[0]) == 0.0) {
        return Some(RingProblem::ZeroArea);
    }
    let edge = |i: usize| (pts[i], pts[(i + 1) % n]);
    // Neighbouring edges share a point; they overlap only if the ring folds back on itself.
    for i in 0..n {
        let (a, b) = edge(i);
        let c = pts[(i + 2) % n];
        if (b - a).perp_dot(c - b) == 0.0 && (a - b).dot(c - b) > 0.0 {
            return Some(RingProblem::SelfIntersection {
                a: i,
                b: (i + 1) % n,
            });
        }
    }
    let mut order: Vec<(f64, f64, usize)> = (0..n)
        .map(|i| {
            let (a, b) = edge(i);
            (a.x.min(b.x), a.x.max(b.x), i)
        })
        .collect();
    order.sort_by(|p, q| p.0.total_cmp(&q.0).then(p.2.cmp(&q.2)));
    for (k, &(_, x_max, i)) in order.iter().enumerate() {
        let (a, b) = edge(i);
        for &(x_min_j, _, j) in &order[k + 1..] {
            if x_min_j > x_max {
                break;
            }
            let adjacent = j == (i + 1) % n || i == (j + 1) % n;
            if adjacent {
                continue;
            }
            let (c, d) = edge(j);
            if segments_intersect(a, b, c, d) {
                return Some(RingProblem::SelfIntersection {
                    a: i.min(j),
                    b: i.max(j),
                });
            }
        }
    }
    None
}

/// Whether segments ab and cd share a point (touching and collinear overlap count).
pub fn segments_intersect(a: DVec2, b: DVec2, c: DVec2, d: DVec2) -> bool {
    let lo = |p: DVec2, q: DVec2| p.min(q);
    let hi = |p: DVec2, q: DVec2| p.max(q);
    if hi(a, b).cmplt(lo(c, d)).any() || hi(c, d).cmplt(lo(a, b)).any() {
        return false;
    }
    let o1 = (b - a).perp_dot(c - a);
    let o2 = (b - a).perp_dot(d - a);
    let o3 = (d - c).perp_dot(a - c);
    let o4 = (d - c).perp_dot(b - c);
    if o1 == 0.0 && o2 == 0.0 {
        // Collinear: the bounding boxes overlap, so the segments do.
        return true;
    }
    let straddles = |p: f64, q: f64| (p <= 0.0 && q >= 0.0) || (p >= 0.0 && q <= 0.0);
    straddles(o1, o2) && straddles(o3, o4)
}

/// A pose in the ground plane (global or ego frame): position in metres, heading in radians.
/// The currency between world, agents and metrics for planned and executed trajectories.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Pose2 {
    pub xy: DVec2,
    pub yaw: f64,
}

impl Pose2 {
    pub fn new(x: f64, y: f64, yaw: f64) -> Pose2 {
        Pose2 {
            xy: DVec2::new(x, y),
            yaw,
        }
    }
    /// Map a point given in this pose's frame (x forward, y left) into the parent frame.
    pub fn transform_point(&self, local: DVec2) -> DVec2 {
        self.xy + DVec2::from_angle(self.yaw).rotate(local)
    }
    /// Map a parent-frame point into this pose's frame.
    pub fn inverse_transform_point(&self, p: DVec2) -> DVec2 {
        DVec2::from_angle(-self.yaw).rotate(p - self.xy)
    }
}

/// The point of a polyline's segments `lo..hi` (segment `i` joins `points[i]` and
/// `points[i + 1]`; `hi` is clamped to the last segment) nearest to `p`: the segment index, the
/// parameter `t` in [0, 1] along it and the squared distance. The first nearest wins ties; a
/// zero-length segment counts as its start point. `None` when the range holds no segment.
pub fn nearest_on_segments(
    points: &[DVec2],
    p: DVec2,
    lo: usize,
    hi: usize,
) -> Option<(usize, f64, f64)> {
    let mut best: Option<(usize, f64, f64)> = None;
    for i in lo..hi.min(points.len().saturating_sub(1)) {
        let a = points[i];
        let ab = points[i + 1] - a;
        let len2 = ab.length_squared();
        let t = if len2 > 0.0 {
            ((p - a).dot(ab) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let d2 = (a + ab * t).distance_squared(p);
        if best.is_none_or(|(_, _, b)| d2 < b) {
            best = Some((i, t, d2));
        }
    }
    best
}

#[cfg(test)]
mod nearest_tests {
    use super::*;

    #[test]
    fn nearest_point_on_an_l_shaped_polyline() {
        let pts = [
            DVec2::new(0.0, 0.0),
            DVec2::new(10.0, 0.0),
            DVec2::new(10.0, 10.0),
        ];
        // Above the first leg: segment 0 at t = 0.3, 2 m away.
        assert_eq!(
            nearest_on_segments(&pts, DVec2::new(3.0, 2.0), 0, 2),
            Some((0, 0.3, 4.0))
        );
        // Right of the second leg: segment 1 at t = 0.5, 1 m away.
        assert_eq!(
            nearest_on_segments(&pts, DVec2::new(11.0, 5.0), 0, 2),
            Some((1, 0.5, 1.0))
        );
        // Equidistant from both legs at the corner: the first wins.
        assert_eq!(
            nearest_on_segments(&pts, DVec2::new(11.0, -1.0), 0, 2).map(|r| r.0),
            Some(0)
        );
        // Restricting the range to the second segment: (10, 2) at t = 0.2, 7 m away.
        assert_eq!(
            nearest_on_segments(&pts, DVec2::new(3.0, 2.0), 1, 5),
            Some((1, 0.2, 49.0))
        );
        assert_eq!(nearest_on_segments(&pts[..1], DVec2::ZERO, 0, 5), None);
        // A zero-length segment is its start point.
        let dup = [DVec2::new(1.0, 1.0), DVec2::new(1.0, 1.0)];
        assert_eq!(
            nearest_on_segments(&dup, DVec2::ZERO, 0, 1),
            Some((0, 0.0, 2.0))
        );
    }
}
