//! Rendering with wgpu: actor models (glTF), the 3D Gaussian splat pipeline, and (beside them)
//! the mesh pipeline, device creation and the camera rig. Depends on wgpu only, never on a
//! window.

pub mod assets;
pub mod splat;
