//! Our loader against the official devkit on the same data: tests/fixtures/loader_reference.json
//! holds what nuscenes-devkit 1.2.0 reads from the default loader fixture (ego poses from
//! `sample['data']['LIDAR_TOP']`, camera calibration, `get_box` of every annotation of a
//! sample, `discretize_lanes(..., 0.5)`, incoming/outgoing lane ids). Produced by
//! tests/python/loader_reference.py; regenerate it when the fixture changes. The shipped and
//! generated synthetic sets are compared with the devkit live in tests/it/loader_matches_devkit.rs.

use crate::common;

use glam::{DMat3, DVec3};
use mpa_sim::scene::model::yaw_of;
use mpa_sim::scene::nuscenes as ns;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Both sides compute in f64 from the same JSON numbers; differences are rounding only.
const TOL: f64 = 1e-9;

#[derive(Deserialize)]
struct Reference {
    scenes: Vec<RefScene>,
    maps: BTreeMap<String, RefMap>,
}

#[derive(Deserialize)]
struct RefScene {
    name: String,
    location: String,
    ego: Vec<RefEgo>,
    cameras: Vec<RefCamera>,
    boxes_mid_sample: Vec<RefBox>,
}

#[derive(Deserialize)]
struct RefEgo {
    timestamp: i64,
    translation: [f64; 3],
    yaw: f64,
}

#[derive(Deserialize)]
struct RefCamera {
    channel: String,
    width: u32,
    height: u32,
    intrinsic: [[f64; 3]; 3],
    translation: [f64; 3],
    rotation_matrix: [[f64; 3]; 3],
}

#[derive(Deserialize)]
struct RefBox {
    instance_token: String,
    timestamp: i64,
    center: [f64; 3],
    wlh: [f64; 3],
    yaw: f64,
    category: String,
    attributes: Vec<String>,
}

#[derive(Deserialize)]
struct RefMap {
    lanes: BTreeMap<String, Vec<[f64; 3]>>,
    outgoing: BTreeMap<String, Vec<String>>,
    incoming: BTreeMap<String, Vec<String>>,
    canvas_edge: [f64; 2],
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOL * (1.0 + b.abs())
}

fn reference() -> Reference {
    serde_json::from_str(include_str!("../fixtures/loader_reference.json"))
        .expect("reference parses")
}

#[test]
fn scenes_match_the_devkit() {
    let w = common::write_default();
    compare_scenes(&reference(), w.root(), common::VERSION);
}

#[test]
fn lanes_match_the_devkit() {
    let w = common::write_default();
    compare_lanes(&reference(), w.root());
}

fn compare_scenes(reference: &Reference, root: &std::path::Path, version: &str) {
    let loaded = ns::load_all(root, version).expect("loads");
    assert_eq!(loaded.value.len(), reference.scenes.len());
    for (scene, r) in loaded.value.iter().zip(&reference.scenes) {
        assert_eq!(scene.name, r.name);
        assert_eq!(scene.location.as_str(), r.location);
        assert_eq!(scene.ego_track.len(), r.ego.len());
        for (e, re) in scene.ego_track.iter().zip(&r.ego) {
            assert_eq!(e.timestamp_us, re.timestamp);
            assert!(
                e.pose
                    .translation
                    .abs_diff_eq(DVec3::from_array(re.translation), TOL)
            );
            assert!(
                close(yaw_of(e.pose.rotation), re.yaw),
                "{} vs {}",
                yaw_of(e.pose.rotation),
                re.yaw
            );
        }
        assert_eq!(scene.rig.cameras.len(), r.cameras.len());
        for (c, rc) in scene.rig.cameras.iter().zip(&r.cameras) {
            assert_eq!(
                (c.channel.as_str(), c.width_px, c.height_px),
                (rc.channel.as_str(), rc.width, rc.height)
            );
            let rot = DMat3::from_quat(c.ego_from_camera.rotation);
            for i in 0..3 {
                for j in 0..3 {
                    // Reference matrices are row-major: [row][column].
                    assert!(close(c.intrinsic.col(j)[i], rc.intrinsic[i][j]));
                    assert!(
                        close(rot.col(j)[i], rc.rotation_matrix[i][j]),
                        "{}: R[{i}][{j}]",
                        c.channel
                    );
                }
            }
            assert!(
                c.ego_from_camera
                    .translation
                    .abs_diff_eq(DVec3::from_array(rc.translation), TOL)
            );
        }
        assert!(!r.boxes_mid_sample.is_empty());
        for b in &r.boxes_mid_sample {
            let actor = scene
                .actors
                .iter()
                .find(|a| a.instance_token == b.instance_token)
                .expect("actor");
            let pose = actor.pose_at(b.timestamp).expect("inside track");
            assert!(
                pose.translation
                    .abs_diff_eq(DVec3::from_array(b.center), TOL)
            );
            assert!(close(pose.yaw(), b.yaw));
            assert_eq!(actor.size_wlh_m, DVec3::from_array(b.wlh));
            assert_eq!(actor.category, b.category);
            let i = actor
                .keyframes
                .iter()
                .position(|k| k.timestamp_us == b.timestamp)
                .expect("keyframe");
            assert_eq!(actor.attributes[i], b.attributes);
        }
    }
}

fn compare_lanes(reference: &Reference, root: &std::path::Path) {
    for (location, r) in &reference.maps {
        let loc = mpa_sim::scene::model::Location::parse(location).expect("location");
        let map = ns::load_map(root, loc).expect("loads").value;
        assert_eq!(map.canvas_edge_m, r.canvas_edge);
        assert_eq!(map.lanes.len(), r.lanes.len());
        for lane in &map.lanes {
            // The devkit repeats the point where one arcline path ends and the next begins; our
            // centrelines hold it once (points closer than 1e-6 m merge).
            let mut want: Vec<[f64; 3]> = Vec::new();
            for q in &r.lanes[&lane.token] {
                let repeat = want
                    .last()
                    .is_some_and(|p| (p[0] - q[0]).hypot(p[1] - q[1]) < 1e-6);
                if !repeat {
                    want.push(*q);
                }
            }
            assert_eq!(lane.centreline.len(), want.len(), "{}", lane.token);
            for (p, q) in lane.centreline.iter().zip(&want) {
                assert!(
                    close(p.xy.x, q[0]) && close(p.xy.y, q[1]) && close(p.yaw, q[2]),
                    "{}: {p:?} vs {q:?}",
                    lane.token
                );
            }
            let tokens = |ix: &[usize]| {
                ix.iter()
                    .map(|&i| map.lanes[i].token.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(tokens(&lane.outgoing), r.outgoing[&lane.token]);
            assert_eq!(tokens(&lane.incoming), r.incoming[&lane.token]);
        }
    }
}
