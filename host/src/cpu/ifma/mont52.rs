//! Eight BN254 Fr elements at once in AVX-512 IFMA registers: five 52-bit limbs per element
//! (radix 2^52), limb k of the eight elements in one `__m512i` ([`V`]; [`Group`] in memory).
//!
//! **Representation.** A value is the *same integer* as arkworks' Montgomery form X = x·2^256 mod p,
//! only split into 52-bit limbs, so no conversion of the data is needed beyond the limb split
//! ([`load8`], [`store8`]). The multiplication is a Montgomery product with R' = 2^260
//! (five 52-bit digits): [`mul`]`(X, W') = X·W'/2^260 mod p`. With the second operand
//! pre-multiplied by 2^4 (W' = w·2^260 mod p, [`to_r260`]), `mul(X, W') = x·w·2^256`, arkworks'
//! form of x·w: only the constant operands (twiddles) are converted, once.
//!
//! **Lazy bounds.** p < 0.76·2^254, so 2^260 > 84·p: the product of any X < 2^260 by W' < p is
//! (X·W' + m·p)/2^260 < W' + p < 2p, and < 1.2p for X < 16p. Sums and differences are kept
//! unreduced (limbs may exceed 52 bits or be negative between operations, [`normalize`] carries
//! them, signed); [`reduce_2p`] (one quotient digit from the top limb) brings any X < 2^260 below
//! (1 + 2^-40)·p and [`reduce`] gives the canonical value in [0, p). The NTT keeps every stored
//! value below 2.4p (see `ntt.rs`).
//!
//! All functions need AVX-512 F, DQ and IFMA (`#[target_feature]`); callers check
//! [`super::available`] first. That is the whole safety contract of the vector functions (calling
//! them from code without the features is `unsafe` for that reason alone), hence no per-function
//! `# Safety` sections; the two that take raw pointers document theirs.
#![allow(clippy::missing_safety_doc)]

use core::arch::x86_64::*;

use ark_ff::MontConfig;

use crate::Fr;

type C = ark_bn254::FrConfig;

/// Low 52 bits.
pub const MASK: u64 = (1 << 52) - 1;

/// Splits a 256-bit integer (4 × 64-bit limbs, little-endian) into 5 × 52-bit limbs.
pub const fn to_limbs52(x: [u64; 4]) -> [u64; 5] {
    [
        x[0] & MASK,
        ((x[0] >> 52) | (x[1] << 12)) & MASK,
        ((x[1] >> 40) | (x[2] << 24)) & MASK,
        ((x[2] >> 28) | (x[3] << 36)) & MASK,
        x[3] >> 16,
    ]
}

/// Joins normalized 52-bit limbs of a value below 2^256 into 4 × 64-bit limbs.
pub const fn from_limbs52(l: [u64; 5]) -> [u64; 4] {
    [l[0] | (l[1] << 52), (l[1] >> 12) | (l[2] << 40), (l[2] >> 24) | (l[3] << 28), (l[3] >> 36) | (l[4] << 16)]
}

/// k·p in normalized 52-bit limbs (k·p < 2^260).
const fn p_times(k: u64) -> [u64; 5] {
    let p = to_limbs52(<C as MontConfig<4>>::MODULUS.0);
    let mut out = [0u64; 5];
    let mut carry = 0u64;
    let mut i = 0;
    while i < 5 {
        let t = p[i] * k + carry;
        out[i] = t & MASK;
        carry = t >> 52;
        i += 1;
    }
    assert!(carry == 0);
    out
}

/// p in 52-bit limbs.
pub const P: [u64; 5] = p_times(1);
/// 2p, 4p, 8p in 52-bit limbs (the offsets that keep differences non-negative).
pub const P2: [u64; 5] = p_times(2);
pub const P4: [u64; 5] = p_times(4);
pub const P8: [u64; 5] = p_times(8);
/// −p^{-1} mod 2^52.
pub const PINV: u64 = <C as MontConfig<4>>::INV & MASK;
/// ⌊2^300 / p⌋ (< 2^47): the quotient digit of [`reduce_2p`] is ⌊x_4·K / 2^92⌋ (checked by a test).
pub const BARRETT_K: u64 = 93_065_303_974_458;

/// Eight elements in registers: limb k of lane i is bits 52k.. of element i.
#[derive(Clone, Copy)]
pub struct V(pub [__m512i; 5]);

/// Eight elements in memory, limb-planar (320 bytes, one cache line per limb).
#[repr(C, align(64))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Group(pub [[u64; 8]; 5]);

impl Group {
    /// Eight elements given as 52-bit limbs.
    pub fn from_limbs(e: &[[u64; 5]; 8]) -> Self {
        let mut g = Group::default();
        for (i, l) in e.iter().enumerate() {
            for (row, &limb) in g.0.iter_mut().zip(l) {
                row[i] = limb;
            }
        }
        g
    }

    /// The 52-bit limbs of lane i.
    pub fn lane(&self, i: usize) -> [u64; 5] {
        [self.0[0][i], self.0[1][i], self.0[2][i], self.0[3][i], self.0[4][i]]
    }

    /// Eight field elements converted for use as the *second* operand of [`mul`] (w·2^260).
    pub fn from_fr_r260(w: &[Fr; 8]) -> Self {
        Self::from_limbs(&w.map(|w| to_limbs52(to_r260(&w))))
    }

    /// All lanes equal to `w` (as a second operand of [`mul`]).
    pub fn splat_r260(w: &Fr) -> Self {
        Self::from_fr_r260(&[*w; 8])
    }
}

/// The integer w·2^260 mod p: arkworks' limbs of 16·w (its Montgomery form w·2^256, times 2^4).
pub fn to_r260(w: &Fr) -> [u64; 4] {
    (*w * Fr::from(16u64)).0 .0
}

#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub fn splat(x: u64) -> __m512i {
    _mm512_set1_epi64(x as i64)
}

#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub fn splat5(x: &[u64; 5]) -> V {
    V([splat(x[0]), splat(x[1]), splat(x[2]), splat(x[3]), splat(x[4])])
}

#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub fn load(g: &Group) -> V {
    // SAFETY: a Group is 64-byte aligned and holds five 64-byte rows.
    unsafe {
        let p = g.0.as_ptr() as *const __m512i;
        V([_mm512_load_si512(p), _mm512_load_si512(p.add(1)), _mm512_load_si512(p.add(2)), _mm512_load_si512(p.add(3)), _mm512_load_si512(p.add(4))])
    }
}

#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub fn store(g: &mut Group, v: V) {
    // SAFETY: as in `load`.
    unsafe {
        let p = g.0.as_mut_ptr() as *mut __m512i;
        for k in 0..5 {
            _mm512_store_si512(p.add(k), v.0[k]);
        }
    }
}

/// Limb-wise a + b (not carried).
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub fn add(a: V, b: V) -> V {
    V(core::array::from_fn(|k| _mm512_add_epi64(a.0[k], b.0[k])))
}

/// Carries limbs (possibly negative or wider than 52 bits) so that limbs 0..3 are in [0, 2^52);
/// limb 4 takes the rest (in [0, 2^52) for a value in [0, 2^260)).
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub fn normalize(a: V) -> V {
    let m = splat(MASK);
    let mut t = a.0;
    for k in 0..4 {
        let c = _mm512_srai_epi64::<52>(t[k]);
        t[k] = _mm512_and_si512(t[k], m);
        t[k + 1] = _mm512_add_epi64(t[k + 1], c);
    }
    V(t)
}

/// a − b + kp, normalized (kp ≥ b keeps it non-negative; the caller picks the multiple).
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub fn sub_plus(a: V, b: V, kp: V) -> V {
    normalize(V(core::array::from_fn(|k| _mm512_sub_epi64(_mm512_add_epi64(a.0[k], kp.0[k]), b.0[k]))))
}

/// Montgomery product a·b/2^260 mod p, lazily: for normalized a < 2^260 and b < p the result is
/// normalized, congruent to a·b·2^-260, and below a·b/2^260 + p < 2p.
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub fn mul(a: V, b: V) -> V {
    mul_mod(a, b, &P, PINV)
}

/// The same Montgomery product for another modulus m < 2^256 given as normalized 52-bit limbs with
/// `minv` = −m^{-1} mod 2^52 (BN254 Fq for the MSM, `super::fq52`): for normalized a, b < 2^260
/// the result is normalized, congruent to a·b·2^-260 mod m, and below a·b/2^260 + m.
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub fn mul_mod(a: V, b: V, m: &[u64; 5], minv: u64) -> V {
    let z = _mm512_setzero_si512();
    let pinv = splat(minv);
    let p = [splat(m[0]), splat(m[1]), splat(m[2]), splat(m[3]), splat(m[4])];
    let a = a.0;
    let mut t = [z; 6];
    for i in 0..5 {
        let bi = b.0[i];
        // t += a·b_i: low halves into t[j], high halves into t[j + 1].
        for j in 0..5 {
            t[j] = _mm512_madd52lo_epu64(t[j], a[j], bi);
            t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], a[j], bi);
        }
        // m = t_0·(−p^{-1}) mod 2^52; t += m·p makes the low digit 0.
        let m = _mm512_madd52lo_epu64(z, t[0], pinv);
        for j in 0..5 {
            t[j] = _mm512_madd52lo_epu64(t[j], m, p[j]);
            t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], m, p[j]);
        }
        // Divide by 2^52: the carry of the (now zero) low digit goes into the next.
        let carry = _mm512_srli_epi64::<52>(t[0]);
        t = [_mm512_add_epi64(t[1], carry), t[2], t[3], t[4], t[5], z];
    }
    normalize(V([t[0], t[1], t[2], t[3], t[4]]))
}

/// For normalized x < 2^260: x − q·p with q = ⌊x_4·K/2^92⌋ ≤ x/p, normalized, in [0, (1 + 2^-40)·p).
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub fn reduce_2p(x: V) -> V {
    let q = _mm512_srli_epi64::<40>(_mm512_madd52hi_epu64(_mm512_setzero_si512(), x.0[4], splat(BARRETT_K)));
    // q < 2^7, so q·p_k < 2^59 is exact in 64 bits.
    normalize(V(core::array::from_fn(|k| _mm512_sub_epi64(x.0[k], _mm512_mullo_epi64(q, splat(P[k]))))))
}

/// The canonical value in [0, p) of a normalized x < 2^260.
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub fn reduce(x: V) -> V {
    let r = reduce_2p(x);
    let t = normalize(V(core::array::from_fn(|k| _mm512_sub_epi64(r.0[k], splat(P[k])))));
    // r < p exactly when r − p is negative (sign of the top limb).
    let keep = _mm512_movepi64_mask(t.0[4]);
    V(core::array::from_fn(|k| _mm512_mask_blend_epi64(keep, t.0[k], r.0[k])))
}

/// Eight arkworks elements (4 × 64-bit limbs each, any values below 2^256) from `src` into
/// 52-bit limb-planar registers.
///
/// # Safety
/// `src` must point to 8 readable elements (32 bytes each).
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub unsafe fn load8(src: *const [u64; 4]) -> V {
    let p = src as *const __m512i;
    let (z0, z1, z2, z3) = (_mm512_loadu_si512(p), _mm512_loadu_si512(p.add(1)), _mm512_loadu_si512(p.add(2)), _mm512_loadu_si512(p.add(3)));
    // z0 = [a0 a1 a2 a3 b0 b1 b2 b3], z1 = [c.. d..]: pq = [a0 b0 c0 d0 a1 b1 c1 d1], …
    let i01 = _mm512_setr_epi64(0, 4, 8, 12, 1, 5, 9, 13);
    let i23 = _mm512_setr_epi64(2, 6, 10, 14, 3, 7, 11, 15);
    let (p01, p23) = (_mm512_permutex2var_epi64(z0, i01, z1), _mm512_permutex2var_epi64(z0, i23, z1));
    let (q01, q23) = (_mm512_permutex2var_epi64(z2, i01, z3), _mm512_permutex2var_epi64(z2, i23, z3));
    let l0 = _mm512_shuffle_i64x2::<0b01_00_01_00>(p01, q01);
    let l1 = _mm512_shuffle_i64x2::<0b11_10_11_10>(p01, q01);
    let l2 = _mm512_shuffle_i64x2::<0b01_00_01_00>(p23, q23);
    let l3 = _mm512_shuffle_i64x2::<0b11_10_11_10>(p23, q23);
    let m = splat(MASK);
    V([
        _mm512_and_si512(l0, m),
        _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64::<52>(l0), _mm512_slli_epi64::<12>(l1)), m),
        _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64::<40>(l1), _mm512_slli_epi64::<24>(l2)), m),
        _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64::<28>(l2), _mm512_slli_epi64::<36>(l3)), m),
        _mm512_srli_epi64::<16>(l3),
    ])
}

/// The eight elements of normalized x (each below 2^256) as arkworks limbs: lane i goes to `dst(i)`.
///
/// # Safety
/// Every `dst(i)` must be valid for a 32-byte write.
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub unsafe fn store8(x: V, dst: impl Fn(usize) -> *mut [u64; 4]) {
    let x = x.0;
    let l0 = _mm512_or_si512(x[0], _mm512_slli_epi64::<52>(x[1]));
    let l1 = _mm512_or_si512(_mm512_srli_epi64::<12>(x[1]), _mm512_slli_epi64::<40>(x[2]));
    let l2 = _mm512_or_si512(_mm512_srli_epi64::<24>(x[2]), _mm512_slli_epi64::<28>(x[3]));
    let l3 = _mm512_or_si512(_mm512_srli_epi64::<36>(x[3]), _mm512_slli_epi64::<16>(x[4]));
    // The inverse of load8's transposition.
    let p01 = _mm512_shuffle_i64x2::<0b01_00_01_00>(l0, l1); // [a0..d0, a1..d1]
    let q01 = _mm512_shuffle_i64x2::<0b11_10_11_10>(l0, l1); // [e0..h0, e1..h1]
    let p23 = _mm512_shuffle_i64x2::<0b01_00_01_00>(l2, l3);
    let q23 = _mm512_shuffle_i64x2::<0b11_10_11_10>(l2, l3);
    let iab = _mm512_setr_epi64(0, 4, 8, 12, 1, 5, 9, 13);
    let icd = _mm512_setr_epi64(2, 6, 10, 14, 3, 7, 11, 15);
    let zs = [
        _mm512_permutex2var_epi64(p01, iab, p23),
        _mm512_permutex2var_epi64(p01, icd, p23),
        _mm512_permutex2var_epi64(q01, iab, q23),
        _mm512_permutex2var_epi64(q01, icd, q23),
    ];
    for (k, z) in zs.into_iter().enumerate() {
        _mm256_storeu_si256(dst(2 * k) as *mut __m256i, _mm512_castsi512_si256(z));
        _mm256_storeu_si256(dst(2 * k + 1) as *mut __m256i, _mm512_extracti64x4_epi64::<1>(z));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{BigInt, Field, UniformRand};
    use ark_std::{One, Zero};

    // Reference arithmetic on 5 × 52-bit limbs (normalized), values below 2^260.
    fn big_sub(a: &[u64; 5], b: &[u64; 5]) -> Option<[u64; 5]> {
        let mut out = [0u64; 5];
        let mut borrow = 0i128;
        for k in 0..5 {
            let d = a[k] as i128 - b[k] as i128 + borrow;
            out[k] = (d & MASK as i128) as u64;
            borrow = d >> 52;
        }
        (borrow == 0).then_some(out)
    }
    fn big_add(a: &[u64; 5], b: &[u64; 5]) -> [u64; 5] {
        let mut out = [0u64; 5];
        let mut carry = 0u64;
        for k in 0..5 {
            let s = a[k] + b[k] + carry;
            out[k] = s & MASK;
            carry = s >> 52;
        }
        out[4] += carry << 52;
        assert!(out[4] <= MASK, "reference value overflows 2^260");
        out
    }
    fn mod_p(a: &[u64; 5]) -> [u64; 5] {
        let mut x = *a;
        while let Some(d) = big_sub(&x, &P) {
            x = d;
        }
        x
    }
    fn below(a: &[u64; 5], b: &[u64; 5]) -> bool {
        big_sub(a, b).is_none()
    }
    fn is_normalized(a: &[u64; 5]) -> bool {
        a.iter().all(|&l| l <= MASK)
    }
    /// The arkworks element whose Montgomery limbs are x mod p.
    fn ark_of(x: &[u64; 5]) -> Fr {
        Fr::new_unchecked(BigInt(from_limbs52(mod_p(x))))
    }

    fn lanes(g: &Group) -> [[u64; 5]; 8] {
        core::array::from_fn(|i| g.lane(i))
    }

    /// Operands: random reduced values, edges (0, 1, r − 1, p − 1 as raw limbs) and unreduced ones
    /// up to 2^260 − 1 (x + kp, 2^256 ± 1, all-ones limbs).
    fn operands(rng: &mut zkaccel_testkit::seed::TestRng) -> Vec<[u64; 5]> {
        let mut v: Vec<[u64; 5]> = vec![
            [0; 5],
            to_limbs52(Fr::one().0 .0),
            to_limbs52((-Fr::one()).0 .0),
            big_sub(&P, &[1, 0, 0, 0, 0]).unwrap(),
            P,
            to_limbs52([u64::MAX; 4]),
            big_add(&to_limbs52([u64::MAX; 4]), &[2, 0, 0, 0, 0]),
            [MASK; 5],
            big_sub(&[MASK; 5], &P).unwrap(),
            [0, 0, 0, 0, 1 << 51],
        ];
        for _ in 0..120 {
            let x = to_limbs52(Fr::rand(rng).0 .0);
            let k = (u64::rand(rng) % 84) as usize;
            let mut y = x;
            for _ in 0..k {
                y = big_add(&y, &P);
            }
            v.push(x);
            v.push(y);
        }
        v
    }

    fn avail() -> bool {
        crate::cpu::features::run_or_skip("ifma", crate::cpu::ifma::available(), "the AVX-512 IFMA Montgomery kernels")
    }

    #[test]
    fn constants() {
        // K = ⌊2^300/p⌋: K·p ≤ 2^300 < (K + 1)·p, checked with 128-bit pieces of p·K.
        let p = <C as MontConfig<4>>::MODULUS.0;
        let mul = |k: u64| {
            let mut out = [0u64; 5];
            let mut carry = 0u128;
            for i in 0..4 {
                let t = p[i] as u128 * k as u128 + carry;
                out[i] = t as u64;
                carry = t >> 64;
            }
            out[4] = carry as u64;
            out
        };
        // 2^300 = 2^(4·64 + 44): limb 4 = 2^44.
        let (lo, hi) = (mul(BARRETT_K), mul(BARRETT_K + 1));
        let cmp = |a: &[u64; 5]| a.iter().rev().cmp([1u64 << 44, 0, 0, 0, 0].iter());
        assert!(cmp(&lo).is_lt() && cmp(&hi).is_gt());
        assert_eq!(from_limbs52(P), p);
        assert_eq!(PINV.wrapping_mul(P[0]) & MASK, MASK, "p·(−p^-1) ≡ −1 mod 2^52");
        let mut p8 = P;
        for _ in 0..7 {
            p8 = big_add(&p8, &P);
        }
        assert_eq!(P8, p8);
        assert_eq!(P4, big_add(&P2, &P2));
        for x in [[0u64; 4], [u64::MAX; 4], [1, 2, 3, 4], p] {
            assert_eq!(from_limbs52(to_limbs52(x)), x);
        }
    }

    #[test]
    fn mul_equals_arkworks_on_lazy_inputs() {
        if !avail() {
            return;
        }
        let mut rng = zkaccel_testkit::seed::TestRng::for_test("ifma_mul_equals_arkworks");
        let xs = operands(&mut rng);
        let mut ws: Vec<Fr> = vec![Fr::zero(), Fr::one(), -Fr::one(), Fr::from(16u64).inverse().unwrap()];
        ws.extend((0..60).map(|_| Fr::rand(&mut rng)));
        for xc in xs.chunks(8).filter(|c| c.len() == 8) {
            let x: [[u64; 5]; 8] = xc.try_into().unwrap();
            for wc in ws.windows(8).step_by(3) {
                let w: [Fr; 8] = wc.try_into().unwrap();
                let (xg, wg) = (Group::from_limbs(&x), Group::from_fr_r260(&w));
                let mut out = Group::default();
                let mut red = Group::default();
                unsafe {
                    let prod = mul(load(&xg), load(&wg));
                    store(&mut out, prod);
                    store(&mut red, reduce(prod));
                }
                let (out, red) = (lanes(&out), lanes(&red));
                for i in 0..8 {
                    let want = ark_of(&x[i]) * w[i];
                    assert!(is_normalized(&out[i]), "product limbs not normalized");
                    assert!(below(&out[i], &big_add(&P, &P)), "lazy product not below 2p");
                    assert_eq!(ark_of(&out[i]), want, "lazy product ≢ arkworks");
                    assert_eq!(from_limbs52(red[i]), want.0 .0, "reduced product ≠ arkworks' limbs");
                }
            }
        }
    }

    #[test]
    fn add_sub_reduce_equal_reference() {
        if !avail() {
            return;
        }
        let mut rng = zkaccel_testkit::seed::TestRng::for_test("ifma_add_sub_reduce");
        let xs = operands(&mut rng);
        // a, b below 4p (as the NTT's values) and the sum and difference paths it uses.
        let small: Vec<[u64; 5]> = xs.iter().map(mod_p).chain(xs.iter().map(|x| big_add(&mod_p(x), &P2)).take(80)).collect();
        for (ac, bc) in small.chunks_exact(8).zip(small.chunks_exact(8).rev()) {
            let (a, b): ([[u64; 5]; 8], [[u64; 5]; 8]) = (ac.try_into().unwrap(), bc.try_into().unwrap());
            let (ag, bg) = (Group::from_limbs(&a), Group::from_limbs(&b));
            let (mut s, mut d, mut rs) = (Group::default(), Group::default(), Group::default());
            unsafe {
                let (va, vb) = (load(&ag), load(&bg));
                store(&mut s, normalize(add(va, vb)));
                store(&mut d, sub_plus(va, vb, splat5(&P4)));
                store(&mut rs, reduce_2p(normalize(add(va, vb))));
            }
            let (s, d, rs) = (lanes(&s), lanes(&d), lanes(&rs));
            for i in 0..8 {
                assert_eq!(s[i], big_add(&a[i], &b[i]));
                assert_eq!(d[i], big_sub(&big_add(&a[i], &P4), &b[i]).unwrap());
                assert!(below(&rs[i], &P2), "reduce_2p not below 2p");
                assert_eq!(mod_p(&rs[i]), mod_p(&s[i]));
            }
        }
        // reduce / reduce_2p on every operand, up to 2^260 − 1.
        for xc in xs.chunks_exact(8) {
            let x: [[u64; 5]; 8] = xc.try_into().unwrap();
            let (mut r2, mut r) = (Group::default(), Group::default());
            unsafe {
                let v = load(&Group::from_limbs(&x));
                store(&mut r2, reduce_2p(v));
                store(&mut r, reduce(v));
            }
            let (r2, r) = (lanes(&r2), lanes(&r));
            for i in 0..8 {
                assert!(is_normalized(&r2[i]) && below(&r2[i], &P2));
                assert_eq!(mod_p(&r2[i]), mod_p(&x[i]));
                assert_eq!(r[i], mod_p(&x[i]), "reduce is not canonical");
            }
        }
    }

    #[test]
    fn load8_store8_round_trip() {
        if !avail() {
            return;
        }
        let mut rng = zkaccel_testkit::seed::TestRng::for_test("ifma_load8_store8");
        let mut src: Vec<[u64; 4]> = (0..16).map(|_| Fr::rand(&mut rng).0 .0).collect();
        src[3] = [u64::MAX; 4];
        src[9] = [0; 4];
        for base in [0usize, 8] {
            let v = unsafe { load8(src[base..].as_ptr()) };
            let mut g = Group::default();
            unsafe { store(&mut g, v) };
            for i in 0..8 {
                assert_eq!(g.lane(i), to_limbs52(src[base + i]));
            }
            let mut dst = vec![[0u64; 4]; 8];
            let p = dst.as_mut_ptr();
            // Lane i to slot 7 − i.
            unsafe { store8(v, |i| p.add(7 - i)) };
            for i in 0..8 {
                assert_eq!(dst[7 - i], src[base + i]);
            }
        }
    }
}
