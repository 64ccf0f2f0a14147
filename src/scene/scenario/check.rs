//! Semantic validation of a parsed `ScenarioSpec`, collecting every problem at once.
//!
//! `validate_spec` needs only the spec: finite numbers, ranges (speeds >= 0, decelerations in
//! (0, 15] m/s^2, trigger distances > 0), an upper bound on every quantity (`bounds`: speeds a
//! vehicle, cyclist or pedestrian can reach, coordinates, lengths, durations, counts), jitter
//! ranges with lo <= hi and only on quantities they affect, known classes, unique actor ids.
//! `check` adds what needs the scene: the start lies inside the log with a whole decision step
//! left, positions lie inside the map's extent plus `MAP_MARGIN_M`, removed instance tokens and
//! lane tokens exist, and route- or lane-relative starts (with their whole jitter range) stay
//! on the route or lane. Nothing is built in proportion to a value before its bound is checked:
//! an out-of-bounds `ego.route` is reported and never densified.
//!
//! Ranges are checked with jitter: a value `v` with jitter `[lo, hi]` must be valid for every
//! draw in `[v + lo, v + hi]`, so no seed can resolve to a broken episode.

use super::bounds::*;
use super::error::{Problem, ProblemKind, ScenarioError};
use super::route::{Polyline, logged_route};
use super::spec::{ActorSpec, BehaviourSpec, ScenarioSpec, StartSpec, TriggerSpec};
use crate::config::TimeBase;
use crate::scene::{ActorClass, MAP_MARGIN_M, Scene, in_area};
use glam::DVec2;
use std::collections::{BTreeMap, BTreeSet};

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

    /// The jitter range, or (0, 0) if absent or broken (broken ranges, and ends beyond
    /// +-`limit`, are recorded).
    fn range(&mut self, field: &str, r: Option<[f64; 2]>, limit: f64) -> (f64, f64) {
        let Some([lo, hi]) = r else {
            return (0.0, 0.0);
        };
        let ok = self.finite(&format!("{field}[0]"), lo) & self.finite(&format!("{field}[1]"), hi);
        if !ok {
            return (0.0, 0.0);
        }
        let mut ok = true;
        for (k, v) in [lo, hi].into_iter().enumerate() {
            if v.abs() > limit {
                self.push(
                    &format!("{field}[{k}]"),
                    ProblemKind::OutOfRange {
                        value: v,
                        expected: format!("within +-{limit}"),
                    },
                );
                ok = false;
            }
        }
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

    /// `v`, `v + lo` and `v + hi` must lie in `[min, max]` (`min_open`: excluding `min`);
    /// `unit` follows the bound in the message. At most one problem per field.
    #[allow(clippy::too_many_arguments)] // each is one part of the range; a struct hides that
    fn within(
        &mut self,
        field: &str,
        v: f64,
        (lo, hi): (f64, f64),
        min: f64,
        min_open: bool,
        max: f64,
        unit: &str,
    ) {
        if !self.finite(field, v) {
            return;
        }
        for (value, end) in [
            (v, None),
            (v + lo, Some(("low", lo))),
            (v + hi, Some(("high", hi))),
        ] {
            let expected = if min_open && value <= min {
                format!("> {min}")
            } else if value < min {
                format!(">= {min}")
            } else if value > max {
                format!("<= {max} {unit}")
            } else {
                continue;
            };
            let expected = match end {
                None => expected,
                Some((name, j)) => format!("{expected} after adding the jitter's {name} end {j}"),
            };
            self.push(field, ProblemKind::OutOfRange { value, expected });
            return;
        }
    }

    fn non_negative(&mut self, field: &str, v: f64, lo: f64) {
        self.bound(field, v, lo, |x| x >= 0.0, ">= 0");
    }

    /// `0 <= v + jitter <= max` (`unit` follows the bound in messages).
    fn up_to(&mut self, field: &str, v: f64, jitter: (f64, f64), max: f64, unit: &str) {
        self.within(field, v, jitter, 0.0, false, max, unit);
    }

    /// `0 < v + jitter <= max`.
    fn positive_up_to(&mut self, field: &str, v: f64, jitter: (f64, f64), max: f64, unit: &str) {
        self.within(field, v, jitter, 0.0, true, max, unit);
    }

    /// `|v + jitter| <= max`.
    fn symmetric(&mut self, field: &str, v: f64, jitter: (f64, f64), max: f64, unit: &str) {
        self.within(field, v, jitter, -max, false, max, unit);
    }

    /// A speed with its jitter, at most `max` (the fastest a `who` goes).
    fn speed(&mut self, field: &str, v: f64, jitter: (f64, f64), who: &str, max: f64) {
        self.up_to(
            field,
            v,
            jitter,
            max,
            &format!("m/s (the fastest a {who} goes)"),
        );
    }

    fn too_many(&mut self, field: &str, what: &str, count: usize, max: usize) -> bool {
        if count > max {
            self.push(
                field,
                ProblemKind::TooMany {
                    what: what.to_string(),
                    count,
                    max,
                },
            );
        }
        count > max
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

    /// A polyline of at most `MAX_POLYLINE_POINTS` finite points within `MAX_ABS_COORD_M`,
    /// at least two distinct, at most `MAX_ROUTE_LENGTH_M` long (`noun`: route or path).
    fn polyline(&mut self, field: &str, pts: &[[f64; 2]], noun: &str) {
        if self.too_many(field, "points", pts.len(), MAX_POLYLINE_POINTS) {
            return;
        }
        let mut finite = true;
        for (i, p) in pts.iter().enumerate() {
            for (k, v) in p.iter().enumerate() {
                let f = format!("{field}[{i}][{k}]");
                if self.finite(&f, *v) && v.abs() > MAX_ABS_COORD_M {
                    self.push(
                        &f,
                        ProblemKind::OutOfRange {
                            value: *v,
                            expected: format!("a coordinate within +-{MAX_ABS_COORD_M} m"),
                        },
                    );
                }
                finite &= v.is_finite();
            }
        }
        if !finite {
            return;
        }
        let length_m = polyline_length_m(pts);
        if length_m > MAX_ROUTE_LENGTH_M {
            self.push(
                field,
                ProblemKind::OutOfRange {
                    value: length_m,
                    expected: format!("a {noun} length <= {MAX_ROUTE_LENGTH_M} m"),
                },
            );
            return;
        }
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

/// Length of a polyline given as points, without building it.
fn polyline_length_m(pts: &[[f64; 2]]) -> f64 {
    pts.windows(2)
        .map(|w| DVec2::from(w[0]).distance(DVec2::from(w[1])))
        .sum()
}

/// Whether a polyline is small enough to build and densify: the bounds `Checker::polyline`
/// checks (anything else is reported, and not built).
fn polyline_within_bounds(pts: &[[f64; 2]]) -> bool {
    pts.len() <= MAX_POLYLINE_POINTS
        && pts
            .iter()
            .flatten()
            .all(|v| v.is_finite() && v.abs() <= MAX_ABS_COORD_M)
        && polyline_length_m(pts) <= MAX_ROUTE_LENGTH_M
}

/// Scene-independent checks; an empty result means the spec is well-formed. Every number is
/// checked against its bound (`bounds`), so a spec without problems is cheap to resolve.
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
        c.positive_up_to("duration_secs", d, (0.0, 0.0), MAX_DURATION_SECS, "s");
    }
    c.too_many(
        "remove_actors",
        "instance tokens",
        spec.remove_actors.len(),
        MAX_REMOVED_ACTORS,
    );

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
    let (start_lo, _) = c.range("ego.jitter.start_secs", ej.start_secs, MAX_DURATION_SECS);
    let speed_jitter = c.range("ego.jitter.speed_mps", ej.speed_mps, MAX_VEHICLE_SPEED_MPS);
    c.non_negative("ego.start_secs", spec.ego.start_secs, start_lo);
    if let Some(v) = spec.ego.start_speed_mps {
        c.speed(
            "ego.start_speed_mps",
            v,
            speed_jitter,
            "car",
            MAX_VEHICLE_SPEED_MPS,
        );
    }
    if let Some(p) = spec.ego.start_pose {
        c.symmetric("ego.start_pose.x", p.x, (0.0, 0.0), MAX_ABS_COORD_M, "m");
        c.symmetric("ego.start_pose.y", p.y, (0.0, 0.0), MAX_ABS_COORD_M, "m");
        c.symmetric(
            "ego.start_pose.yaw_deg",
            p.yaw_deg,
            (0.0, 0.0),
            MAX_ABS_YAW_DEG,
            "degrees",
        );
    }
    if let Some(route) = &spec.ego.route {
        c.polyline("ego.route", route, "route");
    }

    // Actors: counted first, so a huge list is one problem and is not walked.
    if c.too_many("actors", "actors", spec.actors.len(), MAX_ACTORS) {
        return c.problems;
    }
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
        let class = ActorClass::parse(&a.class);
        if class.is_none() {
            c.push(
                &format!("{f}.class"),
                ProblemKind::UnknownClass {
                    class: a.class.clone(),
                },
            );
        }
        if let Some(size) = a.size_wlh_m {
            for (k, v) in size.iter().enumerate() {
                c.positive_up_to(
                    &format!("{f}.size_wlh_m[{k}]"),
                    *v,
                    (0.0, 0.0),
                    MAX_SIZE_M,
                    "m",
                );
            }
        }
        actor_numbers(&mut c, &f, a, class);
    }
    c.problems
}

fn actor_numbers(c: &mut Checker, f: &str, a: &ActorSpec, class: Option<ActorClass>) {
    let (start, behaviour, trigger, jitter) = (&a.start, &a.behaviour, &a.trigger, &a.jitter);
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
    let s_jitter = c.range(
        &format!("{jf}.route_s_m"),
        jitter.route_s_m,
        MAX_ROUTE_LENGTH_M,
    );
    let lateral_jitter = c.range(&format!("{jf}.lateral_m"), jitter.lateral_m, MAX_LATERAL_M);
    let yaw_jitter = c.range(&format!("{jf}.yaw_deg"), jitter.yaw_deg, MAX_ABS_YAW_DEG);
    let max_speed = max_speed_mps(class);
    let speed_jitter = c.range(&format!("{jf}.speed_mps"), jitter.speed_mps, max_speed);
    let trigger_limit = match trigger {
        TriggerSpec::EgoDistance { .. } => MAX_ROUTE_LENGTH_M,
        _ => MAX_DURATION_SECS,
    };
    let trigger_jitter = c.range(&format!("{jf}.trigger"), jitter.trigger, trigger_limit);

    let sf = format!("{f}.start");
    let yaw = |c: &mut Checker, field: &str, v: f64| {
        c.symmetric(field, v, yaw_jitter, MAX_ABS_YAW_DEG, "degrees");
    };
    match start {
        StartSpec::Route {
            route_s_m,
            lateral_m,
            yaw_deg,
        } => {
            c.symmetric(
                &format!("{sf}.route_s_m"),
                *route_s_m,
                s_jitter,
                MAX_ROUTE_LENGTH_M,
                "m",
            );
            c.symmetric(
                &format!("{sf}.lateral_m"),
                *lateral_m,
                lateral_jitter,
                MAX_LATERAL_M,
                "m",
            );
            yaw(c, &format!("{sf}.yaw_deg"), *yaw_deg);
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
            c.symmetric(
                &format!("{sf}.s_m"),
                *s_m,
                s_jitter,
                MAX_ROUTE_LENGTH_M,
                "m",
            );
        }
        StartSpec::Pose { x, y, yaw_deg } => {
            c.symmetric(&format!("{sf}.x"), *x, (0.0, 0.0), MAX_ABS_COORD_M, "m");
            c.symmetric(&format!("{sf}.y"), *y, (0.0, 0.0), MAX_ABS_COORD_M, "m");
            yaw(c, &format!("{sf}.yaw_deg"), *yaw_deg);
        }
    }

    let bf = format!("{f}.behaviour");
    let who = class.map_or("vehicle", ActorClass::as_str);
    let speed = |c: &mut Checker, key: &str, v: f64| {
        c.speed(&format!("{bf}.{key}"), v, speed_jitter, who, max_speed);
    };
    match behaviour {
        BehaviourSpec::Replay { path, speed_mps } => {
            c.polyline(&format!("{bf}.path"), path, "path");
            speed(c, "speed_mps", *speed_mps);
        }
        BehaviourSpec::Idm { desired_speed_mps } => {
            speed(c, "desired_speed_mps", *desired_speed_mps);
        }
        BehaviourSpec::CutIn {
            speed_mps,
            duration_secs,
        } => {
            speed(c, "speed_mps", *speed_mps);
            c.positive_up_to(
                &format!("{bf}.duration_secs"),
                *duration_secs,
                (0.0, 0.0),
                MAX_DURATION_SECS,
                "s",
            );
        }
        BehaviourSpec::HardBrake {
            speed_mps,
            decel_mps2,
        } => {
            speed(c, "speed_mps", *speed_mps);
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
            speed(c, "speed_mps", *speed_mps);
        }
    }

    let tf = format!("{f}.trigger");
    match trigger {
        TriggerSpec::Immediately => {}
        TriggerSpec::Time { time_secs } => {
            c.up_to(
                &format!("{tf}.time_secs"),
                *time_secs,
                trigger_jitter,
                MAX_DURATION_SECS,
                "s",
            );
        }
        TriggerSpec::EgoDistance { ego_distance_m } => {
            c.positive_up_to(
                &format!("{tf}.ego_distance_m"),
                *ego_distance_m,
                trigger_jitter,
                MAX_ROUTE_LENGTH_M,
                "m",
            );
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
    let logged: BTreeSet<&str> = scene
        .actors
        .iter()
        .map(|a| a.instance_token.as_str())
        .collect();
    let removed = if spec.remove_actors.len() > MAX_REMOVED_ACTORS {
        &[][..] // reported by validate_spec
    } else {
        &spec.remove_actors[..]
    };
    for (i, token) in removed.iter().enumerate() {
        if !logged.contains(token.as_str()) {
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
    // A whole decision step must fit between the latest start and the end of the log (the
    // nanosecond slack absorbs the rounding of `start + jitter`).
    let step_secs = TimeBase::default().decision_dt_secs;
    let route_ok = spec.ego.route.as_deref().is_none_or(polyline_within_bounds);
    let route = if !start.is_finite() {
        None // reported by validate_spec
    } else if start + start_lo < 0.0 || latest + step_secs > log_secs + 1e-9 {
        c.push(
            "ego.start_secs",
            ProblemKind::StartBeyondLog {
                start_secs: start,
                start_hi_secs: latest,
                log_secs,
                step_secs,
            },
        );
        None
    } else if !route_ok {
        None // reported by validate_spec; densifying it could take unbounded memory
    } else {
        // The latest start gives the shortest route ahead: check against it.
        let latest_us = scene.start_us() + (latest * 1e6).round() as i64;
        Some(reference_route(spec, scene, latest_us))
    };
    off_map_problems(&mut c, spec, scene);
    if spec.actors.len() > MAX_ACTORS {
        return c.problems; // reported by validate_spec
    }
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

/// Positions outside the map's extent plus `MAP_MARGIN_M`: the ego start pose, the first
/// such point of `ego.route` and of each replay path, and pose starts. Non-finite values are
/// skipped (reported by validate_spec).
fn off_map_problems(c: &mut Checker, spec: &ScenarioSpec, scene: &Scene) {
    let area = scene.map.allowed_area_m();
    let (extent_min, extent_max) = scene.map.extent_m();
    let at = |c: &mut Checker, field: String, x: f64, y: f64| {
        let p = DVec2::new(x, y);
        if p.is_finite() && !in_area(area, p) {
            c.push(
                &field,
                ProblemKind::OffMap {
                    x,
                    y,
                    extent_min: extent_min.to_array(),
                    extent_max: extent_max.to_array(),
                    margin_m: MAP_MARGIN_M,
                },
            );
            return true;
        }
        false
    };
    let first_off = |c: &mut Checker, field: &str, pts: &[[f64; 2]]| {
        for (i, p) in pts.iter().enumerate().take(MAX_POLYLINE_POINTS) {
            if at(c, format!("{field}[{i}]"), p[0], p[1]) {
                return;
            }
        }
    };
    if let Some(p) = spec.ego.start_pose {
        at(c, "ego.start_pose".into(), p.x, p.y);
    }
    if let Some(route) = &spec.ego.route {
        first_off(c, "ego.route", route);
    }
    for (i, a) in spec.actors.iter().enumerate().take(MAX_ACTORS) {
        if let StartSpec::Pose { x, y, .. } = a.start {
            at(c, format!("actors[{i}].start"), x, y);
        }
        if let BehaviourSpec::Replay { path, .. } = &a.behaviour {
            first_off(c, &format!("actors[{i}].behaviour.path"), path);
        }
    }
}

/// A lane's centreline as a polyline.
pub(crate) fn lane_polyline(lane: &crate::scene::Lane) -> Polyline {
    Polyline::new(lane.centreline.iter().map(|p| p.xy))
}
