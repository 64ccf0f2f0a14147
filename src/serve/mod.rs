//! `mpa-sim serve`: our simulator behind the HUGSIM remote-agent protocol
//! (`/work/shared/HUGSIM.md`), so agents written for HUGSIM drive it unchanged through the
//! published `hugsim-client` (0.0.8).
//!
//! ```text
//! hugsim_client --HTTP--> server (a thread per connection) -> conn (HTTP/1.1, deadlines)
//!   -> http (endpoints: auth, limits, JSON) --> Mutex<Session>
//!   Session: jobs (split scenes | scenario files, agent `remote`) in sequence
//!     /execute_action: plan (lidar frame) --frames::lidar_plan_to_ego--> Plan (ego frame)
//!       -> PlanSlot -> RemoteAgent::plan inside EpisodeLoop::next_event (one decision step)
//!       -> episode end: EpisodeRecorder -> episodes/<key>.json + results.jsonl (as rollout)
//!     state: World + ViewSource::render -> state::state_value -> pickle (written, never read)
//! ```
//!
//! Modules: `server` (listener, threads, shutdown), `conn` (one HTTP/1.1 connection: parsing,
//! timeouts), `http` (endpoints, status codes), `session` (episode sequence, saving),
//! `tx_cache` (replies by transaction id), `agent` (`RemoteAgent`), `frames` (frame
//! conventions, plan conversion, camera parameters), `state` (obs and info), `views`
//! (`ViewSource`, `BlankViews`), `pickle` (the writer).

pub mod agent;
pub mod conn;
pub mod frames;
pub mod http;
pub mod pickle;
pub mod server;
pub mod session;
pub mod state;
pub mod tx_cache;
pub mod views;

pub use agent::{PlanSlot, REMOTE_AGENT_NAME, RemoteAgent};
pub use conn::Limits;
pub use server::{ServeError, ServeHandle, ServerOptions, spawn};
pub use session::{Session, SessionConfig, SessionError};
pub use views::{
    BlankViews, CameraImage, CameraImages, ImageSize, ViewOptions, ViewSource, view_source,
};
