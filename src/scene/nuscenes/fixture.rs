//! A small but complete nuScenes-format dataset built from the table structs, for the loader's
//! tests and the load benchmark: all 13 tables and a map expansion per location, with known
//! closed-form values so a test can check what the loader gives back.
//!
//! Layout: `scenes_per_location` scenes in singapore-onenorth (log 0) and as many in
//! boston-seaport (log 1). Each scene has `samples_per_scene` keyframes at 2 Hz; every sample
//! has a keyframe sample_data for each of the 6 cameras, LIDAR_TOP and RADAR_FRONT, plus
//! `lidar_sweeps_per_sample` LIDAR_TOP sweeps, each with its own ego pose. Instances cycle
//! through car (attribute vehicle.moving), pedestrian (pedestrian.standing) and barrier (no
//! attribute); instance `k` is annotated from sample `k % 2` to the end. The map has two lanes
//! joined by a left-turn connector (straight 20 m east from the origin, a quarter circle of
//! radius 10 m, straight 20 m north), with polygons for every layer.

use crate::scene::model::{CAMERA_CHANNELS, quat_to_wxyz};
use crate::scene::tables::*;
use glam::{DMat3, DQuat, DVec3};
use std::collections::BTreeMap;
use std::path::Path;

/// Size and shape of the generated dataset.
#[derive(Debug, Clone, Copy)]
pub struct FixtureParams {
    pub scenes_per_location: usize,
    pub samples_per_scene: usize,
    pub lidar_sweeps_per_sample: usize,
    pub instances_per_scene: usize,
}

impl Default for FixtureParams {
    fn default() -> Self {
        FixtureParams {
            scenes_per_location: 2,
            samples_per_scene: 5,
            lidar_sweeps_per_sample: 2,
            instances_per_scene: 3,
        }
    }
}

/// Scene start times (microseconds) are this plus 100 s per scene.
pub const BASE_TIMESTAMP_US: i64 = 1_532_402_927_647_951;
/// Ego speed along x, m/s.
pub const EGO_SPEED_MPS: f64 = 5.0;
/// Ego yaw rate, rad/s.
pub const EGO_YAW_RATE: f64 = 0.02;
/// Ego roll (a real ego pose carries a little), rad.
pub const EGO_ROLL_RAD: f64 = 0.01;

/// All tables of a dataset plus its map expansions.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub attribute: Vec<Attribute>,
    pub calibrated_sensor: Vec<CalibratedSensor>,
    pub category: Vec<Category>,
    pub ego_pose: Vec<EgoPose>,
    pub instance: Vec<Instance>,
    pub log: Vec<Log>,
    pub map: Vec<MapRecord>,
    pub sample: Vec<Sample>,
    pub sample_annotation: Vec<SampleAnnotation>,
    pub sample_data: Vec<SampleData>,
    pub scene: Vec<SceneRecord>,
    pub sensor: Vec<Sensor>,
    pub visibility: Vec<Visibility>,
    /// Map expansion per location name.
    pub maps: BTreeMap<String, MapExpansion>,
}

/// A deterministic 32-hex-digit token for (kind, indices).
pub fn token(kind: &str, parts: &[u64]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in kind.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    for p in parts {
        h = splitmix(h ^ p);
    }
    format!(
        "{:016x}{:016x}",
        splitmix(h),
        splitmix(h ^ 0x9e37_79b9_7f4a_7c15)
    )
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Ego pose `t_secs` into scene `s`: (translation, rotation).
pub fn ego_pose_at(scene: usize, t_secs: f64) -> (DVec3, DQuat) {
    let x0 = 100.0 * scene as f64;
    let translation = DVec3::new(x0 + EGO_SPEED_MPS * t_secs, 0.1 * t_secs * t_secs, 0.0);
    let rotation =
        DQuat::from_rotation_z(EGO_YAW_RATE * t_secs) * DQuat::from_rotation_x(EGO_ROLL_RAD);
    (translation, rotation)
}

/// Box of instance `k` at `t_secs`: (centre, rotation, size [w, l, h]).
pub fn actor_box_at(scene: usize, k: usize, t_secs: f64) -> (DVec3, DQuat, [f64; 3]) {
    let kf = k as f64;
    let centre = DVec3::new(
        100.0 * scene as f64 + 10.0 + 3.0 * kf + (1.0 + kf) * t_secs,
        2.0 * kf - 1.0,
        0.8 + 0.01 * kf,
    );
    let rotation = DQuat::from_rotation_z(0.1 * kf + 0.05 * t_secs);
    (
        centre,
        rotation,
        [1.8 + 0.01 * kf, 4.2 + 0.1 * kf, 1.5 + 0.02 * kf],
    )
}

const CATEGORIES: [&str; 3] = [
    "vehicle.car",
    "human.pedestrian.adult",
    "movable_object.barrier",
];
const ATTRIBUTES: [&str; 2] = ["vehicle.moving", "pedestrian.standing"];
const LOCATIONS: [&str; 2] = ["singapore-onenorth", "boston-seaport"];

/// Channels with a sensor, in sensor-table order.
fn channels() -> Vec<(&'static str, &'static str)> {
    let mut c: Vec<_> = CAMERA_CHANNELS.iter().map(|ch| (*ch, "camera")).collect();
    c.push(("LIDAR_TOP", "lidar"));
    c.push(("RADAR_FRONT", "radar"));
    c
}

/// Camera `i` (of `CAMERA_CHANNELS`, taken modulo 6) intrinsic rows (CAM_BACK has the wider
/// lens).
pub fn camera_intrinsic(i: usize) -> Vec<Vec<f64>> {
    let i = i % CAMERA_CHANNELS.len();
    let f = if CAMERA_CHANNELS[i] == "CAM_BACK" {
        809.2
    } else {
        1266.4 + i as f64
    };
    vec![
        vec![f, 0.0, 816.3 + i as f64],
        vec![0.0, f, 491.5],
        vec![0.0, 0.0, 1.0],
    ]
}

/// Camera `i` (modulo 6) mounting: camera axes (x right, y down, z forward) to ego, turned by
/// its yaw.
pub fn camera_mount(i: usize) -> (DVec3, DQuat) {
    let i = i % CAMERA_CHANNELS.len();
    let yaw = [0.0, -0.96, 0.96, std::f64::consts::PI, 1.9, -1.9][i];
    let axes = DMat3::from_cols(DVec3::NEG_Y, DVec3::NEG_Z, DVec3::X);
    let rotation = DQuat::from_rotation_z(yaw) * DQuat::from_mat3(&axes);
    (
        DVec3::new(1.5 - 0.1 * i as f64, 0.01 * i as f64, 1.5),
        rotation,
    )
}

impl Fixture {
    pub fn new(p: FixtureParams) -> Fixture {
        let mut f = Fixture {
            attribute: ATTRIBUTES
                .iter()
                .enumerate()
                .map(|(i, n)| Attribute {
                    token: token("attribute", &[i as u64]),
                    name: n.to_string(),
                    description: String::new(),
                })
                .collect(),
            calibrated_sensor: Vec::new(),
            category: CATEGORIES
                .iter()
                .enumerate()
                .map(|(i, n)| Category {
                    token: token("category", &[i as u64]),
                    name: n.to_string(),
                    description: String::new(),
                })
                .collect(),
            ego_pose: Vec::new(),
            instance: Vec::new(),
            log: LOCATIONS
                .iter()
                .enumerate()
                .map(|(i, l)| Log {
                    token: token("log", &[i as u64]),
                    logfile: format!("n015-2018-07-24-11-22-45+0800-{i}"),
                    vehicle: "n015".into(),
                    date_captured: "2018-07-24".into(),
                    location: l.to_string(),
                })
                .collect(),
            map: Vec::new(),
            sample: Vec::new(),
            sample_annotation: Vec::new(),
            sample_data: Vec::new(),
            scene: Vec::new(),
            sensor: Vec::new(),
            visibility: (1..=4)
                .map(|i| Visibility {
                    token: i.to_string(),
                    level: ["v0-40", "v40-60", "v60-80", "v80-100"][i - 1].into(),
                    description: String::new(),
                })
                .collect(),
            maps: LOCATIONS
                .iter()
                .map(|l| (l.to_string(), map_expansion()))
                .collect(),
        };
        f.map.push(MapRecord {
            token: token("map", &[0]),
            log_tokens: f.log.iter().map(|l| l.token.clone()).collect(),
            category: "semantic_prior".into(),
            filename: "maps/fixture.png".into(),
        });
        for (i, (channel, modality)) in channels().into_iter().enumerate() {
            f.sensor.push(Sensor {
                token: token("sensor", &[i as u64]),
                channel: channel.into(),
                modality: modality.into(),
            });
            let (translation, rotation, intrinsic) = if modality == "camera" {
                let (t, r) = camera_mount(i);
                (t, r, camera_intrinsic(i))
            } else {
                (
                    DVec3::new(0.94 + i as f64 * 0.1, 0.0, 1.84),
                    DQuat::from_rotation_z(-0.01 * i as f64),
                    Vec::new(),
                )
            };
            f.calibrated_sensor.push(CalibratedSensor {
                token: token("calibrated_sensor", &[i as u64]),
                sensor_token: f.sensor[i].token.clone(),
                translation: translation.to_array().to_vec(),
                rotation: quat_to_wxyz(rotation).to_vec(),
                camera_intrinsic: intrinsic,
            });
        }
        for s in 0..2 * p.scenes_per_location {
            f.add_scene(s, s / p.scenes_per_location.max(1), p);
        }
        f
    }

    fn add_scene(&mut self, s: usize, log: usize, p: FixtureParams) {
        let su = s as u64;
        let n = p.samples_per_scene;
        let sample_tok = |i: usize| {
            if i < n {
                token("sample", &[su, i as u64])
            } else {
                String::new()
            }
        };
        let t0 = BASE_TIMESTAMP_US + 100_000_000 * s as i64;
        let scene_token = token("scene", &[su]);
        self.scene.push(SceneRecord {
            token: scene_token.clone(),
            log_token: self.log[log].token.clone(),
            nbr_samples: n as u32,
            first_sample_token: sample_tok(0),
            last_sample_token: sample_tok(n.saturating_sub(1)),
            name: format!("scene-{:04}", s + 1),
            description: format!("fixture scene {s}, {}", LOCATIONS[log]),
        });
        let sample_ts = |i: usize| t0 + 500_000 * i as i64;
        for i in 0..n {
            self.sample.push(Sample {
                token: sample_tok(i),
                timestamp: sample_ts(i),
                prev: if i == 0 {
                    String::new()
                } else {
                    sample_tok(i - 1)
                },
                next: sample_tok(i + 1),
                scene_token: scene_token.clone(),
            });
        }
        // sample_data: per channel a chain of keyframes (and lidar sweeps between them).
        for (c, (channel, modality)) in channels().into_iter().enumerate() {
            let mut frames: Vec<(i64, usize, bool)> = Vec::new(); // (timestamp, sample index, keyframe)
            for i in 0..n {
                // Cameras fire tens of ms off the lidar keyframe, as in real data.
                let offset = if modality == "camera" {
                    12_000 + 1_000 * c as i64
                } else {
                    0
                };
                if channel == "LIDAR_TOP" && i > 0 {
                    for k in 1..=p.lidar_sweeps_per_sample {
                        let dt = 500_000 * k as i64 / (p.lidar_sweeps_per_sample as i64 + 1);
                        frames.push((sample_ts(i - 1) + dt, i, false));
                    }
                }
                frames.push((sample_ts(i) + offset, i, true));
            }
            let sd_tok = |j: usize| {
                if j < frames.len() {
                    token("sample_data", &[su, c as u64, j as u64])
                } else {
                    String::new()
                }
            };
            for (j, &(ts, i, key)) in frames.iter().enumerate() {
                let ego_token = token("ego_pose", &[su, c as u64, j as u64]);
                let (t, r) = ego_pose_at(s, (ts - t0) as f64 * 1e-6);
                self.ego_pose.push(EgoPose {
                    token: ego_token.clone(),
                    timestamp: ts,
                    rotation: quat_to_wxyz(r).to_vec(),
                    translation: t.to_array().to_vec(),
                });
                let dir = if key { "samples" } else { "sweeps" };
                let ext = if modality == "camera" { "jpg" } else { "pcd" };
                self.sample_data.push(SampleData {
                    token: sd_tok(j),
                    sample_token: sample_tok(i),
                    ego_pose_token: ego_token,
                    calibrated_sensor_token: self.calibrated_sensor[c].token.clone(),
                    timestamp: ts,
                    fileformat: ext.into(),
                    is_key_frame: key,
                    height: if modality == "camera" { 900 } else { 0 },
                    width: if modality == "camera" { 1600 } else { 0 },
                    filename: format!(
                        "{dir}/{channel}/{}__{channel}__{ts}.{ext}",
                        self.log[log].logfile
                    ),
                    prev: if j == 0 { String::new() } else { sd_tok(j - 1) },
                    next: sd_tok(j + 1),
                });
            }
        }
        for k in 0..p.instances_per_scene {
            let first = (k % 2).min(n.saturating_sub(1));
            let ann_tok = |i: usize| {
                if (first..n).contains(&i) {
                    token("sample_annotation", &[su, k as u64, i as u64])
                } else {
                    String::new()
                }
            };
            let inst_token = token("instance", &[su, k as u64]);
            let class = k % 3;
            self.instance.push(Instance {
                token: inst_token.clone(),
                category_token: self.category[class].token.clone(),
                nbr_annotations: (n - first) as u32,
                first_annotation_token: ann_tok(first),
                last_annotation_token: ann_tok(n.saturating_sub(1)),
            });
            for i in first..n {
                let (c, r, size) = actor_box_at(s, k, 0.5 * i as f64);
                self.sample_annotation.push(SampleAnnotation {
                    token: ann_tok(i),
                    sample_token: sample_tok(i),
                    instance_token: inst_token.clone(),
                    visibility_token: (1 + (i + k) % 4).to_string(),
                    attribute_tokens: self
                        .attribute
                        .get(class)
                        .map(|a| vec![a.token.clone()])
                        .unwrap_or_default(),
                    translation: c.to_array().to_vec(),
                    size: size.to_vec(),
                    rotation: quat_to_wxyz(r).to_vec(),
                    prev: if i == first {
                        String::new()
                    } else {
                        ann_tok(i - 1)
                    },
                    next: ann_tok(i + 1),
                    num_lidar_pts: 10 + i as i64,
                    num_radar_pts: 0,
                });
            }
        }
    }

    /// Write `<dir>/<version>/<table>.json` (pretty-printed, as the real files) and
    /// `<dir>/maps/expansion/<location>.json`.
    pub fn write(&self, dir: &Path, version: &str) -> std::io::Result<()> {
        let vdir = dir.join(version);
        std::fs::create_dir_all(&vdir)?;
        fn put<T: serde::Serialize>(path: &Path, v: &T) -> std::io::Result<()> {
            let file = std::io::BufWriter::new(std::fs::File::create(path)?);
            serde_json::to_writer_pretty(file, v).map_err(std::io::Error::other)
        }
        put(&vdir.join("attribute.json"), &self.attribute)?;
        put(
            &vdir.join("calibrated_sensor.json"),
            &self.calibrated_sensor,
        )?;
        put(&vdir.join("category.json"), &self.category)?;
        put(&vdir.join("ego_pose.json"), &self.ego_pose)?;
        put(&vdir.join("instance.json"), &self.instance)?;
        put(&vdir.join("log.json"), &self.log)?;
        put(&vdir.join("map.json"), &self.map)?;
        put(&vdir.join("sample.json"), &self.sample)?;
        put(
            &vdir.join("sample_annotation.json"),
            &self.sample_annotation,
        )?;
        put(&vdir.join("sample_data.json"), &self.sample_data)?;
        put(&vdir.join("scene.json"), &self.scene)?;
        put(&vdir.join("sensor.json"), &self.sensor)?;
        put(&vdir.join("visibility.json"), &self.visibility)?;
        // The devkit asserts that the map record's PNG exists; a blank mask at 10 px/m.
        for m in &self.map {
            let png = dir.join(&m.filename);
            if let Some(parent) = png.parent() {
                std::fs::create_dir_all(parent)?;
            }
            image::GrayImage::new(1000, 800)
                .save(&png)
                .map_err(std::io::Error::other)?;
        }
        let mdir = dir.join("maps").join("expansion");
        std::fs::create_dir_all(&mdir)?;
        for (loc, m) in &self.maps {
            put(&mdir.join(format!("{loc}.json")), m)?;
        }
        Ok(())
    }
}

/// Quarter circle length of the connector, metres.
pub const CONNECTOR_LENGTH_M: f64 = std::f64::consts::FRAC_PI_2 * 10.0;

/// The fixture map: lanes `lane-a` (east), `lane-b` (north) and connector `conn-ab`.
pub fn map_expansion() -> MapExpansion {
    let mut nodes = Vec::new();
    let mut node = |x: f64, y: f64| {
        let t = token("node", &[nodes.len() as u64]);
        nodes.push(MapNode {
            token: t.clone(),
            x,
            y,
        });
        t
    };
    let mut polygons = Vec::new();
    let mut rect = |node: &mut dyn FnMut(f64, f64) -> String,
                    x0: f64,
                    y0: f64,
                    x1: f64,
                    y1: f64,
                    hole: bool| {
        let t = token("polygon", &[polygons.len() as u64]);
        let exterior = vec![node(x0, y0), node(x1, y0), node(x1, y1), node(x0, y1)];
        let holes = if hole {
            let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
            vec![MapHole {
                node_tokens: vec![
                    node(cx - 1.0, cy - 1.0),
                    node(cx + 1.0, cy - 1.0),
                    node(cx, cy + 1.0),
                ],
            }]
        } else {
            Vec::new()
        };
        polygons.push(MapPolygon {
            token: t.clone(),
            exterior_node_tokens: exterior,
            holes,
        });
        t
    };
    let drivable = rect(&mut node, -5.0, -5.0, 40.0, 40.0, true);
    let segment = rect(&mut node, 15.0, -5.0, 35.0, 15.0, false);
    let lane_a_poly = rect(&mut node, 0.0, -2.0, 20.0, 2.0, false);
    let lane_b_poly = rect(&mut node, 28.0, 10.0, 32.0, 30.0, false);
    let conn_poly = rect(&mut node, 20.0, -2.0, 32.0, 10.0, false);
    let crossing = rect(&mut node, 5.0, -4.0, 7.0, 4.0, false);
    let walkway = rect(&mut node, 0.0, 3.0, 20.0, 5.0, false);
    let stop = rect(&mut node, 18.0, -2.0, 18.5, 2.0, false);
    let carpark = rect(&mut node, -20.0, -20.0, -10.0, -10.0, false);
    let road_line_nodes = vec![node(0.0, 2.5), node(20.0, 2.5)];
    let lane_line_nodes = vec![node(0.0, 0.0), node(10.0, 0.0), node(20.0, 0.0)];
    let lines = vec![
        MapLine {
            token: token("line", &[0]),
            node_tokens: road_line_nodes,
        },
        MapLine {
            token: token("line", &[1]),
            node_tokens: lane_line_nodes.clone(),
        },
    ];
    let lane = |t: &str, poly: &str| MapLane {
        token: t.into(),
        polygon_token: poly.into(),
        lane_type: "CAR".into(),
        from_edge_line_token: String::new(),
        to_edge_line_token: String::new(),
        left_lane_divider_segments: Vec::new(),
        right_lane_divider_segments: Vec::new(),
    };
    let straight = |x: f64, y: f64, yaw: f64| ArclinePath {
        start_pose: vec![x, y, yaw],
        end_pose: vec![x + 20.0 * yaw.cos(), y + 20.0 * yaw.sin(), yaw],
        shape: "LSL".into(),
        radius: 999.999,
        segment_length: vec![0.0, 20.0, 0.0],
    };
    let turn = ArclinePath {
        start_pose: vec![20.0, 0.0, 0.0],
        end_pose: vec![30.0, 10.0, std::f64::consts::FRAC_PI_2],
        shape: "LSL".into(),
        radius: 10.0,
        segment_length: vec![CONNECTOR_LENGTH_M, 0.0, 0.0],
    };
    let conn = |i: &[&str], o: &[&str]| Connectivity {
        incoming: i.iter().map(|s| s.to_string()).collect(),
        outgoing: o.iter().map(|s| s.to_string()).collect(),
    };
    MapExpansion {
        version: "1.3".into(),
        canvas_edge: vec![100.0, 80.0],
        polygon: polygons,
        line: lines,
        node: nodes,
        drivable_area: vec![DrivableArea {
            token: token("drivable_area", &[0]),
            polygon_tokens: vec![drivable],
        }],
        road_segment: vec![RoadSegment {
            token: token("road_segment", &[0]),
            polygon_token: segment,
            is_intersection: true,
            drivable_area_token: token("drivable_area", &[0]),
        }],
        road_block: Vec::new(),
        lane: vec![lane("lane-a", &lane_a_poly), lane("lane-b", &lane_b_poly)],
        ped_crossing: vec![PedCrossing {
            token: token("ped_crossing", &[0]),
            polygon_token: crossing,
            road_segment_token: String::new(),
        }],
        walkway: vec![Walkway {
            token: token("walkway", &[0]),
            polygon_token: walkway,
        }],
        stop_line: vec![StopLine {
            token: token("stop_line", &[0]),
            polygon_token: stop,
            stop_line_type: "TRAFFIC_LIGHT".into(),
            ped_crossing_tokens: Vec::new(),
            traffic_light_tokens: Vec::new(),
            road_block_token: String::new(),
        }],
        carpark_area: vec![CarparkArea {
            token: token("carpark_area", &[0]),
            polygon_token: carpark,
            orientation: 0.0,
            road_block_token: String::new(),
        }],
        road_divider: vec![RoadDivider {
            token: token("road_divider", &[0]),
            line_token: token("line", &[0]),
            road_segment_token: String::new(),
        }],
        lane_divider: vec![LaneDivider {
            token: token("lane_divider", &[0]),
            line_token: token("line", &[1]),
            lane_divider_segments: vec![
                DividerSegment {
                    node_token: lane_line_nodes[0].clone(),
                    segment_type: "DOUBLE_DASHED_WHITE".into(),
                },
                DividerSegment {
                    node_token: lane_line_nodes[1].clone(),
                    segment_type: "SINGLE_SOLID_WHITE".into(),
                },
            ],
        }],
        traffic_light: Vec::new(),
        lane_connector: vec![LaneConnector {
            token: "conn-ab".into(),
            polygon_token: conn_poly,
        }],
        arcline_path_3: BTreeMap::from([
            ("lane-a".to_string(), vec![straight(0.0, 0.0, 0.0)]),
            (
                "lane-b".to_string(),
                vec![straight(30.0, 10.0, std::f64::consts::FRAC_PI_2)],
            ),
            ("conn-ab".to_string(), vec![turn]),
        ]),
        connectivity: BTreeMap::from([
            ("lane-a".to_string(), conn(&[], &["conn-ab"])),
            ("conn-ab".to_string(), conn(&["lane-a"], &["lane-b"])),
            ("lane-b".to_string(), conn(&["conn-ab"], &[])),
        ]),
    }
}
