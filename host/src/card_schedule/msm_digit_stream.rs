//! The MSM's digit streams for the on-card reduction, written **straight into the card's wire
//! words** in chunks of points, so that the host can prepare chunk `k + 1` while the card
//! accumulates chunk `k` (issue 23). The words are those of [`super::msm_reduce::plan_reduced`]
//! (same groups, chain lengths, power-of-two strides and spread bucket numbers) in the card's
//! digit format (`zkaccel_interface::regs::DIGIT_FORMAT`: 16-bit sign-magnitude digits, sixteen
//! per 256-bit beat, point-major per group, the last beat padded with zero digits).
//!
//! In the card's order:
//!
//! 1. [`DigitStreams::new`] — the groups' shapes (windows, chain lengths); no data yet.
//! 2. [`DigitStreams::plan_group`] — a group's strides, which need the largest `|digit|` of each
//!    of its windows over all scalars. A window is settled as soon as no further scalar can
//!    change its stride: once it has a nonzero digit and its stride is already that of the
//!    largest `|digit|` any scalar below `r` can give it (`2^{c−1}` in a full window, so the first
//!    digit above `2^{c−2}` settles it; the top window's bits of `r` in the narrow top window; 0 in
//!    a window above bit 254). The scan of the first scalars settles every window of random
//!    scalars, and only the windows still open (the top windows of small scalars, say) are
//!    followed over every scalar, in parallel, converting the scalars on the way.
//! 3. [`DigitStreams::write_group`] — a group's words in stream order, blocks of points handed
//!    to the threads one after the other (so the stream's start fills at the speed of all of
//!    them), converting the scalars not yet converted on the way; or [`DigitStreams::convert`]
//!    and [`DigitStreams::write_chunk`] — the canonical limbs of a chunk of scalars (kept for the
//!    later groups), then the words of points `a..b` of one group, in parallel. Neither
//!    allocates for the words. A window's carry-in is found from the window below (a window
//!    whose raw value is exactly `2^{c−1}` passes its own carry-in on), so a group's digits need
//!    neither the lower groups' digits nor a second conversion.
//!
//! [`DigitStreams::prepare`] does 1–3's planning for all groups at once.
//!
//! **Two MSM units** ([`DigitStreams::new_units`], `units = 2`; `zkaccel_hdl::card::dual`): the
//! card splits a group's windows by parity (window `w` on unit `w mod 2`, local window `w >> 1`),
//! each unit with its own bucket memory, so a group holds twice the windows, its window count must
//! be even, and the chains are cut per unit (`segment_log` of the unit's `W/2` windows). The MSM's
//! window count is rounded up to even with a **zero window** on top (window `windows(c)`, at or
//! above bit 255: its raw value is 0 and the carry out of the top window is 0, so every digit
//! there is 0 and its window sum the identity; Horner over it is unchanged). The stream format is the one-unit card's.
//!
//! **Narrow scalars** ([`DigitStreams::new_signed`], [`signed_limbs`]): a zkML proof commits to
//! columns of quantized values, `v` or `r − |v|` for small `|v|`, whose canonical form is as wide as
//! any scalar. In the **signed form** a scalar is `±|v|` with `v` its representative in
//! `(−r/2, r/2]`: its limbs hold `|v|` with the sign in bit 255 (above every window a signed
//! stream reads), its digits are those of `|v|` with the sign flipped when `v < 0`
//! (`(−|v|)·P = Σ_w (−d_w)·2^{c·w}·P`). With `|v| < 2^bits` for every scalar of the MSM, the stream
//! needs `⌈(bits + 1)/c⌉` windows instead of `⌈255/c⌉` (the same argument: the top window holds at
//! most `c − 1` bits and never borrows): fewer digits, fewer groups, fewer answers to decode and
//! combine. Used up to [`MAX_SIGNED_BITS`].

use super::msm_reduce::segment_log;
use super::msm_requests::windows_per_group;
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use zkaccel_interface::regs::{DIGITS_PER_BEAT, DIGIT_NEG};

/// The canonical (non-Montgomery) 64-bit limbs of a scalar, least significant first.
pub type Limbs = [u64; 4];

/// Largest window size the 16-bit digit format carries: bucket numbers up to `2^{c−1}` must stay
/// below the sign bit.
pub const MAX_STREAM_C: usize = 15;

/// Bit width of canonical scalars (`s < r < 2^254`): the width of a stream in the canonical form.
pub const FULL_BITS: usize = Fr::MODULUS_BIT_SIZE as usize;

/// Largest width of a stream in the signed form (see the module docs): its windows, the two-unit
/// card's zero window included (`⌈(bits + 1)/c⌉ + 1` windows of at most 15 bits), stay below
/// bit 255, where the limbs keep the sign.
pub const MAX_SIGNED_BITS: usize = 192;

/// The sign of a scalar in the signed form: bit 255 of its limbs (`limbs[3]`'s top bit).
const SIGN: u64 = 1 << 63;

/// Windows of a stream whose scalars are below `2^bits` (`bits = FULL_BITS`: every `s < r`):
/// `⌈(bits + 1)/c⌉` (= `msm_requests::windows(c)` for the canonical form).
pub fn windows_for_bits(bits: usize, c: usize) -> usize {
    (bits + 1).div_ceil(c)
}

/// The limbs of `s` in the signed form: `|v|` and the sign in bit 255, `v` the representative of
/// `s` in `(−r/2, r/2]`.
#[inline]
pub fn signed_limbs_of(s: &Fr) -> Limbs {
    let l = s.into_bigint();
    if l > Fr::MODULUS_MINUS_ONE_DIV_TWO {
        let mut m = Fr::MODULUS;
        m.sub_with_borrow(&l);
        let mut out = m.0;
        out[3] |= SIGN;
        out
    } else {
        l.0
    }
}

/// The limbs of `s` in a stream's form: signed ([`signed_limbs_of`]) or canonical.
#[inline]
fn limbs_in_form(s: &Fr, signed: bool) -> Limbs {
    if signed {
        signed_limbs_of(s)
    } else {
        s.into_bigint().0
    }
}

/// Bit length of a signed-form scalar's `|v|`.
#[inline]
fn signed_width(l: &Limbs) -> usize {
    let m = [l[0], l[1], l[2], l[3] & !SIGN];
    (0..4).rev().find(|&q| m[q] != 0).map_or(0, |q| 64 * q + 64 - m[q].leading_zeros() as usize)
}

/// The scalars in the signed form into `limbs` (same length) and the largest bit length of their
/// `|v|`, when it is at most `max_bits`; `None` as soon as a scalar is wider (the first
/// [`PREFIX_SCALARS`] are looked at one by one, so an MSM of full-width scalars costs a few
/// conversions, not a pass). `limbs` then holds garbage for the canonical form: convert again.
pub fn signed_limbs(scalars: &[Fr], limbs: &mut [Limbs], max_bits: usize) -> Option<usize> {
    assert_eq!(scalars.len(), limbs.len(), "one limb buffer entry per scalar");
    let head = scalars.len().min(PREFIX_SCALARS);
    let mut bits = 0;
    for (l, s) in limbs[..head].iter_mut().zip(&scalars[..head]) {
        *l = signed_limbs_of(s);
        bits = bits.max(signed_width(l));
        if bits > max_bits {
            return None;
        }
    }
    let rest = limbs[head..]
        .par_chunks_mut(SCAN_MIN_LEN)
        .zip(scalars[head..].par_chunks(SCAN_MIN_LEN))
        .map(|(ls, ss)| {
            let mut bits = 0;
            for (l, s) in ls.iter_mut().zip(ss) {
                *l = signed_limbs_of(s);
                bits = bits.max(signed_width(l));
            }
            bits
        })
        .max()
        .unwrap_or(0);
    Some(bits.max(rest)).filter(|&b| b <= max_bits)
}

/// Scalars scanned one by one before the windows still open are followed over every scalar.
const PREFIX_SCALARS: usize = 64;
/// Scalars per task of the full scan and of the conversion.
const SCAN_MIN_LEN: usize = 2048;
/// Points per task when writing a chunk's words.
pub const WRITE_BLOCK: usize = 256;

/// One window group of the stream: what the card is told (`windows`, `c`; `seg_log` follows from
/// them on both sides) and what the host's combination needs (`strides`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamGroup {
    /// Index of the group's first window in the MSM.
    pub first: usize,
    /// Windows in the group.
    pub windows: usize,
    /// `log2 G`, buckets per chain.
    pub seg_log: usize,
    /// Per window: the replica stride (as [`super::msm_reduce::ReduceGroup::strides`]); empty
    /// until [`DigitStreams::plan_group`].
    pub strides: Vec<usize>,
    /// Per window: `R − 1` (a mask, `R = 2^{c−1}/stride` replicas) and `log2 stride`.
    spread: Vec<(usize, u32)>,
}

/// The digit streams of one MSM: its groups, ready to be written chunk by chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigitStreams {
    /// Window size.
    pub c: usize,
    /// Points (scalars) in the MSM.
    pub n: usize,
    /// Width of the scalars: [`FULL_BITS`] for the canonical form, else the signed form with
    /// `|v| < 2^bits` (see the module docs).
    pub bits: usize,
    /// The window groups, in the order the card runs them.
    pub groups: Vec<StreamGroup>,
}

/// Raw `c`-bit value of window `w` (bits `w·c .. w·c + c`, zero above bit 255).
#[inline]
fn raw(l: &Limbs, w: usize, c: usize) -> u64 {
    let pos = w * c;
    let (i, sh) = (pos / 64, pos % 64);
    let mut v = if i < 4 { l[i] >> sh } else { 0 };
    if sh != 0 && i + 1 < 4 {
        v |= l[i + 1] << (64 - sh);
    }
    v & ((1u64 << c) - 1)
}

/// The carry into window `w` of the signed-digit recoding (a window borrows when its value plus
/// its carry-in exceeds `2^{c−1}`): decided by the first window below `w` whose raw value is not
/// exactly `2^{c−1}`.
#[inline]
fn carry_in(l: &Limbs, w: usize, c: usize) -> u64 {
    let half = 1u64 << (c - 1);
    for k in (0..w).rev() {
        let v = raw(l, k, c);
        if v != half {
            return (v > half) as u64;
        }
    }
    0
}

/// `|digit|` of window `w`.
#[inline]
fn magnitude(l: &Limbs, w: usize, c: usize) -> u64 {
    let v = raw(l, w, c) + carry_in(l, w, c);
    if v > 1u64 << (c - 1) {
        (1u64 << c) - v
    } else {
        v
    }
}

/// The replica stride of a window whose largest `|digit|` is `m`, with chains of `2^seg_log`
/// buckets: `2^{c−1}` when the window is empty, else `m` rounded up to a power of two, at least a
/// chain and at most the window (as [`super::msm_reduce::plan_reduced`]'s).
#[inline]
fn stride_for(m: u64, c: usize, seg_log: usize) -> usize {
    let half = 1usize << (c - 1);
    if m == 0 {
        half
    } else {
        (m as usize).next_power_of_two().max(1 << seg_log).min(half)
    }
}

/// The largest `|digit|` window `w` can hold for any scalar `s < r`: 0 for a window at or above bit
/// 255, into which no carry can come (the window below would need its bit 254 set); `2^{c−1}` when
/// `r` has bits above the window (every raw value occurs); else, `r`'s top bits lying in the
/// window, `min(2^{c−1}, raw(r) + 1)` (a scalar below `r` has a raw value of at most `r`'s, plus its
/// carry-in).
///
/// In the signed form with `|v| < 2^bits` (`bits < FULL_BITS`): 0 above bit `bits`, `2^{c−1}` where
/// the window holds `c − 1` bits of `|v|` or more, else `2^{bits − w·c}` (the largest raw value plus
/// a carry).
fn magnitude_bound(w: usize, c: usize, bits: usize) -> u64 {
    if bits < FULL_BITS {
        let pos = w * c;
        return if pos > bits {
            0
        } else if bits - pos >= c - 1 {
            1 << (c - 1)
        } else {
            1 << (bits - pos)
        };
    }
    let (half, pos, bits) = (1u64 << (c - 1), w * c, Fr::MODULUS_BIT_SIZE as usize);
    if pos > bits {
        0
    } else if pos + c < bits {
        half
    } else {
        (raw(&Fr::MODULUS.0, w, c) + 1).min(half)
    }
}

/// The window groups of an MSM with window size `c` on a card of `units` MSM units (1 or 2) with
/// `2^log_depth` bucket entries and `2^chain_log_depth` chains each, in the card's order:
/// `(first window, windows, seg_log)`. One unit: [`super::msm_reduce::plan_reduced`]'s groups. Two
/// units: `windows(c)` rounded up to even (a zero window on top), groups of up to twice the
/// windows (an even count, at most 254), `seg_log` of each unit's half (see the module docs).
pub fn group_shapes(c: usize, log_depth: usize, chain_log_depth: usize, units: usize) -> Vec<(usize, usize, usize)> {
    group_shapes_bits(FULL_BITS, c, log_depth, chain_log_depth, units)
}

/// [`group_shapes`] for scalars of `bits` bits ([`windows_for_bits`] windows: the signed form's
/// narrow streams).
pub fn group_shapes_bits(bits: usize, c: usize, log_depth: usize, chain_log_depth: usize, units: usize) -> Vec<(usize, usize, usize)> {
    assert!(units == 1 || units == 2, "{units} MSM units: 1 or 2");
    let total = windows_for_bits(bits, c).next_multiple_of(units);
    let per = (windows_per_group(c, log_depth) * units).min(if units == 1 { 255 } else { 254 });
    let mut shapes = Vec::new();
    let mut first = 0;
    while first < total {
        let count = per.min(total - first);
        shapes.push((first, count, segment_log(count / units, c, chain_log_depth)));
        first += count;
    }
    shapes
}

impl DigitStreams {
    /// The groups of an MSM of `n` scalars for a card with `2^log_depth` bucket entries and
    /// `2^chain_log_depth` chains (as [`super::msm_reduce::plan_reduced`]'s), strides not planned.
    pub fn new(n: usize, c: usize, log_depth: usize, chain_log_depth: usize) -> Self {
        Self::new_units(n, c, log_depth, chain_log_depth, 1)
    }

    /// [`DigitStreams::new`] for a card of `units` MSM units ([`group_shapes`]).
    pub fn new_units(n: usize, c: usize, log_depth: usize, chain_log_depth: usize, units: usize) -> Self {
        Self::with_bits(n, FULL_BITS, c, log_depth, chain_log_depth, units)
    }

    /// [`DigitStreams::new_units`] for scalars in the **signed form** with `|v| < 2^bits`
    /// (`bits ≤ MAX_SIGNED_BITS`; their limbs from [`signed_limbs`], all converted: pass
    /// `converted = n` to the planning and writing calls).
    pub fn new_signed(n: usize, bits: usize, c: usize, log_depth: usize, chain_log_depth: usize, units: usize) -> Self {
        assert!(bits <= MAX_SIGNED_BITS, "signed scalars of {bits} bits: at most {MAX_SIGNED_BITS}");
        Self::with_bits(n, bits, c, log_depth, chain_log_depth, units)
    }

    fn with_bits(n: usize, bits: usize, c: usize, log_depth: usize, chain_log_depth: usize, units: usize) -> Self {
        assert!((2..=MAX_STREAM_C).contains(&c), "window size {c} out of range 2..={MAX_STREAM_C} of the 16-bit digit format");
        let groups = group_shapes_bits(bits, c, log_depth, chain_log_depth, units)
            .into_iter()
            .map(|(first, windows, seg_log)| StreamGroup { first, windows, seg_log, strides: Vec::new(), spread: Vec::new() })
            .collect();
        DigitStreams { c, n, bits, groups }
    }

    /// Whether the stream is in the signed form (see the module docs).
    pub fn signed(&self) -> bool {
        self.bits < FULL_BITS
    }

    /// Plans every group: converts all scalars into `limbs` (same length) and plans the strides.
    pub fn prepare(scalars: &[Fr], limbs: &mut [Limbs], c: usize, log_depth: usize, chain_log_depth: usize) -> Self {
        Self::prepare_units(scalars, limbs, c, log_depth, chain_log_depth, 1)
    }

    /// [`DigitStreams::prepare`] for a card of `units` MSM units.
    pub fn prepare_units(scalars: &[Fr], limbs: &mut [Limbs], c: usize, log_depth: usize, chain_log_depth: usize, units: usize) -> Self {
        let mut ds = Self::new_units(scalars.len(), c, log_depth, chain_log_depth, units);
        Self::convert(scalars, limbs);
        for g in 0..ds.groups.len() {
            ds.plan_group(g, scalars, limbs, scalars.len());
        }
        ds
    }

    /// The canonical limbs of `scalars` into `limbs` (same length), in parallel.
    pub fn convert(scalars: &[Fr], limbs: &mut [Limbs]) {
        assert_eq!(scalars.len(), limbs.len(), "one limb buffer entry per scalar");
        limbs.par_iter_mut().with_min_len(SCAN_MIN_LEN).zip(scalars.par_iter()).for_each(|(l, s)| *l = s.into_bigint().0);
    }

    /// Group `g`'s strides from the largest `|digit|` of its windows over `scalars`. `limbs` (one
    /// entry per scalar) holds the canonical limbs of the first `converted` scalars; when a window
    /// is still open after the first scalars, the pass over every scalar converts the rest into
    /// `limbs` on the way (so that writing the words does not convert them again). Returns how
    /// many scalars `limbs` now holds converted (`converted`, or all of them after a full pass).
    pub fn plan_group(&mut self, g: usize, scalars: &[Fr], limbs: &mut [Limbs], converted: usize) -> usize {
        let c = self.c;
        self.check_inputs(scalars, limbs, converted);
        let signed = self.signed();
        let limbs_of = move |s: &Fr| limbs_in_form(s, signed);
        let grp = &mut self.groups[g];
        let seg_log = grp.seg_log;
        let stride = move |m: u64| stride_for(m, c, seg_log);
        // A window is settled once no scalar can change its stride: it has a nonzero digit and
        // its stride is that of the largest magnitude any scalar below r can give it (or that
        // largest magnitude is 0).
        let bits = self.bits;
        let bounds: Vec<u64> = (0..grp.windows).map(|j| magnitude_bound(grp.first + j, c, bits)).collect();
        let settled = |j: usize, m: u64| bounds[j] == 0 || (m > 0 && stride(m) == stride(bounds[j]));
        let mut m = vec![0u64; grp.windows];
        let mut open: Vec<usize> = (0..grp.windows).filter(|&j| !settled(j, 0)).collect();
        for i in 0..self.n.min(PREFIX_SCALARS) {
            if open.is_empty() {
                break;
            }
            let l = if i < converted { limbs[i] } else { limbs_of(&scalars[i]) };
            for &j in &open {
                m[j] = m[j].max(magnitude(&l, grp.first + j, c));
            }
            open.retain(|&j| !settled(j, m[j]));
        }
        let mut converted = converted;
        if !open.is_empty() && self.n > PREFIX_SCALARS {
            let first = grp.first;
            let rest = limbs
                .par_chunks_mut(SCAN_MIN_LEN)
                .zip(scalars.par_chunks(SCAN_MIN_LEN))
                .enumerate()
                .fold(
                    || vec![0u64; open.len()],
                    |mut acc, (k, (ls, ss))| {
                        for (t, (l, s)) in ls.iter_mut().zip(ss).enumerate() {
                            if k * SCAN_MIN_LEN + t >= converted {
                                *l = limbs_of(s);
                            }
                            for (a, &j) in acc.iter_mut().zip(&open) {
                                *a = (*a).max(magnitude(l, first + j, c));
                            }
                        }
                        acc
                    },
                )
                .reduce(|| vec![0u64; open.len()], |a, b| a.iter().zip(&b).map(|(x, y)| *x.max(y)).collect());
            for (&j, r) in open.iter().zip(rest) {
                m[j] = m[j].max(r);
            }
            converted = self.n;
        }
        grp.strides = m.iter().map(|&m| stride(m)).collect();
        grp.spread = grp.strides.iter().map(|&s| (((1usize << (c - 1)) / s) - 1, s.trailing_zeros())).collect();
        converted
    }

    /// Panics unless there is one scalar and one limb entry per point and `converted` is a count
    /// of them.
    fn check_inputs(&self, scalars: &[Fr], limbs: &[Limbs], converted: usize) {
        let n = self.n;
        assert!(
            scalars.len() == n && limbs.len() == n && converted <= n,
            "{} scalars, {} limbs, {converted} converted, for {n} points",
            scalars.len(),
            limbs.len()
        );
    }

    /// 16-bit words in group `g`'s stream, the last beat's padding included.
    pub fn stream_words(&self, g: usize) -> usize {
        (self.n * self.groups[g].windows).next_multiple_of(DIGITS_PER_BEAT)
    }

    /// The words of group `g` for `points` (a range of point indices), into
    /// `out = stream[points.start·W .. points.end·W]` (`W` the group's windows), or up to the end of
    /// the stream when `points.end` is the last point (the padding is written as zero digits).
    /// `limbs` holds the converted scalars (at least through `points.end`); the group must be
    /// planned. Parallel over points; allocates nothing.
    pub fn write_chunk(&self, limbs: &[Limbs], g: usize, points: Range<usize>, out: &mut [u16]) {
        let w = self.groups[g].windows;
        assert!(points.start <= points.end && points.end <= self.n && points.end <= limbs.len(), "points {points:?} of {}", self.n);
        let end = if points.end == self.n { self.stream_words(g) } else { points.end * w };
        assert_eq!(out.len(), end - points.start * w, "chunk {points:?} of group {g}: output length");
        let writer = GroupWriter::new(self, g);
        let (body, pad) = out.split_at_mut(points.len() * w);
        pad.fill(0);
        let start = points.start;
        body.par_chunks_mut(w * WRITE_BLOCK)
            .zip(limbs[points].par_chunks(WRITE_BLOCK))
            .enumerate()
            .for_each(|(blk, (out, ls))| writer.write_points(start + blk * WRITE_BLOCK, ls, out));
    }

    /// Group `g`'s whole stream into `out` ([`DigitStreams::stream_words`] words, the padding
    /// included) **in stream order**: blocks of [`WRITE_BLOCK`] points are handed out one after the
    /// other to the threads of the current pool, so that the stream fills from its start at the
    /// speed of all of them — what a card fed chunk by chunk needs, where a split into halves
    /// would fill the start at the speed of one thread. The scalars from `converted` on are
    /// converted into `limbs` first, block by block (the conversion rides along with the first
    /// group written). `done(b)` runs on the thread that finished block `b` (points
    /// `b·WRITE_BLOCK ..`), so a caller can stream every prefix of finished blocks. The group must
    /// be planned.
    pub fn write_group(&self, scalars: &[Fr], limbs: &mut [Limbs], converted: usize, g: usize, out: &mut [u16], done: &(dyn Fn(usize) + Sync)) {
        let w = self.groups[g].windows;
        self.check_inputs(scalars, limbs, converted);
        assert_eq!(out.len(), self.stream_words(g), "group {g}: output length");
        let writer = GroupWriter::new(self, g);
        let (body, pad) = out.split_at_mut(self.n * w);
        pad.fill(0);
        // One slot per block, each taken by exactly one thread (the counter), so the locks never
        // wait.
        let blocks: Vec<Mutex<(&mut [Limbs], &mut [u16])>> = limbs.chunks_mut(WRITE_BLOCK).zip(body.chunks_mut(w * WRITE_BLOCK)).map(Mutex::new).collect();
        let next = AtomicUsize::new(0);
        // One task per thread of the pool, each taking the next block until none is left: a task
        // that starts late (its thread busy elsewhere) finds nothing to do, so no thread waits for
        // another.
        let work = || loop {
            let b = next.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = blocks.get(b) else { break };
            let mut guard = slot.lock().expect("one thread per block");
            let (ls, out) = &mut *guard;
            let first = b * WRITE_BLOCK;
            for (k, (l, s)) in ls.iter_mut().zip(&scalars[first..]).enumerate() {
                if first + k >= converted {
                    *l = limbs_in_form(s, self.signed());
                }
            }
            writer.write_points(first, ls, out);
            done(b);
        };
        rayon::scope(|s| {
            for _ in 0..rayon::current_num_threads() {
                s.spawn(|_| work());
            }
        });
    }
}

/// What writing one group's words needs, computed once per group.
struct GroupWriter<'a> {
    c: usize,
    first: usize,
    windows: usize,
    /// Per window: replica mask and `log2 stride` ([`StreamGroup::spread`]).
    spread: &'a [(usize, u32)],
    /// Bits below window `first`, and the half bits of those windows (see [`GroupWriter::new`]).
    below: [u64; 4],
    halves: [u64; 4],
}

impl<'a> GroupWriter<'a> {
    fn new(ds: &'a DigitStreams, g: usize) -> Self {
        let grp = &ds.groups[g];
        let c = ds.c;
        assert_eq!(grp.strides.len(), grp.windows, "group {g} is not planned");
        // The carry into window `first` without walking the windows below (as `carry_in`): the
        // low part `L = s mod 2^{first·c}` passes a carry on exactly when `L > H`, `H` the number
        // whose windows below `first` are all `2^{c−1}` (the first window from the top that
        // differs from `2^{c−1}` decides). When the half bit of window `first − 1` lies above
        // bit 255, that window's raw value is below `2^{c−1}` and the carry is always 0 (both
        // masks stay 0).
        let (mut below, mut halves) = ([0u64; 4], [0u64; 4]);
        if grp.first * c <= 256 {
            for b in 0..grp.first * c {
                below[b / 64] |= 1 << (b % 64);
            }
            for k in 0..grp.first {
                let b = k * c + c - 1;
                halves[b / 64] |= 1 << (b % 64);
            }
        }
        GroupWriter { c, first: grp.first, windows: grp.windows, spread: &grp.spread, below, halves }
    }

    /// The words of points `start .. start + limbs.len()` into `out` (`windows` words per point).
    #[inline]
    fn write_points(&self, start: usize, limbs: &[Limbs], out: &mut [u16]) {
        // The constants in locals (the earlier closure-based writer measured its loop at more than
        // twice the time when they were read through a reference).
        let (c, w, spread, below, halves) = (self.c, self.windows, self.spread, self.below, self.halves);
        let (half, full, mask) = (1u64 << (c - 1), 1u64 << c, (1u64 << c) - 1);
        let base = self.first * c;
        for (k, (o, l)) in out.chunks_exact_mut(w).zip(limbs).enumerate() {
            let i = start + k;
            // A negative scalar of the signed form (bit 255; never set in the canonical form):
            // every digit's sign flips.
            let flip = (l[3] >> 63) as u16 * DIGIT_NEG;
            let mut carry = 0u64;
            for q in (0..4).rev() {
                let a = l[q] & below[q];
                if a != halves[q] {
                    carry = (a > halves[q]) as u64;
                    break;
                }
            }
            // Zero-padded limbs: every window (bits < 64·5) reads two words.
            let l6 = [l[0], l[1], l[2], l[3], 0, 0];
            let mut pos = base;
            for (o, &(rep_mask, stride_log)) in o.iter_mut().zip(spread) {
                let q = pos >> 6;
                let x = (l6[q] as u128) | ((l6[q + 1] as u128) << 64);
                let v = ((x >> (pos & 63)) as u64 & mask) + carry;
                pos += c;
                carry = (v > half) as u64;
                let mag = if carry == 1 { full - v } else { v };
                let word = ((((i & rep_mask) << stride_log) as u64 + mag) as u16) | ((carry as u16 * DIGIT_NEG) ^ flip);
                *o = if mag == 0 { 0 } else { word };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::msm_reduce::{plan_reduced, CHAIN_LOG_DEPTH};
    use super::super::msm_requests::{signed_digits, windows};
    use super::*;
    use ark_ff::{Field, One, UniformRand, Zero};
    use rand::{Rng, SeedableRng};

    /// A digit of `plan_reduced` in the card's format.
    fn wire(d: i32) -> u16 {
        let mag = d.unsigned_abs();
        assert!(mag < DIGIT_NEG as u32);
        mag as u16 | if d < 0 { DIGIT_NEG } else { 0 }
    }

    /// Scalars with every kind of carry chain: zero, one, r − 1, r − 2, 2^k, u64::MAX, all
    /// windows at exactly 2^{c−1} (carries passed on across many windows) with and without a
    /// borrow below, small scalars (narrow low windows, empty high ones), random ones.
    fn edge_scalars(c: usize, rng: &mut rand::rngs::StdRng, random: usize) -> Vec<Fr> {
        let mut v = vec![Fr::zero(), Fr::one(), -Fr::one(), -Fr::from(2u64), Fr::from(u64::MAX), Fr::from(1u64 << 40)];
        let mut halves = Fr::zero();
        let shift = Fr::from(2u64).pow([c as u64]);
        for _ in 0..windows(c) - 2 {
            halves = halves * shift + Fr::from(1u64 << (c - 1));
        }
        v.extend([halves, halves * shift + Fr::from((1u64 << (c - 1)) + 1), halves + Fr::one(), -halves]);
        v.extend((0..random).map(|_| Fr::rand(rng)));
        v.extend((0..8).map(|k| Fr::from(k as u64 * 3 + 1)));
        v
    }

    fn check(scalars: &[Fr], c: usize, log_depth: usize, chunk: usize) {
        let want = plan_reduced(scalars, c, log_depth, CHAIN_LOG_DEPTH);
        let mut limbs = vec![[0u64; 4]; scalars.len()];
        let ds = DigitStreams::prepare(scalars, &mut limbs, c, log_depth, CHAIN_LOG_DEPTH);
        // As the bench runs it: group 0 planned before any conversion (a full pass, if one is
        // needed, converts every scalar), the others after some or all; the limbs beyond the
        // converted ones hold garbage, which a full pass must overwrite.
        let mut lazy = DigitStreams::new(scalars.len(), c, log_depth, CHAIN_LOG_DEPTH);
        let mut late = vec![[u64::MAX; 4]; scalars.len()];
        let mut converted = lazy.plan_group(0, scalars, &mut late, 0);
        let half_n = scalars.len() / 2;
        if converted < half_n {
            DigitStreams::convert(&scalars[..half_n], &mut late[..half_n]);
            converted = half_n;
        }
        for g in 1..lazy.groups.len() {
            converted = lazy.plan_group(g, scalars, &mut late, converted);
        }
        assert_eq!(lazy, ds, "c = {c}, log_depth = {log_depth}: planning in steps");
        assert!(converted == scalars.len() || converted == half_n);
        if converted == scalars.len() {
            assert_eq!(late, limbs, "a full pass converts every scalar");
        }
        assert_eq!(ds.groups.len(), want.len(), "c = {c}, log_depth = {log_depth}: groups");
        for (g, wg) in want.iter().enumerate() {
            let sg = &ds.groups[g];
            assert_eq!((sg.first, sg.windows, sg.seg_log, &sg.strides), (wg.first, wg.windows, wg.seg_log, &wg.strides), "c = {c}, group {g}");
            let mut expect: Vec<u16> = wg.digits.iter().map(|&d| wire(d)).collect();
            expect.resize(ds.stream_words(g), 0);
            // Garbage first: every word, the padding included, must be written.
            let mut got = vec![0xdeadu16; ds.stream_words(g)];
            let mut a = 0;
            while a < scalars.len() {
                let b = (a + chunk).min(scalars.len());
                let end = if b == scalars.len() { got.len() } else { b * sg.windows };
                ds.write_chunk(&limbs, g, a..b, &mut got[a * sg.windows..end]);
                a = b;
            }
            assert_eq!(got, expect, "c = {c}, log_depth = {log_depth}, group {g}, chunk {chunk}");
            // The whole group in stream order on two threads, converting on the way.
            let mut fresh = vec![[u64::MAX; 4]; scalars.len()];
            let mut ordered = vec![0xbeefu16; ds.stream_words(g)];
            let calls: Vec<AtomicUsize> = (0..scalars.len().div_ceil(WRITE_BLOCK)).map(|_| AtomicUsize::new(0)).collect();
            let from = (g * 5) % (scalars.len() + 1);
            fresh[..from].copy_from_slice(&limbs[..from]);
            let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
            pool.install(|| {
                ds.write_group(scalars, &mut fresh, from, g, &mut ordered, &|b| {
                    calls[b].fetch_add(1, Ordering::Relaxed);
                })
            });
            assert_eq!(ordered, expect, "c = {c}, log_depth = {log_depth}, group {g}: write_group");
            assert_eq!(fresh, limbs, "write_group converts the scalars from {from} on");
            assert!(calls.iter().all(|k| k.load(Ordering::Relaxed) == 1), "done once per block");
        }
    }

    #[test]
    fn stream_words_equal_plan_reduced_in_the_digit_format() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2316);
        for c in [2usize, 3, 5, 8, 11, 12, 13, 14, 15] {
            let scalars = edge_scalars(c, &mut rng, 40);
            // Limbs and carries on their own against the reference slicing.
            for s in &scalars {
                let l = s.into_bigint().0;
                let d = signed_digits(s, c);
                for w in 0..windows(c) {
                    assert_eq!(magnitude(&l, w, c), d[w].unsigned_abs(), "c = {c}, window {w}");
                }
            }
            for (log_depth, chunk) in [(16usize, 7usize), (c - 1, 1), (10usize.max(c - 1), 64)] {
                check(&scalars, c, log_depth, chunk);
            }
        }
    }

    #[test]
    fn magnitude_bounds_hold_for_every_scalar_and_are_reached_at_the_top() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(254);
        for c in 2..=MAX_STREAM_C {
            let mut scalars = edge_scalars(c, &mut rng, 200);
            // The largest scalars: r − 1 and r − 1 with a low window forced to borrow.
            scalars.extend([-Fr::one(), -Fr::from(1u64 << (c - 1)), -Fr::from((1u64 << (c - 1)) - 1)]);
            let top = windows(c) - 1;
            for w in 0..windows(c) + 1 {
                let bound = magnitude_bound(w, c, FULL_BITS);
                let seen = scalars.iter().map(|s| magnitude(&s.into_bigint().0, w, c)).max().unwrap();
                assert!(seen <= bound, "c = {c}, window {w}: |digit| {seen} above the bound {bound}");
                if w < top {
                    assert_eq!(bound, 1 << (c - 1), "c = {c}, window {w}: a full window");
                } else if w == top {
                    // r − 1's own digit there, or one more with a carry from below.
                    assert!(bound <= seen + 1 && bound > 0, "c = {c}, top window {w}: bound {bound}, seen {seen}");
                } else {
                    assert_eq!(bound, 0, "c = {c}, window {w} above the top one");
                }
            }
        }
    }

    #[test]
    fn two_unit_groups_are_even_fit_each_unit_and_end_with_a_zero_window() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(23);
        let scalars = edge_scalars(13, &mut rng, 20);
        for (c, log_depth) in [(2usize, 10usize), (5, 10), (8, 10), (11, 10), (13, 16), (15, 16), (13, 12)] {
            let shapes = group_shapes(c, log_depth, CHAIN_LOG_DEPTH, 2);
            let total = windows(c).next_multiple_of(2);
            assert_eq!(shapes.iter().map(|s| s.1).sum::<usize>(), total, "c = {c}");
            for (k, &(first, w, seg_log)) in shapes.iter().enumerate() {
                assert!(w % 2 == 0 && w <= 254 && (w / 2) << (c - 1) <= 1 << log_depth, "c = {c}, group {k}: {w} windows");
                assert_eq!(seg_log, segment_log(w / 2, c, CHAIN_LOG_DEPTH), "c = {c}");
                assert_eq!(first, shapes[..k].iter().map(|s| s.1).sum::<usize>());
            }
            // Twice the one-unit card's windows per group (up to the MSM's).
            assert_eq!(shapes[0].1, (2 * windows_per_group(c, log_depth)).min(total).min(254), "c = {c}, 2^{log_depth}");
            if c == 13 {
                // Every digit of the zero window on top is 0; the others are the one-unit digits
                // up to their spread (same sign, same bucket modulo the stride).
                let mut limbs = vec![[0u64; 4]; scalars.len()];
                let ds = DigitStreams::prepare_units(&scalars, &mut limbs, c, log_depth, CHAIN_LOG_DEPTH, 2);
                let g = ds.groups.len() - 1;
                let grp = &ds.groups[g];
                let mut words = vec![1u16; ds.stream_words(g)];
                ds.write_chunk(&limbs, g, 0..scalars.len(), &mut words);
                for (i, s) in scalars.iter().enumerate() {
                    let want = signed_digits(s, c);
                    for j in 0..grp.windows {
                        let (word, wnd) = (words[i * grp.windows + j], grp.first + j);
                        let d = if wnd < want.len() { want[wnd] } else { 0 };
                        let stride = grp.strides[j] as u64;
                        assert_eq!(
                            (word & DIGIT_NEG != 0, (word & !DIGIT_NEG) as u64 % stride),
                            (d < 0, d.unsigned_abs() % stride),
                            "scalar {i}, window {wnd}"
                        );
                        if wnd >= want.len() {
                            assert_eq!(word, 0, "scalar {i}: the zero window");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn narrow_and_empty_windows_get_the_same_strides_as_plan_reduced() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(61);
        // Small scalars only: the high windows are empty (stride 2^{c−1}), the low ones narrow.
        let small: Vec<Fr> = (0..300).map(|_| Fr::from(rng.gen_range(0u64..1 << 20))).collect();
        // More scalars than one preparation task, random: saturation in every task.
        let many: Vec<Fr> = (0..4 * SCAN_MIN_LEN + 17).map(|_| Fr::rand(&mut rng)).collect();
        for c in [4usize, 9, 13] {
            check(&small, c, 16, 50);
            check(&[Fr::zero(); 20], c, 16, 3);
        }
        check(&many, 13, 16, 1000);
        check(&many, 15, 16, SCAN_MIN_LEN);
        check(&[], 12, 16, 1);
    }

    /// Narrow scalars of `bits` bits in the signed form, both signs: `±(2^bits − 1)`,
    /// `±2^{bits−1}`, 0, ±1, and random magnitudes below `2^bits`.
    fn narrow_scalars(bits: usize, rng: &mut rand::rngs::StdRng, random: usize) -> Vec<Fr> {
        let two = Fr::from(2u64);
        let top = two.pow([bits as u64]) - Fr::one();
        let mut v = vec![top, -top, Fr::zero(), Fr::one(), -Fr::one(), two.pow([bits as u64 - 1]), -two.pow([bits as u64 - 1])];
        for k in 0..random {
            let mut l = Fr::rand(rng).into_bigint();
            for b in bits..256 {
                l.0[b / 64] &= !(1u64 << (b % 64));
            }
            let x = Fr::from_bigint(l).expect("below r");
            v.push(if k % 2 == 0 { x } else { -x });
        }
        v
    }

    /// The digits of a signed stream decoded from the card's words (sign bit; magnitude from the
    /// bucket number modulo the window's stride), recomposed: `Σ_w ±|d_w|·2^{c·w}` per scalar.
    fn recompose(ds: &DigitStreams, scalars: &[Fr], limbs: &mut [Limbs]) -> Vec<Fr> {
        let n = scalars.len();
        let mut acc = vec![Fr::zero(); n];
        let two_c = Fr::from(2u64).pow([ds.c as u64]);
        let mut ds = ds.clone();
        for g in 0..ds.groups.len() {
            ds.plan_group(g, scalars, limbs, n);
            let mut words = vec![1u16; ds.stream_words(g)];
            ds.write_group(scalars, limbs, n, g, &mut words, &|_| {});
            let grp = &ds.groups[g];
            assert!(words[n * grp.windows..].iter().all(|&w| w == 0), "the padding");
            for (i, a) in acc.iter_mut().enumerate() {
                for j in 0..grp.windows {
                    let word = words[i * grp.windows + j];
                    let bucket = (word & !DIGIT_NEG) as u64;
                    if bucket == 0 {
                        assert_eq!(word, 0, "a zero digit is the word 0");
                        continue;
                    }
                    let mag = Fr::from((bucket - 1) % grp.strides[j] as u64 + 1);
                    let d = if word & DIGIT_NEG != 0 { -mag } else { mag };
                    *a += d * two_c.pow([(grp.first + j) as u64]);
                }
            }
        }
        acc
    }

    #[test]
    fn signed_streams_of_narrow_scalars_recompose_every_scalar_in_fewer_windows() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1792);
        for bits in [1usize, 2, 7, 16, 17, 40, 64, 100, 128, MAX_SIGNED_BITS] {
            let scalars = narrow_scalars(bits, &mut rng, 300);
            let mut limbs = vec![[u64::MAX; 4]; scalars.len()];
            assert_eq!(signed_limbs(&scalars, &mut limbs, MAX_SIGNED_BITS), Some(bits), "{bits} bits");
            assert_eq!(signed_limbs(&scalars, &mut limbs, bits - 1), None, "{bits} bits: one scalar is wider than {}", bits - 1);
            assert_eq!(signed_limbs(&scalars, &mut limbs, bits), Some(bits));
            for (c, log_depth) in [(2usize, 10usize), (5, 10), (8, 16), (11, 10), (13, 16), (15, 16)] {
                for units in [1, 2] {
                    let ds = DigitStreams::new_signed(scalars.len(), bits, c, log_depth, CHAIN_LOG_DEPTH, units);
                    let total: usize = ds.groups.iter().map(|g| g.windows).sum();
                    assert_eq!(total, windows_for_bits(bits, c).next_multiple_of(units), "{bits} bits, c = {c}");
                    assert!(total <= windows(c).next_multiple_of(units));
                    let got = recompose(&ds, &scalars, &mut limbs);
                    for (i, (g, s)) in got.iter().zip(&scalars).enumerate() {
                        assert_eq!(g, s, "{bits} bits, c = {c}, {units} unit(s): scalar {i}");
                    }
                    // Every |digit| within the window's bound (the strides' planning relies on it).
                    for w in 0..total {
                        let bound = magnitude_bound(w, c, bits);
                        let seen = limbs.iter().map(|l| magnitude(&[l[0], l[1], l[2], l[3] & !SIGN], w, c)).max().unwrap();
                        assert!(seen <= bound, "{bits} bits, c = {c}, window {w}: |digit| {seen} above {bound}");
                    }
                }
            }
        }
        // A full-width scalar after the first ones: the width scan gives up.
        let mut mixed = narrow_scalars(20, &mut rng, 200);
        mixed[150] = Fr::rand(&mut rng);
        let mut limbs = vec![[0u64; 4]; mixed.len()];
        assert_eq!(signed_limbs(&mixed, &mut limbs, MAX_SIGNED_BITS), None);
        // The canonical form is unchanged by the sign handling: no limb has bit 255 set there.
        let s = edge_scalars(13, &mut rng, 20);
        assert!(s.iter().all(|x| x.into_bigint().0[3] & SIGN == 0));
    }
}
