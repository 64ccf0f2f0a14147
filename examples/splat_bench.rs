//! Splat renderer benchmark on a headless device (lavapipe where there is no GPU):
//! `cargo run --release --example splat_bench [N ...]` prints ms per frame at 800x450 for N
//! random Gaussians (default 50k and 200k) and writes a PNG of the first scene's frame.

use mpa_sim::render::splat::SplatRenderer;
use mpa_sim::render::splat::bench::{BENCH_SEED, bench_camera, bench_render, random_scene};
use mpa_sim::render::splat::headless::headless_device;

fn main() -> anyhow::Result<()> {
    let counts: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let counts = if counts.is_empty() {
        vec![50_000, 200_000]
    } else {
        counts
    };
    let (device, queue) = headless_device()?;
    for &count in &counts {
        println!("{}", bench_render(&device, &queue, count, 800, 450, 5)?);
    }
    let scene = random_scene(counts[0], 3, BENCH_SEED);
    let renderer = SplatRenderer::new(&device, &queue, &scene)?;
    let image = renderer.render(&device, &queue, &bench_camera(800, 450), None)?;
    let path = std::env::temp_dir().join("mpa_sim_splat_bench.png");
    image.save_png(&path)?;
    println!("wrote {}", path.display());
    Ok(())
}
