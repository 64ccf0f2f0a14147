//! Per-principle step rewards (MPA, `shared/MPA.md` section 1): what the counterfactual data
//! records for every step and what the Q model's per-principle returns sum.
//!
//! One step's rewards are measured on the state after the step, with the same geometry as the
//! World's termination checks (`step::check`): the ego footprint (oriented box), its centre's
//! distance to the route polyline searched near the progress (whole route beyond the limit), the
//! drivable-area polygons for every footprint corner, and the separating-axis box overlap with
//! present actors. Every term is a reward (higher is better); penalties are zero or negative:
//!
//! | term | value |
//! |---|---|
//! | `progress_m` | route progress gained this step (metres, >= 0; progress never goes back) |
//! | `route_distance_m` | minus the footprint centre's distance to the route (metres, <= 0) |
//! | `collision` | -1 when the footprint overlaps an actor after the step, else 0 |
//! | `off_road` | -1 when a footprint corner is off every drivable polygon, else 0 |
//! | `speeding_mps` | minus the speed above 36 km/h (10 m/s; metres per second, <= 0) |
//! | `far_from_route` | -1 when the distance to the route exceeds `FAR_FROM_ROUTE_M`, else 0 |
//!
//! The thresholds are strict: exactly 10 m/s is not speeding and exactly `FAR_FROM_ROUTE_M` is
//! not far. The paper gives no number for "far"; 4 m is a lane width past the half lane the
//! ego may use, and well inside the 10 m at which the World ends the episode (so the penalty
//! warns before the termination does).

use serde::{Deserialize, Serialize};

use super::World;
use super::checks::first_collision;
use super::step::route_distance_m;

/// Speed above which `speeding_mps` penalises: 36 km/h.
pub const SPEED_LIMIT_MPS: f64 = 10.0;
/// Distance to the route above which `far_from_route` penalises.
pub const FAR_FROM_ROUTE_M: f64 = 4.0;

/// The rewards of one step, one per principle (see the module table).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct PrincipleRewards {
    pub progress_m: f64,
    pub route_distance_m: f64,
    pub collision: f64,
    pub off_road: f64,
    pub speeding_mps: f64,
    pub far_from_route: f64,
}

/// What the rewards are computed from: the measurements after a step and the progress before.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RewardInputs {
    pub progress_before_m: f64,
    pub progress_after_m: f64,
    pub route_distance_m: f64,
    pub collided: bool,
    pub off_road: bool,
    pub speed_mps: f64,
}

impl PrincipleRewards {
    /// The rewards of measured inputs (the table in the module docs).
    pub fn from_inputs(i: &RewardInputs) -> PrincipleRewards {
        let penalty = |hit: bool| if hit { -1.0 } else { 0.0 };
        PrincipleRewards {
            progress_m: (i.progress_after_m - i.progress_before_m).max(0.0),
            route_distance_m: -i.route_distance_m,
            collision: penalty(i.collided),
            off_road: penalty(i.off_road),
            speeding_mps: -(i.speed_mps - SPEED_LIMIT_MPS).max(0.0),
            far_from_route: penalty(i.route_distance_m > FAR_FROM_ROUTE_M),
        }
    }

    /// The terms as (name, value) pairs in a fixed order, for tables and recordings.
    pub fn named(&self) -> [(&'static str, f64); 6] {
        [
            ("progress_m", self.progress_m),
            ("route_distance_m", self.route_distance_m),
            ("collision", self.collision),
            ("off_road", self.off_road),
            ("speeding_mps", self.speeding_mps),
            ("far_from_route", self.far_from_route),
        ]
    }

    /// Term-by-term sum (cumulative rewards over a rollout).
    pub fn add(&self, other: &PrincipleRewards) -> PrincipleRewards {
        PrincipleRewards {
            progress_m: self.progress_m + other.progress_m,
            route_distance_m: self.route_distance_m + other.route_distance_m,
            collision: self.collision + other.collision,
            off_road: self.off_road + other.off_road,
            speeding_mps: self.speeding_mps + other.speeding_mps,
            far_from_route: self.far_from_route + other.far_from_route,
        }
    }
}

impl World {
    /// The measurements of the current state that the rewards need, given the route progress
    /// before the step (`route_progress_m()` read then).
    pub fn reward_inputs(&self, progress_before_m: f64) -> RewardInputs {
        let sh = &self.shared;
        let st = &self.state;
        let footprint = st.ego.footprint();
        RewardInputs {
            progress_before_m,
            progress_after_m: st.route_progress_m,
            route_distance_m: route_distance_m(sh, st, footprint.center),
            collided: first_collision(&footprint, &st.actors).is_some(),
            off_road: !sh.drivable.footprint_on_road(&sh.scene.map, &footprint),
            speed_mps: st.ego.speed_mps,
        }
    }

    /// The per-principle rewards of the step that brought the World here from route progress
    /// `progress_before_m`.
    pub fn step_rewards(&self, progress_before_m: f64) -> PrincipleRewards {
        PrincipleRewards::from_inputs(&self.reward_inputs(progress_before_m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> RewardInputs {
        RewardInputs {
            progress_before_m: 12.0,
            progress_after_m: 14.5,
            route_distance_m: 0.75,
            collided: false,
            off_road: false,
            speed_mps: 8.0,
        }
    }

    #[test]
    fn nominal_step_gains_progress_and_pays_only_its_distance() {
        let r = PrincipleRewards::from_inputs(&inputs());
        assert_eq!(
            r,
            PrincipleRewards {
                progress_m: 2.5,
                route_distance_m: -0.75,
                ..PrincipleRewards::default()
            }
        );
    }

    #[test]
    fn speeding_starts_strictly_above_36_kmh() {
        let at = |v: f64| {
            PrincipleRewards::from_inputs(&RewardInputs {
                speed_mps: v,
                ..inputs()
            })
        };
        // 36 km/h = 10 m/s exactly: not speeding.
        assert_eq!(at(36.0 / 3.6).speeding_mps, 0.0);
        assert_eq!(at(9.999).speeding_mps, 0.0);
        // 45 km/h = 12.5 m/s: 2.5 m/s over.
        assert_eq!(at(12.5).speeding_mps, -2.5);
        assert!(at(10.0 + 1e-9).speeding_mps < 0.0);
    }

    #[test]
    fn far_from_route_starts_strictly_beyond_four_metres() {
        let at = |d: f64| {
            PrincipleRewards::from_inputs(&RewardInputs {
                route_distance_m: d,
                ..inputs()
            })
        };
        assert_eq!(at(4.0).far_from_route, 0.0);
        assert_eq!(at(4.0).route_distance_m, -4.0);
        assert_eq!(at(4.0 + 1e-9).far_from_route, -1.0);
        assert_eq!(at(0.0).route_distance_m, 0.0);
    }

    #[test]
    fn collision_and_off_road_are_unit_penalties_and_progress_never_negative() {
        let r = PrincipleRewards::from_inputs(&RewardInputs {
            collided: true,
            off_road: true,
            progress_after_m: 12.0,
            ..inputs()
        });
        assert_eq!((r.collision, r.off_road, r.progress_m), (-1.0, -1.0, 0.0));
        let back = PrincipleRewards::from_inputs(&RewardInputs {
            progress_after_m: 11.0,
            ..inputs()
        });
        assert_eq!(back.progress_m, 0.0);
    }

    #[test]
    fn sums_term_by_term() {
        let r = PrincipleRewards::from_inputs(&inputs());
        let two = r.add(&r);
        assert_eq!(two.progress_m, 5.0);
        assert_eq!(two.route_distance_m, -1.5);
        assert_eq!(r.named()[0], ("progress_m", 2.5));
    }
}
