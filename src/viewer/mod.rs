//! The interactive viewer (`mpa-sim view`, feature `viewer`): the second front end of the
//! episode loop. Live mode drives `rollout::episode::EpisodeLoop` and shows each
//! `EpisodeEvent::Step` as it comes; playback reads an `EpisodeRecording`; a results directory
//! shows its `results.jsonl` as a sortable table whose rows open their recordings.
//!
//! Layers: `state` (timeline, markers, results sorting, shortcuts) and `settings` (persisted
//! layout) are plain structs tested without a window; `document` opens what the user asked
//! for and turns every failure into a `ViewerError` shown in the window; `cameras` renders the
//! six rig cameras (mesh or splat mode, `render::ViewRenderer`) and the free camera
//! (`free_camera`, meshes) offscreen and hands back pixels; `app::ViewerApp::ui` draws everything into one `egui::Ui` (so headless
//! tests drive the same code as the window); this file runs it in an eframe window (wgpu
//! painter, X11) and handles `--screenshot`, `--quit-after-frames` and `--print-frame-times`.

pub mod app;
pub mod cameras;
pub mod document;
pub mod free_camera;
pub mod map_view;
pub mod pages;
pub mod panels;
pub mod settings;
pub mod state;
pub mod stats;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use app::ViewerApp;
pub use document::{Document, LiveOptions, OpenTarget, ViewerError};
pub use settings::Settings;
pub use stats::FrameStats;

/// How to run the window.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowOptions {
    pub target: OpenTarget,
    pub live: LiveOptions,
    /// Output size of each rig camera, pixels.
    pub camera_size: (u32, u32),
    /// Write a PNG of the window after `quit_after_frames` frames (default 30), then quit.
    pub screenshot: Option<PathBuf>,
    /// Close the window after this many frames.
    pub quit_after_frames: Option<u64>,
    /// Print frame-time statistics on exit.
    pub print_frame_times: bool,
    /// Start playing at once.
    pub play: bool,
    /// Playback speed (nearest of `state::SPEEDS`); default 1x.
    pub speed: Option<f64>,
    /// Start at this step (live mode runs the episode up to it first).
    pub start_step: Option<usize>,
    /// Window size override (points); default: the persisted size.
    pub window_size: Option<[f32; 2]>,
    /// Do not read or write the persisted settings.
    pub no_persist: bool,
    /// Background of the six rig cameras at start (M or the toolbar switch it).
    pub render_mode: crate::render::RenderMode,
}

/// Frames to wait before the screenshot when only `--screenshot` is given.
pub const DEFAULT_SCREENSHOT_FRAMES: u64 = 30;

/// What a window run produced.
#[derive(Debug, Default, Clone)]
pub struct RunReport {
    pub stats: FrameStats,
    /// Set when `--screenshot` was asked for: where it went, or why it failed.
    pub screenshot: Option<Result<PathBuf, String>>,
    pub frames: u64,
}

/// Save an egui screenshot as an RGBA PNG.
pub fn save_png(image: &egui::ColorImage, path: &Path) -> Result<(), String> {
    let bytes: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    image::save_buffer(
        path,
        &bytes,
        image.size[0] as u32,
        image.size[1] as u32,
        image::ExtendedColorType::Rgba8,
    )
    .map_err(|e| format!("{}: {e}", path.display()))
}

type Shot = Arc<Mutex<Option<Arc<egui::ColorImage>>>>;

struct WindowApp {
    app: ViewerApp,
    options: WindowOptions,
    settings_path: Option<PathBuf>,
    frames: u64,
    shot: Shot,
    shot_requested: bool,
    report: Arc<Mutex<RunReport>>,
    last_frame: Option<std::time::Instant>,
}

impl WindowApp {
    fn finish(&mut self, ctx: &egui::Context) {
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }
}

impl eframe::App for WindowApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let now = std::time::Instant::now();
        if let Some(last) = self.last_frame.replace(now) {
            self.app
                .stats
                .interval_ms
                .push(now.duration_since(last).as_secs_f64() * 1e3);
        }
        self.app.ui(ui);
        self.frames += 1;
        let ctx = ui.ctx().clone();
        if let Some(r) = ctx.input(|i| i.viewport().inner_rect) {
            self.app.settings.window_size = [r.width(), r.height()];
        }
        let quit_at = self.options.quit_after_frames.or(self
            .options
            .screenshot
            .as_ref()
            .map(|_| DEFAULT_SCREENSHOT_FRAMES));
        let Some(quit_at) = quit_at else {
            return;
        };
        // Keep frames coming until the run is over.
        ctx.request_repaint();
        if let Some(path) = self.options.screenshot.clone() {
            if self.frames >= quit_at && !self.shot_requested {
                let slot = self.shot.clone();
                let repaint = ctx.clone();
                ctx.request_screenshot(move |image| {
                    if let Ok(mut s) = slot.lock() {
                        *s = Some(image);
                    }
                    repaint.request_repaint();
                });
                self.shot_requested = true;
            }
            let taken = self.shot.lock().ok().and_then(|mut s| s.take());
            if let Some(image) = taken {
                let result = save_png(&image, &path).map(|()| path.clone());
                if let Ok(mut r) = self.report.lock() {
                    r.screenshot = Some(result);
                }
                self.finish(&ctx);
            } else if self.frames > quit_at + 120 {
                if let Ok(mut r) = self.report.lock() {
                    r.screenshot = Some(Err("no screenshot after 120 more frames".into()));
                }
                self.finish(&ctx);
            }
        } else if self.frames >= quit_at {
            self.finish(&ctx);
        }
    }

    fn on_exit(&mut self) {
        if let Some(path) = &self.settings_path
            && let Err(e) = self.app.settings.save(path)
        {
            eprintln!("warning: could not save viewer settings: {e}");
        }
        if let Ok(mut r) = self.report.lock() {
            r.stats = self.app.stats.clone();
            r.frames = self.frames;
        }
    }
}

/// Open the viewer window and run it until it is closed.
pub fn run_window(options: WindowOptions) -> Result<RunReport, ViewerError> {
    let settings_path = if options.no_persist {
        None
    } else {
        settings::settings_path()
    };
    let (settings, warning) = match &settings_path {
        Some(p) => Settings::load(p),
        None => (Settings::default(), None),
    };
    let size = options.window_size.unwrap_or(settings.window_size);
    let mut app = ViewerApp::new(
        &options.target,
        options.live.clone(),
        options.camera_size,
        settings,
    );
    app.warnings.extend(warning);
    app.render_mode = options.render_mode;
    if let Some(doc) = app.episode_mut() {
        doc.timeline.playing = options.play;
        if let Some(speed) = options.speed {
            doc.timeline.set_speed(speed);
        }
        if let Some(step) = options.start_step {
            doc.forward(step);
        }
    }
    let report = Arc::new(Mutex::new(RunReport::default()));
    let mut native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(format!("mpa-sim view: {}", options.target.describe()))
            .with_inner_size(size),
        ..Default::default()
    };
    if options.print_frame_times {
        // Measure the work of a frame, not the wait for the display's refresh.
        native.wgpu_options.surface.present_mode = wgpu::PresentMode::AutoNoVsync;
    }
    let window = WindowApp {
        app,
        options,
        settings_path,
        frames: 0,
        shot: Arc::new(Mutex::new(None)),
        shot_requested: false,
        report: report.clone(),
        last_frame: None,
    };
    eframe::run_native(
        "mpa-sim view",
        native,
        Box::new(move |_cc| Ok(Box::new(window))),
    )
    .map_err(|e| {
        ViewerError::new(
            "window",
            format!(
                "could not open a window: {e} (the viewer needs an X11 display: set DISPLAY, \
                 or run it under `xvfb-run`)"
            ),
        )
    })?;
    let out = report.lock().map(|r| r.clone()).unwrap_or_default();
    Ok(out)
}
