// Sky: one full-screen triangle drawn last at the far plane (the depth test keeps it behind
// everything); a zenith-to-horizon gradient along each pixel's
// view ray plus a soft sun glow. Depth output 0 ("no surface"), class sky. Prefixed with
// common/frame.wgsl.

const CLASS_SKY: u32 = 6u;

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
};

@vertex
fn vs_main(@builtin(vertex_index) i: u32) -> VertexOut {
    let x = f32(i32(i & 1u) * 4 - 1);
    let y = f32(i32(i >> 1u) * 4 - 1);
    var out: VertexOut;
    // z = 0: the far plane under reversed Z.
    out.clip = vec4<f32>(x, y, 0.0, 1.0);
    return out;
}

@fragment
fn fs_main(in: VertexOut) -> FragOut {
    // Framebuffer coordinates are pixel centres at +0.5; OpenCV puts them at integers.
    let px = in.clip.xy - vec2<f32>(0.5);
    let k = frame.intrinsics;
    let ray_cam = vec3<f32>((px.x - k.z) / k.x, (px.y - k.w) / k.y, 1.0);
    let ray = normalize((frame.world_from_camera * vec4<f32>(ray_cam, 0.0)).xyz);
    let up = max(ray.z, 0.0);
    var rgb = mix(frame.sky_horizon.xyz, frame.sky_zenith.xyz, pow(up, 0.55));
    let sun = max(dot(ray, frame.sun.xyz), 0.0);
    rgb = rgb + vec3<f32>(1.0, 0.95, 0.85) * (0.25 * pow(sun, 64.0) + 2.0 * pow(sun, 2000.0));
    var out: FragOut;
    out.color = vec4<f32>(rgb, 1.0);
    out.depth_m = 0.0;
    out.semantic = CLASS_SKY;
    return out;
}
