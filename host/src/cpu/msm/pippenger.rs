//! Pippenger's bucket method over signed (Booth) digits.
//!
//! Input: terms (P_i, k_i) with k_i < 2^128 unsigned (signs are folded into the points by the
//! caller). With a window of c bits, window w's digit of k is read from bits [w·c − 1, w·c + c)
//! (Booth recoding: the bit below the window is a carry-in, the window's top bit makes it
//! negative): d = x + b − 2^c·x_{c−1} ∈ [−2^(c−1), 2^(c−1)], so 2^(c−1) buckets suffice and every
//! digit is a pure function of the scalar (windows are independent tasks, no digit array). With
//! `bits` the largest bit length, W = ⌈(bits + 1)/c⌉ windows cover the scalars (the top window's
//! sign bit is then always 0).
//!
//! Window w's bucket sums give S_w = Σ_b (b+1)·B_b; the result is Σ_w 2^(w·c)·S_w (Horner).
//! Tasks are (window, slice of terms) pairs run on the current rayon pool; the window size and the
//! number of slices come from a cost model (below) so that both threads stay busy.

use ark_ec::AffineRepr;
use ark_ff::{AdditiveGroup, BigInt};
use ark_std::Zero;
use rayon::prelude::*;

use super::batch_affine::{Adder, BatchAffineBuckets, JacobianBuckets, Pt};
use super::sorted_buckets::SortedBuckets;
use crate::G1Projective;

/// A block of terms (points with their unsigned scalars).
#[derive(Default)]
pub struct Terms {
    pub pts: Vec<Pt>,
    pub mags: Vec<u128>,
}

impl Terms {
    pub fn len(&self) -> usize {
        self.pts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pts.is_empty()
    }

    pub fn push(&mut self, p: Pt, k: u128) {
        self.pts.push(p);
        self.mags.push(k);
    }
}

/// Below this many terms, a double-and-add per term is cheaper than any bucket set-up.
const NAIVE_MAX: usize = 8;
/// Windows with at least this many buckets accumulate with the queue-based batch-affine buckets;
/// smaller ones (short scalars) sort their terms by bucket and add pairwise in batched rounds.
const QUEUE_MIN_BUCKETS: usize = 1024;
/// Below this many terms per task, Jacobian buckets (no set-up at all).
const AFFINE_MIN_TERMS: usize = 64;
/// The largest window (2^15 buckets of 64 bytes: 2 MiB per task).
const MAX_C: u32 = 16;

/// The window digit of `k` for window `w` of `c` bits (Booth recoding), in [−2^(c−1), 2^(c−1)].
#[inline(always)]
pub fn booth_digit(k: u128, w: u32, c: u32) -> i32 {
    let y = if w == 0 {
        (k << 1) as u64
    } else {
        let s = w * c - 1;
        if s >= 128 {
            0
        } else {
            (k >> s) as u64
        }
    };
    let y = y & ((1u64 << (c + 1)) - 1);
    let x = (y >> 1) as i32;
    let carry = (y & 1) as i32;
    let top = ((y >> c) & 1) as i32;
    x + carry - (top << c)
}

/// The plan for one class of terms: window size, windows, slices per window, batch-affine or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    pub c: u32,
    pub windows: u32,
    pub slices: usize,
    pub batch_affine: bool,
}

/// Chooses the window size by a cost model, in units of one batch-affine addition (≈ 6
/// multiplications): an inversion costs ≈ 60 units, shared by a batch (queue-based accumulator:
/// batch of nb/8 up to 1024), the sorting accumulator adds ≈ 0.3 units of sorting per term, a
/// Jacobian mixed addition costs ≈ 1.8 units, the running-sum reduction ≈ 4.5 units per bucket (two
/// Jacobian additions). Tasks are spread over `threads`.
pub fn plan(m: usize, bits: u32, threads: usize) -> Plan {
    let threads = threads.max(1);
    let mut best: Option<(f64, Plan)> = None;
    for c in 2..=MAX_C {
        let windows = (bits + 1).div_ceil(c);
        let slices = if (windows as usize) < threads { threads.div_ceil(windows as usize) } else { 1 };
        let batch_affine = m / slices >= AFFINE_MIN_TERMS;
        // Big bucket arrays fall out of L2: charge a little for the cache misses.
        let miss = if c >= 15 { 1.1 } else { 1.0 };
        let mut total = 0.0;
        let mut longest: f64 = 0.0;
        for w in 0..windows {
            let nb = window_buckets(w, windows, c, bits);
            let add = if !batch_affine {
                1.8
            } else if nb >= QUEUE_MIN_BUCKETS {
                1.0 + 60.0 / batch_cap(nb) as f64
            } else {
                1.3
            };
            let buckets = nb as f64;
            let task = (m as f64 / slices as f64) * add * miss + buckets * 4.5;
            total += task * slices as f64;
            longest = longest.max(task);
        }
        let cost = longest.max(total / threads as f64);
        if best.map_or(true, |(b, _)| cost < b) {
            best = Some((cost, Plan { c, windows, slices, batch_affine }));
        }
    }
    best.expect("at least one window size").1
}

/// The number of buckets window `w` needs: 2^(c−1), except the top window, whose digits are
/// non-negative and at most 2^(bits − (W−1)·c).
pub fn window_buckets(w: u32, windows: u32, c: u32, bits: u32) -> usize {
    let full = 1usize << (c - 1);
    if w + 1 == windows {
        let top = bits.saturating_sub((windows - 1) * c).min(c - 1);
        full.min(1usize << top)
    } else {
        full
    }
}

/// Σ k_i·P_i over all terms of `blocks`, whose scalars have at most `bits` bits.
pub fn msm_terms(blocks: &[&Terms], bits: u32) -> G1Projective {
    msm_terms_on(blocks, bits, Adder::best())
}

/// As [`msm_terms`] with a given batch-affine adder.
pub fn msm_terms_on(blocks: &[&Terms], bits: u32, adder: Adder) -> G1Projective {
    let m: usize = blocks.iter().map(|t| t.len()).sum();
    if m == 0 || bits == 0 {
        return G1Projective::zero();
    }
    if m <= NAIVE_MAX {
        return naive(blocks);
    }
    let p = plan(m, bits, rayon::current_num_threads());
    msm_terms_with_adder(blocks, bits, p, adder)
}

/// As [`msm_terms`] with a given plan (tests and tuning).
pub fn msm_terms_with(blocks: &[&Terms], bits: u32, p: Plan) -> G1Projective {
    msm_terms_with_adder(blocks, bits, p, Adder::best())
}

/// As [`msm_terms`] with a given plan and adder (tests and tuning).
pub fn msm_terms_with_adder(blocks: &[&Terms], bits: u32, p: Plan, adder: Adder) -> G1Projective {
    assert!(p.c >= 2 && p.c <= MAX_C && p.windows * p.c >= bits + 1, "plan {p:?} does not cover {bits} bits");
    let m: usize = blocks.iter().map(|t| t.len()).sum();
    let tasks = p.windows as usize * p.slices;
    let sums: Vec<G1Projective> = (0..tasks)
        .into_par_iter()
        .map(|t| {
            let w = (t / p.slices) as u32;
            let s = t % p.slices;
            let lo = s * m / p.slices;
            let hi = (s + 1) * m / p.slices;
            window_sum(blocks, lo, hi, w, window_buckets(w, p.windows, p.c, bits), p, adder)
        })
        .collect();
    // Horner over windows, from the top.
    let mut acc = G1Projective::zero();
    for w in (0..p.windows as usize).rev() {
        if w + 1 < p.windows as usize {
            for _ in 0..p.c {
                acc.double_in_place();
            }
        }
        for s in 0..p.slices {
            acc += &sums[w * p.slices + s];
        }
    }
    acc
}

/// Visits the terms with flattened indices in [lo, hi) as (point, scalar) slices.
fn for_range<'a>(blocks: &[&'a Terms], lo: usize, hi: usize, mut f: impl FnMut(&'a [Pt], &'a [u128])) {
    let mut start = 0;
    for t in blocks {
        let end = start + t.len();
        let a = lo.max(start);
        let b = hi.min(end);
        if a < b {
            f(&t.pts[a - start..b - start], &t.mags[a - start..b - start]);
        }
        start = end;
        if start >= hi {
            break;
        }
    }
}

/// S_w = Σ_b (b+1)·B_b for window `w` over the terms in [lo, hi).
/// The batch size of the queue-based accumulator for `nb` buckets.
fn batch_cap(nb: usize) -> usize {
    (nb / 8).clamp(16, 1024)
}

fn window_sum(blocks: &[&Terms], lo: usize, hi: usize, w: u32, nb: usize, p: Plan, adder: Adder) -> G1Projective {
    if p.batch_affine && nb < QUEUE_MIN_BUCKETS {
        let mut buckets = SortedBuckets::with_adder(nb, adder);
        for_range(blocks, lo, hi, |pts, mags| {
            for (pt, &k) in pts.iter().zip(mags) {
                let d = booth_digit(k, w, p.c);
                if d != 0 {
                    buckets.add(d.unsigned_abs() as usize - 1, pt, d < 0);
                }
            }
        });
        buckets.weighted_sum()
    } else if p.batch_affine {
        let mut buckets = BatchAffineBuckets::with_adder(nb, batch_cap(nb), adder);
        const BLOCK: usize = 256;
        const AHEAD: usize = 8;
        let mut digits = [0i32; BLOCK];
        for_range(blocks, lo, hi, |pts, mags| {
            for (pts, mags) in pts.chunks(BLOCK).zip(mags.chunks(BLOCK)) {
                for (d, &k) in digits.iter_mut().zip(mags) {
                    *d = booth_digit(k, w, p.c);
                }
                let n = pts.len();
                for i in 0..n {
                    if i + AHEAD < n {
                        let da = digits[i + AHEAD];
                        if da != 0 {
                            buckets.prefetch(da.unsigned_abs() as usize - 1);
                        }
                    }
                    let d = digits[i];
                    if d != 0 {
                        buckets.add(d.unsigned_abs() as usize - 1, &pts[i], d < 0);
                    }
                }
            }
        });
        buckets.flush();
        buckets.weighted_sum()
    } else {
        let mut buckets = JacobianBuckets::new(nb);
        for_range(blocks, lo, hi, |pts, mags| {
            for (pt, &k) in pts.iter().zip(mags) {
                let d = booth_digit(k, w, p.c);
                if d != 0 {
                    buckets.add(d.unsigned_abs() as usize - 1, pt, d < 0);
                }
            }
        });
        buckets.weighted_sum()
    }
}

/// Σ k_i·P_i by one double-and-add per term.
fn naive(blocks: &[&Terms]) -> G1Projective {
    let mut acc = G1Projective::zero();
    for t in blocks {
        for (p, &k) in t.pts.iter().zip(&t.mags) {
            acc += p.to_affine().mul_bigint(BigInt::<2>([k as u64, (k >> 64) as u64]));
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booth_digits_recombine() {
        let mut rng = zkaccel_testkit::seed::TestRng::for_test("booth_digits_recombine");
        use rand::Rng;
        for c in 2..=MAX_C {
            for bits in [1u32, 7, 8, 63, 64, 100, 127, 128] {
                let windows = (bits + 1).div_ceil(c);
                let mut samples = vec![0u128, 1, if bits == 128 { u128::MAX } else { (1u128 << bits) - 1 }];
                for _ in 0..50 {
                    let k: u128 = rng.gen();
                    samples.push(if bits == 128 { k } else { k & ((1u128 << bits) - 1) });
                }
                for k in samples {
                    // Σ d_w·2^(wc) must give k back (as a signed 192-bit sum, here i128 pairs).
                    let mut acc: i128 = 0; // value / 2^(top) tracked with a high part below
                    let mut hi: i128 = 0;
                    for w in (0..windows).rev() {
                        let d = booth_digit(k, w, c);
                        assert!(d.unsigned_abs() <= 1 << (c - 1), "digit {d} out of range, c = {c}");
                        // (hi, acc) ← (hi, acc)·2^c + d, with acc kept in [0, 2^64).
                        let v = (acc << c) + d as i128;
                        hi = (hi << c) + v.div_euclid(1 << 64);
                        acc = v.rem_euclid(1 << 64);
                    }
                    let lo = k as u64 as i128;
                    let top = (k >> 64) as i128;
                    assert_eq!((hi, acc), (top, lo), "k = {k:#x}, c = {c}, bits = {bits}");
                }
            }
        }
    }

    #[test]
    fn plans_cover_the_bits() {
        for bits in [1u32, 8, 16, 32, 64, 126, 128] {
            for m in [9usize, 100, 1 << 10, 1 << 16, 1 << 21] {
                for threads in [1, 2, 4] {
                    let p = plan(m, bits, threads);
                    assert!(p.windows * p.c > bits, "{p:?} for {bits} bits");
                }
            }
        }
    }
}
