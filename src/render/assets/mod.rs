//! Actor 3D models: built-in procedural meshes, binary glTF 2.0 (`.glb`) writing and reading,
//! and a CPU preview rasteriser.
//!
//! Every model lives in one *unit frame*: x forward, y left, z up, the bounding box centred at
//! the origin with extent exactly `[-0.5, 0.5]` on each axis. The renderer scales a model by the
//! actor's box (length along x, width along y, height along z), so any model of any size can
//! stand for a class: [`load_glb`] re-normalises whatever it reads to the unit box.
//!
//! On disk the files follow the glTF 2.0 convention (spec section 3.4: right-handed, +Y up,
//! the asset's front facing +Z), so models exported from Blender or downloaded from a model
//! library drop in unchanged. The unit frame relates to glTF's by a rotation:
//! `x_unit = z_gltf`, `y_unit = x_gltf`, `z_unit = y_gltf` (see [`unit_from_gltf`]).
//!
//! [`ActorModels::load`] reads `<class>.glb` (or `.gltf` with an external buffer) for each
//! [`ActorClass`] from a folder and falls back to the built-in procedural model, with a warning,
//! for a class whose file is missing. `scenes/assets/` ships the built-in models as files
//! (`mpa-sim assets build`).

mod builder;
mod figures;
mod glb_read;
mod glb_write;
pub mod preview;
mod procedural;

pub use builder::{Model, Part};
pub use glb_read::{Loaded, load_glb, load_glb_with_warnings, parse_glb};
pub use glb_write::{encode_glb, write_glb};
pub use procedural::builtin_model;

use crate::scene::ActorClass;
use std::path::{Path, PathBuf};

/// A triangle mesh in the unit frame, ready to upload: one normal and one linear RGBA colour per
/// vertex, counter-clockwise triangles seen from outside.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MeshData {
    pub positions: Vec<[f32; 3]>,
    pub normals: Vec<[f32; 3]>,
    /// Linear (not sRGB) RGBA.
    pub colors: Vec<[f32; 4]>,
    pub indices: Vec<u32>,
}

impl MeshData {
    pub fn vertex_count(&self) -> usize {
        self.positions.len()
    }

    pub fn triangle_count(&self) -> usize {
        self.indices.len() / 3
    }

    /// Axis-aligned bounds `(min, max)` of the positions; `None` for an empty mesh.
    pub fn bounds(&self) -> Option<([f32; 3], [f32; 3])> {
        let first = *self.positions.first()?;
        let mut lo = first;
        let mut hi = first;
        for p in &self.positions {
            for k in 0..3 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        Some((lo, hi))
    }
}

/// The rotation taking glTF axes (+Y up, front +Z) to the unit frame (x forward, y left, z up).
pub fn unit_from_gltf(p: [f32; 3]) -> [f32; 3] {
    [p[2], p[0], p[1]]
}

/// The inverse of [`unit_from_gltf`].
pub fn gltf_from_unit(p: [f32; 3]) -> [f32; 3] {
    [p[1], p[2], p[0]]
}

/// Errors of reading and writing model files: each names the file and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum AssetError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a readable glTF 2.0 file (container or JSON).
    #[error("{path}: not a readable glTF 2.0 file: {message}")]
    Parse { path: PathBuf, message: String },
    /// The file parses but its content cannot be used as a mesh: `what` names the glTF object
    /// (e.g. `mesh 0 primitive 1 attribute POSITION`) and what was expected.
    #[error("{path}: {what}")]
    Invalid { path: PathBuf, what: String },
}

/// File name of a class's model in an assets folder, e.g. `car.glb`.
pub fn model_file_name(class: ActorClass) -> String {
    format!("{}.glb", class.as_str())
}

/// The shipped models: `scenes/assets` under the data root (`$MPA_SIM_DATA` or the source tree).
pub fn shipped_assets_dir() -> PathBuf {
    crate::scene::registry::data_dir().join("assets")
}

/// One mesh per actor class, plus the warnings collected while loading them.
#[derive(Debug, Clone)]
pub struct ActorModels {
    /// Indexed like [`ActorClass::ALL`].
    meshes: Vec<MeshData>,
    /// Where each mesh came from: a file path, or `built-in` for the procedural fallback.
    sources: Vec<String>,
    pub warnings: Vec<String>,
}

impl ActorModels {
    /// The procedural models, no files involved.
    pub fn builtin() -> ActorModels {
        ActorModels {
            meshes: ActorClass::ALL
                .iter()
                .map(|&c| builtin_model(c).to_mesh_data())
                .collect(),
            sources: ActorClass::ALL.iter().map(|_| "built-in".into()).collect(),
            warnings: Vec::new(),
        }
    }

    /// Load `<class>.glb` (else `<class>.gltf`) for every class from `dir`. A class without a
    /// file gets the built-in model and a warning; a file that exists but cannot be used is an
    /// error naming the file.
    pub fn load(dir: &Path) -> Result<ActorModels, AssetError> {
        let mut models = ActorModels::builtin();
        if !dir.is_dir() {
            models.warnings.push(format!(
                "{}: assets folder not found; using the built-in models for every class",
                dir.display()
            ));
            return Ok(models);
        }
        for (i, &class) in ActorClass::ALL.iter().enumerate() {
            let glb = dir.join(model_file_name(class));
            let gltf = dir.join(format!("{}.gltf", class.as_str()));
            let path = if glb.is_file() {
                glb
            } else if gltf.is_file() {
                gltf
            } else {
                models.warnings.push(format!(
                    "{}: missing; using the built-in {} model",
                    glb.display(),
                    class.as_str()
                ));
                continue;
            };
            let loaded = load_glb_with_warnings(&path)?;
            models.warnings.extend(loaded.warnings);
            models.meshes[i] = loaded.mesh;
            models.sources[i] = path.display().to_string();
        }
        Ok(models)
    }

    pub fn get(&self, class: ActorClass) -> &MeshData {
        &self.meshes[class_index(class)]
    }

    /// Every class with its mesh, in [`ActorClass::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (ActorClass, &MeshData)> {
        ActorClass::ALL.into_iter().zip(&self.meshes)
    }

    /// `built-in` or the path the class's mesh was read from.
    pub fn source(&self, class: ActorClass) -> &str {
        &self.sources[class_index(class)]
    }
}

fn class_index(class: ActorClass) -> usize {
    ActorClass::ALL
        .iter()
        .position(|&c| c == class)
        .expect("ActorClass::ALL lists every class")
}
