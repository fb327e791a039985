//! The profiled CPU backend against the conformance checks, plus CPU-specific checks. (The plain
//! CPU backend runs the suite beside the accelerator backend in
//! `driver/tests/backend_conformance.rs`.)

use ark_ff::UniformRand;
use zkaccel_testkit::seed::TestRng;

use super::conformance::*;
use super::*;

#[test]
fn profiled_cpu_backend_conforms() {
    let mut rng = TestRng::for_test("backend::profiled_cpu_backend_conforms");
    let be = ProfilingBackend::new(CpuBackend::new());
    check_msm(&be, &mut rng);
    check_ntt(&be, &mut rng);
    check_wrappers(&be, &mut rng);
    check_lookup_helpers(&be, &mut rng);
}

#[test]
fn profiling_backend_counts_calls_and_passes_results_through() {
    let mut rng = TestRng::for_test("backend::profiling_backend");
    let be = ProfilingBackend::new(CpuBackend::new());
    let bases = random_bases(&mut rng, 8);
    let h = be.load_bases_checked(&bases).unwrap();
    let s: Vec<Fr> = (0..8).map(|_| Fr::rand(&mut rng)).collect();
    let got = be.msm_host(&h, &[&s, &s[..3]]).unwrap();
    assert_eq!(got[0], naive_msm(&bases, &s));
    be.ntt_host(&[&s], 3, NttKind::Forward).unwrap();
    let p = be.take_profile();
    assert_eq!((p.msm_calls, p.msm_points, p.ntt_calls), (1, 11, 1));
    assert_eq!(be.take_profile().msm_calls, 0);
}

#[test]
fn one_msm_call_serves_jobs_over_several_base_sets() {
    let mut rng = TestRng::for_test("backend::one_msm_call_serves_jobs_over_several_base_sets");
    let be = ProfilingBackend::new(CpuBackend::new());
    let b1 = random_bases(&mut rng, 16);
    let b2 = random_bases(&mut rng, 3);
    let (h1, h2) = (be.load_bases_checked(&b1).unwrap(), be.load_bases_checked(&b2).unwrap());
    assert_ne!(h1.id, h2.id);
    let s1: Vec<Fr> = (0..16).map(|_| Fr::rand(&mut rng)).collect();
    let s2: Vec<Fr> = (0..3).map(|_| Fr::rand(&mut rng)).collect();
    let hs = be.upload(&[&s1, &s2]).unwrap();
    let _ = be.take_profile();
    let got = be
        .msm_batch(&[MsmJob { bases: &h1, scalars: &hs[0] }, MsmJob { bases: &h2, scalars: &hs[1] }, MsmJob { bases: &h1, scalars: &hs[1] }])
        .unwrap();
    assert_eq!(be.take_profile().msm_calls, 1);
    assert_eq!(got, vec![naive_msm(&b1, &s1), naive_msm(&b2, &s2), naive_msm(&b1[..3], &s2)]);
    // A job whose scalars outnumber its bases is refused before anything runs.
    assert!(matches!(be.msm_batch(&[MsmJob { bases: &h2, scalars: &hs[0] }]), Err(BackendError::Length(_))));
}
