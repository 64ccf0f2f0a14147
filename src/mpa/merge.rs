//! `mpa-sim mpa merge`: combine the output folders of sharded generation runs (`--shard i/n`,
//! one folder per array task) into one. Every input must hold data of the same config; each
//! shard file is checked against its manifest's SHA-256 before it is copied; a scene present in
//! two inputs is an error. The output is written as a normal data folder (resumable, loadable).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::MpaError;
use super::store::{self, Manifest, SHARDS_DIR};

/// Counts of a merge.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeSummary {
    pub inputs: usize,
    pub scenes: usize,
    pub samples: usize,
}

pub fn merge(inputs: &[PathBuf], out: &Path) -> Result<MergeSummary, MpaError> {
    if inputs.is_empty() {
        return Err(MpaError::Config(
            "nothing to merge: give the shard folders".into(),
        ));
    }
    let mut merged: Option<Manifest> = None;
    let mut from: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut entries = Vec::new();
    for dir in inputs {
        let m = Manifest::load(dir)?.ok_or_else(|| {
            MpaError::data(
                &dir.join(store::MANIFEST_FILE),
                "missing (not a data folder?)",
            )
        })?;
        if let Some(first) = &merged
            && first.config_sha256 != m.config_sha256
        {
            return Err(MpaError::data(
                &dir.join(store::MANIFEST_FILE),
                format!(
                    "config {} differs from {}'s {} (shards of different runs cannot be merged)",
                    m.config_sha256,
                    inputs[0].display(),
                    first.config_sha256
                ),
            ));
        }
        for e in &m.shards {
            if let Some(other) = from.insert(e.scene.clone(), dir.clone()) {
                return Err(MpaError::Config(format!(
                    "scene {} is in both {} and {}",
                    e.scene,
                    other.display(),
                    dir.display()
                )));
            }
            let bytes = std::fs::read(dir.join(&e.file))
                .map_err(|err| MpaError::io(&dir.join(&e.file), err))?;
            if store::sha256(&bytes) != e.sha256 {
                return Err(MpaError::data(
                    &dir.join(&e.file),
                    "SHA-256 differs from the manifest's (damaged or replaced)",
                ));
            }
            entries.push((e.clone(), bytes));
        }
        if merged.is_none() {
            merged = Some(Manifest {
                shards: Vec::new(),
                ..m
            });
        }
    }
    let mut manifest = merged.ok_or_else(|| MpaError::Config("no inputs".into()))?;
    if Manifest::load(out)?.is_some() {
        return Err(MpaError::Config(format!(
            "{} already holds a data folder; merge into a new folder",
            out.display()
        )));
    }
    std::fs::create_dir_all(out.join(SHARDS_DIR)).map_err(|e| MpaError::io(out, e))?;
    for (e, bytes) in entries {
        store::write_atomic(&out.join(&e.file), &bytes)?;
        manifest.shards.push(e);
    }
    manifest.shards.sort_by(|a, b| a.scene.cmp(&b.scene));
    manifest.save(out)?;
    let (_, samples, _, _, _) = manifest.totals();
    Ok(MergeSummary {
        inputs: inputs.len(),
        scenes: manifest.shards.len(),
        samples,
    })
}
