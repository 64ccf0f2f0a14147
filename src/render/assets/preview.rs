//! A CPU orthographic rasteriser for looking at actor models without a GPU: four panels (right
//! side, front, top, and a three-quarter view from front-right-above) of one mesh scaled to a
//! box, z-buffered, lit by one directional light plus ambient. A development aid for checking
//! models by eye (`mpa-sim assets preview`), not the renderer.

use super::MeshData;
use glam::Vec3;
use image::{Rgb, RgbImage};

/// A view: unit vector toward the viewer and the image's up direction.
struct View {
    toward_viewer: Vec3,
    up_hint: Vec3,
}

fn views() -> [View; 4] {
    [
        View {
            toward_viewer: -Vec3::Y,
            up_hint: Vec3::Z,
        },
        View {
            toward_viewer: Vec3::X,
            up_hint: Vec3::Z,
        },
        View {
            toward_viewer: Vec3::Z,
            up_hint: Vec3::X,
        },
        View {
            toward_viewer: Vec3::new(1.0, -1.1, 0.8).normalize(),
            up_hint: Vec3::Z,
        },
    ]
}

fn linear_to_srgb_u8(l: f32) -> u8 {
    let l = l.clamp(0.0, 1.0);
    let s = if l <= 0.003_130_8 {
        12.92 * l
    } else {
        1.055 * l.powf(1.0 / 2.4) - 0.055
    };
    (s * 255.0).round() as u8
}

/// Render `mesh` (unit frame) scaled to `size_m` = (length along x, width along y, height along
/// z) as a 2 x 2 grid of `panel_px`-square views: right side, front; top (front up), 3/4.
pub fn render_preview(mesh: &MeshData, size_m: [f32; 3], panel_px: u32) -> RgbImage {
    let mut img = RgbImage::from_pixel(2 * panel_px, 2 * panel_px, Rgb([232, 234, 238]));
    let scale = Vec3::from(size_m);
    let light = Vec3::new(0.35, -0.45, 1.0).normalize();
    for (k, view) in views().iter().enumerate() {
        let right = (-view.toward_viewer).cross(view.up_hint).normalize();
        let up = right.cross(-view.toward_viewer);
        let project = |p: Vec3| Vec3::new(p.dot(right), p.dot(up), p.dot(view.toward_viewer));
        let pts: Vec<Vec3> = mesh
            .positions
            .iter()
            .map(|&p| project(Vec3::from(p) * scale))
            .collect();
        let (mut lo, mut hi) = (Vec3::splat(f32::INFINITY), Vec3::splat(f32::NEG_INFINITY));
        for p in &pts {
            lo = lo.min(*p);
            hi = hi.max(*p);
        }
        let extent = (hi - lo).max(Vec3::splat(1e-6));
        let px_per_m = 0.86 * panel_px as f32 / extent.x.max(extent.y);
        let centre = (lo + hi) * 0.5;
        let (ox, oy) = ((k as u32 % 2) * panel_px, (k as u32 / 2) * panel_px);
        let half = panel_px as f32 * 0.5;
        let to_px = |p: Vec3| {
            (
                half + (p.x - centre.x) * px_per_m,
                half - (p.y - centre.y) * px_per_m,
                p.z,
            )
        };
        let mut depth = vec![f32::NEG_INFINITY; (panel_px * panel_px) as usize];
        for t in mesh.indices.chunks_exact(3) {
            let [a, b, c] = [0, 1, 2].map(|j| to_px(pts[t[j] as usize]));
            let area = (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0);
            if area.abs() < 1e-9 {
                continue;
            }
            // Normals under the non-uniform scale: divide by the scale (inverse transpose).
            let n = (Vec3::from(mesh.normals[t[0] as usize]) / scale).normalize_or_zero();
            let n = if n.dot(view.toward_viewer) < 0.0 {
                -n
            } else {
                n
            };
            let shade = 0.38 + 0.62 * n.dot(light).max(0.0);
            let col = mesh.colors[t[0] as usize];
            let rgb = Rgb([0, 1, 2].map(|j| linear_to_srgb_u8(col[j] * shade)));
            let x0 = a.0.min(b.0).min(c.0).floor().max(0.0) as u32;
            let x1 = (a.0.max(b.0).max(c.0).ceil() as u32).min(panel_px - 1);
            let y0 = a.1.min(b.1).min(c.1).floor().max(0.0) as u32;
            let y1 = (a.1.max(b.1).max(c.1).ceil() as u32).min(panel_px - 1);
            for y in y0..=y1 {
                for x in x0..=x1 {
                    let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
                    let w0 = ((b.0 - px) * (c.1 - py) - (b.1 - py) * (c.0 - px)) / area;
                    let w1 = ((c.0 - px) * (a.1 - py) - (c.1 - py) * (a.0 - px)) / area;
                    let w2 = 1.0 - w0 - w1;
                    if w0 < 0.0 || w1 < 0.0 || w2 < 0.0 {
                        continue;
                    }
                    let z = w0 * a.2 + w1 * b.2 + w2 * c.2;
                    let slot = &mut depth[(y * panel_px + x) as usize];
                    if z > *slot {
                        *slot = z;
                        img.put_pixel(ox + x, oy + y, rgb);
                    }
                }
            }
        }
    }
    img
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::assets::builtin_model;
    use crate::scene::ActorClass;

    #[test]
    fn preview_draws_each_panel() {
        let mesh = builtin_model(ActorClass::Car).to_mesh_data();
        let img = render_preview(&mesh, [4.6, 1.9, 1.5], 64);
        let background = Rgb([232, 234, 238]);
        for (ox, oy) in [(0, 0), (64, 0), (0, 64), (64, 64)] {
            let drawn = (0..64)
                .flat_map(|y| (0..64).map(move |x| (x, y)))
                .filter(|&(x, y)| *img.get_pixel(ox + x, oy + y) != background)
                .count();
            assert!(
                drawn > 400,
                "panel at ({ox}, {oy}) has {drawn} model pixels"
            );
        }
    }
}
