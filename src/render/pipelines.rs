//! The three render pipelines (sky, static mesh, instanced actors) and their WGSL sources.
//! Every pipeline file in `shaders/` is compiled with `shaders/common/frame.wgsl` prepended,
//! and the surface pipelines (mesh, actor) also with `shaders/common/surface.wgsl` (their
//! shared vertex output and fragment stage); all embedded with `include_str!`, so the binary
//! runs from anywhere.

use crate::render::actors::{ActorInstanceRaw, ActorVertex};
use crate::render::mesh::SceneVertex;
use crate::render::targets::{COLOR_FORMAT, DEPTH_BUFFER_FORMAT, DEPTH_M_FORMAT, SEMANTIC_FORMAT};

/// Shared WGSL prepended to every pipeline.
pub const COMMON_WGSL: &str = include_str!("../../shaders/common/frame.wgsl");
/// Pipeline shaders: (name, source without the common prefix).
pub const PIPELINE_WGSL: [(&str, &str); 3] = [
    ("sky", include_str!("../../shaders/sky.wgsl")),
    ("mesh", include_str!("../../shaders/mesh.wgsl")),
    ("actor", include_str!("../../shaders/actor.wgsl")),
];

/// Vertex output and fragment stage shared by the surface pipelines.
pub const SURFACE_WGSL: &str = include_str!("../../shaders/common/surface.wgsl");
/// The pipelines that take `SURFACE_WGSL`.
pub const SURFACE_PIPELINES: [&str; 2] = ["mesh", "actor"];

/// Full source of pipeline `name`'s shader: the common prefixes + its file's `body`.
pub fn shader_source(name: &str, body: &str) -> String {
    if SURFACE_PIPELINES.contains(&name) {
        format!("{COMMON_WGSL}\n{SURFACE_WGSL}\n{body}")
    } else {
        format!("{COMMON_WGSL}\n{body}")
    }
}

/// The compiled pipelines and the frame bind-group layout.
#[derive(Debug)]
pub struct Pipelines {
    pub frame_layout: wgpu::BindGroupLayout,
    pub sky: wgpu::RenderPipeline,
    pub mesh: wgpu::RenderPipeline,
    pub actor: wgpu::RenderPipeline,
}

fn targets() -> [Option<wgpu::ColorTargetState>; 3] {
    [COLOR_FORMAT, DEPTH_M_FORMAT, SEMANTIC_FORMAT].map(|format| {
        Some(wgpu::ColorTargetState {
            format,
            blend: None,
            write_mask: wgpu::ColorWrites::ALL,
        })
    })
}

impl Pipelines {
    pub fn new(device: &wgpu::Device) -> Pipelines {
        let frame_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("frame"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            }],
        });
        let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("scene"),
            bind_group_layouts: &[Some(&frame_layout)],
            immediate_size: 0,
        });
        let module = |name: &str, body: &str| {
            device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(name),
                source: wgpu::ShaderSource::Wgsl(shader_source(name, body).into()),
            })
        };
        let [sky_src, mesh_src, actor_src] = PIPELINE_WGSL;
        let sky_module = module(sky_src.0, sky_src.1);
        let mesh_module = module(mesh_src.0, mesh_src.1);
        let actor_module = module(actor_src.0, actor_src.1);
        let color_targets = targets();
        let pipeline = |label: &str,
                        module: &wgpu::ShaderModule,
                        buffers: &[Option<wgpu::VertexBufferLayout<'_>>],
                        depth_write: bool,
                        compare: wgpu::CompareFunction| {
            device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                label: Some(label),
                layout: Some(&layout),
                vertex: wgpu::VertexState {
                    module,
                    entry_point: Some("vs_main"),
                    compilation_options: Default::default(),
                    buffers,
                },
                primitive: wgpu::PrimitiveState {
                    topology: wgpu::PrimitiveTopology::TriangleList,
                    // Two-sided: fronds, glTF models of either winding; shading flips normals
                    // towards the camera.
                    cull_mode: None,
                    ..Default::default()
                },
                depth_stencil: Some(wgpu::DepthStencilState {
                    format: DEPTH_BUFFER_FORMAT,
                    depth_write_enabled: Some(depth_write),
                    depth_compare: Some(compare),
                    stencil: wgpu::StencilState::default(),
                    bias: wgpu::DepthBiasState::default(),
                }),
                multisample: wgpu::MultisampleState::default(),
                fragment: Some(wgpu::FragmentState {
                    module,
                    entry_point: Some("fs_main"),
                    compilation_options: Default::default(),
                    targets: &color_targets,
                }),
                multiview_mask: None,
                cache: None,
            })
        };
        // Drawn last at the far plane (0 under reversed Z): only pixels nothing covered pass,
        // so the sky is shaded once per sky pixel instead of under everything.
        let sky = pipeline(
            "sky",
            &sky_module,
            &[],
            false,
            wgpu::CompareFunction::GreaterEqual,
        );
        let mesh = pipeline(
            "mesh",
            &mesh_module,
            &[Some(SceneVertex::layout())],
            true,
            wgpu::CompareFunction::Greater,
        );
        let actor = pipeline(
            "actor",
            &actor_module,
            &[
                Some(ActorVertex::layout()),
                Some(ActorInstanceRaw::layout()),
            ],
            true,
            wgpu::CompareFunction::Greater,
        );
        Pipelines {
            frame_layout,
            sky,
            mesh,
            actor,
        }
    }
}
