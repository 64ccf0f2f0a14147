//! Writes a dataset: the 13 tables (one compact JSON record per line), each location's map
//! expansion and semantic-prior PNG, and optional previews.
//!
//! Per scene: one log (with its own calibrated sensors), 41 keyframe samples at 2 Hz, and per
//! keyframe a LIDAR_TOP sample_data (the sample's timestamp) plus six camera sample_data a few
//! tens of ms later, each with its own ego pose at its own time. Actors in range (60 m of the
//! ego) at some keyframe are annotated at every keyframe from the first to the last such one.

use super::catalog::{
    ATTRIBUTES, CAMERAS, CATEGORIES, CameraMount, LIDAR_TRANSLATION, VISIBILITIES,
    ego_from_camera_rotation,
};
use super::lanes::LaneGraph;
use super::mapgen::{self, TownMap};
use super::town::{Town, TownSpec};
use super::traffic::{self, DT_SECS, SceneLog};
use super::{SynthOptions, SynthSummary, hash64, raster, token};
use crate::command::Command;
use crate::scene::tables::*;
use crate::scene::{Location, SceneError};
use glam::{DQuat, DVec2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::path::Path;

/// Keyframes per scene (20 s at 2 Hz, both ends).
pub const KEYFRAMES: usize = 41;
pub const KEYFRAME_INTERVAL_US: i64 = 500_000;
/// Actors are annotated while within this distance of the ego.
pub const ANNOTATION_RANGE_M: f64 = 60.0;

fn io<T>(path: &Path, r: std::io::Result<T>) -> Result<T, SceneError> {
    r.map_err(|source| SceneError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A table as a JSON array with one compact record per line.
fn write_table<T: Serialize>(path: &Path, records: &[T]) -> Result<(), SceneError> {
    let mut s = String::from("[\n");
    for (i, r) in records.iter().enumerate() {
        let line = serde_json::to_string(r).map_err(|e| SceneError::Json {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        s.push_str(&line);
        s.push_str(if i + 1 < records.len() { ",\n" } else { "\n" });
    }
    s.push_str("]\n");
    io(path, std::fs::write(path, s))
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn yaw_quat(yaw: f64) -> Vec<f64> {
    let (s, c) = (0.5 * yaw).sin_cos();
    vec![round9(c), 0.0, 0.0, round9(s)]
}

fn round9(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

fn quat_vec(q: DQuat) -> Vec<f64> {
    crate::scene::quat_to_wxyz(q)
        .iter()
        .map(|v| round9(*v))
        .collect()
}

/// Everything built once per location.
struct World {
    location: Location,
    graph: LaneGraph,
    map: TownMap,
    png_name: String,
    map_token: String,
    log_tokens: Vec<String>,
    routes: Vec<Vec<DVec2>>,
}

#[derive(Default)]
struct Tables {
    calibrated_sensor: Vec<CalibratedSensor>,
    ego_pose: Vec<EgoPose>,
    instance: Vec<Instance>,
    log: Vec<Log>,
    sample: Vec<Sample>,
    sample_annotation: Vec<SampleAnnotation>,
    sample_data: Vec<SampleData>,
    scene: Vec<SceneRecord>,
}

fn pose_at(log: &SceneLog, t_us: i64) -> [f64; 3] {
    let t = t_us as f64 * 1e-6 / DT_SECS;
    let i = (t.floor() as usize).min(log.ego.len() - 2);
    let f = (t - i as f64).clamp(0.0, 1.0);
    let (a, b) = (log.ego[i], log.ego[i + 1]);
    let dyaw = crate::scene::arcline::principal_value(b[2] - a[2]);
    [
        a[0] + f * (b[0] - a[0]),
        a[1] + f * (b[1] - a[1]),
        crate::scene::arcline::principal_value(a[2] + f * dyaw),
    ]
}

/// Write a dataset; `counts` overrides `per_location` per location (presets).
pub fn write_dataset(
    opts: &SynthOptions,
    locations: &[Location],
    per_location: usize,
    counts: Option<&[usize]>,
) -> Result<SynthSummary, SceneError> {
    let root = &opts.out_dir;
    let table_dir = root.join(&opts.version);
    let exp_dir = root.join("maps").join("expansion");
    io(&table_dir, std::fs::create_dir_all(&table_dir))?;
    io(&exp_dir, std::fs::create_dir_all(&exp_dir))?;
    let seed = opts.seed.to_string();

    // Static tables.
    let category: Vec<Category> = CATEGORIES
        .iter()
        .map(|(n, d)| Category {
            token: token(&["category", n]),
            name: n.to_string(),
            description: d.to_string(),
        })
        .collect();
    let attribute: Vec<Attribute> = ATTRIBUTES
        .iter()
        .map(|(n, d)| Attribute {
            token: token(&["attribute", n]),
            name: n.to_string(),
            description: d.to_string(),
        })
        .collect();
    let visibility: Vec<Visibility> = VISIBILITIES
        .iter()
        .enumerate()
        .map(|(i, (l, d))| Visibility {
            token: (i + 1).to_string(),
            level: l.to_string(),
            description: d.to_string(),
        })
        .collect();
    let mut sensor: Vec<Sensor> = CAMERAS
        .iter()
        .map(|c| Sensor {
            token: token(&["sensor", c.channel]),
            channel: c.channel.into(),
            modality: "camera".into(),
        })
        .collect();
    sensor.push(Sensor {
        token: token(&["sensor", "LIDAR_TOP"]),
        channel: "LIDAR_TOP".into(),
        modality: "lidar".into(),
    });

    let mut t = Tables::default();
    let mut summary = SynthSummary::default();
    let mut worlds = Vec::new();
    for (i, l) in locations.iter().enumerate() {
        if locations[..i].contains(l) {
            return Err(SceneError::Other(format!(
                "location {l} given twice (one map per location)"
            )));
        }
    }
    if opts.first_index == 0 {
        return Err(SceneError::Other(
            "first scene index must be at least 1 (scene-0001)".into(),
        ));
    }
    let mut scene_number = opts.first_index;
    for (li, &location) in locations.iter().enumerate() {
        let spec = TownSpec::for_location(location).ok_or_else(|| {
            SceneError::Other(format!("no synthetic town for location {location} (available: singapore-onenorth, boston-seaport)"))
        })?;
        let town = Town::build(&spec);
        let graph = LaneGraph::build(&town)?;
        let map = mapgen::build(&town, &graph);
        let hex = token(&[location.as_str(), "semantic_prior"]);
        let mut world = World {
            location,
            graph,
            map,
            png_name: format!("maps/{hex}.png"),
            map_token: token(&[location.as_str(), "map"]),
            log_tokens: vec![],
            routes: vec![],
        };
        let count = counts.map_or(per_location, |c| c[li]);
        for _ in 0..count {
            let name = format!("scene-{scene_number:04}");
            write_scene(
                &mut t,
                &mut world,
                &name,
                scene_number,
                &seed,
                opts.seed,
                &mut summary,
            )?;
            summary.scenes.push((name, location));
            scene_number += 1;
        }
        worlds.push(world);
    }

    let mut map_records = Vec::new();
    for w in &worlds {
        let path = exp_dir.join(format!("{}.json", w.location));
        let json = serde_json::to_string(&w.map.expansion).map_err(|e| SceneError::Json {
            path: path.clone(),
            message: e.to_string(),
        })?;
        io(&path, std::fs::write(&path, json))?;
        let png = root.join(&w.png_name);
        raster::drivable_mask(&w.map)
            .save(&png)
            .map_err(|e| SceneError::Other(format!("{}: writing PNG: {e}", png.display())))?;
        map_records.push(MapRecord {
            token: w.map_token.clone(),
            log_tokens: w.log_tokens.clone(),
            category: "semantic_prior".into(),
            filename: w.png_name.clone(),
        });
        if opts.preview {
            let dir = root.join("preview");
            io(&dir, std::fs::create_dir_all(&dir))?;
            let p = dir.join(format!("{}.png", w.location));
            raster::preview(&w.map, &w.graph, &w.routes, 2.0)
                .save(&p)
                .map_err(|e| SceneError::Other(format!("{}: writing PNG: {e}", p.display())))?;
        }
    }

    let d = &table_dir;
    write_table(&d.join("attribute.json"), &attribute)?;
    write_table(&d.join("calibrated_sensor.json"), &t.calibrated_sensor)?;
    write_table(&d.join("category.json"), &category)?;
    write_table(&d.join("ego_pose.json"), &t.ego_pose)?;
    write_table(&d.join("instance.json"), &t.instance)?;
    write_table(&d.join("log.json"), &t.log)?;
    write_table(&d.join("map.json"), &map_records)?;
    write_table(&d.join("sample.json"), &t.sample)?;
    write_table(&d.join("sample_annotation.json"), &t.sample_annotation)?;
    write_table(&d.join("sample_data.json"), &t.sample_data)?;
    write_table(&d.join("scene.json"), &t.scene)?;
    write_table(&d.join("sensor.json"), &sensor)?;
    write_table(&d.join("visibility.json"), &visibility)?;
    summary.annotations = t.sample_annotation.len();
    summary.instances = t.instance.len();
    Ok(summary)
}

/// The ego's turn at its first junction, cycling so commands vary across scenes (4 in 5
/// scenes turn).
fn preferred_turn(scene_number: usize) -> Command {
    [
        Command::Left,
        Command::Right,
        Command::Straight,
        Command::Right,
        Command::Left,
    ][scene_number % 5]
}

fn write_scene(
    t: &mut Tables,
    w: &mut World,
    name: &str,
    scene_number: usize,
    seed: &str,
    seed_u64: u64,
    summary: &mut SynthSummary,
) -> Result<(), SceneError> {
    let loc = w.location.as_str();
    let mut rng = ChaCha8Rng::seed_from_u64(hash64(&[loc, name], seed_u64));
    let mut log = None;
    for _ in 0..30 {
        if let Some(l) =
            traffic::simulate_scene(&w.graph, &w.map, &mut rng, preferred_turn(scene_number))
        {
            log = Some(l);
            break;
        }
    }
    let log = log.ok_or_else(|| {
        SceneError::Other(format!(
            "{name}: no ego route stayed on the drivable area in 30 draws"
        ))
    })?;
    summary.dropped_actors += log.dropped;
    let tk = |parts: &[&str]| {
        let mut all = vec![seed, name];
        all.extend_from_slice(parts);
        token(&all)
    };
    // Log.
    let singapore = w.location != Location::BostonSeaport;
    let day = scene_number % 28 + 1;
    let month = 7 + (scene_number / 28) % 3;
    let secs = (scene_number * 997) % 36_000 + 28_800;
    let date = format!("2018-{month:02}-{day:02}");
    let (prefix, tz) = if singapore {
        ("n015", "+0800")
    } else {
        ("n008", "-0400")
    };
    let logfile = format!(
        "{prefix}-{date}-{:02}-{:02}-{:02}{tz}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    let log_token = tk(&["log"]);
    t.log.push(Log {
        token: log_token.clone(),
        logfile: logfile.clone(),
        vehicle: prefix.into(),
        date_captured: date,
        location: loc.into(),
    });
    w.log_tokens.push(log_token.clone());
    // Calibrated sensors of this log.
    let mut calib = Vec::new();
    for CameraMount {
        channel: ch,
        translation_m: tr,
        yaw_deg: yaw,
        intrinsics: k,
        ..
    } in CAMERAS
    {
        let tok = tk(&["calibrated_sensor", ch]);
        t.calibrated_sensor.push(CalibratedSensor {
            token: tok.clone(),
            sensor_token: token(&["sensor", ch]),
            translation: tr.to_vec(),
            rotation: quat_vec(ego_from_camera_rotation(yaw)),
            camera_intrinsic: vec![
                vec![k[0], 0.0, k[1]],
                vec![0.0, k[0], k[2]],
                vec![0.0, 0.0, 1.0],
            ],
        });
        calib.push(tok);
    }
    let lidar_calib = tk(&["calibrated_sensor", "LIDAR_TOP"]);
    t.calibrated_sensor.push(CalibratedSensor {
        token: lidar_calib.clone(),
        sensor_token: token(&["sensor", "LIDAR_TOP"]),
        translation: LIDAR_TRANSLATION.to_vec(),
        rotation: quat_vec(DQuat::from_rotation_z(-std::f64::consts::FRAC_PI_2)),
        camera_intrinsic: vec![],
    });
    // Samples and sample data.
    let base_us: i64 = 1_531_000_000_000_000 + scene_number as i64 * 3_600_000_000;
    let scene_token = tk(&["scene"]);
    let sample_tokens: Vec<String> = (0..KEYFRAMES)
        .map(|k| tk(&["sample", &k.to_string()]))
        .collect();
    for k in 0..KEYFRAMES {
        t.sample.push(Sample {
            token: sample_tokens[k].clone(),
            timestamp: base_us + k as i64 * KEYFRAME_INTERVAL_US,
            prev: if k > 0 {
                sample_tokens[k - 1].clone()
            } else {
                String::new()
            },
            next: sample_tokens.get(k + 1).cloned().unwrap_or_default(),
            scene_token: scene_token.clone(),
        });
    }
    let mut channels: Vec<(&str, String, i64, bool)> = vec![("LIDAR_TOP", lidar_calib, 0, false)];
    for (i, c) in CAMERAS.iter().enumerate() {
        channels.push((c.channel, calib[i].clone(), c.offset_us, true));
    }
    for (ch, calib_tok, offset_us, is_cam) in &channels {
        let sd_tokens: Vec<String> = (0..KEYFRAMES)
            .map(|k| tk(&["sample_data", ch, &k.to_string()]))
            .collect();
        for k in 0..KEYFRAMES {
            let rel_us = k as i64 * KEYFRAME_INTERVAL_US + offset_us;
            let ts = base_us + rel_us;
            let pose = pose_at(&log, rel_us);
            let ep = tk(&["ego_pose", ch, &k.to_string()]);
            t.ego_pose.push(EgoPose {
                token: ep.clone(),
                timestamp: ts,
                rotation: yaw_quat(pose[2]),
                translation: vec![round6(pose[0]), round6(pose[1]), 0.0],
            });
            let (fmt, ext, wpx, hpx) = if *is_cam {
                ("jpg", "jpg", 1600, 900)
            } else {
                ("pcd", "pcd.bin", 0, 0)
            };
            t.sample_data.push(SampleData {
                token: sd_tokens[k].clone(),
                sample_token: sample_tokens[k].clone(),
                ego_pose_token: ep,
                calibrated_sensor_token: calib_tok.clone(),
                timestamp: ts,
                fileformat: fmt.into(),
                is_key_frame: true,
                height: hpx,
                width: wpx,
                filename: format!("samples/{ch}/{logfile}__{ch}__{ts}.{ext}"),
                prev: if k > 0 {
                    sd_tokens[k - 1].clone()
                } else {
                    String::new()
                },
                next: sd_tokens.get(k + 1).cloned().unwrap_or_default(),
            });
        }
    }
    // Annotations.
    let steps_per_key = (KEYFRAME_INTERVAL_US as f64 * 1e-6 / DT_SECS).round() as usize;
    let ego_xy: Vec<DVec2> = (0..KEYFRAMES)
        .map(|k| {
            let p = log.ego[k * steps_per_key];
            DVec2::new(p[0], p[1])
        })
        .collect();
    let cat_token = |n: &str| token(&["category", n]);
    let attr_token = |n: &str| token(&["attribute", n]);
    for (ai, actor) in log.actors.iter().enumerate() {
        let dist = |k: usize| {
            let p = actor.poses[k * steps_per_key];
            DVec2::new(p[0], p[1]).distance(ego_xy[k])
        };
        let in_range: Vec<usize> = (0..KEYFRAMES)
            .filter(|&k| dist(k) < ANNOTATION_RANGE_M)
            .collect();
        let (Some(&first), Some(&last)) = (in_range.first(), in_range.last()) else {
            continue;
        };
        let inst = tk(&["instance", &ai.to_string()]);
        let ann: Vec<String> = (first..=last)
            .map(|k| tk(&["annotation", &ai.to_string(), &k.to_string()]))
            .collect();
        let [wd, ln, ht] = actor.size_wlh_m;
        for (i, k) in (first..=last).enumerate() {
            let step = k * steps_per_key;
            let p = actor.poses[step];
            let d = dist(k);
            let vis = if d < 20.0 {
                "4"
            } else if d < 35.0 {
                "3"
            } else if d < 50.0 {
                "2"
            } else {
                "1"
            };
            let surface = wd * ln + ln * ht + wd * ht;
            let lidar = (surface * 900.0 / (d * d + 4.0)).round().max(1.0) as i64;
            let radar = if actor.class == crate::scene::ActorClass::Pedestrian {
                0
            } else {
                (8.0 / (1.0 + d / 15.0)).round() as i64
            };
            t.sample_annotation.push(SampleAnnotation {
                token: ann[i].clone(),
                sample_token: sample_tokens[k].clone(),
                instance_token: inst.clone(),
                visibility_token: vis.into(),
                attribute_tokens: vec![attr_token(actor.attributes[step])],
                translation: vec![round6(p[0]), round6(p[1]), round6(0.5 * ht)],
                size: vec![round6(wd), round6(ln), round6(ht)],
                rotation: yaw_quat(p[2]),
                prev: if i > 0 {
                    ann[i - 1].clone()
                } else {
                    String::new()
                },
                next: ann.get(i + 1).cloned().unwrap_or_default(),
                num_lidar_pts: lidar,
                num_radar_pts: radar,
            });
        }
        t.instance.push(Instance {
            token: inst,
            category_token: cat_token(actor.category),
            nbr_annotations: ann.len() as u32,
            first_annotation_token: ann[0].clone(),
            last_annotation_token: ann.last().expect("at least one annotation").clone(),
        });
    }
    let turns: Vec<&str> = log.ego_turns.iter().map(|c| c.as_str()).collect();
    t.scene.push(SceneRecord {
        token: scene_token,
        log_token,
        nbr_samples: KEYFRAMES as u32,
        first_sample_token: sample_tokens[0].clone(),
        last_sample_token: sample_tokens[KEYFRAMES - 1].clone(),
        name: name.to_string(),
        description: format!(
            "synthetic {loc} drive, turns: {}",
            if turns.is_empty() {
                "none".to_string()
            } else {
                turns.join(", ")
            }
        ),
    });
    w.routes.push(
        log.ego
            .iter()
            .step_by(10)
            .map(|p| DVec2::new(p[0], p[1]))
            .collect(),
    );
    Ok(())
}
