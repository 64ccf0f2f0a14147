//! Shared by the tests/rollout_*.rs files: a fake deterministic episode function whose metrics,
//! steps, terminal reason and recording come from a ChaCha stream seeded by the job key.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use mpa_sim::rollout::{
    ActorRecord, BatchOptions, CandidateRecord, EgoRecord, EpisodeEvent, EpisodeJob,
    EpisodeRecorder, EpisodeRecording, EpisodeRow, JobListBuilder, RecordedStep,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub const SEEDS_PER_SCENE: u64 = 4;
pub const AGENT: &str = "fake";

/// 64-bit FNV-1a: a platform-independent hash (seeds, fingerprints of files).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// FNV-1a of the key: a platform-independent seed for the fake episode's stream.
fn key_seed(key: &str) -> u64 {
    fnv1a(key.as_bytes())
}

/// A deterministic fake episode: same job, same bytes.
pub fn fake_episode(job: &EpisodeJob) -> Result<(EpisodeRow, EpisodeRecording), String> {
    let mut rng = ChaCha8Rng::seed_from_u64(key_seed(&job.key()));
    let mut rec = EpisodeRecorder::new();
    rec.on_event(EpisodeEvent::Started {
        job: job.clone(),
        decision_dt_secs: 0.25,
        config: serde_json::json!({"agent": job.agent, "decision_dt_secs": 0.25}),
    });
    let steps = rng.random_range(3..8_u64);
    for step in 0..steps {
        let x = rng.random_range(-50.0..50.0);
        rec.on_event(EpisodeEvent::Step(Box::new(RecordedStep {
            step,
            time_secs: step as f64 * 0.25,
            ego: EgoRecord {
                x,
                y: rng.random_range(-5.0..5.0),
                yaw: rng.random_range(-3.0..3.0),
                speed_mps: rng.random_range(0.0..15.0),
                accel_mps2: rng.random_range(-3.0..2.0),
            },
            actors: vec![ActorRecord {
                id: "car-1".into(),
                class: "car".into(),
                x: x + 10.0,
                y: 0.0,
                yaw: 0.0,
                length_m: 4.5,
                width_m: 1.9,
                height_m: 1.6,
                z_m: None,
            }],
            plan_global: (0..7).map(|i| [x + f64::from(i), 0.0]).collect(),
            candidates: vec![CandidateRecord {
                label: "base".into(),
                score: rng.random_range(0.0..1.0),
                points: vec![[x, 0.0], [x + 3.0, 0.5]],
                principle_scores: BTreeMap::from([("collision".to_string(), -0.25)]),
            }],
            command: "straight".into(),
            scores: BTreeMap::from([("nc".to_string(), 1.0), ("score".to_string(), 0.9)]),
            events: Vec::new(),
            rewards: None,
        })));
    }
    let reasons = ["route_completed", "collision", "timeout"];
    let reason = reasons[rng.random_range(0..reasons.len())];
    let metrics = BTreeMap::from([
        ("hd_score".to_string(), rng.random_range(0.0..1.0)),
        ("rc".to_string(), rng.random_range(0.0..1.0)),
        (
            "collision".to_string(),
            f64::from(u8::from(reason == "collision")),
        ),
        // Never defined for a fake episode: exercises NaN -> null -> NaN.
        ("time_to_finish_secs".to_string(), f64::NAN),
    ]);
    rec.on_event(EpisodeEvent::Finished {
        terminal_reason: reason.to_string(),
        metrics,
    });
    rec.finish()
        .ok_or_else(|| "incomplete event stream".to_string())
}

/// 3 scenes x 4 seeds = 12 jobs.
pub fn jobs() -> Vec<EpisodeJob> {
    JobListBuilder::new()
        .split(
            "test",
            vec![
                "scene-0001".into(),
                "scene-0002".into(),
                "scene-0003".into(),
            ],
        )
        .agent(AGENT)
        .seeds(0, SEEDS_PER_SCENE)
        .build()
        .expect("valid job list")
}

pub fn options(out: &Path, jobs_parallel: usize) -> BatchOptions {
    BatchOptions {
        out_dir: out.to_path_buf(),
        jobs_parallel,
        progress: false,
        record: true,
        run_config: serde_json::json!({"test": true}),
    }
}

pub fn read_results(dir: &Path) -> Vec<EpisodeRow> {
    mpa_sim::rollout::jsonl::read_rows::<EpisodeRow>(&dir.join("results.jsonl"))
        .expect("readable results")
        .rows
}
