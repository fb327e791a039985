//! The catalogue of synthesizable blocks by name: what the synthesis flow, the Verilog emitter
//! and the co-simulation tests ask for.

use crate::field::Bn254Field;
use crate::g1_add_mixed::G1AddMixedXcup;
use crate::g1_add_xyzz::G1AddXyzzXcup;
use crate::limb_mul::LimbMul;
use crate::lookup::{config::TEST_LOG_DEPTH, LookupUnit};
use crate::mod_add_sub::{AddSubOp, ModAddSub};
use crate::montmul_iterative::MontMulIterative;
use crate::montmul_pipelined::{MontMulPipelinedEcp5, MontMulPipelinedXcup};
use crate::ntt::{config::{ECP5_K, TEST_K}, multiplier::NttMultiplier, NttCore};
use crate::verilog::generate;

/// Names accepted by [`verilog_of`].
pub const NAMES: &[&str] = &[
    "limb_mul_16x16",
    "limb_mul_18x18",
    "limb_mul_26x17",
    "mod_add",
    "mod_sub",
    "montmul_iterative",
    "montmul_pipelined_xcup",
    "montmul_pipelined_ecp5",
    "ntt_core_k10",
    "ntt_core_iterative_k8",
    "g1_add_mixed",
    "g1_add_xyzz",
    "lookup_unit_k10",
];

/// The Verilog (top module `top`) of the named block, for `field` where it has one.
pub fn verilog_of(name: &str, field: Bn254Field) -> Option<String> {
    Some(match name {
        "limb_mul_16x16" => generate(&mut LimbMul::<16, 16, 32>::default()),
        "limb_mul_18x18" => generate(&mut LimbMul::<18, 18, 36>::default()),
        "limb_mul_26x17" => generate(&mut LimbMul::<26, 17, 43>::default()),
        "mod_add" => generate(&mut ModAddSub::bn254(field, AddSubOp::Add)),
        "mod_sub" => generate(&mut ModAddSub::bn254(field, AddSubOp::Sub)),
        "montmul_iterative" => generate(&mut MontMulIterative::bn254(field)),
        "montmul_pipelined_xcup" => generate(&mut MontMulPipelinedXcup::bn254(field)),
        "montmul_pipelined_ecp5" => generate(&mut MontMulPipelinedEcp5::bn254(field)),
        // The NTT core works over Fr only; `field` is ignored.
        "ntt_core_k10" => generate(&mut NttCore::new(TEST_K)),
        // The NTT core on the digit-serial multiplier, 2^8-point buffer: the ECP5-85F build.
        "ntt_core_iterative_k8" => generate(&mut NttCore::with_multiplier(ECP5_K, NttMultiplier::Iterative)),
        // BN254 G1 (over Fq) only; `field` is ignored.
        "g1_add_mixed" => generate(&mut G1AddMixedXcup::new()),
        // The XYZZ adder (ten multipliers), BN254 G1 over Fq only; `field` is ignored.
        "g1_add_xyzz" => generate(&mut G1AddXyzzXcup::new()),
        // The lookup kernel (Fr): 2^10 counter rows, batches of 2^10; `field` is ignored.
        "lookup_unit_k10" => generate(&mut LookupUnit::new(TEST_LOG_DEPTH, TEST_LOG_DEPTH)),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_name_generates() {
        for name in super::NAMES {
            let v = super::verilog_of(name, crate::field::Bn254Field::Fq).unwrap();
            assert!(v.contains("module top("), "{name}");
        }
        assert!(super::verilog_of("nope", crate::field::Bn254Field::Fr).is_none());
    }
}
