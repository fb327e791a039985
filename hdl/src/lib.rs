//! zkaccel hardware: arithmetic blocks and kernels described in rust-hdl.
//!
//! Every block comes with a bit-exact software model built on arkworks (`model.rs` in its folder)
//! and a `Config` that states its latency and initiation interval. The Verilator tests in
//! `sim/tests/<block>_verilator.rs` replay random and edge-case vectors against those models.
//! Wire format and stream conventions: `docs/interfaces.md`.

pub mod field;
pub mod limb_mul;
pub mod memory;
pub mod mod_add_sub;
pub mod ntt;
pub mod ntt_batch;
pub mod montmul_pipelined;
pub mod g1_add_mixed;
pub mod g1_add_xyzz;
pub mod row_mul;
pub mod delay_line;
pub mod digit_row_mul;
pub mod montmul_iterative;
pub mod msm_bucket;
pub mod msm_bucket_xyzz;
pub mod bit_reverse;
pub mod card;
pub mod card_builds;
pub mod lookup;
pub mod blocks;
pub mod test_vectors;
pub mod verilog;
