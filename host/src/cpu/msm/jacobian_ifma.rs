//! Jacobian point additions on eight lanes (AVX-512 IFMA), and the running sums of eight blocks of
//! points built on them: the host's combination of the card's chain sums
//! (`card_schedule::msm_reduce::combine_window`), where every input is a projective point and
//! a batch-affine addition would first need a normalisation per point.
//!
//! The addition is `add-2007-bl` for `a = 0` (11 products, 5 squares — arkworks' own formula for
//! `Projective + Projective`) with the field products of [`crate::cpu::ifma::fq52`] (arkworks'
//! Montgomery form in 52-bit limbs, lazily reduced below 2q between operations, canonical at the
//! end). Lanes the formula cannot add — either input the identity (`Z = 0`), or equal `x`
//! (`H = 0`: a doubling or a cancellation) — are flagged and redone with arkworks' complete
//! arithmetic, so every result is exact. The results are the same group elements as arkworks'
//! (tests: random lanes and every special case, against `+`).

use core::arch::x86_64::*;

use ark_bn254::{Fq, G1Projective};
use ark_ff::BigInt;

use crate::cpu::ifma::fq52::{self, mul, sub_if_ge, sub_plus};
use crate::cpu::ifma::mont52::{load8, store8, V};

/// Eight Jacobian points, coordinates canonical (`< q`), one point per lane.
#[derive(Clone, Copy)]
struct Lanes {
    x: V,
    y: V,
    z: V,
}

/// The constants of the lazy arithmetic: q and 2q in every lane.
#[derive(Clone, Copy)]
struct Moduli {
    q: V,
    q2: V,
}

#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn sub2(a: V, b: V, m: Moduli) -> V {
    // a, b < 2q: a − b + 2q < 4q, then below 2q.
    sub_if_ge(sub_plus(a, b, m.q2), m.q2)
}

#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn add2(a: V, b: V, m: Moduli) -> V {
    sub_if_ge(fq52::add(a, b), m.q2)
}

/// Lanes of canonical `v` that are zero.
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn zero_lanes(v: V) -> u8 {
    let z = _mm512_setzero_si512();
    v.0.iter().fold(0xff, |acc, limb| acc & _mm512_cmpeq_epi64_mask(*limb, z))
}

#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn load(p: &[G1Projective; 8]) -> Lanes {
    let x: [[u64; 4]; 8] = core::array::from_fn(|l| p[l].x.0 .0);
    let y: [[u64; 4]; 8] = core::array::from_fn(|l| p[l].y.0 .0);
    let z: [[u64; 4]; 8] = core::array::from_fn(|l| p[l].z.0 .0);
    // SAFETY: the arrays hold eight elements each.
    unsafe { Lanes { x: load8(x.as_ptr()), y: load8(y.as_ptr()), z: load8(z.as_ptr()) } }
}

#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn store(v: Lanes) -> [G1Projective; 8] {
    let mut c = [[[0u64; 4]; 8]; 3];
    for (k, coord) in [v.x, v.y, v.z].into_iter().enumerate() {
        let out = c[k].as_mut_ptr();
        // SAFETY: lane l writes the 32 bytes of element l of an eight-element array.
        unsafe { store8(coord, |l| out.add(l)) };
    }
    core::array::from_fn(|l| {
        let f = |k: usize| Fq::new_unchecked(BigInt(c[k][l]));
        G1Projective::new_unchecked(f(0), f(1), f(2))
    })
}

/// `a + b` lane by lane, and the lanes whose result is not valid (identity input or equal `x`).
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn add_lanes(a: Lanes, b: Lanes, m: Moduli) -> (Lanes, u8) {
    let z1z1 = mul(a.z, a.z);
    let z2z2 = mul(b.z, b.z);
    let u1 = mul(a.x, z2z2);
    let u2 = mul(b.x, z1z1);
    let s1 = mul(mul(a.y, b.z), z2z2);
    let s2 = mul(mul(b.y, a.z), z1z1);
    let h = sub2(u2, u1, m);
    let h2 = add2(h, h, m);
    let i = mul(h2, h2);
    let j = mul(h, i);
    let ds = sub2(s2, s1, m);
    let r = add2(ds, ds, m);
    let v = mul(u1, i);
    let x3 = sub2(sub2(mul(r, r), j, m), add2(v, v, m), m);
    let s1j = mul(s1, j);
    let y3 = sub2(mul(r, sub2(v, x3, m)), add2(s1j, s1j, m), m);
    let z12 = add2(a.z, b.z, m);
    let z3 = mul(sub2(sub2(mul(z12, z12), z1z1, m), z2z2, m), h);
    let special = zero_lanes(a.z) | zero_lanes(b.z) | zero_lanes(sub_if_ge(h, m.q));
    (Lanes { x: sub_if_ge(x3, m.q), y: sub_if_ge(y3, m.q), z: sub_if_ge(z3, m.q) }, special)
}

/// `a + b` lane by lane, exact: the flagged lanes redone by arkworks.
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn add_exact(a: Lanes, b: Lanes, m: Moduli) -> Lanes {
    let (r, special) = add_lanes(a, b, m);
    if special == 0 {
        return r;
    }
    let (pa, pb, mut pr) = (store(a), store(b), store(r));
    for (l, out) in pr.iter_mut().enumerate() {
        if special >> l & 1 == 1 {
            *out = pa[l] + pb[l];
        }
    }
    load(&pr)
}

/// Per block `l < 8` of `s` and `t` (`s.len() = t.len() = 8·len`, block `l` the points
/// `l·len .. (l + 1)·len`): `(Σ_{j ≥ 1} j·s_{l,j}, Σ_j s_{l,j}, Σ_j t_{l,j})`, by running sums from
/// the top, the eight blocks in the eight lanes.
///
/// # Panics
/// If the CPU lacks AVX-512 IFMA (callers check `crate::cpu::ifma::available`), or the lengths
/// are not `8·len` with `len ≥ 2`.
pub fn block_sums(s: &[G1Projective], t: &[G1Projective]) -> [(G1Projective, G1Projective, G1Projective); 8] {
    assert!(crate::cpu::ifma::available(), "eight-lane Jacobian additions need AVX-512 IFMA");
    assert!(s.len() == t.len() && s.len().is_multiple_of(8) && s.len() >= 16, "{} and {} points: eight blocks of at least two", s.len(), t.len());
    // SAFETY: the CPU has the features (checked above).
    unsafe { block_sums_ifma(s, t) }
}

#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
fn block_sums_ifma(s: &[G1Projective], t: &[G1Projective]) -> [(G1Projective, G1Projective, G1Projective); 8] {
    let len = s.len() / 8;
    let (q, q2) = fq52::moduli();
    let m = Moduli { q, q2 };
    let column = |v: &[G1Projective], j: usize| load(&core::array::from_fn(|l| v[l * len + j]));
    let mut running = column(s, len - 1);
    let mut acc = running;
    for j in (1..len - 1).rev() {
        running = add_exact(running, column(s, j), m);
        acc = add_exact(acc, running, m);
    }
    let total = add_exact(running, column(s, 0), m);
    let mut t_sum = column(t, 0);
    for j in 1..len {
        t_sum = add_exact(t_sum, column(t, j), m);
    }
    let (acc, total, t_sum) = (store(acc), store(total), store(t_sum));
    core::array::from_fn(|l| (acc[l], total[l], t_sum[l]))
}

/// Whether [`block_sums`] can run here (AVX-512 IFMA, unless `ZKACCEL_NO_IFMA=1` as for the
/// other IFMA kernels).
pub fn available() -> bool {
    super::batch_affine::Adder::best() == super::batch_affine::Adder::Ifma
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::AdditiveGroup;
    use ark_std::UniformRand;
    use rand::SeedableRng;

    fn reference(s: &[G1Projective], t: &[G1Projective]) -> Vec<(G1Projective, G1Projective, G1Projective)> {
        let len = s.len() / 8;
        (0..8)
            .map(|l| {
                let (sb, tb) = (&s[l * len..(l + 1) * len], &t[l * len..(l + 1) * len]);
                let weighted = sb.iter().enumerate().fold(G1Projective::ZERO, |acc, (j, p)| acc + *p * ark_bn254::Fr::from(j as u64));
                (weighted, sb.iter().sum(), tb.iter().sum())
            })
            .collect()
    }

    /// Random blocks, and blocks with every special case of the lanes: the identity among the
    /// points and as a running sum (a block that cancels), a point added to itself (a running sum
    /// equal to the next point), a point and its negation; against arkworks.
    #[test]
    fn block_sums_equal_arkworks_on_random_and_special_lanes() {
        if !crate::cpu::features::run_or_skip("ifma", crate::cpu::ifma::available(), "the eight-lane IFMA Jacobian additions") {
            return;
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x2307);
        for len in [2usize, 3, 64] {
            let mut s: Vec<G1Projective> = (0..8 * len).map(|_| G1Projective::rand(&mut rng)).collect();
            let mut t: Vec<G1Projective> = (0..8 * len).map(|_| G1Projective::rand(&mut rng)).collect();
            // Lane 1: identities everywhere in s and t.
            for j in 0..len {
                s[len + j] = G1Projective::ZERO;
                t[len + j] = G1Projective::ZERO;
            }
            // Lane 2: the top two points equal (the first addition doubles), t cancels to zero.
            s[3 * len - 2] = s[3 * len - 1];
            t[2 * len + 1] = -t[2 * len];
            // Lane 3: a point and its negation (the running sum passes through the identity).
            s[4 * len - 2] = -s[4 * len - 1];
            // Lane 4: one identity in the middle; lane 5: the running sum equals the next point.
            s[4 * len + len / 2] = G1Projective::ZERO;
            s[6 * len - 2] = s[6 * len - 1].double() - s[6 * len - 1];
            // Lane 6: the same point in other coordinates (Z scaled): equal x, a doubling.
            let p = s[7 * len - 1];
            let k = Fq::from(7u64);
            s[7 * len - 2] = G1Projective::new_unchecked(p.x * k * k, p.y * k * k * k, p.z * k);
            let got = block_sums(&s, &t);
            for (l, (g, w)) in got.iter().zip(reference(&s, &t)).enumerate() {
                assert_eq!(*g, w, "len {len}, lane {l}");
            }
        }
    }
}
