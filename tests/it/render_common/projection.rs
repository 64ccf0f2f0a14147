//! Independent nuScenes projection math for the renderer's geometric tests (NUSCENES.md):
//! a camera of the rig at an output size (intrinsics scaled, OpenCV pixel centres), a slab
//! ray-box test, and the semantic ids of the documented table spelled out again.

use glam::{DMat3, DVec3};
use mpa_sim::render::ActorInstance;
use mpa_sim::scene::{ActorClass, Camera, Pose};

/// Semantic ids of the documented table (render/semantic.rs), spelled out independently.
pub fn class_id(c: ActorClass) -> u8 {
    match c {
        ActorClass::Car => 7,
        ActorClass::Truck => 8,
        ActorClass::Bus => 9,
        ActorClass::Pedestrian => 10,
        ActorClass::Cyclist => 11,
        ActorClass::Obstacle => 12,
    }
}
/// A rig camera placed at an ego pose, at an output size.
pub struct Cam {
    pub size: (u32, u32),
    pub r_ego: DMat3,
    pub t_ego: DVec3,
    pub r_cs: DMat3,
    pub t_cs: DVec3,
    pub fx: f64,
    pub fy: f64,
    pub cx: f64,
    pub cy: f64,
}

impl Cam {
    pub fn new(ego: &Pose, c: &Camera, size: (u32, u32)) -> Cam {
        let (sx, sy) = (
            size.0 as f64 / c.width_px as f64,
            size.1 as f64 / c.height_px as f64,
        );
        let k = c.intrinsic;
        Cam {
            size,
            r_ego: DMat3::from_quat(ego.rotation),
            t_ego: ego.translation,
            r_cs: DMat3::from_quat(c.ego_from_camera.rotation),
            t_cs: c.ego_from_camera.translation,
            fx: k.col(0).x * sx,
            fy: k.col(1).y * sy,
            cx: (k.col(2).x + 0.5) * sx - 0.5,
            cy: (k.col(2).y + 0.5) * sy - 0.5,
        }
    }
    pub fn to_cam(&self, p: DVec3) -> DVec3 {
        let p_ego = self.r_ego.transpose() * (p - self.t_ego);
        self.r_cs.transpose() * (p_ego - self.t_cs)
    }
    /// Nearest pixel of a global point in front of the camera (not on the border).
    pub fn pixel(&self, p: DVec3) -> Option<(u32, u32)> {
        let c = self.to_cam(p);
        if c.z <= 0.5 {
            return None;
        }
        let (u, v) = (self.fx * c.x / c.z + self.cx, self.fy * c.y / c.z + self.cy);
        let (u, v) = (u.round(), v.round());
        let (w, h) = (self.size.0 as f64, self.size.1 as f64);
        (u >= 1.0 && v >= 1.0 && u < w - 1.0 && v < h - 1.0).then_some((u as u32, v as u32))
    }
    /// Global ray through a pixel centre, scaled so the parameter is the camera z.
    pub fn ray(&self, u: u32, v: u32) -> (DVec3, DVec3) {
        let d_cam = DVec3::new(
            (u as f64 - self.cx) / self.fx,
            (v as f64 - self.cy) / self.fy,
            1.0,
        );
        let origin = self.r_ego * self.t_cs + self.t_ego;
        (origin, self.r_ego * (self.r_cs * d_cam))
    }
}

/// Slab test of a ray against an actor box: (t_entry, t_exit, entry axis 0=x 1=y 2=z, cosine
/// of the incidence at entry).
pub fn ray_box(o: DVec3, d: DVec3, a: &ActorInstance) -> Option<(f64, f64, usize, f64)> {
    let r = DMat3::from_quat(a.pose.rotation).transpose();
    let (lo, dl) = (r * (o - a.pose.translation), r * d);
    let half = DVec3::new(a.size_wlh_m.y, a.size_wlh_m.x, a.size_wlh_m.z) * 0.5;
    let (mut t0, mut t1, mut axis) = (f64::NEG_INFINITY, f64::INFINITY, 0);
    for k in 0..3 {
        if dl[k].abs() < 1e-12 {
            if lo[k].abs() > half[k] {
                return None;
            }
            continue;
        }
        let (mut a0, mut a1) = ((-half[k] - lo[k]) / dl[k], (half[k] - lo[k]) / dl[k]);
        if a0 > a1 {
            std::mem::swap(&mut a0, &mut a1);
        }
        if a0 > t0 {
            t0 = a0;
            axis = k;
        }
        t1 = t1.min(a1);
    }
    (t0 <= t1 && t0 > 0.0).then(|| (t0, t1, axis, dl[axis].abs() / dl.length()))
}
