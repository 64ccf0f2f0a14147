//! Episode-level figures (METRICS.md, "Episode-level figures"): one record per episode, from
//! which summary tables compute rates and means with their spread ([`super::stats`]).

use serde::{Deserialize, Serialize};

/// What one episode amounted to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpisodeFigures {
    /// Any contact between the ego box and an actor or obstacle box.
    pub collided: bool,
    /// The ego left the drivable area at some point.
    pub off_road: bool,
    /// [`super::route_completion`] at the end of the episode, in [0, 1].
    pub route_completion: f64,
    /// Distance driven over episode duration.
    pub mean_speed_mps: f64,
    /// Simulated time until the episode ended (finished, collided, timed out...).
    pub time_to_finish_secs: f64,
    /// Why the episode ended, e.g. "route_complete", "collision", "timeout".
    pub terminal_reason: String,
}
