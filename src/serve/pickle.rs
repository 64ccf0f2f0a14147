//! A Python pickle *writer* for the HUGSIM protocol's responses. The server only ever writes
//! pickles; it never reads one (unpickling client data could run arbitrary code).
//!
//! Output is a protocol-5 stream (`PROTO 5`, readable by Python >= 3.8) built from these opcodes
//! only: `NONE`, `NEWTRUE`/`NEWFALSE`, `BININT1`/`BININT2`/`BININT`/`LONG1` (ints),
//! `BINFLOAT` (big-endian f64), `SHORT_BINUNICODE`/`BINUNICODE` (UTF-8 str), `EMPTY_LIST` +
//! `MARK`...`APPENDS`, `EMPTY_TUPLE`/`TUPLE1..3`/`MARK`...`TUPLE`, `EMPTY_DICT` + `MARK`...
//! `SETITEMS`, `GLOBAL` + `REDUCE` (numpy calls), `BYTEARRAY8` (array buffers), `STOP`. No memo
//! opcodes are written, so a value's bytes do not depend on what came before them: a cached
//! fragment (`Value::Fragment`) can be spliced into any later stream.
//!
//! A numpy array is written as the call
//! `numpy.reshape(numpy.frombuffer(bytearray(<data>), "<dtype>"), (<shape>))`, which works on
//! numpy 1.x and 2.x alike. The buffer is a `bytearray`, so the unpickled array is writable like
//! the ones HUGSIM itself sends. Dtype strings are explicit little-endian (`"<f4"`), and the
//! data is written little-endian whatever the host.

use std::sync::Arc;

/// Pickle opcodes (Python's `pickletools` names).
mod op {
    pub const PROTO: u8 = 0x80;
    pub const STOP: u8 = b'.';
    pub const NONE: u8 = b'N';
    pub const NEWTRUE: u8 = 0x88;
    pub const NEWFALSE: u8 = 0x89;
    pub const BININT1: u8 = b'K';
    pub const BININT2: u8 = b'M';
    pub const BININT: u8 = b'J';
    pub const LONG1: u8 = 0x8a;
    pub const BINFLOAT: u8 = b'G';
    pub const SHORT_BINUNICODE: u8 = 0x8c;
    pub const BINUNICODE: u8 = b'X';
    pub const BYTEARRAY8: u8 = 0x96;
    pub const EMPTY_LIST: u8 = b']';
    pub const APPENDS: u8 = b'e';
    pub const EMPTY_TUPLE: u8 = b')';
    pub const TUPLE1: u8 = 0x85;
    pub const TUPLE2: u8 = 0x86;
    pub const TUPLE3: u8 = 0x87;
    pub const TUPLE: u8 = b't';
    pub const MARK: u8 = b'(';
    pub const EMPTY_DICT: u8 = b'}';
    pub const SETITEMS: u8 = b'u';
    pub const GLOBAL: u8 = b'c';
    pub const REDUCE: u8 = b'R';
}

/// The protocol version written in the header (BYTEARRAY8 needs 5).
pub const PROTOCOL: u8 = 5;

/// Element type of a numpy array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    U8,
    F32,
    F64,
}

impl Dtype {
    /// numpy dtype string (explicit little-endian).
    pub fn numpy_str(self) -> &'static str {
        match self {
            Dtype::U8 => "|u1",
            Dtype::F32 => "<f4",
            Dtype::F64 => "<f8",
        }
    }
    pub fn size_bytes(self) -> usize {
        match self {
            Dtype::U8 => 1,
            Dtype::F32 => 4,
            Dtype::F64 => 8,
        }
    }
}

/// A numpy array: shape and little-endian element bytes in C order.
#[derive(Debug, Clone, PartialEq)]
pub struct NdArray {
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    pub data: Vec<u8>,
}

/// numpy's largest dimension (its sizes are signed `intp`); the pickled shape is a tuple of
/// Python ints no larger than this.
pub const MAX_DIMENSION: usize = i64::MAX as usize;

/// The shape does not fit the data, or cannot be written as a numpy shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeMismatch {
    #[error("array of shape {shape:?} and dtype {dtype} needs {expected} bytes, got {got}")]
    Bytes {
        shape: Vec<usize>,
        dtype: &'static str,
        expected: usize,
        got: usize,
    },
    /// Only possible for an empty array (another dimension is 0).
    #[error(
        "array of shape {shape:?}: dimension {dimension} is over numpy's limit {MAX_DIMENSION}"
    )]
    DimensionTooLarge { shape: Vec<usize>, dimension: usize },
}

impl NdArray {
    /// Checked constructor: `data.len()` must be the product of `shape` times the element size,
    /// and every dimension at most `MAX_DIMENSION`.
    pub fn new(dtype: Dtype, shape: Vec<usize>, data: Vec<u8>) -> Result<NdArray, ShapeMismatch> {
        if let Some(&dimension) = shape.iter().find(|&&d| d > MAX_DIMENSION) {
            return Err(ShapeMismatch::DimensionTooLarge { shape, dimension });
        }
        let expected = shape
            .iter()
            .try_fold(dtype.size_bytes(), |acc, &d| acc.checked_mul(d));
        if expected != Some(data.len()) {
            return Err(ShapeMismatch::Bytes {
                shape,
                dtype: dtype.numpy_str(),
                expected: expected.unwrap_or(usize::MAX),
                got: data.len(),
            });
        }
        Ok(NdArray { dtype, shape, data })
    }
    pub fn from_u8(shape: Vec<usize>, values: Vec<u8>) -> Result<NdArray, ShapeMismatch> {
        NdArray::new(Dtype::U8, shape, values)
    }
    pub fn from_f32(shape: Vec<usize>, values: &[f32]) -> Result<NdArray, ShapeMismatch> {
        let data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        NdArray::new(Dtype::F32, shape, data)
    }
    pub fn from_f64(shape: Vec<usize>, values: &[f64]) -> Result<NdArray, ShapeMismatch> {
        let data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        NdArray::new(Dtype::F64, shape, data)
    }
}

/// A Python value to pickle. Dicts keep insertion order (as Python dicts do).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    Array(NdArray),
    /// Opcodes of one complete value written earlier by `write_value` (no header, no STOP).
    Fragment(Arc<[u8]>),
}

impl Value {
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }
    /// A dict with string keys, in the order given.
    pub fn dict<K: Into<String>>(items: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Dict(
            items
                .into_iter()
                .map(|(k, v)| (Value::Str(k.into()), v))
                .collect(),
        )
    }
    /// A list of floats.
    pub fn floats(values: &[f64]) -> Value {
        Value::List(values.iter().map(|&v| Value::Float(v)).collect())
    }
}

/// A complete pickle stream (header, value, STOP).
pub fn to_pickle(value: &Value) -> Vec<u8> {
    let mut out = vec![op::PROTO, PROTOCOL];
    write_value(&mut out, value);
    out.push(op::STOP);
    out
}

/// The opcodes of one value, without header or STOP (see `Value::Fragment`).
pub fn to_fragment(value: &Value) -> Arc<[u8]> {
    let mut out = Vec::new();
    write_value(&mut out, value);
    out.into()
}

/// Append the opcodes that push `value` on the unpickler's stack.
pub fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::None => out.push(op::NONE),
        Value::Bool(true) => out.push(op::NEWTRUE),
        Value::Bool(false) => out.push(op::NEWFALSE),
        Value::Int(i) => write_int(out, *i),
        Value::Float(f) => {
            out.push(op::BINFLOAT);
            out.extend_from_slice(&f.to_be_bytes());
        }
        Value::Str(s) => write_str(out, s),
        Value::List(items) => {
            out.push(op::EMPTY_LIST);
            if !items.is_empty() {
                out.push(op::MARK);
                for v in items {
                    write_value(out, v);
                }
                out.push(op::APPENDS);
            }
        }
        Value::Tuple(items) => write_tuple(out, items.len(), |out, i| write_value(out, &items[i])),
        Value::Dict(items) => {
            out.push(op::EMPTY_DICT);
            if !items.is_empty() {
                out.push(op::MARK);
                for (k, v) in items {
                    write_value(out, k);
                    write_value(out, v);
                }
                out.push(op::SETITEMS);
            }
        }
        Value::Array(a) => write_array(out, a),
        Value::Fragment(bytes) => out.extend_from_slice(bytes),
    }
}

fn write_int(out: &mut Vec<u8>, i: i64) {
    if let Ok(b) = u8::try_from(i) {
        out.extend_from_slice(&[op::BININT1, b]);
    } else if let Ok(w) = u16::try_from(i) {
        out.push(op::BININT2);
        out.extend_from_slice(&w.to_le_bytes());
    } else if let Ok(d) = i32::try_from(i) {
        out.push(op::BININT);
        out.extend_from_slice(&d.to_le_bytes());
    } else {
        // LONG1: length byte, then little-endian two's complement (8 bytes always suffice).
        out.extend_from_slice(&[op::LONG1, 8]);
        out.extend_from_slice(&i.to_le_bytes());
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    match u8::try_from(bytes.len()) {
        Ok(n) => out.extend_from_slice(&[op::SHORT_BINUNICODE, n]),
        Err(_) => {
            out.push(op::BINUNICODE);
            // Strings here are names and messages, far below 4 GiB.
            let n = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&n.to_le_bytes());
        }
    }
    out.extend_from_slice(bytes);
}

fn write_tuple(out: &mut Vec<u8>, len: usize, mut item: impl FnMut(&mut Vec<u8>, usize)) {
    match len {
        0 => out.push(op::EMPTY_TUPLE),
        1..=3 => {
            for i in 0..len {
                item(out, i);
            }
            out.push([op::TUPLE1, op::TUPLE2, op::TUPLE3][len - 1]);
        }
        _ => {
            out.push(op::MARK);
            for i in 0..len {
                item(out, i);
            }
            out.push(op::TUPLE);
        }
    }
}

fn write_global(out: &mut Vec<u8>, module: &str, name: &str) {
    out.push(op::GLOBAL);
    out.extend_from_slice(module.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(name.as_bytes());
    out.push(b'\n');
}

/// `numpy.reshape(numpy.frombuffer(bytearray(data), dtype), shape)`.
fn write_array(out: &mut Vec<u8>, a: &NdArray) {
    write_global(out, "numpy", "reshape");
    // args of reshape: (frombuffer(...), shape)
    write_global(out, "numpy", "frombuffer");
    out.push(op::BYTEARRAY8);
    out.extend_from_slice(&(a.data.len() as u64).to_le_bytes());
    out.extend_from_slice(&a.data);
    write_str(out, a.dtype.numpy_str());
    out.push(op::TUPLE2);
    out.push(op::REDUCE);
    // `NdArray::new` refuses dimensions over i64::MAX; only a hand-built `NdArray` gets here
    // with one, and is written clamped.
    write_tuple(out, a.shape.len(), |out, i| {
        write_int(out, i64::try_from(a.shape[i]).unwrap_or(i64::MAX))
    });
    out.push(op::TUPLE2);
    out.push(op::REDUCE);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_match_python_bytes() {
        // Bytes as CPython 3.11 `pickle.dumps(x, protocol=5)` writes them, minus its FRAME
        // and MEMOIZE opcodes (optional; we write neither).
        assert_eq!(to_pickle(&Value::None), b"\x80\x05N.");
        assert_eq!(to_pickle(&Value::Bool(true)), b"\x80\x05\x88.");
        assert_eq!(to_pickle(&Value::Int(7)), b"\x80\x05K\x07.");
        assert_eq!(to_pickle(&Value::Int(300)), b"\x80\x05M\x2c\x01.");
        assert_eq!(to_pickle(&Value::Int(-1)), b"\x80\x05J\xff\xff\xff\xff.");
        assert_eq!(
            to_pickle(&Value::Int(1 << 40)),
            b"\x80\x05\x8a\x08\x00\x00\x00\x00\x00\x01\x00\x00."
        );
        assert_eq!(
            to_pickle(&Value::Float(1.5)),
            b"\x80\x05G\x3f\xf8\x00\x00\x00\x00\x00\x00."
        );
        assert_eq!(to_pickle(&Value::str("ab")), b"\x80\x05\x8c\x02ab.");
    }

    #[test]
    fn containers() {
        let v = Value::dict([("a", Value::List(vec![Value::Int(1), Value::None]))]);
        assert_eq!(to_pickle(&v), b"\x80\x05}(\x8c\x01a](K\x01Neu.");
        assert_eq!(
            to_pickle(&Value::Tuple(vec![Value::Int(1), Value::Int(2)])),
            b"\x80\x05K\x01K\x02\x86."
        );
        assert_eq!(to_pickle(&Value::List(vec![])), b"\x80\x05].");
    }

    #[test]
    fn fragments_splice() {
        let inner = Value::dict([("x", Value::Float(2.0))]);
        let frag = to_fragment(&inner);
        let direct = to_pickle(&Value::List(vec![inner.clone()]));
        let spliced = to_pickle(&Value::List(vec![Value::Fragment(frag)]));
        assert_eq!(direct, spliced);
    }

    #[test]
    fn array_shape_checked() {
        assert!(NdArray::from_u8(vec![2, 3], vec![0; 6]).is_ok());
        let err = NdArray::from_f32(vec![2, 2], &[1.0; 3]).expect_err("3 floats for 2x2");
        assert!(
            matches!(
                err,
                ShapeMismatch::Bytes {
                    expected: 16,
                    got: 12,
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
