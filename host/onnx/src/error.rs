//! The one error type of zkaccel-onnx. Every failure on bad input (file, model, data, settings) is
//! one of these variants; nothing in this crate panics on user input.

use std::path::PathBuf;

/// Errors from importing, quantizing, calibrating or reading inputs and settings.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a well-formed ONNX model (bad or truncated protobuf, missing graph,
    /// dangling value names, unsupported tensor encodings…).
    #[error("malformed ONNX model: {0}")]
    Malformed(String),

    /// A well-formed model beyond zkaccel's limits (nodes, elements per tensor, elements the import
    /// materialises in total: [`crate::MAX_IMPORT_ELEMENTS`]).
    #[error("model too large: {0}")]
    TooLarge(String),
    /// An operator outside the supported set.
    #[error("unsupported ONNX operator {op_type:?} in node {node:?} (supported: {supported})")]
    UnsupportedOp {
        /// The ONNX `op_type`.
        op_type: String,
        /// The node's name (or `#<index>` when the file leaves it empty).
        node: String,
        /// The supported operators, for the message.
        supported: &'static str,
    },
    /// A supported operator used in a way this crate does not handle (attribute, shapes, operands).
    #[error("node {node:?} ({op_type}): {reason}")]
    InvalidNode {
        /// The node's name.
        node: String,
        /// The ONNX `op_type`.
        op_type: String,
        /// What is wrong.
        reason: String,
    },
    /// A weight, bias or other constant holds NaN or ±inf.
    #[error("constant tensor {tensor:?} holds a non-finite value ({value}) at flat index {index}")]
    NonFiniteConstant {
        /// The tensor's name.
        tensor: String,
        /// Flat (row-major) index of the first bad element.
        index: usize,
        /// The value.
        value: f64,
    },
    /// An input tensor does not match the model's input.
    #[error("input {input} ({name:?}): {reason}")]
    Input {
        /// Position of the input.
        input: usize,
        /// The model's name for it.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// An `input.json` file is not in ezkl's format.
    #[error("input data: {0}")]
    InputData(String),
    /// A `settings.json` file is unreadable or inconsistent.
    #[error("settings: {0}")]
    Settings(String),
    /// A quantized value does not fit the integer range used by the reference (|v| < 2^62) or a
    /// scale is out of range.
    #[error("quantization: {0}")]
    Quantization(String),
    /// No candidate scales meet the calibration target.
    #[error("calibration: {0}")]
    Calibration(String),
    /// tract failed to build or run its float reference.
    #[error("tract: {0}")]
    Tract(String),
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
