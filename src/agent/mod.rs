//! The agent slot: `trait Agent`, the `Observation` it sees and the `Plan` it returns.
//! Agents never touch the World; privileged ground truth is a separate, clearly named part of
//! the Observation for experts and data generation.

use glam::DVec2;
use serde::{Deserialize, Serialize};

/// Navigation command, UniAD / NeuroNCAP / HUGSIM numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Right = 0,
    Left = 1,
    Straight = 2,
}

impl Command {
    pub fn as_index(self) -> u8 {
        self as u8
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Command::Right => "right",
            Command::Left => "left",
            Command::Straight => "straight",
        }
    }
}

/// A candidate trajectory with its score, for display and for MPA's selector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredTrajectory {
    pub waypoints_ego_m: Vec<DVec2>,
    pub score: f64,
    pub label: String,
}

/// An agent's decision: waypoints in the ego frame at decision time (x forward, y left,
/// metres), `TimeBase::plan_dt_secs` apart, the first one dt after now.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Plan {
    pub waypoints_ego_m: Vec<DVec2>,
    /// Optional alternatives the agent considered (MPA candidates), with scores.
    pub candidates: Vec<ScoredTrajectory>,
}
