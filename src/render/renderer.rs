//! `Renderer`: the static scene of one map on the GPU, the actor models, and `draw`, which
//! renders one camera into caller-given texture views (the viewer and the headless path share
//! it). `render_views` (readback.rs) renders the whole rig and reads it back.

use crate::render::actors::{ActorInstance, ActorInstanceRaw, ActorMeshes, ActorVertex};
use crate::render::camera::Lighting;
use crate::render::culling::{Tile, tile_mesh, visible_ranges};
use crate::render::pipelines::Pipelines;
use crate::render::readback::FrameResources;
use crate::render::scene_mesh::{StaticScene, build_static_scene};
use crate::render::style::{TownStyle, srgb8_to_linear};
use crate::render::targets::{GpuCamera, TargetViews};
use crate::render::{RenderConfig, RenderError};
use crate::scene::{ActorClass, MapData};
use glam::{DVec3, Vec3};
use wgpu::util::DeviceExt;

/// An uploaded indexed mesh.
#[derive(Debug)]
struct GpuMesh {
    vertices: wgpu::Buffer,
    indices: wgpu::Buffer,
    index_count: u32,
}

/// Renders one map's static scene plus actors from any camera.
#[derive(Debug)]
pub struct Renderer {
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    pub(crate) pipelines: Pipelines,
    /// Global position of the render frame's origin.
    pub origin: DVec3,
    pub style: TownStyle,
    pub lighting: Lighting,
    /// Static-scene statistics (triangles, buildings, trees, skipped polygons).
    pub stats: SceneStats,
    scene: Option<GpuMesh>,
    /// Static-mesh tiles for frustum culling.
    tiles: Vec<Tile>,
    actor_meshes: Vec<Option<GpuMesh>>,
    instances: wgpu::Buffer,
    instance_capacity: usize,
    /// Instance ranges per class (indexed like `ActorClass::ALL`).
    class_ranges: [std::ops::Range<u32>; 6],
    pub(crate) cameras: Vec<GpuCamera>,
    pub(crate) frame: Option<FrameResources>,
}

/// What the static scene holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SceneStats {
    pub triangles: usize,
    pub buildings: usize,
    pub trees: usize,
    pub failed_polygons: usize,
}

fn upload(device: &wgpu::Device, label: &str, vertices: &[u8], indices: &[u32]) -> Option<GpuMesh> {
    if indices.is_empty() {
        return None;
    }
    Some(GpuMesh {
        vertices: device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: vertices,
            usage: wgpu::BufferUsages::VERTEX,
        }),
        indices: device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytemuck::cast_slice(indices),
            usage: wgpu::BufferUsages::INDEX,
        }),
        index_count: indices.len() as u32,
    })
}

impl Lighting {
    /// Sun from azimuth (degrees counter-clockwise from global +x) and elevation, sky from the
    /// town style.
    pub fn for_style(style: &TownStyle, sun_azimuth_deg: f64, sun_elevation_deg: f64) -> Lighting {
        let (az, el) = (sun_azimuth_deg.to_radians(), sun_elevation_deg.to_radians());
        Lighting {
            sun_dir: DVec3::new(el.cos() * az.cos(), el.cos() * az.sin(), el.sin()),
            ambient: 0.38,
            sky_zenith: srgb8_to_linear(style.sky_zenith),
            sky_horizon: srgb8_to_linear(style.sky_horizon),
            fog_start_m: 120.0,
            fog_end_m: 500.0,
            fog_max: 0.55,
            floor_height_m: style.floor_height_m,
            window_spacing_m: style.window_spacing_m,
            glass_bands: style.glass_facades,
        }
    }
}

impl Renderer {
    /// Build the static scene of `map` and upload it with the built-in actor models
    /// (`render::assets`, procedural; `set_actor_meshes` swaps in loaded glTF or box models).
    pub fn new(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        map: &MapData,
        config: &RenderConfig,
    ) -> Result<Renderer, RenderError> {
        let scene = build_static_scene(map, config.region, config.seed);
        Ok(Renderer::from_static_scene(device, queue, scene, config))
    }

    /// Upload an already built static scene.
    pub fn from_static_scene(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        mut scene: StaticScene,
        config: &RenderConfig,
    ) -> Renderer {
        // NaN guard (STYLE.md): a non-finite vertex would silently vanish or streak.
        debug_assert!(
            scene.mesh.vertices.iter().all(|v| v
                .position
                .iter()
                .chain(&v.normal)
                .all(|x| x.is_finite())),
            "static scene mesh has non-finite vertices"
        );
        let pipelines = Pipelines::new(device);
        let lighting = Lighting::for_style(
            &scene.style,
            config.sun_azimuth_deg,
            config.sun_elevation_deg,
        );
        let stats = SceneStats {
            triangles: scene.mesh.indices.len() / 3,
            buildings: scene.buildings,
            trees: scene.trees,
            failed_polygons: scene.failed_polygons,
        };
        let tiles = tile_mesh(&mut scene.mesh);
        let gpu_scene = upload(
            device,
            "static scene",
            bytemuck::cast_slice(&scene.mesh.vertices),
            &scene.mesh.indices,
        );
        let instance_capacity = 64;
        let mut r = Renderer {
            device: device.clone(),
            queue: queue.clone(),
            origin: scene.origin,
            style: scene.style,
            lighting,
            stats,
            scene: gpu_scene,
            tiles,
            actor_meshes: Vec::new(),
            instances: Self::instance_buffer(device, instance_capacity),
            instance_capacity,
            class_ranges: std::array::from_fn(|_| 0..0),
            cameras: Vec::new(),
            frame: None,
            pipelines,
        };
        r.set_actor_meshes(&ActorMeshes::from_assets(
            &crate::render::assets::ActorModels::builtin(),
        ));
        r
    }

    fn instance_buffer(device: &wgpu::Device, capacity: usize) -> wgpu::Buffer {
        device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("actor instances"),
            size: (capacity * std::mem::size_of::<ActorInstanceRaw>()) as u64,
            usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// Replace the per-class actor models (e.g. glTF meshes normalised to the unit box).
    pub fn set_actor_meshes(&mut self, models: &ActorMeshes) {
        self.actor_meshes = models
            .meshes
            .iter()
            .map(|m| {
                let verts: Vec<ActorVertex> = (0..m.positions.len())
                    .map(|i| ActorVertex {
                        position: m.positions[i],
                        normal: m.normals.get(i).copied().unwrap_or(Vec3::Z.to_array()),
                        color: m.colors.get(i).copied().unwrap_or([1.0; 3]),
                        paint: m.paint.get(i).copied().unwrap_or(0.0),
                    })
                    .collect();
                upload(
                    &self.device,
                    "actor model",
                    bytemuck::cast_slice(&verts),
                    &m.indices,
                )
            })
            .collect();
    }

    pub(crate) fn class_ranges_mut(&mut self) -> &mut [std::ops::Range<u32>; 6] {
        &mut self.class_ranges
    }

    /// Upload this frame's actors (shared by every camera drawn before the next call).
    pub fn set_actors(&mut self, actors: &[ActorInstance]) {
        self.class_ranges = self.upload_actor_frames(&[actors])[0].clone();
    }

    /// Upload the actors of several frames into the one instance buffer, frame after frame;
    /// returns each frame's instance ranges per class (indexed like `ActorClass::ALL`).
    pub(crate) fn upload_actor_frames(
        &mut self,
        frames: &[&[ActorInstance]],
    ) -> Vec<[std::ops::Range<u32>; 6]> {
        let mut data: Vec<ActorInstanceRaw> = Vec::new();
        let mut ranges = Vec::with_capacity(frames.len());
        for actors in frames {
            let mut raw: Vec<(usize, ActorInstanceRaw)> = actors
                .iter()
                .map(|a| {
                    let ci = ActorClass::ALL
                        .iter()
                        .position(|c| *c == a.class)
                        .unwrap_or(0);
                    (ci, ActorInstanceRaw::new(a, self.origin))
                })
                .collect();
            // Stable sort: instances of one class are contiguous, input order kept within.
            raw.sort_by_key(|(ci, _)| *ci);
            let base = data.len() as u32;
            ranges.push(std::array::from_fn(|ci| {
                let start = raw.partition_point(|(c, _)| *c < ci) as u32;
                let end = raw.partition_point(|(c, _)| *c <= ci) as u32;
                base + start..base + end
            }));
            data.extend(raw.into_iter().map(|(_, r)| r));
        }
        if data.len() > self.instance_capacity {
            self.instance_capacity = data.len().next_power_of_two();
            self.instances = Self::instance_buffer(&self.device, self.instance_capacity);
        }
        debug_assert!(
            data.iter()
                .all(|r| r.model.iter().flatten().all(|x| x.is_finite())),
            "actor instance with a non-finite pose or size"
        );
        if !data.is_empty() {
            self.queue
                .write_buffer(&self.instances, 0, bytemuck::cast_slice(&data));
        }
        ranges
    }

    /// Static-mesh triangles `draw` submits for a camera after frustum culling.
    pub fn visible_triangles(&self, camera: &GpuCamera) -> usize {
        visible_ranges(&self.tiles, &camera.clip_from_world)
            .iter()
            .map(|r| (r.end - r.start) as usize / 3)
            .sum()
    }

    /// Mean static-mesh triangles drawn per camera in the last `render_views`.
    pub fn mean_visible_triangles(&self) -> f64 {
        if self.cameras.is_empty() {
            return 0.0;
        }
        self.cameras
            .iter()
            .map(|c| self.visible_triangles(c) as f64)
            .sum::<f64>()
            / self.cameras.len() as f64
    }

    /// A camera uniform slot for `draw` (the viewer keeps one; `render_views` keeps six).
    pub fn create_camera(&self) -> GpuCamera {
        GpuCamera::new(&self.device, &self.pipelines.frame_layout)
    }

    /// Draw the static scene, the current actors and then the sky (where nothing else is) from
    /// `camera` into `targets` (all cleared first). Write the camera's uniform before the encoder is submitted.
    pub fn draw(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        targets: &TargetViews<'_>,
        camera: &GpuCamera,
    ) {
        self.draw_parts(encoder, targets, camera, true);
    }

    /// `draw` without the static scene when `static_scene` is false: only the actors and the
    /// sky (depth `NO_DEPTH_M` there), the mesh layers a splat background is composited over.
    pub fn draw_parts(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        targets: &TargetViews<'_>,
        camera: &GpuCamera,
        static_scene: bool,
    ) {
        self.draw_parts_with(encoder, targets, camera, static_scene, &self.class_ranges);
    }

    /// `draw_parts` with the actor instances of `class_ranges` (one frame of a batch).
    pub(crate) fn draw_parts_with(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        targets: &TargetViews<'_>,
        camera: &GpuCamera,
        static_scene: bool,
        class_ranges: &[std::ops::Range<u32>; 6],
    ) {
        let clear = |c: wgpu::Color| wgpu::Operations {
            load: wgpu::LoadOp::Clear(c),
            store: wgpu::StoreOp::Store,
        };
        let attachment = |view, c| {
            Some(wgpu::RenderPassColorAttachment {
                view,
                depth_slice: None,
                resolve_target: None,
                ops: clear(c),
            })
        };
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("scene"),
            color_attachments: &[
                attachment(targets.color, wgpu::Color::BLACK),
                attachment(targets.depth_m, wgpu::Color::TRANSPARENT),
                attachment(targets.semantic, wgpu::Color::TRANSPARENT),
            ],
            depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                view: targets.depth_buffer,
                // Reversed Z: 0 is the far plane.
                depth_ops: Some(wgpu::Operations {
                    load: wgpu::LoadOp::Clear(0.0),
                    store: wgpu::StoreOp::Discard,
                }),
                stencil_ops: None,
            }),
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        pass.set_bind_group(0, &camera.bind_group, &[]);
        if let Some(m) = self.scene.as_ref().filter(|_| static_scene) {
            pass.set_pipeline(&self.pipelines.mesh);
            pass.set_vertex_buffer(0, m.vertices.slice(..));
            pass.set_index_buffer(m.indices.slice(..), wgpu::IndexFormat::Uint32);
            for range in visible_ranges(&self.tiles, &camera.clip_from_world) {
                pass.draw_indexed(range, 0, 0..1);
            }
        }
        pass.set_pipeline(&self.pipelines.actor);
        pass.set_vertex_buffer(1, self.instances.slice(..));
        for (ci, range) in class_ranges.iter().enumerate() {
            if range.is_empty() {
                continue;
            }
            if let Some(Some(m)) = self.actor_meshes.get(ci) {
                pass.set_vertex_buffer(0, m.vertices.slice(..));
                pass.set_index_buffer(m.indices.slice(..), wgpu::IndexFormat::Uint32);
                pass.draw_indexed(0..m.index_count, 0, range.clone());
            }
        }
        pass.set_pipeline(&self.pipelines.sky);
        pass.draw(0..3, 0..1);
    }
}
