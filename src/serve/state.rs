//! The `state` a HUGSIM client receives: `{"obs": {...}, "info": {...}}`, built from the World
//! and the rendered views, as a pickle value (`pickle::Value`).
//!
//! `obs`: `rgb` {camera: uint8 H x W x 3}, `semantic` {camera: uint8 H x W}, `depth` {camera:
//! float32 H x W}. `info` (types as HUGSIM's own env sends them): `ego_pos`, `ego_rot` (lists of
//! 3 floats, HUGSIM world frame), `ego_velo`, `ego_steer`, `accelerate`, `steer_rate`,
//! `timestamp` (floats), `command` (int: 0 right, 1 left, 2 straight), `ego_box` (list of 7
//! floats), `obj_boxes` (list of lists of 7 floats), `cam_params` ({camera: {intrinsic: {H, W
//! (ints), cx, cy, fovx, fovy (floats)}, v2c, l2c (float64 4 x 4 arrays)}}), and after a step
//! `rc` (float, route completion) and `collision` (bool). Frames and signs: `frames`.

use glam::DVec3;

use super::frames::{cam_params, hugsim_world_from_global, hugsim_yaw};
use super::pickle::{NdArray, ShapeMismatch, Value};
use super::views::{CameraImages, ImageSize, ViewError};
use crate::world::World;

/// The last action the ego executed (HUGSIM's `accelerate` and `steer_rate`), ours: steering
/// rate positive to the left.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LastAction {
    pub accel_mps2: f64,
    pub steer_rate_radps: f64,
}

/// What HUGSIM adds to `info` after a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepInfo {
    /// Route completion (METRICS.md: progress over 90 % of the route, capped at 1).
    pub rc: f64,
    pub collision: bool,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StateError {
    #[error(transparent)]
    View(#[from] ViewError),
    #[error("building an observation array: {0}")]
    Shape(#[from] ShapeMismatch),
}

/// `{"obs": ..., "info": ...}` for the World's current state.
pub fn state_value(
    world: &World,
    images: &CameraImages,
    size: ImageSize,
    last: LastAction,
    step: Option<StepInfo>,
) -> Result<Value, StateError> {
    Ok(Value::dict([
        ("obs", obs_value(images)?),
        ("info", info_value(world, size, last, step)?),
    ]))
}

fn obs_value(images: &CameraImages) -> Result<Value, StateError> {
    let mut rgb = Vec::new();
    let mut semantic = Vec::new();
    let mut depth = Vec::new();
    for cam in &images.cameras {
        cam.check()?;
        let (h, w) = (cam.height_px as usize, cam.width_px as usize);
        let key = || Value::str(cam.channel.clone());
        rgb.push((
            key(),
            Value::Array(NdArray::from_u8(vec![h, w, 3], cam.rgb.clone())?),
        ));
        semantic.push((
            key(),
            Value::Array(NdArray::from_u8(vec![h, w], cam.semantic.clone())?),
        ));
        depth.push((
            key(),
            Value::Array(NdArray::from_f32(vec![h, w], &cam.depth_m)?),
        ));
    }
    Ok(Value::dict([
        ("rgb", Value::Dict(rgb)),
        ("semantic", Value::Dict(semantic)),
        ("depth", Value::Dict(depth)),
    ]))
}

fn info_value(
    world: &World,
    size: ImageSize,
    last: LastAction,
    step: Option<StepInfo>,
) -> Result<Value, StateError> {
    let ego = world.ego();
    let dims = ego.dims;
    let pos = hugsim_world_from_global(DVec3::new(ego.pose.xy.x, ego.pose.xy.y, 0.0));
    let centre = ego.center();
    let ego_box = [
        centre.x,
        centre.y,
        0.5 * dims.height_m,
        dims.width_m,
        dims.length_m,
        dims.height_m,
        ego.pose.yaw,
    ];
    let obj_boxes = world
        .actors()
        .iter()
        .map(|a| {
            Value::floats(&[
                a.pose.xy.x,
                a.pose.xy.y,
                a.z_m,
                a.width_m,
                a.length_m,
                a.height_m,
                a.pose.yaw,
            ])
        })
        .collect();
    let rig = &world.scene().rig;
    let mut cams = Vec::new();
    for cam in &rig.cameras {
        let p = cam_params(cam, &rig.ego_from_lidar, size.width_px, size.height_px);
        let intrinsic = Value::dict([
            ("H", Value::Int(i64::from(p.height_px))),
            ("W", Value::Int(i64::from(p.width_px))),
            ("cx", Value::Float(p.cx_px)),
            ("cy", Value::Float(p.cy_px)),
            ("fovx", Value::Float(p.fovx_rad)),
            ("fovy", Value::Float(p.fovy_rad)),
        ]);
        cams.push((
            Value::str(p.channel.clone()),
            Value::dict([
                ("intrinsic", intrinsic),
                ("v2c", Value::Array(NdArray::from_f64(vec![4, 4], &p.v2c)?)),
                ("l2c", Value::Array(NdArray::from_f64(vec![4, 4], &p.l2c)?)),
            ]),
        ));
    }
    let command = world.observation().command;
    let mut info = vec![
        ("ego_pos", Value::floats(&pos)),
        (
            "ego_rot",
            Value::floats(&[0.0, hugsim_yaw(ego.pose.yaw), 0.0]),
        ),
        ("ego_velo", Value::Float(ego.speed_mps)),
        // HUGSIM's steering is positive to the right.
        ("ego_steer", Value::Float(-ego.steer_rad + 0.0)),
        ("accelerate", Value::Float(last.accel_mps2)),
        ("steer_rate", Value::Float(-last.steer_rate_radps + 0.0)),
        ("timestamp", Value::Float(world.time_secs())),
        ("command", Value::Int(i64::from(command.as_index()))),
        ("ego_box", Value::floats(&ego_box)),
        ("obj_boxes", Value::List(obj_boxes)),
        ("cam_params", Value::Dict(cams)),
    ];
    if let Some(s) = step {
        info.push(("rc", Value::Float(s.rc)));
        info.push(("collision", Value::Bool(s.collision)));
    }
    Ok(Value::dict(info))
}
