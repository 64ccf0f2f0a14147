//! Parses and validates the splat WGSL shaders with naga (as rerun's shader_validation.rs), so
//! a shader error fails here with its message rather than at pipeline creation.

use std::path::Path;

#[test]
fn splat_shaders_parse_and_validate() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let mut checked = 0;
    for name in ["splat_project.wgsl", "splat_rasterize.wgsl"] {
        let path = dir.join(name);
        let source = std::fs::read_to_string(&path).expect("shader file");
        let module = naga::front::wgsl::parse_str(&source).unwrap_or_else(|e| {
            panic!(
                "{}",
                e.emit_to_string_with_path(&source, &path.display().to_string())
            )
        });
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::default(),
        )
        .validate(&module)
        .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(&source)));
        assert!(
            module
                .entry_points
                .iter()
                .all(|e| e.name.starts_with("cs_")),
            "{name}: compute entry points are named cs_*"
        );
        checked += 1;
    }
    assert_eq!(checked, 2);
}
