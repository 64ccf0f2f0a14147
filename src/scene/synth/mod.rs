//! Synthetic nuScenes-format datasets (no real nuScenes data can be downloaded here).
//!
//! `generate` builds, per location, a town (`town`: junction grid, curved corner roads, T and
//! four-way junctions, one single-lane roundabout), its lane graph (`lanes`: arcline paths,
//! connectors with one- and two-lane turns, connectivity) and map expansion (`mapgen`,
//! `mapshapes`: every 1.3 layer), then per scene a 20 s drive (`traffic`, `agents`: an IDM ego
//! along a lane route with a turn in most scenes, IDM vehicles and cyclists, some holding at a
//! stop line, walking and crossing pedestrians, parked cars; actors that ever overlap another
//! box or leave the drivable area are dropped and the rest re-simulated), and writes all 13
//! tables, the map expansion and the semantic-prior PNG (`writer`, `catalog`, `raster`).
//!
//! `singapore-onenorth` drives on the left and is the in-domain town of the presets;
//! `boston-seaport` drives on the right with other block sizes and lane counts (the unseen town).
//!
//! Deterministic: tokens are hashes of names (`token`), each scene has its own ChaCha stream
//! seeded from (seed, scene name), and outputs are written in a fixed order.

mod agents;
pub mod arcline;
pub mod catalog;
pub mod lanes;
pub mod mapgen;
mod mapshapes;
pub mod raster;
pub mod town;
pub mod traffic;
pub mod writer;

use crate::scene::registry::Splits;
use crate::scene::{Location, SceneError};
use std::path::{Path, PathBuf};

/// Options of one `generate` run.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    pub out_dir: PathBuf,
    /// Version folder name, e.g. `v1.0-mini`.
    pub version: String,
    pub locations: Vec<Location>,
    /// Scenes per location.
    pub count_per_location: usize,
    pub seed: u64,
    /// Number of the first scene (`scene-0001` for 1).
    pub first_index: usize,
    /// Also draw `<out>/preview/<location>.png`.
    pub preview: bool,
}

/// Named dataset sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// 6 singapore-onenorth scenes (3 train, 3 in-domain test) + 4 boston-seaport (unseen test).
    Mini,
    /// 300 + 50 singapore-onenorth scenes (train, in-domain test) + 60 boston-seaport (unseen).
    Trainval,
}

impl Preset {
    pub fn parse(s: &str) -> Option<Preset> {
        match s {
            "mini" => Some(Preset::Mini),
            "trainval" => Some(Preset::Trainval),
            _ => None,
        }
    }
    pub fn version(self) -> &'static str {
        match self {
            Preset::Mini => "v1.0-mini",
            Preset::Trainval => "v1.0-trainval",
        }
    }
    /// (train, in-domain test, unseen test) scene counts.
    pub fn counts(self) -> (usize, usize, usize) {
        match self {
            Preset::Mini => (3, 3, 4),
            Preset::Trainval => (300, 50, 60),
        }
    }
}

/// The in-domain town of the presets (left-hand traffic) and the unseen one.
pub const IN_DOMAIN_LOCATION: Location = Location::SingaporeOnenorth;
pub const UNSEEN_LOCATION: Location = Location::BostonSeaport;

/// What a run wrote.
#[derive(Debug, Clone, Default)]
pub struct SynthSummary {
    /// (scene name, location) in writing order.
    pub scenes: Vec<(String, Location)>,
    pub annotations: usize,
    pub instances: usize,
    /// Actors dropped for overlapping or leaving the drivable area.
    pub dropped_actors: usize,
}

/// Generate a dataset.
pub fn generate(opts: &SynthOptions) -> Result<SynthSummary, SceneError> {
    writer::write_dataset(opts, &opts.locations, opts.count_per_location, None)
}

/// Generate a preset dataset and its splits file (`splits_path`, default `<out>/splits.toml`).
pub fn generate_preset(
    preset: Preset,
    out_dir: &Path,
    splits_path: Option<&Path>,
    seed: u64,
    preview: bool,
) -> Result<(SynthSummary, Splits), SceneError> {
    let (train, test_in, test_unseen) = preset.counts();
    let opts = SynthOptions {
        out_dir: out_dir.to_path_buf(),
        version: preset.version().to_string(),
        locations: vec![IN_DOMAIN_LOCATION, UNSEEN_LOCATION],
        count_per_location: 0,
        seed,
        first_index: 1,
        preview,
    };
    let counts = [train + test_in, test_unseen];
    let summary = writer::write_dataset(&opts, &opts.locations, 0, Some(&counts))?;
    let names = |loc: Location| -> Vec<String> {
        summary
            .scenes
            .iter()
            .filter(|(_, l)| *l == loc)
            .map(|(n, _)| n.clone())
            .collect()
    };
    let in_domain = names(IN_DOMAIN_LOCATION);
    let splits = Splits {
        train: in_domain[..train].to_vec(),
        test_in_domain: in_domain[train..].to_vec(),
        test_unseen: names(UNSEEN_LOCATION),
    };
    let path = splits_path
        .map(Path::to_path_buf)
        .unwrap_or_else(|| out_dir.join("splits.toml"));
    write_splits(&path, &splits, preset)?;
    Ok((summary, splits))
}

fn write_splits(path: &Path, splits: &Splits, preset: Preset) -> Result<(), SceneError> {
    let body = toml::to_string(splits)
        .map_err(|e| SceneError::Other(format!("{}: {e}", path.display())))?;
    let text = format!(
        "# Scene splits of the synthetic `{}` set (written by `mpa-sim scenes synth --preset`).\n\
         # train and test_in_domain: {}; test_unseen: {} (a town never seen in training).\n{body}",
        preset.version(),
        IN_DOMAIN_LOCATION,
        UNSEEN_LOCATION
    );
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| SceneError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, text).map_err(|source| SceneError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// 64-bit hash of strings (FNV-1a with a separator, splitmix64 finish): stable across
/// platforms and runs, unlike std's `DefaultHasher`.
pub fn hash64(parts: &[&str], salt: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    let mut z = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A 32-hex-character nuScenes token named by `parts`.
pub fn token(parts: &[&str]) -> String {
    format!("{:016x}{:016x}", hash64(parts, 1), hash64(parts, 2))
}
