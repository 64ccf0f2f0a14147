//! The real viewer window under Xvfb on lavapipe: `mpa-sim view --scene scene-0004
//! --screenshot PATH` takes a screenshot of its own window (egui's `ViewportCommand::Screenshot`)
//! and quits. The picture must not be blank (the camera panel has varied pixels) and must match
//! tests/snapshots/viewer_scene_live.png within a tolerance. A second run without `--window`
//! must come up at the size the first run saved (window size persists).
//!
//! Skipped, with the reason printed, only when `xvfb-run` is missing (scripts/setup.sh installs
//! the `xvfb` package). `UPDATE_SNAPSHOTS=1` rewrites the snapshot; on a mismatch the test
//! writes `viewer_scene_live-actual.png` and `-difference.png` beside it.

#![cfg(feature = "viewer")]
#![allow(clippy::unwrap_used)] // test file: a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::Command;

const NAME: &str = "viewer_scene_live";
const WINDOW: (u32, u32) = (1280, 720);

/// A pixel differs when any channel differs by more than this (out of 255). Bound: the same
/// as the renderer's golden images (tests/it/render_golden.rs): rasterisers agree on interiors to
/// within rounding; egui's text and shapes are tessellated on the CPU with the bundled fonts,
/// so they are the same bytes on every machine.
const CHANNEL_TOLERANCE: u8 = 12;
/// At most this fraction of pixels may differ. Bound: the camera images cover about a third of
/// the window and the renderer's goldens allow 2% of their pixels to flip on triangle edges
/// (0.7% of the window); egui's anti-aliased edges (feathering on shapes and glyphs) may round
/// differently on another rasteriser, a fraction of the ~5% of pixels on UI edges. 1.5% is
/// well below a missing panel (the map alone is ~10% of the window) or a blank camera row.
const MAX_DIFF_FRACTION: f64 = 0.015;

fn xvfb_run() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("xvfb-run"))
            .find(|p| p.is_file())
    })
}

/// Run the viewer in a fresh X server; returns stdout.
fn run_view(xvfb: &Path, settings: &Path, extra: &[&str]) -> String {
    let out = Command::new(xvfb)
        .args(["-a", "-s", "-screen 0 1600x1000x24"])
        .arg(env!("CARGO_BIN_EXE_mpa-sim"))
        .args(["view", "--scene", "scene-0004"])
        .args(extra)
        // Camera images from lavapipe on every machine, as the renderer's goldens.
        .env("MPA_SIM_ADAPTER", "cpu")
        .env("MPA_SIM_VIEWER_CONFIG", settings)
        .output()
        .expect("run xvfb-run");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "mpa-sim view failed: {}\nstdout: {stdout}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Standard deviation of the luma and the number of distinct colours in a region.
fn variety(img: &image::RgbImage, x0: u32, y0: u32, x1: u32, y1: u32) -> (f64, usize) {
    let mut colours = std::collections::BTreeSet::new();
    let (mut sum, mut sum2, mut n) = (0.0, 0.0, 0.0);
    for y in y0..y1 {
        for x in x0..x1 {
            let p = img.get_pixel(x, y).0;
            colours.insert(p);
            let l = 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]);
            sum += l;
            sum2 += l * l;
            n += 1.0;
        }
    }
    let mean = sum / n;
    ((sum2 / n - mean * mean).max(0.0).sqrt(), colours.len())
}

fn compare(actual: &image::RgbImage) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let path = dir.join(format!("{NAME}.png"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        actual.save(&path).unwrap();
        return;
    }
    let expected = image::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_SNAPSHOTS=1 creates it)", path.display()))
        .to_rgb8();
    assert_eq!(expected.dimensions(), actual.dimensions(), "window size");
    let (w, h) = actual.dimensions();
    let mut diff = image::RgbImage::new(w, h);
    let mut differing = 0usize;
    for (x, y, a) in actual.enumerate_pixels() {
        let b = expected.get_pixel(x, y);
        let d = (0..3).map(|k| a[k].abs_diff(b[k])).max().unwrap_or(0);
        if d > CHANNEL_TOLERANCE {
            differing += 1;
        }
        let red = if d > CHANNEL_TOLERANCE { 255 } else { 0 };
        diff.put_pixel(x, y, image::Rgb([red, d.saturating_mul(4), 0]));
    }
    let fraction = differing as f64 / f64::from(w * h);
    if fraction > MAX_DIFF_FRACTION {
        let a = dir.join(format!("{NAME}-actual.png"));
        let d = dir.join(format!("{NAME}-difference.png"));
        actual.save(&a).unwrap();
        diff.save(&d).unwrap();
        panic!(
            "{:.2}% of pixels differ by more than {CHANNEL_TOLERANCE} (allowed {:.2}%); wrote {} and {}",
            100.0 * fraction,
            100.0 * MAX_DIFF_FRACTION,
            a.display(),
            d.display()
        );
    }
}

#[test]
fn scene_window_screenshot_matches_snapshot_and_size_persists() {
    let Some(xvfb) = xvfb_run() else {
        eprintln!(
            "skipped: xvfb-run is not installed (scripts/setup.sh installs the xvfb package)"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let settings = tmp.path().join("viewer.json");
    let shot = tmp.path().join("live.png");
    let size = format!("{}x{}", WINDOW.0, WINDOW.1);
    let stdout = run_view(
        &xvfb,
        &settings,
        &[
            "--window",
            &size,
            "--screenshot",
            shot.to_str().unwrap(),
            "--quit-after-frames",
            "8",
        ],
    );
    assert!(stdout.contains("screenshot:"), "{stdout}");
    let img = image::open(&shot).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), WINDOW, "screenshot is the window");

    // Not blank: the camera rows (left of the side panel, below the toolbar) show a rendered
    // street (sky, road, buildings, cars), not a flat fill.
    let (std_luma, colours) = variety(&img, 10, 40, 840, 340);
    assert!(
        std_luma > 20.0 && colours > 500,
        "camera panel looks blank: luma std {std_luma:.1}, {colours} colours"
    );
    compare(&img);

    // The size was saved on exit and the next window opens at it.
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    assert_eq!(
        saved["window_size"],
        serde_json::json!([WINDOW.0 as f64, WINDOW.1 as f64]),
        "{saved}"
    );
    let shot2 = tmp.path().join("again.png");
    run_view(
        &xvfb,
        &settings,
        &[
            "--screenshot",
            shot2.to_str().unwrap(),
            "--quit-after-frames",
            "3",
        ],
    );
    let again = image::open(&shot2).unwrap();
    assert_eq!(
        (again.width(), again.height()),
        WINDOW,
        "persisted window size"
    );
}
