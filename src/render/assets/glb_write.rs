//! Binary glTF 2.0 writer (Khronos glTF 2.0 spec, section 4.4 "GLB File Format Specification").
//!
//! One node, one mesh, one primitive per material part. Each primitive has three accessors in
//! their own buffer views: POSITION and NORMAL (VEC3 float, `ARRAY_BUFFER`) and indices (SCALAR
//! u32, `ELEMENT_ARRAY_BUFFER`); POSITION carries its exact min/max. Materials are metallic-
//! roughness with a `baseColorFactor`. Vertex data is rotated from the unit frame into glTF's
//! (+Y up, front +Z). The JSON is written with sorted keys, so the bytes are deterministic.

use super::builder::Model;
use super::{AssetError, gltf_from_unit};
use serde_json::{Value, json};
use std::path::Path;

const GLB_MAGIC: u32 = 0x4654_6C67; // "glTF"
const GLB_VERSION: u32 = 2;
const CHUNK_JSON: u32 = 0x4E4F_534A; // "JSON"
const CHUNK_BIN: u32 = 0x004E_4942; // "BIN\0"
const ARRAY_BUFFER: u32 = 34962;
const ELEMENT_ARRAY_BUFFER: u32 = 34963;
const FLOAT: u32 = 5126;
const UNSIGNED_INT: u32 = 5125;
const TRIANGLES: u32 = 4;

struct BinBuilder {
    bin: Vec<u8>,
    views: Vec<Value>,
    accessors: Vec<Value>,
}

impl BinBuilder {
    /// Append a tightly packed buffer view (4-byte aligned) and return its index.
    fn view(&mut self, bytes: &[u8], target: u32) -> usize {
        while !self.bin.len().is_multiple_of(4) {
            self.bin.push(0);
        }
        self.views.push(json!({
            "buffer": 0,
            "byteOffset": self.bin.len(),
            "byteLength": bytes.len(),
            "target": target,
        }));
        self.bin.extend_from_slice(bytes);
        self.views.len() - 1
    }

    fn vec3(&mut self, data: &[[f32; 3]], with_bounds: bool) -> usize {
        let bytes: Vec<u8> = data
            .iter()
            .flatten()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let view = self.view(&bytes, ARRAY_BUFFER);
        let mut acc = json!({
            "bufferView": view,
            "componentType": FLOAT,
            "count": data.len(),
            "type": "VEC3",
        });
        if with_bounds {
            let mut lo = [f32::INFINITY; 3];
            let mut hi = [f32::NEG_INFINITY; 3];
            for p in data {
                for k in 0..3 {
                    lo[k] = lo[k].min(p[k]);
                    hi[k] = hi[k].max(p[k]);
                }
            }
            acc["min"] = json!(lo);
            acc["max"] = json!(hi);
        }
        self.accessors.push(acc);
        self.accessors.len() - 1
    }

    fn indices(&mut self, data: &[u32]) -> usize {
        let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        let view = self.view(&bytes, ELEMENT_ARRAY_BUFFER);
        self.accessors.push(json!({
            "bufferView": view,
            "componentType": UNSIGNED_INT,
            "count": data.len(),
            "type": "SCALAR",
        }));
        self.accessors.len() - 1
    }
}

/// Encode a model as GLB bytes.
pub fn encode_glb(model: &Model) -> Vec<u8> {
    let mut b = BinBuilder {
        bin: Vec::new(),
        views: Vec::new(),
        accessors: Vec::new(),
    };
    let mut primitives = Vec::new();
    let mut materials = Vec::new();
    for (i, part) in model.parts.iter().enumerate() {
        let positions: Vec<[f32; 3]> = part.positions.iter().map(|&p| gltf_from_unit(p)).collect();
        let normals: Vec<[f32; 3]> = part.normals.iter().map(|&n| gltf_from_unit(n)).collect();
        let pos = b.vec3(&positions, true);
        let nrm = b.vec3(&normals, false);
        let idx = b.indices(&part.indices);
        primitives.push(json!({
            "attributes": { "POSITION": pos, "NORMAL": nrm },
            "indices": idx,
            "material": i,
            "mode": TRIANGLES,
        }));
        materials.push(json!({
            "name": part.material,
            "pbrMetallicRoughness": {
                "baseColorFactor": part.base_color,
                "metallicFactor": 0.0,
                "roughnessFactor": 0.8,
            },
        }));
    }
    while !b.bin.len().is_multiple_of(4) {
        b.bin.push(0);
    }
    let doc = json!({
        "asset": {
            "version": "2.0",
            "generator": concat!("mpa-sim ", env!("CARGO_PKG_VERSION"), " procedural actor models"),
        },
        "scene": 0,
        "scenes": [{ "name": model.name, "nodes": [0] }],
        "nodes": [{ "name": model.name, "mesh": 0 }],
        "meshes": [{ "name": model.name, "primitives": primitives }],
        "materials": materials,
        "accessors": b.accessors,
        "bufferViews": b.views,
        "buffers": [{ "byteLength": b.bin.len() }],
    });
    let mut json_bytes = serde_json::to_vec(&doc).expect("a serde_json::Value always serialises");
    while !json_bytes.len().is_multiple_of(4) {
        json_bytes.push(b' ');
    }
    let total = 12 + 8 + json_bytes.len() + 8 + b.bin.len();
    let mut out = Vec::with_capacity(total);
    for word in [GLB_MAGIC, GLB_VERSION, total as u32] {
        out.extend_from_slice(&word.to_le_bytes());
    }
    out.extend_from_slice(&(json_bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(&CHUNK_JSON.to_le_bytes());
    out.extend_from_slice(&json_bytes);
    out.extend_from_slice(&(b.bin.len() as u32).to_le_bytes());
    out.extend_from_slice(&CHUNK_BIN.to_le_bytes());
    out.extend_from_slice(&b.bin);
    out
}

/// Write a model to `path` as GLB.
pub fn write_glb(model: &Model, path: &Path) -> Result<(), AssetError> {
    std::fs::write(path, encode_glb(model)).map_err(|source| AssetError::Io {
        path: path.to_path_buf(),
        source,
    })
}
