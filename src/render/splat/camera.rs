//! Camera, background layers and output image of the splat renderer (shared by the GPU
//! renderer and the CPU reference).
//!
//! Conventions: camera frame x right, y down, z forward (OpenCV); pinhole intrinsics in pixels
//! with pixel `(i, j)` centred at image coordinates `(u, v) = (i, j)` (OpenCV), so a point at
//! camera coordinates `(x, y, z)` lands at `(fx x / z + cx, fy y / z + cy)`. Depth is the
//! camera-frame `z` in metres (distance along the optical axis, not along the ray), as in 3DGS.
//! Colours are the 3DGS colour values, i.e. sRGB-encoded in [0, 1]; compositing happens in that
//! space, as in the original rasteriser.

use glam::DMat4;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplatCamera {
    /// World (the scene's global frame) to camera.
    pub camera_from_global: DMat4,
    pub fx: f64,
    pub fy: f64,
    pub cx: f64,
    pub cy: f64,
    pub width: u32,
    pub height: u32,
    /// Gaussians whose centre is nearer than this (camera z) are culled.
    pub near_m: f64,
    /// Gaussians whose centre is farther than this (camera z) are culled.
    pub far_m: f64,
}

impl SplatCamera {
    pub fn pixel_count(&self) -> usize {
        self.width as usize * self.height as usize
    }
}

/// A rendered mesh layer on the CPU, row-major, one entry per pixel: what the splats are
/// composited over. Pixels without a mesh surface have `depth_m = f32::INFINITY` or 0 (their colour
/// and semantic are the clear values).
#[derive(Debug, Clone, PartialEq)]
pub struct MeshLayersCpu {
    pub width: u32,
    pub height: u32,
    /// sRGB-encoded colour in [0, 1].
    pub rgb: Vec<[f32; 3]>,
    pub depth_m: Vec<f32>,
    pub semantic: Vec<u8>,
}

/// Rendered splat image, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct SplatImage {
    pub width: u32,
    pub height: u32,
    /// sRGB u8, 3 bytes per pixel.
    pub rgb: Vec<u8>,
    /// Expected camera-z depth, `sum(w_i z_i) / sum(w_i)` over the blending weights
    /// `w_i = alpha_i T_i` of the Gaussians (and of the mesh layer behind them, weight `T`);
    /// `f32::INFINITY` where nothing was hit.
    pub depth_m: Vec<f32>,
    /// Class of the Gaussian (or mesh layer) with the largest blending weight at the pixel.
    pub semantic: Vec<u8>,
    /// Accumulated opacity of the Gaussians, `1 - T`.
    pub alpha: Vec<f32>,
}

impl SplatImage {
    pub fn rgb_at(&self, x: u32, y: u32) -> [u8; 3] {
        let i = 3 * (y as usize * self.width as usize + x as usize);
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// Writes the colour as an 8-bit RGB PNG.
    pub fn save_png(&self, path: &std::path::Path) -> Result<(), image::ImageError> {
        image::save_buffer(
            path,
            &self.rgb,
            self.width,
            self.height,
            image::ExtendedColorType::Rgb8,
        )
    }
}

/// Quantises a colour value in [0, 1] to u8 (clamped, round to nearest), as `pack4x8unorm`.
pub fn quantise_unorm8(v: f64) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}
