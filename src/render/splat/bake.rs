//! Baking triangle meshes into 3D Gaussians, so scenes that only have meshes still run the
//! splat path (DESIGN.md, Rendering).
//!
//! Each triangle is split into `n^2` congruent sub-triangles (`n` edge subdivisions, with
//! `longest edge / n <= spacing`) and one flat Gaussian sits at each sub-triangle's centroid:
//! a deterministic, area-uniform pattern. The Gaussian's local axes are the triangle's longest
//! edge, the in-plane perpendicular and the normal; its standard deviations are half the
//! sub-triangle's longest edge along it and half the sub-triangle's height across it (so
//! neighbours overlap into an opaque surface, and a thin sliver -- a curb face, a lane line --
//! stays thin), and 2% of the edge along the normal. Colour is SH degree 0
//! (`f_dc = (rgb - 0.5) / C0`, so `C0 f_dc + 0.5 = rgb`), opacity 0.99 and the triangle's
//! semantic class.
//!
//! Positions come in f64 (global frame) and are stored relative to the rounded centre of their
//! bounding box, which becomes `global_from_splat`, keeping f32 precision at map coordinates.

use super::error::SplatError;
use super::scene::{SH_C0, SplatScene};
use glam::{DMat3, DMat4, DQuat, DVec3, Vec3};

/// Opacity of baked Gaussians (the compositing cap is 0.99 as well).
pub const BAKED_OPACITY: f64 = 0.99;
/// In-plane standard deviation as a fraction of the sub-triangle edge.
pub const IN_PLANE_SIGMA_PER_EDGE: f64 = 0.5;
/// Standard deviation along the normal as a fraction of the sub-triangle edge.
pub const NORMAL_SIGMA_PER_EDGE: f64 = 0.02;

/// Samples every triangle's surface with flat Gaussians about `spacing_m` apart.
/// `colors` (sRGB-encoded, [0, 1]) and `semantic` are per triangle. Triangles with (near) zero
/// area are skipped.
pub fn bake_triangles(
    triangles: &[[DVec3; 3]],
    colors: &[[f32; 3]],
    semantic: &[u8],
    spacing_m: f64,
) -> Result<SplatScene, SplatError> {
    let invalid = |what: String| Err(SplatError::InvalidScene(what));
    if colors.len() != triangles.len() || semantic.len() != triangles.len() {
        return invalid(format!(
            "bake: {} triangles but {} colours and {} semantic classes",
            triangles.len(),
            colors.len(),
            semantic.len()
        ));
    }
    if !(spacing_m.is_finite() && spacing_m > 0.0) {
        return invalid(format!("bake: spacing {spacing_m} m, expected > 0"));
    }
    if let Some(t) = triangles
        .iter()
        .position(|t| t.iter().any(|v| !v.is_finite()))
    {
        return invalid(format!("bake: triangle {t} has a non-finite vertex"));
    }
    let (lo, hi) = triangles.iter().flatten().fold(
        (DVec3::splat(f64::INFINITY), DVec3::splat(f64::NEG_INFINITY)),
        |(lo, hi), v| (lo.min(*v), hi.max(*v)),
    );
    let origin = if triangles.is_empty() {
        DVec3::ZERO
    } else {
        ((lo + hi) * 0.5).round()
    };

    let mut scene = SplatScene::empty(0);
    scene.global_from_splat = DMat4::from_translation(origin);
    let mut classes = Vec::new();
    let opacity_logit = (BAKED_OPACITY / (1.0 - BAKED_OPACITY)).ln() as f32;
    for (t, [a, b, c]) in triangles.iter().enumerate() {
        let (a, b, c) = (*a - origin, *b - origin, *c - origin);
        let (ab, ac) = (b - a, c - a);
        let normal = ab.cross(ac);
        let edges = [ab, c - b, a - c];
        let longest_edge = edges
            .into_iter()
            .max_by(|p, q| p.length().total_cmp(&q.length()))
            .unwrap_or(ab);
        let longest = longest_edge.length();
        // Skip slivers whose area is negligible against their length.
        if normal.length() <= 1e-9 * longest * longest || longest == 0.0 {
            continue;
        }
        let n = (longest / spacing_m).ceil().max(1.0);
        let edge = longest / n;
        // Height of the (sub-)triangle over its longest edge.
        let height = normal.length() / longest / n;
        let x_axis = longest_edge.normalize();
        let z_axis = normal.normalize();
        let y_axis = z_axis.cross(x_axis);
        let rotation = DQuat::from_mat3(&DMat3::from_cols(x_axis, y_axis, z_axis)).normalize();
        let along = (IN_PLANE_SIGMA_PER_EDGE * edge).ln();
        let across = (IN_PLANE_SIGMA_PER_EDGE * height).ln();
        let thin = (NORMAL_SIGMA_PER_EDGE * edge).ln();
        let dc = Vec3::from_array(colors[t].map(|v| ((f64::from(v) - 0.5) / SH_C0) as f32));
        let n = n as usize;
        let inv = 1.0 / n as f64;
        // Sub-triangle centroids in barycentric lattice coordinates (i, j), i + j < n: the
        // "upward" ones at (i + 1/3, j + 1/3), the "downward" ones at (i + 2/3, j + 2/3).
        let mut push = |u: f64, v: f64| {
            let p = a + ab * (u * inv) + ac * (v * inv);
            scene.means.push(p.as_vec3());
            scene
                .log_scales
                .push(Vec3::new(along as f32, across as f32, thin as f32));
            scene.rotations.push(rotation.as_quat());
            scene.opacity_logits.push(opacity_logit);
            scene.sh.push(dc);
            classes.push(semantic[t]);
        };
        for i in 0..n {
            for j in 0..n - i {
                push(i as f64 + 1.0 / 3.0, j as f64 + 1.0 / 3.0);
                if i + j + 1 < n {
                    push(i as f64 + 2.0 / 3.0, j as f64 + 2.0 / 3.0);
                }
            }
        }
    }
    scene.semantic = Some(classes);
    scene.validate()?;
    Ok(scene)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_square_gets_area_uniform_samples_on_the_surface() {
        let tris = [
            [
                DVec3::new(100.0, 200.0, 3.0),
                DVec3::new(101.0, 200.0, 3.0),
                DVec3::new(101.0, 201.0, 3.0),
            ],
            [
                DVec3::new(100.0, 200.0, 3.0),
                DVec3::new(101.0, 201.0, 3.0),
                DVec3::new(100.0, 201.0, 3.0),
            ],
        ];
        let scene = bake_triangles(&tris, &[[1.0, 0.0, 0.0]; 2], &[7, 7], 0.25).expect("bakes");
        // Longest edge sqrt(2) m -> n = 6 subdivisions -> 36 samples per triangle.
        assert_eq!(scene.len(), 72);
        let origin = scene.global_from_splat.transform_point3(DVec3::ZERO);
        for m in &scene.means {
            let p = m.as_dvec3() + origin;
            assert!((p.z - 3.0).abs() < 1e-5);
            assert!((100.0..=101.0).contains(&p.x) && (200.0..=201.0).contains(&p.y));
            assert!(m.length() < 2.0, "stored relative to the local origin");
        }
        // Normal axis (local z) maps to global +-z; colour round-trips through SH DC.
        let z = scene.rotations[0] * Vec3::Z;
        assert!(z.z.abs() > 0.999);
        let rgb = scene.sh[0] * SH_C0 as f32 + Vec3::splat(0.5);
        assert!((rgb - Vec3::new(1.0, 0.0, 0.0)).abs().max_element() < 1e-6);
        assert_eq!(scene.semantic_of(5), 7);
    }

    #[test]
    fn degenerate_triangles_are_skipped_and_bad_input_is_an_error() {
        let p = DVec3::new(1.0, 2.0, 3.0);
        let scene = bake_triangles(&[[p, p, p]], &[[0.5; 3]], &[0], 0.1).expect("bakes");
        assert!(scene.is_empty());
        assert!(bake_triangles(&[[p, p, p]], &[], &[0], 0.1).is_err());
        assert!(bake_triangles(&[[p, p, p]], &[[0.5; 3]], &[0], 0.0).is_err());
    }
}
