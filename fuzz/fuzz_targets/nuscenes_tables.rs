//! nuScenes tables: a small complete dataset (the loader's `fixture`, one scene per location)
//! is written once to a per-process directory (under `MPA_SIM_FUZZ_SCRATCH`, else the temp
//! dir); each input replaces one of its 13 tables and the whole version folder is loaded with
//! `load_all` (linking, chains, scene building, map expansion), then the table is restored.
//!
//! Input: the table name on the first line (`sample_annotation`), the table's JSON after it.
//! Seeds hold each fixture table (and small real tables) in this form.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mpa_sim::scene::nuscenes::fixture::{Fixture, FixtureParams};
use mpa_sim::scene::nuscenes::load_all;

const VERSION: &str = "v1.0-fuzz";
const TABLES: [&str; 13] = [
    "attribute",
    "calibrated_sensor",
    "category",
    "ego_pose",
    "instance",
    "log",
    "map",
    "sample",
    "sample_annotation",
    "sample_data",
    "scene",
    "sensor",
    "visibility",
];

/// The data root and the fixture's bytes of each table (to restore after each input).
struct Root {
    dir: PathBuf,
    originals: Vec<Vec<u8>>,
}

fn root() -> &'static Root {
    static ROOT: OnceLock<Root> = OnceLock::new();
    ROOT.get_or_init(|| {
        // scripts/fuzz.sh points this at a directory it removes afterwards.
        let base = match std::env::var_os("MPA_SIM_FUZZ_SCRATCH") {
            Some(dir) => PathBuf::from(dir),
            None => std::env::temp_dir(),
        };
        let dir = base.join(format!("mpa-sim-fuzz-tables-{}", std::process::id()));
        let fixture = Fixture::new(FixtureParams {
            scenes_per_location: 1,
            samples_per_scene: 3,
            lidar_sweeps_per_sample: 1,
            instances_per_scene: 2,
        });
        fixture.write(&dir, VERSION).expect("write the fixture");
        let originals = TABLES
            .iter()
            .map(|t| std::fs::read(table_path(&dir, t)).expect("read back a fixture table"))
            .collect();
        Root { dir, originals }
    })
}

fn table_path(dir: &std::path::Path, table: &str) -> PathBuf {
    dir.join(VERSION).join(format!("{table}.json"))
}

fuzz_target!(|data: &[u8]| {
    let Some(split) = data.iter().position(|&b| b == b'\n') else {
        return;
    };
    let name = &data[..split];
    let Some(index) = TABLES.iter().position(|t| t.as_bytes() == name) else {
        return;
    };
    let root = root();
    let path = table_path(&root.dir, TABLES[index]);
    std::fs::write(&path, &data[split + 1..]).expect("write the fuzzed table");
    let result = load_all(&root.dir, VERSION);
    std::fs::write(&path, &root.originals[index]).expect("restore the table");
    match result {
        Ok(loaded) => {
            for scene in &loaded.value {
                let _ = (scene.duration_secs(), scene.actors.len());
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
