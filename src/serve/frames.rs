//! Frame conventions at the HUGSIM protocol boundary, and the one conversion of an agent's
//! plan into our `Plan`.
//!
//! Frames:
//! - **ours, global**: the nuScenes map frame, x east, y north, z up; yaw counter-clockwise
//!   from +x. **ours, ego**: x forward, y left, z up, origin at the rear axle.
//! - **HUGSIM world** (`ego_pos`, `ego_rot`): OpenCV-style, x right, y down (y is height,
//!   negative up), z forward. We map a global point (X, Y, Z) to (-Y, -Z, X): HUGSIM's z axis is
//!   our +x, its x axis our -y, its y axis our -z. A rotation is the yaw about HUGSIM's y axis,
//!   `ego_rot = [0, -yaw, 0]` (HUGSIM moves by x += v sin(rot[1]) dt, z += v cos(rot[1]) dt).
//! - **HUGSIM boxes** (`ego_box`, `obj_boxes`: [x, y, z, w, l, h, yaw]): HUGSIM writes them in
//!   the z-up frame (X = its z, Y = -its x, Z = -its y), which is our global frame itself:
//!   box centre in global coordinates, z the centre height, yaw ours.
//! - **lidar frame** (plans, `l2c`): the calibrated LIDAR_TOP frame of the scene's rig, x right,
//!   y forward, z up on nuScenes and on our synthetic rigs (`CameraRig::ego_from_lidar`).
//! - **v2c / l2c**: 4x4 row-major `camera_from_ego` and `camera_from_lidar`; the camera frame
//!   is x right, y down, z forward. HUGSIM's "vehicle" frame is our ego frame.
//! - HUGSIM's steering angle and rate are positive to the right (`tan(-ego_steer)` in its
//!   controller), ours to the left: `ego_steer = -steer_rad`.
//!
//! Plans: HUGSIM agents return N (UniAD 6, LTF 8) waypoints 0.5 s apart, the first 0.5 s from
//! now, for the vehicle's lidar origin, in the lidar frame at decision time. `lidar_plan_to_ego`
//! maps them into our ego frame and moves them from the lidar origin to the rear axle: each
//! waypoint minus the lidar's lever arm (its mounting offset from the rear axle) rotated by the
//! path heading there (chord through the neighbours; at the last point the chord turned on by
//! the previous turn, which is exact on a circular arc). The result is resampled at our plan
//! times (`TimeBase::plan_dt_secs` x 1..=`plan_len`) by linear interpolation from the current
//! rear axle through the waypoints; times past the last waypoint continue its last segment at
//! constant velocity. With the default time base (6 x 0.5 s) an 8-point plan is truncated to
//! its first 6 points and a 6-point plan is taken as is.

use glam::{DMat4, DVec2, DVec3};

use crate::agent::Plan;
use crate::config::TimeBase;
use crate::scene::{Camera, Pose, wrap_angle};
use crate::world::MAX_PLAN_RANGE_M;

/// Spacing of the waypoints of a HUGSIM plan.
pub const HUGSIM_PLAN_DT_SECS: f64 = 0.5;
/// Most waypoints a plan may have (UniAD sends 6, LTF 8; 64 is 32 s).
pub const MAX_PLAN_POINTS: usize = 64;
/// Chords shorter than this do not define a heading (the ego is standing still).
const MIN_CHORD_M: f64 = 1e-3;

/// Why a plan was rejected (the client gets the message with a 422).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("plan_traj: expected shape (N, 2) with 1 <= N <= {max}, got {shape:?}")]
    Shape { shape: Vec<usize>, max: usize },
    #[error("plan_traj: waypoint {index} is not finite: {value:?}")]
    NonFinite { index: usize, value: [f64; 2] },
    #[error(
        "plan_traj: waypoint {index} is {distance_m:.1} m from the ego after conversion, beyond the {limit_m} m limit"
    )]
    OutOfRange {
        index: usize,
        distance_m: f64,
        limit_m: f64,
    },
}

/// Convert a HUGSIM plan (lidar frame, x right, y forward, 0.5 s apart) into our ego-frame
/// `Plan` at the time base's plan times. See the module docs for the method.
pub fn lidar_plan_to_ego(
    points_lidar_m: &[[f64; 2]],
    ego_from_lidar: &Pose,
    time: &TimeBase,
) -> Result<Plan, PlanError> {
    let n = points_lidar_m.len();
    if n == 0 || n > MAX_PLAN_POINTS {
        return Err(PlanError::Shape {
            shape: vec![n, 2],
            max: MAX_PLAN_POINTS,
        });
    }
    if let Some((index, p)) = points_lidar_m
        .iter()
        .enumerate()
        .find(|(_, p)| !(p[0].is_finite() && p[1].is_finite()))
    {
        return Err(PlanError::NonFinite { index, value: *p });
    }
    // The lidar origin now, then the waypoints, in the ego frame.
    let lever = ego_from_lidar.translation.truncate();
    let to_ego = |p: [f64; 2]| -> DVec2 {
        let v = ego_from_lidar.rotation * DVec3::new(p[0], p[1], 0.0) + ego_from_lidar.translation;
        v.truncate()
    };
    let mut lidar_path = vec![lever];
    lidar_path.extend(points_lidar_m.iter().map(|&p| to_ego(p)));

    // Heading of the path at each point (0 now: the ego frame's x axis).
    let mut headings = vec![0.0_f64];
    for k in 1..=n {
        let prev = headings[k - 1];
        let heading = if k < n {
            chord_heading(lidar_path[k - 1], lidar_path[k + 1]).unwrap_or(prev)
        } else {
            chord_heading(lidar_path[k - 1], lidar_path[k])
                .map_or(prev, |c| c + wrap_angle(c - prev))
        };
        headings.push(heading);
    }
    // Rear-axle positions: lidar positions minus the lever arm at each heading.
    let rear: Vec<DVec2> = lidar_path
        .iter()
        .zip(&headings)
        .map(|(p, &h)| *p - DVec2::from_angle(h).rotate(lever))
        .collect();

    let t_last = n as f64 * HUGSIM_PLAN_DT_SECS;
    let mut waypoints = Vec::with_capacity(time.plan_len);
    for i in 0..time.plan_len {
        let t = (i + 1) as f64 * time.plan_dt_secs;
        let w = if t <= t_last {
            let u = t / HUGSIM_PLAN_DT_SECS;
            let k = (u.floor() as usize).min(n - 1);
            rear[k].lerp(rear[k + 1], u - k as f64)
        } else {
            let v = (rear[n] - rear[n - 1]) / HUGSIM_PLAN_DT_SECS;
            rear[n] + v * (t - t_last)
        };
        if w.length() > MAX_PLAN_RANGE_M {
            return Err(PlanError::OutOfRange {
                index: i,
                distance_m: w.length(),
                limit_m: MAX_PLAN_RANGE_M,
            });
        }
        waypoints.push(w);
    }
    Ok(Plan {
        waypoints_ego_m: waypoints,
        candidates: Vec::new(),
    })
}

fn chord_heading(from: DVec2, to: DVec2) -> Option<f64> {
    let d = to - from;
    (d.length() > MIN_CHORD_M).then(|| d.y.atan2(d.x))
}

/// A global-frame point in HUGSIM's OpenCV-style world frame: (X, Y, Z) -> (-Y, -Z, X).
pub fn hugsim_world_from_global(p: DVec3) -> [f64; 3] {
    // `+ 0.0` turns -0.0 into 0.0.
    [-p.y + 0.0, -p.z + 0.0, p.x]
}

/// A global yaw as HUGSIM's `rot[1]` (rotation about its y axis, which points down).
pub fn hugsim_yaw(yaw_rad: f64) -> f64 {
    -yaw_rad + 0.0
}

/// One camera's `cam_params` entry, for images of `width_px` x `height_px` (the rig's intrinsics
/// scaled to that size).
#[derive(Debug, Clone, PartialEq)]
pub struct CamParams {
    pub channel: String,
    pub width_px: u32,
    pub height_px: u32,
    pub cx_px: f64,
    pub cy_px: f64,
    pub fovx_rad: f64,
    pub fovy_rad: f64,
    /// camera_from_ego, row-major.
    pub v2c: [f64; 16],
    /// camera_from_lidar, row-major.
    pub l2c: [f64; 16],
}

pub fn cam_params(
    camera: &Camera,
    ego_from_lidar: &Pose,
    width_px: u32,
    height_px: u32,
) -> CamParams {
    let sx = f64::from(width_px) / f64::from(camera.width_px.max(1));
    let sy = f64::from(height_px) / f64::from(camera.height_px.max(1));
    let k = camera.intrinsic;
    let (fx, fy) = (k.x_axis.x * sx, k.y_axis.y * sy);
    let (cx, cy) = (k.z_axis.x * sx, k.z_axis.y * sy);
    let fov = |size: u32, f: f64| 2.0 * (f64::from(size) / (2.0 * f)).atan();
    let camera_from_ego = pose_matrix(&camera.ego_from_camera).inverse();
    let camera_from_lidar = camera_from_ego * pose_matrix(ego_from_lidar);
    CamParams {
        channel: camera.channel.clone(),
        width_px,
        height_px,
        cx_px: cx,
        cy_px: cy,
        fovx_rad: fov(width_px, fx),
        fovy_rad: fov(height_px, fy),
        v2c: row_major(&camera_from_ego),
        l2c: row_major(&camera_from_lidar),
    }
}

fn pose_matrix(p: &Pose) -> DMat4 {
    DMat4::from_rotation_translation(p.rotation, p.translation)
}

fn row_major(m: &DMat4) -> [f64; 16] {
    let mut out = [0.0; 16];
    for r in 0..4 {
        out[r * 4..r * 4 + 4].copy_from_slice(&m.row(r).to_array());
    }
    out
}

#[cfg(test)]
#[path = "frames_tests.rs"]
mod tests;
