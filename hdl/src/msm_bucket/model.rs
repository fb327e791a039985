//! Software model of the bucket-method MSM on BN254 G1, split the way the hardware splits it:
//!
//! 1. host: slice each scalar (a canonical integer `< r`) into signed `c`-bit digits
//!    `d_w ∈ [−2^{c−1}, 2^{c−1}]`, so that `s = Σ_w d_w·2^{c·w}` ([`signed_digits`]);
//! 2. card: for every window `w` and point `P_i` with `d_{i,w} ≠ 0`, add `sign(d)·P_i` into bucket
//!    `|d| − 1` of window `w` ([`accumulate_buckets`]) — the bucket unit's job;
//! 3. host: reduce each window's buckets with running sums, `Σ_b (b+1)·B_b`, and combine the
//!    windows by `c` doublings each ([`reduce_windows`]).
//!
//! Signed digits halve the buckets (`2^{c−1}` per window instead of `2^c − 1`) at the cost of one
//! extra window for the final carry. [`msm_model`] chains the three steps; the tests check it
//! against `ark_ec::VariableBaseMSM` bit for bit.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, CurveGroup};
use ark_ff::{BigInteger, PrimeField};

/// Number of windows of `c` bits needed for 254-bit scalars with signed digits (one more than
/// the unsigned count, for the carry out of the top window).
pub fn windows(c: usize) -> usize {
    assert!((2..=24).contains(&c), "window size {c} out of range 2..=24");
    (Fr::MODULUS_BIT_SIZE as usize).div_ceil(c) + 1
}

/// The signed `c`-bit digits of `s`, least significant window first: `d_w ∈ [−2^{c−1}, 2^{c−1}]`
/// and `Σ d_w·2^{c·w} = s` as integers.
pub fn signed_digits(s: &Fr, c: usize) -> Vec<i64> {
    let bits = s.into_bigint().to_bits_le();
    let n = windows(c);
    let half = 1i64 << (c - 1);
    let mut out = Vec::with_capacity(n);
    let mut carry = 0i64;
    for w in 0..n {
        let mut v = carry;
        for j in 0..c {
            if bits.get(w * c + j).copied().unwrap_or(false) {
                v += 1 << j;
            }
        }
        // v ∈ [0, 2^c]; digits above 2^{c-1} borrow from the next window.
        if v > half {
            out.push(v - (1 << c));
            carry = 1;
        } else {
            out.push(v);
            carry = 0;
        }
    }
    assert_eq!(carry, 0, "the extra window absorbs the final carry");
    out
}

/// Bucket sums per window: `buckets[w][b]` is the sum of `sign(d)·P_i` over the points whose
/// digit in window `w` has `|d| = b + 1`. This is what the card's bucket unit computes.
pub fn accumulate_buckets(points: &[G1Affine], digits: &[Vec<i64>], c: usize) -> Vec<Vec<G1Projective>> {
    let n_windows = windows(c);
    let n_buckets = 1usize << (c - 1);
    let mut buckets = vec![vec![G1Projective::ZERO; n_buckets]; n_windows];
    for (p, ds) in points.iter().zip(digits) {
        for (w, &d) in ds.iter().enumerate() {
            if d > 0 {
                buckets[w][d as usize - 1] += p;
            } else if d < 0 {
                buckets[w][(-d) as usize - 1] -= p;
            }
        }
    }
    buckets
}

/// Host reduction: per window `Σ_b (b+1)·B_b` by running sums (two additions per bucket), then
/// Horner over the windows with `c` doublings each.
pub fn reduce_windows(buckets: &[Vec<G1Projective>], c: usize) -> G1Projective {
    let mut acc = G1Projective::ZERO;
    for window in buckets.iter().rev() {
        for _ in 0..c {
            acc.double_in_place();
        }
        let mut running = G1Projective::ZERO;
        let mut sum = G1Projective::ZERO;
        for b in window.iter().rev() {
            running += b;
            sum += running;
        }
        acc += sum;
    }
    acc
}

/// The whole MSM through the three steps above.
pub fn msm_model(points: &[G1Affine], scalars: &[Fr], c: usize) -> G1Projective {
    assert_eq!(points.len(), scalars.len(), "one scalar per point");
    let digits: Vec<Vec<i64>> = scalars.iter().map(|s| signed_digits(s, c)).collect();
    reduce_windows(&accumulate_buckets(points, &digits, c), c)
}

/// A window size for `n` points (≈ log2 n − 2, at least 4): the usual Pippenger trade-off
/// between bucket additions (`n` per window) and bucket reduction (`2^c` per window).
pub fn window_for(n: usize) -> usize {
    let log = usize::BITS as usize - n.max(1).leading_zeros() as usize;
    log.saturating_sub(2).clamp(4, 16)
}

/// `n` random points and scalars for MSM tests; from `n = 17` on, with the inputs a bucket
/// accumulator must get right: a zero scalar (0), r − 1 (1, 10), a repeated point with the same
/// scalar, so P + P lands in every bucket it touches (8, 9), a point and its negation with the same
/// scalar, so P + (−P) (4, 5), a repeated point (2, 3), the identity (6) and a small scalar (7).
pub fn msm_inputs_with_edge_cases(n: usize, rng: &mut impl rand::RngCore) -> (Vec<G1Affine>, Vec<Fr>) {
    use ark_ff::{One, UniformRand, Zero};
    let mut pts: Vec<G1Projective> = (0..n).map(|_| G1Projective::rand(rng)).collect();
    let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(rng)).collect();
    if n >= 17 {
        scalars[0] = Fr::zero();
        scalars[1] = -Fr::one();
        pts[2] = pts[3];
        pts[4] = -pts[5];
        scalars[4] = scalars[5];
        pts[6] = G1Projective::ZERO;
        scalars[7] = Fr::from(3u64);
        pts[8] = pts[9];
        scalars[8] = scalars[9];
        scalars[10] = -Fr::one();
    }
    (to_affine(&pts), scalars)
}

/// The affine points of `points`, normalized in one batch.
pub fn to_affine(points: &[G1Projective]) -> Vec<G1Affine> {
    G1Projective::normalize_batch(points)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{PrimeGroup, VariableBaseMSM};
    use ark_ff::{One, UniformRand, Zero};
    use num_bigint::BigUint;

    #[test]
    fn signed_digits_recompose_to_the_scalar() {
        let mut rng = zkaccel_testkit::seed::TestRng::for_test("signed_digits_recompose_to_the_scalar");
        let mut cases = vec![Fr::zero(), Fr::one(), -Fr::one(), Fr::from(1u64 << 40)];
        cases.extend((0..200).map(|_| Fr::rand(&mut rng)));
        for c in [2usize, 4, 7, 12, 13, 16] {
            let half = 1i64 << (c - 1);
            for s in &cases {
                let ds = signed_digits(s, c);
                assert!(ds.iter().all(|d| (-half..=half).contains(d)));
                let mut acc = num_bigint::BigInt::default();
                for d in ds.iter().rev() {
                    acc = (acc << c) + num_bigint::BigInt::from(*d);
                }
                assert_eq!(acc, num_bigint::BigInt::from(BigUint::from(s.into_bigint())), "c={c}");
            }
        }
    }

    #[test]
    fn bucket_model_equals_ark_msm_on_random_and_edge_inputs() {
        let mut rng = zkaccel_testkit::seed::TestRng::for_test("bucket_model_equals_ark_msm_on_random_and_edge_inputs");
        let g = G1Projective::generator();
        for n in [1usize, 2, 17, 64, 300] {
            let (affine, scalars) = msm_inputs_with_edge_cases(n, &mut rng);
            let want = G1Projective::msm(&affine, &scalars).unwrap();
            for c in [2usize, 5, window_for(n), 13] {
                assert_eq!(msm_model(&affine, &scalars, c), want, "n={n} c={c}");
            }
        }
        // All scalars r − 1 on the generator: −n·G.
        let affine = to_affine(&vec![g; 10]);
        assert_eq!(msm_model(&affine, &vec![-Fr::one(); 10], 4), -(g * Fr::from(10u64)));
    }
}
