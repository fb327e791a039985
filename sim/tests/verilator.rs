//! Verilator co-simulations of the arithmetic blocks and kernels, each checked against its arkworks model.
//!
//! One test binary for the crate (each file below is a module): one link instead of one per file,
//! and the two test threads stay busy across files (`cargo test -p <crate> --test verilator <file>::`).

mod card_triple_verilator;
mod g1_add_mixed_verilator;
mod g1_add_xyzz_verilator;
mod limb_mul_verilator;
mod lookup_verilator;
mod mod_add_sub_verilator;
mod montmul_iterative_verilator;
mod montmul_pipelined_verilator;
mod msm_bucket_scheduler_verilator;
mod msm_bucket_xyzz_scheduler_verilator;
mod ntt_verilator;
