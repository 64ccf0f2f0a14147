//! Camera views for agents in the loop: what an agent asks for (`ViewRequest`), the trait the
//! episode loop renders through (`ViewProvider`), and two providers.
//!
//! - `LocalViews` owns a device and renders on the calling thread; it keeps the renderer of
//!   the last scene and rebuilds it only when the episode moves to another scene. Its render
//!   mode (`with_render_mode`) is mesh by default; in splat mode each scene's renderer is
//!   built by `ViewRenderer::for_scene`, its background baked once and cached as a PLY
//!   (`render::default_splat_cache_dir` unless given).
//! - `RenderService` runs one `LocalViews` on its own thread and hands out `RenderClient`s
//!   (cheap to clone, one per worker). A worker sends a `FrameRequest` (the scene, the ego pose
//!   and the actor instances: plain data, not the World) over a crossbeam channel and waits for
//!   the reply. While the render thread draws one worker's frame, the other workers run their
//!   agents, so rendering and inference overlap across episodes. Renders are serialised on the
//!   one device: lavapipe already spreads each draw over every core.
//!
//! Views travel as `Arc<Views>`: the episode loop, the agent and a viewer share one copy.
//! Rendering is a pure function of (scene, ego pose, actors, request), so which thread or which
//! order renders a frame does not change the pixels: episodes stay bit-identical.

use std::path::PathBuf;
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use super::actors::ActorInstance;
use super::{
    ActorMeshes, AdapterPreference, DEFAULT_SEED, GpuContext, RenderError, RenderMode, SplatSource,
    ViewRenderer, Views, assets, create_context, default_splat_cache_dir,
};
use crate::scene::{CameraRig, Pose, Scene};

/// The camera images an agent wants at every decision tick.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ViewRequest {
    pub width_px: u32,
    pub height_px: u32,
    /// Camera channels (`CAM_FRONT`, ...) in the order the agent wants them; empty: all six
    /// in rig order.
    pub channels: Vec<String>,
}

impl ViewRequest {
    /// The rig restricted to the requested channels, in request order.
    pub fn select_rig(&self, rig: &CameraRig) -> Result<CameraRig, RenderError> {
        if self.channels.is_empty() {
            return Ok(rig.clone());
        }
        let mut cameras = Vec::with_capacity(self.channels.len());
        for ch in &self.channels {
            let cam = rig
                .cameras
                .iter()
                .find(|c| &c.channel == ch)
                .ok_or_else(|| {
                    RenderError::Readback(format!(
                        "requested camera `{ch}` is not in the rig (has: {})",
                        rig.cameras
                            .iter()
                            .map(|c| c.channel.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
            cameras.push(cam.clone());
        }
        Ok(CameraRig {
            cameras,
            ..rig.clone()
        })
    }
}

impl ViewRequest {
    /// One request serving both `self` and `other` (same image size): the union of their
    /// cameras, all six (an empty list) when either wants all. Each consumer then takes its
    /// own cameras out with `Views::select`, so an agent on three cameras and a model on six
    /// share one render.
    pub fn union(&self, other: &ViewRequest) -> Result<ViewRequest, RenderError> {
        if (self.width_px, self.height_px) != (other.width_px, other.height_px) {
            return Err(RenderError::Readback(format!(
                "view requests of different sizes cannot share a render: {}x{} and {}x{}",
                self.width_px, self.height_px, other.width_px, other.height_px
            )));
        }
        let channels = if self.channels.is_empty() || other.channels.is_empty() {
            Vec::new()
        } else {
            let mut c = self.channels.clone();
            for ch in &other.channels {
                if !c.contains(ch) {
                    c.push(ch.clone());
                }
            }
            c
        };
        Ok(ViewRequest {
            channels,
            ..self.clone()
        })
    }
}

impl Views {
    /// The cameras `request` asks for, in its order (all of them for an empty list); an error
    /// names a camera these views lack or a size they were not rendered at.
    pub fn select(&self, request: &ViewRequest) -> Result<Views, RenderError> {
        if let Some(c) = self
            .cameras
            .iter()
            .find(|c| (c.width, c.height) != (request.width_px, request.height_px))
        {
            return Err(RenderError::Readback(format!(
                "views of {}x{} cannot serve a {}x{} request",
                c.width, c.height, request.width_px, request.height_px
            )));
        }
        if request.channels.is_empty() {
            return Ok(self.clone());
        }
        let cameras = request
            .channels
            .iter()
            .map(|ch| {
                self.camera(ch)
                    .cloned()
                    .ok_or_else(|| RenderError::Readback(format!("camera `{ch}` was not rendered")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Views { cameras })
    }
}

/// Renders the ego's cameras for frame descriptions.
pub trait ViewProvider: Send {
    fn views(&mut self, frame: &FrameRequest) -> Result<Arc<Views>, RenderError>;

    /// Several frames at once; providers that can render them in one submission do
    /// (`LocalViews`), the others render one after another.
    fn views_batch(&mut self, frames: &[FrameRequest]) -> Result<Vec<Arc<Views>>, RenderError> {
        frames.iter().map(|f| self.views(f)).collect()
    }
}

/// Everything needed to render one frame, detached from the World.
#[derive(Debug, Clone)]
pub struct FrameRequest {
    pub scene: Arc<Scene>,
    pub ego_pose: Pose,
    pub actors: Vec<ActorInstance>,
    pub request: ViewRequest,
}

/// Renderers kept per scene by `LocalViews` (most recently used first out of the cache last):
/// workers of a batch run on different scenes share one render thread, and rebuilding a scene's
/// static mesh on every switch made `--jobs 2` slower than `--jobs 1` (issue 13).
pub const RENDERER_CACHE_SCENES: usize = 4;

/// A renderer on the calling thread per scene (the last `RENDERER_CACHE_SCENES` scenes kept).
pub struct LocalViews {
    ctx: GpuContext,
    models: ActorMeshes,
    seed: u64,
    mode: RenderMode,
    splat_cache_dir: PathBuf,
    /// Least recently used first.
    renderers: Vec<(String, ViewRenderer)>,
}

impl LocalViews {
    /// Device per `pref` (`MPA_SIM_ADAPTER` overrides), shipped actor models, default placement
    /// seed.
    pub fn new(pref: AdapterPreference) -> Result<LocalViews, RenderError> {
        let ctx = create_context(pref)?;
        let models = assets::ActorModels::load(&assets::shipped_assets_dir())
            .map_err(|e| RenderError::Readback(format!("actor models: {e}")))?;
        Ok(LocalViews::with_context(
            ctx,
            ActorMeshes::from_assets(&models),
        ))
    }

    pub fn with_context(ctx: GpuContext, models: ActorMeshes) -> LocalViews {
        LocalViews {
            ctx,
            models,
            seed: DEFAULT_SEED,
            mode: RenderMode::Mesh,
            splat_cache_dir: default_splat_cache_dir(),
            renderers: Vec::new(),
        }
    }

    /// Render in `mode`; splat mode caches its baked backgrounds in `splat_cache_dir`
    /// (default: `render::default_splat_cache_dir`).
    pub fn with_render_mode(
        mut self,
        mode: RenderMode,
        splat_cache_dir: Option<PathBuf>,
    ) -> LocalViews {
        self.mode = mode;
        if let Some(dir) = splat_cache_dir {
            self.splat_cache_dir = dir;
        }
        self.renderers.clear();
        self
    }

    pub fn render_mode(&self) -> RenderMode {
        self.mode
    }

    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    /// The renderer of `scene`, building it (static mesh, splat background in splat mode) the
    /// first time the scene is seen, or again after `RENDERER_CACHE_SCENES` other scenes.
    pub fn renderer_for(&mut self, scene: &Scene) -> Result<&mut ViewRenderer, RenderError> {
        let key = format!("{}/{}", scene.token, scene.name);
        match self.renderers.iter().position(|(k, _)| *k == key) {
            Some(i) => {
                let entry = self.renderers.remove(i);
                self.renderers.push(entry);
            }
            None => {
                let source = SplatSource {
                    ply: None,
                    cache_dir: &self.splat_cache_dir,
                    seed: self.seed,
                };
                let (r, _) =
                    ViewRenderer::for_scene(&self.ctx, scene, self.mode, &self.models, &source)?;
                if self.renderers.len() >= RENDERER_CACHE_SCENES {
                    self.renderers.remove(0);
                }
                self.renderers.push((key, r));
            }
        }
        match self.renderers.last_mut() {
            Some((_, r)) => Ok(r),
            None => Err(RenderError::Readback("renderer was not built".into())),
        }
    }

    /// Render several frames; when they share a scene and a request (forks of one World), in
    /// one submission (`Renderer::render_views_batch`; splat mode renders them in turn).
    pub fn render_frames(&mut self, frames: &[FrameRequest]) -> Result<Vec<Views>, RenderError> {
        let Some(first) = frames.first() else {
            return Ok(Vec::new());
        };
        let shared = frames
            .iter()
            .all(|f| Arc::ptr_eq(&f.scene, &first.scene) || f.scene.token == first.scene.token)
            && frames.iter().all(|f| f.request == first.request);
        if !shared {
            // One frame at a time (each a shared batch of one).
            return frames.iter().map(|f| self.render_frame(f)).collect();
        }
        let rig = first.request.select_rig(&first.scene.rig)?;
        let size = (first.request.width_px, first.request.height_px);
        let inputs: Vec<(&Pose, &[ActorInstance])> = frames
            .iter()
            .map(|f| (&f.ego_pose, f.actors.as_slice()))
            .collect();
        let renderer = self.renderer_for(&first.scene)?;
        renderer.render_views_batch(&inputs, &rig, size)
    }

    pub fn render_frame(&mut self, frame: &FrameRequest) -> Result<Views, RenderError> {
        self.render_frames(std::slice::from_ref(frame))?
            .pop()
            .ok_or_else(|| RenderError::Readback("a batch of one gave no views".into()))
    }
}

impl ViewProvider for LocalViews {
    fn views(&mut self, frame: &FrameRequest) -> Result<Arc<Views>, RenderError> {
        self.render_frame(frame).map(Arc::new)
    }

    fn views_batch(&mut self, frames: &[FrameRequest]) -> Result<Vec<Arc<Views>>, RenderError> {
        Ok(self
            .render_frames(frames)?
            .into_iter()
            .map(Arc::new)
            .collect())
    }
}

type Reply = Sender<Result<Arc<Views>, RenderError>>;

/// A render thread serving many workers.
pub struct RenderService {
    tx: Option<Sender<(FrameRequest, Reply)>>,
    thread: Option<std::thread::JoinHandle<()>>,
    description: String,
    /// Cloned into every client: its strong count tells whether clients are still alive.
    clients: Arc<()>,
}

impl RenderService {
    /// Create the device on the render thread's behalf (errors surface here, not later) and
    /// start the thread.
    pub fn start(pref: AdapterPreference) -> Result<RenderService, RenderError> {
        RenderService::start_with_mode(pref, RenderMode::Mesh, None)
    }

    /// `start` rendering in `mode` (see `LocalViews::with_render_mode`).
    pub fn start_with_mode(
        pref: AdapterPreference,
        mode: RenderMode,
        splat_cache_dir: Option<PathBuf>,
    ) -> Result<RenderService, RenderError> {
        let local = LocalViews::new(pref)?.with_render_mode(mode, splat_cache_dir);
        let description = local.context().describe();
        let (tx, rx) = crossbeam_channel::unbounded::<(FrameRequest, Reply)>();
        let thread = std::thread::Builder::new()
            .name("mpa-sim-render".into())
            .spawn(move || serve(local, rx))
            .map_err(|e| RenderError::Readback(format!("starting the render thread: {e}")))?;
        Ok(RenderService {
            tx: Some(tx),
            thread: Some(thread),
            description,
            clients: Arc::new(()),
        })
    }

    /// The adapter the service renders on, for logs.
    pub fn describe(&self) -> &str {
        &self.description
    }

    pub fn client(&self) -> RenderClient {
        RenderClient {
            tx: self.tx.clone(),
            _alive: self.clients.clone(),
        }
    }
}

fn serve(mut local: LocalViews, rx: Receiver<(FrameRequest, Reply)>) {
    for (frame, reply) in rx {
        let result = local.render_frame(&frame).map(Arc::new);
        // The worker may have given up (its episode failed); nothing to do then.
        let _ = reply.send(result);
    }
}

impl Drop for RenderService {
    fn drop(&mut self) {
        // Closing the request channel ends the thread once every client is gone too.
        self.tx = None;
        if let Some(t) = self.thread.take() {
            // With no client left the thread is about to finish: wait for it, so the GPU
            // device and the Vulkan driver are torn down before this returns. Detaching it
            // here let a process exit race the render thread's teardown (the driver library
            // unloaded under the exiting main thread: a segfault at exit after a successful
            // `rollout --agent base`, seen once in CI). Clients still alive keep the thread
            // running; then do not block on them.
            if Arc::strong_count(&self.clients) == 1 || t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

/// A worker's handle on a `RenderService`.
#[derive(Clone)]
pub struct RenderClient {
    tx: Option<Sender<(FrameRequest, Reply)>>,
    _alive: Arc<()>,
}

impl RenderClient {
    pub fn render_frame(&self, frame: FrameRequest) -> Result<Arc<Views>, RenderError> {
        let gone = || RenderError::Readback("the render thread has stopped".into());
        let tx = self.tx.as_ref().ok_or_else(gone)?;
        let (reply_tx, reply_rx) = crossbeam_channel::bounded(1);
        tx.send((frame, reply_tx)).map_err(|_| gone())?;
        reply_rx.recv().map_err(|_| gone())?
    }
}

impl ViewProvider for RenderClient {
    fn views(&mut self, frame: &FrameRequest) -> Result<Arc<Views>, RenderError> {
        self.render_frame(frame.clone())
    }
}
