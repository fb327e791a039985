//! Cycle counts of the lookup kernel from Verilator (always-ready streams), every result checked
//! against the golden model first, beside arkworks' CPU time for the same work in the same run:
//!
//!     cargo run --release -p zkaccel-sim --example lookup_report [LOG_DEPTH]
//!
//! `LOG_DEPTH` (default 10, the build the tests use) sizes the counter memory and the batch
//! memories; larger ones are a separate Verilator build. Projections use an ASSUMED clock.

use ark_bn254::Fr;
use ark_ff::UniformRand;
use rand::Rng;
use std::time::Instant;
use zkaccel_hdl::lookup::model::{chain_products, fractions, multiplicities};
use zkaccel_hdl::lookup::LookupUnit;
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::lookup_runner::LookupRunner;
use zkaccel_sim::traffic::Traffic;
use zkaccel_sim::Build;
use zkaccel_testkit::seed::TestRng;

/// Assumed (not measured) UltraScale+ clock for projections: Yosys reports no timing there.
const ASSUMED_MHZ: f64 = 250.0;

fn main() {
    let log_depth: usize = std::env::args().nth(1).map_or(10, |a| a.parse().expect("LOG_DEPTH"));
    let name = format!("lookup_unit_k{log_depth}");
    let lib = Build::new(&name, generate(&mut LookupUnit::new(log_depth, log_depth))).trace_depth(2).build().unwrap();
    let mut rng = TestRng::for_test("lookup_report");
    let mut r = LookupRunner::new(&lib, Traffic::SMOOTH, TestRng::from_seed(1)).unwrap();
    let depth = 1usize << log_depth;
    println!("lookup kernel ({name}), Verilator, always-ready streams; projections at an ASSUMED {ASSUMED_MHZ} MHz");
    println!("{:>18} {:>8} {:>8} {:>10} {:>12} {:>12}", "command", "n", "T", "cycles", "cycles/elem", "µs @assumed");
    for (n, t) in [(depth, depth), (depth, 64), (4 * depth, depth)] {
        let idx: Vec<u32> = (0..n).map(|_| rng.gen_range(0..t as u32)).collect();
        let (got, _) = r.count(&idx, t).unwrap();
        assert_eq!(got, multiplicities(&idx, t).counts, "count n {n} T {t}");
        let c = r.last_cycles;
        println!("{:>18} {n:>8} {t:>8} {c:>10} {:>12.3} {:>12.2}", "count", c as f64 / n as f64, c as f64 / ASSUMED_MHZ);
    }
    for n in [128usize, 512, depth] {
        if n > depth {
            continue;
        }
        let x: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let m: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let beta = Fr::rand(&mut rng);
        for scale in [false, true] {
            let ms = scale.then_some(&m[..]);
            let inv = r.invert(beta, &x, ms).unwrap();
            assert_eq!(inv.products, chain_products(beta, &x));
            assert_eq!(inv.fractions.unwrap(), fractions(beta, &x, ms).unwrap(), "inversion n {n}");
            let c = inv.forward_cycles + inv.backward_cycles;
            let what = if scale { "m/(β+x) fwd+back" } else { "1/(β+x) fwd+back" };
            println!(
                "{what:>18} {n:>8} {:>8} {c:>10} {:>12.3} {:>12.2}   (forward {}, backward {})",
                "-",
                c as f64 / n as f64,
                c as f64 / ASSUMED_MHZ,
                inv.forward_cycles,
                inv.backward_cycles
            );
        }
        let t = Instant::now();
        let reps = 50;
        for _ in 0..reps {
            let mut v: Vec<Fr> = x.iter().map(|xi| beta + xi).collect();
            ark_ff::batch_inversion(&mut v);
            std::hint::black_box(v);
        }
        println!("{:>18} {n:>8} {:>8} {:>10} {:>12} {:>12.2}   (measured, one thread)", "ark batch_inversion", "-", "-", "-", t.elapsed().as_secs_f64() * 1e6 / reps as f64);
    }
}
