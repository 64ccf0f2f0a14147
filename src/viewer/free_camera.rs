//! The free 3D camera: a virtual pinhole camera placed around the ego, rendered by the same
//! `Renderer` as the rig cameras (it is just a `scene::Camera` whose `ego_from_camera` is the
//! pose computed here, rendered with an identity ego pose so that "ego" is the global frame).
//!
//! Modes: `Chase` sits behind and above the ego looking ahead; `Orbit` circles the ego at a
//! user-set azimuth (relative to the ego heading), elevation and distance (drag and scroll in
//! the panel); `TopDown` looks straight down with the ego's heading up the image. The camera
//! frame is OpenCV's (x right, y down, z forward), as the rig's: z = forward, x = forward x
//! up-hint, y = z x x.

use glam::{DMat3, DQuat, DVec3};
use serde::{Deserialize, Serialize};

use crate::scene::{Camera, Pose};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FreeCamMode {
    #[default]
    Chase,
    Orbit,
    TopDown,
}

impl FreeCamMode {
    pub const ALL: [FreeCamMode; 3] =
        [FreeCamMode::Chase, FreeCamMode::Orbit, FreeCamMode::TopDown];

    pub fn label(self) -> &'static str {
        match self {
            FreeCamMode::Chase => "Chase",
            FreeCamMode::Orbit => "Orbit",
            FreeCamMode::TopDown => "Top-down",
        }
    }
}

/// Horizontal field of view of the free camera, degrees.
pub const FREE_CAM_HFOV_DEG: f64 = 70.0;
/// Channel name of the free camera's views.
pub const FREE_CAM_CHANNEL: &str = "FREE";

/// Free-camera controls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FreeCamera {
    pub mode: FreeCamMode,
    /// Orbit: azimuth of the camera around the ego, radians, 0 = behind the ego.
    pub azimuth_rad: f64,
    /// Orbit: elevation above the ground plane, radians.
    pub elevation_rad: f64,
    /// Orbit and top-down: distance from the ego, metres.
    pub distance_m: f64,
}

impl Default for FreeCamera {
    fn default() -> Self {
        FreeCamera {
            mode: FreeCamMode::Chase,
            azimuth_rad: 0.6,
            elevation_rad: 0.45,
            distance_m: 25.0,
        }
    }
}

/// World-from-camera rotation (OpenCV axes) looking along `forward` with `up` as the hint.
fn look_rotation(forward: DVec3, up: DVec3) -> DQuat {
    let z = forward.normalize_or_zero();
    let x = z.cross(up).try_normalize().unwrap_or(DVec3::X);
    let y = z.cross(x);
    DQuat::from_mat3(&DMat3::from_cols(x, y, z))
}

impl FreeCamera {
    /// Drag in the panel: orbit (switching to orbit mode from the others).
    pub fn drag(&mut self, dx_px: f32, dy_px: f32) {
        self.mode = FreeCamMode::Orbit;
        self.azimuth_rad -= f64::from(dx_px) * 0.01;
        self.elevation_rad = (self.elevation_rad + f64::from(dy_px) * 0.01).clamp(0.05, 1.5);
    }

    /// Scroll: zoom in (positive) or out.
    pub fn zoom(&mut self, scroll: f32) {
        self.distance_m = (self.distance_m * (-f64::from(scroll) * 0.002).exp()).clamp(3.0, 300.0);
    }

    /// Global pose of the camera (OpenCV axes) for an ego rear-axle pose on the ground.
    pub fn pose(&self, ego_xy: [f64; 2], ego_yaw: f64) -> Pose {
        let ego = DVec3::new(ego_xy[0], ego_xy[1], 0.0);
        let heading = DVec3::new(ego_yaw.cos(), ego_yaw.sin(), 0.0);
        let (eye, target, up) = match self.mode {
            FreeCamMode::Chase => (
                ego - heading * 12.0 + DVec3::Z * 5.0,
                ego + heading * 10.0 + DVec3::Z * 1.0,
                DVec3::Z,
            ),
            FreeCamMode::Orbit => {
                let az = ego_yaw + std::f64::consts::PI + self.azimuth_rad;
                let (ce, se) = (self.elevation_rad.cos(), self.elevation_rad.sin());
                let target = ego + heading * 1.4 + DVec3::Z * 1.0;
                let dir = DVec3::new(ce * az.cos(), ce * az.sin(), se);
                (target + dir * self.distance_m, target, DVec3::Z)
            }
            FreeCamMode::TopDown => (
                ego + heading * 1.4 + DVec3::Z * self.distance_m.max(5.0) * 2.0,
                ego + heading * 1.4,
                heading,
            ),
        };
        Pose {
            translation: eye,
            rotation: look_rotation(target - eye, up),
        }
    }

    /// The free camera as a rig camera at `size`, to render with an identity ego pose.
    pub fn camera(&self, ego_xy: [f64; 2], ego_yaw: f64, size: (u32, u32)) -> Camera {
        let (w, h) = (f64::from(size.0), f64::from(size.1));
        let f = 0.5 * w / (0.5 * FREE_CAM_HFOV_DEG.to_radians()).tan();
        Camera {
            channel: FREE_CAM_CHANNEL.to_string(),
            width_px: size.0,
            height_px: size.1,
            intrinsic: DMat3::from_cols(
                DVec3::new(f, 0.0, 0.0),
                DVec3::new(0.0, f, 0.0),
                DVec3::new(0.5 * w - 0.5, 0.5 * h - 0.5, 1.0),
            ),
            ego_from_camera: self.pose(ego_xy, ego_yaw),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pixel of a global point for a camera (the pinhole model the renderer uses).
    fn project(cam: &Camera, p: DVec3) -> Option<(f64, f64)> {
        let q = cam.ego_from_camera.rotation.inverse() * (p - cam.ego_from_camera.translation);
        (q.z > 0.0).then(|| {
            let uv = cam.intrinsic * (q / q.z);
            (uv.x, uv.y)
        })
    }

    #[test]
    fn every_mode_sees_the_ego_near_the_image_centre() {
        let yaw: f64 = 0.7;
        let ego = [100.0, -40.0];
        let target = DVec3::new(ego[0], ego[1], 0.0) + DVec3::new(yaw.cos(), yaw.sin(), 0.0) * 1.4;
        for mode in FreeCamMode::ALL {
            let cam = FreeCamera {
                mode,
                ..FreeCamera::default()
            }
            .camera(ego, yaw, (640, 360));
            let (u, v) = project(&cam, target).expect("ego in front of the camera");
            assert!((0.0..640.0).contains(&u), "{mode:?}: u {u}");
            assert!((0.0..360.0).contains(&v), "{mode:?}: v {v}");
            assert!((u - 319.5).abs() < 40.0, "{mode:?} centred: u {u}");
        }
    }

    #[test]
    fn top_down_has_heading_up_and_left_on_the_left() {
        let cam = FreeCamera {
            mode: FreeCamMode::TopDown,
            ..FreeCamera::default()
        }
        .camera([0.0, 0.0], 0.0, (400, 400));
        let ahead = project(&cam, DVec3::new(10.0, 0.0, 0.0)).expect("visible");
        let left = project(&cam, DVec3::new(1.4, 5.0, 0.0)).expect("visible");
        assert!(ahead.1 < 199.5, "ahead is up the image: {ahead:?}");
        assert!(left.0 < 199.5, "ego's left is image left: {left:?}");
    }

    #[test]
    fn drag_switches_to_orbit_and_zoom_is_bounded() {
        let mut c = FreeCamera::default();
        c.drag(10.0, 1000.0);
        assert_eq!(c.mode, FreeCamMode::Orbit);
        assert!(c.elevation_rad <= 1.5);
        c.zoom(1e6);
        assert_eq!(c.distance_m, 3.0);
    }
}
