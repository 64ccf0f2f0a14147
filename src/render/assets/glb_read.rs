//! glTF 2.0 reader: any `.glb` (or `.gltf` with external buffers) to one [`MeshData`] in the
//! unit frame.
//!
//! The `gltf` crate parses and validates the JSON. Before any data is read, every accessor used
//! is checked here (type, component type, count, stride, that it fits its buffer view and
//! buffer), because the crate's readers assume well-formed input. Then the default scene (else
//! the first, else every root node) is walked with node transforms applied; triangle lists,
//! strips and fans are flattened into one triangle list; colour is `COLOR_0` times the
//! material's `baseColorFactor` (textures are ignored, with a warning); missing normals become
//! flat normals; finally the mesh is rotated from glTF axes into the unit frame and scaled to the
//! unit box.

use super::builder::normalize_point;
use super::{AssetError, MeshData, unit_from_gltf};
use glam::{DMat3, DMat4, DVec3};
use gltf::accessor::{DataType, Dimensions};
use gltf::mesh::Mode;
use std::path::{Path, PathBuf};

/// A loaded mesh and what was ignored or adjusted while loading it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub mesh: MeshData,
    pub warnings: Vec<String>,
}

/// Load a `.glb` / `.gltf` file as one mesh in the unit box.
pub fn load_glb(path: &Path) -> Result<MeshData, AssetError> {
    load_glb_with_warnings(path).map(|l| l.mesh)
}

/// [`load_glb`], also returning the warnings (each prefixed with the path).
pub fn load_glb_with_warnings(path: &Path) -> Result<Loaded, AssetError> {
    let bytes = std::fs::read(path).map_err(|source| AssetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_glb(&bytes, path)
}

/// Parse glTF bytes; `path` names the file in messages and locates external buffers.
pub fn parse_glb(bytes: &[u8], path: &Path) -> Result<Loaded, AssetError> {
    let parse_err = |message: String| AssetError::Parse {
        path: path.to_path_buf(),
        message,
    };
    let invalid = |what: String| AssetError::Invalid {
        path: path.to_path_buf(),
        what,
    };
    let is_glb = bytes.starts_with(b"glTF");
    let is_json = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{');
    if bytes.is_empty() {
        return Err(parse_err("the file is empty".into()));
    }
    if !is_glb && !is_json {
        let head: Vec<u8> = bytes.iter().take(4).copied().collect();
        return Err(parse_err(format!(
            "bad magic: expected the GLB magic \"glTF\" or a JSON object, found bytes {head:02x?}"
        )));
    }
    let gltf::Gltf { document, blob } =
        gltf::Gltf::from_slice_without_validation(bytes).map_err(|e| parse_err(describe(e)))?;
    let root = document.into_json();
    // gltf-json 1.4.1's validation indexes `accessors[POSITION]` unchecked (it panics on a
    // dangling index), so check that one index before validating.
    for (m, mesh) in root.meshes.iter().enumerate() {
        for (p, prim) in mesh.primitives.iter().enumerate() {
            let pos = prim.attributes.get(&gltf::json::validation::Checked::Valid(
                gltf::Semantic::Positions,
            ));
            if let Some(index) = pos.filter(|i| i.value() >= root.accessors.len()) {
                return Err(parse_err(format!(
                    "mesh {m} primitive {p}: POSITION names accessor {} but there are {}",
                    index.value(),
                    root.accessors.len()
                )));
            }
        }
    }
    let document = gltf::Document::from_json(root).map_err(|e| parse_err(describe(e)))?;
    let buffers = load_buffers(&document, blob, path).map_err(invalid)?;
    let mut warnings = Vec::new();
    let mut prims = Vec::new();
    for (node, world) in scene_nodes(&document).map_err(invalid)? {
        let Some(mesh) = node.mesh() else { continue };
        for prim in mesh.primitives() {
            let label = format!("mesh {} primitive {}", mesh.index(), prim.index());
            match read_primitive(&prim, &buffers, world) {
                Ok(Some(p)) => prims.push(p),
                Ok(None) => warnings.push(format!(
                    "{}: {label}: mode {:?} has no triangles; skipped",
                    path.display(),
                    prim.mode()
                )),
                Err(what) => return Err(invalid(format!("{label}: {what}"))),
            }
            let material = prim.material();
            if material
                .pbr_metallic_roughness()
                .base_color_texture()
                .is_some()
            {
                warnings.push(format!(
                    "{}: {label}: base colour texture ignored; using baseColorFactor",
                    path.display()
                ));
            }
        }
    }
    let mesh = assemble(prims).map_err(invalid)?;
    Ok(Loaded { mesh, warnings })
}

/// gltf's error messages, with the GLB container errors spelled out.
fn describe(e: gltf::Error) -> String {
    use gltf::binary::Error as B;
    match e {
        gltf::Error::Binary(B::Length { length, .. }) => {
            format!("GLB header declares {length} bytes but the data ends early (truncated?)")
        }
        gltf::Error::Binary(B::ChunkLength {
            ty,
            length,
            length_read,
        }) => format!(
            "GLB {ty:?} chunk declares {length} bytes but only {length_read} remain (truncated?)"
        ),
        gltf::Error::Binary(B::Version(v)) => format!("GLB version {v}, expected 2"),
        gltf::Error::Binary(B::Magic(m)) => format!("bad GLB magic {m:02x?}, expected \"glTF\""),
        gltf::Error::Deserialize(e) => format!("glTF JSON does not parse: {e}"),
        other => other.to_string(),
    }
}

fn load_buffers(
    doc: &gltf::Document,
    blob: Option<Vec<u8>>,
    path: &Path,
) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for buffer in doc.buffers() {
        let data = match buffer.source() {
            gltf::buffer::Source::Bin => blob.clone().ok_or_else(|| {
                format!(
                    "buffer {} refers to the GLB BIN chunk, but the file has none",
                    buffer.index()
                )
            })?,
            gltf::buffer::Source::Uri(uri) if uri.starts_with("data:") => {
                return Err(format!(
                    "buffer {}: embedded data URIs are not supported; export as .glb",
                    buffer.index()
                ));
            }
            gltf::buffer::Source::Uri(uri) => {
                let file: PathBuf = path.parent().unwrap_or(Path::new(".")).join(uri);
                std::fs::read(&file).map_err(|e| {
                    format!(
                        "buffer {}: cannot read {}: {e}",
                        buffer.index(),
                        file.display()
                    )
                })?
            }
        };
        if data.len() < buffer.length() {
            return Err(format!(
                "buffer {}: byteLength is {} but only {} bytes are present",
                buffer.index(),
                buffer.length(),
                data.len()
            ));
        }
        out.push(data);
    }
    Ok(out)
}

/// Nodes with their world transforms (parent before child, in document order). The node graph
/// must be a set of trees (spec 3.5.1: no cycles, no node with two parents): a node reached
/// twice is an error, which also keeps a cyclic file from looping.
fn scene_nodes(doc: &gltf::Document) -> Result<Vec<(gltf::Node<'_>, DMat4)>, String> {
    let roots: Vec<gltf::Node> = match doc.default_scene().or_else(|| doc.scenes().next()) {
        Some(scene) => scene.nodes().collect(),
        None => {
            let mut is_child = vec![false; doc.nodes().len()];
            for n in doc.nodes() {
                for c in n.children() {
                    is_child[c.index()] = true;
                }
            }
            doc.nodes().filter(|n| !is_child[n.index()]).collect()
        }
    };
    let mut visited = vec![false; doc.nodes().len()];
    let mut out = Vec::new();
    let mut stack: Vec<(gltf::Node, DMat4)> = roots
        .into_iter()
        .rev()
        .map(|n| (n, DMat4::IDENTITY))
        .collect();
    while let Some((node, parent)) = stack.pop() {
        if std::mem::replace(&mut visited[node.index()], true) {
            return Err(format!(
                "node {} is reached twice: the node hierarchy must be a tree (no cycles, one \
                 parent per node)",
                node.index()
            ));
        }
        let matrix = node.transform().matrix().map(|c| c.map(f64::from));
        let world = parent * DMat4::from_cols_array_2d(&matrix);
        for child in node.children().collect::<Vec<_>>().into_iter().rev() {
            stack.push((child, world));
        }
        out.push((node, world));
    }
    Ok(out)
}

/// One primitive's triangles in glTF axes after its node transform (not yet unit-normalised).
struct Prim {
    positions: Vec<DVec3>,
    normals: Option<Vec<DVec3>>,
    colors: Vec<[f32; 4]>,
    indices: Vec<u32>,
}

/// Check that an accessor can be read safely as one of `allowed` (dimensions, component type).
fn check_accessor(
    acc: &gltf::Accessor,
    buffers: &[Vec<u8>],
    name: &str,
    allowed: &[(Dimensions, DataType)],
) -> Result<(), String> {
    let where_ = format!("{name} (accessor {})", acc.index());
    if !allowed.contains(&(acc.dimensions(), acc.data_type())) {
        return Err(format!(
            "{where_}: {:?} of {:?} is not supported here; expected one of {allowed:?}",
            acc.dimensions(),
            acc.data_type()
        ));
    }
    if acc.sparse().is_some() {
        return Err(format!("{where_}: sparse accessors are not supported"));
    }
    if acc.count() == 0 {
        return Err(format!("{where_}: count is 0"));
    }
    let view = acc
        .view()
        .ok_or_else(|| format!("{where_}: has no bufferView (all-zero data)"))?;
    let elem = acc.size();
    let stride = view.stride().unwrap_or(elem);
    if stride < elem {
        return Err(format!(
            "{where_}: byteStride {stride} < element size {elem}"
        ));
    }
    let needed = acc.offset() + stride * (acc.count() - 1) + elem;
    if needed > view.length() {
        return Err(format!(
            "{where_}: needs {needed} bytes but bufferView {} has {}",
            view.index(),
            view.length()
        ));
    }
    let buffer_len = buffers.get(view.buffer().index()).map_or(0, Vec::len);
    if view.offset() + view.length() > buffer_len {
        return Err(format!(
            "{where_}: bufferView {} ends at byte {} past its buffer's {buffer_len}",
            view.index(),
            view.offset() + view.length()
        ));
    }
    Ok(())
}

fn read_primitive(
    prim: &gltf::Primitive,
    buffers: &[Vec<u8>],
    world: DMat4,
) -> Result<Option<Prim>, String> {
    use DataType::{F32, U8, U16, U32};
    use Dimensions::{Scalar, Vec3, Vec4};
    let mode = prim.mode();
    if !matches!(
        mode,
        Mode::Triangles | Mode::TriangleStrip | Mode::TriangleFan
    ) {
        return Ok(None);
    }
    let reader = prim.reader(|b| buffers.get(b.index()).map(Vec::as_slice));
    let pos_acc = prim
        .get(&gltf::Semantic::Positions)
        .ok_or("has no POSITION attribute")?;
    check_accessor(&pos_acc, buffers, "POSITION", &[(Vec3, F32)])?;
    let unreadable = |what: &str| format!("{what}: data could not be read");
    let positions: Vec<DVec3> = reader
        .read_positions()
        .ok_or_else(|| unreadable("POSITION"))?
        .map(|p| world.transform_point3(DVec3::from(p.map(f64::from))))
        .collect();
    let n = positions.len();
    if let Some((i, _)) = positions.iter().enumerate().find(|(_, p)| !p.is_finite()) {
        return Err(format!("POSITION {i} is not finite"));
    }
    let normal_from = DMat3::from_mat4(world).inverse().transpose();
    let normals = match prim.get(&gltf::Semantic::Normals) {
        Some(acc) => {
            check_accessor(&acc, buffers, "NORMAL", &[(Vec3, F32)])?;
            check_count(acc.count(), n, "NORMAL")?;
            let normals: Vec<DVec3> = reader
                .read_normals()
                .ok_or_else(|| unreadable("NORMAL"))?
                .map(|v| (normal_from * DVec3::from(v.map(f64::from))).normalize_or_zero())
                .collect();
            Some(normals)
        }
        None => None,
    };
    let base = prim.material().pbr_metallic_roughness().base_color_factor();
    let colors: Vec<[f32; 4]> = match prim.get(&gltf::Semantic::Colors(0)) {
        Some(acc) => {
            let ok = [
                (Vec3, F32),
                (Vec4, F32),
                (Vec3, U8),
                (Vec4, U8),
                (Vec3, U16),
                (Vec4, U16),
            ];
            check_accessor(&acc, buffers, "COLOR_0", &ok)?;
            check_count(acc.count(), n, "COLOR_0")?;
            reader
                .read_colors(0)
                .ok_or_else(|| unreadable("COLOR_0"))?
                .into_rgba_f32()
                .map(|c| std::array::from_fn(|k| c[k] * base[k]))
                .collect()
        }
        None => vec![base; n],
    };
    let raw: Vec<u32> = match prim.indices() {
        Some(acc) => {
            check_accessor(
                &acc,
                buffers,
                "indices",
                &[(Scalar, U8), (Scalar, U16), (Scalar, U32)],
            )?;
            let idx: Vec<u32> = reader
                .read_indices()
                .ok_or_else(|| unreadable("indices"))?
                .into_u32()
                .collect();
            if let Some((i, v)) = idx.iter().enumerate().find(|(_, v)| **v as usize >= n) {
                return Err(format!("index {i} is {v}, but there are only {n} vertices"));
            }
            idx
        }
        None => (0..n as u32).collect(),
    };
    let mut indices = to_triangle_list(mode, &raw);
    if world.determinant() < 0.0 {
        // A mirroring transform flips the winding; restore counter-clockwise.
        for t in indices.chunks_exact_mut(3) {
            t.swap(1, 2);
        }
    }
    Ok(Some(Prim {
        positions,
        normals,
        colors,
        indices,
    }))
}

fn check_count(count: usize, n: usize, name: &str) -> Result<(), String> {
    if count != n {
        return Err(format!("{name} has {count} entries but POSITION has {n}"));
    }
    Ok(())
}

fn to_triangle_list(mode: Mode, idx: &[u32]) -> Vec<u32> {
    match mode {
        Mode::TriangleStrip => (2..idx.len())
            .flat_map(|i| {
                if i % 2 == 0 {
                    [idx[i - 2], idx[i - 1], idx[i]]
                } else {
                    [idx[i - 1], idx[i - 2], idx[i]]
                }
            })
            .collect(),
        Mode::TriangleFan => (2..idx.len())
            .flat_map(|i| [idx[0], idx[i - 1], idx[i]])
            .collect(),
        _ => idx[..idx.len() - idx.len() % 3].to_vec(),
    }
}

/// Concatenate primitives, rotate into the unit frame, scale to the unit box, fill in flat
/// normals where the file has none.
fn assemble(prims: Vec<Prim>) -> Result<MeshData, String> {
    let to_unit = |v: DVec3| DVec3::new(v.z, v.x, v.y); // unit_from_gltf in f64
    debug_assert_eq!(unit_from_gltf([1.0, 2.0, 3.0]), [3.0, 1.0, 2.0]);
    let mut lo = DVec3::splat(f64::INFINITY);
    let mut hi = DVec3::splat(f64::NEG_INFINITY);
    for v in prims.iter().flat_map(|p| &p.positions) {
        lo = lo.min(to_unit(*v));
        hi = hi.max(to_unit(*v));
    }
    if prims.iter().all(|p| p.indices.is_empty()) {
        return Err("no triangles in the scene (expected at least one triangle mesh)".into());
    }
    let extent = hi - lo;
    if extent.max_element() <= 0.0 {
        return Err("all triangles collapse to one point".into());
    }
    // Normals under the scale diag(1 / extent): multiply by extent (inverse transpose).
    let normal_scale = extent.max(DVec3::splat(extent.max_element() * 1e-9));
    let mut mesh = MeshData::default();
    for p in prims {
        match p.normals {
            Some(normals) => {
                let base = mesh.positions.len() as u32;
                for (v, (nrm, c)) in p.positions.iter().zip(normals.iter().zip(&p.colors)) {
                    mesh.positions
                        .push(normalize_point(to_unit(*v).to_array(), lo, hi));
                    let n = (to_unit(*nrm) * normal_scale).normalize_or_zero();
                    mesh.normals.push(n.as_vec3().to_array());
                    mesh.colors.push(*c);
                }
                mesh.indices.extend(p.indices.iter().map(|i| base + i));
            }
            None => {
                // Flat normals need a vertex per triangle corner.
                for t in p.indices.chunks_exact(3) {
                    let corners: Vec<[f32; 3]> = t
                        .iter()
                        .map(|&i| {
                            normalize_point(to_unit(p.positions[i as usize]).to_array(), lo, hi)
                        })
                        .collect();
                    let [a, b, c] = [0, 1, 2].map(|k| glam::Vec3::from(corners[k]));
                    let n = (b - a).cross(c - a).normalize_or_zero().to_array();
                    let base = mesh.positions.len() as u32;
                    for (k, &i) in t.iter().enumerate() {
                        mesh.positions.push(corners[k]);
                        mesh.normals.push(n);
                        mesh.colors.push(p.colors[i as usize]);
                    }
                    mesh.indices.extend_from_slice(&[base, base + 1, base + 2]);
                }
            }
        }
    }
    Ok(mesh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_and_fans_become_ccw_triangle_lists() {
        // Strip 0 1 2 3: triangles (0 1 2), (2 1 3) keep the winding of the first.
        assert_eq!(
            to_triangle_list(Mode::TriangleStrip, &[0, 1, 2, 3]),
            vec![0, 1, 2, 2, 1, 3]
        );
        assert_eq!(
            to_triangle_list(Mode::TriangleFan, &[0, 1, 2, 3]),
            vec![0, 1, 2, 0, 2, 3]
        );
        assert_eq!(
            to_triangle_list(Mode::Triangles, &[0, 1, 2, 3]),
            vec![0, 1, 2]
        );
    }
}
