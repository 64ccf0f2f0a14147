//! The viewer's UI headless (egui_kittest drives `ViewerApp::ui` through AccessKit, no
//! window): open a recorded episode, scrub the timeline, switch RGB/depth/semantic, step a live
//! episode, sort a results table and open an episode from it, and open broken files.
//!
//! The episode is made here by the rollout API (`replay` agent on a shipped scene), so the
//! test follows the recording format as it is.

#![cfg(feature = "viewer")]

use std::path::{Path, PathBuf};

use egui::Vec2;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use mpa_sim::render::RenderMode;
use mpa_sim::rollout::episode::run_episode;
use mpa_sim::rollout::{EpisodeJob, EpisodeRow};
use mpa_sim::viewer::state::{ImageKind, SortColumn};
use mpa_sim::viewer::{Document, LiveOptions, OpenTarget, Settings, ViewerApp};

const SCENE: &str = "scene-0004";
const SEED: u64 = 7;

fn job(agent: &str, seed: u64) -> EpisodeJob {
    EpisodeJob {
        split: "test".into(),
        scene: SCENE.into(),
        scenario: SCENE.into(),
        scenario_file: None,
        family: None,
        seed,
        agent: agent.into(),
    }
}

/// Run an episode and write its recording into `dir/episodes/<key>.json`.
fn record(dir: &Path, agent: &str, seed: u64) -> (EpisodeRow, PathBuf) {
    let (row, rec) = run_episode(&job(agent, seed)).expect("episode runs");
    let path = mpa_sim::rollout::runner::episode_path(dir, &row.key);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    rec.write(&path).expect("write recording");
    (row, path)
}

fn harness(target: &OpenTarget, render: bool) -> Harness<'static, ViewerApp> {
    let mut app = ViewerApp::new(
        target,
        LiveOptions::default(),
        (96, 54),
        Settings::default(),
    );
    app.render_cameras = render;
    Harness::builder()
        .with_size(Vec2::new(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut ViewerApp| app.ui(ui), app)
}

#[test]
fn open_scrub_and_switch_views_of_a_recorded_episode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (row, path) = record(dir.path(), "replay", SEED);
    let mut h = harness(&OpenTarget::Episode(path), true);
    h.run();
    let steps = h.state().episode().expect("episode open").steps.len();
    assert_eq!(steps as u64, row.steps);
    assert!(steps > 4, "a real episode: {steps} steps");
    h.get_by_label_contains("playback");
    assert_eq!(h.state().shown_camera_count(), 6, "six camera images");
    assert_eq!(h.state().shown_image_kind(), Some(ImageKind::Rgb));

    // Scrub: a click in the middle of the timeline seeks to the middle step.
    h.get_by_label("Timeline").click();
    h.run();
    let mid = ((steps - 1) as f64 * 0.5).round() as usize;
    let at = h.state().episode().expect("episode").timeline.index();
    assert!(at.abs_diff(mid) <= 1, "at {at}, middle {mid}");

    // Keys: right arrow steps, left arrow steps back.
    h.key_press(egui::Key::ArrowRight);
    h.run();
    assert_eq!(h.state().episode().expect("ep").timeline.index(), at + 1);
    h.key_press(egui::Key::ArrowLeft);
    h.key_press(egui::Key::ArrowLeft);
    h.run();
    assert_eq!(h.state().episode().expect("ep").timeline.index(), at - 1);

    // Views: keys 2 and 3, and the toolbar button back to RGB.
    h.key_press(egui::Key::Num2);
    h.run();
    assert_eq!(h.state().shown_image_kind(), Some(ImageKind::Depth));
    h.key_press(egui::Key::Num3);
    h.run();
    assert_eq!(h.state().shown_image_kind(), Some(ImageKind::Semantic));
    h.get_by_label("RGB").click();
    h.run();
    assert_eq!(h.state().shown_image_kind(), Some(ImageKind::Rgb));

    // Help overlay lists the shortcuts.
    h.key_press(egui::Key::H);
    h.run();
    h.get_by_label("Space: play / pause");
}

#[test]
fn live_scene_plays_and_steps() {
    let mut h = harness(&OpenTarget::Scene(SCENE.into()), false);
    h.run();
    assert_eq!(h.state().episode().expect("live").steps.len(), 1);
    h.get_by_label_contains("| live");
    h.get_by_label("Step forward").click();
    h.run();
    let doc = h.state().episode().expect("live");
    assert_eq!((doc.steps.len(), doc.timeline.index()), (2, 1));
    // Play at 2x for a few frames (the harness steps 0.25 s per frame, so 2 decision steps
    // per frame): more steps come from the episode loop.
    h.key_press(egui::Key::Plus);
    h.key_press(egui::Key::Space);
    h.run_steps(6);
    let doc = h.state().episode().expect("live");
    assert!(doc.timeline.playing);
    assert_eq!(doc.timeline.speed(), 2.0);
    assert!(doc.steps.len() > 4, "played: {} steps", doc.steps.len());
    assert_eq!(
        doc.timeline.index() + 1,
        doc.steps.len(),
        "follows the newest step"
    );
    h.key_press(egui::Key::Space);
    h.run();
    assert!(!h.state().episode().expect("live").timeline.playing);
}

#[test]
fn the_camera_agent_drives_live_with_rendered_views() {
    let live = LiveOptions {
        agent: "base".into(),
        ..LiveOptions::default()
    };
    let app = ViewerApp::new(
        &OpenTarget::Scene(SCENE.into()),
        live,
        (96, 54),
        Settings::default(),
    );
    let mut h = Harness::builder()
        .with_size(Vec2::new(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut ViewerApp| app.ui(ui), app);
    h.run();
    h.get_by_label_contains("agent base");
    h.get_by_label("Step forward").click();
    h.run();
    let doc = h
        .state()
        .episode()
        .expect("live base episode, not an error panel");
    assert_eq!(doc.steps.len(), 2);
    // The learned policy moved the car along its own plan.
    let (a, b) = (&doc.steps[0].ego, &doc.steps[1].ego);
    assert!(a.x != b.x || a.y != b.y, "the ego did not move");
}

#[test]
fn live_scenario_file_opens_with_its_scenario() {
    let file = mpa_sim::scene::registry::shipped_scenario("side-cut-in-0003");
    let mut h = harness(&OpenTarget::Scenario(file.clone()), false);
    h.run();
    let doc = h.state().episode().expect("live scenario");
    assert_eq!(doc.job.scenario, "side-cut-in-0003");
    assert_eq!(doc.job.scenario_file.as_deref(), Some(file.as_path()));
    assert!(doc.is_live() && !doc.route.is_empty());
    h.get_by_label_contains("side-cut-in-0003 | agent expert");
}

#[test]
fn results_table_sorts_and_opens_episodes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut lines = String::new();
    let mut rows = Vec::new();
    for (agent, seed) in [("replay", 1), ("expert", 2)] {
        let (row, _) = record(dir.path(), agent, seed);
        lines.push_str(&serde_json::to_string(&row).expect("row json"));
        lines.push('\n');
        rows.push(row);
    }
    std::fs::write(dir.path().join("results.jsonl"), lines).expect("write results");

    let mut h = harness(&OpenTarget::Results(dir.path().to_path_buf()), false);
    h.run();
    let agents = |h: &Harness<'_, ViewerApp>| -> Vec<String> {
        match &h.state().doc {
            Document::Results(t) => t.rows().map(|r| r.job.agent.clone()).collect(),
            _ => panic!("results table expected"),
        }
    };
    h.get_by_label("Agent").click();
    h.run();
    assert_eq!(agents(&h), ["expert", "replay"]);
    h.get_by_label("Agent ^").click();
    h.run();
    assert_eq!(agents(&h), ["replay", "expert"]);
    h.get_by_label("Seed").click();
    h.run();
    match &h.state().doc {
        Document::Results(t) => assert_eq!(t.sort, SortColumn::Seed),
        _ => panic!("results table expected"),
    }

    h.get_by_label(&rows[1].key).click();
    h.run();
    let doc = h.state().episode().expect("episode opened from the table");
    assert_eq!(doc.job, rows[1].job);
    h.get_by_label("Back to results").click();
    h.run();
    assert!(matches!(h.state().doc, Document::Results(_)));
}

#[test]
fn broken_files_show_the_file_and_the_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad_json = dir.path().join("bad.json");
    std::fs::write(&bad_json, "{ not json").expect("write");
    let mut h = harness(&OpenTarget::Episode(bad_json.clone()), false);
    h.run();
    h.get_by_label("Could not open");
    h.get_by_label(&bad_json.display().to_string());
    h.get_by_label_contains("malformed JSON");

    // A well-formed recording of a scene that does not exist.
    let (_, good) = record(dir.path(), "replay", SEED);
    let text = std::fs::read_to_string(&good).expect("read");
    let missing = dir.path().join("missing-scene.json");
    std::fs::write(&missing, text.replace(SCENE, "scene-9999")).expect("write");
    let mut h = harness(&OpenTarget::Episode(missing.clone()), false);
    h.run();
    h.get_by_label(&missing.display().to_string());
    h.get_by_label_contains("scene-9999");

    let mut h = harness(&OpenTarget::Scene("no-such-scene".into()), false);
    h.run();
    h.get_by_label("Could not open");
    let Document::Error(err) = &h.state().doc else {
        panic!("error panel expected");
    };
    assert!(err.file.contains("no-such-scene"), "{err}");
    let (file, problem) = (err.file.clone(), err.problem.clone());
    h.get_by_label(&file);
    h.get_by_label(&problem);

    // An agent the registry does not know.
    let live = LiveOptions {
        agent: "nope".into(),
        seed: 0,
    };
    let app = ViewerApp::new(
        &OpenTarget::Scene(SCENE.into()),
        live,
        (96, 54),
        Settings::default(),
    );
    let Document::Error(err) = &app.doc else {
        panic!("error panel expected for an unknown agent");
    };
    assert!(
        err.problem.contains("nope") && err.problem.contains("expert"),
        "{err}"
    );

    let mut h = harness(&OpenTarget::Results(dir.path().join("nowhere")), false);
    h.run();
    h.get_by_label("Could not open");
    let Document::Error(err) = &h.state().doc else {
        panic!("error panel expected");
    };
    assert!(err.file.ends_with("results.jsonl"), "{err}");
}

#[test]
fn render_mode_switches_the_cameras_to_splats_and_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, path) = record(dir.path(), "replay", SEED);
    let cache = dir.path().join("splat-cache");
    let mut app = ViewerApp::new(
        &OpenTarget::Episode(path),
        LiveOptions::default(),
        (96, 54),
        Settings::default(),
    );
    app.splat_cache_dir = cache.clone();
    let mut h = Harness::builder()
        .with_size(Vec2::new(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut ViewerApp| app.ui(ui), app);
    h.run();
    assert_eq!(h.state().shown_render_mode(), Some(RenderMode::Mesh));
    let mesh = h.state().shown_views().expect("mesh views").clone();
    assert_eq!(mesh.cameras.len(), 6);

    // M asks for splat mode: the toolbar shows a status line while the background bakes, and
    // the cameras keep their mesh images meanwhile.
    h.key_press(egui::Key::M);
    h.step();
    assert_eq!(h.state().render_mode, RenderMode::Splat);
    assert!(
        h.state()
            .mode_status()
            .is_some_and(|s| s.contains("splat background")),
        "status: {:?}",
        h.state().mode_status()
    );
    let t0 = std::time::Instant::now();
    while h.state().shown_render_mode() != Some(RenderMode::Splat) {
        assert!(t0.elapsed().as_secs() < 300, "no splat images after 300 s");
        std::thread::sleep(std::time::Duration::from_millis(20));
        h.step();
    }
    h.run();
    assert_eq!(h.state().mode_status(), None);
    h.get_by_label_contains("Splat");
    let splat = h.state().shown_views().expect("splat views").clone();
    assert_eq!(splat.cameras.len(), 6);
    assert_eq!(
        h.state().stats.splat_rig_ms.len(),
        1,
        "one splat-mode render"
    );
    let splat_ms = h.state().stats.splat_rig_ms[0];
    eprintln!(
        "switch to splat (bake + first frame) {:.2} s; splat rig frame {splat_ms:.0} ms at 96x54",
        t0.elapsed().as_secs_f64()
    );
    for (m, s) in mesh.cameras.iter().zip(&splat.cameras) {
        assert_eq!(m.channel, s.channel);
        assert_eq!((s.width, s.height), (96, 54));
        let diff: u64 = m
            .rgb
            .iter()
            .zip(&s.rgb)
            .map(|(a, b)| u64::from(a.abs_diff(*b)))
            .sum();
        assert!(
            diff as f64 / m.rgb.len() as f64 > 2.0,
            "{}: splat RGB should differ from mesh RGB",
            m.channel
        );
    }
    // The bake went to the cache folder.
    let plys = std::fs::read_dir(&cache)
        .expect("cache folder")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "ply"))
        .count();
    assert_eq!(plys, 1);

    // The toolbar switch goes back to meshes, pixel for pixel the images of before.
    h.get_by_label("Mesh").click();
    h.run();
    assert_eq!(h.state().shown_render_mode(), Some(RenderMode::Mesh));
    assert_eq!(h.state().shown_views().expect("views"), &mesh);

    h.key_press(egui::Key::H);
    h.run();
    h.get_by_label("M: mesh / splat background of the six cameras");
}

#[test]
fn a_failed_splat_bake_shows_the_error_and_stays_in_mesh_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, path) = record(dir.path(), "replay", SEED);
    // The cache "folder" lies under a regular file, so writing the bake fails.
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, "x").expect("write");
    let mut app = ViewerApp::new(
        &OpenTarget::Episode(path),
        LiveOptions::default(),
        (96, 54),
        Settings::default(),
    );
    app.splat_cache_dir = blocker.join("splats");
    let mut h = Harness::builder()
        .with_size(Vec2::new(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut ViewerApp| app.ui(ui), app);
    h.run();
    h.get_by_label("Splat").click();
    h.step();
    let t0 = std::time::Instant::now();
    while h.state().mode_status().is_some() {
        assert!(
            t0.elapsed().as_secs() < 300,
            "bake still running after 300 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
        h.step();
    }
    h.run();
    assert_eq!(
        h.state().render_mode,
        RenderMode::Mesh,
        "falls back to mesh"
    );
    assert_eq!(h.state().shown_render_mode(), Some(RenderMode::Mesh));
    let warning = h
        .state()
        .warnings
        .iter()
        .find(|w| w.starts_with("splat mode:"))
        .expect("the failure is reported")
        .clone();
    assert!(warning.contains("not-a-dir"), "{warning}");
    h.get_by_label(&warning);
}
