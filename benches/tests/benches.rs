//! The benches crate's one test binary.

mod gpu_baseline;
