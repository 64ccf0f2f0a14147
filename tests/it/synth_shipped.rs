//! The shipped mini set (scenes/nuscenes + scenes/splits.toml) is exactly what the command in
//! scenes/README.md regenerates, and its splits name real scenes: train and in-domain test in
//! singapore-onenorth, unseen test in boston-seaport.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use crate::common;

use mpa_sim::scene::registry;
use mpa_sim::scene::synth::{self, Preset};
use mpa_sim::scene::tables::{Log, SceneRecord};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The seed in scenes/README.md.
const SHIPPED_SEED: u64 = 2026;

#[test]
fn shipped_mini_set_is_reproducible_and_split_by_town() {
    let shipped = registry::shipped_dataroot();
    let dir = tempfile::tempdir().unwrap();
    let splits_path = dir.path().join("splits.toml");
    let (_, splits) = synth::generate_preset(
        Preset::Mini,
        dir.path(),
        Some(&splits_path),
        SHIPPED_SEED,
        true,
    )
    .unwrap();
    let regenerated: Vec<PathBuf> = common::files(dir.path())
        .into_iter()
        .filter(|f| f != Path::new("splits.toml"))
        .collect();
    assert_eq!(
        regenerated,
        common::files(&shipped),
        "same file list as the shipped set"
    );
    for f in &regenerated {
        assert!(
            std::fs::read(dir.path().join(f)).unwrap() == std::fs::read(shipped.join(f)).unwrap(),
            "{} is stale: regenerate with the command in scenes/README.md",
            f.display()
        );
    }
    assert_eq!(
        std::fs::read_to_string(&splits_path).unwrap(),
        std::fs::read_to_string(registry::splits_file()).unwrap()
    );
    let read_back = registry::Splits::load(&registry::splits_file()).unwrap();
    assert_eq!(read_back, splits);

    let version = shipped.join(registry::SHIPPED_VERSION);
    let scenes: Vec<SceneRecord> =
        serde_json::from_str(&std::fs::read_to_string(version.join("scene.json")).unwrap())
            .unwrap();
    let logs: BTreeMap<String, Log> = serde_json::from_str::<Vec<Log>>(
        &std::fs::read_to_string(version.join("log.json")).unwrap(),
    )
    .unwrap()
    .into_iter()
    .map(|l| (l.token.clone(), l))
    .collect();
    let location = |name: &str| {
        let s = scenes
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("split names unknown scene {name}"));
        logs[&s.log_token].location.clone()
    };
    assert_eq!(
        (
            splits.train.len(),
            splits.test_in_domain.len(),
            splits.test_unseen.len()
        ),
        (3, 3, 4)
    );
    for n in splits.train.iter().chain(&splits.test_in_domain) {
        assert_eq!(location(n), "singapore-onenorth");
    }
    for n in &splits.test_unseen {
        assert_eq!(location(n), "boston-seaport");
    }
    assert_eq!(scenes.len(), 10);
}
