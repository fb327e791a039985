//! The CPU MSM against arkworks' `VariableBaseMSM::msm` on random and edge-case inputs, with both
//! batch-affine adders: the portable one and the AVX-512 IFMA one (where the CPU has it; a skip is
//! a failure with `ZKACCEL_REQUIRE_CPU_FEATURES=ifma`).

use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{Field, PrimeField, UniformRand};
use ark_std::{One, Zero};
use rand::Rng;
use zkaccel::cpu::features::run_or_skip;
use zkaccel::cpu::msm::batch_affine::{Adder, Pt};
use zkaccel::cpu::msm::{self, pippenger};
use zkaccel::{Fr, G1Affine, G1Projective};
use zkaccel_testkit::seed::TestRng;

fn random_points(rng: &mut TestRng, n: usize) -> Vec<G1Affine> {
    // Random multiples of the generator, normalised in one batch (fast to make).
    let g = G1Affine::generator();
    let proj: Vec<G1Projective> = (0..n).map(|_| g * Fr::rand(rng)).collect();
    G1Projective::normalize_batch(&proj)
}

fn signed(v: i64) -> Fr {
    if v < 0 {
        -Fr::from(v.unsigned_abs())
    } else {
        Fr::from(v as u64)
    }
}

/// The adders to test on this CPU: the portable one, and the IFMA one where available.
fn adders() -> Vec<Adder> {
    let mut v = vec![Adder::Portable];
    if run_or_skip("ifma", Adder::Ifma.is_available(), "the AVX-512 IFMA batch-affine MSM") {
        v.push(Adder::Ifma);
    }
    v
}

#[track_caller]
fn check(what: &str, bases: &[G1Affine], scalars: &[Fr]) {
    let expected = G1Projective::msm(bases, scalars).expect("equal lengths").into_affine();
    for adder in adders() {
        let got = msm::msm_with(bases, scalars, adder).expect("equal lengths");
        assert_eq!(
            got.into_affine(),
            expected,
            "{what} ({adder:?} adder): MSM of {} terms differs from ark-ec (first scalars {:?})",
            bases.len(),
            &scalars[..scalars.len().min(3)]
        );
    }
    // The default entry point (the best adder) too.
    assert_eq!(msm::msm(bases, scalars).expect("equal lengths").into_affine(), expected, "{what}: default adder");
}

#[test]
fn random_scalars_match_ark() {
    let mut rng = TestRng::for_test("random_scalars_match_ark");
    let bases = random_points(&mut rng, 5000);
    for n in [0usize, 1, 2, 3, 7, 8, 9, 33, 100, 257, 1000, 5000] {
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        check(&format!("random n={n}"), &bases[..n], &scalars);
    }
}

#[test]
fn small_and_negative_small_scalars_match_ark() {
    let mut rng = TestRng::for_test("small_and_negative_small_scalars_match_ark");
    let n = 3000;
    let bases = random_points(&mut rng, n);
    for bits in [1u32, 4, 8, 16, 31, 32, 63, 64] {
        let scalars: Vec<Fr> = (0..n)
            .map(|_| {
                let v: i64 = if bits == 64 { rng.gen() } else { rng.gen_range(-(1i64 << (bits - 1))..(1i64 << (bits - 1))) };
                signed(v)
            })
            .collect();
        check(&format!("signed {bits}-bit"), &bases, &scalars);
        let unsigned: Vec<Fr> = (0..n).map(|_| Fr::from(rng.gen::<u64>() >> (64 - bits))).collect();
        check(&format!("unsigned {bits}-bit"), &bases, &unsigned);
    }
    // A quantized-looking column: mostly small, some full-size, some zero.
    let mixed: Vec<Fr> = (0..n)
        .map(|i| match i % 7 {
            0 => Fr::rand(&mut rng),
            1 => Fr::zero(),
            2 => signed(rng.gen_range(-1_000_000..1_000_000)),
            _ => signed(rng.gen_range(-128..128)),
        })
        .collect();
    check("mixed small/large/zero", &bases, &mixed);
}

#[test]
fn edge_cases_match_ark() {
    let mut rng = TestRng::for_test("edge_cases_match_ark");
    let n = 2048;
    let bases = random_points(&mut rng, n);
    let r_minus_1 = -Fr::one();
    let half = Fr::from_bigint({
        let mut m = Fr::MODULUS;
        ark_ff::BigInteger::div2(&mut m);
        m
    })
    .unwrap();
    for (what, s) in [("zero", Fr::zero()), ("one", Fr::one()), ("r-1", r_minus_1), ("(r-1)/2", half), ("2^127", Fr::from(1u128 << 127))] {
        check(&format!("all scalars {what}"), &bases, &vec![s; n]);
    }
    // Edge scalars mixed with random ones.
    let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    for i in (0..n).step_by(5) {
        scalars[i] = [Fr::zero(), Fr::one(), r_minus_1, half, -half][i / 5 % 5];
    }
    check("edge scalars among random", &bases, &scalars);

    // Repeated points (doubling in a bucket), P and −P (cancellation), the identity.
    let p = bases[0];
    let mut rep = vec![p; n];
    check("one point repeated, equal scalars", &rep, &vec![Fr::from(12345u64); n]);
    let rand_scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    check("one point repeated, random scalars", &rep, &rand_scalars);
    for i in (0..n).step_by(2) {
        rep[i] = -p;
    }
    check("P and -P alternating, equal scalars", &rep, &vec![Fr::from(7u64); n]);
    check("P and -P alternating, random scalars", &rep, &rand_scalars);
    let mut with_identity = bases.clone();
    for i in (0..n).step_by(3) {
        with_identity[i] = G1Affine::zero();
    }
    check("identity bases", &with_identity, &rand_scalars);
    check("all identity", &vec![G1Affine::zero(); 100], &rand_scalars[..100]);
    // Pairs that cancel exactly: s·P + s·(−P) over every term.
    let mut cancel = Vec::new();
    let mut cancel_s = Vec::new();
    for (b, s) in bases.iter().zip(&rand_scalars).take(500) {
        cancel.extend([*b, -*b]);
        cancel_s.extend([*s, *s]);
    }
    for adder in adders() {
        let got = msm::msm_with(&cancel, &cancel_s, adder).unwrap();
        assert!(got.is_zero(), "s·P + s·(−P) pairs must cancel ({adder:?} adder)");
    }
    check("cancelling pairs", &cancel, &cancel_s);
    // s and −s on the same point.
    let mut neg_s = Vec::new();
    for s in rand_scalars.iter().take(1000) {
        neg_s.extend([*s, -*s]);
    }
    let same: Vec<G1Affine> = (0..2000).map(|i| bases[i / 2]).collect();
    check("s and -s on the same point", &same, &neg_s);
}

#[test]
fn unequal_lengths_are_an_error() {
    let mut rng = TestRng::for_test("unequal_lengths_are_an_error");
    let bases = random_points(&mut rng, 4);
    assert_eq!(msm::msm(&bases, &[Fr::one(); 3]), Err(3));
    assert_eq!(msm::msm(&bases[..2], &[Fr::one(); 3]), Err(2));
    let _ = Field::square(&Fr::one());
}

/// Every window size, with batch-affine and Jacobian buckets, with several slices: exercises the
/// conflict queue, side buckets and the Horner combination directly.
#[test]
fn every_plan_matches_naive_sum() {
    let mut rng = TestRng::for_test("every_plan_matches_naive_sum");
    let n = 600;
    let bases = random_points(&mut rng, n);
    // Two blocks (the flattened indexing crosses a block boundary), 40-bit magnitudes, with
    // repeated points and a hot bucket.
    let mut a = pippenger::Terms::default();
    let mut b = pippenger::Terms::default();
    let mut expected = G1Projective::zero();
    for i in 0..n {
        let p = if i % 10 == 0 { bases[0] } else { bases[i] };
        let k: u128 = if i % 4 == 0 { 3 } else { rng.gen::<u64>() as u128 >> 24 };
        expected += p * Fr::from(k);
        let t = if i < n / 3 { &mut a } else { &mut b };
        t.push(Pt::from_affine(&p), k);
    }
    let bits = 40;
    for adder in adders() {
        for c in 2..=16u32 {
            for slices in [1usize, 3] {
                for batch_affine in [false, true] {
                    let plan = pippenger::Plan { c, windows: (bits + 1u32).div_ceil(c), slices, batch_affine };
                    let got = pippenger::msm_terms_with_adder(&[&a, &b], bits, plan, adder);
                    assert_eq!(got.into_affine(), expected.into_affine(), "plan {plan:?}, {adder:?} adder");
                }
            }
        }
    }
}

#[test]
fn thread_counts_agree() {
    let mut rng = TestRng::for_test("thread_counts_agree");
    let n = 4000;
    let bases = random_points(&mut rng, n);
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let expected = G1Projective::msm(&bases, &scalars).unwrap().into_affine();
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        for adder in adders() {
            let got = pool.install(|| msm::msm_with(&bases, &scalars, adder).unwrap());
            assert_eq!(got.into_affine(), expected, "{threads} threads, {adder:?} adder");
        }
    }
}
