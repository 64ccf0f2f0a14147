//! What the viewer has open: an episode (live or recorded), a results directory, or an error.
//!
//! Live and recorded episodes are the same thing to the panels: a list of `RecordedStep`s (the
//! episode loop's `EpisodeEvent::Step` payloads, or a recording's `steps`), the scene they run
//! on and its reference route. Live mode owns an `EpisodeLoop` and pulls events from it as the
//! timeline moves past the last recorded step; playback has all steps from the start.
//!
//! Opening never panics: every failure becomes a `ViewerError` naming the file (or scene) and
//! the problem, which the window shows in an error panel.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use glam::DVec2;

use super::state::{Marker, ResultsTable, Timeline, markers};
use crate::rollout::episode::{EpisodeLoop, SceneSource, cached_scene, resolve_job};
use crate::rollout::job::{SCENARIO_SPLIT, family_name};
use crate::rollout::jsonl::read_rows;
use crate::rollout::{EpisodeEvent, EpisodeJob, EpisodeRecording, EpisodeRow, RecordedStep};
use crate::scene::Scene;
use crate::scene::scenario::load_spec;
use crate::world::{SimConfig, World};

/// What to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenTarget {
    /// A scene of the shipped data, live.
    Scene(String),
    /// A scenario file, live.
    Scenario(PathBuf),
    /// A recorded episode (`episodes/<key>.json`), playback.
    Episode(PathBuf),
    /// A results directory (`results.jsonl` + `episodes/`).
    Results(PathBuf),
}

impl OpenTarget {
    /// The file or name, for titles and error panels.
    pub fn describe(&self) -> String {
        match self {
            OpenTarget::Scene(n) => format!("scene {n}"),
            OpenTarget::Scenario(p) => format!("scenario {}", p.display()),
            OpenTarget::Episode(p) => format!("episode {}", p.display()),
            OpenTarget::Results(p) => format!("results {}", p.display()),
        }
    }
}

/// Live-mode options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveOptions {
    /// Agent registry name.
    pub agent: String,
    pub seed: u64,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            agent: "expert".to_string(),
            seed: 0,
        }
    }
}

/// Why something could not be opened or run: the file (or scene) and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct ViewerError {
    /// The file, directory or scene it is about.
    pub file: String,
    pub problem: String,
}

impl ViewerError {
    pub fn new(file: impl Into<String>, problem: impl std::fmt::Display) -> ViewerError {
        ViewerError {
            file: file.into(),
            problem: problem.to_string(),
        }
    }
}

/// How an episode ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Ending {
    pub terminal_reason: String,
    pub metrics: BTreeMap<String, f64>,
}

/// An open episode: steps so far, the scene, the route, the timeline.
pub struct EpisodeDoc {
    pub job: EpisodeJob,
    pub scene: Arc<Scene>,
    /// Reference route, global xy.
    pub route: Vec<DVec2>,
    pub steps: Vec<RecordedStep>,
    pub decision_dt_secs: f64,
    pub ending: Option<Ending>,
    pub timeline: Timeline,
    pub markers: Vec<Marker>,
    /// Live mode: the running loop (`None` for playback).
    live: Option<EpisodeLoop>,
    /// A failure of the live loop (agent or world error), shown in the window.
    pub live_error: Option<ViewerError>,
}

/// Everything the viewer can show.
pub enum Document {
    Episode(Box<EpisodeDoc>),
    Results(ResultsTable),
    Error(ViewerError),
}

impl Document {
    /// Open a target; failures become `Document::Error`.
    pub fn open(target: &OpenTarget, live: &LiveOptions) -> Document {
        let opened = match target {
            OpenTarget::Scene(name) => EpisodeDoc::live_scene(name, live).map(Box::new),
            OpenTarget::Scenario(path) => EpisodeDoc::live_scenario(path, live).map(Box::new),
            OpenTarget::Episode(path) => EpisodeDoc::playback(path).map(Box::new),
            OpenTarget::Results(dir) => return open_results(dir),
        };
        match opened {
            Ok(doc) => Document::Episode(doc),
            Err(e) => Document::Error(e),
        }
    }
}

fn open_results(dir: &Path) -> Document {
    let file = dir.join("results.jsonl");
    if !file.is_file() {
        return Document::Error(ViewerError::new(
            file.display().to_string(),
            "no results.jsonl here: expected a directory written by `mpa-sim rollout --out DIR`",
        ));
    }
    match read_rows::<EpisodeRow>(&file) {
        Ok(read) => Document::Results(ResultsTable::new(dir, read.rows)),
        Err(e) => Document::Error(ViewerError::new(file.display().to_string(), e)),
    }
}

/// The route of a scenario and seed (a World is cheap to build; only its route is kept).
fn route_of(
    job: &EpisodeJob,
    source: &SceneSource,
) -> Result<(Arc<Scene>, Vec<DVec2>), ViewerError> {
    let scenario = resolve_job(job, source).map_err(|e| ViewerError::new(job.describe(), e))?;
    let world = World::new(&scenario, job.seed, &SimConfig::default())
        .map_err(|e| ViewerError::new(job.describe(), e))?;
    Ok((world.scene().clone(), world.route().points().to_vec()))
}

impl EpisodeDoc {
    fn new(
        job: EpisodeJob,
        scene: Arc<Scene>,
        route: Vec<DVec2>,
        steps: Vec<RecordedStep>,
        decision_dt_secs: f64,
    ) -> EpisodeDoc {
        EpisodeDoc {
            timeline: Timeline::new(steps.len(), decision_dt_secs),
            markers: markers(&steps),
            job,
            scene,
            route,
            steps,
            decision_dt_secs,
            ending: None,
            live: None,
            live_error: None,
        }
    }

    /// Live episode of a shipped scene.
    pub fn live_scene(name: &str, live: &LiveOptions) -> Result<EpisodeDoc, ViewerError> {
        let job = EpisodeJob {
            split: "view".to_string(),
            scene: name.to_string(),
            scenario: name.to_string(),
            scenario_file: None,
            family: None,
            seed: live.seed,
            agent: live.agent.clone(),
        };
        Self::live_job(job)
    }

    /// Live episode of a scenario file.
    pub fn live_scenario(path: &Path, live: &LiveOptions) -> Result<EpisodeDoc, ViewerError> {
        let spec = load_spec(path).map_err(|e| ViewerError::new(path.display().to_string(), e))?;
        let job = EpisodeJob {
            split: SCENARIO_SPLIT.to_string(),
            scene: spec.scene.clone(),
            scenario: spec.name.clone(),
            scenario_file: Some(path.to_path_buf()),
            family: Some(family_name(spec.family).to_string()),
            seed: live.seed,
            agent: live.agent.clone(),
        };
        Self::live_job(job)
    }

    fn live_job(job: EpisodeJob) -> Result<EpisodeDoc, ViewerError> {
        let source = SceneSource::default();
        let what = job.describe();
        let scenario = resolve_job(&job, &source).map_err(|e| ViewerError::new(&what, e))?;
        let mut episode = EpisodeLoop::new(&job, &scenario, &SimConfig::default())
            .map_err(|e| ViewerError::new(&what, e))?;
        if episode.wants_views() {
            // Camera agents (e.g. `base`) get their views from a renderer of their own, at
            // the size and cameras they ask for (the panel's images are rendered separately).
            let views = crate::render::LocalViews::new(crate::render::AdapterPreference::Auto)
                .map_err(|e| ViewerError::new(format!("renderer for agent {}", job.agent), e))?;
            episode.set_view_provider(Box::new(views));
        }
        let scene = episode.world().scene().clone();
        let route = episode.world().route().points().to_vec();
        let mut dt = SimConfig::default().time.decision_dt_secs;
        if let Ok(Some(EpisodeEvent::Started {
            decision_dt_secs, ..
        })) = episode.next_event()
        {
            dt = decision_dt_secs;
        }
        let mut doc = EpisodeDoc::new(job, scene, route, Vec::new(), dt);
        doc.live = Some(episode);
        // The first step, so there is something to show before play is pressed.
        doc.pull_live(1);
        Ok(doc)
    }

    /// Recorded episode.
    pub fn playback(path: &Path) -> Result<EpisodeDoc, ViewerError> {
        let rec = EpisodeRecording::read(path)
            .map_err(|e| ViewerError::new(path.display().to_string(), e))?;
        if rec.steps.is_empty() {
            return Err(ViewerError::new(
                path.display().to_string(),
                "the recording has no steps",
            ));
        }
        let source = SceneSource::default();
        let job = rec.meta.job.clone();
        // The route comes from the scenario; a scenario file that moved is not fatal: fall back
        // to the base scene (its nominal route), and fail only without the scene itself.
        let (scene, route) = match route_of(&job, &source) {
            Ok(r) => r,
            Err(_) if job.scenario_file.is_some() => {
                let nominal = EpisodeJob {
                    scenario_file: None,
                    ..job.clone()
                };
                route_of(&nominal, &source).or_else(|_| {
                    cached_scene(&source, &job.scene)
                        .map(|s| (s, Vec::new()))
                        .map_err(|e| ViewerError::new(path.display().to_string(), e))
                })?
            }
            Err(e) => return Err(ViewerError::new(path.display().to_string(), e.problem)),
        };
        let mut doc = EpisodeDoc::new(job, scene, route, rec.steps, rec.meta.decision_dt_secs);
        doc.ending = Some(Ending {
            terminal_reason: rec.meta.terminal_reason,
            metrics: rec.meta.metrics,
        });
        Ok(doc)
    }

    pub fn is_live(&self) -> bool {
        self.live.is_some()
    }

    /// The step under the timeline cursor.
    pub fn current(&self) -> Option<&RecordedStep> {
        self.steps.get(self.timeline.index())
    }

    /// Live mode: run the loop until `n` more steps exist or the episode ends. Returns the
    /// number of steps added.
    pub fn pull_live(&mut self, n: usize) -> usize {
        let Some(episode) = self.live.as_mut() else {
            return 0;
        };
        let mut added = 0;
        while added < n && self.ending.is_none() && self.live_error.is_none() {
            match episode.next_event() {
                Ok(Some(EpisodeEvent::Step(step))) => {
                    self.markers
                        .extend(
                            super::state::step_markers(&step)
                                .into_iter()
                                .map(|kind| Marker {
                                    step_index: self.steps.len(),
                                    kind,
                                }),
                        );
                    self.steps.push(*step);
                    added += 1;
                }
                Ok(Some(EpisodeEvent::Finished {
                    terminal_reason,
                    metrics,
                })) => {
                    self.ending = Some(Ending {
                        terminal_reason,
                        metrics,
                    });
                }
                Ok(Some(EpisodeEvent::Started { .. })) => {}
                Ok(None) => break,
                Err(e) => self.live_error = Some(ViewerError::new(self.job.describe(), e)),
            }
        }
        self.timeline.set_len(self.steps.len());
        added
    }

    /// Move the cursor `n` steps forward, running the live loop as needed.
    pub fn forward(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        let want = self.timeline.index() + n;
        if want >= self.steps.len() {
            self.pull_live(want + 1 - self.steps.len());
        }
        self.timeline.forward(n);
        if self.timeline.at_end() && self.ending.is_some() {
            self.timeline.playing = false;
        }
    }

    /// Per-frame update while playing: advance by the steps due after `dt_secs`.
    pub fn tick(&mut self, dt_secs: f64) {
        let due = self.timeline.advance(dt_secs);
        self.forward(due);
    }

    /// Title for the window and the top bar.
    pub fn title(&self) -> String {
        let mode = if self.is_live() { "live" } else { "playback" };
        format!(
            "{} | agent {} | seed {} | {mode}",
            self.job.scenario, self.job.agent, self.job.seed
        )
    }
}
