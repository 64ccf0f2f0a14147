//! The one way to build a scene's `ViewRenderer` in either render mode, used by every front
//! end (`mpa-sim render`, rollouts and the server through `LocalViews`, the viewer):
//!
//! - `RenderMode::Mesh`: the mesh `Renderer` as it is.
//! - `RenderMode::Splat`: the same mesh renderer (actors, sky) over a splat background, which
//!   is a user PLY (`SplatSource::ply`) or the scene's mesh background baked into Gaussians
//!   once and cached as a PLY under `SplatSource::cache_dir` (`splat::baked::cached_bake`).
//!
//! `default_splat_cache_dir` is the per-user cache of baked backgrounds shared by the viewer,
//! rollouts and the server: `$MPA_SIM_SPLAT_CACHE`, else `$XDG_CACHE_HOME/mpa-sim/splats`,
//! else `~/.cache/mpa-sim/splats`, else `<temp dir>/mpa-sim/splats`.

use std::path::{Path, PathBuf};

use super::splat::SplatScene;
use super::splat::bake_scene::BakeStats;
use super::splat::baked::{BakeParams, BakeSource, cached_bake, read_baked};
use super::{
    ActorMeshes, GpuContext, RenderConfig, RenderError, Renderer, SCENE_ROUTE_MARGIN_M, SplatViews,
    ViewRenderer,
};
use crate::scene::Scene;

/// Environment variable overriding `default_splat_cache_dir`.
pub const SPLAT_CACHE_ENV: &str = "MPA_SIM_SPLAT_CACHE";

/// What draws the static background.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RenderMode {
    /// Triangle meshes from the map (road, paint, sidewalks, buildings, trees) plus actors.
    #[default]
    Mesh,
    /// 3D Gaussian splats composited with actor meshes by depth.
    Splat,
}

impl RenderMode {
    pub const ALL: [RenderMode; 2] = [RenderMode::Mesh, RenderMode::Splat];

    /// `mesh` or `splat` (as on the command line).
    pub fn as_str(self) -> &'static str {
        match self {
            RenderMode::Mesh => "mesh",
            RenderMode::Splat => "splat",
        }
    }

    /// The other mode.
    pub fn toggled(self) -> RenderMode {
        match self {
            RenderMode::Mesh => RenderMode::Splat,
            RenderMode::Splat => RenderMode::Mesh,
        }
    }
}

impl std::fmt::Display for RenderMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RenderMode {
    type Err = String;
    fn from_str(s: &str) -> Result<RenderMode, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mesh" => Ok(RenderMode::Mesh),
            "splat" => Ok(RenderMode::Splat),
            _ => Err(format!("render mode {s:?}: expected mesh or splat")),
        }
    }
}

/// The per-user folder of baked splat backgrounds (see the module docs).
pub fn default_splat_cache_dir() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = env(SPLAT_CACHE_ENV) {
        return dir;
    }
    let base = env("XDG_CACHE_HOME")
        .or_else(|| env("HOME").map(|h| h.join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("mpa-sim").join("splats")
}

/// Where splat mode's background comes from.
#[derive(Debug, Clone, Copy)]
pub struct SplatSource<'a> {
    /// A user 3DGS PLY (with its `<stem>.transform.json` sidecar); `None`: the scene's bake.
    pub ply: Option<&'a Path>,
    /// Folder caching baked backgrounds, one PLY per scene and bake parameters.
    pub cache_dir: &'a Path,
    /// Placement seed of the bake (as the mesh renderer's `RenderConfig::seed`).
    pub seed: u64,
}

/// Where a splat background was read from, for logs and status lines.
#[derive(Debug, Clone, PartialEq)]
pub enum BackgroundOrigin {
    /// The user's PLY.
    Ply(PathBuf),
    /// A cached bake.
    Cached(PathBuf),
    /// Baked now (and cached at `path`).
    Baked { path: PathBuf, stats: BakeStats },
}

impl std::fmt::Display for BackgroundOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BackgroundOrigin::Ply(p) => write!(f, "from {}", p.display()),
            BackgroundOrigin::Cached(p) => write!(f, "from the cache {}", p.display()),
            BackgroundOrigin::Baked { path, stats } => write!(
                f,
                "baked from {} triangles, cached as {}",
                stats.triangles,
                path.display()
            ),
        }
    }
}

/// The splat background of `scene`: the user PLY, or the cached (or freshly baked) bake. CPU
/// only (no device), so it can run on a background thread.
pub fn splat_background(
    scene: &Scene,
    source: &SplatSource,
) -> Result<(SplatScene, BackgroundOrigin), RenderError> {
    if let Some(ply) = source.ply {
        let splats = read_baked(ply)?;
        return Ok((splats, BackgroundOrigin::Ply(ply.to_path_buf())));
    }
    let (splats, from) = cached_bake(scene, BakeParams::with_seed(source.seed), source.cache_dir)
        .map_err(|e| {
        RenderError::Splat(format!("baking the background of {}: {e}", scene.name))
    })?;
    let origin = match from {
        BakeSource::Cached(path) => BackgroundOrigin::Cached(path),
        BakeSource::Baked { path, stats } => BackgroundOrigin::Baked { path, stats },
    };
    Ok((splats, origin))
}

/// The mesh renderer of `scene` (placement seed `seed`, the scene's route region) with actor
/// models `models`.
pub fn scene_mesh_renderer(
    ctx: &GpuContext,
    scene: &Scene,
    seed: u64,
    models: &ActorMeshes,
) -> Result<Renderer, RenderError> {
    let config = RenderConfig::for_scene(scene, seed, SCENE_ROUTE_MARGIN_M);
    let mut r = Renderer::new(&ctx.device, &ctx.queue, &scene.map, &config)?;
    r.set_actor_meshes(models);
    Ok(r)
}

impl ViewRenderer {
    /// `mesh` in `mode`: as it is in mesh mode; over `background` in splat mode (`None`
    /// there is an error: splat mode needs one, see `splat_background`).
    pub fn with_background(
        mesh: Renderer,
        mode: RenderMode,
        background: Option<&SplatScene>,
    ) -> Result<ViewRenderer, RenderError> {
        match (mode, background) {
            (RenderMode::Mesh, _) => Ok(ViewRenderer::Mesh(Box::new(mesh))),
            (RenderMode::Splat, Some(b)) => {
                Ok(ViewRenderer::Splat(Box::new(SplatViews::new(mesh, b)?)))
            }
            (RenderMode::Splat, None) => Err(RenderError::Splat(
                "splat mode needs a splat background".into(),
            )),
        }
    }

    /// The renderer of `scene` in `mode` on `ctx`: its mesh renderer (placement seed
    /// `splats.seed`, actor models `models`), over the background `splats` names in splat
    /// mode (baked and cached on first use). Returns where the background came from (`None` in
    /// mesh mode).
    pub fn for_scene(
        ctx: &GpuContext,
        scene: &Scene,
        mode: RenderMode,
        models: &ActorMeshes,
        splats: &SplatSource,
    ) -> Result<(ViewRenderer, Option<BackgroundOrigin>), RenderError> {
        let background = match mode {
            RenderMode::Mesh => None,
            RenderMode::Splat => Some(splat_background(scene, splats)?),
        };
        let mesh = scene_mesh_renderer(ctx, scene, splats.seed, models)?;
        let r = ViewRenderer::with_background(mesh, mode, background.as_ref().map(|(s, _)| s))?;
        Ok((r, background.map(|(_, o)| o)))
    }

    /// The mode this renderer draws in.
    pub fn mode(&self) -> RenderMode {
        match self {
            ViewRenderer::Mesh(_) => RenderMode::Mesh,
            ViewRenderer::Splat(_) => RenderMode::Splat,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_print_and_toggle() {
        for m in RenderMode::ALL {
            assert_eq!(m.as_str().parse::<RenderMode>(), Ok(m));
            assert_eq!(m.to_string(), m.as_str());
            assert_ne!(m.toggled(), m);
            assert_eq!(m.toggled().toggled(), m);
        }
        assert_eq!(" Splat ".parse::<RenderMode>(), Ok(RenderMode::Splat));
        let err = "nerf".parse::<RenderMode>().unwrap_err();
        assert!(err.contains("mesh or splat"), "{err}");
        assert_eq!(RenderMode::default(), RenderMode::Mesh);
    }
}
