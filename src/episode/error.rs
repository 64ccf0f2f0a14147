//! Errors of running an episode: loading its scene or scenario, the agent, the World, views.

#[derive(Debug, thiserror::Error)]
pub enum EpisodeError {
    #[error("scene {scene}: {message}")]
    Scene { scene: String, message: String },
    #[error("scenario {file}: {message}")]
    Scenario { file: String, message: String },
    #[error("agent {agent}: {message}")]
    Agent { agent: String, message: String },
    #[error("world: {0}")]
    World(String),
    #[error("rendering views: {0}")]
    Render(String),
    #[error("{0}")]
    Failed(String),
}
