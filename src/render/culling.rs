//! Coarse frustum culling of the static mesh: triangles are grouped into square ground tiles (by
//! centroid) with one bounding box each, and a camera draws only the tiles whose box meets its
//! view frustum (consecutive visible tiles merge into one draw call). Each of the six cameras
//! sees a fraction of the map, so this cuts vertex work several times on CPU rasterisers.

use crate::render::mesh::SceneMesh;
use glam::{Mat4, Vec3, Vec4};
use std::ops::Range;

/// Tile side, metres.
pub const TILE_M: f32 = 40.0;

/// A run of indices and the bounding box of the triangles it draws (render frame).
#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    pub indices: Range<u32>,
    pub min: Vec3,
    pub max: Vec3,
}

/// Reorder `mesh.indices` so each tile's triangles are contiguous; returns the tiles in index
/// order. Deterministic: tiles sorted by (row, column), triangles keep their order inside.
pub fn tile_mesh(mesh: &mut SceneMesh) -> Vec<Tile> {
    let v = &mesh.vertices;
    let pos = |i: u32| Vec3::from_array(v[i as usize].position);
    let mut keyed: Vec<((i32, i32), [u32; 3])> = mesh
        .indices
        .chunks_exact(3)
        .map(|t| {
            let c = (pos(t[0]) + pos(t[1]) + pos(t[2])) / 3.0;
            let key = ((c.y / TILE_M).floor() as i32, (c.x / TILE_M).floor() as i32);
            (key, [t[0], t[1], t[2]])
        })
        .collect();
    keyed.sort_by_key(|(k, _)| *k);
    let mut tiles: Vec<Tile> = Vec::new();
    let mut indices = Vec::with_capacity(mesh.indices.len());
    let mut current: Option<(i32, i32)> = None;
    for (key, tri) in keyed {
        if current != Some(key) {
            let at = indices.len() as u32;
            tiles.push(Tile {
                indices: at..at,
                min: Vec3::splat(f32::INFINITY),
                max: Vec3::splat(f32::NEG_INFINITY),
            });
            current = Some(key);
        }
        let tile = tiles.last_mut().expect("a tile was pushed for this key");
        for i in tri {
            tile.min = tile.min.min(pos(i));
            tile.max = tile.max.max(pos(i));
            indices.push(i);
        }
        tile.indices.end = indices.len() as u32;
    }
    mesh.indices = indices;
    tiles
}

/// Whether an axis-aligned box meets the frustum of `clip_from_world` (reversed Z: 0 <= z <= w).
pub fn box_in_frustum(clip_from_world: &Mat4, min: Vec3, max: Vec3) -> bool {
    let m = clip_from_world.transpose();
    let (r0, r1, r2, r3) = (m.x_axis, m.y_axis, m.z_axis, m.w_axis);
    let planes: [Vec4; 6] = [r3 + r0, r3 - r0, r3 + r1, r3 - r1, r3 - r2, r2];
    planes.iter().all(|p| {
        // The box corner furthest along the plane normal.
        let c = Vec3::new(
            if p.x >= 0.0 { max.x } else { min.x },
            if p.y >= 0.0 { max.y } else { min.y },
            if p.z >= 0.0 { max.z } else { min.z },
        );
        p.truncate().dot(c) + p.w >= 0.0
    })
}

/// Index ranges to draw for a camera: visible tiles, adjacent ones merged.
pub fn visible_ranges(tiles: &[Tile], clip_from_world: &Mat4) -> Vec<Range<u32>> {
    let mut out: Vec<Range<u32>> = Vec::new();
    for t in tiles
        .iter()
        .filter(|t| box_in_frustum(clip_from_world, t.min, t.max))
    {
        match out.last_mut() {
            Some(r) if r.end == t.indices.start => r.end = t.indices.end,
            _ => out.push(t.indices.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::camera::clip_from_camera;
    use glam::{DMat3, DVec3};

    #[test]
    fn boxes_in_front_pass_and_behind_or_beside_fail() {
        // Camera at the origin looking along +z (camera frame = world frame here).
        let k = DMat3::from_cols(
            DVec3::new(400.0, 0.0, 0.0),
            DVec3::new(0.0, 400.0, 0.0),
            DVec3::new(399.5, 224.5, 1.0),
        );
        let m = clip_from_camera(k, 800, 450).as_mat4();
        let cube = |c: Vec3| (c - Vec3::splat(1.0), c + Vec3::splat(1.0));
        let (a, b) = cube(Vec3::new(0.0, 0.0, 20.0));
        assert!(box_in_frustum(&m, a, b));
        let (a, b) = cube(Vec3::new(0.0, 0.0, -20.0));
        assert!(!box_in_frustum(&m, a, b), "behind");
        let (a, b) = cube(Vec3::new(40.0, 0.0, 10.0));
        assert!(!box_in_frustum(&m, a, b), "far right of a 90 degree view");
        let (a, b) = cube(Vec3::new(0.0, 0.0, 600.0));
        assert!(!box_in_frustum(&m, a, b), "beyond the far plane");
        // Straddling the camera: partly in view.
        assert!(box_in_frustum(&m, Vec3::splat(-5.0), Vec3::splat(5.0)));
    }
}
