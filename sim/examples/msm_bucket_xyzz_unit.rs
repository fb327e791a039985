//! One XYZZ MSM unit's share of an MSM on the three-unit precomputed layout (not part of the test
//! suite): the scheduler RTL (`msm_bucket_xyzz::scheduler`, 2^16 bucket entries, built for the XYZZ
//! adder's latency 367) in Verilator with the XYZZ adder's bit-exact model in the loop, fed what
//! unit 0 of a three-unit card would get for `2^log_n` bases at `c = 16`: per base, the digits of
//! windows 0, 3, 6, 9, 12, 15 of its scalar (the first of three windows per table entry, ⌈16/3⌉ = 6
//! entries), all into one window of 2^15 buckets, one request offered per cycle; then the on-card
//! reduction (chains of 64 buckets, four passes per bucket) and the read-out. The table entries are
//! distinct random points standing in for `2^{48·t}·P_i` (the schedule does not depend on the
//! values); the unit's result, combined by the host with the offsets taken out, is checked against
//! arkworks' `Σ d·P` over the same points and digits.
//!
//! Prints the unit's cycles (accumulation, reduction, read-out), the deferral rate, and the card
//! time this share takes at assumed 250 / 350 MHz. A three-unit card runs three such shares in
//! lockstep (units 1 and 2 get five digits per base), so its accumulation is at least unit 0's and
//! each unit's retries hold the others (not simulated here).
//!
//! ```text
//! cargo run --release -p zkaccel-sim --example msm_bucket_xyzz_unit -- [log_n=16]
//! ```

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use std::time::Instant;
use zkaccel::card_schedule::msm_requests::Request;
use zkaccel_hdl::g1_add_xyzz::config::LATENCY;
use zkaccel_hdl::msm_bucket::model::signed_digits;
use zkaccel_hdl::msm_bucket_xyzz::model::{combine, reduce_cycles, Offsets, Shape};
use zkaccel_hdl::msm_bucket_xyzz::scheduler::XyzzBucketScheduler;
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::xyzz_bucket_runner::XyzzBucketRunner;
use zkaccel_sim::Build;
use zkaccel_testkit::seed::TestRng;

const C: usize = 16;
const UNITS: usize = 3;
const LOG_DEPTH: usize = 16;
const SEG_LOG: usize = 6;

fn main() {
    let log_n: usize = std::env::args().nth(1).map(|s| s.parse().expect("log_n")).unwrap_or(16);
    let n = 1usize << log_n;
    let mut rng = TestRng::for_test("msm_bucket_xyzz_unit");
    let windows = zkaccel::card_schedule::msm_precomputed::precomputed_windows(C);
    let entries = windows.div_ceil(UNITS);
    // Table entries: distinct points by a random walk, normalized in one batch.
    let t = Instant::now();
    let q = G1Projective::rand(&mut rng);
    let mut acc = G1Projective::rand(&mut rng);
    let walk: Vec<G1Projective> = (0..n * entries)
        .map(|_| {
            acc += q;
            acc
        })
        .collect();
    let table = G1Projective::normalize_batch(&walk);
    drop(walk);
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    // Unit 0's requests: window 3t of base i's scalar, on entry (i, t).
    let mut reqs = Vec::with_capacity(n * entries);
    let (mut pts, mut ds) = (Vec::with_capacity(n * entries), Vec::with_capacity(n * entries));
    for (i, s) in scalars.iter().enumerate() {
        let d = signed_digits(s, C);
        assert_eq!(d[windows..].iter().filter(|&&x| x != 0).count(), 0, "c = 16: 16 windows hold a scalar");
        for e in 0..entries {
            let w = UNITS * e;
            if w < windows && d[w] != 0 {
                let p = table[i * entries + e];
                reqs.push(Request { point: p, neg: d[w] < 0, mag: d[w].unsigned_abs() as u16, window: 0 });
                pts.push(p);
                ds.push(Fr::from(d[w]));
            }
        }
    }
    let want = G1Projective::msm(&pts, &ds).unwrap().into_affine();
    println!(
        "n = 2^{log_n} bases, c = {C}, {UNITS} units: unit 0 gets {} requests ({} entries per base) into one window of 2^15 buckets; inputs ready in {:.0} s",
        reqs.len(),
        entries,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let lib = Build::new("msm_bucket_xyzz_scheduler_d16", generate(&mut XyzzBucketScheduler::new(LOG_DEPTH, LATENCY))).build().expect("verilator build");
    let build_s = t.elapsed().as_secs_f64();
    let mut unit = XyzzBucketRunner::new(&lib, LOG_DEPTH, LATENCY, TestRng::from_seed(7)).expect("runner");
    let off = Offsets::random(&mut rng);
    let clear = unit.reset(&off).expect("reset");
    let t = Instant::now();
    let (words, st) = unit.run(&reqs, C, 1, Some(SEG_LOG), 0.0, 0.0).expect("run");
    let sim_s = t.elapsed().as_secs_f64();
    let shape = Shape { c: C, windows: 1, seg_log: SEG_LOG };
    let chains: Vec<_> = words.chunks(2).map(|st| (st[0], st[1])).collect();
    let got = combine(&chains, &shape, &off).into_affine();
    assert_eq!(st.flagged, 0, "no operation flagged");
    assert_eq!(got, want, "the unit's share differs from arkworks");
    assert_eq!(st.reduce_cycles, reduce_cycles(&shape, LATENCY), "reduction cycles vs the model");
    let total = st.accumulate_cycles + st.reduce_cycles + st.readout_cycles;
    println!("(Verilator build {build_s:.0} s, clear {clear} cycles, simulation {sim_s:.0} s; result equal to arkworks, no flag)");
    println!();
    println!("| requests | deferred | accumulation cycles | cycles / request | reduction cycles | read-out cycles | unit total | at 250 MHz | at 350 MHz |");
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {} ({:.2} %) | {} | {:.4} | {} | {} | {} | {:.2} ms | {:.2} ms |",
        st.requests,
        st.deferred,
        100.0 * st.deferred as f64 / st.requests as f64,
        st.accumulate_cycles,
        st.accumulate_cycles as f64 / st.requests as f64,
        st.reduce_cycles,
        st.readout_cycles,
        total,
        total as f64 / 250e3,
        total as f64 / 350e3
    );
}
