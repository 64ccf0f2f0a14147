//! Counterfactual behaviours (`shared/MPA.md` section 1): the base plan rotated about the ego,
//! its length warped, and Gaussian noise added, each labelled with its mode bin.
//!
//! The paper gives two sets of ranges. We default to the appendix's (rotation -5..5 deg, warp
//! 0.1..2.0: with the main text's 0.1..1.0 every counterfactual is slower than the base plan,
//! so the data could never show the Q model or the adapter that going faster pays), and keep the
//! main text's (-10..10 deg, 0.1..1.0) behind `Ranges::MainText` (`--ranges main`).
//!
//! Behaviour 0 is the base plan itself (mode 0). The others are stratified over
//! `ROTATION_BINS x WARP_BINS` modes (behaviour `b` gets mode `1 + (b - 1) % MODES`), so 21
//! behaviours give the base plan plus one draw per mode; rotation and warp are uniform inside
//! the bin; the noise is an independent N(0, `noise_std_m`) offset per waypoint coordinate
//! (the paper's std 0.05, read as metres). Everything comes from a ChaCha stream of the seed, so
//! a (scene, tick, seed) gives the same behaviours on any machine.

use glam::DVec2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Rotation bins (equal-width over the rotation range).
pub const ROTATION_BINS: usize = 5;
/// Length-warp bins (equal-width over the warp range).
pub const WARP_BINS: usize = 4;
/// Perturbation modes; mode 0 is the unperturbed plan, modes 1..=MODES the bins.
pub const MODES: usize = ROTATION_BINS * WARP_BINS;
/// The paper's noise std (metres per waypoint coordinate here).
pub const DEFAULT_NOISE_STD_M: f64 = 0.05;

/// Which of the paper's two range sets (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Ranges {
    /// Appendix: rotation [-5, 5] deg, warp [0.1, 2.0] (the default).
    #[default]
    Appendix,
    /// Main text: rotation [-10, 10] deg, warp [0.1, 1.0].
    MainText,
}

impl Ranges {
    pub fn parse(s: &str) -> Result<Ranges, String> {
        match s {
            "appendix" => Ok(Ranges::Appendix),
            "main" | "main-text" => Ok(Ranges::MainText),
            other => Err(format!(
                "unknown perturbation ranges `{other}` (expected appendix or main)"
            )),
        }
    }

    pub fn rotation_deg(self) -> (f64, f64) {
        match self {
            Ranges::Appendix => (-5.0, 5.0),
            Ranges::MainText => (-10.0, 10.0),
        }
    }

    pub fn warp(self) -> (f64, f64) {
        match self {
            Ranges::Appendix => (0.1, 2.0),
            Ranges::MainText => (0.1, 1.0),
        }
    }
}

/// One counterfactual behaviour: how a plan is perturbed, and its mode label.
#[derive(Debug, Clone, PartialEq)]
pub struct Behaviour {
    pub rotation_rad: f64,
    pub warp: f64,
    /// Offset per waypoint (metres, ego frame); as many as the plan has waypoints.
    pub noise_m: Vec<DVec2>,
    /// 0 for the base plan, else `1 + rotation_bin * WARP_BINS + warp_bin`.
    pub mode: u8,
}

impl Behaviour {
    /// The base plan, unchanged.
    pub fn identity(plan_len: usize) -> Behaviour {
        Behaviour {
            rotation_rad: 0.0,
            warp: 1.0,
            noise_m: vec![DVec2::ZERO; plan_len],
            mode: 0,
        }
    }

    /// `waypoints` (ego frame) scaled by the warp, rotated about the ego, plus the noise.
    pub fn apply(&self, waypoints: &[DVec2]) -> Vec<DVec2> {
        let rot = DVec2::from_angle(self.rotation_rad);
        waypoints
            .iter()
            .enumerate()
            .map(|(i, w)| {
                rot.rotate(*w * self.warp) + self.noise_m.get(i).copied().unwrap_or(DVec2::ZERO)
            })
            .collect()
    }

    /// A short label for tables and the viewer, e.g. `m7 rot -2.1 deg warp 1.32`.
    pub fn label(&self) -> String {
        if self.mode == 0 {
            return "base".into();
        }
        format!(
            "m{} rot {:+.1} deg warp {:.2}",
            self.mode,
            self.rotation_rad.to_degrees(),
            self.warp
        )
    }
}

/// `count` behaviours for plans of `plan_len` waypoints: the identity first, then stratified
/// draws over the modes (see the module docs).
pub fn behaviours(
    count: usize,
    plan_len: usize,
    ranges: Ranges,
    noise_std_m: f64,
    seed: u64,
) -> Vec<Behaviour> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (r0, r1) = ranges.rotation_deg();
    let (w0, w1) = ranges.warp();
    let mut out = Vec::with_capacity(count);
    if count == 0 {
        return out;
    }
    out.push(Behaviour::identity(plan_len));
    for b in 1..count {
        let mode = (b - 1) % MODES;
        let (rb, wb) = (mode / WARP_BINS, mode % WARP_BINS);
        let u: f64 = rng.random();
        let v: f64 = rng.random();
        let rot_deg = r0 + (r1 - r0) * (rb as f64 + u) / ROTATION_BINS as f64;
        let warp = w0 + (w1 - w0) * (wb as f64 + v) / WARP_BINS as f64;
        let noise_m = (0..plan_len)
            .map(|_| DVec2::new(gaussian(&mut rng), gaussian(&mut rng)) * noise_std_m)
            .collect();
        out.push(Behaviour {
            rotation_rad: rot_deg.to_radians(),
            warp,
            noise_m,
            mode: (mode + 1) as u8,
        });
    }
    out
}

/// A standard normal draw (Box-Muller; the seeded stream keeps it platform-independent).
fn gaussian(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_first_then_one_draw_per_mode_inside_its_bin() {
        let b = behaviours(21, 6, Ranges::Appendix, 0.05, 3);
        assert_eq!(b.len(), 21);
        assert_eq!(b[0], Behaviour::identity(6));
        let mut modes: Vec<u8> = b[1..].iter().map(|x| x.mode).collect();
        modes.sort_unstable();
        assert_eq!(modes, (1..=20).collect::<Vec<u8>>());
        for x in &b[1..] {
            let m = usize::from(x.mode) - 1;
            let (rb, wb) = (m / WARP_BINS, m % WARP_BINS);
            let deg = x.rotation_rad.to_degrees();
            assert!((-5.0 + 2.0 * rb as f64..=-5.0 + 2.0 * (rb + 1) as f64).contains(&deg));
            let wlo = 0.1 + 1.9 * wb as f64 / 4.0;
            assert!((wlo..=wlo + 1.9 / 4.0).contains(&x.warp), "{}", x.warp);
        }
        assert_eq!(behaviours(21, 6, Ranges::Appendix, 0.05, 3), b);
        assert_ne!(behaviours(21, 6, Ranges::Appendix, 0.05, 4), b);
        let main = behaviours(21, 6, Ranges::MainText, 0.05, 3);
        assert!(main.iter().all(|x| x.warp <= 1.0));
    }

    #[test]
    fn apply_rotates_about_the_ego_and_warps_the_length() {
        let b = Behaviour {
            rotation_rad: std::f64::consts::FRAC_PI_2,
            warp: 2.0,
            noise_m: vec![DVec2::new(0.0, 0.5)],
            mode: 1,
        };
        let out = b.apply(&[DVec2::new(3.0, 0.0), DVec2::new(1.0, 1.0)]);
        assert!((out[0] - DVec2::new(0.0, 6.5)).length() < 1e-12);
        assert!((out[1] - DVec2::new(-2.0, 2.0)).length() < 1e-12);
        assert_eq!(Ranges::parse("main"), Ok(Ranges::MainText));
        assert!(Ranges::parse("x").is_err());
    }
}
