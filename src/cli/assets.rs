//! `mpa-sim assets build | check | preview`: write the built-in actor models as `.glb`, load an
//! assets folder the way the renderer will, and draw CPU previews of the models.

use anyhow::Context;
use clap::{Args, Subcommand};
use mpa_sim::render::assets::{self, ActorModels, preview};
use mpa_sim::scene::ActorClass;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum AssetsCommand {
    /// Write the built-in procedural models as <class>.glb.
    Build {
        /// Output folder (created if missing).
        #[arg(long, default_value_os_t = assets::shipped_assets_dir())]
        out: PathBuf,
    },
    /// Load an assets folder as the renderer does; print per-class source, counts and warnings.
    Check(AssetsDir),
    /// Draw <class>.png previews (side, front, top, 3/4) of the models in an assets folder.
    Preview {
        #[command(flatten)]
        assets: AssetsDir,
        /// Output folder for the PNGs.
        #[arg(long, default_value = "out/asset-previews")]
        out: PathBuf,
        /// Size of one of the four panels, pixels.
        #[arg(long, default_value_t = 320)]
        panel_px: u32,
    },
}

#[derive(Debug, Clone, Args)]
pub struct AssetsDir {
    /// Folder of <class>.glb files; a missing file falls back to the built-in model.
    #[arg(long, default_value_os_t = assets::shipped_assets_dir())]
    pub assets: PathBuf,
}

/// A typical box (length, width, height in metres) per class, for previews.
fn typical_size_m(class: ActorClass) -> [f32; 3] {
    match class {
        ActorClass::Car => [4.6, 1.95, 1.5],
        ActorClass::Truck => [8.1, 2.5, 3.4],
        ActorClass::Bus => [11.0, 2.6, 3.3],
        ActorClass::Pedestrian => [0.6, 0.6, 1.75],
        ActorClass::Cyclist => [1.78, 0.6, 1.7],
        ActorClass::Obstacle => [0.6, 2.5, 0.95],
    }
}

pub fn run(cmd: AssetsCommand) -> anyhow::Result<()> {
    match cmd {
        AssetsCommand::Build { out } => {
            std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
            for class in ActorClass::ALL {
                let model = assets::builtin_model(class);
                let path = out.join(assets::model_file_name(class));
                assets::write_glb(&model, &path)?;
                let mesh = model.to_mesh_data();
                println!(
                    "{}: {} parts, {} vertices, {} triangles",
                    path.display(),
                    model.parts.len(),
                    mesh.vertex_count(),
                    mesh.triangle_count()
                );
            }
            Ok(())
        }
        AssetsCommand::Check(dir) => {
            let models = ActorModels::load(&dir.assets)?;
            for class in ActorClass::ALL {
                let m = models.get(class);
                println!(
                    "{:<11} {:>6} vertices {:>6} triangles  {}",
                    class.as_str(),
                    m.vertex_count(),
                    m.triangle_count(),
                    models.source(class)
                );
            }
            for w in &models.warnings {
                eprintln!("warning: {w}");
            }
            Ok(())
        }
        AssetsCommand::Preview {
            assets,
            out,
            panel_px,
        } => {
            let models = ActorModels::load(&assets.assets)?;
            for w in &models.warnings {
                eprintln!("warning: {w}");
            }
            std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
            for class in ActorClass::ALL {
                let img =
                    preview::render_preview(models.get(class), typical_size_m(class), panel_px);
                let path = out.join(format!("{}.png", class.as_str()));
                img.save(&path)
                    .with_context(|| format!("writing {}", path.display()))?;
                println!("{}", path.display());
            }
            Ok(())
        }
    }
}

/// The `assets` part of `scenes validate --all`: every class has a shipped file that loads.
/// Prints one line per class; returns the number of failures.
pub fn validate_shipped() -> usize {
    let dir = assets::shipped_assets_dir();
    println!("actor models ({})", dir.display());
    let mut failures = 0;
    for class in ActorClass::ALL {
        let path = dir.join(assets::model_file_name(class));
        match assets::load_glb_with_warnings(&path) {
            Ok(loaded) => {
                println!(
                    "  OK    {:<11} {} triangles, {} warning(s)",
                    class.as_str(),
                    loaded.mesh.triangle_count(),
                    loaded.warnings.len()
                );
            }
            Err(e) => {
                failures += 1;
                println!("  FAIL  {e}");
            }
        }
    }
    failures
}
