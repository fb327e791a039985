//! The digit-serial Montgomery multiplier in Verilator against arkworks and the integer
//! definition: every pair of edge cases plus 100 000 random products per field, with random
//! input bubbles; latency and initiation interval checked. On a mismatch the test prints the
//! step-by-step software model of the algorithm and writes a VCD of the failing product.

use num_bigint::BigUint;
use zkaccel_hdl::field::Bn254Field;
use zkaccel_hdl::montmul_iterative::{config, model, MontMulIterative};
use zkaccel_hdl::test_vectors::{operand_pairs, to_wire_bytes};
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::binary_op::{check_binary_block, BlockCheck};
use zkaccel_testkit::seed::TestRng;

const RANDOM_PAIRS: usize = 100_000;

fn check(field: Bn254Field) {
    let test = format!("montmul_iterative_{}", field.name());
    let mut rng = TestRng::for_test(&test);
    let p = field.modulus();
    let ark = |a: &BigUint, b: &BigUint| BigUint::from_bytes_le(&model::mont_mul_ark(field, &to_wire_bytes(a), &to_wire_bytes(b)));
    let int = |a: &BigUint, b: &BigUint| model::mont_mul(a, b, &p);
    let explain = |a: &BigUint, b: &BigUint| {
        let trace: Vec<String> = model::digit_serial_trace(a, b, &p).iter().map(|t| format!("{t:#x}")).collect();
        format!("  software model, T after each phase:\n    {}\n", trace.join("\n    "))
    };
    let check = BlockCheck {
        test: &test,
        verilog: generate(&mut MontMulIterative::bn254(field)),
        pairs: operand_pairs(field, RANDOM_PAIRS, &mut rng),
        bubble: 0.3,
        latency: config::LATENCY as u64,
        initiation_interval: config::INITIATION_INTERVAL as u64,
        ii_samples: 32,
        references: vec![("ark", &ark), ("int", &int)],
        explain: Some(&explain),
    };
    check_binary_block(check, &mut rng);
}

#[test]
fn montmul_iterative_fr() {
    check(Bn254Field::Fr);
}

#[test]
fn montmul_iterative_fq() {
    check(Bn254Field::Fq);
}
