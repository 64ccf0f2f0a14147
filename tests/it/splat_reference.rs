//! The GPU splat renderer against the CPU reference of the 3DGS forward pass, pixel by pixel,
//! on small scenes; compositing over mesh layers; a baked plane. Runs on lavapipe where no GPU
//! is present.
//!
//! Colour tolerance: the GPU works in f32 and the reference in f64; both quantise to u8 with
//! round-to-nearest, so a value near a quantisation boundary may land one step apart (1/255),
//! and f32 error in exp() of large Mahalanobis distances and in the conic of thin Gaussians
//! adds about as much again: max abs diff <= 2/255 on 99.5% of pixels. Where a pixel sits on
//! the 1/255 alpha cut-off or the 1e-4 transmittance stop, one side may include a Gaussian the
//! other skips: a jump of at most alpha <= 2/255 * colour at the cut-off, or of the remaining
//! transmittance (< 1e-4 of 255 = 0.03 step) at the stop, so <= 8/255 everywhere.

use glam::{DMat4, DVec3, Quat, Vec3};
use mpa_sim::render::splat::bake::bake_triangles;
use mpa_sim::render::splat::cpu_reference::render_reference;
use mpa_sim::render::splat::headless::headless_device;
use mpa_sim::render::splat::scene::SH_C0;
use mpa_sim::render::splat::{
    MeshLayers, MeshLayersCpu, SplatCamera, SplatImage, SplatRenderer, SplatScene,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::OnceLock;

const SEED: u64 = 20231107;
/// Share of pixels whose colour may differ by more than `CLOSE_DIFF` (see the module doc).
const CLOSE_SHARE: f64 = 0.995;
const CLOSE_DIFF: u8 = 2;
const MAX_DIFF: u8 = 8;

fn device() -> &'static (wgpu::Device, wgpu::Queue) {
    static DEVICE: OnceLock<(wgpu::Device, wgpu::Queue)> = OnceLock::new();
    DEVICE.get_or_init(|| headless_device().expect("a Vulkan adapter (lavapipe)"))
}

fn camera(camera_from_global: DMat4) -> SplatCamera {
    SplatCamera {
        camera_from_global,
        fx: 70.0,
        fy: 72.0,
        cx: 39.5,
        cy: 29.0,
        width: 80,
        height: 60,
        near_m: 0.2,
        far_m: 100.0,
    }
}

fn render_gpu(scene: &SplatScene, camera: &SplatCamera) -> SplatImage {
    let (device, queue) = device();
    let renderer = SplatRenderer::new(device, queue, scene).expect("uploads");
    renderer
        .render(device, queue, camera, None)
        .expect("renders")
}

/// Random scene in front of an identity camera: centres in a box `z_range` deep.
fn random_scene(
    rng: &mut ChaCha8Rng,
    count: usize,
    sh_degree: u32,
    z_range: std::ops::Range<f32>,
    anisotropic: bool,
) -> SplatScene {
    let mut scene = SplatScene::empty(sh_degree);
    let mut semantic = Vec::new();
    for g in 0..count {
        let z = rng.random_range(z_range.clone());
        scene.means.push(Vec3::new(
            rng.random_range(-0.6..0.6) * z.abs().max(1.0),
            rng.random_range(-0.45..0.45) * z.abs().max(1.0),
            z,
        ));
        let base = rng.random_range(0.03f32..0.4).ln();
        let spread = if anisotropic { 1.5 } else { 0.0 };
        scene.log_scales.push(Vec3::new(
            base,
            base - rng.random_range(0.0..=spread),
            base - rng.random_range(0.0..=spread),
        ));
        let axis = Vec3::new(
            rng.random_range(-1.0..1.0),
            rng.random_range(-1.0..1.0),
            rng.random_range(-1.0..1.0),
        )
        .try_normalize()
        .unwrap_or(Vec3::X);
        let angle = if anisotropic {
            rng.random_range(0.0..3.1)
        } else {
            0.0
        };
        scene.rotations.push(Quat::from_axis_angle(axis, angle));
        scene.opacity_logits.push(rng.random_range(-3.0..6.0));
        let rgb = Vec3::new(rng.random(), rng.random(), rng.random());
        scene.sh.push((rgb - 0.5) / SH_C0 as f32);
        for _ in 1..scene.sh_coeffs() {
            scene.sh.push(Vec3::new(
                rng.random_range(-0.6..0.6),
                rng.random_range(-0.6..0.6),
                rng.random_range(-0.6..0.6),
            ));
        }
        semantic.push((g % 200) as u8 + 1);
    }
    scene.semantic = Some(semantic);
    scene
}

fn compare(name: &str, gpu: &SplatImage, cpu: &SplatImage) {
    let n = (gpu.width * gpu.height) as usize;
    let mut close = 0;
    let mut worst = 0u8;
    for p in 0..n {
        let diff = (0..3)
            .map(|c| gpu.rgb[3 * p + c].abs_diff(cpu.rgb[3 * p + c]))
            .max()
            .unwrap_or(0);
        worst = worst.max(diff);
        close += usize::from(diff <= CLOSE_DIFF);
    }
    let share = close as f64 / n as f64;
    let depth_ok = (0..n)
        .filter(|&p| {
            let (a, b) = (gpu.depth_m[p], cpu.depth_m[p]);
            (a.is_infinite() && b.is_infinite()) || (a - b).abs() <= 1e-3 * b.abs() + 1e-3
        })
        .count();
    let semantic_ok = (0..n)
        .filter(|&p| gpu.semantic[p] == cpu.semantic[p])
        .count();
    let alpha_ok = (0..n)
        .filter(|&p| (gpu.alpha[p] - cpu.alpha[p]).abs() <= 2.0 / 255.0)
        .count();
    let covered = (0..n).filter(|&p| cpu.alpha[p] > 0.1).count();
    eprintln!(
        "{name}: colour within {CLOSE_DIFF}/255 on {:.4}, worst {worst}/255; depth {depth_ok}/{n}, \
         semantic {semantic_ok}/{n}, alpha {alpha_ok}/{n}; {covered} px covered",
        share
    );
    assert!(covered > n / 10, "{name}: the scene must cover the image");
    assert!(
        share >= CLOSE_SHARE,
        "{name}: only {share} of pixels within {CLOSE_DIFF}/255"
    );
    assert!(
        worst <= MAX_DIFF,
        "{name}: worst colour difference {worst}/255"
    );
    // Depth and alpha share the colour's bounds on skipped cut-off Gaussians; semantic may
    // flip where two Gaussians have nearly equal weight.
    assert!(depth_ok as f64 >= CLOSE_SHARE * n as f64, "{name}: depth");
    assert!(alpha_ok as f64 >= CLOSE_SHARE * n as f64, "{name}: alpha");
    assert!(semantic_ok as f64 >= 0.99 * n as f64, "{name}: semantic");
}

fn check(name: &str, scene: &SplatScene, camera: &SplatCamera) -> SplatImage {
    let gpu = render_gpu(scene, camera);
    let cpu = render_reference(scene, camera, None);
    compare(name, &gpu, &cpu);
    gpu
}

#[test]
fn isotropic_gaussians_match_reference() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let scene = random_scene(&mut rng, 40, 0, 2.0..8.0, false);
    check("isotropic", &scene, &camera(DMat4::IDENTITY));
}

#[test]
fn anisotropic_rotated_gaussians_match_reference() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 1);
    let scene = random_scene(&mut rng, 150, 0, 1.0..10.0, true);
    check("anisotropic", &scene, &camera(DMat4::IDENTITY));
}

#[test]
fn overlapping_gaussians_at_different_depths_composite_in_order() {
    // Three large discs straight ahead, listed back to front; the nearest (red) must win.
    let mut scene = SplatScene::empty(0);
    for (z, rgb) in [
        (6.0, [0.0, 0.0, 1.0]),
        (4.0, [0.0, 1.0, 0.0]),
        (2.0, [1.0, 0.0, 0.0]),
    ] {
        scene.means.push(Vec3::new(0.1 * z, 0.0, z));
        scene.log_scales.push(Vec3::splat((0.15 * z).ln()));
        scene.rotations.push(Quat::IDENTITY);
        scene.opacity_logits.push(2.0);
        scene.sh.push((Vec3::from_array(rgb) - 0.5) / SH_C0 as f32);
    }
    scene.semantic = Some(vec![3, 2, 1]);
    // Plus a few hundred small ones in between.
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 2);
    scene
        .extend(&random_scene(&mut rng, 300, 0, 1.0..7.0, true))
        .expect("same degree");
    let gpu = check("overlapping", &scene, &camera(DMat4::IDENTITY));
    let centre = gpu.rgb_at(40, 29);
    assert!(
        centre[0] > centre[1] && centre[0] > centre[2],
        "front disc is red: {centre:?}"
    );
}

/// A camera at `eye` looking at `target` (global z up), as camera_from_global.
fn look_at(eye: DVec3, target: DVec3) -> DMat4 {
    let forward = (target - eye).normalize();
    let right = forward.cross(DVec3::Z).normalize();
    let down = forward.cross(right);
    let global_from_camera = DMat4::from_cols(
        right.extend(0.0),
        down.extend(0.0),
        forward.extend(0.0),
        eye.extend(1.0),
    );
    global_from_camera.inverse()
}

#[test]
fn sh_degrees_1_to_3_are_view_dependent_and_match_reference() {
    for degree in 1..=3 {
        let mut rng = ChaCha8Rng::seed_from_u64(SEED + 10 + u64::from(degree));
        let mut scene = random_scene(&mut rng, 120, degree, 2.0..6.0, true);
        // Place the splat frame away from the global origin (exercises global_from_splat).
        scene.global_from_splat =
            DMat4::from_translation(DVec3::new(500.0, -300.0, 10.0)) * DMat4::from_rotation_x(-1.0);
        let target = scene
            .global_from_splat
            .transform_point3(DVec3::new(0.0, 0.0, 4.0));
        let views = [DVec3::new(-1.5, 0.5, -3.0), DVec3::new(1.5, -0.5, -2.0)].map(|offset| {
            let eye = scene.global_from_splat.transform_point3(offset);
            camera(look_at(eye, target))
        });
        let a = check(&format!("sh degree {degree} view a"), &scene, &views[0]);
        check(&format!("sh degree {degree} view b"), &scene, &views[1]);
        // The same view with the view-dependent terms removed renders differently.
        let mut dc_only = scene.clone();
        let k = scene.sh_coeffs();
        for (i, c) in dc_only.sh.iter_mut().enumerate() {
            if i % k != 0 {
                *c = Vec3::ZERO;
            }
        }
        let flat = render_gpu(&dc_only, &views[0]);
        let changed = a
            .rgb
            .iter()
            .zip(&flat.rgb)
            .filter(|(x, y)| x.abs_diff(**y) > 8)
            .count();
        assert!(
            changed > a.rgb.len() / 20,
            "degree {degree}: SH terms change {changed} values"
        );
    }
}

#[test]
fn gaussians_straddling_the_near_plane_and_behind_the_camera_match_reference() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 3);
    // Centres from 2 m behind to 3 m ahead, large: some culled, some partly behind the camera.
    let mut scene = random_scene(&mut rng, 200, 1, -2.0..3.0, true);
    for s in &mut scene.log_scales {
        *s += Vec3::splat(0.7);
    }
    check("near plane", &scene, &camera(DMat4::IDENTITY));
}

fn mesh_textures(layers: &MeshLayersCpu) -> [wgpu::Texture; 3] {
    use wgpu::util::DeviceExt;
    let (device, queue) = device();
    let make = |format, bytes: &[u8]| {
        device.create_texture_with_data(
            queue,
            &wgpu::TextureDescriptor {
                label: Some("test mesh layer"),
                size: wgpu::Extent3d {
                    width: layers.width,
                    height: layers.height,
                    depth_or_array_layers: 1,
                },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format,
                usage: wgpu::TextureUsages::TEXTURE_BINDING,
                view_formats: &[],
            },
            wgpu::util::TextureDataOrder::LayerMajor,
            bytes,
        )
    };
    let rgba: Vec<u8> = layers
        .rgb
        .iter()
        .flat_map(|c| [c[0], c[1], c[2], 1.0].map(|v| (v * 255.0).round() as u8))
        .collect();
    let depth: Vec<u8> = layers
        .depth_m
        .iter()
        .flat_map(|d| d.to_le_bytes())
        .collect();
    [
        // An sRGB format: the renderer re-encodes what it loads.
        make(wgpu::TextureFormat::Rgba8UnormSrgb, &rgba),
        make(wgpu::TextureFormat::R32Float, &depth),
        make(wgpu::TextureFormat::R8Uint, &layers.semantic),
    ]
}

#[test]
fn mesh_in_front_hides_gaussians_behind_it() {
    let cam = camera(DMat4::IDENTITY);
    let n = cam.pixel_count();
    // Left half: a mesh surface 3 m away (red, class 9); right half: no surface (blue clear).
    let mut layers = MeshLayersCpu {
        width: cam.width,
        height: cam.height,
        rgb: vec![[0.0, 0.0, 1.0]; n],
        depth_m: vec![f32::INFINITY; n],
        semantic: vec![0; n],
    };
    for p in 0..n {
        if (p % cam.width as usize) < 40 {
            layers.rgb[p] = [200.0 / 255.0, 0.0, 0.0];
            layers.depth_m[p] = 3.0;
            layers.semantic[p] = 9;
        }
    }
    // A wall of opaque green Gaussians at 5 m (behind the mesh) and a small white one at 2 m.
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 4);
    let mut scene = random_scene(&mut rng, 150, 0, 4.9..5.1, false);
    for (g, c) in scene.sh.iter_mut().enumerate() {
        *c = (Vec3::new(0.0, 1.0, 0.0) - 0.5) / SH_C0 as f32;
        scene.log_scales[g] = Vec3::splat(0.35f32.ln());
        scene.opacity_logits[g] = 6.0;
    }
    scene.means.push(Vec3::new(-1.0, 0.0, 2.0));
    scene.log_scales.push(Vec3::splat(0.05f32.ln()));
    scene.rotations.push(Quat::IDENTITY);
    scene.opacity_logits.push(6.0);
    scene.sh.push(Vec3::splat(0.5 / SH_C0 as f32));
    scene.semantic.as_mut().expect("has semantic").push(250);

    let textures = mesh_textures(&layers);
    let (device, queue) = device();
    let renderer = SplatRenderer::new(device, queue, &scene).expect("uploads");
    let mesh = MeshLayers {
        color: &textures[0],
        depth_m: &textures[1],
        semantic: &textures[2],
    };
    let gpu = renderer
        .render(device, queue, &cam, Some(&mesh))
        .expect("renders");
    let cpu = render_reference(&scene, &cam, Some(&layers));
    compare("composite", &gpu, &cpu);
    gpu.save_png(&std::env::temp_dir().join("mpa_sim_splat_composite.png"))
        .expect("writes png");

    // Left edge: the mesh, untouched (sRGB re-encoding round-trips the byte).
    assert_eq!(gpu.rgb_at(20, 50), [200, 0, 0]);
    assert_eq!(gpu.depth_m[50 * 80 + 20], 3.0);
    assert_eq!(gpu.semantic[50 * 80 + 20], 9);
    // The white Gaussian in front of the mesh shows on it (-1 m at 2 m: u = -35 + 39.5).
    let p = 29 * 80 + 4;
    assert!(gpu.rgb_at(4, 29)[1] > 200, "{:?}", gpu.rgb_at(4, 29));
    assert_eq!(gpu.semantic[p], 250);
    assert!(gpu.depth_m[p] < 3.0);
    // Right half: the green wall over the blue clear colour, at 5 m.
    let right = gpu.rgb_at(60, 30);
    assert!(right[1] > 200 && right[2] < 40, "{right:?}");
    assert!((gpu.depth_m[30 * 80 + 60] - 5.0).abs() < 0.2);
}

#[test]
fn baked_plane_renders_its_colour_and_depth() {
    // A 30 m x 12 m road plane (z = 0), camera 1.5 m above it looking along +x.
    let colour = [0.3f32, 0.6, 0.2];
    let corners = [
        DVec3::new(1.0, -6.0, 0.0),
        DVec3::new(31.0, -6.0, 0.0),
        DVec3::new(31.0, 6.0, 0.0),
        DVec3::new(1.0, 6.0, 0.0),
    ];
    let offset = DVec3::new(1000.0, 2000.0, 5.0);
    let triangles = [
        [corners[0], corners[1], corners[2]].map(|c| c + offset),
        [corners[0], corners[2], corners[3]].map(|c| c + offset),
    ];
    let spacing_m = 0.1;
    let scene = bake_triangles(&triangles, &[colour; 2], &[4, 4], spacing_m).expect("bakes");
    let eye = offset + DVec3::new(0.0, 0.0, 1.5);
    let cam = camera(look_at(eye, eye + DVec3::X));
    let image = render_gpu(&scene, &cam);
    image
        .save_png(&std::env::temp_dir().join("mpa_sim_baked_plane.png"))
        .expect("writes png");

    let expected = colour.map(|c| (c * 255.0).round() as u8);
    let mut checked = 0;
    for v in 0..cam.height {
        let dy = f64::from(v) - cam.cy;
        // Rows showing the plane between 3 m and 15 m ahead, away from its side edges.
        let Some(z_true) = (dy > 0.0).then(|| 1.5 * cam.fy / dy) else {
            continue;
        };
        if !(3.0..=15.0).contains(&z_true) {
            continue;
        }
        for u in 10..cam.width - 10 {
            let p = (v * cam.width + u) as usize;
            let rgb = image.rgb_at(u, v);
            // Opaque surface of one colour: compositing returns the colour times (1 - T) with
            // T < 1e-4 at the stop, so within 1/255 of the quantised colour.
            for c in 0..3 {
                assert!(
                    rgb[c].abs_diff(expected[c]) <= 1,
                    "({u},{v}) {rgb:?} vs {expected:?}"
                );
            }
            // Expected depth averages Gaussian centres on the plane around the ray's hit: the
            // footprint reaches ~1.5 sub-triangle edges (<= 1.5 spacing) along the plane, so the
            // averaged centre depths stay within that of the true depth.
            // Expected depth averages the centre depths of the Gaussians composited at the
            // pixel, front to back. At grazing view the 0.3 px^2 low-pass dilation dominates
            // each footprint (sqrt(2 ln 255) * sqrt(0.3) = 1.8 px to the alpha cut-off), and the
            // nearer Gaussians projecting just below the pixel come first: measured bias -1.13
            // to -1.25 rows, i.e. the depth of a point about one row nearer. Bound: 1.5 rows,
            // where one row is dz/dv = z^2 / (camera height * fy) metres.
            let depth = f64::from(image.depth_m[p]);
            let metres_per_row = z_true * z_true / (1.5 * cam.fy);
            assert!(
                (depth - z_true).abs() <= 1.5 * metres_per_row,
                "({u},{v}) depth {depth} vs {z_true}"
            );
            assert_eq!(image.semantic[p], 4);
            checked += 1;
        }
    }
    assert!(checked > 500, "checked {checked} pixels");
    // Above the horizon: nothing.
    assert_eq!(image.rgb_at(40, 5), [0, 0, 0]);
    assert!(image.depth_m[5 * 80 + 40].is_infinite());
}

#[test]
fn baked_wall_facing_the_camera_renders_its_exact_depth() {
    // A 20 m x 10 m wall 10 m ahead, perpendicular to the view: every Gaussian centre is at
    // camera z = 10 m, so the expected depth is 10 m up to f32 rounding.
    let x = 10.0;
    let c = [
        DVec3::new(x, -10.0, -5.0),
        DVec3::new(x, 10.0, -5.0),
        DVec3::new(x, 10.0, 5.0),
        DVec3::new(x, -10.0, 5.0),
    ];
    let colour = [0.8f32, 0.1, 0.5];
    let scene = bake_triangles(
        &[[c[0], c[1], c[2]], [c[0], c[2], c[3]]],
        &[colour; 2],
        &[6, 6],
        0.2,
    )
    .expect("bakes");
    let cam = camera(look_at(DVec3::ZERO, DVec3::X));
    let image = render_gpu(&scene, &cam);
    let expected = colour.map(|c| (c * 255.0).round() as u8);
    for v in 0..cam.height {
        for u in 0..cam.width {
            let p = (v * cam.width + u) as usize;
            let rgb = image.rgb_at(u, v);
            for ch in 0..3 {
                assert!(rgb[ch].abs_diff(expected[ch]) <= 1, "({u},{v}) {rgb:?}");
            }
            assert!(
                (image.depth_m[p] - 10.0).abs() < 1e-4,
                "({u},{v}) {}",
                image.depth_m[p]
            );
            assert_eq!(image.semantic[p], 6);
        }
    }
}

#[test]
fn empty_scene_renders_the_background() {
    let scene = SplatScene::empty(0);
    let cam = camera(DMat4::IDENTITY);
    let image = render_gpu(&scene, &cam);
    assert!(image.rgb.iter().all(|&c| c == 0));
    assert!(image.depth_m.iter().all(|d| d.is_infinite()));
    assert!(image.alpha.iter().all(|&a| a == 0.0));
    assert_eq!(image, render_reference(&scene, &cam, None));
}
