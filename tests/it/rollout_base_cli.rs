//! `mpa-sim rollout --agent base` through the binary on a shipped split: the render thread is
//! started for the camera agent, every episode finishes with rows and recordings, the learned
//! policy makes progress along the route, and a rerun of the same command into a fresh
//! directory gives the same rows (rendered episodes are deterministic).

use std::path::Path;
use std::process::Command;

fn rollout(out: &Path) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_mpa-sim"))
        .args(["rollout", "--split", "test_in_domain", "--agent", "base"])
        .args(["--no-progress", "--out"])
        .arg(out)
        .env("MPA_SIM_ADAPTER", "cpu")
        .output()
        .expect("run mpa-sim");
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(
        o.status.success(),
        "rollout failed ({}): {stderr}",
        o.status
    );
    stderr
}

/// results.jsonl rows without the wall time, sorted by key.
fn rows(out: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(out.join("results.jsonl")).expect("results.jsonl");
    let mut rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).expect("a JSON row");
            v.as_object_mut().expect("object").remove("wall_time_secs");
            v
        })
        .collect();
    rows.sort_by_key(|v| v["key"].as_str().unwrap_or_default().to_string());
    rows
}

#[test]
fn base_rolls_out_the_in_domain_split_with_rendered_views() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a");
    let stderr = rollout(&a);
    assert!(stderr.contains("rendering views for base"), "{stderr}");
    let first = rows(&a);
    assert_eq!(first.len(), 3, "three in-domain scenes");
    for r in &first {
        assert_eq!(r["agent"], "base");
        let steps = r["steps"].as_u64().expect("steps");
        assert!(steps > 10, "{}: only {steps} steps", r["key"]);
        let progress = r["metrics"]["route_progress_m"].as_f64().expect("progress");
        assert!(progress > 20.0, "{}: {progress} m of progress", r["key"]);
        let key = r["key"].as_str().expect("key");
        assert!(a.join("episodes").join(format!("{key}.json")).is_file());
    }
    let b = dir.path().join("b");
    rollout(&b);
    assert_eq!(rows(&b), first, "same command, same episodes");
}
