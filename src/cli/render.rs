//! `mpa-sim render`: render the six cameras of a scene at a time into image files, and
//! `mpa-sim bench render`: frames per second of the mesh renderer.

use crate::cli::scenes::DataArgs;
use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use mpa_sim::render::actors::scene_actors_at;
use mpa_sim::render::{
    ActorMeshes, AdapterPreference, DEFAULT_SEED, RenderConfig, Renderer, SCENE_ROUTE_MARGIN_M,
    assets, create_context, images,
};
use mpa_sim::scene::{Scene, nuscenes};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderMode {
    /// Triangle meshes from the map (road, paint, sidewalks, buildings, trees) plus actors.
    Mesh,
    /// 3D Gaussian splats composited with actor meshes.
    Splat,
}

/// `WxH`, e.g. `800x450`.
pub fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("{s:?}: expected WIDTHxHEIGHT, e.g. 800x450"))?;
    let p = |v: &str| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{s:?}: expected positive integers WIDTHxHEIGHT, e.g. 800x450"))
    };
    Ok((p(w)?, p(h)?))
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Scene name (e.g. scene-0001).
    #[arg(long)]
    pub scene: String,
    /// Time from the scene's first keyframe, seconds.
    #[arg(long = "t", default_value_t = 0.0)]
    pub t_secs: f64,
    #[arg(long, value_enum, default_value = "mesh")]
    pub mode: RenderMode,
    /// Output size per camera, WIDTHxHEIGHT.
    #[arg(long, default_value = "800x450", value_parser = parse_size)]
    pub size: (u32, u32),
    #[command(flatten)]
    pub data: DataArgs,
    /// Output directory (created).
    #[arg(long)]
    pub out: PathBuf,
    /// Seed of building and tree placement.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Folder of actor models (`<class>.glb`); default: the shipped `scenes/assets`.
    #[arg(long)]
    pub assets: Option<PathBuf>,
}

fn load(data: &DataArgs, name: &str) -> anyhow::Result<Scene> {
    let root = data.dataroot();
    let loaded = nuscenes::load_scene(&root, &data.version, name)
        .with_context(|| format!("loading scene {name} from {}", root.display()))?;
    Ok(loaded.value)
}

fn renderer_for(
    scene: &Scene,
    seed: u64,
    assets_dir: Option<&Path>,
) -> anyhow::Result<(Renderer, String)> {
    let ctx = create_context(AdapterPreference::Auto)?;
    let config = RenderConfig::for_scene(scene, seed, SCENE_ROUTE_MARGIN_M);
    let mut r = Renderer::new(&ctx.device, &ctx.queue, &scene.map, &config)?;
    let dir = assets_dir.map_or_else(assets::shipped_assets_dir, Path::to_path_buf);
    let models = assets::ActorModels::load(&dir)?;
    for w in &models.warnings {
        eprintln!("warning: {w}");
    }
    r.set_actor_meshes(&ActorMeshes::from_assets(&models));
    Ok((r, ctx.describe()))
}

pub fn run(args: &RenderArgs) -> anyhow::Result<()> {
    if args.mode == RenderMode::Splat {
        bail!("--mode splat is not wired into this build yet; use --mode mesh");
    }
    let scene = load(&args.data, &args.scene)?;
    let t_us = scene.start_us() + (args.t_secs * 1e6).round() as i64;
    let Some(ego) = scene.ego_pose_at(t_us) else {
        bail!(
            "--t {}: outside scene {} (0 to {:.2} s)",
            args.t_secs,
            scene.name,
            scene.duration_secs()
        );
    };
    let (mut renderer, adapter) = renderer_for(&scene, args.seed, args.assets.as_deref())?;
    let actors = scene_actors_at(&scene, t_us);
    let views = renderer.render_views(&ego, &actors, &scene.rig, args.size)?;
    let written = images::save_views(&args.out, &views)?;
    println!(
        "{} at t={:.2} s on {adapter}: {} actors, {} files in {}",
        scene.name,
        args.t_secs,
        actors.len(),
        written.len(),
        args.out.display()
    );
    Ok(())
}

#[derive(Debug, Args)]
pub struct BenchRenderArgs {
    /// Output sizes per camera, comma separated WIDTHxHEIGHT.
    #[arg(long, value_delimiter = ',', default_value = "800x450,256x144", value_parser = parse_size)]
    pub size: Vec<(u32, u32)>,
    /// Frames (six cameras each) timed per size, after two warm-up frames.
    #[arg(long, default_value_t = 20)]
    pub frames: usize,
    /// Scene to render (default: the first scene of the data root).
    #[arg(long)]
    pub scene: Option<String>,
    #[command(flatten)]
    pub data: DataArgs,
}

pub fn bench(args: &BenchRenderArgs) -> anyhow::Result<()> {
    let name = match &args.scene {
        Some(n) => n.clone(),
        None => nuscenes::scene_names(&args.data.dataroot(), &args.data.version)?
            .into_iter()
            .next()
            .context("the data root has no scenes")?,
    };
    let scene = load(&args.data, &name)?;
    let t0 = Instant::now();
    let (mut renderer, adapter) = renderer_for(&scene, DEFAULT_SEED, None)?;
    let build_s = t0.elapsed().as_secs_f64();
    let s = renderer.stats;
    println!(
        "{name} ({}), mesh mode on {adapter}: {} triangles, {} buildings, {} trees, built in {:.2} s",
        scene.location, s.triangles, s.buildings, s.trees, build_s
    );
    println!("size       cameras  frames  frames/s  ms/frame  ms/camera  static tris/camera");
    let frames = args.frames.max(1);
    for &size in &args.size {
        let mut timed = 0.0;
        for f in 0..frames + 2 {
            // Walk through the scene so actors and the ego move.
            let frac = f as f64 / (frames + 1) as f64;
            let t_us =
                scene.start_us() + ((scene.end_us() - scene.start_us()) as f64 * frac) as i64;
            let ego = scene
                .ego_pose_at(t_us)
                .context("ego pose inside the scene")?;
            let actors = scene_actors_at(&scene, t_us);
            let t = Instant::now();
            let views = renderer.render_views(&ego, &actors, &scene.rig, size)?;
            if f >= 2 {
                timed += t.elapsed().as_secs_f64();
            }
            std::hint::black_box(views);
        }
        let per_frame = timed / frames as f64;
        let cams = scene.rig.cameras.len().max(1);
        println!(
            "{:<10} {:>7}  {:>6}  {:>8.2}  {:>8.1}  {:>9.1}  {:>18.0}",
            format!("{}x{}", size.0, size.1),
            cams,
            frames,
            1.0 / per_frame,
            1e3 * per_frame,
            1e3 * per_frame / cams as f64,
            renderer.mean_visible_triangles()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_bad_ones_say_what_is_expected() {
        assert_eq!(parse_size("800x450"), Ok((800, 450)));
        assert_eq!(parse_size("256X144"), Ok((256, 144)));
        for bad in ["800", "0x10", "ax3", "-1x5"] {
            assert!(
                parse_size(bad).unwrap_err().contains("WIDTHxHEIGHT"),
                "{bad}"
            );
        }
    }
}
