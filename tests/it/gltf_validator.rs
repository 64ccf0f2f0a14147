//! The Khronos glTF validator (npm `gltf-validator`, the reference implementation of the glTF
//! 2.0 spec's rules) finds no errors in the shipped actor models nor in this repository's test
//! fixtures. It runs through `tests/js/validate_gltf.mjs` under Node; `scripts/setup.sh`
//! installs it (`npm ci --prefix tests/js`).

use crate::gltf_support;

use gltf_support::{BoxFixture, box_glb};
use mpa_sim::render::assets::{model_file_name, shipped_assets_dir};
use mpa_sim::scene::ActorClass;
use std::path::{Path, PathBuf};
use std::process::Command;

fn js_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js")
}

/// Validate the files; returns `path -> report` (the validator's JSON report).
fn validate(files: &[PathBuf]) -> serde_json::Map<String, serde_json::Value> {
    assert!(
        js_dir().join("node_modules/gltf-validator").is_dir(),
        "gltf-validator is not installed: run scripts/setup.sh (npm ci --prefix tests/js)"
    );
    let out = Command::new("node")
        .arg(js_dir().join("validate_gltf.mjs"))
        .args(files)
        .output()
        .expect("running node (install Node.js: scripts/setup.sh)");
    assert!(
        out.status.success(),
        "validate_gltf.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    match serde_json::from_slice(&out.stdout).expect("validator prints JSON") {
        serde_json::Value::Object(map) => map,
        other => panic!("expected a JSON object, got {other}"),
    }
}

/// Assert zero errors; print warnings, infos and hints so they show with `--nocapture`.
fn assert_no_errors(reports: &serde_json::Map<String, serde_json::Value>, expected: usize) {
    assert_eq!(reports.len(), expected, "one report per file");
    for (file, report) in reports {
        let issues = &report["issues"];
        let count = |k: &str| issues[k].as_u64().expect("issue count");
        println!(
            "{file}: {} errors, {} warnings, {} infos, {} hints; {} triangles",
            count("numErrors"),
            count("numWarnings"),
            count("numInfos"),
            count("numHints"),
            report["info"]["totalTriangleCount"]
        );
        for m in issues["messages"].as_array().into_iter().flatten() {
            println!("  {}: {} at {}", m["code"], m["message"], m["pointer"]);
        }
        assert_eq!(count("numErrors"), 0, "{file}: {}", issues["messages"]);
    }
}

#[test]
fn shipped_models_pass_the_khronos_validator() {
    let files: Vec<PathBuf> = ActorClass::ALL
        .iter()
        .map(|&c| shipped_assets_dir().join(model_file_name(c)))
        .collect();
    let reports = validate(&files);
    assert_no_errors(&reports, files.len());
    for (file, report) in &reports {
        // The shipped models should be clean: no warnings either.
        assert_eq!(report["issues"]["numWarnings"], 0, "{file}");
        assert_eq!(report["info"]["hasDefaultScene"], true, "{file}");
    }
}

#[test]
fn loader_test_fixtures_are_valid_gltf() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    for (name, fixture) in [
        (
            "colored.glb",
            BoxFixture {
                parent_scale: [2.0, 2.0, 2.0],
                vertex_colors: true,
                base_color: [0.5, 1.0, 1.0, 1.0],
            },
        ),
        (
            "mirrored.glb",
            BoxFixture {
                parent_scale: [-1.0, 1.0, 1.0],
                vertex_colors: false,
                base_color: [0.2, 0.4, 0.6, 1.0],
            },
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, box_glb(fixture)).expect("write fixture");
        files.push(path);
    }
    assert_no_errors(&validate(&files), files.len());
}

/// The harness is not vacuous: a file with a POSITION accessor of the wrong component type
/// gets errors.
#[test]
fn validator_reports_errors_in_a_broken_file() {
    let path = shipped_assets_dir().join(model_file_name(ActorClass::Car));
    let mut bytes = std::fs::read(&path).expect("shipped car");
    let needle = b"\"componentType\":5126";
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("a float accessor");
    bytes[at + needle.len() - 1] = b'5'; // 5126 FLOAT -> 5125 UNSIGNED_INT, same length
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = dir.path().join("broken.glb");
    std::fs::write(&broken, bytes).expect("write");
    let reports = validate(std::slice::from_ref(&broken));
    let errors = reports
        .values()
        .next()
        .and_then(|r| r["issues"]["numErrors"].as_u64())
        .expect("a report");
    assert!(errors > 0, "{reports:?}");
}
