//! GLV decomposition for BN254 G1.
//!
//! BN254 has the endomorphism φ(x, y) = (β·x, y) with β a primitive cube root of unity in Fq; on
//! G1 it acts as multiplication by λ, a cube root of unity in Fr (λ² + λ + 1 ≡ 0 mod r). A 254-bit
//! scalar k is split as k ≡ k1 + k2·λ (mod r) with |k1|, |k2| < 2^128, so that
//! k·P = k1·P + k2·φ(P): one 254-bit term becomes two ~128-bit terms and Pippenger needs half as
//! many windows.
//!
//! The split uses the short lattice basis {(−A, B), (−B, −C)} of {(a, b) : a + b·λ ≡ 0}
//! (the same basis as `ark_bn254`'s `GLVConfig::SCALAR_DECOMP_COEFFS`):
//! with q1 = round(k·C / r) and q2 = round(k·B / r) (Babai rounding; A·C + B² = r),
//! `k1 = k − q1·A − q2·B` and `k2 = q1·B − q2·C`, so |k1| ≤ (A + B)/2 and |k2| ≤ (B + C)/2,
//! both < 2^126. The quotients are computed as `(k·g + 2^319) >> 320` with `g = ⌊2^320·C / r⌋`
//! (resp. B); the approximation error is below 2^-66, so it can differ from the exact rounding only
//! for k·C/r within 2^-66 of a half-integer. Any integers q1, q2 give a correct split (the basis
//! vectors are ≡ 0 mod r), so correctness never depends on the rounding; the MSM sizes its windows
//! from the actual bit lengths. No allocation, no division: a few 64-bit multiplications per
//! scalar (ark's version goes through `num-bigint`).

use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ff::BigInt;

use crate::{Fq, G1Affine};

/// A = 147946756881789319000765030803803410728
const A: u128 = 0x6f4d8248eeb859fc8211bbeb7d4f1128;
/// B = 9931322734385697763
const B: u128 = 0x89d3256894d213e3;
/// C = 147946756881789319010696353538189108491
const C: u128 = 0x6f4d8248eeb859fd0be4e1541221250b;
/// ⌊2^320·C / r⌋ (194 bits), little-endian limbs.
const G1: [u64; 4] = [0x149d540fd5e495cc, 0x5398fd0300ff6565, 0x4ccef014a773d2d2, 0x2];
/// ⌊2^320·B / r⌋ (130 bits), little-endian limbs.
const G2: [u64; 4] = [0x6eb9c714773a6ef2, 0xd91d232ec7e0b3d7, 0x2, 0x0];

/// β, the cube root of unity in Fq with φ(P) = (β·x, y) = λ·P.
pub fn beta() -> Fq {
    <ark_bn254::g1::Config as GLVConfig>::ENDO_COEFFS[0]
}

/// φ(P) = (β·x, y); the identity maps to itself.
pub fn endomorphism(p: &G1Affine, beta: &Fq) -> G1Affine {
    if ark_ec::AffineRepr::is_zero(p) {
        return *p;
    }
    G1Affine::new_unchecked(p.x * beta, p.y)
}

/// A signed integer of at most 256 bits as sign and magnitude (little-endian limbs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signed {
    pub negative: bool,
    pub magnitude: [u64; 4],
}

impl Signed {
    /// The number of significant bits of the magnitude.
    pub fn bits(&self) -> u32 {
        for i in (0..4).rev() {
            if self.magnitude[i] != 0 {
                return 64 * i as u32 + 64 - self.magnitude[i].leading_zeros();
            }
        }
        0
    }
}

/// Splits a canonical scalar k < r into (k1, k2) with k ≡ k1 + k2·λ (mod r), |k1|, |k2| < 2^126
/// (up to 2^128 for k within 2^-66 of a rounding tie).
pub fn decompose(k: &BigInt<4>) -> (Signed, Signed) {
    let k = k.0;
    let q1 = mul_high(&k, &G1);
    let q2 = mul_high(&k, &G2);
    // k1 = k − q1·A − q2·B, k2 = q1·B − q2·C, computed modulo 2^256 (the true values are small).
    let k1 = sub(&sub(&k, &mul_128(q1, A)), &mul_128(q2, B));
    let k2 = sub(&mul_128(q1, B), &mul_128(q2, C));
    (to_signed(k1), to_signed(k2))
}

/// `(k·g + 2^319) >> 320` for 4-limb k and g; the result is < 2^128 for our constants.
fn mul_high(k: &[u64; 4], g: &[u64; 4]) -> u128 {
    let mut prod = [0u64; 8];
    for (i, &ki) in k.iter().enumerate() {
        let mut carry = 0u128;
        for (j, &gj) in g.iter().enumerate() {
            let t = prod[i + j] as u128 + (ki as u128) * (gj as u128) + carry;
            prod[i + j] = t as u64;
            carry = t >> 64;
        }
        prod[i + 4] = carry as u64;
    }
    // Round: add 2^319 (bit 63 of limb 4) and carry it up.
    let (l4, c) = prod[4].overflowing_add(1 << 63);
    let _ = l4;
    let (l5, c5) = prod[5].overflowing_add(c as u64);
    let l6 = prod[6].wrapping_add(c5 as u64);
    debug_assert_eq!(prod[7], 0);
    (l5 as u128) | ((l6 as u128) << 64)
}

/// The full 256-bit product of two u128.
fn mul_128(a: u128, b: u128) -> [u64; 4] {
    let (a0, a1) = (a as u64 as u128, (a >> 64) as u64 as u128);
    let (b0, b1) = (b as u64 as u128, (b >> 64) as u64 as u128);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 64) + (p01 as u64 as u128) + (p10 as u64 as u128);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    [p00 as u64, mid as u64, hi as u64, (hi >> 64) as u64]
}

/// a − b modulo 2^256.
fn sub(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut out = [0u64; 4];
    let mut borrow = false;
    for i in 0..4 {
        let (d, b1) = a[i].overflowing_sub(b[i]);
        let (d, b2) = d.overflowing_sub(borrow as u64);
        out[i] = d;
        borrow = b1 | b2;
    }
    out
}

/// Reads a two's-complement 256-bit value as sign and magnitude.
fn to_signed(v: [u64; 4]) -> Signed {
    if v[3] >> 63 == 0 {
        return Signed { negative: false, magnitude: v };
    }
    let mut out = [0u64; 4];
    let mut carry = true;
    for i in 0..4 {
        let (s, c) = (!v[i]).overflowing_add(carry as u64);
        out[i] = s;
        carry = c;
    }
    Signed { negative: true, magnitude: out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::{BigInteger, PrimeField, UniformRand};
    use ark_std::{One, Zero};

    use crate::Fr;

    fn to_fr(s: &Signed) -> Fr {
        let v = Fr::from_bigint(BigInt(s.magnitude)).expect("magnitude below r");
        if s.negative {
            -v
        } else {
            v
        }
    }

    fn check(k: Fr) {
        let (k1, k2) = decompose(&k.into_bigint());
        let lambda = <ark_bn254::g1::Config as GLVConfig>::LAMBDA;
        assert!(k1.bits() <= 126 && k2.bits() <= 126, "k = {k}: k1 {} bits, k2 {} bits", k1.bits(), k2.bits());
        assert_eq!(to_fr(&k1) + to_fr(&k2) * lambda, k, "k1 + k2·λ ≠ k for k = {k}");
    }

    #[test]
    fn glv_split_recombines_and_is_short() {
        let mut rng = zkaccel_testkit::seed::TestRng::for_test("glv_split_recombines_and_is_short");
        let mut edge = vec![Fr::zero(), Fr::one(), -Fr::one(), Fr::from(2u64), -Fr::from(2u64)];
        edge.push(<ark_bn254::g1::Config as GLVConfig>::LAMBDA);
        edge.push(-<ark_bn254::g1::Config as GLVConfig>::LAMBDA);
        let mut half = Fr::MODULUS;
        half.div2();
        edge.push(Fr::from_bigint(half).unwrap());
        edge.push(Fr::from(u128::MAX));
        for k in edge {
            check(k);
        }
        for _ in 0..20_000 {
            check(Fr::rand(&mut rng));
        }
    }

    #[test]
    fn endomorphism_is_multiplication_by_lambda() {
        let mut rng = zkaccel_testkit::seed::TestRng::for_test("endomorphism_is_multiplication_by_lambda");
        let lambda = <ark_bn254::g1::Config as GLVConfig>::LAMBDA;
        for _ in 0..8 {
            let p = crate::G1Projective::rand(&mut rng).into_affine();
            assert_eq!(endomorphism(&p, &beta()), (p * lambda).into_affine());
        }
        assert!(endomorphism(&G1Affine::zero(), &beta()).is_zero());
    }
}
