//! Where the shipped data lives, in one table: the CLI, the viewer and the tests list and load
//! the same scenes, splits and scenarios from here.

use crate::scene::nuscenes::Loaded;
use crate::scene::{Scene, SceneError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

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

/// Split names `split` accepts: the three scene splits of `splits.toml`, plus `safety_critical`
/// (every shipped scenario file).
pub const SPLIT_NAMES: [&str; 4] = ["train", "test_in_domain", "test_unseen", "safety_critical"];

/// Errors of the shipped-data registry (splits file, scenario folder).
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path}:{line}:{column}: {message} (expected keys: train, test_in_domain, test_unseen, each a list of scene names)"
    )]
    Toml {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("unknown split {name:?}: expected one of {}", SPLIT_NAMES.join(", "))]
    UnknownSplit { name: String },
}

/// The scene splits of `splits.toml`: scenes to train on, held-out scenes of the training
/// locations (in-domain test) and scenes of a location never trained on (unseen test).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Splits {
    pub train: Vec<String>,
    pub test_in_domain: Vec<String>,
    pub test_unseen: Vec<String>,
}

impl Splits {
    /// Read and parse a splits file.
    pub fn load(path: &Path) -> Result<Splits, RegistryError> {
        let text = std::fs::read_to_string(path).map_err(|source| RegistryError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Splits::parse(&text, path)
    }

    /// Parse splits TOML; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Splits, RegistryError> {
        toml::from_str(text).map_err(|e: toml::de::Error| {
            let offset = e.span().map_or(0, |s| s.start).min(text.len());
            let before = text.get(..offset).unwrap_or(text);
            RegistryError::Toml {
                path: path.to_path_buf(),
                line: before.matches('\n').count() + 1,
                column: before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1,
                message: e.message().trim().to_string(),
            }
        })
    }

    /// The scenes of a split, or [`RegistryError::UnknownSplit`] (which lists the split names)
    /// for a name that is not one of the three scene splits.
    pub fn get(&self, name: &str) -> Result<&[String], RegistryError> {
        self.scenes(name)
            .ok_or_else(|| RegistryError::UnknownSplit {
                name: name.to_string(),
            })
    }

    /// The scenes of one of the three scene splits; `None` for any other name.
    pub fn scenes(&self, name: &str) -> Option<&[String]> {
        match name {
            "train" => Some(&self.train),
            "test_in_domain" => Some(&self.test_in_domain),
            "test_unseen" => Some(&self.test_unseen),
            _ => None,
        }
    }

    /// Everything wrong with the splits given the dataset's scene names: names that are not
    /// scenes, and scenes listed twice (within or across splits). Empty when consistent.
    pub fn problems(&self, known_scenes: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
        for split in ["train", "test_in_domain", "test_unseen"] {
            for (i, name) in self.scenes(split).unwrap_or(&[]).iter().enumerate() {
                if !known_scenes.contains(name) {
                    out.push(format!(
                        "{split}[{i}]: no scene named {name:?} (nearest: {})",
                        crate::scene::scenario::nearest_names(
                            name,
                            known_scenes.iter().map(String::as_str),
                            3
                        )
                        .join(", ")
                    ));
                }
                if let Some(first) = seen.insert(name, split) {
                    out.push(format!(
                        "{split}[{i}]: {name:?} is already listed in {first}"
                    ));
                }
            }
        }
        out
    }
}

/// Names in a shipped split: scene names for `train`, `test_in_domain` and `test_unseen`;
/// scenario names (file stems in `scenarios/`) for `safety_critical`.
pub fn split(name: &str) -> Result<Vec<String>, RegistryError> {
    if name == "safety_critical" {
        return Ok(shipped_scenario_files()?
            .iter()
            .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .collect());
    }
    if !SPLIT_NAMES.contains(&name) {
        return Err(RegistryError::UnknownSplit {
            name: name.to_string(),
        });
    }
    Ok(Splits::load(&splits_file())?.get(name)?.to_vec())
}

/// The shipped scenario files (`scenarios/*.toml`), sorted by path.
pub fn shipped_scenario_files() -> Result<Vec<PathBuf>, RegistryError> {
    let dir = scenarios_dir();
    let entries = std::fs::read_dir(&dir).map_err(|source| RegistryError::Io {
        path: dir.clone(),
        source,
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|source| RegistryError::Io {
                path: dir.clone(),
                source,
            })?
            .path();
        if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The path of a shipped scenario by name (`scenarios/<name>.toml`; it may not exist).
pub fn shipped_scenario(name: &str) -> PathBuf {
    scenarios_dir().join(format!("{name}.toml"))
}

/// Load one scene of the shipped mini set by name.
pub fn load_shipped_scene(name: &str) -> Result<Loaded<Scene>, SceneError> {
    crate::scene::nuscenes::load_scene(&shipped_dataroot(), SHIPPED_VERSION, name)
}
