//! `mpa-sim scenes bake-splats` turns a shipped scene's mesh background into a standard 3DGS
//! PLY that our reader loads back, with the classes of the mesh (road, building, vegetation)
//! and no Gaussian far outside the map (the mesh's far ground plane is clipped).

use mpa_sim::render::splat::read_ply;
use mpa_sim::scene::registry::load_shipped_scene;
use std::process::Command;

#[test]
fn shipped_scene_bakes_to_a_readable_ply_inside_its_region() {
    let dir = tempfile::tempdir().expect("tempdir");
    let margin_m = 40.0;
    let status = Command::new(env!("CARGO_BIN_EXE_mpa-sim"))
        .args(["scenes", "bake-splats", "scene-0004", "--spacing-m", "4"])
        .args(["--margin-m", &margin_m.to_string()])
        .arg("--out")
        .arg(dir.path())
        .status()
        .expect("runs");
    assert!(status.success());
    let mut splats = read_ply(&dir.path().join("scene-0004.ply")).expect("reads back");
    let sidecar: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("scene-0004.transform.json")).expect("sidecar"),
    )
    .expect("json");
    let rows: Vec<Vec<f64>> =
        serde_json::from_value(sidecar["global_from_splat"].clone()).expect("4x4");
    let flat: Vec<f64> = rows.concat();
    assert_eq!(flat.len(), 16);
    splats.global_from_splat = glam::DMat4::from_cols_slice(&flat).transpose();
    assert!(splats.means.len() > 1000, "{}", splats.means.len());
    let classes = splats.semantic.clone().expect("semantic property");
    for class in [1u8, 4, 5] {
        assert!(classes.contains(&class), "class {class} missing");
    }
    let scene = load_shipped_scene("scene-0004").expect("scene").value;
    let (lo, hi) = mpa_sim::render::scene_mesh::paved_bounds(&scene.map).expect("paved map");
    let slack = margin_m + 70.0;
    for m in &splats.means {
        let g = splats.global_from_splat.transform_point3(m.as_dvec3());
        assert!(g.x > lo.x - slack && g.x < hi.x + slack, "{g}");
        assert!(g.y > lo.y - slack && g.y < hi.y + slack, "{g}");
    }
}
