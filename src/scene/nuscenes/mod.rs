//! Loading nuScenes data roots (real or synthetic) into `Scene`s.
//!
//! Loading runs in two phases. `tables_read` streams each of the 13 tables once, one record at
//! a time (`stream`), keeping only what the selected scenes need: their samples, those
//! samples' keyframe sample_data, the ego poses and calibrations these reference, the
//! annotations of the samples and their instances. Links are checked as the wanted tokens of
//! each table are collected. `build` then walks the prev/next lists and assembles each `Scene`;
//! `map` expands `maps/expansion/<location>.json` into `MapData`, once per location, shared by
//! `Arc`. Loading one scene of v1.0-trainval (1.3 GB of JSON) thus peaks at about the largest
//! table file plus the kept records.
//!
//! Errors name the file, the record token, the field and what was expected; recoverable
//! oddities are returned beside the result as `LoadWarning`s. No input makes the loader panic.
//!
//! API:
//! - `scene_names(dataroot, version) -> Result<Vec<String>, SceneError>`
//! - `load_scene(dataroot, version, name) -> Result<Loaded<Scene>, SceneError>`
//! - `load_all(dataroot, version) -> Result<Loaded<Vec<Scene>>, SceneError>`
//! - `load_map(dataroot, location) -> Result<Loaded<MapData>, SceneError>`
//!
//! and `*_with` variants taking `LoadOptions` (which JSON reader to use).

mod build;
pub mod check;
pub mod fixture;
pub mod map;
pub mod stream;
mod tables_read;

pub use map::CENTRELINE_RESOLUTION_M;
pub use stream::{LoadOptions, TableReader};

use super::{LoadWarning, Location, MapData, Scene, SceneError};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use tables_read::{Files, Selection};

/// A loaded value with the recoverable oddities found on the way.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub value: T,
    pub warnings: Vec<LoadWarning>,
}

/// Names of the scenes in `<dataroot>/<version>/scene.json`, in file order.
pub fn scene_names(dataroot: &Path, version: &str) -> Result<Vec<String>, SceneError> {
    let path = stream::table_path(dataroot, version, "scene");
    let scenes: Vec<crate::scene::tables::SceneRecord> =
        stream::read_all(&path, TableReader::Slice)?;
    Ok(scenes.into_iter().map(|s| s.name).collect())
}

/// Load one scene by name.
pub fn load_scene(dataroot: &Path, version: &str, name: &str) -> Result<Loaded<Scene>, SceneError> {
    load_scene_with(dataroot, version, name, LoadOptions::default())
}

/// Load one scene by name, with options.
pub fn load_scene_with(
    dataroot: &Path,
    version: &str,
    name: &str,
    opts: LoadOptions,
) -> Result<Loaded<Scene>, SceneError> {
    let loaded = load_selected(dataroot, version, Selection::One(name), opts)?;
    let Loaded {
        value: mut scenes,
        warnings,
    } = loaded;
    match scenes.pop() {
        Some(scene) if scenes.is_empty() => Ok(Loaded {
            value: scene,
            warnings,
        }),
        _ => Err(SceneError::Other(format!(
            "internal: selecting scene {name:?} did not give exactly one scene"
        ))),
    }
}

/// Load every scene of a version folder (maps shared per location through `Arc`).
pub fn load_all(dataroot: &Path, version: &str) -> Result<Loaded<Vec<Scene>>, SceneError> {
    load_all_with(dataroot, version, LoadOptions::default())
}

/// Load every scene, with options.
pub fn load_all_with(
    dataroot: &Path,
    version: &str,
    opts: LoadOptions,
) -> Result<Loaded<Vec<Scene>>, SceneError> {
    load_selected(dataroot, version, Selection::All, opts)
}

/// Load and expand the map of one location (`maps/expansion/<location>.json`).
pub fn load_map(dataroot: &Path, location: Location) -> Result<Loaded<MapData>, SceneError> {
    let (value, warnings) = map::load_map_with(dataroot, location, LoadOptions::default())?;
    Ok(Loaded { value, warnings })
}

fn load_selected(
    dataroot: &Path,
    version: &str,
    selection: Selection,
    opts: LoadOptions,
) -> Result<Loaded<Vec<Scene>>, SceneError> {
    let files = Files::new(dataroot, version);
    let mut warnings = Vec::new();
    let tables = tables_read::read_tables(&files, selection, opts, &mut warnings)?;
    let mut maps: BTreeMap<Location, Arc<MapData>> = BTreeMap::new();
    let mut scenes = Vec::with_capacity(tables.scenes.len());
    for record in &tables.scenes {
        let log = tables.logs.get(&record.log_token).ok_or_else(|| {
            files
                .at("scene", &record.token)
                .dangling("log_token", "log", &record.log_token)
        })?;
        let location =
            Location::parse(&log.location).ok_or_else(|| SceneError::UnknownLocation {
                file: files.name("log").to_string(),
                token: log.token.clone(),
                location: log.location.clone(),
            })?;
        let map = match maps.get(&location) {
            Some(m) => Arc::clone(m),
            None => {
                let (m, w) = map::load_map_with(dataroot, location, opts)?;
                warnings.extend(w);
                let m = Arc::new(m);
                maps.insert(location, Arc::clone(&m));
                m
            }
        };
        scenes.push(build::build_scene(
            &files,
            &tables,
            record,
            map,
            opts,
            &mut warnings,
        )?);
    }
    Ok(Loaded {
        value: scenes,
        warnings,
    })
}
