//! The CPU NTT against `ark-poly`'s `Radix2EvaluationDomain` (fft, ifft, coset fft/ifft).

use ark_ff::{FftField, Field, UniformRand};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_std::{One, Zero};
use zkaccel::cpu::ntt;
use zkaccel::Fr;
use zkaccel_sim::seed::TestRng;

fn domain(n: usize) -> Radix2EvaluationDomain<Fr> {
    Radix2EvaluationDomain::<Fr>::new(n).expect("domain")
}

#[track_caller]
fn check_all(what: &str, a: &[Fr], shift: Fr) {
    let n = a.len();
    let d = domain(n);
    let first_diff = |x: &[Fr], y: &[Fr]| x.iter().zip(y).position(|(u, v)| u != v);

    let mut got = a.to_vec();
    ntt::fft_in_place(&mut got);
    let want = d.fft(a);
    assert_eq!(first_diff(&got, &want), None, "{what}: fft of size {n} differs from ark-poly");

    let mut got = a.to_vec();
    ntt::ifft_in_place(&mut got);
    let want = d.ifft(a);
    assert_eq!(first_diff(&got, &want), None, "{what}: ifft of size {n} differs from ark-poly");

    let coset = d.get_coset(shift).expect("coset");
    let mut got = a.to_vec();
    ntt::coset_fft_in_place(&mut got, shift);
    let want = coset.fft(a);
    assert_eq!(first_diff(&got, &want), None, "{what}: coset fft of size {n} differs from ark-poly");

    let mut got = a.to_vec();
    ntt::coset_ifft_in_place(&mut got, shift);
    let want = coset.ifft(a);
    assert_eq!(first_diff(&got, &want), None, "{what}: coset ifft of size {n} differs from ark-poly");
}

#[test]
fn random_vectors_match_ark_poly_at_every_size() {
    let mut rng = TestRng::for_test("random_vectors_match_ark_poly_at_every_size");
    // 2^13 .. 2^15 cross the in-cache block (2^12): radix-2 and radix-4 passes above it.
    for log_n in 0..=15u32 {
        let a: Vec<Fr> = (0..1usize << log_n).map(|_| Fr::rand(&mut rng)).collect();
        check_all(&format!("random 2^{log_n}"), &a, Fr::GENERATOR);
        let shift = Fr::rand(&mut rng);
        if !shift.is_zero() && log_n % 3 == 0 {
            check_all(&format!("random 2^{log_n}, random shift"), &a, shift);
        }
    }
}

#[test]
fn edge_vectors_match_ark_poly() {
    let mut rng = TestRng::for_test("edge_vectors_match_ark_poly");
    for log_n in [1u32, 4, 11, 13, 14] {
        let n = 1usize << log_n;
        let mut delta = vec![Fr::zero(); n];
        delta[0] = Fr::one();
        check_all("delta at 0", &delta, Fr::GENERATOR);
        let mut last = vec![Fr::zero(); n];
        last[n - 1] = -Fr::one();
        check_all("r-1 at the end", &last, Fr::GENERATOR);
        check_all("zeros", &vec![Fr::zero(); n], Fr::GENERATOR);
        check_all("all r-1", &vec![-Fr::one(); n], -Fr::one());
        let small: Vec<Fr> = (0..n).map(|i| Fr::from(i as u64)).collect();
        check_all("0..n", &small, Fr::from(5u64));
        let _ = Fr::rand(&mut rng);
    }
}

#[test]
fn inverse_undoes_forward_and_threads_agree() {
    let mut rng = TestRng::for_test("inverse_undoes_forward_and_threads_agree");
    let n = 1 << 14;
    let a: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let mut reference = a.clone();
    ntt::coset_fft_in_place(&mut reference, Fr::GENERATOR);
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let mut b = a.clone();
        pool.install(|| ntt::coset_fft_in_place(&mut b, Fr::GENERATOR));
        assert_eq!(b, reference, "{threads} threads");
        pool.install(|| ntt::coset_ifft_in_place(&mut b, Fr::GENERATOR));
        assert_eq!(b, a, "coset ifft ∘ coset fft ≠ id ({threads} threads)");
        pool.install(|| ntt::fft_in_place(&mut b));
        pool.install(|| ntt::ifft_in_place(&mut b));
        assert_eq!(b, a, "ifft ∘ fft ≠ id ({threads} threads)");
    }
    let _ = Fr::one().square();
}

#[test]
#[should_panic(expected = "not a power of two")]
fn non_power_of_two_is_rejected() {
    let mut a = vec![Fr::one(); 12];
    ntt::fft_in_place(&mut a);
}
