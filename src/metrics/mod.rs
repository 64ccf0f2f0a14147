//! Driving scores as closed-loop papers report them (see /work/shared/METRICS.md): HUGSIM's
//! HD-Score ([`hd_score`]), NAVSIM's PDMS v1 ([`pdms`]), the NeuroNCAP score ([`neuroncap`]),
//! the comfort bounds they share ([`comfort`]) and episode-level figures. The statistics that
//! result tables print (mean, Student-t intervals) are `rollout::stats`, the one Student t of
//! the crate.
//!
//! Everything here is a pure function of plain inputs (poses, oriented boxes, polygons): the
//! rollout loop gathers those from the World and feeds them in, so this module knows nothing
//! about the World, the renderer or the agents.
//!
//! Our geometry is exact (oriented boxes against map polygons, `crate::geometry`), where
//! HUGSIM tests against Gaussian point clouds (ground points for the drivable area, scene
//! points for static obstacles). Numbers compared with published ones must say so.
//!
//! Poses are rear-axle poses ([`Pose2`]); the ego box centre sits
//! [`EgoShape::rear_axle_to_center_m`] ahead of the pose along its heading.

pub mod comfort;
pub mod episode;
pub mod hd_score;
pub mod neuroncap;
pub mod pdms;

pub use comfort::{ComfortBounds, ComfortCheck, Kinematics};
pub use episode::EpisodeFigures;
pub use hd_score::{
    DacGrid, HdScore, HdScoreAccumulator, StepInput, StepScores, hd_step_scores, route_completion,
};
pub use neuroncap::neuroncap_score;
pub use pdms::{EgoSample, PdmsInput, PdmsObject, PdmsScore, pdms};

use crate::config::VehicleConfig;
use crate::geometry::{Obb, Pose2};
use serde::{Deserialize, Serialize};

/// Errors of the metric functions that validate their input (PDMS, statistics).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricsError {
    /// A NaN or infinite number where a finite one is needed.
    #[error("non-finite value in {field} at index {index}: expected a finite number")]
    NonFinite { field: &'static str, index: usize },
    /// A time step that is not a positive finite number of seconds.
    #[error("invalid time step {dt_secs} s in {field}: expected a positive finite number")]
    InvalidDt { field: &'static str, dt_secs: f64 },
    /// Per-time inputs that do not line up with the trajectories.
    #[error("{field} has {got} entries, expected at least {expected}")]
    LengthMismatch {
        field: &'static str,
        got: usize,
        expected: usize,
    },
}

/// Footprint of the ego vehicle.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EgoShape {
    /// Along the heading, metres.
    pub length_m: f64,
    /// Across the heading, metres.
    pub width_m: f64,
    /// Distance from the rear axle (the pose origin) forward to the box centre, metres.
    pub rear_axle_to_center_m: f64,
}

impl EgoShape {
    pub fn from_vehicle(v: &VehicleConfig) -> EgoShape {
        EgoShape {
            length_m: v.length_m,
            width_m: v.width_m,
            rear_axle_to_center_m: v.rear_axle_to_center_m,
        }
    }

    /// The ego box when the rear axle is at `pose`.
    pub fn box_at(&self, pose: &Pose2) -> Obb {
        let center = pose.transform_point(glam::DVec2::new(self.rear_axle_to_center_m, 0.0));
        Obb::new(center, pose.yaw, self.length_m, self.width_m)
    }

    pub(crate) fn is_finite(&self) -> bool {
        self.length_m.is_finite()
            && self.width_m.is_finite()
            && self.rear_axle_to_center_m.is_finite()
    }
}

pub(crate) fn pose_is_finite(p: &Pose2) -> bool {
    p.xy.is_finite() && p.yaw.is_finite()
}

pub(crate) fn obb_is_finite(b: &Obb) -> bool {
    b.center.is_finite() && b.half_extents.is_finite() && b.yaw.is_finite()
}

/// Whether `p` lies in (or on the boundary of) any of `polygons`.
pub(crate) fn in_any_polygon(p: glam::DVec2, polygons: &[crate::scene::Polygon]) -> bool {
    polygons
        .iter()
        .any(|poly| crate::geometry::point_in_polygon(p, poly))
}
