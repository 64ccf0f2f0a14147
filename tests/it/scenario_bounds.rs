//! Regression tests for "a four-line scenario file exhausts memory": every quantity of a
//! scenario has a bound (positions inside the map's extent plus a margin, physical speeds, a
//! cap on actors and on route length, a start leaving a whole step before the log ends), the
//! bounds are checked before anything allocates in proportion to the values (in `load_spec` /
//! `parse_spec`, `check` and `resolve`, the path `rollout` takes), and every problem is
//! reported at once.

use crate::scenario_common;

use mpa_sim::scene::scenario::{
    MAX_ACTORS, ProblemKind, ScenarioError, ScenarioSpec, check, load_spec, parse_spec, resolve,
};
use scenario_common::*;

const ORIGIN: &str = "scenarios/bounds.toml";

fn fields(err: &ScenarioError) -> Vec<&str> {
    err.problems().iter().map(|p| p.field.as_str()).collect()
}

fn assert_mentions(err: &ScenarioError, needles: &[&str]) {
    let msg = err.to_string();
    for n in needles {
        assert!(msg.contains(n), "{n:?} missing from:\n{msg}");
    }
}

/// Schema only (no value checks), so `check` and `resolve` see the raw values.
fn raw_spec(extra: &str) -> ScenarioSpec {
    toml::from_str(&toml_with("scene-straight", extra)).expect("valid schema")
}

#[test]
fn route_point_at_1e9_m_is_refused_before_densifying() {
    // Densified at 0.5 m this route was 2e9 points (a 4 GB allocation).
    let extra = "[ego]\nroute = [[100.0, 50.0], [1e9, 50.0]]\n";
    let err = parse_spec(&toml_with("scene-straight", extra), ORIGIN).expect_err("refused");
    assert!(fields(&err).contains(&"ego.route[1][0]"), "{err}");
    assert!(fields(&err).contains(&"ego.route"), "{err}");
    assert_mentions(&err, &[ORIGIN, "1000000000", "route length"]);

    let spec = raw_spec(extra);
    let scene = straight_scene();
    assert!(check(&spec, &scene).is_err());
    assert!(resolve(&spec, scene, 0).is_err());
}

#[test]
fn route_point_at_1e300_does_not_hang_check_or_resolve() {
    let extra = "[ego]\nroute = [[100.0, 50.0], [1e300, 50.0]]\n";
    let spec = raw_spec(extra);
    let scene = straight_scene();
    let err = check(&spec, &scene).expect_err("refused");
    assert!(fields(&err).contains(&"ego.route[1][0]"), "{err}");
    // Huge values print in exponent form, not as 301 digits.
    assert_mentions(&err, &["1e300 is out of range"]);
    assert!(
        !err.to_string().contains("10000000000000000000000"),
        "{err}"
    );
    let err = resolve(&spec, scene, 0).expect_err("refused");
    assert!(fields(&err).contains(&"ego.route[1][0]"), "{err}");
}

#[test]
fn a_long_route_of_sane_points_is_refused_by_length() {
    // Every point is on the map, but the zig-zag is 60 km long.
    let pts: Vec<String> = (0..60)
        .map(|i| format!("[{}, 50.0]", if i % 2 == 0 { 0.0 } else { 1000.0 }))
        .collect();
    let extra = format!("[ego]\nroute = [{}]\n", pts.join(", "));
    let err = parse_spec(&toml_with("scene-straight", &extra), ORIGIN).expect_err("refused");
    assert_eq!(fields(&err), ["ego.route"], "{err}");
    assert_mentions(&err, &["route length", "59000"]);
}

#[test]
fn positions_far_off_the_map_are_refused() {
    // The straight scene's map spans [0, 1000] x [0, 1000] m.
    let spec = raw_spec(
        r#"
[ego]
start_pose = { x = 1e6, y = 50.0, yaw_deg = 0.0 }
route = [[100.0, 50.0], [200.0, -5000.0]]

[[actors]]
id = "far"
class = "car"
start = { x = 100.0, y = 900000.0, yaw_deg = 0.0 }
behaviour = { kind = "replay", path = [[100.0, 50.0], [-3000.0, 50.0]], speed_mps = 5.0 }
"#,
    );
    let err = check(&spec, &straight_scene()).expect_err("refused");
    assert_eq!(
        fields(&err),
        [
            "ego.start_pose",
            "ego.route[1]",
            "actors[0].start",
            "actors[0].behaviour.path[1]",
        ],
        "{err}"
    );
    assert!(matches!(err.problems()[0].kind, ProblemKind::OffMap { .. }));
    assert_mentions(&err, &["1000000", "map extent", "margin"]);
}

#[test]
fn impossible_speeds_are_all_reported_at_once() {
    let text = toml_with(
        "scene-straight",
        r#"
[ego]
start_speed_mps = 1e300

[[actors]]
id = "light"
class = "car"
start = { route_s_m = 40.0 }
behaviour = { kind = "oncoming", speed_mps = 3e8 }

[[actors]]
id = "max"
class = "car"
start = { route_s_m = 40.0 }
behaviour = { kind = "idm", desired_speed_mps = 1.7976931348623157e308 }

[[actors]]
id = "sprinter"
class = "pedestrian"
start = { route_s_m = 40.0, lateral_m = 1e300 }
behaviour = { kind = "cross", speed_mps = 10.0 }
jitter = { speed_mps = [0.0, 5.0] }
"#,
    );
    let err = parse_spec(&text, ORIGIN).expect_err("refused");
    assert_eq!(
        fields(&err),
        [
            "ego.start_speed_mps",
            "actors[0].behaviour.speed_mps",
            "actors[1].behaviour.desired_speed_mps",
            "actors[2].start.lateral_m",
            "actors[2].behaviour.speed_mps",
        ],
        "{err}"
    );
    assert_mentions(&err, &["5 problem(s)", "300000000", "pedestrian", "jitter"]);
}

#[test]
fn too_many_actors_are_counted_before_parsing() {
    let one = "[[actors]]\nid = \"a\"\nclass = \"car\"\nstart = { route_s_m = 40.0 }\nbehaviour = { kind = \"stop\" }\n";
    let text = toml_with("scene-straight", &one.repeat(MAX_ACTORS + 1));
    let err = parse_spec(&text, ORIGIN).expect_err("refused");
    // Counted from the text: the duplicate ids of a parsed spec are never looked at.
    assert_eq!(fields(&err), ["actors"], "{err}");
    assert!(matches!(
        err.problems()[0].kind,
        ProblemKind::TooMany { count, max, .. } if count == MAX_ACTORS + 1 && max == MAX_ACTORS
    ));

    // The inline-array form is counted after parsing, before the per-actor checks.
    let inline = format!(
        "actors = [{}]\n",
        vec!["{ id = \"a\", class = \"car\", start = { route_s_m = 40.0 }, behaviour = { kind = \"stop\" } }"; MAX_ACTORS + 1]
            .join(", ")
    );
    let err = parse_spec(&toml_with("scene-straight", &inline), ORIGIN).expect_err("refused");
    assert_eq!(fields(&err), ["actors"], "{err}");
}

#[test]
fn million_actor_file_is_refused_without_reading_it() {
    // 10^6 actors took 7 GB to parse and resolve; the file is refused by its size.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("crowd.toml");
    let one = "[[actors]]\nid = \"a\"\nclass = \"car\"\nstart = { route_s_m = 40.0 }\nbehaviour = { kind = \"stop\" }\n";
    let mut text = toml_with("scene-straight", "");
    text.reserve(one.len() * 1_000_000);
    for _ in 0..1_000_000 {
        text.push_str(one);
    }
    std::fs::write(&path, &text).expect("write");
    let err = load_spec(&path).expect_err("refused");
    assert!(matches!(err, ScenarioError::TooLarge { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("crowd.toml") && msg.contains("at most"),
        "{msg}"
    );
    // In memory, the actors are counted without building the TOML tree.
    let err = parse_spec(&text, ORIGIN).expect_err("refused");
    assert!(matches!(err, ScenarioError::TooLarge { .. }), "{err}");
}

#[test]
fn start_must_leave_a_whole_step_before_the_log_ends() {
    // The straight log is 20 s long and a decision step 0.25 s.
    let ok = raw_spec("duration_secs = 5.0\n[ego]\nstart_secs = 19.75\n");
    check(&ok, &straight_scene()).expect("a whole step remains");
    let late = raw_spec("duration_secs = 5.0\n[ego]\nstart_secs = 19.9\n");
    let err = check(&late, &straight_scene()).expect_err("refused");
    assert_eq!(fields(&err), ["ego.start_secs"], "{err}");
    assert_mentions(&err, &["whole 0.25 s step"]);
    let huge = raw_spec("[ego]\nstart_secs = 1e300\n");
    let err = resolve(&huge, straight_scene(), 0).expect_err("refused");
    assert_eq!(fields(&err), ["ego.start_secs"], "{err}");
}

#[test]
fn other_unbounded_quantities_are_refused() {
    let text = toml_with(
        "scene-straight",
        r#"
duration_secs = 1e12

[[actors]]
id = "a"
class = "car"
size_wlh_m = [2.0, 1e9, 1.5]
start = { route_s_m = 1e300, yaw_deg = 1e20 }
behaviour = { kind = "cut_in", speed_mps = 5.0, duration_secs = 1e9 }
trigger = { ego_distance_m = 1e300 }
"#,
    );
    let err = parse_spec(&text, ORIGIN).expect_err("refused");
    assert_eq!(
        fields(&err),
        [
            "duration_secs",
            "actors[0].size_wlh_m[1]",
            "actors[0].start.route_s_m",
            "actors[0].start.yaw_deg",
            "actors[0].behaviour.duration_secs",
            "actors[0].trigger.ego_distance_m",
        ],
        "{err}"
    );
}
