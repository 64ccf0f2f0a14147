//! Rendering with wgpu: splat pipeline (3D Gaussians) here; mesh pipeline, device creation and
//! the camera rig live beside it. Depends on wgpu only, never on a window.

pub mod splat;
