//! Scenes: nuScenes tables and map expansion, the Scene model, scenario files and the
//! synthetic nuScenes-format generator.

pub mod model;
pub mod nuscenes;
pub mod registry;
pub mod tables;

pub use model::*;
pub mod scenario;
