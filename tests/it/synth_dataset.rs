//! The synthetic generator writes a complete, consistent nuScenes-format dataset: every table
//! parses with our table structs, token links resolve, prev/next chains are consistent, two runs
//! are byte-identical, logs are collision-free and vehicles stay on the drivable area, the
//! ego's manoeuvres vary, and the map's lanes carry arclines and full connectivity.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use crate::common;

use glam::{DVec2, DVec3};
use mpa_sim::geometry::{Obb, obb_overlap, point_in_polygon};
use mpa_sim::scene::arcline::{Arcline, principal_value};
use mpa_sim::scene::synth::{self, SynthOptions, traffic};
use mpa_sim::scene::tables::*;
use mpa_sim::scene::{Location, Polygon, quat_from_wxyz, yaw_of};
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SEED: u64 = 42;
const PER_LOCATION: usize = 3;
const VERSION: &str = "v1.0-test";

fn generate(dir: &Path) {
    synth::generate(&SynthOptions {
        out_dir: dir.to_path_buf(),
        version: VERSION.into(),
        locations: vec![Location::SingaporeOnenorth, Location::BostonSeaport],
        count_per_location: PER_LOCATION,
        seed: SEED,
        first_index: 1,
        preview: false,
    })
    .expect("generation succeeds");
}

fn table<T: DeserializeOwned>(root: &Path, name: &str) -> Vec<T> {
    let path = root.join(VERSION).join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct Data {
    scene: Vec<SceneRecord>,
    sample: BTreeMap<String, Sample>,
    sample_data: Vec<SampleData>,
    ego_pose: BTreeMap<String, EgoPose>,
    calibrated: BTreeMap<String, CalibratedSensor>,
    sensor: BTreeMap<String, Sensor>,
    annotation: BTreeMap<String, SampleAnnotation>,
    instance: Vec<Instance>,
    category: BTreeMap<String, Category>,
    attribute: BTreeMap<String, Attribute>,
    visibility: BTreeMap<String, Visibility>,
    log: BTreeMap<String, Log>,
    map: Vec<MapRecord>,
}

fn by_token<T: DeserializeOwned, F: Fn(&T) -> String>(
    root: &Path,
    name: &str,
    key: F,
) -> BTreeMap<String, T> {
    let v: Vec<T> = table(root, name);
    let n = v.len();
    let m: BTreeMap<String, T> = v.into_iter().map(|r| (key(&r), r)).collect();
    assert_eq!(m.len(), n, "{name}: duplicate tokens");
    m
}

fn load(root: &Path) -> Data {
    Data {
        scene: table(root, "scene"),
        sample: by_token(root, "sample", |r: &Sample| r.token.clone()),
        sample_data: table(root, "sample_data"),
        ego_pose: by_token(root, "ego_pose", |r: &EgoPose| r.token.clone()),
        calibrated: by_token(root, "calibrated_sensor", |r: &CalibratedSensor| {
            r.token.clone()
        }),
        sensor: by_token(root, "sensor", |r: &Sensor| r.token.clone()),
        annotation: by_token(root, "sample_annotation", |r: &SampleAnnotation| {
            r.token.clone()
        }),
        instance: table(root, "instance"),
        category: by_token(root, "category", |r: &Category| r.token.clone()),
        attribute: by_token(root, "attribute", |r: &Attribute| r.token.clone()),
        visibility: by_token(root, "visibility", |r: &Visibility| r.token.clone()),
        log: by_token(root, "log", |r: &Log| r.token.clone()),
        map: table(root, "map"),
    }
}

fn map_file(root: &Path, location: &str) -> MapExpansion {
    let path = root.join("maps/expansion").join(format!("{location}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn yaw(q: &[f64]) -> f64 {
    yaw_of(quat_from_wxyz([q[0], q[1], q[2], q[3]]))
}

/// Per scene: samples in order with their LIDAR_TOP ego pose.
fn scene_samples<'a>(d: &'a Data, scene: &SceneRecord) -> Vec<(&'a Sample, &'a EgoPose)> {
    let lidar: BTreeMap<&str, &SampleData> = d
        .sample_data
        .iter()
        .filter(|s| {
            d.sensor[&d.calibrated[&s.calibrated_sensor_token].sensor_token].channel == "LIDAR_TOP"
        })
        .map(|s| (s.sample_token.as_str(), s))
        .collect();
    let mut out = Vec::new();
    let mut t = scene.first_sample_token.clone();
    while !t.is_empty() {
        let s = &d.sample[&t];
        let sd = lidar[t.as_str()];
        assert_eq!(
            sd.timestamp, s.timestamp,
            "sample timestamp is its LIDAR_TOP keyframe's"
        );
        out.push((s, &d.ego_pose[&sd.ego_pose_token]));
        t = s.next.clone();
    }
    out
}

#[test]
fn synthetic_dataset_is_complete_consistent_and_deterministic() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    generate(a.path());
    generate(b.path());
    // Determinism: same arguments, byte-identical files.
    let fa = common::files(a.path());
    assert_eq!(fa, common::files(b.path()));
    for f in &fa {
        assert!(
            std::fs::read(a.path().join(f)).unwrap() == std::fs::read(b.path().join(f)).unwrap(),
            "{} differs between runs",
            f.display()
        );
    }
    for name in TABLE_NAMES {
        assert!(
            fa.contains(&PathBuf::from(VERSION).join(format!("{name}.json"))),
            "{name}.json written"
        );
    }
    let root = a.path();
    let d = load(root);

    // Static tables as in the real data.
    assert_eq!(d.category.len(), 23);
    assert_eq!(d.attribute.len(), 8);
    assert_eq!(
        d.visibility.keys().cloned().collect::<Vec<_>>(),
        ["1", "2", "3", "4"]
    );
    for t in d
        .sample
        .keys()
        .chain(d.annotation.keys())
        .chain(d.ego_pose.keys())
    {
        assert!(
            t.len() == 32
                && t.chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "token {t}"
        );
    }

    // Scenes: names, logs, maps.
    assert_eq!(d.scene.len(), 2 * PER_LOCATION);
    let names: Vec<&str> = d.scene.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "scene-0001",
            "scene-0002",
            "scene-0003",
            "scene-0004",
            "scene-0005",
            "scene-0006"
        ]
    );
    let mapped: BTreeSet<&String> = d.map.iter().flat_map(|m| m.log_tokens.iter()).collect();
    for (tok, log) in &d.log {
        assert!(mapped.contains(tok), "log {tok} listed in a map record");
        assert!(LOCATIONS.contains(&log.location.as_str()));
    }
    for m in &d.map {
        let png = image::open(root.join(&m.filename)).expect("map PNG exists");
        let loc = &d.log[&m.log_tokens[0]].location;
        let exp = map_file(root, loc);
        assert_eq!(exp.version, "1.3");
        assert_eq!(
            png.width() as f64,
            (exp.canvas_edge[0] * 10.0).round(),
            "PNG covers the canvas at 10 px/m"
        );
        assert_eq!(png.height() as f64, (exp.canvas_edge[1] * 10.0).round());
    }

    // Links resolve.
    for sd in &d.sample_data {
        assert!(d.sample.contains_key(&sd.sample_token));
        assert!(d.ego_pose.contains_key(&sd.ego_pose_token));
        let cs = &d.calibrated[&sd.calibrated_sensor_token];
        let sensor = &d.sensor[&cs.sensor_token];
        assert_eq!(
            d.ego_pose[&sd.ego_pose_token].timestamp, sd.timestamp,
            "own ego pose at own time"
        );
        if sensor.modality == "camera" {
            assert_eq!(
                (sd.width, sd.height, sd.fileformat.as_str()),
                (1600, 900, "jpg")
            );
            assert!(
                sd.filename
                    .starts_with(&format!("samples/{}/", sensor.channel))
            );
            let lidar_ts = d.sample[&sd.sample_token].timestamp;
            let off = sd.timestamp - lidar_ts;
            assert!(
                (1_000..100_000).contains(&off),
                "camera {} is {off} us off the lidar",
                sensor.channel
            );
        }
    }
    for ann in d.annotation.values() {
        assert!(d.sample.contains_key(&ann.sample_token));
        assert!(d.visibility.contains_key(&ann.visibility_token));
        assert!(
            ann.attribute_tokens
                .iter()
                .all(|t| d.attribute.contains_key(t))
        );
        assert!(ann.num_lidar_pts > 0);
        assert!(ann.size.iter().all(|v| *v > 0.0));
    }
    for s in d.sample.values() {
        assert!(d.scene.iter().any(|sc| sc.token == s.scene_token));
    }

    // Calibration: CAM_FRONT looks forward with nuScenes-like intrinsics; CAM_BACK backward.
    for cs in d.calibrated.values() {
        let ch = &d.sensor[&cs.sensor_token].channel;
        if ch == "CAM_FRONT" || ch == "CAM_BACK" {
            let q = quat_from_wxyz([
                cs.rotation[0],
                cs.rotation[1],
                cs.rotation[2],
                cs.rotation[3],
            ]);
            let z = q * DVec3::Z;
            let fx = cs.camera_intrinsic[0][0];
            if ch == "CAM_FRONT" {
                assert!((z - DVec3::X).length() < 1e-6 && (fx - 1266.4).abs() < 1.0);
                assert!(
                    ((q * DVec3::X) + DVec3::Y).length() < 1e-6,
                    "camera x is ego right"
                );
            } else {
                assert!((z + DVec3::X).length() < 1e-6 && (fx - 809.0).abs() < 1.0);
            }
        }
    }

    // Chains: per channel sample_data, annotations per instance.
    let mut per_channel: BTreeMap<(String, String), Vec<&SampleData>> = BTreeMap::new();
    for sd in &d.sample_data {
        let scene = &d.sample[&sd.sample_token].scene_token;
        let ch = d.sensor[&d.calibrated[&sd.calibrated_sensor_token].sensor_token]
            .channel
            .clone();
        per_channel.entry((scene.clone(), ch)).or_default().push(sd);
    }
    assert_eq!(per_channel.len(), d.scene.len() * 7);
    for list in per_channel.values() {
        let mut list = list.clone();
        list.sort_by_key(|s| s.timestamp);
        for (i, s) in list.iter().enumerate() {
            assert_eq!(
                s.prev,
                if i == 0 {
                    String::new()
                } else {
                    list[i - 1].token.clone()
                }
            );
            assert_eq!(
                s.next,
                list.get(i + 1).map(|n| n.token.clone()).unwrap_or_default()
            );
        }
    }
    let mut seen = 0;
    for inst in &d.instance {
        assert!(d.category.contains_key(&inst.category_token));
        let mut t = inst.first_annotation_token.clone();
        let mut prev = String::new();
        let mut n = 0;
        let mut last_ts = i64::MIN;
        while !t.is_empty() {
            let a = &d.annotation[&t];
            assert_eq!(a.instance_token, inst.token);
            assert_eq!(a.prev, prev);
            let ts = d.sample[&a.sample_token].timestamp;
            assert!(ts > last_ts);
            last_ts = ts;
            prev = t.clone();
            t = a.next.clone();
            n += 1;
        }
        assert_eq!(prev, inst.last_annotation_token);
        assert_eq!(n, inst.nbr_annotations);
        seen += n as usize;
    }
    assert_eq!(
        seen,
        d.annotation.len(),
        "every annotation is on an instance chain"
    );

    // Per scene: samples chain, ego speeds, collisions, drivable area, commands.
    let mut commands = BTreeSet::new();
    let mut by_sample: BTreeMap<&str, Vec<&SampleAnnotation>> = BTreeMap::new();
    for a in d.annotation.values() {
        by_sample
            .entry(a.sample_token.as_str())
            .or_default()
            .push(a);
    }
    let cat_of: BTreeMap<&str, &str> = d
        .instance
        .iter()
        .map(|i| {
            (
                i.token.as_str(),
                d.category[&i.category_token].name.as_str(),
            )
        })
        .collect();
    for scene in &d.scene {
        let samples = scene_samples(&d, scene);
        assert_eq!(samples.len() as u32, scene.nbr_samples);
        assert_eq!(samples.last().unwrap().0.token, scene.last_sample_token);
        let location = &d.log[&scene.log_token].location;
        let exp = map_file(root, location);
        let drivable = drivable_polygons(&exp);
        let mut max_speed: f64 = 0.0;
        for w in samples.windows(2) {
            let (a, b) = (&w[0].1.translation, &w[1].1.translation);
            let dt = (w[1].0.timestamp - w[0].0.timestamp) as f64 * 1e-6;
            assert!((dt - 0.5).abs() < 1e-9, "2 Hz keyframes");
            let v = DVec2::new(b[0] - a[0], b[1] - a[1]).length() / dt;
            assert!(v < 16.0, "{}: ego speed {v} m/s", scene.name);
            max_speed = max_speed.max(v);
        }
        assert!(
            max_speed > 5.0,
            "{}: the ego drives ({max_speed} m/s)",
            scene.name
        );
        let dyaw = mpa_sim::scene::wrap_angle(
            yaw(&samples.last().unwrap().1.rotation) - yaw(&samples[0].1.rotation),
        );
        commands.insert(if dyaw > 0.5 {
            "left"
        } else if dyaw < -0.5 {
            "right"
        } else {
            "straight"
        });
        for (sample, ego) in &samples {
            let e = &ego.translation;
            let ey = yaw(&ego.rotation);
            let ego_box = Obb::new(
                DVec2::new(e[0], e[1]) + DVec2::from_angle(ey) * traffic::EGO_CENTRE_AHEAD_M,
                ey,
                traffic::EGO_LENGTH_M,
                traffic::EGO_WIDTH_M,
            );
            assert!(
                ego_box.corners().iter().all(|c| on(&drivable, *c)),
                "{}: ego off the drivable area",
                scene.name
            );
            let anns = by_sample
                .get(sample.token.as_str())
                .cloned()
                .unwrap_or_default();
            let boxes: Vec<(Obb, &str)> = anns
                .iter()
                .map(|a| {
                    let o = Obb::new(
                        DVec2::new(a.translation[0], a.translation[1]),
                        yaw(&a.rotation),
                        a.size[1],
                        a.size[0],
                    );
                    (o, cat_of[a.instance_token.as_str()])
                })
                .collect();
            for (i, (bi, cat)) in boxes.iter().enumerate() {
                assert!(
                    !obb_overlap(bi, &ego_box),
                    "{}: actor overlaps the ego",
                    scene.name
                );
                for (bj, _) in &boxes[i + 1..] {
                    assert!(!obb_overlap(bi, bj), "{}: two actors overlap", scene.name);
                }
                if cat.starts_with("vehicle.") {
                    assert!(
                        bi.corners().iter().all(|c| on(&drivable, *c)),
                        "{}: {cat} off the drivable area",
                        scene.name
                    );
                }
            }
        }
    }
    assert_eq!(
        commands.len(),
        3,
        "left, right and straight drives all occur: {commands:?}"
    );

    // Map: lanes with arclines and connectivity.
    for location in ["singapore-onenorth", "boston-seaport"] {
        check_map(&map_file(root, location), location);
    }
}

fn drivable_polygons(exp: &MapExpansion) -> Vec<Polygon> {
    let nodes: BTreeMap<&str, DVec2> = exp
        .node
        .iter()
        .map(|n| (n.token.as_str(), DVec2::new(n.x, n.y)))
        .collect();
    let polys: BTreeMap<&str, &MapPolygon> =
        exp.polygon.iter().map(|p| (p.token.as_str(), p)).collect();
    exp.drivable_area
        .iter()
        .flat_map(|da| da.polygon_tokens.iter())
        .map(|t| {
            let p = polys[t.as_str()];
            Polygon {
                exterior: p
                    .exterior_node_tokens
                    .iter()
                    .map(|n| nodes[n.as_str()])
                    .collect(),
                holes: p
                    .holes
                    .iter()
                    .map(|h| h.node_tokens.iter().map(|n| nodes[n.as_str()]).collect())
                    .collect(),
            }
        })
        .collect()
}

fn on(polys: &[Polygon], p: DVec2) -> bool {
    polys.iter().any(|poly| point_in_polygon(p, poly))
}

fn check_map(exp: &MapExpansion, location: &str) {
    let nodes: BTreeSet<&str> = exp.node.iter().map(|n| n.token.as_str()).collect();
    let polygons: BTreeSet<&str> = exp.polygon.iter().map(|p| p.token.as_str()).collect();
    let lines: BTreeSet<&str> = exp.line.iter().map(|p| p.token.as_str()).collect();
    for p in &exp.polygon {
        assert!(
            p.exterior_node_tokens.len() >= 3
                && p.exterior_node_tokens
                    .iter()
                    .all(|n| nodes.contains(n.as_str()))
        );
    }
    for l in &exp.line {
        assert!(
            l.node_tokens.len() >= 2 && l.node_tokens.iter().all(|n| nodes.contains(n.as_str()))
        );
    }
    for (what, n) in [
        ("lane", exp.lane.len()),
        ("lane_connector", exp.lane_connector.len()),
        ("ped_crossing", exp.ped_crossing.len()),
        ("walkway", exp.walkway.len()),
        ("stop_line", exp.stop_line.len()),
        ("carpark_area", exp.carpark_area.len()),
        ("road_divider", exp.road_divider.len()),
        ("lane_divider", exp.lane_divider.len()),
        ("road_block", exp.road_block.len()),
    ] {
        assert!(n > 0, "{location}: {what} layer is empty");
    }
    assert!(
        exp.road_segment.iter().any(|s| s.is_intersection)
            && exp.road_segment.iter().any(|s| !s.is_intersection)
    );
    // A roundabout: a drivable polygon whose central island is a hole.
    let drivable: BTreeSet<&str> = exp
        .drivable_area
        .iter()
        .flat_map(|d| d.polygon_tokens.iter().map(String::as_str))
        .collect();
    assert!(
        exp.polygon
            .iter()
            .any(|p| !p.holes.is_empty() && drivable.contains(p.token.as_str())),
        "{location}: a roundabout island (drivable polygon hole)"
    );
    for lane in &exp.lane {
        assert!(polygons.contains(lane.polygon_token.as_str()));
        assert!(
            lines.contains(lane.from_edge_line_token.as_str())
                && lines.contains(lane.to_edge_line_token.as_str())
        );
        assert!(
            !lane.left_lane_divider_segments.is_empty()
                && !lane.right_lane_divider_segments.is_empty()
        );
        for s in lane
            .left_lane_divider_segments
            .iter()
            .chain(&lane.right_lane_divider_segments)
        {
            assert!(nodes.contains(s.node_token.as_str()));
        }
    }
    assert!(exp.lane_divider.iter().all(|d| {
        d.lane_divider_segments
            .iter()
            .all(|s| s.segment_type.contains("DASHED"))
    }));
    // Arclines and connectivity for every lane and connector; ends meet.
    let all: Vec<&str> = exp
        .lane
        .iter()
        .map(|l| l.token.as_str())
        .chain(exp.lane_connector.iter().map(|c| c.token.as_str()))
        .collect();
    let end_of = |t: &str| {
        let p = Arcline::from_record(exp.arcline_path_3[t].last().unwrap()).unwrap();
        p.pose_at_length(p.length_m()).to_array()
    };
    let start_of = |t: &str| {
        let p = &exp.arcline_path_3[t][0];
        [p.start_pose[0], p.start_pose[1], p.start_pose[2]]
    };
    let mut turns = BTreeSet::new();
    for &t in &all {
        let paths = &exp.arcline_path_3[t];
        assert!(!paths.is_empty(), "{location}: {t} has arclines");
        for w in paths.windows(2) {
            let p = Arcline::from_record(&w[0]).unwrap();
            let e = p.pose_at_length(p.length_m()).to_array();
            assert!(
                (e[0] - w[1].start_pose[0]).abs() < 1e-6
                    && (e[1] - w[1].start_pose[1]).abs() < 1e-6
            );
        }
        for p in paths {
            let p = Arcline::from_record(p).unwrap();
            let e = p.pose_at_length(p.length_m()).to_array();
            assert!(
                (e[0] - p.end.x).abs() < 1e-6 && (e[1] - p.end.y).abs() < 1e-6,
                "end_pose matches the shape"
            );
        }
        let c = &exp.connectivity[t];
        assert!(
            !c.incoming.is_empty() && !c.outgoing.is_empty(),
            "{location}: {t} has no dead end"
        );
        for o in &c.outgoing {
            assert!(
                exp.connectivity[o].incoming.iter().any(|i| i == t),
                "connectivity is symmetric"
            );
            let (a, b) = (end_of(t), start_of(o));
            assert!(
                (a[0] - b[0]).abs() < 1e-6 && (a[1] - b[1]).abs() < 1e-6,
                "{t} ends where {o} starts"
            );
        }
        let d = principal_value(end_of(t)[2] - start_of(t)[2]);
        if exp.lane_connector.iter().any(|c| c.token == t) {
            turns.insert(if d > 0.5 {
                "left"
            } else if d < -0.5 {
                "right"
            } else {
                "straight"
            });
        }
    }
    assert_eq!(
        turns.len(),
        3,
        "{location}: connectors turn left, right and go straight"
    );
}
