//! Every `shaders/**/*.wgsl` parses and validates with naga (the shader compiler wgpu uses), as
//! rerun's shader_validation.rs. The mesh pipelines' shaders are checked as compiled (with
//! `shaders/common/frame.wgsl` prepended); every other file (common/, splat_*) on its own.
#![allow(clippy::unwrap_used)] // test file: a failed unwrap is a failed test

use mpa_sim::render::pipelines::{
    COMMON_WGSL, PIPELINE_WGSL, SURFACE_PIPELINES, SURFACE_WGSL, shader_source,
};
use std::path::{Path, PathBuf};

fn wgsl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            wgsl_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "wgsl") {
            out.push(p);
        }
    }
}

fn validate(name: &str, src: &str) -> Result<(), String> {
    let module =
        naga::front::wgsl::parse_str(src).map_err(|e| e.emit_to_string_with_path(src, name))?;
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::empty(),
    )
    .validate(&module)
    .map_err(|e| e.emit_to_string_with_path(src, name))?;
    Ok(())
}

#[test]
fn every_wgsl_file_validates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let mut files = Vec::new();
    wgsl_files(&root, &mut files);
    assert!(files.len() >= 4, "found only {files:?}");
    let mut failures = Vec::new();
    for f in &files {
        let body = std::fs::read_to_string(f).expect("readable shader");
        // Mesh pipelines are compiled with the common prefix; other files (splat_*) stand alone.
        let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let prefixed = PIPELINE_WGSL.iter().any(|(name, _)| *name == stem)
            && !f.parent().is_some_and(|p| p.ends_with("common"));
        let src = if prefixed {
            shader_source(stem, &body)
        } else if stem == "surface" {
            // The shared surface stage needs the frame prefix it is compiled after.
            format!("{COMMON_WGSL}\n{body}")
        } else {
            body
        };
        if let Err(e) = validate(&f.display().to_string(), &src) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn embedded_shaders_are_the_files_on_disk() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    assert_eq!(
        std::fs::read_to_string(root.join("common/frame.wgsl")).unwrap(),
        COMMON_WGSL
    );
    assert_eq!(
        std::fs::read_to_string(root.join("common/surface.wgsl")).unwrap(),
        SURFACE_WGSL
    );
    for (name, body) in PIPELINE_WGSL {
        let on_disk = std::fs::read_to_string(root.join(format!("{name}.wgsl"))).unwrap();
        assert_eq!(on_disk, body, "{name}.wgsl");
        let full = shader_source(name, body);
        assert!(body.contains("fn vs_main"), "{name}.wgsl lacks vs_main");
        assert!(full.contains("fn fs_main"), "{name} has no fs_main");
        assert_eq!(
            SURFACE_PIPELINES.contains(&name),
            !body.contains("fn fs_main"),
            "{name}: surface pipelines take fs_main from common/surface.wgsl, the others define it"
        );
    }
}
