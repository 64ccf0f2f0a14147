//! Test support: write the loader fixture (`mpa_sim::scene::nuscenes::fixture`) to a temp dir,
//! optionally after mutating it, and edit written JSON files.
#![allow(dead_code)]

use mpa_sim::scene::nuscenes::fixture::{Fixture, FixtureParams};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub const VERSION: &str = "v1.0-fixture";

pub struct Written {
    pub dir: TempDir,
    pub fixture: Fixture,
}

impl Written {
    pub fn root(&self) -> &Path {
        self.dir.path()
    }
    pub fn table(&self, name: &str) -> PathBuf {
        self.dir.path().join(VERSION).join(format!("{name}.json"))
    }
    pub fn map_file(&self, location: &str) -> PathBuf {
        self.dir
            .path()
            .join("maps/expansion")
            .join(format!("{location}.json"))
    }
    /// Replace the first occurrence of `from` in a table file (panics if absent: a test bug).
    pub fn replace_in(&self, table: &str, from: &str, to: &str) {
        let path = self.table(table);
        let text = std::fs::read_to_string(&path).expect("read table");
        assert!(text.contains(from), "{from:?} not in {table}.json");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write table");
    }
}

/// Write the default fixture after applying `edit`.
pub fn write_with(edit: impl FnOnce(&mut Fixture)) -> Written {
    write_params_with(FixtureParams::default(), edit)
}

pub fn write_params_with(params: FixtureParams, edit: impl FnOnce(&mut Fixture)) -> Written {
    let mut fixture = Fixture::new(params);
    edit(&mut fixture);
    let dir = tempfile::tempdir().expect("tempdir");
    fixture.write(dir.path(), VERSION).expect("write fixture");
    Written { dir, fixture }
}

pub fn write_default() -> Written {
    write_with(|_| {})
}
