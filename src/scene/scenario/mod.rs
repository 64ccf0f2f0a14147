//! Scenario files: a base scene plus edits (remove/insert actors, behaviours, triggers, ego
//! start and route, duration, seeded jitter). See `spec` for the file format.

pub mod resolved;
pub mod spec;

pub use resolved::*;
pub use spec::*;
