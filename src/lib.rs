//! mpa-sim: a closed-loop driving simulator with an embedded agent harness implementing
//! Model-based Policy Adaptation (MPA, Lin et al., NeurIPS 2025, arXiv 2511.21584).
//!
//! See ARCHITECTURE.md for the module table and the data flow of one episode.

pub mod agent;
pub mod bench;
pub mod command;
pub mod config;
pub mod episode;
pub mod geometry;
pub mod metrics;
pub mod mpa;
pub mod render;
pub mod rollout;
pub mod scene;
pub mod serve;
#[cfg(feature = "viewer")]
pub mod viewer;
pub mod world;
