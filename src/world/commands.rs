//! The navigation commands a scene's logged drive implies: `route::command_for` (the UniAD
//! rule the World gives agents) evaluated at every keyframe of the logged ego track against the
//! scene's nominal reference route, then run-length encoded. `scenes show` prints them so that
//! a user sees which scenes turn where.

use crate::command::Command;
use crate::geometry::Pose2;
use crate::scene::Scene;
use crate::scene::scenario::ResolvedScenario;
use std::sync::Arc;

use super::route::{Route, command_for};

/// One stretch of constant command on the log clock, seconds from the scene start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CommandSpan {
    pub start_secs: f64,
    pub end_secs: f64,
    pub command: Command,
}

/// Commands along the logged drive, as spans (empty for a scene without a usable route).
pub fn logged_commands(scene: &Arc<Scene>) -> Vec<CommandSpan> {
    let scenario = ResolvedScenario::from_scene(scene.clone());
    let Ok(route) = Route::new(&scenario.route) else {
        return Vec::new();
    };
    let start_us = scene.start_us();
    let track = &scene.ego_track;
    let mut spans: Vec<CommandSpan> = Vec::new();
    for (i, kf) in track.iter().enumerate() {
        let t_secs = (kf.timestamp_us - start_us) as f64 * 1e-6;
        let pose = Pose2 {
            xy: kf.pose.xy(),
            yaw: kf.pose.yaw(),
        };
        let speed_mps = match (track.get(i.saturating_sub(1)), track.get(i + 1)) {
            (Some(a), Some(b)) if b.timestamp_us > a.timestamp_us => {
                a.pose.xy().distance(b.pose.xy())
                    / ((b.timestamp_us - a.timestamp_us) as f64 * 1e-6)
            }
            _ => 0.0,
        };
        let s_m = route.project(pose.xy).s_m;
        let command = command_for(&route, pose, s_m, speed_mps);
        match spans.last_mut() {
            Some(last) if last.command == command => last.end_secs = t_secs,
            _ => spans.push(CommandSpan {
                start_secs: t_secs,
                end_secs: t_secs,
                command,
            }),
        }
    }
    spans
}

/// "straight 0.0-6.5 s, left 7.0-11.0 s, ..." for printing.
pub fn format_spans(spans: &[CommandSpan]) -> String {
    spans
        .iter()
        .map(|s| {
            format!(
                "{} {:.1}-{:.1} s",
                s.command.as_str(),
                s.start_secs,
                s.end_secs
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::testkit;

    #[test]
    fn a_left_turn_log_reads_straight_then_left() {
        let scenario = testkit::junction();
        let spans = logged_commands(&scenario.scene);
        let commands: Vec<Command> = spans.iter().map(|s| s.command).collect();
        assert!(commands.contains(&Command::Left), "{spans:?}");
        assert!(!commands.contains(&Command::Right), "{spans:?}");
        assert_eq!(commands.first(), Some(&Command::Straight), "{spans:?}");
    }
}
