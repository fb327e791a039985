//! Occupancy bench of the bucket unit's scheduler and card + host projection (not part of the
//! test suite): a whole MSM of `2^log_n` random points and scalars, digits prepared by the host for
//! the on-card reduction (`zkaccel::card_schedule::msm_reduce`), accumulated **and reduced** by the
//! scheduler RTL in Verilator (`cfg_reduce`: running sums per chain in the chain RAMs, two points
//! per chain out) with a software adder of the RTL G1 adder's latency in the loop (the schedule
//! does not depend on the sums, and the RTL adder at this size would take hours to simulate),
//! combined by the host and checked against arkworks. The reduction's cycles are the RTL's
//! (`stat_reduce`), checked equal to the schedule model's (`reduce_model::ReducePlan`). Prints the
//! accumulation's occupancy and the card + host time against the CPU kernel measured on this
//! machine, the card at assumed 150 / 250 / 350 MHz, PCIe at an assumed 12 GB/s.
//!
//! ```text
//! cargo run --release -p zkaccel-sim --example msm_bucket_occupancy -- [log_n=16] [c=12,13]
//! ```

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use rand::Rng;
use std::time::Instant;
use zkaccel::card_schedule::msm_reduce::{combine, plan_reduced, CHAIN_LOG_DEPTH as HOST_CHAIN_LOG_DEPTH};
use zkaccel_hdl::g1_add_mixed::config::LATENCY as ADDER_LATENCY;
use zkaccel_hdl::msm_bucket::config::MAX_LOG_DEPTH;
use zkaccel_hdl::msm_bucket::reduce_model::{ReducePlan, CHAIN_LOG_DEPTH, PROJECTIVE_ADDER_LATENCY};
use zkaccel_hdl::msm_bucket::scheduler::BucketScheduler;
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::bucket_runner::GroupStats;
use zkaccel_sim::bucket_runner::{BucketRunner, Traffic};
use zkaccel_sim::Build;
use zkaccel_testkit::seed::TestRng;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let log_n: usize = args
        .first()
        .map(|s| s.parse().expect("log_n"))
        .unwrap_or(16);
    let cs: Vec<usize> = args
        .get(1)
        .map(|s| s.split(',').map(|c| c.parse().expect("c")).collect())
        .unwrap_or_else(|| vec![12, 13]);
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

    let lib = Build::new(
        "msm_bucket_scheduler_d16",
        generate(&mut BucketScheduler::new(MAX_LOG_DEPTH, ADDER_LATENCY)),
    )
    .build()
    .expect("verilator build");
    let mut runner = BucketRunner::new(
        &lib,
        MAX_LOG_DEPTH,
        ADDER_LATENCY,
        Traffic::SMOOTH,
        TestRng::from_seed(rng.r#gen()),
    )
    .unwrap();
    let clear = runner.reset().unwrap();
    println!(
        "scheduler with 2^{MAX_LOG_DEPTH} bucket entries, software adder of the RTL adder's latency {ADDER_LATENCY}; clear after reset {clear} cycles"
    );
    let clocks = [150.0f64, 250.0, 350.0];
    assert_eq!(ADDER_LATENCY, PROJECTIVE_ADDER_LATENCY, "the RTL adder's latency and the model's");
    assert_eq!(
        CHAIN_LOG_DEPTH, HOST_CHAIN_LOG_DEPTH,
        "the host and the card model disagree on the chain RAM depth"
    );
    println!();
    println!("Accumulation (scheduler RTL in Verilator, requests of the on-card-reduction plan; the reduction follows on the card):");
    println!();
    println!("| c | groups | additions | accumulate cycles | issued/cycle | conflicts (deferrals) | input stalls | sim time |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut rows = Vec::new();
    for c in cs {
        let t = Instant::now();
        // Host: digit preparation (what crosses PCIe), best of 3.
        let mut prep_ms = f64::INFINITY;
        let mut groups = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            groups = plan_reduced(&scalars, c, MAX_LOG_DEPTH, HOST_CHAIN_LOG_DEPTH);
            prep_ms = prep_ms.min(t.elapsed().as_secs_f64() * 1e3);
        }
        let mut acc = GroupStats::default();
        let (mut reduce_cycles, mut readout_cycles, mut additions) = (0u64, 0u64, 0u64);
        let (mut bytes_to, mut bytes_from) = (0u64, 0u64);
        let mut answers = Vec::new();
        for g in &groups {
            let requests = BucketRunner::reduced_requests(&points, g);
            let (sums, st) = runner.run_group_reduced(&requests, c, g.windows, g.seg_log).unwrap();
            drop(requests);
            for (k, v) in [
                (&mut acc.requests, st.requests),
                (&mut acc.accumulate_cycles, st.accumulate_cycles),
                (&mut acc.issued, st.issued),
                (&mut acc.deferred, st.deferred),
                (&mut acc.stalled, st.stalled),
            ] {
                *k += v;
            }
            assert_eq!(st.issued, st.requests);
            // Card: the reduction in RTL; its cycles equal the schedule model's.
            let plan = ReducePlan::new(g.windows, c, ADDER_LATENCY);
            assert_eq!(plan.seg_log, g.seg_log);
            assert_eq!(st.reduce_cycles, plan.reduce_cycles(), "c = {c}: RTL reduction cycles vs the model's");
            reduce_cycles += st.reduce_cycles;
            // Read-out at the card's 256-bit stream: three beats per point (the scheduler's port
            // is 768 bits wide, one point per cycle).
            readout_cycles += plan.readout_cycles();
            additions += plan.additions();
            bytes_to += (2 * g.digits.len()).next_multiple_of(32) as u64;
            bytes_from += 96 * 2 * plan.chains as u64;
            answers.push(sums);
        }
        // Host: the final combination, best of 3.
        let mut combine_ms = f64::INFINITY;
        for _ in 0..3 {
            let t = Instant::now();
            let got = combine(&groups, &answers, c);
            combine_ms = combine_ms.min(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(got.into_affine(), want, "c = {c}: RTL accumulation + RTL reduction + host combination differ from arkworks");
        }
        println!(
            "| {c} | {} | {} | {} | {:.4} | {} ({:.3} %) | {} | {:.0} s |",
            groups.len(),
            acc.issued,
            acc.accumulate_cycles,
            acc.occupancy(),
            acc.deferred,
            100.0 * acc.deferred as f64 / acc.requests.max(1) as f64,
            acc.stalled,
            t.elapsed().as_secs_f64()
        );
        rows.push((
            c,
            acc.accumulate_cycles,
            reduce_cycles,
            additions,
            readout_cycles,
            prep_ms,
            combine_ms,
            bytes_to,
            bytes_from,
        ));
    }
    println!();
    println!(
        "Card + host with the reduction on the card (card cycles: accumulation and reduction RTL, adder latency {ADDER_LATENCY}; host measured, {} threads; PCIe at an assumed {PCIE_GB_S} GB/s, not overlapped):",
        rayon::current_num_threads()
    );
    println!();
    println!("| c | accumulate | reduce (additions) | read-out | card cycles | card ms at 150 / 250 / 350 MHz | digit prep ms | PCIe ms (to / from card) | combination ms | card + host ms at 150 / 250 / 350 | CPU kernel ms | ratio at 150 / 250 / 350 MHz |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (c, accumulate, reduce_c, additions, readout, prep_ms, combine_ms, to, from) in rows {
        let card = accumulate + reduce_c + readout;
        let pcie_ms = (to + from) as f64 / (PCIE_GB_S * 1e9) * 1e3;
        let host_ms = prep_ms + pcie_ms + combine_ms;
        let card_ms = clocks.map(|f| card as f64 / f / 1e3);
        let total = card_ms.map(|m| m + host_ms);
        let ratio = total.map(|t| cpu_ms / t);
        println!(
            "| {c} | {accumulate} | {reduce_c} ({additions}) | {readout} | {card} | {:.2} / {:.2} / {:.2} | {prep_ms:.2} | {pcie_ms:.3} ({to} / {from} B) | {combine_ms:.2} | {:.2} / {:.2} / {:.2} | {cpu_ms:.1} | **{:.1}× / {:.1}× / {:.1}×** |",
            card_ms[0], card_ms[1], card_ms[2], total[0], total[1], total[2], ratio[0], ratio[1], ratio[2],
        );
    }
    println!(
        "(bases resident on the card; only digits go to the card, two points per chain come back)"
    );
}

/// Assumed PCIe bandwidth for the projection (GB/s, each direction).
const PCIE_GB_S: f64 = 12.0;
