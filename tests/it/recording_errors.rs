//! Regression tests for "episode files with impossible values render": `EpisodeRecording::read`
//! (behind `mpa-sim render --episode` and the viewer) refuses non-finite or absurd numbers,
//! non-positive sizes, steps out of order and unknown classes, naming the file, the step index
//! and the field of every problem at once.

use mpa_sim::rollout::{
    ActorRecord, EgoRecord, EpisodeEvent, EpisodeJob, EpisodeRecorder, EpisodeRecording,
    RecordedStep,
};
use std::collections::BTreeMap;
use std::path::Path;

fn step(i: u64) -> RecordedStep {
    RecordedStep {
        step: i,
        time_secs: 0.25 * i as f64,
        ego: EgoRecord {
            x: 100.0 + i as f64,
            y: 50.0,
            yaw: 0.1,
            speed_mps: 4.0,
            accel_mps2: 0.5,
        },
        actors: vec![ActorRecord {
            id: "car-1".into(),
            class: "car".into(),
            x: 120.0,
            y: 52.0,
            yaw: 0.0,
            length_m: 4.6,
            width_m: 1.9,
            height_m: 1.7,
            z_m: Some(0.85),
        }],
        plan_global: vec![[100.0, 50.0], [103.0, 50.0]],
        candidates: vec![],
        command: "straight".into(),
        scores: BTreeMap::new(),
        events: vec![],
        rewards: None,
    }
}

/// A sound three-step recording as JSON.
fn recording_json() -> serde_json::Value {
    let mut rec = EpisodeRecorder::new();
    rec.on_event(EpisodeEvent::Started {
        job: EpisodeJob {
            split: "test".into(),
            scene: "scene-0001".into(),
            scenario: "scene-0001".into(),
            scenario_file: None,
            family: None,
            seed: 0,
            agent: "replay".into(),
        },
        decision_dt_secs: 0.25,
        config: serde_json::json!({}),
    });
    for i in 0..3 {
        rec.on_event(EpisodeEvent::Step(Box::new(step(i))));
    }
    rec.on_event(EpisodeEvent::Finished {
        terminal_reason: "timeout".into(),
        metrics: BTreeMap::new(),
    });
    let (_, recording) = rec.finish().expect("complete stream");
    serde_json::from_slice(&recording.to_bytes().expect("bytes")).expect("json")
}

fn read(dir: &Path, name: &str, value: &serde_json::Value) -> Result<EpisodeRecording, String> {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(value).expect("json")).expect("write");
    EpisodeRecording::read(&path).map_err(|e| e.to_string())
}

#[test]
fn a_sound_recording_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rec = read(dir.path(), "ok.json", &recording_json()).expect("reads");
    assert_eq!(rec.steps.len(), 3);
}

#[test]
fn impossible_values_are_refused_with_step_and_field_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut v = recording_json();
    v["steps"][1]["ego"]["x"] = serde_json::json!(1e308);
    v["steps"][1]["actors"][0]["length_m"] = serde_json::json!(-4.6);
    v["steps"][2]["actors"][0]["width_m"] = serde_json::json!(0.0);
    v["steps"][2]["actors"][0]["class"] = "dragon".into();
    v["steps"][2]["ego"]["speed_mps"] = serde_json::json!(3e8);
    v["steps"][0]["plan_global"][1][0] = serde_json::json!(-1e300);
    let err = read(dir.path(), "impossible.json", &v).expect_err("refused");
    for needle in [
        "impossible.json",
        "6 problem(s)",
        "steps[1].ego.x",
        "1e308",
        "steps[1].actors[0].length_m",
        "steps[2].actors[0].width_m",
        "steps[2].actors[0].class",
        "dragon",
        "steps[2].ego.speed_mps",
        "steps[0].plan_global[1][0]",
    ] {
        assert!(err.contains(needle), "{needle:?} missing from:\n{err}");
    }
}

#[test]
fn steps_out_of_order_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut v = recording_json();
    let steps = v["steps"].as_array_mut().expect("steps");
    steps.swap(1, 2);
    let err = read(dir.path(), "shuffled.json", &v).expect_err("refused");
    for needle in ["shuffled.json", "steps[2].step", "steps[2].time_secs"] {
        assert!(err.contains(needle), "{needle:?} missing from:\n{err}");
    }

    let mut v = recording_json();
    v["steps"][2]["time_secs"] = serde_json::json!(0.25);
    let err = read(dir.path(), "same_time.json", &v).expect_err("refused");
    assert!(
        err.contains("steps[2].time_secs") && !err.contains("steps[2].step"),
        "{err}"
    );
    v["meta"]["decision_dt_secs"] = serde_json::json!(-1.0);
    let err = read(dir.path(), "bad_dt.json", &v).expect_err("refused");
    assert!(err.contains("meta.decision_dt_secs"), "{err}");
}
