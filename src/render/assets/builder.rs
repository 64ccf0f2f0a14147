//! Building procedural models from convex solids (boxes, lofts, beams, wheels, ellipsoids).
//!
//! Models are designed in metres at a typical size of their class (x forward, y left, z up) and
//! normalised to the unit box at the end. Every solid is convex, so each face is oriented
//! outward by comparing its Newell normal with the direction from the solid's centroid: no
//! hand-ordered winding. Faces keep their own vertices, so normals are flat, and each face is
//! fanned into triangles counter-clockwise seen from outside.

use super::MeshData;
use glam::{DVec3, Vec3};

/// A model split by material, in the unit frame: what the `.glb` writer stores, one glTF
/// primitive per part.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub name: String,
    pub parts: Vec<Part>,
}

/// The triangles of one material.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// Material name, e.g. `body`, `glass`, `tire`.
    pub material: String,
    /// Linear RGBA, as glTF's `baseColorFactor`.
    pub base_color: [f32; 4],
    pub positions: Vec<[f32; 3]>,
    pub normals: Vec<[f32; 3]>,
    pub indices: Vec<u32>,
}

impl Model {
    /// Flatten the parts in order into one mesh with per-vertex colours.
    pub fn to_mesh_data(&self) -> MeshData {
        let mut mesh = MeshData::default();
        for part in &self.parts {
            let base = mesh.positions.len() as u32;
            mesh.positions.extend_from_slice(&part.positions);
            mesh.normals.extend_from_slice(&part.normals);
            mesh.colors
                .extend(std::iter::repeat_n(part.base_color, part.positions.len()));
            mesh.indices.extend(part.indices.iter().map(|i| base + i));
        }
        mesh
    }
}

/// sRGB-encoded 8-bit colour to linear (IEC 61966-2-1).
pub fn srgb_to_linear(c: [u8; 3]) -> [f32; 4] {
    let f = |v: u8| {
        let s = v as f64 / 255.0;
        let l = if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        };
        l as f32
    };
    [f(c[0]), f(c[1]), f(c[2]), 1.0]
}

/// Index of a material registered with [`ModelBuilder::material`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mat(usize);

struct Face {
    material: usize,
    /// Counter-clockwise seen from outside.
    verts: Vec<Vec3>,
}

#[derive(Default)]
pub struct ModelBuilder {
    materials: Vec<(String, [f32; 4])>,
    faces: Vec<Face>,
}

fn newell_normal(verts: &[Vec3]) -> Vec3 {
    let mut n = Vec3::ZERO;
    for (i, a) in verts.iter().enumerate() {
        let b = verts[(i + 1) % verts.len()];
        n += Vec3::new(
            (a.y - b.y) * (a.z + b.z),
            (a.z - b.z) * (a.x + b.x),
            (a.x - b.x) * (a.y + b.y),
        );
    }
    n
}

fn centroid(points: &[Vec3]) -> Vec3 {
    points.iter().copied().sum::<Vec3>() / points.len().max(1) as f32
}

impl ModelBuilder {
    pub fn new() -> ModelBuilder {
        ModelBuilder::default()
    }

    /// Register a material by name and sRGB colour.
    pub fn material(&mut self, name: &str, srgb: [u8; 3]) -> Mat {
        self.materials
            .push((name.to_string(), srgb_to_linear(srgb)));
        Mat(self.materials.len() - 1)
    }

    /// A planar convex polygon, turned to face away from `inside`. Degenerate polygons (zero
    /// area) are dropped.
    pub fn face(&mut self, m: Mat, mut verts: Vec<Vec3>, inside: Vec3) {
        let n = newell_normal(&verts);
        if n.length_squared() < 1e-12 {
            return;
        }
        if n.dot(centroid(&verts) - inside) < 0.0 {
            verts.reverse();
        }
        self.faces.push(Face {
            material: m.0,
            verts,
        });
    }

    /// The convex solid spanned by two polygons with the same vertex count (corresponding
    /// vertices joined by side quads): prisms, frusta, tapered boxes, cylinders. `cap` colours
    /// the two end polygons (default: `m`).
    pub fn loft(&mut self, m: Mat, cap: Option<Mat>, bottom: &[Vec3], top: &[Vec3]) {
        debug_assert_eq!(bottom.len(), top.len());
        let all: Vec<Vec3> = bottom.iter().chain(top).copied().collect();
        let inside = centroid(&all);
        let cap = cap.unwrap_or(m);
        self.face(cap, bottom.to_vec(), inside);
        self.face(cap, top.to_vec(), inside);
        let n = bottom.len();
        for i in 0..n {
            let j = (i + 1) % n;
            self.face(m, vec![bottom[i], bottom[j], top[j], top[i]], inside);
        }
    }

    /// Axis-aligned box.
    pub fn cuboid(&mut self, m: Mat, min: [f32; 3], max: [f32; 3]) {
        let (a, b) = (Vec3::from(min), Vec3::from(max));
        let ring = |z: f32| {
            vec![
                Vec3::new(a.x, a.y, z),
                Vec3::new(b.x, a.y, z),
                Vec3::new(b.x, b.y, z),
                Vec3::new(a.x, b.y, z),
            ]
        };
        self.loft(m, None, &ring(a.z), &ring(b.z));
    }

    /// A box with horizontal bottom and top rectangles `[x0, x1] x [-half_w, half_w]` at two
    /// heights: car bodies and cabins with tumblehome and raked screens.
    pub fn tapered(&mut self, m: Mat, z0: f32, bottom: [f32; 3], z1: f32, top: [f32; 3]) {
        let ring = |z: f32, r: [f32; 3]| {
            vec![
                Vec3::new(r[0], -r[2], z),
                Vec3::new(r[1], -r[2], z),
                Vec3::new(r[1], r[2], z),
                Vec3::new(r[0], r[2], z),
            ]
        };
        self.loft(m, None, &ring(z0, bottom), &ring(z1, top));
    }

    /// A convex profile in the x-z plane (points `[x, z]`) extruded along y over `[y0, y1]`.
    pub fn extrude_y(&mut self, m: Mat, profile_xz: &[[f32; 2]], y0: f32, y1: f32) {
        let ring = |y: f32| -> Vec<Vec3> {
            profile_xz
                .iter()
                .map(|p| Vec3::new(p[0], y, p[1]))
                .collect()
        };
        self.loft(m, None, &ring(y0), &ring(y1));
    }

    /// A bar of square cross-section `2 * half` from `a` to `b`.
    pub fn beam(&mut self, m: Mat, a: [f32; 3], b: [f32; 3], half: f32) {
        let (a, b) = (Vec3::from(a), Vec3::from(b));
        let d = (b - a).normalize_or_zero();
        let helper = if d.z.abs() < 0.9 { Vec3::Z } else { Vec3::X };
        let u = d.cross(helper).normalize_or_zero() * half;
        let v = d.cross(u).normalize_or_zero() * half;
        let ring = |c: Vec3| vec![c - u - v, c + u - v, c + u + v, c - u + v];
        self.loft(m, None, &ring(a), &ring(b));
    }

    /// A cylinder around an axis parallel to y (`segments` sides): wheels.
    pub fn cylinder_y(&mut self, m: Mat, cap: Option<Mat>, c: [f32; 3], radius: f32, half_w: f32) {
        const SEGMENTS: usize = 12;
        let ring = |y: f32| -> Vec<Vec3> {
            (0..SEGMENTS)
                .map(|i| {
                    let t = std::f32::consts::TAU * (i as f32 + 0.5) / SEGMENTS as f32;
                    Vec3::new(c[0] + radius * t.cos(), y, c[2] + radius * t.sin())
                })
                .collect()
        };
        self.loft(m, cap, &ring(c[1] - half_w), &ring(c[1] + half_w));
    }

    /// A car or truck wheel: a dark tyre with a lighter hub on both sides.
    pub fn wheel(&mut self, tire: Mat, hub: Mat, c: [f32; 3], radius: f32, half_w: f32) {
        self.cylinder_y(tire, None, c, radius, half_w);
        self.cylinder_y(hub, None, c, radius * 0.55, half_w + 0.01);
    }

    /// An ellipsoid from `lon` meridians and `lat` parallels: heads, helmets.
    pub fn ellipsoid(&mut self, m: Mat, c: [f32; 3], radii: [f32; 3], lon: usize, lat: usize) {
        let (c, r) = (Vec3::from(c), Vec3::from(radii));
        let point = |i: usize, j: usize| {
            let theta = std::f32::consts::PI * j as f32 / lat as f32; // from the top
            let phi = std::f32::consts::TAU * i as f32 / lon as f32;
            c + r * Vec3::new(
                theta.sin() * phi.cos(),
                theta.sin() * phi.sin(),
                theta.cos(),
            )
        };
        for j in 0..lat {
            for i in 0..lon {
                let i1 = (i + 1) % lon;
                let mut verts = vec![point(i, j), point(i1, j), point(i1, j + 1), point(i, j + 1)];
                if j == 0 {
                    verts.remove(0); // the pole: a triangle
                } else if j == lat - 1 {
                    verts.remove(2);
                }
                self.face(m, verts, c);
            }
        }
    }

    /// Normalise to the unit box and split into per-material parts (materials with no faces
    /// are left out).
    pub fn finish(self, name: &str) -> Model {
        let mut lo = DVec3::splat(f64::INFINITY);
        let mut hi = DVec3::splat(f64::NEG_INFINITY);
        for v in self.faces.iter().flat_map(|f| &f.verts) {
            lo = lo.min(v.as_dvec3());
            hi = hi.max(v.as_dvec3());
        }
        let mut parts: Vec<Part> = self
            .materials
            .iter()
            .map(|(name, color)| Part {
                material: name.clone(),
                base_color: *color,
                positions: Vec::new(),
                normals: Vec::new(),
                indices: Vec::new(),
            })
            .collect();
        for face in &self.faces {
            let verts: Vec<Vec3> = face
                .verts
                .iter()
                .map(|v| Vec3::from(normalize_point(v.as_dvec3().to_array(), lo, hi)))
                .collect();
            let normal = newell_normal(&verts).normalize_or_zero();
            let part = &mut parts[face.material];
            let base = part.positions.len() as u32;
            for v in &verts {
                part.positions.push(v.to_array());
                part.normals.push(normal.to_array());
            }
            for k in 1..verts.len() as u32 - 1 {
                part.indices
                    .extend_from_slice(&[base, base + k, base + k + 1]);
            }
        }
        parts.retain(|p| !p.indices.is_empty());
        Model {
            name: name.to_string(),
            parts,
        }
    }
}

/// Map a point from the box `[lo, hi]` to the unit box. `(x - lo) / (hi - lo) - 0.5` gives
/// exactly -0.5 at `lo` and 0.5 at `hi` in IEEE arithmetic; a flat axis maps to 0.
pub fn normalize_point(p: [f64; 3], lo: DVec3, hi: DVec3) -> [f32; 3] {
    let mut out = [0.0f32; 3];
    for k in 0..3 {
        let extent = hi[k] - lo[k];
        out[k] = if extent > 0.0 {
            ((p[k] - lo[k]) / extent - 0.5) as f32
        } else {
            0.0
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srgb_to_linear_matches_reference_points() {
        // Reference values of the IEC 61966-2-1 curve.
        let c = srgb_to_linear([0, 128, 255]);
        assert_eq!(c[0], 0.0);
        assert!((c[1] - 0.215_861).abs() < 1e-5);
        assert_eq!(c[2], 1.0);
    }

    #[test]
    fn normalize_point_hits_the_box_faces_exactly() {
        let (lo, hi) = (DVec3::new(-2.3, 0.1, 0.0), DVec3::new(2.3, 1.7, 1.53));
        assert_eq!(normalize_point(lo.to_array(), lo, hi), [-0.5; 3]);
        assert_eq!(normalize_point(hi.to_array(), lo, hi), [0.5; 3]);
    }

    #[test]
    fn a_cuboid_has_six_outward_faces() {
        let mut b = ModelBuilder::new();
        let m = b.material("m", [255, 255, 255]);
        b.cuboid(m, [0.0, 0.0, 0.0], [2.0, 1.0, 1.0]);
        let mesh = b.finish("box").to_mesh_data();
        assert_eq!(mesh.vertex_count(), 24);
        assert_eq!(mesh.triangle_count(), 12);
        for t in mesh.indices.chunks_exact(3) {
            let p = |k: usize| Vec3::from(mesh.positions[t[k] as usize]);
            let n = Vec3::from(mesh.normals[t[0] as usize]);
            assert!(n.dot((p(0) + p(1) + p(2)) / 3.0) > 0.0, "outward");
            assert!((p(1) - p(0)).cross(p(2) - p(0)).dot(n) > 0.0, "ccw");
        }
    }
}
