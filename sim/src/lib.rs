//! zkaccel co-simulation: rust-hdl → Verilog → Verilator → a shared library driven from Rust.
//!
//! * [`verilator::Build`] verilates a Verilog top module (rust-hdl always names it `top`; each
//!   model gets its own `--prefix`), compiles it with the `cc` crate behind an `extern "C"`
//!   wrapper, and caches the result under `target/verilator/` by a hash of its inputs;
//! * [`model::Model`] drives an instance: ports of any width, clock steps, cycle counts, VCD;
//! * [`card_runner`] drives the card top (registers, streams, card memory); [`soft_adder`] is the
//!   G1 adder's cycle-exact model for models whose adder port is outside, [`soft_xyzz_adder`]
//!   the XYZZ adder's (the three-unit card);
//! * [`lookup_runner`] drives the lookup kernel (counts, the two passes of a batch inversion);

pub mod binary_op;
pub mod bucket_runner;
pub mod card_runner;
pub mod failure;
pub mod lookup_runner;
pub mod model;
pub mod ntt_batch_runner;
pub mod ntt_runner;
pub mod ports;
pub mod soft_adder;
pub mod soft_xyzz_adder;
pub mod traffic;
pub mod verilator;
pub mod wrapper;
pub mod xyzz_bucket_runner;

pub use model::{Library, Model, Port};
pub use verilator::Build;

use std::path::PathBuf;

/// Errors of the co-simulation.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The Verilog could not be understood (no `top`, unsupported port declaration).
    #[error("Verilog: {0}")]
    Verilog(String),
    /// An external tool (verilator, the C++ compiler) failed or is missing.
    #[error("{0}")]
    Tool(String),
    /// A file operation failed.
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// The built library could not be loaded.
    #[error("loading {0}: {1}")]
    Load(PathBuf, String),
    /// No port of that name.
    #[error("no port {0:?}; the model has {1:?}")]
    NoPort(String, Vec<String>),
    /// No model of that kind exists (e.g. a full-RTL two-unit card).
    #[error("{0}")]
    Unsupported(String),
}
