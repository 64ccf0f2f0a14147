//! CPU-side meshes: the static-scene vertex layout and a builder that takes global f64
//! positions, subtracts the scene origin and only then casts to f32 (nuScenes coordinates reach
//! kilometres, where f32 would lose millimetres before the subtraction), plus `ActorMesh`, the
//! renderer's per-class actor model format.

use bytemuck::{Pod, Zeroable};
use glam::{DVec2, DVec3, Vec3};

/// One vertex of the static scene. Must match `VertexIn` in `shaders/mesh.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct SceneVertex {
    /// Render frame (global minus the scene origin), metres.
    pub position: [f32; 3],
    pub normal: [f32; 3],
    /// sRGB colour in rgb, semantic class id in the last byte.
    pub color_class: [u8; 4],
}
const _: () = assert!(std::mem::size_of::<SceneVertex>() == 28);

impl SceneVertex {
    pub const ATTRIBUTES: [wgpu::VertexAttribute; 3] =
        wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32x3, 2 => Uint8x4];

    pub fn layout() -> wgpu::VertexBufferLayout<'static> {
        wgpu::VertexBufferLayout {
            array_stride: std::mem::size_of::<SceneVertex>() as u64,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes: &Self::ATTRIBUTES,
        }
    }
}

/// A surface's look: sRGB colour and semantic class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Material {
    pub srgb: [u8; 3],
    pub class: u8,
}

impl Material {
    pub const fn new(srgb: [u8; 3], class: u8) -> Material {
        Material { srgb, class }
    }
}

/// Indexed triangle mesh in the render frame.
#[derive(Debug, Clone, Default)]
pub struct SceneMesh {
    pub vertices: Vec<SceneVertex>,
    pub indices: Vec<u32>,
}

/// Builds a `SceneMesh` from global-frame geometry.
#[derive(Debug, Clone)]
pub struct MeshBuilder {
    /// Global position of the render frame's origin.
    pub origin: DVec3,
    pub mesh: SceneMesh,
}

impl MeshBuilder {
    pub fn new(origin: DVec3) -> MeshBuilder {
        MeshBuilder {
            origin,
            mesh: SceneMesh::default(),
        }
    }

    /// Add a vertex at a global position; returns its index.
    pub fn vertex(&mut self, global: DVec3, normal: Vec3, m: Material) -> u32 {
        let p = (global - self.origin).as_vec3();
        let i = self.mesh.vertices.len() as u32;
        self.mesh.vertices.push(SceneVertex {
            position: p.to_array(),
            normal: normal.to_array(),
            color_class: [m.srgb[0], m.srgb[1], m.srgb[2], m.class],
        });
        i
    }

    pub fn triangle(&mut self, a: u32, b: u32, c: u32) {
        self.mesh.indices.extend_from_slice(&[a, b, c]);
    }

    /// A planar quad a-b-c-d (counter-clockwise seen from the side `normal` points to).
    pub fn quad(&mut self, corners: [DVec3; 4], normal: Vec3, m: Material) {
        let i: Vec<u32> = corners.iter().map(|p| self.vertex(*p, normal, m)).collect();
        self.triangle(i[0], i[1], i[2]);
        self.triangle(i[0], i[2], i[3]);
    }

    /// A horizontal quad at height `z_m` from four xy corners (any winding: faces up).
    pub fn flat_quad(&mut self, xy: [DVec2; 4], z_m: f64, m: Material) {
        let mut c = xy.map(|p| p.extend(z_m));
        if signed_area(&xy) < 0.0 {
            c.reverse();
        }
        self.quad(c, Vec3::Z, m);
    }

    /// A vertical wall quad from segment a-b, from `z0_m` up to `z1_m`, facing the side the
    /// outward normal `n` (xy) points to.
    pub fn wall(&mut self, a: DVec2, b: DVec2, z0_m: f64, z1_m: f64, m: Material) {
        let d = b - a;
        // Right-hand normal of a -> b; counter-clockwise rings get outward walls.
        let n = DVec2::new(d.y, -d.x).normalize_or_zero();
        self.quad(
            [
                a.extend(z0_m),
                b.extend(z0_m),
                b.extend(z1_m),
                a.extend(z1_m),
            ],
            n.extend(0.0).as_vec3(),
            m,
        );
    }

    /// An oriented box: centre of the bottom face, yaw, length (along yaw), width, height.
    pub fn oriented_box(
        &mut self,
        bottom_centre: DVec3,
        yaw: f64,
        size_lwh_m: DVec3,
        m: Material,
        top: Option<Material>,
    ) {
        let (s, c) = yaw.sin_cos();
        let ax = DVec2::new(c, s) * 0.5 * size_lwh_m.x;
        let ay = DVec2::new(-s, c) * 0.5 * size_lwh_m.y;
        let o = bottom_centre.truncate();
        // Counter-clockwise footprint.
        let ring = [o + ax - ay, o + ax + ay, o - ax + ay, o - ax - ay];
        let z0 = bottom_centre.z;
        let z1 = z0 + size_lwh_m.z;
        for k in 0..4 {
            self.wall(ring[k], ring[(k + 1) % 4], z0, z1, m);
        }
        self.flat_quad(ring, z1, top.unwrap_or(m));
    }

    /// Triangulate a polygon with holes (earcut) at height `z_m`, facing up. Returns false if
    /// the triangulation failed (degenerate input), in which case nothing is added.
    pub fn flat_polygon(
        &mut self,
        exterior: &[DVec2],
        holes: &[Vec<DVec2>],
        z_m: f64,
        m: Material,
    ) -> bool {
        let o = self.origin.truncate();
        let mut flat: Vec<f64> = Vec::with_capacity(2 * exterior.len());
        let mut hole_starts = Vec::with_capacity(holes.len());
        for p in exterior {
            flat.extend_from_slice(&[p.x - o.x, p.y - o.y]);
        }
        for h in holes.iter().filter(|h| h.len() >= 3) {
            hole_starts.push(flat.len() / 2);
            for p in h {
                flat.extend_from_slice(&[p.x - o.x, p.y - o.y]);
            }
        }
        let Ok(tris) = earcutr::earcut(&flat, &hole_starts, 2) else {
            return false;
        };
        let base = self.mesh.vertices.len() as u32;
        for k in 0..flat.len() / 2 {
            let g = DVec3::new(flat[2 * k] + o.x, flat[2 * k + 1] + o.y, z_m);
            self.vertex(g, Vec3::Z, m);
        }
        for t in tris.chunks_exact(3) {
            let (a, b, c) = (t[0], t[1], t[2]);
            let pa = DVec2::new(flat[2 * a], flat[2 * a + 1]);
            let pb = DVec2::new(flat[2 * b], flat[2 * b + 1]);
            let pc = DVec2::new(flat[2 * c], flat[2 * c + 1]);
            // Face up: counter-clockwise seen from above.
            if (pb - pa).perp_dot(pc - pa) >= 0.0 {
                self.triangle(base + a as u32, base + b as u32, base + c as u32);
            } else {
                self.triangle(base + a as u32, base + c as u32, base + b as u32);
            }
        }
        true
    }
}

/// Shoelace signed area (positive for counter-clockwise rings).
pub fn signed_area(ring: &[DVec2]) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|i| ring[i].perp_dot(ring[(i + 1) % n]))
        .sum::<f64>()
        * 0.5
}

/// An actor model as the renderer draws it (built-in boxes, or `render::assets` glTF models
/// through `ActorMeshes::from_assets`), in its box frame, normalised to the unit box: x forward (length), y left
/// (width), z up (height), each in [-0.5, 0.5]; the renderer scales it to the box size
/// (l, w, h) and places it at the box centre. This is the interface glTF models plug into.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActorMesh {
    pub positions: Vec<[f32; 3]>,
    pub normals: Vec<[f32; 3]>,
    /// Linear RGB per vertex.
    pub colors: Vec<[f32; 3]>,
    /// How much the instance's paint colour replaces each vertex colour (0: keep it, e.g.
    /// glass, tyres, skin; 1: painted body). Empty: keep every colour.
    pub paint: Vec<f32>,
    pub indices: Vec<u32>,
}

impl ActorMesh {
    /// Add an axis-aligned box (in unit-box coordinates) with flat normals; `paint` as in
    /// `ActorMesh::paint`.
    pub fn add_box(&mut self, min: Vec3, max: Vec3, color: [f32; 3], paint: f32) {
        let faces: [(Vec3, [Vec3; 4]); 6] = [
            (
                Vec3::X,
                [
                    Vec3::new(max.x, min.y, min.z),
                    Vec3::new(max.x, max.y, min.z),
                    Vec3::new(max.x, max.y, max.z),
                    Vec3::new(max.x, min.y, max.z),
                ],
            ),
            (
                Vec3::NEG_X,
                [
                    Vec3::new(min.x, max.y, min.z),
                    Vec3::new(min.x, min.y, min.z),
                    Vec3::new(min.x, min.y, max.z),
                    Vec3::new(min.x, max.y, max.z),
                ],
            ),
            (
                Vec3::Y,
                [
                    Vec3::new(max.x, max.y, min.z),
                    Vec3::new(min.x, max.y, min.z),
                    Vec3::new(min.x, max.y, max.z),
                    Vec3::new(max.x, max.y, max.z),
                ],
            ),
            (
                Vec3::NEG_Y,
                [
                    Vec3::new(min.x, min.y, min.z),
                    Vec3::new(max.x, min.y, min.z),
                    Vec3::new(max.x, min.y, max.z),
                    Vec3::new(min.x, min.y, max.z),
                ],
            ),
            (
                Vec3::Z,
                [
                    Vec3::new(min.x, min.y, max.z),
                    Vec3::new(max.x, min.y, max.z),
                    Vec3::new(max.x, max.y, max.z),
                    Vec3::new(min.x, max.y, max.z),
                ],
            ),
            (
                Vec3::NEG_Z,
                [
                    Vec3::new(min.x, max.y, min.z),
                    Vec3::new(max.x, max.y, min.z),
                    Vec3::new(max.x, min.y, min.z),
                    Vec3::new(min.x, min.y, min.z),
                ],
            ),
        ];
        for (n, quad) in faces {
            let base = self.positions.len() as u32;
            for p in quad {
                self.positions.push(p.to_array());
                self.normals.push(n.to_array());
                self.colors.push(color);
                self.paint.push(paint);
            }
            self.indices
                .extend_from_slice(&[base, base + 1, base + 2, base, base + 2, base + 3]);
        }
    }

    /// Check the arrays agree and indices are in range.
    pub fn is_consistent(&self) -> bool {
        let n = self.positions.len();
        self.normals.len() == n
            && self.colors.len() == n
            && (self.paint.is_empty() || self.paint.len() == n)
            && self.indices.len().is_multiple_of(3)
            && self.indices.iter().all(|i| (*i as usize) < n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygon_with_hole_triangulates_to_its_area() {
        let mut b = MeshBuilder::new(DVec3::new(1000.0, 2000.0, 0.0));
        let sq = |o: DVec2, s: f64| {
            vec![
                o,
                o + DVec2::new(s, 0.0),
                o + DVec2::new(s, s),
                o + DVec2::new(0.0, s),
            ]
        };
        let outer = sq(DVec2::new(1000.0, 2000.0), 10.0);
        let hole = sq(DVec2::new(1003.0, 2003.0), 4.0);
        assert!(b.flat_polygon(&outer, &[hole], 0.0, Material::new([1, 2, 3], 1)));
        let v = &b.mesh.vertices;
        let area: f64 = b
            .mesh
            .indices
            .chunks_exact(3)
            .map(|t| {
                let p = |i: u32| {
                    DVec2::new(
                        v[i as usize].position[0] as f64,
                        v[i as usize].position[1] as f64,
                    )
                };
                let (a, bb, c) = (p(t[0]), p(t[1]), p(t[2]));
                let cross = (bb - a).perp_dot(c - a);
                assert!(cross >= 0.0, "triangles face up");
                0.5 * cross
            })
            .sum();
        assert!((area - 84.0).abs() < 1e-6, "area {area}");
        // Origin subtracted before the f32 cast.
        assert_eq!(v[0].position, [0.0, 0.0, 0.0]);
    }

    #[test]
    fn unit_box_is_consistent_and_outward() {
        let mut m = ActorMesh::default();
        m.add_box(Vec3::splat(-0.5), Vec3::splat(0.5), [1.0; 3], 1.0);
        assert!(m.is_consistent());
        for t in m.indices.chunks_exact(3) {
            let p = |i: u32| Vec3::from_array(m.positions[i as usize]);
            let n = (p(t[1]) - p(t[0])).cross(p(t[2]) - p(t[0]));
            let centroid = (p(t[0]) + p(t[1]) + p(t[2])) / 3.0;
            assert!(n.dot(centroid) > 0.0, "counter-clockwise seen from outside");
            assert!(
                n.normalize()
                    .dot(Vec3::from_array(m.normals[t[0] as usize]))
                    > 0.99
            );
        }
    }
}
