//! The MSM over **precomputed windows** (fixed-base precomputation, issue 23): the bases of an MSM
//! are fixed (the KZG SRS) and resident in card memory, so card memory can hold, for each base
//! `P_i`, shifted copies of it. With `W` signed `c`-bit digits `d_{i,j}` per scalar and tables
//! entries of `k` windows each (`E = ⌈W/k⌉` entries per base), entry `i·E + t` is
//! `2^{k·c·t}·P_i`, **point-major** ([`window_table`]), and
//! `Σ_i s_i·P_i = Σ_{i,t} Σ_{s<k} 2^{c·s}·d_{i,k·t+s}·(2^{k·c·t}·P_i)`: an MSM over `n` points is
//! **one window group of `k` windows** over the `n·E` table entries, every window `s` a bucket set
//! shared by all entries. The digit stream is the `n × E·k` signed-digit matrix, point-major
//! ([`write_chunk`]: each base's `W` digits, then `E·k − W` zero digits) — the layout of an
//! ordinary window group with `MsmPoints = n·E`, `MsmWindows = k` (`docs/interfaces.md` §5; no
//! register or RTL change). The card reduces its `k` windows once (`2·2^{c−1}` additions per
//! window, not per window of the scalar), and the host combines `k` windows ([`combine`]: `k − 1`
//! Horner steps, not `W − 1`). An MSM of a prefix of `n' ≤ n` bases uses the first `n'·E` entries.
//!
//! * `k = 1` (the one-unit card): one window, one reduction, one card-memory read per digit.
//! * `k = 2` (the two-unit card, `zkaccel_hdl::card::dual`): the units split a group's windows by
//!   parity, so each entry's two digits go one to each unit, a digit pair per cycle and one
//!   card-memory read per pair, and each unit reduces one window.
//! * `k = 3` or `6` (the three-unit card, `zkaccel_hdl::card::triple`): each entry's digits go in
//!   triples, one digit of a triple to each unit, one card-memory read per entry. The card takes a
//!   triple from slots `4m..4m+2` of a beat, so when `3 | k` the digits sit in **padded triples**
//!   (digit `j` of a base in slot `(j / 3)·4 + j mod 3`, every fourth slot 0: [`entry_slots`]) and
//!   no triple straddles a 16-slot beat.
//!
//! **`c = 16`** ([`MAX_PRECOMPUTED_C`]): the card's digit format carries `|d| ≤ 2^15 − 1` (a 15-bit
//! bucket number plus one), while a signed 16-bit digit can be `+2^15` (the raw window plus the
//! carry is exactly `2^15`; about one digit in `2^16`). The writer puts a 0 digit on the card for
//! it and reports it ([`WideDigit`]); the host adds `2^15·2^{16·j}·P_i` for each
//! ([`wide_digits_sum`], from the plain bases). With `W = 16` at `c = 16` (`15·17 = 255` bits at
//! `c = 15`), the card's cycles drop by one window in 17.
//!
//! Costs: card memory `E×` the bases (`2^20` bases, `c = 16`, `k = 2`: `8·2^20` points, 0.54 GB at
//! 64 B); one card-memory point read per entry; the table is computed once per base set (`W·c`
//! doublings per base, normalised in batches), not per MSM.
//!
//! `W` = [`precomputed_windows`]`(c) = ⌈(254 + 1)/c⌉`: for a scalar `s < r < 2^254` the top
//! window's raw value is below `2^{254 − c(W−1)} ≤ 2^{c−1}`, so with its carry-in it never
//! borrows and the signed digits of `msm_requests::signed_digits` above window `W − 1` are zero
//! (the same count as `msm_requests::windows`).

use super::msm_reduce::{group_window_sums, horner, segment_log, ChainSums};
use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, CurveGroup};
use ark_ff::PrimeField;
use rayon::prelude::*;
use std::ops::Range;
use zkaccel_interface::regs::{DIGITS_PER_BEAT, DIGIT_NEG};

/// Largest window size of this layout: the one digit value the format cannot carry at `c = 16`
/// (`+2^15`) is added by the host ([`WideDigit`]).
pub const MAX_PRECOMPUTED_C: usize = 16;

/// Bases per task when computing the table (one batch normalisation each).
const TABLE_BLOCK: usize = 256;
/// Points per task when writing digits.
const WRITE_BLOCK: usize = 1024;

/// Windows of the precomputed layout for window size `c`: `⌈(254 + 1)/c⌉` (see the module docs).
pub fn precomputed_windows(c: usize) -> usize {
    super::msm_requests::windows(c)
}

/// Table entries per base with `k` windows per entry: `⌈W/k⌉`.
pub fn entries_per_base(c: usize, k: usize) -> usize {
    assert!(k >= 1, "at least one window per entry");
    precomputed_windows(c).div_ceil(k)
}

/// The table: entry `i·E + t` is `2^{k·c·t}·bases[i]` in affine form (`E` =
/// [`entries_per_base`]`(c, k)`; the identity stays the identity). `k·c` doublings per entry in
/// projective form, normalised in one batch inversion per block of bases; blocks in parallel.
pub fn window_table(bases: &[G1Affine], c: usize, k: usize) -> Vec<G1Affine> {
    let e = entries_per_base(c, k);
    let mut table = vec![G1Affine::default(); bases.len() * e];
    table.par_chunks_mut(TABLE_BLOCK * e).zip(bases.par_chunks(TABLE_BLOCK)).for_each(|(out, bs)| {
        let mut shifts = Vec::with_capacity(bs.len() * e);
        for b in bs {
            let mut p = G1Projective::from(*b);
            for t in 0..e {
                if t > 0 {
                    for _ in 0..k * c {
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

/// Digit slots per table entry in the stream: `k` for `k` a divisor of the 16 slots of a beat
/// (digit `s` of an entry in slot `s`: the one- and two-unit cards), `4k/3` when `3 | k` (padded
/// triples for the three-unit card: digit `s` in slot `(s / 3)·4 + s mod 3`, every fourth slot 0).
pub fn entry_slots(k: usize) -> usize {
    if k.is_multiple_of(3) && k <= 12 {
        4 * k / 3
    } else {
        assert!(k >= 1 && 16 % k == 0, "{k} windows per entry: a divisor of 16, or a multiple of 3 up to 12");
        k
    }
}

/// Digit slots per base in the stream: `E·`[`entry_slots`]`(k)` (digit `j < W` of the base in slot
/// `j`, or `(j / 3)·4 + j mod 3` when `3 | k`; zeros elsewhere).
pub fn slots_per_base(c: usize, k: usize) -> usize {
    entries_per_base(c, k) * entry_slots(k)
}

/// 16-bit words of the digit stream of an MSM over `n` points (`n·E·k` digits, padded to a full
/// beat of [`DIGITS_PER_BEAT`]).
pub fn stream_words(n: usize, c: usize, k: usize) -> usize {
    (n * slots_per_base(c, k)).next_multiple_of(DIGITS_PER_BEAT)
}

/// A digit the card's format cannot carry (`+2^15` at `c = 16`, see the module docs): written as
/// 0 on the card; the host adds `2^{c−1}·2^{c·window}·bases[base]` ([`wide_digits_sum`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WideDigit {
    /// Index of the base (and scalar).
    pub base: usize,
    /// Window of the scalar (`0..W`).
    pub window: usize,
}

/// The digits of `scalars[points]` into `out = stream[points.start·S .. points.end·S]` (`S` =
/// [`slots_per_base`]), or up
/// to the end of the stream (`stream_words(scalars.len(), c, k)`) when `points.end` is the last
/// point (the padding written as zero digits). The digit of window `j < W` of `scalars[i]` is the
/// signed `c`-bit digit `d` in the card's format (`DIGIT_FORMAT`: `|d|` = bucket +
/// 1 in bits 0..15, bit 15 the sign, 0 = no addition), in slot `j` of point `i`, or
/// `(j / 3)·4 + j mod 3` when `3 | k` ([`entry_slots`]); the other slots are 0. Returns the digits the
/// format cannot carry (only at `c = 16`; written as 0), in order of points. One conversion from
/// Montgomery form per scalar; parallel over blocks of points; allocates only for those digits.
pub fn write_chunk(scalars: &[Fr], c: usize, k: usize, points: Range<usize>, out: &mut [u16]) -> Vec<WideDigit> {
    assert!((2..=MAX_PRECOMPUTED_C).contains(&c), "window size {c} out of range 2..={MAX_PRECOMPUTED_C} of the precomputed layout");
    let (n, slots) = (scalars.len(), slots_per_base(c, k));
    assert!(points.start <= points.end && points.end <= n, "points {points:?} of {n}");
    let end = if points.end == n { stream_words(n, c, k) } else { points.end * slots };
    assert_eq!(out.len(), end - points.start * slots, "chunk {points:?}: output length");
    let first = points.start;
    let (body, pad) = out.split_at_mut(points.len() * slots);
    pad.fill(0);
    macro_rules! by_c {
        ($($k:literal)*) => {
            match c {
                $($k => body
                    .par_chunks_mut(slots * WRITE_BLOCK)
                    .zip(scalars[points].par_chunks(WRITE_BLOCK))
                    .enumerate()
                    .map(|(b, (out, ss))| {
                        let mut wide = Vec::new();
                        write_block::<$k>(ss, out, slots, k, first + b * WRITE_BLOCK, &mut wide);
                        wide
                    })
                    .reduce(Vec::new, |mut a, b| {
                        a.extend(b);
                        a
                    }),)*
                _ => unreachable!("c = {c} checked above"),
            }
        };
    }
    by_c!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
}

/// `K_C = Σ_{j<W} (2^{C−1} − 1)·2^{C·j}` in five limbs. The signed digits `d_j ∈ (−2^{C−1}, 2^{C−1}]`
/// of `s` are exactly the `C`-bit fields `e_j` of `s + K_C` minus `2^{C−1} − 1`: both are the unique
/// representation of `s` with `W` digits from those `2^C` consecutive values, and `s + K_C < 2^{C·W}`
/// (`s < 2^254 ≤ 2^{C·W−1}`, `K_C < 2^{C·W−1}`), so no carry leaves the top field. One 320-bit
/// addition replaces the carry chain of the digit-by-digit recoding, and the fields are independent.
fn recoding_offset<const C: usize>() -> [u64; 5] {
    let w = (Fr::MODULUS_BIT_SIZE as usize + 1).div_ceil(C);
    let mut k = [0u64; 5];
    for j in 0..w {
        let (v, pos) = ((1u64 << (C - 1)) - 1, j * C);
        let (q, sh) = (pos >> 6, pos & 63);
        k[q] |= v << sh;
        if sh + C > 64 {
            k[q + 1] |= v >> (64 - sh);
        }
    }
    k
}

/// The digits of `scalars` into `out` (`slots` per scalar, `W` digits then zeros; then spread to
/// padded triples when `3 | per_entry`, [`entry_slots`]) for a window
/// size known at compile time: `s + K_C` ([`recoding_offset`]), then each digit is its field minus
/// `2^{C−1} − 1` in the card's format (sign bit, magnitude), independently of the others; at
/// `C = 16` the fields are the sixteen 16-bit lanes of the sum. Digits `+2^15` at `C = 16` go to
/// `wide` (point indices from `first`) and are written as 0.
#[inline(always)]
fn write_block<const C: usize>(scalars: &[Fr], out: &mut [u16], slots: usize, per_entry: usize, first: usize, wide: &mut Vec<WideDigit>) {
    let w = (Fr::MODULUS_BIT_SIZE as usize + 1).div_ceil(C);
    let k = recoding_offset::<C>();
    let h = ((1u64 << (C - 1)) - 1) as u16;
    let mask = (1u64 << C) - 1;
    for (i, (o, s)) in out.chunks_exact_mut(slots).zip(scalars).enumerate() {
        let l = s.into_bigint().0;
        let mut t = [0u64; 6];
        let mut carry = false;
        for q in 0..5 {
            let a = if q < 4 { l[q] } else { 0 };
            let (x, c1) = a.overflowing_add(k[q]);
            let (x, c2) = x.overflowing_add(carry as u64);
            t[q] = x;
            carry = c1 | c2;
        }
        let (digits, zeros) = o.split_at_mut(w);
        if C == MAX_PRECOMPUTED_C {
            // Sixteen aligned 16-bit fields: lane j of the four low limbs.
            let mut wide_here = false;
            for (j, o) in digits.iter_mut().enumerate() {
                let e = (t[j >> 2] >> ((j & 3) * 16)) as u16;
                wide_here |= e == u16::MAX;
                *o = if e < h { (h - e) | DIGIT_NEG } else { e - h };
            }
            if wide_here {
                // +2^15 (a field of all ones): beyond the 15-bit bucket number; the host adds it.
                for (j, o) in digits.iter_mut().enumerate() {
                    if (t[j >> 2] >> ((j & 3) * 16)) as u16 == u16::MAX {
                        wide.push(WideDigit { base: first + i, window: j });
                        *o = 0;
                    }
                }
            }
        } else {
            for (j, o) in digits.iter_mut().enumerate() {
                let pos = j * C;
                let (q, sh) = (pos >> 6, pos & 63);
                let x = if sh == 0 { t[q] } else { (t[q] >> sh) | (t[q + 1] << (64 - sh)) };
                let e = (x & mask) as u16;
                // A digit 0 (e = h) is written as 0, never as a negative zero.
                *o = if e < h { (h - e) | DIGIT_NEG } else { e - h };
            }
        }
        zeros.fill(0);
        if per_entry.is_multiple_of(3) {
            // Padded triples, spread in place from the top (digit j moves to (j / 3)·4 + j mod 3
            // ≥ j), then the slots no digit went to zeroed: every fourth, and those of the last
            // entry's windows beyond W.
            for j in (0..w).rev() {
                o[(j / 3) * 4 + j % 3] = o[j];
            }
            for m in 0..slots / 4 {
                o[4 * m + 3] = 0;
            }
            for j in w..slots / 4 * 3 {
                o[(j / 3) * 4 + j % 3] = 0;
            }
        }
    }
}

/// The whole digit stream of an MSM over `scalars` (as [`write_chunk`] over all points), with the
/// digits the host adds.
pub fn digit_stream(scalars: &[Fr], c: usize, k: usize) -> (Vec<u16>, Vec<WideDigit>) {
    let mut out = vec![0u16; stream_words(scalars.len(), c, k)];
    let wide = write_chunk(scalars, c, k, 0..scalars.len(), &mut out);
    (out, wide)
}

/// `Σ 2^{c−1}·2^{c·window}·bases[base]` over `wide` (the digits the card did not take): the
/// points summed per window, then Horner over the windows (`c` doublings each) and `c − 1`
/// doublings. The identity when `wide` is empty.
pub fn wide_digits_sum(bases: &[G1Affine], wide: &[WideDigit], c: usize) -> G1Projective {
    let Some(top) = wide.iter().map(|d| d.window).max() else {
        return G1Projective::ZERO;
    };
    let mut per_window = vec![G1Projective::ZERO; top + 1];
    for d in wide {
        per_window[d.window] += bases[d.base];
    }
    let mut acc = G1Projective::ZERO;
    for x in per_window.iter().rev() {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc += x;
    }
    for _ in 0..c - 1 {
        acc.double_in_place();
    }
    acc
}

/// `log2` of the chain length of the card's reduction of `windows_per_unit` windows of
/// `2^{c−1}` buckets on each MSM unit: `msm_reduce::segment_log(windows_per_unit, c,
/// chain_log_depth)` (the register map's `msm_seg_log`).
pub fn seg_log(windows_per_unit: usize, c: usize, chain_log_depth: usize) -> usize {
    segment_log(windows_per_unit, c, chain_log_depth)
}

/// The MSM from the card's chain sums of the `k` windows (`S_q`, `T_q` for chains of
/// `2^seg_log` buckets, window after window: `2^{c−1−seg_log}` chains each): the windows of an
/// ordinary group of `k` unspread windows (`msm_reduce::group_window_sums`, every window's
/// `Σ_p (p + 1)·B_p = Σ_q T_q + q·G·S_q`, in parallel), then `msm_reduce::horner`.
pub fn combine(sums: &ChainSums, c: usize, seg_log: usize, k: usize) -> G1Projective {
    let chains = (1usize << (c - 1)) >> seg_log;
    assert!(sums.s.len() == k * chains && sums.t.len() == k * chains, "{} + {} chain sums for {k} windows of {chains} chains", sums.s.len(), sums.t.len());
    horner(&group_window_sums(seg_log, &vec![1 << (c - 1); k], sums, c), c)
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

    fn wire(d: i64) -> u16 {
        d.unsigned_abs() as u16 | if d < 0 { DIGIT_NEG } else { 0 }
    }

    /// The reference stream from `signed_digits`: per scalar its `E·k` digits in the wire format
    /// (`+2^15` at `c = 16` as 0, listed; zeros beyond `W`), a zero after every third when `3 | k`,
    /// then the beat's padding.
    fn reference_stream(scalars: &[Fr], c: usize, k: usize) -> (Vec<u16>, Vec<WideDigit>) {
        let (w, e) = (precomputed_windows(c), entries_per_base(c, k));
        let ks = match k {
            3 => 4,
            6 => 8,
            _ => k,
        };
        assert_eq!(slots_per_base(c, k), ks * e, "{k} windows per entry in {ks} slots");
        let (mut words, mut wide) = (Vec::new(), Vec::new());
        for (i, s) in scalars.iter().enumerate() {
            let digits = signed_digits(s, c);
            for j in 0..e * k {
                let d = if j < w { digits[j] } else { 0 };
                if d == 1 << 15 {
                    wide.push(WideDigit { base: i, window: j });
                    words.push(0);
                } else {
                    words.push(wire(d));
                }
                // A triple's fourth slot when 3 | k.
                if ks != k && j % 3 == 2 {
                    words.push(0);
                }
            }
        }
        words.resize(stream_words(scalars.len(), c, k), 0);
        (words, wide)
    }

    #[test]
    fn digit_stream_equals_the_reference_signed_digits_in_the_wire_format() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x2302);
        for c in 2usize..=16 {
            let scalars = edge_scalars(c, &mut rng, 300);
            for k in [1usize, 2, 3, 4, 6, 8] {
                let slots = slots_per_base(c, k);
                let (want, want_wide) = reference_stream(&scalars, c, k);
                // Only c = 16 has digits the format cannot carry, and its edge scalars do.
                assert_eq!(want_wide.is_empty(), c < 16, "c = {c}");
                assert_eq!(digit_stream(&scalars, c, k), (want.clone(), want_wide.clone()), "c = {c}, k = {k}");
                // In chunks (of 1, 7 and more than one write block), every word written (garbage first).
                for chunk in [1usize, 7, WRITE_BLOCK + 3] {
                    let mut got = vec![0xdeadu16; want.len()];
                    let mut wide = Vec::new();
                    let mut a = 0;
                    while a < scalars.len() {
                        let b = (a + chunk).min(scalars.len());
                        let end = if b == scalars.len() { got.len() } else { b * slots };
                        wide.extend(write_chunk(&scalars, c, k, a..b, &mut got[a * slots..end]));
                        a = b;
                    }
                    assert_eq!((got, wide), (want.clone(), want_wide.clone()), "c = {c}, k = {k}, chunks of {chunk}");
                }
            }
        }
        assert!(digit_stream(&[], 15, 2).0.is_empty());
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
        assert_eq!((entries_per_base(16, 2), entries_per_base(15, 2), entries_per_base(15, 1), entries_per_base(16, 3)), (8, 9, 17, 6));
        for (c, k) in [(2usize, 1usize), (7, 1), (15, 1), (7, 2), (16, 2), (5, 3)] {
            let e = entries_per_base(c, k);
            let table = window_table(&bases, c, k);
            assert_eq!(table.len(), bases.len() * e);
            // Every entry of a few bases (both blocks, the edge bases), a seeded sample of the rest.
            let mut check: Vec<usize> = vec![0, 1, 2, 3, TABLE_BLOCK - 1, TABLE_BLOCK, TABLE_BLOCK + 4];
            check.extend((0..20).map(|x| (x * 97 + c) % bases.len()));
            for &i in &check {
                for t in 0..e {
                    let want = (bases[i] * Fr::from(2u64).pow([(k * c * t) as u64])).into_affine();
                    assert_eq!(table[i * e + t], want, "c = {c}, k = {k}, base {i}, entry {t}");
                }
            }
            assert!(table[..e].iter().all(|p| p.is_zero()), "the identity stays the identity");
        }
        assert!(window_table(&[], 15, 1).is_empty());
    }

    /// Table + digit stream + a software accumulation of the `k` windows (the card's job, from the
    /// wire words) + chain sums by their definitions + [`combine`] + the host's wide digits ==
    /// `G1Projective::msm`.
    #[test]
    fn table_digits_and_combination_equal_the_msm() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x2304);
        for (n, c, k) in [
            (1usize, 3usize, 1usize),
            (40, 5, 1),
            (64, 9, 2),
            (300, 11, 1),
            (300, 11, 2),
            (200, 15, 1),
            (90, 8, 4),
            (200, 16, 2),
            (150, 16, 1),
            (33, 7, 3),
            (40, 9, 6),
            (120, 16, 3),
        ] {
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
            let (e, half, ks) = (entries_per_base(c, k), 1usize << (c - 1), entry_slots(k));
            let table = window_table(&bases, c, k);
            // The card's k windows over the n·E entries: window s of entry x is slot s of its digits.
            let accumulate = |stream: &[u16], entries: usize| {
                let mut buckets = vec![vec![G1Projective::zero(); half]; k];
                for x in 0..entries {
                    for (s, b) in buckets.iter_mut().enumerate() {
                        let d = stream[x * ks + if k % 3 == 0 { s / 3 * 4 + s % 3 } else { s }];
                        let mag = (d & !DIGIT_NEG) as usize;
                        if mag != 0 {
                            b[mag - 1] += if d & DIGIT_NEG != 0 { -table[x] } else { table[x] };
                        }
                    }
                }
                buckets
            };
            let (stream, wide) = digit_stream(&scalars, c, k);
            assert_eq!(!wide.is_empty(), c == 16 && n > 100, "n = {n}, c = {c}: the edge scalars reach +2^15 at c = 16");
            let buckets = accumulate(&stream, n * e);
            assert!(stream[n * e * ks..].iter().all(|&d| d == 0), "padding");
            if k % 3 == 0 {
                assert!(stream.iter().skip(3).step_by(4).all(|&d| d == 0), "every triple's fourth slot");
            }
            let extra = wide_digits_sum(&bases, &wide, c);
            for g in [0, seg_log(k, c, CHAIN_LOG_DEPTH), c - 1] {
                let mut sums = ChainSums::default();
                for window in &buckets {
                    for chain in window.chunks(1 << g) {
                        sums.s.push(chain.iter().sum());
                        sums.t.push(chain.iter().enumerate().filter(|(_, b)| !b.is_zero()).map(|(j, b)| *b * Fr::from(j as u64 + 1)).sum());
                    }
                }
                assert_eq!((combine(&sums, c, g, k) + extra).into_affine(), want, "n = {n}, c = {c}, k = {k}, chains of 2^{g}");
                if k == 1 {
                    assert_eq!(combine(&sums, c, g, 1), group_window_sums(g, &[half], &sums, c)[0], "n = {n}, c = {c}: as msm_reduce combines one window");
                }
            }
            // A prefix of the bases: the first n'·E table entries and the first n' scalars.
            let m = n / 2;
            let (prefix, prefix_wide) = digit_stream(&scalars[..m], c, k);
            assert_eq!(&prefix[..m * e * ks], &stream[..m * e * ks]);
            let mut sums = ChainSums::default();
            for window in accumulate(&prefix, m * e) {
                for b in window {
                    sums.s.push(b);
                    sums.t.push(b);
                }
            }
            let got = combine(&sums, c, 0, k) + wide_digits_sum(&bases, &prefix_wide, c);
            assert_eq!(got, G1Projective::msm(&bases[..m], &scalars[..m]).unwrap(), "prefix of {m}");
        }
        // All scalars zero: every digit 0, the identity.
        let (zeros, wide) = digit_stream(&[Fr::zero(); 33], 16, 2);
        assert!(zeros.iter().all(|&d| d == 0) && wide.is_empty());
        assert_eq!((seg_log(1, 15, CHAIN_LOG_DEPTH), seg_log(1, 16, CHAIN_LOG_DEPTH), seg_log(2, 16, CHAIN_LOG_DEPTH)), (5, 6, 7));
    }

    /// The host's share at `c = 16`: `Σ 2^15·2^{16·j}·P_i` over the listed digits, against scalar
    /// multiplications; nothing listed is the identity.
    #[test]
    fn wide_digits_sum_equals_scalar_multiplications() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x2305);
        let bases: Vec<G1Affine> = (0..10).map(|_| G1Affine::rand(&mut rng)).collect();
        let wide = [(0usize, 0usize), (3, 14), (3, 2), (9, 0), (0, 14), (5, 7)].map(|(base, window)| WideDigit { base, window });
        let want: G1Projective = wide.iter().map(|d| bases[d.base] * Fr::from(2u64).pow([(15 + 16 * d.window) as u64])).sum();
        assert_eq!(wide_digits_sum(&bases, &wide, 16), want);
        assert_eq!(wide_digits_sum(&bases, &[], 16), G1Projective::zero());
    }
}
