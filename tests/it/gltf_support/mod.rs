//! Test fixtures: "third-party style" GLB files written by hand here (not by our writer), with
//! nested node transforms, u16 indices, u8 vertex colours, a material colour and no normals, the
//! way exporters such as Blender write them.

#![allow(dead_code)]

use serde_json::json;

/// The box `[0, 1] x [0, 2] x [0, 4]` (mesh coordinates) as 8 shared corners; corner `i` has
/// x = i & 1, y = 2 * (i >> 1 & 1), z = 4 * (i >> 2 & 1).
pub fn box_corners() -> Vec<[f32; 3]> {
    (0..8)
        .map(|i| {
            [
                (i & 1) as f32,
                2.0 * ((i >> 1) & 1) as f32,
                4.0 * ((i >> 2) & 1) as f32,
            ]
        })
        .collect()
}

/// Corner 1 = (1, 0, 0) is red, corner 6 = (0, 2, 4) is green, the rest mid grey (u8).
pub fn box_colors_u8() -> Vec<[u8; 4]> {
    (0..8)
        .map(|i| match i {
            1 => [255, 0, 0, 255],
            6 => [0, 255, 0, 255],
            _ => [128, 128, 128, 255],
        })
        .collect()
}

/// 12 triangles, counter-clockwise seen from outside (oriented by the face's outward axis).
pub fn box_indices() -> Vec<u16> {
    let c = box_corners();
    let centre = [0.5f32, 1.0, 2.0];
    let mut out = Vec::new();
    for axis in 0..3 {
        for side in 0..2u16 {
            let face: Vec<u16> = (0..8u16).filter(|i| (i >> axis) & 1 == side).collect();
            // Corners of the face in cyclic order: 0, 1, 3, 2 of the filtered list.
            let quad = [face[0], face[1], face[3], face[2]];
            let p = |i: u16| c[i as usize];
            let (a, b, d) = (p(quad[0]), p(quad[1]), p(quad[2]));
            let u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
            let v = [d[0] - a[0], d[1] - a[1], d[2] - a[2]];
            let n = [
                u[1] * v[2] - u[2] * v[1],
                u[2] * v[0] - u[0] * v[2],
                u[0] * v[1] - u[1] * v[0],
            ];
            let out_dir = a[axis] - centre[axis];
            let q = if n[axis] * out_dir > 0.0 {
                quad
            } else {
                [quad[3], quad[2], quad[1], quad[0]]
            };
            out.extend_from_slice(&[q[0], q[1], q[2], q[0], q[2], q[3]]);
        }
    }
    out
}

/// How the fixture box is placed and coloured.
#[derive(Debug, Clone, Copy)]
pub struct BoxFixture {
    /// Parent node scale (translation (10, 0, 0); a child rotates 90 degrees about +Y).
    pub parent_scale: [f32; 3],
    /// Write COLOR_0 (u8, normalised); else only the material colour.
    pub vertex_colors: bool,
    pub base_color: [f32; 4],
}

fn pad4(v: &mut Vec<u8>, byte: u8) {
    while !v.len().is_multiple_of(4) {
        v.push(byte);
    }
}

/// A GLB of the fixture box under two nested nodes.
pub fn box_glb(f: BoxFixture) -> Vec<u8> {
    let (doc, bin) = box_doc(f);
    glb_from_parts(&serde_json::to_vec(&doc).expect("json"), &bin)
}

/// The fixture as glTF JSON plus its binary buffer (for `.gltf` + `.bin`, set
/// `buffers[0].uri`).
pub fn box_doc(f: BoxFixture) -> (serde_json::Value, Vec<u8>) {
    let mut bin = Vec::new();
    let mut views = Vec::new();
    let mut push_view = |bin: &mut Vec<u8>, bytes: Vec<u8>, target: u32| {
        pad4(bin, 0);
        views.push(json!({"buffer": 0, "byteOffset": bin.len(), "byteLength": bytes.len(), "target": target}));
        bin.extend_from_slice(&bytes);
        views.len() - 1
    };
    let pos: Vec<u8> = box_corners()
        .iter()
        .flatten()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let pos_view = push_view(&mut bin, pos, 34962);
    let col: Vec<u8> = box_colors_u8().into_iter().flatten().collect();
    let col_view = push_view(&mut bin, col, 34962);
    let idx: Vec<u8> = box_indices().iter().flat_map(|v| v.to_le_bytes()).collect();
    let idx_view = push_view(&mut bin, idx, 34963);
    pad4(&mut bin, 0);
    let mut attributes = json!({"POSITION": 0});
    if f.vertex_colors {
        attributes["COLOR_0"] = json!(1);
    }
    let half_sqrt2 = std::f32::consts::FRAC_1_SQRT_2;
    let doc = json!({
        "asset": {"version": "2.0", "generator": "hand-written test fixture"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [
            {"name": "parent", "translation": [10.0, 0.0, 0.0], "scale": f.parent_scale, "children": [1]},
            {"name": "child", "rotation": [0.0, half_sqrt2, 0.0, half_sqrt2], "mesh": 0}
        ],
        "meshes": [{"primitives": [{"attributes": attributes, "indices": 2, "material": 0}]}],
        "materials": [{"name": "paint", "pbrMetallicRoughness": {"baseColorFactor": f.base_color}}],
        "accessors": [
            {"bufferView": pos_view, "componentType": 5126, "count": 8, "type": "VEC3",
             "min": [0.0, 0.0, 0.0], "max": [1.0, 2.0, 4.0]},
            {"bufferView": col_view, "componentType": 5121, "normalized": true, "count": 8, "type": "VEC4"},
            {"bufferView": idx_view, "componentType": 5123, "count": 36, "type": "SCALAR"}
        ],
        "bufferViews": views,
        "buffers": [{"byteLength": bin.len()}]
    });
    (doc, bin)
}

/// A GLB container around any JSON text and binary chunk.
pub fn glb_from_parts(json_text: &[u8], bin: &[u8]) -> Vec<u8> {
    let mut json_bytes = json_text.to_vec();
    pad4(&mut json_bytes, b' ');
    let mut bin = bin.to_vec();
    pad4(&mut bin, 0);
    let total = 12 + 8 + json_bytes.len() + if bin.is_empty() { 0 } else { 8 + bin.len() };
    let mut out = Vec::new();
    out.extend_from_slice(b"glTF");
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&(json_bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(b"JSON");
    out.extend_from_slice(&json_bytes);
    if !bin.is_empty() {
        out.extend_from_slice(&(bin.len() as u32).to_le_bytes());
        out.extend_from_slice(b"BIN\0");
        out.extend_from_slice(&bin);
    }
    out
}
