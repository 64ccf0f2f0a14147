//! `mpa-sim bench render`: frames per second and milliseconds per camera of the six-camera rig
//! in mesh mode and in splat mode (the scene's baked background, and a synthetic background of
//! `--gaussians N`), at each `--size`, printed as one table. Frames walk through the scene so
//! the ego and the actors move; two warm-up frames per row are not timed.

use crate::cli::render::{RenderMode, load, mesh_renderer, parse_size};
use crate::cli::scenes::DataArgs;
use anyhow::Context;
use clap::Args;
use glam::DVec2;
use mpa_sim::render::actors::scene_actors_at;
use mpa_sim::render::splat::bake_scene::bake_scene;
use mpa_sim::render::splat::baked::{DEFAULT_BAKE_MARGIN_M, DEFAULT_BAKE_SPACING_M};
use mpa_sim::render::splat::bench::{BENCH_SEED, random_scene_in_box};
use mpa_sim::render::{AdapterPreference, DEFAULT_SEED, SplatViews, ViewRenderer, create_context};
use mpa_sim::scene::{Scene, nuscenes};
use std::time::Instant;

#[derive(Debug, Args)]
pub struct BenchRenderArgs {
    /// Output sizes per camera, comma separated WIDTHxHEIGHT.
    #[arg(long, value_delimiter = ',', default_value = "800x450,256x144", value_parser = parse_size)]
    pub size: Vec<(u32, u32)>,
    /// Mesh-mode frames (six cameras each) timed per size, after two warm-up frames.
    #[arg(long, default_value_t = 20)]
    pub frames: usize,
    /// Splat-mode frames timed per size and background, after two warm-up frames.
    #[arg(long, default_value_t = 4)]
    pub splat_frames: usize,
    /// Gaussians of the synthetic splat background (spread over the scene's route bounds plus
    /// 40 m, 0 to 10 m high; SH degree 3); 0 skips that row.
    #[arg(long, default_value_t = 500_000)]
    pub gaussians: usize,
    /// Skip the splat rows.
    #[arg(long)]
    pub no_splat: bool,
    /// Instead of the table: K forks of one World x six cameras rendered in one submission
    /// against one by one, at 64x36 and 256x144 (frames per second and their ratio).
    #[arg(long, value_name = "K")]
    pub batch: Option<usize>,
    /// Scene to render (default: the first scene of the data root).
    #[arg(long)]
    pub scene: Option<String>,
    #[command(flatten)]
    pub data: DataArgs,
}

struct Row {
    mode: RenderMode,
    background: String,
    gaussians: usize,
    size: (u32, u32),
    cameras: usize,
    frames: usize,
    secs_per_frame: f64,
    /// Splat rows: mean per-camera milliseconds of project, sort + bin, rasterise.
    stages_ms: Option<[f64; 3]>,
}

/// Time `frames` frames (after two warm-up ones) at `size`, walking through the scene.
fn time_frames(
    renderer: &mut ViewRenderer,
    scene: &Scene,
    size: (u32, u32),
    frames: usize,
) -> anyhow::Result<(f64, [f64; 3])> {
    let frames = frames.max(1);
    let mut timed = 0.0;
    let mut stages = [0.0; 3];
    for f in 0..frames + 2 {
        let frac = f as f64 / (frames + 1) as f64;
        let t_us = scene.start_us() + ((scene.end_us() - scene.start_us()) as f64 * frac) as i64;
        let ego = scene
            .ego_pose_at(t_us)
            .context("ego pose inside the scene")?;
        let actors = scene_actors_at(scene, t_us);
        let t = Instant::now();
        let views = renderer.render_views(&ego, &actors, &scene.rig, size)?;
        if f >= 2 {
            timed += t.elapsed().as_secs_f64();
            if let Some(st) = renderer.splat_timings() {
                stages[0] += st.project.as_secs_f64();
                stages[1] += st.sort_and_bin.as_secs_f64();
                stages[2] += st.rasterize.as_secs_f64();
            }
        }
        std::hint::black_box(views);
    }
    let per_camera_ms = 1e3 / (frames * scene.rig.cameras.len().max(1)) as f64;
    Ok((timed / frames as f64, stages.map(|s| s * per_camera_ms)))
}

fn rows_for(
    renderer: &mut ViewRenderer,
    scene: &Scene,
    args: &BenchRenderArgs,
    mode: RenderMode,
    background: &str,
    frames: usize,
    rows: &mut Vec<Row>,
) -> anyhow::Result<()> {
    for &size in &args.size {
        let (secs_per_frame, stages_ms) = time_frames(renderer, scene, size, frames)?;
        rows.push(Row {
            mode,
            background: background.to_string(),
            gaussians: renderer.num_gaussians(),
            size,
            cameras: scene.rig.cameras.len().max(1),
            frames: frames.max(1),
            secs_per_frame,
            stages_ms: (mode == RenderMode::Splat).then_some(stages_ms),
        });
    }
    Ok(())
}

pub fn run(args: &BenchRenderArgs) -> anyhow::Result<()> {
    let name = match &args.scene {
        Some(n) => n.clone(),
        None => nuscenes::scene_names(&args.data.dataroot(), &args.data.version)?
            .into_iter()
            .next()
            .context("the data root has no scenes")?,
    };
    if let Some(forks) = args.batch {
        let source = mpa_sim::rollout::episode::SceneSource {
            dataroot: args.data.dataroot(),
            version: args.data.version.clone(),
        };
        return super::bench_batch::run(&source, &name, forks);
    }
    let scene = load(&args.data, &name)?;
    let ctx = create_context(AdapterPreference::Auto)?;
    let t0 = Instant::now();
    let mesh = mesh_renderer(&ctx, &scene, DEFAULT_SEED, None)?;
    let s = mesh.stats;
    println!(
        "{name} ({}) on {}: mesh {} triangles, {} buildings, {} trees, built in {:.2} s",
        scene.location,
        ctx.describe(),
        s.triangles,
        s.buildings,
        s.trees,
        t0.elapsed().as_secs_f64()
    );
    let mut rows = Vec::new();
    let mut renderer = ViewRenderer::Mesh(Box::new(mesh));
    rows_for(
        &mut renderer,
        &scene,
        args,
        RenderMode::Mesh,
        "map mesh",
        args.frames,
        &mut rows,
    )?;
    let mesh_tris = renderer.mesh().mean_visible_triangles();

    if !args.no_splat {
        let mesh = renderer.into_mesh();
        let t0 = Instant::now();
        let (baked, stats) = bake_scene(
            &scene,
            DEFAULT_SEED,
            DEFAULT_BAKE_MARGIN_M,
            DEFAULT_BAKE_SPACING_M,
        )
        .with_context(|| format!("baking {name}"))?;
        println!(
            "baked background: {} triangles -> {} Gaussians ({} m spacing, {} m margin) in {:.1} s",
            stats.triangles,
            stats.gaussians,
            DEFAULT_BAKE_SPACING_M,
            DEFAULT_BAKE_MARGIN_M,
            t0.elapsed().as_secs_f64()
        );
        let mut splat = ViewRenderer::Splat(Box::new(SplatViews::new(mesh, &baked)?));
        drop(baked);
        rows_for(
            &mut splat,
            &scene,
            args,
            RenderMode::Splat,
            "baked scene",
            args.splat_frames,
            &mut rows,
        )?;
        if args.gaussians > 0 {
            let (lo, hi) = scene.ego_track.iter().fold(
                (DVec2::splat(f64::INFINITY), DVec2::splat(f64::NEG_INFINITY)),
                |(lo, hi), p| (lo.min(p.pose.xy()), hi.max(p.pose.xy())),
            );
            let margin = DVec2::splat(40.0);
            let synthetic = random_scene_in_box(
                args.gaussians,
                (lo - margin).extend(0.0),
                (hi + margin).extend(10.0),
                3,
                BENCH_SEED,
            );
            let mut synth =
                ViewRenderer::Splat(Box::new(SplatViews::new(splat.into_mesh(), &synthetic)?));
            rows_for(
                &mut synth,
                &scene,
                args,
                RenderMode::Splat,
                "synthetic",
                args.splat_frames,
                &mut rows,
            )?;
        }
    }

    println!(
        "{:<6} {:<12} {:>9} {:<9} {:>4} {:>6} {:>8} {:>9} {:>9}  splat ms/camera: project, sort+bin, rasterise",
        "mode",
        "background",
        "gaussians",
        "size",
        "cams",
        "frames",
        "frames/s",
        "ms/frame",
        "ms/camera",
    );
    for r in &rows {
        let mode = match r.mode {
            RenderMode::Mesh => "mesh",
            RenderMode::Splat => "splat",
        };
        let stages = r.stages_ms.map_or(String::new(), |[p, s, z]| {
            format!("  {p:.1}, {s:.1}, {z:.1}")
        });
        println!(
            "{:<6} {:<12} {:>9} {:<9} {:>4} {:>6} {:>8.2} {:>9.1} {:>9.1}{stages}",
            mode,
            r.background,
            r.gaussians,
            format!("{}x{}", r.size.0, r.size.1),
            r.cameras,
            r.frames,
            1.0 / r.secs_per_frame,
            1e3 * r.secs_per_frame,
            1e3 * r.secs_per_frame / r.cameras as f64,
        );
    }
    println!("mesh mode draws {mesh_tris:.0} static triangles per camera after culling");
    Ok(())
}
