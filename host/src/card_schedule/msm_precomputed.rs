//! The MSM over **precomputed windows** (fixed-base precomputation, issue 23): the bases of an MSM
//! are fixed (the KZG SRS) and resident in card memory, so card memory can hold, for each base
//! `P_i`, its `W` window shifts `2^{c·j}·P_i` (`j = 0..W`), **point-major: entry `i·W + j`**
//! ([`window_table`]). With signed `c`-bit digits `d_{i,j}` of the scalars,
//! `Σ_i s_i·P_i = Σ_{i,j} d_{i,j}·(2^{c·j}·P_i)`: an MSM over `n` points is **one window** of
//! `2^{c−1}` buckets over the `n·W` table entries. The digit stream is the `n × W` signed-digit
//! matrix, point-major ([`write_chunk`]) — the layout of an ordinary window group with
//! `MsmPoints = n·W`, `MsmWindows = 1` (`docs/interfaces.md` §5; no register or RTL change). All
//! windows share one bucket set, so the card reduces once (`2·2^{c−1}` additions, not per window),
//! and the host combines one window's chain sums ([`combine`]; no Horner over windows). An MSM of
//! a prefix of `n' ≤ n` bases uses the first `n'·W` table entries.
//!
//! Costs: card memory `W×` the bases (`2^20` bases, `c = 15`: `17·2^20` points, 1.14 GB at 64 B);
//! one card-memory point read per digit; the table is computed once per base set (`W·c`
//! doublings per base, normalised in batches), not per MSM.
//!
//! `W` = [`precomputed_windows`]`(c) = ⌈(254 + 1)/c⌉`: for a scalar `s < r < 2^254` the top
//! window's raw value is below `2^{254 − c(W−1)} ≤ 2^{c−1}`, so with its carry-in it never
//! borrows and the signed digits of `msm_requests::signed_digits` above window `W − 1` are zero
//! (the same count as `msm_requests::windows`).

use super::msm_reduce::{segment_log, ChainSums};
use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, CurveGroup};
use ark_ff::PrimeField;
use rayon::prelude::*;
use std::ops::Range;
use zkaccel_interface::regs::{DIGITS_PER_BEAT, DIGIT_NEG};

/// Largest window size the 16-bit digit format carries (as `msm_digit_stream::MAX_STREAM_C`).
pub use super::msm_digit_stream::MAX_STREAM_C;

/// Bases per task when computing the table (one batch normalisation each).
const TABLE_BLOCK: usize = 256;
/// Points per task when writing digits.
const WRITE_BLOCK: usize = 1024;
/// Chains per task of the combination.
const COMBINE_BLOCK: usize = 64;

/// Windows of the precomputed layout for window size `c`: `⌈(254 + 1)/c⌉` (see the module docs).
pub fn precomputed_windows(c: usize) -> usize {
    super::msm_requests::windows(c)
}

/// The table of window shifts: entry `i·W + j` is `2^{c·j}·bases[i]` in affine form
/// (`W` = [`precomputed_windows`]`(c)`; the identity stays the identity). `c` doublings per
/// window in projective form, normalised in one batch inversion per block of bases; blocks in
/// parallel.
pub fn window_table(bases: &[G1Affine], c: usize) -> Vec<G1Affine> {
    let w = precomputed_windows(c);
    let mut table = vec![G1Affine::default(); bases.len() * w];
    table.par_chunks_mut(TABLE_BLOCK * w).zip(bases.par_chunks(TABLE_BLOCK)).for_each(|(out, bs)| {
        let mut shifts = Vec::with_capacity(bs.len() * w);
        for b in bs {
            let mut p = G1Projective::from(*b);
            for j in 0..w {
                if j > 0 {
                    for _ in 0..c {
                        p.double_in_place();
                    }
                }
                shifts.push(p);
            }
        }
        out.copy_from_slice(&G1Projective::normalize_batch(&shifts));
    });
    table
}

/// 16-bit words of the digit stream of an MSM over `n` points (`n·W` digits, padded to a full
/// beat of [`DIGITS_PER_BEAT`]).
pub fn stream_words(n: usize, c: usize) -> usize {
    (n * precomputed_windows(c)).next_multiple_of(DIGITS_PER_BEAT)
}

/// The digits of `scalars[points]` into `out = stream[points.start·W .. points.end·W]`, or up to
/// the end of the stream (`stream_words(scalars.len(), c)`) when `points.end` is the last point
/// (the padding written as zero digits). Digit `j` of point `i` is the signed `c`-bit digit `d`
/// of window `j` of `scalars[i]`, in the card's format (`DIGIT_FORMAT`: `|d|` = bucket + 1 in bits
/// 0..15, bit 15 the sign, 0 = no addition). One conversion from Montgomery form per scalar;
/// parallel over blocks of points; allocates nothing.
pub fn write_chunk(scalars: &[Fr], c: usize, points: Range<usize>, out: &mut [u16]) {
    assert!((2..=MAX_STREAM_C).contains(&c), "window size {c} out of range 2..={MAX_STREAM_C} of the 16-bit digit format");
    let (n, w) = (scalars.len(), precomputed_windows(c));
    assert!(points.start <= points.end && points.end <= n, "points {points:?} of {n}");
    let end = if points.end == n { stream_words(n, c) } else { points.end * w };
    assert_eq!(out.len(), end - points.start * w, "chunk {points:?}: output length");
    let (body, pad) = out.split_at_mut(points.len() * w);
    pad.fill(0);
    macro_rules! by_c {
        ($($k:literal)*) => {
            match c {
                $($k => body.par_chunks_mut(w * WRITE_BLOCK).zip(scalars[points].par_chunks(WRITE_BLOCK)).for_each(|(out, ss)| write_block::<$k>(ss, out)),)*
                _ => unreachable!("c = {c} checked above"),
            }
        };
    }
    by_c!(2 3 4 5 6 7 8 9 10 11 12 13 14 15);
}

/// The digits of `scalars` into `out` (`W` per scalar), for a window size known at compile time
/// (the window loop unrolls into constant shifts).
#[inline(always)]
fn write_block<const C: usize>(scalars: &[Fr], out: &mut [u16]) {
    let w = (Fr::MODULUS_BIT_SIZE as usize + 1).div_ceil(C);
    let (half, full, mask) = (1u64 << (C - 1), 1u64 << C, (1u64 << C) - 1);
    for (o, s) in out.chunks_exact_mut(w).zip(scalars) {
        let l = s.into_bigint().0;
        // Zero-padded limbs: every window (bits < 64·5) reads two words.
        let l6 = [l[0], l[1], l[2], l[3], 0, 0];
        let mut carry = 0u64;
        for (j, o) in o.iter_mut().enumerate() {
            let pos = j * C;
            let (q, sh) = (pos >> 6, pos & 63);
            let x = if sh == 0 { l6[q] } else { (l6[q] >> sh) | (l6[q + 1] << (64 - sh)) };
            let v = (x & mask) + carry;
            carry = (v > half) as u64;
            let mag = if carry == 1 { full - v } else { v };
            // A digit 0 with a borrow (v = 2^c) is written as 0, not as a negative zero.
            *o = mag as u16 | ((carry & (mag != 0) as u64) as u16 * DIGIT_NEG);
        }
    }
}

/// The whole digit stream of an MSM over `scalars` (as [`write_chunk`] over all points).
pub fn digit_stream(scalars: &[Fr], c: usize) -> Vec<u16> {
    let mut out = vec![0u16; stream_words(scalars.len(), c)];
    write_chunk(scalars, c, 0..scalars.len(), &mut out);
    out
}

/// `log2` of the chain length of the card's reduction of the one window (`2^{c−1}` buckets):
/// `msm_reduce::segment_log(1, c, chain_log_depth)` (the register map's `msm_seg_log(1, c)`).
pub fn seg_log(c: usize, chain_log_depth: usize) -> usize {
    segment_log(1, c, chain_log_depth)
}

/// The MSM from the card's chain sums of the one window (`S_q`, `T_q` for chains of
/// `2^seg_log` buckets): `Σ_p (p + 1)·B_p = Σ_q T_q + q·G·S_q` (as `msm_reduce::group_window_sums`
/// with one unspread window, computed in parallel: `Σ_q q·S_q` over blocks `[a, a + len)` of chains
/// as `Σ (q − a)·S_q` by running sums plus `a·Σ S_q`). Chains of one bucket (`seg_log = 0`, the
/// card's plain accumulation) pass their buckets as `S = T = B`.
pub fn combine(sums: &ChainSums, c: usize, seg_log: usize) -> G1Projective {
    let chains = (1usize << (c - 1)) >> seg_log;
    assert!(sums.s.len() == chains && sums.t.len() == chains, "{} + {} chain sums for {chains} chains", sums.s.len(), sums.t.len());
    let zero = || (G1Projective::ZERO, G1Projective::ZERO);
    let (weighted, t_sum) = sums
        .s
        .par_chunks(COMBINE_BLOCK)
        .zip(sums.t.par_chunks(COMBINE_BLOCK))
        .enumerate()
        .map(|(k, (s, t))| {
            // Σ_{j ≥ 1} j·s[j] by running sums from the top, then the block's offset.
            let (mut running, mut acc) = zero();
            for x in s[1..].iter().rev() {
                running += x;
                acc += running;
            }
            let offset = (k * COMBINE_BLOCK) as u64;
            (acc + (running + s[0]) * Fr::from(offset), t.iter().sum::<G1Projective>())
        })
        .reduce(zero, |x, y| (x.0 + y.0, x.1 + y.1));
    let mut acc = weighted;
    for _ in 0..seg_log {
        acc.double_in_place();
    }
    acc + t_sum
}

#[cfg(test)]
mod tests {
    use super::super::msm_reduce::{group_window_sums, CHAIN_LOG_DEPTH};
    use super::super::msm_requests::signed_digits;
    use super::*;
    use ark_ec::{AffineRepr, VariableBaseMSM};
    use ark_ff::{Field, One, UniformRand, Zero};
    use rand::SeedableRng;

    /// Scalars with every kind of carry: 0, 1, 2, r − 1, r − 2, u64::MAX, 2^k around the window
    /// edges, every window exactly 2^{c−1} (a carry passed on across all windows) with a borrow
    /// from below and above, values whose carry ripples into the top window, and random ones.
    fn edge_scalars(c: usize, rng: &mut rand::rngs::StdRng, random: usize) -> Vec<Fr> {
        let two = Fr::from(2u64);
        let mut v = vec![Fr::zero(), Fr::one(), two, -Fr::one(), -two, Fr::from(u64::MAX)];
        v.extend([c - 1, c, 2 * c - 1, 64, 128, 250, 253].map(|k| two.pow([k as u64])));
        let shift = two.pow([c as u64]);
        let mut halves = Fr::zero();
        for _ in 0..precomputed_windows(c) - 1 {
            halves = halves * shift + Fr::from(1u64 << (c - 1));
        }
        v.extend([halves, halves + Fr::one(), halves - Fr::one(), -halves, halves * shift - Fr::one()]);
        // All ones below bit 253 (every window 2^c − 1: a borrow in each, the carry reaches the top).
        v.push(two.pow([253u64]) - Fr::one());
        v.push(two.pow([253u64]) + two.pow([252u64]) - Fr::one());
        v.extend((0..random).map(|_| Fr::rand(rng)));
        v
    }

    fn wire(d: i64) -> u16 {
        d.unsigned_abs() as u16 | if d < 0 { DIGIT_NEG } else { 0 }
    }

    #[test]
    fn edge_scalars_recompose_in_w_windows_whose_top_never_borrows() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x2301);
        assert_eq!((precomputed_windows(15), precomputed_windows(13), precomputed_windows(2)), (17, 20, 128));
        for c in 2..=16 {
            let w = precomputed_windows(c);
            for s in edge_scalars(c, &mut rng, 20) {
                // `signed_digits` asserts that no carry leaves the top window.
                let d = signed_digits(&s, c);
                assert_eq!(d.len(), w);
                let half = 1i64 << (c - 1);
                assert!(d.iter().all(|x| (-half..=half).contains(x)), "c = {c}: {s}");
                let back = d.iter().rev().fold(Fr::zero(), |acc, &x| acc * Fr::from(1u64 << c) + Fr::from(x));
                assert_eq!(back, s, "c = {c}");
            }
        }
    }

    #[test]
    fn digit_stream_equals_the_reference_signed_digits_in_the_wire_format() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x2302);
        for c in [2usize, 3, 5, 8, 11, 12, 13, 14, 15] {
            let scalars = edge_scalars(c, &mut rng, 300);
            let w = precomputed_windows(c);
            let mut want: Vec<u16> = scalars.iter().flat_map(|s| signed_digits(s, c)[..w].iter().map(|&d| wire(d)).collect::<Vec<_>>()).collect();
            want.resize(stream_words(scalars.len(), c), 0);
            assert_eq!(digit_stream(&scalars, c), want, "c = {c}");
            // In chunks (of 1, 7 and more than one write block), every word written (garbage first).
            for chunk in [1usize, 7, WRITE_BLOCK + 3] {
                let mut got = vec![0xdeadu16; want.len()];
                let mut a = 0;
                while a < scalars.len() {
                    let b = (a + chunk).min(scalars.len());
                    let end = if b == scalars.len() { got.len() } else { b * w };
                    write_chunk(&scalars, c, a..b, &mut got[a * w..end]);
                    a = b;
                }
                assert_eq!(got, want, "c = {c}, chunks of {chunk}");
            }
        }
        assert!(digit_stream(&[], 15).is_empty());
    }

    #[test]
    fn the_window_table_equals_ark_ec_scalar_multiplications() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x2303);
        let g = G1Affine::generator();
        let mut bases: Vec<G1Affine> = (0..TABLE_BLOCK + 5).map(|_| G1Affine::rand(&mut rng)).collect();
        bases[0] = G1Affine::zero();
        bases[1] = g;
        bases[2] = -g;
        bases[TABLE_BLOCK] = G1Affine::zero();
        for c in [2usize, 7, 15] {
            let w = precomputed_windows(c);
            let table = window_table(&bases, c);
            assert_eq!(table.len(), bases.len() * w);
            // Every entry of a few bases (both blocks, the edge bases), a seeded sample of the rest.
            let mut check: Vec<usize> = vec![0, 1, 2, 3, TABLE_BLOCK - 1, TABLE_BLOCK, TABLE_BLOCK + 4];
            check.extend((0..20).map(|k| (k * 97 + c) % bases.len()));
            for &i in &check {
                for j in 0..w {
                    let want = (bases[i] * Fr::from(2u64).pow([(c * j) as u64])).into_affine();
                    assert_eq!(table[i * w + j], want, "c = {c}, base {i}, window {j}");
                }
            }
            assert!(table[..w].iter().all(|p| p.is_zero()), "the identity stays the identity");
        }
        assert!(window_table(&[], 15).is_empty());
    }

    /// Table + digit stream + a software accumulation of the one window (the card's job, from the
    /// wire words) + chain sums by their definitions + [`combine`] == `G1Projective::msm`.
    #[test]
    fn table_digits_and_combination_equal_the_msm() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x2304);
        for (n, c) in [(1usize, 3usize), (40, 5), (64, 9), (300, 11), (200, 15)] {
            let mut bases: Vec<G1Affine> = (0..n).map(|_| G1Affine::rand(&mut rng)).collect();
            let mut scalars = edge_scalars(c, &mut rng, n);
            scalars.truncate(n);
            if n >= 12 {
                bases[3] = G1Affine::zero();
                bases[5] = bases[4];
                scalars[5] = scalars[4];
                bases[7] = -bases[6];
                scalars[7] = scalars[6];
            }
            let want = G1Projective::msm(&bases, &scalars).unwrap().into_affine();
            let (w, half) = (precomputed_windows(c), 1usize << (c - 1));
            let table = window_table(&bases, c);
            let stream = digit_stream(&scalars, c);
            let mut buckets = vec![G1Projective::zero(); half];
            for (k, &d) in stream[..n * w].iter().enumerate() {
                let mag = (d & !DIGIT_NEG) as usize;
                if mag != 0 {
                    buckets[mag - 1] += if d & DIGIT_NEG != 0 { -table[k] } else { table[k] };
                }
            }
            assert!(stream[n * w..].iter().all(|&d| d == 0), "padding");
            for g in [0, seg_log(c, CHAIN_LOG_DEPTH), c - 1] {
                let mut sums = ChainSums::default();
                for chain in buckets.chunks(1 << g) {
                    sums.s.push(chain.iter().sum());
                    sums.t.push(chain.iter().enumerate().map(|(j, b)| *b * Fr::from(j as u64 + 1)).sum());
                }
                assert_eq!(combine(&sums, c, g).into_affine(), want, "n = {n}, c = {c}, chains of 2^{g}");
                assert_eq!(combine(&sums, c, g), group_window_sums(g, &[half], &sums, c)[0], "n = {n}, c = {c}: as msm_reduce combines one window");
            }
            // A prefix of the bases: the first n'·W table entries and the first n' scalars.
            let m = n / 2;
            let prefix = digit_stream(&scalars[..m], c);
            assert_eq!(&prefix[..m * w], &stream[..m * w]);
            let mut buckets = vec![G1Projective::zero(); half];
            for (k, &d) in prefix[..m * w].iter().enumerate() {
                let mag = (d & !DIGIT_NEG) as usize;
                if mag != 0 {
                    buckets[mag - 1] += if d & DIGIT_NEG != 0 { -table[k] } else { table[k] };
                }
            }
            let sums = ChainSums { s: buckets.clone(), t: buckets };
            assert_eq!(combine(&sums, c, 0), G1Projective::msm(&bases[..m], &scalars[..m]).unwrap(), "prefix of {m}");
        }
        // All scalars zero: every digit 0, the identity.
        assert!(digit_stream(&[Fr::zero(); 33], 10).iter().all(|&d| d == 0));
        assert_eq!(seg_log(15, CHAIN_LOG_DEPTH), 5);
    }
}
