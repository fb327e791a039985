//! Test scaffolding shared by zkaccel's test suites; a dev-dependency only, never part of a
//! production build (`cargo tree -e normal` of the driver, the prover and the CLI does not
//! contain it).
//!
//! * [`seed`] — seeded, replayable randomness (`ZKACCEL_SEED`, docs/interfaces.md §6).
//! * [`ptau`] — hostile `.ptau` files (a real header claiming a huge power, written sparse).
//! * [`onnx`] (feature `onnx`) — hand-built ONNX models (a chain of Identity nodes).
//! * [`f2_shell`] — a stand-in for the AWS F2 HDK's include files, to lint and simulate the
//!   generated F2 CL top.
//!
//! The backend conformance checks are `zkaccel::backend::conformance` (feature `test-utils` of
//! the prover crate), since they are written against its `Backend` trait.

pub mod f2_shell;
#[cfg(feature = "onnx")]
pub mod onnx;
pub mod ptau;
pub mod seed;
