//! Every kind of malformed scenario gets an error naming the field, what was found and what
//! is allowed. One test per error kind, on small TOML strings.

use crate::scenario_common;

use mpa_sim::scene::scenario::{ProblemKind, ScenarioError, check, load_spec, parse_spec};
use scenario_common::*;

const ORIGIN: &str = "scenarios/test.toml";

fn parse_err(extra: &str) -> ScenarioError {
    parse_spec(&toml_with("scene-straight", extra), ORIGIN).expect_err("should not parse")
}

/// The problems `check` finds against the straight scene (parsing skips validation here by
/// going through `toml` directly, so scene-independent problems show up in `check` too).
fn check_err(extra: &str) -> ScenarioError {
    let text = toml_with("scene-straight", extra);
    let spec = toml::from_str(&text).expect("valid schema");
    check(&spec, &straight_scene()).expect_err("should not check")
}

fn assert_mentions(err: &ScenarioError, needles: &[&str]) {
    let msg = err.to_string();
    for n in needles {
        assert!(msg.contains(n), "{n:?} missing from:\n{msg}");
    }
}

fn only_problem(err: &ScenarioError) -> (&str, &ProblemKind) {
    let p = err.problems();
    assert_eq!(p.len(), 1, "{err}");
    (p[0].field.as_str(), &p[0].kind)
}

const ACTOR: &str = "[[actors]]\nid = \"a\"\nclass = \"car\"\nstart = { route_s_m = 40.0 }\n";

#[test]
fn syntax_error_has_line_and_column() {
    let err = parse_spec("name = \"x\"\nscene = = \"y\"\n", ORIGIN).unwrap_err();
    let ScenarioError::Syntax { line, column, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!((*line, *column), (2, 9));
    assert_mentions(&err, &[ORIGIN, ":2:9:", "TOML syntax error"]);
}

#[test]
fn unknown_key_lists_the_allowed_keys() {
    let err = parse_err(&format!(
        "{ACTOR}behaviour = {{ kind = \"stop\" }}\ncolour = \"red\"\n"
    ));
    let ScenarioError::Schema { field, line, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(field, "actors[0].colour");
    assert_eq!(*line, 9);
    assert_mentions(
        &err,
        &[
            "unknown field `colour`",
            "`class`",
            "`behaviour`",
            "`jitter`",
        ],
    );
}

#[test]
fn unknown_family_lists_the_families() {
    let err = parse_spec("name = \"x\"\nscene = \"s\"\nfamily = \"rear\"\n", ORIGIN).unwrap_err();
    assert_mentions(
        &err,
        &[
            "field `family`",
            "`rear`",
            "`nominal`",
            "`stationary`",
            "`frontal`",
            "`side`",
        ],
    );
}

#[test]
fn unknown_behaviour_kind_lists_the_kinds() {
    let err = parse_err(&format!("{ACTOR}behaviour = {{ kind = \"teleport\" }}\n"));
    assert_mentions(
        &err,
        &[
            "field `actors[0].behaviour.kind`",
            "`teleport`",
            "`replay`",
            "`cut_in`",
            "`hard_brake`",
            "`cross`",
            "`oncoming`",
        ],
    );
}

#[test]
fn stray_behaviour_key_names_the_keys_of_its_kind() {
    let err = parse_err(&format!(
        "{ACTOR}behaviour = {{ kind = \"cross\", speed_mps = 1.0, decel_mps2 = 3.0 }}\n"
    ));
    assert_mentions(
        &err,
        &[
            "field `actors[0].behaviour.decel_mps2`",
            "behaviour kind `cross`",
            "`kind` plus speed_mps",
        ],
    );
}

#[test]
fn missing_behaviour_key_names_the_keys_of_its_kind() {
    let err = parse_err(&format!(
        "{ACTOR}behaviour = {{ kind = \"hard_brake\", speed_mps = 5.0 }}\n"
    ));
    assert_mentions(
        &err,
        &[
            "field `actors[0].behaviour`",
            "decel_mps2",
            "behaviour kind `hard_brake`",
        ],
    );
}

#[test]
fn unknown_start_form_lists_the_forms() {
    let err = parse_err(
        "[[actors]]\nid = \"a\"\nclass = \"car\"\nstart = { s = 4.0 }\nbehaviour = { kind = \"stop\" }\n",
    );
    assert_mentions(
        &err,
        &[
            "field `actors[0].start`",
            "route_s_m",
            "lane",
            "x, y, yaw_deg",
        ],
    );
}

#[test]
fn unknown_trigger_form_lists_the_forms() {
    let err = parse_err(&format!(
        "{ACTOR}behaviour = {{ kind = \"stop\" }}\ntrigger = {{ distance_m = 3.0 }}\n"
    ));
    assert_mentions(
        &err,
        &["field `actors[0].trigger`", "time_secs", "ego_distance_m"],
    );
}

#[test]
fn wrong_type_names_the_field() {
    let err = parse_err("[ego]\nstart_secs = \"two\"\n");
    assert_mentions(&err, &["field `ego.start_secs`", "expected f64"]);
}

#[test]
fn unknown_class_lists_the_classes() {
    let err = parse_err(
        "[[actors]]\nid = \"a\"\nclass = \"tram\"\nstart = { route_s_m = 40.0 }\nbehaviour = { kind = \"stop\" }\n",
    );
    let (field, kind) = only_problem(&err);
    assert_eq!(field, "actors[0].class");
    assert!(matches!(kind, ProblemKind::UnknownClass { class } if class == "tram"));
    assert_mentions(
        &err,
        &[ORIGIN, "car, truck, bus, pedestrian, cyclist, obstacle"],
    );
}

#[test]
fn non_finite_number_is_rejected() {
    let err = parse_err(&format!(
        "{ACTOR}behaviour = {{ kind = \"cross\", speed_mps = nan }}\n"
    ));
    let (field, kind) = only_problem(&err);
    assert_eq!(field, "actors[0].behaviour.speed_mps");
    assert!(matches!(kind, ProblemKind::NotFinite { .. }));
}

#[test]
fn negative_speed_is_rejected() {
    let err = parse_err(&format!(
        "{ACTOR}behaviour = {{ kind = \"oncoming\", speed_mps = -3.0 }}\n"
    ));
    let (field, kind) = only_problem(&err);
    assert_eq!(field, "actors[0].behaviour.speed_mps");
    assert!(matches!(kind, ProblemKind::OutOfRange { value, .. } if *value == -3.0));
    assert_mentions(&err, &[">= 0"]);
}

#[test]
fn speed_jitter_that_can_go_negative_is_rejected() {
    let err = parse_err(&format!(
        "{ACTOR}behaviour = {{ kind = \"oncoming\", speed_mps = 1.0 }}\njitter = {{ speed_mps = [-2.0, 1.0] }}\n"
    ));
    let (field, _) = only_problem(&err);
    assert_eq!(field, "actors[0].behaviour.speed_mps");
    assert_mentions(&err, &["-1 is out of range", "jitter's low end -2"]);
}

#[test]
fn non_positive_deceleration_is_rejected() {
    let err = parse_err(&format!(
        "{ACTOR}behaviour = {{ kind = \"hard_brake\", speed_mps = 5.0, decel_mps2 = 0.0 }}\n"
    ));
    let (field, _) = only_problem(&err);
    assert_eq!(field, "actors[0].behaviour.decel_mps2");
    assert_mentions(&err, &["(0, 15] m/s^2"]);
}

#[test]
fn reversed_jitter_range_is_rejected() {
    let err = parse_err(&format!(
        "{ACTOR}behaviour = {{ kind = \"stop\" }}\njitter = {{ route_s_m = [5.0, -5.0] }}\n"
    ));
    let (field, kind) = only_problem(&err);
    assert_eq!(field, "actors[0].jitter.route_s_m");
    assert_eq!(*kind, ProblemKind::ReversedRange { lo: 5.0, hi: -5.0 });
    assert_mentions(&err, &["lo <= hi"]);
}

#[test]
fn jitter_without_effect_is_rejected() {
    let err = parse_err(&format!(
        "[ego]\njitter = {{ route_s_m = [-1.0, 1.0] }}\n\n{ACTOR}behaviour = {{ kind = \"stop\" }}\njitter = {{ speed_mps = [-1.0, 1.0] }}\n"
    ));
    let fields: Vec<&str> = err.problems().iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        ["ego.jitter.route_s_m", "actors[0].jitter.speed_mps"]
    );
    assert_mentions(
        &err,
        &[
            "allowed keys are start_secs, speed_mps",
            "allowed keys are route_s_m, lateral_m, yaw_deg",
        ],
    );
}

#[test]
fn duplicate_and_reserved_ids_are_rejected() {
    let one = |id: &str| {
        format!(
            "[[actors]]\nid = \"{id}\"\nclass = \"car\"\nstart = {{ route_s_m = 40.0 }}\nbehaviour = {{ kind = \"stop\" }}\n"
        )
    };
    let err = parse_err(&format!("{}{}{}", one("a"), one("a"), one("ego")));
    let p = err.problems();
    assert_eq!(p.len(), 2, "{err}");
    assert_eq!(p[0].field, "actors[1].id");
    assert_eq!(
        p[0].kind,
        ProblemKind::DuplicateId {
            id: "a".into(),
            first_index: 0
        }
    );
    assert_eq!(p[1].field, "actors[2].id");
    assert_mentions(&err, &["ids must be unique", "other than \"ego\""]);
}

#[test]
fn start_beyond_the_log_is_rejected() {
    let err = check_err("[ego]\nstart_secs = 19.0\njitter = { start_secs = [0.0, 2.0] }\n");
    let (field, kind) = only_problem(&err);
    assert_eq!(field, "ego.start_secs");
    assert!(matches!(kind, ProblemKind::StartBeyondLog { .. }));
    assert_mentions(&err, &["expected 0 <= start < 20.00 s"]);
}

#[test]
fn route_arc_length_beyond_the_route_is_rejected() {
    // From 15 s in at 10 m/s, 50 m of route remain; 45 + 10 jitter leaves it.
    let err = check_err(&format!(
        "[ego]\nstart_secs = 15.0\n\n{}",
        ACTOR.replace("40.0", "45.0")
            + "behaviour = { kind = \"stop\" }\njitter = { route_s_m = [-5.0, 10.0] }\n"
    ));
    let (field, kind) = only_problem(&err);
    assert_eq!(field, "actors[0].start.route_s_m");
    let ProblemKind::BeyondRoute { to_m, max_m, .. } = kind else {
        panic!("{kind:?}")
    };
    assert_eq!(*to_m, 55.0);
    assert!((max_m - 50.0).abs() < 1e-9);
    assert_mentions(&err, &["expected 0.00..50.00 m"]);
}

#[test]
fn unknown_removed_actor_is_rejected() {
    let err = check_err("remove_actors = [\"inst-parked-car\", \"inst-nope\"]\n");
    let (field, kind) = only_problem(&err);
    assert_eq!(field, "remove_actors[1]");
    assert!(matches!(
        kind,
        ProblemKind::UnknownActorToken { count: 2, .. }
    ));
    assert_mentions(&err, &["\"inst-nope\"", "inst-parked-car"]);
}

#[test]
fn unknown_lane_lists_the_nearest_lanes() {
    let err = check_err(
        "[[actors]]\nid = \"a\"\nclass = \"car\"\nstart = { lane = \"lane-straigth\" }\nbehaviour = { kind = \"stop\" }\n",
    );
    let (field, kind) = only_problem(&err);
    assert_eq!(field, "actors[0].start.lane");
    assert!(matches!(kind, ProblemKind::UnknownLane { .. }));
    assert_mentions(&err, &["boston-seaport map", "nearest: lane-straight"]);
}

#[test]
fn lane_arc_length_beyond_the_lane_is_rejected() {
    let err = check_err(
        "[[actors]]\nid = \"a\"\nclass = \"car\"\nstart = { lane = \"lane-straight\", s_m = 500.0 }\nbehaviour = { kind = \"stop\" }\n",
    );
    let (field, kind) = only_problem(&err);
    assert_eq!(field, "actors[0].start.s_m");
    assert!(matches!(kind, ProblemKind::BeyondLane { .. }));
}

#[test]
fn all_problems_are_reported_at_once() {
    let err = check_err(
        r#"
duration_secs = -1.0
remove_actors = ["ghost"]

[[actors]]
id = "a"
class = "zeppelin"
start = { route_s_m = 400.0 }
behaviour = { kind = "cut_in", speed_mps = -1.0, duration_secs = 0.0 }
trigger = { ego_distance_m = 0.0 }
"#,
    );
    let fields: Vec<&str> = err.problems().iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "duration_secs",
            "actors[0].class",
            "actors[0].behaviour.speed_mps",
            "actors[0].behaviour.duration_secs",
            "actors[0].trigger.ego_distance_m",
            "remove_actors[0]",
            "actors[0].start.route_s_m",
        ]
    );
    assert_mentions(&err, &["7 problem(s)"]);
}

#[test]
fn load_spec_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    assert_mentions(&load_spec(&missing).unwrap_err(), &["missing.toml"]);
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\nscene = \"s\"\nfamly = 1\n").unwrap();
    let err = load_spec(&bad).unwrap_err();
    assert_mentions(&err, &[&format!("{}:3:1:", bad.display()), "field `famly`"]);
}

#[test]
fn a_bad_start_does_not_hide_lane_problems() {
    let err = check_err(
        "[ego]\nstart_secs = 25.0\n\n[[actors]]\nid = \"a\"\nclass = \"car\"\nstart = { lane = \"nope\" }\nbehaviour = { kind = \"stop\" }\n",
    );
    let fields: Vec<&str> = err.problems().iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["ego.start_secs", "actors[0].start.lane"]);
}
