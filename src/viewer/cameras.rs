//! Camera images for the viewer, from the headless renderer: the six rig cameras and the free
//! 3D camera are rendered offscreen by `render::Renderer::render_views` on a device of our own
//! (a GPU if there is one, else lavapipe) and read back; the app uploads the pixels into egui
//! textures. The renderer knows nothing of the window.
//!
//! A recorded step holds the ego pose and the actors' boxes but not the actors' heights above
//! the ground, so an actor's box centre height comes from its logged track in the scene (first
//! keyframe) and, for actors the scenario inserted, half its box height (on the ground plane,
//! z = 0, as nuScenes ego poses).
//!
//! The free camera has its own `Renderer` (built from a copy of the same static mesh) so that
//! its output size and single-camera rig do not reallocate the rig renderer's targets.
//!
//! Render mode: the six rig cameras render through a `render::ViewRenderer` in mesh or splat
//! mode (`set_render_mode`); the free camera always renders meshes. The first switch to splat
//! mode gets the scene's splat background (`render::splat_background`: the cached bake, or a
//! fresh bake written to the cache) on a background thread, so the window keeps drawing and
//! shows a status line meanwhile; `poll_render_mode` wraps the rig's mesh renderer around it
//! once it is there (`ViewRenderer::with_background`). The background stays in memory, so
//! later switches are immediate.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::Instant;

use glam::{DQuat, DVec3};

use super::document::ViewerError;
use super::free_camera::FreeCamera;
use super::state::ImageKind;
use crate::render::actors::variant_of;
use crate::render::scene_mesh::{StaticScene, build_static_scene};
use crate::render::splat::SplatScene;
use crate::render::{
    ActorInstance, ActorMeshes, AdapterPreference, BackgroundOrigin, CameraView, DEFAULT_SEED,
    GpuContext, RenderConfig, RenderError, RenderMode, Renderer, SCENE_ROUTE_MARGIN_M, SplatSource,
    ViewRenderer, Views, assets, create_context, images, splat_background,
};
use crate::rollout::RecordedStep;
use crate::scene::{ActorClass, CameraRig, Pose, Scene};
use crate::world::SimConfig;

type Background = Result<(SplatScene, BackgroundOrigin), RenderError>;

/// Where a switch of render mode stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ModeStatus {
    /// The rig renders in the wanted mode.
    Ready,
    /// The splat background is being read or baked (a status line for the window).
    Preparing(String),
}

/// Renders a scene's cameras for recorded steps.
pub struct CameraRenderer {
    ctx: GpuContext,
    /// `None` only while switching modes.
    rig_renderer: Option<ViewRenderer>,
    /// The static scene, kept to rebuild the rig's mesh renderer should a switch fail.
    static_scene: StaticScene,
    /// Built on first use of the free camera from `static_scene`.
    free_renderer: Option<Renderer>,
    scene: Arc<Scene>,
    /// The splat background, once read or baked.
    background: Option<SplatScene>,
    /// The splat background being read or baked on a background thread.
    pending: Option<Receiver<Background>>,
    /// Where the splat background came from (for the status line).
    pub background_origin: Option<BackgroundOrigin>,
    config: RenderConfig,
    models: ActorMeshes,
    rig: CameraRig,
    /// Box-centre height of logged actors by instance token.
    actor_z_m: BTreeMap<String, f64>,
    /// Output size of each rig camera.
    pub size: (u32, u32),
    /// Milliseconds the last `render_rig` took (render + readback of all cameras).
    pub last_rig_ms: f64,
}

impl CameraRenderer {
    /// Build the static scene of `scene` and upload it (about a second on lavapipe); the rig
    /// renders in mesh mode until `set_render_mode`.
    pub fn new(scene: &Arc<Scene>, size: (u32, u32)) -> Result<CameraRenderer, ViewerError> {
        let what = format!("renderer for scene {}", scene.name);
        let ctx =
            create_context(AdapterPreference::Auto).map_err(|e| ViewerError::new(&what, e))?;
        let models = match assets::ActorModels::load(&assets::shipped_assets_dir()) {
            Ok(m) => ActorMeshes::from_assets(&m),
            // The built-in procedural models are the same shapes the shipped files hold.
            Err(_) => ActorMeshes::from_assets(&assets::ActorModels::builtin()),
        };
        let config = RenderConfig::for_scene(scene, DEFAULT_SEED, SCENE_ROUTE_MARGIN_M);
        let static_scene = build_static_scene(&scene.map, config.region, config.seed);
        let mut rig_renderer =
            Renderer::from_static_scene(&ctx.device, &ctx.queue, static_scene.clone(), &config);
        rig_renderer.set_actor_meshes(&models);
        let actor_z_m = scene
            .actors
            .iter()
            .filter_map(|a| {
                a.keyframes
                    .first()
                    .map(|k| (a.instance_token.clone(), k.pose.translation.z))
            })
            .collect();
        Ok(CameraRenderer {
            ctx,
            rig_renderer: Some(ViewRenderer::Mesh(Box::new(rig_renderer))),
            static_scene,
            free_renderer: None,
            scene: scene.clone(),
            background: None,
            pending: None,
            background_origin: None,
            config,
            models,
            rig: scene.rig.clone(),
            actor_z_m,
            size,
            last_rig_ms: 0.0,
        })
    }

    /// The mode the rig cameras render in now.
    pub fn render_mode(&self) -> RenderMode {
        self.rig_renderer
            .as_ref()
            .map_or(RenderMode::Mesh, ViewRenderer::mode)
    }

    /// Gaussians of the splat background (0 in mesh mode).
    pub fn num_gaussians(&self) -> usize {
        self.rig_renderer
            .as_ref()
            .map_or(0, ViewRenderer::num_gaussians)
    }

    /// A mesh renderer of the static scene (the rig's, or a fresh one should it be lost).
    fn take_mesh(&mut self) -> Renderer {
        match self.rig_renderer.take() {
            Some(r) => r.into_mesh(),
            None => {
                let mut r = Renderer::from_static_scene(
                    &self.ctx.device,
                    &self.ctx.queue,
                    self.static_scene.clone(),
                    &self.config,
                );
                r.set_actor_meshes(&self.models);
                r
            }
        }
    }

    /// Switch the rig cameras to `mode`. Mesh mode is immediate; splat mode needs the
    /// background: the first call starts reading or baking it into `cache_dir` on a
    /// background thread and returns `Preparing`; call `poll_render_mode` until `Ready`.
    pub fn set_render_mode(
        &mut self,
        mode: RenderMode,
        cache_dir: &std::path::Path,
    ) -> Result<ModeStatus, ViewerError> {
        if self.render_mode() == mode && self.rig_renderer.is_some() {
            self.pending = None;
            return Ok(ModeStatus::Ready);
        }
        if mode == RenderMode::Mesh {
            self.pending = None;
            let mesh = self.take_mesh();
            self.rig_renderer = Some(ViewRenderer::Mesh(Box::new(mesh)));
            return Ok(ModeStatus::Ready);
        }
        if self.background.is_none() && self.pending.is_none() {
            let (tx, rx) = std::sync::mpsc::channel();
            let scene = self.scene.clone();
            let dir: PathBuf = cache_dir.to_path_buf();
            std::thread::Builder::new()
                .name("mpa-sim-splat-bake".into())
                .spawn(move || {
                    let source = SplatSource {
                        ply: None,
                        cache_dir: &dir,
                        seed: DEFAULT_SEED,
                    };
                    // The viewer may have closed the scene meanwhile; nothing to do then.
                    let _ = tx.send(splat_background(&scene, &source));
                })
                .map_err(|e| ViewerError::new("splat background", e))?;
            self.pending = Some(rx);
        }
        self.poll_render_mode()
    }

    /// Finish a switch to splat mode once its background is there (see `set_render_mode`).
    pub fn poll_render_mode(&mut self) -> Result<ModeStatus, ViewerError> {
        let what = format!("splat background of {}", self.scene.name);
        if let Some(rx) = &self.pending {
            match rx.try_recv() {
                Ok(result) => {
                    self.pending = None;
                    let (splats, origin) = result.map_err(|e| ViewerError::new(&what, e))?;
                    self.background = Some(splats);
                    self.background_origin = Some(origin);
                }
                Err(TryRecvError::Empty) => {
                    return Ok(ModeStatus::Preparing(format!(
                        "Preparing the {what} (baked once, then read from the cache)..."
                    )));
                }
                Err(TryRecvError::Disconnected) => {
                    self.pending = None;
                    return Err(ViewerError::new(&what, "the baking thread stopped"));
                }
            }
        }
        if self.background.is_none()
            || (self.render_mode() == RenderMode::Splat && self.rig_renderer.is_some())
        {
            // No switch was asked for, or it is done.
            return Ok(ModeStatus::Ready);
        }
        let mesh = self.take_mesh();
        let r = ViewRenderer::with_background(mesh, RenderMode::Splat, self.background.as_ref())
            .map_err(|e| ViewerError::new(&what, e))?;
        self.rig_renderer = Some(r);
        Ok(ModeStatus::Ready)
    }

    /// The adapter the images are rendered on.
    pub fn adapter(&self) -> String {
        self.ctx.describe()
    }

    fn actors(&self, step: &RecordedStep) -> Vec<ActorInstance> {
        step.actors
            .iter()
            .map(|a| {
                let z = self
                    .actor_z_m
                    .get(&a.id)
                    .copied()
                    .unwrap_or(0.5 * a.height_m);
                ActorInstance {
                    class: ActorClass::parse(&a.class).unwrap_or(ActorClass::Obstacle),
                    pose: Pose {
                        translation: DVec3::new(a.x, a.y, z),
                        rotation: DQuat::from_rotation_z(a.yaw),
                    },
                    size_wlh_m: DVec3::new(a.width_m, a.length_m, a.height_m),
                    variant: variant_of(&a.id),
                }
            })
            .collect()
    }

    /// The six rig cameras at a step.
    pub fn render_rig(&mut self, step: &RecordedStep) -> Result<Views, ViewerError> {
        let t = Instant::now();
        let ego = Pose {
            translation: DVec3::new(step.ego.x, step.ego.y, 0.0),
            rotation: DQuat::from_rotation_z(step.ego.yaw),
        };
        let actors = self.actors(step);
        if self.rig_renderer.is_none() {
            // A failed switch lost the renderer: back to mesh mode.
            let mesh = self.take_mesh();
            self.rig_renderer = Some(ViewRenderer::Mesh(Box::new(mesh)));
        }
        let renderer = self
            .rig_renderer
            .as_mut()
            .ok_or_else(|| ViewerError::new("renderer", "rig renderer missing"))?;
        let views = renderer
            .render_views(&ego, &actors, &self.rig, self.size)
            .map_err(|e| ViewerError::new("renderer", e))?;
        self.last_rig_ms = t.elapsed().as_secs_f64() * 1e3;
        Ok(views)
    }

    /// The free camera at a step.
    pub fn render_free(
        &mut self,
        step: &RecordedStep,
        cam: &FreeCamera,
        size: (u32, u32),
    ) -> Result<CameraView, ViewerError> {
        if self.free_renderer.is_none() {
            let mut r = Renderer::from_static_scene(
                &self.ctx.device,
                &self.ctx.queue,
                self.static_scene.clone(),
                &self.config,
            );
            r.set_actor_meshes(&self.models);
            self.free_renderer = Some(r);
        }
        // The free camera also sees the ego car (the rig cameras sit inside it).
        let mut actors = self.actors(step);
        let v = SimConfig::default().vehicle;
        let heading = DVec3::new(step.ego.yaw.cos(), step.ego.yaw.sin(), 0.0);
        actors.push(ActorInstance {
            class: ActorClass::Car,
            pose: Pose {
                translation: DVec3::new(step.ego.x, step.ego.y, 0.5 * v.height_m)
                    + heading * v.rear_axle_to_center_m,
                rotation: DQuat::from_rotation_z(step.ego.yaw),
            },
            size_wlh_m: DVec3::new(v.width_m, v.length_m, v.height_m),
            variant: variant_of("ego"),
        });
        let rig = CameraRig {
            cameras: vec![cam.camera([step.ego.x, step.ego.y], step.ego.yaw, size)],
            ego_from_lidar: self.rig.ego_from_lidar,
        };
        let identity = Pose {
            translation: DVec3::ZERO,
            rotation: DQuat::IDENTITY,
        };
        let renderer = self
            .free_renderer
            .as_mut()
            .ok_or_else(|| ViewerError::new("renderer", "free-camera renderer missing"))?;
        let mut views = renderer
            .render_views(&identity, &actors, &rig, size)
            .map_err(|e| ViewerError::new("renderer", e))?;
        views
            .cameras
            .pop()
            .ok_or_else(|| ViewerError::new("renderer", "no free-camera image"))
    }
}

/// A camera view as an egui image of the chosen kind (depth and semantic colour-mapped with
/// the same maps as the PNG files `mpa-sim render` writes).
pub fn color_image(view: &CameraView, kind: ImageKind) -> egui::ColorImage {
    let size = [view.width as usize, view.height as usize];
    let rgb = match kind {
        ImageKind::Rgb => return egui::ColorImage::from_rgb(size, &view.rgb),
        ImageKind::Depth => images::depth_colormap(&view.depth_m),
        ImageKind::Semantic => images::semantic_colormap(&view.semantic),
    };
    egui::ColorImage::from_rgb(size, &rgb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_pixels_with_the_render_colour_maps() {
        let view = CameraView {
            channel: "CAM_FRONT".into(),
            width: 2,
            height: 1,
            rgb: vec![10, 20, 30, 40, 50, 60],
            depth_m: vec![0.0, 40.0],
            semantic: vec![0, 1],
        };
        let rgb = color_image(&view, ImageKind::Rgb);
        assert_eq!(rgb.size, [2, 1]);
        assert_eq!(rgb.pixels[1], egui::Color32::from_rgb(40, 50, 60));
        let depth = color_image(&view, ImageKind::Depth);
        assert_eq!(depth.pixels[0], egui::Color32::BLACK, "sky is black");
        let t = images::turbo(40.0 / images::DEPTH_PNG_MAX_M);
        assert_eq!(depth.pixels[1], egui::Color32::from_rgb(t[0], t[1], t[2]));
        let sem = color_image(&view, ImageKind::Semantic);
        let c = crate::render::semantic::color_of(1);
        assert_eq!(sem.pixels[1], egui::Color32::from_rgb(c[0], c[1], c[2]));
    }
}
