//! The navigation command given to agents (core layer: the scene generator, the World and the
//! agents all use it). Index order as the base policy's one-hot input.

use serde::{Deserialize, Serialize};

/// Which way the route goes next: the high-level command of end-to-end driving benchmarks.
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
