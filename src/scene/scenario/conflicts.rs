//! Conflicts between inserted actors and the rest of a resolved scenario, which the spec
//! alone cannot show. Replayed logged actors do not react, so a logged car would drive
//! through a stalled car or into a wrong-way one; an inserted actor may also start on top of
//! the ego or of logged traffic.
//!
//! An inserted actor's *claim* is the region it may occupy during the episode: its start box
//! if it stands still (`stop`) or has no straight-line path (`cut_in`, `hard_brake`, `idm`,
//! `replay`: the start box only); for `cross` and `oncoming`, the corridor swept along its
//! start heading at its speed over the whole episode (conservative: the trigger may start it
//! later). A logged actor conflicts if its box overlaps a claim at any 0.1 s sample of the
//! episode. `resolve` drops conflicting logged actors when `remove_conflicting_actors` is set;
//! `placement_conflicts` reports what remains (used by `scenes validate --all`).

use super::resolved::{Behaviour, InsertedActor, ResolvedScenario};
use crate::config::VehicleConfig;
use crate::geometry::{Obb, obb_overlap};
use crate::scene::{ActorTrack, Pose};
use glam::{DVec2, DVec3};

/// Sampling step of logged tracks.
const SAMPLE_US: i64 = 100_000;

fn obb(p: &Pose, size_wlh_m: DVec3) -> Obb {
    Obb::new(p.xy(), p.yaw(), size_wlh_m.y, size_wlh_m.x)
}

/// The region an inserted actor may occupy during an episode of `duration_secs`.
pub fn claim(a: &InsertedActor, duration_secs: f64) -> Obb {
    let start = obb(&a.start_pose, a.size_wlh_m);
    let speed = match a.behaviour {
        Behaviour::Cross { speed_mps } | Behaviour::Oncoming { speed_mps } => speed_mps,
        _ => return start,
    };
    let travel_m = speed * duration_secs.max(0.0);
    let yaw = a.start_pose.yaw();
    Obb::new(
        a.start_pose.xy() + DVec2::from_angle(yaw) * (0.5 * travel_m),
        yaw,
        a.size_wlh_m.y + travel_m,
        a.size_wlh_m.x,
    )
}

/// Seconds into the episode at which `track` first overlaps `region`, if it does.
fn first_overlap_secs(track: &ActorTrack, region: &Obb, start_us: i64, end_us: i64) -> Option<f64> {
    (start_us..=end_us)
        .step_by(SAMPLE_US as usize)
        .find(|&t| {
            track
                .pose_at(t)
                .is_some_and(|p| obb_overlap(region, &obb(&p, track.size_wlh_m)))
        })
        .map(|t| (t - start_us) as f64 * 1e-6)
}

/// Logged actors of `logged` that overlap an inserted actor's claim during the episode:
/// (index into `logged`, inserted actor index, seconds into the episode), in `logged` order.
pub fn conflicting_logged_actors(
    logged: &[ActorTrack],
    inserted: &[InsertedActor],
    start_us: i64,
    duration_secs: f64,
) -> Vec<(usize, usize, f64)> {
    let end_us = start_us + (duration_secs * 1e6).round() as i64;
    let claims: Vec<Obb> = inserted.iter().map(|a| claim(a, duration_secs)).collect();
    let mut out = Vec::new();
    for (li, l) in logged.iter().enumerate() {
        for (ai, c) in claims.iter().enumerate() {
            if let Some(t) = first_overlap_secs(l, c, start_us, end_us) {
                out.push((li, ai, t));
                break;
            }
        }
    }
    out
}

/// One message per conflict left in a resolved scenario (inserted actors on the ego at the
/// start, logged actors entering a claim); empty when the placement is clean.
pub fn placement_conflicts(r: &ResolvedScenario, vehicle: &VehicleConfig) -> Vec<String> {
    let yaw = r.ego_start.yaw();
    let ego = Obb::new(
        r.ego_start.xy() + DVec2::from_angle(yaw) * vehicle.rear_axle_to_center_m,
        yaw,
        vehicle.length_m,
        vehicle.width_m,
    );
    let mut out = Vec::new();
    for (i, a) in r.inserted_actors.iter().enumerate() {
        if obb_overlap(&obb(&a.start_pose, a.size_wlh_m), &ego) {
            out.push(format!(
                "actors[{i}] ({}) overlaps the ego at the start",
                a.id
            ));
        }
    }
    let conflicts = conflicting_logged_actors(
        &r.logged_actors,
        &r.inserted_actors,
        r.start_us,
        r.duration_secs,
    );
    for (li, ai, t) in conflicts {
        let (l, a) = (&r.logged_actors[li], &r.inserted_actors[ai]);
        out.push(format!(
            "logged actor {} ({}) runs into actors[{ai}] ({}) {t:.1} s into the episode: set remove_conflicting_actors, list the token in remove_actors or move the actor",
            l.instance_token, l.category, a.id
        ));
    }
    out
}
