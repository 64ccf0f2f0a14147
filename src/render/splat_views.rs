//! Splat-mode frames: the six cameras rendered from a 3D Gaussian splat background with the
//! actors composited by depth, returned as the same `Views` as the mesh renderer's
//! `render_views`, so every front end (CLI, episode renderer, rollouts, viewer) takes either.
//!
//! Per frame:
//! 1. The mesh renderer draws ACTORS ONLY, plus the sky, into its per-camera targets
//!    (`Renderer::draw_actor_layers`, one submission): colour, camera-z depth (`NO_DEPTH_M`
//!    where the sky shows) and semantic ids.
//! 2. For each camera the splat rasteriser (`splat::SplatRenderer`) composites the Gaussians
//!    front to back over those layers (`MeshLayers`): a Gaussian at or behind the actor surface
//!    at a pixel is hidden, so a car stands on the splatted road and hides what is behind it;
//!    where no Gaussian covers a pixel the sky (or actor) shows through.
//!
//! Cameras: `splat_camera` builds the `SplatCamera` from the same `ViewCamera` the mesh pass
//! uses: pose `global_from_ego * ego_from_camera` (f64), intrinsics scaled to the output size
//! with OpenCV pixel centres (`camera::scale_intrinsics`, NUSCENES.md), Gaussians culled
//! nearer than `SPLAT_NEAR_M` or beyond `FAR_M`. Depth is the camera-frame z in metres in both
//! modes (the splat depth is the blending-weighted mean of the Gaussians' centre depths, as in
//! 3DGS).
//!
//! Cost: the actor pass is one submission for the rig; the splat pass is per camera (project +
//! readback, host sort and binning, rasterise + readback), so splat mode makes two round trips
//! per camera where mesh mode makes one per frame.

use glam::{DMat4, DVec3};

use crate::render::actors::ActorInstance;
use crate::render::camera::{FAR_M, ViewCamera};
use crate::render::splat::{
    FrameTimings, MeshLayers, SplatCamera, SplatError, SplatRenderer, SplatScene,
};
use crate::render::{CameraView, NO_DEPTH_M, RenderError, Renderer, Views};
use crate::scene::{CameraRig, Pose};

impl From<SplatError> for RenderError {
    fn from(e: SplatError) -> Self {
        RenderError::Splat(e.to_string())
    }
}

/// Gaussians whose centre is nearer than this (camera z, metres) are culled in splat mode.
/// The EWA projection linearises perspective at the Gaussian's centre, which fails for
/// metre-wide Gaussians a metre from the camera (they smear into streaks across the image), and
/// nothing a camera mounted 1.5 m up on the ego sees of the road is that close (its nearest
/// visible ground is about 4 m away); actors are meshes and are not affected.
pub const SPLAT_NEAR_M: f64 = 2.0;

/// The splat camera of a placed mesh camera (render frame of `origin`). The pinhole has no
/// skew term (nuScenes calibrations have none).
pub fn splat_camera(view: &ViewCamera, origin: DVec3) -> SplatCamera {
    let global_from_camera = DMat4::from_translation(origin) * DMat4::from(view.world_from_camera);
    SplatCamera {
        camera_from_global: global_from_camera.inverse(),
        fx: view.k.x_axis.x,
        fy: view.k.y_axis.y,
        cx: view.k.z_axis.x,
        cy: view.k.z_axis.y,
        width: view.width,
        height: view.height,
        near_m: SPLAT_NEAR_M,
        far_m: FAR_M,
    }
}

/// A splat background plus the mesh renderer that draws the actors and the sky over it.
pub struct SplatViews {
    mesh: Renderer,
    splats: SplatRenderer,
    /// Stage times of the last `render_views`, summed over its cameras.
    last_timings: FrameTimings,
}

impl std::fmt::Debug for SplatViews {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SplatViews")
            .field("gaussians", &self.splats.num_gaussians())
            .finish_non_exhaustive()
    }
}

impl SplatViews {
    /// Uploads `splats` on the mesh renderer's device. `mesh` supplies the actor models, the
    /// sky and lighting; its static scene is not drawn in splat mode.
    pub fn new(mesh: Renderer, splats: &SplatScene) -> Result<SplatViews, RenderError> {
        let splats = SplatRenderer::new(&mesh.device, &mesh.queue, splats)?;
        Ok(SplatViews {
            mesh,
            splats,
            last_timings: FrameTimings::default(),
        })
    }

    pub fn num_gaussians(&self) -> usize {
        self.splats.num_gaussians()
    }

    /// Splat stage times of the last `render_views`, summed over its cameras (the actor pass
    /// is not included).
    pub fn last_timings(&self) -> FrameTimings {
        self.last_timings
    }

    /// Give the mesh renderer back (e.g. to pair it with another background).
    pub fn into_mesh(self) -> Renderer {
        self.mesh
    }

    /// The mesh renderer (actor models, lighting).
    pub fn mesh(&self) -> &Renderer {
        &self.mesh
    }

    pub fn mesh_mut(&mut self) -> &mut Renderer {
        &mut self.mesh
    }

    /// Render every camera of `rig` at `size` (as `Renderer::render_views`, splat background).
    pub fn render_views(
        &mut self,
        ego_pose: &Pose,
        actors: &[ActorInstance],
        rig: &CameraRig,
        size: (u32, u32),
    ) -> Result<Views, RenderError> {
        let placed = self.mesh.draw_actor_layers(ego_pose, actors, rig, size)?;
        let targets = self.mesh.frame_targets();
        let mut cameras = Vec::with_capacity(placed.len());
        let mut timings = FrameTimings::default();
        for (view, t) in placed.iter().zip(targets) {
            let layers = MeshLayers {
                color: &t.color,
                depth_m: &t.depth_m,
                semantic: &t.semantic,
            };
            let camera = splat_camera(view, self.mesh.origin);
            let (image, t) = self.splats.render_timed(
                &self.mesh.device,
                &self.mesh.queue,
                &camera,
                Some(&layers),
            )?;
            timings.project += t.project;
            timings.sort_and_bin += t.sort_and_bin;
            timings.rasterize += t.rasterize;
            timings.tile_pairs += t.tile_pairs;
            cameras.push(CameraView {
                channel: view.channel.clone(),
                width: image.width,
                height: image.height,
                rgb: image.rgb,
                depth_m: image
                    .depth_m
                    .into_iter()
                    .map(|d| if d.is_finite() { d } else { NO_DEPTH_M })
                    .collect(),
                semantic: image.semantic,
            });
        }
        self.last_timings = timings;
        Ok(Views { cameras })
    }
}

/// Either renderer behind one `render_views` (mesh mode or splat mode).
#[derive(Debug)]
pub enum ViewRenderer {
    Mesh(Box<Renderer>),
    Splat(Box<SplatViews>),
}

impl ViewRenderer {
    pub fn render_views(
        &mut self,
        ego_pose: &Pose,
        actors: &[ActorInstance],
        rig: &CameraRig,
        size: (u32, u32),
    ) -> Result<Views, RenderError> {
        match self {
            ViewRenderer::Mesh(r) => r.render_views(ego_pose, actors, rig, size),
            ViewRenderer::Splat(s) => s.render_views(ego_pose, actors, rig, size),
        }
    }

    /// `render_views` for several frames of this scene: one submission in mesh mode
    /// (`Renderer::render_views_batch`), one frame after another in splat mode.
    pub fn render_views_batch(
        &mut self,
        frames: &[(&Pose, &[ActorInstance])],
        rig: &CameraRig,
        size: (u32, u32),
    ) -> Result<Vec<Views>, RenderError> {
        match self {
            ViewRenderer::Mesh(r) => r.render_views_batch(frames, rig, size),
            ViewRenderer::Splat(s) => frames
                .iter()
                .map(|(pose, actors)| s.render_views(pose, actors, rig, size))
                .collect(),
        }
    }

    /// The mesh renderer (the whole renderer in mesh mode; actors and sky in splat mode).
    pub fn mesh(&self) -> &Renderer {
        match self {
            ViewRenderer::Mesh(r) => r,
            ViewRenderer::Splat(s) => s.mesh(),
        }
    }

    /// The mesh renderer, dropping any splat background.
    pub fn into_mesh(self) -> Renderer {
        match self {
            ViewRenderer::Mesh(r) => *r,
            ViewRenderer::Splat(s) => s.into_mesh(),
        }
    }

    /// Splat stage times of the last frame (`None` in mesh mode).
    pub fn splat_timings(&self) -> Option<FrameTimings> {
        match self {
            ViewRenderer::Mesh(_) => None,
            ViewRenderer::Splat(s) => Some(s.last_timings()),
        }
    }

    /// Gaussians of the splat background (0 in mesh mode).
    pub fn num_gaussians(&self) -> usize {
        match self {
            ViewRenderer::Mesh(_) => 0,
            ViewRenderer::Splat(s) => s.num_gaussians(),
        }
    }
}
