//! The shipped scenario files parse and follow the authoring rules (families, route-relative
//! starts 30..70 m ahead, triggers, jitter), and resolve on a stand-in scene; the registry
//! lists them and parses split files. Checking them against the real shipped scenes is the
//! job of `mpa-sim scenes validate --all`.

use crate::scenario_common;

use mpa_sim::config::VehicleConfig;
use mpa_sim::scene::registry::{self, RegistryError, Splits};
use mpa_sim::scene::scenario::{
    BehaviourSpec, Family, ScenarioSpec, StartSpec, TriggerSpec, load_spec, placement_conflicts,
    resolve,
};
use scenario_common::*;
use std::path::Path;
use std::sync::Arc;

fn shipped() -> Vec<(String, ScenarioSpec)> {
    registry::shipped_scenario_files()
        .expect("scenes/scenarios is readable")
        .iter()
        .map(|p| {
            let spec = load_spec(p).unwrap_or_else(|e| panic!("{e}"));
            (
                p.file_stem()
                    .expect("a .toml file has a stem")
                    .to_string_lossy()
                    .into_owned(),
                spec,
            )
        })
        .collect()
}

#[test]
fn every_shipped_scenario_parses_and_is_named_after_its_file() {
    let all = shipped();
    assert!(all.len() >= 12, "only {} scenarios", all.len());
    for (stem, spec) in &all {
        assert_eq!(stem, &spec.name);
        assert!(!spec.description.is_empty(), "{stem}: no description");
        let n: u32 = spec
            .scene
            .strip_prefix("scene-")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{stem}: scene {}", spec.scene));
        assert!((1..=10).contains(&n), "{stem}: scene {}", spec.scene);
    }
    let files = registry::shipped_scenario_files().unwrap();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
}

#[test]
fn shipped_scenarios_cover_the_neuroncap_families_and_authoring_rules() {
    let all = shipped();
    for family in [Family::Stationary, Family::Frontal, Family::Side] {
        assert!(
            all.iter().filter(|(_, s)| s.family == family).count() >= 3,
            "fewer than 3 {family:?} scenarios"
        );
    }
    let scenes: std::collections::BTreeSet<&str> =
        all.iter().map(|(_, s)| s.scene.as_str()).collect();
    assert!(scenes.len() >= 8, "scenarios spread over {scenes:?} only");
    for (stem, spec) in &all {
        assert!(!spec.actors.is_empty(), "{stem}: no adversary");
        for a in &spec.actors {
            let StartSpec::Route { route_s_m, .. } = a.start else {
                panic!("{stem}: {} does not start on the route", a.id)
            };
            assert!(
                (30.0..=70.0).contains(&route_s_m),
                "{stem}: route_s_m {route_s_m}"
            );
            assert!(a.jitter.route_s_m.is_some(), "{stem}: no position jitter");
            let moving = !matches!(a.behaviour, BehaviourSpec::Stop {});
            if moving {
                assert!(a.trigger != TriggerSpec::Immediately, "{stem}: no trigger");
                assert!(a.jitter.speed_mps.is_some(), "{stem}: no speed jitter");
            }
        }
    }
}

#[test]
fn shipped_scenarios_resolve_on_a_stand_in_scene() {
    // The 200 m straight test road stands in for the real scenes, which the loader provides.
    for (stem, spec) in shipped() {
        let mut spec = spec;
        spec.scene = "scene-straight".into();
        for seed in 0..10 {
            let r = resolve(&spec, straight_scene(), seed).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.inserted_actors.len(), spec.actors.len());
            let overlaps = placement_conflicts(&r, &VehicleConfig::default());
            assert!(
                overlaps.iter().all(|o| !o.contains("the ego")),
                "{stem}: {overlaps:?}"
            );
        }
    }
}

#[test]
fn placement_conflicts_reports_actors_on_logged_traffic() {
    let scene = straight_scene();
    let parked = scene.actors[0].pose_at(LOG_START_US).unwrap().xy();
    let text = toml_with(
        "scene-straight",
        &format!(
            "[[actors]]\nid = \"on-parked\"\nclass = \"car\"\nstart = {{ x = {}, y = {}, yaw_deg = 30.0 }}\nbehaviour = {{ kind = \"stop\" }}\n\n[[actors]]\nid = \"on-ego\"\nclass = \"car\"\nstart = {{ route_s_m = 1.0 }}\nbehaviour = {{ kind = \"stop\" }}\n",
            parked.x + 1.0,
            parked.y
        ),
    );
    let spec = mpa_sim::scene::scenario::parse_spec(&text, "t").unwrap();
    let r = resolve(&spec, Arc::clone(&scene), 0).unwrap();
    let o = placement_conflicts(&r, &VehicleConfig::default());
    assert_eq!(o.len(), 2, "{o:?}");
    // Ego overlaps first, then logged-traffic conflicts.
    assert!(
        o[0].contains("actors[1] (on-ego) overlaps the ego"),
        "{o:?}"
    );
    assert!(
        o[1].contains("inst-parked-car") && o[1].contains("actors[0] (on-parked)"),
        "{o:?}"
    );
    assert!(o[1].contains("0.0 s into the episode"), "{o:?}");
}

#[test]
fn safety_critical_split_lists_the_scenario_files() {
    let names = registry::split("safety_critical").unwrap();
    let stems: Vec<String> = shipped().into_iter().map(|(s, _)| s).collect();
    assert_eq!(names, stems);
}

#[test]
fn unknown_split_lists_the_allowed_names() {
    let err = registry::split("validation").unwrap_err();
    assert!(matches!(err, RegistryError::UnknownSplit { .. }));
    let msg = err.to_string();
    for n in ["train", "test_in_domain", "test_unseen", "safety_critical"] {
        assert!(msg.contains(n), "{msg}");
    }
}

#[test]
fn splits_parse_and_report_unknown_and_repeated_scenes() {
    let path = Path::new("splits.toml");
    let s = Splits::parse(
        "train = [\"scene-0001\", \"scene-0002\"]\ntest_in_domain = [\"scene-0002\"]\ntest_unseen = [\"scene-0011\"]\n",
        path,
    )
    .unwrap();
    assert_eq!(s.scenes("train").unwrap().len(), 2);
    assert!(s.scenes("safety_critical").is_none());
    let known: Vec<String> = (1..=10).map(|i| format!("scene-{i:04}")).collect();
    let problems = s.problems(&known);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].contains("test_in_domain[0]")
            && problems[0].contains("already listed in train")
    );
    assert!(
        problems[1].contains("test_unseen[0]")
            && problems[1].contains("nearest: scene-0001, scene-0010")
    );

    let err = Splits::parse("train = []\ntest = []\n", path).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("splits.toml:2:1") && msg.contains("unknown field `test`"),
        "{msg}"
    );
}

#[test]
fn placement_conflicts_report_logged_traffic_through_a_standing_actor() {
    // The logged walker moves +1 m in x every 2.5 s from 6 m left of the road at 120 m; its
    // box (4.6 m long along x) touches a barrier (0.5 m deep) 4 m further on when its front
    // reaches 3.75 m: after 1.45 m, i.e. 3.625 s; tracks are sampled every 0.1 s -> 3.7 s.
    let scene = straight_scene();
    let walker = scene.actors[1].pose_at(LOG_START_US).unwrap().xy();
    let text = toml_with(
        "scene-straight",
        &format!(
            "[[actors]]\nid = \"barrier\"\nclass = \"obstacle\"\nstart = {{ x = {}, y = {}, yaw_deg = 0.0 }}\nbehaviour = {{ kind = \"stop\" }}\n",
            walker.x + 4.0,
            walker.y
        ),
    );
    let spec = mpa_sim::scene::scenario::parse_spec(&text, "t").unwrap();
    let r = resolve(&spec, Arc::clone(&scene), 0).unwrap();
    let o = placement_conflicts(&r, &VehicleConfig::default());
    assert_eq!(o.len(), 1, "{o:?}");
    assert!(
        o[0].contains("inst-walker") && o[0].contains("runs into"),
        "{o:?}"
    );
    assert!(o[0].contains("3.7 s"), "{o:?}");

    let mut removed = spec.clone();
    removed.remove_actors = vec!["inst-walker".into()];
    let r = resolve(&removed, Arc::clone(&scene), 0).unwrap();
    assert!(placement_conflicts(&r, &VehicleConfig::default()).is_empty());

    let mut auto = spec.clone();
    auto.remove_conflicting_actors = true;
    let r = resolve(&auto, scene, 0).unwrap();
    assert!(placement_conflicts(&r, &VehicleConfig::default()).is_empty());
    let kept: Vec<&str> = r
        .logged_actors
        .iter()
        .map(|a| a.instance_token.as_str())
        .collect();
    assert_eq!(kept, ["inst-parked-car"]);
}

#[test]
fn an_oncoming_actor_claims_its_corridor() {
    // A wrong-way car 90 m ahead at 5 m/s sweeps back along its lateral offset for the whole
    // episode: 3.5 m left of the road it meets the parked car (3.5 m left at 80 m, offset
    // -2 m in x); on the centre line (the corridor is 1.9 m wide) it does not.
    let scene = straight_scene();
    let at = |lateral: f64| {
        let text = toml_with(
            "scene-straight",
            &format!(
                "[[actors]]\nid = \"wrong-way\"\nclass = \"car\"\nstart = {{ route_s_m = 90.0, lateral_m = {lateral}, yaw_deg = 180.0 }}\nbehaviour = {{ kind = \"oncoming\", speed_mps = 5.0 }}\ntrigger = {{ time_secs = 1.0 }}\n"
            ),
        );
        let spec = mpa_sim::scene::scenario::parse_spec(&text, "t").unwrap();
        placement_conflicts(
            &resolve(&spec, Arc::clone(&scene), 0).unwrap(),
            &VehicleConfig::default(),
        )
    };
    let clear = at(0.0);
    assert!(clear.is_empty(), "{clear:?}");
    let hit = at(3.5);
    assert_eq!(hit.len(), 1, "{hit:?}");
    assert!(hit[0].contains("inst-parked-car"), "{hit:?}");
}
