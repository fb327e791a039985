//! zkML front-end and CLI tests: circuits, operators, proofs end to end, the accelerator and PCIe paths,
//! robustness.
//!
//! One test binary for the crate (each file below is a module): one link instead of one per file,
//! and the two test threads stay busy across files (`cargo test -p <crate> --test zkml <file>::`).

mod common;
#[cfg(all(feature = "sim", feature = "test-utils"))]
mod accel_prove;
mod boundary;
mod circuit;
mod cli;
mod cli_device;
mod cli_device_load;
mod cnn;
mod evm;
mod operators_proven;
mod ops_lut;
mod ops_mul;
mod ops_pool;
mod ops_reduce;
mod ops_shape;
#[cfg(feature = "sim")]
mod pcie_card;
mod privacy;
mod private_params;
mod projection;
mod robust;
mod visibility;
mod wnn;
mod wnn_cli;
mod wnn_example;
mod wrong_witness;
