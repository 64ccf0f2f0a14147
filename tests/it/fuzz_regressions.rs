//! Inputs the fuzz targets (`fuzz/`, run by `scripts/fuzz.sh`) found to crash or misbehave,
//! minimized and fed through the normal API; each must now give a clear error. One test per
//! finding, named after the symptom.

use mpa_sim::serve::pickle::{NdArray, ShapeMismatch, Value, to_pickle};

/// fuzz target `pickle`: an empty array whose other dimension is over i64::MAX was written
/// with that dimension clamped to i64::MAX, so the pickle held a different shape than the
/// array (found as a failed write/read-back round trip). numpy sizes are signed; the
/// constructor now refuses such a dimension.
#[test]
fn empty_array_with_dimension_over_i64_max_is_refused_not_clamped() {
    let huge = usize::MAX - 1;
    let err = NdArray::from_u8(vec![huge, 1, 0], Vec::new()).expect_err("dimension over i64");
    assert_eq!(
        err,
        ShapeMismatch::DimensionTooLarge {
            shape: vec![huge, 1, 0],
            dimension: huge,
        }
    );
    let message = err.to_string();
    assert!(message.contains("over numpy's limit"), "{message}");
    // Up to i64::MAX is a valid (empty) numpy shape and is written as given.
    let edge = i64::MAX as usize;
    let a = NdArray::from_u8(vec![edge, 0], Vec::new()).expect("dimension i64::MAX is fine");
    let bytes = to_pickle(&Value::Array(a));
    let edge_int = [&[0x8a, 8][..], &i64::MAX.to_le_bytes()].concat();
    assert!(bytes.windows(edge_int.len()).any(|w| w == edge_int));
}
