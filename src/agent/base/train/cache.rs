//! The frame cache: generated samples in one safetensors file per set of generation
//! parameters, named by a hash of their JSON (`frames-<fnv64>.safetensors`) and carrying that
//! JSON in its metadata, which is compared on load (a hash collision or a stale file is
//! regenerated, never used).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use super::super::BaseError;
use super::super::config::PLAN_LEN;
use super::dataset::{GenParams, Samples};

const PARAMS_KEY: &str = "mpa_sim_gen_params";

/// 64-bit FNV-1a (stable across platforms and Rust versions, unlike `DefaultHasher`).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn params_json(params: &GenParams) -> String {
    serde_json::to_string(params).expect("GenParams serialises (plain data)")
}

/// Where the samples of `params` are cached under `dir`.
pub fn cache_path(dir: &Path, params: &GenParams) -> PathBuf {
    dir.join(format!(
        "frames-{:016x}.safetensors",
        fnv1a64(params_json(params).as_bytes())
    ))
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub fn save(path: &Path, params: &GenParams, s: &Samples) -> Result<(), BaseError> {
    let file = path.display().to_string();
    let err = |m: String| BaseError::Train(format!("{file}: {m}"));
    let n = s.len();
    let k = params.target_point_distances_m.len();
    let scene: Vec<u8> = s.scene.iter().flat_map(|x| x.to_le_bytes()).collect();
    let ego = f32_bytes(&s.ego);
    let targets = f32_bytes(&s.targets);
    let labels = f32_bytes(&s.labels);
    let cams = params.cameras.len();
    let (h, w) = (params.height_px as usize, params.width_px as usize);
    let columns: Vec<(&str, Dtype, Vec<usize>, &[u8])> = vec![
        ("rgb", Dtype::U8, vec![n, cams, h, w, 3], &s.rgb),
        ("ego", Dtype::F32, vec![n, 3], &ego),
        ("command", Dtype::U8, vec![n], &s.command),
        ("targets", Dtype::F32, vec![n, k, 2], &targets),
        ("labels", Dtype::F32, vec![n, PLAN_LEN, 2], &labels),
        ("scene", Dtype::U32, vec![n], &scene),
        ("perturbation", Dtype::U8, vec![n], &s.perturbation),
    ];
    let mut views = Vec::new();
    for (name, dtype, shape, data) in columns {
        let v = TensorView::new(dtype, shape, data).map_err(|e| err(format!("{name}: {e}")))?;
        views.push((name, v));
    }
    let meta = HashMap::from([(PARAMS_KEY.to_string(), params_json(params))]);
    let bytes = safetensors::serialize(views, Some(meta)).map_err(|e| err(e.to_string()))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
    }
    // Write then rename, so an interrupted run never leaves a truncated cache behind.
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).map_err(|e| err(e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| err(e.to_string()))
}

/// The cached samples of `params`, or `None` when the file is absent or was made with other
/// parameters.
pub fn load(path: &Path, params: &GenParams) -> Result<Option<Samples>, BaseError> {
    let file = path.display().to_string();
    let err = |m: String| BaseError::Train(format!("{file}: {m}"));
    let Ok(bytes) = std::fs::read(path) else {
        return Ok(None);
    };
    let (_, meta) = SafeTensors::read_metadata(&bytes).map_err(|e| err(e.to_string()))?;
    let stored = meta
        .metadata()
        .as_ref()
        .and_then(|m| m.get(PARAMS_KEY).cloned());
    if stored.as_deref() != Some(params_json(params).as_str()) {
        return Ok(None);
    }
    let st = SafeTensors::deserialize(&bytes).map_err(|e| err(e.to_string()))?;
    let raw = |name: &str| -> Result<Vec<u8>, BaseError> {
        st.tensor(name)
            .map(|t| t.data().to_vec())
            .map_err(|e| err(format!("{name}: {e}")))
    };
    let f32s = |name: &str| -> Result<Vec<f32>, BaseError> {
        Ok(raw(name)?
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    };
    let samples = Samples {
        rgb: raw("rgb")?,
        ego: f32s("ego")?,
        command: raw("command")?,
        targets: f32s("targets")?,
        labels: f32s("labels")?,
        scene: raw("scene")?
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        perturbation: raw("perturbation")?,
    };
    let n = samples.len();
    if samples.rgb.len() != n * Samples::rgb_stride(params)
        || samples.labels.len() != n * PLAN_LEN * 2
    {
        return Err(err(
            "column lengths disagree (corrupt cache; delete it)".into()
        ));
    }
    Ok(Some(samples))
}
