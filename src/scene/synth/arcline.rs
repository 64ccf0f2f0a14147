//! Arcline paths (`arcline_path_3` records) as the nuScenes devkit reads them
//! (`map_expansion/arcline_path_utils.py`): three segments, each a left arc (L), right arc (R)
//! or straight (S); the first and last letters pick the sign of segments 0 and 2, the middle
//! letter of segment 1 (S only for L?L / R?R shapes like "LSL"), all arcs share `radius`.
//! A segment is the Lie-algebra element (1, 0, sign / radius) integrated over its length.
//!
//! `pose_at_length` and `discretize` are ports of the devkit functions (same sampling, same
//! angle wrapping), so our centrelines match the devkit's `discretize_lanes` point for point.
//! The constructors build the only shapes the generator needs: straights ("LSL", [0, L, 0]),
//! single arcs ("LSL"/"RSR" with the arc in segment 0), quarter turns with a straight lead-in or
//! lead-out, and S-curves ("LSR"/"RSL") for lateral offsets.

use crate::scene::tables::ArclinePath;
use std::f64::consts::{FRAC_PI_2, PI, TAU};

/// (x, y, yaw) in the global frame.
pub type Pose2 = [f64; 3];

/// Radius written for straight paths (their arc segments have length 0, so it never matters;
/// it must not be 0 because the devkit divides by it).
pub const STRAIGHT_RADIUS_M: f64 = 999.0;

/// Angle in [-pi, pi), as the devkit's `principal_value`.
pub fn principal_value(a: f64) -> f64 {
    (a + PI).rem_euclid(TAU) - PI
}

fn segment_signs(shape: &str) -> [f64; 3] {
    let s0 = if matches!(shape, "LRL" | "LSL" | "LSR") {
        1.0
    } else {
        -1.0
    };
    let s1 = match shape {
        "RLR" => 1.0,
        "LRL" => -1.0,
        _ => 0.0,
    };
    let s2 = if matches!(shape, "LRL" | "LSL" | "RSL") {
        1.0
    } else {
        -1.0
    };
    [s0, s1, s2]
}

/// Transformation of walking `step` metres along the algebra element (1, 0, curvature).
fn step_transform(curvature: f64, step: f64) -> Pose2 {
    let theta = curvature * step;
    if curvature.abs() < 1e-6 {
        [step, 0.0, theta]
    } else {
        [
            theta.sin() / curvature,
            (1.0 - theta.cos()) / curvature,
            theta,
        ]
    }
}

fn apply(pose: Pose2, t: Pose2) -> Pose2 {
    let (s, c) = pose[2].sin_cos();
    [
        c * t[0] - s * t[1] + pose[0],
        s * t[0] + c * t[1] + pose[1],
        principal_value(pose[2] + t[2]),
    ]
}

fn start_of(path: &ArclinePath) -> Pose2 {
    [path.start_pose[0], path.start_pose[1], path.start_pose[2]]
}

/// Total length of a path, metres.
pub fn path_length(path: &ArclinePath) -> f64 {
    path.segment_length.iter().sum()
}

#[allow(clippy::needless_range_loop)] // mirrors the devkit's indexed loops
/// Signed curvature (1/m, left positive) of the segment at `pos` metres along the path.
pub fn curvature_at(path: &ArclinePath, pos: f64) -> f64 {
    let signs = segment_signs(&path.shape);
    let mut rest = pos;
    for i in 0..3 {
        if rest <= path.segment_length[i] || i == 2 {
            return signs[i] / path.radius;
        }
        rest -= path.segment_length[i];
    }
    0.0
}

#[allow(clippy::needless_range_loop)] // mirrors the devkit's indexed loops
/// Pose `pos` metres along the path (clamped to the path), as the devkit's `pose_at_length`.
pub fn pose_at_length(path: &ArclinePath, pos: f64) -> Pose2 {
    let mut pos = pos.clamp(0.0, path_length(path));
    let signs = segment_signs(&path.shape);
    let mut result = start_of(path);
    for i in 0..3 {
        let length = path.segment_length[i];
        let k = signs[i] / path.radius;
        if pos <= length {
            return apply(result, step_transform(k, pos));
        }
        result = apply(result, step_transform(k, length));
        pos -= length;
    }
    result
}

/// Poses every ~`resolution_m` along the path, both ends included: the devkit's `discretize`.
pub fn discretize(path: &ArclinePath, resolution_m: f64) -> Vec<Pose2> {
    let path_len = path_length(path);
    let n_points = ((path_len / resolution_m).ceil() + 1.5).max(2.0) as usize;
    let res = path_len / (n_points - 1) as f64;
    let cumulative = [
        path.segment_length[0],
        path.segment_length[0] + path.segment_length[1],
        path_len + res,
    ];
    let signs = segment_signs(&path.shape);
    let mut temp = start_of(path);
    let mut g_i = 0usize;
    let mut g_s = 0.0;
    let mut out = Vec::with_capacity(n_points);
    for step in 0..n_points {
        let along = step as f64 * res;
        if along > cumulative[g_i] {
            temp = pose_at_length(path, along);
            g_s = along;
            g_i += 1;
        }
        let k = signs[g_i] / path.radius;
        out.push(apply(temp, step_transform(k, along - g_s)));
    }
    out
}

/// A whole lane (its arcline paths in order), as the devkit's `discretize_lane`.
pub fn discretize_lane(paths: &[ArclinePath], resolution_m: f64) -> Vec<Pose2> {
    paths
        .iter()
        .flat_map(|p| discretize(p, resolution_m))
        .collect()
}

fn make(start: Pose2, shape: &str, radius: f64, lengths: [f64; 3]) -> ArclinePath {
    let mut p = ArclinePath {
        start_pose: vec![start[0], start[1], principal_value(start[2])],
        end_pose: vec![],
        shape: shape.to_string(),
        radius,
        segment_length: lengths.to_vec(),
    };
    let end = pose_at_length(&p, path_length(&p));
    p.end_pose = end.to_vec();
    p
}

/// A straight of `length_m` from `start`.
pub fn straight(start: Pose2, length_m: f64) -> ArclinePath {
    make(start, "LSL", STRAIGHT_RADIUS_M, [0.0, length_m, 0.0])
}

/// A single arc of `radius_m` turning by `angle_rad` (positive left).
pub fn arc(start: Pose2, radius_m: f64, angle_rad: f64) -> ArclinePath {
    let shape = if angle_rad >= 0.0 { "LSL" } else { "RSR" };
    make(
        start,
        shape,
        radius_m,
        [radius_m * angle_rad.abs(), 0.0, 0.0],
    )
}

/// `b` expressed in the frame of `a`.
pub fn relative(a: Pose2, b: Pose2) -> Pose2 {
    let (s, c) = a[2].sin_cos();
    let dx = b[0] - a[0];
    let dy = b[1] - a[1];
    [
        c * dx + s * dy,
        -s * dx + c * dy,
        principal_value(b[2] - a[2]),
    ]
}

/// The path joining two lane ends through a junction: straight, S-curve (lateral offset, same
/// heading) or a quarter turn (left or right) with a straight lead-in or lead-out. `None` when
/// the end poses need another shape (e.g. a U-turn) or are too close.
pub fn connect(a: Pose2, b: Pose2) -> Option<ArclinePath> {
    let [dx, dy, dyaw] = relative(a, b);
    if dx <= 0.5 {
        return None;
    }
    if dyaw.abs() < 1e-6 {
        if dy.abs() < 1e-6 {
            return Some(straight(a, dx));
        }
        // Two equal arcs of opposite sign: tan(phi / 2) = dy / dx, r = dx / (2 sin phi).
        let phi = 2.0 * (dy.abs() / dx).atan();
        let r = dx / (2.0 * phi.sin());
        let shape = if dy > 0.0 { "LSR" } else { "RSL" };
        return Some(make(a, shape, r, [r * phi, 0.0, r * phi]));
    }
    if (dyaw.abs() - FRAC_PI_2).abs() < 1e-6 && dy.abs() > 0.5 && dy.signum() == dyaw.signum() {
        let ady = dy.abs();
        let shape = if dy > 0.0 { "LSL" } else { "RSR" };
        return Some(if dx >= ady {
            make(a, shape, ady, [0.0, dx - ady, ady * FRAC_PI_2])
        } else {
            make(a, shape, dx, [dx * FRAC_PI_2, ady - dx, 0.0])
        });
    }
    None
}

/// The shortest Dubins CSC path (LSL, RSR, LSR or RSL) of turning radius `radius_m` from `a`
/// to `b` (Dubins 1957; the word formulas as in Shkel & Lumelsky 2001).
pub fn dubins_csc(a: Pose2, b: Pose2, radius_m: f64) -> Option<ArclinePath> {
    let [x, y, psi] = relative(a, b);
    let r = radius_m;
    let m = |v: f64| v.rem_euclid(TAU);
    let (sp, cp) = psi.sin_cos();
    let mut best: Option<(f64, &str, [f64; 3])> = None;
    let mut consider = |shape: &'static str, arc1: f64, straight: f64, arc2: f64| {
        let total = r * (arc1 + arc2) + straight;
        if best.is_none_or(|(t, _, _)| total < t) {
            best = Some((total, shape, [r * arc1, straight, r * arc2]));
        }
    };
    // LSL: left circles at (0, r) and b's left.
    let (dx, dy) = (x - r * sp, y + r * cp - r);
    let th = dy.atan2(dx);
    consider("LSL", m(th), dx.hypot(dy), m(psi - th));
    // RSR.
    let (dx, dy) = (x + r * sp, y - r * cp + r);
    let th = dy.atan2(dx);
    consider("RSR", m(-th), dx.hypot(dy), m(th - psi));
    // LSR: inner tangent from the left circle to b's right circle.
    let (dx, dy) = (x + r * sp, y - r * cp - r);
    let d2 = dx * dx + dy * dy;
    if d2 >= 4.0 * r * r {
        let l = (d2 - 4.0 * r * r).sqrt();
        let th = dy.atan2(dx) + (2.0 * r).atan2(l);
        consider("LSR", m(th), l, m(th - psi));
    }
    // RSL.
    let (dx, dy) = (x - r * sp, y + r * cp + r);
    let d2 = dx * dx + dy * dy;
    if d2 >= 4.0 * r * r {
        let l = (d2 - 4.0 * r * r).sqrt();
        let th = dy.atan2(dx) - (2.0 * r).atan2(l);
        consider("RSL", m(-th), l, m(psi - th));
    }
    let (_, shape, lengths) = best?;
    // Full-circle arcs of ~2 pi that should be 0 come from rounding: fold them back.
    let lengths = lengths.map(|v| if (v - r * TAU).abs() < 1e-9 { 0.0 } else { v });
    Some(make(a, shape, r, lengths))
}

/// A lane as a chain of paths with cumulative lengths, for poses at a distance along it.
#[derive(Debug, Clone)]
pub struct Chain {
    pub paths: Vec<ArclinePath>,
    /// Start distance of each path along the chain.
    pub starts_m: Vec<f64>,
    pub length_m: f64,
}

impl Chain {
    pub fn new(paths: Vec<ArclinePath>) -> Chain {
        let mut starts_m = Vec::with_capacity(paths.len());
        let mut acc = 0.0;
        for p in &paths {
            starts_m.push(acc);
            acc += path_length(p);
        }
        Chain {
            paths,
            starts_m,
            length_m: acc,
        }
    }

    fn locate(&self, s_m: f64) -> (usize, f64) {
        let i = self
            .starts_m
            .partition_point(|&s| s <= s_m)
            .saturating_sub(1);
        (i, s_m - self.starts_m[i])
    }

    /// Pose at `s_m` along the chain (clamped).
    pub fn pose_at(&self, s_m: f64) -> Pose2 {
        let (i, rest) = self.locate(s_m.clamp(0.0, self.length_m));
        pose_at_length(&self.paths[i], rest)
    }

    /// Signed curvature at `s_m`.
    pub fn curvature_at(&self, s_m: f64) -> f64 {
        let (i, rest) = self.locate(s_m.clamp(0.0, self.length_m));
        curvature_at(&self.paths[i], rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Test vector from the devkit's test_arcline_path_utils.py (a real record).
    fn devkit_path() -> ArclinePath {
        ArclinePath {
            start_pose: vec![421.2419602954602, 1087.9127960414617, 2.739593514975998],
            end_pose: vec![391.7142849867393, 1100.464077182952, 2.7365754617298705],
            shape: "LSR".into(),
            radius: 999.999,
            segment_length: vec![0.23651121617864976, 28.593481378991886, 3.254561444252876],
        }
    }

    /// The devkit's `test_discretize_curved_path` vector.
    #[test]
    fn discretize_matches_devkit_curved_vector() {
        let p = ArclinePath {
            start_pose: vec![391.7142849867393, 1100.464077182952, 2.7365754617298705],
            end_pose: vec![372.7733659833846, 1093.0160135871615, -2.000208580915862],
            shape: "LSL".into(),
            radius: 14.473414516079979,
            segment_length: vec![
                22.380622583127813,
                0.18854612175175053,
                0.0010839266609007578,
            ],
        };
        let answer = [
            (391.7142849867393, 1100.464077182952, 2.7365754617298705),
            (389.94237388555354, 1101.0909492468568, 2.8665278225823894),
            (388.10416900705434, 1101.4829190922167, 2.996480183434908),
            (386.23066958739906, 1101.633376593063, 3.126432544287426),
            (384.3534700650694, 1101.539784454639, -3.026800402039642),
            (382.50422727657343, 1101.2037210019917, -2.8968480411871234),
            (380.714126599876, 1100.630853563314, -2.7668956803346045),
            (379.01335604844144, 1099.830842896896, -2.6369433194820857),
            (377.4305971846951, 1098.8171802734153, -2.506990958629568),
            (375.99254143806974, 1097.6069599609898, -2.377038597777049),
            (374.7234399843828, 1096.220590949774, -2.24708623692453),
            (373.64469477731785, 1094.6814527775348, -2.117133876072012),
            (372.7733659833847, 1093.0160135871613, -2.0002085809158623),
        ];
        let d = discretize(&p, 2.0);
        assert_eq!(d.len(), answer.len());
        for (got, want) in d.iter().zip(answer) {
            assert!((got[0] - want.0).abs() < 1e-9 && (got[1] - want.1).abs() < 1e-9);
            assert!((got[2] - want.2).abs() < 1e-9, "{got:?} {want:?}");
        }
    }

    #[test]
    fn matches_devkit_end_pose() {
        let p = devkit_path();
        let end = pose_at_length(&p, path_length(&p));
        assert!((end[0] - p.end_pose[0]).abs() < 1e-3, "{end:?}");
        assert!((end[1] - p.end_pose[1]).abs() < 1e-3);
        let d = discretize(&p, 10.0);
        assert_eq!(d.len(), 5);
        assert!((d[4][0] - p.end_pose[0]).abs() < 1e-3);
    }

    #[test]
    fn dubins_paths_land_on_target() {
        let a: Pose2 = [3.0, -2.0, 1.1];
        for b in [
            [20.0, 5.0, -0.4],
            [-8.0, 12.0, 2.5],
            [15.0, -9.0, 1.1],
            [4.0, 25.0, -2.9],
            [30.0, 1.0, 0.2],
        ] {
            let p = dubins_csc(a, b, 6.0).expect("CSC path exists");
            let e = pose_at_length(&p, path_length(&p));
            assert!(
                (e[0] - b[0]).abs() < 1e-9 && (e[1] - b[1]).abs() < 1e-9,
                "{} {e:?} {b:?}",
                p.shape
            );
            assert!(principal_value(e[2] - b[2]).abs() < 1e-9);
            assert!(p.segment_length.iter().all(|l| *l >= 0.0));
        }
    }

    #[test]
    fn quarter_turns_land_on_target() {
        let a: Pose2 = [10.0, 5.0, 0.3];
        for (dx, dy, dyaw) in [
            (12.0, 8.0, FRAC_PI_2),
            (6.0, -9.0, -FRAC_PI_2),
            (20.0, 1.5, 0.0),
        ] {
            let (s, c) = a[2].sin_cos();
            let b = [a[0] + c * dx - s * dy, a[1] + s * dx + c * dy, a[2] + dyaw];
            let p = connect(a, b).expect("shape exists");
            let e = pose_at_length(&p, path_length(&p));
            assert!(
                (e[0] - b[0]).abs() < 1e-9 && (e[1] - b[1]).abs() < 1e-9,
                "{e:?} {b:?}"
            );
            assert!(principal_value(e[2] - b[2]).abs() < 1e-9);
        }
    }
}
