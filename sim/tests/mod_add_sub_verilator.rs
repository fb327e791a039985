//! The pipelined modular adder and subtractor in Verilator against arkworks and the integer
//! definition: every pair of edge cases plus 100 000 random pairs per field and operation, with
//! random input bubbles; latency and one-per-cycle throughput checked.

use num_bigint::BigUint;
use zkaccel_hdl::field::Bn254Field;
use zkaccel_hdl::mod_add_sub::{config, model, AddSubOp, ModAddSub};
use zkaccel_hdl::test_vectors::{operand_pairs, to_wire_bytes};
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::binary_op::{measure_initiation_interval, run_binary_op, BinaryOpPorts};
use zkaccel_sim::failure::replay_binary_op_with_vcd;
use zkaccel_sim::seed::TestRng;
use zkaccel_sim::Build;

const RANDOM_PAIRS: usize = 100_000;

fn check(field: Bn254Field, op: AddSubOp) {
    let test = format!("mod_{}_{}", format!("{op:?}").to_lowercase(), field.name());
    let mut rng = TestRng::for_test(&test);
    let lib = Build::new(&test, generate(&mut ModAddSub::bn254(field, op))).build().unwrap();
    let mut m = lib.instantiate();
    m.trace_if_requested(&test).unwrap();
    let ports = BinaryOpPorts::standard(&m).unwrap();
    let pairs = operand_pairs(field, RANDOM_PAIRS, &mut rng);
    let p = field.modulus();
    let results = run_binary_op(&mut m, &ports, &pairs, 0.25, 50, &mut rng).unwrap();
    assert_eq!(results.len(), pairs.len());
    for r in &results {
        let (a, b) = &pairs[r.index];
        let ark = BigUint::from_bytes_le(&model::add_sub_ark(field, op, &to_wire_bytes(a), &to_wire_bytes(b)));
        let int = model::add_sub(op, a, b, &p);
        if r.value != ark || ark != int || r.latency() != config::LATENCY as u64 {
            let vcd = replay_binary_op_with_vcd(&lib, &test, &[(a.clone(), b.clone())]);
            panic!(
                "{test} #{}: a={a:#x} b={b:#x}\n  RTL   {:#x} (latency {})\n  ark   {ark:#x}\n  int   {int:#x} (latency {})\n  VCD {vcd:?}",
                r.index,
                r.value,
                r.latency(),
                config::LATENCY
            );
        }
    }
    // Back to back: one operation accepted every cycle.
    let ii = measure_initiation_interval(&mut m, &ports, &pairs[..64], 50).unwrap();
    assert!(ii.iter().all(|&c| c == config::INITIATION_INTERVAL as u64), "{test}: intervals {ii:?}");
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
