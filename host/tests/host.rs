//! The prover's tests: CPU kernels against arkworks, Plonk completeness, soundness, tamper and
//! zero-knowledge tests, codecs.
//!
//! One test binary for the crate (each file below is a module): one link instead of one per file,
//! and the two test threads stay busy across files (`cargo test -p <crate> --test host <file>::`).

mod common;
mod codec_props;
mod cpu_msm;
mod cpu_ntt;
mod plonk_completeness;
mod plonk_conv_projection;
mod plonk_lookup;
mod plonk_mac;
mod plonk_mac_boundary;
mod plonk_mac_limbs;
mod plonk_malicious;
mod plonk_projection;
mod plonk_soundness;
mod plonk_vk_binding;
mod plonk_zero_knowledge;
mod srs_ptau;
