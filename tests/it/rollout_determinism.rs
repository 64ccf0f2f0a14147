//! Thread count and sharding do not change results: merged canonical rows of `--jobs 1`,
//! `--jobs 2` and three shards are identical bytes, and so are the recordings. Merge dedupes
//! identical duplicates and refuses conflicting ones.

use crate::rollout_support;

use std::path::{Path, PathBuf};

use mpa_sim::rollout::{RolloutError, Shard, canonical_jsonl, merge_results, run_batch};
use rollout_support::{fake_episode, jobs, options, read_results};

const SHARDS: usize = 3;

fn recordings(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join("episodes"))
        .expect("episodes dir")
        .map(|e| {
            let p = e.expect("dir entry").path();
            (
                p.file_name()
                    .expect("file name")
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read(&p).expect("readable recording"),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn jobs_1_jobs_2_and_three_shards_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let all = jobs();

    let serial = tmp.path().join("serial");
    run_batch(&all, options(&serial, 1), &fake_episode).unwrap();
    let parallel = tmp.path().join("parallel");
    run_batch(&all, options(&parallel, 2), &fake_episode).unwrap();

    let mut shard_dirs: Vec<PathBuf> = Vec::new();
    for i in 0..SHARDS {
        let shard = Shard::new(i, SHARDS).unwrap();
        let dir = tmp.path().join(format!("shard{i}"));
        let report = run_batch(&shard.select(&all), options(&dir, 2), &fake_episode).unwrap();
        assert_eq!(report.finished, all.len() / SHARDS);
        shard_dirs.push(dir);
    }
    let merged = tmp.path().join("merged");
    let report = merge_results(&merged, &shard_dirs).unwrap();
    assert_eq!(
        (report.rows, report.recordings, report.duplicates_dropped),
        (12, 12, 0)
    );

    let reference = canonical_jsonl(&read_results(&serial)).unwrap();
    assert_eq!(reference.lines().count(), 12);
    assert_eq!(
        canonical_jsonl(&read_results(&parallel)).unwrap(),
        reference
    );
    assert_eq!(canonical_jsonl(&read_results(&merged)).unwrap(), reference);

    // The merged file itself is sorted by key: equal to the canonical text once wall times are
    // zeroed, i.e. wall_time_secs is the only field that differs.
    let merged_rows = read_results(&merged);
    let keys: Vec<&str> = merged_rows.iter().map(|r| r.key.as_str()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);

    // Merging the serial and parallel runs of the same jobs gives the same files again.
    let merged2 = tmp.path().join("merged2");
    merge_results(&merged2, &[serial.clone(), parallel.clone()]).unwrap();
    assert_eq!(canonical_jsonl(&read_results(&merged2)).unwrap(), reference);

    let rec = recordings(&serial);
    assert_eq!(rec.len(), 12);
    assert_eq!(recordings(&parallel), rec);
    assert_eq!(recordings(&merged), rec);
}

#[test]
fn merge_dedupes_identical_and_rejects_conflicting_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let all = jobs();
    let a = tmp.path().join("a");
    run_batch(&all[..6], options(&a, 2), &fake_episode).unwrap();
    let b = tmp.path().join("b");
    run_batch(&all[3..], options(&b, 2), &fake_episode).unwrap();

    let ok = tmp.path().join("ok");
    let report = merge_results(&ok, &[a.clone(), b.clone()]).unwrap();
    assert_eq!((report.rows, report.duplicates_dropped), (12, 3));
    assert_eq!(
        canonical_jsonl(&read_results(&ok)).unwrap(),
        canonical_jsonl(
            &read_results(&a)
                .into_iter()
                .chain(read_results(&b))
                .filter({
                    let mut seen = std::collections::BTreeSet::new();
                    move |r| seen.insert(r.key.clone())
                })
                .collect::<Vec<_>>()
        )
        .unwrap()
    );
    // Merging into a directory that already has results is refused.
    assert!(matches!(
        merge_results(&ok, std::slice::from_ref(&a)),
        Err(RolloutError::OutputNotEmpty { .. })
    ));

    // Change one metric of a row that a and b share (jobs 3..6): a conflict naming the key.
    let results_b = b.join("results.jsonl");
    let mut rows = read_results(&b);
    let victim = all[4].key();
    rows.iter_mut().filter(|r| r.key == victim).for_each(|r| {
        r.metrics.insert("hd_score".into(), 123.0);
    });
    let text: String = rows
        .iter()
        .map(|r| serde_json::to_string(r).unwrap() + "\n")
        .collect();
    std::fs::write(&results_b, text).unwrap();
    let err = merge_results(&tmp.path().join("bad"), &[a, b]).unwrap_err();
    match err {
        RolloutError::MergeConflict { key, .. } => assert_eq!(key, victim),
        other => panic!("expected a merge conflict, got {other}"),
    }
}
