//! Writing rendered views to files:
//!
//! - `<CHANNEL>_rgb.png`: sRGB colour.
//! - `<CHANNEL>_depth.png`: depth colour-mapped with turbo, linear from 0 m (dark blue) to
//!   `DEPTH_PNG_MAX_M` (dark red), clamped beyond; sky (no surface) black.
//! - `<CHANNEL>_depth.npy`: raw depth, little-endian f32, shape (height, width), NPY v1.0
//!   (numpy.load reads it); 0 where the sky shows.
//! - `<CHANNEL>_semantic.png`: ids colourised with `semantic::PALETTE`;
//!   `<CHANNEL>_semantic_ids.png`: raw ids as 8-bit grey (L8).
//! - `contact_sheet.png`: the six RGB images laid out like the car (front-left, front,
//!   front-right on top; back-left, back, back-right below; CAM_BACK looks backwards).

use crate::render::semantic;
use crate::render::{CameraView, RenderError, Views};
use std::path::{Path, PathBuf};

/// Upper end of the depth colour map, metres.
pub const DEPTH_PNG_MAX_M: f32 = 80.0;

/// Contact-sheet layout: rows of channels.
pub const SHEET_LAYOUT: [[&str; 3]; 2] = [
    ["CAM_FRONT_LEFT", "CAM_FRONT", "CAM_FRONT_RIGHT"],
    ["CAM_BACK_LEFT", "CAM_BACK", "CAM_BACK_RIGHT"],
];

fn io_err(path: &Path, e: impl std::fmt::Display) -> RenderError {
    RenderError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn save(
    path: &Path,
    w: u32,
    h: u32,
    data: &[u8],
    color: image::ExtendedColorType,
) -> Result<(), RenderError> {
    image::save_buffer(path, data, w, h, color).map_err(|e| io_err(path, e))
}

/// Turbo colour map (Mikhailov 2019, polynomial approximation), t in [0, 1].
pub fn turbo(t: f32) -> [u8; 3] {
    let t = t.clamp(0.0, 1.0) as f64;
    let r = 0.13572138
        + t * (4.61539260
            + t * (-42.66032258 + t * (132.13108234 + t * (-152.94239396 + t * 59.28637943))));
    let g = 0.09140261
        + t * (2.19418839
            + t * (4.84296658 + t * (-14.18503333 + t * (4.27729857 + t * 2.82956604))));
    let b = 0.10667330
        + t * (12.64194608
            + t * (-60.58204836 + t * (110.36276771 + t * (-89.90310912 + t * 27.34824973))));
    [r, g, b].map(|c| (c.clamp(0.0, 1.0) * 255.0).round() as u8)
}

/// Depth to colour bytes (sky black).
pub fn depth_colormap(depth_m: &[f32]) -> Vec<u8> {
    depth_m
        .iter()
        .flat_map(|d| {
            if *d > 0.0 && d.is_finite() {
                turbo(d / DEPTH_PNG_MAX_M)
            } else {
                [0, 0, 0]
            }
        })
        .collect()
}

/// Semantic ids to palette colours.
pub fn semantic_colormap(ids: &[u8]) -> Vec<u8> {
    ids.iter().flat_map(|i| semantic::color_of(*i)).collect()
}

/// NPY v1.0 bytes of a little-endian f32 array of `shape`.
pub fn npy_f32(data: &[f32], shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_txt = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape_txt}, }}");
    // Magic (6) + version (2) + header length (2) + header, padded to 64 bytes, ending in \n.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + 4 * data.len());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Write one camera's files into `dir`; returns the paths written.
pub fn save_camera(dir: &Path, v: &CameraView) -> Result<Vec<PathBuf>, RenderError> {
    use image::ExtendedColorType::{L8, Rgb8};
    let p = |suffix: &str| dir.join(format!("{}_{suffix}", v.channel));
    let (w, h) = (v.width, v.height);
    let files = [
        p("rgb.png"),
        p("depth.png"),
        p("depth.npy"),
        p("semantic.png"),
        p("semantic_ids.png"),
    ];
    save(&files[0], w, h, &v.rgb, Rgb8)?;
    save(&files[1], w, h, &depth_colormap(&v.depth_m), Rgb8)?;
    std::fs::write(&files[2], npy_f32(&v.depth_m, &[h as usize, w as usize]))
        .map_err(|e| io_err(&files[2], e))?;
    save(&files[3], w, h, &semantic_colormap(&v.semantic), Rgb8)?;
    save(&files[4], w, h, &v.semantic, L8)?;
    Ok(files.to_vec())
}

/// The contact sheet of a frame's RGB images (2 x 3 tiles, 4 px black gutters; a missing
/// camera leaves its tile black).
pub fn contact_sheet(views: &Views) -> (u32, u32, Vec<u8>) {
    let Some(first) = views.cameras.first() else {
        return (0, 0, Vec::new());
    };
    let (tw, th) = (first.width, first.height);
    let gap = 4u32;
    let w = 3 * tw + 2 * gap;
    let h = 2 * th + gap;
    let mut out = vec![0u8; (w * h * 3) as usize];
    for (row, names) in SHEET_LAYOUT.iter().enumerate() {
        for (col, name) in names.iter().enumerate() {
            let Some(v) = views.camera(name) else {
                continue;
            };
            if v.width != tw || v.height != th {
                continue;
            }
            let (x0, y0) = (col as u32 * (tw + gap), row as u32 * (th + gap));
            for y in 0..th {
                let src = (y * tw * 3) as usize;
                let dst = (((y0 + y) * w + x0) * 3) as usize;
                out[dst..dst + (tw * 3) as usize]
                    .copy_from_slice(&v.rgb[src..src + (tw * 3) as usize]);
            }
        }
    }
    (w, h, out)
}

/// Write every camera's files and `contact_sheet.png` into `dir` (created if needed).
pub fn save_views(dir: &Path, views: &Views) -> Result<Vec<PathBuf>, RenderError> {
    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let mut written = Vec::new();
    for v in &views.cameras {
        written.extend(save_camera(dir, v)?);
    }
    let (w, h, sheet) = contact_sheet(views);
    if w > 0 {
        let path = dir.join("contact_sheet.png");
        save(&path, w, h, &sheet, image::ExtendedColorType::Rgb8)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_header_is_aligned_and_parsable() {
        let bytes = npy_f32(&[1.0, 2.5, -3.0, 0.0, 7.0, 8.0], &[2, 3]);
        assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
        let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + hlen) % 64, 0);
        let header = std::str::from_utf8(&bytes[10..10 + hlen]).unwrap();
        assert!(header.starts_with("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"));
        assert!(header.ends_with('\n'));
        let body = &bytes[10 + hlen..];
        assert_eq!(body.len(), 24);
        assert_eq!(f32::from_le_bytes(body[4..8].try_into().unwrap()), 2.5);
    }

    #[test]
    fn turbo_runs_blue_green_red() {
        let dominant = |t: f32| {
            let c = turbo(t);
            (0..3).max_by_key(|k| c[*k]).unwrap()
        };
        assert_eq!(dominant(0.1), 2, "near is blue");
        assert_eq!(dominant(0.5), 1, "middle is green");
        assert_eq!(dominant(0.9), 0, "far is red");
        assert_eq!(turbo(2.0), turbo(1.0), "clamped");
    }
}
