//! Training frames: rendered through the same renderer the closed loop uses, from the logged
//! drive and from perturbed viewpoints, with the logged future as labels.
//!
//! For each scene the World replays the ego log (the `replay` plan: logged future poses). At
//! every `tick_stride`-th decision tick it records one sample at the ego's pose and
//! `perturbations` more at poses offset laterally (uniform in +-`lateral_max_m`) and in yaw
//! (+-`yaw_max_deg`): ChauffeurNet-style viewpoint augmentation (Bansal et al. 2018). Each
//! sample's labels are the logged future ego positions at the plan times expressed in that
//! (possibly perturbed) frame, so the policy learns to steer back towards the log; its target
//! points are the route ahead re-expressed in the same frame. Cameras are rendered at the
//! policy's input size (`LocalViews::render_frame`): no resize between training and driving.
//!
//! Draws come from one ChaCha stream per scene, seeded from the generation seed and the scene's
//! index, so a scene's samples do not depend on which other scenes are generated.

use std::sync::Arc;

use glam::{DQuat, DVec2, DVec3};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::super::BaseError;
use super::super::config::{BaseConfig, PLAN_LEN};
use super::super::input::{EgoInput, route_point_at};
use crate::agent::{Command, Plan};
use crate::episode::frames;
use crate::geometry::Pose2;
use crate::render::{FrameRequest, LocalViews, ViewRequest};
use crate::rollout::episode::{SceneSource, cached_scene};
use crate::scene::Pose;
use crate::scene::scenario::ResolvedScenario;
use crate::world::{SimConfig, World, relative_pose};

/// What a frame cache holds; its JSON is the cache key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenParams {
    pub dataroot: String,
    pub version: String,
    pub scenes: Vec<String>,
    pub cameras: Vec<String>,
    pub width_px: u32,
    pub height_px: u32,
    pub target_point_distances_m: Vec<f64>,
    /// Record every n-th decision tick.
    pub tick_stride: usize,
    /// Perturbed copies per recorded tick (0: the logged viewpoint only).
    pub perturbations: usize,
    pub lateral_max_m: f64,
    pub yaw_max_deg: f64,
    pub seed: u64,
}

/// Samples in columns (row-major arrays, sample-major).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Samples {
    /// `[n, cameras, height, width, 3]` sRGB bytes.
    pub rgb: Vec<u8>,
    /// `[n, 3]`: speed (m/s), acceleration (m/s^2), yaw rate (rad/s).
    pub ego: Vec<f32>,
    /// `[n]`: command index (UniAD numbering).
    pub command: Vec<u8>,
    /// `[n, targets, 2]` target points (ego frame, metres).
    pub targets: Vec<f32>,
    /// `[n, PLAN_LEN, 2]` label waypoints (ego frame, metres).
    pub labels: Vec<f32>,
    /// `[n]` index into `GenParams::scenes`.
    pub scene: Vec<u32>,
    /// `[n]` 0 for the logged viewpoint, else the perturbation's number.
    pub perturbation: Vec<u8>,
}

impl Samples {
    pub fn len(&self) -> usize {
        self.command.len()
    }

    pub fn is_empty(&self) -> bool {
        self.command.is_empty()
    }

    /// Bytes of RGB per sample.
    pub fn rgb_stride(params: &GenParams) -> usize {
        params.cameras.len() * (params.width_px * params.height_px * 3) as usize
    }

    pub fn ego_input(&self, params: &GenParams, i: usize) -> EgoInput {
        let k = params.target_point_distances_m.len();
        EgoInput {
            speed_mps: self.ego[i * 3],
            accel_mps2: self.ego[i * 3 + 1],
            yaw_rate_radps: self.ego[i * 3 + 2],
            command: command_from_index(self.command[i]),
            targets_ego_m: (0..k)
                .map(|j| {
                    [
                        self.targets[(i * k + j) * 2],
                        self.targets[(i * k + j) * 2 + 1],
                    ]
                })
                .collect(),
        }
    }
}

pub fn command_from_index(i: u8) -> Command {
    match i {
        0 => Command::Right,
        1 => Command::Left,
        _ => Command::Straight,
    }
}

impl GenParams {
    pub fn new(config: &BaseConfig, source: &SceneSource, scenes: Vec<String>) -> GenParams {
        GenParams {
            dataroot: source.dataroot.display().to_string(),
            version: source.version.clone(),
            scenes,
            cameras: config.cameras.clone(),
            width_px: config.width_px,
            height_px: config.height_px,
            target_point_distances_m: config.target_point_distances_m.clone(),
            tick_stride: 2,
            perturbations: 2,
            lateral_max_m: 1.0,
            yaw_max_deg: 8.0,
            seed: 0,
        }
    }

    pub fn view_request(&self) -> ViewRequest {
        ViewRequest {
            width_px: self.width_px,
            height_px: self.height_px,
            channels: self.cameras.clone(),
        }
    }
}

fn global_pose(p: Pose2) -> Pose {
    Pose {
        translation: DVec3::new(p.xy.x, p.xy.y, 0.0),
        rotation: DQuat::from_rotation_z(p.yaw),
    }
}

/// Render every scene's samples. `progress(scene_index)` is called after each scene.
pub fn generate(
    params: &GenParams,
    views: &mut LocalViews,
    progress: &mut dyn FnMut(usize),
) -> Result<Samples, BaseError> {
    let source = SceneSource {
        dataroot: params.dataroot.clone().into(),
        version: params.version.clone(),
    };
    let request = params.view_request();
    let sim = SimConfig::default();
    let mut out = Samples::default();
    for (scene_idx, name) in params.scenes.iter().enumerate() {
        let fail = |m: String| BaseError::Train(format!("scene {name}: {m}"));
        let scene = cached_scene(&source, name).map_err(|e| fail(e.to_string()))?;
        let scenario = ResolvedScenario::from_scene(Arc::clone(&scene));
        let mut world = World::new(&scenario, 0, &sim).map_err(|e| fail(e.to_string()))?;
        let mut rng = ChaCha8Rng::seed_from_u64(
            params.seed ^ (scene_idx as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let mut tick = 0usize;
        loop {
            let obs = world.observation();
            let Some(privileged) = obs.privileged.as_ref() else {
                return Err(fail("no privileged observation".into()));
            };
            let future = &privileged.logged_future_ego;
            if future.len() != PLAN_LEN || obs.plan_len != PLAN_LEN {
                return Err(fail(format!(
                    "expected {PLAN_LEN} logged future poses, got {}",
                    future.len()
                )));
            }
            if tick.is_multiple_of(params.tick_stride.max(1)) {
                let actors = frames::actor_instances(&world);
                let ego_global = world.ego().pose;
                for p in 0..=params.perturbations {
                    // The sample's frame, in the current ego frame.
                    let offset = if p == 0 {
                        Pose2::new(0.0, 0.0, 0.0)
                    } else {
                        let dy = rng.random_range(-params.lateral_max_m..=params.lateral_max_m);
                        let dyaw = rng
                            .random_range(-params.yaw_max_deg..=params.yaw_max_deg)
                            .to_radians();
                        Pose2::new(0.0, dy, dyaw)
                    };
                    let frame_global = Pose2 {
                        xy: ego_global.transform_point(offset.xy),
                        yaw: ego_global.yaw + offset.yaw,
                    };
                    let frame = FrameRequest {
                        scene: Arc::clone(&scene),
                        ego_pose: global_pose(frame_global),
                        actors: actors.clone(),
                        request: request.clone(),
                    };
                    let rendered = views
                        .render_frame(&frame)
                        .map_err(|e| fail(format!("rendering tick {tick}: {e}")))?;
                    for cam in &rendered.cameras {
                        out.rgb.extend_from_slice(&cam.rgb);
                    }
                    let route: Vec<DVec2> = obs
                        .route_ahead_ego_m
                        .iter()
                        .map(|&q| offset.inverse_transform_point(q))
                        .collect();
                    for t in params.target_point_distances_m.iter() {
                        let q = route_point_at(&route, *t);
                        out.targets.extend([q.x as f32, q.y as f32]);
                    }
                    for f in future {
                        let q = relative_pose(offset, *f).xy;
                        out.labels.extend([q.x as f32, q.y as f32]);
                    }
                    out.ego.extend([
                        obs.ego.speed_mps as f32,
                        obs.ego.accel_mps2 as f32,
                        obs.ego.yaw_rate_radps as f32,
                    ]);
                    out.command.push(obs.command.as_index());
                    out.scene.push(scene_idx as u32);
                    out.perturbation.push(p.min(255) as u8);
                }
            }
            let plan = Plan {
                waypoints_ego_m: future.iter().map(|q| q.xy).collect(),
                candidates: Vec::new(),
            };
            let events = world.step(&plan).map_err(|e| fail(e.to_string()))?;
            tick += 1;
            if events.terminal.is_some() {
                break;
            }
        }
        progress(scene_idx);
    }
    Ok(out)
}
