//! The batched affine additions of the MSM's bucket accumulators on eight lanes (AVX-512 IFMA).
//!
//! The same arithmetic as the portable loops of [`super::batch_affine`] and
//! [`super::sorted_buckets`] — one batch of additions B ← B + P into distinct targets, their
//! denominators x_P − x_B inverted together by Montgomery's trick — with the field products done
//! eight at a time by [`crate::cpu::ifma::fq52`] (arkworks' Montgomery form in 52-bit limbs, so
//! points go in and out as the same integers and the stored coordinates are canonical, bit-identical
//! to the portable code's).
//!
//! Layout: addition 8g + l is lane l of group g. The running products of the trick run in two
//! chains of groups (even and odd g), so the forward pass is not bound by one product's latency;
//! the sixteen lane totals are inverted together (one field inversion). Per addition: one product
//! forward, five backward (the two of the trick, λ, λ², λ·(x_B − x_3)). A last partial group is
//! padded with a dummy addition (x_P − x_B = 1, discarded). The caller guarantees x_P ≠ x_B for
//! every addition (it routes P + P and P + (−P) to its exact side buckets).

use ark_ff::{BigInt, Field};
use ark_std::Zero;

use super::batch_affine::Pt;
use crate::cpu::ifma::fq52::{self, mul, reduce4, sub_plus};
use crate::cpu::ifma::mont52::{from_limbs52, load, load8, store, store8, Group, V};
use crate::Fq;

type C = ark_bn254::FqConfig;

/// Below this many additions a batch runs on the portable loop (the lanes would be mostly padding).
pub const MIN_BATCH: usize = 16;

/// The staged operands of one group: x_P − x_B, y_P − y_B, x_B, y_B, x_P + x_B and the running
/// product of the group's chain before it.
#[derive(Clone, Copy, Default)]
pub struct Staged([Group; 6]);

/// Reusable buffers of [`add_batch`].
#[derive(Default)]
pub struct Scratch {
    staged: Vec<Staged>,
    targets: Vec<*mut Pt>,
}

/// For every i < n with `get(i) = (P, target)`: *target ← *target + P (affine).
///
/// # Safety
/// The CPU has AVX-512 F, DQ and IFMA (`crate::cpu::ifma::available`); every target is valid for
/// reads and writes, the n targets are pairwise distinct, and x_P ≠ x of *target for every i.
#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
pub unsafe fn add_batch(n: usize, scratch: &mut Scratch, get: impl Fn(usize) -> (Pt, *mut Pt)) {
    if n == 0 {
        return;
    }
    let groups = n.div_ceil(8);
    let Scratch { staged, targets } = scratch;
    staged.clear();
    staged.resize(groups, Staged::default());
    targets.clear();
    let mut junk = [Pt { x: Fq::zero(), y: Fq::zero() }; 8];
    let (q1, q2) = fq52::moduli();
    let one = [Fq::ONE.0 .0; 8];
    let mut acc = [load8(one.as_ptr()), load8(one.as_ptr())];
    let (mut px, mut py, mut qx, mut qy) = ([[0u64; 4]; 8], [[0u64; 4]; 8], [[0u64; 4]; 8], [[0u64; 4]; 8]);
    // Forward: stage the operands, chain the running products.
    for (g, st) in staged.iter_mut().enumerate() {
        for l in 0..8 {
            let i = 8 * g + l;
            if i < n {
                let (p, t) = get(i);
                let q = *t;
                (px[l], py[l], qx[l], qy[l]) = (p.x.0 .0, p.y.0 .0, q.x.0 .0, q.y.0 .0);
                targets.push(t);
            } else {
                (px[l], py[l], qx[l], qy[l]) = (Fq::ONE.0 .0, [0; 4], [0; 4], [0; 4]);
                targets.push(junk.as_mut_ptr().add(l));
            }
        }
        let (vpx, vpy, vqx, vqy) = (load8(px.as_ptr()), load8(py.as_ptr()), load8(qx.as_ptr()), load8(qy.as_ptr()));
        // Canonical inputs: differences + q in (0, 2q), the sum below 2q.
        let dx = sub_plus(vpx, vqx, q1);
        store(&mut st.0[0], dx);
        store(&mut st.0[1], sub_plus(vpy, vqy, q1));
        store(&mut st.0[2], vqx);
        store(&mut st.0[3], vqy);
        store(&mut st.0[4], fq52::add(vpx, vqx));
        let c = g & 1;
        store(&mut st.0[5], acc[c]);
        acc[c] = mul(acc[c], dx);
    }
    // The sixteen chain totals (lazy, below 2q), inverted together.
    let mut totals = [Fq::zero(); 16];
    for (c, a) in acc.iter().enumerate() {
        let mut gr = Group::default();
        store(&mut gr, *a);
        for l in 0..8 {
            totals[8 * c + l] = crate::cpu::mont::reduce::<C>(&Fq::new_unchecked(BigInt(from_limbs52(gr.lane(l)))));
        }
    }
    assert!(totals.iter().all(|t| !t.is_zero()), "x-coordinates of batched additions differ");
    invert_all(&mut totals);
    let inv_limbs: [[u64; 4]; 16] = core::array::from_fn(|k| totals[k].0 .0);
    let mut inv: [V; 2] = [load8(inv_limbs.as_ptr()), load8(inv_limbs.as_ptr().add(8))];
    // Backward: inv[c] = 1/(product of its chain up to and including group g).
    for g in (0..groups).rev() {
        let st = &staged[g].0;
        let c = g & 1;
        let inv_g = mul(inv[c], load(&st[5]));
        inv[c] = mul(inv[c], load(&st[0]));
        let lambda = mul(load(&st[1]), inv_g);
        // x3 = λ² − (x_P + x_B), y3 = λ·(x_B − x3) − y_B, each brought to [0, q).
        let x3 = reduce4(sub_plus(mul(lambda, lambda), load(&st[4]), q2), q1, q2);
        let y3 = reduce4(sub_plus(mul(lambda, sub_plus(load(&st[2]), x3, q1)), load(&st[3]), q1), q1, q2);
        let t = &targets[8 * g..8 * g + 8];
        store8(x3, |l| {
            let p: *mut Pt = t[l];
            core::ptr::addr_of_mut!((*p).x.0 .0)
        });
        store8(y3, |l| {
            let p: *mut Pt = t[l];
            core::ptr::addr_of_mut!((*p).y.0 .0)
        });
    }
}

/// Replaces every (non-zero) element by its inverse: Montgomery's trick, one field inversion.
fn invert_all(v: &mut [Fq; 16]) {
    let mut prefix = [Fq::ONE; 16];
    let mut acc = Fq::ONE;
    for (p, x) in prefix.iter_mut().zip(v.iter()) {
        *p = acc;
        acc *= x;
    }
    let mut inv = acc.inverse().expect("non-zero totals");
    for (x, p) in v.iter_mut().zip(prefix).rev() {
        let xi = inv * p;
        inv *= *x;
        *x = xi;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::UniformRand;

    use crate::{Fr, G1Affine, G1Projective};

    /// Every batch size around the group and chain boundaries: each target equals arkworks' sum,
    /// limb for limb (canonical coordinates), with points negated and not.
    #[test]
    fn lanes_equal_arkworks_additions() {
        if !crate::cpu::features::run_or_skip("ifma", crate::cpu::ifma::available(), "the IFMA batch-affine additions") {
            return;
        }
        let mut rng = zkaccel_testkit::seed::TestRng::for_test("lanes_equal_arkworks_additions");
        let g = G1Affine::generator();
        let pts: Vec<G1Affine> = G1Projective::normalize_batch(&(0..2 * 1030).map(|_| g * Fr::rand(&mut rng)).collect::<Vec<_>>());
        let mut scratch = Scratch::default();
        for n in [16usize, 17, 23, 24, 31, 32, 33, 100, 1024, 1030] {
            let (ps, qs) = (&pts[..n], &pts[n..2 * n]);
            let mut targets: Vec<Pt> = qs.iter().map(Pt::from_affine).collect();
            let adds: Vec<Pt> = ps.iter().enumerate().map(|(i, p)| Pt::from_affine(p).neg_if(i % 3 == 1)).collect();
            let base = targets.as_mut_ptr();
            unsafe { add_batch(n, &mut scratch, |i| (adds[i], base.add(i))) };
            for i in 0..n {
                let want = (qs[i] + adds[i].to_affine()).into_affine();
                assert!(!want.is_zero());
                assert_eq!((targets[i].x.0, targets[i].y.0), (want.x.0, want.y.0), "n = {n}, addition {i}");
            }
        }
    }
}
