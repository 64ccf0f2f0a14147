//! Bake a scene's static mesh background (the same one the mesh renderer draws: road,
//! markings, sidewalks, buildings, trees) into 3D Gaussians, so every shipped scene has a
//! splat background without outside data (`mpa-sim scenes bake-splats`). Each triangle keeps
//! its sRGB colour (3DGS blends sRGB-encoded values) and its semantic class.

use glam::{DVec2, DVec3};

use super::{SplatError, SplatScene, bake_triangles};
use crate::render::RenderConfig;
use crate::render::scene_mesh::build_static_scene;
use crate::render::scene_mesh::raster::Grid;
use crate::render::scene_mesh::road::in_region;
use crate::scene::{MapData, Scene};

/// Triangles with an edge longer than this are the far ground plane (clipped to the region).
const GROUND_CLIP_EDGE_M: f64 = 500.0;

/// Triangles are split until no edge is longer than this many Gaussian spacings.
const MAX_EDGE_PER_SPACING: f64 = 4.0;

/// Split a triangle at the midpoint of its longest edge until every edge is at most
/// `max_edge_m` long.
fn split_long(tri: [DVec3; 3], max_edge_m: f64) -> Vec<[DVec3; 3]> {
    let mut out = Vec::new();
    let mut stack = vec![tri];
    while let Some([a, b, c]) = stack.pop() {
        let edges = [(a, b, c), (b, c, a), (c, a, b)];
        let (p, q, r) = edges
            .into_iter()
            .max_by(|x, y| x.0.distance(x.1).total_cmp(&y.0.distance(y.1)))
            .unwrap_or((a, b, c));
        if p.distance(q) <= max_edge_m || !max_edge_m.is_finite() || max_edge_m <= 0.0 {
            out.push([a, b, c]);
        } else {
            let m = 0.5 * (p + q);
            stack.push([p, m, r]);
            stack.push([m, q, r]);
        }
    }
    out
}

/// Counts of one bake.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BakeStats {
    pub triangles: usize,
    pub gaussians: usize,
}

/// Bake the static background around `scene`'s logged route (`margin_m` on every side),
/// placement seed `seed` (as the mesh renderer's `RenderConfig::seed`), one Gaussian per
/// about `spacing_m` of surface.
pub fn bake_scene(
    scene: &Scene,
    seed: u64,
    margin_m: f64,
    spacing_m: f64,
) -> Result<(SplatScene, BakeStats), SplatError> {
    let region = RenderConfig::for_scene(scene, seed, margin_m).region;
    bake_map(&scene.map, region, seed, spacing_m)
}

/// Bake the static background of `map` within `region` (global xy bounds; `None`: the whole
/// map), placement seed `seed`, one Gaussian per about `spacing_m` of surface.
pub fn bake_map(
    map: &MapData,
    region: Option<(DVec2, DVec2)>,
    seed: u64,
    spacing_m: f64,
) -> Result<(SplatScene, BakeStats), SplatError> {
    let stat = build_static_scene(map, region, seed);
    let mesh = &stat.mesh;
    let n = mesh.indices.len() / 3;
    let mut triangles = Vec::with_capacity(n);
    let mut colors = Vec::with_capacity(n);
    let mut semantic = Vec::with_capacity(n);
    let mut ground_done = false;
    // The clipped ground plane (triangles, colours, classes), baked apart so its Gaussians
    // under pavement can be dropped.
    let mut ground: (Vec<[DVec3; 3]>, Vec<[f32; 3]>, Vec<u8>) = Default::default();
    let color_of = |v: &crate::render::mesh::SceneVertex| {
        [
            f32::from(v.color_class[0]) / 255.0,
            f32::from(v.color_class[1]) / 255.0,
            f32::from(v.color_class[2]) / 255.0,
        ]
    };
    for tri in mesh.indices.chunks_exact(3) {
        let mut corners = [DVec3::ZERO; 3];
        for (c, &i) in corners.iter_mut().zip(tri) {
            let v = mesh.vertices.get(i as usize).ok_or_else(|| {
                SplatError::InvalidScene(format!("static mesh index {i} out of range"))
            })?;
            *c = stat.origin + DVec3::from(v.position.map(f64::from));
        }
        let first = &mesh.vertices[tri[0] as usize];
        if let Some((lo, hi)) = region {
            // The mesh's ground plane reaches hundreds of metres past the map for the far
            // view; Gaussians only cover the baked region (clip the ground to it).
            let longest = (0..3)
                .map(|k| corners[k].distance(corners[(k + 1) % 3]))
                .fold(0.0, f64::max);
            if longest > GROUND_CLIP_EDGE_M {
                let z = corners[0].z;
                let q = [
                    DVec3::new(lo.x, lo.y, z),
                    DVec3::new(hi.x, lo.y, z),
                    DVec3::new(hi.x, hi.y, z),
                    DVec3::new(lo.x, hi.y, z),
                ];
                let clipped = [[q[0], q[1], q[2]], [q[0], q[2], q[3]]];
                if !ground_done {
                    ground_done = true;
                    for t in clipped {
                        for piece in split_long(t, MAX_EDGE_PER_SPACING * spacing_m) {
                            ground.0.push(piece);
                            ground.1.push(color_of(first));
                            ground.2.push(first.color_class[3]);
                        }
                    }
                }
                continue;
            }
        }
        let color = [
            f32::from(first.color_class[0]) / 255.0,
            f32::from(first.color_class[1]) / 255.0,
            f32::from(first.color_class[2]) / 255.0,
        ];
        // `bake_triangles` subdivides by the longest edge, so a long sliver (a 60 m lane
        // marking 0.15 m wide) would get (60 / spacing)^2 tiny Gaussians. Split such triangles
        // at their longest edge first: the sample count then follows the area.
        for piece in split_long(corners, MAX_EDGE_PER_SPACING * spacing_m) {
            triangles.push(piece);
            colors.push(color);
            semantic.push(first.color_class[3]);
        }
    }
    let mut splats = bake_triangles(&triangles, &colors, &semantic, spacing_m)?;
    if let (Some((lo, hi)), false) = (region, ground.0.is_empty()) {
        let ground = bake_triangles(&ground.0, &ground.1, &ground.2, spacing_m)?;
        let mut paved = Grid::new(lo, hi, PAVED_CELL_M);
        for p in map
            .drivable_areas
            .iter()
            .chain(&map.walkways)
            .chain(&map.ped_crossings)
            .chain(&map.carpark_areas)
            .filter(|p| in_region(p, region))
        {
            paved.fill_polygon(p);
        }
        append_unpaved(&mut splats, &ground, &paved);
    }
    let stats = BakeStats {
        triangles: n,
        gaussians: splats.means.len(),
    };
    Ok((splats, stats))
}

/// Cell size of the pavement mask that drops ground Gaussians under roads and walkways, metres.
const PAVED_CELL_M: f64 = 0.5;

/// Append the Gaussians of `ground` whose centre is not on a paved cell to `dst` (the mesh
/// renderer hides its ground plane 5 cm under the road with the depth test; Gaussians sorted by
/// centre depth would blend the two, tinting the road with terrain).
fn append_unpaved(dst: &mut SplatScene, ground: &SplatScene, paved: &Grid) {
    let origin = |s: &SplatScene| s.global_from_splat.transform_point3(DVec3::ZERO);
    let (dst_origin, ground_origin) = (origin(dst), origin(ground));
    let offset = (ground_origin - dst_origin).as_vec3();
    let k = ground.sh_coeffs();
    let mut classes: Vec<u8> = (0..dst.len()).map(|g| dst.semantic_of(g)).collect();
    for g in 0..ground.len() {
        let global = ground_origin + ground.means[g].as_dvec3();
        let on_pavement = paved
            .cell(global.truncate())
            .is_some_and(|(ix, iy)| paved.paved[iy * paved.nx + ix]);
        if on_pavement || k != dst.sh_coeffs() {
            continue;
        }
        dst.means.push(ground.means[g] + offset);
        dst.log_scales.push(ground.log_scales[g]);
        dst.rotations.push(ground.rotations[g]);
        dst.opacity_logits.push(ground.opacity_logits[g]);
        dst.sh.extend_from_slice(ground.sh_of(g));
        classes.push(ground.semantic_of(g));
    }
    dst.semantic = Some(classes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slivers_split_until_short_and_keep_their_area() {
        let tri = [
            DVec3::ZERO,
            DVec3::new(60.0, 0.0, 0.0),
            DVec3::new(60.0, 0.15, 0.0),
        ];
        let area = |t: &[DVec3; 3]| 0.5 * (t[1] - t[0]).cross(t[2] - t[0]).length();
        let pieces = split_long(tri, 4.0);
        assert!(pieces.len() >= 15);
        for p in &pieces {
            for k in 0..3 {
                assert!(p[k].distance(p[(k + 1) % 3]) <= 4.0 + 1e-9);
            }
        }
        let total: f64 = pieces.iter().map(area).sum();
        assert!((total - area(&tri)).abs() < 1e-9);
    }
}
