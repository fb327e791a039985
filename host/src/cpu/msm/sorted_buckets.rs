//! Bucket sums by sorting, for windows with few buckets (small scalars).
//!
//! With few buckets a batch of distinct buckets is short, so the queue-based accumulator of
//! [`super::batch_affine`] cannot amortise its inversion. Here the terms are first sorted by bucket
//! (counting sort, signs applied), and each bucket's list is then summed pairwise in rounds: in one
//! round every bucket with two or more points adds its neighbours (0+1, 2+3, …), and all the
//! additions of the round, across every bucket, share one batched inversion (in chunks of
//! [`CHUNK`]). A bucket of k points takes ⌈log2 k⌉ rounds; every addition is affine (5M + 1S plus a
//! tiny share of an inversion). Pairs with equal x (P + P, P + (−P)) go to an exact Jacobian side
//! bucket, as in the queue-based accumulator.

use ark_ff::{AdditiveGroup, Field};
use ark_std::Zero;

use super::batch_affine::{Adder, LaneScratch, Pt};
use crate::cpu::mont;
use crate::{Fq, G1Projective};

type C = ark_bn254::FqConfig;

/// Additions that share one inversion.
const CHUNK: usize = 4096;

/// Buckets `0..n` filled by [`SortedBuckets::add`], summed by [`SortedBuckets::weighted_sum`].
pub struct SortedBuckets<'a> {
    n: usize,
    ops: Vec<(u32, &'a Pt, bool)>,
    adder: Adder,
}

impl<'a> SortedBuckets<'a> {
    pub fn new(n: usize) -> Self {
        Self::with_adder(n, Adder::best())
    }

    /// As [`Self::new`] on a given adder (which must be available).
    pub fn with_adder(n: usize, adder: Adder) -> Self {
        assert!(adder.is_available(), "the {adder:?} adder needs a CPU with AVX-512 IFMA");
        Self { n, ops: Vec::new(), adder }
    }

    /// bucket[b] += ±p (deferred).
    #[inline(always)]
    pub fn add(&mut self, b: usize, p: &'a Pt, neg: bool) {
        self.ops.push((b as u32, p, neg));
    }

    /// Σ_b (b + 1)·bucket[b].
    pub fn weighted_sum(self) -> G1Projective {
        let n = self.n;
        // Counting sort by bucket.
        let mut start = vec![0usize; n + 1];
        for &(b, _, _) in &self.ops {
            start[b as usize + 1] += 1;
        }
        for b in 0..n {
            start[b + 1] += start[b];
        }
        let mut fill = start.clone();
        let mut vals = vec![Pt { x: Fq::ZERO, y: Fq::ZERO }; self.ops.len()];
        for &(b, p, neg) in &self.ops {
            let b = b as usize;
            vals[fill[b]] = if neg { Pt { x: p.x, y: mont::neg::<C>(&p.y) } } else { *p };
            fill[b] += 1;
        }
        drop(self.ops);
        // len[b]: live points of bucket b, stored at vals[start[b]..start[b] + len[b]].
        let mut len: Vec<usize> = (0..n).map(|b| start[b + 1] - start[b]).collect();
        let mut side: Vec<G1Projective> = Vec::new();
        let mut pairs: Vec<(usize, usize)> = Vec::new(); // (left, right): vals[left] += vals[right]
        let mut keep: Vec<usize> = Vec::new(); // surviving positions, bucket by bucket, in order
        let mut scratch = vec![Fq::ZERO; CHUNK];
        let mut lanes = LaneScratch::default();
        loop {
            pairs.clear();
            keep.clear();
            let mut new_len = len.clone();
            for b in 0..n {
                let (s, l) = (start[b], len[b]);
                if l < 2 {
                    continue;
                }
                let before = keep.len();
                let mut i = 0;
                while i + 1 < l {
                    let (p, q) = (vals[s + i], vals[s + i + 1]);
                    if p.x == q.x {
                        // P + P or P + (−P): exact side bucket.
                        if side.is_empty() {
                            side = vec![G1Projective::zero(); n];
                        }
                        side[b] += &p.to_affine();
                        side[b] += &q.to_affine();
                    } else {
                        pairs.push((s + i, s + i + 1));
                        keep.push(s + i);
                    }
                    i += 2;
                }
                if i < l {
                    keep.push(s + i);
                }
                new_len[b] = keep.len() - before;
            }
            if pairs.is_empty() && keep.is_empty() {
                break;
            }
            for chunk in pairs.chunks(CHUNK) {
                if self.adder.lanes_for(chunk.len()) {
                    #[cfg(target_arch = "x86_64")]
                    {
                        let v = vals.as_mut_ptr();
                        // SAFETY: the adder is Ifma (checked available in `with_adder`); the
                        // pairs' left positions are distinct, never a right position, and in range;
                        // pairs with equal x went to the side buckets above.
                        unsafe {
                            super::batch_affine_ifma::add_batch(chunk.len(), &mut lanes, |k| {
                                let (l, r) = chunk[k];
                                (*v.add(r), v.add(l))
                            });
                        }
                        continue;
                    }
                }
                add_pairs(&mut vals, chunk, &mut scratch);
            }
            // Move each bucket's survivors to its front (targets never pass their sources).
            let mut k = 0;
            for b in 0..n {
                if len[b] < 2 {
                    continue;
                }
                for t in 0..new_len[b] {
                    vals[start[b] + t] = vals[keep[k]];
                    k += 1;
                }
            }
            len = new_len;
        }
        let mut running = G1Projective::zero();
        let mut total = G1Projective::zero();
        for b in (0..n).rev() {
            if len[b] == 1 {
                running += &vals[start[b]].to_affine();
            }
            if !side.is_empty() {
                running += &side[b];
            }
            total += &running;
        }
        total
    }
}

/// vals[l] ← vals[l] + vals[r] for every (l, r), with one inversion (x_l ≠ x_r for all pairs).
fn add_pairs(vals: &mut [Pt], pairs: &[(usize, usize)], scratch: &mut [Fq]) {
    let mut acc = Fq::ONE;
    for (k, &(l, r)) in pairs.iter().enumerate() {
        scratch[k] = acc;
        acc = mont::mul::<C>(&acc, &mont::sub::<C>(&vals[r].x, &vals[l].x));
    }
    let mut inv = acc.inverse().expect("paired points have distinct x");
    for (k, &(l, r)) in pairs.iter().enumerate().rev() {
        let (p, q) = (vals[l], vals[r]);
        let dx = mont::sub::<C>(&q.x, &p.x);
        let inv_k = mont::mul::<C>(&inv, &scratch[k]);
        inv = mont::mul::<C>(&inv, &dx);
        let lambda = mont::mul::<C>(&mont::sub::<C>(&q.y, &p.y), &inv_k);
        let x3 = mont::sub::<C>(&mont::sub::<C>(&mont::square::<C>(&lambda), &p.x), &q.x);
        let y3 = mont::sub::<C>(&mont::mul::<C>(&lambda, &mont::sub::<C>(&p.x, &x3)), &p.y);
        vals[l] = Pt { x: x3, y: y3 };
    }
}
