//! Where the server's camera images come from: a `ViewSource` renders the six cameras of the
//! ego at the World's current state into RGB, depth and semantic buffers.
//!
//! The real source is `RenderedViews`, the wgpu mesh renderer (`render`), built by
//! `view_source`, the one constructor the server calls; `--no-render` gives `BlankViews`.
//!
//! `BlankViews` is a stand-in for tests and for protocol checks only: every image is uniform
//! (RGB mid-grey 128, semantic class 0, depth 0.0 m, as HUGSIM sends for cameras it does not
//! render), with the right names, shapes and dtypes. An agent driving on blank images sees
//! nothing; use it to exercise the protocol, not to evaluate a policy.

use crate::scene::CAMERA_CHANNELS;
use crate::world::World;

/// Output image size (pixels), the same for every camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageSize {
    pub width_px: u32,
    pub height_px: u32,
}

impl Default for ImageSize {
    /// nuScenes images at half resolution, as HUGSIM renders them: 800 x 450.
    fn default() -> Self {
        ImageSize {
            width_px: 800,
            height_px: 450,
        }
    }
}

impl std::str::FromStr for ImageSize {
    type Err = String;
    /// `WIDTHxHEIGHT`, e.g. `800x450`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("expected WIDTHxHEIGHT in pixels (e.g. 800x450), got `{s}`");
        let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
        let width_px: u32 = w.trim().parse().map_err(|_| bad())?;
        let height_px: u32 = h.trim().parse().map_err(|_| bad())?;
        if width_px == 0 || height_px == 0 || width_px > 8192 || height_px > 8192 {
            return Err(format!(
                "image size {width_px}x{height_px}: each side must be 1..=8192 pixels"
            ));
        }
        Ok(ImageSize {
            width_px,
            height_px,
        })
    }
}

/// One camera's rendered images, row-major from the top-left pixel.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraImage {
    /// `CAM_FRONT`, ... (`CAMERA_CHANNELS`).
    pub channel: String,
    pub width_px: u32,
    pub height_px: u32,
    /// sRGB, 3 bytes per pixel.
    pub rgb: Vec<u8>,
    /// Distance along the optical axis, metres.
    pub depth_m: Vec<f32>,
    /// Semantic class id per pixel.
    pub semantic: Vec<u8>,
}

impl CameraImage {
    /// Check the buffer lengths against the size.
    pub fn check(&self) -> Result<(), ViewError> {
        let px = self.width_px as usize * self.height_px as usize;
        let bad = |what: &str, got: usize, want: usize| ViewError::BadBuffer {
            channel: self.channel.clone(),
            message: format!("{what} has {got} values, expected {want}"),
        };
        if self.rgb.len() != 3 * px {
            return Err(bad("rgb", self.rgb.len(), 3 * px));
        }
        if self.depth_m.len() != px {
            return Err(bad("depth", self.depth_m.len(), px));
        }
        if self.semantic.len() != px {
            return Err(bad("semantic", self.semantic.len(), px));
        }
        Ok(())
    }
}

/// The six cameras' images at one tick, in `CAMERA_CHANNELS` order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CameraImages {
    pub cameras: Vec<CameraImage>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ViewError {
    #[error("rendering failed: {0}")]
    Render(String),
    #[error("camera {channel}: {message}")]
    BadBuffer { channel: String, message: String },
}

/// Renders the ego's cameras at the World's current state.
pub trait ViewSource: Send {
    /// Image size every camera is rendered at.
    fn size(&self) -> ImageSize;
    fn render(&mut self, world: &World) -> Result<CameraImages, ViewError>;
}

/// What `view_source` should build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ViewOptions {
    pub size: ImageSize,
    /// Send `BlankViews` instead of rendering.
    pub no_render: bool,
    /// Mesh or splat background (splat: baked once per scene, cached in
    /// `render::default_splat_cache_dir`).
    pub render_mode: crate::render::RenderMode,
}

/// The view source of the server: the place the integrator wires the renderer in.
pub fn view_source(options: &ViewOptions) -> Result<Box<dyn ViewSource>, ViewError> {
    if options.no_render {
        Ok(Box::new(BlankViews::new(options.size)))
    } else {
        Ok(Box::new(RenderedViews::with_mode(
            options.size,
            options.render_mode,
            None,
        )?))
    }
}

/// The real six cameras: the wgpu renderer (a GPU if there is one, else lavapipe) in mesh or
/// splat mode, with the scene's renderer rebuilt whenever the episode moves to another scene
/// (`LocalViews`).
pub struct RenderedViews {
    size: ImageSize,
    local: crate::render::LocalViews,
}

impl RenderedViews {
    pub fn new(size: ImageSize) -> Result<RenderedViews, ViewError> {
        RenderedViews::with_mode(size, crate::render::RenderMode::Mesh, None)
    }

    /// Rendering in `mode`, splat backgrounds cached in `splat_cache_dir` (default:
    /// `render::default_splat_cache_dir`).
    pub fn with_mode(
        size: ImageSize,
        mode: crate::render::RenderMode,
        splat_cache_dir: Option<std::path::PathBuf>,
    ) -> Result<RenderedViews, ViewError> {
        let local = crate::render::LocalViews::new(crate::render::AdapterPreference::Auto)
            .map_err(|e| ViewError::Render(e.to_string()))?
            .with_render_mode(mode, splat_cache_dir);
        Ok(RenderedViews { size, local })
    }
}

impl ViewSource for RenderedViews {
    fn size(&self) -> ImageSize {
        self.size
    }

    fn render(&mut self, world: &World) -> Result<CameraImages, ViewError> {
        use crate::render::ViewRequest;
        let request = ViewRequest {
            width_px: self.size.width_px,
            height_px: self.size.height_px,
            channels: Vec::new(),
        };
        let views = self
            .local
            .render_frame(&crate::episode::frames::frame_of(world, &request))
            .map_err(|e| ViewError::Render(e.to_string()))?;
        Ok(CameraImages {
            cameras: views
                .cameras
                .into_iter()
                .map(|v| CameraImage {
                    channel: v.channel,
                    width_px: v.width,
                    height_px: v.height,
                    rgb: v.rgb,
                    depth_m: v.depth_m,
                    semantic: v.semantic,
                })
                .collect(),
        })
    }
}

/// Uniform stand-in images of the right shapes (see the module docs). Test and protocol-check
/// use only (`--no-render`).
#[derive(Debug, Clone)]
pub struct BlankViews {
    size: ImageSize,
}

impl BlankViews {
    pub const RGB_VALUE: u8 = 128;
    pub const SEMANTIC_VALUE: u8 = 0;
    pub const DEPTH_VALUE_M: f32 = 0.0;

    pub fn new(size: ImageSize) -> BlankViews {
        BlankViews { size }
    }
}

impl ViewSource for BlankViews {
    fn size(&self) -> ImageSize {
        self.size
    }

    fn render(&mut self, _world: &World) -> Result<CameraImages, ViewError> {
        let (w, h) = (self.size.width_px, self.size.height_px);
        let px = w as usize * h as usize;
        Ok(CameraImages {
            cameras: CAMERA_CHANNELS
                .iter()
                .map(|ch| CameraImage {
                    channel: (*ch).to_string(),
                    width_px: w,
                    height_px: h,
                    rgb: vec![Self::RGB_VALUE; 3 * px],
                    depth_m: vec![Self::DEPTH_VALUE_M; px],
                    semantic: vec![Self::SEMANTIC_VALUE; px],
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_parses() {
        let s: ImageSize = "64x36".parse().unwrap();
        assert_eq!((s.width_px, s.height_px), (64, 36));
        assert!("64".parse::<ImageSize>().is_err());
        assert!("0x10".parse::<ImageSize>().is_err());
        assert!("axb".parse::<ImageSize>().is_err());
        assert_eq!(ImageSize::default().width_px, 800);
    }

    #[test]
    fn renders_unless_no_render() {
        let rendered = view_source(&ViewOptions::default()).expect("lavapipe or a GPU");
        assert_eq!(rendered.size(), ImageSize::default());
        let src = view_source(&ViewOptions {
            no_render: true,
            ..ViewOptions::default()
        })
        .unwrap();
        assert_eq!(src.size(), ImageSize::default());
    }
}
