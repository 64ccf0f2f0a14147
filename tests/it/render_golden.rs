//! Golden images of the test town (tests/render_common) rendered on the CPU adapter (lavapipe):
//! the RGB contact sheet and the CAM_FRONT semantic ids, for Boston and Singapore.
//!
//! `UPDATE_SNAPSHOTS=1 cargo test --test it render_golden` rewrites tests/snapshots/*.png. On a
//! mismatch the test writes `<name>-actual.png` and `<name>-difference.png` beside the snapshot.
//! `RENDER_OUT=DIR` also writes every output file of each frame there (for looking at them).
#![allow(clippy::unwrap_used)] // test file: a failed unwrap is a failed test

use crate::render_common;

use mpa_sim::render::images::{contact_sheet, save_views, semantic_colormap};
use mpa_sim::render::{RenderConfig, Renderer, Views, testing_context};
use mpa_sim::scene::Location;
use std::path::{Path, PathBuf};

/// Size of the golden renders (a learning-sized frame: small files, fast on lavapipe).
const SIZE: (u32, u32) = (256, 144);

/// A pixel differs when any channel differs by more than this (out of 255).
/// Bound: lavapipe and GPU rasterisers agree on interiors to within rounding of the sRGB
/// encode and the fog/lighting maths in f32 (a few counts); larger differences only come from
/// coverage decisions on triangle edges.
const CHANNEL_TOLERANCE: u8 = 12;
/// At most this fraction of pixels may differ. Bound: 12-14% of the pixels of these contact
/// sheets sit on a contrast edge (neighbour differs by more than CHANNEL_TOLERANCE; measured on
/// the snapshots), and rasterisers disagree only where an edge passes within their sub-pixel
/// precision of a pixel centre, a small share of those; 2% admits one edge pixel in six
/// flipping. It does not catch a small far object going missing: tests/it/render_geometry.rs
/// checks every actor's pixels instead.
const MAX_DIFF_FRACTION: f64 = 0.02;

fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

fn render(location: Location) -> Views {
    let ctx = testing_context().expect("a Vulkan adapter (install mesa-vulkan-drivers)");
    let map = render_common::town(location);
    let mut r =
        Renderer::new(&ctx.device, &ctx.queue, &map, &RenderConfig::default()).expect("renderer");
    let views = r
        .render_views(
            &render_common::ego_pose(location),
            &render_common::actors(location),
            &render_common::rig(),
            SIZE,
        )
        .expect("render");
    if let Some(dir) = std::env::var_os("RENDER_OUT") {
        save_views(&Path::new(&dir).join(location.as_str()), &views).expect("write outputs");
    }
    views
}

/// Compare an RGB image with its snapshot (or write it under UPDATE_SNAPSHOTS=1).
fn check(name: &str, w: u32, h: u32, rgb: &[u8]) {
    let dir = snapshot_dir();
    let path = dir.join(format!("{name}.png"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        image::save_buffer(&path, rgb, w, h, image::ExtendedColorType::Rgb8).unwrap();
        return;
    }
    let expected = image::open(&path)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run with UPDATE_SNAPSHOTS=1 to create)",
                path.display()
            )
        })
        .to_rgb8();
    assert_eq!(
        (expected.width(), expected.height()),
        (w, h),
        "{name}: size"
    );
    let mut diff = vec![0u8; rgb.len()];
    let mut differing = 0usize;
    for (i, (a, b)) in rgb
        .chunks_exact(3)
        .zip(expected.as_raw().chunks_exact(3))
        .enumerate()
    {
        let d = (0..3).map(|k| a[k].abs_diff(b[k])).max().unwrap_or(0);
        if d > CHANNEL_TOLERANCE {
            differing += 1;
            diff[3 * i] = 255;
        }
        diff[3 * i + 1] = d.saturating_mul(4);
    }
    let fraction = differing as f64 / (w * h) as f64;
    if fraction > MAX_DIFF_FRACTION {
        let actual = dir.join(format!("{name}-actual.png"));
        let difference = dir.join(format!("{name}-difference.png"));
        image::save_buffer(&actual, rgb, w, h, image::ExtendedColorType::Rgb8).unwrap();
        image::save_buffer(&difference, &diff, w, h, image::ExtendedColorType::Rgb8).unwrap();
        panic!(
            "{name}: {:.2}% of pixels differ by more than {CHANNEL_TOLERANCE} (allowed {:.2}%); wrote {} and {}",
            100.0 * fraction,
            100.0 * MAX_DIFF_FRACTION,
            actual.display(),
            difference.display()
        );
    }
}

fn golden(location: Location, tag: &str) {
    let views = render(location);
    let (w, h, sheet) = contact_sheet(&views);
    check(&format!("{tag}_contact_sheet"), w, h, &sheet);
    let front = views.camera("CAM_FRONT").expect("CAM_FRONT");
    check(
        &format!("{tag}_front_semantic"),
        front.width,
        front.height,
        &semantic_colormap(&front.semantic),
    );
}

#[test]
fn boston_town_matches_snapshot() {
    golden(Location::BostonSeaport, "boston");
}

#[test]
fn singapore_town_matches_snapshot() {
    golden(Location::SingaporeOnenorth, "singapore");
}
