//! Polylines with cumulative arc length (the reference route and lane centrelines), projection
//! of a point onto them, and the navigation command.
//!
//! Projection finds the nearest point over all segments (or over a window of arc length when a
//! hint is known, so a route that passes near itself does not jump). The lateral offset is
//! signed, left of the direction of travel positive; beyond either end the offset is measured
//! against the end tangent.
//!
//! Navigation command (UniAD convention, as its nuScenes data derives it from the ego's 3 s
//! future): take the route point `max(speed x COMMAND_HORIZON_SECS, COMMAND_MIN_LOOKAHEAD_M)`
//! of arc length ahead of the ego's projection (clamped to the route end), express it in the ego
//! frame (x forward, y left); y > `COMMAND_LATERAL_THRESHOLD_M` is Left, y <
//! -`COMMAND_LATERAL_THRESHOLD_M` is Right, otherwise Straight.

use crate::command::Command;
use crate::geometry::Pose2;
use glam::DVec2;
use serde::{Deserialize, Serialize};

/// Seconds of travel at the current speed that the command looks ahead (UniAD: 3 s future).
pub const COMMAND_HORIZON_SECS: f64 = 3.0;
/// Lookahead floor, so a slow or stopped ego still sees an upcoming turn.
pub const COMMAND_MIN_LOOKAHEAD_M: f64 = 10.0;
/// Lateral offset (ego frame) beyond which the command is a turn (UniAD: 2 m).
pub const COMMAND_LATERAL_THRESHOLD_M: f64 = 2.0;

/// Consecutive points closer than this are merged.
const MIN_SEGMENT_M: f64 = 1e-6;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolylineError {
    #[error("polyline needs at least 2 distinct points, got {0}")]
    TooShort(usize),
    #[error("polyline point {index} is not finite: {point:?}")]
    NonFinite { index: usize, point: DVec2 },
}

/// A global (or local) polyline with cumulative arc length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Polyline {
    points: Vec<DVec2>,
    /// `s_m[i]`: arc length from the first point to `points[i]`.
    s_m: Vec<f64>,
}

/// The reference route of an episode.
pub type Route = Polyline;

/// Where a point lies relative to a polyline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    /// Arc length of the nearest point, in [0, length].
    pub s_m: f64,
    /// Signed offset, left positive (against the end tangent beyond the ends).
    pub lateral_m: f64,
    /// Heading of the polyline at `s_m`.
    pub heading_rad: f64,
    /// Euclidean distance to the polyline.
    pub distance_m: f64,
}

impl Polyline {
    /// Build from points; consecutive duplicates are merged.
    pub fn new(points: &[DVec2]) -> Result<Polyline, PolylineError> {
        let mut pts: Vec<DVec2> = Vec::with_capacity(points.len());
        for (index, p) in points.iter().enumerate() {
            if !p.is_finite() {
                return Err(PolylineError::NonFinite { index, point: *p });
            }
            if pts.last().is_none_or(|q| q.distance(*p) > MIN_SEGMENT_M) {
                pts.push(*p);
            }
        }
        if pts.len() < 2 {
            return Err(PolylineError::TooShort(pts.len()));
        }
        let mut s_m = Vec::with_capacity(pts.len());
        let mut acc = 0.0;
        s_m.push(0.0);
        for w in pts.windows(2) {
            acc += w[0].distance(w[1]);
            s_m.push(acc);
        }
        Ok(Polyline { points: pts, s_m })
    }

    pub fn points(&self) -> &[DVec2] {
        &self.points
    }

    pub fn length_m(&self) -> f64 {
        *self.s_m.last().expect("a polyline has at least 2 points")
    }

    /// Index of the segment containing arc length `s` (clamped to the first/last segment).
    fn segment_at(&self, s: f64) -> usize {
        let i = self.s_m.partition_point(|&x| x <= s);
        i.saturating_sub(1).min(self.points.len() - 2)
    }

    fn seg_dir(&self, i: usize) -> DVec2 {
        (self.points[i + 1] - self.points[i]).normalize_or_zero()
    }

    /// Point at arc length `s`, extrapolated along the end tangents outside [0, length].
    pub fn point_at(&self, s: f64) -> DVec2 {
        let i = self.segment_at(s);
        self.points[i] + self.seg_dir(i) * (s - self.s_m[i])
    }

    /// Heading of the segment containing `s`.
    pub fn heading_at(&self, s: f64) -> f64 {
        let d = self.seg_dir(self.segment_at(s));
        d.y.atan2(d.x)
    }

    /// Pose at arc length `s` with a lateral offset (left positive), heading along the line.
    pub fn pose_at(&self, s: f64, lateral_m: f64) -> Pose2 {
        let i = self.segment_at(s);
        let d = self.seg_dir(i);
        let p = self.points[i] + d * (s - self.s_m[i]) + d.perp() * lateral_m;
        Pose2 {
            xy: p,
            yaw: d.y.atan2(d.x),
        }
    }

    /// Nearest point over all segments.
    pub fn project(&self, p: DVec2) -> Projection {
        self.project_segments(p, 0, self.points.len() - 1)
    }

    /// Nearest point over the segments overlapping arc lengths [s_lo, s_hi].
    pub fn project_window(&self, p: DVec2, s_lo: f64, s_hi: f64) -> Projection {
        let lo = self.segment_at(s_lo);
        let hi = (self.segment_at(s_hi) + 1).max(lo + 1);
        self.project_segments(p, lo, hi)
    }

    /// Segments lo..hi (exclusive end index into points, hi <= len - 1).
    fn project_segments(&self, p: DVec2, lo: usize, hi: usize) -> Projection {
        let (i, t, d2) = crate::geometry::nearest_on_segments(&self.points, p, lo, hi.max(lo + 1))
            .expect("a polyline has at least one segment and lo is clamped to it");
        let d = self.seg_dir(i);
        let seg_len = self.s_m[i + 1] - self.s_m[i];
        let s_m = self.s_m[i] + t * seg_len;
        let rel = p - self.points[i];
        Projection {
            s_m,
            // At an interior vertex the nearest point is the vertex: keep the true distance
            // with the side of the segment.
            lateral_m: d.perp_dot(rel).signum() * d2.sqrt(),
            heading_rad: d.y.atan2(d.x),
            distance_m: d2.sqrt(),
        }
        .beyond_ends(self, p)
    }

    /// Evenly spaced points from `s0` to `s1` (inclusive of both ends).
    pub fn sample_points(&self, s0: f64, s1: f64, spacing_m: f64) -> Vec<DVec2> {
        let n = (((s1 - s0) / spacing_m).ceil().max(0.0) as usize).max(1);
        (0..=n)
            .map(|k| self.point_at(s0 + (s1 - s0) * k as f64 / n as f64))
            .collect()
    }
}

impl Projection {
    /// Beyond the ends, report the offset against the end tangent (signed), keeping the true
    /// distance.
    fn beyond_ends(mut self, line: &Polyline, p: DVec2) -> Projection {
        let at_start = self.s_m <= 0.0;
        let at_end = self.s_m >= line.length_m();
        if at_start || at_end {
            let (origin, dir) = if at_start {
                (line.points[0], line.seg_dir(0))
            } else {
                let n = line.points.len();
                (line.points[n - 1], line.seg_dir(n - 2))
            };
            self.lateral_m = dir.perp_dot(p - origin);
        }
        self
    }
}

/// The navigation command for an ego at `ego_pose` (rear axle) whose route progress is
/// `s_ego_m`, driving at `speed_mps` (see the module docs for the rule).
pub fn command_for(route: &Route, ego_pose: Pose2, s_ego_m: f64, speed_mps: f64) -> Command {
    let lookahead_m = (speed_mps.max(0.0) * COMMAND_HORIZON_SECS).max(COMMAND_MIN_LOOKAHEAD_M);
    let s = (s_ego_m + lookahead_m).min(route.length_m());
    let target = ego_pose.inverse_transform_point(route.point_at(s));
    if target.y > COMMAND_LATERAL_THRESHOLD_M {
        Command::Left
    } else if target.y < -COMMAND_LATERAL_THRESHOLD_M {
        Command::Right
    } else {
        Command::Straight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l_shape() -> Polyline {
        Polyline::new(&[
            DVec2::new(0.0, 0.0),
            DVec2::new(10.0, 0.0),
            DVec2::new(10.0, 0.0),
            DVec2::new(10.0, 10.0),
        ])
        .unwrap()
    }

    #[test]
    fn arc_length_and_interpolation() {
        let l = l_shape();
        assert_eq!(l.points().len(), 3);
        assert!((l.length_m() - 20.0).abs() < 1e-12);
        assert!(l.point_at(15.0).abs_diff_eq(DVec2::new(10.0, 5.0), 1e-12));
        assert!(l.point_at(-2.0).abs_diff_eq(DVec2::new(-2.0, 0.0), 1e-12));
        assert!(l.point_at(22.0).abs_diff_eq(DVec2::new(10.0, 12.0), 1e-12));
        let p = l.pose_at(5.0, 1.0);
        assert!(p.xy.abs_diff_eq(DVec2::new(5.0, 1.0), 1e-12));
    }

    #[test]
    fn projection_signs_and_ends() {
        let l = l_shape();
        let pr = l.project(DVec2::new(4.0, 2.0));
        assert!((pr.s_m - 4.0).abs() < 1e-12 && (pr.lateral_m - 2.0).abs() < 1e-12);
        let pr = l.project(DVec2::new(12.0, 5.0));
        assert!((pr.s_m - 15.0).abs() < 1e-12 && (pr.lateral_m + 2.0).abs() < 1e-12);
        let pr = l.project(DVec2::new(-3.0, -1.0));
        assert_eq!(pr.s_m, 0.0);
        assert!((pr.lateral_m + 1.0).abs() < 1e-12);
        assert!((pr.distance_m - 10f64.sqrt()).abs() < 1e-12);
        let pr = l.project_window(DVec2::new(9.0, 1.0), 12.0, 20.0);
        assert!(pr.s_m >= 10.0);
    }

    #[test]
    fn rejects_degenerate_input() {
        assert_eq!(
            Polyline::new(&[DVec2::ZERO, DVec2::ZERO]),
            Err(PolylineError::TooShort(1))
        );
        assert!(matches!(
            Polyline::new(&[DVec2::ZERO, DVec2::new(f64::NAN, 0.0)]),
            Err(PolylineError::NonFinite { index: 1, .. })
        ));
    }

    #[test]
    fn command_follows_uniad_rule() {
        let l = l_shape();
        let ego = Pose2::new(0.0, 0.0, 0.0);
        // 10 m lookahead at standstill reaches the corner: straight ahead.
        assert_eq!(command_for(&l, ego, 0.0, 0.0), Command::Straight);
        // 5 m/s x 3 s = 15 m -> (10, 5): 5 m to the left.
        assert_eq!(command_for(&l, ego, 0.0, 5.0), Command::Left);
        let mirrored =
            Polyline::new(&[DVec2::ZERO, DVec2::new(10.0, 0.0), DVec2::new(10.0, -10.0)]).unwrap();
        assert_eq!(command_for(&mirrored, ego, 0.0, 5.0), Command::Right);
    }
}
