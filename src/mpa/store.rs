//! On-disk counterfactual data: one safetensors shard per scene plus `manifest.json`.
//!
//! ```text
//! DIR/manifest.json                 format, the generation config (and its SHA-256), one entry
//!                                   per finished scene (file, SHA-256, counts), totals
//! DIR/shards/<scene>.safetensors    per reference state r (R of them) and sample s (S):
//!   ref.features    f32 [R, 6, F]   frozen-encoder features of the six views (CAMERA_CHANNELS)
//!   ref.history     f32 [R, 5, 8]   ego history (features::history_features)
//!   ref.base_plan   f32 [R, 6, 2]   the base policy's plan (ego frame, metres)
//!   ref.tick        i32 [R]         logged decision tick of the reference state
//!   sample.ref      i32 [S]         its reference state
//!   sample.behaviour i32 [S]        behaviour index (0 = the base plan)
//!   sample.mode     u8  [S]         mode label (behaviours::Behaviour::mode)
//!   sample.perturb  f32 [S, 2]      rotation (rad), length warp
//!   sample.action   f32 [S, 6, 2]   the executed (perturbed) plan of the first step
//!   sample.rewards  f32 [S, T, 6]   per-step rewards (world::rewards order), absorbing fill
//!   sample.steps    i32 [S]         steps run before the branch ended (<= T)
//!   sample.collision u8 [S]         1 if the branch collided with an actor
//!   sample.best     u8  [S]         1 for the best kept branch of its reference (beam search)
//! ```
//!
//! The shard's safetensors metadata (`mpa_sim_shard`) carries the format and the config's SHA-256; the manifest
//! carries each shard's SHA-256. Reading checks both, and every tensor's dtype and shape, and
//! names the file and the tensor when something is off.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use serde::{Deserialize, Serialize};

use super::MpaError;
use crate::agent::base::PLAN_LEN;
use crate::agent::mpa::features::{HISTORY_FEATURES, HISTORY_LEN, Q_VIEWS, hex};

pub const FORMAT: &str = "mpa-sim-counterfactual/1";
pub const MANIFEST_FILE: &str = "manifest.json";
/// The shard metadata key holding "FORMAT CONFIG_SHA256".
pub const META_KEY: &str = "mpa_sim_shard";
pub const SHARDS_DIR: &str = "shards";
/// Per-step reward terms (`PrincipleRewards::named` order).
pub const REWARD_TERMS: usize = 6;

/// One reference state.
#[derive(Debug, Clone, PartialEq)]
pub struct RefRecord {
    pub tick: i32,
    pub features: Vec<f32>,
    pub history: Vec<f32>,
    pub base_plan: Vec<[f32; 2]>,
}

/// One behaviour rolled out from a reference state.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleRecord {
    pub reference: i32,
    pub behaviour: i32,
    pub mode: u8,
    pub rotation_rad: f32,
    pub warp: f32,
    pub action: Vec<[f32; 2]>,
    /// `horizon` rows of `REWARD_TERMS`.
    pub rewards: Vec<[f32; REWARD_TERMS]>,
    pub steps: i32,
    pub collision: bool,
    pub best: bool,
}

/// Everything generated for one scene.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SceneData {
    pub refs: Vec<RefRecord>,
    pub samples: Vec<SampleRecord>,
}

/// A finished scene in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardEntry {
    pub scene: String,
    /// Relative to the data folder.
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub references: usize,
    pub samples: usize,
    pub collisions: usize,
    pub dropped_strayed: usize,
    pub dropped_floor: usize,
    pub secs: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    /// The generation config (`counterfactual::GenConfig` as JSON).
    pub config: serde_json::Value,
    pub config_sha256: String,
    pub shards: Vec<ShardEntry>,
}

impl Manifest {
    pub fn totals(&self) -> (usize, usize, usize, usize, u64) {
        self.shards.iter().fold((0, 0, 0, 0, 0), |t, s| {
            (
                t.0 + s.references,
                t.1 + s.samples,
                t.2 + s.dropped_strayed + s.dropped_floor,
                t.3 + s.collisions,
                t.4 + s.bytes,
            )
        })
    }

    pub fn load(dir: &Path) -> Result<Option<Manifest>, MpaError> {
        let path = dir.join(MANIFEST_FILE);
        if !path.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).map_err(|e| MpaError::io(&path, e))?;
        let m: Manifest = serde_json::from_str(&text)
            .map_err(|e| MpaError::data(&path, format!("not a data manifest: {e}")))?;
        if m.format != FORMAT {
            return Err(MpaError::data(
                &path,
                format!("format `{}`, this build reads `{FORMAT}`", m.format),
            ));
        }
        Ok(Some(m))
    }

    /// Write atomically (a temporary file renamed over the old one).
    pub fn save(&self, dir: &Path) -> Result<(), MpaError> {
        let path = dir.join(MANIFEST_FILE);
        let json =
            serde_json::to_string_pretty(self).map_err(|e| MpaError::data(&path, e.to_string()))?;
        write_atomic(&path, (json + "\n").as_bytes())
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), MpaError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|e| MpaError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| MpaError::io(path, e))
}

pub fn shard_path(dir: &Path, scene: &str) -> PathBuf {
    dir.join(SHARDS_DIR).join(format!("{scene}.safetensors"))
}

fn le<T: Copy>(values: &[T], to: impl Fn(T) -> Vec<u8>) -> Vec<u8> {
    values.iter().flat_map(|v| to(*v)).collect()
}

/// The shard bytes of `data` (`feature_dim` per view, `horizon` steps).
pub fn encode_shard(
    data: &SceneData,
    feature_dim: usize,
    horizon: usize,
    config_sha256: &str,
) -> Result<Vec<u8>, String> {
    let (r, s) = (data.refs.len(), data.samples.len());
    let f32s = |v: Vec<f32>| le(&v, |x: f32| x.to_le_bytes().to_vec());
    let i32s = |v: Vec<i32>| le(&v, |x: i32| x.to_le_bytes().to_vec());
    let mut tensors: Vec<(&str, Dtype, Vec<usize>, Vec<u8>)> = vec![
        (
            "ref.features",
            Dtype::F32,
            vec![r, Q_VIEWS, feature_dim],
            f32s(data.refs.iter().flat_map(|x| x.features.clone()).collect()),
        ),
        (
            "ref.history",
            Dtype::F32,
            vec![r, HISTORY_LEN, HISTORY_FEATURES],
            f32s(data.refs.iter().flat_map(|x| x.history.clone()).collect()),
        ),
        (
            "ref.base_plan",
            Dtype::F32,
            vec![r, PLAN_LEN, 2],
            f32s(
                data.refs
                    .iter()
                    .flat_map(|x| x.base_plan.concat())
                    .collect(),
            ),
        ),
        (
            "ref.tick",
            Dtype::I32,
            vec![r],
            i32s(data.refs.iter().map(|x| x.tick).collect()),
        ),
    ];
    let sm = &data.samples;
    tensors.extend([
        (
            "sample.ref",
            Dtype::I32,
            vec![s],
            i32s(sm.iter().map(|x| x.reference).collect()),
        ),
        (
            "sample.behaviour",
            Dtype::I32,
            vec![s],
            i32s(sm.iter().map(|x| x.behaviour).collect()),
        ),
        (
            "sample.mode",
            Dtype::U8,
            vec![s],
            sm.iter().map(|x| x.mode).collect(),
        ),
        (
            "sample.perturb",
            Dtype::F32,
            vec![s, 2],
            f32s(sm.iter().flat_map(|x| [x.rotation_rad, x.warp]).collect()),
        ),
        (
            "sample.action",
            Dtype::F32,
            vec![s, PLAN_LEN, 2],
            f32s(sm.iter().flat_map(|x| x.action.concat()).collect()),
        ),
        (
            "sample.rewards",
            Dtype::F32,
            vec![s, horizon, REWARD_TERMS],
            f32s(sm.iter().flat_map(|x| x.rewards.concat()).collect()),
        ),
        (
            "sample.steps",
            Dtype::I32,
            vec![s],
            i32s(sm.iter().map(|x| x.steps).collect()),
        ),
        (
            "sample.collision",
            Dtype::U8,
            vec![s],
            sm.iter().map(|x| u8::from(x.collision)).collect(),
        ),
        (
            "sample.best",
            Dtype::U8,
            vec![s],
            sm.iter().map(|x| u8::from(x.best)).collect(),
        ),
    ]);
    let mut views = Vec::with_capacity(tensors.len());
    for (name, dtype, shape, bytes) in &tensors {
        let v = TensorView::new(*dtype, shape.clone(), bytes)
            .map_err(|e| format!("tensor `{name}`: {e}"))?;
        views.push((name.to_string(), v));
    }
    // One metadata entry: safetensors writes its metadata map in hash order, so two keys would
    // make the bytes (and the shard's SHA-256) differ from run to run.
    let meta: std::collections::HashMap<String, String> =
        [(META_KEY.to_string(), format!("{FORMAT} {config_sha256}"))]
            .into_iter()
            .collect();
    safetensors::serialize(views, Some(meta)).map_err(|e| e.to_string())
}

/// Parse a shard (checked against the expected config hash, feature width and horizon).
pub fn decode_shard(
    bytes: &[u8],
    file: &Path,
    feature_dim: usize,
    horizon: usize,
    config_sha256: &str,
) -> Result<SceneData, MpaError> {
    let bad = |m: String| MpaError::data(file, m);
    let (_, meta) = SafeTensors::read_metadata(bytes)
        .map_err(|e| bad(format!("not a readable safetensors file: {e}")))?;
    let info: BTreeMap<String, String> = meta
        .metadata()
        .clone()
        .map(|m| m.into_iter().collect())
        .unwrap_or_default();
    // Shards of the first generation run carried two keys (`format`, `config_sha256`).
    let legacy = match (info.get("format"), info.get("config_sha256")) {
        (Some(f), Some(c)) => format!("{f} {c}"),
        _ => String::new(),
    };
    let value = info.get(META_KEY).map_or(legacy.as_str(), String::as_str);
    let (format, sha) = value.split_once(' ').unwrap_or((value, ""));
    if format != FORMAT {
        return Err(bad(format!(
            "not a counterfactual shard of format {FORMAT} (metadata `{META_KEY}` is {value:?})"
        )));
    }
    if sha != config_sha256 {
        return Err(bad(format!(
            "generated with config {sha} but the manifest's config is {config_sha256} (a shard from another run?)"
        )));
    }
    let st = SafeTensors::deserialize(bytes).map_err(|e| bad(e.to_string()))?;
    let r = st
        .tensor("ref.tick")
        .map_err(|_| bad("tensor `ref.tick` is missing".into()))?
        .shape()
        .first()
        .copied()
        .unwrap_or(0);
    let s = st
        .tensor("sample.ref")
        .map_err(|_| bad("tensor `sample.ref` is missing".into()))?
        .shape()
        .first()
        .copied()
        .unwrap_or(0);
    let get = |name: &str, dtype: Dtype, shape: Vec<usize>| -> Result<Vec<u8>, MpaError> {
        let v = st
            .tensor(name)
            .map_err(|_| bad(format!("tensor `{name}` is missing")))?;
        if v.dtype() != dtype || v.shape() != shape.as_slice() {
            return Err(bad(format!(
                "tensor `{name}`: expected {dtype:?} {shape:?}, got {:?} {:?}",
                v.dtype(),
                v.shape()
            )));
        }
        Ok(v.data().to_vec())
    };
    let f32s = |name: &str, shape: Vec<usize>| -> Result<Vec<f32>, MpaError> {
        let v: Vec<f32> = get(name, Dtype::F32, shape)?
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if let Some(i) = v.iter().position(|x| !x.is_finite()) {
            return Err(bad(format!("tensor `{name}`: value {i} is not finite")));
        }
        Ok(v)
    };
    let i32s = |name: &str, n: usize| -> Result<Vec<i32>, MpaError> {
        Ok(get(name, Dtype::I32, vec![n])?
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    };
    let pairs = |v: &[f32]| -> Vec<[f32; 2]> { v.chunks_exact(2).map(|c| [c[0], c[1]]).collect() };
    let features = f32s("ref.features", vec![r, Q_VIEWS, feature_dim])?;
    let history = f32s("ref.history", vec![r, HISTORY_LEN, HISTORY_FEATURES])?;
    let base_plan = f32s("ref.base_plan", vec![r, PLAN_LEN, 2])?;
    let ticks = i32s("ref.tick", r)?;
    let refs = (0..r)
        .map(|i| {
            let fd = Q_VIEWS * feature_dim;
            let hd = HISTORY_LEN * HISTORY_FEATURES;
            RefRecord {
                tick: ticks[i],
                features: features[i * fd..(i + 1) * fd].to_vec(),
                history: history[i * hd..(i + 1) * hd].to_vec(),
                base_plan: pairs(&base_plan[i * PLAN_LEN * 2..(i + 1) * PLAN_LEN * 2]),
            }
        })
        .collect();
    let reference = i32s("sample.ref", s)?;
    if let Some(x) = reference.iter().find(|x| **x < 0 || **x as usize >= r) {
        return Err(bad(format!(
            "tensor `sample.ref`: reference {x} out of range (the shard has {r})"
        )));
    }
    let behaviour = i32s("sample.behaviour", s)?;
    let mode = get("sample.mode", Dtype::U8, vec![s])?;
    let perturb = f32s("sample.perturb", vec![s, 2])?;
    let action = f32s("sample.action", vec![s, PLAN_LEN, 2])?;
    let rewards = f32s("sample.rewards", vec![s, horizon, REWARD_TERMS])?;
    let steps = i32s("sample.steps", s)?;
    let collision = get("sample.collision", Dtype::U8, vec![s])?;
    let best = get("sample.best", Dtype::U8, vec![s])?;
    let samples = (0..s)
        .map(|i| SampleRecord {
            reference: reference[i],
            behaviour: behaviour[i],
            mode: mode[i],
            rotation_rad: perturb[2 * i],
            warp: perturb[2 * i + 1],
            action: pairs(&action[i * PLAN_LEN * 2..(i + 1) * PLAN_LEN * 2]),
            rewards: rewards[i * horizon * REWARD_TERMS..(i + 1) * horizon * REWARD_TERMS]
                .chunks_exact(REWARD_TERMS)
                .map(|c| std::array::from_fn(|k| c[k]))
                .collect(),
            steps: steps[i],
            collision: collision[i] != 0,
            best: best[i] != 0,
        })
        .collect();
    Ok(SceneData { refs, samples })
}

/// Read and check the shard of `entry` in `dir`.
pub fn read_shard(
    dir: &Path,
    entry: &ShardEntry,
    feature_dim: usize,
    horizon: usize,
    config_sha256: &str,
) -> Result<SceneData, MpaError> {
    let path = dir.join(&entry.file);
    let bytes = std::fs::read(&path).map_err(|e| MpaError::io(&path, e))?;
    let got = sha256(&bytes);
    if got != entry.sha256 {
        return Err(MpaError::data(
            &path,
            format!(
                "SHA-256 {got} differs from the manifest's {} (the file is damaged or was replaced)",
                entry.sha256
            ),
        ));
    }
    decode_shard(&bytes, &path, feature_dim, horizon, config_sha256)
}
