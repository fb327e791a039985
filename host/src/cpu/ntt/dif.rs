//! The decimation-in-frequency (Gentleman–Sande) transform: natural-order input, bit-reversed
//! output, computed depth-first so that large sizes stay cache-friendly.
//!
//! A stage of length `len` pairs `a[j]` with `a[j + len/2]`: `(u, v) ← (u + v, (u − v)·ω_len^j)`.
//! Two consecutive stages are fused into one radix-4 pass (four elements `j + {0,1,2,3}·len/4`
//! loaded once, four multiplications), which halves the passes over memory. Above [`BLOCK`]
//! elements a fused pass runs over the whole slice (in parallel over j), then the four quarters are
//! transformed independently (in parallel); at or below `BLOCK` (which fits in L2) the block is
//! finished sequentially with radix-4 passes and a last radix-2 pass when the stage count is odd.

use rayon::prelude::*;

use super::twiddles::Stages;
use crate::cpu::mont;
use crate::Fr;

type C = ark_bn254::FrConfig;

// Butterflies keep values lazily reduced, in [0, 2p) (Harvey): sums are brought below 2p, a
// difference enters the product as x − y + 2p < 4p, and the product of that with a reduced twiddle
// is < 2p without a final subtraction (`mont::mul_lazy`). The bit-reversal pass reduces.

/// x + y, below 2p.
#[inline(always)]
fn add(a: &Fr, b: &Fr) -> Fr {
    mont::add_lazy::<C>(a, b)
}

/// (x − y)·w, below 2p (w reduced).
#[inline(always)]
fn sub_mul(a: &Fr, b: &Fr, w: &Fr) -> Fr {
    mont::mul_lazy::<C>(&mont::sub_lazy::<C>(a, b), w)
}

/// x − y, below 2p.
#[inline(always)]
fn sub(a: &Fr, b: &Fr) -> Fr {
    mont::sub_lazy_reduced::<C>(a, b)
}

/// Reduced product (inputs below 2p).
#[inline(always)]
fn mul(a: &Fr, b: &Fr) -> Fr {
    mont::mul::<C>(a, b)
}

/// Sub-transforms of at most this many elements (128 KiB) run sequentially, in cache.
pub const BLOCK: usize = 1 << 12;
/// Parallel passes split their j range into chunks of at least this many.
const PAR_CHUNK: usize = 1 << 10;

/// In-place DIF of `a` (length a power of two ≥ 1): output in bit-reversed order, lazily reduced
/// (each value below 2p: [`bit_reverse_scale`] reduces).
pub fn dif(a: &mut [Fr], tw: &Stages) {
    let n = a.len();
    debug_assert!(n.is_power_of_two());
    if n <= BLOCK {
        dif_block(a, tw);
        return;
    }
    if n == 2 * BLOCK || n.trailing_zeros() % 2 == 1 && n < 4 * BLOCK {
        // One radix-2 stage brings the halves to BLOCK.
        radix2_pass(a, tw.stage(n), true);
        a.par_chunks_mut(n / 2).for_each(|h| dif(h, tw));
        return;
    }
    radix4_pass(a, tw.stage(n), tw.stage(n / 2), true);
    a.par_chunks_mut(n / 4).for_each(|q| dif(q, tw));
}

/// Sequential DIF of a block that fits in cache.
fn dif_block(a: &mut [Fr], tw: &Stages) {
    let n = a.len();
    let mut len = n;
    while len >= 8 {
        let (t1, t2) = (tw.stage(len), tw.stage(len / 2));
        for chunk in a.chunks_exact_mut(len) {
            radix4_pass(chunk, t1, t2, false);
        }
        len /= 4;
    }
    if len == 4 {
        // The last two stages: twiddles 1 and the 4th root of unity only.
        let w4 = tw.stage(4)[1];
        for c in a.chunks_exact_mut(4) {
            let (x0, x1, x2, x3) = (c[0], c[1], c[2], c[3]);
            let (s0, d0) = (add(&x0, &x2), sub(&x0, &x2));
            let (s1, d1) = (add(&x1, &x3), sub_mul(&x1, &x3, &w4));
            c[0] = add(&s0, &s1);
            c[1] = sub(&s0, &s1);
            c[2] = add(&d0, &d1);
            c[3] = sub(&d0, &d1);
        }
        len = 1;
    }
    if len == 2 {
        for pair in a.chunks_exact_mut(2) {
            let (u, v) = (pair[0], pair[1]);
            pair[0] = add(&u, &v);
            pair[1] = sub(&u, &v);
        }
    }
}

/// One radix-2 stage over `a` (length len): pairs (j, j + len/2) with twiddle t[j].
fn radix2_pass(a: &mut [Fr], t: &[Fr], parallel: bool) {
    let h = a.len() / 2;
    let (lo, hi) = a.split_at_mut(h);
    let body = |j0: usize, lo: &mut [Fr], hi: &mut [Fr]| {
        for (i, (u, v)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
            let (x, y) = (*u, *v);
            *u = add(&x, &y);
            *v = sub_mul(&x, &y, &t[j0 + i]);
        }
    };
    if parallel && h > PAR_CHUNK {
        let ch = chunk_len(h);
        lo.par_chunks_mut(ch).zip(hi.par_chunks_mut(ch)).enumerate().for_each(|(c, (l, r))| body(c * ch, l, r));
    } else {
        body(0, lo, hi);
    }
}

/// Two fused stages over `a` (length len ≥ 4): t1 = stage len (len/2 twiddles), t2 = stage len/2.
fn radix4_pass(a: &mut [Fr], t1: &[Fr], t2: &[Fr], parallel: bool) {
    let q = a.len() / 4;
    let (a0, rest) = a.split_at_mut(q);
    let (a1, rest) = rest.split_at_mut(q);
    let (a2, a3) = rest.split_at_mut(q);
    let body = |j0: usize, a0: &mut [Fr], a1: &mut [Fr], a2: &mut [Fr], a3: &mut [Fr]| {
        let mut start = 0;
        if j0 == 0 {
            // j = 0: ω^0 = 1 for t1[0] and t2[0]; t1[q] is the 4th root of unity.
            let (x0, x1, x2, x3) = (a0[0], a1[0], a2[0], a3[0]);
            let (s0, d0) = (add(&x0, &x2), sub(&x0, &x2));
            let (s1, d1) = (add(&x1, &x3), sub_mul(&x1, &x3, &t1[q]));
            a0[0] = add(&s0, &s1);
            a1[0] = sub(&s0, &s1);
            a2[0] = add(&d0, &d1);
            a3[0] = sub(&d0, &d1);
            start = 1;
        }
        for i in start..a0.len() {
            let j = j0 + i;
            let (x0, x1, x2, x3) = (a0[i], a1[i], a2[i], a3[i]);
            let (s0, d0) = (add(&x0, &x2), sub_mul(&x0, &x2, &t1[j]));
            let (s1, d1) = (add(&x1, &x3), sub_mul(&x1, &x3, &t1[j + q]));
            let w = &t2[j];
            a0[i] = add(&s0, &s1);
            a1[i] = sub_mul(&s0, &s1, w);
            a2[i] = add(&d0, &d1);
            a3[i] = sub_mul(&d0, &d1, w);
        }
    };
    if parallel && q > PAR_CHUNK {
        let ch = chunk_len(q);
        a0.par_chunks_mut(ch)
            .zip(a1.par_chunks_mut(ch))
            .zip(a2.par_chunks_mut(ch))
            .zip(a3.par_chunks_mut(ch))
            .enumerate()
            .for_each(|(c, (((b0, b1), b2), b3))| body(c * ch, b0, b1, b2, b3));
    } else {
        body(0, a0, a1, a2, a3);
    }
}

fn chunk_len(h: usize) -> usize {
    let threads = rayon::current_num_threads().max(1);
    h.div_ceil(4 * threads).max(PAR_CHUNK)
}

/// Bit-reversal permutation in place, multiplying every output element by `scale[i]` (if given) on
/// the way: one pass for the reordering and the 1/n or coset factors of inverse transforms.
pub fn bit_reverse_scale(a: &mut [Fr], scale: Option<&[Fr]>) {
    let n = a.len();
    if n <= 1 {
        if let Some(x) = a.first_mut() {
            *x = match scale {
                Some(s) => mul(x, &s[0]),
                None => mont::reduce::<C>(x),
            };
        }
        return;
    }
    let log_n = n.trailing_zeros();
    let shift = usize::BITS - log_n;
    struct Ptr(*mut Fr);
    unsafe impl Sync for Ptr {}
    unsafe impl Send for Ptr {}
    let p = Ptr(a.as_mut_ptr());
    let p = &p;
    let ch = chunk_len(n);
    (0..n.div_ceil(ch)).into_par_iter().for_each(|c| {
        for i in c * ch..((c + 1) * ch).min(n) {
            let j = i.reverse_bits() >> shift;
            // Each unordered pair {i, j} is handled only by its smaller index, so no element is
            // touched by two threads.
            unsafe {
                if i < j {
                    let (pi, pj) = (p.0.add(i), p.0.add(j));
                    let (x, y) = (*pi, *pj);
                    match scale {
                        Some(s) => {
                            *pi = mul(&y, &s[i]);
                            *pj = mul(&x, &s[j]);
                        }
                        None => {
                            *pi = mont::reduce::<C>(&y);
                            *pj = mont::reduce::<C>(&x);
                        }
                    }
                } else if i == j {
                    let x = *p.0.add(i);
                    *p.0.add(i) = match scale {
                        Some(s) => mul(&x, &s[i]),
                        None => mont::reduce::<C>(&x),
                    };
                }
            }
        }
    });
}
