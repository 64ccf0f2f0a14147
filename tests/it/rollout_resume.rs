//! Resuming a batch: finished episodes are skipped, a torn last line from a killed process is
//! truncated with a warning, failed episodes go to errors.jsonl without stopping the batch.

use crate::rollout_support;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use mpa_sim::rollout::jsonl::read_rows;
use mpa_sim::rollout::{EpisodeJob, ErrorRow, run_batch};
use rollout_support::{fake_episode, jobs, options, read_results};

#[test]
fn rerun_skips_finished_episodes() {
    let dir = tempfile::tempdir().unwrap();
    let all = jobs();
    let calls = AtomicUsize::new(0);
    let counting = |job: &EpisodeJob| {
        calls.fetch_add(1, Ordering::SeqCst);
        fake_episode(job)
    };
    // First run: only the first 5 jobs (as if interrupted).
    let r1 = run_batch(&all[..5], options(dir.path(), 2), &counting).unwrap();
    assert_eq!((r1.finished, r1.already_done), (5, 0));
    assert_eq!(calls.load(Ordering::SeqCst), 5);
    // Rerun the whole list: only the other 7 run.
    let r2 = run_batch(&all, options(dir.path(), 2), &counting).unwrap();
    assert_eq!((r2.finished, r2.already_done, r2.total), (7, 5, 12));
    assert_eq!(calls.load(Ordering::SeqCst), 12);
    // A third run does nothing.
    let r3 = run_batch(&all, options(dir.path(), 2), &counting).unwrap();
    assert_eq!((r3.finished, r3.already_done), (0, 12));
    assert_eq!(calls.load(Ordering::SeqCst), 12);

    let rows = read_results(dir.path());
    assert_eq!(rows.len(), 12);
    for job in &all {
        let path = dir
            .path()
            .join("episodes")
            .join(format!("{}.json", job.key()));
        let rec = mpa_sim::rollout::EpisodeRecording::read(&path).unwrap();
        assert_eq!(rec.meta.job, *job);
        assert_eq!(
            rec.steps.len() as u64,
            rows.iter().find(|r| r.job == *job).unwrap().steps
        );
    }
    assert!(dir.path().join("run.json").exists());
}

#[test]
fn truncated_last_line_is_removed_and_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let all = jobs();
    run_batch(&all[..4], options(dir.path(), 1), &fake_episode).unwrap();
    let results = dir.path().join("results.jsonl");
    let before = std::fs::read(&results).unwrap();
    // Simulate a process killed in the middle of writing the next row.
    let mut torn = serde_json::to_string(&fake_episode(&all[4]).unwrap().0).unwrap();
    torn.truncate(torn.len() / 2);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&results)
        .unwrap()
        .write_all(torn.as_bytes())
        .unwrap();
    // Reading alone reports the torn tail and ignores it.
    let read = read_rows::<mpa_sim::rollout::EpisodeRow>(&results).unwrap();
    assert_eq!(read.rows.len(), 4);
    assert_eq!(read.torn_tail.as_deref(), Some(torn.as_str()));

    let calls = AtomicUsize::new(0);
    let counting = |job: &EpisodeJob| {
        calls.fetch_add(1, Ordering::SeqCst);
        fake_episode(job)
    };
    // ... and left a temporary recording behind.
    let stale = dir
        .path()
        .join("episodes")
        .join(format!(".{}.json.tmp.999", all[4].key()));
    std::fs::write(&stale, b"{\"format_ver").unwrap();

    let report = run_batch(&all[..6], options(dir.path(), 1), &counting).unwrap();
    assert_eq!(report.warnings.len(), 2, "{:?}", report.warnings);
    assert!(report.warnings[0].contains("partial last line"));
    assert!(report.warnings[1].contains("removed 1 temporary recording"));
    assert!(!stale.exists());
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "jobs 4 and 5 run; 0-3 skipped"
    );
    let after = std::fs::read(&results).unwrap();
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "finished rows untouched"
    );
    let rows = read_results(dir.path());
    assert_eq!(rows.len(), 6);
    assert!(after.ends_with(b"\n"));
}

#[test]
fn failures_go_to_errors_jsonl_and_are_retried() {
    let dir = tempfile::tempdir().unwrap();
    let all = jobs();
    let flaky = |job: &EpisodeJob| match job.seed {
        1 => Err(format!("scene {} exploded", job.scene)),
        2 if job.scene == "scene-0002" => panic!("bug in scene-0002"),
        _ => fake_episode(job),
    };
    let report = run_batch(&all, options(dir.path(), 2), &flaky).unwrap();
    assert_eq!((report.finished, report.failed), (8, 4));
    let errors = read_rows::<ErrorRow>(&dir.path().join("errors.jsonl"))
        .unwrap()
        .rows;
    assert_eq!(errors.len(), 4);
    let mut messages: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
    messages.sort();
    assert_eq!(messages[0], "panicked: bug in scene-0002");
    assert_eq!(messages[1], "scene scene-0001 exploded");
    assert!(errors.iter().all(|e| e.key == e.job.key()));
    // No recording for failed episodes.
    let failed = errors[0].key.clone();
    assert!(
        !dir.path()
            .join("episodes")
            .join(format!("{failed}.json"))
            .exists()
    );

    // Rerun with a fixed episode function: only the 4 failures run.
    let calls = AtomicUsize::new(0);
    let counting = |job: &EpisodeJob| {
        calls.fetch_add(1, Ordering::SeqCst);
        fake_episode(job)
    };
    let report = run_batch(&all, options(dir.path(), 2), &counting).unwrap();
    assert_eq!(
        (report.finished, report.failed, report.already_done),
        (4, 0, 8)
    );
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    assert_eq!(read_results(dir.path()).len(), 12);
}

#[test]
fn row_for_wrong_job_is_an_error_row() {
    let dir = tempfile::tempdir().unwrap();
    let all = jobs();
    let other = all[1].clone();
    let wrong = |_: &EpisodeJob| fake_episode(&other);
    let report = run_batch(&all[..1], options(dir.path(), 1), &wrong).unwrap();
    assert_eq!((report.finished, report.failed), (0, 1));
}
