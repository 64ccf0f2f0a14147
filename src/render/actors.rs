//! Actors: a table of per-class models (`ActorMeshes`, unit-box `ActorMesh`) and the per-frame
//! instances drawn from them. `ActorMeshes::from_assets` takes the glTF models of
//! `render::assets` (the renderer's default: the built-in procedural models); `boxes()` are
//! simple coloured boxes (vehicle body + cabin + wheels, a person as legs/torso/head, a bicycle
//! with rider, a striped barrier) whose shapes the geometry tests rely on.
//!
//! Each instance is placed by `model = T(box centre) R(box rotation) S(l, w, h)`, so a model
//! fills its actor's annotated box exactly (nuScenes size order is w, l, h).

use crate::render::mesh::ActorMesh;
use crate::render::semantic::actor_class_id;
use crate::render::style::srgb8_to_linear;
use crate::scene::{ActorClass, Pose, Scene};
use bytemuck::{Pod, Zeroable};
use glam::{DAffine3, DVec3, Vec3};

/// One actor to draw this frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActorInstance {
    pub class: ActorClass,
    /// Box centre and rotation, global frame.
    pub pose: Pose,
    /// Box size (width, length, height), metres, nuScenes order.
    pub size_wlh_m: DVec3,
    /// Picks the paint colour from the class palette (e.g. a hash of the instance token).
    pub variant: u32,
}

/// FNV-1a of a token: a stable paint variant per instance.
pub fn variant_of(token: &str) -> u32 {
    token.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ b as u32).wrapping_mul(0x0100_0193)
    })
}

/// The scene's logged actors at `t_us` (those whose track covers that time).
pub fn scene_actors_at(scene: &Scene, t_us: i64) -> Vec<ActorInstance> {
    scene
        .actors
        .iter()
        .filter_map(|a| {
            a.pose_at(t_us).map(|pose| ActorInstance {
                class: a.class,
                pose,
                size_wlh_m: a.size_wlh_m,
                variant: variant_of(&a.instance_token),
            })
        })
        .collect()
}

/// Vertex of an actor model. Must match `VertexIn` in `shaders/actor.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct ActorVertex {
    pub position: [f32; 3],
    pub normal: [f32; 3],
    pub color: [f32; 3],
    /// Weight of the instance paint (see `ActorMesh::paint`).
    pub paint: f32,
}
const _: () = assert!(std::mem::size_of::<ActorVertex>() == 40);

impl ActorVertex {
    pub const ATTRIBUTES: [wgpu::VertexAttribute; 4] =
        wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32x3, 2 => Float32x3, 10 => Float32];
    pub fn layout() -> wgpu::VertexBufferLayout<'static> {
        wgpu::VertexBufferLayout {
            array_stride: std::mem::size_of::<ActorVertex>() as u64,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes: &Self::ATTRIBUTES,
        }
    }
}

/// Per-instance data. Must match `InstanceIn` in `shaders/actor.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct ActorInstanceRaw {
    /// Columns of render-frame-from-unit-box.
    pub model: [[f32; 4]; 4],
    pub inv_scale: [f32; 3],
    pub class_id: u32,
    pub tint: [f32; 4],
}
const _: () = assert!(std::mem::size_of::<ActorInstanceRaw>() == 96);

impl ActorInstanceRaw {
    pub const ATTRIBUTES: [wgpu::VertexAttribute; 7] = wgpu::vertex_attr_array![
        3 => Float32x4, 4 => Float32x4, 5 => Float32x4, 6 => Float32x4,
        7 => Float32x3, 8 => Uint32, 9 => Float32x4
    ];
    pub fn layout() -> wgpu::VertexBufferLayout<'static> {
        wgpu::VertexBufferLayout {
            array_stride: std::mem::size_of::<ActorInstanceRaw>() as u64,
            step_mode: wgpu::VertexStepMode::Instance,
            attributes: &Self::ATTRIBUTES,
        }
    }

    /// The instance data of an actor in the render frame of `origin`.
    pub fn new(a: &ActorInstance, origin: DVec3) -> ActorInstanceRaw {
        let lwh =
            DVec3::new(a.size_wlh_m.y, a.size_wlh_m.x, a.size_wlh_m.z).max(DVec3::splat(0.05));
        let m = DAffine3::from_scale_rotation_translation(
            lwh,
            a.pose.rotation,
            a.pose.translation - origin,
        );
        let inv = (1.0 / lwh).as_vec3();
        let t = paint(a.class, a.variant);
        ActorInstanceRaw {
            model: glam::DMat4::from(m).as_mat4().to_cols_array_2d(),
            inv_scale: inv.to_array(),
            class_id: actor_class_id(a.class) as u32,
            tint: [t[0], t[1], t[2], 1.0],
        }
    }
}

/// The paint (tint) of an actor: a class palette indexed by `variant`.
pub fn paint(class: ActorClass, variant: u32) -> [f32; 3] {
    let pal: &[[u8; 3]] = match class {
        ActorClass::Car => &[
            [235, 235, 235],
            [190, 192, 196],
            [58, 58, 64],
            [100, 102, 108],
            [165, 35, 35],
            [40, 70, 140],
            [225, 225, 230],
            [48, 52, 60],
        ],
        ActorClass::Truck => &[
            [230, 230, 226],
            [200, 200, 200],
            [40, 80, 140],
            [200, 120, 30],
        ],
        ActorClass::Bus => &[
            [200, 40, 40],
            [235, 235, 235],
            [40, 130, 70],
            [230, 190, 40],
        ],
        ActorClass::Pedestrian => &[
            [180, 40, 40],
            [40, 70, 150],
            [230, 230, 230],
            [60, 60, 60],
            [40, 130, 80],
            [220, 170, 40],
        ],
        ActorClass::Cyclist => &[[200, 60, 40], [40, 90, 170], [60, 60, 60]],
        ActorClass::Obstacle => &[[255, 255, 255]],
    };
    srgb8_to_linear(pal[variant as usize % pal.len()])
}

/// Per-class actor models (unit box, see `ActorMesh`).
#[derive(Debug, Clone, PartialEq)]
pub struct ActorMeshes {
    /// Indexed like `ActorClass::ALL`.
    pub meshes: [ActorMesh; 6],
}

impl Default for ActorMeshes {
    fn default() -> Self {
        ActorMeshes::boxes()
    }
}

fn class_index(c: ActorClass) -> usize {
    ActorClass::ALL
        .iter()
        .position(|x| *x == c)
        .expect("every class is in ActorClass::ALL")
}

impl ActorMeshes {
    pub fn get(&self, c: ActorClass) -> &ActorMesh {
        &self.meshes[class_index(c)]
    }

    /// Replace one class's model (e.g. a glTF mesh normalised to the unit box).
    pub fn set(&mut self, c: ActorClass, mesh: ActorMesh) {
        self.meshes[class_index(c)] = mesh;
    }

    /// The glTF models of `render::assets` (e.g. `assets::ActorModels::load`). Cars get their
    /// paint per instance: the colour covering most of the car model's surface (its body) is
    /// replaced by the instance's paint; every other colour is kept as authored.
    pub fn from_assets(models: &crate::render::assets::ActorModels) -> ActorMeshes {
        ActorMeshes {
            meshes: ActorClass::ALL.map(|c| {
                let m = models.get(c);
                let colors: Vec<[f32; 3]> = m.colors.iter().map(|c| [c[0], c[1], c[2]]).collect();
                let paint = if c == ActorClass::Car {
                    body_mask(m, &colors)
                } else {
                    Vec::new()
                };
                ActorMesh {
                    positions: m.positions.clone(),
                    normals: m.normals.clone(),
                    colors,
                    paint,
                    indices: m.indices.clone(),
                }
            }),
        }
    }

    /// Simple box models for every class.
    pub fn boxes() -> ActorMeshes {
        ActorMeshes {
            meshes: ActorClass::ALL.map(box_model),
        }
    }
}

/// 1 where a vertex has the colour covering the largest surface area (the body), else 0.
fn body_mask(m: &crate::render::assets::MeshData, colors: &[[f32; 3]]) -> Vec<f32> {
    let key = |c: &[f32; 3]| c.map(f32::to_bits);
    let mut areas: Vec<([u32; 3], f32)> = Vec::new();
    for t in m.indices.chunks_exact(3) {
        let p = |i: u32| Vec3::from_array(m.positions[i as usize]);
        let area = 0.5 * (p(t[1]) - p(t[0])).cross(p(t[2]) - p(t[0])).length();
        let k = key(&colors[t[0] as usize]);
        match areas.iter_mut().find(|(c, _)| *c == k) {
            Some((_, a)) => *a += area,
            None => areas.push((k, area)),
        }
    }
    let Some(body) = areas
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(k, _)| *k)
    else {
        return Vec::new();
    };
    colors
        .iter()
        .map(|c| if key(c) == body { 1.0 } else { 0.0 })
        .collect()
}

const GLASS: [f32; 3] = [0.03, 0.035, 0.045];
const TYRE: [f32; 3] = [0.02, 0.02, 0.02];
const WHITE: [f32; 3] = [1.0, 1.0, 1.0];

fn v(x: f32, y: f32, z: f32) -> Vec3 {
    Vec3::new(x, y, z)
}

fn wheels(m: &mut ActorMesh, xs: &[f32], top: f32) {
    for &x in xs {
        m.add_box(v(x - 0.09, -0.5, -0.5), v(x + 0.09, 0.5, top), TYRE, 0.0);
    }
}

/// The box model of a class (unit box: x forward, y left, z up, all in [-0.5, 0.5]).
pub fn box_model(c: ActorClass) -> ActorMesh {
    let mut m = ActorMesh::default();
    match c {
        ActorClass::Car => {
            m.add_box(v(-0.5, -0.48, -0.32), v(0.5, 0.48, 0.08), WHITE, 1.0);
            m.add_box(v(-0.32, -0.44, 0.08), v(0.22, 0.44, 0.5), GLASS, 0.0);
            // Roof in paint colour over the glass cabin.
            m.add_box(v(-0.3, -0.42, 0.44), v(0.18, 0.42, 0.5), WHITE, 1.0);
            wheels(&mut m, &[-0.32, 0.32], -0.2);
        }
        ActorClass::Truck => {
            m.add_box(v(0.22, -0.48, -0.35), v(0.5, 0.48, 0.1), WHITE, 1.0);
            m.add_box(v(0.25, -0.46, 0.1), v(0.48, 0.46, 0.3), GLASS, 0.0);
            m.add_box(v(-0.5, -0.5, -0.35), v(0.2, 0.5, 0.5), [0.8, 0.8, 0.8], 0.0);
            wheels(&mut m, &[-0.38, -0.22, 0.36], -0.25);
        }
        ActorClass::Bus => {
            m.add_box(v(-0.5, -0.49, -0.38), v(0.5, 0.49, 0.5), WHITE, 1.0);
            m.add_box(v(-0.46, -0.5, 0.02), v(0.46, 0.5, 0.36), GLASS, 0.0);
            m.add_box(v(0.46, -0.44, -0.1), v(0.5, 0.44, 0.4), GLASS, 0.0);
            wheels(&mut m, &[-0.3, 0.35], -0.3);
        }
        ActorClass::Pedestrian => {
            let skin = [0.45, 0.3, 0.22];
            m.add_box(
                v(-0.2, -0.35, -0.5),
                v(0.2, -0.05, -0.05),
                [0.06, 0.06, 0.08],
                0.0,
            );
            m.add_box(
                v(-0.2, 0.05, -0.5),
                v(0.2, 0.35, -0.05),
                [0.06, 0.06, 0.08],
                0.0,
            );
            m.add_box(v(-0.3, -0.5, -0.05), v(0.3, 0.5, 0.32), WHITE, 1.0);
            m.add_box(v(-0.22, -0.25, 0.33), v(0.22, 0.25, 0.5), skin, 0.0);
        }
        ActorClass::Cyclist => {
            let frame = [0.1, 0.1, 0.1];
            m.add_box(v(0.2, -0.06, -0.5), v(0.5, 0.06, -0.05), TYRE, 0.0);
            m.add_box(v(-0.5, -0.06, -0.5), v(-0.2, 0.06, -0.05), TYRE, 0.0);
            m.add_box(v(-0.35, -0.05, -0.3), v(0.35, 0.05, -0.15), frame, 0.0);
            m.add_box(v(-0.15, -0.3, -0.15), v(0.1, 0.3, 0.3), WHITE, 1.0);
            m.add_box(
                v(-0.12, -0.15, 0.3),
                v(0.08, 0.15, 0.5),
                [0.45, 0.3, 0.22],
                0.0,
            );
        }
        ActorClass::Obstacle => {
            let orange = [0.9, 0.25, 0.02];
            m.add_box(v(-0.5, -0.5, -0.5), v(0.5, 0.5, -0.2), orange, 0.0);
            m.add_box(v(-0.5, -0.5, -0.2), v(0.5, 0.5, 0.1), WHITE, 1.0);
            m.add_box(v(-0.5, -0.5, 0.1), v(0.5, 0.5, 0.5), orange, 0.0);
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use glam::DQuat;

    #[test]
    fn box_models_fit_the_unit_box() {
        for c in ActorClass::ALL {
            let m = box_model(c);
            assert!(m.is_consistent(), "{c:?}");
            for p in &m.positions {
                assert!(p.iter().all(|x| x.abs() <= 0.5 + 1e-6), "{c:?} {p:?}");
            }
        }
    }

    #[test]
    fn instance_matrix_scales_length_along_heading() {
        let a = ActorInstance {
            class: ActorClass::Car,
            pose: Pose {
                translation: DVec3::new(110.0, 20.0, 0.8),
                rotation: DQuat::from_rotation_z(std::f64::consts::FRAC_PI_2),
            },
            size_wlh_m: DVec3::new(2.0, 4.5, 1.6),
            variant: 0,
        };
        let raw = ActorInstanceRaw::new(&a, DVec3::new(100.0, 0.0, 0.0));
        let m = glam::Mat4::from_cols_array_2d(&raw.model);
        // The front-face centre (x = 0.5) is 2.25 m along the heading (+y here).
        let front = m.transform_point3(Vec3::new(0.5, 0.0, 0.0));
        assert!(
            (front - Vec3::new(10.0, 22.25, 0.8)).length() < 1e-5,
            "{front}"
        );
        let top = m.transform_point3(Vec3::new(0.0, 0.0, 0.5));
        assert!((top.z - 1.6).abs() < 1e-6);
    }
}
