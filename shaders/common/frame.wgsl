// Shared by every scene pipeline: the per-camera frame uniform, the three render targets and
// the surface shading (Lambert sun + hemispheric ambient, distance fog, procedural facades).
// Prepended to each pipeline's file (render::pipelines::shader_source) before compiling.

// Must match `FrameUniform` in src/render/camera.rs.
struct Frame {
    // Render frame (global minus the scene origin, z up) to clip space (reversed Z).
    clip_from_world: mat4x4<f32>,
    // Render frame to the OpenCV camera frame (x right, y down, z forward), metres.
    camera_from_world: mat4x4<f32>,
    world_from_camera: mat4x4<f32>,
    // fx, fy, cx, cy of the output image (pixels; OpenCV: pixel (0, 0) is the first centre).
    intrinsics: vec4<f32>,
    // xyz: unit vector towards the sun (render frame); w: ambient fraction.
    sun: vec4<f32>,
    // Linear RGB sky colours (w unused).
    sky_zenith: vec4<f32>,
    sky_horizon: vec4<f32>,
    // x: fog start (m), y: fog end (m), z: max fog amount, w: unused.
    fog: vec4<f32>,
    // x: floor height (m), y: window spacing (m), z: 0 punched windows / 1 glass bands.
    facade: vec4<f32>,
};

@group(0) @binding(0) var<uniform> frame: Frame;

const CLASS_ROAD: u32 = 1u;
const CLASS_BUILDING: u32 = 4u;
const CLASS_TERRAIN: u32 = 13u;
const CLASS_SIDEWALK: u32 = 3u;

struct FragOut {
    // Rgba8UnormSrgb: linear RGB in, sRGB stored.
    @location(0) color: vec4<f32>,
    // R32Float: camera-frame z of the surface, metres.
    @location(1) depth_m: f32,
    // R8Uint: semantic class id (render::semantic).
    @location(2) semantic: u32,
};

fn srgb_to_linear(c: vec3<f32>) -> vec3<f32> {
    let lo = c / 12.92;
    let hi = pow((c + 0.055) / 1.055, vec3<f32>(2.4));
    return select(hi, lo, c <= vec3<f32>(0.04045));
}

fn hash2(p: vec2<f32>) -> f32 {
    let q = fract(p * vec2<f32>(0.1031, 0.1030));
    let r = q + dot(q, q.yx + 33.33);
    return fract((r.x + r.y) * r.x);
}

// Smooth value noise in [0, 1] (bilinear over hashed lattice values, smoothstep weights).
fn value_noise(p: vec2<f32>) -> f32 {
    let i = floor(p);
    let f = fract(p);
    let w = f * f * (3.0 - 2.0 * f);
    let a = hash2(i);
    let b = hash2(i + vec2<f32>(1.0, 0.0));
    let c = hash2(i + vec2<f32>(0.0, 1.0));
    let d = hash2(i + vec2<f32>(1.0, 1.0));
    return mix(mix(a, b, w.x), mix(c, d, w.x), w.y);
}

fn camera_position() -> vec3<f32> {
    return frame.world_from_camera[3].xyz;
}

// Procedural facade: punched windows (brick towns) or glass bands (towers) on walls.
fn facade_albedo(albedo: vec3<f32>, world: vec3<f32>, n: vec3<f32>) -> vec3<f32> {
    if abs(n.z) > 0.5 || world.z < 0.8 {
        return albedo;
    }
    let t = normalize(vec2<f32>(-n.y, n.x));
    let u = dot(world.xy, t) / frame.facade.y;
    let v = world.z / frame.facade.x;
    let fu = fract(u);
    let fv = fract(v);
    let glass = vec3<f32>(0.045, 0.06, 0.08);
    if frame.facade.z < 0.5 {
        // Windows from the first floor up, a ground floor of shop windows.
        if v < 1.0 {
            if fu > 0.1 && fu < 0.9 && fv > 0.15 && fv < 0.8 {
                return glass * 1.3;
            }
            return albedo;
        }
        if fu > 0.28 && fu < 0.72 && fv > 0.3 && fv < 0.82 {
            return glass;
        }
        return albedo;
    }
    if fv > 0.32 && fv < 0.9 && fu > 0.06 {
        return mix(glass * 2.5, vec3<f32>(0.25, 0.32, 0.38), 0.5);
    }
    return albedo;
}

// Shade a surface point and fill all three targets.
fn shade(albedo_in: vec3<f32>, normal_in: vec3<f32>, world: vec3<f32>, class_id: u32) -> FragOut {
    let to_cam = camera_position() - world;
    var n = normalize(normal_in);
    if dot(n, to_cam) < 0.0 {
        n = -n;
    }
    var albedo = albedo_in;
    if class_id == CLASS_BUILDING {
        albedo = facade_albedo(albedo, world, n);
    } else if class_id == CLASS_ROAD || class_id == CLASS_TERRAIN {
        // Low-amplitude smooth noise (two octaves) so large flat areas do not look like
        // plastic; smooth, so it does not shimmer in the distance without MSAA.
        let scale = select(0.8, 2.5, class_id == CLASS_TERRAIN);
        let g = 0.65 * value_noise(world.xy / scale) + 0.35 * value_noise(world.xy / (4.0 * scale));
        albedo = albedo * (0.9 + 0.2 * g);
    } else if class_id == CLASS_SIDEWALK && normal_in.z > 0.5 {
        // Paving slabs of 1 m.
        albedo = albedo * (0.94 + 0.12 * hash2(floor(world.xy)));
    }
    let ambient = frame.sun.w;
    let sky = ambient * (0.8 + 0.2 * n.z);
    let direct = (1.0 - ambient) * max(dot(n, frame.sun.xyz), 0.0);
    var rgb = albedo * (sky + direct * vec3<f32>(1.0, 0.97, 0.92));
    let dist = length(to_cam);
    let f = clamp((dist - frame.fog.x) / max(frame.fog.y - frame.fog.x, 1.0), 0.0, 1.0) * frame.fog.z;
    rgb = mix(rgb, frame.sky_horizon.xyz, f);
    let cam = frame.camera_from_world * vec4<f32>(world, 1.0);
    var out: FragOut;
    out.color = vec4<f32>(rgb, 1.0);
    out.depth_m = cam.z;
    out.semantic = class_id;
    return out;
}
