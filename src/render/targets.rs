//! Render targets and per-camera uniforms: the textures one camera renders into (colour,
//! linear depth, semantic ids, and the reversed-Z depth buffer) and the uniform buffer + bind
//! group that carries its `FrameUniform`.

use crate::render::camera::FrameUniform;

/// Colour output: sRGB-encoded RGBA8 (shaders write linear RGB).
pub const COLOR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;
/// Depth output: camera-frame z in metres (0 where the sky shows).
pub const DEPTH_M_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R32Float;
/// Semantic output: class ids (`render::semantic`).
pub const SEMANTIC_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R8Uint;
/// Depth buffer for visibility (reversed Z: cleared to 0, `Greater` passes).
pub const DEPTH_BUFFER_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;

/// The views `Renderer::draw` renders into.
#[derive(Debug, Clone, Copy)]
pub struct TargetViews<'a> {
    pub color: &'a wgpu::TextureView,
    pub depth_m: &'a wgpu::TextureView,
    pub semantic: &'a wgpu::TextureView,
    pub depth_buffer: &'a wgpu::TextureView,
}

/// Owned targets of one camera at one size.
#[derive(Debug)]
pub struct RenderTargets {
    pub width: u32,
    pub height: u32,
    pub color: wgpu::Texture,
    pub depth_m: wgpu::Texture,
    pub semantic: wgpu::Texture,
    pub depth_buffer: wgpu::Texture,
    color_view: wgpu::TextureView,
    depth_m_view: wgpu::TextureView,
    semantic_view: wgpu::TextureView,
    depth_buffer_view: wgpu::TextureView,
}

fn texture(
    device: &wgpu::Device,
    label: &str,
    w: u32,
    h: u32,
    format: wgpu::TextureFormat,
    copy_src: bool,
) -> wgpu::Texture {
    let mut usage = wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING;
    if copy_src {
        usage |= wgpu::TextureUsages::COPY_SRC;
    }
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage,
        view_formats: &[],
    })
}

impl RenderTargets {
    pub fn new(device: &wgpu::Device, width: u32, height: u32) -> RenderTargets {
        let color = texture(device, "color", width, height, COLOR_FORMAT, true);
        let depth_m = texture(device, "depth_m", width, height, DEPTH_M_FORMAT, true);
        let semantic = texture(device, "semantic", width, height, SEMANTIC_FORMAT, true);
        let depth_buffer = texture(
            device,
            "depth buffer",
            width,
            height,
            DEPTH_BUFFER_FORMAT,
            false,
        );
        let view = |t: &wgpu::Texture| t.create_view(&wgpu::TextureViewDescriptor::default());
        RenderTargets {
            width,
            height,
            color_view: view(&color),
            depth_m_view: view(&depth_m),
            semantic_view: view(&semantic),
            depth_buffer_view: view(&depth_buffer),
            color,
            depth_m,
            semantic,
            depth_buffer,
        }
    }

    pub fn views(&self) -> TargetViews<'_> {
        TargetViews {
            color: &self.color_view,
            depth_m: &self.depth_m_view,
            semantic: &self.semantic_view,
            depth_buffer: &self.depth_buffer_view,
        }
    }
}

/// A camera's uniform buffer and bind group (group 0 of every pipeline).
#[derive(Debug)]
pub struct GpuCamera {
    pub buffer: wgpu::Buffer,
    pub bind_group: wgpu::BindGroup,
    /// CPU copy of the last written clip matrix, for culling.
    pub clip_from_world: glam::Mat4,
}

impl GpuCamera {
    pub fn new(device: &wgpu::Device, layout: &wgpu::BindGroupLayout) -> GpuCamera {
        let buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("frame uniform"),
            size: std::mem::size_of::<FrameUniform>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("frame"),
            layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: buffer.as_entire_binding(),
            }],
        });
        GpuCamera {
            buffer,
            bind_group,
            clip_from_world: glam::Mat4::ZERO,
        }
    }

    /// Queue the uniform write (applies at the next submit).
    pub fn write(&mut self, queue: &wgpu::Queue, u: &FrameUniform) {
        self.clip_from_world = glam::Mat4::from_cols_array_2d(&u.clip_from_world);
        queue.write_buffer(&self.buffer, 0, bytemuck::bytes_of(u));
    }
}
