//! Episode jobs and the job-list builder.
//!
//! A job is one episode to run: a scene or scenario, an agent and a seed. Its `key()` names its
//! row in `results.jsonl` and its recording `episodes/<key>.json`, so it must be stable and
//! filesystem-safe. The job list is built in a fixed order (split scenes in file order, then
//! scenario files in the order given; within each: agent, then seed ascending), so job indices
//! -- and therefore shards (`shard.rs`) -- are the same on every machine that runs the same
//! command.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::RolloutError;
use crate::scene::scenario::Family;

/// The split label given to jobs built from scenario files.
pub const SCENARIO_SPLIT: &str = "scenarios";

/// One episode to run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EpisodeJob {
    /// Split label (`train`, `test_in_domain`, ...; `scenarios` for scenario-file jobs).
    pub split: String,
    /// Base scene name (e.g. `scene-0001`).
    pub scene: String,
    /// Scenario name; equal to `scene` for nominal (scene-only) jobs.
    pub scenario: String,
    /// The scenario file, as given on the command line; `None` for nominal jobs.
    pub scenario_file: Option<PathBuf>,
    /// NeuroNCAP family of the scenario (`stationary`, `frontal`, `side`, `nominal`); `None`
    /// for nominal split jobs.
    #[serde(default)]
    pub family: Option<String>,
    /// Episode seed (World RNG, scenario jitter).
    pub seed: u64,
    /// Agent name from the agent registry.
    pub agent: String,
}

impl EpisodeJob {
    /// Stable, filesystem-safe key: `<split>__<scenario>__<agent>__s<seed>`, every character
    /// outside `[A-Za-z0-9._-]` replaced by `-`. The split is part of the key so that results of
    /// different splits can share a directory.
    pub fn key(&self) -> String {
        format!(
            "{}__{}__{}__s{}",
            sanitize(&self.split),
            sanitize(&self.scenario),
            sanitize(&self.agent),
            self.seed
        )
    }

    /// One-line description for messages.
    pub fn describe(&self) -> String {
        match &self.scenario_file {
            Some(f) => format!(
                "scenario {} ({}) agent {} seed {}",
                self.scenario,
                f.display(),
                self.agent,
                self.seed
            ),
            None => format!(
                "{} scene {} agent {} seed {}",
                self.split, self.scene, self.agent, self.seed
            ),
        }
    }
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The family of a scenario as it appears in rows and summaries.
pub fn family_name(family: Family) -> &'static str {
    match family {
        Family::Nominal => "nominal",
        Family::Stationary => "stationary",
        Family::Frontal => "frontal",
        Family::Side => "side",
    }
}

/// A scenario file's identity, as the job list needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioEntry {
    pub file: PathBuf,
    pub name: String,
    pub scene: String,
    pub family: String,
}

impl ScenarioEntry {
    /// Read and validate a scenario file (`scenario::load_spec`, the same checks as
    /// `mpa-sim scenario check`) for its name, base scene and family.
    pub fn load(file: &Path) -> Result<Self, RolloutError> {
        let spec = crate::scene::scenario::load_spec(file).map_err(|e| RolloutError::BadFile {
            path: file.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(ScenarioEntry {
            file: file.to_path_buf(),
            name: spec.name,
            scene: spec.scene,
            family: family_name(spec.family).to_string(),
        })
    }
}

/// Expand command-line scenario arguments: a file stays as given; a directory becomes its
/// `*.toml` files in byte order of their names.
pub fn expand_scenario_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, RolloutError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files = Vec::new();
            for entry in std::fs::read_dir(p).map_err(|e| RolloutError::io(p, e))? {
                let path = entry.map_err(|e| RolloutError::io(p, e))?.path();
                if path.extension().is_some_and(|x| x == "toml") {
                    files.push(path);
                }
            }
            files.sort();
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Builds the job list in a deterministic order. Duplicate keys are an error.
#[derive(Debug, Clone, Default)]
pub struct JobListBuilder {
    splits: Vec<(String, Vec<String>)>,
    scenarios: Vec<ScenarioEntry>,
    agents: Vec<String>,
    seeds: Vec<u64>,
}

impl JobListBuilder {
    pub fn new() -> Self {
        Self::default()
    }
    /// Nominal jobs: every scene of a split (in the order given).
    pub fn split(mut self, name: &str, scenes: Vec<String>) -> Self {
        self.splits.push((name.to_string(), scenes));
        self
    }
    /// Jobs from command-line sources: nominal splits named in `splits_file` (the split
    /// `safety_critical` stands for the shipped scenario files), then scenario files or
    /// directories of them. Shared by `rollout` and `serve`.
    pub fn sources(
        mut self,
        splits: &[String],
        splits_file: &Path,
        scenario_paths: &[PathBuf],
    ) -> Result<Self, RolloutError> {
        let mut files = Vec::new();
        for split in splits {
            if split == "safety_critical" {
                files.extend(crate::scene::registry::shipped_scenario_files()?);
            } else {
                let scenes = crate::scene::registry::Splits::load(splits_file)?
                    .get(split)?
                    .to_vec();
                self = self.split(split, scenes);
            }
        }
        files.extend(expand_scenario_paths(scenario_paths)?);
        let entries = files
            .iter()
            .map(|f| ScenarioEntry::load(f))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.scenarios(entries))
    }
    /// Scenario-file jobs (split label `scenarios`).
    pub fn scenarios(mut self, entries: Vec<ScenarioEntry>) -> Self {
        self.scenarios.extend(entries);
        self
    }
    pub fn agent(mut self, agent: &str) -> Self {
        self.agents.push(agent.to_string());
        self
    }
    /// Seeds `first .. first + count`.
    pub fn seeds(mut self, first: u64, count: u64) -> Self {
        self.seeds = (first..first.saturating_add(count)).collect();
        self
    }

    /// The jobs: split scenes, then scenario files; within each unit, agents in the order
    /// given, then seeds ascending.
    pub fn build(self) -> Result<Vec<EpisodeJob>, RolloutError> {
        if self.agents.is_empty() {
            return Err(RolloutError::BadJobs("no agent given".into()));
        }
        if self.seeds.is_empty() {
            return Err(RolloutError::BadJobs("zero seeds per episode".into()));
        }
        // One template job per scene or scenario; agent and seed are filled in below.
        let mut units: Vec<EpisodeJob> = Vec::new();
        for (split, scenes) in &self.splits {
            for scene in scenes {
                units.push(EpisodeJob {
                    split: split.clone(),
                    scene: scene.clone(),
                    scenario: scene.clone(),
                    scenario_file: None,
                    family: None,
                    seed: 0,
                    agent: String::new(),
                });
            }
        }
        for s in &self.scenarios {
            units.push(EpisodeJob {
                split: SCENARIO_SPLIT.to_string(),
                scene: s.scene.clone(),
                scenario: s.name.clone(),
                scenario_file: Some(s.file.clone()),
                family: Some(s.family.clone()),
                seed: 0,
                agent: String::new(),
            });
        }
        if units.is_empty() {
            return Err(RolloutError::BadJobs(
                "no scenes or scenarios to run".into(),
            ));
        }
        let mut jobs = Vec::new();
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for unit in &units {
            for agent in &self.agents {
                for &seed in &self.seeds {
                    let job = EpisodeJob {
                        seed,
                        agent: agent.clone(),
                        ..unit.clone()
                    };
                    let key = job.key();
                    if let Some(first) = seen.insert(key.clone(), job.describe()) {
                        return Err(RolloutError::DuplicateJob {
                            key,
                            first,
                            second: job.describe(),
                        });
                    }
                    jobs.push(job);
                }
            }
        }
        Ok(jobs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_filesystem_safe_and_stable() {
        let job = EpisodeJob {
            split: "test".into(),
            scene: "scene-0001".into(),
            scenario: "frontal/oncoming 1".into(),
            scenario_file: None,
            family: None,
            seed: 7,
            agent: "mpa:base".into(),
        };
        assert_eq!(job.key(), "test__frontal-oncoming-1__mpa-base__s7");
    }

    #[test]
    fn builder_order_and_duplicates() {
        let jobs = JobListBuilder::new()
            .split("test", vec!["a".into(), "b".into()])
            .agent("x")
            .seeds(0, 2)
            .build()
            .unwrap();
        let keys: Vec<String> = jobs.iter().map(EpisodeJob::key).collect();
        assert_eq!(
            keys,
            [
                "test__a__x__s0",
                "test__a__x__s1",
                "test__b__x__s0",
                "test__b__x__s1"
            ]
        );
        let dup = JobListBuilder::new()
            .split("test", vec!["a".into(), "a".into()])
            .agent("x")
            .seeds(0, 1)
            .build();
        assert!(matches!(dup, Err(RolloutError::DuplicateJob { .. })));
    }
}
