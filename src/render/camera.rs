//! Per-camera view and projection from the nuScenes rig.
//!
//! - Pose: `global_from_camera = global_from_ego (ego pose, rear axle) * ego_from_camera`,
//!   composed in f64, then expressed in the render frame (global minus the scene origin) and
//!   only then cast to f32.
//! - Camera frame: OpenCV (x right, y down, z forward), as nuScenes calibrations.
//! - Intrinsics: K of the calibration scaled to the output size, keeping the OpenCV convention
//!   that pixel (0, 0) is the centre of the first pixel: `fx' = fx sx`, `cx' = (cx + 0.5) sx -
//!   0.5` (same for y). A point projects to pixel `K' p / z` exactly as the devkit's
//!   `view_points` does on images resized to the output size.
//! - Depth: reversed Z (near plane -> 1, far plane -> 0) in a `Depth32Float` buffer, near
//!   `NEAR_M` = 0.1 m, far `FAR_M` = 500 m; geometry beyond the far plane is clipped (the sky
//!   shows). The depth *output* is not this buffer but the camera-frame z written by the
//!   fragment shader to an `R32Float` target, in metres.

use crate::scene::{Camera, Pose};
use bytemuck::{Pod, Zeroable};
use glam::{DAffine3, DMat3, DMat4, DVec3, DVec4, Mat4, Vec4};

/// Near plane, metres.
pub const NEAR_M: f64 = 0.1;
/// Far plane, metres.
pub const FAR_M: f64 = 500.0;

/// The per-camera uniform. Must match `Frame` in `shaders/common/frame.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct FrameUniform {
    pub clip_from_world: [[f32; 4]; 4],
    pub camera_from_world: [[f32; 4]; 4],
    pub world_from_camera: [[f32; 4]; 4],
    /// fx, fy, cx, cy of the output image.
    pub intrinsics: [f32; 4],
    /// Unit vector towards the sun (render frame) and the ambient fraction.
    pub sun: [f32; 4],
    pub sky_zenith: [f32; 4],
    pub sky_horizon: [f32; 4],
    /// Fog start (m), end (m), max amount, unused.
    pub fog: [f32; 4],
    /// Floor height (m), window spacing (m), facade kind (0 windows, 1 glass bands), unused.
    pub facade: [f32; 4],
}
const _: () = assert!(std::mem::size_of::<FrameUniform>() == 288);

/// Lighting and atmosphere shared by every camera of a scene.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lighting {
    /// Unit vector towards the sun, global frame (z up).
    pub sun_dir: DVec3,
    /// Fraction of light that is ambient (sky), 0..1.
    pub ambient: f32,
    /// Linear RGB.
    pub sky_zenith: [f32; 3],
    pub sky_horizon: [f32; 3],
    pub fog_start_m: f32,
    pub fog_end_m: f32,
    pub fog_max: f32,
    pub floor_height_m: f32,
    pub window_spacing_m: f32,
    pub glass_bands: bool,
}

/// A camera placed for one frame: output size, scaled intrinsics, pose in the render frame.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewCamera {
    pub channel: String,
    pub width: u32,
    pub height: u32,
    /// Intrinsics scaled to (width, height).
    pub k: DMat3,
    /// Render frame (global minus origin) from camera (OpenCV axes).
    pub world_from_camera: DAffine3,
}

/// Global pose of a camera: `global_from_ego * ego_from_camera`.
pub fn global_from_camera(ego_pose: &Pose, cam: &Camera) -> DAffine3 {
    let ego = DAffine3::from_rotation_translation(ego_pose.rotation, ego_pose.translation);
    let rig = DAffine3::from_rotation_translation(
        cam.ego_from_camera.rotation,
        cam.ego_from_camera.translation,
    );
    ego * rig
}

/// Scale intrinsics from the calibration size to the output size (OpenCV pixel centres).
pub fn scale_intrinsics(k: DMat3, from: (u32, u32), to: (u32, u32)) -> DMat3 {
    let sx = to.0 as f64 / from.0.max(1) as f64;
    let sy = to.1 as f64 / from.1.max(1) as f64;
    let (fx, fy) = (k.x_axis.x * sx, k.y_axis.y * sy);
    let skew = k.y_axis.x * sx;
    let cx = (k.z_axis.x + 0.5) * sx - 0.5;
    let cy = (k.z_axis.y + 0.5) * sy - 0.5;
    DMat3::from_cols(
        DVec3::new(fx, 0.0, 0.0),
        DVec3::new(skew, fy, 0.0),
        DVec3::new(cx, cy, 1.0),
    )
}

/// Clip from camera (OpenCV axes) for intrinsics `k` on a `w x h` target, reversed Z.
/// x_ndc = 2 (u + 0.5) / w - 1, y_ndc = 1 - 2 (v + 0.5) / h with (u, v) = K p / z; z_ndc =
/// near (far - z) / (z (far - near)).
pub fn clip_from_camera(k: DMat3, w: u32, h: u32) -> DMat4 {
    let (w, h) = (w as f64, h as f64);
    let (fx, fy, s) = (k.x_axis.x, k.y_axis.y, k.y_axis.x);
    let (cx, cy) = (k.z_axis.x, k.z_axis.y);
    let a = -NEAR_M / (FAR_M - NEAR_M);
    let b = NEAR_M * FAR_M / (FAR_M - NEAR_M);
    DMat4::from_cols(
        DVec4::new(2.0 * fx / w, 0.0, 0.0, 0.0),
        DVec4::new(2.0 * s / w, -2.0 * fy / h, 0.0, 0.0),
        DVec4::new(
            2.0 * (cx + 0.5) / w - 1.0,
            1.0 - 2.0 * (cy + 0.5) / h,
            a,
            1.0,
        ),
        DVec4::new(0.0, 0.0, b, 0.0),
    )
}

impl ViewCamera {
    /// Place `cam` of the rig for an ego pose, in the render frame of `origin`, at an output
    /// size.
    pub fn new(ego_pose: &Pose, cam: &Camera, origin: DVec3, size: (u32, u32)) -> ViewCamera {
        let mut g = global_from_camera(ego_pose, cam);
        g.translation -= origin;
        ViewCamera {
            channel: cam.channel.clone(),
            width: size.0,
            height: size.1,
            k: scale_intrinsics(cam.intrinsic, (cam.width_px, cam.height_px), size),
            world_from_camera: g,
        }
    }

    /// The uniform for this camera.
    pub fn uniform(&self, light: &Lighting) -> FrameUniform {
        let world_from_camera = DMat4::from(self.world_from_camera);
        let camera_from_world = DMat4::from(self.world_from_camera.inverse());
        let clip = clip_from_camera(self.k, self.width, self.height) * camera_from_world;
        let f = |m: DMat4| m.as_mat4().to_cols_array_2d();
        let v3 = |c: [f32; 3], w: f32| [c[0], c[1], c[2], w];
        let sun = light.sun_dir.normalize_or_zero().as_vec3();
        FrameUniform {
            clip_from_world: f(clip),
            camera_from_world: f(camera_from_world),
            world_from_camera: f(world_from_camera),
            intrinsics: [
                self.k.x_axis.x as f32,
                self.k.y_axis.y as f32,
                self.k.z_axis.x as f32,
                self.k.z_axis.y as f32,
            ],
            sun: [sun.x, sun.y, sun.z, light.ambient],
            sky_zenith: v3(light.sky_zenith, 0.0),
            sky_horizon: v3(light.sky_horizon, 0.0),
            fog: [light.fog_start_m, light.fog_end_m, light.fog_max, 0.0],
            facade: [
                light.floor_height_m,
                light.window_spacing_m,
                if light.glass_bands { 1.0 } else { 0.0 },
                0.0,
            ],
        }
    }
}

/// Apply a uniform's clip matrix to a render-frame point (tests and debugging).
pub fn project_clip(u: &FrameUniform, p: DVec3) -> Vec4 {
    Mat4::from_cols_array_2d(&u.clip_from_world) * p.as_vec3().extend(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_matrix_matches_pinhole_and_reversed_z() {
        let k = DMat3::from_cols(
            DVec3::new(500.0, 0.0, 0.0),
            DVec3::new(0.0, 480.0, 0.0),
            DVec3::new(321.0, 239.0, 1.0),
        );
        let m = clip_from_camera(k, 640, 480);
        let p = DVec3::new(1.3, -0.7, 12.0);
        let c = m * p.extend(1.0);
        let ndc = c.truncate() / c.w;
        let uv = k * (p / p.z);
        assert!((ndc.x - (2.0 * (uv.x + 0.5) / 640.0 - 1.0)).abs() < 1e-12);
        assert!((ndc.y - (1.0 - 2.0 * (uv.y + 0.5) / 480.0)).abs() < 1e-12);
        let z_at = |z: f64| {
            let c = m * DVec4::new(0.0, 0.0, z, 1.0);
            c.z / c.w
        };
        assert!((z_at(NEAR_M) - 1.0).abs() < 1e-12);
        assert!(z_at(FAR_M).abs() < 1e-12);
        assert!(z_at(10.0) > z_at(20.0));
    }

    #[test]
    fn scaling_keeps_pixel_centres() {
        let k = DMat3::from_cols(
            DVec3::new(1266.4, 0.0, 0.0),
            DVec3::new(0.0, 1266.4, 0.0),
            DVec3::new(816.3, 491.5, 1.0),
        );
        let s = scale_intrinsics(k, (1600, 900), (800, 450));
        // The image centre point (cx, cy) maps to the centre of the same spot after halving.
        assert!((s.z_axis.x - ((816.3 + 0.5) * 0.5 - 0.5)).abs() < 1e-12);
        assert!((s.x_axis.x - 633.2).abs() < 1e-12);
        let same = scale_intrinsics(k, (1600, 900), (1600, 900));
        assert!(same.abs_diff_eq(k, 1e-12));
    }
}
