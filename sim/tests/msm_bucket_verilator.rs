//! The whole bucket unit (`zkaccel_hdl::msm_bucket::unit::BucketUnit`: scheduler + the RTL
//! complete G1 adder) in Verilator: MSMs of 1 to 2^10 points through host slicing → RTL bucket
//! accumulation → host reduction, against `ark_ec::VariableBaseMSM`, with zero scalars, repeated
//! points (P + P in a bucket), a point and its negation (P + (−P)), the identity and r − 1.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{One, Zero};
use zkaccel_hdl::msm_bucket::model::{msm_inputs_with_edge_cases, window_for};
use zkaccel_hdl::msm_bucket::unit::BucketUnit;
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::bucket_runner::{BucketRunner, Traffic};
use zkaccel_testkit::seed::TestRng;
use zkaccel_sim::Build;

const LOG_DEPTH: usize = 10;

#[test]
fn bucket_unit_msm_matches_ark_from_1_to_1024_points() {
    let mut rng = TestRng::for_test("bucket_unit_msm_matches_ark_from_1_to_1024_points");
    let lib = Build::new("msm_bucket_unit_d10", generate(&mut BucketUnit::new(LOG_DEPTH))).trace_depth(3).build().unwrap();
    let runner_rng = TestRng::from_seed(rng.seed() ^ 0xb0c4);
    let mut r = BucketRunner::new(&lib, LOG_DEPTH, 0, Traffic { bubble: 0.1, stall: 0.2 }, runner_rng).unwrap();
    r.model_mut().trace_if_requested("bucket_unit_msm").unwrap();
    let g = G1Projective::generator();
    for n in [1usize, 2, 3, 17, 100, 1024] {
        let (pts, scalars) = msm_inputs_with_edge_cases(n, &mut rng);
        let want = G1Projective::msm(&pts, &scalars).unwrap().into_affine();
        let c = window_for(n);
        let (got, stats) = r.msm(&pts, &scalars, c).unwrap_or_else(|e| panic!("n={n}: {e}"));
        let t = stats.total();
        assert_eq!(t.issued, t.requests, "n={n}: every request issued once");
        assert_eq!(got.into_affine(), want, "n={n} c={c}");
        eprintln!(
            "n={n} c={c}: {} additions in {} accumulate cycles ({:.3}/cycle), {} deferrals",
            t.issued,
            t.accumulate_cycles,
            t.occupancy(),
            t.deferred
        );
    }
    // Only r − 1 times the generator, and only the identity.
    let (got, _) = r.msm(&[g.into_affine(); 3], &[-Fr::one(); 3], 4).unwrap();
    assert_eq!(got, -(g * Fr::from(3u64)));
    let (got, _) = r.msm(&[G1Affine::zero(); 2], &[Fr::from(7u64); 2], 4).unwrap();
    assert!(got.is_zero());
}
