// Static scene mesh (road, paint, sidewalks, buildings, trees, ground). Prefixed with
// common/frame.wgsl and common/surface.wgsl (VertexOut, fs_main).

// Must match `SceneVertex` in src/render/mesh.rs.
struct VertexIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
    // sRGB colour in rgb, semantic class in a.
    @location(2) color_class: vec4<u32>,
};


@vertex
fn vs_main(v: VertexIn) -> VertexOut {
    var out: VertexOut;
    out.clip = frame.clip_from_world * vec4<f32>(v.position, 1.0);
    out.world = v.position;
    out.normal = v.normal;
    out.albedo = srgb_to_linear(vec3<f32>(v.color_class.rgb) / 255.0);
    out.class_id = v.color_class.a;
    return out;
}
