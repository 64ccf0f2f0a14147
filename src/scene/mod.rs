//! Scenes: nuScenes tables and map expansion, the Scene model, scenario files and the
//! synthetic nuScenes-format generator.

pub mod arcline;
pub mod error;
pub mod model;
pub mod nuscenes;
pub mod registry;
pub mod scenario;
pub mod synth;
pub mod tables;

pub use error::SceneError;
pub use model::*;
