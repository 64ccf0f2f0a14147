//! Standard 3DGS PLY files (the layout written by the original 3D Gaussian Splatting code,
//! Kerbl et al. 2023): `binary_little_endian 1.0`, one `vertex` element with float properties
//! `x y z nx ny nz f_dc_0..2 f_rest_0..M opacity scale_0..2 rot_0..3`, plus our optional
//! `uchar semantic`.
//!
//! - `opacity` is a logit, `scale_*` are natural logs, `rot_*` is (w, x, y, z), normalised on load.
//! - `M + 1 = 3 * ((deg + 1)^2 - 1)`: the SH degree (0 to 3) is inferred from the count.
//!   `f_rest` is stored channel-major: all R coefficients, then G, then B.
//! - Properties are located by name, so any order and extra properties (skipped) are accepted;
//!   numeric properties may be `float` or `double`, `semantic` must be `uchar`/`uint8`.
//!   Other elements are skipped when they have fixed-size records.
//!
//! A hand parser: the format is a short text header plus fixed-size little-endian records, and
//! it is checked against files written by Python `plyfile` (tests/python/make_ply_fixture.py).

use super::error::SplatError;
use super::scene::{SplatScene, sh_coeffs_per_channel};
use glam::{Quat, Vec3};
use std::path::Path;

const ELEMENT: &str = "vertex";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScalarType {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    F32,
    F64,
}

impl ScalarType {
    fn parse(name: &str) -> Option<ScalarType> {
        Some(match name {
            "char" | "int8" => ScalarType::I8,
            "uchar" | "uint8" => ScalarType::U8,
            "short" | "int16" => ScalarType::I16,
            "ushort" | "uint16" => ScalarType::U16,
            "int" | "int32" => ScalarType::I32,
            "uint" | "uint32" => ScalarType::U32,
            "float" | "float32" => ScalarType::F32,
            "double" | "float64" => ScalarType::F64,
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            ScalarType::I8 | ScalarType::U8 => 1,
            ScalarType::I16 | ScalarType::U16 => 2,
            ScalarType::I32 | ScalarType::U32 | ScalarType::F32 => 4,
            ScalarType::F64 => 8,
        }
    }

    fn name(self) -> &'static str {
        match self {
            ScalarType::I8 => "char",
            ScalarType::U8 => "uchar",
            ScalarType::I16 => "short",
            ScalarType::U16 => "ushort",
            ScalarType::I32 => "int",
            ScalarType::U32 => "uint",
            ScalarType::F32 => "float",
            ScalarType::F64 => "double",
        }
    }
}

struct Property {
    name: String,
    ty: ScalarType,
    offset: usize,
}

struct Element {
    name: String,
    count: usize,
    /// None when the element has a list property (variable record size).
    record_size: Option<usize>,
    properties: Vec<Property>,
}

/// Reads a 3DGS PLY file; `global_from_splat` is set to identity (it is not part of the file).
pub fn read_ply(path: &Path) -> Result<SplatScene, SplatError> {
    let bytes = std::fs::read(path).map_err(|source| SplatError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_ply(&bytes, path)
}

/// Writes `scene` as a 3DGS PLY file (with `semantic` when the scene has semantics).
pub fn write_ply(scene: &SplatScene, path: &Path) -> Result<(), SplatError> {
    let bytes = ply_bytes(scene)?;
    std::fs::write(path, bytes).map_err(|source| SplatError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Parses PLY bytes; `path` only names the source in errors.
pub fn parse_ply(bytes: &[u8], path: &Path) -> Result<SplatScene, SplatError> {
    let (elements, data_start) = parse_header(bytes, path)?;
    let mut offset = data_start;
    for element in &elements {
        if element.name == ELEMENT {
            return read_vertices(element, &bytes[offset..], path);
        }
        let Some(size) = element.record_size else {
            return Err(SplatError::WrongType {
                path: path.to_path_buf(),
                element: element.name.clone(),
                property: "(list)".into(),
                expected: "fixed-size records before the `vertex` element".into(),
                found: "list property".into(),
            });
        };
        offset = offset.saturating_add(size.saturating_mul(element.count));
        if offset > bytes.len() {
            return Err(SplatError::Truncated {
                path: path.to_path_buf(),
                element: element.name.clone(),
                index: 0,
                expected_bytes: size * element.count,
                found_bytes: bytes.len().saturating_sub(data_start),
            });
        }
    }
    Err(SplatError::Header {
        path: path.to_path_buf(),
        line: 0,
        expected: format!("an `element {ELEMENT} N` line"),
        found: "no such element".into(),
    })
}

fn parse_header(bytes: &[u8], path: &Path) -> Result<(Vec<Element>, usize), SplatError> {
    let header_err = |line: usize, expected: &str, found: &str| SplatError::Header {
        path: path.to_path_buf(),
        line,
        expected: expected.to_string(),
        found: found.chars().take(80).collect(),
    };
    let mut elements: Vec<Element> = Vec::new();
    let mut pos = 0;
    let mut line_no = 0;
    loop {
        let Some(len) = bytes[pos..].iter().position(|&b| b == b'\n') else {
            return Err(header_err(line_no + 1, "`end_header`", "end of file"));
        };
        let raw = &bytes[pos..pos + len];
        pos += len + 1;
        line_no += 1;
        let line = std::str::from_utf8(raw)
            .map_err(|_| header_err(line_no, "ASCII header text", "non-UTF-8 bytes"))?
            .trim_end_matches('\r');
        let words: Vec<&str> = line.split_whitespace().collect();
        match (line_no, words.as_slice()) {
            (1, ["ply"]) => {}
            (1, _) => return Err(header_err(1, "`ply`", line)),
            (2, ["format", "binary_little_endian", "1.0"]) => {}
            (2, _) => return Err(header_err(2, "`format binary_little_endian 1.0`", line)),
            (_, ["comment", ..]) | (_, ["obj_info", ..]) | (_, []) => {}
            (_, ["element", name, count]) => {
                let count = count
                    .parse()
                    .map_err(|_| header_err(line_no, "an element count", line))?;
                elements.push(Element {
                    name: name.to_string(),
                    count,
                    record_size: Some(0),
                    properties: Vec::new(),
                });
            }
            (_, ["property", "list", ..]) => {
                let element = elements
                    .last_mut()
                    .ok_or_else(|| header_err(line_no, "`element` before `property`", line))?;
                element.record_size = None;
            }
            (_, ["property", ty, name]) => {
                let ty = ScalarType::parse(ty)
                    .ok_or_else(|| header_err(line_no, "a PLY scalar type", line))?;
                let element = elements
                    .last_mut()
                    .ok_or_else(|| header_err(line_no, "`element` before `property`", line))?;
                let offset = element.record_size.unwrap_or(0);
                element.record_size = element.record_size.map(|s| s + ty.size());
                element.properties.push(Property {
                    name: name.to_string(),
                    ty,
                    offset,
                });
            }
            (_, ["end_header"]) => return Ok((elements, pos)),
            _ => return Err(header_err(line_no, "a PLY header line", line)),
        }
    }
}

/// Reads scalar values of one property from fixed-size records.
struct Column<'a> {
    data: &'a [u8],
    record_size: usize,
    property: &'a Property,
}

impl Column<'_> {
    fn get(&self, i: usize) -> f64 {
        let at = i * self.record_size + self.property.offset;
        let b = &self.data[at..at + self.property.ty.size()];
        match self.property.ty {
            ScalarType::I8 => f64::from(b[0] as i8),
            ScalarType::U8 => f64::from(b[0]),
            ScalarType::I16 => f64::from(i16::from_le_bytes([b[0], b[1]])),
            ScalarType::U16 => f64::from(u16::from_le_bytes([b[0], b[1]])),
            ScalarType::I32 => f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            ScalarType::U32 => f64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            ScalarType::F32 => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            ScalarType::F64 => f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        }
    }
}

fn read_vertices(element: &Element, data: &[u8], path: &Path) -> Result<SplatScene, SplatError> {
    let record_size = element.record_size.ok_or_else(|| SplatError::WrongType {
        path: path.to_path_buf(),
        element: ELEMENT.into(),
        property: "(list)".into(),
        expected: "fixed-size scalar properties".into(),
        found: "list property".into(),
    })?;
    let n = element.count;
    let needed = record_size.saturating_mul(n);
    if data.len() < needed {
        return Err(SplatError::Truncated {
            path: path.to_path_buf(),
            element: ELEMENT.into(),
            index: data.len() / record_size.max(1),
            expected_bytes: needed,
            found_bytes: data.len(),
        });
    }
    let find = |name: &str| element.properties.iter().find(|p| p.name == name);
    let float_column = |name: &str| -> Result<Column<'_>, SplatError> {
        let property = find(name).ok_or_else(|| SplatError::MissingProperty {
            path: path.to_path_buf(),
            element: ELEMENT.into(),
            property: name.into(),
        })?;
        if !matches!(property.ty, ScalarType::F32 | ScalarType::F64) {
            return Err(SplatError::WrongType {
                path: path.to_path_buf(),
                element: ELEMENT.into(),
                property: name.into(),
                expected: "`float` or `double`".into(),
                found: property.ty.name().into(),
            });
        }
        Ok(Column {
            data,
            record_size,
            property,
        })
    };
    let rest_count = element
        .properties
        .iter()
        .filter(|p| p.name.starts_with("f_rest_"))
        .count();
    let sh_degree = match rest_count {
        0 => 0,
        9 => 1,
        24 => 2,
        45 => 3,
        count => {
            return Err(SplatError::ShCount {
                path: path.to_path_buf(),
                element: ELEMENT.into(),
                count,
            });
        }
    };
    let k = sh_coeffs_per_channel(sh_degree);
    let names = |prefix: &str, count: usize| -> Vec<String> {
        (0..count).map(|i| format!("{prefix}{i}")).collect()
    };
    let columns = |names: &[String]| -> Result<Vec<Column<'_>>, SplatError> {
        names.iter().map(|n| float_column(n)).collect()
    };
    let xyz = columns(&["x".into(), "y".into(), "z".into()])?;
    let dc = columns(&names("f_dc_", 3))?;
    let rest = columns(&names("f_rest_", rest_count))?;
    let opacity = float_column("opacity")?;
    let scale = columns(&names("scale_", 3))?;
    let rot = columns(&names("rot_", 4))?;
    let semantic = match find("semantic") {
        None => None,
        Some(p) if p.ty == ScalarType::U8 => Some(Column {
            data,
            record_size,
            property: p,
        }),
        Some(p) => {
            return Err(SplatError::WrongType {
                path: path.to_path_buf(),
                element: ELEMENT.into(),
                property: "semantic".into(),
                expected: "`uchar`".into(),
                found: p.ty.name().into(),
            });
        }
    };

    let mut scene = SplatScene::empty(sh_degree);
    scene.means.reserve(n);
    scene.sh.reserve(n * k);
    let all_columns = xyz
        .iter()
        .chain(&dc)
        .chain(&rest)
        .chain(std::iter::once(&opacity))
        .chain(&scale)
        .chain(&rot);
    let bad_value = |index: usize, property: &str, problem: &str| SplatError::BadValue {
        path: path.to_path_buf(),
        element: ELEMENT.into(),
        index,
        property: property.into(),
        problem: problem.into(),
    };
    for i in 0..n {
        if let Some(c) = all_columns.clone().find(|c| !c.get(i).is_finite()) {
            return Err(bad_value(i, &c.property.name, "not a finite number"));
        }
        let v3 =
            |c: &[Column]| Vec3::new(c[0].get(i) as f32, c[1].get(i) as f32, c[2].get(i) as f32);
        scene.means.push(v3(&xyz));
        scene.log_scales.push(v3(&scale));
        scene.opacity_logits.push(opacity.get(i) as f32);
        let (w, x, y, z) = (rot[0].get(i), rot[1].get(i), rot[2].get(i), rot[3].get(i));
        let norm = (w * w + x * x + y * y + z * z).sqrt();
        if norm < 1e-12 {
            return Err(bad_value(i, "rot_0", "rotation quaternion has zero length"));
        }
        scene.rotations.push(Quat::from_xyzw(
            (x / norm) as f32,
            (y / norm) as f32,
            (z / norm) as f32,
            (w / norm) as f32,
        ));
        scene.sh.push(v3(&dc));
        for coeff in 1..k {
            let at = |channel: usize| rest[channel * (k - 1) + coeff - 1].get(i) as f32;
            scene.sh.push(Vec3::new(at(0), at(1), at(2)));
        }
    }
    if let Some(column) = semantic {
        scene.semantic = Some((0..n).map(|i| column.get(i) as u8).collect());
    }
    Ok(scene)
}

/// The bytes of a 3DGS PLY file for `scene`.
pub fn ply_bytes(scene: &SplatScene) -> Result<Vec<u8>, SplatError> {
    scene.validate()?;
    let k = scene.sh_coeffs();
    let mut header = String::from("ply\nformat binary_little_endian 1.0\n");
    header.push_str(&format!("element vertex {}\n", scene.len()));
    let mut names: Vec<String> = ["x", "y", "z", "nx", "ny", "nz"].map(String::from).to_vec();
    names.extend((0..3).map(|i| format!("f_dc_{i}")));
    names.extend((0..3 * (k - 1)).map(|i| format!("f_rest_{i}")));
    names.push("opacity".into());
    names.extend((0..3).map(|i| format!("scale_{i}")));
    names.extend((0..4).map(|i| format!("rot_{i}")));
    for name in &names {
        header.push_str(&format!("property float {name}\n"));
    }
    if scene.semantic.is_some() {
        header.push_str("property uchar semantic\n");
    }
    header.push_str("end_header\n");

    let record = names.len() * 4 + usize::from(scene.semantic.is_some());
    let mut out = Vec::with_capacity(header.len() + record * scene.len());
    out.extend_from_slice(header.as_bytes());
    for g in 0..scene.len() {
        let mut floats: Vec<f32> = Vec::with_capacity(names.len());
        floats.extend(scene.means[g].to_array());
        floats.extend([0.0; 3]);
        let sh = scene.sh_of(g);
        floats.extend(sh[0].to_array());
        for channel in 0..3 {
            floats.extend(sh[1..].iter().map(|c| c[channel]));
        }
        floats.push(scene.opacity_logits[g]);
        floats.extend(scene.log_scales[g].to_array());
        let q = scene.rotations[g];
        floats.extend([q.w, q.x, q.y, q.z]);
        for f in floats {
            out.extend_from_slice(&f.to_le_bytes());
        }
        if let Some(sem) = &scene.semantic {
            out.push(sem[g]);
        }
    }
    Ok(out)
}
