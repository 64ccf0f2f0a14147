//! Phase one of loading: stream the 13 tables once each, keeping only the records the selected
//! scenes need, and check every link between the kept records.
//!
//! Order: scene (all, small) -> log -> map -> sample (of the selected scenes) -> sample_data
//! (keyframes of those samples) -> calibrated_sensor, sensor, ego_pose (referenced ones) ->
//! sample_annotation (of the kept samples) -> instance (referenced) -> category, attribute,
//! visibility (small, all). Each table's wanted tokens come from what was kept before it, so a
//! reference to a token that is not in its table shows up as "wanted but not found".

use super::check::At;
use super::stream::{LoadOptions, Record, read_all, read_filtered, read_prefiltered, table_path};
use crate::scene::tables::*;
use crate::scene::{LoadWarning, SceneError};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Borrowed views of just the fields the filters look at (the fast pre-filter parses these
/// from each record's raw text; tokens never contain JSON escapes).
#[derive(Deserialize)]
struct TokenProbe<'a> {
    token: &'a str,
}

#[derive(Deserialize)]
struct SampleProbe<'a> {
    scene_token: &'a str,
}

#[derive(Deserialize)]
struct SampleDataProbe<'a> {
    sample_token: &'a str,
    is_key_frame: bool,
}

#[derive(Deserialize)]
struct AnnotationProbe<'a> {
    sample_token: &'a str,
}

/// Which scenes to load.
#[derive(Debug, Clone, Copy)]
pub enum Selection<'a> {
    One(&'a str),
    All,
}

/// Paths of the table files, and their names for messages.
#[derive(Debug, Clone)]
pub struct Files {
    pub dataroot: PathBuf,
    pub version: String,
    names: BTreeMap<&'static str, String>,
}

impl Files {
    pub fn new(dataroot: &Path, version: &str) -> Files {
        let names = TABLE_NAMES
            .iter()
            .map(|t| (*t, table_path(dataroot, version, t).display().to_string()))
            .collect();
        Files {
            dataroot: dataroot.to_path_buf(),
            version: version.to_string(),
            names,
        }
    }
    pub fn path(&self, table: &str) -> PathBuf {
        table_path(&self.dataroot, &self.version, table)
    }
    /// The file's display name; `table` is one of `TABLE_NAMES`.
    pub fn name(&self, table: &'static str) -> &str {
        self.names.get(table).map_or(table, String::as_str)
    }
    pub fn at<'a>(&'a self, table: &'static str, token: &'a str) -> At<'a> {
        At {
            file: self.name(table),
            token,
        }
    }
}

/// The kept records of the selected scenes.
#[derive(Debug, Default)]
pub struct Tables {
    pub scenes: Vec<SceneRecord>,
    pub logs: BTreeMap<String, Log>,
    pub maps: Vec<MapRecord>,
    pub samples: BTreeMap<String, Sample>,
    /// Keyframe sample_data of the kept samples, by sample token, in file order.
    pub keyframes_by_sample: BTreeMap<String, Vec<SampleData>>,
    pub calibrated_sensors: BTreeMap<String, CalibratedSensor>,
    pub sensors: BTreeMap<String, Sensor>,
    pub ego_poses: BTreeMap<String, EgoPose>,
    pub annotations: BTreeMap<String, SampleAnnotation>,
    /// Instances referenced by kept annotations, in file order.
    pub instances: Vec<Instance>,
    /// Instance token to its index in `instances`.
    pub instance_pos: BTreeMap<String, usize>,
    /// Sample tokens of each scene (by scene token), in token order.
    pub samples_by_scene: BTreeMap<String, Vec<String>>,
    /// Annotation tokens of each scene (through their sample), in token order.
    pub annotations_by_scene: BTreeMap<String, Vec<String>>,
    pub categories: BTreeMap<String, Category>,
    pub attributes: BTreeMap<String, Attribute>,
    pub visibilities: BTreeMap<String, Visibility>,
}

/// Index records by token; a duplicate token is an error.
fn index<T: Record>(file: &str, records: Vec<T>) -> Result<BTreeMap<String, T>, SceneError> {
    let mut map = BTreeMap::new();
    for r in records {
        let token = r.token().to_string();
        if map.contains_key(&token) {
            return Err(At {
                file,
                token: &token,
            }
            .field("token", "expected unique tokens, found a duplicate"));
        }
        map.insert(token, r);
    }
    Ok(map)
}

/// Check that `token` (field `field` of the record at `at`) is a key of `target`.
fn link<T>(
    at: At,
    field: &str,
    target_table: &str,
    token: &str,
    target: &BTreeMap<String, T>,
) -> Result<(), SceneError> {
    if target.contains_key(token) {
        Ok(())
    } else {
        Err(at.dangling(field, target_table, token))
    }
}

fn unknown_scene(files: &Files, name: &str, scenes: &[SceneRecord]) -> SceneError {
    const SHOWN: usize = 12;
    let mut known: Vec<&str> = scenes.iter().take(SHOWN).map(|s| s.name.as_str()).collect();
    if scenes.len() > SHOWN {
        known.push("...");
    }
    SceneError::UnknownScene {
        dataroot: files.dataroot.join(&files.version),
        name: name.to_string(),
        known: format!("{} ({} scenes)", known.join(", "), scenes.len()),
    }
}

/// Read the tables for `selection`, checking links; oddities go to `warnings`.
pub fn read_tables(
    files: &Files,
    selection: Selection,
    opts: LoadOptions,
    warnings: &mut Vec<LoadWarning>,
) -> Result<Tables, SceneError> {
    // Loading everything keeps every record: a pre-filter would only add a scan.
    let opts = LoadOptions {
        prefilter: opts.prefilter && matches!(selection, Selection::One(_)),
        ..opts
    };
    let r = opts.reader;
    let mut t = Tables::default();

    let all_scenes: Vec<SceneRecord> = read_all(&files.path("scene"), r)?;
    index(files.name("scene"), all_scenes.clone())?;
    t.scenes = match selection {
        Selection::All => all_scenes,
        Selection::One(name) => match all_scenes.iter().find(|s| s.name == name) {
            Some(s) => vec![s.clone()],
            None => return Err(unknown_scene(files, name, &all_scenes)),
        },
    };
    let scene_tokens: BTreeSet<&str> = t.scenes.iter().map(|s| s.token.as_str()).collect();

    let wanted_logs: BTreeSet<&str> = t.scenes.iter().map(|s| s.log_token.as_str()).collect();
    let logs = read_filtered(&files.path("log"), r, |l: &Log| {
        wanted_logs.contains(l.token.as_str())
    })?;
    t.logs = index(files.name("log"), logs)?;
    for s in &t.scenes {
        link(
            files.at("scene", &s.token),
            "log_token",
            "log",
            &s.log_token,
            &t.logs,
        )?;
    }

    t.maps = read_all(&files.path("map"), r)?;
    for log in t.logs.values() {
        if !t.maps.iter().any(|m| m.log_tokens.contains(&log.token)) {
            warnings.push(
                files
                    .at("log", &log.token)
                    .warning("no map record lists this log (the devkit requires one)"),
            );
        }
    }

    let samples = read_prefiltered(
        &files.path("sample"),
        opts,
        |raw| serde_json::from_str(raw).map(|p: SampleProbe| scene_tokens.contains(p.scene_token)),
        |s: &Sample| scene_tokens.contains(s.scene_token.as_str()),
    )?;
    t.samples = index(files.name("sample"), samples)?;

    let keyframes = read_prefiltered(
        &files.path("sample_data"),
        opts,
        |raw| {
            serde_json::from_str(raw)
                .map(|p: SampleDataProbe| p.is_key_frame && t.samples.contains_key(p.sample_token))
        },
        |sd: &SampleData| sd.is_key_frame && t.samples.contains_key(&sd.sample_token),
    )?;
    index(files.name("sample_data"), keyframes.clone())?;

    let wanted_cs: BTreeSet<&str> = keyframes
        .iter()
        .map(|sd| sd.calibrated_sensor_token.as_str())
        .collect();
    let cs = read_filtered(
        &files.path("calibrated_sensor"),
        r,
        |c: &CalibratedSensor| wanted_cs.contains(c.token.as_str()),
    )?;
    t.calibrated_sensors = index(files.name("calibrated_sensor"), cs)?;
    let wanted_sensors: BTreeSet<&str> = t
        .calibrated_sensors
        .values()
        .map(|c| c.sensor_token.as_str())
        .collect();
    let sensors = read_filtered(&files.path("sensor"), r, |s: &Sensor| {
        wanted_sensors.contains(s.token.as_str())
    })?;
    t.sensors = index(files.name("sensor"), sensors)?;
    for c in t.calibrated_sensors.values() {
        let at = files.at("calibrated_sensor", &c.token);
        link(at, "sensor_token", "sensor", &c.sensor_token, &t.sensors)?;
    }

    let wanted_poses: BTreeSet<&str> = keyframes
        .iter()
        .map(|sd| sd.ego_pose_token.as_str())
        .collect();
    let poses = read_prefiltered(
        &files.path("ego_pose"),
        opts,
        |raw| serde_json::from_str(raw).map(|p: TokenProbe| wanted_poses.contains(p.token)),
        |p: &EgoPose| wanted_poses.contains(p.token.as_str()),
    )?;
    t.ego_poses = index(files.name("ego_pose"), poses)?;
    for sd in &keyframes {
        let at = files.at("sample_data", &sd.token);
        link(
            at,
            "calibrated_sensor_token",
            "calibrated_sensor",
            &sd.calibrated_sensor_token,
            &t.calibrated_sensors,
        )?;
        link(
            at,
            "ego_pose_token",
            "ego_pose",
            &sd.ego_pose_token,
            &t.ego_poses,
        )?;
    }
    for sd in keyframes {
        t.keyframes_by_sample
            .entry(sd.sample_token.clone())
            .or_default()
            .push(sd);
    }

    let anns = read_prefiltered(
        &files.path("sample_annotation"),
        opts,
        |raw| {
            serde_json::from_str(raw)
                .map(|p: AnnotationProbe| t.samples.contains_key(p.sample_token))
        },
        |a: &SampleAnnotation| t.samples.contains_key(&a.sample_token),
    )?;
    t.annotations = index(files.name("sample_annotation"), anns)?;
    let wanted_instances: BTreeSet<&str> = t
        .annotations
        .values()
        .map(|a| a.instance_token.as_str())
        .collect();
    t.instances = read_prefiltered(
        &files.path("instance"),
        opts,
        |raw| serde_json::from_str(raw).map(|p: TokenProbe| wanted_instances.contains(p.token)),
        |i: &Instance| wanted_instances.contains(i.token.as_str()),
    )?;
    let instance_index = index(files.name("instance"), t.instances.clone())?;
    t.instance_pos = t
        .instances
        .iter()
        .enumerate()
        .map(|(i, inst)| (inst.token.clone(), i))
        .collect();
    for s in t.samples.values() {
        t.samples_by_scene
            .entry(s.scene_token.clone())
            .or_default()
            .push(s.token.clone());
    }
    for a in t.annotations.values() {
        if let Some(s) = t.samples.get(&a.sample_token) {
            t.annotations_by_scene
                .entry(s.scene_token.clone())
                .or_default()
                .push(a.token.clone());
        }
    }
    t.categories = index(
        files.name("category"),
        read_all(&files.path("category"), r)?,
    )?;
    t.attributes = index(
        files.name("attribute"),
        read_all(&files.path("attribute"), r)?,
    )?;
    t.visibilities = index(
        files.name("visibility"),
        read_all(&files.path("visibility"), r)?,
    )?;
    for a in t.annotations.values() {
        let at = files.at("sample_annotation", &a.token);
        link(
            at,
            "instance_token",
            "instance",
            &a.instance_token,
            &instance_index,
        )?;
        link(
            at,
            "visibility_token",
            "visibility",
            &a.visibility_token,
            &t.visibilities,
        )?;
        for attr in &a.attribute_tokens {
            link(at, "attribute_tokens", "attribute", attr, &t.attributes)?;
        }
    }
    for i in &t.instances {
        let at = files.at("instance", &i.token);
        link(
            at,
            "category_token",
            "category",
            &i.category_token,
            &t.categories,
        )?;
    }
    Ok(t)
}
