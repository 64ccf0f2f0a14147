//! The viewer's UI state and logic as plain structs, testable without a window: the timeline
//! (current step, play/pause, speed), timeline markers, the image kind shown by the camera
//! panels, the sortable results table and the keyboard shortcuts (including M, the mesh/splat
//! render-mode switch).
//!
//! Playing advances the timeline by `speed` decision steps per `decision_dt_secs` of wall time
//! (`Timeline::advance` accumulates frame times and returns how many steps are due), so at 1x an
//! episode plays in real time whatever the frame rate.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::rollout::{EpisodeRow, RecordedStep};

/// What the camera panels show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ImageKind {
    #[default]
    Rgb,
    Depth,
    Semantic,
}

impl ImageKind {
    pub const ALL: [ImageKind; 3] = [ImageKind::Rgb, ImageKind::Depth, ImageKind::Semantic];

    pub fn label(self) -> &'static str {
        match self {
            ImageKind::Rgb => "RGB",
            ImageKind::Depth => "Depth",
            ImageKind::Semantic => "Semantic",
        }
    }
}

/// Playback speeds, decision steps per decision tick of wall time.
pub const SPEEDS: [f64; 7] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0];

/// Position in an episode's steps, play/pause and speed.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// Steps available (recorded so far in live mode).
    len: usize,
    index: usize,
    pub playing: bool,
    speed_index: usize,
    /// Wall time accumulated towards the next step, seconds.
    accum_secs: f64,
    /// Decision tick of the episode, seconds.
    step_dt_secs: f64,
}

impl Timeline {
    pub fn new(len: usize, step_dt_secs: f64) -> Timeline {
        Timeline {
            len,
            index: 0,
            playing: false,
            speed_index: 2,
            accum_secs: 0.0,
            step_dt_secs: if step_dt_secs > 0.0 {
                step_dt_secs
            } else {
                0.25
            },
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn index(&self) -> usize {
        self.index
    }

    /// More steps became available (live mode); the position stays.
    pub fn set_len(&mut self, len: usize) {
        self.len = len;
        self.index = self.index.min(len.saturating_sub(1));
    }

    /// Jump to a step (clamped to the available range).
    pub fn seek(&mut self, index: usize) {
        self.index = index.min(self.len.saturating_sub(1));
        self.accum_secs = 0.0;
    }

    /// Seek to a fraction 0..=1 of the episode (the scrubber).
    pub fn seek_fraction(&mut self, f: f64) {
        let last = self.len.saturating_sub(1) as f64;
        self.seek((f.clamp(0.0, 1.0) * last).round() as usize);
    }

    pub fn at_end(&self) -> bool {
        self.index + 1 >= self.len
    }

    pub fn speed(&self) -> f64 {
        SPEEDS[self.speed_index]
    }

    /// Set the speed to the nearest of `SPEEDS`.
    pub fn set_speed(&mut self, speed: f64) {
        self.speed_index = (0..SPEEDS.len())
            .min_by(|&a, &b| {
                (SPEEDS[a] - speed)
                    .abs()
                    .total_cmp(&(SPEEDS[b] - speed).abs())
            })
            .unwrap_or(2);
    }

    pub fn faster(&mut self) {
        self.speed_index = (self.speed_index + 1).min(SPEEDS.len() - 1);
    }

    pub fn slower(&mut self) {
        self.speed_index = self.speed_index.saturating_sub(1);
    }

    pub fn toggle_play(&mut self) {
        self.playing = !self.playing;
        self.accum_secs = 0.0;
    }

    /// Steps due after `dt_secs` of wall time while playing (0 when paused).
    pub fn advance(&mut self, dt_secs: f64) -> usize {
        if !self.playing || !dt_secs.is_finite() || dt_secs <= 0.0 {
            return 0;
        }
        // A long stall (a slow frame, a breakpoint) does not fast-forward the episode.
        self.accum_secs += dt_secs.min(0.5) * self.speed();
        // The epsilon keeps sums of frame times like 60 x (1/60) from falling a rounding error
        // short of a whole step.
        let due = (self.accum_secs / self.step_dt_secs + 1e-9).floor();
        self.accum_secs = (self.accum_secs - due * self.step_dt_secs).max(0.0);
        due as usize
    }

    /// Move forward `n` steps, stopping at the last available one.
    pub fn forward(&mut self, n: usize) {
        self.index = (self.index + n).min(self.len.saturating_sub(1));
    }

    pub fn back(&mut self, n: usize) {
        self.index = self.index.saturating_sub(n);
    }
}

/// Why a step is marked on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MarkerKind {
    /// The episode ended in a collision here, or the plan's no-collision term (NC) was below
    /// `LOW_TERM` (the plan drives into an actor's predicted box).
    Collision,
    /// The episode left the drivable area here, or the plan's DAC term was below `LOW_TERM`.
    OffRoad,
    /// The per-step score (NC x DAC x weighted TTC/COM, METRICS.md) was below `LOW_SCORE`.
    LowScore,
}

/// A per-step NC or DAC below this marks a step (the terms are 0, 0.5 or 1 in HUGSIM).
pub const LOW_TERM: f64 = 0.5;
/// A per-step score below this marks a step.
pub const LOW_SCORE: f64 = 0.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    pub step_index: usize,
    pub kind: MarkerKind,
}

/// The markers of a step, most severe first (at most one of each kind).
pub fn step_markers(step: &RecordedStep) -> Vec<MarkerKind> {
    let term = |k: &str| step.scores.get(k).copied().filter(|v| v.is_finite());
    let event = |prefix: &str| step.events.iter().any(|e| e.starts_with(prefix));
    let mut out = Vec::new();
    if event("terminal:collision") || event("collision") || term("nc").is_some_and(|v| v < LOW_TERM)
    {
        out.push(MarkerKind::Collision);
    }
    if event("terminal:off_road") || term("dac").is_some_and(|v| v < LOW_TERM) {
        out.push(MarkerKind::OffRoad);
    }
    if term("score").is_some_and(|v| v < LOW_SCORE) {
        out.push(MarkerKind::LowScore);
    }
    out
}

/// Markers of every step, in step order.
pub fn markers(steps: &[RecordedStep]) -> Vec<Marker> {
    steps
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            step_markers(s).into_iter().map(move |kind| Marker {
                step_index: i,
                kind,
            })
        })
        .collect()
}

/// Columns of the results table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    Scene,
    Agent,
    Seed,
    HdScore,
    Terminal,
}

impl SortColumn {
    pub const ALL: [SortColumn; 5] = [
        SortColumn::Scene,
        SortColumn::Agent,
        SortColumn::Seed,
        SortColumn::HdScore,
        SortColumn::Terminal,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SortColumn::Scene => "Scene",
            SortColumn::Agent => "Agent",
            SortColumn::Seed => "Seed",
            SortColumn::HdScore => "HD-Score",
            SortColumn::Terminal => "Terminal reason",
        }
    }
}

/// The episodes of a results directory, sortable by column.
#[derive(Debug, Clone)]
pub struct ResultsTable {
    pub dir: PathBuf,
    rows: Vec<EpisodeRow>,
    pub sort: SortColumn,
    pub ascending: bool,
    /// Row indices in display order.
    order: Vec<usize>,
}

/// HD-Score of a row (NaN when missing).
pub fn hd_score(row: &EpisodeRow) -> f64 {
    row.metrics.get("hd_score").copied().unwrap_or(f64::NAN)
}

impl ResultsTable {
    /// Rows in file order, sorted by scene (then key, so ties have one order).
    pub fn new(dir: &Path, rows: Vec<EpisodeRow>) -> ResultsTable {
        let mut t = ResultsTable {
            dir: dir.to_path_buf(),
            order: (0..rows.len()).collect(),
            rows,
            sort: SortColumn::Scene,
            ascending: true,
        };
        t.resort();
        t
    }

    /// Sort by a column; clicking the current column flips the direction.
    pub fn click_column(&mut self, col: SortColumn) {
        if self.sort == col {
            self.ascending = !self.ascending;
        } else {
            self.sort = col;
            self.ascending = true;
        }
        self.resort();
    }

    fn resort(&mut self) {
        let rows = &self.rows;
        let col = self.sort;
        let cmp = |a: &EpisodeRow, b: &EpisodeRow| match col {
            SortColumn::Scene => a.job.scenario.cmp(&b.job.scenario),
            SortColumn::Agent => a.job.agent.cmp(&b.job.agent),
            SortColumn::Seed => a.job.seed.cmp(&b.job.seed),
            // NaN (no score) sorts after every number in ascending order.
            SortColumn::HdScore => {
                let (x, y) = (hd_score(a), hd_score(b));
                match (x.is_nan(), y.is_nan()) {
                    (false, false) => x.total_cmp(&y),
                    (a_nan, b_nan) => a_nan.cmp(&b_nan),
                }
            }
            SortColumn::Terminal => a.terminal_reason.cmp(&b.terminal_reason),
        };
        let asc = self.ascending;
        self.order.sort_by(|&i, &j| {
            let o = cmp(&rows[i], &rows[j]);
            let o = if asc { o } else { o.reverse() };
            o.then_with(|| rows[i].key.cmp(&rows[j].key))
        });
    }

    /// Rows in display order.
    pub fn rows(&self) -> impl Iterator<Item = &EpisodeRow> {
        self.order.iter().map(|&i| &self.rows[i])
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Where a row's recording is.
    pub fn episode_path(&self, row: &EpisodeRow) -> PathBuf {
        crate::rollout::runner::episode_path(&self.dir, &row.key)
    }
}

/// What a shortcut does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    TogglePlay,
    StepForward,
    StepBack,
    Faster,
    Slower,
    Show(ImageKind),
    ToggleHelp,
    /// Switch the rig cameras between mesh and splat backgrounds.
    ToggleRenderMode,
}

/// Keyboard shortcuts: key, action, text for the help overlay.
pub const SHORTCUTS: &[(egui::Key, Action, &str)] = &[
    (egui::Key::Space, Action::TogglePlay, "Space: play / pause"),
    (
        egui::Key::ArrowRight,
        Action::StepForward,
        "Right arrow: one step forward",
    ),
    (
        egui::Key::ArrowLeft,
        Action::StepBack,
        "Left arrow: one step back",
    ),
    (egui::Key::Plus, Action::Faster, "+ : faster"),
    (
        egui::Key::Equals,
        Action::Faster,
        "= : faster (+ without shift)",
    ),
    (egui::Key::Minus, Action::Slower, "- : slower"),
    (
        egui::Key::Num1,
        Action::Show(ImageKind::Rgb),
        "1: RGB cameras",
    ),
    (
        egui::Key::Num2,
        Action::Show(ImageKind::Depth),
        "2: depth cameras",
    ),
    (
        egui::Key::Num3,
        Action::Show(ImageKind::Semantic),
        "3: semantic cameras",
    ),
    (
        egui::Key::M,
        Action::ToggleRenderMode,
        "M: mesh / splat background of the six cameras",
    ),
    (egui::Key::H, Action::ToggleHelp, "H: this help"),
    (egui::Key::F1, Action::ToggleHelp, "F1: this help"),
];

pub fn action_for_key(key: egui::Key) -> Option<Action> {
    SHORTCUTS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, a, _)| *a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::{EgoRecord, EpisodeJob};
    use std::collections::BTreeMap;

    fn step(scores: &[(&str, f64)], events: &[&str]) -> RecordedStep {
        RecordedStep {
            step: 0,
            time_secs: 0.0,
            ego: EgoRecord {
                x: 0.0,
                y: 0.0,
                yaw: 0.0,
                speed_mps: 0.0,
                accel_mps2: 0.0,
            },
            actors: vec![],
            plan_global: vec![],
            candidates: vec![],
            command: "straight".into(),
            scores: scores.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            events: events.iter().map(|e| e.to_string()).collect(),
            rewards: None,
        }
    }

    #[test]
    fn timeline_plays_in_real_time_at_each_speed() {
        let mut t = Timeline::new(100, 0.25);
        assert_eq!(t.advance(1.0), 0, "paused");
        t.toggle_play();
        // 60 frames of 1/60 s at 1x: four 0.25 s steps.
        let n: usize = (0..60).map(|_| t.advance(1.0 / 60.0)).sum();
        assert_eq!(n, 4);
        t.faster();
        assert_eq!(t.speed(), 2.0);
        let n: usize = (0..60).map(|_| t.advance(1.0 / 60.0)).sum();
        assert_eq!(n, 8);
        for _ in 0..20 {
            t.slower();
        }
        assert_eq!(t.speed(), SPEEDS[0]);
        assert_eq!(t.advance(100.0), 0, "a stall counts as at most 0.5 s");
        t.set_speed(5.0);
        assert_eq!(t.speed(), 4.0);
    }

    #[test]
    fn timeline_clamps_and_scrubs() {
        let mut t = Timeline::new(11, 0.25);
        t.seek(50);
        assert_eq!(t.index(), 10);
        assert!(t.at_end());
        t.seek_fraction(0.5);
        assert_eq!(t.index(), 5);
        t.back(9);
        assert_eq!(t.index(), 0);
        t.forward(3);
        assert_eq!(t.index(), 3);
        t.set_len(2);
        assert_eq!(t.index(), 1);
        let mut empty = Timeline::new(0, 0.25);
        empty.seek_fraction(1.0);
        assert_eq!(empty.index(), 0);
    }

    #[test]
    fn markers_flag_collisions_off_road_and_low_scores() {
        let steps = vec![
            step(&[("nc", 1.0), ("dac", 1.0), ("score", 0.9)], &[]),
            step(&[("nc", 0.0), ("dac", 1.0), ("score", 0.0)], &[]),
            step(&[("nc", 1.0), ("dac", 1.0), ("score", 0.3)], &[]),
            step(&[("score", 0.9)], &["terminal:off_road"]),
            step(&[("score", f64::NAN)], &["terminal:collision"]),
        ];
        let m = markers(&steps);
        let at = |i: usize| -> Vec<MarkerKind> {
            m.iter()
                .filter(|x| x.step_index == i)
                .map(|x| x.kind)
                .collect()
        };
        assert!(at(0).is_empty());
        assert_eq!(at(1), vec![MarkerKind::Collision, MarkerKind::LowScore]);
        assert_eq!(at(2), vec![MarkerKind::LowScore]);
        assert_eq!(at(3), vec![MarkerKind::OffRoad]);
        assert_eq!(at(4), vec![MarkerKind::Collision]);
    }

    fn row(scene: &str, agent: &str, seed: u64, hd: f64, reason: &str) -> EpisodeRow {
        let job = EpisodeJob {
            split: "test".into(),
            scene: scene.into(),
            scenario: scene.into(),
            scenario_file: None,
            family: None,
            seed,
            agent: agent.into(),
        };
        EpisodeRow::new(job, BTreeMap::from([("hd_score".into(), hd)]), reason, 3)
    }

    #[test]
    fn results_sort_by_column_and_flip() {
        let rows = vec![
            row("scene-0003", "expert", 0, 0.7, "timeout"),
            row("scene-0001", "replay", 1, f64::NAN, "collision"),
            row("scene-0002", "expert", 2, 0.9, "route_completed"),
        ];
        let mut t = ResultsTable::new(Path::new("/r"), rows);
        let scenes =
            |t: &ResultsTable| -> Vec<String> { t.rows().map(|r| r.job.scene.clone()).collect() };
        assert_eq!(scenes(&t), ["scene-0001", "scene-0002", "scene-0003"]);
        t.click_column(SortColumn::HdScore);
        assert_eq!(
            scenes(&t),
            ["scene-0003", "scene-0002", "scene-0001"],
            "NaN last"
        );
        t.click_column(SortColumn::HdScore);
        assert!(!t.ascending);
        assert_eq!(scenes(&t), ["scene-0001", "scene-0002", "scene-0003"]);
        t.click_column(SortColumn::Terminal);
        assert_eq!(scenes(&t), ["scene-0001", "scene-0002", "scene-0003"]);
        t.click_column(SortColumn::Agent);
        assert_eq!(scenes(&t), ["scene-0002", "scene-0003", "scene-0001"]);
        let first = t.rows().next().expect("row");
        assert_eq!(
            t.episode_path(first),
            Path::new("/r/episodes/test__scene-0002__expert__s2.json")
        );
    }

    #[test]
    fn shortcuts_map_keys_to_actions() {
        assert_eq!(action_for_key(egui::Key::Space), Some(Action::TogglePlay));
        assert_eq!(
            action_for_key(egui::Key::Num2),
            Some(Action::Show(ImageKind::Depth))
        );
        assert_eq!(action_for_key(egui::Key::F1), Some(Action::ToggleHelp));
        assert_eq!(action_for_key(egui::Key::M), Some(Action::ToggleRenderMode));
        assert_eq!(action_for_key(egui::Key::Q), None);
    }
}
