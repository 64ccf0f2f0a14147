//! Buildings and trees placed from the paved-area grid, deterministic from a seed.
//!
//! Trees go into the unpaved strip just behind the walkways (1-3.5 m from pavement), every
//! `tree_spacing_m` along each walkway ring, with jitter. Buildings are tried at random
//! unpaved cells, nearest to the street first, each facing the street (its depth along the
//! distance field's gradient) and accepted when every sample of its footprint is at least the
//! setback from pavement and free of trees and other buildings.

use super::raster::Grid;
use crate::render::mesh::{Material, MeshBuilder};
use crate::render::semantic::class;
use crate::render::style::{TownStyle, TreeKind};
use glam::{DVec2, DVec3};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Minimum distance from pavement to a building wall, metres.
pub const BUILDING_SETBACK_M: f64 = 3.0;
/// Buildings are placed at most this far from pavement, metres.
pub const BUILDING_MAX_DIST_M: f64 = 70.0;
/// Free gap kept between neighbouring buildings, metres.
pub const BUILDING_GAP_M: f64 = 1.5;

/// Place trees along walkway rings (or drivable-area rings if there are no walkways).
pub fn trees(
    b: &mut MeshBuilder,
    grid: &mut Grid,
    rings: &[&[DVec2]],
    style: &TownStyle,
    seed: u64,
) -> usize {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7e3e);
    let total_w: f64 = style.trees.iter().map(|t| t.1).sum();
    let mut count = 0;
    for ring in rings {
        let n = ring.len();
        let mut carry = rng.random_range(0.0..style.tree_spacing_m);
        for i in 0..n {
            let (p, q) = (ring[i], ring[(i + 1) % n]);
            let len = p.distance(q);
            if len <= 1e-9 {
                continue;
            }
            let dir = (q - p) / len;
            let mut s = carry;
            while s < len {
                let base = p + dir * s;
                for side in [1.0, -1.0] {
                    let at = base + dir.perp() * side * rng.random_range(1.6..2.4);
                    let d = grid.dist_at(at) as f64;
                    if (1.0..=3.5).contains(&d) && !grid.taken_at(at) {
                        let mut pick = rng.random_range(0.0..total_w.max(1e-9));
                        let mut kind = style.trees[0].0;
                        for (k, w) in &style.trees {
                            if pick < *w {
                                kind = *k;
                                break;
                            }
                            pick -= w;
                        }
                        let canopy = style.canopies[rng.random_range(0..style.canopies.len())];
                        let scale = rng.random_range(0.8..1.25);
                        tree(
                            b,
                            at,
                            kind,
                            scale,
                            style.trunk,
                            canopy,
                            rng.random_range(0.0..6.3),
                        );
                        let r = DVec2::splat(1.5);
                        grid.take_quad(&[
                            at - r,
                            at + DVec2::new(r.x, -r.y),
                            at + r,
                            at + DVec2::new(-r.x, r.y),
                        ]);
                        count += 1;
                    }
                }
                s += style.tree_spacing_m * rng.random_range(0.8..1.2);
            }
            carry = s - len;
        }
    }
    count
}

/// One tree at ground point `at`.
fn tree(
    b: &mut MeshBuilder,
    at: DVec2,
    kind: TreeKind,
    scale: f64,
    trunk: [u8; 3],
    canopy: [u8; 3],
    yaw: f64,
) {
    let trunk_m = Material::new(trunk, class::VEGETATION);
    let leaf = Material::new(canopy, class::VEGETATION);
    match kind {
        TreeKind::Deciduous => {
            let h = 3.2 * scale;
            b.oriented_box(
                at.extend(0.0),
                yaw,
                DVec3::new(0.3, 0.3, h + 0.5),
                trunk_m,
                None,
            );
            let r = 2.4 * scale;
            ellipsoid(b, at.extend(h + 0.7 * r), DVec3::new(r, r, 1.05 * r), leaf);
        }
        TreeKind::RainTree => {
            let h = 5.0 * scale;
            b.oriented_box(
                at.extend(0.0),
                yaw,
                DVec3::new(0.4, 0.4, h + 0.5),
                trunk_m,
                None,
            );
            let r = 3.6 * scale;
            ellipsoid(b, at.extend(h + 0.35 * r), DVec3::new(r, r, 0.5 * r), leaf);
        }
        TreeKind::Palm => {
            let h = 7.5 * scale;
            b.oriented_box(
                at.extend(0.0),
                yaw,
                DVec3::new(0.28, 0.28, h),
                trunk_m,
                None,
            );
            let top = at.extend(h);
            for k in 0..8 {
                let a = yaw + k as f64 * std::f64::consts::TAU / 8.0;
                let d = DVec2::from_angle(a);
                let side = d.perp() * 0.35;
                let mid = top + (d * 1.6).extend(0.35);
                let tip = top + (d * 3.0).extend(-0.9);
                // Two flat quads per frond: up and out, then drooping.
                frond(b, top, mid, side, leaf);
                frond(b, mid, tip, side * 0.6, leaf);
            }
            ellipsoid(b, top, DVec3::splat(0.45), leaf);
        }
    }
}

fn frond(b: &mut MeshBuilder, from: DVec3, to: DVec3, side: DVec2, m: Material) {
    let s = side.extend(0.0);
    let n = (to - from).cross(s).normalize_or_zero();
    let n = if n.z < 0.0 { -n } else { n };
    b.quad([from - s, to - s, to + s, from + s], n.as_vec3(), m);
}

/// A low-poly ellipsoid (8 segments x 5 rings) with smooth normals, darker underneath.
pub fn ellipsoid(b: &mut MeshBuilder, centre: DVec3, radii: DVec3, m: Material) {
    const SEG: usize = 8;
    const RINGS: usize = 5;
    let base = b.mesh.vertices.len() as u32;
    for r in 0..=RINGS {
        let phi = std::f64::consts::PI * r as f64 / RINGS as f64;
        for s in 0..SEG {
            let th = std::f64::consts::TAU * s as f64 / SEG as f64;
            let unit = DVec3::new(phi.sin() * th.cos(), phi.sin() * th.sin(), phi.cos());
            let n = (unit / radii).normalize_or_zero().as_vec3();
            let shade = 0.75 + 0.25 * (0.5 + 0.5 * unit.z);
            let c = m.srgb.map(|v| (v as f64 * shade) as u8);
            b.vertex(centre + unit * radii, n, Material::new(c, m.class));
        }
    }
    for r in 0..RINGS as u32 {
        for s in 0..SEG as u32 {
            let s1 = (s + 1) % SEG as u32;
            let a = base + r * SEG as u32 + s;
            let bb = base + r * SEG as u32 + s1;
            let c = base + (r + 1) * SEG as u32 + s1;
            let d = base + (r + 1) * SEG as u32 + s;
            b.triangle(a, d, c);
            b.triangle(a, c, bb);
        }
    }
}

/// Place buildings; returns how many.
pub fn buildings(b: &mut MeshBuilder, grid: &mut Grid, style: &TownStyle, seed: u64) -> usize {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xb17d);
    let stride = ((3.0 / grid.cell_m).round() as usize).max(1);
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for iy in (0..grid.ny).step_by(stride) {
        for ix in (0..grid.nx).step_by(stride) {
            let d = grid.dist_m[iy * grid.nx + ix] as f64;
            if (BUILDING_SETBACK_M + 4.0..=BUILDING_MAX_DIST_M).contains(&d) {
                candidates.push((d, ix, iy));
            }
        }
    }
    candidates.shuffle(&mut rng);
    // Nearest the street first, with jitter so rows are not perfectly regular.
    let mut keyed: Vec<(f64, usize, usize)> = candidates
        .into_iter()
        .map(|(d, ix, iy)| (d + rng.random_range(0.0..8.0), ix, iy))
        .collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut count = 0;
    for (_, ix, iy) in keyed {
        let c = grid.centre(ix, iy);
        let Some(facing) = gradient(grid, c) else {
            continue;
        };
        let frontage = rng.random_range(style.frontage_m.0..style.frontage_m.1);
        let depth = rng.random_range(style.depth_m.0..style.depth_m.1);
        // Footprint axes: `u` along the street, `v` away from it.
        let v = facing;
        let u = v.perp();
        if !footprint_free(grid, c, u, v, 0.5 * frontage, 0.5 * depth) {
            continue;
        }
        let gap_u = u * (0.5 * frontage + BUILDING_GAP_M);
        let gap_v = v * (0.5 * depth + BUILDING_GAP_M);
        grid.take_quad(&[
            c - gap_u - gap_v,
            c + gap_u - gap_v,
            c + gap_u + gap_v,
            c - gap_u + gap_v,
        ]);
        let facade = style.facade(rng.random_range(0..style.facades.len()));
        let roof = Material::new(style.roof, class::BUILDING);
        let yaw = u.y.atan2(u.x);
        let tower = rng.random_bool(style.tower_chance);
        if tower {
            let podium_h = rng.random_range(6.0..11.0);
            b.oriented_box(
                c.extend(0.0),
                yaw,
                DVec3::new(frontage, depth, podium_h),
                facade,
                Some(roof),
            );
            let h = rng.random_range(style.tower_height_m.0..style.tower_height_m.1);
            let tower_facade = style.facade(rng.random_range(0..style.facades.len()));
            b.oriented_box(
                c.extend(podium_h),
                yaw,
                DVec3::new(0.7 * frontage, 0.7 * depth, h - podium_h),
                tower_facade,
                Some(roof),
            );
        } else {
            let h = rng.random_range(style.height_m.0..style.height_m.1);
            b.oriented_box(
                c.extend(0.0),
                yaw,
                DVec3::new(frontage, depth, h),
                facade,
                Some(roof),
            );
            // A parapet cornice so flat roofs read as buildings, not boxes.
            let trim = facade.srgb.map(|x| (x as f64 * 0.8) as u8);
            b.oriented_box(
                c.extend(h),
                yaw,
                DVec3::new(frontage + 0.3, depth + 0.3, 0.5),
                Material::new(trim, class::BUILDING),
                Some(roof),
            );
        }
        count += 1;
    }
    count
}

/// Unit vector pointing away from the nearest pavement (distance-field gradient).
fn gradient(grid: &Grid, c: DVec2) -> Option<DVec2> {
    let h = 2.0 * grid.cell_m;
    let gx = grid.dist_at(c + DVec2::X * h) as f64 - grid.dist_at(c - DVec2::X * h) as f64;
    let gy = grid.dist_at(c + DVec2::Y * h) as f64 - grid.dist_at(c - DVec2::Y * h) as f64;
    let g = DVec2::new(gx, gy);
    (g.length() > 0.5 * h).then(|| g.normalize())
}

/// Every sample of the footprint (1 m lattice plus corners) keeps the setback and is free.
fn footprint_free(grid: &Grid, c: DVec2, u: DVec2, v: DVec2, hu: f64, hv: f64) -> bool {
    let nu = (2.0 * hu).ceil() as i64;
    let nv = (2.0 * hv).ceil() as i64;
    for i in 0..=nu {
        for j in 0..=nv {
            let p = c
                + u * (-hu + 2.0 * hu * i as f64 / nu as f64)
                + v * (-hv + 2.0 * hv * j as f64 / nv as f64);
            if (grid.dist_at(p) as f64) < BUILDING_SETBACK_M || grid.taken_at(p) {
                return false;
            }
        }
    }
    true
}
