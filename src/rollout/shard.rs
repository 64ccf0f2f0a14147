//! Deterministic sharding across processes: `--shard i/n` runs the jobs whose index in the
//! (deterministic) job list satisfies `index % n == i`. Round-robin rather than contiguous
//! blocks, so that every shard gets a similar mix of scenes and seeds. `n > 0` and `i < n`;
//! shard indices are 0-based, matching `$SLURM_ARRAY_TASK_ID` with `--array=0-(n-1)` and
//! Kubernetes' `$JOB_COMPLETION_INDEX`.

use std::fmt;
use std::str::FromStr;

use super::error::RolloutError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// The whole job list in one shard.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    pub fn new(index: usize, count: usize) -> Result<Self, RolloutError> {
        let spec = format!("{index}/{count}");
        if count == 0 {
            return Err(RolloutError::BadShard {
                spec,
                expected: "the shard count n must be at least 1".into(),
            });
        }
        if index >= count {
            return Err(RolloutError::BadShard {
                spec,
                expected: format!(
                    "the shard index i must be below n (0-based: 0..={})",
                    count - 1
                ),
            });
        }
        Ok(Shard { index, count })
    }

    /// Whether the job at `job_index` belongs to this shard.
    pub fn contains(&self, job_index: usize) -> bool {
        job_index % self.count == self.index
    }

    /// This shard's part of `items`, in order.
    pub fn select<T: Clone>(&self, items: &[T]) -> Vec<T> {
        items
            .iter()
            .enumerate()
            .filter(|(i, _)| self.contains(*i))
            .map(|(_, t)| t.clone())
            .collect()
    }
}

impl FromStr for Shard {
    type Err = RolloutError;
    /// Parse `i/n`, e.g. `3/8`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |expected: &str| RolloutError::BadShard {
            spec: s.to_string(),
            expected: expected.to_string(),
        };
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| bad("expected i/n, e.g. 0/8"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| bad("the shard index i must be a non-negative integer (i/n)"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| bad("the shard count n must be a positive integer (i/n)"))?;
        Shard::new(index, count)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}
