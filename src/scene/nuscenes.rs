//! Loading nuScenes data roots (real or synthetic) into `Scene`s.
//!
//! API contract (implemented by the loader work):
//! - `scene_names(dataroot, version) -> Result<Vec<String>, SceneError>`
//! - `load_scene(dataroot, version, name) -> Result<Loaded<Scene>, SceneError>`
//! - `load_all(dataroot, version) -> Result<Loaded<Vec<Scene>>, SceneError>`
//! - `load_map(dataroot, location) -> Result<Loaded<MapData>, SceneError>`

use super::{LoadWarning, Location, MapData, Scene, SceneError};
use std::path::Path;

/// A loaded value with the recoverable oddities found on the way.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub value: T,
    pub warnings: Vec<LoadWarning>,
}

/// Names of the scenes in `<dataroot>/<version>/scene.json`, in file order.
pub fn scene_names(dataroot: &Path, version: &str) -> Result<Vec<String>, SceneError> {
    let _ = (dataroot, version);
    todo!("loader")
}

/// Load one scene by name.
pub fn load_scene(dataroot: &Path, version: &str, name: &str) -> Result<Loaded<Scene>, SceneError> {
    let _ = (dataroot, version, name);
    todo!("loader")
}

/// Load every scene of a version folder (maps shared per location through `Arc`).
pub fn load_all(dataroot: &Path, version: &str) -> Result<Loaded<Vec<Scene>>, SceneError> {
    let _ = (dataroot, version);
    todo!("loader")
}

/// Load and expand the map of one location (`maps/expansion/<location>.json`).
pub fn load_map(dataroot: &Path, location: Location) -> Result<Loaded<MapData>, SceneError> {
    let _ = (dataroot, location);
    todo!("loader")
}
