//! The bucket scheduler RTL (`zkaccel_hdl::msm_bucket::scheduler`) in Verilator with a software
//! adder of fixed latency in the loop: whole MSMs through host slicing → RTL bucket accumulation
//! (conflict queue, write-back, read-out) → host reduction, against `ark_ec::VariableBaseMSM`, on
//! random and edge inputs, all-conflict inputs, bubbles and back-pressure; plus the error flag.
//! The RTL adder joins in the card top (`driver/tests/sim_card_msm.rs`, full-RTL card).

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{One, UniformRand, Zero};
use std::sync::Arc;
use zkaccel_hdl::msm_bucket::model::{msm_inputs_with_edge_cases, window_for};
use zkaccel::card_schedule::msm_requests::Request;
use zkaccel_hdl::msm_bucket::scheduler::BucketScheduler;
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::bucket_runner::{BucketRunner, Traffic};
use zkaccel_testkit::seed::TestRng;
use zkaccel_sim::{Build, Library};

const LOG_DEPTH: usize = 10;
/// A software adder as deep as a real one's order of magnitude (the RTL adder's is in its config).
const LATENCY: usize = 120;

fn library() -> Arc<Library> {
    Build::new("msm_bucket_scheduler_d10", generate(&mut BucketScheduler::new(LOG_DEPTH, LATENCY))).build().unwrap()
}

fn runner(lib: &Arc<Library>, traffic: Traffic, name: &str) -> BucketRunner {
    let mut r = BucketRunner::new(lib, LOG_DEPTH, LATENCY, traffic, TestRng::for_test(name)).unwrap();
    r.model_mut().trace_if_requested(name).unwrap();
    r
}

fn check_msm(r: &mut BucketRunner, points: &[G1Affine], scalars: &[Fr], c: usize, what: &str) {
    let want = G1Projective::msm(points, scalars).unwrap();
    let (got, stats) = r.msm(points, scalars, c).unwrap_or_else(|e| panic!("{what}: {e}"));
    let t = stats.total();
    assert_eq!(t.issued, t.requests, "{what}: every request is issued exactly once");
    assert_eq!(got.into_affine(), want.into_affine(), "{what}: c={c}");
}

fn random_points(n: usize, rng: &mut TestRng) -> Vec<G1Affine> {
    G1Projective::normalize_batch(&(0..n).map(|_| G1Projective::rand(rng)).collect::<Vec<_>>())
}

#[test]
fn scheduler_msm_matches_ark_on_random_and_edge_inputs() {
    let mut rng = TestRng::for_test("scheduler_msm_matches_ark_on_random_and_edge_inputs");
    let lib = library();
    let mut r = runner(&lib, Traffic::SMOOTH, "scheduler_msm_random_edge");
    for n in [1usize, 2, 3, 17, 100, 1024] {
        let (pts, scalars) = msm_inputs_with_edge_cases(n, &mut rng);
        for c in [2usize, 4, window_for(n)] {
            check_msm(&mut r, &pts, &scalars, c, &format!("n={n}"));
        }
    }
    // All zero scalars, all identities, a single r − 1.
    let pts = random_points(5, &mut rng);
    check_msm(&mut r, &pts, &[Fr::zero(); 5], 4, "zero scalars");
    check_msm(&mut r, &[G1Affine::zero(); 4], &[Fr::rand(&mut rng); 4], 4, "identities");
    check_msm(&mut r, &[G1Projective::generator().into_affine()], &[-Fr::one()], 5, "r - 1");
}

#[test]
fn scheduler_all_conflicts_bubbles_and_backpressure() {
    let mut rng = TestRng::for_test("scheduler_all_conflicts_bubbles_and_backpressure");
    let lib = library();
    // Every point has the same scalar: each window's requests all hit one bucket, so all but one
    // in-flight request per window is deferred; with 4 windows per group that is the worst case.
    let mut r = runner(&lib, Traffic::SMOOTH, "scheduler_all_conflicts");
    let n = 200;
    let pts = random_points(n, &mut rng);
    let s = Fr::rand(&mut rng);
    let (got, stats) = r.msm(&pts, &vec![s; n], 8).unwrap();
    assert_eq!(got.into_affine(), G1Projective::msm(&pts, &vec![s; n]).unwrap().into_affine());
    let t = stats.total();
    assert!(t.deferred > t.requests, "all-conflict input must defer ({} deferred, {} requests)", t.deferred, t.requests);
    // Random traffic: 30 % source bubbles, 50 % sink stalls, and a nearly stopped sink.
    for (traffic, name) in [
        (Traffic { bubble: 0.3, stall: 0.5 }, "bubbles+stalls"),
        (Traffic { bubble: 0.0, stall: 0.95 }, "stalled sink"),
    ] {
        r.set_traffic(traffic);
        let n = 300;
        let pts = random_points(n, &mut rng);
        let scalars: Vec<Fr> = (0..n).map(|i| if i % 7 == 0 { Fr::from(5u64) } else { Fr::rand(&mut rng) }).collect();
        check_msm(&mut r, &pts, &scalars, 6, name);
    }
}

#[test]
fn scheduler_flags_out_of_range_requests() {
    let mut rng = TestRng::for_test("scheduler_flags_out_of_range_requests");
    let lib = library();
    let mut r = runner(&lib, Traffic::SMOOTH, "scheduler_errors");
    let p = random_points(1, &mut rng)[0];
    // A window outside the group, a digit above 2^{c−1}: each sets the sticky error flag.
    for (req, c, windows) in [
        (Request { point: p, neg: false, mag: 1, window: 3 }, 4usize, 3usize),
        (Request { point: p, neg: true, mag: 9, window: 0 }, 4, 3),
    ] {
        let err = r.run_group(&[req], c, windows).unwrap_err();
        assert!(err.to_string().contains("error flag"), "{err}");
        r.reset().unwrap();
        // After a reset the unit works again.
        let ok = Request { point: p, neg: false, mag: 2, window: 1 };
        let (buckets, _) = r.run_group(&[ok], c, windows).unwrap();
        assert_eq!(buckets[1][1], G1Projective::from(p));
        assert!(buckets.iter().flatten().filter(|b| !b.is_zero()).count() == 1, "only one bucket touched");
    }
}

/// The on-card reduction (`cfg_reduce`): for each group, the same requests once with the bucket
/// read-out (the buckets) and once reduced on the card (the chain sums). The chain sums equal the
/// cycle-exact schedule model's (`reduce_model::reduce` over the read-out buckets) as points, the
/// reduction takes exactly the model's cycles, and whole MSMs through the card's reduction and the
/// host's combination equal `ark_ec`'s, on edge inputs (zero scalars, r − 1, repeated points,
/// P and −P, the identity), spread narrow windows and chains of one bucket.
#[test]
fn scheduler_reduces_on_card_like_the_model() {
    use zkaccel::card_schedule::msm_reduce::{plan_reduced, CHAIN_LOG_DEPTH};
    use zkaccel_hdl::msm_bucket::reduce_model::{reduce, ReducePlan};
    let mut rng = TestRng::for_test("scheduler_reduces_on_card_like_the_model");
    let lib = library();
    let mut r = runner(&lib, Traffic::SMOOTH, "scheduler_reduce");
    let mut shapes = 0;
    for (n, c) in [(100usize, 2usize), (100, 5), (300, 8), (64, 10)] {
        let (pts, scalars) = msm_inputs_with_edge_cases(n, &mut rng);
        for g in plan_reduced(&scalars, c, LOG_DEPTH, CHAIN_LOG_DEPTH) {
            let reqs = BucketRunner::reduced_requests(&pts, &g);
            let (buckets, _) = r.run_group(&reqs, c, g.windows).unwrap();
            let plan = ReducePlan::new(g.windows, c, LATENCY);
            assert_eq!(plan.seg_log, g.seg_log, "host and model cut the same chains");
            let want = reduce(&plan, &buckets.concat());
            let (got, stats) = r.run_group_reduced(&reqs, c, g.windows, g.seg_log).unwrap();
            let what = format!("n={n} c={c} group at window {}: {} chains of {}", g.first, plan.chains, plan.segment());
            assert_eq!(got.s, want.s, "{what}: S");
            assert_eq!(got.t, want.t, "{what}: T");
            assert_eq!(stats.reduce_cycles, want.cycles, "{what}: cycles, RTL vs model");
            assert!(stats.readout_cycles < 2 * plan.chains as u64 + 16, "{what}: {} read-out cycles", stats.readout_cycles);
            shapes += 1;
        }
        let want = G1Projective::msm(&pts, &scalars).unwrap();
        let (got, _) = r.msm_reduced(&pts, &scalars, c).unwrap();
        assert_eq!(got.into_affine(), want.into_affine(), "MSM n={n} c={c}");
    }
    assert!(shapes >= 5, "{shapes} groups checked");
    // All zero scalars and all identities: the identity, through chains of identities.
    let pts = random_points(5, &mut rng);
    assert!(r.msm_reduced(&pts, &[Fr::zero(); 5], 4).unwrap().0.is_zero());
    assert!(r.msm_reduced(&[G1Affine::zero(); 4], &[Fr::rand(&mut rng); 4], 4).unwrap().0.is_zero());
    // A chain length the chain RAMs cannot hold (Q > 2^CHAIN_LOG_DEPTH) or longer than a window:
    // the error flag (the buckets are then read out plainly, clearing them), and the unit works
    // again after a reset.
    let p = pts[0];
    let req = Request { point: p, neg: false, mag: 1, window: 0 };
    for (c, windows, seg_log) in [(10usize, 2usize, 0usize), (4, 2, 4)] {
        let err = r.run_group_reduced(&[req], c, windows, seg_log).unwrap_err();
        assert!(err.to_string().contains("error flag"), "{err}");
        r.reset().unwrap();
    }
    let (sums, _) = r.run_group_reduced(&[req], 4, 2, 1).unwrap();
    assert_eq!(sums.s[0], G1Projective::from(p));
    assert_eq!(sums.t[0], G1Projective::from(p));
    assert!(sums.s[1..].iter().chain(&sums.t[1..]).all(|x| x.is_zero()));
}
