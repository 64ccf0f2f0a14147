//! Errors of scene loading, the synthetic writer and scenario files. Every variant names the
//! file, the record (token or key), the field and what was expected.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SceneError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: malformed JSON: {message}")]
    Json { path: PathBuf, message: String },
    #[error("{path}: missing table file (the devkit needs all 13 tables)")]
    MissingTable { path: PathBuf },
    /// A record's field is wrong: the file, the record token, the field and what was expected.
    #[error("{file}: record {token}: field `{field}`: {expected}")]
    Field {
        file: String,
        token: String,
        field: String,
        expected: String,
    },
    #[error(
        "{file}: record {token}: field `{field}` names {target} token {missing} that does not exist"
    )]
    DanglingToken {
        file: String,
        token: String,
        field: String,
        target: String,
        missing: String,
    },
    #[error("{file}: record {token}: broken prev/next chain: {message}")]
    BrokenChain {
        file: String,
        token: String,
        message: String,
    },
    #[error("no scene named {name:?} in {dataroot} (known: {known})")]
    UnknownScene {
        dataroot: PathBuf,
        name: String,
        known: String,
    },
    #[error(
        "{file}: record {token}: unknown location {location:?} (expected one of singapore-onenorth, singapore-hollandvillage, singapore-queenstown, boston-seaport)"
    )]
    UnknownLocation {
        file: String,
        token: String,
        location: String,
    },
    #[error(
        "{path}: missing map expansion (maps/expansion/<location>.json, version >= 1.3, is needed for the lane graph)"
    )]
    MissingMap { path: PathBuf },
    #[error("{0}")]
    Other(String),
}
