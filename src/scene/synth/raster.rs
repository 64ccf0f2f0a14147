//! Rasterisation: the semantic-prior map PNG (drivable area white on black, 10 px/m, covering
//! the whole canvas, row 0 at the top = largest y, as the devkit's `MapMask` reads it) and a
//! bird's-eye preview of a town with the ego routes drawn over it.
//!
//! Polygons are filled by scanline even-odd crossing (exterior and holes together), sampled at
//! pixel centres.

use super::lanes::LaneGraph;
use super::mapgen::TownMap;
use crate::scene::Polygon;
use glam::DVec2;
use image::{GrayImage, Luma, Rgb, RgbImage};

/// Pixels per metre of the semantic-prior mask (the devkit's MapMask resolution 0.1 m).
pub const MASK_PX_PER_M: f64 = 10.0;

/// Fill `poly` into a `w x h` raster with `px_per_m`, calling `put(x, y)` per covered pixel.
fn fill(poly: &Polygon, w: u32, h: u32, px_per_m: f64, mut put: impl FnMut(u32, u32)) {
    let rings: Vec<&Vec<DVec2>> = std::iter::once(&poly.exterior)
        .chain(poly.holes.iter())
        .collect();
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for p in &poly.exterior {
        lo = lo.min(p.y);
        hi = hi.max(p.y);
    }
    // Row r covers y in [(h - r - 1) / px, (h - r) / px]; its centre is (h - r - 0.5) / px.
    let r_first = ((h as f64 - hi * px_per_m - 0.5).floor().max(0.0)) as u32;
    let r_last = ((h as f64 - lo * px_per_m).ceil().min(h as f64)) as u32;
    let mut xs: Vec<f64> = Vec::new();
    for r in r_first..r_last {
        let y = (h as f64 - r as f64 - 0.5) / px_per_m;
        xs.clear();
        for ring in &rings {
            let n = ring.len();
            for i in 0..n {
                let a = ring[i];
                let b = ring[(i + 1) % n];
                if (a.y > y) != (b.y > y) {
                    xs.push(a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y));
                }
            }
        }
        xs.sort_by(f64::total_cmp);
        for pair in xs.chunks_exact(2) {
            // Pixel c covers centre (c + 0.5) / px.
            let c0 = (pair[0] * px_per_m - 0.5).ceil().max(0.0) as u32;
            let c1 = ((pair[1] * px_per_m - 0.5).floor()).min(w as f64 - 1.0);
            if c1 < 0.0 {
                continue;
            }
            for c in c0..=(c1 as u32) {
                put(c, r);
            }
        }
    }
}

/// The drivable-area mask of a town at 10 px/m over its whole canvas.
pub fn drivable_mask(map: &TownMap) -> GrayImage {
    let w = (map.expansion.canvas_edge[0] * MASK_PX_PER_M).round() as u32;
    let h = (map.expansion.canvas_edge[1] * MASK_PX_PER_M).round() as u32;
    let mut img = GrayImage::new(w, h);
    for poly in &map.drivable {
        fill(poly, w, h, MASK_PX_PER_M, |x, y| {
            img.put_pixel(x, y, Luma([255]))
        });
    }
    img
}

/// Bird's-eye preview at `px_per_m`: walkways, drivable area, parking (purple), ped crossings
/// and stop lines (white), lane centrelines (yellow) and connectors (blue), ego routes.
pub fn preview(map: &TownMap, graph: &LaneGraph, routes: &[Vec<DVec2>], px_per_m: f64) -> RgbImage {
    let w = (map.expansion.canvas_edge[0] * px_per_m).round() as u32;
    let h = (map.expansion.canvas_edge[1] * px_per_m).round() as u32;
    let mut img = RgbImage::from_pixel(w, h, Rgb([24, 40, 24]));
    for poly in &map.walkways {
        fill(poly, w, h, px_per_m, |x, y| {
            img.put_pixel(x, y, Rgb([150, 150, 140]))
        });
    }
    for poly in &map.drivable {
        fill(poly, w, h, px_per_m, |x, y| {
            img.put_pixel(x, y, Rgb([70, 70, 75]))
        });
    }
    let painted = [
        (&map.carparks, Rgb([95, 85, 110])),
        (&map.ped_crossings, Rgb([190, 190, 190])),
        (&map.stop_lines, Rgb([250, 250, 250])),
    ];
    for (polys, colour) in painted {
        for poly in polys {
            fill(poly, w, h, px_per_m, |x, y| img.put_pixel(x, y, colour));
        }
    }
    let dot = |img: &mut RgbImage, p: DVec2, c: Rgb<u8>, r: i64| {
        let cx = (p.x * px_per_m) as i64;
        let cy = h as i64 - 1 - (p.y * px_per_m) as i64;
        for dy in -r..=r {
            for dx in -r..=r {
                let (x, y) = (cx + dx, cy + dy);
                if x >= 0 && y >= 0 && x < w as i64 && y < h as i64 {
                    img.put_pixel(x as u32, y as u32, c);
                }
            }
        }
    };
    for lane in &graph.lanes {
        let colour = if lane.is_connector {
            Rgb([90, 160, 220])
        } else {
            Rgb([230, 220, 120])
        };
        let pts = lane.chain.discretize(1.0 / px_per_m);
        for p in &pts {
            dot(&mut img, DVec2::new(p[0], p[1]), colour, 0);
        }
        // Arrow head: a brighter dot near the end shows the direction.
        if let Some(p) = pts.get(pts.len().saturating_sub(4)) {
            dot(&mut img, DVec2::new(p[0], p[1]), Rgb([255, 255, 255]), 1);
        }
    }
    let palette = [
        Rgb([230, 60, 60]),
        Rgb([60, 220, 90]),
        Rgb([240, 150, 30]),
        Rgb([200, 80, 220]),
        Rgb([40, 220, 220]),
    ];
    for (i, route) in routes.iter().enumerate() {
        let c = palette[i % palette.len()];
        for pair in route.windows(2) {
            let n = (pair[0].distance(pair[1]) * px_per_m).ceil().max(1.0) as usize;
            for k in 0..=n {
                dot(&mut img, pair[0].lerp(pair[1], k as f64 / n as f64), c, 1);
            }
        }
        if let Some(first) = route.first() {
            dot(&mut img, *first, Rgb([255, 255, 255]), 3);
        }
    }
    img
}
