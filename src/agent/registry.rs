//! One table of built-in agents by name; the CLI, the rollout runner and tests list and create
//! agents through it.
//!
//! Constructors can fail (`base` loads its weights from disk). Besides the table's names,
//! `base:PATH` loads a base policy from the folder `PATH` (config.json + model.safetensors).

use super::base::{BaseAgent, shipped_dir};
use super::expert::ExpertAgent;
use super::replay::ReplayAgent;
use super::{Agent, AgentError};

/// A built-in agent: name, one-line description, constructor.
pub struct AgentEntry {
    pub name: &'static str,
    pub description: &'static str,
    pub create: fn() -> Result<Box<dyn Agent>, AgentError>,
}

pub const BUILTIN_AGENTS: &[AgentEntry] = &[
    AgentEntry {
        name: "replay",
        description: "drives the logged ego trajectory (privileged)",
        create: || Ok(Box::new(ReplayAgent)),
    },
    AgentEntry {
        name: "expert",
        description: "follows the route with IDM speed control on ground-truth actors (privileged)",
        create: || Ok(Box::new(ExpertAgent::default())),
    },
    AgentEntry {
        name: "base",
        description: "learned camera policy (front cameras, ego state, command, target points; agents/base or $MPA_SIM_BASE_DIR)",
        create: || Ok(Box::new(BaseAgent::load(&shipped_dir(), "base")?)),
    },
];

pub fn names() -> Vec<&'static str> {
    BUILTIN_AGENTS.iter().map(|e| e.name).collect()
}

/// Prefix of the `base:PATH` agent name form.
pub const BASE_PATH_PREFIX: &str = "base:";

pub fn create(name: &str) -> Result<Box<dyn Agent>, AgentError> {
    if let Some(dir) = name.strip_prefix(BASE_PATH_PREFIX) {
        return Ok(Box::new(BaseAgent::load(std::path::Path::new(dir), name)?));
    }
    let entry = BUILTIN_AGENTS
        .iter()
        .find(|e| e.name == name)
        .ok_or_else(|| AgentError::UnknownAgent {
            name: name.to_string(),
            known: format!("{}, {BASE_PATH_PREFIX}PATH", names().join(", ")),
        })?;
    (entry.create)()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_creates_an_agent_of_its_name() {
        for n in names() {
            assert_eq!(create(n).unwrap().name(), n);
        }
        let err = create("base:/nonexistent/weights").err().unwrap();
        assert!(
            err.to_string().contains("/nonexistent/weights/config.json"),
            "{err}"
        );
        let err = create("nope").err().unwrap();
        assert!(err.to_string().contains("replay, expert"));
    }
}
