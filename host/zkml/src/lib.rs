//! zkaccel zkML front-end: an ONNX model (imported and quantized by `zkaccel-onnx`) as a Plonk
//! circuit on the MAC/lookup rows of `zkaccel::plonk::mac`, the files of the ezkl-style workflow
//! (compiled circuit, witness, proof), and the `zkaccel` command-line interface.
//!
//! ```text
//! gen-settings → calibrate-settings → compile-circuit → setup → gen-witness → prove → verify
//! ```
//!
//! * [`circuit`]: the layout of a quantized graph (lanes, rows, visibilities) and its witness.
//! * [`ops`]: gadgets for the operators beside the multiply-accumulates (max-pool, average-pool).
//! * [`compiled`], [`witness`], [`proof_file`]: the versioned, checked files; [`files`]: atomic
//!   writes, outputs never over inputs.
//! * [`pipeline`]: the steps as functions (used by the CLI and the tests).
//! * [`cli`]: argument parsing, output (human, `--json`, progress bars), exit codes.
//!
//! The CLI is documented in `docs/cli.md`.

pub mod circuit;
pub mod cli;
pub mod compiled;
pub mod error;
pub mod evm;
pub mod exit_code;
pub mod field;
pub mod files;
pub mod ops;
pub mod pipeline;
pub mod proof_file;
pub mod resources;
pub mod srs;
pub mod statement;
pub mod witness;
pub mod wnn;

pub use error::{Error, Result};
pub use exit_code::ExitCode;
