//! MPA's front ends (`shared/MPA.md`): counterfactual data generation (`counterfactual`, driven by `run`
//! over scenes and workers, stored by `store`), merging of sharded runs, and training of the
//! multi-principle Q model (`train_q`). The parts that run inside an agent (behaviours, the
//! frozen encoder, the Q network, the `mpa-q` agent) live in `crate::agent::mpa`.

pub mod counterfactual;
pub mod merge;
pub mod run;
pub mod store;
pub mod train_q;

use std::path::Path;

/// What can go wrong generating, reading or training on counterfactual data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MpaError {
    #[error("{file}: {message}")]
    Io { file: String, message: String },
    #[error("{file}: {message}")]
    Data { file: String, message: String },
    #[error("{0}")]
    Config(String),
    #[error("episode: {0}")]
    Episode(String),
    #[error("render: {0}")]
    Render(String),
    #[error("training: {0}")]
    Train(String),
}

impl MpaError {
    pub fn io(file: &Path, e: impl std::fmt::Display) -> MpaError {
        MpaError::Io {
            file: file.display().to_string(),
            message: e.to_string(),
        }
    }

    pub fn data(file: &Path, message: impl Into<String>) -> MpaError {
        MpaError::Data {
            file: file.display().to_string(),
            message: message.into(),
        }
    }
}
