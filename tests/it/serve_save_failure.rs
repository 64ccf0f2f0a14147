//! Regression test for issue "a retry after a failed write steps the world twice and loses the
//! episode": `episodes/` cannot be written (it is a file, which blocks root too), the step that
//! ends the episode answers 500 naming the I/O failure, the client's retry with the same
//! transaction id gets the recorded reply without a second step, and the finished episode is
//! kept in memory and written once the directory is back.

use mpa_sim::rollout::jsonl::read_rows;
use mpa_sim::rollout::runner::{ERRORS_FILE, RESULTS_FILE, episode_path};
use mpa_sim::rollout::{EpisodeRecording, EpisodeRow, ErrorRow};
use mpa_sim::serve::http::execute;

use crate::serve_hugsim_client::{STRAIGHT, execute_body, jobs, session};

/// More decision steps than any episode has (HUGSIM stops at 400).
const MAX_STEPS: usize = 500;

#[test]
fn unwritable_episodes_dir_retry_does_not_step_twice() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(jobs(&["scene-0004"]), dir.path());
    let key = s.current_job().expect("a scene").key();
    let episodes = dir.path().join("episodes");
    std::fs::remove_dir_all(&episodes).unwrap();
    std::fs::write(&episodes, b"a file where the directory should be").unwrap();

    // Drive the episode to its end: every step answers 200 until the one that ends it, whose
    // recording cannot be written.
    let (tx, failed) = (1..=MAX_STEPS)
        .map(|i| {
            let tx = format!("tx-{i}");
            let reply = execute(&mut s, &execute_body(STRAIGHT, &tx));
            (tx, reply)
        })
        .find(|(_, reply)| reply.status != 200)
        .expect("the episode ends within MAX_STEPS steps");
    let message = String::from_utf8_lossy(&failed.body).to_string();
    assert_eq!(failed.status, 500, "{message}");
    assert!(
        message.contains("Not a directory") && message.contains("episodes"),
        "the reply names the I/O failure: {message}"
    );
    let steps = s.steps_executed();

    // The client's automatic retry: the recorded reply, no second step.
    let retry = execute(&mut s, &execute_body(STRAIGHT, &tx));
    assert_eq!(retry, failed);
    assert_eq!(
        s.steps_executed(),
        steps,
        "the retry stepped the world again"
    );

    let errors = read_rows::<ErrorRow>(&dir.path().join(ERRORS_FILE))
        .unwrap()
        .rows;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].key, key);
    assert!(
        errors[0].message.contains("Not a directory"),
        "errors.jsonl names the I/O failure: {}",
        errors[0].message
    );
    let results = dir.path().join(RESULTS_FILE);
    assert!(read_rows::<EpisodeRow>(&results).unwrap().rows.is_empty());

    // Writing becomes possible again: the next request saves the episode kept in memory.
    std::fs::remove_file(&episodes).unwrap();
    std::fs::create_dir(&episodes).unwrap();
    let after = execute(&mut s, &execute_body(STRAIGHT, "after-fix"));
    assert_eq!(
        after.status,
        200,
        "{}",
        String::from_utf8_lossy(&after.body)
    );
    assert_eq!(
        s.steps_executed(),
        steps,
        "the sequence is done: nothing to step"
    );
    let rows = read_rows::<EpisodeRow>(&results).unwrap().rows;
    assert_eq!(rows.len(), 1, "written exactly once");
    assert_eq!(rows[0].key, key);
    assert_eq!(rows[0].steps, steps);
    let rec = EpisodeRecording::read(&episode_path(dir.path(), &key)).expect("recording");
    assert_eq!(rec.steps.len() as u64, steps);
    // Saving again later does not duplicate the row.
    let _ = execute(&mut s, &execute_body(STRAIGHT, "later"));
    s.reset().unwrap();
    assert_eq!(read_rows::<EpisodeRow>(&results).unwrap().rows.len(), 1);
}
