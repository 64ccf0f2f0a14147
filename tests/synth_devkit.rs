//! Cross-check against the official nuScenes devkit (nuscenes-devkit 1.2.0): a freshly
//! generated synthetic set is loaded with `NuScenes` and `NuScenesMap` by
//! tests/python/devkit_dump.py, and what the devkit sees must equal what we wrote: LIDAR_TOP
//! ego poses and annotation boxes within 1e-6, lane centrelines from `discretize_lanes` within
//! 0.05 m of our own lane graph's discretisation, and `get_outgoing_lane_ids` equal to ours.
//!
//! Needs the interpreter in `MPA_SIM_PYTHON` (a venv with nuscenes-devkit); skipped with a
//! notice when the variable is unset (CI sets it).

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use mpa_sim::scene::Location;
use mpa_sim::scene::synth::{
    self, SynthOptions, arcline,
    lanes::LaneGraph,
    town::{Town, TownSpec},
};
use mpa_sim::scene::tables::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const SEED: u64 = 7;
const VERSION: &str = "v1.0-mini";

fn table<T: serde::de::DeserializeOwned>(root: &Path, name: &str) -> Vec<T> {
    let path = root.join(VERSION).join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn close(a: &Value, b: &[f64], tol: f64) -> bool {
    let a: Vec<f64> = a
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
}

#[test]
fn devkit_reads_what_we_wrote() {
    let Some(python) = std::env::var_os("MPA_SIM_PYTHON") else {
        eprintln!(
            "skipping devkit cross-check: set MPA_SIM_PYTHON to a python with nuscenes-devkit"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    synth::generate(&SynthOptions {
        out_dir: root.to_path_buf(),
        version: VERSION.into(),
        locations: vec![Location::SingaporeOnenorth, Location::BostonSeaport],
        count_per_location: 2,
        seed: SEED,
        first_index: 1,
        preview: false,
    })
    .unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/devkit_dump.py");
    let dump_path = root.join("devkit_dump.json");
    let out = Command::new(&python)
        .arg(&script)
        .arg(root)
        .arg(VERSION)
        .arg(&dump_path)
        .output()
        .expect("run the devkit script");
    assert!(
        out.status.success(),
        "devkit script failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let dump: Value = serde_json::from_str(&std::fs::read_to_string(&dump_path).unwrap()).unwrap();

    // Scenes: ego poses and boxes.
    let scenes: Vec<SceneRecord> = table(root, "scene");
    let samples: BTreeMap<String, Sample> = table::<Sample>(root, "sample")
        .into_iter()
        .map(|s| (s.token.clone(), s))
        .collect();
    let sensors: BTreeMap<String, Sensor> = table::<Sensor>(root, "sensor")
        .into_iter()
        .map(|s| (s.token.clone(), s))
        .collect();
    let calib: BTreeMap<String, CalibratedSensor> =
        table::<CalibratedSensor>(root, "calibrated_sensor")
            .into_iter()
            .map(|s| (s.token.clone(), s))
            .collect();
    let poses: BTreeMap<String, EgoPose> = table::<EgoPose>(root, "ego_pose")
        .into_iter()
        .map(|s| (s.token.clone(), s))
        .collect();
    let lidar: BTreeMap<String, SampleData> = table::<SampleData>(root, "sample_data")
        .into_iter()
        .filter(|sd| {
            sensors[&calib[&sd.calibrated_sensor_token].sensor_token].channel == "LIDAR_TOP"
        })
        .map(|sd| (sd.sample_token.clone(), sd))
        .collect();
    let mut anns: BTreeMap<String, Vec<SampleAnnotation>> = BTreeMap::new();
    for a in table::<SampleAnnotation>(root, "sample_annotation") {
        anns.entry(a.sample_token.clone()).or_default().push(a);
    }
    let mut boxes_checked = 0;
    for scene in &scenes {
        let theirs = dump["scenes"][&scene.name]
            .as_array()
            .unwrap_or_else(|| panic!("devkit lists {}", scene.name));
        let mut t = scene.first_sample_token.clone();
        let mut i = 0;
        while !t.is_empty() {
            let s = &samples[&t];
            let their = &theirs[i];
            assert_eq!(their["timestamp"].as_i64().unwrap(), s.timestamp);
            let pose = &poses[&lidar[&t].ego_pose_token];
            assert!(
                close(&their["ego_translation"], &pose.translation, 1e-6),
                "{}: ego translation",
                scene.name
            );
            assert!(
                close(&their["ego_rotation"], &pose.rotation, 1e-6),
                "{}: ego rotation",
                scene.name
            );
            let ours = anns.get(&t).cloned().unwrap_or_default();
            let their_boxes = their["boxes"].as_array().unwrap();
            assert_eq!(
                their_boxes.len(),
                ours.len(),
                "{}: boxes in sample {i}",
                scene.name
            );
            for a in &ours {
                let b = their_boxes
                    .iter()
                    .find(|b| b["instance_token"] == a.instance_token.as_str())
                    .expect("box for each annotation");
                assert!(close(&b["translation"], &a.translation, 1e-6));
                assert!(close(&b["size"], &a.size, 1e-6));
                assert!(close(&b["rotation"], &a.rotation, 1e-6));
                boxes_checked += 1;
            }
            t = s.next.clone();
            i += 1;
        }
        assert_eq!(i, theirs.len());
    }
    assert!(boxes_checked > 100, "only {boxes_checked} boxes compared");

    // Maps: centrelines against our lane graph, outgoing lanes against our connectivity.
    for location in [Location::SingaporeOnenorth, Location::BostonSeaport] {
        let theirs = &dump["maps"][location.as_str()];
        let town = Town::build(&TownSpec::for_location(location).unwrap());
        let graph = LaneGraph::build(&town).unwrap();
        assert_eq!(
            theirs["centrelines"].as_object().unwrap().len(),
            graph.lanes.len()
        );
        let mut worst: f64 = 0.0;
        for lane in &graph.lanes {
            let pts = theirs["centrelines"][&lane.token].as_array().unwrap();
            let ours = arcline::discretize_lane(&lane.chain.paths, 0.5);
            assert_eq!(pts.len(), ours.len(), "{}: point count", lane.token);
            for (p, q) in pts.iter().zip(&ours) {
                let d = ((p[0].as_f64().unwrap() - q[0]).powi(2)
                    + (p[1].as_f64().unwrap() - q[1]).powi(2))
                .sqrt();
                worst = worst.max(d);
            }
        }
        assert!(
            worst < 0.05,
            "{location}: centrelines differ by up to {worst} m"
        );
        let exp: MapExpansion = serde_json::from_str(
            &std::fs::read_to_string(root.join(format!("maps/expansion/{location}.json"))).unwrap(),
        )
        .unwrap();
        // Independent reference: the lane's divider polylines (offset curves of the road centre,
        // not arcline integration) lie half a lane width either side of the devkit centreline.
        let nodes: BTreeMap<&str, (f64, f64)> = exp
            .node
            .iter()
            .map(|n| (n.token.as_str(), (n.x, n.y)))
            .collect();
        let half_w = town.spec.lane_width_m / 2.0;
        let mut worst_offset: f64 = 0.0;
        for lane in &exp.lane {
            let pts = theirs["centrelines"][&lane.token].as_array().unwrap();
            for side in [
                &lane.left_lane_divider_segments,
                &lane.right_lane_divider_segments,
            ] {
                let line: Vec<(f64, f64)> =
                    side.iter().map(|s| nodes[s.node_token.as_str()]).collect();
                for p in pts {
                    let d =
                        dist_to_polyline((p[0].as_f64().unwrap(), p[1].as_f64().unwrap()), &line);
                    worst_offset = worst_offset.max((d - half_w).abs());
                }
            }
        }
        assert!(
            worst_offset < 0.05,
            "{location}: devkit centrelines sit {worst_offset} m off mid-lane"
        );
        let outgoing = theirs["outgoing"].as_object().unwrap();
        assert_eq!(outgoing.len(), 10);
        for (tok, outs) in outgoing {
            let outs: Vec<&str> = outs
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            let ours: Vec<&str> = exp.connectivity[tok]
                .outgoing
                .iter()
                .map(String::as_str)
                .collect();
            assert_eq!(outs, ours);
            let lane = graph.lanes.iter().find(|l| &l.token == tok).unwrap();
            assert_eq!(outs.len(), lane.outgoing.len());
        }
    }
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
