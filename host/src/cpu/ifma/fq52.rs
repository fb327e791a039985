//! Eight BN254 Fq elements at once in AVX-512 IFMA registers, in *arkworks' own* Montgomery form
//! (x·2^256 mod q), split into five 52-bit limbs ([`mont52::V`]): the field of the MSM's
//! batch-affine additions (`cpu::msm::batch_affine_ifma`).
//!
//! **Product.** [`mont52::mul_mod`] divides by 2^260 (five 52-bit digits). [`mul`] shifts its first
//! operand left by 4 bits first, so mul(A, B) = 16·A·B/2^260 = A·B/2^256 mod q: arkworks' product,
//! with no change of representation — values loaded from arkworks' limbs ([`mont52::load8`]) and
//! stored back ([`mont52::store8`]) are the same integers.
//!
//! **Lazy bounds.** q < 0.19·2^256. For normalized A, B < 2q: 16A < 32q < 2^260 (the shifted
//! operand is a valid input), and the result is normalized and below 16AB/2^260 + q = AB/2^256 + q
//! < (4q/2^256 + 1)·q < 1.76q < 2q, so products chain. [`sub_plus`] keeps differences
//! non-negative with a multiple of q; [`reduce4`] maps anything below 4q to the canonical value
//! (what arkworks stores, and what the buckets hold).
//!
//! All functions need AVX-512 F, DQ and IFMA; callers check [`super::available`].

use core::arch::x86_64::*;

use ark_ff::MontConfig;

use super::mont52::{self, normalize, to_limbs52, V, MASK};

type C = ark_bn254::FqConfig;

/// k·q in normalized 52-bit limbs (k·q < 2^260).
const fn q_times(k: u64) -> [u64; 5] {
    let q = to_limbs52(<C as MontConfig<4>>::MODULUS.0);
    let mut out = [0u64; 5];
    let mut carry = 0u64;
    let mut i = 0;
    while i < 5 {
        let t = q[i] * k + carry;
        out[i] = t & MASK;
        carry = t >> 52;
        i += 1;
    }
    assert!(carry == 0);
    out
}

/// q and 2q in 52-bit limbs.
pub const Q: [u64; 5] = q_times(1);
pub const Q2: [u64; 5] = q_times(2);
/// −q^{-1} mod 2^52.
pub const QINV: u64 = <C as MontConfig<4>>::INV & MASK;

/// 16·a, normalized (for normalized a < 2^256).
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub fn shl4(a: V) -> V {
    normalize(V(core::array::from_fn(|k| _mm512_slli_epi64::<4>(a.0[k]))))
}

/// A·B/2^256 mod q (arkworks' Montgomery product), lazily: for normalized A, B < 2q the result is
/// normalized and below 1.76q.
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub fn mul(a: V, b: V) -> V {
    mont52::mul_mod(shl4(a), b, &Q, QINV)
}

/// a − b + k·q, normalized; `kq` (k·q in limbs, splatted) must be ≥ b.
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub fn sub_plus(a: V, b: V, kq: V) -> V {
    mont52::sub_plus(a, b, kq)
}

/// a + b, normalized.
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub fn add(a: V, b: V) -> V {
    normalize(mont52::add(a, b))
}

/// x − m where x ≥ m, else x (normalized x; `m` splatted limbs).
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub fn sub_if_ge(x: V, m: V) -> V {
    let t = normalize(V(core::array::from_fn(|k| _mm512_sub_epi64(x.0[k], m.0[k]))));
    // x < m exactly when x − m is negative (sign of the top limb).
    let keep = _mm512_movepi64_mask(t.0[4]);
    V(core::array::from_fn(|k| _mm512_mask_blend_epi64(keep, t.0[k], x.0[k])))
}

/// The canonical value in [0, q) of a normalized x < 4q.
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub fn reduce4(x: V, q: V, q2: V) -> V {
    sub_if_ge(sub_if_ge(x, q2), q)
}

/// The limbs of q and 2q in registers (for [`sub_plus`] and [`reduce4`]).
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub fn moduli() -> (V, V) {
    (mont52::splat5(&Q), mont52::splat5(&Q2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{BigInt, UniformRand};
    use ark_std::{One, Zero};

    use crate::cpu::ifma::mont52::{from_limbs52, load8, store, Group};
    use crate::Fq;

    fn avail() -> bool {
        crate::cpu::features::run_or_skip("ifma", crate::cpu::ifma::available(), "the AVX-512 IFMA Fq kernels")
    }

    /// Limbs of x + k·q (an unreduced representative, k ≤ 1).
    fn plus_q(x: &Fq, k: u64) -> [u64; 4] {
        let mut out = x.0 .0;
        if k == 1 {
            let mut carry = 0u128;
            for (o, m) in out.iter_mut().zip(<C as MontConfig<4>>::MODULUS.0) {
                let t = *o as u128 + m as u128 + carry;
                *o = t as u64;
                carry = t >> 64;
            }
        }
        out
    }

    fn to_fq(limbs: [u64; 5]) -> (Fq, [u64; 4]) {
        let raw = from_limbs52(limbs);
        (Fq::new_unchecked(BigInt(raw)), raw)
    }

    fn below(raw: &[u64; 4], bound: &[u64; 5]) -> bool {
        let b = from_limbs52(*bound);
        raw.iter().rev().cmp(b.iter().rev()).is_lt()
    }

    #[test]
    fn constants() {
        assert_eq!(from_limbs52(Q), <C as MontConfig<4>>::MODULUS.0);
        assert_eq!(QINV.wrapping_mul(Q[0]) & MASK, MASK, "q·(−q^-1) ≡ −1 mod 2^52");
    }

    /// Products (reduced and lazy operands below 2q), differences, sums and reduction against
    /// arkworks, lane by lane.
    #[test]
    fn fq_ops_equal_arkworks() {
        if !avail() {
            return;
        }
        let mut rng = zkaccel_testkit::seed::TestRng::for_test("ifma_fq_ops_equal_arkworks");
        let mut vals: Vec<Fq> = vec![Fq::zero(), Fq::one(), -Fq::one(), Fq::from(2u64), -Fq::from(2u64)];
        vals.extend((0..395).map(|_| Fq::rand(&mut rng)));
        let (q1, q2) = unsafe { moduli() };
        let four_q = {
            let mut f = Q2;
            let mut carry = 0;
            for (k, l) in f.iter_mut().enumerate() {
                let t = *l + Q2[k] + carry;
                *l = t & MASK;
                carry = t >> 52;
            }
            f
        };
        for (i, (ac, bc)) in vals.chunks_exact(8).zip(vals.chunks_exact(8).rev()).enumerate() {
            let (k_a, k_b) = ((i % 2) as u64, (i / 2 % 2) as u64);
            let a_raw: Vec<[u64; 4]> = ac.iter().map(|x| plus_q(x, k_a)).collect();
            let b_raw: Vec<[u64; 4]> = bc.iter().map(|x| plus_q(x, k_b)).collect();
            let mut out = [Group::default(); 6];
            unsafe {
                let (a, b) = (load8(a_raw.as_ptr()), load8(b_raw.as_ptr()));
                let p = mul(a, b);
                store(&mut out[0], p);
                store(&mut out[1], reduce4(p, q1, q2));
                let d = sub_plus(a, b, q2);
                store(&mut out[2], d);
                store(&mut out[3], reduce4(d, q1, q2));
                let s = add(a, b);
                store(&mut out[4], s);
                store(&mut out[5], reduce4(s, q1, q2));
            }
            for l in 0..8 {
                let (x, y) = (ac[l], bc[l]);
                let (lazy, raw) = to_fq(out[0].lane(l));
                assert!(below(&raw, &Q2), "lazy product not below 2q");
                assert_eq!(crate::cpu::mont::reduce::<C>(&lazy), x * y, "lazy product ≢ arkworks");
                assert_eq!(to_fq(out[1].lane(l)).0, x * y, "reduced product ≠ arkworks");
                assert!(below(&to_fq(out[2].lane(l)).1, &four_q));
                assert_eq!(to_fq(out[3].lane(l)).0, x - y, "difference ≠ arkworks");
                assert_eq!(to_fq(out[5].lane(l)).0, x + y, "sum ≠ arkworks");
                assert!(below(&to_fq(out[4].lane(l)).1, &four_q));
            }
        }
    }
}
