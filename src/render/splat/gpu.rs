//! GPU splat renderer: a tile-based rasteriser of 3D Gaussians in wgpu compute shaders,
//! following the 3DGS pipeline (Kerbl et al. 2023) and matching `cpu_reference`.
//!
//! Per frame:
//! 1. `cs_project` (shaders/splat_project.wgsl): one invocation per Gaussian computes the 2D
//!    mean, conic, SH colour for the view direction, camera depth and the pixel box of the
//!    footprint where alpha can reach 1/255.
//! 2. Host sort and binning (`binning::bin_by_tile`): the boxes and depths are read back, Gaussians are sorted by
//!    depth and appended to every 8x8 tile their box touches, so each tile's list is front to
//!    back. A CPU sort keeps this simple and deterministic; `bench` reports its share of the
//!    frame time.
//! 3. `cs_rasterize` (shaders/splat_rasterize.wgsl): one workgroup per tile composites its list
//!    front to back per pixel, over an optional mesh layer (colour, depth, semantic), and writes
//!    RGBA8, expected depth, semantic and alpha into storage buffers that are read back.

use super::binning::{TILE_SIZE_PX, bin_by_tile};
use super::camera::{SplatCamera, SplatImage};
use super::error::SplatError;
use super::gpu_util::{
    compute_pipeline, entry, output_buffer, read_back, storage_buffer, storage_entry, texture_1x1,
    texture_entry, uniform_entry,
};
use super::scene::SplatScene;
use bytemuck::{Pod, Zeroable};
use std::time::{Duration, Instant};
use wgpu::util::DeviceExt;

const PROJECT_WGSL: &str = include_str!("../../../shaders/splat_project.wgsl");
const RASTERIZE_WGSL: &str = include_str!("../../../shaders/splat_rasterize.wgsl");
const PROJECT_WORKGROUP: u32 = 256;

/// Must match `Params` in splat_project.wgsl and splat_rasterize.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct SplatParams {
    camera_from_splat: [[f32; 4]; 4],
    camera_centre: [f32; 4],
    intrinsics: [f32; 4],
    clip: [f32; 4],
    width: u32,
    height: u32,
    num_gaussians: u32,
    sh_degree: u32,
    tiles_x: u32,
    has_background: u32,
    background_is_linear: u32,
    _pad: u32,
}
const _: () = assert!(std::mem::size_of::<SplatParams>() == 144);

/// Must match `Gaussian` in splat_project.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct GaussianGpu {
    mean_opacity: [f32; 4],
    log_scale_sem: [f32; 4],
    rotation_xyzw: [f32; 4],
}
const _: () = assert!(std::mem::size_of::<GaussianGpu>() == 48);

/// Must match `Projected` in splat_project.wgsl and splat_rasterize.wgsl.
const PROJECTED_SIZE: u64 = 48;

/// Mesh layers the splats are composited over, all of the camera's size:
/// `color` any float-readable colour format (an `*Srgb` format is re-encoded to sRGB values
/// before blending, since 3DGS colours are sRGB-encoded), `depth_m` `R32Float` camera-z metres
/// (`inf`, or 0 as the mesh renderer's `NO_DEPTH_M`, where there is no surface), `semantic`
/// `R8Uint`. Each needs `TEXTURE_BINDING` usage.
#[derive(Debug, Clone, Copy)]
pub struct MeshLayers<'a> {
    pub color: &'a wgpu::Texture,
    pub depth_m: &'a wgpu::Texture,
    pub semantic: &'a wgpu::Texture,
}

/// Wall-clock time of the stages of one frame (the GPU stages include submission and readback).
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameTimings {
    pub project: Duration,
    pub sort_and_bin: Duration,
    pub rasterize: Duration,
    /// Tile-Gaussian pairs composited.
    pub tile_pairs: usize,
}

pub struct SplatRenderer {
    project_pipeline: wgpu::ComputePipeline,
    project_layout: wgpu::BindGroupLayout,
    rasterize_pipeline: wgpu::ComputePipeline,
    rasterize_layout: wgpu::BindGroupLayout,
    gaussians: wgpu::Buffer,
    sh: wgpu::Buffer,
    num_gaussians: u32,
    sh_degree: u32,
    global_from_splat: glam::DMat4,
    dummy_color: wgpu::Texture,
    dummy_depth: wgpu::Texture,
    dummy_semantic: wgpu::Texture,
}

impl SplatRenderer {
    /// Uploads `scene` and builds the pipelines.
    pub fn new(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        scene: &SplatScene,
    ) -> Result<SplatRenderer, SplatError> {
        scene.validate()?;
        let max_gaussians = u64::from(PROJECT_WORKGROUP) * u64::from(u16::MAX);
        if scene.len() as u64 > max_gaussians {
            return Err(SplatError::Gpu(format!(
                "{} Gaussians exceed the {max_gaussians} one dispatch can project",
                scene.len()
            )));
        }
        let gaussians: Vec<GaussianGpu> = (0..scene.len())
            .map(|g| {
                let m = scene.means[g];
                let s = scene.log_scales[g];
                GaussianGpu {
                    mean_opacity: [m.x, m.y, m.z, scene.opacity_logits[g]],
                    log_scale_sem: [s.x, s.y, s.z, f32::from(scene.semantic_of(g))],
                    rotation_xyzw: scene.rotations[g].to_array(),
                }
            })
            .collect();
        let sh: Vec<f32> = scene.sh.iter().flat_map(|c| c.to_array()).collect();
        let max_binding = device.limits().max_storage_buffer_binding_size;
        if (sh.len() * 4) as u64 > max_binding {
            return Err(SplatError::Gpu(format!(
                "SH coefficients need {} bytes, the device binds at most {max_binding}",
                sh.len() * 4
            )));
        }

        use wgpu::TextureSampleType as S;
        let project_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("splat project"),
            entries: &[
                uniform_entry(0),
                storage_entry(1, true),
                storage_entry(2, true),
                storage_entry(3, false),
                storage_entry(4, false),
                storage_entry(5, false),
            ],
        });
        let rasterize_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("splat rasterize"),
            entries: &[
                uniform_entry(0),
                storage_entry(1, true),
                storage_entry(2, true),
                storage_entry(3, true),
                texture_entry(4, S::Float { filterable: false }),
                texture_entry(5, S::Float { filterable: false }),
                texture_entry(6, S::Uint),
                storage_entry(7, false),
                storage_entry(8, false),
                storage_entry(9, false),
                storage_entry(10, false),
            ],
        });
        Ok(SplatRenderer {
            project_pipeline: compute_pipeline(
                device,
                "splat project",
                PROJECT_WGSL,
                "cs_project",
                &project_layout,
            ),
            rasterize_pipeline: compute_pipeline(
                device,
                "splat rasterize",
                RASTERIZE_WGSL,
                "cs_rasterize",
                &rasterize_layout,
            ),
            project_layout,
            rasterize_layout,
            gaussians: storage_buffer(device, "splat gaussians", bytemuck::cast_slice(&gaussians)),
            sh: storage_buffer(device, "splat sh", bytemuck::cast_slice(&sh)),
            num_gaussians: scene.len() as u32,
            sh_degree: scene.sh_degree,
            global_from_splat: scene.global_from_splat,
            dummy_color: texture_1x1(device, queue, wgpu::TextureFormat::Rgba8Unorm, &[0; 4]),
            dummy_depth: texture_1x1(device, queue, wgpu::TextureFormat::R32Float, &[0; 4]),
            dummy_semantic: texture_1x1(device, queue, wgpu::TextureFormat::R8Uint, &[0]),
        })
    }

    pub fn num_gaussians(&self) -> usize {
        self.num_gaussians as usize
    }

    /// Renders the scene seen by `camera`, composited over `background` when given (black,
    /// infinitely far and class 0 otherwise).
    pub fn render(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        camera: &SplatCamera,
        background: Option<&MeshLayers>,
    ) -> Result<SplatImage, SplatError> {
        self.render_timed(device, queue, camera, background)
            .map(|(image, _)| image)
    }

    /// `render`, also returning the time of each stage.
    pub fn render_timed(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        camera: &SplatCamera,
        background: Option<&MeshLayers>,
    ) -> Result<(SplatImage, FrameTimings), SplatError> {
        if camera.width == 0 || camera.height == 0 {
            return Err(SplatError::Gpu("camera image size is zero".into()));
        }
        let mut timings = FrameTimings::default();
        let background_is_linear = match background {
            Some(layers) => check_layers(layers, camera)?,
            None => false,
        };
        let tiles_x = camera.width.div_ceil(TILE_SIZE_PX);
        let tiles_y = camera.height.div_ceil(TILE_SIZE_PX);
        let params = self.params(camera, tiles_x, background.is_some(), background_is_linear);
        let params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("splat params"),
            contents: bytemuck::bytes_of(&params),
            usage: wgpu::BufferUsages::UNIFORM,
        });

        // 1. Project.
        let start = Instant::now();
        let n = u64::from(self.num_gaussians);
        let projected = output_buffer(device, "splat projected", n * PROJECTED_SIZE);
        let bounds = output_buffer(device, "splat bounds", n * 16);
        let depths = output_buffer(device, "splat depths", n * 4);
        let mut encoder = device.create_command_encoder(&Default::default());
        if self.num_gaussians > 0 {
            let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("splat project"),
                layout: &self.project_layout,
                entries: &[
                    entry(0, &params),
                    entry(1, &self.gaussians),
                    entry(2, &self.sh),
                    entry(3, &projected),
                    entry(4, &bounds),
                    entry(5, &depths),
                ],
            });
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&self.project_pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.dispatch_workgroups(self.num_gaussians.div_ceil(PROJECT_WORKGROUP), 1, 1);
        }
        let read = read_back(device, queue, encoder, &[&bounds, &depths])?;
        timings.project = start.elapsed();

        // 2. Sort and bin on the host.
        let start = Instant::now();
        let count = self.num_gaussians as usize;
        // pod_collect_to_vec copies into aligned storage (a Vec<u8> need not be 4-aligned).
        let bounds_host: Vec<[f32; 4]> = bytemuck::pod_collect_to_vec(&read[0]);
        let depths_host: Vec<f32> = bytemuck::pod_collect_to_vec(&read[1]);
        let (bounds_host, depths_host) = (&bounds_host[..count], &depths_host[..count]);
        let bins = bin_by_tile(bounds_host, depths_host, camera.width, camera.height);
        timings.sort_and_bin = start.elapsed();
        timings.tile_pairs = bins.ids.len();

        // 3. Rasterise.
        let start = Instant::now();
        let max_binding = device.limits().max_storage_buffer_binding_size;
        if bins.ids.len() as u64 * 4 > max_binding {
            return Err(SplatError::Gpu(format!(
                "{} tile-Gaussian pairs exceed the device's storage binding size",
                bins.ids.len()
            )));
        }
        let ranges = storage_buffer(
            device,
            "splat tile ranges",
            bytemuck::cast_slice(&bins.ranges),
        );
        let ids = storage_buffer(device, "splat tile ids", bytemuck::cast_slice(&bins.ids));
        let pixels = camera.pixel_count() as u64;
        let out_rgba = output_buffer(device, "splat rgba", pixels * 4);
        let out_depth = output_buffer(device, "splat depth", pixels * 4);
        let out_semantic = output_buffer(device, "splat semantic", pixels * 4);
        let out_alpha = output_buffer(device, "splat alpha", pixels * 4);
        let (color, depth, semantic) = match background {
            Some(l) => (l.color, l.depth_m, l.semantic),
            None => (&self.dummy_color, &self.dummy_depth, &self.dummy_semantic),
        };
        let views = [color, depth, semantic].map(|t| t.create_view(&Default::default()));
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("splat rasterize"),
            layout: &self.rasterize_layout,
            entries: &[
                entry(0, &params),
                entry(1, &projected),
                entry(2, &ranges),
                entry(3, &ids),
                wgpu::BindGroupEntry {
                    binding: 4,
                    resource: wgpu::BindingResource::TextureView(&views[0]),
                },
                wgpu::BindGroupEntry {
                    binding: 5,
                    resource: wgpu::BindingResource::TextureView(&views[1]),
                },
                wgpu::BindGroupEntry {
                    binding: 6,
                    resource: wgpu::BindingResource::TextureView(&views[2]),
                },
                entry(7, &out_rgba),
                entry(8, &out_depth),
                entry(9, &out_semantic),
                entry(10, &out_alpha),
            ],
        });
        let mut encoder = device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&self.rasterize_pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.dispatch_workgroups(tiles_x, tiles_y, 1);
        }
        let read = read_back(
            device,
            queue,
            encoder,
            &[&out_rgba, &out_depth, &out_semantic, &out_alpha],
        )?;
        timings.rasterize = start.elapsed();

        let p = camera.pixel_count();
        let depth_m: Vec<f32> = bytemuck::pod_collect_to_vec(&read[1][..4 * p]);
        let semantic: Vec<u32> = bytemuck::pod_collect_to_vec(&read[2][..4 * p]);
        let alpha: Vec<f32> = bytemuck::pod_collect_to_vec(&read[3][..4 * p]);
        debug_assert!(
            depth_m.iter().chain(&alpha).all(|v| v.is_finite()),
            "splat depth and alpha outputs must be finite"
        );
        let image = SplatImage {
            width: camera.width,
            height: camera.height,
            rgb: read[0][..4 * p]
                .chunks_exact(4)
                .flat_map(|c| [c[0], c[1], c[2]])
                .collect(),
            depth_m: depth_m
                .iter()
                .map(|&d| if d < 0.0 { f32::INFINITY } else { d })
                .collect(),
            semantic: semantic.iter().map(|&s| s as u8).collect(),
            alpha,
        };
        Ok((image, timings))
    }

    fn params(
        &self,
        camera: &SplatCamera,
        tiles_x: u32,
        has_background: bool,
        background_is_linear: bool,
    ) -> SplatParams {
        // f64 product, then f32: the splat frame and the camera may both be far from the
        // global origin while their relative pose is small.
        let camera_from_splat = camera.camera_from_global * self.global_from_splat;
        let centre = camera_from_splat
            .inverse()
            .transform_point3(glam::DVec3::ZERO)
            .as_vec3();
        SplatParams {
            camera_from_splat: camera_from_splat.as_mat4().to_cols_array_2d(),
            camera_centre: [centre.x, centre.y, centre.z, 0.0],
            intrinsics: [camera.fx, camera.fy, camera.cx, camera.cy].map(|v| v as f32),
            clip: [
                camera.near_m as f32,
                camera.far_m as f32,
                (1.3 * 0.5 * f64::from(camera.width) / camera.fx) as f32,
                (1.3 * 0.5 * f64::from(camera.height) / camera.fy) as f32,
            ],
            width: camera.width,
            height: camera.height,
            num_gaussians: self.num_gaussians,
            sh_degree: self.sh_degree,
            tiles_x,
            has_background: u32::from(has_background),
            background_is_linear: u32::from(background_is_linear),
            _pad: 0,
        }
    }
}

/// Checks the mesh layers' sizes and formats; returns whether the colour reads back linear.
fn check_layers(layers: &MeshLayers, camera: &SplatCamera) -> Result<bool, SplatError> {
    let expect = |name: &str, texture: &wgpu::Texture, ok: bool, wanted: &str| {
        let size = texture.size();
        if size.width != camera.width || size.height != camera.height {
            return Err(SplatError::Gpu(format!(
                "mesh layer `{name}` is {}x{}, the camera is {}x{}",
                size.width, size.height, camera.width, camera.height
            )));
        }
        if !ok {
            return Err(SplatError::Gpu(format!(
                "mesh layer `{name}` has format {:?}, expected {wanted}",
                texture.format()
            )));
        }
        Ok(())
    };
    let color_format = layers.color.format();
    let color_ok = matches!(
        color_format.sample_type(None, None),
        Some(wgpu::TextureSampleType::Float { .. })
    );
    expect("color", layers.color, color_ok, "a float colour format")?;
    expect(
        "depth_m",
        layers.depth_m,
        layers.depth_m.format() == wgpu::TextureFormat::R32Float,
        "R32Float",
    )?;
    expect(
        "semantic",
        layers.semantic,
        layers.semantic.format() == wgpu::TextureFormat::R8Uint,
        "R8Uint",
    )?;
    Ok(color_format.is_srgb())
}
