// Tile rasteriser of projected Gaussians (the render step of 3DGS, Kerbl et al. 2023): one
// workgroup per 8x8 pixel tile, one invocation per pixel, walking the tile's Gaussians
// front to back (sorted by camera z on the host) and compositing
//   alpha = min(0.99, opacity exp(-0.5 d^T conic d)), skipped below 1/255,
// stopping before the transmittance would fall below 1e-4. Gaussians at or behind the mesh
// layer's depth are hidden; the mesh colour is blended behind with the remaining
// transmittance. Mirrors cpu_reference.rs in f32.

// Must match `SplatParams` in src/render/splat/gpu.rs (and the twin in splat_project.wgsl).
struct Params {
    camera_from_splat: mat4x4<f32>,
    camera_centre: vec4<f32>,
    intrinsics: vec4<f32>,
    clip: vec4<f32>,
    width: u32,
    height: u32,
    num_gaussians: u32,
    sh_degree: u32,
    tiles_x: u32,
    has_background: u32,
    background_is_linear: u32,
    _pad: u32,
}

// Must match `ProjectedGpu` in gpu.rs and the twin in splat_project.wgsl.
struct Projected {
    mean_depth_opacity: vec4<f32>,
    conic_sem: vec4<f32>,
    color: vec4<f32>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> projected: array<Projected>;
// Per tile: [start, end) into `ids`.
@group(0) @binding(2) var<storage, read> tile_ranges: array<vec2<u32>>;
// Gaussian indices, grouped by tile, front to back within a tile.
@group(0) @binding(3) var<storage, read> ids: array<u32>;
@group(0) @binding(4) var mesh_color: texture_2d<f32>;
@group(0) @binding(5) var mesh_depth: texture_2d<f32>;
@group(0) @binding(6) var mesh_semantic: texture_2d<u32>;
@group(0) @binding(7) var<storage, read_write> out_rgba: array<u32>;
// Expected depth in metres, -1 where nothing was hit.
@group(0) @binding(8) var<storage, read_write> out_depth: array<f32>;
@group(0) @binding(9) var<storage, read_write> out_semantic: array<u32>;
@group(0) @binding(10) var<storage, read_write> out_alpha: array<f32>;


fn linear_to_srgb(c: vec3<f32>) -> vec3<f32> {
    let lo = c * 12.92;
    let hi = 1.055 * pow(c, vec3<f32>(1.0 / 2.4)) - 0.055;
    return select(hi, lo, c <= vec3<f32>(0.0031308));
}

// The workgroup is one tile: must match `TILE_SIZE_PX` in src/render/splat/binning.rs.
@compute @workgroup_size(8, 8)
fn cs_rasterize(
    @builtin(global_invocation_id) id: vec3<u32>,
    @builtin(workgroup_id) wg: vec3<u32>,
) {
    if id.x >= params.width || id.y >= params.height {
        return;
    }
    let p = id.y * params.width + id.x;
    let pixel = vec2<f32>(f32(id.x), f32(id.y));
    var bg_color = vec3<f32>(0.0);
    var bg_depth = 3.0e38;
    var bg_semantic = 0u;
    if params.has_background != 0u {
        let texel = vec2<i32>(id.xy);
        bg_color = textureLoad(mesh_color, texel, 0).rgb;
        if params.background_is_linear != 0u {
            bg_color = linear_to_srgb(bg_color);
        }
        // 0 (or less) is the mesh renderer's "no surface" (sky), like +inf.
        let raw_depth = textureLoad(mesh_depth, texel, 0).r;
        bg_depth = select(3.0e38, min(raw_depth, 3.0e38), raw_depth > 0.0);
        bg_semantic = textureLoad(mesh_semantic, texel, 0).r;
    }

    let range = tile_ranges[wg.y * params.tiles_x + wg.x];
    var transmittance = 1.0;
    var color = vec3<f32>(0.0);
    var depth_sum = 0.0;
    var weight_sum = 0.0;
    var best_weight = 0.0;
    var semantic = 0u;
    for (var i = range.x; i < range.y; i++) {
        let g = projected[ids[i]];
        let depth = g.mean_depth_opacity.z;
        if depth >= bg_depth {
            break;
        }
        let d = g.mean_depth_opacity.xy - pixel;
        let conic = g.conic_sem.xyz;
        let power = -0.5 * (conic.x * d.x * d.x + conic.z * d.y * d.y) - conic.y * d.x * d.y;
        if power > 0.0 {
            continue;
        }
        let alpha = min(0.99, g.mean_depth_opacity.w * exp(power));
        if alpha < 1.0 / 255.0 {
            continue;
        }
        let next_t = transmittance * (1.0 - alpha);
        if next_t < 1.0e-4 {
            break;
        }
        let weight = alpha * transmittance;
        color += weight * g.color.rgb;
        depth_sum += weight * depth;
        weight_sum += weight;
        if weight > best_weight {
            best_weight = weight;
            semantic = u32(g.conic_sem.w);
        }
        transmittance = next_t;
    }
    color += transmittance * bg_color;
    if bg_depth < 3.0e38 {
        depth_sum += transmittance * bg_depth;
        weight_sum += transmittance;
    }
    if transmittance > best_weight {
        semantic = bg_semantic;
    }
    out_rgba[p] = pack4x8unorm(vec4<f32>(color, 1.0));
    out_depth[p] = select(-1.0, depth_sum / weight_sum, weight_sum > 0.0);
    out_semantic[p] = semantic;
    out_alpha[p] = 1.0 - transmittance;
}
