//! Mesh renderer on wgpu (no window code): a nuScenes map becomes a static triangle mesh (road
//! from the drivable area with holes, paint, raised sidewalks, buildings, trees, ground, sky),
//! actors are instanced per-class models placed from their boxes, and each camera of the rig
//! renders RGB (sRGB u8), depth (camera-frame z, f32 metres) and semantic class ids (u8).
//!
//! Data flow: `scene_mesh::build_static_scene` (CPU, f64, once per map) -> `Renderer::new`
//! uploads it -> per frame `Renderer::render_views` places each camera
//! (`camera::ViewCamera`: global_from_ego * ego_from_camera, K scaled to the output size,
//! reversed Z), draws into `targets::RenderTargets` with `Renderer::draw`, and reads all
//! cameras back in one submission (`readback`). `images` writes PNG/NPY files and the contact
//! sheet. The viewer calls `Renderer::draw` with its own texture views. `assets` holds the
//! glTF actor models, `splat` the 3D Gaussian splat pipeline composited by depth, and
//! `splat_views::SplatViews` renders the rig in splat mode (splat background + mesh actors)
//! into the same `Views`.
//!
//! Devices come from outside (`device::create_context`, or `device::testing_context` in
//! tests); on machines without a GPU, Mesa's lavapipe provides Vulkan on the CPU.

pub mod actors;
pub mod assets;
pub mod camera;
pub mod culling;
pub mod device;
pub mod images;
pub mod mesh;
pub mod pipelines;
pub mod readback;
pub mod renderer;
pub mod scene_mesh;
pub mod semantic;
pub mod splat;
pub mod splat_views;
pub mod style;
pub mod targets;
pub mod view_mode;
pub mod view_service;

pub use actors::{ActorInstance, ActorMeshes};
pub use device::{AdapterPreference, GpuContext, create_context, testing_context};
pub use mesh::ActorMesh;
pub use renderer::Renderer;
pub use splat_views::{SplatViews, ViewRenderer};
pub use view_mode::{
    BackgroundOrigin, RenderMode, SplatSource, default_splat_cache_dir, splat_background,
};
pub use view_service::{
    FrameRequest, LocalViews, RenderClient, RenderService, ViewProvider, ViewRequest,
};

use glam::DVec2;

/// Depth value written where no surface is hit (sky).
pub const NO_DEPTH_M: f32 = 0.0;

/// Errors of the renderer.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(
        "no Vulkan adapter found: install a GPU driver, or Mesa's CPU rasteriser with \
         `apt-get install mesa-vulkan-drivers libvulkan1` (lavapipe)"
    )]
    NoAdapter,
    #[error(
        "no {wanted} adapter among the Vulkan adapters found: {found} (set MPA_SIM_ADAPTER=auto to take any)"
    )]
    NoMatchingAdapter { wanted: String, found: String },
    #[error("MPA_SIM_ADAPTER={value:?}: expected auto, gpu or cpu")]
    BadAdapterEnv { value: String },
    #[error("could not create the device: {0}")]
    Device(String),
    #[error("bad output size {width}x{height}: expected 1..={max} pixels per side")]
    BadSize { width: u32, height: u32, max: u32 },
    #[error("reading rendered images back failed: {0}")]
    Readback(String),
    #[error("recording field `{field}`: {message}")]
    Recording { field: String, message: String },
    #[error("splat background: {0}")]
    Splat(String),
    #[error("{path}: {message}")]
    Io {
        path: std::path::PathBuf,
        message: String,
    },
}

/// Renderer options.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderConfig {
    /// Seed of building and tree placement (mixed with the location).
    pub seed: u64,
    /// Build the static mesh only within (min, max) global xy; `None`: the whole map.
    pub region: Option<(DVec2, DVec2)>,
    /// Sun direction: azimuth counter-clockwise from global +x, and elevation, degrees.
    pub sun_azimuth_deg: f64,
    pub sun_elevation_deg: f64,
}

/// Default placement seed.
pub const DEFAULT_SEED: u64 = 2026;

impl Default for RenderConfig {
    fn default() -> Self {
        RenderConfig {
            seed: DEFAULT_SEED,
            region: None,
            sun_azimuth_deg: 225.0,
            sun_elevation_deg: 50.0,
        }
    }
}

/// Static geometry kept around a scene's logged route for rendering it, metres.
pub const SCENE_ROUTE_MARGIN_M: f64 = 300.0;

impl RenderConfig {
    /// The config for one scene: placement `seed`, static mesh within `margin_m` of the
    /// logged ego route.
    pub fn for_scene(scene: &crate::scene::Scene, seed: u64, margin_m: f64) -> Self {
        RenderConfig {
            seed,
            ..RenderConfig::default()
        }
        .around(scene.ego_track.iter().map(|p| p.pose.xy()), margin_m)
    }

    /// Restrict the static mesh to the bounds of a route plus a margin.
    pub fn around(mut self, points: impl IntoIterator<Item = DVec2>, margin_m: f64) -> Self {
        let (lo, hi) = points.into_iter().fold(
            (DVec2::splat(f64::INFINITY), DVec2::splat(f64::NEG_INFINITY)),
            |(lo, hi), p| (lo.min(p), hi.max(p)),
        );
        if lo.is_finite() && hi.is_finite() {
            self.region = Some((lo - DVec2::splat(margin_m), hi + DVec2::splat(margin_m)));
        }
        self
    }
}

/// One camera's rendered images (row-major, top row first).
#[derive(Debug, Clone, PartialEq)]
pub struct CameraView {
    pub channel: String,
    pub width: u32,
    pub height: u32,
    /// sRGB, 3 bytes per pixel.
    pub rgb: Vec<u8>,
    /// Camera-frame z (metres) of the visible surface; `NO_DEPTH_M` where the sky shows.
    pub depth_m: Vec<f32>,
    /// Semantic class ids (`semantic`).
    pub semantic: Vec<u8>,
}

/// All cameras of one frame, in rig order.
#[derive(Debug, Clone, PartialEq)]
pub struct Views {
    pub cameras: Vec<CameraView>,
}

impl Views {
    pub fn camera(&self, channel: &str) -> Option<&CameraView> {
        self.cameras.iter().find(|c| c.channel == channel)
    }
}
