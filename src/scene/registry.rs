//! Where the shipped data lives, in one table: the CLI, the viewer and the tests list and load
//! the same scenes, splits and scenarios from here.

use std::path::PathBuf;

/// nuScenes version folder of the shipped mini set.
pub const SHIPPED_VERSION: &str = "v1.0-mini";

/// Root of the shipped data (`scenes/`): `$MPA_SIM_DATA` if set, else the source tree's.
pub fn data_dir() -> PathBuf {
    std::env::var_os("MPA_SIM_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenes"))
}

/// The nuScenes data root of the shipped mini set.
pub fn shipped_dataroot() -> PathBuf {
    data_dir().join("nuscenes")
}

/// The split file naming train / in-domain test / unseen test scenes.
pub fn splits_file() -> PathBuf {
    data_dir().join("splits.toml")
}

/// Folder of the shipped scenario files.
pub fn scenarios_dir() -> PathBuf {
    data_dir().join("scenarios")
}
