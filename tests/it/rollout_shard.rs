//! `--shard i/n` parsing and selection: bad specs give clear errors; the shards of a job list
//! are disjoint and cover it.

use crate::rollout_support;

use mpa_sim::rollout::{RolloutError, Shard};
use std::collections::BTreeSet;

#[test]
fn bad_shard_specs_are_rejected_with_a_reason() {
    for (spec, needle) in [
        ("3/2", "index i must be below n"),
        ("2/2", "index i must be below n"),
        ("x/y", "index i must be a non-negative integer"),
        ("1/y", "count n must be a positive integer"),
        ("1/0", "count n must be at least 1"),
        ("-1/4", "non-negative integer"),
        ("3", "expected i/n"),
        ("", "expected i/n"),
    ] {
        let err = spec.parse::<Shard>().unwrap_err();
        assert!(matches!(err, RolloutError::BadShard { .. }));
        let msg = err.to_string();
        assert!(msg.contains(needle), "{spec}: {msg}");
        assert!(msg.contains(&format!("`{spec}`")), "{spec}: {msg}");
    }
}

#[test]
fn shards_partition_the_job_list_round_robin() {
    let all = rollout_support::jobs();
    assert_eq!("0/1".parse::<Shard>().unwrap(), Shard::ALL);
    let s = " 2 / 8 ".trim().parse::<Shard>().unwrap();
    assert_eq!((s.index, s.count, s.to_string()), (2, 8, "2/8".to_string()));
    for n in [1, 2, 3, 5, 12, 20] {
        let mut seen = BTreeSet::new();
        let mut total = 0;
        for i in 0..n {
            let part = Shard::new(i, n).unwrap().select(&all);
            // Round robin: shard i holds jobs i, i + n, ...
            let expected: Vec<_> = all.iter().skip(i).step_by(n).cloned().collect();
            assert_eq!(part, expected);
            total += part.len();
            seen.extend(part.iter().map(|j| j.key()));
        }
        assert_eq!(total, all.len());
        assert_eq!(seen.len(), all.len());
    }
}
