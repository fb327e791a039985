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

/// Handles carry the caller's lengths; the CPU backend checks the resident vectors' own: a
/// scalar handle that understates its length, or a bases handle that overstates theirs, is a
/// length error, not an MSM over a silently shortened prefix (a review found it truncated).
#[test]
fn handles_with_wrong_lengths_are_length_errors_not_truncated_msms() {
    let mut rng = TestRng::for_test("backend::handles_with_wrong_lengths");
    let be = CpuBackend::new();
    let bases = random_bases(&mut rng, 4);
    let h = be.load_bases_checked(&bases).unwrap();
    let s: Vec<Fr> = (0..6).map(|_| Fr::rand(&mut rng)).collect();
    let p = be.upload(&[&s]).unwrap().remove(0);
    let understated = PolyHandle { id: p.id, len: 4 };
    let overstated = BasesHandle { id: h.id.clone(), len: 1000 };
    for (what, bases, scalars) in [("understated scalars", &h, &understated), ("overstated bases", &overstated, &p)] {
        let r = be.msm_batch(&[MsmJob { bases, scalars }]);
        assert!(matches!(r, Err(BackendError::Length(_))), "{what}: {r:?}");
    }
    // Honest handles over 4 of the 6 scalars' prefix are fine.
    let q = be.upload(&[&s[..4]]).unwrap().remove(0);
    assert_eq!(be.msm_batch(&[MsmJob { bases: &h, scalars: &q }]).unwrap()[0], naive_msm(&bases, &s[..4]));
}

/// A transform size beyond what any shift can hold is the size error, also in a debug build
/// (the shift came before the check and overflowed there).
#[test]
fn a_transform_of_2_to_the_64_is_a_size_error() {
    let be = CpuBackend::new();
    let p = be.upload(&[&[Fr::from(1u64); 4][..]]).unwrap().remove(0);
    for log in [29, 63, 64, 200] {
        assert!(matches!(be.ntt_unchecked(&[&p], log, NttKind::Forward), Err(BackendError::UnsupportedSize(l)) if l == log), "2^{log}");
    }
}

/// Columns of unequal length (a library caller's mistake): tuples over the shortest column's
/// rows, no index out of bounds.
#[test]
fn lookup_multiplicities_of_ragged_columns_do_not_panic() {
    let one = Fr::from(1u64);
    let (t0, t1) = ([one, Fr::from(2u64), Fr::from(3u64)], [one]);
    let (i0, i1) = ([one, one, Fr::from(3u64)], [one]);
    let m = host_lookup_multiplicities(&[&t0, &t1], &[&i0, &i1]);
    assert_eq!(m.counts, vec![Fr::from(1u64)]);
    assert!(m.missing.is_empty());
}
