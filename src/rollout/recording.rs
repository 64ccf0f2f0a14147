//! The recorded episode file `episodes/<key>.json`: everything a viewer needs to replay an
//! episode without the simulator -- per decision step the ego state, the actors' boxes, the
//! global plan, the candidates an agent considered, the command, the per-step scores and events.
//!
//! A stable file format of plain types (no glam), versioned by `format_version`; readers reject
//! other versions. All coordinates are in the global (map) frame: metres, radians (yaw
//! counter-clockwise from +x), m/s, m/s^2. Maps are `BTreeMap`s so the bytes are deterministic.
//!
//! The file is produced from the episode loop's event stream (`EpisodeEvent`) by
//! `EpisodeRecorder`: the headless batch runner and the viewer consume the same events.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::RolloutError;
use super::job::EpisodeJob;
use super::jsonl::write_atomic;
use super::row::{EpisodeRow, metrics_nan_from_null};

/// Version of the recording format written by this code.
pub const RECORDING_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpisodeRecording {
    pub format_version: u32,
    pub meta: RecordingMeta,
    pub steps: Vec<RecordedStep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordingMeta {
    pub job: EpisodeJob,
    pub key: String,
    /// Decision tick in seconds (0.25 by default).
    pub decision_dt_secs: f64,
    /// A summary of the configuration the episode ran with (time base, vehicle, agent
    /// options...), free-form but deterministic (JSON objects are key-sorted).
    pub config: serde_json::Value,
    /// How it ended; filled by `EpisodeEvent::Finished`.
    pub terminal_reason: String,
    #[serde(deserialize_with = "metrics_nan_from_null")]
    pub metrics: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedStep {
    pub step: u64,
    pub time_secs: f64,
    pub ego: EgoRecord,
    pub actors: Vec<ActorRecord>,
    /// The executed plan in global coordinates (current pose first, then the waypoints).
    pub plan_global: Vec<[f64; 2]>,
    /// Alternatives the agent considered (MPA candidates), global coordinates.
    pub candidates: Vec<CandidateRecord>,
    /// Navigation command given to the agent (`left`, `right`, `straight`).
    pub command: String,
    /// Per-step metric terms (`nc`, `dac`, `ttc`, `com`, `score`, ...).
    #[serde(deserialize_with = "metrics_nan_from_null")]
    pub scores: BTreeMap<String, f64>,
    /// Things that happened this step (`collision:<actor id>`, `trigger:<id>`, ...).
    pub events: Vec<String>,
    /// Per-principle rewards of the step (`world::rewards`); absent in recordings made before
    /// they existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewards: Option<crate::world::PrincipleRewards>,
}

/// Ego state: rear-axle position (m), yaw (rad), speed (m/s), longitudinal acceleration (m/s^2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EgoRecord {
    pub x: f64,
    pub y: f64,
    pub yaw: f64,
    pub speed_mps: f64,
    pub accel_mps2: f64,
}

/// An actor's box: centre (m), yaw (rad), size (m).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorRecord {
    pub id: String,
    pub class: String,
    pub x: f64,
    pub y: f64,
    pub yaw: f64,
    pub length_m: f64,
    pub width_m: f64,
    pub height_m: f64,
    /// Height of the box centre (m). Absent in recordings written before it was recorded;
    /// readers then stand the box on the ground plane (`height_m / 2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z_m: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateRecord {
    pub label: String,
    /// The combined score the candidate was ranked by.
    pub score: f64,
    pub points: Vec<[f64; 2]>,
    /// Score per principle (`agent::Candidate::principle_scores`); absent in recordings made
    /// before candidates carried them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub principle_scores: BTreeMap<String, f64>,
}

impl EpisodeRecording {
    /// Serialize (compact JSON, deterministic bytes) and write atomically to `path`.
    pub fn write(&self, path: &Path) -> Result<(), RolloutError> {
        let bytes = self.to_bytes().map_err(|e| RolloutError::BadFile {
            path: path.to_path_buf(),
            message: format!("cannot serialize recording: {e}"),
        })?;
        write_atomic(path, &bytes)
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        // Compact: pretty-printing puts every coordinate on its own line (about 3x the size).
        let mut bytes = serde_json::to_vec(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// Read a recording, checking its format version and its values (`recording_check`: finite
    /// and bounded numbers, positive sizes, steps in order, known classes; every problem named
    /// by its field).
    pub fn read(path: &Path) -> Result<Self, RolloutError> {
        let text = std::fs::read_to_string(path).map_err(|e| RolloutError::io(path, e))?;
        Self::from_json(&text, path)
    }

    /// Parse a recording's text, checking its format version; `path` names it in errors.
    pub fn from_json(text: &str, path: &Path) -> Result<Self, RolloutError> {
        let bad = |message: String| RolloutError::BadFile {
            path: path.to_path_buf(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| bad(format!("malformed JSON: {e}")))?;
        match value
            .get("format_version")
            .and_then(serde_json::Value::as_u64)
        {
            Some(v) if v == u64::from(RECORDING_FORMAT_VERSION) => {}
            other => {
                return Err(bad(format!(
                    "field `format_version`: expected {RECORDING_FORMAT_VERSION}, found {other:?}"
                )));
            }
        }
        let rec: EpisodeRecording = serde_json::from_value(value)
            .map_err(|e| bad(format!("not an episode recording: {e}")))?;
        let problems = super::recording_check::recording_problems(&rec);
        if !problems.is_empty() {
            return Err(bad(super::recording_check::describe(&problems)));
        }
        Ok(rec)
    }
}

/// What the episode loop emits, in order: `Started`, one `Step` per decision, `Finished`.
/// The batch runner feeds them to an `EpisodeRecorder`; the viewer draws them live.
#[derive(Debug, Clone, PartialEq)]
pub enum EpisodeEvent {
    Started {
        job: EpisodeJob,
        decision_dt_secs: f64,
        config: serde_json::Value,
    },
    Step(Box<RecordedStep>),
    Finished {
        terminal_reason: String,
        metrics: BTreeMap<String, f64>,
    },
}

/// Builds the results row and the recording from an episode's events.
#[derive(Debug, Default)]
pub struct EpisodeRecorder {
    meta: Option<RecordingMeta>,
    steps: Vec<RecordedStep>,
    finished: bool,
}

impl EpisodeRecorder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn on_event(&mut self, event: EpisodeEvent) {
        match event {
            EpisodeEvent::Started {
                job,
                decision_dt_secs,
                config,
            } => {
                self.meta = Some(RecordingMeta {
                    key: job.key(),
                    job,
                    decision_dt_secs,
                    config,
                    terminal_reason: String::new(),
                    metrics: BTreeMap::new(),
                });
                self.steps.clear();
                self.finished = false;
            }
            EpisodeEvent::Step(step) => self.steps.push(*step),
            EpisodeEvent::Finished {
                terminal_reason,
                metrics,
            } => {
                if let Some(meta) = &mut self.meta {
                    meta.terminal_reason = terminal_reason;
                    meta.metrics = metrics;
                }
                self.finished = true;
            }
        }
    }

    /// The row and the recording; `None` unless the stream was `Started ... Finished`.
    pub fn finish(self) -> Option<(EpisodeRow, EpisodeRecording)> {
        let meta = self.meta.filter(|_| self.finished)?;
        let row = EpisodeRow::new(
            meta.job.clone(),
            meta.metrics.clone(),
            meta.terminal_reason.clone(),
            self.steps.len() as u64,
        );
        let recording = EpisodeRecording {
            format_version: RECORDING_FORMAT_VERSION,
            meta,
            steps: self.steps,
        };
        Some((row, recording))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recording() -> EpisodeRecording {
        let job = EpisodeJob {
            split: "test".into(),
            scene: "scene-0001".into(),
            scenario: "scene-0001".into(),
            scenario_file: None,
            family: None,
            seed: 3,
            agent: "expert".into(),
        };
        let mut rec = EpisodeRecorder::new();
        rec.on_event(EpisodeEvent::Started {
            job,
            decision_dt_secs: 0.25,
            config: serde_json::json!({"b": 1, "a": [1.5, 2.5]}),
        });
        rec.on_event(EpisodeEvent::Step(Box::new(RecordedStep {
            step: 0,
            time_secs: 0.0,
            ego: EgoRecord {
                x: 1.0,
                y: 2.0,
                yaw: 0.5,
                speed_mps: 3.0,
                accel_mps2: -0.5,
            },
            actors: vec![],
            plan_global: vec![[1.0, 2.0], [2.5, 2.0]],
            candidates: vec![],
            command: "straight".into(),
            scores: BTreeMap::from([("nc".to_string(), 1.0), ("ttc".to_string(), f64::NAN)]),
            events: vec!["trigger:cut-in".into()],
            rewards: None,
        })));
        rec.on_event(EpisodeEvent::Finished {
            terminal_reason: "timeout".into(),
            metrics: BTreeMap::from([("hd_score".to_string(), 0.25)]),
        });
        let (row, recording) = rec.finish().expect("complete stream");
        assert_eq!((row.steps, row.terminal_reason.as_str()), (1, "timeout"));
        assert_eq!(row.key, "test__scene-0001__expert__s3");
        recording
    }

    #[test]
    fn round_trip_and_version_check() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("r.json");
        let rec = recording();
        rec.write(&path).expect("write");
        let back = EpisodeRecording::read(&path).expect("read");
        assert_eq!(back.meta, rec.meta);
        assert!(back.steps[0].scores["ttc"].is_nan(), "NaN survives as null");
        assert_eq!(
            back.to_bytes().expect("bytes"),
            rec.to_bytes().expect("bytes")
        );

        let text = std::fs::read_to_string(&path).expect("read text");
        std::fs::write(
            &path,
            text.replace("\"format_version\":1", "\"format_version\":99"),
        )
        .expect("write");
        let err = EpisodeRecording::read(&path).expect_err("wrong version");
        assert!(err.to_string().contains("format_version"), "{err}");
    }

    #[test]
    fn incomplete_stream_gives_nothing() {
        let mut rec = EpisodeRecorder::new();
        rec.on_event(EpisodeEvent::Finished {
            terminal_reason: "timeout".into(),
            metrics: BTreeMap::new(),
        });
        assert!(rec.finish().is_none());
    }
}
