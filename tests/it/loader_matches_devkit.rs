//! Our loader reads what the official devkit (nuscenes-devkit 1.2.0) reads, on the shipped mini
//! set (`scenes/nuscenes`, v1.0-mini) and on a freshly generated small set.
//!
//! tests/python/devkit_dump.py loads the data with `NuScenes` and `NuScenesMap`; this test loads
//! it with `scene::nuscenes::load_scene` (scene by scene) and `load_map`, and compares:
//! - per sample, the LIDAR_TOP ego pose (timestamp, translation, rotation) with `ego_track`;
//! - every annotation box the devkit builds (`get_box`: centre, size w l h, orientation) with the
//!   keyframe of the same instance at the sample's time in `Scene::actors`, and the box count
//!   with the actors' keyframe count (no box dropped or invented);
//! - per lane and connector, `discretize_lanes(..., 0.5)` with `Lane::centreline`, and
//!   `get_incoming_lane_ids` / `get_outgoing_lane_ids` with `Lane::incoming` / `outgoing`.
//!
//! Needs the interpreter in `MPA_SIM_PYTHON` (a venv with nuscenes-devkit, made by
//! scripts/setup.sh; scripts/test.sh sets it). Unset: a notice and the tests pass without
//! checking. Set but the devkit fails: the tests fail.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use glam::DVec3;
use mpa_sim::scene::nuscenes as ns;
use mpa_sim::scene::synth::{self, SynthOptions, town::TownSpec};
use mpa_sim::scene::tables::MapExpansion;
use mpa_sim::scene::{Location, Scene, quat_to_wxyz, registry, wrap_angle};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::Command;

/// Poses and boxes: both sides parse the same JSON numbers into f64; only our normalisation of
/// quaternions (`check::quat`) can move the last bits, so anything past 1e-9 is a real mismatch.
const POSE_TOL: f64 = 1e-9;
/// Centreline points: both sides run the devkit's discretisation in f64 (ours is a port, same
/// operations in the same order); only a last-bit difference of sin/cos between numpy and Rust's
/// libm could separate them (measured: 0 m on both sets), so 1e-6 m is a wide margin.
const CENTRELINE_TOL_M: f64 = 1e-6;
/// The loader merges consecutive centreline points closer than this
/// (`nuscenes::map::DUPLICATE_POINT_M`): the devkit repeats the point where one arcline path
/// ends and the next begins.
const REPEATED_POINT_M: f64 = 1e-6;
/// Seed of the generated set.
const SEED: u64 = 7;

#[derive(Deserialize)]
struct Dump {
    scenes: Vec<DumpScene>,
    maps: BTreeMap<String, DumpMap>,
}

#[derive(Deserialize)]
struct DumpScene {
    name: String,
    location: String,
    samples: Vec<DumpSample>,
}

#[derive(Deserialize)]
struct DumpSample {
    timestamp: i64,
    ego_timestamp: i64,
    ego_translation: [f64; 3],
    ego_rotation: [f64; 4],
    boxes: Vec<DumpBox>,
}

#[derive(Deserialize)]
struct DumpBox {
    instance_token: String,
    translation: [f64; 3],
    size: [f64; 3],
    rotation: [f64; 4],
}

#[derive(Deserialize)]
struct DumpMap {
    centrelines: BTreeMap<String, Vec<[f64; 3]>>,
    incoming: BTreeMap<String, Vec<String>>,
    outgoing: BTreeMap<String, Vec<String>>,
}

/// The devkit's interpreter; `None`, with a notice, when `MPA_SIM_PYTHON` is unset.
fn devkit_python() -> Option<OsString> {
    let python = std::env::var_os("MPA_SIM_PYTHON");
    if python.is_none() {
        eprintln!(
            "skipping the devkit cross-check: set MPA_SIM_PYTHON to a python with nuscenes-devkit \
             (scripts/setup.sh makes .venv; scripts/test.sh sets it)"
        );
    }
    python
}

/// What the devkit reads from a data root; panics with its output when it fails.
fn devkit_dump(python: &OsStr, root: &Path, version: &str) -> Dump {
    let out_dir = tempfile::tempdir().unwrap();
    let dump_path = out_dir.path().join("devkit_dump.json");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/devkit_dump.py");
    let out = Command::new(python)
        .arg(&script)
        .arg(root)
        .arg(version)
        .arg(&dump_path)
        .output()
        .unwrap_or_else(|e| panic!("run {python:?} {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "the devkit failed on {}:\n{}\n{}",
        root.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(&dump_path).unwrap()).unwrap()
}

fn close(a: &[f64], b: &[f64], tol: f64) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
}

/// Compare every scene; returns the number of boxes compared.
fn compare_scenes(dump: &Dump, root: &Path, version: &str) -> usize {
    let names = ns::scene_names(root, version).unwrap();
    let dumped: Vec<&str> = dump.scenes.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, dumped, "scene list");
    let mut boxes = 0;
    for theirs in &dump.scenes {
        let scene = ns::load_scene(root, version, &theirs.name).unwrap().value;
        assert_eq!(scene.location.as_str(), theirs.location, "{}", theirs.name);
        boxes += compare_scene(&scene, theirs);
    }
    boxes
}

fn compare_scene(scene: &Scene, theirs: &DumpScene) -> usize {
    let name = &scene.name;
    assert_eq!(
        scene.ego_track.len(),
        theirs.samples.len(),
        "{name}: samples"
    );
    let mut boxes = 0;
    for (i, (ego, s)) in scene.ego_track.iter().zip(&theirs.samples).enumerate() {
        assert_eq!(ego.timestamp_us, s.ego_timestamp, "{name}: sample {i}");
        assert!(
            close(
                &ego.pose.translation.to_array(),
                &s.ego_translation,
                POSE_TOL
            ),
            "{name}: sample {i}: ego translation {} vs devkit {:?}",
            ego.pose.translation,
            s.ego_translation
        );
        assert!(
            close(&quat_to_wxyz(ego.pose.rotation), &s.ego_rotation, POSE_TOL),
            "{name}: sample {i}: ego rotation {:?} vs devkit {:?}",
            quat_to_wxyz(ego.pose.rotation),
            s.ego_rotation
        );
        for b in &s.boxes {
            let actor = scene
                .actors
                .iter()
                .find(|a| a.instance_token == b.instance_token)
                .unwrap_or_else(|| panic!("{name}: no actor for instance {}", b.instance_token));
            let key = actor
                .keyframes
                .iter()
                .find(|k| k.timestamp_us == s.timestamp)
                .unwrap_or_else(|| {
                    panic!(
                        "{name}: instance {} has no keyframe at sample {i}",
                        b.instance_token
                    )
                });
            let at = format!("{name}: sample {i}: instance {}", b.instance_token);
            assert!(
                close(&key.pose.translation.to_array(), &b.translation, POSE_TOL),
                "{at}: centre"
            );
            assert!(
                close(&quat_to_wxyz(key.pose.rotation), &b.rotation, POSE_TOL),
                "{at}: rotation"
            );
            assert!(
                actor
                    .size_wlh_m
                    .abs_diff_eq(DVec3::from_array(b.size), POSE_TOL),
                "{at}: size {} vs devkit {:?}",
                actor.size_wlh_m,
                b.size
            );
            boxes += 1;
        }
    }
    let keyframes: usize = scene.actors.iter().map(|a| a.keyframes.len()).sum();
    let dumped: usize = theirs.samples.iter().map(|s| s.boxes.len()).sum();
    assert_eq!(keyframes, dumped, "{name}: actor keyframes vs devkit boxes");
    boxes
}

/// Compare every map the devkit read; returns the worst centreline distance in metres.
fn compare_maps(dump: &Dump, root: &Path) -> f64 {
    let mut worst_m: f64 = 0.0;
    for (location, theirs) in &dump.maps {
        let loc = Location::parse(location).unwrap();
        let map = ns::load_map(root, loc).unwrap().value;
        assert_eq!(
            map.lanes.len(),
            theirs.centrelines.len(),
            "{location}: lanes"
        );
        for lane in &map.lanes {
            let at = format!("{location}: lane {}", lane.token);
            let mut want: Vec<[f64; 3]> = Vec::new();
            for q in &theirs.centrelines[&lane.token] {
                let repeat = want
                    .last()
                    .is_some_and(|p| (p[0] - q[0]).hypot(p[1] - q[1]) < REPEATED_POINT_M);
                if !repeat {
                    want.push(*q);
                }
            }
            assert_eq!(lane.centreline.len(), want.len(), "{at}: points");
            for (p, q) in lane.centreline.iter().zip(&want) {
                let d = (p.xy.x - q[0]).hypot(p.xy.y - q[1]);
                worst_m = worst_m.max(d);
                assert!(d <= CENTRELINE_TOL_M, "{at}: {p:?} vs devkit {q:?}");
                assert!(
                    wrap_angle(p.yaw - q[2]).abs() <= POSE_TOL,
                    "{at}: yaw {} vs devkit {}",
                    p.yaw,
                    q[2]
                );
            }
            let tokens = |ix: &[usize]| -> Vec<String> {
                ix.iter().map(|&i| map.lanes[i].token.clone()).collect()
            };
            assert_eq!(
                tokens(&lane.incoming),
                theirs.incoming[&lane.token],
                "{at}: incoming"
            );
            assert_eq!(
                tokens(&lane.outgoing),
                theirs.outgoing[&lane.token],
                "{at}: outgoing"
            );
        }
    }
    worst_m
}

#[test]
fn shipped_mini_set_reads_as_in_the_devkit() {
    let root = registry::shipped_dataroot();
    let Some(python) = devkit_python() else {
        return;
    };
    let dump = devkit_dump(&python, &root, registry::SHIPPED_VERSION);
    assert_eq!(dump.scenes.len(), 10);
    assert_eq!(dump.maps.len(), 2);
    let boxes = compare_scenes(&dump, &root, registry::SHIPPED_VERSION);
    let worst_m = compare_maps(&dump, &root);
    eprintln!("shipped set: {boxes} boxes; centrelines within {worst_m:e} m of the devkit's");
    assert!(boxes > 500, "only {boxes} boxes compared");
}

#[test]
fn generated_set_reads_as_in_the_devkit() {
    let Some(python) = devkit_python() else {
        return;
    };
    let version = "v1.0-mini";
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    synth::generate(&SynthOptions {
        out_dir: root.to_path_buf(),
        version: version.into(),
        locations: vec![Location::SingaporeOnenorth, Location::BostonSeaport],
        count_per_location: 2,
        seed: SEED,
        first_index: 1,
        preview: false,
    })
    .unwrap();
    let dump = devkit_dump(&python, root, version);
    assert_eq!(dump.scenes.len(), 4);
    let boxes = compare_scenes(&dump, root, version);
    let worst_m = compare_maps(&dump, root);
    eprintln!("generated set: {boxes} boxes; centrelines within {worst_m:e} m of the devkit's");
    assert!(boxes > 100, "only {boxes} boxes compared");
    for (location, theirs) in &dump.maps {
        centrelines_sit_mid_lane(root, Location::parse(location).unwrap(), theirs);
    }
}

/// An independent check of the generator: its lane divider polylines (offset curves of the road
/// centre, not arcline integration) lie half a lane width either side of the devkit centreline.
fn centrelines_sit_mid_lane(root: &Path, location: Location, theirs: &DumpMap) {
    let path = root.join(format!("maps/expansion/{location}.json"));
    let exp: MapExpansion = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let nodes: BTreeMap<&str, (f64, f64)> = exp
        .node
        .iter()
        .map(|n| (n.token.as_str(), (n.x, n.y)))
        .collect();
    let half_w = TownSpec::for_location(location).unwrap().lane_width_m / 2.0;
    let mut worst_m: f64 = 0.0;
    for lane in &exp.lane {
        for side in [
            &lane.left_lane_divider_segments,
            &lane.right_lane_divider_segments,
        ] {
            let line: Vec<(f64, f64)> = side.iter().map(|s| nodes[s.node_token.as_str()]).collect();
            for p in &theirs.centrelines[&lane.token] {
                let d = dist_to_polyline((p[0], p[1]), &line);
                worst_m = worst_m.max((d - half_w).abs());
            }
        }
    }
    assert!(
        worst_m < 0.05,
        "{location}: devkit centrelines sit {worst_m} m off mid-lane"
    );
}

fn dist_to_polyline(p: (f64, f64), line: &[(f64, f64)]) -> f64 {
    line.windows(2)
        .map(|w| {
            let (ax, ay) = w[0];
            let (bx, by) = w[1];
            let (dx, dy) = (bx - ax, by - ay);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 {
                (((p.0 - ax) * dx + (p.1 - ay) * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            ((p.0 - ax - t * dx).powi(2) + (p.1 - ay - t * dy).powi(2)).sqrt()
        })
        .fold(f64::INFINITY, f64::min)
}
