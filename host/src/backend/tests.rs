//! Backend checks against independent models: a naive sum of scalar multiplications for MSM and
//! direct polynomial evaluation for every NTT kind.

use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{Field, UniformRand, Zero};
use zkaccel_sim::seed::TestRng;

use super::*;

fn naive_msm(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    bases.iter().zip(scalars).map(|(b, s)| *b * s).sum()
}

fn horner(coeffs: &[Fr], x: Fr) -> Fr {
    coeffs.iter().rev().fold(Fr::zero(), |acc, c| acc * x + c)
}

fn random_bases(rng: &mut TestRng, n: usize) -> Vec<G1Affine> {
    let v: Vec<G1Projective> = (0..n).map(|_| G1Projective::generator() * Fr::rand(rng)).collect();
    G1Projective::normalize_batch(&v)
}

#[test]
fn msm_matches_naive_model_for_full_small_and_negative_scalars() {
    let mut rng = TestRng::for_test("backend::msm_matches_naive_model");
    let be = CpuBackend::new();
    let n = 100;
    let bases = random_bases(&mut rng, n);
    let h = be.load_bases_checked(&bases).unwrap();
    // Edge values, full-width randoms, small quantized values (negatives as r - |v|), repeats.
    let edge: Vec<Fr> = (0..n)
        .map(|i| match i % 5 {
            0 => Fr::zero(),
            1 => Fr::from(1u64),
            2 => -Fr::from(1u64),
            3 => Fr::from(i as u64),
            _ => -Fr::from(i as u64 * 1000),
        })
        .collect();
    let full: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let small: Vec<Fr> = (0..n)
        .map(|_| {
            let v = (rand::RngCore::next_u32(&mut rng) % 256) as i64 - 128;
            if v < 0 { -Fr::from((-v) as u64) } else { Fr::from(v as u64) }
        })
        .collect();
    let short: Vec<Fr> = full[..37].to_vec();
    let inputs = [edge, full, small, short];
    let refs: Vec<&[Fr]> = inputs.iter().map(|v| v.as_slice()).collect();
    let got = be.msm_host(&h, &refs).unwrap();
    for (k, s) in inputs.iter().enumerate() {
        assert_eq!(got[k].into_affine(), naive_msm(&bases[..s.len()], s).into_affine(), "MSM input {k}");
    }
    // Repeated points and P + (-P) in one MSM.
    let p = bases[0];
    let rep = vec![p, p, -p, p];
    let h2 = be.load_bases_checked(&rep).unwrap();
    let s = [Fr::from(3u64), Fr::from(5u64), Fr::from(8u64), Fr::from(0u64)];
    assert!(be.msm_host(&h2, &[&s]).unwrap()[0].is_zero());
    assert_eq!(be.resident_polys(), 0, "msm_host releases its uploads");
}

#[test]
fn checked_wrappers_reject_bad_calls() {
    let mut rng = TestRng::for_test("backend::checked_wrappers_reject_bad_calls");
    let be = CpuBackend::new();
    let bases = random_bases(&mut rng, 4);
    let h = be.load_bases_checked(&bases).unwrap();
    assert_eq!(be.load_bases_checked(&bases).unwrap(), h, "loading is idempotent by hash");
    let long = vec![Fr::from(1u64); 5];
    assert!(matches!(be.msm_host(&h, &[&long]), Err(BackendError::Length(_))));
    let unknown = BasesHandle { id: BasesId([7; 32]), len: 4 };
    assert!(matches!(be.msm_host(&unknown, &[&long[..2]]), Err(BackendError::UnknownHandle { .. })));
    assert!(matches!(be.ntt_host(&[&long], 2, NttKind::Forward), Err(BackendError::Length(_))));
    assert!(matches!(be.ntt_host(&[&long], 29, NttKind::Forward), Err(BackendError::UnsupportedSize(29))));
    assert!(matches!(
        be.ntt_host(&[&long], 3, NttKind::CosetForward { shift: Fr::zero() }),
        Err(BackendError::Invalid(_))
    ));
    let gone = be.upload(&[&long]).unwrap().pop().unwrap();
    let id = gone.id;
    be.release(gone);
    assert!(be.download(&PolyHandle { id, len: 5 }).is_err());
    be.release_bases(&h);
    assert!(!be.has_bases(&h.id));
}

#[test]
fn ntt_kinds_match_direct_evaluation() {
    let mut rng = TestRng::for_test("backend::ntt_kinds_match_direct_evaluation");
    let be = CpuBackend::new();
    for log in [0u32, 1, 3, 6] {
        let size = 1usize << log;
        let omega = <Fr as ark_ff::FftField>::get_root_of_unity(size as u64).unwrap();
        // A short input checks zero padding.
        let coeffs: Vec<Fr> = (0..size.max(2) - 1).map(|_| Fr::rand(&mut rng)).collect();
        let coeffs = &coeffs[..coeffs.len().min(size)];
        let shift = Fr::from(7u64);
        let fwd = be.ntt_host(&[coeffs], log, NttKind::Forward).unwrap().pop().unwrap();
        let cos = be.ntt_host(&[coeffs], log, NttKind::CosetForward { shift }).unwrap().pop().unwrap();
        for i in 0..size {
            let x = omega.pow([i as u64]);
            assert_eq!(fwd[i], horner(coeffs, x), "forward 2^{log} at {i}");
            assert_eq!(cos[i], horner(coeffs, shift * x), "coset 2^{log} at {i}");
        }
        let mut padded = coeffs.to_vec();
        padded.resize(size, Fr::zero());
        let back = be.ntt_host(&[&fwd, &cos], log, NttKind::Inverse).unwrap();
        assert_eq!(back[0], padded, "inverse of forward");
        let back = be.ntt_host(&[&cos], log, NttKind::CosetInverse { shift }).unwrap();
        assert_eq!(back[0], padded, "coset inverse of coset forward");
    }
    assert_eq!(be.resident_polys(), 0);
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
