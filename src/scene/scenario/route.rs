//! Arc-length parametrised polylines: the reference route and lane centrelines.
//!
//! A `Polyline` drops repeated points (a stopped ego logs the same position many times),
//! keeps cumulative arc lengths, and answers point-at-s (linear between vertices), tangent-at-s
//! (the chord over +-`TANGENT_HALF_SPAN_M`, which for a densely sampled curve is the curve's
//! tangent to within the half-chord angle, and on a single straight segment its direction) and
//! nearest-point projection.

use crate::scene::Scene;
use glam::DVec2;

/// Spacing of the densified reference route (HUGSIM densifies its route before scoring RC).
pub const ROUTE_SPACING_M: f64 = 0.5;
/// Half the chord over which `tangent_at` measures the direction.
pub const TANGENT_HALF_SPAN_M: f64 = 1.0;
/// Points closer than this to their predecessor are dropped.
const MIN_SEGMENT_M: f64 = 1e-3;

#[derive(Debug, Clone, PartialEq)]
pub struct Polyline {
    points: Vec<DVec2>,
    /// Arc length at each point; `cum_s_m[0] == 0`.
    cum_s_m: Vec<f64>,
}

impl Polyline {
    /// A polyline through `points`, skipping points within 1 mm of the previous one.
    pub fn new(points: impl IntoIterator<Item = DVec2>) -> Polyline {
        let mut kept: Vec<DVec2> = Vec::new();
        let mut cum_s_m = Vec::new();
        for p in points {
            match kept.last() {
                None => {
                    kept.push(p);
                    cum_s_m.push(0.0);
                }
                Some(&last) => {
                    let d = last.distance(p);
                    if d >= MIN_SEGMENT_M {
                        kept.push(p);
                        cum_s_m.push(cum_s_m.last().copied().unwrap_or(0.0) + d);
                    }
                }
            }
        }
        Polyline {
            points: kept,
            cum_s_m,
        }
    }

    /// The same path with extra points inserted so that no segment is longer than `spacing_m`.
    pub fn densified(&self, spacing_m: f64) -> Polyline {
        let mut out = Vec::with_capacity(self.points.len());
        for w in self.points.windows(2) {
            let n = ((w[0].distance(w[1]) / spacing_m).ceil() as usize).max(1);
            for k in 0..n {
                out.push(w[0].lerp(w[1], k as f64 / n as f64));
            }
        }
        out.extend(self.points.last());
        Polyline::new(out)
    }

    pub fn points(&self) -> &[DVec2] {
        &self.points
    }

    pub fn length_m(&self) -> f64 {
        self.cum_s_m.last().copied().unwrap_or(0.0)
    }

    /// Index of the segment holding arc length `s_m` (clamped to the polyline).
    fn segment_at(&self, s_m: f64) -> usize {
        let i = self.cum_s_m.partition_point(|&c| c <= s_m);
        i.saturating_sub(1).min(self.points.len().saturating_sub(2))
    }

    /// Point at arc length `s_m`, clamped to the ends. `None` for an empty polyline.
    pub fn point_at(&self, s_m: f64) -> Option<DVec2> {
        match self.points.len() {
            0 => None,
            1 => Some(self.points[0]),
            _ => {
                let s = s_m.clamp(0.0, self.length_m());
                let i = self.segment_at(s);
                let seg = self.cum_s_m[i + 1] - self.cum_s_m[i];
                let t = ((s - self.cum_s_m[i]) / seg).clamp(0.0, 1.0);
                Some(self.points[i].lerp(self.points[i + 1], t))
            }
        }
    }

    /// Unit tangent at arc length `s_m`: the chord from `s - h` to `s + h` (clamped to the ends).
    /// `None` if the polyline has fewer than two points.
    pub fn tangent_at(&self, s_m: f64) -> Option<DVec2> {
        if self.points.len() < 2 {
            return None;
        }
        let a = self.point_at(s_m - TANGENT_HALF_SPAN_M)?;
        let b = self.point_at(s_m + TANGENT_HALF_SPAN_M)?;
        (b - a).try_normalize().or_else(|| {
            let i = self.segment_at(s_m.clamp(0.0, self.length_m()));
            (self.points[i + 1] - self.points[i]).try_normalize()
        })
    }

    /// Arc length of the point of the polyline nearest to `p` (0 for an empty polyline).
    pub fn project(&self, p: DVec2) -> f64 {
        if self.points.len() < 2 {
            return 0.0;
        }
        match crate::geometry::nearest_on_segments(&self.points, p, 0, self.points.len()) {
            Some((i, t, _)) => self.cum_s_m[i] + t * (self.cum_s_m[i + 1] - self.cum_s_m[i]),
            None => 0.0,
        }
    }
}

/// The logged ego path from `start_us` to the end of the log: the interpolated pose at the
/// start, then every later keyframe, joined by cubic Hermite curves that leave and enter each
/// pose along its logged heading (tangent length = chord length), sampled every
/// `ROUTE_SPACING_M`. At 2 Hz keyframes a turn's chords are several metres long; the Hermite
/// curve follows the driven arc instead of cutting its corners.
pub fn logged_route(scene: &Scene, start_us: i64) -> Polyline {
    let start = scene.ego_pose_at(start_us).map(|p| (p.xy(), p.yaw()));
    let later = scene
        .ego_track
        .iter()
        .filter(|p| p.timestamp_us > start_us)
        .map(|p| (p.pose.xy(), p.pose.yaw()));
    let poses: Vec<(DVec2, f64)> = start.into_iter().chain(later).collect();
    let mut points = Vec::with_capacity(poses.len() * 8);
    for w in poses.windows(2) {
        points.extend(hermite_samples(w[0], w[1], ROUTE_SPACING_M));
    }
    points.extend(poses.last().map(|p| p.0));
    Polyline::new(points)
}

/// Samples (excluding the end point) of the cubic Hermite curve from pose `a` to pose `b`.
/// A heading pointing against the chord (reversing) falls back to the chord direction.
fn hermite_samples(a: (DVec2, f64), b: (DVec2, f64), spacing_m: f64) -> Vec<DVec2> {
    let chord = b.0 - a.0;
    let len = chord.length();
    if len < MIN_SEGMENT_M {
        return vec![a.0];
    }
    let tangent = |yaw: f64| {
        let t = DVec2::from_angle(yaw);
        if t.dot(chord) > 0.0 { t * len } else { chord }
    };
    let (m0, m1) = (tangent(a.1), tangent(b.1));
    let n = ((len / spacing_m).ceil() as usize).max(1);
    (0..n)
        .map(|k| {
            let u = k as f64 / n as f64;
            let (u2, u3) = (u * u, u * u * u);
            a.0 * (2.0 * u3 - 3.0 * u2 + 1.0)
                + m0 * (u3 - 2.0 * u2 + u)
                + b.0 * (-2.0 * u3 + 3.0 * u2)
                + m1 * (u3 - u2)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn straight_line_queries() {
        let l = Polyline::new([DVec2::ZERO, DVec2::ZERO, DVec2::new(10.0, 0.0)]);
        assert_eq!(l.points().len(), 2);
        assert_eq!(l.length_m(), 10.0);
        assert_eq!(l.point_at(2.5), Some(DVec2::new(2.5, 0.0)));
        assert_eq!(l.point_at(12.0), Some(DVec2::new(10.0, 0.0)));
        assert_eq!(l.tangent_at(0.0), Some(DVec2::X));
        assert!((l.project(DVec2::new(4.0, 3.0)) - 4.0).abs() < 1e-12);
        let d = l.densified(0.5);
        assert_eq!(d.points().len(), 21);
        assert!((d.length_m() - 10.0).abs() < 1e-12);
    }

    #[test]
    fn corner_tangent_is_the_chord() {
        let l = Polyline::new([DVec2::ZERO, DVec2::new(10.0, 0.0), DVec2::new(10.0, 10.0)]);
        let t = l.tangent_at(10.0).unwrap();
        let diag = DVec2::new(1.0, 1.0).normalize();
        assert!(t.distance(diag) < 1e-12);
        assert_eq!(l.point_at(15.0), Some(DVec2::new(10.0, 5.0)));
    }

    #[test]
    fn hermite_follows_a_quarter_circle() {
        // Quarter circle of radius 10 about the origin, from (10, 0) heading north to (0, 10)
        // heading west, in 8 steps: every sample within 5 mm of the circle.
        let r = 10.0;
        let mut pts = Vec::new();
        for k in 0..8 {
            let (t0, t1) = (k as f64 * 0.19635, (k + 1) as f64 * 0.19635);
            let pose = |t: f64| {
                (
                    DVec2::new(r * t.cos(), r * t.sin()),
                    t + std::f64::consts::FRAC_PI_2,
                )
            };
            pts.extend(hermite_samples(pose(t0), pose(t1), 0.5));
        }
        for p in pts {
            assert!((p.length() - r).abs() < 5e-3, "{p} off the circle");
        }
    }
}
