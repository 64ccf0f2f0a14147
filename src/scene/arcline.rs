//! Lane centrelines from the map expansion's `arcline_path_3` records, with the semantics of the
//! devkit's `python-sdk/nuscenes/map_expansion/arcline_path_utils.py` (nuscenes-devkit 1.2.0).
//!
//! An arcline path is a Dubins-style curve: three parts of lengths `segment_length[i]`, each a
//! left arc, a straight or a right arc of one shared `radius`, starting at `start_pose`
//! (x, y, yaw). Each part is a constant twist `(1, 0, sign / radius)` per metre; the pose `s`
//! metres into a part is the group exponential of that twist times `s`, composed on the right of
//! the pose where the part starts. `discretize` walks the path at a spacing of at most the
//! requested resolution (evenly: `n = max(ceil(L / res) + 1, 2)` points, so the last point is
//! the path's end), exactly as the devkit does, including how it re-anchors at part boundaries.
//! A lane is a list of paths; `discretize_lane` concatenates their discretisations (the end of
//! one path and the start of the next both appear, as in the devkit).
//!
//! The one implementation in the crate: the loader discretises map files with it and the
//! synthetic generator (`synth::arcline`) builds its paths with `Arcline::from_start` and writes
//! them with `to_record`, so generated centrelines are the ones the loader and the devkit read.

use crate::scene::tables::ArclinePath;

/// A planar pose: position in metres and yaw in radians (global frame).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pose2d {
    pub x: f64,
    pub y: f64,
    pub yaw: f64,
}

impl Pose2d {
    pub fn new(x: f64, y: f64, yaw: f64) -> Pose2d {
        Pose2d { x, y, yaw }
    }

    /// `[x, y, yaw]`, the layout of the records' `start_pose` / `end_pose`.
    pub fn to_array(self) -> [f64; 3] {
        [self.x, self.y, self.yaw]
    }

    pub fn from_array([x, y, yaw]: [f64; 3]) -> Pose2d {
        Pose2d { x, y, yaw }
    }
}

/// A validated arcline path.
#[derive(Debug, Clone, PartialEq)]
pub struct Arcline {
    pub start: Pose2d,
    pub end: Pose2d,
    /// Three letters of L, S, R (one of the six Dubins words).
    pub shape: [u8; 3],
    pub radius_m: f64,
    pub segment_length_m: [f64; 3],
}

/// The six Dubins words the devkit's `compute_segment_sign` distinguishes.
const SHAPES: [&str; 6] = ["LSL", "LSR", "RSL", "RSR", "LRL", "RLR"];

impl Arcline {
    /// Check a raw record: poses of 3 finite numbers, a known shape, a finite positive radius,
    /// three finite non-negative segment lengths. The error says which field and what was
    /// expected.
    pub fn from_record(rec: &ArclinePath) -> Result<Arcline, (&'static str, String)> {
        let pose = |field: &'static str, v: &[f64]| -> Result<Pose2d, (&'static str, String)> {
            if v.len() != 3 {
                return Err((
                    field,
                    format!("expected [x, y, yaw] (3 numbers), got {}", v.len()),
                ));
            }
            if v.iter().any(|x| !x.is_finite()) {
                return Err((field, format!("expected finite numbers, got {v:?}")));
            }
            Ok(Pose2d::new(v[0], v[1], v[2]))
        };
        let start = pose("start_pose", &rec.start_pose)?;
        let end = pose("end_pose", &rec.end_pose)?;
        if !SHAPES.contains(&rec.shape.as_str()) {
            return Err((
                "shape",
                format!("expected one of {SHAPES:?}, got {:?}", rec.shape),
            ));
        }
        let b = rec.shape.as_bytes();
        let shape = [b[0], b[1], b[2]];
        if !(rec.radius.is_finite() && rec.radius > 0.0) {
            return Err((
                "radius",
                format!("expected a finite radius > 0 m, got {}", rec.radius),
            ));
        }
        let l = &rec.segment_length;
        if l.len() != 3 || l.iter().any(|x| !(x.is_finite() && *x >= 0.0)) {
            return Err((
                "segment_length",
                format!("expected 3 finite lengths >= 0 m, got {l:?}"),
            ));
        }
        Ok(Arcline {
            start,
            end,
            shape,
            radius_m: rec.radius,
            segment_length_m: [l[0], l[1], l[2]],
        })
    }

    /// A path from `start` (yaw wrapped to [-pi, pi)) with its `end` computed from the shape, as
    /// a map writer needs it. `shape` must be one of the six Dubins words and `radius_m` > 0
    /// (the devkit divides by it even for straights); `from_record` checks a record read back.
    pub fn from_start(
        start: Pose2d,
        shape: [u8; 3],
        radius_m: f64,
        segment_length_m: [f64; 3],
    ) -> Arcline {
        let mut path = Arcline {
            start: Pose2d::new(start.x, start.y, principal_value(start.yaw)),
            end: start,
            shape,
            radius_m,
            segment_length_m,
        };
        path.end = path.pose_at_length(path.length_m());
        path
    }

    /// The `arcline_path_3` record of this path.
    pub fn to_record(&self) -> ArclinePath {
        ArclinePath {
            start_pose: self.start.to_array().to_vec(),
            end_pose: self.end.to_array().to_vec(),
            shape: String::from_utf8_lossy(&self.shape).into_owned(),
            radius: self.radius_m,
            segment_length: self.segment_length_m.to_vec(),
        }
    }

    /// Total path length in metres.
    pub fn length_m(&self) -> f64 {
        self.segment_length_m.iter().sum()
    }

    /// Turn direction of each part: 1 left, 0 straight, -1 right (devkit `compute_segment_sign`).
    pub fn segment_sign(&self) -> [f64; 3] {
        compute_segment_sign(&self.shape)
    }

    /// The per-metre twist of each part (devkit `_get_lie_algebra`).
    fn lie_algebra(&self) -> [Pose2d; 3] {
        let s = self.segment_sign();
        s.map(|si| Pose2d::new(1.0, 0.0, si / self.radius_m))
    }

    /// Pose `pos_m` metres along the path, clamped to [0, length] (devkit `pose_at_length`).
    pub fn pose_at_length(&self, pos_m: f64) -> Pose2d {
        let mut pos = pos_m.clamp(0.0, self.length_m());
        let mut result = self.start;
        for (twist, &length) in self.lie_algebra().iter().zip(&self.segment_length_m) {
            if pos <= length {
                return apply_affine_transformation(result, transformation_at_step(*twist, pos));
            }
            result = apply_affine_transformation(result, transformation_at_step(*twist, length));
            pos -= length;
        }
        result
    }

    /// Curvature magnitude (1/m) at `pos_m` along the path: 0 on the straight part.
    pub fn curvature_at(&self, pos_m: f64) -> f64 {
        let mut cumulative = 0.0;
        for (i, &length) in self.segment_length_m.iter().enumerate() {
            cumulative += length;
            if pos_m <= cumulative || i == 2 {
                return if self.shape[i] == b'S' {
                    0.0
                } else {
                    1.0 / self.radius_m
                };
            }
        }
        0.0
    }
}

/// Devkit `compute_segment_sign` for a three-letter shape.
pub fn compute_segment_sign(shape: &[u8; 3]) -> [f64; 3] {
    let s = std::str::from_utf8(shape).unwrap_or("");
    let first = if matches!(s, "LRL" | "LSL" | "LSR") {
        1.0
    } else {
        -1.0
    };
    let middle = match s {
        "RLR" => 1.0,
        "LRL" => -1.0,
        _ => 0.0,
    };
    let last = if matches!(s, "LRL" | "LSL" | "RSL") {
        1.0
    } else {
        -1.0
    };
    [first, middle, last]
}

/// Angle to [-pi, pi) (devkit `principal_value`, Python's floor modulo).
pub fn principal_value(angle: f64) -> f64 {
    use std::f64::consts::{PI, TAU};
    (angle + PI).rem_euclid(TAU) - PI
}

/// Group exponential of a twist over `step` metres (devkit `get_transformation_at_step`).
pub fn transformation_at_step(twist: Pose2d, step: f64) -> Pose2d {
    let theta = twist.yaw * step;
    if twist.yaw.abs() < 1e-6 {
        return Pose2d::new(twist.x * step, twist.y * step, theta);
    }
    let (s, c) = theta.sin_cos();
    Pose2d::new(
        (twist.y * (c - 1.0) + twist.x * s) / twist.yaw,
        (twist.x * (1.0 - c) + twist.y * s) / twist.yaw,
        theta,
    )
}

/// Compose `transformation` on the right of `pose` (devkit `apply_affine_transformation`).
pub fn apply_affine_transformation(pose: Pose2d, t: Pose2d) -> Pose2d {
    let (s, c) = pose.yaw.sin_cos();
    Pose2d::new(
        c * t.x - s * t.y + pose.x,
        s * t.x + c * t.y + pose.y,
        principal_value(pose.yaw + t.yaw),
    )
}

/// Upper bound on points per path, so a corrupt length cannot exhaust memory.
const MAX_POINTS_PER_PATH: f64 = 1.0e7;

/// Discretise one path at a spacing of at most `resolution_m` along the path (devkit
/// `discretize`). A non-finite or non-positive resolution gives just the two end points.
pub fn discretize(path: &Arcline, resolution_m: f64) -> Vec<Pose2d> {
    let length = path.length_m();
    let ratio = length / resolution_m;
    let n_points = if ratio.is_finite() && ratio >= 0.0 {
        (ratio.ceil().min(MAX_POINTS_PER_PATH) as usize + 1).max(2)
    } else {
        2
    };
    let step_m = length / (n_points - 1) as f64;
    let l = path.segment_length_m;
    let cumulative = [l[0], l[0] + l[1], length + step_m];
    let twists = path.lie_algebra();

    let mut anchor = path.start;
    let mut g_i = 0usize;
    let mut g_s = 0.0;
    let mut out = Vec::with_capacity(n_points);
    for step in 0..n_points {
        let along = step as f64 * step_m;
        if g_i < 2 && along > cumulative[g_i] {
            anchor = path.pose_at_length(along);
            g_s = along;
            g_i += 1;
        }
        let t = transformation_at_step(twists[g_i], along - g_s);
        out.push(apply_affine_transformation(anchor, t));
    }
    out
}

/// Discretise a lane (a list of paths), concatenating the paths' points (devkit
/// `discretize_lane`).
pub fn discretize_lane(lane: &[Arcline], resolution_m: f64) -> Vec<Pose2d> {
    lane.iter()
        .flat_map(|p| discretize(p, resolution_m))
        .collect()
}

/// Lane length in metres (devkit `length_of_lane`).
pub fn length_of_lane(lane: &[Arcline]) -> f64 {
    lane.iter().map(Arcline::length_m).sum()
}

/// Unsigned curvature (1/m) at a distance along a lane (devkit
/// `get_curvature_at_distance_along_lane`); past the end, the last part's.
pub fn curvature_at_distance_along_lane(distance_m: f64, lane: &[Arcline]) -> f64 {
    let mut start = 0.0;
    for (i, path) in lane.iter().enumerate() {
        let end = start + path.length_m();
        if distance_m <= end || i + 1 == lane.len() {
            return path.curvature_at(distance_m - start);
        }
        start = end;
    }
    0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(shape: &str, lengths: [f64; 3]) -> Arcline {
        Arcline::from_record(&ArclinePath {
            start_pose: vec![0.0, 0.0, 0.0],
            end_pose: vec![0.0, 0.0, 0.0],
            shape: shape.into(),
            radius: 10.0,
            segment_length: lengths.to_vec(),
        })
        .expect("valid")
    }

    #[test]
    fn quarter_circle_left_ends_at_radius() {
        let quarter = std::f64::consts::FRAC_PI_2 * 10.0;
        let p = rec("LSL", [quarter, 0.0, 0.0]).pose_at_length(quarter);
        assert!((p.x - 10.0).abs() < 1e-9 && (p.y - 10.0).abs() < 1e-9);
        assert!((p.yaw - std::f64::consts::FRAC_PI_2).abs() < 1e-12);
    }

    #[test]
    fn spacing_never_exceeds_resolution() {
        let path = rec("RSL", [3.3, 7.01, 2.2]);
        let pts = discretize(&path, 0.5);
        assert_eq!(pts.len(), (12.51f64 / 0.5).ceil() as usize + 1);
        for w in pts.windows(2) {
            let d = ((w[1].x - w[0].x).powi(2) + (w[1].y - w[0].y).powi(2)).sqrt();
            assert!(d <= 0.5 + 1e-12, "spacing {d}");
        }
        let end = path.pose_at_length(path.length_m());
        let last = pts.last().expect("points");
        assert!((last.x - end.x).abs() < 1e-9 && (last.y - end.y).abs() < 1e-9);
    }

    #[test]
    fn zero_length_and_bad_resolution_give_two_points() {
        assert_eq!(discretize(&rec("LSL", [0.0; 3]), 0.5).len(), 2);
        assert_eq!(discretize(&rec("LSL", [1.0; 3]), 0.0).len(), 2);
        assert_eq!(discretize(&rec("LSL", [1.0; 3]), f64::NAN).len(), 2);
    }

    #[test]
    fn rejects_bad_records() {
        let mut r = ArclinePath {
            start_pose: vec![0.0, 0.0],
            end_pose: vec![0.0, 0.0, 0.0],
            shape: "LSL".into(),
            radius: 1.0,
            segment_length: vec![1.0, 1.0, 1.0],
        };
        assert_eq!(Arcline::from_record(&r).unwrap_err().0, "start_pose");
        r.start_pose.push(0.0);
        r.shape = "SSS".into();
        assert_eq!(Arcline::from_record(&r).unwrap_err().0, "shape");
        r.shape = "RSR".into();
        r.radius = 0.0;
        assert_eq!(Arcline::from_record(&r).unwrap_err().0, "radius");
        r.radius = 1.0;
        r.segment_length = vec![1.0, -1.0, 1.0];
        assert_eq!(Arcline::from_record(&r).unwrap_err().0, "segment_length");
    }

    #[test]
    fn from_start_computes_the_end_and_round_trips_through_the_record() {
        let quarter = std::f64::consts::FRAC_PI_2 * 10.0;
        let path = Arcline::from_start(
            Pose2d::new(1.0, 2.0, 7.0),
            *b"LSL",
            10.0,
            [quarter, 3.0, 0.0],
        );
        assert!((path.start.yaw - principal_value(7.0)).abs() < 1e-15);
        assert_eq!(path.end, path.pose_at_length(path.length_m()));
        assert_eq!(Arcline::from_record(&path.to_record()), Ok(path));
    }

    #[test]
    fn principal_value_matches_python_modulo() {
        use std::f64::consts::PI;
        assert!((principal_value(PI) + PI).abs() < 1e-12);
        assert!((principal_value(3.0 * PI / 2.0) + PI / 2.0).abs() < 1e-12);
        assert!((principal_value(-0.25) + 0.25).abs() < 1e-12);
    }
}
