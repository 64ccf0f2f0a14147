//! Baked splat backgrounds on disk: a standard 3DGS PLY (`ply`) plus a sidecar
//! `<stem>.transform.json` holding the placement of the splat frame in the scene's global
//! frame (PLY has no place for it):
//!
//! ```json
//! { "scene": "scene-0001", "ply": "scene-0001.ply",
//!   "global_from_splat": [[1,0,0,x],[0,1,0,y],[0,0,1,z],[0,0,0,1]] }
//! ```
//!
//! `global_from_splat` is row-major (rows of the 4x4 matrix); `scene` and `ply` are
//! informative. Users pair their own reconstructions with such a sidecar.
//!
//! `cached_bake` keeps one baked PLY per scene, seed, margin and spacing in a cache folder, so
//! only the first splat-mode render of a scene pays for the bake.

use std::path::{Path, PathBuf};

use glam::DMat4;

use super::bake_scene::{BakeStats, bake_scene};
use super::error::SplatError;
use super::ply::{read_ply, write_ply};
use super::scene::SplatScene;
use crate::scene::Scene;

/// Default background kept around a scene's logged route for splat mode, metres (as
/// `scenes bake-splats`).
pub const DEFAULT_BAKE_MARGIN_M: f64 = 80.0;
/// Default Gaussian spacing on surfaces, metres (as `scenes bake-splats`).
pub const DEFAULT_BAKE_SPACING_M: f64 = 2.0;

/// Version of the baking recipe (`bake_scene`), part of cache file names: bump it when baking
/// changes so stale caches are not reused.
pub const BAKE_VERSION: u32 = 2;

/// The sidecar path of a PLY: `<dir>/<stem>.transform.json`.
pub fn sidecar_path(ply: &Path) -> PathBuf {
    let stem = ply
        .file_stem()
        .map_or_else(|| "splats".into(), |s| s.to_string_lossy().into_owned());
    ply.with_file_name(format!("{stem}.transform.json"))
}

fn io(path: &Path, source: std::io::Error) -> SplatError {
    SplatError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Write `splats` to `ply` and its transform sidecar; returns the sidecar path.
pub fn write_baked(splats: &SplatScene, ply: &Path, scene: &str) -> Result<PathBuf, SplatError> {
    if let Some(dir) = ply.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    }
    write_ply(splats, ply)?;
    let rows = splats.global_from_splat.transpose().to_cols_array_2d();
    let name = ply
        .file_name()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let text = serde_json::to_string_pretty(&serde_json::json!({
        "scene": scene,
        "ply": name,
        "global_from_splat": rows,
    }))
    .map_err(|e| SplatError::InvalidScene(format!("serialising the transform: {e}")))?;
    let sidecar = sidecar_path(ply);
    std::fs::write(&sidecar, text).map_err(|e| io(&sidecar, e))?;
    Ok(sidecar)
}

/// Read `global_from_splat` from a sidecar file.
pub fn read_transform(sidecar: &Path) -> Result<DMat4, SplatError> {
    let bad = |problem: String| SplatError::BadValue {
        path: sidecar.to_path_buf(),
        element: "transform".into(),
        index: 0,
        property: "global_from_splat".into(),
        problem,
    };
    let text = std::fs::read_to_string(sidecar).map_err(|e| io(sidecar, e))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("malformed JSON: {e}")))?;
    let field = value
        .get("global_from_splat")
        .ok_or_else(|| bad("missing (expected a row-major 4x4 array of numbers)".into()))?;
    let rows: Vec<Vec<f64>> = serde_json::from_value(field.clone())
        .map_err(|e| bad(format!("expected a row-major 4x4 array of numbers: {e}")))?;
    if rows.len() != 4 || rows.iter().any(|r| r.len() != 4) {
        return Err(bad(format!(
            "expected 4 rows of 4 numbers, found {} rows",
            rows.len()
        )));
    }
    let flat: Vec<f64> = rows.concat();
    if flat.iter().any(|v| !v.is_finite()) {
        return Err(bad("non-finite entry".into()));
    }
    Ok(DMat4::from_cols_slice(&flat).transpose())
}

/// Read a PLY and its `<stem>.transform.json` sidecar (required: without it the splats could
/// not be placed in the scene).
pub fn read_baked(ply: &Path) -> Result<SplatScene, SplatError> {
    let sidecar = sidecar_path(ply);
    if !sidecar.is_file() {
        return Err(SplatError::InvalidScene(format!(
            "{}: no transform sidecar {} (expected JSON with `global_from_splat`, a row-major \
             4x4 placing the splats in the scene's global frame)",
            ply.display(),
            sidecar.display()
        )));
    }
    let mut splats = read_ply(ply)?;
    splats.global_from_splat = read_transform(&sidecar)?;
    Ok(splats)
}

/// Parameters of a scene bake.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BakeParams {
    pub seed: u64,
    pub margin_m: f64,
    pub spacing_m: f64,
}

impl BakeParams {
    /// Defaults for a placement seed.
    pub fn with_seed(seed: u64) -> BakeParams {
        BakeParams {
            seed,
            margin_m: DEFAULT_BAKE_MARGIN_M,
            spacing_m: DEFAULT_BAKE_SPACING_M,
        }
    }

    /// The cache file of `scene` under `cache_dir`.
    pub fn cache_path(&self, cache_dir: &Path, scene: &str) -> PathBuf {
        cache_dir.join(format!(
            "{scene}__bake{BAKE_VERSION}__seed{}__margin{}m__spacing{}m.ply",
            self.seed, self.margin_m, self.spacing_m
        ))
    }
}

/// Where a `cached_bake` background came from.
#[derive(Debug, Clone, PartialEq)]
pub enum BakeSource {
    /// Read from the cache file.
    Cached(PathBuf),
    /// Baked now and written to the cache file.
    Baked { path: PathBuf, stats: BakeStats },
}

/// The baked background of `scene`: read from `cache_dir` when a bake with the same
/// parameters is there, else baked and written there.
pub fn cached_bake(
    scene: &Scene,
    params: BakeParams,
    cache_dir: &Path,
) -> Result<(SplatScene, BakeSource), SplatError> {
    let path = params.cache_path(cache_dir, &scene.name);
    if path.is_file() && sidecar_path(&path).is_file() {
        return Ok((read_baked(&path)?, BakeSource::Cached(path)));
    }
    let (splats, stats) = bake_scene(scene, params.seed, params.margin_m, params.spacing_m)?;
    write_baked(&splats, &path, &scene.name)?;
    Ok((splats, BakeSource::Baked { path, stats }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use glam::{DVec3, Quat, Vec3};

    fn tiny() -> SplatScene {
        let mut s = SplatScene::empty(0);
        s.means.push(Vec3::new(1.0, 2.0, 3.0));
        s.log_scales.push(Vec3::splat(-1.0));
        s.rotations.push(Quat::IDENTITY);
        s.opacity_logits.push(2.0);
        s.sh.push(Vec3::ZERO);
        s.global_from_splat = DMat4::from_translation(DVec3::new(1000.5, -20.0, 0.25));
        s
    }

    #[test]
    fn sidecar_round_trips_the_transform() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ply = dir.path().join("sub/a.ply");
        let sidecar = write_baked(&tiny(), &ply, "scene-x").expect("writes");
        assert_eq!(sidecar, dir.path().join("sub/a.transform.json"));
        let back = read_baked(&ply).expect("reads");
        assert_eq!(back.global_from_splat, tiny().global_from_splat);
        assert_eq!(back.means, tiny().means);
    }

    #[test]
    fn missing_or_bad_sidecar_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ply = dir.path().join("b.ply");
        write_ply(&tiny(), &ply).expect("writes");
        let err = read_baked(&ply).expect_err("no sidecar").to_string();
        assert!(err.contains("b.transform.json"), "{err}");
        std::fs::write(
            sidecar_path(&ply),
            r#"{"global_from_splat": [[1,0,0],[0,1,0]]}"#,
        )
        .expect("writes");
        let err = read_baked(&ply).expect_err("bad shape").to_string();
        assert!(
            err.contains("global_from_splat") && err.contains("4 rows"),
            "{err}"
        );
    }
}
