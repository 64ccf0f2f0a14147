//! What a new user sees first: a healthy headless run prints no error lines, and the README's
//! first command is the script that installs what the renderer needs before building.
#![allow(clippy::unwrap_used)] // test file: a failed unwrap is a failed test

use std::path::Path;
use std::process::Command;

#[test]
fn a_healthy_headless_render_prints_no_error_lines() {
    // Before: Mesa's device-select layer made libwayland print
    // "error: XDG_RUNTIME_DIR is invalid or not set in the environment." twice.
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mpa-sim"))
        .args([
            "render",
            "--scene",
            "scene-0004",
            "--t",
            "2",
            "--size",
            "64x36",
        ])
        .arg("--out")
        .arg(dir.path())
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("NODEVICE_SELECT")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .chain(stdout.lines())
        .filter(|l| l.to_ascii_lowercase().contains("error"))
        .collect();
    assert!(
        errors.is_empty(),
        "error lines on a healthy run: {errors:?}"
    );
}

#[test]
fn the_first_readme_command_sets_up_the_machine_then_runs_the_demo() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let quick_start = &readme[readme.find("## Quick start").unwrap()..];
    let first_command = quick_start
        .lines()
        .skip_while(|l| !l.starts_with("```sh"))
        .skip(1)
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .unwrap();
    assert_eq!(first_command.trim(), "scripts/demo.sh");
    let script = std::fs::read_to_string(root.join("scripts/demo.sh")).unwrap();
    for needed in [
        "mesa-vulkan-drivers",
        "libvulkan1",
        "cargo build --release",
        " demo ",
    ] {
        assert!(script.contains(needed), "demo.sh lacks `{needed}`");
    }
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(root.join("scripts/demo.sh"))
        .status()
        .unwrap();
    assert!(syntax.success(), "scripts/demo.sh does not parse");
}
