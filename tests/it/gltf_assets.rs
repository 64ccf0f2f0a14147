//! The actor model files: the shipped `.glb` files are what the generator writes, they load back
//! to the generator's mesh exactly, malformed files give errors (not panics) naming the file,
//! and a third-party-style file (nested node transforms, u16 indices, u8 vertex colours, a
//! material colour, no normals) loads with its transforms and colours applied.

use crate::gltf_support;

use gltf_support::{BoxFixture, box_doc, box_glb, glb_from_parts};
use mpa_sim::render::assets::{
    ActorModels, AssetError, MeshData, builtin_model, encode_glb, load_glb, model_file_name,
    parse_glb, shipped_assets_dir,
};
use mpa_sim::scene::ActorClass;
use std::path::Path;

fn assert_unit_box(mesh: &MeshData, what: &str) {
    let (lo, hi) = mesh.bounds().expect("non-empty mesh");
    assert_eq!(lo, [-0.5; 3], "{what}: min");
    assert_eq!(hi, [0.5; 3], "{what}: max");
}

#[test]
fn shipped_glb_files_are_what_the_generator_writes() {
    for class in ActorClass::ALL {
        let path = shipped_assets_dir().join(model_file_name(class));
        let shipped = std::fs::read(&path).expect("shipped model");
        let fresh = encode_glb(&builtin_model(class));
        assert!(
            shipped == fresh,
            "{} is stale: run `mpa-sim assets build`",
            path.display()
        );
        assert_eq!(fresh, encode_glb(&builtin_model(class)), "deterministic");
    }
}

#[test]
fn loading_a_shipped_file_gives_back_the_generator_mesh() {
    for class in ActorClass::ALL {
        let want = builtin_model(class).to_mesh_data();
        let got = load_glb(&shipped_assets_dir().join(model_file_name(class))).expect("loads");
        let what = class.as_str();
        assert_eq!(got.vertex_count(), want.vertex_count(), "{what}");
        assert_eq!(got.positions, want.positions, "{what}: positions bit-exact");
        assert_eq!(got.indices, want.indices, "{what}");
        assert_eq!(got.colors, want.colors, "{what}");
        for (g, w) in got.normals.iter().zip(&want.normals) {
            for k in 0..3 {
                assert!((g[k] - w[k]).abs() < 1e-6, "{what}: normal {g:?} vs {w:?}");
            }
        }
        assert_unit_box(&got, what);
        assert_unit_box(&want, what);
    }
}

/// Signed volume by the divergence theorem: positive when the triangles face outward.
fn signed_volume(mesh: &MeshData) -> f64 {
    mesh.indices
        .chunks_exact(3)
        .map(|t| {
            let [a, b, c] = [0, 1, 2].map(|k| glam::Vec3::from(mesh.positions[t[k] as usize]));
            a.as_dvec3().dot(b.as_dvec3().cross(c.as_dvec3())) / 6.0
        })
        .sum()
}

#[test]
fn builtin_models_face_outward_with_normals_matching_winding() {
    for class in ActorClass::ALL {
        let mesh = builtin_model(class).to_mesh_data();
        let what = class.as_str();
        assert!(mesh.triangle_count() > 100, "{what}: too coarse");
        // Every part is a closed convex solid, so the volume is a sum of positive volumes
        // (overlaps counted twice) and must be positive and well inside the unit box's 1.
        let v = signed_volume(&mesh);
        assert!(v > 0.05 && v < 2.0, "{what}: signed volume {v}");
        for t in mesh.indices.chunks_exact(3) {
            let [a, b, c] = [0, 1, 2].map(|k| glam::Vec3::from(mesh.positions[t[k] as usize]));
            let n = glam::Vec3::from(mesh.normals[t[0] as usize]);
            assert!((n.length() - 1.0).abs() < 1e-5, "{what}: unit normals");
            assert!(
                (b - a).cross(c - a).dot(n) > 0.0,
                "{what}: winding vs normal"
            );
        }
        for c in &mesh.colors {
            assert!(
                c.iter().all(|v| (0.0..=1.0).contains(v)),
                "{what}: colour {c:?}"
            );
        }
    }
}

fn parse(bytes: &[u8]) -> Result<MeshData, AssetError> {
    parse_glb(bytes, Path::new("models/thing.glb")).map(|l| l.mesh)
}

fn parse_err(bytes: &[u8]) -> String {
    let e = parse(bytes).expect_err("should be rejected");
    let msg = e.to_string();
    assert!(
        msg.starts_with("models/thing.glb: "),
        "names the file: {msg}"
    );
    msg
}

#[test]
fn truncated_glb_is_an_error() {
    let bytes = encode_glb(&builtin_model(ActorClass::Car));
    for cut in [bytes.len() / 2, 30, 13, 3, 0] {
        let msg = parse_err(&bytes[..cut]);
        assert!(
            msg.contains("truncated") || msg.contains("magic") || msg.contains("empty"),
            "cut at {cut}: {msg}"
        );
    }
    assert!(parse_err(&bytes[..bytes.len() / 2]).contains("truncated"));
}

#[test]
fn bad_magic_is_an_error() {
    let mut bytes = encode_glb(&builtin_model(ActorClass::Car));
    bytes[..4].copy_from_slice(b"glTX");
    let msg = parse_err(&bytes);
    assert!(msg.contains("bad magic"), "{msg}");
}

#[test]
fn wrong_json_is_an_error() {
    // Not JSON at all inside a valid container.
    let msg = parse_err(&glb_from_parts(b"{\"asset\": ", &[]));
    assert!(msg.contains("JSON"), "{msg}");
    // JSON, but not glTF: no asset.version.
    let msg = parse_err(&glb_from_parts(b"{\"asset\": {}}", &[]));
    assert!(msg.contains("version"), "{msg}");
    // A dangling accessor index.
    let doc = br#"{"asset":{"version":"2.0"},"meshes":[{"primitives":[{"attributes":{"POSITION":5}}]}],"nodes":[{"mesh":0}],"scenes":[{"nodes":[0]}]}"#;
    let msg = parse_err(&glb_from_parts(doc, &[]));
    assert!(
        msg.contains("POSITION") || msg.contains("accessors"),
        "{msg}"
    );
    // A valid document with no meshes.
    let msg = parse_err(&glb_from_parts(br#"{"asset":{"version":"2.0"}}"#, &[]));
    assert!(msg.contains("no triangles"), "{msg}");
}

#[test]
fn accessor_past_its_buffer_is_an_error() {
    // POSITION claims 3 vertices (36 bytes) but the view holds 24.
    let doc = br#"{"asset":{"version":"2.0"},
        "meshes":[{"primitives":[{"attributes":{"POSITION":0}}]}],
        "nodes":[{"mesh":0}],"scenes":[{"nodes":[0]}],"scene":0,
        "accessors":[{"bufferView":0,"componentType":5126,"count":3,"type":"VEC3",
                      "min":[0,0,0],"max":[1,1,0]}],
        "bufferViews":[{"buffer":0,"byteLength":24}],
        "buffers":[{"byteLength":24}]}"#;
    let msg = parse_err(&glb_from_parts(doc, &[0u8; 24]));
    assert!(
        msg.contains("POSITION (accessor 0)") && msg.contains("36"),
        "{msg}"
    );
}

#[test]
fn index_out_of_range_is_an_error() {
    let mut bin: Vec<u8> = [[0.0f32, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
        .iter()
        .flatten()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    bin.extend([0u16, 1, 7, 0].iter().flat_map(|v| v.to_le_bytes()));
    let doc = br#"{"asset":{"version":"2.0"},
        "meshes":[{"primitives":[{"attributes":{"POSITION":0},"indices":1}]}],
        "nodes":[{"mesh":0}],"scenes":[{"nodes":[0]}],"scene":0,
        "accessors":[{"bufferView":0,"componentType":5126,"count":3,"type":"VEC3",
                      "min":[0,0,0],"max":[1,1,0]},
                     {"bufferView":1,"componentType":5123,"count":3,"type":"SCALAR"}],
        "bufferViews":[{"buffer":0,"byteLength":36},{"buffer":0,"byteOffset":36,"byteLength":8}],
        "buffers":[{"byteLength":44}]}"#;
    let msg = parse_err(&glb_from_parts(doc, &bin));
    assert!(msg.contains("index 2 is 7"), "{msg}");
}

#[test]
fn cyclic_node_graph_is_an_error_not_a_hang() {
    let doc = br#"{"asset":{"version":"2.0"},"nodes":[{"children":[1]},{"children":[0]}],
        "scenes":[{"nodes":[0]}],"scene":0}"#;
    let msg = parse_err(&glb_from_parts(doc, &[]));
    assert!(msg.contains("reached twice"), "{msg}");
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let e = load_glb(Path::new("/nonexistent/car.glb")).expect_err("missing");
    assert!(matches!(e, AssetError::Io { .. }));
    assert!(e.to_string().contains("/nonexistent/car.glb"));
}

/// The colour of the vertices at the unit-box corner `corner` (each coordinate +-0.5).
fn colors_at(mesh: &MeshData, corner: [f32; 3]) -> Vec<[f32; 4]> {
    mesh.positions
        .iter()
        .zip(&mesh.colors)
        .filter(|(p, _)| (0..3).all(|k| (p[k] - corner[k]).abs() < 1e-6))
        .map(|(_, c)| *c)
        .collect()
}

fn assert_faces_outward(mesh: &MeshData) {
    for t in mesh.indices.chunks_exact(3) {
        let [a, b, c] = [0, 1, 2].map(|k| glam::Vec3::from(mesh.positions[t[k] as usize]));
        let n = glam::Vec3::from(mesh.normals[t[0] as usize]);
        let centroid = (a + b + c) / 3.0;
        assert!(
            n.dot(centroid) > 0.2,
            "normal {n} at {centroid} points inward"
        );
        assert!(
            (b - a).cross(c - a).dot(n) > 0.0,
            "winding disagrees with normal"
        );
    }
}

#[test]
fn third_party_glb_applies_node_transforms_and_vertex_times_material_colour() {
    let bytes = box_glb(BoxFixture {
        parent_scale: [2.0, 2.0, 2.0],
        vertex_colors: true,
        base_color: [0.5, 1.0, 1.0, 1.0],
    });
    let mesh = parse(&bytes).expect("loads");
    // No normals in the file: flat normals, one vertex per triangle corner.
    assert_eq!(mesh.vertex_count(), 36);
    assert_eq!(mesh.triangle_count(), 12);
    assert_unit_box(&mesh, "fixture");
    assert_faces_outward(&mesh);
    // Mesh (x, y, z) -> child rot 90 deg about +Y -> (z, y, -x) -> parent scale 2, +10 in x ->
    // (2z + 10, 2y, -2x) in glTF axes -> unit frame (x, y, z) = (glTF z, glTF x, glTF y) =
    // (-2x, 2z + 10, 2y). So mesh corner (1, 0, 0) lands at unit (-, -, -) and (0, 2, 4) at
    // (+, +, +).
    let red = colors_at(&mesh, [-0.5, -0.5, -0.5]);
    let green = colors_at(&mesh, [0.5, 0.5, 0.5]);
    assert!(!red.is_empty() && !green.is_empty());
    // A corner's vertices take the corner's colour (u8 255 -> 1.0, times the material).
    assert!(red.iter().all(|c| *c == [0.5, 0.0, 0.0, 1.0]), "{red:?}");
    assert!(
        green.iter().all(|c| *c == [0.0, 1.0, 0.0, 1.0]),
        "{green:?}"
    );
    // The mesh's +x face (x = 1) faces unit -x.
    let minus_x: Vec<_> = mesh
        .indices
        .chunks_exact(3)
        .filter(|t| {
            t.iter()
                .all(|&i| (mesh.positions[i as usize][0] + 0.5).abs() < 1e-6)
        })
        .map(|t| mesh.normals[t[0] as usize])
        .collect();
    assert_eq!(minus_x.len(), 2);
    for n in minus_x {
        assert!((n[0] + 1.0).abs() < 1e-6 && n[1].abs() < 1e-6 && n[2].abs() < 1e-6);
    }
}

#[test]
fn third_party_glb_with_mirroring_transform_still_faces_outward() {
    let bytes = box_glb(BoxFixture {
        parent_scale: [-1.0, 1.0, 1.0],
        vertex_colors: false,
        base_color: [0.2, 0.4, 0.6, 1.0],
    });
    let mesh = parse(&bytes).expect("loads");
    assert_unit_box(&mesh, "mirrored fixture");
    assert_faces_outward(&mesh);
    assert!(mesh.colors.iter().all(|c| *c == [0.2, 0.4, 0.6, 1.0]));
}

#[test]
fn actor_models_load_files_and_fall_back_to_builtin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture = box_glb(BoxFixture {
        parent_scale: [1.0; 3],
        vertex_colors: false,
        base_color: [1.0, 0.0, 0.0, 1.0],
    });
    std::fs::write(dir.path().join("car.glb"), &fixture).expect("write");
    let models = ActorModels::load(dir.path()).expect("loads");
    assert_eq!(models.get(ActorClass::Car).triangle_count(), 12);
    assert!(models.source(ActorClass::Car).ends_with("car.glb"));
    assert_eq!(
        models.get(ActorClass::Bus),
        &builtin_model(ActorClass::Bus).to_mesh_data()
    );
    assert_eq!(models.source(ActorClass::Bus), "built-in");
    assert_eq!(models.warnings.len(), 5, "{:?}", models.warnings);
    assert!(models.warnings.iter().any(|w| w.contains("truck.glb")));

    std::fs::write(dir.path().join("truck.glb"), b"not a model").expect("write");
    let e = ActorModels::load(dir.path()).expect_err("broken truck");
    assert!(e.to_string().contains("truck.glb"), "{e}");
}

#[test]
fn gltf_json_with_external_buffer_loads_like_the_glb() {
    let f = BoxFixture {
        parent_scale: [2.0, 2.0, 2.0],
        vertex_colors: true,
        base_color: [0.5, 1.0, 1.0, 1.0],
    };
    let (mut doc, bin) = box_doc(f);
    doc["buffers"][0]["uri"] = serde_json::json!("truck.bin");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("truck.gltf"), doc.to_string()).expect("write");
    std::fs::write(dir.path().join("truck.bin"), &bin).expect("write");
    let models = ActorModels::load(dir.path()).expect("loads");
    assert!(models.source(ActorClass::Truck).ends_with("truck.gltf"));
    assert_eq!(
        models.get(ActorClass::Truck),
        &parse(&box_glb(f)).expect("glb")
    );

    std::fs::remove_file(dir.path().join("truck.bin")).expect("rm");
    let e = ActorModels::load(dir.path()).expect_err("missing buffer");
    assert!(e.to_string().contains("truck.bin"), "{e}");
}

#[test]
fn shipped_assets_folder_has_every_class() {
    let models = ActorModels::load(&shipped_assets_dir()).expect("loads");
    assert!(models.warnings.is_empty(), "{:?}", models.warnings);
    for class in ActorClass::ALL {
        assert_unit_box(models.get(class), class.as_str());
    }
}

/// Seeded mutation check: changing digits in the JSON chunk (offsets, counts, indices,
/// component types, ...) keeps the JSON well-formed but breaks references and sizes; each
/// mutant must load or give an error, never panic.
#[test]
fn digit_mutations_of_the_json_never_panic() {
    use rand::SeedableRng;
    const SEED: u64 = 0x61f7;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(SEED);
    let fixture = box_glb(BoxFixture {
        parent_scale: [2.0, 2.0, 2.0],
        vertex_colors: true,
        base_color: [0.5, 1.0, 1.0, 1.0],
    });
    for bytes in [encode_glb(&builtin_model(ActorClass::Obstacle)), fixture] {
        mutate_digits(&bytes, &mut rng);
    }
}

fn mutate_digits(bytes: &[u8], rng: &mut rand_chacha::ChaCha8Rng) {
    use rand::Rng;
    let json_len = u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes")) as usize;
    let digits: Vec<usize> = (20..20 + json_len)
        .filter(|&i| bytes[i].is_ascii_digit())
        .collect();
    let (mut ok, mut err) = (0, 0);
    for _ in 0..400 {
        let mut m = bytes.to_vec();
        for _ in 0..rng.random_range(1..=3) {
            let at = digits[rng.random_range(0..digits.len())];
            m[at] = b'0' + rng.random_range(0..10u8);
        }
        match parse(&m) {
            Ok(mesh) => {
                ok += 1;
                assert!(mesh.positions.iter().flatten().all(|v| v.is_finite()));
            }
            Err(_) => err += 1,
        }
    }
    println!("{ok} mutants loaded, {err} rejected");
    assert!(
        err > 50,
        "mutations should break many files ({err} rejected)"
    );
}
