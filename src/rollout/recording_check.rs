//! Checks a recorded episode file gets on load (`EpisodeRecording::read`), so the renderer and
//! the viewer never draw impossible values: every number finite and within sane bounds
//! (coordinates within `MAX_ABS_COORD_M`, headings within a few turns, speeds and
//! accelerations a road vehicle can reach), positive box sizes, steps strictly increasing in
//! index and time, known actor classes. Every problem is named by its field path
//! (`steps[3].actors[1].length_m`); all are collected, the first `MAX_LISTED` listed.

use super::recording::EpisodeRecording;
use crate::scene::ActorClass;
use crate::scene::scenario::{MAX_ABS_COORD_M, MAX_SIZE_M};

/// Recorded headings are wrapped to (-pi, pi]; anything beyond a few turns is corrupt.
const MAX_ABS_YAW_RAD: f64 = 100.0;
/// Speeds (m/s) either way: far above any vehicle, far below a corrupt value.
const MAX_ABS_SPEED_MPS: f64 = 150.0;
/// Longitudinal accelerations (m/s^2): ten times hard braking.
const MAX_ABS_ACCEL_MPS2: f64 = 100.0;
/// Height of a box centre (m).
const MAX_ABS_Z_M: f64 = 1e4;
/// Decision tick (s).
const MAX_DECISION_DT_SECS: f64 = 60.0;
/// Problems listed in the message (the count says how many there were).
pub const MAX_LISTED: usize = 20;

/// A number for messages: in exponent form when very large or small (`1e308`, not 309 digits).
fn num(v: f64) -> String {
    if v.is_finite() && v != 0.0 && !(1e-6..1e9).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Collects problems as "`field`: found, expected".
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, field: &str, message: String) {
        self.0.push(format!("field `{field}`: {message}"));
    }

    /// `v` finite and in `[min, max]`.
    fn number(&mut self, field: &str, v: f64, min: f64, max: f64, unit: &str) {
        if !v.is_finite() || v < min || v > max {
            self.push(
                field,
                format!(
                    "found {}, expected a finite number in [{}, {}] {unit}",
                    num(v),
                    num(min),
                    num(max)
                ),
            );
        }
    }

    fn coordinate(&mut self, field: &str, v: f64) {
        self.number(field, v, -MAX_ABS_COORD_M, MAX_ABS_COORD_M, "m");
    }

    fn size(&mut self, field: &str, v: f64) {
        if !(v.is_finite() && v > 0.0 && v <= MAX_SIZE_M) {
            self.push(
                field,
                format!("found {}, expected a size in (0, {MAX_SIZE_M}] m", num(v)),
            );
        }
    }

    fn points(&mut self, field: &str, pts: &[[f64; 2]]) {
        for (i, p) in pts.iter().enumerate() {
            self.coordinate(&format!("{field}[{i}][0]"), p[0]);
            self.coordinate(&format!("{field}[{i}][1]"), p[1]);
        }
    }
}

/// Every problem of a parsed recording (empty if it is sound).
pub fn recording_problems(rec: &EpisodeRecording) -> Vec<String> {
    let mut p = Problems::default();
    let dt = rec.meta.decision_dt_secs;
    if !(dt.is_finite() && dt > 0.0 && dt <= MAX_DECISION_DT_SECS) {
        p.push(
            "meta.decision_dt_secs",
            format!(
                "found {}, expected a tick in (0, {MAX_DECISION_DT_SECS}] s",
                num(dt)
            ),
        );
    }
    let mut previous: Option<(u64, f64)> = None;
    for (i, s) in rec.steps.iter().enumerate() {
        let f = format!("steps[{i}]");
        if let Some((step, _)) = previous
            && s.step <= step
        {
            p.push(
                &format!("{f}.step"),
                format!(
                    "found {}, expected more than the previous step's {step} (steps strictly in order)",
                    s.step
                ),
            );
        }
        if !(s.time_secs.is_finite() && s.time_secs >= 0.0) {
            p.push(
                &format!("{f}.time_secs"),
                format!("found {}, expected a finite time >= 0 s", num(s.time_secs)),
            );
        } else if let Some((_, time)) = previous
            && s.time_secs <= time
        {
            p.push(
                &format!("{f}.time_secs"),
                format!(
                    "found {}, expected later than the previous step's {time} s",
                    s.time_secs
                ),
            );
        }
        previous = Some((s.step, s.time_secs));

        let e = &s.ego;
        p.coordinate(&format!("{f}.ego.x"), e.x);
        p.coordinate(&format!("{f}.ego.y"), e.y);
        p.number(
            &format!("{f}.ego.yaw"),
            e.yaw,
            -MAX_ABS_YAW_RAD,
            MAX_ABS_YAW_RAD,
            "rad",
        );
        p.number(
            &format!("{f}.ego.speed_mps"),
            e.speed_mps,
            -MAX_ABS_SPEED_MPS,
            MAX_ABS_SPEED_MPS,
            "m/s",
        );
        p.number(
            &format!("{f}.ego.accel_mps2"),
            e.accel_mps2,
            -MAX_ABS_ACCEL_MPS2,
            MAX_ABS_ACCEL_MPS2,
            "m/s^2",
        );
        for (j, a) in s.actors.iter().enumerate() {
            let af = format!("{f}.actors[{j}]");
            if ActorClass::parse(&a.class).is_none() {
                let known: Vec<&str> = ActorClass::ALL.iter().map(|c| c.as_str()).collect();
                p.push(
                    &format!("{af}.class"),
                    format!(
                        "unknown class `{}`: expected one of {}",
                        a.class,
                        known.join(", ")
                    ),
                );
            }
            p.coordinate(&format!("{af}.x"), a.x);
            p.coordinate(&format!("{af}.y"), a.y);
            p.number(
                &format!("{af}.yaw"),
                a.yaw,
                -MAX_ABS_YAW_RAD,
                MAX_ABS_YAW_RAD,
                "rad",
            );
            p.size(&format!("{af}.length_m"), a.length_m);
            p.size(&format!("{af}.width_m"), a.width_m);
            p.size(&format!("{af}.height_m"), a.height_m);
            if let Some(z) = a.z_m {
                p.number(&format!("{af}.z_m"), z, -MAX_ABS_Z_M, MAX_ABS_Z_M, "m");
            }
        }
        p.points(&format!("{f}.plan_global"), &s.plan_global);
        for (k, c) in s.candidates.iter().enumerate() {
            p.points(&format!("{f}.candidates[{k}].points"), &c.points);
        }
    }
    p.0
}

/// The problems as one message: the count, then the first `MAX_LISTED`.
pub fn describe(problems: &[String]) -> String {
    let mut out = format!("{} problem(s) in the recording:", problems.len());
    for p in problems.iter().take(MAX_LISTED) {
        out.push_str("\n  - ");
        out.push_str(p);
    }
    if problems.len() > MAX_LISTED {
        out.push_str(&format!("\n  ... and {} more", problems.len() - MAX_LISTED));
    }
    out
}
