// Actors: one model per class in its unit box, instanced with a model matrix (box pose and
// size), a tint and a semantic class. Prefixed with common/frame.wgsl and
// common/surface.wgsl (VertexOut, fs_main).

// Must match `ActorVertex` in src/render/actors.rs.
struct VertexIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
    // Linear RGB.
    @location(2) color: vec3<f32>,
    // How much the instance paint replaces the colour (0: keep it, 1: painted).
    @location(10) paint: f32,
};

// Must match `ActorInstanceRaw` in src/render/actors.rs.
struct InstanceIn {
    @location(3) model_0: vec4<f32>,
    @location(4) model_1: vec4<f32>,
    @location(5) model_2: vec4<f32>,
    @location(6) model_3: vec4<f32>,
    // 1 / box size (l, w, h), for normals.
    @location(7) inv_scale: vec3<f32>,
    @location(8) class_id: u32,
    // Linear RGB paint.
    @location(9) tint: vec4<f32>,
};


@vertex
fn vs_main(v: VertexIn, inst: InstanceIn) -> VertexOut {
    let model = mat4x4<f32>(inst.model_0, inst.model_1, inst.model_2, inst.model_3);
    let world = model * vec4<f32>(v.position, 1.0);
    // Normal matrix of R * S is R * S^-1: scale the normal by S^-2, then apply R * S.
    let n = (model * vec4<f32>(v.normal * inst.inv_scale * inst.inv_scale, 0.0)).xyz;
    var out: VertexOut;
    out.clip = frame.clip_from_world * world;
    out.world = world.xyz;
    out.normal = n;
    out.albedo = mix(v.color, inst.tint.rgb, v.paint);
    out.class_id = inst.class_id;
    return out;
}
