//! wgpu plumbing of the splat renderer: bind group layout entries, compute pipelines, buffers
//! and blocking readback.

use super::error::SplatError;
use wgpu::util::DeviceExt;

pub(super) fn storage_entry(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

pub(super) fn uniform_entry(binding: u32) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

pub(super) fn texture_entry(
    binding: u32,
    sample_type: wgpu::TextureSampleType,
) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Texture {
            sample_type,
            view_dimension: wgpu::TextureViewDimension::D2,
            multisampled: false,
        },
        count: None,
    }
}

pub(super) fn compute_pipeline(
    device: &wgpu::Device,
    label: &str,
    source: &str,
    entry_point: &str,
    layout: &wgpu::BindGroupLayout,
) -> wgpu::ComputePipeline {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(label),
        bind_group_layouts: &[Some(layout)],
        immediate_size: 0,
    });
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(label),
        layout: Some(&pipeline_layout),
        module: &module,
        entry_point: Some(entry_point),
        compilation_options: Default::default(),
        cache: None,
    })
}

pub(super) fn texture_1x1(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    format: wgpu::TextureFormat,
    texel: &[u8],
) -> wgpu::Texture {
    device.create_texture_with_data(
        queue,
        &wgpu::TextureDescriptor {
            label: Some("splat dummy layer"),
            size: wgpu::Extent3d {
                width: 1,
                height: 1,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage: wgpu::TextureUsages::TEXTURE_BINDING,
            view_formats: &[],
        },
        wgpu::util::TextureDataOrder::LayerMajor,
        texel,
    )
}

/// Smallest buffer created: wgpu rejects empty bindings and a binding smaller than one element
/// of its array (the largest element, `Projected`, is 48 bytes).
const MIN_BUFFER_BYTES: usize = 64;

/// A storage buffer from bytes, at least `MIN_BUFFER_BYTES` long.
pub(super) fn storage_buffer(device: &wgpu::Device, label: &str, bytes: &[u8]) -> wgpu::Buffer {
    let mut padded = bytes.to_vec();
    padded.resize(bytes.len().max(MIN_BUFFER_BYTES), 0);
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some(label),
        contents: &padded,
        usage: wgpu::BufferUsages::STORAGE,
    })
}

pub(super) fn output_buffer(device: &wgpu::Device, label: &str, size: u64) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: size.max(MIN_BUFFER_BYTES as u64),
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: false,
    })
}

/// Copies `sources` into mappable buffers, submits, waits and returns their bytes.
pub(super) fn read_back(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    mut encoder: wgpu::CommandEncoder,
    sources: &[&wgpu::Buffer],
) -> Result<Vec<Vec<u8>>, SplatError> {
    let staging: Vec<wgpu::Buffer> = sources
        .iter()
        .map(|src| {
            let buffer = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("splat readback"),
                size: src.size(),
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            encoder.copy_buffer_to_buffer(src, 0, &buffer, 0, src.size());
            buffer
        })
        .collect();
    queue.submit([encoder.finish()]);
    let (tx, rx) = std::sync::mpsc::channel();
    for (i, buffer) in staging.iter().enumerate() {
        let tx = tx.clone();
        buffer.map_async(wgpu::MapMode::Read, .., move |result| {
            // The receiver outlives the poll below; a send error cannot happen.
            let _ = tx.send((i, result));
        });
    }
    drop(tx);
    device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| SplatError::Gpu(format!("waiting for the splat passes: {e}")))?;
    // With a device shared between threads, another thread's poll may be the one running our
    // map callbacks, a moment after our own poll returned: wait for them (bounded) instead of
    // expecting them already delivered.
    let mut results = Vec::with_capacity(staging.len());
    while results.len() < staging.len() {
        match rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(r) => results.push(r),
            Err(_) => break,
        }
    }
    if results.len() != staging.len() {
        return Err(SplatError::Gpu(format!(
            "{} of {} readback buffers mapped after waiting",
            results.len(),
            staging.len()
        )));
    }
    for (i, result) in results {
        result.map_err(|e| SplatError::Gpu(format!("mapping readback buffer {i}: {e}")))?;
    }
    staging
        .iter()
        .map(|buffer| {
            let bytes = buffer
                .get_mapped_range(..)
                .map_err(|e| SplatError::Gpu(format!("reading a mapped buffer: {e}")))?
                .to_vec();
            buffer.unmap();
            Ok(bytes)
        })
        .collect()
}

pub(super) fn entry(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}
