//! The agent slot: `trait Agent`, the `Observation` it sees and the `Plan` it returns.
//! Agents never touch the World; privileged ground truth is a separate, clearly named part of
//! the Observation for experts and data generation.
//!
//! Built-in agents live in one table (`registry`): `replay` (drives the logged ego track) and
//! `expert` (privileged route following with IDM-like speed control), and the learned
//! camera policy `base` (`base`).

pub mod base;
pub mod expert;
pub mod mpa;
pub mod observation;
pub mod registry;
pub mod replay;

pub use observation::*;

use glam::DVec2;
use serde::{Deserialize, Serialize};

/// Errors an agent reports instead of a plan.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AgentError {
    #[error("unknown agent `{name}`; built-in agents: {known}")]
    UnknownAgent { name: String, known: String },
    #[error("agent `{agent}` needs the privileged part of the observation, which is absent")]
    MissingPrivileged { agent: String },
    #[error("agent `{agent}` failed: {message}")]
    Failed { agent: String, message: String },
}

/// A driving policy. Called once per decision tick with the current observation.
pub trait Agent: Send {
    fn name(&self) -> &str;
    /// Start of an episode: drop per-episode memory and reseed.
    fn reset(&mut self, _seed: u64) {}
    /// Whether the agent reads `Observation::privileged` (experts, data generation). The
    /// episode runner strips the privileged part for agents that return false.
    fn needs_privileged(&self) -> bool {
        false
    }
    /// The camera images this agent reads (`Observation::views`), or `None` (the default) for
    /// agents that do not look: the episode loop renders only for agents that ask.
    fn view_request(&self) -> Option<ViewRequest> {
        None
    }
    /// The agent's scene features, for wrappers that condition on them (MPA's adapter);
    /// `None` for agents that expose none.
    fn feature_source(&self) -> Option<&dyn FeatureSource> {
        None
    }
    fn plan(&mut self, obs: &Observation) -> Result<Plan, AgentError>;
}

/// Navigation command, UniAD / NeuroNCAP / HUGSIM numbering.
/// An agent's intermediate scene features (MPA section 2: the adapter's scene embedding z).
pub trait FeatureSource {
    /// The features computed by the last `plan` call; empty before the first.
    fn scene_features(&self) -> &[f32];
    /// How many values `scene_features` holds after a `plan`.
    fn scene_feature_dim(&self) -> usize;
}

pub use crate::command::Command;

/// A candidate trajectory an agent considered (MPA: one adapter proposal or perturbed plan),
/// with its score per principle (e.g. the Q model's route / distance / collision / speed
/// heads), the combined score it was ranked by, and a label (its mode or origin).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Candidate {
    /// Waypoints in the ego frame, as `Plan::waypoints_ego_m`.
    pub trajectory_ego_m: Vec<DVec2>,
    /// Principle name -> score; names are the scorer's (empty when it has none).
    pub principle_scores: std::collections::BTreeMap<String, f64>,
    pub combined: f64,
    pub label: String,
}

/// An agent's decision: waypoints in the ego frame at decision time (x forward, y left,
/// metres), `TimeBase::plan_dt_secs` apart, the first one dt after now.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Plan {
    pub waypoints_ego_m: Vec<DVec2>,
    /// Optional alternatives the agent considered (MPA candidates), with scores.
    pub candidates: Vec<Candidate>,
}
