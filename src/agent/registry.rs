//! One table of built-in agents by name; the CLI, the rollout runner and tests list and create
//! agents through it.

use super::expert::ExpertAgent;
use super::replay::ReplayAgent;
use super::{Agent, AgentError};

/// A built-in agent: name, one-line description, constructor.
pub struct AgentEntry {
    pub name: &'static str,
    pub description: &'static str,
    pub create: fn() -> Box<dyn Agent>,
}

pub const BUILTIN_AGENTS: &[AgentEntry] = &[
    AgentEntry {
        name: "replay",
        description: "drives the logged ego trajectory (privileged)",
        create: || Box::new(ReplayAgent),
    },
    AgentEntry {
        name: "expert",
        description: "follows the route with IDM speed control on ground-truth actors (privileged)",
        create: || Box::new(ExpertAgent::default()),
    },
];

pub fn names() -> Vec<&'static str> {
    BUILTIN_AGENTS.iter().map(|e| e.name).collect()
}

pub fn create(name: &str) -> Result<Box<dyn Agent>, AgentError> {
    BUILTIN_AGENTS
        .iter()
        .find(|e| e.name == name)
        .map(|e| (e.create)())
        .ok_or_else(|| AgentError::UnknownAgent {
            name: name.to_string(),
            known: names().join(", "),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_creates_an_agent_of_its_name() {
        for n in names() {
            assert_eq!(create(n).unwrap().name(), n);
        }
        let err = create("nope").err().unwrap();
        assert!(err.to_string().contains("replay, expert"));
    }
}
