//! 3D Gaussian splats: the standard 3DGS PLY layout (`ply`), the scene type (`scene`), a CPU
//! reference of the 3DGS forward pass (`cpu_reference`), the wgpu tile rasteriser that matches
//! it (`gpu`, shaders/splat_*.wgsl), composited over mesh layers by depth, and baking of
//! triangle meshes into Gaussians (`bake`, `bake_scene`), and baked backgrounds on disk with
//! their transform sidecar and a per-scene cache (`baked`).
//!
//! References: Kerbl, Kopanas, Leimkühler, Drettakis, "3D Gaussian Splatting for Real-Time
//! Radiance Field Rendering", SIGGRAPH 2023; Zwicker, Pfister, van Baar, Gross, "EWA Splatting",
//! IEEE TVCG 2002.

pub mod bake;
pub mod bake_scene;
pub mod baked;
pub mod bench;
pub mod binning;
pub mod camera;
pub mod cpu_reference;
pub mod error;
pub mod gpu;
mod gpu_util;
pub mod headless;
pub mod ply;
pub mod scene;

pub use bake::bake_triangles;
pub use camera::{MeshLayersCpu, SplatCamera, SplatImage};
pub use error::SplatError;
pub use gpu::{FrameTimings, MeshLayers, SplatRenderer};
pub use ply::{read_ply, write_ply};
pub use scene::SplatScene;
