//! Scenario files: a base scene plus edits (remove/insert actors, behaviours, triggers, ego
//! start and route, duration, seeded jitter). See `spec` for the file format, `load` for
//! parsing, `check` for validation and `resolve` for turning a spec plus a seed into the
//! `ResolvedScenario` the World is built from.

pub mod bounds;
pub mod check;
pub mod conflicts;
pub mod error;
pub mod load;
pub mod resolve;
pub mod resolved;
pub mod route;
pub mod spec;

pub use bounds::*;
pub use check::{check, validate_spec};
pub use conflicts::placement_conflicts;
pub use error::{Problem, ProblemKind, ScenarioError};
pub use load::{CheckedScenario, check_file, load_base_scene, load_spec, parse_spec};
pub use resolve::{default_size_wlh_m, resolve};
pub use resolved::*;
pub use spec::*;

/// Up to `n` of `candidates` closest to `name` by edit distance (ties in candidate order).
pub fn nearest_names<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    n: usize,
) -> Vec<String> {
    let mut scored: Vec<(usize, usize, &str)> = candidates
        .into_iter()
        .enumerate()
        .map(|(i, c)| (edit_distance(name, c), i, c))
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(n)
        .map(|(_, _, c)| c.to_string())
        .collect()
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_matches_hand_counts() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("scene-0011", "scene-0001"), 1);
        let near = nearest_names("scene-0011", ["scene-0007", "scene-0001", "scene-0010"], 2);
        assert_eq!(near, vec!["scene-0001", "scene-0010"]);
    }
}
