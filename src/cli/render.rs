//! `mpa-sim render`: render the six cameras of a scene at a time into image files, in mesh
//! mode (`Renderer`) or splat mode (`SplatViews`: the scene's baked, cached splat background,
//! or a user PLY, with mesh actors composited by depth). `--episode` is in `render_episode`.

use crate::cli::scenes::DataArgs;
use anyhow::{Context, bail};
use clap::{ArgGroup, Args, ValueEnum};
use mpa_sim::render::actors::scene_actors_at;
use mpa_sim::render::view_mode::scene_mesh_renderer;
use mpa_sim::render::{
    ActorMeshes, AdapterPreference, DEFAULT_SEED, GpuContext, Renderer, SplatSource, ViewRenderer,
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

impl From<RenderMode> for mpa_sim::render::RenderMode {
    fn from(m: RenderMode) -> Self {
        match m {
            RenderMode::Mesh => mpa_sim::render::RenderMode::Mesh,
            RenderMode::Splat => mpa_sim::render::RenderMode::Splat,
        }
    }
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
#[command(group(ArgGroup::new("input").required(true).args(["scene", "episode"])))]
pub struct RenderArgs {
    /// Scene name (e.g. scene-0001).
    #[arg(long)]
    pub scene: Option<String>,
    /// A recorded episode (`<rollout out>/episodes/<key>.json`): render every `--every`-th
    /// step's contact sheet to `<out>/frames/`, then `<out>/episode.gif` (and `episode.mp4`
    /// when ffmpeg is on PATH).
    #[arg(long, conflicts_with = "t_secs")]
    pub episode: Option<PathBuf>,
    /// Time from the scene's first keyframe, seconds.
    #[arg(long = "t")]
    pub t_secs: Option<f64>,
    #[arg(long, value_enum, default_value = "mesh")]
    pub mode: RenderMode,
    /// Output size per camera, WIDTHxHEIGHT (default 800x450 for --scene, 400x225 for
    /// --episode).
    #[arg(long, value_parser = parse_size)]
    pub size: Option<(u32, u32)>,
    /// With --episode: render every N-th recorded step.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub every: u64,
    /// Splat mode: a 3DGS PLY to use as the background, with its `<stem>.transform.json`
    /// (`global_from_splat`) beside it; default: the scene's baked background (cached).
    #[arg(long)]
    pub splats: Option<PathBuf>,
    /// Splat mode: folder caching baked backgrounds, one PLY per scene and seed (default:
    /// `<out>/splat_cache`). The first render of a scene bakes (seconds); later ones read it.
    #[arg(long)]
    pub cache: Option<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Output directory (created).
    #[arg(long)]
    pub out: PathBuf,
    /// Seed of building and tree placement (and of the baked splat background).
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Folder of actor models (`<class>.glb`); default: the shipped `scenes/assets`.
    #[arg(long)]
    pub assets: Option<PathBuf>,
}

pub fn load(data: &DataArgs, name: &str) -> anyhow::Result<Scene> {
    let root = data.dataroot();
    let loaded = nuscenes::load_scene(&root, &data.version, name)
        .with_context(|| format!("loading scene {name} from {}", root.display()))?;
    Ok(loaded.value)
}

/// The actor models of `assets_dir` (default: shipped), warnings printed.
pub fn actor_meshes(assets_dir: Option<&Path>) -> anyhow::Result<ActorMeshes> {
    let dir = assets_dir.map_or_else(assets::shipped_assets_dir, Path::to_path_buf);
    let models = assets::ActorModels::load(&dir)?;
    for w in &models.warnings {
        eprintln!("warning: {w}");
    }
    Ok(ActorMeshes::from_assets(&models))
}

/// The mesh renderer of a scene with the actor models of `assets_dir` (default: shipped).
pub fn mesh_renderer(
    ctx: &GpuContext,
    scene: &Scene,
    seed: u64,
    assets_dir: Option<&Path>,
) -> anyhow::Result<Renderer> {
    let models = actor_meshes(assets_dir)?;
    Ok(scene_mesh_renderer(ctx, scene, seed, &models)?)
}

/// The renderer the render arguments ask for (`--mode`, `--splats`, `--cache` or
/// `<out>/splat_cache`, `--seed`, `--assets`) on a fresh device (`ViewRenderer::for_scene`),
/// for a scene's frame and a recorded episode alike; returns it with the adapter's description.
pub fn view_renderer(scene: &Scene, args: &RenderArgs) -> anyhow::Result<(ViewRenderer, String)> {
    let mode = args.mode;
    let cache_dir = args
        .cache
        .clone()
        .unwrap_or_else(|| args.out.join("splat_cache"));
    let splats = &SplatSource {
        ply: args.splats.as_deref(),
        cache_dir: &cache_dir,
        seed: args.seed,
    };
    let ctx = create_context(AdapterPreference::Auto)?;
    let models = actor_meshes(args.assets.as_deref())?;
    let t0 = Instant::now();
    let (r, origin) = ViewRenderer::for_scene(&ctx, scene, mode.into(), &models, splats)
        .with_context(|| match splats.ply {
            Some(ply) => format!("loading --splats {}", ply.display()),
            None => format!("building the {mode:?} renderer of {}", scene.name),
        })?;
    if let Some(origin) = origin {
        eprintln!(
            "splat background: {} Gaussians {origin} ({:.1} s)",
            r.num_gaussians(),
            t0.elapsed().as_secs_f64()
        );
    }
    Ok((r, ctx.describe()))
}

pub fn run(args: &RenderArgs) -> anyhow::Result<()> {
    if let Some(episode) = &args.episode {
        return super::render_episode::run(args, episode);
    }
    let name = args
        .scene
        .as_deref()
        .context("--scene or --episode is required")?;
    let scene = load(&args.data, name)?;
    let t_secs = args.t_secs.unwrap_or(0.0);
    let t_us = scene.start_us() + (t_secs * 1e6).round() as i64;
    let Some(ego) = scene.ego_pose_at(t_us) else {
        bail!(
            "--t {}: outside scene {} (0 to {:.2} s)",
            t_secs,
            scene.name,
            scene.duration_secs()
        );
    };
    let (mut renderer, adapter) = view_renderer(&scene, args)?;
    let actors = scene_actors_at(&scene, t_us);
    let size = args.size.unwrap_or((800, 450));
    let views = renderer.render_views(&ego, &actors, &scene.rig, size)?;
    let written = images::save_views(&args.out, &views)?;
    println!(
        "{} at t={:.2} s ({:?} mode) on {adapter}: {} actors, {} files in {}",
        scene.name,
        t_secs,
        args.mode,
        actors.len(),
        written.len(),
        args.out.display()
    );
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
