//! Authoring checks on a resolved scenario that the spec alone cannot express: an inserted
//! actor must not start on top of the ego or of logged traffic, and logged traffic must not
//! drive through an inserted actor that stands still (replayed actors do not react, so a
//! logged car would pass through a stalled one). Used by `scenes validate --all`; the fix is
//! to move the actor or list the logged token in `remove_actors`.

use super::resolved::{Behaviour, ResolvedScenario};
use crate::config::VehicleConfig;
use crate::geometry::{Obb, obb_overlap};
use crate::scene::Pose;
use glam::{DVec2, DVec3};

/// Sampling step of logged tracks when looking for pass-throughs.
const SAMPLE_US: i64 = 100_000;

/// One message per conflict (with the actor's index and id and the logged token); empty when
/// the placement is clean.
pub fn placement_conflicts(r: &ResolvedScenario, vehicle: &VehicleConfig) -> Vec<String> {
    let yaw = r.ego_start.yaw();
    let ego = Obb::new(
        r.ego_start.xy() + DVec2::from_angle(yaw) * vehicle.rear_axle_to_center_m,
        yaw,
        vehicle.length_m,
        vehicle.width_m,
    );
    let obb = |p: &Pose, size: DVec3| Obb::new(p.xy(), p.yaw(), size.y, size.x);
    let end_us = r.start_us + (r.duration_secs * 1e6).round() as i64;
    let mut out = Vec::new();
    for (i, a) in r.inserted_actors.iter().enumerate() {
        let boxed = obb(&a.start_pose, a.size_wlh_m);
        if obb_overlap(&boxed, &ego) {
            out.push(format!(
                "actors[{i}] ({}) overlaps the ego at the start",
                a.id
            ));
        }
        for l in &r.logged_actors {
            let at_start = l
                .pose_at(r.start_us)
                .is_some_and(|p| obb_overlap(&boxed, &obb(&p, l.size_wlh_m)));
            if at_start {
                out.push(format!(
                    "actors[{i}] ({}) overlaps logged actor {} ({}) at the start: move it or list the token in remove_actors",
                    a.id, l.instance_token, l.category
                ));
                continue;
            }
            if a.behaviour != Behaviour::Stop {
                continue;
            }
            let hit_us = (r.start_us..=end_us)
                .step_by(SAMPLE_US as usize)
                .find(|&t| {
                    l.pose_at(t)
                        .is_some_and(|p| obb_overlap(&boxed, &obb(&p, l.size_wlh_m)))
                });
            if let Some(t) = hit_us {
                out.push(format!(
                    "logged actor {} ({}) drives through standing actors[{i}] ({}) {:.1} s into the episode: list the token in remove_actors or move the actor",
                    l.instance_token,
                    l.category,
                    a.id,
                    (t - r.start_us) as f64 * 1e-6
                ));
            }
        }
    }
    out
}
