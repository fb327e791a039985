//! Recognising small scalars and sorting terms into size classes.
//!
//! Quantized zkML witnesses are mostly small integers, and negative ones arrive as r − |v|. A
//! scalar k is *small* when k < 2^127 or r − k < 2^127; it then becomes one term (±P, |v|) with no
//! GLV split. Other scalars are split by GLV into two terms (±P, |k1|), (±φ(P), |k2|) of < 2^128.
//! Terms are grouped by bit length into classes (≤ 8, ≤ 16, ≤ 32, ≤ 64, ≤ 128 bits), and each class
//! runs its own Pippenger with as few windows as its largest scalar needs: a column of 8-bit values
//! costs one or two windows instead of the sixteen of a full-size MSM.

use ark_ff::{BigInt, PrimeField};

use super::batch_affine::Pt;
use super::glv;
use super::pippenger::Terms;
use crate::{Fq, Fr};

/// Upper bit bounds of the classes.
pub const CLASS_BITS: [u32; 5] = [8, 16, 32, 64, 128];

/// How a scalar enters the MSM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// k = 0: no term.
    Zero,
    /// k = ±v with v < 2^127: one term.
    Small { negative: bool, magnitude: u128 },
    /// k ≡ k1 + k2·λ: two terms.
    Glv { k1: (bool, u128), k2: (bool, u128) },
}

/// Classifies a canonical scalar.
pub fn split(k: &BigInt<4>) -> Split {
    let l = k.0;
    if l == [0; 4] {
        return Split::Zero;
    }
    if l[2] == 0 && l[3] == 0 && l[1] >> 63 == 0 {
        return Split::Small { negative: false, magnitude: lo128(&l) };
    }
    let r = Fr::MODULUS.0;
    // r − k (k < r, so no borrow out).
    let mut n = [0u64; 4];
    let mut borrow = false;
    for i in 0..4 {
        let (d, b1) = r[i].overflowing_sub(l[i]);
        let (d, b2) = d.overflowing_sub(borrow as u64);
        n[i] = d;
        borrow = b1 | b2;
    }
    if n[2] == 0 && n[3] == 0 && n[1] >> 63 == 0 {
        return Split::Small { negative: true, magnitude: lo128(&n) };
    }
    let (k1, k2) = glv::decompose(k);
    Split::Glv { k1: to_pair(&k1), k2: to_pair(&k2) }
}

fn lo128(l: &[u64; 4]) -> u128 {
    (l[0] as u128) | ((l[1] as u128) << 64)
}

fn to_pair(s: &glv::Signed) -> (bool, u128) {
    debug_assert!(s.magnitude[2] == 0 && s.magnitude[3] == 0, "GLV half above 2^128");
    (s.negative, lo128(&s.magnitude))
}

/// The class of a non-zero magnitude.
#[inline]
pub fn class_of(k: u128) -> usize {
    let bits = 128 - k.leading_zeros();
    CLASS_BITS.iter().position(|&b| bits <= b).expect("magnitudes are below 2^128")
}

/// Terms of one input chunk, by class, with each class's largest bit length.
#[derive(Default)]
pub struct Classes {
    pub terms: [Terms; 5],
    pub bits: [u32; 5],
}

impl Classes {
    fn push(&mut self, p: Pt, negative: bool, k: u128) {
        if k == 0 {
            return;
        }
        let c = class_of(k);
        self.terms[c].push(p.neg_if(negative), k);
        self.bits[c] = self.bits[c].max(128 - k.leading_zeros());
    }

    /// Sorts the terms of `bases[i]·scalars[i]` into classes (identity bases and zero scalars are
    /// dropped). Two passes: split every scalar and count the terms per class, then fill vectors
    /// reserved to their exact sizes (growing them by doubling cost more than the splitting).
    pub fn build(bases: &[crate::G1Affine], scalars: &[Fr], beta: &Fq) -> Self {
        let splits: Vec<Split> = bases
            .iter()
            .zip(scalars)
            .map(|(b, s)| if ark_ec::AffineRepr::is_zero(b) { Split::Zero } else { split(&s.into_bigint()) })
            .collect();
        let mut counts = [0usize; 5];
        for s in &splits {
            match *s {
                Split::Zero => {}
                Split::Small { magnitude, .. } => counts[class_of_or_zero(magnitude)] += (magnitude != 0) as usize,
                Split::Glv { k1, k2 } => {
                    counts[class_of_or_zero(k1.1)] += (k1.1 != 0) as usize;
                    counts[class_of_or_zero(k2.1)] += (k2.1 != 0) as usize;
                }
            }
        }
        let mut out = Self::default();
        for (t, &c) in out.terms.iter_mut().zip(&counts) {
            t.pts.reserve_exact(c);
            t.mags.reserve_exact(c);
        }
        for (b, s) in bases.iter().zip(&splits) {
            match *s {
                Split::Zero => {}
                Split::Small { negative, magnitude } => out.push(Pt::from_affine(b), negative, magnitude),
                Split::Glv { k1, k2 } => {
                    out.push(Pt::from_affine(b), k1.0, k1.1);
                    let endo = Pt { x: crate::cpu::mont::mul::<ark_bn254::FqConfig>(&b.x, beta), y: b.y };
                    out.push(endo, k2.0, k2.1);
                }
            }
        }
        out
    }
}

/// The class of a magnitude, 0 for 0 (callers skip zero magnitudes).
#[inline]
fn class_of_or_zero(k: u128) -> usize {
    if k == 0 {
        0
    } else {
        class_of(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::Field;

    #[test]
    fn small_and_negative_small_scalars_are_recognised() {
        let cases: [(i128, u32); 8] = [(1, 1), (-1, 1), (255, 8), (-255, 8), (-(1 << 40), 41), (1 << 40, 41), (i128::MAX, 127), (-i128::MAX, 127)];
        for (v, bits) in cases {
            let f = if v < 0 { -Fr::from(v.unsigned_abs()) } else { Fr::from(v as u128) };
            match split(&f.into_bigint()) {
                Split::Small { negative, magnitude } => {
                    assert_eq!(negative, v < 0, "{v}");
                    assert_eq!(magnitude, v.unsigned_abs(), "{v}");
                    assert_eq!(128 - magnitude.leading_zeros(), bits);
                }
                other => panic!("{v} classified as {other:?}"),
            }
        }
        assert_eq!(split(&Fr::from(0u64).into_bigint()), Split::Zero);
        // 2^127 and r − 2^127 are not small: they go through GLV.
        let big = Fr::from(1u128 << 127);
        assert!(matches!(split(&big.into_bigint()), Split::Glv { .. }));
        assert!(matches!(split(&(-big).into_bigint()), Split::Glv { .. }));
        assert!(matches!(split(&Fr::from(3u64).inverse().unwrap().into_bigint()), Split::Glv { .. }));
    }

    #[test]
    fn classes_have_the_advertised_bounds() {
        assert_eq!(class_of(1), 0);
        assert_eq!(class_of(255), 0);
        assert_eq!(class_of(256), 1);
        assert_eq!(class_of(u32::MAX as u128), 2);
        assert_eq!(class_of(1 << 32), 3);
        assert_eq!(class_of(u64::MAX as u128), 3);
        assert_eq!(class_of(1 << 64), 4);
        assert_eq!(class_of(u128::MAX), 4);
    }
}
