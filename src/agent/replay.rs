//! `replay`: drives the logged ego trajectory. The plan is the logged ego poses at the plan
//! times, in the current ego frame (privileged: `Privileged::logged_future_ego`). Past the end
//! of the log the last logged pose repeats, so the ego stops there.

use super::{Agent, AgentError, Observation, Plan};

#[derive(Debug, Default, Clone)]
pub struct ReplayAgent;

impl Agent for ReplayAgent {
    fn name(&self) -> &str {
        "replay"
    }

    fn needs_privileged(&self) -> bool {
        true
    }

    fn plan(&mut self, obs: &Observation) -> Result<Plan, AgentError> {
        let p = obs
            .privileged
            .as_ref()
            .ok_or_else(|| AgentError::MissingPrivileged {
                agent: self.name().into(),
            })?;
        if p.logged_future_ego.len() != obs.plan_len {
            return Err(AgentError::Failed {
                agent: self.name().into(),
                message: format!(
                    "the scene's ego log gives {} future poses, the plan needs {}",
                    p.logged_future_ego.len(),
                    obs.plan_len
                ),
            });
        }
        Ok(Plan {
            waypoints_ego_m: p.logged_future_ego.iter().map(|q| q.xy).collect(),
            candidates: Vec::new(),
        })
    }
}
