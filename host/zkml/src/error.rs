//! The error type of the zkML front-end: every failure carries the exit code it maps to and a
//! message that names what is wrong (the file, the node, the field).

use crate::exit_code::ExitCode;

/// An error with its exit code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    /// The exit code the CLI ends with.
    pub code: ExitCode,
    /// What went wrong, for people.
    pub message: String,
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(code: ExitCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ExitCode::Usage, message)
    }
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::new(ExitCode::BadInput, message)
    }
    pub fn artifact(message: impl Into<String>) -> Self {
        Self::new(ExitCode::BadArtifact, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ExitCode::Internal, message)
    }
    /// Prefixes the message with context (e.g. the file it concerns).
    pub fn context(mut self, what: impl std::fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }
    /// An I/O error on a path.
    pub fn io(path: &std::path::Path, e: std::io::Error) -> Self {
        Self::new(ExitCode::Io, format!("{}: {e}", path.display()))
    }
}

impl From<zkaccel_onnx::Error> for Error {
    fn from(e: zkaccel_onnx::Error) -> Self {
        use zkaccel_onnx::Error as E;
        let code = match &e {
            E::Io { .. } => ExitCode::Io,
            E::Tract(_) => ExitCode::BadInput,
            _ => ExitCode::BadInput,
        };
        Self::new(code, e.to_string())
    }
}

impl From<zkaccel::Error> for Error {
    fn from(e: zkaccel::Error) -> Self {
        use zkaccel::Error as E;
        let code = match &e {
            E::Decode(_) | E::Srs(_) => ExitCode::BadArtifact,
            E::Verification(_) => ExitCode::VerificationFailed,
            E::Io(_) => ExitCode::Io,
            E::Witness(_) => ExitCode::BadInput,
            E::Circuit(_) | E::Backend(_) => ExitCode::Internal,
        };
        Self::new(code, e.to_string())
    }
}
