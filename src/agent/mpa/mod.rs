//! Model-based Policy Adaptation (`shared/MPA.md`), the parts that run inside an agent:
//! counterfactual behaviours (`behaviours`), what the Q model reads (`features`: the frozen
//! six-view encoder and the ego history), the multi-principle Q model (`q`) and the Q-selector
//! agent `mpa-q:SPEC` (`q_agent`). Data generation and training are front ends (the top-level `mpa` module).

pub mod behaviours;
pub mod features;
pub mod q;
pub mod q_agent;

use std::path::PathBuf;

pub use q_agent::MpaQAgent;

/// The shipped Q-model folder: `$MPA_SIM_Q_DIR` if set, else `agents/mpa-q` of the source tree.
pub fn shipped_q_dir() -> PathBuf {
    std::env::var_os("MPA_SIM_Q_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("agents/mpa-q"))
}
