//! Determinism of real episodes (World + expert/replay + scores), not a stand-in: the merged
//! results of `--jobs 1`, `--jobs 2` and three shards of the same sweep are identical byte for
//! byte apart from wall times, and so are the recorded episodes.

use std::path::Path;
use std::process::Command;

use mpa_sim::rollout::jsonl::read_rows;
use mpa_sim::rollout::{EpisodeRow, canonical_jsonl};

fn rollout(out: &Path, extra: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_mpa-sim"))
        .args(["rollout", "--split", "test_unseen", "--scenario"])
        .arg(mpa_sim::scene::registry::scenarios_dir().join("side-cut-in-0003.toml"))
        .args(["--agent", "expert", "--agent", "replay", "--seeds", "2"])
        .args(["--no-progress", "--out"])
        .arg(out)
        .args(extra)
        .status()
        .expect("runs");
    assert!(status.success(), "rollout {extra:?} failed");
}

fn canonical(dir: &Path) -> String {
    let rows = read_rows::<EpisodeRow>(&dir.join("results.jsonl"))
        .expect("rows")
        .rows;
    assert_eq!(
        rows.len(),
        20,
        "(4 scenes + 1 scenario) x 2 agents x 2 seeds"
    );
    canonical_jsonl(&rows).expect("jsonl")
}

fn recordings(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join("episodes"))
        .expect("episodes dir")
        .map(|e| {
            let p = e.expect("entry").path();
            let bytes = std::fs::read(&p).expect("read");
            (
                p.file_name().expect("name").to_string_lossy().into_owned(),
                bytes,
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn jobs_and_shards_give_identical_episodes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let one = tmp.path().join("jobs1");
    let two = tmp.path().join("jobs2");
    rollout(&one, &["--jobs", "1"]);
    rollout(&two, &["--jobs", "2"]);
    let mut shards = Vec::new();
    for i in 0..3 {
        let d = tmp.path().join(format!("shard{i}"));
        rollout(&d, &["--jobs", "1", "--shard", &format!("{i}/3")]);
        shards.push(d);
    }
    let merged = tmp.path().join("merged");
    let status = Command::new(env!("CARGO_BIN_EXE_mpa-sim"))
        .args(["results", "merge", "--out"])
        .arg(&merged)
        .args(&shards)
        .status()
        .expect("merge runs");
    assert!(status.success());

    let reference = canonical(&one);
    assert_eq!(reference, canonical(&two));
    assert_eq!(reference, canonical(&merged));
    let rec = recordings(&one);
    assert_eq!(rec.len(), 20);
    assert_eq!(rec, recordings(&two));
    assert_eq!(rec, recordings(&merged));
}
