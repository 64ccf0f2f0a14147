//! One table of built-in agents by name; the CLI, the rollout runner and tests list and create
//! agents through it.
//!
//! Constructors can fail (`base` loads its weights from disk). Besides the table's names,
//! `base:PATH` loads a base policy from the folder `PATH` (config.json + model.safetensors),
//! and wrappers compose: `mpa-q:SPEC` wraps the agent `SPEC` (any spec, wrappers included)
//! with the shipped Q model (`agents/mpa-q` or `$MPA_SIM_Q_DIR`), `mpa-q@DIR:SPEC` with the Q
//! model in `DIR` (a folder path without `:`).

use super::base::{BaseAgent, shipped_dir};
use super::base::{BaseConfig, CONFIG_FILE};
use super::expert::ExpertAgent;
use super::replay::ReplayAgent;
use super::{Agent, AgentError, ViewRequest};

/// A built-in agent: name, one-line description, constructor, and the cameras it reads
/// (known without building it: no weights are loaded).
pub struct AgentEntry {
    pub name: &'static str,
    pub description: &'static str,
    pub create: fn() -> Result<Box<dyn Agent>, AgentError>,
    pub view_request: fn() -> Result<Option<ViewRequest>, AgentError>,
}

pub const BUILTIN_AGENTS: &[AgentEntry] = &[
    AgentEntry {
        name: "replay",
        description: "drives the logged ego trajectory (privileged)",
        create: || Ok(Box::new(ReplayAgent)),
        view_request: || Ok(None),
    },
    AgentEntry {
        name: "expert",
        description: "follows the route with IDM speed control on ground-truth actors (privileged)",
        create: || Ok(Box::new(ExpertAgent::default())),
        view_request: || Ok(None),
    },
    AgentEntry {
        name: "base",
        description: "learned camera policy (front cameras, ego state, command, target points; agents/base or $MPA_SIM_BASE_DIR)",
        create: || Ok(Box::new(BaseAgent::load(&shipped_dir(), "base")?)),
        view_request: || base_view_request(&shipped_dir(), "base"),
    },
];

/// The view request of the base policy in `dir`, from its `config.json` alone.
fn base_view_request(
    dir: &std::path::Path,
    agent: &str,
) -> Result<Option<ViewRequest>, AgentError> {
    let config = BaseConfig::load(&dir.join(CONFIG_FILE)).map_err(|e| AgentError::Failed {
        agent: agent.to_string(),
        message: e.to_string(),
    })?;
    Ok(Some(config.view_request()))
}

pub fn names() -> Vec<&'static str> {
    BUILTIN_AGENTS.iter().map(|e| e.name).collect()
}

/// Prefix of the `base:PATH` agent name form.
pub const BASE_PATH_PREFIX: &str = "base:";
/// Name of the Q-selector wrapper (`mpa-q:SPEC`, `mpa-q@DIR:SPEC`).
pub const MPA_Q_PREFIX: &str = "mpa-q";

/// A parsed agent spec: a table entry, or the base policy from a folder. Wrappers (`mpa:SPEC`)
/// parse their inner spec with the same grammar when they land.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentSpec {
    /// A name of `BUILTIN_AGENTS`.
    Builtin(&'static AgentEntry),
    /// `base:DIR`: a base policy trained into `DIR` (config.json + model.safetensors).
    BaseDir {
        spec: String,
        dir: std::path::PathBuf,
    },
    /// `mpa-q[@DIR]:SPEC`: the Q selector over the agent `SPEC`, Q model from `q_dir`.
    MpaQ {
        spec: String,
        q_dir: std::path::PathBuf,
        inner: Box<AgentSpec>,
    },
}

impl PartialEq for AgentEntry {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for AgentEntry {}
impl std::fmt::Debug for AgentEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl AgentSpec {
    /// Parse `name` (no file is read).
    pub fn parse(name: &str) -> Result<AgentSpec, AgentError> {
        if let Some(rest) = name.strip_prefix(MPA_Q_PREFIX)
            && (rest.starts_with(':') || rest.starts_with('@'))
        {
            let bad = |message: String| AgentError::Failed {
                agent: name.to_string(),
                message,
            };
            let (q_dir, inner) = match rest.strip_prefix('@') {
                Some(r) => {
                    let (dir, inner) = r.split_once(':').ok_or_else(|| {
                        bad("expected mpa-q@DIR:SPEC (a Q-model folder, a colon, then the wrapped agent)".into())
                    })?;
                    if dir.is_empty() {
                        return Err(bad(
                            "`mpa-q@` needs a Q-model folder before the colon".into()
                        ));
                    }
                    (std::path::PathBuf::from(dir), inner)
                }
                None => (super::mpa::shipped_q_dir(), &rest[1..]),
            };
            if inner.is_empty() {
                return Err(bad(
                    "`mpa-q:` needs the wrapped agent after the colon (e.g. mpa-q:base)".into(),
                ));
            }
            return Ok(AgentSpec::MpaQ {
                spec: name.to_string(),
                q_dir,
                inner: Box::new(AgentSpec::parse(inner)?),
            });
        }
        if let Some(dir) = name.strip_prefix(BASE_PATH_PREFIX) {
            if dir.is_empty() {
                return Err(AgentError::Failed {
                    agent: name.to_string(),
                    message: "`base:` needs a folder after the colon (base:DIR)".into(),
                });
            }
            return Ok(AgentSpec::BaseDir {
                spec: name.to_string(),
                dir: std::path::PathBuf::from(dir),
            });
        }
        BUILTIN_AGENTS
            .iter()
            .find(|e| e.name == name)
            .map(AgentSpec::Builtin)
            .ok_or_else(|| AgentError::UnknownAgent {
                name: name.to_string(),
                known: format!(
                    "{}, {BASE_PATH_PREFIX}DIR, {MPA_Q_PREFIX}:SPEC, {MPA_Q_PREFIX}@DIR:SPEC",
                    names().join(", ")
                ),
            })
    }

    /// The cameras the agent will ask for, read without loading any weights (the base
    /// policy's `config.json` only), so a front end can set up rendering first.
    pub fn view_request(&self) -> Result<Option<ViewRequest>, AgentError> {
        match self {
            AgentSpec::Builtin(e) => (e.view_request)(),
            AgentSpec::BaseDir { spec, dir } => base_view_request(dir, spec),
            AgentSpec::MpaQ {
                spec, q_dir, inner, ..
            } => {
                let six =
                    base_view_request(&q_dir.join(super::mpa::q::ENCODER_DIR), spec)?.map(|r| {
                        ViewRequest {
                            channels: crate::scene::CAMERA_CHANNELS
                                .iter()
                                .map(|c| c.to_string())
                                .collect(),
                            ..r
                        }
                    });
                match (six, inner.view_request()?) {
                    (Some(a), Some(b)) => a.union(&b).map(Some).map_err(|e| AgentError::Failed {
                        agent: spec.clone(),
                        message: format!("the wrapped agent's cameras: {e}"),
                    }),
                    (a, b) => Ok(a.or(b)),
                }
            }
        }
    }

    /// The spec as written.
    pub fn name(&self) -> &str {
        match self {
            AgentSpec::Builtin(e) => e.name,
            AgentSpec::BaseDir { spec, .. } => spec,
            AgentSpec::MpaQ { spec, .. } => spec,
        }
    }

    /// Build the agent (loads weights where it has them).
    pub fn create(&self) -> Result<Box<dyn Agent>, AgentError> {
        match self {
            AgentSpec::Builtin(e) => (e.create)(),
            AgentSpec::BaseDir { spec, dir } => Ok(Box::new(BaseAgent::load(dir, spec)?)),
            AgentSpec::MpaQ { spec, q_dir, inner } => {
                let fail = |message: String| AgentError::Failed {
                    agent: spec.clone(),
                    message,
                };
                let q = super::mpa::q::QModel::load(q_dir).map_err(|e| fail(e.to_string()))?;
                let encoder = super::mpa::features::FrozenEncoder::load(
                    &q_dir.join(super::mpa::q::ENCODER_DIR),
                )
                .map_err(fail)?;
                Ok(Box::new(super::mpa::MpaQAgent::new(
                    spec,
                    inner.create()?,
                    q,
                    encoder,
                )?))
            }
        }
    }
}

pub fn create(name: &str) -> Result<Box<dyn Agent>, AgentError> {
    AgentSpec::parse(name)?.create()
}

/// The view request of the agent `name` without building it (`AgentSpec::view_request`).
pub fn view_request(name: &str) -> Result<Option<ViewRequest>, AgentError> {
    AgentSpec::parse(name)?.view_request()
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

    #[test]
    fn view_requests_come_from_the_config_alone_and_match_the_built_agents() {
        for n in names() {
            assert_eq!(
                view_request(n).unwrap(),
                create(n).unwrap().view_request(),
                "{n}"
            );
        }
        // A folder with a config but no weights: the request is known, building fails.
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(
            shipped_dir().join(CONFIG_FILE),
            dir.path().join(CONFIG_FILE),
        )
        .unwrap();
        let spec = format!("base:{}", dir.path().display());
        assert_eq!(view_request(&spec).unwrap(), view_request("base").unwrap());
        assert!(create(&spec).is_err());
        assert!(AgentSpec::parse("base:").is_err());
        assert_eq!(AgentSpec::parse(&spec).unwrap().name(), spec);
    }
}
