//! The driver's tests: the simulated card's kernels, the accelerator backend (conformance, faults), the
//! PCIe paths and the bitstream load flows.
//!
//! One test binary for the crate (each file below is a module): one link instead of one per file,
//! and the two test threads stay busy across files (`cargo test -p <crate> --test driver <file>::`).

#[cfg(all(feature = "sim", feature = "test-utils"))]
mod accel_faults;
mod backend_conformance;
#[cfg(all(feature = "sim", feature = "pcie"))]
mod f2_window_rtl;
mod load_flows;
#[cfg(feature = "sim")]
mod manifests_match_rtl;
#[cfg(feature = "pcie")]
mod pcie_backend;
#[cfg(feature = "sim")]
mod sim_card_msm;
#[cfg(all(feature = "sim", feature = "test-utils"))]
mod sim_card_msm_triple;
#[cfg(feature = "sim")]
mod sim_card_ntt;
#[cfg(feature = "pcie")]
mod xdma_driver_model;
