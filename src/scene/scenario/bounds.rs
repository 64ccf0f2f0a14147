//! Upper bounds on every quantity of a scenario file. They keep a hand-written file from
//! describing something no episode can run (a car at the speed of light, a start a million
//! kilometres away) and cap what loading and resolving cost: the densified route, the actor
//! list and the parsed TOML tree all grow with these values, so they are checked before any of
//! them is built (`load::parse_spec` counts the actors in the text, `check` checks the numbers
//! before `reference_route` densifies).
//!
//! Each bound is far above what a driving scenario uses; the reason is beside each one.

use crate::scene::ActorClass;

/// Scenario files larger than this are refused before they are read. The largest valid file
/// (every actor and polyline at its cap) is far smaller than the 1 MiB read here.
pub const MAX_FILE_BYTES: u64 = 1 << 20;
/// Inserted actors per scenario (NeuroNCAP scenarios insert one to three).
pub const MAX_ACTORS: usize = 256;
/// Instance tokens in `remove_actors` (a nuScenes scene has a few hundred actors).
pub const MAX_REMOVED_ACTORS: usize = 10_000;
/// Points of `ego.route` or a replay `path`.
pub const MAX_POLYLINE_POINTS: usize = 10_000;
/// Length of `ego.route` or a replay `path`, and the largest arc length or trigger distance
/// (20 km is about 5 minutes at 250 km/h; the route is densified to 0.5 m: 40 000 points).
pub const MAX_ROUTE_LENGTH_M: f64 = 20_000.0;
/// Absolute coordinate bound before the map is known (UTM northings are below 1e7 m); the
/// scene check then requires positions inside the map's extent plus `MAP_MARGIN_M`.
pub const MAX_ABS_COORD_M: f64 = 1e7;
/// Lateral offset from the route, value plus jitter (a few lanes and the verge).
pub const MAX_LATERAL_M: f64 = 50.0;
/// Headings in degrees, value plus jitter (one full turn either way).
pub const MAX_ABS_YAW_DEG: f64 = 360.0;
/// Episode length, trigger times and behaviour durations (nuScenes logs are 20 s long).
pub const MAX_DURATION_SECS: f64 = 3600.0;
/// Box sizes (the longest road vehicles are about 25 m).
pub const MAX_SIZE_M: f64 = 50.0;
/// Ego and road vehicle speeds (250 km/h).
pub const MAX_VEHICLE_SPEED_MPS: f64 = 70.0;
/// Cyclist speeds (a fast descent).
pub const MAX_CYCLIST_SPEED_MPS: f64 = 25.0;
/// Pedestrian speeds (above the sprint world record, 12.4 m/s).
pub const MAX_PEDESTRIAN_SPEED_MPS: f64 = 12.5;

/// The fastest an actor of `class` can go (`None`: an unknown class, reported elsewhere,
/// gets the vehicle bound).
pub fn max_speed_mps(class: Option<ActorClass>) -> f64 {
    match class {
        Some(ActorClass::Pedestrian) => MAX_PEDESTRIAN_SPEED_MPS,
        Some(ActorClass::Cyclist) => MAX_CYCLIST_SPEED_MPS,
        _ => MAX_VEHICLE_SPEED_MPS,
    }
}

/// Number of `[[actors]]` table headers in scenario text, counted without parsing it.
/// (Inline `actors = [...]` arrays are counted after parsing; the file size cap bounds them.)
pub fn count_actor_headers(text: &str) -> usize {
    text.lines()
        .filter(|line| {
            let t = line.trim_start();
            t.starts_with("[[")
                && t.chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .starts_with("[[actors]]")
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_headers_are_counted_with_spacing_and_comments() {
        let text =
            "[[actors]]\n  [[ actors ]] # two\n[actors_x]\nx = \"[[actors]]\"\n[[actorsx]]\n";
        assert_eq!(count_actor_headers(text), 2);
    }
}
