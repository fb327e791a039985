//! Errors of the host crate. Bad input (files, proofs, witnesses) is always reported through
//! these types, never by a panic.

use thiserror::Error;

/// Errors raised while decoding keys, proofs and SRS files.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("truncated input: {what} needs {needed} bytes at offset {offset}, only {available} left")]
    Truncated { what: &'static str, offset: usize, needed: usize, available: usize },
    #[error("wrong magic: expected {expected:?}, found {found:?} (not a {what})")]
    BadMagic { what: &'static str, expected: Vec<u8>, found: Vec<u8> },
    #[error("unsupported {what} version {found} (this build reads version {supported})")]
    UnsupportedVersion { what: &'static str, found: u32, supported: u32 },
    #[error("non-canonical {what}: value is not below the field modulus")]
    NonCanonical { what: &'static str },
    #[error("malformed point encoding ({what}): {reason}")]
    MalformedPoint { what: &'static str, reason: &'static str },
    #[error("{what} is not on the curve")]
    NotOnCurve { what: &'static str },
    #[error("{what} is not in the prime-order subgroup")]
    NotInSubgroup { what: &'static str },
    #[error("{count} trailing bytes after the {what}")]
    TrailingBytes { what: &'static str, count: usize },
    #[error("invalid {what}: {reason}")]
    Invalid { what: &'static str, reason: String },
}

/// Errors raised by a [`crate::backend::Backend`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BackendError {
    #[error("unknown {what} handle {id}")]
    UnknownHandle { what: &'static str, id: String },
    #[error("length mismatch: {0}")]
    Length(String),
    #[error("unsupported transform size 2^{0}")]
    UnsupportedSize(u32),
    #[error("invalid argument: {0}")]
    Invalid(String),
    #[error("device error: {0}")]
    Device(String),
    /// A backend's result failed the caller's check against the CPU (e.g. setup's commitments).
    #[error("a backend result failed its check: {0}")]
    ResultCheck(String),
}

/// The crate's error type.
#[derive(Debug, Error)]
pub enum Error {
    #[error("decode error: {0}")]
    Decode(#[from] DecodeError),
    #[error("backend error: {0}")]
    Backend(#[from] BackendError),
    #[error("SRS error: {0}")]
    Srs(String),
    #[error("circuit error: {0}")]
    Circuit(String),
    #[error("witness error: {0}")]
    Witness(String),
    #[error("proof rejected: {0}")]
    Verification(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T> = std::result::Result<T, Error>;
