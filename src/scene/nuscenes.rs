//! Loading nuScenes data roots (real or synthetic) into `Scene`s.
//!
//! API contract (implemented by the loader work):
//! - `load_scene(dataroot, version, name) -> Result<Loaded<Scene>, SceneError>`
//! - `load_all(dataroot, version) -> Result<Loaded<Vec<Scene>>, SceneError>`
//! - `scene_names(dataroot, version) -> Result<Vec<String>, SceneError>`

use super::LoadWarning;

/// A loaded value with the recoverable oddities found on the way.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub value: T,
    pub warnings: Vec<LoadWarning>,
}
