//! Builds every arithmetic block in Verilator, runs seeded random operations through it, checks
//! every result against arkworks, and prints the measured latency, initiation interval and
//! throughput, plus the simulation speed:
//!
//!     cargo run --release -p zkaccel-sim --example block_report [-- OPS]
//!
//! This is the kernel demo of the co-simulation (README command one until the prover lands).

use num_bigint::BigUint;
use std::time::Instant;
use zkaccel_hdl::field::Bn254Field;
use zkaccel_hdl::mod_add_sub::{model as addsub_model, AddSubOp, ModAddSub};
use zkaccel_hdl::montmul_iterative::{model as mont_model, MontMulIterative};
use zkaccel_hdl::test_vectors::{operand_pairs, to_wire_bytes};
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::binary_op::{measure_initiation_interval, run_binary_op, BinaryOpPorts};
use zkaccel_testkit::seed::TestRng;
use zkaccel_sim::Build;

type Golden = Box<dyn Fn(&[u8; 32], &[u8; 32]) -> [u8; 32]>;

fn main() {
    let ops: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let mut rng = TestRng::from_seed(0x2b10c);
    println!("| block | field | ops checked vs arkworks | latency (cycles) | II (cycles) | results/cycle | sim speed (cycles/s) |");
    println!("|---|---|---|---|---|---|---|");
    for field in Bn254Field::ALL {
        let blocks: Vec<(&str, String, Golden)> = vec![
            (
                "mod_add",
                generate(&mut ModAddSub::bn254(field, AddSubOp::Add)),
                Box::new(move |a, b| addsub_model::add_sub_ark(field, AddSubOp::Add, a, b)),
            ),
            (
                "mod_sub",
                generate(&mut ModAddSub::bn254(field, AddSubOp::Sub)),
                Box::new(move |a, b| addsub_model::add_sub_ark(field, AddSubOp::Sub, a, b)),
            ),
            (
                "montmul_iterative",
                generate(&mut MontMulIterative::bn254(field)),
                Box::new(move |a, b| mont_model::mont_mul_ark(field, a, b)),
            ),
        ];
        for (name, verilog, golden) in blocks {
            let build_name = format!("{name}_{}", field.name());
            let lib = Build::new(&build_name, verilog).build().expect("Verilator build");
            let mut m = lib.instantiate();
            let ports = BinaryOpPorts::standard(&m).expect("standard ports");
            let pairs = operand_pairs(field, ops, &mut rng);
            let start_cycles = m.cycles();
            let t = Instant::now();
            let ii = measure_initiation_interval(&mut m, &ports, &pairs, 1000).expect("run");
            let secs = t.elapsed().as_secs_f64();
            let cycles = m.cycles() - start_cycles;
            // Check every result of a second, bubbly run against arkworks, and take the latency.
            let results = run_binary_op(&mut m, &ports, &pairs, 0.2, 1000, &mut rng).expect("run");
            let mut latencies: Vec<u64> = results.iter().map(|r| r.latency()).collect();
            latencies.dedup();
            for r in &results {
                let (a, b) = &pairs[r.index];
                let want = BigUint::from_bytes_le(&golden(&to_wire_bytes(a), &to_wire_bytes(b)));
                assert_eq!(r.value, want, "{build_name}: a={a:#x} b={b:#x}");
            }
            let mut iis = ii.clone();
            iis.sort();
            iis.dedup();
            println!(
                "| {name} | {} | {} | {:?} | {:?} | {:.3} | {:.2e} |",
                field.name(),
                results.len(),
                latencies,
                iis,
                pairs.len() as f64 / cycles as f64,
                cycles as f64 / secs
            );
        }
    }
}
