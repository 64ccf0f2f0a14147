//! The `remote` agent: the agent slot of an episode driven over the HUGSIM protocol.
//!
//! The server owns the episode loop and steps it once per `/execute_action`: it converts the
//! client's plan, puts it in the `PlanSlot` shared with the `RemoteAgent`, and calls
//! `EpisodeLoop::next_event`, whose `plan()` call takes it out again. No threads are involved;
//! a `plan()` without a pending plan is an error (a bug in the server, not a client's fault).

use std::sync::{Arc, Mutex};

use crate::agent::{Agent, AgentError, Observation, Plan};

/// The agent name in results rows and recordings.
pub const REMOTE_AGENT_NAME: &str = "remote";

/// The plan handed from the server to the agent for the next decision.
#[derive(Debug, Clone, Default)]
pub struct PlanSlot(Arc<Mutex<Option<Plan>>>);

impl PlanSlot {
    pub fn put(&self, plan: Plan) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(plan);
    }
    pub fn take(&self) -> Option<Plan> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Returns the plan the server put in its slot.
#[derive(Debug, Clone)]
pub struct RemoteAgent {
    slot: PlanSlot,
}

impl RemoteAgent {
    pub fn new(slot: PlanSlot) -> RemoteAgent {
        RemoteAgent { slot }
    }
}

impl Agent for RemoteAgent {
    fn name(&self) -> &str {
        REMOTE_AGENT_NAME
    }

    fn reset(&mut self, _seed: u64) {
        self.slot.take();
    }

    fn plan(&mut self, _obs: &Observation) -> Result<Plan, AgentError> {
        self.slot.take().ok_or_else(|| AgentError::Failed {
            agent: REMOTE_AGENT_NAME.into(),
            message: "no plan pending from the remote client".into(),
        })
    }
}
