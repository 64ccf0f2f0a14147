//! Shared pieces of the fuzz targets: where the shipped data lives, the shipped scenes loaded
//! once per process, and a protocol-5 pickle reader that checks what `serve::pickle` writes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use mpa_sim::scene::Scene;
use mpa_sim::scene::registry::SHIPPED_VERSION;

pub mod unpickle;

/// The repository root (the fuzz crate lives in `<root>/fuzz`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the fuzz crate is a subdirectory of the repository")
        .to_path_buf()
}

/// The shipped nuScenes-format data root (`scenes/nuscenes`).
pub fn shipped_dataroot() -> PathBuf {
    repo_root().join("scenes").join("nuscenes")
}

/// Every shipped scene by name, loaded on first use.
pub fn shipped_scenes() -> &'static BTreeMap<String, Arc<Scene>> {
    static SCENES: OnceLock<BTreeMap<String, Arc<Scene>>> = OnceLock::new();
    SCENES.get_or_init(|| {
        let loaded = mpa_sim::scene::nuscenes::load_all(&shipped_dataroot(), SHIPPED_VERSION)
            .expect("the shipped scenes load");
        loaded
            .value
            .into_iter()
            .map(|s| (s.name.clone(), Arc::new(s)))
            .collect()
    })
}
