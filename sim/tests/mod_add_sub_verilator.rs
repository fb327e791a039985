//! The pipelined modular adder and subtractor in Verilator against arkworks and the integer
//! definition: every pair of edge cases plus 100 000 random pairs per field and operation, with
//! random input bubbles; latency and one-per-cycle throughput checked.

use num_bigint::BigUint;
use zkaccel_hdl::field::Bn254Field;
use zkaccel_hdl::mod_add_sub::{config, model, AddSubOp, ModAddSub};
use zkaccel_hdl::test_vectors::{operand_pairs, to_wire_bytes};
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::binary_op::{check_binary_block, BlockCheck};
use zkaccel_testkit::seed::TestRng;

const RANDOM_PAIRS: usize = 100_000;

fn check(field: Bn254Field, op: AddSubOp) {
    let test = format!("mod_{}_{}", format!("{op:?}").to_lowercase(), field.name());
    let mut rng = TestRng::for_test(&test);
    let p = field.modulus();
    let ark = |a: &BigUint, b: &BigUint| {
        BigUint::from_bytes_le(&model::add_sub_ark(field, op, &to_wire_bytes(a), &to_wire_bytes(b)))
    };
    let int = |a: &BigUint, b: &BigUint| model::add_sub(op, a, b, &p);
    let check = BlockCheck {
        test: &test,
        verilog: generate(&mut ModAddSub::bn254(field, op)),
        pairs: operand_pairs(field, RANDOM_PAIRS, &mut rng),
        bubble: 0.25,
        latency: config::LATENCY as u64,
        initiation_interval: config::INITIATION_INTERVAL as u64,
        ii_samples: 64,
        references: vec![("ark", &ark), ("int", &int)],
        explain: None,
    };
    check_binary_block(check, &mut rng);
}

#[test]
fn mod_add_fr() {
    check(Bn254Field::Fr, AddSubOp::Add);
}

#[test]
fn mod_add_fq() {
    check(Bn254Field::Fq, AddSubOp::Add);
}

#[test]
fn mod_sub_fr() {
    check(Bn254Field::Fr, AddSubOp::Sub);
}

#[test]
fn mod_sub_fq() {
    check(Bn254Field::Fq, AddSubOp::Sub);
}
