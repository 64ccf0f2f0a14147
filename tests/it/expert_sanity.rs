//! Acceptance sanity of the built-in agents on the shipped synthetic scenes, through the one
//! episode loop (`run_episode`):
//! - `expert` on every nominal scene (all splits): no collision, no off-road, route completion
//!   >= 0.95 per scene, HD-Score mean >= 0.9;
//! - `replay` on every nominal scene: no collision;
//! - `replay` on the stationary-obstacle and frontal (oncoming) scenarios: collides in most
//!   (it keeps to the log without reacting, which is what makes them safety-critical).

use mpa_sim::rollout::episode::run_episode;
use mpa_sim::rollout::{EpisodeJob, EpisodeRow};
use std::path::PathBuf;

/// The shipped nominal scenes (scenes/splits.toml: train, test_in_domain, test_unseen).
const NOMINAL_SCENES: [&str; 10] = [
    "scene-0001",
    "scene-0002",
    "scene-0003",
    "scene-0004",
    "scene-0005",
    "scene-0006",
    "scene-0007",
    "scene-0008",
    "scene-0009",
    "scene-0010",
];
/// Episode seed: nominal scenes have no jitter, scenarios draw their jitter from it.
const SEED: u64 = 0;
const MIN_EXPERT_RC: f64 = 0.95;
const MIN_EXPERT_HD_MEAN: f64 = 0.9;

fn nominal(scene: &str, agent: &str) -> EpisodeRow {
    let job = EpisodeJob {
        split: "sanity".into(),
        scene: scene.into(),
        scenario: scene.into(),
        scenario_file: None,
        family: None,
        seed: SEED,
        agent: agent.into(),
    };
    run_episode(&job).expect("episode runs").0
}

fn metric(row: &EpisodeRow, name: &str) -> f64 {
    *row.metrics
        .get(name)
        .unwrap_or_else(|| panic!("{}: no metric {name}", row.key))
}

#[test]
fn expert_completes_every_nominal_scene_safely() {
    let mut hd = Vec::new();
    let mut failures = Vec::new();
    for scene in NOMINAL_SCENES {
        let row = nominal(scene, "expert");
        let (rc, h) = (metric(&row, "rc"), metric(&row, "hd_score"));
        println!(
            "{scene}: {} rc {rc:.3} hd {h:.3} nc {:.3} dac {:.3} ttc {:.3} com {:.3}",
            row.terminal_reason,
            metric(&row, "nc"),
            metric(&row, "dac"),
            metric(&row, "ttc"),
            metric(&row, "com")
        );
        if metric(&row, "collided") != 0.0 || metric(&row, "off_road") != 0.0 || rc < MIN_EXPERT_RC
        {
            failures.push(format!("{scene}: {} rc {rc:.3}", row.terminal_reason));
        }
        hd.push(h);
    }
    assert!(failures.is_empty(), "expert failures: {failures:?}");
    let mean = hd.iter().sum::<f64>() / hd.len() as f64;
    assert!(
        mean >= MIN_EXPERT_HD_MEAN,
        "expert HD-Score mean {mean:.3} < {MIN_EXPERT_HD_MEAN}: {hd:?}"
    );
}

#[test]
fn replay_never_collides_on_nominal_scenes() {
    for scene in NOMINAL_SCENES {
        let row = nominal(scene, "replay");
        assert_eq!(
            metric(&row, "collided"),
            0.0,
            "{scene}: {}",
            row.terminal_reason
        );
        assert_eq!(row.terminal_reason, "route_completed", "{scene}");
    }
}

#[test]
fn replay_collides_in_most_stationary_and_frontal_scenarios() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenes/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenario dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            p.extension().is_some_and(|e| e == "toml")
                && name.is_some_and(|n| n.starts_with("stationary-") || n.starts_with("frontal-"))
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 4,
        "expected the shipped scenarios in {dir:?}"
    );
    let mut collided = 0;
    for file in &files {
        let spec = mpa_sim::scene::scenario::load_spec(file).expect("scenario loads");
        let stem = file
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let job = EpisodeJob {
            split: "scenarios".into(),
            scene: spec.scene.clone(),
            scenario: stem,
            scenario_file: Some(file.clone()),
            family: None,
            seed: SEED,
            agent: "replay".into(),
        };
        let row = run_episode(&job).expect("episode runs").0;
        println!("{}: {}", row.key, row.terminal_reason);
        if metric(&row, "collided") == 1.0 {
            collided += 1;
        }
    }
    assert!(
        2 * collided > files.len(),
        "replay collided in {collided} of {} stationary/frontal scenarios",
        files.len()
    );
}
