//! Splat renderer benchmark: ms per frame for N random Gaussians filling a camera's view,
//! with the share of each stage (GPU projection + readback, host sort and binning, GPU
//! rasterisation + readback). Wired into `mpa-sim bench render` by the CLI.

use super::camera::SplatCamera;
use super::error::SplatError;
use super::gpu::{FrameTimings, SplatRenderer};
use super::scene::{SH_C0, SplatScene};
use glam::{DMat4, DVec3, Quat, Vec3};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::{Duration, Instant};

/// Seed of the benchmark scenes.
pub const BENCH_SEED: u64 = 0x5b1a7;

/// A reproducible random scene: `count` Gaussians of SH degree `sh_degree` in a 40 m x 20 m x
/// 8 m box in front of `bench_camera` (5 to 45 m ahead), sizes 2-30 cm, random rotations.
pub fn random_scene(count: usize, sh_degree: u32, seed: u64) -> SplatScene {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut scene = SplatScene::empty(sh_degree);
    let k = scene.sh_coeffs();
    for _ in 0..count {
        scene.means.push(Vec3::new(
            rng.random_range(-20.0..20.0),
            rng.random_range(-4.0..4.0),
            rng.random_range(5.0..45.0),
        ));
        let base = rng.random_range(0.02f32..0.3).ln();
        scene.log_scales.push(Vec3::new(
            base,
            base + rng.random_range(-1.0..0.5),
            base + rng.random_range(-1.0..0.5),
        ));
        let axis = Vec3::new(
            rng.random_range(-1.0..1.0),
            rng.random_range(-1.0..1.0),
            rng.random_range(-1.0..1.0),
        )
        .try_normalize()
        .unwrap_or(Vec3::Z);
        scene.rotations.push(Quat::from_axis_angle(
            axis,
            rng.random_range(0.0..std::f32::consts::PI),
        ));
        scene.opacity_logits.push(rng.random_range(-2.0..5.0));
        let rgb = Vec3::new(rng.random(), rng.random(), rng.random());
        scene.sh.push((rgb - 0.5) / SH_C0 as f32);
        for _ in 1..k {
            scene.sh.push(Vec3::new(
                rng.random_range(-0.2..0.2),
                rng.random_range(-0.2..0.2),
                rng.random_range(-0.2..0.2),
            ));
        }
    }
    scene
}

/// A reproducible random scene of `count` Gaussians (SH degree `sh_degree`, sizes and
/// opacities as `random_scene`) uniformly in the global box `lo..hi`, stored relative to the
/// box centre (`global_from_splat` = translation to it): a synthetic background of a given
/// Gaussian count for the six-camera splat benchmark.
pub fn random_scene_in_box(
    count: usize,
    lo: DVec3,
    hi: DVec3,
    sh_degree: u32,
    seed: u64,
) -> SplatScene {
    let mut scene = random_scene(count, sh_degree, seed);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6f78);
    let half = (0.5 * (hi - lo)).as_vec3();
    let centre = 0.5 * (lo + hi);
    for m in &mut scene.means {
        *m = Vec3::new(
            rng.random_range(-1.0..=1.0),
            rng.random_range(-1.0..=1.0),
            rng.random_range(-1.0..=1.0),
        ) * half;
    }
    scene.global_from_splat = DMat4::from_translation(centre);
    scene
}

/// The benchmark camera: identity pose (splat frame = camera frame), 800x450, ~90 deg
/// horizontal field of view.
pub fn bench_camera(width: u32, height: u32) -> SplatCamera {
    SplatCamera {
        camera_from_global: DMat4::IDENTITY,
        fx: f64::from(width) * 0.5,
        fy: f64::from(width) * 0.5,
        cx: f64::from(width) * 0.5 - 0.5,
        cy: f64::from(height) * 0.5 - 0.5,
        width,
        height,
        near_m: 0.2,
        far_m: 1000.0,
    }
}

#[derive(Debug, Clone)]
pub struct BenchResult {
    pub gaussians: usize,
    pub width: u32,
    pub height: u32,
    pub frames: usize,
    pub ms_per_frame: f64,
    /// Mean stage times over the timed frames.
    pub mean_timings: FrameTimings,
}

impl std::fmt::Display for BenchResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        write!(
            f,
            "splat {:>7} Gaussians {}x{}: {:8.1} ms/frame (project {:.1}, sort+bin {:.1}, \
             rasterize {:.1} ms; {} tile pairs)",
            self.gaussians,
            self.width,
            self.height,
            self.ms_per_frame,
            ms(self.mean_timings.project),
            ms(self.mean_timings.sort_and_bin),
            ms(self.mean_timings.rasterize),
            self.mean_timings.tile_pairs
        )
    }
}

/// Renders `frames` frames (after one warm-up) of a `random_scene(count, 3, BENCH_SEED)`.
pub fn bench_render(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    count: usize,
    width: u32,
    height: u32,
    frames: usize,
) -> Result<BenchResult, SplatError> {
    let scene = random_scene(count, 3, BENCH_SEED);
    let renderer = SplatRenderer::new(device, queue, &scene)?;
    let camera = bench_camera(width, height);
    renderer.render(device, queue, &camera, None)?;
    let frames = frames.max(1);
    let mut sum = FrameTimings::default();
    let start = Instant::now();
    for _ in 0..frames {
        let (_, t) = renderer.render_timed(device, queue, &camera, None)?;
        sum.project += t.project;
        sum.sort_and_bin += t.sort_and_bin;
        sum.rasterize += t.rasterize;
        sum.tile_pairs = t.tile_pairs;
    }
    let elapsed = start.elapsed();
    let n = frames as u32;
    Ok(BenchResult {
        gaussians: count,
        width,
        height,
        frames,
        ms_per_frame: elapsed.as_secs_f64() * 1e3 / frames as f64,
        mean_timings: FrameTimings {
            project: sum.project / n,
            sort_and_bin: sum.sort_and_bin / n,
            rasterize: sum.rasterize / n,
            tile_pairs: sum.tile_pairs,
        },
    })
}
