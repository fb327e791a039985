//! How the bucket unit's accumulation behaves with a longer adder (not part of the test suite):
//! the scheduler RTL (`BucketScheduler`, conflict queue and retry policy built for the given
//! latency) in Verilator with a software adder of that latency, fed one window of `2^{c−1}`
//! buckets the way the precomputed layout feeds each unit (`c = 16`: 2^15 buckets, one digit per
//! cycle offered), for the complete projective adder's latency (`g1_add_mixed`, 206) and the XYZZ
//! adder's (`g1_add_xyzz`, 367). Prints requests, additions issued, deferrals (a request whose
//! bucket was still in the adder, sent to the conflict queue), input stalls, and the accumulation's
//! cycles per request. Every bucket read back is checked against arkworks.
//!
//! The schedule does not depend on the sums, so the software adder's complete sums give the same
//! cycles as any adder of that latency; what the XYZZ unit adds beyond this (four passes per bucket
//! in the reduction, wider words) is not simulated here — `hdl/src/msm_bucket_xyzz/NOTES.md`.
//!
//! ```text
//! cargo run --release -p zkaccel-sim --example msm_bucket_latency -- [log_n=16] [c=16]
//! ```

use ark_bn254::{G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, CurveGroup};
use ark_ff::UniformRand;
use rand::Rng;
use std::time::Instant;
use zkaccel::card_schedule::msm_requests::Request;
use zkaccel_hdl::msm_bucket::config::MAX_LOG_DEPTH;
use zkaccel_hdl::msm_bucket::scheduler::BucketScheduler;
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::bucket_runner::{BucketRunner, Traffic};
use zkaccel_sim::Build;
use zkaccel_testkit::seed::TestRng;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let log_n: usize = args.first().map(|s| s.parse().expect("log_n")).unwrap_or(16);
    let c: usize = args.get(1).map(|s| s.parse().expect("c")).unwrap_or(16);
    assert!((2..=16).contains(&c) && c - 1 <= MAX_LOG_DEPTH, "c = {c}");
    let n = 1usize << log_n;
    let mut rng = TestRng::for_test("msm_bucket_latency");
    // Distinct points by a random walk, normalized in one batch; uniform non-zero signed digits.
    let q = G1Projective::rand(&mut rng);
    let mut acc = G1Projective::rand(&mut rng);
    let walk: Vec<G1Projective> = (0..n)
        .map(|_| {
            acc += q;
            acc
        })
        .collect();
    let points = G1Projective::normalize_batch(&walk);
    let half = 1i32 << (c - 1);
    let requests: Vec<Request> = points
        .iter()
        .map(|p| {
            let d = loop {
                let d = rng.gen_range(-half + 1..=half);
                if d != 0 {
                    break d;
                }
            };
            Request { point: *p, neg: d < 0, mag: d.unsigned_abs() as u16, window: 0 }
        })
        .collect();
    let mut want = vec![G1Projective::ZERO; 1 << (c - 1)];
    for r in &requests {
        let p: G1Projective = r.point.into();
        want[r.mag as usize - 1] += if r.neg { -p } else { p };
    }
    let want: Vec<G1Affine> = G1Projective::normalize_batch(&want);
    println!("n = 2^{log_n} requests into one window of 2^{} buckets (c = {c}), offered one per cycle", c - 1);
    println!();
    println!("| adder | latency | requests | issued | deferred | deferred / request | stalled cycles | accumulation cycles | cycles / request |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, latency) in
        [("complete projective (g1_add_mixed)", zkaccel_hdl::g1_add_mixed::config::LATENCY), ("XYZZ (g1_add_xyzz)", zkaccel_hdl::g1_add_xyzz::config::LATENCY)]
    {
        let t = Instant::now();
        let lib = Build::new(&format!("msm_bucket_scheduler_d16_l{latency}"), generate(&mut BucketScheduler::new(MAX_LOG_DEPTH, latency)))
            .build()
            .expect("verilator build");
        let build_s = t.elapsed().as_secs_f64();
        let mut runner = BucketRunner::new(&lib, MAX_LOG_DEPTH, latency, Traffic::SMOOTH, TestRng::from_seed(rng.r#gen())).expect("runner");
        runner.cycles_per_request_limit = 1_000;
        let t = Instant::now();
        let (buckets, st) = runner.run_group(&requests, c, 1).expect("run");
        let sim_s = t.elapsed().as_secs_f64();
        let got: Vec<G1Affine> = buckets[0].iter().map(|b| b.into_affine()).collect();
        assert_eq!(got, want, "buckets differ from arkworks at latency {latency}");
        println!(
            "| {name} | {latency} | {} | {} | {} | {:.4} | {} | {} | {:.4} |",
            st.requests,
            st.issued,
            st.deferred,
            st.deferred as f64 / st.requests as f64,
            st.stalled,
            st.accumulate_cycles,
            st.accumulate_cycles as f64 / st.requests as f64
        );
        eprintln!("  (latency {latency}: Verilator build {build_s:.0} s, simulation {sim_s:.0} s)");
    }
}
