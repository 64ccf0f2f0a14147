// Shared by the surface pipelines (static mesh, actors): what their vertex stages hand to the
// fragment stage, and the fragment stage itself (common/frame.wgsl `shade`). Prepended after
// common/frame.wgsl (render::pipelines::shader_source).

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) albedo: vec3<f32>,
    @location(3) @interpolate(flat) class_id: u32,
};

@fragment
fn fs_main(in: VertexOut) -> FragOut {
    return shade(in.albedo, in.normal, in.world, in.class_id);
}
