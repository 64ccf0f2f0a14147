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

use std::collections::BTreeMap;
use std::time::Instant;

use glam::{DQuat, DVec3};

use super::document::ViewerError;
use super::free_camera::FreeCamera;
use super::state::ImageKind;
use crate::render::actors::variant_of;
use crate::render::scene_mesh::{StaticScene, build_static_scene};
use crate::render::{
    ActorInstance, ActorMeshes, AdapterPreference, CameraView, DEFAULT_SEED, GpuContext,
    RenderConfig, Renderer, SCENE_ROUTE_MARGIN_M, Views, assets, create_context, images,
};
use crate::rollout::RecordedStep;
use crate::scene::{ActorClass, CameraRig, Pose, Scene};
use crate::world::SimConfig;

/// Renders a scene's cameras for recorded steps.
pub struct CameraRenderer {
    ctx: GpuContext,
    rig_renderer: Renderer,
    /// Built on first use of the free camera from `free_scene`.
    free_renderer: Option<Renderer>,
    free_scene: Option<StaticScene>,
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
    /// Build the static scene of `scene` and upload it (about a second on lavapipe).
    pub fn new(scene: &Scene, size: (u32, u32)) -> Result<CameraRenderer, ViewerError> {
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
            rig_renderer,
            free_renderer: None,
            free_scene: Some(static_scene),
            config,
            models,
            rig: scene.rig.clone(),
            actor_z_m,
            size,
            last_rig_ms: 0.0,
        })
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
        let views = self
            .rig_renderer
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
            let scene = self
                .free_scene
                .take()
                .ok_or_else(|| ViewerError::new("renderer", "free-camera scene already used"))?;
            let mut r =
                Renderer::from_static_scene(&self.ctx.device, &self.ctx.queue, scene, &self.config);
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
