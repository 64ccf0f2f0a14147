//! Termination checks, run after every physics substep in this order: collision, off-road,
//! off-route, route completion, timeout. The first that fires ends the episode.
//!
//! - Collision: the ego footprint (oriented box) overlaps a present actor's box (separating
//!   axis test, touching counts); the first actor in actor order is reported.
//! - Off-road: some corner of the ego footprint lies outside every drivable-area polygon
//!   (polygons with holes; each corner may sit in a different polygon).
//! - Off-route: the ego box centre is more than `max_route_deviation_m` from the route polyline.
//! - Route completed: progress >= `route_complete_fraction` x length - `route_complete_margin_m`.
//! - Timeout: time >= `timeout_factor` x the scenario's reference duration.

use super::actors::ActorState;
use crate::geometry::{Obb, obb_overlap, point_in_polygon, ring_bounds};
use crate::scene::MapData;
use glam::DVec2;
use serde::{Deserialize, Serialize};

/// Why an episode ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TerminalReason {
    RouteCompleted,
    Collision { actor_id: String },
    OffRoad,
    OffRoute { distance_m: f64 },
    Timeout,
}

impl TerminalReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            TerminalReason::RouteCompleted => "route_completed",
            TerminalReason::Collision { .. } => "collision",
            TerminalReason::OffRoad => "off_road",
            TerminalReason::OffRoute { .. } => "off_route",
            TerminalReason::Timeout => "timeout",
        }
    }
}

/// Drivable-area polygons with their bounds, for a quick reject.
#[derive(Debug, Clone)]
pub struct DrivableIndex {
    bounds: Vec<(DVec2, DVec2)>,
}

impl DrivableIndex {
    pub fn new(map: &MapData) -> DrivableIndex {
        DrivableIndex {
            bounds: map
                .drivable_areas
                .iter()
                .map(|p| ring_bounds(&p.exterior))
                .collect(),
        }
    }

    /// Whether `p` lies in some drivable polygon of `map` (the map this index was built from).
    pub fn contains(&self, map: &MapData, p: DVec2) -> bool {
        self.bounds
            .iter()
            .zip(&map.drivable_areas)
            .any(|((lo, hi), poly)| {
                p.x >= lo.x
                    && p.y >= lo.y
                    && p.x <= hi.x
                    && p.y <= hi.y
                    && point_in_polygon(p, poly)
            })
    }

    /// All four corners of `footprint` on the drivable area.
    pub fn footprint_on_road(&self, map: &MapData, footprint: &Obb) -> bool {
        footprint.corners().iter().all(|c| self.contains(map, *c))
    }
}

/// The first present actor whose box overlaps the ego footprint.
pub fn first_collision<'a>(footprint: &Obb, actors: &'a [ActorState]) -> Option<&'a ActorState> {
    actors.iter().find(|a| obb_overlap(footprint, &a.obb()))
}
