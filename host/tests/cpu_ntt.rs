//! The CPU NTT against `ark-poly`'s `Radix2EvaluationDomain` (fft, ifft, coset fft/ifft), for
//! both kernels: the portable one and the AVX-512 IFMA one (tests say "SKIPPED" on stderr when the
//! CPU lacks IFMA, and fail instead with ZKACCEL_REQUIRE_CPU_FEATURES=ifma; the development
//! machine and CI have it).

use ark_ff::{FftField, Field, UniformRand};
use zkaccel::cpu::features::run_or_skip;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_std::{One, Zero};
use zkaccel::cpu::ntt;
use zkaccel::cpu::ntt::Kernel;
use zkaccel::Fr;
use zkaccel_testkit::seed::TestRng;

fn domain(n: usize) -> Radix2EvaluationDomain<Fr> {
    Radix2EvaluationDomain::<Fr>::new(n).expect("domain")
}

/// The kernels this CPU runs: always the portable one, IFMA where available (else a SKIPPED note).
fn kernels() -> Vec<Kernel> {
    if run_or_skip("ifma", Kernel::Ifma.is_available(), "the AVX-512 IFMA NTT kernel") {
        vec![Kernel::Portable, Kernel::Ifma]
    } else {
        vec![Kernel::Portable]
    }
}

#[track_caller]
fn check_all(what: &str, a: &[Fr], shift: Fr) {
    for k in kernels() {
        check_kernel(&format!("{what} [{k:?}]"), a, shift, k);
    }
}

#[track_caller]
fn check_kernel(what: &str, a: &[Fr], shift: Fr, kernel: Kernel) {
    let n = a.len();
    let d = domain(n);
    let first_diff = |x: &[Fr], y: &[Fr]| x.iter().zip(y).position(|(u, v)| u != v);

    let mut got = a.to_vec();
    ntt::fft_in_place_with(&mut got, kernel);
    let want = d.fft(a);
    assert_eq!(first_diff(&got, &want), None, "{what}: fft of size {n} differs from ark-poly");

    let mut got = a.to_vec();
    ntt::ifft_in_place_with(&mut got, kernel);
    let want = d.ifft(a);
    assert_eq!(first_diff(&got, &want), None, "{what}: ifft of size {n} differs from ark-poly");

    let coset = d.get_coset(shift).expect("coset");
    let mut got = a.to_vec();
    ntt::coset_fft_in_place_with(&mut got, shift, kernel);
    let want = coset.fft(a);
    assert_eq!(first_diff(&got, &want), None, "{what}: coset fft of size {n} differs from ark-poly");

    let mut got = a.to_vec();
    ntt::coset_ifft_in_place_with(&mut got, shift, kernel);
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
        // Values at the top of the field (r − 1, r − 2, …) and their mix with 0 and 1: the lazy
        // sums and differences inside the butterflies reach their largest bounds.
        let top: Vec<Fr> = (0..n).map(|i| -Fr::from((i % 3) as u64 + 1)).collect();
        check_all("r-1, r-2, r-3", &top, -Fr::one());
        let alt: Vec<Fr> = (0..n).map(|i| if i % 2 == 0 { -Fr::one() } else { Fr::zero() }).collect();
        check_all("r-1 / 0 alternating", &alt, Fr::GENERATOR);
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

/// The IFMA kernel against the portable one at sizes above the test sweep (several parallel passes
/// before the in-cache blocks), forward, inverse and on a random coset, 1 and 2 threads.
#[test]
fn ifma_kernel_equals_portable_at_large_sizes() {
    if !run_or_skip("ifma", Kernel::Ifma.is_available(), "ifma_kernel_equals_portable_at_large_sizes") {
        return;
    }
    let mut rng = TestRng::for_test("ifma_kernel_equals_portable_at_large_sizes");
    for log_n in [16u32, 17] {
        let a: Vec<Fr> = (0..1usize << log_n).map(|_| Fr::rand(&mut rng)).collect();
        let mut want = a.clone();
        ntt::fft_in_place_with(&mut want, Kernel::Portable);
        let mut want_inv = a.clone();
        ntt::ifft_in_place_with(&mut want_inv, Kernel::Portable);
        let shift = Fr::rand(&mut rng);
        let mut want_coset = a.clone();
        ntt::coset_fft_in_place_with(&mut want_coset, shift, Kernel::Portable);
        let mut want_coset_inv = a.clone();
        ntt::coset_ifft_in_place_with(&mut want_coset_inv, shift, Kernel::Portable);
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let mut got = a.clone();
            pool.install(|| ntt::fft_in_place_with(&mut got, Kernel::Ifma));
            assert!(got == want, "IFMA fft 2^{log_n} ≠ portable ({threads} threads)");
            let mut got = a.clone();
            pool.install(|| ntt::ifft_in_place_with(&mut got, Kernel::Ifma));
            assert!(got == want_inv, "IFMA ifft 2^{log_n} ≠ portable ({threads} threads)");
            let mut got = a.clone();
            pool.install(|| ntt::coset_fft_in_place_with(&mut got, shift, Kernel::Ifma));
            assert!(got == want_coset, "IFMA coset fft 2^{log_n} ≠ portable ({threads} threads)");
            let mut got = a.clone();
            pool.install(|| ntt::coset_ifft_in_place_with(&mut got, shift, Kernel::Ifma));
            assert!(got == want_coset_inv, "IFMA coset ifft 2^{log_n} ≠ portable ({threads} threads)");
        }
    }
}

#[test]
#[should_panic(expected = "not a power of two")]
fn non_power_of_two_is_rejected() {
    let mut a = vec![Fr::one(); 12];
    ntt::fft_in_place(&mut a);
}

#[test]
#[should_panic(expected = "not a power of two")]
fn non_power_of_two_is_rejected_by_ifma_kernel_too() {
    let mut a = vec![Fr::one(); 48];
    ntt::fft_in_place_with(&mut a, Kernel::Ifma);
}
