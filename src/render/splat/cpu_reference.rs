//! A straightforward CPU implementation of the 3DGS forward pass (Kerbl et al., "3D Gaussian
//! Splatting for Real-Time Radiance Field Rendering", SIGGRAPH 2023), in f64, used as the
//! independent reference for the GPU renderer's tests. It follows the original CUDA
//! rasteriser step by step, without tiles:
//!
//! 1. `Sigma = R S S^T R^T` from the unit quaternion and `exp(log_scale)`.
//! 2. EWA splatting (Zwicker et al. 2001): `Sigma' = J W Sigma W^T J^T` with `W` the linear part
//!    of camera_from_splat and `J` the Jacobian of the perspective map at the centre, whose
//!    `x/z`, `y/z` are clamped to 1.3x the half field of view as in the original; then the
//!    +0.3 px low-pass dilation on the diagonal.
//! 3. Colour from SH (degree 0-3, the standard real SH constants) for the direction from the
//!    camera centre to the Gaussian in the splat frame, `+0.5`, clamped at 0.
//! 4. Sort by camera z, composite every pixel front to back:
//!    `alpha = min(0.99, opacity exp(-0.5 d^T Sigma'^-1 d))`, skip `alpha < 1/255`, stop before
//!    the transmittance would fall below 1e-4.
//!
//! Gaussians with camera z outside [near, far] are culled. Unlike the original, which only
//! evaluates a Gaussian inside a 3-sigma box rounded to 16 px tiles, every pixel is evaluated:
//! the `alpha >= 1/255` test alone bounds the footprint (the GPU renderer bins by that exact
//! bound, as gsplat and brush do).
//!
//! A mesh layer behind the splats stops compositing at its depth (Gaussians at or behind the
//! mesh surface are hidden) and is blended with the remaining transmittance.

use super::camera::{MeshLayersCpu, SplatCamera, SplatImage, quantise_unorm8};
use super::scene::SplatScene;
use glam::{DMat2, DMat3, DQuat, DVec2, DVec3};

const C1: f64 = 0.488_602_511_902_919_9;
const C2: [f64; 5] = [
    1.092_548_430_592_079_2,
    -1.092_548_430_592_079_2,
    0.315_391_565_252_520_05,
    -1.092_548_430_592_079_2,
    0.546_274_215_296_039_6,
];
const C3: [f64; 7] = [
    -0.590_043_589_926_643_5,
    2.890_611_442_640_554,
    -0.457_045_799_464_465_8,
    0.373_176_332_590_115_4,
    -0.457_045_799_464_465_8,
    1.445_305_721_320_277,
    -0.590_043_589_926_643_5,
];

/// One Gaussian after projection.
#[derive(Debug, Clone, Copy)]
pub struct ProjectedRef {
    pub index: usize,
    pub mean_px: DVec2,
    /// Inverse of the dilated 2D covariance.
    pub conic: DMat2,
    pub depth_m: f64,
    pub opacity: f64,
    pub color: DVec3,
    pub semantic: u8,
}

/// Evaluates view-dependent colour (before the +0.5 offset) for a unit direction.
pub fn eval_sh(degree: u32, sh: &[DVec3], dir: DVec3) -> DVec3 {
    let mut c = super::scene::SH_C0 * sh[0];
    if degree > 0 {
        let (x, y, z) = (dir.x, dir.y, dir.z);
        c += -C1 * y * sh[1] + C1 * z * sh[2] - C1 * x * sh[3];
        if degree > 1 {
            let (xx, yy, zz) = (x * x, y * y, z * z);
            let (xy, yz, xz) = (x * y, y * z, x * z);
            c += C2[0] * xy * sh[4]
                + C2[1] * yz * sh[5]
                + C2[2] * (2.0 * zz - xx - yy) * sh[6]
                + C2[3] * xz * sh[7]
                + C2[4] * (xx - yy) * sh[8];
            if degree > 2 {
                c += C3[0] * y * (3.0 * xx - yy) * sh[9]
                    + C3[1] * xy * z * sh[10]
                    + C3[2] * y * (4.0 * zz - xx - yy) * sh[11]
                    + C3[3] * z * (2.0 * zz - 3.0 * xx - 3.0 * yy) * sh[12]
                    + C3[4] * x * (4.0 * zz - xx - yy) * sh[13]
                    + C3[5] * z * (xx - yy) * sh[14]
                    + C3[6] * x * (xx - 3.0 * yy) * sh[15];
            }
        }
    }
    c
}

/// Projects every Gaussian; culled ones are left out. Sorted by camera z (stable).
pub fn project_reference(scene: &SplatScene, camera: &SplatCamera) -> Vec<ProjectedRef> {
    let camera_from_splat = camera.camera_from_global * scene.global_from_splat;
    let w = DMat3::from_mat4(camera_from_splat);
    let camera_centre = camera_from_splat.inverse().transform_point3(DVec3::ZERO);
    let lim_x = 1.3 * 0.5 * f64::from(camera.width) / camera.fx;
    let lim_y = 1.3 * 0.5 * f64::from(camera.height) / camera.fy;
    let mut out = Vec::new();
    for g in 0..scene.len() {
        let mean = scene.means[g].as_dvec3();
        let t = camera_from_splat.transform_point3(mean);
        if t.z < camera.near_m || t.z > camera.far_m {
            continue;
        }
        let q = scene.rotations[g];
        let r = DMat3::from_quat(DQuat::from_xyzw(
            f64::from(q.x),
            f64::from(q.y),
            f64::from(q.z),
            f64::from(q.w),
        ));
        let s2 = scene.log_scales[g].as_dvec3().map(|l| (2.0 * l).exp());
        let sigma = r * DMat3::from_diagonal(s2) * r.transpose();
        let tx = (t.x / t.z).clamp(-lim_x, lim_x) * t.z;
        let ty = (t.y / t.z).clamp(-lim_y, lim_y) * t.z;
        // J as 3x3 with a zero last row; only the upper 2x2 of the result is used.
        let j = DMat3::from_cols(
            DVec3::new(camera.fx / t.z, 0.0, 0.0),
            DVec3::new(0.0, camera.fy / t.z, 0.0),
            DVec3::new(
                -camera.fx * tx / (t.z * t.z),
                -camera.fy * ty / (t.z * t.z),
                0.0,
            ),
        );
        let m = j * w;
        let cov3 = m * sigma * m.transpose();
        let cov = DMat2::from_cols(
            DVec2::new(cov3.x_axis.x + 0.3, cov3.x_axis.y),
            DVec2::new(cov3.y_axis.x, cov3.y_axis.y + 0.3),
        );
        if cov.determinant() <= 0.0 {
            continue;
        }
        let dir = (mean - camera_centre).normalize();
        let sh: Vec<DVec3> = scene.sh_of(g).iter().map(|c| c.as_dvec3()).collect();
        let color = (eval_sh(scene.sh_degree, &sh, dir) + 0.5).max(DVec3::ZERO);
        out.push(ProjectedRef {
            index: g,
            mean_px: DVec2::new(
                camera.fx * t.x / t.z + camera.cx,
                camera.fy * t.y / t.z + camera.cy,
            ),
            conic: cov.inverse(),
            depth_m: t.z,
            opacity: f64::from(scene.opacity(g)),
            color,
            semantic: scene.semantic_of(g),
        });
    }
    out.sort_by(|a, b| a.depth_m.total_cmp(&b.depth_m));
    out
}

/// Renders `scene` seen by `camera`, over `background` when given (black, infinitely far and
/// class 0 otherwise).
pub fn render_reference(
    scene: &SplatScene,
    camera: &SplatCamera,
    background: Option<&MeshLayersCpu>,
) -> SplatImage {
    let gaussians = project_reference(scene, camera);
    let n = camera.pixel_count();
    let mut image = SplatImage {
        width: camera.width,
        height: camera.height,
        rgb: vec![0; 3 * n],
        depth_m: vec![f32::INFINITY; n],
        semantic: vec![0; n],
        alpha: vec![0.0; n],
    };
    for py in 0..camera.height {
        for px in 0..camera.width {
            let p = py as usize * camera.width as usize + px as usize;
            let pixel = DVec2::new(f64::from(px), f64::from(py));
            let (mesh_rgb, mesh_depth, mesh_semantic) = match background {
                Some(b) => (
                    DVec3::from_array(b.rgb[p].map(f64::from)),
                    // 0 or less: no surface (the mesh renderer's `NO_DEPTH_M`), like +inf.
                    if b.depth_m[p] > 0.0 {
                        f64::from(b.depth_m[p])
                    } else {
                        f64::INFINITY
                    },
                    b.semantic[p],
                ),
                None => (DVec3::ZERO, f64::INFINITY, 0),
            };
            let mut transmittance = 1.0;
            let mut color = DVec3::ZERO;
            let (mut depth_sum, mut weight_sum) = (0.0, 0.0);
            let (mut best_weight, mut semantic) = (0.0, 0u8);
            for g in &gaussians {
                if g.depth_m >= mesh_depth {
                    break;
                }
                let d = g.mean_px - pixel;
                let power = -0.5 * d.dot(g.conic * d);
                if power > 0.0 {
                    continue;
                }
                let alpha = (g.opacity * power.exp()).min(0.99);
                if alpha < 1.0 / 255.0 {
                    continue;
                }
                let next_t = transmittance * (1.0 - alpha);
                if next_t < 1e-4 {
                    break;
                }
                let weight = alpha * transmittance;
                color += weight * g.color;
                depth_sum += weight * g.depth_m;
                weight_sum += weight;
                if weight > best_weight {
                    best_weight = weight;
                    semantic = g.semantic;
                }
                transmittance = next_t;
            }
            color += transmittance * mesh_rgb;
            if mesh_depth.is_finite() {
                depth_sum += transmittance * mesh_depth;
                weight_sum += transmittance;
            }
            if transmittance > best_weight {
                semantic = mesh_semantic;
            }
            for c in 0..3 {
                image.rgb[3 * p + c] = quantise_unorm8(color[c]);
            }
            if weight_sum > 0.0 {
                image.depth_m[p] = (depth_sum / weight_sum) as f32;
            }
            image.semantic[p] = semantic;
            image.alpha[p] = (1.0 - transmittance) as f32;
        }
    }
    image
}
