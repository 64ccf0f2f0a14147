//! Arcline paths for the generator: constructors for the only shapes it needs (straights as
//! "LSL" [0, L, 0], single arcs as "LSL"/"RSR" with the arc in segment 0, quarter turns with a
//! straight lead-in or lead-out, S-curves as "LSR"/"RSL" for lateral offsets, and shortest
//! Dubins CSC paths), and `Chain`, a lane as a list of paths with poses at a distance along it.
//!
//! Poses along a path come from `scene::arcline` (the loader's port of the devkit's
//! `arcline_path_utils.py`), so the generator places actors on exactly the centrelines the
//! loader and the devkit read back.

use crate::scene::arcline::{Arcline, Pose2d, principal_value};
use std::f64::consts::{FRAC_PI_2, TAU};

/// (x, y, yaw) in the global frame.
pub type Pose2 = [f64; 3];

/// Radius written for straight paths (their arc segments have length 0, so it never matters;
/// it must not be 0 because the devkit divides by it).
pub const STRAIGHT_RADIUS_M: f64 = 999.0;

fn make(start: Pose2, shape: &str, radius: f64, lengths: [f64; 3]) -> Arcline {
    let b = shape.as_bytes();
    Arcline::from_start(
        Pose2d::from_array(start),
        [b[0], b[1], b[2]],
        radius,
        lengths,
    )
}

/// Pose `s_m` metres along `path` (clamped to the path).
fn pose_at(path: &Arcline, s_m: f64) -> Pose2 {
    path.pose_at_length(s_m).to_array()
}

/// A straight of `length_m` from `start`.
pub fn straight(start: Pose2, length_m: f64) -> Arcline {
    make(start, "LSL", STRAIGHT_RADIUS_M, [0.0, length_m, 0.0])
}

/// A single arc of `radius_m` turning by `angle_rad` (positive left).
pub fn arc(start: Pose2, radius_m: f64, angle_rad: f64) -> Arcline {
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
pub fn connect(a: Pose2, b: Pose2) -> Option<Arcline> {
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
pub fn dubins_csc(a: Pose2, b: Pose2, radius_m: f64) -> Option<Arcline> {
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
    pub paths: Vec<Arcline>,
    /// Start distance of each path along the chain.
    pub starts_m: Vec<f64>,
    pub length_m: f64,
}

impl Chain {
    pub fn new(paths: Vec<Arcline>) -> Chain {
        let mut starts_m = Vec::with_capacity(paths.len());
        let mut acc = 0.0;
        for p in &paths {
            starts_m.push(acc);
            acc += p.length_m();
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
        pose_at(&self.paths[i], rest)
    }

    /// Poses at most `resolution_m` apart along the chain: the devkit's `discretize_lane`
    /// (`scene::arcline::discretize_lane`).
    pub fn discretize(&self, resolution_m: f64) -> Vec<Pose2> {
        crate::scene::arcline::discretize_lane(&self.paths, resolution_m)
            .into_iter()
            .map(Pose2d::to_array)
            .collect()
    }

    /// The chain's `arcline_path_3` records.
    pub fn records(&self) -> Vec<crate::scene::tables::ArclinePath> {
        self.paths.iter().map(Arcline::to_record).collect()
    }

    /// Curvature magnitude (1/m) at `s_m`.
    pub fn curvature_at(&self, s_m: f64) -> f64 {
        let (i, rest) = self.locate(s_m.clamp(0.0, self.length_m));
        self.paths[i].curvature_at(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            let e = pose_at(&p, p.length_m());
            assert!(
                (e[0] - b[0]).abs() < 1e-9 && (e[1] - b[1]).abs() < 1e-9,
                "{:?} {e:?} {b:?}",
                p.shape
            );
            assert!(principal_value(e[2] - b[2]).abs() < 1e-9);
            assert!(p.segment_length_m.iter().all(|l| *l >= 0.0));
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
            let e = pose_at(&p, p.length_m());
            assert!(
                (e[0] - b[0]).abs() < 1e-9 && (e[1] - b[1]).abs() < 1e-9,
                "{e:?} {b:?}"
            );
            assert!(principal_value(e[2] - b[2]).abs() < 1e-9);
        }
    }
}
