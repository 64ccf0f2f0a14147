//! `mpa-sim serve`: our simulator behind the HUGSIM remote-agent protocol
//! (`/work/shared/HUGSIM.md`), so agents written for HUGSIM drive it unchanged through the
//! published `hugsim-client` (0.0.8).
//!
//! ```text
//! hugsim_client --HTTP--> http (tiny_http: auth, limits, JSON) --> Session
//!   Session: jobs (split scenes | scenario files, agent `remote`) in sequence
//!     /execute_action: plan (lidar frame) --frames::lidar_plan_to_ego--> Plan (ego frame)
//!       -> PlanSlot -> RemoteAgent::plan inside EpisodeLoop::next_event (one decision step)
//!       -> episode end: EpisodeRecorder -> episodes/<key>.json + results.jsonl (as rollout)
//!     state: World + ViewSource::render -> state::state_value -> pickle (written, never read)
//! ```
//!
//! Modules: `http` (endpoints, status codes), `session` (episode sequence, transaction ids),
//! `agent` (`RemoteAgent`), `frames` (frame conventions, plan conversion, camera parameters),
//! `state` (obs and info), `views` (`ViewSource`, `BlankViews`), `pickle` (the writer).

pub mod agent;
pub mod frames;
pub mod http;
pub mod pickle;
pub mod session;
pub mod state;
pub mod views;

pub use agent::{PlanSlot, REMOTE_AGENT_NAME, RemoteAgent};
pub use http::{ServeError, ServeHandle, ServerOptions, spawn};
pub use session::{Session, SessionConfig, SessionError};
pub use views::{
    BlankViews, CameraImage, CameraImages, ImageSize, ViewOptions, ViewSource, view_source,
};
