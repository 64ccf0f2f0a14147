//! Errors of scenario files. Every error names where the scenario came from (`origin`: the
//! file path, or `scenario "<name>"` for specs built in code), the field path inside it
//! (`actors[2].behaviour.speed_mps`), what was found and what is allowed.
//!
//! Parsing stops at the first TOML or schema error (`Syntax`, `Schema`); semantic validation
//! (`scenario::check`) collects every problem it finds into one `Invalid` error.

use crate::scene::{ActorClass, SceneError};
use std::fmt;
use std::path::PathBuf;

/// Scenario behaviour kinds, as written in `behaviour.kind`.
pub const BEHAVIOUR_KINDS: [&str; 7] = [
    "replay",
    "idm",
    "cut_in",
    "hard_brake",
    "stop",
    "cross",
    "oncoming",
];

/// Scenario families, as written in `family`.
pub const FAMILIES: [&str; 4] = ["nominal", "stationary", "frontal", "side"];

/// The allowed class names, comma separated (for messages).
pub fn allowed_classes() -> String {
    ActorClass::ALL.map(|c| c.as_str()).join(", ")
}

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The text is not valid TOML.
    #[error("{origin}:{line}:{column}: TOML syntax error: {message}")]
    Syntax {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// Valid TOML that does not fit the scenario schema: an unknown key, an unknown `kind`,
    /// `family` or start form, or a value of the wrong type. `message` lists the allowed values.
    #[error("{origin}:{line}:{column}: field `{field}`: {message}")]
    Schema {
        origin: String,
        /// Dotted field path, e.g. `actors[1].behaviour.kind`; empty for the top level.
        field: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// The spec parsed but some values are wrong; every problem found is listed.
    #[error("{origin}: {} problem(s):\n{}", problems.len(), ProblemList(problems))]
    Invalid {
        origin: String,
        problems: Vec<Problem>,
    },
    /// The text is larger than any valid scenario (checked before it is read or parsed).
    #[error(
        "{origin}: the scenario file is {bytes} bytes: expected at most {max_bytes} bytes (at most {max_actors} actors and {max_points} points per polyline)"
    )]
    TooLarge {
        origin: String,
        bytes: u64,
        max_bytes: u64,
        max_actors: usize,
        max_points: usize,
    },
    /// The base scene is not in the dataset.
    #[error(
        "{origin}: field `scene`: no scene named {scene:?} in {dataroot} (nearest: {})",
        nearby.join(", ")
    )]
    UnknownScene {
        origin: String,
        scene: String,
        dataroot: PathBuf,
        nearby: Vec<String>,
    },
    /// The base scene exists but failed to load.
    #[error("{origin}: loading scene {scene:?}: {source}")]
    Scene {
        origin: String,
        scene: String,
        /// Boxed: `SceneError` is large and this variant is rare.
        #[source]
        source: Box<SceneError>,
    },
}

impl ScenarioError {
    /// Re-label the origin (e.g. with the file path once it is known).
    pub fn with_origin(mut self, new_origin: &str) -> ScenarioError {
        match &mut self {
            ScenarioError::Io { .. } => {}
            ScenarioError::Syntax { origin, .. }
            | ScenarioError::Schema { origin, .. }
            | ScenarioError::Invalid { origin, .. }
            | ScenarioError::TooLarge { origin, .. }
            | ScenarioError::UnknownScene { origin, .. }
            | ScenarioError::Scene { origin, .. } => *origin = new_origin.to_string(),
        }
        self
    }

    /// The semantic problems (empty for other kinds of error).
    pub fn problems(&self) -> &[Problem] {
        match self {
            ScenarioError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

/// A number in messages: in exponent form when huge (`1e300`, not 301 digits).
struct Num(f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_finite() && self.0.abs() >= 1e12 {
            write!(f, "{:e}", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  - {p}")?;
        }
        Ok(())
    }
}

/// One thing wrong with a scenario: the field path and what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Dotted field path, e.g. `actors[2].behaviour.speed_mps`.
    pub field: String,
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field `{}`: {}", self.field, self.kind)
    }
}

/// What is wrong with a field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProblemKind {
    #[error("{value} is not a finite number")]
    NotFinite { value: f64 },
    /// The value (possibly after adding the low end of its jitter) is outside the allowed range.
    #[error("{} is out of range: expected {expected}", Num(*value))]
    OutOfRange { value: f64, expected: String },
    #[error("jitter range [{lo}, {hi}] is reversed: expected lo <= hi")]
    ReversedRange { lo: f64, hi: f64 },
    #[error("unknown class {class:?}: expected one of {}", allowed_classes())]
    UnknownClass { class: String },
    #[error("duplicate actor id {id:?} (first used by actors[{first_index}]): ids must be unique")]
    DuplicateId { id: String, first_index: usize },
    #[error("actor id {id:?} is not allowed: expected a non-empty id other than \"ego\"")]
    BadId { id: String },
    #[error(
        "start {} s (with jitter up to {} s) is beyond the log: expected 0 <= start < {log_secs:.2} s, leaving a whole {step_secs} s step before the log ends",
        Num(*start_secs), Num(*start_hi_secs)
    )]
    StartBeyondLog {
        start_secs: f64,
        start_hi_secs: f64,
        log_secs: f64,
        /// The decision step that must fit between the latest start and the log's end.
        step_secs: f64,
    },
    /// A position outside the map's extent plus a margin.
    #[error(
        "({}, {}) is off the map: expected inside the map extent [{:.0}, {:.0}] x [{:.0}, {:.0}] m plus a {margin_m} m margin",
        Num(*x), Num(*y), extent_min[0], extent_max[0], extent_min[1], extent_max[1]
    )]
    OffMap {
        x: f64,
        y: f64,
        extent_min: [f64; 2],
        extent_max: [f64; 2],
        margin_m: f64,
    },
    /// More items than any scenario needs (caps memory and time before anything is built).
    #[error("{count} {what}: expected at most {max}")]
    TooMany {
        what: String,
        count: usize,
        max: usize,
    },
    #[error(
        "arc length {from_m:.2}..{to_m:.2} m (value with jitter) leaves the reference route: expected {min_m:.2}..{max_m:.2} m from the ego start"
    )]
    BeyondRoute {
        from_m: f64,
        to_m: f64,
        min_m: f64,
        max_m: f64,
    },
    #[error(
        "arc length {from_m:.2}..{to_m:.2} m (value with jitter) leaves lane {lane}: expected 0..{length_m:.2} m"
    )]
    BeyondLane {
        lane: String,
        from_m: f64,
        to_m: f64,
        length_m: f64,
    },
    #[error(
        "instance token {token:?} is not an actor of scene {scene} (it has {count} actors; e.g. {examples})"
    )]
    UnknownActorToken {
        token: String,
        scene: String,
        count: usize,
        examples: String,
    },
    #[error("lane token {token:?} is not in the {location} map (nearest: {nearby})")]
    UnknownLane {
        token: String,
        location: String,
        nearby: String,
    },
    #[error("jitter key `{key}` has no effect here: allowed keys are {allowed}")]
    JitterNotApplicable { key: String, allowed: String },
    #[error(
        "polyline has {points} distinct point(s) spanning {length_m:.2} m: expected at least 2 points and a positive length"
    )]
    DegeneratePolyline { points: usize, length_m: f64 },
    #[error("is empty: expected {expected}")]
    Empty { expected: String },
    #[error("the scene's logged ego track is empty: expected at least one ego pose")]
    NoEgoTrack,
}

impl Problem {
    pub fn new(field: impl Into<String>, kind: ProblemKind) -> Problem {
        Problem {
            field: field.into(),
            kind,
        }
    }
}
