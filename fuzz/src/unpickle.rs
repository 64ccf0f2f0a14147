//! A reader for exactly the pickle subset `mpa_sim::serve::pickle` documents writing (protocol
//! 5, no memo, the opcodes listed in that module), so the fuzz target can check that every
//! value it builds comes back unchanged. Python's `pickle` reads the same bytes (see
//! `tests/it/serve_hugsim_client.rs`); this is the in-process stand-in. It rejects any opcode
//! outside the documented set, so a writer change that emits one fails the fuzz target too.

use mpa_sim::serve::pickle::{Dtype, NdArray, Value};

/// What the reader's stack holds: finished values, plus the intermediate objects of a numpy
/// array call.
#[derive(Debug, Clone)]
enum Item {
    Value(Value),
    Mark,
    Global(String, String),
    ByteArray(Vec<u8>),
    /// `numpy.frombuffer(data, dtype)`.
    FromBuffer(Dtype, Vec<u8>),
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| format!("truncated at byte {}: wanted {n} more", self.pos))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    fn byte(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn line(&mut self) -> Result<String, String> {
        let rest = &self.bytes[self.pos..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("GLOBAL without a newline")?;
        let s = String::from_utf8(rest[..n].to_vec()).map_err(|e| e.to_string())?;
        self.pos += n + 1;
        Ok(s)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        Ok(self.take(N)?.try_into().expect("take returns N bytes"))
    }
}

fn value(item: Item) -> Result<Value, String> {
    match item {
        Item::Value(v) => Ok(v),
        other => Err(format!("expected a value, found {other:?}")),
    }
}

fn pop(stack: &mut Vec<Item>) -> Result<Item, String> {
    stack.pop().ok_or_else(|| "stack underflow".to_string())
}

/// Items above the topmost MARK (which is removed).
fn pop_mark(stack: &mut Vec<Item>) -> Result<Vec<Item>, String> {
    let at = stack
        .iter()
        .rposition(|i| matches!(i, Item::Mark))
        .ok_or("no MARK on the stack")?;
    let items = stack.split_off(at + 1);
    stack.pop();
    Ok(items)
}

fn dtype_of(s: &str) -> Result<Dtype, String> {
    [Dtype::U8, Dtype::F32, Dtype::F64]
        .into_iter()
        .find(|d| d.numpy_str() == s)
        .ok_or_else(|| format!("unknown dtype {s:?}"))
}

/// Decode a complete pickle stream into the `Value` it holds (arrays as `Value::Array`).
pub fn unpickle(bytes: &[u8]) -> Result<Value, String> {
    let mut r = Reader { bytes, pos: 0 };
    if r.take(2)? != [0x80, 5] {
        return Err("missing PROTO 5 header".into());
    }
    let mut stack: Vec<Item> = Vec::new();
    loop {
        let op = r.byte()?;
        let push = match op {
            b'.' => break,
            b'N' => Item::Value(Value::None),
            0x88 => Item::Value(Value::Bool(true)),
            0x89 => Item::Value(Value::Bool(false)),
            b'K' => Item::Value(Value::Int(i64::from(r.byte()?))),
            b'M' => Item::Value(Value::Int(i64::from(u16::from_le_bytes(r.array()?)))),
            b'J' => Item::Value(Value::Int(i64::from(i32::from_le_bytes(r.array()?)))),
            0x8a => {
                if r.byte()? != 8 {
                    return Err("LONG1 of other than 8 bytes".into());
                }
                Item::Value(Value::Int(i64::from_le_bytes(r.array()?)))
            }
            b'G' => Item::Value(Value::Float(f64::from_be_bytes(r.array()?))),
            0x8c | b'X' => {
                let n = if op == 0x8c {
                    usize::from(r.byte()?)
                } else {
                    u32::from_le_bytes(r.array()?) as usize
                };
                let s = std::str::from_utf8(r.take(n)?).map_err(|e| e.to_string())?;
                Item::Value(Value::Str(s.to_string()))
            }
            0x96 => {
                let n =
                    usize::try_from(u64::from_le_bytes(r.array()?)).map_err(|e| e.to_string())?;
                Item::ByteArray(r.take(n)?.to_vec())
            }
            b']' => Item::Value(Value::List(Vec::new())),
            b'}' => Item::Value(Value::Dict(Vec::new())),
            b')' => Item::Value(Value::Tuple(Vec::new())),
            b'(' => Item::Mark,
            0x85..=0x87 => {
                let n = usize::from(op - 0x84);
                if stack.len() < n {
                    return Err("TUPLEn: stack underflow".into());
                }
                let items = stack.split_off(stack.len() - n);
                // Tuples of array-call arguments stay items; anything else becomes a value.
                if items.iter().all(|i| matches!(i, Item::Value(_))) {
                    Item::Value(Value::Tuple(
                        items.into_iter().map(value).collect::<Result<_, _>>()?,
                    ))
                } else {
                    call_args(items)?
                }
            }
            b't' => Item::Value(Value::Tuple(
                pop_mark(&mut stack)?
                    .into_iter()
                    .map(value)
                    .collect::<Result<_, _>>()?,
            )),
            b'e' => {
                let items = pop_mark(&mut stack)?;
                match stack.last_mut() {
                    Some(Item::Value(Value::List(l))) => {
                        for i in items {
                            l.push(value(i)?);
                        }
                    }
                    _ => return Err("APPENDS without a list".into()),
                }
                continue;
            }
            b'u' => {
                let items = pop_mark(&mut stack)?;
                if items.len() % 2 != 0 {
                    return Err("SETITEMS with an odd number of items".into());
                }
                let mut it = items.into_iter();
                let mut pairs = Vec::new();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    pairs.push((value(k)?, value(v)?));
                }
                match stack.last_mut() {
                    Some(Item::Value(Value::Dict(d))) => d.extend(pairs),
                    _ => return Err("SETITEMS without a dict".into()),
                }
                continue;
            }
            b'c' => Item::Global(r.line()?, r.line()?),
            b'R' => {
                let args = pop(&mut stack)?;
                let callable = pop(&mut stack)?;
                reduce(callable, args)?
            }
            other => return Err(format!("opcode {other:#04x} outside the documented set")),
        };
        stack.push(push);
    }
    if r.pos != bytes.len() {
        return Err(format!("{} bytes after STOP", bytes.len() - r.pos));
    }
    match (stack.pop(), stack.is_empty()) {
        (Some(item), true) => value(item),
        _ => Err("STOP with other than one item on the stack".into()),
    }
}

/// An argument tuple of a numpy call, kept as a marker item (`Item::Mark` never appears in
/// one, so a tuple of two items is rebuilt in `reduce`).
fn call_args(items: Vec<Item>) -> Result<Item, String> {
    match <[Item; 2]>::try_from(items) {
        Ok([Item::ByteArray(data), Item::Value(Value::Str(dtype))]) => {
            Ok(Item::FromBuffer(dtype_of(&dtype)?, data))
        }
        Ok(
            [
                Item::FromBuffer(dtype, data),
                Item::Value(Value::Tuple(shape)),
            ],
        ) => {
            let shape = shape
                .into_iter()
                .map(|d| match d {
                    Value::Int(i) => usize::try_from(i).map_err(|e| e.to_string()),
                    other => Err(format!("shape entry {other:?}")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let a = NdArray::new(dtype, shape, data).map_err(|e| e.to_string())?;
            // Still needs its `numpy.reshape` call: wrap as a pending reshape.
            Ok(Item::Value(Value::Tuple(vec![Value::Array(a)])))
        }
        Ok(other) => Err(format!("unexpected call arguments {other:?}")),
        Err(other) => Err(format!("unexpected call arguments {other:?}")),
    }
}

fn reduce(callable: Item, args: Item) -> Result<Item, String> {
    match (callable, args) {
        (Item::Global(m, n), Item::FromBuffer(dtype, data))
            if m == "numpy" && n == "frombuffer" =>
        {
            Ok(Item::FromBuffer(dtype, data))
        }
        (Item::Global(m, n), Item::Value(Value::Tuple(mut a)))
            if m == "numpy" && n == "reshape" && matches!(a.as_slice(), [Value::Array(_)]) =>
        {
            Ok(Item::Value(a.pop().expect("one element")))
        }
        (c, a) => Err(format!("unexpected call {c:?}({a:?})")),
    }
}
