//! Backend conformance checks, reusable by every `Backend` implementation (feature `test-utils`;
//! the CPU backend's tests and the accelerator backend's tests over the simulated card run the
//! same functions): MSM against a naive sum of scalar multiplications, every NTT kind against
//! direct polynomial evaluation and arkworks' domains, and the checked wrappers' refusals. Each
//! function panics with a message naming the failing case.

use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{Field, UniformRand, Zero};
use rand::RngCore;

use super::*;

/// Σ s_i·P_i, one scalar multiplication at a time.
pub fn naive_msm(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    bases.iter().zip(scalars).map(|(b, s)| *b * s).sum()
}

fn horner(coeffs: &[Fr], x: Fr) -> Fr {
    coeffs.iter().rev().fold(Fr::zero(), |acc, c| acc * x + c)
}

/// Random points of G1.
pub fn random_bases(rng: &mut impl RngCore, n: usize) -> Vec<G1Affine> {
    let v: Vec<G1Projective> = (0..n).map(|_| G1Projective::generator() * Fr::rand(rng)).collect();
    G1Projective::normalize_batch(&v)
}

/// MSM: zero, ±1, small and negative quantized values, full width, short vectors, repeated points
/// and P + (−P).
pub fn check_msm(be: &dyn Backend, rng: &mut impl RngCore) {
    let n = 100;
    let bases = random_bases(rng, n);
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
    let full: Vec<Fr> = (0..n).map(|_| Fr::rand(rng)).collect();
    let small: Vec<Fr> = (0..n)
        .map(|_| {
            let v = (rng.next_u32() % 256) as i64 - 128;
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
    // The identity among the bases, one point, and r − 1 on a repeated point.
    let with_identity = vec![bases[1], G1Affine::identity(), bases[2], bases[1]];
    let h3 = be.load_bases_checked(&with_identity).unwrap();
    let s = [-Fr::from(1u64), Fr::rand(rng), Fr::from(2u64), Fr::from(1u64)];
    let want = naive_msm(&with_identity, &s);
    assert_eq!(be.msm_host(&h3, &[&s]).unwrap()[0].into_affine(), want.into_affine(), "identity base, r - 1");
    assert_eq!(be.msm_host(&h3, &[&s[..1]]).unwrap()[0].into_affine(), (-G1Projective::from(bases[1])).into_affine(), "one point, r - 1");
    for h in [h, h2, h3] {
        be.release_bases(&h);
    }
}

/// The checked wrappers refuse bad calls; bases load idempotently; released data is gone.
pub fn check_wrappers(be: &dyn Backend, rng: &mut impl RngCore) {
    let bases = random_bases(rng, 4);
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

/// Every NTT kind against direct evaluation, with zero padding, and the inverses, for sizes 1, 2,
/// 8 and 64 (see [`check_ntt_sizes`] for larger ones).
pub fn check_ntt(be: &dyn Backend, rng: &mut impl RngCore) {
    for log in [0u32, 1, 3, 6] {
        let size = 1usize << log;
        let omega = <Fr as ark_ff::FftField>::get_root_of_unity(size as u64).unwrap();
        // A short input checks zero padding.
        let coeffs: Vec<Fr> = (0..size.max(2) - 1).map(|_| Fr::rand(rng)).collect();
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
}

/// Every NTT kind of the given sizes against arkworks' radix-2 domains (`fft`, `ifft`,
/// `get_coset`), on full and zero-padded inputs (half and one element short), with the standard
/// coset shift and another one.
pub fn check_ntt_sizes(be: &dyn Backend, rng: &mut impl RngCore, logs: &[u32]) {
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    for &log in logs {
        let size = 1usize << log;
        let plain = Radix2EvaluationDomain::<Fr>::new(size).unwrap();
        for len in [size, size.div_ceil(2), size - 1] {
            let v: Vec<Fr> = (0..len).map(|_| Fr::rand(rng)).collect();
            let mut padded = v.clone();
            padded.resize(size, Fr::zero());
            for shift in [crate::plonk::extended_coset_shift(), Fr::from(5u64)] {
                let coset = plain.get_coset(shift).unwrap();
                let cases = [
                    (NttKind::Forward, plain.fft(&padded)),
                    (NttKind::Inverse, plain.ifft(&padded)),
                    (NttKind::CosetForward { shift }, coset.fft(&padded)),
                    (NttKind::CosetInverse { shift }, coset.ifft(&padded)),
                ];
                for (kind, want) in cases {
                    let got = be.ntt_host(&[&v], log, kind).unwrap().pop().unwrap();
                    assert!(got == want, "NTT 2^{log}, input length {len}, {kind:?}");
                }
            }
        }
    }
}

/// The lookup helpers: batch inversion against one inversion at a time (zeros stay zero), and
/// multiplicities of single- and two-column tables against a direct count (duplicate table rows
/// counted at their first row; inputs outside the table reported as missing).
pub fn check_lookup_helpers(be: &dyn Backend, rng: &mut impl RngCore) {
    let mut v: Vec<Fr> = (0..257).map(|i| if i % 7 == 0 { Fr::zero() } else { Fr::rand(rng) }).collect();
    let want: Vec<Fr> = v.iter().map(|x| x.inverse().unwrap_or(Fr::zero())).collect();
    be.batch_invert(&mut v).unwrap();
    assert_eq!(v, want, "batch_invert");
    let mut empty: Vec<Fr> = vec![];
    be.batch_invert(&mut empty).unwrap();
    // One column: 0..16 with 3 repeated; inputs mostly inside, two outside.
    let table: Vec<Fr> = (0..16u64).chain([3]).map(Fr::from).collect();
    let inputs: Vec<Fr> = (0..100u64).map(|i| Fr::from(if i == 40 || i == 77 { 1000 + i } else { (i * i) % 16 })).collect();
    let m = be.lookup_multiplicities(&[&table], &[&inputs]).unwrap();
    let mut want = vec![0u64; table.len()];
    for (i, x) in inputs.iter().enumerate() {
        if i != 40 && i != 77 {
            want[table.iter().position(|t| t == x).unwrap()] += 1;
        }
    }
    assert_eq!(m.counts, want.into_iter().map(Fr::from).collect::<Vec<_>>(), "single-column multiplicities");
    assert_eq!(m.missing, vec![40, 77], "single-column missing inputs");
    // Two columns: (x, x²) for x in 0..8; an input with the right x and the wrong second entry
    // is missing.
    let tx: Vec<Fr> = (0..8u64).map(Fr::from).collect();
    let ty: Vec<Fr> = (0..8u64).map(|x| Fr::from(x * x)).collect();
    let ix: Vec<Fr> = [1u64, 2, 2, 5, 7, 3].map(Fr::from).to_vec();
    let iy: Vec<Fr> = [1u64, 4, 4, 25, 49, 10].map(Fr::from).to_vec();
    let m = be.lookup_multiplicities(&[&tx, &ty], &[&ix, &iy]).unwrap();
    assert_eq!(m.counts, [0u64, 1, 2, 0, 0, 1, 0, 1].map(Fr::from).to_vec(), "tuple multiplicities");
    assert_eq!(m.missing, vec![5], "tuple missing inputs");
}
