//! The `rollout` and `results` commands through the binary: job building from a splits file and
//! scenario files, sharding and its errors (`--dry-run`), merge and summary of shard dirs.

use crate::rollout_support;

use std::path::Path;
use std::process::{Command, Output};

use mpa_sim::rollout::{Shard, run_batch};
use rollout_support::{fake_episode, jobs, options};

fn mpa_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mpa-sim"))
        .args(args)
        .output()
        .expect("run mpa-sim")
}

fn stdout_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write fixture");
}

#[test]
fn dry_run_lists_the_shard_of_split_and_scenario_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let splits = dir.path().join("splits.toml");
    write(
        &splits,
        "train = [\"scene-0100\"]\ntest_in_domain = [\"scene-0001\", \"scene-0002\"]\ntest_unseen = []\n",
    );
    let scen = dir.path().join("scenarios");
    std::fs::create_dir(&scen).unwrap();
    write(
        &scen.join("b.toml"),
        "name = \"side-b\"\nscene = \"scene-0002\"\nfamily = \"side\"\n",
    );
    write(
        &scen.join("a.toml"),
        "name = \"frontal-a\"\nscene = \"scene-0001\"\nfamily = \"frontal\"\n",
    );
    write(&scen.join("notes.txt"), "not a scenario");
    let out = dir.path().join("out");
    let (splits_s, scen_s, out_s) = (
        splits.to_str().unwrap(),
        scen.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let base = [
        "rollout",
        "--split",
        "test_in_domain",
        "--splits-file",
        splits_s,
        "--scenario",
        scen_s,
        "--agent",
        "expert",
        "--seeds",
        "2",
        "--out",
        out_s,
        "--dry-run",
    ];
    let all = mpa_sim(&base);
    assert!(
        all.status.success(),
        "{}",
        String::from_utf8_lossy(&all.stderr)
    );
    assert_eq!(
        stdout_lines(&all),
        [
            "test_in_domain__scene-0001__expert__s0",
            "test_in_domain__scene-0001__expert__s1",
            "test_in_domain__scene-0002__expert__s0",
            "test_in_domain__scene-0002__expert__s1",
            "scenarios__frontal-a__expert__s0",
            "scenarios__frontal-a__expert__s1",
            "scenarios__side-b__expert__s0",
            "scenarios__side-b__expert__s1",
        ]
    );
    let mut shard = base.to_vec();
    shard.extend(["--shard", "1/3"]);
    let part = mpa_sim(&shard);
    assert_eq!(
        stdout_lines(&part),
        [
            "test_in_domain__scene-0001__expert__s1",
            "scenarios__frontal-a__expert__s0",
            "scenarios__side-b__expert__s1",
        ]
    );
    assert!(!out.exists(), "--dry-run writes nothing");

    let mut bad = base.to_vec();
    bad.extend(["--shard", "3/2"]);
    let err = mpa_sim(&bad);
    assert!(!err.status.success());
    assert!(String::from_utf8_lossy(&err.stderr).contains("invalid shard `3/2`"));

    let mut unknown = base.to_vec();
    unknown[2] = "nope";
    let err = mpa_sim(&unknown);
    assert!(!err.status.success());
    let msg = String::from_utf8_lossy(&err.stderr).into_owned();
    assert!(
        msg.contains("unknown split \"nope\"")
            && msg.contains("train, test_in_domain, test_unseen, safety_critical"),
        "{msg}"
    );
}

#[test]
fn merge_and_summary_commands() {
    let dir = tempfile::tempdir().unwrap();
    let all = jobs();
    let mut shard_dirs = Vec::new();
    for i in 0..2 {
        let d = dir.path().join(format!("shard{i}"));
        run_batch(
            &Shard::new(i, 2).unwrap().select(&all),
            options(&d, 1),
            &fake_episode,
        )
        .unwrap();
        shard_dirs.push(d.to_str().unwrap().to_string());
    }
    let merged = dir.path().join("merged");
    let merged_s = merged.to_str().unwrap();
    let out = mpa_sim(&[
        "results",
        "merge",
        "--out",
        merged_s,
        &shard_dirs[0],
        &shard_dirs[1],
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(merged.join("results.jsonl"))
            .unwrap()
            .lines()
            .count(),
        12
    );
    let out = mpa_sim(&["results", "summary", merged_s]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(md.contains("| test | fake | hd_score | 12 |"), "{md}");
    assert_eq!(
        std::fs::read_to_string(merged.join("summary.md")).unwrap(),
        md
    );
    let out = mpa_sim(&["results", "summary", merged_s, "--format", "csv"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        std::fs::read_to_string(merged.join("summary.csv")).unwrap()
    );
}
