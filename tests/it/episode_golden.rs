//! The episode core (`mpa_sim::episode`: decide / score_step / rollout) changed how every tick
//! is run, not what it computes: rows and recordings of `replay`, `expert` and `base` on the
//! shipped in-domain and unseen splits and the 14 safety-critical scenarios are the same as the
//! ones recorded before it, apart from fields it added (`rewards` per step).
//!
//! The goldens were written from the output of the binary built from the commit before the
//! episode core (`mpa-sim rollout --split test_in_domain --split test_unseen --scenario
//! scenes/scenarios --agent replay --agent expert --agent base --seeds 1`), by running this test
//! with `MPA_SIM_WRITE_EPISODE_GOLDEN=<that output dir>`; they are not produced by the code under
//! test. Rows are stored in full (canonical: sorted, wall time zeroed); recordings (7 MB) as a
//! 64-bit FNV-1a of their canonical JSON (keys sorted, added fields removed, the machine's
//! absolute scenario path reduced to the file name), so any changed value is caught.
#![allow(clippy::unwrap_used)] // test file: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::rollout_support::fnv1a;
use mpa_sim::rollout::{EpisodeRow, canonical_jsonl};
use serde_json::Value;

/// Fields the episode core added; removed before comparing.
const ADDED_FIELDS: [&str; 1] = ["rewards"];

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/episode_golden")
}

/// Remove added fields everywhere and reduce `scenario_file` paths to their file names.
fn normalise(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for f in ADDED_FIELDS {
                map.remove(f);
            }
            if let Some(Value::String(path)) = map.get_mut("scenario_file") {
                let name = Path::new(path.as_str())
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                *path = name;
            }
            map.values_mut().for_each(normalise);
        }
        Value::Array(items) => items.iter_mut().for_each(normalise),
        _ => {}
    }
}

/// Canonical rows (JSONL) and recording fingerprints (key -> hex FNV) of a rollout directory.
fn fingerprint(out: &Path) -> (String, BTreeMap<String, String>) {
    let rows = mpa_sim::rollout::jsonl::read_rows::<EpisodeRow>(&out.join("results.jsonl"))
        .unwrap()
        .rows;
    let mut text = String::new();
    for line in canonical_jsonl(&rows).unwrap().lines() {
        let mut v: Value = serde_json::from_str(line).unwrap();
        normalise(&mut v);
        text.push_str(&serde_json::to_string(&v).unwrap());
        text.push('\n');
    }
    let mut recordings = BTreeMap::new();
    for row in &rows {
        let path = out.join("episodes").join(format!("{}.json", row.key));
        let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        normalise(&mut v);
        let canonical = serde_json::to_string(&v).unwrap();
        recordings.insert(
            row.key.clone(),
            format!("{:016x}", fnv1a(canonical.as_bytes())),
        );
    }
    (text, recordings)
}

#[test]
fn rows_and_recordings_match_the_goldens_recorded_before_the_episode_core() {
    if let Ok(source) = std::env::var("MPA_SIM_WRITE_EPISODE_GOLDEN") {
        let (rows, recordings) = fingerprint(Path::new(&source));
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(golden_dir().join("results.jsonl"), rows).unwrap();
        let json = serde_json::to_string_pretty(&recordings).unwrap();
        std::fs::write(golden_dir().join("recordings.json"), json + "\n").unwrap();
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mpa-sim"))
        .args([
            "rollout",
            "--split",
            "test_in_domain",
            "--split",
            "test_unseen",
        ])
        .arg("--scenario")
        .arg(root.join("scenes/scenarios"))
        .args(["--agent", "replay", "--agent", "expert", "--agent", "base"])
        .args(["--seeds", "1", "--no-progress", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (rows, recordings) = fingerprint(dir.path());
    let expected_rows = std::fs::read_to_string(golden_dir().join("results.jsonl")).unwrap();
    let expected: BTreeMap<String, String> = serde_json::from_str(
        &std::fs::read_to_string(golden_dir().join("recordings.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        recordings.len(),
        63,
        "3 agents x (7 split scenes + 14 scenarios)"
    );
    for (got, want) in rows.lines().zip(expected_rows.lines()) {
        assert_eq!(got, want, "a row differs from its golden");
    }
    assert_eq!(rows.lines().count(), expected_rows.lines().count());
    let differing: Vec<&String> = expected
        .iter()
        .filter(|(k, h)| recordings.get(*k) != Some(*h))
        .map(|(k, _)| k)
        .collect();
    assert!(
        differing.is_empty() && recordings.len() == expected.len(),
        "recordings differ from their goldens: {differing:?}"
    );
    // The added field is there: every step of every recording carries its rewards.
    let any = std::fs::read_to_string(
        dir.path()
            .join("episodes/test_in_domain__scene-0004__expert__s0.json"),
    )
    .unwrap();
    assert!(any.contains("\"rewards\""), "recordings carry rewards");
}
