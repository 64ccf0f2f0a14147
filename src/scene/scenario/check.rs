//! Semantic validation of a parsed `ScenarioSpec`, collecting every problem at once.
//!
//! `validate_spec` needs only the spec: finite numbers, ranges (speeds >= 0, decelerations in
//! (0, 15] m/s^2, trigger distances > 0), jitter ranges with lo <= hi and only on quantities
//! they affect, known classes, unique actor ids. `check` adds what needs the scene: the start
//! lies inside the log, removed instance tokens and lane tokens exist, and route- or
//! lane-relative starts (with their whole jitter range) stay on the route or lane.
//!
//! Ranges are checked with jitter: a value `v` with jitter `[lo, hi]` must be valid for every
//! draw in `[v + lo, v + hi]`, so no seed can resolve to a broken episode.

use super::error::{Problem, ProblemKind, ScenarioError};
use super::route::{Polyline, logged_route};
use super::spec::{BehaviourSpec, Jitter, ScenarioSpec, StartSpec, TriggerSpec};
use crate::scene::{ActorClass, Scene};
use glam::DVec2;
use std::collections::BTreeMap;

/// Upper bound on scripted braking (about 1.5 g: more than any tyre gives on dry asphalt).
pub const MAX_DECEL_MPS2: f64 = 15.0;

/// Validate a spec against its base scene: everything `validate_spec` checks plus the scene-
/// dependent checks. Returns every problem found in one `ScenarioError::Invalid`.
pub fn check(spec: &ScenarioSpec, scene: &Scene) -> Result<(), ScenarioError> {
    let mut problems = validate_spec(spec);
    problems.extend(scene_problems(spec, scene));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ScenarioError::Invalid {
            origin: format!("scenario {:?}", spec.name),
            problems,
        })
    }
}

/// Collects problems under a field path.
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn push(&mut self, field: &str, kind: ProblemKind) {
        self.problems.push(Problem::new(field, kind));
    }

    /// `true` if finite; records a problem otherwise.
    fn finite(&mut self, field: &str, v: f64) -> bool {
        if v.is_finite() {
            true
        } else {
            self.push(field, ProblemKind::NotFinite { value: v });
            false
        }
    }

    /// The jitter range, or (0, 0) if absent or broken (broken ranges are recorded).
    fn range(&mut self, field: &str, r: Option<[f64; 2]>) -> (f64, f64) {
        let Some([lo, hi]) = r else {
            return (0.0, 0.0);
        };
        let ok = self.finite(&format!("{field}[0]"), lo) & self.finite(&format!("{field}[1]"), hi);
        if !ok {
            return (0.0, 0.0);
        }
        if lo > hi {
            self.push(field, ProblemKind::ReversedRange { lo, hi });
            return (0.0, 0.0);
        }
        (lo, hi)
    }

    /// `v + lo` must satisfy `ok`, described by `expected`.
    fn bound(&mut self, field: &str, v: f64, lo: f64, ok: impl Fn(f64) -> bool, expected: &str) {
        if !self.finite(field, v) {
            return;
        }
        for value in [v, v + lo] {
            if !ok(value) {
                let expected = if value == v {
                    expected.to_string()
                } else {
                    format!("{expected} after adding the jitter's low end {lo}")
                };
                self.push(field, ProblemKind::OutOfRange { value, expected });
                return;
            }
        }
    }

    fn non_negative(&mut self, field: &str, v: f64, lo: f64) {
        self.bound(field, v, lo, |x| x >= 0.0, ">= 0");
    }

    fn positive(&mut self, field: &str, v: f64, lo: f64) {
        self.bound(field, v, lo, |x| x > 0.0, "> 0");
    }

    fn not_applicable(&mut self, field: &str, present: bool, key: &str, allowed: &str) {
        if present {
            self.push(
                &format!("{field}.{key}"),
                ProblemKind::JitterNotApplicable {
                    key: key.to_string(),
                    allowed: allowed.to_string(),
                },
            );
        }
    }

    fn polyline(&mut self, field: &str, pts: &[[f64; 2]]) {
        let mut finite = true;
        for (i, p) in pts.iter().enumerate() {
            finite &= self.finite(&format!("{field}[{i}][0]"), p[0]);
            finite &= self.finite(&format!("{field}[{i}][1]"), p[1]);
        }
        if finite {
            let l = Polyline::new(pts.iter().map(|p| DVec2::from(*p)));
            if l.points().len() < 2 {
                self.push(
                    field,
                    ProblemKind::DegeneratePolyline {
                        points: l.points().len(),
                        length_m: l.length_m(),
                    },
                );
            }
        }
    }
}

/// Scene-independent checks; an empty result means the spec is well-formed.
pub fn validate_spec(spec: &ScenarioSpec) -> Vec<Problem> {
    let mut c = Checker {
        problems: Vec::new(),
    };
    if spec.name.trim().is_empty() {
        c.push(
            "name",
            ProblemKind::Empty {
                expected: "a scenario name (the file stem)".into(),
            },
        );
    }
    if spec.scene.trim().is_empty() {
        c.push(
            "scene",
            ProblemKind::Empty {
                expected: "a scene name such as scene-0001".into(),
            },
        );
    }
    if let Some(d) = spec.duration_secs {
        c.positive("duration_secs", d, 0.0);
    }

    // Ego.
    let ej = &spec.ego.jitter;
    let ego_allowed = "start_secs, speed_mps";
    for (key, present) in [
        ("route_s_m", ej.route_s_m.is_some()),
        ("lateral_m", ej.lateral_m.is_some()),
        ("yaw_deg", ej.yaw_deg.is_some()),
        ("trigger", ej.trigger.is_some()),
    ] {
        c.not_applicable("ego.jitter", present, key, ego_allowed);
    }
    let (start_lo, _) = c.range("ego.jitter.start_secs", ej.start_secs);
    let (speed_lo, _) = c.range("ego.jitter.speed_mps", ej.speed_mps);
    c.non_negative("ego.start_secs", spec.ego.start_secs, start_lo);
    if let Some(v) = spec.ego.start_speed_mps {
        c.non_negative("ego.start_speed_mps", v, speed_lo);
    }
    if let Some(p) = spec.ego.start_pose {
        c.finite("ego.start_pose.x", p.x);
        c.finite("ego.start_pose.y", p.y);
        c.finite("ego.start_pose.yaw_deg", p.yaw_deg);
    }
    if let Some(route) = &spec.ego.route {
        c.polyline("ego.route", route);
    }

    // Actors.
    let mut first_index: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, a) in spec.actors.iter().enumerate() {
        let f = format!("actors[{i}]");
        if a.id.trim().is_empty() || a.id == "ego" {
            c.push(&format!("{f}.id"), ProblemKind::BadId { id: a.id.clone() });
        } else if let Some(&first) = first_index.get(a.id.as_str()) {
            c.push(
                &format!("{f}.id"),
                ProblemKind::DuplicateId {
                    id: a.id.clone(),
                    first_index: first,
                },
            );
        } else {
            first_index.insert(&a.id, i);
        }
        if ActorClass::parse(&a.class).is_none() {
            c.push(
                &format!("{f}.class"),
                ProblemKind::UnknownClass {
                    class: a.class.clone(),
                },
            );
        }
        if let Some(size) = a.size_wlh_m {
            for (k, v) in size.iter().enumerate() {
                c.positive(&format!("{f}.size_wlh_m[{k}]"), *v, 0.0);
            }
        }
        actor_numbers(&mut c, &f, &a.start, &a.behaviour, &a.trigger, &a.jitter);
    }
    c.problems
}

fn actor_numbers(
    c: &mut Checker,
    f: &str,
    start: &StartSpec,
    behaviour: &BehaviourSpec,
    trigger: &TriggerSpec,
    jitter: &Jitter,
) {
    let jf = format!("{f}.jitter");
    let moving = !matches!(behaviour, BehaviourSpec::Stop {});
    let triggered = !matches!(trigger, TriggerSpec::Immediately);
    let allowed = format!(
        "route_s_m, lateral_m, yaw_deg{}{}",
        if moving { ", speed_mps" } else { "" },
        if triggered { ", trigger" } else { "" }
    );
    c.not_applicable(&jf, jitter.start_secs.is_some(), "start_secs", &allowed);
    c.not_applicable(
        &jf,
        !moving && jitter.speed_mps.is_some(),
        "speed_mps",
        &allowed,
    );
    c.not_applicable(
        &jf,
        !triggered && jitter.trigger.is_some(),
        "trigger",
        &allowed,
    );
    c.range(&format!("{jf}.route_s_m"), jitter.route_s_m);
    c.range(&format!("{jf}.lateral_m"), jitter.lateral_m);
    c.range(&format!("{jf}.yaw_deg"), jitter.yaw_deg);
    let (speed_lo, _) = c.range(&format!("{jf}.speed_mps"), jitter.speed_mps);
    let (trigger_lo, _) = c.range(&format!("{jf}.trigger"), jitter.trigger);

    let sf = format!("{f}.start");
    match start {
        StartSpec::Route {
            route_s_m,
            lateral_m,
            yaw_deg,
        } => {
            c.finite(&format!("{sf}.route_s_m"), *route_s_m);
            c.finite(&format!("{sf}.lateral_m"), *lateral_m);
            c.finite(&format!("{sf}.yaw_deg"), *yaw_deg);
        }
        StartSpec::Lane { lane, s_m } => {
            if lane.trim().is_empty() {
                c.push(
                    &format!("{sf}.lane"),
                    ProblemKind::Empty {
                        expected: "a lane token of the scene's map".into(),
                    },
                );
            }
            c.finite(&format!("{sf}.s_m"), *s_m);
        }
        StartSpec::Pose { x, y, yaw_deg } => {
            c.finite(&format!("{sf}.x"), *x);
            c.finite(&format!("{sf}.y"), *y);
            c.finite(&format!("{sf}.yaw_deg"), *yaw_deg);
        }
    }

    let bf = format!("{f}.behaviour");
    match behaviour {
        BehaviourSpec::Replay { path, speed_mps } => {
            c.polyline(&format!("{bf}.path"), path);
            c.non_negative(&format!("{bf}.speed_mps"), *speed_mps, speed_lo);
        }
        BehaviourSpec::Idm { desired_speed_mps } => {
            c.non_negative(
                &format!("{bf}.desired_speed_mps"),
                *desired_speed_mps,
                speed_lo,
            );
        }
        BehaviourSpec::CutIn {
            speed_mps,
            duration_secs,
        } => {
            c.non_negative(&format!("{bf}.speed_mps"), *speed_mps, speed_lo);
            c.positive(&format!("{bf}.duration_secs"), *duration_secs, 0.0);
        }
        BehaviourSpec::HardBrake {
            speed_mps,
            decel_mps2,
        } => {
            c.non_negative(&format!("{bf}.speed_mps"), *speed_mps, speed_lo);
            c.bound(
                &format!("{bf}.decel_mps2"),
                *decel_mps2,
                0.0,
                |x| x > 0.0 && x <= MAX_DECEL_MPS2,
                "in (0, 15] m/s^2",
            );
        }
        BehaviourSpec::Stop {} => {}
        BehaviourSpec::Cross { speed_mps } | BehaviourSpec::Oncoming { speed_mps } => {
            c.non_negative(&format!("{bf}.speed_mps"), *speed_mps, speed_lo);
        }
    }

    let tf = format!("{f}.trigger");
    match trigger {
        TriggerSpec::Immediately => {}
        TriggerSpec::Time { time_secs } => {
            c.non_negative(&format!("{tf}.time_secs"), *time_secs, trigger_lo);
        }
        TriggerSpec::EgoDistance { ego_distance_m } => {
            c.positive(&format!("{tf}.ego_distance_m"), *ego_distance_m, trigger_lo);
        }
    }
}

/// The reference route and the ego's arc length on it, for an episode starting at `start_us`.
pub(crate) fn reference_route(
    spec: &ScenarioSpec,
    scene: &Scene,
    start_us: i64,
) -> (Polyline, f64) {
    let route = match &spec.ego.route {
        Some(pts) => Polyline::new(pts.iter().map(|p| DVec2::from(*p)))
            .densified(super::route::ROUTE_SPACING_M),
        None => logged_route(scene, start_us),
    };
    let ego_xy = match spec.ego.start_pose {
        Some(p) => DVec2::new(p.x, p.y),
        None => scene.ego_pose_at(start_us).map_or(DVec2::ZERO, |p| p.xy()),
    };
    let s_ego = route.project(ego_xy);
    (route, s_ego)
}

/// Checks that need the scene. Assumes numbers are finite where `validate_spec` says so
/// (non-finite values are skipped here, they are already reported).
fn scene_problems(spec: &ScenarioSpec, scene: &Scene) -> Vec<Problem> {
    let mut c = Checker {
        problems: Vec::new(),
    };
    if scene.ego_track.is_empty() {
        c.push("scene", ProblemKind::NoEgoTrack);
        return c.problems;
    }
    for (i, token) in spec.remove_actors.iter().enumerate() {
        if !scene.actors.iter().any(|a| &a.instance_token == token) {
            let examples: Vec<&str> = scene
                .actors
                .iter()
                .take(3)
                .map(|a| a.instance_token.as_str())
                .collect();
            c.push(
                &format!("remove_actors[{i}]"),
                ProblemKind::UnknownActorToken {
                    token: token.clone(),
                    scene: scene.name.clone(),
                    count: scene.actors.len(),
                    examples: examples.join(", "),
                },
            );
        }
    }

    let log_secs = scene.duration_secs();
    let (start_lo, start_hi) = spec
        .ego
        .jitter
        .start_secs
        .filter(|[lo, hi]| lo.is_finite() && hi.is_finite() && lo <= hi)
        .map_or((0.0, 0.0), |[lo, hi]| (lo, hi));
    // The route is only known for a valid start; lane checks do not need it.
    let start = spec.ego.start_secs;
    let latest = start + start_hi;
    let open_end = spec.duration_secs.is_none();
    let route = if !start.is_finite() {
        None // reported by validate_spec
    } else if start + start_lo < 0.0 || latest > log_secs || (open_end && latest >= log_secs) {
        c.push(
            "ego.start_secs",
            ProblemKind::StartBeyondLog {
                start_secs: start,
                start_hi_secs: latest,
                log_secs,
            },
        );
        None
    } else {
        // The latest start gives the shortest route ahead: check against it.
        let latest_us = scene.start_us() + (latest * 1e6).round() as i64;
        Some(reference_route(spec, scene, latest_us))
    };
    for (i, a) in spec.actors.iter().enumerate() {
        let (jlo, jhi) = a
            .jitter
            .route_s_m
            .filter(|[lo, hi]| lo.is_finite() && hi.is_finite() && lo <= hi)
            .map_or((0.0, 0.0), |[lo, hi]| (lo, hi));
        match &a.start {
            StartSpec::Route { route_s_m, .. } if route_s_m.is_finite() => {
                let Some((route, s_ego)) = &route else {
                    continue;
                };
                let (min_m, max_m) = (0.0 - s_ego, route.length_m() - s_ego); // 0.0 - x: never "-0.00"
                let (from_m, to_m) = (route_s_m + jlo, route_s_m + jhi);
                if from_m < min_m || to_m > max_m {
                    c.push(
                        &format!("actors[{i}].start.route_s_m"),
                        ProblemKind::BeyondRoute {
                            from_m,
                            to_m,
                            min_m,
                            max_m,
                        },
                    );
                }
            }
            StartSpec::Lane { lane, s_m } if s_m.is_finite() => {
                match scene.map.lane_index.get(lane) {
                    None => c.push(
                        &format!("actors[{i}].start.lane"),
                        ProblemKind::UnknownLane {
                            token: lane.clone(),
                            location: scene.location.to_string(),
                            nearby: super::nearest_names(
                                lane,
                                scene.map.lane_index.keys().map(String::as_str),
                                3,
                            )
                            .join(", "),
                        },
                    ),
                    Some(&li) => {
                        let centre = lane_polyline(&scene.map.lanes[li]);
                        let (from_m, to_m) = (s_m + jlo, s_m + jhi);
                        if from_m < 0.0 || to_m > centre.length_m() {
                            c.push(
                                &format!("actors[{i}].start.s_m"),
                                ProblemKind::BeyondLane {
                                    lane: lane.clone(),
                                    from_m,
                                    to_m,
                                    length_m: centre.length_m(),
                                },
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
    c.problems
}

/// A lane's centreline as a polyline.
pub(crate) fn lane_polyline(lane: &crate::scene::Lane) -> Polyline {
    Polyline::new(lane.centreline.iter().map(|p| p.xy))
}
