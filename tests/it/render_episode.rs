//! `mpa-sim render --episode`: a recorded episode (made here with `mpa-sim rollout` and the
//! `replay` agent on a shipped scenario) renders to numbered contact-sheet frames and a GIF
//! that the image crate decodes with one frame per rendered step at the sheet's size; bad
//! inputs (missing file, malformed JSON, unknown scene or class, unknown mode) fail with
//! errors naming the file and field.
#![allow(clippy::unwrap_used)] // test file: a failed unwrap is a failed test

use image::AnimationDecoder;
use image::codecs::gif::GifDecoder;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mpa_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mpa-sim"))
        .args(args)
        .output()
        .expect("runs mpa-sim")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Record one short episode with the replay agent; returns the recording's path.
fn record(dir: &Path) -> PathBuf {
    let scenario =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/scenarios/side-cut-in-0003.toml");
    let out = dir.join("rollout");
    let o = Command::new(env!("CARGO_BIN_EXE_mpa-sim"))
        .args([
            "rollout",
            "--agent",
            "replay",
            "--no-progress",
            "--scenario",
        ])
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs rollout");
    assert!(o.status.success(), "{}", stderr(&o));
    let episodes: Vec<PathBuf> = std::fs::read_dir(out.join("episodes"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(episodes.len(), 1, "{episodes:?}");
    episodes[0].clone()
}

#[test]
fn episode_renders_frames_and_a_gif_of_the_contact_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let episode = record(dir.path());
    let steps =
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&episode).unwrap())
            .unwrap()["steps"]
            .as_array()
            .unwrap()
            .len();
    assert!(steps > 10, "{steps} steps");
    let every = 10;
    let expected = steps.div_ceil(every);
    let out = dir.path().join("render");
    let o = mpa_sim(&[
        "render",
        "--episode",
        episode.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--size",
        "160x90",
        "--every",
        &every.to_string(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));

    // Contact sheet: 3 x 2 tiles of 160x90 with 4 px gutters.
    let (w, h) = (3 * 160 + 2 * 4, 2 * 90 + 4);
    let mut frames: Vec<PathBuf> = std::fs::read_dir(out.join("frames"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    frames.sort();
    assert_eq!(frames.len(), expected);
    for (k, f) in frames.iter().enumerate() {
        assert_eq!(
            f.file_name().unwrap().to_str().unwrap(),
            format!("{k:05}.png")
        );
        let img = image::open(f).unwrap();
        assert_eq!((img.width(), img.height()), (w, h));
    }
    let first = image::open(&frames[0]).unwrap().to_rgb8();
    let last = image::open(&frames[expected - 1]).unwrap().to_rgb8();
    assert_ne!(first, last, "the ego moves: frames differ");

    let gif = std::fs::File::open(out.join("episode.gif")).unwrap();
    let decoded = GifDecoder::new(std::io::BufReader::new(gif))
        .unwrap()
        .into_frames()
        .collect_frames()
        .unwrap();
    assert_eq!(decoded.len(), expected);
    for f in &decoded {
        assert_eq!(f.buffer().dimensions(), (w, h));
        // 0.25 s decisions x every 10 = 2.5 s per frame.
        let (num, den) = f.delay().numer_denom_ms();
        assert_eq!(num / den, 2500);
    }
    // Without ffmpeg the MP4 is skipped with a message, never half-written.
    let has_ffmpeg = Command::new("ffmpeg").arg("-version").output().is_ok();
    assert_eq!(out.join("episode.mp4").is_file(), has_ffmpeg);
}

#[test]
fn bad_episode_inputs_fail_with_errors_naming_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out_s = out.to_str().unwrap();
    let run = |episode: &Path| {
        let o = mpa_sim(&[
            "render",
            "--episode",
            episode.to_str().unwrap(),
            "--out",
            out_s,
            "--size",
            "32x18",
        ]);
        assert!(!o.status.success());
        stderr(&o)
    };

    let missing = dir.path().join("nope.json");
    let err = run(&missing);
    assert!(err.contains("nope.json"), "{err}");

    let malformed = dir.path().join("malformed.json");
    std::fs::write(&malformed, "{\"format_version\": 1, \"meta\": ").unwrap();
    let err = run(&malformed);
    assert!(
        err.contains("malformed.json") && err.contains("malformed JSON"),
        "{err}"
    );

    let episode = record(dir.path());
    let text = std::fs::read_to_string(&episode).unwrap();
    let unknown_scene = dir.path().join("unknown_scene.json");
    std::fs::write(
        &unknown_scene,
        text.replace("\"scene\":\"scene-0003\"", "\"scene\":\"scene-9999\""),
    )
    .unwrap();
    let err = run(&unknown_scene);
    assert!(
        err.contains("unknown_scene.json")
            && err.contains("meta.job.scene")
            && err.contains("scene-9999"),
        "{err}"
    );

    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["steps"][0]["actors"][0]["class"] = "dragon".into();
    let unknown_class = dir.path().join("unknown_class.json");
    std::fs::write(&unknown_class, serde_json::to_vec(&value).unwrap()).unwrap();
    let err = run(&unknown_class);
    assert!(
        err.contains("unknown_class.json")
            && err.contains("steps[0].actors[0].class")
            && err.contains("dragon"),
        "{err}"
    );

    let o = mpa_sim(&[
        "render",
        "--episode",
        episode.to_str().unwrap(),
        "--out",
        out_s,
        "--mode",
        "raytrace",
    ]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("raytrace") && err.contains("mesh") && err.contains("splat"),
        "{err}"
    );

    // Neither --scene nor --episode.
    let o = mpa_sim(&["render", "--out", out_s]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--scene"), "{}", stderr(&o));
}

/// Recordings written before actors carried `z_m` still render (boxes stand on the ground).
#[test]
fn recordings_without_actor_heights_still_render() {
    let dir = tempfile::tempdir().unwrap();
    let episode = record(dir.path());
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&episode).unwrap()).unwrap();
    let steps = value["steps"].as_array_mut().unwrap();
    steps.truncate(2);
    for step in steps.iter_mut() {
        for actor in step["actors"].as_array_mut().unwrap() {
            actor.as_object_mut().unwrap().remove("z_m");
        }
    }
    let old = dir.path().join("old.json");
    std::fs::write(&old, serde_json::to_vec(&value).unwrap()).unwrap();
    let out = dir.path().join("old_out");
    let o = mpa_sim(&[
        "render",
        "--episode",
        old.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--size",
        "64x36",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("frames/00001.png").is_file());
}
