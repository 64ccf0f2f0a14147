//! `ViewerApp`: the whole window as one egui UI function (`ViewerApp::ui`), so the same code
//! runs in the eframe window and in headless tests (egui_kittest).
//!
//! Layout of an episode: a toolbar on top (play/pause, step, speed, image kind, panel
//! switches); the timeline and the time plots at the bottom; the bird's-eye map and the metrics
//! on the right; the six cameras in the centre laid out like the rig (front-left, front,
//! front-right over back-left, back, back-right), with the free 3D camera below them when it is
//! switched on. Camera images are re-rendered only when the step, the free camera, the output
//! size or the render mode changes; switching RGB/depth/semantic only re-colours the last
//! images.
//!
//! Render mode (toolbar Mesh/Splat, key M, `--mode`): the six rig cameras render with the map
//! meshes or with the scene's baked splat background (`cameras::CameraRenderer`); the free 3D
//! camera always renders meshes. While the first switch to splat bakes (or reads the cache in
//! `splat_cache_dir`) the toolbar shows a status line and the cameras keep their mesh images;
//! a failure goes to the toolbar's warnings and the mode falls back to mesh.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui::{Color32, RichText, TextureHandle, TextureOptions, Vec2};

use super::cameras::{CameraRenderer, ModeStatus, color_image};
use super::document::{Document, EpisodeDoc, LiveOptions, OpenTarget, ViewerError};
use super::free_camera::{FreeCamMode, FreeCamera};
use super::map_view::{MapLayer, map_ui};
use super::pages::{error_ui, help_ui, results_ui};
use super::panels::{metrics_ui, plots_ui, timeline_ui};
use super::settings::Settings;
use super::state::{Action, ImageKind, ResultsTable, SHORTCUTS, action_for_key};
use super::stats::FrameStats;
use crate::render::images::SHEET_LAYOUT;
use crate::render::{CameraView, RenderMode, Views, default_splat_cache_dir};

/// Per-scene graphics: the map layer and the camera renderer (or why there is none).
struct SceneGfx {
    generation: u64,
    map: MapLayer,
    cameras: Result<CameraRenderer, ViewerError>,
}

/// What the free-camera image was rendered for: document generation, step, camera
/// (mode, azimuth mrad, elevation mrad, distance cm), size.
type FreeKey = (u64, usize, [i64; 4], (u32, u32));

/// Last rendered images and their textures.
#[derive(Default)]
struct Shown {
    /// (document generation, step index, render mode) of `views`.
    rig_key: Option<(u64, usize, RenderMode)>,
    views: Option<Views>,
    rig_kind: Option<ImageKind>,
    rig_textures: Vec<(String, TextureHandle)>,
    free_key: Option<FreeKey>,
    free_view: Option<CameraView>,
    free_kind: Option<ImageKind>,
    free_texture: Option<TextureHandle>,
}

pub struct ViewerApp {
    pub doc: Document,
    live: LiveOptions,
    /// Output size of each rig camera.
    camera_size: (u32, u32),
    /// The table an episode was opened from (for "Back to results").
    back_to_results: Option<ResultsTable>,
    generation: u64,
    gfx: Option<SceneGfx>,
    shown: Shown,
    pub settings: Settings,
    pub free_cam: FreeCamera,
    pub show_help: bool,
    /// Warnings shown in the toolbar (e.g. an unreadable settings file).
    pub warnings: Vec<String>,
    pub stats: FrameStats,
    /// Render camera images (tests of pure UI logic may switch it off).
    pub render_cameras: bool,
    /// The render mode asked for (the rig cameras follow once it is ready).
    pub render_mode: RenderMode,
    /// Cache of baked splat backgrounds (default: `render::default_splat_cache_dir`).
    pub splat_cache_dir: PathBuf,
    /// Status of a switch to splat mode in progress.
    mode_status: Option<String>,
}

impl ViewerApp {
    pub fn new(
        target: &OpenTarget,
        live: LiveOptions,
        camera_size: (u32, u32),
        settings: Settings,
    ) -> ViewerApp {
        let free_cam = FreeCamera {
            mode: settings.free_cam_mode,
            ..FreeCamera::default()
        };
        ViewerApp {
            doc: Document::open(target, &live),
            live,
            camera_size,
            back_to_results: None,
            generation: 0,
            gfx: None,
            shown: Shown::default(),
            settings,
            free_cam,
            show_help: false,
            warnings: Vec::new(),
            stats: FrameStats::default(),
            render_cameras: true,
            render_mode: RenderMode::Mesh,
            splat_cache_dir: default_splat_cache_dir(),
            mode_status: None,
        }
    }

    /// Replace the open document (clears scene graphics and images).
    pub fn open(&mut self, target: &OpenTarget) {
        self.doc = Document::open(target, &self.live);
        self.generation += 1;
        self.shown = Shown::default();
    }

    pub fn episode(&self) -> Option<&EpisodeDoc> {
        match &self.doc {
            Document::Episode(e) => Some(e),
            _ => None,
        }
    }

    pub fn episode_mut(&mut self) -> Option<&mut EpisodeDoc> {
        match &mut self.doc {
            Document::Episode(e) => Some(e),
            _ => None,
        }
    }

    /// The image kind the camera textures currently show (`None` before the first render).
    pub fn shown_image_kind(&self) -> Option<ImageKind> {
        self.shown.rig_kind
    }

    /// The render mode of the camera images shown (`None` before the first render).
    pub fn shown_render_mode(&self) -> Option<RenderMode> {
        self.shown.rig_key.map(|(_, _, m)| m)
    }

    /// The rig camera images shown (`None` before the first render).
    pub fn shown_views(&self) -> Option<&Views> {
        self.shown.views.as_ref()
    }

    /// The status line of a switch to splat mode in progress.
    pub fn mode_status(&self) -> Option<&str> {
        self.mode_status.as_deref()
    }

    /// Number of camera textures (six once the rig has rendered).
    pub fn shown_camera_count(&self) -> usize {
        self.shown.rig_textures.len()
    }

    /// Apply a shortcut's action.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Show(kind) => self.settings.image_kind = kind,
            Action::ToggleHelp => self.show_help = !self.show_help,
            Action::ToggleRenderMode => self.render_mode = self.render_mode.toggled(),
            _ => {
                let Some(doc) = self.episode_mut() else {
                    return;
                };
                match action {
                    Action::TogglePlay => {
                        if doc.timeline.at_end() && doc.ending.is_some() {
                            doc.timeline.seek(0);
                        }
                        doc.timeline.toggle_play();
                    }
                    Action::StepForward => {
                        doc.timeline.playing = false;
                        doc.forward(1);
                    }
                    Action::StepBack => {
                        doc.timeline.playing = false;
                        doc.timeline.back(1);
                    }
                    Action::Faster => doc.timeline.faster(),
                    Action::Slower => doc.timeline.slower(),
                    Action::Show(_) | Action::ToggleHelp | Action::ToggleRenderMode => {}
                }
            }
        }
    }

    /// The whole window.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let t0 = Instant::now();
        // Consumed before any widget runs, so Space does not also press a focused button.
        let pressed: Vec<Action> = ui.input_mut(|i| {
            SHORTCUTS
                .iter()
                .flat_map(|(k, _, _)| {
                    let n = i.count_and_consume_key(egui::Modifiers::NONE, *k);
                    std::iter::repeat_n(action_for_key(*k), n).flatten()
                })
                .collect()
        });
        for a in pressed {
            self.apply(a);
        }
        let dt = f64::from(ui.input(|i| i.stable_dt));
        if let Some(doc) = self.episode_mut() {
            doc.tick(dt);
            if doc.timeline.playing {
                ui.ctx().request_repaint();
            }
        }

        egui::Panel::top("toolbar").show(ui, |ui| self.toolbar_ui(ui));
        match &mut self.doc {
            Document::Error(err) => {
                let err = err.clone();
                egui::CentralPanel::default().show(ui, |ui| error_ui(ui, &err));
            }
            Document::Results(table) => {
                let mut open = None;
                egui::CentralPanel::default().show(ui, |ui| open = results_ui(ui, table));
                if let Some(row) = open {
                    let path = table.episode_path(&row);
                    let table = table.clone();
                    self.open(&OpenTarget::Episode(path));
                    self.back_to_results = Some(table);
                }
            }
            Document::Episode(_) => self.episode_ui(ui),
        }
        if self.show_help {
            help_ui(ui.ctx(), &mut self.show_help);
        }
        self.stats.ui_ms.push(t0.elapsed().as_secs_f64() * 1e3);
    }

    fn toolbar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            if let Some(table) = &self.back_to_results
                && ui.button("Back to results").clicked()
            {
                self.doc = Document::Results(table.clone());
                self.back_to_results = None;
                self.generation += 1;
                self.shown = Shown::default();
                return;
            }
            let title = match &self.doc {
                Document::Episode(doc) => doc.title(),
                Document::Results(t) => format!("results {}", t.dir.display()),
                Document::Error(e) => format!("error: {}", e.file),
            };
            ui.strong(title);
            ui.separator();
            let mut action = None;
            if let Some(doc) = self.episode() {
                if ui.button("Step back").clicked() {
                    action = Some(Action::StepBack);
                }
                let play = if doc.timeline.playing {
                    "Pause"
                } else {
                    "Play"
                };
                if ui.button(play).clicked() {
                    action = Some(Action::TogglePlay);
                }
                if ui.button("Step forward").clicked() {
                    action = Some(Action::StepForward);
                }
                if ui.button("-").clicked() {
                    action = Some(Action::Slower);
                }
                ui.monospace(format!("{}x", doc.timeline.speed()));
                if ui.button("+").clicked() {
                    action = Some(Action::Faster);
                }
                ui.separator();
                for kind in ImageKind::ALL {
                    ui.selectable_value(&mut self.settings.image_kind, kind, kind.label());
                }
                ui.separator();
                for mode in RenderMode::ALL {
                    let label = match mode {
                        RenderMode::Mesh => "Mesh",
                        RenderMode::Splat => "Splat",
                    };
                    ui.selectable_value(&mut self.render_mode, mode, label)
                        .on_hover_text("Background of the six cameras (M)");
                }
                if let Some(status) = &self.mode_status {
                    ui.spinner();
                    ui.label(status);
                }
                ui.separator();
                ui.checkbox(&mut self.settings.show_cameras, "Cameras");
                ui.checkbox(&mut self.settings.show_map, "Map");
                ui.checkbox(&mut self.settings.show_metrics, "Metrics");
                ui.checkbox(&mut self.settings.show_free_camera, "3D view");
                ui.separator();
            }
            if ui.button("Help (H)").clicked() {
                action = Some(Action::ToggleHelp);
            }
            if let Some(a) = action {
                self.apply(a);
            }
            for w in &self.warnings {
                ui.colored_label(Color32::from_rgb(240, 180, 60), w);
            }
        });
    }

    fn ensure_gfx(&mut self) {
        let Document::Episode(doc) = &self.doc else {
            return;
        };
        if self
            .gfx
            .as_ref()
            .is_some_and(|g| g.generation == self.generation)
        {
            return;
        }
        let cameras = if self.render_cameras {
            CameraRenderer::new(&doc.scene, self.camera_size)
        } else {
            Err(ViewerError::new("cameras", "camera rendering is off"))
        };
        self.gfx = Some(SceneGfx {
            generation: self.generation,
            map: MapLayer::new(&doc.scene, &doc.route),
            cameras,
        });
    }

    fn episode_ui(&mut self, ui: &mut egui::Ui) {
        self.ensure_gfx();
        let Document::Episode(doc) = &mut self.doc else {
            return;
        };
        let settings = &mut self.settings;
        let bottom = egui::Panel::bottom("timeline")
            .resizable(true)
            .default_size(settings.bottom_panel_height)
            .show(ui, |ui| {
                timeline_ui(ui, doc);
                if let Some(e) = &doc.live_error {
                    ui.colored_label(Color32::from_rgb(240, 90, 90), e.to_string());
                }
                plots_ui(ui, doc);
            });
        settings.bottom_panel_height = bottom.response.rect.height();
        if settings.show_map || settings.show_metrics {
            let side = egui::Panel::right("side")
                .resizable(true)
                .default_size(settings.side_panel_width)
                .show(ui, |ui| {
                    if settings.show_metrics {
                        metrics_ui(ui, doc);
                        ui.separator();
                    }
                    if settings.show_map
                        && let Some(g) = &self.gfx
                    {
                        map_ui(
                            ui,
                            &g.map,
                            &doc.route,
                            &doc.steps,
                            doc.timeline.index(),
                            &mut settings.map_zoom_px_per_m,
                        );
                    }
                });
            settings.side_panel_width = side.response.rect.width();
        }
        egui::CentralPanel::default().show(ui, |ui| self.cameras_ui(ui));
    }

    fn cameras_ui(&mut self, ui: &mut egui::Ui) {
        let Document::Episode(doc) = &self.doc else {
            return;
        };
        let index = doc.timeline.index();
        let Some(step) = doc.current().cloned() else {
            ui.label("No steps yet.");
            return;
        };
        let kind = self.settings.image_kind;
        let Some(gfx) = self.gfx.as_mut() else {
            return;
        };
        let cams = match &mut gfx.cameras {
            Ok(c) => c,
            Err(e) => {
                ui.label(format!("No camera images: {e}"));
                return;
            }
        };
        let ctx = ui.ctx().clone();
        match cams.set_render_mode(self.render_mode, &self.splat_cache_dir) {
            Ok(ModeStatus::Ready) => self.mode_status = None,
            Ok(ModeStatus::Preparing(status)) => {
                self.mode_status = Some(status);
                ctx.request_repaint_after(Duration::from_millis(100));
            }
            Err(e) => {
                self.warnings.push(format!("splat mode: {e}"));
                self.render_mode = RenderMode::Mesh;
                self.mode_status = None;
            }
        }
        let mode = cams.render_mode();
        let s = &mut self.shown;
        if self.settings.show_cameras {
            if s.rig_key != Some((self.generation, index, mode)) {
                match cams.render_rig(&step) {
                    Ok(v) => {
                        match mode {
                            RenderMode::Mesh => self.stats.rig_ms.push(cams.last_rig_ms),
                            RenderMode::Splat => self.stats.splat_rig_ms.push(cams.last_rig_ms),
                        }
                        s.views = Some(v);
                        s.rig_kind = None;
                    }
                    Err(e) => {
                        ui.label(format!("Rendering failed: {e}"));
                    }
                }
                s.rig_key = Some((self.generation, index, mode));
            }
            if s.rig_kind != Some(kind)
                && let Some(views) = &s.views
            {
                s.rig_textures = views
                    .cameras
                    .iter()
                    .map(|v| {
                        let name = format!("cam-{}", v.channel);
                        let tex =
                            ctx.load_texture(name, color_image(v, kind), TextureOptions::LINEAR);
                        (v.channel.clone(), tex)
                    })
                    .collect();
                s.rig_kind = Some(kind);
            }
        }
        let free_rows: f32 = if self.settings.show_free_camera {
            1.0
        } else {
            0.0
        };
        let cam_rows: f32 = if self.settings.show_cameras { 2.0 } else { 0.0 };
        let avail = ui.available_size();
        let aspect = self.camera_size.1 as f32 / self.camera_size.0 as f32;
        if self.settings.show_cameras {
            let tile_w = (avail.x / 3.0 - 6.0).max(32.0);
            let tile_h_max = avail.y / (cam_rows + 2.0 * free_rows).max(1.0) - 6.0;
            let tile = Vec2::new(tile_w, tile_w * aspect);
            let tile = if tile.y > tile_h_max && tile_h_max > 16.0 {
                Vec2::new(tile_h_max / aspect, tile_h_max)
            } else {
                tile
            };
            for row in SHEET_LAYOUT {
                ui.horizontal(|ui| {
                    for channel in row {
                        match s.rig_textures.iter().find(|(c, _)| c == channel) {
                            Some((_, tex)) => {
                                let r = ui.add(
                                    egui::Image::from_texture((tex.id(), tile))
                                        .fit_to_exact_size(tile),
                                );
                                ui.painter().text(
                                    r.rect.left_top() + Vec2::new(4.0, 3.0),
                                    egui::Align2::LEFT_TOP,
                                    channel,
                                    egui::FontId::proportional(11.0),
                                    Color32::WHITE,
                                );
                            }
                            None => {
                                ui.allocate_exact_size(tile, egui::Sense::hover());
                            }
                        }
                    }
                });
            }
        }
        if self.settings.show_free_camera {
            ui.horizontal(|ui| {
                ui.label("3D view:");
                for mode in FreeCamMode::ALL {
                    if ui
                        .selectable_label(self.free_cam.mode == mode, mode.label())
                        .clicked()
                    {
                        self.free_cam.mode = mode;
                        self.settings.free_cam_mode = mode;
                    }
                }
                ui.label("(drag to orbit, scroll to zoom)");
            });
            // Rendered at the size it is shown (in pixels, width a multiple of 32 so that
            // small layout changes do not re-render), so its cost follows the panel.
            let avail = ui.available_size();
            let shown_w = avail.x.min((avail.y - 4.0) / aspect).max(64.0);
            let shown = Vec2::new(shown_w, shown_w * aspect);
            let px_w = ((shown_w * ui.ctx().pixels_per_point() / 32.0).ceil() as u32 * 32).max(64);
            let free_size = (px_w, ((px_w as f32 * aspect).round() as u32).max(16));
            let cam = self.free_cam;
            let key = (
                self.generation,
                index,
                [
                    cam.mode as i64,
                    (cam.azimuth_rad * 1e3) as i64,
                    (cam.elevation_rad * 1e3) as i64,
                    (cam.distance_m * 1e2) as i64,
                ],
                free_size,
            );
            if s.free_key != Some(key) {
                match cams.render_free(&step, &cam, free_size) {
                    Ok(v) => {
                        s.free_view = Some(v);
                        s.free_kind = None;
                    }
                    Err(e) => {
                        ui.label(format!("Rendering failed: {e}"));
                    }
                }
                s.free_key = Some(key);
            }
            if s.free_kind != Some(kind)
                && let Some(v) = &s.free_view
            {
                s.free_texture = Some(ctx.load_texture(
                    "cam-free",
                    color_image(v, kind),
                    TextureOptions::LINEAR,
                ));
                s.free_kind = Some(kind);
            }
            if let Some(tex) = &s.free_texture {
                let r = ui.add(
                    egui::Image::from_texture((tex.id(), shown))
                        .fit_to_exact_size(shown)
                        .sense(egui::Sense::click_and_drag()),
                );
                if r.dragged() {
                    let d = r.drag_delta();
                    self.free_cam.drag(d.x, d.y);
                    self.settings.free_cam_mode = FreeCamMode::Orbit;
                }
                if r.hovered() {
                    let scroll = ui.input(|i| i.smooth_scroll_delta.y);
                    if scroll != 0.0 {
                        self.free_cam.zoom(scroll);
                    }
                }
            }
        }
        if !self.settings.show_cameras && !self.settings.show_free_camera {
            ui.label(RichText::new("Cameras are off (toolbar).").weak());
        }
    }
}
