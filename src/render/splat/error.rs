//! Errors of the splat module: PLY reading/writing (naming the file, element, property and what
//! was expected) and GPU rendering.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SplatError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: PLY header line {line}: expected {expected}, found `{found}`")]
    Header {
        path: PathBuf,
        line: usize,
        expected: String,
        found: String,
    },
    #[error(
        "{path}: element `{element}` has no property `{property}` (expected in the 3DGS layout)"
    )]
    MissingProperty {
        path: PathBuf,
        element: String,
        property: String,
    },
    #[error("{path}: element `{element}` property `{property}` is `{found}`, expected {expected}")]
    WrongType {
        path: PathBuf,
        element: String,
        property: String,
        expected: String,
        found: String,
    },
    #[error(
        "{path}: element `{element}` has {count} `f_rest_*` properties, expected 0, 9, 24 or 45 \
         (SH degree 0 to 3)"
    )]
    ShCount {
        path: PathBuf,
        element: String,
        count: usize,
    },
    #[error(
        "{path}: truncated data in element `{element}` record {index}: expected {expected_bytes} \
         bytes of records, found {found_bytes}"
    )]
    Truncated {
        path: PathBuf,
        element: String,
        index: usize,
        expected_bytes: usize,
        found_bytes: usize,
    },
    #[error("{path}: element `{element}` record {index} property `{property}`: {problem}")]
    BadValue {
        path: PathBuf,
        element: String,
        index: usize,
        property: String,
        problem: String,
    },
    #[error("invalid splat scene: {0}")]
    InvalidScene(String),
    #[error("GPU: {0}")]
    Gpu(String),
}
