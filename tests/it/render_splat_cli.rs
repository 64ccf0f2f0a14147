//! `mpa-sim render --mode splat` end to end on a shipped scene: the first run bakes the splat
//! background into the cache folder, the second reads it from there, `--splats` renders a given
//! PLY placed by its transform sidecar, and every run writes the same files as mesh mode.
#![allow(clippy::unwrap_used)] // test file: a failed unwrap is a failed test

use std::path::Path;
use std::process::{Command, Output};

fn render(out: &Path, extra: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_mpa-sim"))
        .args([
            "render",
            "--scene",
            "scene-0004",
            "--t",
            "2",
            "--mode",
            "splat",
        ])
        .args(["--size", "64x36", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("runs mpa-sim");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

/// The f32 values of an NPY v1.0 file (header length at bytes 8..10).
fn npy_f32(path: &Path) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap();
    let header = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    bytes[10 + header..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn expect_files(dir: &Path) {
    for cam in [
        "CAM_FRONT",
        "CAM_FRONT_LEFT",
        "CAM_FRONT_RIGHT",
        "CAM_BACK",
        "CAM_BACK_LEFT",
        "CAM_BACK_RIGHT",
    ] {
        for suffix in [
            "rgb.png",
            "depth.png",
            "depth.npy",
            "semantic.png",
            "semantic_ids.png",
        ] {
            let f = dir.join(format!("{cam}_{suffix}"));
            assert!(f.is_file(), "{} missing", f.display());
        }
    }
    let sheet = image::open(dir.join("contact_sheet.png")).unwrap();
    assert_eq!((sheet.width(), sheet.height()), (3 * 64 + 8, 2 * 36 + 4));
}

#[test]
fn splat_mode_bakes_once_then_reads_the_cache_and_takes_a_given_ply() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let cache_s = cache.to_str().unwrap();
    let first = dir.path().join("first");
    let o = render(&first, &["--cache", cache_s]);
    let log = String::from_utf8_lossy(&o.stderr);
    assert!(log.contains("baked") && log.contains("cached as"), "{log}");
    expect_files(&first);

    let second = dir.path().join("second");
    let o = render(&second, &["--cache", cache_s]);
    let log = String::from_utf8_lossy(&o.stderr);
    assert!(log.contains("from the cache"), "{log}");
    expect_files(&second);
    // Same background, same pose: the same images. Depth within 1 mm: the PLY round trip
    // re-normalises the rotations (last-bit changes in f32).
    for f in ["CAM_FRONT_rgb.png", "CAM_FRONT_semantic_ids.png"] {
        assert_eq!(
            std::fs::read(first.join(f)).unwrap(),
            std::fs::read(second.join(f)).unwrap(),
            "{f}"
        );
    }
    let (a, b) = (
        npy_f32(&first.join("CAM_FRONT_depth.npy")),
        npy_f32(&second.join("CAM_FRONT_depth.npy")),
    );
    assert_eq!(a.len(), 64 * 36);
    let worst = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-3, "depth differs by {worst} m");

    let ply = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "ply"))
        .expect("a cached PLY");
    let given = dir.path().join("given");
    let o = render(&given, &["--splats", ply.to_str().unwrap()]);
    let log = String::from_utf8_lossy(&o.stderr);
    assert!(log.contains("Gaussians from"), "{log}");
    assert!(!given.join("splat_cache").exists(), "nothing baked");
    assert_eq!(
        std::fs::read(first.join("CAM_FRONT_semantic_ids.png")).unwrap(),
        std::fs::read(given.join("CAM_FRONT_semantic_ids.png")).unwrap()
    );
}
