//! Errors of building and stepping a World.

use super::TerminalReason;
use super::route::PolylineError;
use glam::DVec2;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorldError {
    #[error("plan has {got} waypoints, expected {expected} (TimeBase::plan_len)")]
    PlanLength { expected: usize, got: usize },
    #[error("plan waypoint {index} is not finite: {point:?}")]
    PlanNonFinite { index: usize, point: DVec2 },
    #[error("plan waypoint {index} is {distance_m:.1} m from the ego, beyond {limit_m} m")]
    PlanOutOfRange {
        index: usize,
        distance_m: f64,
        limit_m: f64,
    },
    #[error("the episode has ended ({0:?}); no further steps")]
    Terminated(TerminalReason),
    #[error("scenario `{scenario}`: route: {source}")]
    Route {
        scenario: String,
        source: PolylineError,
    },
    #[error(
        "scenario `{scenario}`: inserted actor `{actor}` (IDM) starts at ({x:.1}, {y:.1}), \
         not on any lane within {max_dist_m} m and {max_yaw_deg} deg of its heading"
    )]
    NoLaneForActor {
        scenario: String,
        actor: String,
        x: f64,
        y: f64,
        max_dist_m: f64,
        max_yaw_deg: f64,
    },
    #[error("scenario `{scenario}`: field `{field}`: {message}")]
    Scenario {
        scenario: String,
        field: &'static str,
        message: String,
    },
    #[error(
        "scenario `{scenario}`: its ego start is not on the logged ego track, so there is no log \
         to follow (teacher forcing needs the logged start)"
    )]
    NoEgoLog { scenario: String },
    #[error("scenario `{scenario}`: the ego log ends before {t_secs:.2} s")]
    LogEnded { scenario: String, t_secs: f64 },
    #[error("sim config: field `{field}`: {message}")]
    Config {
        field: &'static str,
        message: String,
    },
}
