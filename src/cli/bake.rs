//! `mpa-sim scenes bake-splats`: bake the static mesh background of shipped (or any) scenes
//! into standard 3DGS PLY files (`render::splat::bake_scene`), one `<scene>.ply` per scene plus
//! `<scene>.transform.json` holding `global_from_splat` (row-major 4x4).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use mpa_sim::render::DEFAULT_SEED;
use mpa_sim::render::splat::bake_scene::bake_scene;
use mpa_sim::render::splat::baked::write_baked;
use mpa_sim::scene::nuscenes;

use super::scenes::DataArgs;

#[derive(Debug, Args)]
pub struct BakeArgs {
    /// Scene names; none: every scene of the data root.
    pub scenes: Vec<String>,
    /// Output folder for `<scene>.ply`.
    #[arg(long)]
    pub out: PathBuf,
    /// Surface spacing of the Gaussians, metres (2 m: about 0.7 M Gaussians per scene).
    #[arg(long, default_value_t = 2.0)]
    pub spacing_m: f64,
    /// Background kept around the logged route, metres on every side.
    #[arg(long, default_value_t = 80.0)]
    pub margin_m: f64,
    /// Building and tree placement seed (as `render --seed`).
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    #[command(flatten)]
    pub data: DataArgs,
}

pub fn run(args: &BakeArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.spacing_m.is_finite() && args.spacing_m > 0.0,
        "--spacing-m {}: expected a positive number of metres",
        args.spacing_m
    );
    let root = args.data.dataroot();
    let names = if args.scenes.is_empty() {
        nuscenes::scene_names(&root, &args.data.version)?
    } else {
        args.scenes.clone()
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    for name in &names {
        let scene = nuscenes::load_scene(&root, &args.data.version, name)
            .with_context(|| format!("loading scene {name} from {}", root.display()))?
            .value;
        let (splats, stats) = bake_scene(&scene, args.seed, args.margin_m, args.spacing_m)
            .with_context(|| format!("baking scene {name}"))?;
        let path = args.out.join(format!("{name}.ply"));
        // PLY has no place for the pose: the transform into the scene's global frame goes in
        // a sidecar `<scene>.transform.json` (row-major 4x4), as users supply for their own
        // reconstructions.
        write_baked(&splats, &path, name)?;
        println!(
            "{name}: {} triangles -> {} Gaussians -> {}",
            stats.triangles,
            stats.gaussians,
            path.display()
        );
    }
    Ok(())
}
