//! Exact reference states (teacher forcing): the World at logged decision tick k of a scene or
//! scenario, as MPA's counterfactual generation starts its branches from it.
//!
//! `step_on_log` advances one decision tick exactly as `step` does (triggers, IDM, scripted
//! actors, progress, termination checks, ego history), except that the ego is not driven by
//! the controller: at every physics substep it is placed on its logged track (pose interpolated
//! between the 2 Hz keyframes; speed from the poses 0.25 s either side, as the scenario resolver
//! measures the start speed; acceleration and yaw rate by differencing over the substep). No plan
//! is tracked, so the controller's state stays empty. `World::at_log_tick` is `World::new`
//! followed by k such ticks: ego pose, speed, yaw rate and history come from the log, and every
//! actor is where the log (replayed actors) or its behaviour (reactive and scripted actors,
//! reacting to the logged ego) puts it at that time.

use super::controller::TrackerState;
use super::{StepEvents, World, WorldError};
use crate::geometry::Pose2;
use crate::scene::scenario::ResolvedScenario;
use crate::scene::scenario::resolve::logged_speed_mps;
use crate::scene::wrap_angle;
use crate::world::SimConfig;

/// The ego's logged state at one substep end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct LoggedEgo {
    pub pose: Pose2,
    pub speed_mps: f64,
}

impl World {
    /// The World at decision tick `tick` of `scenario` with `seed`, the ego on its log until
    /// then (see the module docs).
    pub fn at_log_tick(
        scenario: &ResolvedScenario,
        seed: u64,
        config: &SimConfig,
        tick: u64,
    ) -> Result<World, WorldError> {
        let mut world = World::new(scenario, seed, config)?;
        for _ in 0..tick {
            world.step_on_log()?;
        }
        Ok(world)
    }

    /// Advance one decision tick with the ego on its logged track (see the module docs).
    pub fn step_on_log(&mut self) -> Result<StepEvents, WorldError> {
        if let Some(t) = &self.state.terminal {
            return Err(WorldError::Terminated(t.clone()));
        }
        let sh = self.shared.clone();
        if !sh.log_history {
            return Err(WorldError::NoEgoLog {
                scenario: sh.name.clone(),
            });
        }
        let substeps = sh.config.time.substeps();
        let mut targets = Vec::with_capacity(substeps);
        for j in 1..=substeps as u64 {
            let t_secs = (self.state.substep + j) as f64 * sh.substep_dt_secs;
            let t_us = self.log_us(t_secs);
            let pose = self
                .ego_log_pose_at(t_secs)
                .ok_or_else(|| WorldError::LogEnded {
                    scenario: sh.name.clone(),
                    t_secs,
                })?;
            targets.push(LoggedEgo {
                pose,
                speed_mps: logged_speed_mps(&sh.scene, t_us),
            });
        }
        self.push_history();
        self.state.reference = None;
        self.state.tracker = TrackerState::default();
        self.state.plan_substep = self.state.substep;
        Ok(self.run_substeps(&sh, Some(&targets)))
    }
}

/// Place the ego on `target`, with acceleration, yaw rate and steering consistent with the
/// move from its current state over `dt_secs`.
pub(super) fn place_ego(
    ego: &mut super::EgoState,
    target: LoggedEgo,
    dt_secs: f64,
    wheelbase_m: f64,
) {
    let yaw_rate = wrap_angle(target.pose.yaw - ego.pose.yaw) / dt_secs;
    ego.accel_mps2 = (target.speed_mps - ego.speed_mps) / dt_secs;
    ego.yaw_rate_radps = yaw_rate;
    ego.steer_rad = if target.speed_mps > 0.1 {
        (yaw_rate * wheelbase_m / target.speed_mps).atan()
    } else {
        0.0
    };
    ego.pose = target.pose;
    ego.speed_mps = target.speed_mps;
}
