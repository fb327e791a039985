//! Host side of the MSM with the bucket reduction **on the card** (issue 23; the card's schedule is
//! `zkaccel_hdl::msm_bucket::reduce_model`, its design `hdl/src/msm_bucket/NOTES.md`):
//!
//! 1. [`plan_reduced`]: signed `c`-bit digits (word-level slicing, in parallel), window groups that
//!    fit the bucket memory, narrow windows spread with a **power-of-two stride** (a replica never
//!    straddles a chain), as a point-major digit stream — the only per-MSM data that crosses PCIe
//!    when the bases are resident;
//! 2. the card accumulates the buckets and reduces every chain (`G = 2^seg_log` consecutive
//!    buckets of one window) to `S_q = Σ_j B_{q·G+j}` and `T_q = Σ_j (j+1)·B_{q·G+j}`;
//! 3. [`combine`]: per window `Σ_q T_q + o_q·S_q` (`o_q` the weight offset of the chain's first
//!    bucket, a multiple of `G`: running sums over the `≤ 2^{c−1}/G` offsets and `seg_log`
//!    doublings), then Horner over the windows. For `c = 12`, 23 windows, `G = 128`: 16 chains per
//!    window, about 70 group operations per window instead of 4 096.

use super::msm_requests::{windows, windows_per_group};
use ark_bn254::{Fr, G1Projective};
use ark_ec::AdditiveGroup;
use ark_ff::PrimeField;
use rayon::prelude::*;

/// Chains the card's chain RAMs hold: `2^CHAIN_LOG_DEPTH` (the same constant as
/// `zkaccel_hdl::msm_bucket::reduce_model::CHAIN_LOG_DEPTH`; the occupancy bench checks that they
/// agree).
pub const CHAIN_LOG_DEPTH: usize = 9;

/// `log2` of the chain length for a group of `windows` windows of `2^{c−1}` buckets: the smallest
/// `g ≤ c − 1` with `windows·2^{c−1−g} ≤ 2^chain_log_depth`.
pub fn segment_log(windows: usize, c: usize, chain_log_depth: usize) -> usize {
    let total = windows << (c - 1);
    (0..c - 1).find(|&g| total >> g <= 1 << chain_log_depth).unwrap_or(c - 1)
}

/// One window group as the card's digit stream, with what [`combine`] needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReduceGroup {
    /// Index of the group's first window in the MSM.
    pub first: usize,
    /// Windows in the group.
    pub windows: usize,
    /// `log2 G`, buckets per chain.
    pub seg_log: usize,
    /// Per window: the replica stride (a power of two, `G ≤ stride ≤ 2^{c−1}`; `2^{c−1}` = not
    /// spread). Slot `p` of the window holds bucket `p mod stride`.
    pub strides: Vec<usize>,
    /// Point-major signed bucket numbers: `digits[i·windows + w] = ±((i mod R)·stride + |d|)`
    /// (`R = 2^{c−1}/stride`), 0 for no addition.
    pub digits: Vec<i32>,
}

impl ReduceGroup {
    /// Chains of the group, `windows·2^{c−1}/G` (two points of the card's answer each).
    pub fn chains(&self, c: usize) -> usize {
        (self.windows << (c - 1)) >> self.seg_log
    }
}

/// The signed `c`-bit digits of `s` into `out` (`windows(c)` entries, least significant first),
/// sliced from the 64-bit limbs; equal to `msm_requests::signed_digits`.
pub fn signed_digits_into(s: &Fr, c: usize, out: &mut [i32]) {
    let limbs = s.into_bigint().0;
    let (half, mask) = (1i64 << (c - 1), (1u64 << c) - 1);
    let mut carry = 0i64;
    for (w, d) in out.iter_mut().enumerate() {
        let pos = w * c;
        let (i, sh) = (pos / 64, pos % 64);
        let mut v = if i < 4 { limbs[i] >> sh } else { 0 };
        if sh != 0 && i + 1 < 4 {
            v |= limbs[i + 1] << (64 - sh);
        }
        let v = (v & mask) as i64 + carry;
        carry = (v > half) as i64;
        *d = (v - (carry << c)) as i32;
    }
}

/// The window groups of an MSM over `scalars` for a card with `2^log_depth` bucket entries and
/// `2^chain_log_depth` chains.
pub fn plan_reduced(scalars: &[Fr], c: usize, log_depth: usize, chain_log_depth: usize) -> Vec<ReduceGroup> {
    assert!((2..=16).contains(&c), "window size {c} out of range 2..=16");
    let total = windows(c);
    let half = 1usize << (c - 1);
    let mut all = vec![0i32; scalars.len() * total];
    all.par_chunks_mut(total).zip(scalars.par_iter()).for_each(|(out, s)| signed_digits_into(s, c, out));
    let widths: Vec<usize> = all
        .par_chunks(total)
        .fold(
            || vec![0usize; total],
            |mut m, ds| {
                for (mw, d) in m.iter_mut().zip(ds) {
                    *mw = (*mw).max(d.unsigned_abs() as usize);
                }
                m
            },
        )
        .reduce(|| vec![0usize; total], |a, b| a.iter().zip(&b).map(|(x, y)| *x.max(y)).collect());
    let per = windows_per_group(c, log_depth);
    let mut groups = Vec::new();
    let mut first = 0;
    while first < total {
        let count = per.min(total - first);
        let seg_log = segment_log(count, c, chain_log_depth);
        let strides: Vec<usize> =
            widths[first..first + count].iter().map(|&m| if m == 0 { half } else { m.next_power_of_two().max(1 << seg_log).min(half) }).collect();
        // Replica of point i: i mod R, R = 2^{c−1}/stride a power of two (masks, no division).
        let spread: Vec<(usize, u32)> = strides.iter().map(|&s| ((half / s) - 1, s.trailing_zeros())).collect();
        let mut digits = vec![0i32; scalars.len() * count];
        digits.par_chunks_mut(count).zip(all.par_chunks(total)).enumerate().for_each(|(i, (out, ds))| {
            for ((o, &d), &(rep_mask, stride_log)) in out.iter_mut().zip(&ds[first..first + count]).zip(&spread) {
                if d != 0 {
                    let mag = ((i & rep_mask) << stride_log) as i32 + d.abs();
                    *o = if d < 0 { -mag } else { mag };
                }
            }
        });
        groups.push(ReduceGroup { first, windows: count, seg_log, strides, digits });
        first += count;
    }
    groups
}

/// The card's answer for one group: `S_q` and `T_q` per chain, in chain order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChainSums {
    /// `S_q = Σ_j B_{q·G+j}`.
    pub s: Vec<G1Projective>,
    /// `T_q = Σ_j (j+1)·B_{q·G+j}`.
    pub t: Vec<G1Projective>,
}

impl ChainSums {
    /// A group's answer words in chain order as chain sums: `S_0, T_0, S_1, …` when the card
    /// reduced the group, else one word per bucket — chains of one bucket, `S_q = T_q = B_q`.
    pub fn from_answer(words: Vec<G1Projective>, reduced: bool) -> Self {
        if reduced {
            ChainSums { s: words.iter().step_by(2).copied().collect(), t: words.iter().skip(1).step_by(2).copied().collect() }
        } else {
            ChainSums { s: words.clone(), t: words }
        }
    }
}

/// `Σ_w 2^{c·w}·Σ_p (p mod stride_w + 1)·B_{w,p}` from the chain sums of every group (windows in
/// parallel, then Horner).
pub fn combine(groups: &[ReduceGroup], sums: &[ChainSums], c: usize) -> G1Projective {
    assert_eq!(groups.len(), sums.len(), "one answer per group");
    let jobs: Vec<(&ReduceGroup, &ChainSums, usize)> = groups.iter().zip(sums).flat_map(|(g, s)| (0..g.windows).map(move |w| (g, s, w))).collect();
    let window_sums: Vec<G1Projective> = jobs.par_iter().map(|&(g, sums, w)| window_sum(g.seg_log, g.strides[w], sums, w, c)).collect();
    horner(&window_sums, c)
}

/// The window sums `Σ_p (p mod stride_w + 1)·B_{w,p}` of one group from its chain sums (windows in
/// parallel): the part of [`combine`] that can run while the card works on the next group.
/// `seg_log` and `strides` as in [`ReduceGroup`].
pub fn group_window_sums(seg_log: usize, strides: &[usize], sums: &ChainSums, c: usize) -> Vec<G1Projective> {
    (0..strides.len()).into_par_iter().map(|w| window_sum(seg_log, strides[w], sums, w, c)).collect()
}

/// Decodes the card's answer bytes (96-byte bucket words, `zkaccel_interface::wire`) into points:
/// every word's coordinates canonical and the identity in its one form
/// (`bucket_from_wire_unchecked_curve`: no inversion, no curve check — **the caller checks the
/// curve on what it computes from the words**, as `DeviceMsm` does on each MSM's result), in
/// parallel over the words when there are many; an error gives the first bad word's index and
/// what is wrong. The host's first step after every group the card answers, so benches time it.
pub fn decode_answers(bytes: &[u8]) -> Result<Vec<G1Projective>, (usize, String)> {
    if bytes.len() % 96 != 0 {
        return Err((bytes.len() / 96, format!("{} answer bytes are not whole 96-byte words", bytes.len())));
    }
    let decode = |(k, word): (usize, &[u8])| zkaccel_interface::wire::bucket_from_wire_unchecked_curve(word).map_err(|e| (k, e));
    if bytes.len() < 96 * 256 {
        bytes.chunks_exact(96).enumerate().map(decode).collect()
    } else {
        // `collect` on a parallel iterator keeps the order; with several bad words it may report
        // any of them, so the first is looked up again for a stable message.
        bytes.par_chunks_exact(96).enumerate().map(decode).collect::<Result<Vec<_>, _>>().map_err(|_| {
            bytes.chunks_exact(96).enumerate().map(decode).find_map(Result::err).expect("a bad word was found in parallel")
        })
    }
}

/// A multi-unit card's answer for a group of `windows` windows (unit 0's words — the group's
/// windows `0, u, 2u, …` —, then unit 1's — windows `1, u + 1, …` —, and so on, each unit's in its
/// window order, the same number of words per window: `zkaccel_hdl::card::dual` with `u = 2`,
/// `zkaccel_hdl::card::triple` with `u = 3`) in the group's window order, as a one-unit card
/// answers; with `units = 1` the words as they are.
pub fn unit_answers_in_window_order<T: Copy>(words: Vec<T>, units: usize, windows: usize) -> Vec<T> {
    assert!(units >= 1 && windows.is_multiple_of(units) && words.len().is_multiple_of(windows), "{} words, {units} units, {windows} windows", words.len());
    if units == 1 {
        return words;
    }
    let (per_window, half) = (words.len() / windows, words.len() / units);
    let mut out = Vec::with_capacity(words.len());
    for w in 0..windows {
        let start = (w % units) * half + (w / units) * per_window;
        out.extend_from_slice(&words[start..start + per_window]);
    }
    out
}

/// `Σ_w 2^{c·w}·window_sums[w]` (Horner from the top window): the last step of [`combine`].
pub fn horner(window_sums: &[G1Projective], c: usize) -> G1Projective {
    window_sums.iter().rev().fold(G1Projective::ZERO, |mut acc, s| {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc + s
    })
}

/// Window `w` of a group: `Σ_q T_q + o_q·S_q` over its chains (an unspread window, whose offsets
/// are `q·G`, by [`combine_window`]).
fn window_sum(seg_log: usize, stride: usize, sums: &ChainSums, w: usize, c: usize) -> G1Projective {
    let per = (1usize << (c - 1)) >> seg_log;
    let offsets = stride >> seg_log;
    if offsets == per {
        let r = w * per..(w + 1) * per;
        return combine_window(&sums.s[r.clone()], &sums.t[r], seg_log);
    }
    let mut by_offset = vec![G1Projective::ZERO; offsets];
    let mut t_sum = G1Projective::ZERO;
    for k in 0..per {
        let q = w * per + k;
        by_offset[k % offsets] += sums.s[q];
        t_sum += sums.t[q];
    }
    // Σ_k k·by_offset[k] by running sums, times G.
    let (mut running, mut acc) = (G1Projective::ZERO, G1Projective::ZERO);
    for s in by_offset[1..].iter().rev() {
        running += s;
        acc += running;
    }
    for _ in 0..seg_log {
        acc.double_in_place();
    }
    acc + t_sum
}

/// Chains per task of [`combine_window`] without IFMA lanes.
const COMBINE_BLOCK: usize = 64;

/// One window from its `Q` chain sums: `Σ_q T_q + G·Σ_q q·S_q` (an unspread window of
/// [`group_window_sums`], which every window of the precomputed layout is). Where the CPU has
/// AVX-512 IFMA and `Q` is a multiple of 8 (at least 16), the chains are cut into eight blocks of
/// `L = Q/8` whose running sums run in the eight lanes of `cpu::msm::jacobian_ifma`
/// (`Σ_q q·S_q = Σ_b (Σ_j j·S_{bL+j} + b·L·Σ_j S_{bL+j})`); otherwise in parallel blocks of
/// Jacobian additions. Chains of one bucket (`seg_log = 0`, the card's plain
/// accumulation) pass their buckets as `S = T = B`.
pub fn combine_window(s: &[G1Projective], t: &[G1Projective], seg_log: usize) -> G1Projective {
    assert_eq!(s.len(), t.len(), "as many T as S");
    let (weighted, t_sum) = weighted_and_sum(s, t);
    let mut acc = weighted;
    for _ in 0..seg_log {
        acc.double_in_place();
    }
    acc + t_sum
}

/// `(Σ_q q·s_q, Σ_q t_q)`: see [`combine_window`].
fn weighted_and_sum(s: &[G1Projective], t: &[G1Projective]) -> (G1Projective, G1Projective) {
    #[cfg(target_arch = "x86_64")]
    if s.len() >= 16 && s.len().is_multiple_of(8) && crate::cpu::msm::jacobian_ifma::available() {
        let blocks = crate::cpu::msm::jacobian_ifma::block_sums(s, t);
        // Σ_b b·R_b by running sums over the eight block totals.
        let (mut running, mut offsets) = (G1Projective::ZERO, G1Projective::ZERO);
        for (_, r, _) in blocks[1..].iter().rev() {
            running += r;
            offsets += running;
        }
        let weighted = blocks.iter().map(|b| b.0).sum::<G1Projective>() + offsets * Fr::from((s.len() / 8) as u64);
        return (weighted, blocks.iter().map(|b| b.2).sum());
    }
    let zero = || (G1Projective::ZERO, G1Projective::ZERO);
    s.par_chunks(COMBINE_BLOCK)
        .zip(t.par_chunks(COMBINE_BLOCK))
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
        .reduce(zero, |x, y| (x.0 + y.0, x.1 + y.1))
}

#[cfg(test)]
mod tests {
    #[test]
    fn two_unit_answers_go_back_into_window_order() {
        // 4 windows of 3 words: unit 0 holds windows 0 and 2, unit 1 windows 1 and 3.
        let words: Vec<u32> = vec![0, 1, 2, 20, 21, 22, 10, 11, 12, 30, 31, 32];
        assert_eq!(unit_answers_in_window_order(words.clone(), 2, 4), vec![0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32]);
        assert_eq!(unit_answers_in_window_order(words.clone(), 1, 4), words);
        // 6 windows of 2 words on three units: unit 0 holds windows 0 and 3, unit 1 windows 1 and
        // 4, unit 2 windows 2 and 5.
        let words: Vec<u32> = vec![0, 1, 30, 31, 10, 11, 40, 41, 20, 21, 50, 51];
        assert_eq!(unit_answers_in_window_order(words, 3, 6), vec![0, 1, 10, 11, 20, 21, 30, 31, 40, 41, 50, 51]);
    }

    use super::super::msm_requests::signed_digits;
    use super::*;
    use ark_bn254::G1Affine;
    use ark_ec::{CurveGroup, VariableBaseMSM};
    use ark_ff::{One, UniformRand, Zero};
    use rand::SeedableRng;

    /// What the card computes for `group`, directly from the definitions (no running sums): the
    /// bucket slots, then `S_q` and `T_q` per chain by scalar multiplications.
    fn card_answer(group: &ReduceGroup, points: &[G1Affine], c: usize) -> ChainSums {
        let half = 1usize << (c - 1);
        let mut slots = vec![G1Projective::zero(); group.windows * half];
        for (i, p) in points.iter().enumerate() {
            for w in 0..group.windows {
                let d = group.digits[i * group.windows + w];
                if d != 0 {
                    let a = w * half + d.unsigned_abs() as usize - 1;
                    slots[a] += if d < 0 { -*p } else { *p };
                }
            }
        }
        let g = 1usize << group.seg_log;
        let mut out = ChainSums::default();
        for seg in slots.chunks(g) {
            out.s.push(seg.iter().sum());
            out.t.push(seg.iter().enumerate().map(|(j, b)| *b * Fr::from(j as u64 + 1)).sum());
        }
        assert_eq!(out.s.len(), group.chains(c));
        out
    }

    #[test]
    fn word_sliced_digits_equal_the_reference_slicing() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(23);
        let mut cases = vec![Fr::zero(), Fr::one(), -Fr::one(), Fr::from(u64::MAX)];
        cases.extend((0..100).map(|_| Fr::rand(&mut rng)));
        for c in 2..=16 {
            for s in &cases {
                let mut out = vec![0i32; windows(c)];
                signed_digits_into(s, c, &mut out);
                let want: Vec<i32> = signed_digits(s, c).iter().map(|&d| d as i32).collect();
                assert_eq!(out, want, "c = {c}");
            }
        }
    }

    #[test]
    fn combined_chain_sums_equal_the_msm() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2023);
        // (n, c, log_depth): several groups, spread narrow windows with strides below and above
        // the chain length, chains of 1 … 16 buckets.
        for (n, c, log_depth) in [(1usize, 4usize, 10usize), (40, 5, 6), (40, 7, 10), (64, 9, 16), (30, 10, 10)] {
            let mut pts: Vec<G1Projective> = (0..n).map(|_| G1Projective::rand(&mut rng)).collect();
            let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            if n >= 12 {
                scalars[0] = Fr::zero();
                scalars[1] = -Fr::one();
                pts[2] = pts[3];
                scalars[2] = scalars[3];
                pts[4] = -pts[5];
                scalars[4] = scalars[5];
                pts[6] = G1Projective::zero();
                scalars[7] = Fr::from(3u64);
            }
            let points = G1Projective::normalize_batch(&pts);
            let want = G1Projective::msm(&points, &scalars).unwrap().into_affine();
            let groups = plan_reduced(&scalars, c, log_depth, CHAIN_LOG_DEPTH);
            assert!(groups.iter().all(|g| g.chains(c) <= 1 << CHAIN_LOG_DEPTH));
            let answers: Vec<ChainSums> = groups.iter().map(|g| card_answer(g, &points, c)).collect();
            assert_eq!(combine(&groups, &answers, c).into_affine(), want, "n = {n}, c = {c}, log_depth = {log_depth}");
            // Group by group (as the card's answers arrive), then Horner.
            let per_group: Vec<G1Projective> = groups.iter().zip(&answers).flat_map(|(g, a)| group_window_sums(g.seg_log, &g.strides, a, c)).collect();
            assert_eq!(horner(&per_group, c).into_affine(), want, "n = {n}, c = {c}: per group");
        }
        // All scalars zero: every digit 0, the sum is the identity.
        let points = G1Projective::normalize_batch(&[G1Projective::rand(&mut rng); 5]);
        let groups = plan_reduced(&[Fr::zero(); 5], 6, 10, CHAIN_LOG_DEPTH);
        assert!(groups.iter().all(|g| g.digits.iter().all(|&d| d == 0)));
        let answers: Vec<ChainSums> = groups.iter().map(|g| card_answer(g, &points, 6)).collect();
        assert!(combine(&groups, &answers, 6).is_zero());
    }

    #[test]
    fn narrow_windows_spread_with_a_power_of_two_stride_no_shorter_than_a_chain() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let scalars: Vec<Fr> = (0..300).map(|_| Fr::rand(&mut rng)).collect();
        let c = 12;
        let groups = plan_reduced(&scalars, c, 16, CHAIN_LOG_DEPTH);
        assert_eq!(groups.len(), 1);
        let g = &groups[0];
        assert_eq!((g.windows, g.seg_log, g.chains(c)), (22, 7, 352));
        // Window 21, the top one, holds bits 252..253 and the carry: |d| ≤ 4, stride 128 (not 4: a
        // replica must not straddle a chain), 16 replicas.
        assert_eq!(g.strides[21], 128);
        assert!(g.strides.iter().all(|s| s.is_power_of_two() && *s >= 128 && *s <= 2048));
        let top: Vec<i32> = (0..300).map(|i| g.digits[i * 22 + 21]).filter(|d| *d != 0).collect();
        assert!(top.iter().any(|d| d.unsigned_abs() > 128), "replicas beyond the first are used");
    }
}
