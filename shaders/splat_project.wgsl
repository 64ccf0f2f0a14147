// Projects 3D Gaussians to screen space (the preprocess step of 3DGS, Kerbl et al. 2023):
// EWA covariance projection with the +0.3 px dilation, SH colour for the view direction,
// camera depth and the pixel bounding box of the footprint where alpha >= 1/255.
// Mirrors cpu_reference.rs in f32; one invocation per Gaussian.

// Must match `SplatParams` in src/render/splat/gpu.rs (and the twin in splat_rasterize.wgsl).
struct Params {
    camera_from_splat: mat4x4<f32>,
    camera_centre: vec4<f32>, // xyz: camera centre in the splat frame
    intrinsics: vec4<f32>,    // fx, fy, cx, cy (pixels)
    clip: vec4<f32>,          // near_m, far_m, lim_x, lim_y (clamp of x/z and y/z)
    width: u32,
    height: u32,
    num_gaussians: u32,
    sh_degree: u32,
    tiles_x: u32,
    has_background: u32,
    background_is_linear: u32,
    _pad: u32,
}

// Must match `GaussianGpu` in gpu.rs.
struct Gaussian {
    mean_opacity: vec4<f32>,   // xyz splat frame, opacity logit
    log_scale_sem: vec4<f32>,  // log scales, semantic class as f32
    rotation: vec4<f32>,       // quaternion x, y, z, w (unit)
}

// Must match `ProjectedGpu` in gpu.rs and the twin in splat_rasterize.wgsl.
struct Projected {
    mean_depth_opacity: vec4<f32>, // pixel x, y, camera z, opacity
    conic_sem: vec4<f32>,          // inverse 2D covariance (a, b, c), semantic as f32
    color: vec4<f32>,              // rgb (sRGB-encoded, >= 0), unused
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gaussians: array<Gaussian>;
@group(0) @binding(2) var<storage, read> sh: array<f32>;
@group(0) @binding(3) var<storage, read_write> projected: array<Projected>;
// Footprint box in pixels (xmin, ymin, xmax, ymax); xmin > xmax marks a culled Gaussian.
@group(0) @binding(4) var<storage, read_write> bounds: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> depths: array<f32>;

const SH_C0: f32 = 0.28209479177387814;
const SH_C1: f32 = 0.4886025119029199;
const SH_C2 = array<f32, 5>(1.0925484305920792, -1.0925484305920792, 0.31539156525252005,
    -1.0925484305920792, 0.5462742152960396);
const SH_C3 = array<f32, 7>(-0.5900435899266435, 2.890611442640554, -0.4570457994644658,
    0.3731763325901154, -0.4570457994644658, 1.445305721320277, -0.5900435899266435);

fn coeff(base: u32, k: u32) -> vec3<f32> {
    let i = base + 3u * k;
    return vec3<f32>(sh[i], sh[i + 1u], sh[i + 2u]);
}

fn eval_sh(g: u32, dir: vec3<f32>) -> vec3<f32> {
    let k = (params.sh_degree + 1u) * (params.sh_degree + 1u);
    let base = g * k * 3u;
    var c = SH_C0 * coeff(base, 0u);
    if params.sh_degree > 0u {
        let x = dir.x;
        let y = dir.y;
        let z = dir.z;
        c += -SH_C1 * y * coeff(base, 1u) + SH_C1 * z * coeff(base, 2u) - SH_C1 * x * coeff(base, 3u);
        if params.sh_degree > 1u {
            let xx = x * x;
            let yy = y * y;
            let zz = z * z;
            let xy = x * y;
            let yz = y * z;
            let xz = x * z;
            c += SH_C2[0] * xy * coeff(base, 4u) + SH_C2[1] * yz * coeff(base, 5u)
                + SH_C2[2] * (2.0 * zz - xx - yy) * coeff(base, 6u)
                + SH_C2[3] * xz * coeff(base, 7u) + SH_C2[4] * (xx - yy) * coeff(base, 8u);
            if params.sh_degree > 2u {
                c += SH_C3[0] * y * (3.0 * xx - yy) * coeff(base, 9u)
                    + SH_C3[1] * xy * z * coeff(base, 10u)
                    + SH_C3[2] * y * (4.0 * zz - xx - yy) * coeff(base, 11u)
                    + SH_C3[3] * z * (2.0 * zz - 3.0 * xx - 3.0 * yy) * coeff(base, 12u)
                    + SH_C3[4] * x * (4.0 * zz - xx - yy) * coeff(base, 13u)
                    + SH_C3[5] * z * (xx - yy) * coeff(base, 14u)
                    + SH_C3[6] * x * (xx - 3.0 * yy) * coeff(base, 15u);
            }
        }
    }
    return c;
}

fn quat_to_mat3(q: vec4<f32>) -> mat3x3<f32> {
    let x = q.x;
    let y = q.y;
    let z = q.z;
    let w = q.w;
    return mat3x3<f32>(
        vec3<f32>(1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y + w * z), 2.0 * (x * z - w * y)),
        vec3<f32>(2.0 * (x * y - w * z), 1.0 - 2.0 * (x * x + z * z), 2.0 * (y * z + w * x)),
        vec3<f32>(2.0 * (x * z + w * y), 2.0 * (y * z - w * x), 1.0 - 2.0 * (x * x + y * y)),
    );
}

fn cull(g: u32) {
    bounds[g] = vec4<f32>(1.0, 1.0, 0.0, 0.0);
    depths[g] = 0.0;
}

@compute @workgroup_size(256)
fn cs_project(@builtin(global_invocation_id) id: vec3<u32>) {
    let g = id.x;
    if g >= params.num_gaussians {
        return;
    }
    let gaussian = gaussians[g];
    let mean = gaussian.mean_opacity.xyz;
    let t = (params.camera_from_splat * vec4<f32>(mean, 1.0)).xyz;
    if t.z < params.clip.x || t.z > params.clip.y {
        cull(g);
        return;
    }
    let r = quat_to_mat3(gaussian.rotation);
    let s2 = exp(2.0 * gaussian.log_scale_sem.xyz);
    let sigma = r * mat3x3<f32>(vec3<f32>(s2.x, 0.0, 0.0), vec3<f32>(0.0, s2.y, 0.0),
        vec3<f32>(0.0, 0.0, s2.z)) * transpose(r);
    let fx = params.intrinsics.x;
    let fy = params.intrinsics.y;
    let tx = clamp(t.x / t.z, -params.clip.z, params.clip.z) * t.z;
    let ty = clamp(t.y / t.z, -params.clip.w, params.clip.w) * t.z;
    let j = mat3x3<f32>(
        vec3<f32>(fx / t.z, 0.0, 0.0),
        vec3<f32>(0.0, fy / t.z, 0.0),
        vec3<f32>(-fx * tx / (t.z * t.z), -fy * ty / (t.z * t.z), 0.0),
    );
    let w = mat3x3<f32>(params.camera_from_splat[0].xyz, params.camera_from_splat[1].xyz,
        params.camera_from_splat[2].xyz);
    let m = j * w;
    let cov3 = m * sigma * transpose(m);
    let a = cov3[0][0] + 0.3;
    let b = cov3[0][1];
    let c = cov3[1][1] + 0.3;
    let det = a * c - b * b;
    let opacity = 1.0 / (1.0 + exp(-gaussian.mean_opacity.w));
    // alpha >= 1/255 needs d^T conic d <= 2 ln(255 opacity): the footprint ellipse.
    let extent = 2.0 * log(255.0 * opacity);
    if det <= 0.0 || extent <= 0.0 {
        cull(g);
        return;
    }
    let mean_px = vec2<f32>(fx * t.x / t.z + params.intrinsics.z, fy * t.y / t.z + params.intrinsics.w);
    // Half-widths of the ellipse's bounding box, plus 1 px for f32 rounding.
    let half = vec2<f32>(sqrt(extent * a), sqrt(extent * c)) + 1.0;
    let dir = normalize(mean - params.camera_centre.xyz);
    let color = max(eval_sh(g, dir) + 0.5, vec3<f32>(0.0));
    projected[g] = Projected(
        vec4<f32>(mean_px, t.z, opacity),
        vec4<f32>(c / det, -b / det, a / det, gaussian.log_scale_sem.w),
        vec4<f32>(color, 0.0),
    );
    bounds[g] = vec4<f32>(mean_px - half, mean_px + half);
    depths[g] = t.z;
}
