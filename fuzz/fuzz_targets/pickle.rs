//! The HUGSIM response pickles. The server only writes pickles (it never reads one), so this
//! target builds a `Value` from the input bytes (nested containers, numpy arrays of any shape,
//! spliced fragments), writes it with `to_pickle` and reads it back with the strict reader in
//! `mpa_sim_fuzz::unpickle`: the stream must use only the documented opcodes and hold the
//! value that was written.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mpa_sim::serve::pickle::{Dtype, NdArray, Value, to_fragment, to_pickle};
use mpa_sim_fuzz::unpickle::unpickle;

/// Deepest nesting built (Python's unpickler has no such limit; this bounds the recursion).
const MAX_DEPTH: usize = 8;
/// Largest array payload built from one input, bytes.
const MAX_ARRAY_BYTES: usize = 1 << 16;

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        std::array::from_fn(|_| self.byte())
    }
    fn take(&mut self, n: usize) -> Vec<u8> {
        let n = n.min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head.to_vec()
    }
}

fn dim(input: &mut Input) -> usize {
    match input.byte() {
        // Occasionally a huge dimension (valid only next to a zero one).
        255 => u64::from_le_bytes(input.bytes()) as usize,
        b => usize::from(b % 16),
    }
}

fn array(input: &mut Input) -> Value {
    let dtype = [Dtype::U8, Dtype::F32, Dtype::F64][usize::from(input.byte() % 3)];
    let shape: Vec<usize> = (0..input.byte() % 5).map(|_| dim(input)).collect();
    let len = shape
        .iter()
        .try_fold(dtype.size_bytes(), |acc, &d| acc.checked_mul(d));
    let data = match len {
        Some(n) if n <= MAX_ARRAY_BYTES => {
            let mut d = input.take(n);
            d.resize(n, 0);
            d
        }
        // A size that cannot be built: a short buffer, which the constructor must refuse.
        _ => input.take(8),
    };
    match NdArray::new(dtype, shape, data) {
        Ok(a) => Value::Array(a),
        Err(e) => Value::Str(e.to_string()),
    }
}

fn value(input: &mut Input, depth: usize) -> Value {
    let tag = input.byte() % if depth >= MAX_DEPTH { 5 } else { 10 };
    match tag {
        0 => Value::None,
        1 => Value::Bool(input.byte() & 1 == 1),
        2 => Value::Int(match input.byte() % 4 {
            0 => i64::from(input.byte()),
            1 => i64::from(i16::from_le_bytes(input.bytes())),
            2 => i64::from(i32::from_le_bytes(input.bytes())),
            _ => i64::from_le_bytes(input.bytes()),
        }),
        3 => Value::Float(f64::from_le_bytes(input.bytes())),
        4 => {
            let n = usize::from(u16::from_le_bytes(input.bytes()) % 600);
            Value::Str(String::from_utf8_lossy(&input.take(n)).into_owned())
        }
        5 => Value::List(items(input, depth)),
        6 => Value::Tuple(items(input, depth)),
        7 => {
            let n = input.byte() % 6;
            Value::Dict(
                (0..n)
                    .map(|_| (value(input, depth + 1), value(input, depth + 1)))
                    .collect(),
            )
        }
        8 => array(input),
        _ => Value::Fragment(to_fragment(&value(input, depth + 1))),
    }
}

/// `v` with its fragments replaced by the values they hold (what a reader sees).
fn expanded(v: &Value) -> Value {
    match v {
        Value::Fragment(bytes) => {
            let mut stream = vec![0x80, 5];
            stream.extend_from_slice(bytes);
            stream.push(b'.');
            unpickle(&stream).expect("a fragment is one complete value")
        }
        Value::List(items) => Value::List(items.iter().map(expanded).collect()),
        Value::Tuple(items) => Value::Tuple(items.iter().map(expanded).collect()),
        Value::Dict(items) => Value::Dict(
            items
                .iter()
                .map(|(k, v)| (expanded(k), expanded(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Structural equality with floats compared by bits (NaN payloads included).
fn same(a: &Value, b: &Value) -> bool {
    let all =
        |x: &[Value], y: &[Value]| x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y));
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => all(x, y),
        (Value::Dict(x), Value::Dict(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| same(k1, k2) && same(v1, v2))
        }
        _ => a == b,
    }
}

fn items(input: &mut Input, depth: usize) -> Vec<Value> {
    let n = input.byte() % 8;
    (0..n).map(|_| value(input, depth + 1)).collect()
}

fuzz_target!(|data: &[u8]| {
    let v = value(&mut Input(data), 0);
    let bytes = to_pickle(&v);
    let back = unpickle(&bytes).unwrap_or_else(|e| panic!("unreadable pickle ({e}) of {v:?}"));
    let want = expanded(&v);
    assert!(same(&back, &want), "{want:?} read back as {back:?}");
});
