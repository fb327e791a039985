//! The fully pipelined Montgomery multiplier in Verilator against arkworks and the integer
//! definition, for both limb shapes (DSP48E2 26-bit rows, ECP5 18-bit rows) and both fields:
//! every pair of edge cases plus 100 000 random products each, operands offered every cycle with
//! random input bubbles; latency 85 on every product and one product accepted per cycle.

use num_bigint::BigUint;
use zkaccel_hdl::field::Bn254Field;
use zkaccel_hdl::montmul_iterative::model;
use zkaccel_hdl::montmul_pipelined::{config, MontMulPipelinedEcp5, MontMulPipelinedXcup};
use zkaccel_hdl::test_vectors::{operand_pairs, to_wire_bytes};
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::binary_op::{check_binary_block, BlockCheck};
use zkaccel_testkit::seed::TestRng;

const RANDOM_PAIRS: usize = 100_000;

fn check(test: &str, field: Bn254Field, verilog: String) {
    let mut rng = TestRng::for_test(test);
    let p = field.modulus();
    let ark = |a: &BigUint, b: &BigUint| BigUint::from_bytes_le(&model::mont_mul_ark(field, &to_wire_bytes(a), &to_wire_bytes(b)));
    let int = |a: &BigUint, b: &BigUint| model::mont_mul(a, b, &p);
    let check = BlockCheck {
        test,
        verilog,
        pairs: operand_pairs(field, RANDOM_PAIRS, &mut rng),
        bubble: 0.1,
        latency: config::LATENCY as u64,
        initiation_interval: config::INITIATION_INTERVAL as u64,
        ii_samples: 1000,
        references: vec![("ark", &ark), ("int", &int)],
        explain: None,
    };
    check_binary_block(check, &mut rng);
}

#[test]
fn montmul_pipelined_xcup_fr() {
    check("montmul_pipelined_xcup_fr", Bn254Field::Fr, generate(&mut MontMulPipelinedXcup::bn254(Bn254Field::Fr)));
}

#[test]
fn montmul_pipelined_xcup_fq() {
    check("montmul_pipelined_xcup_fq", Bn254Field::Fq, generate(&mut MontMulPipelinedXcup::bn254(Bn254Field::Fq)));
}

#[test]
fn montmul_pipelined_ecp5_fr() {
    check("montmul_pipelined_ecp5_fr", Bn254Field::Fr, generate(&mut MontMulPipelinedEcp5::bn254(Bn254Field::Fr)));
}

#[test]
fn montmul_pipelined_ecp5_fq() {
    check("montmul_pipelined_ecp5_fq", Bn254Field::Fq, generate(&mut MontMulPipelinedEcp5::bn254(Bn254Field::Fq)));
}
