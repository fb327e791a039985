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
use zkaccel_sim::binary_op::{measure_initiation_interval, run_binary_op, BinaryOpPorts};
use zkaccel_sim::failure::replay_binary_op_with_vcd;
use zkaccel_sim::seed::TestRng;
use zkaccel_sim::Build;

const RANDOM_PAIRS: usize = 100_000;

fn check(test: &str, field: Bn254Field, verilog: String) {
    let mut rng = TestRng::for_test(test);
    let lib = Build::new(test, verilog).build().unwrap();
    let mut m = lib.instantiate();
    m.trace_if_requested(test).unwrap();
    let ports = BinaryOpPorts::standard(&m).unwrap();
    let pairs = operand_pairs(field, RANDOM_PAIRS, &mut rng);
    let p = field.modulus();
    let results = run_binary_op(&mut m, &ports, &pairs, 0.1, 2 * config::LATENCY as u64, &mut rng).unwrap();
    assert_eq!(results.len(), pairs.len());
    for r in &results {
        let (a, b) = &pairs[r.index];
        let ark = BigUint::from_bytes_le(&model::mont_mul_ark(field, &to_wire_bytes(a), &to_wire_bytes(b)));
        let int = model::mont_mul(a, b, &p);
        if r.value != ark || ark != int || r.latency() != config::LATENCY as u64 {
            let vcd = replay_binary_op_with_vcd(&lib, test, &[(a.clone(), b.clone())]);
            panic!(
                "{test} #{}: a={a:#x} b={b:#x}\n  RTL   {:#x} (latency {})\n  ark   {ark:#x}\n  int   {int:#x} (latency {})\n  VCD {vcd:?}",
                r.index,
                r.value,
                r.latency(),
                config::LATENCY
            );
        }
    }
    let ii = measure_initiation_interval(&mut m, &ports, &pairs[..1000], 2 * config::LATENCY as u64).unwrap();
    assert!(ii.iter().all(|&c| c == 1), "{test}: not one product per cycle: {ii:?}");
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
