//! Weights files: plain safetensors, one f32 tensor per parameter name of
//! `model::param_specs` (little-endian, row-major; conv weights `[out, in, kh, kw]`, linear
//! weights `[in, out]` as burn stores them). Loading checks every name, dtype and shape against
//! the config's specs and names the file and tensor when something is off; extra tensors are an
//! error too (a weights file from another config must not load half-way).

use std::path::Path;

use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use super::BaseError;
use super::config::BaseConfig;
use super::model::{NamedTensors, ParamSpec, param_specs};

/// Check that `tensors` hold exactly the parameters of `config` with the right sizes
/// (`file` names their origin in errors).
pub fn check_tensors(
    config: &BaseConfig,
    tensors: &NamedTensors,
    file: &str,
) -> Result<(), BaseError> {
    let specs = param_specs(config);
    for spec in &specs {
        let want: usize = spec.shape.iter().product();
        match tensors.get(&spec.name) {
            None => {
                return Err(BaseError::Tensor {
                    file: file.to_string(),
                    tensor: spec.name.clone(),
                    message: "missing (the config expects it)".into(),
                });
            }
            Some(v) if v.len() != want => {
                return Err(BaseError::Tensor {
                    file: file.to_string(),
                    tensor: spec.name.clone(),
                    message: format!(
                        "expected {want} values (shape {:?}), got {}",
                        spec.shape,
                        v.len()
                    ),
                });
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = tensors
        .keys()
        .find(|k| !specs.iter().any(|s| &s.name == *k))
    {
        return Err(BaseError::Weights {
            file: file.to_string(),
            message: format!("tensor `{extra}` is not in this config"),
        });
    }
    Ok(())
}

/// Write `tensors` (which must match `config`'s specs) to `path`.
pub fn save(path: &Path, config: &BaseConfig, tensors: &NamedTensors) -> Result<(), BaseError> {
    check_tensors(config, tensors, &path.display().to_string())?;
    save_specs(path, &param_specs(config), tensors)
}

/// Write the tensors named by `specs` (in their order, with their shapes) to `path`: the one
/// safetensors writer of every network (base policy, MPA's Q model).
pub fn save_specs(
    path: &Path,
    specs: &[ParamSpec],
    tensors: &NamedTensors,
) -> Result<(), BaseError> {
    let file = path.display().to_string();
    let mut bytes_by_name = Vec::with_capacity(specs.len());
    for spec in specs {
        let want: usize = spec.shape.iter().product();
        let values = tensors.get(&spec.name).ok_or_else(|| BaseError::Weights {
            file: file.clone(),
            message: format!("no tensor `{}` to save", spec.name),
        })?;
        if values.len() != want {
            return Err(BaseError::Tensor {
                file: file.clone(),
                tensor: spec.name.clone(),
                message: format!(
                    "expected {want} values (shape {:?}), got {}",
                    spec.shape,
                    values.len()
                ),
            });
        }
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        bytes_by_name.push((spec.name.clone(), spec.shape.clone(), bytes));
    }
    let mut views = Vec::with_capacity(bytes_by_name.len());
    for (name, shape, bytes) in &bytes_by_name {
        let view =
            TensorView::new(Dtype::F32, shape.clone(), bytes).map_err(|e| BaseError::Weights {
                file: file.clone(),
                message: format!("tensor `{name}`: {e}"),
            })?;
        views.push((name.clone(), view));
    }
    let out = safetensors::serialize(views, None).map_err(|e| BaseError::Weights {
        file: file.clone(),
        message: e.to_string(),
    })?;
    std::fs::write(path, out).map_err(|e| BaseError::Io {
        file,
        message: e.to_string(),
    })
}

/// Read and check the weights of `config` from `path`.
pub fn load(path: &Path, config: &BaseConfig) -> Result<NamedTensors, BaseError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| BaseError::Io {
        file: file.clone(),
        message: e.to_string(),
    })?;
    from_bytes(&bytes, &file, config)
}

/// Parse and check a weights file's bytes (`file` names it in errors).
pub fn from_bytes(
    bytes: &[u8],
    file: &str,
    config: &BaseConfig,
) -> Result<NamedTensors, BaseError> {
    from_bytes_specs(bytes, file, &param_specs(config))
}

/// Read `path` and check it holds exactly the tensors of `specs`.
pub fn load_specs(path: &Path, specs: &[ParamSpec]) -> Result<NamedTensors, BaseError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| BaseError::Io {
        file: file.clone(),
        message: e.to_string(),
    })?;
    from_bytes_specs(&bytes, &file, specs)
}

/// Parse a weights file's bytes and check them against `specs` (names, dtype, shapes, finite
/// values, nothing extra).
pub fn from_bytes_specs(
    bytes: &[u8],
    file: &str,
    specs: &[ParamSpec],
) -> Result<NamedTensors, BaseError> {
    let st = SafeTensors::deserialize(bytes).map_err(|e| BaseError::Weights {
        file: file.to_string(),
        message: format!("not a readable safetensors file: {e}"),
    })?;
    let mut out = NamedTensors::new();
    for spec in specs {
        let bad = |message: String| BaseError::Tensor {
            file: file.to_string(),
            tensor: spec.name.clone(),
            message,
        };
        let view = st
            .tensor(&spec.name)
            .map_err(|_| bad("missing (the config expects it)".into()))?;
        if view.dtype() != Dtype::F32 {
            return Err(bad(format!("expected dtype F32, got {:?}", view.dtype())));
        }
        if view.shape() != spec.shape.as_slice() {
            return Err(bad(format!(
                "expected shape {:?} (from config.json), got {:?}",
                spec.shape,
                view.shape()
            )));
        }
        let values: Vec<f32> = view
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(bad(format!("value {i} is not finite ({})", values[i])));
        }
        out.insert(spec.name.clone(), values);
    }
    let mut extra: Vec<&str> = st
        .names()
        .into_iter()
        .filter(|n| !specs.iter().any(|s| s.name == *n))
        .collect();
    extra.sort_unstable();
    if !extra.is_empty() {
        return Err(BaseError::Weights {
            file: file.to_string(),
            message: format!(
                "tensors not in this config: {} (weights of a different network?)",
                extra.join(", ")
            ),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::base::model::init_tensors;

    fn saved() -> (tempfile::TempDir, std::path::PathBuf, BaseConfig) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("model.safetensors");
        let config = BaseConfig::tiny();
        save(&path, &config, &init_tensors(&config, 3)).expect("save");
        (dir, path, config)
    }

    #[test]
    fn round_trip_is_exact_and_bytes_are_stable() {
        let (_d, path, config) = saved();
        assert_eq!(
            load(&path, &config).expect("load"),
            init_tensors(&config, 3)
        );
        let first = std::fs::read(&path).expect("read");
        save(&path, &config, &init_tensors(&config, 3)).expect("save again");
        assert_eq!(std::fs::read(&path).expect("read"), first);
    }

    #[test]
    fn missing_and_corrupt_files_name_the_file() {
        let (_d, path, config) = saved();
        let missing = path.with_file_name("nope.safetensors");
        let e = load(&missing, &config).unwrap_err().to_string();
        assert!(e.contains("nope.safetensors"), "{e}");
        std::fs::write(&path, b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all").expect("write");
        let e = load(&path, &config).unwrap_err().to_string();
        assert!(
            e.contains("model.safetensors") && e.contains("safetensors"),
            "{e}"
        );
    }

    #[test]
    fn wrong_shapes_and_missing_tensors_name_the_tensor() {
        let (_d, path, config) = saved();
        // The same weights read with a config whose hidden layer is wider.
        let wider = BaseConfig {
            hidden_dim: config.hidden_dim + 1,
            ..config.clone()
        };
        let e = load(&path, &wider).unwrap_err().to_string();
        assert!(
            e.contains("model.safetensors") && e.contains("head.fc0.weight"),
            "{e}"
        );
        assert!(e.contains("expected shape"), "{e}");
        // A config with one more conv layer expects a tensor the file lacks.
        let deeper = BaseConfig {
            conv_channels: vec![4, 8, 8],
            ..config.clone()
        };
        let e = load(&path, &deeper).unwrap_err().to_string();
        assert!(
            e.contains("encoder.conv2.weight") && e.contains("missing"),
            "{e}"
        );
        // A file with more layers than the config: the extra tensors are named.
        save(&path, &deeper, &init_tensors(&deeper, 3)).expect("save deeper");
        let e = load(&path, &config).unwrap_err().to_string();
        assert!(
            e.contains("encoder.conv2.bias, encoder.conv2.weight"),
            "{e}"
        );
    }
}
