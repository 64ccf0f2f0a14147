//! 3DGS PLY reading and writing: round trip, a file written by Python `plyfile` in the original
//! 3DGS layout (tests/python/make_splat_ply_fixture.py), and malformed files.

use glam::{Quat, Vec3};
use mpa_sim::render::splat::ply::{parse_ply, ply_bytes, read_ply, write_ply};
use mpa_sim::render::splat::{SplatError, SplatScene};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn small_scene(sh_degree: u32, with_semantic: bool) -> SplatScene {
    let mut scene = SplatScene::empty(sh_degree);
    for g in 0..5 {
        let f = g as f32;
        scene.means.push(Vec3::new(f, -f * 0.5, 2.0 + f));
        scene.log_scales.push(Vec3::new(-1.0, -2.0 - f * 0.1, -3.0));
        scene.rotations.push(Quat::from_axis_angle(
            Vec3::new(1.0, 2.0, 3.0).normalize(),
            f * 0.3,
        ));
        scene.opacity_logits.push(f - 2.0);
        for k in 0..scene.sh_coeffs() {
            scene
                .sh
                .push(Vec3::new(f + k as f32, -(k as f32) * 0.01, 0.5 * f));
        }
    }
    if with_semantic {
        scene.semantic = Some(vec![1, 2, 3, 250, 0]);
    }
    scene
}

fn assert_close(a: &SplatScene, b: &SplatScene) {
    assert_eq!(a.len(), b.len());
    assert_eq!(a.sh_degree, b.sh_degree);
    assert_eq!(a.means, b.means);
    assert_eq!(a.log_scales, b.log_scales);
    assert_eq!(a.opacity_logits, b.opacity_logits);
    assert_eq!(a.sh, b.sh);
    assert_eq!(a.semantic, b.semantic);
    for (p, q) in a.rotations.iter().zip(&b.rotations) {
        // Re-normalisation on load may move the last bit.
        assert!((*p - *q).length() < 1e-6, "{p:?} vs {q:?}");
    }
}

#[test]
fn round_trip_all_sh_degrees_with_and_without_semantic() {
    let dir = tempfile::tempdir().expect("temp dir");
    for degree in 0..=3 {
        for with_semantic in [false, true] {
            let scene = small_scene(degree, with_semantic);
            let path = dir.path().join(format!("d{degree}_{with_semantic}.ply"));
            write_ply(&scene, &path).expect("writes");
            let back = read_ply(&path).expect("reads");
            assert_close(&scene, &back);
        }
    }
}

#[derive(serde::Deserialize)]
struct Expected {
    sh_degree: u32,
    means: Vec<[f32; 3]>,
    log_scales: Vec<[f32; 3]>,
    rotations_wxyz: Vec<[f32; 4]>,
    opacity_logits: Vec<f32>,
    sh: Vec<Vec<[f32; 3]>>,
    semantic: Vec<u8>,
}

#[test]
fn loads_a_plyfile_written_fixture_in_the_original_3dgs_layout() {
    let scene = read_ply(&fixture("splat_plyfile_deg2.ply")).expect("fixture loads");
    let text = std::fs::read_to_string(fixture("splat_plyfile_deg2.json")).expect("json");
    let expected: Expected = serde_json::from_str(&text).expect("json parses");
    assert_eq!(scene.sh_degree, expected.sh_degree);
    assert_eq!(scene.len(), expected.means.len());
    for g in 0..scene.len() {
        assert_eq!(scene.means[g].to_array(), expected.means[g]);
        assert_eq!(scene.log_scales[g].to_array(), expected.log_scales[g]);
        assert_eq!(scene.opacity_logits[g], expected.opacity_logits[g]);
        let [w, x, y, z] = expected.rotations_wxyz[g];
        let q = scene.rotations[g];
        assert!((Quat::from_xyzw(x, y, z, w) - q).length() < 1e-6);
        let sh: Vec<[f32; 3]> = scene.sh_of(g).iter().map(|c| c.to_array()).collect();
        assert_eq!(
            sh, expected.sh[g],
            "SH of Gaussian {g} (f_rest is channel-major)"
        );
    }
    assert_eq!(
        scene.semantic.as_deref(),
        Some(expected.semantic.as_slice())
    );
    // Our writer produces the same header (property names, order and types) as plyfile did
    // for the original layout; the records differ only by the rotations we normalised.
    let ours = ply_bytes(&scene).expect("serialises");
    let theirs = std::fs::read(fixture("splat_plyfile_deg2.ply")).expect("fixture bytes");
    let header_end = |b: &[u8]| {
        b.windows(11)
            .position(|w| w == b"end_header\n")
            .expect("header")
            + 11
    };
    assert_eq!(
        String::from_utf8_lossy(&ours[..header_end(&ours)]),
        String::from_utf8_lossy(&theirs[..header_end(&theirs)])
    );
    assert_eq!(ours.len(), theirs.len());
}

/// A header + records built by hand: `properties` as (type, name), `records` as raw bytes.
fn ply(properties: &[(&str, &str)], count: usize, records: &[u8]) -> Vec<u8> {
    let mut text = format!("ply\nformat binary_little_endian 1.0\nelement vertex {count}\n");
    for (ty, name) in properties {
        text.push_str(&format!("property {ty} {name}\n"));
    }
    text.push_str("end_header\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(records);
    bytes
}

fn degree0_properties() -> Vec<(&'static str, &'static str)> {
    [
        "x", "y", "z", "f_dc_0", "f_dc_1", "f_dc_2", "opacity", "scale_0", "scale_1", "scale_2",
        "rot_0", "rot_1", "rot_2", "rot_3",
    ]
    .into_iter()
    .map(|n| ("float", n))
    .collect()
}

fn floats(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

const ONE_RECORD: [f32; 14] = [
    1.0, 2.0, 3.0, 0.1, 0.2, 0.3, 0.0, -1.0, -1.0, -1.0, 2.0, 0.0, 0.0, 0.0,
];

#[test]
fn minimal_file_without_normals_loads_and_normalises_rotation() {
    let bytes = ply(&degree0_properties(), 1, &floats(&ONE_RECORD));
    let scene = parse_ply(&bytes, Path::new("min.ply")).expect("loads");
    assert_eq!(scene.sh_degree, 0);
    assert_eq!(scene.rotations[0], Quat::IDENTITY);
    assert!(scene.semantic.is_none());
}

fn error_text(bytes: &[u8]) -> String {
    let err = parse_ply(bytes, Path::new("bad.ply")).expect_err("must fail");
    let text = err.to_string();
    assert!(text.contains("bad.ply"), "error names the file: {text}");
    text
}

#[test]
fn malformed_files_are_errors_naming_file_property_and_expectation() {
    // Missing property.
    let mut props = degree0_properties();
    props.retain(|p| p.1 != "opacity");
    let text = error_text(&ply(&props, 1, &floats(&ONE_RECORD[..13])));
    assert!(text.contains("`opacity`"), "{text}");

    // Wrong type of a float property and of `semantic`.
    let mut props = degree0_properties();
    props[0].0 = "int";
    let text = error_text(&ply(&props, 1, &floats(&ONE_RECORD)));
    assert!(
        text.contains("`x`") && text.contains("`int`") && text.contains("float"),
        "{text}"
    );
    let mut props = degree0_properties();
    props.push(("float", "semantic"));
    let text = error_text(&ply(
        &props,
        1,
        &floats(&[ONE_RECORD.as_slice(), &[1.0]].concat()),
    ));
    assert!(
        text.contains("`semantic`") && text.contains("uchar"),
        "{text}"
    );

    // Truncated data: two records declared, one and a half present.
    let mut data = floats(&ONE_RECORD);
    data.extend_from_slice(&floats(&ONE_RECORD[..7]));
    let text = error_text(&ply(&degree0_properties(), 2, &data));
    assert!(
        text.contains("truncated") && text.contains("record 1"),
        "{text}"
    );

    // NaN.
    let mut record = ONE_RECORD;
    record[8] = f32::NAN;
    let text = error_text(&ply(&degree0_properties(), 1, &floats(&record)));
    assert!(
        text.contains("`scale_1`") && text.contains("finite"),
        "{text}"
    );

    // Zero quaternion.
    let mut record = ONE_RECORD;
    record[10] = 0.0;
    let text = error_text(&ply(&degree0_properties(), 1, &floats(&record)));
    assert!(text.contains("rotation"), "{text}");

    // SH count that is no degree.
    let mut props = degree0_properties();
    props.push(("float", "f_rest_0"));
    let text = error_text(&ply(
        &props,
        1,
        &floats(&[ONE_RECORD.as_slice(), &[0.0]].concat()),
    ));
    assert!(
        text.contains("f_rest") && text.contains("0, 9, 24 or 45"),
        "{text}"
    );

    // ASCII format.
    let text = error_text(b"ply\nformat ascii 1.0\nelement vertex 0\nend_header\n");
    assert!(text.contains("binary_little_endian"), "{text}");

    // Not a PLY file at all.
    let text = error_text(b"PK\x03\x04 zip");
    assert!(
        text.contains("`ply`") || text.contains("end_header"),
        "{text}"
    );
}

#[test]
fn missing_file_names_the_path() {
    let err = read_ply(Path::new("/nonexistent/scene.ply")).expect_err("no file");
    assert!(matches!(err, SplatError::Io { .. }));
    assert!(err.to_string().contains("/nonexistent/scene.ply"));
}
