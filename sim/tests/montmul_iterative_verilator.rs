//! The digit-serial Montgomery multiplier in Verilator against arkworks and the integer
//! definition: every pair of edge cases plus 100 000 random products per field, with random
//! input bubbles; latency and initiation interval checked. On a mismatch the test prints the
//! step-by-step software model of the algorithm and writes a VCD of the failing product.

use num_bigint::BigUint;
use zkaccel_hdl::field::Bn254Field;
use zkaccel_hdl::montmul_iterative::{config, model, MontMulIterative};
use zkaccel_hdl::test_vectors::{operand_pairs, to_wire_bytes};
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::binary_op::{measure_initiation_interval, run_binary_op, BinaryOpPorts};
use zkaccel_sim::failure::replay_binary_op_with_vcd;
use zkaccel_sim::seed::TestRng;
use zkaccel_sim::Build;

const RANDOM_PAIRS: usize = 100_000;

fn check(field: Bn254Field) {
    let test = format!("montmul_iterative_{}", field.name());
    let mut rng = TestRng::for_test(&test);
    let lib = Build::new(&test, generate(&mut MontMulIterative::bn254(field))).build().unwrap();
    let mut m = lib.instantiate();
    m.trace_if_requested(&test).unwrap();
    let ports = BinaryOpPorts::standard(&m).unwrap();
    let pairs = operand_pairs(field, RANDOM_PAIRS, &mut rng);
    let p = field.modulus();
    let results = run_binary_op(&mut m, &ports, &pairs, 0.3, 2 * config::LATENCY as u64, &mut rng).unwrap();
    assert_eq!(results.len(), pairs.len());
    for r in &results {
        let (a, b) = &pairs[r.index];
        let ark = BigUint::from_bytes_le(&model::mont_mul_ark(field, &to_wire_bytes(a), &to_wire_bytes(b)));
        let int = model::mont_mul(a, b, &p);
        if r.value != ark || ark != int || r.latency() != config::LATENCY as u64 {
            let vcd = replay_binary_op_with_vcd(&lib, &test, &[(a.clone(), b.clone())]);
            let trace: Vec<String> = model::digit_serial_trace(a, b, &p).iter().map(|t| format!("{t:#x}")).collect();
            panic!(
                "{test} #{}: a={a:#x} b={b:#x}\n  RTL   {:#x} (latency {})\n  ark   {ark:#x}\n  int   {int:#x} (latency {})\n  software model, T after each phase:\n    {}\n  VCD {vcd:?}",
                r.index,
                r.value,
                r.latency(),
                config::LATENCY,
                trace.join("\n    ")
            );
        }
    }
    let ii = measure_initiation_interval(&mut m, &ports, &pairs[..32], 2 * config::LATENCY as u64).unwrap();
    assert!(ii.iter().all(|&c| c == config::INITIATION_INTERVAL as u64), "{test}: intervals {ii:?}");
}

#[test]
fn montmul_iterative_fr() {
    check(Bn254Field::Fr);
}

#[test]
fn montmul_iterative_fq() {
    check(Bn254Field::Fq);
}
