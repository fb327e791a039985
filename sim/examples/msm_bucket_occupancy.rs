//! Occupancy bench of the bucket unit's scheduler (not part of the test suite): a whole MSM of
//! `2^log_n` random points and scalars through the scheduler RTL in Verilator, with a software
//! adder of the RTL G1 adder's latency in the loop (the schedule does not depend on the sums, and
//! the RTL adder at this size would take hours to simulate), checked against arkworks, then:
//! bucket additions issued per accumulation cycle, conflicts (deferrals), input stalls, read-out
//! cycles, and a projection at an assumed clock beside the CPU kernel measured on this machine.
//!
//! ```text
//! cargo run --release -p zkaccel-sim --example msm_bucket_occupancy -- [log_n=16] [c=12,13] [clock_mhz=250]
//! ```

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, CurveGroup, VariableBaseMSM};
use ark_ff::{UniformRand, Zero};
use rand::Rng;
use std::time::Instant;
use zkaccel_hdl::g1_add_mixed::config::LATENCY as ADDER_LATENCY;
use zkaccel_hdl::msm_bucket::config::MAX_LOG_DEPTH;
use rayon::prelude::*;
use zkaccel::card_schedule::msm_requests::{plan, Group};
use zkaccel_hdl::msm_bucket::scheduler::BucketScheduler;
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::bucket_runner::{BucketRunner, Traffic};
use zkaccel_testkit::seed::TestRng;
use zkaccel_sim::Build;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let log_n: usize = args.first().map(|s| s.parse().expect("log_n")).unwrap_or(16);
    let cs: Vec<usize> = args
        .get(1)
        .map(|s| s.split(',').map(|c| c.parse().expect("c")).collect())
        .unwrap_or_else(|| vec![12, 13]);
    let clock_mhz: f64 = args.get(2).map(|s| s.parse().expect("clock_mhz")).unwrap_or(250.0);
    let n = 1usize << log_n;
    let mut rng = TestRng::for_test("msm_bucket_occupancy");

    // Distinct points cheaply: a random walk P_{i+1} = P_i + Q, normalized in one batch.
    let q = G1Projective::rand(&mut rng);
    let mut acc = G1Projective::rand(&mut rng);
    let walk: Vec<G1Projective> = (0..n)
        .map(|_| {
            acc += q;
            acc
        })
        .collect();
    let points: Vec<G1Affine> = G1Projective::normalize_batch(&walk);
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let want = G1Projective::msm(&points, &scalars).unwrap().into_affine();
    // The CPU kernel (zkaccel::cpu::msm) on this machine, best of 3, all threads (rayon's pool).
    let mut cpu_ms = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        let got = zkaccel::cpu::msm::msm(&points, &scalars).unwrap();
        cpu_ms = cpu_ms.min(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(got.into_affine(), want);
    }
    println!(
        "n = 2^{log_n}; CPU kernel zkaccel::cpu::msm on this machine ({} threads): {cpu_ms:.1} ms (best of 3)",
        rayon::current_num_threads()
    );

    let lib = Build::new("msm_bucket_scheduler_d16", generate(&mut BucketScheduler::new(MAX_LOG_DEPTH, ADDER_LATENCY)))
        .build()
        .expect("verilator build");
    let mut runner =
        BucketRunner::new(&lib, MAX_LOG_DEPTH, ADDER_LATENCY, Traffic::SMOOTH, TestRng::from_seed(rng.r#gen())).unwrap();
    let clear = runner.reset().unwrap();
    println!(
        "scheduler with 2^{MAX_LOG_DEPTH} bucket entries, software adder of the RTL adder's latency {ADDER_LATENCY}; clear after reset {clear} cycles"
    );
    println!();
    println!("| c | groups | additions | accumulate cycles | issued/cycle | conflicts (deferrals) | input stalls | read-out cycles | total cycles | at {clock_mhz} MHz (assumed) | sim time |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let mut reductions = Vec::new();
    for c in cs {
        let t = Instant::now();
        let (got, stats) = runner.msm(&points, &scalars, c).unwrap();
        assert_eq!(got.into_affine(), want, "c = {c}: the MSM through the RTL scheduler differs from arkworks");
        let tot = stats.total();
        assert_eq!(tot.issued, tot.requests);
        let total = tot.accumulate_cycles + tot.readout_cycles;
        // The host's share, timed here: folding spread windows, the per-window running sums (in
        // parallel over windows) and the window combination, on the bucket slots the unit returns.
        let groups = plan(&points, &scalars, c, MAX_LOG_DEPTH);
        let raw: Vec<Vec<Vec<G1Projective>>> = groups.iter().map(|g| slots_of(g, c)).collect();
        let t_red = Instant::now();
        let reduced = host_reduce(&groups, raw, c);
        let reduce_ms = t_red.elapsed().as_secs_f64() * 1e3;
        assert_eq!(reduced.into_affine(), want);
        reductions.push((c, reduce_ms, total as f64 / clock_mhz / 1e3));
        println!(
            "| {c} | {} | {} | {} | {:.4} | {} ({:.3} %) | {} | {} | {} | {:.2} ms | {:.0} s |",
            stats.groups.len(),
            tot.issued,
            tot.accumulate_cycles,
            tot.occupancy(),
            tot.deferred,
            100.0 * tot.deferred as f64 / tot.requests as f64,
            tot.stalled,
            tot.readout_cycles,
            total,
            total as f64 / clock_mhz / 1e3,
            t.elapsed().as_secs_f64()
        );
    }
    println!();
    println!("| c | card (projected, {clock_mhz} MHz assumed) | host fold + reduction (measured, {} threads) | card + host | CPU kernel (measured) | ratio |", rayon::current_num_threads());
    println!("|---|---|---|---|---|---|");
    for (c, reduce_ms, card_ms) in reductions {
        println!(
            "| {c} | {card_ms:.2} ms | {reduce_ms:.2} ms | {:.2} ms | {cpu_ms:.1} ms | {:.2}× |",
            card_ms + reduce_ms,
            cpu_ms / (card_ms + reduce_ms)
        );
    }
    println!("(points resident on the card as for fixed SRS bases; PCIe transfer of scalars and buckets not modelled)");
}

/// The bucket slots the unit accumulates for `group` (what it reads back), in software.
fn slots_of(group: &Group, c: usize) -> Vec<Vec<G1Projective>> {
    let mut b = vec![vec![G1Projective::zero(); 1 << (c - 1)]; group.windows];
    for r in &group.requests {
        let p: G1Projective = if r.neg { (-r.point).into() } else { r.point.into() };
        b[r.window as usize][r.mag as usize - 1] += p;
    }
    b
}

/// Host reduction as the driver would do it: fold, `Σ_b (b+1)·B_b` per window by running sums
/// with the windows in parallel, then Horner over the windows.
fn host_reduce(groups: &[Group], raw: Vec<Vec<Vec<G1Projective>>>, c: usize) -> G1Projective {
    let windows: Vec<Vec<G1Projective>> = groups.iter().zip(raw).flat_map(|(g, r)| g.fold(r, c)).collect();
    let sums: Vec<G1Projective> = windows
        .par_iter()
        .map(|w| {
            let (mut running, mut sum) = (G1Projective::zero(), G1Projective::zero());
            for b in w.iter().rev() {
                running += b;
                sum += running;
            }
            sum
        })
        .collect();
    let mut acc = G1Projective::zero();
    for s in sums.iter().rev() {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc += s;
    }
    acc
}
