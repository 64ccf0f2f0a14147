//! One writer per output directory, and summaries that count each episode once.
//! Before the lock, two rollouts into one folder both ran every job and duplicated every row,
//! and `results summary` then counted each episode twice (narrowing its intervals).
#![allow(clippy::unwrap_used)] // test file: a failed unwrap is a failed test

use crate::rollout_support;

use std::process::Command;

use mpa_sim::rollout::{BatchPlan, OutputLock, RolloutError, run_batch, write_summary};
use rollout_support::{fake_episode, jobs, options, read_results};

#[test]
fn a_second_batch_into_a_busy_directory_is_refused_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let first = BatchPlan::prepare(&jobs(), options(dir.path(), 1)).unwrap();
    let err = run_batch(&jobs(), options(dir.path(), 1), &fake_episode).unwrap_err();
    assert!(
        matches!(err, RolloutError::OutputLocked { .. }),
        "expected OutputLocked, got {err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("pid {}", std::process::id())),
        "{msg}"
    );
    assert!(
        read_results(dir.path()).is_empty(),
        "the refused run wrote rows"
    );

    let report = first.run(&fake_episode).unwrap();
    assert_eq!(report.finished, jobs().len());
    // The first run released the directory: a rerun is admitted and finds nothing to do.
    let rerun = run_batch(&jobs(), options(dir.path(), 1), &fake_episode).unwrap();
    assert_eq!((rerun.already_done, rerun.finished), (jobs().len(), 0));
    assert_eq!(read_results(dir.path()).len(), jobs().len());
}

#[test]
fn the_rollout_command_refuses_a_directory_held_by_another_process() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("episodes")).unwrap();
    let _held = OutputLock::acquire(dir.path()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mpa-sim"))
        .args(["rollout", "--split", "test_in_domain", "--agent", "replay"])
        .args(["--no-progress", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "second writer ran: {stderr}");
    assert!(stderr.contains("in use by pid"), "{stderr}");
    assert!(
        stderr.contains(&std::process::id().to_string()),
        "names the holder: {stderr}"
    );
    assert!(!dir.path().join("results.jsonl").exists());
}

/// `results.jsonl` with its first line appended again (as two runs of one job would leave it),
/// the copy's wall time changed, or with a metric changed too.
fn with_duplicate_first_row(changed_metric: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    run_batch(&jobs(), options(dir.path(), 1), &fake_episode).unwrap();
    let path = dir.path().join("results.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let first = text.lines().next().unwrap();
    let mut row: serde_json::Value = serde_json::from_str(first).unwrap();
    row["wall_time_secs"] = serde_json::json!(123.0);
    if changed_metric {
        let metrics = row["metrics"].as_object_mut().unwrap();
        let name = metrics.keys().next().unwrap().clone();
        metrics[&name] = serde_json::json!(-7.5);
    }
    std::fs::write(&path, format!("{text}{row}\n")).unwrap();
    dir
}

#[test]
fn summary_counts_an_identical_duplicate_row_once() {
    let clean = tempfile::tempdir().unwrap();
    run_batch(&jobs(), options(clean.path(), 1), &fake_episode).unwrap();
    let expected = write_summary(clean.path()).unwrap();

    let dir = with_duplicate_first_row(false);
    let summary = write_summary(dir.path()).unwrap();
    assert_eq!(summary.duplicate_rows_merged, 1);
    // (Compared as the written table: NaN statistics are unequal to themselves.)
    assert_eq!(summary.to_markdown(), expected.to_markdown());
    let episodes: usize = summary
        .groups
        .iter()
        .filter(|g| g.key.by == "split")
        .map(|g| g.episodes)
        .sum();
    assert_eq!(episodes, jobs().len());

    let out = Command::new(env!("CARGO_BIN_EXE_mpa-sim"))
        .args(["results", "summary"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 duplicate rows"), "{stderr}");
}

#[test]
fn summary_refuses_a_key_with_two_different_results() {
    let dir = with_duplicate_first_row(true);
    let err = write_summary(dir.path()).unwrap_err().to_string();
    let key = &read_results(dir.path())[0].key;
    assert!(err.contains(key.as_str()), "{err}");
    assert!(
        err.contains(&format!("rows 1 and {}", jobs().len() + 1)),
        "{err}"
    );
}
